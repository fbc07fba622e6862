/* recovery: fills gaps in a feed from the exchange's REST API, so that no
 * trade is silently lost across dropped messages and reconnects.
 *
 * A gap is (a) with per-product sequential trade ids (Coinbase) a trade whose
 * id skips ahead of the last published one, or a heartbeat whose
 * last_trade_id is ahead of it; (b) every (re)connection of the feed, for
 * every product whose last published trade is known (Redis history or this
 * run). For a gap the product's live trades are held back, the missing
 * trades are fetched page by page (one request at a time, at most one per
 * REST_MIN_INTERVAL_MS, retried with backoff), published in trade-id order
 * through the publisher (same dedup), and only then are the held trades
 * released. What could not be fetched (REST down, trades older than the API
 * returns, more than REST_MAX_BACKFILL) is published as an explicit event on
 * gaps:<exchange>:<pair> and counted; nothing is hidden.
 *
 * The exchange module supplies the REST path and a pure body parser. */
#ifndef POETICOINS_RECOVERY_H
#define POETICOINS_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "publisher.h"
#include "rest.h"
#include "status.h"
#include "trade.h"

struct recovery;

struct recovery_ops {
    /* REST path of the page of `pair`'s trades older than before_id (0: the
     * newest page), e.g. "/products/BTC-USD/trades?limit=100&after=123". */
    void (*rest_path)(const char *pair, uint64_t before_id, char *out, size_t outlen);
    /* Parses a REST body into at most `max` trades of `pair` (any order);
     * pure. *page_full says whether the page held as many trades as asked,
     * so that an older page may exist. */
    const char *(*rest_parse)(const char *body, size_t len, const char *pair,
                              int64_t received_us, struct trade *out, size_t max, size_t *count,
                              bool *page_full);
    /* Trade ids go up by exactly one per trade of a product. */
    bool sequential;
};

struct recovery_config {
    const char *exchange;
    const struct pair_list *pairs;
    size_t max_backfill;     /* trades fetched for one gap at most */
    uint64_t min_interval_ms;/* between REST requests */
    size_t max_held;         /* live trades held per product during a gap */
};

/* rest may be NULL: recovery is then off (gaps are still detected and
 * reported). Everything passed is borrowed and must outlive the recovery. */
struct recovery *recovery_new(uv_loop_t *loop, struct rest *rest, struct publisher *pub,
                              struct status *status, const struct recovery_config *cfg,
                              const struct recovery_ops *ops);
/* A live trade from the feed: published now, or held while its product
 * recovers. */
void recovery_trade(struct recovery *r, const struct trade *t);
/* A heartbeat saying `pair`'s latest trade id is last_trade_id. */
void recovery_heartbeat(struct recovery *r, const char *pair, uint64_t last_trade_id);
/* The feed (re)connected: check every product against the REST API, each
 * once its subscription is confirmed (recovery_subscribed). */
void recovery_connected(struct recovery *r);
/* The exchange confirmed the subscription of `pair` (NULL: of every pair). */
void recovery_subscribed(struct recovery *r, const char *pair);
/* Releases every held trade (shutdown). */
void recovery_flush(struct recovery *r);
void recovery_free(struct recovery *r);

#endif
