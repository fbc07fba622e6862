/*
 * sim: the state the simulator's modules share, one instance (`sim`, like
 * Redis's `server`), owned by main.c: it is filled in before the loop runs
 * and torn down after it stops. Modules only touch it from loop callbacks,
 * so nothing here needs locking.
 *
 * It also declares the interface each exchange protocol (coinbase.c,
 * bitstamp.c) implements for the generic websocket layer (conn.c).
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libwebsockets.h>
#include <uv.h>

#include "gen.h"
#include "util.h"

struct conn;
struct http_request;

struct exchange {
	const char *name;
	/*
	 * A complete message from a client. msg is NUL-terminated and valid
	 * only during the call; it is untrusted bytes.
	 */
	void (*on_message)(struct conn *c, const char *msg, size_t len);
	/* The wire frame of a generated trade; caller frees. */
	char *(*trade_frame)(const struct gen_trade *t, size_t *len);
	/* Loop resources of the protocol (timers); 0 or a negative errno. */
	int (*start)(uv_loop_t *loop);
	/* Closes what start opened; the loop must run afterwards. */
	void (*stop)(void);
	/* Whether the Bitstamp-only control endpoints apply. */
	bool bitstamp_controls;
	/* Paths under this prefix are REST requests ("/products/"). */
	const char *rest_prefix;
	/*
	 * Answers a REST request; path is what follows rest_prefix (query
	 * string excluded). Unknown paths get the exchange's 404.
	 */
	void (*rest)(struct http_request *r, const char *path);
	/* Sets an error answer in the exchange's own JSON shape. */
	void (*rest_error)(struct http_request *r, unsigned int status,
			   const char *message);
};

extern const struct exchange exchange_coinbase;
extern const struct exchange exchange_bitstamp;

struct options {
	const char *exchange;
	long long port;
	const char *addr;
	const char *tls_cert;
	const char *tls_key;
	double rate;
	long long seed;
	long long heartbeat_ms;
	const char *replay;
	const char *log;
};

struct sim {
	struct options opts;
	uv_loop_t *loop;
	struct lws_context *lws;
	struct gen *gen;
	const struct exchange *exchange;
	FILE *log;		/* --log, or NULL */
	struct line *replay;	/* --replay lines */
	size_t replay_count;
	bool silenced;		/* /control/silence */
	bool heartbeat_replies;	/* /control/heartbeat_replies */
	uint64_t subscribes;	/* subscribe messages received */
	uint64_t trades;	/* trades generated */
	uint64_t heartbeats_received;	/* bts:heartbeat requests */
	uint64_t rest_requests;	/* REST requests answered, failed included */
	uint64_t rest_fail;	/* REST requests still to fail (503) */
	uint64_t cuts;		/* connections cut by /control/chaos */
	int64_t skew_ms;	/* /control/skew: added to trade times */
};

extern struct sim sim;

/* Per-session data lws allocates for every connection, HTTP or websocket. */
struct session {
	struct conn *conn;	/* websocket state, NULL for HTTP */
	char *reply;		/* HTTP answer with LWS_PRE headroom, or NULL */
	size_t reply_len;
};

#endif
