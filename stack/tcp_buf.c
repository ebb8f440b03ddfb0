/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queues of mbufs for TCP: the send queue (application payload from SND.UNA
 * on) and the receive queue (in-order payload for the application), plus
 * the chain helpers both need to cut bytes off either end, and the TCB's
 * extension (out-of-order runs, SACK state) allocated only once needed.
 *
 * Call chain: berth_sock_send -> tcp_sock -> pktq_push (sndq)
 *             tcp_ack_advance -> tcp_trim_front (sndq)
 *             tcp_rcv_data -> pktq_push (rcvq); berth_sock_recv -> tcp_trim_front
 *
 * Read first: RFC 9293 §3.3.1 (the send and receive sequence spaces the
 * queues hold), DPDK's rte_mbuf_dyn.h (dynamic fields).
 *
 * The queues themselves are struct pktq (pktq.c); this file cuts bytes off
 * their ends.
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "tcp.h"

/*
 * Most connections never see a segment out of order nor a SACK block: the
 * 1.3 KB of runs and scoreboard live apart from the TCB and come on first
 * need (an idle connection then costs the TCB alone). Once there, the
 * extension stays until the connection ends: a path that lost once loses
 * again, and allocating per loss would cost more than it saves.
 */
struct tcb_ext *
tcb_ext_get(struct berth_stack *st, struct tcb *tp)
{
	if (tp->x != NULL)
		return tp->x;
	tp->x = rte_zmalloc_socket("berth_tcb_ext", sizeof(*tp->x), RTE_CACHE_LINE_SIZE,
				   st->socket_id);
	if (tp->x == NULL)
		DROP_INC(st, TCP_NO_MEM);
	return tp->x;
}

void
tcb_ooo_free(struct tcb *tp)
{
	while (tp->nb_ooo > 0)
		rte_pktmbuf_free(tp->x->ooo[--tp->nb_ooo].m);
	tp->ooo_bytes = 0;
}

void
tcb_ext_free(struct tcb *tp)
{
	tcb_ooo_free(tp);
	rte_free(tp->x);
	tp->x = NULL;
	tp->nb_sb = 0;
	tp->sacked_bytes = 0;
	tp->nb_rcv_recent = 0;
	tp->dsack_pending = false;
}

struct rte_mbuf *
tcp_mbuf_trim(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t nb = 1;

	if (len >= rte_pktmbuf_pkt_len(m))
		return m;
	while (left > rte_pktmbuf_data_len(seg) && seg->next != NULL) {
		left -= rte_pktmbuf_data_len(seg);
		seg = seg->next;
		nb++;
	}
	seg->data_len = (uint16_t)left;
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->nb_segs = nb;
	m->pkt_len = len;
	return m;
}

struct rte_mbuf *
tcp_mbuf_strip(struct rte_mbuf *m, uint32_t off)
{
	/*
	 * Leading segments wholly removed are freed: for a send-queue mbuf
	 * whose data a transmitted clone still references, that only drops a
	 * reference, and the clone keeps its own offsets.
	 */
	while (off > 0 && off >= rte_pktmbuf_data_len(m) && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		off -= rte_pktmbuf_data_len(m);
		next->pkt_len = m->pkt_len - rte_pktmbuf_data_len(m);
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (off > rte_pktmbuf_data_len(m))
		off = rte_pktmbuf_data_len(m);
	rte_pktmbuf_adj(m, (uint16_t)off);
	return m;
}

void
tcp_trim_front(struct pktq *q, uint32_t n)
{
	while (n > 0 && q->head != NULL) {
		uint32_t len = rte_pktmbuf_pkt_len(q->head);

		if (n >= len) {
			rte_pktmbuf_free(pktq_pop(q));
			n -= len;
			continue;
		}
		/* Partly consumed: stripping may change the head mbuf. */
		pktq_push_front(q, tcp_mbuf_strip(pktq_pop(q), n));
		n = 0;
	}
}
