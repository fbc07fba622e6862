#include "jscan.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Error messages (constants, so that tests and the fuzz target compare them). */
static const char E_TRUNCATED[] = "JSON text ends too early";
static const char E_NOT_OBJECT[] = "JSON text is not an object";
static const char E_NOT_ARRAY[] = "JSON text is not an array";
static const char E_TRAILING[] = "characters after the JSON text";
static const char E_VALUE[] = "expected a JSON value";
static const char E_KEY[] = "expected a string key";
static const char E_COLON[] = "expected ':' after a key";
static const char E_OBJECT_SEP[] = "expected ',' or '}' in an object";
static const char E_ARRAY_SEP[] = "expected ',' or ']' in an array";
static const char E_DEPTH[] = "JSON nested too deeply";
static const char E_LITERAL[] = "invalid literal (true, false or null)";
static const char E_NUMBER[] = "invalid number";
static const char E_LEADING_ZERO[] = "number with a leading zero";
static const char E_FRACTION[] = "number without digits after the point";
static const char E_EXPONENT[] = "number without digits in the exponent";
static const char E_CONTROL[] = "control character in a string";
static const char E_UTF8[] = "invalid UTF-8 in a string";
static const char E_ESCAPE[] = "invalid escape in a string";
static const char E_HEX[] = "\\u escape without four hex digits";
static const char E_SURROGATE[] = "unpaired surrogate in a \\u escape";

/* The text being scanned. Errors leave p at the offending byte. */
struct scan {
    const unsigned char *p, *end;
};

/* Bytes that stand for themselves in a string: printable ASCII but '"' and
 * '\\'. Anything else needs a closer look (end, escape, control, UTF-8). */
static const unsigned char plain[256] = {
    [0x20 ... 0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7f] = 1,
};

static inline void skip_ws(struct scan *s)
{
    /* Compact JSON has none: one comparison says so for any token byte. */
    while (s->p < s->end && *s->p <= ' ' &&
           (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The plain bytes from p on (see `plain`), 8 at a time while there are 8.
 * A word has a byte below n when (x - n * ONES) & ~x has a high bit set, and
 * a zero byte when (x - ONES) & ~x does (Hacker's Delight, 6-1); exact as
 * long as no byte has its own high bit set, and such a word stops anyway. */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
    while (end - p >= 8) {
        uint64_t x, quote, backslash;
        memcpy(&x, p, 8);
        quote = x ^ (ONES * '"');
        backslash = x ^ (ONES * '\\');
        uint64_t control = (x - ONES * 0x20) & ~x;
        uint64_t quotes = (quote - ONES) & ~quote;
        uint64_t backslashes = (backslash - ONES) & ~backslash;
        if ((control | quotes | backslashes | x) & HIGHS)
            break;
        p += 8;
    }
    while (p < end && plain[*p])
        p++;
    return p;
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The four hex digits at p (all available), or -1. */
static long hex4(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Validates the \u escape at p (its backslash): four hex digits, and a high
 * surrogate only followed by an escaped low one. Returns its length. */
static const char *scan_u_escape(struct scan *s, const unsigned char *p, size_t *len)
{
    const unsigned char *end = s->end;
    for (int i = 2; i < 6; i++) {
        if (p + i == end) {
            s->p = end;
            return E_TRUNCATED;
        }
        if (hex_digit(p[i]) < 0) {
            s->p = p;
            return E_HEX;
        }
    }
    long hi = hex4(p + 2);
    *len = 6;
    if (hi < 0xd800 || hi > 0xdfff)
        return NULL;
    /* A surrogate: a high one and an escaped low one right after it. */
    const unsigned char *q = p + 6;
    if (hi >= 0xdc00 || (q < end && q[0] != '\\') || (q + 1 < end && q[1] != 'u')) {
        s->p = p;
        return E_SURROGATE;
    }
    for (int i = 0; i < 6; i++) {
        if (q + i == end) {
            s->p = end;
            return E_TRUNCATED;
        }
        if (i >= 2 && hex_digit(q[i]) < 0) {
            s->p = q;
            return E_HEX;
        }
    }
    long lo = hex4(q + 2);
    if (lo < 0xdc00 || lo > 0xdfff) {
        s->p = p;
        return E_SURROGATE;
    }
    *len = 12;
    return NULL;
}

/* Length of the UTF-8 sequence at p (a byte >= 0x80), 0 when it is not
 * valid (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing
 * above U+10FFFF). Only the bytes before `end` are checked, so a valid
 * sequence cut by the end of the text returns more than end - p. */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xbf;
    size_t n;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (p + 1 < end && (p[1] < lo || p[1] > hi))
        return 0;
    for (size_t i = 2; i < n && p + i < end; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* The rest of a string from p, where skip_plain() stopped: the closing
 * quote, escapes, UTF-8 and what is wrong. */
static const char *scan_string_rest(struct scan *s, const unsigned char *p, bool *escaped)
{
    const unsigned char *end = s->end;
    bool esc = false;
    for (;; p = skip_plain(p, end)) {
        if (p == end) {
            s->p = end;
            return E_TRUNCATED;
        }
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            size_t n = 2;
            esc = true;
            if (p + 1 == end) {
                s->p = end;
                return E_TRUNCATED;
            }
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                break;
            case 'u': {
                const char *err = scan_u_escape(s, p, &n);
                if (err)
                    return err;
                break;
            }
            default:
                s->p = p;
                return E_ESCAPE;
            }
            p += n;
        } else if (c < 0x20) {
            s->p = p;
            return E_CONTROL;
        } else {
            size_t n = utf8_length(p, end);
            if (n == 0) {
                s->p = p;
                return E_UTF8;
            }
            if (n > (size_t)(end - p)) {
                s->p = end;
                return E_TRUNCATED;
            }
            p += n;
        }
    }
    s->p = p + 1;
    *escaped = esc;
    return NULL;
}

/* s->p at the opening quote; on success s->p is past the closing one and
 * *escaped says whether the string holds a backslash. Inline for the usual
 * string, printable ASCII without escapes. */
static inline const char *scan_string(struct scan *s, bool *escaped)
{
    const unsigned char *p = skip_plain(s->p + 1, s->end);
    if (p < s->end && *p == '"') {
        s->p = p + 1;
        *escaped = false;
        return NULL;
    }
    return scan_string_rest(s, p, escaped);
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; what follows is the
 * caller's business (a leading zero is named here for a clearer error). */
static const char *scan_number(struct scan *s)
{
    const unsigned char *p = s->p, *end = s->end;
    if (*p == '-')
        p++;
    if (p == end) {
        s->p = end;
        return E_TRUNCATED;
    }
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p)) {
            s->p = p - 1;
            return E_LEADING_ZERO;
        }
    } else if (is_digit(*p)) {
        while (p < end && is_digit(*p))
            p++;
    } else {
        s->p = p;
        return E_NUMBER;
    }
    if (p < end && *p == '.') {
        const unsigned char *digits = ++p;
        while (p < end && is_digit(*p))
            p++;
        if (p == digits) {
            s->p = p;
            return p == end ? E_TRUNCATED : E_FRACTION;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const unsigned char *digits = p;
        while (p < end && is_digit(*p))
            p++;
        if (p == digits) {
            s->p = p;
            return p == end ? E_TRUNCATED : E_EXPONENT;
        }
    }
    s->p = p;
    return NULL;
}

static const char *scan_literal(struct scan *s, const char *word, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s->p + i == s->end) {
            s->p = s->end;
            return E_TRUNCATED;
        }
        if (s->p[i] != (unsigned char)word[i]) {
            s->p += i;
            return E_LITERAL;
        }
    }
    s->p += n;
    return NULL;
}

/* A string, number or literal at s->p; *type says which. */
static inline const char *scan_scalar(struct scan *s, enum jscan_type *type, bool *escaped)
{
    if (s->p == s->end)
        return E_TRUNCATED;
    switch (*s->p) {
    case '"':
        *type = JSCAN_STRING;
        return scan_string(s, escaped);
    case 't':
        *type = JSCAN_TRUE;
        return scan_literal(s, "true", 4);
    case 'f':
        *type = JSCAN_FALSE;
        return scan_literal(s, "false", 5);
    case 'n':
        *type = JSCAN_NULL;
        return scan_literal(s, "null", 4);
    default:
        *type = JSCAN_NUMBER;
        if (*s->p == '-' || is_digit(*s->p))
            return scan_number(s);
        return E_VALUE;
    }
}

/* `"key" :` and the whitespace after it, s->p at the key's quote (or at
 * whatever stands there instead); the key's span goes to m unless NULL. */
static inline const char *scan_key(struct scan *s, struct jscan_member *m)
{
    const unsigned char *key = s->p;
    bool escaped;
    if (s->p == s->end)
        return E_TRUNCATED;
    if (*s->p != '"')
        return E_KEY;
    const char *err = scan_string(s, &escaped);
    if (err)
        return err;
    if (m) {
        m->key = (const char *)key + 1;
        m->key_len = (size_t)(s->p - key) - 2;
        m->key_escaped = escaped;
    }
    skip_ws(s);
    if (s->p == s->end)
        return E_TRUNCATED;
    if (*s->p != ':')
        return E_COLON;
    s->p++;
    skip_ws(s);
    return NULL;
}

/* Validates the object or array at s->p. `enclosing` containers are open
 * around it, the top-level one included. Iterative: `objects` holds one bit
 * per container opened here (1 for an object), so no nesting can exhaust
 * the C stack. */
static const char *scan_container(struct scan *s, unsigned enclosing)
{
    unsigned char objects[(JSCAN_MAX_DEPTH + 7) / 8] = {0};
    unsigned open = 0;
    enum jscan_type type;
    bool escaped;
    const char *err;
    for (;;) {
        /* A value starts at s->p. */
        if (s->p < s->end && (*s->p == '{' || *s->p == '[')) {
            bool object = *s->p == '{';
            if (enclosing + open >= JSCAN_MAX_DEPTH)
                return E_DEPTH;
            if (object)
                objects[open / 8] |= (unsigned char)(1u << (open % 8));
            else
                objects[open / 8] &= (unsigned char)~(1u << (open % 8));
            open++;
            s->p++;
            skip_ws(s);
            if (s->p == s->end || *s->p != (object ? '}' : ']')) {
                if (object && (err = scan_key(s, NULL)))
                    return err;
                continue; /* to its first value */
            }
            s->p++; /* empty: a whole value */
            open--;
        } else if ((err = scan_scalar(s, &type, &escaped))) {
            return err;
        }
        /* A value ended: close containers until one goes on with ','. */
        for (;;) {
            if (open == 0)
                return NULL;
            bool object = objects[(open - 1) / 8] & (1u << ((open - 1) % 8));
            skip_ws(s);
            if (s->p == s->end)
                return E_TRUNCATED;
            if (*s->p == ',') {
                s->p++;
                skip_ws(s);
                if (object && (err = scan_key(s, NULL)))
                    return err;
                break;
            }
            if (*s->p != (object ? '}' : ']'))
                return object ? E_OBJECT_SEP : E_ARRAY_SEP;
            s->p++;
            open--;
        }
    }
}

/* Any value at s->p, inside `enclosing` containers, into m's type and span. */
static inline const char *scan_value(struct scan *s, unsigned enclosing, struct jscan_member *m)
{
    const unsigned char *start = s->p;
    const char *err;
    m->value_escaped = false;
    if (s->p < s->end && (*s->p == '{' || *s->p == '[')) {
        m->type = *s->p == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
        err = scan_container(s, enclosing);
    } else {
        err = scan_scalar(s, &m->type, &m->value_escaped);
    }
    if (err)
        return err;
    if (m->type == JSCAN_STRING) {
        m->value = (const char *)start + 1;
        m->value_len = (size_t)(s->p - start) - 2;
    } else {
        m->value = (const char *)start;
        m->value_len = (size_t)(s->p - start);
    }
    return NULL;
}

/* `"key" : value` at s->p (inside the top-level object) into m. */
static inline const char *scan_member(struct scan *s, struct jscan_member *m)
{
    const char *err = scan_key(s, m);
    return err ? err : scan_value(s, 1, m);
}

/* Skips a leading byte order mark and whitespace; then s->p must be at
 * `open`. */
static const char *scan_start(struct scan *s, unsigned char open, const char *wrong)
{
    if (s->end - s->p >= 3 && memcmp(s->p, "\xef\xbb\xbf", 3) == 0)
        s->p += 3;
    skip_ws(s);
    if (s->p == s->end)
        return E_TRUNCATED;
    return *s->p == open ? NULL : wrong;
}

static const char *fail(struct jscan *doc, const struct scan *s, const char *text, const char *err)
{
    doc->error_at = (size_t)((const char *)s->p - text);
    return err;
}

const char *jscan_parse(struct jscan *doc, const char *text, size_t len,
                        struct jscan_member *members, size_t max)
{
    struct scan s = {(const unsigned char *)text, (const unsigned char *)text + len};
    struct jscan_member spare;
    size_t total = 0;
    const char *err, *first, *rest = NULL;
    if ((err = scan_start(&s, '{', E_NOT_OBJECT)))
        return fail(doc, &s, text, err);
    s.p++;
    skip_ws(&s);
    first = (const char *)s.p;
    if (s.p < s.end && *s.p == '}') {
        s.p++;
    } else {
        for (;;) {
            if (total == max)
                rest = (const char *)s.p;
            if ((err = scan_member(&s, total < max ? &members[total] : &spare)))
                return fail(doc, &s, text, err);
            total++;
            skip_ws(&s);
            if (s.p == s.end)
                return fail(doc, &s, text, E_TRUNCATED);
            if (*s.p == '}') {
                s.p++;
                break;
            }
            if (*s.p != ',')
                return fail(doc, &s, text, E_OBJECT_SEP);
            s.p++;
            skip_ws(&s);
        }
    }
    const char *close = (const char *)s.p - 1;
    skip_ws(&s);
    if (s.p != s.end)
        return fail(doc, &s, text, E_TRAILING);
    doc->members = members;
    doc->count = total < max ? total : max;
    doc->total = total;
    doc->first = first;
    doc->rest = rest ? rest : close;
    doc->end = close;
    return NULL;
}

const char *jscan_object(const struct jscan_member *m, struct jscan *doc,
                         struct jscan_member *members, size_t max)
{
    if (m->type != JSCAN_OBJECT)
        return "not an object";
    return jscan_parse(doc, m->value, m->value_len, members, max);
}

const char *jscan_array(const char *text, size_t len, struct jscan_iter *it)
{
    struct scan s = {(const unsigned char *)text, (const unsigned char *)text + len};
    const char *err = scan_start(&s, '[', E_NOT_ARRAY);
    const unsigned char *open = s.p;
    if (err == NULL)
        err = scan_container(&s, 0);
    const char *close = (const char *)s.p - 1;
    if (err == NULL) {
        skip_ws(&s);
        if (s.p != s.end)
            err = E_TRAILING;
    }
    if (err) {
        it->error_at = (size_t)((const char *)s.p - text);
        return err;
    }
    it->p = (const char *)open + 1;
    it->end = close;
    it->object = false;
    return NULL;
}

void jscan_iter_members(const struct jscan *doc, struct jscan_iter *it)
{
    it->p = doc->first;
    it->end = doc->end;
    it->object = true;
}

bool jscan_next(struct jscan_iter *it, struct jscan_member *out)
{
    struct scan s = {(const unsigned char *)it->p, (const unsigned char *)it->end};
    skip_ws(&s);
    if (s.p == s.end)
        return false;
    if (it->object) {
        if (scan_member(&s, out))
            return false;
    } else {
        out->key = NULL;
        out->key_len = 0;
        out->key_escaped = false;
        if (scan_value(&s, 1, out))
            return false;
    }
    skip_ws(&s);
    if (s.p < s.end && *s.p == ',')
        s.p++;
    it->p = (const char *)s.p;
    return true;
}

/* Writes code point cp as UTF-8; returns its length. */
static size_t utf8_put(unsigned long cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the (validated) escape at *p into out, advancing *p past it. */
static size_t decode_escape(const char **p, char out[4])
{
    const unsigned char *e = (const unsigned char *)*p;
    unsigned long cp;
    *p += 2;
    switch (e[1]) {
    case 'b':
        out[0] = '\b';
        return 1;
    case 'f':
        out[0] = '\f';
        return 1;
    case 'n':
        out[0] = '\n';
        return 1;
    case 'r':
        out[0] = '\r';
        return 1;
    case 't':
        out[0] = '\t';
        return 1;
    case 'u':
        cp = (unsigned long)hex4(e + 2);
        *p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)hex4(e + 8) - 0xdc00);
            *p += 6;
        }
        return utf8_put(cp, out);
    default: /* '"', '\\', '/' */
        out[0] = (char)e[1];
        return 1;
    }
}

/* Whether an escaped raw key, unescaped, is exactly key[0..n). */
static bool escaped_key_equals(const struct jscan_member *m, const char *key, size_t n)
{
    const char *p = m->key, *end = m->key + m->key_len;
    size_t i = 0;
    while (p < end) {
        char c[4];
        size_t k;
        if (*p == '\\') {
            k = decode_escape(&p, c);
        } else {
            c[0] = *p++;
            k = 1;
        }
        if (k > n - i || memcmp(c, key + i, k) != 0)
            return false;
        i += k;
    }
    return i == n;
}

/* The lookup's inner loop: length and first byte rule out most keys before
 * memcmp; unescaping never lengthens a key. */
static inline bool key_equals(const struct jscan_member *m, const char *key, size_t n)
{
    if (!m->key_escaped)
        return m->key_len == n && (n == 0 || (m->key[0] == key[0] && memcmp(m->key, key, n) == 0));
    return m->key_len >= n && escaped_key_equals(m, key, n);
}

const char *jscan_find(const struct jscan *doc, const char *key, struct jscan_member *out)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < doc->count; i++) {
        if (key_equals(&doc->members[i], key, n)) {
            *out = doc->members[i];
            return NULL;
        }
    }
    if (doc->count < doc->total) {
        /* Past the caller's array: read on in the text. */
        struct jscan_iter it = {doc->rest, doc->end, true, 0};
        struct jscan_member m;
        while (jscan_next(&it, &m)) {
            if (key_equals(&m, key, n)) {
                *out = m;
                return NULL;
            }
        }
    }
    return "no such member";
}

const char *jscan_string(const struct jscan_member *m, char *buf, size_t size, const char **out,
                         size_t *len)
{
    if (m->type != JSCAN_STRING)
        return "not a string";
    if (!m->value_escaped) {
        *out = m->value;
        *len = m->value_len;
        return NULL;
    }
    const char *p = m->value, *end = m->value + m->value_len;
    size_t n = 0;
    while (p < end) {
        const char *backslash = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((backslash ? backslash : end) - p);
        if (run > size - n)
            return "string longer than the buffer";
        memcpy(buf + n, p, run);
        n += run;
        p += run;
        if (p == end)
            break;
        char c[4];
        size_t k = decode_escape(&p, c);
        if (k > size - n)
            return "string longer than the buffer";
        memcpy(buf + n, c, k);
        n += k;
    }
    *out = buf;
    *len = n;
    return NULL;
}

const char *jscan_whole(const struct jscan_member *m, uint64_t max, uint64_t *out)
{
    if (m->type != JSCAN_NUMBER)
        return "not a number";
    const char *p = m->value, *end = m->value + m->value_len;
    if (m->value_len <= 19) {
        /* The usual case, a plain integer: no overflow in 19 digits. */
        uint64_t v = 0;
        while (p < end && is_digit((unsigned char)*p))
            v = v * 10 + (uint64_t)(*p++ - '0');
        if (p == end) {
            if (v > max)
                return "number out of range";
            *out = v;
            return NULL;
        }
        p = m->value;
    }
    bool negative = *p == '-';
    if (negative)
        p++;
    /* The mantissa's digits without the point: value = digits * 10^(exp - frac_len). */
    const char *int_start = p;
    while (p < end && is_digit((unsigned char)*p))
        p++;
    size_t int_len = (size_t)(p - int_start);
    const char *frac_start = p;
    size_t frac_len = 0;
    if (p < end && *p == '.') {
        frac_start = ++p;
        while (p < end && is_digit((unsigned char)*p))
            p++;
        frac_len = (size_t)(p - frac_start);
    }
    /* The exponent saturates: past a few hundred it only decides between 0,
     * out of range and not whole, which the cap keeps. */
    long exp = 0;
    if (p < end) {
        bool exp_negative = false;
        p++; /* e or E */
        if (*p == '+' || *p == '-')
            exp_negative = *p++ == '-';
        for (; p < end; p++)
            if (exp < 100000)
                exp = exp * 10 + (*p - '0');
        if (exp_negative)
            exp = -exp;
    }
    size_t ndigits = int_len + frac_len;
#define DIGIT(i) ((i) < int_len ? int_start[i] : frac_start[(i)-int_len])
    size_t lead = 0, last = ndigits;
    while (lead < ndigits && DIGIT(lead) == '0')
        lead++;
    if (lead == ndigits) {
        *out = 0; /* zero, whatever the sign and exponent */
        return NULL;
    }
    while (DIGIT(last - 1) == '0')
        last--;
    /* Significant digits lead..last, then zeros: value = sig * 10^shift. */
    long shift = exp - (long)frac_len + (long)(ndigits - last);
    if (shift < 0)
        return "not a whole number";
    if (negative)
        return "number out of range";
    if ((long)(last - lead) + shift > 20)
        return "number out of range";
    uint64_t v = 0;
    for (size_t i = lead; i < last; i++) {
        uint64_t d = (uint64_t)(DIGIT(i) - '0');
        if (v > (UINT64_MAX - d) / 10)
            return "number out of range";
        v = v * 10 + d;
    }
#undef DIGIT
    for (long i = 0; i < shift; i++) {
        if (v > UINT64_MAX / 10)
            return "number out of range";
        v *= 10;
    }
    if (v > max)
        return "number out of range";
    *out = v;
    return NULL;
}

const char *jscan_double(const struct jscan_member *m, double *out)
{
    if (m->type != JSCAN_NUMBER)
        return "not a number";
    char *end;
    double v = strtod(m->value, &end);
    if (end != m->value + m->value_len)
        return "number not read by strtod (locale?)";
    *out = v;
    return NULL;
}

bool jscan_span_is(struct jscan_span s, const char *text)
{
    return s.len == strlen(text) && memcmp(s.p, text, s.len) == 0;
}

const char *jscan_get_string(struct jscan_strings *st, const struct jscan *obj, const char *name,
                             struct jscan_span *out)
{
    struct jscan_member m;
    if (jscan_find(obj, name, &m) || m.type != JSCAN_STRING)
        return "missing or non-string field";
    if (!m.value_escaped) { /* the fast path: the text's own bytes */
        *out = (struct jscan_span){m.value, m.value_len};
        return NULL;
    }
    if (st->heap == NULL)
        st->heap = xmalloc(st->text_len);
    if (jscan_string(&m, st->heap + st->used, st->text_len - st->used, &out->p, &out->len))
        return "string field too long"; /* cannot happen, see struct jscan_strings */
    st->used += out->len;
    return NULL;
}

void jscan_strings_free(struct jscan_strings *st)
{
    free(st->heap);
    st->heap = NULL;
    st->used = 0;
}
