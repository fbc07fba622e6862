/* Shared by the web service's integration tests: start bin/web against a
 * Redis port, wait until it is healthy, and read websocket frames exactly.
 * Header-only because each test program is one file. */
#ifndef POETICOINS_WEB_UTIL_H
#define POETICOINS_WEB_UTIL_H

#include "../lib/ws_client.h"
#include "ingest_util.h"

struct web {
    pid_t pid;
    int port;
    char log[200];
};

/* WEB_ROOT is harness_dir()/www; extra_env entries override or add. */
static inline void web_start_on(struct web *w, int redis_port, const char *const extra_env[])
{
    static int count;
    static char env[12][300];
    int n = 0;
    char path[300];
    w->port = harness_free_port();
    snprintf(w->log, sizeof w->log, "%s/web-%d.log", harness_dir(), count++);
    snprintf(path, sizeof path, "%s/web", harness_bin());
    snprintf(env[n++], 300, "REDIS_URL=redis://127.0.0.1:%d", redis_port);
    snprintf(env[n++], 300, "WEB_PORT=%d", w->port);
    snprintf(env[n++], 300, "WEB_ADDR=127.0.0.1");
    snprintf(env[n++], 300, "WEB_ROOT=%s/www", harness_dir());
    snprintf(env[n++], 300, "HISTORY_LEN=50");
    for (size_t i = 0; extra_env && extra_env[i] && n < 11; i++)
        snprintf(env[n++], 300, "%s", extra_env[i]);
    const char *envp[13];
    for (int i = 0; i < n; i++)
        envp[i] = env[i];
    envp[n] = NULL;
    const char *argv[] = { path, NULL };
    w->pid = proc_start(w->log, argv, envp);
}

struct health {
    int port;
    int want;
};

static inline bool health_is(void *arg)
{
    struct health *h = arg;
    int status;
    free(http_get(h->port, "/healthz", &status));
    return status == h->want;
}

static inline void wait_healthy(const struct web *w)
{
    struct health h = { w->port, 200 };
    WAIT_FOR(health_is, &h, 20000, "the web service to be healthy");
}

/* Receives the next text frame and compares it exactly. */
static inline void expect_frame(struct ws_client *c, const char *want)
{
    char *got;
    size_t len;
    int code;
    int op = ws_recv(c, 5000, &got, &len, &code);
    if (op != 1)
        fail_msg("expected frame %s, got opcode %d", want, op);
    assert_string_equal(got, want);
    free(got);
}

/* Receives the next message and requires a close frame with this code. */
static inline void expect_close(struct ws_client *c, int want_code)
{
    char *got = NULL;
    size_t len;
    int code = 0;
    int op = ws_recv(c, 5000, &got, &len, &code);
    if (op != 8)
        fail_msg("expected a close (%d), got opcode %d: %s", want_code, op,
                 op == 1 && got ? got : "");
    assert_int_equal(code, want_code);
    free(got);
}

#endif
