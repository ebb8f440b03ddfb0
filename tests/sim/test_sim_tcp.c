/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic simulation of TCP: two stacks on one in-memory wire, a
 * virtual clock, connections carrying a seeded byte stream both ways at
 * once. Stack A (198.18.0.1) connects to a listener on stack B
 * (198.18.0.2:5001); both ends send their stream, read the other's and
 * check every byte against the pattern: each byte once, in order, none
 * missing, none extra. Then the connections close in the scenario's order
 * and the run waits out TIME-WAIT (MSL 1 s, so 2*MSL = 2 s) on the virtual
 * clock.
 *
 * The applications are event-driven (berth_stack_events): they read only
 * after READABLE or HANGUP, send again only after WRITABLE, accept after
 * ACCEPT, start after CONNECTED. A lost event stalls the run, and a stall
 * fails it: every run has a bound on virtual time.
 *
 * Scenarios (each over many seeds):
 *   bulk         perfect wire (20 us each way): 8 MB each way at once
 *   close_client perfect wire, 64 KB each way, the client closes first:
 *                TIME-WAIT on A only, gone exactly 2*MSL later
 *   close_server the same, the server first: TIME-WAIT on B only
 *   close_simul  both shut down at the same instant (the FINs cross):
 *                CLOSING on both sides, TIME-WAIT on both
 *   shuffle      reordering, duplication, delay and jitter, no loss:
 *                1 MB each way, close order by seed (seed % 3)
 *   lossy        1% loss, 1% duplication, 1% corruption, 5% reordering,
 *                delay and jitter: 1 MB each way, close order by seed
 *   lossy2       2% of each, longer delay: 512 KB each way
 *   many         8 connections at once on a lossy wire, 128 KB each way,
 *                close order by connection
 *   offload      lossy with checksum offloads emulated by the wire (the
 *                receive side flags bad checksums, the send side fills them)
 *   clean        100 us round trip, no impairment: 2 MB each way, the
 *                reference for recover
 *   recover      the same with 1% loss: fast retransmit and NewReno
 *                recovery must keep it within 2 s of clean
 *   bigwin       perfect wire with a 10 ms round trip, 1 MB socket buffers,
 *                8 MB each way: RFC 7323 window scaling must keep more than
 *                64 KB in flight, so the run must beat the time a 64 KB
 *                window would need (8 MB / 64 KB round trips)
 *   soak         5000 seeds, each drawing its own conditions from the
 *                seed (see draw_cond): loss 0-5%, duplication 0-3%,
 *                corruption 0-2%, reordering 0-25%, delay 10 us - 5 ms
 *                with jitter; 1 to 4 connections of 0 bytes to 256 KB
 *                each way (tiny streams included); close order per
 *                connection; CUBIC or NewReno, SACK on or off, NODELAY on
 *                or off, send and receive buffers of 4 KB to 1 MB, per
 *                stack; writes and reads in odd sizes, fixed or drawn per
 *                call; half the time readers that pause 1-250 ms after
 *                draining their socket, so that small receive buffers
 *                fill and the window closes (zero-window probes, window
 *                updates). The bound on virtual time follows from the
 *                conditions (round trips the buffers need, losses the RTO
 *                may have to repair); generous, but a stall fails. With
 *                -v, or when a seed fails, the conditions drawn are
 *                printed with the run. The summary adds the wire's
 *                figures and the repair paths the runs went through.
 *
 * Window scaling and timestamps (RFC 7323) are on in every scenario (the
 * stacks' default): both SYNs offer them.
 *
 * Loss rates and sizes are small on purpose: most losses are repaired by
 * fast retransmit and NewReno recovery (RFC 5681, RFC 6582) in a round
 * trip, but a loss among the last segments of a stream, or of a
 * retransmission, still waits for the RTO (200 ms at least) and a
 * resend (go-back-N without SACK). 1% loss with 1 MB keeps a run to a few
 * virtual seconds; the fixed scenarios take well under a minute of real
 * time, the soak about a minute more.
 *
 * ARP entries are static on both stacks: ARP has no checksum, and one
 * corrupted reply could point a host at a wrong MAC for a whole run.
 *
 * At the end of every run: every socket closed, no connection and no
 * TIME-WAIT entry left (berth_stack_conns_dump's summary line), TIME-WAIT
 * counted where the close order puts it, and every mbuf back in the pool.
 * Every connection runs its stack's congestion control, and where either
 * stack has SACK off no SACK block crosses the wire (RFC 2018 §2).
 *
 * Uses the public API only (berth/berth.h). The stacks' ISNs and ephemeral
 * ports come from keys drawn at start-up, so sequence numbers differ from
 * one run of a seed to the next; what happens on the wire does not.
 *
 * Usage: test_sim_tcp [--seed N] [--seeds COUNT] [--scenario NAME] [--pcap DIR] [-v]
 * (--seed N alone runs that seed; with --seeds, COUNT seeds from N. --pcap
 * writes DIR/tcp-<scenario>-<seed>-a.pcapng and -b.pcapng, for Wireshark.)
 * A failing run prints the command that repeats it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/berth.h>

#define NS_US 1000ull
#define T0 BERTH_NS_PER_SEC          /* virtual clock start */
#define STEP_NS (10 * NS_US)         /* clock step while frames travel */
#define IDLE_STEP_NS BERTH_NS_PER_MS /* clock step when the wire is empty */
#define MSL_NS BERTH_NS_PER_SEC      /* so TIME-WAIT lasts 2 s */
#define SRV_PORT 5001
#define MAX_CONNS 8
#define CHUNK 65536                  /* bytes per send/recv call */
#define KB 1024u
#define MB (1024u * 1024u)

enum order { CLIENT_FIRST, SERVER_FIRST, SIMULTANEOUS, ORDER_BY_SEED, ORDER_BY_CONN };

static const char *const order_names[] = { "client first", "server first", "simultaneous" };

struct scenario {
	const char *name;
	struct berth_wire_conf wire;  /* seed filled in per run */
	unsigned int nconns;
	uint32_t bytes;               /* each way, per connection */
	enum order order;
	unsigned int seeds;           /* default number of seeds */
	uint64_t limit_ns;            /* virtual time a run may take */
	bool exact_tw;                /* perfect wire: TIME-WAIT ends exactly 2*MSL after */
	uint32_t bufs;                /* socket buffers (0: the stack's default) */
	bool scaled;                  /* must beat what a 64 KB window allows (RFC 7323) */
	bool drawn;                   /* every field above but name and seeds drawn per seed */
};

/* What one run does: its scenario's fields, or drawn from the seed (soak). */
struct cond {
	struct berth_wire_conf wire;   /* seed filled in per run */
	unsigned int nconns;
	uint32_t bytes[MAX_CONNS][2];  /* per connection, each way (0: A to B, 1: B to A) */
	enum order order[MAX_CONNS];
	uint32_t sndbuf[2], rcvbuf[2]; /* stacks A and B (0: the stack's default) */
	uint8_t cc[2];                 /* enum berth_tcp_cc of A and B */
	bool no_sack[2];
	bool nodelay[2];
	uint32_t wsize, rsize;         /* bytes per send / recv call (0: drawn per call) */
	uint64_t read_pause_ns;        /* a reader that drained its socket waits this long */
	uint64_t limit_ns;
};

#define ALL_OFFLOADS (BERTH_DEV_OFF_RX_IPV4_CKSUM | BERTH_DEV_OFF_RX_L4_CKSUM | \
		      BERTH_DEV_OFF_TX_IPV4_CKSUM | BERTH_DEV_OFF_TX_UDP_CKSUM | \
		      BERTH_DEV_OFF_TX_TCP_CKSUM)
#define PERFECT_WIRE { .delay_ns = 20 * NS_US }
#define SHUFFLE_WIRE(off) { .duplicate = 0.02, .reorder = 0.05, .delay_ns = 50 * NS_US, \
			    .jitter_ns = 20 * NS_US, .reorder_ns = 300 * NS_US, .offloads = (off) }
#define LOSSY_WIRE(off) { .loss = 0.01, .duplicate = 0.01, .corrupt = 0.01, .reorder = 0.05, \
			  .delay_ns = 50 * NS_US, .jitter_ns = 20 * NS_US, .reorder_ns = 300 * NS_US, \
			  .offloads = (off) }
#define LOSSY2_WIRE { .loss = 0.02, .duplicate = 0.02, .corrupt = 0.02, .reorder = 0.05, \
		      .delay_ns = 100 * NS_US, .jitter_ns = 50 * NS_US, .reorder_ns = 500 * NS_US }

static const struct scenario scenarios[] = {
	{ .name = "bulk", .wire = PERFECT_WIRE, .nconns = 1, .bytes = 8 * MB,
	  .order = CLIENT_FIRST, .seeds = 2, .limit_ns = 30 * BERTH_NS_PER_SEC, .exact_tw = true },
	{ .name = "close_client", .wire = PERFECT_WIRE, .nconns = 1, .bytes = 64 * KB,
	  .order = CLIENT_FIRST, .seeds = 5, .limit_ns = 10 * BERTH_NS_PER_SEC, .exact_tw = true },
	{ .name = "close_server", .wire = PERFECT_WIRE, .nconns = 1, .bytes = 64 * KB,
	  .order = SERVER_FIRST, .seeds = 5, .limit_ns = 10 * BERTH_NS_PER_SEC, .exact_tw = true },
	{ .name = "close_simul", .wire = PERFECT_WIRE, .nconns = 1, .bytes = 64 * KB,
	  .order = SIMULTANEOUS, .seeds = 5, .limit_ns = 10 * BERTH_NS_PER_SEC, .exact_tw = true },
	/*
	 * Impaired wires use the default 256 KB buffers: congestion control
	 * (RFC 5681, RFC 9438) keeps the window in flight to what the wire
	 * delivers, and fast retransmit with NewReno recovery (RFC 6582)
	 * repairs most losses within a round trip instead of an RTO.
	 */
	{ .name = "shuffle", .wire = SHUFFLE_WIRE(0), .nconns = 1, .bytes = 1 * MB,
	  .order = ORDER_BY_SEED, .seeds = 50, .limit_ns = 120 * BERTH_NS_PER_SEC },
	{ .name = "lossy", .wire = LOSSY_WIRE(0), .nconns = 1, .bytes = 1 * MB,
	  .order = ORDER_BY_SEED, .seeds = 200, .limit_ns = 300 * BERTH_NS_PER_SEC },
	{ .name = "lossy2", .wire = LOSSY2_WIRE, .nconns = 1, .bytes = 512 * KB,
	  .order = ORDER_BY_SEED, .seeds = 50, .limit_ns = 300 * BERTH_NS_PER_SEC },
	{ .name = "many", .wire = LOSSY_WIRE(0), .nconns = MAX_CONNS, .bytes = 128 * KB,
	  .order = ORDER_BY_CONN, .seeds = 150, .limit_ns = 300 * BERTH_NS_PER_SEC },
	{ .name = "offload", .wire = LOSSY_WIRE(ALL_OFFLOADS), .nconns = 1, .bytes = 1 * MB,
	  .order = ORDER_BY_SEED, .seeds = 30, .limit_ns = 300 * BERTH_NS_PER_SEC },
	/*
	 * Recovery works: "clean" and "recover" move the same 2 MB each way
	 * over the same 100 us round trip, "recover" with 1% of the frames
	 * lost (no other impairment). Both runs include the 2 s of TIME-WAIT
	 * (2*MSL): "clean" delivers in a few ms, so 3 s bounds it. In
	 * "recover" some 40-70 frames are lost a run; repaired by the RTO
	 * alone each would cost at least 200 ms (8 s or more a run). Fast
	 * retransmit and NewReno recovery repair them in round trips: 4 s
	 * (at most 2 s more than clean) leaves room for a few RTOs (a loss
	 * among the last segments, a lost retransmission), not for RTO-only
	 * repair.
	 */
	{ .name = "clean", .wire = { .delay_ns = 50 * NS_US }, .nconns = 1, .bytes = 2 * MB,
	  .order = CLIENT_FIRST, .seeds = 5, .limit_ns = 3 * BERTH_NS_PER_SEC },
	{ .name = "recover", .wire = { .loss = 0.01, .delay_ns = 50 * NS_US }, .nconns = 1,
	  .bytes = 2 * MB, .order = ORDER_BY_SEED, .seeds = 30, .limit_ns = 4 * BERTH_NS_PER_SEC },
	{ .name = "bigwin", .wire = { .delay_ns = 5 * BERTH_NS_PER_MS }, .nconns = 1,
	  .bytes = 8 * MB, .order = CLIENT_FIRST, .seeds = 2, .limit_ns = 30 * BERTH_NS_PER_SEC,
	  .exact_tw = true, .bufs = 1 * MB, .scaled = true },
	/* Everything else drawn per seed (draw_cond). */
	{ .name = "soak", .seeds = 5000, .drawn = true },
};

static const struct rte_ether_addr MAC_A = {{0x02, 0x00, 0x00, 0x00, 0x54, 0x01}};
static const struct rte_ether_addr MAC_B = {{0x02, 0x00, 0x00, 0x00, 0x54, 0x02}};
#define IP_A RTE_BE32(RTE_IPV4(198, 18, 0, 1))
#define IP_B RTE_BE32(RTE_IPV4(198, 18, 0, 2))

static int verbose;
static const char *prog;
static const char *pcap_dir;

/* Where corrupted frames must end up (see test_sim_udp.c). */
static const char *const cksum_drops[] = {
	"drop_ip_cksum", "drop_tcp_cksum", "drop_udp_cksum", "drop_icmp_cksum",
};

/* ---- the byte streams ---- */

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Byte pos of a stream: byte pos & 7 of word pos >> 3, in little-endian order. */
static uint8_t
stream_byte(uint64_t base, uint64_t pos)
{
	return (uint8_t)(splitmix64(base ^ (pos >> 3)) >> ((pos & 7) * 8));
}

/* Bytes [off, off + len) of stream `dir` (0: A to B, 1: B to A) of connection k. */
static void
stream_fill(uint8_t *buf, uint64_t seed, unsigned int k, unsigned int dir, uint64_t off,
	    size_t len)
{
	uint64_t base = seed * 0x100000001b3ull ^ ((uint64_t)k << 48) ^ ((uint64_t)dir << 40);
	size_t i = 0;

	for (; i < len && ((off + i) & 7) != 0; i++)
		buf[i] = stream_byte(base, off + i);
	/* Whole words at once, the same bytes as stream_byte gives. */
	for (; i + 8 <= len; i += 8) {
		uint64_t le = rte_cpu_to_le_64(splitmix64(base ^ ((off + i) >> 3)));

		memcpy(buf + i, &le, 8);
	}
	for (; i < len; i++)
		buf[i] = stream_byte(base, off + i);
}

/* ---- conditions of a run ---- */

/*
 * A generator of its own for the conditions and the sizes of sends and
 * receives, so that they do not shift the wire's draws.
 */
struct rng {
	uint64_t base, n;
};

static uint64_t
rng_next(struct rng *g)
{
	return splitmix64(g->base + g->n++ * 0x9e3779b97f4a7c15ull);
}

/* Uniform in [0, n), n > 0. */
static uint64_t
rng_below(struct rng *g, uint64_t n)
{
	return rng_next(g) % n;
}

/* Uniform in [0, 1). */
static double
rng_unit(struct rng *g)
{
	return (double)(rng_next(g) >> 11) * 0x1.0p-53;
}

/* Roughly log-uniform in [lo, hi]: a power-of-two band first, then a point in it. */
static uint64_t
rng_log(struct rng *g, uint64_t lo, uint64_t hi)
{
	unsigned int bands = 1;
	uint64_t v;

	while ((lo << (bands + 1)) <= hi)
		bands++;
	v = lo << rng_below(g, bands);
	v += rng_below(g, v + 1);
	return RTE_MIN(v, hi);
}

/* An impairment: none one seed in five, else uniform up to max. */
static double
draw_rate(struct rng *g, double max)
{
	return rng_below(g, 5) == 0 ? 0.0 : rng_unit(g) * max;
}

/* One stream: empty, a few bytes, up to 16 KB or up to 256 KB. */
static uint32_t
draw_bytes(struct rng *g)
{
	uint64_t r = rng_below(g, 100);

	if (r < 8)
		return 0;
	if (r < 20)
		return 1 + (uint32_t)rng_below(g, 64);
	if (r < 40)
		return 65 + (uint32_t)rng_below(g, 16 * KB);
	return 16 * KB + (uint32_t)rng_below(g, 240 * KB + 1);
}

/* Sizes around the MSS (1460) and its multiples, and far from them. */
static const uint32_t odd_sizes[] = {
	1, 3, 7, 100, 536, 999, 1447, 1459, 1460, 1461, 2919, 2921, 4095, 8193, 65535,
};

/* Bytes per send or recv call: fixed odd, drawn per call (0) or CHUNK. */
static uint32_t
draw_io(struct rng *g)
{
	uint64_t r = rng_below(g, 10);

	if (r < 4)
		return odd_sizes[rng_below(g, RTE_DIM(odd_sizes))];
	return r < 7 ? 0 : CHUNK;
}

/* Bytes for one call when drawn per call: 1-16, or up to an MSS, 8 KB, CHUNK. */
static uint32_t
io_size(struct rng *g, uint32_t fixed)
{
	static const uint32_t tops[] = { 16, 1460, 8192, CHUNK };

	if (fixed != 0)
		return fixed;
	return 1 + (uint32_t)rng_below(g, tops[rng_below(g, RTE_DIM(tops))]);
}

/* How long a reader that drained its socket waits before reading again. */
static uint64_t
draw_pause(struct rng *g)
{
	static const uint64_t pauses[] = {
		1 * BERTH_NS_PER_MS, 10 * BERTH_NS_PER_MS, 50 * BERTH_NS_PER_MS,
		250 * BERTH_NS_PER_MS,
	};

	return rng_below(g, 2) ? 0 : pauses[rng_below(g, RTE_DIM(pauses))];
}

/*
 * The virtual time a drawn run may take, from its conditions. Each stream
 * on its own, one after the other (they run at once): the round trips its
 * smallest buffer needs (half of it in flight a round trip), each with a
 * delayed ACK (40 ms) and a reader's pause, four times over; then 5 s per
 * frame expected lost or corrupted (data and ACKs): most losses are
 * repaired in a round trip, but a SYN-ACK that arrives after the SYN was
 * retransmitted gives an RTT sample of seconds (its TSecr is the first
 * SYN's), and the RTO then stays at several seconds for a connection that
 * takes few more samples; then 30 s for connection set-up (SYN
 * retransmissions after 1, 2, 4, 8 s) and TIME-WAIT. Far more than a run
 * needs: it bounds a stall, not the speed. A stalled run costs little real
 * time (the clock moves 1 ms a step while the wire is empty).
 */
static uint64_t
cond_limit(const struct cond *cd)
{
	const struct berth_wire_conf *w = &cd->wire;
	uint64_t rtt = 2 * (w->delay_ns + w->jitter_ns + w->reorder_ns) + 40 * BERTH_NS_PER_MS +
		       cd->read_pause_ns;
	uint64_t rounds = 0, frames = 0;
	unsigned int k, dir;

	for (k = 0; k < cd->nconns; k++) {
		for (dir = 0; dir < 2; dir++) {
			uint32_t snd = cd->sndbuf[dir] ? cd->sndbuf[dir] : 256 * KB;
			uint32_t rcv = cd->rcvbuf[1 - dir] ? cd->rcvbuf[1 - dir] : 256 * KB;
			uint32_t smallest = RTE_MIN(snd, rcv);
			uint64_t per_round = RTE_MAX(smallest / 2, 536u);

			rounds += cd->bytes[k][dir] / per_round + 10;
			frames += 2 * (cd->bytes[k][dir] / 500 + 20);
		}
	}
	return 30 * BERTH_NS_PER_SEC + 2 * MSL_NS + 4 * rounds * rtt +
	       (uint64_t)((double)frames * (w->loss + w->corrupt) * 5.0) * BERTH_NS_PER_SEC;
}

/*
 * Conditions drawn from the seed: the wire, the connections and their
 * streams, what each stack runs, how the applications send and read.
 */
static void
draw_cond(uint64_t seed, struct cond *cd)
{
	struct rng g = { .base = splitmix64(seed ^ 0x736f616b636f6e64ull), .n = 0 };
	struct berth_wire_conf *w = &cd->wire;
	unsigned int k, i;

	memset(cd, 0, sizeof(*cd));
	w->loss = draw_rate(&g, 0.05);
	w->duplicate = draw_rate(&g, 0.03);
	w->corrupt = draw_rate(&g, 0.02);
	w->reorder = draw_rate(&g, 0.25);
	w->delay_ns = rng_log(&g, 10 * NS_US, 5 * BERTH_NS_PER_MS);
	w->jitter_ns = rng_below(&g, w->delay_ns / 2 + 1);
	w->reorder_ns = w->delay_ns / 4 + rng_below(&g, 2 * w->delay_ns + 100 * NS_US);
	cd->nconns = 1 + (unsigned int)rng_below(&g, 4);
	for (k = 0; k < cd->nconns; k++) {
		cd->bytes[k][0] = draw_bytes(&g);
		cd->bytes[k][1] = draw_bytes(&g);
		cd->order[k] = (enum order)rng_below(&g, 3);
	}
	for (i = 0; i < 2; i++) {
		cd->sndbuf[i] = (uint32_t)rng_log(&g, 4 * KB, 1 * MB);
		cd->rcvbuf[i] = (uint32_t)rng_log(&g, 4 * KB, 1 * MB);
		cd->cc[i] = rng_below(&g, 2) ? BERTH_TCP_CC_NEWRENO : BERTH_TCP_CC_CUBIC;
		cd->no_sack[i] = rng_below(&g, 2) != 0;
		cd->nodelay[i] = rng_below(&g, 4) == 0;
	}
	cd->wsize = draw_io(&g);
	cd->rsize = draw_io(&g);
	cd->read_pause_ns = draw_pause(&g);
	cd->limit_ns = cond_limit(cd);
}

static enum order
conn_order(const struct scenario *sc, uint64_t seed, unsigned int k)
{
	switch (sc->order) {
	case ORDER_BY_SEED:
		return (enum order)(seed % 3);
	case ORDER_BY_CONN:
		return (enum order)((seed + k) % 3);
	default:
		return sc->order;
	}
}

/* The conditions of one run of a scenario. */
static void
cond_of(const struct scenario *sc, uint64_t seed, struct cond *cd)
{
	unsigned int k, i;

	if (sc->drawn) {
		draw_cond(seed, cd);
		return;
	}
	memset(cd, 0, sizeof(*cd));
	cd->wire = sc->wire;
	cd->nconns = sc->nconns;
	for (k = 0; k < sc->nconns; k++) {
		cd->bytes[k][0] = cd->bytes[k][1] = sc->bytes;
		cd->order[k] = conn_order(sc, seed, k);
	}
	for (i = 0; i < 2; i++) {
		cd->sndbuf[i] = cd->rcvbuf[i] = sc->bufs;
		cd->cc[i] = BERTH_TCP_CC_CUBIC;
	}
	cd->wsize = cd->rsize = CHUNK;
	cd->limit_ns = sc->limit_ns;
}

static void
cond_print(const struct cond *cd)
{
	const struct berth_wire_conf *w = &cd->wire;
	char ws[16], rs[16];
	unsigned int k, i;

	printf("     wire: loss %.2f%% dup %.2f%% corrupt %.2f%% reorder %.2f%% (held %" PRIu64
	       " us), delay %" PRIu64 " us + jitter < %" PRIu64 " us\n", w->loss * 100,
	       w->duplicate * 100, w->corrupt * 100, w->reorder * 100,
	       (uint64_t)(w->reorder_ns / NS_US), (uint64_t)(w->delay_ns / NS_US),
	       (uint64_t)(w->jitter_ns / NS_US));
	for (i = 0; i < 2; i++)
		printf("     stack %s: %s, %s, %s, sndbuf %u, rcvbuf %u\n", i ? "B" : "A",
		       cd->cc[i] == BERTH_TCP_CC_NEWRENO ? "NewReno" : "CUBIC",
		       cd->no_sack[i] ? "no SACK" : "SACK", cd->nodelay[i] ? "NODELAY" : "Nagle",
		       cd->sndbuf[i], cd->rcvbuf[i]);
	snprintf(ws, sizeof(ws), "%u", cd->wsize);
	snprintf(rs, sizeof(rs), "%u", cd->rsize);
	printf("     bytes a call: send %s, recv %s; readers pause %" PRIu64 " ms; bound %.1f s "
	       "virtual\n", cd->wsize ? ws : "drawn per call", cd->rsize ? rs : "drawn per call",
	       (uint64_t)(cd->read_pause_ns / BERTH_NS_PER_MS), (double)cd->limit_ns / 1e9);
	for (k = 0; k < cd->nconns; k++)
		printf("     conn %u: A to B %u bytes, B to A %u bytes, %s\n", k, cd->bytes[k][0],
		       cd->bytes[k][1], order_names[cd->order[k]]);
}

/* ---- one run ---- */

/* One end of a connection and its application. */
struct end {
	int sd;
	bool up;            /* CONNECTED (client) or accepted (server) */
	bool can_send;      /* no -EAGAIN since the last WRITABLE */
	bool readable;      /* READABLE or HANGUP seen: read until -EAGAIN */
	bool eof;           /* recv returned 0 */
	bool shut;          /* shutdown(WR) called */
	bool closed;        /* close() called */
	uint64_t sent;      /* bytes send() accepted */
	uint64_t rcvd;      /* bytes read and checked */
	uint16_t port;      /* client: its local port (host order) */
	struct rng io;      /* sizes of send and recv calls drawn per call */
	uint64_t next_read; /* a slow reader reads again from then on */
};

struct conn {
	struct end c, s;
	enum order order;
};

struct run {
	const struct scenario *sc;
	struct cond cd;
	uint64_t seed;
	struct rte_mempool *pool;
	struct berth_wire *w;
	struct berth_dev *da, *db;
	struct berth_stack *a, *b;
	int lsd;
	uint64_t now;
	struct conn conns[MAX_CONNS];
	unsigned int tw_expect[2];   /* connections that must pass through TIME-WAIT on A, B */
	uint64_t tw_last_enter[2];   /* when tcp_time_wait last went up */
	uint64_t tw_seen[2];         /* tcp_time_wait at that time */
	uint64_t tw_gone[2];         /* when the last entry went */
	bool closing;                /* some end has shut down or closed */
	bool all_closed;
	uint64_t t_closed;
	uint64_t corrupt_bytes;
	char why[512];
};

/* Record why a run fails (each reason once, in order). */
static void __attribute__((format(printf, 2, 3)))
fail(struct run *r, const char *fmt, ...)
{
	char msg[160];
	size_t len = strlen(r->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strstr(r->why, msg) == NULL)
		snprintf(r->why + len, sizeof(r->why) - len, "%s%s", len ? "; " : "", msg);
}

static uint64_t
counter(struct berth_stack *st, const char *name)
{
	uint64_t v = berth_stack_counter(st, name);

	return v == UINT64_MAX ? 0 : v;
}

static uint64_t
caught(struct berth_stack *st)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cksum_drops); i++)
		sum += counter(st, cksum_drops[i]);
	return sum;
}

/* TIME-WAIT entries now: entered, less expired and reopened. */
static uint64_t
tw_now(struct berth_stack *st)
{
	return counter(st, "tcp_time_wait") - counter(st, "tcp_tw_expired") -
	       counter(st, "tcp_tw_reopen");
}

/* The summary line of berth_stack_conns_dump: connections, listeners, TIME-WAIT. */
static bool
conns_summary(struct berth_stack *st, unsigned int *conns, unsigned int *lsn, unsigned int *tw)
{
	char *buf = NULL, *line;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool ok = false;

	if (f == NULL)
		return false;
	berth_stack_conns_dump(st, f);
	fclose(f);
	line = strstr(buf, "tcp: ");
	if (line != NULL &&
	    sscanf(line, "tcp: %u connections, %u listeners, %u TIME-WAIT", conns, lsn, tw) == 3)
		ok = true;
	free(buf);
	return ok;
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

/* Send as much of the stream as the stack takes. */
static void
end_send(struct run *r, struct berth_stack *st, struct end *e, unsigned int k, unsigned int dir)
{
	static uint8_t buf[CHUNK];
	uint32_t want = r->cd.bytes[k][dir];

	while (e->up && e->can_send && !e->shut && e->sent < want) {
		size_t n = RTE_MIN((uint64_t)io_size(&e->io, r->cd.wsize), want - e->sent);
		ssize_t ret;

		stream_fill(buf, r->seed, k, dir, e->sent, n);
		ret = berth_sock_send(st, e->sd, buf, n);
		if (ret == -EAGAIN) {
			e->can_send = false;
			break;
		}
		if (ret <= 0) {
			fail(r, "conn %u %s: send: %s", k, dir ? "B" : "A",
			     ret == 0 ? "returned 0" : strerror((int)-ret));
			e->can_send = false;
			break;
		}
		e->sent += (uint64_t)ret;
	}
}

/* Read everything queued and check it against the peer's stream. */
static void
end_recv(struct run *r, struct berth_stack *st, struct end *e, unsigned int k, unsigned int dir)
{
	static uint8_t buf[CHUNK], ref[CHUNK];
	uint32_t want = r->cd.bytes[k][dir];
	ssize_t n;

	if (r->now < e->next_read)
		return;
	while (e->readable && !e->eof) {
		n = berth_sock_recv(st, e->sd, buf, io_size(&e->io, r->cd.rsize));
		if (n == -EAGAIN) {
			e->readable = false;
			/* A slow reader: the window fills meanwhile, and may close. */
			e->next_read = r->now + r->cd.read_pause_ns;
			break;
		}
		if (n < 0) {
			fail(r, "conn %u %s: recv: %s", k, dir ? "A" : "B", strerror((int)-n));
			e->readable = false;
			break;
		}
		if (n == 0) {
			e->eof = true;
			if (e->rcvd != want)
				fail(r, "conn %u: end of stream after %" PRIu64 " of %u bytes", k,
				     e->rcvd, want);
			break;
		}
		if (e->rcvd + (uint64_t)n > want) {
			fail(r, "conn %u: %" PRIu64 " bytes received, more than the %u sent", k,
			     e->rcvd + (uint64_t)n, want);
			n = (ssize_t)(want - e->rcvd);
		}
		stream_fill(ref, r->seed, k, dir, e->rcvd, (size_t)n);
		if (memcmp(buf, ref, (size_t)n) != 0) {
			ssize_t i;

			for (i = 0; i < n && buf[i] == ref[i]; i++)
				;
			r->corrupt_bytes++;
			fail(r, "conn %u: stream %s differs at byte %" PRIu64, k,
			     dir ? "B->A" : "A->B", e->rcvd + (uint64_t)i);
		}
		e->rcvd += (uint64_t)n;
	}
}

/* Which connection an accepted socket belongs to: by the client's port. */
static struct conn *
conn_by_client_port(struct run *r, uint16_t port)
{
	unsigned int k;

	for (k = 0; k < r->cd.nconns; k++)
		if (r->conns[k].c.port == port && r->conns[k].s.sd < 0)
			return &r->conns[k];
	return NULL;
}

static struct end *
end_by_sd(struct run *r, bool server, int sd, unsigned int *k)
{
	unsigned int i;

	for (i = 0; i < r->cd.nconns; i++) {
		struct end *e = server ? &r->conns[i].s : &r->conns[i].c;

		if (e->sd == sd && !e->closed) {
			*k = i;
			return e;
		}
	}
	return NULL;
}

/* A connection of stack i (0: A) runs the stack's congestion control. */
static void
check_cc(struct run *r, struct berth_stack *st, int sd, unsigned int i, unsigned int k)
{
	int cc = -1;

	if (berth_sock_getopt(st, sd, BERTH_TCP_CONGESTION, &cc) != 0 || cc != r->cd.cc[i])
		fail(r, "conn %u %s: congestion control %d, the stack's is %u", k, i ? "B" : "A",
		     cc, r->cd.cc[i]);
}

/* Events of one stack, after its poll. */
static void
handle_events(struct run *r, struct berth_stack *st, bool server)
{
	struct berth_event ev[32];
	unsigned int n, i, k;

	while ((n = berth_stack_events(st, ev, RTE_DIM(ev))) > 0) {
		for (i = 0; i < n; i++) {
			struct end *e;

			if (server && ev[i].sd == r->lsd) {
				struct sockaddr_in peer;
				struct conn *c;
				int sd;

				if (!(ev[i].events & BERTH_EV_ACCEPT))
					continue;
				while ((sd = berth_sock_accept(st, r->lsd, &peer)) >= 0) {
					c = conn_by_client_port(r, rte_be_to_cpu_16(peer.sin_port));
					if (c == NULL || peer.sin_addr.s_addr != IP_A) {
						fail(r, "accepted an unknown connection");
						berth_sock_close(st, sd);
						continue;
					}
					c->s.sd = sd;
					c->s.up = true;
					c->s.can_send = true;
					/* Data may have arrived before accept: no edge for it. */
					c->s.readable = true;
					check_cc(r, st, sd, 1, (unsigned int)(c - r->conns));
				}
				if (sd != -EAGAIN)
					fail(r, "accept: %s", strerror(-sd));
				continue;
			}
			e = end_by_sd(r, server, ev[i].sd, &k);
			if (e == NULL)
				continue;
			if (ev[i].events & BERTH_EV_ERROR)
				fail(r, "conn %u %s: error event: %s", k, server ? "B" : "A",
				     strerror(ev[i].error));
			if (ev[i].events & BERTH_EV_CONNECTED) {
				e->up = true;
				e->can_send = true;
				check_cc(r, st, e->sd, 0, k);
			}
			if (ev[i].events & BERTH_EV_WRITABLE)
				e->can_send = true;
			if (ev[i].events & (BERTH_EV_READABLE | BERTH_EV_HANGUP))
				e->readable = true;
		}
		if (n < RTE_DIM(ev))
			break;
	}
}

static void
end_shutdown(struct run *r, struct berth_stack *st, struct end *e, unsigned int k)
{
	int ret = berth_sock_shutdown(st, e->sd, BERTH_SHUT_WR);

	if (ret != 0)
		fail(r, "conn %u: shutdown: %s", k, strerror(-ret));
	e->shut = true;
	r->closing = true;
}

static void
end_close(struct run *r, struct berth_stack *st, struct end *e, unsigned int k)
{
	int ret = berth_sock_close(st, e->sd);

	if (ret != 0)
		fail(r, "conn %u: close: %s", k, strerror(-ret));
	e->closed = true;
	r->closing = true;
}

/*
 * The applications' closing, in the connection's order. The first closer
 * shuts down its sending side once its stream is queued and keeps reading;
 * the other closes once it has read the end of stream and queued its own
 * stream; each closes its descriptor after reading the other's end.
 */
static void
app_close(struct run *r, unsigned int k)
{
	struct conn *c = &r->conns[k];
	struct end *first, *second;
	struct berth_stack *sf, *ss;
	uint32_t a2b = r->cd.bytes[k][0], b2a = r->cd.bytes[k][1];

	if (!c->c.up || !c->s.up)
		return;
	if (c->order == SIMULTANEOUS) {
		/* Both at the same instant, once both streams arrived whole: the FINs cross. */
		if (!c->c.shut && c->c.sent == a2b && c->s.sent == b2a && c->c.rcvd == b2a &&
		    c->s.rcvd == a2b) {
			end_shutdown(r, r->a, &c->c, k);
			end_shutdown(r, r->b, &c->s, k);
		}
		if (c->c.shut && c->c.eof && !c->c.closed)
			end_close(r, r->a, &c->c, k);
		if (c->s.shut && c->s.eof && !c->s.closed)
			end_close(r, r->b, &c->s, k);
		return;
	}
	first = c->order == CLIENT_FIRST ? &c->c : &c->s;
	second = c->order == CLIENT_FIRST ? &c->s : &c->c;
	sf = c->order == CLIENT_FIRST ? r->a : r->b;
	ss = c->order == CLIENT_FIRST ? r->b : r->a;
	if (!first->shut && first->sent == (c->order == CLIENT_FIRST ? a2b : b2a))
		end_shutdown(r, sf, first, k);
	/* Passive close: after the end of stream, in CLOSE-WAIT. */
	if (second->eof && second->sent == (c->order == CLIENT_FIRST ? b2a : a2b) &&
	    !second->closed)
		end_close(r, ss, second, k);
	if (first->shut && first->eof && !first->closed)
		end_close(r, sf, first, k);
}

/* No TIME-WAIT entry left on stack i (0: A), as watch_tw last saw it. */
static bool
tw_over(const struct run *r, unsigned int i)
{
	return r->tw_seen[i] == 0 || r->tw_gone[i] != 0;
}

/* Follow TIME-WAIT on both stacks once connections start closing. */
static void
watch_tw(struct run *r)
{
	struct berth_stack *st[2] = { r->a, r->b };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		uint64_t entered = counter(st[i], "tcp_time_wait");

		if (entered != r->tw_seen[i]) {
			r->tw_seen[i] = entered;
			r->tw_last_enter[i] = r->now;
			r->tw_gone[i] = 0;
		}
		if (entered > 0 && r->tw_gone[i] == 0 && tw_now(st[i]) == 0)
			r->tw_gone[i] = r->now;
	}
}

static void
step(struct run *r, uint64_t dt)
{
	unsigned int k;

	r->now += dt;
	berth_stack_poll(r->a, r->now);
	handle_events(r, r->a, false);
	berth_stack_poll(r->b, r->now);
	handle_events(r, r->b, true);
	for (k = 0; k < r->cd.nconns; k++) {
		struct conn *c = &r->conns[k];

		if (!c->c.closed) {
			end_recv(r, r->a, &c->c, k, 1);
			end_send(r, r->a, &c->c, k, 0);
		}
		if (c->s.sd >= 0 && !c->s.closed) {
			end_recv(r, r->b, &c->s, k, 0);
			end_send(r, r->b, &c->s, k, 1);
		}
		app_close(r, k);
	}
	/* What the applications queued leaves now, not at the next poll. */
	berth_stack_flush(r->a, r->now);
	berth_stack_flush(r->b, r->now);
}

/* Stack A (i 0) or B (i 1). */
static struct berth_stack *
make_stack(struct run *r, unsigned int i, struct berth_dev *dev, uint32_t addr, uint32_t peer,
	   const struct rte_ether_addr *peer_mac)
{
	struct berth_stack_conf c;
	struct berth_if_conf ic;
	struct berth_stack *st;

	memset(&c, 0, sizeof(c));
	c.lcore_id = rte_lcore_id();
	c.pool = r->pool;
	c.max_sockets = 32;
	c.arp_entries = 16;
	c.tcp_max_conns = 64;
	c.tcp_msl_ns = MSL_NS;
	c.tcp_rcvbuf = r->cd.rcvbuf[i];
	c.tcp_sndbuf = r->cd.sndbuf[i];
	c.tcp_cc = r->cd.cc[i];
	c.tcp_no_sack = r->cd.no_sack[i];
	st = berth_stack_create(&c);
	if (st == NULL)
		return NULL;
	memset(&ic, 0, sizeof(ic));
	ic.dev = dev;
	ic.addr = addr;
	ic.prefix_len = 24;
	if (berth_stack_add_if(st, &ic, r->now) < 0 ||
	    berth_arp_add_static(st, peer, peer_mac) != 0) {
		berth_stack_destroy(st);
		return NULL;
	}
	return st;
}

static bool
everything_closed(const struct run *r)
{
	unsigned int k;

	for (k = 0; k < r->cd.nconns; k++)
		if (!r->conns[k].c.closed || !r->conns[k].s.closed)
			return false;
	return true;
}

static void
dump(struct run *r)
{
	unsigned int k;

	for (k = 0; k < r->cd.nconns; k++) {
		const struct conn *c = &r->conns[k];

		printf("  conn %u (%s): A sent %" PRIu64 " rcvd %" PRIu64 "%s%s%s | B sent %" PRIu64
		       " rcvd %" PRIu64 "%s%s%s\n", k, order_names[c->order], c->c.sent, c->c.rcvd,
		       c->c.eof ? " eof" : "", c->c.shut ? " shut" : "", c->c.closed ? " closed" : "",
		       c->s.sent, c->s.rcvd, c->s.eof ? " eof" : "", c->s.shut ? " shut" : "",
		       c->s.closed ? " closed" : "");
	}
	printf("  stack A:\n");
	berth_stack_conns_dump(r->a, stdout);
	berth_stack_counters_dump(r->a, stdout);
	printf("  stack B:\n");
	berth_stack_conns_dump(r->b, stdout);
	berth_stack_counters_dump(r->b, stdout);
}

/* Repair and flow control paths a soak reports it went through, both stacks summed. */
static const char *const path_counters[] = {
	"tcp_rto", "tcp_fast_rexmit", "tcp_recovery_partial", "tcp_sack_recovery",
	"tcp_persist_probes", "tcp_delayed_acks",
};

/* What a scenario's runs add up to. */
struct totals {
	uint64_t sent, lost, duplicated, corrupted, reordered; /* frames, from the wire */
	uint64_t caught;
	uint64_t bytes;
	uint64_t virt_ns;
	uint64_t rexmit;
	double worst;            /* largest share of its bound a passing run took */
	uint64_t worst_seed;
	uint64_t paths[RTE_DIM(path_counters)];
};

/* The checks once everything is closed and TIME-WAIT is over. */
static void
final_checks(struct run *r)
{
	struct berth_stack *st[2] = { r->a, r->b };
	const struct berth_wire_conf *w = &r->cd.wire;
	/* Jitter reorders too: frames sent together arrive in any order. */
	bool impaired = w->loss > 0 || w->duplicate > 0 || w->corrupt > 0 || w->reorder > 0 ||
			w->jitter_ns > 0;
	unsigned int i, conns, lsn, tw;
	uint64_t tw_min;

	for (i = 0; i < 2; i++) {
		const char *name = i ? "B" : "A";

		/* A reset allowed below ends a CLOSING connection before TIME-WAIT. */
		tw_min = r->tw_expect[i] - RTE_MIN((uint64_t)r->tw_expect[i],
						   impaired ? counter(st[i], "tcp_rst_rx") : 0);
		if (counter(st[i], "tcp_time_wait") > r->tw_expect[i] ||
		    counter(st[i], "tcp_time_wait") < tw_min)
			fail(r, "%s: %" PRIu64 " connections went through TIME-WAIT, expected %u",
			     name, counter(st[i], "tcp_time_wait"), r->tw_expect[i]);
		if (r->tw_expect[i] > 0 && r->tw_gone[i] != 0) {
			uint64_t due = r->tw_last_enter[i] + 2 * MSL_NS;

			/* The wheel fires at the first poll at or after the expiry. */
			if (r->tw_gone[i] < due)
				fail(r, "%s: TIME-WAIT ended %" PRIu64 " us before 2*MSL", name,
				     (uint64_t)((due - r->tw_gone[i]) / NS_US));
			else if (r->sc->exact_tw && r->tw_gone[i] > due + IDLE_STEP_NS)
				fail(r, "%s: TIME-WAIT ended %" PRIu64 " us after 2*MSL", name,
				     (uint64_t)((r->tw_gone[i] - due) / NS_US));
		}
		if (!conns_summary(st[i], &conns, &lsn, &tw))
			fail(r, "%s: no summary line in berth_stack_conns_dump", name);
		else if (conns != 0 || lsn != 0 || tw != 0)
			fail(r, "%s: left over: %u connections, %u listeners, %u TIME-WAIT", name,
			     conns, lsn, tw);
		if (counter(st[i], "tcp_timedout") != 0)
			fail(r, "%s: a connection timed out", name);
		/*
		 * No live connection is ever reset: an application holding a
		 * descriptor would have seen ECONNRESET (handle_events fails
		 * the run). One reset is allowed after the application closed,
		 * on an impaired wire, when the peer answered a segment for a
		 * connection it no longer had: a FIN retransmitted from
		 * LAST-ACK or CLOSING after an RTO backed off beyond 2*MSL
		 * (2 s here) finds the TIME-WAIT entry gone, and the RST ends
		 * the connection there. TIME-WAIT assumes 2*MSL outlasts the
		 * peer's retransmissions (RFC 9293 §3.6.1); a 1 s MSL does
		 * not promise that. The same reset ends a connection in
		 * CLOSING before TIME-WAIT (tw_min above). While other
		 * connections still run, the listener is still there and
		 * answers that FIN (it carries an ACK) with the RST (RFC 9293
		 * §3.10.7.2), counted as drop_tcp_listen.
		 */
		if (counter(st[i], "tcp_rst_rx") >
		    (impaired ? counter(st[1 - i], "drop_tcp_no_conn") +
				counter(st[1 - i], "drop_tcp_listen") : 0))
			fail(r, "%s: %" PRIu64 " connections reset by the peer", name,
			     counter(st[i], "tcp_rst_rx"));
		/*
		 * On a perfect wire nothing is ever reset. On an impaired one a
		 * late duplicate may find its connection gone (after LAST-ACK)
		 * or only the listener: RFC 9293 §3.10.7.1 and §3.10.7.2 answer
		 * it with a RST, which the peer ignores in TIME-WAIT (RFC 1337)
		 * or does not get at all; tcp_rst_rx above stays 0.
		 */
		if (!impaired && counter(st[i], "tcp_rst_tx") != 0)
			fail(r, "%s: %" PRIu64 " resets sent", name, counter(st[i], "tcp_rst_tx"));
		/*
		 * RFC 2018 §2: SACK only where both SYNs offered it, so a stack
		 * with SACK off keeps SACK blocks off the wire both ways.
		 */
		if ((r->cd.no_sack[0] || r->cd.no_sack[1]) &&
		    counter(st[i], "tcp_sack_tx") + counter(st[i], "tcp_sack_blocks_rx") +
		    counter(st[i], "tcp_sack_recovery") != 0)
			fail(r, "%s: SACK in use though stack %s has it off", name,
			     r->cd.no_sack[0] ? "A" : "B");
	}
}

/*
 * Frames a run may put on the wire: each direction's segments, their ACKs
 * and retransmissions many times over. A run far beyond it has two ends
 * answering each other's segments without end, which would otherwise spin
 * at the wire's pace until the virtual time limit (minutes of real time).
 */
static uint64_t
frame_budget(const struct cond *cd)
{
	uint64_t segs = 0;
	unsigned int k, dir;

	for (k = 0; k < cd->nconns; k++) {
		for (dir = 0; dir < 2; dir++) {
			/* With NODELAY each small send may leave as a segment of its own. */
			uint32_t unit = cd->nodelay[dir] ? RTE_MIN(cd->wsize ? cd->wsize : 8, 1000u) :
							   1000u;

			segs += cd->bytes[k][dir] / unit + 1;
		}
	}
	return 20 * (2 * segs) + 20000;
}

/* One scenario, one seed. Returns true if the run passed. */
static bool
run_one(const struct scenario *sc, uint64_t seed, struct rte_mempool *pool, struct totals *tot)
{
	struct berth_wire_conf wc;
	struct sockaddr_in lsn = sin_of(0, SRV_PORT), srv = sin_of(IP_B, SRV_PORT);
	struct berth_wire_stats ws;
	unsigned int in_use0 = rte_mempool_in_use_count(pool), in_use, k;
	uint64_t t_end, frame_cap, steps = 0;
	struct run *r;
	bool ok;
	int ret;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return false;
	r->sc = sc;
	cond_of(sc, seed, &r->cd);
	r->seed = seed;
	r->pool = pool;
	r->now = T0;
	r->lsd = -1;
	wc = r->cd.wire;
	wc.seed = seed;
	for (k = 0; k < MAX_CONNS; k++) {
		r->conns[k].c.sd = -1;
		r->conns[k].s.sd = -1;
		r->conns[k].c.io.base = splitmix64(seed ^ 0x696f ^ ((uint64_t)k << 32));
		r->conns[k].s.io.base = splitmix64(seed ^ 0x696f ^ ((uint64_t)k << 32) ^ (1ull << 40));
	}

	r->w = berth_wire_create(&wc, pool);
	r->da = r->w ? berth_wire_attach(r->w, &MAC_A, 0) : NULL;
	r->db = r->w ? berth_wire_attach(r->w, &MAC_B, 0) : NULL;
	r->a = r->da ? make_stack(r, 0, r->da, IP_A, IP_B, &MAC_B) : NULL;
	r->b = r->db ? make_stack(r, 1, r->db, IP_B, IP_A, &MAC_A) : NULL;
	if (r->a == NULL || r->b == NULL) {
		fail(r, "set-up failed");
		goto teardown;
	}
	if (pcap_dir != NULL) {
		char path[512];

		snprintf(path, sizeof(path), "%s/tcp-%s-%" PRIu64 "-a.pcapng", pcap_dir, sc->name, seed);
		if (berth_dev_capture_start(r->da, path) == 0 && verbose)
			printf("  capture: %s\n", path);
		snprintf(path, sizeof(path), "%s/tcp-%s-%" PRIu64 "-b.pcapng", pcap_dir, sc->name, seed);
		if (berth_dev_capture_start(r->db, path) == 0 && verbose)
			printf("  capture: %s\n", path);
	}

	/* B listens; A opens every connection at once. */
	r->lsd = berth_sock_open(r->b, BERTH_SOCK_STREAM);
	if (r->lsd < 0 || berth_sock_bind(r->b, r->lsd, &lsn) != 0 ||
	    berth_sock_listen(r->b, r->lsd, MAX_CONNS) != 0) {
		fail(r, "listen failed");
		goto teardown;
	}
	/* Accepted connections take NODELAY from the listener. */
	if (r->cd.nodelay[1] && berth_sock_setopt(r->b, r->lsd, BERTH_SO_NODELAY, 1) != 0) {
		fail(r, "NODELAY on the listener failed");
		goto teardown;
	}
	for (k = 0; k < r->cd.nconns; k++) {
		struct conn *c = &r->conns[k];
		struct sockaddr_in me;

		c->order = r->cd.order[k];
		r->tw_expect[0] += c->order != SERVER_FIRST;
		r->tw_expect[1] += c->order != CLIENT_FIRST;
		c->c.sd = berth_sock_open(r->a, BERTH_SOCK_STREAM);
		if (c->c.sd >= 0 && r->cd.nodelay[0] &&
		    berth_sock_setopt(r->a, c->c.sd, BERTH_SO_NODELAY, 1) != 0) {
			fail(r, "NODELAY failed");
			goto teardown;
		}
		ret = c->c.sd < 0 ? c->c.sd : berth_sock_connect(r->a, c->c.sd, &srv);
		if (ret != 0 && ret != -EINPROGRESS) {
			fail(r, "connect: %s", strerror(-ret));
			goto teardown;
		}
		if (berth_sock_getsockname(r->a, c->c.sd, &me) != 0 || me.sin_port == 0) {
			fail(r, "connect left no local port");
			goto teardown;
		}
		c->c.port = rte_be_to_cpu_16(me.sin_port);
	}

	/* Transfer and close; then wait out TIME-WAIT. */
	t_end = r->now + r->cd.limit_ns;
	frame_cap = frame_budget(&r->cd);
	while (r->now < t_end && r->why[0] == '\0') {
		bool busy = berth_wire_in_flight(r->w) > 0;

		step(r, busy ? STEP_NS : IDLE_STEP_NS);
		if (++steps % 1024 == 0) {
			berth_wire_stats(r->w, &ws);
			if (ws.sent > frame_cap) {
				fail(r, "%" PRIu64 " frames on the wire, over the %" PRIu64 " a run "
				     "needs at most: segments answering each other (an ACK loop?)",
				     ws.sent, frame_cap);
				break;
			}
		}
		if (r->closing)
			watch_tw(r);
		if (!r->all_closed && everything_closed(r)) {
			r->all_closed = true;
			r->t_closed = r->now;
			/* The listener's job is done; connections finish without it. */
			berth_sock_close(r->b, r->lsd);
			r->lsd = -1;
		}
		if (r->all_closed) {
			/* watch_tw keeps the TIME-WAIT state: no more counter look-ups per step. */
			if (!busy && r->now > r->t_closed + 100 * BERTH_NS_PER_MS &&
			    tw_over(r, 0) && tw_over(r, 1)) {
				unsigned int c1, l1, t1, c2, l2, t2;

				if (conns_summary(r->a, &c1, &l1, &t1) &&
				    conns_summary(r->b, &c2, &l2, &t2) && c1 + c2 + t1 + t2 == 0)
					break;
			}
		}
	}
	if (r->why[0] == '\0' && r->now >= t_end)
		fail(r, "not finished after %.1f s of virtual time (%s)",
		     (double)r->cd.limit_ns / 1e9, r->all_closed ? "closed, connections left" :
		     "stalled before closing");
	for (k = 0; k < r->cd.nconns; k++) {
		const struct conn *c = &r->conns[k];

		if (c->s.rcvd != r->cd.bytes[k][0] || c->c.rcvd != r->cd.bytes[k][1])
			fail(r, "conn %u: received %" PRIu64 " of %u bytes A to B, %" PRIu64 " of %u "
			     "B to A", k, c->s.rcvd, r->cd.bytes[k][0], c->c.rcvd, r->cd.bytes[k][1]);
	}
	/*
	 * bigwin: a window of at most 65535 bytes moves at most that much per
	 * round trip; finishing sooner proves scaled windows were in use.
	 */
	if (r->why[0] == '\0' && sc->scaled) {
		uint64_t rtt = 2 * sc->wire.delay_ns, unscaled = (uint64_t)sc->bytes / 65535 * rtt;
		uint64_t took = r->t_closed - T0;

		if (took >= unscaled)
			fail(r, "took %" PRIu64 " ms, a 64 KB window needs %" PRIu64 " ms: no "
			     "window scaling?", took / 1000000u, unscaled / 1000000u);
		else if (verbose)
			printf("  bigwin: %" PRIu64 " ms, a 64 KB window needs %" PRIu64 " ms\n",
			       took / 1000000u, unscaled / 1000000u);
	}
	if (r->why[0] == '\0')
		final_checks(r);

teardown:
	if (r->why[0] != '\0' && verbose && r->a != NULL && r->b != NULL)
		dump(r);
	memset(&ws, 0, sizeof(ws));
	if (r->w != NULL)
		berth_wire_stats(r->w, &ws);
	if (r->a != NULL && r->b != NULL) {
		tot->caught += caught(r->a) + caught(r->b);
		tot->rexmit += counter(r->a, "tcp_rexmit") + counter(r->b, "tcp_rexmit");
		for (k = 0; k < RTE_DIM(path_counters); k++)
			tot->paths[k] += counter(r->a, path_counters[k]) +
					 counter(r->b, path_counters[k]);
	}
	tot->sent += ws.sent;
	tot->lost += ws.lost;
	tot->duplicated += ws.duplicated;
	tot->corrupted += ws.corrupted;
	tot->reordered += ws.reordered;
	tot->virt_ns += r->now - T0;
	for (k = 0; k < r->cd.nconns; k++)
		tot->bytes += r->conns[k].c.rcvd + r->conns[k].s.rcvd;
	if (r->why[0] == '\0' && (double)(r->now - T0) / (double)r->cd.limit_ns > tot->worst) {
		tot->worst = (double)(r->now - T0) / (double)r->cd.limit_ns;
		tot->worst_seed = seed;
	}
	if (verbose)
		printf("  %-12s seed %-4" PRIu64 " virtual %.3f s | wire sent %" PRIu64 " lost %" PRIu64
		       " dup %" PRIu64 " corrupt %" PRIu64 " reorder %" PRIu64 " | rexmit A %" PRIu64
		       " B %" PRIu64 "\n", sc->name, seed, (double)(r->now - T0) / 1e9, ws.sent,
		       ws.lost, ws.duplicated, ws.corrupted, ws.reordered,
		       r->a ? counter(r->a, "tcp_rexmit") : 0, r->b ? counter(r->b, "tcp_rexmit") : 0);
	if (verbose && sc->drawn)
		cond_print(&r->cd);
	/* Sockets still open (a failed run) are closed by the stacks' destruction. */
	berth_stack_destroy(r->a);
	berth_stack_destroy(r->b);
	berth_dev_free(r->da);
	berth_dev_free(r->db);
	berth_wire_destroy(r->w);
	in_use = rte_mempool_in_use_count(pool);
	if (in_use != in_use0)
		fail(r, "%d mbufs leaked", (int)(in_use - in_use0));
	ok = r->why[0] == '\0';
	if (!ok) {
		printf("FAIL %s seed %" PRIu64 ": %s\n", sc->name, seed, r->why);
		printf("     rerun: %s --scenario %s --seed %" PRIu64 " -v\n", prog, sc->name, seed);
		if (!verbose && sc->drawn)
			cond_print(&r->cd);
	}
	free(r);
	return ok;
}

/* A scenario's line; a soak's also says what its runs went through. */
static void
print_totals(const struct scenario *sc, uint64_t n, uint64_t first, unsigned int failed,
	     const struct totals *tot)
{
	unsigned int p;

	if (!sc->drawn) {
		printf("%-12s %" PRIu64 " seeds from %" PRIu64 ": %s (%.1f MB delivered, %.1f s "
		       "virtual, %" PRIu64 " retransmissions, corrupted frames %" PRIu64
		       ", dropped on checksums %" PRIu64 ")\n", sc->name, n, first,
		       failed ? "FAILED" : "ok", (double)tot->bytes / MB, (double)tot->virt_ns / 1e9,
		       tot->rexmit, tot->corrupted, tot->caught);
		return;
	}
	printf("%-12s %" PRIu64 " runs from seed %" PRIu64 ", %u failed: %.1f MB delivered, "
	       "%.1f s virtual\n", sc->name, n, first, failed, (double)tot->bytes / MB,
	       (double)tot->virt_ns / 1e9);
	printf("%-12s frames sent %" PRIu64 ", lost %" PRIu64 ", duplicated %" PRIu64
	       ", corrupted %" PRIu64 ", reordered %" PRIu64 "; dropped on checksums %" PRIu64
	       "\n", "", tot->sent, tot->lost, tot->duplicated, tot->corrupted, tot->reordered,
	       tot->caught);
	printf("%-12s retransmissions %" PRIu64 ",", "", tot->rexmit);
	for (p = 0; p < RTE_DIM(path_counters); p++)
		printf(" %s %" PRIu64, path_counters[p], tot->paths[p]);
	printf("\n%-12s the longest passing run took %.0f%% of its bound on virtual time "
	       "(seed %" PRIu64 ")\n", "", tot->worst * 100, tot->worst_seed);
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
	uint64_t first = 1, count = 0, seed, n;
	bool one = false;
	struct rte_mempool *pool;
	unsigned int i, failed = 0, runs = 0;
	int a;

	prog = argv[0];
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
			first = strtoull(argv[++a], NULL, 0);
			one = true;
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
	/* --seed N alone runs that seed; with --seeds COUNT, COUNT seeds from N. */
	if (one && count == 0)
		count = 1;
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-simtcp-%d", (int)getpid());
	if (berth_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", prog);
		return 1;
	}
	pool = rte_pktmbuf_pool_create("simtcp_pool", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
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
		n = count ? count : sc->seeds;
		for (seed = first; seed < first + n; seed++) {
			runs++;
			if (!run_one(sc, seed, pool, &tot))
				sc_failed++;
		}
		/* Corrupted frames must show up as checksum drops (or other header checks). */
		if (tot.corrupted > 10 && tot.caught == 0) {
			printf("FAIL %s: %" PRIu64 " frames corrupted, no checksum drop\n", sc->name,
			       tot.corrupted);
			sc_failed++;
		}
		print_totals(sc, n, first, sc_failed, &tot);
		failed += sc_failed;
	}
	rte_mempool_free(pool);
	printf("%u runs, %u failures\n", runs, failed);
	berth_fini();
	return failed ? 1 : 0;
}
