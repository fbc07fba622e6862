/* health: `GET /healthz` and `GET /metrics` over plain HTTP on HEALTH_PORT,
 * served by a vhost of the process's libwebsockets context (no second server
 * library, no thread).
 *
 * /healthz asks the service through `check`, which writes a short JSON body
 * and returns 200 or 503; /metrics renders metrics.c's registry. Anything
 * else is a 404 with a JSON error. */
#ifndef POETICOINS_HEALTH_H
#define POETICOINS_HEALTH_H

#include <libwebsockets.h>
#include <stddef.h>

typedef int (*health_check_fn)(void *arg, char *body, size_t bodylen);

/* Returns NULL or a constant message (e.g. the port is taken). port 0 means
 * disabled and succeeds without listening. */
const char *health_start(struct lws_context *ctx, const char *addr, int port,
                         health_check_fn check, void *arg);

#endif
