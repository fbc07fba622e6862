#include "redis_uv.h"

#include "xalloc.h"

struct redis_uv {
    redisAsyncContext *ac; /* NULL once hiredis has cleaned up */
    uv_poll_t poll;
    int events;
};

static void on_poll(uv_poll_t *handle, int status, int events)
{
    struct redis_uv *p = handle->data;
    if (status < 0)
        events = UV_READABLE | UV_WRITABLE;
    /* Reading may free the context (disconnect): check before writing. */
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

static void update(struct redis_uv *p)
{
    if (p->events)
        uv_poll_start(&p->poll, p->events, on_poll);
    else
        uv_poll_stop(&p->poll);
}

static void add_read(void *arg)
{
    struct redis_uv *p = arg;
    p->events |= UV_READABLE;
    update(p);
}

static void del_read(void *arg)
{
    struct redis_uv *p = arg;
    p->events &= ~UV_READABLE;
    update(p);
}

static void add_write(void *arg)
{
    struct redis_uv *p = arg;
    p->events |= UV_WRITABLE;
    update(p);
}

static void del_write(void *arg)
{
    struct redis_uv *p = arg;
    p->events &= ~UV_WRITABLE;
    update(p);
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
