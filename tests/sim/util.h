/*
 * util: a growable byte buffer used to build outgoing frames and HTTP
 * answers, a reader for line-per-frame files (--replay, /control/inject)
 * and wall-clock helpers. The simulator keeps its own time and number
 * formatting rather than libcommon's, so that a bug there cannot hide
 * behind the same bug here.
 *
 * Ownership: a struct buf owns its bytes; buf_free releases them, buf_steal
 * hands them to the caller (caller frees). Only lines_read does I/O.
 */
#ifndef SIM_UTIL_H
#define SIM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "xalloc.h"	/* libcommon: allocation that dies on OOM */

struct buf {
	char *data;		/* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

void buf_append(struct buf *b, const char *bytes, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included, escaped). */
void buf_json_string(struct buf *b, const char *s);
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

/* One line of a file, without its '\n'; data is NUL-terminated. */
struct line {
	char *data;
	size_t len;
};

/*
 * Reads every line of a file (a last line without '\n' counts). Returns
 * the lines (caller frees with lines_free) and sets *count, or NULL with
 * errno set if the file cannot be read.
 */
struct line *lines_read(const char *path, size_t *count);
void lines_free(struct line *lines, size_t count);

/* Current wall-clock time in unix microseconds. */
int64_t util_now_us(void);
/* Writes "2021-04-17T16:43:37.121358Z" (UTC, 6 fractional digits). */
void util_format_time(char *out, size_t size, int64_t time_us);

#endif
