/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet queues linked through an mbuf dynamic field; see pktq.h.
 *
 * Call chain: udp_input -> pktq_push (socket receive queue);
 *             tcp_sock / tcp_rcv_data -> pktq_push (send, receive queues)
 *
 * The dynfield offset is process-wide, like every dynfield offset, hence
 * the one static below; registering twice returns the same offset.
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "pktq.h"

static int link_off = -1;

int
pktq_register(void)
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
pktq_init(struct pktq *q)
{
	q->head = NULL;
	q->tail = NULL;
	q->count = 0;
	q->bytes = 0;
}

void
pktq_push(struct pktq *q, struct rte_mbuf *m)
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

void
pktq_push_front(struct pktq *q, struct rte_mbuf *m)
{
	*mq_link(m) = q->head;
	q->head = m;
	if (q->tail == NULL)
		q->tail = m;
	q->count++;
	q->bytes += rte_pktmbuf_pkt_len(m);
}

struct rte_mbuf *
pktq_pop(struct pktq *q)
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
pktq_free(struct pktq *q)
{
	struct rte_mbuf *m;

	while ((m = pktq_pop(q)) != NULL)
		rte_pktmbuf_free(m);
	q->bytes = 0;
}

struct rte_mbuf *
pktq_next(const struct rte_mbuf *m)
{
	return *mq_link(m);
}

