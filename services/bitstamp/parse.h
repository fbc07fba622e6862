/* Bitstamp v2 feed parser: one websocket message in, one struct frame out
 * (libcommon/frame.h). Pure: no I/O, no state, safe on any bytes.
 *
 * A `trade` on `live_trades_<pair>` is mapped back to the configured pair
 * whose channel name it is (BTC-USD <-> btcusd), never by cutting the name at
 * three letters (usdcusd, shibusd exist). Exact strings price_str and
 * amount_str are used, never the float price/amount; `type` 0 is a buy and 1
 * a sell (already the taker side); traded_at comes from microtimestamp.
 *
 * Messages and REST bodies are read with libcommon/jscan: strict JSON
 * (RFC 8259), no allocation unless a field read holds an escape. */
#ifndef POETICOINS_BITSTAMP_PARSE_H
#define POETICOINS_BITSTAMP_PARSE_H

#include <stdbool.h>

#include "frame.h"

void bitstamp_parse(const char *data, size_t len, int64_t received_us,
                    const struct pair_list *pairs, struct frame *out);

/* "BTC-USD" -> "live_trades_btcusd"; out must hold 64 bytes. */
void bitstamp_channel(const char *pair, char out[64]);

/* REST (GET /api/v2/transactions/<pair>/?time=hour, newest first). Trades
 * from REST carry whole-second times. */
void bitstamp_rest_path(const char *pair, uint64_t before_id, char *out, size_t outlen);
const char *bitstamp_rest_parse(const char *body, size_t len, const char *pair,
                                int64_t received_us, struct trade *out, size_t max, size_t *count,
                                bool *page_full);

#endif
