/* ws_client: a small blocking websocket client for tests (RFC 6455 over
 * plain TCP to 127.0.0.1). Blocking on purpose: a test can choose not to read
 * at all (a slow client), send frames no browser would, and wait for a reply
 * with a deadline. */
#ifndef POETICOINS_WS_CLIENT_H
#define POETICOINS_WS_CLIENT_H

#include <stddef.h>

struct ws_client {
    int fd;
    char *buf;        /* received, not yet consumed */
    size_t len, cap;
    int control;      /* set after connecting: ws_recv returns pings and pongs too */
};

/* Connects and performs the handshake. rcvbuf > 0 shrinks the socket's
 * receive buffer (SO_RCVBUF) before connecting. Returns the HTTP status (101
 * on success, e.g. 503 when refused) or -1 when the connection failed. */
int ws_connect(struct ws_client *c, int port, const char *path, int rcvbuf);
/* The same with extra header lines, each ending in "\r\n" ("Origin: x\r\n").
 * After a refusal, the response body is left in c->buf (c->len bytes). */
int ws_connect_headers(struct ws_client *c, int port, const char *path, int rcvbuf,
                       const char *headers);
/* Sends one masked frame with this opcode (1 text, 2 binary). */
int ws_send(struct ws_client *c, int opcode, const void *data, size_t len);
int ws_send_text(struct ws_client *c, const char *text);

#define WS_TIMEOUT -1
#define WS_CLOSED -2  /* EOF or reset without a close frame */

/* Receives the next message within timeout_ms. Returns its opcode (1 text,
 * 8 close: *close_code is set; 9 ping and 10 pong only with `control`) with *out a NUL-terminated copy the caller
 * frees, or WS_TIMEOUT / WS_CLOSED. */
int ws_recv(struct ws_client *c, int timeout_ms, char **out, size_t *len, int *close_code);
void ws_close(struct ws_client *c);

#endif
