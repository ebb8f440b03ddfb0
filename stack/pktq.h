/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FIFO queues of packets linked through the mbuf dynamic field
 * "berth_pkt_next": a queue costs no memory besides its mbufs. Used by UDP
 * socket receive queues and TCP send and receive queues.
 */
#ifndef BERTH_PKTQ_H
#define BERTH_PKTQ_H

#include <stdint.h>

#include <rte_mbuf.h>

struct pktq {
	struct rte_mbuf *head, *tail;
	uint32_t count;           /* mbufs (packets, not segments of chains) */
	uint32_t bytes;           /* pkt_len of everything queued */
};

/* Register the link (once per process); 0 or -rte_errno. */
int pktq_register(void);
void pktq_init(struct pktq *q);
void pktq_push(struct pktq *q, struct rte_mbuf *m);
/* Put m back at the head (e.g. after cutting bytes off the popped head). */
void pktq_push_front(struct pktq *q, struct rte_mbuf *m);
struct rte_mbuf *pktq_pop(struct pktq *q);
/* Free every queued packet. */
void pktq_free(struct pktq *q);
/* Next mbuf after m in its queue (NULL at the tail). */
struct rte_mbuf *pktq_next(const struct rte_mbuf *m);

#endif /* BERTH_PKTQ_H */
