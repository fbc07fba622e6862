/* The HTTP API: /api/products, /api/trades, /api/status, /healthz, /metrics.
 * Every Redis command here is fixed; what a client sends only selects among
 * configured exchanges and validated pairs (product.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "log.h"
#include "metrics.h"
#include "product.h"
#include "web.h"
#include "xalloc.h"

void web_respond_json(h2o_req_t *req, int status, const char *reason, const char *body,
                      size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    req->res.content_length = len;
    h2o_send_inline(req, body, len);
}

void web_error(h2o_req_t *req, int status, const char *reason, const char *fmt, ...)
{
    char text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", text);
    char *body = cJSON_PrintUnformatted(o);
    web_respond_json(req, status, reason, body, strlen(body));
    free(body);
    cJSON_Delete(o);
}

bool web_exchange_configured(const struct web *w, const char *exchange)
{
    for (size_t i = 0; i < w->nexchanges; i++)
        if (strcmp(w->exchanges[i], exchange) == 0)
            return true;
    return false;
}

bool web_products_contain(const char *products, const char *pair)
{
    size_t n = strlen(pair);
    for (const char *p = products; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, pair, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* An API request waiting for Redis. Two parties hold it: the request's pool
 * (h2o frees it when the response is done or the client goes away) and the
 * Redis replies still to come. Whichever lets go last frees it: the pool's
 * dispose clears `req` (or frees it if the replies are done); the last reply
 * answers if `req` is still there, then frees it or marks it `done`. */
struct pending {
    struct web *web;
    h2o_req_t *req;             /* NULL once the pool is disposed */
    bool done;                  /* no reply outstanding */
    int outstanding;            /* Redis replies still to come */
    int route;
    struct product_id product;
    long limit;
    redisReply *replies[EXCHANGES_MAX];
};

enum { ROUTE_PRODUCTS, ROUTE_TRADES, ROUTE_STATUS };

static void pending_free(struct pending *p);

static void on_req_disposed(void *slot)
{
    struct pending *p = *(struct pending **)slot;
    if (p->done)
        pending_free(p);
    else
        p->req = NULL;
}

static struct pending *pending_new(struct web *w, h2o_req_t *req, int route, int outstanding)
{
    struct pending *p = xcalloc(1, sizeof *p);
    p->web = w;
    p->req = req;
    p->route = route;
    p->outstanding = outstanding;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the slot holds one pointer */
    struct pending **slot = h2o_mem_alloc_shared(&req->pool, sizeof *slot, on_req_disposed);
    *slot = p;
    return p;
}

static void free_copy(redisReply *r);

/* The last reply was handled. */
static void pending_finish(struct pending *p)
{
    if (p->req == NULL)
        pending_free(p);
    else
        p->done = true;
}

static void pending_free(struct pending *p)
{
    for (size_t i = 0; i < EXCHANGES_MAX; i++)
        free_copy(p->replies[i]);
    free(p);
}

/* hiredis frees a reply after its callback unless the reply is detached;
 * 0.14 has no detach, so replies that must outlive a callback are copied. */
static redisReply *copy_reply(const redisReply *r)
{
    redisReply *c = xcalloc(1, sizeof *c);
    c->type = r->type;
    c->integer = r->integer;
    if (r->str) {
        c->str = xmalloc(r->len + 1);
        memcpy(c->str, r->str, r->len);
        c->str[r->len] = '\0';
        c->len = r->len;
    }
    if (r->elements) {
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of reply pointers */
        c->element = xcalloc(r->elements, sizeof *c->element);
        c->elements = r->elements;
        for (size_t i = 0; i < r->elements; i++)
            c->element[i] = copy_reply(r->element[i]);
    }
    return c;
}

static void free_copy(redisReply *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->elements; i++)
        free_copy(r->element[i]);
    free(r->element);
    free(r->str);
    free(r);
}

static void unavailable(h2o_req_t *req)
{
    web_error(req, 503, "Service Unavailable", "Redis is unavailable; try again shortly");
}

/* ---- /api/products ---- */

static void answer_products(struct pending *p)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t e = 0; e < p->web->nexchanges; e++) {
        redisReply *r = p->replies[e];
        if (r == NULL || r->type != REDIS_REPLY_STRING)
            continue;
        for (const char *s = r->str; s && *s;) {
            const char *comma = strchr(s, ',');
            size_t len = comma ? (size_t)(comma - s) : strlen(s);
            char id[64];
            struct product_id prod;
            snprintf(id, sizeof id, "%s:%.*s", p->web->exchanges[e], (int)len, s);
            if (len < 30 && product_parse(id, strlen(id), &prod) == NULL) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "id", prod.id);
                cJSON_AddStringToObject(o, "exchange", prod.exchange);
                cJSON_AddStringToObject(o, "pair", prod.pair);
                char *dash = strchr(prod.pair, '-');
                *dash = '\0';
                cJSON_AddStringToObject(o, "base", prod.pair);
                cJSON_AddStringToObject(o, "quote", dash + 1);
                cJSON_AddItemToArray(arr, o);
            }
            s = comma ? comma + 1 : NULL;
        }
    }
    char *body = cJSON_PrintUnformatted(arr);
    web_respond_json(p->req, 200, "OK", body, strlen(body));
    free(body);
    cJSON_Delete(arr);
}

/* ---- /api/status ---- */

static const char *const status_fields[] = { "state", "since", "last_message_at",
                                             "last_trade_at", "trades", "reconnects", "gaps",
                                             "products" };

static void answer_status(struct pending *p)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t e = 0; e < p->web->nexchanges; e++) {
        redisReply *r = p->replies[e];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "exchange", p->web->exchanges[e]);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
            cJSON_AddStringToObject(o, "state", "unknown");
        } else {
            for (size_t f = 0; f < sizeof status_fields / sizeof status_fields[0]; f++) {
                const char *value = "";
                for (size_t i = 0; i + 1 < r->elements; i += 2)
                    if (r->element[i]->str && strcmp(r->element[i]->str, status_fields[f]) == 0 &&
                        r->element[i + 1]->str)
                        value = r->element[i + 1]->str;
                cJSON_AddStringToObject(o, status_fields[f], value);
            }
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *body = cJSON_PrintUnformatted(arr);
    web_respond_json(p->req, 200, "OK", body, strlen(body));
    free(body);
    cJSON_Delete(arr);
}

static void on_exchange_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    /* privdata: the pending request; the reply's slot is the next free one,
     * since Redis answers in order. */
    struct pending *p = privdata;
    size_t slot = p->web->nexchanges - (size_t)p->outstanding;
    if (r)
        p->replies[slot] = copy_reply(r);
    if (--p->outstanding > 0)
        return;
    if (p->req) {
        if (r == NULL)
            unavailable(p->req);
        else if (p->route == ROUTE_PRODUCTS)
            answer_products(p);
        else
            answer_status(p);
    }
    pending_finish(p);
}

static int per_exchange(struct web *w, h2o_req_t *req, int route)
{
    redisAsyncContext *ac = redis_conn_ctx(w->redis);
    if (ac == NULL) {
        unavailable(req);
        return 0;
    }
    struct pending *p = pending_new(w, req, route, (int)w->nexchanges);
    for (size_t e = 0; e < w->nexchanges; e++) {
        char key[32];
        snprintf(key, sizeof key, "exchange:%s", w->exchanges[e]);
        if (route == ROUTE_PRODUCTS)
            redisAsyncCommand(ac, on_exchange_reply, p, "HGET %s products", key);
        else
            redisAsyncCommand(ac, on_exchange_reply, p, "HGETALL %s", key);
    }
    return 0;
}

/* ---- /api/trades ---- */

static void on_history(redisAsyncContext *ac, void *r, void *privdata)
{
    struct pending *p = privdata;
    redisReply *reply = r;
    if (p->req) {
        if (reply == NULL) {
            unavailable(p->req);
        } else if (reply->type != REDIS_REPLY_ARRAY) {
            web_error(p->req, 500, "Internal Server Error", "history list unreadable");
        } else {
            size_t total = 2;
            for (size_t i = 0; i < reply->elements; i++)
                total += reply->element[i]->len + 1;
            char *body = xmalloc(total + 1);
            size_t o = 0;
            body[o++] = '[';
            /* Each element is the trade exactly as published. */
            for (size_t i = 0; i < reply->elements; i++) {
                if (i)
                    body[o++] = ',';
                memcpy(body + o, reply->element[i]->str, reply->element[i]->len);
                o += reply->element[i]->len;
            }
            body[o++] = ']';
            web_respond_json(p->req, 200, "OK", body, o);
            free(body);
        }
    }
    pending_finish(p);
}

static void on_products_for_trades(redisAsyncContext *ac, void *r, void *privdata)
{
    struct pending *p = privdata;
    redisReply *reply = r;
    if (p->req == NULL || reply == NULL) {
        if (p->req)
            unavailable(p->req);
        pending_finish(p);
        return;
    }
    if (reply->type != REDIS_REPLY_STRING ||
        !web_products_contain(reply->str, p->product.pair)) {
        web_error(p->req, 404, "Not Found", "unknown product '%s'", p->product.id);
        pending_finish(p);
        return;
    }
    char key[64], end[24];
    snprintf(key, sizeof key, "history:%s:%s", p->product.exchange, p->product.pair);
    snprintf(end, sizeof end, "%ld", p->limit - 1);
    redisAsyncCommand(ac, on_history, p, "LRANGE %s 0 %s", key, end);
}

static int trades(struct web *w, h2o_req_t *req, const char *query, size_t qlen)
{
    char value[128];
    struct product_id product;
    const char *err = query_param(query, qlen, "product", value, sizeof value);
    if (err && strcmp(err, "missing") == 0) {
        web_error(req, 400, "Bad Request", "product is required, e.g. ?product=coinbase:BTC-USD");
        return 0;
    }
    if (err || (err = product_parse(value, strlen(value), &product))) {
        web_error(req, 400, "Bad Request", "bad product: %s", err);
        return 0;
    }
    long limit = 100 < w->history_len ? 100 : (long)w->history_len;
    err = query_param(query, qlen, "limit", value, sizeof value);
    if (err && strcmp(err, "missing") != 0) {
        web_error(req, 400, "Bad Request", "bad limit: %s", err);
        return 0;
    }
    if (!err && limit_parse(value, (long)w->history_len, &limit)) {
        web_error(req, 400, "Bad Request", "limit must be a whole number from 1 to %lld",
                  w->history_len);
        return 0;
    }
    if (!web_exchange_configured(w, product.exchange)) {
        web_error(req, 404, "Not Found", "unknown product '%s'", product.id);
        return 0;
    }
    redisAsyncContext *ac = redis_conn_ctx(w->redis);
    if (ac == NULL) {
        unavailable(req);
        return 0;
    }
    struct pending *p = pending_new(w, req, ROUTE_TRADES, 1);
    p->product = product;
    p->limit = limit;
    redisAsyncCommand(ac, on_products_for_trades, p, "HGET exchange:%s products",
                      product.exchange);
    return 0;
}

int api_handle(struct web *w, h2o_req_t *req)
{
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    const char *query = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : "";
    size_t qlen = req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0;
    h2o_iovec_t path = h2o_iovec_init(req->path.base, plen);
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        web_error(req, 405, "Method Not Allowed", "only GET is supported");
        return 0;
    }
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/products")))
        return per_exchange(w, req, ROUTE_PRODUCTS);
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/status")))
        return per_exchange(w, req, ROUTE_STATUS);
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/trades")))
        return trades(w, req, query, qlen);
    char shown[80];
    log_escape(path.base, path.len, shown, sizeof shown);
    web_error(req, 404, "Not Found", "unknown route %s", shown);
    return 0;
}

int api_healthz(struct web *w, h2o_req_t *req)
{
    /* Ready once both connections are up and the announced products are
     * known, so that websocket subscriptions can be checked. */
    bool up = redis_conn_ready(w->redis) && redis_conn_ready(w->pubsub) && w->products_loaded;
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"%s\",\"redis\":\"%s\",\"clients\":%zu}",
                     up ? "ok" : "unavailable", up ? "up" : "down", hub_clients(w->hub));
    web_respond_json(req, up ? 200 : 503, up ? "OK" : "Service Unavailable", body, (size_t)n);
    return 0;
}

int api_metrics(struct web *w, h2o_req_t *req)
{
    char *text;
    size_t n = metrics_render(&text);
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4"));
    req->res.content_length = n;
    h2o_send_inline(req, text, n);
    free(text);
    return 0;
}
