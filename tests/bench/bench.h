/* Helpers shared by the benchmark tools (make bench): clocks, RFC 3339
 * parsing, a latency histogram, websocket framing and small socket helpers.
 * Header-only: each tool is one .c file plus this. */
#ifndef POETICOINS_BENCH_H
#define POETICOINS_BENCH_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "2021-03-21T03:47:27.112041Z" (exactly this shape) to microseconds since
 * the epoch; -1 if it is not. */
static inline int64_t rfc3339_us(const char *s)
{
    for (int i = 0; i < 27; i++)
        if (s[i] == '\0')
            return -1;
    if (s[4] != '-' || s[10] != 'T' || s[19] != '.' || s[26] != 'Z')
        return -1;
#define D2(p) ((s[p] - '0') * 10 + (s[(p) + 1] - '0'))
    int y = D2(0) * 100 + D2(2), m = D2(5), d = D2(8);
    int64_t us = 0;
    for (int i = 20; i < 26; i++)
        us = us * 10 + (s[i] - '0');
    /* days from civil (Howard Hinnant) */
    y -= m <= 2;
    int era = y / 400, yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    int64_t secs = days * 86400 + D2(11) * 3600 + D2(14) * 60 + D2(17);
#undef D2
    return secs * 1000000 + us;
}

/* Latency histogram: 1 µs buckets up to 1 s, then one overflow bucket. */
#define HIST_BUCKETS 1000000
struct hist {
    uint32_t *b;
    uint64_t n, over;
    int64_t max;
};

static inline void hist_init(struct hist *h)
{
    h->b = calloc(HIST_BUCKETS, sizeof *h->b);
    h->n = h->over = 0;
    h->max = 0;
}

static inline void hist_add(struct hist *h, int64_t us)
{
    if (us < 0)
        us = 0;
    h->n++;
    if (us > h->max)
        h->max = us;
    if (us >= HIST_BUCKETS)
        h->over++;
    else
        h->b[us]++;
}

/* The q-quantile (0..1) in µs; overflowed samples count as the max. */
static inline int64_t hist_q(const struct hist *h, double q)
{
    if (h->n == 0)
        return -1;
    uint64_t want = (uint64_t)(q * (double)(h->n - 1)) + 1, seen = 0;
    for (int64_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= want)
            return i;
    }
    return h->max;
}

/* The µs timestamp of `"<field>":"` in a trade message, or -1. */
static inline int64_t field_time(const char *p, size_t len, const char *needle, size_t nlen)
{
    const char *end = p + len;
    while ((size_t)(end - p) >= nlen + 27) {
        const char *hit = memchr(p, needle[0], (size_t)(end - p) - nlen - 27 + 1);
        if (hit == NULL)
            return -1;
        if (memcmp(hit, needle, nlen) == 0)
            return rfc3339_us(hit + nlen);
        p = hit + 1;
    }
    return -1;
}

static inline void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static inline int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes a websocket frame header for a text payload of `len` bytes into
 * out (at most 14 bytes); masked when `mask` (client to server, key 0). */
static inline size_t ws_header(unsigned char *out, size_t len, int mask)
{
    size_t o = 0;
    out[o++] = 0x81;
    unsigned char m = mask ? 0x80 : 0;
    if (len < 126) {
        out[o++] = m | (unsigned char)len;
    } else if (len < 65536) {
        out[o++] = m | 126;
        out[o++] = (unsigned char)(len >> 8);
        out[o++] = (unsigned char)len;
    } else {
        out[o++] = m | 127;
        for (int i = 7; i >= 0; i--)
            out[o++] = (unsigned char)(len >> (8 * i));
    }
    if (mask) /* a zero masking key leaves the payload as is */
        for (int i = 0; i < 4; i++)
            out[o++] = 0;
    return o;
}

/* Parses one websocket frame header at p (avail bytes). Returns the header
 * length and sets *plen and *opcode, or 0 if more bytes are needed. */
static inline size_t ws_parse(const unsigned char *p, size_t avail, size_t *plen, int *opcode)
{
    if (avail < 2)
        return 0;
    *opcode = p[0] & 0x0f;
    size_t h = 2, len = p[1] & 0x7f;
    if (len == 126) {
        if (avail < 4)
            return 0;
        len = (size_t)p[2] << 8 | p[3];
        h = 4;
    } else if (len == 127) {
        if (avail < 10)
            return 0;
        len = 0;
        for (int i = 2; i < 10; i++)
            len = len << 8 | p[i];
        h = 10;
    }
    if (p[1] & 0x80)
        h += 4;
    if (avail < h)
        return 0;
    *plen = len;
    return h;
}

static inline int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

#endif
