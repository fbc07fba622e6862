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

#include <stddef.h>

#include <uv.h>

/* Generates, logs and delivers one trade of a product (a gen index). */
void tape_trade(int product);

/*
 * Logs the frame carrying a product's pre-created trade (Coinbase's
 * last_match) the first time it is sent, so that the log holds every
 * trade a client can see, once. Does nothing for other trades: they were
 * logged when generated.
 */
void tape_log_first(int product, const char *frame, size_t len);

/* Starts the --rate timer if the rate is positive; 0 or a negative errno. */
int tape_start(uv_loop_t *loop);
void tape_stop(void);

#endif
