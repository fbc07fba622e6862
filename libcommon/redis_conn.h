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
/* From now on, replies on this connection keep only what the ingest path
 * reads: status, integer and nil replies, at the top or inside an array, are
 * shared placeholders with the right type but no text or value (str is "",
 * integer 0); strings, errors and arrays are complete. Under load that is
 * most replies (QUEUED, and the LPUSH, LTRIM and PUBLISH results in an EXEC
 * reply), each of which otherwise costs an allocation or two. Call it right
 * after redis_conn_new(), before the loop runs. Replies are freed by hiredis
 * as usual; never call freeReplyObject() on one. */
void redis_conn_lean_replies(struct redis_conn *rc);
/* The reply functions behind it, for tests of the reader alone. */
extern redisReplyObjectFunctions redis_lean_reply_functions;
/* The context while ready, else NULL. */
redisAsyncContext *redis_conn_ctx(struct redis_conn *rc);
bool redis_conn_ready(const struct redis_conn *rc);
/* Stops reconnecting, lets pending replies arrive, closes, then calls
 * on_closed; the redis_conn is freed after on_closed returns. */
void redis_conn_close(struct redis_conn *rc, void (*on_closed)(void *arg), void *arg);

#endif
