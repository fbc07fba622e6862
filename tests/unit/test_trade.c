/* Unit tests of libcommon/trade.c: decimals, times, ids, pairs, messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trade.h"

static void expect_decimal(const char *in, const char *want)
{
    char out[TRADE_DECIMAL_MAX];
    const char *err = decimal_normalize(in, strlen(in), out, sizeof out);
    if (err)
        fail_msg("decimal_normalize(%s): %s", in, err);
    assert_string_equal(out, want);
}

static void expect_bad_decimal(const char *in)
{
    char out[TRADE_DECIMAL_MAX] = "unchanged";
    assert_non_null(decimal_normalize(in, strlen(in), out, sizeof out));
    assert_string_equal(out, "unchanged");
}

static void test_decimal_plain_unchanged(void **state)
{
    expect_decimal("57786.82", "57786.82");
    expect_decimal("0.07920000", "0.07920000");
    expect_decimal("450", "450");
    expect_decimal("0", "0");
    expect_decimal("007.50", "007.50");
}

static void test_decimal_exponent_expanded(void **state)
{
    expect_decimal("1E-8", "0.00000001");
    expect_decimal("1e-8", "0.00000001");
    expect_decimal("1.5E-3", "0.0015");
    expect_decimal("1.50E-2", "0.0150");
    expect_decimal("1.50E+2", "150");
    expect_decimal("1.5E1", "15");
    expect_decimal("2E3", "2000");
    expect_decimal("12.345E1", "123.45");
    expect_decimal("0.5E1", "5");
    expect_decimal("5E0", "5");
    expect_decimal("123E-1", "12.3");
    expect_decimal("123E-3", "0.123");
}

static void test_decimal_rejects(void **state)
{
    expect_bad_decimal("");
    expect_bad_decimal("-1");
    expect_bad_decimal("+1");
    expect_bad_decimal(".5");
    expect_bad_decimal("1.");
    expect_bad_decimal("1.2.3");
    expect_bad_decimal("1e");
    expect_bad_decimal("1e+");
    expect_bad_decimal("NaN");
    expect_bad_decimal("Infinity");
    expect_bad_decimal("1 ");
    expect_bad_decimal("0x10");
    expect_bad_decimal("1E-99999999999999999999");
    expect_bad_decimal("1E-100");  /* 100 zeros do not fit the field */
    /* 96 zeros in front of 95 digits once overflowed a stack buffer. */
    char overflow[128] = "0.";
    memset(overflow + 2, '1', 94);
    strcpy(overflow + 96, "E-97");
    expect_bad_decimal(overflow);
    expect_bad_decimal("123456789012345678901234567890123456789012345678901");
    char with_nul[] = { '1', '\0', '2' };
    char out[TRADE_DECIMAL_MAX];
    assert_non_null(decimal_normalize(with_nul, 3, out, sizeof out));
}

static void expect_time(const char *in, const char *want)
{
    char out[TRADE_TIME_LEN + 1];
    const char *err = time_normalize(in, strlen(in), out);
    if (err)
        fail_msg("time_normalize(%s): %s", in, err);
    assert_string_equal(out, want);
}

static void test_time_padded_and_truncated(void **state)
{
    expect_time("2021-04-17T16:43:37.121358Z", "2021-04-17T16:43:37.121358Z");
    expect_time("2021-04-17T16:43:37.12Z", "2021-04-17T16:43:37.120000Z");
    expect_time("2021-04-17T16:43:37Z", "2021-04-17T16:43:37.000000Z");
    expect_time("2021-04-17T16:43:37.123456789Z", "2021-04-17T16:43:37.123456Z");
    expect_time("2021-04-17T16:43:37.1Z", "2021-04-17T16:43:37.100000Z");
}

static void test_time_rejects(void **state)
{
    const char *bad[] = { "", "2021-04-17", "2021-04-17 16:43:37Z", "2021-04-17T16:43:37.Z",
                          "2021-04-17T16:43:37.121358+00:00", "2021-13-17T16:43:37Z",
                          "2021-04-17T24:00:00Z", "2021-04-17T16:43:37.1234567890Z",
                          "2021-04-17T16:43:37.12a4Z", "abcd-04-17T16:43:37Z" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[TRADE_TIME_LEN + 1];
        if (time_normalize(bad[i], strlen(bad[i]), out) == NULL)
            fail_msg("accepted bad time '%s'", bad[i]);
    }
}

static void test_time_format_us(void **state)
{
    char out[TRADE_TIME_LEN + 1];
    time_format_us(1641343699596000LL, out);
    assert_string_equal(out, "2022-01-05T00:48:19.596000Z");
    time_format_us(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
    time_format_us(1618677817121358LL, out);
    assert_string_equal(out, "2021-04-17T16:43:37.121358Z");
    /* Leap days, and 2100, which is not a leap year. */
    time_format_us(951782400000000LL, out);
    assert_string_equal(out, "2000-02-29T00:00:00.000000Z");
    time_format_us(951868799999999LL, out);
    assert_string_equal(out, "2000-02-29T23:59:59.999999Z");
    time_format_us(1709164800000001LL, out);
    assert_string_equal(out, "2024-02-29T00:00:00.000001Z");
    time_format_us(4107542399000010LL, out);
    assert_string_equal(out, "2100-02-28T23:59:59.000010Z");
    time_format_us(4107542400000000LL, out);
    assert_string_equal(out, "2100-03-01T00:00:00.000000Z");
    /* The last microsecond Bitstamp's parser accepts, and the next one. */
    time_format_us(253402300799999999LL, out);
    assert_string_equal(out, "9999-12-31T23:59:59.999999Z");
    time_format_us(253402300800000000LL, out);
    assert_string_equal(out, "0000-00-00T00:00:00.000000Z");
    /* Before 1970: the libc path, which prints year 1 as "1", not four digits. */
    time_format_us(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
    time_format_us(-62135596800000000LL, out);
    assert_string_equal(out, "0000-00-00T00:00:00.000000Z");
}

/* The cached second must follow every change of second, backwards too. */
static void test_time_format_us_cache(void **state)
{
    char out[TRADE_TIME_LEN + 1];
    time_format_us(1618677817121358LL, out);
    time_format_us(1618677817999999LL, out);
    assert_string_equal(out, "2021-04-17T16:43:37.999999Z");
    time_format_us(1618677818000000LL, out);
    assert_string_equal(out, "2021-04-17T16:43:38.000000Z");
    time_format_us(1618677817000000LL, out);
    assert_string_equal(out, "2021-04-17T16:43:37.000000Z");
    time_format_us(-1, out);
    time_format_us(1618677817000001LL, out);
    assert_string_equal(out, "2021-04-17T16:43:37.000001Z");
    /* Two seconds in turn (Bitstamp's traded_at and received_at), then a
     * third that takes one slot, then both others again. */
    for (int i = 0; i < 3; i++) {
        time_format_us(1618677817000002LL, out);
        assert_string_equal(out, "2021-04-17T16:43:37.000002Z");
        time_format_us(1641343699596000LL, out);
        assert_string_equal(out, "2022-01-05T00:48:19.596000Z");
    }
    time_format_us(951782400000000LL, out);
    assert_string_equal(out, "2000-02-29T00:00:00.000000Z");
    time_format_us(1618677817000003LL, out);
    assert_string_equal(out, "2021-04-17T16:43:37.000003Z");
    time_format_us(1641343699000001LL, out);
    assert_string_equal(out, "2022-01-05T00:48:19.000001Z");
    time_format_us(951782400000004LL, out);
    assert_string_equal(out, "2000-02-29T00:00:00.000004Z");
}

/* The integer date arithmetic agrees with gmtime_r + strftime on seconds
 * spread over every year it handles, and on every day of 1999 to 2101. */
static void test_time_format_us_matches_libc(void **state)
{
    char out[TRADE_TIME_LEN + 1], want[32];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 100000; i++) {
        int64_t secs;
        if (i < 40000) {
            secs = 915148800LL + (int64_t)i * 86400 + (i * 7919) % 86400; /* from 1999 */
        } else {
            x ^= x << 13; /* xorshift64 */
            x ^= x >> 7;
            x ^= x << 17;
            secs = (int64_t)(x % 253402300800ULL);
        }
        int64_t us = secs * 1000000 + (int64_t)(x % 1000000);
        time_t tt = (time_t)secs;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(want, 20, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want + 19, sizeof want - 19, ".%06dZ", (int)(us % 1000000));
        time_format_us(us, out);
        if (strcmp(out, want) != 0)
            fail_msg("%lld: got %s, want %s", (long long)us, out, want);
    }
}

static void test_trade_id_format(void **state)
{
    char out[TRADE_ID_MAX];
    const uint64_t ids[] = { 0, 7, 10, 1234567890, 9007199254740992ULL, UINT64_MAX };
    const char *want[] = { "0", "7", "10", "1234567890", "9007199254740992", "18446744073709551615" };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        memset(out, 'x', sizeof out);
        trade_id_format(ids[i], out);
        assert_string_equal(out, want[i]);
        uint64_t back;
        assert_null(trade_id_parse(out, strlen(out), &back));
        assert_true(back == ids[i]);
    }
}

static void test_trade_id_parse(void **state)
{
    uint64_t v = 0;
    assert_null(trade_id_parse("0", 1, &v));
    assert_int_equal(v, 0);
    assert_null(trade_id_parse("18446744073709551615", 20, &v));
    assert_true(v == UINT64_MAX);
    assert_non_null(trade_id_parse("18446744073709551616", 20, &v));
    assert_non_null(trade_id_parse("", 0, &v));
    assert_non_null(trade_id_parse("01", 2, &v));
    assert_non_null(trade_id_parse("-1", 2, &v));
    assert_non_null(trade_id_parse("1.0", 3, &v));
}

static void test_pair_validate(void **state)
{
    assert_null(pair_validate("BTC-USD"));
    assert_null(pair_validate("SHIB-USD"));
    assert_null(pair_validate("1INCH-EUR"));
    assert_non_null(pair_validate("btc-usd"));
    assert_non_null(pair_validate("BTCUSD"));
    assert_non_null(pair_validate("BTC-"));
    assert_non_null(pair_validate("-USD"));
    assert_non_null(pair_validate("BTC-USD-X"));
    assert_non_null(pair_validate("BTC_USD"));
    assert_non_null(pair_validate("ABCDEFGHIJK-USD"));
}

static void test_trade_to_json_exact(void **state)
{
    struct trade t = { .exchange = "coinbase", .pair = "BTC-USD", .price = "57786.82",
                       .volume = "0.00031874", .side = "buy", .trade_id = "147587438",
                       .traded_at = "2021-03-21T03:47:27.112041Z",
                       .received_at = "2021-03-21T03:47:27.200000Z", .id = 147587438 };
    char out[TRADE_JSON_MAX];
    size_t n = trade_to_json(&t, out);
    const char *want = "{\"exchange\":\"coinbase\",\"pair\":\"BTC-USD\",\"price\":\"57786.82\","
                       "\"volume\":\"0.00031874\",\"side\":\"buy\",\"trade_id\":\"147587438\","
                       "\"traded_at\":\"2021-03-21T03:47:27.112041Z\","
                       "\"received_at\":\"2021-03-21T03:47:27.200000Z\"}";
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    uint64_t id;
    assert_null(trade_id_from_json(out, n, &id));
    assert_true(id == 147587438);
}

static void test_trade_json_fits_bound(void **state)
{
    /* Every field at its maximum still fits TRADE_JSON_MAX. */
    struct trade t;
    memset(&t, 'x', sizeof t);
    t.exchange[TRADE_EXCHANGE_MAX - 1] = t.pair[TRADE_PAIR_MAX - 1] = '\0';
    t.price[TRADE_DECIMAL_MAX - 1] = t.volume[TRADE_DECIMAL_MAX - 1] = '\0';
    t.trade_id[TRADE_ID_MAX - 1] = '\0';
    t.traded_at[TRADE_TIME_LEN] = t.received_at[TRADE_TIME_LEN] = '\0';
    t.side = "sell";
    char out[TRADE_JSON_MAX];
    size_t n = trade_to_json(&t, out);
    assert_true(n < TRADE_JSON_MAX);
    assert_int_equal(strlen(out), n);
}

static void test_trade_id_from_json_rejects(void **state)
{
    uint64_t id = 7;
    assert_non_null(trade_id_from_json("nope", 4, &id));
    assert_non_null(trade_id_from_json("{\"trade_id\":12}", 15, &id));
    assert_non_null(trade_id_from_json("{}", 2, &id));
    assert_int_equal(id, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_plain_unchanged),
        cmocka_unit_test(test_decimal_exponent_expanded),
        cmocka_unit_test(test_decimal_rejects),
        cmocka_unit_test(test_time_padded_and_truncated),
        cmocka_unit_test(test_time_rejects),
        cmocka_unit_test(test_time_format_us),
        cmocka_unit_test(test_time_format_us_cache),
        cmocka_unit_test(test_time_format_us_matches_libc),
        cmocka_unit_test(test_trade_id_format),
        cmocka_unit_test(test_trade_id_parse),
        cmocka_unit_test(test_pair_validate),
        cmocka_unit_test(test_trade_to_json_exact),
        cmocka_unit_test(test_trade_json_fits_bound),
        cmocka_unit_test(test_trade_id_from_json_rejects),
    };
    return cmocka_run_group_tests_name("trade", tests, NULL, NULL);
}
