/* harness: what integration tests need to run the real system on loopback.
 *
 * A private temporary folder per test program, a real redis-server on a free
 * port, child processes with their output in log files, the exchange
 * simulator, test certificates made with openssl at run time, and polling
 * with a deadline (never a fixed sleep). Every process a test starts is
 * recorded and killed by harness_cleanup(), also when an assertion fails. */
#ifndef POETICOINS_HARNESS_H
#define POETICOINS_HARNESS_H

#include <hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Every deadline is multiplied by this: 1, or 10 when VALGRIND is set
 * (tests/valgrind.sh), where the services run under valgrind and are slower. */
int harness_time_scale(void);

/* Polling: true when cond became true before the deadline. */
typedef bool (*harness_cond)(void *arg);
bool wait_for(harness_cond cond, void *arg, int timeout_ms);
/* Fails the current cmocka test with `what` when the deadline passes. */
#define WAIT_FOR(cond, arg, ms, what)                                      \
    do {                                                                   \
        if (!wait_for((cond), (arg), (ms)))                                \
            fail_msg("timed out after %d ms waiting for %s", (ms), (what)); \
    } while (0)

const char *harness_dir(void);      /* the test's temporary folder */
const char *harness_bin(void);      /* $BIN or "bin" */
const char *harness_fixtures(void); /* $FIXTURES or "tests/fixtures" */
void harness_init(const char *name);
void harness_cleanup(void);
/* Per-test cleanup: harness_mark() before a test, harness_kill_since(mark)
 * after it kills every process the test started, even if it failed. */
int harness_mark(void);
void harness_kill_since(int mark);
int harness_free_port(void);

/* Processes. env entries ("NAME=value") are added to the current
 * environment; output (stdout and stderr) goes to log_path. With VALGRIND set,
 * the services (programs under $BIN but the simulator) run under valgrind, which writes
 * its report to $VALGRIND_LOGS/<program>-<pid>.log and makes the program
 * exit with 99 when it found errors or definite leaks. */
pid_t proc_start(const char *log_path, const char *const argv[], const char *const env[]);
/* Sends sig and waits up to timeout_ms; returns the exit status, 128+signal
 * when killed by one, or -1 when it did not exit in time (then SIGKILLs it). */
int proc_stop(pid_t pid, int sig, int timeout_ms);
bool proc_alive(pid_t pid);
bool file_contains(const char *path, const char *needle);
/* Whole file, NUL-terminated, caller frees; NULL if unreadable. */
char *file_read(const char *path, size_t *len);

/* redis-server on loopback; data and log in harness_dir()/redis-<port>. */
struct redis_server {
    pid_t pid;
    int port;
    char dir[200];
    bool aof;
    const char *password; /* set before redis_start for --requirepass */
};
void redis_start(struct redis_server *r, int port, bool aof);
void redis_kill(struct redis_server *r, int sig);
redisContext *redis_connect_port(int port);
/* The same, then AUTH with password (which must succeed). */
redisContext *redis_connect_auth(int port, const char *password);
/* Command that must succeed; the reply is freed by the caller. */
redisReply *redis_must(redisContext *c, const char *fmt, ...);
long long redis_llen(redisContext *c, const char *key);

/* Certificates in harness_dir(): ca.pem (CA), server.pem/server.key for
 * 127.0.0.1 and localhost signed by it, other-ca.pem (an unrelated CA). */
void certs_make(void);

/* The exchange simulator. */
struct sim {
    pid_t pid;
    int port;
    bool tls;
    char log[200];       /* its stdout/stderr */
    char trade_log[200]; /* --log: every trade frame it generated */
};
void sim_start(struct sim *s, const char *exchange, bool tls, const char *const extra[]);
/* GET /control/<path>; returns the body (caller frees) or NULL. */
char *sim_control(const struct sim *s, const char *path);
/* A number from /control/stats ("connections", "subscribed", ...). */
long long sim_stat(const struct sim *s, const char *name);

/* GET http://127.0.0.1:port/path; returns the body, sets *status. */
char *http_get(int port, const char *path, int *status);
/* Sends the raw request bytes and reads the answer until the server closes;
 * returns the body (caller frees) or NULL, sets *status (0 when none). */
char *http_request(int port, const char *req, size_t reqlen, int *status);
/* The value of an exposition line starting with `prefix` in /metrics, or -1. */
long long metric_value(int port, const char *prefix);

#endif
