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
	BERTH_SOCK_STREAM = 2, /**< TCP (not yet implemented) */
};

/**
 * Open a socket.
 *
 * @param st
 *   The stack.
 * @param type
 *   BERTH_SOCK_DGRAM.
 * @return
 *   Descriptor >= 0, or -EPROTONOSUPPORT for an unsupported type, -EMFILE
 *   when the stack's socket table is full, -ENOMEM.
 */
int berth_sock_open(struct berth_stack *st, enum berth_sock_type type);

/**
 * Close a socket; queued datagrams are freed and the port is released.
 *
 * @return 0, or -EBADF.
 */
int berth_sock_close(struct berth_stack *st, int sd);

/**
 * Bind to a local address and port. Address INADDR_ANY binds to every
 * interface; port 0 picks an ephemeral port from the configured range.
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
 * @return
 *   0, or -EBADF, -EINVAL, -ENETUNREACH (no route), -EADDRNOTAVAIL.
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
 * Local address of a socket.
 *
 * @return 0, or -EBADF. An unbound socket reports 0.0.0.0:0.
 */
int berth_sock_getsockname(struct berth_stack *st, int sd, struct sockaddr_in *addr);

/**
 * Remote address of a connected socket.
 *
 * @return 0, or -EBADF, -ENOTCONN.
 */
int berth_sock_getpeername(struct berth_stack *st, int sd, struct sockaddr_in *addr);

/** Option names for berth_sock_setopt(). */
enum berth_sockopt {
	BERTH_SO_RCVBUF = 1, /**< receive buffer bytes (int) */
	BERTH_SO_ERROR = 2,  /**< read and clear the pending error (get only) */
};

/**
 * Set a socket option.
 *
 * @return 0, or -EBADF, -ENOPROTOOPT, -EINVAL.
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
