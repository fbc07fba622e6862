/*
 * The Bitstamp v2 feed: bts:subscribe/bts:unsubscribe on live_trades_<pair>
 * channels, bts:heartbeat replies, bts:error for bad input, and trade
 * events whose key order changes from trade to trade, as the real server's
 * do. Bitstamp sends nothing on subscribe (no last trade).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "fault.h"
#include "history.h"
#include "http.h"
#include "sim.h"
#include "tape.h"

#define CHANNEL_PREFIX "live_trades_"

static const char heartbeat_reply[] =
	"{\"event\":\"bts:heartbeat\",\"channel\":\"\","
	"\"data\":{\"status\":\"success\"}}";

static void
send_buf(struct conn *c, struct buf *b)
{
	conn_send(c, b->data, b->len);
	buf_free(b);
}

static void
send_error(struct conn *c, const char *message)
{
	struct buf b = { 0 };

	buf_puts(&b, "{\"event\":\"bts:error\",\"channel\":\"\","
		 "\"data\":{\"code\":null,\"message\":");
	buf_json_string(&b, message);
	buf_puts(&b, "}}");
	send_buf(c, &b);
}

static char
upper(char ch)
{
	return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

/*
 * "btcusd" → "BTC" and "USD"; false if not a pair. Pairs are lowercase;
 * the quote is the last three letters, or four for the stablecoins
 * (btcusdt).
 */
static bool
split_pair(const char *pair, char base[GEN_SYMBOL_MAX + 1],
	   char quote[GEN_SYMBOL_MAX + 1])
{
	size_t len = strlen(pair), quote_len, i;

	for (i = 0; i < len; i++)
		if (!((pair[i] >= 'a' && pair[i] <= 'z') ||
		      (pair[i] >= '0' && pair[i] <= '9')))
			return false;
	quote_len = 3;
	if (len > 4 && (!strcmp(pair + len - 4, "usdt") ||
			!strcmp(pair + len - 4, "usdc")))
		quote_len = 4;
	if (len < quote_len + 2 || len - quote_len > GEN_SYMBOL_MAX)
		return false;
	for (i = 0; i < len - quote_len; i++)
		base[i] = upper(pair[i]);
	base[len - quote_len] = '\0';
	for (i = 0; i < quote_len; i++)
		quote[i] = upper(pair[len - quote_len + i]);
	quote[quote_len] = '\0';
	return true;
}

/* "live_trades_btcusd" → a gen index (added if new), or -1. */
static int
channel_product(const char *channel)
{
	char base[GEN_SYMBOL_MAX + 1], quote[GEN_SYMBOL_MAX + 1];

	if (strncmp(channel, CHANNEL_PREFIX, strlen(CHANNEL_PREFIX)) ||
	    !split_pair(channel + strlen(CHANNEL_PREFIX), base, quote))
		return -1;
	return tape_product(base, quote);
}

/* "live_trades_btcusd" for a product (gen symbols are uppercase). */
static void
channel_name(char *out, size_t size, const struct gen_product *p)
{
	size_t i;

	snprintf(out, size, CHANNEL_PREFIX "%s%s", p->base, p->quote);
	for (i = strlen(CHANNEL_PREFIX); out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

static void
on_subscribe(struct conn *c, const cJSON *root, bool on)
{
	const cJSON *data, *channel;
	struct buf b = { 0 };
	int product;

	if (on) {
		sim.subscribes++;
		if (fault_cut_subscribe(c))
			return;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	channel = cJSON_GetObjectItemCaseSensitive(data, "channel");
	if (!cJSON_IsString(channel) ||
	    (product = channel_product(channel->valuestring)) < 0) {
		send_error(c, "Bad subscription string.");
		return;
	}
	conn_set_put(c->trades, product, on);
	if (on)
		tape_subscribed(product);
	buf_printf(&b, "{\"event\":\"bts:%s\",\"channel\":",
		   on ? "subscription_succeeded" : "unsubscription_succeeded");
	buf_json_string(&b, channel->valuestring);
	buf_puts(&b, ",\"data\":{}}");
	send_buf(c, &b);
	if (on && !c->subscribed) {
		c->subscribed = true;
		conn_send_replay(c);
	}
}

static void
on_message(struct conn *c, const char *msg, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(msg, len);
	const cJSON *event = cJSON_GetObjectItemCaseSensitive(root, "event");

	if (!cJSON_IsObject(root) || !cJSON_IsString(event)) {
		send_error(c, "Incorrect JSON format.");
	} else if (!strcmp(event->valuestring, "bts:subscribe")) {
		on_subscribe(c, root, true);
	} else if (!strcmp(event->valuestring, "bts:unsubscribe")) {
		on_subscribe(c, root, false);
	} else if (!strcmp(event->valuestring, "bts:heartbeat")) {
		sim.heartbeats_received++;
		if (sim.heartbeat_replies)
			conn_send(c, heartbeat_reply, strlen(heartbeat_reply));
	} else {
		send_error(c, "Bad subscription string.");
	}
	cJSON_Delete(root);
}

/*
 * A double as Python's json module writes it: the shortest text that reads
 * back to the same value, or (artefact) all 17 significant digits, which
 * is what a float computed on the server can look like.
 */
static void
format_float(char *out, size_t size, double value, bool artefact)
{
	int digits;

	for (digits = artefact ? 17 : 1; digits <= 17; digits++) {
		snprintf(out, size, "%.*g", digits, value);
		if (strtod(out, NULL) == value)
			return;
	}
}

/*
 * amount_str as Python's str(Decimal) prints an 8-decimal amount:
 * "0.07920000", but exponent form below 1e-6 ("1E-8", "1.2E-7").
 */
static void
format_amount(char *out, size_t size, int64_t units)
{
	if (units > 0 && units < 100) {
		if (units < 10)
			snprintf(out, size, "%dE-8", (int)units);
		else
			snprintf(out, size, "%d.%dE-7", (int)(units / 10),
				 (int)(units % 10));
		return;
	}
	gen_format_decimal(out, size, units, GEN_SIZE_DECIMALS, false);
}

/* splitmix64 step, to shuffle keys from the trade's own random bits. */
static uint64_t
mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
shuffle(struct buf *items, int count, uint64_t *state)
{
	int i;

	for (i = count - 1; i > 0; i--) {
		int j = (int)(mix(state) % (uint64_t)(i + 1));
		struct buf tmp = items[i];

		items[i] = items[j];
		items[j] = tmp;
	}
}

static void
join(struct buf *out, struct buf *items, int count)
{
	int i;

	buf_puts(out, "{");
	for (i = 0; i < count; i++) {
		if (i)
			buf_puts(out, ",");
		buf_append(out, items[i].data, items[i].len);
		buf_free(&items[i]);
	}
	buf_puts(out, "}");
}

static char *
trade_frame(const struct gen_trade *t, size_t *len)
{
	const struct gen_product *p = gen_get(sim.gen, t->product);
	struct buf data[10] = { { 0 } }, outer[3] = { { 0 } }, frame = { 0 };
	char amount[40], amount_str[40], price[40], price_str[40];
	char channel[64];
	uint64_t state = t->style;
	double scale = 1;
	int i;

	for (i = 0; i < t->price_decimals; i++)
		scale *= 10;
	/* One trade in eight shows float noise in the numeric fields. */
	format_float(amount, sizeof(amount), (double)t->size_units / 1e8,
		     (t->style & 7) == 0);
	format_float(price, sizeof(price), (double)t->price_ticks / scale,
		     (t->style & 7) == 0);
	format_amount(amount_str, sizeof(amount_str), t->size_units);
	gen_format_decimal(price_str, sizeof(price_str), t->price_ticks,
			   t->price_decimals, false);
	channel_name(channel, sizeof(channel), p);

	buf_printf(&data[0], "\"id\":%lld", (long long)t->global_id);
	buf_printf(&data[1], "\"timestamp\":\"%lld\"",
		   (long long)(t->time_us / 1000000));
	buf_printf(&data[2], "\"amount\":%s", amount);
	buf_printf(&data[3], "\"amount_str\":\"%s\"", amount_str);
	buf_printf(&data[4], "\"price\":%s", price);
	buf_printf(&data[5], "\"price_str\":\"%s\"", price_str);
	buf_printf(&data[6], "\"type\":%d", t->taker_side);
	/* The real feed has millisecond resolution, times 1000. */
	buf_printf(&data[7], "\"microtimestamp\":\"%lld\"",
		   (long long)t->time_us / 1000 * 1000);
	buf_printf(&data[8], "\"buy_order_id\":%lld",
		   (long long)t->buy_order_id);
	buf_printf(&data[9], "\"sell_order_id\":%lld",
		   (long long)t->sell_order_id);
	/* One trade in four keeps the documented key order. */
	mix(&state);
	if (state % 4)
		shuffle(data, 10, &state);

	buf_puts(&outer[0], "\"data\":");
	join(&outer[0], data, 10);
	buf_printf(&outer[1], "\"channel\":\"%s\"", channel);
	buf_puts(&outer[2], "\"event\":\"trade\"");
	if (mix(&state) % 4)
		shuffle(outer, 3, &state);
	join(&frame, outer, 3);
	return buf_steal(&frame, len);
}

static int
start(uv_loop_t *loop)
{
	(void)loop;
	return 0;
}

static void
stop(void)
{
}

static void
rest_error(struct http_request *r, unsigned int status, const char *message)
{
	r->status = status;
	buf_free(&r->body);
	buf_puts(&r->body, "{\"status\":\"error\",\"reason\":");
	buf_json_string(&r->body, message);
	buf_puts(&r->body, "}");
}

/* "transactions/btcusd/" (final slash optional) → a gen index, or -1. */
static int
transactions_product(const char *path)
{
	static const char prefix[] = "transactions/";
	char pair[2 * GEN_SYMBOL_MAX + 1], name[2 * GEN_SYMBOL_MAX + 2];
	char base[GEN_SYMBOL_MAX + 1], quote[GEN_SYMBOL_MAX + 1];
	const char *end;
	size_t len;

	if (strncmp(path, prefix, strlen(prefix)))
		return -1;
	path += strlen(prefix);
	end = strchr(path, '/');
	len = end ? (size_t)(end - path) : strlen(path);
	if ((end && strcmp(end, "/")) || len >= sizeof(pair))
		return -1;
	memcpy(pair, path, len);
	pair[len] = '\0';
	if (!split_pair(pair, base, quote))
		return -1;
	snprintf(name, sizeof(name), "%s-%s", base, quote);
	return gen_find(sim.gen, name);
}

/*
 * GET /api/v2/transactions/<pair>/[?time=minute|hour|day]: the trades of
 * the last minute, hour (default) or day by the exchange's clock (skew
 * included), newest first, at most 1000. Bitstamp never shows the
 * pre-created trade (it has no last_match), so neither does this.
 */
static void
rest(struct http_request *r, const char *path)
{
	static const struct {
		const char *name;
		int64_t seconds;
	} windows[] = { { "minute", 60 }, { "hour", 3600 }, { "day", 86400 } };
	const struct gen_product *p;
	const struct history_trade *h;
	int64_t since_us = 3600;
	size_t age, sent = 0, i;
	char text[16];
	int product = transactions_product(path);

	if (product < 0) {
		rest_error(r, HTTP_STATUS_NOT_FOUND, "Not found");
		return;
	}
	if (http_arg(r, "time", text, sizeof(text))) {
		for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
			if (!strcmp(text, windows[i].name))
				break;
		if (i == sizeof(windows) / sizeof(windows[0])) {
			rest_error(r, HTTP_STATUS_BAD_REQUEST,
				   "time must be minute, hour or day");
			return;
		}
		since_us = windows[i].seconds;
	}
	since_us = util_now_us() + sim.skew_ms * 1000 - since_us * 1000000;
	p = gen_get(sim.gen, product);

	buf_puts(&r->body, "[");
	for (age = 0; sent < 1000 && (h = history_get(product, age)); age++) {
		char amount[32], price[32];

		/* Skew may change over time: filter each, do not stop. */
		if (h->time_us < since_us || h->trade_id == p->first_trade_id)
			continue;
		gen_format_decimal(amount, sizeof(amount), h->size_units,
				   GEN_SIZE_DECIMALS, false);
		gen_format_decimal(price, sizeof(price), h->price_ticks,
				   p->price_decimals, false);
		buf_printf(&r->body, "%s{\"date\":\"%lld\",\"tid\":\"%lld\","
			   "\"amount\":\"%s\",\"price\":\"%s\","
			   "\"type\":\"%d\"}", sent ? "," : "",
			   (long long)(h->time_us / 1000000),
			   (long long)h->global_id, amount, price,
			   h->taker_side);
		sent++;
	}
	buf_puts(&r->body, "]");
}

const struct exchange exchange_bitstamp = {
	.name = "bitstamp",
	.on_message = on_message,
	.trade_frame = trade_frame,
	.start = start,
	.stop = stop,
	.bitstamp_controls = true,
	.rest_prefix = "/api/v2/",
	.rest = rest,
	.rest_error = rest_error,
};
