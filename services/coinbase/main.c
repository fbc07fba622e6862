/* The Coinbase ingest service: everything but the subscribe message and the
 * parser comes from libcommon/ingest.c. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "parse.h"

/* {"type":"subscribe","product_ids":[...],"channels":["matches","heartbeat"]}
 * Coinbase drops a connection that has not subscribed within 5 s; this is
 * sent as soon as the websocket opens. */
static void on_open(struct ingest *in)
{
    const struct pair_list *pairs = ingest_pairs(in);
    cJSON *msg = cJSON_CreateObject();
    cJSON_AddStringToObject(msg, "type", "subscribe");
    cJSON *ids = cJSON_AddArrayToObject(msg, "product_ids");
    for (size_t i = 0; i < pairs->count; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateString(pairs->names[i]));
    cJSON *channels = cJSON_AddArrayToObject(msg, "channels");
    cJSON_AddItemToArray(channels, cJSON_CreateString("matches"));
    cJSON_AddItemToArray(channels, cJSON_CreateString("heartbeat"));
    char *text = cJSON_PrintUnformatted(msg);
    ingest_send(in, text, strlen(text));
    free(text);
    cJSON_Delete(msg);
}

static const struct exchange_def coinbase = {
    .name = "coinbase",
    .summary = "Coinbase ingest: trades from the Coinbase Exchange feed into Redis.",
    .url_var = "COINBASE_URL",
    .default_url = "wss://ws-feed.exchange.coinbase.com",
    .pairs_var = "COINBASE_PRODUCTS",
    .default_pairs = "BTC-USD,ETH-USD,LTC-USD,BTC-EUR,ETH-EUR,LTC-EUR",
    .health_port = "9101",
    /* heartbeat arrives every second per product */
    .stale_ms = "10000",
    .parse = coinbase_parse,
    .rest_url_var = "COINBASE_REST_URL",
    .default_rest_url = "https://api.exchange.coinbase.com",
    .recovery = { coinbase_rest_path, coinbase_rest_parse, true },
    .on_open = on_open,
};

int main(int argc, char **argv)
{
    return ingest_main(argc, argv, &coinbase);
}
