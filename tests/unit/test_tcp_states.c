/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP state machine, state by state (RFC 9293 §3.10.7): for each of the
 * eleven states, what a SYN, SYN-ACK, ACK (acceptable, old, beyond SND.NXT),
 * FIN, RST (exact, in window, outside) and data (in window, before RCV.NXT,
 * beyond the window) do: the segment sent in answer, the new state, counters
 * and events. Then the paths between states: simultaneous open and close,
 * TIME-WAIT (RFC 1337, RFC 6191), the listener's bounds, options.
 *
 * Every connection is reached through the real code (tcp_fixture.c drives
 * it with socket calls and crafted segments); every test ends with
 * tf_teardown's check that no mbuf leaked.
 *
 * Read first: RFC 9293 §3.10.7, RFC 5961 §3-§5 and §7 (challenge ACKs and
 * their rate limit), RFC 1337 (RST in TIME-WAIT), RFC 6191 (new SYN in
 * TIME-WAIT).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp_fixture.h"

static const uint8_t TEN[10] = "0123456789";

/* ---- the matrix: one variant of a state, every stimulus ---- */

struct variant {
	enum tcp_state s;
	bool passive;    /* ESTABLISHED and later reached through listen/accept */
};

/* States where the peer's FIN has been received. */
static bool
fin_rcvd(enum tcp_state s)
{
	return s == TCP_CLOSE_WAIT || s == TCP_CLOSING || s == TCP_LAST_ACK ||
	       s == TCP_TIME_WAIT;
}

/* Where a reset is reported to the user as "connection reset" (§3.10.7.4, second). */
static bool
reset_is_error(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_FIN_WAIT_1 || s == TCP_FIN_WAIT_2 ||
	       s == TCP_CLOSE_WAIT;
}

/* Set up f in the variant's state; snd/rcv get SND.NXT and RCV.NXT. */
static bool
begin(struct tf *f, const struct variant *v, tcp_seq *snd, tcp_seq *rcv)
{
	struct tcb *tp;

	tf_setup(f);
	f->passive = v->passive;
	tp = tf_tcb_in_state(f, v->s);
	if (tp == NULL)
		return false;
	return tf_nxt(f, tp, snd, rcv);
}

/* The connection is still in the variant's state. */
static void
still(struct tf *f, const struct variant *v)
{
	CU_ASSERT_EQUAL(tf_conn_state(f), v->s);
	if (v->s == TCP_TIME_WAIT)
		CU_ASSERT_PTR_NOT_NULL(tf_tw(f));
}

/* The child of a passive open is gone and the listener still answers SYNs. */
static void
back_to_listen(struct tf *f)
{
	tcp_seq irs2 = f->irs + 1000000;
	struct tf_pkt p;

	CU_ASSERT_EQUAL(tf_conn_state(f), TCP_CLOSED);
	CU_ASSERT_EQUAL(f->l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(f->l->nb_accept, 0);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(f->h.st, H_OUR_IP, rte_cpu_to_be_16(TF_PORT)), f->l);
	CU_ASSERT_EQUAL(tf_events(f, f->lsd, NULL) & BERTH_EV_ACCEPT, 0);
	f->tp = NULL;
	tf_in(f, tf_raw_mss(f, TCP_SYN, irs2, 0, TF_PEER_MSS));
	if (tf_tx_tcp(f, &p)) {
		CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(p.ack, irs2 + 1);
	}
	CU_ASSERT_EQUAL(tf_conn_state(f), TCP_SYN_RECEIVED);
}

/* RFC 5961 §3.2 / RFC 9293 §3.10.7.4, second: RST with SEG.SEQ == RCV.NXT resets. */
static void
rst_exact(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0;
	uint64_t bad, rst_rx;
	uint32_t ev;
	int err = 0;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	bad = h_counter(&f.h, "drop_tcp_rst_bad");
	rst_rx = h_counter(&f.h, "tcp_rst_rx");
	tf_in(&f, tf_raw(&f, TCP_RST, rcv, 0, NULL, 0));
	tf_expect_none(&f);
	if (v->s == TCP_TIME_WAIT) {
		/* RFC 1337: a RST does not cut TIME-WAIT short. */
		still(&f, v);
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_rst_bad"), bad + 1);
	} else if (v->s == TCP_SYN_RECEIVED) {
		/* From a passive open: back to LISTEN, the user is not told. */
		back_to_listen(&f);
	} else {
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
		CU_ASSERT_EQUAL(f.tp->state, TCP_CLOSED);
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rst_rx"), rst_rx + 1);
		ev = tf_events(&f, f.sd, &err);
		if (reset_is_error(v->s)) {
			CU_ASSERT(ev & BERTH_EV_ERROR);
			CU_ASSERT_EQUAL(err, ECONNRESET);
		} else {
			CU_ASSERT(ev & (BERTH_EV_ERROR | BERTH_EV_HANGUP));
		}
	}
out:
	tf_teardown(&f);
}

/* RFC 5961 §3.2: an in-window RST that is not exact gets a challenge ACK. */
static void
rst_in_window(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0;
	uint64_t chack, bad;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	chack = h_counter(&f.h, "tcp_challenge_ack");
	bad = h_counter(&f.h, "drop_tcp_rst_bad");
	tf_in(&f, tf_raw(&f, TCP_RST, rcv + 100, 0, NULL, 0));
	if (v->s == TCP_TIME_WAIT) {
		tf_expect_none(&f);
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_rst_bad"), bad + 1);
	} else {
		tf_expect(&f, TCP_ACK, snd, rcv);
		tf_expect_none(&f);
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_challenge_ack"), chack + 1);
	}
	still(&f, v);
out:
	tf_teardown(&f);
}

/* RFC 5961 §3.2 (1): a RST outside the window is dropped silently, counted. */
static void
rst_outside(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0, seq;
	uint64_t bad;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	bad = h_counter(&f.h, "drop_tcp_rst_bad");
	/* The first sequence number past the window we advertised. */
	seq = v->s == TCP_TIME_WAIT ? rcv + 0x40000000u : f.adv_edge;
	tf_in(&f, tf_raw(&f, TCP_RST, seq, 0, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_rst_bad"), bad + 1);
	still(&f, v);
	/* And one before RCV.NXT. */
	tf_in(&f, tf_raw(&f, TCP_RST, rcv - 1, 0, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_rst_bad"), bad + 2);
	still(&f, v);
out:
	tf_teardown(&f);
}

/*
 * A SYN (flags given: SYN or SYN-ACK) at RCV.NXT. RFC 9293 §3.10.7.4, fourth:
 * SYN-RECEIVED from a passive open returns to LISTEN; synchronized states
 * send a challenge ACK (RFC 5961 §4); TIME-WAIT without a listener cannot
 * reopen (RFC 6191) and ACKs.
 */
static void
syn_in_state(const struct variant *v, uint8_t flags)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0;
	uint64_t chack;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	chack = h_counter(&f.h, "tcp_challenge_ack");
	if (flags & TCP_ACK)
		tf_in(&f, tf_raw(&f, flags, rcv, snd, NULL, 0));
	else
		tf_in(&f, tf_raw_mss(&f, flags, rcv, 0, TF_PEER_MSS));
	if (v->s == TCP_SYN_RECEIVED) {
		tf_expect_none(&f);
		back_to_listen(&f);
	} else {
		tf_expect(&f, TCP_ACK, snd, rcv);
		tf_expect_none(&f);
		if (v->s != TCP_TIME_WAIT)
			CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_challenge_ack"), chack + 1);
		still(&f, v);
	}
out:
	tf_teardown(&f);
}

static void
syn(const struct variant *v)
{
	syn_in_state(v, TCP_SYN);
}

static void
synack(const struct variant *v)
{
	syn_in_state(v, TCP_SYN | TCP_ACK);
}

/* RFC 9293 §3.10.7.4, fifth: an acceptable ACK (SND.UNA < SEG.ACK =< SND.NXT). */
static void
ack_ok(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0;
	uint8_t buf[100];
	struct tf_pkt p;
	uint64_t estab, tw;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	estab = h_counter(&f.h, "tcp_established");
	tw = h_counter(&f.h, "tcp_time_wait");
	if (v->s == TCP_ESTABLISHED || v->s == TCP_CLOSE_WAIT) {
		/* Something to acknowledge. */
		memset(buf, 'x', sizeof(buf));
		CU_ASSERT_EQUAL(berth_sock_send(f.h.st, f.sd, buf, sizeof(buf)), 100);
		TF_REQUIRE(tf_tx_tcp(&f, &p));
		CU_ASSERT_EQUAL(p.seq, snd);
		CU_ASSERT_EQUAL(p.len, 100);
		snd += 100;
		CU_ASSERT_EQUAL(f.tp->snd_una, snd - 100);
	}
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd, NULL, 0));
	tf_expect_none(&f);
	switch (v->s) {
	case TCP_SYN_RECEIVED:
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
		CU_ASSERT(tf_events(&f, f.lsd, NULL) & BERTH_EV_ACCEPT);
		CU_ASSERT_EQUAL(f.l->nb_accept, 1);
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_established"), estab + 1);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		still(&f, v);
		CU_ASSERT_EQUAL(f.tp->snd_una, snd);
		CU_ASSERT_EQUAL(f.tp->sndq.bytes, 0);
		CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
		break;
	case TCP_FIN_WAIT_1:
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_FIN_WAIT_2);
		break;
	case TCP_CLOSING:
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
		CU_ASSERT_PTR_NOT_NULL(tf_tw(&f));
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_time_wait"), tw + 1);
		break;
	case TCP_LAST_ACK:
		/* Our FIN is acknowledged: delete the TCB, CLOSED. */
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
		CU_ASSERT_EQUAL(f.tp->state, TCP_CLOSED);
		CU_ASSERT(tf_events(&f, f.sd, NULL) & BERTH_EV_HANGUP);
		CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 0);
		break;
	default:
		still(&f, v);
		break;
	}
out:
	tf_teardown(&f);
}

/* A duplicate ACK (SEG.ACK < SND.UNA) is ignored; in SYN-RECEIVED it is unacceptable: RST. */
static void
ack_old(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0, una;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	una = f.tp->state == TCP_TIME_WAIT ? snd : f.tp->snd_una;
	if (v->s == TCP_SYN_RECEIVED) {
		/* RFC 9293 §3.10.7.4, fifth: <SEQ=SEG.ACK><CTL=RST>. */
		tf_in(&f, tf_raw(&f, TCP_ACK, rcv, una, NULL, 0));
		tf_expect(&f, TCP_RST, una, 0);
	} else {
		tf_in(&f, tf_raw(&f, TCP_ACK, rcv, una - 1, NULL, 0));
	}
	tf_expect_none(&f);
	still(&f, v);
out:
	tf_teardown(&f);
}

/* RFC 5961 §5: SEG.ACK below SND.UNA - MAX.SND.WND is not acceptable: ACK, drop. */
static void
ack_ancient(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0, una, ack;
	uint64_t bad;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	una = f.tp->state == TCP_TIME_WAIT ? snd : f.tp->snd_una;
	ack = una - TF_PEER_WIN - 1000;
	bad = h_counter(&f.h, "drop_tcp_ack_bad");
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, ack, NULL, 0));
	if (v->s == TCP_SYN_RECEIVED) {
		tf_expect(&f, TCP_RST, ack, 0);
		tf_expect_none(&f);
	} else if (v->s == TCP_TIME_WAIT) {
		tf_expect_ack_or_none(&f, snd, rcv);
	} else {
		tf_expect(&f, TCP_ACK, snd, rcv);
		tf_expect_none(&f);
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_ack_bad"), bad + 1);
	}
	still(&f, v);
out:
	tf_teardown(&f);
}

/* RFC 9293 §3.10.7.4, fifth: SEG.ACK > SND.NXT: ACK and drop (SYN-RECEIVED: RST). */
static void
ack_beyond(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0;
	uint64_t bad;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	bad = h_counter(&f.h, "drop_tcp_ack_bad");
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd + 1, NULL, 0));
	if (v->s == TCP_SYN_RECEIVED) {
		tf_expect(&f, TCP_RST, snd + 1, 0);
		tf_expect_none(&f);
	} else if (v->s == TCP_TIME_WAIT) {
		tf_expect_ack_or_none(&f, snd, rcv);
	} else {
		tf_expect(&f, TCP_ACK, snd, rcv);
		tf_expect_none(&f);
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_ack_bad"), bad + 1);
	}
	still(&f, v);
out:
	tf_teardown(&f);
}

/* RFC 9293 §3.10.7.4, eighth: the FIN bit. */
static void
fin(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0;
	uint64_t tw;
	uint8_t buf[16];
	uint32_t ev;
	int sd;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	tw = h_counter(&f.h, "tcp_time_wait");
	if (fin_rcvd(v->s)) {
		/* The peer's FIN again (its ACK was lost): re-ACK it, nothing else. */
		tcp_seq ack = (v->s == TCP_CLOSING || v->s == TCP_LAST_ACK) ? snd - 1 : snd;

		tf_in(&f, tf_raw(&f, TCP_FIN | TCP_ACK, rcv - 1, ack, NULL, 0));
		tf_expect(&f, TCP_ACK, snd, rcv);
		tf_expect_none(&f);
		still(&f, v);
		goto out;
	}
	tf_in(&f, tf_raw(&f, TCP_FIN | TCP_ACK, rcv, snd, NULL, 0));
	tf_expect(&f, TCP_ACK, snd, rcv + 1);
	tf_expect_none(&f);
	switch (v->s) {
	case TCP_SYN_RECEIVED:
		/* The ACK completes the handshake, then the FIN: CLOSE-WAIT. */
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSE_WAIT);
		CU_ASSERT(tf_events(&f, f.lsd, NULL) & BERTH_EV_ACCEPT);
		sd = berth_sock_accept(f.h.st, f.lsd, NULL);
		CU_ASSERT(sd >= 0);
		if (sd >= 0)
			CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, sd, buf, sizeof(buf)), 0);
		break;
	case TCP_ESTABLISHED:
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSE_WAIT);
		ev = tf_events(&f, f.sd, NULL);
		CU_ASSERT(ev & BERTH_EV_READABLE);
		CU_ASSERT(ev & BERTH_EV_HANGUP);
		/* End of stream for the reader. */
		CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
		break;
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
		/* FIN-WAIT-1 with our FIN acked by this segment, or FIN-WAIT-2. */
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
		CU_ASSERT_PTR_NOT_NULL(tf_tw(&f));
		CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_time_wait"), tw + 1);
		CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
		CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
		break;
	default:
		CU_FAIL("unexpected state");
		break;
	}
out:
	tf_teardown(&f);
}

/* RFC 9293 §3.10.7.4, seventh: segment text in window. */
static void
data_in(const struct variant *v)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0, una;
	uint8_t buf[32];
	int sd;

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	/* Acknowledge nothing new, so the data alone decides (SYN-RECEIVED needs the ACK). */
	una = v->s == TCP_TIME_WAIT || v->s == TCP_SYN_RECEIVED ? snd : f.tp->snd_una;
	tf_in(&f, tf_raw(&f, TCP_ACK | TCP_PSH, rcv, una, TEN, sizeof(TEN)));
	if (fin_rcvd(v->s)) {
		/* After the peer's FIN: "ignore the segment text". */
		tf_expect_ack_or_none(&f, snd, rcv);
		still(&f, v);
		if (v->s != TCP_TIME_WAIT) {
			CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv);
			CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
		}
		goto out;
	}
	tf_expect(&f, TCP_ACK, snd, rcv + 10);
	tf_expect_none(&f);
	if (v->s == TCP_SYN_RECEIVED) {
		CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
		sd = berth_sock_accept(f.h.st, f.lsd, NULL);
		CU_ASSERT(sd >= 0);
	} else {
		still(&f, v);
		CU_ASSERT(tf_events(&f, f.sd, NULL) & BERTH_EV_READABLE);
		sd = f.sd;
	}
	if (sd >= 0) {
		CU_ASSERT_EQUAL(tf_read_all(&f, sd, buf, sizeof(buf)), 10);
		CU_ASSERT_EQUAL(memcmp(buf, TEN, 10), 0);
		CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, sd, buf, sizeof(buf)), -EAGAIN);
	}
out:
	tf_teardown(&f);
}

/*
 * RFC 9293 §3.10.7.4, first: an unacceptable segment (before RCV.NXT, or at
 * or past RCV.NXT + RCV.WND) is answered <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
 * and dropped.
 */
static void
data_unacceptable(const struct variant *v, bool beyond)
{
	struct tf f;
	tcp_seq snd = 0, rcv = 0, seq, una;
	uint64_t seqdrop, drops;
	uint8_t buf[32];

	TF_REQUIRE(begin(&f, v, &snd, &rcv));
	seqdrop = h_counter(&f.h, "drop_tcp_seq");
	drops = tf_drops(&f);
	if (beyond)
		seq = v->s == TCP_TIME_WAIT ? rcv + 0x40000000u : f.adv_edge;
	else
		seq = rcv - 20;
	/* ACK nothing new: the sequence number alone must decide. */
	una = v->s == TCP_TIME_WAIT || v->s == TCP_SYN_RECEIVED ? snd : f.tp->snd_una;
	tf_in(&f, tf_raw(&f, TCP_ACK | TCP_PSH, seq, una, TEN, sizeof(TEN)));
	tf_expect(&f, TCP_ACK, snd, rcv);
	tf_expect_none(&f);
	still(&f, v);
	if (v->s == TCP_TIME_WAIT) {
		CU_ASSERT_EQUAL(tf_drops(&f), drops + 1);
	} else {
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_seq"), seqdrop + 1);
		CU_ASSERT_EQUAL(f.tp->rcv_nxt, rcv);
		if (f.sd >= 0 && v->s != TCP_SYN_RECEIVED)
			CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)),
					fin_rcvd(v->s) ? 0 : -EAGAIN);
	}
out:
	tf_teardown(&f);
}

static void
data_old(const struct variant *v)
{
	data_unacceptable(v, false);
}

static void
data_beyond(const struct variant *v)
{
	data_unacceptable(v, true);
}

/* One CUnit suite per variant, one test per stimulus. */
#define STIMULI(Y) \
	Y(syn, "SYN") \
	Y(synack, "SYN-ACK") \
	Y(ack_ok, "ACK acceptable") \
	Y(ack_old, "ACK old (duplicate)") \
	Y(ack_ancient, "ACK below SND.UNA - MAX.SND.WND") \
	Y(ack_beyond, "ACK beyond SND.NXT") \
	Y(fin, "FIN") \
	Y(rst_exact, "RST at RCV.NXT") \
	Y(rst_in_window, "RST in window, not exact") \
	Y(rst_outside, "RST outside the window") \
	Y(data_in, "data in window") \
	Y(data_old, "data before RCV.NXT") \
	Y(data_beyond, "data beyond the window")

#define VARIANTS(X) \
	X(syn_received, "SYN-RECEIVED", TCP_SYN_RECEIVED, false) \
	X(established, "ESTABLISHED (active open)", TCP_ESTABLISHED, false) \
	X(established_passive, "ESTABLISHED (passive open)", TCP_ESTABLISHED, true) \
	X(fin_wait_1, "FIN-WAIT-1", TCP_FIN_WAIT_1, false) \
	X(fin_wait_2, "FIN-WAIT-2", TCP_FIN_WAIT_2, false) \
	X(close_wait, "CLOSE-WAIT", TCP_CLOSE_WAIT, false) \
	X(closing, "CLOSING", TCP_CLOSING, false) \
	X(last_ack, "LAST-ACK", TCP_LAST_ACK, false) \
	X(time_wait, "TIME-WAIT", TCP_TIME_WAIT, false)

#define DEF_VARIANT(name, title, state, pas) \
	static const struct variant v_##name = { .s = state, .passive = pas };
VARIANTS(DEF_VARIANT)

#define DEF_TEST(name, title, state, pas) \
	static void t_##name##_syn(void) { syn(&v_##name); } \
	static void t_##name##_synack(void) { synack(&v_##name); } \
	static void t_##name##_ack_ok(void) { ack_ok(&v_##name); } \
	static void t_##name##_ack_old(void) { ack_old(&v_##name); } \
	static void t_##name##_ack_ancient(void) { ack_ancient(&v_##name); } \
	static void t_##name##_ack_beyond(void) { ack_beyond(&v_##name); } \
	static void t_##name##_fin(void) { fin(&v_##name); } \
	static void t_##name##_rst_exact(void) { rst_exact(&v_##name); } \
	static void t_##name##_rst_in_window(void) { rst_in_window(&v_##name); } \
	static void t_##name##_rst_outside(void) { rst_outside(&v_##name); } \
	static void t_##name##_data_in(void) { data_in(&v_##name); } \
	static void t_##name##_data_old(void) { data_old(&v_##name); } \
	static void t_##name##_data_beyond(void) { data_beyond(&v_##name); }
VARIANTS(DEF_TEST)

/* ---- CLOSED: no connection (RFC 9293 §3.10.7.1) ---- */

/* A segment from the peer to a port without listener or connection. */
static struct rte_mbuf *
to_closed(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, const void *data,
	  uint16_t len)
{
	struct tf_hdr hd = {
		.sport = TF_PEER_PORT,
		.dport = TF_CLOSED_PORT,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.win = TF_PEER_WIN,
	};

	return tf_build(f, &hd, data, len);
}

/* Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. With ACK: <SEQ=SEG.ACK><CTL=RST>. */
static void
closed_answer(uint8_t flags, const void *data, uint16_t len)
{
	struct tf f;
	tcp_seq seq = 0x12345678, ack = 0x9abcdef0;
	uint32_t seglen = len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	uint64_t noconn, rst_tx;
	struct tf_pkt p;

	tf_setup(&f);
	tf_tcb_in_state(&f, TCP_CLOSED);
	noconn = h_counter(&f.h, "drop_tcp_no_conn");
	rst_tx = h_counter(&f.h, "tcp_rst_tx");
	tf_in(&f, to_closed(&f, flags, seq, ack, data, len));
	if (flags & TCP_ACK)
		tf_expect_pkt(&f, TCP_RST, ack, 0, &p);
	else
		tf_expect_pkt(&f, TCP_RST | TCP_ACK, 0, seq + seglen, &p);
	CU_ASSERT_EQUAL(p.sport, TF_CLOSED_PORT);
	CU_ASSERT_EQUAL(p.dport, TF_PEER_PORT);
	CU_ASSERT_EQUAL(p.dst, H_PEER_IP);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_no_conn"), noconn + 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rst_tx"), rst_tx + 1);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	tf_teardown(&f);
}

static void
test_closed_syn(void)
{
	closed_answer(TCP_SYN, NULL, 0);
}

static void
test_closed_syn_data(void)
{
	closed_answer(TCP_SYN, TEN, sizeof(TEN));
}

static void
test_closed_synack(void)
{
	closed_answer(TCP_SYN | TCP_ACK, NULL, 0);
}

static void
test_closed_ack(void)
{
	closed_answer(TCP_ACK, NULL, 0);
}

static void
test_closed_fin(void)
{
	closed_answer(TCP_FIN, NULL, 0);
}

static void
test_closed_finack(void)
{
	closed_answer(TCP_FIN | TCP_ACK, NULL, 0);
}

static void
test_closed_data(void)
{
	closed_answer(TCP_PSH, TEN, sizeof(TEN));
}

static void
test_closed_data_ack(void)
{
	closed_answer(TCP_ACK | TCP_PSH, TEN, sizeof(TEN));
}

/* A RST is never answered with a RST; it is dropped and counted. */
static void
closed_rst(uint8_t flags)
{
	struct tf f;
	uint64_t drops;

	tf_setup(&f);
	drops = tf_drops(&f);
	tf_in(&f, to_closed(&f, flags, 1000, 2000, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_drops(&f), drops + 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rst_tx"), 0);
	tf_teardown(&f);
}

static void
test_closed_rst(void)
{
	closed_rst(TCP_RST);
}

static void
test_closed_rstack(void)
{
	closed_rst(TCP_RST | TCP_ACK);
}

/* A port bound but not listening is closed to segments too. */
static void
test_closed_bound_port(void)
{
	struct sockaddr_in a = h_sin(0, TF_CLOSED_PORT);
	struct tf f;
	int sd;

	tf_setup(&f);
	sd = berth_sock_open(f.h.st, BERTH_SOCK_STREAM);
	TF_REQUIRE(sd >= 0);
	CU_ASSERT_EQUAL(berth_sock_bind(f.h.st, sd, &a), 0);
	tf_in(&f, to_closed(&f, TCP_SYN, 500, 0, NULL, 0));
	tf_expect(&f, TCP_RST | TCP_ACK, 0, 501);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/* A connection that was reset is CLOSED: its 4-tuple answers with RST. */
static void
test_closed_after_reset(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, tf_raw(&f, TCP_RST, rcv, 0, NULL, 0));
	tf_expect_none(&f);
	TF_REQUIRE(tf_conn_state(&f) == TCP_CLOSED);
	tf_in(&f, tf_raw(&f, TCP_ACK | TCP_PSH, rcv, snd, TEN, sizeof(TEN)));
	tf_expect(&f, TCP_RST, snd, 0);
	tf_expect_none(&f);
	/* The app still reads the error, then the descriptor is closed. */
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
out:
	tf_teardown(&f);
}

/* ---- LISTEN (RFC 9293 §3.10.7.2) ---- */

static bool
listen_begin(struct tf *f, const struct berth_stack_conf *c)
{
	tf_setup_conf(f, c);
	tf_tcb_in_state(f, TCP_LISTEN);
	return f->l != NULL;
}

/* Second: any ACK-bearing segment gets <SEQ=SEG.ACK><CTL=RST>. */
static void
listen_rst_for_ack(uint8_t flags, const void *data, uint16_t len)
{
	struct tf f;

	TF_REQUIRE(listen_begin(&f, NULL));
	tf_in(&f, tf_raw(&f, flags, 7777, 0x55555555, data, len));
	tf_expect(&f, TCP_RST, 0x55555555, 0);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
out:
	tf_teardown(&f);
}

static void
test_listen_ack(void)
{
	listen_rst_for_ack(TCP_ACK, NULL, 0);
}

static void
test_listen_synack(void)
{
	listen_rst_for_ack(TCP_SYN | TCP_ACK, NULL, 0);
}

static void
test_listen_data_ack(void)
{
	listen_rst_for_ack(TCP_ACK | TCP_PSH, TEN, sizeof(TEN));
}

static void
test_listen_finack(void)
{
	listen_rst_for_ack(TCP_FIN | TCP_ACK, NULL, 0);
}

/* First: a RST is ignored. Fourth: other segments without SYN or ACK are dropped. */
static void
listen_silent(uint8_t flags, const void *data, uint16_t len)
{
	struct tf f;
	uint64_t drops;

	TF_REQUIRE(listen_begin(&f, NULL));
	drops = tf_drops(&f);
	tf_in(&f, tf_raw(&f, flags, 7777, 0, data, len));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_drops(&f), drops + 1);
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
out:
	tf_teardown(&f);
}

static void
test_listen_rst(void)
{
	listen_silent(TCP_RST, NULL, 0);
}

static void
test_listen_rstack(void)
{
	listen_silent(TCP_RST | TCP_ACK, NULL, 0);
}

static void
test_listen_fin(void)
{
	listen_silent(TCP_FIN, NULL, 0);
}

static void
test_listen_data(void)
{
	listen_silent(TCP_PSH, TEN, sizeof(TEN));
}

/* Third: a SYN makes a child in SYN-RECEIVED that sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. */
static void
test_listen_syn(void)
{
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_RECEIVED) != NULL);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_passive_opens"), 1);
	CU_ASSERT_EQUAL(f.tp->snd_una, f.iss);
	CU_ASSERT_EQUAL(f.tp->snd_nxt, f.iss + 1);
	CU_ASSERT_EQUAL(f.tp->snd_mss, TF_PEER_MSS);
	CU_ASSERT_EQUAL(f.tp->snd_wnd, TF_PEER_WIN);
	/* Not acceptable before the handshake completes. */
	CU_ASSERT_EQUAL(berth_sock_accept(f.h.st, f.lsd, NULL), -EAGAIN);
	CU_ASSERT_EQUAL(tf_events(&f, f.lsd, NULL) & BERTH_EV_ACCEPT, 0);
out:
	tf_teardown(&f);
}

/* berth_stack_conf.tcp_max_syn_backlog bounds the SYN-RECEIVED children. */
static void
test_listen_syn_backlog(void)
{
	struct berth_stack_conf c = { .tcp_max_syn_backlog = 2 };
	struct tf f;
	struct tf_hdr hd = { .dport = TF_PORT, .flags = TCP_SYN, .win = TF_PEER_WIN };
	unsigned int i;
	struct tf_pkt p;

	TF_REQUIRE(listen_begin(&f, &c));
	for (i = 0; i < 3; i++) {
		hd.sport = (uint16_t)(TF_PEER_PORT + i);
		hd.seq = 1000 * i;
		tf_in(&f, tf_build(&f, &hd, NULL, 0));
		if (i < 2) {
			CU_ASSERT(tf_tx_tcp(&f, &p) && p.flags == (TCP_SYN | TCP_ACK) &&
				  p.ack == 1000 * i + 1);
		}
		tf_expect_none(&f);
	}
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 2);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_syn_backlog"), 1);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 2);
out:
	tf_teardown(&f);
}

/* Complete a handshake from port sport to the listener; true if it established. */
static bool
handshake_from(struct tf *f, uint16_t sport, tcp_seq irs)
{
	struct tf_hdr hd = { .sport = sport, .dport = TF_PORT, .flags = TCP_SYN, .seq = irs,
			     .win = TF_PEER_WIN };
	struct tf_pkt p;

	tf_in(f, tf_build(f, &hd, NULL, 0));
	berth_stack_flush(f->h.st, f->h.now);
	if (h_tx_count(&f->h) == 0)
		return false; /* SYN dropped */
	if (!tf_tx_tcp(f, &p) || p.flags != (TCP_SYN | TCP_ACK))
		return false;
	hd.flags = TCP_ACK;
	hd.seq = irs + 1;
	hd.ack = p.seq + 1;
	tf_in(f, tf_build(f, &hd, NULL, 0));
	h_tx_drain(&f->h);
	return true;
}

/* The accept queue holds at most backlog connections; more are dropped, counted. */
static void
test_listen_accept_full(void)
{
	struct sockaddr_in peer;
	struct tf f;
	int sd, sd2;

	tf_setup(&f);
	f.lsd = berth_sock_open(f.h.st, BERTH_SOCK_STREAM);
	TF_REQUIRE(f.lsd >= 0);
	peer = h_sin(0, TF_PORT);
	TF_REQUIRE(berth_sock_bind(f.h.st, f.lsd, &peer) == 0);
	TF_REQUIRE(berth_sock_listen(f.h.st, f.lsd, 1) == 0);
	f.l = (struct tcp_listener *)sock_lookup(f.h.st, f.lsd);
	TF_REQUIRE(f.l != NULL);
	CU_ASSERT(handshake_from(&f, TF_PEER_PORT, 1000));
	CU_ASSERT_EQUAL(f.l->nb_accept, 1);
	CU_ASSERT(tf_events(&f, f.lsd, NULL) & BERTH_EV_ACCEPT);
	/* The second finds the queue full: dropped at its SYN or at its ACK. */
	handshake_from(&f, TF_PEER_PORT + 1, 2000);
	CU_ASSERT_EQUAL(f.l->nb_accept, 1);
	CU_ASSERT(h_counter(&f.h, "drop_tcp_accept_full") >= 1);
	memset(&peer, 0, sizeof(peer));
	sd = berth_sock_accept(f.h.st, f.lsd, &peer);
	CU_ASSERT(sd >= 0);
	CU_ASSERT_EQUAL(peer.sin_port, rte_cpu_to_be_16(TF_PEER_PORT));
	CU_ASSERT_EQUAL(berth_sock_accept(f.h.st, f.lsd, NULL), -EAGAIN);
	/* Room again: the next one gets in. */
	CU_ASSERT(handshake_from(&f, TF_PEER_PORT + 2, 3000));
	sd2 = berth_sock_accept(f.h.st, f.lsd, &peer);
	CU_ASSERT(sd2 >= 0);
	CU_ASSERT_EQUAL(peer.sin_port, rte_cpu_to_be_16(TF_PEER_PORT + 2));
out:
	tf_teardown(&f);
}

/* ---- SYN-SENT (RFC 9293 §3.10.7.3) ---- */

static bool
synsent_begin(struct tf *f)
{
	tf_setup(f);
	return tf_tcb_in_state(f, TCP_SYN_SENT) != NULL;
}

/* Fourth: SYN-ACK acking our SYN: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
static void
test_synsent_synack(void)
{
	struct tf f;
	uint32_t ev;

	TF_REQUIRE(synsent_begin(&f));
	h_poll(&f.h, 5);
	tf_in(&f, tf_raw_mss(&f, TCP_SYN | TCP_ACK, f.irs, f.iss + 1, 1000));
	tf_expect(&f, TCP_ACK, f.iss + 1, f.irs + 1);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(f.tp->irs, f.irs);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, f.irs + 1);
	CU_ASSERT_EQUAL(f.tp->snd_una, f.iss + 1);
	CU_ASSERT_EQUAL(f.tp->snd_mss, 1000);
	CU_ASSERT_EQUAL(f.tp->snd_wnd, TF_PEER_WIN);
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	ev = tf_events(&f, f.sd, NULL);
	CU_ASSERT(ev & BERTH_EV_CONNECTED);
	CU_ASSERT_EQUAL(ev & (BERTH_EV_ERROR | BERTH_EV_HANGUP), 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_active_opens"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_established"), 1);
out:
	tf_teardown(&f);
}

/* Data on the SYN-ACK is queued for the user (fourth, then sixth step). */
static void
test_synsent_synack_data(void)
{
	struct tf f;
	uint8_t buf[32];

	TF_REQUIRE(synsent_begin(&f));
	tf_in(&f, tf_raw(&f, TCP_SYN | TCP_ACK, f.irs, f.iss + 1, TEN, 5));
	tf_expect(&f, TCP_ACK, f.iss + 1, f.irs + 1 + 5);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 5);
	CU_ASSERT_EQUAL(memcmp(buf, TEN, 5), 0);
out:
	tf_teardown(&f);
}

/* No MSS option: the peer's MSS is 536 (RFC 9293 §3.7.1). */
static void
test_synsent_synack_no_mss(void)
{
	struct tf f;

	TF_REQUIRE(synsent_begin(&f));
	tf_in(&f, tf_raw_mss(&f, TCP_SYN | TCP_ACK, f.irs, f.iss + 1, 0));
	tf_expect(&f, TCP_ACK, f.iss + 1, f.irs + 1);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(f.tp->snd_mss, TCP_DEFAULT_MSS);
out:
	tf_teardown(&f);
}

/* Simultaneous open (RFC 9293 §3.5, Figure 8): SYN-SENT + SYN -> SYN-RECEIVED -> ESTABLISHED. */
static void
test_synsent_simultaneous_open(void)
{
	struct tf f;
	uint32_t ev;

	TF_REQUIRE(synsent_begin(&f));
	tf_in(&f, tf_raw_mss(&f, TCP_SYN, f.irs, 0, TF_PEER_MSS));
	/* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	tf_expect(&f, TCP_SYN | TCP_ACK, f.iss, f.irs + 1);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_RECEIVED);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL) & BERTH_EV_CONNECTED, 0);
	tf_in(&f, tf_raw(&f, TCP_ACK, f.irs + 1, f.iss + 1, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	ev = tf_events(&f, f.sd, NULL);
	CU_ASSERT(ev & BERTH_EV_CONNECTED);
	CU_ASSERT_EQUAL(f.tp->snd_una, f.iss + 1);
	CU_ASSERT_EQUAL(f.tp->rcv_nxt, f.irs + 1);
	/* An active open never shows up on a listener's queue. */
	CU_ASSERT_PTR_NULL(f.tp->parent);
out:
	tf_teardown(&f);
}

/* First: an unacceptable ACK (=< ISS or > SND.NXT) gets <SEQ=SEG.ACK><CTL=RST>. */
static void
synsent_bad_ack(int32_t off)
{
	struct tf f;
	tcp_seq ack;

	TF_REQUIRE(synsent_begin(&f));
	ack = f.iss + (tcp_seq)off;
	tf_in(&f, tf_raw(&f, TCP_ACK, f.irs, ack, NULL, 0));
	tf_expect(&f, TCP_RST, ack, 0);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_SENT);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL) & (BERTH_EV_ERROR | BERTH_EV_CONNECTED), 0);
	/* Our SYN is still outstanding. */
	CU_ASSERT_EQUAL(f.tp->snd_una, f.iss);
out:
	tf_teardown(&f);
}

static void
test_synsent_ack_old(void)
{
	synsent_bad_ack(-1000);
}

static void
test_synsent_ack_iss(void)
{
	synsent_bad_ack(0);
}

static void
test_synsent_ack_beyond(void)
{
	synsent_bad_ack(2);
}

static void
test_synsent_synack_bad_ack(void)
{
	struct tf f;

	TF_REQUIRE(synsent_begin(&f));
	tf_in(&f, tf_raw(&f, TCP_SYN | TCP_ACK, f.irs, f.iss + 7, NULL, 0));
	tf_expect(&f, TCP_RST, f.iss + 7, 0);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_SENT);
	/* The real SYN-ACK still completes the handshake. */
	tf_in(&f, tf_raw(&f, TCP_SYN | TCP_ACK, f.irs, f.iss + 1, NULL, 0));
	tf_expect(&f, TCP_ACK, f.iss + 1, f.irs + 1);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
out:
	tf_teardown(&f);
}

/* Fifth: neither SYN nor RST (a good ACK, a FIN, data): drop, no answer. */
static void
synsent_dropped(uint8_t flags, bool good_ack, const void *data, uint16_t len)
{
	struct tf f;
	uint64_t drops;

	TF_REQUIRE(synsent_begin(&f));
	drops = tf_drops(&f);
	tf_in(&f, tf_raw(&f, flags, f.irs, good_ack ? f.iss + 1 : 0, data, len));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_SENT);
	CU_ASSERT_EQUAL(tf_drops(&f), drops + 1);
	CU_ASSERT_EQUAL(tf_events(&f, f.sd, NULL), 0);
out:
	tf_teardown(&f);
}

static void
test_synsent_ack_ok(void)
{
	synsent_dropped(TCP_ACK, true, NULL, 0);
}

static void
test_synsent_fin(void)
{
	synsent_dropped(TCP_FIN, false, NULL, 0);
}

static void
test_synsent_data(void)
{
	synsent_dropped(TCP_ACK | TCP_PSH, true, TEN, sizeof(TEN));
}

/* A RST without ACK, or with a bad one, is dropped (RFC 5961 §3 for SYN-SENT). */
static void
test_synsent_rst_noack(void)
{
	synsent_dropped(TCP_RST, false, NULL, 0);
}

static void
test_synsent_rst_bad_ack(void)
{
	struct tf f;

	TF_REQUIRE(synsent_begin(&f));
	tf_in(&f, tf_raw(&f, TCP_RST | TCP_ACK, 0, f.iss + 5, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_SENT);
out:
	tf_teardown(&f);
}

/* Second: RST with an acceptable ACK: "connection refused", CLOSED. */
static void
test_synsent_rst_refused(void)
{
	struct tf f;
	uint32_t ev;
	int err = 0;

	TF_REQUIRE(synsent_begin(&f));
	tf_in(&f, tf_raw(&f, TCP_RST | TCP_ACK, 0, f.iss + 1, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
	CU_ASSERT_EQUAL(f.tp->state, TCP_CLOSED);
	CU_ASSERT_FALSE(timer_armed(&f.tp->rexmit_timer));
	ev = tf_events(&f, f.sd, &err);
	CU_ASSERT(ev & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ECONNREFUSED);
	CU_ASSERT_EQUAL(ev & BERTH_EV_CONNECTED, 0);
	/* Nothing is retransmitted after that. */
	h_poll(&f.h, 5000);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/* ---- paths between states ---- */

/* RFC 9293 §3.6, Figure 13: FIN-WAIT-1 + FIN -> CLOSING; ACK of our FIN -> TIME-WAIT. */
static void
test_simultaneous_close(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_FIN_WAIT_1) != NULL);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	/* The peer's FIN, sent before ours arrived: it acks only up to our FIN. */
	tf_in(&f, tf_raw(&f, TCP_FIN | TCP_ACK, rcv, snd - 1, NULL, 0));
	tf_expect(&f, TCP_ACK, snd, rcv + 1);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSING);
	/* Then it acks our FIN. */
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv + 1, snd, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_time_wait"), 1);
out:
	tf_teardown(&f);
}

/* close() in ESTABLISHED: the TCB finishes without a descriptor, TIME-WAIT frees it. */
static void
test_close_graceful(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	tf_setup(&f);
	f.by_close = true;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_FIN_WAIT_2) != NULL);
	CU_ASSERT(f.tp->app_closed);
	CU_ASSERT_EQUAL(f.h.st->socks.nb_open, 0);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	tf_in(&f, tf_raw(&f, TCP_FIN | TCP_ACK, rcv, snd, NULL, 0));
	tf_expect(&f, TCP_ACK, snd, rcv + 1);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	/* The compact entry replaced the TCB. */
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_PTR_NULL(tcp_pool_next(f.h.st, NULL));
	f.tp = NULL;
out:
	tf_teardown(&f);
}

/* FIN-WAIT-2 after close() does not last forever (berth_stack_conf.tcp_fin_wait2_ns). */
static void
test_fin_wait_2_timeout(void)
{
	struct berth_stack_conf c = { .tcp_fin_wait2_ns = 5 * BERTH_NS_PER_SEC };
	struct tf f;

	tf_setup_conf(&f, &c);
	f.by_close = true;
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_FIN_WAIT_2) != NULL);
	h_poll(&f.h, 4990);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_FIN_WAIT_2);
	h_poll(&f.h, 20);
	CU_ASSERT_NOT_EQUAL(tf_conn_state(&f), TCP_FIN_WAIT_2);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	f.tp = NULL;
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

/* RFC 5961 §7: challenge ACKs are rate-limited per connection, and recover. */
static void
test_challenge_ack_rate_limit(void)
{
	struct tf f;
	tcp_seq snd, rcv;
	unsigned int i, acks = 0;
	uint64_t chack;
	struct tf_pkt p;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	for (i = 0; i < 100; i++) {
		h_inject(&f.h, tf_raw(&f, TCP_RST, rcv + 1 + i, 0, NULL, 0));
		if (i % 16 == 15)
			h_poll(&f.h, 0);
	}
	h_poll(&f.h, 0);
	h_poll(&f.h, 0);
	berth_stack_flush(f.h.st, f.h.now);
	while (h_tx_count(&f.h) > 0 && tf_tx_tcp(&f, &p)) {
		CU_ASSERT_EQUAL(p.flags, TCP_ACK);
		CU_ASSERT_EQUAL(p.seq, snd);
		CU_ASSERT_EQUAL(p.ack, rcv);
		acks++;
	}
	CU_ASSERT(acks >= 1);
	CU_ASSERT(acks < 100);
	chack = h_counter(&f.h, "tcp_challenge_ack");
	CU_ASSERT_EQUAL(chack, acks);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	/* SYNs share the limit: none answered now. */
	tf_in(&f, tf_raw(&f, TCP_SYN, rcv, 0, NULL, 0));
	tf_expect_none(&f);
	/* Later (after any reasonable window), challenges are answered again. */
	h_poll(&f.h, 10000);
	h_tx_drain(&f.h);
	tf_in(&f, tf_raw(&f, TCP_RST, rcv + 5, 0, NULL, 0));
	tf_expect(&f, TCP_ACK, snd, rcv);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_challenge_ack"), chack + 1);
	/* An exact RST is never rate-limited. */
	tf_in(&f, tf_raw(&f, TCP_RST, rcv, 0, NULL, 0));
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
out:
	tf_teardown(&f);
}

/* ---- TIME-WAIT (RFC 9293 §3.6.1, §3.10.7.4; RFC 1337; RFC 6191) ---- */

#define MSL_NS BERTH_NS_PER_SEC

/* A retransmitted FIN is re-ACKed and restarts 2*MSL. */
static void
test_tw_fin_restarts_timer(void)
{
	struct berth_stack_conf c = { .tcp_msl_ns = MSL_NS };
	struct tf f;
	uint64_t t_tw;
	tcp_seq snd, rcv;

	tf_setup_conf(&f, &c);
	f.by_close = true;
	tf_tcb_in_state(&f, TCP_TIME_WAIT);
	TF_REQUIRE(tf_tw(&f) != NULL);
	t_tw = f.h.now;
	TF_REQUIRE(tf_nxt(&f, NULL, &snd, &rcv));
	h_poll(&f.h, 1500);
	tf_in(&f, tf_raw(&f, TCP_FIN | TCP_ACK, rcv - 1, snd, NULL, 0));
	tf_expect(&f, TCP_ACK, snd, rcv);
	tf_expect_none(&f);
	/* Past the first expiry, still there: the clock was restarted at t_tw + 1.5 s. */
	h_poll_ns(&f.h, t_tw + 2 * MSL_NS + 500 * BERTH_NS_PER_MS - f.h.now);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_expired"), 0);
	h_poll_ns(&f.h, t_tw + 1500 * BERTH_NS_PER_MS + 2 * MSL_NS - BERTH_NS_PER_MS - f.h.now);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	h_poll(&f.h, 1);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_expired"), 1);
	tf_expect_none(&f);
out:
	tf_teardown(&f);
}

/* 2*MSL after entering TIME-WAIT the entry is gone, and the tuple is CLOSED. */
static void
test_tw_expires(void)
{
	struct berth_stack_conf c = { .tcp_msl_ns = MSL_NS };
	struct tf f;
	uint64_t t_tw;
	tcp_seq snd, rcv;
	uint8_t buf[4];

	tf_setup_conf(&f, &c);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_TIME_WAIT) != NULL);
	t_tw = f.h.now;
	TF_REQUIRE(tf_nxt(&f, NULL, &snd, &rcv));
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	CU_ASSERT_EQUAL(f.tp->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), 0);
	/* The app lets go: only the compact entry remains. */
	CU_ASSERT_EQUAL(berth_sock_close(f.h.st, f.sd), 0);
	f.sd = -1;
	f.tp = NULL;
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	h_poll_ns(&f.h, t_tw + 2 * MSL_NS - BERTH_NS_PER_MS - f.h.now);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	h_poll(&f.h, 1);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_expired"), 1);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
	/* No connection any more: §3.10.7.1. */
	tf_in(&f, tf_raw(&f, TCP_ACK, rcv, snd, NULL, 0));
	tf_expect(&f, TCP_RST, snd, 0);
out:
	tf_teardown(&f);
}

/* TIME-WAIT on a port with a listener: the passive side closed first. */
static bool
tw_with_listener(struct tf *f, const struct berth_stack_conf *c)
{
	tf_setup_conf(f, c);
	f->passive = true;
	return tf_tcb_in_state(f, TCP_TIME_WAIT) != NULL;
}

/* RFC 6191 / RFC 9293 §3.6.1: a SYN above RCV.NXT reopens, with an ISS above the old SND.NXT. */
static void
test_tw_syn_reopens(void)
{
	struct tf f;
	tcp_seq snd, rcv, irs2;
	struct tcp_lookup lk;
	struct tf_pkt p;

	TF_REQUIRE(tw_with_listener(&f, NULL));
	TF_REQUIRE(tf_nxt(&f, NULL, &snd, &rcv));
	h_poll(&f.h, 100);
	irs2 = rcv + 100000;
	tf_in(&f, tf_raw_mss(&f, TCP_SYN, irs2, 0, TF_PEER_MSS));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, irs2 + 1);
	CU_ASSERT(seq_gt(p.seq, snd));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 1);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 0);
	lk = tcp_table_lookup(f.h.st, &f.key);
	TF_REQUIRE(lk.kind == TCP_LK_TCB);
	CU_ASSERT_EQUAL(lk.tcb->state, TCP_SYN_RECEIVED);
	CU_ASSERT_PTR_EQUAL(lk.tcb->parent, f.l);
	CU_ASSERT_NOT_EQUAL(lk.tcb, f.tp);
	/* The handshake completes into a new connection. */
	tf_in(&f, tf_raw(&f, TCP_ACK, irs2 + 1, p.seq + 1, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_ESTABLISHED);
	CU_ASSERT(berth_sock_accept(f.h.st, f.lsd, NULL) >= 0);
out:
	tf_teardown(&f);
}

/* A SYN at or below RCV.NXT may be an old duplicate: no reopening. */
static void
test_tw_syn_lower_no_reopen(void)
{
	struct tf f;
	tcp_seq snd, rcv;

	TF_REQUIRE(tw_with_listener(&f, NULL));
	TF_REQUIRE(tf_nxt(&f, NULL, &snd, &rcv));
	tf_in(&f, tf_raw_mss(&f, TCP_SYN, rcv - 100, 0, TF_PEER_MSS));
	tf_expect(&f, TCP_ACK, snd, rcv);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_tw_reopen"), 0);
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_TIME_WAIT);
out:
	tf_teardown(&f);
}

/* RFC 1337: RST in TIME-WAIT with any sequence number is ignored. */
static void
test_tw_rst_ignored(void)
{
	struct berth_stack_conf c = { .tcp_msl_ns = MSL_NS };
	struct tf f;
	tcp_seq snd, rcv;
	uint64_t t_tw;

	TF_REQUIRE(tw_with_listener(&f, &c));
	t_tw = f.h.now;
	TF_REQUIRE(tf_nxt(&f, NULL, &snd, &rcv));
	tf_in(&f, tf_raw(&f, TCP_RST, rcv, 0, NULL, 0));
	tf_in(&f, tf_raw(&f, TCP_RST | TCP_ACK, rcv, snd, NULL, 0));
	tf_in(&f, tf_raw(&f, TCP_RST, rcv + 10, 0, NULL, 0));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_rst_bad"), 3);
	/* Nor does it shorten the wait. */
	h_poll_ns(&f.h, t_tw + 2 * MSL_NS - BERTH_NS_PER_MS - f.h.now);
	CU_ASSERT_EQUAL(tcp_tw_count(f.h.st), 1);
out:
	tf_teardown(&f);
}

/* ---- SYN-RECEIVED details ---- */

/* A retransmitted SYN is answered (ACK or SYN-ACK, both acknowledge it) and changes nothing. */
static void
test_synrcvd_syn_retransmitted(void)
{
	struct tf f;
	struct tf_pkt p;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_SYN_RECEIVED) != NULL);
	tf_in(&f, tf_raw_mss(&f, TCP_SYN, f.irs, 0, TF_PEER_MSS));
	TF_REQUIRE(tf_tx_tcp(&f, &p));
	CU_ASSERT(p.flags == TCP_ACK || p.flags == (TCP_SYN | TCP_ACK));
	CU_ASSERT_EQUAL(p.seq, (p.flags & TCP_SYN) ? f.iss : f.iss + 1);
	CU_ASSERT_EQUAL(p.ack, f.irs + 1);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_SYN_RECEIVED);
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 1);
	CU_ASSERT_EQUAL(f.h.st->tcp->nb_tcbs, 1);
out:
	tf_teardown(&f);
}

/* ---- URG and options ---- */

/* URG is not supported beyond staying harmless: the data is delivered inline. */
static void
test_urg_inline(void)
{
	struct tf f;
	struct tf_hdr hd;
	tcp_seq snd, rcv;
	uint8_t buf[32];

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	snd = f.tp->snd_nxt;
	rcv = f.tp->rcv_nxt;
	memset(&hd, 0, sizeof(hd));
	hd.sport = TF_SRV_PORT;
	hd.dport = rte_be_to_cpu_16(f.key.lport);
	hd.seq = rcv;
	hd.ack = snd;
	hd.flags = TCP_ACK | TCP_PSH | TCP_URG;
	hd.win = TF_PEER_WIN;
	hd.urp = 3;
	tf_in(&f, tf_build(&f, &hd, TEN, sizeof(TEN)));
	tf_expect(&f, TCP_ACK, snd, rcv + 10);
	/* An urgent pointer beyond the data changes nothing either. */
	hd.seq = rcv + 10;
	hd.urp = 60000;
	tf_in(&f, tf_build(&f, &hd, TEN, sizeof(TEN)));
	tf_expect(&f, TCP_ACK, snd, rcv + 20);
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(tf_read_all(&f, f.sd, buf, sizeof(buf)), 20);
	CU_ASSERT_EQUAL(memcmp(buf, TEN, 10), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 10, TEN, 10), 0);
out:
	tf_teardown(&f);
}

/* A SYN to the listener with options given as raw bytes. */
static struct rte_mbuf *
syn_with_opts(struct tf *f, const uint8_t *o, uint8_t len)
{
	struct tf_hdr hd = { .sport = TF_PEER_PORT, .dport = TF_PORT, .seq = f->irs,
			     .flags = TCP_SYN, .win = TF_PEER_WIN, .opts = o, .opt_len = len };

	return tf_build(f, &hd, NULL, 0);
}

/* Malformed options drop the segment, counted; none loops or is read past its end. */
static void
test_opts_malformed_syn(void)
{
	static const uint8_t bad[][8] = {
		{ 2, 0, 0, 0 },               /* length 0 */
		{ 1, 1, 1, 8, 1, 0, 0, 0 },   /* length 1 */
		{ 2, 4, 5, 0xb4, 30, 9, 0, 0 }, /* overruns the area */
		{ 1, 1, 1, 2, 0, 0, 0, 0 },   /* kind without room for its length */
	};
	static const uint8_t blen[] = { 4, 8, 8, 4 };
	struct tf f;
	unsigned int i;

	TF_REQUIRE(listen_begin(&f, NULL));
	for (i = 0; i < RTE_DIM(blen); i++) {
		tf_in(&f, syn_with_opts(&f, bad[i], blen[i]));
		tf_expect_none(&f);
		CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_bad_opts"), i + 1);
	}
	CU_ASSERT_EQUAL(f.l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(tf_conn_state(&f), TCP_CLOSED);
out:
	tf_teardown(&f);
}

/* Unknown options with valid lengths are skipped; MSS after them still counts. */
static void
test_opts_unknown_skipped(void)
{
	/* kind 30 length 6, NOP, NOP, MSS 1200, EOL */
	static const uint8_t o[] = { 30, 6, 1, 2, 3, 4, 1, 1, 2, 4, 0x04, 0xb0, 0, 0, 0, 0 };
	struct tf f;
	struct tcp_lookup lk;

	TF_REQUIRE(listen_begin(&f, NULL));
	tf_in(&f, syn_with_opts(&f, o, sizeof(o)));
	CU_ASSERT(tf_tx_tcp(&f, NULL));
	lk = tcp_table_lookup(f.h.st, &f.key);
	TF_REQUIRE(lk.kind == TCP_LK_TCB);
	CU_ASSERT_EQUAL(lk.tcb->snd_mss, 1200);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_bad_opts"), 0);
out:
	tf_teardown(&f);
}

/* The peer's MSS: absent -> 536; tiny -> clamped to TCP_MIN_MSS; huge -> our MTU's. */
static void
opts_mss(uint16_t mss, uint16_t expect)
{
	struct tf f;
	struct tcp_lookup lk;

	TF_REQUIRE(listen_begin(&f, NULL));
	tf_in(&f, tf_raw_mss(&f, TCP_SYN, f.irs, 0, mss));
	CU_ASSERT(tf_tx_tcp(&f, NULL));
	lk = tcp_table_lookup(f.h.st, &f.key);
	TF_REQUIRE(lk.kind == TCP_LK_TCB);
	CU_ASSERT_EQUAL(lk.tcb->snd_mss, expect);
out:
	tf_teardown(&f);
}

static void
test_opts_mss_absent(void)
{
	opts_mss(0, TCP_DEFAULT_MSS);
}

static void
test_opts_mss_tiny(void)
{
	opts_mss(1, TCP_MIN_MSS);
}

static void
test_opts_mss_huge(void)
{
	/* RFC 9293 §3.7.1: Eff.snd.MSS = min(SendMSS + 20, MMS_S) - 20 - 0. */
	opts_mss(9000, RTE_ETHER_MTU - 40);
}

/* A malformed option on an established connection drops the segment before its data. */
static void
test_opts_malformed_established(void)
{
	static const uint8_t bad[] = { 1, 1, 8, 1 };
	struct tf_hdr hd;
	struct tf f;
	uint8_t buf[16];

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	memset(&hd, 0, sizeof(hd));
	hd.sport = TF_SRV_PORT;
	hd.dport = rte_be_to_cpu_16(f.key.lport);
	hd.seq = f.tp->rcv_nxt;
	hd.ack = f.tp->snd_nxt;
	hd.flags = TCP_ACK | TCP_PSH;
	hd.win = TF_PEER_WIN;
	hd.opts = bad;
	hd.opt_len = sizeof(bad);
	tf_in(&f, tf_build(&f, &hd, TEN, sizeof(TEN)));
	tf_expect_none(&f);
	CU_ASSERT_EQUAL(h_counter(&f.h, "drop_tcp_bad_opts"), 1);
	CU_ASSERT_EQUAL(berth_sock_recv(f.h.st, f.sd, buf, sizeof(buf)), -EAGAIN);
out:
	tf_teardown(&f);
}

/* ---- the trace teaching users read ---- */

static void
test_state_trace(void)
{
	char *log = NULL;
	size_t loglen = 0;
	FILE *mem, *old;
	uint32_t level;
	struct tf f;

	mem = open_memstream(&log, &loglen);
	TF_REQUIRE(mem != NULL);
	old = rte_log_get_stream();
	level = (uint32_t)rte_log_get_level(berth_logtype);
	rte_openlog_stream(mem);
	rte_log_set_level(berth_logtype, RTE_LOG_DEBUG);
	tf_setup(&f);
	f.passive = true;
	tf_tcb_in_state(&f, TCP_ESTABLISHED);
	rte_log_set_level(berth_logtype, level);
	rte_openlog_stream(old);
	fclose(mem);
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "198.18.0.2:7 198.18.0.1:40000 SYN-RECEIVED -> ESTABLISHED ("));
	if (strstr(log, "SYN-RECEIVED -> ESTABLISHED") == NULL)
		fprintf(stderr, "\n  trace was:\n%s\n", log);
	free(log);
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s;

	s = tf_suite("CLOSED");
	CU_add_test(s, "SYN", test_closed_syn);
	CU_add_test(s, "SYN with data", test_closed_syn_data);
	CU_add_test(s, "SYN-ACK", test_closed_synack);
	CU_add_test(s, "ACK", test_closed_ack);
	CU_add_test(s, "FIN", test_closed_fin);
	CU_add_test(s, "FIN-ACK", test_closed_finack);
	CU_add_test(s, "data without ACK", test_closed_data);
	CU_add_test(s, "data with ACK", test_closed_data_ack);
	CU_add_test(s, "RST not answered", test_closed_rst);
	CU_add_test(s, "RST-ACK not answered", test_closed_rstack);
	CU_add_test(s, "bound, not listening", test_closed_bound_port);
	CU_add_test(s, "after a reset", test_closed_after_reset);

	s = tf_suite("LISTEN");
	CU_add_test(s, "SYN", test_listen_syn);
	CU_add_test(s, "SYN-ACK", test_listen_synack);
	CU_add_test(s, "ACK", test_listen_ack);
	CU_add_test(s, "data with ACK", test_listen_data_ack);
	CU_add_test(s, "FIN-ACK", test_listen_finack);
	CU_add_test(s, "FIN", test_listen_fin);
	CU_add_test(s, "data without ACK", test_listen_data);
	CU_add_test(s, "RST", test_listen_rst);
	CU_add_test(s, "RST-ACK", test_listen_rstack);
	CU_add_test(s, "SYN backlog bound", test_listen_syn_backlog);
	CU_add_test(s, "accept queue full", test_listen_accept_full);

	s = tf_suite("SYN-SENT");
	CU_add_test(s, "SYN-ACK", test_synsent_synack);
	CU_add_test(s, "SYN-ACK with data", test_synsent_synack_data);
	CU_add_test(s, "SYN-ACK without MSS", test_synsent_synack_no_mss);
	CU_add_test(s, "SYN-ACK with bad ACK", test_synsent_synack_bad_ack);
	CU_add_test(s, "SYN: simultaneous open", test_synsent_simultaneous_open);
	CU_add_test(s, "ACK acceptable, no SYN", test_synsent_ack_ok);
	CU_add_test(s, "ACK old", test_synsent_ack_old);
	CU_add_test(s, "ACK of ISS", test_synsent_ack_iss);
	CU_add_test(s, "ACK beyond SND.NXT", test_synsent_ack_beyond);
	CU_add_test(s, "FIN", test_synsent_fin);
	CU_add_test(s, "data", test_synsent_data);
	CU_add_test(s, "RST without ACK", test_synsent_rst_noack);
	CU_add_test(s, "RST with bad ACK", test_synsent_rst_bad_ack);
	CU_add_test(s, "RST with good ACK: refused", test_synsent_rst_refused);

#define ADD_VARIANT(name, title, state, pas) \
	s = tf_suite(title); \
	CU_add_test(s, "SYN", t_##name##_syn); \
	CU_add_test(s, "SYN-ACK", t_##name##_synack); \
	CU_add_test(s, "ACK acceptable", t_##name##_ack_ok); \
	CU_add_test(s, "ACK old (duplicate)", t_##name##_ack_old); \
	CU_add_test(s, "ACK below SND.UNA - MAX.SND.WND", t_##name##_ack_ancient); \
	CU_add_test(s, "ACK beyond SND.NXT", t_##name##_ack_beyond); \
	CU_add_test(s, "FIN", t_##name##_fin); \
	CU_add_test(s, "RST at RCV.NXT", t_##name##_rst_exact); \
	CU_add_test(s, "RST in window, not exact", t_##name##_rst_in_window); \
	CU_add_test(s, "RST outside the window", t_##name##_rst_outside); \
	CU_add_test(s, "data in window", t_##name##_data_in); \
	CU_add_test(s, "data before RCV.NXT", t_##name##_data_old); \
	CU_add_test(s, "data beyond the window", t_##name##_data_beyond);
	VARIANTS(ADD_VARIANT)

	s = tf_suite("transitions");
	CU_add_test(s, "simultaneous close", test_simultaneous_close);
	CU_add_test(s, "close: background FIN-WAIT and TIME-WAIT", test_close_graceful);
	CU_add_test(s, "FIN-WAIT-2 timeout after close", test_fin_wait_2_timeout);
	CU_add_test(s, "SYN-RECEIVED: retransmitted SYN", test_synrcvd_syn_retransmitted);
	CU_add_test(s, "challenge ACK rate limit", test_challenge_ack_rate_limit);
	CU_add_test(s, "state trace", test_state_trace);

	s = tf_suite("TIME-WAIT details");
	CU_add_test(s, "retransmitted FIN restarts 2*MSL", test_tw_fin_restarts_timer);
	CU_add_test(s, "expiry after 2*MSL", test_tw_expires);
	CU_add_test(s, "higher SYN reopens (RFC 6191)", test_tw_syn_reopens);
	CU_add_test(s, "lower SYN does not reopen", test_tw_syn_lower_no_reopen);
	CU_add_test(s, "RST ignored (RFC 1337)", test_tw_rst_ignored);

	s = tf_suite("URG and options");
	CU_add_test(s, "URG data inline", test_urg_inline);
	CU_add_test(s, "malformed options on SYN", test_opts_malformed_syn);
	CU_add_test(s, "malformed options on data", test_opts_malformed_established);
	CU_add_test(s, "unknown options skipped", test_opts_unknown_skipped);
	CU_add_test(s, "MSS absent: 536", test_opts_mss_absent);
	CU_add_test(s, "MSS 1: clamped", test_opts_mss_tiny);
	CU_add_test(s, "MSS above our MTU", test_opts_mss_huge);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
