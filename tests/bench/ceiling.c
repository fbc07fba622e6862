#define _GNU_SOURCE
/* ceiling: what Redis itself sustains for the ingest services' commands
 * (make bench). Sends N trades, each the same transaction the publisher
 * sends (MULTI; LPUSH history; LTRIM history 0 HISTORY_LEN-1; PUBLISH
 * trades; EXEC), pipelined with up to --window transactions in flight (the
 * publisher's MAX_INFLIGHT), from one connection, and prints trades/s.
 * With --batch B > 1, B trades share each transaction exactly as the
 * publisher batches them under load: MULTI; per pair LPUSH <list> <json>...
 * and LTRIM; one PUBLISH per trade; EXEC.
 *
 *   ceiling --port P --trades N [--window W] [--history 1000] [--batch B] */
#include <hiredis/hiredis.h>

#include "bench.h"

static const char *const pairs[] = { "BTC-USD", "ETH-USD", "LTC-USD",
                                     "BTC-EUR", "ETH-EUR", "LTC-EUR" };

int main(int argc, char **argv)
{
    int port = 6379, window = 512, batch = 1;
    long trades = 200000, history = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--trades") == 0)
            trades = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--window") == 0)
            window = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0)
            batch = atoi(argv[i + 1]) < 1 ? 1 : atoi(argv[i + 1]) > 256 ? 256 : atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--history") == 0)
            history = atol(argv[i + 1]);
    }
    redisContext *rc = redisConnect("127.0.0.1", port);
    if (rc == NULL || rc->err) {
        fprintf(stderr, "ceiling: cannot connect to redis\n");
        return 1;
    }
    char keys[6][64], chans[6][64], trim[24];
    for (int p = 0; p < 6; p++) {
        snprintf(keys[p], sizeof keys[p], "history:ceiling:%s", pairs[p]);
        snprintf(chans[p], sizeof chans[p], "trades:ceiling:%s", pairs[p]);
    }
    snprintf(trim, sizeof trim, "%ld", history - 1);
    static int pending[4096], pend_trades[4096]; /* per transaction in flight */
    long head = 0, tail = 0;
    long sent = 0, done = 0, inflight = 0;
    static char json[256][400];
    size_t jlen[256];
    int64_t t0 = mono_us();
    while (done < trades) {
        while (sent < trades && inflight * batch < window) {
            int n = (int)(trades - sent < batch ? trades - sent : batch);
            for (int k = 0; k < n; k++)
                jlen[k] = (size_t)snprintf(
                    json[k], sizeof json[k],
                    "{\"exchange\":\"ceiling\",\"pair\":\"%s\",\"price\":\"90233.00\","
                    "\"volume\":\"0.04000000\",\"side\":\"buy\",\"trade_id\":\"%ld\","
                    "\"traded_at\":\"2026-11-29T03:09:24.155000Z\","
                    "\"received_at\":\"2026-11-29T03:09:24.155100Z\"}",
                    pairs[(sent + k) % 6], 100000000 + sent + k);
            redisAppendCommand(rc, "MULTI");
            int cmds = 2;
            for (int p = 0; p < 6; p++) {
                const char *lpush[2 + 256];
                size_t lpush_len[2 + 256];
                int na = 2;
                lpush[0] = "LPUSH";
                lpush_len[0] = 5;
                lpush[1] = keys[p];
                lpush_len[1] = strlen(keys[p]);
                for (int k = 0; k < n; k++)
                    if ((sent + k) % 6 == p) {
                        lpush[na] = json[k];
                        lpush_len[na++] = jlen[k];
                    }
                if (na == 2)
                    continue;
                const char *ltrim[] = { "LTRIM", keys[p], "0", trim };
                redisAppendCommandArgv(rc, na, lpush, lpush_len);
                redisAppendCommandArgv(rc, 4, ltrim, NULL);
                cmds += 2;
            }
            for (int k = 0; k < n; k++) {
                int p = (int)((sent + k) % 6);
                const char *pub[] = { "PUBLISH", chans[p], json[k] };
                size_t pub_len[] = { 7, strlen(chans[p]), jlen[k] };
                redisAppendCommandArgv(rc, 3, pub, pub_len);
                cmds++;
            }
            redisAppendCommand(rc, "EXEC");
            sent += n;
            inflight++;
            pend_trades[tail % 4096] = n;
            pending[tail++ % 4096] = cmds;
        }
        int cmds = pending[head++ % 4096];
        for (int k = 0; k < cmds; k++) {
            redisReply *r;
            if (redisGetReply(rc, (void **)&r) != REDIS_OK) {
                fprintf(stderr, "ceiling: redis error\n");
                return 1;
            }
            if (k == cmds - 1 && r->type != REDIS_REPLY_ARRAY) {
                fprintf(stderr, "ceiling: EXEC failed\n");
                return 1;
            }
            freeReplyObject(r);
        }
        inflight--;
        done += pend_trades[(head - 1) % 4096];
    }
    double secs = (mono_us() - t0) / 1e6;
    printf("trades=%ld seconds=%.3f rate=%.0f\n", trades, secs, trades / secs);
    redisFree(rc);
    return 0;
}
