/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-echo: an echo server (RFC 862) on one berth stack and one DPDK port,
 * over UDP and TCP, built on the public API only (include/berth/berth.h).
 *
 * Start-up: berth_init (EAL) -> berth_stack_create -> berth_port_setup with
 * the stack's pool -> berth_port_dev -> berth_stack_add_if -> open the
 * services' sockets. Run loop on the main lcore: berth_stack_poll(now) ->
 * berth_stack_events -> each service drains its readable sockets. UDP
 * datagrams go back to their source without a copy (recvfrom_mbuf ->
 * sendto_mbuf). TCP connections are accepted from one listener; each
 * echoes through a small buffer of its own (recv -> send), and stops
 * reading while the stack refuses to take more (-EAGAIN) until the socket
 * is writable again, so a client that does not read its echo is slowed
 * down by TCP's window, not by our memory.
 *
 * Services are a table: each opens its sockets and handles the events of
 * the sockets it tagged with berth_sock_set_user().
 *
 * Signals only set flags; the loop acts on them between polls:
 * SIGINT/SIGTERM stop, SIGUSR1 dumps the counters and the connections.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
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

#define PROG "berth-echo"
#define EV_BURST 64
#define EXIT_USAGE 2
#define MAX_SOCKETS 4096        /* default of --max-sockets, as the stack's */
#define TCP_BACKLOG 1024        /* accept queue of the TCP listener */
#define TCP_ECHO_BUF 16384      /* echo buffer of one TCP connection */

struct options {
	uint32_t addr;          /* network byte order */
	uint8_t prefix_len;
	uint32_t gateway;       /* network byte order, 0: none */
	uint16_t udp_port;
	uint16_t tcp_port;      /* 0: no TCP echo */
	uint64_t tcp_msl_ns;    /* 0: the stack's default */
	uint32_t max_sockets;
	unsigned int stats_s;   /* 0: no periodic stats */
	const char *port;       /* ethdev name or number; NULL: first port */
	const char *pcap;
};

struct app {
	struct options opt;
	struct app_net net;       /* pool, stack, port, device */
	int udp_sd;             /* UDP echo socket, -1 when closed */
	uint64_t echo_fail;     /* datagrams the stack refused to send back */
	uint64_t echo_refused;  /* datagrams from a service port, not echoed */
	int tcp_sd;             /* TCP listener, -1 when closed */
	struct tcp_conn **conns; /* by descriptor: the TCP connections */
	struct tcp_conn *retry; /* connections to serve without an event */
	uint32_t nb_conns;      /* open now */
	bool accept_blocked;    /* out of descriptors with connections queued */
	uint32_t blocked_at;    /* nb_conns then: fewer means a descriptor is free */
	uint64_t tcp_accepted;
	uint64_t tcp_closed;    /* closed after a clean end (EOF echoed) */
	uint64_t tcp_aborted;   /* closed on an error (reset, timeout ...) */
	uint64_t tcp_echoed;    /* bytes echoed */
	uint64_t tcp_blocked;   /* sends refused with -EAGAIN: reading paused */
};

/*
 * One TCP connection: what was read but not yet taken by the stack is in
 * buf[off, off + len). While len != 0 nothing more is read.
 */
struct tcp_conn {
	int sd;
	bool eof;               /* the peer's FIN was read: end after the echo */
	bool blocked;           /* send said -EAGAIN: wait for BERTH_EV_WRITABLE */
	bool on_retry;          /* on app->retry (out of buffers, no event comes) */
	struct tcp_conn *retry_next;
	uint32_t off, len;
	char buf[TCP_ECHO_BUF];
};

/*
 * A service owns some sockets. open() creates them and tags each with the
 * service's index (berth_sock_set_user), so events find their way back;
 * on_event() handles one event; close() releases the sockets.
 */
struct service {
	const char *name;
	bool (*enabled)(const struct app *app);
	int (*open)(struct app *app);
	void (*on_event)(struct app *app, const struct berth_event *ev);
	void (*close)(struct app *app);
	char *(*describe)(const struct app *app, char *buf, size_t len);
};

/* Index of each service in services[], the tag of its sockets' events. */
enum { SVC_UDP, SVC_TCP };

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [EAL options] -- --ip ADDR/LEN [--gateway ADDR]\n"
		"                  [--udp-port PORT] [--tcp-port PORT] [--tcp-msl-ms MS]\n"
		"                  [--max-sockets N] [--stats SECONDS] [--port NAME|N]\n"
		"                  [--pcap FILE] [--help]\n"
		"\n"
		"Echo server (RFC 862) on a berth stack over one DPDK port, over UDP\n"
		"and TCP. Datagrams from source ports below 1024 are not echoed (no\n"
		"loops with other echo or chargen servers). TCP connections are served\n"
		"at once, as many as the stack has sockets; each is echoed until the\n"
		"client's FIN, then closed from our side.\n"
		"\n"
		"  --ip ADDR/LEN      the stack's IPv4 address and prefix length (required)\n"
		"  --gateway ADDR     default gateway (default: none)\n"
		"  --udp-port PORT    UDP echo port, 0-65535, 0: none (default: 7)\n"
		"  --tcp-port PORT    TCP echo port, 0-65535, 0: none (default: 7)\n"
		"  --tcp-msl-ms MS    TCP maximum segment lifetime; TIME-WAIT lasts\n"
		"                     2*MS (default: the stack's, 30000)\n"
		"  --max-sockets N    sockets of the stack, listeners and connections\n"
		"                     (default: 4096)\n"
		"  --stats SECONDS    print a stats line every SECONDS (default: never)\n"
		"  --port NAME|N      ethdev port by device name or number\n"
		"                     (default: the first port)\n"
		"  --pcap FILE        write every frame sent and received to FILE (pcapng)\n"
		"  --help             this text\n"
		"\n"
		"Prints '" PROG ": ready on ADDR udp/PORT tcp/PORT' when it answers.\n"
		"SIGINT/SIGTERM: print the counters and exit 0. SIGUSR1: print them and\n"
		"the TCP connections (as ss does), and go on. Counters come twice:\n"
		"'name value' lines and, last of a dump, one line 'counters-json: {...}'.\n"
		"\n"
		"Example on a test net (scripts/testnet), as root:\n"
		"  " PROG " --no-huge -m 512 --no-pci --file-prefix=echo -l 0 \\\n"
		"      --vdev=net_af_packet0,iface=IFACE,qpairs=1 -- --ip 198.18.0.2/24\n");
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
		OPT_IP = 256, OPT_GW, OPT_UDP, OPT_TCP, OPT_MSL, OPT_MAXSOCK, OPT_STATS,
		OPT_PORT, OPT_PCAP, OPT_HELP
	};
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "gateway", required_argument, NULL, OPT_GW },
		{ "udp-port", required_argument, NULL, OPT_UDP },
		{ "tcp-port", required_argument, NULL, OPT_TCP },
		{ "tcp-msl-ms", required_argument, NULL, OPT_MSL },
		{ "max-sockets", required_argument, NULL, OPT_MAXSOCK },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool have_ip = false;
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->udp_port = 7;
	o->tcp_port = 7;
	o->max_sockets = MAX_SOCKETS;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IP:
			if (app_parse_prefix(optarg, &o->addr, &o->prefix_len) < 0)
				return bad_option("ip (ADDR/LEN, e.g. 198.18.0.2/24)", optarg);
			have_ip = true;
			break;
		case OPT_GW:
			if (app_parse_addr(optarg, &o->gateway) < 0)
				return bad_option("gateway", optarg);
			break;
		case OPT_UDP:
			if (app_parse_uint(optarg, 0, 65535, &v) < 0)
				return bad_option("udp-port", optarg);
			o->udp_port = (uint16_t)v;
			break;
		case OPT_TCP:
			if (app_parse_uint(optarg, 0, 65535, &v) < 0)
				return bad_option("tcp-port", optarg);
			o->tcp_port = (uint16_t)v;
			break;
		case OPT_MSL:
			if (app_parse_uint(optarg, 1, 3600 * 1000, &v) < 0)
				return bad_option("tcp-msl-ms", optarg);
			o->tcp_msl_ns = (uint64_t)v * BERTH_NS_PER_MS;
			break;
		case OPT_MAXSOCK:
			/* The UDP socket, the listener and one connection at least. */
			if (app_parse_uint(optarg, 3, 1u << 20, &v) < 0)
				return bad_option("max-sockets", optarg);
			o->max_sockets = (uint32_t)v;
			break;
		case OPT_STATS:
			if (app_parse_uint(optarg, 1, 86400, &v) < 0)
				return bad_option("stats", optarg);
			o->stats_s = (unsigned int)v;
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
	if (!have_ip) {
		fprintf(stderr, PROG ": --ip ADDR/LEN is required\n");
		usage(stderr);
		return -EINVAL;
	}
	if (o->udp_port == 0 && o->tcp_port == 0) {
		fprintf(stderr, PROG ": nothing to serve: --udp-port and --tcp-port are both 0\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- counters ---- */

static uint64_t
counter(const struct app *app, const char *name)
{
	uint64_t v = berth_stack_counter(app->net.st, name);

	return v == UINT64_MAX ? 0 : v;
}

static uint64_t
drops_total(const struct app *app)
{
	uint64_t sum = 0;
	unsigned int id;

	/* Every drop reason's name starts with "drop_" (counters.h). */
	for (id = 0; id < BERTH_COUNTER_MAX; id++) {
		const char *name = berth_counter_name((enum berth_counter)id);

		if (strncmp(name, "drop_", 5) == 0)
			sum += counter(app, name);
	}
	return sum;
}

static void
print_stats(const struct app *app)
{
	printf(PROG ": stats rx_pkts %" PRIu64 " tx_pkts %" PRIu64 " udp_rx %" PRIu64
	       " udp_tx %" PRIu64 " tcp_rx %" PRIu64 " tcp_tx %" PRIu64
	       " established %" PRIu64 " conns %" PRIu32 " drops %" PRIu64
	       " echo_fail %" PRIu64 " echo_refused %" PRIu64 "\n",
	       counter(app, "rx_pkts"), counter(app, "tx_pkts"), counter(app, "udp_rx"),
	       counter(app, "udp_tx"), counter(app, "tcp_rx"), counter(app, "tcp_tx"),
	       counter(app, "tcp_established"), app->nb_conns, drops_total(app),
	       app->echo_fail, app->echo_refused);
	fflush(stdout);
}

/*
 * The counters, then (with_conns) the TCP connection listing; the JSON line
 * comes last, so a reader that sees it has the whole dump.
 */
static void
dump_counters(struct app *app, bool with_conns)
{
	printf(PROG ": counters\n");
	berth_stack_counters_dump(app->net.st, stdout);
	printf("echo_fail                %" PRIu64 "\necho_refused             %" PRIu64 "\n",
	       app->echo_fail, app->echo_refused);
	if (app->opt.tcp_port != 0)
		printf("tcp_echo_conns           %" PRIu32 "\ntcp_echo_accepted        %" PRIu64
		       "\ntcp_echo_closed          %" PRIu64 "\ntcp_echo_aborted         %" PRIu64
		       "\ntcp_echo_bytes           %" PRIu64 "\ntcp_echo_blocked         %" PRIu64
		       "\n", app->nb_conns, app->tcp_accepted, app->tcp_closed, app->tcp_aborted,
		       app->tcp_echoed, app->tcp_blocked);
	if (with_conns) {
		printf(PROG ": connections\n");
		berth_stack_conns_dump(app->net.st, stdout);
		printf(PROG ": end of connections\n");
	}
	printf("counters-json: ");
	berth_stack_counters_json(app->net.st, stdout);
	fflush(stdout);
}

/* ---- UDP echo service (RFC 862, "UDP Based Echo Service") ---- */

/*
 * RFC 862 answers every datagram. Like BSD inetd, datagrams from a
 * privileged port are not: a forged one from another echo (or chargen)
 * server's port would start a loop between the two that never ends.
 */
#define ECHO_MIN_SRC_PORT 1024

static bool
udp_enabled(const struct app *app)
{
	return app->opt.udp_port != 0;
}

static int
udp_open(struct app *app)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(app->opt.udp_port),
	};
	int sd, ret;

	sd = berth_sock_open(app->net.st, BERTH_SOCK_DGRAM);
	if (sd < 0)
		return sd;
	ret = berth_sock_bind(app->net.st, sd, &sin);
	if (ret < 0) {
		berth_sock_close(app->net.st, sd);
		return ret;
	}
	app->udp_sd = sd;
	return sd;
}

/*
 * The echo reuses the received buffer. A buffer without room in front for
 * the headers (possible with some drivers' layouts) is copied instead.
 */
static struct rte_mbuf *
udp_reply_mbuf(struct app *app, struct rte_mbuf *m)
{
	struct rte_mbuf *c, *seg;
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 0;

	if (rte_pktmbuf_headroom(m) >= BERTH_SOCK_HEADROOM &&
	    RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
		return m;
	c = berth_sock_alloc_mbuf(app->net.st);
	if (c == NULL || rte_pktmbuf_tailroom(c) < len) {
		rte_pktmbuf_free(c);
		rte_pktmbuf_free(m);
		return NULL;
	}
	for (seg = m; seg != NULL; seg = seg->next) {
		memcpy(rte_pktmbuf_mtod_offset(c, char *, off),
		       rte_pktmbuf_mtod(seg, const char *), seg->data_len);
		off += seg->data_len;
	}
	c->data_len = (uint16_t)len;
	c->pkt_len = len;
	rte_pktmbuf_free(m);
	return c;
}

static void
udp_on_event(struct app *app, const struct berth_event *ev)
{
	struct sockaddr_in src;
	struct rte_mbuf *m;
	ssize_t n;

	if (!(ev->events & (BERTH_EV_READABLE | BERTH_EV_ERROR)))
		return;
	for (;;) {
		n = berth_sock_recvfrom_mbuf(app->net.st, ev->sd, &m, &src);
		if (n == -EAGAIN)
			break;
		/* A port unreachable for an earlier echo: reported once, go on. */
		if (n == -ECONNREFUSED)
			continue;
		if (n < 0) {
			fprintf(stderr, PROG ": udp recv: %s\n", strerror((int)-n));
			break;
		}
		if (rte_be_to_cpu_16(src.sin_port) < ECHO_MIN_SRC_PORT) {
			app->echo_refused++;
			rte_pktmbuf_free(m);
			continue;
		}
		m = udp_reply_mbuf(app, m);
		if (m == NULL || berth_sock_sendto_mbuf(app->net.st, ev->sd, m, &src) < 0)
			app->echo_fail++;
	}
}

static void
udp_close(struct app *app)
{
	if (app->udp_sd >= 0)
		berth_sock_close(app->net.st, app->udp_sd);
	app->udp_sd = -1;
}

static char *
udp_describe(const struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "udp/%u", app->opt.udp_port);
	return buf;
}

/* ---- TCP echo service (RFC 862, "TCP Based Echo Service") ---- */

static bool
tcp_enabled(const struct app *app)
{
	return app->opt.tcp_port != 0;
}

static int
tcp_open(struct app *app)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(app->opt.tcp_port),
	};
	int sd, ret;

	app->conns = calloc(app->opt.max_sockets, sizeof(*app->conns));
	if (app->conns == NULL)
		return -ENOMEM;
	sd = berth_sock_open(app->net.st, BERTH_SOCK_STREAM);
	if (sd < 0)
		return sd;
	/*
	 * An echo answers at once: with Nagle (RFC 896), an echo of a few bytes
	 * behind one not yet acknowledged would wait for the client's delayed
	 * ACK (up to 40 ms or more). Accepted connections inherit NODELAY.
	 */
	ret = berth_sock_setopt(app->net.st, sd, BERTH_SO_NODELAY, 1);
	if (ret == 0)
		ret = berth_sock_bind(app->net.st, sd, &sin);
	if (ret == 0)
		ret = berth_sock_listen(app->net.st, sd, TCP_BACKLOG);
	if (ret < 0) {
		berth_sock_close(app->net.st, sd);
		return ret;
	}
	app->tcp_sd = sd;
	return sd;
}

static void
tcp_conn_free(struct app *app, struct tcp_conn *c, bool clean)
{
	struct tcp_conn **pp;

	if (c->on_retry) {
		for (pp = &app->retry; *pp != c; pp = &(*pp)->retry_next)
			;
		*pp = c->retry_next;
	}
	/* Closing never blocks: unsent data and our FIN go out in the background. */
	berth_sock_close(app->net.st, c->sd);
	app->conns[c->sd] = NULL;
	app->nb_conns--;
	if (clean)
		app->tcp_closed++;
	else
		app->tcp_aborted++;
	free(c);
}

/*
 * Hand the pending bytes to the stack. Returns 1 when all went, 0 when
 * the rest has to wait (for BERTH_EV_WRITABLE, or a retry when the stack
 * was out of buffers), -errno when the connection is broken.
 */
static int
tcp_conn_flush(struct app *app, struct tcp_conn *c)
{
	ssize_t n;

	while (c->len > 0) {
		n = berth_sock_send(app->net.st, c->sd, c->buf + c->off, c->len);
		if (n == -EAGAIN) {
			/*
			 * The send buffer is full; only a send that failed with
			 * -EAGAIN is promised BERTH_EV_WRITABLE, so a partial send
			 * comes back here once more before we wait.
			 */
			c->blocked = true;
			app->tcp_blocked++;
			return 0;
		}
		if (n == -ENOBUFS) {
			/* No packet buffer: no event will tell when there is one. */
			if (!c->on_retry) {
				c->on_retry = true;
				c->retry_next = app->retry;
				app->retry = c;
			}
			return 0;
		}
		if (n < 0)
			return (int)n;
		c->off += (uint32_t)n;
		c->len -= (uint32_t)n;
		app->tcp_echoed += (uint64_t)n;
	}
	c->off = 0;
	return 1;
}

/*
 * Echo what can be echoed: flush the pending bytes, then read and send
 * until the stack has nothing more for us (-EAGAIN) or refuses to take
 * more. After the peer's FIN and the last byte of its echo, close: the
 * stack sends our FIN after the data (RFC 9293 §3.10.4).
 */
static void
tcp_conn_serve(struct app *app, struct tcp_conn *c)
{
	ssize_t n;
	int ret;

	for (;;) {
		ret = tcp_conn_flush(app, c);
		if (ret < 0)
			goto broken;
		if (ret == 0)
			return;
		if (c->eof)
			break;
		n = berth_sock_recv(app->net.st, c->sd, c->buf, sizeof(c->buf));
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			ret = (int)n;
			goto broken;
		}
		if (n == 0)
			c->eof = true;
		c->len = (uint32_t)n;
	}
	ret = berth_sock_shutdown(app->net.st, c->sd, BERTH_SHUT_WR);
	if (ret < 0 && ret != -ENOTCONN)
		goto broken;
	tcp_conn_free(app, c, true);
	return;
broken:
	/* Reset or timed out: nothing more can be echoed. */
	if (ret != -ECONNRESET && ret != -EPIPE)
		fprintf(stderr, PROG ": tcp connection %d: %s\n", c->sd, strerror(-ret));
	tcp_conn_free(app, c, false);
}

static void
tcp_accept_all(struct app *app)
{
	struct tcp_conn *c;
	int sd;

	for (;;) {
		sd = berth_sock_accept(app->net.st, app->tcp_sd, NULL);
		if (sd == -EAGAIN)
			return;
		if (sd == -EMFILE) {
			/*
			 * The connection waits in the queue for a descriptor. No
			 * new BERTH_EV_ACCEPT comes while the queue is not empty:
			 * retry when a connection of ours has closed.
			 */
			app->accept_blocked = true;
			app->blocked_at = app->nb_conns;
			return;
		}
		if (sd < 0) {
			fprintf(stderr, PROG ": tcp accept: %s\n", strerror(-sd));
			return;
		}
		c = malloc(sizeof(*c));
		if (c == NULL || (uint32_t)sd >= app->opt.max_sockets) {
			free(c);
			berth_sock_setopt(app->net.st, sd, BERTH_SO_LINGER, 0);
			berth_sock_close(app->net.st, sd);
			app->tcp_aborted++;
			continue;
		}
		memset(c, 0, offsetof(struct tcp_conn, buf));
		c->sd = sd;
		app->conns[sd] = c;
		app->nb_conns++;
		app->tcp_accepted++;
		/* The listener's tag, so its events come to this service. */
		berth_sock_set_user(app->net.st, sd, SVC_TCP);
		/* Data may have arrived with the handshake: no edge will announce it. */
		tcp_conn_serve(app, c);
	}
}

static void
tcp_on_event(struct app *app, const struct berth_event *ev)
{
	struct tcp_conn *c;

	if (ev->sd == app->tcp_sd) {
		if (ev->events & BERTH_EV_ACCEPT)
			tcp_accept_all(app);
		return;
	}
	if (ev->sd < 0 || (uint32_t)ev->sd >= app->opt.max_sockets)
		return;
	c = app->conns[ev->sd];
	if (c == NULL)
		return;
	if (ev->events & BERTH_EV_WRITABLE)
		c->blocked = false;
	/*
	 * ERROR and HANGUP need no case of their own: recv and send report
	 * the reset or the EOF, and serving the connection ends it.
	 */
	if (!c->blocked || (ev->events & (BERTH_EV_ERROR | BERTH_EV_HANGUP)))
		tcp_conn_serve(app, c);
}

/* Connections that ran out of packet buffers try again, once per loop. */
static void
tcp_retry(struct app *app)
{
	struct tcp_conn *list = app->retry, *c;

	app->retry = NULL;
	while ((c = list) != NULL) {
		list = c->retry_next;
		c->on_retry = false;
		tcp_conn_serve(app, c);
	}
}

static void
tcp_close(struct app *app)
{
	uint32_t sd;

	if (app->conns != NULL) {
		for (sd = 0; sd < app->opt.max_sockets; sd++)
			if (app->conns[sd] != NULL)
				tcp_conn_free(app, app->conns[sd], false);
		free(app->conns);
	}
	app->conns = NULL;
	if (app->tcp_sd >= 0)
		berth_sock_close(app->net.st, app->tcp_sd);
	app->tcp_sd = -1;
}

static char *
tcp_describe(const struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "tcp/%u", app->opt.tcp_port);
	return buf;
}

static const struct service services[] = {
	[SVC_UDP] = { "udp", udp_enabled, udp_open, udp_on_event, udp_close, udp_describe },
	[SVC_TCP] = { "tcp", tcp_enabled, tcp_open, tcp_on_event, tcp_close, tcp_describe },
};
#define NB_SERVICES (sizeof(services) / sizeof(services[0]))

static int
services_open(struct app *app)
{
	unsigned int i;
	int sd;

	for (i = 0; i < NB_SERVICES; i++) {
		if (!services[i].enabled(app))
			continue;
		sd = services[i].open(app);
		if (sd < 0) {
			fprintf(stderr, PROG ": %s service: %s\n", services[i].name,
				strerror(-sd));
			return sd;
		}
		berth_sock_set_user(app->net.st, sd, i);
	}
	return 0;
}

static void
services_close(struct app *app)
{
	unsigned int i;

	for (i = 0; i < NB_SERVICES; i++)
		if (services[i].enabled(app))
			services[i].close(app);
}

static void
print_ready(const struct app *app)
{
	char addr[INET_ADDRSTRLEN], what[32];
	struct in_addr a = { .s_addr = app->opt.addr };
	unsigned int i;

	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	printf(PROG ": ready on %s", addr);
	for (i = 0; i < NB_SERVICES; i++)
		if (services[i].enabled(app))
			printf(" %s", services[i].describe(app, what, sizeof(what)));
	printf("\n");
	fflush(stdout);
}

/* ---- set-up and run loop ---- */

static int
setup(struct app *app)
{
	struct berth_stack_conf sconf;
	struct app_net_conf nc = {
		.prog = PROG,
		.pool_name = "berth_echo",
		.port = app->opt.port,
		.pcap = app->opt.pcap,
		.addr = app->opt.addr,
		.prefix_len = app->opt.prefix_len,
		.gateway = app->opt.gateway,
	};
	int ret;

	memset(&sconf, 0, sizeof(sconf));
	sconf.max_sockets = app->opt.max_sockets;
	sconf.tcp_msl_ns = app->opt.tcp_msl_ns;
	ret = app_net_up(&app->net, &nc, &sconf);
	if (ret < 0)
		return ret;
	return services_open(app);
}

static void
teardown(struct app *app)
{
	if (app->net.st != NULL)
		services_close(app);
	app_net_down(&app->net);
}

static void
run(struct app *app)
{
	struct berth_event ev[EV_BURST];
	uint64_t now, next_stats = 0, period;
	unsigned int n, i;

	period = (uint64_t)app->opt.stats_s * BERTH_NS_PER_SEC;
	if (period != 0)
		next_stats = berth_time_now() + period;
	while (!app_stop_requested) {
		now = berth_time_now();
		berth_stack_poll(app->net.st, now);
		do {
			n = berth_stack_events(app->net.st, ev, EV_BURST);
			for (i = 0; i < n; i++)
				if (ev[i].user < NB_SERVICES)
					services[ev[i].user].on_event(app, &ev[i]);
		} while (n == EV_BURST);
		if (app->retry != NULL)
			tcp_retry(app);
		if (app->accept_blocked && app->nb_conns < app->blocked_at) {
			app->accept_blocked = false;
			tcp_accept_all(app);
		}
		/* Echoes go out now rather than on the next poll. */
		berth_stack_flush(app->net.st, now);
		if (app_dump_requested) {
			app_dump_requested = 0;
			dump_counters(app, true);
		}
		if (period != 0 && now >= next_stats) {
			print_stats(app);
			next_stats = now + period;
		}
	}
}

/* Index of "--" in argv, or argc if there is none. */

int
main(int argc, char **argv)
{
	struct app_start_conf sc = { .prog = PROG, .usage = usage, .parse = parse_options };
	struct app app;
	int ret;

	memset(&app, 0, sizeof(app));
	app.udp_sd = -1;
	app.tcp_sd = -1;
	sc.opt = &app.opt;
	ret = app_start(&sc, argc, argv);
	if (ret >= 0)
		return ret;
	if (setup(&app) < 0) {
		teardown(&app);
		berth_fini();
		return EXIT_FAILURE;
	}
	print_ready(&app);
	run(&app);

	printf(PROG ": stopping\n");
	dump_counters(&app, true);
	teardown(&app);
	berth_fini();
	return EXIT_SUCCESS;
}
