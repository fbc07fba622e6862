/* product: product ids of the web API ("coinbase:BTC-USD") and the pure
 * parsers of what browsers send: query parameters and websocket messages.
 * No I/O, no allocation beyond the caller's structs; safe on any bytes.
 * Same error convention as libcommon: NULL or a constant message. */
#ifndef POETICOINS_WEB_PRODUCT_H
#define POETICOINS_WEB_PRODUCT_H

#include <stdbool.h>
#include <stddef.h>

#define PRODUCT_ID_MAX 48           /* "exchange:BASE-QUOTE" */
#define WS_PRODUCTS_MAX 200         /* products per client */

struct product_id {
    char id[PRODUCT_ID_MAX];        /* "coinbase:BTC-USD" */
    char exchange[16];              /* "coinbase" */
    char pair[24];                  /* "BTC-USD" */
};

/* Validates "<exchange>:<BASE>-<QUOTE>": exchange 1-15 of [a-z0-9],
 * the pair as libcommon's pair_validate. */
const char *product_parse(const char *text, size_t len, struct product_id *out);

/* Finds `name` in a raw query string ("a=1&b=2", no '?') and URL-decodes its
 * value into out (NUL-terminated). Returns NULL when found, "missing" when
 * absent, or another message when the value is malformed or too long. */
const char *query_param(const char *query, size_t len, const char *name, char *out,
                        size_t outlen);

/* Parses a limit: whole decimal number from 1 to max. */
const char *limit_parse(const char *text, long max, long *out);

enum ws_msg_type { WS_MSG_SUBSCRIBE, WS_MSG_UNSUBSCRIBE };

struct ws_msg {
    enum ws_msg_type type;
    size_t count;
    struct product_id products[WS_PRODUCTS_MAX];
};

/* Parses {"type":"subscribe"|"unsubscribe","products":[...]}. On error,
 * `detail` (if non-NULL, 128 bytes) says which product was bad. */
const char *ws_msg_parse(const char *data, size_t len, struct ws_msg *out, char *detail);

#endif
