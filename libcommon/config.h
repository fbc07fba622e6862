/* config: every setting comes from an environment variable described by one
 * row of a table (name, type, default, bounds, help), as Redis's config table.
 * From the table come validation, `--help` and the effective-config log line.
 *
 * config_load() exits the process with status 2 and a message naming the
 * variable when a value is bad, and with 0 after printing --help; a service
 * cannot start half-configured. Parsed values are written through each
 * row's `dest`, which the caller owns; strings point into the environment or
 * into static defaults and live as long as the process. */
#ifndef POETICOINS_CONFIG_H
#define POETICOINS_CONFIG_H

#include <stddef.h>

enum config_type {
    CONFIG_STRING,    /* dest: const char ** */
    CONFIG_INT,       /* dest: long long *, within [min, max] */
    CONFIG_WS_URL,    /* dest: struct ws_url * */
    CONFIG_HTTP_URL,  /* dest: struct ws_url * (https://, or http:// for simulators) */
    CONFIG_REDIS_URL, /* dest: struct redis_url * */
    CONFIG_PAIRS,     /* dest: struct pair_list *; comma-separated BASE-QUOTE */
    CONFIG_LOG_LEVEL, /* dest: int * (enum log_level) */
    CONFIG_FILE,      /* dest: const char **; empty or a readable file */
};

struct config_var {
    const char *name;
    enum config_type type;
    const char *def;
    long long min, max;
    const char *help;
    void *dest;
};

#define PAIRS_MAX 200

struct pair_list {
    size_t count;
    char names[PAIRS_MAX][24];
};

/* Parses one value as the row describes; NULL or a message. Pure apart from
 * CONFIG_FILE's access() check; exposed for tests and fuzzing. */
const char *config_parse_value(const struct config_var *var, const char *text);

/* Loads every row from the environment (or its default), handling --help. */
void config_load(const struct config_var *vars, size_t count, int argc, char **argv,
                 const char *program, const char *summary);

/* Comma-separated pair list text, for the status hash and log lines. */
void pair_list_join(const struct pair_list *pairs, char *out, size_t outlen);

#endif
