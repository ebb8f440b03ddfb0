/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: building and sending segments (data, ACK, SYN, SYN-ACK, FIN,
 * RST), the send queue as acknowledgments free it, and the receive side's
 * queues and window (in-order data, out-of-order segments).
 *
 * Call chain: berth_sock_send -> tcp_sock -> tcp_output -> send_data
 *             -> cksum_ipv4_l4_tx -> ipv4_output
 *             tcp_input_flush -> state handlers -> tcp_ack_advance,
 *             tcp_rcv_data, tcp_send_ack, tcp_output, tcp_send_rst_*
 *             wheel_run -> tcp_timer.c -> tcp_output_rexmit / tcp_send_syn
 *
 * Read first: RFC 9293 §3.1 (header), §3.4 (sequence space), §3.7.1 (MSS),
 * §3.8.6 (windows: zero-window probing, never shrinking the window),
 * §3.10.7.1 (RST for segments without a connection); RFC 6298 §5 (managing
 * the retransmission timer); RFC 1122 §4.2.2.6 (MSS option on SYN only).
 *
 * Zero copy for retransmission: the send queue holds the application's
 * payload mbufs, the head at SND.UNA. A segment [seq, seq+len) is a header
 * mbuf followed by indirect mbufs attached to the queued data (from the
 * stack's indirect pool), so sending the same bytes again never copies
 * them. A device that cannot send chains (no BERTH_DEV_OFF_TX_MULTI_SEG)
 * gets the payload copied into the header mbuf instead.
 *
 * Nagle and sender SWS avoidance are send_hold; the delayed-ACK, persist
 * and keepalive timers live in tcp_flow.c. Congestion control (tcp_cc.c)
 * bounds what output sends (tcp_cc_window) and learns of every ACK of new
 * data from tcp_ack_advance; tcp_output_una is its retransmission.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <berth/port.h>

#include "cksum.h"
#include "tcp.h"

#define TCP_HDR_LEN 20             /* RFC 9293 §3.1: no options */
#define TCP_SYN_HDR_LEN 24         /* with the MSS option (kind 2, length 4) */
#define IP_TCP_HDRS (sizeof(struct rte_ipv4_hdr) + TCP_HDR_LEN)
#define TCP_RTO_SYN_LOST_US 3000000u /* RFC 6298 §5.7 */

/* ---- small helpers ---- */

bool
tcp_syn_unacked(struct tcb *tp)
{
	/* snd_una leaves iss once the SYN is acked; remember it past wrap-around. */
	if (!tp->syn_acked && tp->snd_una != tp->iss)
		tp->syn_acked = true;
	return !tp->syn_acked;
}

/* Sequence number of the first byte in sndq. */
static inline tcp_seq
snd_data_start(struct tcb *tp)
{
	return tp->snd_una + (tcp_syn_unacked(tp) ? 1 : 0);
}

static inline void
tcp_notify(struct berth_stack *st, struct tcb *tp, uint32_t ev)
{
	/* Children not yet accepted and closed sockets have nobody to tell. */
	if (tp->so.sd >= 0 && !tp->app_closed)
		sock_notify(st, &tp->so, ev);
}

static inline bool
dev_multi_seg(const struct berth_nexthop *nh)
{
	return (nh->ifp->dev->offloads & BERTH_DEV_OFF_TX_MULTI_SEG) != 0;
}

/* Largest payload per segment: the peer's MSS, our MTU, our buffers. */
static uint32_t
eff_mss(const struct berth_stack *st, const struct tcb *tp)
{
	uint32_t mss = tp->snd_mss != 0 ? tp->snd_mss : TCP_DEFAULT_MSS;
	uint32_t mtu_mss = tp->nh.ifp->mtu - (uint32_t)IP_TCP_HDRS;

	if (mss > mtu_mss)
		mss = mtu_mss;
	/*
	 * RFC 6691 §2 (RFC 7323 §3.2): the MSS excludes options; the sender
	 * takes the bytes of the options it puts in every segment off it.
	 */
	if (tp->ts_on)
		mss -= TCP_TS_OPT_LEN;
	if (!dev_multi_seg(&tp->nh)) {
		/* The payload is copied behind the headers in one buffer. */
		uint32_t room = rte_pktmbuf_data_room_size(st->pool) - RTE_PKTMBUF_HEADROOM -
				TCP_HDR_LEN - (tp->ts_on ? TCP_TS_OPT_LEN : 0);

		if (mss > room)
			mss = room;
	}
	return mss;
}

uint32_t
tcp_seg_mss(const struct berth_stack *st, const struct tcb *tp)
{
	/* RFC 6691 §2: the SACK blocks this segment carries come off its payload too. */
	return eff_mss(st, tp) - tcp_sack_opt_len(tp);
}

/* A header mbuf with hlen bytes of TCP header zeroed; headroom for IPv4 and Ethernet. */
static struct rte_mbuf *
seg_new(struct berth_stack *st, uint16_t hlen, struct rte_tcp_hdr **th)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->pool);

	if (unlikely(m == NULL)) {
		DROP_INC(st, NO_MBUF);
		return NULL;
	}
	*th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, hlen);
	memset(*th, 0, hlen);
	return m;
}

/* RFC 9293 §3.1: the fixed header. */
static void
seg_fill(struct rte_tcp_hdr *th, const struct tcp_key *key, tcp_seq seq, tcp_seq ack,
	 uint8_t flags, uint16_t wnd, uint16_t hlen)
{
	th->src_port = key->lport;
	th->dst_port = key->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	/* RFC 9293 §3.1: the acknowledgment field is meaningful only with ACK. */
	th->recv_ack = (flags & TCP_ACK) ? rte_cpu_to_be_32(ack) : 0;
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
}

/* Checksum m (data at the TCP header) and hand it to IPv4. Consumes m. */
static int
seg_send(struct berth_stack *st, struct rte_mbuf *m, const struct berth_nexthop *nh,
	 uint32_t src, uint32_t dst, uint64_t now)
{
	struct berth_nexthop route = *nh;
	struct berth_ip_out out;
	int ret;

	/* The connection's address, whatever the route would pick. */
	route.src = src;
	/* RFC 9293 §3.1: the checksum covers the pseudo-header, header and data. */
	cksum_ipv4_l4_tx(m, nh->ifp->dev->offloads, src, dst, IPPROTO_TCP);
	memset(&out, 0, sizeof(out));
	out.dst = dst;
	out.proto = IPPROTO_TCP;
	/*
	 * DF: segments are never larger than the MSS, which fits the MTU
	 * (RFC 9293 §3.7.1); TCP never relies on IP fragmentation.
	 */
	out.df = true;
	ret = ipv4_output(st, m, &route, &out, now);
	if (ret == 0)
		STAT_INC(st, TCP_TX);
	return ret;
}

/*
 * The window field to put in a segment now, shifted right by shift (our
 * RFC 7323 shift, 0 on a SYN); remembers its right edge (RCV.ADV).
 */
static uint16_t
rcv_wnd_advertise_shift(struct tcb *tp, uint8_t shift)
{
	uint32_t wnd = tcp_rcv_window(tp);
	uint32_t field = wnd >> shift;
	tcp_seq edge;

	if (field > TCP_MAX_WIN)
		field = TCP_MAX_WIN;
	/*
	 * RFC 7323 §2.4: the shift drops the low bits of the window; rounding
	 * down could move an edge already advertised left (RFC 9293
	 * §3.8.6.2.2), so then it rounds up, as Linux (tcp_select_window).
	 */
	if (field < TCP_MAX_WIN && seq_lt(tp->rcv_nxt + (field << shift), tp->rcv_adv))
		field++;
	wnd = field << shift;
	edge = tp->rcv_nxt + wnd;
	if (seq_gt(edge, tp->rcv_adv) || seq_lt(tp->rcv_adv, tp->rcv_nxt))
		tp->rcv_adv = edge;
	tp->rcv_wnd = wnd;
	return (uint16_t)field;
}

/* The window field of a segment other than a SYN (RFC 7323 §2.3: scaled). */
static uint16_t
rcv_wnd_advertise(struct tcb *tp)
{
	return rcv_wnd_advertise_shift(tp, tp->rcv_wscale);
}

/* RFC 7323 §3.2: once negotiated, Timestamps on every segment but a RST. */
static uint16_t
ts_write(struct tcb *tp, uint8_t *p, uint64_t now)
{
	/* RFC 7323 §4.3 (3): TSecr is TS.Recent. */
	return (uint16_t)tcp_opts_write_ts(p, tcp_ts_now(tp, now),
					   tp->ts_recent_ok ? tp->ts_recent : 0);
}

/* ---- send queue to segments ---- */

/* The sndq mbuf holding seq and the sequence number of its first byte. */
static struct rte_mbuf *
snd_find(struct tcb *tp, tcp_seq seq, tcp_seq *start)
{
	struct rte_mbuf *m = tp->snd_cur;
	tcp_seq s = tp->snd_cur_seq;

	/* Segments usually follow each other: start where the last one ended. */
	if (m == NULL || seq_lt(seq, s)) {
		m = tp->sndq.head;
		s = snd_data_start(tp);
	}
	while (m != NULL && seq_geq(seq, s + rte_pktmbuf_pkt_len(m))) {
		s += rte_pktmbuf_pkt_len(m);
		m = pktq_next(m);
	}
	tp->snd_cur = m;
	tp->snd_cur_seq = s;
	*start = s;
	return m;
}

/*
 * Put the queued bytes [seq, seq+len) behind the header h: indirect mbufs
 * attached to the queue's segments (clone), or a copy into h.
 */
static int
seg_add_payload(struct berth_stack *st, struct tcb *tp, struct rte_mbuf *h, tcp_seq seq,
		uint32_t len, bool clone)
{
	struct rte_mbuf *qm, *tail = h;
	tcp_seq start;
	uint32_t off;

	qm = snd_find(tp, seq, &start);
	off = seq - start;
	for (; qm != NULL && len > 0; qm = pktq_next(qm), off = 0) {
		struct rte_mbuf *seg = qm;

		while (seg != NULL && off >= rte_pktmbuf_data_len(seg)) {
			off -= rte_pktmbuf_data_len(seg);
			seg = seg->next;
		}
		for (; seg != NULL && len > 0; seg = seg->next, off = 0) {
			uint32_t n = RTE_MIN((uint32_t)rte_pktmbuf_data_len(seg) - off, len);

			if (n == 0)
				continue;
			if (clone) {
				struct rte_mbuf *mi = rte_pktmbuf_alloc(st->indirect_pool);

				if (unlikely(mi == NULL))
					return -ENOBUFS;
				rte_pktmbuf_attach(mi, seg);
				mi->data_off = (uint16_t)(mi->data_off + off);
				mi->data_len = (uint16_t)n;
				mi->pkt_len = n;
				tail->next = mi;
				tail = mi;
				h->nb_segs++;
				h->pkt_len += n;
			} else {
				char *dst = rte_pktmbuf_append(h, (uint16_t)n);

				if (unlikely(dst == NULL))
					return -ENOBUFS;
				memcpy(dst, rte_pktmbuf_mtod_offset(seg, const char *, off), n);
			}
			len -= n;
		}
	}
	return len == 0 ? 0 : -EINVAL;
}

/*
 * One segment from the connection: len bytes of sndq at seq (0 for a bare
 * ACK or FIN) with flags. Returns 0 when it was built (whether IPv4 could
 * send it or not: a lost segment is the retransmission timer's job), or
 * -ENOBUFS when no mbuf was left to build it.
 */
static int
send_data(struct berth_stack *st, struct tcb *tp, tcp_seq seq, uint32_t len, uint8_t flags,
	  uint64_t now)
{
	bool rexmit = (len > 0 || (flags & (TCP_SYN | TCP_FIN))) && seq_lt(seq, tp->snd_max);
	uint16_t sack_len = (uint16_t)tcp_sack_opt_len(tp);
	uint16_t hlen = TCP_HDR_LEN + (tp->ts_on ? TCP_TS_OPT_LEN : 0) + sack_len;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t *o;

	m = seg_new(st, hlen, &th);
	if (m == NULL)
		return -ENOBUFS;
	if (len > 0 && seg_add_payload(st, tp, m, seq, len, dev_multi_seg(&tp->nh)) < 0) {
		rte_pktmbuf_free(m);
		DROP_INC(st, NO_MBUF);
		return -ENOBUFS;
	}
	o = (uint8_t *)(th + 1);
	if (tp->ts_on)
		o += ts_write(tp, o, now);
	/* RFC 2018 §4: every ACK while we hold data out of order reports it. */
	if (sack_len > 0)
		tcp_sack_opt_write(st, tp, o);
	seg_fill(th, &tp->key, seq, tp->rcv_nxt, flags, rcv_wnd_advertise(tp), hlen);
	/* Whatever carries ACK acknowledges all we owe. */
	if (flags & TCP_ACK) {
		tp->ack_now = false;
		tp->ack_turn = false;
		/* RFC 9293 §3.8.6.3: data we send carries the delayed ACK. */
		tcp_delack_sent(st, tp);
		/* RFC 7323 §4.3: Last.ACK.sent, for TS.Recent's update rule. */
		tp->last_ack_sent = tp->rcv_nxt;
	}
	if (rexmit)
		STAT_INC(st, TCP_REXMIT);
	(void)seg_send(st, m, &tp->nh, tp->key.laddr, tp->key.raddr, now);
	return 0;
}

/*
 * Nagle (RFC 896, RFC 9293 §3.7.4) and sender SWS avoidance (RFC 9293
 * §3.8.6.2.1), for a segment of len < MSS at seq: it goes when it takes
 * all that is queued and nothing is unacknowledged (or NODELAY is set, or
 * the FIN follows it), or when it is at least half the largest window the
 * peer offered. Otherwise it waits for an ACK; with nothing in flight the
 * retransmission timer (tcp_timer.c) is the RFC's override timeout.
 */
static bool
send_hold(const struct tcb *tp, tcp_seq seq, uint32_t len, tcp_seq data_end)
{
	bool all = seq + len == data_end;

	/* Sent before (a timeout or a shut window rewound SND.NXT): not new small data. */
	if (seq_lt(seq, tp->snd_max))
		return false;
	if (all && (tp->snd_una == tp->snd_max || tp->fo.nodelay || tp->fin_queued))
		return false;
	if (tp->max_snd_wnd > 0 && len >= tp->max_snd_wnd / 2)
		return false;
	return true;
}

static bool
state_sends_data(enum tcp_state s)
{
	switch (s) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/*
 * Send up to max_segs segments of what the window allows from snd_nxt,
 * then the FIN when all data is out. probe: with a zero window, send one
 * byte anyway (RFC 9293 §3.8.6.1 zero-window probe, and the RTO
 * retransmission of a segment the peer's window no longer covers).
 * no_cwnd: the caller applied congestion control (RFC 6675 pipe).
 */
static unsigned int
output(struct berth_stack *st, struct tcb *tp, uint64_t now, unsigned int max_segs, bool probe,
       bool no_cwnd)
{
	tcp_seq data_end, win_end;
	unsigned int n = 0;
	uint32_t mss;

	if (!state_sends_data(tp->state) || tp->nh.ifp == NULL)
		return 0;
	/* Our FIN is acknowledged: nothing is left to send, ever. */
	if (tp->fin_sent && tp->snd_una == tp->snd_max)
		return 0;
	data_end = snd_data_start(tp) + tp->sndq.bytes;
	/*
	 * RFC 9293 §3.8.6: the usable window is SND.UNA + SND.WND - SND.NXT;
	 * RFC 5681 §3.1: and no more than cwnd beyond SND.UNA (with RFC
	 * 3042's limited transmit allowance, tcp_cc_window).
	 */
	win_end = tp->snd_una +
		  (no_cwnd ? tp->snd_wnd : RTE_MIN(tp->snd_wnd, tcp_cc_window(st, tp, now)));
	mss = tcp_seg_mss(st, tp);

	while (n < max_segs) {
		uint32_t len = 0, sack_room = UINT32_MAX;
		uint8_t flags = TCP_ACK;
		tcp_seq seq;

		/* Sending again after a timeout: the peer's SACKed ranges are skipped. */
		if (tp->nb_sb > 0 && seq_lt(tp->snd_nxt, tp->snd_max)) {
			tcp_sack_skip(tp, &tp->snd_nxt, &sack_room);
			tp->snd_cur = NULL;
		}
		seq = tp->snd_nxt;
		if (seq_lt(seq, data_end)) {
			uint32_t avail = data_end - seq;
			uint32_t usable = seq_gt(win_end, seq) ? win_end - seq : 0;

			if (usable == 0) {
				if (!probe)
					break;
				usable = 1;
			}
			len = RTE_MIN(avail, usable);
			len = RTE_MIN(len, mss);
			len = RTE_MIN(len, sack_room);
			if (!probe && len < mss && send_hold(tp, seq, len, data_end))
				break;
			if (seq + len == data_end) {
				/* RFC 9293 §3.9.1: PSH on the last segment of what the app queued. */
				flags |= TCP_PSH;
				if (tp->fin_queued)
					flags |= TCP_FIN;
			}
		} else if (tp->fin_queued && seq == data_end) {
			/* RFC 9293 §3.10.4: the FIN follows all queued data. */
			flags |= TCP_FIN;
		} else {
			break;
		}
		if (send_data(st, tp, seq, len, flags, now) < 0)
			break;
		/*
		 * RFC 6298 §3 (Karn): time only segments sent for the first
		 * time. With timestamps every ACK is a sample (RFC 7323 §4):
		 * no segment is timed.
		 */
		if (!tp->ts_on && !tp->rtt_active && seq == tp->snd_max) {
			tp->rtt_active = true;
			tp->rtt_seq = seq;
			tp->rtt_start = now;
		}
		tp->snd_nxt = seq + len + ((flags & TCP_FIN) ? 1 : 0);
		tp->last_send = now;
		if (flags & TCP_FIN)
			tp->fin_sent = true;
		if (seq_gt(tp->snd_nxt, tp->snd_max))
			tp->snd_max = tp->snd_nxt;
		n++;
		if (flags & TCP_FIN)
			break;
	}
	/* RFC 9293 §3.8.6.1: a zero window with data waiting is the persist timer's. */
	if (tp->snd_wnd == 0 && seq_lt(tp->snd_una, data_end)) {
		tcp_persist_enter(st, tp, probe, now);
		return n;
	}
	tcp_persist_stop(st, tp);
	/*
	 * RFC 6298 §5.1: data or FIN outstanding and the timer off -> start it.
	 * Nothing outstanding but data waiting (no mbuf to build a segment,
	 * or a small segment held by send_hold): the same
	 * timer is the RFC 9293 §3.8.6.2.1 override timeout. A zero window
	 * went to the persist timer above.
	 */
	if (!timer_armed(&tp->rexmit_timer) &&
	    (seq_lt(tp->snd_una, tp->snd_max) || seq_lt(tp->snd_nxt, data_end)))
		tcp_rexmit_arm(st, tp, now);
	return n;
}

void
tcp_output(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/* RFC 6675 §5: in SACK recovery the pipe, not SND.NXT, says what may go. */
	if (tp->in_recovery && tp->sack_on) {
		tcp_sack_output(st, tp, now);
		return;
	}
	(void)output(st, tp, now, UINT32_MAX, false, false);
}

uint32_t
tcp_output_new(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	tcp_seq before = tp->snd_nxt;

	(void)output(st, tp, now, 1, false, true);
	return tp->snd_nxt - before;
}

uint32_t
tcp_smss(const struct berth_stack *st, const struct tcb *tp)
{
	return tp->nh.ifp != NULL ? eff_mss(st, tp) : TCP_DEFAULT_MSS;
}

uint32_t
tcp_output_range(struct berth_stack *st, struct tcb *tp, tcp_seq seq, uint32_t max,
		 uint64_t now)
{
	tcp_seq data_end = snd_data_start(tp) + tp->sndq.bytes;
	uint8_t flags = TCP_ACK;
	uint32_t len = 0;

	if (!state_sends_data(tp->state) || tp->nh.ifp == NULL || !seq_lt(seq, tp->snd_max) ||
	    max == 0)
		return 0;
	if (seq_lt(seq, data_end)) {
		len = RTE_MIN(tcp_seg_mss(st, tp), (uint32_t)(data_end - seq));
		len = RTE_MIN(len, max);
	}
	/* Our FIN sits right after the data: it goes again when the range reaches it. */
	if (seq + len == data_end && tp->fin_sent && len < max)
		flags |= TCP_FIN;
	else if (len == 0)
		return 0;
	if (seq + len == data_end)
		flags |= TCP_PSH;
	/* RFC 6298 §3 (Karn): no sample from a segment sent twice. */
	if (tp->rtt_active && seq_geq(tp->rtt_seq, seq))
		tp->rtt_active = false;
	if (send_data(st, tp, seq, len, flags, now) < 0)
		return 0;
	tp->last_send = now;
	return len + ((flags & TCP_FIN) ? 1 : 0);
}

void
tcp_output_una(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/* RFC 5681 §3.2 step 3, RFC 6582 §3.2: one segment, the first not acknowledged. */
	(void)tcp_output_range(st, tp, tp->snd_una, UINT32_MAX, now);
}

void
tcp_output_probe(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/* RFC 9293 §3.8.6.1: the probe is the first byte not acknowledged. */
	if (seq_gt(tp->snd_nxt, tp->snd_una)) {
		tp->snd_nxt = tp->snd_una;
		tp->snd_cur = NULL;
	}
	(void)output(st, tp, now, 1, true, false);
}

void
tcp_send_keepalive(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	if (tp->nh.ifp == NULL)
		return;
	/*
	 * RFC 1122 §4.2.3.6: <SEQ=SND.NXT-1> with no data (the RFC allows one
	 * garbage octet for old peers; Linux and BSD send none). Below the
	 * peer's RCV.NXT, it is answered with an ACK (RFC 9293 §3.10.7.4).
	 */
	(void)send_data(st, tp, tp->snd_una - 1, 0, TCP_ACK, now);
}

void
tcp_output_rexmit(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/* RFC 6298 §5.4: retransmit the earliest segment not yet acknowledged. */
	(void)output(st, tp, now, 1, true, false);
}

/* ---- control segments ---- */

void
tcp_send_ack(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/*
	 * RFC 9293 §3.10.7.4: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. The RFC's
	 * SND.NXT is snd_max here: after a timeout snd_nxt is rewound (BSD's
	 * retransmission pointer) and may lie below the peer's RCV.NXT, which
	 * would make the peer discard the ACK unread (§3.10.7.4, first).
	 */
	tcp_seq seq = tp->snd_max;
	tcp_seq wnd_end = tp->snd_una + tp->snd_wnd;

	if (tp->nh.ifp == NULL)
		return;
	/*
	 * If the peer's window has closed below what we already sent (it
	 * dropped data past a shrunken window), an ACK at snd_max lies beyond
	 * its RCV.NXT + RCV.WND and would be discarded with its ACK field
	 * unread, leaving both ends waiting for each other. Send at the
	 * window's right edge instead, as Linux (tcp_acceptable_seq) does.
	 */
	if (seq_gt(seq, wnd_end) && seq_geq(wnd_end, tp->snd_una))
		seq = wnd_end;
	(void)send_data(st, tp, seq, 0, TCP_ACK, now);
}

/* The MSS we announce: configured, never above what our MTU carries. */
static uint16_t
our_mss(const struct berth_stack *st, const struct tcb *tp)
{
	uint32_t mtu_mss = tp->nh.ifp->mtu - (uint32_t)IP_TCP_HDRS;
	uint32_t mss = st->conf.tcp_mss != 0 ? st->conf.tcp_mss : mtu_mss;

	return (uint16_t)RTE_MIN(mss, mtu_mss);
}

void
tcp_send_syn(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	bool syn_ack = tp->state != TCP_SYN_SENT;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint16_t wnd, hlen;
	bool ts, sack;

	if (tp->nh.ifp == NULL)
		return;
	/* A passive child takes the listener's options before announcing a window. */
	if (tp->parent != NULL) {
		tp->sndbuf = tp->parent->sndbuf;
		tp->rcvbuf = tp->parent->rcvbuf;
		tp->linger = tp->parent->linger;
		tp->fo = tp->parent->fo;
	}
	tp->rcv_mss = our_mss(st, tp);
	tcp_ts_syn_prep(st, tp);
	/*
	 * RFC 7323 §1.3, RFC 2018 §2: a SYN offers Window Scale, Timestamps
	 * and SACK; a SYN-ACK answers with those the peer's SYN carried.
	 * Linux's layout: MSS, SACK-permitted, TS, NOP, WS (TSval 4-byte
	 * aligned, RFC 7323 Appendix A); NOP, NOP stand in for SACK-permitted
	 * without SACK, and before it without Timestamps.
	 */
	ts = !syn_ack || tp->ts_on;
	sack = syn_ack ? tp->sack_on : tcp_sack_offer(st);
	hlen = TCP_SYN_HDR_LEN;
	if (ts)
		hlen += TCP_TS_OPT_LEN;
	else if (sack)
		hlen += 4;
	if (!syn_ack || tp->ws_on)
		hlen += 4;
	m = seg_new(st, hlen, &th);
	if (m != NULL) {
		uint8_t *o = (uint8_t *)(th + 1);

		/* RFC 9293 §3.7.1, RFC 1122 §4.2.2.6: MSS only on SYNs. */
		o += tcp_opts_write_mss(o, tp->rcv_mss);
		/* RFC 7323 §3.2: TSecr is 0 on a SYN (no ACK), TS.Recent on a SYN-ACK. */
		if (ts) {
			uint32_t tsval = tcp_ts_now(tp, now);
			uint32_t tsecr = syn_ack && tp->ts_recent_ok ? tp->ts_recent : 0;

			o += sack ? tcp_opts_write_sackperm_ts(o, tsval, tsecr) :
				    tcp_opts_write_ts(o, tsval, tsecr);
		} else if (sack) {
			o += tcp_opts_write_sackperm(o);
		}
		/* RFC 7323 §2.2: our shift, sent only on a SYN. */
		if (!syn_ack || tp->ws_on)
			tcp_opts_write_ws(o, tp->rcv_wscale);
		/* RFC 7323 §2.2: the window of a SYN is never scaled. */
		if (syn_ack) {
			wnd = rcv_wnd_advertise_shift(tp, 0);
			tp->last_ack_sent = tp->rcv_nxt;
		} else {
			wnd = (uint16_t)RTE_MIN(tp->rcvbuf, (uint32_t)TCP_MAX_WIN);
			tp->rcv_wnd = wnd;
		}
		seg_fill(th, &tp->key, tp->iss, tp->rcv_nxt,
			 TCP_SYN | (syn_ack ? TCP_ACK : 0), wnd, hlen);
		if (tp->nb_rexmit > 0)
			STAT_INC(st, TCP_REXMIT);
		(void)seg_send(st, m, &tp->nh, tp->key.laddr, tp->key.raddr, now);
	}
	/* RFC 9293 §3.4: the SYN takes one sequence number. */
	tp->snd_nxt = tp->iss + 1;
	tp->snd_max = tp->iss + 1;
	if (tp->nb_rexmit == 0 && !tp->rtt_active) {
		tp->rtt_active = true;
		tp->rtt_seq = tp->iss;
		tp->rtt_start = now;
	}
	if (!timer_armed(&tp->rexmit_timer))
		tcp_rexmit_arm(st, tp, now);
}

/* A bare segment from explicit fields; ts: with Timestamps <tsval, tsecr>. */
static void
raw_send(struct berth_stack *st, const struct tcp_key *key, const struct berth_nexthop *nh,
	 tcp_seq seq, tcp_seq ack, uint8_t flags, uint16_t wnd, bool ts, uint32_t tsval,
	 uint32_t tsecr, uint64_t now)
{
	uint16_t hlen = TCP_HDR_LEN + (ts ? TCP_TS_OPT_LEN : 0);
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	if (nh == NULL || nh->ifp == NULL)
		return;
	m = seg_new(st, hlen, &th);
	if (m == NULL)
		return;
	if (ts)
		tcp_opts_write_ts((uint8_t *)(th + 1), tsval, tsecr);
	seg_fill(th, key, seq, ack, flags, wnd, hlen);
	if (flags & TCP_RST)
		STAT_INC(st, TCP_RST_TX);
	(void)seg_send(st, m, nh, key->laddr, key->raddr, now);
}

void
tcp_send_raw(struct berth_stack *st, const struct tcp_key *key,
	     const struct berth_nexthop *nh, tcp_seq seq, tcp_seq ack, uint8_t flags,
	     uint16_t wnd, uint64_t now)
{
	raw_send(st, key, nh, seq, ack, flags, wnd, false, 0, 0, now);
}

void
tcp_send_raw_ts(struct berth_stack *st, const struct tcp_key *key,
		const struct berth_nexthop *nh, tcp_seq seq, tcp_seq ack, uint8_t flags,
		uint16_t wnd, uint32_t tsval, uint32_t tsecr, uint64_t now)
{
	/* RFC 7323 §3.2: once negotiated, every segment but a RST carries Timestamps. */
	raw_send(st, key, nh, seq, ack, flags, wnd, true, tsval, tsecr, now);
}

void
tcp_send_rst_tcb(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/*
	 * RFC 9293 §3.10.5 (ABORT): <SEQ=SND.NXT><CTL=RST>. SND.NXT is the
	 * highest sequence sent (snd_max): after a retransmission timeout
	 * rewound snd_nxt, that is what the peer expects (RFC 5961 §3.2:
	 * only an exact RCV.NXT resets).
	 */
	tcp_send_raw(st, &tp->key, &tp->nh, tp->snd_max, 0, TCP_RST, 0, now);
}

void
tcp_send_rst_seg(struct berth_stack *st, const struct tcp_seg *seg, uint64_t now)
{
	struct berth_nexthop nh;

	/* RFC 9293 §3.10.7.1: an incoming RST is never answered. */
	if (seg->flags & TCP_RST)
		return;
	if (route_lookup(st, seg->ip.src, &nh) < 0)
		return;
	if (seg->flags & TCP_ACK)
		/* RFC 9293 §3.10.7.1: ACK on -> <SEQ=SEG.ACK><CTL=RST> */
		tcp_send_raw(st, &seg->key, &nh, seg->ack, 0, TCP_RST, 0, now);
	else
		/* RFC 9293 §3.10.7.1: ACK off -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		tcp_send_raw(st, &seg->key, &nh, 0, seg->seq + seg->len, TCP_RST | TCP_ACK, 0,
			     now);
}

/* ---- acknowledgments of what we sent ---- */

uint32_t
tcp_ack_advance(struct berth_stack *st, struct tcb *tp, tcp_seq ack, uint64_t now)
{
	uint32_t acked, payload;

	if (!seq_gt(ack, tp->snd_una))
		return 0;
	/* Callers check acceptability (RFC 5961 §5); never go past what was sent. */
	if (seq_gt(ack, tp->snd_max))
		ack = tp->snd_max;
	acked = ack - tp->snd_una;
	payload = acked;
	if (tcp_syn_unacked(tp)) {
		/* RFC 9293 §3.4: the SYN's sequence number is not payload. */
		payload--;
		tp->syn_acked = true;
		/*
		 * RFC 6298 §5.7: the SYN timed out (and our initial RTO is
		 * below 3 s): data starts with an RTO of 3 s, unless a sample
		 * says otherwise (none can come from a retransmitted SYN).
		 */
		if (tp->nb_rexmit > 0 && tp->srtt_us == 0)
			tp->rto_us = TCP_RTO_SYN_LOST_US;
		/* RFC 6928 §2: the initial window; one segment after a lost SYN. */
		tcp_cc_init(st, tp, tp->nb_rexmit > 0, now);
	}
	/* Beyond the queued data only our FIN can be acknowledged. */
	if (payload > tp->sndq.bytes)
		payload = tp->sndq.bytes;
	if (payload > 0)
		tcp_trim_front(&tp->sndq, payload);
	tp->snd_cur = NULL;
	tp->snd_una = ack;
	tcp_sack_una(tp);
	/* After a timeout rewound snd_nxt, the original may have arrived after all. */
	if (seq_lt(tp->snd_nxt, ack))
		tp->snd_nxt = ack;

	/*
	 * RFC 7323 §4.1-4.2: with timestamps, the echoed TSval of every ACK
	 * of new data is a sample, retransmission or not. Else RFC 6298 §3
	 * (Karn): the timed segment was sent once; take the sample.
	 */
	if (tcp_ts_rtt(st, tp, now)) {
		tp->rtt_active = false;
	} else if (tp->rtt_active && seq_gt(ack, tp->rtt_seq)) {
		tp->rtt_active = false;
		tcp_rtt_sample(st, tp, now - tp->rtt_start);
	}
	tp->nb_rexmit = 0;
	/* RFC 5681 §3.1, RFC 6582 §3.2: congestion window growth, or recovery. */
	tcp_cc_ack(st, tp, payload, now);
	if (tp->snd_una == tp->snd_max)
		/* RFC 6298 §5.2: all outstanding data acknowledged -> turn off the timer. */
		tcp_rexmit_stop(st, tp);
	else
		/* RFC 6298 §5.3: new data acknowledged -> restart it. */
		tcp_rexmit_arm(st, tp, now);

	if (tp->snd_wait && payload > 0 && tp->sndq.bytes < tp->sndbuf) {
		tp->snd_wait = false;
		tcp_notify(st, tp, BERTH_EV_WRITABLE);
	}
	return payload;
}

/* ---- receive side ---- */

uint32_t
tcp_rcv_window(const struct tcb *tp)
{
	uint64_t used = (uint64_t)tp->rcvq.bytes + tp->ooo_bytes;
	uint32_t space = used >= tp->rcvbuf ? 0 : tp->rcvbuf - (uint32_t)used;

	/* RFC 7323 §2.3: with scaling, up to 65535 << our shift. */
	if (space > tcp_max_rcv_win(tp))
		space = tcp_max_rcv_win(tp);
	/*
	 * RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): the right edge moves
	 * right only by at least min(RCV.BUFF/2, MSS); a smaller opening is
	 * kept back until it grows (an unadvertised edge counts as RCV.NXT).
	 */
	if (space > 0) {
		uint32_t adv = seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
		uint32_t thresh = RTE_MIN(tp->rcvbuf / 2, (uint32_t)(tp->rcv_mss != 0 ?
					  tp->rcv_mss : TCP_DEFAULT_MSS));

		if (space > adv && space - adv < thresh)
			space = adv;
	}
	/*
	 * RFC 9293 §3.8.6.2.2: the right edge once advertised (RCV.ADV) is
	 * never moved left ("shrinking the window" is strongly discouraged),
	 * so a full buffer only stops the edge from advancing.
	 */
	if (seq_gt(tp->rcv_adv, tp->rcv_nxt)) {
		uint32_t adv = tp->rcv_adv - tp->rcv_nxt;

		if (adv <= tcp_max_rcv_win(tp) && adv > space)
			space = adv;
	}
	return space;
}

/* Append in-order payload to rcvq; small segments are copied into the tail. */
static void
rcvq_append(struct pktq *q, struct rte_mbuf *m)
{
	struct rte_mbuf *last;

	/*
	 * A stream of tiny segments would otherwise pin one buffer each and
	 * drain the pool long before the byte window is reached.
	 */
	if (q->tail != NULL && m->nb_segs == 1) {
		last = rte_pktmbuf_lastseg(q->tail);
		if (RTE_MBUF_DIRECT(last) && rte_mbuf_refcnt_read(last) == 1 &&
		    rte_pktmbuf_tailroom(last) >= rte_pktmbuf_data_len(m)) {
			uint16_t n = rte_pktmbuf_data_len(m);

			memcpy(rte_pktmbuf_mtod_offset(last, char *, last->data_len),
			       rte_pktmbuf_mtod(m, const char *), n);
			last->data_len = (uint16_t)(last->data_len + n);
			q->tail->pkt_len += n;
			q->bytes += n;
			rte_pktmbuf_free(m);
			return;
		}
	}
	pktq_push(q, m);
}

static void
ooo_remove(struct tcb *tp, uint16_t from, uint16_t to)
{
	if (to > from) {
		memmove(&tp->x->ooo[from], &tp->x->ooo[to], (tp->nb_ooo - to) * sizeof(tp->x->ooo[0]));
		tp->nb_ooo = (uint16_t)(tp->nb_ooo - (to - from));
	}
}

/* Out-of-order segments that the new RCV.NXT reaches move to rcvq. */
static void
ooo_pull(struct berth_stack *st, struct tcb *tp)
{
	while (tp->nb_ooo > 0 && seq_leq(tp->x->ooo[0].seq, tp->rcv_nxt)) {
		struct tcp_ooo_seg s = tp->x->ooo[0];
		tcp_seq end = s.seq + s.len;

		ooo_remove(tp, 0, 1);
		tp->ooo_bytes -= s.len;
		if (seq_leq(end, tp->rcv_nxt)) {
			/* A later in-order segment covered it entirely. */
			DROP(st, TCP_OOO_DUP, s.m);
			continue;
		}
		rcvq_append(&tp->rcvq, tcp_mbuf_strip(s.m, tp->rcv_nxt - s.seq));
		tp->rcv_nxt = end;
	}
}

/*
 * Keep a segment beyond RCV.NXT, sorted by sequence number, overlaps
 * trimmed so that every byte is held once (RFC 9293 §3.10.7.4, seventh:
 * segments out of order are held for later processing).
 */
static void
ooo_insert(struct berth_stack *st, struct tcb *tp, struct rte_mbuf *m, tcp_seq seq,
	   uint32_t len)
{
	tcp_seq end = seq + len;
	uint16_t i, j;

	/* The runs live in the extension; without memory for it the segment goes (counted). */
	if (tcb_ext_get(st, tp) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	for (i = 0; i < tp->nb_ooo && seq_leq(tp->x->ooo[i].seq, seq); i++)
		;
	if (i > 0) {
		tcp_seq prev_end = tp->x->ooo[i - 1].seq + tp->x->ooo[i - 1].len;

		if (seq_geq(prev_end, end)) {
			/* Every byte already held (an exact duplicate or inside one). */
			tcp_sack_rcv_dup(st, tp, seq, end);
			DROP(st, TCP_OOO_DUP, m);
			return;
		}
		if (seq_gt(prev_end, seq)) {
			m = tcp_mbuf_strip(m, prev_end - seq);
			len -= prev_end - seq;
			seq = prev_end;
		}
	}
	for (j = i; j < tp->nb_ooo && seq_lt(tp->x->ooo[j].seq, end); j++) {
		tcp_seq oend = tp->x->ooo[j].seq + tp->x->ooo[j].len;

		if (seq_gt(oend, end)) {
			/* Overlaps the start of a held one: keep ours up to it. */
			len = tp->x->ooo[j].seq - seq;
			end = seq + len;
			m = tcp_mbuf_trim(m, len);
			break;
		}
		/* Wholly covered by the new segment: the new one replaces it. */
		tp->ooo_bytes -= tp->x->ooo[j].len;
		rte_pktmbuf_free(tp->x->ooo[j].m);
	}
	ooo_remove(tp, i, j);
	/* Bounded in bytes by the buffer beyond what we advertised. */
	if ((uint64_t)tp->rcvq.bytes + tp->ooo_bytes + len > tp->rcvbuf &&
	    seq_gt(end, tp->rcv_adv)) {
		DROP(st, TCP_OOO_FULL, m);
		return;
	}
	/*
	 * A segment that continues a held run joins its chain, so the bound
	 * on entries counts runs (holes in the stream), not segments: one
	 * loss in a window of hundreds of segments must not make the rest
	 * of the window drop.
	 */
	if (i > 0 && tp->x->ooo[i - 1].seq + tp->x->ooo[i - 1].len == seq &&
	    rte_pktmbuf_chain(tp->x->ooo[i - 1].m, m) == 0) {
		tp->x->ooo[i - 1].len += len;
		tp->ooo_bytes += len;
		tcp_sack_rcv_ooo(tp, seq);
		/* It may close the gap to the next run: the two become one. */
		if (i < tp->nb_ooo && end == tp->x->ooo[i].seq &&
		    rte_pktmbuf_chain(tp->x->ooo[i - 1].m, tp->x->ooo[i].m) == 0) {
			tp->x->ooo[i - 1].len += tp->x->ooo[i].len;
			ooo_remove(tp, i, i + 1);
		}
		return;
	}
	if (i < tp->nb_ooo && end == tp->x->ooo[i].seq && rte_pktmbuf_chain(m, tp->x->ooo[i].m) == 0) {
		tp->x->ooo[i].seq = seq;
		tp->x->ooo[i].len += len;
		tp->x->ooo[i].m = m;
		tp->ooo_bytes += len;
		tcp_sack_rcv_ooo(tp, seq);
		return;
	}
	/* Bounded in runs. */
	if (tp->nb_ooo >= TCP_OOO_MAX_SEGS) {
		DROP(st, TCP_OOO_FULL, m);
		return;
	}
	memmove(&tp->x->ooo[i + 1], &tp->x->ooo[i], (tp->nb_ooo - i) * sizeof(tp->x->ooo[0]));
	tp->x->ooo[i].seq = seq;
	tp->x->ooo[i].len = len;
	tp->x->ooo[i].m = m;
	tp->nb_ooo++;
	tp->ooo_bytes += len;
	tcp_sack_rcv_ooo(tp, seq);
}

void
tcp_rcv_data(struct berth_stack *st, struct tcb *tp, struct rte_mbuf *m, tcp_seq seq,
	     uint32_t len, uint64_t now)
{
	bool was_empty = tp->rcvq.count == 0;

	(void)now;
	if (len > rte_pktmbuf_pkt_len(m))
		len = rte_pktmbuf_pkt_len(m);
	if (len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	m = tcp_mbuf_trim(m, len);
	/* The caller trimmed to the window; bytes before RCV.NXT are old anyway. */
	if (seq_lt(seq, tp->rcv_nxt)) {
		uint32_t old = tp->rcv_nxt - seq;

		if (old >= len) {
			tcp_sack_rcv_dup(st, tp, seq, seq + len);
			DROP(st, TCP_OOO_DUP, m);
			return;
		}
		m = tcp_mbuf_strip(m, old);
		seq = tp->rcv_nxt;
		len -= old;
	}
	if (tp->rd_shut) {
		/* Reading was shut down: acknowledged, then discarded. */
		if (seq == tp->rcv_nxt)
			tp->rcv_nxt += len;
		DROP(st, TCP_RD_SHUT, m);
		return;
	}
	if (seq != tp->rcv_nxt) {
		ooo_insert(st, tp, m, seq, len);
		return;
	}
	rcvq_append(&tp->rcvq, m);
	tp->rcv_nxt += len;
	ooo_pull(st, tp);
	/* What is left of the window we advertised (RCV.WND of RFC 9293 §3.3.1). */
	tp->rcv_wnd = seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	/* Edge-triggered: empty -> non-empty. */
	if (was_empty && tp->rcvq.count > 0)
		tcp_notify(st, tp, BERTH_EV_READABLE);
}

/* ---- output in the application's turn ---- */

/*
 * The application's calls (send, close, shutdown, a read that opens the
 * window) and the ACKs input owes do not send at once: the TCB goes on
 * out_q, and the next poll sends for each TCB what it then has, once. A
 * response written in several calls leaves in full segments, close()
 * right after the last write puts the FIN on the last data segment, and
 * the ACK of a request rides on the response to it (RFC 1122 §4.2.3.2
 * lets an ACK wait up to 0.5 s; this waits one turn of the run loop).
 */
void
tcp_output_later(struct berth_stack *st, struct tcb *tp)
{
	if (tp->out_queued)
		return;
	tp->out_queued = true;
	TAILQ_INSERT_TAIL(&st->tcp->out_q, tp, out_link);
}

void
tcp_ack_later(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	/*
	 * One ACK waits per connection. When another is owed meanwhile (more
	 * data, or a segment out of order in the same burst), the waiting one
	 * goes now: every segment that asks for an ACK still gets its own, as
	 * fast retransmit counts duplicate ACKs (RFC 5681 §3.2).
	 */
	if (tp->ack_turn)
		tcp_send_ack(st, tp, now);
	tp->ack_turn = true;
	tcp_output_later(st, tp);
}

void
tcp_output_unqueue(struct berth_stack *st, struct tcb *tp)
{
	tp->ack_turn = false;
	if (!tp->out_queued)
		return;
	tp->out_queued = false;
	TAILQ_REMOVE(&st->tcp->out_q, tp, out_link);
}

void
tcp_output_queued(struct berth_stack *st, uint64_t now)
{
	struct tcb *tp;

	while ((tp = TAILQ_FIRST(&st->tcp->out_q)) != NULL) {
		TAILQ_REMOVE(&st->tcp->out_q, tp, out_link);
		tp->out_queued = false;
		tcp_output(st, tp, now);
		/* Whatever tcp_output sent carried the ACK (send_data clears ack_turn). */
		if (tp->ack_turn)
			tcp_send_ack(st, tp, now);
		tp->ack_turn = false;
	}
}
