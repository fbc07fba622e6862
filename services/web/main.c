/* The web service: h2o on the process's libuv loop, hiredis on the same
 * loop. Routes (registered in this order, since h2o matches prefixes in
 * registration order):
 *   /api/...      api.c        /healthz, /metrics   api.c
 *   /ws           hub.c        /products/..., /compare   index.html
 *   /             static files from WEB_ROOT (ETag, Last-Modified, gzip) */
#include <cJSON.h>
#include <h2o.h>
#include <h2o/http1.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "product.h"
#include "web.h"
#include "xalloc.h"

#define REFRESH_MS 5000
#define MAX_REQUEST_BODY 16384

static struct web web;
static h2o_globalconf_t h2o_config;
static h2o_context_t h2o_ctx;
static h2o_accept_ctx_t accept_ctx;
static uv_tcp_t listener;
static int closing;
static size_t open_conns;       /* accepted and not yet closed */
static uv_timer_t drain_timer;
static uint64_t drain_deadline;

#define DRAIN_MS 2000

/* Security headers on every response (README, "Web service"). */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                          "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                          "form-action 'self'";

/* ---- announced products ---- */

static void on_products(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    size_t e = (size_t)(uintptr_t)privdata;
    if (reply == NULL || e >= web.nexchanges)
        return;
    free(web.products[e]);
    web.products[e] = reply->type == REDIS_REPLY_STRING ? xstrndup(reply->str, reply->len) : NULL;
    if (web.refresh_pending && --web.refresh_pending == 0)
        web.products_loaded = true;
}

static void refresh_products(void)
{
    redisAsyncContext *ac = redis_conn_ctx(web.redis);
    if (ac)
        web.refresh_pending += web.nexchanges;
    for (size_t e = 0; ac && e < web.nexchanges; e++)
        redisAsyncCommand(ac, on_products, (void *)(uintptr_t)e, "HGET exchange:%s products",
                          web.exchanges[e]);
}

static void on_refresh(uv_timer_t *t)
{
    refresh_products();
}

static bool product_known(void *arg, const char *id)
{
    struct product_id p;
    if (product_parse(id, strlen(id), &p))
        return false;
    for (size_t e = 0; e < web.nexchanges; e++)
        if (strcmp(web.exchanges[e], p.exchange) == 0)
            return web_products_contain(web.products[e], p.pair);
    return false;
}

/* ---- the shared subscription ---- */

static struct log_ratelimit bad_messages = LOG_RATELIMIT_INIT(5, 10000);

static void on_pubsub(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 ||
        strcmp(reply->element[0]->str, "pmessage") != 0)
        return;
    const char *channel = reply->element[2]->str;
    const char *payload = reply->element[3]->str;
    size_t len = reply->element[3]->len;
    /* Anyone with access to Redis can publish: only JSON objects are passed on. */
    cJSON *json = cJSON_ParseWithLength(payload, len);
    if (!cJSON_IsObject(json)) {
        unsigned suppressed;
        char shown[120];
        if (log_ratelimit_allow(&bad_messages, loop_now_ms(), &suppressed))
            log_warn("ignoring non-JSON message on %s: %s", channel,
                     log_escape(payload, len, shown, sizeof shown));
        cJSON_Delete(json);
        return;
    }
    if (strncmp(channel, "trades:", 7) == 0) {
        hub_trade(web.hub, channel + 7, payload, len);
    } else if (strncmp(channel, "status:", 7) == 0) {
        const cJSON *products = cJSON_GetObjectItemCaseSensitive(json, "products");
        for (size_t e = 0; cJSON_IsString(products) && e < web.nexchanges; e++)
            if (strcmp(web.exchanges[e], channel + 7) == 0) {
                free(web.products[e]);
                web.products[e] = xstrdup(products->valuestring);
            }
        hub_status(web.hub, payload, len);
    }
    cJSON_Delete(json);
}

static void on_pubsub_down(void *arg)
{
    /* The subscription is renewed by on_pubsub_ready on reconnect; browsers
     * stay connected meanwhile. */
}

static void on_pubsub_ready(void *arg)
{
    redisAsyncCommand(redis_conn_ctx(web.pubsub), on_pubsub, NULL, "PSUBSCRIBE trades:* status:*");
}

static void on_redis_ready(void *arg)
{
    refresh_products();
}

static void on_redis_down(void *arg)
{
    /* Replies of a refresh in flight will not come. */
    web.refresh_pending = 0;
}

/* ---- h2o ---- */

struct handler {
    h2o_handler_t super;
    int (*fn)(struct web *w, h2o_req_t *req);
};

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    return ((struct handler *)self)->fn(&web, req);
}

static int ws_req(struct web *w, h2o_req_t *req)
{
    return hub_handle(w->hub, req);
}

/* One command list shared by every path. h2o's headers filter never
 * releases it, so main() does, after h2o_config_dispose. */
static h2o_headers_command_t *header_cmds;

static h2o_headers_command_t *security_headers(void)
{
    static h2o_iovec_t names[4];
    if (header_cmds)
        return header_cmds;
    h2o_headers_command_t *cmds = NULL;
    names[0] = h2o_iovec_init(H2O_STRLIT("content-security-policy"));
    names[1] = h2o_iovec_init(H2O_STRLIT("x-content-type-options"));
    names[2] = h2o_iovec_init(H2O_STRLIT("referrer-policy"));
    names[3] = h2o_iovec_init(H2O_STRLIT("x-frame-options"));
    h2o_headers_append_command(&cmds, H2O_HEADERS_CMD_SET, &names[0], h2o_iovec_init(csp, strlen(csp)));
    h2o_headers_append_command(&cmds, H2O_HEADERS_CMD_SET, &names[1], h2o_iovec_init(H2O_STRLIT("nosniff")));
    h2o_headers_append_command(&cmds, H2O_HEADERS_CMD_SET, &names[2], h2o_iovec_init(H2O_STRLIT("no-referrer")));
    h2o_headers_append_command(&cmds, H2O_HEADERS_CMD_SET, &names[3], h2o_iovec_init(H2O_STRLIT("DENY")));
    header_cmds = cmds;
    return cmds;
}

/* Requests by route and status code, for /metrics. Routes are a fixed set so
 * the number of label combinations stays bounded. */
static void on_access(h2o_logger_t *self, h2o_req_t *req)
{
    static const char *const routes[] = { "/api/products", "/api/trades", "/api/status",
                                          "/healthz", "/metrics", "/ws" };
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    const char *name = strncmp(req->path.base, "/api/", plen < 5 ? plen : 5) == 0 && plen >= 5
                           ? "/api/other"
                           : "static";
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (h2o_memis(req->path.base, plen, routes[i], strlen(routes[i])))
            name = routes[i];
    char labels[96];
    snprintf(labels, sizeof labels, "route=\"%s\",code=\"%d\"", name, req->res.status);
    metric_counter("poeticoins_http_requests_total", "HTTP requests by route and status code",
                   labels)->value++;
}

static h2o_pathconf_t *route(h2o_hostconf_t *host, const char *path,
                             int (*fn)(struct web *, h2o_req_t *))
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
    if (fn) {
        struct handler *h = (struct handler *)h2o_create_handler(pc, sizeof *h);
        h->super.on_req = on_req;
        h->fn = fn;
    }
    h2o_headers_register(pc, security_headers());
    h2o_create_logger(pc, sizeof(h2o_logger_t))->log_access = on_access;
    return pc;
}

static void compressed(h2o_pathconf_t *pc)
{
    h2o_compress_args_t args = { .min_size = 256, .gzip = { 6 }, .brotli = { -1 } };
    h2o_compress_register(pc, &args);
}

static void setup_h2o(void)
{
    h2o_config_init(&h2o_config);
    h2o_config.max_request_entity_size = MAX_REQUEST_BODY;
    h2o_hostconf_t *host = h2o_config_register_host(&h2o_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    /* ES modules must be served as JavaScript or browsers refuse them. */
    h2o_mimemap_define_mimetype(host->mimemap, "mjs", "text/javascript", NULL);
    h2o_mimemap_define_mimetype(host->mimemap, "js", "text/javascript", NULL);
    h2o_mimemap_define_mimetype(host->mimemap, "webmanifest", "application/manifest+json", NULL);
    route(host, "/api", api_handle);
    route(host, "/ws", ws_req);
    route(host, "/healthz", api_healthz);
    route(host, "/metrics", api_metrics);
    /* Client-side pages: the dashboard's index.html routes them itself. */
    char index[600];
    snprintf(index, sizeof index, "%s/index.html", web.root);
    /* Unlike h2o_file_register, this one needs the type (NULL crashes). */
    h2o_mimemap_type_t *html =
        h2o_mimemap_get_type_by_extension(host->mimemap, h2o_iovec_init(H2O_STRLIT("html")));
    static const char *const spa[] = { "/products", "/compare" };
    for (size_t i = 0; i < 2; i++) {
        h2o_pathconf_t *pc = route(host, spa[i], NULL);
        h2o_file_register_file(pc, index, html, 0);
        compressed(pc);
    }
    h2o_pathconf_t *root = route(host, "/", NULL);
    static const char *index_files[] = { "index.html", NULL };
    h2o_file_register(root, web.root, index_files, host->mimemap, 0);
    compressed(root);
    h2o_context_init(&h2o_ctx, web.loop, &h2o_config);
    accept_ctx.ctx = &h2o_ctx;
    accept_ctx.hosts = h2o_config.hosts;
}

static void on_conn_closed(uv_handle_t *h)
{
    open_conns--;
    free(h);
}

static void on_accept(uv_stream_t *server, int status)
{
    if (status != 0)
        return;
    uv_tcp_t *conn = h2o_mem_alloc(sizeof *conn);
    uv_tcp_init(server->loop, conn);
    open_conns++;
    if (uv_accept(server, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, on_conn_closed);
        return;
    }
    /* Bounds what the kernel holds for one client: without it TCP
     * autotuning lets a stalled browser pin megabytes before WS_MAX_QUEUE
     * even starts to count. */
    int sndbuf = (int)web.sndbuf;
    uv_send_buffer_size((uv_handle_t *)conn, &sndbuf);
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, on_conn_closed);
    h2o_accept(&accept_ctx, sock);
}

static const char *listen_on(void)
{
    struct sockaddr_storage sa;
    if (uv_ip4_addr(web.addr, (int)web.port, (struct sockaddr_in *)&sa) != 0 &&
        uv_ip6_addr(web.addr, (int)web.port, (struct sockaddr_in6 *)&sa) != 0)
        return "WEB_ADDR is not an IP address";
    uv_tcp_init(web.loop, &listener);
    if (uv_tcp_bind(&listener, (struct sockaddr *)&sa, 0) != 0 ||
        uv_listen((uv_stream_t *)&listener, 512, on_accept) != 0)
        return "cannot listen (port in use?)";
    return NULL;
}

/* ---- shutdown ---- */

/* In-flight requests get DRAIN_MS to finish; idle keep-alive connections
 * are not waited for (h2o 2.2 cannot close them gracefully). */
static void on_drain(uv_timer_t *t)
{
    if (open_conns == 0 || loop_now_ms() >= drain_deadline) {
        uv_timer_stop(t);
        uv_stop(web.loop);
    }
}

static void on_redis_closed(void *arg)
{
    if (++closing == 3) {
        drain_deadline = loop_now_ms() + DRAIN_MS;
        uv_timer_start(&drain_timer, on_drain, 0, 50);
    }
}

static void on_stop(void *arg)
{
    closing = 1;
    uv_close((uv_handle_t *)&listener, NULL);
    uv_timer_stop(&web.refresh);
    hub_close(web.hub);
    redis_conn_close(web.redis, on_redis_closed, NULL);
    redis_conn_close(web.pubsub, on_redis_closed, NULL);
}

static void parse_exchanges(void)
{
    const char *p = web.exchanges_text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        struct product_id check;
        char probe[40];
        snprintf(probe, sizeof probe, "%.*s:BTC-USD", (int)n, p);
        if (n == 0 || n >= 16 || web.nexchanges == EXCHANGES_MAX ||
            product_parse(probe, strlen(probe), &check)) {
            fprintf(stderr, "web: config: EXCHANGES='%s' must be up to %d lowercase names, "
                            "comma-separated\n", web.exchanges_text, EXCHANGES_MAX);
            exit(2);
        }
        memcpy(web.exchanges[web.nexchanges], p, n);
        web.exchanges[web.nexchanges++][n] = '\0';
        p += n + (comma ? 1 : 0);
    }
}

/* Each allowed origin is scheme://host[:port], as browsers send it: no path,
 * no spaces, no trailing slash (which would never match). */
static void check_origins(void)
{
    const char *p = web.allowed_origins;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *sep = strstr(p, "://");
        bool ok = n > 0 && sep && sep > p && (size_t)(sep - p) + 3 < n;
        for (size_t i = 0; ok && i < n; i++)
            ok = p[i] > 0x20 && p[i] < 0x7f && (p + i < sep + 3 || p[i] != '/');
        if (!ok) {
            char shown[128];
            log_escape(p, n, shown, sizeof shown);
            fprintf(stderr, "web: config: WEB_ALLOWED_ORIGINS has '%s'; each origin must be "
                            "scheme://host[:port], comma-separated\n", shown);
            exit(2);
        }
        p += n + (p[n] == ',');
    }
}

int main(int argc, char **argv)
{
    xalloc_init();
    web.log_level = LOGL_INFO;
    const struct config_var vars[] = {
        { "REDIS_URL", CONFIG_REDIS_URL, "redis://127.0.0.1:6379", 0, 0,
          "Redis server, redis://[:password@]host:port[/db]", &web.redis_url },
        { "WEB_PORT", CONFIG_INT, "8080", 1, 65535, "HTTP port", &web.port },
        { "WEB_ADDR", CONFIG_STRING, "0.0.0.0", 0, 0, "address to listen on", &web.addr },
        { "WEB_ROOT", CONFIG_STRING, "build/www", 0, 0,
          "folder of the dashboard's static files", &web.root },
        { "WS_MAX_QUEUE", CONFIG_INT, "1048576", 1024, 1073741824,
          "bytes waiting for one websocket client before it is closed (1008)", &web.max_queue },
        { "WEB_SNDBUF", CONFIG_INT, "131072", 4096, 16777216,
          "kernel send buffer per connection (bytes; Linux doubles it)", &web.sndbuf },
        { "WS_MAX_CLIENTS", CONFIG_INT, "10000", 1, 1000000,
          "websocket clients at once; more are refused with 503", &web.max_clients },
        { "WS_MAX_MSGS_PER_SEC", CONFIG_INT, "20", 1, 100000,
          "messages a second from one websocket client; more get an error and a close (1008)",
          &web.max_msgs_per_sec },
        { "WEB_ALLOWED_ORIGINS", CONFIG_STRING, "", 0, 0,
          "comma-separated origins (https://host[:port]) whose pages may open the websocket, "
          "besides this service's own host", &web.allowed_origins },
        { "HISTORY_LEN", CONFIG_INT, "1000", 1, 1000000,
          "largest limit of /api/trades (the ingest services' history length)",
          &web.history_len },
        { "EXCHANGES", CONFIG_STRING, "coinbase,bitstamp", 0, 0,
          "exchanges whose products and status are served", &web.exchanges_text },
        { "LOG_LEVEL", CONFIG_LOG_LEVEL, "info", 0, 0, "debug, info, warn or error",
          &web.log_level },
    };
    config_load(vars, sizeof vars / sizeof vars[0], argc, argv, "web",
                "Web service: the dashboard, the history API and live trades over websockets.");
    parse_exchanges();
    check_origins();
    log_init("web", (enum log_level)web.log_level);
    char shown[320];
    url_redis_redacted(&web.redis_url, shown, sizeof shown);
    log_info("starting: WEB_ADDR=%s WEB_PORT=%lld WEB_ROOT=%s REDIS_URL=%s WS_MAX_QUEUE=%lld "
             "WS_MAX_CLIENTS=%lld WS_MAX_MSGS_PER_SEC=%lld WEB_ALLOWED_ORIGINS=%s "
             "HISTORY_LEN=%lld EXCHANGES=%s",
             web.addr, web.port, web.root, shown, web.max_queue, web.max_clients,
             web.max_msgs_per_sec, web.allowed_origins, web.history_len, web.exchanges_text);

    web.loop = loop_init(on_stop, NULL);
    static const struct redis_conn_ops cmd_ops = { on_redis_ready, on_redis_down };
    static const struct redis_conn_ops sub_ops = { on_pubsub_ready, on_pubsub_down };
    web.redis = redis_conn_new(web.loop, &web.redis_url, &cmd_ops, NULL);
    web.pubsub = redis_conn_new(web.loop, &web.redis_url, &sub_ops, NULL);
    const struct hub_limits limits = { (size_t)web.max_clients, (size_t)web.max_queue,
                                       (unsigned)web.max_msgs_per_sec, web.allowed_origins };
    web.hub = hub_new(web.loop, &limits, product_known, NULL);
    uv_timer_init(web.loop, &web.refresh);
    uv_timer_init(web.loop, &drain_timer);
    uv_timer_start(&web.refresh, on_refresh, REFRESH_MS, REFRESH_MS);
    setup_h2o();
    const char *err = listen_on();
    if (err) {
        log_error("%s:%lld: %s", web.addr, web.port, err);
        return 1;
    }
    log_info("listening on http://%s:%lld/", web.addr, web.port);

    uv_run(web.loop, UV_RUN_DEFAULT);

    uv_close((uv_handle_t *)&web.refresh, NULL);
    uv_close((uv_handle_t *)&drain_timer, NULL);
    for (size_t e = 0; e < web.nexchanges; e++)
        free(web.products[e]);
    if (open_conns) {
        /* h2o asserts if its context is disposed with connections alive;
         * the process ends here and the kernel closes them. */
        log_info("stopped (%zu idle HTTP connections closed by exit)", open_conns);
        return 0;
    }
    h2o_context_dispose(&h2o_ctx);
    loop_close(web.loop);
    h2o_config_dispose(&h2o_config);
    h2o_mem_release_shared(header_cmds);
    log_info("stopped");
    return 0;
}
