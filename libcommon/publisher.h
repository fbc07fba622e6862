/* publisher: puts normalised trades into Redis, each exactly once, in order.
 *
 * For every trade, in one MULTI/EXEC so that Redis applies all or nothing:
 *   LPUSH history:<ex>:<pair> <json>; LTRIM ... 0 HISTORY_LEN-1;
 *   PUBLISH trades:<ex>:<pair> <json>
 * The list is updated before the PUBLISH, so a subscriber that reads the
 * list after a message sees that trade in it. Trades queued in the same
 * loop iteration share one transaction (all LPUSHes, then all PUBLISHes in
 * order), which keeps both properties for each of them.
 *
 * Trades wait in a bounded FIFO (queue_len entries) until their EXEC is
 * answered, so nothing is lost while Redis is away; when full, new trades are
 * dropped and counted. Duplicates are dropped by trade id per pair: a trade
 * whose id is not above the last one accepted for its pair was already
 * published. On every Redis (re)connection the head of each history list is
 * read back first, which carries that knowledge across a restart of this
 * service and settles what a lost connection had already applied. */
#ifndef POETICOINS_PUBLISHER_H
#define POETICOINS_PUBLISHER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "redis_conn.h"
#include "status.h"
#include "trade.h"

struct publisher;

enum publish_result {
    PUBLISH_QUEUED,
    PUBLISH_DUPLICATE,    /* id not above the last accepted for its pair */
    PUBLISH_UNKNOWN_PAIR, /* not one of the configured pairs */
    PUBLISH_QUEUE_FULL,   /* dropped: Redis has been away too long */
};

/* pairs and status are borrowed and must outlive the publisher. Its check
 * handle on `loop` is closed by loop_close(), before publisher_free(). */
struct publisher *publisher_new(uv_loop_t *loop, struct redis_conn *rc, struct status *status,
                                const char *exchange, const struct pair_list *pairs,
                                long long history_len, long long queue_len);
enum publish_result publisher_submit(struct publisher *p, const struct trade *t);
/* The last trade id accepted for `pair` (from this process or read back from
 * Redis); false when none is known yet. */
bool publisher_last_id(struct publisher *p, const char *pair, uint64_t *id);
/* Whether the history heads have been read from Redis at least once, so
 * that publisher_last_id() knows what earlier runs published. */
bool publisher_heads_known(const struct publisher *p);
/* Queues `json` for PUBLISH on gaps:<exchange>:<pair>, in order with the
 * trades around it. Not deduplicated; dropped (and counted) when full. */
void publisher_gap(struct publisher *p, const char *pair, const char *json, size_t len);
/* on_pause(arg, true) when Redis is connected but over half the queue waits
 * for it; on_pause(arg, false) once a quarter is left, or when Redis goes
 * away (the queue then holds trades up to its bound, as before). */
void publisher_set_backpressure(struct publisher *p, void (*on_pause)(void *arg, bool pause),
                                void *arg);
/* The Redis connection became ready / went down (from redis_conn_ops). */
void publisher_redis_ready(struct publisher *p);
void publisher_redis_down(struct publisher *p);
/* Trades accepted but not yet confirmed by Redis. */
uint64_t publisher_queued(const struct publisher *p);
/* Calls on_empty (once) as soon as the queue is empty, possibly at once. */
void publisher_drain(struct publisher *p, void (*on_empty)(void *arg), void *arg);
/* Stops sending for good. Call once the Redis connection is closed (it is
 * freed then) and before the loop runs again: loop_close() runs the loop,
 * and the check handle would flush through the freed connection. */
void publisher_stop(struct publisher *p);
void publisher_free(struct publisher *p);

#endif
