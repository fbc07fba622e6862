/* xalloc: allocation that never returns NULL.
 *
 * Every module allocates through these wrappers; on out-of-memory they log
 * and abort, as Redis's zmalloc and tmux's xmalloc do. Installed into cJSON
 * by xalloc_init(), so a NULL from cJSON always means bad input, never OOM.
 * Memory from these functions is released with plain free(). */
#ifndef POETICOINS_XALLOC_H
#define POETICOINS_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Installs the wrappers into cJSON. Call once at start of main. */
void xalloc_init(void);

#endif
