#define _GNU_SOURCE
/* wsload: N subscribers on one epoll loop, for make bench.
 *
 *   wsload --mode ws|redis --port P --n N --products LIST
 *          [--duration S] [--count K] [--idle-exit S] [--field received_at]
 *          [--warmup S]
 *
 * ws: N websocket clients of bin/web's /ws, each sending one subscribe for
 * every product in LIST ("coinbase:BTC-USD,..."). redis: N plain Redis
 * clients, each SUBSCRIBEd to trades:<product> for every product.
 * Once every client is subscribed it prints "ready clients=N" and counts
 * trade messages: their number, the latency from the trade's `field`
 * timestamp (received_at: stamped by the publisher at PUBLISH) to receipt,
 * and closed connections. It stops after --duration seconds from ready, or
 * when --count messages arrived, or --idle-exit seconds after the last
 * message, whichever comes first, and prints one line of key=value results. */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "bench.h"

#define CARRY_MAX 4096
#define CONNECT_WINDOW 256 /* handshakes in flight */

enum state { CONNECTING, HANDSHAKE, SUBSCRIBING, READY, CLOSED };

struct conn {
    int fd;
    enum state state;
    int acks; /* redis: subscribe confirmations */
    size_t carry_len;
    char *carry;
};

static int redis_mode, port, nconn = 100;
static char products[4096] = "coinbase:BTC-USD";
static char *product_list[64];
static int nproducts;
static double duration = 10, idle_exit = 0, warmup = 0;
static int64_t count_from; /* mono µs; messages before it are not counted */
static long long count_limit = 0;
static char needle[64] = "\"received_at\":\"";
static size_t needle_len;

static struct conn *conns;
static int nready, nclosed, handshakes_inflight, next_to_open;
static long long messages, other;
static int64_t first_us, last_us;
static struct hist hist;
static int epfd;

static void close_conn(struct conn *c)
{
    if (c->state == CLOSED)
        return;
    if (c->state == READY)
        nready--;
    if (c->state == HANDSHAKE || c->state == SUBSCRIBING || c->state == CONNECTING)
        handshakes_inflight--;
    c->state = CLOSED;
    nclosed++;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
}

static void became_ready(struct conn *c)
{
    c->state = READY;
    nready++;
    handshakes_inflight--;
}

static void on_message(const char *p, size_t len)
{
    int64_t now = wall_us();
    int64_t t = field_time(p, len, needle, needle_len);
    if (t < 0 || count_from == 0 || mono_us() < count_from) {
        other++;
        return;
    }
    messages++;
    if (first_us == 0)
        first_us = now;
    last_us = now;
    hist_add(&hist, now - t);
}

static void open_one(int i)
{
    struct conn *c = &conns[i];
    c->fd = tcp_connect(port);
    if (c->fd < 0) {
        c->state = CLOSED;
        nclosed++;
        return;
    }
    c->carry = malloc(CARRY_MAX);
    handshakes_inflight++;
    char req[8192];
    int n;
    if (redis_mode) {
        n = snprintf(req, sizeof req, "*%d\r\n$9\r\nSUBSCRIBE\r\n", nproducts + 1);
        for (int k = 0; k < nproducts; k++)
            n += snprintf(req + n, sizeof req - (size_t)n, "$%zu\r\ntrades:%s\r\n",
                          strlen(product_list[k]) + 7, product_list[k]);
        c->state = SUBSCRIBING;
    } else {
        n = snprintf(req, sizeof req,
                     "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     port);
        c->state = HANDSHAKE;
    }
    write_all(c->fd, req, (size_t)n);
    set_nonblock(c->fd);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void send_subscribe(struct conn *c)
{
    char msg[4096], frame[4096 + 16];
    int n = snprintf(msg, sizeof msg, "{\"type\":\"subscribe\",\"products\":[");
    for (int k = 0; k < nproducts; k++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s\"%s\"", k ? "," : "", product_list[k]);
    n += snprintf(msg + n, sizeof msg - (size_t)n, "]}");
    size_t len = strnlen(msg, sizeof msg);
    size_t h = ws_header((unsigned char *)frame, len, 1);
    memcpy(frame + h, msg, len);
    write_all(c->fd, frame, h + len);
    c->state = SUBSCRIBING;
}

/* Consumes complete websocket frames; returns bytes used, -1 to close. */
static long ws_consume(struct conn *c, char *p, size_t len)
{
    size_t off = 0;
    if (c->state == HANDSHAKE) {
        char *end = memmem(p, len, "\r\n\r\n", 4);
        if (end == NULL)
            return 0;
        if (len < 12 || memcmp(p + 9, "101", 3) != 0)
            return -1;
        off = (size_t)(end + 4 - p);
        send_subscribe(c);
    }
    for (;;) {
        size_t plen;
        int op;
        size_t h = ws_parse((unsigned char *)p + off, len - off, &plen, &op);
        if (h == 0 || len - off < h + plen)
            break;
        char *msg = p + off + h;
        if (op == 8)
            return -1;
        if (c->state == SUBSCRIBING && plen > 20 && memmem(msg, plen, "\"subscribed\"", 12))
            became_ready(c);
        else if (c->state == READY && plen > 20 && memcmp(msg, "{\"type\":\"trade\"", 15) == 0)
            on_message(msg, plen);
        else
            other++;
        off += h + plen;
    }
    return (long)off;
}

/* Parses one RESP array of bulk strings and integers: element pointers in
 * el/ell; returns bytes used, 0 if incomplete. */
static size_t resp_array(char *p, size_t len, char **el, size_t *ell, int max, int *n)
{
    char *end = p + len, *q = p;
    if (q >= end || *q != '*')
        return 0;
    char *nl = memchr(q, '\n', (size_t)(end - q));
    if (nl == NULL)
        return 0;
    *n = atoi(q + 1);
    q = nl + 1;
    for (int i = 0; i < *n; i++) {
        if (q >= end)
            return 0;
        nl = memchr(q, '\n', (size_t)(end - q));
        if (nl == NULL)
            return 0;
        if (*q == '$') {
            size_t bl = (size_t)atol(q + 1);
            if ((size_t)(end - nl - 1) < bl + 2)
                return 0;
            if (i < max) {
                el[i] = nl + 1;
                ell[i] = bl;
            }
            q = nl + 1 + bl + 2;
        } else {
            if (i < max) {
                el[i] = q + 1;
                ell[i] = (size_t)(nl - 1 - q - 1);
            }
            q = nl + 1;
        }
    }
    return (size_t)(q - p);
}

static long redis_consume(struct conn *c, char *p, size_t len)
{
    size_t off = 0;
    for (;;) {
        char *el[3];
        size_t ell[3];
        int n = 0;
        size_t used = resp_array(p + off, len - off, el, ell, 3, &n);
        if (used == 0) {
            if (len - off && p[off] != '*')
                return -1; /* an error reply */
            break;
        }
        if (n == 3 && ell[0] == 9 && memcmp(el[0], "subscribe", 9) == 0) {
            if (++c->acks == nproducts)
                became_ready(c);
        } else if (n == 3 && ell[0] == 7 && memcmp(el[0], "message", 7) == 0) {
            on_message(el[2], ell[2]);
        }
        off += used;
    }
    return (long)off;
}

static char scratch[CARRY_MAX + 262144];

static void on_readable(struct conn *c)
{
    for (;;) {
        memcpy(scratch, c->carry, c->carry_len);
        ssize_t n = read(c->fd, scratch + c->carry_len, sizeof scratch - c->carry_len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            close_conn(c);
            return;
        }
        size_t len = c->carry_len + (size_t)n;
        long used = redis_mode ? redis_consume(c, scratch, len) : ws_consume(c, scratch, len);
        if (used < 0 || len - (size_t)used > CARRY_MAX) {
            close_conn(c);
            return;
        }
        c->carry_len = len - (size_t)used;
        memcpy(c->carry, scratch + used, c->carry_len);
        if ((size_t)n < sizeof scratch - len + (size_t)n)
            return; /* drained; a full buffer may have more behind it */
    }
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--mode") == 0)
            redis_mode = strcmp(v, "redis") == 0;
        else if (strcmp(k, "--port") == 0)
            port = atoi(v);
        else if (strcmp(k, "--n") == 0)
            nconn = atoi(v);
        else if (strcmp(k, "--products") == 0)
            snprintf(products, sizeof products, "%s", v);
        else if (strcmp(k, "--duration") == 0)
            duration = atof(v);
        else if (strcmp(k, "--idle-exit") == 0)
            idle_exit = atof(v);
        else if (strcmp(k, "--warmup") == 0)
            warmup = atof(v);
        else if (strcmp(k, "--count") == 0)
            count_limit = atoll(v);
        else if (strcmp(k, "--field") == 0)
            snprintf(needle, sizeof needle, "\"%s\":\"", v);
        else {
            fprintf(stderr, "wsload: unknown option %s\n", k);
            exit(2);
        }
    }
    needle_len = strlen(needle);
    for (char *s = strtok(products, ","); s && nproducts < 64; s = strtok(NULL, ","))
        product_list[nproducts++] = s;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    hist_init(&hist);
    conns = calloc((size_t)nconn, sizeof *conns);
    epfd = epoll_create1(0);
    struct epoll_event evs[512];
    int64_t setup_deadline = mono_us() + 120 * 1000000LL, ready_at = 0;
    int announced = 0;
    for (;;) {
        while (next_to_open < nconn && handshakes_inflight < CONNECT_WINDOW)
            open_one(next_to_open++);
        if (!announced && next_to_open == nconn && handshakes_inflight == 0) {
            printf("ready clients=%d\n", nready);
            fflush(stdout);
            announced = 1;
            ready_at = mono_us();
            count_from = ready_at + (int64_t)(warmup * 1e6);
        }
        int64_t now = mono_us();
        if (!announced && now > setup_deadline) {
            fprintf(stderr, "wsload: only %d of %d clients subscribed\n", nready, nconn);
            return 1;
        }
        if (announced) {
            if (now - ready_at >= (int64_t)(duration * 1e6))
                break;
            if (count_limit && messages >= count_limit)
                break;
            if (idle_exit > 0 && last_us && wall_us() - last_us >= (int64_t)(idle_exit * 1e6))
                break;
        }
        int n = epoll_wait(epfd, evs, 512, 20);
        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[evs[i].data.u32];
            if (c->state != CLOSED)
                on_readable(c);
        }
    }
    int disconnects = 0;
    for (int i = 0; i < nconn; i++)
        disconnects += conns[i].state == CLOSED;
    printf("clients=%d messages=%lld other=%lld disconnects=%d p50_us=%lld p99_us=%lld "
           "max_us=%lld first_us=%lld last_us=%lld\n",
           nconn, messages, other, disconnects, (long long)hist_q(&hist, 0.5),
           (long long)hist_q(&hist, 0.99), (long long)hist.max, (long long)first_us,
           (long long)last_us);
    return 0;
}
