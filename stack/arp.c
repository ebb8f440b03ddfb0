/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826): the IPv4-to-Ethernet cache of one stack, answers to
 * requests for our addresses, resolution with queued packets, refresh and
 * expiry of entries, and gratuitous announcements.
 *
 * Call chain: eth_input -> arp_input -> eth_output (reply, queued packets)
 *             ipv4_output -> arp_output -> eth_output | queue on the entry
 *             wheel_run -> arp_timer (retries, refresh, expiry)
 *             berth_stack_add_if -> arp_announce
 *             berth_stack_add_addr -> arp_announce_addr
 *
 * Read first: RFC 826 ("Packet Reception"), RFC 1122 §2.3.2 (flood limit,
 * cache validation, queueing), RFC 5227 §2.1.1, §2.4, §3 (probes, address
 * conflicts, announcements).
 *
 * "Me" is any address of the receiving interface, its own and its
 * secondary ones (berth_stack_add_addr): each is answered with itself as
 * the sender, announced when added and defended. Our own requests carry
 * the interface's own address.
 *
 * Entry states (RFC 826 names none; these are RFC 4861 §7.3.2's):
 *   INCOMPLETE  requested, packets queued; a broadcast request every 1 s,
 *               3 in all, then the queue is dropped and the entry freed
 *   REACHABLE   the peer proved its MAC less than arp_reachable_ns ago
 *   STALE       lifetime over (or learned from a request for us, not yet
 *               used): the MAC is still used; freed if unused for another
 *               arp_reachable_ns; the first candidates for eviction
 *   PROBE       STALE and used: 3 unicast requests to the cached MAC, then
 *               3 broadcast ones, 1 s apart, then freed
 *   STATIC      berth_arp_add_static: never changed by traffic, never expires
 *
 * Storage: rte_hash (key: the IPv4 address) gives the position of the entry
 * in an array. Only INCOMPLETE entries queue packets, and at most a quarter
 * of the table may be INCOMPLETE (so a flood of unresolvable destinations
 * leaves room for the rest), so the queues are a pool of that many rings
 * rather than one per entry.
 *
 * Timers: one wheel timer per entry, not a periodic sweep. Retries must go
 * out 1 s after the previous request (RFC 1122 §2.3.2.1), which a sweep only
 * approximates, and arming a wheel timer is O(1) while a sweep walks the
 * whole table. An entry's timer moves only on a state change or a
 * confirmation, never on the per-packet output path.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_arp.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <sodium.h>

#include "core.h"

/* RFC 1122 §2.3.2.1: at most one request per second per destination. */
#define ARP_RETRY_NS BERTH_NS_PER_SEC
/* Broadcast requests before giving up (resolution, and after refresh). */
#define ARP_MAX_BCAST 3
/* Unicast refresh requests before falling back to broadcast. */
#define ARP_MAX_UNICAST 3
/* RFC 5227 §1.1: DEFEND_INTERVAL. */
#define ARP_DEFEND_NS (10 * BERTH_NS_PER_SEC)
/* rte_hash refuses fewer entries than one bucket (RTE_HASH_BUCKET_ENTRIES). */
#define ARP_HASH_MIN 8

#define IP_FMT "%u.%u.%u.%u"
#define IP_BYTES(a) ((const uint8_t *)&(a))[0], ((const uint8_t *)&(a))[1], \
		    ((const uint8_t *)&(a))[2], ((const uint8_t *)&(a))[3]

enum arp_state {
	ARP_FREE,
	ARP_INCOMPLETE,
	ARP_REACHABLE,
	ARP_STALE,
	ARP_PROBE,
	ARP_STATIC,
};

static const char *const arp_state_names[] = {
	[ARP_FREE] = "FREE",
	[ARP_INCOMPLETE] = "INCOMPLETE",
	[ARP_REACHABLE] = "REACHABLE",
	[ARP_STALE] = "STALE",
	[ARP_PROBE] = "PROBE",
	[ARP_STATIC] = "STATIC",
};

struct arp_entry {
	uint32_t addr;              /* key, network byte order */
	uint8_t state;              /* enum arp_state */
	uint8_t tries;              /* requests sent in INCOMPLETE or PROBE */
	struct rte_ether_addr mac;
	struct berth_if *ifp;       /* link it lives on; NULL for a new static */
	uint64_t confirmed;         /* last time the peer proved its MAC */
	uint32_t q;                 /* queue ring (INCOMPLETE only) */
	uint32_t qhead, qlen;
	struct berth_timer timer;
	TAILQ_ENTRY(arp_entry) stale_link;
};

TAILQ_HEAD(arp_stale_list, arp_entry);

struct berth_arp {
	struct rte_hash *hash;
	struct arp_entry *ent;      /* indexed by the hash position */
	struct arp_entry *last;     /* found last by arp_find, NULL: none yet */
	uint32_t hash_size;
	uint32_t max_entries, nb_entries;
	uint32_t max_incomplete;
	uint32_t queue_len;
	uint64_t reachable_ns;
	struct rte_mbuf **queues;   /* max_incomplete rings of queue_len */
	uint32_t *free_q;           /* stack of free ring indexes */
	uint32_t nb_free_q;
	struct arp_stale_list stale; /* oldest first: the eviction order */
	bool defended[BERTH_MAX_IFS];
	uint64_t last_defend[BERTH_MAX_IFS];
};

static const struct rte_ether_addr bcast_mac = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr zero_mac;

static void arp_timer(struct berth_stack *st, struct berth_timer *t, uint64_t now);

/* ---- the table ---- */

/*
 * The entry of addr, or NULL. Packets mostly go to the neighbour the one
 * before went to (the gateway, a busy peer), so the entry found last is
 * tried before the hash. It needs no invalidation: an entry that is not
 * FREE sits at the hash position of its own address, so if it holds addr
 * it is addr's entry.
 */
static struct arp_entry *
arp_find(struct berth_arp *a, uint32_t addr)
{
	struct arp_entry *e = a->last;
	int pos;

	if (e != NULL && e->addr == addr && e->state != ARP_FREE)
		return e;
	pos = rte_hash_lookup(a->hash, &addr);
	if (pos < 0)
		return NULL;
	a->last = &a->ent[pos];
	return a->last;
}

/* Change state, keeping the stale list in step. */
static void
arp_set_state(struct berth_arp *a, struct arp_entry *e, enum arp_state s)
{
	if (e->state == ARP_STALE)
		TAILQ_REMOVE(&a->stale, e, stale_link);
	if (s == ARP_STALE)
		TAILQ_INSERT_TAIL(&a->stale, e, stale_link);
	e->state = s;
}

static struct rte_mbuf **
arp_ring(const struct berth_arp *a, const struct arp_entry *e)
{
	return &a->queues[(size_t)e->q * a->queue_len];
}

/* Drop what is still queued on e and give its ring back. */
static void
arp_queue_drop(struct berth_stack *st, struct arp_entry *e)
{
	struct berth_arp *a = st->arp;
	struct rte_mbuf **ring = arp_ring(a, e);

	while (e->qlen > 0) {
		DROP(st, ARP_UNRESOLVED, ring[e->qhead]);
		e->qhead = (e->qhead + 1) % a->queue_len;
		e->qlen--;
	}
	a->free_q[a->nb_free_q++] = e->q;
}

/* Send what is queued on e, oldest first, and give its ring back. */
static void
arp_queue_send(struct berth_stack *st, struct arp_entry *e, uint64_t now)
{
	struct berth_arp *a = st->arp;
	struct rte_mbuf **ring = arp_ring(a, e);

	while (e->qlen > 0) {
		eth_output(st, e->ifp, ring[e->qhead], &e->mac, RTE_ETHER_TYPE_IPV4, now);
		e->qhead = (e->qhead + 1) % a->queue_len;
		e->qlen--;
	}
	a->free_q[a->nb_free_q++] = e->q;
}

static void
arp_enqueue(struct berth_stack *st, struct arp_entry *e, struct rte_mbuf *m)
{
	struct berth_arp *a = st->arp;
	struct rte_mbuf **ring = arp_ring(a, e);

	if (e->qlen == a->queue_len) {
		/*
		 * RFC 1122 §2.3.2.2: keep the latest packet, so the oldest
		 * goes. A transport retransmits what it sent first anyway, and
		 * the newest data is what it waits to see acknowledged.
		 */
		DROP(st, ARP_QUEUE_FULL, ring[e->qhead]);
		e->qhead = (e->qhead + 1) % a->queue_len;
		e->qlen--;
	}
	ring[(e->qhead + e->qlen) % a->queue_len] = m;
	e->qlen++;
	STAT_INC(st, ARP_QUEUED);
}

static void
arp_entry_free(struct berth_stack *st, struct arp_entry *e)
{
	struct berth_arp *a = st->arp;

	timer_cancel(&st->wheel, &e->timer);
	if (e->state == ARP_INCOMPLETE)
		arp_queue_drop(st, e);
	arp_set_state(a, e, ARP_FREE);
	rte_hash_del_key(a->hash, &e->addr);
	a->nb_entries--;
}

/* Free the entry that went stale first, if any. */
static bool
arp_evict(struct berth_stack *st)
{
	struct arp_entry *e = TAILQ_FIRST(&st->arp->stale);

	if (e == NULL)
		return false;
	BERTH_LOG(DEBUG, "arp: " IP_FMT " evicted", IP_BYTES(e->addr));
	arp_entry_free(st, e);
	STAT_INC(st, ARP_EVICTED);
	return true;
}

/* A new entry in state FREE, or NULL when the table is full. */
static struct arp_entry *
arp_entry_new(struct berth_stack *st, uint32_t addr, bool may_evict)
{
	struct berth_arp *a = st->arp;
	struct arp_entry *e;
	int pos;

	if (a->nb_entries == a->max_entries && !(may_evict && arp_evict(st)))
		return NULL;
	pos = rte_hash_add_key(a->hash, &addr);
	if (pos < 0) /* the extendable table holds hash_size keys: not expected */
		return NULL;
	e = &a->ent[pos];
	/* Callers look up first; an existing entry is never reset under them. */
	if (unlikely(e->state != ARP_FREE))
		return NULL;
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	timer_init(&e->timer, arp_timer);
	a->nb_entries++;
	return e;
}

/* ---- packets ---- */

/* Build an ARP packet in a fresh mbuf and send it. Returns false if none. */
static bool
arp_send(struct berth_stack *st, struct berth_if *ifp, uint16_t op,
	 const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *tha,
	 uint32_t sip, uint32_t tip, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->pool);
	struct rte_arp_hdr *ah;

	if (unlikely(m == NULL)) {
		DROP_INC(st, NO_MBUF);
		return false;
	}
	/* rte_pktmbuf_alloc leaves RTE_PKTMBUF_HEADROOM for the Ethernet header. */
	ah = (struct rte_arp_hdr *)rte_pktmbuf_append(m, sizeof(*ah));
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(uint32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = ifp->mac;
	ah->arp_data.arp_sip = sip;
	ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = tip;
	eth_output(st, ifp, m, eth_dst, RTE_ETHER_TYPE_ARP, now);
	return true;
}

/*
 * Ask who has tip: broadcast, or unicast to mac when refreshing. The target
 * hardware address is zero, as RFC 5227 §2.1.1 asks (RFC 826: ignored).
 */
static void
arp_request(struct berth_stack *st, struct berth_if *ifp, uint32_t tip,
	    const struct rte_ether_addr *mac, uint64_t now)
{
	if (arp_send(st, ifp, RTE_ARP_OP_REQUEST, mac != NULL ? mac : &bcast_mac, &zero_mac,
		     ifp->addr, tip, now))
		STAT_INC(st, ARP_REQ_TX);
}

void
arp_announce_addr(struct berth_stack *st, struct berth_if *ifp, uint32_t addr, uint64_t now)
{
	/* RFC 5227 §3: a broadcast request with sender IP = target IP = ours. */
	if (arp_send(st, ifp, RTE_ARP_OP_REQUEST, &bcast_mac, &zero_mac, addr, addr, now))
		STAT_INC(st, ARP_GRAT_TX);
}

void
arp_announce(struct berth_stack *st, struct berth_if *ifp, uint64_t now)
{
	arp_announce_addr(st, ifp, ifp->addr, now);
}

/* ---- timers ---- */

static void
arp_expire(struct berth_stack *st, struct arp_entry *e)
{
	BERTH_LOG(DEBUG, "arp: " IP_FMT " expired (%s)", IP_BYTES(e->addr),
		  arp_state_names[e->state]);
	STAT_INC(st, ARP_EXPIRED);
	arp_entry_free(st, e);
}

static void
arp_timer(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct arp_entry *e = container_of(t, struct arp_entry, timer);
	struct berth_arp *a = st->arp;

	switch (e->state) {
	case ARP_INCOMPLETE:
		if (e->tries < ARP_MAX_BCAST) {
			arp_request(st, e->ifp, e->addr, NULL, now);
			e->tries++;
			timer_arm(&st->wheel, &e->timer, now + ARP_RETRY_NS);
			return;
		}
		BERTH_LOG(DEBUG, "arp: " IP_FMT " unresolved after %u requests",
			  IP_BYTES(e->addr), e->tries);
		arp_entry_free(st, e); /* queued packets count as arp_unresolved */
		return;
	case ARP_REACHABLE:
		/* Not proved for a lifetime: keep the MAC, ask when next used. */
		arp_set_state(a, e, ARP_STALE);
		timer_arm(&st->wheel, &e->timer, now + a->reachable_ns);
		return;
	case ARP_STALE:
		arp_expire(st, e); /* unused for a whole lifetime */
		return;
	case ARP_PROBE:
		if (e->tries < ARP_MAX_UNICAST + ARP_MAX_BCAST) {
			/*
			 * RFC 1122 §2.3.2.1 (unicast poll) first; then broadcast
			 * in case the peer moved to another MAC.
			 */
			arp_request(st, e->ifp, e->addr,
				    e->tries < ARP_MAX_UNICAST ? &e->mac : NULL, now);
			e->tries++;
			timer_arm(&st->wheel, &e->timer, now + ARP_RETRY_NS);
			return;
		}
		arp_expire(st, e);
		return;
	default:
		return; /* STATIC and FREE entries have no timer */
	}
}

/* The peer proved that addr is at mac: (re)start its lifetime. */
static void
arp_confirm(struct berth_stack *st, struct arp_entry *e, const struct rte_ether_addr *mac,
	    uint64_t now)
{
	struct berth_arp *a = st->arp;
	enum arp_state was = e->state;

	if (was != ARP_INCOMPLETE && !rte_is_same_ether_addr(&e->mac, mac))
		BERTH_LOG(DEBUG, "arp: " IP_FMT " moved to " RTE_ETHER_ADDR_PRT_FMT,
			  IP_BYTES(e->addr), RTE_ETHER_ADDR_BYTES(mac));
	e->mac = *mac;
	e->confirmed = now;
	e->tries = 0;
	arp_set_state(a, e, ARP_REACHABLE);
	timer_arm(&st->wheel, &e->timer, now + a->reachable_ns);
	if (was == ARP_INCOMPLETE) {
		BERTH_LOG(DEBUG, "arp: " IP_FMT " is-at " RTE_ETHER_ADDR_PRT_FMT,
			  IP_BYTES(e->addr), RTE_ETHER_ADDR_BYTES(mac));
		STAT_INC(st, ARP_RESOLVED);
		arp_queue_send(st, e, now);
	}
}

/* ---- input ---- */

/* RFC 826 "Packet Reception": types and lengths, then the opcode. */
static enum berth_counter
arp_check_format(const struct rte_arp_hdr *ah)
{
	if (ah->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != sizeof(uint32_t))
		return BERTH_DROP_ARP_FORMAT;
	/* RFC 826 looks at the opcode last; we refuse unknown ones up front. */
	if (ah->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	    ah->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return BERTH_DROP_ARP_OP;
	return BERTH_COUNTER_MAX;
}

/*
 * RFC 1122 §3.2.1.3: addresses no host may use as its own. 0.0.0.0 is let
 * through: it is an RFC 5227 §2.1.1 probe, answered and never learned.
 */
static bool
arp_sender_bad(const struct berth_if *ifp, uint32_t spa, const struct rte_ether_addr *sha)
{
	uint32_t h = rte_be_to_cpu_32(spa);

	if (rte_is_multicast_ether_addr(sha) || rte_is_zero_ether_addr(sha))
		return true;
	if (h == 0)
		return false;
	/* 0/8, 127/8, and 224/4 and up: multicast, class E, broadcast. */
	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe ||
	       (ifp->bcast != 0 && spa == ifp->bcast);
}

/*
 * Someone else uses addr, one of ifp's addresses (RFC 5227 §2.4). Rule (c):
 * a configured address is kept and defended, with at most one announcement
 * per DEFEND_INTERVAL; the other host's MAC is never learned for it. The
 * interval is per interface, whichever of its addresses is claimed: a host
 * claiming them all in turn gets one announcement per interval, not one
 * per address.
 */
static void
arp_defend(struct berth_stack *st, struct berth_if *ifp, uint32_t addr,
	   const struct rte_ether_addr *sha, uint64_t now)
{
	struct berth_arp *a = st->arp;
	uint16_t i = ifp->index;

	if (a->defended[i] && now - a->last_defend[i] < ARP_DEFEND_NS)
		return;
	a->defended[i] = true;
	a->last_defend[i] = now;
	BERTH_LOG(WARNING, "arp: " RTE_ETHER_ADDR_PRT_FMT " claims our address " IP_FMT
		  ", defending", RTE_ETHER_ADDR_BYTES(sha), IP_BYTES(addr));
	arp_announce_addr(st, ifp, addr, now);
}

/* RFC 826: "If the pair <protocol type, sender protocol address> is already
 * in my translation table, update the sender hardware address field". */
static bool
arp_merge(struct berth_stack *st, struct berth_if *ifp, uint32_t spa,
	  const struct rte_ether_addr *sha, uint64_t now)
{
	struct arp_entry *e = arp_find(st->arp, spa);

	if (e == NULL)
		return false;
	/* Static entries are the administrator's word, not the wire's. */
	if (e->state == ARP_STATIC)
		return true;
	/* An address heard on another link says nothing about this one. */
	if (e->ifp != ifp)
		return true;
	arp_confirm(st, e, sha, now);
	return true;
}

/*
 * RFC 826: "Am I the target protocol address? Yes: If Merge_flag is false,
 * add the triplet". Learned without being asked, so the entry starts STALE
 * (as RFC 4861 §7.2.3 does): usable at once, the first to be evicted, and
 * gone after a lifetime if we never send to it. It never evicts another
 * entry, so requests from many senders cannot push out entries we use.
 */
static void
arp_learn(struct berth_stack *st, struct berth_if *ifp, uint32_t spa,
	  const struct rte_ether_addr *sha, uint64_t now)
{
	struct berth_arp *a = st->arp;
	struct arp_entry *e = arp_entry_new(st, spa, false);

	if (e == NULL)
		return;
	e->mac = *sha;
	e->ifp = ifp;
	e->confirmed = now;
	arp_set_state(a, e, ARP_STALE);
	timer_arm(&st->wheel, &e->timer, now + a->reachable_ns);
}

/*
 * RFC 826: "Swap hardware and protocol fields, putting the local hardware
 * and protocol addresses in the sender fields. Set the ar$op field to
 * ares_op$REPLY. Send the packet to the (new) target hardware address".
 * The local protocol address is the one asked for (sip), any of ifp's.
 * The request's mbuf is reused when we own it alone; m is consumed.
 */
static void
arp_reply(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m,
	  const struct rte_arp_hdr *req, uint32_t sip, uint64_t now)
{
	struct rte_ether_addr tha = req->arp_data.arp_sha;
	uint32_t tip = req->arp_data.arp_sip;
	struct rte_arp_hdr *ah;

	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 && m->nb_segs == 1 &&
	    rte_pktmbuf_headroom(m) >= sizeof(struct rte_ether_hdr)) {
		/* Drop the request's Ethernet padding. */
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - sizeof(*ah)));
		m->ol_flags = 0;
		m->packet_type = 0;
		ah = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
		ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
		ah->arp_data.arp_tha = tha;
		ah->arp_data.arp_tip = tip;
		ah->arp_data.arp_sha = ifp->mac;
		ah->arp_data.arp_sip = sip;
		eth_output(st, ifp, m, &tha, RTE_ETHER_TYPE_ARP, now);
		STAT_INC(st, ARP_REPLY_TX);
		return;
	}
	if (arp_send(st, ifp, RTE_ARP_OP_REPLY, &tha, &tha, sip, tip, now))
		STAT_INC(st, ARP_REPLY_TX);
	rte_pktmbuf_free(m);
}

void
arp_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m, uint64_t now)
{
	struct rte_arp_hdr ah;
	const struct rte_arp_hdr *p;
	enum berth_counter reason;
	uint32_t spa, tpa;
	bool merged = false;

	STAT_INC(st, ARP_RX);
	if (unlikely(rte_pktmbuf_pkt_len(m) < sizeof(ah))) {
		reason = BERTH_DROP_ARP_SHORT;
		goto drop;
	}
	/* A private copy: the reply may be written over the packet. */
	p = rte_pktmbuf_read(m, 0, sizeof(ah), &ah);
	if (p != &ah)
		memcpy(&ah, p, sizeof(ah));
	reason = arp_check_format(&ah);
	if (unlikely(reason != BERTH_COUNTER_MAX))
		goto drop;

	spa = ah.arp_data.arp_sip;
	tpa = ah.arp_data.arp_tip;
	if (unlikely(arp_sender_bad(ifp, spa, &ah.arp_data.arp_sha))) {
		reason = BERTH_DROP_ARP_SRC;
		goto drop;
	}
	if (unlikely(ipv4_local_if(st, spa) != NULL)) {
		/* Our own announcement looped back is not a conflict. */
		if (rte_is_same_ether_addr(&ah.arp_data.arp_sha, &ifp->mac)) {
			reason = BERTH_DROP_ARP_SRC;
			goto drop;
		}
		if (ipv4_if_has_addr(ifp, spa))
			arp_defend(st, ifp, spa, &ah.arp_data.arp_sha, now);
		reason = BERTH_DROP_ARP_CONFLICT;
		goto drop;
	}

	/* RFC 5227 §2.1.1: a probe (sender 0.0.0.0) says nothing to cache. */
	if (spa != 0)
		merged = arp_merge(st, ifp, spa, &ah.arp_data.arp_sha, now);

	/*
	 * Only the receiving interface's addresses count as "me": answering
	 * for our other interfaces would tie their addresses to this link.
	 */
	if (ipv4_if_has_addr(ifp, tpa)) {
		if (!merged && spa != 0)
			arp_learn(st, ifp, spa, &ah.arp_data.arp_sha, now);
		if (ah.arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST)) {
			arp_reply(st, ifp, m, &ah, tpa, now);
			return;
		}
		rte_pktmbuf_free(m);
		return;
	}
	/* A gratuitous ARP (RFC 5227 §3) is for everyone: merged above, done. */
	if (spa == tpa) {
		rte_pktmbuf_free(m);
		return;
	}
	reason = BERTH_DROP_ARP_NOT_US;
drop:
	st->counters[reason]++;
	rte_pktmbuf_free(m);
}

/* ---- output ---- */

/* A STALE entry is being used: start a refresh unless it is still fresh. */
static void
arp_stale_used(struct berth_stack *st, struct arp_entry *e, uint64_t now)
{
	struct berth_arp *a = st->arp;

	if (now - e->confirmed < a->reachable_ns) {
		/* Learned from a request a moment ago: no need to ask. */
		arp_set_state(a, e, ARP_REACHABLE);
		timer_arm(&st->wheel, &e->timer, e->confirmed + a->reachable_ns);
		return;
	}
	/* RFC 1122 §2.3.2.1: unicast poll; the cached MAC is used meanwhile. */
	arp_set_state(a, e, ARP_PROBE);
	arp_request(st, e->ifp, e->addr, &e->mac, now);
	e->tries = 1;
	timer_arm(&st->wheel, &e->timer, now + ARP_RETRY_NS);
}

/* No entry for nexthop: create an INCOMPLETE one, queue m, ask. */
static void
arp_resolve(struct berth_stack *st, struct berth_if *ifp, uint32_t nexthop,
	    struct rte_mbuf *m, uint64_t now)
{
	struct berth_arp *a = st->arp;
	struct arp_entry *e;

	if (a->nb_free_q == 0) {
		DROP(st, ARP_INCOMPLETE_FULL, m);
		return;
	}
	e = arp_entry_new(st, nexthop, true);
	if (e == NULL) {
		DROP(st, ARP_TABLE_FULL, m);
		return;
	}
	e->ifp = ifp;
	e->q = a->free_q[--a->nb_free_q];
	arp_set_state(a, e, ARP_INCOMPLETE);
	arp_enqueue(st, e, m);
	arp_request(st, ifp, nexthop, NULL, now);
	e->tries = 1;
	timer_arm(&st->wheel, &e->timer, now + ARP_RETRY_NS);
}

void
arp_output(struct berth_stack *st, struct berth_if *ifp, uint32_t nexthop,
	   struct rte_mbuf *m, uint64_t now)
{
	struct arp_entry *e;
	uint32_t h;

	/* RFC 1122 §3.3.6: broadcasts go to the link broadcast, unresolved. */
	if (nexthop == RTE_BE32(UINT32_MAX) || (ifp->bcast != 0 && nexthop == ifp->bcast)) {
		eth_output(st, ifp, m, &bcast_mac, RTE_ETHER_TYPE_IPV4, now);
		return;
	}
	h = rte_be_to_cpu_32(nexthop);
	if ((h >> 28) == 0xe) { /* 224/4 (RTE_IS_IPV4_MCAST shifts an int: UB) */
		/* RFC 1112 §6.4: 01-00-5E and the group's low 23 bits. */
		struct rte_ether_addr mc = {{0x01, 0x00, 0x5e, (uint8_t)((h >> 16) & 0x7f),
					     (uint8_t)(h >> 8), (uint8_t)h}};

		eth_output(st, ifp, m, &mc, RTE_ETHER_TYPE_IPV4, now);
		return;
	}

	e = arp_find(st->arp, nexthop);
	if (e == NULL) {
		arp_resolve(st, ifp, nexthop, m, now);
		return;
	}
	switch (e->state) {
	case ARP_INCOMPLETE:
		/* RFC 1122 §2.3.2.1: the request already out is enough. */
		arp_enqueue(st, e, m);
		return;
	case ARP_STALE:
		arp_stale_used(st, e, now);
		break;
	default:
		break;
	}
	eth_output(st, ifp, m, &e->mac, RTE_ETHER_TYPE_IPV4, now);
}

/* ---- administration ---- */

int
berth_arp_add_static(struct berth_stack *st, uint32_t addr, const struct rte_ether_addr *mac)
{
	struct berth_arp *a = st->arp;
	struct arp_entry *e;
	enum arp_state was;

	if (addr == 0 || mac == NULL || rte_is_multicast_ether_addr(mac) ||
	    rte_is_zero_ether_addr(mac))
		return -EINVAL;
	e = arp_find(a, addr);
	if (e == NULL) {
		e = arp_entry_new(st, addr, true);
		if (e == NULL)
			return -ENOSPC;
	}
	was = e->state;
	timer_cancel(&st->wheel, &e->timer);
	e->mac = *mac;
	e->tries = 0;
	arp_set_state(a, e, ARP_STATIC);
	if (was == ARP_INCOMPLETE) {
		STAT_INC(st, ARP_RESOLVED);
		/* No time is passed to this API: the last poll's is close enough. */
		arp_queue_send(st, e, st->now);
	}
	return 0;
}

int
berth_arp_delete(struct berth_stack *st, uint32_t addr)
{
	struct arp_entry *e = arp_find(st->arp, addr);

	if (e == NULL)
		return -ENOENT;
	arp_entry_free(st, e);
	return 0;
}

unsigned int
arp_cache_size(const struct berth_stack *st)
{
	return st->arp->nb_entries;
}

const char *
arp_cache_state(const struct berth_stack *st, uint32_t addr, struct rte_ether_addr *mac)
{
	const struct arp_entry *e = arp_find(st->arp, addr);

	if (e == NULL)
		return NULL;
	if (mac != NULL)
		*mac = e->mac;
	return arp_state_names[e->state];
}

/* ---- lifecycle ---- */

int
arp_init(struct berth_stack *st)
{
	static atomic_uint instance; /* only makes hash names unique */
	struct rte_hash_parameters hp;
	char name[RTE_HASH_NAMESIZE];
	struct berth_arp *a;
	uint32_t i;

	a = rte_zmalloc_socket("berth_arp", sizeof(*a), RTE_CACHE_LINE_SIZE, st->socket_id);
	if (a == NULL)
		return -ENOMEM;
	st->arp = a;
	TAILQ_INIT(&a->stale);
	a->max_entries = st->conf.arp_entries;
	a->queue_len = st->conf.arp_queue_len;
	a->reachable_ns = st->conf.arp_reachable_ns;
	/* Policy, not RFC: a quarter of the table may await resolution. */
	a->max_incomplete = RTE_MAX(a->max_entries / 4, 1u);
	a->hash_size = RTE_MAX(a->max_entries, (uint32_t)ARP_HASH_MIN);

	memset(&hp, 0, sizeof(hp));
	snprintf(name, sizeof(name), "berth_arp%u", atomic_fetch_add(&instance, 1));
	hp.name = name;
	hp.entries = a->hash_size;
	hp.key_len = sizeof(uint32_t);
	hp.hash_func = rte_hash_crc;
	/* A secret seed: peers cannot aim their addresses at one bucket. */
	hp.hash_func_init_val = randombytes_random();
	hp.socket_id = st->socket_id;
	/* Extendable buckets: every one of hash_size keys fits, always. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	a->hash = rte_hash_create(&hp);
	if (a->hash == NULL)
		return -ENOMEM;

	a->ent = rte_zmalloc_socket("berth_arp_ent", (size_t)a->hash_size * sizeof(*a->ent),
				    RTE_CACHE_LINE_SIZE, st->socket_id);
	a->queues = rte_zmalloc_socket("berth_arp_q", (size_t)a->max_incomplete *
				       a->queue_len * sizeof(*a->queues), RTE_CACHE_LINE_SIZE,
				       st->socket_id);
	a->free_q = rte_zmalloc_socket("berth_arp_fq", (size_t)a->max_incomplete *
				       sizeof(*a->free_q), RTE_CACHE_LINE_SIZE, st->socket_id);
	if (a->ent == NULL || a->queues == NULL || a->free_q == NULL)
		return -ENOMEM;
	for (i = 0; i < a->max_incomplete; i++)
		a->free_q[i] = a->max_incomplete - 1 - i;
	a->nb_free_q = a->max_incomplete;
	return 0;
}

void
arp_fini(struct berth_stack *st)
{
	struct berth_arp *a = st->arp;
	uint32_t i;

	if (a == NULL)
		return;
	if (a->ent != NULL && a->hash != NULL)
		for (i = 0; i < a->hash_size; i++)
			if (a->ent[i].state != ARP_FREE)
				arp_entry_free(st, &a->ent[i]);
	rte_hash_free(a->hash);
	rte_free(a->ent);
	rte_free(a->queues);
	rte_free(a->free_q);
	rte_free(a);
	st->arp = NULL;
}
