/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum helpers for IPv4 and the transports above it (UDP now,
 * TCP later): verify on receive, honouring what the device already checked,
 * and compute or prepare offload on transmit.
 *
 * Call chain: udp_input / tcp_input -> cksum_ipv4_l4_rx_ok
 *             udp_output / tcp_output -> cksum_ipv4_l4_tx -> ipv4_output
 *
 * Read first: RFC 1071 (computing the checksum), RFC 768 (UDP pseudo-header,
 * 0 means "no checksum", a computed 0 is sent as all ones), RFC 9293 §3.1
 * (TCP pseudo-header), RFC 1624 (why 0x0000 and 0xFFFF are the same sum).
 *
 * Why not rte_raw_cksum_mbuf() (and the rte_ipv4_udptcp_cksum_mbuf*() built on
 * it) for chains: in DPDK 22.11, when a segment starts at an odd offset of the
 * range, it byte-swaps that segment's 32-bit partial sum truncated to 16 bits,
 * losing its carries, so any chain split at an odd byte gets a wrong sum
 * (test_cksum.c shows it). cksum_mbuf_raw() folds before swapping.
 *
 * Why not rte_raw_cksum() for contiguous ranges: in DPDK 22.11 it adds one
 * 16-bit word per step (about 3 instructions per 2 bytes, more than the
 * rest of a small datagram's UDP/IP input). cksum_raw() adds 32-bit words
 * into a 64-bit sum, eight bytes per step, and folds once at the end (RFC
 * 1071 §2(B) byte-order independence, §2(C) deferred carries): the same
 * 16-bit result, a quarter of the work.
 */
#ifndef BERTH_CKSUM_H
#define BERTH_CKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <berth/port.h>

#include "core.h"

/*
 * One's-complement sum (RFC 1071) of len bytes at buf, folded to 16 bits and
 * not complemented, in the byte order of the data: what rte_raw_cksum()
 * returns. An odd last byte counts as the first byte of a 16-bit word whose
 * second is zero (RFC 1071 §4.1).
 */
static inline uint16_t
cksum_raw(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	uint32_t w1, w2;
	uint16_t half = 0;

	/* 2^32 words of 2^32 - 1 each would be needed to carry out of 64 bits. */
	while (len >= 8) {
		memcpy(&w1, p, sizeof(w1));
		memcpy(&w2, p + 4, sizeof(w2));
		sum += (uint64_t)w1 + w2;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w1, p, sizeof(w1));
		sum += w1;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&half, p, sizeof(half));
		sum += half;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		half = 0;
		memcpy(&half, p, 1);
		sum += half;
	}
	/* 2^32 and 2^16 are both 1 modulo 0xffff: fold the carries back in. */
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * One's-complement sum (RFC 1071), folded to 16 bits and not complemented, of
 * len bytes starting off bytes into the chain m. Returns 0, or -1 when the
 * range goes beyond the packet.
 */
static inline int
cksum_mbuf_raw(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *sum)
{
	uint32_t acc = 0, done = 0;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -1;
	while (m != NULL && off >= rte_pktmbuf_data_len(m)) {
		off -= rte_pktmbuf_data_len(m);
		m = m->next;
	}
	if (len == 0 || m == NULL) {
		*sum = 0;
		return len == 0 ? 0 : -1;
	}
	if (off + len <= rte_pktmbuf_data_len(m)) {
		*sum = cksum_raw(rte_pktmbuf_mtod_offset(m, const void *, off), len);
		return 0;
	}
	while (done < len) {
		uint32_t seglen = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m) - off, len - done);
		uint16_t part = cksum_raw(rte_pktmbuf_mtod_offset(m, const void *, off),
					  seglen);

		/* RFC 1071 §2(B): a part starting at an odd offset is byte-swapped. */
		if (done & 1)
			part = rte_bswap16(part);
		acc += part;
		done += seglen;
		off = 0;
		m = m->next;
		if (m == NULL && done < len)
			return -1;
	}
	*sum = __rte_raw_cksum_reduce(acc);
	return 0;
}

/*
 * Pseudo-header sum (RFC 768, RFC 9293 §3.1), not complemented, computed with
 * rte_ipv4_phdr_cksum() on a header built here: callers run before
 * ipv4_output writes the real one, or after ipv4_input trimmed the datagram.
 * l4_len is the transport length (header + data), at most 65515.
 */
static inline uint16_t
cksum_ipv4_phdr(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(ip) + l4_len)),
		.next_proto_id = proto,
		.src_addr = src,
		.dst_addr = dst,
	};

	return rte_ipv4_phdr_cksum(&ip, 0);
}

/* Sum of the pseudo-header and l4_len bytes at l4_off, folded. -1: bad range. */
static inline int
cksum_ipv4_l4_sum(const struct rte_mbuf *m, uint32_t l4_off, uint16_t l4_len,
		  uint32_t src, uint32_t dst, uint8_t proto, uint16_t *sum)
{
	uint16_t data;
	uint32_t acc;

	if (cksum_mbuf_raw(m, l4_off, l4_len, &data) < 0)
		return -1;
	acc = (uint32_t)data + cksum_ipv4_phdr(src, dst, proto, l4_len);
	*sum = __rte_raw_cksum_reduce(acc);
	return 0;
}

/*
 * Does the UDP or TCP segment of l4_len bytes at l4_off in m carry a correct
 * checksum? The caller has already handled a UDP checksum of 0 (none sent).
 */
static inline bool
cksum_ipv4_l4_ok(const struct rte_mbuf *m, uint32_t l4_off, uint16_t l4_len,
		 uint32_t src, uint32_t dst, uint8_t proto)
{
	uint16_t sum;

	/* RFC 1071 §1: summing the checksum field too yields all ones. */
	return cksum_ipv4_l4_sum(m, l4_off, l4_len, src, dst, proto, &sum) == 0 &&
	       sum == 0xffff;
}

/*
 * The checksum to write into a UDP or TCP header whose checksum field holds
 * 0: complemented, with a UDP result of 0 sent as 0xFFFF (RFC 768; 0 would
 * mean "no checksum"). Returns 0 for a range beyond the packet.
 */
static inline uint16_t
cksum_ipv4_l4(const struct rte_mbuf *m, uint32_t l4_off, uint16_t l4_len,
	      uint32_t src, uint32_t dst, uint8_t proto)
{
	uint16_t sum, ck;

	if (cksum_ipv4_l4_sum(m, l4_off, l4_len, src, dst, proto, &sum) < 0)
		return 0;
	ck = (uint16_t)~sum;
	if (ck == 0 && proto == IPPROTO_UDP)
		ck = 0xffff;
	return ck;
}

/* Is the IPv4 header (hdr_len bytes, contiguous) checksum correct? */
static inline bool
cksum_ipv4_hdr_ok(const struct rte_ipv4_hdr *ip, uint16_t hdr_len)
{
	/* RFC 1071 §1: the sum over a correct header, checksum included, is all ones. */
	return cksum_raw(ip, hdr_len) == 0xffff;
}

/* The Header Checksum (RFC 791 §3.1) of ip, whose checksum field holds 0. */
static inline uint16_t
cksum_ipv4_hdr(const struct rte_ipv4_hdr *ip)
{
	return (uint16_t)~cksum_raw(ip, rte_ipv4_hdr_len(ip));
}

/*
 * Receive side: is the transport checksum of this IPv4 datagram good? m's data
 * starts at the IPv4 header; the segment is l4_len bytes at ip->hdr_len.
 * A device verdict is taken when there is one (BERTH_IPI_L4_CKSUM_OK from
 * ipv4_input, RTE_MBUF_F_RX_L4_CKSUM_BAD from the PMD), except on a
 * reassembled datagram, where the flags describe the first fragment only.
 */
static inline bool
cksum_ipv4_l4_rx_ok(const struct rte_mbuf *m, const struct berth_ip_info *ip,
		    uint16_t l4_len)
{
	if (!(ip->flags & BERTH_IPI_REASSEMBLED)) {
		if (ip->flags & BERTH_IPI_L4_CKSUM_OK)
			return true;
		if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			return false;
	}
	return cksum_ipv4_l4_ok(m, ip->hdr_len, l4_len, ip->src, ip->dst, ip->proto);
}

/*
 * Transmit side: m's data starts at a UDP or TCP header (contiguous in the
 * first segment) and holds the whole segment. Either compute the checksum in
 * software, or, when the device offloads it (BERTH_DEV_OFF_TX_UDP_CKSUM /
 * _TCP_CKSUM in dev_offloads), leave the pseudo-header sum in the checksum
 * field and set the mbuf flags and lengths the PMD reads; ipv4_output
 * finishes it in software if it must fragment.
 */
static inline void
cksum_ipv4_l4_tx(struct rte_mbuf *m, uint32_t dev_offloads, uint32_t src, uint32_t dst,
		 uint8_t proto)
{
	uint16_t l4_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	bool udp = proto == IPPROTO_UDP;
	uint8_t *field = rte_pktmbuf_mtod_offset(m, uint8_t *,
		udp ? offsetof(struct rte_udp_hdr, dgram_cksum) : offsetof(struct rte_tcp_hdr, cksum));
	uint32_t off_bit = udp ? BERTH_DEV_OFF_TX_UDP_CKSUM : BERTH_DEV_OFF_TX_TCP_CKSUM;
	uint16_t ck = 0;

	if (dev_offloads & off_bit) {
		/* The PMD adds the segment to the pseudo-header sum it finds here. */
		ck = cksum_ipv4_phdr(src, dst, proto, l4_len);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 |
			       (udp ? RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM);
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = sizeof(struct rte_ipv4_hdr);
	} else {
		memcpy(field, &ck, sizeof(ck));
		ck = cksum_ipv4_l4(m, 0, l4_len, src, dst, proto);
	}
	memcpy(field, &ck, sizeof(ck));
}

#endif /* BERTH_CKSUM_H */
