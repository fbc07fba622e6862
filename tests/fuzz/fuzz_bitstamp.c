/* Fuzz target: Bitstamp feed messages (services/bitstamp/parse.c). */
#define _GNU_SOURCE
#include "fuzz.h"

#include "../../services/bitstamp/parse.h"

#define RECEIVED_US 1618677817200113LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* usdcusd and shibusd: names that cutting at three letters would break. */
    static const struct pair_list pairs = { 4, { "BTC-USD", "ETH-EUR", "USDC-USD", "SHIB-USD" } };
    struct frame f, again;
    bitstamp_parse((const char *)data, size, RECEIVED_US, &pairs, &f);
    bitstamp_parse((const char *)data, size, RECEIVED_US, &pairs, &again);
    fuzz_check_frame(&f, &again, "bitstamp");
    if (f.kind != FRAME_TRADE)
        return 0;
    /* The pair is always a configured one, found by its channel's name. */
    bool configured = false;
    for (size_t i = 0; i < pairs.count; i++)
        configured |= strcmp(pairs.names[i], f.trade.pair) == 0;
    FUZZ_CHECK(configured, "pair %s is not configured", f.trade.pair);
    char channel[64];
    bitstamp_channel(f.trade.pair, channel);
    FUZZ_CHECK(memmem(data, size, channel, strlen(channel)) || memchr(data, '\\', size),
               "trade on a channel other than %s", channel);
    return 0;
}
