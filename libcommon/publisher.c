#include "publisher.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "xalloc.h"

/* Commands in flight are bounded so that a long outage's backlog goes out in
 * slices rather than one huge write buffer. */
#define MAX_INFLIGHT 512
/* Entries per transaction: under load, what one loop iteration read. */
#define BATCH_MAX 256

/* One formatted command: an LPUSH of BATCH_MAX trades of up to
 * TRADE_JSON_MAX bytes, each with its "$<len>" header, after the head. */
static char p_scratch[BATCH_MAX * (TRADE_JSON_MAX + 32) + 256];

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
/* With m_published, the mean transaction size: make bench measures Redis's
 * own ceiling for transactions of that size. */
static struct metric m_transactions = METRIC_COUNTER_INIT(
    "poeticoins_publish_transactions_total", "MULTI/EXEC transactions sent to Redis", NULL);

/* A command prefix in RESP, rendered once per product. */
struct resp_piece {
    size_t len;
    char text[128];
};

struct product {
    char pair[TRADE_PAIR_MAX];
    char list_key[64];
    char channel[64];
    char gap_channel[64];
    uint64_t last_id; /* highest id accepted (or found in Redis) */
    bool has_last;
    uint64_t redis_head; /* id at the head of the history list, read on connect */
    bool has_redis_head;
    /* Everything of the transaction's commands but the trades, in RESP:
     * "*3 $7 PUBLISH $n <channel>" (and for the gap channel), the LPUSH's
     * arguments after its count ("$5 LPUSH $n <list>"), and the whole LTRIM. */
    struct resp_piece publish_head, gap_head, lpush_head, ltrim;
};

struct entry {
    uint64_t id;
    uint16_t product;
    uint16_t len;       /* of the message */
    uint8_t head_len;   /* of the "$<len>\r\n" in front of it */
    bool gap;           /* a gap event, not a trade: PUBLISH only */
    uint16_t batch;     /* entries in the transaction this one starts, once sent */
    char traded_at[TRADE_TIME_LEN + 1];
    /* The message as a RESP bulk string, "$<len>\r\n<message>\r\n", built
     * once and copied as is into the LPUSH and the PUBLISH. */
    char bulk[];
};

/* A product's trades in the batch being sent, chained in queue order. */
struct group {
    uint16_t first, last, count;
};
#define NO_ENTRY UINT16_MAX

struct publisher {
    struct redis_conn *rc;
    struct status *status;
    char exchange[TRADE_EXCHANGE_MAX];
    char trim_end[24];
    struct product *products;
    size_t nproducts;
    size_t last_found;    /* find_product()'s last answer */
    struct entry **ring;  /* mask + 1 slots, NULL when free */
    uint64_t cap;         /* PUBLISH_QUEUE_LEN */
    uint64_t mask;        /* a power of two above cap, less one */
    struct group *groups; /* per product, for send_batch() */
    /* Monotonic positions; ring index = pos & mask.
     * head: oldest unconfirmed; sent: next to send; tail: next free. */
    uint64_t head, sent, tail;
    bool loaded;          /* history heads read since the last connect */
    bool heads_known;     /* ... at least once */
    size_t heads_pending;
    uint64_t generation;  /* bumped on every connect, to ignore stale replies */
    void (*on_empty)(void *arg);
    void *empty_arg;
    uv_check_t check;
    /* Backpressure: while Redis is connected but behind, the feed pauses
     * at `high` queued entries and resumes at `low`. */
    uint64_t high, low;
    bool paused;
    void (*on_pause)(void *arg, bool pause);
    void *pause_arg;
};

static struct entry *at(struct publisher *p, uint64_t pos)
{
    return p->ring[pos & p->mask];
}

/* Writes "<c><n>\r\n" at out; returns the end. */
static char *put_len(char *out, char c, size_t n)
{
    char digits[24];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    *out++ = c;
    while (d)
        *out++ = digits[--d];
    *out++ = '\r';
    *out++ = '\n';
    return out;
}

/* A new entry at pos holding `message` (len < TRADE_JSON_MAX) as a bulk
 * string; the caller fills the other fields. */
static struct entry *entry_new(struct publisher *p, uint64_t pos, const char *message, size_t len)
{
    char head[16];
    size_t head_len = (size_t)(put_len(head, '$', len) - head);
    struct entry *e = xmalloc(sizeof *e + head_len + len + 2);
    memcpy(e->bulk, head, head_len);
    memcpy(e->bulk + head_len, message, len);
    memcpy(e->bulk + head_len + len, "\r\n", 2);
    e->head_len = (uint8_t)head_len;
    e->len = (uint16_t)len;
    p->ring[pos & p->mask] = e;
    return e;
}

static size_t bulk_len(const struct entry *e)
{
    return e->head_len + (size_t)e->len + 2;
}

static const char *entry_message(const struct entry *e)
{
    return e->bulk + e->head_len;
}

static void entry_free(struct publisher *p, uint64_t pos)
{
    free(p->ring[pos & p->mask]);
    p->ring[pos & p->mask] = NULL;
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

static void resume_if_room(struct publisher *p)
{
    if (p->paused && p->tail - p->head <= p->low) {
        p->paused = false;
        p->on_pause(p->pause_arg, false);
    }
}


/* The group (one LPUSH and one LTRIM) of each entry of a batch, numbered
 * in order of first appearance as send_batch() sends them; SIZE_MAX for gap
 * events. Returns the number of groups. Only for a failed transaction. */
static size_t batch_groups(struct publisher *p, uint64_t first, size_t n, size_t *group)
{
    size_t groups = 0;
    for (size_t j = 0; j < n; j++) {
        const struct entry *f = at(p, first + j);
        group[j] = SIZE_MAX;
        if (f->gap)
            continue;
        for (size_t k = 0; k < j && group[j] == SIZE_MAX; k++)
            if (group[k] != SIZE_MAX && at(p, first + k)->product == f->product)
                group[j] = group[k];
        if (group[j] == SIZE_MAX)
            group[j] = groups++;
    }
    return groups;
}

/* Whether the element for entry i of a batch reply went through: its
 * product's LPUSH and LTRIM (trades) and its PUBLISH. The reply's layout is
 * send_batch()'s: per group, LPUSH and LTRIM; then one PUBLISH per entry. */
static const char *batch_error(const redisReply *reply, size_t n, size_t i, size_t groups,
                               size_t mine)
{
    if (reply->type == REDIS_REPLY_ERROR)
        return reply->str;
    if (reply->type != REDIS_REPLY_ARRAY)
        return "transaction aborted";
    if (reply->elements != 2 * groups + n)
        return "a command in the transaction failed";
    const redisReply *parts[3] = { reply->element[2 * groups + i], NULL, NULL };
    if (mine != SIZE_MAX) {
        parts[1] = reply->element[2 * mine];
        parts[2] = reply->element[2 * mine + 1];
    }
    for (int k = 0; k < 3; k++)
        if (parts[k] && parts[k]->type == REDIS_REPLY_ERROR)
            return parts[k]->str;
    return NULL;
}

static void on_exec(redisAsyncContext *ac, void *r, void *privdata)
{
    struct publisher *p = privdata;
    redisReply *reply = r;
    if (reply == NULL)
        return; /* connection lost: publisher_redis_down() rewinds */
    uint64_t first = p->head;
    size_t n = at(p, first)->batch;
    bool all_ok = reply->type == REDIS_REPLY_ARRAY;
    for (size_t k = 0; all_ok && k < reply->elements; k++)
        all_ok = reply->element[k]->type != REDIS_REPLY_ERROR;
    size_t group[BATCH_MAX], groups = all_ok ? 0 : batch_groups(p, first, n, group);
    for (size_t i = 0; i < n; i++) {
        struct entry *e = at(p, first + i);
        /* Retrying cannot help (e.g. WRONGTYPE: the key holds something
         * else); blocking the queue behind it would lose everything after. */
        const char *why = all_ok ? NULL : batch_error(reply, n, i, groups, group[i]);
        if (why == NULL && !e->gap) {
            m_published.value++;
            status_trade_published(p->status, e->traded_at);
        } else if (why) {
            m_redis_errors.value++;
            log_error("redis refused trade %s %.*s: %s; skipped", p->products[e->product].pair,
                      (int)e->len, entry_message(e), why);
        }
    }
    /* Confirmed (or refused for good): the entries are done. */
    for (size_t i = 0; i < n; i++)
        entry_free(p, first + i);
    p->head += n;
    update_gauge(p);
    resume_if_room(p);
    check_empty(p);
}

static char *put_piece(char *out, const struct resp_piece *piece)
{
    memcpy(out, piece->text, piece->len);
    return out + piece->len;
}

static char *put_bulk(char *out, const struct entry *e)
{
    memcpy(out, e->bulk, bulk_len(e));
    return out + bulk_len(e);
}

/* Hands the command in p_scratch[0, end) to hiredis, which copies it into
 * its output buffer and queues the reply callback. */
static void command(redisAsyncContext *ac, redisCallbackFn *fn, void *privdata, const char *end)
{
    redisAsyncFormattedCommand(ac, fn, privdata, p_scratch, (size_t)(end - p_scratch));
}

/* Sends entries [first, first + n) as one transaction:
 *   MULTI; per product: LPUSH <list> <json>...; LTRIM <list> 0 <trim_end>;
 *   per entry, in queue order: PUBLISH <channel> <json>; EXEC
 * Every list is updated before any PUBLISH, and Redis applies all or none,
 * so the guarantees of one trade per transaction hold for each trade.
 * LPUSH with several values pushes them left in turn: newest first.
 * Products come in order of their first trade in the batch (on_exec() and
 * batch_groups() rely on it). Commands are written in RESP here, from the
 * pieces rendered at start, rather than through hiredis's formatting. */
static void send_batch(struct publisher *p, redisAsyncContext *ac, uint64_t first, size_t n)
{
    static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
    struct entry *batch[BATCH_MAX];
    uint16_t next[BATCH_MAX];  /* the next entry of the same product */
    uint16_t order[BATCH_MAX]; /* products, in order of their first entry */
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        struct entry *e = batch[i] = at(p, first + i);
        if (e->gap)
            continue;
        struct group *g = &p->groups[e->product];
        next[i] = NO_ENTRY;
        if (g->count++ == 0) {
            g->first = (uint16_t)i;
            order[groups++] = e->product;
        } else {
            next[g->last] = (uint16_t)i;
        }
        g->last = (uint16_t)i;
    }
    at(p, first)->batch = (uint16_t)n;
    redisAsyncFormattedCommand(ac, NULL, NULL, multi, sizeof multi - 1);
    for (size_t k = 0; k < groups; k++) {
        struct group *g = &p->groups[order[k]];
        const struct product *pr = &p->products[order[k]];
        char *o = put_len(p_scratch, '*', 2 + (size_t)g->count);
        o = put_piece(o, &pr->lpush_head);
        for (uint16_t i = g->first; i != NO_ENTRY; i = next[i])
            o = put_bulk(o, batch[i]);
        command(ac, NULL, NULL, o);
        redisAsyncFormattedCommand(ac, NULL, NULL, pr->ltrim.text, pr->ltrim.len);
        g->count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        const struct entry *e = batch[i];
        const struct product *pr = &p->products[e->product];
        char *o = put_piece(p_scratch, e->gap ? &pr->gap_head : &pr->publish_head);
        command(ac, NULL, NULL, put_bulk(o, e));
    }
    redisAsyncFormattedCommand(ac, on_exec, p, exec, sizeof exec - 1);
    m_transactions.value++;
}

/* Grows hiredis's output buffer once for everything flush() is about to
 * queue. hiredis appends command by command and frees the buffer after
 * each complete write, so a flush of a few hundred trades otherwise grows
 * it from empty by doubling: a dozen reallocs that copy it all again.
 * obuf is a public sds field of the context; hiredis appends to it with
 * sdscatlen, which uses the room made here. */
static void reserve_output(struct publisher *p, redisAsyncContext *ac, uint64_t end)
{
    size_t need = 0;
    for (uint64_t pos = p->sent; pos < end; pos++) {
        const struct entry *e = at(p, pos);
        const struct product *pr = &p->products[e->product];
        /* its LPUSH value and its PUBLISH */
        need += 2 * bulk_len(e) + (e->gap ? pr->gap_head.len : pr->publish_head.len);
    }
    /* Per transaction: MULTI and EXEC (29 bytes), and at most an LPUSH head
     * and an LTRIM per product. */
    size_t batches = (size_t)(end - p->sent + BATCH_MAX - 1) / BATCH_MAX, per_batch = 32;
    for (size_t i = 0; i < p->nproducts; i++)
        per_batch += 8 + p->products[i].lpush_head.len + p->products[i].ltrim.len;
    need += batches * per_batch;
    if (sdsavail(ac->c.obuf) >= need)
        return;
    sds grown = sdsMakeRoomFor(ac->c.obuf, need);
    if (grown != NULL) /* else hiredis meets the shortage itself */
        ac->c.obuf = grown;
}

static void flush(struct publisher *p)
{
    redisAsyncContext *ac = redis_conn_ctx(p->rc);
    if (ac == NULL || !p->loaded)
        return;
    uint64_t end = p->tail;
    if (end - p->head > MAX_INFLIGHT)
        end = p->head + MAX_INFLIGHT;
    if (p->sent >= end)
        return;
    reserve_output(p, ac, end);
    while (p->sent < end) {
        uint64_t n = end - p->sent;
        if (n > BATCH_MAX)
            n = BATCH_MAX;
        send_batch(p, ac, p->sent, (size_t)n);
        p->sent += n;
    }
}

/* Runs once per loop iteration, after the I/O callbacks: everything queued
 * in this iteration goes out in one transaction (hiredis writes it when the
 * socket is next writable, so this adds no latency). */
static void on_check(uv_check_t *check)
{
    flush(check->data);
}

/* Each trade is looked up twice in a row (publisher_last_id() from
 * recovery, then publisher_submit()), and feeds come in bursts of one
 * product: the last product found is tried first. */
static struct product *find_product(struct publisher *p, const char *pair, size_t *index)
{
    if (strcmp(p->products[p->last_found].pair, pair) == 0) {
        *index = p->last_found;
        return &p->products[p->last_found];
    }
    for (size_t i = 0; i < p->nproducts; i++)
        if (strcmp(p->products[i].pair, pair) == 0) {
            *index = p->last_found = i;
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
    char json[TRADE_JSON_MAX];
    size_t len = trade_to_json(t, json);
    struct entry *e = entry_new(p, p->tail++, json, len);
    e->id = t->id;
    e->gap = false;
    e->product = (uint16_t)index;
    memcpy(e->traded_at, t->traded_at, sizeof e->traded_at);
    update_gauge(p);
    /* Redis is there but behind: slow the feed down rather than fill the
     * queue, which is for outages. While Redis is away nothing pauses. */
    if (!p->paused && p->on_pause && p->loaded && p->tail - p->head >= p->high) {
        p->paused = true;
        p->on_pause(p->pause_arg, true);
    }
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
            entry_free(p, pos);
            continue;
        }
        if (out != pos) {
            p->ring[out & p->mask] = e;
            p->ring[pos & p->mask] = NULL;
        }
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
    if (p->paused) {
        p->paused = false;
        p->on_pause(p->pause_arg, false);
    }
}

void publisher_set_backpressure(struct publisher *p, void (*on_pause)(void *arg, bool pause),
                                void *arg)
{
    p->on_pause = on_pause;
    p->pause_arg = arg;
}

bool publisher_last_id(struct publisher *p, const char *pair, uint64_t *id)
{
    size_t index;
    const struct product *pr = find_product(p, pair, &index);
    if (pr == NULL)
        return false;
    *id = pr->last_id;
    return pr->has_last;
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
    struct entry *e = entry_new(p, p->tail++, json, len);
    e->id = 0;
    e->gap = true;
    e->product = (uint16_t)index;
    e->batch = 0;
    memset(e->traded_at, 0, sizeof e->traded_at);
    update_gauge(p);
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

static void render(struct resp_piece *piece, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void render(struct resp_piece *piece, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece->text, sizeof piece->text, fmt, ap);
    va_end(ap);
    /* Keys are at most 63 bytes (struct product), so this cannot happen. */
    if (n < 0 || (size_t)n >= sizeof piece->text)
        abort();
    piece->len = (size_t)n;
}

struct publisher *publisher_new(uv_loop_t *loop, struct redis_conn *rc, struct status *status,
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
        metric_register(&m_transactions);
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
        render(&pr->publish_head, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n",
               strlen(pr->channel), pr->channel);
        render(&pr->gap_head, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n", strlen(pr->gap_channel),
               pr->gap_channel);
        render(&pr->lpush_head, "$5\r\nLPUSH\r\n$%zu\r\n%s\r\n", strlen(pr->list_key),
               pr->list_key);
        render(&pr->ltrim, "*4\r\n$5\r\nLTRIM\r\n$%zu\r\n%s\r\n$1\r\n0\r\n$%zu\r\n%s\r\n",
               strlen(pr->list_key), pr->list_key, strlen(p->trim_end), p->trim_end);
    }
    p->groups = xcalloc(pairs->count, sizeof *p->groups);
    p->cap = (uint64_t)queue_len;
    p->mask = 1;
    while (p->mask < p->cap)
        p->mask <<= 1;
    p->mask--;
    p->high = p->cap / 2 + 1;
    p->low = p->cap / 4;
    uv_check_init(loop, &p->check);
    p->check.data = p;
    uv_check_start(&p->check, on_check);
    /* Not a reason to keep the loop running; loop_close() closes it. */
    uv_unref((uv_handle_t *)&p->check);
    /* calloc'd: pages are only touched (and resident) as the queue fills. */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of entry pointers */
    p->ring = xcalloc((size_t)p->mask + 1, sizeof *p->ring);
    return p;
}

void publisher_stop(struct publisher *p)
{
    uv_check_stop(&p->check);
}

void publisher_free(struct publisher *p)
{
    for (uint64_t pos = p->head; pos < p->tail; pos++)
        entry_free(p, pos);
    free(p->ring);
    free(p->groups);
    free(p->products);
    free(p);
}
