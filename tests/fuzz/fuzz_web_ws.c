/* Fuzz target: what browsers send on the websocket (services/web/product.c,
 * ws_msg_parse). */
#include "fuzz.h"

#include "../../services/web/product.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ws_msg msg; /* large */
    char detail[128];
    memset(detail, 'x', sizeof detail);
    const char *err = ws_msg_parse((const char *)data, size, &msg, detail);
    /* detail goes into an error frame and the log: escaped and bounded. */
    FUZZ_CHECK(fuzz_printable(detail, sizeof detail), "detail not escaped or not terminated");
    if (err)
        return 0;
    FUZZ_CHECK(detail[0] == '\0', "detail set on success");
    FUZZ_CHECK(msg.type == WS_MSG_SUBSCRIBE || msg.type == WS_MSG_UNSUBSCRIBE, "type %d",
               (int)msg.type);
    FUZZ_CHECK(msg.count <= WS_PRODUCTS_MAX, "%zu products", msg.count);
    for (size_t i = 0; i < msg.count; i++) {
        const struct product_id *p = &msg.products[i];
        char id[PRODUCT_ID_MAX + 8];
        snprintf(id, sizeof id, "%s:%s", p->exchange, p->pair);
        FUZZ_CHECK(strcmp(id, p->id) == 0, "id %s is not %s", p->id, id);
        /* Only [a-z0-9:A-Z-] reach the hub, Redis channel names and frames. */
        for (const char *c = p->id; *c; c++)
            FUZZ_CHECK((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                           (*c >= '0' && *c <= '9') || *c == ':' || *c == '-',
                       "byte 0x%02x in product %s", (unsigned char)*c, p->id);
        struct product_id again;
        FUZZ_CHECK(product_parse(p->id, strlen(p->id), &again) == NULL &&
                       strcmp(again.id, p->id) == 0,
                   "product %s does not parse again", p->id);
    }
    return 0;
}
