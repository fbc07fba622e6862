#include "control.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "fault.h"
#include "tape.h"

/* Bounds /control/trades?n= so one request cannot exhaust memory. */
#define MAX_TRADES_PER_PRODUCT 100000

/* Answers 400 {"error":message}. */
static void
fail(struct http_request *r, const char *message)
{
	http_error(r, HTTP_STATUS_BAD_REQUEST, "error", message);
}

/*
 * Parses the integer query argument `name` into *value (def if absent);
 * false after answering 400 if it is not an integer in min..max.
 */
static bool
int_arg(struct http_request *r, const char *name, long long def,
	long long min, long long max, long long *value)
{
	char text[64], *end;

	*value = def;
	if (!http_arg(r, name, text, sizeof(text)))
		return true;
	errno = 0;
	*value = strtoll(text, &end, 10);
	if (errno || end == text || *end || *value < min || *value > max) {
		char message[128];

		snprintf(message, sizeof(message), "%s must be %lld..%lld",
			 name, min, max);
		fail(r, message);
		return false;
	}
	return true;
}

/* Parses "0" or "1" from ?on=; false after answering 400. */
static bool
on_arg(struct http_request *r, bool *on)
{
	char value[8];

	if (!http_arg(r, "on", value, sizeof(value)) ||
	    (strcmp(value, "0") && strcmp(value, "1"))) {
		fail(r, "on must be 0 or 1");
		return false;
	}
	*on = value[0] == '1';
	return true;
}

static void
get_stats(struct http_request *r)
{
	buf_printf(&r->body, "{\"connections\":%d,\"subscribed\":%d,"
		   "\"subscribes\":%llu,\"trades\":%llu,"
		   "\"heartbeats_received\":%llu,\"rest_requests\":%llu,"
		   "\"cuts\":%llu}",
		   conn_count(), conn_subscribed_count(),
		   (unsigned long long)sim.subscribes,
		   (unsigned long long)sim.trades,
		   (unsigned long long)sim.heartbeats_received,
		   (unsigned long long)sim.rest_requests,
		   (unsigned long long)sim.cuts);
}

static void
get_trades(struct http_request *r)
{
	char name[64];
	int wanted[GEN_MAX_PRODUCTS];
	int count = 0, product, only = -1;
	long long rounds, round;

	if (!int_arg(r, "n", 1, 0, MAX_TRADES_PER_PRODUCT, &rounds))
		return;
	if (http_arg(r, "product", name, sizeof(name))) {
		only = gen_find(sim.gen, name);
		if (only < 0) {
			buf_puts(&r->body, "{\"trades\":0}");
			return;
		}
	}
	/* Every product some connection ever subscribed to, open or not. */
	for (product = 0; product < gen_count(sim.gen); product++)
		if ((only < 0 || product == only) && tape_trading(product))
			wanted[count++] = product;
	for (round = 0; round < rounds; round++)
		for (product = 0; product < count; product++)
			tape_trade(wanted[product]);
	buf_printf(&r->body, "{\"trades\":%lld}", rounds * count);
}

static void
get_drop(struct http_request *r)
{
	buf_printf(&r->body, "{\"dropped\":%d}", conn_drop_all());
}

static void
get_silence(struct http_request *r)
{
	bool on;

	if (!on_arg(r, &on))
		return;
	if (on && !sim.silenced)
		conn_clear_queues();
	sim.silenced = on;
	buf_printf(&r->body, "{\"silence\":%s}", on ? "true" : "false");
}

static void
get_inject(struct http_request *r)
{
	char path[PATH_MAX];
	struct line *lines;
	struct conn *c;
	size_t count, i;
	int receivers = 0;

	if (!http_arg(r, "file", path, sizeof(path))) {
		fail(r, "file is required");
		return;
	}
	lines = lines_read(path, &count);
	if (!lines) {
		fail(r, strerror(errno));
		return;
	}
	for (c = conn_first(); c; c = c->next) {
		if (c->dropped || !c->subscribed)
			continue;
		receivers++;
		for (i = 0; i < count; i++)
			conn_send(c, lines[i].data, lines[i].len);
	}
	lines_free(lines, count);
	buf_printf(&r->body, "{\"lines\":%zu,\"connections\":%d}", count,
		   receivers);
}

static void
get_request_reconnect(struct http_request *r)
{
	static const char frame[] =
		"{\"event\":\"bts:request_reconnect\",\"channel\":\"\","
		"\"data\":\"\"}";
	struct conn *c;
	int receivers = 0;

	for (c = conn_first(); c; c = c->next) {
		if (c->dropped)
			continue;
		receivers++;
		conn_send(c, frame, strlen(frame));
	}
	buf_printf(&r->body, "{\"connections\":%d}", receivers);
}

static void
get_heartbeat_replies(struct http_request *r)
{
	bool on;

	if (!on_arg(r, &on))
		return;
	sim.heartbeat_replies = on;
	buf_printf(&r->body, "{\"heartbeat_replies\":%s}",
		   on ? "true" : "false");
}

static void
get_rest_fail(struct http_request *r)
{
	long long n;

	if (!int_arg(r, "n", 1, 0, 1000000000, &n))
		return;
	sim.rest_fail = (uint64_t)n;
	buf_printf(&r->body, "{\"rest_fail\":%lld}", n);
}

static void
get_chaos(struct http_request *r)
{
	long long ms, seed;

	if (!int_arg(r, "ms", 0, 0, 3600000, &ms) ||
	    !int_arg(r, "seed", sim.opts.seed, 0, INT64_MAX, &seed))
		return;
	fault_chaos((uint64_t)ms, (uint64_t)seed);
	buf_printf(&r->body, "{\"chaos_ms\":%lld,\"seed\":%lld}", ms, seed);
}

static void
get_duplicate(struct http_request *r)
{
	long long n;

	if (!int_arg(r, "n", 1, 0, 1000000000, &n))
		return;
	tape_duplicate((long)n);
	buf_printf(&r->body, "{\"duplicate\":%lld}", n);
}

static void
get_swap(struct http_request *r)
{
	char name[64];
	int product;

	if (!http_arg(r, "product", name, sizeof(name))) {
		fail(r, "product is required");
		return;
	}
	product = gen_find(sim.gen, name);
	if (product < 0) {
		http_error(r, HTTP_STATUS_NOT_FOUND, "error", "unknown product");
		return;
	}
	tape_swap(product);
	buf_puts(&r->body, "{\"swap\":");
	buf_json_string(&r->body, gen_get(sim.gen, product)->name);
	buf_puts(&r->body, "}");
}

static void
get_skew(struct http_request *r)
{
	long long ms;

	/* Ten years either way is plenty and keeps times positive. */
	if (!int_arg(r, "ms", 0, -315360000000LL, 315360000000LL, &ms))
		return;
	sim.skew_ms = ms;
	buf_printf(&r->body, "{\"skew_ms\":%lld}", ms);
}

static const struct route {
	const char *path;
	void (*handle)(struct http_request *r);
	bool bitstamp_only;
} routes[] = {
	{ "/control/stats", get_stats, false },
	{ "/control/trades", get_trades, false },
	{ "/control/drop", get_drop, false },
	{ "/control/silence", get_silence, false },
	{ "/control/inject", get_inject, false },
	{ "/control/request_reconnect", get_request_reconnect, true },
	{ "/control/heartbeat_replies", get_heartbeat_replies, true },
	{ "/control/rest_fail", get_rest_fail, false },
	{ "/control/chaos", get_chaos, false },
	{ "/control/duplicate", get_duplicate, false },
	{ "/control/swap", get_swap, false },
	{ "/control/skew", get_skew, false },
};

bool
control_route(struct http_request *r, const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path))
			continue;
		if (routes[i].bitstamp_only &&
		    !sim.exchange->bitstamp_controls)
			return false;
		routes[i].handle(r);
		return true;
	}
	return false;
}
