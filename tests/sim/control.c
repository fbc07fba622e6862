#include "control.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "tape.h"

/* Bounds /control/trades?n= so one request cannot exhaust memory. */
#define MAX_TRADES_PER_PRODUCT 100000

struct request {
	struct lws *wsi;
	struct buf body;	/* the JSON answer */
	unsigned int status;
};

/* Copies a query argument's value into out; false if absent. */
static bool
query_arg(struct request *r, const char *name, char *out, size_t size)
{
	char key[32], *buf = xmalloc(size + sizeof(key));
	const char *value;

	snprintf(key, sizeof(key), "%s=", name);
	value = lws_get_urlarg_by_name(r->wsi, key, buf,
				       (int)(size + sizeof(key)));
	if (value)
		snprintf(out, size, "%s", value);
	free(buf);
	return value != NULL;
}

static void
fail(struct request *r, unsigned int status, const char *message)
{
	r->status = status;
	buf_free(&r->body);
	buf_puts(&r->body, "{\"error\":");
	buf_json_string(&r->body, message);
	buf_puts(&r->body, "}");
}

/* Parses "0" or "1" from ?on=; false after answering 400. */
static bool
on_arg(struct request *r, bool *on)
{
	char value[8];

	if (!query_arg(r, "on", value, sizeof(value)) ||
	    (strcmp(value, "0") && strcmp(value, "1"))) {
		fail(r, HTTP_STATUS_BAD_REQUEST, "on must be 0 or 1");
		return false;
	}
	*on = value[0] == '1';
	return true;
}

static void
get_stats(struct request *r)
{
	buf_printf(&r->body, "{\"connections\":%d,\"subscribed\":%d,"
		   "\"subscribes\":%llu,\"trades\":%llu,"
		   "\"heartbeats_received\":%llu}",
		   conn_count(), conn_subscribed_count(),
		   (unsigned long long)sim.subscribes,
		   (unsigned long long)sim.trades,
		   (unsigned long long)sim.heartbeats_received);
}

static void
get_trades(struct request *r)
{
	char value[64], *end;
	int wanted[GEN_MAX_PRODUCTS];
	int count = 0, product, only = -1;
	long rounds, round;

	if (!query_arg(r, "n", value, sizeof(value))) {
		snprintf(value, sizeof(value), "1");
	}
	errno = 0;
	rounds = strtol(value, &end, 10);
	if (errno || end == value || *end || rounds < 0 ||
	    rounds > MAX_TRADES_PER_PRODUCT) {
		fail(r, HTTP_STATUS_BAD_REQUEST, "n must be 0..100000");
		return;
	}
	if (query_arg(r, "product", value, sizeof(value))) {
		only = gen_find(sim.gen, value);
		if (only < 0) {
			buf_puts(&r->body, "{\"trades\":0}");
			return;
		}
	}
	for (product = 0; product < gen_count(sim.gen); product++)
		if ((only < 0 || product == only) &&
		    conn_product_wanted(product))
			wanted[count++] = product;
	for (round = 0; round < rounds; round++)
		for (product = 0; product < count; product++)
			tape_trade(wanted[product]);
	buf_printf(&r->body, "{\"trades\":%ld}", rounds * count);
}

static void
get_drop(struct request *r)
{
	buf_printf(&r->body, "{\"dropped\":%d}", conn_drop_all());
}

static void
get_silence(struct request *r)
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
get_inject(struct request *r)
{
	char path[PATH_MAX];
	struct line *lines;
	struct conn *c;
	size_t count, i;
	int receivers = 0;

	if (!query_arg(r, "file", path, sizeof(path))) {
		fail(r, HTTP_STATUS_BAD_REQUEST, "file is required");
		return;
	}
	lines = lines_read(path, &count);
	if (!lines) {
		fail(r, HTTP_STATUS_BAD_REQUEST, strerror(errno));
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
get_request_reconnect(struct request *r)
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
get_heartbeat_replies(struct request *r)
{
	bool on;

	if (!on_arg(r, &on))
		return;
	sim.heartbeat_replies = on;
	buf_printf(&r->body, "{\"heartbeat_replies\":%s}",
		   on ? "true" : "false");
}

static const struct route {
	const char *path;
	void (*handle)(struct request *r);
	bool bitstamp_only;
} routes[] = {
	{ "/control/stats", get_stats, false },
	{ "/control/trades", get_trades, false },
	{ "/control/drop", get_drop, false },
	{ "/control/silence", get_silence, false },
	{ "/control/inject", get_inject, false },
	{ "/control/request_reconnect", get_request_reconnect, true },
	{ "/control/heartbeat_replies", get_heartbeat_replies, true },
};

/* Runs the route and queues the answer; returns -1 to close. */
static int
on_http(struct lws *wsi, struct session *s, const char *path)
{
	unsigned char headers[LWS_PRE + 512];
	unsigned char *start = headers + LWS_PRE, *p = start;
	unsigned char *end = headers + sizeof(headers) - 1;
	struct request r = { .wsi = wsi, .status = HTTP_STATUS_OK };
	size_t i, len;
	char *body;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path))
			continue;
		if (routes[i].bitstamp_only &&
		    !sim.exchange->bitstamp_controls)
			break;
		routes[i].handle(&r);
		break;
	}
	if (i == sizeof(routes) / sizeof(routes[0]) || !r.body.data)
		fail(&r, HTTP_STATUS_NOT_FOUND, "not found");

	body = buf_steal(&r.body, &len);
	free(s->reply);
	s->reply = xmalloc(LWS_PRE + len);
	memcpy(s->reply + LWS_PRE, body, len);
	s->reply_len = len;
	free(body);

	if (lws_add_http_common_headers(wsi, r.status, "application/json",
					len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
on_http_writeable(struct lws *wsi, struct session *s)
{
	int n;

	if (!s->reply)
		return 0;
	n = lws_write(wsi, (unsigned char *)s->reply + LWS_PRE, s->reply_len,
		      LWS_WRITE_HTTP_FINAL);
	free(s->reply);
	s->reply = NULL;
	if (n < 0)
		return -1;
	/* Keep-alive: wait for the next request, or close if lws says so. */
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int
control_callback(struct lws *wsi, enum lws_callback_reasons reason,
		 struct session *s, void *in, size_t len)
{
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_http(wsi, s, in ? (const char *)in : "");
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return on_http_writeable(wsi, s);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (s) {
			free(s->reply);
			s->reply = NULL;
		}
		return 0;
	default:
		return 0;
	}
}
