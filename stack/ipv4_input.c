/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input: check a received datagram, parse it once into struct
 * berth_ip_info, have fragments reassembled, and hand the datagram to its
 * transport.
 *
 * Call chain: eth_input -> ipv4_input -> [ipv4_reasm] -> icmp_input
 *                                                     -> udp_input
 *                                                     -> tcp_input
 *                                                     -> icmp_send_unreach
 *
 * Read first: RFC 791 §3.1 (header) and §3.2 (TTL, fragments), RFC 1122
 * §3.2.1 (what a host must check) and §3.3.6 (broadcasts), RFC 1812 §5.3.7
 * (martian addresses, for the list of sources that name no host).
 *
 * Every check has its own drop reason, so a counter says exactly what was
 * wrong with a packet. The checks run in header order: length, version,
 * IHL, total length, checksum, TTL, source, destination.
 */
#include <netinet/in.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include <berth/port.h>

#include "cksum.h"
#include "core.h"
#include "tcp.h"

#define IP_LIMITED_BCAST RTE_BE32(0xffffffff) /* DPDK's RTE_IPV4_BROADCAST is 224.0.0.0 */
#define IP_OK BERTH_COUNTER_MAX               /* "no drop reason" from a check */

int
ipv4_init(struct berth_stack *st)
{
	return ipv4_reasm_init(st);
}

void
ipv4_fini(struct berth_stack *st)
{
	ipv4_reasm_fini(st);
}

bool
ipv4_is_bcast(const struct berth_stack *st, uint32_t addr)
{
	uint16_t i;

	if (addr == IP_LIMITED_BCAST)
		return true;
	for (i = 0; i < st->nb_ifs; i++)
		if (st->ifs[i].bcast != 0 && st->ifs[i].bcast == addr)
			return true;
	return false;
}

bool
ipv4_is_unicast_host(const struct berth_stack *st, uint32_t addr)
{
	uint32_t a = rte_be_to_cpu_32(addr);

	/* RFC 1122 §3.2.1.3 (a),(b): {0, 0} and {0, host} only while a host learns its address. */
	if ((a >> 24) == 0)
		return false;
	/* RFC 1122 §3.2.1.3 (g): 127/8 never leaves a host. */
	if ((a >> 24) == 127)
		return false;
	/* RFC 1122 §3.2.1.3: class D (multicast) and class E name no single host. */
	if ((a >> 28) >= 0xe)
		return false;
	/* RFC 1122 §3.2.1.3 (c)-(f): limited and directed broadcasts. */
	return !ipv4_is_bcast(st, addr);
}

static void
ip_drop(struct berth_stack *st, enum berth_counter reason, struct rte_mbuf *m)
{
	st->counters[reason]++;
	rte_pktmbuf_free(m);
}

/*
 * Cut m to keep bytes. Ethernet pads short frames to 60 bytes (RFC 894), and
 * a NIC may hand over trailing bytes beyond Total Length in general.
 */
static void
ip_trim(struct rte_mbuf *m, uint32_t keep)
{
	uint32_t excess = rte_pktmbuf_pkt_len(m) - keep;
	struct rte_mbuf *seg = m;
	uint32_t off = keep;
	uint16_t nb = 1;

	/* Usual case: the excess lies in the last segment. */
	if (excess <= UINT16_MAX && rte_pktmbuf_trim(m, (uint16_t)excess) == 0)
		return;
	/* The excess spans segments: cut the chain after keep bytes. */
	while (off > rte_pktmbuf_data_len(seg)) {
		off -= rte_pktmbuf_data_len(seg);
		seg = seg->next;
		nb++;
	}
	rte_pktmbuf_free(seg->next);
	seg->next = NULL;
	seg->data_len = (uint16_t)off;
	m->nb_segs = nb;
	m->pkt_len = keep;
}

/* Did the device or our own sum find the header checksum right? */
static bool
ip_cksum_ok(const struct berth_if *ifp, const struct rte_mbuf *m,
	    const struct rte_ipv4_hdr *h, uint16_t hl)
{
	if (ifp->dev->offloads & BERTH_DEV_OFF_RX_IPV4_CKSUM) {
		switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
		case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		case RTE_MBUF_F_RX_IP_CKSUM_NONE: /* field stale, header verified */
			return true;
		case RTE_MBUF_F_RX_IP_CKSUM_BAD:
			return false;
		default:
			break; /* UNKNOWN: the device did not look */
		}
	}
	return cksum_ipv4_hdr_ok(h, hl);
}

/* Step 1: the header itself (RFC 791 §3.1, RFC 1122 §3.2.1.1-2). */
static enum berth_counter
ip_check_header(const struct berth_if *ifp, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *h;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint16_t hl, tl;

	/* The header must also be contiguous; every PMD delivers it so. */
	if (len < sizeof(*h) || rte_pktmbuf_data_len(m) < sizeof(*h))
		return BERTH_DROP_IP_SHORT;
	h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	/* RFC 1122 §3.2.1.1: silently discard a version other than 4. */
	if ((h->version_ihl >> 4) != IPVERSION)
		return BERTH_DROP_IP_VERSION;
	/* RFC 791 §3.1: IHL counts 32-bit words, minimum 5. */
	hl = rte_ipv4_hdr_len(h);
	if (hl < sizeof(*h) || hl > rte_pktmbuf_data_len(m))
		return BERTH_DROP_IP_IHL;
	/* RFC 791 §3.1: Total Length covers header and data. */
	tl = rte_be_to_cpu_16(h->total_length);
	if (tl < hl || tl > len)
		return BERTH_DROP_IP_TOTAL_LEN;
	/* RFC 1122 §3.2.1.2: silently discard a datagram with a bad checksum. */
	if (!ip_cksum_ok(ifp, m, h, hl))
		return BERTH_DROP_IP_CKSUM;
	/*
	 * RFC 791 §3.2: a datagram whose TTL is zero must be destroyed. Only
	 * zero: RFC 1122 §3.2.1.7 forbids dropping TTL 1 at a host.
	 */
	if (h->time_to_live == 0)
		return BERTH_DROP_IP_TTL;
	if (tl < len)
		ip_trim(m, tl);
	return IP_OK;
}

/*
 * eth_input stripped the Ethernet header with rte_pktmbuf_adj(), which only
 * moves the data offset: the header still sits just before the data.
 */
static bool
ip_l2_bcast(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;

	if (m->l2_len != sizeof(*eh) || rte_pktmbuf_headroom(m) < sizeof(*eh))
		return false;
	eh = (const struct rte_ether_hdr *)(rte_pktmbuf_mtod(m, const char *) - sizeof(*eh));
	return rte_is_broadcast_ether_addr(&eh->dst_addr);
}

/* Step 2: source and destination (RFC 1122 §3.2.1.3, §3.3.6). */
static enum berth_counter
ip_check_addrs(const struct berth_stack *st, const struct berth_if *ifp,
	       const struct rte_ipv4_hdr *h, uint8_t *flags)
{
	uint32_t src = h->src_addr, dst = h->dst_addr;
	bool bcast = dst == IP_LIMITED_BCAST || (ifp->bcast != 0 && dst == ifp->bcast);

	if (src == 0) {
		/*
		 * RFC 1122 §3.2.1.3 (a): {0, 0} is a source only while a host
		 * learns its address, and such a host can only broadcast
		 * (RFC 2131 §4.1).
		 */
		if (!bcast)
			return BERTH_DROP_IP_SRC;
	} else if (!ipv4_is_unicast_host(st, src) || ipv4_local_if(st, src) != NULL) {
		/*
		 * RFC 1122 §3.2.1.3: silently discard a source that names no
		 * single host. Our own address coming back in is a loop or a
		 * spoof (RFC 1812 §5.3.7 martians).
		 */
		return BERTH_DROP_IP_SRC;
	}
	/*
	 * RFC 1122 §3.3.6: accept our addresses (any interface: the weak host
	 * model, §3.3.4.2), the limited broadcast and the subnet broadcast
	 * of the receiving interface. No multicast group is joined.
	 */
	if (bcast)
		*flags |= BERTH_IPI_BCAST;
	else if (ipv4_local_if(st, dst) == NULL)
		return BERTH_DROP_IP_NOT_US;
	return IP_OK;
}

/* Fill what the layers above read, from the header at m's data. */
static void
ip_parse(struct berth_if *ifp, const struct rte_mbuf *m, struct berth_ip_info *ip)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	ip->ifp = ifp;
	ip->src = h->src_addr;
	ip->dst = h->dst_addr;
	ip->hdr_len = rte_ipv4_hdr_len(h);
	ip->payload_len = (uint16_t)(rte_be_to_cpu_16(h->total_length) - ip->hdr_len);
	ip->proto = h->next_proto_id;
	ip->ttl = h->time_to_live;
	ip->tos = h->type_of_service;
}

static void
ip_demux(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	 uint64_t now)
{
	switch (ip->proto) {
	case IPPROTO_ICMP:
		icmp_input(st, m, ip, now);
		return;
	case IPPROTO_UDP:
		udp_input(st, m, ip, now);
		return;
	case IPPROTO_TCP:
		tcp_input(st, m, ip, now);
		return;
	default:
		/*
		 * RFC 1122 §3.2.2.1: a host SHOULD answer a transport it does
		 * not have with Protocol Unreachable.
		 */
		icmp_send_unreach(st, m, ip, 2 /* protocol unreachable */, now);
		ip_drop(st, BERTH_DROP_IP_PROTO, m);
	}
}

void
ipv4_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m, uint64_t now)
{
	struct berth_ip_info ip = { .flags = 0 };
	struct rte_ipv4_hdr *h;
	enum berth_counter why;

	STAT_INC(st, IP_RX);
	why = ip_check_header(ifp, m);
	if (likely(why == IP_OK))
		why = ip_check_addrs(st, ifp, rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *),
				     &ip.flags);
	if (unlikely(why != IP_OK)) {
		ip_drop(st, why, m);
		return;
	}
	ip_parse(ifp, m, &ip);
	m->l3_len = ip.hdr_len;
	if (ip_l2_bcast(m))
		ip.flags |= BERTH_IPI_L2_BCAST;
	/* RFC 1122 §3.2.1.8: options a host does not understand are ignored. */
	if (ip.hdr_len > sizeof(*h))
		STAT_INC(st, IP_OPTS_RX);

	h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	if (rte_ipv4_frag_pkt_is_fragmented(h)) {
		/* RFC 791 §3.2, RFC 1122 §3.3.2: a host MUST reassemble. */
		STAT_INC(st, IP_FRAG_RX);
		m = ipv4_reasm(st, m, &ip, now);
		if (m == NULL)
			return;
		/* rte_ip_frag rewrote Total Length and zeroed the checksum. */
		h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		h->hdr_checksum = 0;
		h->hdr_checksum = cksum_ipv4_hdr(h);
		ip_parse(ifp, m, &ip);
		ip.flags |= BERTH_IPI_REASSEMBLED;
	} else if ((ifp->dev->offloads & BERTH_DEV_OFF_RX_L4_CKSUM) &&
		   (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		/* Only for a whole datagram: a NIC checks no fragment's L4 sum. */
		ip.flags |= BERTH_IPI_L4_CKSUM_OK;
	}
	ip_demux(st, m, &ip, now);
}
