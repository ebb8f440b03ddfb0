/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-httpd: an HTTP/1.1 server of static files on one berth stack and
 * one DPDK port, built on the public API only (include/berth/berth.h), to
 * show that the API is enough for a real server.
 *
 * Start-up: berth_init (EAL) -> app_net_up (pool, stack, port, interface)
 * -> http_files_open (the root) -> listen. Run loop on the main lcore:
 * berth_stack_poll(now) -> berth_stack_events -> accept / conn_serve ->
 * timers (idle, header, send, linger) every 100 ms -> berth_stack_flush.
 *
 * A connection (conn_serve): hand pending output to the stack; when all
 * went, feed buffered input to the parser (http_parse.c); a complete
 * request gets its response (handle_request) and the next pipelined one
 * is parsed only once that response has been taken by the stack, so
 * answers go in order and a connection holds at most one response, its
 * input buffer and the socket's buffers. Reading stops while output is
 * blocked: a client that does not read is slowed by TCP's window.
 *
 * Responses: headers and small bodies are copied (berth_sock_send); a
 * file goes as mbufs whose data is a slice of the file's mapping (external
 * buffers, http_files.c), queued with berth_sock_sendto_mbuf and sent and
 * retransmitted by reference, so no byte of it is copied by the server. A
 * path found in the file cache is trusted for --file-recheck-ms before the
 * file is opened and checked again: no system call on most requests.
 * An error closes the connection after the answer: we shut down our side
 * and read (and drop) what the client still sends until its FIN or a
 * short timeout ("lingering close"), so our answer is not destroyed by a
 * RST for unread data.
 *
 * Read first: RFC 9112 §9.3-9.6 (persistence, pipelining, closing),
 * RFC 9110 §15 (status codes), §6.6.1 (Date), §8.3 (Content-Type).
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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_mbuf.h>

#include <berth/berth.h>

#include "../common/app_net.h"
#include "http_files.h"
#include "http_parse.h"

#define PROG "berth-httpd"
#define SERVER_NAME "berth-httpd/0.1"
#define EV_BURST 64
#define EXIT_USAGE 2
#define BACKLOG 1024
#define IN_BUF 4096             /* read staging buffer of a connection */
#define HDR_BUF 1024            /* response headers (and small bodies) */
#define TIMER_TICK_NS (100 * BERTH_NS_PER_MS)
#define LINGER_NS (2 * BERTH_NS_PER_SEC)
#define EXTRA_SOCKETS 16        /* the listener, and accepts beyond the cap */

struct options {
	uint32_t addr;          /* network byte order */
	uint8_t prefix_len;
	uint32_t gateway;       /* network byte order, 0: none */
	uint16_t port;
	const char *root;       /* NULL: the built-in page */
	unsigned int stats_s;   /* 0: no periodic stats */
	uint32_t max_conns;
	uint32_t max_request;   /* request line + header fields */
	uint32_t max_uri;
	uint32_t idle_s, header_s, send_s;
	uint32_t cache_files;
	uint64_t recheck_ns;    /* a resolved path is trusted this long */
	uint32_t nb_mbufs;
	uint64_t tcp_msl_ns;    /* 0: the stack's */
	const char *dev;        /* ethdev name or number; NULL: the first */
	const char *pcap;
};

/* The server's own counters (the stack has its own). */
struct httpd_stats {
	uint64_t accepted;
	uint64_t rejected;      /* over --max-conns: closed at once */
	uint64_t closed;        /* closed in order */
	uint64_t reset;         /* ended by the client's reset (or its timeout) */
	uint64_t aborted;       /* reset by us: send timeout, errors */
	uint64_t requests;      /* complete requests parsed */
	uint64_t parse_errors;  /* requests refused by the parser */
	uint64_t traversals;    /* paths whose ".." climbs above the root */
	uint64_t status[6];     /* responses by class: [2] = 2xx ... */
	uint64_t bytes_in;
	uint64_t bytes_out;     /* headers and bodies handed to the stack */
	uint64_t file_bytes;    /* of which file bodies, sent by reference */
	uint64_t timeout_idle;
	uint64_t timeout_header;
	uint64_t timeout_send;
	uint64_t timeout_linger;
	uint64_t no_mbuf;       /* sends postponed: no packet buffer */
};

enum phase {
	PH_REQUEST,     /* reading requests, answering them */
	PH_LINGER,      /* our side shut down after the last answer: draining */
};

struct conn {
	int sd;
	uint8_t phase;
	bool close_after;       /* close once the current response is out */
	bool eof;               /* the client's FIN was read */
	bool blocked;           /* the stack said -EAGAIN: wait for WRITABLE */
	bool on_retry;          /* waiting for packet buffers (no event comes) */
	bool hdr_with_body;     /* hdr[0, hdr_len) goes in front of the first slice */
	uint32_t hdr_len;
	uint64_t nreq;          /* requests answered */
	uint64_t last_io;       /* last byte in or out (ns) */
	uint64_t req_start;     /* first byte of the request being read, 0: none */
	uint64_t linger_start;
	struct conn *retry_next;
	/* Output: a memory buffer, then (for files) the body's slices. */
	char *out;              /* hdr, or a malloc'd buffer (out_alloc) */
	bool out_alloc;
	uint32_t out_off, out_len;
	struct http_body *body;
	uint64_t body_off, body_end;
	struct rte_mbuf *pend;  /* a chain the stack refused with -EAGAIN */
	/* Input not yet parsed: in[in_off, in_off + in_len). */
	uint32_t in_off, in_len;
	char in[IN_BUF];
	char hdr[HDR_BUF];
	struct http_parser parser;
};

struct app {
	struct options opt;
	struct app_net net;
	struct http_files *files;
	struct http_limits limits;
	int lsd;                /* listener, -1 when closed */
	struct conn **conns;    /* by descriptor */
	uint32_t nb_sockets;    /* size of conns */
	uint32_t nb_conns;
	struct conn *spare;     /* closed connections' memory, linked by retry_next */
	bool accept_blocked;
	uint32_t blocked_at;
	struct conn *retry;
	uint64_t now;
	time_t date_sec;
	char date[40];          /* IMF-fixdate of date_sec */
	time_t lm_sec;
	char lm[40];            /* IMF-fixdate of lm_sec (Last-Modified) */
	struct httpd_stats st;
	char scratch[HTTP_TARGET_MAX + 2048]; /* response headers being built */
	char path[HTTP_TARGET_MAX + 2];       /* the request's decoded path */
	char drain[4096];       /* lingering reads go here */
};

static const char builtin_page[] =
	"<!DOCTYPE html>\n"
	"<html><head><meta charset=\"utf-8\"><title>berth-httpd</title></head>\n"
	"<body><h1>berth-httpd</h1>\n"
	"<p>An HTTP/1.1 server on berth, a user-space TCP/IP stack on DPDK.\n"
	"No document root was given (<code>--root DIR</code>), so this page is all\n"
	"there is, and <a href=\"/stats\">/stats</a>, the counters as JSON.</p>\n"
	"</body></html>\n";

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [EAL options] -- --ip ADDR/LEN [--gateway ADDR] [--port PORT]\n"
		"                   [--root DIR] [--stats SECONDS] [--max-conns N]\n"
		"                   [--max-request BYTES] [--max-uri BYTES]\n"
		"                   [--idle-timeout S] [--header-timeout S] [--send-timeout S]\n"
		"                   [--cache-files N] [--file-recheck-ms MS] [--mbufs N]\n"
		"                   [--tcp-msl-ms MS]\n"
		"                   [--dev NAME|N] [--pcap FILE] [--help]\n"
		"\n"
		"HTTP/1.1 server (RFC 9110, RFC 9112) of static files on a berth stack over\n"
		"one DPDK port: GET and HEAD, keep-alive and pipelining, files sent from a\n"
		"mapping without copies, /stats with the counters as JSON.\n"
		"\n"
		"  --ip ADDR/LEN        the stack's IPv4 address and prefix length (required)\n"
		"  --gateway ADDR       default gateway (default: none)\n"
		"  --port PORT          TCP port to listen on (default: 80)\n"
		"  --root DIR           serve files beneath DIR; a directory is served by\n"
		"                       its index.html (default: a built-in page)\n"
		"  --stats SECONDS      print a stats line every SECONDS (default: never)\n"
		"  --max-conns N        connections at once; more are closed at once and\n"
		"                       counted as rejected (default: 4096)\n"
		"  --max-request BYTES  request line and header fields; more: 431\n"
		"                       (default: 8192)\n"
		"  --max-uri BYTES      request-target; longer: 414 (default: 4096, at most %u)\n"
		"  --idle-timeout S     close a keep-alive connection idle S seconds\n"
		"                       (default: 15)\n"
		"  --header-timeout S   a request must be complete S seconds after its first\n"
		"                       byte, and a new connection must send one within S:\n"
		"                       408 and close otherwise (default: 10)\n"
		"  --send-timeout S     reset a connection whose client takes nothing for\n"
		"                       S seconds while a response waits (default: 60)\n"
		"  --cache-files N      file mappings kept open (default: 64)\n"
		"  --file-recheck-ms MS a path served from the cache is opened and checked\n"
		"                       again (a file changed on disk is noticed) MS after\n"
		"                       its last check; 0: on every request (default: 1000)\n"
		"  --mbufs N            packet buffers (default: 8191)\n"
		"  --tcp-msl-ms MS      TCP maximum segment lifetime (default: the stack's)\n"
		"  --dev NAME|N         ethdev port by device name or number (default: first)\n"
		"  --pcap FILE          write every frame sent and received to FILE (pcapng)\n"
		"  --help               this text\n"
		"\n"
		"Prints '" PROG ": ready on ADDR:PORT' when it answers. SIGINT/SIGTERM: print\n"
		"the counters and exit 0. SIGUSR1: print them and the TCP connections (as ss\n"
		"does) and go on; the last line of a dump is 'counters-json: {...}', the\n"
		"same object as /stats.\n"
		"\n"
		"Example on a test net (scripts/testnet), as root:\n"
		"  " PROG " --no-huge -m 512 --no-pci --file-prefix=httpd -l 0 \\\n"
		"      --vdev=net_af_packet0,iface=IFACE,qpairs=1 -- --ip 198.18.0.2/24 \\\n"
		"      --root /var/www\n", HTTP_TARGET_MAX);
}

/* ---- options ---- */

static int
bad_option(const char *opt, const char *arg)
{
	fprintf(stderr, PROG ": bad value for --%s: '%s'\n", opt, arg);
	usage(stderr);
	return -EINVAL;
}

/* Options after "--"; argv[0] is the program. 0, 1 for --help, or -EINVAL. */
static int
parse_options(int argc, char **argv, void *arg)
{
	struct options *o = arg;
	enum {
		OPT_IP = 256, OPT_GW, OPT_PORT, OPT_ROOT, OPT_STATS, OPT_MAXCONN, OPT_MAXREQ,
		OPT_MAXURI, OPT_IDLE, OPT_HDR, OPT_SEND, OPT_CACHE, OPT_RECHECK, OPT_MBUFS,
		OPT_MSL,
		OPT_DEV, OPT_PCAP, OPT_HELP
	};
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "gateway", required_argument, NULL, OPT_GW },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "max-conns", required_argument, NULL, OPT_MAXCONN },
		{ "max-request", required_argument, NULL, OPT_MAXREQ },
		{ "max-uri", required_argument, NULL, OPT_MAXURI },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "header-timeout", required_argument, NULL, OPT_HDR },
		{ "send-timeout", required_argument, NULL, OPT_SEND },
		{ "cache-files", required_argument, NULL, OPT_CACHE },
		{ "file-recheck-ms", required_argument, NULL, OPT_RECHECK },
		{ "mbufs", required_argument, NULL, OPT_MBUFS },
		{ "tcp-msl-ms", required_argument, NULL, OPT_MSL },
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool have_ip = false;
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->port = 80;
	o->max_conns = 4096;
	o->max_request = HTTP_DEF_MAX_HEADER;
	o->max_uri = HTTP_DEF_MAX_TARGET;
	o->idle_s = 15;
	o->header_s = 10;
	o->send_s = 60;
	o->cache_files = 64;
	o->recheck_ns = 1000 * BERTH_NS_PER_MS;
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
		case OPT_PORT:
			if (app_parse_uint(optarg, 1, 65535, &v) < 0)
				return bad_option("port", optarg);
			o->port = (uint16_t)v;
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case OPT_STATS:
			if (app_parse_uint(optarg, 1, 86400, &v) < 0)
				return bad_option("stats", optarg);
			o->stats_s = (unsigned int)v;
			break;
		case OPT_MAXCONN:
			if (app_parse_uint(optarg, 1, 1u << 20, &v) < 0)
				return bad_option("max-conns", optarg);
			o->max_conns = (uint32_t)v;
			break;
		case OPT_MAXREQ:
			if (app_parse_uint(optarg, 256, 1u << 20, &v) < 0)
				return bad_option("max-request", optarg);
			o->max_request = (uint32_t)v;
			break;
		case OPT_MAXURI:
			if (app_parse_uint(optarg, 16, HTTP_TARGET_MAX, &v) < 0)
				return bad_option("max-uri", optarg);
			o->max_uri = (uint32_t)v;
			break;
		case OPT_IDLE:
			if (app_parse_uint(optarg, 1, 86400, &v) < 0)
				return bad_option("idle-timeout", optarg);
			o->idle_s = (uint32_t)v;
			break;
		case OPT_HDR:
			if (app_parse_uint(optarg, 1, 86400, &v) < 0)
				return bad_option("header-timeout", optarg);
			o->header_s = (uint32_t)v;
			break;
		case OPT_SEND:
			if (app_parse_uint(optarg, 1, 86400, &v) < 0)
				return bad_option("send-timeout", optarg);
			o->send_s = (uint32_t)v;
			break;
		case OPT_CACHE:
			if (app_parse_uint(optarg, 1, 65536, &v) < 0)
				return bad_option("cache-files", optarg);
			o->cache_files = (uint32_t)v;
			break;
		case OPT_RECHECK:
			if (app_parse_uint(optarg, 0, 86400 * 1000, &v) < 0)
				return bad_option("file-recheck-ms", optarg);
			o->recheck_ns = (uint64_t)v * BERTH_NS_PER_MS;
			break;
		case OPT_MBUFS:
			if (app_parse_uint(optarg, 1023, 1u << 22, &v) < 0)
				return bad_option("mbufs", optarg);
			o->nb_mbufs = (uint32_t)v;
			break;
		case OPT_MSL:
			if (app_parse_uint(optarg, 1, 3600 * 1000, &v) < 0)
				return bad_option("tcp-msl-ms", optarg);
			o->tcp_msl_ns = (uint64_t)v * BERTH_NS_PER_MS;
			break;
		case OPT_DEV:
			o->dev = optarg;
			break;
		case OPT_PCAP:
			o->pcap = optarg;
			break;
		case OPT_HELP:
		case 'h':
			return 1;
		default:
			fprintf(stderr, PROG ": unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	if (!have_ip) {
		fprintf(stderr, PROG ": --ip ADDR/LEN is required\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- counters ---- */

/*
 * The counters as one JSON object on one line: the server's, the file
 * layer's and the stack's (berth_stack_counters_json into a memory stream).
 * Returns a malloc'd string (without a newline) or NULL.
 */
static char *
stats_json(struct app *app, size_t *len)
{
	const struct http_files_stats *fst = app->files != NULL ? http_files_stats(app->files) : NULL;
	const struct httpd_stats *s = &app->st;
	char *buf = NULL, *p;
	size_t n = 0;
	FILE *f;

	f = open_memstream(&buf, &n);
	if (f == NULL)
		return NULL;
	fprintf(f, "{\"httpd\": {\"conns_open\": %" PRIu32 ", \"conns_accepted\": %" PRIu64
		", \"conns_rejected\": %" PRIu64 ", \"conns_closed\": %" PRIu64
		", \"conns_reset\": %" PRIu64 ", \"conns_aborted\": %" PRIu64
		", \"requests\": %" PRIu64
		", \"parse_errors\": %" PRIu64 ", \"traversals\": %" PRIu64
		", \"responses_1xx\": %" PRIu64
		", \"responses_2xx\": %" PRIu64 ", \"responses_3xx\": %" PRIu64
		", \"responses_4xx\": %" PRIu64 ", \"responses_5xx\": %" PRIu64
		", \"bytes_in\": %" PRIu64 ", \"bytes_out\": %" PRIu64
		", \"file_bytes_out\": %" PRIu64 ", \"timeouts_idle\": %" PRIu64
		", \"timeouts_header\": %" PRIu64 ", \"timeouts_send\": %" PRIu64
		", \"timeouts_linger\": %" PRIu64 ", \"no_mbuf\": %" PRIu64 "}",
		app->nb_conns, s->accepted, s->rejected, s->closed, s->reset, s->aborted,
		s->requests,
		s->parse_errors, s->traversals, s->status[1], s->status[2], s->status[3], s->status[4],
		s->status[5], s->bytes_in, s->bytes_out, s->file_bytes, s->timeout_idle,
		s->timeout_header, s->timeout_send, s->timeout_linger, s->no_mbuf);
	if (fst != NULL)
		fprintf(f, ", \"files\": {\"lookups\": %" PRIu64 ", \"cache_hits\": %" PRIu64
			", \"path_hits\": %" PRIu64
			", \"maps\": %" PRIu64 ", \"unmaps\": %" PRIu64 ", \"evictions\": %" PRIu64
			", \"escapes\": %" PRIu64 ", \"live_maps\": %" PRIu32
			", \"live_bodies\": %" PRIu32 ", \"mapped_bytes\": %" PRIu64 "}",
			fst->lookups, fst->cache_hits, fst->path_hits, fst->maps, fst->unmaps,
			fst->evictions,
			fst->escapes, fst->live_maps, fst->live_bodies, fst->mapped_bytes);
	fputs(", \"stack\": ", f);
	berth_stack_counters_json(app->net.st, f);
	fputc('}', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	/* The stack's object ends its line: keep ours on one. */
	for (p = buf; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	*len = n;
	return buf;
}

static void
print_stats(const struct app *app)
{
	const struct httpd_stats *s = &app->st;

	printf(PROG ": stats conns %" PRIu32 " accepted %" PRIu64 " rejected %" PRIu64
	       " requests %" PRIu64 " 2xx %" PRIu64 " 3xx %" PRIu64 " 4xx %" PRIu64
	       " 5xx %" PRIu64 " bytes_out %" PRIu64 " timeouts %" PRIu64 " aborted %" PRIu64
	       " rx_pkts %" PRIu64 " tx_pkts %" PRIu64 "\n",
	       app->nb_conns, s->accepted, s->rejected, s->requests, s->status[2], s->status[3],
	       s->status[4], s->status[5], s->bytes_out,
	       s->timeout_idle + s->timeout_header + s->timeout_send, s->aborted,
	       berth_stack_counter(app->net.st, "rx_pkts"),
	       berth_stack_counter(app->net.st, "tx_pkts"));
	fflush(stdout);
}

/* The counters, then (with_conns) the connection listing; JSON comes last. */
static void
dump_counters(struct app *app, bool with_conns)
{
	size_t len;
	char *json;

	printf(PROG ": counters\n");
	berth_stack_counters_dump(app->net.st, stdout);
	if (with_conns) {
		printf(PROG ": connections\n");
		berth_stack_conns_dump(app->net.st, stdout);
		printf(PROG ": end of connections\n");
	}
	json = stats_json(app, &len);
	printf("counters-json: %s\n", json != NULL ? json : "{}");
	free(json);
	fflush(stdout);
}

/* ---- responses ---- */

/* RFC 9110 §5.6.7: IMF-fixdate, always in English and GMT. */
static void
fmt_imf_date(char *buf, size_t len, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* RFC 9110 §6.6.1: the origin server's clock, to the second. */
static const char *
date_now(struct app *app)
{
	time_t t = time(NULL);

	if (t != app->date_sec) {
		app->date_sec = t;
		fmt_imf_date(app->date, sizeof(app->date), t);
	}
	return app->date;
}

/*
 * Append len bytes to a header block of cap bytes at *n; nothing past cap
 * (*n then exceeds it). The hot path builds headers with this and hdr_u64:
 * a vsnprintf per field cost more than the TCP/IP work of the response.
 */
static inline void
hdr_put(char *h, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + len > cap) {
		*n = cap + 1;
		return;
	}
	memcpy(h + *n, s, len);
	*n += len;
}

#define HDR_LIT(h, cap, n, lit) hdr_put(h, cap, n, lit, sizeof(lit) - 1)

static inline void
hdr_str(char *h, size_t cap, size_t *n, const char *s)
{
	hdr_put(h, cap, n, s, strlen(s));
}

/* Append v in decimal. */
static void
hdr_u64(char *h, size_t cap, size_t *n, uint64_t v)
{
	char d[20];
	size_t k = sizeof(d);

	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	hdr_put(h, cap, n, d + k, sizeof(d) - k);
}

/* The Last-Modified value of the file served last, formatted once per mtime. */
static const char *
last_modified(struct app *app, time_t t)
{
	if (t != app->lm_sec) {
		app->lm_sec = t;
		fmt_imf_date(app->lm, sizeof(app->lm), t);
	}
	return app->lm;
}

/* Append to a header block of cap bytes at *n; nothing past cap (*n then exceeds it). */
static void __rte_format_printf(4, 5)
hdr_add(char *h, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(h + *n, cap - *n, fmt, ap);
	va_end(ap);
	*n += k > 0 ? (size_t)k : 0;
}

/* What a response carries besides its status. */
struct resp {
	const char *type;       /* Content-Type, NULL: none */
	uint64_t length;        /* Content-Length */
	const void *body;       /* memory body, NULL for a file or none */
	struct http_file_info *file;
	const char *location;   /* Location (3xx), length loc_len */
	size_t loc_len;
	bool allow;             /* Allow: GET, HEAD (405, 501) */
	bool head;              /* HEAD: no body, same headers */
	time_t last_modified;   /* 0: none */
};

static void
count_status(struct app *app, unsigned int status)
{
	unsigned int cls = status / 100;

	app->st.status[cls < 6 ? cls : 0]++;
}

/*
 * Queue a response on c: headers in c->hdr (or a malloc'd buffer), then
 * the body. Output goes when conn_flush runs. Returns 0, or -ENOMEM.
 */
static int
respond(struct app *app, struct conn *c, unsigned int status, const struct resp *r)
{
	char *h = app->scratch;
	size_t cap = sizeof(app->scratch), n = 0;
	uint64_t body = r->head ? 0 : r->length;
	bool close = c->close_after;

	HDR_LIT(h, cap, &n, "HTTP/1.1 ");
	hdr_u64(h, cap, &n, status);
	HDR_LIT(h, cap, &n, " ");
	hdr_str(h, cap, &n, http_reason(status));
	HDR_LIT(h, cap, &n, "\r\nDate: ");
	hdr_str(h, cap, &n, date_now(app));
	HDR_LIT(h, cap, &n, "\r\nServer: " SERVER_NAME "\r\n");
	if (r->type != NULL) {
		HDR_LIT(h, cap, &n, "Content-Type: ");
		hdr_str(h, cap, &n, r->type);
		HDR_LIT(h, cap, &n, "\r\n");
	}
	HDR_LIT(h, cap, &n, "Content-Length: ");
	hdr_u64(h, cap, &n, r->length);
	HDR_LIT(h, cap, &n, "\r\n");
	if (r->last_modified != 0) {
		HDR_LIT(h, cap, &n, "Last-Modified: ");
		hdr_str(h, cap, &n, last_modified(app, r->last_modified));
		HDR_LIT(h, cap, &n, "\r\n");
	}
	if (r->location != NULL)
		hdr_add(h, cap, &n, "Location: %.*s\r\n", (int)r->loc_len, r->location);
	if (r->allow)
		HDR_LIT(h, cap, &n, "Allow: GET, HEAD\r\n");
	/*
	 * RFC 9112 §9.6: "close" when we will close; RFC 9112 §9.3 and
	 * RFC 2068 §19.7.1: an HTTP/1.0 client that asked to keep the
	 * connection is told it is kept.
	 */
	if (close)
		HDR_LIT(h, cap, &n, "Connection: close\r\n");
	else if (c->parser.req.minor == 0)
		HDR_LIT(h, cap, &n, "Connection: keep-alive\r\n");
	HDR_LIT(h, cap, &n, "\r\n");
	if (n >= cap)
		return -ENOMEM;
	count_status(app, status);
	if (r->file != NULL && body > 0) {
		/* The headers ride in front of the first slice of the file. */
		if (n > sizeof(c->hdr))
			return -ENOMEM;
		memcpy(c->hdr, h, n);
		c->hdr_len = (uint32_t)n;
		c->hdr_with_body = true;
		c->body = http_body_new(app->files, r->file->map);
		r->file->map = NULL;
		if (c->body == NULL)
			return -ENOMEM;
		c->body_off = 0;
		c->body_end = r->file->size;
		return 0;
	}
	if (r->body == NULL)
		body = 0;
	if (n + body <= sizeof(c->hdr)) {
		c->out = c->hdr;
		c->out_alloc = false;
	} else {
		c->out = malloc(n + body);
		if (c->out == NULL)
			return -ENOMEM;
		c->out_alloc = true;
	}
	memcpy(c->out, h, n);
	if (body > 0)
		memcpy(c->out + n, r->body, body);
	c->out_off = 0;
	c->out_len = (uint32_t)(n + body);
	return 0;
}

/* A small HTML page for an error (or a redirect). */
static void
respond_status(struct app *app, struct conn *c, unsigned int status, bool close,
	       const char *location, size_t loc_len)
{
	char page[256];
	struct resp r = {
		.type = "text/html; charset=utf-8",
		.location = location,
		.loc_len = loc_len,
		.allow = status == 405 || status == 501,
		.head = c->parser.req.method == HTTP_METHOD_HEAD,
		.body = page,
	};
	int n;

	n = snprintf(page, sizeof(page),
		     "<!DOCTYPE html>\n<html><head><title>%u %s</title></head>"
		     "<body><h1>%u %s</h1></body></html>\n",
		     status, http_reason(status), status, http_reason(status));
	r.length = (uint64_t)n;
	if (close)
		c->close_after = true;
	if (respond(app, c, status, &r) < 0)
		c->close_after = true;
}

/* A 301 to the same path with a '/' added (a directory), query kept. */
static void
respond_dir_redirect(struct app *app, struct conn *c)
{
	const struct http_request *req = &c->parser.req;
	const char *path, *q;
	char loc[HTTP_TARGET_MAX + 2];
	size_t plen, qlen = 0, n;

	plen = http_target_raw_path(req, &path);
	q = path + plen;
	if (*q == '?')
		qlen = strlen(q);
	if (plen == 0) {
		path = "/";
		plen = 1;
	}
	n = (size_t)snprintf(loc, sizeof(loc), "%.*s/%.*s", (int)plen, path, (int)qlen, q);
	respond_status(app, c, 301, false, loc, n < sizeof(loc) ? n : sizeof(loc) - 1);
}

static void
serve_stats(struct app *app, struct conn *c, bool head)
{
	struct resp r = { .type = "application/json", .head = head };
	size_t len;
	char *json = stats_json(app, &len);

	if (json == NULL) {
		respond_status(app, c, 503, true, NULL, 0);
		return;
	}
	/* Room for the newline the page ends with: json has its NUL there. */
	json[len] = '\n';
	r.body = json;
	r.length = len + 1;
	if (respond(app, c, 200, &r) < 0)
		c->close_after = true;
	free(json);
}

static void
serve_file(struct app *app, struct conn *c, const char *path, bool head)
{
	struct http_file_info fi;
	struct resp r = { .head = head };
	int ret;

	ret = http_files_lookup(app->files, path, app->now, &fi);
	if (ret == -301) {
		respond_dir_redirect(app, c);
		return;
	}
	if (ret < 0) {
		/* A failure of ours (503, 500) ends the connection as well. */
		respond_status(app, c, (unsigned int)-ret, -ret >= 500, NULL, 0);
		return;
	}
	r.type = fi.type;
	r.length = fi.size;
	r.file = &fi;
	r.last_modified = fi.mtime;
	if (respond(app, c, 200, &r) < 0)
		c->close_after = true;
	/* respond took the reference for a body; otherwise it is ours to drop. */
	http_map_put(app->files, fi.map);
}

static void
handle_request(struct app *app, struct conn *c)
{
	const struct http_request *req = &c->parser.req;
	bool head = req->method == HTTP_METHOD_HEAD;
	char *path = app->path;
	int n;

	app->st.requests++;
	c->nreq++;
	if (!req->keep_alive)
		c->close_after = true;
	n = http_target_path(req, path, sizeof(app->path));
	if (n == -403)
		app->st.traversals++;
	if (n < 0) {
		/* A malformed target ends the connection; a traversal does not. */
		respond_status(app, c, (unsigned int)-n, n != -403, NULL, 0);
		return;
	}
	if (strcmp(path, "/stats") == 0) {
		serve_stats(app, c, head);
		return;
	}
	if (app->files != NULL) {
		serve_file(app, c, path, head);
		return;
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
		struct resp r = {
			.type = "text/html; charset=utf-8",
			.body = builtin_page,
			.length = sizeof(builtin_page) - 1,
			.head = head,
		};

		if (respond(app, c, 200, &r) < 0)
			c->close_after = true;
		return;
	}
	respond_status(app, c, 404, false, NULL, 0);
}

/* ---- connections ---- */

static void
retry_add(struct app *app, struct conn *c)
{
	if (c->on_retry)
		return;
	c->on_retry = true;
	c->retry_next = app->retry;
	app->retry = c;
}

static void
output_release(struct conn *c)
{
	rte_pktmbuf_free(c->pend);
	c->pend = NULL;
	if (c->out_alloc)
		free(c->out);
	c->out = NULL;
	c->out_alloc = false;
	c->out_off = c->out_len = 0;
	http_body_put(c->body);
	c->body = NULL;
	c->hdr_with_body = false;
}

/* How a connection ended. */
enum conn_end {
	END_CLOSE,      /* in order: our FIN after what was queued */
	END_RESET,      /* the client reset it, or it timed out in the stack */
	END_ABORT,      /* we reset it */
};

/* Forget c and close its socket. */
static void
conn_free(struct app *app, struct conn *c, enum conn_end how)
{
	struct conn **pp;

	if (c->on_retry) {
		for (pp = &app->retry; *pp != c; pp = &(*pp)->retry_next)
			;
		*pp = c->retry_next;
	}
	output_release(c);
	if (how == END_ABORT) {
		berth_sock_setopt(app->net.st, c->sd, BERTH_SO_LINGER, 0);
		app->st.aborted++;
	} else if (how == END_RESET) {
		app->st.reset++;
	} else {
		app->st.closed++;
	}
	/* Never blocks: queued data and our FIN go out in the background. */
	berth_sock_close(app->net.st, c->sd);
	app->conns[c->sd] = NULL;
	app->nb_conns--;
	/* Kept for the next connection (conn_new): at most max_conns of them. */
	c->retry_next = app->spare;
	app->spare = c;
}

/*
 * Memory for a new connection: a closed one's if there is one. A struct
 * conn is ~14 KB; calloc and free of one per connection cost more than
 * the TCP work of a short connection (zeroing, and glibc trimming the heap
 * and faulting the pages back in). Only the fields before the buffers are
 * cleared: the buffers are read only up to lengths kept in those fields,
 * and http_parser_init resets the parser.
 */
static struct conn *
conn_new(struct app *app)
{
	struct conn *c = app->spare;

	if (c != NULL)
		app->spare = c->retry_next;
	else if ((c = malloc(sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, offsetof(struct conn, in));
	return c;
}

/*
 * Hand one chain to the stack. Returns 1 when it took it, 0 when it must
 * wait (c->pend keeps it), or -errno (the chain is gone).
 */
static int
send_chain(struct app *app, struct conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	ssize_t n;

	n = berth_sock_sendto_mbuf(app->net.st, c->sd, m, NULL);
	if (n == -EAGAIN) {
		/* The one failure that leaves the chain with us (socket.h). */
		c->pend = m;
		c->blocked = true;
		return 0;
	}
	if (n < 0)
		return (int)n;
	app->st.bytes_out += len;
	c->last_io = app->now;
	return 1;
}

/* The next slice of the body, with the headers in front for the first. */
static struct rte_mbuf *
next_chain(struct app *app, struct conn *c)
{
	uint64_t left = c->body_end - c->body_off;
	uint32_t len = left < HTTP_SLICE_MAX ? (uint32_t)left : HTTP_SLICE_MAX;
	struct rte_mbuf *m, *h;

	m = berth_sock_alloc_mbuf(app->net.st);
	if (m == NULL)
		return NULL;
	http_body_attach(c->body, m, c->body_off, len);
	if (!c->hdr_with_body)
		return m;
	h = berth_sock_alloc_mbuf(app->net.st);
	if (h == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* Headers are far smaller than an mbuf's data room. */
	memcpy(rte_pktmbuf_append(h, (uint16_t)c->hdr_len), c->hdr, c->hdr_len);
	h->next = m;
	h->nb_segs = 2;
	h->pkt_len += len;
	return h;
}

/*
 * Hand pending output to the stack. Returns 1 when all of it went, 0 when
 * the rest waits (BERTH_EV_WRITABLE, or a retry for packet buffers), or
 * -errno when the connection is broken.
 */
static int
conn_flush(struct app *app, struct conn *c)
{
	ssize_t n;
	int ret;

	if (c->pend != NULL) {
		struct rte_mbuf *m = c->pend;

		c->pend = NULL;
		ret = send_chain(app, c, m);
		if (ret <= 0)
			return ret;
	}
	while (c->out_off < c->out_len) {
		n = berth_sock_send(app->net.st, c->sd, c->out + c->out_off,
				    c->out_len - c->out_off);
		if (n == -EAGAIN) {
			c->blocked = true;
			return 0;
		}
		if (n == -ENOBUFS) {
			app->st.no_mbuf++;
			retry_add(app, c);
			return 0;
		}
		if (n < 0)
			return (int)n;
		c->out_off += (uint32_t)n;
		app->st.bytes_out += (uint64_t)n;
		c->last_io = app->now;
	}
	while (c->body != NULL && c->body_off < c->body_end) {
		struct rte_mbuf *m = next_chain(app, c);
		uint64_t len;

		if (m == NULL) {
			app->st.no_mbuf++;
			retry_add(app, c);
			return 0;
		}
		len = rte_pktmbuf_lastseg(m)->data_len;
		/* The slice is counted as sent once the stack has the chain. */
		c->body_off += len;
		c->hdr_with_body = false;
		app->st.file_bytes += len;
		ret = send_chain(app, c, m);
		if (ret <= 0)
			return ret;
	}
	output_release(c);
	return 1;
}

/* The last answer is out: shut our side and drain until the client's FIN. */
static int
linger_start(struct app *app, struct conn *c)
{
	int ret;

	c->close_after = false;
	c->phase = PH_LINGER;
	c->linger_start = app->now;
	ret = berth_sock_shutdown(app->net.st, c->sd, BERTH_SHUT_WR);
	return ret == -ENOTCONN ? 0 : ret;
}

/* Read and drop. Returns true when the connection was freed. */
static bool
linger_drain(struct app *app, struct conn *c)
{
	ssize_t n;

	for (;;) {
		n = berth_sock_recv(app->net.st, c->sd, app->drain, sizeof(app->drain));
		if (n == -EAGAIN)
			return false;
		if (n <= 0) {
			conn_free(app, c, END_CLOSE);
			return true;
		}
		app->st.bytes_in += (uint64_t)n;
	}
}

/* A request could not be parsed: answer its status and close. */
static void
parse_failed(struct app *app, struct conn *c)
{
	app->st.parse_errors++;
	respond_status(app, c, c->parser.status, true, NULL, 0);
}

/*
 * Serve a connection as far as it goes without waiting: output first, then
 * the requests already received, then more input. Frees c when the
 * connection ends; the caller must not touch c afterwards.
 */
static void
conn_serve(struct app *app, struct conn *c)
{
	enum http_parse_result res;
	size_t used;
	ssize_t n;
	int ret;

	for (;;) {
		ret = conn_flush(app, c);
		if (ret < 0)
			goto broken;
		if (ret == 0)
			return;
		if (c->close_after) {
			ret = linger_start(app, c);
			if (ret < 0)
				goto broken;
		}
		if (c->phase == PH_LINGER) {
			linger_drain(app, c);
			return;
		}
		if (c->in_len > 0) {
			res = http_parse(&c->parser, c->in + c->in_off, c->in_len, &used);
			c->in_off += (uint32_t)used;
			c->in_len -= (uint32_t)used;
			if (res == HTTP_PARSE_DONE) {
				handle_request(app, c);
				http_parser_reset(&c->parser);
				c->req_start = 0;
				continue;
			}
			if (res == HTTP_PARSE_ERROR) {
				parse_failed(app, c);
				continue;
			}
			if (c->req_start == 0 && http_parser_started(&c->parser))
				c->req_start = app->now;
		}
		if (c->eof) {
			/* The client is done; a half-sent request is dropped. */
			conn_free(app, c, END_CLOSE);
			return;
		}
		n = berth_sock_recv(app->net.st, c->sd, c->in, sizeof(c->in));
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			c->eof = true;
			continue;
		}
		if (n < 0) {
			ret = (int)n;
			goto broken;
		}
		c->in_off = 0;
		c->in_len = (uint32_t)n;
		c->last_io = app->now;
		app->st.bytes_in += (uint64_t)n;
	}
broken:
	/* Reset or timed out: nothing more can be said. */
	if (ret == -ECONNRESET || ret == -EPIPE || ret == -ETIMEDOUT) {
		conn_free(app, c, END_RESET);
		return;
	}
	fprintf(stderr, PROG ": connection %d: %s\n", c->sd, strerror(-ret));
	conn_free(app, c, END_ABORT);
}

static void
accept_all(struct app *app)
{
	struct conn *c;
	int sd;

	for (;;) {
		sd = berth_sock_accept(app->net.st, app->lsd, NULL);
		if (sd == -EAGAIN)
			return;
		if (sd == -EMFILE) {
			/* Retried when one of ours closes: no new ACCEPT event comes. */
			app->accept_blocked = true;
			app->blocked_at = app->nb_conns;
			return;
		}
		if (sd < 0) {
			fprintf(stderr, PROG ": accept: %s\n", strerror(-sd));
			return;
		}
		c = NULL;
		if (app->nb_conns < app->opt.max_conns && (uint32_t)sd < app->nb_sockets)
			c = conn_new(app);
		if (c == NULL) {
			/* Over the cap: a reset costs nothing more (no TIME-WAIT). */
			berth_sock_setopt(app->net.st, sd, BERTH_SO_LINGER, 0);
			berth_sock_close(app->net.st, sd);
			app->st.rejected++;
			continue;
		}
		c->sd = sd;
		c->last_io = app->now;
		http_parser_init(&c->parser, &app->limits);
		app->conns[sd] = c;
		app->nb_conns++;
		app->st.accepted++;
		/* Data may have come with the handshake: no edge will announce it. */
		conn_serve(app, c);
	}
}

static void
on_event(struct app *app, const struct berth_event *ev)
{
	struct conn *c;

	if (ev->sd == app->lsd) {
		if (ev->events & BERTH_EV_ACCEPT)
			accept_all(app);
		return;
	}
	if (ev->sd < 0 || (uint32_t)ev->sd >= app->nb_sockets)
		return;
	c = app->conns[ev->sd];
	if (c == NULL)
		return;
	if (ev->events & BERTH_EV_WRITABLE)
		c->blocked = false;
	/* Errors and hang-ups show in recv and send; serving deals with them. */
	if (!c->blocked || (ev->events & (BERTH_EV_ERROR | BERTH_EV_HANGUP)))
		conn_serve(app, c);
}

static void
retry_all(struct app *app)
{
	struct conn *list = app->retry, *c;

	app->retry = NULL;
	while ((c = list) != NULL) {
		list = c->retry_next;
		c->on_retry = false;
		conn_serve(app, c);
	}
}

/*
 * Timeouts, checked every TIMER_TICK_NS over all connections (a few
 * thousand at most: cheaper than keeping timers sorted).
 */
static void
check_timeouts(struct app *app)
{
	uint64_t now = app->now, idle = (uint64_t)app->opt.idle_s * BERTH_NS_PER_SEC;
	uint64_t hdr = (uint64_t)app->opt.header_s * BERTH_NS_PER_SEC;
	uint64_t snd = (uint64_t)app->opt.send_s * BERTH_NS_PER_SEC;
	uint32_t sd;

	for (sd = 0; sd < app->nb_sockets; sd++) {
		struct conn *c = app->conns[sd];
		bool pending;

		if (c == NULL)
			continue;
		pending = c->pend != NULL || c->out_off < c->out_len || c->body != NULL;
		if (c->phase == PH_LINGER) {
			if (now - c->linger_start > LINGER_NS) {
				app->st.timeout_linger++;
				conn_free(app, c, END_CLOSE);
			}
		} else if (pending) {
			/* A client that takes nothing: TCP's persist timer alone never ends it. */
			if (now - c->last_io > snd) {
				app->st.timeout_send++;
				conn_free(app, c, END_ABORT);
			}
		} else if (c->req_start != 0) {
			/* Slowloris: bytes keep coming, the request never completes. */
			if (now - c->req_start > hdr) {
				app->st.timeout_header++;
				/* RFC 9110 §15.5.9: 408, and the connection is closed. */
				respond_status(app, c, 408, true, NULL, 0);
				conn_serve(app, c);
			}
		} else if (now - c->last_io > (c->nreq == 0 ? hdr : idle)) {
			/* RFC 9112 §9.5: a server may close an idle connection at any time. */
			if (c->nreq == 0)
				app->st.timeout_header++;
			else
				app->st.timeout_idle++;
			conn_free(app, c, END_CLOSE);
		}
	}
}

/* ---- set-up and run loop ---- */

static int
listen_open(struct app *app)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(app->opt.port),
	};
	int sd, ret;

	sd = berth_sock_open(app->net.st, BERTH_SOCK_STREAM);
	if (sd < 0)
		return sd;
	/*
	 * Each response goes to the stack whole (one send, or slices of a
	 * file): Nagle (RFC 896) would only hold back the tail of one
	 * response, or a small pipelined one, for the client's delayed ACK.
	 */
	ret = berth_sock_setopt(app->net.st, sd, BERTH_SO_NODELAY, 1);
	if (ret == 0)
		ret = berth_sock_bind(app->net.st, sd, &sin);
	if (ret == 0)
		ret = berth_sock_listen(app->net.st, sd, BACKLOG);
	if (ret < 0) {
		berth_sock_close(app->net.st, sd);
		return ret;
	}
	app->lsd = sd;
	return 0;
}

static int
setup(struct app *app)
{
	struct berth_stack_conf sconf;
	struct app_net_conf nc = {
		.prog = PROG,
		.pool_name = "berth_httpd",
		.port = app->opt.dev,
		.pcap = app->opt.pcap,
		.addr = app->opt.addr,
		.prefix_len = app->opt.prefix_len,
		.gateway = app->opt.gateway,
		.nb_mbufs = app->opt.nb_mbufs,
	};
	int ret;

	app->limits.max_target = app->opt.max_uri;
	app->limits.max_header = app->opt.max_request;
	app->limits.max_fields = HTTP_DEF_MAX_FIELDS;
	app->nb_sockets = app->opt.max_conns + EXTRA_SOCKETS;
	app->conns = calloc(app->nb_sockets, sizeof(*app->conns));
	if (app->conns == NULL)
		return -ENOMEM;
	if (app->opt.root != NULL) {
		ret = http_files_open(&app->files, app->opt.root, app->opt.cache_files,
				      app->opt.recheck_ns);
		if (ret < 0) {
			fprintf(stderr, PROG ": --root %s: %s\n", app->opt.root, strerror(-ret));
			return ret;
		}
	}
	memset(&sconf, 0, sizeof(sconf));
	sconf.max_sockets = app->nb_sockets;
	sconf.nb_mbufs = app->opt.nb_mbufs;
	sconf.tcp_msl_ns = app->opt.tcp_msl_ns;
	/* Room in the connection table for TIME-WAIT entries of closed ones. */
	sconf.tcp_max_conns = app->nb_sockets * 4 > 65536 ? app->nb_sockets * 4 : 65536;
	ret = app_net_up(&app->net, &nc, &sconf);
	if (ret < 0)
		return ret;
	ret = listen_open(app);
	if (ret < 0)
		fprintf(stderr, PROG ": listen on port %u: %s\n", app->opt.port, strerror(-ret));
	return ret;
}

static void
teardown(struct app *app)
{
	uint32_t sd, left;

	if (app->conns != NULL) {
		for (sd = 0; sd < app->nb_sockets; sd++)
			if (app->conns[sd] != NULL)
				conn_free(app, app->conns[sd], END_CLOSE);
		free(app->conns);
		app->conns = NULL;
	}
	while (app->spare != NULL) {
		struct conn *c = app->spare;

		app->spare = c->retry_next;
		free(c);
	}
	if (app->lsd >= 0)
		berth_sock_close(app->net.st, app->lsd);
	app->lsd = -1;
	/* The stack and the port give back every mbuf, slices of files included. */
	app_net_down(&app->net);
	if (app->files != NULL) {
		left = http_files_close(app->files);
		printf(PROG ": file mappings left at exit: %" PRIu32 "\n", left);
		app->files = NULL;
	}
}

static void
run(struct app *app)
{
	struct berth_event ev[EV_BURST];
	uint64_t next_stats = 0, next_tick, period;
	unsigned int n, i;

	period = (uint64_t)app->opt.stats_s * BERTH_NS_PER_SEC;
	app->now = berth_time_now();
	next_tick = app->now + TIMER_TICK_NS;
	if (period != 0)
		next_stats = app->now + period;
	while (!app_stop_requested) {
		app->now = berth_time_now();
		berth_stack_poll(app->net.st, app->now);
		do {
			n = berth_stack_events(app->net.st, ev, EV_BURST);
			for (i = 0; i < n; i++)
				on_event(app, &ev[i]);
		} while (n == EV_BURST);
		if (app->retry != NULL)
			retry_all(app);
		if (app->accept_blocked && app->nb_conns < app->blocked_at) {
			app->accept_blocked = false;
			accept_all(app);
		}
		if (app->now >= next_tick) {
			check_timeouts(app);
			next_tick = app->now + TIMER_TICK_NS;
		}
		/* Answers go out now rather than on the next poll. */
		berth_stack_flush(app->net.st, app->now);
		if (app_dump_requested) {
			app_dump_requested = 0;
			dump_counters(app, true);
		}
		if (period != 0 && app->now >= next_stats) {
			print_stats(app);
			next_stats = app->now + period;
		}
	}
}

int
main(int argc, char **argv)
{
	struct app_start_conf sc = { .prog = PROG, .usage = usage, .parse = parse_options };
	static struct app app; /* large (scratch buffers): not on the stack */
	char addr[INET_ADDRSTRLEN];
	int ret;

	app.lsd = -1;
	sc.opt = &app.opt;
	ret = app_start(&sc, argc, argv);
	if (ret >= 0)
		return ret;
	if (setup(&app) < 0) {
		teardown(&app);
		berth_fini();
		return EXIT_FAILURE;
	}
	inet_ntop(AF_INET, &(struct in_addr){ .s_addr = app.opt.addr }, addr, sizeof(addr));
	printf(PROG ": ready on %s:%u root %s\n", addr, app.opt.port,
	       app.opt.root != NULL ? app.opt.root : "(built-in page)");
	fflush(stdout);
	run(&app);

	printf(PROG ": stopping\n");
	dump_counters(&app, true);
	teardown(&app);
	berth_fini();
	return EXIT_SUCCESS;
}
