/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-memory wire: an Ethernet segment inside one process joining the
 * devices of several stacks, with a seeded model of loss, duplication,
 * corruption, reordering and delay on the stacks' (virtual) clock.
 *
 * Call chain: berth_stack_poll -> dev_tx_flush -> wire_tx (impair, switch,
 *             queue at each receiver ordered by delivery time)
 *             berth_stack_poll -> dev_rx_burst -> wire_rx (frames due by now)
 *
 * Each frame sent goes through, in this order: the NIC part (unshare, TX
 * checksum offload emulation), loss, duplication, then per copy corruption,
 * reordering and delay + jitter, then the switch (unicast to the endpoint
 * that owns the destination MAC, flood otherwise). Every random choice comes
 * from one xoshiro256** generator per wire seeded with splitmix64 (Blackman
 * and Vigna, "Scrambled linear pseudorandom number generators", 2021) and
 * drawn in a fixed order, so a seed and a sequence of calls give one run.
 * rte_rand is not used: it is process-wide and seeded from the clock.
 *
 * Read first: IEEE 802.1D §7.7 (forwarding by destination address, flooding
 * of unknown and group addresses), RFC 1071 (the checksums the offload
 * emulation computes and verifies).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <berth/wire.h>

#include "core.h"
#include "dev.h"

#define WIRE_MAX_EPS 32
#define WIRE_QUEUE_DEFAULT 4096
#define WIRE_HEAP_MIN 64

#define WIRE_OFF_TX (BERTH_DEV_OFF_TX_IPV4_CKSUM | BERTH_DEV_OFF_TX_UDP_CKSUM | \
		     BERTH_DEV_OFF_TX_TCP_CKSUM)
#define WIRE_OFF_RX (BERTH_DEV_OFF_RX_IPV4_CKSUM | BERTH_DEV_OFF_RX_L4_CKSUM)

/* A frame travelling to one endpoint. */
struct wire_frame {
	uint64_t at;             /* delivery time, ns */
	uint64_t seq;            /* wire-wide send order: ties keep it */
	struct rte_mbuf *m;
};

/* One endpoint: its device and its receive queue (a binary min-heap). */
struct wire_ep {
	struct berth_wire *w;    /* NULL once the wire is destroyed */
	struct berth_dev *dev;
	struct wire_frame *heap;
	uint32_t len, cap;
};

struct berth_wire {
	struct berth_wire_conf conf;
	struct rte_mempool *pool;
	uint64_t s[4];           /* xoshiro256** state */
	uint64_t seq;
	unsigned int id;
	unsigned int nb_eps;
	struct wire_ep *eps[WIRE_MAX_EPS];
	struct berth_wire_stats stats;
};

/* ---- PRNG: splitmix64 to seed, xoshiro256** to draw ---- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct berth_wire *w)
{
	uint64_t *s = w->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static void
rng_seed(struct berth_wire *w, uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		w->s[i] = splitmix64(&seed);
}

/* Uniform in [0, 1) with 53 bits. */
static double
rng_double(struct berth_wire *w)
{
	return (double)(rng_next(w) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < n / 2^64). */
static uint64_t
rng_below(struct berth_wire *w, uint64_t n)
{
	return (uint64_t)(((__uint128_t)rng_next(w) * n) >> 64);
}

/* A draw only when the probability is non-zero keeps a perfect wire cheap. */
static bool
rng_chance(struct berth_wire *w, double p)
{
	return p > 0.0 && rng_double(w) < p;
}

/* ---- receive queues: min-heap on (at, seq) ---- */

static inline bool
frame_before(const struct wire_frame *a, const struct wire_frame *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_push(struct wire_ep *ep, const struct wire_frame *f)
{
	uint32_t i = ep->len++, parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!frame_before(f, &ep->heap[parent]))
			break;
		ep->heap[i] = ep->heap[parent];
		i = parent;
	}
	ep->heap[i] = *f;
}

static struct rte_mbuf *
heap_pop(struct wire_ep *ep)
{
	struct rte_mbuf *top = ep->heap[0].m;
	struct wire_frame last = ep->heap[--ep->len];
	uint32_t i = 0, child;

	while ((child = 2 * i + 1) < ep->len) {
		if (child + 1 < ep->len && frame_before(&ep->heap[child + 1], &ep->heap[child]))
			child++;
		if (!frame_before(&ep->heap[child], &last))
			break;
		ep->heap[i] = ep->heap[child];
		i = child;
	}
	if (ep->len > 0)
		ep->heap[i] = last;
	return top;
}

static void
ep_flush_queue(struct wire_ep *ep)
{
	while (ep->len > 0)
		rte_pktmbuf_free(ep->heap[--ep->len].m);
}

/* Queue m for ep at time at; frees m on overflow. */
static void
ep_enqueue(struct berth_wire *w, struct wire_ep *ep, struct rte_mbuf *m, uint64_t at)
{
	struct wire_frame f = { .at = at, .seq = w->seq++, .m = m };
	uint32_t limit = w->conf.queue_len;

	if (ep->len >= limit) {
		w->stats.overflow++;
		rte_pktmbuf_free(m);
		return;
	}
	if (ep->len == ep->cap) {
		uint32_t cap = ep->cap < WIRE_HEAP_MIN / 2 ? WIRE_HEAP_MIN : ep->cap * 2;
		struct wire_frame *heap;

		if (cap > limit)
			cap = limit;
		heap = rte_realloc(ep->heap, cap * sizeof(*heap), 0);

		if (heap == NULL) {
			w->stats.nomem++;
			rte_pktmbuf_free(m);
			return;
		}
		ep->heap = heap;
		ep->cap = cap;
	}
	heap_push(ep, &f);
}

/* ---- frame helpers ---- */

/* Does the wire own every byte of m? Clones share data with the sender. */
static bool
frame_exclusive(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

/*
 * Like a NIC, which reads the bytes and lets the sender reuse its buffer,
 * give the receiver a frame of its own: a sender may still hold a clone
 * (retransmit queue, fragments of one payload), and the receiver and the
 * corruption model write into frames.
 */
static struct rte_mbuf *
frame_unshare(struct berth_wire *w, struct rte_mbuf *m)
{
	struct rte_mbuf *c;

	if (frame_exclusive(m))
		return m;
	c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	if (c == NULL)
		w->stats.nomem++;
	return c;
}

/* Fresh receive metadata: nothing the sender set travels with the frame. */
static void
frame_reset_meta(struct rte_mbuf *m)
{
	/* Attachment flags say how to free the buffer: they stay. */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	m->packet_type = 0;
	m->tx_offload = 0;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->hash.rss = 0;
	m->port = RTE_MBUF_PORT_INVALID;
}

/* Flip bit (pos % 8) of byte (pos / 8) of the frame, wherever it lies. */
static void
frame_flip_bit(struct rte_mbuf *m, uint64_t pos)
{
	uint32_t off = (uint32_t)(pos / 8);
	struct rte_mbuf *seg = m;

	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	if (seg != NULL)
		*rte_pktmbuf_mtod_offset(seg, uint8_t *, off) ^= (uint8_t)(1u << (pos % 8));
}

/*
 * TX checksum offload as a NIC does it: from the l2_len/l3_len the stack
 * set, into the first segment. Headers that do not match those lengths are
 * left as they are, so the receiver's check exposes the sender's bug.
 */
static void
tx_cksum_emulate(struct rte_mbuf *m, uint32_t offloads)
{
	uint64_t fl = m->ol_flags, l4 = fl & RTE_MBUF_F_TX_L4_MASK;
	bool do_ip = (fl & RTE_MBUF_F_TX_IP_CKSUM) && (offloads & BERTH_DEV_OFF_TX_IPV4_CKSUM);
	bool do_udp = l4 == RTE_MBUF_F_TX_UDP_CKSUM && (offloads & BERTH_DEV_OFF_TX_UDP_CKSUM);
	bool do_tcp = l4 == RTE_MBUF_F_TX_TCP_CKSUM && (offloads & BERTH_DEV_OFF_TX_TCP_CKSUM);
	const struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	uint32_t l4_min = do_tcp ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);

	if (!do_ip && !do_udp && !do_tcp)
		return;
	if (m->l2_len != sizeof(*eh) || m->l3_len < sizeof(*ip) ||
	    rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + ((do_udp || do_tcp) ? l4_min : 0))
		return;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 || rte_ipv4_hdr_len(ip) != m->l3_len)
		return;
	if (do_ip) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (do_udp || do_tcp) {
		uint16_t l4_off = (uint16_t)(m->l2_len + m->l3_len), ck = 0;
		uint32_t tlen = rte_be_to_cpu_16(ip->total_length);
		uint8_t *field;

		if (tlen < m->l3_len + l4_min || m->l2_len + tlen > rte_pktmbuf_pkt_len(m))
			return;
		field = rte_pktmbuf_mtod_offset(m, uint8_t *, l4_off +
			(do_udp ? offsetof(struct rte_udp_hdr, dgram_cksum)
				: offsetof(struct rte_tcp_hdr, cksum)));
		memcpy(field, &ck, sizeof(ck));
		ck = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4_off);
		memcpy(field, &ck, sizeof(ck));
	}
}

/*
 * RX checksum offload: verify as a NIC would and report GOOD/BAD per layer.
 * Non-IPv4 frames, fragments and UDP without checksum (RFC 768: zero means
 * none) get no L4 verdict (UNKNOWN), leaving the decision to the stack.
 */
static uint64_t
rx_cksum_flags(const struct rte_mbuf *m, uint32_t offloads)
{
	struct rte_ipv4_hdr ipbuf[3]; /* room for 60 bytes of header */
	const struct rte_ether_hdr *eh;
	struct rte_ether_hdr ehbuf;
	const struct rte_ipv4_hdr *ip;
	uint64_t fl = 0;
	uint32_t hlen, tlen, l4_off;
	bool ip_ok;

	eh = rte_pktmbuf_read(m, 0, sizeof(ehbuf), &ehbuf);
	if (eh == NULL || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return 0;
	ip = rte_pktmbuf_read(m, sizeof(*eh), sizeof(*ip), ipbuf);
	if (ip == NULL || (ip->version_ihl >> 4) != 4)
		return 0;
	hlen = rte_ipv4_hdr_len(ip);
	if (hlen < sizeof(*ip))
		return (offloads & BERTH_DEV_OFF_RX_IPV4_CKSUM) ? RTE_MBUF_F_RX_IP_CKSUM_BAD : 0;
	ip = rte_pktmbuf_read(m, sizeof(*eh), hlen, ipbuf);
	if (ip == NULL)
		return 0;
	ip_ok = rte_raw_cksum(ip, hlen) == 0xffff; /* RFC 1071 §1: sums to all ones */
	if (offloads & BERTH_DEV_OFF_RX_IPV4_CKSUM)
		fl |= ip_ok ? RTE_MBUF_F_RX_IP_CKSUM_GOOD : RTE_MBUF_F_RX_IP_CKSUM_BAD;

	if (!(offloads & BERTH_DEV_OFF_RX_L4_CKSUM) || !ip_ok)
		return fl;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						   RTE_IPV4_HDR_OFFSET_MASK))
		return fl;
	tlen = rte_be_to_cpu_16(ip->total_length);
	l4_off = sizeof(*eh) + hlen;
	if (tlen < hlen || sizeof(*eh) + tlen > rte_pktmbuf_pkt_len(m))
		return fl;
	if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr ubuf;
		const struct rte_udp_hdr *uh;

		if (tlen - hlen < sizeof(ubuf))
			return fl;
		uh = rte_pktmbuf_read(m, l4_off, sizeof(ubuf), &ubuf);
		if (uh->dgram_cksum == 0)
			return fl;
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		if (tlen - hlen < sizeof(struct rte_tcp_hdr))
			return fl;
	} else {
		return fl;
	}
	fl |= rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, (uint16_t)l4_off) == 0 ?
		RTE_MBUF_F_RX_L4_CKSUM_GOOD : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	return fl;
}

/* ---- switching ---- */

static struct wire_ep *
wire_owner(struct berth_wire *w, const struct rte_ether_addr *mac)
{
	unsigned int i;

	for (i = 0; i < w->nb_eps; i++)
		if (rte_is_same_ether_addr(&w->eps[i]->dev->mac, mac))
			return w->eps[i];
	return NULL;
}

/*
 * IEEE 802.1D §7.7: a known unicast address goes out one port; group and
 * unknown addresses are flooded to every port but the one it came in on.
 */
static void
wire_switch(struct berth_wire *w, struct wire_ep *from, struct rte_mbuf *m, uint64_t at)
{
	const struct rte_ether_hdr *eh;
	struct rte_ether_hdr ehbuf;
	struct wire_ep *to = NULL, *first = NULL;
	unsigned int i;

	eh = rte_pktmbuf_read(m, 0, sizeof(ehbuf), &ehbuf);
	if (eh != NULL && !rte_is_multicast_ether_addr(&eh->dst_addr))
		to = wire_owner(w, &eh->dst_addr);
	if (to != NULL && to != from) {
		ep_enqueue(w, to, m, at);
		return;
	}
	for (i = 0; i < w->nb_eps; i++) {
		struct wire_ep *ep = w->eps[i];
		struct rte_mbuf *c;

		if (ep == from)
			continue;
		if (first == NULL) {
			first = ep; /* gets m itself, after the copies are made */
			continue;
		}
		c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (c == NULL) {
			w->stats.nomem++;
			continue;
		}
		ep_enqueue(w, ep, c, at);
	}
	if (first != NULL) {
		ep_enqueue(w, first, m, at);
	} else {
		w->stats.no_dest++;
		rte_pktmbuf_free(m);
	}
}

/* Corruption, reordering and delay of one copy, then the switch. */
static void
wire_carry(struct berth_wire *w, struct wire_ep *from, struct rte_mbuf *m, uint64_t now)
{
	const struct berth_wire_conf *c = &w->conf;
	uint64_t at = now + c->delay_ns;

	if (rng_chance(w, c->corrupt) && rte_pktmbuf_pkt_len(m) > 0) {
		frame_flip_bit(m, rng_below(w, (uint64_t)rte_pktmbuf_pkt_len(m) * 8));
		w->stats.corrupted++;
	}
	if (rng_chance(w, c->reorder)) {
		at += c->reorder_ns;
		w->stats.reordered++;
	}
	if (c->jitter_ns > 0)
		at += rng_below(w, c->jitter_ns);
	wire_switch(w, from, m, at);
}

static uint16_t
wire_tx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire_ep *ep = dev->priv;
	struct berth_wire *w = ep->w;
	uint16_t i;

	if (w == NULL) {
		/* The wire is gone: like a cable pulled out, frames vanish. */
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = frame_unshare(w, pkts[i]), *dup = NULL;

		w->stats.sent++;
		if (m == NULL)
			continue;
		tx_cksum_emulate(m, dev->offloads);
		frame_reset_meta(m);
		if (rng_chance(w, w->conf.loss)) {
			w->stats.lost++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (rng_chance(w, w->conf.duplicate)) {
			/* Copied before corruption: each copy travels on its own. */
			dup = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
			if (dup != NULL)
				w->stats.duplicated++;
			else
				w->stats.nomem++;
		}
		wire_carry(w, ep, m, now);
		if (dup != NULL)
			wire_carry(w, ep, dup, now);
	}
	return n;
}

static uint16_t
wire_rx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire_ep *ep = dev->priv;
	uint32_t rx_off = dev->offloads & WIRE_OFF_RX;
	uint16_t i = 0;

	if (ep->w == NULL)
		return 0;
	while (i < n && ep->len > 0 && ep->heap[0].at <= now) {
		struct rte_mbuf *m = heap_pop(ep);

		if (rx_off != 0)
			m->ol_flags |= rx_cksum_flags(m, rx_off);
		pkts[i++] = m;
	}
	ep->w->stats.delivered += i;
	return i;
}

static void
wire_detach(struct berth_wire *w, struct wire_ep *ep)
{
	unsigned int i;

	for (i = 0; i < w->nb_eps; i++) {
		if (w->eps[i] != ep)
			continue;
		/* Keep attach order: flooding order is part of a reproducible run. */
		memmove(&w->eps[i], &w->eps[i + 1], (w->nb_eps - i - 1) * sizeof(w->eps[0]));
		w->nb_eps--;
		break;
	}
	ep->w = NULL;
}

static void
wire_close(struct berth_dev *dev)
{
	struct wire_ep *ep = dev->priv;

	if (ep == NULL)
		return;
	ep_flush_queue(ep);
	if (ep->w != NULL)
		wire_detach(ep->w, ep);
	rte_free(ep->heap);
	rte_free(ep);
	dev->priv = NULL;
}

static const struct berth_dev_ops wire_ops = {
	.rx_burst = wire_rx,
	.tx_burst = wire_tx,
	.close = wire_close,
};

/* ---- public API ---- */

static int
conf_check(const struct berth_wire_conf *c)
{
	/* Written so that NaN fails too. */
	if (!(c->loss >= 0.0 && c->loss <= 1.0) ||
	    !(c->duplicate >= 0.0 && c->duplicate <= 1.0) ||
	    !(c->corrupt >= 0.0 && c->corrupt <= 1.0) ||
	    !(c->reorder >= 0.0 && c->reorder <= 1.0))
		return -EINVAL;
	if ((c->offloads & ~(WIRE_OFF_TX | WIRE_OFF_RX)) != 0)
		return -EINVAL;
	return 0;
}

static void
conf_apply(struct berth_wire *w, const struct berth_wire_conf *c)
{
	uint64_t seed = w->conf.seed;
	uint32_t offloads = w->conf.offloads;

	w->conf = *c;
	w->conf.seed = seed;
	w->conf.offloads = offloads;
	if (w->conf.queue_len == 0)
		w->conf.queue_len = WIRE_QUEUE_DEFAULT;
}

struct berth_wire *
berth_wire_create(const struct berth_wire_conf *conf, struct rte_mempool *pool)
{
	static unsigned int next_id; /* names only; wires are made on the main lcore */
	struct berth_wire_conf perfect = { .seed = 1 };
	struct berth_wire *w;

	if (conf == NULL)
		conf = &perfect;
	if (pool == NULL || conf_check(conf) < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc("berth_wire", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->pool = pool;
	w->id = next_id++;
	w->conf.seed = conf->seed;
	w->conf.offloads = conf->offloads;
	conf_apply(w, conf);
	rng_seed(w, conf->seed);
	BERTH_LOG(DEBUG, "wire%u: seed %" PRIu64 " loss %g dup %g corrupt %g reorder %g "
		  "delay %" PRIu64 " ns jitter %" PRIu64 " ns", w->id, conf->seed, conf->loss,
		  conf->duplicate, conf->corrupt, conf->reorder, conf->delay_ns, conf->jitter_ns);
	return w;
}

void
berth_wire_set_conf(struct berth_wire *w, const struct berth_wire_conf *conf)
{
	if (conf_check(conf) < 0) {
		BERTH_LOG(WARNING, "wire%u: invalid impairments ignored", w->id);
		return;
	}
	conf_apply(w, conf);
}

struct berth_dev *
berth_wire_attach(struct berth_wire *w, const struct rte_ether_addr *mac, uint16_t mtu)
{
	struct berth_dev *dev;
	struct wire_ep *ep;
	char name[32];

	if (mac == NULL || !rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (wire_owner(w, mac) != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (w->nb_eps == WIRE_MAX_EPS) {
		rte_errno = ENOSPC;
		return NULL;
	}
	ep = rte_zmalloc("berth_wire_ep", sizeof(*ep), RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "wire%u.%u", w->id, w->nb_eps);
	dev = ep != NULL ? dev_alloc(&wire_ops, name, SOCKET_ID_ANY) : NULL;
	if (dev == NULL) {
		rte_free(ep);
		rte_errno = ENOMEM;
		return NULL;
	}
	ep->w = w;
	ep->dev = dev;
	dev->priv = ep;
	dev->mac = *mac;
	if (mtu != 0)
		dev->mtu = mtu;
	/* Frames are copied or passed whole: chains are fine. */
	dev->offloads = w->conf.offloads | BERTH_DEV_OFF_TX_MULTI_SEG;
	w->eps[w->nb_eps++] = ep;
	return dev;
}

unsigned int
berth_wire_in_flight(const struct berth_wire *w)
{
	unsigned int i, n = 0;

	for (i = 0; i < w->nb_eps; i++)
		n += w->eps[i]->len;
	return n;
}

void
berth_wire_stats(const struct berth_wire *w, struct berth_wire_stats *s)
{
	*s = w->stats;
}

void
berth_wire_destroy(struct berth_wire *w)
{
	if (w == NULL)
		return;
	if (w->nb_eps > 0)
		BERTH_LOG(WARNING, "wire%u destroyed with %u endpoints attached", w->id,
			  w->nb_eps);
	/* Endpoints still attached keep working as unplugged devices. */
	while (w->nb_eps > 0) {
		struct wire_ep *ep = w->eps[0];

		ep_flush_queue(ep);
		wire_detach(w, ep);
	}
	rte_free(w);
}
