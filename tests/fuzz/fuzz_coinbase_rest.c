/* Fuzz target: Coinbase REST trades bodies (coinbase_rest_parse, services/coinbase/parse.c),
 * read during gap recovery. Input: first byte picks how many trades fit
 * (1 to 128, into an exact-size array), the rest is the body. */
#include "fuzz.h"

#include "../../services/coinbase/parse.h"

#define RECEIVED_US 1618677817200113LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max = (size_t)(data[0] % 128) + 1;
    struct trade *trades = xmalloc(max * sizeof *trades);
    size_t count = 99999;
    bool page_full = true;
    const char *err = coinbase_rest_parse((const char *)data + 1, size - 1, "BTC-USD", RECEIVED_US,
                                     trades, max, &count, &page_full);
    fuzz_check_rest(trades, count, max, err, "BTC-USD", "coinbase");
    free(trades);
    return 0;
}
