/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK (stack/tcp_sack.c) through the TCP fixture: negotiation (RFC 2018
 * §2), the blocks the receiver reports and their order (§4), D-SACK
 * (RFC 2883), the sender's scoreboard with bad blocks ignored, and the
 * RFC 6675 recovery decisions: IsLost before the third duplicate ACK,
 * a second hole repaired in the same round trip, the pipe, the end of
 * recovery, and what a retransmission timeout does to the scoreboard
 * (RFC 2018 §8). Expected values are worked out here from the RFC rules.
 */
#include <stdio.h>
#include <string.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp_cc.h"
#include "tcp_fixture.h"

#define PEER_TS 5000u

static uint8_t buf[256 * 1024];

/* The peer's SYN-ACK options: MSS, then SACK-permitted (sack), then Timestamps (ts). */
static uint8_t
syn_opts(uint8_t *o, bool sack, bool ts, uint32_t tsecr)
{
	uint8_t n = 0;

	o[n++] = 2;
	o[n++] = 4;
	o[n++] = TF_PEER_MSS >> 8;
	o[n++] = TF_PEER_MSS & 0xff;
	if (sack) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	}
	if (ts) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		memset(&o[n], 0, 8);
		o[n + 3] = PEER_TS & 0xff;
		o[n + 2] = (PEER_TS >> 8) & 0xff;
		o[n + 4] = (uint8_t)(tsecr >> 24);
		o[n + 5] = (uint8_t)(tsecr >> 16);
		o[n + 6] = (uint8_t)(tsecr >> 8);
		o[n + 7] = (uint8_t)tsecr;
		n += 8;
	}
	return n;
}

/* NOP, NOP, SACK with n blocks: the option area of an ACK from the peer. */
static uint8_t
sack_opts(uint8_t *o, const struct tcp_sack_block *b, unsigned int n)
{
	return (uint8_t)tcp_opts_write_sack(o, b, n);
}

static void
tx_drain(struct tf *f)
{
	berth_stack_flush(f->h.st, f->h.now);
	h_tx_drain(&f->h);
}

static unsigned int
sent(struct tf *f)
{
	berth_stack_flush(f->h.st, f->h.now);
	return h_tx_count(&f->h);
}

/*
 * ESTABLISHED by an active open; the peer's SYN-ACK offers SACK when
 * peer_sack, Timestamps when ts. NewReno keeps ssthresh at FlightSize/2,
 * NODELAY lets a short tail go.
 */
static bool
open_conf(struct tf *f, const struct berth_stack_conf *conf, bool peer_sack, bool ts)
{
	uint8_t o[40], n;

	tf_setup_conf(f, conf);
	if (tf_tcb_in_state(f, TCP_SYN_SENT) == NULL)
		return false;
	n = syn_opts(o, peer_sack, ts, tcp_ts_now(f->tp, f->h.now));
	tf_in(f, tf_raw_opts(f, TCP_SYN | TCP_ACK, f->irs, f->iss + 1, f->peer_win, o, n, NULL,
			     0));
	tx_drain(f);
	if (f->tp->state != TCP_ESTABLISHED)
		return false;
	return berth_sock_setopt(f->h.st, f->sd, BERTH_SO_NODELAY, 1) == 0;
}

static bool
open_sack(struct tf *f, bool ts)
{
	struct berth_stack_conf c = { .tcp_cc = BERTH_TCP_CC_NEWRENO };

	return open_conf(f, &c, true, ts);
}

/* An ACK from the peer at ack with SACK blocks b[0..n). */
static void
peer_sack(struct tf *f, tcp_seq ack, const struct tcp_sack_block *b, unsigned int n)
{
	uint8_t o[40], len = n > 0 ? sack_opts(o, b, n) : 0;

	tf_in(f, tf_raw_opts(f, TCP_ACK, f->tp->rcv_nxt, ack, f->peer_win, o, len, NULL, 0));
}

/* Data from the peer at RCV.NXT + off. */
static void
peer_data(struct tf *f, tcp_seq rcv0, uint32_t off, uint16_t len)
{
	static const uint8_t d[1460];

	tf_in(f, tf_raw_opts(f, TCP_ACK, rcv0 + off, f->tp->snd_nxt, f->peer_win, NULL, 0, d,
			     len));
}

static bool
block_is(const struct tf_pkt *p, unsigned int i, tcp_seq s, tcp_seq e)
{
	return p->opts.nb_sack > i && p->opts.sack[i].start == s && p->opts.sack[i].end == e;
}

/* ---- negotiation ---- */

static void
test_negotiate(void)
{
	struct berth_stack_conf off = { .tcp_no_sack = true };
	struct tcp_sack_block b = { 0, 0 };
	struct tf_pkt p;
	struct tf f;

	/* RFC 2018 §2: our SYN offers it; on when the SYN-ACK carries it too. */
	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_SENT) != NULL);
	tf_teardown(&f);
	TF_REQUIRE(open_sack(&f, false));
	CU_ASSERT(f.tp->sack_on);
	tf_teardown(&f);

	/* A SYN-ACK without SACK-permitted: off, and SACK blocks are then ignored. */
	TF_REQUIRE(open_conf(&f, NULL, false, false));
	CU_ASSERT(!f.tp->sack_on);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 3000) == 3000);
	tx_drain(&f);
	b.start = f.tp->snd_una + 1460;
	b.end = f.tp->snd_una + 2920;
	peer_sack(&f, f.tp->snd_una, &b, 1);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_sack_blocks_rx"), 0);
	tf_teardown(&f);

	/* Configured off: not offered, and a peer's offer is declined. */
	tf_setup_conf(&f, &off);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_SENT) != NULL);
	tf_teardown(&f);
	TF_REQUIRE(open_conf(&f, &off, true, false));
	CU_ASSERT(!f.tp->sack_on);
	tf_teardown(&f);

	/* Passive: the SYN-ACK carries SACK-permitted exactly when the SYN did. */
	for (int with = 0; with < 2; with++) {
		uint8_t o[40], n;

		tf_setup(&f);
		tf_tcb_in_state(&f, TCP_LISTEN);
		TF_REQUIRE(f.l != NULL);
		n = syn_opts(o, with != 0, with != 0, 0);
		{
			struct tf_hdr hd = { .sport = TF_PEER_PORT, .dport = TF_PORT, .seq = f.irs,
					     .flags = TCP_SYN, .win = 1000, .opts = o,
					     .opt_len = n };

			tf_in(&f, tf_build(&f, &hd, NULL, 0));
		}
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(p.opts.sack_ok, with != 0);
		/* MSS 4 + (SACK-permitted and TS 12, or nothing) + WS 0: 16 or 4 bytes. */
		CU_ASSERT_EQUAL(p.opt_len, with ? 16 : 4);
		tf_teardown(&f);
	}
	return;
out:
	tf_teardown(&f);
}

/* Our SYN: MSS, SACK-permitted, Timestamps, NOP, WS; without TS: NOP, NOP, SACK-permitted. */
static void
test_syn_layout(void)
{
	struct tf_pkt p;
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_SENT) != NULL);
	/* tf_tcb_in_state read our SYN; send it again by its timer and look at it. */
	h_poll(&f.h, 1100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	CU_ASSERT(p.opts.sack_ok);
	CU_ASSERT(p.opts.ts_ok);
	CU_ASSERT(p.opts.ws_ok);
	CU_ASSERT_EQUAL(p.opt_len, 20);
out:
	tf_teardown(&f);
}

/* ---- receiver ---- */

/* RFC 2018 §4: the latest block first, then the others; none once the hole is filled. */
static void
test_rcv_blocks(void)
{
	struct tf_pkt p;
	struct tf f;
	tcp_seq r;

	TF_REQUIRE(open_sack(&f, false));
	/* Nothing out of order yet: no extension for runs and SACK state. */
	CU_ASSERT_PTR_NULL(f.tp->x);
	r = f.tp->rcv_nxt;
	peer_data(&f, r, 100, 100);
	CU_ASSERT_PTR_NOT_NULL(f.tp->x);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.ack, r);
	CU_ASSERT_EQUAL(p.opts.nb_sack, 1);
	CU_ASSERT(block_is(&p, 0, r + 100, r + 200));
	peer_data(&f, r, 300, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.opts.nb_sack, 2);
	CU_ASSERT(block_is(&p, 0, r + 300, r + 400));
	CU_ASSERT(block_is(&p, 1, r + 100, r + 200));
	/* A segment joining both: one block. */
	peer_data(&f, r, 200, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.opts.nb_sack, 1);
	CU_ASSERT(block_is(&p, 0, r + 100, r + 400));
	/* The hole filled: the ACK covers everything and reports nothing. */
	peer_data(&f, r, 0, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.ack, r + 400);
	CU_ASSERT_EQUAL(p.opts.nb_sack, 0);
	CU_ASSERT_EQUAL(p.opt_len, 0);
	CU_ASSERT(h_counter(&f.h, "tcp_sack_tx") >= 3);
out:
	tf_teardown(&f);
}

/* RFC 2018 §3: four blocks fit; three beside Timestamps; the latest always first. */
static void
test_rcv_block_limit(void)
{
	for (int ts = 0; ts < 2; ts++) {
		struct tf_pkt p;
		struct tf f;
		tcp_seq r;
		unsigned int i;

		TF_REQUIRE(open_sack(&f, ts != 0));
		r = f.tp->rcv_nxt;
		for (i = 1; i <= 5; i++) {
			if (ts)
				f.h.now += BERTH_NS_PER_MS;
			peer_data(&f, r, 200 * i, 100);
			tx_drain(&f);
		}
		/* One more at a sixth place: the ACK for it shows the limit. */
		peer_data(&f, r, 1200, 100);
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.opts.nb_sack, ts ? 3 : 4);
		CU_ASSERT_EQUAL(p.opt_len, ts ? 40 : 36);
		CU_ASSERT(block_is(&p, 0, r + 1200, r + 1300));
		/* Then the most recently reported ones. */
		CU_ASSERT(block_is(&p, 1, r + 1000, r + 1100));
		CU_ASSERT(block_is(&p, 2, r + 800, r + 900));
out:
		tf_teardown(&f);
	}
}

/* RFC 2883 §4: a duplicate is reported once, as the first block. */
static void
test_dsack(void)
{
	struct tf_pkt p;
	struct tf f;
	tcp_seq r;

	TF_REQUIRE(open_sack(&f, false));
	r = f.tp->rcv_nxt;
	peer_data(&f, r, 0, 100);
	tx_drain(&f);
	/* Below RCV.NXT again (the original's ACK was lost): D-SACK [r, r+100). */
	peer_data(&f, r, 0, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.ack, r + 100);
	CU_ASSERT_EQUAL(p.opts.nb_sack, 1);
	CU_ASSERT(block_is(&p, 0, r, r + 100));
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_dsack_tx"), 1);
	/* Held out of order and received again: D-SACK first, then the block holding it. */
	peer_data(&f, r, 300, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT(block_is(&p, 0, r + 300, r + 400));
	peer_data(&f, r, 400, 100);
	tx_drain(&f);
	peer_data(&f, r, 300, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.opts.nb_sack, 2);
	CU_ASSERT(block_is(&p, 0, r + 300, r + 400));
	CU_ASSERT(block_is(&p, 1, r + 300, r + 500));
	/* Reported once: the next ACK has the plain block only. */
	peer_data(&f, r, 600, 100);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT(block_is(&p, 0, r + 600, r + 700));
	CU_ASSERT(block_is(&p, 1, r + 300, r + 500));
	CU_ASSERT_EQUAL(p.opts.nb_sack, 2);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_dsack_tx"), 2);
out:
	tf_teardown(&f);
}

/* ---- sender: scoreboard ---- */

static void
test_scoreboard(void)
{
	struct tcp_sack_block b[4];
	struct tf f;
	tcp_seq u;
	uint32_t s;

	TF_REQUIRE(open_sack(&f, false));
	s = tcp_smss(f.h.st, f.tp);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 10 * s) == (ssize_t)(10 * s));
	TF_REQUIRE(sent(&f) == 10);
	tx_drain(&f);
	u = f.tp->snd_una;
	CU_ASSERT_PTR_NULL(f.tp->x);
	b[0] = (struct tcp_sack_block){ u + 2 * s, u + 3 * s };
	peer_sack(&f, u, b, 1);
	CU_ASSERT_PTR_NOT_NULL(f.tp->x);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 1);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, s);
	/* Touching blocks merge; an out-of-order pair is sorted. */
	b[0] = (struct tcp_sack_block){ u + 6 * s, u + 7 * s };
	b[1] = (struct tcp_sack_block){ u + 3 * s, u + 4 * s };
	peer_sack(&f, u, b, 2);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 2);
	CU_ASSERT_EQUAL(f.tp->x->sb[0].start, u + 2 * s);
	CU_ASSERT_EQUAL(f.tp->x->sb[0].end, u + 4 * s);
	CU_ASSERT_EQUAL(f.tp->x->sb[1].start, u + 6 * s);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, 3 * s);
	/*
	 * Bad blocks: beyond SND.MAX, wrapped, empty: ignored and counted.
	 * Below SND.UNA (not first, so no D-SACK): stale, skipped.
	 */
	b[0] = (struct tcp_sack_block){ u + 8 * s, u + 12 * s };
	b[1] = (struct tcp_sack_block){ u + 9 * s, u + 8 * s };
	b[2] = (struct tcp_sack_block){ u + 9 * s, u + 9 * s };
	b[3] = (struct tcp_sack_block){ u - 3000, u - 1000 };
	peer_sack(&f, u, b, 4);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_sack_bad"), 3);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 2);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, 3 * s);
	/* A block from below SND.UNA into the window keeps its part above SND.UNA. */
	b[0] = (struct tcp_sack_block){ u + 8 * s, u + 9 * s };
	b[1] = (struct tcp_sack_block){ u - 1000, u + 500 };
	peer_sack(&f, u, b, 2);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 4);
	CU_ASSERT_EQUAL(f.tp->x->sb[0].start, u);
	CU_ASSERT_EQUAL(f.tp->x->sb[0].end, u + 500);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, 4 * s + 500);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_sack_bad"), 3);
	/* A first block below the ACK is a D-SACK: counted, nothing else. */
	b[0] = (struct tcp_sack_block){ u - 100, u };
	b[1] = (struct tcp_sack_block){ u + 2 * s, u + 4 * s };
	peer_sack(&f, u, b, 2);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_dsack_rx"), 1);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, 4 * s + 500);
	/* The cumulative ACK passes the first two ranges: they go, the others stay. */
	peer_sack(&f, u + 5 * s, &b[1], 0);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 2);
	CU_ASSERT_EQUAL(f.tp->x->sb[0].start, u + 6 * s);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, 2 * s);
	/* An ACK inside a range cuts it. */
	peer_sack(&f, u + 6 * s + 100, NULL, 0);
	CU_ASSERT_EQUAL(f.tp->x->sb[0].start, u + 6 * s + 100);
	CU_ASSERT_EQUAL(f.tp->sacked_bytes, 2 * s - 100);
	tx_drain(&f);
out:
	tf_teardown(&f);
}

/* A malformed SACK option (length not 2 + 8n) is a malformed segment. */
static void
test_parse(void)
{
	static const uint8_t ok4[] = { 5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
				       0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8 };
	static const uint8_t bad[][12] = { { 5, 2 }, { 5, 9, 0, 0, 0, 1, 0, 0, 0 },
					   { 5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0 } };
	static const uint8_t blen[] = { 2, 9, 11 };
	struct tcp_opts o;
	unsigned int i;

	CU_ASSERT_EQUAL(tcp_opts_parse(ok4, sizeof(ok4), false, &o), 0);
	CU_ASSERT_EQUAL(o.nb_sack, 4);
	CU_ASSERT_EQUAL(o.sack[0].start, 1);
	CU_ASSERT_EQUAL(o.sack[0].end, 2);
	CU_ASSERT_EQUAL(o.sack[3].start, 7);
	CU_ASSERT_EQUAL(o.sack[3].end, 8);
	for (i = 0; i < RTE_DIM(blen); i++)
		CU_ASSERT_EQUAL(tcp_opts_parse(bad[i], blen[i], false, &o), -1);
}

/* ---- sender: RFC 6675 recovery ---- */

/* Segment k of a burst starting at u (SMSS s), as the stack sent it. */
static bool
expect_seg(struct tf *f, tcp_seq seq, uint32_t len)
{
	struct tf_pkt p;

	if (!tf_tx_tcp(f, &p))
		return false;
	CU_ASSERT_EQUAL(p.seq, seq);
	CU_ASSERT_EQUAL(p.len, len);
	return p.seq == seq && p.len == len;
}

/*
 * RFC 6675 §5 (C): IsLost(SND.UNA) starts recovery before the third
 * duplicate ACK: three segments SACKed above the first hole (more than
 * (DupThresh - 1) * SMSS bytes) on the second duplicate ACK.
 */
static void
test_islost_early(void)
{
	struct tcp_sack_block b;
	struct tf f;
	tcp_seq u;
	uint32_t s;

	TF_REQUIRE(open_sack(&f, false));
	s = tcp_smss(f.h.st, f.tp);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 10 * s) == (ssize_t)(10 * s));
	TF_REQUIRE(sent(&f) == 10);
	tx_drain(&f);
	u = f.tp->snd_una;
	/* First duplicate: one segment SACKed: not lost yet; nothing to send (all out). */
	b = (struct tcp_sack_block){ u + s, u + 2 * s };
	peer_sack(&f, u, &b, 1);
	CU_ASSERT(!f.tp->in_recovery);
	CU_ASSERT_EQUAL(sent(&f), 0);
	/* Second: three SACKed: segment 0 is lost: it goes again at once. */
	b = (struct tcp_sack_block){ u + s, u + 4 * s };
	peer_sack(&f, u, &b, 1);
	CU_ASSERT(f.tp->in_recovery);
	CU_ASSERT_EQUAL(f.tp->dupacks, 2);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_sack_recovery"), 1);
	/* RFC 6675 §5 (4.2): cwnd = ssthresh = FlightSize / 2 (NewReno). */
	CU_ASSERT_EQUAL(f.tp->ssthresh, 5 * s);
	CU_ASSERT_EQUAL(f.tp->cwnd, 5 * s);
	TF_REQUIRE(expect_seg(&f, u, s));
	CU_ASSERT_EQUAL(f.tp->high_rxt, u + s);
	/*
	 * SetPipe: segment 0 retransmitted (1), segments 4-9 above the
	 * highest SACK in flight (6): 7 segments > cwnd 5: nothing more.
	 */
	CU_ASSERT_EQUAL(tcp_sack_pipe(f.h.st, f.tp), 7 * s);
	CU_ASSERT(tf_expect_none(&f));
out:
	tf_teardown(&f);
}

/* The same ACKs without SACK: NewReno waits for the third duplicate. */
static void
test_no_sack_waits(void)
{
	struct berth_stack_conf c = { .tcp_cc = BERTH_TCP_CC_NEWRENO };
	struct tcp_sack_block b;
	struct tf f;
	tcp_seq u;
	uint32_t s;

	TF_REQUIRE(open_conf(&f, &c, false, false));
	s = tcp_smss(f.h.st, f.tp);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 10 * s) == (ssize_t)(10 * s));
	tx_drain(&f);
	u = f.tp->snd_una;
	b = (struct tcp_sack_block){ u + s, u + 4 * s };
	peer_sack(&f, u, &b, 1);
	peer_sack(&f, u, &b, 1);
	CU_ASSERT(!f.tp->in_recovery);
	CU_ASSERT_EQUAL(sent(&f), 0);
out:
	tf_teardown(&f);
}

/*
 * Two holes in one window (segments 0 and 4 lost of 0-9): SACK repairs
 * both in the first round trip of recovery, where NewReno needs a partial
 * ACK for the second. Then new data by the pipe, a partial ACK that sends
 * nothing twice, and the full ACK that ends recovery with cwnd = ssthresh.
 */
static void
test_two_holes(void)
{
	struct tcp_sack_block b[2];
	struct tf_pkt p;
	struct tf f;
	tcp_seq u;
	uint32_t s, rex;
	unsigned int n, i;

	TF_REQUIRE(open_sack(&f, false));
	s = tcp_smss(f.h.st, f.tp);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 20 * s) == (ssize_t)(20 * s));
	TF_REQUIRE(sent(&f) == 10);
	tx_drain(&f);
	u = f.tp->snd_una;
	/* Three duplicate ACKs as 1-3, then 5-9 arrive. */
	b[0] = (struct tcp_sack_block){ u + s, u + 2 * s };
	peer_sack(&f, u, b, 1);
	/* Limited transmit (RFC 3042): one new segment on the first. */
	TF_REQUIRE(expect_seg(&f, u + 10 * s, s));
	b[0] = (struct tcp_sack_block){ u + 5 * s, u + 10 * s };
	b[1] = (struct tcp_sack_block){ u + s, u + 4 * s };
	peer_sack(&f, u, b, 2);
	CU_ASSERT(f.tp->in_recovery);
	/* Segment 0 first (§5 (4.3)), then segment 4: lost (5 SACKed above it). */
	TF_REQUIRE(expect_seg(&f, u, s));
	TF_REQUIRE(expect_seg(&f, u + 4 * s, s));
	CU_ASSERT_EQUAL(f.tp->high_rxt, u + 5 * s);
	/* ssthresh = 11 segments in flight / 2 = 5.5 SMSS; the pipe: 2 resent + 1 new. */
	CU_ASSERT_EQUAL(f.tp->cwnd, 11 * s / 2);
	/* NextSeg (2): new data while cwnd - pipe >= SMSS: 2 more segments (pipe 5). */
	n = sent(&f);
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++) {
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.seq, u + (11 + i) * s);
	}
	rex = (uint32_t)h_counter(&f.h, "tcp_rexmit");
	/* Partial ACK: 0-3 covered; 4 already resent: not again. */
	b[0] = (struct tcp_sack_block){ u + 5 * s, u + 10 * s };
	peer_sack(&f, u + 4 * s, b, 1);
	CU_ASSERT(f.tp->in_recovery);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), rex);
	tx_drain(&f);
	/* The full ACK: RecoveryPoint (SND.MAX at entry, segment 11) reached. */
	peer_sack(&f, u + 13 * s, NULL, 0);
	CU_ASSERT(!f.tp->in_recovery);
	CU_ASSERT_EQUAL(f.tp->cwnd, f.tp->ssthresh);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_sack_rexmit"), 2);
	tx_drain(&f);
out:
	tf_teardown(&f);
}

/*
 * RFC 2018 §8: a timeout forgets the SACKed ranges (the peer may have
 * reneged). Sending again from SND.UNA then skips what the peer SACKs
 * afresh.
 */
static void
test_rto_forgets_then_skips(void)
{
	struct tcp_sack_block b;
	struct tf f;
	tcp_seq u;
	uint32_t s;

	TF_REQUIRE(open_sack(&f, false));
	s = tcp_smss(f.h.st, f.tp);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 8 * s) == (ssize_t)(8 * s));
	TF_REQUIRE(sent(&f) == 8);
	tx_drain(&f);
	u = f.tp->snd_una;
	b = (struct tcp_sack_block){ u + 2 * s, u + 3 * s };
	peer_sack(&f, u, &b, 1);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 1);
	/* The retransmission timer fires: scoreboard empty, segment 0 again. */
	h_poll(&f.h, f.tp->rto_us / 1000 + 10);
	CU_ASSERT_EQUAL(f.tp->nb_sb, 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rto"), 1);
	TF_REQUIRE(expect_seg(&f, u, s));
	/*
	 * The peer gets it and SACKs 2-5. With room in cwnd (set here, as
	 * after some rounds of slow start), the resend goes 1, 6, 7: the
	 * SACKed 2-5 are skipped.
	 */
	f.tp->cwnd = 7 * s;
	b = (struct tcp_sack_block){ u + 2 * s, u + 6 * s };
	peer_sack(&f, u + s, &b, 1);
	TF_REQUIRE(expect_seg(&f, u + s, s));
	TF_REQUIRE(expect_seg(&f, u + 6 * s, s));
	TF_REQUIRE(expect_seg(&f, u + 7 * s, s));
	CU_ASSERT(tf_expect_none(&f));
out:
	tf_teardown(&f);
}

/*
 * RFC 6675 §4 NextSeg (4): the last segment of a burst lost with
 * nothing after it: the rescue retransmission sends it in recovery
 * instead of waiting for the timer.
 */
static void
test_rescue(void)
{
	struct tcp_sack_block b;
	struct tf f;
	tcp_seq u;
	uint32_t s;

	TF_REQUIRE(open_sack(&f, false));
	s = tcp_smss(f.h.st, f.tp);
	TF_REQUIRE(berth_sock_send(f.h.st, f.sd, buf, 6 * s) == (ssize_t)(6 * s));
	TF_REQUIRE(sent(&f) == 6);
	tx_drain(&f);
	u = f.tp->snd_una;
	/* Segments 0 and 5 lost: 1-4 SACKed (four > 2 SMSS: 0 is lost). */
	b = (struct tcp_sack_block){ u + s, u + 5 * s };
	peer_sack(&f, u, &b, 1);
	CU_ASSERT(f.tp->in_recovery);
	TF_REQUIRE(expect_seg(&f, u, s));
	/* Nothing SACKed above 5: not lost by IsLost; no new data: the rescue sends it. */
	TF_REQUIRE(expect_seg(&f, u + 5 * s, s));
	CU_ASSERT(tf_expect_none(&f));
	/* Once per recovery. */
	peer_sack(&f, u, &b, 1);
	CU_ASSERT(tf_expect_none(&f));
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s = tf_suite("SACK negotiation and option");

	CU_add_test(s, "offered, accepted, declined, configured off", test_negotiate);
	CU_add_test(s, "SYN option layout", test_syn_layout);
	CU_add_test(s, "SACK option parsing, malformed lengths", test_parse);
	s = tf_suite("SACK receiver (RFC 2018 §4, RFC 2883)");
	CU_add_test(s, "blocks: latest first, merged, gone when filled", test_rcv_blocks);
	CU_add_test(s, "four blocks, three beside Timestamps", test_rcv_block_limit);
	CU_add_test(s, "D-SACK for data below RCV.NXT and held twice", test_dsack);
	s = tf_suite("SACK sender (RFC 2018 §5, RFC 6675)");
	CU_add_test(s, "scoreboard: merge, bad blocks, D-SACK, cumulative ACK", test_scoreboard);
	CU_add_test(s, "IsLost starts recovery before the third dupack", test_islost_early);
	CU_add_test(s, "without SACK the same ACKs wait", test_no_sack_waits);
	CU_add_test(s, "two holes repaired in one round trip; pipe; exit", test_two_holes);
	CU_add_test(s, "timeout forgets SACKs; resend skips SACKed data", test_rto_forgets_then_skips);
	CU_add_test(s, "rescue retransmission of the tail", test_rescue);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
