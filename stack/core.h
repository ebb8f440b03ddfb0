/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore stack instance and the internal interfaces between layers.
 *
 * One struct berth_stack per lcore holds everything mutable: interfaces,
 * routes, ARP cache, reassembly table, sockets, timers, events, counters.
 * Nothing here is shared with another lcore, so nothing takes a lock.
 *
 * Layers call each other through the prototypes below; each layer keeps its
 * own state behind an opaque pointer created by its *_init() function.
 */
#ifndef BERTH_CORE_H
#define BERTH_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <berth/counters.h>
#include <berth/stack.h>

#include "dev.h"
#include "timer.h"

#define BERTH_MAX_IFS 8
#define BERTH_MAX_ROUTES 32

/*
 * An IPv4 address in network byte order from its dotted parts. Unsigned
 * shifts: DPDK's RTE_IPV4 shifts a signed int (undefined for a >= 128).
 */
#define IPV4(a, b, c, d) rte_cpu_to_be_32(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
					  ((uint32_t)(c) << 8) | (uint32_t)(d))

struct berth_if {
	struct berth_dev *dev;
	uint16_t index;
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint32_t addr;       /* network byte order */
	uint32_t netmask;    /* network byte order */
	uint32_t bcast;      /* subnet broadcast, network byte order */
	uint8_t prefix_len;
	uint32_t gateway;    /* network byte order, 0 for none */
	/*
	 * Secondary addresses (berth_stack_add_addr), sorted by value so that
	 * ipv4_local_if finds one in log2(BERTH_IF_MAX_ADDRS) steps. They
	 * share the interface's subnet, routes and MAC; addr stays the
	 * source of routed traffic unless a socket binds to one of these.
	 */
	uint16_t nb_addrs;
	uint32_t addrs[BERTH_IF_MAX_ADDRS]; /* network byte order */
};

struct berth_route {
	uint32_t prefix;     /* network byte order, already masked */
	uint32_t mask;       /* network byte order */
	uint8_t prefix_len;
	uint32_t gateway;    /* 0: directly connected */
	struct berth_if *ifp;
};

/* Result of a route lookup: where to send and which source to use. */
struct berth_nexthop {
	struct berth_if *ifp;
	uint32_t src;        /* our address on ifp */
	uint32_t nexthop;    /* gateway or the destination itself */
};

/* What ipv4_input learned about a packet, parsed once and passed down. */
struct berth_ip_info {
	struct berth_if *ifp;
	uint32_t src, dst;   /* network byte order */
	uint16_t hdr_len;    /* IHL * 4 */
	uint16_t payload_len;
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;
	uint8_t flags;       /* BERTH_IPI_* */
};
#define BERTH_IPI_BCAST      0x01 /* dst is limited or subnet broadcast */
#define BERTH_IPI_REASSEMBLED 0x02 /* built from fragments */
#define BERTH_IPI_L4_CKSUM_OK 0x04 /* the device verified the L4 checksum */
#define BERTH_IPI_L2_BCAST   0x08 /* arrived in a link-layer broadcast frame */

/* Parameters of ipv4_output beyond the route. */
struct berth_ip_out {
	uint32_t dst;        /* network byte order */
	uint8_t proto;
	uint8_t ttl;         /* 0: default 64 */
	uint8_t tos;
	bool df;             /* set Don't Fragment */
};

struct berth_arp;
struct berth_reasm;
struct berth_udp;
struct tcp_stack;
struct berth_sock;

/* Readiness events gathered during a burst, handed out after it. */
struct berth_evq {
	uint32_t cap;
	uint32_t head, len;
	int *sds;            /* ring of descriptors with pending events */
};

struct berth_sock_table {
	uint32_t max;
	uint32_t nb_open;
	uint32_t free_head;           /* free list through next_free */
	struct berth_sock **socks;
	uint32_t *next_free;
};

struct berth_icmp_limit {
	uint64_t tokens_ns;  /* token bucket in time units (Linux icmp.c style) */
	uint64_t last;
};

struct berth_stack {
	unsigned int lcore_id;
	int socket_id;
	struct berth_stack_conf conf;
	struct rte_mempool *pool;
	struct rte_mempool *indirect_pool;  /* for fragmentation */
	bool own_pool;
	uint64_t now;        /* time of the current poll, for layers' logs */

	uint16_t nb_ifs;
	struct berth_if ifs[BERTH_MAX_IFS];
	uint16_t nb_routes;
	struct berth_route routes[BERTH_MAX_ROUTES];
	uint16_t ip_id;

	struct berth_arp *arp;
	struct berth_reasm *reasm;
	struct berth_udp *udp;
	struct tcp_stack *tcp;
	struct berth_icmp_limit icmp_limit;

	struct berth_sock_table socks;
	struct berth_evq evq;
	struct berth_wheel wheel;

	uint64_t counters[BERTH_COUNTER_MAX];
};

#define STAT_INC(st, id) ((st)->counters[BERTH_STAT_##id]++)
#define STAT_ADD(st, id, n) ((st)->counters[BERTH_STAT_##id] += (n))
#define DROP_INC(st, id) ((st)->counters[BERTH_DROP_##id]++)

/* Count a drop by reason and free the packet. */
#define DROP(st, id, m) do { DROP_INC(st, id); rte_pktmbuf_free(m); } while (0)

extern int berth_logtype;
#define BERTH_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, berth_logtype, "berth: " fmt "\n", ##__VA_ARGS__)

/* ---- stack/eth.c ---- */
void eth_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m,
	       uint64_t now);
/*
 * Prepend an Ethernet header to m (data at the L3 header) and queue it on
 * ifp's device. Consumes m in every case.
 */
void eth_output(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t ether_type, uint64_t now);

/* ---- stack/arp.c (RFC 826) ---- */
int arp_init(struct berth_stack *st);
void arp_fini(struct berth_stack *st);
/* m's data is at the ARP header. Consumes m. */
void arp_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m,
	       uint64_t now);
/*
 * Send m (data at the IPv4 header) to nexthop on ifp: at once if resolved,
 * else queued on the entry while a request goes out. Consumes m.
 */
void arp_output(struct berth_stack *st, struct berth_if *ifp, uint32_t nexthop,
		struct rte_mbuf *m, uint64_t now);
/* Gratuitous ARP for ifp's address (RFC 5227 §3 announcement). */
void arp_announce(struct berth_stack *st, struct berth_if *ifp, uint64_t now);
/* The same for addr, one of ifp's addresses (a secondary one). */
void arp_announce_addr(struct berth_stack *st, struct berth_if *ifp, uint32_t addr,
		       uint64_t now);
/* Introspection (tests, dumps): entries in use; addr's state name
 * ("INCOMPLETE", "REACHABLE", "STALE", "PROBE", "STATIC") and MAC, or NULL. */
unsigned int arp_cache_size(const struct berth_stack *st);
const char *arp_cache_state(const struct berth_stack *st, uint32_t addr,
			    struct rte_ether_addr *mac);

/* ---- stack/ipv4_input.c, ipv4_output.c, ipv4_reasm.c, route.c ---- */
int ipv4_init(struct berth_stack *st);
void ipv4_fini(struct berth_stack *st);
/* m's data is at the IPv4 header. Consumes m. */
void ipv4_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m,
		uint64_t now);
/* Find the interface, source and next hop for dst. Returns 0 or -ENETUNREACH. */
int route_lookup(const struct berth_stack *st, uint32_t dst, struct berth_nexthop *nh);
int route_add(struct berth_stack *st, uint32_t prefix, uint8_t prefix_len,
	      uint32_t gateway, struct berth_if *ifp);
/* Is addr one of ours (any interface)? Returns the interface or NULL. */
struct berth_if *ipv4_local_if(const struct berth_stack *st, uint32_t addr);
/* Is addr ifp's address or one of its secondary addresses? */
bool ipv4_if_has_addr(const struct berth_if *ifp, uint32_t addr);
/* Add a secondary address to ifp (checked by the caller): 0 or -ENOSPC. */
int ipv4_if_add_addr(struct berth_if *ifp, uint32_t addr);
/*
 * Send m whose data is at the L4 header (with headroom for IPv4 and
 * Ethernet). nh comes from route_lookup. If m carries L4 checksum offload
 * flags and must be fragmented, the checksum is finished in software first.
 * Consumes m. Returns 0 or a negative errno (the packet is freed then).
 */
int ipv4_output(struct berth_stack *st, struct rte_mbuf *m, const struct berth_nexthop *nh,
		const struct berth_ip_out *out, uint64_t now);
/* Is addr the limited broadcast or the subnet broadcast of one of our interfaces? */
bool ipv4_is_bcast(const struct berth_stack *st, uint32_t addr);
/* Does addr name one host (RFC 1122 §3.2.1.3): not 0/8, 127/8, broadcast,
 * multicast or class E? */
bool ipv4_is_unicast_host(const struct berth_stack *st, uint32_t addr);
/* Reassembly (ipv4_reasm.c), called by ipv4_init / ipv4_fini. */
int ipv4_reasm_init(struct berth_stack *st);
void ipv4_reasm_fini(struct berth_stack *st);
/*
 * m (data at the IPv4 header, trimmed, l3_len set) is a fragment described by
 * ip. Returns the whole datagram (a chain, header in the first segment) when
 * m completed one, else NULL: m is held or was dropped and counted.
 */
struct rte_mbuf *ipv4_reasm(struct berth_stack *st, struct rte_mbuf *m,
			    const struct berth_ip_info *ip, uint64_t now);
/* Introspection (tests): datagrams whose held fragments the duplicate filter
 * remembers; never more than the reassembly table holds. */
unsigned int ipv4_reasm_tracked(const struct berth_stack *st);

/* ---- stack/icmp.c (RFC 792, RFC 1122 §3.2.2) ---- */
/* m's data is at the IPv4 header. Consumes m. */
void icmp_input(struct berth_stack *st, struct rte_mbuf *m,
		const struct berth_ip_info *ip, uint64_t now);
/*
 * Send a destination unreachable about the packet m (data at its IPv4
 * header, untouched), subject to the RFC 1122 §3.2.2 rules and the rate
 * limit. Does not consume m.
 */
void icmp_send_unreach(struct berth_stack *st, const struct rte_mbuf *m,
		       const struct berth_ip_info *ip, uint8_t code, uint64_t now);
/* The same for any ICMP error type (e.g. Time Exceeded on reassembly expiry). */
void icmp_send_error(struct berth_stack *st, const struct rte_mbuf *m,
		     const struct berth_ip_info *ip, uint8_t type, uint8_t code,
		     uint64_t now);

/* ---- stack/udp.c (RFC 768) ---- */
int udp_init(struct berth_stack *st);
void udp_fini(struct berth_stack *st);
/* m's data is at the IPv4 header. Consumes m. */
void udp_input(struct berth_stack *st, struct rte_mbuf *m,
	       const struct berth_ip_info *ip, uint64_t now);
/*
 * An ICMP error arrived quoting a UDP datagram we sent: quoted points at the
 * quoted IPv4 header, qlen bytes of it are available.
 */
void udp_icmp_error(struct berth_stack *st, const struct rte_ipv4_hdr *quoted,
		    uint16_t qlen, int err);

/* ---- stack/socket.c ---- */
struct berth_sock;
/* What a protocol implements behind the public berth_sock_* calls. */
struct berth_sock_ops {
	int (*bind)(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a);
	int (*connect)(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a);
	ssize_t (*sendto)(struct berth_stack *st, struct berth_sock *so, const void *buf,
			  size_t len, const struct sockaddr_in *dst);
	ssize_t (*recvfrom)(struct berth_stack *st, struct berth_sock *so, void *buf,
			    size_t len, struct sockaddr_in *src);
	ssize_t (*sendto_mbuf)(struct berth_stack *st, struct berth_sock *so,
			       struct rte_mbuf *m, const struct sockaddr_in *dst);
	ssize_t (*recvfrom_mbuf)(struct berth_stack *st, struct berth_sock *so,
				 struct rte_mbuf **m, struct sockaddr_in *src);
	int (*getsockname)(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a);
	int (*getpeername)(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a);
	int (*setopt)(struct berth_stack *st, struct berth_sock *so, int opt, int value);
	int (*getopt)(struct berth_stack *st, struct berth_sock *so, int opt, int *value);
	/* Stream only; NULL means -EOPNOTSUPP. */
	int (*listen)(struct berth_stack *st, struct berth_sock *so, int backlog);
	int (*accept)(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *peer);
	int (*shutdown)(struct berth_stack *st, struct berth_sock *so, int how);
	/* Release everything the socket holds and free it. */
	void (*close)(struct berth_stack *st, struct berth_sock *so);
};

/* Common part of every socket; the protocol's struct embeds it first. */
struct berth_sock {
	int sd;
	uint8_t type;         /* enum berth_sock_type */
	bool ev_queued;       /* on the event ring */
	uint32_t ev_pending;  /* BERTH_EV_* gathered since the last delivery */
	int so_error;         /* positive errno, 0 if none */
	uint64_t user;
	const struct berth_sock_ops *ops;
};
int sock_table_init(struct berth_stack *st);
/* Close every socket still open, then free the table. */
void sock_table_fini(struct berth_stack *st);
/* Register so (allocated by the protocol) and give it a descriptor. */
int sock_register(struct berth_stack *st, struct berth_sock *so);
/* Forget so's descriptor; drops any event still queued for it. */
void sock_unregister(struct berth_stack *st, struct berth_sock *so);
struct berth_sock *sock_lookup(struct berth_stack *st, int sd);
/*
 * Put new behind old's descriptor (listen() turns a stream socket into a
 * listener): descriptor, pending events and user value move to new; old no
 * longer has a descriptor and is the caller's to free.
 */
void sock_replace(struct berth_stack *st, struct berth_sock *old, struct berth_sock *new);
/* Record ev for delivery after the burst. */
void sock_notify(struct berth_stack *st, struct berth_sock *so, uint32_t ev);
/* Set a pending error and raise BERTH_EV_ERROR. */
void sock_set_error(struct berth_stack *st, struct berth_sock *so, int err);

/* UDP's socket constructor (stack/udp.c). Returns a descriptor or -errno. */
int udp_sock_open(struct berth_stack *st);

#endif /* BERTH_CORE_H */
