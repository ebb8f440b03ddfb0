/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream sockets through the public API (stack/tcp_sock.c, tcp_output.c,
 * tcp_timer.c, tcp_buf.c): open/close, bind and its conflicts, listen and
 * accept, connect and the SYN it sends, send/recv against a peer played
 * with hand-built segments, shutdown and close (FIN, RST), options, errors,
 * retransmission timing, zero copy, and the connection listing.
 *
 * The peer is 198.18.0.1 (ARP entry installed); its segments are built
 * here with valid checksums and injected; what the stack sends is read
 * from the test device and parsed (checksums verified). The per-state
 * reaction tables are test_tcp_states.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <berth/berth.h>

#include "cksum.h"
#include "harness.h"
#include "tcp_fixture.h"
#include "tcp.h"

#define PEER_PORT 80
#define PEER_ISS 0x10000000u
#define MAX_DATA 4096

/* ---- helpers ---- */

/* A segment the stack sent, parsed; ports in host order. */
struct pkt {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;            /* MSS option, 0 if absent */
	uint8_t hlen;            /* TCP header bytes */
	bool df;
	uint32_t len;
	uint8_t tcp[60];         /* the TCP header as sent */
	uint8_t data[MAX_DATA];
};

static uint32_t ev_acc[64];
static int err_acc[64];

/* Gather events of every descriptor; return and clear those of sd. */
static uint32_t
events(struct harness *h, int sd, int *err)
{
	struct berth_event ev[16];
	unsigned int n, i;
	uint32_t e;

	while ((n = berth_stack_events(h->st, ev, RTE_DIM(ev))) > 0)
		for (i = 0; i < n; i++) {
			if (ev[i].sd < 0 || ev[i].sd >= (int)RTE_DIM(ev_acc))
				continue;
			ev_acc[ev[i].sd] |= ev[i].events;
			if (ev[i].events & BERTH_EV_ERROR)
				err_acc[ev[i].sd] = ev[i].error;
		}
	e = ev_acc[sd];
	if (err != NULL)
		*err = err_acc[sd];
	ev_acc[sd] = 0;
	err_acc[sd] = 0;
	return e;
}

static void
setup(struct harness *h, const struct berth_stack_conf *c)
{
	h_setup_conf(h, c);
	h_learn_peer(h);
	memset(ev_acc, 0, sizeof(ev_acc));
	memset(err_acc, 0, sizeof(err_acc));
}

/* Pop the next frame sent; it must be IPv4/TCP to the peer with good checksums. */
static bool
tx(struct harness *h, struct pkt *p)
{
	static uint8_t buf[RTE_ETHER_MAX_LEN + 64];
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t len, ihl, l4;

	berth_stack_flush(h->st, h->now);
	/* An ACK now delayed (RFC 1122 §4.2.3.2) goes when its timer does. */
	if (h_tx_count(h) == 0 && tf_delack_fire(h))
		berth_stack_flush(h->st, h->now);
	m = h_tx_pop(h);
	CU_ASSERT_PTR_NOT_NULL(m);
	if (m == NULL)
		return false;
	memset(p, 0, sizeof(*p));
	len = h_flatten(m, buf, sizeof(buf));
	ip = (const struct rte_ipv4_hdr *)(buf + RTE_ETHER_HDR_LEN);
	if (len < RTE_ETHER_HDR_LEN + 40 || ip->next_proto_id != IPPROTO_TCP) {
		CU_FAIL("not a TCP frame");
		rte_pktmbuf_free(m);
		return false;
	}
	ihl = rte_ipv4_hdr_len(ip);
	l4 = rte_be_to_cpu_16(ip->total_length) - ihl;
	CU_ASSERT(rte_raw_cksum(ip, ihl) == 0xffff);
	/* RFC 9293 §3.1: the checksum over pseudo-header, header and data, on the chain. */
	CU_ASSERT(cksum_ipv4_l4_ok(m, RTE_ETHER_HDR_LEN + ihl, (uint16_t)l4, ip->src_addr,
				   ip->dst_addr, IPPROTO_TCP));
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	p->src = ip->src_addr;
	p->dst = ip->dst_addr;
	p->df = (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) != 0;
	p->sport = rte_be_to_cpu_16(th->src_port);
	p->dport = rte_be_to_cpu_16(th->dst_port);
	p->seq = rte_be_to_cpu_32(th->sent_seq);
	p->ack = rte_be_to_cpu_32(th->recv_ack);
	p->flags = th->tcp_flags;
	p->win = rte_be_to_cpu_16(th->rx_win);
	p->hlen = (uint8_t)((th->data_off >> 4) * 4);
	memcpy(p->tcp, th, p->hlen);
	if (p->hlen >= 24 && p->tcp[20] == 2 && p->tcp[21] == 4)
		p->mss = (uint16_t)(p->tcp[22] << 8 | p->tcp[23]);
	p->len = l4 - p->hlen;
	CU_ASSERT(p->len <= MAX_DATA);
	if (p->len <= MAX_DATA)
		memcpy(p->data, (const uint8_t *)th + p->hlen, p->len);
	rte_pktmbuf_free(m);
	return true;
}

/* Flush what the stack buffered and throw away everything it sent. */
static void
drain(struct harness *h)
{
	berth_stack_flush(h->st, h->now);
	h_tx_drain(h);
}

static bool
tx_none(struct harness *h)
{
	berth_stack_flush(h->st, h->now);
	return h_tx_count(h) == 0;
}

/* A segment from the peer (H_PEER_IP:sport) to us, valid checksum. */
static struct rte_mbuf *
seg(struct harness *h, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, uint16_t win, uint16_t mss, const void *data, uint16_t len)
{
	uint8_t b[24 + MAX_DATA];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)b;
	uint16_t hlen = mss != 0 ? 24 : 20;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;

	H_ASSERT(len <= MAX_DATA);
	memset(b, 0, hlen);
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	if (mss != 0) {
		b[20] = 2;
		b[21] = 4;
		b[22] = (uint8_t)(mss >> 8);
		b[23] = (uint8_t)mss;
	}
	if (len > 0)
		memcpy(b + hlen, data, len);
	m = h_build_ipv4(h, H_PEER_IP, H_OUR_IP, IPPROTO_TCP, b, (uint16_t)(hlen + len));
	ip = h_ip(m);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

static struct tcb *
tcb_at(struct harness *h, int sd)
{
	struct berth_sock *so = sock_lookup(h->st, sd);

	H_ASSERT(so != NULL && so->type == BERTH_SOCK_STREAM);
	return (struct tcb *)so;
}

/* A connection to the peer, established by a SYN-ACK announcing mss. */
struct conn {
	int sd;
	struct tcb *tp;
	uint32_t iss;            /* ours */
	uint32_t snd;            /* the peer's next sequence number */
	uint16_t port;           /* our port, host order */
};

static bool
establish(struct harness *h, struct conn *c, uint16_t mss)
{
	struct sockaddr_in a = h_sin(H_PEER_IP, PEER_PORT);
	struct pkt p;

	c->sd = berth_sock_open(h->st, BERTH_SOCK_STREAM);
	H_ASSERT(c->sd >= 0);
	CU_ASSERT_EQUAL(berth_sock_connect(h->st, c->sd, &a), -EINPROGRESS);
	if (!tx(h, &p))
		return false;
	c->iss = p.seq;
	c->port = p.sport;
	c->snd = PEER_ISS + 1;
	h_inject(h, seg(h, PEER_PORT, c->port, PEER_ISS, c->iss + 1, TCP_SYN | TCP_ACK, 65535,
			mss, NULL, 0));
	h_poll(h, 1);
	c->tp = tcb_at(h, c->sd);
	CU_ASSERT_EQUAL(c->tp->state, TCP_ESTABLISHED);
	CU_ASSERT(events(h, c->sd, NULL) & BERTH_EV_CONNECTED);
	/* RFC 9293 §3.10.7.3: the ACK of the SYN-ACK */
	if (!tx(h, &p))
		return false;
	CU_ASSERT_EQUAL(p.flags, TCP_ACK);
	CU_ASSERT_EQUAL(p.seq, c->iss + 1);
	CU_ASSERT_EQUAL(p.ack, PEER_ISS + 1);
	return c->tp->state == TCP_ESTABLISHED;
}

/* Peer sends data (with ACK of ack) on c. */
static void
peer_data(struct harness *h, struct conn *c, uint32_t ack, const void *data, uint16_t len)
{
	h_inject(h, seg(h, PEER_PORT, c->port, c->snd, ack, TCP_ACK | TCP_PSH, 65535, 0,
			data, len));
	c->snd += len;
	h_poll(h, 1);
}

static void
peer_ack(struct harness *h, struct conn *c, uint32_t ack, uint16_t win)
{
	h_inject(h, seg(h, PEER_PORT, c->port, c->snd, ack, TCP_ACK, win, 0, NULL, 0));
	h_poll(h, 1);
}

static char *
dump(struct harness *h)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	H_ASSERT(f != NULL);
	berth_stack_conns_dump(h->st, f);
	fclose(f);
	return s;
}

static int
bind_to(struct harness *h, int sd, uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = h_sin(addr, port);

	return berth_sock_bind(h->st, sd, &a);
}

/* ---- tests: descriptors, binding, listening ---- */

static void
test_open_close(void)
{
	struct harness h;
	struct sockaddr_in a;
	int sd;

	setup(&h, NULL);
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT(sd >= 0);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 1);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sd, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, 0);
	CU_ASSERT_EQUAL(a.sin_port, 0);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &a), -ENOTCONN);
	/* Not connected: no sending, nothing to read, no shutdown. */
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "x", 1), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, &a, 1), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_shutdown(h.st, sd, BERTH_SHUT_WR), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_accept(h.st, sd, NULL), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), 0);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), -EBADF);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0);
	CU_ASSERT(tx_none(&h));
	h_teardown(&h);
}

static void
test_bind_conflicts(void)
{
	struct harness h;
	struct sockaddr_in a;
	int s1, s2, s3;

	setup(&h, NULL);
	s1 = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	s2 = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	s3 = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(bind_to(&h, s1, H_OUR_IP, 5000), 0);
	CU_ASSERT_EQUAL(bind_to(&h, s1, H_OUR_IP, 5001), -EINVAL); /* already bound */
	CU_ASSERT_EQUAL(bind_to(&h, s2, H_OUR_IP, 5000), -EADDRINUSE);
	CU_ASSERT_EQUAL(bind_to(&h, s2, 0, 5000), -EADDRINUSE);
	CU_ASSERT_EQUAL(bind_to(&h, s2, H_PEER_IP, 5002), -EADDRNOTAVAIL); /* not ours */
	/* Port 0: an ephemeral port from the configured range. */
	CU_ASSERT_EQUAL(bind_to(&h, s2, 0, 0), 0);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, s2, &a), 0);
	CU_ASSERT(rte_be_to_cpu_16(a.sin_port) >= BERTH_EPHEMERAL_LO);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, 0);
	/* Closing releases the port. */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, s1), 0);
	CU_ASSERT_EQUAL(bind_to(&h, s3, 0, 5000), 0);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, s3, &a), 0);
	CU_ASSERT_EQUAL(a.sin_port, rte_cpu_to_be_16(5000));
	h_teardown(&h);
}

static void
test_reuseaddr_time_wait(void)
{
	struct tcp_key k = { .laddr = H_OUR_IP, .raddr = H_PEER_IP,
			     .lport = RTE_BE16(6000), .rport = RTE_BE16(PEER_PORT) };
	struct harness h;
	int sd, v = -1;

	setup(&h, NULL);
	CU_ASSERT_PTR_NOT_NULL(tcp_tw_insert(h.st, &k, 1, 1, h.now + BERTH_NS_PER_SEC));
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	/* A TIME-WAIT connection holds the port... */
	CU_ASSERT_EQUAL(bind_to(&h, sd, 0, 6000), -EADDRINUSE);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_REUSEADDR, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	/* ... unless SO_REUSEADDR says binding over it is fine. */
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_REUSEADDR, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_REUSEADDR, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(bind_to(&h, sd, 0, 6000), 0);
	/* Connecting to the very tuple of the TIME-WAIT entry is refused. */
	{
		struct sockaddr_in a = h_sin(H_PEER_IP, PEER_PORT);

		CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EADDRNOTAVAIL);
	}
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	h_teardown(&h);
}

static void
test_listen_accept_eagain(void)
{
	struct harness h;
	struct sockaddr_in a;
	int sd, s2;
	char *d;

	setup(&h, NULL);
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	/* Unbound: listen picks an ephemeral port on the wildcard address. */
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, sd, 8), 0);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sd, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, 0);
	CU_ASSERT(rte_be_to_cpu_16(a.sin_port) >= BERTH_EPHEMERAL_LO);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0); /* the TCB became a listener */
	CU_ASSERT_EQUAL(h.st->tcp->nb_listeners, 1);
	CU_ASSERT_EQUAL(berth_sock_accept(h.st, sd, NULL), -EAGAIN);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, sd, 16), 0); /* backlog change */
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "x", 1), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_shutdown(h.st, sd, BERTH_SHUT_RDWR), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &a), -ENOTCONN);
	a = h_sin(H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EINVAL);
	/* A second listener on the same port: the binding is taken. */
	s2 = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sd, &a), 0);
	CU_ASSERT_EQUAL(bind_to(&h, s2, H_OUR_IP, rte_be_to_cpu_16(a.sin_port)), -EADDRINUSE);
	d = dump(&h);
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "LISTEN"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "tcp: 0 connections, 1 listeners, 0 TIME-WAIT"));
	free(d);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), 0);
	CU_ASSERT_EQUAL(h.st->tcp->nb_listeners, 0);
	CU_ASSERT_EQUAL(bind_to(&h, s2, H_OUR_IP, rte_be_to_cpu_16(a.sin_port)), 0);
	h_teardown(&h);
}

static void
test_bad_descriptors(void)
{
	struct harness h;
	struct sockaddr_in a;
	int u;

	setup(&h, NULL);
	u = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, u, 1), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(berth_sock_accept(h.st, u, NULL), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(berth_sock_shutdown(h.st, u, BERTH_SHUT_WR), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, 999, 1), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_accept(h.st, 999, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_shutdown(h.st, -1, BERTH_SHUT_WR), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, 999, "x", 1), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, (enum berth_sock_type)7), -EPROTONOSUPPORT);
	h_teardown(&h);
}

static void
test_options(void)
{
	struct harness h;
	int sd, v;

	setup(&h, NULL);
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_SNDBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 256 * 1024);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_RCVBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 256 * 1024);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_LINGER, &v), 0);
	CU_ASSERT_EQUAL(v, -1);
	/* Bounds: 2 KiB .. 16 MiB for both buffers. */
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_SNDBUF, 2047), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_SNDBUF, 2048), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 16 * 1024 * 1024 + 1),
			-EINVAL);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 16 * 1024 * 1024), 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, -5), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_SNDBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 2048);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_RCVBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 16 * 1024 * 1024);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_LINGER, -2), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_LINGER, 0), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_LINGER, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, (enum berth_sockopt)99, 1), -ENOPROTOOPT);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, (enum berth_sockopt)99, &v), -ENOPROTOOPT);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_ERROR, 1), -ENOPROTOOPT);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_ERROR, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	h_teardown(&h);
}

/* ---- tests: active open ---- */

static void
test_connect_syn(void)
{
	struct sockaddr_in a = h_sin(H_PEER_IP, PEER_PORT), n;
	struct harness h;
	struct tcb *tp;
	struct pkt p;
	uint16_t ck, ck0;
	int sd;

	setup(&h, NULL);
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EINPROGRESS);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EALREADY);
	tp = tcb_at(&h, sd);
	CU_ASSERT_EQUAL(tp->state, TCP_SYN_SENT);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_active_opens"), 1);
	H_ASSERT(tx(&h, &p));
	/*
	 * RFC 9293 §3.5: <SEQ=ISS><CTL=SYN>, MSS option = MTU 1500 - 40
	 * (§3.7.1), then RFC 2018's SACK-permitted, RFC 7323's Timestamps,
	 * NOP, Window Scale: 20 bytes of options.
	 */
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.seq, tp->iss);
	CU_ASSERT_EQUAL(p.ack, 0);
	CU_ASSERT_EQUAL(p.hlen, 40);
	CU_ASSERT_EQUAL(p.mss, 1460);
	{
		/* Linux's SYN layout; TSecr 0; shift 3 for the 256 KiB default rcvbuf. */
		static const uint8_t head[] = { 4, 2, 8, 10 };
		static const uint8_t tail[] = { 0, 0, 0, 0, 1, 3, 3, 3 };

		CU_ASSERT_EQUAL(memcmp(p.tcp + 24, head, sizeof(head)), 0);
		CU_ASSERT_EQUAL(memcmp(p.tcp + 32, tail, sizeof(tail)), 0);
	}
	CU_ASSERT_EQUAL(p.win, 65535);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT(p.df);
	CU_ASSERT_EQUAL(p.src, H_OUR_IP);
	CU_ASSERT_EQUAL(p.dst, H_PEER_IP);
	CU_ASSERT_EQUAL(p.dport, PEER_PORT);
	CU_ASSERT(p.sport >= BERTH_EPHEMERAL_LO);
	CU_ASSERT_EQUAL(tp->snd_nxt, tp->iss + 1);
	/* Checksum: recompute with DPDK's contiguous helper, corrupt, recompute. */
	{
		struct {
			struct rte_ipv4_hdr ip;
			uint8_t tcp[40];
		} f;

		memset(&f.ip, 0, sizeof(f.ip));
		f.ip.version_ihl = RTE_IPV4_VHL_DEF;
		f.ip.total_length = rte_cpu_to_be_16(20 + 40);
		f.ip.next_proto_id = IPPROTO_TCP;
		f.ip.src_addr = p.src;
		f.ip.dst_addr = p.dst;
		memcpy(f.tcp, p.tcp, 40);
		memcpy(&ck0, f.tcp + 16, 2);
		memset(f.tcp + 16, 0, 2);
		ck = rte_ipv4_udptcp_cksum(&f.ip, f.tcp);
		CU_ASSERT_EQUAL(ck, ck0);
		memcpy(f.tcp + 16, &ck0, 2);
		CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(&f.ip, f.tcp), 0);
		f.tcp[4] ^= 1;
		CU_ASSERT_NOT_EQUAL(rte_ipv4_udptcp_cksum_verify(&f.ip, f.tcp), 0);
	}
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sd, &n), 0);
	CU_ASSERT_EQUAL(n.sin_addr.s_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(n.sin_port, rte_cpu_to_be_16(p.sport));
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &n), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "x", 1), -ENOTCONN);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, &n, 1), -EAGAIN);
	/* No route, broadcast: refused at once. */
	{
		int s2 = berth_sock_open(h.st, BERTH_SOCK_STREAM);
		struct sockaddr_in b = h_sin(IPV4(198, 18, 0, 255), PEER_PORT);

		CU_ASSERT_EQUAL(berth_sock_connect(h.st, s2, &b), -ENETUNREACH);
		b = h_sin(H_PEER_IP, 0);
		CU_ASSERT_EQUAL(berth_sock_connect(h.st, s2, &b), -EINVAL);
	}
	/* Closing in SYN-SENT deletes the TCB silently (RFC 9293 §3.10.4). */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), 0);
	CU_ASSERT(tx_none(&h));
	h_teardown(&h);
}

static void
test_handshake_and_data(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	uint8_t out[3000], in[600], buf[4096];
	struct sockaddr_in a;
	unsigned int i;
	int err;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1000));
	CU_ASSERT_EQUAL(c.tp->snd_mss, 1000);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_established"), 1);
	a = h_sin(H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, c.sd, &a), -EISCONN);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, c.sd, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(a.sin_port, rte_cpu_to_be_16(PEER_PORT));

	/* Sending: 3000 bytes, MSS 1000 -> three segments, PSH on the last. */
	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 1);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, out, sizeof(out)), (ssize_t)sizeof(out));
	for (i = 0; i < 3; i++) {
		H_ASSERT(tx(&h, &p));
		CU_ASSERT_EQUAL(p.seq, c.iss + 1 + 1000 * i);
		CU_ASSERT_EQUAL(p.ack, PEER_ISS + 1);
		CU_ASSERT_EQUAL(p.len, 1000);
		CU_ASSERT_EQUAL(p.flags, i == 2 ? (TCP_ACK | TCP_PSH) : TCP_ACK);
		CU_ASSERT_EQUAL(memcmp(p.data, out + 1000 * i, 1000), 0);
	}
	CU_ASSERT(tx_none(&h));
	CU_ASSERT_EQUAL(c.tp->sndq.bytes, 3000);
	CU_ASSERT(timer_armed(&c.tp->rexmit_timer));
	/* A partial ACK frees what it covers; the full ACK stops the timer (RFC 6298 §5.2). */
	peer_ack(&h, &c, c.iss + 1 + 1500, 65535);
	CU_ASSERT_EQUAL(c.tp->sndq.bytes, 1500);
	CU_ASSERT(timer_armed(&c.tp->rexmit_timer));
	peer_ack(&h, &c, c.iss + 1 + 3000, 65535);
	CU_ASSERT_EQUAL(c.tp->sndq.bytes, 0);
	CU_ASSERT(!timer_armed(&c.tp->rexmit_timer));
	CU_ASSERT(tx_none(&h));

	/* Receiving: READABLE on empty -> non-empty, ACK with the window. */
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i ^ 0x5a);
	peer_data(&h, &c, c.iss + 3001, in, sizeof(in));
	CU_ASSERT(events(&h, c.sd, &err) & BERTH_EV_READABLE);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, PEER_ISS + 1 + sizeof(in));
	/*
	 * 256 KiB buffer, no window scaling: 65535 was advertised; the 600
	 * bytes taken would move the right edge by 600 < MSS, which receiver
	 * SWS avoidance (RFC 9293 §3.8.6.2.2) holds back: the edge stays.
	 */
	CU_ASSERT_EQUAL(p.win, 65535 - sizeof(in));
	peer_data(&h, &c, c.iss + 3001, in, 100); /* more, queue not empty: no new event */
	CU_ASSERT_FALSE(events(&h, c.sd, NULL) & BERTH_EV_READABLE);
	drain(&h);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, 200), 200);
	CU_ASSERT_EQUAL(memcmp(buf, in, 200), 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), 500);
	CU_ASSERT_EQUAL(memcmp(buf, in + 200, 400), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 400, in, 100), 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), -EAGAIN);
	/* A send with a destination on a connected socket. */
	a = h_sin(H_PEER_IP, PEER_PORT);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, c.sd, "x", 1, &a), -EISCONN);
	h_teardown(&h);
}

static void
test_out_of_order(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	uint8_t d[300], buf[400];
	unsigned int i;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)i;
	/* Bytes 100..299 first: held, a duplicate ACK for RCV.NXT, no event. */
	h_inject(&h, seg(&h, PEER_PORT, c.port, c.snd + 100, c.iss + 1, TCP_ACK, 65535, 0,
			 d + 100, 200));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(c.tp->nb_ooo, 1);
	CU_ASSERT_EQUAL(c.tp->ooo_bytes, 200);
	CU_ASSERT_FALSE(events(&h, c.sd, NULL) & BERTH_EV_READABLE);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.ack, c.snd);
	/* RFC 9293 §3.8.6.2.2: the held bytes shrink the window, the edge stays. */
	CU_ASSERT_EQUAL(p.win, 65535);
	/* The same again, and an overlapping part: nothing is held twice. */
	h_inject(&h, seg(&h, PEER_PORT, c.port, c.snd + 150, c.iss + 1, TCP_ACK, 65535, 0,
			 d + 150, 100));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(c.tp->ooo_bytes, 200);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_ooo_dup"), 1);
	drain(&h);
	/* The gap (0..149, overlapping the held part): everything, once, in order. */
	h_inject(&h, seg(&h, PEER_PORT, c.port, c.snd, c.iss + 1, TCP_ACK, 65535, 0, d, 150));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(c.tp->nb_ooo, 0);
	CU_ASSERT_EQUAL(c.tp->ooo_bytes, 0);
	CU_ASSERT(events(&h, c.sd, NULL) & BERTH_EV_READABLE);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.ack, c.snd + 300);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), 300);
	CU_ASSERT_EQUAL(memcmp(buf, d, 300), 0);
	h_teardown(&h);
}

static void
test_window_update(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	uint8_t d[1460], buf[4096];
	int sd;

	setup(&h, NULL);
	/* A 4 KiB receive buffer, set before connecting: the SYN announces 4096. */
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 4096), 0);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), 0);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, c.sd, BERTH_SO_RCVBUF, 4096), 0);
	memset(d, 0xab, sizeof(d));
	/* The big initial window stays promised; fill the buffer beyond it. */
	peer_data(&h, &c, c.iss + 1, d, 1460);
	H_ASSERT(tx(&h, &p));
	/* Right edge kept: 65535 - 1460 left although the buffer has 2636. */
	CU_ASSERT_EQUAL(p.win, 65535 - 1460);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), 1460);
	/* Reading freed less than the edge already allows: no update. */
	CU_ASSERT(tx_none(&h));
	h_teardown(&h);

	/* Now from the start with 4096: the window closes, then reopens on read. */
	setup(&h, NULL);
	{
		struct sockaddr_in a = h_sin(H_PEER_IP, PEER_PORT);

		c.sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
		CU_ASSERT_EQUAL(berth_sock_setopt(h.st, c.sd, BERTH_SO_RCVBUF, 4096), 0);
		CU_ASSERT_EQUAL(berth_sock_connect(h.st, c.sd, &a), -EINPROGRESS);
		H_ASSERT(tx(&h, &p));
		CU_ASSERT_EQUAL(p.win, 4096);
		c.iss = p.seq;
		c.port = p.sport;
		c.snd = PEER_ISS + 1;
		h_inject(&h, seg(&h, PEER_PORT, c.port, PEER_ISS, c.iss + 1, TCP_SYN | TCP_ACK,
				 65535, 1460, NULL, 0));
		h_poll(&h, 1);
		c.tp = tcb_at(&h, c.sd);
		H_ASSERT(tx(&h, &p));
		CU_ASSERT_EQUAL(p.win, 4096);
	}
	peer_data(&h, &c, c.iss + 1, d, 1460);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.win, 4096 - 1460);
	peer_data(&h, &c, c.iss + 1, d, 1460);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.win, 4096 - 2920);
	peer_data(&h, &c, c.iss + 1, d, 1176);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.win, 0);
	CU_ASSERT_EQUAL(tcp_rcv_window(c.tp), 0);
	/* The app reads: the window reopens and the peer is told at once. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), 4096);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, PEER_ISS + 1 + 4096);
	CU_ASSERT_EQUAL(p.win, 4096);
	h_teardown(&h);
}

/* ---- tests: timers ---- */

static void
test_retransmission(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	/*
	 * RFC 6298 §2.2 from the SYN's RTT (1 ms): SRTT 1000 us, RTTVAR 500,
	 * RTO = 1000 + max(1000, 2000) = 3 ms -> raised to the 200 ms minimum.
	 */
	CU_ASSERT_EQUAL(c.tp->srtt_us, 1000);
	CU_ASSERT_EQUAL(c.tp->rttvar_us, 500);
	CU_ASSERT_EQUAL(c.tp->rto_us, 200000);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "hello", 5), 5);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.seq, c.iss + 1);
	h_poll(&h, 199);
	CU_ASSERT(tx_none(&h));
	h_poll(&h, 1);
	/* RFC 6298 §5.4: the earliest unacknowledged segment again, the same bytes. */
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.seq, c.iss + 1);
	CU_ASSERT_EQUAL(p.len, 5);
	CU_ASSERT_EQUAL(memcmp(p.data, "hello", 5), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rto"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rexmit"), 1);
	/* RFC 6298 §5.5: backed off to 400 ms. */
	CU_ASSERT_EQUAL(c.tp->rto_us, 400000);
	h_poll(&h, 399);
	CU_ASSERT(tx_none(&h));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.seq, c.iss + 1);
	/* The ACK: Karn, no sample from a retransmitted segment; timer off. */
	peer_ack(&h, &c, c.iss + 6, 65535);
	CU_ASSERT_EQUAL(c.tp->srtt_us, 1000);
	CU_ASSERT_EQUAL(c.tp->rto_us, 800000);
	CU_ASSERT(!timer_armed(&c.tp->rexmit_timer));
	CU_ASSERT_EQUAL(c.tp->nb_rexmit, 0);
	/* A new segment is timed: 50 ms -> RFC 6298 §2.3 arithmetic. */
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "again", 5), 5);
	drain(&h);
	h_poll(&h, 49);
	peer_ack(&h, &c, c.iss + 11, 65535);
	/* R = 50000 us: RTTVAR = (3*500 + 49000)/4 = 12625, SRTT = (7*1000 + 50000)/8 = 7125 */
	CU_ASSERT_EQUAL(c.tp->rttvar_us, 12625);
	CU_ASSERT_EQUAL(c.tp->srtt_us, 7125);
	CU_ASSERT_EQUAL(c.tp->rto_us, 200000); /* 7125 + 50500 < 200 ms */
	h_teardown(&h);
}

static void
test_zero_window_probe(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	uint8_t d[100];

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	memset(d, 'w', sizeof(d));
	peer_ack(&h, &c, c.iss + 1, 0); /* the peer closes its window */
	CU_ASSERT_EQUAL(c.tp->snd_wnd, 0);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, d, sizeof(d)), (ssize_t)sizeof(d));
	CU_ASSERT(tx_none(&h));
	/* RFC 9293 §3.8.6.1: the persist timer, not the RTO, watches a shut window. */
	CU_ASSERT(timer_armed(&c.tp->persist_timer));
	CU_ASSERT_FALSE(timer_armed(&c.tp->rexmit_timer));
	/* RFC 9293 §3.8.6.1: after an RTO with the window shut, one byte probes it. */
	h_poll(&h, 199);
	CU_ASSERT(tx_none(&h));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.seq, c.iss + 1);
	CU_ASSERT_EQUAL(p.len, 1);
	CU_ASSERT(tx_none(&h));
	/* The peer takes it and opens the window: the rest follows at once. */
	peer_ack(&h, &c, c.iss + 2, 65535);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.seq, c.iss + 2);
	CU_ASSERT_EQUAL(p.len, 99);
	h_teardown(&h);
}

static void
test_give_up(void)
{
	struct berth_stack_conf conf = { .tcp_retries = 2, .tcp_syn_retries = 2 };
	struct sockaddr_in a = h_sin(H_PEER_IP, PEER_PORT);
	struct harness h;
	struct conn c;
	struct pkt p;
	int err = 0, sd;

	/* Data: 2 retransmissions (200, 400 ms), gone 800 ms later. */
	setup(&h, &conf);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "x", 1), 1);
	drain(&h);
	h_poll(&h, 200);
	h_poll(&h, 400);
	CU_ASSERT_EQUAL(h_tx_count(&h), 2);
	drain(&h);
	h_poll(&h, 799);
	CU_ASSERT_EQUAL(c.tp->state, TCP_ESTABLISHED);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(c.tp->state, TCP_CLOSED);
	CU_ASSERT(events(&h, c.sd, &err) & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ETIMEDOUT);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_timedout"), 1);
	/* The error once, then the connection is just gone. */
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "x", 1), -ETIMEDOUT);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "x", 1), -EPIPE);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, &p, 1), 0);
	CU_ASSERT(tx_none(&h));
	CU_ASSERT_EQUAL(berth_sock_close(h.st, c.sd), 0);

	/* SYN: initial RTO 1 s (RFC 6298 §2.1), then 2 s; given up 4 s later. */
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EINPROGRESS);
	H_ASSERT(tx(&h, &p));
	h_poll(&h, 999);
	CU_ASSERT(tx_none(&h));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.mss, 1460);
	h_poll(&h, 2000);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	h_poll(&h, 3999);
	CU_ASSERT_EQUAL(tcb_at(&h, sd)->state, TCP_SYN_SENT);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(tcb_at(&h, sd)->state, TCP_CLOSED);
	CU_ASSERT(events(&h, sd, &err) & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ETIMEDOUT);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_timedout"), 2);
	CU_ASSERT(tx_none(&h));
	h_teardown(&h);
}

/* ---- tests: closing ---- */

static void
test_close_fin(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	char *d;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "bye", 3), 3);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(berth_sock_close(h.st, c.sd), 0);
	/* RFC 9293 §3.10.4: the FIN after the queued data, FIN-WAIT-1. */
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(p.seq, c.iss + 4);
	CU_ASSERT_EQUAL(c.tp->state, TCP_FIN_WAIT_1);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 1); /* it finishes in the background */
	d = dump(&h);
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "FIN-WAIT-1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "rexmit:0.2"));
	free(d);
	/* FIN acked: FIN-WAIT-2 with its timeout armed. */
	peer_ack(&h, &c, c.iss + 5, 65535);
	CU_ASSERT_EQUAL(c.tp->state, TCP_FIN_WAIT_2);
	CU_ASSERT(timer_armed(&c.tp->conn_timer));
	/* The peer's FIN: ACK, TIME-WAIT as a compact entry, TCB freed. */
	h_inject(&h, seg(&h, PEER_PORT, c.port, c.snd, c.iss + 5, TCP_FIN | TCP_ACK, 65535, 0,
			 NULL, 0));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, c.snd + 1);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	d = dump(&h);
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "tcp: 0 connections, 0 listeners, 1 TIME-WAIT"));
	/* The compact entry is listed on its own line, with 2*MSL left (60 s). */
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "TIME-WAIT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "timewait:60.000s"));
	free(d);
	h_teardown(&h);
}

static void
test_fin_wait2_timeout(void)
{
	struct berth_stack_conf conf = { .tcp_fin_wait2_ns = 5 * BERTH_NS_PER_SEC };
	struct harness h;
	struct conn c;

	setup(&h, &conf);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_close(h.st, c.sd), 0);
	drain(&h);
	peer_ack(&h, &c, c.iss + 2, 65535);
	CU_ASSERT_EQUAL(c.tp->state, TCP_FIN_WAIT_2);
	h_poll(&h, 4999);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 1);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 0);
	h_teardown(&h);
}

static void
test_shutdown_half_close(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	char buf[16];

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_shutdown(h.st, c.sd, BERTH_SHUT_WR), 0);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "x", 1), -EPIPE);
	CU_ASSERT_EQUAL(berth_sock_shutdown(h.st, c.sd, BERTH_SHUT_WR), 0); /* again: nothing */
	CU_ASSERT(tx_none(&h));
	peer_ack(&h, &c, c.iss + 2, 65535);
	CU_ASSERT_EQUAL(c.tp->state, TCP_FIN_WAIT_2);
	CU_ASSERT_FALSE(timer_armed(&c.tp->conn_timer)); /* the app still reads */
	/* Reading goes on. */
	peer_data(&h, &c, c.iss + 2, "still here", 10);
	CU_ASSERT(events(&h, c.sd, NULL) & BERTH_EV_READABLE);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), 10);
	CU_ASSERT_EQUAL(memcmp(buf, "still here", 10), 0);
	/* The peer's FIN: end of stream, TIME-WAIT reported while the app holds it. */
	h_inject(&h, seg(&h, PEER_PORT, c.port, c.snd, c.iss + 2, TCP_FIN | TCP_ACK, 65535, 0,
			 NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, c.sd, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(c.tp->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, c.sd), 0);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	h_teardown(&h);
}

static void
test_rst_on_close_unread(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	peer_data(&h, &c, c.iss + 1, "unread", 6);
	drain(&h);
	/* RFC 1122 §4.2.2.13: closing with unread data resets the connection. */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, c.sd), 0);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_RST);
	CU_ASSERT_EQUAL(p.seq, c.iss + 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rst_tx"), 1);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0);
	CU_ASSERT(tx_none(&h));
	h_teardown(&h);
}

static void
test_linger_zero(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "abc", 3), 3);
	drain(&h);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, c.sd, BERTH_SO_LINGER, 0), 0);
	/* RFC 9293 §3.10.5 (ABORT): <SEQ=SND.NXT><CTL=RST>, queued data discarded. */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, c.sd), 0);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_RST);
	CU_ASSERT_EQUAL(p.seq, c.iss + 4);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 0);
	CU_ASSERT(tx_none(&h));
	h_teardown(&h);
}

static void
test_refused(void)
{
	struct sockaddr_in a = h_sin(H_PEER_IP, PEER_PORT);
	struct harness h;
	struct pkt p;
	int sd, err = 0;

	setup(&h, NULL);
	sd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EINPROGRESS);
	H_ASSERT(tx(&h, &p));
	/* RFC 9293 §3.10.7.3: RST with an acceptable ACK in SYN-SENT -> refused. */
	h_inject(&h, seg(&h, PEER_PORT, p.sport, 0, p.seq + 1, TCP_RST | TCP_ACK, 0, 0, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT(events(&h, sd, &err) & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(err, ECONNREFUSED);
	CU_ASSERT_EQUAL(tcb_at(&h, sd)->state, TCP_CLOSED);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, &p, 1), -ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, &p, 1), 0);
	/* The socket can try again (as Linux). */
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &a), -EINPROGRESS);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	h_teardown(&h);
}

static void
test_rst_for_no_connection(void)
{
	/* scapy: IP(src='198.18.0.2',dst='198.18.0.1')/TCP(sport=9,dport=40000,seq=0,
	 * ack=1001,flags='RA',window=0), TCP header bytes */
	static const uint8_t rst_ack[20] = {
		0x00, 0x09, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe9,
		0x50, 0x14, 0x00, 0x00, 0x83, 0x76, 0x00, 0x00,
	};
	/* scapy: ...TCP(sport=9,dport=40000,seq=5000,ack=0,flags='R',window=0) */
	static const uint8_t rst[20] = {
		0x00, 0x09, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x00, 0x00,
		0x50, 0x04, 0x00, 0x00, 0x73, 0xe7, 0x00, 0x00,
	};
	struct harness h;
	struct pkt p;

	setup(&h, NULL);
	/* RFC 9293 §3.10.7.1: no ACK -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	h_inject(&h, seg(&h, 40000, 9, 1000, 0, TCP_SYN, 65535, 0, NULL, 0));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.hlen, 20);
	CU_ASSERT_EQUAL(memcmp(p.tcp, rst_ack, 20), 0);
	/* ACK on -> <SEQ=SEG.ACK><CTL=RST> */
	h_inject(&h, seg(&h, 40000, 9, 1000, 5000, TCP_ACK, 65535, 0, "z", 1));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(memcmp(p.tcp, rst, 20), 0);
	/* Never a RST for a RST. */
	h_inject(&h, seg(&h, 40000, 9, 1000, 5000, TCP_RST | TCP_ACK, 0, 0, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT(tx_none(&h));
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rst_tx"), 2);
	h_teardown(&h);
}

/* ---- tests: passive open ---- */

static void
test_passive_open(void)
{
	struct harness h;
	struct sockaddr_in a;
	struct pkt p;
	struct tcb *tp;
	int lsd, sd, err;
	char buf[8], *d;

	setup(&h, NULL);
	lsd = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, lsd, BERTH_SO_SNDBUF, 8192), 0);
	CU_ASSERT_EQUAL(bind_to(&h, lsd, 0, 7), 0);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, lsd, 2), 0);
	/* A SYN with data: the SYN-ACK carries our MSS and acknowledges the SYN only. */
	h_inject(&h, seg(&h, 40000, 7, PEER_ISS, 0, TCP_SYN, 65535, 1200, NULL, 0));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, PEER_ISS + 1);
	CU_ASSERT_EQUAL(p.mss, 1460);
	CU_ASSERT_EQUAL(p.sport, 7);
	CU_ASSERT_EQUAL(berth_sock_accept(h.st, lsd, NULL), -EAGAIN);
	d = dump(&h);
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "SYN-RECEIVED"));
	free(d);
	/* The third segment of the handshake, with data: ACCEPT on the listener. */
	h_inject(&h, seg(&h, 40000, 7, PEER_ISS + 1, p.seq + 1, TCP_ACK, 65535, 0, "hi", 2));
	h_poll(&h, 1);
	CU_ASSERT(events(&h, lsd, &err) & BERTH_EV_ACCEPT);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_established"), 1);
	sd = berth_sock_accept(h.st, lsd, &a);
	CU_ASSERT(sd >= 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(a.sin_port, rte_cpu_to_be_16(40000));
	CU_ASSERT_EQUAL(berth_sock_accept(h.st, lsd, NULL), -EAGAIN);
	tp = tcb_at(&h, sd);
	CU_ASSERT_EQUAL(tp->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(tp->snd_mss, 1200);
	CU_ASSERT_EQUAL(tp->sndbuf, 8192); /* inherited from the listener */
	/* Data that arrived before accept: READABLE once accepted. */
	CU_ASSERT(events(&h, sd, NULL) & BERTH_EV_READABLE);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), 2);
	CU_ASSERT_EQUAL(memcmp(buf, "hi", 2), 0);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sd, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(a.sin_port, rte_cpu_to_be_16(7));
	drain(&h);
	/* Another peer half-open, then the listener closes: its child is reset. */
	h_inject(&h, seg(&h, 40001, 7, PEER_ISS, 0, TCP_SYN, 65535, 0, NULL, 0));
	h_poll(&h, 1);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 2);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, lsd), 0);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_RST);
	CU_ASSERT_EQUAL(p.dport, 40001);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, 1); /* the accepted one lives on */
	CU_ASSERT_EQUAL(tp->state, TCP_ESTABLISHED);
	h_teardown(&h);
}

/* ---- tests: zero copy and back-pressure ---- */

static void
test_zero_copy_and_writable(void)
{
	struct harness h;
	struct conn c;
	struct pkt p;
	struct rte_mbuf *m, *r;
	unsigned int in_use;
	uint8_t big[2048];
	ssize_t n;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, c.sd, BERTH_SO_SNDBUF, 2048), 0);
	/* Zero copy: the app's mbuf is queued as it is and sent by reference. */
	m = berth_sock_alloc_mbuf(h.st);
	H_ASSERT(m != NULL);
	memcpy(rte_pktmbuf_append(m, 1000), big, 1000);
	memset(rte_pktmbuf_mtod(m, char *), 'z', 1000);
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(h.st, c.sd, m, NULL), 1000);
	CU_ASSERT_EQUAL(c.tp->sndq.head, m);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.len, 1000);
	CU_ASSERT_EQUAL(p.data[999], 'z');
	/* Copy send: fills the buffer (2048), then -EAGAIN. */
	memset(big, 'c', sizeof(big));
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, big, sizeof(big)), 1048);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, big, 1), -EAGAIN);
	/* Zero copy into a full buffer: -EAGAIN and the caller keeps the mbuf. */
	r = berth_sock_alloc_mbuf(h.st);
	H_ASSERT(r != NULL);
	rte_pktmbuf_append(r, 10);
	in_use = h_pool_in_use(&h);
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(h.st, c.sd, r, NULL), -EAGAIN);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), in_use);
	rte_pktmbuf_free(r);
	drain(&h);
	/*
	 * The copied bytes went into the room left in the app's mbuf (no new
	 * buffer). An ACK of 1000 bytes frees space: WRITABLE.
	 */
	CU_ASSERT_EQUAL(c.tp->sndq.count, 1);
	peer_ack(&h, &c, c.iss + 1 + 1000, 65535);
	CU_ASSERT(events(&h, c.sd, NULL) & BERTH_EV_WRITABLE);
	CU_ASSERT_EQUAL(c.tp->sndq.bytes, 1048);
	drain(&h);
	/* Everything acknowledged: the app's mbuf goes back to the pool. */
	in_use = h_pool_in_use(&h);
	peer_ack(&h, &c, c.iss + 1 + 2048, 65535);
	CU_ASSERT_EQUAL(c.tp->sndq.bytes, 0);
	CU_ASSERT_PTR_NULL(c.tp->sndq.head);
	CU_ASSERT(h_pool_in_use(&h) < in_use);
	CU_ASSERT_FALSE(events(&h, c.sd, NULL) & BERTH_EV_WRITABLE); /* once per -EAGAIN */
	/* Zero-copy receive: the payload mbuf itself. */
	peer_data(&h, &c, c.iss + 1 + 1000, "mbuf!", 5);
	n = berth_sock_recvfrom_mbuf(h.st, c.sd, &m, NULL);
	CU_ASSERT_EQUAL(n, 5);
	if (n == 5) {
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, char *), "mbuf!", 5), 0);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(berth_sock_recvfrom_mbuf(h.st, c.sd, &m, NULL), -EAGAIN);
	h_teardown(&h);
}

static void
test_no_multi_seg(void)
{
	struct harness h;
	struct conn c;
	struct rte_mbuf *m;
	struct pkt p;
	uint8_t out[2500];
	unsigned int i;

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 13);
	/* A device without chained TX: the payload is copied behind the headers. */
	h.dev->offloads &= ~BERTH_DEV_OFF_TX_MULTI_SEG;
	/* Both segments at once: Nagle would hold the short tail behind the first. */
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, c.sd, BERTH_SO_NODELAY, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, out, sizeof(out)), (ssize_t)sizeof(out));
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	CU_ASSERT_EQUAL(m->nb_segs, 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), RTE_ETHER_HDR_LEN + 40 + 1460);
	rte_pktmbuf_free(m);
	H_ASSERT(tx(&h, &p));
	CU_ASSERT_EQUAL(p.len, sizeof(out) - 1460);
	CU_ASSERT_EQUAL(memcmp(p.data, out + 1460, p.len), 0);
	/* With chains: header mbuf + clones of the queued data, nothing copied. */
	h.dev->offloads |= BERTH_DEV_OFF_TX_MULTI_SEG;
	h_poll(&h, 200); /* RTO: the first segment again */
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	CU_ASSERT(m->nb_segs >= 2);
	CU_ASSERT(RTE_MBUF_CLONED(m->next) || RTE_MBUF_HAS_EXTBUF(m->next));
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), RTE_ETHER_HDR_LEN + 40 + 1460);
	rte_pktmbuf_free(m);
	/* Torn down with data in flight: close queues more clones, all freed. */
	h_teardown(&h);
}

static void
test_conns_dump(void)
{
	struct harness h;
	struct conn c;
	char *d, local[32];

	setup(&h, NULL);
	H_ASSERT(establish(&h, &c, 1460));
	CU_ASSERT_EQUAL(berth_sock_send(h.st, c.sd, "12345", 5), 5);
	drain(&h);
	peer_data(&h, &c, c.iss + 1, "abc", 3);
	d = dump(&h);
	snprintf(local, sizeof(local), "198.18.0.2:%u", c.port);
	/* ss -tan style: state, Recv-Q, Send-Q, local, peer, timers. */
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "State"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "ESTABLISHED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, local));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "198.18.0.1:80"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "       3        5 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "rexmit:0.199s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "tcp: 1 connections, 0 listeners, 0 TIME-WAIT"));
	free(d);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("sockets", NULL, NULL);

	CU_add_test(s, "open, close", test_open_close);
	CU_add_test(s, "bind conflicts", test_bind_conflicts);
	CU_add_test(s, "SO_REUSEADDR over TIME-WAIT", test_reuseaddr_time_wait);
	CU_add_test(s, "listen unbound, accept -EAGAIN", test_listen_accept_eagain);
	CU_add_test(s, "bad descriptors and types", test_bad_descriptors);
	CU_add_test(s, "options and bounds", test_options);
	s = CU_add_suite("active open", NULL, NULL);
	CU_add_test(s, "connect sends a SYN with MSS", test_connect_syn);
	CU_add_test(s, "handshake, send, recv", test_handshake_and_data);
	CU_add_test(s, "out of order", test_out_of_order);
	CU_add_test(s, "window update after read", test_window_update);
	CU_add_test(s, "connection refused", test_refused);
	CU_add_test(s, "RST for no connection", test_rst_for_no_connection);
	s = CU_add_suite("timers", NULL, NULL);
	CU_add_test(s, "retransmission (RFC 6298)", test_retransmission);
	CU_add_test(s, "zero-window probe", test_zero_window_probe);
	CU_add_test(s, "give up: data and SYN", test_give_up);
	CU_add_test(s, "FIN-WAIT-2 timeout", test_fin_wait2_timeout);
	s = CU_add_suite("closing", NULL, NULL);
	CU_add_test(s, "close sends FIN, TIME-WAIT", test_close_fin);
	CU_add_test(s, "shutdown(WR) half-close", test_shutdown_half_close);
	CU_add_test(s, "RST on close with unread data", test_rst_on_close_unread);
	CU_add_test(s, "SO_LINGER 0", test_linger_zero);
	s = CU_add_suite("passive open", NULL, NULL);
	CU_add_test(s, "listen, SYN, accept", test_passive_open);
	s = CU_add_suite("buffers", NULL, NULL);
	CU_add_test(s, "zero copy, -EAGAIN, WRITABLE", test_zero_copy_and_writable);
	CU_add_test(s, "device without chained TX", test_no_multi_seg);
	CU_add_test(s, "connection listing", test_conns_dump);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
