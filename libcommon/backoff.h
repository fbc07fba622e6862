/* backoff: capped exponential reconnect delays with jitter.
 *
 * Pure arithmetic, no timers: the caller asks for the next delay after a
 * failure and reports successful connections. A connection that stayed up for
 * `healthy_ms` resets the sequence, so a service that flaps once a day starts
 * again from the base delay while one that fails at once keeps backing off. */
#ifndef POETICOINS_BACKOFF_H
#define POETICOINS_BACKOFF_H

#include <stdint.h>

struct backoff {
    uint64_t base_ms;       /* first delay, before jitter */
    uint64_t cap_ms;        /* no delay is longer */
    uint64_t healthy_ms;    /* a connection up this long resets the sequence */
    unsigned attempt;       /* failures since the last reset */
    uint64_t connected_at;  /* ms, 0 while not connected */
    uint64_t rng;           /* xorshift state for jitter */
};

#define BACKOFF_DEFAULT_BASE_MS 500
#define BACKOFF_DEFAULT_CAP_MS 30000
#define BACKOFF_DEFAULT_HEALTHY_MS 60000

void backoff_init(struct backoff *b, uint64_t base_ms, uint64_t cap_ms, uint64_t healthy_ms,
                  uint64_t seed);
/* The connection is up as of now_ms. */
void backoff_connected(struct backoff *b, uint64_t now_ms);
/* The connection failed or was lost at now_ms: returns the delay before the
 * next attempt, uniformly jittered in [d/2, d] where d = min(cap, base * 2^n). */
uint64_t backoff_next(struct backoff *b, uint64_t now_ms);

#endif
