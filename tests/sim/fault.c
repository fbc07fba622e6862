#include "fault.h"

#include "conn.h"
#include "sim.h"

enum cut { CUT_BETWEEN_FRAMES, CUT_MID_FRAME, CUT_AT_SUBSCRIBE, CUTS };

static uv_timer_t chaos_timer;
static bool chaos_open;		/* the timer handle is initialised */
static uint64_t period_ms;	/* 0: chaos off */
static uint64_t rng;		/* splitmix64 state */
static bool cut_next_subscribe;

static uint64_t
next_random(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in period/2 .. 3*period/2, at least 1 ms. */
static uint64_t
next_delay(void)
{
	uint64_t delay = period_ms / 2 + next_random() % (period_ms + 1);

	return delay ? delay : 1;
}

static void
on_chaos_tick(uv_timer_t *timer)
{
	struct conn *c;

	for (c = conn_first(); c; c = c->next) {
		if (c->dropped)
			continue;
		switch ((enum cut)(next_random() % CUTS)) {
		case CUT_MID_FRAME:
			/* conn.c cuts at its next frame; never 0. */
			c->cut_mid_frame = next_random() | 1;
			break;
		case CUT_AT_SUBSCRIBE:
			cut_next_subscribe = true;
			/* fall through */
		default:
			conn_drop(c);
			sim.cuts++;
			break;
		}
	}
	uv_timer_start(timer, on_chaos_tick, next_delay(), 0);
}

void
fault_chaos(uint64_t ms, uint64_t seed)
{
	struct conn *c;

	period_ms = ms;
	rng = seed;
	if (!chaos_open)
		return;
	uv_timer_stop(&chaos_timer);
	if (ms) {
		uv_timer_start(&chaos_timer, on_chaos_tick, next_delay(), 0);
		return;
	}
	cut_next_subscribe = false;
	for (c = conn_first(); c; c = c->next)
		c->cut_mid_frame = 0;
}

bool
fault_cut_subscribe(struct conn *c)
{
	if (!cut_next_subscribe || c->dropped)
		return false;
	cut_next_subscribe = false;
	conn_drop(c);
	sim.cuts++;
	return true;
}

int
fault_start(uv_loop_t *loop)
{
	int err;

	if ((err = uv_timer_init(loop, &chaos_timer)))
		return err;
	chaos_open = true;
	return 0;
}

void
fault_stop(void)
{
	if (!chaos_open)
		return;
	chaos_open = false;
	uv_timer_stop(&chaos_timer);
	uv_close((uv_handle_t *)&chaos_timer, NULL);
}
