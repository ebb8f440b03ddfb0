/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stack lifecycle: configuration checks, interfaces and their routes, the
 * counter API, that destroying a busy stack frees everything, and secondary
 * addresses (berth_stack_add_addr): their checks, local delivery to them,
 * and the source address of sockets bound to them.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_icmp.h>
#include <rte_tcp.h>

#include "harness.h"

static void
test_bad_conf_rejected(void)
{
	struct berth_stack_conf c;

	memset(&c, 0, sizeof(c));
	c.ephemeral_lo = 60000;
	c.ephemeral_hi = 50000;
	CU_ASSERT_PTR_NULL(berth_stack_create(&c));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	c.ephemeral_lo = 0;
	c.ephemeral_hi = 100;
	CU_ASSERT_PTR_NULL(berth_stack_create(&c));
	c.ephemeral_lo = 1000;
	c.lcore_id = RTE_MAX_LCORE + 1;
	CU_ASSERT_PTR_NULL(berth_stack_create(&c));
}

static void
test_add_if_checks(void)
{
	struct harness h;
	struct berth_if_conf ic;

	h_setup(&h);
	memset(&ic, 0, sizeof(ic));
	ic.dev = h.dev;
	ic.prefix_len = 24;
	ic.addr = IPV4(127, 0, 0, 1);
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EINVAL);
	ic.addr = IPV4(224, 0, 0, 1);
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EINVAL);
	ic.addr = IPV4(240, 0, 0, 1);
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EINVAL);
	ic.addr = 0;
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EINVAL);
	ic.addr = IPV4(198, 18, 5, 5);
	ic.prefix_len = 33;
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EINVAL);
	ic.prefix_len = 24;
	ic.dev = NULL;
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EINVAL);
	ic.dev = h.dev;
	ic.addr = H_OUR_IP;
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), -EEXIST);
	/* A second address on another subnet is fine. */
	ic.addr = IPV4(198, 19, 1, 2);
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), 1);
	berth_stack_flush(h.st, h.now);
	h_tx_drain(&h);
	h_teardown(&h);
}

static void
test_routes(void)
{
	struct harness h;
	struct berth_nexthop nh;

	h_setup(&h);
	/* On the connected subnet: the destination itself. */
	CU_ASSERT_EQUAL(route_lookup(h.st, H_OTHER_IP, &nh), 0);
	CU_ASSERT_EQUAL(nh.nexthop, H_OTHER_IP);
	CU_ASSERT_EQUAL(nh.src, H_OUR_IP);
	CU_ASSERT_PTR_EQUAL(nh.ifp, &h.st->ifs[0]);
	/* Elsewhere: the gateway. */
	CU_ASSERT_EQUAL(route_lookup(h.st, H_FAR_IP, &nh), 0);
	CU_ASSERT_EQUAL(nh.nexthop, H_PEER_IP);
	/* Longest prefix wins over the default route. */
	CU_ASSERT_EQUAL(route_add(h.st, IPV4(198, 19, 7, 0), 24, H_OTHER_IP, &h.st->ifs[0]), 0);
	CU_ASSERT_EQUAL(route_lookup(h.st, H_FAR_IP, &nh), 0);
	CU_ASSERT_EQUAL(nh.nexthop, H_OTHER_IP);
	CU_ASSERT_EQUAL(route_add(h.st, IPV4(198, 19, 7, 9), 24, 0, &h.st->ifs[0]), -EEXIST);
	h_teardown(&h);
}

static void
test_no_gateway_no_route(void)
{
	struct harness h;
	struct berth_nexthop nh;

	h_setup(&h);
	/* Remove the default route the harness installed. */
	H_ASSERT(h.st->routes[h.st->nb_routes - 1].prefix_len == 0);
	h.st->nb_routes--;
	CU_ASSERT_EQUAL(route_lookup(h.st, H_FAR_IP, &nh), -ENETUNREACH);
	/* The limited broadcast still leaves by the first interface. */
	CU_ASSERT_EQUAL(route_lookup(h.st, RTE_BE32(0xffffffff), &nh), 0);
	CU_ASSERT_EQUAL(nh.src, H_OUR_IP);
	h_teardown(&h);
}

static void
test_counter_api(void)
{
	struct harness h;
	unsigned int i, j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	h_setup(&h);
	CU_ASSERT_EQUAL(berth_stack_counter(h.st, "no_such_counter"), UINT64_MAX);
	CU_ASSERT_PTR_NULL(berth_counter_name(BERTH_COUNTER_MAX));
	/* Names are unique and drops carry the prefix. */
	for (i = 0; i < BERTH_COUNTER_MAX; i++) {
		const char *n = berth_counter_name((enum berth_counter)i);

		H_ASSERT(n != NULL);
		CU_ASSERT_PTR_NOT_NULL(berth_counter_desc((enum berth_counter)i));
		if (i >= BERTH_DROP_TX_FULL)
			CU_ASSERT_EQUAL(strncmp(n, "drop_", 5), 0);
		for (j = i + 1; j < BERTH_COUNTER_MAX; j++)
			CU_ASSERT_NOT_EQUAL(strcmp(n, berth_counter_name((enum berth_counter)j)), 0);
	}
	h.st->counters[BERTH_DROP_IP_CKSUM] = 7;
	CU_ASSERT_EQUAL(berth_stack_counter(h.st, "drop_ip_cksum"), 7);

	f = open_memstream(&buf, &len);
	H_ASSERT(f != NULL);
	berth_stack_counters_dump(h.st, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "drop_ip_cksum"));
	CU_ASSERT_PTR_NULL(strstr(buf, "drop_udp_cksum")); /* zeros omitted */
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	H_ASSERT(f != NULL);
	berth_stack_counters_json(h.st, f);
	fclose(f);
	CU_ASSERT_EQUAL(buf[0], '{');
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"drop_ip_cksum\": 7"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"drop_udp_cksum\": 0"));
	free(buf);
	h_teardown(&h);
}

static void
test_destroy_busy_stack_frees_all(void)
{
	struct harness h;
	struct sockaddr_in a = h_sin(0, 7000);
	uint8_t payload[100];
	int sd, i;

	h_setup(&h);
	memset(payload, 0xab, sizeof(payload));
	/* Queued datagrams on an open socket, frames in the RX FIFO. */
	sd = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	H_ASSERT(sd >= 0);
	H_ASSERT(berth_sock_bind(h.st, sd, &a) == 0);
	for (i = 0; i < 10; i++)
		h_inject(&h, h_build_udp(&h, H_PEER_IP, H_OUR_IP, 5000, 7000, payload, 100));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 10);
	for (i = 0; i < 5; i++)
		h_inject(&h, h_build_udp(&h, H_PEER_IP, H_OUR_IP, 5000, 7000, payload, 100));
	h_teardown(&h); /* asserts that every mbuf came back */
}

/*
 * Fragments sent but still held by the device (as a NIC's transmit ring
 * holds them until the port stops) reference the stack's indirect pool:
 * destroying the stack must not free that pool under them.
 */
static void
test_destroy_with_frames_in_device(void)
{
	struct harness h;
	struct sockaddr_in dst = h_sin(H_PEER_IP, 9);
	static uint8_t big[4000];
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *ind;
	struct rte_mbuf *m;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	sd = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	H_ASSERT(sd >= 0);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, big, sizeof(big), &dst), (ssize_t)sizeof(big));
	berth_stack_flush(h.st, h.now);
	CU_ASSERT_EQUAL(h_tx_count(&h), 3); /* three fragments, in the "device" */
	snprintf(name, sizeof(name), "%s", h.st->indirect_pool->name);
	H_ASSERT(rte_mempool_in_use_count(h.st->indirect_pool) > 0);

	berth_stack_destroy(h.st);
	h.st = NULL;
	/* The pool outlives the stack while its mbufs are out... */
	ind = rte_mempool_lookup(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ind);
	/* ...and gets them back when the device lets go. */
	while ((m = h_tx_pop(&h)) != NULL)
		rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(ind), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	berth_dev_free(h.dev);
	rte_mempool_free(h.pool);
}

/* ---- secondary addresses ---- */

#define SEC_A IPV4(198, 18, 0, 10)
#define SEC_B IPV4(198, 18, 0, 11)

/* Add a secondary address and drop its gratuitous ARP. */
static int
add_addr(struct harness *h, uint32_t addr)
{
	int ret = berth_stack_add_addr(h->st, 0, addr, h->now);

	berth_stack_flush(h->st, h->now);
	h_tx_drain(h);
	return ret;
}

static void
test_add_addr_checks(void)
{
	struct berth_if_conf ic;
	struct harness h;
	uint32_t a;
	unsigned int i;

	h_setup(&h);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, -1, SEC_A, h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 1, SEC_A, h.now), -EINVAL); /* no if 1 */
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, 0, h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(0, 1, 2, 3), h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(127, 0, 0, 1), h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(224, 0, 0, 1), h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(240, 0, 0, 1), h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, RTE_BE32(0xffffffff), h.now), -EINVAL);
	/* The subnet's own address and its broadcast. */
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(198, 18, 0, 0), h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(198, 18, 0, 255), h.now), -EINVAL);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, H_OUR_IP, h.now), -EEXIST);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0); /* nothing announced for a refusal */
	CU_ASSERT_EQUAL(add_addr(&h, SEC_A), 0);
	CU_ASSERT_EQUAL(add_addr(&h, SEC_A), -EEXIST);
	CU_ASSERT_PTR_EQUAL(ipv4_local_if(h.st, SEC_A), &h.st->ifs[0]);
	CU_ASSERT_PTR_NULL(ipv4_local_if(h.st, SEC_B));
	/* Routed traffic keeps the interface's own address as its source. */
	{
		struct berth_nexthop nh;

		CU_ASSERT_EQUAL(route_lookup(h.st, H_OTHER_IP, &nh), 0);
		CU_ASSERT_EQUAL(nh.src, H_OUR_IP);
	}
	/* Another interface may not take an address of the first. */
	memset(&ic, 0, sizeof(ic));
	ic.dev = h.dev;
	ic.addr = IPV4(198, 19, 1, 2);
	ic.prefix_len = 24;
	CU_ASSERT_EQUAL(berth_stack_add_if(h.st, &ic, h.now), 1);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 1, SEC_A, h.now), -EEXIST);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, ic.addr, h.now), -EEXIST);
	/* Its broadcast is nobody's address either. */
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, IPV4(198, 19, 1, 255), h.now), -EINVAL);
	/* Up to the bound, added out of order; every one found, no other. */
	for (i = 1; i < BERTH_IF_MAX_ADDRS; i++) {
		a = IPV4(198, 18, 1, (i * 37) % BERTH_IF_MAX_ADDRS + 1);
		CU_ASSERT_EQUAL(add_addr(&h, a), 0);
	}
	CU_ASSERT_EQUAL(h.st->ifs[0].nb_addrs, BERTH_IF_MAX_ADDRS);
	CU_ASSERT_EQUAL(add_addr(&h, IPV4(198, 18, 2, 1)), -ENOSPC);
	for (i = 1; i < BERTH_IF_MAX_ADDRS; i++) {
		a = IPV4(198, 18, 1, (i * 37) % BERTH_IF_MAX_ADDRS + 1);
		CU_ASSERT_PTR_EQUAL(ipv4_local_if(h.st, a), &h.st->ifs[0]);
	}
	CU_ASSERT_PTR_NULL(ipv4_local_if(h.st, IPV4(198, 18, 1, 1 + BERTH_IF_MAX_ADDRS)));
	CU_ASSERT_PTR_NULL(ipv4_local_if(h.st, IPV4(198, 18, 2, 1)));
	CU_ASSERT_PTR_EQUAL(ipv4_local_if(h.st, SEC_A), &h.st->ifs[0]);
	CU_ASSERT_PTR_EQUAL(ipv4_local_if(h.st, H_OUR_IP), &h.st->ifs[0]);
	/* A full first interface leaves the second its own room. */
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 1, IPV4(198, 19, 1, 3), h.now), 0);
	CU_ASSERT_PTR_EQUAL(ipv4_local_if(h.st, IPV4(198, 19, 1, 3)), &h.st->ifs[1]);
	berth_stack_flush(h.st, h.now);
	h_tx_drain(&h);
	h_teardown(&h);
}

/* A TCP segment from the peer with a valid checksum. */
static struct rte_mbuf *
tcp_seg(struct harness *h, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t flags,
	uint32_t seq)
{
	struct rte_tcp_hdr th;
	struct rte_tcp_hdr *t;
	struct rte_mbuf *m;

	memset(&th, 0, sizeof(th));
	th.src_port = rte_cpu_to_be_16(sport);
	th.dst_port = rte_cpu_to_be_16(dport);
	th.sent_seq = rte_cpu_to_be_32(seq);
	th.data_off = (sizeof(th) / 4) << 4;
	th.tcp_flags = flags;
	th.rx_win = RTE_BE16(65535);
	m = h_build_ipv4(h, H_PEER_IP, dst, IPPROTO_TCP, &th, sizeof(th));
	t = h_l4(m);
	t->cksum = rte_ipv4_udptcp_cksum(h_ip(m), t);
	return m;
}

/* The next frame sent is TCP with these flags: its source address and port. */
static bool
pop_tcp(struct harness *h, uint8_t flags, uint32_t *src, uint16_t *sport)
{
	const struct rte_tcp_hdr *t;
	struct rte_mbuf *m;
	bool ok;

	berth_stack_flush(h->st, h->now);
	m = h_tx_pop(h);
	if (m == NULL)
		return false;
	ok = h_ip(m)->next_proto_id == IPPROTO_TCP;
	if (ok) {
		t = h_l4(m);
		ok = t->tcp_flags == flags;
		*src = h_ip(m)->src_addr;
		*sport = rte_be_to_cpu_16(t->src_port);
	}
	rte_pktmbuf_free(m);
	return ok;
}

static void
test_secondary_local_delivery(void)
{
	struct sockaddr_in any = h_sin(0, 7000), from;
	struct rte_icmp_hdr *ic;
	struct harness h;
	struct rte_mbuf *m;
	uint16_t sport;
	uint32_t src;
	char buf[16];
	int u, l;

	h_setup(&h);
	h_learn_peer(&h);
	CU_ASSERT_EQUAL(add_addr(&h, SEC_A), 0);
	/* ICMP echo to the secondary address: answered from it. */
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, SEC_A, RTE_IP_ICMP_ECHO_REQUEST, 0,
				  RTE_BE32(0x00010001), "ping", 4));
	h_poll(&h, 0);
	m = h_tx_pop(&h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(h_ip(m)->src_addr, SEC_A);
	CU_ASSERT_EQUAL(h_ip(m)->dst_addr, H_PEER_IP);
	ic = h_l4(m);
	CU_ASSERT_EQUAL(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	rte_pktmbuf_free(m);
	/* A neighbour that is not ours: dropped as not ours, no answer. */
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, SEC_B, RTE_IP_ICMP_ECHO_REQUEST, 0,
				  RTE_BE32(0x00010002), "ping", 4));
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_not_us"), 1);
	/* UDP to the secondary reaches a socket bound to the wildcard. */
	u = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	H_ASSERT(u >= 0 && berth_sock_bind(h.st, u, &any) == 0);
	h_inject(&h, h_build_udp(&h, H_PEER_IP, SEC_A, 5000, 7000, "hello", 5));
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(berth_sock_recvfrom(h.st, u, buf, sizeof(buf), &from), 5);
	CU_ASSERT_EQUAL(from.sin_addr.s_addr, H_PEER_IP);
	/* TCP: a wildcard listener answers a SYN to the secondary from it. */
	l = berth_sock_open(h.st, BERTH_SOCK_STREAM);
	any.sin_port = RTE_BE16(8080);
	H_ASSERT(l >= 0 && berth_sock_bind(h.st, l, &any) == 0);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, l, 4), 0);
	h_inject(&h, tcp_seg(&h, SEC_A, 40000, 8080, RTE_TCP_SYN_FLAG, 1000));
	h_poll(&h, 0);
	CU_ASSERT(pop_tcp(&h, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, &src, &sport));
	CU_ASSERT_EQUAL(src, SEC_A);
	CU_ASSERT_EQUAL(sport, 8080);
	berth_sock_close(h.st, l);
	berth_sock_close(h.st, u);
	h_poll(&h, 0);
	h_tx_drain(&h);
	h_teardown(&h);
}

static int
tcp_bound(struct harness *h, uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = h_sin(addr, port);
	int sd = berth_sock_open(h->st, BERTH_SOCK_STREAM);

	H_ASSERT(sd >= 0);
	if (addr != 0 || port != 0)
		CU_ASSERT_EQUAL(berth_sock_bind(h->st, sd, &a), 0);
	return sd;
}

static void
test_secondary_source_when_bound(void)
{
	struct sockaddr_in srv = h_sin(H_PEER_IP, 80), other = h_sin(H_OTHER_IP, 80), a;
	struct berth_stack_conf c;
	struct harness h;
	uint16_t sport;
	uint32_t src;
	int u, sa, sb, sc, sd, se, sf;

	/* One ephemeral port: whether a tuple is free decides everything. */
	memset(&c, 0, sizeof(c));
	c.ephemeral_lo = 50000;
	c.ephemeral_hi = 50000;
	h_setup_conf(&h, &c);
	h_learn_peer(&h);
	CU_ASSERT_EQUAL(add_addr(&h, SEC_A), 0);
	CU_ASSERT_EQUAL(add_addr(&h, SEC_B), 0);

	/* UDP bound to the secondary sends from it. */
	u = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	a = h_sin(SEC_A, 7000);
	H_ASSERT(u >= 0 && berth_sock_bind(h.st, u, &a) == 0);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, u, "x", 1, &srv), 1);
	berth_stack_flush(h.st, h.now);
	{
		struct rte_mbuf *m = h_tx_pop(&h);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_EQUAL(h_ip(m)->src_addr, SEC_A);
		rte_pktmbuf_free(m);
	}

	/* TCP bound to (SEC_A, 0): the address now, the port at connect. */
	sa = tcp_bound(&h, SEC_A, 0);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sa, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, SEC_A);
	CU_ASSERT_EQUAL(a.sin_port, 0);
	a = h_sin(SEC_B, 0);
	CU_ASSERT_EQUAL(berth_sock_bind(h.st, sa, &a), -EINVAL); /* already bound */
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sa, &srv), -EINPROGRESS);
	CU_ASSERT(pop_tcp(&h, RTE_TCP_SYN_FLAG, &src, &sport));
	CU_ASSERT_EQUAL(src, SEC_A);
	CU_ASSERT_EQUAL(sport, 50000);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sa, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, SEC_A);
	CU_ASSERT_EQUAL(a.sin_port, RTE_BE16(50000));
	/* The same single port from the other address to the same server: another tuple. */
	sb = tcp_bound(&h, SEC_B, 0);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sb, &srv), -EINPROGRESS);
	CU_ASSERT(pop_tcp(&h, RTE_TCP_SYN_FLAG, &src, &sport));
	CU_ASSERT_EQUAL(src, SEC_B);
	CU_ASSERT_EQUAL(sport, 50000);
	/* Unbound: the interface's own address, and that port once more. */
	sc = tcp_bound(&h, 0, 0);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sc, &srv), -EINPROGRESS);
	CU_ASSERT(pop_tcp(&h, RTE_TCP_SYN_FLAG, &src, &sport));
	CU_ASSERT_EQUAL(src, H_OUR_IP);
	CU_ASSERT_EQUAL(sport, 50000);
	/* SEC_A has no port left for this server (RFC 6056: exhaustion)... */
	sd = tcp_bound(&h, SEC_A, 0);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &srv), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* ...but has for another one, and the socket is still bound to SEC_A. */
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &other), -EINPROGRESS);
	CU_ASSERT(pop_tcp(&h, RTE_TCP_SYN_FLAG, &src, &sport));
	CU_ASSERT_EQUAL(src, SEC_A);
	CU_ASSERT_EQUAL(sport, 50000);
	/* An explicit port on a secondary address: both kept. */
	se = tcp_bound(&h, SEC_B, 6000);
	CU_ASSERT_EQUAL(berth_sock_connect(h.st, se, &srv), -EINPROGRESS);
	CU_ASSERT(pop_tcp(&h, RTE_TCP_SYN_FLAG, &src, &sport));
	CU_ASSERT_EQUAL(src, SEC_B);
	CU_ASSERT_EQUAL(sport, 6000);
	/* listen() after bind(address, 0) picks the port on that address. */
	sf = tcp_bound(&h, SEC_A, 0);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, sf, 4), -EADDRNOTAVAIL); /* 50000 is in use */
	berth_sock_close(h.st, sa);
	berth_sock_close(h.st, sb);
	berth_sock_close(h.st, sc);
	berth_sock_close(h.st, sd);
	CU_ASSERT_EQUAL(berth_sock_listen(h.st, sf, 4), 0);
	CU_ASSERT_EQUAL(berth_sock_getsockname(h.st, sf, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, SEC_A);
	CU_ASSERT_EQUAL(a.sin_port, RTE_BE16(50000));
	berth_sock_close(h.st, se);
	berth_sock_close(h.st, sf);
	berth_sock_close(h.st, u);
	h_poll(&h, 0);
	h_tx_drain(&h);
	h_teardown(&h);
}

/*
 * berth_time_now converts cycles by a multiply and a shift: one second of
 * cycles must come out as one second, to the nanosecond, and a day of
 * cycles within a microsecond.
 */
static void
test_clock_conversion(void)
{
	uint64_t one = (uint64_t)(((__uint128_t)berth_tsc_hz * berth_tsc_ns_mult) >>
				  BERTH_TSC_NS_SHIFT);
	uint64_t day = (uint64_t)(((__uint128_t)berth_tsc_hz * 86400 * berth_tsc_ns_mult) >>
				  BERTH_TSC_NS_SHIFT);

	CU_ASSERT(berth_tsc_hz > 0);
	CU_ASSERT(one >= BERTH_NS_PER_SEC - 1 && one <= BERTH_NS_PER_SEC);
	CU_ASSERT(day >= 86400 * BERTH_NS_PER_SEC - 1000 && day <= 86400 * BERTH_NS_PER_SEC);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("stack", NULL, NULL);

	CU_add_test(s, "bad configuration rejected", test_bad_conf_rejected);
	CU_add_test(s, "interface address checks", test_add_if_checks);
	CU_add_test(s, "routes: connected, gateway, longest prefix", test_routes);
	CU_add_test(s, "no default route", test_no_gateway_no_route);
	CU_add_test(s, "counter names, lookup, dump, json", test_counter_api);
	CU_add_test(s, "clock: cycles to ns without division", test_clock_conversion);
	CU_add_test(s, "destroying a busy stack frees everything", test_destroy_busy_stack_frees_all);
	CU_add_test(s, "destroy with frames still in the device", test_destroy_with_frames_in_device);

	s = CU_add_suite("secondary addresses", NULL, NULL);
	CU_add_test(s, "berth_stack_add_addr checks and bound", test_add_addr_checks);
	CU_add_test(s, "local delivery to a secondary address", test_secondary_local_delivery);
	CU_add_test(s, "source address of bound sockets", test_secondary_source_when_bound);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
