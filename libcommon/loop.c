#include "loop.h"

#include <signal.h>
#include <time.h>

#include "log.h"

static uv_signal_t sig_term, sig_int;
static loop_stop_cb stop_cb;
static void *stop_arg;
static int stop_requested;

static void on_signal(uv_signal_t *handle, int signum)
{
    if (stop_requested++) {
        log_warn("second %s, still shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
        return;
    }
    log_info("%s received, shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
    stop_cb(stop_arg);
}

uv_loop_t *loop_init(loop_stop_cb on_stop, void *arg)
{
    uv_loop_t *loop = uv_default_loop();
    signal(SIGPIPE, SIG_IGN);
    stop_cb = on_stop;
    stop_arg = arg;
    uv_signal_init(loop, &sig_term);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    return loop;
}

static void close_any(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void loop_close(uv_loop_t *loop)
{
    if (!uv_is_closing((uv_handle_t *)&sig_term)) {
        uv_close((uv_handle_t *)&sig_term, NULL);
        uv_close((uv_handle_t *)&sig_int, NULL);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    /* Anything a library left open (lws leaves its idle handles to the
     * loop's owner) is closed here so that uv_loop_close succeeds. */
    uv_walk(loop, close_any, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    if (uv_loop_close(loop) != 0)
        log_warn("event loop closed with handles still open");
}

uint64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t wall_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
