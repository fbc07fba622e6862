/* ingest: the whole life of an ingest service, shared by every exchange.
 *
 * ingest_main() loads the configuration table (common variables plus the
 * exchange's URL and pairs), sets up the loop, the Redis connection, the
 * publisher, the status hash, the health endpoint and the exchange feed, runs
 * until SIGTERM/SIGINT, then stops reading, flushes what is queued and exits
 * 0. An exchange module supplies only a struct exchange_def: its name and
 * defaults, its parser, what to send when the connection opens, and optional
 * hooks. Everything else, reconnects and backoff, dedup, bad input, Redis
 * outages, metrics, lives here once. */
#ifndef POETICOINS_INGEST_H
#define POETICOINS_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "recovery.h"

struct ingest;

struct exchange_def {
    const char *name;            /* lowercase: "coinbase" */
    const char *summary;         /* one line for --help */
    const char *url_var;         /* "COINBASE_URL" */
    const char *default_url;
    const char *pairs_var;       /* "COINBASE_PRODUCTS" */
    const char *default_pairs;
    const char *health_port;     /* default HEALTH_PORT, as text */
    const char *stale_ms;        /* default STALE_TIMEOUT_MS, as text */
    frame_parse_fn parse;
    /* Gap recovery: the REST base URL's variable and default, and the
     * exchange's REST path and body parser (recovery.h). */
    const char *rest_url_var;      /* "COINBASE_REST_URL" */
    const char *default_rest_url;
    struct recovery_ops recovery;
    /* Optional: the exchange's own configuration rows, loaded with the rest. */
    const struct config_var *extra_vars;
    size_t n_extra_vars;
    /* The websocket is open: send subscriptions with ingest_send(). */
    void (*on_open)(struct ingest *in);
    /* Optional: sees every parsed frame after the common handling. */
    void (*on_frame)(struct ingest *in, const struct frame *fr);
    /* Optional: once a second while the process runs. */
    void (*on_tick)(struct ingest *in, uint64_t now_ms);
    /* Optional: the connection closed (before any reconnect). */
    void (*on_close)(struct ingest *in);
};

int ingest_main(int argc, char **argv, const struct exchange_def *ex);

const struct pair_list *ingest_pairs(const struct ingest *in);
/* Sends a text message on the open connection (copied). */
void ingest_send(struct ingest *in, const char *text, size_t len);
/* Closes the connection now and reconnects after the backoff delay. */
void ingest_reconnect(struct ingest *in, const char *why);
/* Marks the feed live (first acknowledgement). */
void ingest_set_live(struct ingest *in);

#endif
