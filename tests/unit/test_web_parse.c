/* Unit tests of the web service's pure parsers (services/web/product.c) and
 * of its frame builder (services/web/wsframe.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../services/web/product.h"
#include "../../services/web/wsframe.h"
#include "xalloc.h"

static void test_product_parse(void **state)
{
    struct product_id p;
    assert_null(product_parse("coinbase:BTC-USD", 16, &p));
    assert_string_equal(p.id, "coinbase:BTC-USD");
    assert_string_equal(p.exchange, "coinbase");
    assert_string_equal(p.pair, "BTC-USD");
    const char *bad[] = { "", ":", "coinbase:", ":BTC-USD", "Coinbase:BTC-USD", "coinbase:btc-usd",
                          "coinbase:BTCUSD", "coin base:BTC-USD", "averyveryverylongexchange:BTC-USD",
                          "coinbase:BTC-USD:X", "coinbase;BTC-USD", "<script>:BTC-USD" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (product_parse(bad[i], strlen(bad[i]), &p) == NULL)
            fail_msg("accepted '%s'", bad[i]);
    assert_non_null(product_parse("coinbase:BTC-USD\0x", 18, &p));
}

static void test_query_param(void **state)
{
    char v[32];
    const char *q = "product=coinbase%3ABTC-USD&limit=5&x&empty=";
    assert_null(query_param(q, strlen(q), "product", v, sizeof v));
    assert_string_equal(v, "coinbase:BTC-USD");
    assert_null(query_param(q, strlen(q), "limit", v, sizeof v));
    assert_string_equal(v, "5");
    assert_null(query_param(q, strlen(q), "x", v, sizeof v));
    assert_string_equal(v, "");
    assert_null(query_param(q, strlen(q), "empty", v, sizeof v));
    assert_string_equal(v, "");
    assert_string_equal(query_param(q, strlen(q), "lim", v, sizeof v), "missing");
    assert_string_equal(query_param("a=%4", 4, "a", v, sizeof v), "query has a bad %-escape");
    assert_string_equal(query_param("a=%4&b=1", 8, "a", v, sizeof v), "query has a bad %-escape");
    assert_string_equal(query_param("a=%zz", 5, "a", v, sizeof v), "query has a bad %-escape");
    assert_string_equal(query_param("a=%00", 5, "a", v, sizeof v), "query value has a NUL byte");
    assert_null(query_param("a=x+y", 5, "a", v, sizeof v));
    assert_string_equal(v, "x y");
    char tiny[4];
    assert_string_equal(query_param("a=abcdef", 8, "a", tiny, sizeof tiny), "query value too long");
    /* The query length is honoured: nothing past len is read. */
    assert_string_equal(query_param("a=1&b=2", 3, "b", v, sizeof v), "missing");
}

static void test_limit_parse(void **state)
{
    long v = 0;
    assert_null(limit_parse("1", 1000, &v));
    assert_int_equal(v, 1);
    assert_null(limit_parse("1000", 1000, &v));
    assert_int_equal(v, 1000);
    const char *bad[] = { "", "0", "1001", "-1", "+1", "1.0", "1e3", " 1", "9999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (limit_parse(bad[i], 1000, &v) == NULL)
            fail_msg("accepted limit '%s'", bad[i]);
}

static void test_ws_msg_parse(void **state)
{
    static struct ws_msg m;
    char detail[128];
    const char *ok = "{\"type\":\"subscribe\",\"products\":[\"coinbase:BTC-USD\",\"bitstamp:ETH-EUR\"]}";
    assert_null(ws_msg_parse(ok, strlen(ok), &m, detail));
    assert_int_equal(m.type, WS_MSG_SUBSCRIBE);
    assert_int_equal(m.count, 2);
    assert_string_equal(m.products[1].id, "bitstamp:ETH-EUR");
    const char *un = "{\"products\":[],\"type\":\"unsubscribe\"}";
    assert_null(ws_msg_parse(un, strlen(un), &m, detail));
    assert_int_equal(m.type, WS_MSG_UNSUBSCRIBE);
    assert_int_equal(m.count, 0);
    struct {
        const char *in, *err;
    } bad[] = {
        { "", "message must be a JSON object" },
        { "[]", "message must be a JSON object" },
        { "{\"products\":[]}", "message needs a string \"type\"" },
        { "{\"type\":\"sub\",\"products\":[]}", "type must be subscribe or unsubscribe" },
        { "{\"type\":\"subscribe\",\"products\":{}}", "message needs a \"products\" array" },
        { "{\"type\":\"subscribe\",\"products\":[null]}", "products must be strings" },
        { "{\"type\":\"subscribe\",\"products\":[\"x\"]}",
          "product must be <exchange>:<BASE>-<QUOTE>, such as coinbase:BTC-USD" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = ws_msg_parse(bad[i].in, strlen(bad[i].in), &m, detail);
        assert_non_null(err);
        assert_string_equal(err, bad[i].err);
    }
    assert_string_equal(detail, "x");
}

/* RFC 6455 5.2: 7-bit lengths up to 125, 126 + 16 bits up to 65535, then
 * 127 + 64 bits; FIN and opcode 1; never a mask bit from a server. */
static void test_wsframe_header(void **state)
{
    unsigned char h[WSFRAME_HEADER_MAX];
    assert_int_equal(wsframe_header(h, 0), 2);
    assert_memory_equal(h, "\x81\x00", 2);
    assert_int_equal(wsframe_header(h, 125), 2);
    assert_memory_equal(h, "\x81\x7d", 2);
    assert_int_equal(wsframe_header(h, 126), 4);
    assert_memory_equal(h, "\x81\x7e\x00\x7e", 4);
    assert_int_equal(wsframe_header(h, 65535), 4);
    assert_memory_equal(h, "\x81\x7e\xff\xff", 4);
    assert_int_equal(wsframe_header(h, 65536), 10);
    assert_memory_equal(h, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    assert_int_equal(wsframe_header(h, 0x0123456789), 10);
    assert_memory_equal(h, "\x81\x7f\x00\x00\x00\x01\x23\x45\x67\x89", 10);
}

static void test_wsframe_text(void **state)
{
    const struct wsframe_part parts[] = { { "{\"a\":", 5 }, { "", 0 }, { "1}", 2 } };
    struct wsframe *f = wsframe_text(parts, 3);
    assert_int_equal(f->refs, 1);
    assert_int_equal(f->len, 9);
    assert_memory_equal(f->bytes, "\x81\x07{\"a\":1}", 9);
    assert_ptr_equal(wsframe_ref(f), f);
    assert_int_equal(f->refs, 2);
    wsframe_unref(f);
    assert_int_equal(f->refs, 1);
    wsframe_unref(f); /* freed: ASan and valgrind would report a leak otherwise */

    static char big[70000];
    memset(big, 'x', sizeof big);
    const struct wsframe_part one = { big, sizeof big };
    f = wsframe_text(&one, 1);
    assert_int_equal(f->len, 10 + sizeof big);
    assert_memory_equal(f->bytes, "\x81\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10);
    assert_memory_equal(f->bytes + 10, big, sizeof big);
    wsframe_unref(f);
}

int main(void)
{
    xalloc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_parse),
        cmocka_unit_test(test_query_param),
        cmocka_unit_test(test_limit_parse),
        cmocka_unit_test(test_ws_msg_parse),
        cmocka_unit_test(test_wsframe_header),
        cmocka_unit_test(test_wsframe_text),
    };
    return cmocka_run_group_tests_name("web_parse", tests, NULL, NULL);
}
