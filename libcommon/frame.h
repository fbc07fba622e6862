/* frame: what an exchange parser makes of one websocket message.
 *
 * Every exchange has a pure parser (services/<name>/parse.c) with the
 * signature of frame_parse_fn: bytes in, a struct frame out, no I/O and no
 * state, so it can be unit-tested and fuzzed alone. The ingest runner acts on
 * the kind; exchange-specific kinds go to the exchange module's hook. */
#ifndef POETICOINS_FRAME_H
#define POETICOINS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "trade.h"

enum frame_kind {
    FRAME_TRADE,             /* .trade is filled */
    FRAME_IGNORED,           /* valid but not for us (ticker, order book, ...) */
    FRAME_HEARTBEAT,         /* liveness only */
    FRAME_SUBSCRIBED,        /* acknowledgement; .channel names what, if known */
    FRAME_EXCHANGE_ERROR,    /* the exchange reports an error; .text says it */
    FRAME_RECONNECT_REQUEST, /* the exchange asks us to reconnect now */
    FRAME_BAD_JSON,          /* not a JSON object; .error says why */
    FRAME_BAD_FIELD,         /* JSON, but a field is missing, mistyped or invalid */
};

#define FRAME_TEXT_MAX 256

struct frame {
    enum frame_kind kind;
    const char *error;             /* constant message for FRAME_BAD_* */
    char channel[64];              /* FRAME_SUBSCRIBED (and errors when known) */
    char text[FRAME_TEXT_MAX];     /* FRAME_EXCHANGE_ERROR, escaped */
    struct trade trade;            /* FRAME_TRADE */
    /* FRAME_HEARTBEAT from exchanges that number trades per product
     * (Coinbase): the product and its latest trade id, 0 when absent.
     * FRAME_SUBSCRIBED: the configured pair confirmed, "" for all of them. */
    char pair[TRADE_PAIR_MAX];
    uint64_t last_trade_id;
};

/* pairs: the configured pairs (a parser may map exchange names to them). */
typedef void (*frame_parse_fn)(const char *data, size_t len, int64_t received_us,
                               const struct pair_list *pairs, struct frame *out);

#endif
