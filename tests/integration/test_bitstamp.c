/* Integration tests of the Bitstamp ingest service: the real bin/bitstamp,
 * a real redis-server and the simulator over TLS. Assertions are on the
 * exact trades in Redis against the simulator's log of what it produced. */
#include "ingest_util.h"

#include <signal.h>


static struct redis_server redis;
static redisContext *rc;
static int mark;

#define BTC "history:bitstamp:BTC-USD"
#define ETH "history:bitstamp:ETH-USD"

static const char *const two_pairs[] = { "BITSTAMP_PAIRS=BTC-USD,ETH-USD", NULL };

static size_t history_matches(const struct sim *s, const char *pair)
{
    return assert_history_matches_sim(rc, s, "bitstamp", pair);
}

static void wait_lists(long long want)
{
    struct llen_cond lc = { rc, { BTC, ETH }, want };
    char what[64];
    snprintf(what, sizeof what, "%lld trades per pair", want);
    WAIT_FOR(lists_reach, &lc, 15000, what);
}

static void control(const struct sim *s, const char *path)
{
    char *body = sim_control(s, path);
    if (body == NULL)
        fail_msg("simulator control %s failed", path);
    free(body);
}

static void wait_live(void)
{
    struct hash_cond live = { rc, "exchange:bitstamp", "state", "live" };
    WAIT_FOR(hash_field_is, &live, 15000, "state live");
}

static int setup(void **state)
{
    harness_init("bitstamp");
    certs_make();
    redis_start(&redis, 0, true);
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
    mark = harness_mark();
    return 0;
}

static int after(void **state)
{
    harness_kill_since(mark);
    return 0;
}

static void test_trades_once_in_order_across_request_reconnect(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "bitstamp", true, NULL);
    svc_start(&v, "bitstamp", &s, redis.port, NULL, two_pairs);
    struct stat_cond subscribed = { &s, "subscribes", 2 };
    WAIT_FOR(stat_reaches, &subscribed, 15000, "one subscribe per pair");
    wait_live();
    control(&s, "trades?n=5");
    wait_lists(5);

    control(&s, "request_reconnect");
    struct stat_cond again = { &s, "subscribes", 4 };
    WAIT_FOR(stat_reaches, &again, 15000, "a reconnect and a new subscribe per pair");
    struct metric_cond open = { v.health_port, "poeticoins_exchange_connected{exchange=\"bitstamp\"}", 1 };
    WAIT_FOR(metric_equals, &open, 10000, "the new connection");
    wait_live();
    control(&s, "trades?n=5");
    wait_lists(10);
    assert_int_equal(history_matches(&s, "BTC-USD"), 10);
    assert_int_equal(history_matches(&s, "ETH-USD"), 10);
    assert_true(file_contains(v.log, "exchange asks for a reconnect"));
    struct hash_cond reconnects = { rc, "exchange:bitstamp", "reconnects", "1" };
    WAIT_FOR(hash_field_is, &reconnects, 5000, "reconnects 1");
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

static void test_missing_heartbeat_reply_reconnects(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "bitstamp", true, NULL);
    const char *env[] = { "BITSTAMP_PAIRS=BTC-USD,ETH-USD", "BITSTAMP_HEARTBEAT_MS=1000",
                          "STALE_TIMEOUT_MS=2500", NULL };
    svc_start(&v, "bitstamp", &s, redis.port, NULL, env);
    wait_live();
    struct stat_cond beats = { &s, "heartbeats_received", 2 };
    WAIT_FOR(stat_reaches, &beats, 10000, "heartbeats from the service");
    /* Replies keep the quiet connection alive: no trades, yet not stale. */
    assert_int_equal(metric_value(v.health_port, "poeticoins_exchange_stale_total{exchange=\"bitstamp\"}"), 0);
    control(&s, "heartbeat_replies?on=0");
    struct metric_cond stale = { v.health_port, "poeticoins_exchange_stale_total{exchange=\"bitstamp\"}", 1 };
    WAIT_FOR(metric_reaches, &stale, 15000, "the connection without replies to go stale");
    control(&s, "heartbeat_replies?on=1");
    struct stat_cond again = { &s, "subscribes", 4 };
    WAIT_FOR(stat_reaches, &again, 15000, "a new connection subscribing again");
    wait_live();
    control(&s, "trades?n=2");
    wait_lists(2);
    assert_int_equal(history_matches(&s, "BTC-USD"), 2);
    assert_int_equal(history_matches(&s, "ETH-USD"), 2);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

static void test_unconfirmed_subscribe_is_retried(void **state)
{
    struct sim s;
    struct svc v;
    sim_start(&s, "bitstamp", true, NULL);
    control(&s, "silence?on=1");
    const char *env[] = { "BITSTAMP_PAIRS=BTC-USD,ETH-USD", "BITSTAMP_SUBSCRIBE_TIMEOUT_MS=500",
                          "STALE_TIMEOUT_MS=60000", NULL };
    svc_start(&v, "bitstamp", &s, redis.port, NULL, env);
    struct log_cond retried = { v.log, "BTC-USD not confirmed within 500 ms, subscribing again" };
    WAIT_FOR(log_has, &retried, 15000, "the unconfirmed subscribe to be retried");
    struct stat_cond more = { &s, "subscribes", 4 };
    WAIT_FOR(stat_reaches, &more, 10000, "the retried subscribes at the simulator");
    control(&s, "silence?on=0");
    wait_live();
    control(&s, "trades?n=1");
    wait_lists(1);
    assert_int_equal(history_matches(&s, "BTC-USD"), 1);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

static void test_recorded_feed_replayed_end_to_end(void **state)
{
    char replay[300];
    snprintf(replay, sizeof replay, "%s/bitstamp-feed.jsonl", harness_fixtures());
    const char *sim_args[] = { "--replay", replay, NULL };
    struct sim s;
    struct svc v;
    sim_start(&s, "bitstamp", true, sim_args);
    const char *env[] = { "BITSTAMP_PAIRS=ETH-USD", NULL };
    svc_start(&v, "bitstamp", &s, redis.port, NULL, env);
    struct metric_cond all = { v.health_port, "poeticoins_trades_published_total{exchange=\"bitstamp\"}", 10 };
    WAIT_FOR(metric_equals, &all, 15000, "the 10 recorded trades to be published");
    char path[300];
    snprintf(path, sizeof path, "%s/expected/bitstamp-trades.jsonl", harness_fixtures());
    char *expected = file_read(path, NULL);
    size_t n, i = 0;
    char **got = list_oldest_first(rc, "history:bitstamp:ETH-USD", &n);
    for (char *line = strtok(expected, "\n"); line; line = strtok(NULL, "\n")) {
        char want[512], have[512];
        strip_received_at(line, want, sizeof want);
        assert_true(i < n);
        strip_received_at(got[i++], have, sizeof have);
        assert_string_equal(have, want);
    }
    assert_int_equal(i, 10);
    assert_int_equal(n, 10);
    free_strings(got, n);
    free(expected);
    /* The recorded feed's other channels are order books and acks for pairs
     * we did not configure: ignored, never an error. */
    assert_int_equal(metric_value(v.health_port, "poeticoins_frames_rejected_total{exchange=\"bitstamp\",reason=\"field\"}"), 0);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
}

/* Both exchanges into one Redis: a subscriber to trades:* sees messages of
 * the same shape, telling them apart only by their exchange field. */
static void test_side_by_side_with_coinbase(void **state)
{
    struct sim cb_sim, bs_sim;
    struct svc cb, bs;
    sim_start(&cb_sim, "coinbase", true, NULL);
    sim_start(&bs_sim, "bitstamp", true, NULL);
    redisContext *sub = redis_connect_port(redis.port);
    freeReplyObject(redis_must(sub, "PSUBSCRIBE trades:*"));
    const char *cb_env[] = { "COINBASE_PRODUCTS=BTC-USD", NULL };
    const char *bs_env[] = { "BITSTAMP_PAIRS=BTC-USD", NULL };
    svc_start(&cb, "coinbase", &cb_sim, redis.port, NULL, cb_env);
    svc_start(&bs, "bitstamp", &bs_sim, redis.port, NULL, bs_env);
    wait_live();
    struct llen_cond first = { rc, { "history:coinbase:BTC-USD" }, 1 };
    WAIT_FOR(lists_reach, &first, 15000, "coinbase's last_match");
    control(&bs_sim, "trades?n=1");
    struct llen_cond bs_first = { rc, { BTC }, 1 };
    WAIT_FOR(lists_reach, &bs_first, 15000, "a bitstamp trade");
    int seen_cb = 0, seen_bs = 0;
    for (int i = 0; i < 2; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(sub, (void **)&r), REDIS_OK);
        const char *msg = r->element[3]->str;
        cJSON *j = cJSON_Parse(msg);
        const char *keys[] = { "exchange", "pair", "price", "volume", "side", "trade_id",
                               "traded_at", "received_at" };
        const cJSON *item = j->child;
        for (size_t k = 0; k < 8; k++, item = item->next) {
            assert_non_null(item);
            assert_string_equal(item->string, keys[k]);
            assert_true(cJSON_IsString(item));
        }
        assert_null(item);
        assert_string_equal(cJSON_GetObjectItem(j, "pair")->valuestring, "BTC-USD");
        if (strcmp(cJSON_GetObjectItem(j, "exchange")->valuestring, "coinbase") == 0)
            seen_cb++;
        else if (strcmp(cJSON_GetObjectItem(j, "exchange")->valuestring, "bitstamp") == 0)
            seen_bs++;
        char channel[64];
        snprintf(channel, sizeof channel, "trades:%s:BTC-USD",
                 cJSON_GetObjectItem(j, "exchange")->valuestring);
        assert_string_equal(r->element[2]->str, channel);
        cJSON_Delete(j);
        freeReplyObject(r);
    }
    assert_int_equal(seen_cb, 1);
    assert_int_equal(seen_bs, 1);
    redisFree(sub);
    assert_int_equal(proc_stop(cb.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(bs.pid, SIGTERM, 10000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trades_once_in_order_across_request_reconnect, before, after),
        cmocka_unit_test_setup_teardown(test_missing_heartbeat_reply_reconnects, before, after),
        cmocka_unit_test_setup_teardown(test_unconfirmed_subscribe_is_retried, before, after),
        cmocka_unit_test_setup_teardown(test_recorded_feed_replayed_end_to_end, before, after),
        cmocka_unit_test_setup_teardown(test_side_by_side_with_coinbase, before, after),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("bitstamp_integration", tests, setup, teardown);
}
