/* log: one line per event on stderr, with a level, a UTC timestamp and the
 * program's name.
 *
 * The macros check the level before formatting anything (as Redis's
 * serverLog does), so debug lines cost nothing when disabled. Bytes that come
 * from outside (exchange frames, Redis replies) go through log_escape() first,
 * and repeated complaints about them through a log_ratelimit. */
#ifndef POETICOINS_LOG_H
#define POETICOINS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOGL_DEBUG = 0, LOGL_INFO, LOGL_WARN, LOGL_ERROR };

extern enum log_level log_min_level;

void log_init(const char *program, enum log_level min_level);
void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...)                      \
    do {                                      \
        if ((lvl) >= log_min_level)           \
            log_write((lvl), __VA_ARGS__);    \
    } while (0)
#define log_debug(...) log_at(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOGL_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOGL_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOGL_ERROR, __VA_ARGS__)

/* Parses "debug", "info", "warn" or "error"; returns -1 for anything else. */
int log_level_parse(const char *name);

/* Writes a printable, quoted-safe copy of in[0..len) into out (always
 * NUL-terminated): control and non-ASCII bytes become \xNN, and input that
 * does not fit is cut and marked with "...". Returns out. */
char *log_escape(const void *in, size_t len, char *out, size_t outlen);

/* At most `burst` lines per `window_ms`; the first line allowed after a
 * suppressed stretch learns how many were dropped through *suppressed. */
struct log_ratelimit {
    unsigned burst;
    uint64_t window_ms;
    uint64_t window_start;
    unsigned used;
    unsigned dropped;
};
#define LOG_RATELIMIT_INIT(burst_, window_ms_) { (burst_), (window_ms_), 0, 0, 0 }

bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms, unsigned *suppressed);

#endif
