/* url: pure parsers for the two kinds of URL the services take from the
 * environment. No I/O; outputs are plain fixed-size fields owned by the
 * caller's struct. Same error convention as trade.h. */
#ifndef POETICOINS_URL_H
#define POETICOINS_URL_H

#include <stdbool.h>

#define URL_HOST_MAX 256
#define URL_PATH_MAX 512
#define URL_SECRET_MAX 256

/* ws://host[:port][/path] or wss://host[:port][/path]; IPv6 as [::1]. */
struct ws_url {
    bool tls;
    char host[URL_HOST_MAX];
    int port;                 /* 80 / 443 when absent */
    char path[URL_PATH_MAX];  /* "/" when absent */
};

/* redis://[[user]:password@]host[:port][/db] */
struct redis_url {
    char host[URL_HOST_MAX];
    int port;                     /* 6379 when absent */
    int db;                       /* 0 when absent */
    char password[URL_SECRET_MAX]; /* "" when absent; never logged */
};

const char *url_parse_ws(const char *text, struct ws_url *out);
/* https://host[:port][/path] or http://... (for a local simulator), into the
 * same struct (tls set for https). */
const char *url_parse_http(const char *text, struct ws_url *out);
const char *url_parse_redis(const char *text, struct redis_url *out);

/* The URL with any password replaced by "***", for log lines. */
void url_redis_redacted(const struct redis_url *u, char *out, unsigned outlen);

#endif
