/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-load: a load generator on one berth stack, in the manner of wrk and
 * dperf's client, built on the public API only (include/berth/berth.h).
 *
 * Modes:
 *   keepalive  HTTP/1.1 requests on persistent connections, one outstanding
 *              per connection; a connection the server ends is reopened
 *   close      one request per connection ("Connection: close"); the
 *              server's FIN is awaited so that TIME-WAIT stays on its side
 *              (RFC 9293 §3.6); or (--client-close) a request that leaves
 *              the connection open, which berth closes after the response:
 *              its FIN goes first and TIME-WAIT stays on berth's side
 *   echo       SIZE bytes sent, the same SIZE bytes awaited and checked, on
 *              persistent connections (an RFC 862 echo server)
 *   udp        datagrams of SIZE bytes to a UDP echo server (RFC 862), from
 *              one connected socket, WINDOW of them in flight: echoes/s
 *              and the round trip of each (its send time rides in the
 *              datagram); datagrams that do not come back within a pause
 *              are counted lost and leave the window, so a loss never
 *              stalls the run
 *
 * Start-up: berth_init (EAL) -> app_net_up (stack, port, interface) ->
 * berth_stack_add_addr for each extra source address. Run loop on the main
 * lcore: berth_stack_poll(now) -> berth_stack_events -> per connection:
 * connect / send the request / read and frame the response (http.c) ->
 * latency into the histogram (hist.c) -> next request. Once a second a
 * progress line; at the end a report and one "result-json:" line. With
 * --wait-stop it then stops polling and closes its port only on a signal,
 * so that a peer on net_memif can leave first (app_net_idle_until_stop).
 *
 * Closed loop (default): each connection sends its next request as soon as
 * the previous response is complete; latency runs from the send (from the
 * connect in close mode). Open loop (--rate R): request k is due at
 * start + k/R whatever the server does; a due request waits for a free
 * connection, and its latency runs from the time it was due, so a stall
 * shows in the percentiles instead of hiding in fewer samples (the
 * "coordinated omission" of closed-loop generators).
 *
 * Source addresses (--ip-count, --src): each new connection binds to the
 * next address in turn, port 0: the stack picks the port at connect with
 * RFC 6056 Algorithm 4 for the whole 4-tuple, so every address brings its
 * own ephemeral range to the server. An exhausted range is an error of its
 * own kind (EADDRNOTAVAIL), never a silent stall.
 *
 * Read first: RFC 9112 §6.3 and §9.3 (where a response ends, which
 * connections persist; http.c), RFC 9293 §3.6 (who closes first keeps
 * TIME-WAIT), RFC 6056 §2.1 and §3.3.4 (ephemeral ports per 4-tuple),
 * RFC 862 (echo).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <berth/berth.h>

#include "../common/app_net.h"
#include "hist.h"
#include "http.h"

#define PROG "berth-load"
#define EXIT_USAGE 2
#define EV_BURST 256
#define MAX_CONNS 60000
#define MAX_SRCS (BERTH_IF_MAX_ADDRS + 1)
#define RX_CHUNK 16384
#define MAX_REQ_LINE 1024
#define MAX_ECHO (1u << 20)
/* Pause of a connection after an error, so a dead server is not hammered. */
#define BACKOFF_NS (10 * BERTH_NS_PER_MS)
/* How often connections are checked for their deadlines. */
#define SCAN_NS (10 * BERTH_NS_PER_MS)
/* Longest wait for the server's FIN after a response that ends the connection. */
#define LINGER_NS BERTH_NS_PER_SEC
/* Requests still in flight when the time is up get this long to finish. */
#define GRACE_NS (500 * BERTH_NS_PER_MS)
/* UDP mode: datagrams out with nothing back for this long are lost. */
#define UDP_LOST_NS (20 * BERTH_NS_PER_MS)
/* UDP mode: the sequence number and send time ride in the first 16 bytes. */
#define UDP_STAMP_LEN 16
#define UDP_MAX_SIZE 1472
#define UDP_MAX_WINDOW 4096

enum mode { M_KEEPALIVE, M_CLOSE, M_ECHO, M_UDP };
static const char *const mode_names[] = { "keepalive", "close", "echo", "udp" };

/* Error kinds, as the report and the JSON name them. */
enum err_kind {
	E_REFUSED,        /* RST to our SYN */
	E_CONN_TIMEOUT,   /* no answer to the SYN within --timeout */
	E_RESET,          /* RST on an established connection */
	E_BAD_RESPONSE,   /* unparsable, unsupported (chunked), cut short, echo differs */
	E_STATUS,         /* a complete response, status not 2xx */
	E_READ_TIMEOUT,   /* no complete response within --timeout */
	E_PORT_EXHAUSTED, /* connect: EADDRNOTAVAIL, no ephemeral port free for the tuple */
	E_TABLE_FULL,     /* connect: ENOBUFS, the stack's connection table is full */
	E_OTHER,
	E_KINDS
};
static const char *const err_names[E_KINDS] = {
	"refused", "connect_timeout", "reset", "bad_response", "status", "read_timeout",
	"port_exhausted", "table_full", "other",
};

struct options {
	uint32_t addr;             /* network byte order */
	uint8_t prefix_len;
	uint32_t gateway;
	struct sockaddr_in dest;
	bool have_dest;
	unsigned int conns;
	double duration_s;
	double rate;               /* requests/s in all; 0: closed loop */
	enum mode mode;
	const char *path;
	const char *request;       /* request line, e.g. "GET / HTTP/1.1" */
	const char *host;          /* Host field; NULL: the destination */
	uint32_t size;             /* echo bytes per request */
	unsigned int ip_count;     /* 0: not given */
	uint32_t srcs[MAX_SRCS];   /* --src, in order */
	unsigned int nb_srcs;
	bool client_close;
	uint64_t timeout_ns;
	bool stats;
	bool quiet;
	bool wait_stop;            /* after the report: idle until SIGINT/SIGTERM */
	uint64_t msl_ns;
	uint32_t max_tcp_conns;
	uint16_t eph_lo, eph_hi;   /* 0: the stack's range */
	uint32_t mbufs;            /* 0: app_net's default */
	uint32_t window;           /* udp: datagrams in flight */
	const char *port;
	const char *pcap;
};

enum conn_state {
	C_IDLE,        /* no socket */
	C_CONNECTING,  /* SYN sent */
	C_READY,       /* connected, no request */
	C_BUSY,        /* a request out: sending it and/or reading the response */
	C_LINGER,      /* response complete; waiting for the server's FIN */
};

struct conn {
	uint8_t state;
	bool have_req;      /* a request is assigned (sent or to be sent) */
	bool in_avail;
	bool in_backoff;
	bool kick;          /* a send stopped on ENOBUFS: retry without an event */
	int sd;
	uint16_t src;       /* index in app.srcs of the current socket's address */
	uint32_t sent;      /* bytes of the request sent */
	uint64_t rcvd;      /* echo mode: bytes back */
	uint64_t t_start;   /* latency origin of the request */
	uint64_t deadline;  /* connect, response or linger deadline; 0: none */
	uint64_t retry_at;  /* C_IDLE after an error: not before */
	struct http_resp resp;
};

struct src_stat {
	uint32_t addr;
	uint64_t opened;
	uint64_t exhausted;
};

/* Counts of one interval (progress line) or of the whole run. */
struct tally {
	uint64_t requests;     /* responses complete, any status */
	uint64_t ok;           /* of those, 2xx (or echoed) */
	uint64_t opened;       /* connections opened */
	uint64_t errors[E_KINDS];
	uint64_t rx_bytes, tx_bytes;
};

struct ring {
	uint32_t *v;
	uint32_t cap, head, len;
};

struct app {
	struct options opt;
	struct app_net net;
	struct conn *conns;
	struct src_stat srcs[MAX_SRCS];
	unsigned int nb_srcs;
	bool bind_src;          /* bind each socket to srcs[next_src] */
	unsigned int next_src;
	struct ring avail;      /* slots that can take a request now */
	struct ring backoff;    /* idle slots after an error, oldest first */
	char *req;              /* the request (HTTP) or the echo payload */
	uint32_t req_len;
	bool head_req;
	uint64_t t0, t_end;
	uint64_t issued;        /* requests assigned (open loop: due times taken) */
	bool running;           /* requests are being assigned */
	bool measuring;         /* completions count */
	uint64_t open_now;      /* sockets open */
	unsigned int nb_kick;   /* slots with kick set */
	uint64_t reopened;      /* keepalive connections the server ended, reopened */
	uint64_t unfinished;    /* requests out when the time was up */
	int last_errno;         /* of the last E_OTHER */
	uint16_t last_status;   /* of the last non-2xx response */
	struct tally total, interval;
	struct load_hist hist, ihist;
	/* echo and udp modes: round trips in ns (the us histogram is too coarse for them) */
	struct load_hist hist_ns;
	/* udp mode */
	int udp_sd;
	uint64_t udp_seq;       /* datagrams sent */
	uint64_t udp_out;       /* of those, in flight */
	uint64_t udp_last_rx;   /* ns: last echo (or the last time the window was reset) */
	uint64_t udp_lost;      /* declared lost after UDP_LOST_NS */
	uint64_t udp_send_fail; /* the stack refused a datagram (no buffer) */
	uint8_t rx[RX_CHUNK];
};

/* ---- usage and options ---- */

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [EAL options] -- --ip ADDR/LEN --connect IP:PORT\n"
		"                 [--connections N] [--duration S] [--rate R]\n"
		"                 [--mode keepalive|close|echo|udp] [--path PATH]\n"
		"                 [--request 'METHOD PATH HTTP/1.x'] [--host NAME] [--size N]\n"
		"                 [--ip-count N | --src ADDR ...] [--gateway ADDR]\n"
		"                 [--client-close] [--timeout MS] [--stats] [--quiet]\n"
		"                 [--wait-stop]\n"
		"                 [--tcp-msl-ms MS] [--tcp-max-conns N] [--ephemeral LO-HI]\n"
		"                 [--mbufs N] [--window N] [--port NAME|N] [--pcap FILE]\n"
		"                 [--help]\n"
		"\n"
		"Sends requests from a berth stack to a server for a while and reports\n"
		"requests/s, connections/s, errors by kind and latency percentiles.\n"
		"\n"
		"  --ip ADDR/LEN       the stack's IPv4 address and prefix length (required)\n"
		"  --connect IP:PORT   the server (required)\n"
		"  --connections N     connections at once, 1-%u (default: 10)\n"
		"  --duration S        seconds to run (default: 10; fractions allowed)\n"
		"  --rate R            open loop: R requests/s in all, latency from the time\n"
		"                      each was due (default: closed loop, as fast as answered)\n"
		"  --mode M            keepalive: HTTP/1.1 on persistent connections (default)\n"
		"                      close: one request per connection, Connection: close\n"
		"                      echo: send SIZE bytes, wait for them back (RFC 862)\n"
		"                      udp: datagrams of SIZE bytes to a UDP echo server,\n"
		"                      WINDOW in flight; echoes/s and round trips\n"
		"  --path PATH         request target (default: /)\n"
		"  --request LINE      the whole request line, e.g. 'HEAD /x HTTP/1.0'\n"
		"  --host NAME         Host field (default: the server's IP:PORT)\n"
		"  --size N            echo mode: bytes per request, 1-%u (default: 64);\n"
		"                      udp mode: bytes per datagram, 1-%u\n"
		"  --window N          udp mode: datagrams in flight, 1-%u (default: 32)\n"
		"  --ip-count N        use N source addresses: ADDR and the N-1 after it,\n"
		"                      1-%u, all in the subnet; connections take them in turn\n"
		"  --src ADDR          a source address (repeat; ADDR of --ip or another in\n"
		"                      the subnet); connections take them in turn\n"
		"  --gateway ADDR      default gateway (default: none)\n"
		"  --client-close      close mode: berth closes after the response, its FIN\n"
		"                      first (berth keeps TIME-WAIT, so its ports run out\n"
		"                      after 2*MSL); default: the request asks the server to\n"
		"                      close, berth waits for its FIN (up to 1 s) and the\n"
		"                      server keeps TIME-WAIT\n"
		"  --timeout MS        connect and response timeout (default: 5000)\n"
		"  --stats             print the stack's counters at the end\n"
		"  --quiet             no progress line each second\n"
		"  --wait-stop         at the end, stop polling, print 'idle', and close the\n"
		"                      port only on SIGINT or SIGTERM: on a shared-memory\n"
		"                      link (net_memif) the peer must leave first, while\n"
		"                      this side no longer polls\n"
		"  --tcp-msl-ms MS     maximum segment lifetime; TIME-WAIT lasts 2*MS\n"
		"  --tcp-max-conns N   stack connection table, TIME-WAIT included\n"
		"                      (default: the stack's, 65536)\n"
		"  --ephemeral LO-HI   ephemeral port range (default: 49152-65535); each\n"
		"                      source address has all of it for the server\n"
		"  --mbufs N           packet buffers (default: 8191)\n"
		"  --port NAME|N       ethdev port (default: the first)\n"
		"  --pcap FILE         write every frame to FILE (pcapng)\n"
		"\n"
		"Output: a progress line each second, then the report and one line\n"
		"'result-json: {...}' for scripts. Exit 0 when requests completed and no\n"
		"error happened, 1 otherwise, 2 on bad usage.\n"
		"\n"
		"Example on a test net (scripts/testnet), as root:\n"
		"  " PROG " --no-huge -m 512 --no-pci --file-prefix=load -l 1 \\\n"
		"      --vdev=net_af_packet0,iface=IFACE,qpairs=1 -- --ip 198.18.0.2/24 \\\n"
		"      --connect 198.18.0.1:80 --connections 20 --duration 5 --ip-count 4\n",
		MAX_CONNS, MAX_ECHO, UDP_MAX_SIZE, UDP_MAX_WINDOW, MAX_SRCS);
}

static int
parse_double(const char *s, double min, double max, double *v)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*v) || *v < min || *v > max)
		return -EINVAL;
	return 0;
}

static int
bad_option(const char *opt, const char *arg)
{
	fprintf(stderr, PROG ": bad value for --%s: '%s'\n", opt, arg);
	usage(stderr);
	return -EINVAL;
}

/* A request line we can send: printable, no CR/LF, "METHOD SP TARGET SP HTTP/1.x". */
static bool
request_line_ok(const char *s)
{
	const char *sp1, *sp2;
	size_t i, len = strlen(s);

	if (len == 0 || len > MAX_REQ_LINE)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	sp1 = strchr(s, ' ');
	sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
	return sp1 != NULL && sp1 != s && sp2 != NULL && sp2 > sp1 + 1 &&
	       strncmp(sp2 + 1, "HTTP/1.", 7) == 0 && strchr(sp2 + 1, ' ') == NULL;
}

static bool
printable(const char *s, size_t max)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

static int
parse_options(int argc, char **argv, void *arg)
{
	struct options *o = arg;
	enum {
		OPT_IP = 256, OPT_CONNECT, OPT_CONNS, OPT_DURATION, OPT_RATE, OPT_MODE, OPT_PATH,
		OPT_REQUEST, OPT_HOST, OPT_SIZE, OPT_IP_COUNT, OPT_SRC, OPT_GW, OPT_CLIENT_CLOSE,
		OPT_TIMEOUT, OPT_STATS, OPT_QUIET, OPT_MSL, OPT_MAX_CONNS, OPT_EPHEMERAL, OPT_MBUFS,
		OPT_PORT, OPT_PCAP, OPT_HELP, OPT_WINDOW, OPT_WAIT_STOP
	};
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "connections", required_argument, NULL, OPT_CONNS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "request", required_argument, NULL, OPT_REQUEST },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "ip-count", required_argument, NULL, OPT_IP_COUNT },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "gateway", required_argument, NULL, OPT_GW },
		{ "client-close", no_argument, NULL, OPT_CLIENT_CLOSE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "wait-stop", no_argument, NULL, OPT_WAIT_STOP },
		{ "tcp-msl-ms", required_argument, NULL, OPT_MSL },
		{ "tcp-max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "ephemeral", required_argument, NULL, OPT_EPHEMERAL },
		{ "mbufs", required_argument, NULL, OPT_MBUFS },
		{ "window", required_argument, NULL, OPT_WINDOW },
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
	o->conns = 10;
	o->duration_s = 10;
	o->mode = M_KEEPALIVE;
	o->path = "/";
	o->size = 64;
	o->window = 32;
	o->timeout_ns = 5 * BERTH_NS_PER_SEC;
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
			if (app_parse_pair(optarg, ':', 65535, &a, &v) < 0)
				return bad_option("connect (IP:PORT)", optarg);
			o->dest.sin_family = AF_INET;
			o->dest.sin_addr.s_addr = a;
			o->dest.sin_port = htons((uint16_t)v);
			o->have_dest = true;
			break;
		case OPT_CONNS:
			if (app_parse_uint(optarg, 1, MAX_CONNS, &v) < 0)
				return bad_option("connections", optarg);
			o->conns = (unsigned int)v;
			break;
		case OPT_DURATION:
			if (parse_double(optarg, 0.1, 86400, &o->duration_s) < 0)
				return bad_option("duration (0.1-86400 s)", optarg);
			break;
		case OPT_RATE:
			if (parse_double(optarg, 0.1, 1e8, &o->rate) < 0)
				return bad_option("rate (requests/s)", optarg);
			break;
		case OPT_MODE:
			if (strcmp(optarg, "keepalive") == 0)
				o->mode = M_KEEPALIVE;
			else if (strcmp(optarg, "close") == 0)
				o->mode = M_CLOSE;
			else if (strcmp(optarg, "echo") == 0)
				o->mode = M_ECHO;
			else if (strcmp(optarg, "udp") == 0)
				o->mode = M_UDP;
			else
				return bad_option("mode (keepalive, close, echo, udp)", optarg);
			break;
		case OPT_PATH:
			if (optarg[0] != '/' || !printable(optarg, MAX_REQ_LINE - 32))
				return bad_option("path (/..., no spaces)", optarg);
			o->path = optarg;
			break;
		case OPT_REQUEST:
			if (!request_line_ok(optarg))
				return bad_option("request ('METHOD TARGET HTTP/1.x')", optarg);
			o->request = optarg;
			break;
		case OPT_HOST:
			if (!printable(optarg, 255))
				return bad_option("host", optarg);
			o->host = optarg;
			break;
		case OPT_SIZE:
			if (app_parse_uint(optarg, 1, MAX_ECHO, &v) < 0)
				return bad_option("size", optarg);
			o->size = (uint32_t)v;
			break;
		case OPT_IP_COUNT:
			if (app_parse_uint(optarg, 1, MAX_SRCS, &v) < 0)
				return bad_option("ip-count", optarg);
			o->ip_count = (unsigned int)v;
			break;
		case OPT_SRC:
			if (o->nb_srcs == MAX_SRCS)
				return bad_option("src (too many)", optarg);
			if (app_parse_addr(optarg, &o->srcs[o->nb_srcs]) < 0)
				return bad_option("src", optarg);
			o->nb_srcs++;
			break;
		case OPT_GW:
			if (app_parse_addr(optarg, &o->gateway) < 0)
				return bad_option("gateway", optarg);
			break;
		case OPT_CLIENT_CLOSE:
			o->client_close = true;
			break;
		case OPT_TIMEOUT:
			if (app_parse_uint(optarg, 1, 3600 * 1000, &v) < 0)
				return bad_option("timeout (ms)", optarg);
			o->timeout_ns = v * BERTH_NS_PER_MS;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_WAIT_STOP:
			o->wait_stop = true;
			break;
		case OPT_MSL:
			if (app_parse_uint(optarg, 1, 3600 * 1000, &v) < 0)
				return bad_option("tcp-msl-ms", optarg);
			o->msl_ns = v * BERTH_NS_PER_MS;
			break;
		case OPT_MAX_CONNS:
			if (app_parse_uint(optarg, 16, 1u << 22, &v) < 0)
				return bad_option("tcp-max-conns (16-4194304)", optarg);
			o->max_tcp_conns = (uint32_t)v;
			break;
		case OPT_EPHEMERAL: {
			unsigned long long lo, hi;
			char buf[16], *dash;

			if (strlen(optarg) >= sizeof(buf))
				return bad_option("ephemeral (LO-HI)", optarg);
			strcpy(buf, optarg);
			dash = strchr(buf, '-');
			if (dash == NULL)
				return bad_option("ephemeral (LO-HI)", optarg);
			*dash = '\0';
			if (app_parse_uint(buf, 1, 65535, &lo) < 0 ||
			    app_parse_uint(dash + 1, lo, 65535, &hi) < 0)
				return bad_option("ephemeral (LO-HI, 1-65535)", optarg);
			o->eph_lo = (uint16_t)lo;
			o->eph_hi = (uint16_t)hi;
			break;
		}
		case OPT_MBUFS:
			if (app_parse_uint(optarg, 1023, 1u << 20, &v) < 0)
				return bad_option("mbufs (1023-1048576)", optarg);
			o->mbufs = (uint32_t)v;
			break;
		case OPT_WINDOW:
			if (app_parse_uint(optarg, 1, UDP_MAX_WINDOW, &v) < 0)
				return bad_option("window", optarg);
			o->window = (uint32_t)v;
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
	if (!have_ip || !o->have_dest) {
		fprintf(stderr, PROG ": --ip ADDR/LEN and --connect IP:PORT are required\n");
		usage(stderr);
		return -EINVAL;
	}
	if (o->ip_count > 0 && o->nb_srcs > 0) {
		fprintf(stderr, PROG ": --ip-count and --src exclude each other\n");
		return -EINVAL;
	}
	if (o->mode == M_UDP && o->size > UDP_MAX_SIZE) {
		fprintf(stderr, PROG ": udp mode: --size is at most %u (one frame at MTU 1500)\n",
			UDP_MAX_SIZE);
		return -EINVAL;
	}
	if ((o->mode == M_ECHO || o->mode == M_UDP) && (o->request != NULL || o->host != NULL)) {
		fprintf(stderr, PROG ": --request and --host are for the HTTP modes\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- source addresses ---- */

static bool
in_subnet(uint32_t base, uint8_t prefix_len, uint32_t a)
{
	uint32_t mask = prefix_len == 0 ? 0 : ~0u << (32 - prefix_len);
	uint32_t hb = ntohl(base), ha = ntohl(a);

	return (hb & mask) == (ha & mask);
}

static void
fmt_ip(uint32_t a, char *buf, size_t len)
{
	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

/*
 * The source addresses: --ip-count N takes ADDR and the N-1 after it,
 * --src the ones listed. Those other than ADDR become secondary addresses
 * of the interface, each announced by a gratuitous ARP.
 */
static int
setup_sources(struct app *app)
{
	const struct options *o = &app->opt;
	uint32_t list[MAX_SRCS];
	unsigned int n = 0, i, j;
	char ip[INET_ADDRSTRLEN];
	int ret;

	if (o->ip_count > 0) {
		for (i = 0; i < o->ip_count; i++)
			list[n++] = htonl(ntohl(o->addr) + i);
	} else {
		for (i = 0; i < o->nb_srcs; i++)
			list[n++] = o->srcs[i];
	}
	app->bind_src = n > 0;
	if (n == 0)
		list[n++] = o->addr; /* the route's source, not bound */
	for (i = 0; i < n; i++) {
		fmt_ip(list[i], ip, sizeof(ip));
		for (j = 0; j < i; j++)
			if (list[j] == list[i]) {
				fprintf(stderr, PROG ": source address %s given twice\n", ip);
				return -EINVAL;
			}
		if (list[i] == o->dest.sin_addr.s_addr) {
			fprintf(stderr, PROG ": source address %s is the server's\n", ip);
			return -EINVAL;
		}
		if (!in_subnet(o->addr, o->prefix_len, list[i])) {
			fprintf(stderr, PROG ": source address %s is not in %s's subnet /%u\n",
				ip, "--ip", o->prefix_len);
			return -EINVAL;
		}
		app->srcs[i].addr = list[i];
		if (list[i] == o->addr)
			continue;
		ret = berth_stack_add_addr(app->net.st, 0, list[i], berth_time_now());
		if (ret < 0) {
			fprintf(stderr, PROG ": source address %s: %s\n", ip, ret == -EINVAL ?
				"not a host address (the subnet's own or its broadcast?)" :
				strerror(-ret));
			return ret;
		}
	}
	app->nb_srcs = n;
	return 0;
}

/* ---- the request ---- */

/* Byte at offset off of an echo payload: no short period, so shifts show. */
static inline uint8_t
echo_byte(uint64_t off)
{
	uint32_t x = (uint32_t)(off >> 2) * 2654435761u;

	return (uint8_t)(x >> (8 * (off & 3)));
}

static int
build_request(struct app *app)
{
	const struct options *o = &app->opt;
	char line[MAX_REQ_LINE + 64], host[300];
	const char *version;
	char ip[INET_ADDRSTRLEN];
	const char *conn_field = "";
	int n;
	uint32_t i;

	if (o->mode == M_ECHO || o->mode == M_UDP) {
		app->req = malloc(o->size);
		if (app->req == NULL)
			return -ENOMEM;
		for (i = 0; i < o->size; i++)
			app->req[i] = (char)echo_byte(i);
		app->req_len = o->size;
		return 0;
	}
	if (o->request != NULL)
		snprintf(line, sizeof(line), "%s", o->request);
	else
		snprintf(line, sizeof(line), "GET %s HTTP/1.1", o->path);
	app->head_req = strncmp(line, "HEAD ", 5) == 0;
	version = strrchr(line, ' ') + 1;
	fmt_ip(o->dest.sin_addr.s_addr, ip, sizeof(ip));
	if (o->host != NULL)
		snprintf(host, sizeof(host), "%s", o->host);
	else if (ntohs(o->dest.sin_port) == 80)
		snprintf(host, sizeof(host), "%s", ip);
	else
		snprintf(host, sizeof(host), "%s:%u", ip, ntohs(o->dest.sin_port));
	/*
	 * RFC 9112 §9.3, §9.6: 1.1 persists unless told; 1.0 only if asked.
	 * Close mode asks the server to close, so its FIN goes first and
	 * TIME-WAIT stays there; with --client-close the server is left to
	 * wait and berth's FIN goes first (RFC 9293 §3.6).
	 */
	if (o->mode == M_CLOSE && !o->client_close)
		conn_field = "Connection: close\r\n";
	else if (strcmp(version, "HTTP/1.0") == 0)
		conn_field = "Connection: keep-alive\r\n";
	n = snprintf(NULL, 0, "%s\r\nHost: %s\r\nUser-Agent: " PROG "\r\n%s\r\n", line, host,
		     conn_field);
	app->req = malloc((size_t)n + 1);
	if (app->req == NULL)
		return -ENOMEM;
	snprintf(app->req, (size_t)n + 1, "%s\r\nHost: %s\r\nUser-Agent: " PROG "\r\n%s\r\n", line,
		 host, conn_field);
	app->req_len = (uint32_t)n;
	return 0;
}

/* ---- rings of slot numbers ---- */

static int
ring_init(struct ring *r, uint32_t cap)
{
	r->v = calloc(cap, sizeof(*r->v));
	r->cap = cap;
	r->head = r->len = 0;
	return r->v == NULL ? -ENOMEM : 0;
}

static void
ring_push(struct ring *r, uint32_t x)
{
	if (r->len == r->cap)
		return; /* cannot happen: a slot is in a ring at most once (in_avail, in_backoff) */
	r->v[(r->head + r->len) % r->cap] = x;
	r->len++;
}

static uint32_t
ring_pop(struct ring *r)
{
	uint32_t x = r->v[r->head];

	r->head = (r->head + 1) % r->cap;
	r->len--;
	return x;
}

static void
avail_push(struct app *app, uint32_t slot)
{
	struct conn *c = &app->conns[slot];

	if (c->in_avail)
		return;
	c->in_avail = true;
	ring_push(&app->avail, slot);
}

/* ---- connections ---- */

static void count_error(struct app *app, enum err_kind k, int err);
static void conn_connect(struct app *app, uint32_t slot, uint64_t now);

static uint32_t
slot_of(const struct app *app, const struct conn *c)
{
	return (uint32_t)(c - app->conns);
}

static void
set_kick(struct app *app, struct conn *c, bool on)
{
	if (c->kick == on)
		return;
	c->kick = on;
	if (on)
		app->nb_kick++;
	else
		app->nb_kick--;
}

/* Close the socket: gracefully, or with a RST (abort). */
static void
conn_close(struct app *app, struct conn *c, bool abort)
{
	if (c->sd < 0)
		return;
	if (abort)
		berth_sock_setopt(app->net.st, c->sd, BERTH_SO_LINGER, 0);
	berth_sock_close(app->net.st, c->sd);
	c->sd = -1;
	c->state = C_IDLE;
	set_kick(app, c, false);
	c->deadline = 0;
	app->open_now--;
}

/*
 * A slot without a socket or a request goes back to work: persistent modes
 * reconnect at once (a request waits for the connection), close mode waits
 * for its next request.
 */
static void
conn_idle(struct app *app, struct conn *c, uint64_t now)
{
	c->state = C_IDLE;
	c->have_req = false;
	if (!app->running)
		return;
	if (app->opt.mode == M_CLOSE)
		avail_push(app, slot_of(app, c));
	else
		conn_connect(app, slot_of(app, c), now);
}

/* An error ends the request (if any) and the connection; the slot rests a moment. */
static void
conn_fail(struct app *app, struct conn *c, enum err_kind k, int err, uint64_t now)
{
	count_error(app, k, err);
	conn_close(app, c, true);
	c->have_req = false;
	c->retry_at = now + BACKOFF_NS;
	if (app->running && !c->in_backoff) {
		c->in_backoff = true;
		ring_push(&app->backoff, slot_of(app, c));
	}
}

static enum err_kind
kind_of(const struct conn *c, int err)
{
	switch (err) {
	case ECONNREFUSED:
		return E_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return E_RESET;
	case ETIMEDOUT:
		return c->state == C_CONNECTING ? E_CONN_TIMEOUT : E_READ_TIMEOUT;
	case EADDRNOTAVAIL:
		return E_PORT_EXHAUSTED;
	case ENOBUFS:
		return E_TABLE_FULL;
	default:
		return E_OTHER;
	}
}

static void
conn_connect(struct app *app, uint32_t slot, uint64_t now)
{
	struct conn *c = &app->conns[slot];
	struct sockaddr_in local;
	int sd, ret;

	sd = berth_sock_open(app->net.st, BERTH_SOCK_STREAM);
	if (sd < 0) {
		conn_fail(app, c, E_OTHER, -sd, now);
		return;
	}
	c->sd = sd;
	c->state = C_CONNECTING;
	app->open_now++;
	berth_sock_set_user(app->net.st, sd, slot);
	berth_sock_setopt(app->net.st, sd, BERTH_SO_NODELAY, 1);
	c->src = (uint16_t)app->next_src;
	app->next_src = (app->next_src + 1) % app->nb_srcs;
	if (app->bind_src) {
		memset(&local, 0, sizeof(local));
		local.sin_family = AF_INET;
		local.sin_addr.s_addr = app->srcs[c->src].addr;
		ret = berth_sock_bind(app->net.st, sd, &local);
		if (ret < 0) {
			conn_fail(app, c, kind_of(c, -ret), -ret, now);
			return;
		}
	}
	ret = berth_sock_connect(app->net.st, sd, &app->opt.dest);
	if (ret != -EINPROGRESS && ret != 0) {
		if (ret == -EADDRNOTAVAIL)
			app->srcs[c->src].exhausted++;
		conn_fail(app, c, kind_of(c, -ret), -ret, now);
		return;
	}
	app->srcs[c->src].opened++;
	app->interval.opened++;
	if (app->measuring)
		app->total.opened++;
	c->deadline = now + app->opt.timeout_ns;
}

/* Send what is left of the request. */
static void
conn_send(struct app *app, struct conn *c, uint64_t now)
{
	ssize_t n;

	set_kick(app, c, false);
	while (c->sent < app->req_len) {
		n = berth_sock_send(app->net.st, c->sd, app->req + c->sent, app->req_len - c->sent);
		if (n == -EAGAIN)
			return; /* BERTH_EV_WRITABLE follows */
		if (n == -ENOBUFS) {
			set_kick(app, c, true);
			return;
		}
		if (n < 0) {
			conn_fail(app, c, kind_of(c, (int)-n), (int)-n, now);
			return;
		}
		c->sent += (uint32_t)n;
		app->interval.tx_bytes += (uint64_t)n;
		if (app->measuring)
			app->total.tx_bytes += (uint64_t)n;
	}
}

/* Start the slot's request on its connection. */
static void
conn_start_request(struct app *app, struct conn *c, uint64_t now)
{
	c->state = C_BUSY;
	c->sent = 0;
	c->rcvd = 0;
	http_resp_init(&c->resp, app->head_req);
	c->deadline = now + app->opt.timeout_ns;
	conn_send(app, c, now);
}

/* Give the slot a request whose latency runs from t_start. */
static void
conn_assign(struct app *app, uint32_t slot, uint64_t t_start, uint64_t now)
{
	struct conn *c = &app->conns[slot];

	c->have_req = true;
	c->t_start = t_start;
	app->issued++;
	if (c->state == C_READY)
		conn_start_request(app, c, now);
	else if (c->state == C_IDLE)
		conn_connect(app, slot, now); /* the request goes when connected */
}

/* A response is complete: count it, then reuse or end the connection. */
static void
conn_done(struct app *app, struct conn *c, bool eof, bool server_keeps, uint64_t now)
{
	uint64_t us, ns;
	bool ok = app->opt.mode == M_ECHO || (c->resp.status >= 200 && c->resp.status < 300);

	/* Echo round trips are microseconds: the clock read at the poll's start is too early. */
	if (app->opt.mode == M_ECHO)
		now = berth_time_now();
	ns = now > c->t_start ? now - c->t_start : 0;
	us = ns / 1000;
	c->have_req = false;
	if (app->measuring) {
		app->total.requests++;
		load_hist_record(&app->hist, us);
		if (app->opt.mode == M_ECHO)
			load_hist_record(&app->hist_ns, ns);
		if (ok)
			app->total.ok++;
	}
	app->interval.requests++;
	load_hist_record(&app->ihist, us);
	if (!ok) {
		app->last_status = c->resp.status;
		count_error(app, E_STATUS, 0);
	}
	if (app->opt.mode != M_CLOSE && server_keeps && !eof) {
		c->state = C_READY;
		c->deadline = 0;
		if (app->running)
			avail_push(app, slot_of(app, c));
		return;
	}
	if (eof || (app->opt.mode == M_CLOSE && app->opt.client_close)) {
		/* RFC 9293 §3.6: after the server's FIN ours ends it (LAST-ACK). */
		conn_close(app, c, false);
		if (app->opt.mode != M_CLOSE)
			app->reopened++;
		conn_idle(app, c, now);
		return;
	}
	/* The server ends the connection: let its FIN come first. */
	c->state = C_LINGER;
	c->deadline = now + LINGER_NS;
}

/* Echo mode: check what came back against what was sent. */
static int
echo_check(struct app *app, struct conn *c, const uint8_t *p, size_t n)
{
	size_t i;

	if (c->rcvd + n > app->req_len)
		return -1;
	for (i = 0; i < n; i++)
		if (p[i] != echo_byte(c->rcvd + i))
			return -1;
	c->rcvd += n;
	return c->rcvd == app->req_len ? 1 : 0;
}

/* Read everything the stack holds for c and act on it. */
static void
conn_read(struct app *app, struct conn *c, uint64_t now)
{
	ssize_t n;
	int ret;

	for (;;) {
		n = berth_sock_recv(app->net.st, c->sd, app->rx, sizeof(app->rx));
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			conn_fail(app, c, kind_of(c, (int)-n), (int)-n, now);
			return;
		}
		if (n == 0) {
			/* The server's FIN. */
			if (c->state == C_BUSY) {
				if (app->opt.mode != M_ECHO &&
				    http_resp_eof(&c->resp) == HTTP_DONE) {
					conn_done(app, c, true, false, now);
					return;
				}
				conn_fail(app, c, E_BAD_RESPONSE, 0, now);
				return;
			}
			/* Idle, or the end we waited for: close our side too. */
			conn_close(app, c, false);
			if (app->opt.mode != M_CLOSE)
				app->reopened++;
			conn_idle(app, c, now);
			return;
		}
		app->interval.rx_bytes += (uint64_t)n;
		if (app->measuring)
			app->total.rx_bytes += (uint64_t)n;
		if (c->state != C_BUSY) {
			/* Nothing was asked: the server talks out of turn. */
			conn_fail(app, c, E_BAD_RESPONSE, 0, now);
			return;
		}
		if (app->opt.mode == M_ECHO) {
			ret = echo_check(app, c, app->rx, (size_t)n);
			if (ret < 0) {
				conn_fail(app, c, E_BAD_RESPONSE, 0, now);
				return;
			}
			if (ret > 0)
				conn_done(app, c, false, true, now);
			continue;
		}
		ret = http_resp_feed(&c->resp, app->rx, (size_t)n);
		if (ret == HTTP_ERROR || (ret == HTTP_DONE && c->resp.used < (size_t)n)) {
			/* One request out at a time: bytes past the response are bad too. */
			conn_fail(app, c, E_BAD_RESPONSE, 0, now);
			return;
		}
		if (ret == HTTP_DONE) {
			conn_done(app, c, false, c->resp.keepalive, now);
			/* Closed (or reopened) by conn_done: nothing more to read here. */
			if (c->state != C_READY && c->state != C_LINGER)
				return;
		}
	}
}

static void
on_event(struct app *app, const struct berth_event *ev, uint64_t now)
{
	struct conn *c;

	if (ev->user >= app->opt.conns)
		return;
	c = &app->conns[ev->user];
	if (c->sd != ev->sd || c->state == C_IDLE)
		return;
	if (ev->events & BERTH_EV_ERROR) {
		int err = ev->error != 0 ? ev->error : EIO;

		if (err == EADDRNOTAVAIL)
			app->srcs[c->src].exhausted++;
		conn_fail(app, c, kind_of(c, err), err, now);
		return;
	}
	if (c->state == C_CONNECTING) {
		if (!(ev->events & BERTH_EV_CONNECTED)) {
			if (ev->events & BERTH_EV_HANGUP)
				conn_fail(app, c, E_OTHER, ECONNABORTED, now);
			return;
		}
		c->deadline = 0;
		if (c->have_req) {
			conn_start_request(app, c, now);
		} else {
			c->state = C_READY;
			if (app->running)
				avail_push(app, slot_of(app, c));
		}
		if (c->state == C_IDLE)
			return;
	}
	if (c->state == C_BUSY && (ev->events & BERTH_EV_WRITABLE))
		conn_send(app, c, now);
	if (c->state != C_IDLE && (ev->events & (BERTH_EV_READABLE | BERTH_EV_HANGUP)))
		conn_read(app, c, now);
}

/* ---- counting and reports ---- */

static void
count_error(struct app *app, enum err_kind k, int err)
{
	app->interval.errors[k]++;
	if (app->measuring)
		app->total.errors[k]++;
	if (k == E_OTHER)
		app->last_errno = err;
}

static uint64_t
errors_sum(const struct tally *t)
{
	uint64_t s = 0;
	int k;

	for (k = 0; k < E_KINDS; k++)
		s += t->errors[k];
	return s;
}

static void
progress(struct app *app, uint64_t now, uint64_t since)
{
	double dt = (double)(now - since) / 1e9, at = (double)(now - app->t0) / 1e9;
	struct tally *t = &app->interval;

	if (!app->opt.quiet)
		printf(PROG ": %6.1f s: %10.1f req/s, %8.1f conn/s, %" PRIu64 " errors, "
		       "p50 %" PRIu64 " us, p99 %" PRIu64 " us, %" PRIu64 " open\n", at,
		       (double)t->requests / dt, (double)t->opened / dt, errors_sum(t),
		       load_hist_percentile(&app->ihist, 50), load_hist_percentile(&app->ihist, 99),
		       app->open_now);
	memset(t, 0, sizeof(*t));
	load_hist_reset(&app->ihist);
}

/*
 * The next slot that can take a request, or UINT32_MAX for one that
 * failed while it waited (it rests in the backoff ring now).
 */
static uint32_t
avail_pop(struct app *app)
{
	uint32_t slot = ring_pop(&app->avail);
	struct conn *c = &app->conns[slot];

	c->in_avail = false;
	if (c->in_backoff || c->have_req)
		return UINT32_MAX;
	return slot;
}

/* Assign due requests to free slots and bring rested slots back. */
static void
schedule(struct app *app, uint64_t now)
{
	const struct options *o = &app->opt;
	uint64_t due;

	while (app->backoff.len > 0 &&
	       app->conns[app->backoff.v[app->backoff.head]].retry_at <= now) {
		uint32_t slot = ring_pop(&app->backoff);

		app->conns[slot].in_backoff = false;
		if (app->conns[slot].state != C_IDLE || app->conns[slot].in_avail)
			continue;
		if (o->mode == M_CLOSE)
			avail_push(app, slot);
		else
			conn_connect(app, slot, now);
	}
	if (o->rate > 0) {
		/* Request k is due at t0 + k/R; all due ones not yet out wait here. */
		due = (uint64_t)((double)(now - app->t0) * o->rate / 1e9) + 1;
		while (app->issued < due && app->avail.len > 0) {
			uint32_t slot = avail_pop(app);
			uint64_t intended = app->t0 +
					    (uint64_t)((double)app->issued * 1e9 / o->rate);

			if (slot != UINT32_MAX)
				conn_assign(app, slot, intended, now);
		}
		return;
	}
	while (app->avail.len > 0) {
		uint32_t slot = avail_pop(app);

		if (slot != UINT32_MAX)
			conn_assign(app, slot, now, now);
	}
}

/* Connections past their deadline. */
static void
scan_deadlines(struct app *app, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < app->opt.conns; i++) {
		struct conn *c = &app->conns[i];

		if (c->deadline == 0 || c->deadline > now || c->sd < 0)
			continue;
		switch (c->state) {
		case C_CONNECTING:
			conn_fail(app, c, E_CONN_TIMEOUT, ETIMEDOUT, now);
			break;
		case C_BUSY:
			conn_fail(app, c, E_READ_TIMEOUT, ETIMEDOUT, now);
			break;
		case C_LINGER:
			/* The server did not close: we do (and keep TIME-WAIT). */
			conn_close(app, c, false);
			conn_idle(app, c, now);
			break;
		default:
			c->deadline = 0;
			break;
		}
	}
}

/* One turn: poll, events, kicked sends, new requests. */
static void
turn(struct app *app, uint64_t now)
{
	struct berth_event ev[EV_BURST];
	unsigned int n, i;

	berth_stack_poll(app->net.st, now);
	do {
		n = berth_stack_events(app->net.st, ev, EV_BURST);
		for (i = 0; i < n; i++)
			on_event(app, &ev[i], now);
	} while (n == EV_BURST);
	for (i = 0; app->nb_kick > 0 && i < app->opt.conns; i++)
		if (app->conns[i].kick && app->conns[i].state == C_BUSY)
			conn_send(app, &app->conns[i], now);
	/* A fresh clock: latency runs from the send, not from the poll before it. */
	if (app->running)
		schedule(app, berth_time_now());
	berth_stack_flush(app->net.st, now);
}

static unsigned int
busy_count(const struct app *app)
{
	unsigned int i, n = 0;

	for (i = 0; i < app->opt.conns; i++)
		if (app->conns[i].have_req && app->conns[i].sd >= 0)
			n++;
	return n;
}

static void
run(struct app *app)
{
	const struct options *o = &app->opt;
	uint64_t now = berth_time_now(), next_tick, last_tick, next_scan, grace_end;
	unsigned int i;

	app->t0 = now;
	app->t_end = now + (uint64_t)(o->duration_s * 1e9);
	app->running = true;
	app->measuring = true;
	last_tick = now;
	next_tick = now + BERTH_NS_PER_SEC;
	next_scan = now + SCAN_NS;
	/* Persistent modes open every connection first, as wrk; close mode on demand. */
	for (i = 0; i < o->conns; i++) {
		if (o->mode == M_CLOSE)
			avail_push(app, i);
		else
			conn_connect(app, i, now);
	}
	while (!app_stop_requested && now < app->t_end) {
		turn(app, now);
		now = berth_time_now();
		if (now >= next_scan) {
			scan_deadlines(app, now);
			next_scan = now + SCAN_NS;
		}
		if (now >= next_tick) {
			progress(app, now, last_tick);
			last_tick = now;
			next_tick += BERTH_NS_PER_SEC;
		}
	}
	/* Time is up: nothing new; what is out may finish, uncounted. */
	app->running = false;
	app->measuring = false;
	app->t_end = now;
	app->unfinished = busy_count(app);
	grace_end = now + GRACE_NS;
	while (!app_stop_requested && now < grace_end && busy_count(app) > 0) {
		turn(app, now);
		now = berth_time_now();
	}
}

/*
 * Connections the stack still runs without a descriptor (FIN-WAIT,
 * LAST-ACK), TIME-WAIT left out: the last line of the listing.
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

/* Close every connection and let the closes finish (bounded). */
static void
close_all(struct app *app)
{
	uint64_t start = berth_time_now(), now = start, next = start;
	unsigned int i;

	for (i = 0; i < app->opt.conns; i++) {
		struct conn *c = &app->conns[i];

		/* Half-open or mid-request: a RST; otherwise an orderly FIN. */
		if (c->sd >= 0)
			conn_close(app, c, c->state == C_CONNECTING || c->have_req);
	}
	while (!app_stop_requested && now - start < 3 * BERTH_NS_PER_SEC) {
		turn(app, now);
		if (now >= next) {
			if (live_conns(app) <= 0)
				break;
			next = now + 10 * BERTH_NS_PER_MS;
		}
		now = berth_time_now();
	}
}

/* The round trips in ns (echo and udp modes), as a JSON member. */
static void
print_latency_ns(const struct app *app)
{
	const struct load_hist *h = &app->hist_ns;

	printf(", \"latency_ns\": {\"samples\": %" PRIu64 ", \"min\": %" PRIu64 ", \"p50\": %"
	       PRIu64 ", \"p90\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"p99.9\": %" PRIu64
	       ", \"max\": %" PRIu64 ", \"mean\": %.1f}", h->total, h->min,
	       load_hist_percentile(h, 50), load_hist_percentile(h, 90),
	       load_hist_percentile(h, 99), load_hist_percentile(h, 99.9), h->max,
	       load_hist_mean(h));
}

/* ---- udp mode ---- */

/*
 * One datagram: sequence number and send time in the first 16 bytes (when
 * SIZE allows), the echo pattern after them. Zero-copy: the stack takes the
 * buffer as it is.
 */
static int
udp_send_one(struct app *app, uint64_t now)
{
	uint32_t size = app->opt.size;
	struct rte_mbuf *m = berth_sock_alloc_mbuf(app->net.st);
	uint8_t *p;
	ssize_t n;

	if (m == NULL)
		return -ENOBUFS;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)size);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memcpy(p, app->req, size);
	if (size >= UDP_STAMP_LEN) {
		memcpy(p, &app->udp_seq, 8);
		memcpy(p + 8, &now, 8);
	}
	n = berth_sock_sendto_mbuf(app->net.st, app->udp_sd, m, NULL);
	if (n < 0)
		return (int)n;
	app->udp_seq++;
	app->udp_out++;
	app->interval.tx_bytes += size;
	if (app->measuring)
		app->total.tx_bytes += size;
	return 0;
}

/* Keep the window full. */
static void
udp_fill(struct app *app, uint64_t now)
{
	int ret;

	while (app->running && app->udp_out < app->opt.window) {
		ret = udp_send_one(app, now);
		if (ret == -ENOBUFS) {
			app->udp_send_fail++;
			return; /* the pool is empty for now: next turn */
		}
		if (ret < 0) {
			count_error(app, E_OTHER, -ret);
			return;
		}
	}
}

/* Is an echo what we sent? Its length, a sequence number we used, the pattern. */
static bool
udp_echo_ok(const struct app *app, const uint8_t *p, uint32_t len, uint64_t *sent_at)
{
	uint64_t seq = 0;
	uint32_t i;

	*sent_at = 0;
	if (len != app->opt.size)
		return false;
	if (len >= UDP_STAMP_LEN) {
		memcpy(&seq, p, 8);
		memcpy(sent_at, p + 8, 8);
		if (seq >= app->udp_seq)
			return false;
		i = UDP_STAMP_LEN;
	} else {
		i = 0;
	}
	/* The pattern after the stamp (one memcmp: a byte loop here was 11% of the client). */
	return memcmp(p + i, app->req + i, len - i) == 0;
}

/* Take every echo queued; now is read once after the poll that brought them. */
static void
udp_drain(struct app *app, uint64_t now)
{
	struct rte_mbuf *m;
	uint64_t sent_at, ns;
	const uint8_t *p;
	uint8_t flat[UDP_MAX_SIZE];
	ssize_t n;

	for (;;) {
		n = berth_sock_recvfrom_mbuf(app->net.st, app->udp_sd, &m, NULL);
		if (n == -EAGAIN)
			return;
		if (n == -ECONNREFUSED) {
			/* ICMP port unreachable: no echo server there. */
			count_error(app, E_REFUSED, ECONNREFUSED);
			continue;
		}
		if (n < 0) {
			count_error(app, E_OTHER, (int)-n);
			return;
		}
		if (app->udp_out > 0)
			app->udp_out--;
		app->udp_last_rx = now;
		p = (uint32_t)n <= sizeof(flat) ? rte_pktmbuf_read(m, 0, (uint32_t)n, flat) : NULL;
		if (p == NULL || !udp_echo_ok(app, p, (uint32_t)n, &sent_at)) {
			rte_pktmbuf_free(m);
			count_error(app, E_BAD_RESPONSE, 0);
			continue;
		}
		rte_pktmbuf_free(m);
		ns = sent_at != 0 && now > sent_at ? now - sent_at : 0;
		app->interval.requests++;
		app->interval.rx_bytes += (uint64_t)n;
		if (sent_at != 0)
			load_hist_record(&app->ihist, ns / 1000);
		if (!app->measuring)
			continue;
		app->total.requests++;
		app->total.ok++;
		app->total.rx_bytes += (uint64_t)n;
		if (sent_at != 0) {
			load_hist_record(&app->hist, ns / 1000);
			load_hist_record(&app->hist_ns, ns);
		}
	}
}

/* One turn of udp mode: poll, echoes, refill, flush. */
static void
udp_turn(struct app *app, uint64_t now)
{
	struct berth_event ev[EV_BURST];
	unsigned int n, i;
	bool readable = false;

	berth_stack_poll(app->net.st, now);
	do {
		n = berth_stack_events(app->net.st, ev, EV_BURST);
		for (i = 0; i < n; i++)
			if (ev[i].sd == app->udp_sd &&
			    (ev[i].events & (BERTH_EV_READABLE | BERTH_EV_ERROR)))
				readable = true;
	} while (n == EV_BURST);
	/* The echoes arrived during the poll: the clock after it is the closer one. */
	now = berth_time_now();
	if (readable)
		udp_drain(app, now);
	udp_fill(app, now);
	berth_stack_flush(app->net.st, now);
}

static int
udp_open(struct app *app)
{
	struct sockaddr_in local;
	int sd, ret;

	sd = berth_sock_open(app->net.st, BERTH_SOCK_DGRAM);
	if (sd < 0)
		return sd;
	app->udp_sd = sd;
	if (app->bind_src) {
		memset(&local, 0, sizeof(local));
		local.sin_family = AF_INET;
		local.sin_addr.s_addr = app->srcs[0].addr;
		ret = berth_sock_bind(app->net.st, sd, &local);
		if (ret < 0)
			return ret;
	}
	/* Connected: the stack keeps only datagrams from the server. */
	ret = berth_sock_connect(app->net.st, sd, &app->opt.dest);
	if (ret < 0)
		return ret;
	app->srcs[0].opened++;
	app->total.opened = 1;
	app->open_now = 1;
	return 0;
}

static void
run_udp(struct app *app)
{
	const struct options *o = &app->opt;
	uint64_t now = berth_time_now(), next_tick, last_tick, grace_end;

	app->t0 = now;
	app->t_end = now + (uint64_t)(o->duration_s * 1e9);
	app->running = true;
	app->measuring = true;
	app->udp_last_rx = now;
	last_tick = now;
	next_tick = now + BERTH_NS_PER_SEC;
	udp_fill(app, now);
	while (!app_stop_requested && now < app->t_end) {
		udp_turn(app, now);
		now = berth_time_now();
		if (app->udp_out > 0 && now - app->udp_last_rx > UDP_LOST_NS) {
			/* Nothing back for a while: what is out is lost; open the window again. */
			app->udp_lost += app->udp_out;
			app->udp_out = 0;
			app->udp_last_rx = now;
		}
		if (now >= next_tick) {
			progress(app, now, last_tick);
			last_tick = now;
			next_tick += BERTH_NS_PER_SEC;
		}
	}
	/* Time is up: what is out may come back, uncounted. */
	app->running = false;
	app->measuring = false;
	app->t_end = now;
	app->unfinished = app->udp_out;
	grace_end = now + UDP_LOST_NS;
	while (!app_stop_requested && now < grace_end && app->udp_out > 0) {
		udp_turn(app, now);
		now = berth_time_now();
	}
}

static void
report_udp(struct app *app)
{
	const struct options *o = &app->opt;
	const struct tally *t = &app->total;
	const struct load_hist *h = &app->hist_ns;
	double secs = (double)(app->t_end - app->t0) / 1e9;
	char dst[INET_ADDRSTRLEN];
	int k;

	if (secs <= 0)
		secs = 1e-9;
	fmt_ip(o->dest.sin_addr.s_addr, dst, sizeof(dst));
	printf(PROG ": udp, %u-byte datagrams, window %u, %.2f s, to %s:%u\n", o->size,
	       o->window, secs, dst, ntohs(o->dest.sin_port));
	printf("echoes:      %" PRIu64 " (%.1f/s), %" PRIu64 " datagrams sent, %" PRIu64
	       " lost, %" PRIu64 " in flight at the end, %" PRIu64 " sends refused\n",
	       t->requests, (double)t->requests / secs, app->udp_seq, app->udp_lost,
	       app->unfinished, app->udp_send_fail);
	printf("errors:      %" PRIu64 ":", errors_sum(t));
	for (k = 0; k < E_KINDS; k++)
		printf(" %s %" PRIu64, err_names[k], t->errors[k]);
	printf("\n");
	printf("round trip:  min %" PRIu64 " ns, p50 %" PRIu64 ", p90 %" PRIu64 ", p99 %" PRIu64
	       ", max %" PRIu64 " (%s)\n", h->min, load_hist_percentile(h, 50),
	       load_hist_percentile(h, 90), load_hist_percentile(h, 99), h->max,
	       o->size >= UDP_STAMP_LEN ? "send to the poll that brought the echo" :
	       "not measured: --size below 16");
	printf("result-json: {\"mode\": \"udp\", \"size\": %u, \"window\": %u, "
	       "\"duration_s\": %.3f, \"requests\": %" PRIu64 ", \"requests_ok\": %" PRIu64
	       ", \"rps\": %.1f, \"pps\": %.1f, \"sent\": %" PRIu64 ", \"lost\": %" PRIu64
	       ", \"unfinished\": %" PRIu64 ", \"send_refused\": %" PRIu64 ", \"rx_bytes\": %"
	       PRIu64 ", \"tx_bytes\": %" PRIu64 ", \"errors\": %" PRIu64
	       ", \"errors_by_kind\": {", o->size, o->window, secs, t->requests, t->ok,
	       (double)t->requests / secs, (double)t->requests / secs, app->udp_seq,
	       app->udp_lost, app->unfinished, app->udp_send_fail, t->rx_bytes, t->tx_bytes,
	       errors_sum(t));
	for (k = 0; k < E_KINDS; k++)
		printf("%s\"%s\": %" PRIu64, k ? ", " : "", err_names[k], t->errors[k]);
	printf("}");
	print_latency_ns(app);
	printf("}\n");
	fflush(stdout);
}

static void
report(struct app *app)
{
	const struct options *o = &app->opt;
	const struct tally *t = &app->total;
	double secs = (double)(app->t_end - app->t0) / 1e9;
	struct load_hist *h = &app->hist;
	char dst[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN];
	unsigned int i;
	int k;

	if (secs <= 0)
		secs = 1e-9;
	fmt_ip(o->dest.sin_addr.s_addr, dst, sizeof(dst));
	printf(PROG ": %s, %u connections, %.2f s, %s to %s:%u, %u source address%s\n",
	       mode_names[o->mode], o->conns, secs,
	       o->rate > 0 ? "open loop" : "closed loop", dst, ntohs(o->dest.sin_port),
	       app->nb_srcs, app->nb_srcs == 1 ? "" : "es");
	printf("requests:    %" PRIu64 " (%.1f/s), %" PRIu64 " ok, %" PRIu64
	       " unfinished at the end\n", t->requests, (double)t->requests / secs, t->ok,
	       app->unfinished);
	if (o->rate > 0)
		printf("rate:        %.1f/s asked, %" PRIu64 " requests due, %" PRIu64 " sent\n",
		       o->rate, (uint64_t)(secs * o->rate) + 1, app->issued);
	printf("connections: %" PRIu64 " opened (%.1f/s), %" PRIu64 " ended by the server "
	       "and reopened\n", t->opened, (double)t->opened / secs, app->reopened);
	printf("bytes:       %" PRIu64 " received (%.2f MB/s), %" PRIu64 " sent\n", t->rx_bytes,
	       (double)t->rx_bytes / secs / 1e6, t->tx_bytes);
	printf("errors:      %" PRIu64 ":", errors_sum(t));
	for (k = 0; k < E_KINDS; k++)
		printf(" %s %" PRIu64, err_names[k], t->errors[k]);
	printf("\n");
	if (t->errors[E_OTHER] > 0)
		printf("             last other error: %s\n", strerror(app->last_errno));
	if (t->errors[E_STATUS] > 0)
		printf("             last status not 2xx: %u\n", app->last_status);
	printf("latency us:  min %" PRIu64 ", p50 %" PRIu64 ", p90 %" PRIu64 ", p99 %" PRIu64
	       ", p99.9 %" PRIu64 ", max %" PRIu64 ", mean %.1f (from %s)\n", h->min,
	       load_hist_percentile(h, 50), load_hist_percentile(h, 90),
	       load_hist_percentile(h, 99), load_hist_percentile(h, 99.9), h->max,
	       load_hist_mean(h),
	       o->rate > 0 ? "the time each request was due" :
	       o->mode == M_CLOSE ? "the connect" : "the send");
	for (i = 0; i < app->nb_srcs; i++) {
		fmt_ip(app->srcs[i].addr, ip, sizeof(ip));
		printf("source:      %s: %" PRIu64 " connections, %" PRIu64
		       " refused for want of a port\n", ip, app->srcs[i].opened,
		       app->srcs[i].exhausted);
	}

	printf("result-json: {\"mode\": \"%s\", \"connections\": %u, \"duration_s\": %.3f, "
	       "\"rate_asked\": %.1f, \"requests\": %" PRIu64 ", \"requests_ok\": %" PRIu64
	       ", \"rps\": %.1f, \"conns_opened\": %" PRIu64 ", \"cps\": %.1f, "
	       "\"unfinished\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
	       ", \"errors\": %" PRIu64 ", \"errors_by_kind\": {", mode_names[o->mode], o->conns,
	       secs, o->rate, t->requests, t->ok, (double)t->requests / secs, t->opened,
	       (double)t->opened / secs, app->unfinished, t->rx_bytes, t->tx_bytes,
	       errors_sum(t));
	for (k = 0; k < E_KINDS; k++)
		printf("%s\"%s\": %" PRIu64, k ? ", " : "", err_names[k], t->errors[k]);
	printf("}, \"latency_us\": {\"min\": %" PRIu64 ", \"p50\": %" PRIu64 ", \"p90\": %" PRIu64
	       ", \"p99\": %" PRIu64 ", \"p99.9\": %" PRIu64 ", \"max\": %" PRIu64
	       ", \"mean\": %.1f}", h->min, load_hist_percentile(h, 50),
	       load_hist_percentile(h, 90), load_hist_percentile(h, 99),
	       load_hist_percentile(h, 99.9), h->max, load_hist_mean(h));
	print_latency_ns(app);
	printf(", \"sources\": [");
	for (i = 0; i < app->nb_srcs; i++) {
		fmt_ip(app->srcs[i].addr, ip, sizeof(ip));
		printf("%s{\"addr\": \"%s\", \"connections\": %" PRIu64 ", \"port_exhausted\": %"
		       PRIu64 "}", i ? ", " : "", ip, app->srcs[i].opened, app->srcs[i].exhausted);
	}
	printf("]}\n");
	fflush(stdout);
}

/* ---- set-up ---- */

static int
setup(struct app *app)
{
	const struct options *o = &app->opt;
	struct berth_stack_conf sconf;
	struct app_net_conf nc = {
		.prog = PROG,
		.pool_name = "berth_load",
		.port = o->port,
		.pcap = o->pcap,
		.addr = o->addr,
		.prefix_len = o->prefix_len,
		.gateway = o->gateway,
		.nb_mbufs = o->mbufs,
	};
	unsigned int i;
	int ret;

	app->conns = calloc(o->conns, sizeof(*app->conns));
	if (app->conns == NULL || ring_init(&app->avail, o->conns) < 0 ||
	    ring_init(&app->backoff, o->conns) < 0 || build_request(app) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	for (i = 0; i < o->conns; i++)
		app->conns[i].sd = -1;
	app->udp_sd = -1;
	memset(&sconf, 0, sizeof(sconf));
	/* Every slot's socket, and room for the ones closing in the background. */
	sconf.max_sockets = o->conns + 64;
	sconf.tcp_msl_ns = o->msl_ns;
	sconf.tcp_max_conns = o->max_tcp_conns;
	sconf.ephemeral_lo = o->eph_lo;
	sconf.ephemeral_hi = o->eph_hi;
	ret = app_net_up(&app->net, &nc, &sconf);
	if (ret < 0)
		return ret;
	return setup_sources(app);
}

static void
teardown(struct app *app)
{
	app_net_down(&app->net);
	free(app->conns);
	free(app->avail.v);
	free(app->backoff.v);
	free(app->req);
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

int
main(int argc, char **argv)
{
	struct app_start_conf sc = { .prog = PROG, .usage = usage, .parse = parse_options };
	static struct app app;
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
	if (app.opt.mode == M_UDP) {
		ret = udp_open(&app);
		if (ret < 0) {
			fprintf(stderr, PROG ": udp socket: %s\n", strerror(-ret));
			teardown(&app);
			berth_fini();
			return EXIT_FAILURE;
		}
		printf(PROG ": ready, udp mode, window %u, %.1f s\n", app.opt.window,
		       app.opt.duration_s);
		run_udp(&app);
		report_udp(&app);
		berth_sock_close(app.net.st, app.udp_sd);
	} else {
		printf(PROG ": ready, %s mode, %u connections, %.1f s\n",
		       mode_names[app.opt.mode], app.opt.conns, app.opt.duration_s);
		run(&app);
		report(&app);
		close_all(&app);
	}
	if (app.opt.stats)
		dump_counters(&app);
	ok = app.total.requests > 0 && errors_sum(&app.total) == 0;
	/* The peer leaves first, while nothing here polls (app_net.h). */
	if (app.opt.wait_stop)
		app_net_idle_until_stop(&app.net, PROG, 2000);
	teardown(&app);
	berth_fini();
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
