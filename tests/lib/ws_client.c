#define _GNU_SOURCE
#include "ws_client.h"

#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads more bytes into c->buf, waiting at most until deadline.
 * Returns bytes read, 0 at EOF, -1 on timeout or error. */
static ssize_t fill(struct ws_client *c, uint64_t deadline)
{
    uint64_t now = now_ms();
    if (now >= deadline)
        return -1;
    struct pollfd p = { c->fd, POLLIN, 0 };
    if (poll(&p, 1, (int)(deadline - now)) <= 0)
        return -1;
    if (c->cap - c->len < 65536) {
        c->cap = c->cap * 2 + 65536;
        c->buf = realloc(c->buf, c->cap);
    }
    ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (n < 0)
        return errno == ECONNRESET ? 0 : -1;
    c->len += (size_t)n;
    return n;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ws_connect(struct ws_client *c, int port, const char *path, int rcvbuf)
{
    return ws_connect_headers(c, port, path, rcvbuf, "");
}

int ws_connect_headers(struct ws_client *c, int port, const char *path, int rcvbuf,
                       const char *headers)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n%s\r\n",
                     path, port, headers);
    if (n < 0 || (size_t)n >= sizeof req)
        return -1;
    if (write_all(c->fd, req, (size_t)n) != 0)
        return -1;
    uint64_t deadline = now_ms() + 5000 * (uint64_t)harness_time_scale();
    char *end;
    while ((end = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL) == NULL)
        if (fill(c, deadline) <= 0)
            return -1;
    int status = 0;
    if (sscanf(c->buf, "HTTP/1.1 %d", &status) != 1)
        return -1;
    size_t head = (size_t)(end + 4 - c->buf);
    memmove(c->buf, c->buf + head, c->len - head);
    c->len -= head;
    return status;
}

int ws_send(struct ws_client *c, int opcode, const void *data, size_t len)
{
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        hdr[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    static const unsigned char mask[4] = { 0x12, 0x34, 0x56, 0x78 };
    memcpy(hdr + h, mask, 4);
    h += 4;
    unsigned char *frame = malloc(h + len);
    memcpy(frame, hdr, h);
    for (size_t i = 0; i < len; i++)
        frame[h + i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
    int rc = write_all(c->fd, frame, h + len);
    free(frame);
    return rc;
}

int ws_send_text(struct ws_client *c, const char *text)
{
    return ws_send(c, 1, text, strlen(text));
}

int ws_recv(struct ws_client *c, int timeout_ms, char **out, size_t *len, int *close_code)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms * (uint64_t)harness_time_scale();
    for (;;) {
        if (c->len >= 2) {
            const unsigned char *b = (const unsigned char *)c->buf;
            size_t h = 2;
            uint64_t plen = b[1] & 0x7f;
            if (plen == 126) {
                if (c->len < 4)
                    goto more;
                plen = (uint64_t)b[2] << 8 | b[3];
                h = 4;
            } else if (plen == 127) {
                if (c->len < 10)
                    goto more;
                plen = 0;
                for (int i = 0; i < 8; i++)
                    plen = plen << 8 | b[2 + i];
                h = 10;
            }
            if (c->len < h + plen)
                goto more;
            int opcode = b[0] & 0x0f;
            *out = malloc(plen + 1);
            memcpy(*out, c->buf + h, plen);
            (*out)[plen] = '\0';
            *len = plen;
            if (opcode == 8 && close_code)
                *close_code = plen >= 2 ? ((unsigned char)(*out)[0] << 8 | (unsigned char)(*out)[1]) : 1005;
            memmove(c->buf, c->buf + h + plen, c->len - h - plen);
            c->len -= h + plen;
            if ((opcode == 9 || opcode == 10) && !c->control) {
                free(*out);
                continue;
            }
            return opcode;
        }
    more:;
        ssize_t n = fill(c, deadline);
        if (n == 0)
            return WS_CLOSED;
        if (n < 0)
            return WS_TIMEOUT;
    }
}

void ws_close(struct ws_client *c)
{
    if (c->fd > 0)
        close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
}
