#include "wsctx.h"

#include <string.h>

#include "log.h"

static void on_lws_log(int level, const char *line)
{
    /* lws lines end with a newline and start with its own timestamp. */
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    enum log_level ours = level == LLL_ERR ? LOGL_ERROR : level == LLL_WARN ? LOGL_WARN
                                                                            : LOGL_DEBUG;
    log_at(ours, "lws: %.*s", (int)len, line);
}

struct lws_context *wsctx_new(uv_loop_t *loop)
{
    /* At LOG_LEVEL=debug, libwebsockets' own notices come along. */
    lws_set_log_level(LLL_ERR | LLL_WARN | (log_min_level == LOGL_DEBUG ? LLL_NOTICE | LLL_INFO : 0),
                      on_lws_log);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[1] = { loop };
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
                   LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = loops;
    /* The size of each read from a socket, and the largest piece of a
     * websocket message handed to one receive callback. lws's 4 KiB default
     * means one read per dozen trades under load; a read, and so a loop
     * iteration and a Redis transaction, now takes up to a few hundred. */
    info.pt_serv_buf_size = WSCTX_READ_BUF;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.gid = -1;
    info.uid = -1;
    struct lws_context *ctx = lws_create_context(&info);
    if (ctx == NULL)
        log_error("cannot create the libwebsockets context (is libwebsockets-evlib-uv "
                  "installed?)");
    return ctx;
}
