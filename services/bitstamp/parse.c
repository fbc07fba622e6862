#include "parse.h"

#include <stdio.h>
#include <string.h>

#include "jscan.h"
#include "log.h"

#define CHANNEL_PREFIX "live_trades_"
/* Trade ids must be whole numbers no larger than 2^53, the bound of the
 * doubles cJSON used to read them, kept so that the same ids pass; jscan
 * reads them exactly. */
#define MAX_EXACT_ID 9007199254740992ULL

void bitstamp_channel(const char *pair, char out[64])
{
    size_t o = strlen(CHANNEL_PREFIX);
    memcpy(out, CHANNEL_PREFIX, o);
    for (const char *p = pair; *p && o < 63; p++)
        if (*p != '-')
            out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    out[o] = '\0';
}

/* Members recorded per object: a trade's data has 10. More are still found
 * (jscan_find reads on in the text), only slower. */
#define MEMBERS 32

/* Whether `channel` is bitstamp_channel(pair), compared as it is built. */
static bool channel_of(struct jscan_span channel, const char *pair)
{
    size_t o = strlen(CHANNEL_PREFIX);
    if (channel.len < o || memcmp(channel.p, CHANNEL_PREFIX, o) != 0)
        return false;
    for (const char *p = pair; *p && o < 63; p++) {
        if (*p == '-')
            continue;
        if (o == channel.len || channel.p[o] != (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p))
            return false;
        o++;
    }
    return o == channel.len;
}

static const char *pair_for_channel(struct jscan_span channel, const struct pair_list *pairs)
{
    for (size_t i = 0; pairs && i < pairs->count; i++)
        if (channel_of(channel, pairs->names[i]))
            return pairs->names[i];
    return NULL;
}

/* snprintf(out, TRADE_PAIR_MAX, "%s", pair), without snprintf. */
static void copy_pair(char out[TRADE_PAIR_MAX], const char *pair)
{
    size_t n = strnlen(pair, TRADE_PAIR_MAX - 1);
    memcpy(out, pair, n);
    out[n] = '\0';
}

static const char *parse_trade(struct jscan_strings *tx, const struct jscan_member *payload,
                               struct jscan_span channel, const struct pair_list *pairs,
                               int64_t received_us, struct trade *t)
{
    struct jscan data;
    struct jscan_member members[MEMBERS];
    if (payload == NULL || jscan_object(payload, &data, members, MEMBERS))
        return "trade: data must be an object";
    const char *pair = pair_for_channel(channel, pairs);
    if (pair == NULL)
        return "trade: channel of no configured pair";
    struct jscan_span amount, price, micro;
    struct jscan_member id, type;
    uint64_t id_value, type_value;
    if (jscan_get_string(tx, &data, "amount_str", &amount))
        return "trade: amount_str must be a string";
    if (jscan_get_string(tx, &data, "price_str", &price))
        return "trade: price_str must be a string";
    if (jscan_get_string(tx, &data, "microtimestamp", &micro))
        return "trade: microtimestamp must be a string";
    if (jscan_find(&data, "id", &id) || jscan_whole(&id, MAX_EXACT_ID, &id_value))
        return "trade: id must be a whole number below 2^53";
    if (jscan_find(&data, "type", &type) || jscan_whole(&type, 1, &type_value))
        return "trade: type must be 0 (buy) or 1 (sell)";
    uint64_t us;
    if (trade_id_parse(micro.p, micro.len, &us) || us > (uint64_t)253402300799999999ULL)
        return "trade: microtimestamp must be microseconds since 1970";
    if (decimal_normalize(amount.p, amount.len, t->volume, sizeof t->volume))
        return "trade: amount_str is not a decimal number";
    if (decimal_normalize(price.p, price.len, t->price, sizeof t->price))
        return "trade: price_str is not a decimal number";
    t->side = type_value == 0 ? "buy" : "sell";
    t->id = id_value;
    trade_id_format(t->id, t->trade_id);
    copy_pair(t->pair, pair);
    strcpy(t->exchange, "bitstamp");
    time_format_us((int64_t)us, t->traded_at);
    time_format_us(received_us, t->received_at);
    return NULL;
}

static void error_text(struct jscan_strings *tx, const struct jscan_member *payload,
                       struct frame *out)
{
    struct jscan data;
    struct jscan_member members[MEMBERS], code;
    struct jscan_span message = {"(no message)", strlen("(no message)")};
    double code_value;
    bool has_code = false;
    if (payload && jscan_object(payload, &data, members, MEMBERS) == NULL) {
        jscan_get_string(tx, &data, "message", &message);
        has_code =
            jscan_find(&data, "code", &code) == NULL && jscan_double(&code, &code_value) == NULL;
    }
    char m[160];
    log_escape(message.p, message.len, m, sizeof m);
    if (has_code)
        snprintf(out->text, sizeof out->text, "%s (code %.0f)", m, code_value);
    else
        snprintf(out->text, sizeof out->text, "%s", m);
}

void bitstamp_parse(const char *data, size_t len, int64_t received_us,
                    const struct pair_list *pairs, struct frame *out)
{
    struct jscan doc;
    struct jscan_member members[MEMBERS], payload_member;
    memset(out, 0, sizeof *out);
    if (jscan_parse(&doc, data, len, members, MEMBERS)) {
        out->kind = FRAME_BAD_JSON;
        out->error = "not a JSON object";
        return;
    }
    struct jscan_strings tx = JSCAN_STRINGS_INIT(len);
    struct jscan_span event, channel;
    bool has_event = jscan_get_string(&tx, &doc, "event", &event) == NULL;
    bool has_channel = jscan_get_string(&tx, &doc, "channel", &channel) == NULL;
    const struct jscan_member *payload =
        jscan_find(&doc, "data", &payload_member) == NULL ? &payload_member : NULL;
    if (!has_event) {
        out->kind = FRAME_BAD_FIELD;
        out->error = "no string field event";
    } else if (jscan_span_is(event, "trade")) {
        out->error = has_channel
                         ? parse_trade(&tx, payload, channel, pairs, received_us, &out->trade)
                         : "trade: channel must be a string";
        out->kind = out->error ? FRAME_BAD_FIELD : FRAME_TRADE;
    } else if (jscan_span_is(event, "bts:subscription_succeeded")) {
        out->kind = FRAME_SUBSCRIBED;
        if (has_channel) {
            log_escape(channel.p, channel.len, out->channel, sizeof out->channel);
            const char *pair = pair_for_channel(channel, pairs);
            if (pair)
                snprintf(out->pair, sizeof out->pair, "%s", pair);
        }
    } else if (jscan_span_is(event, "bts:heartbeat")) {
        out->kind = FRAME_HEARTBEAT;
    } else if (jscan_span_is(event, "bts:request_reconnect")) {
        out->kind = FRAME_RECONNECT_REQUEST; /* data may be "", {} or null */
    } else if (jscan_span_is(event, "bts:error")) {
        out->kind = FRAME_EXCHANGE_ERROR;
        error_text(&tx, payload, out);
    } else {
        out->kind = FRAME_IGNORED; /* order books, other events */
    }
    jscan_strings_free(&tx);
}

void bitstamp_rest_path(const char *pair, uint64_t before_id, char *out, size_t outlen)
{
    char channel[64];
    (void)before_id; /* Bitstamp pages by time window only */
    bitstamp_channel(pair, channel);
    snprintf(out, outlen, "/api/v2/transactions/%s/?time=hour", channel + strlen(CHANNEL_PREFIX));
}

/* Bitstamp's REST answers numbers sometimes as strings: accept both. */
static const char *whole_number(struct jscan_strings *tx, const struct jscan *obj, const char *name,
                                uint64_t max, uint64_t *out)
{
    struct jscan_member m;
    struct jscan_span s;
    if (jscan_find(obj, name, &m))
        return "not a whole number";
    if (m.type == JSCAN_STRING)
        return jscan_get_string(tx, obj, name, &s) || trade_id_parse(s.p, s.len, out) || *out > max
                   ? "not a whole number"
                   : NULL;
    if (jscan_whole(&m, MAX_EXACT_ID, out))
        return "not a whole number";
    return *out > max ? "out of range" : NULL;
}

const char *bitstamp_rest_parse(const char *body, size_t len, const char *pair, int64_t received_us,
                                struct trade *out, size_t max, size_t *count, bool *page_full)
{
    struct jscan_iter it;
    struct jscan_member item, members[MEMBERS];
    struct jscan obj;
    *count = 0;
    *page_full = false;
    if (jscan_array(body, len, &it))
        return "transactions body is not a JSON array";
    /* One string heap for the whole body: each item's members are read once
     * (Bitstamp escapes none of the fields read here). */
    struct jscan_strings tx = JSCAN_STRINGS_INIT(len);
    const char *err = NULL;
    while (jscan_next(&it, &item)) {
        if (*count == max) {
            *page_full = true;
            break;
        }
        struct trade *t = &out[*count];
        struct jscan_span amount, price;
        uint64_t id, type, date;
        if (jscan_object(&item, &obj, members, MEMBERS) ||
            jscan_get_string(&tx, &obj, "amount", &amount) ||
            jscan_get_string(&tx, &obj, "price", &price) ||
            whole_number(&tx, &obj, "tid", UINT64_MAX, &id) ||
            whole_number(&tx, &obj, "type", 1, &type) ||
            whole_number(&tx, &obj, "date", 253402300799ULL, &date)) {
            err = "transaction needs tid, date, type (0/1), amount and price";
            break;
        }
        if (decimal_normalize(amount.p, amount.len, t->volume, sizeof t->volume) ||
            decimal_normalize(price.p, price.len, t->price, sizeof t->price)) {
            err = "transaction amount or price is not a decimal number";
            break;
        }
        t->side = type == 0 ? "buy" : "sell";
        t->id = id;
        trade_id_format(id, t->trade_id);
        copy_pair(t->pair, pair);
        strcpy(t->exchange, "bitstamp");
        /* Whole seconds only: REST has no microtimestamp. */
        time_format_us((int64_t)date * 1000000, t->traded_at);
        time_format_us(received_us, t->received_at);
        (*count)++;
    }
    jscan_strings_free(&tx);
    return err;
}
