/* trade: the normalised trade every ingest service publishes, and the pure
 * helpers that build one from exchange text (no I/O, no allocation).
 *
 * The published message is one compact JSON object with exactly these string
 * fields in this order: exchange, pair, price, volume, side, trade_id,
 * traded_at, received_at (README, "Redis contract"). All fields are validated
 * on the way in, so trade_to_json() never needs to escape anything.
 *
 * Error convention (all of libcommon): a function that can fail returns
 * `const char *`, NULL on success or a constant message saying what was
 * wrong; it writes its outputs only on success. */
#ifndef POETICOINS_TRADE_H
#define POETICOINS_TRADE_H

#include <stddef.h>
#include <stdint.h>

#define TRADE_EXCHANGE_MAX 16
#define TRADE_PAIR_MAX 24     /* "BASE-QUOTE", each part 1..10 [A-Z0-9] */
#define TRADE_DECIMAL_MAX 48  /* price and volume after exponent expansion */
#define TRADE_ID_MAX 21       /* decimal uint64 */
#define TRADE_TIME_LEN 27     /* 2021-04-17T16:43:37.121358Z */
#define TRADE_JSON_MAX 400    /* bound on trade_to_json() output */

struct trade {
    char exchange[TRADE_EXCHANGE_MAX];
    char pair[TRADE_PAIR_MAX];
    char price[TRADE_DECIMAL_MAX];
    char volume[TRADE_DECIMAL_MAX];
    const char *side;          /* "buy" or "sell" (static strings) */
    char trade_id[TRADE_ID_MAX];
    char traded_at[TRADE_TIME_LEN + 1];
    char received_at[TRADE_TIME_LEN + 1];
    uint64_t id;               /* trade_id as a number, for ordering and dedup */
};

/* Copies a decimal string, expanding exponent notation ("1E-8" becomes
 * "0.00000001", "1.50E+2" becomes "150"); plain decimals are copied unchanged,
 * trailing zeros included. Accepts [0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)?, no sign. */
const char *decimal_normalize(const char *in, size_t len, char *out, size_t outlen);

/* Normalises an RFC 3339 UTC time ("...T16:43:37.12Z", 0 to 9 fractional
 * digits, trailing Z) to exactly six fractional digits, truncating extra ones. */
const char *time_normalize(const char *in, size_t len, char out[TRADE_TIME_LEN + 1]);

/* Formats microseconds since the Unix epoch as RFC 3339 UTC, six digits.
 * Keeps the text of the last two seconds it formatted (it runs for every
 * trade), so it is not thread-safe. */
void time_format_us(int64_t us, char out[TRADE_TIME_LEN + 1]);

/* Formats a trade id as decimal ("%llu" without snprintf's format parsing,
 * about 800 instructions a trade on the ingest path). */
void trade_id_format(uint64_t id, char out[TRADE_ID_MAX]);

/* Parses a whole decimal uint64 ("123"; no sign, no leading zeros unless "0"). */
const char *trade_id_parse(const char *in, size_t len, uint64_t *out);

/* Validates a pair in the normalised form BASE-QUOTE, uppercase [A-Z0-9]. */
const char *pair_validate(const char *pair);

/* Writes the compact JSON message, NUL-terminated; returns its length.
 * out must hold TRADE_JSON_MAX bytes. */
size_t trade_to_json(const struct trade *t, char *out);

/* Reads trade_id back from a published message (the head of a history list).
 * Only the trade_id field is looked at. */
const char *trade_id_from_json(const char *json, size_t len, uint64_t *out);

#endif
