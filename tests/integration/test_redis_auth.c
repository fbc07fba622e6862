/* Redis with a password (REDIS_URL=redis://:password@host:port): an ingest
 * service and the web service authenticate and trades flow from the
 * simulator to a websocket client; the password never appears in their logs,
 * /metrics or /healthz. A wrong or missing password is logged clearly
 * (without the password) and retried. */
#include "web_util.h"

#include <signal.h>

#define PASSWORD "s3cret-Pa55word"
#define WRONG "wr0ng-Pa55word"

static struct redis_server redis;
static redisContext *rc;
static int mark;

static int setup(void **state)
{
    harness_init("redis-auth");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/www && printf 'ok' > %s/www/index.html",
             harness_dir(), harness_dir());
    assert_int_equal(system(cmd), 0);
    certs_make();
    redis.password = PASSWORD;
    redis_start(&redis, 0, false);
    rc = redis_connect_auth(redis.port, PASSWORD);
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

/* Fails when `secret` occurs in the file or in the body of GET path. */
static void expect_secret_absent_from_file(const char *path, const char *secret)
{
    char *text = file_read(path, NULL);
    assert_non_null(text);
    if (strstr(text, secret))
        fail_msg("%s contains the password", path);
    free(text);
}

static void expect_secret_absent_from_http(int port, const char *path, const char *secret)
{
    int status;
    char *body = http_get(port, path, &status);
    if (body == NULL || status == 0)
        fail_msg("GET %s on %d failed", path, port);
    if (strstr(body, secret))
        fail_msg("GET %s on %d shows the password", path, port);
    free(body);
}

static void test_password_works_and_never_shows(void **state)
{
    char url[200];
    snprintf(url, sizeof url, "REDIS_URL=redis://:%s@127.0.0.1:%d", PASSWORD, redis.port);
    struct sim s;
    sim_start(&s, "coinbase", true, NULL);
    char rest[100];
    snprintf(rest, sizeof rest, "COINBASE_REST_URL=https://127.0.0.1:%d", s.port);
    const char *env[] = { url, rest, "COINBASE_PRODUCTS=BTC-USD", NULL };
    struct svc v;
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    struct hash_cond live = { rc, "exchange:coinbase", "state", "live" };
    WAIT_FOR(hash_field_is, &live, 15000, "coinbase live");
    struct llen_cond first = { rc, { "history:coinbase:BTC-USD" }, 1 };
    WAIT_FOR(lists_reach, &first, 15000, "the last_match in history");

    struct web w;
    const char *wenv[] = { url, NULL };
    web_start_on(&w, redis.port, wenv);
    wait_healthy(&w);
    struct ws_client c;
    assert_int_equal(ws_connect(&c, w.port, "/ws", 0), 101);
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}");
    expect_frame(&c, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");
    free(sim_control(&s, "trades?n=3&product=BTC-USD"));
    struct llen_cond landed = { rc, { "history:coinbase:BTC-USD" }, 4 };
    WAIT_FOR(lists_reach, &landed, 15000, "3 new trades in history");
    /* The browser gets exactly the three new trades, in order. */
    size_t n;
    char **list = list_oldest_first(rc, "history:coinbase:BTC-USD", &n);
    assert_int_equal(n, 4);
    for (size_t i = 1; i < 4; i++) {
        char want[600];
        snprintf(want, sizeof want, "{\"type\":\"trade\",\"trade\":%s}", list[i]);
        expect_frame(&c, want);
    }
    free_strings(list, n);
    ws_close(&c);

    /* The start-up lines show the URL redacted. */
    assert_true(file_contains(v.log, "redis://:***@127.0.0.1:"));
    assert_true(file_contains(w.log, "redis://:***@127.0.0.1:"));
    expect_secret_absent_from_http(v.health_port, "/metrics", PASSWORD);
    expect_secret_absent_from_http(v.health_port, "/healthz", PASSWORD);
    expect_secret_absent_from_http(w.port, "/metrics", PASSWORD);
    expect_secret_absent_from_http(w.port, "/healthz", PASSWORD);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
    expect_secret_absent_from_file(v.log, PASSWORD);
    expect_secret_absent_from_file(w.log, PASSWORD);
}

static void test_wrong_or_missing_password_logged_and_retried(void **state)
{
    char wrong[200], none[200];
    snprintf(wrong, sizeof wrong, "REDIS_URL=redis://:%s@127.0.0.1:%d", WRONG, redis.port);
    snprintf(none, sizeof none, "REDIS_URL=redis://127.0.0.1:%d", redis.port);
    struct sim s;
    sim_start(&s, "coinbase", true, NULL);
    const char *env[] = { wrong, "COINBASE_PRODUCTS=BTC-USD", NULL };
    struct svc v;
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    struct web w, w2;
    const char *wenv[] = { wrong, NULL };
    web_start_on(&w, redis.port, wenv);
    const char *wenv2[] = { none, NULL };
    web_start_on(&w2, redis.port, wenv2);

    /* Each says what failed and that it retries, twice or more. */
    struct log_cond v_auth = { v.log, "AUTH failed: WRONGPASS" };
    WAIT_FOR(log_has, &v_auth, 15000, "coinbase to log the AUTH failure");
    struct log_cond w_auth = { w.log, "AUTH failed: WRONGPASS" };
    WAIT_FOR(log_has, &w_auth, 15000, "web to log the AUTH failure");
    struct log_cond w2_auth = { w2.log, "PING failed: NOAUTH" };
    WAIT_FOR(log_has, &w2_auth, 15000, "web without a password to log NOAUTH");
    struct metric_cond v_retries = { v.health_port,
                                     "poeticoins_redis_reconnects_total{exchange=\"coinbase\"}", 2 };
    WAIT_FOR(metric_reaches, &v_retries, 15000, "coinbase to retry Redis twice");
    struct metric_cond w_retries = { w.port, "poeticoins_redis_reconnects_total", 4 };
    WAIT_FOR(metric_reaches, &w_retries, 15000, "web to retry both connections twice");
    struct log_cond retry = { v.log, "retrying in" };
    assert_true(log_has(&retry));
    struct health down = { w.port, 503 };
    assert_true(health_is(&down));
    assert_int_equal(metric_value(v.health_port, "poeticoins_redis_up{exchange=\"coinbase\"}"), 0);
    /* Nothing reached Redis. */
    assert_int_equal(redis_llen(rc, "history:coinbase:BTC-USD"), 0);
    assert_true(proc_alive(v.pid));
    assert_true(proc_alive(w.pid));
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
    assert_int_equal(proc_stop(w2.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
    expect_secret_absent_from_file(v.log, WRONG);
    expect_secret_absent_from_file(w.log, WRONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_password_works_and_never_shows, before, after),
        cmocka_unit_test_setup_teardown(test_wrong_or_missing_password_logged_and_retried, before, after),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("redis_auth_integration", tests, setup, teardown);
}
