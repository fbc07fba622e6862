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

/* The second 1970-01-01T00:00:00 + secs as "YYYY-MM-DDTHH:MM:SS" (19 bytes,
 * no NUL), for 0 <= secs <= TIME_FAST_MAX_S. The date is Howard Hinnant's
 * civil_from_days: integer arithmetic only, no time zone or locale lookups,
 * which gmtime_r and strftime do on every call. */
#define TIME_FAST_MAX_S 253402300799LL /* 9999-12-31T23:59:59 */

static void put2(char *out, unsigned v)
{
    out[0] = (char)('0' + v / 10);
    out[1] = (char)('0' + v % 10);
}

static void format_second(int64_t secs, char out[19])
{
    int64_t days = secs / 86400;
    unsigned sod = (unsigned)(secs % 86400);
    /* Days are counted from 0000-03-01 so that a leap day ends a year. */
    uint64_t z = (uint64_t)days + 719468;
    uint64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    unsigned year = (unsigned)(yoe + era * 400) + (month <= 2);
    put2(out, year / 100);
    put2(out + 2, year % 100);
    out[4] = '-';
    put2(out + 5, month);
    out[7] = '-';
    put2(out + 8, day);
    out[10] = 'T';
    put2(out + 11, sod / 3600);
    out[13] = ':';
    put2(out + 14, sod / 60 % 60);
    out[16] = ':';
    put2(out + 17, sod % 60);
}

/* One second's "YYYY-MM-DDTHH:MM:SS", for time_format_us()'s cache. */
struct second_text {
    int64_t secs;
    char text[19];
};

void time_format_us(int64_t us, char out[TRADE_TIME_LEN + 1])
{
    /* Called for every trade (received_at, and Bitstamp's traded_at too),
     * nearly always for one or two seconds in turn: keep the text of the
     * last two seconds. Not thread-safe; the services run one thread. */
    static struct second_text cache[2] = { { -1, "" }, { -1, "" } };
    static unsigned victim;
    time_t secs = (time_t)(us / 1000000);
    long frac = (long)(us % 1000000);
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    if (secs >= 0 && secs <= TIME_FAST_MAX_S) {
        unsigned slot = cache[1].secs == secs;
        if (cache[slot].secs != secs) {
            slot = victim;
            victim ^= 1;
            format_second(secs, cache[slot].text);
            cache[slot].secs = secs;
        }
        memcpy(out, cache[slot].text, 19);
    } else {
        /* Outside years 1970 to 9999 (never for a real trade): the libc
         * path, with its own rules for years that are not four digits. */
        struct tm tm;
        gmtime_r(&secs, &tm);
        /* strftime bounds each field, which snprintf's truncation analysis cannot see. */
        if (strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
            memcpy(out, "0000-00-00T00:00:00", 20);
    }
    out[19] = '.';
    put2(out + 20, (unsigned)(frac / 10000));
    put2(out + 22, (unsigned)(frac / 100 % 100));
    put2(out + 24, (unsigned)(frac % 100));
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

/* Appends the NUL-terminated text of field[0..cap), which the parsers
 * always terminate; the bound only keeps a broken struct from overrunning. */
static char *put_field(char *o, const char *field, size_t cap)
{
    size_t len = strnlen(field, cap - 1);
    memcpy(o, field, len);
    return o + len;
}

#define PUT_LITERAL(o, lit) (memcpy((o), (lit), sizeof(lit) - 1), (o) + sizeof(lit) - 1)

/* Runs for every trade: direct copies instead of snprintf's format parsing
 * (about 3000 instructions a trade before, under 300 now). Every field is
 * bounded by its array, so the message fits TRADE_JSON_MAX (see the check
 * below); the fields were validated on the way in, so nothing is escaped. */
size_t trade_to_json(const struct trade *t, char *out)
{
    _Static_assert(sizeof "{'exchange':'','pair':'','price':'','volume':'','side':'',"
                          "'trade_id':'','traded_at':'','received_at':''}" - 1 +
                       TRADE_EXCHANGE_MAX + TRADE_PAIR_MAX + TRADE_DECIMAL_MAX +
                       TRADE_DECIMAL_MAX + 4 + TRADE_ID_MAX + TRADE_TIME_LEN + TRADE_TIME_LEN <
                       TRADE_JSON_MAX,
                   "TRADE_JSON_MAX too small for the largest message");
    char *o = out;
    o = PUT_LITERAL(o, "{\"exchange\":\"");
    o = put_field(o, t->exchange, sizeof t->exchange);
    o = PUT_LITERAL(o, "\",\"pair\":\"");
    o = put_field(o, t->pair, sizeof t->pair);
    o = PUT_LITERAL(o, "\",\"price\":\"");
    o = put_field(o, t->price, sizeof t->price);
    o = PUT_LITERAL(o, "\",\"volume\":\"");
    o = put_field(o, t->volume, sizeof t->volume);
    o = PUT_LITERAL(o, "\",\"side\":\"");
    o = put_field(o, t->side, 5); /* "buy" or "sell" */
    o = PUT_LITERAL(o, "\",\"trade_id\":\"");
    o = put_field(o, t->trade_id, sizeof t->trade_id);
    o = PUT_LITERAL(o, "\",\"traded_at\":\"");
    o = put_field(o, t->traded_at, sizeof t->traded_at);
    o = PUT_LITERAL(o, "\",\"received_at\":\"");
    o = put_field(o, t->received_at, sizeof t->received_at);
    o = PUT_LITERAL(o, "\"}");
    *o = '\0';
    return (size_t)(o - out);
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

void trade_id_format(uint64_t id, char out[TRADE_ID_MAX])
{
    char digits[TRADE_ID_MAX];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + id % 10);
        id /= 10;
    } while (id);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
}
