/* redis_conn: one asynchronous Redis connection that keeps itself up.
 *
 * It connects (with a timeout), authenticates and selects the database from
 * the REDIS_URL, and only then reports ready. When the connection is lost it
 * reports down, after hiredis has answered every pending command with a NULL
 * reply, and reconnects with capped exponential backoff. Users issue commands
 * on redis_conn_ctx() only while it is ready.
 *
 * The redis_conn owns its hiredis context; the context is valid from on_ready
 * until on_down and must not be kept. on_ready and on_down run on the loop,
 * never inside a hiredis callback chain that the user started. */
#ifndef POETICOINS_REDIS_CONN_H
#define POETICOINS_REDIS_CONN_H

#include <async.h>
#include <stdbool.h>
#include <uv.h>

#include "url.h"

struct redis_conn;

struct redis_conn_ops {
    void (*on_ready)(void *arg);
    void (*on_down)(void *arg);
};

/* The URL is copied. Connecting starts at once. */
struct redis_conn *redis_conn_new(uv_loop_t *loop, const struct redis_url *url,
                                  const struct redis_conn_ops *ops, void *arg);
/* The context while ready, else NULL. */
redisAsyncContext *redis_conn_ctx(struct redis_conn *rc);
bool redis_conn_ready(const struct redis_conn *rc);
/* Stops reconnecting, lets pending replies arrive, closes, then calls
 * on_closed; the redis_conn is freed after on_closed returns. */
void redis_conn_close(struct redis_conn *rc, void (*on_closed)(void *arg), void *arg);

#endif
