/*
 * control: the HTTP control endpoints (GET /control/...) that tests use to
 * drive the simulator deterministically, served on the websocket port.
 * The routes are one table in control.c.
 */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include <stdbool.h>

#include "http.h"

/* Answers a /control/ path; false if there is no such route. */
bool control_route(struct http_request *r, const char *path);

#endif
