/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP unit-test fixtures; see tcp_fixture.h.
 *
 * Every state is reached through the stack's own code paths (socket calls
 * and segments injected at the device), and every segment the stack sends on
 * the way is checked against RFC 9293 §3.5 (handshake) and §3.6 (closing),
 * so a broken path fails in the fixture, loudly, for every test that needs it.
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
#include "tcp_fixture.h"

/* ---- set-up ---- */

void
tf_setup_conf(struct tf *f, const struct berth_stack_conf *conf)
{
	memset(f, 0, sizeof(*f));
	h_setup_conf(&f->h, conf);
	h_learn_peer(&f->h);
	f->sd = -1;
	f->lsd = -1;
	f->irs = TF_PEER_ISS;
	f->peer_mss = TF_PEER_MSS;
	f->peer_win = TF_PEER_WIN;
	f->synack_delay_ms = 1;
}

void
tf_setup(struct tf *f)
{
	tf_setup_conf(f, NULL);
}

void
tf_teardown(struct tf *f)
{
	h_teardown(&f->h);
	f->tp = NULL;
	f->l = NULL;
}

/* ---- the peer's segments ---- */

struct rte_mbuf *
tf_build(struct tf *f, const struct tf_hdr *hd, const void *data, uint16_t len)
{
	uint8_t seg[sizeof(struct rte_tcp_hdr) + 40 + TF_MAX_DATA];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)seg;
	uint16_t hlen = (uint16_t)(sizeof(*th) + hd->opt_len);
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;

	H_ASSERT(hd->opt_len <= 40 && len <= TF_MAX_DATA);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(hd->sport);
	th->dst_port = rte_cpu_to_be_16(hd->dport);
	th->sent_seq = rte_cpu_to_be_32(hd->seq);
	th->recv_ack = rte_cpu_to_be_32(hd->ack);
	th->data_off = (uint8_t)(((hlen + 3) / 4) << 4);
	th->tcp_flags = hd->flags;
	th->rx_win = rte_cpu_to_be_16(hd->win);
	th->tcp_urp = rte_cpu_to_be_16(hd->urp);
	if (hd->opt_len > 0)
		memcpy(th + 1, hd->opts, hd->opt_len);
	if (len > 0)
		memcpy(seg + hlen, data, len);
	m = h_build_ipv4(&f->h, hd->src ? hd->src : H_PEER_IP, hd->dst ? hd->dst : H_OUR_IP,
			 IPPROTO_TCP, seg, (uint16_t)(hlen + len));
	ip = h_ip(m);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

struct rte_mbuf *
tf_raw_opts(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, uint16_t win,
	    const uint8_t *opts, uint8_t opt_len, const void *data, uint16_t len)
{
	struct tf_hdr hd = {
		.sport = rte_be_to_cpu_16(f->key.rport),
		.dport = rte_be_to_cpu_16(f->key.lport),
		.seq = seq,
		.ack = (flags & TCP_ACK) ? ack : 0,
		.flags = flags,
		.win = win,
		.opts = opts,
		.opt_len = opt_len,
	};

	return tf_build(f, &hd, data, len);
}

struct rte_mbuf *
tf_raw(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, const void *data, uint16_t len)
{
	return tf_raw_opts(f, flags, seq, ack, f->peer_win, NULL, 0, data, len);
}

struct rte_mbuf *
tf_raw_mss(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, uint16_t mss)
{
	uint8_t o[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };

	return tf_raw_opts(f, flags, seq, ack, f->peer_win, o, mss ? 4 : 0, NULL, 0);
}

bool
tf_nxt(struct tf *f, const struct tcb *tp, tcp_seq *snd_nxt, tcp_seq *rcv_nxt)
{
	struct tcp_tw *tw;

	if (tp != NULL && tp->state != TCP_TIME_WAIT) {
		*snd_nxt = tp->snd_nxt;
		*rcv_nxt = tp->rcv_nxt;
		return true;
	}
	tw = tf_tw(f);
	CU_ASSERT_PTR_NOT_NULL(tw);
	if (tw == NULL)
		return false;
	*snd_nxt = tcp_tw_snd_nxt(tw);
	*rcv_nxt = tcp_tw_rcv_nxt(tw);
	return true;
}

struct rte_mbuf *
tf_seg(struct tf *f, const struct tcb *tp, uint8_t flags, int32_t seq_off, int32_t ack_off,
       const void *data, uint16_t len)
{
	tcp_seq snd_nxt = 0, rcv_nxt = 0;

	tf_nxt(f, tp, &snd_nxt, &rcv_nxt);
	return tf_raw(f, flags, rcv_nxt + (tcp_seq)seq_off, snd_nxt + (tcp_seq)ack_off, data,
		      len);
}

void
tf_in(struct tf *f, struct rte_mbuf *m)
{
	h_inject(&f->h, m);
	h_poll(&f->h, 0);
}

/* ---- the stack's segments ---- */

/* MSS from an options area; -1 when it is malformed. */
static int
opts_mss(const uint8_t *o, unsigned int len, uint16_t *mss)
{
	unsigned int i = 0;

	*mss = 0;
	while (i < len) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return -1;
		if (o[i] == 2 && o[i + 1] == 4)
			*mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
		i += o[i + 1];
	}
	return 0;
}

/* Copy len bytes at off out of a (possibly chained) mbuf. */
static bool
copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *dst)
{
	const void *src = rte_pktmbuf_read(m, off, len, dst);

	if (src == NULL)
		return false;
	if (src != dst)
		memcpy(dst, src, len);
	return true;
}

bool
tf_delack_fire(struct harness *h)
{
	const struct tcb *tp, *first = NULL;

	for (tp = tcp_pool_next(h->st, NULL); tp != NULL; tp = tcp_pool_next(h->st, tp))
		if (tp->ack_delayed && timer_armed(&tp->delack_timer) &&
		    (first == NULL || tp->delack_timer.expire < first->delack_timer.expire))
			first = tp;
	if (first == NULL)
		return false;
	h_poll_ns(h, first->delack_timer.expire > h->now ? first->delack_timer.expire - h->now : 0);
	return true;
}

bool
tf_tx_tcp(struct tf *f, struct tf_pkt *p)
{
	uint8_t hdrs[sizeof(struct rte_ether_hdr) + 60 + 60];
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)hdrs;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	struct tf_pkt local;
	struct rte_mbuf *m;
	uint32_t ihl, l4_off, l4_len, thl;
	bool ok = false;

	if (p == NULL)
		p = &local;
	memset(p, 0, sizeof(*p));
	if (h_tx_count(&f->h) == 0)
		berth_stack_flush(f->h.st, f->h.now);
	if (h_tx_count(&f->h) == 0 && tf_delack_fire(&f->h))
		berth_stack_flush(f->h.st, f->h.now);
	m = h_tx_pop(&f->h);
	CU_ASSERT_PTR_NOT_NULL(m);
	if (m == NULL)
		return false;
	if (rte_pktmbuf_pkt_len(m) < sizeof(*eh) + sizeof(*ip) + sizeof(*th) ||
	    !copy_out(m, 0, sizeof(*eh) + sizeof(*ip), hdrs)) {
		CU_FAIL("sent frame too short for Ethernet/IPv4/TCP");
		goto out;
	}
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, &H_PEER_MAC));
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_TCP) {
		CU_FAIL("sent frame is not IPv4/TCP");
		goto out;
	}
	ihl = rte_ipv4_hdr_len(ip);
	l4_off = sizeof(*eh) + ihl;
	if (ihl < sizeof(*ip) || rte_pktmbuf_pkt_len(m) < l4_off + sizeof(*th) ||
	    !copy_out(m, 0, l4_off + sizeof(*th), hdrs)) {
		CU_FAIL("sent IPv4 header malformed");
		goto out;
	}
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	CU_ASSERT(rte_raw_cksum(ip, ihl) == 0xffff);
	/* The frame is the datagram, or padded to the Ethernet minimum. */
	CU_ASSERT(rte_be_to_cpu_16(ip->total_length) + sizeof(*eh) == rte_pktmbuf_pkt_len(m) ||
		  (rte_pktmbuf_pkt_len(m) == RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN &&
		   rte_be_to_cpu_16(ip->total_length) + sizeof(*eh) < rte_pktmbuf_pkt_len(m)));
	l4_len = rte_be_to_cpu_16(ip->total_length) - ihl;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	thl = (uint32_t)(th->data_off >> 4) * 4;
	if (thl < sizeof(*th) || thl > l4_len ||
	    !copy_out(m, 0, l4_off + thl, hdrs)) {
		CU_FAIL("sent TCP data offset malformed");
		goto out;
	}
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	/* RFC 9293 §3.1: the checksum covers pseudo-header, header and data. */
	CU_ASSERT(cksum_ipv4_l4_ok(m, l4_off, (uint16_t)l4_len, ip->src_addr, ip->dst_addr,
				   IPPROTO_TCP));
	p->src = ip->src_addr;
	p->dst = ip->dst_addr;
	p->ttl = ip->time_to_live;
	CU_ASSERT_EQUAL(p->src, H_OUR_IP);
	p->sport = rte_be_to_cpu_16(th->src_port);
	p->dport = rte_be_to_cpu_16(th->dst_port);
	p->seq = rte_be_to_cpu_32(th->sent_seq);
	p->ack = rte_be_to_cpu_32(th->recv_ack);
	p->flags = th->tcp_flags;
	p->win = rte_be_to_cpu_16(th->rx_win);
	p->urp = rte_be_to_cpu_16(th->tcp_urp);
	p->opt_len = (uint8_t)(thl - sizeof(*th));
	CU_ASSERT(opts_mss((const uint8_t *)(th + 1), p->opt_len, &p->mss) == 0);
	CU_ASSERT(tcp_opts_parse((const uint8_t *)(th + 1), p->opt_len,
				 (p->flags & TCP_SYN) != 0, &p->opts) == 0);
	/* RFC 9293 §3.7.1: the MSS option is sent only in SYN segments. */
	if (!(p->flags & TCP_SYN))
		CU_ASSERT_EQUAL(p->mss, 0);
	p->len = l4_len - thl;
	if (p->len > TF_MAX_DATA) {
		CU_FAIL("sent segment larger than the fixture's buffer");
		goto out;
	}
	if (p->len > 0 && !copy_out(m, l4_off + thl, p->len, p->data)) {
		CU_FAIL("sent payload unreadable");
		goto out;
	}
	/* RFC 7323 §2.2: a SYN's window is never scaled. */
	if (p->flags & TCP_ACK)
		f->adv_edge = p->ack + ((uint32_t)p->win <<
					((p->flags & TCP_SYN) ? 0 : f->our_wscale));
	ok = true;
out:
	rte_pktmbuf_free(m);
	return ok;
}

bool
tf_expect_none(struct tf *f)
{
	struct tf_pkt p;
	unsigned int n;

	berth_stack_flush(f->h.st, f->h.now);
	n = h_tx_count(&f->h);
	if (n == 0)
		return true;
	if (tf_tx_tcp(f, &p))
		fprintf(stderr, "\n  unexpected segment: flags 0x%02x seq %u ack %u len %u\n",
			p.flags, p.seq, p.ack, p.len);
	CU_FAIL("a segment was sent where none was expected");
	h_tx_drain(&f->h);
	return false;
}

bool
tf_expect_pkt(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, struct tf_pkt *p)
{
	struct tf_pkt local;
	bool ok;

	if (p == NULL)
		p = &local;
	if (!tf_tx_tcp(f, p))
		return false;
	ok = (p->flags & ~TCP_PSH) == flags && p->seq == seq &&
	     (!(flags & TCP_ACK) || p->ack == ack) && p->len == 0;
	if (!ok)
		fprintf(stderr, "\n  expected flags 0x%02x seq %u ack %u, sent flags 0x%02x seq %u "
			"ack %u len %u\n", flags, seq, ack, p->flags, p->seq, p->ack, p->len);
	CU_ASSERT_EQUAL(p->flags & ~TCP_PSH, flags);
	CU_ASSERT_EQUAL(p->seq, seq);
	if (flags & TCP_ACK)
		CU_ASSERT_EQUAL(p->ack, ack);
	CU_ASSERT_EQUAL(p->len, 0);
	return ok;
}

bool
tf_expect(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack)
{
	return tf_expect_pkt(f, flags, seq, ack, NULL);
}

bool
tf_expect_ack_or_none(struct tf *f, tcp_seq seq, tcp_seq ack)
{
	berth_stack_flush(f->h.st, f->h.now);
	if (h_tx_count(&f->h) == 0)
		return true;
	return tf_expect(f, TCP_ACK, seq, ack) && tf_expect_none(f);
}

/* ---- application side ---- */

uint32_t
tf_events(struct tf *f, int sd, int *err)
{
	struct berth_event ev[32];
	unsigned int n, i;
	uint32_t got;

	do {
		n = berth_stack_events(f->h.st, ev, RTE_DIM(ev));
		for (i = 0; i < n; i++) {
			if (ev[i].sd < 0 || ev[i].sd >= TF_MAX_SD)
				continue;
			f->ev[ev[i].sd] |= ev[i].events;
			if (ev[i].events & BERTH_EV_ERROR)
				f->ev_err[ev[i].sd] = ev[i].error;
		}
	} while (n == RTE_DIM(ev));
	if (sd < 0 || sd >= TF_MAX_SD)
		return 0;
	got = f->ev[sd];
	if (err != NULL)
		*err = f->ev_err[sd];
	f->ev[sd] = 0;
	f->ev_err[sd] = 0;
	return got;
}

CU_pSuite
tf_suite(const char *name)
{
	const char *only = getenv("TF_SUITE");

	if (only != NULL && strstr(name, only) == NULL)
		return NULL;
	return CU_add_suite(name, NULL, NULL);
}

uint64_t
tf_drops(struct tf *f)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < BERTH_COUNTER_MAX; i++)
		if (strncmp(berth_counter_name(i), "drop_", 5) == 0)
			sum += berth_stack_counter(f->h.st, berth_counter_name(i));
	return sum;
}

ssize_t
tf_read_all(struct tf *f, int sd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = berth_sock_recv(f->h.st, sd, (uint8_t *)buf + got, len - got);
		if (n <= 0) {
			if (got == 0)
				return n;
			break;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* ---- table views ---- */

enum tcp_state
tf_conn_state(struct tf *f)
{
	struct tcp_lookup lk = tcp_table_lookup(f->h.st, &f->key);

	switch (lk.kind) {
	case TCP_LK_TCB:
		return lk.tcb->state;
	case TCP_LK_TW:
		return TCP_TIME_WAIT;
	default:
		return TCP_CLOSED;
	}
}

struct tcp_tw *
tf_tw(struct tf *f)
{
	struct tcp_lookup lk = tcp_table_lookup(f->h.st, &f->key);

	return lk.kind == TCP_LK_TW ? lk.tw : NULL;
}

/* ---- reaching each state ---- */

static bool
state_is(struct tf *f, enum tcp_state s)
{
	enum tcp_state now = tf_conn_state(f);

	if (now != s)
		fprintf(stderr, "\n  fixture: expected %s, connection is %s\n", tcp_state_name(s),
			tcp_state_name(now));
	CU_ASSERT_EQUAL(now, s);
	return now == s;
}

static bool
listen_on(struct tf *f, uint16_t port, int backlog)
{
	struct sockaddr_in a = h_sin(0, port);
	int ret;

	f->lsd = berth_sock_open(f->h.st, BERTH_SOCK_STREAM);
	CU_ASSERT(f->lsd >= 0);
	if (f->lsd < 0)
		return false;
	ret = berth_sock_bind(f->h.st, f->lsd, &a);
	CU_ASSERT_EQUAL(ret, 0);
	if (ret != 0) {
		fprintf(stderr, "\n  fixture: bind to port %u: %s\n", port, strerror(-ret));
		return false;
	}
	ret = berth_sock_listen(f->h.st, f->lsd, backlog);
	CU_ASSERT_EQUAL(ret, 0);
	if (ret != 0) {
		fprintf(stderr, "\n  fixture: listen on port %u: %s\n", port, strerror(-ret));
		return false;
	}
	f->l = (struct tcp_listener *)sock_lookup(f->h.st, f->lsd);
	CU_ASSERT_PTR_NOT_NULL(f->l);
	CU_ASSERT_PTR_EQUAL(tcp_listen_lookup(f->h.st, H_OUR_IP, rte_cpu_to_be_16(port)), f->l);
	return f->l != NULL;
}

/* connect(): our SYN goes out with an MSS option (RFC 9293 §3.5, §3.7.1). */
static bool
to_syn_sent(struct tf *f)
{
	struct sockaddr_in a = h_sin(H_PEER_IP, TF_SRV_PORT);
	struct tf_pkt p;
	int ret;

	f->sd = berth_sock_open(f->h.st, BERTH_SOCK_STREAM);
	CU_ASSERT(f->sd >= 0);
	if (f->sd < 0)
		return false;
	ret = berth_sock_connect(f->h.st, f->sd, &a);
	CU_ASSERT(ret == 0 || ret == -EINPROGRESS);
	if (ret != 0 && ret != -EINPROGRESS)
		return false;
	if (!tf_tx_tcp(f, &p))
		return false;
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.dport, TF_SRV_PORT);
	CU_ASSERT_EQUAL(p.mss, f->h.st->ifs[0].mtu - 40);
	CU_ASSERT(p.win > 0);
	CU_ASSERT_EQUAL(p.len, 0);
	f->iss = p.seq;
	f->key.laddr = H_OUR_IP;
	f->key.raddr = H_PEER_IP;
	f->key.lport = rte_cpu_to_be_16(p.sport);
	f->key.rport = rte_cpu_to_be_16(TF_SRV_PORT);
	f->tp = (struct tcb *)sock_lookup(f->h.st, f->sd);
	CU_ASSERT_PTR_NOT_NULL(f->tp);
	if (f->tp == NULL || !state_is(f, TCP_SYN_SENT))
		return false;
	CU_ASSERT_EQUAL(f->tp->iss, f->iss);
	CU_ASSERT_EQUAL(f->tp->snd_una, f->iss);
	CU_ASSERT_EQUAL(f->tp->snd_nxt, f->iss + 1);
	return tf_expect_none(f);
}

/* The peer's SYN-ACK; our ACK completes the handshake (RFC 9293 §3.5, Figure 6). */
static bool
active_established(struct tf *f)
{
	uint32_t ev;

	if (!to_syn_sent(f))
		return false;
	h_poll(&f->h, f->synack_delay_ms);
	tf_in(f, tf_raw_mss(f, TCP_SYN | TCP_ACK, f->irs, f->iss + 1, f->peer_mss));
	if (!tf_expect(f, TCP_ACK, f->iss + 1, f->irs + 1) || !tf_expect_none(f))
		return false;
	if (!state_is(f, TCP_ESTABLISHED))
		return false;
	ev = tf_events(f, f->sd, NULL);
	CU_ASSERT(ev & BERTH_EV_CONNECTED);
	return true;
}

/* A SYN to the listener; the child answers with a SYN-ACK (RFC 9293 §3.10.7.2). */
static bool
to_syn_received(struct tf *f)
{
	struct tcp_lookup lk;
	struct tf_pkt p;

	if (!listen_on(f, TF_PORT, 16))
		return false;
	f->key.laddr = H_OUR_IP;
	f->key.raddr = H_PEER_IP;
	f->key.lport = rte_cpu_to_be_16(TF_PORT);
	f->key.rport = rte_cpu_to_be_16(TF_PEER_PORT);
	tf_in(f, tf_raw_mss(f, TCP_SYN, f->irs, 0, f->peer_mss));
	if (!tf_tx_tcp(f, &p))
		return false;
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, f->irs + 1);
	CU_ASSERT_EQUAL(p.sport, TF_PORT);
	CU_ASSERT_EQUAL(p.dport, TF_PEER_PORT);
	CU_ASSERT_EQUAL(p.mss, f->h.st->ifs[0].mtu - 40);
	CU_ASSERT(p.win > 0);
	f->iss = p.seq;
	if (!tf_expect_none(f))
		return false;
	lk = tcp_table_lookup(f->h.st, &f->key);
	CU_ASSERT_EQUAL(lk.kind, TCP_LK_TCB);
	if (lk.kind != TCP_LK_TCB)
		return false;
	f->tp = lk.tcb;
	if (!state_is(f, TCP_SYN_RECEIVED))
		return false;
	CU_ASSERT_EQUAL(f->tp->iss, f->iss);
	CU_ASSERT_EQUAL(f->tp->irs, f->irs);
	CU_ASSERT_EQUAL(f->tp->rcv_nxt, f->irs + 1);
	CU_ASSERT_PTR_EQUAL(f->tp->parent, f->l);
	CU_ASSERT_EQUAL(f->l->nb_syn_recv, 1);
	return true;
}

/* The ACK of our SYN-ACK; the child waits in the accept queue (§3.10.7.4). */
static bool
passive_established(struct tf *f)
{
	struct sockaddr_in peer;
	uint32_t ev;

	if (!to_syn_received(f))
		return false;
	tf_in(f, tf_raw(f, TCP_ACK, f->irs + 1, f->iss + 1, NULL, 0));
	if (!tf_expect_none(f) || !state_is(f, TCP_ESTABLISHED))
		return false;
	ev = tf_events(f, f->lsd, NULL);
	CU_ASSERT(ev & BERTH_EV_ACCEPT);
	CU_ASSERT_EQUAL(f->l->nb_syn_recv, 0);
	CU_ASSERT_EQUAL(f->l->nb_accept, 1);
	memset(&peer, 0, sizeof(peer));
	f->sd = berth_sock_accept(f->h.st, f->lsd, &peer);
	CU_ASSERT(f->sd >= 0);
	if (f->sd < 0)
		return false;
	CU_ASSERT_EQUAL(peer.sin_addr.s_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(peer.sin_port, rte_cpu_to_be_16(TF_PEER_PORT));
	CU_ASSERT_PTR_EQUAL(sock_lookup(f->h.st, f->sd), &f->tp->so);
	CU_ASSERT_EQUAL(f->l->nb_accept, 0);
	return true;
}

/* The app ends its side: shutdown(WR) or close(); our FIN goes out (§3.10.4). */
static bool
app_close(struct tf *f, enum tcp_state expect)
{
	tcp_seq snd_nxt = f->tp->snd_nxt, rcv_nxt = f->tp->rcv_nxt;
	int ret;

	if (f->by_close) {
		ret = berth_sock_close(f->h.st, f->sd);
		f->sd = -1;
	} else {
		ret = berth_sock_shutdown(f->h.st, f->sd, BERTH_SHUT_WR);
	}
	CU_ASSERT_EQUAL(ret, 0);
	if (ret != 0)
		return false;
	if (!tf_expect(f, TCP_FIN | TCP_ACK, snd_nxt, rcv_nxt) || !tf_expect_none(f))
		return false;
	if (!state_is(f, expect))
		return false;
	CU_ASSERT_EQUAL(f->tp->snd_nxt, snd_nxt + 1);
	return true;
}

/* The peer's FIN (acking ours or not); we ACK it (§3.10.7.4, eighth). */
static bool
peer_fin(struct tf *f, int32_t ack_off, enum tcp_state expect)
{
	tcp_seq snd_nxt = f->tp->snd_nxt, rcv_nxt = f->tp->rcv_nxt;

	tf_in(f, tf_raw(f, TCP_FIN | TCP_ACK, rcv_nxt, snd_nxt + (tcp_seq)ack_off, NULL, 0));
	if (!tf_expect(f, TCP_ACK, snd_nxt, rcv_nxt + 1) || !tf_expect_none(f))
		return false;
	return state_is(f, expect);
}

static bool
established(struct tf *f)
{
	return f->passive ? passive_established(f) : active_established(f);
}

static bool
reach(struct tf *f, enum tcp_state s)
{
	uint32_t ev;

	switch (s) {
	case TCP_CLOSED:
		f->key.laddr = H_OUR_IP;
		f->key.raddr = H_PEER_IP;
		f->key.lport = rte_cpu_to_be_16(TF_CLOSED_PORT);
		f->key.rport = rte_cpu_to_be_16(TF_PEER_PORT);
		return true;
	case TCP_LISTEN:
		f->key.laddr = H_OUR_IP;
		f->key.raddr = H_PEER_IP;
		f->key.lport = rte_cpu_to_be_16(TF_PORT);
		f->key.rport = rte_cpu_to_be_16(TF_PEER_PORT);
		return listen_on(f, TF_PORT, 16);
	case TCP_SYN_SENT:
		return to_syn_sent(f);
	case TCP_SYN_RECEIVED:
		return to_syn_received(f);
	case TCP_ESTABLISHED:
		return established(f);
	case TCP_FIN_WAIT_1:
		return established(f) && app_close(f, TCP_FIN_WAIT_1);
	case TCP_FIN_WAIT_2:
		if (!reach(f, TCP_FIN_WAIT_1))
			return false;
		tf_in(f, tf_raw(f, TCP_ACK, f->tp->rcv_nxt, f->tp->snd_nxt, NULL, 0));
		return tf_expect_none(f) && state_is(f, TCP_FIN_WAIT_2);
	case TCP_CLOSING:
		/* RFC 9293 §3.6, Figure 13: the FINs cross. */
		return reach(f, TCP_FIN_WAIT_1) && peer_fin(f, -1, TCP_CLOSING);
	case TCP_TIME_WAIT:
		return reach(f, TCP_FIN_WAIT_2) && peer_fin(f, 0, TCP_TIME_WAIT);
	case TCP_CLOSE_WAIT:
		if (!established(f) || !peer_fin(f, 0, TCP_CLOSE_WAIT))
			return false;
		ev = tf_events(f, f->sd, NULL);
		CU_ASSERT(ev & BERTH_EV_HANGUP);
		return true;
	case TCP_LAST_ACK:
		return reach(f, TCP_CLOSE_WAIT) && app_close(f, TCP_LAST_ACK);
	default:
		CU_FAIL("no such state");
		return false;
	}
}

struct tcb *
tf_tcb_in_state(struct tf *f, enum tcp_state s)
{
	if (!reach(f, s)) {
		fprintf(stderr, "\n  fixture: could not reach %s\n", tcp_state_name(s));
		f->tp = NULL;
		return NULL;
	}
	if (s == TCP_CLOSED || s == TCP_LISTEN) {
		f->tp = NULL;
		return NULL;
	}
	if (s == TCP_TIME_WAIT) {
		CU_ASSERT_PTR_NOT_NULL(tf_tw(f));
		/* The TCB lives on only while the app holds its descriptor. */
		if (f->sd < 0)
			f->tp = NULL;
		else
			CU_ASSERT_EQUAL(f->tp->state, TCP_TIME_WAIT);
	}
	return f->tp;
}
