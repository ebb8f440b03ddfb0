/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segment arrival: header checks, collection of a device burst, bulk
 * demultiplexing, and the event processing of RFC 9293 §3.10.7, one static
 * function per step of the RFC, LISTEN, SYN-SENT and TIME-WAIT with
 * handlers of their own.
 *
 * Call chain: ipv4_input -> tcp_input (checks, parse once, stash in
 *             st->tcp->burst)
 *             berth_stack_poll -> tcp_input_flush (tcp_table_lookup_bulk)
 *               -> seg_arrives -> input_closed      (§3.10.7.1)
 *                              -> input_listen      (§3.10.7.2)
 *                              -> input_syn_sent    (§3.10.7.3)
 *                              -> input_time_wait   (§3.10.7.4, RFC 1337, RFC 6191)
 *                              -> input_synchronized (§3.10.7.4: fast path, then
 *                                 step_seq, step_rst, step_syn, step_ack,
 *                                 step_urg, step_text, step_fin)
 *               -> tcp_output.c (ACKs, RSTs, data), tcp_rcv_data (queues),
 *                  tcp_sock.c (state changes, drop), sock_notify
 *
 * Read first: RFC 9293 §3.10.7 (segment arrives), §3.4 (sequence numbers),
 * §3.7.1 (MSS); RFC 5961 (blind RST, SYN and data injection: challenge
 * ACKs); RFC 1337 (TIME-WAIT assassination); RFC 6191 (reopening from
 * TIME-WAIT); RFC 1122 §4.2.3.10 (no TCP to broadcasts).
 *
 * Segments are parsed once, in tcp_input, into struct tcp_seg. Processing
 * waits until the device burst is over, so that one bulk lookup finds the
 * connections of the whole burst (rte_hash_lookup_bulk behind
 * tcp_table_lookup_bulk). A segment that frees the mbuf it came in, passes
 * it on (payload to tcp_rcv_data) or drops it (counted) has been consumed:
 * every path through the handlers consumes exactly once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <berth/socket.h>

#include "cksum.h"
#include "core.h"
#include "tcp.h"

/* RFC 9293 §3.1: the fixed header, data offset 5. */
#define TCP_HDR_LEN 20
/* IPv4 (20) + TCP (20) without options: the MSS of an MTU (RFC 9293 §3.7.1). */
#define TCP_IP_HDRS 40
/* RFC 5961 §7: challenge ACKs per connection and per second at most. */
#define TCP_CHACK_MAX 10
#define TCP_CHACK_WINDOW_NS BERTH_NS_PER_SEC
/* ACKs to out-of-window empty segments: one per this interval (Linux's default). */
#define TCP_OOW_ACK_GAP_NS (500 * BERTH_NS_PER_MS)
/* The flags that take the header-prediction fast path: ACK alone (PSH aside). */
#define TCP_FAST_MASK (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_ACK)

/* A step either lets the segment go on to the next one or has consumed it. */
enum seg_next { SEG_CONTINUE, SEG_DONE };

/* ---- small helpers ---- */

/* Count a drop under why and free the segment's mbuf: it is consumed. */
static enum seg_next
seg_drop(struct berth_stack *st, struct tcp_seg *seg, enum berth_counter why)
{
	st->counters[why]++;
	rte_pktmbuf_free(seg->m);
	seg->m = NULL;
	return SEG_DONE;
}

/* The segment has done its work (ACK processed, say): free it, no drop. */
static void
seg_free(struct tcp_seg *seg)
{
	rte_pktmbuf_free(seg->m);
	seg->m = NULL;
}

/*
 * Input is about to change the connection or TIME-WAIT table: results of
 * the burst's bulk lookup may now be stale (tcp_input_flush).
 */
static void
table_changing(struct berth_stack *st)
{
	st->tcp->table_gen++;
}

/*
 * Events for the application. A passive child not yet accepted has no
 * descriptor (sd -1): accept() hands it over in whatever state it reached.
 */
static void
tcb_notify(struct berth_stack *st, struct tcb *tp, uint32_t ev)
{
	if (tp->so.sd >= 0)
		sock_notify(st, &tp->so, ev);
}

/* The connection is over (reset or closed): tables, timers, app told. */
static void
tcb_gone(struct berth_stack *st, struct tcb *tp, int err, uint64_t now)
{
	table_changing(st);
	tcp_drop(st, tp, err, now);
}

/* RFC 9293 §3.10.7.4: the send window and its update markers from seg. */
static void
snd_wnd_set(struct tcb *tp, const struct tcp_seg *seg)
{
	/* RFC 7323 §2.3: scaled by the peer's shift, except on a SYN. */
	tp->snd_wnd = tcp_seg_wnd(tp, seg);
	tp->snd_wl1 = seg->seq;
	tp->snd_wl2 = seg->ack;
	/* RFC 5961 §5: MAX.SND.WND, the largest window the peer ever offered. */
	if (tp->snd_wnd > tp->max_snd_wnd)
		tp->max_snd_wnd = tp->snd_wnd;
}

/*
 * The send MSS from the peer's option (RFC 9293 §3.7.1, RFC 1122
 * §4.2.2.6): 536 when it sent none, else its value bounded by what our
 * interface can carry, and from below by TCP_MIN_MSS: a tiny MSS would
 * multiply the segments we send for the same data (the resource attack
 * of CVE-2019-11479, which made Linux add tcp_min_snd_mss).
 */
static uint16_t
peer_mss(const struct tcb *tp, const struct tcp_seg *seg)
{
	uint16_t mtu = tp->nh.ifp != NULL ? tp->nh.ifp->mtu : RTE_ETHER_MTU;
	uint16_t mss = seg->opts.mss != 0 ? seg->opts.mss : TCP_DEFAULT_MSS;
	uint16_t ceiling = mtu > TCP_IP_HDRS + TCP_MIN_MSS ? mtu - TCP_IP_HDRS : TCP_MIN_MSS;

	if (mss > ceiling)
		mss = ceiling;
	return mss < TCP_MIN_MSS ? TCP_MIN_MSS : mss;
}

/*
 * RFC 5961 §7: challenge ACKs are rate-limited, so that a blind attacker
 * cannot turn us into an ACK generator. The limit is per connection: a
 * global one, as Linux had, is a side channel that tells an off-path
 * attacker which of its guesses hit a connection (CVE-2016-5696).
 */
static void
challenge_ack(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	if (now - tp->chack_window_start >= TCP_CHACK_WINDOW_NS) {
		tp->chack_window_start = now;
		tp->chack_count = 0;
	}
	if (tp->chack_count >= TCP_CHACK_MAX) {
		STAT_INC(st, TCP_CHACK_LIMITED);
		return;
	}
	tp->chack_count++;
	STAT_INC(st, TCP_CHALLENGE_ACK);
	tcp_send_ack(st, tp, now);
}

/*
 * RFC 9293 §3.10.7.4 first: an unacceptable segment gets an ACK. When it
 * is empty (a bare ACK), the ACK is rate-limited per connection: two ends
 * whose ACKs carry a SND.NXT the other is already past (both rewound by
 * a retransmission timeout) would otherwise answer each other's ACKs for
 * ever, as fast as the wire goes. Segments with data or FIN are always
 * answered: they are not part of such a loop. (Linux does the same:
 * tcp_oow_rate_limited, 500 ms.)
 */
static void
oow_ack(struct berth_stack *st, struct tcb *tp, const struct tcp_seg *seg, uint64_t now)
{
	if (seg->len == 0) {
		if (tp->oow_ack_last != 0 && now - tp->oow_ack_last < TCP_OOW_ACK_GAP_NS) {
			STAT_INC(st, TCP_OOW_ACK_LIMITED);
			return;
		}
		tp->oow_ack_last = now;
	}
	tp->ack_now = false;
	tcp_send_ack(st, tp, now);
}

/* The segment's mbuf (data at the IPv4 header) cut to its payload. */
static struct rte_mbuf *
seg_payload(struct tcp_seg *seg)
{
	struct rte_mbuf *m = seg->m, *s;
	uint32_t off = seg->data_off, left = seg->data_len;
	uint16_t nb = 1;

	seg->m = NULL;
	/* Leading segments that hold only headers (a reassembled chain) go. */
	while (off >= rte_pktmbuf_data_len(m) && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		off -= rte_pktmbuf_data_len(m);
		next->pkt_len = m->pkt_len - rte_pktmbuf_data_len(m);
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	rte_pktmbuf_adj(m, (uint16_t)off);
	/* Then cut after the payload: trimmed window overhang, IP padding. */
	for (s = m; left > rte_pktmbuf_data_len(s) && s->next != NULL; s = s->next) {
		left -= rte_pktmbuf_data_len(s);
		nb++;
	}
	s->data_len = (uint16_t)left;
	rte_pktmbuf_free(s->next);
	s->next = NULL;
	m->nb_segs = nb;
	m->pkt_len = seg->data_len;
	return m;
}

/*
 * End of a segment's processing: send what the window now allows; an ACK
 * owed if none of those segments carried it (every segment tcp_output
 * sends has ACK set and clears ack_now) goes at the next poll, after the
 * application has had its turn (tcp_ack_later).
 */
static void
seg_finish(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	seg_free(seg);
	tcp_output(st, tp, now);
	/* An ACK still owed waits for the application's turn: its answer may carry it. */
	if (tp->ack_now) {
		tp->ack_now = false;
		tcp_ack_later(st, tp, now);
	}
	/* RFC 1122 §4.2.3.2: an ACK still owed goes by the delayed-ACK timer. */
	tcp_delack_finish(st, tp, now);
}

/* ---- no connection: RFC 9293 §3.10.7.1 ---- */

static void
input_closed(struct berth_stack *st, struct tcp_seg *seg, uint64_t now)
{
	/*
	 * RFC 9293 §3.10.7.1: an incoming RST is discarded; anything else is
	 * answered with a RST whose SEQ/ACK make it acceptable to the sender
	 * (tcp_send_rst_seg picks <SEQ=SEG.ACK> or <SEQ=0><ACK=SEG.SEQ+SEG.LEN>).
	 */
	if (!(seg->flags & TCP_RST))
		tcp_send_rst_seg(st, seg, now);
	seg_drop(st, seg, BERTH_DROP_TCP_NO_CONN);
}

/* ---- LISTEN: RFC 9293 §3.10.7.2 ---- */

/*
 * A new child of l for the SYN seg, in SYN-RECEIVED, its SYN-ACK sent.
 * iss_min, when not NULL, is the lowest ISS allowed (a TIME-WAIT reopened).
 */
static void
listen_syn(struct berth_stack *st, struct tcp_listener *l, struct tcp_seg *seg,
	   const tcp_seq *iss_min, uint64_t now)
{
	struct berth_nexthop nh;
	struct tcb *tp;
	int ret;

	/* A bounded SYN-RECEIVED set: a SYN flood costs each listener at most this. */
	if (l->nb_syn_recv >= l->max_syn_recv) {
		seg_drop(st, seg, BERTH_DROP_TCP_SYN_BACKLOG);
		return;
	}
	/* The route is resolved once, here, for the life of the connection. */
	if (route_lookup(st, seg->key.raddr, &nh) < 0) {
		seg_drop(st, seg, BERTH_DROP_TCP_NO_ROUTE);
		return;
	}
	/* The peer addressed us at laddr: answer from it (weak host model). */
	nh.src = seg->key.laddr;
	tp = tcb_alloc(st);
	if (tp == NULL) {
		seg_drop(st, seg, BERTH_DROP_TCP_CONN_FULL);
		return;
	}
	tp->key = seg->key;
	tp->nh = nh;
	table_changing(st);
	ret = tcp_table_insert(st, tp);
	if (ret < 0) {
		/* In no table and no queue yet: it goes at once. */
		tcb_free(st, tp);
		seg_drop(st, seg, BERTH_DROP_TCP_CONN_FULL);
		return;
	}
	/* RFC 9293 §3.10.7.2 third: RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ, ISS chosen. */
	tp->irs = seg->seq;
	tp->rcv_nxt = seg->seq + 1;
	/* Nothing advertised yet: the right edge starts at RCV.NXT (never a stale 0 ahead of it). */
	tp->rcv_adv = tp->rcv_nxt;
	tp->iss = tcp_isn(st, &tp->key, now);
	/* RFC 1122 §4.2.2.13 (1): a reopened TIME-WAIT starts above the old one. */
	if (iss_min != NULL && seq_lt(tp->iss, *iss_min))
		tp->iss = *iss_min;
	tp->snd_una = tp->iss;
	tp->snd_nxt = tp->iss;
	tp->snd_max = tp->iss;
	/* RFC 9293 §3.10.7.2: SND.WND from the SYN (WL1/WL2 set again on its ACK). */
	snd_wnd_set(tp, seg);
	tp->snd_mss = peer_mss(tp, seg);
	/* RFC 7323 §1.3, RFC 2018 §2: the SYN's options decide scaling, timestamps, SACK. */
	tcp_ts_negotiate(st, tp, &seg->opts, now);
	tcp_sack_negotiate(st, tp, &seg->opts);
	tp->parent = l;
	TAILQ_INSERT_TAIL(&l->syn_q, tp, lq_link);
	l->nb_syn_recv++;
	tcp_set_state(st, tp, TCP_SYN_RECEIVED, "SYN on a listener");
	/* RFC 9293 §3.10.7.2: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, then retried. */
	tcp_send_syn(st, tp, now);
	tcp_rexmit_arm(st, tp, now);
	STAT_INC(st, TCP_PASSIVE_OPEN);
	/*
	 * Data on the SYN is not queued (RFC 9293 §3.10.7.2 allows either):
	 * the SYN-ACK acknowledges only the SYN, so the peer sends it again.
	 * A FIN on a SYN is ignored the same way. The SYN itself is processed,
	 * not dropped: no counter.
	 */
	seg_free(seg);
}

static void
input_listen(struct berth_stack *st, struct tcp_listener *l, struct tcp_seg *seg,
	     const tcp_seq *iss_min, uint64_t now)
{
	/* RFC 9293 §3.10.7.2 first: an incoming RST is ignored. */
	if (seg->flags & TCP_RST) {
		seg_drop(st, seg, BERTH_DROP_TCP_LISTEN);
		return;
	}
	/* RFC 9293 §3.10.7.2 second: any ACK is bad here: <SEQ=SEG.ACK><CTL=RST>. */
	if (seg->flags & TCP_ACK) {
		tcp_send_rst_seg(st, seg, now);
		seg_drop(st, seg, BERTH_DROP_TCP_LISTEN);
		return;
	}
	/* RFC 9293 §3.10.7.2 third: SYN (the security check of RFC 793 is gone). */
	if (seg->flags & TCP_SYN) {
		listen_syn(st, l, seg, iss_min, now);
		return;
	}
	/* RFC 9293 §3.10.7.2 fourth: other text or control: drop. */
	seg_drop(st, seg, BERTH_DROP_TCP_LISTEN);
}

/* ---- SYN-SENT: RFC 9293 §3.10.7.3 ---- */

static void step_urg(struct tcp_seg *seg);
static void step_text(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg,
		      uint64_t now);
static enum seg_next step_fin(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg,
			      uint64_t now);
static void seg_trim(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint32_t wnd);

/* Our SYN is acknowledged by a SYN-ACK: the active open completes. */
static void
syn_sent_established(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg,
		     uint64_t now)
{
	tcp_set_state(st, tp, TCP_ESTABLISHED, "SYN-ACK received");
	STAT_INC(st, TCP_ESTAB);
	tcb_notify(st, tp, BERTH_EV_CONNECTED);
	/* RFC 9293 §3.10.7.3 fourth: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
	tp->ack_now = true;
	/*
	 * RFC 9293 §3.10.7.3 fourth: other controls or text go on at the
	 * sixth step of §3.10.7.4. The SYN is consumed; what follows it is
	 * cut to the window like any segment.
	 */
	seg->flags &= (uint8_t)~TCP_SYN;
	seg->seq++;
	seg->len--;
	if (seg->len > 0) {
		seg_trim(st, tp, seg, tcp_rcv_window(tp));
		step_urg(seg);
		step_text(st, tp, seg, now);
		if (step_fin(st, tp, seg, now) == SEG_DONE)
			return;
	}
	seg_finish(st, tp, seg, now);
}

static void
input_syn_sent(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	bool ack = (seg->flags & TCP_ACK) != 0;

	/*
	 * RFC 9293 §3.10.7.3 first: an ACK must acknowledge our SYN:
	 * ISS < SEG.ACK =< SND.NXT (snd_max: snd_nxt rewinds on a retry).
	 */
	if (ack && (seq_leq(seg->ack, tp->iss) || seq_gt(seg->ack, tp->snd_max))) {
		if (!(seg->flags & TCP_RST))
			tcp_send_rst_seg(st, seg, now);
		seg_drop(st, seg, BERTH_DROP_TCP_ACK_BAD);
		return;
	}
	/* RFC 9293 §3.10.7.3 second: RST. */
	if (seg->flags & TCP_RST) {
		/*
		 * RFC 5961 §3.2 leaves SYN-SENT to RFC 793: a RST is acceptable
		 * only with an ACK of our SYN, which the first check verified.
		 */
		if (!ack) {
			seg_drop(st, seg, BERTH_DROP_TCP_RST_BAD);
			return;
		}
		STAT_INC(st, TCP_RST_RX);
		seg_free(seg);
		tcb_gone(st, tp, ECONNREFUSED, now);
		return;
	}
	/* RFC 9293 §3.10.7.3 third: security and precedence, obsolete: nothing. */
	/* RFC 9293 §3.10.7.3 fifth: neither SYN nor RST: drop. */
	if (!(seg->flags & TCP_SYN)) {
		seg_drop(st, seg, BERTH_DROP_TCP_SYN_SENT);
		return;
	}
	/* RFC 9293 §3.10.7.3 fourth: RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ. */
	tp->irs = seg->seq;
	tp->rcv_nxt = seg->seq + 1;
	/* Nothing advertised yet: the right edge starts at RCV.NXT (never a stale 0 ahead of it). */
	tp->rcv_adv = tp->rcv_nxt;
	tp->snd_mss = peer_mss(tp, seg);
	/* RFC 7323 §1.3, RFC 2018 §2: our SYN offered the options; the peer's SYN decides. */
	tcp_ts_negotiate(st, tp, &seg->opts, now);
	tcp_sack_negotiate(st, tp, &seg->opts);
	snd_wnd_set(tp, seg);
	/* SND.UNA = SEG.ACK; segments on the retransmission queue thus acked go. */
	if (ack)
		tcp_ack_advance(st, tp, seg->ack, now);
	if (seq_gt(tp->snd_una, tp->iss)) {
		syn_sent_established(st, tp, seg, now);
		return;
	}
	/*
	 * RFC 9293 §3.10.7.3 fourth: simultaneous open. SYN-RECEIVED and
	 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. Text on the SYN is not
	 * queued: the peer sends it again once our SYN-ACK acknowledges only
	 * its SYN.
	 */
	tcp_set_state(st, tp, TCP_SYN_RECEIVED, "SYN received in SYN-SENT (simultaneous open)");
	tcp_send_syn(st, tp, now);
	seg_free(seg);
}

/* ---- TIME-WAIT: RFC 9293 §3.10.7.4, RFC 1337, RFC 6191 ---- */

/*
 * A connection in TIME-WAIT is either a compact entry (the usual case) or,
 * while the application still holds its descriptor, a full TCB. Both get
 * the same treatment through this view.
 */
struct tw_view {
	const struct tcp_key *key;
	tcp_seq snd_nxt, rcv_nxt;
	struct tcp_tw_ts ts;      /* RFC 7323 state of the connection */
	struct tcp_tw *tw;        /* compact entry, or NULL */
	struct tcb *tp;           /* full TCB in TIME-WAIT, or NULL */
};

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> from the TIME-WAIT connection. */
static void
tw_ack(struct berth_stack *st, const struct tw_view *v, uint64_t now)
{
	struct berth_nexthop nh;

	if (v->tp != NULL) {
		tcp_send_ack(st, v->tp, now);
		return;
	}
	if (route_lookup(st, v->key->raddr, &nh) < 0)
		return;
	nh.src = v->key->laddr;
	/* Nothing more is accepted after the FIN: the window carries no meaning. */
	if (!v->ts.on) {
		tcp_send_raw(st, v->key, &nh, v->snd_nxt, v->rcv_nxt, TCP_ACK, TCP_MAX_WIN, now);
		return;
	}
	/*
	 * RFC 7323 §3.2: Timestamps on every segment of the connection, its
	 * last ACKs included. TSval runs on the connection's clock (RFC 7323
	 * §5.4, as tcp_ts_now), TSecr is TS.Recent (§4.3 (3)).
	 */
	tcp_send_raw_ts(st, v->key, &nh, v->snd_nxt, v->rcv_nxt, TCP_ACK, TCP_MAX_WIN,
			tcp_ts_clock(v->ts.off, now),
			v->ts.recent_ok ? v->ts.recent : 0, now);
}

/* RFC 9293 §3.10.7.4: restart the 2 MSL timeout. */
static void
tw_restart(struct berth_stack *st, const struct tw_view *v, uint64_t now)
{
	uint64_t expire = now + 2 * st->conf.tcp_msl_ns;

	if (v->tp != NULL)
		timer_arm(&st->wheel, &v->tp->conn_timer, expire);
	else
		tcp_tw_restart(st, v->tw, expire);
}

/*
 * RFC 7323 §4.3 (2): the acceptable segment (a retransmitted FIN, which
 * starts below Last.ACK.sent = RCV.NXT) with a TSval not older than
 * TS.Recent gives TS.Recent, echoed by the ACK and compared by RFC 6191.
 */
static void
tw_ts_update(struct tw_view *v, const struct tcp_seg *seg, uint64_t now)
{
	if (v->tp != NULL) {
		tcp_ts_update(v->tp, seg, now);
		return;
	}
	if (!v->ts.on || !seg->opts.ts_ok ||
	    (v->ts.recent_ok && (int32_t)(seg->opts.tsval - v->ts.recent) < 0))
		return;
	v->ts.recent = seg->opts.tsval;
	v->ts.recent_ok = true;
	tcp_tw_set_ts(v->tw, &v->ts);
}

/* The TIME-WAIT connection ends early: a new incarnation takes its 4-tuple. */
static void
tw_end(struct berth_stack *st, const struct tw_view *v, uint64_t now)
{
	if (v->tp != NULL) {
		tcb_gone(st, v->tp, 0, now);
		return;
	}
	table_changing(st);
	tcp_tw_remove(st, v->tw);
}

/*
 * RFC 6191 §2: may this SYN reopen the TIME-WAIT connection? by_ts tells
 * whether its timestamp, newer than TS.Recent, decided.
 */
static bool
tw_syn_newer(const struct tw_view *v, const struct tcp_seg *seg, bool *by_ts)
{
	int32_t d;

	*by_ts = false;
	/*
	 * RFC 6191 §2: the old incarnation used timestamps and the new one
	 * will (the SYN offers them; we always accept): a TSval above the
	 * last one seen reopens, whatever the sequence number; an equal one
	 * needs a higher sequence number; an older one never reopens. With
	 * TS.Recent invalid (RFC 7323 §5.5) there is nothing to compare.
	 */
	if (v->ts.on && v->ts.recent_ok && seg->opts.ts_ok) {
		d = (int32_t)(seg->opts.tsval - v->ts.recent);
		*by_ts = d > 0;
		return d > 0 || (d == 0 && seq_gt(seg->seq, v->rcv_nxt));
	}
	/*
	 * RFC 6191 §2 without timestamps on either side, RFC 9293 §3.10.7.4
	 * fourth and RFC 1122 §4.2.2.13: only a sequence number above
	 * anything of the old incarnation reopens.
	 */
	return seq_gt(seg->seq, v->rcv_nxt);
}

static void
input_time_wait(struct berth_stack *st, struct tw_view *v, struct tcp_seg *seg, uint64_t now)
{
	struct tcp_listener *l;
	tcp_seq iss_min;
	bool by_ts;

	/*
	 * RFC 1337: a RST must not end TIME-WAIT early (TIME-WAIT
	 * assassination: an old duplicate could then reach a new incarnation).
	 * RFC 9293 §3.10.7.4 second would close; RFC 1337 §3 fix F1 wins.
	 */
	if (seg->flags & TCP_RST) {
		seg_drop(st, seg, BERTH_DROP_TCP_RST_BAD);
		return;
	}
	if ((seg->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		if (!tw_syn_newer(v, seg, &by_ts)) {
			/*
			 * RFC 6191 §2 drops such a SYN silently. We answer it
			 * with an ACK, as RFC 9293 §3.10.7.4 first answers any
			 * unacceptable segment and as Linux does
			 * (tcp_timewait_state_process): a peer that lost the
			 * old connection learns that it still stands (its RST
			 * in answer is ignored, RFC 1337) and retries later;
			 * an old duplicate SYN gets an ACK that changes nothing.
			 */
			tw_ack(st, v, now);
			seg_drop(st, seg, BERTH_DROP_TCP_TW_SYN);
			return;
		}
		l = tcp_listen_lookup(st, seg->key.laddr, seg->key.lport);
		if (l == NULL) {
			/* Nobody to take it: a refused connection, TIME-WAIT kept. */
			input_closed(st, seg, now);
			return;
		}
		/*
		 * RFC 1122 §4.2.2.13 (1): the new ISS must be above every
		 * sequence number of the old incarnation; a window beyond, as
		 * Linux (tcp_timewait_state_process), keeps the old segments
		 * still in flight out of the new window. RFC 6191 §2 keeps
		 * this rule when the timestamp decided.
		 */
		iss_min = v->snd_nxt + TCP_MAX_WIN + 2;
		tw_end(st, v, now);
		STAT_INC(st, TCP_TW_REOPEN);
		if (by_ts)
			STAT_INC(st, TCP_TW_REOPEN_TS);
		input_listen(st, l, seg, &iss_min, now);
		return;
	}
	/*
	 * RFC 9293 §3.10.7.4 fifth, TIME-WAIT: the only thing that can arrive
	 * is a retransmission of the remote FIN: acknowledge it and restart
	 * the 2 MSL timeout.
	 */
	if ((seg->flags & TCP_FIN) && seg->seq + seg->len == v->rcv_nxt) {
		tw_ts_update(v, seg, now);
		tw_ack(st, v, now);
		tw_restart(st, v, now);
		seg_free(seg);
		return;
	}
	/*
	 * An empty segment exactly at RCV.NXT is acceptable and asks for
	 * nothing. Answering it would let two TIME-WAIT ends (after a
	 * simultaneous close) ACK each other's ACKs forever; Linux is silent
	 * too (tcp_timewait_state_process).
	 */
	if (seg->len == 0 && seg->seq == v->rcv_nxt) {
		seg_drop(st, seg, BERTH_DROP_TCP_TW);
		return;
	}
	/* RFC 9293 §3.10.7.4 first: anything else is unacceptable: ACK to resync. */
	tw_ack(st, v, now);
	seg_drop(st, seg, BERTH_DROP_TCP_TW);
}

/* ---- synchronized states: RFC 9293 §3.10.7.4, step by step ---- */

/*
 * RFC 9293 §3.10.7.4 first: keep only the part of an acceptable segment
 * inside the window. Data before RCV.NXT was received already; data
 * beyond RCV.NXT+RCV.WND and a FIN beyond it are cut (the peer sends them
 * again when the window opens). Whatever was cut is answered with an ACK:
 * it tells the sender of a duplicate what we have, and the prober of a
 * zero window that it is still shut.
 */
static void
seg_trim(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint32_t wnd)
{
	tcp_seq end = tp->rcv_nxt + wnd;
	uint32_t len0 = seg->len, cut;

	if (seq_lt(seg->seq, tp->rcv_nxt)) {
		cut = RTE_MIN(tp->rcv_nxt - seg->seq, seg->data_len);
		/* RFC 2883 §4.1.2: the part received before is reported as a D-SACK. */
		tcp_sack_rcv_dup(st, tp, seg->seq, seg->seq + cut);
		seg->data_off = (uint16_t)(seg->data_off + cut);
		seg->data_len -= cut;
		seg->len -= cut;
		seg->seq += cut;
	}
	if (seq_gt(seg->seq + seg->data_len, end)) {
		cut = seg->seq + seg->data_len - end;
		seg->data_len -= cut;
		seg->len -= cut;
	}
	if ((seg->flags & TCP_FIN) && seq_geq(seg->seq + seg->data_len, end)) {
		seg->flags &= (uint8_t)~TCP_FIN;
		seg->len--;
	}
	if (seg->len != len0)
		tp->ack_now = true;
}

/* RFC 9293 §3.10.7.4 first: check the sequence number. */
static enum seg_next
step_seq(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	uint32_t wnd = tcp_rcv_window(tp);
	tcp_seq nxt = tp->rcv_nxt;
	bool ok;

	/* The four cases of the acceptability test (RFC 9293 §3.10.7.4). */
	if (seg->len == 0 && wnd == 0)
		ok = seg->seq == nxt;
	else if (seg->len == 0 && (seg->flags & TCP_RST))
		ok = seq_between(seg->seq, nxt, nxt + wnd);
	else if (seg->len == 0)
		/*
		 * RCV.NXT =< SEG.SEQ =< RCV.NXT+RCV.WND, one more than the RFC:
		 * a peer that filled our window and lost some of it sends its
		 * ACKs at exactly the right edge; rejecting them would throw
		 * away the acknowledgments of our data until the hole is
		 * filled. BSD and Linux accept them too (tcp_sequence). A RST
		 * keeps the strict test (RFC 5961 §3.2).
		 */
		ok = seq_between(seg->seq, nxt, nxt + wnd + 1);
	else if (wnd == 0) {
		/*
		 * Not acceptable, but RFC 9293 §3.10.7.4 asks for "special
		 * allowance" to valid ACKs, URGs and RSTs: at RCV.NXT (a zero
		 * window probe) the controls are processed and the text cut,
		 * the text counted as refused.
		 */
		ok = seg->seq == nxt;
		if (ok && seg->data_len > 0)
			DROP_INC(st, TCP_SEQ);
	} else
		ok = seq_between(seg->seq, nxt, nxt + wnd) ||
		     seq_between(seg->seq + seg->len - 1, nxt, nxt + wnd);
	if (!ok) {
		/* RFC 9293 §3.10.7.4 first: ACK it, unless it is a RST. */
		if (seg->flags & TCP_RST)
			return seg_drop(st, seg, BERTH_DROP_TCP_RST_BAD);
		/* RFC 2883 §4.1.1: data we had already: the ACK reports it as a D-SACK. */
		if (seg->data_len > 0 && seq_leq(seg->seq + seg->data_len, nxt))
			tcp_sack_rcv_dup(st, tp, seg->seq, seg->seq + seg->data_len);
		/*
		 * RFC 5961 §4.2: a SYN gets a challenge ACK whatever its
		 * sequence number (step four). Not in SYN-RECEIVED, where an
		 * old SYN outside the window must not undo the connection.
		 */
		if ((seg->flags & TCP_SYN) && tp->state != TCP_SYN_RECEIVED)
			return SEG_CONTINUE;
		oow_ack(st, tp, seg, now);
		return seg_drop(st, seg, BERTH_DROP_TCP_SEQ);
	}
	/*
	 * A RST is judged on its own SEG.SEQ (RFC 5961 §3.2) and a SYN is
	 * answered whatever its position (RFC 5961 §4.2): neither is trimmed,
	 * neither goes beyond steps two and four.
	 */
	if (!(seg->flags & (TCP_RST | TCP_SYN)))
		seg_trim(st, tp, seg, wnd);
	return SEG_CONTINUE;
}

/* RFC 9293 §3.10.7.4 second: check the RST bit (RFC 5961 §3). */
static enum seg_next
step_rst(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	int err;

	if (!(seg->flags & TCP_RST))
		return SEG_CONTINUE;
	/*
	 * RFC 5961 §3.2: only a RST at exactly RCV.NXT resets; one elsewhere
	 * in the window gets a challenge ACK (a true peer answers it with a
	 * RST at RCV.NXT), one outside was dropped by step one.
	 */
	if (seg->seq != tp->rcv_nxt) {
		challenge_ack(st, tp, now);
		return seg_drop(st, seg, BERTH_DROP_TCP_RST_BAD);
	}
	switch (tp->state) {
	case TCP_SYN_RECEIVED:
		/*
		 * RFC 9293 §3.10.7.4 second: from a passive open, back to LISTEN:
		 * the listener never left it; the child goes, silently. From
		 * an active open: connection refused.
		 */
		err = tp->parent != NULL ? 0 : ECONNREFUSED;
		break;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		/* RFC 9293 §3.10.7.4 second: "connection reset", queues flushed. */
		err = ECONNRESET;
		break;
	default:
		/* RFC 9293 §3.10.7.4 second: CLOSING, LAST-ACK: just close. */
		err = 0;
		break;
	}
	STAT_INC(st, TCP_RST_RX);
	seg_free(seg);
	tcb_gone(st, tp, err, now);
	return SEG_DONE;
}

/* RFC 9293 §3.10.7.4 fourth: check the SYN bit. */
static enum seg_next
step_syn(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	if (!(seg->flags & TCP_SYN))
		return SEG_CONTINUE;
	/*
	 * RFC 9293 §3.10.7.4 fourth, SYN-RECEIVED from a passive open: return
	 * to LISTEN (the listener is still there; the half-open child goes).
	 * Its own retransmitted SYN never gets here (input_synchronized).
	 */
	if (tp->state == TCP_SYN_RECEIVED && tp->parent != NULL) {
		seg_drop(st, seg, BERTH_DROP_TCP_SYN_SYNC);
		tcb_gone(st, tp, 0, now);
		return SEG_DONE;
	}
	/*
	 * RFC 5961 §4.2: in a synchronized state a SYN, in the window or not,
	 * gets a challenge ACK and is dropped: a peer that really restarted
	 * answers it with a RST at RCV.NXT.
	 */
	challenge_ack(st, tp, now);
	return seg_drop(st, seg, BERTH_DROP_TCP_SYN_SYNC);
}

/* Our FIN is sent and this ACK covers it (the FIN's sequence number + 1). */
static bool
fin_acked(const struct tcb *tp, const struct tcp_seg *seg)
{
	return tp->fin_sent && seg->ack == tp->snd_max;
}

/* RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: the ACK of our SYN. */
static enum seg_next
ack_syn_received(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	struct tcp_listener *l = tp->parent;

	/* RFC 9293 §3.10.7.4 fifth: SND.UNA < SEG.ACK =< SND.NXT, else <SEQ=SEG.ACK><CTL=RST>. */
	if (!seq_gt(seg->ack, tp->snd_una) || seq_gt(seg->ack, tp->snd_max)) {
		tcp_send_rst_seg(st, seg, now);
		return seg_drop(st, seg, BERTH_DROP_TCP_ACK_BAD);
	}
	/*
	 * A full accept queue: the application does not keep up. The
	 * connection is refused with a RST rather than left half-open (Linux's
	 * tcp_abort_on_overflow), so the peer learns it at once.
	 */
	if (l != NULL && l->nb_accept >= l->backlog) {
		tcp_send_rst_tcb(st, tp, now);
		seg_drop(st, seg, BERTH_DROP_TCP_ACCEPT_FULL);
		tcb_gone(st, tp, 0, now);
		return SEG_DONE;
	}
	/* RFC 9293 §3.10.7.4 fifth: SND.WND <- SEG.WND, SND.WL1/WL2 from it. */
	snd_wnd_set(tp, seg);
	tcp_ack_advance(st, tp, seg->ack, now);
	tcp_set_state(st, tp, TCP_ESTABLISHED, "ACK of SYN");
	/* RFC 1122 §4.2.3.2: data on the handshake's last segment is not delayed. */
	tp->quickack = true;
	/* tcp_child_established counts a passive open in tcp_established. */
	if (l != NULL) {
		tcp_child_established(st, tp);
	} else {
		STAT_INC(st, TCP_ESTAB);
		tcb_notify(st, tp, BERTH_EV_CONNECTED);
	}
	return SEG_CONTINUE;
}

/*
 * RFC 5681 §2: a duplicate ACK acknowledges SND.UNA with data outstanding,
 * carries no data, no SYN or FIN, and leaves the window unchanged.
 */
static bool
dup_ack(const struct tcb *tp, const struct tcp_seg *seg)
{
	/* A shut window makes the outstanding byte a probe, not a loss (RFC 9293 §3.8.6.1). */
	return seg->ack == tp->snd_una && tp->snd_una != tp->snd_max && tp->snd_wnd != 0 &&
	       seg->data_len == 0 &&
	       !(seg->flags & (TCP_SYN | TCP_FIN)) && tcp_seg_wnd(tp, seg) == tp->snd_wnd;
}

/* RFC 9293 §3.10.7.4 fifth: check the ACK field. */
static enum seg_next
step_ack(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	uint32_t newly_sacked;

	/* RFC 9293 §3.10.7.4 fifth: if the ACK bit is off, drop the segment. */
	if (!(seg->flags & TCP_ACK))
		return seg_drop(st, seg, BERTH_DROP_TCP_NO_ACK);
	if (tp->state == TCP_SYN_RECEIVED &&
	    ack_syn_received(st, tp, seg, now) == SEG_DONE)
		return SEG_DONE;
	/*
	 * RFC 5961 §5.2: acceptable is SND.UNA - MAX.SND.WND =< SEG.ACK =<
	 * SND.NXT (snd_max: what was ever sent). Both sides outside are
	 * dropped with an ACK, rate-limited as challenge ACKs (RFC 5961 §7),
	 * so that two confused ends cannot ping-pong ACKs without end.
	 */
	if (seq_gt(seg->ack, tp->snd_max) ||
	    seq_lt(seg->ack, tp->snd_una - tp->max_snd_wnd)) {
		challenge_ack(st, tp, now);
		return seg_drop(st, seg, BERTH_DROP_TCP_ACK_BAD);
	}
	/* RFC 2018 §5, RFC 6675 §5: the scoreboard learns from every acceptable ACK. */
	newly_sacked = tcp_sack_input(st, tp, seg);
	/* RFC 9293 §3.10.7.4 fifth: SND.UNA < SEG.ACK =< SND.NXT: new data acked. */
	if (seq_gt(seg->ack, tp->snd_una))
		tcp_ack_advance(st, tp, seg->ack, now);
	/*
	 * RFC 6675 §2: with SACK, an ACK at SND.UNA that SACKs new data counts
	 * as a duplicate even when its window moved or it carries data.
	 */
	else if (dup_ack(tp, seg) ||
		 (newly_sacked > 0 && seg->ack == tp->snd_una && tp->snd_una != tp->snd_max))
		tcp_cc_dupack(st, tp, now);
	/*
	 * RFC 9293 §3.10.7.4 fifth: update the window from the newest
	 * segment only: SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and
	 * SND.WL2 =< SEG.ACK. A duplicate ACK (SEG.ACK < SND.UNA) is ignored.
	 */
	if (seq_geq(seg->ack, tp->snd_una) &&
	    (seq_lt(tp->snd_wl1, seg->seq) ||
	     (tp->snd_wl1 == seg->seq && seq_leq(tp->snd_wl2, seg->ack))))
		snd_wnd_set(tp, seg);

	switch (tp->state) {
	case TCP_FIN_WAIT_1:
		/*
		 * RFC 9293 §3.10.7.4 fifth: our FIN acknowledged: FIN-WAIT-2.
		 * tcp_set_state bounds FIN-WAIT-2 of a closed socket.
		 */
		if (fin_acked(tp, seg))
			tcp_set_state(st, tp, TCP_FIN_WAIT_2, "ACK of FIN");
		break;
	case TCP_CLOSING:
		/* RFC 9293 §3.10.7.4 fifth: our FIN acknowledged: TIME-WAIT. */
		if (fin_acked(tp, seg)) {
			seg_free(seg);
			table_changing(st);
			tcp_enter_time_wait(st, tp, now);
			return SEG_DONE;
		}
		break;
	case TCP_LAST_ACK:
		/* RFC 9293 §3.10.7.4 fifth: our FIN acknowledged: CLOSED. */
		if (fin_acked(tp, seg)) {
			seg_free(seg);
			tcb_gone(st, tp, 0, now);
			return SEG_DONE;
		}
		break;
	default:
		break;
	}
	return SEG_CONTINUE;
}

/*
 * RFC 9293 §3.10.7.4 sixth: URG. berth has no urgent mode: urgent data is
 * delivered inline with the rest, as RFC 6093 §4 recommends new
 * applications expect, and the pointer is never followed, so a hostile
 * one cannot do harm.
 */
static void
step_urg(struct tcp_seg *seg)
{
	(void)seg;
}

/* RFC 9293 §3.10.7.4 seventh: process the segment text. */
static void
step_text(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	bool clean;

	if (seg->data_len == 0)
		return;
	/*
	 * RFC 9293 §3.10.7.4 seventh: text is taken in ESTABLISHED and the
	 * FIN-WAIT states; after the peer's FIN (CLOSE-WAIT, CLOSING,
	 * LAST-ACK) there cannot be any, and it is ignored.
	 */
	if (tp->state != TCP_ESTABLISHED && tp->state != TCP_FIN_WAIT_1 &&
	    tp->state != TCP_FIN_WAIT_2)
		return;
	if (tp->rd_shut) {
		tp->ack_now = true;
		/*
		 * The application will not read: the data is thrown away but
		 * acknowledged, in order, so the peer does not retransmit it
		 * for ever (Linux keeps acking after SHUT_RD too).
		 */
		if (seg->seq == tp->rcv_nxt)
			tp->rcv_nxt += seg->data_len;
		DROP_INC(st, TCP_RD_SHUT);
		return;
	}
	/*
	 * RFC 1122 §4.2.3.2, RFC 9293 §3.8.6.3: in-order data with nothing
	 * held out of order may wait for the delayed ACK; data out of order
	 * or filling a hole is acknowledged at once (RFC 5681 §4.2: the
	 * sender learns of the loss, or of its repair, without delay).
	 */
	clean = seg->seq == tp->rcv_nxt && tp->nb_ooo == 0;
	/* In order or not, tcp_rcv_data queues it and moves RCV.NXT. */
	tcp_rcv_data(st, tp, seg_payload(seg), seg->seq, seg->data_len, now);
	if (clean && tp->nb_ooo == 0)
		tcp_delack_data(st, tp, seg->data_len);
	else
		tp->ack_now = true;
}

/* RFC 9293 §3.10.7.4 eighth: check the FIN bit. */
static enum seg_next
step_fin(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	/*
	 * A FIN counts once everything before it has arrived: its sequence
	 * number is RCV.NXT after the text. A FIN behind a hole is left to
	 * its retransmission (the ACK does not cover it).
	 */
	if (!(seg->flags & TCP_FIN) || tp->fin_rcvd || seg->seq + seg->data_len != tp->rcv_nxt)
		return SEG_CONTINUE;
	/* RFC 9293 §3.10.7.4 eighth: advance RCV.NXT over the FIN, ACK it. */
	tp->rcv_nxt++;
	tp->fin_rcvd = true;
	tp->ack_now = true;
	/* RFC 9293 §3.10.7.4 eighth: signal "connection closing" to the user. */
	tcb_notify(st, tp, BERTH_EV_READABLE | BERTH_EV_HANGUP);
	switch (tp->state) {
	case TCP_ESTABLISHED:
		tcp_set_state(st, tp, TCP_CLOSE_WAIT, "FIN received");
		break;
	case TCP_FIN_WAIT_1:
		/* Our FIN is not acked (step five would have moved us on): both closing. */
		tcp_set_state(st, tp, TCP_CLOSING, "FIN received (simultaneous close)");
		break;
	case TCP_FIN_WAIT_2:
		/* RFC 9293 §3.10.7.4 eighth: TIME-WAIT. The ACK goes before the TCB does. */
		seg_free(seg);
		tp->ack_now = false;
		tcp_send_ack(st, tp, now);
		table_changing(st);
		tcp_enter_time_wait(st, tp, now);
		return SEG_DONE;
	default:
		/* CLOSE-WAIT, CLOSING, LAST-ACK: remain. */
		break;
	}
	return SEG_CONTINUE;
}

/*
 * Header prediction (Van Jacobson; FreeBSD tcp_input's fast path): in
 * ESTABLISHED, a segment with only ACK (and maybe PSH), exactly at
 * RCV.NXT, with the window unchanged and no retransmission under way, is
 * either a pure ACK of new data or in-order data acking nothing new. Both
 * pass every step of §3.10.7.4 trivially, so they skip them. Anything
 * else falls through to the full path. Returns whether it took the segment.
 */
static bool
fast_path(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	if (tp->state != TCP_ESTABLISHED || (seg->flags & TCP_FAST_MASK) != TCP_ACK ||
	    seg->seq != tp->rcv_nxt || tcp_seg_wnd(tp, seg) != tp->snd_wnd ||
	    tp->snd_nxt != tp->snd_max || seg->opts.nb_sack != 0 || tp->in_recovery)
		return false;
	/* At RCV.NXT, so acceptable: RFC 7323 §4.3 TS.Recent as in the full path. */
	tcp_ts_update(tp, seg, now);
	if (seg->data_len == 0) {
		/* Pure ACK: SND.UNA < SEG.ACK =< SND.NXT. */
		if (!seq_gt(seg->ack, tp->snd_una) || seq_gt(seg->ack, tp->snd_max))
			return false;
		tcp_ack_advance(st, tp, seg->ack, now);
	} else {
		/* In-order data that fits, nothing held out of order. */
		if (seg->ack != tp->snd_una || tp->nb_ooo != 0 || tp->rd_shut ||
		    seg->data_len > tcp_rcv_window(tp))
			return false;
		tcp_rcv_data(st, tp, seg_payload(seg), seg->seq, seg->data_len, now);
		/* RFC 1122 §4.2.3.2: in order, nothing held: the ACK may be delayed. */
		tcp_delack_data(st, tp, seg->data_len);
	}
	/* The window is unchanged; its markers move to this newer segment. */
	tp->snd_wl1 = seg->seq;
	tp->snd_wl2 = seg->ack;
	seg_finish(st, tp, seg, now);
	return true;
}

static void
input_synchronized(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	/*
	 * RFC 7323 §5.3 R1 (PAWS), before the sequence number check: an old
	 * TSval marks an old duplicate, even inside the window. It is
	 * dropped and acknowledged (§5.3: "send an acknowledgment in reply
	 * as specified in RFC 793 page 69"), rate-limited as any ACK to an
	 * unacceptable segment.
	 */
	if (tcp_ts_paws_reject(tp, seg, now)) {
		oow_ack(st, tp, seg, now);
		seg_drop(st, seg, BERTH_DROP_TCP_PAWS);
		return;
	}
	if (fast_path(st, tp, seg, now))
		return;
	/*
	 * Passive SYN-RECEIVED and the peer's SYN again: our SYN-ACK was lost.
	 * Step one would answer with a bare ACK the peer (in SYN-SENT) can
	 * only drop; the SYN-ACK itself moves it on at once (as Linux's
	 * tcp_check_req).
	 */
	if (tp->state == TCP_SYN_RECEIVED && tp->parent != NULL &&
	    (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && seg->seq == tp->irs) {
		/*
		 * RFC 7323 §4.3 (2): the SYN again is acceptable (SEG.SEQ <
		 * Last.ACK.sent): its TSval is what the SYN-ACK echoes, or the
		 * peer's first RTT sample would include its SYN timeout.
		 */
		tcp_ts_update(tp, seg, now);
		tcp_send_syn(st, tp, now);
		seg_drop(st, seg, BERTH_DROP_TCP_SEQ);
		return;
	}
	if (step_seq(st, tp, seg, now) == SEG_DONE)
		return;
	/* RFC 7323 §5.3 R3, §4.3: the segment is acceptable: TS.Recent. */
	tcp_ts_update(tp, seg, now);
	if (step_rst(st, tp, seg, now) == SEG_DONE)
		return;
	/*
	 * RFC 9293 §3.10.7.4 third: security and precedence. RFC 9293 removed
	 * the check (the IP security option and precedence are obsolete):
	 * nothing to do.
	 */
	if (step_syn(st, tp, seg, now) == SEG_DONE)
		return;
	if (step_ack(st, tp, seg, now) == SEG_DONE)
		return;
	step_urg(seg);
	step_text(st, tp, seg, now);
	if (step_fin(st, tp, seg, now) == SEG_DONE)
		return;
	seg_finish(st, tp, seg, now);
}

/* ---- dispatch ---- */

static void
input_tcb(struct berth_stack *st, struct tcb *tp, struct tcp_seg *seg, uint64_t now)
{
	struct tw_view v;

	/* RFC 7323 §3.2: TSecr is meaningful only with ACK (for tcp_ts_rtt). */
	tp->ts_seg = seg->opts.ts_ok && (seg->flags & TCP_ACK);
	tp->ts_seg_ecr = seg->opts.tsecr;
	switch (tp->state) {
	case TCP_SYN_SENT:
		tcp_flow_seg_rcvd(st, tp, now);
		input_syn_sent(st, tp, seg, now);
		return;
	case TCP_TIME_WAIT:
		v = (struct tw_view){ .key = &tp->key, .snd_nxt = tp->snd_max,
				      .rcv_nxt = tp->rcv_nxt, .tw = NULL, .tp = tp,
				      .ts = { .on = tp->ts_on, .recent_ok = tp->ts_recent_ok,
					      .recent = tp->ts_recent, .off = tp->ts_off } };
		input_time_wait(st, &v, seg, now);
		return;
	case TCP_CLOSED:
	case TCP_LISTEN:
		/* Never in the table; were one there, it has no connection to offer. */
		input_closed(st, seg, now);
		return;
	default:
		/* RFC 1122 §4.2.3.6: the peer is alive (keepalive, persist probes answered). */
		tcp_flow_seg_rcvd(st, tp, now);
		input_synchronized(st, tp, seg, now);
		return;
	}
}

/* One segment, its lookup done: RFC 9293 §3.10.7 by what it found. */
static void
seg_arrives(struct berth_stack *st, struct tcp_seg *seg, const struct tcp_lookup *lk,
	    uint64_t now)
{
	struct tcp_listener *l;
	struct tw_view v;

	switch (lk->kind) {
	case TCP_LK_TCB:
		input_tcb(st, lk->tcb, seg, now);
		return;
	case TCP_LK_TW:
		/* The entry's own key equals the segment's (the lookup matched it). */
		v = (struct tw_view){ .key = &seg->key, .snd_nxt = tcp_tw_snd_nxt(lk->tw),
				      .rcv_nxt = tcp_tw_rcv_nxt(lk->tw), .tw = lk->tw,
				      .tp = NULL };
		tcp_tw_get_ts(lk->tw, &v.ts);
		input_time_wait(st, &v, seg, now);
		return;
	case TCP_LK_NONE:
	default:
		break;
	}
	l = tcp_listen_lookup(st, seg->key.laddr, seg->key.lport);
	if (l != NULL)
		input_listen(st, l, seg, NULL, now);
	else
		input_closed(st, seg, now);
}

/*
 * The segment of index i changed the tables: later segments of the burst
 * with the same 4-tuple must look it up again.
 */
static void
mark_stale(const struct tcp_stack *ts, uint16_t i, bool *stale)
{
	const struct tcp_key *k = &ts->burst[i].key;
	uint16_t j;

	for (j = i + 1; j < ts->nb_burst; j++)
		if (memcmp(&ts->burst[j].key, k, sizeof(*k)) == 0)
			stale[j] = true;
}

void
tcp_input_flush(struct berth_stack *st, uint64_t now)
{
	struct tcp_stack *ts = st->tcp;
	const struct tcp_key *keys[TCP_BURST];
	struct tcp_lookup res[TCP_BURST];
	bool stale[TCP_BURST];
	uint16_t i, n = ts->nb_burst;
	uint32_t gen;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		keys[i] = &ts->burst[i].key;
		stale[i] = false;
	}
	tcp_table_lookup_bulk(st, keys, n, res);
	/* In arrival order: TCP's processing depends on it. */
	for (i = 0; i < n; i++) {
		struct tcp_seg *seg = &ts->burst[i];

		/*
		 * An earlier segment of the burst may have created or removed
		 * the connection this one belongs to (a SYN, then the ACK of
		 * the SYN-ACK; a RST; the move to TIME-WAIT that frees the
		 * TCB): its bulk result is stale, possibly a freed TCB, and it
		 * is looked up again. Input changes the tables only for the
		 * 4-tuple of the segment it is processing (insert a child,
		 * drop or move to TIME-WAIT the segment's own connection, end
		 * its TIME-WAIT entry), and it says so by bumping table_gen;
		 * segments of other 4-tuples keep their bulk result.
		 */
		if (stale[i])
			res[i] = tcp_table_lookup(st, &seg->key);
		gen = ts->table_gen;
		seg_arrives(st, seg, &res[i], now);
		if (ts->table_gen != gen)
			mark_stale(ts, i, stale);
	}
	ts->nb_burst = 0;
}

/* ---- per segment, from ipv4_input ---- */

/*
 * Header checks, then the segment is parsed once into the burst array. m's
 * data is at the IPv4 header; ipv4_input trimmed it to the IP total length.
 */
void
tcp_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	  uint64_t now)
{
	struct tcp_stack *ts = st->tcp;
	struct rte_tcp_hdr hbuf;
	const struct rte_tcp_hdr *th;
	struct tcp_seg *seg;
	struct tcp_opts opts = { .mss = 0 };
	uint16_t off;
	uint8_t flags;

	STAT_INC(st, TCP_RX);
	/*
	 * RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast address is
	 * discarded; no TCP connection can have such an end, so nothing sent
	 * there is ours. A link-layer broadcast to our address is not for us
	 * either (Linux drops TCP not sent to PACKET_HOST).
	 */
	if (ip->flags & (BERTH_IPI_BCAST | BERTH_IPI_L2_BCAST)) {
		DROP(st, TCP_BCAST, m);
		return;
	}
	/* RFC 9293 §3.1: 20 bytes of header at least. */
	if (unlikely(ip->payload_len < TCP_HDR_LEN ||
		     rte_pktmbuf_pkt_len(m) < (uint32_t)ip->hdr_len + ip->payload_len)) {
		DROP(st, TCP_SHORT, m);
		return;
	}
	/* Copied into hbuf only if it straddles segments (after reassembly). */
	th = rte_pktmbuf_read(m, ip->hdr_len, sizeof(hbuf), &hbuf);
	/* RFC 9293 §3.1: Data Offset counts 32-bit words, 5 at least. */
	off = (uint16_t)((th->data_off >> 4) * 4);
	if (unlikely(off < TCP_HDR_LEN || off > ip->payload_len)) {
		DROP(st, TCP_OFF, m);
		return;
	}
	/* RFC 9293 §3.1 (MUST-2, MUST-3): the checksum covers the pseudo-header. */
	if (unlikely(!cksum_ipv4_l4_rx_ok(m, ip, ip->payload_len))) {
		DROP(st, TCP_CKSUM, m);
		return;
	}
	/* The header with its options is read in place from here on. */
	if (unlikely(rte_pktmbuf_data_len(m) < (uint32_t)ip->hdr_len + off) &&
	    rte_pktmbuf_linearize(m) < 0) {
		DROP(st, TCP_HDR_SPLIT, m);
		return;
	}
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, ip->hdr_len);
	flags = th->tcp_flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG);
	if (off > TCP_HDR_LEN &&
	    tcp_opts_parse((const uint8_t *)(th + 1), off - TCP_HDR_LEN,
			   (flags & TCP_SYN) != 0, &opts) < 0) {
		DROP(st, TCP_BAD_OPTS, m);
		return;
	}

	if (ts->nb_burst == TCP_BURST)
		tcp_input_flush(st, now);
	seg = &ts->burst[ts->nb_burst++];
	seg->m = m;
	seg->ip = *ip;
	/* The key from our point of view, as the table stores it. */
	seg->key.laddr = ip->dst;
	seg->key.raddr = ip->src;
	seg->key.lport = th->dst_port;
	seg->key.rport = th->src_port;
	seg->th = th;
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->flags = flags;
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->data_off = (uint16_t)(ip->hdr_len + off);
	seg->data_len = (uint32_t)ip->payload_len - off;
	/* RFC 9293 §3.4: SEG.LEN counts SYN and FIN. */
	seg->len = seg->data_len + ((flags & TCP_SYN) != 0) + ((flags & TCP_FIN) != 0);
	seg->opts = opts;
}
