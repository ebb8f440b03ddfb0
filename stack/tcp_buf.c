/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queues of mbufs for TCP: the send queue (application payload from SND.UNA
 * on) and the receive queue (in-order payload for the application), plus
 * the chain helpers both need to cut bytes off either end.
 *
 * Call chain: berth_sock_send -> tcp_sock -> tcp_mq_push (sndq)
 *             tcp_ack_advance -> tcp_mq_trim_front (sndq)
 *             tcp_rcv_data -> tcp_mq_push (rcvq); berth_sock_recv -> tcp_mq_trim_front
 *
 * Read first: RFC 9293 §3.3.1 (the send and receive sequence spaces the
 * queues hold), DPDK's rte_mbuf_dyn.h (dynamic fields).
 *
 * Packets are linked through the mbuf dynamic field "berth_pkt_next", the
 * same descriptor udp.c registers (same name, size and alignment give the
 * same offset), so a queue costs no memory besides the mbufs. The offset is
 * process-wide, like every dynfield offset, hence the one static below.
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "tcp.h"

static int link_off = -1;

int
tcp_mq_register(void)
{
	static const struct rte_mbuf_dynfield link_desc = {
		.name = "berth_pkt_next",
		.size = sizeof(struct rte_mbuf *),
		.align = __alignof__(struct rte_mbuf *),
	};
	int off;

	if (link_off >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&link_desc);
	if (off < 0)
		return -rte_errno;
	link_off = off;
	return 0;
}

static inline struct rte_mbuf **
mq_link(const struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, link_off, struct rte_mbuf **);
}

void
tcp_mq_init(struct tcp_mq *q)
{
	q->head = NULL;
	q->tail = NULL;
	q->count = 0;
	q->bytes = 0;
}

void
tcp_mq_push(struct tcp_mq *q, struct rte_mbuf *m)
{
	*mq_link(m) = NULL;
	if (q->tail != NULL)
		*mq_link(q->tail) = m;
	else
		q->head = m;
	q->tail = m;
	q->count++;
	q->bytes += rte_pktmbuf_pkt_len(m);
}

struct rte_mbuf *
tcp_mq_pop(struct tcp_mq *q)
{
	struct rte_mbuf *m = q->head;

	if (m == NULL)
		return NULL;
	q->head = *mq_link(m);
	if (q->head == NULL)
		q->tail = NULL;
	*mq_link(m) = NULL;
	q->count--;
	q->bytes -= rte_pktmbuf_pkt_len(m);
	return m;
}

void
tcp_mq_free(struct tcp_mq *q)
{
	struct rte_mbuf *m;

	while ((m = tcp_mq_pop(q)) != NULL)
		rte_pktmbuf_free(m);
	q->bytes = 0;
}

struct rte_mbuf *
tcp_mq_next(const struct rte_mbuf *m)
{
	return *mq_link(m);
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
tcp_mq_trim_front(struct tcp_mq *q, uint32_t n)
{
	while (n > 0 && q->head != NULL) {
		struct rte_mbuf *m = q->head, *next;
		uint32_t len = rte_pktmbuf_pkt_len(m);

		if (n >= len) {
			rte_pktmbuf_free(tcp_mq_pop(q));
			n -= len;
			continue;
		}
		/* Partly consumed: the head mbuf may change, keep it linked. */
		next = *mq_link(m);
		m = tcp_mbuf_strip(m, n);
		*mq_link(m) = next;
		q->head = m;
		if (next == NULL)
			q->tail = m;
		q->bytes -= n;
		n = 0;
	}
}
