/*
 * tape: emits generated trades (the "ticker tape"). One trade is made by
 * the generator, recorded in the history (REST), rendered once by the
 * exchange protocol, appended to --log, and queued to every connection
 * subscribed to its product.
 *
 * The exchange trades whether or not anybody listens: once some
 * connection has subscribed to a product's trades, that product keeps
 * trading (--rate, /control/trades) even with no connection open.
 *
 * Delivery faults live here because they change what the tape emits, not
 * what the exchange does: a trade sent twice (/control/duplicate), two
 * trades of a product sent in reverse order (/control/swap). The log and
 * the history always keep generation order, once.
 *
 * Ownership: the timer and a trade held back by swap live in this module;
 * tape_stop closes and frees them, and the loop must run afterwards for
 * the close to complete.
 */
#ifndef SIM_TAPE_H
#define SIM_TAPE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

/*
 * Returns the gen index of product base-quote, adding it (and recording
 * its pre-created trade in the history) if new; -1 if invalid or full.
 */
int tape_product(const char *base, const char *quote);

/* A connection subscribed to a product's trades: it trades from now on. */
void tape_subscribed(int product);
/* Whether a product trades (some connection ever subscribed to it). */
bool tape_trading(int product);

/* Generates, records, logs and delivers one trade of a product. */
void tape_trade(int product);

/*
 * Logs the frame carrying a product's pre-created trade (Coinbase's
 * last_match) the first time it is sent, so that the log holds every
 * trade a client can see, once. Does nothing for other trades: they were
 * logged when generated.
 */
void tape_log_first(int product, const char *frame, size_t len);

/* The next `count` trades are each sent twice (0 cancels). */
void tape_duplicate(long count);
/* The next two trades of a product are sent in reverse order. */
void tape_swap(int product);

/* Starts the --rate timer if the rate is positive; 0 or a negative errno. */
int tape_start(uv_loop_t *loop);
void tape_stop(void);

#endif
