/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 output: prepend the header, checksum it (or have the NIC do it),
 * fragment what exceeds the interface MTU, and hand each packet to ARP.
 *
 * Call chain: udp output / icmp -> route_lookup -> ipv4_output
 *             -> [rte_ipv4_fragment_packet] -> arp_output -> eth_output
 *
 * Read first: RFC 791 §3.1 (header) and §2.3, §3.2 (fragmentation), RFC 1122
 * §3.2.1.7 (TTL) and §3.3.3 (fragmentation by a host), RFC 6864 (the
 * Identification field).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <berth/port.h>

#include "cksum.h"
#include "core.h"

/* RFC 1700 ("Assigned Numbers") recommends 64 as the default TTL. */
#define IP_DEFAULT_TTL 64
/* Most fragments one datagram can need: 65535 bytes over the smallest MTU
 * (RFC 791: 68), whose fragments carry 48 bytes of data each. */
#define IP_FRAGS_MAX \
	((RTE_IPV4_MAX_PKT_LEN - sizeof(struct rte_ipv4_hdr)) / \
	 ((RTE_ETHER_MIN_MTU - sizeof(struct rte_ipv4_hdr)) & ~7u) + 1)

/*
 * Header checksum by the NIC when it can, else here. Keeps the L4 offload
 * flags the transport set; the NIC needs TX_IPV4 with them.
 */
static void
ip_finish_cksum(const struct berth_if *ifp, struct rte_mbuf *m, struct rte_ipv4_hdr *h)
{
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = rte_ipv4_hdr_len(h);
	h->hdr_checksum = 0;
	if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	if (ifp->dev->offloads & BERTH_DEV_OFF_TX_IPV4_CKSUM)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		h->hdr_checksum = cksum_ipv4_hdr(h);
}

/*
 * The transport left the pseudo-header sum for the NIC (cksum_ipv4_l4_tx),
 * but a NIC checksums one packet and this sum spans every fragment: finish
 * it here and take the request back.
 */
static void
ip_l4_cksum_sw(struct rte_mbuf *m, const struct rte_ipv4_hdr *h)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint16_t hl = rte_ipv4_hdr_len(h);
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(h->total_length) - hl);
	size_t at = l4 == RTE_MBUF_F_TX_UDP_CKSUM ? offsetof(struct rte_udp_hdr, dgram_cksum)
						  : offsetof(struct rte_tcp_hdr, cksum);
	uint16_t ck;

	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	if (l4 != RTE_MBUF_F_TX_UDP_CKSUM && l4 != RTE_MBUF_F_TX_TCP_CKSUM)
		return;
	/* The transport header is contiguous after ours (cksum_ipv4_l4_tx needs it too). */
	if (rte_pktmbuf_data_len(m) < hl + at + sizeof(ck))
		return;
	ck = 0;
	memcpy(rte_pktmbuf_mtod_offset(m, char *, hl + at), &ck, sizeof(ck));
	ck = cksum_ipv4_l4(m, hl, l4_len, h->src_addr, h->dst_addr, h->next_proto_id);
	memcpy(rte_pktmbuf_mtod_offset(m, char *, hl + at), &ck, sizeof(ck));
}

/* RFC 791 §2.3, §3.2 and RFC 1122 §3.3.3: split m (data at its header) to fit ifp. */
static int
ip_fragment(struct berth_stack *st, struct rte_mbuf *m, const struct berth_nexthop *nh,
	    uint64_t now)
{
	struct rte_mbuf *frags[IP_FRAGS_MAX];
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	int32_t n, i;

	/* RFC 791 §2.3: a datagram marked Don't Fragment is not fragmented. */
	if (h->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		DROP(st, IP_FRAG_DF, m);
		return -EMSGSIZE;
	}
	if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
		ip_l4_cksum_sw(m, h);
	/*
	 * Every fragment but the last carries a multiple of 8 bytes (RFC 791
	 * §3.2); the data is not copied, fragments reference m's segments.
	 */
	n = rte_ipv4_fragment_packet(m, frags, RTE_DIM(frags), nh->ifp->mtu, st->pool,
				     st->indirect_pool);
	rte_pktmbuf_free(m);
	if (n < 0) {
		if (n == -ENOMEM) {
			DROP_INC(st, NO_MBUF);
			return -ENOBUFS;
		}
		/* An MTU below RFC 791's 68: nothing can be sent there. */
		DROP_INC(st, IP_OUT_LEN);
		return -EMSGSIZE;
	}
	STAT_INC(st, IP_TX);
	STAT_ADD(st, IP_FRAG_TX, n);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];

		ip_finish_cksum(nh->ifp, f, rte_pktmbuf_mtod(f, struct rte_ipv4_hdr *));
		arp_output(st, nh->ifp, nh->nexthop, f, now);
	}
	return 0;
}

int
ipv4_output(struct berth_stack *st, struct rte_mbuf *m, const struct berth_nexthop *nh,
	    const struct berth_ip_out *out, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m) + sizeof(struct rte_ipv4_hdr);
	struct rte_ipv4_hdr *h;

	if (unlikely(len > RTE_IPV4_MAX_PKT_LEN)) {
		DROP(st, IP_OUT_LEN, m);
		return -EMSGSIZE;
	}
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*h));
	if (unlikely(h == NULL)) {
		/* Every builder reserves headroom; this is a bug, still counted. */
		DROP(st, NO_MBUF, m);
		return -ENOBUFS;
	}
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->type_of_service = out->tos;
	h->total_length = rte_cpu_to_be_16((uint16_t)len);
	/*
	 * RFC 6864 §4.1: the ID must be unique per (src, dst, proto) only
	 * among datagrams that may be fragmented, within their lifetime; a
	 * per-stack counter is that.
	 */
	h->packet_id = rte_cpu_to_be_16(st->ip_id++);
	h->fragment_offset = out->df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	/* RFC 1122 §3.2.1.7: never send TTL 0. */
	h->time_to_live = out->ttl != 0 ? out->ttl : IP_DEFAULT_TTL;
	h->next_proto_id = out->proto;
	h->src_addr = nh->src;
	h->dst_addr = out->dst;

	if (len > nh->ifp->mtu)
		return ip_fragment(st, m, nh, now);
	ip_finish_cksum(nh->ifp, m, h);
	STAT_INC(st, IP_TX);
	arp_output(st, nh->ifp, nh->nexthop, m, now);
	return 0;
}
