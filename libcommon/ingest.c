#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "publisher.h"
#include "redis_conn.h"
#include "status.h"
#include "url.h"
#include "wsctx.h"
#include "xalloc.h"

static struct metric m_trades = METRIC_COUNTER_INIT("poeticoins_trades_received_total",
                                                    "Trades parsed from the exchange feed", NULL);
static struct metric m_bad_json =
    METRIC_COUNTER_INIT("poeticoins_frames_rejected_total",
                        "Messages skipped as malformed or unusable, by reason", "reason=\"json\"");
static struct metric m_bad_field =
    METRIC_COUNTER_INIT("poeticoins_frames_rejected_total",
                        "Messages skipped as malformed or unusable, by reason", "reason=\"field\"");
static struct metric m_bad_pair = METRIC_COUNTER_INIT(
    "poeticoins_frames_rejected_total", "Messages skipped as malformed or unusable, by reason",
    "reason=\"unknown_pair\"");
static struct metric m_ignored = METRIC_COUNTER_INIT(
    "poeticoins_frames_ignored_total", "Valid messages of types the service does not use", NULL);
static struct metric m_exchange_errors = METRIC_COUNTER_INIT(
    "poeticoins_exchange_errors_total", "Error messages sent by the exchange", NULL);

struct settings {
    struct redis_url redis;
    struct ws_url url;
    struct ws_url rest_url;
    long long max_backfill;
    long long rest_interval_ms;
    struct pair_list pairs;
    long long history_len;
    long long queue_len;
    long long max_frame;
    long long stale_ms;
    long long health_port;
    const char *health_addr;
    const char *ca_file;
    int log_level;
    long long shutdown_ms;
};

struct ingest {
    const struct exchange_def *ex;
    struct settings cfg;
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct redis_conn *redis;
    struct status *status;
    struct publisher *publisher;
    struct rest *rest;
    struct recovery *recovery;
    struct feed *feed;
    uv_timer_t tick;
    uv_timer_t shutdown_timer;
    struct log_ratelimit rl;
    int exit_code;
    bool stopping;
};

const struct pair_list *ingest_pairs(const struct ingest *in)
{
    return &in->cfg.pairs;
}

void ingest_send(struct ingest *in, const char *text, size_t len)
{
    log_debug("send %.*s", (int)len, text);
    feed_send(in->feed, text, len);
}

void ingest_reconnect(struct ingest *in, const char *why)
{
    feed_reconnect(in->feed, why);
}

void ingest_set_live(struct ingest *in)
{
    if (!in->stopping)
        status_set_state(in->status, STATUS_LIVE);
}

static bool pair_configured(const struct ingest *in, const char *pair)
{
    for (size_t i = 0; i < in->cfg.pairs.count; i++)
        if (strcmp(in->cfg.pairs.names[i], pair) == 0)
            return true;
    return false;
}

/* Logs a complaint about exchange input, escaped and rate-limited. */
static void complain(struct ingest *in, const char *what, const char *data, size_t len)
{
    unsigned suppressed;
    char shown[300];
    if (!log_ratelimit_allow(&in->rl, loop_now_ms(), &suppressed))
        return;
    log_warn("%s; message skipped: %s%s", what, log_escape(data, len, shown, sizeof shown),
             suppressed ? " (similar lines were suppressed)" : "");
}

static void on_frame(void *arg, const char *data, size_t len, int64_t received_us)
{
    struct ingest *in = arg;
    struct frame fr;
    status_message_seen(in->status, received_us);
    in->ex->parse(data, len, received_us, &in->cfg.pairs, &fr);
    switch (fr.kind) {
    case FRAME_TRADE:
        m_trades.value++;
        if (!pair_configured(in, fr.trade.pair)) {
            m_bad_pair.value++;
            complain(in, "trade for a pair that is not configured", data, len);
            break;
        }
        recovery_trade(in->recovery, &fr.trade);
        break;
    case FRAME_BAD_JSON:
        m_bad_json.value++;
        complain(in, fr.error, data, len);
        break;
    case FRAME_BAD_FIELD:
        m_bad_field.value++;
        complain(in, fr.error, data, len);
        break;
    case FRAME_EXCHANGE_ERROR:
        m_exchange_errors.value++;
        log_error("exchange reports an error: %s", fr.text);
        break;
    case FRAME_SUBSCRIBED:
        /* A channel-less acknowledgement (Coinbase) covers every pair. */
        if (fr.pair[0] || !fr.channel[0])
            recovery_subscribed(in->recovery, fr.pair[0] ? fr.pair : NULL);
        log_info("subscription confirmed%s%s", fr.channel[0] ? ": " : "", fr.channel);
        ingest_set_live(in);
        break;
    case FRAME_RECONNECT_REQUEST:
        log_info("exchange asks for a reconnect");
        feed_reconnect(in->feed, "reconnect requested by the exchange");
        break;
    case FRAME_IGNORED:
        m_ignored.value++;
        break;
    case FRAME_HEARTBEAT:
        if (fr.last_trade_id)
            recovery_heartbeat(in->recovery, fr.pair, fr.last_trade_id);
        break;
    }
    if (in->ex->on_frame)
        in->ex->on_frame(in, &fr);
}

static void on_backpressure(void *arg, bool pause)
{
    struct ingest *in = arg;
    feed_pause(in->feed, pause);
}

static void on_open(void *arg)
{
    struct ingest *in = arg;
    /* Every (re)connection may have missed trades: check each product. */
    recovery_connected(in->recovery);
    in->ex->on_open(in);
}

static void finish(struct ingest *in);

static void on_close(void *arg, bool reconnecting)
{
    struct ingest *in = arg;
    if (in->ex->on_close)
        in->ex->on_close(in);
    if (reconnecting) {
        status_reconnected(in->status);
        status_set_state(in->status, STATUS_RECONNECTING);
        return;
    }
    finish(in);
}

static void on_redis_ready(void *arg)
{
    struct ingest *in = arg;
    status_redis_ready(in->status);
    publisher_redis_ready(in->publisher);
}

static void on_redis_down(void *arg)
{
    struct ingest *in = arg;
    publisher_redis_down(in->publisher);
}

static int health_check(void *arg, char *body, size_t bodylen)
{
    struct ingest *in = arg;
    bool up = redis_conn_ready(in->redis);
    snprintf(body, bodylen,
             "{\"status\":\"%s\",\"redis\":\"%s\",\"exchange\":\"%s\",\"queued\":%llu}",
             up ? "ok" : "unavailable", up ? "up" : "down", status_state(in->status),
             (unsigned long long)publisher_queued(in->publisher));
    return up ? 200 : 503;
}

static void on_tick(uv_timer_t *t)
{
    struct ingest *in = t->data;
    if (in->ex->on_tick && !in->stopping)
        in->ex->on_tick(in, loop_now_ms());
}

/* Shutdown, step 3: Redis is closed; leave the loop. */
static void on_redis_closed(void *arg)
{
    struct ingest *in = arg;
    uv_stop(in->loop);
}

/* Shutdown, step 2: the queue is empty or the deadline passed. */
static void on_drained(void *arg)
{
    struct ingest *in = arg;
    uint64_t left = publisher_queued(in->publisher);
    uv_timer_stop(&in->shutdown_timer);
    if (left)
        log_error("%llu trades could not be written to Redis before the shutdown deadline "
                  "(SHUTDOWN_TIMEOUT_MS) and are lost",
                  (unsigned long long)left);
    else
        log_info("every queued trade is in Redis");
    status_free(in->status);
    in->status = NULL;
    redis_conn_close(in->redis, on_redis_closed, in);
}

static void on_shutdown_deadline(uv_timer_t *t)
{
    struct ingest *in = t->data;
    publisher_drain(in->publisher, NULL, NULL);
    on_drained(in);
}

/* Shutdown, step 1 done: the feed is closed, nothing more comes in. */
static void finish(struct ingest *in)
{
    /* Live trades held back during a gap are published rather than lost. */
    recovery_flush(in->recovery);
    status_set_state(in->status, STATUS_STOPPED);
    uv_timer_start(&in->shutdown_timer, on_shutdown_deadline, (uint64_t)in->cfg.shutdown_ms, 0);
    publisher_drain(in->publisher, on_drained, in);
}

static void on_stop(void *arg)
{
    struct ingest *in = arg;
    in->stopping = true;
    uv_timer_stop(&in->tick);
    feed_stop(in->feed);
}

int ingest_main(int argc, char **argv, const struct exchange_def *ex)
{
    xalloc_init();
    static struct ingest in;
    struct settings *c = &in.cfg;
    c->log_level = LOGL_INFO;
    const struct config_var vars[] = {
        {"REDIS_URL", CONFIG_REDIS_URL, "redis://127.0.0.1:6379", 0, 0,
         "Redis server, redis://[:password@]host:port[/db]", &c->redis},
        {ex->url_var, CONFIG_WS_URL, ex->default_url, 0, 0,
         "exchange websocket feed (wss://, or ws:// for a local simulator)", &c->url},
        {ex->rest_url_var, CONFIG_HTTP_URL, ex->default_rest_url, 0, 0,
         "exchange REST API, for fetching missed trades (https://, or http:// for a simulator)",
         &c->rest_url},
        {"REST_MAX_BACKFILL", CONFIG_INT, "5000", 0, 1000000,
         "most trades fetched to fill one gap; 0 turns gap filling off (gaps are still reported)",
         &c->max_backfill},
        {"REST_MIN_INTERVAL_MS", CONFIG_INT, "250", 0, 60000,
         "least time between two REST requests (the exchange's rate limit)", &c->rest_interval_ms},
        {ex->pairs_var, CONFIG_PAIRS, ex->default_pairs, 0, 0,
         "pairs to follow, comma-separated BASE-QUOTE", &c->pairs},
        {"HISTORY_LEN", CONFIG_INT, "1000", 1, 1000000,
         "trades kept per pair in history:<exchange>:<pair>", &c->history_len},
        {"PUBLISH_QUEUE_LEN", CONFIG_INT, "10000", 1, 1000000,
         "trades held while Redis is unreachable; more are dropped and counted", &c->queue_len},
        {"MAX_FRAME_BYTES", CONFIG_INT, "1048576", 1024, 67108864,
         "largest exchange message accepted; bigger ones are skipped and counted", &c->max_frame},
        {"STALE_TIMEOUT_MS", CONFIG_INT, ex->stale_ms, 500, 600000,
         "reconnect when the exchange sends nothing for this long", &c->stale_ms},
        {"TLS_CA_FILE", CONFIG_FILE, "", 0, 0,
         "PEM CA bundle used instead of the system trust store", &c->ca_file},
        {"HEALTH_PORT", CONFIG_INT, ex->health_port, 0, 65535,
         "port of /healthz and /metrics; 0 disables them", &c->health_port},
        {"HEALTH_ADDR", CONFIG_STRING, "0.0.0.0", 0, 0, "address the health port listens on",
         &c->health_addr},
        {"SHUTDOWN_TIMEOUT_MS", CONFIG_INT, "5000", 0, 600000,
         "on SIGTERM, how long to wait for queued trades to reach Redis", &c->shutdown_ms},
        {"LOG_LEVEL", CONFIG_LOG_LEVEL, "info", 0, 0, "debug, info, warn or error", &c->log_level},
    };
    size_t nvars = sizeof vars / sizeof vars[0];
    struct config_var *all = xcalloc(nvars + ex->n_extra_vars, sizeof *all);
    memcpy(all, vars, sizeof vars);
    if (ex->n_extra_vars)
        memcpy(all + nvars, ex->extra_vars, ex->n_extra_vars * sizeof *all);
    config_load(all, nvars + ex->n_extra_vars, argc, argv, ex->name, ex->summary);
    free(all);
    log_init(ex->name, (enum log_level)c->log_level);

    char labels[64], products[24 * PAIRS_MAX], shown_redis[320];
    snprintf(labels, sizeof labels, "exchange=\"%s\"", ex->name);
    metrics_set_const_labels(labels);
    metric_register(&m_trades);
    metric_register(&m_bad_json);
    metric_register(&m_bad_field);
    metric_register(&m_bad_pair);
    metric_register(&m_ignored);
    metric_register(&m_exchange_errors);
    pair_list_join(&c->pairs, products, sizeof products);
    url_redis_redacted(&c->redis, shown_redis, sizeof shown_redis);
    log_info("starting: %s=%s://%s:%d%s %s=%s REDIS_URL=%s HISTORY_LEN=%lld "
             "PUBLISH_QUEUE_LEN=%lld STALE_TIMEOUT_MS=%lld HEALTH_PORT=%lld TLS_CA_FILE=%s",
             ex->url_var, c->url.tls ? "wss" : "ws", c->url.host, c->url.port, c->url.path,
             ex->pairs_var, products, shown_redis, c->history_len, c->queue_len, c->stale_ms,
             c->health_port, c->ca_file ? c->ca_file : "(system)");

    in.ex = ex;
    in.rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10, 10000);
    in.loop = loop_init(on_stop, &in);
    in.ctx = wsctx_new(in.loop);
    if (in.ctx == NULL)
        return 1;
    static const struct redis_conn_ops redis_ops = {on_redis_ready, on_redis_down};
    in.redis = redis_conn_new(in.loop, &c->redis, &redis_ops, &in);
    /* Nothing here reads a status, integer or nil reply's value. */
    redis_conn_lean_replies(in.redis);
    in.status = status_new(in.loop, in.redis, ex->name, products);
    in.publisher = publisher_new(in.loop, in.redis, in.status, ex->name, &c->pairs,
                                 c->history_len, c->queue_len);
    if (c->max_backfill > 0) {
        in.rest = rest_new(in.ctx, &c->rest_url, c->ca_file);
        if (in.rest == NULL)
            return 1;
    }
    const struct recovery_config rc = { ex->name, &c->pairs, (size_t)c->max_backfill,
                                        (uint64_t)c->rest_interval_ms, (size_t)c->queue_len };
    in.recovery = recovery_new(in.loop, in.rest, in.publisher, in.status, &rc, &ex->recovery);
    const char *err = health_start(in.ctx, c->health_addr, (int)c->health_port, health_check, &in);
    if (err) {
        log_error("HEALTH_PORT=%lld: %s", c->health_port, err);
        return 1;
    }
    struct feed_config fc = {ex->name, c->url, c->ca_file, (size_t)c->max_frame,
                             (uint64_t)c->stale_ms};
    static const struct feed_ops feed_ops = {on_open, on_frame, on_close};
    in.feed = feed_new(in.ctx, in.loop, &fc, &feed_ops, &in);
    if (in.feed == NULL)
        return 1;
    publisher_set_backpressure(in.publisher, on_backpressure, &in);
    uv_timer_init(in.loop, &in.tick);
    uv_timer_init(in.loop, &in.shutdown_timer);
    in.tick.data = &in;
    in.shutdown_timer.data = &in;
    uv_timer_start(&in.tick, on_tick, 1000, 1000);
    feed_start(in.feed);

    uv_run(in.loop, UV_RUN_DEFAULT);
    /* Redis is closed and freed: nothing may flush to it any more (the use
     * after free valgrind found in loop_close's run). */
    publisher_stop(in.publisher);

    /* The loop stopped after Redis closed. lws must be destroyed outside its
     * callbacks, then the loop runs again so lws can close its handles. */
    lws_context_destroy(in.ctx);
    feed_free(in.feed);
    recovery_free(in.recovery);
    uv_close((uv_handle_t *)&in.tick, NULL);
    uv_close((uv_handle_t *)&in.shutdown_timer, NULL);
    loop_close(in.loop);
    publisher_free(in.publisher);
    if (in.rest)
        rest_free(in.rest);
    log_info("stopped");
    return in.exit_code;
}
