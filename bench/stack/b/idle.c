/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idle: what an idle established TCP connection and a TIME-WAIT entry cost
 * a berth server in memory, with N connections open at once (1M by
 * default). Public API only (berth/berth.h), two stacks on the in-memory
 * wire in one process, a virtual clock.
 *
 * Set-up: a client stack (198.18.0.2 and 64 secondary addresses, ephemeral
 * ports 1024-65535) opens N connections to a server stack (198.18.0.1,
 * LISTENERS ports) in batches; the server accepts each and keeps it. No
 * byte of data moves: the connections are established and idle. Then the
 * server closes every one first, the client closes after the FIN, and the
 * server is left holding N TIME-WAIT entries (RFC 9293 §3.6).
 *
 * What is counted (the server stack only; rte_malloc_get_socket_stats,
 * heap_allocsz_bytes, which includes DPDK's 64-byte element header and
 * alignment of each allocation):
 *   tcb       heap allocated while the server handled the handshakes and
 *             the accepts, divided by N: the memory that comes and goes
 *             with a connection (the TCB pool's chunks); the client's
 *             allocations are kept apart by reading the heap around each
 *             stack's calls
 *   conn slot heap of a server stack with tcp_max_conns = N less one with
 *             tcp_max_conns = SMALL, per slot: the connection table
 *             (ctable's bucket share, entry and free position, and the
 *             32-byte TIME-WAIT array entry), allocated up front for N
 *   sock slot the same for max_sockets: the socket table and event ring,
 *             and the binding tables as far as max_sockets sizes them
 *             (max_bindings defaults to max_sockets, at most 65536)
 *   mbufs     mempool objects out of the server's and the client's pools
 *             once the connections are established and the wire is
 *             empty (idle connections hold none), times the object size
 * An idle established connection costs tcb + conn slot + sock slot (+ mbufs);
 * a TIME-WAIT entry costs its conn slot (the TCB was freed, the descriptor
 * closed); the heap change from ESTABLISHED to TIME-WAIT is printed as a
 * check.
 *
 * Usage: idle [--conns N] [--mem-mb MB] [--smoke]
 * --smoke: 1000 connections; asserts the counts, prints bytes per
 * connection, never judges a figure. Output: a report and one line
 * "idle-json: {...}". Exit 0, 1 on a failed assertion or set-up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/berth.h>

#define PROG "idle"
#define LISTENERS 16
#define SRV_PORT0 5001
#define CLIENT_ADDRS (1 + BERTH_IF_MAX_ADDRS)
#define BATCH 4096
#define SMALL 1024
#define STEP_NS 10000ull
#define EV_BURST 256
#define POOL_MBUFS 32767
/* A batch that does not settle in this much virtual time has stalled. */
#define BATCH_LIMIT_NS (30 * BERTH_NS_PER_SEC)

static const struct rte_ether_addr MAC_S = {{ 0x02, 0, 0, 0, 0, 0x01 }};
static const struct rte_ether_addr MAC_C = {{ 0x02, 0, 0, 0, 0, 0x02 }};

struct bench {
	uint32_t n;
	uint64_t now;
	struct rte_mempool *pool_s, *pool_c;
	struct berth_wire *w;
	struct berth_dev *ds, *dc;
	struct berth_stack *s, *c;
	int lsd[LISTENERS];
	int *srv_sd;              /* accepted, in order */
	int *cli_sd;
	uint32_t nb_accepted, nb_connected, nb_cli_closed, opened;
	uint32_t client_addr[CLIENT_ADDRS];
	int64_t heap_srv;         /* heap the server's calls allocated (net) */
	int64_t heap_cli;
	int errors;
};

static uint64_t
heap_now(void)
{
	struct rte_malloc_socket_stats s;
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++) {
		memset(&s, 0, sizeof(s));
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0)
			total += s.heap_allocsz_bytes;
	}
	/* --no-huge puts everything on SOCKET_ID_ANY's heap 0 as well. */
	if (total == 0 && rte_malloc_get_socket_stats(0, &s) == 0)
		total = s.heap_allocsz_bytes;
	return total;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
counter(struct berth_stack *st, const char *name)
{
	return berth_stack_counter(st, name);
}

static struct berth_stack *
make_stack(struct rte_mempool *pool, uint32_t max_conns, uint32_t max_sockets)
{
	struct berth_stack_conf c;

	memset(&c, 0, sizeof(c));
	c.lcore_id = rte_lcore_id();
	c.pool = pool;
	c.max_sockets = max_sockets;
	c.tcp_max_conns = max_conns;
	c.tcp_max_syn_backlog = BATCH * 2;
	c.arp_entries = 256;
	c.ephemeral_lo = 1024;
	c.ephemeral_hi = 65535;
	return berth_stack_create(&c);
}

/* Heap of a stack created with these sizes (then destroyed). */
static int64_t
stack_heap(struct rte_mempool *pool, uint32_t max_conns, uint32_t max_sockets)
{
	uint64_t h0 = heap_now(), h1;
	struct berth_stack *st = make_stack(pool, max_conns, max_sockets);

	if (st == NULL)
		return -1;
	h1 = heap_now();
	berth_stack_destroy(st);
	return (int64_t)(h1 - h0);
}

static int
add_if(struct berth_stack *st, struct berth_dev *dev, uint32_t addr, uint64_t now)
{
	struct berth_if_conf ic;

	memset(&ic, 0, sizeof(ic));
	ic.dev = dev;
	ic.addr = addr;
	ic.prefix_len = 16;
	return berth_stack_add_if(st, &ic, now);
}

static struct sockaddr_in
sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = addr;
	s.sin_port = htons(port);
	return s;
}

static int
setup(struct bench *b)
{
	struct berth_wire_conf wc;
	uint32_t srv = htonl(0xc6120001), i;
	int ret;

	memset(&wc, 0, sizeof(wc));
	wc.seed = 1;
	wc.queue_len = 4 * BATCH;
	b->w = berth_wire_create(&wc, b->pool_c);
	b->ds = b->w ? berth_wire_attach(b->w, &MAC_S, 0) : NULL;
	b->dc = b->w ? berth_wire_attach(b->w, &MAC_C, 0) : NULL;
	if (b->ds == NULL || b->dc == NULL)
		return -ENOMEM;
	b->c = make_stack(b->pool_c, b->n + SMALL, b->n + SMALL);
	if (b->c == NULL)
		return -ENOMEM;
	if (add_if(b->s, b->ds, srv, b->now) < 0 ||
	    add_if(b->c, b->dc, htonl(0xc6120002), b->now) < 0 ||
	    berth_arp_add_static(b->c, srv, &MAC_S) != 0)
		return -EINVAL;
	for (i = 0; i < CLIENT_ADDRS; i++) {
		/* 198.18.0.2, then 198.18.1.1 ... 198.18.1.64 */
		b->client_addr[i] = htonl(i == 0 ? 0xc6120002 : 0xc6120100 + i);
		if (i > 0 && berth_stack_add_addr(b->c, 0, b->client_addr[i], b->now) != 0)
			return -EINVAL;
		if (berth_arp_add_static(b->s, b->client_addr[i], &MAC_C) != 0)
			return -EINVAL;
	}
	for (i = 0; i < LISTENERS; i++) {
		struct sockaddr_in a = sin_of(0, (uint16_t)(SRV_PORT0 + i));

		b->lsd[i] = berth_sock_open(b->s, BERTH_SOCK_STREAM);
		ret = b->lsd[i] < 0 ? b->lsd[i] : berth_sock_bind(b->s, b->lsd[i], &a);
		if (ret == 0)
			ret = berth_sock_listen(b->s, b->lsd[i], 65535);
		if (ret < 0)
			return ret;
		berth_sock_set_user(b->s, b->lsd[i], UINT64_MAX);
	}
	return 0;
}

/* Open connection k of the client: address and server port by k. */
static int
client_open(struct bench *b, uint32_t k)
{
	uint32_t addr = b->client_addr[k % CLIENT_ADDRS];
	uint16_t port = (uint16_t)(SRV_PORT0 + (k / CLIENT_ADDRS) % LISTENERS);
	struct sockaddr_in local = sin_of(addr, 0), srv = sin_of(htonl(0xc6120001), port);
	int sd, ret;

	sd = berth_sock_open(b->c, BERTH_SOCK_STREAM);
	if (sd < 0)
		return sd;
	berth_sock_set_user(b->c, sd, k);
	ret = berth_sock_bind(b->c, sd, &local);
	if (ret == 0)
		ret = berth_sock_connect(b->c, sd, &srv);
	if (ret != 0 && ret != -EINPROGRESS) {
		berth_sock_close(b->c, sd);
		return ret;
	}
	b->cli_sd[k] = sd;
	return 0;
}

static void
server_events(struct bench *b)
{
	struct berth_event ev[EV_BURST];
	struct sockaddr_in peer;
	unsigned int n, i;
	int sd;

	do {
		n = berth_stack_events(b->s, ev, EV_BURST);
		for (i = 0; i < n; i++) {
			if (!(ev[i].events & BERTH_EV_ACCEPT))
				continue;
			while ((sd = berth_sock_accept(b->s, ev[i].sd, &peer)) >= 0) {
				if (b->nb_accepted >= b->n) {
					berth_sock_close(b->s, sd);
					b->errors++;
					continue;
				}
				b->srv_sd[b->nb_accepted++] = sd;
			}
		}
	} while (n == EV_BURST);
}

static void
client_events(struct bench *b)
{
	struct berth_event ev[EV_BURST];
	unsigned int n, i;

	do {
		n = berth_stack_events(b->c, ev, EV_BURST);
		for (i = 0; i < n; i++) {
			uint64_t k = ev[i].user;

			if (k >= b->n || b->cli_sd[k] != ev[i].sd)
				continue;
			if (ev[i].events & BERTH_EV_ERROR) {
				b->errors++;
				berth_sock_close(b->c, ev[i].sd);
				b->cli_sd[k] = -1;
				continue;
			}
			if (ev[i].events & BERTH_EV_CONNECTED)
				b->nb_connected++;
			if (ev[i].events & (BERTH_EV_HANGUP | BERTH_EV_READABLE)) {
				char buf[16];

				/* The server's FIN: close our side (LAST-ACK). */
				if (berth_sock_recv(b->c, ev[i].sd, buf, sizeof(buf)) == 0) {
					berth_sock_close(b->c, ev[i].sd);
					b->cli_sd[k] = -1;
					b->nb_cli_closed++;
				}
			}
		}
	} while (n == EV_BURST);
}

/* One step: each stack polls and takes its events, heap use booked to it. */
static void
step(struct bench *b)
{
	uint64_t h;

	h = heap_now();
	berth_stack_poll(b->s, b->now);
	server_events(b);
	berth_stack_flush(b->s, b->now);
	b->heap_srv += (int64_t)(heap_now() - h);
	h = heap_now();
	berth_stack_poll(b->c, b->now);
	client_events(b);
	berth_stack_flush(b->c, b->now);
	b->heap_cli += (int64_t)(heap_now() - h);
	b->now += STEP_NS;
}

static uint32_t
server_tw(struct berth_stack *st)
{
	return (uint32_t)(counter(st, "tcp_time_wait") - counter(st, "tcp_tw_expired") -
			  counter(st, "tcp_tw_reopen"));
}

static int
open_all(struct bench *b)
{
	uint32_t k = 0, end;
	uint64_t h, limit;
	int ret;

	while (k < b->n) {
		end = k + BATCH < b->n ? k + BATCH : b->n;
		h = heap_now();
		for (; k < end; k++) {
			ret = client_open(b, k);
			if (ret < 0) {
				fprintf(stderr, PROG ": connection %u: %s\n", k, strerror(-ret));
				return ret;
			}
			b->opened++;
		}
		b->heap_cli += (int64_t)(heap_now() - h);
		limit = b->now + BATCH_LIMIT_NS;
		while ((b->nb_accepted < end || b->nb_connected < end) && b->now < limit &&
		       b->errors == 0)
			step(b);
		if (b->nb_accepted < end || b->nb_connected < end || b->errors != 0) {
			fprintf(stderr, PROG ": batch to %u stalled: %u accepted, %u connected, "
				"%d errors\n", end, b->nb_accepted, b->nb_connected, b->errors);
			return -EIO;
		}
	}
	/* Let any delayed ACK and timer settle. */
	for (k = 0; k < 100; k++)
		step(b);
	return 0;
}

static int
close_all(struct bench *b)
{
	uint64_t limit;
	uint32_t i;

	for (i = 0; i < b->nb_accepted; i++) {
		uint64_t h = heap_now();

		berth_sock_close(b->s, b->srv_sd[i]);
		b->heap_srv += (int64_t)(heap_now() - h);
		b->srv_sd[i] = -1;
		if ((i + 1) % BATCH == 0 || i + 1 == b->nb_accepted) {
			limit = b->now + BATCH_LIMIT_NS;
			while (b->nb_cli_closed < i + 1 && b->now < limit)
				step(b);
		}
	}
	limit = b->now + BATCH_LIMIT_NS;
	while ((server_tw(b->s) < b->n || b->nb_cli_closed < b->n) && b->now < limit)
		step(b);
	for (i = 0; i < 100; i++)
		step(b);
	return server_tw(b->s) == b->n ? 0 : -EIO;
}

static unsigned int
in_use(struct rte_mempool *p)
{
	return rte_mempool_in_use_count(p);
}

int
main(int argc, char **argv)
{
	static struct bench b;
	char prefix[64], mem[32];
	char *eal[] = { argv[0], "--no-huge", "-m", mem, "--no-pci", "-l", "0",
			"--log-level=*:warning", prefix, NULL };
	unsigned int mem_mb = 0, use_s0, use_c0, use_s1, use_c1, use_s2, use_c2;
	uint64_t h0, h_est, h_tw;
	int64_t sz_full, sz_small_conns, sz_small, srv_fixed;
	double conn_slot, sock_slot, tcb, mbuf_b, est_total, tw_delta, t0;
	size_t obj;
	bool smoke = false;
	int a, ret = 1;

	b.n = 1000000;
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--smoke") == 0) {
			smoke = true;
			b.n = 1000;
		} else if (strcmp(argv[a], "--conns") == 0 && a + 1 < argc) {
			b.n = (uint32_t)strtoul(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "--mem-mb") == 0 && a + 1 < argc) {
			mem_mb = (unsigned int)strtoul(argv[++a], NULL, 10);
		} else {
			fprintf(stderr, "Usage: " PROG " [--conns N] [--mem-mb MB] [--smoke]\n");
			return 2;
		}
	}
	/* CLIENT_ADDRS x LISTENERS x 64512 ephemeral ports bound the 4-tuples. */
	if (b.n < SMALL * 2 && !smoke)
		b.n = SMALL * 2;
	if (b.n < 100 || b.n > 4000000) {
		fprintf(stderr, PROG ": --conns must be 100-4000000\n");
		return 2;
	}
	if (mem_mb == 0)
		mem_mb = 1024 + (unsigned int)((uint64_t)b.n * 4096 / (1024 * 1024));
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-idle-%d", (int)getpid());
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (berth_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, PROG ": EAL init failed (-m %s)\n", mem);
		return 1;
	}
	t0 = wall_s();
	b.now = BERTH_NS_PER_SEC;
	b.srv_sd = calloc(b.n, sizeof(*b.srv_sd));
	b.cli_sd = calloc(b.n, sizeof(*b.cli_sd));
	b.pool_s = rte_pktmbuf_pool_create("idle_srv", POOL_MBUFS, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	b.pool_c = rte_pktmbuf_pool_create("idle_cli", POOL_MBUFS, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (b.srv_sd == NULL || b.cli_sd == NULL || b.pool_s == NULL || b.pool_c == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	/* The fixed tables, per slot: the same stack with fewer slots of one kind. */
	sz_small = stack_heap(b.pool_s, SMALL, SMALL);
	sz_small_conns = stack_heap(b.pool_s, SMALL, b.n + SMALL);
	h0 = heap_now();
	b.s = make_stack(b.pool_s, b.n + SMALL, b.n + SMALL);
	if (sz_small < 0 || sz_small_conns < 0 || b.s == NULL) {
		fprintf(stderr, PROG ": server stack for %u connections: out of memory "
			"(try --mem-mb)\n", b.n);
		goto out;
	}
	sz_full = (int64_t)(heap_now() - h0);
	srv_fixed = sz_full;
	conn_slot = (double)(sz_full - sz_small_conns) / (double)b.n;
	sock_slot = (double)(sz_small_conns - sz_small) / (double)b.n;
	if (setup(&b) < 0) {
		fprintf(stderr, PROG ": set-up failed (out of memory? try --mem-mb)\n");
		goto out;
	}
	use_s0 = in_use(b.pool_s);
	use_c0 = in_use(b.pool_c);
	b.heap_srv = b.heap_cli = 0;
	h0 = heap_now();
	if (open_all(&b) < 0)
		goto out;
	h_est = heap_now();
	use_s1 = in_use(b.pool_s);
	use_c1 = in_use(b.pool_c);
	tcb = (double)b.heap_srv / (double)b.n;
	obj = b.pool_s->header_size + b.pool_s->elt_size + b.pool_s->trailer_size;
	/* At rest nothing is in flight: whatever is out of the pools is held by connections. */
	mbuf_b = ((double)use_s1 + (double)use_c1) * (double)obj / (double)b.n;
	est_total = tcb + conn_slot + sock_slot + mbuf_b;
	printf(PROG ": %u connections established in %.1f s (server accepted %u, client "
	       "connected %u; server tcp_established %" PRIu64 ")\n", b.n, wall_s() - t0,
	       b.nb_accepted, b.nb_connected, counter(b.s, "tcp_established"));
	printf(PROG ": heap change %.1f MB in all (server %.1f MB, client %.1f MB)\n",
	       (double)(h_est - h0) / 1e6, (double)b.heap_srv / 1e6, (double)b.heap_cli / 1e6);
	printf(PROG ": server per established connection: tcb %.1f B + conn slot %.1f B + "
	       "sock slot %.1f B + mbufs %.1f B = %.1f B\n", tcb, conn_slot, sock_slot, mbuf_b,
	       est_total);

	b.heap_srv = 0;
	if (close_all(&b) < 0) {
		fprintf(stderr, PROG ": TIME-WAIT: the server holds %u entries, not %u\n",
			server_tw(b.s), b.n);
		goto out;
	}
	h_tw = heap_now();
	use_s2 = in_use(b.pool_s);
	use_c2 = in_use(b.pool_c);
	tw_delta = (double)b.heap_srv / (double)b.n;
	printf(PROG ": server holds %u TIME-WAIT entries; heap change from ESTABLISHED: "
	       "%.1f B per connection (server), %.1f MB in all\n", server_tw(b.s), tw_delta,
	       ((double)h_tw - (double)h_est) / 1e6);
	printf(PROG ": per TIME-WAIT entry: conn slot %.1f B\n", conn_slot);
	printf(PROG ": mbufs in use (server pool, client pool): start %u %u, established %u %u, "
	       "TIME-WAIT %u %u\n", use_s0, use_c0, use_s1, use_c1, use_s2, use_c2);
	printf("idle-json: {\"connections\": %u, \"tcb_bytes\": %.1f, \"conn_slot_bytes\": %.1f, "
	       "\"sock_slot_bytes\": %.1f, \"mbuf_bytes\": %.1f, \"established_bytes\": %.1f, "
	       "\"time_wait_bytes\": %.1f, \"tw_heap_change_bytes\": %.1f, "
	       "\"server_fixed_bytes\": %" PRId64 ", \"client_heap_bytes\": %" PRId64
	       ", \"mbufs_held\": %u, \"seconds\": %.1f, \"mem_mb\": %u}\n", b.n, tcb, conn_slot,
	       sock_slot, mbuf_b, est_total, conn_slot, tw_delta, srv_fixed, b.heap_cli,
	       use_s1 + use_c1, wall_s() - t0, mem_mb);
	/* Sanity, never a figure: a connection costs something, every one was counted. */
	if (b.nb_accepted != b.n || b.nb_connected != b.n || tcb <= 0 || conn_slot <= 0 ||
	    b.errors != 0) {
		fprintf(stderr, PROG ": FAILED: counts or figures not sane\n");
		goto out;
	}
	ret = 0;
out:
	if (b.s != NULL)
		berth_stack_destroy(b.s);
	if (b.c != NULL)
		berth_stack_destroy(b.c);
	berth_dev_free(b.ds);
	berth_dev_free(b.dc);
	berth_wire_destroy(b.w);
	rte_mempool_free(b.pool_s);
	rte_mempool_free(b.pool_c);
	free(b.srv_sd);
	free(b.cli_sd);
	berth_fini();
	return ret;
}
