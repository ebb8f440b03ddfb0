/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME-WAIT with timestamps, on the per-state fixture: RFC 6191 §2 (a SYN
 * reopens a TIME-WAIT 4-tuple when its TSval is newer than TS.Recent,
 * whatever its sequence number; an equal TSval needs a higher sequence
 * number; an older one never reopens; without timestamps on either side
 * the sequence number decides), the new ISS above the old incarnation
 * (RFC 1122 §4.2.2.13), and the Timestamps option on the ACKs of a compact
 * TIME-WAIT entry (RFC 7323 §3.2, §4.3).
 *
 * The connection is passive (a listener on TF_PORT takes the new SYN) and
 * built here, not by tf_tcb_in_state, because every segment of the peer
 * carries Timestamps. The peer's options are written byte by byte (scapy:
 * TCP(options=[('MSS',1460),('NOP',None),('NOP',None),('Timestamp',(v,e))])
 * gives the same 16 bytes).
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "tcp_fixture.h"

#define PEER_TS 100000u          /* the peer's first TSval, unless a test wraps it */

/* The peer's options: MSS (mss != 0), then NOP, NOP, TS (when ts). Returns the length. */
static uint8_t
opts(uint8_t *o, uint16_t mss, bool ts, uint32_t tsval, uint32_t tsecr)
{
	uint8_t n = 0;

	if (mss != 0) {
		o[n++] = 2;
		o[n++] = 4;
		o[n++] = (uint8_t)(mss >> 8);
		o[n++] = (uint8_t)mss;
	}
	if (ts) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		o[n++] = (uint8_t)(tsval >> 24);
		o[n++] = (uint8_t)(tsval >> 16);
		o[n++] = (uint8_t)(tsval >> 8);
		o[n++] = (uint8_t)tsval;
		o[n++] = (uint8_t)(tsecr >> 24);
		o[n++] = (uint8_t)(tsecr >> 16);
		o[n++] = (uint8_t)(tsecr >> 8);
		o[n++] = (uint8_t)tsecr;
	}
	return n;
}

/* A segment of the peer on the fixture's 4-tuple, with Timestamps when ts. */
static struct rte_mbuf *
seg(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, bool ts, uint32_t tsval,
    const void *data, uint16_t len)
{
	uint8_t o[16];
	uint8_t n = opts(o, (flags & TCP_SYN) ? TF_PEER_MSS : 0, ts, tsval, 0);

	return tf_raw_opts(f, flags, seq, ack, TF_PEER_WIN, o, n, data, len);
}

/* The TIME-WAIT connection a test starts from. */
struct tw_conn {
	bool ts;                 /* both SYNs carried Timestamps */
	uint32_t peer_ts;        /* the peer's last TSval: TS.Recent */
	uint32_t our_ts0;        /* our TSval at t0 (our SYN-ACK) */
	uint64_t t0;
	tcp_seq snd, rcv;        /* SND.NXT, RCV.NXT of the entry */
};

/* Our TSval at the fixture's now: the connection's ms clock. */
static uint32_t
our_ts(const struct tf *f, const struct tw_conn *c)
{
	return c->our_ts0 + (uint32_t)((f->h.now - c->t0) / BERTH_NS_PER_MS);
}

/*
 * Listener, the peer's SYN (Timestamps from ts0 when ts), handshake,
 * accept, our close (app_holds: shutdown, the descriptor stays), ACK of our
 * FIN, the peer's FIN: TIME-WAIT. Every segment of the peer carries the
 * next TSval; every one of ours is checked.
 */
static bool
tw_passive(struct tf *f, bool ts, uint32_t ts0, bool app_holds, struct tw_conn *c)
{
	struct tcp_lookup lk;
	struct tf_pkt p;
	int ret;

	memset(c, 0, sizeof(*c));
	c->ts = ts;
	tf_tcb_in_state(f, TCP_LISTEN);
	if (f->l == NULL)
		return false;
	tf_in(f, seg(f, TCP_SYN, f->irs, 0, ts, ts0, NULL, 0));
	if (!tf_tx_tcp(f, &p))
		return false;
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.opts.ts_ok, ts);
	f->iss = p.seq;
	c->our_ts0 = p.opts.tsval;
	c->t0 = f->h.now;
	h_poll(&f->h, 3);
	tf_in(f, seg(f, TCP_ACK, f->irs + 1, f->iss + 1, ts, ts0 + 1, NULL, 0));
	if (!tf_expect_none(f))
		return false;
	f->sd = berth_sock_accept(f->h.st, f->lsd, NULL);
	lk = tcp_table_lookup(f->h.st, &f->key);
	CU_ASSERT(f->sd >= 0 && lk.kind == TCP_LK_TCB);
	if (f->sd < 0 || lk.kind != TCP_LK_TCB)
		return false;
	f->tp = lk.tcb;
	CU_ASSERT_EQUAL(f->tp->ts_on, ts);
	if (app_holds) {
		ret = berth_sock_shutdown(f->h.st, f->sd, BERTH_SHUT_WR);
	} else {
		ret = berth_sock_close(f->h.st, f->sd);
		f->sd = -1;
	}
	CU_ASSERT_EQUAL(ret, 0);
	if (!tf_expect_pkt(f, TCP_FIN | TCP_ACK, f->iss + 1, f->irs + 1, &p))
		return false;
	CU_ASSERT_EQUAL(p.opts.ts_ok, ts);
	h_poll(&f->h, 2);
	tf_in(f, seg(f, TCP_ACK, f->irs + 1, f->iss + 2, ts, ts0 + 2, NULL, 0));
	if (!tf_expect_none(f))
		return false;
	h_poll(&f->h, 5);
	tf_in(f, seg(f, TCP_FIN | TCP_ACK, f->irs + 1, f->iss + 2, ts, ts0 + 3, NULL, 0));
	if (!tf_expect_pkt(f, TCP_ACK, f->iss + 2, f->irs + 2, &p) || !tf_expect_none(f))
		return false;
	if (ts) {
		CU_ASSERT_EQUAL(p.opts.tsecr, ts0 + 3);
		CU_ASSERT_EQUAL(p.opts.tsval, our_ts(f, c));
	}
	CU_ASSERT_PTR_NOT_NULL(tf_tw(f));
	if (tf_tw(f) == NULL)
		return false;
	if (!app_holds)
		f->tp = NULL;
	c->peer_ts = ts0 + 3;
	c->snd = f->iss + 2;
	c->rcv = f->irs + 2;
	CU_ASSERT_EQUAL(tcp_tw_snd_nxt(tf_tw(f)), c->snd);
	CU_ASSERT_EQUAL(tcp_tw_rcv_nxt(tf_tw(f)), c->rcv);
	return true;
}

/*
 * A SYN of the peer reopened the 4-tuple: a SYN-ACK for it from a new
 * child of the listener, its ISS above the old SND.NXT and a window
 * (RFC 1122 §4.2.2.13); the handshake completes.
 */
static void
expect_reopened(struct tf *f, const struct tw_conn *c, tcp_seq syn_seq, bool syn_ts,
		uint32_t syn_tsval)
{
	struct tcp_lookup lk;
	struct tf_pkt p;

	if (!tf_tx_tcp(f, &p))
		return;
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, syn_seq + 1);
	CU_ASSERT(seq_geq(p.seq, c->snd + TCP_MAX_WIN + 2));
	/* The new incarnation negotiates afresh (RFC 7323 §3.2). */
	CU_ASSERT_EQUAL(p.opts.ts_ok, syn_ts);
	if (syn_ts)
		CU_ASSERT_EQUAL(p.opts.tsecr, syn_tsval);
	tf_expect_none(f);
	CU_ASSERT_EQUAL(tcp_tw_count(f->h.st), 0);
	CU_ASSERT_PTR_NULL(tf_tw(f));
	lk = tcp_table_lookup(f->h.st, &f->key);
	CU_ASSERT_EQUAL(lk.kind, TCP_LK_TCB);
	if (lk.kind != TCP_LK_TCB)
		return;
	CU_ASSERT_EQUAL(lk.tcb->state, TCP_SYN_RECEIVED);
	CU_ASSERT_PTR_EQUAL(lk.tcb->parent, f->l);
	tf_in(f, seg(f, TCP_ACK, syn_seq + 1, p.seq + 1, syn_ts, syn_tsval + 1, NULL, 0));
	tf_expect_none(f);
	CU_ASSERT_EQUAL(tf_conn_state(f), TCP_ESTABLISHED);
	CU_ASSERT(berth_sock_accept(f->h.st, f->lsd, NULL) >= 0);
}

/*
 * The SYN did not reopen: an ACK <SEQ=SND.NXT><ACK=RCV.NXT> with the old
 * connection's Timestamps (TSecr = TS.Recent), the entry stays, counted.
 */
static void
expect_kept(struct tf *f, const struct tw_conn *c, uint64_t refused)
{
	struct tf_pkt p;

	if (tf_expect_pkt(f, TCP_ACK, c->snd, c->rcv, &p)) {
		CU_ASSERT_EQUAL(p.opts.ts_ok, c->ts);
		CU_ASSERT_EQUAL(p.opt_len, c->ts ? TCP_TS_OPT_LEN : 0);
		if (c->ts) {
			CU_ASSERT_EQUAL(p.opts.tsecr, c->peer_ts);
			CU_ASSERT_EQUAL(p.opts.tsval, our_ts(f, c));
		}
	}
	tf_expect_none(f);
	CU_ASSERT_EQUAL(tf_conn_state(f), TCP_TIME_WAIT);
	CU_ASSERT_PTR_NOT_NULL(tf_tw(f));
	CU_ASSERT_EQUAL(tcp_tw_count(f->h.st), 1);
	CU_ASSERT_EQUAL(f->l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(h_counter(&f->h, "tcp_tw_reopen"), 0);
	CU_ASSERT_EQUAL(h_counter(&f->h, "drop_tcp_tw_syn"), refused);
}

/* ---- RFC 6191 §2: both incarnations with timestamps ---- */

/* A newer TSval reopens even with SEG.SEQ below RCV.NXT; TSvals compare modulo 2^32. */
static void
test_newer_ts_lower_seq_reopens(void)
{
	static const uint32_t ts0[] = { PEER_TS, 0xfffffff0u };
	unsigned int i;

	for (i = 0; i < RTE_DIM(ts0); i++) {
		struct tw_conn c;
		uint32_t tsval;
		tcp_seq syn;
		struct tf f;

		tf_setup(&f);
		TF_REQUIRE(tw_passive(&f, true, ts0[i], false, &c));
		h_poll(&f.h, 100);
		/* 0xfffffff3 + 16 wraps to 3: still newer (RFC 7323 §5.2). */
		tsval = c.peer_ts + 16;
		syn = c.rcv - 1000;
		tf_in(&f, seg(&f, TCP_SYN, syn, 0, true, tsval, NULL, 0));
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 1);
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen_ts"), 1);
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_tw_syn"), 0);
		expect_reopened(&f, &c, syn, true, tsval);
out:
		tf_teardown(&f);
	}
}

/* An older TSval never reopens, whatever the sequence number: an old duplicate SYN. */
static void
test_older_ts_higher_seq_kept(void)
{
	static const uint32_t ts0[] = { PEER_TS, 0xfffffff0u };
	unsigned int i;

	for (i = 0; i < RTE_DIM(ts0); i++) {
		struct tw_conn c;
		struct tf f;

		tf_setup(&f);
		TF_REQUIRE(tw_passive(&f, true, ts0[i], false, &c));
		h_poll(&f.h, 100);
		tf_in(&f, seg(&f, TCP_SYN, c.rcv + 100000, 0, true, c.peer_ts - 1, NULL, 0));
		expect_kept(&f, &c, 1);
		/* Far older (half the TSval space back) is older too. */
		tf_in(&f, seg(&f, TCP_SYN, c.rcv + 200000, 0, true, c.peer_ts - 0x7fffffffu, NULL,
			      0));
		expect_kept(&f, &c, 2);
		/* The entry is intact: a newer SYN still reopens it. */
		tf_in(&f, seg(&f, TCP_SYN, c.rcv + 300000, 0, true, c.peer_ts + 1, NULL, 0));
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen_ts"), 1);
		expect_reopened(&f, &c, c.rcv + 300000, true, c.peer_ts + 1);
out:
		tf_teardown(&f);
	}
}

/* An equal TSval: the sequence number decides (above RCV.NXT reopens, at or below does not). */
static void
test_equal_ts(void)
{
	static const int32_t off[] = { 1, 0, -1 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(off); i++) {
		tcp_seq syn;
		struct tw_conn c;
		struct tf f;

		tf_setup(&f);
		TF_REQUIRE(tw_passive(&f, true, PEER_TS, false, &c));
		h_poll(&f.h, 10);
		syn = c.rcv + (tcp_seq)off[i];
		tf_in(&f, seg(&f, TCP_SYN, syn, 0, true, c.peer_ts, NULL, 0));
		if (off[i] > 0) {
			CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 1);
			/* The sequence number decided, not the timestamp. */
			CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen_ts"), 0);
			expect_reopened(&f, &c, syn, true, c.peer_ts);
		} else {
			expect_kept(&f, &c, 1);
		}
out:
		tf_teardown(&f);
	}
}

/* The old incarnation had timestamps, the SYN has none: the sequence number decides. */
static void
test_syn_without_ts(void)
{
	struct tw_conn c;
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(tw_passive(&f, true, PEER_TS, false, &c));
	h_poll(&f.h, 10);
	tf_in(&f, seg(&f, TCP_SYN, c.rcv - 1, 0, false, 0, NULL, 0));
	/* The ACK still carries the old connection's Timestamps. */
	expect_kept(&f, &c, 1);
	tf_in(&f, seg(&f, TCP_SYN, c.rcv + 5000, 0, false, 0, NULL, 0));
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen_ts"), 0);
	expect_reopened(&f, &c, c.rcv + 5000, false, 0);
out:
	tf_teardown(&f);
}

/* ---- RFC 6191 §2: the old incarnation without timestamps ---- */

/* The sequence number decides, a newer-looking TSval notwithstanding; ACKs carry no option. */
static void
test_old_without_ts(void)
{
	struct tw_conn c;
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(tw_passive(&f, false, 0, false, &c));
	h_poll(&f.h, 10);
	tf_in(&f, seg(&f, TCP_SYN, c.rcv - 1, 0, true, 0x12345678u, NULL, 0));
	expect_kept(&f, &c, 1);
	tf_in(&f, seg(&f, TCP_SYN, c.rcv, 0, true, 0x12345679u, NULL, 0));
	expect_kept(&f, &c, 2);
	tf_in(&f, seg(&f, TCP_SYN, c.rcv + 1, 0, true, 7, NULL, 0));
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen_ts"), 0);
	/* The new incarnation takes the timestamps its SYN offers. */
	expect_reopened(&f, &c, c.rcv + 1, true, 7);
out:
	tf_teardown(&f);
}

/* ---- RFC 7323 §3.2, §4.3: Timestamps on the ACKs of a compact entry ---- */

static void
test_ack_timestamps(void)
{
	static const uint8_t data[4] = "abcd";
	struct tw_conn c;
	struct tf_pkt p;
	struct tf f;
	uint32_t ts1;

	tf_setup(&f);
	TF_REQUIRE(tw_passive(&f, true, PEER_TS, false, &c));
	/* The application closed: only the compact entry answers. */
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);

	/* A retransmitted FIN with a newer TSval: echoed (§4.3 (2)), our clock runs on. */
	h_poll(&f.h, 1500);
	tf_in(&f, seg(&f, TCP_FIN | TCP_ACK, c.rcv - 1, c.snd, true, c.peer_ts + 10, NULL, 0));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, c.snd, c.rcv, &p));
	CU_ASSERT_TRUE(p.opts.ts_ok);
	CU_ASSERT_EQUAL(p.opt_len, TCP_TS_OPT_LEN);
	CU_ASSERT_EQUAL(p.opts.tsecr, c.peer_ts + 10);
	CU_ASSERT_EQUAL(p.opts.tsval, our_ts(&f, &c));
	ts1 = p.opts.tsval;
	tf_expect_none(&f);

	/* 1234 ms later, an unacceptable segment: TSval 1234 further, TS.Recent unchanged. */
	h_poll(&f.h, 1234);
	tf_in(&f, seg(&f, TCP_ACK, c.rcv + 100, c.snd, true, c.peer_ts + 20, data, sizeof(data)));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, c.snd, c.rcv, &p));
	CU_ASSERT_TRUE(p.opts.ts_ok);
	CU_ASSERT_EQUAL(p.opts.tsval, ts1 + 1234);
	CU_ASSERT_EQUAL(p.opts.tsecr, c.peer_ts + 10);

	/* A retransmitted FIN with an older TSval is ACKed; TS.Recent does not go back. */
	h_poll(&f.h, 1);
	tf_in(&f, seg(&f, TCP_FIN | TCP_ACK, c.rcv - 1, c.snd, true, c.peer_ts + 5, NULL, 0));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, c.snd, c.rcv, &p));
	CU_ASSERT_EQUAL(p.opts.tsval, ts1 + 1235);
	CU_ASSERT_EQUAL(p.opts.tsecr, c.peer_ts + 10);
	tf_expect_none(&f);

	/* RFC 6191 compares with the TS.Recent the FIN brought: peer_ts + 10 is not newer. */
	c.peer_ts += 10;
	tf_in(&f, seg(&f, TCP_SYN, c.rcv - 1, 0, true, c.peer_ts, NULL, 0));
	expect_kept(&f, &c, 1);
	tf_in(&f, seg(&f, TCP_SYN, c.rcv - 1, 0, true, c.peer_ts + 1, NULL, 0));
	expect_reopened(&f, &c, c.rcv - 1, true, c.peer_ts + 1);
out:
	tf_teardown(&f);
}

/* ---- the full TCB in TIME-WAIT ---- */

/*
 * A TIME-WAIT TCB in the table (input_tcb's path) follows the same rules
 * with the TCB's own fields. tcp_enter_time_wait always leaves a compact
 * entry in the table, so the test puts the TCB there in its place.
 */
static void
test_full_tcb_same_rule(void)
{
	struct tw_conn c;
	struct tf_pkt p;
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(tw_passive(&f, true, PEER_TS, true, &c));
	TF_REQUIRE(f.tp != NULL && f.tp->state == TCP_TIME_WAIT);
	tcp_tw_remove(f.h.st, tf_tw(&f));
	TF_REQUIRE(tcp_table_insert(f.h.st, f.tp) == 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
	h_poll(&f.h, 50);

	/* Older TSval, higher sequence number: kept, ACKed with the TCB's Timestamps. */
	tf_in(&f, seg(&f, TCP_SYN, c.rcv + 100000, 0, true, c.peer_ts - 1, NULL, 0));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, c.snd, c.rcv, &p));
	CU_ASSERT_TRUE(p.opts.ts_ok);
	CU_ASSERT_EQUAL(p.opts.tsecr, c.peer_ts);
	CU_ASSERT_EQUAL(p.opts.tsval, our_ts(&f, &c));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_tw_syn"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);

	/* Newer TSval, lower sequence number: reopened. */
	tf_in(&f, seg(&f, TCP_SYN, c.rcv - 1000, 0, true, c.peer_ts + 1, NULL, 0));
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen_ts"), 1);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, c.rcv - 1000 + 1);
	CU_ASSERT(seq_geq(p.seq, c.snd + TCP_MAX_WIN + 2));
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_RECEIVED);
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s;

	s = tf_suite("RFC 6191 with timestamps");
	CU_add_test(s, "newer TSval, lower SEQ: reopens", test_newer_ts_lower_seq_reopens);
	CU_add_test(s, "older TSval, higher SEQ: kept", test_older_ts_higher_seq_kept);
	CU_add_test(s, "equal TSval: SEQ decides", test_equal_ts);
	CU_add_test(s, "SYN without Timestamps: SEQ decides", test_syn_without_ts);
	s = tf_suite("RFC 6191 without timestamps");
	CU_add_test(s, "old incarnation without: SEQ decides", test_old_without_ts);
	s = tf_suite("TIME-WAIT ACKs");
	CU_add_test(s, "Timestamps on the ACKs of a compact entry", test_ack_timestamps);
	s = tf_suite("full TCB in TIME-WAIT");
	CU_add_test(s, "same rule with the TCB's fields", test_full_tcb_same_rule);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
