/*
 * tape: emits generated trades (the "ticker tape"). One trade is made by the generator,
 * rendered once by the exchange protocol, appended to --log, and queued to
 * every connection subscribed to its product. Also owns the --rate timer
 * that paces demo trades across the subscribed products.
 *
 * Ownership: the timer lives in this module; tape_stop closes it, and the
 * loop must run afterwards for the close to complete.
 */
#ifndef SIM_TAPE_H
#define SIM_TAPE_H

#include <uv.h>

/* Generates, logs and delivers one trade of a product (a gen index). */
void tape_trade(int product);

/* Starts the --rate timer if the rate is positive; 0 or a negative errno. */
int tape_start(uv_loop_t *loop);
void tape_stop(void);

#endif
