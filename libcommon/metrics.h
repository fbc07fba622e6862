/* metrics: a process-wide registry of Prometheus counters and gauges.
 *
 * Metrics are static structs that a module registers once (metric_register)
 * and then bumps with plain additions: the process has one thread, so no
 * atomics. metrics_render() writes the text exposition format, with the
 * process's constant labels (e.g. exchange="coinbase") on every sample.
 * The registry keeps pointers: registered metrics must outlive it (static). */
#ifndef POETICOINS_METRICS_H
#define POETICOINS_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

struct metric {
    const char *name;    /* poeticoins_... */
    const char *help;
    enum metric_type type;
    const char *labels;  /* extra labels for this sample, e.g. reason="json"; or NULL */
    int64_t value;
    struct metric *next;
};

#define METRIC_COUNTER_INIT(name_, help_, labels_) { name_, help_, METRIC_COUNTER, labels_, 0, NULL }
#define METRIC_GAUGE_INIT(name_, help_) { name_, help_, METRIC_GAUGE, NULL, 0, NULL }

void metric_register(struct metric *m);
/* The counter `name` with these labels, created and registered on first use
 * (for label sets that are only known at run time, such as a route and a
 * status). The caller bounds how many label sets exist. Never freed. */
struct metric *metric_counter(const char *name, const char *help, const char *labels);
/* Sets labels added to every sample ("exchange=\"coinbase\""); copied. */
void metrics_set_const_labels(const char *labels);
/* Appends the exposition text to *buf (grown with xrealloc); caller frees. */
size_t metrics_render(char **buf);

#endif
