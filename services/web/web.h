/* web: state shared by the web service's modules (one instance, owned by
 * main.c): configuration, the two Redis connections (commands, and the one
 * shared subscription), the cache of announced products, and the hub. */
#ifndef POETICOINS_WEB_H
#define POETICOINS_WEB_H

#include <h2o.h>
#include <stdbool.h>

#include "config.h"
#include "hub.h"
#include "redis_conn.h"
#include "url.h"

#define EXCHANGES_MAX 8

struct web {
    /* configuration */
    struct redis_url redis_url;
    long long port;
    const char *addr;
    const char *root;
    long long max_queue;
    long long max_clients;
    long long sndbuf;            /* kernel send buffer per connection */
    long long max_msgs_per_sec;
    const char *allowed_origins;
    long long history_len;
    int log_level;
    const char *exchanges_text;
    char exchanges[EXCHANGES_MAX][16];
    size_t nexchanges;
    /* run time */
    uv_loop_t *loop;
    struct redis_conn *redis;    /* commands */
    struct redis_conn *pubsub;   /* PSUBSCRIBE trades:* status:* */
    struct hub *hub;
    /* Each exchange's announced `products` (its hash field), refreshed when
     * Redis connects, on every status message and every few seconds; used to
     * validate websocket subscriptions. NULL until known. */
    char *products[EXCHANGES_MAX];
    size_t refresh_pending;      /* HGET replies still to come */
    bool products_loaded;        /* a whole refresh completed since start */
    uv_timer_t refresh;
};

/* Answers /api/... (api.c). */
int api_handle(struct web *w, h2o_req_t *req);
/* /healthz and /metrics (api.c). */
int api_healthz(struct web *w, h2o_req_t *req);
int api_metrics(struct web *w, h2o_req_t *req);
/* Sends a JSON body with the given status. body is copied. */
void web_respond_json(h2o_req_t *req, int status, const char *reason, const char *body,
                      size_t len);
/* Sends {"error": message}. */
void web_error(h2o_req_t *req, int status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool web_exchange_configured(const struct web *w, const char *exchange);
/* Whether the pair is in the comma-separated `products` list. */
bool web_products_contain(const char *products, const char *pair);

#endif
