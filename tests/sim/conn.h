/*
 * conn: the websocket connections. Owns the lws websocket callbacks, the
 * list of open connections, message reassembly and each connection's
 * bounded outgoing queue; knows nothing of any exchange protocol (it hands
 * complete messages to sim.exchange->on_message).
 *
 * Ownership: a struct conn is created when the websocket is established
 * and freed when lws reports it closed; do not keep pointers to it across
 * loop iterations. Frames passed to conn_send are copied.
 */
#ifndef SIM_CONN_H
#define SIM_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

#define CONN_SET_WORDS (GEN_MAX_PRODUCTS / 64)

struct frame;

struct conn {
	struct lws *wsi;
	struct conn *prev, *next;	/* all connections, oldest first */
	struct frame *out_head, *out_tail;
	size_t queued_bytes;
	struct buf rx;			/* message being reassembled */
	bool dropped;			/* being killed: ignore it */
	bool subscribed;		/* one subscription succeeded once */
	/*
	 * Chaos (fault.c): if non-zero, the next frame goes out cut short
	 * (this value picks where) and the connection is dropped.
	 */
	uint64_t cut_mid_frame;
	/* Products (gen indices) whose trades this connection gets. */
	uint64_t trades[CONN_SET_WORDS];
	/* Products on Coinbase's heartbeat channel. */
	uint64_t heartbeats[CONN_SET_WORDS];
};

static inline bool
conn_set_has(const uint64_t *set, int product)
{
	return (set[product / 64] >> (product % 64)) & 1;
}

static inline void
conn_set_put(uint64_t *set, int product, bool on)
{
	if (on)
		set[product / 64] |= UINT64_C(1) << (product % 64);
	else
		set[product / 64] &= ~(UINT64_C(1) << (product % 64));
}

/* The lws callback for websocket events (HTTP goes to control.c). */
int conn_callback(struct lws *wsi, enum lws_callback_reasons reason,
		  struct session *s, void *in, size_t len);

/* Oldest open connection, or NULL; follow ->next. Includes dropped ones. */
struct conn *conn_first(void);

/*
 * Queues a copy of a text frame. Does nothing while silenced or once the
 * connection is dropped; drops the connection if its queue would exceed
 * the bound.
 */
void conn_send(struct conn *c, const char *frame, size_t len);

/* Sends each replay line once, after a connection's first subscription. */
void conn_send_replay(struct conn *c);

/* Closes without a close handshake (no close frame, queue discarded). */
void conn_drop(struct conn *c);
/* Drops every connection; returns how many. */
int conn_drop_all(void);

/* Discards every queued frame (silence just began). */
void conn_clear_queues(void);

/* Open (not dropped) connections, and those of them with a subscription. */
int conn_count(void);
int conn_subscribed_count(void);

#endif
