/* Integration tests of the Coinbase ingest service: the real bin/coinbase,
 * a real redis-server on a free port and the exchange simulator over TLS
 * with a CA made for the run. Every test asserts on the exact trades in
 * Redis against the simulator's own log of the trades it produced. */
#include "ingest_util.h"

#include <signal.h>
#include <unistd.h>

static struct redis_server redis;
static redisContext *rc;      /* the Redis the current test checks */
static redisContext *main_rc; /* the shared one */
static int mark;

#define BTC "history:coinbase:BTC-USD"
#define ETH "history:coinbase:ETH-USD"

static size_t history_matches(const struct sim *s, const char *pair)
{
    return assert_history_matches_sim(rc, s, "coinbase", pair);
}

static void wait_lists(const char *a, const char *b, long long want)
{
    struct llen_cond lc = { rc, { a, b }, want };
    char what[128];
    snprintf(what, sizeof what, "%lld trades in %s and %s", want, a, b ? b : "-");
    WAIT_FOR(lists_reach, &lc, 15000, what);
}

static void control(const struct sim *s, const char *path)
{
    char *body = sim_control(s, path);
    if (body == NULL)
        fail_msg("simulator control %s failed", path);
    free(body);
}

static int setup(void **state)
{
    harness_init("coinbase");
    certs_make();
    redis_start(&redis, 0, true);
    rc = main_rc = redis_connect_port(redis.port);
    return 0;
}

static int teardown(void **state)
{
    redisFree(rc);
    harness_cleanup();
    return 0;
}

static int flush(void **state)
{
    rc = main_rc;
    freeReplyObject(redis_must(rc, "FLUSHALL"));
    mark = harness_mark();
    return 0;
}

static int kill_test_processes(void **state)
{
    harness_kill_since(mark);
    if (rc != main_rc)
        redisFree(rc);
    rc = main_rc;
    return 0;
}

static const char *const two_products[] = { "COINBASE_PRODUCTS=BTC-USD,ETH-USD", NULL };

/* Reads pub/sub messages until `count` arrived; fails at the deadline. */
static void read_messages(redisContext *sub, char **out, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        redisReply *r;
        if (redisGetReply(sub, (void **)&r) != REDIS_OK)
            fail_msg("subscriber: message %zu of %zu did not arrive (%s)", i, count,
                     sub->errstr);
        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
        assert_string_equal(r->element[0]->str, "pmessage");
        out[i] = strdup(r->element[3]->str);
        freeReplyObject(r);
    }
}

static void test_trades_once_in_order_across_reconnect(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, NULL);
    redisContext *sub = redis_connect_port(redis.port);
    freeReplyObject(redis_must(sub, "PSUBSCRIBE trades:coinbase:*"));
    svc_start(&v, "coinbase", &s, redis.port, NULL, two_products);

    wait_lists(BTC, ETH, 1); /* last_match of each product */
    control(&s, "trades?n=5");
    wait_lists(BTC, ETH, 6);

    control(&s, "drop");
    struct stat_cond resubscribed = { &s, "subscribes", 2 };
    WAIT_FOR(stat_reaches, &resubscribed, 15000, "the service to reconnect and resubscribe");
    /* The new connection's last_match repeats each product's last trade. */
    struct metric_cond dups = { v.health_port, "poeticoins_trades_duplicate_total{exchange=\"coinbase\"}", 2 };
    WAIT_FOR(metric_equals, &dups, 10000, "both repeated last_match trades to be dropped");
    control(&s, "trades?n=5");
    wait_lists(BTC, ETH, 11);

    assert_int_equal(history_matches(&s, "BTC-USD"), 11);
    assert_int_equal(history_matches(&s, "ETH-USD"), 11);

    /* The channel carried exactly the list's messages, in the same order
     * per product; a final trade shows nothing else was queued before it. */
    control(&s, "trades?n=1");
    char *msgs[24];
    read_messages(sub, msgs, 24);
    size_t nb, ne, ib = 0, ie = 0;
    wait_lists(BTC, ETH, 12);
    char **btc = list_oldest_first(rc, BTC, &nb);
    char **eth = list_oldest_first(rc, ETH, &ne);
    for (size_t i = 0; i < 24; i++) {
        if (strstr(msgs[i], "\"pair\":\"BTC-USD\""))
            assert_string_equal(msgs[i], btc[ib++]);
        else
            assert_string_equal(msgs[i], eth[ie++]);
        free(msgs[i]);
    }
    assert_int_equal(ib, 12);
    assert_int_equal(ie, 12);
    free_strings(btc, nb);
    free_strings(eth, ne);

    struct hash_cond live = { rc, "exchange:coinbase", "state", "live" };
    WAIT_FOR(hash_field_is, &live, 5000, "state live");
    struct hash_cond trades = { rc, "exchange:coinbase", "trades", "24" };
    WAIT_FOR(hash_field_is, &trades, 5000, "trades 24 in the status hash");
    struct hash_cond reconnects = { rc, "exchange:coinbase", "reconnects", "1" };
    WAIT_FOR(hash_field_is, &reconnects, 5000, "reconnects 1 in the status hash");
    struct hash_cond products = { rc, "exchange:coinbase", "products", "BTC-USD,ETH-USD" };
    assert_true(hash_field_is(&products));

    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    redisFree(sub);
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_wrong_ca_is_refused(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, NULL);
    svc_start(&v, "coinbase", &s, redis.port, "other-ca.pem", two_products);
    struct log_cond refused = { v.log, "unable to get local issuer certificate" };
    WAIT_FOR(log_has, &refused, 15000, "the service to log the TLS verification failure");
    struct log_cond retry = { v.log, "reconnecting in" };
    WAIT_FOR(log_has, &retry, 5000, "the service to schedule a retry");
    assert_int_equal(sim_stat(&s, "subscribes"), 0);
    assert_int_equal(redis_llen(rc, BTC), 0);
    assert_int_equal(metric_value(v.health_port, "poeticoins_exchange_connected{exchange=\"coinbase\"}"), 0);
    struct hash_cond state_ = { rc, "exchange:coinbase", "state", "reconnecting" };
    WAIT_FOR(hash_field_is, &state_, 5000, "state reconnecting");
    assert_true(proc_alive(v.pid));
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_redis_restart_loses_nothing(void **state)
{
    struct redis_server r2 = { 0 };
    redis_start(&r2, 0, true);
    rc = redis_connect_port(r2.port);
    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, NULL);
    svc_start(&v, "coinbase", &s, r2.port, NULL, two_products);
    wait_lists(BTC, ETH, 1);
    control(&s, "trades?n=3");
    wait_lists(BTC, ETH, 4);

    redisFree(rc);
    rc = main_rc;
    redis_kill(&r2, SIGKILL);
    struct metric_cond down = { v.health_port, "poeticoins_redis_up{exchange=\"coinbase\"}", 0 };
    WAIT_FOR(metric_equals, &down, 10000, "the service to notice Redis is gone");
    int status;
    char *body = http_get(v.health_port, "/healthz", &status);
    assert_int_equal(status, 503);
    free(body);
    control(&s, "trades?n=3");
    struct metric_cond queued = { v.health_port, "poeticoins_publish_queue_length{exchange=\"coinbase\"}", 6 };
    WAIT_FOR(metric_equals, &queued, 10000, "6 trades held in the queue");

    redis_start(&r2, r2.port, true);
    rc = redis_connect_port(r2.port);
    wait_lists(BTC, ETH, 7);
    queued.want = 0;
    WAIT_FOR(metric_equals, &queued, 10000, "the queue to empty");
    assert_int_equal(history_matches(&s, "BTC-USD"), 7);
    assert_int_equal(history_matches(&s, "ETH-USD"), 7);
    body = http_get(v.health_port, "/healthz", &status);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "\"redis\":\"up\""));
    free(body);

    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_service_restart_publishes_nothing_twice(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, NULL);
    svc_start(&v, "coinbase", &s, redis.port, NULL, two_products);
    wait_lists(BTC, ETH, 1);
    control(&s, "trades?n=2");
    wait_lists(BTC, ETH, 3);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);

    /* The new process learns from the history heads that the repeated
     * last_match is already published. */
    svc_start(&v, "coinbase", &s, redis.port, NULL, two_products);
    struct metric_cond dups = { v.health_port, "poeticoins_trades_duplicate_total{exchange=\"coinbase\"}", 2 };
    WAIT_FOR(metric_equals, &dups, 15000, "the restarted service to drop both repeated trades");
    control(&s, "trades?n=2");
    wait_lists(BTC, ETH, 5);
    assert_int_equal(history_matches(&s, "BTC-USD"), 5);
    assert_int_equal(history_matches(&s, "ETH-USD"), 5);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_sigterm_flushes_queue(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, NULL);
    svc_start(&v, "coinbase", &s, redis.port, NULL, two_products);
    wait_lists(BTC, ETH, 1);
    /* A frozen Redis: the service keeps reading, trades wait in its queue. */
    kill(redis.pid, SIGSTOP);
    control(&s, "trades?n=4");
    struct metric_cond queued = { v.health_port, "poeticoins_publish_queue_length{exchange=\"coinbase\"}", 8 };
    bool ok = wait_for(metric_equals, &queued, 10000);
    kill(v.pid, SIGTERM);
    kill(redis.pid, SIGCONT);
    assert_true(ok);
    assert_int_equal(proc_stop(v.pid, 0, 10000), 0);
    assert_int_equal(redis_llen(rc, BTC), 5);
    assert_int_equal(redis_llen(rc, ETH), 5);
    history_matches(&s, "BTC-USD");
    history_matches(&s, "ETH-USD");
    struct hash_cond stopped = { rc, "exchange:coinbase", "state", "stopped" };
    assert_true(hash_field_is(&stopped));
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_bad_input_is_skipped_and_counted(void **state)
{
    char path[300];
    snprintf(path, sizeof path, "%s/bad-frames.jsonl", harness_dir());
    FILE *f = fopen(path, "w");
    fputs("not json at all\n", f);
    fputs("\x01\x02 binary \xff junk\n", f);
    fputs("{\"type\":\"match\",\"trade_id\":\"x\",\"product_id\":\"BTC-USD\"}\n", f);
    fputs("{\"type\":\"match\",\"trade_id\":5,\"side\":\"sell\",\"size\":\"1\",\"price\":\"1\","
          "\"product_id\":\"DOGE-USD\",\"time\":\"2021-04-17T16:43:37.121358Z\"}\n", f);
    fputs("{\"type\":\"ticker\",\"product_id\":\"BTC-USD\"}\n", f);
    fputs("{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"X is not "
          "valid\"}\n", f);
    fputs("{\"type\":\"l2update\",\"pad\":\"", f);
    for (int i = 0; i < 10000; i++)
        fputc('a', f);
    fputs("\"}\n", f);
    fclose(f);

    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, NULL);
    const char *env[] = { "COINBASE_PRODUCTS=BTC-USD,ETH-USD", "MAX_FRAME_BYTES=4096", NULL };
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    wait_lists(BTC, ETH, 1);
    char inject[400];
    snprintf(inject, sizeof inject, "inject?file=%s", path);
    control(&s, inject);
    struct metric_cond oversized = { v.health_port, "poeticoins_frames_rejected_total{exchange=\"coinbase\",reason=\"oversized\"}", 1 };
    WAIT_FOR(metric_equals, &oversized, 10000, "the oversized frame to be counted");
    control(&s, "trades?n=1");
    wait_lists(BTC, ETH, 2);
    int p = v.health_port;
    assert_int_equal(metric_value(p, "poeticoins_frames_rejected_total{exchange=\"coinbase\",reason=\"json\"}"), 2);
    assert_int_equal(metric_value(p, "poeticoins_frames_rejected_total{exchange=\"coinbase\",reason=\"field\"}"), 1);
    assert_int_equal(metric_value(p, "poeticoins_frames_rejected_total{exchange=\"coinbase\",reason=\"unknown_pair\"}"), 1);
    assert_int_equal(metric_value(p, "poeticoins_exchange_errors_total{exchange=\"coinbase\"}"), 1);
    assert_int_equal(metric_value(p, "poeticoins_frames_ignored_total{exchange=\"coinbase\"}"), 1);
    assert_int_equal(metric_value(p, "poeticoins_trades_published_total{exchange=\"coinbase\"}"), 4);
    assert_true(file_contains(v.log, "\\x01\\x02 binary \\xff junk"));
    assert_true(file_contains(v.log, "exchange reports an error: Failed to subscribe (X is not valid)"));
    history_matches(&s, "BTC-USD");
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_stale_connection_reconnects(void **state)
{
    struct sim s;
    struct svc v;
    const char *sim_args[] = { "--heartbeat-ms", "100", NULL };
    sim_start(&s, "coinbase", true, sim_args);
    const char *env[] = { "COINBASE_PRODUCTS=BTC-USD,ETH-USD", "STALE_TIMEOUT_MS=1000", NULL };
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    wait_lists(BTC, ETH, 1);
    control(&s, "silence?on=1");
    struct metric_cond stale = { v.health_port, "poeticoins_exchange_stale_total{exchange=\"coinbase\"}", 1 };
    WAIT_FOR(metric_reaches, &stale, 10000, "the silent connection to be found stale");
    control(&s, "silence?on=0");
    struct metric_cond connected = { v.health_port, "poeticoins_exchange_connected{exchange=\"coinbase\"}", 1 };
    WAIT_FOR(metric_equals, &connected, 15000, "a new connection");
    struct hash_cond live = { rc, "exchange:coinbase", "state", "live" };
    WAIT_FOR(hash_field_is, &live, 15000, "state live again");
    control(&s, "trades?n=1");
    wait_lists(BTC, ETH, 2);
    history_matches(&s, "BTC-USD");
    history_matches(&s, "ETH-USD");
    assert_true(file_contains(v.log, "stale (no message for"));
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

/* Runs bin/coinbase with one bad variable; returns its exit status. */
static int run_with(const char *assignment, const char *log)
{
    char path[300];
    snprintf(path, sizeof path, "%s/coinbase", harness_bin());
    const char *argv[] = { path, NULL };
    const char *env[] = { assignment, NULL };
    pid_t pid = proc_start(log, argv, env);
    return proc_stop(pid, 0, 10000);
}

static void test_bad_config_exits_2_naming_the_variable(void **state)
{
    const char *cases[][2] = {
        { "HISTORY_LEN=0", "HISTORY_LEN" },
        { "HISTORY_LEN=ten", "HISTORY_LEN" },
        { "COINBASE_URL=http://example.com", "COINBASE_URL" },
        { "COINBASE_PRODUCTS=btc-usd", "COINBASE_PRODUCTS" },
        { "REDIS_URL=redis://:hunter2@localhost:99999", "REDIS_URL" },
        { "TLS_CA_FILE=/nonexistent/ca.pem", "TLS_CA_FILE" },
        { "LOG_LEVEL=loud", "LOG_LEVEL" },
        { "HEALTH_PORT=70000", "HEALTH_PORT" },
        { "PUBLISH_QUEUE_LEN=-1", "PUBLISH_QUEUE_LEN" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char log[300];
        snprintf(log, sizeof log, "%s/config-%zu.log", harness_dir(), i);
        int status = run_with(cases[i][0], log);
        if (status != 2)
            fail_msg("%s: exit status %d, want 2", cases[i][0], status);
        assert_true(file_contains(log, cases[i][1]));
        assert_false(file_contains(log, "hunter2"));
    }
    char log[300];
    snprintf(log, sizeof log, "%s/help.log", harness_dir());
    char path[300];
    snprintf(path, sizeof path, "%s/coinbase", harness_bin());
    const char *argv[] = { path, "--help", NULL };
    assert_int_equal(proc_stop(proc_start(log, argv, NULL), 0, 10000), 0);
    const char *vars[] = { "REDIS_URL", "COINBASE_URL", "COINBASE_PRODUCTS", "HISTORY_LEN",
                           "LOG_LEVEL", "TLS_CA_FILE", "HEALTH_PORT", "PUBLISH_QUEUE_LEN",
                           "wss://ws-feed.exchange.coinbase.com" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        assert_true(file_contains(log, vars[i]));
}

static void test_recorded_feed_replayed_end_to_end(void **state)
{
    /* The recorded feed's ten products; its trades must land exactly as the
     * unit test's expectation file says, minus received_at. */
    const char *products = "COINBASE_PRODUCTS=BAND-GBP,BAND-BTC,YFI-BTC,NU-GBP,CRV-EUR,"
                           "SKL-GBP,SKL-USD,SKL-BTC,NMR-EUR,DASH-BTC";
    char replay[300];
    snprintf(replay, sizeof replay, "%s/coinbase-feed.jsonl", harness_fixtures());
    const char *sim_args[] = { "--replay", replay, NULL };
    struct sim s;
    struct svc v;
    sim_start(&s, "coinbase", true, sim_args);
    const char *env[] = { products, NULL };
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    struct metric_cond all = { v.health_port, "poeticoins_trades_published_total{exchange=\"coinbase\"}", 107 };
    WAIT_FOR(metric_equals, &all, 15000, "the 107 recorded trades to be published");

    char path[300];
    snprintf(path, sizeof path, "%s/expected/coinbase-trades.jsonl", harness_fixtures());
    char *expected = file_read(path, NULL);
    assert_non_null(expected);
    /* Per product, the expected lines in order must equal the list read
     * oldest first. */
    const char *pairs[] = { "BAND-GBP", "BAND-BTC", "YFI-BTC", "NU-GBP", "CRV-EUR",
                            "SKL-GBP", "SKL-USD", "SKL-BTC", "NMR-EUR", "DASH-BTC" };
    size_t total = 0;
    for (size_t p = 0; p < 10; p++) {
        char key[64], needle[48];
        snprintf(key, sizeof key, "history:coinbase:%s", pairs[p]);
        snprintf(needle, sizeof needle, "\"pair\":\"%s\"", pairs[p]);
        size_t n, i = 0;
        char **got = list_oldest_first(rc, key, &n);
        char *copy = strdup(expected);
        for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
            if (!strstr(line, needle))
                continue;
            char want[512], have[512];
            strip_received_at(line, want, sizeof want);
            if (i >= n)
                fail_msg("%s: missing %s", pairs[p], want);
            strip_received_at(got[i++], have, sizeof have);
            assert_string_equal(have, want);
        }
        assert_int_equal(i, n);
        total += n;
        free(copy);
        free_strings(got, n);
    }
    assert_int_equal(total, 107);
    free(expected);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trades_once_in_order_across_reconnect, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_wrong_ca_is_refused, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_redis_restart_loses_nothing, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_service_restart_publishes_nothing_twice, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_sigterm_flushes_queue, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_bad_input_is_skipped_and_counted, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_stale_connection_reconnects, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_bad_config_exits_2_naming_the_variable, flush, kill_test_processes),
        cmocka_unit_test_setup_teardown(test_recorded_feed_replayed_end_to_end, flush, kill_test_processes),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("coinbase_integration", tests, setup, teardown);
}
