/*
 * control: the HTTP control endpoints (GET /control/...) that tests use to
 * drive the simulator deterministically, served on the websocket port.
 * The routes are one table in control.c.
 *
 * Ownership: each answer is built into the session's reply buffer, written
 * when lws says the connection is writeable and freed then, or when the
 * connection closes first.
 */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include "sim.h"

/* The lws callback for HTTP events (websocket events go to conn.c). */
int control_callback(struct lws *wsi, enum lws_callback_reasons reason,
		     struct session *s, void *in, size_t len);

#endif
