#include "publisher.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "xalloc.h"

/* Commands in flight are bounded so that a long outage's backlog goes out in
 * slices rather than one huge write buffer. */
#define MAX_INFLIGHT 512

static struct metric m_published = METRIC_COUNTER_INIT(
    "poeticoins_trades_published_total", "Trades written to Redis (list and channel)", NULL);
static struct metric m_duplicates = METRIC_COUNTER_INIT(
    "poeticoins_trades_duplicate_total", "Trades dropped because they were already published", NULL);
static struct metric m_dropped = METRIC_COUNTER_INIT(
    "poeticoins_trades_dropped_total", "Trades dropped because the Redis queue was full", NULL);
static struct metric m_redis_errors = METRIC_COUNTER_INIT(
    "poeticoins_publish_errors_total", "Trades Redis refused (error reply), logged and skipped", NULL);
static struct metric m_queued =
    METRIC_GAUGE_INIT("poeticoins_publish_queue_length", "Trades waiting for Redis to confirm");

struct product {
    char pair[TRADE_PAIR_MAX];
    char list_key[64];
    char channel[64];
    char gap_channel[64];
    uint64_t last_id; /* highest id accepted (or found in Redis) */
    bool has_last;
    uint64_t redis_head; /* id at the head of the history list, read on connect */
    bool has_redis_head;
};

struct entry {
    uint64_t id;
    uint16_t product;
    uint16_t len;
    bool gap;           /* a gap event, not a trade: PUBLISH only */
    char traded_at[TRADE_TIME_LEN + 1];
    char json[TRADE_JSON_MAX];
};

struct publisher {
    struct redis_conn *rc;
    struct status *status;
    char exchange[TRADE_EXCHANGE_MAX];
    char trim_end[24];
    struct product *products;
    size_t nproducts;
    struct entry *ring;
    uint64_t cap;
    /* Monotonic positions; ring index = pos % cap.
     * head: oldest unconfirmed; sent: next to send; tail: next free. */
    uint64_t head, sent, tail;
    bool loaded;          /* history heads read since the last connect */
    bool heads_known;     /* ... at least once */
    size_t heads_pending;
    uint64_t generation;  /* bumped on every connect, to ignore stale replies */
    void (*on_empty)(void *arg);
    void *empty_arg;
};

static struct entry *at(struct publisher *p, uint64_t pos)
{
    return &p->ring[pos % p->cap];
}

static void update_gauge(struct publisher *p)
{
    m_queued.value = (int64_t)(p->tail - p->head);
}

static void check_empty(struct publisher *p)
{
    if (p->on_empty && p->head == p->tail) {
        void (*cb)(void *) = p->on_empty;
        p->on_empty = NULL;
        cb(p->empty_arg);
    }
}

static void flush(struct publisher *p);

static void on_exec(redisAsyncContext *ac, void *r, void *privdata)
{
    struct publisher *p = privdata;
    redisReply *reply = r;
    if (reply == NULL)
        return; /* connection lost: publisher_redis_down() rewinds */
    struct entry *e = at(p, p->head);
    bool ok = reply->type == REDIS_REPLY_ARRAY && reply->elements == (e->gap ? 1 : 3);
    for (size_t i = 0; ok && i < reply->elements; i++)
        ok = reply->element[i]->type != REDIS_REPLY_ERROR;
    if (ok && !e->gap) {
        m_published.value++;
        status_trade_published(p->status, e->traded_at);
    } else if (!ok) {
        /* Retrying cannot help (e.g. WRONGTYPE: the key holds something
         * else); blocking the queue behind it would lose everything after. */
        const char *why = reply->type == REDIS_REPLY_ERROR ? reply->str
                          : reply->type == REDIS_REPLY_ARRAY
                              ? "a command in the transaction failed"
                              : "transaction aborted";
        for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++)
            if (reply->element[i]->type == REDIS_REPLY_ERROR)
                why = reply->element[i]->str;
        m_redis_errors.value++;
        log_error("redis refused trade %s %s: %s; skipped", p->products[e->product].pair,
                  e->json, why);
    }
    p->head++;
    update_gauge(p);
    flush(p);
    check_empty(p);
}

static void send_entry(struct publisher *p, redisAsyncContext *ac, struct entry *e)
{
    struct product *pr = &p->products[e->product];
    if (e->gap) {
        const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
        const char *pub[] = { "PUBLISH", pr->gap_channel, e->json };
        size_t pub_len[] = { 7, strlen(pr->gap_channel), e->len };
        redisAsyncCommandArgv(ac, NULL, NULL, 1, multi, NULL);
        redisAsyncCommandArgv(ac, NULL, NULL, 3, pub, pub_len);
        redisAsyncCommandArgv(ac, on_exec, p, 1, exec, NULL);
        return;
    }
    const char *multi[] = { "MULTI" };
    const char *lpush[] = { "LPUSH", pr->list_key, e->json };
    size_t lpush_len[] = { 5, strlen(pr->list_key), e->len };
    const char *ltrim[] = { "LTRIM", pr->list_key, "0", p->trim_end };
    const char *pub[] = { "PUBLISH", pr->channel, e->json };
    size_t pub_len[] = { 7, strlen(pr->channel), e->len };
    const char *exec[] = { "EXEC" };
    redisAsyncCommandArgv(ac, NULL, NULL, 1, multi, NULL);
    redisAsyncCommandArgv(ac, NULL, NULL, 3, lpush, lpush_len);
    redisAsyncCommandArgv(ac, NULL, NULL, 4, ltrim, NULL);
    redisAsyncCommandArgv(ac, NULL, NULL, 3, pub, pub_len);
    redisAsyncCommandArgv(ac, on_exec, p, 1, exec, NULL);
}

static void flush(struct publisher *p)
{
    redisAsyncContext *ac = redis_conn_ctx(p->rc);
    if (ac == NULL || !p->loaded)
        return;
    while (p->sent < p->tail && p->sent - p->head < MAX_INFLIGHT)
        send_entry(p, ac, at(p, p->sent++));
}

static struct product *find_product(struct publisher *p, const char *pair, size_t *index)
{
    for (size_t i = 0; i < p->nproducts; i++)
        if (strcmp(p->products[i].pair, pair) == 0) {
            *index = i;
            return &p->products[i];
        }
    return NULL;
}

enum publish_result publisher_submit(struct publisher *p, const struct trade *t)
{
    size_t index;
    struct product *pr = find_product(p, t->pair, &index);
    if (pr == NULL)
        return PUBLISH_UNKNOWN_PAIR;
    if (pr->has_last && t->id <= pr->last_id) {
        m_duplicates.value++;
        return PUBLISH_DUPLICATE;
    }
    if (p->tail - p->head >= p->cap) {
        static struct log_ratelimit rl = LOG_RATELIMIT_INIT(5, 10000);
        unsigned suppressed;
        m_dropped.value++;
        if (log_ratelimit_allow(&rl, loop_now_ms(), &suppressed))
            log_error("Redis queue full (PUBLISH_QUEUE_LEN=%llu): trade %s %s dropped",
                      (unsigned long long)p->cap, t->pair, t->trade_id);
        return PUBLISH_QUEUE_FULL;
    }
    pr->last_id = t->id;
    pr->has_last = true;
    struct entry *e = at(p, p->tail++);
    e->id = t->id;
    e->gap = false;
    e->product = (uint16_t)index;
    memcpy(e->traded_at, t->traded_at, sizeof e->traded_at);
    e->len = (uint16_t)trade_to_json(t, e->json);
    update_gauge(p);
    flush(p);
    return PUBLISH_QUEUED;
}

/* Drops queued entries that Redis already holds (id at or below the head of
 * their pair's history list), keeping the order of the rest. They are the
 * transactions a lost connection had applied before we saw their EXEC reply. */
static void drop_already_published(struct publisher *p)
{
    uint64_t out = p->head, skipped = 0;
    for (uint64_t pos = p->head; pos < p->tail; pos++) {
        struct entry *e = at(p, pos);
        struct product *pr = &p->products[e->product];
        if (!e->gap && pr->has_redis_head && e->id <= pr->redis_head) {
            skipped++;
            continue;
        }
        if (out != pos)
            *at(p, out) = *e;
        out++;
    }
    p->tail = out;
    p->sent = p->head;
    if (skipped)
        log_info("%llu queued trades were already in Redis; not sent again",
                 (unsigned long long)skipped);
    update_gauge(p);
}

struct head_request {
    struct publisher *p;
    uint64_t generation;
    size_t product;
};

static void on_head(redisAsyncContext *ac, void *r, void *privdata)
{
    struct head_request *req = privdata;
    struct publisher *p = req->p;
    redisReply *reply = r;
    bool current = reply != NULL && req->generation == p->generation;
    size_t index = req->product;
    free(req);
    if (!current)
        return;
    struct product *pr = &p->products[index];
    if (reply->type == REDIS_REPLY_STRING) {
        uint64_t id;
        const char *err = trade_id_from_json(reply->str, reply->len, &id);
        if (err) {
            char shown[200];
            log_warn("head of %s is not a trade (%s): %s; not used for dedup", pr->list_key,
                     err, log_escape(reply->str, reply->len, shown, sizeof shown));
        } else {
            pr->redis_head = id;
            pr->has_redis_head = true;
            if (!pr->has_last || id > pr->last_id) {
                pr->last_id = id;
                pr->has_last = true;
            }
        }
    } else if (reply->type == REDIS_REPLY_ERROR) {
        log_warn("cannot read %s: %s", pr->list_key, reply->str);
    }
    if (--p->heads_pending == 0) {
        drop_already_published(p);
        p->loaded = true;
        p->heads_known = true;
        flush(p);
        check_empty(p);
    }
}

void publisher_redis_ready(struct publisher *p)
{
    redisAsyncContext *ac = redis_conn_ctx(p->rc);
    p->generation++;
    p->loaded = false;
    p->sent = p->head;
    p->heads_pending = p->nproducts;
    for (size_t i = 0; i < p->nproducts; i++) {
        struct head_request *req = xmalloc(sizeof *req);
        *req = (struct head_request){ p, p->generation, i };
        const char *argv[] = { "LINDEX", p->products[i].list_key, "0" };
        redisAsyncCommandArgv(ac, on_head, req, 3, argv, NULL);
    }
}

void publisher_redis_down(struct publisher *p)
{
    /* Unconfirmed trades are sent again after the next connect, minus those
     * the history heads then show as applied. */
    p->loaded = false;
    p->sent = p->head;
}

bool publisher_last_id(const struct publisher *p, const char *pair, uint64_t *id)
{
    for (size_t i = 0; i < p->nproducts; i++)
        if (strcmp(p->products[i].pair, pair) == 0) {
            *id = p->products[i].last_id;
            return p->products[i].has_last;
        }
    return false;
}

bool publisher_heads_known(const struct publisher *p)
{
    return p->heads_known;
}

void publisher_gap(struct publisher *p, const char *pair, const char *json, size_t len)
{
    size_t index;
    if (find_product(p, pair, &index) == NULL || len >= TRADE_JSON_MAX)
        return;
    if (p->tail - p->head >= p->cap) {
        m_dropped.value++;
        return;
    }
    struct entry *e = at(p, p->tail++);
    memset(e, 0, offsetof(struct entry, json));
    e->gap = true;
    e->product = (uint16_t)index;
    memcpy(e->json, json, len);
    e->json[len] = '\0';
    e->len = (uint16_t)len;
    update_gauge(p);
    flush(p);
}

uint64_t publisher_queued(const struct publisher *p)
{
    return p->tail - p->head;
}

void publisher_drain(struct publisher *p, void (*on_empty)(void *arg), void *arg)
{
    p->on_empty = on_empty;
    p->empty_arg = arg;
    check_empty(p);
}

struct publisher *publisher_new(struct redis_conn *rc, struct status *status,
                                const char *exchange, const struct pair_list *pairs,
                                long long history_len, long long queue_len)
{
    static int registered;
    if (!registered++) {
        metric_register(&m_published);
        metric_register(&m_duplicates);
        metric_register(&m_dropped);
        metric_register(&m_redis_errors);
        metric_register(&m_queued);
    }
    struct publisher *p = xcalloc(1, sizeof *p);
    p->rc = rc;
    p->status = status;
    snprintf(p->exchange, sizeof p->exchange, "%s", exchange);
    snprintf(p->trim_end, sizeof p->trim_end, "%lld", history_len - 1);
    p->nproducts = pairs->count;
    p->products = xcalloc(pairs->count, sizeof *p->products);
    for (size_t i = 0; i < pairs->count; i++) {
        struct product *pr = &p->products[i];
        snprintf(pr->pair, sizeof pr->pair, "%s", pairs->names[i]);
        snprintf(pr->list_key, sizeof pr->list_key, "history:%s:%s", exchange, pr->pair);
        snprintf(pr->channel, sizeof pr->channel, "trades:%s:%s", exchange, pr->pair);
        snprintf(pr->gap_channel, sizeof pr->gap_channel, "gaps:%s:%s", exchange, pr->pair);
    }
    p->cap = (uint64_t)queue_len;
    /* calloc'd: pages are only touched (and resident) as the queue fills. */
    p->ring = xcalloc((size_t)queue_len, sizeof *p->ring);
    return p;
}

void publisher_free(struct publisher *p)
{
    free(p->ring);
    free(p->products);
    free(p);
}
