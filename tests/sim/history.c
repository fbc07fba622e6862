#include "history.h"

#include <stdlib.h>

#include "util.h"

/* A ring per product that grows by doubling up to HISTORY_MAX. */
struct ring {
	struct history_trade *trades;
	size_t cap;
	size_t start;		/* index of the oldest */
	size_t count;
};

static struct ring rings[GEN_MAX_PRODUCTS];

static void
grow(struct ring *r)
{
	struct history_trade *bigger;
	size_t cap = r->cap ? r->cap * 2 : 64, i;

	if (cap > HISTORY_MAX)
		cap = HISTORY_MAX;
	bigger = xmalloc(cap * sizeof(*bigger));
	for (i = 0; i < r->count; i++)
		bigger[i] = r->trades[(r->start + i) % r->cap];
	free(r->trades);
	r->trades = bigger;
	r->cap = cap;
	r->start = 0;
}

void
history_add(const struct gen_trade *t)
{
	struct ring *r = &rings[t->product];
	struct history_trade *h;

	if (r->count == r->cap && r->cap < HISTORY_MAX)
		grow(r);
	if (r->count == r->cap) {
		/* Full: the oldest slot becomes the newest. */
		h = &r->trades[r->start];
		r->start = (r->start + 1) % r->cap;
	} else {
		h = &r->trades[(r->start + r->count) % r->cap];
		r->count++;
	}
	h->trade_id = t->trade_id;
	h->global_id = t->global_id;
	h->price_ticks = t->price_ticks;
	h->size_units = t->size_units;
	h->time_us = t->time_us;
	h->taker_side = t->taker_side;
}

size_t
history_count(int product)
{
	return rings[product].count;
}

const struct history_trade *
history_get(int product, size_t age)
{
	const struct ring *r = &rings[product];

	if (age >= r->count)
		return NULL;
	return &r->trades[(r->start + r->count - 1 - age) % r->cap];
}

void
history_free(void)
{
	size_t i;

	for (i = 0; i < GEN_MAX_PRODUCTS; i++) {
		free(rings[i].trades);
		rings[i] = (struct ring){ 0 };
	}
}
