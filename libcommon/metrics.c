#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static struct metric *metrics_head, *metrics_tail;
static char const_labels[128];

void metric_register(struct metric *m)
{
    /* Kept in registration order so that samples of one name stay together. */
    m->next = NULL;
    if (metrics_tail)
        metrics_tail->next = m;
    else
        metrics_head = m;
    metrics_tail = m;
}

struct metric *metric_counter(const char *name, const char *help, const char *labels)
{
    for (struct metric *m = metrics_head; m; m = m->next)
        if (strcmp(m->name, name) == 0 && m->labels && strcmp(m->labels, labels) == 0)
            return m;
    struct metric *m = xcalloc(1, sizeof *m);
    m->name = name;
    m->help = help;
    m->type = METRIC_COUNTER;
    m->labels = xstrdup(labels);
    metric_register(m);
    return m;
}

void metrics_set_const_labels(const char *labels)
{
    snprintf(const_labels, sizeof const_labels, "%s", labels);
}

struct out {
    char *buf;
    size_t len, cap;
};

static void append(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        o->cap = o->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
        o->buf = xrealloc(o->buf, o->cap);
    }
}

size_t metrics_render(char **buf)
{
    struct out o = { xmalloc(4096), 0, 4096 };
    o.buf[0] = '\0';
    /* All samples of one name go under one HELP/TYPE header, wherever their
     * modules registered them (Prometheus rejects a repeated header). */
    for (struct metric *m = metrics_head; m; m = m->next) {
        bool seen = false;
        for (struct metric *e = metrics_head; e != m && !seen; e = e->next)
            seen = strcmp(e->name, m->name) == 0;
        if (seen)
            continue;
        append(&o, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
               m->type == METRIC_COUNTER ? "counter" : "gauge");
        for (struct metric *s = m; s; s = s->next) {
            if (strcmp(s->name, m->name) != 0)
                continue;
            const char *sep = const_labels[0] && s->labels ? "," : "";
            if (const_labels[0] || s->labels)
                append(&o, "%s{%s%s%s} %lld\n", s->name, const_labels, sep,
                       s->labels ? s->labels : "", (long long)s->value);
            else
                append(&o, "%s %lld\n", s->name, (long long)s->value);
        }
    }
    *buf = o.buf;
    return o.len;
}
