/* Unit tests of libcommon/jscan.c: what is valid JSON and where an invalid
 * text stops being valid, escapes and UTF-8, keys, limits, numbers, and the
 * documented differences from cJSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "xalloc.h"

/* A literal with its length, NUL bytes inside included. */
#define TEXT(s) s, sizeof(s) - 1

static struct jscan_member members[64];

static void parse_ok(struct jscan *doc, const char *text, size_t len, size_t max)
{
    const char *err = jscan_parse(doc, text, len, members, max);
    if (err)
        fail_msg("rejected %.*s: %s at %zu", (int)len, text, err, doc->error_at);
}

static void expect_error(const char *text, size_t len, const char *want, size_t at)
{
    struct jscan doc;
    const char *err = jscan_parse(&doc, text, len, members, 64);
    if (err == NULL)
        fail_msg("accepted %.*s", (int)len, text);
    if (strcmp(err, want) != 0 || doc.error_at != at)
        fail_msg("%.*s: \"%s\" at %zu, want \"%s\" at %zu", (int)len, text, err, doc.error_at, want,
                 at);
}

static struct jscan_member find(const struct jscan *doc, const char *key)
{
    struct jscan_member m;
    if (jscan_find(doc, key, &m))
        fail_msg("no member %s", key);
    return m;
}

/* The decoded bytes of doc's string member `key` must be want[0..len). */
static void expect_bytes(const struct jscan *doc, const char *key, const char *want, size_t len)
{
    struct jscan_member m = find(doc, key);
    char buf[256];
    const char *out;
    size_t n;
    assert_null(jscan_string(&m, buf, sizeof buf, &out, &n));
    assert_int_equal(n, len);
    assert_memory_equal(out, want, len);
}

static void expect_raw(const struct jscan_member *m, const char *value)
{
    assert_int_equal(m->value_len, strlen(value));
    assert_memory_equal(m->value, value, m->value_len);
}

static void test_members_and_spans(void **state)
{
    static const char text[] = " {\"s\":\"x y\", \"n\" : -1.5e3,\"o\":{\"a\":[1,{}]},\"a\":[ ],"
                               "\"t\":true,\"f\":false,\"z\":null,\"\":\"\"}\n";
    struct jscan doc;
    parse_ok(&doc, TEXT(text), 64);
    assert_int_equal(doc.count, 8);
    assert_int_equal(doc.total, 8);
    static const struct {
        const char *key, *value;
        enum jscan_type type;
    } want[] = {
        {"s", "x y", JSCAN_STRING},
        {"n", "-1.5e3", JSCAN_NUMBER},
        {"o", "{\"a\":[1,{}]}", JSCAN_OBJECT},
        {"a", "[ ]", JSCAN_ARRAY},
        {"t", "true", JSCAN_TRUE},
        {"f", "false", JSCAN_FALSE},
        {"z", "null", JSCAN_NULL},
        {"", "", JSCAN_STRING},
    };
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(members[i].key_len, strlen(want[i].key));
        assert_memory_equal(members[i].key, want[i].key, members[i].key_len);
        assert_int_equal(members[i].type, want[i].type);
        expect_raw(&members[i], want[i].value);
        assert_false(members[i].key_escaped);
        assert_false(members[i].value_escaped);
    }
    /* Spans point into the text: no copy. */
    assert_ptr_equal(members[0].value, text + 7);
    struct jscan_member m;
    assert_string_equal(jscan_find(&doc, "missing", &m), "no such member");
    assert_string_equal(jscan_find(&doc, "S", &m), "no such member");

    struct jscan empty;
    parse_ok(&empty, TEXT("{}"), 64);
    assert_int_equal(empty.total, 0);
    parse_ok(&empty, TEXT("\t\r\n {\t\r\n }\t\r\n "), 64);
    assert_int_equal(empty.total, 0);
    /* A UTF-8 byte order mark before the text is skipped, as cJSON does. */
    parse_ok(&empty, TEXT("\xef\xbb\xbf{\"a\":1}"), 64);
    assert_int_equal(empty.total, 1);
}

static void test_invalid_texts(void **state)
{
    expect_error(TEXT(""), "JSON text ends too early", 0);
    expect_error(TEXT("  "), "JSON text ends too early", 2);
    expect_error(TEXT("[]"), "JSON text is not an object", 0);
    expect_error(TEXT("\"a\""), "JSON text is not an object", 0);
    expect_error(TEXT("42"), "JSON text is not an object", 0);
    expect_error(TEXT("not json"), "JSON text is not an object", 0);
    expect_error(TEXT("\xef\xbb{}"), "JSON text is not an object", 0);
    expect_error(TEXT("{\"a\"}"), "expected ':' after a key", 4);
    expect_error(TEXT("{\"a\" 1}"), "expected ':' after a key", 5);
    expect_error(TEXT("{\"a\":}"), "expected a JSON value", 5);
    expect_error(TEXT("{\"a\":1,}"), "expected a string key", 7);
    expect_error(TEXT("{,}"), "expected a string key", 1);
    expect_error(TEXT("{a:1}"), "expected a string key", 1);
    expect_error(TEXT("{'a':1}"), "expected a string key", 1);
    expect_error(TEXT("{1:2}"), "expected a string key", 1);
    expect_error(TEXT("{\"a\":1 \"b\":2}"), "expected ',' or '}' in an object", 7);
    expect_error(TEXT("{\"a\":1]"), "expected ',' or '}' in an object", 6);
    expect_error(TEXT("{\"a\":[1,]}"), "expected a JSON value", 8);
    expect_error(TEXT("{\"a\":[,]}"), "expected a JSON value", 6);
    expect_error(TEXT("{\"a\":[1 2]}"), "expected ',' or ']' in an array", 8);
    expect_error(TEXT("{\"a\":[1}"), "expected ',' or ']' in an array", 7);
    expect_error(TEXT("{\"a\":{]}"), "expected a string key", 6);
    expect_error(TEXT("{\"a\":{\"b\"}}"), "expected ':' after a key", 9);
    expect_error(TEXT("{\"a\":{\"b\":1,}}"), "expected a string key", 12);
    expect_error(TEXT("{\"a\":tru}"), "invalid literal (true, false or null)", 8);
    expect_error(TEXT("{\"a\":True}"), "expected a JSON value", 5);
    expect_error(TEXT("{\"a\":nulll}"), "expected ',' or '}' in an object", 9);
    expect_error(TEXT("{\"a\":truex}"), "expected ',' or '}' in an object", 9);
    expect_error(TEXT("{\"a\":'x'}"), "expected a JSON value", 5);
    /* Trailing garbage: cJSON stopped reading after the first value. */
    expect_error(TEXT("{} x"), "characters after the JSON text", 3);
    expect_error(TEXT("{}}"), "characters after the JSON text", 2);
    expect_error(TEXT("{}{}"), "characters after the JSON text", 2);
}

/* Every proper prefix of a valid text ends too early, exactly at its end. */
static void test_truncated(void **state)
{
    static const char text[] =
        "{\"k\\u00e9y\":[true,false,null,{\"x\":-12.5e+3}],\"s\":\"a\\n\\ud83d\\ude00\xc3\xa9"
        "\xe2\x82\xac\xf0\x9f\x98\x80\",\"n\":0.5E-2,\"e\":{},\"z\":[]}";
    struct jscan doc;
    parse_ok(&doc, TEXT(text), 64);
    for (size_t len = 0; len < sizeof text - 1; len++) {
        char *copy = xmalloc(len + 1); /* exact size, so ASan sees reads past len */
        memcpy(copy, text, len);
        expect_error(copy, len, "JSON text ends too early", len);
        free(copy);
    }
}

static void test_escapes(void **state)
{
    struct jscan doc;
    parse_ok(
        &doc,
        TEXT("{\"A\":\"\\u0041\",\"e\":\"\\u00e9\",\"euro\":\"\\u20AC\",\"smile\":\"\\ud83d\\ude00"
             "\",\"all\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"nul\":\"a\\u0000b\",\"mix\":\"x\\ty\","
             "\"max\":\"\\uDBFF\\uDFFF\"}"),
        64);
    expect_bytes(&doc, "A", "A", 1);
    expect_bytes(&doc, "e", "\xc3\xa9", 2);
    expect_bytes(&doc, "euro", "\xe2\x82\xac", 3);
    expect_bytes(&doc, "smile", "\xf0\x9f\x98\x80", 4);
    expect_bytes(&doc, "all", "\"\\/\b\f\n\r\t", 8);
    expect_bytes(&doc, "nul", "a\0b", 3); /* cJSON's C string ended at the NUL */
    expect_bytes(&doc, "mix", "x\ty", 3);
    expect_bytes(&doc, "max", "\xf4\x8f\xbf\xbf", 4);
    assert_true(find(&doc, "A").value_escaped);

    expect_error(TEXT("{\"a\":\"\\ud800\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\udc00\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\udfff\\ud800\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\ud800\\u0041\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\ud800\\ud800\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\ud800\\n\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\ud800x\"}"), "unpaired surrogate in a \\u escape", 6);
    expect_error(TEXT("{\"a\":\"\\ud800\\uZZZZ\"}"), "\\u escape without four hex digits", 12);
    expect_error(TEXT("{\"a\":\"\\uZZZZ\"}"), "\\u escape without four hex digits", 6);
    expect_error(TEXT("{\"a\":\"\\u12\"}"), "\\u escape without four hex digits", 6);
    expect_error(TEXT("{\"a\":\"\\u-123\"}"), "\\u escape without four hex digits", 6);
    expect_error(TEXT("{\"a\":\"\\x41\"}"), "invalid escape in a string", 6);
    expect_error(TEXT("{\"a\":\"\\'\"}"), "invalid escape in a string", 6);
    expect_error(TEXT("{\"a\":\"\\U0041\"}"), "invalid escape in a string", 6);
    expect_error(TEXT("{\"\\q\":1}"), "invalid escape in a string", 2);
}

static void test_string_buffer(void **state)
{
    static const char text[] = "{\"plain\":\"abc\",\"esc\":\"a\\u00e9\\n\"}";
    struct jscan doc;
    parse_ok(&doc, TEXT(text), 64);
    const char *out;
    size_t len;
    /* No escape: the span itself, whatever the buffer. */
    struct jscan_member m = find(&doc, "plain");
    assert_null(jscan_string(&m, NULL, 0, &out, &len));
    assert_ptr_equal(out, text + 10);
    assert_int_equal(len, 3);
    /* Escaped: decoded into the buffer, which must hold all of it. */
    m = find(&doc, "esc");
    char buf[4];
    assert_string_equal(jscan_string(&m, buf, 3, &out, &len), "string longer than the buffer");
    assert_null(jscan_string(&m, buf, 4, &out, &len));
    assert_ptr_equal(out, buf);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, "a\xc3\xa9\n", 4);
    assert_true(m.value_len >= len); /* the documented sufficient size */
    m = find(&doc, "plain");
    m.type = JSCAN_NUMBER;
    assert_string_equal(jscan_string(&m, buf, 4, &out, &len), "not a string");
}

static void test_utf8(void **state)
{
    struct jscan doc;
    parse_ok(&doc,
             TEXT("{\"\xc3\xa9\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef"
                  "\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\x7f\"}"),
             64);
    expect_bytes(&doc, "\xc3\xa9",
                 "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80"
                 "\x80\xf4\x8f\xbf\xbf\x7f",
                 25);
    static const char *const bad[] = {
        "\x80",             /* continuation without a lead */
        "\xbf",             /* same */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xe0\x9f\xbf",     /* overlong, 3 bytes */
        "\xed\xa0\x80",     /* UTF-16 surrogate D800 */
        "\xed\xbf\xbf",     /* surrogate DFFF */
        "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
        "\xf0\x8f\xbf\xbf", /* overlong, 4 bytes */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", /* no such lead */
        "\xff",             /* same */
        "\xfe",             /* same */
        "\xc3x",            /* lead without continuation */
        "\xe2\x82x",        /* cut short */
        "\xf0\x9f\x98x",    /* cut short */
        "\xc3\"",           /* the string ends inside the sequence */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "{\"a\":\"x%s\"}", bad[i]);
        expect_error(text, (size_t)n, "invalid UTF-8 in a string", 7);
    }
    expect_error(TEXT("{\"\xff\":1}"), "invalid UTF-8 in a string", 2);
    /* Outside strings, bytes above 0x7f are no token at all. */
    expect_error(TEXT("{\"a\":\xc3\xa9}"), "expected a JSON value", 5);
}

/* Strings are skipped 8 bytes at a time: whatever ends the run must be seen
 * at every position of a word, and plain bytes must not stop it. */
static void test_every_byte_position(void **state)
{
    static const struct {
        const char *insert;
        const char *decoded; /* NULL: invalid, with err */
        const char *err;
    } cases[] = {
        {"~", "~", NULL},       /* 0x7e */
        {"\x7f", "\x7f", NULL}, /* DEL needs no escape */
        {" ", " ", NULL},       /* 0x20, the lowest plain byte */
        {"!", "!", NULL},       /* 0x21 and 0x23 surround '"' */
        {"#", "#", NULL},
        {"[", "[", NULL}, /* 0x5b and 0x5d surround '\\' */
        {"]", "]", NULL},
        {"\\n", "\n", NULL},
        {"\xc3\xa9", "\xc3\xa9", NULL},
        {"\x1f", NULL, "control character in a string"},
        {"\x01", NULL, "control character in a string"},
        {"\x80", NULL, "invalid UTF-8 in a string"},
        {"\xff", NULL, "invalid UTF-8 in a string"},
        {"\\z", NULL, "invalid escape in a string"},
    };
    static const char as[] = "aaaaaaaaaaaaaaaaaaaa", bs[] = "bbbbbbbbbbbbbbbbbbbb";
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int pos = 0; pos < 20; pos++) {
            char text[64], want[64];
            int n = snprintf(text, sizeof text, "{\"a\":\"%.*s%s%.*s\"}", pos, as, cases[c].insert,
                             19 - pos, bs);
            if (cases[c].err) {
                expect_error(text, (size_t)n, cases[c].err, 6 + (size_t)pos);
                continue;
            }
            int want_len =
                snprintf(want, sizeof want, "%.*s%s%.*s", pos, as, cases[c].decoded, 19 - pos, bs);
            struct jscan doc;
            parse_ok(&doc, text, (size_t)n, 64);
            expect_bytes(&doc, "a", want, (size_t)want_len);
        }
    }
    /* The closing quote itself, at every position. */
    for (int pos = 0; pos < 20; pos++) {
        char text[64];
        int n = snprintf(text, sizeof text, "{\"a\":\"%.*s\",\"b\":1}", pos, as);
        struct jscan doc;
        parse_ok(&doc, text, (size_t)n, 64);
        assert_int_equal(members[0].value_len, pos);
        assert_int_equal(doc.total, 2);
    }
}

static void test_control_and_nul_bytes(void **state)
{
    for (unsigned c = 0; c < 0x20; c++) {
        char text[] = "{\"a\":\"x?\"}";
        text[7] = (char)c;
        expect_error(text, sizeof text - 1, "control character in a string", 7);
    }
    struct jscan doc;
    parse_ok(&doc, TEXT("{\"a\":\"\x7f\"}"), 64); /* DEL needs no escape */
    /* A NUL inside the length is a byte like any other: not whitespace, not
     * an end. (cJSON skips every byte up to 0x20 as whitespace.) */
    expect_error(TEXT("{\"a\":1}\0"), "characters after the JSON text", 7);
    expect_error(TEXT("\0{}"), "JSON text is not an object", 0);
    expect_error(TEXT("{\0}"), "expected a string key", 1);
    expect_error(TEXT("{\"a\":\0 1}"), "expected a JSON value", 5);
    expect_error(TEXT("{\"a\"\0:1}"), "expected ':' after a key", 4);
    expect_error(TEXT("{\"a\":1\0}"), "expected ',' or '}' in an object", 6);
    expect_error(TEXT("{\"a\":\"b\0c\"}"), "control character in a string", 7);
    expect_error(TEXT("{\x0b\"a\":1}"), "expected a string key", 1);
    expect_error(TEXT("{\"a\":1}\x0c"), "characters after the JSON text", 7);
    expect_error(TEXT("\x01{}"), "JSON text is not an object", 0);
}

static void test_keys(void **state)
{
    struct jscan doc;
    /* Keys are compared unescaped; the first of duplicates wins. */
    parse_ok(&doc,
             TEXT("{\"\\u0074ype\":\"escaped\",\"type\":\"plain\",\"a\\\"b\":1,\"ty\\u0000pe\":2,"
                  "\"x\":3,\"x\":4,\"\\u00e9\":5,\"\\ud83d\\ude00\":6,\"a\\/b\":7}"),
             64);
    expect_bytes(&doc, "type", "escaped", 7);
    assert_true(members[0].key_escaped);
    assert_false(members[1].key_escaped);
    expect_raw(&members[0], "escaped");
    struct jscan_member m = find(&doc, "a\"b");
    expect_raw(&m, "1");
    /* A key holding \u0000 equals no lookup key (cJSON cut it to "ty"). */
    assert_string_equal(jscan_find(&doc, "ty", &m), "no such member");
    m = find(&doc, "x");
    expect_raw(&m, "3");
    m = find(&doc, "\xc3\xa9");
    expect_raw(&m, "5");
    m = find(&doc, "\xf0\x9f\x98\x80");
    expect_raw(&m, "6");
    m = find(&doc, "a/b");
    expect_raw(&m, "7");
    /* A prefix or an extension of a key is another key. */
    assert_string_equal(jscan_find(&doc, "typ", &m), "no such member");
    assert_string_equal(jscan_find(&doc, "types", &m), "no such member");
    assert_string_equal(jscan_find(&doc, "\xc3", &m), "no such member");
    assert_string_equal(jscan_find(&doc, "a", &m), "no such member");
}

/* 40 members k0..k39 with values 0..39, and a duplicate k39 = 99 at the end. */
static size_t many_members(char *text, size_t size)
{
    size_t n = (size_t)snprintf(text, size, "{");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, size - n, "\"k%d\" : %d ,", i, i);
    n += (size_t)snprintf(text + n, size - n, "\"k39\":99}");
    return n;
}

static void test_member_limit(void **state)
{
    char text[1024];
    size_t len = many_members(text, sizeof text);
    for (size_t max = 0; max <= 42; max += 3) {
        struct jscan doc;
        parse_ok(&doc, text, len, max);
        assert_int_equal(doc.total, 41);
        assert_int_equal(doc.count, max < 41 ? max : 41);
        /* Members past the array are found all the same, the first of
         * duplicates included. */
        for (int i = 0; i < 40; i++) {
            char key[8], value[8];
            snprintf(key, sizeof key, "k%d", i);
            snprintf(value, sizeof value, "%d", i);
            struct jscan_member m = find(&doc, key);
            expect_raw(&m, value);
            assert_int_equal(m.key_len, strlen(key));
        }
        struct jscan_member m;
        assert_string_equal(jscan_find(&doc, "k40", &m), "no such member");
        /* Iteration walks all of them in order. */
        struct jscan_iter it;
        size_t seen = 0;
        jscan_iter_members(&doc, &it);
        while (jscan_next(&it, &m)) {
            char key[8];
            snprintf(key, sizeof key, "k%zu", seen < 40 ? seen : 39);
            assert_int_equal(m.key_len, strlen(key));
            assert_memory_equal(m.key, key, m.key_len);
            seen++;
        }
        assert_int_equal(seen, 41);
    }
    /* The array is written only up to max. */
    struct jscan_member small[2] = {0};
    struct jscan doc;
    assert_null(jscan_parse(&doc, text, len, small, 1));
    assert_int_equal(small[1].key_len, 0);
    assert_ptr_equal(small[1].key, NULL);
}

/* `levels` objects or arrays in all, the top-level object included:
 * {"a":{"a":{...}}} or {"a":[[[...]]]}. */
static char *nested(size_t levels, bool objects, size_t *len)
{
    char *text = xmalloc(levels * 6 + 8);
    size_t n = 0;
    text[n++] = '{';
    if (!objects && levels > 1) {
        memcpy(text + n, "\"a\":", 4);
        n += 4;
    }
    for (size_t i = 1; i < levels; i++) {
        if (objects) {
            memcpy(text + n, "\"a\":{", 5);
            n += 5;
        } else {
            text[n++] = '[';
        }
    }
    for (size_t i = 1; i < levels; i++)
        text[n++] = objects ? '}' : ']';
    text[n++] = '}';
    *len = n;
    return text;
}

static void test_depth_limit(void **state)
{
    assert_int_equal(JSCAN_MAX_DEPTH, 1000);
    for (int objects = 0; objects < 2; objects++) {
        size_t len;
        struct jscan doc;
        char *text = nested(1000, objects, &len);
        parse_ok(&doc, text, len, 64);
        free(text);
        text = nested(1001, objects, &len);
        /* The 1001st level is refused where it opens; cJSON refuses it too. */
        expect_error(text, len, "JSON nested too deeply", objects ? 1 + 999 * 5 + 4 : 5 + 999);
        assert_null(cJSON_ParseWithLength(text, len));
        free(text);
    }
    /* A top-level array counts as a level, too. */
    char text[2002];
    struct jscan_iter it;
    memset(text, '[', 1000);
    memset(text + 1000, ']', 1000);
    assert_null(jscan_array(text, 2000, &it));
    memset(text, '[', 1001);
    memset(text + 1001, ']', 1001);
    assert_string_equal(jscan_array(text, 2002, &it), "JSON nested too deeply");
}

static void expect_whole(const char *number, uint64_t max, const char *err, uint64_t want)
{
    char text[512];
    struct jscan doc;
    int n = snprintf(text, sizeof text, "{\"n\":%s}", number);
    parse_ok(&doc, text, (size_t)n, 64);
    struct jscan_member m = find(&doc, "n");
    uint64_t v = 12345;
    const char *got = jscan_whole(&m, max, &v);
    if (err == NULL && got != NULL)
        fail_msg("jscan_whole(%s): %s", number, got);
    if (err != NULL && (got == NULL || strcmp(got, err) != 0))
        fail_msg("jscan_whole(%s): %s, want %s", number, got ? got : "(accepted)", err);
    assert_true(v == (err ? 12345 : want));
}

static double number_double(const char *number)
{
    char text[512];
    struct jscan doc;
    int n = snprintf(text, sizeof text, "{\"n\":%s}", number);
    parse_ok(&doc, text, (size_t)n, 64);
    struct jscan_member m = find(&doc, "n");
    double v;
    assert_null(jscan_double(&m, &v));
    return v;
}

static void test_numbers(void **state)
{
    static const char *const good[] = {"0",         "-0",    "7",       "-7",   "0.5",     "-0.5",
                                       "1e5",       "1E5",   "1e+5",    "1e-5", "1.25E-0", "10",
                                       "123456789", "1e400", "-1e-400", "0e0",  "0.0e-0"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[64];
        struct jscan doc;
        int n = snprintf(text, sizeof text, "{\"n\":%s}", good[i]);
        parse_ok(&doc, text, (size_t)n, 64);
        assert_int_equal(members[0].type, JSCAN_NUMBER);
        expect_raw(&members[0], good[i]);
    }
    /* A 1000-digit number is valid JSON; cJSON 1.7.15 reads it, too. */
    char huge[1024] = "{\"n\":";
    memset(huge + 5, '9', 1000);
    memcpy(huge + 1005, "}", 2);
    struct jscan doc;
    parse_ok(&doc, huge, 1006, 64);
    assert_int_equal(members[0].value_len, 1000);

    expect_error(TEXT("{\"n\":01}"), "number with a leading zero", 5);
    expect_error(TEXT("{\"n\":-01}"), "number with a leading zero", 6);
    expect_error(TEXT("{\"n\":00}"), "number with a leading zero", 5);
    expect_error(TEXT("{\"n\":1.}"), "number without digits after the point", 7);
    expect_error(TEXT("{\"n\":1.e5}"), "number without digits after the point", 7);
    expect_error(TEXT("{\"n\":-.5}"), "invalid number", 6);
    expect_error(TEXT("{\"n\":-}"), "invalid number", 6);
    expect_error(TEXT("{\"n\":--1}"), "invalid number", 6);
    expect_error(TEXT("{\"n\":.5}"), "expected a JSON value", 5);
    expect_error(TEXT("{\"n\":+1}"), "expected a JSON value", 5);
    expect_error(TEXT("{\"n\":1e}"), "number without digits in the exponent", 7);
    expect_error(TEXT("{\"n\":1e+}"), "number without digits in the exponent", 8);
    expect_error(TEXT("{\"n\":1.5.3}"), "expected ',' or '}' in an object", 8);
    expect_error(TEXT("{\"n\":1e5e5}"), "expected ',' or '}' in an object", 8);
    expect_error(TEXT("{\"n\":0x10}"), "expected ',' or '}' in an object", 6);
    expect_error(TEXT("{\"n\":Infinity}"), "expected a JSON value", 5);
    expect_error(TEXT("{\"n\":-Infinity}"), "invalid number", 6);
    expect_error(TEXT("{\"n\":NaN}"), "expected a JSON value", 5);

    /* Whole numbers, read exactly from the text. */
    const uint64_t two53 = 9007199254740992ULL;
    expect_whole("7", two53, NULL, 7);
    expect_whole("7.0", two53, NULL, 7);
    expect_whole("0.7e1", two53, NULL, 7);
    expect_whole("700e-2", two53, NULL, 7);
    expect_whole("70000000000e-10", two53, NULL, 7);
    expect_whole("-0", two53, NULL, 0);
    expect_whole("-0.0e5", two53, NULL, 0);
    expect_whole("0e99999999999999999999", two53, NULL, 0);
    expect_whole("1568268", two53, NULL, 1568268);
    expect_whole("9007199254740992", two53, NULL, two53);
    expect_whole("9007199254740993", two53, "number out of range", 0); /* cJSON rounded it */
    expect_whole("18446744073709551615", UINT64_MAX, NULL, UINT64_MAX);
    expect_whole("18446744073709551616", UINT64_MAX, "number out of range", 0);
    expect_whole("1e19", UINT64_MAX, NULL, 10000000000000000000ULL);
    expect_whole("1e20", UINT64_MAX, "number out of range", 0);
    expect_whole("1e400", UINT64_MAX, "number out of range", 0);
    expect_whole("12345678901234567890000e-3", UINT64_MAX, NULL, 12345678901234567890ULL);
    expect_whole("123456789012345678901234567890e-10", UINT64_MAX, "not a whole number", 0);
    expect_whole("1.5", two53, "not a whole number", 0);
    expect_whole("1.0000000000000001", two53, "not a whole number", 0); /* cJSON: 1 */
    expect_whole("1e-400", two53, "not a whole number", 0);             /* cJSON: 0 */
    expect_whole("-1", two53, "number out of range", 0);
    expect_whole("-1.5", two53, "not a whole number", 0);
    expect_whole("2", 1, "number out of range", 0);
    expect_whole("1", 1, NULL, 1);
    expect_whole("\"1\"", two53, "not a number", 0);
    expect_whole("true", two53, "not a number", 0);

    /* Doubles, as strtod() and so cJSON read them. */
    assert_true(number_double("1.5") == 1.5);
    assert_true(number_double("-1.5e3") == -1500.0);
    assert_true(number_double("9007199254740993") == 9007199254740992.0);
    assert_true(number_double("1e400") == HUGE_VAL);
    assert_true(number_double("-1e400") == -HUGE_VAL);
    double negative_zero = number_double("-0");
    assert_true(negative_zero == 0 && signbit(negative_zero));
    assert_true(number_double("1e-400") == 0);
}

static void test_nested_and_arrays(void **state)
{
    static const char text[] =
        "{\"data\":{\"id\":1,\"s\":\"x\"},\"list\":[1,\"two\",{\"three\":3},[]],"
        "\"n\":5}";
    struct jscan doc, inner;
    struct jscan_member inner_members[4];
    parse_ok(&doc, TEXT(text), 64);
    struct jscan_member data = find(&doc, "data");
    assert_null(jscan_object(&data, &inner, inner_members, 4));
    assert_int_equal(inner.total, 2);
    expect_bytes(&inner, "s", "x", 1);
    struct jscan_member n = find(&doc, "n");
    assert_string_equal(jscan_object(&n, &inner, inner_members, 4), "not an object");

    struct jscan_member list = find(&doc, "list");
    struct jscan_iter it;
    assert_null(jscan_array(list.value, list.value_len, &it));
    static const struct {
        enum jscan_type type;
        const char *raw;
    } want[] = {{JSCAN_NUMBER, "1"},
                {JSCAN_STRING, "two"},
                {JSCAN_OBJECT, "{\"three\":3}"},
                {JSCAN_ARRAY, "[]"}};
    struct jscan_member e;
    for (size_t i = 0; i < 4; i++) {
        assert_true(jscan_next(&it, &e));
        assert_null(e.key);
        assert_int_equal(e.type, want[i].type);
        expect_raw(&e, want[i].raw);
    }
    assert_false(jscan_next(&it, &e));
    assert_false(jscan_next(&it, &e));

    assert_null(jscan_array(TEXT(" [ ] "), &it));
    assert_false(jscan_next(&it, &e));
    assert_string_equal(jscan_array(TEXT("{}"), &it), "JSON text is not an array");
    assert_string_equal(jscan_array(TEXT("[1,]"), &it), "expected a JSON value");
    assert_string_equal(jscan_array(TEXT("[1] 2"), &it), "characters after the JSON text");
    assert_string_equal(jscan_array(TEXT("[1"), &it), "JSON text ends too early");
}

/* The inputs cJSON accepted and jscan refuses, one of each kind (jscan.h). */
static void test_differences_from_cjson(void **state)
{
    static const struct {
        const char *text;
        size_t len;
        const char *err;
    } cases[] = {
        {TEXT("{\"a\":1} x"), "characters after the JSON text"},
        {TEXT("{\"a\":1}\0"), "characters after the JSON text"},
        {TEXT("{\x01\"a\":1}"), "expected a string key"},
        {TEXT("{\"a\":\0 1}"), "expected a JSON value"},
        {TEXT("{\"a\":\"\x01\"}"), "control character in a string"},
        {TEXT("{\"a\":\"b\0c\"}"), "control character in a string"},
        {TEXT("{\"a\":\"\xff\xfe\"}"), "invalid UTF-8 in a string"},
        {TEXT("{\"a\":\"\xed\xa0\x80\"}"), "invalid UTF-8 in a string"},
        {TEXT("{\"a\":\"\\uZZZZ\"}"), "\\u escape without four hex digits"},
        {TEXT("{\"a\":01}"), "number with a leading zero"},
        {TEXT("{\"a\":-01}"), "number with a leading zero"},
        {TEXT("{\"a\":1.}"), "number without digits after the point"},
        {TEXT("{\"a\":1.e5}"), "number without digits after the point"},
        {TEXT("{\"a\":-.5}"), "invalid number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *copy = xmalloc(cases[i].len);
        memcpy(copy, cases[i].text, cases[i].len);
        cJSON *root = cJSON_ParseWithLength(copy, cases[i].len);
        if (!cJSON_IsObject(root))
            fail_msg("case %zu: cJSON no longer accepts it", i);
        cJSON_Delete(root);
        struct jscan doc;
        const char *err = jscan_parse(&doc, copy, cases[i].len, members, 64);
        if (err == NULL || strcmp(err, cases[i].err) != 0)
            fail_msg("case %zu: %s, want %s", i, err ? err : "(accepted)", cases[i].err);
        free(copy);
    }
}

/* jscan_get_string: plain strings are the text's own bytes, escaped ones
 * are decoded one after another into one heap sized like the text. */
static void test_get_string(void **state)
{
    static const char text[] = "{\"a\":\"plain\",\"b\":\"x\\u0041y\",\"c\":\"\\n\\t\",\"d\":7}";
    struct jscan doc;
    parse_ok(&doc, text, sizeof text - 1, 64);
    struct jscan_strings st = JSCAN_STRINGS_INIT(sizeof text - 1);
    struct jscan_span a, b, c, d;
    assert_null(jscan_get_string(&st, &doc, "a", &a));
    assert_ptr_equal(a.p, text + 6);
    assert_true(jscan_span_is(a, "plain"));
    assert_null(st.heap); /* nothing escaped yet: nothing allocated */
    assert_null(jscan_get_string(&st, &doc, "b", &b));
    assert_ptr_equal(b.p, st.heap);
    assert_true(jscan_span_is(b, "xAy"));
    assert_null(jscan_get_string(&st, &doc, "c", &c));
    assert_ptr_equal(c.p, st.heap + 3);
    assert_true(jscan_span_is(c, "\n\t"));
    assert_true(jscan_span_is(b, "xAy")); /* still intact */
    assert_false(jscan_span_is(b, "xA"));
    assert_false(jscan_span_is(b, "xAyz"));
    assert_string_equal(jscan_get_string(&st, &doc, "d", &d), "missing or non-string field");
    assert_string_equal(jscan_get_string(&st, &doc, "e", &d), "missing or non-string field");
    jscan_strings_free(&st);
    assert_null(st.heap);
}

int main(void)
{
    xalloc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_and_spans),
        cmocka_unit_test(test_invalid_texts),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_string_buffer),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_every_byte_position),
        cmocka_unit_test(test_control_and_nul_bytes),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_member_limit),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_nested_and_arrays),
        cmocka_unit_test(test_differences_from_cjson),
        cmocka_unit_test(test_get_string),
    };
    return cmocka_run_group_tests_name("jscan", tests, NULL, NULL);
}
