#include "url.h"

#include <stdio.h>
#include <string.h>

/* host[:port] from s[0..n); IPv6 literals in brackets. */
static const char *parse_hostport(const char *s, size_t n, char *host, int *port)
{
    const char *colon = NULL;
    size_t hlen;
    if (n == 0)
        return "URL has no host";
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return "URL has an unterminated [IPv6] host";
        hlen = (size_t)(close - s - 1);
        if (hlen == 0 || hlen >= URL_HOST_MAX)
            return "URL host has a bad length";
        memcpy(host, s + 1, hlen);
        host[hlen] = '\0';
        if (close + 1 < s + n) {
            if (close[1] != ':')
                return "URL has junk after the [IPv6] host";
            colon = close + 1;
        }
    } else {
        colon = memchr(s, ':', n);
        hlen = colon ? (size_t)(colon - s) : n;
        if (hlen == 0 || hlen >= URL_HOST_MAX)
            return "URL host has a bad length";
        for (size_t i = 0; i < hlen; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_'))
                return "URL host has characters a host name cannot have";
        }
        memcpy(host, s, hlen);
        host[hlen] = '\0';
    }
    if (colon) {
        const char *p = colon + 1, *end = s + n;
        long v = 0;
        if (p == end || end - p > 5)
            return "URL port must be 1 to 65535";
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return "URL port must be a number";
            v = v * 10 + (*p - '0');
        }
        if (v < 1 || v > 65535)
            return "URL port must be 1 to 65535";
        *port = (int)v;
    }
    return NULL;
}

static const char *parse_hostpath(const char *rest, struct ws_url u, struct ws_url *out);

const char *url_parse_ws(const char *text, struct ws_url *out)
{
    if (strncmp(text, "wss://", 6) == 0)
        return parse_hostpath(text + 6, (struct ws_url){ .tls = true, .port = 443 }, out);
    if (strncmp(text, "ws://", 5) == 0)
        return parse_hostpath(text + 5, (struct ws_url){ .port = 80 }, out);
    return "URL must start with wss:// (or ws:// for a local simulator)";
}

const char *url_parse_http(const char *text, struct ws_url *out)
{
    if (strncmp(text, "https://", 8) == 0)
        return parse_hostpath(text + 8, (struct ws_url){ .tls = true, .port = 443 }, out);
    if (strncmp(text, "http://", 7) == 0)
        return parse_hostpath(text + 7, (struct ws_url){ .port = 80 }, out);
    return "URL must start with https:// (or http:// for a local simulator)";
}

static const char *parse_hostpath(const char *rest, struct ws_url u, struct ws_url *out)
{
    const char *slash = strchr(rest, '/');
    size_t hp = slash ? (size_t)(slash - rest) : strlen(rest);
    if (memchr(rest, '@', hp))
        return "URL must not carry credentials";
    const char *err = parse_hostport(rest, hp, u.host, &u.port);
    if (err)
        return err;
    const char *path = slash ? slash : "/";
    if (strlen(path) >= URL_PATH_MAX)
        return "URL path too long";
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return "URL path has spaces or control characters";
    strcpy(u.path, path);
    *out = u;
    return NULL;
}

const char *url_parse_redis(const char *text, struct redis_url *out)
{
    struct redis_url u = { .port = 6379 };
    if (strncmp(text, "redis://", 8) != 0)
        return "URL must start with redis://";
    const char *rest = text + 8;
    const char *at = strrchr(rest, '@');
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (colon == NULL)
            return "URL credentials must be :password@ or user:password@";
        size_t plen = (size_t)(at - colon - 1);
        if (plen == 0 || plen >= URL_SECRET_MAX)
            return "URL password has a bad length";
        memcpy(u.password, colon + 1, plen);
        u.password[plen] = '\0';
        rest = at + 1;
    }
    const char *slash = strchr(rest, '/');
    size_t hp = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *err = parse_hostport(rest, hp, u.host, &u.port);
    if (err)
        return err;
    if (slash && slash[1]) {
        long db = 0;
        const char *p = slash + 1;
        if (strlen(p) > 5)
            return "URL database must be a number from 0 to 65535";
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return "URL database must be a number from 0 to 65535";
            db = db * 10 + (*p - '0');
        }
        if (db > 65535)
            return "URL database must be a number from 0 to 65535";
        u.db = (int)db;
    }
    *out = u;
    return NULL;
}

void url_redis_redacted(const struct redis_url *u, char *out, unsigned outlen)
{
    snprintf(out, outlen, "redis://%s%s%s%s:%d/%d", u->password[0] ? ":***@" : "",
             strchr(u->host, ':') ? "[" : "", u->host, strchr(u->host, ':') ? "]" : "",
             u->port, u->db);
}
