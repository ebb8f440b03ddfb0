/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ephemeral port selection (stack/tcp_portsel.c), RFC 6056 §3.3
 * Algorithms 1-5: ports in the configured range, never 0, never a bound
 * port or a 4-tuple in use (live or TIME-WAIT); exhaustion; counters;
 * Algorithm 4's spread, per-destination sequence and isolation; Algorithms
 * 3 and 4 probe by probe against the RFC's formula; and a
 * statistical sanity check that one destination's ports do not give away
 * another's.
 *
 * Connections are zeroed struct tcb with only the key set, put in the
 * connection table directly (tcp_table.c); nothing else of TCP is involved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp.h"

#define MSL_NS (30 * BERTH_NS_PER_SEC)
#define PEER_PORT 80
#define MAX_OCC 4096

/* ---- helpers ---- */

static struct tcb *occ[MAX_OCC];
static unsigned int nb_occ;

static struct tcp_key
key4(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_key k = {
		.laddr = laddr, .raddr = raddr,
		.lport = rte_cpu_to_be_16(lport), .rport = rte_cpu_to_be_16(rport),
	};

	return k;
}

/* A live connection on the 4-tuple (ports in host order). */
static struct tcb *
occupy(struct harness *h, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcb *tp = tcp_pool_get(h->st);

	H_ASSERT(tp != NULL && nb_occ < MAX_OCC);
	tp->key = key4(laddr, lport, raddr, rport);
	H_ASSERT(tcp_table_insert(h->st, tp) == 0);
	occ[nb_occ++] = tp;
	return tp;
}

/* The connection on the 4-tuple enters TIME-WAIT. */
static void
to_time_wait(struct harness *h, struct tcb *tp)
{
	tcp_table_remove(h->st, tp);
	H_ASSERT(tcp_tw_insert(h->st, &tp->key, 1, 1, h->now + 2 * MSL_NS) != NULL);
}

static void
tw_on(struct harness *h, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_key k = key4(laddr, lport, raddr, rport);

	H_ASSERT(tcp_tw_insert(h->st, &k, 1, 1, h->now + 2 * MSL_NS) != NULL);
}

static void
release_all(struct harness *h)
{
	while (nb_occ > 0) {
		struct tcb *tp = occ[--nb_occ];

		tcp_table_remove(h->st, tp);
		tcp_pool_put(h->st, tp);
	}
}

static void
setup_alg(struct harness *h, uint8_t alg, uint16_t lo, uint16_t hi)
{
	struct berth_stack_conf c;

	memset(&c, 0, sizeof(c));
	c.tcp_port_alg = alg;
	c.ephemeral_lo = lo;
	c.ephemeral_hi = hi;
	h_setup_conf(h, &c);
	nb_occ = 0;
}

static void
teardown(struct harness *h)
{
	release_all(h);
	h_teardown(h);
}

/* Select for (H_OUR_IP -> raddr:rport); returns the port in host order or -errno. */
static int
select_port(struct harness *h, uint32_t raddr, uint16_t rport)
{
	uint16_t lp = 0xdead;
	int ret = tcp_port_select(h->st, H_OUR_IP, raddr, rte_cpu_to_be_16(rport), &lp);

	if (ret < 0) {
		CU_ASSERT_EQUAL(lp, 0xdead); /* untouched on failure */
		return ret;
	}
	return rte_be_to_cpu_16(lp);
}

static uint32_t
mod_diff(int a, int b, uint32_t num)
{
	return (uint32_t)((a - b + (int)num) % (int)num);
}

/* ---- every algorithm: range, bound ports, used tuples, exhaustion ---- */

/*
 * 64 ports, a quarter each: bound on the wildcard, a live connection to the
 * peer, TIME-WAIT with the peer, and free for the peer (some of those bound
 * on another address or used towards another host, which must not matter).
 * Allocating until failure must give exactly the free quarter.
 */
static void
range_case(uint8_t alg)
{
	enum { LO = 1000, HI = 1063 };
	struct harness h;
	bool seen[HI + 1] = { false };
	unsigned int n = 0;
	uint64_t probes0;
	int p;

	setup_alg(&h, alg, LO, HI);
	for (p = LO; p <= HI; p++) {
		switch (p % 4) {
		case 0:
			H_ASSERT(tcp_bind_add(h.st, 0, rte_cpu_to_be_16((uint16_t)p), false) == 0);
			break;
		case 1:
			occupy(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
			break;
		case 2:
			tw_on(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
			break;
		default:
			if (p % 8 == 3) {
				H_ASSERT(tcp_bind_add(h.st, H_OTHER_IP,
						      rte_cpu_to_be_16((uint16_t)p), false) == 0);
			} else {
				occupy(&h, H_OUR_IP, (uint16_t)p, H_OTHER_IP, PEER_PORT);
			}
			break;
		}
	}
	while ((p = select_port(&h, H_PEER_IP, PEER_PORT)) > 0) {
		CU_ASSERT(p >= LO && p <= HI);
		if (p < LO || p > HI)
			break;
		CU_ASSERT_EQUAL(p % 4, 3);
		CU_ASSERT_FALSE(seen[p]);
		seen[p] = true;
		occupy(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
		if (++n > 64)
			break;
	}
	CU_ASSERT_EQUAL(p, -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(n, 16);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_alloc"), 16);
	CU_ASSERT(h_counter(&h, "tcp_port_probes") >= 16 + 64);
	/* Still exhausted, and the failure costs the whole range again. */
	probes0 = h_counter(&h, "tcp_port_probes");
	CU_ASSERT_EQUAL(select_port(&h, H_PEER_IP, PEER_PORT), -EADDRNOTAVAIL);
	CU_ASSERT(h_counter(&h, "tcp_port_probes") - probes0 >= 64);
	/* Another destination still finds ports: the tuple is what counts. */
	p = select_port(&h, H_FAR_IP, PEER_PORT);
	CU_ASSERT(p >= LO && p <= HI && p % 4 != 0);
	teardown(&h);
}

static void test_range_alg1(void) { range_case(1); }
static void test_range_alg2(void) { range_case(2); }
static void test_range_alg3(void) { range_case(3); }
static void test_range_alg4(void) { range_case(4); }
static void test_range_alg5(void) { range_case(5); }

/* A range that includes 0 (only by editing conf after creation): 0 never comes out. */
static void
test_never_zero(void)
{
	struct harness h;
	uint8_t alg;
	unsigned int n;
	int p;

	setup_alg(&h, 1, 1, 7);
	h.st->conf.ephemeral_lo = 0;
	for (alg = 1; alg <= 5; alg++) {
		h.st->conf.tcp_port_alg = alg;
		n = 0;
		while ((p = select_port(&h, H_PEER_IP, PEER_PORT)) >= 0 && n < 16) {
			CU_ASSERT(p >= 1 && p <= 7);
			occupy(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
			n++;
		}
		CU_ASSERT_EQUAL(p, -EADDRNOTAVAIL);
		CU_ASSERT_EQUAL(n, 7);
		release_all(&h);
	}
	teardown(&h);
}

/* 8 ports, every tuple to the peer taken (live or TIME-WAIT): each algorithm fails. */
static void
test_exhaustion(void)
{
	/* Algorithms 2 and 5 add a linear pass after their random probes. */
	static const unsigned int probes[6] = { 0, 8, 16, 8, 8, 16 };
	struct harness h;
	uint64_t alloc0, probes0;
	uint8_t alg;
	int p;

	setup_alg(&h, 1, 2000, 2007);
	for (p = 2000; p <= 2007; p++) {
		if (p & 1)
			occupy(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
		else
			tw_on(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
	}
	for (alg = 1; alg <= 5; alg++) {
		h.st->conf.tcp_port_alg = alg;
		alloc0 = h_counter(&h, "tcp_port_alloc");
		probes0 = h_counter(&h, "tcp_port_probes");
		CU_ASSERT_EQUAL(select_port(&h, H_PEER_IP, PEER_PORT), -EADDRNOTAVAIL);
		CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_alloc"), alloc0);
		CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes") - probes0, probes[alg]);
	}
	/* One connection finishing (its TIME-WAIT expiring) gives that port back. */
	h_poll_ns(&h, 2 * MSL_NS);
	for (alg = 1; alg <= 5; alg++) {
		h.st->conf.tcp_port_alg = alg;
		p = select_port(&h, H_PEER_IP, PEER_PORT);
		CU_ASSERT(p >= 2000 && p <= 2007 && (p & 1) == 0);
	}
	teardown(&h);
}

/* Two ports: once the first connection is in TIME-WAIT the destination gets the other. */
static void
test_time_wait_moves_on(void)
{
	struct harness h;
	struct tcb *tp;
	uint8_t alg;
	int a, b;

	setup_alg(&h, 1, 3000, 3001);
	for (alg = 1; alg <= 5; alg++) {
		h.st->conf.tcp_port_alg = alg;
		a = select_port(&h, H_PEER_IP, PEER_PORT);
		CU_ASSERT(a == 3000 || a == 3001);
		tp = occupy(&h, H_OUR_IP, (uint16_t)a, H_PEER_IP, PEER_PORT);
		to_time_wait(&h, tp);
		b = select_port(&h, H_PEER_IP, PEER_PORT);
		CU_ASSERT_EQUAL(b, a == 3000 ? 3001 : 3000);
		occupy(&h, H_OUR_IP, (uint16_t)b, H_PEER_IP, PEER_PORT);
		CU_ASSERT_EQUAL(select_port(&h, H_PEER_IP, PEER_PORT), -EADDRNOTAVAIL);
		/* Another destination may reuse both ports. */
		a = select_port(&h, H_OTHER_IP, PEER_PORT);
		CU_ASSERT(a == 3000 || a == 3001);
		release_all(&h);
		/* Let the TIME-WAIT entry go before the next algorithm. */
		h_poll_ns(&h, 2 * MSL_NS);
		CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	}
	teardown(&h);
}

/* ---- Algorithm 4 ---- */

/* 1000 destinations: ports spread over the range (RFC 6056 §3.3.4 offset = F()). */
static void
test_alg4_spread(void)
{
	enum { N = 1000 };
	struct harness h;
	static bool seen[65536];
	unsigned int i, distinct = 0;
	int p;

	setup_alg(&h, 4, BERTH_EPHEMERAL_LO, BERTH_EPHEMERAL_HI);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		/* 10.x.y.z:443, distinct hosts */
		p = select_port(&h, IPV4(10, 0, i >> 8, i & 0xff), 443);
		CU_ASSERT(p >= BERTH_EPHEMERAL_LO && p <= BERTH_EPHEMERAL_HI);
		if (p > 0 && !seen[p]) {
			seen[p] = true;
			distinct++;
		}
	}
	/* 1000 uniform picks among 16384 give ~970 distinct; a constant or a
	 * short cycle gives few. */
	CU_ASSERT(distinct >= 900);
	/* Nothing was occupied: every first probe succeeded. */
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_alloc"), N);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes"), N);
	teardown(&h);
}

/* One destination, earlier tuples still in use: ports advance by one (table[index]++). */
static void
test_alg4_sequential(void)
{
	enum { N = 50 };
	struct harness h;
	const uint32_t num = BERTH_EPHEMERAL_HI - BERTH_EPHEMERAL_LO + 1;
	uint64_t probes0;
	unsigned int i;
	int p, prev;

	setup_alg(&h, 4, BERTH_EPHEMERAL_LO, BERTH_EPHEMERAL_HI);
	prev = select_port(&h, H_PEER_IP, PEER_PORT);
	H_ASSERT(prev > 0);
	occupy(&h, H_OUR_IP, (uint16_t)prev, H_PEER_IP, PEER_PORT);
	for (i = 1; i < N; i++) {
		p = select_port(&h, H_PEER_IP, PEER_PORT);
		H_ASSERT(p > 0);
		CU_ASSERT_EQUAL(mod_diff(p, prev, num), 1);
		occupy(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
		prev = p;
	}
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes"), N);
	/* The next port taken (TIME-WAIT with the same peer): one probe more, skipped. */
	tw_on(&h, H_OUR_IP, (uint16_t)(BERTH_EPHEMERAL_LO + (prev - BERTH_EPHEMERAL_LO + 1) % num),
	      H_PEER_IP, PEER_PORT);
	probes0 = h_counter(&h, "tcp_port_probes");
	p = select_port(&h, H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(mod_diff(p, prev, num), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes") - probes0, 2);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_alloc"), N + 1);
	teardown(&h);
}

/*
 * Algorithm 4 in a busy range: the port chosen, the probe count and the
 * counter after many probes. Ports taken for the destination, a port used
 * only towards another destination (free for this one) and a bound port
 * (never chosen).
 */
static uint16_t
nth_port(int p0, unsigned int i)
{
	const uint32_t num = BERTH_EPHEMERAL_HI - BERTH_EPHEMERAL_LO + 1;

	return (uint16_t)(BERTH_EPHEMERAL_LO + ((uint32_t)p0 - BERTH_EPHEMERAL_LO + i) % num);
}

static void
test_alg4_long_runs(void)
{
	struct harness h;
	uint64_t probes0;
	unsigned int i;
	int p0, p;

	setup_alg(&h, 4, BERTH_EPHEMERAL_LO, BERTH_EPHEMERAL_HI);
	p0 = select_port(&h, H_PEER_IP, PEER_PORT);
	H_ASSERT(p0 > 0);
	/* Next candidates: p0+1 ... Taken for this destination up to p0+40, but
	 * p0+23 carries only a connection to another host (its tuple with this
	 * peer is free), and p0+45 is bound. */
	for (i = 1; i <= 40; i++)
		occupy(&h, H_OUR_IP, nth_port(p0, i), i == 23 ? H_OTHER_IP : H_PEER_IP, PEER_PORT);
	H_ASSERT(tcp_bind_add(h.st, 0, rte_cpu_to_be_16(nth_port(p0, 45)), false) == 0);
	probes0 = h_counter(&h, "tcp_port_probes");
	p = select_port(&h, H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(p, nth_port(p0, 23));
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes") - probes0, 23);
	occupy(&h, H_OUR_IP, (uint16_t)p, H_PEER_IP, PEER_PORT);
	/* The counter moved by 23: the next probe is p0+24, taken up to p0+40,
	 * p0+41..44 free: p0+41 after 17 probes. */
	probes0 = h_counter(&h, "tcp_port_probes");
	p = select_port(&h, H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(p, nth_port(p0, 41));
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes") - probes0, 18);
	for (i = 41; i <= 44; i++)
		occupy(&h, H_OUR_IP, nth_port(p0, i), H_PEER_IP, PEER_PORT);
	/* From p0+42: taken to p0+44, p0+45 bound (bind() holds it), p0+46 free. */
	probes0 = h_counter(&h, "tcp_port_probes");
	p = select_port(&h, H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(p, nth_port(p0, 46));
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes") - probes0, 5);
	tcp_bind_del(h.st, 0, rte_cpu_to_be_16(nth_port(p0, 45)));
	teardown(&h);
}

/*
 * Destination B's next port does not move when A opens connections
 * (RFC 6056 §3.3.4: separate counters). With Algorithm 3's single counter it
 * moves by A's count: the leak that motivated Algorithm 4.
 */
static void
test_alg4_isolated(void)
{
	enum { N = 50 };
	struct harness h;
	const uint32_t num = BERTH_EPHEMERAL_HI - BERTH_EPHEMERAL_LO + 1;
	unsigned int i;
	uint8_t alg;
	int b1, b2;

	setup_alg(&h, 4, BERTH_EPHEMERAL_LO, BERTH_EPHEMERAL_HI);
	for (alg = 3; alg <= 4; alg++) {
		h.st->conf.tcp_port_alg = alg;
		b1 = select_port(&h, H_OTHER_IP, 22);
		H_ASSERT(b1 > 0);
		occupy(&h, H_OUR_IP, (uint16_t)b1, H_OTHER_IP, 22);
		for (i = 0; i < N; i++)
			occupy(&h, H_OUR_IP, (uint16_t)select_port(&h, H_PEER_IP, PEER_PORT),
			       H_PEER_IP, PEER_PORT);
		b2 = select_port(&h, H_OTHER_IP, 22);
		CU_ASSERT_EQUAL(mod_diff(b2, b1, num), alg == 4 ? 1 : N + 1);
		release_all(&h);
	}
	teardown(&h);
}

/*
 * Algorithms 3 and 4 against the RFC's formula, probe by probe: on an
 * 8-port range, every selection must return the first usable port from
 * the counter's position on (wrapping past max_ephemeral), take exactly
 * that many probes, and move the counter by as many, also when it fails.
 * Each round redraws what every port holds: nothing, a connection to the
 * peer, a wildcard bind, both, or a connection to another host (usable).
 */
static void
counter_case(uint8_t alg)
{
	enum { LO = 1000, NUM = 8, ROUNDS = 300 };
	enum { FREE, CONN, BOUND, BOTH, OTHER, NB_USE };
	struct harness h;
	uint8_t use[NUM];
	uint32_t c, i, want, steps;
	unsigned int round;
	uint64_t probes0;
	int p, first;

	setup_alg(&h, alg, LO, LO + NUM - 1);
	srand(alg);
	/* Nothing in use: the first probe succeeds and shows where the counter is. */
	first = select_port(&h, H_PEER_IP, PEER_PORT);
	H_ASSERT(first >= LO && first < LO + NUM);
	c = (uint32_t)(first - LO + 1) % NUM;
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < NUM; i++) {
			use[i] = (uint8_t)(rand() % NB_USE);
			if (use[i] == BOUND || use[i] == BOTH)
				H_ASSERT(tcp_bind_add(h.st, 0, rte_cpu_to_be_16(LO + i), false) == 0);
			if (use[i] == CONN || use[i] == BOTH)
				occupy(&h, H_OUR_IP, (uint16_t)(LO + i), H_PEER_IP, PEER_PORT);
			if (use[i] == OTHER)
				occupy(&h, H_OUR_IP, (uint16_t)(LO + i), H_OTHER_IP, PEER_PORT);
		}
		/* The model: walk from the counter to the first usable port. */
		for (steps = 1; steps <= NUM; steps++) {
			want = (c + steps - 1) % NUM;
			if (use[want] == FREE || use[want] == OTHER)
				break;
		}
		probes0 = h_counter(&h, "tcp_port_probes");
		p = select_port(&h, H_PEER_IP, PEER_PORT);
		if (steps > NUM) {
			CU_ASSERT_EQUAL(p, -EADDRNOTAVAIL);
			steps = NUM;
		} else {
			CU_ASSERT_EQUAL(p, (int)(LO + want));
		}
		CU_ASSERT_EQUAL(h_counter(&h, "tcp_port_probes") - probes0, steps);
		c = (c + steps) % NUM;
		release_all(&h);
		for (i = 0; i < NUM; i++)
			if (use[i] == BOUND || use[i] == BOTH)
				tcp_bind_del(h.st, 0, rte_cpu_to_be_16(LO + i));
	}
	teardown(&h);
}

static void test_counter_alg3(void) { counter_case(3); }
static void test_counter_alg4(void) { counter_case(4); }

/*
 * Statistical sanity for every algorithm: right after A's port, B_i's port
 * is spread over the range rather than a function of A's (e.g. A's + 1).
 */
static void
test_unpredictable(void)
{
	enum { N = 200 };
	struct harness h;
	const uint32_t num = BERTH_EPHEMERAL_HI - BERTH_EPHEMERAL_LO + 1;
	static bool seen[65536];
	unsigned int i, distinct, next_to;
	uint32_t d, max_d;
	uint8_t alg;
	int pa, pb;

	setup_alg(&h, 1, BERTH_EPHEMERAL_LO, BERTH_EPHEMERAL_HI);
	for (alg = 1; alg <= 5; alg++) {
		h.st->conf.tcp_port_alg = alg;
		memset(seen, 0, sizeof(seen));
		distinct = next_to = 0;
		max_d = 0;
		for (i = 0; i < N; i++) {
			pa = select_port(&h, H_PEER_IP, PEER_PORT);
			pb = select_port(&h, IPV4(10, 1, i >> 8, i & 0xff), 443);
			H_ASSERT(pa > 0 && pb > 0);
			d = mod_diff(pb, pa, num);
			max_d = RTE_MAX(max_d, d);
			if (!seen[d]) {
				seen[d] = true;
				distinct++;
			}
			if (d <= 1 || d == num - 1)
				next_to++;
		}
		if (alg == 5) {
			/*
			 * RFC 6056 §3.3.5: B's port is A's plus 1..N (N = 500), so
			 * it is guessable within N: that is the algorithm's
			 * trade-off. Still ~165 distinct of 500 expected.
			 */
			CU_ASSERT(max_d <= 500);
			CU_ASSERT(distinct >= 100);
		} else {
			/* 200 uniform differences among 16384: ~199 distinct, ~0 adjacent. */
			CU_ASSERT(distinct >= 150);
			CU_ASSERT(next_to < 10);
		}
	}
	teardown(&h);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("every algorithm", NULL, NULL);
	CU_add_test(s, "Algorithm 1: range, bound, used tuples", test_range_alg1);
	CU_add_test(s, "Algorithm 2: range, bound, used tuples", test_range_alg2);
	CU_add_test(s, "Algorithm 3: range, bound, used tuples", test_range_alg3);
	CU_add_test(s, "Algorithm 4: range, bound, used tuples", test_range_alg4);
	CU_add_test(s, "Algorithm 5: range, bound, used tuples", test_range_alg5);
	CU_add_test(s, "port 0 never returned", test_never_zero);
	CU_add_test(s, "exhaustion", test_exhaustion);
	CU_add_test(s, "TIME-WAIT tuple not reused", test_time_wait_moves_on);
	CU_add_test(s, "Algorithm 4: long probe runs, counter, bound port", test_alg4_long_runs);
	CU_add_test(s, "ports of one destination say nothing of another's", test_unpredictable);

	s = CU_add_suite("Algorithm 4", NULL, NULL);
	CU_add_test(s, "spread over destinations", test_alg4_spread);
	CU_add_test(s, "sequential for one destination", test_alg4_sequential);
	CU_add_test(s, "destinations isolated (unlike Algorithm 3)", test_alg4_isolated);
	CU_add_test(s, "probe by probe as the RFC's formula", test_counter_alg4);
	CU_add_test(s, "Algorithm 3 probe by probe as the RFC's formula", test_counter_alg3);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
