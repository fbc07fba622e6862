#include "feed.h"

#include <string.h>

#include "backoff.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "xalloc.h"

#define SEND_QUEUE_MAX    256
#define CONNECT_TIMEOUT_S 10

static struct metric m_frames = METRIC_COUNTER_INIT(
    "poeticoins_frames_received_total", "Websocket messages received from the exchange", NULL);
static struct metric m_bytes = METRIC_COUNTER_INIT(
    "poeticoins_bytes_received_total", "Websocket message bytes received from the exchange", NULL);
static struct metric m_oversized = METRIC_COUNTER_INIT(
    "poeticoins_frames_rejected_total", "Messages skipped as malformed or unusable, by reason",
    "reason=\"oversized\"");
static struct metric m_reconnects =
    METRIC_COUNTER_INIT("poeticoins_exchange_reconnects_total",
                        "Exchange connections lost or failed, each followed by a retry", NULL);
static struct metric m_stale = METRIC_COUNTER_INIT(
    "poeticoins_exchange_stale_total", "Connections closed because the exchange went silent", NULL);
static struct metric m_connected =
    METRIC_GAUGE_INIT("poeticoins_exchange_connected", "1 while the exchange websocket is open");

struct outgoing {
    size_t len;
    unsigned char *buf; /* LWS_PRE headroom, then the message */
};

struct feed {
    struct feed_config cfg;
    struct feed_ops ops;
    void *arg;
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct lws *wsi; /* current connection attempt or connection */
    bool attempt;    /* an attempt is under way (wsi may still be NULL) */
    bool open;       /* handshake done */
    bool stopping;
    bool paused;     /* reading held back: Redis is behind (publisher) */
    char close_reason[128];
    uv_timer_t retry_timer;
    uv_timer_t stale_timer;
    struct backoff backoff;
    uint64_t last_rx_ms;
    /* reassembly */
    char *rx;
    size_t rx_len, rx_cap;
    bool rx_oversized;
    /* outgoing control messages (subscribe, heartbeat) */
    struct outgoing queue[SEND_QUEUE_MAX];
    size_t q_head, q_count;
    struct log_ratelimit rl;
};

static void clear_queue(struct feed *f)
{
    while (f->q_count) {
        free(f->queue[f->q_head].buf);
        f->q_head = (f->q_head + 1) % SEND_QUEUE_MAX;
        f->q_count--;
    }
    f->q_head = 0;
}

static void connect_now(uv_timer_t *t);

/* The attempt or connection is over: schedule the next one. Idempotent per
 * attempt, because lws reports some failures through more than one callback. */
static void attempt_ended(struct feed *f, const char *why)
{
    if (!f->attempt)
        return;
    bool was_open = f->open;
    f->attempt = false;
    f->open = false;
    f->wsi = NULL;
    m_connected.value = 0;
    clear_queue(f);
    f->rx_len = 0;
    f->rx_oversized = false;
    if (f->stopping) {
        log_info("connection closed");
        f->ops.on_close(f->arg, false);
        return;
    }
    uint64_t delay = backoff_next(&f->backoff, loop_now_ms());
    m_reconnects.value++;
    log_warn("%s %s:%d %s, reconnecting in %.1fs", was_open ? "connection to" : "cannot connect to",
             f->cfg.url.host, f->cfg.url.port, why, delay / 1000.0);
    f->ops.on_close(f->arg, true);
    uv_timer_start(&f->retry_timer, connect_now, delay, 0);
}

static void skipped_oversized(struct feed *f)
{
    unsigned suppressed;
    m_oversized.value++;
    if (log_ratelimit_allow(&f->rl, loop_now_ms(), &suppressed))
        log_warn("skipped a message over %zu bytes (%u similar lines suppressed)",
                 f->cfg.max_frame, suppressed);
}

static void deliver(struct feed *f, struct lws *wsi)
{
    if (f->rx_oversized) {
        skipped_oversized(f);
    } else {
        m_frames.value++;
        m_bytes.value += (int64_t)f->rx_len;
        f->ops.on_frame(f->arg, f->rx, f->rx_len, wall_now_us());
    }
    f->rx_len = 0;
    f->rx_oversized = false;
}

static void receive(struct feed *f, struct lws *wsi, const char *in, size_t len)
{
    f->last_rx_ms = loop_now_ms();
    bool complete = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
    if (complete && f->rx_len == 0 && !f->rx_oversized) {
        /* The whole message in one piece, as nearly all are (up to
         * WSCTX_READ_BUF bytes): hand over lws's buffer, no copy. */
        if (len > f->cfg.max_frame) {
            skipped_oversized(f);
            return;
        }
        m_frames.value++;
        m_bytes.value += (int64_t)len;
        f->ops.on_frame(f->arg, in, len, wall_now_us());
        return;
    }
    if (!f->rx_oversized) {
        if (f->rx_len + len > f->cfg.max_frame) {
            f->rx_oversized = true;
            f->rx_len = 0;
        } else {
            if (f->rx_len + len + 1 > f->rx_cap) {
                f->rx_cap = (f->rx_len + len + 1) * 2;
                if (f->rx_cap > f->cfg.max_frame + 1)
                    f->rx_cap = f->cfg.max_frame + 1;
                f->rx = xrealloc(f->rx, f->rx_cap);
            }
            memcpy(f->rx + f->rx_len, in, len);
            f->rx_len += len;
            f->rx[f->rx_len] = '\0';
        }
    }
    if (complete)
        deliver(f, wsi);
}

static int on_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    struct feed *f = lws_get_opaque_user_data(wsi);
    if (f == NULL || (f->wsi != NULL && f->wsi != wsi))
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        f->wsi = wsi;
        f->open = true;
        f->last_rx_ms = loop_now_ms();
        m_connected.value = 1;
        if (f->paused)
            lws_rx_flow_control(wsi, 0);
        backoff_connected(&f->backoff, loop_now_ms());
        log_info("connected to %s://%s:%d%s", f->cfg.url.tls ? "wss" : "ws", f->cfg.url.host,
                 f->cfg.url.port, f->cfg.url.path);
        f->ops.on_open(f->arg);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        receive(f, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        if (f->close_reason[0])
            return -1; /* feed_reconnect() asked for the close */
        if (f->q_count == 0)
            return 0;
        struct outgoing *o = &f->queue[f->q_head];
        int n = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
        free(o->buf);
        f->q_head = (f->q_head + 1) % SEND_QUEUE_MAX;
        f->q_count--;
        if (n < (int)o->len)
            return -1;
        if (f->q_count)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[200];
        snprintf(why, sizeof why, "failed (%s)",
                 in ? log_escape(in, strlen(in), (char[160]){0}, 160) : "no reason given");
        attempt_ended(f, why);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        attempt_ended(f, f->close_reason[0] ? f->close_reason : "closed by the exchange");
        return 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        char shown[128];
        uint16_t code =
            len >= 2 ? (uint16_t)(((unsigned char *)in)[0] << 8 | ((unsigned char *)in)[1]) : 0;
        log_warn("exchange closes the connection, code %u reason '%s'", code,
                 len > 2 ? log_escape((char *)in + 2, len - 2, shown, sizeof shown) : "");
        return 0;
    }
    case LWS_CALLBACK_WSI_DESTROY:
        attempt_ended(f, f->close_reason[0] ? f->close_reason : "connection ended");
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"exchange", on_ws, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void connect_now(uv_timer_t *t)
{
    struct feed *f = t->data;
    if (f->stopping || f->attempt)
        return;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = f->ctx;
    ci.vhost = f->vhost;
    ci.address = f->cfg.url.host;
    ci.port = f->cfg.url.port;
    ci.path = f->cfg.url.path;
    ci.host = f->cfg.url.host;
    ci.origin = f->cfg.url.host;
    /* Verification of the chain and the host name stays on: no allow-self-
     * signed or skip-host-check flags, ever (README, security). */
    ci.ssl_connection = f->cfg.url.tls ? LCCSCF_USE_SSL : 0;
    ci.protocol = NULL; /* exchanges speak no subprotocol */
    ci.local_protocol_name = "exchange";
    ci.opaque_user_data = f;
    f->attempt = true;
    f->open = false;
    f->close_reason[0] = '\0';
    f->rx_len = 0;
    f->rx_oversized = false;
    log_debug("connecting to %s:%d", f->cfg.url.host, f->cfg.url.port);
    struct lws *wsi = lws_client_connect_via_info(&ci);
    if (wsi == NULL) {
        attempt_ended(f, "failed at once (address or TLS setup)");
        return;
    }
    if (f->attempt)
        f->wsi = wsi;
}

static void on_stale_check(uv_timer_t *t)
{
    struct feed *f = t->data;
    if (!f->open || f->close_reason[0] || f->paused)
        return; /* a paused feed is silent because we stopped reading */
    uint64_t silent = loop_now_ms() - f->last_rx_ms;
    if (silent >= f->cfg.stale_ms) {
        char why[96];
        m_stale.value++;
        snprintf(why, sizeof why, "stale (no message for %.1fs)", silent / 1000.0);
        feed_reconnect(f, why);
    }
}

struct feed *feed_new(struct lws_context *ctx, uv_loop_t *loop, const struct feed_config *cfg,
                      const struct feed_ops *ops, void *arg)
{
    static int registered;
    if (!registered++) {
        metric_register(&m_frames);
        metric_register(&m_bytes);
        metric_register(&m_oversized);
        metric_register(&m_reconnects);
        metric_register(&m_stale);
        metric_register(&m_connected);
    }
    struct feed *f = xcalloc(1, sizeof *f);
    f->cfg = *cfg;
    f->ops = *ops;
    f->arg = arg;
    f->loop = loop;
    f->ctx = ctx;
    f->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 10000);
    backoff_init(&f->backoff, BACKOFF_DEFAULT_BASE_MS, BACKOFF_DEFAULT_CAP_MS,
                 BACKOFF_DEFAULT_HEALTHY_MS, (uint64_t)wall_now_us());

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.vhost_name = "exchange";
    info.client_ssl_ca_filepath = cfg->ca_file;
    info.timeout_secs = CONNECT_TIMEOUT_S;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    f->vhost = lws_create_vhost(ctx, &info);
    if (f->vhost == NULL) {
        log_error("cannot create the client vhost (TLS_CA_FILE unusable?)");
        free(f);
        return NULL;
    }
    uv_timer_init(loop, &f->retry_timer);
    uv_timer_init(loop, &f->stale_timer);
    f->retry_timer.data = f;
    f->stale_timer.data = f;
    return f;
}

void feed_start(struct feed *f)
{
    uint64_t check = f->cfg.stale_ms / 4 ? f->cfg.stale_ms / 4 : 1;
    if (check > 1000)
        check = 1000;
    uv_timer_start(&f->stale_timer, on_stale_check, check, check);
    connect_now(&f->retry_timer);
}

void feed_send(struct feed *f, const char *text, size_t len)
{
    if (!f->open || f->wsi == NULL)
        return;
    if (f->q_count == SEND_QUEUE_MAX) {
        log_warn("send queue full, message dropped");
        return;
    }
    struct outgoing *o = &f->queue[(f->q_head + f->q_count++) % SEND_QUEUE_MAX];
    o->buf = xmalloc(LWS_PRE + len);
    memcpy(o->buf + LWS_PRE, text, len);
    o->len = len;
    lws_callback_on_writable(f->wsi);
}

/* Closes the current connection, from inside or outside an lws callback.
 * The writable callback returns -1 once close_reason is set; the async kill
 * covers a socket that never becomes writable. Called from a libuv callback
 * (a signal, a timer), lws only acts on either at its next activity, which
 * may never come on a quiet feed: lws_cancel_service() wakes it now. */
static void close_now(struct feed *f)
{
    lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    lws_callback_on_writable(f->wsi);
    lws_cancel_service(f->ctx);
}

void feed_reconnect(struct feed *f, const char *why)
{
    if (!f->attempt || f->wsi == NULL) {
        return;
    }
    snprintf(f->close_reason, sizeof f->close_reason, "%s", why);
    close_now(f);
}

void feed_stop(struct feed *f)
{
    f->stopping = true;
    uv_timer_stop(&f->retry_timer);
    uv_timer_stop(&f->stale_timer);
    if (f->attempt && f->wsi) {
        snprintf(f->close_reason, sizeof f->close_reason, "shutting down");
        close_now(f);
    } else {
        f->attempt = false;
        f->ops.on_close(f->arg, false);
    }
}

void feed_pause(struct feed *f, bool pause)
{
    if (f->paused == pause)
        return;
    f->paused = pause;
    if (!pause)
        f->last_rx_ms = loop_now_ms();
    if (f->open && f->wsi)
        lws_rx_flow_control(f->wsi, pause ? 0 : 1);
}

bool feed_is_open(const struct feed *f)
{
    return f->open;
}

static void on_stale_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

/* libuv runs close callbacks newest first and reads each handle after the
 * previous callback, so freeing the feed from one timer's callback while
 * the other is still queued is a use after free (found by valgrind): the
 * second close starts only when the first has finished. */
static void on_retry_timer_closed(uv_handle_t *h)
{
    struct feed *f = h->data;
    uv_close((uv_handle_t *)&f->stale_timer, on_stale_timer_closed);
}

void feed_free(struct feed *f)
{
    clear_queue(f);
    free(f->rx);
    f->rx = NULL;
    uv_close((uv_handle_t *)&f->retry_timer, on_retry_timer_closed);
}
