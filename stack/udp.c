/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP: datagram input and demultiplexing, the bind table with ephemeral
 * ports, output, ICMP errors, and the socket operations behind the public
 * berth_sock_* calls for BERTH_SOCK_DGRAM.
 *
 * Call chain: ipv4_input -> udp_input -> udp_demux -> socket receive queue
 *             -> sock_notify (event after the burst) -> berth_sock_recvfrom
 *             berth_sock_sendto -> udp_sendto -> udp_output -> ipv4_output
 *             icmp_input -> udp_icmp_error -> sock_set_error
 *
 * Read first: RFC 768 (UDP), RFC 1122 §4.1 (UDP requirements for hosts),
 * RFC 6056 §3.3.1 (ephemeral port selection), RFC 1122 §3.2.2.1 (port
 * unreachable).
 *
 * Binding follows Linux without SO_REUSEADDR: one socket per (address,
 * port); a wildcard binding excludes every specific one on its port and the
 * other way round. The table is an rte_hash keyed by (address, port), plus a
 * count of bindings per port, so that conflicts and ephemeral probing are
 * O(1) per port, and a bit per port that has the wildcard binding: that
 * binding is then the only one there, so a datagram costs one lookup.
 *
 * Readiness: BERTH_EV_READABLE is edge-triggered. It is raised when a
 * socket's receive queue goes from empty to non-empty; a datagram that joins
 * a non-empty queue raises nothing. After the event the application reads
 * until -EAGAIN, or it gets no new event for what it left queued.
 *
 * Receive buffer accounting: each queued datagram is charged its payload
 * plus the mbuf headers it pins (sizeof(struct rte_mbuf) per segment), so
 * that a flood of empty datagrams cannot hold the pool. A datagram is dropped
 * when the charge would exceed the receive buffer, except into an empty
 * queue: like Linux ("always allow at least one packet"), a datagram larger
 * than a small buffer is still deliverable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_random.h>
#include <rte_udp.h>

#include <berth/socket.h>

#include "cksum.h"
#include "core.h"
#include "pktq.h"

/* RFC 768 over IPv4: 65535 - 20 (IPv4 header) - 8 (UDP header). */
#define UDP_MAX_PAYLOAD 65507
/* BERTH_SO_RCVBUF bounds. */
#define UDP_RCVBUF_MIN 2048
#define UDP_RCVBUF_MAX (16 * 1024 * 1024)
/* RFC 1122 §3.2.2.1: destination unreachable code 3, port unreachable. */
#define ICMP_CODE_PORT_UNREACH 3

/* Bind table key; pad is always zero so that the hash sees every byte set. */
struct udp_key {
	uint32_t addr;       /* network order, 0: wildcard */
	uint16_t port;       /* network order */
	uint16_t pad;
};

struct berth_udp {
	struct rte_hash *binds;        /* struct udp_key -> struct udp_sock * */
	uint32_t nb_binds;             /* at most conf.max_bindings */
	uint16_t port_users[65536];    /* bindings per port (host order) */
	uint64_t port_wild[65536 / 64]; /* ports (host order) bound to the wildcard */
};

struct udp_sock {
	struct berth_sock so;          /* first: socket.c sees only this */
	uint32_t laddr;                /* bound address, 0: wildcard */
	uint16_t lport;                /* bound port, network order; 0: unbound */
	bool connected;
	uint32_t faddr;                /* peer when connected, network order */
	uint16_t fport;
	uint32_t conn_src;             /* route's source when laddr is 0 and connected */
	uint32_t rcvbuf;               /* BERTH_SO_RCVBUF */
	uint32_t rcv_charge;           /* charged bytes queued (see preamble) */
	struct pktq rq;                /* datagrams queued, headers kept */
};

static const struct berth_sock_ops udp_ops;

static inline struct udp_sock *
udp_sk(struct berth_sock *so)
{
	return (struct udp_sock *)so;
}

/* ---- lifecycle ---- */

int
udp_init(struct berth_stack *st)
{
	struct rte_hash_parameters hp;
	char name[RTE_HASH_NAMESIZE];
	struct berth_udp *u;
	int off;

	off = pktq_register();
	if (off < 0)
		return off;
	u = rte_zmalloc_socket("berth_udp", sizeof(*u), RTE_CACHE_LINE_SIZE, st->socket_id);
	if (u == NULL)
		return -ENOMEM;

	snprintf(name, sizeof(name), "berth_udp_%" PRIxPTR, (uintptr_t)st);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	/* conf.max_bindings (nb_binds enforces it); rte_hash wants a bucket's worth. */
	hp.entries = RTE_MAX(st->conf.max_bindings, 8u);
	hp.key_len = sizeof(struct udp_key);
	hp.socket_id = st->socket_id;
	/* Extendable buckets: every one of the entries fits, whatever the keys. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	u->binds = rte_hash_create(&hp);
	if (u->binds == NULL) {
		rte_free(u);
		return -ENOMEM;
	}
	st->udp = u;
	return 0;
}

void
udp_fini(struct berth_stack *st)
{
	struct berth_udp *u = st->udp;

	if (u == NULL)
		return;
	rte_hash_free(u->binds);
	rte_free(u);
	st->udp = NULL;
}

/* ---- mbuf helpers ---- */

/* Cut a chain to len bytes, freeing segments past the end. */
static void
mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t nb = 1;

	while (left > rte_pktmbuf_data_len(seg) && seg->next != NULL) {
		left -= rte_pktmbuf_data_len(seg);
		seg = seg->next;
		nb++;
	}
	seg->data_len = (uint16_t)left;
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->nb_segs = nb;
	m->pkt_len = len;
}

/* Remove off bytes from the front of a chain; leading segments emptied are freed. */
static struct rte_mbuf *
mbuf_strip(struct rte_mbuf *m, uint32_t off)
{
	while (off > 0 && off >= rte_pktmbuf_data_len(m) && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		off -= rte_pktmbuf_data_len(m);
		next->pkt_len = m->pkt_len - rte_pktmbuf_data_len(m);
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	rte_pktmbuf_adj(m, (uint16_t)off);
	return m;
}

/* ---- bind table ---- */

static struct udp_sock *
bind_find(const struct berth_udp *u, uint32_t addr, uint16_t port)
{
	struct udp_key k = { .addr = addr, .port = port, .pad = 0 };
	void *data;

	if (rte_hash_lookup_data(u->binds, &k, &data) < 0)
		return NULL;
	return data;
}

static bool
port_is_wild(const struct berth_udp *u, uint16_t hport)
{
	return (u->port_wild[hport / 64] >> (hport % 64)) & 1;
}

static void
port_set_wild(struct berth_udp *u, uint16_t hport, bool wild)
{
	if (wild)
		u->port_wild[hport / 64] |= UINT64_C(1) << (hport % 64);
	else
		u->port_wild[hport / 64] &= ~(UINT64_C(1) << (hport % 64));
}

/*
 * Find the socket bound to (addr, port): the exact address, else the
 * wildcard. A wildcard binding excludes every other on its port (see
 * preamble), so one lookup, of the one that can exist, answers.
 */
static struct udp_sock *
bind_lookup(const struct berth_udp *u, uint32_t addr, uint16_t port)
{
	uint16_t hport = rte_be_to_cpu_16(port);

	/* Nobody on the port: no hash lookup at all (port scans, floods). */
	if (u->port_users[hport] == 0)
		return NULL;
	return bind_find(u, port_is_wild(u, hport) ? 0 : addr, port);
}

/* Linux semantics without SO_REUSEADDR (see preamble). */
static bool
bind_conflict(const struct berth_udp *u, uint32_t addr, uint16_t port)
{
	if (addr == 0)
		return u->port_users[rte_be_to_cpu_16(port)] > 0;
	return port_is_wild(u, rte_be_to_cpu_16(port)) || bind_find(u, addr, port) != NULL;
}

/*
 * RFC 6056 §3.3.1 (Algorithm 1, simple port randomization): random start in
 * the configured range, then linear probe for a port nobody holds on any
 * address, so it is free whatever address the socket binds.
 */
static int
ephemeral_port(struct berth_stack *st, uint16_t *port)
{
	const struct berth_udp *u = st->udp;
	uint32_t lo = st->conf.ephemeral_lo, hi = st->conf.ephemeral_hi;
	uint32_t n = hi - lo + 1, start = (uint32_t)rte_rand_max(n), i;

	for (i = 0; i < n; i++) {
		uint32_t p = lo + (start + i) % n;

		/* Port 0 means "any" in bind and is never a real port. */
		if (p != 0 && u->port_users[p] == 0) {
			*port = rte_cpu_to_be_16((uint16_t)p);
			STAT_INC(st, UDP_EPHEMERAL);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

/* Bind us to (addr, port); port 0 picks an ephemeral one. */
static int
bind_port(struct berth_stack *st, struct udp_sock *us, uint32_t addr, uint16_t port)
{
	struct berth_udp *u = st->udp;
	struct udp_key k;
	int ret;

	if (port == 0) {
		ret = ephemeral_port(st, &port);
		if (ret < 0)
			return ret;
	} else if (bind_conflict(u, addr, port)) {
		return -EADDRINUSE;
	}
	if (u->nb_binds >= st->conf.max_bindings)
		return -ENOBUFS;
	k = (struct udp_key){ .addr = addr, .port = port, .pad = 0 };
	ret = rte_hash_add_key_data(u->binds, &k, us);
	if (ret < 0)
		return ret == -ENOSPC ? -ENOBUFS : ret;
	u->nb_binds++;
	u->port_users[rte_be_to_cpu_16(port)]++;
	if (addr == 0)
		port_set_wild(u, rte_be_to_cpu_16(port), true);
	us->laddr = addr;
	us->lport = port;
	return 0;
}

static void
unbind(struct berth_stack *st, struct udp_sock *us)
{
	struct berth_udp *u = st->udp;
	struct udp_key k = { .addr = us->laddr, .port = us->lport, .pad = 0 };

	if (us->lport == 0)
		return;
	if (rte_hash_del_key(u->binds, &k) >= 0) {
		u->nb_binds--;
		u->port_users[rte_be_to_cpu_16(us->lport)]--;
		if (us->laddr == 0)
			port_set_wild(u, rte_be_to_cpu_16(us->lport), false);
	}
	us->lport = 0;
	us->laddr = 0;
}

/* Addresses a socket may bind: ours, the broadcast ones, or the wildcard. */
static bool
addr_bindable(const struct berth_stack *st, uint32_t addr)
{
	uint16_t i;

	/* Not RTE_IPV4_BROADCAST: DPDK defines it as 224.0.0.0. */
	if (addr == 0 || addr == RTE_BE32(UINT32_MAX))
		return true;
	if (ipv4_local_if(st, addr) != NULL)
		return true;
	for (i = 0; i < st->nb_ifs; i++)
		if (st->ifs[i].bcast != 0 && st->ifs[i].bcast == addr)
			return true;
	return false;
}

/* ---- receive queue ---- */

static uint32_t
rq_charge(const struct rte_mbuf *m)
{
	uint32_t payload = rte_pktmbuf_pkt_len(m) - m->l3_len - m->l4_len;

	return payload + (uint32_t)m->nb_segs * (uint32_t)sizeof(struct rte_mbuf);
}

static struct rte_mbuf *
rq_pop(struct udp_sock *us)
{
	struct rte_mbuf *m = pktq_pop(&us->rq);

	if (m != NULL)
		us->rcv_charge -= rq_charge(m);
	return m;
}

static void
rq_purge(struct udp_sock *us)
{
	struct rte_mbuf *m;

	while ((m = rq_pop(us)) != NULL)
		rte_pktmbuf_free(m);
}

/* Sender of a queued datagram, from the headers kept in front of the payload. */
static void
rq_source(const struct rte_mbuf *m, struct sockaddr_in *src)
{
	struct rte_udp_hdr hbuf;
	const struct rte_udp_hdr *uh;

	if (src == NULL)
		return;
	uh = rte_pktmbuf_read(m, m->l3_len, sizeof(hbuf), &hbuf);
	memset(src, 0, sizeof(*src));
	src->sin_family = AF_INET;
	src->sin_addr.s_addr = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *)->src_addr;
	src->sin_port = uh->src_port;
}

/* ---- input ---- */

/*
 * RFC 768: the header is 8 bytes and Length covers header and data, so it
 * lies between 8 and the IP payload. Returns the UDP length, or 0 after
 * counting and freeing a bad datagram.
 */
static uint16_t
udp_check_len(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	      const struct rte_udp_hdr *uh)
{
	uint16_t ulen = rte_be_to_cpu_16(uh->dgram_len);
	uint32_t l3_total = (uint32_t)ip->hdr_len + ulen;

	if (unlikely(ulen < sizeof(*uh) || ulen > ip->payload_len ||
		     l3_total > rte_pktmbuf_pkt_len(m))) {
		DROP(st, UDP_LEN, m);
		return 0;
	}
	/* RFC 768: the datagram ends where Length says; drop what IP carried after it. */
	if (l3_total < rte_pktmbuf_pkt_len(m))
		mbuf_trim_to(m, l3_total);
	return ulen;
}

/*
 * Exact (destination address, port) binding first, then the wildcard. A
 * broadcast destination thus finds a socket bound to that broadcast address
 * or to the wildcard, never one bound to a unicast address. A connected
 * socket takes only datagrams from its peer: no RFC asks for it, POSIX
 * connect(2) does ("limits the remote sender"), as BSD and Linux.
 */
static struct udp_sock *
udp_demux(struct berth_stack *st, const struct berth_ip_info *ip,
	  const struct rte_udp_hdr *uh)
{
	struct udp_sock *us = bind_lookup(st->udp, ip->dst, uh->dst_port);

	if (us != NULL && us->connected &&
	    (us->faddr != ip->src || us->fport != uh->src_port))
		return NULL;
	return us;
}

/* Queue m on us; m keeps its headers, the payload starts at l3_len + l4_len. */
static void
udp_enqueue(struct berth_stack *st, struct udp_sock *us, struct rte_mbuf *m,
	    const struct berth_ip_info *ip)
{
	uint32_t charge;

	m->l3_len = ip->hdr_len;
	m->l4_len = sizeof(struct rte_udp_hdr);
	charge = rq_charge(m);
	if (unlikely(us->rq.count > 0 && (uint64_t)us->rcv_charge + charge > us->rcvbuf)) {
		DROP(st, UDP_RCVBUF, m);
		return;
	}
	pktq_push(&us->rq, m);
	us->rcv_charge += charge;
	STAT_INC(st, UDP_RX);
	/* Edge-triggered: only the first datagram of an empty queue raises it. */
	if (us->rq.count == 1)
		sock_notify(st, &us->so, BERTH_EV_READABLE);
}

void
udp_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	  uint64_t now)
{
	struct rte_udp_hdr hbuf;
	const struct rte_udp_hdr *uh;
	struct udp_sock *us;
	uint16_t ulen;

	if (unlikely(ip->payload_len < sizeof(hbuf) ||
		     rte_pktmbuf_pkt_len(m) < (uint32_t)ip->hdr_len + sizeof(hbuf))) {
		DROP(st, UDP_SHORT, m);
		return;
	}
	/* Copied into hbuf only if it straddles segments (after reassembly). */
	uh = rte_pktmbuf_read(m, ip->hdr_len, sizeof(hbuf), &hbuf);
	ulen = udp_check_len(st, m, ip, uh);
	if (ulen == 0)
		return;

	/*
	 * RFC 768: a checksum of 0 means the sender computed none, accepted
	 * (RFC 1122 §4.1.3.4 lets an application ask otherwise; berth has no
	 * such option). RFC 1122 §4.1.3.4: a wrong one is silently discarded.
	 */
	if (uh->dgram_cksum != 0 && unlikely(!cksum_ipv4_l4_rx_ok(m, ip, ulen))) {
		DROP(st, UDP_CKSUM, m);
		return;
	}

	us = udp_demux(st, ip, uh);
	if (us == NULL) {
		/*
		 * RFC 1122 §4.1.3.1: port unreachable when nobody listens;
		 * icmp.c applies the never-send rules (broadcast, ...) and the
		 * rate limit.
		 */
		icmp_send_unreach(st, m, ip, ICMP_CODE_PORT_UNREACH, now);
		DROP(st, UDP_NO_PORT, m);
		return;
	}
	udp_enqueue(st, us, m, ip);
}

/* ---- ICMP errors ---- */

void
udp_icmp_error(struct berth_stack *st, const struct rte_ipv4_hdr *quoted, uint16_t qlen,
	       int err)
{
	const struct rte_udp_hdr *uh;
	struct udp_sock *us;
	uint16_t ihl;

	if (qlen < sizeof(*quoted))
		return;
	ihl = (uint16_t)rte_ipv4_hdr_len(quoted);
	/* RFC 1122 §3.2.2: the quote has the IP header and 8 octets; ports are 4. */
	if (ihl < sizeof(*quoted) || qlen < ihl + 4 || quoted->next_proto_id != IPPROTO_UDP)
		return;
	uh = (const struct rte_udp_hdr *)((const uint8_t *)quoted + ihl);
	us = bind_lookup(st->udp, quoted->src_addr, uh->src_port);
	/*
	 * RFC 1122 §4.1.3.3 asks to pass every ICMP error up; like Linux
	 * without IP_RECVERR, only a connected socket can tell which of its
	 * datagrams failed, so only it is told.
	 */
	if (us == NULL || !us->connected || us->faddr != quoted->dst_addr ||
	    us->fport != uh->dst_port)
		return;
	sock_set_error(st, &us->so, err);
}

/* ---- output ---- */

/*
 * Can ipv4_output send a payload of len bytes on this MTU? It fragments into
 * at most RTE_LIBRTE_IP_FRAG_MAX_FRAG pieces; the count is the one agreed
 * with ipv4_output (slightly conservative when mtu - 20 is not a multiple
 * of 8).
 */
static bool
udp_fits_frags(size_t len, uint16_t mtu)
{
	size_t unit, l3 = mtu > sizeof(struct rte_ipv4_hdr) ? mtu - sizeof(struct rte_ipv4_hdr) : 0;

	unit = l3 & ~(size_t)7;
	if (unit == 0)
		return false;
	return (len + sizeof(struct rte_udp_hdr) + l3 - 1) / unit <= RTE_LIBRTE_IP_FRAG_MAX_FRAG;
}

/* Read and clear the pending error: reported once (as Linux sock_error()). */
static int
take_error(struct berth_sock *so)
{
	int err = so->so_error;

	so->so_error = 0;
	return err;
}

/*
 * Everything a send checks before it builds the datagram: the pending error,
 * the destination, the size, the local port (bound to an ephemeral one if
 * needed) and the route.
 */
static int
udp_send_prepare(struct berth_stack *st, struct udp_sock *us, const struct sockaddr_in *dst,
		 size_t len, uint32_t *daddr, uint16_t *dport, struct berth_nexthop *nh)
{
	int ret;

	if (us->so.so_error != 0)
		return -take_error(&us->so);
	if (dst == NULL) {
		if (!us->connected)
			return -EDESTADDRREQ;
		*daddr = us->faddr;
		*dport = us->fport;
	} else {
		if (us->connected && (dst->sin_addr.s_addr != us->faddr ||
				      dst->sin_port != us->fport))
			return -EISCONN;
		*daddr = dst->sin_addr.s_addr;
		*dport = dst->sin_port;
	}
	if (*daddr == 0 || *dport == 0)
		return -EINVAL;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (us->lport == 0) {
		ret = bind_port(st, us, 0, 0);
		if (ret < 0)
			return ret;
	}
	if (route_lookup(st, *daddr, nh) < 0)
		return -ENETUNREACH;
	if (!udp_fits_frags(len, nh->ifp->mtu))
		return -EMSGSIZE;
	return 0;
}

/* Prepend the header to the payload m, checksum it and hand it to IPv4. */
static int
udp_output(struct berth_stack *st, struct udp_sock *us, struct rte_mbuf *m,
	   const struct berth_nexthop *nh, uint32_t daddr, uint16_t dport)
{
	struct berth_nexthop route = *nh;
	struct berth_ip_out out;
	struct rte_udp_hdr *uh;
	int ret;

	uh = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*uh));
	if (unlikely(uh == NULL)) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	uh->src_port = us->lport;
	uh->dst_port = dport;
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)rte_pktmbuf_pkt_len(m));
	uh->dgram_cksum = 0;
	/* A socket bound to one of our addresses sends from it; else the route's. */
	if (us->laddr != 0 && ipv4_local_if(st, us->laddr) != NULL)
		route.src = us->laddr;
	/* RFC 1122 §4.1.3.4: checksums are always generated (0 goes out as 0xFFFF). */
	cksum_ipv4_l4_tx(m, nh->ifp->dev->offloads, route.src, daddr, IPPROTO_UDP);

	memset(&out, 0, sizeof(out));
	out.dst = daddr;
	out.proto = IPPROTO_UDP;
	/* Sends have no clock of their own: the time of the current poll. */
	ret = ipv4_output(st, m, &route, &out, st->now);
	if (ret < 0)
		return ret;
	STAT_INC(st, UDP_TX);
	return 0;
}

/* Copy len bytes into a chain from the stack's pool; headroom kept in front. */
static int
udp_copy_in(struct berth_stack *st, const void *buf, size_t len, struct rte_mbuf **out)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(st->pool), *tail = head;
	const uint8_t *p = buf;
	size_t left = len;

	while (head != NULL) {
		uint16_t n = (uint16_t)RTE_MIN(left, (size_t)rte_pktmbuf_tailroom(tail));

		if (n > 0) {
			memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), p, n);
			tail->data_len = (uint16_t)(tail->data_len + n);
			head->pkt_len += n;
			p += n;
			left -= n;
		}
		if (left == 0) {
			*out = head;
			return 0;
		}
		if (n == 0 && tail != head) /* a pool whose buffers hold nothing */
			break;
		tail->next = rte_pktmbuf_alloc(st->pool);
		if (tail->next == NULL)
			break;
		tail = tail->next;
		head->nb_segs++;
	}
	/* Whatever was allocated goes back: all or nothing. */
	rte_pktmbuf_free(head);
	DROP_INC(st, NO_MBUF);
	return -ENOBUFS;
}

static ssize_t
udp_sendto(struct berth_stack *st, struct berth_sock *so, const void *buf, size_t len,
	   const struct sockaddr_in *dst)
{
	struct udp_sock *us = udp_sk(so);
	struct berth_nexthop nh;
	struct rte_mbuf *m;
	uint32_t daddr;
	uint16_t dport;
	int ret;

	ret = udp_send_prepare(st, us, dst, len, &daddr, &dport, &nh);
	if (ret == 0)
		ret = udp_copy_in(st, buf, len, &m);
	if (ret == 0)
		ret = udp_output(st, us, m, &nh, daddr, dport);
	return ret < 0 ? ret : (ssize_t)len;
}

static ssize_t
udp_sendto_mbuf(struct berth_stack *st, struct berth_sock *so, struct rte_mbuf *m,
		const struct sockaddr_in *dst)
{
	struct udp_sock *us = udp_sk(so);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	/* Set by udp_send_prepare on success; zeroed so no compiler doubts it. */
	struct berth_nexthop nh = { 0 };
	uint32_t daddr = 0;
	uint16_t dport = 0;
	int ret;

	if (rte_pktmbuf_headroom(m) < BERTH_SOCK_HEADROOM) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	ret = udp_send_prepare(st, us, dst, len, &daddr, &dport, &nh);
	if (ret < 0) {
		rte_pktmbuf_free(m);
		return ret;
	}
	/* The application may hand over an mbuf that carried received flags. */
	m->ol_flags = 0;
	ret = udp_output(st, us, m, &nh, daddr, dport);
	return ret < 0 ? ret : (ssize_t)len;
}

/* ---- receive ---- */

static ssize_t
udp_recvfrom(struct berth_stack *st __rte_unused, struct berth_sock *so, void *buf, size_t len,
	     struct sockaddr_in *src)
{
	struct udp_sock *us = udp_sk(so);
	struct rte_mbuf *m;
	uint32_t off, plen, n;

	if (so->so_error != 0)
		return -take_error(so);
	m = rq_pop(us);
	if (m == NULL)
		return -EAGAIN;
	off = (uint32_t)m->l3_len + m->l4_len;
	plen = rte_pktmbuf_pkt_len(m) - off;
	/* recvfrom(2): the rest of a datagram longer than the buffer is lost. */
	n = (uint32_t)RTE_MIN((size_t)plen, len);
	if (n > 0) {
		const void *p = rte_pktmbuf_read(m, off, n, buf);

		if (p != buf)
			memcpy(buf, p, n);
	}
	rq_source(m, src);
	rte_pktmbuf_free(m);
	return (ssize_t)n;
}

static ssize_t
udp_recvfrom_mbuf(struct berth_stack *st __rte_unused, struct berth_sock *so, struct rte_mbuf **mp,
		  struct sockaddr_in *src)
{
	struct udp_sock *us = udp_sk(so);
	struct rte_mbuf *m;

	if (so->so_error != 0)
		return -take_error(so);
	m = rq_pop(us);
	if (m == NULL)
		return -EAGAIN;
	rq_source(m, src);
	m = mbuf_strip(m, (uint32_t)m->l3_len + m->l4_len);
	*mp = m;
	return (ssize_t)rte_pktmbuf_pkt_len(m);
}

/* ---- association and names ---- */

static int
udp_bind(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a)
{
	struct udp_sock *us = udp_sk(so);

	if (us->lport != 0)
		return -EINVAL;
	if (!addr_bindable(st, a->sin_addr.s_addr))
		return -EADDRNOTAVAIL;
	return bind_port(st, us, a->sin_addr.s_addr, a->sin_port);
}

static int
udp_connect(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a)
{
	struct udp_sock *us = udp_sk(so);
	struct berth_nexthop nh;
	int ret;

	if (a->sin_family == AF_UNSPEC) {
		/* The local binding stays; only the peer and its filter go. */
		us->connected = false;
		us->faddr = 0;
		us->fport = 0;
		us->conn_src = 0;
		return 0;
	}
	if (a->sin_addr.s_addr == 0 || a->sin_port == 0)
		return -EINVAL;
	if (route_lookup(st, a->sin_addr.s_addr, &nh) < 0)
		return -ENETUNREACH;
	if (us->lport == 0) {
		ret = bind_port(st, us, 0, 0);
		if (ret < 0)
			return ret;
	}
	us->faddr = a->sin_addr.s_addr;
	us->fport = a->sin_port;
	us->connected = true;
	/* A wildcard socket stays wildcard but names the route's source (Linux). */
	us->conn_src = us->laddr != 0 ? us->laddr : nh.src;
	return 0;
}

static int
udp_getsockname(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a)
{
	const struct udp_sock *us = udp_sk(so);

	(void)st;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = us->lport;
	a->sin_addr.s_addr = us->laddr != 0 ? us->laddr : (us->connected ? us->conn_src : 0);
	return 0;
}

static int
udp_getpeername(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a)
{
	const struct udp_sock *us = udp_sk(so);

	(void)st;
	if (!us->connected)
		return -ENOTCONN;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = us->faddr;
	a->sin_port = us->fport;
	return 0;
}

static int
udp_setopt(struct berth_stack *st, struct berth_sock *so, int opt, int value)
{
	(void)st;
	if (opt != BERTH_SO_RCVBUF)
		return -ENOPROTOOPT;
	if (value < UDP_RCVBUF_MIN || value > UDP_RCVBUF_MAX)
		return -EINVAL;
	/* Datagrams already queued stay, even if they now exceed the buffer. */
	udp_sk(so)->rcvbuf = (uint32_t)value;
	return 0;
}

static int
udp_getopt(struct berth_stack *st, struct berth_sock *so, int opt, int *value)
{
	(void)st;
	if (opt != BERTH_SO_RCVBUF)
		return -ENOPROTOOPT;
	*value = (int)udp_sk(so)->rcvbuf;
	return 0;
}

static void
udp_close(struct berth_stack *st, struct berth_sock *so)
{
	struct udp_sock *us = udp_sk(so);

	rq_purge(us);
	unbind(st, us);
	sock_unregister(st, so);
	rte_free(us);
}

static const struct berth_sock_ops udp_ops = {
	.bind = udp_bind,
	.connect = udp_connect,
	.sendto = udp_sendto,
	.recvfrom = udp_recvfrom,
	.sendto_mbuf = udp_sendto_mbuf,
	.recvfrom_mbuf = udp_recvfrom_mbuf,
	.getsockname = udp_getsockname,
	.getpeername = udp_getpeername,
	.setopt = udp_setopt,
	.getopt = udp_getopt,
	.close = udp_close,
};

int
udp_sock_open(struct berth_stack *st)
{
	struct udp_sock *us;
	int sd;

	us = rte_zmalloc_socket("berth_udp_sock", sizeof(*us), RTE_CACHE_LINE_SIZE,
				st->socket_id);
	if (us == NULL)
		return -ENOMEM;
	us->so.type = BERTH_SOCK_DGRAM;
	us->so.ops = &udp_ops;
	us->rcvbuf = st->conf.udp_rcvbuf;
	sd = sock_register(st, &us->so);
	if (sd < 0)
		rte_free(us);
	return sd;
}
