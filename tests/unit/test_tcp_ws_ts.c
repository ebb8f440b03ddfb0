/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 7323 window scaling and timestamps, on the per-state fixture: the
 * negotiation (which SYN carried what), scaled windows both ways, the
 * TS.Recent echo rules, PAWS, RTT samples from TSecr, RFC 6191 TIME-WAIT
 * reuse by timestamp, and malformed option lengths.
 *
 * The peer's options are written here byte by byte (layout as Linux sends
 * them: MSS, NOP, NOP, TS, NOP, WS; scapy: TCP(options=[('MSS',1460),
 * ('NOP',None),('NOP',None),('Timestamp',(v,e)),('NOP',None),('WScale',7)])
 * gives the same 20 bytes).
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "tcp_fixture.h"

#define PEER_TS 100000u          /* the peer's first TSval */
#define NS_PER_MS 1000000ULL

/* The peer's options: MSS, then TS (when ts), then WS (ws >= 0). Returns the length. */
static uint8_t
opts(uint8_t *o, uint16_t mss, int ws, bool ts, uint32_t tsval, uint32_t tsecr)
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
	if (ws >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = (uint8_t)ws;
	}
	return n;
}

/* A segment with only a Timestamps option. */
static struct rte_mbuf *
seg_ts(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, uint16_t win, uint32_t tsval,
       uint32_t tsecr, const void *data, uint16_t len)
{
	uint8_t o[40];
	uint8_t n = opts(o, 0, -1, true, tsval, tsecr);

	return tf_raw_opts(f, flags, seq, ack, win, o, n, data, len);
}

/* Flush what the stack queued and throw it away. */
static void
tx_drain(struct tf *f)
{
	berth_stack_flush(f->h.st, f->h.now);
	h_tx_drain(&f->h);
}

/* The next segment the stack sends; waits out a delayed ACK if need be. */
static bool
next_tx(struct tf *f, struct tf_pkt *p)
{
	if (h_tx_count(&f->h) == 0)
		h_poll(&f->h, 500);
	return tf_tx_tcp(f, p);
}

/*
 * Active open to SYN-SENT, then the peer's SYN-ACK with the options asked
 * for after delay_ms; reads our ACK into p. TSecr echoes our SYN's TSval.
 */
static bool
active_open(struct tf *f, int ws, bool ts, uint64_t delay_ms, uint16_t win, struct tf_pkt *p)
{
	uint8_t o[40], n;
	uint32_t syn_tsval;

	if (tf_tcb_in_state(f, TCP_SYN_SENT) == NULL)
		return false;
	/* Our SYN left at this instant: its TSval. */
	syn_tsval = tcp_ts_now(f->tp, f->h.now);
	h_poll(&f->h, delay_ms);
	n = opts(o, TF_PEER_MSS, ws, ts, PEER_TS, syn_tsval);
	tf_in(f, tf_raw_opts(f, TCP_SYN | TCP_ACK, f->irs, f->iss + 1, win, o, n, NULL, 0));
	if (!tf_tx_tcp(f, p))
		return false;
	CU_ASSERT_EQUAL(p->flags & ~TCP_PSH, TCP_ACK);
	CU_ASSERT_EQUAL(f->tp->state, TCP_ESTABLISHED);
	return f->tp->state == TCP_ESTABLISHED;
}

/* ---- negotiation ---- */

static const struct {
	int ws;
	bool ts;
} matrix[] = { { 7, true }, { 7, false }, { -1, true }, { -1, false } };

/* Our SYN offers both; each is used only when the SYN-ACK carried it too (RFC 7323 §1.3). */
static void
test_negotiate_active(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(matrix); i++) {
		bool ws = matrix[i].ws >= 0, ts = matrix[i].ts;
		struct tf_pkt p;
		struct tf f;

		tf_setup(&f);
		TF_REQUIRE(active_open(&f, matrix[i].ws, ts, 0, 1000, &p));
		CU_ASSERT_EQUAL(f.tp->ws_on, ws);
		CU_ASSERT_EQUAL(f.tp->ts_on, ts);
		CU_ASSERT_EQUAL(f.tp->snd_wscale, ws ? 7 : 0);
		/* 256 KiB default buffer: 65535 << 3 holds it. */
		CU_ASSERT_EQUAL(f.tp->rcv_wscale, ws ? 3 : 0);
		/* RFC 7323 §2.2: the SYN-ACK's window is not scaled. */
		CU_ASSERT_EQUAL(f.tp->snd_wnd, 1000);
		/* Our ACK: Timestamps only when negotiated, echoing the SYN-ACK's TSval. */
		CU_ASSERT_EQUAL(p.opts.ts_ok, ts);
		CU_ASSERT_EQUAL(p.opt_len, ts ? 12 : 0);
		if (ts)
			CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS);
		/* The window field: 256 KiB >> 3, or 65535 unscaled. */
		CU_ASSERT_EQUAL(p.win, ws ? 262144 >> 3 : 65535);
		/* The peer's next window is scaled by its shift (RFC 7323 §2.3). */
		if (ts)
			tf_in(&f, seg_ts(&f, TCP_ACK, f.irs + 1, f.iss + 1, 100, PEER_TS + 1, 0,
					 NULL, 0));
		else
			tf_in(&f, tf_raw_opts(&f, TCP_ACK, f.irs + 1, f.iss + 1, 100, NULL, 0, NULL, 0));
		CU_ASSERT_EQUAL(f.tp->snd_wnd, ws ? 100u << 7 : 100u);
out:
		tf_teardown(&f);
	}
}

/* A listener answers with exactly the options the SYN offered. */
static void
test_negotiate_passive(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(matrix); i++) {
		bool ws = matrix[i].ws >= 0, ts = matrix[i].ts;
		struct tf_hdr hd = { .sport = TF_PEER_PORT, .dport = TF_PORT, .flags = TCP_SYN,
				     .win = 5000 };
		struct tcb *child;
		struct tf_pkt p;
		uint8_t o[40];
		struct tf f;

		tf_setup(&f);
		tf_tcb_in_state(&f, TCP_LISTEN);
		TF_REQUIRE(f.l != NULL);
		hd.seq = f.irs;
		hd.opts = o;
		hd.opt_len = opts(o, TF_PEER_MSS, matrix[i].ws, ts, PEER_TS, 0);
		tf_in(&f, tf_build(&f, &hd, NULL, 0));
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(p.opt_len, 4 + (ts ? 12 : 0) + (ws ? 4 : 0));
		CU_ASSERT_EQUAL(p.mss, 1460);
		CU_ASSERT_EQUAL(p.opts.ws_ok, ws);
		CU_ASSERT_EQUAL(p.opts.ts_ok, ts);
		if (ws)
			CU_ASSERT_EQUAL(p.opts.ws, 3);
		if (ts)
			CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS);
		/* RFC 7323 §2.2: never scaled in a SYN-ACK. */
		CU_ASSERT_EQUAL(p.win, 65535);
		child = TAILQ_FIRST(&f.l->syn_q);
		TF_REQUIRE(child != NULL);
		CU_ASSERT_EQUAL(child->ws_on, ws);
		CU_ASSERT_EQUAL(child->ts_on, ts);
		CU_ASSERT_EQUAL(child->snd_wnd, 5000);
out:
		tf_teardown(&f);
	}
}

/*
 * The peer's SYN again in SYN-RECEIVED (our SYN-ACK was lost): the SYN-ACK
 * sent in answer echoes the new SYN's TSval (RFC 7323 §4.3 (2)), so the
 * peer's first RTT sample does not include its SYN timeout.
 */
static void
test_syn_again_echo(void)
{
	struct tf_hdr hd = { .sport = TF_PEER_PORT, .dport = TF_PORT, .flags = TCP_SYN,
			     .win = 5000 };
	struct tf_pkt p;
	uint8_t o[40];
	struct tf f;

	tf_setup(&f);
	tf_tcb_in_state(&f, TCP_LISTEN);
	TF_REQUIRE(f.l != NULL);
	hd.seq = f.irs;
	hd.opts = o;
	hd.opt_len = opts(o, TF_PEER_MSS, -1, true, PEER_TS, 0);
	tf_in(&f, tf_build(&f, &hd, NULL, 0));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS);
	f.h.now += 900 * NS_PER_MS;
	hd.opt_len = opts(o, TF_PEER_MSS, -1, true, PEER_TS + 1000, 0);
	tf_in(&f, tf_build(&f, &hd, NULL, 0));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS + 1000);
out:
	tf_teardown(&f);
}

/* RFC 7323 §2.3: a shift above 14 is used as 14. */
static void
test_ws_15(void)
{
	struct tf_pkt p;
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(active_open(&f, 15, false, 0, 1000, &p));
	CU_ASSERT_EQUAL(f.tp->snd_wscale, 14);
	tf_in(&f, tf_raw(&f, TCP_ACK, f.irs + 1, f.iss + 1, NULL, 0));
	CU_ASSERT_EQUAL(f.tp->snd_wnd, (uint32_t)f.peer_win << 14);
out:
	tf_teardown(&f);
}

/* ---- scaled windows ---- */

/* 1 MiB buffers: we advertise and accept more than 64 KiB, and send more than 64 KiB. */
static void
test_scaled_windows(void)
{
	static uint8_t buf[200000];
	static uint8_t data[1400];
	struct berth_stack_conf c = { .tcp_rcvbuf = 1u << 20, .tcp_sndbuf = 1u << 20 };
	struct tf_pkt p;
	struct tf f;
	uint32_t i;
	ssize_t n;

	tf_setup_conf(&f, &c);
	TF_REQUIRE(active_open(&f, 7, true, 0, 65535, &p));
	/* RFC 7323 §2.3: the least shift with 1 MiB <= 65535 << shift is 5. */
	CU_ASSERT_EQUAL(f.tp->rcv_wscale, 5);
	f.our_wscale = 5;
	CU_ASSERT_EQUAL(p.win, (1u << 20) >> 5);
	CU_ASSERT((uint32_t)p.win << 5 > 65535);

	/* The peer opens 2000 << 7 = 256000 bytes; we send past 64 KiB unacknowledged. */
	tf_in(&f, seg_ts(&f, TCP_ACK, f.irs + 1, f.iss + 1, 2000, PEER_TS + 1, 0, NULL, 0));
	CU_ASSERT_EQUAL(f.tp->snd_wnd, 256000);
	/* Congestion window open as after slow start: the peer's scaled window is the limit here. */
	f.tp->cwnd = 256000;
	n = berth_sock_send(f.h.st, f.sd, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (ssize_t)sizeof(buf));
	h_poll(&f.h, 0);
	CU_ASSERT(f.tp->snd_max - f.tp->snd_una > 65535);
	/* All but a last short segment that Nagle may hold back. */
	CU_ASSERT(f.tp->snd_max - f.tp->snd_una > sizeof(buf) - 1448);
	/* Each carries Timestamps: MSS 1460 less 12 bytes of options (RFC 6691). */
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.len, 1448);
	CU_ASSERT(p.opts.ts_ok);
	tx_drain(&f);

	/*
	 * 70000 bytes from the peer, last segment first: each waits out of
	 * order until the first arrives, so the window from RCV.NXT must
	 * reach 70000 bytes (unscaled, it would stop at 65535).
	 */
	for (i = 50; i-- > 0;) {
		memset(data, (int)i, sizeof(data));
		tf_in(&f, seg_ts(&f, TCP_ACK, f.irs + 1 + i * 1400, f.iss + 1, 2000, PEER_TS + 2,
				 0, data, sizeof(data)));
		tx_drain(&f);
	}
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, 70000);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, f.irs + 1 + 70000);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_seq"), 0);
out:
	tf_teardown(&f);
}

/* The window field is rounded so the advertised right edge never moves left. */
static void
test_scaled_edge_kept(void)
{
	struct berth_stack_conf c = { .tcp_rcvbuf = 1u << 20 };
	struct tf_pkt p;
	struct tf f;
	tcp_seq edge;

	tf_setup_conf(&f, &c);
	f.our_wscale = 5;
	TF_REQUIRE(active_open(&f, 7, false, 0, 65535, &p));
	edge = f.adv_edge;
	CU_ASSERT_EQUAL(edge, f.irs + 1 + (1u << 20));
	/* 33 bytes nobody reads: the space left is not a multiple of 32. */
	tf_in(&f, tf_raw(&f, TCP_ACK, f.irs + 1, f.iss + 1, "0123456789012345678901234567890xy",
			 33));
	TF_REQUIRE(next_tx(&f, &p));
	CU_ASSERT_EQUAL(p.ack, f.irs + 1 + 33);
	/* Rounded down it would end 1 byte short of the old edge; rounded up it does not. */
	CU_ASSERT(!seq_lt(f.adv_edge, edge));
	CU_ASSERT(seq_lt(f.adv_edge, edge + 32));
out:
	tf_teardown(&f);
}

/* ---- timestamps ---- */

/* TSval is our clock in ms plus the offset; TSecr follows TS.Recent (RFC 7323 §4.3). */
static void
test_ts_echo(void)
{
	static const char d[100] = { 1 };
	struct tf_pkt p;
	struct tf f;
	uint32_t tsval0;
	tcp_seq rcv;

	tf_setup(&f);
	TF_REQUIRE(active_open(&f, -1, true, 0, 65535, &p));
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS);
	tsval0 = p.opts.tsval;
	CU_ASSERT_EQUAL(tsval0, tcp_ts_now(f.tp, f.h.now));
	rcv = f.irs + 1;

	/* In-order data 7 ms later: its TSval is echoed; our TSval moved 7 ms (or more, delayed). */
	h_poll(&f.h, 7);
	tf_in(&f, seg_ts(&f, TCP_ACK, rcv, f.iss + 1, 65535, PEER_TS + 5, tsval0, d, 100));
	TF_REQUIRE(next_tx(&f, &p));
	CU_ASSERT_EQUAL(p.ack, rcv + 100);
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS + 5);
	CU_ASSERT_EQUAL(p.opts.tsval, tcp_ts_now(f.tp, f.h.now));
	CU_ASSERT(p.opts.tsval - tsval0 >= 7);
	rcv += 100;

	/*
	 * Out of order (beyond Last.ACK.sent): a later TSval is not recorded;
	 * the duplicate ACK still echoes the segment that started the gap
	 * (RFC 7323 §4.3 (1), §4.3 example 3).
	 */
	tf_in(&f, seg_ts(&f, TCP_ACK, rcv + 100, f.iss + 1, 65535, PEER_TS + 10, tsval0, d, 100));
	TF_REQUIRE(next_tx(&f, &p));
	CU_ASSERT_EQUAL(p.ack, rcv);
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS + 5);
	CU_ASSERT_EQUAL(f.tp->ts_recent, PEER_TS + 5);
	/* The segment that fills the hole starts at Last.ACK.sent: its TSval counts. */
	tf_in(&f, seg_ts(&f, TCP_ACK, rcv, f.iss + 1, 65535, PEER_TS + 11, tsval0, d, 100));
	TF_REQUIRE(next_tx(&f, &p));
	CU_ASSERT_EQUAL(p.ack, rcv + 200);
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS + 11);
out:
	tf_teardown(&f);
}

/* PAWS (RFC 7323 §5.3): an older TSval in the window is dropped, counted and ACKed. */
static void
test_paws(void)
{
	static const char d[10] = "0123456789";
	struct tf_pkt p;
	struct tf f;
	tcp_seq rcv;

	tf_setup(&f);
	TF_REQUIRE(active_open(&f, 7, true, 0, 65535, &p));
	rcv = f.irs + 1;
	tf_in(&f, seg_ts(&f, TCP_ACK, rcv, f.iss + 1, 512, PEER_TS - 1, 0, d, sizeof(d)));
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_paws"), 1);
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, 0);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv);
	/* "send an acknowledgment in reply" (§5.3 R1), echoing the newer TS.Recent. */
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, f.iss + 1, rcv, &p));
	CU_ASSERT_EQUAL(p.opts.tsecr, PEER_TS);
	/* The same bytes with a current TSval are taken; wrap-around compare (mod 2^32). */
	f.tp->ts_recent = 0xfffffff0u;
	tf_in(&f, seg_ts(&f, TCP_ACK, rcv, f.iss + 1, 512, 0x10, 0, d, sizeof(d)));
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_paws"), 1);
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, sizeof(d));
	CU_ASSERT_EQUAL(f.tp->ts_recent, 0x10);
	tx_drain(&f);
	/* A RST is exempt from PAWS: an exact one resets whatever its TSval. */
	tf_in(&f, seg_ts(&f, TCP_RST, rcv + sizeof(d), 0, 0, 1, 0, NULL, 0));
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_paws"), 1);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
out:
	tf_teardown(&f);
}

/* RFC 7323 §5.5: a TS.Recent idle for more than 24 days no longer rejects. */
static void
test_paws_24_days(void)
{
	static const char d[10] = "0123456789";
	struct tf_pkt p;
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(active_open(&f, -1, true, 0, 65535, &p));
	/* As if TS.Recent had been recorded 25 days ago. */
	f.tp->ts_recent_at = f.h.now - 25ULL * 24 * 3600 * 1000 * NS_PER_MS;
	tf_in(&f, seg_ts(&f, TCP_ACK, f.irs + 1, f.iss + 1, 512, PEER_TS - 1000, 0, d,
			 sizeof(d)));
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_paws"), 0);
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, sizeof(d));
	CU_ASSERT_EQUAL(f.tp->ts_recent, PEER_TS - 1000);
out:
	tf_teardown(&f);
}

/* RFC 7323 §4, RFC 6298 §2: RTT from TSecr; SRTT exact after one sample. */
static void
test_rtt_from_tsecr(void)
{
	static const char d[100] = { 2 };
	struct tf_pkt p;
	struct tf f;

	tf_setup(&f);
	/* The SYN-ACK comes 30 ms after our SYN and echoes its TSval. */
	TF_REQUIRE(active_open(&f, -1, true, 30, 65535, &p));
	CU_ASSERT_EQUAL(f.tp->srtt_us, 30000);
	CU_ASSERT_EQUAL(f.tp->rttvar_us, 15000);
	/* With timestamps no segment is timed. */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, d, sizeof(d)), (ssize_t)sizeof(d));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT(p.opts.ts_ok);
	CU_ASSERT(!f.tp->rtt_active);
	/* Its ACK 50 ms later echoes the data's TSval: RFC 6298 §2.3 with R' = 50 ms. */
	h_poll(&f.h, 50);
	tf_in(&f, seg_ts(&f, TCP_ACK, f.irs + 1, f.iss + 101, 65535, PEER_TS + 1, p.opts.tsval,
			 NULL, 0));
	CU_ASSERT_EQUAL(f.tp->snd_una, f.iss + 101);
	CU_ASSERT_EQUAL(f.tp->rttvar_us, (3 * 15000 + 20000) / 4);
	CU_ASSERT_EQUAL(f.tp->srtt_us, (7 * 30000 + 50000) / 8);
out:
	tf_teardown(&f);
}

/* ---- malformed ---- */

/* Window Scale, Timestamps and SACK-permitted with a wrong length: the SYN is dropped. */
static void
test_malformed(void)
{
	static const uint8_t bad[][12] = {
		{ 3, 4, 7, 0 },                         /* WS length 4 */
		{ 3, 2, 1, 1 },                         /* WS length 2 */
		{ 8, 8, 0, 0, 0, 1, 0, 0 },             /* TS length 8 */
		{ 8, 11, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, /* TS length 11 */
		{ 4, 3, 0, 1 },                         /* SACK-permitted length 3 */
	};
	static const uint8_t blen[] = { 4, 4, 8, 12, 4 };
	struct tf f;
	unsigned int i;

	tf_setup(&f);
	tf_tcb_in_state(&f, TCP_LISTEN);
	TF_REQUIRE(f.l != NULL);
	for (i = 0; i < RTE_DIM(blen); i++) {
		struct tf_hdr hd = { .sport = TF_PEER_PORT, .dport = TF_PORT, .seq = f.irs,
				     .flags = TCP_SYN, .win = 1000, .opts = bad[i],
				     .opt_len = blen[i] };

		tf_in(&f, tf_build(&f, &hd, NULL, 0));
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_bad_opts"), i + 1);
		CU_ASSERT(tf_expect_none(&f));
	}
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 0);
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s = tf_suite("RFC 7323 negotiation");

	CU_add_test(s, "active open: both, WS only, TS only, none", test_negotiate_active);
	CU_add_test(s, "passive open: both, WS only, TS only, none", test_negotiate_passive);
	CU_add_test(s, "SYN again in SYN-RECEIVED: SYN-ACK echoes its TSval", test_syn_again_echo);
	CU_add_test(s, "window shift 15 used as 14", test_ws_15);
	CU_add_test(s, "malformed WS, TS, SACK-permitted lengths", test_malformed);
	s = tf_suite("RFC 7323 window scaling");
	CU_add_test(s, "windows above 64 KiB both ways", test_scaled_windows);
	CU_add_test(s, "scaled window never moves the edge left", test_scaled_edge_kept);
	s = tf_suite("RFC 7323 timestamps");
	CU_add_test(s, "TSval clock and TSecr echo rules", test_ts_echo);
	CU_add_test(s, "PAWS drops old TSval and ACKs", test_paws);
	CU_add_test(s, "PAWS off after 24 idle days", test_paws_24_days);
	CU_add_test(s, "RTT sample from TSecr", test_rtt_from_tsecr);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
