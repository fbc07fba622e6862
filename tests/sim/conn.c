#include "conn.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * A client that stops reading must not make us buffer without bound; 64
 * MiB leaves room for several multi-MiB injected frames.
 */
#define QUEUE_MAX (64u << 20)
/* Client messages are tiny subscribe requests; anything bigger is abuse. */
#define RX_MAX (1u << 20)

struct frame {
	struct frame *next;
	size_t len;
	unsigned char data[];	/* LWS_PRE headroom, then the payload */
};

static struct conn *head, *tail;

struct conn *
conn_first(void)
{
	return head;
}

static void
clear_queue(struct conn *c)
{
	struct frame *f, *next;

	for (f = c->out_head; f; f = next) {
		next = f->next;
		free(f);
	}
	c->out_head = c->out_tail = NULL;
	c->queued_bytes = 0;
}

void
conn_clear_queues(void)
{
	struct conn *c;

	for (c = head; c; c = c->next)
		clear_queue(c);
}

void
conn_drop(struct conn *c)
{
	int fd;

	if (c->dropped)
		return;
	c->dropped = true;
	clear_queue(c);
	/*
	 * Shutting the socket down first guarantees that nothing more goes
	 * out, not even a close frame lws might try to send; the kill then
	 * lets lws free the connection on its next timeout check.
	 */
	fd = lws_get_socket_fd(c->wsi);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int
conn_drop_all(void)
{
	struct conn *c;
	int dropped = 0;

	for (c = head; c; c = c->next) {
		if (!c->dropped) {
			conn_drop(c);
			dropped++;
		}
	}
	return dropped;
}

void
conn_send(struct conn *c, const char *frame, size_t len)
{
	struct frame *f;

	if (c->dropped || sim.silenced)
		return;
	if (c->queued_bytes + len > QUEUE_MAX) {
		fprintf(stderr, "exchange-sim: client queue over %u bytes, "
			"dropping the connection\n", QUEUE_MAX);
		conn_drop(c);
		return;
	}
	f = xmalloc(sizeof(*f) + LWS_PRE + len);
	f->next = NULL;
	f->len = len;
	memcpy(f->data + LWS_PRE, frame, len);
	if (c->out_tail)
		c->out_tail->next = f;
	else
		c->out_head = f;
	c->out_tail = f;
	c->queued_bytes += len;
	lws_callback_on_writable(c->wsi);
}

void
conn_send_replay(struct conn *c)
{
	size_t i;

	for (i = 0; i < sim.replay_count; i++)
		conn_send(c, sim.replay[i].data, sim.replay[i].len);
}

int
conn_count(void)
{
	struct conn *c;
	int count = 0;

	for (c = head; c; c = c->next)
		count += !c->dropped;
	return count;
}

int
conn_subscribed_count(void)
{
	struct conn *c;
	int count = 0;

	for (c = head; c; c = c->next)
		count += !c->dropped && c->subscribed;
	return count;
}

static void
on_established(struct lws *wsi, struct session *s)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->wsi = wsi;
	c->prev = tail;
	if (tail)
		tail->next = c;
	else
		head = c;
	tail = c;
	s->conn = c;
}

static void
on_closed(struct session *s)
{
	struct conn *c = s->conn;

	if (!c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		tail = c->prev;
	clear_queue(c);
	buf_free(&c->rx);
	free(c);
	s->conn = NULL;
}

/* Returns -1 to close the connection. */
static int
on_receive(struct lws *wsi, struct conn *c, const void *in, size_t len)
{
	if (c->dropped)
		return 0;
	if (c->rx.len + len > RX_MAX) {
		fprintf(stderr, "exchange-sim: client message over %u bytes, "
			"closing the connection\n", RX_MAX);
		return -1;
	}
	buf_append(&c->rx, in, len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	/* An empty message leaves rx.data NULL; give the parser "". */
	if (!c->rx.data)
		buf_append(&c->rx, "", 0);
	sim.exchange->on_message(c, c->rx.data, c->rx.len);
	c->rx.len = 0;
	if (c->rx.cap > 65536)
		buf_free(&c->rx);
	return 0;
}

/*
 * Writes the first part of a frame's wire bytes (header and payload) raw,
 * then drops the connection: the client sees a frame cut in the middle.
 * LWS_WRITE_RAW goes straight to the socket (through TLS if any); what the
 * socket did not take yet is lost with the shutdown, which is still a cut.
 */
static void
cut_mid_frame(struct lws *wsi, struct conn *c, const struct frame *f)
{
	unsigned char header[10];
	unsigned char *wire;
	size_t header_len, wire_len, cut, i;

	header[0] = 0x81;	/* FIN, text */
	if (f->len < 126) {
		header[1] = (unsigned char)f->len;
		header_len = 2;
	} else if (f->len < 65536) {
		header[1] = 126;
		header[2] = (unsigned char)(f->len >> 8);
		header[3] = (unsigned char)f->len;
		header_len = 4;
	} else {
		header[1] = 127;
		for (i = 0; i < 8; i++)
			header[2 + i] = (unsigned char)((uint64_t)f->len >>
							(56 - 8 * i));
		header_len = 10;
	}
	wire_len = header_len + f->len;
	cut = 1 + (size_t)(c->cut_mid_frame % (wire_len - 1));
	wire = xmalloc(LWS_PRE + wire_len);
	memcpy(wire + LWS_PRE, header, header_len);
	memcpy(wire + LWS_PRE + header_len, f->data + LWS_PRE, f->len);
	lws_write(wsi, wire + LWS_PRE, cut, LWS_WRITE_RAW);
	free(wire);
	c->cut_mid_frame = 0;
	conn_drop(c);
	sim.cuts++;
}

static int
on_writeable(struct lws *wsi, struct conn *c)
{
	struct frame *f = c->out_head;

	if (!f || c->dropped)
		return 0;
	if (c->cut_mid_frame) {
		cut_mid_frame(wsi, c, f);
		return 0;
	}
	/*
	 * One frame per callback: lws keeps what the socket did not take and
	 * flushes it before calling us again.
	 */
	if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < 0)
		return -1;
	c->out_head = f->next;
	if (!c->out_head)
		c->out_tail = NULL;
	c->queued_bytes -= f->len;
	free(f);
	if (c->out_head)
		lws_callback_on_writable(wsi);
	return 0;
}

int
conn_callback(struct lws *wsi, enum lws_callback_reasons reason,
	      struct session *s, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		on_established(wsi, s);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return s->conn ? on_receive(wsi, s->conn, in, len) : 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return s->conn ? on_writeable(wsi, s->conn) : 0;
	case LWS_CALLBACK_CLOSED:
		on_closed(s);
		return 0;
	default:
		return 0;
	}
}
