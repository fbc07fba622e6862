/* Integration tests of the web service: the real bin/web against a real
 * redis-server, over HTTP and websockets. Trades are PUBLISHed straight into
 * Redis, as an ingest service would, so every expected frame is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_util.h"

static struct redis_server redis;
static redisContext *rc;
static int mark;

static void web_start(struct web *w, const char *const extra_env[])
{
    web_start_on(w, redis.port, extra_env);
}

static char *trade(const char *exchange, const char *pair, int id)
{
    char *t = malloc(400);
    snprintf(t, 400,
             "{\"exchange\":\"%s\",\"pair\":\"%s\",\"price\":\"%d.50\",\"volume\":\"0.0010\","
             "\"side\":\"buy\",\"trade_id\":\"%d\",\"traded_at\":\"2021-04-17T16:43:37.121358Z\","
             "\"received_at\":\"2021-04-17T16:43:37.200000Z\"}",
             exchange, pair, 1000 + id, id);
    return t;
}

static void publish(const char *exchange, const char *pair, const char *msg)
{
    freeReplyObject(redis_must(rc, "PUBLISH trades:%s:%s %s", exchange, pair, msg));
}

static void expect_trade(struct ws_client *c, const char *trade_json)
{
    char want[600];
    snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":%s}", trade_json);
    expect_frame(c, want);
}

static void connect_ws(struct ws_client *c, const struct web *w)
{
    assert_int_equal(ws_connect(c, w->port, "/ws", 0), 101);
}

static int setup(void **state)
{
    harness_init("web");
    char cmd[300];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/www && printf '<!doctype html><title>Poeticoins</title>' > %s/www/index.html",
             harness_dir(), harness_dir());
    assert_int_equal(system(cmd), 0);
    redis_start(&redis, 0, false);
    rc = redis_connect_port(redis.port);
    return 0;
}

static int teardown(void **state)
{
    redisFree(rc);
    harness_cleanup();
    return 0;
}

static int before(void **state)
{
    freeReplyObject(redis_must(rc, "FLUSHALL"));
    freeReplyObject(redis_must(rc, "HSET exchange:coinbase products BTC-USD,ETH-USD state live since 2021-04-17T16:43:37.000000Z"));
    freeReplyObject(redis_must(rc, "HSET exchange:bitstamp products BTC-USD,ETH-EUR state reconnecting"));
    mark = harness_mark();
    return 0;
}

static int after(void **state)
{
    harness_kill_since(mark);
    return 0;
}

static void expect_http(const struct web *w, const char *path, int want_status, const char *want_body)
{
    int status;
    char *body = http_get(w->port, path, &status);
    if (status != want_status)
        fail_msg("GET %s: status %d, want %d (%s)", path, status, want_status, body ? body : "");
    assert_non_null(body);
    assert_string_equal(body, want_body);
    free(body);
}

static void test_http_routes(void **state)
{
    struct web w;
    web_start(&w, NULL);
    wait_healthy(&w);
    char *t1 = trade("coinbase", "BTC-USD", 1), *t2 = trade("coinbase", "BTC-USD", 2);
    freeReplyObject(redis_must(rc, "LPUSH history:coinbase:BTC-USD %s %s", t1, t2));

    expect_http(&w, "/api/products", 200,
                "[{\"id\":\"coinbase:BTC-USD\",\"exchange\":\"coinbase\",\"pair\":\"BTC-USD\",\"base\":\"BTC\",\"quote\":\"USD\"},"
                "{\"id\":\"coinbase:ETH-USD\",\"exchange\":\"coinbase\",\"pair\":\"ETH-USD\",\"base\":\"ETH\",\"quote\":\"USD\"},"
                "{\"id\":\"bitstamp:BTC-USD\",\"exchange\":\"bitstamp\",\"pair\":\"BTC-USD\",\"base\":\"BTC\",\"quote\":\"USD\"},"
                "{\"id\":\"bitstamp:ETH-EUR\",\"exchange\":\"bitstamp\",\"pair\":\"ETH-EUR\",\"base\":\"ETH\",\"quote\":\"EUR\"}]");
    char want[1000];
    snprintf(want, sizeof want, "[%s,%s]", t2, t1);
    expect_http(&w, "/api/trades?product=coinbase:BTC-USD", 200, want);
    snprintf(want, sizeof want, "[%s]", t2);
    expect_http(&w, "/api/trades?product=coinbase%3ABTC-USD&limit=1", 200, want);
    expect_http(&w, "/api/trades?product=coinbase:ETH-USD", 200, "[]");
    expect_http(&w, "/api/trades?product=coinbase:LTC-USD", 404, "{\"error\":\"unknown product 'coinbase:LTC-USD'\"}");
    expect_http(&w, "/api/trades?product=kraken:BTC-USD", 404, "{\"error\":\"unknown product 'kraken:BTC-USD'\"}");
    expect_http(&w, "/api/trades", 400, "{\"error\":\"product is required, e.g. ?product=coinbase:BTC-USD\"}");
    expect_http(&w, "/api/trades?product=BTC-USD", 400, "{\"error\":\"bad product: product must be <exchange>:<BASE>-<QUOTE>, such as coinbase:BTC-USD\"}");
    expect_http(&w, "/api/trades?product=coinbase:btc-usd", 400, "{\"error\":\"bad product: pair must be uppercase BASE-QUOTE of A-Z and 0-9\"}");
    expect_http(&w, "/api/trades?product=coinbase:BTC-USD&limit=0", 400, "{\"error\":\"limit must be a whole number from 1 to 50\"}");
    expect_http(&w, "/api/trades?product=coinbase:BTC-USD&limit=51", 400, "{\"error\":\"limit must be a whole number from 1 to 50\"}");
    expect_http(&w, "/api/trades?product=coinbase:BTC-USD&limit=1e2", 400, "{\"error\":\"limit must be a whole number from 1 to 50\"}");
    expect_http(&w, "/api/trades?product=coinbase:BTC-USD%00&limit=1", 400, "{\"error\":\"bad product: query value has a NUL byte\"}");
    expect_http(&w, "/api/trades?product=%ZZ", 400, "{\"error\":\"bad product: query has a bad %-escape\"}");
    expect_http(&w, "/api/nope", 404, "{\"error\":\"unknown route /api/nope\"}");
    expect_http(&w, "/api/status", 200,
                "[{\"exchange\":\"coinbase\",\"state\":\"live\",\"since\":\"2021-04-17T16:43:37.000000Z\",\"last_message_at\":\"\",\"last_trade_at\":\"\",\"trades\":\"\",\"reconnects\":\"\",\"gaps\":\"\",\"products\":\"BTC-USD,ETH-USD\"},"
                "{\"exchange\":\"bitstamp\",\"state\":\"reconnecting\",\"since\":\"\",\"last_message_at\":\"\",\"last_trade_at\":\"\",\"trades\":\"\",\"reconnects\":\"\",\"gaps\":\"\",\"products\":\"BTC-USD,ETH-EUR\"}]");
    expect_http(&w, "/healthz", 200, "{\"status\":\"ok\",\"redis\":\"up\",\"clients\":0}");
    expect_http(&w, "/", 200, "<!doctype html><title>Poeticoins</title>");
    expect_http(&w, "/products/coinbase:BTC-USD", 200, "<!doctype html><title>Poeticoins</title>");

    /* Not GET: 405; the headers a browser relies on are present. */
    char cmd[600], out[300];
    snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -w '%%{http_code}' -X POST http://127.0.0.1:%d/api/products", w.port);
    FILE *p = popen(cmd, "r");
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_string_equal(out, "405");
    snprintf(cmd, sizeof cmd, "curl -s -D - -o /dev/null http://127.0.0.1:%d/ | tr -d '\\r' | grep -ci "
                              "-e '^content-security-policy: default-src .self.; script-src .self.;' "
                              "-e '^x-content-type-options: nosniff' -e '^referrer-policy: no-referrer' "
                              "-e '^content-type: text/html' -e '^etag: ' -e '^last-modified: '", w.port);
    p = popen(cmd, "r");
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_string_equal(out, "6\n");

    assert_int_equal(metric_value(w.port, "poeticoins_http_requests_total{route=\"/api/trades\",code=\"400\"}"), 8);
    assert_int_equal(metric_value(w.port, "poeticoins_http_requests_total{route=\"/api/trades\",code=\"404\"}"), 2);
    free(t1);
    free(t2);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

static void test_ws_delivery_exactly_to_subscribers(void **state)
{
    struct web w;
    web_start(&w, NULL);
    wait_healthy(&w);
    struct ws_client a, b;
    connect_ws(&a, &w);
    connect_ws(&b, &w);
    ws_send_text(&a, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\",\"bitstamp:ETH-EUR\"]}");
    expect_frame(&a, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\",\"bitstamp:ETH-EUR\"]}");
    ws_send_text(&b, "{\"type\":\"subscribe\",\"products\":[\"coinbase:ETH-USD\"]}");
    expect_frame(&b, "{\"type\":\"subscribed\",\"products\":[\"coinbase:ETH-USD\"]}");

    char *t1 = trade("coinbase", "BTC-USD", 1), *t2 = trade("bitstamp", "ETH-EUR", 2),
         *t3 = trade("coinbase", "ETH-USD", 3), *t4 = trade("coinbase", "BTC-USD", 4);
    publish("coinbase", "BTC-USD", t1);
    publish("bitstamp", "ETH-EUR", t2);
    publish("coinbase", "ETH-USD", t3);
    expect_trade(&a, t1);
    expect_trade(&a, t2);
    /* b's first frame is t3: t1 and t2 never reached it. */
    expect_trade(&b, t3);

    /* Unsubscribe stops delivery; the answer lists the whole remaining set. */
    ws_send_text(&a, "{\"type\":\"unsubscribe\",\"products\":[\"coinbase:BTC-USD\"]}");
    expect_frame(&a, "{\"type\":\"subscribed\",\"products\":[\"bitstamp:ETH-EUR\"]}");
    publish("coinbase", "BTC-USD", t4);
    publish("bitstamp", "ETH-EUR", t2);
    expect_trade(&a, t2);

    /* Status changes reach every client. */
    const char *status = "{\"exchange\":\"bitstamp\",\"state\":\"live\",\"since\":\"2021-04-17T16:43:37.000000Z\",\"last_message_at\":\"\",\"last_trade_at\":\"\",\"trades\":\"0\",\"reconnects\":\"0\",\"products\":\"BTC-USD,ETH-EUR\"}";
    freeReplyObject(redis_must(rc, "PUBLISH status:bitstamp %s", status));
    char want[600];
    snprintf(want, sizeof want, "{\"type\":\"status\",\"exchange\":%s}", status);
    expect_frame(&a, want);
    expect_frame(&b, want);

    /* Junk published on a trades channel is not passed on. */
    freeReplyObject(redis_must(rc, "PUBLISH trades:coinbase:ETH-USD %s", "<script>alert(1)</script>"));
    publish("coinbase", "ETH-USD", t3);
    expect_trade(&b, t3);
    assert_int_equal(metric_value(w.port, "poeticoins_ws_clients"), 2);
    ws_close(&a);
    ws_close(&b);
    free(t1); free(t2); free(t3); free(t4);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

static void test_ws_bad_messages(void **state)
{
    struct web w;
    web_start(&w, NULL);
    wait_healthy(&w);
    struct ws_client c;
    connect_ws(&c, &w);
    struct {
        const char *send, *want;
    } cases[] = {
        { "not json", "{\"type\":\"error\",\"error\":\"message must be a JSON object\"}" },
        { "{\"type\":\"subscribe\"}", "{\"type\":\"error\",\"error\":\"message needs a \\\"products\\\" array\"}" },
        { "{\"type\":\"hello\",\"products\":[]}", "{\"type\":\"error\",\"error\":\"type must be subscribe or unsubscribe\"}" },
        { "{\"type\":\"subscribe\",\"products\":[7]}", "{\"type\":\"error\",\"error\":\"products must be strings\"}" },
        { "{\"type\":\"subscribe\",\"products\":[\"<b>x</b>\"]}", "{\"type\":\"error\",\"error\":\"product must be <exchange>:<BASE>-<QUOTE>, such as coinbase:BTC-USD: '<b>x</b>'\"}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ws_send_text(&c, cases[i].send);
        expect_frame(&c, cases[i].want);
    }
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"kraken:BTC-USD\",\"coinbase:BTC-USD\"]}");
    expect_frame(&c, "{\"type\":\"error\",\"error\":\"unknown product 'kraken:BTC-USD'\"}");
    expect_frame(&c, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");
    /* 201 products in one message. */
    char big[201 * 24 + 64];
    size_t o = (size_t)sprintf(big, "{\"type\":\"subscribe\",\"products\":[");
    for (int i = 0; i < 201; i++)
        o += (size_t)sprintf(big + o, "%s\"coinbase:A%d-USD\"", i ? "," : "", i);
    sprintf(big + o, "]}");
    ws_send_text(&c, big);
    expect_frame(&c, "{\"type\":\"error\",\"error\":\"too many products in one message (at most 200)\"}");
    ws_send(&c, 2, "\x01\x02", 2);
    expect_frame(&c, "{\"type\":\"error\",\"error\":\"binary frames are not supported; send JSON text\"}");
    /* Still open and working after all of that. */
    char *t = trade("coinbase", "BTC-USD", 9);
    publish("coinbase", "BTC-USD", t);
    expect_trade(&c, t);
    assert_int_equal(metric_value(w.port, "poeticoins_ws_client_errors_total"), 8);

    /* A message over 64 KiB closes the connection with 1009. */
    size_t n = 70000;
    char *huge = malloc(n);
    memset(huge, ' ', n);
    ws_send(&c, 1, huge, n);
    free(huge);
    expect_close(&c, 1009);
    ws_close(&c);
    free(t);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

struct metric_at_least {
    int port;
    const char *name;
    long long want;
};

static bool metric_at_least(void *arg)
{
    struct metric_at_least *m = arg;
    return metric_value(m->port, m->name) >= m->want;
}

static void test_slow_client_closed_others_unaffected(void **state)
{
    struct web w;
    const char *env[] = { "WS_MAX_QUEUE=65536", NULL };
    web_start(&w, env);
    wait_healthy(&w);
    struct ws_client slow, fast;
    assert_int_equal(ws_connect(&slow, w.port, "/ws", 2048), 101);
    connect_ws(&fast, &w);
    ws_send_text(&slow, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}");
    expect_frame(&slow, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");
    ws_send_text(&fast, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}");
    expect_frame(&fast, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");

    /* The slow client never reads again; the fast one must get every trade,
     * in order, while the slow one is closed at its bound. */
    /* Published in batches that the fast client reads as they come. */
    enum { N = 20000, BATCH = 200 };
    for (int start = 0; start < N; start += BATCH) {
        for (int i = start; i < start + BATCH; i++) {
            char *t = trade("coinbase", "BTC-USD", i);
            redisAppendCommand(rc, "PUBLISH trades:coinbase:BTC-USD %s", t);
            free(t);
        }
        for (int i = start; i < start + BATCH; i++) {
            redisReply *r;
            assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
            freeReplyObject(r);
        }
        for (int i = start; i < start + BATCH; i++) {
            char *t = trade("coinbase", "BTC-USD", i);
            expect_trade(&fast, t);
            free(t);
        }
    }
    struct metric_at_least closed = { w.port, "poeticoins_ws_slow_closed_total", 1 };
    WAIT_FOR(metric_at_least, &closed, 15000, "the slow client to be closed");
    /* The slow client's stream ends: trades it had, then a 1008 close or,
     * after the grace period, a dropped connection. */
    int op, code = 0;
    char *got;
    size_t len;
    while ((op = ws_recv(&slow, 15000, &got, &len, &code)) == 1)
        free(got);
    if (op == 8) {
        assert_int_equal(code, 1008);
        free(got);
    } else {
        assert_int_equal(op, WS_CLOSED);
    }
    assert_int_equal(metric_value(w.port, "poeticoins_ws_slow_closed_total"), 1);
    ws_close(&slow);
    ws_close(&fast);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

/* A client that stops reading for a while, but stays under WS_MAX_QUEUE,
 * gets its whole backlog afterwards: every trade once, in order, with a
 * ping sent in the middle of the backlog answered by a pong between two
 * whole frames. This is the path where the kernel takes only part of a
 * write and the rest waits for the socket to drain. */
static void test_backlogged_client_gets_everything_in_order(void **state)
{
    struct web w;
    const char *env[] = { "WS_MAX_QUEUE=8388608", "WEB_SNDBUF=4096", NULL };
    web_start(&w, env);
    wait_healthy(&w);
    struct ws_client c;
    assert_int_equal(ws_connect(&c, w.port, "/ws", 2048), 101);
    c.control = 1;
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\",\"coinbase:ETH-USD\"]}");
    expect_frame(&c, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\",\"coinbase:ETH-USD\"]}");
    long long before = metric_value(w.port, "poeticoins_ws_frames_out_total");

    /* About 1.3 MB of frames against a few KiB of socket buffers. */
    enum { N = 4000 };
    for (int i = 0; i < N; i++) {
        char *t = trade("coinbase", i % 2 ? "ETH-USD" : "BTC-USD", i);
        redisAppendCommand(rc, "PUBLISH trades:coinbase:%s %s", i % 2 ? "ETH-USD" : "BTC-USD", t);
        free(t);
    }
    for (int i = 0; i < N; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        assert_int_equal(r->integer, 1);
        freeReplyObject(r);
    }
    struct metric_at_least queued = { w.port, "poeticoins_ws_frames_out_total", before + N };
    WAIT_FOR(metric_at_least, &queued, 15000, "every trade to be queued to the client");
    assert_int_equal(ws_send(&c, 9, "are you there", 13), 0);

    int pongs = 0;
    for (int i = 0; i < N;) {
        char *got;
        size_t len;
        int code;
        int op = ws_recv(&c, 10000, &got, &len, &code);
        if (op == 10) {
            assert_string_equal(got, "are you there");
            pongs++;
            free(got);
            continue;
        }
        if (op != 1)
            fail_msg("frame %d of %d: opcode %d", i, N, op);
        char *t = trade("coinbase", i % 2 ? "ETH-USD" : "BTC-USD", i);
        char want[600];
        snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":%s}", t);
        if (strcmp(got, want) != 0)
            fail_msg("frame %d: got '%s', want '%s'", i, got, want);
        free(t);
        free(got);
        i++;
    }
    /* The pong may come after the backlog too: wait for it if it did not
     * come in the middle. */
    while (pongs == 0) {
        char *got;
        size_t len;
        int code;
        assert_int_equal(ws_recv(&c, 10000, &got, &len, &code), 10);
        assert_string_equal(got, "are you there");
        free(got);
        pongs++;
    }
    assert_int_equal(pongs, 1);
    assert_int_equal(metric_value(w.port, "poeticoins_ws_slow_closed_total"), 0);
    ws_close(&c);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

static void test_redis_restart_browsers_stay(void **state)
{
    struct redis_server r2 = { 0 };
    redis_start(&r2, 0, false);
    redisContext *c2 = redis_connect_port(r2.port);
    freeReplyObject(redis_must(c2, "HSET exchange:coinbase products BTC-USD"));
    struct web w;
    char url[64];
    snprintf(url, sizeof url, "REDIS_URL=redis://127.0.0.1:%d", r2.port);
    const char *env[] = { url, NULL };
    web_start(&w, env);
    wait_healthy(&w);
    struct ws_client c;
    connect_ws(&c, &w);
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}");
    expect_frame(&c, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");
    redisFree(c2);

    redis_kill(&r2, SIGKILL);
    struct health down = { w.port, 503 };
    WAIT_FOR(health_is, &down, 10000, "/healthz to report 503");
    redis_start(&r2, r2.port, false);
    c2 = redis_connect_port(r2.port);
    freeReplyObject(redis_must(c2, "HSET exchange:coinbase products BTC-USD"));
    wait_healthy(&w);
    /* The browser kept its connection and its subscription. */
    char *t = trade("coinbase", "BTC-USD", 5);
    freeReplyObject(redis_must(c2, "PUBLISH trades:coinbase:BTC-USD %s", t));
    expect_trade(&c, t);
    free(t);
    redisFree(c2);
    ws_close(&c);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
    redis_kill(&r2, SIGTERM);
}

static void test_max_clients_refused_with_503(void **state)
{
    struct web w;
    const char *env[] = { "WS_MAX_CLIENTS=2", NULL };
    web_start(&w, env);
    wait_healthy(&w);
    struct ws_client a, b, c;
    connect_ws(&a, &w);
    connect_ws(&b, &w);
    assert_int_equal(ws_connect(&c, w.port, "/ws", 0), 503);
    ws_close(&c);
    assert_int_equal(metric_value(w.port, "poeticoins_ws_refused_total"), 1);
    ws_close(&a);
    ws_close(&b);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

/* The whole path: simulators -> ingest services -> Redis -> web -> browser. */
static void test_end_to_end_with_ingest_services(void **state)
{
    freeReplyObject(redis_must(rc, "FLUSHALL"));
    certs_make();
    struct sim cb_sim, bs_sim;
    struct svc cb, bs;
    sim_start(&cb_sim, "coinbase", true, NULL);
    sim_start(&bs_sim, "bitstamp", true, NULL);
    const char *cb_env[] = { "COINBASE_PRODUCTS=BTC-USD,ETH-USD", NULL };
    const char *bs_env[] = { "BITSTAMP_PAIRS=BTC-USD,ETH-EUR", NULL };
    svc_start(&cb, "coinbase", &cb_sim, redis.port, NULL, cb_env);
    svc_start(&bs, "bitstamp", &bs_sim, redis.port, NULL, bs_env);
    struct hash_cond cb_live = { rc, "exchange:coinbase", "state", "live" };
    struct hash_cond bs_live = { rc, "exchange:bitstamp", "state", "live" };
    WAIT_FOR(hash_field_is, &cb_live, 15000, "coinbase live");
    WAIT_FOR(hash_field_is, &bs_live, 15000, "bitstamp live");
    struct llen_cond first = { rc, { "history:coinbase:BTC-USD" }, 1 };
    WAIT_FOR(lists_reach, &first, 15000, "coinbase's last_match in history");

    struct web w;
    web_start(&w, NULL);
    wait_healthy(&w);
    struct ws_client c;
    connect_ws(&c, &w);
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\",\"bitstamp:ETH-EUR\"]}");
    expect_frame(&c, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\",\"bitstamp:ETH-EUR\"]}");
    char *body = sim_control(&cb_sim, "trades?n=3&product=BTC-USD");
    free(body);
    body = sim_control(&bs_sim, "trades?n=3&product=ETH-EUR");
    free(body);
    struct llen_cond landed = { rc, { "history:coinbase:BTC-USD" }, 4 };
    WAIT_FOR(lists_reach, &landed, 15000, "3 new coinbase trades");
    struct llen_cond landed2 = { rc, { "history:bitstamp:ETH-EUR" }, 3 };
    WAIT_FOR(lists_reach, &landed2, 15000, "3 bitstamp trades");

    /* Frames arrive per product in history order; the two products interleave. */
    size_t ncb, nbs, icb = 1, ibs = 0;
    char **cbl = list_oldest_first(rc, "history:coinbase:BTC-USD", &ncb);
    char **bsl = list_oldest_first(rc, "history:bitstamp:ETH-EUR", &nbs);
    assert_int_equal(ncb, 4);
    assert_int_equal(nbs, 3);
    for (int i = 0; i < 6; i++) {
        char *got;
        size_t len;
        int code;
        assert_int_equal(ws_recv(&c, 5000, &got, &len, &code), 1);
        char want[600];
        if (strstr(got, "\"exchange\":\"coinbase\""))
            snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":%s}", cbl[icb++]);
        else
            snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":%s}", bsl[ibs++]);
        assert_string_equal(got, want);
        free(got);
    }
    char want[4000];
    snprintf(want, sizeof want, "[%s,%s]", cbl[3], cbl[2]);
    expect_http(&w, "/api/trades?product=coinbase:BTC-USD&limit=2", 200, want);
    free_strings(cbl, ncb);
    free_strings(bsl, nbs);
    ws_close(&c);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(cb.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(bs.pid, SIGTERM, 10000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_routes, before, after),
        cmocka_unit_test_setup_teardown(test_ws_delivery_exactly_to_subscribers, before, after),
        cmocka_unit_test_setup_teardown(test_ws_bad_messages, before, after),
        cmocka_unit_test_setup_teardown(test_slow_client_closed_others_unaffected, before, after),
        cmocka_unit_test_setup_teardown(test_backlogged_client_gets_everything_in_order, before, after),
        cmocka_unit_test_setup_teardown(test_redis_restart_browsers_stay, before, after),
        cmocka_unit_test_setup_teardown(test_max_clients_refused_with_503, before, after),
        cmocka_unit_test_setup_teardown(test_end_to_end_with_ingest_services, before, after),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("web_integration", tests, setup, teardown);
}
