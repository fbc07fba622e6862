#include "status.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "xalloc.h"

#define FLUSH_INTERVAL_MS 1000

struct status {
    struct redis_conn *rc;
    char exchange[TRADE_EXCHANGE_MAX];
    char key[64];
    char channel[64];
    char *products;
    const char *state;
    char since[TRADE_TIME_LEN + 1];
    char last_message_at[TRADE_TIME_LEN + 1];
    int64_t last_message_us; /* formatted into last_message_at when written */
    char last_trade_at[TRADE_TIME_LEN + 1];
    uint64_t trades;
    uint64_t reconnects;
    uint64_t gaps;
    bool dirty;
    uv_timer_t timer;
};

size_t status_to_json(const struct status *s, char *out, size_t outlen)
{
    int n = snprintf(out, outlen,
                     "{\"exchange\":\"%s\",\"state\":\"%s\",\"since\":\"%s\","
                     "\"last_message_at\":\"%s\",\"last_trade_at\":\"%s\",\"trades\":\"%llu\","
                     "\"reconnects\":\"%llu\",\"gaps\":\"%llu\",\"products\":\"%s\"}",
                     s->exchange, s->state, s->since, s->last_message_at, s->last_trade_at,
                     (unsigned long long)s->trades, (unsigned long long)s->reconnects,
                     (unsigned long long)s->gaps, s->products);
    return n < 0 ? 0 : ((size_t)n >= outlen ? outlen - 1 : (size_t)n);
}

/* last_message_at is kept as a number and formatted only when written:
 * messages can come in at 100000 a second, writes once a second. */
static void format_last_message(struct status *s)
{
    if (s->last_message_us)
        time_format_us(s->last_message_us, s->last_message_at);
}

/* HSET of every field; PUBLISH the JSON too when `announce`. */
static void write_all(struct status *s, bool announce)
{
    redisAsyncContext *ac = redis_conn_ctx(s->rc);
    if (ac == NULL)
        return; /* status_redis_ready() repairs it */
    char trades[24], reconnects[24], gaps[24];
    snprintf(trades, sizeof trades, "%llu", (unsigned long long)s->trades);
    snprintf(gaps, sizeof gaps, "%llu", (unsigned long long)s->gaps);
    snprintf(reconnects, sizeof reconnects, "%llu", (unsigned long long)s->reconnects);
    format_last_message(s);
    const char *argv[] = { "HSET", s->key,
                           "state", s->state,
                           "since", s->since,
                           "last_message_at", s->last_message_at,
                           "last_trade_at", s->last_trade_at,
                           "trades", trades,
                           "reconnects", reconnects,
                           "gaps", gaps,
                           "products", s->products };
    redisAsyncCommandArgv(ac, NULL, NULL, sizeof argv / sizeof argv[0], argv, NULL);
    s->dirty = false;
    if (announce) {
        char json[1024 + 24 * 200];
        size_t len = status_to_json(s, json, sizeof json);
        const char *pargv[] = { "PUBLISH", s->channel, json };
        size_t plen[] = { 7, strlen(s->channel), len };
        redisAsyncCommandArgv(ac, NULL, NULL, 3, pargv, plen);
    }
}

static void on_timer(uv_timer_t *t)
{
    struct status *s = t->data;
    if (s->dirty)
        write_all(s, false);
}

struct status *status_new(uv_loop_t *loop, struct redis_conn *rc, const char *exchange,
                          const char *products)
{
    struct status *s = xcalloc(1, sizeof *s);
    s->rc = rc;
    snprintf(s->exchange, sizeof s->exchange, "%s", exchange);
    snprintf(s->key, sizeof s->key, "exchange:%s", exchange);
    snprintf(s->channel, sizeof s->channel, "status:%s", exchange);
    s->products = xstrdup(products);
    s->state = STATUS_CONNECTING;
    time_format_us(wall_now_us(), s->since);
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, on_timer, FLUSH_INTERVAL_MS, FLUSH_INTERVAL_MS);
    return s;
}

void status_set_state(struct status *s, const char *state)
{
    if (strcmp(s->state, state) == 0)
        return;
    log_info("state %s -> %s", s->state, state);
    s->state = state;
    time_format_us(wall_now_us(), s->since);
    write_all(s, true);
}

void status_message_seen(struct status *s, int64_t now_us)
{
    s->last_message_us = now_us;
    s->dirty = true;
}

void status_trade_published(struct status *s, const char traded_at[TRADE_TIME_LEN + 1])
{
    memcpy(s->last_trade_at, traded_at, TRADE_TIME_LEN + 1);
    s->trades++;
    s->dirty = true;
}

void status_reconnected(struct status *s)
{
    s->reconnects++;
    s->dirty = true;
}

void status_gap(struct status *s)
{
    s->gaps++;
    /* A gap is news for the dashboard's status: announce it now. */
    write_all(s, true);
}

void status_redis_ready(struct status *s)
{
    write_all(s, true);
}

const char *status_state(const struct status *s)
{
    return s->state;
}

static void on_closed(uv_handle_t *h)
{
    struct status *s = h->data;
    free(s->products);
    free(s);
}

void status_free(struct status *s)
{
    /* Last word to Redis if it is still there. */
    if (s->dirty)
        write_all(s, false);
    uv_close((uv_handle_t *)&s->timer, on_closed);
}
