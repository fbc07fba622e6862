#include "backoff.h"

void backoff_init(struct backoff *b, uint64_t base_ms, uint64_t cap_ms, uint64_t healthy_ms,
                  uint64_t seed)
{
    b->base_ms = base_ms;
    b->cap_ms = cap_ms;
    b->healthy_ms = healthy_ms;
    b->attempt = 0;
    b->connected_at = 0;
    b->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

void backoff_connected(struct backoff *b, uint64_t now_ms)
{
    b->connected_at = now_ms ? now_ms : 1;
}

static uint64_t next_random(struct backoff *b)
{
    uint64_t x = b->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->rng = x;
    return x;
}

uint64_t backoff_next(struct backoff *b, uint64_t now_ms)
{
    if (b->connected_at && now_ms - b->connected_at >= b->healthy_ms)
        b->attempt = 0;
    b->connected_at = 0;

    uint64_t delay = b->base_ms;
    for (unsigned i = 0; i < b->attempt && delay < b->cap_ms; i++)
        delay *= 2;
    if (delay > b->cap_ms)
        delay = b->cap_ms;
    if (b->attempt < 64)
        b->attempt++;
    /* Full jitter on the upper half: never zero, never above the cap, and
     * many clients that lost the same server spread out. */
    uint64_t half = delay / 2;
    return half + (half ? next_random(b) % (delay - half + 1) : 0);
}
