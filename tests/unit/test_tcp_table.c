/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP tables (stack/tcp_table.c): the connection table with TCBs and
 * compact TIME-WAIT entries, single and bulk lookups, capacity, TIME-WAIT
 * expiry on the virtual clock with one timer, entries in slots given by the
 * hash's key positions, the RFC 7323 state an entry keeps, the listen
 * table, and the port bindings (bind conflicts, live connections and
 * TIME-WAIT on a port, SO_REUSEADDR, free 4-tuples).
 *
 * TCBs are zeroed struct tcb allocated here with only the key set: the table
 * needs nothing else, and no other TCP file is involved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp.h"

#define MSL_NS (30 * BERTH_NS_PER_SEC)   /* the default conf.tcp_msl_ns */

/* ---- helpers ---- */

static struct tcp_key
key4(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_key k = {
		.laddr = laddr, .raddr = raddr,
		.lport = rte_cpu_to_be_16(lport), .rport = rte_cpu_to_be_16(rport),
	};

	return k;
}

/* A TCB from the stack's pool (the table keeps pool slots, not pointers). */
static struct tcb *
tcb_new(struct harness *h, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcb *tp = tcp_pool_get(h->st);

	H_ASSERT(tp != NULL);
	tp->key = key4(laddr, lport, raddr, rport);
	return tp;
}

static void
tcb_put(struct harness *h, struct tcb *tp)
{
	tcp_pool_put(h->st, tp);
}

static void
tcb_gone(struct harness *h, struct tcb *tp)
{
	tcp_table_remove(h->st, tp);
	tcb_put(h, tp);
}

static struct tcp_listener *
listener_new(uint32_t laddr, uint16_t lport)
{
	struct tcp_listener *l = calloc(1, sizeof(*l));

	H_ASSERT(l != NULL);
	l->laddr = laddr;
	l->lport = rte_cpu_to_be_16(lport);
	return l;
}

static uint16_t
be16(uint16_t p)
{
	return rte_cpu_to_be_16(p);
}

/* ---- connection table ---- */

/*
 * The TCB pool: slots of whole cache lines, each with a fixed index that
 * tcp_pool_at maps back; bounded by max_sockets + tcp_max_conns (rounded up
 * to a chunk); a slot given back is handed out again, zeroed; tcp_pool_next
 * walks the slots in use.
 */
static const struct berth_sock_ops dummy_ops;

static void
test_pool(void)
{
	struct berth_stack_conf c = { .max_sockets = 8, .tcp_max_conns = 8 };
	static struct tcb *tp[TCP_POOL_CHUNK];
	struct harness h;
	struct tcb *again;
	unsigned int i;

	h_setup_conf(&h, &c);
	for (i = 0; i < TCP_POOL_CHUNK; i++) {
		tp[i] = tcp_pool_get(h.st);
		H_ASSERT(tp[i] != NULL);
		CU_ASSERT_EQUAL((uintptr_t)tp[i] % RTE_CACHE_LINE_SIZE, 0);
		CU_ASSERT_PTR_EQUAL(tcp_pool_at(&h.st->tcp->pool, tp[i]->pool_idx), tp[i]);
		tp[i]->snd_una = 12345;
	}
	/* 16 TCBs allowed: one chunk of 64, no second one. */
	CU_ASSERT_PTR_NULL(tcp_pool_get(h.st));
	/* tcp_pool_next walks the slots in use (those with ops), in slot order. */
	CU_ASSERT_PTR_NULL(tcp_pool_next(h.st, NULL));
	tp[9]->so.ops = tp[2]->so.ops = &dummy_ops;
	CU_ASSERT_PTR_EQUAL(tcp_pool_next(h.st, NULL), tp[2]->pool_idx < tp[9]->pool_idx ? tp[2] : tp[9]);
	CU_ASSERT_PTR_EQUAL(tcp_pool_next(h.st, tcp_pool_next(h.st, NULL)),
			    tp[2]->pool_idx < tp[9]->pool_idx ? tp[9] : tp[2]);
	tcp_pool_put(h.st, tp[9]);
	CU_ASSERT_PTR_EQUAL(tcp_pool_next(h.st, NULL), tp[2]);
	CU_ASSERT_PTR_NULL(tcp_pool_next(h.st, tp[2]));
	/* The walk goes on from a TCB freed meanwhile (teardown frees as it walks). */
	tp[30]->so.ops = &dummy_ops;
	CU_ASSERT_PTR_EQUAL(tcp_pool_next(h.st, tp[9]),
			    tp[9]->pool_idx < tp[30]->pool_idx ? tp[30] : NULL);
	tp[30]->so.ops = NULL;
	tp[9] = tcp_pool_get(h.st);
	H_ASSERT(tp[9] != NULL);
	tp[2]->so.ops = NULL;
	tcp_pool_put(h.st, tp[5]);
	again = tcp_pool_get(h.st);
	CU_ASSERT_PTR_EQUAL(again, tp[5]);
	CU_ASSERT_EQUAL(again->snd_una, 0);
	CU_ASSERT_PTR_EQUAL(tcp_pool_at(&h.st->tcp->pool, again->pool_idx), again);
	for (i = 0; i < TCP_POOL_CHUNK; i++)
		tcp_pool_put(h.st, tp[i]);
	h_teardown(&h);
}

static void
test_insert_lookup_remove(void)
{
	struct harness h;
	struct tcb *a, *b, *twin;
	struct tcp_lookup r;
	struct tcp_key k;

	h_setup(&h);
	a = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 40000);
	b = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 40001);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, a), 0);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, b), 0);

	r = tcp_table_lookup(h.st, &a->key);
	CU_ASSERT_EQUAL(r.kind, TCP_LK_TCB);
	CU_ASSERT_PTR_EQUAL(r.tcb, a);
	r = tcp_table_lookup(h.st, &b->key);
	CU_ASSERT_EQUAL(r.kind, TCP_LK_TCB);
	CU_ASSERT_PTR_EQUAL(r.tcb, b);
	/* Every field of the key matters. */
	k = key4(H_OUR_IP, 7, H_PEER_IP, 40002);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);
	k = key4(H_OUR_IP, 8, H_PEER_IP, 40000);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);
	k = key4(H_OUR_IP, 7, H_OTHER_IP, 40000);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);
	k = key4(H_OTHER_IP, 7, H_PEER_IP, 40000);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);

	/* Removing another TCB with the same key leaves a's entry alone. */
	twin = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 40000);
	tcp_table_remove(h.st, twin);
	CU_ASSERT_PTR_EQUAL(tcp_table_lookup(h.st, &a->key).tcb, a);
	tcb_put(&h, twin);

	tcp_table_remove(h.st, a);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &a->key).kind, TCP_LK_NONE);
	CU_ASSERT_PTR_EQUAL(tcp_table_lookup(h.st, &b->key).tcb, b);
	/* Idempotent, and the key can be used again. */
	tcp_table_remove(h.st, a);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, a), 0);
	CU_ASSERT_PTR_EQUAL(tcp_table_lookup(h.st, &a->key).tcb, a);

	tcb_gone(&h, a);
	tcb_gone(&h, b);
	h_teardown(&h);
}

static void
test_insert_exists(void)
{
	struct harness h;
	struct tcb *a, *dup, *c;
	struct tcp_key k = key4(H_OUR_IP, 7, H_PEER_IP, 50000);

	h_setup(&h);
	a = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 40000);
	dup = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 40000);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, a), 0);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, dup), -EEXIST);
	CU_ASSERT_PTR_EQUAL(tcp_table_lookup(h.st, &a->key).tcb, a);

	/* A TIME-WAIT entry holds its 4-tuple too, both ways. */
	CU_ASSERT_PTR_NOT_NULL(tcp_tw_insert(h.st, &k, 1, 2, h.now + 2 * MSL_NS));
	c = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 50000);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, c), -EEXIST);
	CU_ASSERT_PTR_NULL(tcp_tw_insert(h.st, &a->key, 1, 2, h.now + 2 * MSL_NS));
	CU_ASSERT_PTR_NULL(tcp_tw_insert(h.st, &k, 1, 2, h.now + 2 * MSL_NS));
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &a->key).kind, TCP_LK_TCB);

	tcb_put(&h, c);
	tcb_put(&h, dup);
	tcb_gone(&h, a);
	h_teardown(&h);
}

/*
 * Capacity is conf.tcp_max_conns exactly, TIME-WAIT entries included. 5 is
 * below rte_hash's minimum of 8 slots, so the table's own count is what
 * refuses the sixth.
 */
static void
test_capacity(void)
{
	enum { CAP = 5 };
	struct berth_stack_conf c;
	struct harness h;
	struct tcb *tp[CAP], *extra;
	struct tcp_key k1 = key4(H_OUR_IP, 9, H_PEER_IP, 1), k2 = key4(H_OUR_IP, 9, H_PEER_IP, 2);
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.tcp_max_conns = CAP;
	h_setup_conf(&h, &c);
	for (i = 0; i < CAP; i++) {
		tp[i] = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1000 + i));
		CU_ASSERT_EQUAL(tcp_table_insert(h.st, tp[i]), 0);
	}
	extra = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 2000);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, extra), -ENOSPC);
	/* TIME-WAIT entries count against the same bound. */
	CU_ASSERT_PTR_NULL(tcp_tw_insert(h.st, &k1, 1, 1, h.now + 2 * MSL_NS));
	/* Present and full: the key's presence is what is reported. */
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, tp[3]), -EEXIST);

	/* One connection into TIME-WAIT: the slot moves, the table stays full. */
	tcp_table_remove(h.st, tp[0]);
	CU_ASSERT_PTR_NOT_NULL(tcp_tw_insert(h.st, &tp[0]->key, 1, 1, h.now + 2 * MSL_NS));
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, extra), -ENOSPC);
	CU_ASSERT_PTR_NULL(tcp_tw_insert(h.st, &k2, 1, 1, h.now + 2 * MSL_NS));
	/* A connection gone frees a slot. */
	tcp_table_remove(h.st, tp[1]);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, extra), 0);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, tp[1]), -ENOSPC);
	/* The TIME-WAIT entry expiring frees one too. */
	h_poll_ns(&h, 2 * MSL_NS);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	CU_ASSERT_EQUAL(tcp_table_insert(h.st, tp[1]), 0);
	CU_ASSERT_PTR_NULL(tcp_tw_insert(h.st, &k2, 1, 1, h.now + 2 * MSL_NS));

	for (i = 0; i < CAP; i++)
		tcb_gone(&h, tp[i]);
	tcb_gone(&h, extra);
	h_teardown(&h);
}

/* A mix of TCB hits, TIME-WAIT hits and misses, more than one bulk chunk. */
static void
test_bulk_lookup(void)
{
	enum { N = 200 };
	struct harness h;
	struct tcp_key keys[N];
	const struct tcp_key *kp[N];
	struct tcp_lookup res[N], one;
	struct tcb *tp[N];
	struct tcp_tw *tw[N];
	unsigned int i, n_tcb = 0, n_tw = 0, n_none = 0;

	h_setup(&h);
	srand(7);
	for (i = 0; i < N; i++) {
		int what = rand() % 3;

		keys[i] = key4(H_OUR_IP, (uint16_t)(80 + i % 3), H_PEER_IP, (uint16_t)(30000 + i));
		kp[i] = &keys[i];
		tp[i] = NULL;
		tw[i] = NULL;
		if (what == 0) {
			tp[i] = tcb_new(&h, H_OUR_IP, (uint16_t)(80 + i % 3), H_PEER_IP,
					(uint16_t)(30000 + i));
			H_ASSERT(tcp_table_insert(h.st, tp[i]) == 0);
		} else if (what == 1) {
			tw[i] = tcp_tw_insert(h.st, &keys[i], i, i + 1, h.now + 2 * MSL_NS);
			H_ASSERT(tw[i] != NULL);
		}
	}
	memset(res, 0xa5, sizeof(res));
	tcp_table_lookup_bulk(h.st, kp, N, res);
	for (i = 0; i < N; i++) {
		one = tcp_table_lookup(h.st, &keys[i]);
		CU_ASSERT_EQUAL(res[i].kind, one.kind);
		if (tp[i] != NULL) {
			CU_ASSERT_EQUAL(res[i].kind, TCP_LK_TCB);
			CU_ASSERT_PTR_EQUAL(res[i].tcb, tp[i]);
			n_tcb++;
		} else if (tw[i] != NULL) {
			CU_ASSERT_EQUAL(res[i].kind, TCP_LK_TW);
			CU_ASSERT_PTR_EQUAL(res[i].tw, tw[i]);
			CU_ASSERT_EQUAL(tcp_tw_snd_nxt(res[i].tw), i);
			n_tw++;
		} else {
			CU_ASSERT_EQUAL(res[i].kind, TCP_LK_NONE);
			n_none++;
		}
	}
	CU_ASSERT(n_tcb > 20 && n_tw > 20 && n_none > 20);
	/* An odd count and an offset start: the last partial chunk is right too. */
	tcp_table_lookup_bulk(h.st, kp + 5, 67, res);
	for (i = 0; i < 67; i++)
		CU_ASSERT_EQUAL(res[i].kind, tcp_table_lookup(h.st, &keys[i + 5]).kind);
	tcp_table_lookup_bulk(h.st, kp, 0, res);

	for (i = 0; i < N; i++)
		if (tp[i] != NULL)
			tcb_gone(&h, tp[i]);
	h_teardown(&h);
}

/* ---- TIME-WAIT ---- */

static void
test_tw_entry(void)
{
	struct harness h;
	struct tcb *tp;
	struct tcp_tw *tw;
	struct tcp_lookup r;
	struct tcp_key k;

	h_setup(&h);
	tp = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, 40000);
	H_ASSERT(tcp_table_insert(h.st, tp) == 0);
	k = tp->key;
	/* What tcp_enter_time_wait does: the TCB goes, a compact entry comes. */
	tcp_table_remove(h.st, tp);
	tcb_put(&h, tp);
	tw = tcp_tw_insert(h.st, &k, 0xfffffff0u, 12345, h.now + 2 * MSL_NS);
	H_ASSERT(tw != NULL);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_time_wait"), 1);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);

	r = tcp_table_lookup(h.st, &k);
	CU_ASSERT_EQUAL(r.kind, TCP_LK_TW);
	CU_ASSERT_PTR_EQUAL(r.tw, tw);
	CU_ASSERT_EQUAL(tcp_tw_snd_nxt(r.tw), 0xfffffff0u);
	CU_ASSERT_EQUAL(tcp_tw_rcv_nxt(r.tw), 12345);
	CU_ASSERT_EQUAL(memcmp(tcp_tw_key(h.st, r.tw), &k, sizeof(k)), 0);

	/* Removal (a SYN reopening the tuple, RFC 6191) frees it without expiry. */
	tcp_tw_remove(h.st, tw);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	h_poll_ns(&h, 3 * MSL_NS);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_tw_expired"), 0);
	h_teardown(&h);
}

/* The RFC 7323 state an entry keeps, beside its expiry (flags share its word). */
static void
test_tw_ts_state(void)
{
	struct harness h;
	struct tcp_key k = key4(H_OUR_IP, 7, H_PEER_IP, 40000);
	struct tcp_key k2 = key4(H_OUR_IP, 7, H_PEER_IP, 40001);
	struct tcp_tw_ts ts;
	struct tcp_tw *tw, *tw2;

	h_setup(&h);
	/* A second entry first: the key position of tw is not 0. */
	tw2 = tcp_tw_insert(h.st, &k2, 1, 1, h.now + 2 * MSL_NS);
	tw = tcp_tw_insert(h.st, &k, 100, 200, h.now + 2 * MSL_NS);
	H_ASSERT(tw != NULL && tw2 != NULL);
	/* Without timestamps until told. */
	memset(&ts, 0xff, sizeof(ts));
	tcp_tw_get_ts(tw, &ts);
	CU_ASSERT_FALSE(ts.on);
	CU_ASSERT_FALSE(ts.recent_ok);

	tcp_tw_set_ts(tw, &(struct tcp_tw_ts){ .on = true, .recent_ok = true,
						.recent = 0xfffffffeu, .off = 0x80000001u });
	tcp_tw_get_ts(tw, &ts);
	CU_ASSERT_TRUE(ts.on);
	CU_ASSERT_TRUE(ts.recent_ok);
	CU_ASSERT_EQUAL(ts.recent, 0xfffffffeu);
	CU_ASSERT_EQUAL(ts.off, 0x80000001u);
	/* The flags left the key, the sequence numbers and the other entry alone. */
	CU_ASSERT_EQUAL(memcmp(tcp_tw_key(h.st, tw), &k, sizeof(k)), 0);
	CU_ASSERT_EQUAL(memcmp(tcp_tw_key(h.st, tw2), &k2, sizeof(k2)), 0);
	CU_ASSERT_EQUAL(tcp_tw_snd_nxt(tw), 100);
	CU_ASSERT_EQUAL(tcp_tw_rcv_nxt(tw), 200);
	tcp_tw_get_ts(tw2, &ts);
	CU_ASSERT_FALSE(ts.on);

	/* TS.Recent unknown: only "on" is kept. */
	tcp_tw_set_ts(tw, &(struct tcp_tw_ts){ .on = true, .recent_ok = false, .off = 7 });
	tcp_tw_get_ts(tw, &ts);
	CU_ASSERT_TRUE(ts.on);
	CU_ASSERT_FALSE(ts.recent_ok);
	CU_ASSERT_EQUAL(ts.off, 7);
	tcp_tw_set_ts(tw, &(struct tcp_tw_ts){ .on = false });
	tcp_tw_get_ts(tw, &ts);
	CU_ASSERT_FALSE(ts.on);
	CU_ASSERT_EQUAL(memcmp(tcp_tw_key(h.st, tw), &k, sizeof(k)), 0);

	/* Removal still finds the key through its position. */
	tcp_tw_set_ts(tw, &(struct tcp_tw_ts){ .on = true, .recent_ok = true, .recent = 1 });
	tcp_tw_remove(h.st, tw);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k2).kind, TCP_LK_TW);
	CU_ASSERT(tcp_tuple_free(h.st, &k));
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	/* A removed entry is not removed twice. */
	tcp_tw_remove(h.st, tw);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	h_teardown(&h);
}

/* A slot taken again starts afresh: nothing of the timestamps of the entry before. */
static void
test_tw_slot_fresh(void)
{
	enum { N = 8 };
	struct berth_stack_conf c = { .tcp_max_conns = N };
	struct tcp_tw *tw[N];
	struct tcp_tw_ts ts;
	struct harness h;
	struct tcp_key k;
	unsigned int i, round;

	h_setup_conf(&h, &c);
	for (round = 0; round < 2; round++) {
		/* N entries fill every key position of the table: round 1 reuses all. */
		for (i = 0; i < N; i++) {
			k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1 + i + round * N));
			tw[i] = tcp_tw_insert(h.st, &k, 1, 1, h.now + 2 * MSL_NS);
			H_ASSERT(tw[i] != NULL);
			tcp_tw_get_ts(tw[i], &ts);
			CU_ASSERT_FALSE(ts.on);
			CU_ASSERT_FALSE(ts.recent_ok);
			CU_ASSERT_EQUAL(ts.recent, 0);
			CU_ASSERT_EQUAL(ts.off, 0);
			tcp_tw_set_ts(tw[i], &(struct tcp_tw_ts){ .on = true, .recent_ok = true,
								  .recent = 99, .off = 77 });
		}
		k = key4(H_OUR_IP, 7, H_PEER_IP, 999);
		CU_ASSERT_PTR_NULL(tcp_tw_insert(h.st, &k, 1, 1, h.now + 2 * MSL_NS));
		for (i = 0; i < N; i++)
			tcp_tw_remove(h.st, tw[i]);
		CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	}
	h_teardown(&h);
}

/* Entries are handed out from one pool: their stride is the entry's size. */
static void
test_tw_size(void)
{
	enum { N = 64 };
	struct harness h;
	struct tcp_key k;
	uintptr_t lo = UINTPTR_MAX, hi = 0, p;
	unsigned int i;

	h_setup(&h);
	for (i = 0; i < N; i++) {
		k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1 + i));
		p = (uintptr_t)tcp_tw_insert(h.st, &k, 1, 1, h.now + 2 * MSL_NS);
		H_ASSERT(p != 0);
		lo = RTE_MIN(lo, p);
		hi = RTE_MAX(hi, p);
	}
	/* N entries within (N - 1) * 64 bytes: at most 64 bytes each. */
	CU_ASSERT(hi - lo <= (N - 1) * 64);
	/* What tcp_table.c asserts at compile time: 32 B plus the 32 B hash slot. */
	CU_ASSERT_EQUAL(hi - lo, (N - 1) * 32);
	h_teardown(&h);
}

static void
test_tw_expiry_exact(void)
{
	struct harness h;
	struct tcp_key k = key4(H_OUR_IP, 7, H_PEER_IP, 40000);

	h_setup(&h);
	H_ASSERT(tcp_tw_insert(h.st, &k, 1, 2, h.now + 2 * MSL_NS) != NULL);
	h_poll_ns(&h, MSL_NS);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_TW);
	h_poll_ns(&h, MSL_NS - 1);
	/* One nanosecond before 2*MSL: still there. */
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_TW);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_tw_expired"), 0);
	h_poll_ns(&h, 1);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_tw_expired"), 1);
	/* The tuple is free again. */
	CU_ASSERT(tcp_tuple_free(h.st, &k));
	h_teardown(&h);
}

/*
 * An entry's slot is its key's position in the hash: positions freed by
 * TCBs and entries are taken again, and every entry still finds its own
 * key and is found by it.
 */
static void
test_tw_slots_reused(void)
{
	enum { N = 40 };
	struct harness h;
	struct tcb *tp[N];
	struct tcp_tw *tw[N];
	struct tcp_lookup r;
	struct tcp_key k;
	unsigned int i, round;

	h_setup(&h);
	memset(tp, 0, sizeof(tp));
	memset(tw, 0, sizeof(tw));
	for (round = 0; round < 3; round++) {
		/* Even ports: TCBs; odd ports: TIME-WAIT entries; each round frees half of each. */
		for (i = 0; i < N; i++) {
			k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1000 + i));
			if (i % 2 == 0 && tp[i] == NULL) {
				tp[i] = tcb_new(&h, H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1000 + i));
				H_ASSERT(tcp_table_insert(h.st, tp[i]) == 0);
			} else if (i % 2 == 1 && tw[i] == NULL) {
				tw[i] = tcp_tw_insert(h.st, &k, i, 1000 * round + i,
						      h.now + 2 * MSL_NS);
				H_ASSERT(tw[i] != NULL);
			}
		}
		for (i = 0; i < N; i++) {
			k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1000 + i));
			r = tcp_table_lookup(h.st, &k);
			if (i % 2 == 0) {
				CU_ASSERT_EQUAL(r.kind, TCP_LK_TCB);
				CU_ASSERT_PTR_EQUAL(r.tcb, tp[i]);
				continue;
			}
			CU_ASSERT_EQUAL(r.kind, TCP_LK_TW);
			CU_ASSERT_PTR_EQUAL(r.tw, tw[i]);
			CU_ASSERT_EQUAL(memcmp(tcp_tw_key(h.st, tw[i]), &k, sizeof(k)), 0);
			CU_ASSERT_EQUAL(tcp_tw_snd_nxt(tw[i]), i);
		}
		for (i = round % 2; i < N; i += 4) {
			tcb_gone(&h, tp[i & ~1u]);
			tp[i & ~1u] = NULL;
			tcp_tw_remove(h.st, tw[i | 1u]);
			tw[i | 1u] = NULL;
		}
	}
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), N / 4);
	for (i = 0; i < N; i++)
		if (tp[i] != NULL)
			tcb_gone(&h, tp[i]);
	h_teardown(&h);
}

static void
test_tw_restart(void)
{
	struct harness h;
	struct tcp_key a = key4(H_OUR_IP, 7, H_PEER_IP, 40000);
	struct tcp_key b = key4(H_OUR_IP, 7, H_PEER_IP, 40001);
	struct tcp_tw *twa;
	uint64_t t0;

	h_setup(&h);
	t0 = h.now;
	twa = tcp_tw_insert(h.st, &a, 1, 2, t0 + 2 * MSL_NS);
	H_ASSERT(twa != NULL);
	h_poll_ns(&h, BERTH_NS_PER_SEC);
	H_ASSERT(tcp_tw_insert(h.st, &b, 1, 2, h.now + 2 * MSL_NS) != NULL);
	/* At t0 + 30 s a retransmitted FIN restarts a's 2*MSL (the head of the FIFO). */
	h_poll_ns(&h, MSL_NS - BERTH_NS_PER_SEC);
	tcp_tw_restart(h.st, twa, h.now + 2 * MSL_NS);

	/* t0 + 61 s: b (inserted at t0 + 1 s) expires, a does not. */
	h_poll_ns(&h, MSL_NS + BERTH_NS_PER_SEC - 1);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 2);
	h_poll_ns(&h, 1);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &b).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &a).kind, TCP_LK_TW);
	/* a goes exactly at t0 + 90 s. */
	h_poll_ns(&h, t0 + 3 * MSL_NS - 1 - h.now);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &a).kind, TCP_LK_TW);
	h_poll_ns(&h, 1);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &a).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_tw_expired"), 2);
	h_teardown(&h);
}

/* An entry with an earlier expiry than the newest (MSL lowered at run time) still goes first. */
static void
test_tw_earlier_expiry(void)
{
	struct harness h;
	struct tcp_key a = key4(H_OUR_IP, 7, H_PEER_IP, 40000);
	struct tcp_key b = key4(H_OUR_IP, 7, H_PEER_IP, 40001);
	struct tcp_key c = key4(H_OUR_IP, 7, H_PEER_IP, 40002);
	uint64_t t0;

	h_setup(&h);
	t0 = h.now;
	H_ASSERT(tcp_tw_insert(h.st, &a, 1, 1, t0 + 2 * MSL_NS) != NULL);
	H_ASSERT(tcp_tw_insert(h.st, &b, 1, 1, t0 + 10 * BERTH_NS_PER_SEC) != NULL);
	H_ASSERT(tcp_tw_insert(h.st, &c, 1, 1, t0 + 20 * BERTH_NS_PER_SEC) != NULL);
	h_poll_ns(&h, 10 * BERTH_NS_PER_SEC);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &b).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 2);
	h_poll_ns(&h, 10 * BERTH_NS_PER_SEC);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &c).kind, TCP_LK_NONE);
	CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &a).kind, TCP_LK_TW);
	h_poll_ns(&h, 2 * MSL_NS - 20 * BERTH_NS_PER_SEC);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_tw_expired"), 3);
	h_teardown(&h);
}

/* Many entries, one wheel timer, expiry in insertion order. */
static void
test_tw_many_one_timer(void)
{
	enum { N = 500, STEP_MS = 10 };
	struct harness h;
	struct tcp_key k;
	uint64_t armed0;
	unsigned int i, j;

	h_setup(&h);
	armed0 = h.st->wheel.armed;
	for (i = 0; i < N; i++) {
		k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(20000 + i));
		H_ASSERT(tcp_tw_insert(h.st, &k, i, i, h.now + 2 * MSL_NS) != NULL);
		h_poll(&h, STEP_MS);
	}
	CU_ASSERT_EQUAL(h.st->wheel.armed, armed0 + 1);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), N);

	/* Entry i was inserted at t0 + i * STEP: it expires at t0 + i * STEP + 2*MSL. */
	h_poll_ns(&h, 2 * MSL_NS - (uint64_t)N * STEP_MS * BERTH_NS_PER_MS);
	for (i = 0; i < N; i++) {
		/* Now t0 + i * STEP + 2*MSL: entries 0..i are gone, the rest remain. */
		CU_ASSERT_EQUAL(tcp_tw_count(h.st), N - i - 1);
		for (j = i; j < RTE_MIN(i + 2, (unsigned int)N); j++) {
			k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(20000 + j));
			CU_ASSERT_EQUAL(tcp_table_lookup(h.st, &k).kind,
					j <= i ? TCP_LK_NONE : TCP_LK_TW);
		}
		if (i + 1 < N)
			h_poll(&h, STEP_MS);
	}
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_tw_expired"), N);
	CU_ASSERT_EQUAL(h.st->wheel.armed, armed0);
	h_teardown(&h);
}

/* Entries still present at teardown are freed with the table (leak check in fini). */
static void
test_tw_teardown(void)
{
	struct harness h;
	struct tcp_key k;
	unsigned int i;

	h_setup(&h);
	for (i = 0; i < 100; i++) {
		k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(1 + i));
		H_ASSERT(tcp_tw_insert(h.st, &k, 1, 1, h.now + 2 * MSL_NS) != NULL);
	}
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 100);
	h_teardown(&h);
}

/* ---- listen table ---- */

static void
test_listen(void)
{
	struct harness h;
	struct tcp_listener *w = listener_new(0, 80), *s = listener_new(H_OUR_IP, 80);
	struct tcp_listener *w2 = listener_new(0, 80), *s2 = listener_new(H_OUR_IP, 80);
	struct tcp_listener *o = listener_new(H_OTHER_IP, 80);

	h_setup(&h);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)));
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, s), 0);
	/* Specific only: it answers its address, not another one. */
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)), s);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OTHER_IP, be16(80)));
	/* A wildcard listener would overlap it; a second address does not. */
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, w), -EADDRINUSE);
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, s2), -EADDRINUSE);
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, o), 0);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OTHER_IP, be16(80)), o);
	tcp_listen_remove(h.st, o);
	tcp_listen_remove(h.st, s);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)));

	/* Wildcard: it answers every address, and excludes every other listener. */
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, w), 0);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)), w);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OTHER_IP, be16(80)), w);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OUR_IP, be16(81)));
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, w2), -EADDRINUSE);
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, s), -EADDRINUSE);
	/* Removing a listener that is not the one in the table changes nothing. */
	tcp_listen_remove(h.st, w2);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)), w);
	tcp_listen_remove(h.st, w);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)));
	tcp_listen_remove(h.st, w);

	free(w);
	free(w2);
	free(s);
	free(s2);
	free(o);
	h_teardown(&h);
}

/* Listeners on different ports are independent. */
static void
test_listen_ports(void)
{
	struct harness h;
	struct tcp_listener *w = listener_new(0, 443), *s = listener_new(H_OUR_IP, 80);
	struct tcp_listener *w80;

	h_setup(&h);
	/* Listeners on different ports never conflict. */
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, w), 0);
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, s), 0);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OUR_IP, be16(443)), w);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(h.st, H_OUR_IP, be16(80)), s);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OTHER_IP, be16(80)));
	/* The wildcard listener on 80 cannot join while s is there (insert refuses it). */
	w80 = listener_new(0, 80);
	CU_ASSERT_EQUAL(tcp_listen_insert(h.st, w80), -EADDRINUSE);
	CU_ASSERT_PTR_NULL(tcp_listen_lookup(h.st, H_OTHER_IP, be16(80)));
	tcp_listen_remove(h.st, w);
	tcp_listen_remove(h.st, s);
	free(w);
	free(s);
	free(w80);
	h_teardown(&h);
}

/* ---- bindings ---- */

static void
test_bind_matrix(void)
{
	const struct {
		uint32_t first, second;
		int expect;
	} cases[] = {
		{ 0, 0, -EADDRINUSE },                  /* wildcard, wildcard */
		{ 0, H_OUR_IP, -EADDRINUSE },           /* wildcard, specific */
		{ H_OUR_IP, 0, -EADDRINUSE },           /* specific, wildcard */
		{ H_OUR_IP, H_OUR_IP, -EADDRINUSE },    /* same specific */
		{ H_OUR_IP, H_OTHER_IP, 0 },            /* different specific */
	};
	struct harness h;
	unsigned int i;

	h_setup(&h);
	for (i = 0; i < RTE_DIM(cases); i++) {
		CU_ASSERT_FALSE(tcp_port_bound(h.st, H_OUR_IP, be16(5000)));
		CU_ASSERT_EQUAL(tcp_bind_add(h.st, cases[i].first, be16(5000), false), 0);
		CU_ASSERT_EQUAL(tcp_bind_add(h.st, cases[i].second, be16(5000), false),
				cases[i].expect);
		/* reuseaddr does not allow two bindings of one address either. */
		CU_ASSERT_EQUAL(tcp_bind_add(h.st, cases[i].first, be16(5000), true), -EADDRINUSE);
		/* Another port is never affected. */
		CU_ASSERT_EQUAL(tcp_bind_add(h.st, cases[i].second, be16(5001), false), 0);
		tcp_bind_del(h.st, cases[i].second, be16(5001));
		tcp_bind_del(h.st, cases[i].first, be16(5000));
		if (cases[i].expect == 0)
			tcp_bind_del(h.st, cases[i].second, be16(5000));
	}
	/* Everything released: the port is free on every address. */
	CU_ASSERT_FALSE(tcp_port_bound(h.st, 0, be16(5000)));
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, 0, be16(5000), false), 0);
	/* Port 0 is never bound. */
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, 0, false), -EINVAL);
	/* Deleting what is not bound does nothing. */
	tcp_bind_del(h.st, H_OTHER_IP, be16(5000));
	CU_ASSERT(tcp_port_bound(h.st, H_OUR_IP, be16(5000)));
	h_teardown(&h);
}

static void
test_port_bound(void)
{
	struct harness h;

	h_setup(&h);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(6000), false), 0);
	CU_ASSERT(tcp_port_bound(h.st, H_OUR_IP, be16(6000)));
	CU_ASSERT(tcp_port_bound(h.st, 0, be16(6000)));
	CU_ASSERT_FALSE(tcp_port_bound(h.st, H_OTHER_IP, be16(6000)));
	CU_ASSERT_FALSE(tcp_port_bound(h.st, H_OUR_IP, be16(6001)));
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, 0, be16(6001), false), 0);
	CU_ASSERT(tcp_port_bound(h.st, H_OUR_IP, be16(6001)));
	CU_ASSERT(tcp_port_bound(h.st, H_OTHER_IP, be16(6001)));
	tcp_bind_del(h.st, 0, be16(6001));
	CU_ASSERT_FALSE(tcp_port_bound(h.st, H_OTHER_IP, be16(6001)));
	tcp_bind_del(h.st, H_OUR_IP, be16(6000));
	CU_ASSERT_FALSE(tcp_port_bound(h.st, H_OUR_IP, be16(6000)));
	h_teardown(&h);
}

static void
test_bind_live_conn(void)
{
	struct harness h;
	struct tcb *tp;

	h_setup(&h);
	tp = tcb_new(&h, H_OUR_IP, 5000, H_PEER_IP, 80);
	H_ASSERT(tcp_table_insert(h.st, tp) == 0);
	/* The port is in use by a connection (Linux: EADDRINUSE)... */
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5000), false), -EADDRINUSE);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, 0, be16(5000), false), -EADDRINUSE);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5001), false), 0);
	/* ...unless SO_REUSEADDR: a restarted server binds over its old children. */
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, 0, be16(5000), true), 0);
	/* A listener (a binding) still refuses a second bind, reuseaddr or not. */
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5000), true), -EADDRINUSE);
	tcp_bind_del(h.st, 0, be16(5000));
	/* A connection is not a binding: tcp_port_bound stays false. */
	CU_ASSERT_FALSE(tcp_port_bound(h.st, H_OUR_IP, be16(5000)));
	tcp_table_remove(h.st, tp);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5000), false), 0);
	tcb_put(&h, tp);
	h_teardown(&h);
}

static void
test_bind_time_wait(void)
{
	struct harness h;
	struct tcp_key k = key4(H_OUR_IP, 5000, H_PEER_IP, 80);

	h_setup(&h);
	H_ASSERT(tcp_tw_insert(h.st, &k, 1, 1, h.now + 2 * MSL_NS) != NULL);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5000), false), -EADDRINUSE);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, 0, be16(5000), false), -EADDRINUSE);
	/* SO_REUSEADDR binds over TIME-WAIT; the tuple itself stays taken. */
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5000), true), 0);
	CU_ASSERT_FALSE(tcp_tuple_free(h.st, &k));
	tcp_bind_del(h.st, H_OUR_IP, be16(5000));
	/* After 2*MSL the port is free for everyone. */
	h_poll_ns(&h, 2 * MSL_NS);
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5000), false), 0);
	h_teardown(&h);
}

static void
test_tuple_free(void)
{
	struct harness h;
	struct tcb *tp;
	struct tcp_key other = key4(H_OUR_IP, 5000, H_PEER_IP, 81);
	struct tcp_key tk = key4(H_OUR_IP, 5001, H_PEER_IP, 80);
	struct tcp_tw *tw;

	h_setup(&h);
	tp = tcb_new(&h, H_OUR_IP, 5000, H_PEER_IP, 80);
	CU_ASSERT(tcp_tuple_free(h.st, &tp->key));
	H_ASSERT(tcp_table_insert(h.st, tp) == 0);
	CU_ASSERT_FALSE(tcp_tuple_free(h.st, &tp->key));
	/* Same local port, another peer port: a different connection. */
	CU_ASSERT(tcp_tuple_free(h.st, &other));
	tw = tcp_tw_insert(h.st, &tk, 1, 1, h.now + 2 * MSL_NS);
	H_ASSERT(tw != NULL);
	CU_ASSERT_FALSE(tcp_tuple_free(h.st, &tk));
	/* A binding alone does not take a tuple. */
	CU_ASSERT_EQUAL(tcp_bind_add(h.st, H_OUR_IP, be16(5002), false), 0);
	other = key4(H_OUR_IP, 5002, H_PEER_IP, 80);
	CU_ASSERT(tcp_tuple_free(h.st, &other));
	tcp_tw_remove(h.st, tw);
	CU_ASSERT(tcp_tuple_free(h.st, &tk));
	tk = tp->key;
	tcb_gone(&h, tp);
	CU_ASSERT(tcp_tuple_free(h.st, &tk));
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("connections", NULL, NULL);
	CU_add_test(s, "TCB pool: indexes, bound, reuse", test_pool);
	CU_add_test(s, "insert, lookup, remove", test_insert_lookup_remove);
	CU_add_test(s, "insert of a present key", test_insert_exists);
	CU_add_test(s, "capacity", test_capacity);
	CU_add_test(s, "bulk lookup equals single lookups", test_bulk_lookup);

	s = CU_add_suite("time-wait", NULL, NULL);
	CU_add_test(s, "entry and lookup", test_tw_entry);
	CU_add_test(s, "timestamp state beside the expiry", test_tw_ts_state);
	CU_add_test(s, "entry size", test_tw_size);
	CU_add_test(s, "expiry exactly at 2*MSL", test_tw_expiry_exact);
	CU_add_test(s, "slots are key positions, reused", test_tw_slots_reused);
	CU_add_test(s, "a reused slot starts afresh", test_tw_slot_fresh);
	CU_add_test(s, "restart", test_tw_restart);
	CU_add_test(s, "earlier expiry goes first", test_tw_earlier_expiry);
	CU_add_test(s, "many entries, one timer", test_tw_many_one_timer);
	CU_add_test(s, "freed at teardown", test_tw_teardown);

	s = CU_add_suite("listen", NULL, NULL);
	CU_add_test(s, "wildcard and specific", test_listen);
	CU_add_test(s, "ports apart", test_listen_ports);

	s = CU_add_suite("bindings", NULL, NULL);
	CU_add_test(s, "conflict matrix", test_bind_matrix);
	CU_add_test(s, "port bound", test_port_bound);
	CU_add_test(s, "live connection blocks bind without SO_REUSEADDR", test_bind_live_conn);
	CU_add_test(s, "TIME-WAIT blocks bind unless reuseaddr", test_bind_time_wait);
	CU_add_test(s, "free 4-tuples", test_tuple_free);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
