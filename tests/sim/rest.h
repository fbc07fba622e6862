/*
 * rest: the exchanges' public REST APIs on the websocket port, answered by
 * the protocol module (coinbase.c, bitstamp.c) from the trade history
 * (history.c). This module counts REST requests and fails the next N of
 * them on demand (/control/rest_fail), so tests can take "REST" down.
 */
#ifndef SIM_REST_H
#define SIM_REST_H

#include <stdbool.h>

#include "http.h"

/* Answers a request if path is under the exchange's REST prefix. */
bool rest_route(struct http_request *r, const char *path);

#endif
