/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * berth sockets: a non-blocking, socket-like API on one stack instance.
 *
 * Descriptors are small integers local to a stack. Every call returns a
 * negative errno value on failure and never blocks. Readiness is reported by
 * berth_stack_events() after each poll. Addresses are struct sockaddr_in
 * with fields in network byte order, as in the BSD socket API.
 */
#ifndef BERTH_SOCKET_H
#define BERTH_SOCKET_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_stack;

/** Socket types for berth_sock_open(). */
enum berth_sock_type {
	BERTH_SOCK_DGRAM = 1,  /**< UDP (RFC 768) */
	BERTH_SOCK_STREAM = 2, /**< TCP (RFC 9293) */
};

/**
 * Open a socket.
 *
 * @param st
 *   The stack.
 * @param type
 *   BERTH_SOCK_DGRAM or BERTH_SOCK_STREAM.
 * @return
 *   Descriptor >= 0, or -EPROTONOSUPPORT for an unsupported type, -EMFILE
 *   when the stack's socket table is full, -ENOMEM.
 */
int berth_sock_open(struct berth_stack *st, enum berth_sock_type type);

/**
 * Close a socket; queued datagrams are freed and the port is released.
 *
 * Stream sockets: the descriptor is gone at once, and the connection ends
 * in the background (never blocking): queued data is sent, then a FIN;
 * FIN-WAIT-2 lasts at most berth_stack_conf.tcp_fin_wait2_ns, TIME-WAIT
 * 2*MSL as a compact entry. With BERTH_SO_LINGER 0, or with received data
 * not yet read (RFC 1122 §4.2.2.13, as Linux), the connection is reset
 * instead (RST, unsent data discarded). A connection still in SYN-SENT is
 * dropped without a segment. Closing a listener resets the connections
 * not yet accepted.
 *
 * @return 0, or -EBADF.
 */
int berth_sock_close(struct berth_stack *st, int sd);

/**
 * Bind to a local address and port. Address INADDR_ANY binds to every
 * interface; port 0 picks an ephemeral port from the configured range.
 *
 * Stream sockets bound to a specific address with port 0 keep only the
 * address: the port is chosen by connect() for the whole 4-tuple (RFC 6056,
 * as Linux's IP_BIND_ADDRESS_NO_PORT), or by listen(); until then
 * berth_sock_getsockname() shows port 0. So each local address brings its
 * own ephemeral ports towards a server.
 *
 * @return
 *   0, or -EBADF, -EINVAL (already bound, or not AF_INET),
 *   -EADDRNOTAVAIL (address not ours, or no ephemeral port left),
 *   -EADDRINUSE (the address and port, or the port on the wildcard address,
 *   is taken).
 */
int berth_sock_bind(struct berth_stack *st, int sd, const struct sockaddr_in *addr);

/**
 * Set the default destination and filter received datagrams to those from
 * it. Binds to an ephemeral port first if unbound. AF_UNSPEC dissolves the
 * association.
 *
 * Stream sockets: start an active open (RFC 9293 §3.10.1) without
 * blocking. An unbound socket gets a local port from the RFC 6056
 * algorithm configured (berth_stack_conf.tcp_port_alg) and the route's
 * source address. The SYN goes out at once; BERTH_EV_CONNECTED is raised
 * when the handshake completes, or BERTH_EV_ERROR with ECONNREFUSED (the
 * peer reset) or ETIMEDOUT (no answer after tcp_syn_retries). A socket
 * whose connection ended may connect again. AF_UNSPEC is refused.
 *
 * @return
 *   0, or -EBADF, -EINVAL, -ENETUNREACH (no route), -EADDRNOTAVAIL.
 *   Stream sockets: -EINPROGRESS when the SYN was sent (the normal case),
 *   -EALREADY (a connect is in progress), -EISCONN (already connected),
 *   -EINVAL (a listener, or address or port 0), -ENETUNREACH (also
 *   for a broadcast or multicast address), -EADDRNOTAVAIL (no local port
 *   free for the 4-tuple, or the bound port's tuple is in use), -ENOBUFS
 *   (connection table full).
 */
int berth_sock_connect(struct berth_stack *st, int sd, const struct sockaddr_in *addr);

/**
 * Send a datagram (copied). An unbound socket is bound to an ephemeral port
 * first. Datagrams larger than the MTU are fragmented, into at most
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) fragments: @p len is refused when
 * (len + 8 + mtu - 21) / ((mtu - 20) & ~7) exceeds 8, with mtu the MTU of
 * the route's interface; at MTU 1500 the largest datagram is 11832 bytes.
 *
 * @param dst
 *   Destination, or NULL on a connected socket.
 * @return
 *   @p len on success, or -EBADF, -EDESTADDRREQ (no destination),
 *   -EISCONN (destination given on a connected socket and different),
 *   -EINVAL (destination address or port 0),
 *   -EMSGSIZE (over 65507 bytes or over the fragment limit above),
 *   -ENETUNREACH, -ENOBUFS (no packet buffer), -EADDRNOTAVAIL (unbound
 *   and no ephemeral port left), -ECONNREFUSED (a pending error from an
 *   ICMP port unreachable, reported once).
 *
 * Stream sockets: copy as much of @p buf as the send buffer
 * (BERTH_SO_SNDBUF) has room for and return that count, which may be less
 * than @p len; the bytes go out as the peer's window allows and stay
 * queued until acknowledged. With no room at all the call returns -EAGAIN
 * and BERTH_EV_WRITABLE is raised once room frees. Errors: -ENOTCONN (not
 * yet ESTABLISHED or CLOSE-WAIT, or never connected), -EPIPE (after
 * BERTH_SHUT_WR or close of the writing side, or once the connection is
 * gone), -EISCONN (@p dst given), -ENOBUFS (no packet buffer), or a
 * pending error (ECONNRESET, ECONNREFUSED, ETIMEDOUT) reported once.
 */
ssize_t berth_sock_sendto(struct berth_stack *st, int sd, const void *buf, size_t len,
			  const struct sockaddr_in *dst);

/** berth_sock_sendto() with the connected destination. */
ssize_t berth_sock_send(struct berth_stack *st, int sd, const void *buf, size_t len);

/**
 * Receive one datagram (copied). A datagram longer than @p len is truncated
 * and the rest discarded, as with recvfrom(2).
 *
 * @param src
 *   Filled with the sender; may be NULL.
 * @return
 *   Bytes copied, or -EAGAIN when nothing is queued, -EBADF,
 *   -ECONNREFUSED (pending error, reported once).
 *
 * Stream sockets: copy up to @p len bytes of the byte stream (no message
 * boundaries); @p src gets the peer. Returns 0 at end of stream (the
 * peer's FIN arrived and everything before it was read, after
 * BERTH_SHUT_RD, or once the connection ended), -EAGAIN when no data is
 * queued yet, -ENOTCONN on a socket never connected, or a pending error
 * (ECONNRESET, ECONNREFUSED, ETIMEDOUT) once. Reading that opens the
 * receive window by a segment or more (or from zero) sends a window
 * update at once.
 */
ssize_t berth_sock_recvfrom(struct berth_stack *st, int sd, void *buf, size_t len,
			    struct sockaddr_in *src);

/** berth_sock_recvfrom() without the source address. */
ssize_t berth_sock_recv(struct berth_stack *st, int sd, void *buf, size_t len);

/**
 * Zero-copy send: the stack takes ownership of @p m whatever the result.
 * @p m holds the payload only and must have at least
 * BERTH_SOCK_HEADROOM bytes of headroom; use berth_sock_alloc_mbuf().
 *
 * @return
 *   Payload length on success, or a negative errno as berth_sock_sendto();
 *   on failure @p m has been freed.
 *
 * Stream sockets differ: the headroom is not needed (headers go in a
 * buffer of their own), and the whole chain is queued, as it is, whenever
 * the send buffer has any room, then sent and retransmitted by reference
 * until acknowledged; the application must not touch or share @p m after
 * handing it over. When the send buffer is full the call returns -EAGAIN
 * and, unlike every other failure, does NOT take @p m: the caller still
 * owns it and may retry after BERTH_EV_WRITABLE or free it.
 */
ssize_t berth_sock_sendto_mbuf(struct berth_stack *st, int sd, struct rte_mbuf *m,
			       const struct sockaddr_in *dst);

/**
 * Zero-copy receive: hand over the next datagram as an mbuf (possibly a
 * chain, after reassembly) whose data is the payload. The caller frees it.
 *
 * @param m
 *   Set to the datagram.
 * @param src
 *   Filled with the sender; may be NULL.
 * @return
 *   Payload length, or -EAGAIN, -EBADF, -ECONNREFUSED.
 *
 * Stream sockets: hand over the next buffer of the byte stream as
 * received (possibly a chain, any length); return values as
 * berth_sock_recvfrom(), 0 meaning end of stream with no mbuf set.
 */
ssize_t berth_sock_recvfrom_mbuf(struct berth_stack *st, int sd, struct rte_mbuf **m,
				 struct sockaddr_in *src);

/** Headroom a zero-copy send needs for Ethernet, IPv4 and UDP headers. */
#define BERTH_SOCK_HEADROOM 64

/**
 * Allocate an mbuf from the stack's pool with room for headers, for
 * berth_sock_sendto_mbuf().
 *
 * @return the mbuf, or NULL when the pool is empty.
 */
struct rte_mbuf *berth_sock_alloc_mbuf(struct berth_stack *st);

/**
 * Listen for connections on a bound stream socket (an unbound one is bound
 * to an ephemeral port first). Completed connections wait in an accept
 * queue of @p backlog entries; half-open ones (SYN-RECEIVED) are bounded
 * separately by berth_stack_conf.tcp_max_syn_backlog. BERTH_EV_ACCEPT is
 * raised when the accept queue goes from empty to non-empty.
 *
 * @param backlog
 *   Accept queue length; <= 0 means 1, capped at 65535.
 * @return
 *   0, or -EBADF, -EOPNOTSUPP (not a stream socket), -EINVAL (connected),
 *   -EADDRINUSE.
 */
int berth_sock_listen(struct berth_stack *st, int sd, int backlog);

/**
 * Take the oldest established connection from a listener's accept queue.
 *
 * @param peer
 *   Filled with the remote address; may be NULL.
 * @return
 *   The new descriptor, or -EAGAIN when none is waiting, -EBADF,
 *   -EINVAL (not listening), -EMFILE (descriptor table full: the
 *   connection stays queued).
 */
int berth_sock_accept(struct berth_stack *st, int sd, struct sockaddr_in *peer);

/** berth_sock_shutdown() directions, as shutdown(2). */
enum berth_shut {
	BERTH_SHUT_RD = 0,   /**< no more receiving: queued and later data is discarded */
	BERTH_SHUT_WR = 1,   /**< no more sending: a FIN follows the queued data */
	BERTH_SHUT_RDWR = 2, /**< both */
};

/**
 * Shut down one or both directions of a connection (half-close).
 *
 * @return 0, or -EBADF, -ENOTCONN, -EINVAL (bad @p how), -EOPNOTSUPP (not a
 * stream socket).
 */
int berth_sock_shutdown(struct berth_stack *st, int sd, enum berth_shut how);

/**
 * Print every TCP connection of the stack, one per line as ss(8) does:
 * state, local and remote address, send and receive queue bytes, and the
 * timers that are armed; then the count of TIME-WAIT entries and of
 * listeners.
 *
 * @param st
 *   The stack.
 * @param f
 *   Output stream.
 */
void berth_stack_conns_dump(struct berth_stack *st, FILE *f);

/**
 * Local address of a socket.
 *
 * @return 0, or -EBADF. An unbound socket reports 0.0.0.0:0; a connected
 * stream socket reports the address the connection uses.
 */
int berth_sock_getsockname(struct berth_stack *st, int sd, struct sockaddr_in *addr);

/**
 * Remote address of a connected socket.
 *
 * @return 0, or -EBADF, -ENOTCONN (stream sockets: also in SYN-SENT and
 * once the connection has ended, as Linux).
 */
int berth_sock_getpeername(struct berth_stack *st, int sd, struct sockaddr_in *addr);

/** Option names for berth_sock_setopt(). */
enum berth_sockopt {
	/**
	 * Receive buffer bytes (int). Stream sockets: 2048 to 16 MiB, default
	 * berth_stack_conf.tcp_rcvbuf; the advertised window is what is left of
	 * it, at most 65535 (no window scaling yet), and a smaller buffer never
	 * withdraws a window already advertised.
	 */
	BERTH_SO_RCVBUF = 1,
	BERTH_SO_ERROR = 2,     /**< read and clear the pending error (get only) */
	/**
	 * Send buffer bytes (int), stream sockets: 2048 to 16 MiB, default
	 * berth_stack_conf.tcp_sndbuf; bounds data queued, unsent or unacked.
	 */
	BERTH_SO_SNDBUF = 3,
	BERTH_SO_REUSEADDR = 4, /**< bind over TIME-WAIT connections (0/1) */
	/**
	 * Linger on close, in seconds, stream sockets: -1 (default) closes
	 * gracefully in the background; 0 aborts with a RST and discards
	 * unsent data; > 0 behaves as -1 (close never blocks in berth).
	 */
	BERTH_SO_LINGER = 5,
	/**
	 * Stream sockets, 0/1 (default 0): 1 turns Nagle's algorithm (RFC 896)
	 * off, so a small send goes at once even while data is unacknowledged.
	 */
	BERTH_SO_NODELAY = 6,
	/**
	 * Stream sockets, 0/1 (default 0): keepalive probes (RFC 1122
	 * §4.2.3.6) after BERTH_TCP_KEEPIDLE idle seconds, every
	 * BERTH_TCP_KEEPINTVL seconds; BERTH_TCP_KEEPCNT unanswered probes
	 * end the connection with ETIMEDOUT.
	 */
	BERTH_SO_KEEPALIVE = 7,
	BERTH_TCP_KEEPIDLE = 8,  /**< seconds, 1 to 32767 (default 7200) */
	BERTH_TCP_KEEPINTVL = 9, /**< seconds, 1 to 32767 (default 75) */
	BERTH_TCP_KEEPCNT = 10,  /**< probes, 1 to 127 (default 9) */
	/**
	 * Stream sockets: congestion control, an enum berth_tcp_cc (default
	 * berth_stack_conf.tcp_cc); may change on a live connection, which
	 * keeps its window and threshold.
	 */
	BERTH_TCP_CONGESTION = 11,
};

/**
 * Set a socket option. Set on a listener, SNDBUF, RCVBUF, LINGER, NODELAY,
 * the keepalive options and BERTH_TCP_CONGESTION are what its accepted connections start with; REUSEADDR must be set before
 * bind() to matter.
 *
 * @return 0, or -EBADF, -ENOPROTOOPT, -EINVAL (value out of bounds).
 */
int berth_sock_setopt(struct berth_stack *st, int sd, enum berth_sockopt opt, int value);

/**
 * Get a socket option.
 *
 * @return 0 with *value set, or -EBADF, -ENOPROTOOPT.
 */
int berth_sock_getopt(struct berth_stack *st, int sd, enum berth_sockopt opt, int *value);

/**
 * Attach an application value to a socket; it comes back in berth_event.
 *
 * @return 0, or -EBADF.
 */
int berth_sock_set_user(struct berth_stack *st, int sd, uint64_t user);

#ifdef __cplusplus
}
#endif

#endif /* BERTH_SOCKET_H */
