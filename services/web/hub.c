#define _GNU_SOURCE /* memmem */
#include "hub.h"

#include <cJSON.h>
#include <h2o/websocket.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "product.h"
#include "web.h"
#include "wsframe.h"
#include "xalloc.h"

#define MAX_MESSAGE 65536     /* larger client messages close with 1009 */
/* wslay's own cap. The 64 KiB limit is checked on whole messages instead:
 * when wslay stops reading at its cap, the socket closes with unread input,
 * the kernel sends a reset and the client never sees the 1009 close frame. */
#define MAX_FRAME_HARD (1 << 20)
#define SLOW_GRACE_MS 5000    /* a client closed for slowness gets this long to go */
/* Frames per write: a client that fell behind gets its backlog in writes of
 * up to this many frames (one writev each), not one write per frame. */
#define WRITE_BATCH 64

static struct metric m_clients = METRIC_GAUGE_INIT("poeticoins_ws_clients", "Connected websocket clients");
static struct metric m_refused = METRIC_COUNTER_INIT(
    "poeticoins_ws_refused_total", "Websocket handshakes refused because WS_MAX_CLIENTS were connected", NULL);
static struct metric m_in = METRIC_COUNTER_INIT(
    "poeticoins_ws_messages_in_total", "Messages received from Redis for the websocket clients", NULL);
static struct metric m_frames_out = METRIC_COUNTER_INIT(
    "poeticoins_ws_frames_out_total", "Frames queued to websocket clients", NULL);
static struct metric m_bytes_out = METRIC_COUNTER_INIT(
    "poeticoins_ws_bytes_out_total", "Bytes of frames queued to websocket clients", NULL);
static struct metric m_slow = METRIC_COUNTER_INIT(
    "poeticoins_ws_slow_closed_total", "Clients closed (1008) for staying over WS_MAX_QUEUE", NULL);
static struct metric m_client_errors = METRIC_COUNTER_INIT(
    "poeticoins_ws_client_errors_total", "Bad messages from websocket clients (answered with an error frame)", NULL);
static struct metric m_flood = METRIC_COUNTER_INIT(
    "poeticoins_ws_flood_closed_total", "Clients closed (1008) for sending over WS_MAX_MSGS_PER_SEC", NULL);
static struct metric m_origin = METRIC_COUNTER_INIT(
    "poeticoins_ws_origin_refused_total", "Websocket handshakes refused (403) for their Origin", NULL);

struct client;

/* One subscriber entry of a product; `sub` is its index in the client's subs. */
struct product_sub {
    struct client *client;
    size_t sub;
};

struct product {
    char id[PRODUCT_ID_MAX];
    struct product_sub *subs;
    size_t nsubs, cap;
};

/* One subscription of a client; `slot` is its index in the product's subs. */
struct client_sub {
    size_t product;
    size_t slot;
};

/* Frames are written by the hub itself, not through wslay: each client holds
 * references to shared, already framed buffers (wsframe.h) and writes up to
 * WRITE_BATCH of them with one h2o_socket_write (a writev). wslay still
 * reads, answers pings and runs the close handshake; its rare writes and
 * ours never overlap, since both start only when the socket is not writing.
 * A client blocked by a write that is not ours (wslay's, or the handshake
 * response) is retried on the next loop iteration, which that write's
 * completion always brings. */
struct client {
    struct hub *hub;
    h2o_websocket_conn_t *ws;
    struct client *prev, *next;     /* all clients */
    struct client *dirty_next;      /* clients with something to write */
    struct client *blocked_next;    /* clients waiting for a foreign write */
    bool dirty;
    bool blocked;
    struct wsframe **ring;          /* frames to send, oldest first; the */
    uint32_t head, count, cap;      /* first `inflight` are being written */
    uint32_t inflight;              /* non-zero while our write is in flight */
    size_t queued_bytes;            /* bytes of the frames in ring */
    int fd;                         /* the socket's, once known; -1 before */
    bool slow;                      /* over the bound: closing with 1008 */
    bool flooding;                  /* over the message rate: closing with 1008 */
    uint64_t slow_since;            /* when slow or flooding began */
    uint64_t window_start;          /* one-second window of the message rate */
    unsigned window_msgs;
    struct client_sub subs[WS_PRODUCTS_MAX];
    size_t nsubs;
};

struct hub {
    uv_loop_t *loop;
    size_t max_clients, max_queue;
    unsigned max_msgs_per_sec;
    char *allowed_origins;          /* ",a,b," for whole-item matching */
    hub_known_fn known;
    void *known_arg;
    struct client *clients;
    size_t nclients;
    struct client *dirty;
    struct client *blocked;
    struct product *products;
    size_t nproducts, cap;
    uv_check_t flush;
    uv_timer_t sweep;
};

static size_t product_index(struct hub *hub, const char *id, bool create)
{
    for (size_t i = 0; i < hub->nproducts; i++)
        if (strcmp(hub->products[i].id, id) == 0)
            return i;
    if (!create)
        return SIZE_MAX;
    if (hub->nproducts == hub->cap) {
        hub->cap = hub->cap ? hub->cap * 2 : 16;
        hub->products = xrealloc(hub->products, hub->cap * sizeof *hub->products);
    }
    struct product *p = &hub->products[hub->nproducts];
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    return hub->nproducts++;
}

static bool subscribed(const struct client *c, size_t product)
{
    for (size_t i = 0; i < c->nsubs; i++)
        if (c->subs[i].product == product)
            return true;
    return false;
}

static void subscribe(struct client *c, size_t index)
{
    struct product *p = &c->hub->products[index];
    if (subscribed(c, index) || c->nsubs == WS_PRODUCTS_MAX)
        return;
    if (p->nsubs == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->subs = xrealloc(p->subs, p->cap * sizeof *p->subs);
    }
    p->subs[p->nsubs] = (struct product_sub){ c, c->nsubs };
    c->subs[c->nsubs++] = (struct client_sub){ index, p->nsubs++ };
}

/* Removes c's subscription number `sub` in O(1): the last entry of both
 * arrays moves into the hole and its back-reference is updated. */
static void unsubscribe_at(struct client *c, size_t sub)
{
    struct client_sub cs = c->subs[sub];
    struct product *p = &c->hub->products[cs.product];
    struct product_sub moved = p->subs[--p->nsubs];
    if (cs.slot != p->nsubs) {
        p->subs[cs.slot] = moved;
        moved.client->subs[moved.sub].slot = cs.slot;
    }
    struct client_sub last = c->subs[--c->nsubs];
    if (sub != c->nsubs) {
        c->subs[sub] = last;
        c->hub->products[last.product].subs[last.slot].sub = sub;
    }
}

static void mark_dirty(struct client *c)
{
    if (!c->dirty) {
        c->dirty = true;
        c->dirty_next = c->hub->dirty;
        c->hub->dirty = c;
    }
}

static void mark_blocked(struct client *c)
{
    if (!c->blocked) {
        c->blocked = true;
        c->blocked_next = c->hub->blocked;
        c->hub->blocked = c;
    }
}

static void ring_push(struct client *c, struct wsframe *f)
{
    if (c->count == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 8;
        struct wsframe **ring = xmalloc(cap * sizeof(struct wsframe *));
        for (uint32_t i = 0; i < c->count; i++)
            ring[i] = c->ring[(c->head + i) & (c->cap - 1)];
        free(c->ring);
        c->ring = ring;
        c->cap = cap;
        c->head = 0;
    }
    c->ring[(c->head + c->count++) & (c->cap - 1)] = wsframe_ref(f);
    c->queued_bytes += f->len;
}

/* Releases the `n` oldest frames. */
static void ring_drop_head(struct client *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct wsframe *f = c->ring[c->head];
        c->head = (c->head + 1) & (c->cap - 1);
        c->queued_bytes -= f->len;
        wsframe_unref(f);
    }
    c->count -= n;
}

/* Releases the frames not being written (newest first). */
static void ring_drop_unsent(struct client *c)
{
    while (c->count > c->inflight) {
        struct wsframe *f = c->ring[(c->head + --c->count) & (c->cap - 1)];
        c->queued_bytes -= f->len;
        wsframe_unref(f);
    }
}

static void go_slow(struct client *c)
{
    c->slow = true;
    c->slow_since = loop_now_ms();
    m_slow.value++;
    log_warn("websocket client over WS_MAX_QUEUE (%zu bytes waiting), closing with 1008",
             c->queued_bytes);
    ring_drop_unsent(c);
    static const char reason[] = "client too slow";
    wslay_event_queue_close(c->ws->ws_ctx, 1008, (const uint8_t *)reason, sizeof reason - 1);
    mark_dirty(c);
}

static bool closing(const struct client *c)
{
    return wslay_event_get_close_sent(c->ws->ws_ctx) ||
           wslay_event_get_close_received(c->ws->ws_ctx);
}

/* Queues a reference to the frame; writing happens in on_flush. */
static void send_frame(struct client *c, struct wsframe *f)
{
    if (c->slow || c->flooding || closing(c))
        return;
    if (c->queued_bytes + f->len > c->hub->max_queue) {
        go_slow(c);
        return;
    }
    ring_push(c, f);
    m_frames_out.value++;
    m_bytes_out.value += (int64_t)f->len;
    mark_dirty(c);
}

/* A frame for this client only. */
static void send_text(struct client *c, const char *text, size_t len)
{
    struct wsframe_part part = { text, len };
    struct wsframe *f = wsframe_text(&part, 1);
    send_frame(c, f);
    wsframe_unref(f);
}

static void send_error(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_error(struct client *c, const char *fmt, ...)
{
    char text[256], frame[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON *s = cJSON_CreateString(text);
    char *quoted = cJSON_PrintUnformatted(s);
    int n = snprintf(frame, sizeof frame, "{\"type\":\"error\",\"error\":%s}", quoted);
    free(quoted);
    cJSON_Delete(s);
    m_client_errors.value++;
    send_text(c, frame, (size_t)n < sizeof frame ? (size_t)n : sizeof frame - 1);
}

static void send_subscribed(struct client *c)
{
    /* At most 200 ids of 48 bytes each. */
    char frame[64 + WS_PRODUCTS_MAX * (PRODUCT_ID_MAX + 3)];
    size_t o = (size_t)snprintf(frame, sizeof frame, "{\"type\":\"subscribed\",\"products\":[");
    for (size_t i = 0; i < c->nsubs; i++)
        o += (size_t)snprintf(frame + o, sizeof frame - o, "%s\"%s\"", i ? "," : "",
                              c->hub->products[c->subs[i].product].id);
    o += (size_t)snprintf(frame + o, sizeof frame - o, "]}");
    send_text(c, frame, o);
}

static void unlink_from(struct client **list, struct client *c, size_t next_offset)
{
    while (*list != c)
        list = (struct client **)((char *)*list + next_offset);
    *list = *(struct client **)((char *)c + next_offset);
}

static void remove_client(struct client *c)
{
    struct hub *hub = c->hub;
    while (c->nsubs)
        unsubscribe_at(c, c->nsubs - 1);
    if (c->prev)
        c->prev->next = c->next;
    else
        hub->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->dirty)
        unlink_from(&hub->dirty, c, offsetof(struct client, dirty_next));
    if (c->blocked)
        unlink_from(&hub->blocked, c, offsetof(struct client, blocked_next));
    /* h2o never calls back a write of a socket it closes (the caller closes
     * it next), so frames being written are released here too. */
    if (c->count)
        ring_drop_head(c, c->count);
    free(c->ring);
    hub->nclients--;
    m_clients.value = (int64_t)hub->nclients;
    free(c);
}

/* Counts a data message in the client's one-second window. The first one
 * over the limit gets an error frame, then a close (1008) from on_sweep once
 * the frame is written (wslay sends queued control frames before queued
 * messages, so queueing both now would lose the error); later messages,
 * until the client goes, are dropped unread. */
static bool within_rate(struct client *c)
{
    if (c->flooding)
        return false;
    uint64_t now = loop_now_ms();
    if (now - c->window_start >= 1000) {
        c->window_start = now;
        c->window_msgs = 0;
    }
    if (++c->window_msgs <= c->hub->max_msgs_per_sec)
        return true;
    send_error(c, "too many messages: at most %u a second (WS_MAX_MSGS_PER_SEC)",
               c->hub->max_msgs_per_sec);
    c->flooding = true;
    c->slow_since = now;
    m_flood.value++;
    log_warn("websocket client over WS_MAX_MSGS_PER_SEC (%u), closing with 1008",
             c->hub->max_msgs_per_sec);
    return false;
}

static void on_message(struct client *c, const struct wslay_event_on_msg_recv_arg *arg)
{
    if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME)
        return; /* ping/pong/close are handled by wslay */
    if (!within_rate(c))
        return;
    if (arg->msg_length > MAX_MESSAGE) {
        static const char reason[] = "message over 64 KiB";
        m_client_errors.value++;
        wslay_event_queue_close(c->ws->ws_ctx, 1009, (const uint8_t *)reason, sizeof reason - 1);
        mark_dirty(c);
        return;
    }
    if (arg->opcode == WSLAY_BINARY_FRAME) {
        send_error(c, "binary frames are not supported; send JSON text");
        return;
    }
    static struct ws_msg msg; /* large; one process, one thread */
    char detail[128];
    const char *err = ws_msg_parse((const char *)arg->msg, arg->msg_length, &msg, detail);
    if (err) {
        if (detail[0])
            send_error(c, "%s: '%s'", err, detail);
        else
            send_error(c, "%s", err);
        return;
    }
    for (size_t i = 0; i < msg.count; i++) {
        const char *id = msg.products[i].id;
        if (msg.type == WS_MSG_SUBSCRIBE) {
            if (!c->hub->known(c->hub->known_arg, id)) {
                send_error(c, "unknown product '%s'", id);
                continue;
            }
            size_t index = product_index(c->hub, id, true);
            if (!subscribed(c, index) && c->nsubs == WS_PRODUCTS_MAX) {
                send_error(c, "too many products: at most %d per connection", WS_PRODUCTS_MAX);
                break;
            }
            subscribe(c, index);
        } else {
            size_t index = product_index(c->hub, id, false);
            for (size_t s = 0; index != SIZE_MAX && s < c->nsubs; s++)
                if (c->subs[s].product == index) {
                    unsubscribe_at(c, s);
                    break;
                }
        }
    }
    send_subscribed(c);
}

static void on_ws(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
    struct client *c = conn->data;
    if (arg == NULL) {
        /* Closed (by the peer, an error, or wslay after a close). */
        remove_client(c);
        h2o_websocket_close(conn);
        return;
    }
    on_message(c, arg);
}

/* A browser names the page that opened the socket in Origin. Allowed: no
 * Origin (not a browser), the service's own host under any scheme (compared
 * with the Host header, so it works behind a proxy that keeps Host), or an
 * origin listed in WEB_ALLOWED_ORIGINS. */
static bool origin_allowed(const struct hub *hub, h2o_req_t *req, h2o_iovec_t *origin)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    if (at < 0)
        return true;
    *origin = req->headers.entries[at].value;
    const char *sep = memmem(origin->base, origin->len, "://", 3);
    if (sep) {
        size_t off = (size_t)(sep + 3 - origin->base);
        if (h2o_lcstris(origin->base + off, origin->len - off, req->authority.base,
                        req->authority.len))
            return true;
    }
    /* Whole-item match in ",a,b,": the origin must not contain a comma. */
    if (origin->len == 0 || memchr(origin->base, ',', origin->len))
        return false;
    for (const char *p = hub->allowed_origins; (p = strchr(p, ',')) && p[1]; p++)
        if (strncasecmp(p + 1, origin->base, origin->len) == 0 && p[1 + origin->len] == ',')
            return true;
    return false;
}

int hub_handle(struct hub *hub, h2o_req_t *req)
{
    const char *key;
    h2o_iovec_t origin = { NULL, 0 };
    if (h2o_is_websocket_handshake(req, &key) != 0 || key == NULL) {
        web_error(req, 400, "Bad Request",
                  "this is a websocket endpoint; send a websocket handshake");
        return 0;
    }
    if (!origin_allowed(hub, req, &origin)) {
        char shown[120];
        m_origin.value++;
        log_escape(origin.base, origin.len, shown, sizeof shown);
        log_warn("websocket handshake from origin '%s' refused (not this host, not in "
                 "WEB_ALLOWED_ORIGINS)", shown);
        web_error(req, 403, "Forbidden", "origin '%s' is not allowed (WEB_ALLOWED_ORIGINS)",
                  shown);
        return 0;
    }
    if (hub->nclients >= hub->max_clients) {
        m_refused.value++;
        web_error(req, 503, "Service Unavailable", "too many websocket clients (WS_MAX_CLIENTS)");
        return 0;
    }
    struct client *c = xcalloc(1, sizeof *c);
    c->hub = hub;
    c->fd = -1;
    c->next = hub->clients;
    if (hub->clients)
        hub->clients->prev = c;
    hub->clients = c;
    hub->nclients++;
    m_clients.value = (int64_t)hub->nclients;
    c->ws = h2o_upgrade_to_websocket(req, key, c, on_ws);
    wslay_event_config_set_max_recv_msg_length(c->ws->ws_ctx, MAX_FRAME_HARD);
    return 0;
}

void hub_trade(struct hub *hub, const char *exchange_pair, const char *payload, size_t len)
{
    m_in.value++;
    size_t index = product_index(hub, exchange_pair, false);
    if (index == SIZE_MAX || hub->products[index].nsubs == 0)
        return;
    /* The frame is built once; every subscriber queues a reference. */
    static const char head[] = "{\"type\":\"trade\",\"trade\":";
    const struct wsframe_part parts[] = { { head, sizeof head - 1 }, { payload, len }, { "}", 1 } };
    struct wsframe *f = wsframe_text(parts, 3);
    struct product *p = &hub->products[index];
    for (size_t i = 0; i < p->nsubs; i++)
        send_frame(p->subs[i].client, f);
    wsframe_unref(f);
}

void hub_status(struct hub *hub, const char *payload, size_t len)
{
    m_in.value++;
    static const char head[] = "{\"type\":\"status\",\"exchange\":";
    const struct wsframe_part parts[] = { { head, sizeof head - 1 }, { payload, len }, { "}", 1 } };
    struct wsframe *f = wsframe_text(parts, 3);
    for (struct client *c = hub->clients; c; c = c->next)
        send_frame(c, f);
    wsframe_unref(f);
}

static void flush_client(struct client *c);

/* Our write finished: release what it carried and look for more. A failed
 * write closes the connection, as a failed read does. */
static void on_written(h2o_socket_t *sock, const char *err)
{
    h2o_websocket_conn_t *ws = sock->data;
    struct client *c = ws->data;
    ring_drop_head(c, c->inflight);
    c->inflight = 0;
    if (err != NULL) {
        on_ws(ws, NULL);
        return;
    }
    mark_dirty(c);
}

/* Writes queued frames, up to WRITE_BATCH per system call, straight to the
 * socket while the kernel takes them all: the common case costs one
 * sendmsg per client and nothing else (through h2o_socket_write, libuv
 * would add a request, a deferred callback and an epoll_ctl per write, a
 * third of the fan-out's cost). Only what the kernel does not take goes
 * through h2o_socket_write, which waits for the socket to drain; the frames
 * it carries stay referenced until on_written. The caller checked that
 * nothing else is being written to this socket. */
static void write_batch(struct client *c)
{
    h2o_socket_t *sock = c->ws->sock;
    if (c->fd < 0)
        c->fd = h2o_socket_get_fd(sock);
    for (;;) {
        struct iovec iov[WRITE_BATCH];
        uint32_t n = c->count;
        if (n == 0)
            return;
        if (n > WRITE_BATCH)
            n = WRITE_BATCH;
        for (uint32_t i = 0; i < n; i++) {
            struct wsframe *f = c->ring[(c->head + i) & (c->cap - 1)];
            iov[i] = (struct iovec){ f->bytes, f->len };
        }
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };
        ssize_t w = c->fd < 0 ? -1 : sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        /* On an error, h2o_socket_write below meets it too and reports it
         * to on_written, which closes the connection as usual. */
        size_t left = w > 0 ? (size_t)w : 0;
        uint32_t done = 0;
        while (done < n && left >= iov[done].iov_len)
            left -= iov[done++].iov_len;
        ring_drop_head(c, done);
        if (done == n)
            continue;
        h2o_iovec_t rest[WRITE_BATCH];
        for (uint32_t i = done; i < n; i++)
            rest[i - done] = h2o_iovec_init(iov[i].iov_base, iov[i].iov_len);
        rest[0].base += left;
        rest[0].len -= left;
        c->inflight = n - done;
        h2o_socket_write(sock, rest, n - done, on_written);
        return;
    }
}

/* Writes what the client has queued, when its socket is free. wslay's own
 * frames (pong, close) go first, through h2o_websocket_proceed, which also
 * closes the connection once the close handshake is over: it may free c,
 * so it is the last thing done here. */
static void flush_client(struct client *c)
{
    h2o_websocket_conn_t *ws = c->ws;
    if (c->inflight)
        return; /* on_written marks it again */
    if (ws->sock == NULL || h2o_socket_is_writing(ws->sock)) {
        mark_blocked(c);
        return;
    }
    wslay_event_context_ptr ctx = ws->ws_ctx;
    if (closing(c))
        ring_drop_unsent(c); /* no data after a close frame */
    if (wslay_event_want_write(ctx) || !wslay_event_want_read(ctx)) {
        if (c->count)
            mark_blocked(c);
        h2o_websocket_proceed(ws);
        return;
    }
    if (c->count)
        write_batch(c);
}

/* Once per loop iteration (after the poll, so after every Redis message and
 * write completion of this iteration): start the writes. Clients blocked by
 * a foreign write get another try here, once that write completed. */
static void on_flush(uv_check_t *check)
{
    struct hub *hub = check->data;
    struct client *blocked = hub->blocked;
    hub->blocked = NULL;
    while (blocked) {
        struct client *c = blocked;
        blocked = c->blocked_next;
        c->blocked = false;
        mark_dirty(c);
    }
    while (hub->dirty) {
        struct client *c = hub->dirty;
        hub->dirty = c->dirty_next;
        c->dirty = false;
        flush_client(c);
    }
}

/* Closes flooding clients whose error frame went out, and drops clients
 * that were told to go (1008) and still have not. */
static void on_sweep(uv_timer_t *t)
{
    struct hub *hub = t->data;
    uint64_t now = loop_now_ms();
    struct client *c = hub->clients;
    while (c) {
        struct client *next = c->next;
        wslay_event_context_ptr ctx = c->ws->ws_ctx;
        if (c->flooding && !wslay_event_get_close_sent(ctx) && c->count == 0) {
            static const char reason[] = "too many messages";
            wslay_event_queue_close(ctx, 1008, (const uint8_t *)reason, sizeof reason - 1);
            mark_dirty(c);
        }
        if ((c->slow || c->flooding) && now - c->slow_since >= SLOW_GRACE_MS) {
            h2o_websocket_conn_t *ws = c->ws;
            remove_client(c);
            h2o_websocket_close(ws);
        }
        c = next;
    }
}

struct hub *hub_new(uv_loop_t *loop, const struct hub_limits *limits, hub_known_fn known,
                    void *known_arg)
{
    metric_register(&m_clients);
    metric_register(&m_refused);
    metric_register(&m_in);
    metric_register(&m_frames_out);
    metric_register(&m_bytes_out);
    metric_register(&m_slow);
    metric_register(&m_client_errors);
    metric_register(&m_flood);
    metric_register(&m_origin);
    struct hub *hub = xcalloc(1, sizeof *hub);
    hub->loop = loop;
    hub->max_clients = limits->max_clients;
    hub->max_queue = limits->max_queue;
    hub->max_msgs_per_sec = limits->max_msgs_per_sec;
    size_t n = strlen(limits->allowed_origins);
    hub->allowed_origins = xmalloc(n + 3);
    snprintf(hub->allowed_origins, n + 3, ",%s,", limits->allowed_origins);
    hub->known = known;
    hub->known_arg = known_arg;
    uv_check_init(loop, &hub->flush);
    hub->flush.data = hub;
    uv_check_start(&hub->flush, on_flush);
    uv_timer_init(loop, &hub->sweep);
    hub->sweep.data = hub;
    uv_timer_start(&hub->sweep, on_sweep, 1000, 1000);
    return hub;
}

size_t hub_clients(const struct hub *hub)
{
    return hub->nclients;
}

/* Closes run newest first and libuv reads each handle after the previous
 * callback: freeing the hub while `flush` is still queued was a use after
 * free (found by valgrind), so `sweep` closes only once `flush` has. */
static void on_hub_closed(uv_handle_t *h)
{
    struct hub *hub = h->data;
    for (size_t i = 0; i < hub->nproducts; i++)
        free(hub->products[i].subs);
    free(hub->products);
    free(hub->allowed_origins);
    free(hub);
}

static void on_flush_closed(uv_handle_t *h)
{
    struct hub *hub = h->data;
    uv_close((uv_handle_t *)&hub->sweep, on_hub_closed);
}

void hub_close(struct hub *hub)
{
    struct client *next;
    for (struct client *c = hub->clients; c; c = next) {
        h2o_websocket_conn_t *ws = c->ws;
        next = c->next;
        remove_client(c);
        h2o_websocket_close(ws);
    }
    uv_close((uv_handle_t *)&hub->flush, on_flush_closed);
}
