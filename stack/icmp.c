/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP for a host: answer echo requests, pass errors about datagrams we sent
 * to their transport, and send errors within RFC 1122's never-send rules and
 * a global rate limit.
 *
 * Call chain: ipv4_input -> icmp_input -> icmp_echo -> route_lookup -> ipv4_output
 *                                      -> icmp_error_input -> udp_icmp_error
 *             ipv4_input / udp_input -> icmp_send_unreach -> icmp_send_error
 *             reassembly expiry -> icmp_send_error (Time Exceeded)
 *             icmp_send_error -> route_lookup -> ipv4_output
 *
 * Read first: RFC 792, RFC 1122 §3.2.2 (host rules; §3.2.2.6 echo), RFC 1812
 * §4.3.2.8 (rate limits), RFC 6633 (Source Quench), RFC 1624 (incremental
 * checksum update).
 *
 * Not answered: Timestamp (RFC 1122 §3.2.2.8 makes it optional, and it tells
 * the clock), Address Mask (§3.2.2.9: only an authoritative agent replies).
 * Redirects are ignored although §3.2.2.2 says a host SHOULD follow them:
 * routes here are configured, and an unauthenticated Redirect is an easy
 * way to steal traffic (Linux hosts offer accept_redirects=0 for that).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "cksum.h"
#include "core.h"

/* RFC 792: type, code, checksum and four more octets start every message. */
#define ICMP_HDR_LEN 8
/* RFC 792: an error quotes the Internet header and 64 bits of data. */
#define ICMP_QUOTE_DATA 8
/* Enough of a quote for any transport to find its socket: IP + TCP headers. */
#define ICMP_QUOTE_COPY 128

/* RFC 1122 §3.2.2: is this ICMP type an error message (not a query)? */
static bool
icmp_type_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * RFC 1812 §4.3.2.8, RFC 1122 §3.2.2: errors are rate limited. A token bucket
 * counted in nanoseconds (as Linux's icmp_global_allow): an error costs
 * 1 s / icmp_rate, the bucket holds icmp_burst of them and refills with time.
 */
static bool
icmp_rate_allow(struct berth_stack *st, uint64_t now)
{
	struct berth_icmp_limit *l = &st->icmp_limit;
	uint64_t cost = BERTH_NS_PER_SEC / st->conf.icmp_rate;
	uint64_t cap = cost * st->conf.icmp_burst;

	if (l->last == 0)
		l->tokens_ns = cap; /* first error: the bucket starts full */
	else if (now > l->last)
		l->tokens_ns = now - l->last >= cap - RTE_MIN(cap, l->tokens_ns) ?
			       cap : l->tokens_ns + (now - l->last);
	l->last = now;
	if (l->tokens_ns < cost)
		return false;
	l->tokens_ns -= cost;
	return true;
}

/* RFC 1122 §3.2.2: the cases where an ICMP error MUST NOT be sent. */
static bool
icmp_error_allowed(const struct berth_stack *st, const struct rte_mbuf *m,
		   const struct berth_ip_info *ip)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const uint8_t *type;
	uint8_t buf;

	/* ... a datagram destined to an IP broadcast or IP multicast address, */
	if ((ip->flags & BERTH_IPI_BCAST) || ipv4_is_bcast(st, ip->dst) ||
	    (rte_be_to_cpu_32(ip->dst) >> 28) == 0xe /* 224/4 */)
		return false;
	/* ... a datagram sent as a link-layer broadcast, */
	if (ip->flags & BERTH_IPI_L2_BCAST)
		return false;
	/* ... a non-initial fragment, */
	if ((rte_be_to_cpu_16(h->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return false;
	/* ... a datagram whose source address does not define a single host, */
	if (!ipv4_is_unicast_host(st, ip->src))
		return false;
	/* ... an ICMP error message (a query such as Echo is fine). */
	if (ip->proto == IPPROTO_ICMP) {
		if (ip->payload_len == 0)
			return false; /* cannot tell: stay silent */
		type = rte_pktmbuf_read(m, ip->hdr_len, 1, &buf);
		if (type == NULL || icmp_type_is_error(*type))
			return false;
	}
	return true;
}

void
icmp_send_error(struct berth_stack *st, const struct rte_mbuf *m,
		const struct berth_ip_info *ip, uint8_t type, uint8_t code, uint64_t now)
{
	struct berth_ip_out out = {
		.dst = ip->src,
		.proto = IPPROTO_ICMP,
		.tos = 0, /* RFC 1349 §5.1: errors go with the default TOS */
	};
	struct berth_nexthop nh;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *r;
	const void *q;
	uint32_t qlen;

	if (!icmp_error_allowed(st, m, ip))
		return;
	if (!icmp_rate_allow(st, now)) {
		DROP_INC(st, ICMP_RATELIMIT);
		return;
	}
	if (route_lookup(st, ip->src, &nh) < 0) {
		DROP_INC(st, IP_NO_ROUTE);
		return;
	}
	/* The address the datagram was sent to, when it is ours (RFC 1812 §4.3.2.4 spirit). */
	if (ipv4_local_if(st, ip->dst) != NULL)
		nh.src = ip->dst;

	/* RFC 792: the Internet header plus the first 64 bits of data. */
	qlen = (uint32_t)ip->hdr_len + RTE_MIN(ip->payload_len, ICMP_QUOTE_DATA);
	qlen = RTE_MIN(qlen, rte_pktmbuf_pkt_len(m));
	r = rte_pktmbuf_alloc(st->pool);
	if (r == NULL) {
		DROP_INC(st, NO_MBUF);
		return;
	}
	ic = (struct rte_icmp_hdr *)rte_pktmbuf_append(r, (uint16_t)(ICMP_HDR_LEN + qlen));
	if (ic == NULL) {
		rte_pktmbuf_free(r);
		DROP_INC(st, NO_MBUF);
		return;
	}
	memset(ic, 0, ICMP_HDR_LEN); /* the "unused" word included */
	ic->icmp_type = type;
	ic->icmp_code = code;
	q = rte_pktmbuf_read(m, 0, qlen, (char *)ic + ICMP_HDR_LEN);
	if (q != (char *)ic + ICMP_HDR_LEN)
		memcpy((char *)ic + ICMP_HDR_LEN, q, qlen);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, ICMP_HDR_LEN + qlen);

	if (ipv4_output(st, r, &nh, &out, now) < 0)
		return;
	if (type == ICMP_DEST_UNREACH)
		STAT_INC(st, ICMP_UNREACH_TX);
	else if (type == ICMP_TIME_EXCEEDED)
		STAT_INC(st, ICMP_TIMXCEED_TX);
}

void
icmp_send_unreach(struct berth_stack *st, const struct rte_mbuf *m,
		  const struct berth_ip_info *ip, uint8_t code, uint64_t now)
{
	icmp_send_error(st, m, ip, ICMP_DEST_UNREACH, code, now);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') when one 16-bit word m becomes m'. */
static uint16_t
icmp_cksum_update(uint16_t hc, uint16_t old, uint16_t neu)
{
	uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~old + neu;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * The reply is written into the request's buffer; a buffer shared with
 * someone else (a clone) is copied first.
 */
static struct rte_mbuf *
icmp_own(struct berth_stack *st, struct rte_mbuf *m)
{
	struct rte_mbuf *c;

	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
		return m;
	c = rte_pktmbuf_copy(m, st->pool, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	if (c == NULL)
		DROP_INC(st, NO_MBUF);
	return c;
}

/* RFC 792 (Echo), RFC 1122 §3.2.2.6. */
static void
icmp_echo(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	  uint64_t now)
{
	struct berth_ip_out out = {
		.dst = ip->src,
		.proto = IPPROTO_ICMP,
		.tos = ip->tos, /* RFC 1349 §5.1: a reply keeps the request's TOS */
	};
	struct berth_nexthop nh;
	struct rte_icmp_hdr *ic;
	uint16_t old, neu;

	STAT_INC(st, ICMP_ECHO_RX);
	/*
	 * RFC 1122 §3.2.2.6 lets a host ignore echo requests to a broadcast
	 * address; Linux does by default, and it denies smurf amplification.
	 */
	if (ip->flags & BERTH_IPI_BCAST) {
		DROP(st, ICMP_BCAST, m);
		return;
	}
	if (route_lookup(st, ip->src, &nh) < 0) {
		DROP(st, IP_NO_ROUTE, m);
		return;
	}
	/* RFC 1122 §3.2.2.6: the reply's source is the request's destination. */
	nh.src = ip->dst;
	m = icmp_own(st, m);
	if (m == NULL)
		return;
	/*
	 * Same identifier, sequence number and data (RFC 792); only the type
	 * changes. The request's IP options are not echoed: RFC 1122 §3.2.2.6
	 * asks to update Record Route / Timestamp options (SHOULD), and berth
	 * does not process options at all.
	 */
	rte_pktmbuf_adj(m, ip->hdr_len);
	ic = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	memcpy(&old, ic, sizeof(old));
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	memcpy(&neu, ic, sizeof(neu));
	ic->icmp_cksum = icmp_cksum_update(ic->icmp_cksum, old, neu);
	m->ol_flags = 0; /* receive flags mean nothing on the way out */
	if (ipv4_output(st, m, &nh, &out, now) == 0)
		STAT_INC(st, ICMP_ECHO_TX);
}

/* errno for the transport, as Linux's icmp_err_convert; 0: code unknown. */
static int
icmp_unreach_errno(uint8_t code)
{
	static const int map[] = {
		[ICMP_NET_UNREACH] = ENETUNREACH,
		[ICMP_HOST_UNREACH] = EHOSTUNREACH,
		[ICMP_PROT_UNREACH] = ENOPROTOOPT,
		[ICMP_PORT_UNREACH] = ECONNREFUSED,
		[ICMP_FRAG_NEEDED] = EMSGSIZE,
		[ICMP_SR_FAILED] = EOPNOTSUPP,
		[ICMP_NET_UNKNOWN] = ENETUNREACH,
		[ICMP_HOST_UNKNOWN] = EHOSTDOWN,
		[ICMP_HOST_ISOLATED] = ENONET,
		[ICMP_NET_ANO] = ENETUNREACH,
		[ICMP_HOST_ANO] = EHOSTUNREACH,
		[ICMP_NET_UNR_TOS] = ENETUNREACH,
		[ICMP_HOST_UNR_TOS] = EHOSTUNREACH,
		[ICMP_PKT_FILTERED] = EHOSTUNREACH,
		[ICMP_PREC_VIOLATION] = EHOSTUNREACH,
		[ICMP_PREC_CUTOFF] = EHOSTUNREACH,
	};

	return code < RTE_DIM(map) ? map[code] : 0;
}

/*
 * Destination Unreachable, Time Exceeded, Parameter Problem: RFC 1122
 * §3.2.2.1, §3.2.2.4, §3.2.2.5 say each MUST reach the transport, which
 * finds its socket from the quoted header and first 8 data octets.
 */
static void
icmp_error_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip)
{
	const struct rte_icmp_hdr *ic =
		rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, ip->hdr_len);
	union {
		struct rte_ipv4_hdr h;
		uint8_t b[ICMP_QUOTE_COPY];
	} copy;
	const struct rte_ipv4_hdr *q;
	uint32_t off = ip->hdr_len + ICMP_HDR_LEN;
	uint16_t qlen = ip->payload_len - ICMP_HDR_LEN, qhl;
	int err;

	if (ic->icmp_type == ICMP_DEST_UNREACH)
		err = icmp_unreach_errno(ic->icmp_code);
	else if (ic->icmp_type == ICMP_TIME_EXCEEDED)
		err = EHOSTUNREACH;
	else
		err = EPROTO;
	if (err == 0) {
		DROP(st, ICMP_TYPE, m);
		return;
	}
	/* Contiguous in nearly every case; else copy what a transport needs. */
	if (off + qlen > rte_pktmbuf_data_len(m))
		qlen = RTE_MIN(qlen, (uint16_t)sizeof(copy));
	q = qlen >= sizeof(*q) ? rte_pktmbuf_read(m, off, qlen, &copy) : NULL;
	if (q == NULL || (q->version_ihl >> 4) != IPVERSION ||
	    (qhl = rte_ipv4_hdr_len(q)) < sizeof(*q) || qlen < qhl + ICMP_QUOTE_DATA ||
	    /* RFC 1122 §3.2.2: no error is ever sent about a non-initial fragment. */
	    (rte_be_to_cpu_16(q->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0) {
		DROP(st, ICMP_QUOTE, m);
		return;
	}
	if (ic->icmp_type == ICMP_DEST_UNREACH)
		STAT_INC(st, ICMP_UNREACH_RX);
	else
		STAT_INC(st, ICMP_ERROR_RX);
	/* RFC 1122 §4.1.3.3: UDP MUST pass every ICMP error up. TCP: not yet. */
	if (q->next_proto_id == IPPROTO_UDP)
		udp_icmp_error(st, q, qlen, err);
	rte_pktmbuf_free(m);
}

void
icmp_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	   uint64_t now)
{
	const struct rte_icmp_hdr *ic;
	uint16_t sum;

	STAT_INC(st, ICMP_RX);
	/* The header must also be contiguous; reassembly and PMDs keep it so. */
	if (ip->payload_len < ICMP_HDR_LEN ||
	    rte_pktmbuf_data_len(m) < (uint32_t)ip->hdr_len + ICMP_HDR_LEN) {
		DROP(st, ICMP_SHORT, m);
		return;
	}
	/*
	 * RFC 792: the checksum covers the whole message, which may span a
	 * reassembled chain (cksum_mbuf_raw sums across segments correctly).
	 */
	if (cksum_mbuf_raw(m, ip->hdr_len, ip->payload_len, &sum) < 0 || sum != 0xffff) {
		DROP(st, ICMP_CKSUM, m);
		return;
	}
	ic = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, ip->hdr_len);
	switch (ic->icmp_type) {
	case ICMP_ECHO:
		icmp_echo(st, m, ip, now);
		return;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		icmp_error_input(st, m, ip);
		return;
	default:
		/*
		 * Echo Reply (berth sends no requests), Timestamp, Redirect
		 * (see above), and Source Quench, which RFC 6633 §2 says a
		 * host MUST silently ignore.
		 */
		DROP(st, ICMP_TYPE, m);
	}
}
