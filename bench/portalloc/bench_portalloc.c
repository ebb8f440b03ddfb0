/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ephemeral port selection benchmark: the cost of tcp_port_select() (RFC
 * 6056 Algorithms 1-5, stack/tcp_portsel.c) in ns and in ports probed per
 * allocation, at 10/50/90/99% occupancy of the ephemeral range, and how
 * well an observer guesses the next port.
 *
 * Call chain measured: tcp_port_select -> algN -> port_usable ->
 *                      tcp_port_bound, tcp_tuple_free (tcp_table.c)
 *
 * Read first: RFC 6056 §3.3 (the algorithms), §3.1 and §3.3.4 (what an
 * observer of one destination's ports should not learn about another's).
 *
 * Occupancy: a fraction of the range's ports (chosen uniformly at random,
 * seeded) carries one live connection each, put in the stack's connection
 * table as a zeroed struct tcb with only its 4-tuple set (tcp_table_insert,
 * the table's own insert; nothing else of TCP takes part). "dest" mode: all
 * of them go to one destination, and the selections are for that
 * destination. "many" mode: each goes to one of 1000 destinations at
 * random, and each selection is for a random one of those destinations.
 *
 * What is timed: tcp_port_select() calls, rdtsc around slices of about
 * 30 us (at least 64 slices; the warm-up sizes them). The machine is
 * shared: a slice during which the core was taken away is an outlier, not
 * a cost of the algorithm, so a measurement's figure is the median slice's
 * cost per probe times the probes per allocation of the whole measurement
 * (tcp_port_probes / tcp_port_alloc). Per probe, because a short slice's
 * own probe count is too skewed (at 99% occupancy) for a median of its
 * cost per allocation to be fair. Selections do not connect, so the occupancy stays the same during
 * the batch; the algorithms' counters advance as after a real connect.
 * With uniform random occupancy that is also the steady state of a
 * destination whose connections come and go: a counter walking the range
 * meets the free ports in the proportion 1 - occupancy either way.
 *
 * Predictability: per trial, the host connects to B (the observer may see
 * it), then 8 times to A (the observer sees these ports), then to B again:
 * the observer guesses that last port with simple rules. Nothing stays
 * connected, so every first probe succeeds: the most predictable case.
 *
 * Output: one CSV row per measurement and repetition (--csv), one per
 * algorithm, rule and repetition for the guesses (--guess-csv), and a
 * summary on stdout. --smoke: a few seconds, checks only that every
 * selection succeeded with a port the table allows; never a timing.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/berth.h>

#include "tcp.h"

/* Addresses in the benchmarking range (RFC 2544, 198.18.0.0/15). */
#define LADDR IPV4(198, 18, 0, 1)
#define DEST_ADDR(i) IPV4(198, 19, ((i) >> 8) & 0xff, (i) & 0xff)
#define RPORT_BE rte_cpu_to_be_16(80)
#define NB_DEST 1000     /* destinations of "many" mode */
#define NB_ALG 5
#define GUESS_K 8        /* ports to A the observer sees per trial */

enum mode { MODE_DEST, MODE_MANY, NB_MODE };
static const char *const mode_name[NB_MODE] = { "dest", "many" };

static const double occ_full[] = { 0.10, 0.50, 0.90, 0.99 };
static const double occ_smoke[] = { 0.50, 0.99 };

struct opts {
	bool smoke;
	unsigned int reps;
	unsigned int allocs;     /* timed selections per measurement */
	unsigned int trials;     /* guessing trials per algorithm and repetition */
	unsigned int lcore;
	uint64_t seed;
	const char *csv, *guess_csv;
	int only_mode, only_occ, only_alg;   /* -1: all (to profile one case) */
};

/* The state of one measurement: a stack, its occupied tuples. */
struct bench {
	struct berth_stack *st;
	struct rte_mempool *pool;
	uint32_t lo, num;
	struct tcb *tcbs;        /* num, the first nb_conns in the table */
	uint32_t nb_conns;
	int32_t *occ_dest;       /* per port offset: destination index, -1 free */
	uint32_t *sel_dest;      /* destination of each timed selection */
};

static uint64_t rng;

/* splitmix64: seeded, so the occupancy of a run can be redrawn. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
counter(const struct berth_stack *st, const char *name)
{
	uint64_t v = berth_stack_counter(st, name);

	if (v == UINT64_MAX) {
		fprintf(stderr, "bench_portalloc: no counter %s\n", name);
		exit(1);
	}
	return v;
}

static struct berth_stack *
stack_new(struct bench *b, uint8_t alg)
{
	struct berth_stack_conf c;
	struct berth_stack *st;

	memset(&c, 0, sizeof(c));
	c.lcore_id = rte_lcore_id();
	c.pool = b->pool;
	c.nb_mbufs = 511;
	c.tcp_port_alg = alg;
	c.max_sockets = 64;
	st = berth_stack_create(&c);
	if (st == NULL) {
		fprintf(stderr, "bench_portalloc: berth_stack_create failed\n");
		exit(1);
	}
	return st;
}

static void
stack_free(struct bench *b)
{
	uint32_t i;

	/*
	 * The TCBs are ours, not the stack's pool's: their table value
	 * (pool_idx 0) is never read, as port selection only asks whether a
	 * tuple is present. Out of the table first.
	 */
	for (i = 0; i < b->nb_conns; i++)
		tcp_table_remove(b->st, &b->tcbs[i]);
	b->nb_conns = 0;
	berth_stack_destroy(b->st);
	b->st = NULL;
}

/* Occupy round(occ * num) ports of the range, chosen at random (see preamble). */
static void
fill(struct bench *b, enum mode m, double occ)
{
	uint32_t *perm = malloc(b->num * sizeof(*perm));
	uint32_t i, j, t, n = (uint32_t)(occ * b->num + 0.5);
	struct tcb *tp;

	if (perm == NULL)
		exit(1);
	for (i = 0; i < b->num; i++) {
		perm[i] = i;
		b->occ_dest[i] = -1;
	}
	for (i = 0; i < n; i++) {
		j = i + (uint32_t)(rnd() % (b->num - i));
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < n; i++) {
		tp = &b->tcbs[i];
		memset(tp, 0, sizeof(*tp));
		b->occ_dest[perm[i]] = m == MODE_DEST ? 0 : (int32_t)(rnd() % NB_DEST);
		tp->key.laddr = LADDR;
		tp->key.raddr = DEST_ADDR((uint32_t)b->occ_dest[perm[i]]);
		tp->key.lport = rte_cpu_to_be_16((uint16_t)(b->lo + perm[i]));
		tp->key.rport = RPORT_BE;
		if (tcp_table_insert(b->st, tp) != 0) {
			fprintf(stderr, "bench_portalloc: tcp_table_insert failed at %u\n", i);
			exit(1);
		}
		b->nb_conns++;
	}
	free(perm);
}

struct result {
	uint64_t cycles, probes, allocs, failures;
};

/* Time one slice should take: short enough that most slices run uninterrupted. */
#define SLICE_US 30
#define MIN_SLICES 64

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * n selections towards sel_dest[0..n), timed in slices of per selections.
 * cycles: the median slice's cycles per probe times the probes of all n
 * (see preamble). Checked instead of timed with check.
 */
static struct result
run_batch(struct bench *b, unsigned int n, unsigned int per, bool check)
{
	struct result r = { 0, 0, 0, 0 };
	const uint64_t *probes = &b->st->counters[BERTH_STAT_TCP_PORT_PROBES];
	uint64_t p0 = *probes, a0 = counter(b->st, "tcp_port_alloc"), t0, sp0;
	unsigned int i, end, fails = 0, ns = 0;
	double *slice;
	uint16_t lport;
	uint32_t off;

	if (check) {
		/* Untimed: every port must be in the range and its tuple free. */
		for (i = 0; i < n; i++) {
			if (tcp_port_select(b->st, LADDR, DEST_ADDR(b->sel_dest[i]), RPORT_BE,
					    &lport) != 0) {
				fails++;
				continue;
			}
			off = rte_be_to_cpu_16(lport) - b->lo;
			if (off >= b->num || b->occ_dest[off] == (int32_t)b->sel_dest[i]) {
				fprintf(stderr, "bench_portalloc: port %u for destination %u is "
					"out of range or in use\n", rte_be_to_cpu_16(lport),
					b->sel_dest[i]);
				exit(1);
			}
		}
	} else {
		slice = malloc((n / per + 1) * sizeof(*slice));
		if (slice == NULL)
			exit(1);
		for (i = 0; i < n;) {
			end = RTE_MIN(i + per, n);
			sp0 = *probes;
			t0 = rte_rdtsc_precise();
			for (; i < end; i++)
				fails += tcp_port_select(b->st, LADDR, DEST_ADDR(b->sel_dest[i]),
							 RPORT_BE, &lport) != 0;
			slice[ns++] = (double)(rte_rdtsc_precise() - t0) / (double)(*probes - sp0);
		}
		qsort(slice, ns, sizeof(slice[0]), cmp_dbl);
		r.cycles = (uint64_t)(slice[ns / 2] * (double)(*probes - p0));
		free(slice);
	}
	r.probes = *probes - p0;
	r.allocs = counter(b->st, "tcp_port_alloc") - a0;
	r.failures = fails;
	return r;
}

static void
measure(struct bench *b, const struct opts *o, FILE *csv, unsigned int rep, enum mode m,
	double occ, uint64_t seed)
{
	const double hz = (double)rte_get_tsc_hz();
	unsigned int i, k, per, warm = o->allocs / 10 + 1;
	struct result r;
	uint8_t alg;

	rng = seed;
	b->st = stack_new(b, 4);
	fill(b, m, occ);
	for (i = 0; i < o->allocs; i++)
		b->sel_dest[i] = m == MODE_DEST ? 0 : (uint32_t)(rnd() % NB_DEST);
	/* Rotate the order of the algorithms so none always runs first. */
	for (k = 0; k < NB_ALG; k++) {
		alg = (uint8_t)((k + rep) % NB_ALG + 1);
		if (o->only_alg >= 0 && alg != o->only_alg)
			continue;
		b->st->conf.tcp_port_alg = alg;
		/* The warm-up also sizes the slices. */
		r = run_batch(b, warm, warm / 16 + 1, o->smoke);
		per = o->allocs / MIN_SLICES;
		if (r.cycles > 0 && hz * SLICE_US / 1e6 * r.allocs / (double)r.cycles < per)
			per = (unsigned int)(hz * SLICE_US / 1e6 * r.allocs / (double)r.cycles);
		r = run_batch(b, o->allocs, per > 0 ? per : 1, o->smoke);
		if (r.allocs + r.failures != o->allocs && !o->smoke) {
			fprintf(stderr, "bench_portalloc: %" PRIu64 " allocations counted of %u\n",
				r.allocs, o->allocs);
			exit(1);
		}
		if (r.probes < r.allocs) {
			fprintf(stderr, "bench_portalloc: fewer probes than allocations\n");
			exit(1);
		}
		if (r.failures != 0) {
			fprintf(stderr, "bench_portalloc: %" PRIu64 " selections failed (%s, "
				"Algorithm %u, %.0f%%)\n", r.failures, mode_name[m], alg, occ * 100);
			exit(1);
		}
		if (csv != NULL)
			fprintf(csv, "%s,%u,%.0f,%u,%" PRIu64 ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64
				",%.2f,%.1f,%.3f\n", mode_name[m], alg, occ * 100, rep, seed,
				b->nb_conns, r.allocs, r.failures, r.cycles,
				(double)r.cycles * 1e9 / hz / (double)r.allocs,
				(double)r.cycles / (double)r.allocs,
				(double)r.probes / (double)r.allocs);
		printf("  %-4s alg %u occ %2.0f%% rep %u: %8.1f ns/alloc %7.2f probes/alloc\n",
		       mode_name[m], alg, occ * 100, rep,
		       o->smoke ? 0.0 : (double)r.cycles * 1e9 / hz / (double)r.allocs,
		       (double)r.probes / (double)r.allocs);
	}
	stack_free(b);
}

/* ---- predictability ---- */

enum rule { R_A1, R_ASTEP, R_ASAME, R_B1, R_BADV, NB_RULE };
static const char *const rule_name[NB_RULE] = {
	"lastA+1", "lastA+step", "lastA", "prevB+1", "prevB+advA",
};

static uint32_t
sel(struct bench *b, uint32_t raddr, uint16_t rport)
{
	uint16_t lport;

	if (tcp_port_select(b->st, LADDR, raddr, rport, &lport) != 0) {
		fprintf(stderr, "bench_portalloc: selection failed in the guessing game\n");
		exit(1);
	}
	return rte_be_to_cpu_16(lport) - b->lo;
}

static uint32_t
wrap(const struct bench *b, int64_t v)
{
	int64_t n = b->num;

	return (uint32_t)(((v % n) + n) % n);
}

static void
guess(struct bench *b, const struct opts *o, FILE *csv, unsigned int rep)
{
	const uint32_t a_addr = IPV4(198, 18, 255, 1);
	const uint16_t a_port = rte_cpu_to_be_16(80), b_port = rte_cpu_to_be_16(443);
	uint64_t hits[NB_RULE];
	uint32_t pa[GUESS_K], b0, b1, g[NB_RULE], braddr;
	unsigned int t, i, r;
	uint8_t alg;

	for (alg = 1; alg <= NB_ALG; alg++) {
		/* A fresh stack: fresh secret keys and counters per algorithm and repetition. */
		b->st = stack_new(b, alg);
		memset(hits, 0, sizeof(hits));
		for (t = 0; t < o->trials; t++) {
			braddr = IPV4(198, 19, (t >> 8) & 0xff, t & 0xff);
			b0 = sel(b, braddr, b_port);
			for (i = 0; i < GUESS_K; i++)
				pa[i] = sel(b, a_addr, a_port);
			b1 = sel(b, braddr, b_port);
			g[R_A1] = wrap(b, (int64_t)pa[GUESS_K - 1] + 1);
			g[R_ASTEP] = wrap(b, 2 * (int64_t)pa[GUESS_K - 1] - pa[GUESS_K - 2]);
			g[R_ASAME] = pa[GUESS_K - 1];
			g[R_B1] = wrap(b, (int64_t)b0 + 1);
			/* One global counter (Algorithm 3): B's moved as A's did, plus the 2 ends. */
			g[R_BADV] = wrap(b, (int64_t)b0 + wrap(b, (int64_t)pa[GUESS_K - 1] - pa[0]) + 2);
			for (r = 0; r < NB_RULE; r++)
				hits[r] += g[r] == b1;
		}
		for (r = 0; r < NB_RULE; r++) {
			if (csv != NULL)
				fprintf(csv, "%u,%s,%u,%u,%" PRIu64 ",%.6f\n", alg, rule_name[r], rep,
					o->trials, hits[r], (double)hits[r] / o->trials);
		}
		printf("  guess alg %u rep %u:", alg, rep);
		for (r = 0; r < NB_RULE; r++)
			printf(" %s %.4f", rule_name[r], (double)hits[r] / o->trials);
		printf("\n");
		stack_free(b);
	}
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [--smoke] [--reps N] [--allocs N] [--trials N] [--lcore N]\n"
		"          [--seed N] [--csv FILE] [--guess-csv FILE]\n"
		"          [--mode dest|many] [--occ PCT] [--alg N]   (one case only, no guessing)\n",
		prog);
	exit(2);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "allocs", required_argument, NULL, 'a' },
		{ "trials", required_argument, NULL, 't' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 'S' },
		{ "csv", required_argument, NULL, 'c' },
		{ "guess-csv", required_argument, NULL, 'g' },
		{ "mode", required_argument, NULL, 'm' },
		{ "occ", required_argument, NULL, 'o' },
		{ "alg", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->reps = 7;
	o->allocs = 32768;
	o->trials = 20000;
	o->lcore = 0;
	o->seed = 1;
	o->only_mode = o->only_occ = o->only_alg = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->smoke = true; break;
		case 'r': o->reps = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'a': o->allocs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': o->trials = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'l': o->lcore = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'S': o->seed = strtoull(optarg, NULL, 0); break;
		case 'c': o->csv = optarg; break;
		case 'g': o->guess_csv = optarg; break;
		case 'm':
			o->only_mode = strcmp(optarg, "dest") == 0 ? MODE_DEST :
				       strcmp(optarg, "many") == 0 ? MODE_MANY : -2;
			if (o->only_mode < 0)
				usage(argv[0]);
			break;
		case 'o': o->only_occ = atoi(optarg); break;
		case 'A': o->only_alg = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (o->smoke) {
		o->reps = 1;
		o->allocs = 2000;
		o->trials = 500;
	}
	/* Trials use distinct B addresses (256 * 256 at most). */
	if (o->reps == 0 || o->allocs == 0 || o->trials == 0 || o->trials > 65536)
		usage(argv[0]);
}

static FILE *
open_csv(const char *path, const char *header)
{
	FILE *f;

	if (path == NULL)
		return NULL;
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(f, "%s\n", header);
	return f;
}

int
main(int argc, char **argv)
{
	char prefix[64], lcores[16];
	char *eal[] = {
		argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", lcores,
		"--log-level=*:warning", prefix, NULL,
	};
	const double *occs;
	struct bench b;
	struct opts o;
	FILE *csv, *gcsv;
	unsigned int rep, m, i, nb_occ;

	memset(&o, 0, sizeof(o));
	parse(argc, argv, &o);
	snprintf(lcores, sizeof(lcores), "%u", o.lcore);
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-portalloc-%d", (int)getpid());
	if (berth_init(9, eal) < 0) {
		fprintf(stderr, "bench_portalloc: EAL init failed\n");
		return 1;
	}
	memset(&b, 0, sizeof(b));
	b.lo = BERTH_EPHEMERAL_LO;
	b.num = BERTH_EPHEMERAL_HI - BERTH_EPHEMERAL_LO + 1;
	b.pool = rte_pktmbuf_pool_create("pa_pool", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	b.tcbs = calloc(b.num, sizeof(*b.tcbs));
	b.occ_dest = calloc(b.num, sizeof(*b.occ_dest));
	b.sel_dest = calloc(o.allocs + o.allocs / 10 + 1, sizeof(*b.sel_dest));
	if (b.pool == NULL || b.tcbs == NULL || b.occ_dest == NULL || b.sel_dest == NULL) {
		fprintf(stderr, "bench_portalloc: out of memory\n");
		return 1;
	}
	csv = open_csv(o.csv, "mode,alg,occupancy_pct,rep,seed,conns,allocs,failures,cycles,"
		       "ns_per_alloc,cycles_per_alloc,probes_per_alloc");
	gcsv = open_csv(o.guess_csv, "alg,rule,rep,trials,hits,hit_rate");
	occs = o.smoke ? occ_smoke : occ_full;
	nb_occ = o.smoke ? RTE_DIM(occ_smoke) : RTE_DIM(occ_full);
	printf("bench_portalloc: range %u-%u (%u ports), %u allocations per measurement, "
	       "%u repetitions, TSC %" PRIu64 " Hz, lcore %u\n", b.lo, b.lo + b.num - 1, b.num,
	       o.allocs, o.reps, rte_get_tsc_hz(), rte_lcore_id());
	for (rep = 0; rep < o.reps; rep++) {
		for (m = 0; m < NB_MODE; m++) {
			for (i = 0; i < nb_occ; i++) {
				if ((o.only_mode >= 0 && (int)m != o.only_mode) ||
				    (o.only_occ >= 0 && (int)(occs[i] * 100 + 0.5) != o.only_occ))
					continue;
				measure(&b, &o, csv, rep, (enum mode)m, occs[i],
					o.seed * 1000003 + rep * 100 + m * 10 + i);
			}
		}
		if (o.only_mode < 0 && o.only_occ < 0 && o.only_alg < 0)
			guess(&b, &o, gcsv, rep);
	}
	if (csv != NULL)
		fclose(csv);
	if (gcsv != NULL)
		fclose(gcsv);
	free(b.tcbs);
	free(b.occ_dest);
	free(b.sel_dest);
	rte_mempool_free(b.pool);
	berth_fini();
	printf("bench_portalloc: done\n");
	return 0;
}
