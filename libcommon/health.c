#include "health.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "xalloc.h"

static health_check_fn check_fn;
static void *check_arg;

static struct metric m_requests = METRIC_COUNTER_INIT(
    "poeticoins_health_requests_total", "Requests to the health and metrics endpoints", NULL);

struct session {
    unsigned char *buf; /* LWS_PRE headroom, then the body */
    size_t len;
};

static int respond(struct lws *wsi, struct session *s, unsigned status, const char *type,
                   const char *body, size_t len)
{
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start,
                                      *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    s->buf = xmalloc(LWS_PRE + len + 1);
    memcpy(s->buf + LWS_PRE, body, len);
    s->len = len;
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    struct session *s = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        const char *uri = in;
        m_requests.value++;
        if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
            static const char body[] = "{\"error\":\"only GET is supported\"}";
            return respond(wsi, s, 405, "application/json", body, sizeof body - 1);
        }
        if (strcmp(uri, "/healthz") == 0) {
            char body[512];
            int status = check_fn(check_arg, body, sizeof body);
            return respond(wsi, s, (unsigned)status, "application/json", body, strlen(body));
        }
        if (strcmp(uri, "/metrics") == 0) {
            char *text;
            size_t n = metrics_render(&text);
            int rc = respond(wsi, s, 200, "text/plain; version=0.0.4", text, n);
            free(text);
            return rc;
        }
        static const char body[] = "{\"error\":\"unknown route; try /healthz or /metrics\"}";
        return respond(wsi, s, 404, "application/json", body, sizeof body - 1);
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (s->buf == NULL)
            return 0;
        int n = lws_write(wsi, s->buf + LWS_PRE, s->len, LWS_WRITE_HTTP_FINAL);
        free(s->buf);
        s->buf = NULL;
        if (n < 0 || lws_http_transaction_completed(wsi))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (s) {
            free(s->buf);
            s->buf = NULL;
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    { "http", on_http, sizeof(struct session), 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

const char *health_start(struct lws_context *ctx, const char *addr, int port,
                         health_check_fn check, void *arg)
{
    if (port == 0)
        return NULL;
    metric_register(&m_requests);
    check_fn = check;
    check_arg = arg;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = addr;
    info.protocols = protocols;
    info.vhost_name = "health";
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    if (lws_create_vhost(ctx, &info) == NULL)
        return "cannot listen on the health port (in use?)";
    return NULL;
}
