/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench/demux: the cost of finding the socket for a segment or datagram.
 *
 * Measures, for N established connections (default 1K, 10K, 100K, 1M, 4M):
 *   ctable-nh  the production connection table (stack/ctable.c keyed with
 *              NH), through tcp_table.c itself (tcp_table_lookup,
 *              tcp_table_lookup_bulk) on a stack made by berth_stack_create
 *              with tcp_max_conns = N, holding N entries
 *   rte_hash   the table tcp_table.c used before: DPDK's rte_hash, 12-byte
 *              key, keyed jhash, extendable buckets, N entries, same keys
 *              (rte_hash_lookup_data, rte_hash_lookup_bulk_data)
 *   ctable-siphash  stack/ctable.c keyed with SipHash-1-3, same keys
 * each single and in bursts of 32, for hits (keys in the table) and misses
 * (keys not in it, which then go to the listen table as tcp_input does:
 * tcp_listen_lookup, a wildcard listener on the server port). Then the listen
 * table (exact address, wildcard, no listener) and the UDP bind table
 * (exact, wildcard, nobody on the port).
 *
 * Call chain measured: tcp_input_flush -> tcp_table_lookup_bulk ->
 *   ctable_lookup_bulk; seg_arrives -> tcp_listen_lookup;
 *   udp_input -> bind_lookup (replicated here: it is static in udp.c).
 *
 * What fills the tables: the N entries are put in with tcp_tw_insert, which
 * adds the 4-tuple to the same table as a connection's (same parameters,
 * the stack's secret seed), its 32-bit value naming a 32-byte TIME-WAIT
 * entry instead of a TCB's pool slot; a lookup returns it without reading
 * the entry, so its cost is that of a connection's (less the read of the
 * TCB pool's chunk index, which stays in the caches). rte_hash holds the
 * same keys with a pointer value, ctable-siphash with a 32-bit one.
 *
 * Workload: one server (198.18.0.2 port 80), clients at random addresses in
 * 198.18.0.0/15 and random ports 1024-65535; lookups in random order over
 * the whole set (drawn with replacement), so beyond the caches at 1M+; the
 * query keys are read in sequence, as from packets just received. Misses are
 * random keys not in the table. Every repetition times `--lookups` lookups
 * with the TSC; the tables are built once per N and every repetition of
 * every mode runs on them, the tables taking turns.
 *
 * Output: one CSV row per repetition (--csv) and the tables' sizes
 * (--tables-csv); a summary on stdout. --smoke: small sizes, one repetition,
 * checks the results (hits found, misses not), never a time.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <berth/berth.h>

#include "ctable.h"
#include "tcp.h"

#define BURST 32
#define SERVER_IP IPV4(198, 18, 0, 2)
#define SERVER_PORT 80
#define LISTEN_PORTS 512   /* wildcard listeners on 10000+, exact ones on 20000+ */
#define TW_EXPIRE (UINT64_C(1) << 60)  /* never reached: the clock is not run */

struct opts {
	bool smoke;
	unsigned int reps;
	uint32_t lookups;
	unsigned int lcore;
	uint32_t sizes[16];
	unsigned int nb_sizes;
	const char *csv;
	const char *tables_csv;
};

static FILE *csv;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned int failures;

/* splitmix64: reproducible workloads (the tables' secrets are random). */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A client of the server: random address in 198.18.0.0/15, random port 1024-65535. */
static struct tcp_key
client_key(void)
{
	uint64_t r = rnd();
	struct tcp_key k = {
		.laddr = SERVER_IP,
		.raddr = rte_cpu_to_be_32(0xc6120000u | (uint32_t)(r & 0x1ffff)),
		.lport = rte_cpu_to_be_16(SERVER_PORT),
		.rport = rte_cpu_to_be_16((uint16_t)(1024 + (r >> 17) % (65536 - 1024))),
	};

	return k;
}

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats s;
	size_t used = 0;
	int i;

	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		if (rte_malloc_get_socket_stats(i, &s) == 0)
			used += s.heap_allocsz_bytes;
	return used;
}

static double
ns_of(uint64_t cycles)
{
	return (double)cycles * 1e9 / (double)rte_get_tsc_hz();
}

static void
record(uint32_t size, const char *table, const char *mode, const char *kind, unsigned int rep,
       uint32_t n, uint64_t cycles)
{
	if (csv != NULL)
		fprintf(csv, "%u,%s,%s,%s,%u,%u,%.3f,%.3f\n", size, table, mode, kind, rep, n,
			ns_of(cycles) / n, (double)cycles / n);
}

static void
check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_demux: wrong result: %s\n", what);
		failures++;
	}
}

/* ---- the connection tables ---- */

struct world {
	uint32_t n;
	struct berth_stack *st;
	struct rte_hash *rh;         /* rte_hash as tcp_table.c had it */
	struct ctable *sip;          /* ctable with SipHash-1-3 */
	struct tcp_key *keys;        /* the N keys in both tables */
	struct tcp_key *q_hit;       /* lookups: keys in the table, random order */
	struct tcp_key *q_miss;      /* lookups: keys in neither table */
	struct tcp_listener *ls;     /* 1 + 2 * LISTEN_PORTS */
	uint32_t nb_ls;
};

enum table_kind { T_PROD, T_RTE_HASH, T_CTABLE_SIP, T_NB };
static const char *const table_name[] = { "ctable-nh", "rte_hash", "ctable-siphash" };

/* An rte_hash with the parameters tcp_table.c used for connections. */
static struct rte_hash *
rte_hash_make(const char *name, uint32_t n, uint32_t seed)
{
	struct rte_hash_parameters hp;

	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = RTE_MAX(n, 8u);
	hp.key_len = sizeof(struct tcp_key);
	hp.socket_id = (int)rte_socket_id();
	hp.hash_func = rte_jhash;
	hp.hash_func_init_val = seed;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	return rte_hash_create(&hp);
}

static struct tcp_listener *
add_listener(struct world *w, uint32_t laddr, uint16_t port)
{
	struct tcp_listener *l = &w->ls[w->nb_ls];

	l->laddr = laddr;
	l->lport = rte_cpu_to_be_16(port);
	if (tcp_listen_insert(w->st, l) < 0)
		return NULL;
	w->nb_ls++;
	return l;
}

/* Production stack with n entries, ctable with the same keys, listeners, lookup sequences. */
static int
world_build(struct world *w, uint32_t n, uint32_t lookups)
{
	struct berth_stack_conf conf;
	struct ctable_params cp = { .entries = n, .key_len = sizeof(struct tcp_key),
				    .socket_id = (int)rte_socket_id(), .hash = CTABLE_HASH_SIPHASH };
	struct tcp_key k;
	uint32_t i;

	memset(w, 0, sizeof(*w));
	w->n = n;
	memset(&conf, 0, sizeof(conf));
	conf.lcore_id = rte_lcore_id();
	conf.nb_mbufs = 1023;
	conf.tcp_max_conns = n;
	w->st = berth_stack_create(&conf);
	w->rh = rte_hash_make("demux_conns", n, (uint32_t)rnd());
	w->sip = ctable_create(&cp);
	w->keys = malloc((size_t)n * sizeof(*w->keys));
	w->q_hit = malloc((size_t)lookups * sizeof(*w->q_hit));
	w->q_miss = malloc((size_t)lookups * sizeof(*w->q_miss));
	w->ls = calloc(1 + 2 * LISTEN_PORTS, sizeof(*w->ls));
	if (w->st == NULL || w->rh == NULL || w->sip == NULL || w->keys == NULL || w->q_hit == NULL ||
	    w->q_miss == NULL || w->ls == NULL) {
		fprintf(stderr, "bench_demux: %u connections: out of memory (%s)\n", n,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	/* The production table refuses a present key: that keeps the N keys distinct. */
	for (i = 0; i < n;) {
		k = client_key();
		if (tcp_tw_insert(w->st, &k, 1, 1, TW_EXPIRE) == NULL)
			continue;
		if (rte_hash_add_key_data(w->rh, &k, &w->keys[i]) < 0 ||
		    ctable_add(w->sip, &k, i) < 0) {
			fprintf(stderr, "bench_demux: a table refused key %u of %u\n", i, n);
			return -ENOSPC;
		}
		w->keys[i++] = k;
	}
	check(tcp_tw_count(w->st) == n && rte_hash_count(w->rh) == (int32_t)n &&
	      ctable_count(w->sip) == n, "table sizes");
	for (i = 0; i < lookups; i++)
		w->q_hit[i] = w->keys[rnd() % n];
	for (i = 0; i < lookups;) {
		k = client_key();
		if (tcp_table_lookup(w->st, &k).kind == TCP_LK_NONE)
			w->q_miss[i++] = k;
	}
	/* The server's wildcard listener, and others so that the listen hash is not trivial. */
	if (add_listener(w, 0, SERVER_PORT) == NULL)
		return -ENOMEM;
	for (i = 0; i < LISTEN_PORTS; i++)
		if (add_listener(w, 0, (uint16_t)(10000 + i)) == NULL ||
		    add_listener(w, SERVER_IP, (uint16_t)(20000 + i)) == NULL)
			return -ENOMEM;
	return 0;
}

static void
world_free(struct world *w)
{
	uint32_t i;

	if (w->st != NULL)
		for (i = 0; i < w->nb_ls; i++)
			tcp_listen_remove(w->st, &w->ls[i]);
	berth_stack_destroy(w->st);
	rte_hash_free(w->rh);
	ctable_free(w->sip);
	free(w->keys);
	free(w->q_hit);
	free(w->q_miss);
	free(w->ls);
	memset(w, 0, sizeof(*w));
}

/* What a miss costs after the connection table: the listen lookup, as seg_arrives. */
static inline uint32_t
miss_listen(struct berth_stack *st, const struct tcp_key *k)
{
	return tcp_listen_lookup(st, k->laddr, k->lport) != NULL;
}

/*
 * One timed pass: n lookups of q, single or bulk, on table tk. Returns the
 * cycles; *found counts connection-table hits, *lsn listener hits.
 */
static uint64_t
run_pass(const struct world *w, enum table_kind tk, bool bulk, bool misses,
	 const struct tcp_key *q, uint32_t n, uint32_t *found, uint32_t *lsn)
{
	const struct tcp_key *kp[BURST];
	struct tcp_lookup res[BURST];
	void *data[BURST];     /* rte_hash's values */
	uint32_t vals[BURST];  /* ctable's */
	uint32_t i, j, hits = 0, lh = 0, v;
	const struct ctable *ct = w->sip;
	uint64_t t0, mask;
	void *d;

	t0 = rte_rdtsc_precise();
	if (!bulk && tk == T_RTE_HASH) {
		for (i = 0; i < n; i++) {
			if (rte_hash_lookup_data(w->rh, &q[i], &d) >= 0)
				hits++;
			else if (misses)
				lh += miss_listen(w->st, &q[i]);
		}
	} else if (bulk && tk == T_RTE_HASH) {
		for (i = 0; i + BURST <= n; i += BURST) {
			for (j = 0; j < BURST; j++)
				kp[j] = &q[i + j];
			mask = 0;
			/* The keys are only read; rte_hash's prototype lacks the inner const. */
			if (rte_hash_lookup_bulk_data(w->rh, (const void **)(uintptr_t)kp, BURST, &mask,
						      data) < 0)
				mask = 0;
			for (j = 0; j < BURST; j++) {
				if ((mask >> j) & 1)
					hits++;
				else if (misses)
					lh += miss_listen(w->st, kp[j]);
			}
		}
	} else if (!bulk && tk == T_PROD) {
		for (i = 0; i < n; i++) {
			if (tcp_table_lookup(w->st, &q[i]).kind != TCP_LK_NONE)
				hits++;
			else if (misses)
				lh += miss_listen(w->st, &q[i]);
		}
	} else if (!bulk) {
		for (i = 0; i < n; i++) {
			if (ctable_lookup(ct, &q[i], &v) >= 0)
				hits++;
			else if (misses)
				lh += miss_listen(w->st, &q[i]);
		}
	} else if (tk == T_PROD) {
		for (i = 0; i + BURST <= n; i += BURST) {
			for (j = 0; j < BURST; j++)
				kp[j] = &q[i + j];
			tcp_table_lookup_bulk(w->st, kp, BURST, res);
			for (j = 0; j < BURST; j++) {
				if (res[j].kind != TCP_LK_NONE)
					hits++;
				else if (misses)
					lh += miss_listen(w->st, kp[j]);
			}
		}
	} else {
		for (i = 0; i + BURST <= n; i += BURST) {
			for (j = 0; j < BURST; j++)
				kp[j] = &q[i + j];
			ctable_lookup_bulk(ct, (const void *const *)kp, BURST, &mask, vals);
			for (j = 0; j < BURST; j++) {
				if ((mask >> j) & 1)
					hits++;
				else if (misses)
					lh += miss_listen(w->st, kp[j]);
			}
		}
	}
	t0 = rte_rdtsc_precise() - t0;
	*found = hits;
	*lsn = lh;
	return t0;
}

static void
bench_conns(const struct opts *o, struct world *w)
{
	static const char *const mode_name[] = { "single", "bulk" };
	uint32_t n = o->lookups - o->lookups % BURST, found, lsn;
	unsigned int rep, tk, bulk, miss;
	uint64_t cyc;

	for (rep = 0; rep <= o->reps; rep++)   /* rep 0 warms up and is not recorded */
		for (miss = 0; miss < 2; miss++)
			for (bulk = 0; bulk < 2; bulk++)
				for (tk = 0; tk < T_NB; tk++) {
					cyc = run_pass(w, tk, bulk, miss, miss ? w->q_miss : w->q_hit,
						       n, &found, &lsn);
					check(found == (miss ? 0 : n), "connection hits");
					check(lsn == (miss ? n : 0), "listener hits");
					if (rep > 0)
						record(w->n, table_name[tk], mode_name[bulk],
						       miss ? "miss" : "hit", rep, n, cyc);
				}
}

/* Bytes of an rte_hash for n connections alone, with tcp_table.c's former parameters. */
static size_t
rte_hash_bytes(uint32_t n)
{
	size_t before = heap_used(), bytes;
	struct rte_hash *h = rte_hash_make("demux_size", n, 1);

	if (h == NULL)
		return 0;
	bytes = heap_used() - before;
	rte_hash_free(h);
	return bytes;
}

/* ---- listen table ---- */

static void
bench_listen(const struct opts *o, const struct world *w)
{
	static const char *const kind[] = { "exact", "wildcard", "none" };
	uint32_t n = o->lookups / 4, i, c, hits;
	unsigned int rep;
	uint32_t *ports = malloc((size_t)n * sizeof(*ports));
	uint64_t t0;

	if (ports == NULL)
		return;
	for (c = 0; c < 3; c++) {
		/* exact: 20000+ (found at once); wildcard: 10000+ (address, then wildcard); none: 30000+ */
		for (i = 0; i < n; i++)
			ports[i] = rte_cpu_to_be_16((uint16_t)((c == 0 ? 20000 : c == 1 ? 10000 : 30000) +
							       rnd() % LISTEN_PORTS));
		for (rep = 0; rep <= o->reps; rep++) {
			hits = 0;
			t0 = rte_rdtsc_precise();
			for (i = 0; i < n; i++)
				hits += tcp_listen_lookup(w->st, SERVER_IP, (uint16_t)ports[i]) != NULL;
			t0 = rte_rdtsc_precise() - t0;
			check(hits == (c == 2 ? 0 : n), "listener lookups");
			if (rep > 0)
				record(LISTEN_PORTS * 2 + 1, "listen", "single", kind[c], rep, n, t0);
		}
	}
	free(ports);
}

/* ---- UDP bind table: udp.c's hash and bind_lookup, which are static there ---- */

struct udp_key {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

struct udp_binds {
	struct rte_hash *h;
	uint16_t port_users[65536];
	uint64_t port_wild[65536 / 64];  /* ports (host order) bound to the wildcard */
};

static void *
udp_find(const struct udp_binds *u, uint32_t addr, uint16_t port)
{
	struct udp_key k = { .addr = addr, .port = port, .pad = 0 };
	void *data;

	return rte_hash_lookup_data(u->h, &k, &data) < 0 ? NULL : data;
}

/* A wildcard binding is the only one on its port: one lookup, of the one that can exist. */
static void *
udp_lookup(const struct udp_binds *u, uint32_t addr, uint16_t port)
{
	uint16_t hport = rte_be_to_cpu_16(port);

	if (u->port_users[hport] == 0)
		return NULL;
	return udp_find(u, (u->port_wild[hport / 64] >> (hport % 64)) & 1 ? 0 : addr, port);
}

static int
udp_bind(struct udp_binds *u, uint32_t addr, uint16_t port, void *sock)
{
	struct udp_key k = { .addr = addr, .port = rte_cpu_to_be_16(port), .pad = 0 };

	if (rte_hash_add_key_data(u->h, &k, sock) < 0)
		return -1;
	u->port_users[port]++;
	if (addr == 0)
		u->port_wild[port / 64] |= UINT64_C(1) << (port % 64);
	return 0;
}

static void
bench_udp(const struct opts *o)
{
	static const char *const kind[] = { "exact", "wildcard", "none" };
	struct rte_hash_parameters hp;
	struct udp_binds *u = calloc(1, sizeof(*u));
	uint32_t n = o->lookups / 4, i, c, hits;
	uint32_t *ports = malloc((size_t)n * sizeof(*ports));
	static int sock;
	unsigned int rep;
	uint64_t t0;

	if (u == NULL || ports == NULL)
		goto out;
	/* udp_init's parameters, with the default max_sockets. */
	memset(&hp, 0, sizeof(hp));
	hp.name = "demux_udp";
	hp.entries = 4096;
	hp.key_len = sizeof(struct udp_key);
	hp.socket_id = (int)rte_socket_id();
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	u->h = rte_hash_create(&hp);
	if (u->h == NULL)
		goto out;
	for (i = 0; i < LISTEN_PORTS; i++)
		if (udp_bind(u, 0, (uint16_t)(10000 + i), &sock) < 0 ||
		    udp_bind(u, SERVER_IP, (uint16_t)(20000 + i), &sock) < 0)
			goto out;
	for (c = 0; c < 3; c++) {
		for (i = 0; i < n; i++)
			ports[i] = rte_cpu_to_be_16((uint16_t)((c == 0 ? 20000 : c == 1 ? 10000 : 30000) +
							       rnd() % LISTEN_PORTS));
		for (rep = 0; rep <= o->reps; rep++) {
			hits = 0;
			t0 = rte_rdtsc_precise();
			for (i = 0; i < n; i++)
				hits += udp_lookup(u, SERVER_IP, (uint16_t)ports[i]) != NULL;
			t0 = rte_rdtsc_precise() - t0;
			check(hits == (c == 2 ? 0 : n), "UDP bind lookups");
			if (rep > 0)
				record(LISTEN_PORTS * 2, "udp_bind", "single", kind[c], rep, n, t0);
		}
	}
out:
	if (u != NULL)
		rte_hash_free(u->h);
	free(u);
	free(ports);
}

/* ---- main ---- */

/* Keys per slot of a ctable made with the default bucket count (entries / 4 + 1). */
static double
ct_load(uint32_t n)
{
	return (double)n / (CTABLE_BUCKET_SLOTS * (double)RTE_MAX(n / 4 + 1, 2u));
}

static int
parse_sizes(struct opts *o, char *s)
{
	char *tok, *save = NULL;

	o->nb_sizes = 0;
	for (tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v = strtoul(tok, NULL, 10);

		if (v < 8 || v > 64u * 1024 * 1024 || o->nb_sizes == RTE_DIM(o->sizes))
			return -1;
		o->sizes[o->nb_sizes++] = (uint32_t)v;
	}
	return o->nb_sizes > 0 ? 0 : -1;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--smoke] [--reps N] [--lookups N] [--sizes N,N,...] [--lcore N]\n"
		"          [--csv FILE] [--tables-csv FILE]\n", prog);
}

static int
parse(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "lookups", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "csv", required_argument, NULL, 'c' },
		{ "tables-csv", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static char def_sizes[] = "1000,10000,100000,1000000,4000000";
	static char smoke_sizes[] = "1000,20000";
	int c;

	memset(o, 0, sizeof(*o));
	o->reps = 7;
	o->lookups = 1u << 20;
	parse_sizes(o, def_sizes);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->smoke = true;
			o->reps = 1;
			o->lookups = 8192;
			parse_sizes(o, smoke_sizes);
			break;
		case 'r':
			o->reps = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->lookups = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'z':
			if (parse_sizes(o, optarg) < 0)
				return -1;
			break;
		case 'l':
			o->lcore = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o->csv = optarg;
			break;
		case 't':
			o->tables_csv = optarg;
			break;
		default:
			return -1;
		}
	}
	if (o->reps < 1 || o->reps > 100 || o->lookups < 4 * BURST || o->lookups > (1u << 26))
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	char mem[32], lcores[16], prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", mem, "--no-pci", "-l", lcores,
			"--log-level=*:warning", prefix, NULL };
	uint32_t max_n = 0;
	FILE *tcsv = NULL;
	struct world w;
	struct opts o;
	unsigned int i;
	size_t before;
	int ret;

	if (parse(&o, argc, argv) < 0) {
		usage(argv[0]);
		return 2;
	}
	for (i = 0; i < o.nb_sizes; i++)
		max_n = RTE_MAX(max_n, o.sizes[i]);
	/* Both tables of the largest size at once: ~200 B per connection, with room. */
	snprintf(mem, sizeof(mem), "%u", 256 + (unsigned int)((uint64_t)max_n * 320 >> 20));
	snprintf(lcores, sizeof(lcores), "%u", o.lcore);
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-demux-%d", (int)getpid());
	if (berth_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "bench_demux: EAL init failed\n");
		return 1;
	}
	csv = o.csv != NULL ? fopen(o.csv, "w") : NULL;
	tcsv = o.tables_csv != NULL ? fopen(o.tables_csv, "w") : NULL;
	if ((o.csv != NULL && csv == NULL) || (o.tables_csv != NULL && tcsv == NULL)) {
		perror("bench_demux: output file");
		return 1;
	}
	if (csv != NULL)
		fprintf(csv, "connections,table,mode,kind,rep,lookups,ns_per_lookup,"
			"tsc_cycles_per_lookup\n");
	if (tcsv != NULL)
		fprintf(tcsv, "connections,table,bytes,bytes_per_connection,slot_load\n");
	printf("bench_demux: TSC %.3f GHz, lcore %u, %u repetitions of %u lookups\n",
	       (double)rte_get_tsc_hz() / 1e9, rte_lcore_id(), o.reps, o.lookups);
	for (i = 0; i < o.nb_sizes; i++) {
		uint32_t n = o.sizes[i];
		uint64_t t0 = rte_rdtsc();
		size_t hb = rte_hash_bytes(n), cb;

		before = heap_used();
		ret = world_build(&w, n, o.lookups);
		if (ret < 0) {
			world_free(&w);
			failures++;
			continue;
		}
		cb = ctable_memory(w.sip);
		printf("  %8u connections: built in %.1f s; rte_hash %.1f B/conn (slot load %.2f), "
		       "ctable %.1f B/conn (slot load %.2f); heap %.0f MB\n", n,
		       ns_of(rte_rdtsc() - t0) / 1e9, (double)hb / n,
		       (double)n / rte_align32pow2(RTE_MAX(n, 8u)), (double)cb / n, ct_load(n),
		       (double)(heap_used() - before) / 1e6);
		if (tcsv != NULL) {
			fprintf(tcsv, "%u,rte_hash,%zu,%.1f,%.3f\n", n, hb, (double)hb / n,
				(double)n / rte_align32pow2(RTE_MAX(n, 8u)));
			fprintf(tcsv, "%u,ctable,%zu,%.1f,%.3f\n", n, cb, (double)cb / n,
				ct_load(n));   /* the same for both hashes */
		}
		t0 = rte_rdtsc();
		bench_conns(&o, &w);
		if (i == 0)
			bench_listen(&o, &w);
		world_free(&w);
		printf("  %8u connections: measured in %.1f s\n", n, ns_of(rte_rdtsc() - t0) / 1e9);
		fflush(stdout);
	}
	bench_udp(&o);
	if (csv != NULL)
		fclose(csv);
	if (tcsv != NULL)
		fclose(tcsv);
	berth_fini();
	if (failures > 0) {
		fprintf(stderr, "bench_demux: %u failures\n", failures);
		return 1;
	}
	printf("bench_demux: ok\n");
	return 0;
}
