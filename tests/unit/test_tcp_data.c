/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP data transfer between the fixture's stack and hand-made peer segments:
 * the receive side (in-order and out-of-order delivery, duplicates, the
 * advertised window, zero window and its reopening), the send side
 * (segmentation by MSS, the peer's window, ACKs freeing the send buffer,
 * WRITABLE), retransmission on the virtual clock (RFC 6298: first RTO,
 * backoff, Karn, SRTT/RTTVAR arithmetic, give-up with ETIMEDOUT, SYN and
 * SYN-ACK retries), half-close, aborts (SO_LINGER 0, close with unread
 * data) and the zero-copy API with its mbuf accounting.
 *
 * The peer's ISS is 0xffffff00 (tcp_fixture.h): the receive tests cross the
 * sequence number wrap.
 *
 * Read first: RFC 9293 §3.8 (data communication), §3.10.7.4 steps six to
 * eight, RFC 6298 (retransmission timer), RFC 9293 §3.8.6.2.2 (window
 * updates).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp_fixture.h"

#define US 1000ull  /* ns */

/* Payload byte at stream offset i: a simple pattern that shows misplaced bytes. */
static uint8_t
pat(uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) * 13u + 1u);
}

static void
fill(uint8_t *buf, uint32_t off, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(off + i);
}

static bool
is_pat(const uint8_t *buf, uint32_t off, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pat(off + i))
			return false;
	return true;
}

/* The peer sends stream bytes [off, off + len) (offsets from RCV.NXT at start). */
static struct rte_mbuf *
peer_data(struct tf *f, tcp_seq base, uint32_t off, uint16_t len, tcp_seq ack)
{
	uint8_t buf[TF_MAX_DATA];

	fill(buf, off, len);
	return tf_raw(f, TCP_ACK | TCP_PSH, base + off, ack, buf, len);
}

/* The next segment is data at seq, len bytes of the pattern from stream offset off. */
static bool
expect_data(struct tf *f, tcp_seq seq, uint32_t len, uint32_t off)
{
	struct tf_pkt p;
	bool ok;

	if (!tf_tx_tcp(f, &p))
		return false;
	ok = p.seq == seq && p.len == len && (p.flags & TCP_ACK) &&
	     !(p.flags & (TCP_SYN | TCP_FIN | TCP_RST)) && is_pat(p.data, off, p.len);
	if (!ok)
		fprintf(stderr, "\n  expected data seq %u len %u, sent flags 0x%02x seq %u len %u\n",
			seq, len, p.flags, p.seq, p.len);
	CU_ASSERT_EQUAL(p.seq, seq);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT(p.flags & TCP_ACK);
	CU_ASSERT_EQUAL(p.flags & (TCP_SYN | TCP_FIN | TCP_RST), 0);
	CU_ASSERT(is_pat(p.data, off, p.len));
	return ok;
}

/* App sends len bytes of the pattern from stream offset off; returns what send returned. */
static ssize_t
app_send(struct tf *f, uint32_t off, uint32_t len)
{
	static uint8_t buf[65536];

	H_ASSERT(len <= sizeof(buf));
	fill(buf, off, len);
	return berth_sock_send(f->h.st, f->sd, buf, len);
}

/* Flush what the stack queued and throw it away. */
static void
tx_drain(struct tf *f)
{
	berth_stack_flush(f->h.st, f->h.now);
	h_tx_drain(&f->h);
}

/* Advance the virtual clock to t (absolute ns) and poll once. */
static void
poll_at(struct tf *f, uint64_t t)
{
	H_ASSERT(t >= f->h.now);
	h_poll_ns(&f->h, t - f->h.now);
}

static bool
established(struct tf *f, const struct berth_stack_conf *c)
{
	tf_setup_conf(f, c);
	return tf_tcb_in_state(f, TCP_ESTABLISHED) != NULL;
}

/* ---- receiving ---- */

/* In-order segments are ACKed at once and read back in order; READABLE is an edge. */
static void
test_rx_in_order(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[1024];
	unsigned int i;
	uint32_t ev;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	for (i = 0; i < 3; i++) {
		tf_in(&f, peer_data(&f, rcv, 100 * i, 100, snd));
		tf_expect(&f, TCP_ACK, snd, rcv + 100 * (i + 1));
		tf_expect_none(&f);
		ev = tf_events(&f, f.sd, NULL) & BERTH_EV_READABLE;
		CU_ASSERT_EQUAL(ev, i == 0 ? BERTH_EV_READABLE : 0);
	}
	/* 300 bytes from 0xffffff01: RCV.NXT went through zero (a plain compare on purpose). */
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 300);
	CU_ASSERT(f.tp->rcv_nxt < 300);
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, 300);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 300);
	CU_ASSERT(is_pat(buf, 0, 300));
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), -EAGAIN);
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, 0);
	/* Queue empty again: the next segment raises READABLE again. */
	tf_in(&f, peer_data(&f, rcv, 300, 10, snd));
	CU_ASSERT(tf_events(&f, f.sd, NULL) & BERTH_EV_READABLE);
	tx_drain(&f);
out:
	tf_teardown(&f);
}

/* Out-of-order segments wait; the gap filled, everything is delivered once, in order. */
static void
test_rx_out_of_order(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[256];

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	/* [10, 20) then [20, 30): each answered by a duplicate ACK (RFC 9293 §3.10.7.4, seventh). */
	tf_in(&f, peer_data(&f, rcv, 10, 10, snd));
	tf_expect(&f, TCP_ACK, snd, rcv);
	tf_in(&f, peer_data(&f, rcv, 20, 10, snd));
	tf_expect(&f, TCP_ACK, snd, rcv);
	tf_expect_none(&f);
	/* Contiguous: one run, one entry. */
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 1);
	CU_ASSERT_EQUAL(f.tp->ooo_bytes, 20);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL) & BERTH_EV_READABLE, 0);
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), -EAGAIN);
	/* [0, 10) fills the gap: one ACK for all 30 bytes. */
	tf_in(&f, peer_data(&f, rcv, 0, 10, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 30);
	tf_expect_none(&f);
	CU_ASSERT(tf_events(&f, f.sd, NULL) & BERTH_EV_READABLE);
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 0);
	CU_ASSERT_EQUAL(f.tp->ooo_bytes, 0);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 30);
	CU_ASSERT(is_pat(buf, 0, 30));
	/* A late copy of [10, 20) is old now: ACKed, not delivered again. */
	tf_in(&f, peer_data(&f, rcv, 10, 10, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 30);
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), -EAGAIN);
out:
	tf_teardown(&f);
}

/* Overlapping and duplicated out-of-order pieces still give each byte once. */
static void
test_rx_ooo_overlap(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[256];

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, peer_data(&f, rcv, 30, 10, snd));  /* [30, 40) */
	tf_in(&f, peer_data(&f, rcv, 10, 10, snd));  /* [10, 20) */
	tf_in(&f, peer_data(&f, rcv, 15, 20, snd));  /* [15, 35): bridges both */
	tf_in(&f, peer_data(&f, rcv, 10, 10, snd));  /* duplicate */
	tf_in(&f, peer_data(&f, rcv, 38, 12, snd));  /* [38, 50) */
	tx_drain(&f);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv);
	CU_ASSERT(f.tp->ooo_bytes <= 40);
	tf_in(&f, peer_data(&f, rcv, 0, 12, snd));   /* [0, 12) overlaps [10, 20) */
	tf_expect(&f, TCP_ACK, snd, rcv + 50);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 50);
	CU_ASSERT(is_pat(buf, 0, 50));
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 0);
	CU_ASSERT_EQUAL(f.tp->ooo_bytes, 0);
out:
	tf_teardown(&f);
}

/* A segment partly old: only its new bytes count (RFC 9293 §3.10.7.4, first, trimming). */
static void
test_rx_partial_duplicate(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[256];
	uint64_t seqdrop;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, peer_data(&f, rcv, 0, 20, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 20);
	/* Entirely old: ACK of RCV.NXT, dropped. */
	seqdrop = h_counter(&f.h, "drop_tcp_seq");
	tf_in(&f, peer_data(&f, rcv, 0, 20, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 20);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_seq"), seqdrop + 1);
	/* [15, 30): five old bytes, ten new. */
	tf_in(&f, peer_data(&f, rcv, 15, 15, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 30);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 30);
	CU_ASSERT(is_pat(buf, 0, 30));
out:
	tf_teardown(&f);
}

/* The out-of-order queue is bounded in segments (TCP_OOO_MAX_SEGS); overflow is counted. */
static void
test_rx_ooo_bounded(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	static uint8_t buf[4096];
	unsigned int i;
	ssize_t n;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	/* Single bytes at 2, 4, 6 ...: every one out of order, none adjacent. */
	for (i = 1; i <= TCP_OOO_MAX_SEGS + 6; i++) {
		h_inject(&f.h, peer_data(&f, rcv, 2 * i, 1, snd));
		if (i % 16 == 0)
			h_poll(&f.h, 0);
	}
	h_poll(&f.h, 0);
	tx_drain(&f);
	CU_ASSERT(f.tp->nb_ooo <= TCP_OOO_MAX_SEGS);
	CU_ASSERT(h_counter(&f.h, "drop_tcp_ooo_full") >= 6);
	/* Fill [0, 2 * (TCP_OOO_MAX_SEGS + 7)) in order: the stream is whole. */
	for (i = 0; i < 2 * (TCP_OOO_MAX_SEGS + 7); i += 2) {
		tf_in(&f, peer_data(&f, rcv, i, 2, snd));
		tx_drain(&f);
	}
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 2 * (TCP_OOO_MAX_SEGS + 7));
	n = tf_read_all(&f, f.sd, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 2 * (TCP_OOO_MAX_SEGS + 7));
	CU_ASSERT(is_pat(buf, 0, (uint32_t)(n > 0 ? n : 0)));
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 0);
out:
	tf_teardown(&f);
}

/*
 * The bound is on runs, not segments: a long run behind one hole (a loss
 * early in a large window) is held whole, whatever its number of segments.
 */
static void
test_rx_ooo_long_run(void)
{
	static uint8_t buf[8192];
	const unsigned int nseg = 4 * TCP_OOO_MAX_SEGS;
	struct tf f;
	tcp_seq snd, rcv;
	unsigned int i;
	ssize_t n;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	for (i = 1; i <= nseg; i++) {
		tf_in(&f, peer_data(&f, rcv, 10 * i, 10, snd));
		tx_drain(&f);
	}
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_ooo_full"), 0);
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 1);
	CU_ASSERT_EQUAL(f.tp->ooo_bytes, 10 * nseg);
	/* A segment that closes the gap between two runs makes them one. */
	tf_in(&f, peer_data(&f, rcv, 10 * (nseg + 2), 10, snd));
	tx_drain(&f);
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 2);
	tf_in(&f, peer_data(&f, rcv, 10 * (nseg + 1), 10, snd));
	tx_drain(&f);
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 1);
	/* The hole filled: everything in order, once. */
	tf_in(&f, peer_data(&f, rcv, 0, 10, snd));
	tx_drain(&f);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 10 * (nseg + 3));
	CU_ASSERT_EQUAL(f.tp->nb_ooo, 0);
	n = tf_read_all(&f, f.sd, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 10 * (nseg + 3));
	CU_ASSERT(is_pat(buf, 0, (uint32_t)(n > 0 ? n : 0)));
out:
	tf_teardown(&f);
}

/* The window advertised is the receive buffer less what is queued. */
static void
test_rx_window_advertised(void)
{
	struct berth_stack_conf c = { .tcp_rcvbuf = 16384 };
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd, rcv;
	static uint8_t buf[4096];

	TF_REQUIRE(established(&f, &c));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(f.tp->rcvbuf, 16384);
	/* The handshake's ACK announced it all. */
	CU_ASSERT_EQUAL(f.adv_edge, rcv + 16384);
	tf_in(&f, peer_data(&f, rcv, 0, 1000, snd));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, snd, rcv + 1000, &p));
	CU_ASSERT_EQUAL(p.win, 16384 - 1000);
	tf_in(&f, peer_data(&f, rcv, 1000, 1460, snd));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, snd, rcv + 2460, &p));
	CU_ASSERT_EQUAL(p.win, 16384 - 2460);
	/* The right edge never moved left (RFC 9293 §3.8.6.2.2). */
	CU_ASSERT_EQUAL(f.adv_edge, rcv + 16384);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 2460);
	CU_ASSERT(is_pat(buf, 0, 2460));
	/* Reading may send a window update (RFC 9293 §3.8.6.2.2: it grew by an MSS). */
	h_poll(&f.h, 0);
	if (h_tx_count(&f.h) > 0 && tf_expect_pkt(&f, TCP_ACK, snd, rcv + 2460, &p))
		CU_ASSERT_EQUAL(p.win, 16384);
	/* Whatever is advertised next is everything again. */
	tf_in(&f, peer_data(&f, rcv, 2460, 10, snd));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, snd, rcv + 2470, &p));
	CU_ASSERT_EQUAL(p.win, 16384 - 10);
out:
	tf_teardown(&f);
}

/* Zero window: data beyond it is refused; reading reopens it with a window update. */
static void
test_rx_zero_window(void)
{
	struct berth_stack_conf c = { .tcp_rcvbuf = 4096 };
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd, rcv;
	static uint8_t buf[8192];
	uint64_t seqdrop;

	TF_REQUIRE(established(&f, &c));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, peer_data(&f, rcv, 0, 1460, snd));
	tf_in(&f, peer_data(&f, rcv, 1460, 1460, snd));
	tf_in(&f, peer_data(&f, rcv, 2920, 1000, snd));
	tx_drain(&f);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 3920);
	/* 200 bytes where 176 fit: the tail beyond the window is cut. */
	tf_in(&f, peer_data(&f, rcv, 3920, 200, snd));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, snd, rcv + 4096, &p));
	CU_ASSERT_EQUAL(p.win, 0);
	tf_expect_none(&f);
	/* RFC 9293 §3.10.7.4, first: with RCV.WND = 0 no data is acceptable. */
	seqdrop = h_counter(&f.h, "drop_tcp_seq");
	tf_in(&f, peer_data(&f, rcv, 4096, 100, snd));
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, snd, rcv + 4096, &p));
	CU_ASSERT_EQUAL(p.win, 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_seq"), seqdrop + 1);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 4096);
	/* ... but a bare ACK at RCV.NXT is (special allowance): no answer. */
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv + 4096, snd, NULL, 0));
	tf_expect_none(&f);
	/* The app reads everything: the window reopens and the peer is told. */
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 4096);
	CU_ASSERT(is_pat(buf, 0, 4096));
	h_poll(&f.h, 0);
	TF_REQUIRE(tf_expect_pkt(&f, TCP_ACK, snd, rcv + 4096, &p));
	CU_ASSERT_EQUAL(p.win, 4096);
	tf_expect_none(&f);
	/* And the data that was refused is taken now. */
	tf_in(&f, peer_data(&f, rcv, 4096, 100, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 4196);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 100);
	CU_ASSERT(is_pat(buf, 4096, 100));
out:
	tf_teardown(&f);
}

/* ---- sending ---- */

/* App data goes out in segments of the peer's MSS. */
static void
test_tx_segmented_by_mss(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	tf_setup(&f);
	f.peer_mss = 1000;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	CU_ASSERT_EQUAL(f.tp->snd_mss, 1000);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(app_send(&f, 0, 3000), 3000);
	expect_data(&f, snd, 1000, 0);
	expect_data(&f, snd + 1000, 1000, 1000);
	expect_data(&f, snd + 2000, 1000, 2000);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(f.tp->snd_nxt, snd + 3000);
	CU_ASSERT_EQUAL(f.tp->snd_una, snd);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 3000);
	CU_ASSERT(timer_armed(&f.tp->rexmit_timer));
	/* A short tail goes out now or, if held back (Nagle), once the rest is acked. */
	CU_ASSERT_EQUAL(app_send(&f, 3000, 500), 500);
	berth_stack_flush(f.h.st, f.h.now);
	if (h_tx_count(&f.h) == 0) {
		tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 3000, NULL, 0));
		CU_ASSERT_EQUAL(f.tp->snd_una, snd + 3000);
	}
	expect_data(&f, snd + 3000, 500, 3000);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/* Never more than the peer's window in flight (RFC 9293 §3.8.6.2.1). */
static void
test_tx_peer_window(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	tf_setup(&f);
	f.peer_mss = 1000;
	f.peer_win = 2000;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	CU_ASSERT_EQUAL(f.tp->snd_wnd, 2000);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(app_send(&f, 0, 5000), 5000);
	expect_data(&f, snd, 1000, 0);
	expect_data(&f, snd + 1000, 1000, 1000);
	tf_expect_none(&f);
	/* Half acked: one more segment fits. */
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 1000, NULL, 0));
	expect_data(&f, snd + 2000, 1000, 2000);
	tf_expect_none(&f);
	/* The window grows: two more. */
	f.peer_win = 4000;
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 2000, NULL, 0));
	CU_ASSERT_EQUAL(f.tp->snd_wnd, 4000);
	expect_data(&f, snd + 3000, 1000, 3000);
	expect_data(&f, snd + 4000, 1000, 4000);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(f.tp->snd_nxt, snd + 5000);
out:
	tf_teardown(&f);
}

/* ACKs free the send buffer: queue empty, timer off, every mbuf back. */
static void
test_tx_ack_frees(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	unsigned int in_use0;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tx_drain(&f);
	in_use0 = rte_mempool_in_use_count(f.h.pool);
	CU_ASSERT_EQUAL(app_send(&f, 0, 10000), 10000);
	tx_drain(&f);
	berth_stack_flush(f.h.st, f.h.now);
	tx_drain(&f);
	CU_ASSERT(rte_mempool_in_use_count(f.h.pool) > in_use0);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 4000, NULL, 0));
	tx_drain(&f);
	CU_ASSERT_EQUAL(f.tp->snd_una, snd + 4000);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 6000);
	CU_ASSERT(timer_armed(&f.tp->rexmit_timer));
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, f.tp->snd_nxt, NULL, 0));
	tx_drain(&f);
	if (f.tp->snd_una != snd + 10000) {
		/*
		 * What did not fit the window, or the short tail Nagle (RFC 896)
		 * held while data was unacknowledged, went out after that ACK.
		 */
		tf_in(&f, tf_raw(&f, TCP_ACK, rcv, f.tp->snd_nxt, NULL, 0));
		tx_drain(&f);
	}
	CU_ASSERT_EQUAL(f.tp->snd_una, snd + 10000);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 0);
	CU_ASSERT_EQUAL(f.tp->sndq.count, 0);
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(f.h.pool), in_use0);
out:
	tf_teardown(&f);
}

/* A full send buffer refuses with -EAGAIN; an ACK that frees space raises WRITABLE. */
static void
test_tx_sndbuf_writable(void)
{
	struct berth_stack_conf c = { .tcp_sndbuf = 4096 };
	struct tf f;
	tcp_seq snd, rcv;
	ssize_t n;

	TF_REQUIRE(established(&f, &c));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(f.tp->sndbuf, 4096);
	n = app_send(&f, 0, 10000);
	CU_ASSERT_EQUAL(n, 4096);
	CU_ASSERT_EQUAL(app_send(&f, 4096, 100), -EAGAIN);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL) & BERTH_EV_WRITABLE, 0);
	tx_drain(&f);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 1460, NULL, 0));
	CU_ASSERT(tf_events(&f, f.sd, NULL) & BERTH_EV_WRITABLE);
	n = app_send(&f, 4096, 2000);
	CU_ASSERT_EQUAL(n, 1460);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 4096);
	tx_drain(&f);
out:
	tf_teardown(&f);
}

/* ---- retransmission (RFC 6298) ---- */

/* RFC 6298 §2.1, §5.5: first RTO 1 s for the SYN, then doubled; Karn and §5.7 after. */
static void
test_rto_syn_schedule(void)
{
	struct tf f;
	uint64_t t0;
	struct tf_pkt p;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_SENT) != NULL);
	t0 = f.h.now;
	CU_ASSERT_EQUAL(f.tp->rto_us, 1000000);
	poll_at(&f, t0 + 999 * BERTH_NS_PER_MS);
	tf_expect_none(&f);
	poll_at(&f, t0 + BERTH_NS_PER_SEC);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.seq, f.iss);
	CU_ASSERT_EQUAL(p.mss, RTE_ETHER_MTU - 40);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), 1);
	poll_at(&f, t0 + 3 * BERTH_NS_PER_SEC - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	poll_at(&f, t0 + 3 * BERTH_NS_PER_SEC);
	tf_expect(&f, TCP_SYN, f.iss, 0);
	tf_expect_none(&f);
	/* The SYN-ACK answers a retransmitted SYN: no RTT sample (Karn). */
	h_poll(&f.h, 50);
	tf_in(&f, tf_raw_mss(&f, TCP_SYN | TCP_ACK, f.irs, f.iss + 1, TF_PEER_MSS));
	tf_expect(&f, TCP_ACK, f.iss + 1, f.irs + 1);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(f.tp->srtt_us, 0);
	/* RFC 6298 §5.7: after a SYN timed out, data starts with RTO 3 s. */
	CU_ASSERT_EQUAL(f.tp->rto_us, 3000000);
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
out:
	tf_teardown(&f);
}

/* tcp_syn_retries retransmissions, then ETIMEDOUT at the next expiry. */
static void
test_rto_syn_give_up(void)
{
	struct berth_stack_conf c = { .tcp_syn_retries = 2 };
	struct tf f;
	uint64_t t0;
	uint32_t ev;
	int err = 0;

	tf_setup_conf(&f, &c);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_SENT) != NULL);
	t0 = f.h.now;
	poll_at(&f, t0 + BERTH_NS_PER_SEC);
	tf_expect(&f, TCP_SYN, f.iss, 0);
	poll_at(&f, t0 + 3 * BERTH_NS_PER_SEC);
	tf_expect(&f, TCP_SYN, f.iss, 0);
	poll_at(&f, t0 + 7 * BERTH_NS_PER_SEC - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL), 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_SENT);
	poll_at(&f, t0 + 7 * BERTH_NS_PER_SEC);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
	CU_ASSERT_EQUAL(f.tp->state, TCP_CLOSED);
	ev = tf_events(&f, f.sd, &err);
	CU_ASSERT(ev & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ETIMEDOUT);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_timedout"), 1);
	poll_at(&f, t0 + 60 * BERTH_NS_PER_SEC);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/* The SYN-ACK of a passive open is retransmitted too; giving up frees the child only. */
static void
test_rto_synack_give_up(void)
{
	struct berth_stack_conf c = { .tcp_syn_retries = 2 };
	struct tf f;
	uint64_t t0;

	tf_setup_conf(&f, &c);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_RECEIVED) != NULL);
	t0 = f.h.now;
	poll_at(&f, t0 + BERTH_NS_PER_SEC - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	poll_at(&f, t0 + BERTH_NS_PER_SEC);
	tf_expect(&f, TCP_SYN | TCP_ACK, f.iss, f.irs + 1);
	poll_at(&f, t0 + 3 * BERTH_NS_PER_SEC);
	tf_expect(&f, TCP_SYN | TCP_ACK, f.iss, f.irs + 1);
	poll_at(&f, t0 + 7 * BERTH_NS_PER_SEC - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_RECEIVED);
	poll_at(&f, t0 + 7 * BERTH_NS_PER_SEC);
	tx_drain(&f);
	f.tp = NULL;
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tf_events(&f, f.lsd, NULL), 0);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(f.h.st, H_OUR_IP, rte_cpu_to_be_16(TF_PORT)), f.l);
out:
	tf_teardown(&f);
}

/*
 * RFC 6298 §2.2-§2.3 with exact numbers. rto_min 10 ms keeps the clamp out
 * of the way. Samples: the handshake (100 ms, if the stack times its SYN:
 * RFC 6298 allows both) and one data segment (40 ms).
 *   SYN sampled:  R=100 ms: SRTT 100000, RTTVAR 50000, RTO 300000 us
 *                 R'=40 ms: RTTVAR = 3/4*50000 + 1/4*|100000-40000| = 52500
 *                           SRTT = 7/8*100000 + 1/8*40000 = 92500
 *                           RTO = 92500 + 4*52500 = 302500 us
 *   not sampled:  RTO 1 s; R=40 ms: SRTT 40000, RTTVAR 20000, RTO 120000 us
 * Then the timer fires at exactly RTO, and again 2*RTO later (§5.5, §5.6).
 */
static void
test_rto_rtt_arithmetic(void)
{
	struct berth_stack_conf c = { .tcp_rto_min_ns = 10 * BERTH_NS_PER_MS };
	struct tf f;
	tcp_seq snd, rcv;
	bool syn_sampled;
	uint64_t t2, rto_ns;
	uint32_t srtt, rttvar;

	tf_setup_conf(&f, &c);
	f.synack_delay_ms = 100;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	syn_sampled = f.tp->srtt_us != 0;
	if (syn_sampled) {
		CU_ASSERT_EQUAL(f.tp->srtt_us, 100000);
		CU_ASSERT_EQUAL(f.tp->rttvar_us, 50000);
		CU_ASSERT_EQUAL(f.tp->rto_us, 300000);
	} else {
		CU_ASSERT_EQUAL(f.tp->rto_us, 1000000);
	}
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(app_send(&f, 0, 100), 100);
	expect_data(&f, snd, 100, 0);
	h_poll(&f.h, 40);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 100, NULL, 0));
	if (syn_sampled) {
		CU_ASSERT_EQUAL(f.tp->srtt_us, 92500);
		CU_ASSERT_EQUAL(f.tp->rttvar_us, 52500);
		CU_ASSERT_EQUAL(f.tp->rto_us, 302500);
	} else {
		CU_ASSERT_EQUAL(f.tp->srtt_us, 40000);
		CU_ASSERT_EQUAL(f.tp->rttvar_us, 20000);
		CU_ASSERT_EQUAL(f.tp->rto_us, 120000);
	}
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	/* The timer runs RTO from the send (§5.1), doubles on expiry (§5.5). */
	srtt = f.tp->srtt_us;
	rttvar = f.tp->rttvar_us;
	rto_ns = (uint64_t)f.tp->rto_us * US;
	t2 = f.h.now;
	CU_ASSERT_EQUAL(app_send(&f, 100, 100), 100);
	expect_data(&f, snd + 100, 100, 100);
	poll_at(&f, t2 + rto_ns - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	poll_at(&f, t2 + rto_ns);
	expect_data(&f, snd + 100, 100, 100);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rto"), 1);
	poll_at(&f, t2 + 3 * rto_ns - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	poll_at(&f, t2 + 3 * rto_ns);
	expect_data(&f, snd + 100, 100, 100);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rto"), 2);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), 2);
	/* Karn: the ACK of a retransmitted segment gives no sample. */
	h_poll(&f.h, 7);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 200, NULL, 0));
	CU_ASSERT_EQUAL(f.tp->srtt_us, srtt);
	CU_ASSERT_EQUAL(f.tp->rttvar_us, rttvar);
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 0);
	/* A fresh segment is timed again. */
	CU_ASSERT_EQUAL(app_send(&f, 200, 100), 100);
	expect_data(&f, snd + 200, 100, 200);
	h_poll(&f.h, 40);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 300, NULL, 0));
	CU_ASSERT_NOT_EQUAL(f.tp->srtt_us, srtt);
out:
	tf_teardown(&f);
}

/* With the default minimum (200 ms), a 1 ms handshake gives RTO = 200 ms (RFC 6298 §2.4). */
static void
test_rto_min_clamp(void)
{
	struct tf f;

	TF_REQUIRE(established(&f, NULL));
	if (f.tp->srtt_us != 0) {
		CU_ASSERT_EQUAL(f.tp->srtt_us, 1000);
		CU_ASSERT_EQUAL(f.tp->rttvar_us, 500);
		CU_ASSERT_EQUAL(f.tp->rto_us, 200000);
	} else {
		CU_ASSERT_EQUAL(f.tp->rto_us, 1000000);
	}
out:
	tf_teardown(&f);
}

/* tcp_retries retransmissions of data, then ETIMEDOUT at the next expiry. */
static void
test_rto_give_up(void)
{
	struct berth_stack_conf c = { .tcp_retries = 3 };
	struct tf f;
	tcp_seq snd;
	uint64_t t, r;
	unsigned int k;
	uint32_t ev;
	int err = 0;

	TF_REQUIRE(established(&f, &c));
	snd = f.tp->snd_nxt;
	r = (uint64_t)f.tp->rto_us * US;
	t = f.h.now;
	CU_ASSERT_EQUAL(app_send(&f, 0, 100), 100);
	expect_data(&f, snd, 100, 0);
	/* Expiries at t + r, 3r, 7r retransmit; t + 15r gives up. */
	for (k = 1; k <= 3; k++) {
		uint64_t at = t + ((1ull << k) - 1) * r;

		poll_at(&f, at - BERTH_NS_PER_MS);
		tf_expect_none(&f);
		poll_at(&f, at);
		expect_data(&f, snd, 100, 0);
		tf_expect_none(&f);
	}
	poll_at(&f, t + 15 * r - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL), 0);
	poll_at(&f, t + 15 * r);
	tx_drain(&f); /* a RST to the peer is allowed, not required */
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
	ev = tf_events(&f, f.sd, &err);
	CU_ASSERT(ev & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ETIMEDOUT);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_timedout"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), 3);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 0);
	poll_at(&f, t + 100 * r);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/*
 * An RTO resends from SND.UNA, but the sequence space already sent stays
 * sent: RFC 9293's SND.NXT does not move back (berth keeps it in snd_max).
 * An ACK sent meanwhile carries <SEQ=SND.NXT> of the RFC: with the rewound
 * value it would lie below the peer's RCV.NXT whenever the peer got the
 * segments after the lost one, and the peer would discard it as not
 * acceptable (§3.10.7.4, first) without reading its ACK field. Two ends
 * both in that position ignore each other's ACKs for ever (seen in the
 * simulation: test_sim_tcp --scenario many --seed 141).
 */
static void
test_rto_ack_seq(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint64_t t, r;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	r = (uint64_t)f.tp->rto_us * US;
	t = f.h.now;
	CU_ASSERT_EQUAL(app_send(&f, 0, 2920), 2920);
	expect_data(&f, snd, 1460, 0);
	expect_data(&f, snd + 1460, 1460, 1460);
	/* The first segment was lost: the RTO resends it. */
	poll_at(&f, t + r);
	expect_data(&f, snd, 1460, 0);
	tf_expect_none(&f);
	/* An old segment from the peer: the ACK that answers it comes from the top. */
	tf_in(&f, peer_data(&f, rcv - 20, 0, 10, snd));
	tf_expect(&f, TCP_ACK, snd + 2920, rcv);
	tf_expect_none(&f);
	/* The peer's ACK of both segments is taken; nothing more is resent. */
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 2920, NULL, 0));
	CU_ASSERT_EQUAL(f.tp->snd_una, snd + 2920);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 0);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/*
 * The peer shrank its window to zero below data we already sent (it dropped
 * that data). Our ACKs must carry SEQ = SND.UNA + SND.WND, not SND.NXT:
 * with RCV.WND = 0 the peer accepts only SEG.SEQ == RCV.NXT and would
 * discard an ACK from beyond, its ACK field unread (RFC 9293 §3.10.7.4).
 * Seen against Linux: both ends waited on each other for a minute.
 */
static void
test_ack_seq_window_shrunk(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(app_send(&f, 0, 2920), 2920);
	expect_data(&f, snd, 1460, 0);
	expect_data(&f, snd + 1460, 1460, 1460);
	/* The peer acknowledges nothing and closes its window; it sends data. */
	f.peer_win = 0;
	tf_in(&f, peer_data(&f, rcv, 0, 10, snd));
	CU_ASSERT_EQUAL(f.tp->snd_wnd, 0);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 10);
	tf_expect(&f, TCP_ACK, snd, rcv + 10);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/* The RTO never exceeds tcp_rto_max_ns, however often it backs off. */
static void
test_rto_max(void)
{
	struct berth_stack_conf c = { .tcp_rto_max_ns = BERTH_NS_PER_SEC, .tcp_retries = 8 };
	struct tf f;
	tcp_seq snd;
	uint64_t t, r;
	unsigned int k;

	TF_REQUIRE(established(&f, &c));
	snd = f.tp->snd_nxt;
	t = f.h.now;
	r = (uint64_t)f.tp->rto_us * US;
	CU_ASSERT(r <= BERTH_NS_PER_SEC);
	CU_ASSERT_EQUAL(app_send(&f, 0, 100), 100);
	expect_data(&f, snd, 100, 0);
	for (k = 0; k < 6; k++) {
		uint64_t next = r;

		poll_at(&f, t + next);
		expect_data(&f, snd, 100, 0);
		t += next;
		r = RTE_MIN(2 * r, BERTH_NS_PER_SEC);
		CU_ASSERT((uint64_t)f.tp->rto_us * US <= BERTH_NS_PER_SEC);
	}
	/* Backed off to the ceiling: one second apart now. */
	poll_at(&f, t + BERTH_NS_PER_SEC - BERTH_NS_PER_MS);
	tf_expect_none(&f);
	poll_at(&f, t + BERTH_NS_PER_SEC);
	expect_data(&f, snd, 100, 0);
out:
	tf_teardown(&f);
}

/* ---- closing with data ---- */

/* shutdown(WR): our FIN goes out, and data from the peer is still read (half-close). */
static void
test_half_close(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[64];

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(berth_sock_shutdown(f.h.st, f.sd, BERTH_SHUT_WR), 0);
	tf_expect(&f, TCP_FIN | TCP_ACK, snd, rcv);
	CU_ASSERT(app_send(&f, 0, 10) < 0);
	tf_expect_none(&f);
	/* FIN-WAIT-1: data arrives and is read. */
	tf_in(&f, peer_data(&f, rcv, 0, 20, snd));
	tf_expect(&f, TCP_ACK, snd + 1, rcv + 20);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_FIN_WAIT_1);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 20);
	CU_ASSERT(is_pat(buf, 0, 20));
	/* FIN-WAIT-2: still. */
	tf_in(&f, peer_data(&f, rcv, 20, 20, snd + 1));
	tf_expect(&f, TCP_ACK, snd + 1, rcv + 40);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_FIN_WAIT_2);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 20);
	CU_ASSERT(is_pat(buf, 20, 20));
	/* Data and FIN together: the data first, then end of stream. */
	fill(buf, 40, 5);
	tf_in(&f, tf_raw(&f, TCP_ACK | TCP_FIN, rcv + 40, snd + 1, buf, 5));
	tf_expect(&f, TCP_ACK, snd + 1, rcv + 46);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 5);
	CU_ASSERT(is_pat(buf, 40, 5));
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
out:
	tf_teardown(&f);
}

/*
 * Data that arrived before the peer's FIN and was not read yet survives the
 * move to TIME-WAIT: RFC 9293 §3.10.7.4, eighth, signals "connection
 * closing" only after the data queued before it.
 */
static void
test_unread_data_survives_time_wait(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[256];

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_FIN_WAIT_2) != NULL);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, peer_data(&f, rcv, 0, 100, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 100);
	tf_in(&f, tf_raw(&f, TCP_ACK | TCP_FIN, rcv + 100, snd, NULL, 0));
	tf_expect(&f, TCP_ACK, snd, rcv + 101);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 100);
	CU_ASSERT(is_pat(buf, 0, 100));
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
out:
	tf_teardown(&f);
}

/* The other half: after the peer's FIN we still send, then close (CLOSE-WAIT -> LAST-ACK). */
static void
test_half_close_peer(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	uint8_t buf[16];

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_CLOSE_WAIT) != NULL);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(app_send(&f, 0, 300), 300);
	expect_data(&f, snd, 300, 0);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 300, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	f.sd = -1;
	tf_expect(&f, TCP_FIN | TCP_ACK, snd + 300, rcv);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_LAST_ACK);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 301, NULL, 0));
	tf_expect_none(&f);
	f.tp = NULL;
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 0);
out:
	tf_teardown(&f);
}

/* Check the abort of the connection: one RST <SEQ=SND.NXT>, then nothing is left. */
static void
expect_abort(struct tf *f, tcp_seq snd_nxt, uint64_t rst_tx)
{
	struct tf_pkt p;

	if (tf_tx_tcp(f, &p)) {
		CU_ASSERT(p.flags & TCP_RST);
		CU_ASSERT_EQUAL(p.flags & (TCP_SYN | TCP_FIN), 0);
		CU_ASSERT_EQUAL(p.seq, snd_nxt);
		CU_ASSERT_EQUAL(p.len, 0);
	}
	tf_expect_none(f);
	f->tp = NULL;
	CU_ASSERT_EQUAL(tf_conn_state(f), TCP_CLOSED);
	CU_ASSERT_EQUAL(f->h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tcp_tw_count(f->h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&f->h, "tcp_rst_tx"), rst_tx + 1);
	/* Nothing follows, not even later. */
	h_poll(&f->h, 10000);
	tf_expect_none(f);
}

/* SO_LINGER 0: close aborts with a RST and discards unsent data. */
static void
test_close_linger0_rst(void)
{
	struct tf f;
	tcp_seq snd;
	int v = -2;

	TF_REQUIRE(established(&f, NULL));
	CU_ASSERT_EQUAL(app_send(&f, 0, 500), 500);
	tx_drain(&f);
	snd = f.tp->snd_nxt;
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_LINGER, 0), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_SO_LINGER, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	f.sd = -1;
	expect_abort(&f, snd, 0);
out:
	tf_teardown(&f);
}

/* Closing with received data unread tells the peer it was lost: RST (RFC 9293 §3.10.4). */
static void
test_close_unread_rst(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, peer_data(&f, rcv, 0, 10, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 10);
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	f.sd = -1;
	expect_abort(&f, snd, 0);
out:
	tf_teardown(&f);
}

/* ---- zero copy ---- */

/* The app's mbuf is sent, retransmitted from the same data, and freed once. */
static void
test_zc_send_rexmit(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	struct rte_mbuf *m;
	unsigned int in_use0;
	uint64_t t, r;
	uint8_t *p;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	in_use0 = rte_mempool_in_use_count(f.h.pool);
	m = berth_sock_alloc_mbuf(f.h.st);
	TF_REQUIRE(m != NULL);
	CU_ASSERT(rte_pktmbuf_headroom(m) >= BERTH_SOCK_HEADROOM);
	p = (uint8_t *)rte_pktmbuf_append(m, 700);
	TF_REQUIRE(p != NULL);
	fill(p, 0, 700);
	t = f.h.now;
	r = (uint64_t)f.tp->rto_us * US;
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(f.h.st, f.sd, m, NULL), 700);
	expect_data(&f, snd, 700, 0);
	tf_expect_none(&f);
	/* The stack still holds the data for retransmission. */
	CU_ASSERT(rte_mempool_in_use_count(f.h.pool) > in_use0);
	poll_at(&f, t + r);
	expect_data(&f, snd, 700, 0);
	poll_at(&f, t + 3 * r);
	expect_data(&f, snd, 700, 0);
	tf_expect_none(&f);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 700, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(f.tp->sndq.bytes, 0);
	/* Freed exactly once: a double free would take the count below its start. */
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(f.h.pool), in_use0);
out:
	tf_teardown(&f);
}

/* A chain larger than one segment is cut at the MSS wherever its mbufs end. */
static void
test_zc_send_chain(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	struct rte_mbuf *m, *m2;
	unsigned int in_use0;
	uint8_t *p;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	in_use0 = rte_mempool_in_use_count(f.h.pool);
	m = berth_sock_alloc_mbuf(f.h.st);
	m2 = berth_sock_alloc_mbuf(f.h.st);
	TF_REQUIRE(m != NULL && m2 != NULL);
	p = (uint8_t *)rte_pktmbuf_append(m, 1001);
	TF_REQUIRE(p != NULL);
	fill(p, 0, 1001);
	p = (uint8_t *)rte_pktmbuf_append(m2, 999);
	TF_REQUIRE(p != NULL);
	fill(p, 1001, 999);
	TF_REQUIRE(rte_pktmbuf_chain(m, m2) == 0);
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(f.h.st, f.sd, m, NULL), 2000);
	expect_data(&f, snd, 1460, 0);
	berth_stack_flush(f.h.st, f.h.now);
	if (h_tx_count(&f.h) == 0)  /* Nagle may hold the short tail until the ACK */
		tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 1460, NULL, 0));
	expect_data(&f, snd + 1460, 540, 1460);
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 2000, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(f.h.pool), in_use0);
out:
	tf_teardown(&f);
}

/* Received data handed over as an mbuf; freeing it returns every buffer. */
static void
test_zc_recv(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	struct rte_mbuf *m = NULL;
	unsigned int in_use0;
	uint8_t buf[512];
	const uint8_t *d;
	ssize_t n;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	in_use0 = rte_mempool_in_use_count(f.h.pool);
	tf_in(&f, peer_data(&f, rcv, 0, 300, snd));
	tf_expect(&f, TCP_ACK, snd, rcv + 300);
	n = berth_sock_recvfrom_mbuf(f.h.st, f.sd, &m, NULL);
	CU_ASSERT_EQUAL(n, 300);
	TF_REQUIRE(m != NULL);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), 300);
	d = rte_pktmbuf_read(m, 0, 300, buf);
	TF_REQUIRE(d != NULL);
	CU_ASSERT(is_pat(d, 0, 300));
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(berth_sock_recvfrom_mbuf(f.h.st, f.sd, &m, NULL), -EAGAIN);
	CU_ASSERT_EQUAL(f.tp->rcvq.bytes, 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(f.h.pool), in_use0);
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s;

	s = tf_suite("receive");
	CU_add_test(s, "in order, across the wrap", test_rx_in_order);
	CU_add_test(s, "out of order", test_rx_out_of_order);
	CU_add_test(s, "out of order, overlapping", test_rx_ooo_overlap);
	CU_add_test(s, "duplicate and partly old data", test_rx_partial_duplicate);
	CU_add_test(s, "out-of-order queue bounded", test_rx_ooo_bounded);
	CU_add_test(s, "a long out-of-order run is held whole", test_rx_ooo_long_run);
	CU_add_test(s, "window advertised", test_rx_window_advertised);
	CU_add_test(s, "zero window and window update", test_rx_zero_window);

	s = tf_suite("send");
	CU_add_test(s, "segmented by MSS", test_tx_segmented_by_mss);
	CU_add_test(s, "peer's window", test_tx_peer_window);
	CU_add_test(s, "ACK frees the send buffer", test_tx_ack_frees);
	CU_add_test(s, "send buffer full, WRITABLE", test_tx_sndbuf_writable);

	s = tf_suite("retransmission");
	CU_add_test(s, "SYN: 1 s, backoff, Karn", test_rto_syn_schedule);
	CU_add_test(s, "SYN: give up", test_rto_syn_give_up);
	CU_add_test(s, "SYN-ACK: retries and give up", test_rto_synack_give_up);
	CU_add_test(s, "SRTT/RTTVAR/RTO arithmetic, backoff, Karn", test_rto_rtt_arithmetic);
	CU_add_test(s, "minimum RTO", test_rto_min_clamp);
	CU_add_test(s, "maximum RTO", test_rto_max);
	CU_add_test(s, "ACKs after an RTO carry SND.NXT", test_rto_ack_seq);
	CU_add_test(s, "ACKs at the right edge of a shrunk window", test_ack_seq_window_shrunk);
	CU_add_test(s, "data: give up", test_rto_give_up);

	s = tf_suite("closing");
	CU_add_test(s, "half-close: shutdown(WR), reading continues", test_half_close);
	CU_add_test(s, "half-close: sending after the peer's FIN", test_half_close_peer);
	CU_add_test(s, "unread data survives TIME-WAIT", test_unread_data_survives_time_wait);
	CU_add_test(s, "SO_LINGER 0: RST", test_close_linger0_rst);
	CU_add_test(s, "close with unread data: RST", test_close_unread_rst);

	s = tf_suite("zero copy");
	CU_add_test(s, "send, retransmit, freed once", test_zc_send_rexmit);
	CU_add_test(s, "send a chain", test_zc_send_chain);
	CU_add_test(s, "receive", test_zc_recv);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
