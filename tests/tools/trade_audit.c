/* trade_audit: compares a history list in Redis with the simulator's log of
 * the trades it produced, by trade id. Used by `make soak`.
 *
 *   trade_audit <redis-port> <exchange> <pair> <sim-trade-log>
 *
 * Prints one line "<exchange>:<pair> produced=N stored=N lost=N duplicated=N
 * out_of_order=N" and exits 0 only when nothing was lost, duplicated or out
 * of order. Lost counts trades of the log missing from Redis; Redis may hold
 * newer ones (the log can be a snapshot). The list must be long enough to
 * hold every trade (HISTORY_LEN). */
#include <cJSON.h>
#include <hiredis.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The pair of a raw frame: Coinbase product_id, or Bitstamp's channel. */
static int frame_is_for(const cJSON *m, const char *pair, uint64_t *id)
{
    const cJSON *data = cJSON_GetObjectItem(m, "data");
    if (data == NULL) {
        const cJSON *p = cJSON_GetObjectItem(m, "product_id");
        if (!cJSON_IsString(p) || strcmp(p->valuestring, pair) != 0)
            return 0;
        *id = (uint64_t)cJSON_GetObjectItem(m, "trade_id")->valuedouble;
        return 1;
    }
    char channel[64] = "live_trades_";
    size_t o = strlen(channel);
    for (const char *c = pair; *c && o < 63; c++)
        if (*c != '-')
            channel[o++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    channel[o] = '\0';
    const cJSON *ch = cJSON_GetObjectItem(m, "channel");
    if (!cJSON_IsString(ch) || strcmp(ch->valuestring, channel) != 0)
        return 0;
    *id = (uint64_t)cJSON_GetObjectItem(data, "id")->valuedouble;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: trade_audit <redis-port> <exchange> <pair> <sim-trade-log>\n");
        return 2;
    }
    FILE *f = fopen(argv[4], "r");
    if (f == NULL) {
        perror(argv[4]);
        return 2;
    }
    size_t nprod = 0, cap = 1024;
    uint64_t *produced = malloc(cap * sizeof *produced);
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        cJSON *m = cJSON_Parse(line);
        uint64_t id;
        if (m && frame_is_for(m, argv[3], &id)) {
            if (nprod == cap)
                produced = realloc(produced, (cap *= 2) * sizeof *produced);
            produced[nprod++] = id;
        }
        cJSON_Delete(m);
    }
    free(line);
    fclose(f);

    redisContext *c = redisConnect("127.0.0.1", atoi(argv[1]));
    if (c == NULL || c->err) {
        fprintf(stderr, "cannot connect to redis on %s\n", argv[1]);
        return 2;
    }
    redisReply *r = redisCommand(c, "LRANGE history:%s:%s 0 -1", argv[2], argv[3]);
    size_t nstored = r ? r->elements : 0;
    uint64_t *stored = malloc((nstored + 1) * sizeof *stored);
    size_t out_of_order = 0;
    /* The list is newest first: walking it backwards, ids must rise. */
    for (size_t i = 0; i < nstored; i++) {
        const redisReply *e = r->element[nstored - 1 - i];
        cJSON *m = cJSON_Parse(e->str);
        const cJSON *id = cJSON_GetObjectItem(m, "trade_id");
        stored[i] = cJSON_IsString(id) ? strtoull(id->valuestring, NULL, 10) : 0;
        if (i && stored[i] <= stored[i - 1])
            out_of_order++;
        cJSON_Delete(m);
    }
    freeReplyObject(r);
    redisFree(c);

    qsort(produced, nprod, sizeof *produced, cmp);
    qsort(stored, nstored, sizeof *stored, cmp);
    size_t lost = 0, duplicated = 0, i = 0, j = 0;
    for (size_t k = 1; k < nstored; k++)
        if (stored[k] == stored[k - 1])
            duplicated++;
    while (i < nprod) {
        while (j < nstored && stored[j] < produced[i])
            j++;
        if (j == nstored || stored[j] != produced[i])
            lost++;
        i++;
    }
    printf("%s:%s produced=%zu stored=%zu lost=%zu duplicated=%zu out_of_order=%zu\n", argv[2],
           argv[3], nprod, nstored, lost, duplicated, out_of_order);
    free(produced);
    free(stored);
    return lost || duplicated || out_of_order ? 1 : 0;
}
