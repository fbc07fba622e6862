#include "http.h"

#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "rest.h"

bool
http_arg(struct http_request *r, const char *name, char *out, size_t size)
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

void
http_error(struct http_request *r, unsigned int status, const char *key,
	   const char *message)
{
	r->status = status;
	buf_free(&r->body);
	buf_puts(&r->body, "{");
	buf_json_string(&r->body, key);
	buf_puts(&r->body, ":");
	buf_json_string(&r->body, message);
	buf_puts(&r->body, "}");
}

void
http_header(struct http_request *r, const char *name, const char *value)
{
	if (r->header_count == HTTP_MAX_HEADERS)
		return;
	r->header_names[r->header_count] = name;
	snprintf(r->header_values[r->header_count],
		 sizeof(r->header_values[0]), "%s", value);
	r->header_count++;
}

/* Runs the handler and queues the answer; returns -1 to close. */
static int
on_http(struct lws *wsi, struct session *s, const char *path)
{
	unsigned char headers[LWS_PRE + 1024];
	unsigned char *start = headers + LWS_PRE, *p = start;
	unsigned char *end = headers + sizeof(headers) - 1;
	struct http_request r = { .wsi = wsi, .status = HTTP_STATUS_OK };
	size_t len;
	char *body;
	int i;

	if (!strncmp(path, "/control/", strlen("/control/"))) {
		if (!control_route(&r, path))
			http_error(&r, HTTP_STATUS_NOT_FOUND, "error",
				   "not found");
	} else if (!rest_route(&r, path)) {
		http_error(&r, HTTP_STATUS_NOT_FOUND, "error", "not found");
	}
	if (!r.body.data)
		http_error(&r, HTTP_STATUS_NOT_FOUND, "error", "not found");

	body = buf_steal(&r.body, &len);
	free(s->reply);
	s->reply = xmalloc(LWS_PRE + len);
	memcpy(s->reply + LWS_PRE, body, len);
	s->reply_len = len;
	free(body);

	if (lws_add_http_common_headers(wsi, r.status, "application/json",
					len, &p, end))
		return -1;
	for (i = 0; i < r.header_count; i++) {
		const char *value = r.header_values[i];

		if (lws_add_http_header_by_name(wsi,
				(const unsigned char *)r.header_names[i],
				(const unsigned char *)value,
				(int)strlen(value), &p, end))
			return -1;
	}
	if (lws_finalize_write_http_header(wsi, start, &p, end))
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
	/* lws keeps what the socket did not take and flushes it itself. */
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
http_callback(struct lws *wsi, enum lws_callback_reasons reason,
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
