/* jscan: a strict JSON scanner (RFC 8259) for the exchange parsers' hot
 * path. One pass over one JSON text, no allocation, no copy, no I/O (only
 * jscan_get_string() allocates, and only for an escaped string).
 *
 * jscan_parse() validates the whole text (every nested object and array,
 * every string with its escapes and UTF-8, every number) and records the
 * members of its top-level object (key, value type, value span) in an array
 * the caller provides. Values are read on demand: jscan_find() gives the
 * FIRST member with a key (as cJSON_GetObjectItemCaseSensitive did),
 * jscan_string() a string's bytes, jscan_whole() and jscan_double() a
 * number, jscan_object() and jscan_array() scan a nested value the same way.
 *
 * Ownership: nothing is copied. A struct jscan, its members, iterators and
 * every span point into the caller's text, which must outlive them; the
 * members array belongs to the caller.
 *
 * Limits:
 * - Nesting: at most JSCAN_MAX_DEPTH objects and arrays open at once, the
 *   top-level one included (cJSON's CJSON_NESTING_LIMIT, the same count);
 *   deeper text is an error. Nesting is tracked with one bit per level, not
 *   by recursion, so no input can exhaust the C stack.
 * - Members: any number. The first `max` are recorded in the caller's array;
 *   jscan_find() looks for a key that is not among them in the rest of the
 *   (already validated) text, so the bound costs time, never a member.
 *
 * Accepted: exactly RFC 8259's grammar; strings in valid UTF-8 (no overlong
 * forms, no encoded surrogates, nothing above U+10FFFF) whose escaped
 * surrogates come in high-low pairs; plus a UTF-8 byte order mark before the
 * text, which RFC 8259 (8.1) allows a parser to ignore and cJSON skips.
 *
 * Differences from cJSON 1.7.15's cJSON_ParseWithLength (Debian 12), which
 * the parsers used before; tests/fuzz/fuzz_jscan.c checks that these are the
 * only ones:
 * - Refused here, accepted by cJSON: anything but whitespace after the
 *   object (cJSON stops reading at the end of the first value); control
 *   bytes other than tab, LF and CR between tokens (cJSON skips every byte
 *   up to 0x20 as whitespace, NUL included) or raw inside strings; invalid
 *   UTF-8 in strings (cJSON copies bytes unchecked); \u followed by anything
 *   but four hex digits (cJSON reads U+0000); numbers outside the grammar:
 *   leading zeros (01, -01), a point without digits after it (1., 1.e5),
 *   no digit before the point (-.5).
 * - Meaning: a string is all of its bytes, including any after a \u0000.
 *   cJSON keeps C strings, so it saw "a\u0000b" as "a", as key and as value.
 *   Here such a key never equals a lookup key (a C string), and
 *   jscan_string() returns the NUL and what follows.
 *
 * Numbers are checked against the grammar only; their value is read when
 * asked for: jscan_whole() exactly from the text, jscan_double() with
 * strtod() (the C locale: the services never call setlocale()).
 *
 * Error convention (all of libcommon): a function that can fail returns
 * `const char *`, NULL on success or a constant message saying what was
 * wrong; it writes its outputs only on success unless stated. */
#ifndef POETICOINS_JSCAN_H
#define POETICOINS_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSCAN_MAX_DEPTH 1000

enum jscan_type {
    JSCAN_STRING,
    JSCAN_NUMBER,
    JSCAN_OBJECT,
    JSCAN_ARRAY,
    JSCAN_TRUE,
    JSCAN_FALSE,
    JSCAN_NULL,
};

/* One member of an object, or one element of an array (key NULL, length 0).
 * Spans are raw text: a key or a string value without its quotes and with
 * its escapes as written; any other value exactly as written, brackets
 * included for an object or array. */
struct jscan_member {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    enum jscan_type type;
    bool key_escaped;   /* the raw key holds a backslash */
    bool value_escaped; /* a string value's raw text holds a backslash */
};

/* A scanned object. */
struct jscan {
    struct jscan_member *members; /* the caller's array: the first `count` members */
    size_t count;                 /* members recorded: the lesser of total and max */
    size_t total;                 /* members in the object */
    const char *first;            /* where the first member starts */
    const char *rest;             /* where the first unrecorded member starts */
    const char *end;              /* the end of the object's members (its '}') */
    size_t error_at;              /* on failure only: offset of the byte where the text stopped
                                     being valid JSON (the length when it ended too early) */
};

/* Walks the members of an object or the elements of an array that jscan has
 * validated (jscan_iter_members(), jscan_array()). */
struct jscan_iter {
    const char *p, *end;
    bool object;
    size_t error_at; /* on jscan_array() failure only: as in struct jscan */
};

/* Scans `text` (len bytes; NUL bytes are just invalid characters) as one
 * JSON text whose top level is an object, recording up to `max` members in
 * `members`. On failure members[] may have been written and only
 * doc->error_at is set. */
const char *jscan_parse(struct jscan *doc, const char *text, size_t len,
                        struct jscan_member *members, size_t max);

/* The first member whose key, unescaped, is exactly `key` (a C string);
 * copied to *out. "no such member" otherwise. */
const char *jscan_find(const struct jscan *doc, const char *key, struct jscan_member *out);

/* The bytes of a string value: its raw span when it holds no escape (the
 * fast path, no copy), else decoded into buf (size bytes; m->value_len bytes
 * always suffice, decoding never lengthens a string). *out is not
 * NUL-terminated and may contain NUL bytes (from \u0000). Fails when m is
 * not a string or buf is too small; buf is then undefined. */
const char *jscan_string(const struct jscan_member *m, char *buf, size_t size, const char **out,
                         size_t *len);

/* A number's exact value when it is a whole number from 0 to max, in any
 * notation the grammar allows (7, 7.0, 0.7e1, 700e-2, -0). Fails for other
 * types, fractions and values out of range; never rounds. */
const char *jscan_whole(const struct jscan_member *m, uint64_t max, uint64_t *out);

/* A number's value as strtod() reads it (cJSON's valuedouble): nearest
 * double, +-HUGE_VAL beyond the range. m must come from jscan (the text after
 * a number bounds strtod()). */
const char *jscan_double(const struct jscan_member *m, double *out);

/* Scans a nested object value (m->type JSCAN_OBJECT) as jscan_parse() does. */
const char *jscan_object(const struct jscan_member *m, struct jscan *doc,
                         struct jscan_member *members, size_t max);

/* Validates `text` as one JSON text whose top level is an array and sets
 * *it before its first element (only it->error_at on failure). Pass a nested
 * array's value span to walk that array. */
const char *jscan_array(const char *text, size_t len, struct jscan_iter *it);

/* A string value's bytes; not NUL-terminated. */
struct jscan_span {
    const char *p;
    size_t len;
};

/* Whether s holds exactly the C string `text`. */
bool jscan_span_is(struct jscan_span s, const char *text);

/* Where the escaped strings read from one JSON text are decoded, for the
 * exchange parsers: a string is normally the text's own bytes; an escaped one
 * is decoded into `heap`, allocated on first need (the one allocation in this
 * module) as large as the whole text. Decoding never lengthens a string, so
 * as long as each member is read once it cannot run out. Initialise with
 * JSCAN_STRINGS_INIT(len) and release with jscan_strings_free(). */
struct jscan_strings {
    size_t text_len;
    char *heap;
    size_t used;
};
#define JSCAN_STRINGS_INIT(len)                                                                    \
    {                                                                                              \
        (len), NULL, 0                                                                             \
    }

/* The string member `name` of obj, decoded into st when escaped; fails when
 * there is none or it is not a string. */
const char *jscan_get_string(struct jscan_strings *st, const struct jscan *obj, const char *name,
                             struct jscan_span *out);
void jscan_strings_free(struct jscan_strings *st);

/* Sets *it before the first member of doc. */
void jscan_iter_members(const struct jscan *doc, struct jscan_iter *it);

/* The next member or element into *out; false after the last. */
bool jscan_next(struct jscan_iter *it, struct jscan_member *out);

#endif
