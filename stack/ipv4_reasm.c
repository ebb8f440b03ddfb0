/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly on DPDK's rte_ip_frag, with counted drops and expiry on
 * the stack's timer wheel.
 *
 * Call chain: ipv4_input -> ipv4_reasm -> rte_ipv4_frag_reassemble_packet
 *             wheel_run -> reasm_timer -> reasm_expire
 *                       -> rte_ip_frag_table_del_expired_entries
 *                       -> icmp_send_error (Time Exceeded, fragment zero only)
 *
 * Read first: RFC 791 §3.2 (fragmentation and reassembly), RFC 1122 §3.3.2
 * (a host MUST reassemble; timeout; Time Exceeded), RFC 815.
 *
 * Memory is bounded twice: the table holds at most conf.reasm_max_flows
 * datagrams (a fragment of a new datagram is refused when it is full, never
 * evicting a live one), and rte_ip_frag keeps at most
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) fragments per datagram, dropping the whole
 * datagram at the ninth. Incomplete datagrams expire after
 * conf.reasm_timeout_ns (the table's "cycles" are our nanoseconds).
 *
 * rte_ip_frag says neither how many fragments it dropped nor why (its
 * statistics are compiled out: RTE_LIBRTE_IP_FRAG_TBL_STAT). Every mbuf it
 * gives up goes to the death row, so the death row's growth across one call
 * is what that call dropped. Expired datagrams are purged before each call
 * so that this growth is never a timeout.
 *
 * Deviation from RFC 791 that comes with rte_ip_frag: a duplicate or
 * overlapping fragment makes the byte count exceed the datagram's length (or
 * leaves a hole), and the whole datagram is dropped, where RFC 791's
 * algorithm would let the later copy overwrite. The sender's
 * retransmission recovers; test_reasm.c pins the outcome.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core.h"

/* Associativity of the table; two buckets per key, so a load of one half
 * leaves room for collisions. */
#define REASM_BUCKET_ENTRIES 8
/* While fragments are held, look for expired datagrams this often. */
#define REASM_SCAN_NS (100 * BERTH_NS_PER_MS)

struct berth_reasm {
	struct rte_ip_frag_tbl *tbl;
	struct berth_timer timer;
	uint32_t held;                       /* mbuf segments the table holds */
	struct rte_ip_frag_death_row dr;
};

/* Free the death row, keeping count of what the table still holds. */
static void
reasm_free_dr(struct berth_reasm *r)
{
	uint32_t i;

	for (i = 0; i < r->dr.cnt; i++)
		r->held -= RTE_MIN(r->held, (uint32_t)r->dr.row[i]->nb_segs);
	rte_ip_frag_free_death_row(&r->dr, 0);
}

/*
 * RFC 1122 §3.3.2: when reassembly times out, send Time Exceeded (code 1)
 * if fragment zero had arrived: it holds what the source needs to know
 * which datagram was lost (RFC 792).
 */
static void
reasm_time_exceeded(struct berth_stack *st, const struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct berth_ip_info ip;

	if ((rte_be_to_cpu_16(h->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return;
	ip = (struct berth_ip_info){
		.src = h->src_addr,
		.dst = h->dst_addr,
		.hdr_len = rte_ipv4_hdr_len(h),
		.payload_len = (uint16_t)(rte_pktmbuf_pkt_len(m) - rte_ipv4_hdr_len(h)),
		.proto = h->next_proto_id,
		.ttl = h->time_to_live,
		.tos = h->type_of_service,
		.flags = (uint8_t)m->hash.usr, /* stored by ipv4_reasm */
	};
	icmp_send_error(st, m, &ip, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, now);
}

/* Give up on every datagram older than the timeout; count its fragments. */
static void
reasm_expire(struct berth_stack *st, struct berth_reasm *r, uint64_t now)
{
	uint32_t i, n;

	do {
		/* Stops early when the death row is full: go round again. */
		rte_ip_frag_table_del_expired_entries(r->tbl, &r->dr, now);
		n = r->dr.cnt;
		for (i = 0; i < n; i++)
			reasm_time_exceeded(st, r->dr.row[i], now);
		st->counters[BERTH_DROP_IP_FRAG_TIMEOUT] += n;
		reasm_free_dr(r);
	} while (n > 0);
}

static void
reasm_timer(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct berth_reasm *r = st->reasm;

	reasm_expire(st, r, now);
	if (r->held > 0)
		timer_arm(&st->wheel, t, now + REASM_SCAN_NS);
}

struct rte_mbuf *
ipv4_reasm(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	   uint64_t now)
{
	struct berth_reasm *r = st->reasm;
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint16_t fo = rte_be_to_cpu_16(h->fragment_offset);
	uint32_t off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	struct rte_mbuf *whole;
	uint32_t dropped;

	/*
	 * RFC 791 §3.2: every fragment but the last carries a multiple of 8
	 * octets of data, and a fragment carries some.
	 */
	if (ip->payload_len == 0 ||
	    ((fo & RTE_IPV4_HDR_MF_FLAG) && (ip->payload_len % RTE_IPV4_HDR_OFFSET_UNITS) != 0)) {
		DROP(st, IP_FRAG, m);
		return NULL;
	}
	/* The datagram must fit Total Length's 16 bits ("ping of death"). */
	if (off + ip->hdr_len + ip->payload_len > RTE_IPV4_MAX_PKT_LEN) {
		DROP(st, IP_FRAG, m);
		return NULL;
	}

	if (r->held > 0)
		reasm_expire(st, r, now);

	/*
	 * rte_ip_frag finds the header l2_len bytes into the data and strips
	 * l2_len + l3_len from every fragment but the first; our data already
	 * starts at the IPv4 header.
	 */
	m->l2_len = 0;
	m->l3_len = ip->hdr_len;
	/* For the Time Exceeded decision at expiry (the RSS hash is spent). */
	m->hash.usr = ip->flags;
	r->held += m->nb_segs;
	whole = rte_ipv4_frag_reassemble_packet(r->tbl, &r->dr, m, now, h);
	dropped = r->dr.cnt;
	if (dropped > 0) {
		/*
		 * Only m itself, and no datagram touched: rte_ip_frag found no
		 * room for a new entry. Any other refusal frees the fragments
		 * already held with m (every entry holds at least one).
		 */
		if (dropped == 1 && r->dr.row[0] == m)
			DROP_INC(st, IP_REASM_FULL);
		else
			st->counters[BERTH_DROP_IP_FRAG] += dropped;
		reasm_free_dr(r);
	}
	if (whole != NULL) {
		r->held -= RTE_MIN(r->held, (uint32_t)whole->nb_segs);
		whole->l2_len = RTE_ETHER_HDR_LEN;
		STAT_INC(st, IP_REASM_OK);
	}
	if (r->held > 0 && !timer_armed(&r->timer))
		timer_arm(&st->wheel, &r->timer, now + REASM_SCAN_NS);
	return whole;
}

int
ipv4_reasm_init(struct berth_stack *st)
{
	uint32_t flows = st->conf.reasm_max_flows;
	struct berth_reasm *r;

	r = rte_zmalloc_socket("berth_reasm", sizeof(*r), RTE_CACHE_LINE_SIZE, st->socket_id);
	if (r == NULL)
		return -ENOMEM;
	/* Buckets round up to a power of two: at least 2 * flows entries. */
	r->tbl = rte_ip_frag_table_create((flows + REASM_BUCKET_ENTRIES - 1) / REASM_BUCKET_ENTRIES,
					  REASM_BUCKET_ENTRIES, flows, st->conf.reasm_timeout_ns,
					  st->socket_id);
	if (r->tbl == NULL) {
		rte_free(r);
		return -ENOMEM;
	}
	timer_init(&r->timer, reasm_timer);
	st->reasm = r;
	return 0;
}

void
ipv4_reasm_fini(struct berth_stack *st)
{
	struct berth_reasm *r = st->reasm;

	if (r == NULL)
		return;
	timer_cancel(&st->wheel, &r->timer);
	rte_ip_frag_free_death_row(&r->dr, 0);
	rte_ip_frag_table_destroy(r->tbl); /* frees the fragments still held */
	rte_free(r);
	st->reasm = NULL;
}
