/* Fuzz target: libcommon's trade helpers (libcommon/trade.c) and log_escape,
 * through which every untrusted byte that is logged passes.
 *
 * Input: first byte picks the function, the rest is its text. */
#include "fuzz.h"

#include "log.h"

static void check_decimal(const char *in, size_t len)
{
    char out[TRADE_DECIMAL_MAX];
    if (decimal_normalize(in, len, out, sizeof out))
        return;
    FUZZ_CHECK(fuzz_plain_decimal(out), "output %s", out);
    bool has_exp = memchr(in, 'e', len) || memchr(in, 'E', len);
    if (!has_exp)
        FUZZ_CHECK(strlen(out) == len && memcmp(out, in, len) == 0, "plain %s changed", out);
    /* The same number: strtod rounds correctly, so equal decimals give
     * equal doubles. */
    char *text = fuzz_cstring((const uint8_t *)in, len);
    FUZZ_CHECK(strtod(text, NULL) == strtod(out, NULL), "%s became %s", text, out);
    free(text);
    char again[TRADE_DECIMAL_MAX];
    FUZZ_CHECK(decimal_normalize(out, strlen(out), again, sizeof again) == NULL &&
                   strcmp(again, out) == 0,
               "%s does not normalise to itself", out);
}

static void check_time(const char *in, size_t len)
{
    char out[TRADE_TIME_LEN + 1];
    if (time_normalize(in, len, out))
        return;
    FUZZ_CHECK(fuzz_time_shape(out), "output %s", out);
    FUZZ_CHECK(memcmp(out, in, 19) == 0, "date and time changed: %s", out);
    char again[TRADE_TIME_LEN + 1];
    FUZZ_CHECK(time_normalize(out, TRADE_TIME_LEN, again) == NULL && strcmp(again, out) == 0,
               "%s does not normalise to itself", out);
}

static void check_id(const char *in, size_t len)
{
    uint64_t id;
    if (trade_id_parse(in, len, &id))
        return;
    char back[TRADE_ID_MAX];
    snprintf(back, sizeof back, "%llu", (unsigned long long)id);
    FUZZ_CHECK(strlen(back) == len && memcmp(back, in, len) == 0, "%s read as %s", in, back);
}

static void check_pair(const char *in, size_t len)
{
    char *text = fuzz_cstring((const uint8_t *)in, len);
    if (pair_validate(text) == NULL) {
        size_t n = strlen(text), dash = strcspn(text, "-");
        FUZZ_CHECK(dash >= 1 && dash <= 10 && n - dash - 1 >= 1 && n - dash - 1 <= 10,
                   "pair %s", text);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(i == dash || (text[i] >= 'A' && text[i] <= 'Z') ||
                           (text[i] >= '0' && text[i] <= '9'),
                       "pair %s", text);
    }
    free(text);
}

static void check_escape(const char *in, size_t len, size_t outlen)
{
    char *out = xmalloc(outlen);
    log_escape(in, len, out, outlen);
    FUZZ_CHECK(fuzz_printable(out, outlen), "log_escape output not printable or not terminated");
    free(out);
}

static void check_time_format(const char *in, size_t len)
{
    int64_t us = 0;
    memcpy(&us, in, len < sizeof us ? len : sizeof us);
    /* The services pass a clock reading or Bitstamp's microtimestamp, which
     * the parser bounds to year 9999. */
    if (us < 0 || us > 253402300799999999LL)
        return;
    char out[TRADE_TIME_LEN + 1];
    time_format_us(us, out);
    FUZZ_CHECK(fuzz_time_shape(out), "time_format_us(%lld) = %s", (long long)us, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    uint64_t id;
    switch (data[0] % 8) {
    case 0: check_decimal(in, len); break;
    case 1: check_time(in, len); break;
    case 2: check_id(in, len); break;
    case 3: check_pair(in, len); break;
    case 4: trade_id_from_json(in, len, &id); break;
    case 5: check_escape(in, len, (size_t)data[0] / 8 + 1); break;
    case 6: check_time_format(in, len); break;
    default: check_escape(in, len, 128); break;
    }
    return 0;
}
