#include "parse.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Doubles hold integers exactly up to 2^53; cJSON gives us nothing better,
 * and Coinbase trade ids are far below (about 2^30 in 2024). */
#define MAX_EXACT_ID 9007199254740992.0

static const char *string_field(const cJSON *obj, const char *name, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(item))
        return "missing or non-string field";
    *out = item->valuestring;
    return NULL;
}

/* Fills t from a match frame or a REST trade object (which has no
 * product_id: `product` is then given). */
static const char *parse_trade(const cJSON *root, const char *given_product, int64_t received_us,
                               struct trade *t)
{
    const char *side, *size, *price, *product = given_product, *time;
    if (string_field(root, "side", &side))
        return "match: side must be a string";
    if (string_field(root, "size", &size))
        return "match: size must be a string";
    if (string_field(root, "price", &price))
        return "match: price must be a string";
    if (product == NULL && string_field(root, "product_id", &product))
        return "match: product_id must be a string";
    if (string_field(root, "time", &time))
        return "match: time must be a string";
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "trade_id");
    if (!cJSON_IsNumber(id))
        return "match: trade_id must be a number";
    double v = id->valuedouble;
    if (!(v >= 0 && v <= MAX_EXACT_ID) || v != (double)(uint64_t)v)
        return "match: trade_id must be a whole number below 2^53";

    /* Coinbase reports the maker's side; the taker did the opposite. */
    if (strcmp(side, "buy") == 0)
        t->side = "sell";
    else if (strcmp(side, "sell") == 0)
        t->side = "buy";
    else
        return "match: side must be buy or sell";
    if (strlen(product) >= sizeof t->pair || pair_validate(product))
        return "match: product_id must be an uppercase BASE-QUOTE pair";
    strcpy(t->pair, product);
    if (decimal_normalize(size, strlen(size), t->volume, sizeof t->volume))
        return "match: size is not a decimal number";
    if (decimal_normalize(price, strlen(price), t->price, sizeof t->price))
        return "match: price is not a decimal number";
    if (time_normalize(time, strlen(time), t->traded_at))
        return "match: time is not an RFC 3339 UTC time";
    t->id = (uint64_t)v;
    snprintf(t->trade_id, sizeof t->trade_id, "%llu", (unsigned long long)t->id);
    strcpy(t->exchange, "coinbase");
    time_format_us(received_us, t->received_at);
    return NULL;
}

static void exchange_error(const cJSON *root, struct frame *out)
{
    const char *message = "", *reason = "";
    char m[100], r[120];
    string_field(root, "message", &message);
    string_field(root, "reason", &reason);
    snprintf(out->text, sizeof out->text, "%s (%s)",
             log_escape(message, strlen(message), m, sizeof m),
             log_escape(reason, strlen(reason), r, sizeof r));
}

void coinbase_parse(const char *data, size_t len, int64_t received_us,
                    const struct pair_list *pairs, struct frame *out)
{
    (void)pairs; /* Coinbase names products as we do */
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (!cJSON_IsObject(root)) {
        out->kind = FRAME_BAD_JSON;
        out->error = "not a JSON object";
        cJSON_Delete(root);
        return;
    }
    const char *type;
    if (string_field(root, "type", &type)) {
        out->kind = FRAME_BAD_FIELD;
        out->error = "no string field type";
    } else if (strcmp(type, "match") == 0 || strcmp(type, "last_match") == 0) {
        out->error = parse_trade(root, NULL, received_us, &out->trade);
        out->kind = out->error ? FRAME_BAD_FIELD : FRAME_TRADE;
    } else if (strcmp(type, "heartbeat") == 0) {
        out->kind = FRAME_HEARTBEAT;
        /* last_trade_id ahead of what was published reveals missed trades. */
        const char *product;
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(root, "last_trade_id");
        if (string_field(root, "product_id", &product) == NULL &&
            strlen(product) < sizeof out->pair && pair_validate(product) == NULL &&
            cJSON_IsNumber(last) && last->valuedouble >= 1 && last->valuedouble <= MAX_EXACT_ID &&
            last->valuedouble == (double)(uint64_t)last->valuedouble) {
            strcpy(out->pair, product);
            out->last_trade_id = (uint64_t)last->valuedouble;
        }
    } else if (strcmp(type, "subscriptions") == 0) {
        out->kind = FRAME_SUBSCRIBED;
    } else if (strcmp(type, "error") == 0) {
        out->kind = FRAME_EXCHANGE_ERROR;
        exchange_error(root, out);
    } else {
        out->kind = FRAME_IGNORED;
    }
    cJSON_Delete(root);
}

void coinbase_rest_path(const char *pair, uint64_t before_id, char *out, size_t outlen)
{
    if (before_id)
        snprintf(out, outlen, "/products/%s/trades?limit=%d&after=%llu", pair, COINBASE_REST_PAGE,
                 (unsigned long long)before_id);
    else
        snprintf(out, outlen, "/products/%s/trades?limit=%d", pair, COINBASE_REST_PAGE);
}

const char *coinbase_rest_parse(const char *body, size_t len, const char *pair,
                                int64_t received_us, struct trade *out, size_t max, size_t *count,
                                bool *page_full)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *err = NULL;
    *count = 0;
    *page_full = false;
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return "trades body is not a JSON array";
    }
    const cJSON *item;
    size_t seen = 0;
    cJSON_ArrayForEach(item, root)
    {
        seen++;
        if (*count == max)
            break;
        if (!cJSON_IsObject(item)) {
            err = "trade is not an object";
            break;
        }
        if ((err = parse_trade(item, pair, received_us, &out[*count])))
            break;
        (*count)++;
    }
    *page_full = seen >= COINBASE_REST_PAGE;
    cJSON_Delete(root);
    return err;
}
