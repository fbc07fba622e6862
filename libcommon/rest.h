/* rest: one HTTP GET at a time to an exchange's REST API, on the process's
 * libwebsockets context (same loop, same TLS verification as the feed, CA
 * from TLS_CA_FILE or the system store).
 *
 * The body is bounded (REST_MAX_BODY); a bigger one fails the request. The
 * callback runs exactly once per rest_get() that returned NULL, on the loop,
 * with err NULL and the HTTP status and body (valid only during the call), or
 * with err a constant message and status 0. */
#ifndef POETICOINS_REST_H
#define POETICOINS_REST_H

#include <libwebsockets.h>
#include <stddef.h>

#include "url.h"

#define REST_MAX_BODY (4 << 20)

struct rest;

typedef void (*rest_cb)(void *arg, const char *err, int status, const char *body, size_t len);

/* base: http(s)://host[:port] (parsed with url_parse_http). NULL on failure (logged). */
struct rest *rest_new(struct lws_context *ctx, const struct ws_url *base, const char *ca_file);
/* Starts GET base+path; returns NULL, or a message if a request is already
 * running or the connection cannot start (then cb is not called). */
const char *rest_get(struct rest *r, const char *path, rest_cb cb, void *arg);
/* Whether a request is in flight. */
int rest_busy(const struct rest *r);
void rest_free(struct rest *r);

#endif
