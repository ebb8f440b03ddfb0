/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Selective acknowledgments (RFC 2018) both ways, and the loss recovery
 * they make possible (RFC 6675).
 *
 * Receiver: the out-of-order queue (tcp_output.c) is what we hold beyond
 * RCV.NXT; its contiguous runs are the blocks we report. The block of the
 * latest arrival goes first, then the blocks reported most recently, then
 * the rest in sequence order while room remains (RFC 2018 §4). A segment
 * that arrives twice is reported once as a D-SACK block (RFC 2883 §4), so
 * the peer can tell a retransmission it did not need.
 *
 * Sender: the scoreboard is a short sorted array of the ranges the peer
 * SACKed above SND.UNA. Every byte of a hole between two ranges has the
 * same ranges above it, so RFC 6675's IsLost() is the same for the whole
 * hole: SetPipe() and NextSeg() walk holes, not bytes, O(ranges) per ACK.
 *
 * Call chain: tcp_input (step_ack) -> tcp_sack_input -> tcp_cc_dupack
 *             -> tcp_sack_recovery_start -> tcp_output_range
 *             seg_finish -> tcp_output -> tcp_sack_output (in recovery)
 *             -> tcp_output_range / tcp_output_new
 *             tcp_ack_advance -> tcp_sack_una; tcp_cc_rto -> tcp_sack_clear
 *             tcp_rcv_data -> tcp_sack_rcv_ooo / tcp_sack_rcv_dup
 *             send_data -> tcp_sack_opt_write
 *
 * Read first: RFC 2018 (§3 the option, §4 the receiver, §5 the sender,
 * §8 reneging), RFC 2883 §4 (D-SACK), RFC 6675 §2-§5 (DupThresh, IsLost,
 * SetPipe, NextSeg, the recovery algorithm).
 */
#include <string.h>

#include <berth/stack.h>

#include "tcp.h"

/* RFC 6675 §2: DupThresh. */
#define DUP_THRESH 3

bool
tcp_sack_offer(const struct berth_stack *st)
{
	return !st->conf.tcp_no_sack;
}

void
tcp_sack_negotiate(struct berth_stack *st, struct tcb *tp, const struct tcp_opts *o)
{
	/* RFC 2018 §2: SACK only when both SYNs carried SACK-permitted. */
	tp->sack_on = o->sack_ok && tcp_sack_offer(st);
	tp->nb_sb = 0;
	tp->sacked_bytes = 0;
	tp->nb_rcv_recent = 0;
	tp->dsack_pending = false;
}

/* ---- receiver: the blocks we report ---- */

void
tcp_sack_rcv_ooo(struct tcb *tp, tcp_seq seq)
{
	unsigned int n;

	if (!tp->sack_on)
		return;
	/* RFC 2018 §4: the latest arrival's block first, the older ones after it. */
	n = tp->nb_rcv_recent < TCP_SACK_MAX_BLOCKS ? tp->nb_rcv_recent + 1u : TCP_SACK_MAX_BLOCKS;
	memmove(&tp->x->rcv_recent[1], &tp->x->rcv_recent[0], (n - 1) * sizeof(tp->x->rcv_recent[0]));
	tp->x->rcv_recent[0] = seq;
	tp->nb_rcv_recent = (uint8_t)n;
}

void
tcp_sack_rcv_dup(struct berth_stack *st, struct tcb *tp, tcp_seq start, tcp_seq end)
{
	if (!tp->sack_on || !seq_lt(start, end) || tcb_ext_get(st, tp) == NULL)
		return;
	/* RFC 2883 §4: the duplicate goes in the next ACK, as its first block, once. */
	tp->x->dsack.start = start;
	tp->x->dsack.end = end;
	tp->dsack_pending = true;
}

/* The contiguous runs of the out-of-order queue, in sequence order. */
static unsigned int
ooo_runs(const struct tcb *tp, struct tcp_sack_block *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < tp->nb_ooo; i++) {
		tcp_seq s = tp->x->ooo[i].seq, e = s + tp->x->ooo[i].len;

		if (n > 0 && seq_geq(r[n - 1].end, s)) {
			if (seq_gt(e, r[n - 1].end))
				r[n - 1].end = e;
			continue;
		}
		r[n].start = s;
		r[n].end = e;
		n++;
	}
	return n;
}

static bool
block_in(const struct tcp_sack_block *b, unsigned int from, unsigned int n,
	 const struct tcp_sack_block *x)
{
	unsigned int i;

	for (i = from; i < n; i++)
		if (b[i].start == x->start && b[i].end == x->end)
			return true;
	return false;
}

/* The blocks the next segment reports, in the order RFC 2018 §4 asks for. */
static unsigned int
rcv_blocks(const struct tcb *tp, struct tcp_sack_block *out)
{
	struct tcp_sack_block runs[TCP_OOO_MAX_SEGS];
	/* RFC 2018 §3: 40 bytes of options; Timestamps take 12, leaving room for 3. */
	unsigned int max = tp->ts_on ? 3 : TCP_SACK_MAX_BLOCKS;
	unsigned int first, nr, n = 0, i, j;

	if (!tp->sack_on || (!tp->dsack_pending && tp->nb_ooo == 0))
		return 0;
	/* RFC 2883 §4: a D-SACK block is the first. */
	if (tp->dsack_pending)
		out[n++] = tp->x->dsack;
	first = n;
	nr = ooo_runs(tp, runs);
	/* RFC 2018 §4: the block of the latest segment, then those reported most recently. */
	for (i = 0; i < tp->nb_rcv_recent && n < max; i++) {
		for (j = 0; j < nr; j++) {
			if (seq_geq(tp->x->rcv_recent[i], runs[j].start) &&
			    seq_lt(tp->x->rcv_recent[i], runs[j].end)) {
				if (!block_in(out, first, n, &runs[j]))
					out[n++] = runs[j];
				break;
			}
		}
	}
	/* RFC 2018 §4: as many distinct blocks as fit. */
	for (j = 0; j < nr && n < max; j++)
		if (!block_in(out, first, n, &runs[j]))
			out[n++] = runs[j];
	return n;
}

unsigned int
tcp_sack_opt_len(const struct tcb *tp)
{
	struct tcp_sack_block b[TCP_SACK_MAX_BLOCKS];
	unsigned int n = rcv_blocks(tp, b);

	return n == 0 ? 0 : 4 + 8 * n;
}

unsigned int
tcp_sack_opt_write(struct berth_stack *st, struct tcb *tp, uint8_t *p)
{
	struct tcp_sack_block b[TCP_SACK_MAX_BLOCKS];
	unsigned int n = rcv_blocks(tp, b);

	if (n == 0)
		return 0;
	STAT_INC(st, TCP_SACK_TX);
	if (tp->dsack_pending) {
		tp->dsack_pending = false;
		STAT_INC(st, TCP_DSACK_TX);
	}
	return tcp_opts_write_sack(p, b, n);
}

/* ---- sender: the scoreboard ---- */

static void
sb_sum(struct tcb *tp)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < tp->nb_sb; i++)
		sum += tp->x->sb[i].end - tp->x->sb[i].start;
	tp->sacked_bytes = sum;
}

/* Add [s, e) to the scoreboard, merging what it overlaps or touches. */
static void
sb_add(struct berth_stack *st, struct tcb *tp, tcp_seq s, tcp_seq e)
{
	unsigned int i = 0, j;

	if (tcb_ext_get(st, tp) == NULL)
		return;
	while (i < tp->nb_sb && seq_lt(tp->x->sb[i].end, s))
		i++;
	for (j = i; j < tp->nb_sb && seq_leq(tp->x->sb[j].start, e); j++) {
		if (seq_lt(tp->x->sb[j].start, s))
			s = tp->x->sb[j].start;
		if (seq_gt(tp->x->sb[j].end, e))
			e = tp->x->sb[j].end;
	}
	if (j > i) {
		/* Ranges i .. j-1 become one. */
		tp->x->sb[i].start = s;
		tp->x->sb[i].end = e;
		memmove(&tp->x->sb[i + 1], &tp->x->sb[j], (tp->nb_sb - j) * sizeof(tp->x->sb[0]));
		tp->nb_sb = (uint8_t)(tp->nb_sb - (j - i - 1));
	} else {
		if (tp->nb_sb == TCP_SACK_SB_MAX) {
			/*
			 * Full: the highest range is forgotten (or the new one,
			 * if it is the highest). It only costs retransmitting
			 * bytes the peer holds; the lower ranges say more about
			 * which holes to fill first.
			 */
			STAT_INC(st, TCP_SACK_FORGOTTEN);
			if (i == tp->nb_sb)
				return;
			tp->nb_sb--;
		}
		memmove(&tp->x->sb[i + 1], &tp->x->sb[i], (tp->nb_sb - i) * sizeof(tp->x->sb[0]));
		tp->x->sb[i].start = s;
		tp->x->sb[i].end = e;
		tp->nb_sb++;
	}
	sb_sum(tp);
}

uint32_t
tcp_sack_input(struct berth_stack *st, struct tcb *tp, const struct tcp_seg *seg)
{
	const struct tcp_opts *o = &seg->opts;
	uint32_t before = tp->sacked_bytes;
	unsigned int i;

	if (!tp->sack_on || o->nb_sack == 0)
		return 0;
	for (i = 0; i < o->nb_sack; i++) {
		tcp_seq s = o->sack[i].start, e = o->sack[i].end;

		STAT_INC(st, TCP_SACK_RX);
		/*
		 * RFC 2883 §4: a first block below the cumulative ACK, or
		 * inside the second block, reports a duplicate the peer
		 * received: it says nothing about what is missing.
		 */
		if (i == 0 && seq_lt(s, e) &&
		    (seq_leq(e, seg->ack) ||
		     (o->nb_sack > 1 && seq_geq(s, o->sack[1].start) &&
		      seq_leq(e, o->sack[1].end)))) {
			STAT_INC(st, TCP_DSACK_RX);
			continue;
		}
		/*
		 * RFC 2018 §3: a block covers data sent and not yet
		 * acknowledged. An empty or wrapped block, or one reaching
		 * past SND.MAX, is ignored and counted: a confused or hostile
		 * peer cannot make us believe in data we never sent.
		 */
		if (!seq_lt(s, e) || seq_gt(e, tp->snd_max)) {
			STAT_INC(st, TCP_SACK_BAD);
			continue;
		}
		/*
		 * A block at or below SND.UNA comes from an ACK the network
		 * reordered behind a newer one: stale, not wrong. What lies
		 * below SND.UNA or this ACK is acknowledged anyway.
		 */
		if (seq_leq(e, tp->snd_una))
			continue;
		if (seq_lt(s, tp->snd_una))
			s = tp->snd_una;
		if (seq_lt(s, seg->ack))
			s = seg->ack;
		if (seq_lt(s, e))
			sb_add(st, tp, s, e);
	}
	return tp->sacked_bytes > before ? tp->sacked_bytes - before : 0;
}

void
tcp_sack_una(struct tcb *tp)
{
	unsigned int i = 0;

	if (seq_lt(tp->high_rxt, tp->snd_una))
		tp->high_rxt = tp->snd_una;
	if (tp->nb_sb == 0)
		return;
	while (i < tp->nb_sb && seq_leq(tp->x->sb[i].end, tp->snd_una))
		i++;
	if (i > 0) {
		memmove(&tp->x->sb[0], &tp->x->sb[i], (tp->nb_sb - i) * sizeof(tp->x->sb[0]));
		tp->nb_sb = (uint8_t)(tp->nb_sb - i);
	}
	if (tp->nb_sb > 0 && seq_lt(tp->x->sb[0].start, tp->snd_una))
		tp->x->sb[0].start = tp->snd_una;
	sb_sum(tp);
}

void
tcp_sack_clear(struct tcb *tp)
{
	tp->nb_sb = 0;
	tp->sacked_bytes = 0;
	tp->high_rxt = tp->snd_una;
}

void
tcp_sack_skip(const struct tcb *tp, tcp_seq *seq, uint32_t *room)
{
	unsigned int k;

	*room = UINT32_MAX;
	for (k = 0; k < tp->nb_sb; k++) {
		if (seq_lt(*seq, tp->x->sb[k].start)) {
			*room = tp->x->sb[k].start - *seq;
			return;
		}
		/* RFC 2018 §5: the peer holds it: no need to send it again. */
		if (seq_lt(*seq, tp->x->sb[k].end))
			*seq = tp->x->sb[k].end;
	}
}

/* ---- RFC 6675 loss recovery ---- */

/* Hole k (0 .. nb_sb): the unSACKed bytes below range k; the last one is above every range. */
static void
hole(const struct tcb *tp, unsigned int k, tcp_seq *s, tcp_seq *e)
{
	*s = k == 0 ? tp->snd_una : tp->x->sb[k - 1].end;
	*e = k < tp->nb_sb ? tp->x->sb[k].start : tp->snd_max;
}

/*
 * RFC 6675 §4 IsLost(): DupThresh discontiguous SACKed ranges above, or
 * more than (DupThresh - 1) * SMSS bytes SACKed above. above: the bytes
 * SACKed above hole k. Nothing is SACKed above the last hole.
 */
static bool
hole_lost(const struct tcb *tp, unsigned int k, uint32_t above, uint32_t smss)
{
	return k < tp->nb_sb &&
	       (tp->nb_sb - k >= DUP_THRESH || above > (DUP_THRESH - 1) * smss);
}

bool
tcp_sack_una_lost(struct berth_stack *st, const struct tcb *tp)
{
	tcp_seq s, e;

	if (!tp->sack_on || tp->nb_sb == 0)
		return false;
	hole(tp, 0, &s, &e);
	return seq_lt(s, e) && hole_lost(tp, 0, tp->sacked_bytes, tcp_smss(st, tp));
}

uint32_t
tcp_sack_pipe(struct berth_stack *st, const struct tcb *tp)
{
	uint32_t pipe = 0, above = tp->sacked_bytes, smss = tcp_smss(st, tp);
	unsigned int k;
	tcp_seq s, e;

	for (k = 0; k <= tp->nb_sb; k++) {
		hole(tp, k, &s, &e);
		if (seq_lt(s, e)) {
			/* RFC 6675 §4 SetPipe (a): not SACKed, not deemed lost: in flight. */
			if (!hole_lost(tp, k, above, smss))
				pipe += e - s;
			/* SetPipe (b): retransmitted (at or below HighRxt): in flight again. */
			if (seq_gt(tp->high_rxt, s))
				pipe += (seq_lt(tp->high_rxt, e) ? tp->high_rxt : e) - s;
		}
		if (k < tp->nb_sb)
			above -= tp->x->sb[k].end - tp->x->sb[k].start;
	}
	return pipe;
}

/* Retransmit from s, at most up to e; HighRxt follows it (RFC 6675 §5 (C.3)). */
static uint32_t
rexmit(struct berth_stack *st, struct tcb *tp, tcp_seq s, tcp_seq e, uint64_t now)
{
	uint32_t n = tcp_output_range(st, tp, s, e - s, now);

	if (n > 0) {
		tp->high_rxt = s + n;
		STAT_INC(st, TCP_SACK_REXMIT);
	}
	return n;
}

/* RFC 6675 §4 NextSeg(), and sending what it picks. Returns the bytes sent. */
static uint32_t
next_seg(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint32_t above = tp->sacked_bytes, smss = tcp_smss(st, tp), n;
	tcp_seq s, e, s3 = 0, e3 = 0;
	bool have3 = false;
	unsigned int k;

	for (k = 0; k < tp->nb_sb; k++) {
		hole(tp, k, &s, &e);
		if (seq_gt(tp->high_rxt, s))
			s = tp->high_rxt;
		if (seq_lt(s, e)) {
			/* NextSeg (1): the first unSACKed byte above HighRxt, below HighACK, lost. */
			if (hole_lost(tp, k, above, smss))
				return rexmit(st, tp, s, e, now);
			if (!have3) {
				have3 = true;
				s3 = s;
				e3 = e;
			}
		}
		above -= tp->x->sb[k].end - tp->x->sb[k].start;
	}
	/* NextSeg (2): new data, as the peer's window allows. */
	n = tcp_output_new(st, tp, now);
	if (n > 0)
		return n;
	/* NextSeg (3): an unSACKed byte above HighRxt, below HighACK, not yet deemed lost. */
	if (have3)
		return rexmit(st, tp, s3, e3, now);
	/*
	 * NextSeg (4): once per recovery, a rescue retransmission of the
	 * segment that holds the highest unSACKed byte, so a loss at the
	 * tail does not wait for the RTO. HighRxt stays.
	 */
	if (!tp->rescue_done) {
		for (k = tp->nb_sb + 1; k-- > 0;) {
			hole(tp, k, &s, &e);
			if (!seq_lt(s, e))
				continue;
			tp->rescue_done = true;
			if (e - s > smss)
				s = e - smss;
			n = tcp_output_range(st, tp, s, e - s, now);
			if (n > 0)
				STAT_INC(st, TCP_SACK_REXMIT);
			return n;
		}
	}
	return 0;
}

void
tcp_sack_recovery_start(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	tcp_seq s, e;

	tp->high_rxt = tp->snd_una;
	tp->rescue_done = false;
	STAT_INC(st, TCP_SACK_RECOVERY);
	/* RFC 6675 §5 (4.3): retransmit the first segment presumed dropped, at HighACK + 1. */
	hole(tp, 0, &s, &e);
	if (seq_lt(s, e))
		(void)rexmit(st, tp, s, e, now);
}

void
tcp_sack_output(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint32_t smss = tcp_smss(st, tp), pipe = tcp_sack_pipe(st, tp), n;

	/* RFC 6675 §5 (C.5): while cwnd - pipe >= 1 SMSS, send NextSeg(). */
	while (tp->cwnd > pipe && tp->cwnd - pipe >= smss) {
		n = next_seg(st, tp, now);
		if (n == 0)
			break;
		pipe += n;
	}
	/* RFC 6298 §5.1: data outstanding keeps the retransmission timer running. */
	if (!timer_armed(&tp->rexmit_timer) && tp->snd_una != tp->snd_max)
		tcp_rexmit_arm(st, tp, now);
}
