/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP flow mechanisms on the virtual clock: delayed ACKs (one segment ->
 * ACK after 40 ms, two full segments -> at once, out of order and hole
 * filling -> at once, piggybacked on data; an ACK owed at once waits for the
 * application's turn and rides on its answer), Nagle and BERTH_SO_NODELAY,
 * the persist timer (exact backoff, 10 minutes of closed window survived,
 * unanswered probes give up), sender and receiver silly-window avoidance,
 * keepalive (off by default, probe timing, answer, abort with ETIMEDOUT)
 * and the MSS floor.
 *
 * Read first: RFC 1122 §4.2.3.2, §4.2.2.17, §4.2.3.6; RFC 9293 §3.7.4,
 * §3.8.6; RFC 896.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp_fixture.h"

#define MS BERTH_NS_PER_MS
#define SEC BERTH_NS_PER_SEC

static uint8_t zeros[TF_MAX_DATA];

/* Frames the stack sent so far (after a flush), none taken. */
static unsigned int
sent(struct tf *f)
{
	berth_stack_flush(f->h.st, f->h.now);
	return h_tx_count(&f->h);
}

/* Advance the clock to absolute t and poll. */
static void
poll_at(struct tf *f, uint64_t t)
{
	if (t > f->h.now)
		h_poll_ns(&f->h, t - f->h.now);
	else
		h_poll_ns(&f->h, 0);
}

static bool
established(struct tf *f, const struct berth_stack_conf *c)
{
	tf_setup_conf(f, c);
	if (tf_tcb_in_state(f, TCP_ESTABLISHED) == NULL)
		return false;
	berth_stack_flush(f->h.st, f->h.now);
	h_tx_drain(&f->h);
	return true;
}

/* The peer sends len bytes at RCV.NXT + off. */
static void
peer_data(struct tf *f, int32_t off, uint16_t len)
{
	tf_in(f, tf_seg(f, f->tp, TCP_ACK, off, 0, zeros, len));
}

/* The peer acknowledges up to ack with its window f->peer_win. */
static void
peer_ack(struct tf *f, tcp_seq ack)
{
	tf_in(f, tf_raw(f, TCP_ACK, f->tp->rcv_nxt, ack, NULL, 0));
}

/* ---- delayed ACK ---- */

static void
test_delack_one_segment(void)
{
	struct tf f;
	tcp_seq rcv;
	uint64_t t0;

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	t0 = f.h.now;
	peer_data(&f, 0, 100);
	/* RFC 1122 §4.2.3.2: one segment waits for the delayed-ACK timer, 40 ms. */
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT(timer_armed(&f.tp->delack_timer));
	CU_ASSERT_EQUAL(f.tp->delack_timer.expire, t0 + 40 * MS);
	poll_at(&f, t0 + 39 * MS);
	CU_ASSERT_EQUAL(sent(&f), 0);
	poll_at(&f, t0 + 40 * MS);
	CU_ASSERT_EQUAL(sent(&f), 1);
	CU_ASSERT(tf_expect(&f, TCP_ACK, f.tp->snd_nxt, rcv + 100));
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_delayed_acks"), 1);
	CU_ASSERT_FALSE(f.tp->ack_delayed);
	/* Nothing more owed: the timer does not send again. */
	poll_at(&f, t0 + 200 * MS);
	CU_ASSERT_EQUAL(sent(&f), 0);
out:
	tf_teardown(&f);
}

static void
test_delack_two_full(void)
{
	struct tf f;
	tcp_seq rcv;

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	peer_data(&f, 0, TF_PEER_MSS);
	CU_ASSERT_EQUAL(sent(&f), 0);
	/* RFC 1122 §4.2.3.2: at least every second full-sized segment, at once. */
	peer_data(&f, 0, TF_PEER_MSS);
	CU_ASSERT_EQUAL(sent(&f), 1);
	CU_ASSERT(tf_expect(&f, TCP_ACK, f.tp->snd_nxt, rcv + 2 * TF_PEER_MSS));
	CU_ASSERT_FALSE(timer_armed(&f.tp->delack_timer));
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_delayed_acks"), 0);
out:
	tf_teardown(&f);
}

static void
test_delack_out_of_order(void)
{
	struct tf f;
	tcp_seq rcv;

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	/* Out of order: a duplicate ACK at once (the sender learns of the hole). */
	peer_data(&f, 100, 100);
	CU_ASSERT_EQUAL(sent(&f), 1);
	CU_ASSERT(tf_expect(&f, TCP_ACK, f.tp->snd_nxt, rcv));
	/* Filling the hole: at once too, covering both. */
	peer_data(&f, 0, 100);
	CU_ASSERT_EQUAL(sent(&f), 1);
	CU_ASSERT(tf_expect(&f, TCP_ACK, f.tp->snd_nxt, rcv + 200));
	CU_ASSERT_FALSE(timer_armed(&f.tp->delack_timer));
out:
	tf_teardown(&f);
}

static void
test_delack_piggyback_and_fin(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq rcv, snd;

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	snd = f.tp->snd_nxt;
	peer_data(&f, 0, 100);
	CU_ASSERT_EQUAL(sent(&f), 0);
	/* Data we send carries the ACK: the timer stops. */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, "reply", 5), 5);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd);
	CU_ASSERT_EQUAL(p.ack, rcv + 100);
	CU_ASSERT_EQUAL(p.len, 5);
	CU_ASSERT_FALSE(timer_armed(&f.tp->delack_timer));
	/* A FIN is acknowledged at once. */
	tf_in(&f, tf_seg(&f, f.tp, TCP_ACK | TCP_FIN, 0, 0, NULL, 0));
	CU_ASSERT_EQUAL(sent(&f), 1);
	CU_ASSERT(tf_expect(&f, TCP_ACK, snd + 5, rcv + 101));
out:
	tf_teardown(&f);
}

/*
 * An ACK owed at the end of input waits for the application's turn
 * (tcp_ack_later): the answer written and the close() called in that turn
 * leave as one segment carrying the ACK, the data and the FIN.
 */
static void
test_ack_waits_for_turn(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq rcv, snd;
	char buf[2 * TF_PEER_MSS];

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	snd = f.tp->snd_nxt;
	/* Two full segments owe an ACK at once: it is not on the wire after the poll. */
	peer_data(&f, 0, TF_PEER_MSS);
	peer_data(&f, 0, TF_PEER_MSS);
	CU_ASSERT_EQUAL(h_tx_count(&f.h), 0);
	CU_ASSERT(f.tp->ack_turn);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, "HTTP/1.1 ", 9), 9);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, "200 OK", 6), 6);
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	f.sd = -1;
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags & ~TCP_PSH, TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(p.seq, snd);
	CU_ASSERT_EQUAL(p.ack, rcv + 2 * TF_PEER_MSS);
	CU_ASSERT_EQUAL(p.len, 15);
	CU_ASSERT_FALSE(f.tp->ack_turn);
out:
	tf_teardown(&f);
}

/* With nothing to answer, the owed ACK goes at the next poll on its own. */
static void
test_ack_next_poll(void)
{
	struct tf f;
	tcp_seq rcv;

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	peer_data(&f, 0, TF_PEER_MSS);
	peer_data(&f, 0, TF_PEER_MSS);
	CU_ASSERT_EQUAL(h_tx_count(&f.h), 0);
	h_poll(&f.h, 0);
	CU_ASSERT_EQUAL(h_tx_count(&f.h), 1);
	CU_ASSERT(tf_expect(&f, TCP_ACK, f.tp->snd_nxt, rcv + 2 * TF_PEER_MSS));
	CU_ASSERT(tf_expect_none(&f));
out:
	tf_teardown(&f);
}

/*
 * Segments out of order in one burst each get their own duplicate ACK (the
 * sender counts them, RFC 5681 §3.2): at most one of them waits for the turn.
 */
static void
test_ack_dups_in_burst(void)
{
	struct tf f;
	tcp_seq rcv;
	int i;

	TF_REQUIRE(established(&f, NULL));
	rcv = f.tp->rcv_nxt;
	for (i = 1; i <= 3; i++)
		h_inject(&f.h, tf_seg(&f, f.tp, TCP_ACK, i * 100, 0, zeros, 100));
	h_poll(&f.h, 0);
	CU_ASSERT_EQUAL(h_tx_count(&f.h), 2);
	CU_ASSERT_EQUAL(sent(&f), 3);
	for (i = 0; i < 3; i++)
		CU_ASSERT(tf_expect(&f, TCP_ACK, f.tp->snd_nxt, rcv));
	CU_ASSERT(tf_expect_none(&f));
out:
	tf_teardown(&f);
}

/* ---- Nagle ---- */

static void
test_nagle(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	/* Nothing outstanding: a small segment goes. */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 100), 100);
	CU_ASSERT_EQUAL(sent(&f), 1);
	h_tx_drain(&f.h);
	/* RFC 896: unacknowledged data outstanding: the next small one waits ... */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 50), 50);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 50), 50);
	CU_ASSERT_EQUAL(sent(&f), 0);
	/* ... for the ACK, then goes as one segment. */
	peer_ack(&f, snd + 100);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd + 100);
	CU_ASSERT_EQUAL(p.len, 100);
	/* A FIN flushes what Nagle holds. */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 10), 10);
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT_EQUAL(berth_sock_shutdown(f.h.st, f.sd, BERTH_SHUT_WR), 0);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd + 200);
	CU_ASSERT_EQUAL(p.len, 10);
	CU_ASSERT(p.flags & TCP_FIN);
out:
	tf_teardown(&f);
}

static void
test_nodelay(void)
{
	struct tf_pkt p;
	struct tf f;
	int v = -1;

	TF_REQUIRE(established(&f, NULL));
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_SO_NODELAY, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_NODELAY, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_SO_NODELAY, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* Sends of one turn of the application leave together (tcp_output_later). */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 60), 60);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 40), 40);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.len, 100);
	/* NODELAY: each later small send goes in its turn, unacknowledged data or not. */
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 50), 50);
	CU_ASSERT_EQUAL(sent(&f), 1);
	h_tx_drain(&f.h);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 50), 50);
	CU_ASSERT_EQUAL(sent(&f), 1);
	h_tx_drain(&f.h);
	/* Turned on while Nagle holds data: it goes. */
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_NODELAY, 0), 0);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 20), 20);
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_NODELAY, 1), 0);
	CU_ASSERT_EQUAL(sent(&f), 1);
out:
	tf_teardown(&f);
}

/* ---- persist timer ---- */

/* The persist interval after n probes: RTO * 2^n, at most 60 s. */
static uint64_t
persist_ns(const struct tf *f, unsigned int n)
{
	uint64_t ns = RTE_MAX((uint64_t)f->tp->rto_us * 1000, f->h.st->conf.tcp_rto_min_ns);

	while (n-- > 0 && ns < 60 * SEC)
		ns *= 2;
	return RTE_MIN(ns, 60 * SEC);
}

static void
test_persist_backoff(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd;
	uint64_t t, start;
	unsigned int n = 0;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	f.peer_win = 0;
	peer_ack(&f, snd);
	CU_ASSERT_EQUAL(f.tp->snd_wnd, 0);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 100), 100);
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT(timer_armed(&f.tp->persist_timer));
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	/* RFC 1122 §4.2.2.17: probes at RTO, then doubling, capped at 60 s; 10 minutes shut. */
	start = t = f.h.now;
	while (f.h.now - start < 600 * SEC) {
		t += persist_ns(&f, n);
		CU_ASSERT_EQUAL(f.tp->persist_timer.expire, t);
		poll_at(&f, t - MS);
		CU_ASSERT_EQUAL(sent(&f), 0);
		poll_at(&f, t);
		CU_ASSERT_EQUAL(sent(&f), 1);
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.seq, snd);
		CU_ASSERT_EQUAL(p.len, 1);
		n++;
		/* The peer answers: the byte does not fit, the window stays shut. */
		peer_ack(&f, snd);
		CU_ASSERT_EQUAL(sent(&f), 0);
		CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	}
	CU_ASSERT_EQUAL(persist_ns(&f, n), 60 * SEC);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_persist_probes"), n);
	CU_ASSERT_EQUAL(f.tp->state, TCP_ESTABLISHED);
	/* The window opens: all the data goes, the persist timer stops. */
	f.peer_win = 65535;
	peer_ack(&f, snd);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd);
	CU_ASSERT_EQUAL(p.len, 100);
	CU_ASSERT_FALSE(timer_armed(&f.tp->persist_timer));
	CU_ASSERT(timer_armed(&f.tp->rexmit_timer));
	peer_ack(&f, snd + 100);
	CU_ASSERT_EQUAL(f.tp->snd_una, snd + 100);
out:
	tf_teardown(&f);
}

static void
test_persist_unanswered(void)
{
	struct berth_stack_conf conf = { .tcp_retries = 3 };
	struct tf f;
	int err = 0;
	unsigned int i;

	TF_REQUIRE(established(&f, &conf));
	f.peer_win = 0;
	peer_ack(&f, f.tp->snd_nxt);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 10), 10);
	/* Nothing goes into the closed window: the persist timer runs. */
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT(timer_armed(&f.tp->persist_timer));
	/* Three probes nobody answers, then the connection is given up. */
	for (i = 0; i < 3; i++) {
		poll_at(&f, f.tp->persist_timer.expire);
		CU_ASSERT_EQUAL(sent(&f), 1);
		h_tx_drain(&f.h);
	}
	poll_at(&f, f.tp->persist_timer.expire);
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT(tf_events(&f, f.sd, &err) & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ETIMEDOUT);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_timedout"), 1);
out:
	tf_teardown(&f);
}

/* ---- silly window syndrome avoidance ---- */

static void
test_sws_sender(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd;
	uint64_t rto;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	/* The peer offered 65535 once; now a 500-byte window. */
	f.peer_win = 500;
	peer_ack(&f, snd);
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 3000), 3000);
	/* RFC 9293 §3.8.6.2.1: < MSS, < all queued, < half the max window: wait. */
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT(timer_armed(&f.tp->rexmit_timer));
	rto = f.tp->rexmit_timer.expire;
	/* The override timeout: what the window allows goes. */
	poll_at(&f, rto - MS);
	CU_ASSERT_EQUAL(sent(&f), 0);
	poll_at(&f, rto);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd);
	CU_ASSERT_EQUAL(p.len, 500);
	/* A window of a full MSS: a full segment goes at once. */
	f.peer_win = 2000;
	peer_ack(&f, snd + 500);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd + 500);
	CU_ASSERT_EQUAL(p.len, TF_PEER_MSS);
	CU_ASSERT_EQUAL(sent(&f), 0); /* 540 left in the window: waits */
out:
	tf_teardown(&f);
}

static void
test_sws_sender_small_peer(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd;

	/* A peer whose window is never more than 1000: half of it is enough. */
	tf_setup_conf(&f, NULL);
	f.peer_win = 1000;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	berth_stack_flush(f.h.st, f.h.now);
	h_tx_drain(&f.h);
	snd = f.tp->snd_nxt;
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 3000), 3000);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd);
	CU_ASSERT_EQUAL(p.len, 1000);
	CU_ASSERT_EQUAL(sent(&f), 0);
	/* 600 of it acknowledged: 600 >= 1000/2 goes. */
	peer_ack(&f, snd + 600);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.seq, snd + 1000);
	CU_ASSERT_EQUAL(p.len, 600);
	/* 300 more: below half the window, not all the data: waits. */
	peer_ack(&f, snd + 900);
	CU_ASSERT_EQUAL(sent(&f), 0);
out:
	tf_teardown(&f);
}

static void
test_sws_receiver(void)
{
	struct berth_stack_conf conf = { .tcp_rcvbuf = 4096 };
	struct tf f;
	struct tf_pkt p;
	uint8_t buf[4096];
	tcp_seq rcv;

	TF_REQUIRE(established(&f, &conf));
	rcv = f.tp->rcv_nxt;
	CU_ASSERT_EQUAL(tcp_rcv_window(f.tp), 4096);
	peer_data(&f, 0, 1460);
	peer_data(&f, 0, 1460);
	peer_data(&f, 0, 1176);
	tf_delack_fire(&f.h);
	berth_stack_flush(f.h.st, f.h.now);
	h_tx_drain(&f.h);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv + 4096);
	CU_ASSERT_EQUAL(tcp_rcv_window(f.tp), 0);
	/* RFC 9293 §3.8.6.2.2: 1000 bytes free < min(4096/2, MSS 1460): still 0. */
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, 1000), 1000);
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT_EQUAL(tcp_rcv_window(f.tp), 0);
	/* An ACK sent now (a duplicate from the peer asks for one) says 0 too. */
	tf_in(&f, tf_seg(&f, f.tp, TCP_ACK, -10, 0, zeros, 10));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.win, 0);
	/* 1500 free >= 1460: the window opens, with an update at once. */
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, 500), 500);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.ack, rcv + 4096);
	CU_ASSERT_EQUAL(p.win, 1500);
out:
	tf_teardown(&f);
}

/* ---- keepalive ---- */

static void
test_keepalive_off(void)
{
	struct tf f;
	int v = -1;

	TF_REQUIRE(established(&f, NULL));
	/* RFC 1122 §4.2.3.6: off by default; hours of silence send nothing. */
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_SO_KEEPALIVE, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_TCP_KEEPIDLE, &v), 0);
	CU_ASSERT_EQUAL(v, 7200);
	poll_at(&f, f.h.now + 3 * 3600 * SEC);
	CU_ASSERT_EQUAL(sent(&f), 0);
	CU_ASSERT_EQUAL(f.tp->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPCNT, 0), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPIDLE, 40000), -EINVAL);
out:
	tf_teardown(&f);
}

static void
test_keepalive_probes(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd, rcv;
	uint64_t t;
	int err = 0;
	unsigned int i;

	TF_REQUIRE(established(&f, NULL));
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	t = f.h.now;
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPIDLE, 10), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPINTVL, 2), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPCNT, 3), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_KEEPALIVE, 1), 0);
	/* After the idle time: <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data. */
	poll_at(&f, t + 10 * SEC - MS);
	CU_ASSERT_EQUAL(sent(&f), 0);
	poll_at(&f, t + 10 * SEC);
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_ACK);
	CU_ASSERT_EQUAL(p.seq, snd - 1);
	CU_ASSERT_EQUAL(p.ack, rcv);
	CU_ASSERT_EQUAL(p.len, 0);
	/* The peer answers: a full idle time again before the next probe. */
	poll_at(&f, t + 11 * SEC);
	peer_ack(&f, snd);
	t = f.h.now;
	poll_at(&f, t + 10 * SEC - MS);
	CU_ASSERT_EQUAL(sent(&f), 0);
	/* Now silence: probes at idle, idle + 2 s, idle + 4 s; gone at idle + 6 s. */
	for (i = 0; i < 3; i++) {
		poll_at(&f, t + 10 * SEC + i * 2 * SEC - MS);
		CU_ASSERT_EQUAL(sent(&f), 0);
		poll_at(&f, t + 10 * SEC + i * 2 * SEC);
		CU_ASSERT(tf_expect(&f, TCP_ACK, snd - 1, rcv));
	}
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_keepalive_probes"), 4);
	poll_at(&f, t + 16 * SEC - MS);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL) & BERTH_EV_ERROR, 0);
	poll_at(&f, t + 16 * SEC);
	CU_ASSERT(tf_events(&f, f.sd, &err) & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ETIMEDOUT);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_keepalive_drops"), 1);
	CU_ASSERT_EQUAL(sent(&f), 0);
out:
	tf_teardown(&f);
}

/* ---- options on a listener ---- */

/*
 * Keepalive and the end of a connection share the connection timer (as
 * Linux's sk_timer): once the socket is closed in FIN-WAIT-2, the
 * FIN-WAIT-2 timeout replaces keepalive (no probe, gone on time); a
 * TIME-WAIT TCB the application still holds keeps its 2*MSL whatever the
 * keepalive options say.
 */
static void
test_keepalive_gives_way(void)
{
	struct berth_stack_conf conf = { .tcp_fin_wait2_ns = 5 * SEC, .tcp_msl_ns = 3 * SEC };
	struct tf f;
	tcp_seq snd;
	uint64_t t;

	/* Closed in FIN-WAIT-2. */
	TF_REQUIRE(established(&f, &conf));
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPIDLE, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_KEEPALIVE, 1), 0);
	snd = f.tp->snd_nxt;
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	f.sd = -1;
	CU_ASSERT_EQUAL(sent(&f), 1);     /* our FIN */
	h_tx_drain(&f.h);
	peer_ack(&f, snd + 1);
	CU_ASSERT_EQUAL(f.tp->state, TCP_FIN_WAIT_2);
	t = f.h.now;
	CU_ASSERT_EQUAL(f.tp->conn_timer.expire, t + 5 * SEC);
	poll_at(&f, t + 2 * SEC);
	CU_ASSERT_EQUAL(sent(&f), 0);     /* no keepalive probe */
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_keepalive_probes"), 0);
	poll_at(&f, t + 5 * SEC);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	f.tp = NULL;
	tf_teardown(&f);

	/* TIME-WAIT, still held. */
	TF_REQUIRE(established(&f, &conf));
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_SO_KEEPALIVE, 1), 0);
	snd = f.tp->snd_nxt;
	CU_ASSERT_EQUAL(berth_sock_shutdown(f.h.st, f.sd, BERTH_SHUT_WR), 0);
	CU_ASSERT_EQUAL(sent(&f), 1);
	h_tx_drain(&f.h);
	peer_ack(&f, snd + 1);
	tf_in(&f, tf_seg(&f, f.tp, TCP_ACK | TCP_FIN, 0, 0, NULL, 0));
	CU_ASSERT_EQUAL(f.tp->state, TCP_TIME_WAIT);
	t = f.h.now;
	CU_ASSERT_EQUAL(f.tp->conn_timer.expire, t + 6 * SEC);
	/* Keepalive options change: the 2*MSL count stays. */
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_KEEPIDLE, 1), 0);
	CU_ASSERT(timer_armed(&f.tp->conn_timer));
	CU_ASSERT_EQUAL(f.tp->conn_timer.expire, t + 6 * SEC);
	poll_at(&f, t + 6 * SEC);
	CU_ASSERT_EQUAL(f.tp->state, TCP_CLOSED);
out:
	tf_teardown(&f);
}

static void
test_listener_inherits(void)
{
	struct tf_hdr hd = { .sport = TF_PEER_PORT + 1, .dport = TF_PORT, .seq = 1000,
			     .flags = TCP_SYN, .win = 65535 };
	struct tf f;
	struct tf_pkt p;
	struct tcb *child;
	int sd, v = -1;

	tf_setup_conf(&f, NULL);
	f.passive = true;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	berth_stack_flush(f.h.st, f.h.now);
	h_tx_drain(&f.h);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.lsd, BERTH_SO_NODELAY, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.lsd, BERTH_SO_KEEPALIVE, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.lsd, BERTH_TCP_KEEPIDLE, 30), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.lsd, BERTH_TCP_KEEPIDLE, &v), 0);
	CU_ASSERT_EQUAL(v, 30);
	/* A second connection from another port: SYN, SYN-ACK, ACK, accept. */
	tf_in(&f, tf_build(&f, &hd, NULL, 0));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	hd.seq = 1001;
	hd.ack = p.seq + 1;
	hd.flags = TCP_ACK;
	tf_in(&f, tf_build(&f, &hd, NULL, 0));
	sd = berth_sock_accept(f.h.st, f.lsd, NULL);
	TF_REQUIRE(sd >= 0);
	child = (struct tcb *)sock_lookup(f.h.st, sd);
	TF_REQUIRE(child != NULL);
	CU_ASSERT(child->fo.nodelay);
	CU_ASSERT(child->fo.keepalive);
	CU_ASSERT_EQUAL(child->fo.keepidle_s, 30);
	CU_ASSERT(timer_armed(&child->conn_timer));
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, sd, BERTH_SO_NODELAY, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* The first connection was accepted before: it kept the defaults. */
	CU_ASSERT_FALSE(f.tp->fo.nodelay);
	CU_ASSERT_FALSE(f.tp->fo.keepalive);
	berth_sock_close(f.h.st, sd);
out:
	tf_teardown(&f);
}

/* ---- MSS floor ---- */

static void
test_mss_floor(void)
{
	struct tf f;
	struct tf_pkt p;
	tcp_seq snd;
	unsigned int i;

	tf_setup_conf(&f, NULL);
	f.peer_mss = 1;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	berth_stack_flush(f.h.st, f.h.now);
	h_tx_drain(&f.h);
	/* A peer MSS of 1 is clamped to 48 (TCP_MIN_MSS, as Linux's tcp_min_snd_mss). */
	CU_ASSERT_EQUAL(TCP_MIN_MSS, 48);
	CU_ASSERT_EQUAL(f.tp->snd_mss, TCP_MIN_MSS);
	snd = f.tp->snd_nxt;
	CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, zeros, 200), 200);
	/* 48-byte segments; the 8-byte tail waits for an ACK (Nagle): no tiny-segment storm. */
	for (i = 0; i < 4; i++) {
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.seq, snd + i * 48);
		CU_ASSERT_EQUAL(p.len, 48);
	}
	CU_ASSERT_EQUAL(sent(&f), 0);
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s;

	s = tf_suite("delayed ACK");
	CU_add_test(s, "one segment: ACK after 40 ms", test_delack_one_segment);
	CU_add_test(s, "two full segments: ACK at once", test_delack_two_full);
	CU_add_test(s, "out of order and hole: ACK at once", test_delack_out_of_order);
	CU_add_test(s, "piggybacked on data; FIN at once", test_delack_piggyback_and_fin);
	CU_add_test(s, "owed ACK rides on the answer and FIN of the turn", test_ack_waits_for_turn);
	CU_add_test(s, "owed ACK alone at the next poll", test_ack_next_poll);
	CU_add_test(s, "duplicate ACKs of one burst all sent", test_ack_dups_in_burst);
	s = tf_suite("Nagle");
	CU_add_test(s, "small segment held while unacknowledged", test_nagle);
	CU_add_test(s, "NODELAY", test_nodelay);
	s = tf_suite("persist");
	CU_add_test(s, "backoff, 10 minutes shut, reopen", test_persist_backoff);
	CU_add_test(s, "unanswered probes give up", test_persist_unanswered);
	s = tf_suite("SWS avoidance");
	CU_add_test(s, "sender waits, override timeout", test_sws_sender);
	CU_add_test(s, "sender: half the max window", test_sws_sender_small_peer);
	CU_add_test(s, "receiver holds small increases", test_sws_receiver);
	s = tf_suite("keepalive");
	CU_add_test(s, "off by default", test_keepalive_off);
	CU_add_test(s, "probes, answer, abort", test_keepalive_probes);
	CU_add_test(s, "gives way to FIN-WAIT-2 and TIME-WAIT timers", test_keepalive_gives_way);
	s = tf_suite("listener");
	CU_add_test(s, "accepted connections inherit NODELAY, keepalive", test_listener_inherits);
	s = tf_suite("MSS floor");
	CU_add_test(s, "peer MSS 1 clamped", test_mss_floor);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
