/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic simulation: two stacks on one in-memory wire, a virtual
 * clock, UDP echo. Stack A (198.18.0.1) sends numbered datagrams to an echo
 * socket on stack B (198.18.0.2:7), which sends each back.
 *
 * Scenarios (each run over many seeds):
 *   perfect        no impairments: every datagram comes back once, in order
 *   reorder_dup    reordering, duplication, delay and jitter, no loss: every
 *                  datagram comes back at least once
 *   lossy          loss, duplication, corruption, reordering, delay: what
 *                  comes back is intact (corruption is caught by checksums),
 *                  and enough comes back over all seeds
 *   offload        reorder_dup with checksum offloads emulated by the wire
 *   offload_lossy  lossy with checksum offloads
 *   frag           4000-byte datagrams (3 fragments at MTU 1500), reordered
 *                  and delayed: every one comes back
 *   frag_dup       the same, duplicated too: every datagram comes back
 *   frag_lossy     4000-byte datagrams with every impairment
 * Every run ends with both sockets closed and every mbuf back in the pool.
 * A datagram damaged in two fragments whose flips cancel in the checksum
 * is counted as a collision, not a failure: no checksum can see it.
 *
 * Uses the public API only (berth/berth.h). A failing run prints the command
 * that repeats just that run.
 *
 * Usage: test_sim_udp [--seed N] [--seeds COUNT] [--scenario NAME] [--pcap DIR] [-v]
 * (--pcap writes DIR/<scenario>-<seed>-a.pcapng and -b.pcapng, for Wireshark)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/berth.h>

#define NS_US 1000ull
#define T0 BERTH_NS_PER_SEC          /* virtual clock start */
#define STEP_NS (10 * NS_US)         /* clock step while frames travel */
#define IDLE_STEP_NS BERTH_NS_PER_MS /* clock step when the wire is empty */
#define SEND_GAP_NS (30 * NS_US)     /* between two datagrams of A */
#define PROBE_GAP_NS (2 * BERTH_NS_PER_MS)
#define PROBE_MAX_NS (5 * BERTH_NS_PER_SEC)
#define DRAIN_NS (200 * BERTH_NS_PER_MS)
#define ECHO_PORT 7
#define MAX_DGRAM 4096
#define MAX_N 256
#define MAGIC 0x48545242u            /* "BRTH" */
#define PROBE_SEQ UINT32_MAX

struct scenario {
	const char *name;
	struct berth_wire_conf wire; /* seed filled in per run */
	unsigned int n;              /* datagrams */
	uint32_t min_len, max_len;   /* payload size range */
	bool all_back;               /* every datagram must come back */
	bool exactly_once_in_order;
	/*
	 * With loss and corruption, at least this share must come back over
	 * all seeds (a run may lose everything: ARP has no checksum, and one
	 * corrupted reply can point a host at a wrong MAC for the whole run).
	 */
	unsigned int min_back_pct;
};

#define ALL_OFFLOADS (BERTH_DEV_OFF_RX_IPV4_CKSUM | BERTH_DEV_OFF_RX_L4_CKSUM | \
		      BERTH_DEV_OFF_TX_IPV4_CKSUM | BERTH_DEV_OFF_TX_UDP_CKSUM | \
		      BERTH_DEV_OFF_TX_TCP_CKSUM)
/* Nothing lost: reordered, duplicated, delayed. */
#define SHUFFLE_WIRE(off) { .duplicate = 0.1, .reorder = 0.2, .delay_ns = 50 * NS_US, \
			    .jitter_ns = 30 * NS_US, .reorder_ns = 200 * NS_US, .offloads = (off) }
/* Every impairment at once. */
#define LOSSY_WIRE(off) { .loss = 0.05, .duplicate = 0.05, .corrupt = 0.05, .reorder = 0.1, \
			  .delay_ns = 50 * NS_US, .jitter_ns = 30 * NS_US, \
			  .reorder_ns = 200 * NS_US, .offloads = (off) }

static const struct scenario scenarios[] = {
	{ .name = "perfect", .n = 100, .min_len = 16, .max_len = 1400,
	  .all_back = true, .exactly_once_in_order = true },
	{ .name = "reorder_dup", .wire = SHUFFLE_WIRE(0), .n = 100, .min_len = 16,
	  .max_len = 1400, .all_back = true },
	{ .name = "lossy", .wire = LOSSY_WIRE(0), .n = 100, .min_len = 16, .max_len = 1400,
	  .min_back_pct = 50 },
	{ .name = "offload", .wire = SHUFFLE_WIRE(ALL_OFFLOADS), .n = 100, .min_len = 16,
	  .max_len = 1400, .all_back = true },
	{ .name = "offload_lossy", .wire = LOSSY_WIRE(ALL_OFFLOADS), .n = 100, .min_len = 16,
	  .max_len = 1400, .min_back_pct = 50 },
	{ .name = "frag", .wire = { .reorder = 0.2, .delay_ns = 50 * NS_US, .jitter_ns = 30 * NS_US,
				    .reorder_ns = 200 * NS_US },
	  .n = 40, .min_len = 4000, .max_len = 4000, .all_back = true },
	/* Exact duplicate fragments are dropped alone (ipv4_reasm.c). */
	{ .name = "frag_dup", .wire = SHUFFLE_WIRE(0), .n = 40, .min_len = 4000,
	  .max_len = 4000, .all_back = true },
	{ .name = "frag_lossy", .wire = LOSSY_WIRE(0), .n = 40, .min_len = 4000,
	  .max_len = 4000, .min_back_pct = 30 },
};

static const struct rte_ether_addr MAC_A = {{0x02, 0x00, 0x00, 0x00, 0x51, 0x01}};
static const struct rte_ether_addr MAC_B = {{0x02, 0x00, 0x00, 0x00, 0x51, 0x02}};

static int verbose;
static const char *prog;
static const char *pcap_dir; /* --pcap DIR: capture both endpoints of each run */

/*
 * Where corrupted frames must end up. Other checks catch some too (a flipped
 * destination MAC, EtherType or ARP field), but the checksums are what
 * stands between a flipped payload bit and the application.
 */
static const char *const cksum_drops[] = {
	"drop_ip_cksum", "drop_udp_cksum", "drop_icmp_cksum",
};

/* ---- datagram contents: a header and bytes derived from (seed, seq) ---- */

struct dgram_hdr {
	uint32_t magic;
	uint32_t seq;
	uint32_t len;      /* whole payload, header included */
	uint32_t check;    /* mix(seed, seq, len) */
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint32_t
dgram_len(const struct scenario *sc, uint64_t seed, uint32_t seq)
{
	uint32_t span = sc->max_len - sc->min_len + 1;

	return sc->min_len + (uint32_t)(mix64(seed * 1000003u + seq) % span);
}

static void
dgram_fill(uint8_t *buf, uint64_t seed, uint32_t seq, uint32_t len)
{
	struct dgram_hdr h = {
		.magic = MAGIC, .seq = seq, .len = len,
		.check = (uint32_t)mix64(seed ^ ((uint64_t)seq << 32) ^ len),
	};
	uint64_t x = mix64(seed + seq + 1);
	uint32_t i;

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < len; i++) {
		if ((i & 7) == 0)
			x = mix64(x);
		buf[i] = (uint8_t)(x >> ((i & 7) * 8));
	}
}

/*
 * How a received datagram compares with what was sent. Two flipped bits in
 * different fragments can cancel in the ones' complement sum (the same bit
 * of a 16-bit word set in one place and cleared in another): no checksum
 * can catch that (RFC 1071 §2), so it is counted, not failed.
 */
enum verdict { DG_INTACT, DG_DAMAGED, DG_COLLISION };

static uint16_t
sum16(const uint8_t *p, size_t len)
{
	uint16_t s = rte_raw_cksum(p, len);

	return s == 0xffff ? 0 : s; /* +0 and -0 of ones' complement */
}

static enum verdict
dgram_check(const struct scenario *sc, const uint8_t *buf, size_t len, uint64_t seed,
	    uint32_t *seq)
{
	static uint8_t ref[MAX_DGRAM];
	unsigned int best_bits = UINT32_MAX, bits;
	uint32_t cand, best = 0;
	struct dgram_hdr h;
	size_t i;

	if (len >= sizeof(h) && len <= MAX_DGRAM) {
		memcpy(&h, buf, sizeof(h));
		if (h.magic == MAGIC && h.len == len && (h.seq < sc->n || h.seq == PROBE_SEQ)) {
			dgram_fill(ref, seed, h.seq, h.len);
			if (memcmp(ref, buf, len) == 0) {
				*seq = h.seq;
				return DG_INTACT;
			}
		}
	}
	/* Damaged, maybe in the header: find the datagram it was. */
	for (cand = 0; cand <= sc->n; cand++) {
		uint32_t q = cand == sc->n ? PROBE_SEQ : cand;

		if (dgram_len(sc, seed, q == PROBE_SEQ ? 0 : q) != len)
			continue;
		dgram_fill(ref, seed, q, (uint32_t)len);
		for (i = 0, bits = 0; i < len; i++)
			bits += (unsigned int)__builtin_popcount(ref[i] ^ buf[i]);
		if (bits < best_bits) {
			best_bits = bits;
			best = q;
		}
	}
	if (best_bits > 8)
		return DG_DAMAGED;
	dgram_fill(ref, seed, best, (uint32_t)len);
	*seq = best;
	return sum16(ref, len) == sum16(buf, len) ? DG_COLLISION : DG_DAMAGED;
}

/* Say how a damaged datagram differs from what was sent, for -v. */
static void
dgram_explain(const uint8_t *buf, size_t len, uint64_t seed, uint64_t now)
{
	static uint8_t ref[MAX_DGRAM];
	struct dgram_hdr h;
	size_t i, first = SIZE_MAX, last = 0, nb = 0;

	memcpy(&h, buf, RTE_MIN(len, sizeof(h)));
	printf("  damaged datagram at t=%" PRIu64 " ns: %zu bytes, header says seq %u len %u\n",
	       (uint64_t)(now - T0), len, h.seq, h.len);
	if (len < sizeof(h) || h.len > MAX_DGRAM)
		return;
	dgram_fill(ref, seed, h.seq, h.len);
	for (i = 0; i < RTE_MIN(len, (size_t)h.len); i++) {
		if (buf[i] != ref[i]) {
			first = RTE_MIN(first, i);
			last = i;
			nb++;
		}
	}
	if (nb > 0)
		printf("  %zu bytes differ, offsets %zu..%zu\n", nb, first, last);
}

/* ---- one run ---- */

struct run {
	const struct scenario *sc;
	uint64_t seed;
	struct rte_mempool *pool;
	struct berth_wire *w;
	struct berth_dev *da, *db;
	struct berth_stack *a, *b;
	int sa, sb;
	uint64_t now;

	unsigned int sent, probes, echoed, received, dups, bad, echo_fail, collisions;
	uint8_t got[MAX_N];
	uint32_t last_seq;
	bool in_order;
	bool probe_back;
	char why[512];
};

/* Record why a run fails (each reason once, in order). */
static void __attribute__((format(printf, 2, 3)))
fail(struct run *r, const char *fmt, ...)
{
	char msg[128];
	size_t len = strlen(r->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strstr(r->why, msg) == NULL)
		snprintf(r->why + len, sizeof(r->why) - len, "%s%s", len ? "; " : "", msg);
}

static uint64_t
caught(struct berth_stack *st)
{
	uint64_t sum = 0, v;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cksum_drops); i++) {
		v = berth_stack_counter(st, cksum_drops[i]);
		if (v != UINT64_MAX)
			sum += v;
	}
	return sum;
}

/* All drops of a stack, whatever the reason. */
static uint64_t
drops(struct berth_stack *st)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < BERTH_COUNTER_MAX; i++)
		if (strncmp(berth_counter_name(i), "drop_", 5) == 0)
			sum += berth_stack_counter(st, berth_counter_name(i));
	return sum;
}

static struct sockaddr_in
sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = addr;
	s.sin_port = rte_cpu_to_be_16(port);
	return s;
}

/* B: echo every datagram back to where it came from. */
static void
echo_serve(struct run *r)
{
	static uint8_t buf[65536];
	struct berth_event ev[16];
	unsigned int n, i;

	n = berth_stack_events(r->b, ev, RTE_DIM(ev));
	for (i = 0; i < n; i++) {
		struct sockaddr_in src;
		ssize_t len, ret;

		if (ev[i].sd != r->sb || !(ev[i].events & BERTH_EV_READABLE))
			continue;
		while ((len = berth_sock_recvfrom(r->b, r->sb, buf, sizeof(buf), &src)) >= 0) {
			ret = berth_sock_sendto(r->b, r->sb, buf, (size_t)len, &src);
			if (ret == len)
				r->echoed++;
			else
				r->echo_fail++; /* e.g. -ENOBUFS: a lost datagram, not an error */
		}
	}
}

/* A: take the echoes and check each one. */
static void
client_collect(struct run *r)
{
	static uint8_t buf[65536];
	struct berth_event ev[16];
	unsigned int n, i;

	n = berth_stack_events(r->a, ev, RTE_DIM(ev));
	for (i = 0; i < n; i++) {
		struct sockaddr_in src;
		enum verdict v;
		ssize_t len;
		uint32_t seq;

		if (ev[i].sd != r->sa || !(ev[i].events & BERTH_EV_READABLE))
			continue;
		while ((len = berth_sock_recvfrom(r->a, r->sa, buf, sizeof(buf), &src)) >= 0) {
			if (src.sin_addr.s_addr != RTE_BE32(RTE_IPV4(198, 18, 0, 2)) ||
			    src.sin_port != RTE_BE16(ECHO_PORT)) {
				r->bad++;
				fail(r, "echo from an unexpected source");
				continue;
			}
			v = dgram_check(r->sc, buf, (size_t)len, r->seed, &seq);
			if (v != DG_INTACT && verbose)
				dgram_explain(buf, (size_t)len, r->seed, r->now);
			if (v == DG_COLLISION) {
				r->collisions++;
				continue;
			}
			if (v == DG_DAMAGED) {
				r->bad++;
				fail(r, "a datagram came back damaged");
				continue;
			}
			if (seq == PROBE_SEQ) {
				r->probe_back = true;
				continue;
			}
			r->received++;
			if (r->got[seq]++ > 0)
				r->dups++;
			if (r->received > 1 && seq <= r->last_seq)
				r->in_order = false;
			r->last_seq = seq;
		}
	}
}

static void
step(struct run *r, uint64_t dt)
{
	r->now += dt;
	berth_stack_poll(r->a, r->now);
	client_collect(r);
	berth_stack_poll(r->b, r->now);
	echo_serve(r);
}

static int
send_dgram(struct run *r, uint32_t seq)
{
	static uint8_t buf[MAX_DGRAM];
	struct sockaddr_in dst = sin_of(RTE_BE32(RTE_IPV4(198, 18, 0, 2)), ECHO_PORT);
	uint32_t len = dgram_len(r->sc, r->seed, seq == PROBE_SEQ ? 0 : seq);
	ssize_t ret;

	dgram_fill(buf, r->seed, seq, len);
	ret = berth_sock_sendto(r->a, r->sa, buf, len, &dst);
	if (ret != (ssize_t)len)
		return ret < 0 ? (int)ret : -EIO;
	berth_stack_flush(r->a, r->now);
	return 0;
}

static struct berth_stack *
make_stack(struct run *r, struct berth_dev *dev, uint32_t addr)
{
	struct berth_stack_conf c;
	struct berth_if_conf ic;
	struct berth_stack *st;

	memset(&c, 0, sizeof(c));
	c.lcore_id = rte_lcore_id();
	c.pool = r->pool;
	c.max_sockets = 16;
	c.arp_entries = 16;
	c.reasm_max_flows = 64;
	st = berth_stack_create(&c);
	if (st == NULL)
		return NULL;
	memset(&ic, 0, sizeof(ic));
	ic.dev = dev;
	ic.addr = addr;
	ic.prefix_len = 24;
	if (berth_stack_add_if(st, &ic, r->now) < 0) {
		berth_stack_destroy(st);
		return NULL;
	}
	return st;
}

/* What a scenario's runs add up to. */
struct totals {
	uint64_t corrupted;   /* frames the wire corrupted */
	uint64_t caught;      /* frames the stacks dropped on a checksum */
	uint64_t collisions;  /* damaged datagrams no checksum can catch */
	uint64_t sent, back;  /* numbered datagrams sent, and distinct ones back */
};

/* One scenario, one seed. Returns true if the run passed. */
static bool
run_one(const struct scenario *sc, uint64_t seed, struct rte_mempool *pool,
	struct totals *tot)
{
	struct berth_wire_conf wc = sc->wire;
	struct berth_wire_stats ws;
	struct run r;
	unsigned int in_use0 = rte_mempool_in_use_count(pool), in_use, i;
	uint64_t t_next, t_end;
	struct sockaddr_in any = sin_of(0, 0), echo = sin_of(0, ECHO_PORT);
	int ret;

	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.seed = seed;
	r.pool = pool;
	r.now = T0;
	r.in_order = true;
	r.sa = r.sb = -1;
	wc.seed = seed;

	r.w = berth_wire_create(&wc, pool);
	r.da = r.w ? berth_wire_attach(r.w, &MAC_A, 0) : NULL;
	r.db = r.w ? berth_wire_attach(r.w, &MAC_B, 0) : NULL;
	r.a = r.da ? make_stack(&r, r.da, RTE_BE32(RTE_IPV4(198, 18, 0, 1))) : NULL;
	r.b = r.db ? make_stack(&r, r.db, RTE_BE32(RTE_IPV4(198, 18, 0, 2))) : NULL;
	if (r.a == NULL || r.b == NULL) {
		fail(&r, "set-up failed");
		goto teardown;
	}
	if (pcap_dir != NULL) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s-%" PRIu64 "-a.pcapng", pcap_dir, sc->name, seed);
		if (berth_dev_capture_start(r.da, path) == 0 && verbose)
			printf("  capture: %s\n", path);
		snprintf(path, sizeof(path), "%s/%s-%" PRIu64 "-b.pcapng", pcap_dir, sc->name, seed);
		if (berth_dev_capture_start(r.db, path) == 0 && verbose)
			printf("  capture: %s\n", path);
	}
	r.sa = berth_sock_open(r.a, BERTH_SOCK_DGRAM);
	r.sb = berth_sock_open(r.b, BERTH_SOCK_DGRAM);
	if (r.sa < 0 || r.sb < 0 || berth_sock_bind(r.a, r.sa, &any) != 0 ||
	    berth_sock_bind(r.b, r.sb, &echo) != 0) {
		fail(&r, "socket set-up failed");
		goto teardown;
	}

	/* Probe until one echo is back: ARP is resolved both ways after that. */
	t_next = r.now;
	t_end = r.now + PROBE_MAX_NS;
	while (!r.probe_back && r.now < t_end) {
		if (r.now >= t_next) {
			if (send_dgram(&r, PROBE_SEQ) == 0)
				r.probes++;
			t_next = r.now + PROBE_GAP_NS;
		}
		step(&r, STEP_NS);
	}
	if (!r.probe_back && sc->all_back)
		fail(&r, "no probe came back in 5 s");

	/* The numbered datagrams, one every SEND_GAP_NS. */
	for (i = 0; i < sc->n; i++) {
		ret = send_dgram(&r, i);
		if (ret == 0)
			r.sent++;
		else if (sc->all_back)
			fail(&r, "sendto failed: %s", strerror(-ret));
		step(&r, SEND_GAP_NS);
	}
	/* Let everything land: fine steps while frames travel, coarse after. */
	t_end = r.now + DRAIN_NS;
	while (r.now < t_end && !(sc->all_back && r.received == sc->n && !wc.duplicate))
		step(&r, berth_wire_in_flight(r.w) > 0 ? STEP_NS : IDLE_STEP_NS);

	if (sc->all_back)
		for (i = 0; i < sc->n; i++)
			if (r.got[i] == 0) {
				fail(&r, "datagram lost on a wire without loss");
				break;
			}
	if (sc->exactly_once_in_order && (r.dups > 0 || !r.in_order || r.echoed != sc->n + r.probes))
		fail(&r, "perfect wire: duplicates, reordering or extra echoes");
	if (sc->exactly_once_in_order && (drops(r.a) != 0 || drops(r.b) != 0))
		fail(&r, "perfect wire: a stack dropped packets");

teardown:
	memset(&ws, 0, sizeof(ws));
	if (r.w != NULL)
		berth_wire_stats(r.w, &ws);
	if (r.a != NULL) {
		tot->caught += caught(r.a);
		if (r.sa >= 0 && berth_sock_close(r.a, r.sa) != 0)
			fail(&r, "close failed on A");
	}
	if (r.b != NULL) {
		tot->caught += caught(r.b);
		if (r.sb >= 0 && berth_sock_close(r.b, r.sb) != 0)
			fail(&r, "close failed on B");
	}
	tot->corrupted += ws.corrupted;
	tot->collisions += r.collisions;
	tot->sent += r.sent;
	tot->back += r.received - r.dups;
	if (verbose) {
		printf("  %-13s seed %-5" PRIu64 " sent %u probes %u echoed %u back %u dups %u "
		       "bad %u collisions %u | wire sent %" PRIu64 " lost %" PRIu64 " dup %"
		       PRIu64 " corrupt %" PRIu64 " reorder %" PRIu64 " | cksum drops A %" PRIu64
		       " B %" PRIu64 "\n", sc->name, seed, r.sent, r.probes, r.echoed,
		       r.received, r.dups, r.bad, r.collisions, ws.sent, ws.lost, ws.duplicated,
		       ws.corrupted, ws.reordered, r.a ? caught(r.a) : 0, r.b ? caught(r.b) : 0);
		if (r.a != NULL && r.b != NULL) {
			printf("  stack A:\n");
			berth_stack_counters_dump(r.a, stdout);
			printf("  stack B:\n");
			berth_stack_counters_dump(r.b, stdout);
		}
	}
	berth_stack_destroy(r.a);
	berth_stack_destroy(r.b);
	berth_dev_free(r.da);
	berth_dev_free(r.db);
	berth_wire_destroy(r.w);
	in_use = rte_mempool_in_use_count(pool);
	if (in_use != in_use0)
		fail(&r, "%d mbufs leaked", (int)(in_use - in_use0));
	if (r.why[0] != '\0') {
		printf("FAIL %s seed %" PRIu64 ": %s\n", sc->name, seed, r.why);
		printf("     rerun: %s --scenario %s --seed %" PRIu64 " -v\n", prog, sc->name, seed);
		return false;
	}
	return true;
}

static void
usage(void)
{
	unsigned int i;

	fprintf(stderr, "usage: %s [--seed N] [--seeds COUNT] [--scenario NAME] [--pcap DIR] [-v]\n"
		"scenarios:", prog);
	for (i = 0; i < RTE_DIM(scenarios); i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {
		argv[0], "--no-huge", "-m", "512", "--no-pci", "-l", "0",
		"--log-level=*:warning", prefix, NULL,
	};
	const char *only = NULL;
	uint64_t first = 1, count = 200, seed;
	struct rte_mempool *pool;
	unsigned int i, failed = 0, runs = 0;
	int a;

	prog = argv[0];
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
			first = strtoull(argv[++a], NULL, 0);
			count = 1;
		} else if (strcmp(argv[a], "--seeds") == 0 && a + 1 < argc) {
			count = strtoull(argv[++a], NULL, 0);
		} else if (strcmp(argv[a], "--scenario") == 0 && a + 1 < argc) {
			only = argv[++a];
		} else if (strcmp(argv[a], "--pcap") == 0 && a + 1 < argc) {
			pcap_dir = argv[++a];
		} else if (strcmp(argv[a], "-v") == 0) {
			verbose = 1;
		} else {
			usage();
		}
	}
	if (only != NULL) {
		for (i = 0; i < RTE_DIM(scenarios); i++)
			if (strcmp(only, scenarios[i].name) == 0)
				break;
		if (i == RTE_DIM(scenarios))
			usage();
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-sim-%d", (int)getpid());
	if (berth_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", prog);
		return 1;
	}
	pool = rte_pktmbuf_pool_create("sim_pool", 16383, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "%s: no mempool\n", prog);
		return 1;
	}
	for (i = 0; i < RTE_DIM(scenarios); i++) {
		const struct scenario *sc = &scenarios[i];
		struct totals tot = { 0 };
		unsigned int sc_failed = 0;

		if (only != NULL && strcmp(only, sc->name) != 0)
			continue;
		for (seed = first; seed < first + count; seed++) {
			runs++;
			if (!run_one(sc, seed, pool, &tot))
				sc_failed++;
		}
		/* Corrupted frames must show up as checksum drops. */
		if (tot.corrupted > 0 && tot.caught == 0) {
			printf("FAIL %s: %" PRIu64 " frames corrupted, no checksum drop\n",
			       sc->name, tot.corrupted);
			sc_failed++;
		}
		if (tot.back * 100 < tot.sent * sc->min_back_pct) {
			printf("FAIL %s: %" PRIu64 " of %" PRIu64 " datagrams came back, "
			       "under %u%%\n", sc->name, tot.back, tot.sent, sc->min_back_pct);
			sc_failed++;
		}
		printf("%-13s %" PRIu64 " seeds from %" PRIu64 ": %s (back %" PRIu64 "/%" PRIu64 ", corrupted frames %" PRIu64
		       ", dropped on checksums %" PRIu64 ", undetectable checksum collisions %"
		       PRIu64 ")\n", sc->name, count, first, sc_failed ? "FAILED" : "ok",
		       tot.back, tot.sent, tot.corrupted, tot.caught, tot.collisions);
		failed += sc_failed;
	}
	rte_mempool_free(pool);
	printf("%u runs, %u failures\n", runs, failed);
	berth_fini();
	return failed ? 1 : 0;
}
