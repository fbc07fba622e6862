#include "redis_uv.h"

#include <stdbool.h>

#include "xalloc.h"

struct redis_uv {
    redisAsyncContext *ac; /* NULL once hiredis has cleaned up */
    uv_poll_t poll;
    int events;
    bool restart; /* libuv stopped the handle itself (error status) */
};

static void on_poll(uv_poll_t *handle, int status, int events)
{
    struct redis_uv *p = handle->data;
    if (status < 0) {
        /* libuv has stopped the handle: the next update must start it
         * again even if the event set is the same. */
        p->restart = true;
        events = UV_READABLE | UV_WRITABLE;
    }
    /* Reading may free the context (disconnect): check before writing. */
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

/* hiredis asks for writability on every command it queues (twice a trade
 * under load); uv_poll_start re-registers the handle each time, so only a
 * change of the event set reaches libuv. */
static void update(struct redis_uv *p, int events)
{
    if (events == p->events && !p->restart)
        return;
    p->events = events;
    p->restart = false;
    if (events)
        uv_poll_start(&p->poll, events, on_poll);
    else
        uv_poll_stop(&p->poll);
}

static void add_read(void *arg)
{
    struct redis_uv *p = arg;
    update(p, p->events | UV_READABLE);
}

static void del_read(void *arg)
{
    struct redis_uv *p = arg;
    update(p, p->events & ~UV_READABLE);
}

static void add_write(void *arg)
{
    struct redis_uv *p = arg;
    update(p, p->events | UV_WRITABLE);
}

static void del_write(void *arg)
{
    struct redis_uv *p = arg;
    update(p, p->events & ~UV_WRITABLE);
}

static void on_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static void cleanup(void *arg)
{
    struct redis_uv *p = arg;
    p->ac = NULL;
    uv_close((uv_handle_t *)&p->poll, on_closed);
}

const char *redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    if (ac->ev.data != NULL)
        return "context already attached to an event loop";
    struct redis_uv *p = xcalloc(1, sizeof *p);
    if (uv_poll_init(loop, &p->poll, ac->c.fd) != 0) {
        free(p);
        return "cannot watch the Redis socket";
    }
    p->ac = ac;
    p->poll.data = p;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = p;
    return NULL;
}
