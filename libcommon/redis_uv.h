/* redis_uv: attaches a hiredis async context to a libuv loop.
 *
 * Replaces hiredis 0.14.1's adapters/libuv.h, whose poll callback returns
 * early when libuv reports an error status: after the server resets the
 * connection the context then hangs forever, with no disconnect callback and
 * queued commands never answered. As hiredis 1.0 does, an error status is
 * treated as readable and writable, so the read fails and hiredis runs its
 * disconnect path. The adapter's memory is freed by hiredis's cleanup hook. */
#ifndef POETICOINS_REDIS_UV_H
#define POETICOINS_REDIS_UV_H

#include <async.h>
#include <uv.h>

/* Returns NULL or a constant message. */
const char *redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
