/* Fuzz target: HTTP query strings and the values taken from them
 * (services/web/product.c: query_param, product_parse, limit_parse).
 *
 * Input: first byte picks the output buffer size (1 to 256), the rest is the
 * raw query string after '?'. */
#include "fuzz.h"

#include "../../services/web/product.h"

static void check_value(const char *value)
{
    struct product_id p;
    if (product_parse(value, strlen(value), &p) == NULL) {
        /* A product id is accepted only in its one canonical spelling. */
        FUZZ_CHECK(strcmp(p.id, value) == 0, "product %s parsed as %s", value, p.id);
        FUZZ_CHECK(strlen(p.exchange) >= 1 && strlen(p.exchange) <= 15, "exchange %s",
                   p.exchange);
        FUZZ_CHECK(pair_validate(p.pair) == NULL, "pair %s", p.pair);
    }
    long limit = -1;
    if (limit_parse(value, 1000, &limit) == NULL) {
        FUZZ_CHECK(limit >= 1 && limit <= 1000, "limit %ld", limit);
        FUZZ_CHECK(strtol(value, NULL, 10) == limit, "limit %s read as %ld", value, limit);
    } else {
        FUZZ_CHECK(limit == -1, "limit written on error");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t outlen = (size_t)data[0] + 1;
    const char *query = (const char *)data + 1;
    size_t len = size - 1;
    static const char *const names[] = { "product", "limit", "a", "" };
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        char *out = xmalloc(outlen); /* exact size: ASan sees any overrun */
        const char *err = query_param(query, len, names[n], out, outlen);
        if (err == NULL) {
            size_t vlen = strnlen(out, outlen);
            FUZZ_CHECK(vlen < outlen, "value not terminated within %zu bytes", outlen);
            FUZZ_CHECK(vlen <= len, "value longer than the query");
            check_value(out);
        }
        free(out);
    }
    /* The whole input as one value, as a test of the value parsers alone. */
    char *value = fuzz_cstring(data, size);
    check_value(value);
    free(value);
    return 0;
}
