#include "recovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "xalloc.h"

#define PUMP_MS 100
#define MAX_ATTEMPTS 4
#define PAGE_MAX 1000
/* A reconnect check asks REST only this long after the subscription was
 * confirmed: every trade before that moment is then in the REST history,
 * every trade after it comes live. */
#define CHECK_AFTER_SUBSCRIBE_MS 1000

static struct metric m_gaps = METRIC_COUNTER_INIT(
    "poeticoins_gaps_detected_total", "Gaps found in the feed (skipped ids, heartbeats, reconnects with missed trades)", NULL);
static struct metric m_unfilled = METRIC_COUNTER_INIT(
    "poeticoins_gaps_unfilled_total", "Gaps that could not be filled completely (published on gaps:<exchange>:<pair>)", NULL);
static struct metric m_backfilled = METRIC_COUNTER_INIT(
    "poeticoins_trades_backfilled_total", "Trades fetched from the REST API and published", NULL);
static struct metric m_rest_ok = METRIC_COUNTER_INIT(
    "poeticoins_rest_requests_total", "REST requests to the exchange, by result", "result=\"ok\"");
static struct metric m_rest_err = METRIC_COUNTER_INIT(
    "poeticoins_rest_requests_total", "REST requests to the exchange, by result", "result=\"error\"");

enum rstate { IDLE, WAITING, FETCHING };

struct rproduct {
    const char *pair;
    enum rstate state;
    bool check;              /* a reconnect check is due */
    uint64_t subscribed_at;  /* ms when the exchange confirmed it; 0: not yet */
    uint64_t from;           /* last published id when the gap began */
    uint64_t to;             /* first id not wanted (0: up to the newest) */
    uint64_t cursor;         /* next page: trades older than this (0: newest) */
    bool by_check;           /* started by a reconnect check, not a seen gap */
    struct trade *fetched;
    size_t nfetched, capfetched;
    struct trade *held;
    size_t nheld, capheld;
    unsigned attempts;
    uint64_t not_before;     /* ms: retry backoff */
    uint64_t reported_upto;  /* ids up to here are already reported as gaps */
};

struct recovery {
    struct rest *rest;
    struct publisher *pub;
    struct status *status;
    struct recovery_config cfg;
    struct recovery_ops ops;
    struct rproduct *products;
    size_t nproducts;
    size_t next;             /* round robin over waiting products */
    struct rproduct *inflight;
    uint64_t last_request;
    uv_timer_t pump;
    struct trade *page;      /* parse buffer, PAGE_MAX trades */
};

static struct rproduct *find(struct recovery *r, const char *pair)
{
    for (size_t i = 0; i < r->nproducts; i++)
        if (strcmp(r->products[i].pair, pair) == 0)
            return &r->products[i];
    return NULL;
}

/* Publishes an explicit gap event for ids after `after` and before `before`
 * (0: unknown). */
static void report_gap(struct recovery *r, struct rproduct *p, uint64_t after, uint64_t before,
                       const char *reason)
{
    char now[TRADE_TIME_LEN + 1], before_text[24] = "", json[TRADE_JSON_MAX];
    time_format_us(wall_now_us(), now);
    if (before)
        snprintf(before_text, sizeof before_text, "%llu", (unsigned long long)before);
    int n = snprintf(json, sizeof json,
                     "{\"exchange\":\"%s\",\"pair\":\"%s\",\"after_trade_id\":\"%llu\","
                     "\"before_trade_id\":\"%s\",\"reason\":\"%s\",\"detected_at\":\"%s\"}",
                     r->cfg.exchange, p->pair, (unsigned long long)after, before_text, reason, now);
    m_unfilled.value++;
    status_gap(r->status);
    if (before && before - 1 > p->reported_upto)
        p->reported_upto = before - 1;
    log_warn("%s: trades after %llu%s%s are missing and could not be fetched: %s", p->pair,
             (unsigned long long)after, before ? " and before " : "", before_text, reason);
    publisher_gap(r->pub, p->pair, json, (size_t)n);
}

static void submit(struct recovery *r, const struct trade *t)
{
    publisher_submit(r->pub, t);
}

static void release(struct recovery *r, struct rproduct *p);

static void start(struct recovery *r, struct rproduct *p, uint64_t from, uint64_t to,
                  bool by_check)
{
    if (r->rest == NULL) {
        /* Gap filling is off (REST_MAX_BACKFILL=0): report, do not wait. */
        if (!by_check) {
            m_gaps.value++;
            report_gap(r, p, from, to, "gap filling is off (REST_MAX_BACKFILL=0)");
        }
        return;
    }
    p->state = WAITING;
    p->from = from;
    p->to = to;
    p->cursor = to;
    p->by_check = by_check;
    p->check = false;
    p->attempts = 0;
    p->not_before = 0;
    p->nfetched = 0;
    if (!by_check) {
        m_gaps.value++;
        log_info("%s: gap after trade %llu%s, fetching the missing trades", p->pair,
                 (unsigned long long)from, to ? "" : " (reconnect)");
    }
}

/* Keeps a live trade back; the buffer grows on demand up to max_held. */
static void hold(struct recovery *r, struct rproduct *p, const struct trade *t)
{
    if (p->nheld == p->capheld) {
        p->capheld = p->capheld ? p->capheld * 2 : 16;
        if (p->capheld > r->cfg.max_held)
            p->capheld = r->cfg.max_held;
        p->held = xrealloc(p->held, p->capheld * sizeof *p->held);
    }
    p->held[p->nheld++] = *t;
}

/* The live path: detects a gap before publishing. */
static void accept_live(struct recovery *r, struct rproduct *p, const struct trade *t)
{
    uint64_t last;
    /* While a reconnect check is due, live trades wait too: publishing one
     * would move "last published" past the trades the check must fetch. */
    if (p->state != IDLE || p->check) {
        if (p->nheld == r->cfg.max_held) {
            /* Recovering for too long: give up on it rather than lose live data. */
            report_gap(r, p, p->from, p->nheld ? p->held[0].id : t->id,
                       "recovery took too long (live trades over the hold bound)");
            if (p == r->inflight)
                r->inflight = NULL; /* its answer will be ignored */
            p->state = IDLE;
            p->check = false;
            release(r, p);
            submit(r, t);
            return;
        }
        hold(r, p, t);
        return;
    }
    if (r->ops.sequential && publisher_last_id(r->pub, t->pair, &last) && t->id > last + 1 &&
        t->id - 1 > p->reported_upto) {
        start(r, p, last > p->reported_upto ? last : p->reported_upto, t->id, false);
        hold(r, p, t);
        return;
    }
    submit(r, t);
}

/* Releases held live trades in order; a new gap among them starts anew. */
static void release(struct recovery *r, struct rproduct *p)
{
    size_t n = p->nheld;
    struct trade *held = p->held;
    p->held = NULL;
    p->nheld = p->capheld = 0;
    for (size_t i = 0; i < n; i++)
        accept_live(r, p, &held[i]);
    free(held);
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = ((const struct trade *)a)->id, y = ((const struct trade *)b)->id;
    return x < y ? -1 : x > y;
}

/* Publishes what was fetched, in id order, reporting holes in it. */
static void publish_fetched(struct recovery *r, struct rproduct *p)
{
    if (p->nfetched) /* qsort must not see the NULL of an empty buffer */
        qsort(p->fetched, p->nfetched, sizeof *p->fetched, by_id);
    uint64_t prev = p->from;
    size_t published = 0;
    for (size_t i = 0; i < p->nfetched; i++) {
        const struct trade *t = &p->fetched[i];
        if (t->id <= prev)
            continue; /* the same trade on two pages */
        if (r->ops.sequential && t->id > prev + 1 && t->id - 1 > p->reported_upto)
            report_gap(r, p, prev, t->id, "older than the REST API returns");
        submit(r, t);
        published++;
        prev = t->id;
    }
    m_backfilled.value += (int64_t)published;
    if (published)
        log_info("%s: %zu missed trades fetched and published", p->pair, published);
    if (r->ops.sequential && p->to && p->to > prev + 1 && p->to - 1 > p->reported_upto)
        report_gap(r, p, prev, p->to, "not returned by the REST API");
    /* Gaps are rare: give the memory back rather than keep the peak. */
    free(p->fetched);
    p->fetched = NULL;
    p->nfetched = p->capfetched = 0;
}

static void finish(struct recovery *r, struct rproduct *p)
{
    publish_fetched(r, p);
    p->state = IDLE;
    release(r, p);
}

/* REST failed for good: publish what was fetched, report the rest, move on. */
static void give_up(struct recovery *r, struct rproduct *p, const char *why)
{
    uint64_t before = p->to ? p->to : (p->nheld ? p->held[0].id : 0);
    uint64_t from = p->from;
    if (p->nfetched) {
        p->to = 0;
        publish_fetched(r, p);
        uint64_t last;
        if (publisher_last_id(r->pub, p->pair, &last) && last > from)
            from = last;
    }
    /* With sequential ids a held trade right after the last published one
     * proves nothing is missing, whatever REST did. */
    if (!(r->ops.sequential && before && before <= from + 1))
        report_gap(r, p, from, before, why);
    p->state = IDLE;
    release(r, p);
}

static void on_page(void *arg, const char *err, int status, const char *body, size_t len)
{
    struct recovery *r = arg;
    struct rproduct *p = r->inflight;
    r->inflight = NULL;
    if (p == NULL || p->state != FETCHING)
        return; /* abandoned meanwhile */
    size_t count = 0;
    bool full = false;
    const char *perr = NULL;
    if (err == NULL && status == 200)
        perr = r->ops.rest_parse(body, len, p->pair, wall_now_us(), r->page, PAGE_MAX, &count,
                                 &full);
    if (err || status != 200 || perr) {
        char why[160];
        snprintf(why, sizeof why, "REST %s", err ? err : perr ? perr : "error status");
        if (status && status != 200)
            snprintf(why, sizeof why, "REST answered HTTP %d", status);
        m_rest_err.value++;
        if (++p->attempts >= MAX_ATTEMPTS) {
            give_up(r, p, why);
            return;
        }
        p->state = WAITING;
        p->not_before = loop_now_ms() + (500ULL << p->attempts);
        log_warn("%s: %s, retrying in %.1fs", p->pair, why, (500ULL << p->attempts) / 1000.0);
        return;
    }
    m_rest_ok.value++;
    p->attempts = 0;
    uint64_t oldest = UINT64_MAX;
    for (size_t i = 0; i < count; i++) {
        const struct trade *t = &r->page[i];
        if (t->id < oldest)
            oldest = t->id;
        if (t->id <= p->from || (p->to && t->id >= p->to))
            continue;
        if (p->nfetched == p->capfetched) {
            p->capfetched = p->capfetched ? p->capfetched * 2 : 256;
            p->fetched = xrealloc(p->fetched, p->capfetched * sizeof *p->fetched);
        }
        p->fetched[p->nfetched++] = *t;
    }
    bool older_needed = count && full && oldest > p->from + 1;
    if (older_needed && r->ops.sequential && p->nfetched < r->cfg.max_backfill) {
        p->cursor = oldest;
        p->state = WAITING;
        return;
    }
    if (older_needed && !r->ops.sequential && p->from)
        report_gap(r, p, p->from, oldest, "possibly incomplete: older than the REST window");
    if (older_needed && r->ops.sequential) {
        /* Over REST_MAX_BACKFILL: publish what we have, report the rest. */
        report_gap(r, p, p->from, oldest, "more missed trades than REST_MAX_BACKFILL");
        p->from = oldest - 1;
    }
    finish(r, p);
}

static void on_pump(uv_timer_t *t)
{
    struct recovery *r = t->data;
    if (r->rest == NULL || rest_busy(r->rest) || r->inflight)
        return;
    uint64_t now = loop_now_ms();
    /* Reconnect checks start once the history heads say what was published. */
    for (size_t i = 0; i < r->nproducts && publisher_heads_known(r->pub); i++) {
        struct rproduct *p = &r->products[i];
        uint64_t last;
        if (!p->check || p->state != IDLE || !p->subscribed_at ||
            now - p->subscribed_at < CHECK_AFTER_SUBSCRIBE_MS)
            continue;
        p->check = false;
        if (publisher_last_id(r->pub, p->pair, &last))
            start(r, p, last, 0, true);
        if (p->state == IDLE)
            release(r, p); /* nothing to check: let the held trades go */
    }
    if (now - r->last_request < r->cfg.min_interval_ms)
        return;
    for (size_t k = 0; k < r->nproducts; k++) {
        struct rproduct *p = &r->products[(r->next + k) % r->nproducts];
        if (p->state != WAITING || p->not_before > now)
            continue;
        r->next = (size_t)(p - r->products) + 1;
        char path[512];
        r->ops.rest_path(p->pair, p->cursor, path, sizeof path);
        p->state = FETCHING;
        r->inflight = p;
        r->last_request = now;
        log_debug("%s: REST GET %s", p->pair, path);
        const char *err = rest_get(r->rest, path, on_page, r);
        if (err) {
            /* Counted like a failed answer, so that an unreachable REST API
             * ends in a reported gap instead of holding trades forever. */
            r->inflight = NULL;
            m_rest_err.value++;
            if (++p->attempts >= MAX_ATTEMPTS) {
                give_up(r, p, err);
            } else {
                p->state = WAITING;
                p->not_before = now + (500ULL << p->attempts);
                log_warn("%s: REST %s, retrying in %.1fs", p->pair, err,
                         (500ULL << p->attempts) / 1000.0);
            }
        }
        return;
    }
}

struct recovery *recovery_new(uv_loop_t *loop, struct rest *rest, struct publisher *pub,
                              struct status *status, const struct recovery_config *cfg,
                              const struct recovery_ops *ops)
{
    metric_register(&m_gaps);
    metric_register(&m_unfilled);
    metric_register(&m_backfilled);
    metric_register(&m_rest_ok);
    metric_register(&m_rest_err);
    struct recovery *r = xcalloc(1, sizeof *r);
    r->rest = rest;
    r->pub = pub;
    r->status = status;
    r->cfg = *cfg;
    r->ops = *ops;
    r->nproducts = cfg->pairs->count;
    r->products = xcalloc(r->nproducts, sizeof *r->products);
    for (size_t i = 0; i < r->nproducts; i++) {
        r->products[i].pair = cfg->pairs->names[i];
    }
    r->page = xmalloc(PAGE_MAX * sizeof *r->page);
    uv_timer_init(loop, &r->pump);
    r->pump.data = r;
    uv_timer_start(&r->pump, on_pump, PUMP_MS, PUMP_MS);
    return r;
}

void recovery_trade(struct recovery *r, const struct trade *t)
{
    struct rproduct *p = find(r, t->pair);
    if (p == NULL) {
        submit(r, t); /* the publisher rejects and counts it */
        return;
    }
    accept_live(r, p, t);
}

void recovery_heartbeat(struct recovery *r, const char *pair, uint64_t last_trade_id)
{
    struct rproduct *p = find(r, pair);
    uint64_t last;
    if (p == NULL || !r->ops.sequential || last_trade_id == 0 ||
        !publisher_last_id(r->pub, pair, &last))
        return;
    if (p->state != IDLE && p->by_check) {
        /* A reconnect check is settled by the exchange's own word: nothing
         * was missed, or exactly the ids up to last_trade_id were. */
        if (last_trade_id <= last) {
            if (p == r->inflight)
                r->inflight = NULL; /* its answer is not needed */
            p->state = IDLE;
            p->nfetched = 0;
            release(r, p);
        } else {
            p->to = last_trade_id + 1;
            if (p->cursor == 0 || p->cursor > p->to)
                p->cursor = p->to;
            p->by_check = false;
            m_gaps.value++;
        }
        return;
    }
    if (p->state != IDLE || last_trade_id <= last || last_trade_id <= p->reported_upto)
        return;
    start(r, p, last > p->reported_upto ? last : p->reported_upto, last_trade_id + 1, false);
}

void recovery_connected(struct recovery *r)
{
    for (size_t i = 0; i < r->nproducts; i++) {
        r->products[i].subscribed_at = 0;
        r->products[i].check = r->rest != NULL;
    }
}

void recovery_subscribed(struct recovery *r, const char *pair)
{
    uint64_t now = loop_now_ms();
    for (size_t i = 0; i < r->nproducts; i++)
        if ((pair == NULL || strcmp(r->products[i].pair, pair) == 0) &&
            !r->products[i].subscribed_at)
            r->products[i].subscribed_at = now ? now : 1;
}

void recovery_flush(struct recovery *r)
{
    for (size_t i = 0; i < r->nproducts; i++) {
        struct rproduct *p = &r->products[i];
        p->check = false;
        if (p->state != IDLE || p->nheld) {
            p->state = IDLE;
            for (size_t k = 0; k < p->nheld; k++)
                submit(r, &p->held[k]);
            p->nheld = 0;
        }
    }
    r->inflight = NULL;
}

static void on_closed(uv_handle_t *h)
{
    struct recovery *r = h->data;
    for (size_t i = 0; i < r->nproducts; i++) {
        free(r->products[i].fetched);
        free(r->products[i].held);
    }
    free(r->products);
    free(r->page);
    free(r);
}

void recovery_free(struct recovery *r)
{
    uv_close((uv_handle_t *)&r->pump, on_closed);
}
