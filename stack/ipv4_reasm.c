/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly on DPDK's rte_ip_frag, behind a filter that drops exact
 * duplicate fragments, with counted drops and expiry on the stack's timer
 * wheel.
 *
 * Call chain: ipv4_input -> ipv4_reasm -> seen_is_dup (duplicate filter)
 *                                      -> rte_ipv4_frag_reassemble_packet
 *             wheel_run -> reasm_timer -> reasm_expire
 *                       -> rte_ip_frag_table_del_expired_entries
 *                       -> icmp_send_error (Time Exceeded, fragment zero only)
 *
 * Read first: RFC 791 §3.2 (fragmentation and reassembly), RFC 1122 §3.3.2
 * (a host MUST reassemble; timeout; Time Exceeded), RFC 815, RFC 5722 §4
 * (overlapping fragments; written for IPv6, applied to IPv4 as Linux does).
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
 * Duplicates. rte_ip_frag counts bytes and slots: a second copy of a
 * fragment pushes the byte count past the datagram's length, or takes the
 * first or last slot twice, and the whole datagram is dropped. RFC 791's
 * algorithm lets the copy land on the same bytes, and a path that duplicates
 * packets would otherwise lose every datagram with a duplicated fragment.
 * So a filter remembers the (offset, length, MF, protocol) of each fragment
 * the library holds, per datagram, and drops an exact copy before the
 * library sees it, counted as ip_frag_dup: the datagram goes on, as in
 * Linux (inet_frag_queue_insert returns IPFRAG_DUP). A fragment that
 * overlaps another without being its exact copy still reaches rte_ip_frag
 * and costs the whole datagram (RFC 5722 §4; Linux since FragmentSmack): a
 * duplicating network makes exact copies, while overlaps of other shapes
 * are how filters are evaded (RFC 1858 §3, RFC 3128).
 *
 * A record lives exactly as long as the library's entry for its datagram:
 * same key (source, destination, Identification: rte_ip_frag 22.11 leaves
 * out the Protocol RFC 791 §3.2 names, so protocol is compared per fragment
 * instead), created when the library takes the first fragment to arrive
 * (its first-seen time is the library's start time), deleted when the
 * datagram completes and for every mbuf the library puts on the death row
 * (a refused datagram, an expired one). The expiry pass also deletes records
 * by age with the library's timeout, as a second guard. Records never
 * outnumber the library's entries, so the filter, sized like the table,
 * does not fill; if it ever did, fragments would pass unfiltered.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <sodium.h>

#include "core.h"

/* Associativity of the table; two buckets per key, so a load of one half
 * leaves room for collisions. */
#define REASM_BUCKET_ENTRIES 8
/* While fragments are held, look for expired datagrams this often. */
#define REASM_SCAN_NS (100 * BERTH_NS_PER_MS)

/* A datagram as rte_ip_frag 22.11 tells datagrams apart (struct ip_frag_key). */
struct reasm_key {
	uint32_t src, dst;      /* network byte order */
	uint16_t id;            /* network byte order */
	uint16_t zero;          /* rte_hash compares every byte of the key */
};

/* A fragment the library holds, as the filter knows it. */
struct reasm_piece {
	uint16_t off, len;      /* data bytes */
	uint8_t mf;
	uint8_t proto;
};

/* The fragments rte_ip_frag holds for one datagram. */
struct reasm_seen {
	TAILQ_ENTRY(reasm_seen) age;  /* oldest first */
	struct reasm_key key;
	uint64_t first;               /* first-seen: the library's start time */
	uint8_t n;
	struct reasm_piece piece[RTE_LIBRTE_IP_FRAG_MAX_FRAG];
};
TAILQ_HEAD(reasm_seen_list, reasm_seen);

struct berth_reasm {
	struct rte_ip_frag_tbl *tbl;
	struct berth_timer timer;
	uint32_t held;                       /* mbuf segments the table holds */
	uint64_t timeout_ns;                 /* the table's, for the filter */
	struct rte_hash *seen_hash;          /* reasm_key -> index into seen */
	struct reasm_seen *seen;
	struct reasm_seen_list by_age;
	struct rte_ip_frag_death_row dr;
};

/* ---- the duplicate filter ---- */

static struct reasm_key
seen_key(const struct rte_ipv4_hdr *h)
{
	return (struct reasm_key){ .src = h->src_addr, .dst = h->dst_addr, .id = h->packet_id };
}

static void
seen_forget(struct berth_reasm *r, const struct reasm_key *k, hash_sig_t sig)
{
	int32_t pos = rte_hash_del_key_with_hash(r->seen_hash, k, sig);

	if (pos >= 0)
		TAILQ_REMOVE(&r->by_age, &r->seen[pos], age);
}

/*
 * Is p an exact copy of a fragment already held? Same offset, length and MF
 * (and protocol: the library's key leaves it out, RFC 791 §3.2 does not).
 * Linux inet_frag_queue_insert compares the range alone, so do we: the
 * bytes of a copy are not looked at.
 */
static bool
seen_is_dup(const struct berth_reasm *r, const struct reasm_key *k, hash_sig_t sig,
	    const struct reasm_piece *p)
{
	int32_t pos = rte_hash_lookup_with_hash(r->seen_hash, k, sig);
	const struct reasm_seen *s;
	uint8_t i;

	if (pos < 0)
		return false;
	s = &r->seen[pos];
	for (i = 0; i < s->n; i++)
		if (s->piece[i].off == p->off && s->piece[i].len == p->len &&
		    s->piece[i].mf == p->mf && s->piece[i].proto == p->proto)
			return true;
	return false;
}

/* The library now holds p: remember it, opening a record at its first fragment. */
static void
seen_note(struct berth_reasm *r, const struct reasm_key *k, hash_sig_t sig,
	  const struct reasm_piece *p, uint64_t now)
{
	int32_t pos = rte_hash_lookup_with_hash(r->seen_hash, k, sig);
	struct reasm_seen *s;

	if (pos < 0) {
		pos = rte_hash_add_key_with_hash(r->seen_hash, k, sig);
		if (pos < 0)
			return; /* full (see the preamble): the fragment goes unfiltered */
		s = &r->seen[pos];
		s->key = *k;
		s->first = now;
		s->n = 0;
		TAILQ_INSERT_TAIL(&r->by_age, s, age);
	}
	s = &r->seen[pos];
	/* The library holds at most this many; it drops the datagram at one more. */
	if (s->n < RTE_DIM(s->piece))
		s->piece[s->n++] = *p;
}

/* Second guard behind the death row: nothing outlives the library's timeout. */
static void
seen_expire(struct berth_reasm *r, uint64_t now)
{
	struct reasm_seen *s;

	while ((s = TAILQ_FIRST(&r->by_age)) != NULL && s->first + r->timeout_ns < now)
		seen_forget(r, &s->key, rte_hash_hash(r->seen_hash, &s->key));
}

/* ---- rte_ip_frag ---- */

/*
 * Free the death row, keeping count of what the table still holds. The
 * datagram of every mbuf on it is gone from the table, so its record goes
 * too. Each row entry still starts at its IPv4 header: rte_ip_frag only
 * strips the headers of fragments it chains behind another.
 */
static void
reasm_free_dr(struct berth_reasm *r)
{
	struct reasm_key k, last = { .zero = 1 }; /* matches no real key */
	uint32_t i;

	for (i = 0; i < r->dr.cnt; i++) {
		k = seen_key(rte_pktmbuf_mtod(r->dr.row[i], const struct rte_ipv4_hdr *));
		if (memcmp(&k, &last, sizeof(k)) != 0)
			seen_forget(r, &k, rte_hash_hash(r->seen_hash, &k));
		last = k;
		r->held -= RTE_MIN(r->held, (uint32_t)r->dr.row[i]->nb_segs);
	}
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
	seen_expire(r, now);
}

static void
reasm_timer(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct berth_reasm *r = st->reasm;

	reasm_expire(st, r, now);
	if (r->held > 0)
		timer_arm(&st->wheel, t, now + REASM_SCAN_NS);
}

/* Did the last call put m itself on the death row? */
static bool
reasm_dr_holds(const struct berth_reasm *r, const struct rte_mbuf *m)
{
	uint32_t i;

	for (i = 0; i < r->dr.cnt; i++)
		if (r->dr.row[i] == m)
			return true;
	return false;
}

struct rte_mbuf *
ipv4_reasm(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	   uint64_t now)
{
	struct berth_reasm *r = st->reasm;
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint16_t fo = rte_be_to_cpu_16(h->fragment_offset);
	uint32_t off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	struct reasm_key key = seen_key(h);
	struct reasm_piece piece;
	struct rte_mbuf *whole;
	uint32_t dropped;
	bool m_dropped;
	hash_sig_t sig;

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

	/* Also clears the records of what expires, before they are consulted. */
	if (r->held > 0)
		reasm_expire(st, r, now);

	/*
	 * RFC 791 §3.2 reassembly puts a copy on the bytes it already filled;
	 * rte_ip_frag would drop the datagram. Drop only the copy (Linux
	 * IPFRAG_DUP). Not an exact copy: on to the library, which drops the
	 * datagram for the overlap (RFC 5722 §4).
	 */
	piece = (struct reasm_piece){
		.off = (uint16_t)off,
		.len = ip->payload_len,
		.mf = (fo & RTE_IPV4_HDR_MF_FLAG) != 0,
		.proto = ip->proto,
	};
	sig = rte_hash_hash(r->seen_hash, &key);
	if (seen_is_dup(r, &key, sig, &piece)) {
		DROP(st, IP_FRAG_DUP, m);
		return NULL;
	}

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
	m_dropped = reasm_dr_holds(r, m);
	if (dropped > 0) {
		/*
		 * Only m itself, and no datagram touched: rte_ip_frag found no
		 * room for a new entry. Any other refusal frees the fragments
		 * already held with m (every entry holds at least one).
		 */
		if (dropped == 1 && m_dropped)
			DROP_INC(st, IP_REASM_FULL);
		else
			st->counters[BERTH_DROP_IP_FRAG] += dropped;
		reasm_free_dr(r); /* forgets the records of what it frees */
	}
	if (whole != NULL) {
		r->held -= RTE_MIN(r->held, (uint32_t)whole->nb_segs);
		whole->l2_len = RTE_ETHER_HDR_LEN;
		seen_forget(r, &key, sig);
		STAT_INC(st, IP_REASM_OK);
	} else if (!m_dropped) {
		seen_note(r, &key, sig, &piece, now);
	}
	if (r->held > 0 && !timer_armed(&r->timer))
		timer_arm(&st->wheel, &r->timer, now + REASM_SCAN_NS);
	return whole;
}

unsigned int
ipv4_reasm_tracked(const struct berth_stack *st)
{
	int32_t n = rte_hash_count(st->reasm->seen_hash);

	return n > 0 ? (unsigned int)n : 0;
}

int
ipv4_reasm_init(struct berth_stack *st)
{
	uint32_t flows = st->conf.reasm_max_flows;
	struct rte_hash_parameters hp;
	char name[RTE_HASH_NAMESIZE];
	struct berth_reasm *r;

	r = rte_zmalloc_socket("berth_reasm", sizeof(*r), RTE_CACHE_LINE_SIZE, st->socket_id);
	if (r == NULL)
		return -ENOMEM;
	st->reasm = r;
	TAILQ_INIT(&r->by_age);
	r->timeout_ns = st->conf.reasm_timeout_ns;
	timer_init(&r->timer, reasm_timer);
	/* Buckets round up to a power of two: at least 2 * flows entries. */
	r->tbl = rte_ip_frag_table_create((flows + REASM_BUCKET_ENTRIES - 1) / REASM_BUCKET_ENTRIES,
					  REASM_BUCKET_ENTRIES, flows, st->conf.reasm_timeout_ns,
					  st->socket_id);

	/* One record per datagram the table holds; rte_hash wants a bucket's worth. */
	snprintf(name, sizeof(name), "berth_reasm_%" PRIxPTR, (uintptr_t)st);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = RTE_MAX(flows, 8u);
	hp.key_len = sizeof(struct reasm_key);
	/* Peers choose the keys: a secret seed keeps them from one bucket. */
	hp.hash_func_init_val = randombytes_random();
	hp.socket_id = st->socket_id;
	/* Extendable buckets: every one of the entries fits, whatever the keys. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	r->seen_hash = rte_hash_create(&hp);
	r->seen = rte_zmalloc_socket("berth_reasm_seen", (size_t)hp.entries * sizeof(*r->seen),
				     RTE_CACHE_LINE_SIZE, st->socket_id);
	if (r->tbl == NULL || r->seen_hash == NULL || r->seen == NULL) {
		ipv4_reasm_fini(st);
		return -ENOMEM;
	}
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
	if (r->tbl != NULL)
		rte_ip_frag_table_destroy(r->tbl); /* frees the fragments still held */
	rte_hash_free(r->seen_hash);
	rte_free(r->seen);
	rte_free(r);
	st->reasm = NULL;
}
