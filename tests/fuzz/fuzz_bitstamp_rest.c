/* Fuzz target: Bitstamp REST trades bodies (bitstamp_rest_parse, services/bitstamp/parse.c),
 * read during gap recovery. Input as fuzz_rest_input describes. */
#include "fuzz.h"

#include "../../services/bitstamp/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_rest_input(data, size, bitstamp_rest_parse, "bitstamp");
    return 0;
}
