/* Unit tests of libcommon's pure helpers: URLs, config values, backoff, log,
 * the lean Redis reply reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backoff.h"
#include "config.h"
#include "log.h"
#include "redis_conn.h"
#include "url.h"

static void test_ws_url(void **state)
{
    struct ws_url u;
    assert_null(url_parse_ws("wss://ws-feed.exchange.coinbase.com", &u));
    assert_true(u.tls);
    assert_string_equal(u.host, "ws-feed.exchange.coinbase.com");
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/");
    assert_null(url_parse_ws("ws://127.0.0.1:9000/feed?x=1", &u));
    assert_false(u.tls);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 9000);
    assert_string_equal(u.path, "/feed?x=1");
    assert_null(url_parse_ws("wss://[::1]:8443", &u));
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 8443);
    const char *bad[] = { "", "http://x", "wss://", "wss://:80", "wss://h:0", "wss://h:65536",
                          "wss://h:12a", "wss://user:pw@h", "wss://h/a b", "wss://[::1",
                          "wss://h$x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (url_parse_ws(bad[i], &u) == NULL)
            fail_msg("accepted '%s'", bad[i]);
}

static void test_redis_url(void **state)
{
    struct redis_url u;
    char shown[300];
    assert_null(url_parse_redis("redis://127.0.0.1:6379", &u));
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_string_equal(u.password, "");
    assert_null(url_parse_redis("redis://:s3cr@t@redis:6380/2", &u));
    assert_string_equal(u.password, "s3cr@t");
    assert_string_equal(u.host, "redis");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 2);
    url_redis_redacted(&u, shown, sizeof shown);
    assert_string_equal(shown, "redis://:***@redis:6380/2");
    assert_null(url_parse_redis("redis://default:pw@h", &u));
    assert_string_equal(u.password, "pw");
    assert_int_equal(u.port, 6379);
    const char *bad[] = { "", "rediss://h", "redis://", "redis://h:99999", "redis://h/x",
                          "redis://h/999999", "redis://pw@h", "redis://:@h" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (url_parse_redis(bad[i], &u) == NULL)
            fail_msg("accepted '%s'", bad[i]);
}

static void test_config_values(void **state)
{
    long long n = 0;
    struct pair_list pairs;
    int level = -1;
    const char *file = "x";
    struct config_var int_var = { "N", CONFIG_INT, "5", 1, 10, "", &n };
    struct config_var pair_var = { "P", CONFIG_PAIRS, "", 0, 0, "", &pairs };
    struct config_var level_var = { "L", CONFIG_LOG_LEVEL, "", 0, 0, "", &level };
    struct config_var file_var = { "F", CONFIG_FILE, "", 0, 0, "", &file };
    assert_null(config_parse_value(&int_var, "10"));
    assert_int_equal(n, 10);
    assert_non_null(config_parse_value(&int_var, "11"));
    assert_non_null(config_parse_value(&int_var, "0"));
    assert_non_null(config_parse_value(&int_var, "5x"));
    assert_non_null(config_parse_value(&int_var, ""));
    assert_non_null(config_parse_value(&int_var, "99999999999999999999999"));
    assert_int_equal(n, 10);

    assert_null(config_parse_value(&pair_var, "BTC-USD,ETH-EUR"));
    assert_int_equal(pairs.count, 2);
    assert_string_equal(pairs.names[1], "ETH-EUR");
    char joined[64];
    pair_list_join(&pairs, joined, sizeof joined);
    assert_string_equal(joined, "BTC-USD,ETH-EUR");
    const char *bad_pairs[] = { "", ",", "BTC-USD,", ",BTC-USD", "BTC-USD,,ETH-USD", "btc-usd",
                                "BTC-USD,BTC-USD", "BTCUSD" };
    for (size_t i = 0; i < sizeof bad_pairs / sizeof bad_pairs[0]; i++)
        if (config_parse_value(&pair_var, bad_pairs[i]) == NULL)
            fail_msg("accepted pairs '%s'", bad_pairs[i]);

    assert_null(config_parse_value(&level_var, "WARN"));
    assert_int_equal(level, LOGL_WARN);
    assert_non_null(config_parse_value(&level_var, "verbose"));
    assert_null(config_parse_value(&file_var, ""));
    assert_null(file);
    assert_non_null(config_parse_value(&file_var, "/nonexistent/ca.pem"));
}

static void test_backoff_sequence(void **state)
{
    struct backoff b;
    backoff_init(&b, 500, 30000, 60000, 42);
    uint64_t now = 1000;
    uint64_t upper = 500;
    for (int i = 0; i < 12; i++) {
        uint64_t d = backoff_next(&b, now);
        assert_true(d >= upper / 2 && d <= upper);
        upper = upper * 2 > 30000 ? 30000 : upper * 2;
        now += d;
    }
    /* A connection that fails before a healthy minute keeps the long delays. */
    backoff_connected(&b, now);
    uint64_t d = backoff_next(&b, now + 59999);
    assert_true(d >= 15000 && d <= 30000);
    /* A healthy minute resets to the base delay. */
    backoff_connected(&b, now);
    d = backoff_next(&b, now + 60000);
    assert_true(d >= 250 && d <= 500);
}

static void test_log_escape(void **state)
{
    char out[32];
    assert_string_equal(log_escape("a\nb\\c\x01\xff", 7, out, sizeof out), "a\\x0ab\\\\c\\x01\\xff");
    char big[100];
    memset(big, 'z', sizeof big);
    log_escape(big, sizeof big, out, sizeof out);
    assert_int_equal(strlen(out), 31);
    assert_memory_equal(out + 28, "...", 3);
}

static void test_log_ratelimit(void **state)
{
    struct log_ratelimit rl = LOG_RATELIMIT_INIT(2, 1000);
    unsigned suppressed;
    assert_true(log_ratelimit_allow(&rl, 5000, &suppressed));
    assert_true(log_ratelimit_allow(&rl, 5001, &suppressed));
    assert_false(log_ratelimit_allow(&rl, 5002, &suppressed));
    assert_false(log_ratelimit_allow(&rl, 5003, &suppressed));
    assert_true(log_ratelimit_allow(&rl, 6000, &suppressed));
    assert_int_equal(suppressed, 2);
}

static redisReply *read_one(redisReader *r, const char *bytes)
{
    void *reply = NULL;
    assert_int_equal(redisReaderFeed(r, bytes, strlen(bytes)), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
    assert_non_null(reply);
    return reply;
}

/* Status, integer and nil replies are typed placeholders; strings, errors
 * and arrays are complete, at the top and nested. */
static void test_lean_replies(void **state)
{
    redisReplyObjectFunctions *fn = &redis_lean_reply_functions;
    redisReader *r = redisReaderCreateWithFunctions(fn);
    redisReply *a = read_one(r, "+QUEUED\r\n");
    assert_int_equal(a->type, REDIS_REPLY_STATUS);
    assert_string_equal(a->str, "");
    redisReply *b = read_one(r, "+OK\r\n");
    assert_ptr_equal(a, b); /* shared, nothing allocated */
    fn->freeObject(a);
    fn->freeObject(b);
    a = read_one(r, ":42\r\n");
    assert_int_equal(a->type, REDIS_REPLY_INTEGER);
    assert_int_equal(a->integer, 0);
    fn->freeObject(a);
    a = read_one(r, "$-1\r\n");
    assert_int_equal(a->type, REDIS_REPLY_NIL);
    fn->freeObject(a);
    a = read_one(r, "$5\r\nhello\r\n");
    assert_int_equal(a->type, REDIS_REPLY_STRING);
    assert_int_equal(a->len, 5);
    assert_string_equal(a->str, "hello");
    fn->freeObject(a);
    a = read_one(r, "-ERR wrong\r\n");
    assert_int_equal(a->type, REDIS_REPLY_ERROR);
    assert_string_equal(a->str, "ERR wrong");
    fn->freeObject(a);

    /* An EXEC reply: LPUSH, LTRIM, a refused command, then a string and
     * a nested array. */
    a = read_one(r, "*5\r\n:3\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n"
                    "$2\r\nab\r\n*2\r\n:7\r\n$-1\r\n");
    assert_int_equal(a->type, REDIS_REPLY_ARRAY);
    assert_int_equal(a->elements, 5);
    assert_int_equal(a->element[0]->type, REDIS_REPLY_INTEGER);
    assert_int_equal(a->element[1]->type, REDIS_REPLY_STATUS);
    assert_int_equal(a->element[2]->type, REDIS_REPLY_ERROR);
    assert_string_equal(a->element[2]->str, "WRONGTYPE Operation against a key");
    assert_int_equal(a->element[3]->type, REDIS_REPLY_STRING);
    assert_string_equal(a->element[3]->str, "ab");
    assert_int_equal(a->element[4]->type, REDIS_REPLY_ARRAY);
    assert_int_equal(a->element[4]->elements, 2);
    assert_int_equal(a->element[4]->element[0]->type, REDIS_REPLY_INTEGER);
    assert_int_equal(a->element[4]->element[1]->type, REDIS_REPLY_NIL);
    fn->freeObject(a);
    a = read_one(r, "*0\r\n");
    assert_int_equal(a->type, REDIS_REPLY_ARRAY);
    assert_int_equal(a->elements, 0);
    fn->freeObject(a);
    a = read_one(r, "*-1\r\n");
    assert_int_equal(a->type, REDIS_REPLY_NIL);
    fn->freeObject(a);

    /* A reply cut off in the middle is freed with the reader (no leak
     * under make sanitize or valgrind). */
    void *partial = NULL;
    const char *cut = "*3\r\n-ERR one\r\n$3\r\nab";
    assert_int_equal(redisReaderFeed(r, cut, strlen(cut)), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &partial), REDIS_OK);
    assert_null(partial);
    redisReaderFree(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws_url),        cmocka_unit_test(test_redis_url),
        cmocka_unit_test(test_config_values), cmocka_unit_test(test_backoff_sequence),
        cmocka_unit_test(test_log_escape),    cmocka_unit_test(test_log_ratelimit),
        cmocka_unit_test(test_lean_replies),
    };
    return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
