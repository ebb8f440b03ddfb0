/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control, the part common to every algorithm: the initial
 * window, duplicate ACK counting, limited transmit, fast retransmit and
 * NewReno fast recovery (or, with SACK, the entry into RFC 6675 recovery,
 * tcp_sack.c), the reaction to a retransmission timeout, and the restart
 * window after idle. The algorithms (tcp_cc_newreno.c,
 * tcp_cc_cubic.c) decide how cwnd grows and what ssthresh becomes.
 *
 * Call chain: tcp_input (step_ack) -> tcp_cc_dupack -> tcp_output_una
 *             (SACK: -> tcp_sack_recovery_start)
 *             tcp_ack_advance -> tcp_cc_ack -> ops->on_ack / tcp_output_una
 *             rexmit_expire -> tcp_cc_rto
 *             tcp_output -> tcp_cc_window (send limit)
 *
 * Read first: RFC 5681 §2 (definitions: duplicate ACK, FlightSize), §3.1
 * (slow start, congestion avoidance, timeout), §3.2 (fast retransmit and
 * recovery), §4.1 (restart after idle); RFC 6582 §3.2 (NewReno); RFC 3042
 * (limited transmit); RFC 6928 (IW10); RFC 6675 §5 (SACK recovery).
 *
 * Choices: the full ACK ends recovery with cwnd = ssthresh (RFC 6582 §3.2
 * step 3, option 2). The retransmission timer restarts on every ACK of new
 * data, partial ones included (RFC 6298 §5.3): RFC 6582 §4.2's
 * "Slow-but-Steady" variant, which suits windows of a few holes.
 */
#include <berth/stack.h>

#include "tcp.h"
#include "tcp_cc.h"

static const struct tcp_cc_ops *
cc_ops(uint8_t alg)
{
	return alg == BERTH_TCP_CC_NEWRENO ? &tcp_cc_newreno : &tcp_cc_cubic;
}

static uint32_t
flight_size(const struct tcb *tp)
{
	/* RFC 5681 §2: FlightSize, data sent but not yet acknowledged. */
	return tp->snd_max - tp->snd_una;
}

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)). */
static uint32_t
initial_window(uint32_t smss)
{
	uint32_t floor = 2 * smss > 14600u ? 2 * smss : 14600u;

	return 10 * smss < floor ? 10 * smss : floor;
}

void
tcp_cc_init(struct berth_stack *st, struct tcb *tp, bool syn_lost, uint64_t now)
{
	uint32_t smss = tcp_smss(st, tp);

	tp->cc = cc_ops(tp->fo.cc);
	/*
	 * RFC 6928 §2 (and RFC 5681 §3.1): after a lost SYN or SYN-ACK the
	 * initial window is one segment.
	 */
	tp->cwnd = syn_lost ? smss : initial_window(smss);
	/* RFC 5681 §3.1: ssthresh starts arbitrarily high. */
	tp->ssthresh = UINT32_MAX;
	tp->dupacks = 0;
	tp->in_recovery = false;
	tp->recover = tp->snd_una;
	tp->last_send = now;
	tp->cc->init(tp);
}

void
tcp_cc_select(struct tcb *tp, uint8_t alg)
{
	tp->fo.cc = alg;
	if (tp->cc == NULL || tp->cc == cc_ops(alg))
		return;
	tp->cc = cc_ops(alg);
	tp->cc->init(tp);
}

uint32_t
tcp_cc_window(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint32_t smss, w;

	if (tp->cc == NULL)
		return UINT32_MAX;
	smss = tcp_smss(st, tp);
	/*
	 * RFC 5681 §4.1: idle for more than an RTO, cwnd is reduced to the
	 * restart window, RW = min(IW, cwnd), before sending again.
	 */
	if (tp->snd_una == tp->snd_max && now - tp->last_send > (uint64_t)tp->rto_us * 1000 &&
	    tp->cwnd > initial_window(smss)) {
		tp->cwnd = initial_window(smss);
		tp->cc->init(tp);
	}
	w = tp->cwnd;
	/*
	 * RFC 3042 §2: on the first and second duplicate ACK, one new
	 * segment each may go beyond cwnd (cwnd itself is unchanged).
	 */
	if (!tp->in_recovery && tp->dupacks > 0 && tp->dupacks < 3)
		w += tp->dupacks * smss;
	return w;
}

void
tcp_cc_ack(struct berth_stack *st, struct tcb *tp, uint32_t acked, uint64_t now)
{
	uint32_t smss;

	if (tp->cc == NULL || acked == 0)
		return;
	smss = tcp_smss(st, tp);
	tp->dupacks = 0;
	if (!tp->in_recovery) {
		tp->cc->on_ack(tp, acked, smss, now);
		return;
	}
	if (seq_geq(tp->snd_una, tp->recover)) {
		/*
		 * RFC 6582 §3.2 step 3: a full ACK ends recovery; cwnd =
		 * ssthresh (option 2). RFC 6675 §5 (A): the same for SACK.
		 */
		tp->cwnd = tp->ssthresh;
		tp->in_recovery = false;
		return;
	}
	/* RFC 6675 §5 (C): with SACK, partial ACKs only feed the pipe (tcp_sack_output). */
	if (tp->sack_on) {
		STAT_INC(st, TCP_RECOVERY_PARTIAL);
		return;
	}
	/*
	 * RFC 6582 §3.2 step 3, partial ACK: retransmit the first
	 * unacknowledged segment, deflate cwnd by the amount acknowledged and
	 * add back one SMSS if at least one SMSS was acknowledged; stay in
	 * recovery.
	 */
	STAT_INC(st, TCP_RECOVERY_PARTIAL);
	tcp_output_una(st, tp, now);
	tp->cwnd = tp->cwnd > acked ? tp->cwnd - acked : 0;
	if (acked >= smss)
		tp->cwnd += smss;
	if (tp->cwnd < smss)
		tp->cwnd = smss;
}

void
tcp_cc_dupack(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint32_t smss;

	if (tp->cc == NULL)
		return;
	smss = tcp_smss(st, tp);
	STAT_INC(st, TCP_DUPACKS);
	if (tp->dupacks < UINT32_MAX)
		tp->dupacks++;
	if (tp->in_recovery) {
		/* RFC 6675: no inflation with SACK; the pipe counts what left. */
		if (tp->sack_on)
			return;
		/*
		 * RFC 6582 §3.2 step 4 (RFC 5681 §3.2 step 4): each further
		 * duplicate ACK inflates cwnd by one SMSS: a segment has left
		 * the network. tcp_output then sends what the window allows
		 * (the peer's window still bounds it; cwnd never wraps).
		 */
		if (tp->cwnd <= UINT32_MAX - smss)
			tp->cwnd += smss;
		return;
	}
	/*
	 * RFC 5681 §3.2 step 1-2: fewer than three: limited transmit
	 * (tcp_cc_window). RFC 6675 §5 (C): with SACK, also when IsLost(SND.UNA).
	 */
	if (tp->sack_on ? tp->dupacks < 3 && !tcp_sack_una_lost(st, tp) : tp->dupacks != 3)
		return;
	/*
	 * RFC 6582 §3.2 step 2: only when the cumulative ACK covers recover,
	 * so one window of losses triggers one fast retransmit, not several.
	 */
	if (!seq_geq(tp->snd_una, tp->recover))
		return;
	/* RFC 6582 §3.2 step 2 / RFC 5681 §3.2 step 2: ssthresh (eq. 4, or the algorithm's). */
	tp->ssthresh = tp->cc->ssthresh(tp, flight_size(tp), smss, now);
	tp->recover = tp->snd_max;
	STAT_INC(st, TCP_FAST_REXMIT);
	if (tp->sack_on) {
		/* RFC 6675 §5 (4.1-4.3): RecoveryPoint = HighData, cwnd = ssthresh, resend. */
		tp->cwnd = tp->ssthresh;
		tp->in_recovery = true;
		tcp_sack_recovery_start(st, tp, now);
		return;
	}
	/* RFC 5681 §3.2 step 3: retransmit the lost segment; cwnd = ssthresh + 3*SMSS. */
	tcp_output_una(st, tp, now);
	tp->cwnd = tp->ssthresh + 3 * smss;
	tp->in_recovery = true;
}

void
tcp_cc_rto(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint32_t smss;

	if (tp->cc == NULL)
		return;
	smss = tcp_smss(st, tp);
	/*
	 * RFC 5681 §3.1: on a timeout ssthresh = max(FlightSize/2, 2*SMSS)
	 * (eq. 4; CUBIC: its own, RFC 9438 §4.8), but held when the same
	 * segment times out again; cwnd = LW = 1 SMSS.
	 */
	if (tp->nb_rexmit == 0)
		tp->ssthresh = tp->cc->ssthresh(tp, flight_size(tp), smss, now);
	tp->cwnd = smss;
	/* RFC 6582 §3.2 step 6 (and §4): leave recovery; recover = highest sent. */
	tp->in_recovery = false;
	tp->dupacks = 0;
	tp->recover = tp->snd_max;
	/* RFC 2018 §8: the peer may have reneged; after a timeout no SACKed bit is trusted. */
	tcp_sack_clear(tp);
}
