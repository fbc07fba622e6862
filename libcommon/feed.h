/* feed: the websocket connection to one exchange, kept up for as long as the
 * process runs.
 *
 * It connects (TLS verification always on, CA from TLS_CA_FILE or the system
 * store), reassembles fragmented messages up to max_frame bytes, hands every
 * whole text message to the exchange module, and reconnects with capped
 * exponential backoff and jitter when the connection fails, closes, or stays
 * silent for stale_ms. The exchange module only says what to send on open and
 * what a message means (feed_ops); it never sees a socket.
 *
 * Ownership: frames passed to on_frame are valid only during the call (and
 * NUL-terminated: data[len] is 0).
 * feed_send() copies. All callbacks run on the loop. */
#ifndef POETICOINS_FEED_H
#define POETICOINS_FEED_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "url.h"

struct feed;

struct feed_ops {
    /* Connected: send subscriptions with feed_send(). */
    void (*on_open)(void *arg);
    /* One whole message; received_us is the wall clock at its arrival. */
    void (*on_frame)(void *arg, const char *data, size_t len, int64_t received_us);
    /* The connection is gone; `reconnecting` is false only after feed_stop(). */
    void (*on_close)(void *arg, bool reconnecting);
};

struct feed_config {
    const char *name;       /* exchange name, for logs */
    struct ws_url url;
    const char *ca_file;    /* NULL: system trust store */
    size_t max_frame;       /* bigger messages are skipped and counted */
    uint64_t stale_ms;      /* no message for this long: reconnect */
};

/* Returns NULL (and logs why) if the client vhost cannot be created. */
struct feed *feed_new(struct lws_context *ctx, uv_loop_t *loop, const struct feed_config *cfg,
                      const struct feed_ops *ops, void *arg);
void feed_start(struct feed *f);
/* Queues a text message for the open connection; dropped if not connected. */
void feed_send(struct feed *f, const char *text, size_t len);
/* Closes the connection now and reconnects after the backoff delay. */
void feed_reconnect(struct feed *f, const char *why);
/* Closes for good; on_close(arg, false) follows. */
void feed_stop(struct feed *f);
/* Stops (pause) or resumes reading the exchange, for backpressure; kept
 * across reconnects. The stale timer does not count a paused stretch. */
void feed_pause(struct feed *f, bool pause);
bool feed_is_open(const struct feed *f);
/* Frees the feed; call after the lws context is destroyed. */
void feed_free(struct feed *f);

#endif
