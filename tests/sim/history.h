/*
 * history: each product's recent trades, oldest to newest in generation
 * order, for the REST endpoints. It keeps what both REST APIs need (ids,
 * price, size, side, time) in a compact record rather than the generator's
 * whole trade, and at most HISTORY_MAX trades per product: older ones are
 * gone, as on a real exchange ("too old").
 *
 * Per product the trade ids are consecutive (gen gives previous + 1 and
 * every trade, the pre-created one included, is added), so a trade id maps
 * to a position without searching.
 *
 * Ownership: the records live in this module until history_free; pointers
 * from history_get are valid until the next history_add.
 */
#ifndef SIM_HISTORY_H
#define SIM_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"

#define HISTORY_MAX 100000	/* trades kept per product */

struct history_trade {
	int64_t trade_id;	/* per product (Coinbase trade_id) */
	int64_t global_id;	/* across products (Bitstamp id/tid) */
	int64_t price_ticks;	/* / 10^price_decimals of the product */
	int64_t size_units;	/* / 10^GEN_SIZE_DECIMALS */
	int64_t time_us;	/* as sent: skew included */
	int taker_side;		/* 0 buy, 1 sell */
};

/* Records a trade of t->product; the oldest goes when the product is full. */
void history_add(const struct gen_trade *t);

/* Trades kept for a product. */
size_t history_count(int product);

/* The trade `age` places back from a product's newest (0 = newest). */
const struct history_trade *history_get(int product, size_t age);

/* Releases every product's records. */
void history_free(void);

#endif
