/* Fuzz target: Coinbase REST trades bodies (coinbase_rest_parse, services/coinbase/parse.c),
 * read during gap recovery. Input as fuzz_rest_input describes. */
#include "fuzz.h"

#include "../../services/coinbase/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_rest_input(data, size, coinbase_rest_parse, "coinbase");
    return 0;
}
