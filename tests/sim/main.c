/*
 * exchange-sim: a fake Coinbase Exchange or Bitstamp v2 websocket feed for
 * tests and demos. main owns the options, the libuv loop, the lws context
 * on it and the orderly shutdown on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "fault.h"
#include "history.h"
#include "http.h"
#include "tape.h"
#include "sim.h"

struct sim sim;

enum opt_type { OPT_STRING, OPT_INT, OPT_DOUBLE };

/* One table gives parsing, bounds and --help. */
static const struct opt {
	const char *name;
	enum opt_type type;
	void *value;
	double min, max;
	const char *arg, *help;
} opts[] = {
	{ "exchange", OPT_STRING, &sim.opts.exchange, 0, 0, "NAME",
	  "coinbase or bitstamp (default coinbase)" },
	{ "port", OPT_INT, &sim.opts.port, 0, 65535, "N",
	  "listen port; 0 lets the OS choose (default 0)" },
	{ "addr", OPT_STRING, &sim.opts.addr, 0, 0, "A",
	  "listen address (default 127.0.0.1)" },
	{ "tls-cert", OPT_STRING, &sim.opts.tls_cert, 0, 0, "FILE",
	  "serve wss/https with this certificate (PEM)" },
	{ "tls-key", OPT_STRING, &sim.opts.tls_key, 0, 0, "FILE",
	  "private key of --tls-cert (PEM)" },
	{ "rate", OPT_DOUBLE, &sim.opts.rate, 0, 100000, "R",
	  "generated trades per second over all subscribed products\n"
	  "\t\t\t(default 0: only /control/trades makes trades)" },
	{ "seed", OPT_INT, &sim.opts.seed, 0, 9e18, "N",
	  "PRNG seed; same seed, same trades (default 1)" },
	{ "heartbeat-ms", OPT_INT, &sim.opts.heartbeat_ms, 1, 3600000, "N",
	  "Coinbase heartbeat interval per product (default 1000)" },
	{ "replay", OPT_STRING, &sim.opts.replay, 0, 0, "FILE",
	  "send each line of FILE as a frame after a connection's\n"
	  "\t\t\tfirst successful subscribe" },
	{ "log", OPT_STRING, &sim.opts.log, 0, 0, "FILE",
	  "append every generated trade frame, one per line" },
};

#define OPT_COUNT (sizeof(opts) / sizeof(opts[0]))

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: exchange-sim [options]\n"
		"A fake Coinbase Exchange / Bitstamp v2 trade feed.\n"
		"Prints \"ready port=N\" on stdout once listening.\n\n");
	for (i = 0; i < OPT_COUNT; i++)
		fprintf(out, "  --%s %s\t%s\n", opts[i].name, opts[i].arg,
			opts[i].help);
	fprintf(out, "  --help\t\tthis text\n\n"
		"Control (HTTP GET on the same port): /control/stats,\n"
		"/control/trades?n=K[&product=P], /control/drop,\n"
		"/control/silence?on=1|0, /control/inject?file=PATH,\n"
		"/control/request_reconnect, /control/heartbeat_replies?on=0|1,\n"
		"/control/rest_fail?n=N, /control/chaos?ms=M[&seed=S],\n"
		"/control/duplicate?n=K, /control/swap?product=P,\n"
		"/control/skew?ms=S\n\n"
		"REST (same port): Coinbase GET /products/P/trades"
		"[?limit=N][&after=ID],\n"
		"Bitstamp GET /api/v2/transactions/PAIR/[?time=minute|hour|day]\n");
}

/* Sets one option from its text; returns an error message or NULL. */
static const char *
set_option(const struct opt *o, const char *text)
{
	char *end;
	double number;

	if (o->type == OPT_STRING) {
		*(const char **)o->value = text;
		return NULL;
	}
	errno = 0;
	number = o->type == OPT_INT ? (double)strtoll(text, &end, 10) :
				      strtod(text, &end);
	if (errno || end == text || *end || !isfinite(number) ||
	    number < o->min || number > o->max)
		return "out of range or not a number";
	if (o->type == OPT_INT)
		*(long long *)o->value = strtoll(text, NULL, 10);
	else
		*(double *)o->value = number;
	return NULL;
}

/* Returns 0, or the exit status: 0 after --help, 2 on a bad option. */
static int
parse_options(int argc, char **argv, bool *done)
{
	int i;

	sim.opts = (struct options){ .exchange = "coinbase",
				     .addr = "127.0.0.1", .seed = 1,
				     .heartbeat_ms = 1000 };
	*done = false;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value, *err;
		size_t k, name_len;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			*done = true;
			return 0;
		}
		if (strncmp(arg, "--", 2))
			goto bad;
		arg += 2;
		value = strchr(arg, '=');
		name_len = value ? (size_t)(value - arg) : strlen(arg);
		for (k = 0; k < OPT_COUNT; k++)
			if (strlen(opts[k].name) == name_len &&
			    !strncmp(opts[k].name, arg, name_len))
				break;
		if (k == OPT_COUNT)
			goto bad;
		if (value)
			value++;
		else if (i + 1 < argc)
			value = argv[++i];
		else {
			fprintf(stderr, "exchange-sim: --%s needs a value\n",
				opts[k].name);
			return 2;
		}
		if ((err = set_option(&opts[k], value))) {
			fprintf(stderr, "exchange-sim: --%s %s: %s\n",
				opts[k].name, value, err);
			return 2;
		}
	}
	if (!strcmp(sim.opts.exchange, "coinbase"))
		sim.exchange = &exchange_coinbase;
	else if (!strcmp(sim.opts.exchange, "bitstamp"))
		sim.exchange = &exchange_bitstamp;
	else {
		fprintf(stderr, "exchange-sim: --exchange must be coinbase "
			"or bitstamp\n");
		return 2;
	}
	if (!sim.opts.tls_cert != !sim.opts.tls_key) {
		fprintf(stderr, "exchange-sim: --tls-cert and --tls-key go "
			"together\n");
		return 2;
	}
	return 0;
bad:
	fprintf(stderr, "exchange-sim: unknown option %s (see --help)\n",
		argv[i]);
	return 2;
}

/* lws gives HTTP and websocket events to the first protocol. */
static int
on_lws_event(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	     void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP:
	case LWS_CALLBACK_HTTP_WRITEABLE:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		return http_callback(wsi, reason, user, in, len);
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return conn_callback(wsi, reason, user, in, len);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "exchange-sim", on_lws_event, sizeof(struct session), 0, 0, NULL,
	  0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
on_signal(uv_signal_t *handle, int signum)
{
	(void)signum;
	uv_stop(handle->loop);
}

static void
log_lws(int level, const char *line)
{
	(void)level;
	fprintf(stderr, "exchange-sim: lws: %s", line);
}

static struct lws_context *
create_lws(uv_loop_t *loop)
{
	struct lws_context_creation_info info;
	void *foreign_loops[1] = { loop };

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = foreign_loops;
	info.port = (int)sim.opts.port;
	info.iface = sim.opts.addr;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	if (sim.opts.tls_cert) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = sim.opts.tls_cert;
		info.ssl_private_key_filepath = sim.opts.tls_key;
		/* Keep clients (curl) on HTTP/1.1: websockets need it. */
		info.alpn = "http/1.1";
	}
	return lws_create_context(&info);
}

static const char *const default_products[][2] = {
	{ "BTC", "USD" }, { "BTC", "EUR" }, { "ETH", "USD" },
	{ "ETH", "EUR" }, { "LTC", "USD" }, { "LTC", "EUR" },
};

int
main(int argc, char **argv)
{
	uv_signal_t sigint, sigterm;
	struct lws_vhost *vhost;
	uv_loop_t loop;
	bool done;
	size_t i;
	int status, err, port;

	if ((status = parse_options(argc, argv, &done)) || done)
		return status;
	signal(SIGPIPE, SIG_IGN);
	xalloc_init();
	lws_set_log_level(LLL_ERR | LLL_WARN, log_lws);
	sim.heartbeat_replies = true;

	if (sim.opts.replay) {
		sim.replay = lines_read(sim.opts.replay, &sim.replay_count);
		if (!sim.replay) {
			fprintf(stderr, "exchange-sim: --replay %s: %s\n",
				sim.opts.replay, strerror(errno));
			return 1;
		}
	}
	if (sim.opts.log && !(sim.log = fopen(sim.opts.log, "a"))) {
		fprintf(stderr, "exchange-sim: --log %s: %s\n", sim.opts.log,
			strerror(errno));
		lines_free(sim.replay, sim.replay_count);
		return 1;
	}

	sim.gen = gen_new((uint64_t)sim.opts.seed);
	for (i = 0; i < sizeof(default_products) / sizeof(*default_products);
	     i++)
		tape_product(default_products[i][0], default_products[i][1]);

	uv_loop_init(&loop);
	sim.loop = &loop;
	uv_signal_init(&loop, &sigint);
	uv_signal_init(&loop, &sigterm);
	uv_signal_start(&sigint, on_signal, SIGINT);
	uv_signal_start(&sigterm, on_signal, SIGTERM);

	sim.lws = create_lws(&loop);
	vhost = sim.lws ? lws_get_vhost_by_name(sim.lws, "default") : NULL;
	if (!vhost) {
		/*
		 * A failed lws_create_context leaves handles on our loop whose
		 * close callbacks live in the libuv plugin it has already
		 * unloaded: running the loop now would crash, so just exit.
		 */
		fprintf(stderr, "exchange-sim: cannot listen on %s:%lld\n",
			sim.opts.addr, sim.opts.port);
		return 1;
	}
	status = 0;
	port = lws_get_vhost_listen_port(vhost);
	if (port <= 0) {
		/* lws accepts an unknown interface and waits for it to appear. */
		fprintf(stderr, "exchange-sim: not listening on %s\n",
			sim.opts.addr);
		status = 1;
	} else if ((err = sim.exchange->start(&loop)) ||
		   (err = tape_start(&loop)) || (err = fault_start(&loop))) {
		fprintf(stderr, "exchange-sim: timers: %s\n", uv_strerror(err));
		status = 1;
	} else {
		printf("ready port=%d\n", port);
		fflush(stdout);
		uv_run(&loop, UV_RUN_DEFAULT);
	}

	/*
	 * Shutdown order matters: lws closes its handles asynchronously on our
	 * loop, so destroy the context first, close our own handles, then run
	 * the loop until everything is closed before closing the loop.
	 */
	fault_stop();
	tape_stop();
	sim.exchange->stop();
	lws_context_destroy(sim.lws);
	uv_close((uv_handle_t *)&sigint, NULL);
	uv_close((uv_handle_t *)&sigterm, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		fprintf(stderr, "exchange-sim: loop still had handles open\n");

	history_free();
	gen_free(sim.gen);
	lines_free(sim.replay, sim.replay_count);
	if (sim.log)
		fclose(sim.log);
	return status;
}
