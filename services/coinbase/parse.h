/* Coinbase Exchange feed parser: one websocket message in, one struct frame
 * out (libcommon/frame.h). Pure: no I/O, no state, safe on any bytes.
 *
 * `match` and `last_match` are trades. Coinbase's `side` is the maker's side,
 * so the published (taker) side is its opposite. `subscriptions` is the
 * acknowledgement, `heartbeat` liveness, `error` an exchange error; every
 * other type (ticker, l2update, ...) is ignored, as Coinbase asks clients to
 * do with types they do not know.
 *
 * Messages and REST bodies are read with libcommon/jscan: strict JSON
 * (RFC 8259), no allocation unless a field read holds an escape. */
#ifndef POETICOINS_COINBASE_PARSE_H
#define POETICOINS_COINBASE_PARSE_H

#include <stdbool.h>

#include "frame.h"

void coinbase_parse(const char *data, size_t len, int64_t received_us,
                    const struct pair_list *pairs, struct frame *out);

/* REST (GET /products/<id>/trades, newest first, paged by `after`). */
#define COINBASE_REST_PAGE 100
void coinbase_rest_path(const char *pair, uint64_t before_id, char *out, size_t outlen);
const char *coinbase_rest_parse(const char *body, size_t len, const char *pair,
                                int64_t received_us, struct trade *out, size_t max, size_t *count,
                                bool *page_full);

#endif
