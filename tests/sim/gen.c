#include "gen.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

struct gen {
	uint64_t state;		/* splitmix64 */
	int count;
	int64_t next_global_id;
	int64_t next_order_id;
	struct gen_product products[GEN_MAX_PRODUCTS];
};

/* Recent real prices; the rest get a price derived from their name. */
static const struct {
	const char *base, *quote;
	double price;
	int decimals;
} known[] = {
	{ "BTC", "USD", 90000.0, 2 },
	{ "BTC", "EUR", 83000.0, 2 },
	{ "ETH", "USD", 3000.0, 2 },
	{ "ETH", "EUR", 2700.0, 2 },
	{ "LTC", "USD", 85.0, 2 },
	{ "LTC", "EUR", 75.0, 2 },
	{ "USDT", "USD", 1.0, 5 },
	{ "USDC", "USD", 1.0, 5 },
	{ "USDT", "EUR", 0.92, 5 },
	{ "USDC", "EUR", 0.92, 5 },
};

static uint64_t
next(struct gen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
gen_random(struct gen *g)
{
	return next(g);
}

/* Uniform in [0, 1). */
static double
unit(struct gen *g)
{
	return (double)(next(g) >> 11) * 0x1.0p-53;
}

/* Roughly normal (Irwin-Hall of 4), mean 0, deviation 1; no libm needed. */
static double
normalish(struct gen *g)
{
	return (unit(g) + unit(g) + unit(g) + unit(g) - 2.0) * 1.7320508;
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

struct gen *
gen_new(uint64_t seed)
{
	struct gen *g = xcalloc(1, sizeof(*g));

	g->state = seed;
	g->next_global_id = 216000000 + (int64_t)(next(g) % 1000000);
	g->next_order_id = 1443875000000000LL + (int64_t)(next(g) % 1000000000);
	return g;
}

void
gen_free(struct gen *g)
{
	free(g);
}

static bool
valid_symbol(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > GEN_SYMBOL_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

int
gen_find(const struct gen *g, const char *name)
{
	int i;

	for (i = 0; i < g->count; i++)
		if (!strcmp(g->products[i].name, name))
			return i;
	return -1;
}

int
gen_count(const struct gen *g)
{
	return g->count;
}

const struct gen_product *
gen_get(const struct gen *g, int index)
{
	return &g->products[index];
}

static void
set_reference(struct gen_product *p)
{
	uint64_t h = fnv1a(p->name);
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(p->base, known[i].base) &&
		    !strcmp(p->quote, known[i].quote)) {
			p->reference = known[i].price;
			p->price_decimals = known[i].decimals;
			return;
		}
	}
	if (!strcmp(p->quote, "BTC") || !strcmp(p->quote, "ETH")) {
		/* A small cross rate, e.g. LTC-BTC ~ 0.001 */
		p->reference = 0.0001 * (double)(1 + h % 1000);
		p->price_decimals = 6;
	} else {
		p->reference = 0.5 + (double)(h % 50000) / 100.0;
		p->price_decimals = p->reference < 10.0 ? 4 : 2;
	}
}

int
gen_product(struct gen *g, const char *base, const char *quote,
	    int64_t now_us)
{
	struct gen_product *p;
	char name[sizeof(p->name)];
	struct gen_trade first;
	double scale, price;
	int index;

	if (!valid_symbol(base) || !valid_symbol(quote))
		return -1;
	snprintf(name, sizeof(name), "%s-%s", base, quote);
	index = gen_find(g, name);
	if (index >= 0)
		return index;
	if (g->count == GEN_MAX_PRODUCTS)
		return -1;

	index = g->count++;
	p = &g->products[index];
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, sizeof(name));
	snprintf(p->base, sizeof(p->base), "%s", base);
	snprintf(p->quote, sizeof(p->quote), "%s", quote);
	set_reference(p);

	scale = pow(10.0, p->price_decimals);
	price = p->reference * (1.0 + 0.01 * normalish(g));
	p->price_ticks = (int64_t)llround(price * scale);
	if (p->price_ticks < 1)
		p->price_ticks = 1;
	/* Sizes worth roughly 1 to 20000 in the quote currency. */
	p->log_size_min = log(1e8 / p->reference);
	p->log_size_max = log(2e4 * 1e8 / p->reference);
	p->next_trade_id = 1000000 + (int64_t)(next(g) % 900000000);
	p->first_trade_id = p->next_trade_id;
	p->sequence = 10000000000LL + (int64_t)(next(g) % 20000000000LL);

	/* The "last trade before we started": up to two minutes old. */
	gen_trade(g, index, now_us - (int64_t)(next(g) % 120000000), &first);
	return index;
}

static void
make_uuid(struct gen *g, uint8_t out[16])
{
	uint64_t hi = next(g), lo = next(g);
	int i;

	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(hi >> (8 * i));
		out[8 + i] = (uint8_t)(lo >> (8 * i));
	}
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);	/* version 4 */
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
}

void
gen_trade(struct gen *g, int product, int64_t now_us, struct gen_trade *out)
{
	struct gen_product *p = &g->products[product];
	double scale = pow(10.0, p->price_decimals);
	double price = (double)p->price_ticks / scale;
	int64_t maker_order, taker_order;

	/* Random walk of ~2 bp per trade, pulled 1% of the way back. */
	price += price * 0.0002 * normalish(g) +
		 0.01 * (p->reference - price);
	p->price_ticks = (int64_t)llround(price * scale);
	if (p->price_ticks < 1)
		p->price_ticks = 1;

	memset(out, 0, sizeof(*out));
	out->product = product;
	out->trade_id = p->next_trade_id++;
	p->sequence += 1 + (int64_t)(next(g) % 25);
	out->sequence = p->sequence;
	g->next_global_id += 1 + (next(g) % 4 == 0 ? (int64_t)(next(g) % 5) : 0);
	out->global_id = g->next_global_id;
	out->price_ticks = p->price_ticks;
	out->price_decimals = p->price_decimals;

	if (next(g) % 20 == 0) {
		/* Dust, which Bitstamp prints in exponent form ("1E-8"). */
		out->size_units = 1 + (int64_t)(next(g) % 99);
	} else {
		double l = p->log_size_min +
			   unit(g) * (p->log_size_max - p->log_size_min);
		out->size_units = (int64_t)exp(l);
		/* Humans like round sizes: often keep only 3 digits. */
		if (next(g) % 3 == 0 && out->size_units >= 100000) {
			int64_t r = 1;

			while (out->size_units / r >= 1000)
				r *= 10;
			out->size_units = out->size_units / r * r;
		}
		if (out->size_units < 1)
			out->size_units = 1;
	}

	out->taker_side = (int)(next(g) & 1);
	make_uuid(g, out->maker_uuid);
	make_uuid(g, out->taker_uuid);
	/* The taker order is new; the maker order rested for a while. */
	g->next_order_id += 1000 + (int64_t)(next(g) % 5000000);
	taker_order = g->next_order_id;
	maker_order = taker_order - 1000 - (int64_t)(next(g) % 50000000);
	out->buy_order_id = out->taker_side == 0 ? taker_order : maker_order;
	out->sell_order_id = out->taker_side == 0 ? maker_order : taker_order;
	out->time_us = now_us;
	out->style = next(g);
	p->last = *out;
}

int
gen_format_decimal(char *out, size_t size, int64_t units, int decimals,
		   bool trim)
{
	char digits[32];
	int64_t scale = 1;
	int64_t whole, frac;
	int i, len;
	bool negative = units < 0;

	if (decimals < 0 || decimals > 18)
		return -1;
	for (i = 0; i < decimals; i++)
		scale *= 10;
	if (negative)
		units = -units;
	whole = units / scale;
	frac = units % scale;
	if (decimals == 0)
		len = snprintf(out, size, "%s%lld", negative ? "-" : "",
			       (long long)whole);
	else {
		snprintf(digits, sizeof(digits), "%0*lld", decimals,
			 (long long)frac);
		if (trim) {
			int end = decimals;

			while (end > 0 && digits[end - 1] == '0')
				end--;
			digits[end] = '\0';
		}
		len = snprintf(out, size, "%s%lld%s%s", negative ? "-" : "",
			       (long long)whole, digits[0] ? "." : "", digits);
	}
	if (len < 0 || (size_t)len >= size)
		return -1;
	return len;
}
