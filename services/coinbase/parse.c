#include "parse.h"

#include <stdio.h>
#include <string.h>

#include "jscan.h"
#include "log.h"

/* Trade ids must be whole numbers no larger than 2^53, the bound of the
 * doubles cJSON used to read them, kept so that the same ids pass; jscan
 * reads them exactly. Coinbase's are far below (about 2^30 in 2024). */
#define MAX_EXACT_ID 9007199254740992ULL

/* Members recorded per object: a match has 10, a ticker 16. More are still
 * found (jscan_find reads on in the text), only slower. */
#define MEMBERS 32

/* One JSON object being read, and where its escaped strings are decoded
 * (Coinbase escapes none of the fields read here). */
struct msg {
    struct jscan doc;
    struct jscan_member members[MEMBERS];
    struct jscan_strings strings;
};

static const char *string_field(struct msg *msg, const char *name, struct jscan_span *out)
{
    return jscan_get_string(&msg->strings, &msg->doc, name, out);
}

/* Copies a product id into out (TRADE_PAIR_MAX bytes) if it is a valid
 * pair; out is left alone otherwise. */
static bool pair_of(struct jscan_span s, char *out)
{
    char pair[TRADE_PAIR_MAX];
    if (s.len >= sizeof pair || memchr(s.p, '\0', s.len))
        return false;
    memcpy(pair, s.p, s.len);
    pair[s.len] = '\0';
    if (pair_validate(pair))
        return false;
    memcpy(out, pair, s.len + 1);
    return true;
}

/* Fills t from a match frame or a REST trade object (which has no
 * product_id: `product` is then given). */
static const char *parse_trade(struct msg *msg, const char *given_product, int64_t received_us,
                               struct trade *t)
{
    struct jscan_span side, size, price, product = {given_product, 0}, time;
    if (string_field(msg, "side", &side))
        return "match: side must be a string";
    if (string_field(msg, "size", &size))
        return "match: size must be a string";
    if (string_field(msg, "price", &price))
        return "match: price must be a string";
    if (given_product)
        product.len = strlen(given_product);
    else if (string_field(msg, "product_id", &product))
        return "match: product_id must be a string";
    if (string_field(msg, "time", &time))
        return "match: time must be a string";
    struct jscan_member id;
    uint64_t v;
    if (jscan_find(&msg->doc, "trade_id", &id) || id.type != JSCAN_NUMBER)
        return "match: trade_id must be a number";
    if (jscan_whole(&id, MAX_EXACT_ID, &v))
        return "match: trade_id must be a whole number below 2^53";

    /* Coinbase reports the maker's side; the taker did the opposite. */
    if (jscan_span_is(side, "buy"))
        t->side = "sell";
    else if (jscan_span_is(side, "sell"))
        t->side = "buy";
    else
        return "match: side must be buy or sell";
    if (!pair_of(product, t->pair))
        return "match: product_id must be an uppercase BASE-QUOTE pair";
    if (decimal_normalize(size.p, size.len, t->volume, sizeof t->volume))
        return "match: size is not a decimal number";
    if (decimal_normalize(price.p, price.len, t->price, sizeof t->price))
        return "match: price is not a decimal number";
    if (time_normalize(time.p, time.len, t->traded_at))
        return "match: time is not an RFC 3339 UTC time";
    t->id = v;
    trade_id_format(t->id, t->trade_id);
    strcpy(t->exchange, "coinbase");
    time_format_us(received_us, t->received_at);
    return NULL;
}

static void exchange_error(struct msg *msg, struct frame *out)
{
    struct jscan_span message = {"", 0}, reason = {"", 0};
    char m[100], r[120];
    string_field(msg, "message", &message);
    string_field(msg, "reason", &reason);
    snprintf(out->text, sizeof out->text, "%s (%s)",
             log_escape(message.p, message.len, m, sizeof m),
             log_escape(reason.p, reason.len, r, sizeof r));
}

void coinbase_parse(const char *data, size_t len, int64_t received_us,
                    const struct pair_list *pairs, struct frame *out)
{
    (void)pairs; /* Coinbase names products as we do */
    struct msg msg;
    memset(out, 0, sizeof *out);
    if (jscan_parse(&msg.doc, data, len, msg.members, MEMBERS)) {
        out->kind = FRAME_BAD_JSON;
        out->error = "not a JSON object";
        return;
    }
    msg.strings = (struct jscan_strings)JSCAN_STRINGS_INIT(len);
    struct jscan_span type;
    if (string_field(&msg, "type", &type)) {
        out->kind = FRAME_BAD_FIELD;
        out->error = "no string field type";
    } else if (jscan_span_is(type, "match") || jscan_span_is(type, "last_match")) {
        out->error = parse_trade(&msg, NULL, received_us, &out->trade);
        out->kind = out->error ? FRAME_BAD_FIELD : FRAME_TRADE;
    } else if (jscan_span_is(type, "heartbeat")) {
        out->kind = FRAME_HEARTBEAT;
        /* last_trade_id ahead of what was published reveals missed trades. */
        struct jscan_span product;
        struct jscan_member last;
        uint64_t v;
        if (string_field(&msg, "product_id", &product) == NULL &&
            jscan_find(&msg.doc, "last_trade_id", &last) == NULL &&
            jscan_whole(&last, MAX_EXACT_ID, &v) == NULL && v >= 1 && pair_of(product, out->pair))
            out->last_trade_id = v;
    } else if (jscan_span_is(type, "subscriptions")) {
        out->kind = FRAME_SUBSCRIBED;
    } else if (jscan_span_is(type, "error")) {
        out->kind = FRAME_EXCHANGE_ERROR;
        exchange_error(&msg, out);
    } else {
        out->kind = FRAME_IGNORED;
    }
    jscan_strings_free(&msg.strings);
}

void coinbase_rest_path(const char *pair, uint64_t before_id, char *out, size_t outlen)
{
    if (before_id)
        snprintf(out, outlen, "/products/%s/trades?limit=%d&after=%llu", pair, COINBASE_REST_PAGE,
                 (unsigned long long)before_id);
    else
        snprintf(out, outlen, "/products/%s/trades?limit=%d", pair, COINBASE_REST_PAGE);
}

const char *coinbase_rest_parse(const char *body, size_t len, const char *pair, int64_t received_us,
                                struct trade *out, size_t max, size_t *count, bool *page_full)
{
    struct jscan_iter it;
    struct jscan_member item;
    struct msg msg;
    const char *err = NULL;
    *count = 0;
    *page_full = false;
    if (jscan_array(body, len, &it))
        return "trades body is not a JSON array";
    /* One string heap for the whole body: each item's members are read once. */
    msg.strings = (struct jscan_strings)JSCAN_STRINGS_INIT(len);
    size_t seen = 0;
    while (jscan_next(&it, &item)) {
        seen++;
        if (*count == max)
            break;
        if (jscan_object(&item, &msg.doc, msg.members, MEMBERS)) {
            err = "trade is not an object";
            break;
        }
        if ((err = parse_trade(&msg, pair, received_us, &out[*count])))
            break;
        (*count)++;
    }
    *page_full = seen >= COINBASE_REST_PAGE;
    jscan_strings_free(&msg.strings);
    return err;
}
