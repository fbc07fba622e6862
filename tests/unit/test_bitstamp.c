/* Unit tests of the Bitstamp parser against the recorded feed and against
 * hand-made bad input. Expected messages come from tests/unit/expected.js. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/bitstamp/parse.h"
#include "xalloc.h"

#define RECEIVED_US 1767323045678901LL

static struct pair_list fixture_pairs = {
    10, { "SGB-EUR", "ETH-USD", "XRP-EUR", "BAT-EUR", "USDT-EUR", "ADA-EUR", "BAT-BTC",
          "GALA-EUR", "USDT-USD", "XLM-GBP" }
};
static struct pair_list short_pairs = { 3, { "BTC-USD", "USDC-USD", "SHIB-USD" } };

static FILE *open_fixture(const char *name)
{
    char path[512];
    const char *dir = getenv("FIXTURES");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    return f;
}

static void parse(const char *text, const struct pair_list *pairs, struct frame *fr)
{
    bitstamp_parse(text, strlen(text), RECEIVED_US, pairs, fr);
}

static void test_fixture_trades_exact(void **state)
{
    FILE *feed = open_fixture("bitstamp-feed.jsonl");
    FILE *want = open_fixture("expected/bitstamp-trades.jsonl");
    char *line = NULL, *wline = NULL;
    size_t cap = 0, wcap = 0;
    ssize_t n;
    int trades = 0, acks = 0, others = 0;
    while ((n = getline(&line, &cap, feed)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        struct frame fr;
        bitstamp_parse(line, (size_t)n, RECEIVED_US, &fixture_pairs, &fr);
        if (fr.kind == FRAME_SUBSCRIBED) {
            acks++;
            continue;
        }
        if (fr.kind != FRAME_TRADE) {
            assert_int_equal(fr.kind, FRAME_IGNORED);
            assert_null(strstr(line, "\"event\":\"trade\""));
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
    assert_int_equal(trades, 10);
    assert_int_equal(acks, 20);
    assert_int_equal(others, 78 - 30);
    assert_int_equal(getline(&wline, &wcap, want), -1);
    free(line);
    free(wline);
    fclose(feed);
    fclose(want);
}

static void test_exponent_amount_and_spacing(void **state)
{
    /* Captured with spaces and an exponent amount (crypto-crawler-rs). */
    const char *frame =
        "{\"channel\": \"live_trades_btcusd\", \"data\": {\"amount\": 1e-08, \"amount_str\": "
        "\"1E-8\", \"buy_order_id\": 1341285759094784, \"id\": 158457579, \"microtimestamp\": "
        "\"1616297318187000\", \"price\": 57748.8, \"price_str\": \"57748.80\", "
        "\"sell_order_id\": 1341285698236416, \"timestamp\": \"1616297318\", \"type\": 0}, "
        "\"event\": \"trade\"}";
    struct frame fr;
    parse(frame, &short_pairs, &fr);
    assert_int_equal(fr.kind, FRAME_TRADE);
    char json[TRADE_JSON_MAX];
    trade_to_json(&fr.trade, json);
    assert_string_equal(json, "{\"exchange\":\"bitstamp\",\"pair\":\"BTC-USD\",\"price\":\"57748.80\","
                              "\"volume\":\"0.00000001\",\"side\":\"buy\",\"trade_id\":\"158457579\","
                              "\"traded_at\":\"2021-03-21T03:28:38.187000Z\","
                              "\"received_at\":\"2026-01-02T03:04:05.678901Z\"}");
}

static void test_channel_maps_back_to_configured_pair(void **state)
{
    const char *tmpl = "{\"event\":\"trade\",\"channel\":\"%s\",\"data\":{\"id\":1,"
                       "\"amount_str\":\"1\",\"price_str\":\"1.0001\",\"type\":1,"
                       "\"microtimestamp\":\"1641343699596000\"}}";
    char frame[512];
    struct frame fr;
    snprintf(frame, sizeof frame, tmpl, "live_trades_usdcusd");
    parse(frame, &short_pairs, &fr);
    assert_int_equal(fr.kind, FRAME_TRADE);
    assert_string_equal(fr.trade.pair, "USDC-USD");
    assert_string_equal(fr.trade.side, "sell");
    snprintf(frame, sizeof frame, tmpl, "live_trades_shibusd");
    parse(frame, &short_pairs, &fr);
    assert_string_equal(fr.trade.pair, "SHIB-USD");
    snprintf(frame, sizeof frame, tmpl, "live_trades_ethusd");
    parse(frame, &short_pairs, &fr);
    assert_int_equal(fr.kind, FRAME_BAD_FIELD);
    char channel[64];
    bitstamp_channel("USDC-USD", channel);
    assert_string_equal(channel, "live_trades_usdcusd");
}

static void test_kinds(void **state)
{
    struct {
        const char *frame;
        enum frame_kind kind;
    } cases[] = {
        { "{\"event\":\"bts:subscription_succeeded\",\"channel\":\"live_trades_btcusd\",\"data\":{}}", FRAME_SUBSCRIBED },
        { "{\"event\":\"bts:heartbeat\",\"channel\":\"\",\"data\":{\"status\":\"success\"}}", FRAME_HEARTBEAT },
        { "{\"event\":\"bts:request_reconnect\",\"channel\":\"\",\"data\":\"\"}", FRAME_RECONNECT_REQUEST },
        { "{\"event\":\"bts:request_reconnect\",\"channel\":\"\",\"data\":null}", FRAME_RECONNECT_REQUEST },
        { "{\"event\":\"bts:request_reconnect\"}", FRAME_RECONNECT_REQUEST },
        { "{\"event\":\"bts:error\",\"channel\":\"\",\"data\":{\"code\":null,\"message\":\"Bad subscription string.\"}}", FRAME_EXCHANGE_ERROR },
        { "{\"event\":\"data\",\"channel\":\"diff_order_book_ethusd\",\"data\":{}}", FRAME_IGNORED },
        { "{\"event\":\"bts:unsubscription_succeeded\",\"channel\":\"x\",\"data\":{}}", FRAME_IGNORED },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct frame fr;
        parse(cases[i].frame, &short_pairs, &fr);
        if (fr.kind != cases[i].kind)
            fail_msg("%s: kind %d, want %d", cases[i].frame, fr.kind, cases[i].kind);
    }
    struct frame fr;
    parse("{\"event\":\"bts:subscription_succeeded\",\"channel\":\"live_trades_btcusd\",\"data\":{}}", &short_pairs, &fr);
    assert_string_equal(fr.channel, "live_trades_btcusd");
    parse("{\"event\":\"bts:error\",\"channel\":\"\",\"data\":{\"code\":4009,\"message\":\"Connection is unauthorized.\"}}", &short_pairs, &fr);
    assert_string_equal(fr.text, "Connection is unauthorized. (code 4009)");
}

static const char good[] = "{\"event\":\"trade\",\"channel\":\"live_trades_btcusd\",\"data\":{"
                           "\"id\":216000477,\"amount_str\":\"0.07920000\",\"price_str\":\"3805.44\","
                           "\"type\":0,\"microtimestamp\":\"1641343699596000\"}}";

static void expect_bad(const char *from, const char *to)
{
    char frame[1024];
    const char *at = strstr(good, from);
    assert_non_null(at);
    snprintf(frame, sizeof frame, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    struct frame fr;
    parse(frame, &short_pairs, &fr);
    if (fr.kind != FRAME_BAD_FIELD)
        fail_msg("accepted %s (kind %d)", frame, fr.kind);
}

static void test_bad_fields(void **state)
{
    struct frame fr;
    parse(good, &short_pairs, &fr);
    assert_int_equal(fr.kind, FRAME_TRADE);
    expect_bad("\"id\":216000477", "\"id\":\"216000477\"");
    expect_bad("\"id\":216000477", "\"id\":-5");
    expect_bad("\"id\":216000477", "\"id\":2.5");
    expect_bad("\"amount_str\":\"0.07920000\"", "\"amount_str\":0.0792");
    expect_bad("\"amount_str\":\"0.07920000\"", "\"amount_str\":\"0.0792x\"");
    expect_bad("\"price_str\":\"3805.44\"", "\"price_str\":\"\"");
    expect_bad("\"type\":0", "\"type\":2");
    expect_bad("\"type\":0", "\"type\":\"0\"");
    expect_bad("\"microtimestamp\":\"1641343699596000\"", "\"microtimestamp\":1641343699596000");
    expect_bad("\"microtimestamp\":\"1641343699596000\"", "\"microtimestamp\":\"-1\"");
    expect_bad("\"microtimestamp\":\"1641343699596000\"", "\"microtimestamp\":\"99999999999999999999\"");
    expect_bad("\"channel\":\"live_trades_btcusd\"", "\"channel\":5");
    expect_bad("\"data\":{", "\"data\":[],\"x\":{");
}

static void test_malformed(void **state)
{
    const char *bad_json[] = { "", "[", "[]", "true", "{\"event\":", "\x80" };
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        struct frame fr;
        parse(bad_json[i], &short_pairs, &fr);
        assert_int_equal(fr.kind, FRAME_BAD_JSON);
    }
    struct frame fr;
    parse("{\"channel\":\"live_trades_btcusd\"}", &short_pairs, &fr);
    assert_int_equal(fr.kind, FRAME_BAD_FIELD);
    parse("{\"event\":7}", &short_pairs, &fr);
    assert_int_equal(fr.kind, FRAME_BAD_FIELD);
}

static void test_rest_transactions(void **state)
{
    /* Numbers as strings (the real API) and as numbers both work. */
    const char *body = "[{\"date\":\"1641343709\",\"tid\":\"216000484\",\"amount\":\"0.93100000\","
                       "\"price\":\"3802.93\",\"type\":\"1\"},"
                       "{\"date\":1641343699,\"tid\":216000477,\"amount\":\"1E-8\",\"price\":\"3805.44\","
                       "\"type\":0}]";
    struct trade t[4];
    size_t n;
    bool full;
    assert_null(bitstamp_rest_parse(body, strlen(body), "ETH-USD", RECEIVED_US, t, 4, &n, &full));
    assert_int_equal(n, 2);
    char json[TRADE_JSON_MAX];
    trade_to_json(&t[0], json);
    assert_string_equal(json, "{\"exchange\":\"bitstamp\",\"pair\":\"ETH-USD\",\"price\":\"3802.93\","
                              "\"volume\":\"0.93100000\",\"side\":\"sell\",\"trade_id\":\"216000484\","
                              "\"traded_at\":\"2022-01-05T00:48:29.000000Z\","
                              "\"received_at\":\"2026-01-02T03:04:05.678901Z\"}");
    trade_to_json(&t[1], json);
    assert_non_null(strstr(json, "\"volume\":\"0.00000001\",\"side\":\"buy\""));
    char path[128];
    bitstamp_rest_path("USDC-USD", 0, path, sizeof path);
    assert_string_equal(path, "/api/v2/transactions/usdcusd/?time=hour");
    const char *bad[] = { "", "{}", "[1]", "[{\"tid\":1}]",
                          "[{\"date\":\"1\",\"tid\":1,\"amount\":\"1\",\"price\":\"1\",\"type\":2}]",
                          "[{\"date\":\"1\",\"tid\":-1,\"amount\":\"1\",\"price\":\"1\",\"type\":0}]",
                          "[{\"date\":\"1\",\"tid\":1,\"amount\":\"x\",\"price\":\"1\",\"type\":0}]" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (bitstamp_rest_parse(bad[i], strlen(bad[i]), "ETH-USD", RECEIVED_US, t, 4, &n, &full) == NULL)
            fail_msg("accepted REST body %s", bad[i]);
}

int main(void)
{
    xalloc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_trades_exact),
        cmocka_unit_test(test_exponent_amount_and_spacing),
        cmocka_unit_test(test_channel_maps_back_to_configured_pair),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_rest_transactions),
    };
    return cmocka_run_group_tests_name("bitstamp_parse", tests, NULL, NULL);
}
