/*
 * The Coinbase Exchange feed: subscribe/unsubscribe on the "matches" and
 * "heartbeat" channels, the cumulative "subscriptions" acknowledgement,
 * last_match on subscribe, match frames with the real key order, and a
 * heartbeat per subscribed product every --heartbeat-ms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "fault.h"
#include "history.h"
#include "http.h"
#include "sim.h"
#include "tape.h"

enum { MATCHES, HEARTBEAT, CHANNELS };

static const char *const channel_names[CHANNELS] = { "matches", "heartbeat" };

static uv_timer_t heartbeat_timer;
static bool heartbeat_running;

static void
send_buf(struct conn *c, struct buf *b)
{
	conn_send(c, b->data, b->len);
	buf_free(b);
}

static void
send_error(struct conn *c, const char *message, const char *reason)
{
	struct buf b = { 0 };

	buf_puts(&b, "{\"type\":\"error\",\"message\":");
	buf_json_string(&b, message);
	buf_puts(&b, ",\"reason\":");
	buf_json_string(&b, reason);
	buf_puts(&b, "}");
	send_buf(c, &b);
}

static void
format_uuid(char out[37], const uint8_t id[16])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[id[i] >> 4];
		out[o++] = hex[id[i] & 15];
	}
	out[o] = '\0';
}

static void
render_match(struct buf *b, const char *type, const struct gen_trade *t)
{
	const struct gen_product *p = gen_get(sim.gen, t->product);
	char maker[37], taker[37], size[32], price[32], when[40];

	format_uuid(maker, t->maker_uuid);
	format_uuid(taker, t->taker_uuid);
	/* Sizes come trimmed ("0.04"), prices with their quote decimals. */
	gen_format_decimal(size, sizeof(size), t->size_units,
			   GEN_SIZE_DECIMALS, true);
	gen_format_decimal(price, sizeof(price), t->price_ticks,
			   t->price_decimals, false);
	util_format_time(when, sizeof(when), t->time_us);
	/* "side" is the maker's side: the opposite of the aggressor's. */
	buf_printf(b, "{\"type\":\"%s\",\"trade_id\":%lld,"
		   "\"maker_order_id\":\"%s\",\"taker_order_id\":\"%s\","
		   "\"side\":\"%s\",\"size\":\"%s\",\"price\":\"%s\","
		   "\"product_id\":\"%s\",\"sequence\":%lld,\"time\":\"%s\"}",
		   type, (long long)t->trade_id, maker, taker,
		   t->taker_side == 0 ? "sell" : "buy", size, price, p->name,
		   (long long)t->sequence, when);
}

static char *
trade_frame(const struct gen_trade *t, size_t *len)
{
	struct buf b = { 0 };

	render_match(&b, "match", t);
	return buf_steal(&b, len);
}

/* "BTC-USD" → a gen index; -1 if not of the form BASE-QUOTE. */
static int
product_index(const char *id)
{
	const char *dash = strchr(id, '-');
	char base[GEN_SYMBOL_MAX + 1];
	size_t base_len;

	if (!dash || strchr(dash + 1, '-'))
		return -1;
	base_len = (size_t)(dash - id);
	if (base_len == 0 || base_len > GEN_SYMBOL_MAX)
		return -1;
	memcpy(base, id, base_len);
	base[base_len] = '\0';
	return tape_product(base, dash + 1);
}

/*
 * Adds (or removes) the products of a product_ids array to a channel's
 * set; on error sets *reason (a static or the caller's buffer) and
 * returns -1.
 */
static int
apply_products(const cJSON *ids, uint64_t *set, bool on, int *order,
	       int *ordered, char *why, size_t why_size, const char **reason)
{
	const cJSON *id;

	if (!cJSON_IsArray(ids)) {
		*reason = "product_ids must be an array";
		return -1;
	}
	cJSON_ArrayForEach(id, ids) {
		int product;
		int i;

		if (!cJSON_IsString(id)) {
			*reason = "product_ids must be strings";
			return -1;
		}
		product = product_index(id->valuestring);
		if (product < 0) {
			/* Echo a bounded prefix: the id is untrusted. */
			snprintf(why, why_size, "%.64s is not a valid product",
				 id->valuestring);
			*reason = why;
			return -1;
		}
		conn_set_put(set, product, on);
		if (!order)
			continue;
		for (i = 0; i < *ordered; i++)
			if (order[i] == product)
				break;
		if (i == *ordered)
			order[(*ordered)++] = product;
	}
	return 0;
}

static void
send_subscriptions(struct conn *c)
{
	uint64_t *sets[CHANNELS] = { c->trades, c->heartbeats };
	struct buf b = { 0 };
	bool first_channel = true;
	int ch, product;

	buf_puts(&b, "{\"type\":\"subscriptions\",\"channels\":[");
	for (ch = 0; ch < CHANNELS; ch++) {
		bool first = true;

		for (product = 0; product < gen_count(sim.gen); product++) {
			if (!conn_set_has(sets[ch], product))
				continue;
			if (first)
				buf_printf(&b, "%s{\"name\":\"%s\","
					   "\"product_ids\":[",
					   first_channel ? "" : ",",
					   channel_names[ch]);
			buf_printf(&b, "%s\"%s\"", first ? "" : ",",
				   gen_get(sim.gen, product)->name);
			first = first_channel = false;
		}
		if (!first)
			buf_puts(&b, "]}");
	}
	buf_puts(&b, "]}");
	send_buf(c, &b);
}

static void
on_message(struct conn *c, const char *msg, size_t len)
{
	uint64_t sets[CHANNELS][CONN_SET_WORDS];
	int order[GEN_MAX_PRODUCTS] = { 0 }, ordered = 0;
	const cJSON *type, *ids, *channels, *ch;
	const char *reason = NULL;
	char why[128];
	bool on;
	cJSON *root;
	int i;

	root = cJSON_ParseWithLength(msg, len);
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsObject(root) || !cJSON_IsString(type)) {
		send_error(c, "Failed to subscribe", "Malformed JSON");
		cJSON_Delete(root);
		return;
	}
	on = !strcmp(type->valuestring, "subscribe");
	if (!on && strcmp(type->valuestring, "unsubscribe")) {
		send_error(c, "Failed to subscribe",
			   "Type has to be either subscribe or unsubscribe");
		cJSON_Delete(root);
		return;
	}
	if (on) {
		sim.subscribes++;
		if (fault_cut_subscribe(c)) {
			cJSON_Delete(root);
			return;
		}
	}

	/* Work on copies so that a bad request changes nothing. */
	memcpy(sets[MATCHES], c->trades, sizeof(c->trades));
	memcpy(sets[HEARTBEAT], c->heartbeats, sizeof(c->heartbeats));
	ids = cJSON_GetObjectItemCaseSensitive(root, "product_ids");
	channels = cJSON_GetObjectItemCaseSensitive(root, "channels");
	if (!cJSON_IsArray(channels) || !cJSON_GetArraySize(channels)) {
		reason = "No channels provided";
		channels = NULL;
	}
	cJSON_ArrayForEach(ch, channels) {
		const cJSON *name = ch, *list = ids;
		int index = -1;

		if (cJSON_IsObject(ch)) {
			name = cJSON_GetObjectItemCaseSensitive(ch, "name");
			list = cJSON_GetObjectItemCaseSensitive(ch,
								"product_ids");
			if (!list)
				list = ids;
		}
		if (!cJSON_IsString(name)) {
			reason = "Channel names must be strings";
			break;
		}
		for (i = 0; i < CHANNELS; i++)
			if (!strcmp(name->valuestring, channel_names[i]))
				index = i;
		if (index < 0) {
			snprintf(why, sizeof(why), "%.64s is not a valid channel",
				 name->valuestring);
			reason = why;
			break;
		}
		if (!list) {
			reason = "No product ids provided";
			break;
		}
		if (apply_products(list, sets[index], on,
				   index == MATCHES && on ? order : NULL,
				   &ordered, why, sizeof(why), &reason))
			break;
	}
	cJSON_Delete(root);
	if (reason) {
		send_error(c, on ? "Failed to subscribe" :
			   "Failed to unsubscribe", reason);
		return;
	}

	memcpy(c->trades, sets[MATCHES], sizeof(c->trades));
	memcpy(c->heartbeats, sets[HEARTBEAT], sizeof(c->heartbeats));
	send_subscriptions(c);
	if (!on)
		return;
	for (i = 0; i < ordered; i++)
		tape_subscribed(order[i]);
	if (!c->subscribed) {
		c->subscribed = true;
		/*
		 * A recording stands in for the generated feed's opening,
		 * last_match frames included: generated ones too would mix
		 * two histories of the same products.
		 */
		if (sim.replay) {
			conn_send_replay(c);
			return;
		}
	}
	for (i = 0; i < ordered; i++) {
		struct buf b = { 0 };

		render_match(&b, "last_match",
			     &gen_get(sim.gen, order[i])->last);
		tape_log_first(order[i], b.data, b.len);
		send_buf(c, &b);
	}
}

static void
on_heartbeat_tick(uv_timer_t *timer)
{
	struct conn *c;
	char when[40];
	int product;

	util_format_time(when, sizeof(when), util_now_us());
	for (c = conn_first(); c; c = c->next) {
		for (product = 0; product < gen_count(sim.gen); product++) {
			const struct gen_product *p;
			struct buf b = { 0 };

			if (!conn_set_has(c->heartbeats, product))
				continue;
			p = gen_get(sim.gen, product);
			buf_printf(&b, "{\"type\":\"heartbeat\",\"sequence\":"
				   "%lld,\"last_trade_id\":%lld,"
				   "\"product_id\":\"%s\",\"time\":\"%s\"}",
				   (long long)p->sequence,
				   (long long)p->last.trade_id, p->name, when);
			send_buf(c, &b);
		}
	}
}

static int
start(uv_loop_t *loop)
{
	int err;

	if ((err = uv_timer_init(loop, &heartbeat_timer)))
		return err;
	heartbeat_running = true;
	return uv_timer_start(&heartbeat_timer, on_heartbeat_tick,
			      (uint64_t)sim.opts.heartbeat_ms,
			      (uint64_t)sim.opts.heartbeat_ms);
}

static void
stop(void)
{
	if (!heartbeat_running)
		return;
	heartbeat_running = false;
	uv_timer_stop(&heartbeat_timer);
	uv_close((uv_handle_t *)&heartbeat_timer, NULL);
}

static void
rest_error(struct http_request *r, unsigned int status, const char *message)
{
	http_error(r, status, "message", message);
}

/* Parses a positive decimal integer; false if it is not one. */
static bool
parse_id(const char *text, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 10);
	return !errno && end != text && !*end && *out > 0;
}

/*
 * GET /products/<id>/trades[?limit=N][&after=ID]: newest first, only
 * trade ids below `after` if given, as the real API pages back in time.
 */
static void
rest(struct http_request *r, const char *path)
{
	const char *slash = strchr(path, '/');
	char name[sizeof(((struct gen_product *)0)->name)], text[32];
	long long limit = 100, after = 0;
	const struct history_trade *h;
	int64_t newest, oldest = 0;
	size_t age = 0, sent = 0;
	int product = -1;

	if (slash && !strcmp(slash, "/trades") &&
	    (size_t)(slash - path) < sizeof(name)) {
		memcpy(name, path, (size_t)(slash - path));
		name[slash - path] = '\0';
		product = gen_find(sim.gen, name);
	}
	if (product < 0) {
		rest_error(r, HTTP_STATUS_NOT_FOUND, "NotFound");
		return;
	}
	if (http_arg(r, "limit", text, sizeof(text)) &&
	    (!parse_id(text, &limit) || limit > 1000)) {
		rest_error(r, HTTP_STATUS_BAD_REQUEST,
			   "limit must be an integer from 1 to 1000");
		return;
	}
	if (http_arg(r, "after", text, sizeof(text)) &&
	    !parse_id(text, &after)) {
		rest_error(r, HTTP_STATUS_BAD_REQUEST,
			   "after must be a positive trade id");
		return;
	}
	newest = history_get(product, 0)->trade_id;
	if (after && after <= newest)
		age = (size_t)(newest - after + 1);

	buf_puts(&r->body, "[");
	for (; sent < (size_t)limit && (h = history_get(product, age));
	     age++, sent++) {
		char size[32], price[32], when[40];

		gen_format_decimal(size, sizeof(size), h->size_units,
				   GEN_SIZE_DECIMALS, true);
		gen_format_decimal(price, sizeof(price), h->price_ticks,
				   gen_get(sim.gen, product)->price_decimals,
				   false);
		util_format_time(when, sizeof(when), h->time_us);
		/* As in match: side is the maker's. */
		buf_printf(&r->body, "%s{\"time\":\"%s\",\"trade_id\":%lld,"
			   "\"price\":\"%s\",\"size\":\"%s\","
			   "\"side\":\"%s\"}", sent ? "," : "", when,
			   (long long)h->trade_id, price, size,
			   h->taker_side == 0 ? "sell" : "buy");
		if (!sent)
			newest = h->trade_id;
		oldest = h->trade_id;
	}
	buf_puts(&r->body, "]");
	if (sent) {
		snprintf(text, sizeof(text), "%lld", (long long)newest);
		http_header(r, "CB-BEFORE:", text);
		snprintf(text, sizeof(text), "%lld", (long long)oldest);
		http_header(r, "CB-AFTER:", text);
	}
}

const struct exchange exchange_coinbase = {
	.name = "coinbase",
	.on_message = on_message,
	.trade_frame = trade_frame,
	.start = start,
	.stop = stop,
	.bitstamp_controls = false,
	.rest_prefix = "/products/",
	.rest = rest,
	.rest_error = rest_error,
};
