/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket descriptors and readiness events (stack/socket.c with UDP sockets
 * behind it): lowest-first descriptors and reuse, -EBADF and -EMFILE, and
 * events gathered during input and handed out by berth_stack_events().
 *
 * Datagrams arrive through udp_input directly (deliver(), as ipv4_input
 * calls it), except in the poll test, which goes through the whole stack.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <berth/berth.h>

#include "harness.h"

#define MAX_EV 16

static int
open_bound(struct harness *h, uint16_t port)
{
	struct sockaddr_in a = h_sin(0, port);
	int sd = berth_sock_open(h->st, BERTH_SOCK_DGRAM);

	H_ASSERT(sd >= 0);
	H_ASSERT(berth_sock_bind(h->st, sd, &a) == 0);
	return sd;
}

/* What ipv4_input does before udp_input. */
static void
deliver(struct harness *h, uint16_t dport, const char *payload)
{
	struct rte_mbuf *m = h_build_udp(h, H_PEER_IP, H_OUR_IP, 1234, dport, payload,
					 (uint16_t)strlen(payload));
	const struct rte_ipv4_hdr *iph;
	struct berth_ip_info ip;

	H_ASSERT(rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr)) != NULL);
	iph = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	memset(&ip, 0, sizeof(ip));
	ip.ifp = &h->st->ifs[0];
	ip.src = iph->src_addr;
	ip.dst = iph->dst_addr;
	ip.hdr_len = sizeof(*iph);
	ip.payload_len = (uint16_t)(rte_be_to_cpu_16(iph->total_length) - sizeof(*iph));
	ip.proto = iph->next_proto_id;
	ip.ttl = iph->time_to_live;
	udp_input(h->st, m, &ip, h->now);
}

static unsigned int
events(struct harness *h, struct berth_event *ev)
{
	return berth_stack_events(h->st, ev, MAX_EV);
}

static void
test_lowest_first(void)
{
	struct harness h;
	int i;

	h_setup(&h);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), i);
	/* A freed descriptor is reused before the table grows. */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), 1);
	/*
	 * Two freed: both come back before 4. (Not necessarily lowest first:
	 * socket.c reuses the most recently freed, unlike a Unix file table.)
	 */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, 1), 0);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, 2), 0);
	i = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	CU_ASSERT_TRUE(i == 1 || i == 2);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), 3 - i);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), 4);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, (enum berth_sock_type)0), -EPROTONOSUPPORT);
	h_teardown(&h);
}

/* Every call on sd must say -EBADF. */
static void
expect_ebadf(struct harness *h, int sd)
{
	struct sockaddr_in a = h_sin(H_PEER_IP, 53);
	struct rte_mbuf *m;
	uint8_t buf[8];
	int v;
	unsigned int before = rte_mempool_in_use_count(h->pool);

	CU_ASSERT_EQUAL(berth_sock_close(h->st, sd), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_bind(h->st, sd, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_connect(h->st, sd, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_sendto(h->st, sd, "x", 1, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_send(h->st, sd, "x", 1), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_recvfrom(h->st, sd, buf, sizeof(buf), &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_recv(h->st, sd, buf, sizeof(buf)), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_recvfrom_mbuf(h->st, sd, &m, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h->st, sd, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h->st, sd, &a), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_setopt(h->st, sd, BERTH_SO_RCVBUF, 4096), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_getopt(h->st, sd, BERTH_SO_RCVBUF, &v), -EBADF);
	CU_ASSERT_EQUAL(berth_sock_set_user(h->st, sd, 1), -EBADF);
	/* The zero-copy send owns the mbuf even then. */
	m = berth_sock_alloc_mbuf(h->st);
	H_ASSERT(m != NULL);
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(h->st, sd, m, &a), -EBADF);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h->pool), before);
}

static void
test_ebadf(void)
{
	struct berth_stack_conf conf;
	struct harness h;
	int sd;

	memset(&conf, 0, sizeof(conf));
	conf.max_sockets = 8;
	h_setup_conf(&h, &conf);
	expect_ebadf(&h, -1);
	expect_ebadf(&h, 8);        /* one past the table */
	expect_ebadf(&h, 1 << 30);
	expect_ebadf(&h, 0);        /* never opened */
	sd = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	CU_ASSERT_EQUAL(sd, 0);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), 0);
	expect_ebadf(&h, sd);       /* closed */
	h_teardown(&h);
}

static void
test_emfile(void)
{
	struct berth_stack_conf conf;
	struct harness h;
	int i;

	memset(&conf, 0, sizeof(conf));
	conf.max_sockets = 4;
	h_setup_conf(&h, &conf);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(open_bound(&h, (uint16_t)(7000 + i)), i);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), -EMFILE);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), -EMFILE);
	/* A slot freed is a slot usable, bind table included. */
	CU_ASSERT_EQUAL(berth_sock_close(h.st, 2), 0);
	CU_ASSERT_EQUAL(open_bound(&h, 7002), 2);
	CU_ASSERT_EQUAL(berth_sock_open(h.st, BERTH_SOCK_DGRAM), -EMFILE);
	h_teardown(&h);
}

/*
 * max_bindings bounds each binding table (UDP binds, TCP binds, TCP
 * listeners) on its own, whatever max_sockets allows: past it bind() and
 * listen() fail with -ENOBUFS; a binding given back is usable again.
 */
static int
stream_bound(struct harness *h, uint16_t port)
{
	struct sockaddr_in a = h_sin(0, port);
	int sd = berth_sock_open(h->st, BERTH_SOCK_STREAM);
	int ret;

	if (sd < 0)
		return sd;
	ret = berth_sock_bind(h->st, sd, &a);
	if (ret < 0) {
		berth_sock_close(h->st, sd);
		return ret;
	}
	return sd;
}

static void
test_bindings_bound(void)
{
	struct berth_stack_conf conf;
	struct sockaddr_in a;
	struct harness h;
	int sd[4], l, extra;

	memset(&conf, 0, sizeof(conf));
	conf.max_sockets = 16;
	conf.max_bindings = 2;
	h_setup_conf(&h, &conf);
	/* UDP */
	sd[0] = open_bound(&h, 7000);
	sd[1] = open_bound(&h, 7001);
	CU_ASSERT(sd[0] >= 0 && sd[1] >= 0);
	extra = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	a = h_sin(0, 7002);
	CU_ASSERT_EQUAL(berth_sock_bind(h.st, extra, &a), -ENOBUFS);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd[0]), 0);
	CU_ASSERT_EQUAL(berth_sock_bind(h.st, extra, &a), 0);
	/* TCP bind() */
	sd[2] = stream_bound(&h, 8000);
	sd[3] = stream_bound(&h, 8001);
	CU_ASSERT(sd[2] >= 0 && sd[3] >= 0);
	CU_ASSERT_EQUAL(stream_bound(&h, 8002), -ENOBUFS);
	/* A listener holds its binding; closing it gives back both of its entries. */
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, sd[2], 8), 0);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, sd[3], 8), 0);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd[3]), 0);
	l = stream_bound(&h, 8003);
	CU_ASSERT(l >= 0);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, l, 8), 0);
	h_teardown(&h);
}

static void
test_readable_event(void)
{
	struct harness h;
	struct berth_event ev[MAX_EV];
	uint8_t buf[32];
	int a, b;

	h_setup(&h);
	a = open_bound(&h, 7000);
	b = open_bound(&h, 7001);
	CU_ASSERT_EQUAL(berth_sock_set_user(h.st, a, 0xfeedface12345678ull), 0);
	CU_ASSERT_EQUAL(events(&h, ev), 0);

	deliver(&h, 7000, "one");
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, a);
	CU_ASSERT_EQUAL(ev[0].events, BERTH_EV_READABLE);
	CU_ASSERT_EQUAL(ev[0].error, 0);
	CU_ASSERT_EQUAL(ev[0].user, 0xfeedface12345678ull);
	/* Handed out once. */
	CU_ASSERT_EQUAL(events(&h, ev), 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 3);

	/* Each socket its own entry, in arrival order; max is honoured. */
	deliver(&h, 7001, "to b");
	deliver(&h, 7000, "to a");
	CU_ASSERT_EQUAL(berth_stack_events(h.st, ev, 1), 1);
	CU_ASSERT_EQUAL(ev[0].sd, b);
	CU_ASSERT_EQUAL(ev[0].user, 0);
	CU_ASSERT_EQUAL(berth_stack_events(h.st, ev, 1), 1);
	CU_ASSERT_EQUAL(ev[0].sd, a);
	CU_ASSERT_EQUAL(berth_stack_events(h.st, ev, 1), 0);
	h_teardown(&h);
}

static void
test_events_merged(void)
{
	struct harness h;
	struct berth_event ev[MAX_EV];
	uint8_t buf[32];
	int a;

	h_setup(&h);
	a = open_bound(&h, 7000);
	deliver(&h, 7000, "first");
	deliver(&h, 7000, "second");
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, a);
	CU_ASSERT_EQUAL(ev[0].events, BERTH_EV_READABLE);
	/* Both datagrams are there behind the one event. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 5);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 6);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), -EAGAIN);
	h_teardown(&h);
}

/* BERTH_EV_READABLE is edge-triggered: raised when the queue stops being empty. */
static void
test_readable_edge(void)
{
	struct harness h;
	struct berth_event ev[MAX_EV];
	uint8_t buf[32];
	int a;

	h_setup(&h);
	a = open_bound(&h, 7000);
	deliver(&h, 7000, "1");
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	/* Joining a non-empty queue raises nothing. */
	deliver(&h, 7000, "2");
	CU_ASSERT_EQUAL(events(&h, ev), 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 1);
	deliver(&h, 7000, "3");
	CU_ASSERT_EQUAL(events(&h, ev), 0);
	/* Drained: the next datagram raises it again. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), -EAGAIN);
	deliver(&h, 7000, "4");
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, a);
	h_teardown(&h);
}

static void
test_close_pending_event(void)
{
	struct harness h;
	struct berth_event ev[MAX_EV];
	int a, b, c;

	h_setup(&h);
	a = open_bound(&h, 7000);
	b = open_bound(&h, 7001);
	deliver(&h, 7000, "for a");
	deliver(&h, 7001, "for b");
	CU_ASSERT_EQUAL(berth_sock_close(h.st, a), 0);
	/* The new socket takes a's descriptor but none of its event. */
	c = open_bound(&h, 7002);
	CU_ASSERT_EQUAL(c, a);
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, b);
	CU_ASSERT_EQUAL(events(&h, ev), 0);
	/* And the new one gets events of its own. */
	deliver(&h, 7002, "for c");
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, c);
	h_teardown(&h);
}

/* An ICMP port unreachable quoting our datagram from :7000 to the peer's :53. */
static void
refused(struct harness *h)
{
	uint8_t q[28];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)q;
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

	memset(q, 0, sizeof(q));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(q));
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = H_OUR_IP;
	ip->dst_addr = H_PEER_IP;
	uh->src_port = rte_cpu_to_be_16(7000);
	uh->dst_port = rte_cpu_to_be_16(53);
	udp_icmp_error(h->st, ip, sizeof(q), ECONNREFUSED);
}

static void
test_error_event(void)
{
	struct harness h;
	struct berth_event ev[MAX_EV];
	struct sockaddr_in peer = h_sin(H_PEER_IP, 53);
	uint8_t buf[32];
	int a;

	h_setup(&h);
	a = open_bound(&h, 7000);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, a, &peer), 0);
	CU_ASSERT_EQUAL(berth_sock_set_user(h.st, a, 77), 0);
	refused(&h);
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, a);
	CU_ASSERT_EQUAL(ev[0].events, BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(ev[0].error, ECONNREFUSED);
	CU_ASSERT_EQUAL(ev[0].user, 77);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), -ECONNREFUSED);

	/* Readable and error in one burst: one entry with both. */
	{
		struct rte_mbuf *m;
		struct berth_ip_info ip;

		m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 53, 7000, "late", 4);
		H_ASSERT(rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr)) != NULL);
		memset(&ip, 0, sizeof(ip));
		ip.ifp = &h.st->ifs[0];
		ip.src = H_PEER_IP;
		ip.dst = H_OUR_IP;
		ip.hdr_len = 20;
		ip.payload_len = 12;
		ip.proto = IPPROTO_UDP;
		udp_input(h.st, m, &ip, h.now);
	}
	refused(&h);
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].events, BERTH_EV_READABLE | BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(ev[0].error, ECONNREFUSED);
	/* The error comes first, once; then the datagram. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), -ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 4);
	h_teardown(&h);
}

/* Through the whole stack: nothing reaches the application before the poll. */
static void
test_event_after_poll(void)
{
	struct harness h;
	struct berth_event ev[MAX_EV];
	struct sockaddr_in from;
	uint8_t buf[32];
	int a;

	h_setup(&h);
	a = open_bound(&h, 7000);
	h_inject(&h, h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "polled", 6));
	h_inject(&h, h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "again", 5));
	CU_ASSERT_EQUAL(events(&h, ev), 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), -EAGAIN);
	CU_ASSERT_EQUAL(h_poll(&h, 1), 2);
	CU_ASSERT_EQUAL(events(&h, ev), 1);
	CU_ASSERT_EQUAL(ev[0].sd, a);
	CU_ASSERT_EQUAL(ev[0].events, BERTH_EV_READABLE);
	CU_ASSERT_EQUAL(berth_sock_recvfrom(h.st, a, buf, sizeof(buf), &from), 6);
	CU_ASSERT_EQUAL(memcmp(buf, "polled", 6), 0);
	CU_ASSERT_EQUAL(from.sin_addr.s_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, a, buf, sizeof(buf)), 5);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 2);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("descriptors", NULL, NULL);
	CU_add_test(s, "lowest first, reused after close", test_lowest_first);
	CU_add_test(s, "bad descriptors", test_ebadf);
	CU_add_test(s, "table full", test_emfile);
	CU_add_test(s, "binding tables bounded by max_bindings", test_bindings_bound);

	s = CU_add_suite("events", NULL, NULL);
	CU_add_test(s, "readable after a datagram", test_readable_event);
	CU_add_test(s, "merged per socket", test_events_merged);
	CU_add_test(s, "readable is edge-triggered", test_readable_edge);
	CU_add_test(s, "close drops a pending event", test_close_pending_event);
	CU_add_test(s, "error event carries the errno", test_error_event);
	CU_add_test(s, "delivered after the poll", test_event_after_poll);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
