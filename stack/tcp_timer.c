/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers on the stack's wheel: retransmission (RFC 6298) of data, FIN,
 * SYN and SYN-ACK with exponential backoff and a give-up limit; the
 * FIN-WAIT-2 timeout of closed sockets; TIME-WAIT entry.
 *
 * Call chain: wheel_run -> rexmit_expire -> tcp_output_rexmit / tcp_send_syn
 *             or tcp_drop(ETIMEDOUT)
 *             wheel_run -> conn_expire -> tcp_drop / CLOSED after 2*MSL
 *             tcp_input (FIN in FIN-WAIT-2, ACK in CLOSING) -> tcp_enter_time_wait
 *             -> tcp_tw_insert (tcp_table.c)
 *
 * Read first: RFC 6298 (all of it: it is short), RFC 9293 §3.8.1 and
 * §3.10.8 (timeouts), §3.6 and §3.10.7.4 (TIME-WAIT), RFC 1122 §4.2.3.5
 * (when to give up).
 *
 * Times in the TCB are microseconds (srtt_us, rttvar_us, rto_us); `now` is
 * nanoseconds. Each TCB has two timers: rexmit_timer (RTO, SYN retries,
 * and the send-override timeout while nothing is in flight) and conn_timer
 * (FIN-WAIT-2 timeout after close, 2*MSL for a TIME-WAIT TCB the
 * application still holds, and otherwise keepalive: tcp_flow.c).
 */
#include <errno.h>

#include <rte_common.h>

#include "tcp.h"

#define US_PER_NS_DIV 1000u
#define TCP_RTO_INITIAL_US 1000000u   /* RFC 6298 §2.1: 1 second */
#define TCP_CLOCK_G_US 1000u          /* RFC 6298 §2: G, our clock granularity (1 ms) */

static void rexmit_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now);
static void conn_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now);

void
tcp_timer_init_tcb(struct tcb *tp)
{
	timer_init(&tp->rexmit_timer, rexmit_expire);
	timer_init(&tp->conn_timer, conn_expire);
	tcp_flow_init_tcb(tp);
	tp->rto_us = TCP_RTO_INITIAL_US;
	tp->srtt_us = 0;
	tp->rttvar_us = 0;
}

/* RTO in ns within the configured bounds (RFC 6298 §2.4, §2.5). */
static uint64_t
rto_ns(const struct berth_stack *st, const struct tcb *tp)
{
	uint64_t ns = (uint64_t)tp->rto_us * US_PER_NS_DIV;

	ns = RTE_MAX(ns, st->conf.tcp_rto_min_ns);
	return RTE_MIN(ns, st->conf.tcp_rto_max_ns);
}

void
tcp_rexmit_arm(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	timer_arm(&st->wheel, &tp->rexmit_timer, now + rto_ns(st, tp));
}

void
tcp_rexmit_stop(struct berth_stack *st, struct tcb *tp)
{
	timer_cancel(&st->wheel, &tp->rexmit_timer);
}

void
tcp_rtt_sample(struct berth_stack *st, struct tcb *tp, uint64_t rtt_ns)
{
	uint64_t r = rtt_ns / US_PER_NS_DIV, rto;

	/* Below our clock's resolution: count it as one tick of the microsecond clock. */
	if (r == 0)
		r = 1;
	if (r > UINT32_MAX)
		r = UINT32_MAX;
	if (tp->srtt_us == 0) {
		/* RFC 6298 §2.2: the first measurement R: SRTT <- R, RTTVAR <- R/2 */
		tp->srtt_us = (uint32_t)r;
		tp->rttvar_us = (uint32_t)(r / 2);
	} else {
		/*
		 * RFC 6298 §2.3, RTTVAR first (it uses the old SRTT):
		 * RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT <- 7/8 SRTT + 1/8 R'
		 */
		uint64_t delta = tp->srtt_us > r ? tp->srtt_us - r : r - tp->srtt_us;

		tp->rttvar_us = (uint32_t)((3 * (uint64_t)tp->rttvar_us + delta) / 4);
		tp->srtt_us = (uint32_t)((7 * (uint64_t)tp->srtt_us + r) / 8);
		if (tp->srtt_us == 0)
			tp->srtt_us = 1; /* 0 means "no sample yet" */
	}
	/* RFC 6298 §2.2-2.3: RTO <- SRTT + max(G, K*RTTVAR), K = 4 */
	rto = tp->srtt_us + RTE_MAX((uint64_t)TCP_CLOCK_G_US, 4 * (uint64_t)tp->rttvar_us);
	/*
	 * RFC 6298 §2.4-2.5: bounded below and above. The lower bound is
	 * configured (200 ms by default, as Linux; see berth_stack_conf).
	 */
	rto = RTE_MAX(rto, st->conf.tcp_rto_min_ns / US_PER_NS_DIV);
	rto = RTE_MIN(rto, st->conf.tcp_rto_max_ns / US_PER_NS_DIV);
	tp->rto_us = (uint32_t)RTE_MIN(rto, (uint64_t)UINT32_MAX);
}

/* The retransmission timer went off. */
static void
rexmit_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct tcb *tp = container_of(t, struct tcb, rexmit_timer);
	bool syn = tcp_syn_unacked(tp) &&
		   (tp->state == TCP_SYN_SENT || tp->state == TCP_SYN_RECEIVED ||
		    tp->state == TCP_FIN_WAIT_1);
	uint32_t limit = syn ? st->conf.tcp_syn_retries : st->conf.tcp_retries;
	uint64_t rto;

	if (tp->state == TCP_CLOSED || tp->state == TCP_TIME_WAIT)
		return;
	if (!syn && tp->snd_una == tp->snd_max) {
		/*
		 * Nothing in flight, data waiting: a segment that could not get
		 * a buffer, or one sender SWS avoidance held (RFC 9293
		 * §3.8.6.2.1 override timeout). A zero window is the persist
		 * timer's (tcp_flow.c).
		 */
		tcp_output_rexmit(st, tp, now);
		return;
	}
	/* RFC 1122 §4.2.3.5 (R2) and RFC 9293 §3.8.3: give up after the limit. */
	if (tp->nb_rexmit >= limit) {
		STAT_INC(st, TCP_TIMEDOUT);
		/* A SYN-RECEIVED child has no application yet: it just goes. */
		tcp_drop(st, tp, ETIMEDOUT, now);
		return;
	}
	STAT_INC(st, TCP_RTO);
	/* RFC 5681 §3.1: the congestion window collapses (tcp_cc.c), before the count moves. */
	if (!syn)
		tcp_cc_rto(st, tp, now);
	if (tp->nb_rexmit < UINT8_MAX)
		tp->nb_rexmit++;
	/* RFC 6298 §3 (Karn): no RTT sample from what is being retransmitted. */
	tp->rtt_active = false;
	/* RFC 6298 §5.5: back off the timer, RTO <- RTO * 2, up to the maximum (§2.5). */
	rto = RTE_MIN(2 * (uint64_t)tp->rto_us, st->conf.tcp_rto_max_ns / US_PER_NS_DIV);
	tp->rto_us = (uint32_t)RTE_MIN(rto, (uint64_t)UINT32_MAX);
	if (syn) {
		/* RFC 9293 §3.8.1: the SYN (or SYN-ACK) goes again. */
		tcp_send_syn(st, tp, now);
	} else {
		/* RFC 6298 §5.4: retransmit the earliest segment not acknowledged. */
		tp->snd_nxt = tp->snd_una;
		tp->snd_cur = NULL;
		tcp_output_rexmit(st, tp, now);
	}
	/* RFC 6298 §5.6: start the timer with the new RTO. */
	tcp_rexmit_arm(st, tp, now);
}

/* FIN-WAIT-2 timeout, the end of 2*MSL for a TIME-WAIT TCB still held, or keepalive. */
static void
conn_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct tcb *tp = container_of(t, struct tcb, conn_timer);

	if (!tcp_conn_timer_closing(tp)) {
		tcp_keepalive_expire(st, tp, now);
		return;
	}
	switch (tp->state) {
	case TCP_FIN_WAIT_2:
		/*
		 * Not in RFC 9293: a closed socket whose peer never sends its
		 * FIN would stay forever. Like Linux (tcp_fin_timeout), drop it.
		 */
		tcp_set_state(st, tp, TCP_CLOSED, "FIN-WAIT-2 timeout");
		tcp_drop(st, tp, 0, now);
		break;
	case TCP_TIME_WAIT:
		/* RFC 9293 §3.10.8: TIME-WAIT timeout -> delete the TCB (here: CLOSED). */
		tcp_set_state(st, tp, TCP_CLOSED, "2*MSL");
		break;
	default:
		break;
	}
}

void
tcp_enter_time_wait(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/* RFC 9293 §3.10.7.4 (TIME-WAIT): 2*MSL from now. */
	uint64_t expire = now + 2 * st->conf.tcp_msl_ns;
	struct tcp_lookup lk;
	struct tcp_tw *tw;

	if (tp->state != TCP_TIME_WAIT)
		tcp_set_state(st, tp, TCP_TIME_WAIT, "2*MSL");
	tcp_rexmit_stop(st, tp);
	timer_cancel(&st->wheel, &tp->conn_timer);
	tcp_flow_stop(st, tp);
	lk = tcp_table_lookup(st, &tp->key);
	if (lk.kind == TCP_LK_TCB && lk.tcb == tp)
		tcp_table_remove(st, tp);
	/* The compact entry answers for the connection from now on. */
	tw = tcp_tw_insert(st, &tp->key, tp->snd_max, tp->rcv_nxt, expire);
	/* RFC 7323 §3.2 (its ACKs keep Timestamps), RFC 6191 (reopening by TSval). */
	if (tw != NULL && tp->ts_on)
		tcp_tw_set_ts(tw, &(struct tcp_tw_ts){ .on = true, .recent_ok = tp->ts_recent_ok,
						       .recent = tp->ts_recent, .off = tp->ts_off });
	pktq_free(&tp->sndq);
	/* Data that arrived with or before the FIN stays readable until close. */
	if (tp->app_closed || tp->so.sd < 0)
		pktq_free(&tp->rcvq);
	tcb_ext_free(tp);
	tp->snd_cur = NULL;
	if (tp->app_closed || tp->so.sd < 0) {
		tcb_free(st, tp);
		return;
	}
	if (tw == NULL) {
		/* No room for an entry: the connection simply ends. */
		tcp_set_state(st, tp, TCP_CLOSED, "no room for a TIME-WAIT entry");
		return;
	}
	/* The application still holds it: it reads TIME-WAIT until 2*MSL passes. */
	timer_arm(&st->wheel, &tp->conn_timer, expire);
}
