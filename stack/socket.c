/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket descriptors, readiness events and the public berth_sock_* calls,
 * which check the descriptor and hand over to the protocol's ops.
 *
 * Call chain: app -> berth_sock_* -> so->ops (udp.c); input processing ->
 * sock_notify -> event ring -> berth_stack_events (after the burst).
 *
 * Events of one socket are merged: a socket sits on the ring at most once,
 * with the union of what happened since the application last looked.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include <berth/socket.h>

#include "core.h"
#include "tcp.h"

#define SD_NONE UINT32_MAX

int
sock_table_init(struct berth_stack *st)
{
	struct berth_sock_table *t = &st->socks;
	uint32_t i;

	t->max = st->conf.max_sockets;
	t->socks = rte_zmalloc_socket("berth_socks", sizeof(*t->socks) * t->max, 0,
				      st->socket_id);
	t->next_free = rte_malloc_socket("berth_sdfree", sizeof(*t->next_free) * t->max, 0,
					 st->socket_id);
	st->evq.cap = t->max;
	st->evq.sds = rte_malloc_socket("berth_evq", sizeof(*st->evq.sds) * t->max, 0,
					st->socket_id);
	if (t->socks == NULL || t->next_free == NULL || st->evq.sds == NULL) {
		sock_table_fini(st);
		return -ENOMEM;
	}
	/*
	 * Free list in descriptor order at start; afterwards the most recently
	 * closed descriptor is reused first (its socket memory is cache-hot).
	 * Unlike a Unix file table, the lowest free descriptor is not promised.
	 */
	for (i = 0; i < t->max; i++)
		t->next_free[i] = i + 1 < t->max ? i + 1 : SD_NONE;
	t->free_head = 0;
	t->nb_open = 0;
	st->evq.head = 0;
	st->evq.len = 0;
	return 0;
}

void
sock_table_fini(struct berth_stack *st)
{
	struct berth_sock_table *t = &st->socks;
	uint32_t i;

	if (t->socks != NULL) {
		for (i = 0; i < t->max; i++)
			if (t->socks[i] != NULL)
				t->socks[i]->ops->close(st, t->socks[i]);
	}
	rte_free(t->socks);
	rte_free(t->next_free);
	rte_free(st->evq.sds);
	t->socks = NULL;
	t->next_free = NULL;
	st->evq.sds = NULL;
}

int
sock_register(struct berth_stack *st, struct berth_sock *so)
{
	struct berth_sock_table *t = &st->socks;
	uint32_t sd = t->free_head;

	if (sd == SD_NONE)
		return -EMFILE;
	t->free_head = t->next_free[sd];
	t->socks[sd] = so;
	t->nb_open++;
	so->sd = (int)sd;
	so->ev_queued = false;
	so->ev_pending = 0;
	so->so_error = 0;
	so->user = 0;
	return (int)sd;
}

void
sock_unregister(struct berth_stack *st, struct berth_sock *so)
{
	struct berth_sock_table *t = &st->socks;
	uint32_t sd = (uint32_t)so->sd;

	if (sd >= t->max || t->socks[sd] != so)
		return;
	/*
	 * Take its slot off the ring, closing the gap, so that the ring keeps
	 * at most one slot per descriptor (close is not on the fast path).
	 */
	if (so->ev_queued) {
		struct berth_evq *q = &st->evq;
		uint32_t i, j = 0;

		for (i = 0; i < q->len; i++) {
			int v = q->sds[(q->head + i) % q->cap];

			if (v != so->sd)
				q->sds[(q->head + j++) % q->cap] = v;
		}
		q->len = j;
		so->ev_queued = false;
	}
	t->socks[sd] = NULL;
	t->next_free[sd] = t->free_head;
	t->free_head = sd;
	t->nb_open--;
	so->sd = -1;
}

void
sock_replace(struct berth_stack *st, struct berth_sock *old, struct berth_sock *new)
{
	uint32_t sd = (uint32_t)old->sd;

	if (sd >= st->socks.max || st->socks.socks[sd] != old)
		return;
	new->sd = old->sd;
	new->type = old->type;
	new->ev_queued = old->ev_queued; /* its ring slot carries over */
	new->ev_pending = old->ev_pending;
	new->so_error = old->so_error;
	new->user = old->user;
	st->socks.socks[sd] = new;
	old->sd = -1;
	old->ev_queued = false;
}

struct berth_sock *
sock_lookup(struct berth_stack *st, int sd)
{
	if (sd < 0 || (uint32_t)sd >= st->socks.max)
		return NULL;
	return st->socks.socks[sd];
}

void
sock_notify(struct berth_stack *st, struct berth_sock *so, uint32_t ev)
{
	struct berth_evq *q = &st->evq;

	so->ev_pending |= ev;
	/* No descriptor (a connection not yet accepted, or closed): nobody to tell. */
	if (so->ev_queued || so->sd < 0)
		return;
	/* The ring holds one slot per descriptor, so it cannot overflow. */
	q->sds[(q->head + q->len) % q->cap] = so->sd;
	q->len++;
	so->ev_queued = true;
}

void
sock_set_error(struct berth_stack *st, struct berth_sock *so, int err)
{
	so->so_error = err;
	sock_notify(st, so, BERTH_EV_ERROR);
}

unsigned int
berth_stack_events(struct berth_stack *st, struct berth_event *ev, unsigned int max)
{
	struct berth_evq *q = &st->evq;
	unsigned int n = 0;

	while (n < max && q->len > 0) {
		int sd = q->sds[q->head];
		struct berth_sock *so = sock_lookup(st, sd);

		q->head = (q->head + 1) % q->cap;
		q->len--;
		if (so == NULL || !so->ev_queued)
			continue;
		so->ev_queued = false;
		if (so->ev_pending == 0)
			continue;
		ev[n].sd = sd;
		ev[n].events = so->ev_pending;
		ev[n].error = so->so_error;
		ev[n].user = so->user;
		so->ev_pending = 0;
		n++;
	}
	return n;
}

/* ---- public calls: validate, then dispatch ---- */

#define SOCK_OR_EBADF(st, sd, so) \
	struct berth_sock *so = (st) != NULL ? sock_lookup((st), (sd)) : NULL; \
	if (so == NULL) \
		return -EBADF

int
berth_sock_open(struct berth_stack *st, enum berth_sock_type type)
{
	if (st == NULL)
		return -EINVAL;
	switch (type) {
	case BERTH_SOCK_DGRAM:
		return udp_sock_open(st);
	case BERTH_SOCK_STREAM:
		return tcp_sock_open(st);
	default:
		return -EPROTONOSUPPORT;
	}
}

int
berth_sock_close(struct berth_stack *st, int sd)
{
	SOCK_OR_EBADF(st, sd, so);
	so->ops->close(st, so);
	return 0;
}

int
berth_sock_bind(struct berth_stack *st, int sd, const struct sockaddr_in *addr)
{
	SOCK_OR_EBADF(st, sd, so);
	if (addr == NULL || addr->sin_family != AF_INET)
		return -EINVAL;
	return so->ops->bind(st, so, addr);
}

int
berth_sock_connect(struct berth_stack *st, int sd, const struct sockaddr_in *addr)
{
	SOCK_OR_EBADF(st, sd, so);
	if (addr == NULL || (addr->sin_family != AF_INET && addr->sin_family != AF_UNSPEC))
		return -EINVAL;
	return so->ops->connect(st, so, addr);
}

ssize_t
berth_sock_sendto(struct berth_stack *st, int sd, const void *buf, size_t len,
		  const struct sockaddr_in *dst)
{
	SOCK_OR_EBADF(st, sd, so);
	if (buf == NULL && len > 0)
		return -EFAULT;
	if (dst != NULL && dst->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	return so->ops->sendto(st, so, buf, len, dst);
}

ssize_t
berth_sock_send(struct berth_stack *st, int sd, const void *buf, size_t len)
{
	return berth_sock_sendto(st, sd, buf, len, NULL);
}

ssize_t
berth_sock_recvfrom(struct berth_stack *st, int sd, void *buf, size_t len,
		    struct sockaddr_in *src)
{
	SOCK_OR_EBADF(st, sd, so);
	if (buf == NULL && len > 0)
		return -EFAULT;
	return so->ops->recvfrom(st, so, buf, len, src);
}

ssize_t
berth_sock_recv(struct berth_stack *st, int sd, void *buf, size_t len)
{
	return berth_sock_recvfrom(st, sd, buf, len, NULL);
}

ssize_t
berth_sock_sendto_mbuf(struct berth_stack *st, int sd, struct rte_mbuf *m,
		       const struct sockaddr_in *dst)
{
	struct berth_sock *so = st != NULL ? sock_lookup(st, sd) : NULL;

	/* The stack owns m whatever happens. */
	if (so == NULL) {
		rte_pktmbuf_free(m);
		return -EBADF;
	}
	if (m == NULL)
		return -EINVAL;
	if (dst != NULL && dst->sin_family != AF_INET) {
		rte_pktmbuf_free(m);
		return -EAFNOSUPPORT;
	}
	return so->ops->sendto_mbuf(st, so, m, dst);
}

ssize_t
berth_sock_recvfrom_mbuf(struct berth_stack *st, int sd, struct rte_mbuf **m,
			 struct sockaddr_in *src)
{
	SOCK_OR_EBADF(st, sd, so);
	if (m == NULL)
		return -EINVAL;
	return so->ops->recvfrom_mbuf(st, so, m, src);
}

int
berth_sock_listen(struct berth_stack *st, int sd, int backlog)
{
	SOCK_OR_EBADF(st, sd, so);
	if (so->ops->listen == NULL)
		return -EOPNOTSUPP;
	if (backlog <= 0)
		backlog = 1;
	if (backlog > 65535)
		backlog = 65535;
	return so->ops->listen(st, so, backlog);
}

int
berth_sock_accept(struct berth_stack *st, int sd, struct sockaddr_in *peer)
{
	SOCK_OR_EBADF(st, sd, so);
	if (so->ops->accept == NULL)
		return -EOPNOTSUPP;
	return so->ops->accept(st, so, peer);
}

int
berth_sock_shutdown(struct berth_stack *st, int sd, enum berth_shut how)
{
	SOCK_OR_EBADF(st, sd, so);
	if (so->ops->shutdown == NULL)
		return -EOPNOTSUPP;
	if (how != BERTH_SHUT_RD && how != BERTH_SHUT_WR && how != BERTH_SHUT_RDWR)
		return -EINVAL;
	return so->ops->shutdown(st, so, (int)how);
}

struct rte_mbuf *
berth_sock_alloc_mbuf(struct berth_stack *st)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->pool);

	if (m == NULL) {
		DROP_INC(st, NO_MBUF);
		return NULL;
	}
	/* Default headroom (128) already exceeds BERTH_SOCK_HEADROOM. */
	return m;
}

int
berth_sock_getsockname(struct berth_stack *st, int sd, struct sockaddr_in *addr)
{
	SOCK_OR_EBADF(st, sd, so);
	if (addr == NULL)
		return -EINVAL;
	return so->ops->getsockname(st, so, addr);
}

int
berth_sock_getpeername(struct berth_stack *st, int sd, struct sockaddr_in *addr)
{
	SOCK_OR_EBADF(st, sd, so);
	if (addr == NULL)
		return -EINVAL;
	return so->ops->getpeername(st, so, addr);
}

int
berth_sock_setopt(struct berth_stack *st, int sd, enum berth_sockopt opt, int value)
{
	SOCK_OR_EBADF(st, sd, so);
	if (opt == BERTH_SO_ERROR)
		return -ENOPROTOOPT;
	return so->ops->setopt(st, so, (int)opt, value);
}

int
berth_sock_getopt(struct berth_stack *st, int sd, enum berth_sockopt opt, int *value)
{
	SOCK_OR_EBADF(st, sd, so);
	if (value == NULL)
		return -EINVAL;
	if (opt == BERTH_SO_ERROR) {
		*value = so->so_error;
		so->so_error = 0;
		return 0;
	}
	return so->ops->getopt(st, so, (int)opt, value);
}

int
berth_sock_set_user(struct berth_stack *st, int sd, uint64_t user)
{
	SOCK_OR_EBADF(st, sd, so);
	so->user = user;
	return 0;
}
