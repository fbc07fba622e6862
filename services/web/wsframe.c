#include "wsframe.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

size_t wsframe_header(unsigned char out[WSFRAME_HEADER_MAX], size_t payload_len)
{
    out[0] = 0x81; /* FIN, opcode 1 (text) */
    if (payload_len < 126) {
        out[1] = (unsigned char)payload_len;
        return 2;
    }
    if (payload_len <= 0xffff) {
        out[1] = 126;
        out[2] = (unsigned char)(payload_len >> 8);
        out[3] = (unsigned char)payload_len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)((uint64_t)payload_len >> (56 - 8 * i));
    return 10;
}

struct wsframe *wsframe_text(const struct wsframe_part *parts, size_t nparts)
{
    size_t payload = 0;
    for (size_t i = 0; i < nparts; i++)
        payload += parts[i].len;
    unsigned char header[WSFRAME_HEADER_MAX];
    size_t hlen = wsframe_header(header, payload);
    struct wsframe *f = xmalloc(sizeof *f + hlen + payload);
    f->refs = 1;
    f->len = hlen + payload;
    memcpy(f->bytes, header, hlen);
    unsigned char *p = f->bytes + hlen;
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len)
            memcpy(p, parts[i].base, parts[i].len);
        p += parts[i].len;
    }
    return f;
}

void wsframe_unref(struct wsframe *f)
{
    if (--f->refs == 0)
        free(f);
}
