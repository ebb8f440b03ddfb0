/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control (tcp_cc.c, tcp_cc_newreno.c, tcp_cc_cubic.c) through
 * the TCP fixture: the stack sends, the test plays the receiver and counts
 * what goes out after each ACK. Expected windows are computed here from
 * the RFC formulas (RFC 5681 §3, RFC 6582 §3.2, RFC 3042, RFC 6928, RFC
 * 9438 §4), not read back from the code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp_cc.h"
#include "tcp_fixture.h"

#define MS BERTH_NS_PER_MS

static uint8_t buf[64 * 1024];

static unsigned int
sent(struct tf *f)
{
	berth_stack_flush(f->h.st, f->h.now);
	return h_tx_count(&f->h);
}

/* Pop n segments the stack sent; their SEQ and length into seq/len (may be NULL). */
static bool
take(struct tf *f, unsigned int n, tcp_seq *seq, uint32_t *len)
{
	struct tf_pkt p;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!tf_tx_tcp(f, &p))
			return false;
		if (seq != NULL)
			seq[i] = p.seq;
		if (len != NULL)
			len[i] = p.len;
	}
	return true;
}

/* ESTABLISHED (active open) with algorithm alg, NODELAY so a short tail goes too. */
static bool
established(struct tf *f, int alg)
{
	struct berth_stack_conf c = { .tcp_cc = (uint8_t)alg };

	tf_setup_conf(f, &c);
	if (tf_tcb_in_state(f, TCP_ESTABLISHED) == NULL)
		return false;
	berth_stack_flush(f->h.st, f->h.now);
	h_tx_drain(&f->h);
	return berth_sock_setopt(f->h.st, f->sd, BERTH_SO_NODELAY, 1) == 0;
}

static void
peer_ack(struct tf *f, tcp_seq ack)
{
	tf_in(f, tf_raw(f, TCP_ACK, f->tp->rcv_nxt, ack, NULL, 0));
}

static bool
app_send(struct tf *f, uint32_t n)
{
	return berth_sock_send(f->h.st, f->sd, buf, n) == (ssize_t)n;
}

/* ---- initial window, slow start, congestion avoidance ---- */

static void
test_iw10(void)
{
	struct tf f;
	uint32_t smss, len[10];
	unsigned int i;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	smss = tcp_smss(f.h.st, f.tp);
	CU_ASSERT_EQUAL(smss, 1460);
	/* RFC 6928 §2: min(10*1460, max(2*1460, 14600)) = 14600: 10 segments, not 11. */
	CU_ASSERT_EQUAL(f.tp->cwnd, 14600);
	CU_ASSERT_EQUAL(f.tp->ssthresh, UINT32_MAX);
	TF_REQUIRE(app_send(&f, 20 * smss));
	CU_ASSERT_EQUAL(sent(&f), 10);
	TF_REQUIRE(take(&f, 10, NULL, len));
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(len[i], smss);
	CU_ASSERT_EQUAL(f.tp->snd_max - f.tp->snd_una, 10 * smss);
out:
	tf_teardown(&f);
}

static void
test_slow_start(void)
{
	struct tf f;
	tcp_seq una;
	uint32_t smss;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	smss = tcp_smss(f.h.st, f.tp);
	una = f.tp->snd_una;
	TF_REQUIRE(app_send(&f, 30 * smss));
	TF_REQUIRE(take(&f, sent(&f), NULL, NULL));
	/* RFC 5681 §3.1 eq. 2: each ACK of a full segment adds SMSS: two segments go. */
	peer_ack(&f, una + smss);
	CU_ASSERT_EQUAL(f.tp->cwnd, 11 * smss);
	CU_ASSERT_EQUAL(sent(&f), 2);
	TF_REQUIRE(take(&f, 2, NULL, NULL));
	/* A stretch ACK of 3 segments still adds one SMSS (byte counting, L = 1 SMSS). */
	peer_ack(&f, una + 4 * smss);
	CU_ASSERT_EQUAL(f.tp->cwnd, 12 * smss);
	CU_ASSERT_EQUAL(sent(&f), 4);
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

static void
test_congestion_avoidance(void)
{
	struct tf f;
	tcp_seq una;
	uint32_t smss, w0, expect;
	unsigned int i;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	smss = tcp_smss(f.h.st, f.tp);
	/* Past slow start (as after a loss): ssthresh at the initial window. */
	f.tp->ssthresh = f.tp->cwnd;
	w0 = f.tp->cwnd;
	una = f.tp->snd_una;
	TF_REQUIRE(app_send(&f, 40 * smss));
	h_tx_drain(&f.h);
	/* One RTT: the 10 segments of the window acknowledged one by one. */
	expect = w0;
	for (i = 1; i <= 10; i++) {
		peer_ack(&f, una + i * smss);
		/* RFC 5681 §3.1 eq. 3: cwnd += SMSS*SMSS/cwnd. */
		expect += smss * smss / expect;
		CU_ASSERT_EQUAL(f.tp->cwnd, expect);
	}
	/* About one SMSS per RTT, never more. */
	CU_ASSERT(f.tp->cwnd - w0 <= smss);
	CU_ASSERT(f.tp->cwnd - w0 >= smss * 9 / 10);
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

/* ---- fast retransmit, limited transmit, NewReno recovery ---- */

static void
test_fast_retransmit(void)
{
	struct tf f;
	tcp_seq una, seq[2];
	uint32_t smss, len[2];

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	smss = tcp_smss(f.h.st, f.tp);
	una = f.tp->snd_una;
	TF_REQUIRE(app_send(&f, 20 * smss));
	CU_ASSERT_EQUAL(sent(&f), 10);
	h_tx_drain(&f.h);

	/* RFC 3042 §2: dupacks 1 and 2 each release one new segment; cwnd unchanged. */
	peer_ack(&f, una);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(take(&f, 1, seq, len));
	CU_ASSERT_EQUAL(seq[0], una + 10 * smss);
	CU_ASSERT_EQUAL(f.tp->cwnd, 10 * smss);
	peer_ack(&f, una);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(take(&f, 1, seq, len));
	CU_ASSERT_EQUAL(seq[0], una + 11 * smss);
	/* Not after two duplicates: nothing was retransmitted. */
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_fast_rexmit"), 0);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), 0);

	/* RFC 5681 §3.2: the third: exactly one retransmission, of SND.UNA. */
	peer_ack(&f, una);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(take(&f, 1, seq, len));
	CU_ASSERT_EQUAL(seq[0], una);
	CU_ASSERT_EQUAL(len[0], smss);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_fast_rexmit"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_dupacks"), 3);
	CU_ASSERT(f.tp->in_recovery);
	/* RFC 5681 eq. 4: ssthresh = FlightSize/2 = 12*SMSS/2; cwnd = ssthresh + 3*SMSS. */
	CU_ASSERT_EQUAL(f.tp->ssthresh, 6 * smss);
	CU_ASSERT_EQUAL(f.tp->cwnd, 9 * smss);
	CU_ASSERT_EQUAL(f.tp->recover, una + 12 * smss);

	/* More duplicates inflate cwnd by SMSS each, never a second retransmission. */
	peer_ack(&f, una);
	CU_ASSERT_EQUAL(f.tp->cwnd, 10 * smss);
	CU_ASSERT_EQUAL(sent(&f), 0);
	peer_ack(&f, una);
	peer_ack(&f, una);
	peer_ack(&f, una);
	CU_ASSERT_EQUAL(f.tp->cwnd, 13 * smss);
	/* FlightSize 12*SMSS < cwnd 13*SMSS: one new segment. */
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(take(&f, 1, seq, len));
	CU_ASSERT_EQUAL(seq[0], una + 12 * smss);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_fast_rexmit"), 1);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rexmit"), 1);

	/* RFC 6582 §3.2 step 3: a partial ACK retransmits the next hole and stays. */
	peer_ack(&f, una + 2 * smss);
	CU_ASSERT(f.tp->in_recovery);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_recovery_partial"), 1);
	CU_ASSERT(sent(&f) >= 1);
	TF_REQUIRE(take(&f, 1, seq, len));
	CU_ASSERT_EQUAL(seq[0], una + 2 * smss);
	CU_ASSERT_EQUAL(len[0], smss);
	/* Deflated by the 2*SMSS acknowledged, plus one SMSS back. */
	CU_ASSERT_EQUAL(f.tp->cwnd, 12 * smss);
	h_tx_drain(&f.h);

	/* A full ACK (covers recover) ends recovery with cwnd = ssthresh. */
	peer_ack(&f, una + 12 * smss);
	CU_ASSERT_FALSE(f.tp->in_recovery);
	CU_ASSERT_EQUAL(f.tp->cwnd, 6 * smss);
	CU_ASSERT_EQUAL(f.tp->ssthresh, 6 * smss);
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

static void
test_rto(void)
{
	struct tf f;
	tcp_seq una, seq[1];
	uint32_t smss;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	smss = tcp_smss(f.h.st, f.tp);
	una = f.tp->snd_una;
	TF_REQUIRE(app_send(&f, 20 * smss));
	CU_ASSERT_EQUAL(sent(&f), 10);
	h_tx_drain(&f.h);
	/* RFC 6298: no ACK for the RTO: one segment, from SND.UNA. */
	h_poll_ns(&f.h, f.tp->rexmit_timer.expire - f.h.now);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rto"), 1);
	CU_ASSERT_EQUAL(sent(&f), 1);
	TF_REQUIRE(take(&f, 1, seq, NULL));
	CU_ASSERT_EQUAL(seq[0], una);
	/* RFC 5681 §3.1: cwnd = 1 SMSS, ssthresh = max(FlightSize/2, 2*SMSS) = 5*SMSS. */
	CU_ASSERT_EQUAL(f.tp->cwnd, smss);
	CU_ASSERT_EQUAL(f.tp->ssthresh, 5 * smss);
	/* Slow start again: the ACK of it lets two go. */
	peer_ack(&f, una + smss);
	CU_ASSERT_EQUAL(f.tp->cwnd, 2 * smss);
	CU_ASSERT_EQUAL(sent(&f), 2);
	TF_REQUIRE(take(&f, 1, seq, NULL));
	CU_ASSERT_EQUAL(seq[0], una + smss);
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

/* ---- CUBIC ---- */

static double
cube_root(double x)
{
	double lo = 0, hi = x > 1 ? x : 1;
	int i;

	for (i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (mid * mid * mid < x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static bool
near(double a, double b)
{
	double d = a - b;

	return d < 1e-6 && d > -1e-6;
}

static void
test_cubic(void)
{
	const double C = 0.4, beta = 0.7;
	struct tf f;
	tcp_seq una;
	uint32_t smss, w_prev;
	double w_max, k, t;
	uint64_t t0;
	unsigned int i;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_CUBIC));
	CU_ASSERT_PTR_EQUAL(f.tp->cc, &tcp_cc_cubic);
	smss = tcp_smss(f.h.st, f.tp);
	una = f.tp->snd_una;
	/* Exactly one window: limited transmit has nothing new, FlightSize = cwnd = W_max. */
	TF_REQUIRE(app_send(&f, 10 * smss));
	CU_ASSERT_EQUAL(sent(&f), 10);
	h_tx_drain(&f.h);
	w_max = 10;
	peer_ack(&f, una);
	peer_ack(&f, una);
	peer_ack(&f, una);
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_fast_rexmit"), 1);
	/* RFC 9438 §4.6: ssthresh = 0.7 * FlightSize. */
	CU_ASSERT_EQUAL(f.tp->ssthresh, (uint32_t)(beta * 10 * smss));
	CU_ASSERT(near(f.tp->cub_w_max, w_max));
	h_tx_drain(&f.h);
	/* The full ACK: cwnd = 0.7 * W_max. */
	peer_ack(&f, una + 10 * smss);
	CU_ASSERT_FALSE(f.tp->in_recovery);
	CU_ASSERT_EQUAL(f.tp->cwnd, (uint32_t)(beta * 10 * smss));

	/* Congestion avoidance: the first ACK starts the epoch at t0. */
	una += 10 * smss;
	TF_REQUIRE(app_send(&f, 40 * smss));
	TF_REQUIRE(app_send(&f, 40 * smss));
	h_tx_drain(&f.h);
	t0 = f.h.now;
	peer_ack(&f, una + smss);
	una += smss;
	/* RFC 9438 §4.2 eq. 2: K = cbrt((W_max - cwnd_epoch) / C). */
	k = cube_root((w_max - beta * w_max) / C);
	CU_ASSERT_EQUAL(f.tp->cub_epoch, t0);
	CU_ASSERT(near(f.tp->cub_k, k));
	/* eq. 1 at a few times: W_cubic(t) = C (t - K)^3 + W_max. */
	for (t = 0; t <= 2 * k; t += k / 2)
		CU_ASSERT(near(tcp_cubic_w(f.tp, t), C * (t - k) * (t - k) * (t - k) + w_max));
	CU_ASSERT(near(tcp_cubic_w(f.tp, 0), beta * w_max));
	CU_ASSERT(near(tcp_cubic_w(f.tp, k), w_max));
	/* The window follows the curve: it never passes W_cubic(t + RTT) nor shrinks. */
	w_prev = f.tp->cwnd;
	/* An ACK every 100 ms (under the 200 ms RTO floor), for 4 s. */
	for (i = 0; i < 40; i++) {
		double rtt = (double)f.tp->srtt_us / 1e6, bound;

		h_poll_ns(&f.h, 100 * MS);
		h_tx_drain(&f.h);
		peer_ack(&f, una + smss);
		una += smss;
		t = (double)(f.h.now - t0) / 1e9;
		bound = C * (t + rtt - k) * (t + rtt - k) * (t + rtt - k) + w_max;
		CU_ASSERT(f.tp->cwnd >= w_prev);
		CU_ASSERT((double)f.tp->cwnd <= bound * smss + 1 ||
			  (double)f.tp->cwnd <= f.tp->cub_w_est * smss + 1);
		w_prev = f.tp->cwnd;
	}
	/* 4 s on, past K (2.47 s): grown back beyond the old W_max, in the convex region. */
	CU_ASSERT_EQUAL(h_counter(&f.h, "tcp_rto"), 0);
	CU_ASSERT(f.tp->cwnd > 10 * smss);
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

/* ---- selection and listing ---- */

static void
test_select(void)
{
	struct tf f;
	int v = -1;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	CU_ASSERT_PTR_EQUAL(f.tp->cc, &tcp_cc_newreno);
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_TCP_CONGESTION, &v), 0);
	CU_ASSERT_EQUAL(v, BERTH_TCP_CC_NEWRENO);
	/* Per socket, on a live connection: the window is kept. */
	f.tp->cwnd = 20000;
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_CONGESTION, BERTH_TCP_CC_CUBIC),
			0);
	CU_ASSERT_PTR_EQUAL(f.tp->cc, &tcp_cc_cubic);
	CU_ASSERT_EQUAL(f.tp->cwnd, 20000);
	CU_ASSERT_EQUAL(berth_sock_getopt(f.h.st, f.sd, BERTH_TCP_CONGESTION, &v), 0);
	CU_ASSERT_EQUAL(v, BERTH_TCP_CC_CUBIC);
	CU_ASSERT_EQUAL(berth_sock_setopt(f.h.st, f.sd, BERTH_TCP_CONGESTION, 7), -EINVAL);
	CU_ASSERT_PTR_EQUAL(f.tp->cc, &tcp_cc_cubic);
out:
	tf_teardown(&f);
}

static void
test_default_cubic(void)
{
	struct tf f;

	tf_setup(&f);
	TF_REQUIRE(tf_tcb_in_state(&f, TCP_ESTABLISHED) != NULL);
	/* RFC 9438: CUBIC unless configured otherwise. */
	CU_ASSERT_PTR_EQUAL(f.tp->cc, &tcp_cc_cubic);
	h_tx_drain(&f.h);
out:
	tf_teardown(&f);
}

static void
test_listing(void)
{
	struct tf f;
	char *text = NULL;
	size_t size = 0;
	FILE *m;

	TF_REQUIRE(established(&f, BERTH_TCP_CC_NEWRENO));
	f.tp->ssthresh = 5840;
	m = open_memstream(&text, &size);
	TF_REQUIRE(m != NULL);
	berth_stack_conns_dump(f.h.st, m);
	fclose(m);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "cwnd:14600 ssthresh:5840"));
	free(text);
out:
	tf_teardown(&f);
}

static void
add(void)
{
	CU_pSuite s;

	s = tf_suite("window");
	CU_add_test(s, "IW10: 10 segments at start, not 11", test_iw10);
	CU_add_test(s, "slow start: one SMSS per ACK", test_slow_start);
	CU_add_test(s, "congestion avoidance: one SMSS per RTT", test_congestion_avoidance);
	s = tf_suite("loss");
	CU_add_test(s, "limited transmit, fast retransmit, NewReno recovery",
		    test_fast_retransmit);
	CU_add_test(s, "RTO collapses cwnd", test_rto);
	s = tf_suite("CUBIC");
	CU_add_test(s, "0.7 W_max after loss, the cubic curve", test_cubic);
	s = tf_suite("selection");
	CU_add_test(s, "per stack and per socket", test_select);
	CU_add_test(s, "CUBIC by default", test_default_cubic);
	CU_add_test(s, "cwnd and ssthresh in the listing", test_listing);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
