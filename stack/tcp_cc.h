/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control interface: what an algorithm (tcp_cc_newreno.c,
 * tcp_cc_cubic.c) provides, and the generic part (tcp_cc.c) that the rest
 * of TCP calls: initial window, ACKs of new data, duplicate ACKs with fast
 * retransmit and NewReno fast recovery, retransmission timeouts, restart
 * after idle.
 *
 * Read first: RFC 5681 (slow start, congestion avoidance, fast
 * retransmit/recovery), RFC 6582 (NewReno), RFC 3042 (limited transmit),
 * RFC 6928 (IW10), RFC 9438 (CUBIC).
 *
 * cwnd and ssthresh are bytes in the TCB. An algorithm only decides how
 * cwnd grows outside recovery and what ssthresh becomes on a congestion
 * event; the recovery machinery is common to both (RFC 9438 §4.6 keeps
 * the standard fast recovery).
 */
#ifndef BERTH_TCP_CC_H
#define BERTH_TCP_CC_H

#include <stdint.h>

struct tcb;

struct tcp_cc_ops {
	const char *name;
	/* Connection start, or the algorithm was switched: reset its state. */
	void (*init)(struct tcb *tp);
	/* acked bytes of new data acknowledged outside recovery: grow cwnd. */
	void (*on_ack)(struct tcb *tp, uint32_t acked, uint32_t smss, uint64_t now);
	/* A congestion event (3rd duplicate ACK or RTO) at now: the new ssthresh. */
	uint32_t (*ssthresh)(struct tcb *tp, uint32_t flight, uint32_t smss, uint64_t now);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* CUBIC (tcp_cc_cubic.c): W_cubic(t) in segments, t seconds after the congestion event. */
double tcp_cubic_w(const struct tcb *tp, double t);

#endif /* BERTH_TCP_CC_H */
