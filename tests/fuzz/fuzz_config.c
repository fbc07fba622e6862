/* Fuzz target: configuration values from the environment
 * (libcommon/config.c config_parse_value, libcommon/url.c).
 *
 * Input: first byte picks the variable's type, the rest is its text (cut at
 * the first NUL, as an environment value is). */
#include "fuzz.h"

#include "config.h"
#include "log.h"
#include "url.h"

static void check_ws_url(const char *text, const struct ws_url *u)
{
    FUZZ_CHECK(u->host[0] != '\0', "empty host from %s", text);
    FUZZ_CHECK(u->port >= 1 && u->port <= 65535, "port %d", u->port);
    FUZZ_CHECK(u->path[0] == '/', "path %s", u->path);
    FUZZ_CHECK(fuzz_printable(u->path, sizeof u->path) && !strchr(u->path, ' '), "path %s",
               u->path);
    FUZZ_CHECK(u->tls == (strncmp(text, "wss://", 6) == 0), "tls %d for %s", u->tls, text);
}

static void check_redis_url(const struct redis_url *u)
{
    FUZZ_CHECK(u->host[0] != '\0', "empty host");
    FUZZ_CHECK(u->port >= 1 && u->port <= 65535, "port %d", u->port);
    FUZZ_CHECK(u->db >= 0 && u->db <= 65535, "db %d", u->db);
    char shown[320];
    url_redis_redacted(u, shown, sizeof shown);
    FUZZ_CHECK(strncmp(shown, "redis://", 8) == 0, "redacted %s", shown);
    if (u->password[0] == '\0')
        return;
    FUZZ_CHECK(strstr(shown, ":***@") != NULL, "password not marked in %s", shown);
    /* The password never shows, unless it is made only of what the redacted
     * form shows anyway (the host, digits and punctuation). */
    if (strstr(u->host, u->password) == NULL &&
        strspn(u->password, "redis:/*@[]0123456789") != strlen(u->password))
        FUZZ_CHECK(strstr(shown, u->password) == NULL, "password in %s", shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fuzz_cstring(data + 1, size - 1);
    long long num = 0;
    int level = -1;
    struct ws_url ws;
    struct redis_url redis;
    static struct pair_list pairs;
    struct config_var var = { "FUZZ", CONFIG_STRING, "", 0, 0, "", NULL };
    const char *err;
    switch (data[0] % 5) {
    case 0:
        var.type = CONFIG_INT;
        var.min = data[0] & 0x80 ? -5 : 1024;
        var.max = data[0] & 0x40 ? 1048576 : 9223372036854775807LL;
        var.dest = &num;
        if (config_parse_value(&var, text) == NULL) {
            FUZZ_CHECK(num >= var.min && num <= var.max, "%lld out of range", num);
            FUZZ_CHECK(strtoll(text, NULL, 10) == num, "%s read as %lld", text, num);
        }
        break;
    case 1:
        var.type = CONFIG_WS_URL;
        var.dest = &ws;
        if (config_parse_value(&var, text) == NULL)
            check_ws_url(text, &ws);
        break;
    case 2:
        var.type = CONFIG_REDIS_URL;
        var.dest = &redis;
        if (config_parse_value(&var, text) == NULL)
            check_redis_url(&redis);
        break;
    case 3:
        var.type = CONFIG_PAIRS;
        var.dest = &pairs;
        memset(&pairs, 0, sizeof pairs);
        err = config_parse_value(&var, text);
        if (err == NULL) {
            FUZZ_CHECK(pairs.count >= 1 && pairs.count <= PAIRS_MAX, "%zu pairs", pairs.count);
            for (size_t i = 0; i < pairs.count; i++) {
                FUZZ_CHECK(pair_validate(pairs.names[i]) == NULL, "pair %s", pairs.names[i]);
                for (size_t j = 0; j < i; j++)
                    FUZZ_CHECK(strcmp(pairs.names[i], pairs.names[j]) != 0, "twice: %s",
                               pairs.names[i]);
            }
            char joined[PAIRS_MAX * 25];
            pair_list_join(&pairs, joined, sizeof joined);
            FUZZ_CHECK(strcmp(joined, text) == 0, "%s joined back as %s", text, joined);
        }
        break;
    default:
        var.type = CONFIG_LOG_LEVEL;
        var.dest = &level;
        if (config_parse_value(&var, text) == NULL)
            FUZZ_CHECK(level >= LOGL_DEBUG && level <= LOGL_ERROR, "level %d", level);
        break;
    }
    free(text);
    return 0;
}
