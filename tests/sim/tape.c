#include "tape.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "history.h"
#include "sim.h"

/* Catching up after a stall must not flood clients. */
#define MAX_TRADES_PER_TICK 10000

static uv_timer_t rate_timer;
static bool rate_running;
static uint64_t last_tick_ms;
static double owed;		/* trades due but not yet made */

static bool first_logged[GEN_MAX_PRODUCTS];
static uint64_t trading[CONN_SET_WORDS];	/* ever subscribed */

static long duplicates;		/* trades still to send twice */

/* /control/swap: a product's next trade waits for the one after it. */
static struct swap {
	bool armed;		/* the next trade is to be held */
	char *frame;		/* the held trade's frame, or NULL */
	size_t len;
	bool twice;		/* it was due to be duplicated */
} swaps[GEN_MAX_PRODUCTS];

static void
log_frame(const char *frame, size_t len)
{
	if (!sim.log)
		return;
	fwrite(frame, 1, len, sim.log);
	fputc('\n', sim.log);
	/* Tests read the log while we run. */
	fflush(sim.log);
}

int
tape_product(const char *base, const char *quote)
{
	int known = gen_count(sim.gen);
	int product = gen_product(sim.gen, base, quote, util_now_us());

	if (product >= known)
		history_add(&gen_get(sim.gen, product)->last);
	return product;
}

void
tape_subscribed(int product)
{
	conn_set_put(trading, product, true);
}

bool
tape_trading(int product)
{
	return conn_set_has(trading, product);
}

void
tape_log_first(int product, const char *frame, size_t len)
{
	const struct gen_product *p = gen_get(sim.gen, product);

	if (first_logged[product] || p->last.trade_id != p->first_trade_id)
		return;
	first_logged[product] = true;
	log_frame(frame, len);
}

void
tape_duplicate(long count)
{
	duplicates = count;
}

void
tape_swap(int product)
{
	swaps[product].armed = true;
}

static void
deliver(int product, const char *frame, size_t len, bool twice)
{
	struct conn *c;

	for (c = conn_first(); c; c = c->next) {
		if (!conn_set_has(c->trades, product))
			continue;
		conn_send(c, frame, len);
		if (twice)
			conn_send(c, frame, len);
	}
}

void
tape_trade(int product)
{
	struct swap *swap = &swaps[product];
	struct gen_trade t;
	bool twice = false;
	char *frame;
	size_t len;

	gen_trade(sim.gen, product, util_now_us() + sim.skew_ms * 1000, &t);
	sim.trades++;
	history_add(&t);
	frame = sim.exchange->trade_frame(&t, &len);
	log_frame(frame, len);
	if (duplicates > 0) {
		duplicates--;
		twice = true;
	}
	if (swap->armed) {
		swap->armed = false;
		swap->frame = frame;
		swap->len = len;
		swap->twice = twice;
		return;
	}
	deliver(product, frame, len, twice);
	free(frame);
	if (swap->frame) {
		deliver(product, swap->frame, swap->len, swap->twice);
		free(swap->frame);
		swap->frame = NULL;
	}
}

/* Makes the trades due since the last tick, each on a random product. */
static void
on_rate_tick(uv_timer_t *timer)
{
	int wanted[GEN_MAX_PRODUCTS];
	int count = 0, product;
	uint64_t now = uv_now(timer->loop);

	owed += sim.opts.rate * (double)(now - last_tick_ms) / 1000.0;
	last_tick_ms = now;
	for (product = 0; product < gen_count(sim.gen); product++)
		if (tape_trading(product))
			wanted[count++] = product;
	if (!count) {
		/* Nothing trades yet: the walk waits rather than bursting. */
		owed = 0;
		return;
	}
	if (owed > MAX_TRADES_PER_TICK)
		owed = MAX_TRADES_PER_TICK;
	while (owed >= 1.0) {
		owed -= 1.0;
		tape_trade(wanted[gen_random(sim.gen) % (uint64_t)count]);
	}
}

int
tape_start(uv_loop_t *loop)
{
	double period_ms;
	int err;

	if (sim.opts.rate <= 0)
		return 0;
	period_ms = 1000.0 / sim.opts.rate;
	if (period_ms < 1)
		period_ms = 1;
	if (period_ms > 1000)
		period_ms = 1000;
	if ((err = uv_timer_init(loop, &rate_timer)))
		return err;
	rate_running = true;
	last_tick_ms = uv_now(loop);
	return uv_timer_start(&rate_timer, on_rate_tick, (uint64_t)period_ms,
			      (uint64_t)period_ms);
}

void
tape_stop(void)
{
	int product;

	for (product = 0; product < GEN_MAX_PRODUCTS; product++) {
		free(swaps[product].frame);
		swaps[product] = (struct swap){ 0 };
	}
	if (!rate_running)
		return;
	rate_running = false;
	uv_timer_stop(&rate_timer);
	uv_close((uv_handle_t *)&rate_timer, NULL);
}
