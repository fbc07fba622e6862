/* status: the exchange's state in Redis, hash `exchange:<name>`, with its
 * changes PUBLISHed as JSON on `status:<name>` (README, Redis contract).
 *
 * The in-memory struct is the truth; Redis gets a copy. Every state change
 * writes the whole hash and publishes it; counters and times are written at
 * most once per second; a Redis (re)connection rewrites and republishes
 * everything, so a status lost while Redis was down is repaired on return. */
#ifndef POETICOINS_STATUS_H
#define POETICOINS_STATUS_H

#include <stdint.h>
#include <uv.h>

#include "redis_conn.h"
#include "trade.h"

struct status;

/* States, in the order a connection goes through them. */
#define STATUS_CONNECTING "connecting"
#define STATUS_LIVE "live"
#define STATUS_RECONNECTING "reconnecting"
#define STATUS_STOPPED "stopped"

/* products is the comma-separated pair list (copied). */
struct status *status_new(uv_loop_t *loop, struct redis_conn *rc, const char *exchange,
                          const char *products);
void status_set_state(struct status *s, const char *state); /* a STATUS_ constant */
void status_message_seen(struct status *s, int64_t now_us);
void status_trade_published(struct status *s, const char traded_at[TRADE_TIME_LEN + 1]);
void status_reconnected(struct status *s);
/* A gap that could not be filled was published on gaps:<exchange>:<pair>. */
void status_gap(struct status *s);
/* The Redis connection is ready: rewrite and republish. */
void status_redis_ready(struct status *s);
const char *status_state(const struct status *s);
/* Writes the status as one compact JSON object; returns its length. */
size_t status_to_json(const struct status *s, char *out, size_t outlen);
/* Stops the timer; frees after the loop closes it. */
void status_free(struct status *s);

#endif
