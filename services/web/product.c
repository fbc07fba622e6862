#include "product.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "trade.h"

const char *product_parse(const char *text, size_t len, struct product_id *out)
{
    const char *colon = memchr(text, ':', len);
    if (colon == NULL)
        return "product must be <exchange>:<BASE>-<QUOTE>, such as coinbase:BTC-USD";
    size_t elen = (size_t)(colon - text), plen = len - elen - 1;
    if (elen == 0 || elen >= sizeof out->exchange)
        return "product's exchange must have 1 to 15 characters";
    for (size_t i = 0; i < elen; i++)
        if (!((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9')))
            return "product's exchange must be lowercase letters and digits";
    if (plen == 0 || plen >= sizeof out->pair)
        return "product's pair must be BASE-QUOTE, such as BTC-USD";
    char pair[24];
    memcpy(pair, colon + 1, plen);
    pair[plen] = '\0';
    if (strlen(pair) != plen)
        return "product must not contain NUL bytes";
    const char *err = pair_validate(pair);
    if (err)
        return err;
    memcpy(out->exchange, text, elen);
    out->exchange[elen] = '\0';
    strcpy(out->pair, pair);
    snprintf(out->id, sizeof out->id, "%s:%s", out->exchange, out->pair);
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

const char *query_param(const char *query, size_t len, const char *name, char *out,
                        size_t outlen)
{
    size_t nlen = strlen(name), i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && query[end] != '&')
            end++;
        const char *eq = memchr(query + i, '=', end - i);
        size_t klen = eq ? (size_t)(eq - query - i) : end - i;
        if (klen == nlen && memcmp(query + i, name, nlen) == 0) {
            size_t o = 0;
            for (size_t p = eq ? (size_t)(eq - query) + 1 : end; p < end; p++) {
                char c = query[p];
                if (c == '%') {
                    /* both hex digits must lie inside this parameter */
                    int hi = p + 2 < end ? hexval(query[p + 1]) : -1;
                    int lo = p + 2 < end ? hexval(query[p + 2]) : -1;
                    if (hi < 0 || lo < 0)
                        return "query has a bad %-escape";
                    c = (char)(hi * 16 + lo);
                    p += 2;
                } else if (c == '+') {
                    c = ' ';
                }
                if (c == '\0')
                    return "query value has a NUL byte";
                if (o + 1 >= outlen)
                    return "query value too long";
                out[o++] = c;
            }
            out[o] = '\0';
            return NULL;
        }
        i = end + 1;
    }
    return "missing";
}

const char *limit_parse(const char *text, long max, long *out)
{
    long v = 0;
    if (text[0] == '\0' || strlen(text) > 9)
        return "limit must be a whole number";
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return "limit must be a whole number";
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > max)
        return "limit is out of range";
    *out = v;
    return NULL;
}

const char *ws_msg_parse(const char *data, size_t len, struct ws_msg *out, char *detail)
{
    if (detail)
        detail[0] = '\0';
    cJSON *root = cJSON_ParseWithLength(data, len);
    const char *err = NULL;
    if (!cJSON_IsObject(root)) {
        err = "message must be a JSON object";
        goto done;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type)) {
        err = "message needs a string \"type\"";
        goto done;
    }
    if (strcmp(type->valuestring, "subscribe") == 0)
        out->type = WS_MSG_SUBSCRIBE;
    else if (strcmp(type->valuestring, "unsubscribe") == 0)
        out->type = WS_MSG_UNSUBSCRIBE;
    else {
        err = "type must be subscribe or unsubscribe";
        goto done;
    }
    const cJSON *products = cJSON_GetObjectItemCaseSensitive(root, "products");
    if (!cJSON_IsArray(products)) {
        err = "message needs a \"products\" array";
        goto done;
    }
    if (cJSON_GetArraySize(products) > WS_PRODUCTS_MAX) {
        err = "too many products in one message (at most 200)";
        goto done;
    }
    out->count = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, products)
    {
        if (!cJSON_IsString(item)) {
            err = "products must be strings";
            goto done;
        }
        const char *perr = product_parse(item->valuestring, strlen(item->valuestring),
                                         &out->products[out->count]);
        if (perr) {
            if (detail)
                log_escape(item->valuestring, strlen(item->valuestring), detail, 64);
            err = perr;
            goto done;
        }
        out->count++;
    }
done:
    cJSON_Delete(root);
    return err;
}
