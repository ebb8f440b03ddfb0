/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 7323: window scaling and timestamps, the per-connection state behind
 * the two options (the options' bytes are tcp_opts.c's).
 *
 *  - Negotiation: each option is used only when both SYNs carried it
 *    (§1.3, §2.2, §3.2). We always offer both; the answer decides.
 *  - Window scaling: the peer's SEG.WND is shifted left by its shift on
 *    every segment but a SYN; ours is shifted right by our shift, chosen
 *    so the receive buffer fits 65535 << shift (§2.3).
 *  - Timestamps: TSval is a millisecond clock plus a per-connection secret
 *    offset (§5.4, §7.1: no uptime leaks, values of one 4-tuple still grow
 *    across incarnations); TS.Recent follows §4.3; PAWS (§5.3) rejects old
 *    duplicates; the echo gives an RTT sample on every ACK of new data
 *    (§4.1, §4.2: Karn's rule is not needed, the echo names the segment).
 *
 * Call chain: tcp_send_syn -> tcp_ts_syn_prep (our offer)
 *             tcp_input (listen_syn, SYN-SENT) -> tcp_ts_negotiate
 *             tcp_input (synchronized states) -> tcp_ts_paws_reject, tcp_ts_update
 *             tcp_ack_advance -> tcp_ts_rtt
 *             tcp_output -> tcp_ts_now (TSval), ts_recent (TSecr)
 *
 * Read first: RFC 7323 §2 (window scale), §3 (timestamps option), §4 (RTTM),
 * §5 (PAWS), §5.4-§5.5 (clock and the 24-day limit), §7.1 (privacy),
 * RFC 6191 (TIME-WAIT reuse by timestamp, in tcp_input.c).
 */
#include <string.h>

#include <sodium.h>

#include "tcp.h"

#define NS_PER_MS 1000000ULL
/* RFC 7323 §5.5: TS.Recent is invalid after 24 days of idleness. */
#define TS_RECENT_MAX_AGE_NS (24ULL * 24 * 3600 * 1000 * NS_PER_MS)
/* An echo further back than this is no echo of ours (RFC 7323 §4.1: ignore). */
#define TS_RTT_MAX_MS (24U * 24 * 3600 * 1000)

uint8_t
tcp_ws_shift(uint32_t rcvbuf)
{
	uint8_t s = 0;

	/* RFC 7323 §2.3: the least shift that lets the window reach the buffer, at most 14. */
	while (s < TCP_MAX_WSCALE && ((uint64_t)TCP_MAX_WIN << s) < rcvbuf)
		s++;
	return s;
}

void
tcp_ts_syn_prep(struct berth_stack *st, struct tcb *tp)
{
	unsigned char in[sizeof(struct tcp_key) + 4], out[crypto_shorthash_BYTES];

	/*
	 * RFC 7323 §5.4, §7.1: TSval = offset + clock. The offset is a keyed
	 * hash of the 4-tuple (the ISN's secret, a different input), so it
	 * hides the uptime yet is the same for every incarnation of the
	 * 4-tuple: the clock still makes a new one's TSvals larger (RFC 6191).
	 */
	memcpy(in, &tp->key, sizeof(tp->key));
	memcpy(in + sizeof(tp->key), "TSv1", 4);
	crypto_shorthash(out, in, sizeof(in), st->tcp->isn_key);
	memcpy(&tp->ts_off, out, sizeof(tp->ts_off));
	/* The shift we offer (SYN-SENT) or answer with (SYN-RECEIVED, peer offered). */
	if (tp->state == TCP_SYN_SENT || tp->ws_on)
		tp->rcv_wscale = tcp_ws_shift(tp->rcvbuf);
	else
		tp->rcv_wscale = 0;
}

void
tcp_ts_negotiate(struct berth_stack *st, struct tcb *tp, const struct tcp_opts *o,
		 uint64_t now)
{
	/* RFC 7323 §1.3, §2.2: scaling only when both SYNs carried Window Scale. */
	tp->ws_on = o->ws_ok;
	if (o->ws_ok) {
		tp->snd_wscale = o->ws;
		/*
		 * RFC 7323 §2.3: a shift above 14 is used as 14 and logged,
		 * once per stack: a stream of such SYNs must not flood the log.
		 */
		if (o->ws > TCP_MAX_WSCALE) {
			tp->snd_wscale = TCP_MAX_WSCALE;
			if (!st->tcp->ws_big_logged) {
				st->tcp->ws_big_logged = true;
				BERTH_LOG(WARNING, "tcp: peer window shift %u above 14, using 14",
					  (unsigned int)o->ws);
			}
		}
	} else {
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
	}
	/* RFC 7323 §3.2: timestamps only when both SYNs carried them. */
	tp->ts_on = o->ts_ok;
	if (o->ts_ok) {
		/* RFC 7323 §4.3 (and §3.2): TS.Recent starts from the SYN's TSval. */
		tp->ts_recent = o->tsval;
		tp->ts_recent_ok = true;
		tp->ts_recent_at = now;
	}
}

uint32_t
tcp_ts_now(const struct tcb *tp, uint64_t now)
{
	/* RFC 7323 §5.4: a 1 ms clock, monotonic, wrapping modulo 2^32. */
	return tcp_ts_clock(tp->ts_off, now);
}

uint32_t
tcp_seg_wnd(const struct tcb *tp, const struct tcp_seg *seg)
{
	/* RFC 7323 §2.2: the window of a SYN is never scaled. */
	if (seg->flags & TCP_SYN)
		return seg->wnd;
	/* RFC 7323 §2.3: SND.WND = SEG.WND << Snd.Wind.Shift. */
	return (uint32_t)seg->wnd << tp->snd_wscale;
}

bool
tcp_ts_paws_reject(struct tcb *tp, const struct tcp_seg *seg, uint64_t now)
{
	/*
	 * RFC 7323 §5.3 R1: a segment whose TSval is older than a valid
	 * TS.Recent is an old duplicate, "and if the RST bit is not set":
	 * a RST is exempt (its TSval may lag after a peer reboot).
	 */
	if (!tp->ts_on || !seg->opts.ts_ok || !tp->ts_recent_ok || (seg->flags & TCP_RST))
		return false;
	if ((int32_t)(seg->opts.tsval - tp->ts_recent) >= 0)
		return false;
	/* RFC 7323 §5.5: TS.Recent unused for 24 days is invalid, not a reason to drop. */
	if (now - tp->ts_recent_at > TS_RECENT_MAX_AGE_NS) {
		tp->ts_recent_ok = false;
		return false;
	}
	return true;
}

void
tcp_ts_update(struct tcb *tp, const struct tcp_seg *seg, uint64_t now)
{
	if (!tp->ts_on || !seg->opts.ts_ok)
		return;
	/*
	 * RFC 7323 §4.3 (2) and §5.3 R3: SEG.TSval >= TS.Recent and
	 * SEG.SEQ =< Last.ACK.sent: the segment starts at or before what we
	 * acknowledged last, so its TSval is the one our next ACK must echo
	 * (the oldest unacknowledged, §4.3 (1)). RFC 1323's form
	 * (Last.ACK.sent < SEG.SEQ+SEG.LEN too) never updated on bare ACKs.
	 */
	if (!seq_leq(seg->seq, tp->last_ack_sent))
		return;
	if (tp->ts_recent_ok && (int32_t)(seg->opts.tsval - tp->ts_recent) < 0)
		return;
	tp->ts_recent = seg->opts.tsval;
	tp->ts_recent_ok = true;
	tp->ts_recent_at = now;
}

bool
tcp_ts_rtt(struct berth_stack *st, struct tcb *tp, uint64_t now)
{
	uint32_t ms;

	/* RFC 7323 §3.2: TSecr is valid only with ACK, and 0 means none echoed. */
	if (!tp->ts_on || !tp->ts_seg || tp->ts_seg_ecr == 0)
		return false;
	ms = tcp_ts_now(tp, now) - tp->ts_seg_ecr;
	/* An echo from the future or from long ago is not one of ours. */
	if (ms > TS_RTT_MAX_MS)
		return false;
	/*
	 * RFC 7323 §4.1-4.2, RFC 6298 §2: one sample per ACK of new data.
	 * Below the 1 ms tick it is 0; tcp_rtt_sample takes that as its
	 * smallest measurable value.
	 */
	tcp_rtt_sample(st, tp, (uint64_t)ms * NS_PER_MS);
	return true;
}
