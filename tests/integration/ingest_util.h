/* Shared by the ingest integration tests: start a service against the
 * simulator and Redis, and compare what Redis holds with what the simulator
 * says it sent. Header-only because each test program is one file. */
#ifndef POETICOINS_INGEST_UTIL_H
#define POETICOINS_INGEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/harness.h"
#include "trade.h"

struct svc {
    pid_t pid;
    int health_port;
    char log[200];
};

/* Starts bin/<name> against the simulator and redis_port; extra_env entries
 * override or add variables. */
static inline void svc_start(struct svc *v, const char *name, const struct sim *s, int redis_port,
                      const char *ca, const char *const extra_env[])
{
    static int count;
    static char env[16][512];
    int n = 0;
    char path[300];
    v->health_port = harness_free_port();
    snprintf(v->log, sizeof v->log, "%s/%s-%d.log", harness_dir(), name, count++);
    snprintf(path, sizeof path, "%s/%s", harness_bin(), name);
    char upper[32];
    for (size_t i = 0; i <= strlen(name) && i < sizeof upper; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    snprintf(env[n++], 512, "REDIS_URL=redis://127.0.0.1:%d", redis_port);
    snprintf(env[n++], 512, "%s_URL=%s://127.0.0.1:%d/", upper, s->tls ? "wss" : "ws",
             s->port);
    snprintf(env[n++], 512, "TLS_CA_FILE=%s/%s", harness_dir(), ca ? ca : "ca.pem");
    /* Gap recovery asks the simulator's REST API, never a real exchange. */
    snprintf(env[n++], 512, "%s_REST_URL=%s://127.0.0.1:%d", upper, s->tls ? "https" : "http",
             s->port);
    snprintf(env[n++], 512, "HEALTH_PORT=%d", v->health_port);
    snprintf(env[n++], 512, "HEALTH_ADDR=127.0.0.1");
    snprintf(env[n++], 512, "LOG_LEVEL=debug");
    for (size_t i = 0; extra_env && extra_env[i] && n < 15; i++)
        snprintf(env[n++], 512, "%s", extra_env[i]);
    const char *envp[17];
    for (int i = 0; i < n; i++)
        envp[i] = env[i];
    envp[n] = NULL;
    const char *argv[] = { path, NULL };
    v->pid = proc_start(v->log, argv, envp);
}

/* ---- conditions for WAIT_FOR ---- */

struct llen_cond {
    redisContext *c;
    const char *keys[8];
    long long want;
};

static inline bool lists_reach(void *arg)
{
    struct llen_cond *lc = arg;
    for (size_t i = 0; i < 8 && lc->keys[i]; i++)
        if (redis_llen(lc->c, lc->keys[i]) < lc->want)
            return false;
    return true;
}

struct metric_cond {
    int port;
    const char *name;
    long long want;
};

static inline bool metric_reaches(void *arg)
{
    struct metric_cond *mc = arg;
    return metric_value(mc->port, mc->name) >= mc->want;
}

static inline bool metric_equals(void *arg)
{
    struct metric_cond *mc = arg;
    return metric_value(mc->port, mc->name) == mc->want;
}

struct stat_cond {
    const struct sim *s;
    const char *name;
    long long want;
};

static inline bool stat_reaches(void *arg)
{
    struct stat_cond *sc = arg;
    return sim_stat(sc->s, sc->name) >= sc->want;
}

struct log_cond {
    const char *path;
    const char *needle;
};

static inline bool log_has(void *arg)
{
    struct log_cond *lc = arg;
    return file_contains(lc->path, lc->needle);
}

struct hash_cond {
    redisContext *c;
    const char *key, *field, *want;
};

static inline bool hash_field_is(void *arg)
{
    struct hash_cond *hc = arg;
    redisReply *r = redis_must(hc->c, "HGET %s %s", hc->key, hc->field);
    bool ok = r->type == REDIS_REPLY_STRING && strcmp(r->str, hc->want) == 0;
    freeReplyObject(r);
    return ok;
}

/* ---- expectations ---- */

/* The message without its received_at, which only the service knows:
 * `{"exchange":...,"traded_at":"..."`. Checks received_at's shape. */
static inline void strip_received_at(const char *msg, char *out, size_t outlen)
{
    const char *at = strstr(msg, ",\"received_at\":\"");
    if (at == NULL)
        fail_msg("no received_at in %s", msg);
    const char *t = at + 16;
    /* 2021-04-17T16:43:37.121358Z"} */
    if (strlen(t) != 29 || t[10] != 'T' || t[19] != '.' || t[26] != 'Z' || t[27] != '"' ||
        t[28] != '}')
        fail_msg("received_at has the wrong shape in %s", msg);
    snprintf(out, outlen, "%.*s", (int)(at - msg), msg);
}

/* The list `key` from oldest to newest, as an array of strings (caller frees). */
static inline char **list_oldest_first(redisContext *c, const char *key, size_t *count)
{
    redisReply *r = redis_must(c, "LRANGE %s 0 -1", key);
    char **out = calloc(r->elements + 1, sizeof *out);
    for (size_t i = 0; i < r->elements; i++)
        out[i] = strdup(r->element[r->elements - 1 - i]->str);
    *count = r->elements;
    freeReplyObject(r);
    return out;
}

static inline void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The message (without received_at) an ingest service must publish for one
 * raw trade frame from the simulator's log, and the frame's pair. For
 * Bitstamp, *alt_out gets the same message with traded_at cut to whole
 * seconds: what a trade fetched from the REST API carries. Exponent amounts
 * are expanded with decimal_normalize, whose unit tests pin it to
 * hand-written cases. */
static inline void expected_from_frame(const char *raw, char *out, char *alt_out, size_t outlen,
                                       char *pair, size_t pairlen)
{
    cJSON *m = cJSON_Parse(raw);
    assert_non_null(m);
    const cJSON *d = cJSON_GetObjectItem(m, "data");
    if (d == NULL) { /* Coinbase match */
        const char *side = cJSON_GetObjectItem(m, "side")->valuestring;
        snprintf(out, outlen,
                 "{\"exchange\":\"coinbase\",\"pair\":\"%s\",\"price\":\"%s\",\"volume\":\"%s\","
                 "\"side\":\"%s\",\"trade_id\":\"%.0f\",\"traded_at\":\"%s\"",
                 cJSON_GetObjectItem(m, "product_id")->valuestring,
                 cJSON_GetObjectItem(m, "price")->valuestring,
                 cJSON_GetObjectItem(m, "size")->valuestring, strcmp(side, "buy") == 0 ? "sell" : "buy",
                 cJSON_GetObjectItem(m, "trade_id")->valuedouble,
                 cJSON_GetObjectItem(m, "time")->valuestring);
        snprintf(alt_out, outlen, "%s", out);
        snprintf(pair, pairlen, "%s", cJSON_GetObjectItem(m, "product_id")->valuestring);
        cJSON_Delete(m);
        return;
    }
    const char *channel = cJSON_GetObjectItem(m, "channel")->valuestring;
    const char *amount = cJSON_GetObjectItem(d, "amount_str")->valuestring;
    char volume[TRADE_DECIMAL_MAX], at[TRADE_TIME_LEN + 1], at_s[TRADE_TIME_LEN + 1];
    assert_null(decimal_normalize(amount, strlen(amount), volume, sizeof volume));
    long long us = atoll(cJSON_GetObjectItem(d, "microtimestamp")->valuestring);
    time_format_us(us, at);
    time_format_us(us / 1000000 * 1000000, at_s);
    /* live_trades_btcusd -> BTC-USD: the tests use 3-letter bases and quotes. */
    const char *tail = channel + strlen("live_trades_");
    snprintf(pair, pairlen, "%c%c%c-%c%c%c", tail[0] - 32, tail[1] - 32, tail[2] - 32,
             tail[3] - 32, tail[4] - 32, tail[5] - 32);
    const char *fmt = "{\"exchange\":\"bitstamp\",\"pair\":\"%s\",\"price\":\"%s\",\"volume\":\"%s\","
                      "\"side\":\"%s\",\"trade_id\":\"%.0f\",\"traded_at\":\"%s\"";
    const char *price = cJSON_GetObjectItem(d, "price_str")->valuestring;
    const char *side = cJSON_GetObjectItem(d, "type")->valuedouble == 0 ? "buy" : "sell";
    double id = cJSON_GetObjectItem(d, "id")->valuedouble;
    snprintf(out, outlen, fmt, pair, price, volume, side, id, at);
    snprintf(alt_out, outlen, fmt, pair, price, volume, side, id, at_s);
    cJSON_Delete(m);
}

/* Asserts that history:<exchange>:<pair> holds exactly the trades the
 * simulator produced for the pair (its --log), oldest last, each once.
 * Returns how many. */
static inline size_t assert_history_matches_sim(redisContext *c, const struct sim *s,
                                                const char *exchange, const char *pair)
{
    char key[64];
    snprintf(key, sizeof key, "history:%s:%s", exchange, pair);
    size_t n, i = 0;
    char **got = list_oldest_first(c, key, &n);
    char *log = file_read(s->trade_log, NULL);
    assert_non_null(log);
    char *save = NULL;
    for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char want[512], alt[512], line_pair[32], have[512];
        expected_from_frame(line, want, alt, sizeof want, line_pair, sizeof line_pair);
        if (strcmp(line_pair, pair) != 0)
            continue;
        if (i >= n)
            fail_msg("%s: trade %zu missing from Redis: %s", pair, i, want);
        strip_received_at(got[i], have, sizeof have);
        if (strcmp(have, want) != 0 && strcmp(have, alt) != 0)
            fail_msg("%s: trade %zu is\n  %s\nwant\n  %s", pair, i, have, want);
        i++;
    }
    if (i != n)
        fail_msg("%s: Redis holds %zu trades, the simulator produced %zu", pair, n, i);
    free(log);
    free_strings(got, n);
    return n;
}

/* How many trades the simulator's log has for `pair` (coinbase product_id or
 * bitstamp channel suffix match). */
static inline long long sim_log_count(const struct sim *s, const char *needle)
{
    char *log = file_read(s->trade_log, NULL);
    long long n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(log);
    return n;
}

#endif
