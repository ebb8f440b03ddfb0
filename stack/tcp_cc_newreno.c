/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno's window growth (RFC 5681 §3.1) and its ssthresh on loss; the
 * fast recovery itself is common to every algorithm (tcp_cc.c).
 *
 * Call chain: tcp_cc.c (tcp_cc_ack, tcp_cc_dupack, tcp_cc_rto) -> here.
 *
 * Read first: RFC 5681 §3.1, RFC 3465 (byte counting).
 *
 * Slow start counts bytes as RFC 5681 §3.1 allows, capped at one SMSS per
 * ACK (RFC 3465's L = 1 SMSS, not L = 2): a stretch ACK covering many
 * segments does not turn into a burst.
 */
#include "tcp.h"
#include "tcp_cc.h"

static void
newreno_init(struct tcb *tp)
{
	/* NewReno keeps no state beyond cwnd and ssthresh. */
	(void)tp;
}

static void
newreno_on_ack(struct tcb *tp, uint32_t acked, uint32_t smss, uint64_t now)
{
	uint32_t inc;

	(void)now;
	if (tp->cwnd < tp->ssthresh) {
		/* RFC 5681 §3.1 eq. 2: slow start, cwnd += min(N, SMSS). */
		tp->cwnd += RTE_MIN(acked, smss);
		return;
	}
	/*
	 * RFC 5681 §3.1 eq. 3: congestion avoidance, cwnd += SMSS*SMSS/cwnd
	 * per ACK, at least one byte: about one SMSS per RTT.
	 */
	inc = (uint32_t)((uint64_t)smss * smss / tp->cwnd);
	tp->cwnd += RTE_MAX(inc, 1u);
}

static uint32_t
newreno_ssthresh(struct tcb *tp, uint32_t flight, uint32_t smss, uint64_t now)
{
	(void)tp;
	(void)now;
	/* RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). */
	return RTE_MAX(flight / 2, 2 * smss);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.ssthresh = newreno_ssthresh,
};
