#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "trade.h"
#include "url.h"

static const char *parse_int(const struct config_var *var, const char *text)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno == ERANGE)
        return "must be a whole number";
    if (v < var->min || v > var->max)
        return "is out of range";
    *(long long *)var->dest = v;
    return NULL;
}

static const char *parse_pairs(const struct config_var *var, const char *text)
{
    struct pair_list list = { 0 };
    const char *p = text;
    if (*p == '\0')
        return "must name at least one pair";
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char name[24];
        if (n == 0 || n >= sizeof name)
            return "has an empty or over-long pair";
        memcpy(name, p, n);
        name[n] = '\0';
        const char *err = pair_validate(name);
        if (err)
            return err;
        for (size_t i = 0; i < list.count; i++)
            if (strcmp(list.names[i], name) == 0)
                return "names a pair twice";
        if (list.count == PAIRS_MAX)
            return "names more than 200 pairs";
        strcpy(list.names[list.count++], name);
        p += n;
        if (*p == ',' && *++p == '\0')
            return "ends with a comma";
    }
    *(struct pair_list *)var->dest = list;
    return NULL;
}

const char *config_parse_value(const struct config_var *var, const char *text)
{
    switch (var->type) {
    case CONFIG_STRING:
        *(const char **)var->dest = text;
        return NULL;
    case CONFIG_INT:
        return parse_int(var, text);
    case CONFIG_WS_URL:
        return url_parse_ws(text, var->dest);
    case CONFIG_HTTP_URL:
        return url_parse_http(text, var->dest);
    case CONFIG_REDIS_URL:
        return url_parse_redis(text, var->dest);
    case CONFIG_PAIRS:
        return parse_pairs(var, text);
    case CONFIG_LOG_LEVEL: {
        int level = log_level_parse(text);
        if (level < 0)
            return "must be debug, info, warn or error";
        *(int *)var->dest = level;
        return NULL;
    }
    case CONFIG_FILE:
        if (text[0] != '\0' && access(text, R_OK) != 0)
            return "is not a readable file";
        *(const char **)var->dest = text[0] ? text : NULL;
        return NULL;
    }
    return "has an unknown type";
}

static void print_help(const struct config_var *vars, size_t count, const char *program,
                       const char *summary)
{
    printf("usage: %s [--help]\n\n%s\n\nConfiguration (environment variables):\n", program,
           summary);
    for (size_t i = 0; i < count; i++) {
        printf("  %-22s %s\n", vars[i].name, vars[i].help);
        if (vars[i].type == CONFIG_INT)
            printf("  %-22s default %s, from %lld to %lld\n", "", vars[i].def, vars[i].min,
                   vars[i].max);
        else
            printf("  %-22s default \"%s\"\n", "", vars[i].def);
    }
}

void config_load(const struct config_var *vars, size_t count, int argc, char **argv,
                 const char *program, const char *summary)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(vars, count, program, summary);
            exit(0);
        }
        fprintf(stderr, "%s: unknown argument '%s'; configuration is by environment "
                        "variables (see --help)\n", program, argv[i]);
        exit(2);
    }
    for (size_t i = 0; i < count; i++) {
        const char *text = getenv(vars[i].name);
        const char *source = "environment";
        if (text == NULL) {
            text = vars[i].def;
            source = "default";
        }
        const char *err = config_parse_value(&vars[i], text);
        if (err) {
            char shown[128];
            /* Never echo a URL that may hold a password. */
            if (vars[i].type == CONFIG_REDIS_URL)
                snprintf(shown, sizeof shown, "(hidden)");
            else
                log_escape(text, strlen(text), shown, sizeof shown);
            fprintf(stderr, "%s: config: %s='%s' (%s) %s\n", program, vars[i].name, shown,
                    source, err);
            exit(2);
        }
    }
}

void pair_list_join(const struct pair_list *pairs, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < pairs->count; i++) {
        int n = snprintf(out + o, outlen - o, "%s%s", i ? "," : "", pairs->names[i]);
        if (n < 0 || (size_t)n >= outlen - o)
            break;
        o += (size_t)n;
    }
}
