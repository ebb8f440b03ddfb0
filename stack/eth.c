/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet II framing (RFC 894): accept frames for us, demultiplex by
 * EtherType, and frame outgoing packets.
 *
 * Call chain: berth_stack_poll -> eth_input -> arp_input | ipv4_input
 *             arp_output / arp_input -> eth_output -> dev_tx_enqueue
 *
 * Read first: RFC 894, RFC 1122 §2.3.3. 802.1Q tags are not parsed: a
 * tagged frame is dropped as an unknown EtherType.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "core.h"

void
eth_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ether_hdr *eh;
	uint16_t type;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
		DROP(st, ETH_SHORT, m);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	/* Accept our unicast address and broadcast; no multicast group is joined. */
	if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, &ifp->mac) &&
		     !rte_is_broadcast_ether_addr(&eh->dst_addr))) {
		DROP(st, ETH_NOT_US, m);
		return;
	}
	/* A group address is never a valid source (IEEE 802.3 §3.2.3). */
	if (unlikely(rte_is_multicast_ether_addr(&eh->src_addr))) {
		DROP(st, ETH_SRC_MCAST, m);
		return;
	}
	type = eh->ether_type;
	rte_pktmbuf_adj(m, sizeof(*eh));
	m->l2_len = sizeof(*eh);

	if (likely(type == RTE_BE16(RTE_ETHER_TYPE_IPV4)))
		ipv4_input(st, ifp, m, now);
	else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		arp_input(st, ifp, m, now);
	else
		DROP(st, ETH_TYPE, m);
}

void
eth_output(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m,
	   const struct rte_ether_addr *dst, uint16_t ether_type, uint64_t now)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		/* Every builder reserves headroom; this is a bug, still counted. */
		DROP(st, NO_MBUF, m);
		return;
	}
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&ifp->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ether_type);
	m->l2_len = sizeof(*eh);

	if (unlikely(dev_tx_enqueue(ifp->dev, now, m) < 0)) {
		DROP_INC(st, TX_FULL);
		return;
	}
	STAT_INC(st, TX_PKTS);
}
