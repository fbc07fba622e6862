#define _GNU_SOURCE
/* pub: PUBLISHes trades into Redis at a fixed aggregate rate (make bench).
 *
 *   pub --port P --rate R --duration S --products LIST
 *
 * Products are "exchange:PAIR"; trades go round robin over them, each a
 * trade message of the README's contract whose received_at is the wall
 * time of its PUBLISH, so a subscriber can measure PUBLISH-to-receipt
 * latency. Paced against absolute times (no drift). Prints published=N. */
#include <hiredis/hiredis.h>

#include "bench.h"

int main(int argc, char **argv)
{
    int port = 6379;
    double rate = 100, duration = 5;
    char products[4096] = "coinbase:BTC-USD";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rate") == 0)
            rate = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--duration") == 0)
            duration = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--products") == 0)
            snprintf(products, sizeof products, "%s", argv[i + 1]);
    }
    char *ex[64], *pair[64], channel[64][64];
    int n = 0;
    for (char *s = strtok(products, ","); s && n < 64; s = strtok(NULL, ",")) {
        char *colon = strchr(s, ':');
        if (colon == NULL)
            return 2;
        *colon = '\0';
        ex[n] = s;
        pair[n] = colon + 1;
        snprintf(channel[n], sizeof channel[n], "trades:%s:%s", s, colon + 1);
        n++;
    }
    redisContext *rc = redisConnect("127.0.0.1", port);
    if (rc == NULL || rc->err) {
        fprintf(stderr, "pub: cannot connect to redis\n");
        return 1;
    }
    long long total = (long long)(rate * duration), published = 0;
    int64_t start = mono_us() + 1000;
    /* Bounded in time too: Redis fanning out to many subscribers may not
     * keep up, and the run must stop by itself. */
    int64_t deadline = start + (int64_t)(duration * 1.5e6) + 1000000;
    for (long long k = 0; k < total && mono_us() < deadline; k++) {
        int64_t due = start + (int64_t)((double)k * 1e6 / rate);
        int64_t wait = due - mono_us();
        if (wait > 0) {
            struct timespec ts = { wait / 1000000, (wait % 1000000) * 1000 };
            nanosleep(&ts, NULL);
        }
        int p = (int)(k % n);
        int64_t us = wall_us();
        time_t s = (time_t)(us / 1000000);
        struct tm tm;
        char t[32], json[512];
        gmtime_r(&s, &tm);
        strftime(t, 20, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(t + 19, 13, ".%06dZ", (int)(us % 1000000));
        int len = snprintf(json, sizeof json,
                           "{\"exchange\":\"%s\",\"pair\":\"%s\",\"price\":\"57786.82\","
                           "\"volume\":\"0.00031874\",\"side\":\"buy\",\"trade_id\":\"%lld\","
                           "\"traded_at\":\"%s\",\"received_at\":\"%s\"}",
                           ex[p], pair[p], 1000000 + k, t, t);
        redisReply *r = redisCommand(rc, "PUBLISH %s %b", channel[p], json, (size_t)len);
        if (r == NULL) {
            fprintf(stderr, "pub: redis connection lost\n");
            return 1;
        }
        freeReplyObject(r);
        published++;
    }
    printf("published=%lld seconds=%.3f\n", published, (mono_us() - start) / 1e6);
    redisFree(rc);
    return 0;
}
