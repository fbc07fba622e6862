/* Unit tests of the Coinbase parser against the recorded feed and against
 * hand-made bad input. Expected messages come from tests/unit/expected.js. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/coinbase/parse.h"
#include "xalloc.h"

/* 2026-01-02T03:04:05.678901Z */
#define RECEIVED_US 1767323045678901LL

static const char *fixtures(void)
{
    const char *dir = getenv("FIXTURES");
    return dir ? dir : "tests/fixtures";
}

static FILE *open_fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fixtures(), name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    return f;
}

static void test_fixture_trades_exact(void **state)
{
    FILE *feed = open_fixture("coinbase-feed.jsonl");
    FILE *want = open_fixture("expected/coinbase-trades.jsonl");
    char *line = NULL, *wline = NULL;
    size_t cap = 0, wcap = 0;
    ssize_t n;
    int trades = 0, others = 0;
    while ((n = getline(&line, &cap, feed)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        struct frame fr;
        coinbase_parse(line, (size_t)n, RECEIVED_US, NULL, &fr);
        if (fr.kind != FRAME_TRADE) {
            /* Only match and last_match are trades; nothing else is bad. */
            assert_true(strstr(line, "\"type\":\"match\"") == NULL);
            assert_true(strstr(line, "\"type\":\"last_match\"") == NULL);
            assert_true(fr.kind == FRAME_IGNORED || fr.kind == FRAME_SUBSCRIBED);
            others++;
            continue;
        }
        ssize_t wn = getline(&wline, &wcap, want);
        assert_true(wn > 0);
        if (wline[wn - 1] == '\n')
            wline[--wn] = '\0';
        char json[TRADE_JSON_MAX];
        trade_to_json(&fr.trade, json);
        assert_string_equal(json, wline);
        trades++;
    }
    assert_int_equal(trades, 107);
    assert_int_equal(others, 315 - 107);
    assert_int_equal(getline(&wline, &wcap, want), -1);
    free(line);
    free(wline);
    fclose(feed);
    fclose(want);
}

static void test_kinds(void **state)
{
    struct {
        const char *frame;
        enum frame_kind kind;
    } cases[] = {
        { "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"1\"}", FRAME_IGNORED },
        { "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[]}", FRAME_IGNORED },
        { "{\"type\":\"something_new\"}", FRAME_IGNORED },
        { "{\"type\":\"subscriptions\",\"channels\":[]}", FRAME_SUBSCRIBED },
        { "{\"type\":\"heartbeat\",\"sequence\":90,\"last_trade_id\":20,\"product_id\":"
          "\"BTC-USD\",\"time\":\"2014-11-07T08:19:28.464459Z\"}", FRAME_HEARTBEAT },
        { "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"GIBBERISH-USD "
          "is not a valid product\"}", FRAME_EXCHANGE_ERROR },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct frame fr;
        coinbase_parse(cases[i].frame, strlen(cases[i].frame), RECEIVED_US, NULL, &fr);
        if (fr.kind != cases[i].kind)
            fail_msg("%s: kind %d, want %d", cases[i].frame, fr.kind, cases[i].kind);
    }
    struct frame fr;
    const char *err = "{\"type\":\"error\",\"message\":\"Failed\",\"reason\":\"bad\\nthing\"}";
    coinbase_parse(err, strlen(err), RECEIVED_US, NULL, &fr);
    assert_string_equal(fr.text, "Failed (bad\\x0athing)");
}

#define MATCH_HEAD "{\"type\":\"match\",\"trade_id\":"
static const char good_match[] =
    "{\"type\":\"match\",\"trade_id\":1568268,\"maker_order_id\":\"a\",\"taker_order_id\":\"b\","
    "\"side\":\"sell\",\"size\":\"450\",\"price\":\"0.791\",\"product_id\":\"SKL-USD\","
    "\"sequence\":201390075,\"time\":\"2021-04-17T16:43:37.12Z\"}";

static void test_good_match_with_short_time(void **state)
{
    struct frame fr;
    coinbase_parse(good_match, strlen(good_match), RECEIVED_US, NULL, &fr);
    assert_int_equal(fr.kind, FRAME_TRADE);
    char json[TRADE_JSON_MAX];
    trade_to_json(&fr.trade, json);
    assert_string_equal(json, "{\"exchange\":\"coinbase\",\"pair\":\"SKL-USD\",\"price\":\"0.791\","
                              "\"volume\":\"450\",\"side\":\"buy\",\"trade_id\":\"1568268\","
                              "\"traded_at\":\"2021-04-17T16:43:37.120000Z\","
                              "\"received_at\":\"2026-01-02T03:04:05.678901Z\"}");
    assert_true(fr.trade.id == 1568268);
}

/* good_match with one substring replaced. */
static void expect_bad_field(const char *from, const char *to)
{
    char frame[1024];
    const char *at = strstr(good_match, from);
    assert_non_null(at);
    snprintf(frame, sizeof frame, "%.*s%s%s", (int)(at - good_match), good_match, to,
             at + strlen(from));
    struct frame fr;
    coinbase_parse(frame, strlen(frame), RECEIVED_US, NULL, &fr);
    if (fr.kind != FRAME_BAD_FIELD)
        fail_msg("accepted %s (kind %d)", frame, fr.kind);
    assert_non_null(fr.error);
}

static void test_bad_fields(void **state)
{
    expect_bad_field("\"trade_id\":1568268", "\"trade_id\":\"1568268\"");
    expect_bad_field("\"trade_id\":1568268", "\"trade_id\":-1");
    expect_bad_field("\"trade_id\":1568268", "\"trade_id\":1.5");
    expect_bad_field("\"trade_id\":1568268", "\"trade_id\":1e300");
    expect_bad_field("\"trade_id\":1568268", "\"trade_id\":null");
    expect_bad_field("\"trade_id\":1568268,", "");
    expect_bad_field("\"side\":\"sell\"", "\"side\":\"SELL\"");
    expect_bad_field("\"side\":\"sell\"", "\"side\":1");
    expect_bad_field("\"size\":\"450\"", "\"size\":450");
    expect_bad_field("\"size\":\"450\"", "\"size\":\"-450\"");
    expect_bad_field("\"price\":\"0.791\"", "\"price\":\"0.79.1\"");
    expect_bad_field("\"price\":\"0.791\"", "\"price\":\"<script>\"");
    expect_bad_field("\"product_id\":\"SKL-USD\"", "\"product_id\":\"skl-usd\"");
    expect_bad_field("\"product_id\":\"SKL-USD\"", "\"product_id\":\"SKL-USD\\\"x\"");
    expect_bad_field("\"product_id\":\"SKL-USD\"", "\"product_id\":[]");
    expect_bad_field("\"time\":\"2021-04-17T16:43:37.12Z\"", "\"time\":\"yesterday\"");
    expect_bad_field("\"time\":\"2021-04-17T16:43:37.12Z\"", "\"time\":1618677817");
}

static void test_malformed(void **state)
{
    const char *bad_json[] = { "", "{", "not json", "[]", "\"match\"", "42", "null",
                               "{\"type\":\"match\"", "\xff\xfe" };
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        struct frame fr;
        coinbase_parse(bad_json[i], strlen(bad_json[i]), RECEIVED_US, NULL, &fr);
        if (fr.kind != FRAME_BAD_JSON)
            fail_msg("'%s': kind %d, want FRAME_BAD_JSON", bad_json[i], fr.kind);
    }
    const char *bad_type[] = { "{}", "{\"type\":1}", "{\"type\":null}", "{\"Type\":\"match\"}" };
    for (size_t i = 0; i < sizeof bad_type / sizeof bad_type[0]; i++) {
        struct frame fr;
        coinbase_parse(bad_type[i], strlen(bad_type[i]), RECEIVED_US, NULL, &fr);
        assert_int_equal(fr.kind, FRAME_BAD_FIELD);
    }
    /* Length is honoured: a valid prefix followed by junk is not parsed past len. */
    struct frame fr;
    coinbase_parse(good_match, strlen(good_match) - 1, RECEIVED_US, NULL, &fr);
    assert_int_equal(fr.kind, FRAME_BAD_JSON);
}

static void test_rest_page(void **state)
{
    const char *body = "[{\"time\":\"2021-04-17T16:43:37.12Z\",\"trade_id\":1568269,\"price\":\"0.7912\","
                       "\"size\":\"1787\",\"side\":\"sell\"},"
                       "{\"time\":\"2021-04-17T16:43:37.121358Z\",\"trade_id\":1568268,\"price\":\"0.791\","
                       "\"size\":\"450\",\"side\":\"buy\"}]";
    struct trade t[4];
    size_t n;
    bool full;
    assert_null(coinbase_rest_parse(body, strlen(body), "SKL-USD", RECEIVED_US, t, 4, &n, &full));
    assert_int_equal(n, 2);
    assert_false(full);
    char json[TRADE_JSON_MAX];
    trade_to_json(&t[1], json);
    /* REST sides are the maker's too: buy becomes sell. */
    assert_string_equal(json, "{\"exchange\":\"coinbase\",\"pair\":\"SKL-USD\",\"price\":\"0.791\","
                              "\"volume\":\"450\",\"side\":\"sell\",\"trade_id\":\"1568268\","
                              "\"traded_at\":\"2021-04-17T16:43:37.121358Z\","
                              "\"received_at\":\"2026-01-02T03:04:05.678901Z\"}");
    assert_true(t[0].id == 1568269);
    char path[128];
    coinbase_rest_path("BTC-USD", 0, path, sizeof path);
    assert_string_equal(path, "/products/BTC-USD/trades?limit=100");
    coinbase_rest_path("BTC-USD", 77, path, sizeof path);
    assert_string_equal(path, "/products/BTC-USD/trades?limit=100&after=77");
    const char *bad[] = { "", "{}", "[1]", "[{\"trade_id\":\"1\"}]", "{\"message\":\"NotFound\"}",
                          "[{\"time\":\"x\",\"trade_id\":1,\"price\":\"1\",\"size\":\"1\",\"side\":\"buy\"}]" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (coinbase_rest_parse(bad[i], strlen(bad[i]), "BTC-USD", RECEIVED_US, t, 4, &n, &full) == NULL)
            fail_msg("accepted REST body %s", bad[i]);
    assert_null(coinbase_rest_parse("[]", 2, "BTC-USD", RECEIVED_US, t, 4, &n, &full));
    assert_int_equal(n, 0);
}

int main(void)
{
    xalloc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_trades_exact),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_good_match_with_short_time),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_rest_page),
    };
    return cmocka_run_group_tests_name("coinbase_parse", tests, NULL, NULL);
}
