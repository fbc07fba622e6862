/* Fuzz target: Coinbase feed messages (services/coinbase/parse.c). */
#include "fuzz.h"

#include "../../services/coinbase/parse.h"

#define RECEIVED_US 1618677817200113LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pair_list pairs = { 2, { "BTC-USD", "ETH-EUR" } };
    struct frame f, again;
    coinbase_parse((const char *)data, size, RECEIVED_US, &pairs, &f);
    coinbase_parse((const char *)data, size, RECEIVED_US, &pairs, &again);
    fuzz_check_frame(&f, &again, "coinbase");
    return 0;
}
