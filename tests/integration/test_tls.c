/* TLS verification of the exchange connection: a certificate for another
 * host name, for another IP address, and an expired one are each refused,
 * the log names the reason (libwebsockets' own error lines are routed into
 * the service log), nothing is subscribed or published, and the service
 * keeps retrying. A wrong CA is tested in test_coinbase.c. The simulator
 * serves certificates made by openssl for this run, all signed by the
 * test CA that the service trusts, so each case fails for its one reason. */
#include "ingest_util.h"

#include <signal.h>

static struct redis_server redis;
static redisContext *rc;
static int mark;

static void run(const char *cmd)
{
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* name.pem / name.key in harness_dir(), signed by ca.pem, with this
 * subjectAltName and validity (openssl x509 -days; -1 is already expired). */
static void cert_make(const char *name, const char *san, int days)
{
    char cmd[1500];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s.key -out %s.csr -subj /CN=poeticoins-test 2>/dev/null && "
             "printf 'subjectAltName=%s\\n' > %s.ext && "
             "openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out %s.pem -days %d -extfile %s.ext 2>/dev/null",
             harness_dir(), name, name, san, name, name, name, days, name);
    run(cmd);
}

static int setup(void **state)
{
    harness_init("tls");
    certs_make();
    cert_make("other-host", "DNS:example.com", 2);
    cert_make("other-ip", "IP:127.0.0.2", 2);
    cert_make("expired", "IP:127.0.0.1,DNS:localhost", -1);
    /* The certificates are what the test says they are. */
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && openssl verify -CAfile ca.pem other-host.pem other-ip.pem >/dev/null && "
             "! openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1 && "
             "openssl x509 -in expired.pem -noout -checkend 0 | grep -q 'will expire'",
             harness_dir());
    run(cmd);
    redis_start(&redis, 0, false);
    rc = redis_connect_port(redis.port);
    return 0;
}

static int teardown(void **state)
{
    redisFree(rc);
    harness_cleanup();
    return 0;
}

static int before(void **state)
{
    freeReplyObject(redis_must(rc, "FLUSHALL"));
    mark = harness_mark();
    return 0;
}

static int after(void **state)
{
    harness_kill_since(mark);
    return 0;
}

/* The simulator's subscribe count. Its certificate is the bad one under
 * test, so this one request skips verification (loopback, test only). */
static long long sim_subscribes(const struct sim *s)
{
    char cmd[300], out[4096];
    snprintf(cmd, sizeof cmd,
             "curl -sSk --max-time 5 https://127.0.0.1:%d/control/stats", s->port);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    if (p == NULL || pclose(p) != 0)
        fail_msg("%s failed", cmd);
    out[n] = '\0';
    const char *at = strstr(out, "\"subscribes\":");
    if (at == NULL)
        fail_msg("no subscribes in %s", out);
    return atoll(at + 13);
}

/* Starts the simulator with cert `name`, the Coinbase service against it
 * (url_host: the host name it connects to), and requires a refusal whose
 * log line contains `reason`. */
static void expect_refused(const char *name, const char *url_host, const char *reason)
{
    char cert[300], key[300], url[300];
    snprintf(cert, sizeof cert, "%s/%s.pem", harness_dir(), name);
    snprintf(key, sizeof key, "%s/%s.key", harness_dir(), name);
    const char *extra[] = { "--tls-cert", cert, "--tls-key", key, "--rate", "50", NULL };
    struct sim s;
    sim_start(&s, "coinbase", true, extra);
    snprintf(url, sizeof url, "COINBASE_URL=wss://%s:%d/", url_host, s.port);
    const char *env[] = { url, "COINBASE_PRODUCTS=BTC-USD", NULL };
    struct svc v;
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    struct log_cond refused = { v.log, reason };
    WAIT_FOR(log_has, &refused, 15000, reason);
    /* Refused again on the next attempt: not a one-off. */
    struct metric_cond twice = { v.health_port,
                                 "poeticoins_exchange_reconnects_total{exchange=\"coinbase\"}", 2 };
    WAIT_FOR(metric_reaches, &twice, 15000, "a second refused attempt");
    struct hash_cond reconnecting = { rc, "exchange:coinbase", "state", "reconnecting" };
    WAIT_FOR(hash_field_is, &reconnecting, 5000, "state reconnecting");
    assert_int_equal(sim_subscribes(&s), 0);
    assert_int_equal(redis_llen(rc, "history:coinbase:BTC-USD"), 0);
    assert_int_equal(metric_value(v.health_port, "poeticoins_exchange_connected{exchange=\"coinbase\"}"), 0);
    assert_true(proc_alive(v.pid));
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

static void test_certificate_for_another_host_name_is_refused(void **state)
{
    expect_refused("other-host", "localhost", "lws: SSL error: hostname mismatch");
}

static void test_certificate_for_another_ip_address_is_refused(void **state)
{
    expect_refused("other-host", "127.0.0.1", "lws: SSL error: IP address mismatch");
    expect_refused("other-ip", "127.0.0.1", "lws: SSL error: IP address mismatch");
}

static void test_expired_certificate_is_refused(void **state)
{
    expect_refused("expired", "127.0.0.1", "lws: SSL error: certificate has expired");
}

/* The same checks pass with the right certificate: the refusals above are
 * about the certificate, not the setup. */
static void test_valid_certificate_is_accepted(void **state)
{
    struct sim s;
    sim_start(&s, "coinbase", true, NULL);
    const char *env[] = { "COINBASE_PRODUCTS=BTC-USD", NULL };
    struct svc v;
    svc_start(&v, "coinbase", &s, redis.port, NULL, env);
    struct hash_cond live = { rc, "exchange:coinbase", "state", "live" };
    WAIT_FOR(hash_field_is, &live, 15000, "state live");
    assert_int_equal(proc_stop(v.pid, SIGTERM, 10000), 0);
    proc_stop(s.pid, SIGTERM, 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_certificate_is_accepted, before, after),
        cmocka_unit_test_setup_teardown(test_certificate_for_another_host_name_is_refused, before, after),
        cmocka_unit_test_setup_teardown(test_certificate_for_another_ip_address_is_refused, before, after),
        cmocka_unit_test_setup_teardown(test_expired_certificate_is_refused, before, after),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests_name("tls_integration", tests, setup, teardown);
}
