#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_append(struct buf *b, const char *bytes, size_t len)
{
	reserve(b, len);
	memcpy(b->data + b->len, bytes, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_json_string(struct buf *b, const char *s)
{
	const unsigned char *p;

	buf_append(b, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_append(b, (const char *)p, 1);
	}
	buf_append(b, "\"", 1);
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char *data = b->data;

	if (!data)
		data = xstrdup("");
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return data;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct line *
lines_read(const char *path, size_t *count)
{
	FILE *f = fopen(path, "r");
	struct line *lines = NULL;
	size_t used = 0, cap = 0, n = 0;
	char *text = NULL;
	ssize_t got;

	if (!f)
		return NULL;
	while ((got = getline(&text, &n, f)) >= 0) {
		size_t len = (size_t)got;

		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
		if (used == cap) {
			cap = cap ? cap * 2 : 64;
			lines = xrealloc(lines, cap * sizeof(*lines));
		}
		lines[used].data = xmalloc(len + 1);
		memcpy(lines[used].data, text, len + 1);
		lines[used].len = len;
		used++;
	}
	free(text);
	if (ferror(f)) {
		int saved = errno;

		fclose(f);
		lines_free(lines, used);
		errno = saved;
		return NULL;
	}
	fclose(f);
	*count = used;
	if (!lines)
		lines = xmalloc(sizeof(*lines));
	return lines;
}

void
lines_free(struct line *lines, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(lines[i].data);
	free(lines);
}

int64_t
util_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
util_format_time(char *out, size_t size, int64_t time_us)
{
	time_t secs = (time_t)(time_us / 1000000);
	struct tm tm;
	char date[32];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%06dZ", date, (int)(time_us % 1000000));
}
