/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream sockets: the TCB's life (allocation, state changes with their
 * trace line, drop and free), listeners and their queues, the socket
 * operations behind berth_sock_* for BERTH_SOCK_STREAM, and the connection
 * listing.
 *
 * Call chain: berth_sock_* (socket.c) -> so->ops -> tcp_* here -> tcp_output,
 *             tcp tables; tcp_input -> tcb_alloc, tcp_set_state,
 *             tcp_child_established, tcp_drop -> sock_notify
 *
 * Read first: RFC 9293 §3.10.1-§3.10.6 (OPEN, SEND, RECEIVE, CLOSE, ABORT,
 * STATUS as user calls), §3.3.2 (states), RFC 1122 §4.2.2.13 (closing with
 * unread data), POSIX connect(2)/accept(2)/shutdown(2) for the error codes,
 * which berth follows as Linux does.
 *
 * Two kinds of socket hide behind a stream descriptor: a TCB (struct tcb)
 * and, after listen(), a listener (struct tcp_listener, which takes over
 * the descriptor with sock_replace). Each has its own ops table.
 *
 * A TCB lives while someone holds it: the application (a descriptor), a
 * listener's queue (children not yet accepted), or the protocol finishing
 * a close in the background (app_closed). tcp_drop ends the connection and
 * frees the TCB when nobody holds a descriptor to it any more.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <berth/socket.h>

#include "tcp.h"

/* BERTH_SO_SNDBUF / BERTH_SO_RCVBUF bounds. */
#define TCP_BUF_MIN 2048
#define TCP_BUF_MAX (16 * 1024 * 1024)

static const struct berth_sock_ops tcp_ops;
static const struct berth_sock_ops tcp_listen_ops;

static inline struct tcb *
tcb_of(struct berth_sock *so)
{
	return (struct tcb *)so;
}

static inline struct tcp_listener *
lsn_of(struct berth_sock *so)
{
	return (struct tcp_listener *)so;
}

/* Is anybody holding a descriptor to tp? */
static inline bool
tcb_held(const struct tcb *tp)
{
	return !tp->app_closed && tp->so.sd >= 0;
}

static void
fmt_addr(char *buf, size_t len, uint32_t addr, uint16_t port)
{
	uint32_t h = rte_be_to_cpu_32(addr);

	snprintf(buf, len, "%u.%u.%u.%u:%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff,
		 h & 0xff, rte_be_to_cpu_16(port));
}

/* ---- the TCB ---- */

struct tcb *
tcb_alloc(struct berth_stack *st)
{
	struct tcb *tp;

	if (pktq_register() < 0)
		return NULL;
	tp = tcp_pool_get(st);
	if (tp == NULL)
		return NULL;
	tp->so.sd = -1;
	tp->so.type = BERTH_SOCK_STREAM;
	tp->so.ops = &tcp_ops;
	tp->state = TCP_CLOSED;
	pktq_init(&tp->sndq);
	pktq_init(&tp->rcvq);
	tp->sndbuf = st->conf.tcp_sndbuf;
	tp->rcvbuf = st->conf.tcp_rcvbuf;
	/* RFC 9293 §3.7.1: 536 until the peer's SYN says otherwise. */
	tp->snd_mss = TCP_DEFAULT_MSS;
	tp->rcv_wnd = RTE_MIN(tp->rcvbuf, (uint32_t)TCP_MAX_WIN);
	tp->linger = -1;
	tcp_flow_opts_default(&tp->fo);
	tp->fo.cc = st->conf.tcp_cc;
	tcp_timer_init_tcb(tp);
	st->tcp->nb_tcbs++;
	return tp;
}

/* Stop the timers and free the queues. */
static void
tcb_release(struct berth_stack *st, struct tcb *tp)
{
	tcp_rexmit_stop(st, tp);
	timer_cancel(&st->wheel, &tp->conn_timer);
	tcp_flow_stop(st, tp);
	pktq_free(&tp->sndq);
	pktq_free(&tp->rcvq);
	tcb_ext_free(tp);
	tp->snd_cur = NULL;
}

void
tcb_free(struct berth_stack *st, struct tcb *tp)
{
	tcb_release(st, tp);
	if (tp->bound) {
		tcp_bind_del(st, tp->bind_addr, tp->key.lport);
		tp->bound = false;
	}
	st->tcp->nb_tcbs--;
	tcp_pool_put(st, tp);
}

void
tcp_set_state(struct berth_stack *st, struct tcb *tp, enum tcp_state s, const char *why)
{
	enum tcp_state old = tp->state;

	/* The trace teaching users read: every transition and its cause. */
	if (rte_log_can_log((uint32_t)berth_logtype, RTE_LOG_DEBUG)) {
		char l[24], r[24];

		fmt_addr(l, sizeof(l), tp->key.laddr, tp->key.lport);
		fmt_addr(r, sizeof(r), tp->key.raddr, tp->key.rport);
		BERTH_LOG(DEBUG, "tcp %s %s %s -> %s (%s)", l, r, tcp_state_name(old),
			  tcp_state_name(s), why != NULL ? why : "");
	}
	tp->state = s;
	/*
	 * Not in RFC 9293: a closed socket in FIN-WAIT-2 waits for the peer's
	 * FIN only so long (Linux tcp_fin_timeout), else it would stay forever.
	 */
	if (s == TCP_FIN_WAIT_2 && tp->app_closed)
		timer_arm(&st->wheel, &tp->conn_timer, st->now + st->conf.tcp_fin_wait2_ns);
}

/* Take a child off its listener's SYN-RECEIVED or accept queue. */
static void
lsn_unqueue(struct tcb *tp)
{
	struct tcp_listener *l = tp->parent;

	/* An unlinked entry has tqe_prev NULL (zeroed at allocation, reset below). */
	if (tp->lq_link.tqe_prev != NULL) {
		if (tp->in_accept_q) {
			TAILQ_REMOVE(&l->accept_q, tp, lq_link);
			l->nb_accept--;
		} else {
			TAILQ_REMOVE(&l->syn_q, tp, lq_link);
			l->nb_syn_recv--;
		}
		tp->lq_link.tqe_prev = NULL;
	}
	tp->in_accept_q = false;
	tp->parent = NULL;
}

static const char *
drop_reason(int err)
{
	switch (err) {
	case 0:
		return "closed";
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset";
	case ETIMEDOUT:
		return "timed out";
	default:
		return "dropped";
	}
}

void
tcp_drop(struct berth_stack *st, struct tcb *tp, int err, uint64_t now)
{
	struct tcp_lookup lk;

	(void)now;
	/* Only our own entry: the key may belong to a TIME-WAIT entry or a successor. */
	lk = tcp_table_lookup(st, &tp->key);
	if (lk.kind == TCP_LK_TCB && lk.tcb == tp)
		tcp_table_remove(st, tp);
	if (tp->parent != NULL)
		lsn_unqueue(tp);
	if (tp->state != TCP_CLOSED)
		tcp_set_state(st, tp, TCP_CLOSED, drop_reason(err));
	tcb_release(st, tp);
	if (!tcb_held(tp)) {
		tcb_free(st, tp);
		return;
	}
	/* Kept for the application, which learns it with the next call or event. */
	if (err != 0)
		sock_set_error(st, &tp->so, err);
	sock_notify(st, &tp->so, BERTH_EV_HANGUP);
}

void
tcp_child_established(struct berth_stack *st, struct tcb *tp)
{
	struct tcp_listener *l = tp->parent;

	if (l == NULL || tp->in_accept_q)
		return;
	/* A full accept queue is the caller's to handle (RST, tcp_accept_full). */
	if (l->nb_accept >= l->backlog)
		return;
	if (tp->lq_link.tqe_prev != NULL) {
		TAILQ_REMOVE(&l->syn_q, tp, lq_link);
		l->nb_syn_recv--;
	}
	TAILQ_INSERT_TAIL(&l->accept_q, tp, lq_link);
	l->nb_accept++;
	tp->in_accept_q = true;
	STAT_INC(st, TCP_ESTAB);
	/* Edge-triggered: empty -> non-empty. */
	if (l->nb_accept == 1 && l->so.sd >= 0)
		sock_notify(st, &l->so, BERTH_EV_ACCEPT);
}

int
tcp_sock_open(struct berth_stack *st)
{
	struct tcb *tp = tcb_alloc(st);
	int sd;

	if (tp == NULL)
		return -ENOMEM;
	sd = sock_register(st, &tp->so);
	if (sd < 0)
		tcb_free(st, tp);
	return sd;
}

/* ---- options, shared by TCBs and listeners ---- */

static int
opt_set(int opt, int value, uint32_t *sndbuf, uint32_t *rcvbuf, bool *reuseaddr, int *linger)
{
	switch (opt) {
	case BERTH_SO_SNDBUF:
	case BERTH_SO_RCVBUF:
		if (value < TCP_BUF_MIN || value > TCP_BUF_MAX)
			return -EINVAL;
		/* Queued data above a smaller bound stays; the window never shrinks. */
		*(opt == BERTH_SO_SNDBUF ? sndbuf : rcvbuf) = (uint32_t)value;
		return 0;
	case BERTH_SO_REUSEADDR:
		*reuseaddr = value != 0;
		return 0;
	case BERTH_SO_LINGER:
		if (value < -1)
			return -EINVAL;
		*linger = value;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int
opt_get(int opt, int *value, uint32_t sndbuf, uint32_t rcvbuf, bool reuseaddr, int linger)
{
	switch (opt) {
	case BERTH_SO_SNDBUF:
		*value = (int)sndbuf;
		return 0;
	case BERTH_SO_RCVBUF:
		*value = (int)rcvbuf;
		return 0;
	case BERTH_SO_REUSEADDR:
		*value = reuseaddr ? 1 : 0;
		return 0;
	case BERTH_SO_LINGER:
		*value = linger;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static void
sin_fill(struct sockaddr_in *a, uint32_t addr, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = addr;
	a->sin_port = port;
}

/* ---- binding ---- */

/*
 * bind() to port 0: RFC 6056 §3.3.1 (Algorithm 1), a random start in the
 * ephemeral range and a linear probe for a port tcp_bind_add accepts. No
 * remote end is known yet, so the keyed algorithms of tcp_portsel.c have
 * nothing to hash.
 */
static int
bind_ephemeral(struct berth_stack *st, uint32_t addr, bool reuseaddr, uint16_t *port)
{
	uint32_t lo = st->conf.ephemeral_lo, hi = st->conf.ephemeral_hi;
	uint32_t n = hi - lo + 1, start = (uint32_t)rte_rand_max(n), i;

	for (i = 0; i < n; i++) {
		uint32_t p = lo + (start + i) % n;

		/* Port 0 means "any" and is never a real port. */
		if (p == 0)
			continue;
		if (tcp_bind_add(st, addr, rte_cpu_to_be_16((uint16_t)p), reuseaddr) == 0) {
			*port = rte_cpu_to_be_16((uint16_t)p);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

static int
tcp_bind(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a)
{
	struct tcb *tp = tcb_of(so);
	uint32_t addr = a->sin_addr.s_addr;
	uint16_t port = a->sin_port;
	int ret;

	if (tp->bound || tp->bind_addr != 0 || tp->state != TCP_CLOSED || tp->key.lport != 0)
		return -EINVAL;
	if (addr != 0 && ipv4_local_if(st, addr) == NULL)
		return -EADDRNOTAVAIL;
	if (addr != 0 && port == 0) {
		/*
		 * A source address without a port, as Linux's
		 * IP_BIND_ADDRESS_NO_PORT: the port is chosen by connect() for
		 * the whole 4-tuple (RFC 6056) or by listen(). Chosen here it
		 * would be this socket's alone for every destination, and the
		 * port table counts connections per port whatever the address,
		 * so clients spreading over several source addresses would
		 * still share one range of ports between them.
		 */
		tp->bind_addr = addr;
		tp->key.laddr = addr;
		return 0;
	}
	if (port == 0)
		ret = bind_ephemeral(st, addr, tp->reuseaddr, &port);
	else
		ret = tcp_bind_add(st, addr, port, tp->reuseaddr);
	if (ret < 0)
		return ret;
	tp->bound = true;
	tp->bind_addr = addr;
	tp->key.laddr = addr;
	tp->key.lport = port;
	return 0;
}

/* ---- listen and accept ---- */

static int
tcp_listen(struct berth_stack *st, struct berth_sock *so, int backlog)
{
	struct tcb *tp = tcb_of(so);
	struct tcp_listener *l;
	int ret;

	if (tp->state != TCP_CLOSED || tp->key.rport != 0)
		return -EINVAL;
	if (!tp->bound) {
		uint16_t port;

		/* Unbound, or bound to an address only (tcp_bind). */
		ret = bind_ephemeral(st, tp->bind_addr, tp->reuseaddr, &port);
		if (ret < 0)
			return ret;
		tp->bound = true;
		tp->key.laddr = tp->bind_addr;
		tp->key.lport = port;
	}
	l = rte_zmalloc_socket("berth_tcp_listener", sizeof(*l), RTE_CACHE_LINE_SIZE,
			       st->socket_id);
	if (l == NULL)
		return -ENOMEM;
	l->so.sd = -1;
	l->so.type = BERTH_SOCK_STREAM;
	l->so.ops = &tcp_listen_ops;
	l->laddr = tp->bind_addr;
	l->lport = tp->key.lport;
	l->backlog = (uint32_t)backlog;
	l->max_syn_recv = st->conf.tcp_max_syn_backlog;
	TAILQ_INIT(&l->accept_q);
	TAILQ_INIT(&l->syn_q);
	l->reuseaddr = tp->reuseaddr;
	l->sndbuf = tp->sndbuf;
	l->rcvbuf = tp->rcvbuf;
	l->linger = tp->linger;
	l->fo = tp->fo;
	ret = tcp_listen_insert(st, l);
	if (ret < 0) {
		rte_free(l);
		return ret;
	}
	if (rte_log_can_log((uint32_t)berth_logtype, RTE_LOG_DEBUG)) {
		char a[24];

		fmt_addr(a, sizeof(a), l->laddr, l->lport);
		BERTH_LOG(DEBUG, "tcp %s CLOSED -> LISTEN (listen, backlog %u)", a, l->backlog);
	}
	/* The descriptor, its events and user value move to the listener. */
	sock_replace(st, &tp->so, &l->so);
	LIST_INSERT_HEAD(&st->tcp->listeners, l, link);
	st->tcp->nb_listeners++;
	/* The binding is the listener's now. */
	tp->bound = false;
	tcb_free(st, tp);
	return 0;
}

static int
lsn_listen(struct berth_stack *st, struct berth_sock *so, int backlog)
{
	(void)st;
	/* As listen(2) on a listening socket: only the backlog changes. */
	lsn_of(so)->backlog = (uint32_t)backlog;
	return 0;
}

static int
lsn_accept(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *peer)
{
	struct tcp_listener *l = lsn_of(so);
	struct tcb *tp = TAILQ_FIRST(&l->accept_q);
	uint32_t ev = 0;
	int sd;

	if (tp == NULL)
		return -EAGAIN;
	/* -EMFILE leaves it queued for a later accept. */
	sd = sock_register(st, &tp->so);
	if (sd < 0)
		return sd;
	lsn_unqueue(tp);
	if (peer != NULL)
		sin_fill(peer, tp->key.raddr, tp->key.rport);
	/* What happened before accept: the application gets it as events now. */
	if (tp->rcvq.count > 0)
		ev |= BERTH_EV_READABLE;
	if (tp->fin_rcvd)
		ev |= BERTH_EV_READABLE | BERTH_EV_HANGUP;
	if (ev != 0)
		sock_notify(st, &tp->so, ev);
	return sd;
}

static int
tcp_accept(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *peer)
{
	(void)st; (void)so; (void)peer;
	return -EINVAL; /* not listening */
}

/* ---- connect ---- */

/* Forget a finished connection so that the socket can connect again (as Linux). */
static void
conn_reset(struct tcb *tp)
{
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss = 0;
	tp->snd_wl1 = tp->snd_wl2 = 0;
	tp->snd_wnd = 0;
	tp->snd_mss = TCP_DEFAULT_MSS;
	tp->rcv_nxt = tp->irs = tp->rcv_adv = 0;
	tp->rcv_wnd = RTE_MIN(tp->rcvbuf, (uint32_t)TCP_MAX_WIN);
	tp->srtt_us = tp->rttvar_us = 0;
	tp->rtt_active = false;
	tp->nb_rexmit = 0;
	tp->chack_window_start = 0;
	tp->chack_count = 0;
	tp->fin_queued = tp->fin_sent = tp->fin_rcvd = tp->rd_shut = false;
	tp->ack_now = tp->syn_acked = tp->snd_wait = false;
	tcp_timer_init_tcb(tp);
}

static int
tcp_connect(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a)
{
	struct tcb *tp = tcb_of(so);
	uint32_t raddr = a->sin_addr.s_addr;
	struct berth_nexthop nh;
	struct tcp_key key;
	int ret;

	switch (tp->state) {
	case TCP_CLOSED:
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -EALREADY;
	default:
		return -EISCONN;
	}
	/* Linux disconnects on AF_UNSPEC; berth has berth_sock_shutdown/close for that. */
	if (a->sin_family != AF_INET || raddr == 0 || a->sin_port == 0)
		return -EINVAL;
	/* RFC 1122 §4.2.3.10: no connection to a broadcast or multicast address. */
	if (!ipv4_is_unicast_host(st, raddr) || ipv4_is_bcast(st, raddr))
		return -ENETUNREACH;
	if (route_lookup(st, raddr, &nh) < 0)
		return -ENETUNREACH;
	/* A bound address (with or without a port) is the source, not the route's. */
	if (tp->bind_addr != 0)
		nh.src = tp->bind_addr;
	memset(&key, 0, sizeof(key));
	key.laddr = nh.src;
	key.raddr = raddr;
	key.rport = a->sin_port;
	if (tp->bound) {
		key.lport = tp->key.lport;
		if (!tcp_tuple_free(st, &key))
			return -EADDRNOTAVAIL;
	} else {
		uint16_t lport;

		/* RFC 6056: the configured algorithm picks a port free for this tuple. */
		ret = tcp_port_select(st, key.laddr, key.raddr, key.rport, &lport);
		if (ret < 0)
			return ret;
		key.lport = lport;
	}
	if (tp->key.rport != 0)
		conn_reset(tp);
	tp->key = key;
	tp->nh = nh;
	/* RFC 9293 §3.4.1, RFC 6528: the ISN from the clock and the keyed hash of the tuple. */
	tp->iss = tcp_isn(st, &tp->key, st->now);
	tp->snd_una = tp->iss;
	tp->snd_nxt = tp->iss;
	tp->snd_max = tp->iss;
	tp->syn_acked = false;
	ret = tcp_table_insert(st, tp);
	if (ret < 0) {
		/* Back to unconnected: the bound port (if any) stays. */
		tp->key.raddr = 0;
		tp->key.rport = 0;
		tp->key.laddr = tp->bind_addr;
		if (!tp->bound)
			tp->key.lport = 0;
		return ret == -ENOSPC ? -ENOBUFS : -EADDRNOTAVAIL;
	}
	tcp_set_state(st, tp, TCP_SYN_SENT, "connect");
	STAT_INC(st, TCP_ACTIVE_OPEN);
	/* RFC 9293 §3.10.1: send the SYN; the retransmission timer starts with it. */
	tcp_send_syn(st, tp, st->now);
	return -EINPROGRESS;
}

/* ---- send ---- */

static int
take_error(struct berth_sock *so)
{
	int err = so->so_error;

	so->so_error = 0;
	return err;
}

/* May the application queue data now? 0 or a negative errno. */
static int
send_check(struct tcb *tp, const struct sockaddr_in *dst)
{
	if (tp->so.so_error != 0)
		return -take_error(&tp->so);
	/* RFC 9293 §3.10.2: SEND after CLOSE is an error ("connection closing"). */
	if (tp->fin_queued)
		return -EPIPE;
	switch (tp->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_CLOSED:
		/* Never connected, or the connection is gone. */
		return tp->key.rport != 0 ? -EPIPE : -ENOTCONN;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	if (dst != NULL)
		return -EISCONN;
	return 0;
}

/*
 * Copy len bytes to the end of sndq: first into the room left in the last
 * buffer (bytes no transmitted clone refers to), then into fresh buffers
 * used from their first byte, since no header is ever put in front of
 * queued payload. Returns the bytes copied.
 */
static uint32_t
sndq_copy_in(struct berth_stack *st, struct tcb *tp, const uint8_t *p, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		struct rte_mbuf *tail = tp->sndq.tail, *last, *m;

		last = tail != NULL ? rte_pktmbuf_lastseg(tail) : NULL;
		if (last != NULL && RTE_MBUF_DIRECT(last) && rte_pktmbuf_tailroom(last) > 0) {
			uint32_t n = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(last), len - done);

			memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len), p + done, n);
			last->data_len = (uint16_t)(last->data_len + n);
			tail->pkt_len += n;
			tp->sndq.bytes += n;
			done += n;
			continue;
		}
		m = rte_pktmbuf_alloc(st->pool);
		if (m == NULL) {
			DROP_INC(st, NO_MBUF);
			break;
		}
		m->data_off = 0;
		pktq_push(&tp->sndq, m);
	}
	return done;
}

static ssize_t
tcp_sendto(struct berth_stack *st, struct berth_sock *so, const void *buf, size_t len,
	   const struct sockaddr_in *dst)
{
	struct tcb *tp = tcb_of(so);
	uint32_t space, n;
	int ret;

	ret = send_check(tp, dst);
	if (ret < 0)
		return ret;
	if (len == 0)
		return 0;
	space = tp->sndq.bytes < tp->sndbuf ? tp->sndbuf - tp->sndq.bytes : 0;
	if (space == 0) {
		tp->snd_wait = true;
		return -EAGAIN;
	}
	n = sndq_copy_in(st, tp, buf, (uint32_t)RTE_MIN(len, (size_t)space));
	if (n == 0)
		return -ENOBUFS;
	/* A partial write also waits for room: the app will want to write the rest. */
	if (n < len)
		tp->snd_wait = true;
	tcp_output_later(st, tp);
	return (ssize_t)n;
}

static ssize_t
tcp_sendto_mbuf(struct berth_stack *st, struct berth_sock *so, struct rte_mbuf *m,
		const struct sockaddr_in *dst)
{
	struct tcb *tp = tcb_of(so);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *seg;
	int ret;

	ret = send_check(tp, dst);
	if (ret < 0) {
		rte_pktmbuf_free(m);
		return ret;
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	/* The one case where the caller keeps m (see socket.h): it may retry it. */
	if (tp->sndq.bytes >= tp->sndbuf) {
		tp->snd_wait = true;
		return -EAGAIN;
	}
	/* Offload requests of a received mbuf mean nothing here; attachment flags stay. */
	for (seg = m; seg != NULL; seg = seg->next)
		seg->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	pktq_push(&tp->sndq, m);
	tcp_output_later(st, tp);
	return (ssize_t)len;
}

/* ---- receive ---- */

/*
 * After the application read: announce a window that grew by at least
 * min(RCV.BUFF/2, MSS) (RFC 9293 §3.8.6.2.2, receiver SWS avoidance), or
 * that reopened from zero, rather than waiting for the peer's probe.
 */
static void
rcv_window_update(struct berth_stack *st, struct tcb *tp)
{
	uint32_t adv, wnd, thresh;

	if (tp->state != TCP_ESTABLISHED && tp->state != TCP_FIN_WAIT_1 &&
	    tp->state != TCP_FIN_WAIT_2)
		return;
	adv = seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	wnd = tcp_rcv_window(tp);
	thresh = RTE_MIN(tp->rcvbuf / 2, (uint32_t)(tp->rcv_mss != 0 ? tp->rcv_mss : TCP_DEFAULT_MSS));
	if ((adv == 0 && wnd > 0) || wnd >= adv + thresh) {
		tp->ack_turn = true;
		tcp_output_later(st, tp);
	}
}

/* Nothing to read: 0 at end of stream, or a negative errno. */
static int
recv_empty(const struct tcb *tp)
{
	if (tp->rd_shut || tp->fin_rcvd)
		return 0;
	switch (tp->state) {
	case TCP_CLOSED:
		/* The connection ended (errors were reported once already). */
		return tp->key.rport != 0 ? 0 : -ENOTCONN;
	default:
		return -EAGAIN;
	}
}

static ssize_t
tcp_recvfrom(struct berth_stack *st, struct berth_sock *so, void *buf, size_t len,
	     struct sockaddr_in *src)
{
	struct tcb *tp = tcb_of(so);
	uint8_t *out = buf;
	uint32_t want, done = 0;

	if (so->so_error != 0)
		return -take_error(so);
	if (tp->rcvq.bytes == 0)
		return recv_empty(tp);
	want = (uint32_t)RTE_MIN(len, (size_t)tp->rcvq.bytes);
	while (done < want) {
		struct rte_mbuf *m = tp->rcvq.head;
		uint32_t n = RTE_MIN(rte_pktmbuf_pkt_len(m), want - done);
		const void *p = rte_pktmbuf_read(m, 0, n, out + done);

		if (p != out + done)
			memcpy(out + done, p, n);
		tcp_trim_front(&tp->rcvq, n);
		done += n;
	}
	if (src != NULL)
		sin_fill(src, tp->key.raddr, tp->key.rport);
	rcv_window_update(st, tp);
	return (ssize_t)done;
}

static ssize_t
tcp_recvfrom_mbuf(struct berth_stack *st, struct berth_sock *so, struct rte_mbuf **mp,
		  struct sockaddr_in *src)
{
	struct tcb *tp = tcb_of(so);
	struct rte_mbuf *m;

	if (so->so_error != 0)
		return -take_error(so);
	m = pktq_pop(&tp->rcvq);
	if (m == NULL)
		return recv_empty(tp);
	if (src != NULL)
		sin_fill(src, tp->key.raddr, tp->key.rport);
	rcv_window_update(st, tp);
	*mp = m;
	return (ssize_t)rte_pktmbuf_pkt_len(m);
}

/* ---- shutdown and close ---- */

/* No more sending: the FIN follows the queued data (RFC 9293 §3.10.4). */
static void
close_send_side(struct berth_stack *st, struct tcb *tp, const char *why)
{
	if (tp->fin_queued)
		return;
	tp->fin_queued = true;
	switch (tp->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(st, tp, TCP_FIN_WAIT_1, why);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(st, tp, TCP_LAST_ACK, why);
		break;
	default:
		break;
	}
	tcp_output_later(st, tp);
}

static void
discard_rcv(struct tcb *tp)
{
	pktq_free(&tp->rcvq);
	tcb_ooo_free(tp);
}

static int
tcp_shutdown(struct berth_stack *st, struct berth_sock *so, int how)
{
	struct tcb *tp = tcb_of(so);

	switch (tp->state) {
	case TCP_CLOSED:
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -ENOTCONN;
	default:
		break;
	}
	if (how == BERTH_SHUT_RD || how == BERTH_SHUT_RDWR) {
		/* Queued and later data is discarded (later data still acknowledged). */
		tp->rd_shut = true;
		discard_rcv(tp);
	}
	if (how == BERTH_SHUT_WR || how == BERTH_SHUT_RDWR)
		close_send_side(st, tp, "shutdown");
	return 0;
}

static void
tcp_close(struct berth_stack *st, struct berth_sock *so)
{
	struct tcb *tp = tcb_of(so);
	uint64_t now = st->now;

	sock_unregister(st, so);
	tp->app_closed = true;
	switch (tp->state) {
	case TCP_CLOSED:
	case TCP_TIME_WAIT:
		/* Nothing on the wire depends on it (a TIME-WAIT entry answers for it). */
		tcb_free(st, tp);
		return;
	case TCP_SYN_SENT:
		/* RFC 9293 §3.10.4: CLOSE in SYN-SENT deletes the TCB. */
		tcp_drop(st, tp, 0, now);
		return;
	default:
		break;
	}
	if (tp->linger == 0 || tp->rcvq.bytes > 0) {
		/*
		 * RFC 9293 §3.10.5 (ABORT) for SO_LINGER 0; RFC 1122 §4.2.2.13:
		 * closing with data not yet read also resets, as Linux does, so
		 * the peer learns its data was not consumed.
		 */
		tcp_send_rst_tcb(st, tp, now);
		tcp_set_state(st, tp, TCP_CLOSED, tp->linger == 0 ? "abort (linger 0)" :
			      "close with unread data");
		tcp_drop(st, tp, 0, now);
		return;
	}
	/* Nobody reads any more; the connection finishes in the background. */
	tp->rd_shut = true;
	discard_rcv(tp);
	close_send_side(st, tp, "close");
	if (tp->state == TCP_FIN_WAIT_2)
		timer_arm(&st->wheel, &tp->conn_timer, now + st->conf.tcp_fin_wait2_ns);
}

/* ---- names and options ---- */

static int
tcp_getsockname(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a)
{
	const struct tcb *tp = tcb_of(so);

	(void)st;
	sin_fill(a, tp->key.laddr, tp->key.lport);
	return 0;
}

static int
tcp_getpeername(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a)
{
	const struct tcb *tp = tcb_of(so);

	(void)st;
	/* As Linux: no peer before the handshake or once closed. */
	if (tp->key.rport == 0 || tp->state == TCP_CLOSED || tp->state == TCP_SYN_SENT)
		return -ENOTCONN;
	sin_fill(a, tp->key.raddr, tp->key.rport);
	return 0;
}

static int
tcp_setopt(struct berth_stack *st, struct berth_sock *so, int opt, int value)
{
	struct tcb *tp = tcb_of(so);
	int ret = tcp_flow_opt_set(&tp->fo, opt, value);

	if (ret == 0 && opt == BERTH_TCP_CONGESTION) {
		/* A live connection changes algorithm, keeping cwnd and ssthresh. */
		tcp_cc_select(tp, tp->fo.cc);
	} else if (ret == 0) {
		/* Keepalive on, off or retimed: from the last segment heard. */
		if (opt != BERTH_SO_NODELAY)
			tcp_keepalive_reset(st, tp, st->now);
		/* NODELAY on releases what Nagle held back. */
		else if (tp->fo.nodelay)
			tcp_output_later(st, tp);
	}
	if (ret != -ENOPROTOOPT)
		return ret;
	return opt_set(opt, value, &tp->sndbuf, &tp->rcvbuf, &tp->reuseaddr, &tp->linger);
}

static int
tcp_getopt(struct berth_stack *st, struct berth_sock *so, int opt, int *value)
{
	const struct tcb *tp = tcb_of(so);
	int ret = tcp_flow_opt_get(&tp->fo, opt, value);

	(void)st;
	if (ret != -ENOPROTOOPT)
		return ret;
	return opt_get(opt, value, tp->sndbuf, tp->rcvbuf, tp->reuseaddr, tp->linger);
}

static const struct berth_sock_ops tcp_ops = {
	.bind = tcp_bind,
	.connect = tcp_connect,
	.sendto = tcp_sendto,
	.recvfrom = tcp_recvfrom,
	.sendto_mbuf = tcp_sendto_mbuf,
	.recvfrom_mbuf = tcp_recvfrom_mbuf,
	.getsockname = tcp_getsockname,
	.getpeername = tcp_getpeername,
	.setopt = tcp_setopt,
	.getopt = tcp_getopt,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.shutdown = tcp_shutdown,
	.close = tcp_close,
};

/* ---- listener ops ---- */

static int
lsn_bind(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a)
{
	(void)st; (void)so; (void)a;
	return -EINVAL; /* already bound */
}

static int
lsn_connect(struct berth_stack *st, struct berth_sock *so, const struct sockaddr_in *a)
{
	(void)st; (void)so; (void)a;
	return -EINVAL; /* as Linux for a listening socket */
}

static ssize_t
lsn_sendto(struct berth_stack *st, struct berth_sock *so, const void *buf, size_t len,
	   const struct sockaddr_in *dst)
{
	(void)st; (void)so; (void)buf; (void)len; (void)dst;
	return -ENOTCONN;
}

static ssize_t
lsn_sendto_mbuf(struct berth_stack *st, struct berth_sock *so, struct rte_mbuf *m,
		const struct sockaddr_in *dst)
{
	(void)st; (void)so; (void)dst;
	rte_pktmbuf_free(m);
	return -ENOTCONN;
}

static ssize_t
lsn_recvfrom(struct berth_stack *st, struct berth_sock *so, void *buf, size_t len,
	     struct sockaddr_in *src)
{
	(void)st; (void)so; (void)buf; (void)len; (void)src;
	return -ENOTCONN;
}

static ssize_t
lsn_recvfrom_mbuf(struct berth_stack *st, struct berth_sock *so, struct rte_mbuf **m,
		  struct sockaddr_in *src)
{
	(void)st; (void)so; (void)m; (void)src;
	return -ENOTCONN;
}

static int
lsn_getsockname(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a)
{
	const struct tcp_listener *l = lsn_of(so);

	(void)st;
	sin_fill(a, l->laddr, l->lport);
	return 0;
}

static int
lsn_getpeername(struct berth_stack *st, struct berth_sock *so, struct sockaddr_in *a)
{
	(void)st; (void)so; (void)a;
	return -ENOTCONN;
}

static int
lsn_setopt(struct berth_stack *st, struct berth_sock *so, int opt, int value)
{
	struct tcp_listener *l = lsn_of(so);
	int ret = tcp_flow_opt_set(&l->fo, opt, value);

	(void)st;
	if (ret != -ENOPROTOOPT)
		return ret;
	/* Buffer sizes and linger are what accepted connections start with. */
	return opt_set(opt, value, &l->sndbuf, &l->rcvbuf, &l->reuseaddr, &l->linger);
}

static int
lsn_getopt(struct berth_stack *st, struct berth_sock *so, int opt, int *value)
{
	const struct tcp_listener *l = lsn_of(so);
	int ret = tcp_flow_opt_get(&l->fo, opt, value);

	(void)st;
	if (ret != -ENOPROTOOPT)
		return ret;
	return opt_get(opt, value, l->sndbuf, l->rcvbuf, l->reuseaddr, l->linger);
}

static int
lsn_shutdown(struct berth_stack *st, struct berth_sock *so, int how)
{
	(void)st; (void)so; (void)how;
	return -ENOTCONN;
}

static void
lsn_close(struct berth_stack *st, struct berth_sock *so)
{
	struct tcp_listener *l = lsn_of(so);
	struct tcb *tp;

	sock_unregister(st, so);
	/*
	 * Children nobody will accept: RST them (RFC 9293 §3.10.5 for what
	 * becomes of their connections), as Linux does on closing a listener.
	 */
	while ((tp = TAILQ_FIRST(&l->syn_q)) != NULL ||
	       (tp = TAILQ_FIRST(&l->accept_q)) != NULL) {
		tcp_send_rst_tcb(st, tp, st->now);
		tp->app_closed = true;
		tcp_set_state(st, tp, TCP_CLOSED, "listener closed");
		tcp_drop(st, tp, 0, st->now);
	}
	tcp_listen_remove(st, l);
	tcp_bind_del(st, l->laddr, l->lport);
	LIST_REMOVE(l, link);
	st->tcp->nb_listeners--;
	rte_free(l);
}

static const struct berth_sock_ops tcp_listen_ops = {
	.bind = lsn_bind,
	.connect = lsn_connect,
	.sendto = lsn_sendto,
	.recvfrom = lsn_recvfrom,
	.sendto_mbuf = lsn_sendto_mbuf,
	.recvfrom_mbuf = lsn_recvfrom_mbuf,
	.getsockname = lsn_getsockname,
	.getpeername = lsn_getpeername,
	.setopt = lsn_setopt,
	.getopt = lsn_getopt,
	.listen = lsn_listen,
	.accept = lsn_accept,
	.shutdown = lsn_shutdown,
	.close = lsn_close,
};

/* ---- connection listing ---- */

/* "rexmit 0.200s" style: time left on an armed timer. */
static int
fmt_timer(char *buf, size_t len, const char *name, const struct berth_timer *t, uint64_t now)
{
	uint64_t left = t->expire > now ? t->expire - now : 0;
	uint64_t s = left / BERTH_NS_PER_SEC, ms = (left % BERTH_NS_PER_SEC) / BERTH_NS_PER_MS;

	if (!timer_armed(t))
		return 0;
	return snprintf(buf, len, "%s:%" PRIu64 ".%03" PRIu64 "s", name, s, ms);
}

struct dump_tw_arg {
	FILE *f;
	uint64_t now;
};

/* A compact TIME-WAIT entry, listed as ss(8) lists a TIME-WAIT socket. */
static void
dump_tw(const struct tcp_key *key, uint64_t expire, void *arg)
{
	const struct dump_tw_arg *a = arg;
	uint64_t left = expire > a->now ? expire - a->now : 0;
	char la[24], ra[24];

	fmt_addr(la, sizeof(la), key->laddr, key->lport);
	fmt_addr(ra, sizeof(ra), key->raddr, key->rport);
	fprintf(a->f, "%-12s %8u %8u %-21s %-21s timewait:%" PRIu64 ".%03" PRIu64 "s\n",
		"TIME-WAIT", 0u, 0u, la, ra, (uint64_t)(left / BERTH_NS_PER_SEC),
		(uint64_t)((left % BERTH_NS_PER_SEC) / BERTH_NS_PER_MS));
}

void
berth_stack_conns_dump(struct berth_stack *st, FILE *f)
{
	const struct tcp_listener *l;
	const struct tcb *tp;
	uint32_t nconn = 0;

	if (st == NULL || st->tcp == NULL || f == NULL)
		return;
	fprintf(f, "%-12s %8s %8s %-21s %-21s %s\n", "State", "Recv-Q", "Send-Q",
		"Local", "Peer", "Timers");
	for (tp = tcp_pool_next(st, NULL); tp != NULL; tp = tcp_pool_next(st, tp)) {
		char la[24], ra[24], tm[192] = "";
		int n;

		/* Unconnected sockets are in no table: ss(8) does not list them either. */
		if (tp->state == TCP_CLOSED)
			continue;
		fmt_addr(la, sizeof(la), tp->key.laddr, tp->key.lport);
		fmt_addr(ra, sizeof(ra), tp->key.raddr, tp->key.rport);
		n = fmt_timer(tm, sizeof(tm), "rexmit", &tp->rexmit_timer, st->now);
		if (n > 0 && timer_armed(&tp->conn_timer))
			tm[n++] = ' ', tm[n] = '\0';
		fmt_timer(tm + n, sizeof(tm) - (size_t)n,
			  tp->state == TCP_TIME_WAIT ? "timewait" :
			  tcp_conn_timer_closing(tp) ? "finwait2" : "keepalive", &tp->conn_timer,
			  st->now);
		/* Congestion state once our SYN is acknowledged (tcp_cc.c). */
		if (tp->cc != NULL) {
			n = (int)strlen(tm);
			snprintf(tm + n, sizeof(tm) - (size_t)n, "%scwnd:%u ssthresh:%u",
				 n > 0 ? " " : "", tp->cwnd, tp->ssthresh);
		}
		/* SACK in use (tcp_sack.c), and what the peer holds beyond a hole. */
		if (tp->sack_on) {
			n = (int)strlen(tm);
			snprintf(tm + n, sizeof(tm) - (size_t)n, "%ssack", n > 0 ? " " : "");
			if (tp->nb_sb > 0) {
				n = (int)strlen(tm);
				snprintf(tm + n, sizeof(tm) - (size_t)n, " sacked:%u/%u",
					 tp->sacked_bytes, (unsigned int)tp->nb_sb);
			}
		}
		fprintf(f, "%-12s %8u %8u %-21s %-21s %s\n", tcp_state_name(tp->state),
			tp->rcvq.bytes, tp->sndq.bytes, la, ra, tm);
		nconn++;
	}
	tcp_tw_foreach(st, dump_tw, &(struct dump_tw_arg){ .f = f, .now = st->now });
	LIST_FOREACH(l, &st->tcp->listeners, link) {
		char la[24];

		fmt_addr(la, sizeof(la), l->laddr, l->lport);
		/* As ss(8): for a listener, Recv-Q is the accept queue, Send-Q the backlog. */
		fprintf(f, "%-12s %8u %8u %-21s %-21s syn-recv:%u\n", "LISTEN", l->nb_accept,
			l->backlog, la, "0.0.0.0:*", l->nb_syn_recv);
	}
	fprintf(f, "tcp: %u connections, %u listeners, %u TIME-WAIT\n", nconn,
		st->tcp->nb_listeners, tcp_tw_count(st));
}
