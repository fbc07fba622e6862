/* wsctx: the process's libwebsockets context, running on the libuv loop.
 *
 * Created with explicit vhosts: the exchange feed adds a client vhost and the
 * health endpoint a listening one, both on this context. libwebsockets' own
 * warnings and errors are routed into log.c, because that is the only place
 * the real reason of a TLS failure appears ("unable to get local issuer
 * certificate", "IP address mismatch").
 *
 * Destroy order matters (README, design): stop the loop, let Redis finish,
 * destroy this context, then run the loop again so lws can close its handles. */
#ifndef POETICOINS_WSCTX_H
#define POETICOINS_WSCTX_H

#include <libwebsockets.h>
#include <uv.h>

/* Bytes read from a socket at once (lws's pt_serv_buf_size). */
#define WSCTX_READ_BUF 65536

/* Returns NULL (and logs why) when the context cannot be created. */
struct lws_context *wsctx_new(uv_loop_t *loop);

#endif
