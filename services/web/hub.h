/* hub: the websocket side of the web service.
 *
 * Every browser connection is a client with a set of subscribed products. A
 * trade arrives once from the shared Redis subscription; hub_trade() frames
 * it once (wsframe.h) and queues a reference to each subscribed client.
 * Writes are batched: queued frames go out once per loop iteration (a
 * uv_check handle), up to 64 per system call, so a burst of Redis messages
 * costs one write per client, not one per message, and a client that fell
 * behind catches up in large writes.
 *
 * Limits (README): at most max_clients connections (more get HTTP 503), at
 * most WS_PRODUCTS_MAX products each, client messages up to 64 KiB (larger
 * closes with 1009), at most max_msgs_per_sec messages a second per client
 * (the first one over gets an `error` frame and a close with 1008), and
 * max_queue bytes waiting per client: a client over it gets a close with
 * 1008 and, if it does not read that either, is dropped after a few seconds.
 * Other clients never wait for a slow one. A handshake whose Origin header is
 * neither the request's own host nor an allowed origin is refused with 403
 * (cross-site websocket hijacking); no Origin (curl, scripts) is allowed.
 *
 * The hub owns its clients; h2o owns the sockets. Products are validated
 * against `known`, a callback into the web service's cache of announced
 * products. */
#ifndef POETICOINS_WEB_HUB_H
#define POETICOINS_WEB_HUB_H

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct hub;

typedef bool (*hub_known_fn)(void *arg, const char *product_id);

/* Limits and the handshake's Origin policy (README, "Security"). */
struct hub_limits {
    size_t max_clients;          /* WS_MAX_CLIENTS: more get HTTP 503 */
    size_t max_queue;            /* WS_MAX_QUEUE: bytes waiting per client */
    unsigned max_msgs_per_sec;   /* WS_MAX_MSGS_PER_SEC: more get an error, then 1008 */
    /* WEB_ALLOWED_ORIGINS: comma-separated origins ("https://example.com")
     * allowed besides the service's own host; "" for none. Copied. */
    const char *allowed_origins;
};

struct hub *hub_new(uv_loop_t *loop, const struct hub_limits *limits, hub_known_fn known,
                    void *known_arg);
/* Handles GET /ws: upgrades, or answers 400/503 itself. */
int hub_handle(struct hub *hub, h2o_req_t *req);
/* A trade message from Redis channel trades:<exchange>:<pair>. */
void hub_trade(struct hub *hub, const char *exchange_pair, const char *payload, size_t len);
/* A status message from Redis channel status:<exchange>, sent to everyone. */
void hub_status(struct hub *hub, const char *payload, size_t len);
size_t hub_clients(const struct hub *hub);
/* Closes every client (1001 going away) and frees the hub's handles. */
void hub_close(struct hub *hub);

#endif
