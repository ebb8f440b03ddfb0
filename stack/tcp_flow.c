/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP flow mechanisms that run on their own timers: delayed ACKs, the
 * persist timer that probes a zero window, keepalive; and the per-socket
 * options behind them (BERTH_SO_NODELAY, BERTH_SO_KEEPALIVE,
 * BERTH_TCP_KEEPIDLE/KEEPINTVL/KEEPCNT). Nagle and sender SWS avoidance
 * are decisions inside tcp_output.c (send_hold); receiver SWS avoidance is
 * in tcp_rcv_window.
 *
 * Call chain: tcp_input -> input_tcb -> tcp_flow_seg_rcvd (keepalive idle,
 *             persist answered); step_text / fast_path -> tcp_delack_data;
 *             seg_finish -> tcp_delack_finish (arm the timer)
 *             tcp_output -> tcp_persist_enter / tcp_persist_stop;
 *             send_data -> tcp_delack_sent
 *             wheel_run -> delack_expire -> tcp_send_ack
 *             wheel_run -> persist_expire -> tcp_output_probe or tcp_drop
 *             wheel_run -> conn_expire (tcp_timer.c) -> tcp_keepalive_expire
 *             -> tcp_send_keepalive or tcp_drop
 *
 * Read first: RFC 1122 §4.2.3.2 (when to send an ACK), §4.2.2.17 (probing
 * zero windows), §4.2.3.6 (keepalives); RFC 9293 §3.8.6.1 (zero-window
 * probing), §3.8.6.3 (delayed ACKs); RFC 896 (Nagle).
 */
#include <errno.h>

#include <rte_common.h>

#include <berth/socket.h>

#include "tcp.h"

#define NS_PER_US 1000ull
#define TCP_KEEP_MAX_S 32767u     /* as Linux's MAX_TCP_KEEPIDLE/KEEPINTVL (fits tcp_flow_opts) */
#define TCP_KEEPCNT_MAX 127u      /* as Linux's MAX_TCP_KEEPCNT */

static void delack_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now);
static void persist_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now);

void
tcp_flow_opts_default(struct tcp_flow_opts *fo)
{
	fo->nodelay = false;
	/* RFC 1122 §4.2.3.6: keepalives MUST default to off. */
	fo->keepalive = false;
	fo->keepidle_s = TCP_KEEPIDLE_DEF;
	fo->keepintvl_s = TCP_KEEPINTVL_DEF;
	fo->keepcnt = TCP_KEEPCNT_DEF;
}

void
tcp_flow_init_tcb(struct tcb *tp)
{
	timer_init(&tp->delack_timer, delack_expire);
	timer_init(&tp->persist_timer, persist_expire);
	/* The options (tp->fo) are the socket's: tcb_alloc sets them, a reconnect keeps them. */
	tp->ack_delayed = false;
	tp->delack_bytes = 0;
	tp->quickack = false;
	tp->persist_shift = 0;
	tp->persist_unanswered = 0;
	tp->keep_probes = 0;
	tp->last_rcv = 0;
}

void
tcp_flow_stop(struct berth_stack *st, struct tcb *tp)
{
	timer_cancel(&st->wheel, &tp->delack_timer);
	timer_cancel(&st->wheel, &tp->persist_timer);
	/* Keepalive's timer is the connection timer: callers that end the
	 * connection re-arm it for TIME-WAIT where needed. */
	timer_cancel(&st->wheel, &tp->conn_timer);
	tp->ack_delayed = false;
	tcp_output_unqueue(st, tp);
}

/* States in which a connection is synchronized and not yet closed. */
static bool
state_live(enum tcp_state s)
{
	return s >= TCP_ESTABLISHED && s <= TCP_LAST_ACK;
}

/* ---- delayed ACK ---- */

void
tcp_delack_data(struct berth_stack *st, struct tcb *tp, uint32_t len)
{
	uint32_t full = RTE_MIN(tp->rcv_mss != 0 ? tp->rcv_mss : TCP_DEFAULT_MSS,
				tp->snd_mss != 0 ? tp->snd_mss : TCP_DEFAULT_MSS);

	(void)st;
	/* RFC 7323 §3.2: with timestamps on, a full segment carries 12 bytes less data. */
	if (tp->ts_on && full > TCP_TS_OPT_LEN)
		full -= TCP_TS_OPT_LEN;
	tp->delack_bytes += len;
	/*
	 * RFC 1122 §4.2.3.2, RFC 9293 §3.8.6.3: in a stream of full-sized
	 * segments, an ACK SHOULD go for at least every second one. Full
	 * sized is the smaller of the two MSSes (what the peer can send us).
	 */
	if (tp->delack_bytes >= 2 * full || tp->quickack)
		tp->ack_now = true;
	else
		tp->ack_delayed = true;
}

void
tcp_delack_finish(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	tp->quickack = false;
	/* RFC 1122 §4.2.3.2: the delay MUST be less than 0.5 s (conf bounds it). */
	if (tp->ack_delayed && !timer_armed(&tp->delack_timer))
		timer_arm(&st->wheel, &tp->delack_timer, now + st->conf.tcp_delack_ns);
}

void
tcp_delack_sent(struct berth_stack *st, struct tcb *tp)
{
	tp->ack_delayed = false;
	tp->delack_bytes = 0;
	if (timer_armed(&tp->delack_timer))
		timer_cancel(&st->wheel, &tp->delack_timer);
}

static void
delack_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct tcb *tp = container_of(t, struct tcb, delack_timer);

	if (!tp->ack_delayed || !state_live(tp->state))
		return;
	STAT_INC(st, TCP_DELACK);
	tcp_send_ack(st, tp, now);
}

/* ---- persist timer ---- */

/* RFC 1122 §4.2.2.17: the probe interval grows exponentially, capped (60 s). */
static uint64_t
persist_interval(const struct berth_stack *st, const struct tcb *tp)
{
	uint64_t ns = RTE_MAX((uint64_t)tp->rto_us * NS_PER_US, st->conf.tcp_rto_min_ns);
	unsigned int i;

	for (i = 0; i < tp->persist_shift && ns < TCP_PERSIST_MAX_NS; i++)
		ns *= 2;
	return RTE_MIN(ns, TCP_PERSIST_MAX_NS);
}

void
tcp_persist_enter(struct berth_stack *st, struct tcb *tp, bool probe, uint64_t now)
{
	if (!probe) {
		/*
		 * RFC 9293 §3.8.6.1: with the window shut, the retransmission
		 * timer gives way to the persist timer; what was in flight is
		 * sent again once the window opens (as BSD's tcp_output).
		 */
		tcp_rexmit_stop(st, tp);
		tp->nb_rexmit = 0;
		tp->rtt_active = false;
		if (seq_gt(tp->snd_nxt, tp->snd_una)) {
			tp->snd_nxt = tp->snd_una;
			tp->snd_cur = NULL;
		}
	}
	if (!timer_armed(&tp->persist_timer))
		timer_arm(&st->wheel, &tp->persist_timer, now + persist_interval(st, tp));
}

void
tcp_persist_stop(struct berth_stack *st, struct tcb *tp)
{
	tp->persist_shift = 0;
	tp->persist_unanswered = 0;
	if (timer_armed(&tp->persist_timer))
		timer_cancel(&st->wheel, &tp->persist_timer);
}

static void
persist_expire(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct tcb *tp = container_of(t, struct tcb, persist_timer);

	if (!state_live(tp->state))
		return;
	/*
	 * RFC 1122 §4.2.2.17: a closed window may stay closed indefinitely
	 * while the peer answers the probes. A peer that stopped answering
	 * is given up after as many probes as data retransmissions.
	 */
	if (tp->persist_unanswered >= st->conf.tcp_retries) {
		STAT_INC(st, TCP_TIMEDOUT);
		tcp_drop(st, tp, ETIMEDOUT, now);
		return;
	}
	if (tp->persist_unanswered < UINT8_MAX)
		tp->persist_unanswered++;
	if (tp->persist_shift < 32)
		tp->persist_shift++;
	STAT_INC(st, TCP_PERSIST_PROBES);
	/* RFC 9293 §3.8.6.1: one byte of new data beyond the window; re-arms the timer. */
	tcp_output_probe(st, tp, now);
	if (!timer_armed(&tp->persist_timer) && !timer_armed(&tp->rexmit_timer) &&
	    state_live(tp->state))
		timer_arm(&st->wheel, &tp->persist_timer, now + persist_interval(st, tp));
}

/* ---- keepalive ---- */

void
tcp_flow_seg_rcvd(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	tp->last_rcv = now;
	tp->keep_probes = 0;
	tp->persist_unanswered = 0;
	/* An armed conn_timer is either keepalive already, or the end of the connection. */
	if (tp->fo.keepalive && !timer_armed(&tp->conn_timer))
		timer_arm(&st->wheel, &tp->conn_timer, now + tp->fo.keepidle_s * BERTH_NS_PER_SEC);
}

void
tcp_keepalive_reset(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint64_t from = tp->last_rcv != 0 ? tp->last_rcv : now;

	/* The timer counts down the end of the connection: not keepalive's to touch. */
	if (tcp_conn_timer_closing(tp))
		return;
	timer_cancel(&st->wheel, &tp->conn_timer);
	tp->keep_probes = 0;
	if (!tp->fo.keepalive || tp->state == TCP_CLOSED || tp->state == TCP_TIME_WAIT ||
	    tp->state == TCP_LISTEN)
		return;
	if (tp->last_rcv == 0)
		tp->last_rcv = now;
	timer_arm(&st->wheel, &tp->conn_timer,
		  RTE_MAX(from + tp->fo.keepidle_s * BERTH_NS_PER_SEC, now));
}

void
tcp_keepalive_expire(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint64_t idle_end = tp->last_rcv + tp->fo.keepidle_s * BERTH_NS_PER_SEC;

	if (!tp->fo.keepalive || tp->state == TCP_CLOSED || tp->state == TCP_TIME_WAIT)
		return;
	/* Not synchronized yet: look again after an idle time. */
	if (!state_live(tp->state)) {
		timer_arm(&st->wheel, &tp->conn_timer, now + tp->fo.keepidle_s * BERTH_NS_PER_SEC);
		return;
	}
	/* The peer spoke since: a full idle time from then. */
	if (tp->keep_probes == 0 && now < idle_end) {
		timer_arm(&st->wheel, &tp->conn_timer, idle_end);
		return;
	}
	/*
	 * Data in flight or waiting: the retransmission or persist timer
	 * watches the peer already (RFC 1122 §4.2.3.6 probes only an idle
	 * connection).
	 */
	if (tp->keep_probes == 0 && (tp->snd_una != tp->snd_max || tp->sndq.bytes > 0)) {
		timer_arm(&st->wheel, &tp->conn_timer, now + tp->fo.keepidle_s * BERTH_NS_PER_SEC);
		return;
	}
	if (tp->keep_probes >= tp->fo.keepcnt) {
		/* RFC 1122 §4.2.3.6: no answer to the probes: the connection is dead. */
		STAT_INC(st, TCP_KEEPALIVE_DROPS);
		tcp_drop(st, tp, ETIMEDOUT, now);
		return;
	}
	tp->keep_probes++;
	STAT_INC(st, TCP_KEEPALIVE_PROBES);
	/* RFC 1122 §4.2.3.6: <SEQ=SND.UNA-1>, no data: the peer must ACK it. */
	tcp_send_keepalive(st, tp, now);
	timer_arm(&st->wheel, &tp->conn_timer, now + tp->fo.keepintvl_s * BERTH_NS_PER_SEC);
}

/* ---- options ---- */

int
tcp_flow_opt_set(struct tcp_flow_opts *fo, int opt, int value)
{
	switch (opt) {
	case BERTH_SO_NODELAY:
		fo->nodelay = value != 0;
		return 0;
	case BERTH_SO_KEEPALIVE:
		fo->keepalive = value != 0;
		return 0;
	case BERTH_TCP_KEEPIDLE:
	case BERTH_TCP_KEEPINTVL:
		if (value < 1 || (unsigned int)value > TCP_KEEP_MAX_S)
			return -EINVAL;
		*(opt == BERTH_TCP_KEEPIDLE ? &fo->keepidle_s : &fo->keepintvl_s) =
			(uint16_t)value;
		return 0;
	case BERTH_TCP_KEEPCNT:
		if (value < 1 || (unsigned int)value > TCP_KEEPCNT_MAX)
			return -EINVAL;
		fo->keepcnt = (uint8_t)value;
		return 0;
	case BERTH_TCP_CONGESTION:
		if (value != BERTH_TCP_CC_CUBIC && value != BERTH_TCP_CC_NEWRENO)
			return -EINVAL;
		fo->cc = (uint8_t)value;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int
tcp_flow_opt_get(const struct tcp_flow_opts *fo, int opt, int *value)
{
	switch (opt) {
	case BERTH_SO_NODELAY:
		*value = fo->nodelay ? 1 : 0;
		return 0;
	case BERTH_SO_KEEPALIVE:
		*value = fo->keepalive ? 1 : 0;
		return 0;
	case BERTH_TCP_KEEPIDLE:
		*value = (int)fo->keepidle_s;
		return 0;
	case BERTH_TCP_KEEPINTVL:
		*value = (int)fo->keepintvl_s;
		return 0;
	case BERTH_TCP_KEEPCNT:
		*value = (int)fo->keepcnt;
		return 0;
	case BERTH_TCP_CONGESTION:
		*value = fo->cc;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}
