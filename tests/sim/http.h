/*
 * http: the plain HTTP side of the port (lws's HTTP callbacks). It parses
 * nothing itself: /control/... goes to control.c, the exchange's REST
 * prefix to rest.c, anything else is 404. Handlers fill a struct
 * http_request; this module turns it into headers and a body.
 *
 * Ownership: a request lives for one handler call; the answer is copied
 * into the session's reply buffer, written when lws says the connection is
 * writeable and freed then, or when the connection closes first.
 */
#ifndef SIM_HTTP_H
#define SIM_HTTP_H

#include <stdbool.h>

#include "sim.h"

#define HTTP_MAX_HEADERS 4

struct http_request {
	struct lws *wsi;
	struct buf body;	/* the JSON answer */
	unsigned int status;
	/* Extra response headers; names are static strings like "cb-before:". */
	const char *header_names[HTTP_MAX_HEADERS];
	char header_values[HTTP_MAX_HEADERS][32];
	int header_count;
};

/* Copies a query argument's value into out; false if absent. */
bool http_arg(struct http_request *r, const char *name, char *out,
	      size_t size);

/* Replaces the answer with {"<key>":"<message>"} and sets the status. */
void http_error(struct http_request *r, unsigned int status, const char *key,
		const char *message);

/* Adds a response header (name with its colon, static); ignored if full. */
void http_header(struct http_request *r, const char *name, const char *value);

/* The lws callback for HTTP events (websocket events go to conn.c). */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason,
		  struct session *s, void *in, size_t len);

#endif
