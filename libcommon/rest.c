#include "rest.h"

#include <string.h>

#include "log.h"
#include "xalloc.h"

#define REST_TIMEOUT_S 10

struct rest {
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct ws_url base;
    struct lws *wsi;
    rest_cb cb;
    void *arg;
    int status;
    char *body;
    size_t len, cap;
    int too_big;
    char path[URL_PATH_MAX];
};

/* Calls the user back once and forgets the request. */
static void finish(struct rest *r, const char *err)
{
    rest_cb cb = r->cb;
    if (cb == NULL)
        return;
    r->cb = NULL;
    r->wsi = NULL;
    if (err == NULL && r->too_big)
        err = "response body over REST_MAX_BODY";
    if (r->body)
        r->body[r->len] = '\0';
    cb(r->arg, err, err ? 0 : r->status, err ? NULL : r->body, err ? 0 : r->len);
    r->len = 0;
}

static int on_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    struct rest *r = lws_get_opaque_user_data(wsi);
    /* r->wsi is still NULL when lws fails inside lws_client_connect_via_info. */
    if (r == NULL || r->cb == NULL || (r->wsi != NULL && r->wsi != wsi))
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = (unsigned char **)in, *end = (*p) + len;
        static const char ua[] = "poeticoins/1.0";
        static const char accept[] = "application/json";
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT,
                                         (const unsigned char *)ua, sizeof ua - 1, p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ACCEPT,
                                         (const unsigned char *)accept, sizeof accept - 1, p, end))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        r->status = (int)lws_http_client_http_response(wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[LWS_PRE + 4096], *px = buf + LWS_PRE;
        int n = (int)sizeof buf - LWS_PRE;
        return lws_http_client_read(wsi, &px, &n) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (r->too_big || r->len + len > REST_MAX_BODY) {
            r->too_big = 1;
            return 0;
        }
        if (r->len + len + 1 > r->cap) {
            r->cap = (r->len + len + 1) * 2;
            r->body = xrealloc(r->body, r->cap);
        }
        memcpy(r->body + r->len, in, len);
        r->len += len;
        return 0;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        finish(r, NULL);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char shown[160];
        log_warn("REST GET %s failed: %s", r->path,
                 in ? log_escape(in, strlen(in), shown, sizeof shown) : "no reason given");
        finish(r, "connection failed");
        return 0;
    }
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        finish(r, "connection closed before the response was complete");
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    { "rest", on_http, 0, 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

struct rest *rest_new(struct lws_context *ctx, const struct ws_url *base, const char *ca_file)
{
    struct rest *r = xcalloc(1, sizeof *r);
    r->ctx = ctx;
    r->base = *base;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.vhost_name = "rest";
    info.client_ssl_ca_filepath = ca_file;
    info.timeout_secs = REST_TIMEOUT_S;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    r->vhost = lws_create_vhost(ctx, &info);
    if (r->vhost == NULL) {
        log_error("cannot create the REST client vhost");
        free(r);
        return NULL;
    }
    return r;
}

const char *rest_get(struct rest *r, const char *path, rest_cb cb, void *arg)
{
    if (r->cb)
        return "a REST request is already running";
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    snprintf(r->path, sizeof r->path, "%s%s", strcmp(r->base.path, "/") ? r->base.path : "", path);
    ci.context = r->ctx;
    ci.vhost = r->vhost;
    ci.address = r->base.host;
    ci.port = r->base.port;
    ci.path = r->path;
    ci.host = r->base.host;
    ci.origin = r->base.host;
    ci.method = "GET";
    ci.alpn = "http/1.1";
    ci.ssl_connection = r->base.tls ? LCCSCF_USE_SSL : 0; /* verification always on */
    ci.protocol = "rest";
    ci.local_protocol_name = "rest";
    ci.opaque_user_data = r;
    r->cb = cb;
    r->arg = arg;
    r->status = 0;
    r->len = 0;
    r->too_big = 0;
    r->wsi = NULL;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    if (wsi == NULL) {
        /* A failure reported synchronously through the callback already
         * called cb; otherwise nothing did. */
        if (r->cb == NULL)
            return NULL;
        r->cb = NULL;
        return "cannot start the REST connection";
    }
    if (r->cb)
        r->wsi = wsi;
    return NULL;
}

int rest_busy(const struct rest *r)
{
    return r->cb != NULL;
}

void rest_free(struct rest *r)
{
    free(r->body);
    free(r);
}
