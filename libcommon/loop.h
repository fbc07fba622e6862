/* loop: the process's one libuv loop, its signals and its clocks.
 *
 * loop_init() creates the loop, ignores SIGPIPE (a peer that vanishes must
 * show up as a write error, not kill the process) and turns SIGTERM and
 * SIGINT into a callback on the loop, so shutdown runs as ordinary loop code
 * rather than inside a signal handler. */
#ifndef POETICOINS_LOOP_H
#define POETICOINS_LOOP_H

#include <stdint.h>
#include <uv.h>

typedef void (*loop_stop_cb)(void *arg);

uv_loop_t *loop_init(loop_stop_cb on_stop, void *arg);
/* Closes the signal watchers, runs the loop until every handle is closed,
 * then closes the loop. */
void loop_close(uv_loop_t *loop);

/* Monotonic milliseconds (the loop's cached time is not used on purpose:
 * callers measure across callbacks). */
uint64_t loop_now_ms(void);
/* Wall-clock microseconds since the Unix epoch. */
int64_t wall_now_us(void);

#endif
