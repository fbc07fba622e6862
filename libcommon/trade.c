#include "trade.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

const char *decimal_normalize(const char *in, size_t len, char *out, size_t outlen)
{
    size_t i = 0, int_start, int_len, frac_start = 0, frac_len = 0;
    long exp = 0;
    bool has_exp = false;

    int_start = i;
    while (i < len && is_digit(in[i]))
        i++;
    int_len = i - int_start;
    if (int_len == 0)
        return "decimal must start with a digit";
    if (i < len && in[i] == '.') {
        frac_start = ++i;
        while (i < len && is_digit(in[i]))
            i++;
        frac_len = i - frac_start;
        if (frac_len == 0)
            return "decimal point without digits after it";
    }
    if (i < len && (in[i] == 'e' || in[i] == 'E')) {
        bool neg = false;
        has_exp = true;
        i++;
        if (i < len && (in[i] == '+' || in[i] == '-'))
            neg = in[i++] == '-';
        size_t exp_start = i;
        while (i < len && is_digit(in[i])) {
            if (exp > 1000)
                return "decimal exponent out of range";
            exp = exp * 10 + (in[i] - '0');
            i++;
        }
        if (i == exp_start)
            return "decimal exponent without digits";
        if (neg)
            exp = -exp;
    }
    if (i != len)
        return "not a decimal number";

    if (!has_exp) {
        if (len + 1 > outlen)
            return "decimal too long";
        memcpy(out, in, len);
        out[len] = '\0';
        return NULL;
    }

    /* Exponent form: the digits are mantissa digits with the point moved by
     * exp places. Build digits and point position, then print without losing
     * any digit of the mantissa (trailing zeros of the mantissa are kept). */
    char digits[TRADE_DECIMAL_MAX * 2];
    size_t ndigits = int_len + frac_len;
    if (ndigits >= sizeof digits)
        return "decimal too long";
    memcpy(digits, in + int_start, int_len);
    memcpy(digits + int_len, in + frac_start, frac_len);
    long point = (long)int_len + exp; /* digits before the point */

    /* Drop leading zeros of the integer part that the shift leaves in front. */
    size_t lead = 0;
    while (lead + 1 < ndigits && digits[lead] == '0' && point > 1) {
        lead++;
        point--;
    }

    char buf[TRADE_DECIMAL_MAX * 4];
    size_t o = 0;
    const char *d = digits + lead;
    long nd = (long)(ndigits - lead);
    if (point > (long)sizeof buf / 2 || -point > (long)sizeof buf / 2)
        return "decimal exponent out of range";
    /* The whole expansion must fit buf: "0." and -point zeros in front of
     * up to 95 digits can exceed it (tests/fuzz/corpus/trade/regress-*). */
    size_t need = (size_t)nd + 1;
    if (point <= 0)
        need = 2 + (size_t)-point + (size_t)nd;
    /* cppcheck-suppress knownConditionTrueFalse ; it wrongly infers nd < 2 from the loop above */
    else if (point >= nd)
        need = (size_t)point;
    if (need >= sizeof buf)
        return "decimal too long";
    if (point <= 0) {
        buf[o++] = '0';
        buf[o++] = '.';
        for (long z = 0; z < -point; z++)
            buf[o++] = '0';
        memcpy(buf + o, d, (size_t)nd);
        o += (size_t)nd;
    /* cppcheck-suppress knownConditionTrueFalse ; as above */
    } else if (point >= nd) {
        memcpy(buf + o, d, (size_t)nd);
        o += (size_t)nd;
        for (long z = 0; z < point - nd; z++)
            buf[o++] = '0';
    } else {
        memcpy(buf + o, d, (size_t)point);
        o += (size_t)point;
        buf[o++] = '.';
        memcpy(buf + o, d + point, (size_t)(nd - point));
        o += (size_t)(nd - point);
    }
    if (o + 1 > outlen)
        return "decimal too long";
    memcpy(out, buf, o);
    out[o] = '\0';
    return NULL;
}

static bool digits_at(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

static int num_at(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

const char *time_normalize(const char *in, size_t len, char out[TRADE_TIME_LEN + 1])
{
    /* YYYY-MM-DDTHH:MM:SS[.f{0,9}]Z */
    if (len < 20 || len > 30)
        return "time has the wrong length";
    if (!digits_at(in, 4) || in[4] != '-' || !digits_at(in + 5, 2) || in[7] != '-' ||
        !digits_at(in + 8, 2) || in[10] != 'T' || !digits_at(in + 11, 2) || in[13] != ':' ||
        !digits_at(in + 14, 2) || in[16] != ':' || !digits_at(in + 17, 2))
        return "time is not RFC 3339 (YYYY-MM-DDTHH:MM:SS)";
    int mon = num_at(in + 5, 2), day = num_at(in + 8, 2), hour = num_at(in + 11, 2),
        min = num_at(in + 14, 2), sec = num_at(in + 17, 2);
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return "time field out of range";
    if (in[len - 1] != 'Z')
        return "time is not UTC (no trailing Z)";
    size_t frac = 0;
    if (in[19] == '.') {
        frac = len - 1 - 20;
        if (frac == 0 || frac > 9 || !digits_at(in + 20, frac))
            return "time fraction must have 1 to 9 digits";
    } else if (len != 20) {
        return "time is not RFC 3339";
    }
    memcpy(out, in, 19);
    out[19] = '.';
    for (size_t i = 0; i < 6; i++)
        out[20 + i] = i < frac ? in[20 + i] : '0';
    out[26] = 'Z';
    out[27] = '\0';
    return NULL;
}

void time_format_us(int64_t us, char out[TRADE_TIME_LEN + 1])
{
    time_t secs = (time_t)(us / 1000000);
    long frac = (long)(us % 1000000);
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* strftime bounds each field, which snprintf's truncation analysis cannot see. */
    if (strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
        memcpy(out, "0000-00-00T00:00:00", 20);
    out[19] = '.';
    for (int i = 25; i >= 20; i--, frac /= 10)
        out[i] = (char)('0' + frac % 10);
    out[26] = 'Z';
    out[27] = '\0';
}

const char *trade_id_parse(const char *in, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20 || !digits_at(in, len))
        return "trade id is not a decimal integer";
    if (len > 1 && in[0] == '0')
        return "trade id has leading zeros";
    for (size_t i = 0; i < len; i++) {
        uint64_t d = (uint64_t)(in[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return "trade id out of range";
        v = v * 10 + d;
    }
    *out = v;
    return NULL;
}

static const char *pair_part(const char *s, size_t n)
{
    if (n < 1 || n > 10)
        return "pair parts must have 1 to 10 characters (BASE-QUOTE)";
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i])))
            return "pair must be uppercase BASE-QUOTE of A-Z and 0-9";
    return NULL;
}

const char *pair_validate(const char *pair)
{
    const char *dash = strchr(pair, '-');
    if (dash == NULL)
        return "pair must be BASE-QUOTE, such as BTC-USD";
    const char *err = pair_part(pair, (size_t)(dash - pair));
    return err ? err : pair_part(dash + 1, strlen(dash + 1));
}

size_t trade_to_json(const struct trade *t, char *out)
{
    int n = snprintf(out, TRADE_JSON_MAX,
                     "{\"exchange\":\"%s\",\"pair\":\"%s\",\"price\":\"%s\",\"volume\":\"%s\","
                     "\"side\":\"%s\",\"trade_id\":\"%s\",\"traded_at\":\"%s\","
                     "\"received_at\":\"%s\"}",
                     t->exchange, t->pair, t->price, t->volume, t->side, t->trade_id,
                     t->traded_at, t->received_at);
    return n < 0 ? 0 : (size_t)n;
}

const char *trade_id_from_json(const char *json, size_t len, uint64_t *out)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (root == NULL)
        return "not JSON";
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "trade_id");
    const char *err = "no string trade_id";
    if (cJSON_IsString(id))
        err = trade_id_parse(id->valuestring, strlen(id->valuestring), out);
    cJSON_Delete(root);
    return err;
}
