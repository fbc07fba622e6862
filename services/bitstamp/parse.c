#include "parse.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define CHANNEL_PREFIX "live_trades_"
#define MAX_EXACT_ID 9007199254740992.0

void bitstamp_channel(const char *pair, char out[64])
{
    size_t o = strlen(CHANNEL_PREFIX);
    memcpy(out, CHANNEL_PREFIX, o);
    for (const char *p = pair; *p && o < 63; p++)
        if (*p != '-')
            out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    out[o] = '\0';
}

static const char *pair_for_channel(const char *channel, const struct pair_list *pairs)
{
    char name[64];
    for (size_t i = 0; pairs && i < pairs->count; i++) {
        bitstamp_channel(pairs->names[i], name);
        if (strcmp(name, channel) == 0)
            return pairs->names[i];
    }
    return NULL;
}

static const char *string_item(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static const char *parse_trade(const cJSON *data, const char *channel,
                               const struct pair_list *pairs, int64_t received_us,
                               struct trade *t)
{
    if (!cJSON_IsObject(data))
        return "trade: data must be an object";
    const char *pair = pair_for_channel(channel, pairs);
    if (pair == NULL)
        return "trade: channel of no configured pair";
    const char *amount = string_item(data, "amount_str");
    const char *price = string_item(data, "price_str");
    const char *micro = string_item(data, "microtimestamp");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(data, "id");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "type");
    if (amount == NULL)
        return "trade: amount_str must be a string";
    if (price == NULL)
        return "trade: price_str must be a string";
    if (micro == NULL)
        return "trade: microtimestamp must be a string";
    if (!cJSON_IsNumber(id) || !(id->valuedouble >= 0 && id->valuedouble <= MAX_EXACT_ID) ||
        id->valuedouble != (double)(uint64_t)id->valuedouble)
        return "trade: id must be a whole number below 2^53";
    if (!cJSON_IsNumber(type) || (type->valuedouble != 0 && type->valuedouble != 1))
        return "trade: type must be 0 (buy) or 1 (sell)";
    uint64_t us;
    if (trade_id_parse(micro, strlen(micro), &us) || us > (uint64_t)253402300799999999ULL)
        return "trade: microtimestamp must be microseconds since 1970";
    if (decimal_normalize(amount, strlen(amount), t->volume, sizeof t->volume))
        return "trade: amount_str is not a decimal number";
    if (decimal_normalize(price, strlen(price), t->price, sizeof t->price))
        return "trade: price_str is not a decimal number";
    t->side = type->valuedouble == 0 ? "buy" : "sell";
    t->id = (uint64_t)id->valuedouble;
    snprintf(t->trade_id, sizeof t->trade_id, "%llu", (unsigned long long)t->id);
    snprintf(t->pair, sizeof t->pair, "%s", pair);
    strcpy(t->exchange, "bitstamp");
    time_format_us((int64_t)us, t->traded_at);
    time_format_us(received_us, t->received_at);
    return NULL;
}

static void error_text(const cJSON *data, struct frame *out)
{
    const char *message = cJSON_IsObject(data) ? string_item(data, "message") : NULL;
    const cJSON *code = cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, "code")
                                             : NULL;
    char m[160];
    log_escape(message ? message : "(no message)", strlen(message ? message : "(no message)"),
               m, sizeof m);
    if (code && cJSON_IsNumber(code))
        snprintf(out->text, sizeof out->text, "%s (code %.0f)", m, code->valuedouble);
    else
        snprintf(out->text, sizeof out->text, "%s", m);
}

void bitstamp_parse(const char *data, size_t len, int64_t received_us,
                    const struct pair_list *pairs, struct frame *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (!cJSON_IsObject(root)) {
        out->kind = FRAME_BAD_JSON;
        out->error = "not a JSON object";
        cJSON_Delete(root);
        return;
    }
    const char *event = string_item(root, "event");
    const char *channel = string_item(root, "channel");
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (event == NULL) {
        out->kind = FRAME_BAD_FIELD;
        out->error = "no string field event";
    } else if (strcmp(event, "trade") == 0) {
        out->error = channel ? parse_trade(payload, channel, pairs, received_us, &out->trade)
                             : "trade: channel must be a string";
        out->kind = out->error ? FRAME_BAD_FIELD : FRAME_TRADE;
    } else if (strcmp(event, "bts:subscription_succeeded") == 0) {
        out->kind = FRAME_SUBSCRIBED;
        if (channel) {
            log_escape(channel, strlen(channel), out->channel, sizeof out->channel);
            const char *pair = pair_for_channel(channel, pairs);
            if (pair)
                snprintf(out->pair, sizeof out->pair, "%s", pair);
        }
    } else if (strcmp(event, "bts:heartbeat") == 0) {
        out->kind = FRAME_HEARTBEAT;
    } else if (strcmp(event, "bts:request_reconnect") == 0) {
        out->kind = FRAME_RECONNECT_REQUEST; /* data may be "", {} or null */
    } else if (strcmp(event, "bts:error") == 0) {
        out->kind = FRAME_EXCHANGE_ERROR;
        error_text(payload, out);
    } else {
        out->kind = FRAME_IGNORED; /* order books, other events */
    }
    cJSON_Delete(root);
}

void bitstamp_rest_path(const char *pair, uint64_t before_id, char *out, size_t outlen)
{
    char channel[64];
    (void)before_id; /* Bitstamp pages by time window only */
    bitstamp_channel(pair, channel);
    snprintf(out, outlen, "/api/v2/transactions/%s/?time=hour",
             channel + strlen(CHANNEL_PREFIX));
}

/* Bitstamp's REST answers numbers sometimes as strings: accept both. */
static const char *whole_number(const cJSON *item, uint64_t max, uint64_t *out)
{
    if (cJSON_IsString(item))
        return trade_id_parse(item->valuestring, strlen(item->valuestring), out) ||
                       *out > max
                   ? "not a whole number"
                   : NULL;
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0 && item->valuedouble <= MAX_EXACT_ID) ||
        item->valuedouble != (double)(uint64_t)item->valuedouble)
        return "not a whole number";
    *out = (uint64_t)item->valuedouble;
    return *out > max ? "out of range" : NULL;
}

const char *bitstamp_rest_parse(const char *body, size_t len, const char *pair,
                                int64_t received_us, struct trade *out, size_t max, size_t *count,
                                bool *page_full)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    *count = 0;
    *page_full = false;
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return "transactions body is not a JSON array";
    }
    const char *err = NULL;
    const cJSON *item;
    cJSON_ArrayForEach(item, root)
    {
        if (*count == max) {
            *page_full = true;
            break;
        }
        struct trade *t = &out[*count];
        const char *amount = string_item(item, "amount"), *price = string_item(item, "price");
        uint64_t id, type, date;
        if (!cJSON_IsObject(item) || amount == NULL || price == NULL ||
            whole_number(cJSON_GetObjectItemCaseSensitive(item, "tid"), UINT64_MAX, &id) ||
            whole_number(cJSON_GetObjectItemCaseSensitive(item, "type"), 1, &type) ||
            whole_number(cJSON_GetObjectItemCaseSensitive(item, "date"), 253402300799ULL, &date)) {
            err = "transaction needs tid, date, type (0/1), amount and price";
            break;
        }
        if (decimal_normalize(amount, strlen(amount), t->volume, sizeof t->volume) ||
            decimal_normalize(price, strlen(price), t->price, sizeof t->price)) {
            err = "transaction amount or price is not a decimal number";
            break;
        }
        t->side = type == 0 ? "buy" : "sell";
        t->id = id;
        snprintf(t->trade_id, sizeof t->trade_id, "%llu", (unsigned long long)id);
        snprintf(t->pair, sizeof t->pair, "%s", pair);
        strcpy(t->exchange, "bitstamp");
        /* Whole seconds only: REST has no microtimestamp. */
        time_format_us((int64_t)date * 1000000, t->traded_at);
        time_format_us(received_us, t->received_at);
        (*count)++;
    }
    cJSON_Delete(root);
    return err;
}
