/* fuzz: what every fuzz target shares (tests/fuzz/fuzz_*.c, one per parser
 * family). A target is an LLVMFuzzerTestOneInput that feeds the bytes to a
 * pure parser and then checks invariants of what came out, not only that
 * nothing crashed. The same file is built twice: with clang's libFuzzer
 * (`make fuzz`) and as a plain replay program (replay.c) that the normal
 * tests run over the committed corpus. Header-only: each target is one file. */
#ifndef POETICOINS_FUZZ_H
#define POETICOINS_FUZZ_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "trade.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken invariant is a finding: say which, then abort so that libFuzzer
 * saves the input (and the replay program names the file). */
#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ", __FILE__,   \
                    __LINE__, #cond);                                           \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* The services install xalloc into cJSON at start; so do the targets. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xalloc_init();
    return 0;
}

/* The input as a NUL-terminated string (caller frees); NUL bytes inside
 * stay and end the string early, as they would in an environment value. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* [0-9]+(\.[0-9]+)?: what decimal_normalize promises to produce. */
static inline bool fuzz_plain_decimal(const char *s)
{
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0)
        return false;
    if (s[i] == '.') {
        size_t f = ++i;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return false;
    }
    return s[i] == '\0';
}

/* YYYY-MM-DDTHH:MM:SS.ffffffZ */
static inline bool fuzz_time_shape(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (strlen(s) != TRADE_TIME_LEN)
        return false;
    for (size_t i = 0; i < TRADE_TIME_LEN; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    return true;
}

/* Printable ASCII only, as log_escape promises. */
static inline bool fuzz_printable(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n == max)
        return false; /* not terminated within its buffer */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* The published message of a parsed trade is the README's contract: compact
 * JSON, exactly the 8 string fields in order, each valid on its own, and the
 * id reads back as the trade's id. */
static inline void fuzz_check_trade(const struct trade *t, const char *exchange)
{
    static const char *const names[] = { "exchange", "pair",     "price",     "volume",
                                         "side",     "trade_id", "traded_at", "received_at" };
    char json[TRADE_JSON_MAX];
    size_t len = trade_to_json(t, json);
    FUZZ_CHECK(len > 0 && len < TRADE_JSON_MAX, "length %zu", len);
    FUZZ_CHECK(strlen(json) == len, "NUL inside the message");
    FUZZ_CHECK(strchr(json, ' ') == NULL, "not compact: %s", json);
    cJSON *root = cJSON_ParseWithLength(json, len);
    FUZZ_CHECK(cJSON_IsObject(root), "not a JSON object: %s", json);
    FUZZ_CHECK(cJSON_GetArraySize(root) == 8, "%d fields: %s", cJSON_GetArraySize(root), json);
    const cJSON *item = root->child;
    for (size_t i = 0; i < 8; i++, item = item->next) {
        FUZZ_CHECK(item && strcmp(item->string, names[i]) == 0, "field %zu: %s", i, json);
        FUZZ_CHECK(cJSON_IsString(item), "%s is not a string: %s", names[i], json);
    }
    FUZZ_CHECK(strcmp(t->exchange, exchange) == 0, "exchange %s", t->exchange);
    FUZZ_CHECK(pair_validate(t->pair) == NULL, "pair %s", t->pair);
    FUZZ_CHECK(fuzz_plain_decimal(t->price), "price %s", t->price);
    FUZZ_CHECK(fuzz_plain_decimal(t->volume), "volume %s", t->volume);
    FUZZ_CHECK(t->side && (strcmp(t->side, "buy") == 0 || strcmp(t->side, "sell") == 0),
               "side %s", t->side ? t->side : "(null)");
    FUZZ_CHECK(fuzz_time_shape(t->traded_at), "traded_at %s", t->traded_at);
    FUZZ_CHECK(fuzz_time_shape(t->received_at), "received_at %s", t->received_at);
    char id[TRADE_ID_MAX];
    snprintf(id, sizeof id, "%llu", (unsigned long long)t->id);
    FUZZ_CHECK(strcmp(id, t->trade_id) == 0, "trade_id %s vs id %s", t->trade_id, id);
    uint64_t back = 0;
    FUZZ_CHECK(trade_id_from_json(json, len, &back) == NULL && back == t->id,
               "trade_id does not read back: %s", json);
    cJSON_Delete(root);
}

/* What holds for every exchange parser's frame: a trade obeys the contract,
 * a rejection says why, text meant for the log is escaped, and parsing is
 * pure (`again` is the same bytes parsed a second time). */
static inline void fuzz_check_frame(const struct frame *f, const struct frame *again,
                                    const char *exchange)
{
    switch (f->kind) {
    case FRAME_TRADE:
        fuzz_check_trade(&f->trade, exchange);
        break;
    case FRAME_BAD_JSON:
    case FRAME_BAD_FIELD:
        FUZZ_CHECK(f->error != NULL, "a rejected frame must say why");
        break;
    case FRAME_EXCHANGE_ERROR:
        FUZZ_CHECK(fuzz_printable(f->text, sizeof f->text), "unescaped error text");
        break;
    default:
        break;
    }
    FUZZ_CHECK(fuzz_printable(f->channel, sizeof f->channel), "unescaped channel");
    FUZZ_CHECK(again->kind == f->kind && again->error == f->error &&
                   memcmp(&again->trade, &f->trade, sizeof f->trade) == 0,
               "two parses of one input differ");
}

/* What holds for every REST trades parser: no more than `max` trades, each
 * obeying the contract and named by the requested pair, and a parse that
 * stops early says why unless it stopped at max. */
static inline void fuzz_check_rest(const struct trade *trades, size_t count, size_t max,
                                   const char *err, const char *pair, const char *exchange)
{
    FUZZ_CHECK(count <= max, "%zu trades for room for %zu", count, max);
    for (size_t i = 0; i < count; i++) {
        fuzz_check_trade(&trades[i], exchange);
        FUZZ_CHECK(strcmp(trades[i].pair, pair) == 0, "pair %s, asked for %s", trades[i].pair,
                   pair);
    }
    FUZZ_CHECK(err == NULL || count < max, "error after a full page: %s", err);
}

typedef const char *(*fuzz_rest_parse_fn)(const char *body, size_t len, const char *pair,
                                          int64_t received_us, struct trade *out, size_t max,
                                          size_t *count, bool *page_full);

/* A REST target's input: first byte picks how many trades fit (1 to 128,
 * an exact-size array), the rest is the body. */
static inline void fuzz_rest_input(const uint8_t *data, size_t size, fuzz_rest_parse_fn parse,
                                   const char *exchange)
{
    if (size < 1)
        return;
    size_t max = (size_t)(data[0] % 128) + 1, count = 99999;
    struct trade *trades = xmalloc(max * sizeof *trades);
    bool page_full = true;
    const char *err = parse((const char *)data + 1, size - 1, "BTC-USD", 1618677817200113LL,
                            trades, max, &count, &page_full);
    fuzz_check_rest(trades, count, max, err, "BTC-USD", exchange);
    free(trades);
}

#endif
