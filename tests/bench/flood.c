#define _GNU_SOURCE
/* flood: a websocket server that speaks just enough of the Coinbase or
 * Bitstamp feed to get an ingest service subscribed, then sends a prepared
 * stream of N trade frames as fast as the socket takes them (make bench).
 *
 *   flood --exchange coinbase|bitstamp --trades N
 *
 * Prints "ready port=P" once listening. The stream is rendered before the
 * service connects, so sending costs this process almost nothing; it starts
 * on Coinbase's subscribe, or once Bitstamp's six pairs are subscribed. One
 * connection is served; the process then idles until killed, so the service
 * stays connected. Trade ids go up by one per product (no gaps). */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>

#include "bench.h"

static const char *const pairs[] = { "BTC-USD", "ETH-USD", "LTC-USD",
                                     "BTC-EUR", "ETH-EUR", "LTC-EUR" };
static const double base_price[] = { 90000, 3000, 85, 83000, 2700, 75 };
#define NPAIRS 6

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void put_frame(struct buf *b, const char *text, size_t len)
{
    unsigned char h[14];
    put(b, h, ws_header(h, len, 0));
    put(b, text, len);
}

static void now_text(char out[40])
{
    int64_t us = wall_us();
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + 19, 21, ".%06dZ", (int)(us % 1000000));
}

static void render(struct buf *b, int bitstamp, long n)
{
    char frame[512], now[40];
    uint64_t ids[NPAIRS], global = 300000000, seq = 900000000;
    for (int i = 0; i < NPAIRS; i++)
        ids[i] = 100000000 + (uint64_t)i * 1000000;
    unsigned rnd = 12345;
    now_text(now);
    for (long k = 0; k < n; k++) {
        int p = (int)(k % NPAIRS);
        rnd = rnd * 1103515245 + 12345;
        /* Within 1 % of the base price. (The difference must be signed: as
         * unsigned it wrapped, and half the prices were near 4e9.) */
        double price = base_price[p] * (1 + ((int)((rnd >> 8) % 2000) - 1000) / 100000.0);
        double size = ((rnd >> 4) % 100000 + 1) / 100000.0;
        int len;
        if (!bitstamp) {
            len = snprintf(frame, sizeof frame,
                           "{\"type\":\"match\",\"trade_id\":%llu,\"maker_order_id\":"
                           "\"ac928c66-ca53-498f-9c13-a110027a60e8\",\"taker_order_id\":"
                           "\"132fb6ae-456b-4654-b4e0-d681ac05cea1\",\"side\":\"%s\","
                           "\"size\":\"%.8f\",\"price\":\"%.2f\",\"product_id\":\"%s\","
                           "\"sequence\":%llu,\"time\":\"%s\"}",
                           (unsigned long long)ids[p]++, rnd & 1 ? "buy" : "sell", size, price,
                           pairs[p], (unsigned long long)(seq += 7), now);
        } else {
            char channel[32];
            snprintf(channel, sizeof channel, "live_trades_%c%c%c%c%c%c", pairs[p][0] | 32,
                     pairs[p][1] | 32, pairs[p][2] | 32, pairs[p][4] | 32, pairs[p][5] | 32,
                     pairs[p][6] | 32);
            int64_t ms = wall_us() / 1000;
            len = snprintf(frame, sizeof frame,
                           "{\"data\":{\"id\":%llu,\"timestamp\":\"%lld\",\"amount\":%.8g,"
                           "\"amount_str\":\"%.8f\",\"price\":%.2f,\"price_str\":\"%.2f\","
                           "\"type\":%d,\"microtimestamp\":\"%lld000\",\"buy_order_id\":"
                           "1443875737346049,\"sell_order_id\":1443875731320832},"
                           "\"channel\":\"%s\",\"event\":\"trade\"}",
                           (unsigned long long)(global += 1 + rnd % 3), (long long)(ms / 1000),
                           size, size, price, price, (int)(rnd >> 3 & 1), (long long)ms, channel);
        }
        put_frame(b, frame, (size_t)len);
    }
}

static int handshake(int fd)
{
    char req[8192];
    size_t len = 0;
    while (len < sizeof req - 1) {
        ssize_t n = read(fd, req + len, sizeof req - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    const char *k = strcasestr(req, "Sec-WebSocket-Key:");
    if (k == NULL)
        return -1;
    k += 18;
    while (*k == ' ')
        k++;
    char key[128];
    size_t kl = strcspn(k, "\r\n");
    if (kl > 64)
        return -1;
    snprintf(key, sizeof key, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)kl, k);
    unsigned char sha[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)key, strlen(key), sha);
    char accept[64];
    EVP_EncodeBlock((unsigned char *)accept, sha, sizeof sha);
    char resp[256];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    return write_all(fd, resp, (size_t)n);
}

int main(int argc, char **argv)
{
    int bitstamp = 0;
    long trades = 100000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--exchange") == 0)
            bitstamp = strcmp(argv[i + 1], "bitstamp") == 0;
        else if (strcmp(argv[i], "--trades") == 0)
            trades = atol(argv[i + 1]);
    }
    struct buf stream = { 0 };
    render(&stream, bitstamp, trades);

    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16) ||
        getsockname(ls, (struct sockaddr *)&a, &al)) {
        perror("flood: listen");
        return 1;
    }
    printf("ready port=%d\n", ntohs(a.sin_port));
    fflush(stdout);

    int fd = accept(ls, NULL, NULL);
    if (fd < 0 || handshake(fd) != 0) {
        fprintf(stderr, "flood: bad handshake\n");
        return 1;
    }
    set_nonblock(fd);
    unsigned char in[65536];
    size_t inlen = 0, sent = 0;
    int streaming = 0, subscribed = 0;
    int64_t t0 = 0;
    for (;;) {
        struct pollfd pf = { fd, POLLIN | (streaming && sent < stream.len ? POLLOUT : 0), 0 };
        if (poll(&pf, 1, -1) < 0 && errno != EINTR)
            return 1;
        if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(fd, in + inlen, sizeof in - inlen);
            if (n <= 0) {
                fprintf(stderr, "flood: connection closed after %zu of %zu bytes\n", sent,
                        stream.len);
                break;
            }
            inlen += (size_t)n;
            size_t off = 0, plen;
            int op;
            size_t h;
            while ((h = ws_parse(in + off, inlen - off, &plen, &op)) && inlen - off >= h + plen) {
                unsigned char *mask = in + off + h - 4, *msg = in + off + h;
                for (size_t i = 0; i < plen; i++)
                    msg[i] ^= mask[i % 4];
                char text[1024];
                snprintf(text, sizeof text, "%.*s", (int)plen, (char *)msg);
                struct buf reply = { 0 };
                if (op == 1 && !bitstamp && strstr(text, "\"subscribe\"")) {
                    static const char s[] = "{\"type\":\"subscriptions\",\"channels\":[]}";
                    put_frame(&reply, s, sizeof s - 1);
                    streaming = 1;
                } else if (op == 1 && bitstamp && strstr(text, "bts:subscribe")) {
                    const char *c = strstr(text, "live_trades_");
                    char r[160];
                    int rl = snprintf(r, sizeof r,
                                      "{\"event\":\"bts:subscription_succeeded\",\"channel\":"
                                      "\"%.*s\",\"data\":{}}",
                                      c ? (int)strcspn(c, "\"") : 0, c ? c : "");
                    put_frame(&reply, r, (size_t)rl);
                    streaming = ++subscribed >= NPAIRS;
                }
                if (reply.len) {
                    /* Replies go out before the stream: only before it starts. */
                    if (sent == 0)
                        write_all(fd, reply.p, reply.len);
                    free(reply.p);
                }
                off += h + plen;
            }
            memmove(in, in + off, inlen - off);
            inlen -= off;
        }
        if (streaming && sent < stream.len && (pf.revents & POLLOUT)) {
            if (t0 == 0)
                t0 = mono_us();
            ssize_t n = write(fd, stream.p + sent, stream.len - sent);
            if (n > 0)
                sent += (size_t)n;
            if (sent == stream.len)
                fprintf(stderr, "flood: %ld trades (%zu bytes) sent in %.3f s\n", trades,
                        stream.len, (mono_us() - t0) / 1e6);
        }
    }
    pause();
    return 0;
}
