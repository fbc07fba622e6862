#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 64

static char dir[128];
static pid_t procs[MAX_PROCS];
static int nprocs;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int harness_time_scale(void)
{
    const char *v = getenv("VALGRIND");
    return v && *v && strcmp(v, "0") != 0 ? 10 : 1;
}

bool wait_for(harness_cond cond, void *arg, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms * (uint64_t)harness_time_scale();
    for (;;) {
        if (cond(arg))
            return true;
        if (now_ms() >= deadline)
            return false;
        /* Polling interval, not synchronisation: the condition decides. */
        poll(NULL, 0, 10);
    }
}

const char *harness_dir(void)
{
    return dir;
}

const char *harness_bin(void)
{
    const char *b = getenv("BIN");
    return b && *b ? b : "bin";
}

const char *harness_fixtures(void)
{
    const char *f = getenv("FIXTURES");
    return f && *f ? f : "tests/fixtures";
}

void harness_init(const char *name)
{
    snprintf(dir, sizeof dir, "/tmp/poeticoins-%s-XXXXXX", name);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    signal(SIGPIPE, SIG_IGN);
}

void harness_cleanup(void)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i] > 0 && kill(procs[i], 0) == 0) {
            kill(procs[i], SIGKILL);
            waitpid(procs[i], NULL, 0);
        }
    nprocs = 0;
    /* Logs are kept when KEEP_TEST_DIR is set, for a failing run's post-mortem. */
    if (getenv("KEEP_TEST_DIR") == NULL && dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", dir);
    } else if (dir[0]) {
        fprintf(stderr, "test files kept in %s\n", dir);
    }
}

int harness_mark(void)
{
    return nprocs;
}

void harness_kill_since(int mark)
{
    for (int i = mark; i < nprocs; i++)
        if (procs[i] > 0) {
            kill(procs[i], SIGCONT);
            proc_stop(procs[i], SIGKILL, 5000);
        }
    nprocs = mark;
}

int harness_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("free port");
        exit(1);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* In the child: argv[0] under valgrind (see harness.h). Returns on failure. */
static void exec_valgrind(const char *const argv[])
{
    static char log_opt[400], supp_opt[300];
    const char *logs = getenv("VALGRIND_LOGS");
    const char *name = strrchr(argv[0], '/');
    snprintf(log_opt, sizeof log_opt, "--log-file=%s/%s-%%p.log", logs && *logs ? logs : ".",
             name ? name + 1 : argv[0]);
    snprintf(supp_opt, sizeof supp_opt, "--suppressions=%s/tests/valgrind.supp",
             getenv("PROJECT_ROOT") ? getenv("PROJECT_ROOT") : ".");
    const char *vargv[64] = { "/usr/bin/valgrind", "--error-exitcode=99", "--leak-check=full",
                              "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
                              "--track-origins=yes", "--num-callers=30", log_opt, supp_opt };
    size_t n = 9;
    for (size_t i = 0; argv[i] && n < 63; i++)
        vargv[n++] = argv[i];
    vargv[n] = NULL;
    execv(vargv[0], (char *const *)vargv);
}

pid_t proc_start(const char *log_path, const char *const argv[], const char *const env[])
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        signal(SIGPIPE, SIG_DFL);
        /* The services, not the simulator: it is test equipment. */
        if (harness_time_scale() > 1 && strncmp(argv[0], harness_bin(), strlen(harness_bin())) == 0 &&
            strstr(argv[0], "exchange-sim") == NULL)
            exec_valgrind(argv);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (nprocs < MAX_PROCS)
        procs[nprocs++] = pid;
    return pid;
}

int proc_stop(pid_t pid, int sig, int timeout_ms)
{
    int status;
    kill(pid, sig);
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms * (uint64_t)harness_time_scale();
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return -1;
        }
        poll(NULL, 0, 10);
    }
    for (int i = 0; i < nprocs; i++)
        if (procs[i] == pid)
            procs[i] = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

bool proc_alive(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) == 0;
}

char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool file_contains(const char *path, const char *needle)
{
    char *text = file_read(path, NULL);
    bool found = text && strstr(text, needle);
    free(text);
    return found;
}

static bool redis_pings(void *arg)
{
    struct redis_server *r = arg;
    struct timeval tv = { 0, 200000 };
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
    bool ok = false;
    if (c && !c->err) {
        if (r->password)
            freeReplyObject(redisCommand(c, "AUTH %s", r->password));
        redisReply *reply = redisCommand(c, "PING");
        ok = reply && reply->type == REDIS_REPLY_STATUS;
        freeReplyObject(reply);
    }
    redisFree(c);
    return ok;
}

void redis_start(struct redis_server *r, int port, bool aof)
{
    r->port = port ? port : harness_free_port();
    r->aof = aof;
    snprintf(r->dir, sizeof r->dir, "%s/redis-%d", dir, r->port);
    mkdir(r->dir, 0755);
    char portbuf[16], logpath[400];
    snprintf(portbuf, sizeof portbuf, "%d", r->port);
    snprintf(logpath, sizeof logpath, "%s/redis.log", r->dir);
    const char *argv[] = { "/usr/bin/redis-server", "--port", portbuf, "--bind", "127.0.0.1",
                           "--dir", r->dir, "--save", "", "--appendonly", aof ? "yes" : "no",
                           "--appendfsync", "always", NULL, NULL, NULL };
    if (r->password) {
        argv[13] = "--requirepass";
        argv[14] = r->password;
    }
    r->pid = proc_start(logpath, argv, NULL);
    WAIT_FOR(redis_pings, r, 10000, "redis-server to answer PING");
}

void redis_kill(struct redis_server *r, int sig)
{
    proc_stop(r->pid, sig, 10000);
    r->pid = 0;
}

redisContext *redis_connect_port(int port)
{
    struct timeval tv = { 2, 0 };
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (c == NULL || c->err)
        fail_msg("cannot connect to redis on %d", port);
    redisSetTimeout(c, tv);
    return c;
}

redisContext *redis_connect_auth(int port, const char *password)
{
    redisContext *c = redis_connect_port(port);
    freeReplyObject(redis_must(c, "AUTH %s", password));
    return c;
}

redisReply *redis_must(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
        fail_msg("redis command '%s' failed: %s", fmt, reply ? reply->str : c->errstr);
    return reply;
}

long long redis_llen(redisContext *c, const char *key)
{
    redisReply *reply = redis_must(c, "LLEN %s", key);
    long long n = reply->integer;
    freeReplyObject(reply);
    return n;
}

static void run(const char *cmd)
{
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

void certs_make(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout ca.key -out ca.pem -days 2 -subj /CN=poeticoins-test-ca 2>/dev/null && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=unrelated-ca "
             "2>/dev/null && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null && "
             "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
             "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out server.pem -days 2 -extfile san.ext 2>/dev/null",
             dir);
    run(cmd);
}

/* Reads "ready port=N" from the simulator's log. */
static bool sim_ready(void *arg)
{
    struct sim *s = arg;
    char *text = file_read(s->log, NULL);
    const char *at = text ? strstr(text, "ready port=") : NULL;
    if (at)
        s->port = atoi(at + 11);
    free(text);
    return s->port > 0;
}

void sim_start(struct sim *s, const char *exchange, bool tls, const char *const extra[])
{
    static int count;
    char path[300], cert[200], key[200];
    snprintf(s->log, sizeof s->log, "%s/sim-%d.log", dir, count);
    snprintf(s->trade_log, sizeof s->trade_log, "%s/sim-%d-trades.jsonl", dir, count);
    count++;
    snprintf(path, sizeof path, "%s/exchange-sim", harness_bin());
    snprintf(cert, sizeof cert, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    const char *argv[32] = { path, "--exchange", exchange, "--log", s->trade_log };
    int n = 5;
    if (tls) {
        argv[n++] = "--tls-cert";
        argv[n++] = cert;
        argv[n++] = "--tls-key";
        argv[n++] = key;
    }
    for (size_t i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->tls = tls;
    s->port = 0;
    s->pid = proc_start(s->log, argv, NULL);
    WAIT_FOR(sim_ready, s, 10000, "the simulator's ready line");
}

char *sim_control(const struct sim *s, const char *path)
{
    char cmd[1024];
    /* curl verifies the simulator's certificate against the test CA too. */
    if (s->tls)
        snprintf(cmd, sizeof cmd,
                 "curl -sS --max-time 5 --cacert '%s/ca.pem' 'https://127.0.0.1:%d/control/%s'",
                 dir, s->port, path);
    else
        snprintf(cmd, sizeof cmd, "curl -sS --max-time 5 'http://127.0.0.1:%d/control/%s'",
                 s->port, path);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0)
        n += got;
    buf[n] = '\0';
    if (pclose(p) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

long long sim_stat(const struct sim *s, const char *name)
{
    char *body = sim_control(s, "stats");
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = body ? strstr(body, key) : NULL;
    long long v = at ? atoll(at + strlen(key)) : -1;
    free(body);
    return v;
}

char *http_get(int port, const char *path, int *status)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    return http_request(port, req, (size_t)n, status);
}

char *http_request(int port, const char *req, size_t reqlen, int *status)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    *status = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return NULL;
    }
    struct timeval tv = { 5 * harness_time_scale(), 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    /* The server may answer and close before reading everything (a request
     * over its limits): a short write is fine, the answer is what counts. */
    for (size_t off = 0; off < reqlen;) {
        ssize_t w = write(fd, req + off, reqlen - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", status) != 1) {
        free(buf);
        return NULL;
    }
    char *body = strstr(buf, "\r\n\r\n");
    char *out = strdup(body ? body + 4 : "");
    free(buf);
    return out;
}

long long metric_value(int port, const char *prefix)
{
    int status;
    char *body = http_get(port, "/metrics", &status);
    long long v = -1;
    if (body && status == 200) {
        for (char *line = strtok(body, "\n"); line; line = strtok(NULL, "\n"))
            if (strncmp(line, prefix, strlen(prefix)) == 0 && line[strlen(prefix)] == ' ') {
                v = atoll(line + strlen(prefix) + 1);
                break;
            }
    }
    free(body);
    return v;
}
