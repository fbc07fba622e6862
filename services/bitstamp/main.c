/* The Bitstamp ingest service: its subscribe and heartbeat messages and the
 * bookkeeping of confirmations; everything else comes from libcommon/ingest.c.
 *
 * Bitstamp confirms each channel with bts:subscription_succeeded, but its
 * bts:error carries an empty channel, so outstanding subscribes are tracked
 * here: a pair not confirmed within BITSTAMP_SUBSCRIBE_TIMEOUT_MS is logged
 * and subscribed again. A bts:heartbeat goes out every BITSTAMP_HEARTBEAT_MS;
 * the shared stale timer (STALE_TIMEOUT_MS, 30 s) reconnects a connection
 * that answers nothing. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ingest.h"
#include "log.h"
#include "parse.h"

static long long heartbeat_ms = 15000;
static long long subscribe_timeout_ms = 10000;

static struct {
    bool open;
    uint64_t last_heartbeat;
    uint64_t sent_at[PAIRS_MAX]; /* 0: confirmed or not sent */
    uint64_t now;                /* last tick */
} conn;

static void subscribe(struct ingest *in, size_t i, uint64_t now)
{
    char channel[64], msg[160];
    bitstamp_channel(ingest_pairs(in)->names[i], channel);
    int n = snprintf(msg, sizeof msg, "{\"event\":\"bts:subscribe\",\"data\":{\"channel\":\"%s\"}}",
                     channel);
    ingest_send(in, msg, (size_t)n);
    conn.sent_at[i] = now ? now : 1;
}

static void on_open(struct ingest *in)
{
    conn.open = true;
    conn.last_heartbeat = conn.now;
    for (size_t i = 0; i < ingest_pairs(in)->count; i++)
        subscribe(in, i, conn.now);
}

static void on_frame(struct ingest *in, const struct frame *fr)
{
    if (fr->kind != FRAME_SUBSCRIBED)
        return;
    const struct pair_list *pairs = ingest_pairs(in);
    char channel[64];
    for (size_t i = 0; i < pairs->count; i++) {
        bitstamp_channel(pairs->names[i], channel);
        if (strcmp(channel, fr->channel) == 0)
            conn.sent_at[i] = 0;
    }
}

static void on_tick(struct ingest *in, uint64_t now)
{
    conn.now = now;
    if (!conn.open)
        return;
    if (now - conn.last_heartbeat >= (uint64_t)heartbeat_ms) {
        static const char hb[] = "{\"event\":\"bts:heartbeat\"}";
        ingest_send(in, hb, sizeof hb - 1);
        conn.last_heartbeat = now;
    }
    const struct pair_list *pairs = ingest_pairs(in);
    for (size_t i = 0; i < pairs->count; i++)
        if (conn.sent_at[i] && now - conn.sent_at[i] >= (uint64_t)subscribe_timeout_ms) {
            log_warn("%s not confirmed within %lld ms, subscribing again", pairs->names[i],
                     subscribe_timeout_ms);
            subscribe(in, i, now);
        }
}

static void on_close(struct ingest *in)
{
    conn.open = false;
    memset(conn.sent_at, 0, sizeof conn.sent_at);
}

static const struct config_var bitstamp_vars[] = {
    { "BITSTAMP_HEARTBEAT_MS", CONFIG_INT, "15000", 100, 600000,
      "interval of bts:heartbeat requests", &heartbeat_ms },
    { "BITSTAMP_SUBSCRIBE_TIMEOUT_MS", CONFIG_INT, "10000", 100, 600000,
      "a pair not confirmed this long after its subscribe is subscribed again",
      &subscribe_timeout_ms },
};

static const struct exchange_def bitstamp = {
    .name = "bitstamp",
    .summary = "Bitstamp ingest: trades from the Bitstamp v2 feed into Redis.",
    .url_var = "BITSTAMP_URL",
    .default_url = "wss://ws.bitstamp.net",
    .pairs_var = "BITSTAMP_PAIRS",
    .default_pairs = "BTC-USD,ETH-USD,LTC-USD,BTC-EUR,ETH-EUR,LTC-EUR",
    .health_port = "9102",
    .stale_ms = "30000",
    .parse = bitstamp_parse,
    .rest_url_var = "BITSTAMP_REST_URL",
    .default_rest_url = "https://www.bitstamp.net",
    .recovery = { bitstamp_rest_path, bitstamp_rest_parse, false },
    .extra_vars = bitstamp_vars,
    .n_extra_vars = sizeof bitstamp_vars / sizeof bitstamp_vars[0],
    .on_open = on_open,
    .on_frame = on_frame,
    .on_tick = on_tick,
    .on_close = on_close,
};

int main(int argc, char **argv)
{
    return ingest_main(argc, argv, &bitstamp);
}
