/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * berth stack lifecycle: process start-up, one stack instance per lcore,
 * interfaces, the poll loop and readiness events.
 *
 * A stack instance is owned by exactly one lcore and is never touched by
 * another. Time is always passed in (nanoseconds on any monotonic clock);
 * the stack never reads a clock itself, so tests can drive a virtual clock.
 */
#ifndef BERTH_STACK_H
#define BERTH_STACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_stack;
struct berth_dev;

/** Nanoseconds per second, for time arithmetic with berth's clock. */
#define BERTH_NS_PER_SEC 1000000000ull
/** Nanoseconds per millisecond. */
#define BERTH_NS_PER_MS 1000000ull

/** TSC frequency read once by berth_init(). */
extern uint64_t berth_tsc_hz;
/**
 * Nanoseconds per TSC cycle in 24.40 fixed point, set by berth_init(): the
 * clock is a multiply and a shift, no division (run loops read it often).
 */
extern uint64_t berth_tsc_ns_mult;
#define BERTH_TSC_NS_SHIFT 40

/**
 * Read the monotonic clock in nanoseconds. For run loops only: protocol code
 * receives time as an argument.
 *
 * @return nanoseconds since an arbitrary origin.
 */
static inline uint64_t
berth_time_now(void)
{
	uint64_t tsc = rte_get_tsc_cycles();

	return (uint64_t)(((__uint128_t)tsc * berth_tsc_ns_mult) >> BERTH_TSC_NS_SHIFT);
}

/**
 * Initialise DPDK's EAL and berth's process-wide state (log type, keys for
 * keyed hashes). Call once, from the main thread, before anything else.
 *
 * @param argc, argv
 *   The program's arguments, EAL options first, as for rte_eal_init().
 * @return
 *   The number of arguments consumed (as rte_eal_init()), or a negative
 *   errno value on failure.
 */
int berth_init(int argc, char **argv);

/**
 * Release EAL resources at process exit, including EAL's runtime directory
 * (berth uses no DPDK secondary processes).
 */
void berth_fini(void);

/** Ephemeral port range default: the IANA dynamic range (RFC 6335 §6). */
#define BERTH_EPHEMERAL_LO 49152
/** Upper end of the default ephemeral port range. */
#define BERTH_EPHEMERAL_HI 65535

/** Stack configuration. Zero-initialise and set what you need. */
struct berth_stack_conf {
	/** lcore that will own the stack; its NUMA node gets the memory. */
	unsigned int lcore_id;
	/** Packet buffers in this stack's mempool (0: 8191). */
	uint32_t nb_mbufs;
	/** Mempool to use instead of creating one (shared with a port). */
	struct rte_mempool *pool;
	/** Maximum open sockets (0: 4096). */
	uint32_t max_sockets;
	/**
	 * Port bindings a stack holds at once, per table: TCP sockets bound
	 * with bind(), TCP listeners, bound UDP sockets (0: max_sockets, at
	 * most 65536). Accepted and connected TCP sockets hold none, so a
	 * server of a million connections needs no more than it has
	 * listeners; a bind() or listen() beyond it fails with -ENOBUFS.
	 */
	uint32_t max_bindings;
	/** Ephemeral port range, inclusive (0: 49152-65535). */
	uint16_t ephemeral_lo, ephemeral_hi;
	/** ARP cache entries (0: 1024). */
	uint32_t arp_entries;
	/**
	 * Packets queued per unresolved ARP entry (0: 64; a burst of new
	 * connections to one neighbour must not lose its SYNs).
	 */
	uint32_t arp_queue_len;
	/** Lifetime of a resolved ARP entry in ns (0: 60 s). */
	uint64_t arp_reachable_ns;
	/** Datagrams under reassembly at once (0: 1024). */
	uint32_t reasm_max_flows;
	/**
	 * Time allowed to complete a reassembly in ns (0: 30 s, as Linux;
	 * RFC 1122 §3.3.2 suggests 60-120 s, shorter bounds memory held by a
	 * flood of incomplete datagrams).
	 */
	uint64_t reasm_timeout_ns;
	/** ICMP errors allowed per second (0: 1000) and burst (0: 50). */
	uint32_t icmp_rate, icmp_burst;
	/** Default receive buffer of a UDP socket in bytes (0: 212992). */
	uint32_t udp_rcvbuf;

	/** TCP connections at once, TIME-WAIT entries included (0: 65536). */
	uint32_t tcp_max_conns;
	/** Half-open (SYN-RECEIVED) connections per listener (0: 1024). */
	uint32_t tcp_max_syn_backlog;
	/** Maximum segment lifetime in ns; TIME-WAIT lasts 2*MSL (0: 30 s). */
	uint64_t tcp_msl_ns;
	/**
	 * Lower bound of the retransmission timeout in ns (0: 200 ms).
	 * RFC 6298 §2.4 says 1 s; 200 ms is what Linux uses and what modern
	 * RTTs allow (RFC 6298 §2.4 permits a lower bound by local choice).
	 */
	uint64_t tcp_rto_min_ns;
	/** Upper bound of the retransmission timeout in ns (0: 120 s). */
	uint64_t tcp_rto_max_ns;
	/** SYN (and SYN-ACK) retransmissions before giving up (0: 6). */
	uint32_t tcp_syn_retries;
	/** Data retransmissions before giving up with ETIMEDOUT (0: 15). */
	uint32_t tcp_retries;
	/** FIN-WAIT-2 timeout after the app closed, in ns (0: 60 s). */
	uint64_t tcp_fin_wait2_ns;
	/** Default send and receive buffers of a TCP socket (0: 256 KiB). */
	uint32_t tcp_sndbuf, tcp_rcvbuf;
	/** MSS announced on our SYNs (0: interface MTU - 40). */
	uint16_t tcp_mss;
	/**
	 * Delayed-ACK timeout in ns (0: 40 ms; RFC 1122 §4.2.3.2: under 0.5 s).
	 * Every second full-sized segment is acknowledged at once anyway.
	 */
	uint64_t tcp_delack_ns;
	/**
	 * RFC 6056 ephemeral port selection algorithm, 1-5 (0: 4, the
	 * double-hash algorithm Linux uses since 5.12).
	 */
	uint8_t tcp_port_alg;
	/**
	 * Congestion control of new connections (enum berth_tcp_cc; 0: CUBIC,
	 * RFC 9438). A socket picks its own with BERTH_TCP_CONGESTION.
	 */
	uint8_t tcp_cc;
	/**
	 * Neither offer nor accept SACK (RFC 2018) on new connections. SACK
	 * is on by default: loss recovery then follows RFC 6675.
	 */
	bool tcp_no_sack;
};

/** Congestion control algorithms (berth_stack_conf.tcp_cc, BERTH_TCP_CONGESTION). */
enum berth_tcp_cc {
	BERTH_TCP_CC_CUBIC = 0,   /**< RFC 9438, the default */
	BERTH_TCP_CC_NEWRENO = 1, /**< RFC 5681 with RFC 6582 fast recovery */
};

/**
 * Create a stack instance. Call from the lcore that will own it (or any
 * thread before launching that lcore).
 *
 * @param conf
 *   Configuration; NULL means all defaults on the calling lcore.
 * @return
 *   The stack, or NULL with rte_errno set (ENOMEM, EINVAL).
 */
struct berth_stack *berth_stack_create(const struct berth_stack_conf *conf);

/**
 * Destroy a stack: closes every socket, frees queued packets and the stack's
 * own mempools (not a mempool passed in the configuration). A pool whose
 * mbufs are still out (frames waiting in a NIC's transmit ring, freed only
 * when the port is stopped or closed) is freed by berth_fini() instead.
 *
 * @param st
 *   The stack; NULL is accepted and ignored.
 */
void berth_stack_destroy(struct berth_stack *st);

/**
 * The stack's packet mempool, for zero-copy sends and for ports.
 *
 * @param st
 *   The stack.
 * @return
 *   The mempool that the stack allocates from.
 */
struct rte_mempool *berth_stack_pool(struct berth_stack *st);

/** Interface configuration for berth_stack_add_if(). */
struct berth_if_conf {
	/** Device the interface sends and receives on (see port.h, wire.h). */
	struct berth_dev *dev;
	/** IPv4 address in network byte order. */
	uint32_t addr;
	/** Prefix length of the connected subnet, 0..32. */
	uint8_t prefix_len;
	/** Default gateway in network byte order, 0 for none. */
	uint32_t gateway;
};

/**
 * Add an IPv4 interface. Installs the connected route (and the default route
 * when a gateway is given) and sends a gratuitous ARP (RFC 5227 §3).
 *
 * @param st
 *   The stack.
 * @param conf
 *   Interface configuration.
 * @param now
 *   Current time in ns.
 * @return
 *   Interface index >= 0, or -EINVAL (bad prefix or address), -ENOSPC (too
 *   many interfaces), -EEXIST (address already configured).
 */
int berth_stack_add_if(struct berth_stack *st, const struct berth_if_conf *conf,
		       uint64_t now);

/** Secondary addresses an interface may have besides its own (berth_stack_add_addr). */
#define BERTH_IF_MAX_ADDRS 64

/**
 * Add a secondary IPv4 address to an interface (RFC 1122 §3.3.4.1: several
 * addresses on one interface). The stack then answers ARP for it, sends a
 * gratuitous ARP for it (RFC 5227 §3) and defends it, and takes packets to
 * it as its own. It shares the interface's subnet and routes; traffic keeps
 * the interface's own address as source unless a socket is bound to this
 * one. Several source addresses let a client open more connections to one
 * server than one address's ephemeral ports allow (RFC 6056 §2.1).
 *
 * A stream socket bound to such an address with port 0 gets its port at
 * connect(), from the RFC 6056 algorithm for the whole 4-tuple (or at
 * listen()), so every address has the full ephemeral range per server.
 *
 * @param st
 *   The stack.
 * @param ifindex
 *   Interface index returned by berth_stack_add_if().
 * @param addr
 *   IPv4 address in network byte order.
 * @param now
 *   Current time in ns.
 * @return
 *   0, or -EINVAL (no such interface; an address no host may have: 0/8,
 *   127/8, multicast, class E, or the network or broadcast address of the
 *   interface's subnet), -ENOSPC (BERTH_IF_MAX_ADDRS already), -EEXIST
 *   (the address is already one of the stack's, on any interface).
 */
int berth_stack_add_addr(struct berth_stack *st, int ifindex, uint32_t addr, uint64_t now);

/**
 * One iteration of the run loop: send what the application's TCP calls
 * asked for since the last poll, receive a burst from every interface,
 * process it, run expired timers, flush transmit buffers. Readiness events
 * produced meanwhile are collected for berth_stack_events().
 *
 * TCP sends of the application's turn (berth_sock_send, close, shutdown, a
 * read that opens the window) are gathered and sent here, once per
 * connection, together with the ACK of what the previous poll received:
 * a response written in several calls leaves in full segments, carrying
 * that ACK, and a close() after the last write puts the FIN on it.
 *
 * @param st
 *   The stack.
 * @param now
 *   Current time in ns; must not go backwards.
 * @return
 *   Number of packets received in this iteration.
 */
unsigned int berth_stack_poll(struct berth_stack *st, uint64_t now);

/**
 * Send what the application's TCP calls asked for and flush transmit
 * buffers, without receiving. berth_stack_poll() does this; an application
 * that sends outside the loop may call it to cut latency.
 *
 * @param st
 *   The stack.
 * @param now
 *   Current time in ns.
 */
void berth_stack_flush(struct berth_stack *st, uint64_t now);

/**
 * Socket is readable: data or a datagram is queued. Edge-triggered: raised
 * when the receive queue goes from empty to non-empty, so read until -EAGAIN.
 */
#define BERTH_EV_READABLE 0x01u
/** Socket is writable again. */
#define BERTH_EV_WRITABLE 0x02u
/** An error is pending; see berth_event.error. */
#define BERTH_EV_ERROR 0x04u
/** Peer closed its side or the connection is gone. */
#define BERTH_EV_HANGUP 0x08u
/** A listening socket has a connection to accept. */
#define BERTH_EV_ACCEPT 0x10u
/** An active open completed. */
#define BERTH_EV_CONNECTED 0x20u

/** A readiness event, as handed to the application after a burst. */
struct berth_event {
	int sd;          /**< socket descriptor */
	uint32_t events; /**< BERTH_EV_* bits gathered since the last delivery */
	int error;       /**< positive errno when BERTH_EV_ERROR is set */
	uint64_t user;   /**< value set with berth_sock_set_user() */
};

/**
 * Take readiness events collected since the last call. Events of one socket
 * are merged into one entry. Call after berth_stack_poll(), never from
 * inside it: the application is never called from input processing.
 *
 * @param st
 *   The stack.
 * @param ev
 *   Array to fill.
 * @param max
 *   Capacity of @p ev.
 * @return
 *   Number of events written; more may remain if it equals @p max.
 */
unsigned int berth_stack_events(struct berth_stack *st, struct berth_event *ev,
				unsigned int max);

/**
 * Add a permanent ARP entry (never expires, never replaced by traffic).
 *
 * @param st
 *   The stack.
 * @param addr
 *   IPv4 address in network byte order.
 * @param mac
 *   Its Ethernet address.
 * @return
 *   0, or -ENOSPC when the cache is full, -EINVAL for a multicast MAC or a
 *   zero address.
 */
int berth_arp_add_static(struct berth_stack *st, uint32_t addr,
			 const struct rte_ether_addr *mac);

/**
 * Remove an ARP entry, static or learned.
 *
 * @return 0, or -ENOENT.
 */
int berth_arp_delete(struct berth_stack *st, uint32_t addr);

/**
 * Print every non-zero counter of the stack, one "name value" per line,
 * drops with their reason names, then per-device statistics.
 *
 * @param st
 *   The stack.
 * @param f
 *   Output stream.
 */
void berth_stack_counters_dump(struct berth_stack *st, FILE *f);

/**
 * Print the counters as one JSON object {"name": value, ...} (all of them,
 * zeros included), for machine readers.
 *
 * @param st
 *   The stack.
 * @param f
 *   Output stream.
 */
void berth_stack_counters_json(struct berth_stack *st, FILE *f);

/**
 * Read one counter by name (see counters.h for the names).
 *
 * @param st
 *   The stack.
 * @param name
 *   Counter name, e.g. "drop_ip_bad_cksum" or "udp_rx".
 * @return
 *   The value, or UINT64_MAX if no counter has that name.
 */
uint64_t berth_stack_counter(const struct berth_stack *st, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* BERTH_STACK_H */
