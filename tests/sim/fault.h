/*
 * fault: /control/chaos, which cuts websocket connections at random
 * points on a timer. Every period (uniformly 0.5 to 1.5 times the
 * requested one) each open connection is cut one of three ways, chosen at
 * random:
 *   - between frames: dropped at once (no close frame);
 *   - mid-frame: the first 1..len-1 bytes of its next frame (header and
 *     payload, as on the wire) are written raw, then it is dropped;
 *   - during the subscribe: dropped at once, and the next connection that
 *     sends a subscribe is dropped as soon as it arrives, before anything
 *     of it is applied or acknowledged.
 * The PRNG is the chaos call's own (seeded by ?seed=), apart from the
 * trade generator's, so chaos never changes the trades themselves.
 *
 * Ownership: the timer lives here; fault_stop closes it and the loop must
 * run afterwards.
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

struct conn;

/* Cuts every ~period_ms from now on; 0 stops and disarms pending cuts. */
void fault_chaos(uint64_t period_ms, uint64_t seed);

/*
 * Called by the protocols when a subscribe arrives, before applying it:
 * true if the connection was just dropped for chaos (ignore the message).
 */
bool fault_cut_subscribe(struct conn *c);

int fault_start(uv_loop_t *loop);
void fault_stop(void);

#endif
