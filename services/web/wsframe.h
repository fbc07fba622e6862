/* wsframe: a server-to-client websocket text frame (RFC 6455), built once
 * and shared by every client it is queued to.
 *
 * Frames from a server are never masked (RFC 6455, 5.1), so the bytes on the
 * wire are the same for every client: the hub frames each trade once and
 * queues the same buffer to all its subscribers, instead of handing wslay a
 * payload to copy and frame per client.
 *
 * Ownership: reference counted. wsframe_text() returns one reference; every
 * queue that holds the frame takes its own with wsframe_ref() and gives it
 * back with wsframe_unref(); the last unref frees it. One thread only. */
#ifndef POETICOINS_WSFRAME_H
#define POETICOINS_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

#define WSFRAME_HEADER_MAX 10

struct wsframe {
    uint32_t refs;
    size_t len;           /* header + payload */
    unsigned char bytes[];
};

/* One piece of the payload; wsframe_text() concatenates them. */
struct wsframe_part {
    const char *base;
    size_t len;
};

/* Writes the header of one final, unmasked text frame carrying `payload_len`
 * bytes; returns its length (2, 4 or 10). Pure. */
size_t wsframe_header(unsigned char out[WSFRAME_HEADER_MAX], size_t payload_len);

/* A new frame (one reference) whose payload is the parts in order. */
struct wsframe *wsframe_text(const struct wsframe_part *parts, size_t nparts);

static inline struct wsframe *wsframe_ref(struct wsframe *f)
{
    f->refs++;
    return f;
}

void wsframe_unref(struct wsframe *f);

#endif
