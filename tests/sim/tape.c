#include "tape.h"

#include <stdlib.h>

#include "conn.h"
#include "sim.h"

/* Catching up after a stall must not flood clients. */
#define MAX_TRADES_PER_TICK 10000

static uv_timer_t rate_timer;
static bool rate_running;
static uint64_t last_tick_ms;
static double owed;		/* trades due but not yet made */

static bool first_logged[GEN_MAX_PRODUCTS];

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
tape_trade(int product)
{
	struct gen_trade t;
	struct conn *c;
	char *frame;
	size_t len;

	gen_trade(sim.gen, product, util_now_us(), &t);
	sim.trades++;
	frame = sim.exchange->trade_frame(&t, &len);
	log_frame(frame, len);
	for (c = conn_first(); c; c = c->next)
		if (conn_set_has(c->trades, product))
			conn_send(c, frame, len);
	free(frame);
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
		if (conn_product_wanted(product))
			wanted[count++] = product;
	if (!count) {
		/* Nobody listens: the walk pauses rather than bursting later. */
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
	if (!rate_running)
		return;
	rate_running = false;
	uv_timer_stop(&rate_timer);
	uv_close((uv_handle_t *)&rate_timer, NULL);
}
