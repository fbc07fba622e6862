#include "redis_conn.h"

#include <string.h>

#include "backoff.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "redis_uv.h"
#include "xalloc.h"

#define CONNECT_TIMEOUT_MS 5000

static struct metric m_reconnects =
    METRIC_COUNTER_INIT("poeticoins_redis_reconnects_total",
                        "Redis connections lost or failed, each followed by a retry", NULL);
static struct metric m_up =
    METRIC_GAUGE_INIT("poeticoins_redis_up", "1 while the Redis connection is ready");

struct redis_conn {
    uv_loop_t *loop;
    struct redis_url url;
    char shown_url[320];
    struct redis_conn_ops ops;
    void *arg;
    redisAsyncContext *ac;   /* NULL while disconnected */
    bool ready;
    bool closing;
    uv_timer_t retry_timer;  /* backoff between attempts */
    uv_timer_t connect_timer;
    struct backoff backoff;
    void (*on_closed)(void *arg);
    void *closed_arg;
    int timers_open;
    bool lean;               /* redis_conn_lean_replies() */
};

/* Shared replies of the lean reader: the type only. Never freed. */
static redisReply lean_status = { .type = REDIS_REPLY_STATUS, .str = "" };
static redisReply lean_integer = { .type = REDIS_REPLY_INTEGER };
static redisReply lean_nil = { .type = REDIS_REPLY_NIL };

static bool is_lean_placeholder(const redisReply *r)
{
    return r == &lean_status || r == &lean_integer || r == &lean_nil;
}

/* Each create function also links the new object into its parent array,
 * as hiredis's own functions do. */
static void *attach(const redisReadTask *task, redisReply *r)
{
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        parent->element[task->idx] = r;
    }
    return r;
}

static void *lean_string(const redisReadTask *task, char *str, size_t len)
{
    if (task->type == REDIS_REPLY_STATUS)
        return attach(task, &lean_status);
    redisReply *r = xcalloc(1, sizeof *r);
    r->type = task->type;
    r->str = xmalloc(len + 1);
    memcpy(r->str, str, len);
    r->str[len] = '\0';
    r->len = len;
    return attach(task, r);
}

static void *lean_array(const redisReadTask *task, int elements)
{
    redisReply *r = xcalloc(1, sizeof *r);
    r->type = REDIS_REPLY_ARRAY;
    if (elements > 0)
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of reply pointers */
        r->element = xcalloc((size_t)elements, sizeof *r->element);
    r->elements = elements > 0 ? (size_t)elements : 0;
    return attach(task, r);
}

static void *lean_integer_reply(const redisReadTask *task, long long value)
{
    return attach(task, &lean_integer);
}

static void *lean_nil_reply(const redisReadTask *task)
{
    return attach(task, &lean_nil);
}

static void lean_free(void *obj)
{
    redisReply *r = obj;
    if (r == NULL || is_lean_placeholder(r))
        return;
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; i++)
            lean_free(r->element[i]);
        free(r->element);
    } else {
        free(r->str);
    }
    free(r);
}

redisReplyObjectFunctions redis_lean_reply_functions = {
    lean_string, lean_array, lean_integer_reply, lean_nil_reply, lean_free,
};

static void start_connect(struct redis_conn *rc);

static void on_retry_timer(uv_timer_t *t)
{
    start_connect(t->data);
}

static void schedule_retry(struct redis_conn *rc, const char *why)
{
    uint64_t delay = backoff_next(&rc->backoff, loop_now_ms());
    m_reconnects.value++;
    log_warn("redis %s %s, retrying in %.1fs", rc->shown_url, why, delay / 1000.0);
    uv_timer_start(&rc->retry_timer, on_retry_timer, delay, 0);
}

static void on_timers_closed(uv_handle_t *h)
{
    struct redis_conn *rc = h->data;
    if (--rc->timers_open == 0) {
        void (*cb)(void *) = rc->on_closed;
        void *arg = rc->closed_arg;
        free(rc);
        if (cb)
            cb(arg);
    }
}

static void finish_close(struct redis_conn *rc)
{
    uv_close((uv_handle_t *)&rc->retry_timer, on_timers_closed);
    uv_close((uv_handle_t *)&rc->connect_timer, on_timers_closed);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct redis_conn *rc = ac->data;
    if (rc == NULL || rc->ac != ac)
        return; /* a context we already abandoned (connect timeout) */
    bool was_ready = rc->ready;
    char why[160];
    snprintf(why, sizeof why, "connection lost (%s)",
             status == REDIS_OK ? "closed" : (ac->errstr[0] ? ac->errstr : "error"));
    rc->ac = NULL;
    rc->ready = false;
    m_up.value = 0;
    uv_timer_stop(&rc->connect_timer);
    if (was_ready && rc->ops.on_down)
        rc->ops.on_down(rc->arg);
    if (rc->closing) {
        finish_close(rc);
        return;
    }
    schedule_retry(rc, why);
}

static void on_handshake(redisAsyncContext *ac, void *r, void *privdata)
{
    struct redis_conn *rc = ac->data;
    redisReply *reply = r;
    const char *step = privdata;
    if (rc == NULL || rc->ac != ac || reply == NULL)
        return; /* disconnect handles it */
    if (reply->type == REDIS_REPLY_ERROR) {
        /* Never echo the password; Redis's own error text does not contain it. */
        log_error("redis %s %s failed: %s", rc->shown_url, step, reply->str);
        redisAsyncDisconnect(ac);
        return;
    }
    if (strcmp(step, "PING") != 0)
        return;
    uv_timer_stop(&rc->connect_timer);
    rc->ready = true;
    m_up.value = 1;
    backoff_connected(&rc->backoff, loop_now_ms());
    log_info("redis %s ready", rc->shown_url);
    if (rc->ops.on_ready)
        rc->ops.on_ready(rc->arg);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
    redisAsyncContext *ac = (redisAsyncContext *)cac;
    struct redis_conn *rc = ac->data;
    if (rc == NULL || rc->ac != ac)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this callback. */
        char why[160];
        snprintf(why, sizeof why, "unreachable (%s)", ac->errstr);
        rc->ac = NULL;
        uv_timer_stop(&rc->connect_timer);
        if (rc->closing)
            finish_close(rc);
        else
            schedule_retry(rc, why);
        return;
    }
    if (rc->url.password[0]) {
        const char *argv[] = { "AUTH", rc->url.password };
        redisAsyncCommandArgv(ac, on_handshake, "AUTH", 2, argv, NULL);
    }
    if (rc->url.db) {
        char db[8];
        snprintf(db, sizeof db, "%d", rc->url.db);
        const char *argv[] = { "SELECT", db };
        redisAsyncCommandArgv(ac, on_handshake, "SELECT", 2, argv, NULL);
    }
    redisAsyncCommand(ac, on_handshake, "PING", "PING");
}

static void on_connect_timeout(uv_timer_t *t)
{
    struct redis_conn *rc = t->data;
    redisAsyncContext *ac = rc->ac;
    if (ac == NULL || rc->ready)
        return;
    /* Abandon the context first so that callbacks fired by the free see it
     * is no longer ours; freeing from a timer is outside any hiredis callback. */
    rc->ac = NULL;
    ac->data = NULL;
    redisAsyncFree(ac);
    schedule_retry(rc, "connect timed out");
}

static void start_connect(struct redis_conn *rc)
{
    redisAsyncContext *ac = redisAsyncConnect(rc->url.host, rc->url.port);
    if (ac == NULL || ac->err) {
        char why[160];
        snprintf(why, sizeof why, "unreachable (%s)", ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        schedule_retry(rc, why);
        return;
    }
    const char *err = redis_uv_attach(ac, rc->loop);
    if (err) {
        redisAsyncFree(ac);
        schedule_retry(rc, err);
        return;
    }
    ac->data = rc;
    rc->ac = ac;
    if (rc->lean)
        ac->c.reader->fn = &redis_lean_reply_functions;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    uv_timer_start(&rc->connect_timer, on_connect_timeout, CONNECT_TIMEOUT_MS, 0);
}

struct redis_conn *redis_conn_new(uv_loop_t *loop, const struct redis_url *url,
                                  const struct redis_conn_ops *ops, void *arg)
{
    static int registered;
    if (!registered++) {
        metric_register(&m_reconnects);
        metric_register(&m_up);
    }
    struct redis_conn *rc = xcalloc(1, sizeof *rc);
    rc->loop = loop;
    rc->url = *url;
    url_redis_redacted(url, rc->shown_url, sizeof rc->shown_url);
    rc->ops = *ops;
    rc->arg = arg;
    backoff_init(&rc->backoff, BACKOFF_DEFAULT_BASE_MS, BACKOFF_DEFAULT_CAP_MS,
                 BACKOFF_DEFAULT_HEALTHY_MS, (uint64_t)wall_now_us());
    uv_timer_init(loop, &rc->retry_timer);
    uv_timer_init(loop, &rc->connect_timer);
    rc->retry_timer.data = rc;
    rc->connect_timer.data = rc;
    rc->timers_open = 2;
    start_connect(rc);
    return rc;
}

void redis_conn_lean_replies(struct redis_conn *rc)
{
    rc->lean = true;
    /* The first context is connecting and has read nothing yet. */
    if (rc->ac)
        rc->ac->c.reader->fn = &redis_lean_reply_functions;
}

redisAsyncContext *redis_conn_ctx(struct redis_conn *rc)
{
    return rc->ready ? rc->ac : NULL;
}

bool redis_conn_ready(const struct redis_conn *rc)
{
    return rc->ready;
}

void redis_conn_close(struct redis_conn *rc, void (*on_closed)(void *arg), void *arg)
{
    rc->closing = true;
    rc->on_closed = on_closed;
    rc->closed_arg = arg;
    uv_timer_stop(&rc->retry_timer);
    uv_timer_stop(&rc->connect_timer);
    if (rc->ac && rc->ready) {
        /* Pending replies still arrive; on_disconnect then finishes. */
        redisAsyncDisconnect(rc->ac);
        return;
    }
    if (rc->ac) {
        /* Still connecting: hiredis 0.14 would not call on_disconnect. */
        redisAsyncContext *ac = rc->ac;
        rc->ac = NULL;
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    finish_close(rc);
}
