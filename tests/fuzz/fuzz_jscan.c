/* Fuzz target: libcommon/jscan.c, differential against cJSON 1.7.15's
 * cJSON_ParseWithLength, the parser it replaced in the exchange parsers.
 * For any input:
 * - jscan_parse() accepts it iff cJSON yields an object, except for the
 *   differences listed in jscan.h, each of which must be seen in the bytes
 *   at jscan's error offset (explained()); likewise jscan_array() and arrays;
 * - when both accept, the values agree member by member, in order, at every
 *   depth: keys, types, strings (all that cJSON keeps: the bytes up to the
 *   first NUL), numbers (the same double; jscan_whole() exact and in line
 *   with it), and jscan_find() returns the first member with a key, as
 *   cJSON_GetObjectItemCaseSensitive does.
 * The number of members jscan records (0 to 6) comes from the input's
 * length, so that finding past the caller's array is fuzzed too. */
#include "fuzz.h"

#include <math.h>

#include "jscan.h"

#define TWO_53 9007199254740992ULL

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Whether the bytes at p start a valid UTF-8 sequence, decoded the long way
 * (not as jscan checks it): code point, shortest form, no surrogate. */
static bool utf8_valid_at(const uint8_t *p, const uint8_t *end)
{
    size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (n == 0 || p[0] >= 0xf8 || (size_t)(end - p) < n)
        return false;
    unsigned long cp = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return false;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    return cp >= min[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* cJSON accepted the text, jscan refused it with err at `at`: true when the
 * bytes there show one of the differences documented in jscan.h. `value_end`
 * is where cJSON's value ended. */
static bool explained(const uint8_t *data, size_t size, const char *err, size_t at,
                      size_t value_end)
{
    FUZZ_CHECK(at <= size, "error offset %zu past the end (%zu)", at, size);
    if (strcmp(err, "characters after the JSON text") == 0)
        return at >= value_end; /* cJSON does not look past its value */
    if (at == size)
        return false; /* cJSON needs the same bytes to finish */
    uint8_t c = data[at];
    if (strcmp(err, "control character in a string") == 0)
        return c < 0x20;
    /* cJSON skips every byte up to 0x20 as whitespace. */
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
        (strcmp(err, "expected a string key") == 0 || strcmp(err, "expected a JSON value") == 0 ||
         strcmp(err, "expected ':' after a key") == 0 ||
         strcmp(err, "expected ',' or '}' in an object") == 0 ||
         strcmp(err, "expected ',' or ']' in an array") == 0 ||
         strcmp(err, "JSON text is not an object") == 0 ||
         strcmp(err, "JSON text is not an array") == 0))
        return true;
    if (strcmp(err, "invalid UTF-8 in a string") == 0)
        return c >= 0x80 && !utf8_valid_at(data + at, data + size);
    if (strcmp(err, "\\u escape without four hex digits") == 0) {
        if (size - at < 6 || c != '\\' || data[at + 1] != 'u')
            return false;
        for (size_t i = 2; i < 6; i++)
            if (!is_hex(data[at + i]))
                return true; /* cJSON reads U+0000 */
        return false;
    }
    if (strcmp(err, "number with a leading zero") == 0)
        return c == '0' && at + 1 < size && data[at + 1] >= '0' && data[at + 1] <= '9';
    if (strcmp(err, "number without digits after the point") == 0)
        return at > 0 && data[at - 1] == '.'; /* 1. and 1.e5 */
    if (strcmp(err, "invalid number") == 0)
        return c == '.' && at > 0 && data[at - 1] == '-'; /* -.5 */
    return false;
}

/* Decodes a string span (a key, or a string value) into a fresh buffer. */
static char *decoded(const char *raw, size_t raw_len, bool escaped, size_t *len)
{
    struct jscan_member m = {0};
    m.type = JSCAN_STRING;
    m.value = raw;
    m.value_len = raw_len;
    m.value_escaped = escaped;
    char *buf = xmalloc(raw_len + 1);
    const char *out;
    const char *err = jscan_string(&m, buf, raw_len, &out, len);
    FUZZ_CHECK(err == NULL, "a string of %zu bytes does not decode into as many: %s", raw_len, err);
    if (escaped && *len > 0) {
        /* One byte short of room must be refused, not overflowed. */
        char *small = xmalloc(*len - 1 + 1);
        const char *unused;
        size_t n;
        FUZZ_CHECK(jscan_string(&m, small, *len - 1, &unused, &n) != NULL,
                   "decoded into too little room");
        free(small);
    }
    FUZZ_CHECK(escaped ? out == buf : (out == raw && *len == raw_len),
               "the fast path is taken exactly for strings without escapes");
    if (out != buf)
        memcpy(buf, out, *len);
    buf[*len] = '\0';
    return buf;
}

/* What cJSON keeps of a string: its bytes up to the first NUL. */
static bool same_cstring(const char *bytes, size_t len, const char *cstring)
{
    size_t cut = strnlen(bytes, len);
    return strlen(cstring) == cut && memcmp(bytes, cstring, cut) == 0;
}

static void compare_value(const cJSON *c, const struct jscan_member *m);

static enum jscan_type type_of(const cJSON *c)
{
    if (cJSON_IsString(c))
        return JSCAN_STRING;
    if (cJSON_IsNumber(c))
        return JSCAN_NUMBER;
    if (cJSON_IsObject(c))
        return JSCAN_OBJECT;
    if (cJSON_IsArray(c))
        return JSCAN_ARRAY;
    if (cJSON_IsTrue(c))
        return JSCAN_TRUE;
    if (cJSON_IsFalse(c))
        return JSCAN_FALSE;
    FUZZ_CHECK(cJSON_IsNull(c), "cJSON type %d", c->type);
    return JSCAN_NULL;
}

static void compare_number(const cJSON *c, const struct jscan_member *m)
{
    double d;
    FUZZ_CHECK(jscan_double(m, &d) == NULL, "number %.*s unread", (int)m->value_len, m->value);
    FUZZ_CHECK(d == c->valuedouble && signbit(d) == signbit(c->valuedouble),
               "number %.*s: %.17g, cJSON %.17g", (int)m->value_len, m->value, d, c->valuedouble);
    uint64_t w;
    if (jscan_whole(m, TWO_53, &w) == NULL) {
        FUZZ_CHECK((double)w == d, "whole %.*s read as %llu", (int)m->value_len, m->value,
                   (unsigned long long)w);
        return;
    }
    /* Refused although the double is whole: only when the double rounded.
     * A plain integer of up to 15 digits never does. */
    bool plain = m->value_len <= 15;
    for (size_t i = 0; i < m->value_len; i++)
        plain = plain && m->value[i] >= '0' && m->value[i] <= '9';
    FUZZ_CHECK(!plain, "plain integer %.*s not whole", (int)m->value_len, m->value);
}

static bool same_member(const struct jscan_member *a, const struct jscan_member *b)
{
    return a->key == b->key && a->key_len == b->key_len && a->value == b->value &&
           a->value_len == b->value_len && a->type == b->type && a->key_escaped == b->key_escaped &&
           a->value_escaped == b->value_escaped;
}

/* Compares an object's members in order, and jscan_find() with cJSON's
 * lookup for every key. */
static void compare_object(const cJSON *c, const struct jscan *doc)
{
    FUZZ_CHECK(doc->total == (size_t)cJSON_GetArraySize(c), "%zu members, cJSON %d", doc->total,
               cJSON_GetArraySize(c));
    struct jscan_iter it;
    struct jscan_member m;
    const cJSON *child = c->child;
    size_t i = 0, n = doc->total;
    char **keys = xmalloc((n ? n : 1) * sizeof *keys);
    size_t *key_lens = xmalloc((n ? n : 1) * sizeof *key_lens);
    jscan_iter_members(doc, &it);
    while (jscan_next(&it, &m)) {
        FUZZ_CHECK(i < n && child, "more members than counted");
        if (i < doc->count)
            FUZZ_CHECK(same_member(&m, &doc->members[i]), "recorded member %zu differs", i);
        keys[i] = decoded(m.key, m.key_len, m.key_escaped, &key_lens[i]);
        FUZZ_CHECK(same_cstring(keys[i], key_lens[i], child->string), "key %zu: %s vs %s", i,
                   keys[i], child->string);
        compare_value(child, &m);
        child = child->next;
        i++;
    }
    FUZZ_CHECK(i == n && child == NULL, "iteration ended after %zu of %zu members", i, n);
    /* Lookups: jscan finds the first exact key; cJSON the first key equal up
     * to a NUL. They agree unless a key with a NUL comes first. */
    child = c->child;
    for (i = 0; i < n && i < 64; i++, child = child->next) {
        const char *key = child->string;
        size_t exact = n, cut = n;
        for (size_t j = 0; j < n; j++) {
            if (exact == n && key_lens[j] == strlen(key) && memcmp(keys[j], key, key_lens[j]) == 0)
                exact = j;
            if (cut == n && same_cstring(keys[j], key_lens[j], key))
                cut = j;
        }
        const cJSON *want = c->child;
        for (size_t j = 0; j < cut; j++)
            want = want->next;
        FUZZ_CHECK(cut < n && cJSON_GetObjectItemCaseSensitive(c, key) == want,
                   "cJSON's lookup of %s is not member %zu", key, cut);
        struct jscan_member found;
        const char *err = jscan_find(doc, key, &found);
        if (exact == n) {
            FUZZ_CHECK(err != NULL, "found %s, though no key is exactly that", key);
            continue;
        }
        FUZZ_CHECK(err == NULL, "%s not found", key);
        jscan_iter_members(doc, &it);
        for (size_t j = 0; j <= exact; j++)
            jscan_next(&it, &m);
        FUZZ_CHECK(same_member(&found, &m), "jscan_find(%s) is not member %zu", key, exact);
        bool nul_key_before = false;
        for (size_t j = 0; j < exact; j++)
            nul_key_before = nul_key_before || memchr(keys[j], '\0', key_lens[j]) != NULL;
        FUZZ_CHECK(exact == cut || nul_key_before, "jscan and cJSON find different %s", key);
    }
    for (i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(key_lens);
}

static void compare_array(const cJSON *c, struct jscan_iter *it)
{
    struct jscan_member e;
    const cJSON *child = c->child;
    while (jscan_next(it, &e)) {
        FUZZ_CHECK(child != NULL, "more elements than cJSON");
        FUZZ_CHECK(e.key == NULL && e.key_len == 0, "an element with a key");
        compare_value(child, &e);
        child = child->next;
    }
    FUZZ_CHECK(child == NULL, "fewer elements than cJSON");
}

static void compare_value(const cJSON *c, const struct jscan_member *m)
{
    enum jscan_type type = type_of(c);
    FUZZ_CHECK(m->type == type, "type %d, cJSON %d", m->type, type);
    switch (type) {
    case JSCAN_STRING: {
        size_t len;
        char *bytes = decoded(m->value, m->value_len, m->value_escaped, &len);
        FUZZ_CHECK(same_cstring(bytes, len, c->valuestring), "string %s vs %s", bytes,
                   c->valuestring);
        free(bytes);
        break;
    }
    case JSCAN_NUMBER:
        compare_number(c, m);
        break;
    case JSCAN_OBJECT: {
        struct jscan doc;
        struct jscan_member members[3];
        FUZZ_CHECK(jscan_object(m, &doc, members, 3) == NULL, "nested object rescanned badly");
        compare_object(c, &doc);
        break;
    }
    case JSCAN_ARRAY: {
        struct jscan_iter it;
        FUZZ_CHECK(jscan_array(m->value, m->value_len, &it) == NULL, "nested array rescanned");
        compare_array(c, &it);
        break;
    }
    default: {
        static const char *const words[] = {
            [JSCAN_TRUE] = "true", [JSCAN_FALSE] = "false", [JSCAN_NULL] = "null"};
        FUZZ_CHECK(m->value_len == strlen(words[type]) &&
                       memcmp(m->value, words[type], m->value_len) == 0,
                   "literal %.*s", (int)m->value_len, m->value);
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *value_end = text;
    cJSON *root = cJSON_ParseWithLengthOpts(text, size, &value_end, 0);
    size_t end = root ? (size_t)(value_end - text) : size;

    struct jscan_member members[6];
    struct jscan doc;
    size_t max = size % 7;
    const char *err = jscan_parse(&doc, text, size, members, max);
    if (err == NULL) {
        FUZZ_CHECK(cJSON_IsObject(root), "jscan accepts what cJSON does not read as an object");
        FUZZ_CHECK(doc.count == (doc.total < max ? doc.total : max), "count %zu", doc.count);
        compare_object(root, &doc);
    } else if (cJSON_IsObject(root)) {
        FUZZ_CHECK(explained(data, size, err, doc.error_at, end),
                   "cJSON reads an object, jscan says \"%s\" at %zu", err, doc.error_at);
    }

    struct jscan_iter it;
    err = jscan_array(text, size, &it);
    if (err == NULL) {
        FUZZ_CHECK(cJSON_IsArray(root), "jscan accepts what cJSON does not read as an array");
        compare_array(root, &it);
    } else if (cJSON_IsArray(root)) {
        FUZZ_CHECK(explained(data, size, err, it.error_at, end),
                   "cJSON reads an array, jscan says \"%s\" at %zu", err, it.error_at);
    }
    cJSON_Delete(root);
    return 0;
}
