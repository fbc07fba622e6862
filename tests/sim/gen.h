/*
 * gen: the deterministic trade generator. Pure: no I/O, no clock, no
 * globals; the caller passes the current time in, so the same seed and the
 * same sequence of calls always give the same trades.
 *
 * Each product keeps a random-walk price pulled back towards a reference
 * (recent real prices for BTC/ETH/LTC in USD/EUR, a name-derived one
 * otherwise), a per-product trade id (+1 per trade), a per-product sequence
 * (jumps by a few, as other feed messages would consume numbers) and its
 * most recent trade. Adding a product pre-creates one trade so that a
 * "most recent trade" always exists (Coinbase's last_match).
 *
 * Ownership: struct gen is created by gen_new and freed by gen_free.
 * Pointers returned by gen_get stay valid until gen_free (products are
 * never removed and the table does not move).
 */
#ifndef SIM_GEN_H
#define SIM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_PRODUCTS 256
#define GEN_SYMBOL_MAX 11	/* longest base or quote, e.g. "USDT" */
#define GEN_SIZE_DECIMALS 8	/* sizes are integers of 1e-8 */

struct gen_trade {
	int product;		/* index for gen_get */
	int64_t trade_id;	/* per product, previous + 1 */
	int64_t sequence;	/* per product, strictly increasing, gaps */
	int64_t global_id;	/* across products, strictly increasing, gaps */
	int64_t price_ticks;	/* price = price_ticks / 10^price_decimals */
	int price_decimals;
	int64_t size_units;	/* size = size_units / 10^GEN_SIZE_DECIMALS */
	int taker_side;		/* 0 = buy, 1 = sell: the aggressor */
	uint8_t maker_uuid[16];
	uint8_t taker_uuid[16];
	int64_t buy_order_id;	/* > 2^32, like Bitstamp's */
	int64_t sell_order_id;
	int64_t time_us;	/* unix time in microseconds */
	uint64_t style;		/* random bits for rendering choices */
};

struct gen_product {
	char name[2 * GEN_SYMBOL_MAX + 2];	/* "BTC-USD" */
	char base[GEN_SYMBOL_MAX + 1];		/* "BTC" */
	char quote[GEN_SYMBOL_MAX + 1];		/* "USD" */
	int price_decimals;
	double reference;	/* price the walk is pulled back to */
	int64_t price_ticks;	/* current price */
	double log_size_min, log_size_max;	/* natural log of size units */
	int64_t first_trade_id;	/* the pre-created trade's */
	int64_t next_trade_id;
	int64_t sequence;
	struct gen_trade last;	/* most recent trade */
};

struct gen;

struct gen *gen_new(uint64_t seed);
void gen_free(struct gen *g);

/*
 * Returns the index of product base-quote (symbols of 1..GEN_SYMBOL_MAX
 * uppercase letters or digits), adding it if new; -1 if the symbols are
 * invalid or the table is full. now_us dates the pre-created trade.
 */
int gen_product(struct gen *g, const char *base, const char *quote,
		int64_t now_us);
/* Index of an existing product by "BASE-QUOTE" name, or -1. */
int gen_find(const struct gen *g, const char *name);
int gen_count(const struct gen *g);
const struct gen_product *gen_get(const struct gen *g, int index);

/* Makes the next trade of a product; it also becomes the product's last. */
void gen_trade(struct gen *g, int product, int64_t now_us,
	       struct gen_trade *out);

/* Next value of the generator's PRNG (for callers that pick products). */
uint64_t gen_random(struct gen *g);

/*
 * Writes units / 10^decimals as a decimal string ("57786.80"); with trim,
 * trailing fractional zeros and a bare point are removed ("0.04", "450").
 * Returns the length, or -1 if it does not fit.
 */
int gen_format_decimal(char *out, size_t size, int64_t units, int decimals,
		       bool trim);

#endif
