/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (RFC 9438), the default: the window follows
 * W_cubic(t) = C*(t-K)^3 + W_max from the last congestion event, with a
 * Reno-friendly lower bound; fast recovery is tcp_cc.c's.
 *
 * Call chain: tcp_cc.c (tcp_cc_ack, tcp_cc_dupack, tcp_cc_rto) -> here.
 *
 * Read first: RFC 9438 §4 (the algorithm), §4.6-4.8 (loss, fast
 * convergence, timeout).
 *
 * Windows here are in segments (doubles: the control path of an ACK can
 * afford them), t in seconds of the virtual clock `now`. Slow start is
 * RFC 5681's (tcp_cc_newreno.c's rule). The cube root is computed here by
 * Newton's method so that the library needs no libm.
 */
#include "tcp.h"
#include "tcp_cc.h"

#define CUBIC_C 0.4       /* RFC 9438 §5.1: C */
#define CUBIC_BETA 0.7    /* RFC 9438 §4.6: beta_cubic */

static double
cube_root(double x)
{
	double r = x > 1.0 ? x / 3.0 : 1.0;
	int i;

	if (x <= 0.0)
		return 0.0;
	for (i = 0; i < 100; i++) {
		double n = r - (r * r * r - x) / (3.0 * r * r);

		if (n == r)
			break;
		r = n;
	}
	return r;
}

double
tcp_cubic_w(const struct tcb *tp, double t)
{
	double d = t - tp->cub_k;

	/* RFC 9438 §4.2 eq. 1: W_cubic(t) = C*(t-K)^3 + W_max. */
	return CUBIC_C * d * d * d + tp->cub_w_max;
}

static void
cubic_init(struct tcb *tp)
{
	tp->cub_w_max = 0;
	tp->cub_k = 0;
	tp->cub_w_est = 0;
	tp->cub_cwnd_epoch = 0;
	tp->cub_epoch = 0;
}

static void
cubic_on_ack(struct tcb *tp, uint32_t acked, uint32_t smss, uint64_t now)
{
	double cwnd = (double)tp->cwnd / smss, segs = (double)acked / smss;
	double t, rtt, target, w_cubic, alpha;

	if (tp->cwnd < tp->ssthresh) {
		/* RFC 9438 §4.10 (RFC 5681 §3.1 eq. 2): slow start. */
		tp->cwnd += RTE_MIN(acked, smss);
		return;
	}
	if (tp->cub_epoch == 0) {
		/*
		 * RFC 9438 §4.2: congestion avoidance starts an epoch.
		 * K = cbrt((W_max - cwnd_epoch) / C); with no loss yet (or
		 * cwnd above W_max), W_max is the current window and K = 0.
		 */
		tp->cub_epoch = now != 0 ? now : 1;
		tp->cub_cwnd_epoch = cwnd;
		if (tp->cub_w_max < cwnd)
			tp->cub_w_max = cwnd;
		tp->cub_k = cube_root((tp->cub_w_max - cwnd) / CUBIC_C);
		/* RFC 9438 §4.3: W_est starts at cwnd_epoch. */
		tp->cub_w_est = cwnd;
	}
	t = (double)(now - tp->cub_epoch) / 1e9;
	rtt = (double)tp->srtt_us / 1e6;
	/*
	 * RFC 9438 §4.3: the Reno-friendly estimate grows by
	 * alpha_cubic * segments_acked / cwnd, alpha_cubic =
	 * 3(1 - beta)/(1 + beta), and 1 once W_est reaches the window of
	 * the last congestion event.
	 */
	alpha = tp->cub_w_est >= tp->cub_w_max ? 1.0 :
		3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);
	tp->cub_w_est += alpha * segs / cwnd;
	w_cubic = tcp_cubic_w(tp, t);
	if (w_cubic < tp->cub_w_est) {
		/* RFC 9438 §4.3: the Reno-friendly region: cwnd = W_est. */
		if (tp->cub_w_est * smss > tp->cwnd)
			tp->cwnd = (uint32_t)(tp->cub_w_est * smss);
		return;
	}
	/*
	 * RFC 9438 §4.4-4.5: target = W_cubic(t + RTT), within
	 * [cwnd, 1.5 * cwnd]; cwnd grows by (target - cwnd)/cwnd per
	 * acknowledged segment.
	 */
	target = tcp_cubic_w(tp, t + rtt);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	tp->cwnd += (uint32_t)((target - cwnd) / cwnd * segs * smss);
}

static uint32_t
cubic_ssthresh(struct tcb *tp, uint32_t flight, uint32_t smss, uint64_t now)
{
	double cwnd = (double)tp->cwnd / smss;
	double ss;

	(void)now;
	/*
	 * RFC 9438 §4.7, fast convergence: a loss below the last W_max
	 * means another flow took bandwidth: release some, W_max =
	 * cwnd * (1 + beta) / 2; else W_max = cwnd.
	 */
	if (cwnd < tp->cub_w_max)
		tp->cub_w_max = cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		tp->cub_w_max = cwnd;
	/* RFC 9438 §4.6: ssthresh = flight_size * beta_cubic, at least 2 SMSS. */
	ss = (double)flight * CUBIC_BETA;
	/* The next ACK in congestion avoidance starts a new epoch (§4.2). */
	tp->cub_epoch = 0;
	return RTE_MAX((uint32_t)ss, 2 * smss);
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.ssthresh = cubic_ssthresh,
};
