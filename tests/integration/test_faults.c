/* Fault injection (README, "Reliability"): the real services, a real
 * redis-server and the simulator, which cuts connections, goes silent,
 * duplicates, swaps and skews trades. Each test ends by comparing the
 * complete set of trades in Redis with the simulator's own log of every trade
 * it produced: each exactly once, in order per product. */
#include "web_util.h"

#include <poll.h>
#include <signal.h>
#include <time.h>


static struct redis_server redis;
static redisContext *rc;
static int mark;
static int redis_port; /* the Redis the current test's services use */
static redisContext *shared_rc;

#define BTC "history:coinbase:BTC-USD"
#define ETH "history:coinbase:ETH-USD"

static const char *const base_env[] = { "COINBASE_PRODUCTS=BTC-USD,ETH-USD",
                                        "HISTORY_LEN=100000", "STALE_TIMEOUT_MS=2000",
                                        "REST_MIN_INTERVAL_MS=20", NULL };

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void control(const struct sim *s, const char *path)
{
    char *body = sim_control(s, path);
    if (body == NULL)
        fail_msg("simulator control %s failed", path);
    free(body);
}

/* Starts the simulator (TLS) and the Coinbase service on it; env adds to
 * base_env. REST goes to the simulator too. */
static void start_pair(struct sim *s, struct svc *v, const char *const sim_args[],
                       const char *const extra_env[])
{
    static char rest[96];
    const char *env[12];
    size_t n = 0;
    sim_start(s, "coinbase", true, sim_args);
    snprintf(rest, sizeof rest, "COINBASE_REST_URL=https://127.0.0.1:%d", s->port);
    for (size_t i = 0; base_env[i]; i++)
        env[n++] = base_env[i];
    for (size_t i = 0; extra_env && extra_env[i] && n < 10; i++)
        env[n++] = extra_env[i];
    env[n++] = rest;
    env[n] = NULL;
    svc_start(v, "coinbase", s, redis_port, NULL, env);
}

struct caught_up {
    const struct sim *s;
};

/* Every trade the simulator logged for both products is in Redis. */
static bool caught_up(void *arg)
{
    struct caught_up *c = arg;
    return redis_llen(rc, BTC) == sim_log_count(c->s, "\"product_id\":\"BTC-USD\"") &&
           redis_llen(rc, ETH) == sim_log_count(c->s, "\"product_id\":\"ETH-USD\"");
}

static void wait_caught_up(const struct sim *s, int ms)
{
    struct caught_up c = { s };
    WAIT_FOR(caught_up, &c, ms, "Redis to hold every trade the simulator produced");
    assert_history_matches_sim(rc, s, "coinbase", "BTC-USD");
    assert_history_matches_sim(rc, s, "coinbase", "ETH-USD");
}

static void wait_live(void)
{
    struct hash_cond live = { rc, "exchange:coinbase", "state", "live" };
    WAIT_FOR(hash_field_is, &live, 15000, "state live");
}

/* Produces trades for `ms` milliseconds, two per product every 50 ms; this
 * is load, not synchronisation: nothing waits on it. */
static void trade_for(const struct sim *s, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) {
        control(s, "trades?n=2");
        poll(NULL, 0, 50);
    }
}

static int setup(void **state)
{
    harness_init("faults");
    certs_make();
    redis_start(&redis, 0, true);
    rc = shared_rc = redis_connect_port(redis.port);
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
    redis_port = redis.port;
    freeReplyObject(redis_must(rc, "FLUSHALL"));
    mark = harness_mark();
    return 0;
}

static int after(void **state)
{
    harness_kill_since(mark);
    if (rc != shared_rc) { /* a test that failed while using its own Redis */
        redisFree(rc);
        rc = shared_rc;
    }
    return 0;
}

/* 1. Cuts at random points (between frames, mid-frame, during the
 * subscribe) every second or so, for a minute. */
static void test_random_cuts_lose_nothing(void **state)
{
    struct sim s;
    struct svc v;
    start_pair(&s, &v, NULL, NULL);
    wait_live();
    /* Cuts keep the service's backoff growing (it resets only after a
     * healthy minute), so a cut every 2 s gives several reconnects a minute. */
    control(&s, "chaos?ms=2000&seed=7");
    trade_for(&s, 60000);
    control(&s, "chaos?ms=0");
    long long cuts = sim_stat(&s, "cuts");
    assert_true(cuts >= 5);
    wait_caught_up(&s, 60000);
    struct metric_cond unfilled = { v.health_port, "poeticoins_gaps_unfilled_total{exchange=\"coinbase\"}", 0 };
    assert_true(metric_equals(&unfilled));
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    print_message("    %lld cuts, %lld BTC-USD and %lld ETH-USD trades, all in Redis once\n", cuts,
                  redis_llen(rc, BTC), redis_llen(rc, ETH));
}

/* 2. The exchange goes silent with the socket open; trades happen meanwhile. */
static void test_silent_exchange_detected_and_recovered(void **state)
{
    struct sim s;
    struct svc v;
    start_pair(&s, &v, NULL, NULL);
    wait_live();
    control(&s, "trades?n=5");
    control(&s, "silence?on=1");
    control(&s, "trades?n=7"); /* produced, never sent on this connection */
    struct metric_cond stale = { v.health_port, "poeticoins_exchange_stale_total{exchange=\"coinbase\"}", 1 };
    WAIT_FOR(metric_reaches, &stale, 10000, "the silence to be detected");
    control(&s, "silence?on=0");
    control(&s, "trades?n=3");
    wait_caught_up(&s, 20000);
    assert_true(metric_value(v.health_port, "poeticoins_trades_backfilled_total{exchange=\"coinbase\"}") >= 14);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

/* 3. Redis dies and comes back mid-stream; a browser stays connected. */
static void test_redis_restart_mid_stream(void **state)
{
    struct sim s;
    struct svc v;
    struct redis_server own = { 0 };
    redis_start(&own, 0, true);
    redis_port = own.port;
    redisContext *shared = rc;
    rc = redis_connect_port(own.port);
    start_pair(&s, &v, NULL, NULL);
    wait_live();
    /* The web service and a subscribed browser. */
    struct web w;
    web_start_on(&w, redis_port, NULL);
    wait_healthy(&w);
    struct ws_client c;
    assert_int_equal(ws_connect(&c, w.port, "/ws", 0), 101);
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}");
    char *got;
    size_t len;
    int code;
    assert_int_equal(ws_recv(&c, 5000, &got, &len, &code), 1);
    assert_string_equal(got, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");
    free(got);

    control(&s, "trades?n=10");
    redis_kill(&own, SIGKILL);
    control(&s, "trades?n=10"); /* into the service's queue */
    struct metric_cond queued = { v.health_port, "poeticoins_publish_queue_length{exchange=\"coinbase\"}", 1 };
    WAIT_FOR(metric_reaches, &queued, 10000, "trades held while Redis is down");
    redisFree(rc);
    redis_start(&own, own.port, true);
    rc = redis_connect_port(own.port);
    control(&s, "trades?n=10");
    wait_caught_up(&s, 30000);
    /* The web service renews its subscription when its own Redis connection
     * is back, which can be after the ingest service's: a trade published
     * before that never reaches browsers. Wait for it (healthz 200). */
    wait_healthy(&w);

    /* The browser kept its connection and receives live trades again: the
     * next frame after a new trade is that trade. Frames queued before the
     * restart may come first; read until the newest trade id. */
    control(&s, "trades?n=1&product=BTC-USD");
    wait_caught_up(&s, 10000);
    redisReply *head = redis_must(rc, "LINDEX %s 0", BTC);
    char want[600];
    snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":%s}", head->str);
    freeReplyObject(head);
    bool seen = false;
    while (!seen) {
        int op = ws_recv(&c, 10000, &got, &len, &code);
        if (op != 1)
            fail_msg("browser connection lost or silent (opcode %d)", op);
        seen = strcmp(got, want) == 0;
        free(got);
    }
    ws_close(&c);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    redisFree(rc);
    rc = shared;
}

/* 4. The exchange repeats itself: duplicates and last_match after reconnects. */
static void test_duplicates_and_replays_published_once(void **state)
{
    struct sim s;
    struct svc v;
    start_pair(&s, &v, NULL, NULL);
    wait_live();
    control(&s, "duplicate?n=10");
    control(&s, "trades?n=5");
    control(&s, "drop");
    struct stat_cond again = { &s, "subscribes", 2 };
    WAIT_FOR(stat_reaches, &again, 15000, "a reconnect");
    control(&s, "trades?n=3");
    control(&s, "drop");
    struct stat_cond third = { &s, "subscribes", 3 };
    WAIT_FOR(stat_reaches, &third, 15000, "a second reconnect");
    control(&s, "trades?n=3");
    wait_caught_up(&s, 20000);
    /* 10 repeated frames and 2 x 2 repeated last_match at least. */
    assert_true(metric_value(v.health_port, "poeticoins_trades_duplicate_total{exchange=\"coinbase\"}") >= 14);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

/* 5. One browser stops reading; 100 others get every trade, in order. */
static void test_slow_browser_dropped_hundred_others_complete(void **state)
{
    freeReplyObject(redis_must(rc, "HSET exchange:coinbase products BTC-USD"));
    struct web w;
    const char *wenv[] = { "WS_MAX_QUEUE=65536", NULL };
    web_start_on(&w, redis.port, wenv);
    wait_healthy(&w);
    int web_port = w.port;

    enum { CLIENTS = 100, N = 3000, BATCH = 100 };
    static struct ws_client clients[CLIENTS];
    struct ws_client slow;
    const char *sub = "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}";
    const char *ack = "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}";
    char *got;
    size_t len;
    int code;
    assert_int_equal(ws_connect(&slow, web_port, "/ws", 2048), 101);
    ws_send_text(&slow, sub);
    assert_int_equal(ws_recv(&slow, 5000, &got, &len, &code), 1);
    free(got);
    for (int i = 0; i < CLIENTS; i++) {
        assert_int_equal(ws_connect(&clients[i], web_port, "/ws", 0), 101);
        ws_send_text(&clients[i], sub);
        assert_int_equal(ws_recv(&clients[i], 5000, &got, &len, &code), 1);
        assert_string_equal(got, ack);
        free(got);
    }
    for (int start = 0; start < N; start += BATCH) {
        for (int i = start; i < start + BATCH; i++)
            redisAppendCommand(rc, "PUBLISH trades:coinbase:BTC-USD {\"exchange\":\"coinbase\",\"pair\":\"BTC-USD\",\"price\":\"1.%05d\",\"volume\":\"1\",\"side\":\"buy\",\"trade_id\":\"%d\",\"traded_at\":\"2021-04-17T16:43:37.121358Z\",\"received_at\":\"2021-04-17T16:43:37.121358Z\"}", i, i);
        for (int i = start; i < start + BATCH; i++) {
            redisReply *r;
            assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
            freeReplyObject(r);
        }
        for (int k = 0; k < CLIENTS; k++)
            for (int i = start; i < start + BATCH; i++) {
                char want[400];
                snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":{\"exchange\":\"coinbase\",\"pair\":\"BTC-USD\",\"price\":\"1.%05d\",\"volume\":\"1\",\"side\":\"buy\",\"trade_id\":\"%d\",\"traded_at\":\"2021-04-17T16:43:37.121358Z\",\"received_at\":\"2021-04-17T16:43:37.121358Z\"}}", i, i);
                if (ws_recv(&clients[k], 5000, &got, &len, &code) != 1)
                    fail_msg("client %d lost trade %d", k, i);
                if (strcmp(got, want) != 0)
                    fail_msg("client %d: got %s, want %s", k, got, want);
                free(got);
            }
    }
    struct metric_cond slow_closed = { web_port, "poeticoins_ws_slow_closed_total", 1 };
    WAIT_FOR(metric_equals, &slow_closed, 15000, "the slow browser to be dropped");
    struct metric_cond left = { web_port, "poeticoins_ws_clients", CLIENTS };
    WAIT_FOR(metric_equals, &left, 15000, "exactly the 100 reading clients to remain");
    for (int i = 0; i < CLIENTS; i++)
        ws_close(&clients[i]);
    ws_close(&slow);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

/* 6. SIGTERM in the middle of a burst: everything received reaches Redis. */
static void test_sigterm_during_burst(void **state)
{
    struct sim s;
    struct svc v;
    const char *args[] = { "--rate", "2000", NULL };
    start_pair(&s, &v, args, NULL);
    wait_live();
    struct llen_cond some = { rc, { BTC, ETH }, 200 };
    WAIT_FOR(lists_reach, &some, 15000, "a burst under way");
    assert_int_equal(proc_stop(v.pid, SIGTERM, 15000), 0);
    /* Redis holds a gapless, duplicate-free prefix of what was produced,
     * and the service said it flushed everything it had. */
    assert_true(file_contains(v.log, "every queued trade is in Redis"));
    const char *pairs[] = { "BTC-USD", "ETH-USD" };
    char *log = file_read(s.trade_log, NULL);
    for (int p = 0; p < 2; p++) {
        char key[64];
        snprintf(key, sizeof key, "history:coinbase:%s", pairs[p]);
        size_t n, i = 0;
        char **got = list_oldest_first(rc, key, &n);
        char *copy = strdup(log), *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line && i < n; line = strtok_r(NULL, "\n", &save)) {
            char want[512], alt[512], pair[32], have[512];
            expected_from_frame(line, want, alt, sizeof want, pair, sizeof pair);
            if (strcmp(pair, pairs[p]) != 0)
                continue;
            strip_received_at(got[i], have, sizeof have);
            assert_string_equal(have, want);
            i++;
        }
        assert_int_equal(i, n);
        assert_true(n >= 200);
        free(copy);
        free_strings(got, n);
    }
    free(log);
}

/* 7. Clock skew and trades out of order. */
static void test_clock_skew_and_out_of_order(void **state)
{
    struct sim s;
    struct svc v;
    start_pair(&s, &v, NULL, NULL);
    wait_live();
    control(&s, "skew?ms=-7200000"); /* two hours in the past */
    control(&s, "trades?n=3");
    control(&s, "skew?ms=3600000");  /* one hour in the future */
    control(&s, "trades?n=3");
    control(&s, "skew?ms=0");
    control(&s, "swap?product=BTC-USD");
    control(&s, "trades?n=4");
    control(&s, "swap?product=ETH-USD");
    control(&s, "trades?n=4");
    wait_caught_up(&s, 20000);
    assert_true(metric_value(v.health_port, "poeticoins_gaps_detected_total{exchange=\"coinbase\"}") >= 2);
    assert_int_equal(metric_value(v.health_port, "poeticoins_gaps_unfilled_total{exchange=\"coinbase\"}"), 0);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

/* REST down during a gap: the gap is published, not hidden. */
static void test_unfillable_gap_is_published(void **state)
{
    struct sim s;
    struct svc v;
    start_pair(&s, &v, NULL, NULL);
    wait_live();
    redisContext *sub = redis_connect_port(redis.port);
    /* The gap is declared after the REST retries (about 7 s): a read
     * deadline, not a sleep. */
    redisSetTimeout(sub, (struct timeval){ 30, 0 });
    freeReplyObject(redis_must(sub, "SUBSCRIBE gaps:coinbase:BTC-USD"));
    control(&s, "trades?n=2");
    struct llen_cond two = { rc, { BTC }, 3 };
    WAIT_FOR(lists_reach, &two, 10000, "the first trades");
    redisReply *head = redis_must(rc, "LINDEX %s 0", BTC);
    uint64_t last;
    assert_null(trade_id_from_json(head->str, head->len, &last));
    freeReplyObject(head);
    control(&s, "rest_fail?n=1000");
    control(&s, "silence?on=1");
    control(&s, "trades?n=4&product=BTC-USD"); /* missed: ids last+1..last+4 */
    control(&s, "silence?on=0");
    control(&s, "trades?n=1&product=BTC-USD"); /* id last+5 reveals the gap */
    redisReply *r;
    assert_int_equal(redisGetReply(sub, (void **)&r), REDIS_OK);
    cJSON *gap = cJSON_Parse(r->element[2]->str);
    char want_after[24], want_before[24];
    snprintf(want_after, sizeof want_after, "%llu", (unsigned long long)last);
    snprintf(want_before, sizeof want_before, "%llu", (unsigned long long)last + 5);
    assert_string_equal(cJSON_GetObjectItem(gap, "exchange")->valuestring, "coinbase");
    assert_string_equal(cJSON_GetObjectItem(gap, "pair")->valuestring, "BTC-USD");
    assert_string_equal(cJSON_GetObjectItem(gap, "after_trade_id")->valuestring, want_after);
    assert_string_equal(cJSON_GetObjectItem(gap, "before_trade_id")->valuestring, want_before);
    cJSON_Delete(gap);
    freeReplyObject(r);
    /* The live trade after the gap is still published. */
    struct llen_cond after_gap = { rc, { BTC }, 4 };
    WAIT_FOR(lists_reach, &after_gap, 10000, "the trade after the gap");
    head = redis_must(rc, "LINDEX %s 0", BTC);
    assert_null(trade_id_from_json(head->str, head->len, &last));
    freeReplyObject(head);
    assert_int_equal(strtoull(want_before, NULL, 10), last);
    assert_true(metric_value(v.health_port, "poeticoins_gaps_unfilled_total{exchange=\"coinbase\"}") >= 1);
    struct hash_cond gaps = { rc, "exchange:coinbase", "gaps", "1" };
    WAIT_FOR(hash_field_is, &gaps, 5000, "gaps 1 in the status hash");
    redisFree(sub);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_cuts_lose_nothing, before, after),
        cmocka_unit_test_setup_teardown(test_silent_exchange_detected_and_recovered, before, after),
        cmocka_unit_test_setup_teardown(test_redis_restart_mid_stream, before, after),
        cmocka_unit_test_setup_teardown(test_duplicates_and_replays_published_once, before, after),
        cmocka_unit_test_setup_teardown(test_slow_browser_dropped_hundred_others_complete, before, after),
        cmocka_unit_test_setup_teardown(test_sigterm_during_burst, before, after),
        cmocka_unit_test_setup_teardown(test_clock_skew_and_out_of_order, before, after),
        cmocka_unit_test_setup_teardown(test_unfillable_gap_is_published, before, after),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("faults", tests, setup, teardown);
}
