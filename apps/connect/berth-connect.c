/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-connect: active opens from one berth stack to a TCP server, built on
 * the public API only (include/berth/berth.h). It exists to look at what an
 * active open leaves behind: which ephemeral ports the stack chose
 * (RFC 6056) and the TIME-WAIT entries of the side that closes first
 * (RFC 9293 §3.6).
 *
 * Start-up as berth-echo: berth_init (EAL) -> berth_stack_create ->
 * berth_port_setup -> berth_port_dev -> berth_stack_add_if. Then COUNT
 * connections, PARALLEL at a time, round robin over the destinations:
 * berth_sock_open(STREAM) -> berth_sock_connect (non-blocking; the port is
 * chosen here) -> BERTH_EV_CONNECTED -> send BYTES of a pattern that
 * depends on the connection and the offset -> read the echo back and check
 * every byte -> close: at once (--close-first: berth's FIN goes first and
 * berth keeps TIME-WAIT) or after the server's FIN (the server keeps it).
 *
 * Afterwards: the ports used, the TIME-WAIT entries' lifetime measured on
 * the counters (--wait-time-wait), the connection listing and the counters.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/berth.h>

#include "../common/app_net.h"

#define PROG "berth-connect"
#define EV_BURST 64
#define EXIT_USAGE 2
#define MAX_DESTS 16
#define MAX_PARALLEL 1024
#define CHUNK 16384
/* How often the TIME-WAIT counters are sampled. */
#define TW_SAMPLE_NS BERTH_NS_PER_MS

struct options {
	uint32_t addr;          /* network byte order */
	uint8_t prefix_len;
	uint32_t gateway;       /* network byte order, 0: none */
	struct sockaddr_in dests[MAX_DESTS];
	unsigned int nb_dests;
	unsigned int count;
	unsigned int parallel;
	uint64_t bytes;
	bool close_first;
	bool no_echo;
	bool wait_tw;
	uint64_t msl_ns;        /* 0: the stack's default */
	uint8_t port_alg;       /* 0: the stack's default */
	unsigned int timeout_s;
	const char *port;       /* ethdev name or number; NULL: first port */
	const char *pcap;
};

enum conn_state {
	C_IDLE = 0,             /* slot free */
	C_CONNECTING,           /* SYN sent, waiting for BERTH_EV_CONNECTED */
	C_TRANSFER,             /* sending the bytes, reading the echo */
	C_WAIT_EOF,             /* all echoed; waiting for the server's FIN */
};

static const char *const state_names[] = {
	[C_IDLE] = "idle",
	[C_CONNECTING] = "connecting",
	[C_TRANSFER] = "transfer",
	[C_WAIT_EOF] = "waiting for the server's FIN",
};

struct conn {
	enum conn_state state;
	int sd;
	unsigned int idx;       /* connection number, 0-based */
	uint64_t sent, rcvd;
	bool kick;              /* out of buffers: serve again without an event */
};

/* The TIME-WAIT entries seen on the counters, for their lifetime. */
struct tw_watch {
	uint64_t base_in, base_out; /* counters before the first connection */
	uint64_t in, out;           /* entered and expired since */
	uint64_t first_in_t, last_in_t, first_out_t, last_out_t;
	uint64_t last_sample;
};

struct app {
	struct options opt;
	struct app_net net;       /* pool, stack, port, device */
	struct conn *conns;         /* opt.parallel slots, by user value */
	uint16_t *ports;            /* local port of each connection, host order */
	unsigned int started, done, ok, failed;
	struct tw_watch tw;
	uint8_t buf[CHUNK];
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [EAL options] -- --ip ADDR/LEN --connect IP:PORT\n"
		"                  [--connect IP:PORT ...] [--count N] [--parallel M]\n"
		"                  [--bytes B] [--close-first] [--no-echo]\n"
		"                  [--wait-time-wait] [--tcp-msl-ms MS] [--tcp-port-alg A]\n"
		"                  [--gateway ADDR] [--timeout SECONDS] [--port NAME|N]\n"
		"                  [--pcap FILE] [--help]\n"
		"\n"
		"Opens N TCP connections from a berth stack, M at a time, round robin\n"
		"over the destinations; sends B bytes on each, reads them back from an\n"
		"echo server and checks them; then closes. Prints the local ports used\n"
		"and the stack's counters.\n"
		"\n"
		"  --ip ADDR/LEN       the stack's IPv4 address and prefix length (required)\n"
		"  --connect IP:PORT   a server; repeat for up to 16 (at least one)\n"
		"  --count N           connections in all (default: 1)\n"
		"  --parallel M        connections open at once (default: 1)\n"
		"  --bytes B           bytes to send on each (default: 0)\n"
		"  --close-first       close as soon as the echo is back: berth sends the\n"
		"                      first FIN and keeps TIME-WAIT. Default: wait for\n"
		"                      the server's FIN, then close (the server keeps it)\n"
		"  --no-echo           do not wait for an echo of the bytes\n"
		"  --wait-time-wait    after the last connection, stay until every\n"
		"                      TIME-WAIT entry has expired and print how long\n"
		"                      they lived\n"
		"  --tcp-msl-ms MS     maximum segment lifetime; TIME-WAIT lasts 2*MS\n"
		"                      (default: the stack's, 30000)\n"
		"  --tcp-port-alg A    RFC 6056 port selection algorithm 1-5 (default: 4)\n"
		"  --gateway ADDR      default gateway (default: none)\n"
		"  --timeout SECONDS   give up after this long (default: 60)\n"
		"  --port NAME|N       ethdev port by device name or number\n"
		"                      (default: the first port)\n"
		"  --pcap FILE         write every frame sent and received to FILE (pcapng)\n"
		"  --help              this text\n"
		"\n"
		"Output: one line per failed connection, then 'ports: P1 P2 ...' (in\n"
		"connection order, 0 when none was chosen), 'connections: N ok, M failed',\n"
		"with --wait-time-wait 'time-wait: ...' lines, the connection listing and\n"
		"the counters ('counters-json: {...}' last). Exit 0 when every connection\n"
		"succeeded, 1 otherwise.\n"
		"\n"
		"Example on a test net (scripts/testnet), as root, with an echo server\n"
		"on the Linux host:\n"
		"  " PROG " --no-huge -m 512 --no-pci --file-prefix=conn -l 0 \\\n"
		"      --vdev=net_af_packet0,iface=IFACE,qpairs=1 -- --ip 198.18.0.2/24 \\\n"
		"      --connect 198.18.0.1:5001 --count 50 --bytes 1000 --close-first\n");
}

/* ---- options ---- */

static int
bad_option(const char *opt, const char *arg)
{
	fprintf(stderr, PROG ": bad value for --%s: '%s'\n", opt, arg);
	usage(stderr);
	return -EINVAL;
}

/*
 * Parse the application's options (those after "--"); argv[0] is the
 * program name. Returns 0, 1 for --help, or -EINVAL after printing why.
 */
static int
parse_options(int argc, char **argv, void *arg)
{
	struct options *o = arg;
	enum {
		OPT_IP = 256, OPT_CONNECT, OPT_COUNT, OPT_PARALLEL, OPT_BYTES, OPT_CLOSE_FIRST,
		OPT_NO_ECHO, OPT_WAIT_TW, OPT_MSL, OPT_ALG, OPT_GW, OPT_TIMEOUT, OPT_PORT,
		OPT_PCAP, OPT_HELP
	};
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "bytes", required_argument, NULL, OPT_BYTES },
		{ "close-first", no_argument, NULL, OPT_CLOSE_FIRST },
		{ "no-echo", no_argument, NULL, OPT_NO_ECHO },
		{ "wait-time-wait", no_argument, NULL, OPT_WAIT_TW },
		{ "tcp-msl-ms", required_argument, NULL, OPT_MSL },
		{ "tcp-port-alg", required_argument, NULL, OPT_ALG },
		{ "gateway", required_argument, NULL, OPT_GW },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool have_ip = false;
	unsigned long long v;
	uint32_t a;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->parallel = 1;
	o->timeout_s = 60;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IP:
			if (app_parse_pair(optarg, '/', 32, &o->addr, &v) < 0)
				return bad_option("ip (ADDR/LEN, e.g. 198.18.0.2/24)", optarg);
			o->prefix_len = (uint8_t)v;
			have_ip = true;
			break;
		case OPT_CONNECT:
			if (o->nb_dests == MAX_DESTS)
				return bad_option("connect (at most 16)", optarg);
			if (app_parse_pair(optarg, ':', 65535, &a, &v) < 0)
				return bad_option("connect (IP:PORT)", optarg);
			o->dests[o->nb_dests].sin_family = AF_INET;
			o->dests[o->nb_dests].sin_addr.s_addr = a;
			o->dests[o->nb_dests].sin_port = htons((uint16_t)v);
			o->nb_dests++;
			break;
		case OPT_COUNT:
			if (app_parse_uint(optarg, 1, 1000000, &v) < 0)
				return bad_option("count", optarg);
			o->count = (unsigned int)v;
			break;
		case OPT_PARALLEL:
			if (app_parse_uint(optarg, 1, MAX_PARALLEL, &v) < 0)
				return bad_option("parallel (1-1024)", optarg);
			o->parallel = (unsigned int)v;
			break;
		case OPT_BYTES:
			if (app_parse_uint(optarg, 0, 1ull << 40, &v) < 0)
				return bad_option("bytes", optarg);
			o->bytes = v;
			break;
		case OPT_CLOSE_FIRST:
			o->close_first = true;
			break;
		case OPT_NO_ECHO:
			o->no_echo = true;
			break;
		case OPT_WAIT_TW:
			o->wait_tw = true;
			break;
		case OPT_MSL:
			if (app_parse_uint(optarg, 1, 3600 * 1000, &v) < 0)
				return bad_option("tcp-msl-ms", optarg);
			o->msl_ns = v * BERTH_NS_PER_MS;
			break;
		case OPT_ALG:
			if (app_parse_uint(optarg, 1, 5, &v) < 0)
				return bad_option("tcp-port-alg (1-5)", optarg);
			o->port_alg = (uint8_t)v;
			break;
		case OPT_GW:
			if (app_parse_addr(optarg, &o->gateway) < 0)
				return bad_option("gateway", optarg);
			break;
		case OPT_TIMEOUT:
			if (app_parse_uint(optarg, 1, 86400, &v) < 0)
				return bad_option("timeout", optarg);
			o->timeout_s = (unsigned int)v;
			break;
		case OPT_PORT:
			o->port = optarg;
			break;
		case OPT_PCAP:
			o->pcap = optarg;
			break;
		case 'h':
		case OPT_HELP:
			return 1;
		default:
			fprintf(stderr, PROG ": unknown option or missing value: '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument: '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	if (!have_ip || o->nb_dests == 0) {
		fprintf(stderr, PROG ": --ip ADDR/LEN and --connect IP:PORT are required\n");
		usage(stderr);
		return -EINVAL;
	}
	if (o->parallel > o->count)
		o->parallel = o->count;
	return 0;
}

/* ---- counters ---- */

static uint64_t
counter(const struct app *app, const char *name)
{
	uint64_t v = berth_stack_counter(app->net.st, name);

	return v == UINT64_MAX ? 0 : v;
}

/*
 * Follow the TIME-WAIT counters: when entries were first and last added,
 * and when the first expired and the last one did.
 */
static void
tw_sample(struct app *app, uint64_t now)
{
	struct tw_watch *w = &app->tw;
	uint64_t in, out;

	if (now - w->last_sample < TW_SAMPLE_NS)
		return;
	w->last_sample = now;
	in = counter(app, "tcp_time_wait") - w->base_in;
	out = counter(app, "tcp_tw_expired") - w->base_out;
	if (in > w->in) {
		if (w->in == 0)
			w->first_in_t = now;
		w->last_in_t = now;
		w->in = in;
	}
	if (out > w->out) {
		if (w->out == 0)
			w->first_out_t = now;
		w->out = out;
		if (out == in)
			w->last_out_t = now;
	}
}

/* ---- the data: a pattern of the connection and the offset ---- */

/*
 * Byte at offset off of connection k: a multiplicative hash of each 4-byte
 * word's index, so data shifted, repeated or taken from another connection
 * does not match.
 */
static inline uint8_t
pattern_byte(unsigned int k, uint64_t off)
{
	uint32_t x = (uint32_t)(off >> 2) * 2654435761u ^ (k * 0x9e3779b9u);

	return (uint8_t)(x >> (8 * (off & 3)));
}

static void
pattern_fill(uint8_t *p, unsigned int k, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(k, off + i);
}

/* Offset of the first byte that differs from the pattern, or -1. */
static int64_t
pattern_check(const uint8_t *p, unsigned int k, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte(k, off + i))
			return (int64_t)(off + i);
	return -1;
}

/* ---- connections ---- */

static const struct sockaddr_in *
conn_dest(const struct app *app, const struct conn *c)
{
	return &app->opt.dests[c->idx % app->opt.nb_dests];
}

static void
conn_report(const struct app *app, const struct conn *c, const char *what)
{
	const struct sockaddr_in *d = conn_dest(app, c);
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &d->sin_addr, addr, sizeof(addr));
	printf(PROG ": connection %u (local port %u) to %s:%u: %s\n", c->idx,
	       app->ports[c->idx], addr, ntohs(d->sin_port), what);
}

static void
conn_end(struct app *app, struct conn *c, int err, const char *why)
{
	char msg[160];

	if (err != 0 || why != NULL) {
		snprintf(msg, sizeof(msg), "%s%s%s", why != NULL ? why : "",
			 why != NULL && err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		conn_report(app, c, msg);
		app->failed++;
		/* A failed connection is not left to finish: RST, no TIME-WAIT. */
		berth_sock_setopt(app->net.st, c->sd, BERTH_SO_LINGER, 0);
	} else {
		app->ok++;
	}
	berth_sock_close(app->net.st, c->sd);
	c->state = C_IDLE;
	c->sd = -1;
	c->kick = false;
	app->done++;
}

static void
conn_start(struct app *app, struct conn *c, unsigned int slot)
{
	struct sockaddr_in local;
	int sd, ret;

	c->idx = app->started++;
	c->sent = 0;
	c->rcvd = 0;
	c->kick = false;
	c->state = C_CONNECTING;
	sd = berth_sock_open(app->net.st, BERTH_SOCK_STREAM);
	if (sd < 0) {
		c->sd = -1;
		conn_report(app, c, strerror(-sd));
		app->failed++;
		app->done++;
		c->state = C_IDLE;
		return;
	}
	c->sd = sd;
	berth_sock_set_user(app->net.st, sd, slot);
	ret = berth_sock_connect(app->net.st, sd, conn_dest(app, c));
	/* The ephemeral port is chosen by connect (RFC 6056), before any answer. */
	if (berth_sock_getsockname(app->net.st, sd, &local) == 0)
		app->ports[c->idx] = ntohs(local.sin_port);
	if (ret < 0 && ret != -EINPROGRESS)
		conn_end(app, c, -ret, "connect");
}

/*
 * Send what the stack takes, read what came back and check it, and close
 * when the exchange is over. Returns after -EAGAIN on both, or at the end.
 */
static void
conn_progress(struct app *app, struct conn *c)
{
	const struct options *o = &app->opt;
	ssize_t n;
	int64_t bad;
	char msg[96];

	c->kick = false;
	while (c->sent < o->bytes) {
		size_t len = o->bytes - c->sent < CHUNK ? (size_t)(o->bytes - c->sent) : CHUNK;

		pattern_fill(app->buf, c->idx, c->sent, len);
		n = berth_sock_send(app->net.st, c->sd, app->buf, len);
		if (n == -EAGAIN)
			break; /* BERTH_EV_WRITABLE follows */
		if (n == -ENOBUFS) {
			c->kick = true;
			break;
		}
		if (n < 0) {
			conn_end(app, c, (int)-n, "send");
			return;
		}
		c->sent += (uint64_t)n;
	}
	for (;;) {
		n = berth_sock_recv(app->net.st, c->sd, app->buf, sizeof(app->buf));
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			conn_end(app, c, (int)-n, "recv");
			return;
		}
		if (n == 0) {
			if (!o->no_echo && c->rcvd < o->bytes) {
				snprintf(msg, sizeof(msg), "the server closed after %" PRIu64
					 " of %" PRIu64 " bytes", c->rcvd, o->bytes);
				conn_end(app, c, 0, msg);
				return;
			}
			/* RFC 9293 §3.6 case 2: the server closed first; now us. */
			conn_end(app, c, 0, NULL);
			return;
		}
		if (!o->no_echo) {
			if (c->rcvd + (uint64_t)n > o->bytes) {
				snprintf(msg, sizeof(msg), "%" PRIu64 " bytes back for %" PRIu64
					 " sent", c->rcvd + (uint64_t)n, o->bytes);
				conn_end(app, c, 0, msg);
				return;
			}
			bad = pattern_check(app->buf, c->idx, c->rcvd, (size_t)n);
			if (bad >= 0) {
				snprintf(msg, sizeof(msg), "echo differs at byte %" PRId64, bad);
				conn_end(app, c, 0, msg);
				return;
			}
		}
		c->rcvd += (uint64_t)n;
	}
	if (c->sent < o->bytes || (!o->no_echo && c->rcvd < o->bytes))
		return;
	if (o->close_first) {
		/* RFC 9293 §3.6 case 1: our FIN first, so TIME-WAIT is ours. */
		conn_end(app, c, 0, NULL);
		return;
	}
	c->state = C_WAIT_EOF;
}

static void
conn_on_event(struct app *app, const struct berth_event *ev)
{
	struct conn *c;

	if (ev->user >= app->opt.parallel)
		return;
	c = &app->conns[ev->user];
	if (c->state == C_IDLE || c->sd != ev->sd)
		return;
	if (ev->events & BERTH_EV_ERROR) {
		/* ECONNREFUSED (RST to our SYN), ECONNRESET, ETIMEDOUT. */
		conn_end(app, c, ev->error != 0 ? ev->error : EIO,
			 c->state == C_CONNECTING ? "connect" : NULL);
		return;
	}
	if (c->state == C_CONNECTING) {
		if (!(ev->events & BERTH_EV_CONNECTED)) {
			/* A hang-up without an error before the handshake completed. */
			if (ev->events & BERTH_EV_HANGUP)
				conn_end(app, c, ECONNABORTED, "connect");
			return;
		}
		c->state = C_TRANSFER;
	}
	conn_progress(app, c);
}

/* ---- set-up and run loop ---- */

static int
setup(struct app *app)
{
	struct berth_stack_conf sconf;
	struct app_net_conf nc = {
		.prog = PROG,
		.pool_name = "berth_connect",
		.port = app->opt.port,
		.pcap = app->opt.pcap,
		.addr = app->opt.addr,
		.prefix_len = app->opt.prefix_len,
		.gateway = app->opt.gateway,
	};

	app->conns = calloc(app->opt.parallel, sizeof(*app->conns));
	app->ports = calloc(app->opt.count, sizeof(*app->ports));
	if (app->conns == NULL || app->ports == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	memset(&sconf, 0, sizeof(sconf));
	sconf.tcp_msl_ns = app->opt.msl_ns;
	sconf.tcp_port_alg = app->opt.port_alg;
	return app_net_up(&app->net, &nc, &sconf);
}

static void
teardown(struct app *app)
{
	app_net_down(&app->net);
	free(app->conns);
	free(app->ports);
}

/* One turn of the loop: poll, hand out the events, serve kicked slots. */
static void
turn(struct app *app, uint64_t now)
{
	struct berth_event ev[EV_BURST];
	unsigned int n, i;

	berth_stack_poll(app->net.st, now);
	do {
		n = berth_stack_events(app->net.st, ev, EV_BURST);
		for (i = 0; i < n; i++)
			conn_on_event(app, &ev[i]);
	} while (n == EV_BURST);
	for (i = 0; i < app->opt.parallel; i++)
		if (app->conns[i].kick && app->conns[i].state != C_IDLE)
			conn_progress(app, &app->conns[i]);
	berth_stack_flush(app->net.st, now);
	tw_sample(app, now);
}

/* Run the connections. Returns false on timeout or signal. */
static bool
run_connections(struct app *app, uint64_t deadline)
{
	unsigned int i;
	uint64_t now;

	while (app->done < app->opt.count) {
		now = berth_time_now();
		if (app_stop_requested || now > deadline)
			break;
		for (i = 0; i < app->opt.parallel && app->started < app->opt.count; i++)
			if (app->conns[i].state == C_IDLE)
				conn_start(app, &app->conns[i], i);
		turn(app, now);
	}
	if (app->done == app->opt.count)
		return true;
	printf(PROG ": %s with %u of %u connections unfinished\n",
	       app_stop_requested ? "stopped" : "timed out", app->opt.count - app->done,
	       app->opt.count);
	for (i = 0; i < app->opt.parallel; i++) {
		struct conn *c = &app->conns[i];
		char msg[160];

		if (c->state == C_IDLE)
			continue;
		snprintf(msg, sizeof(msg), "unfinished: %s, %" PRIu64 " bytes sent, %" PRIu64
			 " received", state_names[c->state], c->sent, c->rcvd);
		conn_report(app, c, msg);
		app->failed++;
	}
	return false;
}

/*
 * Connections the stack still runs without a descriptor (FIN-WAIT,
 * CLOSING, LAST-ACK), TIME-WAIT entries left out. Closed sockets have no
 * descriptor and raise no event, so the listing is the public view of
 * them: its last line says "tcp: N connections, ...".
 */
static int
live_conns(struct app *app)
{
	unsigned int n;
	char *text = NULL, *line;
	size_t len = 0;
	FILE *f;
	int ret = -1;

	f = open_memstream(&text, &len);
	if (f == NULL)
		return -1;
	berth_stack_conns_dump(app->net.st, f);
	fclose(f);
	line = text != NULL ? strstr(text, "\ntcp: ") : NULL;
	if (line != NULL && sscanf(line, "\ntcp: %u connections", &n) == 1)
		ret = (int)n;
	free(text);
	return ret;
}

/*
 * Our last closes are still under way (FIN-WAIT, LAST-ACK): let them
 * finish, so that the stack is not destroyed under them and the server is
 * not left waiting for a FIN or an ACK. A round trip or two; a lost
 * segment would take an RTO, and the wait is bounded.
 */
static void
drain(struct app *app)
{
	uint64_t start = berth_time_now(), now = start, next = start;
	uint64_t limit = 3 * BERTH_NS_PER_SEC;

	while (!app_stop_requested && now - start < limit) {
		turn(app, now);
		if (now >= next) {
			if (live_conns(app) <= 0)
				break;
			next = now + BERTH_NS_PER_MS;
		}
		now = berth_time_now();
	}
}

static void
print_conns(struct app *app, const char *when)
{
	printf(PROG ": connections %s\n", when);
	berth_stack_conns_dump(app->net.st, stdout);
	printf(PROG ": end of connections\n");
}

/*
 * Stay until every TIME-WAIT entry made by our connections has expired
 * (RFC 9293 §3.10.7.4: 2*MSL after the last one began), then report how
 * long the first and the last lived.
 */
static bool
wait_time_wait(struct app *app, uint64_t deadline)
{
	struct tw_watch *w = &app->tw;
	uint64_t expect = app->opt.close_first ? app->ok : 0, now, msl;
	bool listed = false;

	for (;;) {
		now = berth_time_now();
		if (app_stop_requested || now > deadline)
			break;
		turn(app, now);
		/* Entries whose connection saw the server's FIN late come in last. */
		if (!listed && w->in >= expect) {
			printf("time-wait: %" PRIu64 " entered, %" PRIu64 " live after the last "
			       "close\n", w->in, w->in - w->out);
			print_conns(app, "after the last close");
			listed = true;
		}
		if (listed && w->out == w->in)
			break;
	}
	if (!listed || w->out != w->in) {
		printf("time-wait: %s: %" PRIu64 " entered, %" PRIu64 " expired\n",
		       app_stop_requested ? "stopped" : "timed out", w->in, w->out);
		return false;
	}
	if (w->in == 0) {
		printf("time-wait: none entered\n");
		return true;
	}
	msl = app->opt.msl_ns != 0 ? app->opt.msl_ns : 30 * BERTH_NS_PER_SEC;
	printf("time-wait: all %" PRIu64 " expired; first lived %" PRIu64 " ms, last lived %"
	       PRIu64 " ms (2*MSL = %" PRIu64 " ms)\n", w->in,
	       (uint64_t)((w->first_out_t - w->first_in_t) / BERTH_NS_PER_MS),
	       (uint64_t)((w->last_out_t - w->last_in_t) / BERTH_NS_PER_MS),
	       (uint64_t)(2 * msl / BERTH_NS_PER_MS));
	print_conns(app, "after TIME-WAIT");
	return true;
}

static void
print_results(const struct app *app, uint64_t elapsed)
{
	unsigned int i;

	printf("ports:");
	for (i = 0; i < app->opt.count; i++)
		printf(" %u", app->ports[i]);
	printf("\n");
	printf("connections: %u ok, %u failed, %" PRIu64 " ms\n", app->ok, app->failed,
	       (uint64_t)(elapsed / BERTH_NS_PER_MS));
}

static void
dump_counters(struct app *app)
{
	printf(PROG ": counters\n");
	berth_stack_counters_dump(app->net.st, stdout);
	printf("counters-json: ");
	berth_stack_counters_json(app->net.st, stdout);
	fflush(stdout);
}

/* Index of "--" in argv, or argc if there is none. */

int
main(int argc, char **argv)
{
	struct app_start_conf sc = { .prog = PROG, .usage = usage, .parse = parse_options };
	static struct app app;
	uint64_t start, deadline;
	int ret;
	bool ok;

	sc.opt = &app.opt;
	ret = app_start(&sc, argc, argv);
	if (ret >= 0)
		return ret;
	if (setup(&app) < 0) {
		teardown(&app);
		berth_fini();
		return EXIT_FAILURE;
	}
	app.tw.base_in = counter(&app, "tcp_time_wait");
	app.tw.base_out = counter(&app, "tcp_tw_expired");
	start = berth_time_now();
	deadline = start + (uint64_t)app.opt.timeout_s * BERTH_NS_PER_SEC;
	ok = run_connections(&app, deadline);
	print_results(&app, berth_time_now() - start);
	drain(&app);
	if (ok && app.opt.wait_tw) {
		/* 2*MSL from now, and a margin for the last FIN and the timer's step. */
		uint64_t msl = app.opt.msl_ns != 0 ? app.opt.msl_ns : 30 * BERTH_NS_PER_SEC;

		ok = wait_time_wait(&app, berth_time_now() + 2 * msl + 10 * BERTH_NS_PER_SEC);
	} else {
		print_conns(&app, "at the end");
	}
	dump_counters(&app);
	ok = ok && app.failed == 0;
	teardown(&app);
	berth_fini();
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
