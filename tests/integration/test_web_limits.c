/* Integration tests of the web service's limits against hostile clients:
 * HTTP request size and header count (h2o's parser), request bodies,
 * messages per second per websocket client, products per client, and the
 * Origin check of the websocket handshake. The real bin/web against a real
 * redis-server on loopback. */
#include "web_util.h"

#include <signal.h>

static struct redis_server redis;
static redisContext *rc;
static int mark;

static int setup(void **state)
{
    harness_init("web-limits");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/www && printf 'ok' > %s/www/index.html",
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
    freeReplyObject(redis_must(rc, "HSET exchange:coinbase products BTC-USD,ETH-USD"));
    mark = harness_mark();
    return 0;
}

static int after(void **state)
{
    harness_kill_since(mark);
    return 0;
}

static void start(struct web *w, const char *const env[])
{
    web_start_on(w, redis.port, env);
    wait_healthy(w);
}

/* A GET of /healthz with `extra` headers "X-Hn: v" and one header of
 * `filler` bytes (0: none); returns the status. */
static int get_with(const struct web *w, int extra, size_t filler)
{
    size_t cap = 1024 + (size_t)extra * 32 + filler;
    char *req = malloc(cap);
    size_t o = (size_t)snprintf(req, cap, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "Connection: close\r\n");
    for (int i = 0; i < extra; i++)
        o += (size_t)snprintf(req + o, cap - o, "X-H%d: v\r\n", i);
    if (filler) {
        o += (size_t)snprintf(req + o, cap - o, "X-Filler: ");
        memset(req + o, 'a', filler);
        o += filler;
        o += (size_t)snprintf(req + o, cap - o, "\r\n");
    }
    o += (size_t)snprintf(req + o, cap - o, "\r\n");
    int status;
    free(http_request(w->port, req, o, &status));
    free(req);
    return status;
}

static void test_http_request_limits(void **state)
{
    struct web w;
    start(&w, NULL);
    /* At most 100 headers (Host and Connection are two of them). */
    assert_int_equal(get_with(&w, 98, 0), 200);
    assert_int_equal(get_with(&w, 99, 0), 400);
    /* The request line and headers up to h2o's H2O_MAX_REQLEN (417792 bytes). */
    assert_int_equal(get_with(&w, 0, 400000), 200);
    assert_int_equal(get_with(&w, 0, 420000), 400);
    /* Bodies up to 16 KiB; only GET is served anyway. */
    char req[256];
    int n = snprintf(req, sizeof req, "POST /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      "Connection: close\r\nContent-Length: 20000\r\n\r\n");
    size_t len = (size_t)n + 20000;
    char *big = malloc(len);
    memcpy(big, req, (size_t)n);
    memset(big + n, 'a', 20000);
    int status;
    free(http_request(w.port, big, len, &status));
    assert_int_equal(status, 413);
    n = snprintf(req, sizeof req, "POST /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Connection: close\r\nContent-Length: 100\r\n\r\n");
    memcpy(big, req, (size_t)n);
    memset(big + n, 'a', 100);
    char *body = http_request(w.port, big, (size_t)n + 100, &status);
    assert_int_equal(status, 405);
    assert_string_equal(body, "{\"error\":\"only GET is supported\"}");
    free(body);
    free(big);
    /* Still serving. */
    assert_int_equal(get_with(&w, 0, 0), 200);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

static void test_ws_message_rate(void **state)
{
    struct web w;
    const char *env[] = { "WS_MAX_MSGS_PER_SEC=5", NULL };
    start(&w, env);
    struct ws_client flood, calm;
    assert_int_equal(ws_connect(&flood, w.port, "/ws", 0), 101);
    assert_int_equal(ws_connect(&calm, w.port, "/ws", 0), 101);
    /* Six messages at once: five are answered, the sixth gets an error frame
     * and the connection is closed with 1008; later ones are not read. */
    for (int i = 0; i < 8; i++)
        assert_int_equal(ws_send_text(&flood, "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\"]}"), 0);
    for (int i = 0; i < 5; i++)
        expect_frame(&flood, "{\"type\":\"subscribed\",\"products\":[\"coinbase:BTC-USD\"]}");
    expect_frame(&flood, "{\"type\":\"error\",\"error\":\"too many messages: at most 5 a second (WS_MAX_MSGS_PER_SEC)\"}");
    expect_close(&flood, 1008);
    ws_close(&flood);
    assert_int_equal(metric_value(w.port, "poeticoins_ws_flood_closed_total"), 1);
    struct log_cond logged = { w.log, "websocket client over WS_MAX_MSGS_PER_SEC (5), closing with 1008" };
    WAIT_FOR(log_has, &logged, 5000, "the flood log line");
    /* Another client is unaffected. */
    ws_send_text(&calm, "{\"type\":\"subscribe\",\"products\":[\"coinbase:ETH-USD\"]}");
    expect_frame(&calm, "{\"type\":\"subscribed\",\"products\":[\"coinbase:ETH-USD\"]}");
    ws_close(&calm);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

static void test_ws_products_per_client(void **state)
{
    /* 201 announced products; one client may hold 200 of them. */
    char *list = malloc(201 * 16);
    size_t o = 0;
    for (int i = 0; i < 201; i++)
        o += (size_t)sprintf(list + o, "%sA%d-USD", i ? "," : "", i);
    freeReplyObject(redis_must(rc, "HSET exchange:coinbase products %s", list));
    free(list);
    struct web w;
    start(&w, NULL);
    struct ws_client c;
    assert_int_equal(ws_connect(&c, w.port, "/ws", 0), 101);
    char *msg = malloc(201 * 24 + 64), *want = malloc(201 * 24 + 64);
    size_t m = (size_t)sprintf(msg, "{\"type\":\"subscribe\",\"products\":[");
    size_t n = (size_t)sprintf(want, "{\"type\":\"subscribed\",\"products\":[");
    for (int i = 0; i < 200; i++) {
        m += (size_t)sprintf(msg + m, "%s\"coinbase:A%d-USD\"", i ? "," : "", i);
        n += (size_t)sprintf(want + n, "%s\"coinbase:A%d-USD\"", i ? "," : "", i);
    }
    sprintf(msg + m, "]}");
    sprintf(want + n, "]}");
    ws_send_text(&c, msg);
    expect_frame(&c, want);
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:A200-USD\"]}");
    expect_frame(&c, "{\"type\":\"error\",\"error\":\"too many products: at most 200 per connection\"}");
    expect_frame(&c, want); /* the set is unchanged */
    /* Room again after an unsubscribe. */
    ws_send_text(&c, "{\"type\":\"unsubscribe\",\"products\":[\"coinbase:A0-USD\"]}");
    char *got;
    size_t len;
    int code;
    assert_int_equal(ws_recv(&c, 5000, &got, &len, &code), 1);
    free(got);
    ws_send_text(&c, "{\"type\":\"subscribe\",\"products\":[\"coinbase:A200-USD\"]}");
    assert_int_equal(ws_recv(&c, 5000, &got, &len, &code), 1);
    assert_non_null(strstr(got, "\"coinbase:A200-USD\"]}"));
    assert_null(strstr(got, "\"coinbase:A0-USD\""));
    free(got);
    free(msg);
    free(want);
    ws_close(&c);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

/* The handshake's status with this Origin header ("" for none); a refusal's
 * body is compared with want_body. */
static void expect_origin(const struct web *w, const char *origin, int want_status,
                          const char *want_body)
{
    char headers[300] = "";
    if (origin[0])
        snprintf(headers, sizeof headers, "Origin: %s\r\n", origin);
    struct ws_client c;
    int status = ws_connect_headers(&c, w->port, "/ws", 0, headers);
    if (status != want_status)
        fail_msg("Origin '%s': status %d, want %d", origin, status, want_status);
    if (want_body) {
        char *body = strndup(c.buf, c.len);
        assert_string_equal(body, want_body);
        free(body);
    }
    ws_close(&c);
}

static void test_ws_origin(void **state)
{
    struct web w;
    const char *env[] = { "WEB_ALLOWED_ORIGINS=https://dash.example.com,http://localhost:3000", NULL };
    start(&w, env);
    char own[64];
    snprintf(own, sizeof own, "http://127.0.0.1:%d", w.port);
    expect_origin(&w, "", 101, NULL);                   /* curl, scripts */
    expect_origin(&w, own, 101, NULL);                  /* the dashboard itself */
    snprintf(own, sizeof own, "https://127.0.0.1:%d", w.port);
    expect_origin(&w, own, 101, NULL);                  /* behind a TLS proxy */
    expect_origin(&w, "https://dash.example.com", 101, NULL);
    expect_origin(&w, "HTTP://LOCALHOST:3000", 101, NULL);
    expect_origin(&w, "https://evil.example", 403,
                  "{\"error\":\"origin 'https://evil.example' is not allowed (WEB_ALLOWED_ORIGINS)\"}");
    expect_origin(&w, "https://dash.example.com.evil.example", 403, NULL);
    expect_origin(&w, "https://dash.example", 403, NULL);
    expect_origin(&w, "http://localhost:3000,https://x", 403, NULL);
    expect_origin(&w, "http://127.0.0.1:1", 403, NULL); /* same address, other port */
    expect_origin(&w, "null", 403, NULL);
    expect_origin(&w, "https://a\"<b>", 403,
                  "{\"error\":\"origin 'https://a\\\"<b>' is not allowed (WEB_ALLOWED_ORIGINS)\"}");
    assert_int_equal(metric_value(w.port, "poeticoins_ws_origin_refused_total"), 7);
    assert_int_equal(metric_value(w.port, "poeticoins_ws_clients"), 0);
    assert_true(file_contains(w.log, "websocket handshake from origin 'https://evil.example' refused"));
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);

    /* Without WEB_ALLOWED_ORIGINS only the own host is allowed. */
    start(&w, NULL);
    snprintf(own, sizeof own, "http://127.0.0.1:%d", w.port);
    expect_origin(&w, own, 101, NULL);
    expect_origin(&w, "https://dash.example.com", 403, NULL);
    assert_int_equal(proc_stop(w.pid, SIGTERM, 10000), 0);
}

static void test_config_errors(void **state)
{
    const char *bad[][2] = {
        { "WEB_ALLOWED_ORIGINS=https://dash.example.com/", "WEB_ALLOWED_ORIGINS has 'https://dash.example.com/'" },
        { "WEB_ALLOWED_ORIGINS=dash.example.com", "WEB_ALLOWED_ORIGINS has 'dash.example.com'" },
        { "WEB_ALLOWED_ORIGINS=https://a.com,,https://b.com", "WEB_ALLOWED_ORIGINS has ''" },
        { "WS_MAX_MSGS_PER_SEC=0", "WS_MAX_MSGS_PER_SEC='0' (environment) is out of range" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct web w;
        const char *env[] = { bad[i][0], NULL };
        web_start_on(&w, redis.port, env);
        assert_int_equal(proc_stop(w.pid, 0, 10000), 2);
        if (!file_contains(w.log, bad[i][1]))
            fail_msg("%s: log lacks \"%s\"", bad[i][0], bad[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_request_limits, before, after),
        cmocka_unit_test_setup_teardown(test_ws_message_rate, before, after),
        cmocka_unit_test_setup_teardown(test_ws_products_per_client, before, after),
        cmocka_unit_test_setup_teardown(test_ws_origin, before, after),
        cmocka_unit_test_setup_teardown(test_config_errors, before, after),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("web_limits_integration", tests, setup, teardown);
}
