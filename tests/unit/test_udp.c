/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (stack/udp.c): bind table and ephemeral ports, input checks and
 * demultiplexing, receive buffer, send-side errors, ICMP errors, and the
 * frames that go on the wire.
 *
 * Input tests call udp_input directly, as ipv4_input would: deliver() strips
 * the Ethernet header of a frame built with h_build_udp and fills struct
 * berth_ip_info. The "wire" suite needs ipv4_output (and icmp.c for the
 * port unreachable) and reads frames from the test device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <berth/berth.h>

#include "harness.h"

#define OUR2_IP   IPV4(198, 18, 5, 2)      /* second interface, test_two_ifs */
#define NET_BCAST IPV4(198, 18, 0, 255)    /* subnet broadcast of H_OUR_IP/24 */
#define ALL_BCAST IPV4(255, 255, 255, 255) /* limited broadcast */

/* ---- helpers ---- */

static int
sock_open(struct harness *h)
{
	int sd = berth_sock_open(h->st, BERTH_SOCK_DGRAM);

	H_ASSERT(sd >= 0);
	return sd;
}

static int
bind_to(struct harness *h, int sd, uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = h_sin(addr, port);

	return berth_sock_bind(h->st, sd, &a);
}

static int
open_bound(struct harness *h, uint32_t addr, uint16_t port)
{
	int sd = sock_open(h);

	H_ASSERT(bind_to(h, sd, addr, port) == 0);
	return sd;
}

static int
connect_to(struct harness *h, int sd, uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = h_sin(addr, port);

	return berth_sock_connect(h->st, sd, &a);
}

static struct sockaddr_in
sockname(struct harness *h, int sd)
{
	struct sockaddr_in a;

	H_ASSERT(berth_sock_getsockname(h->st, sd, &a) == 0);
	return a;
}

static uint16_t
local_port(struct harness *h, int sd)
{
	return rte_be_to_cpu_16(sockname(h, sd).sin_port);
}

/* What ipv4_input does before udp_input: strip Ethernet, describe the packet. */
static void
deliver(struct harness *h, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *iph;
	struct berth_ip_info ip;
	struct berth_if *ifp;

	H_ASSERT(rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr)) != NULL);
	iph = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	memset(&ip, 0, sizeof(ip));
	ifp = ipv4_local_if(h->st, iph->dst_addr);
	ip.ifp = ifp != NULL ? ifp : &h->st->ifs[0];
	ip.src = iph->src_addr;
	ip.dst = iph->dst_addr;
	ip.hdr_len = (uint16_t)rte_ipv4_hdr_len(iph);
	ip.payload_len = (uint16_t)(rte_be_to_cpu_16(iph->total_length) - ip.hdr_len);
	ip.proto = iph->next_proto_id;
	ip.ttl = iph->time_to_live;
	if (ip.dst == ALL_BCAST || ip.dst == NET_BCAST)
		ip.flags |= BERTH_IPI_BCAST;
	udp_input(h->st, m, &ip, h->now);
}

static void
deliver_udp(struct harness *h, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	    const void *payload, uint16_t len)
{
	deliver(h, h_build_udp(h, src, dst, sport, dport, payload, len));
}

/* The next datagram on sd must be payload from src:sport. */
static void
expect_recv(struct harness *h, int sd, const void *payload, size_t len, uint32_t src,
	    uint16_t sport)
{
	uint8_t buf[4096];
	struct sockaddr_in from;
	ssize_t n;

	memset(&from, 0xee, sizeof(from));
	n = berth_sock_recvfrom(h->st, sd, buf, sizeof(buf), &from);
	CU_ASSERT_EQUAL(n, (ssize_t)len);
	if (n == (ssize_t)len)
		CU_ASSERT_EQUAL(memcmp(buf, payload, len), 0);
	CU_ASSERT_EQUAL(from.sin_family, AF_INET);
	CU_ASSERT_EQUAL(from.sin_addr.s_addr, src);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(from.sin_port), sport);
}

static void
expect_empty(struct harness *h, int sd)
{
	uint8_t buf[16];

	CU_ASSERT_EQUAL(berth_sock_recv(h->st, sd, buf, sizeof(buf)), -EAGAIN);
}

/* A second interface, OUR2_IP/24, on a device that drops what it is given. */
static uint16_t
sink_rx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	(void)dev;
	(void)now;
	(void)pkts;
	(void)n;
	return 0;
}

static uint16_t
sink_tx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	(void)dev;
	(void)now;
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	return n;
}

static const struct berth_dev_ops sink_ops = { .rx_burst = sink_rx, .tx_burst = sink_tx };

static struct berth_dev *
add_second_if(struct harness *h)
{
	static const struct rte_ether_addr mac2 = {{0x02, 0x00, 0x00, 0x00, 0x05, 0x02}};
	struct berth_if_conf ic;
	struct berth_dev *dev = dev_alloc(&sink_ops, "sink0", SOCKET_ID_ANY);

	H_ASSERT(dev != NULL);
	dev->mac = mac2;
	memset(&ic, 0, sizeof(ic));
	ic.dev = dev;
	ic.addr = OUR2_IP;
	ic.prefix_len = 24;
	H_ASSERT(berth_stack_add_if(h->st, &ic, h->now) >= 0);
	return dev;
}

/* ---- bind table ---- */

static void
test_bind_matrix(void)
{
	struct harness h;
	int a, b;

	h_setup(&h);
	/* wildcard first, then the specific address: taken. */
	a = open_bound(&h, 0, 5000);
	b = sock_open(&h);
	CU_ASSERT_EQUAL(bind_to(&h, b, H_OUR_IP, 5000), -EADDRINUSE);
	CU_ASSERT_EQUAL(bind_to(&h, b, 0, 5000), -EADDRINUSE);
	/* A failed bind leaves the socket unbound: another port works. */
	CU_ASSERT_EQUAL(bind_to(&h, b, 0, 5001), 0);
	/* Bound once: a second bind is refused. */
	CU_ASSERT_EQUAL(bind_to(&h, b, 0, 5002), -EINVAL);
	berth_sock_close(h.st, a);
	berth_sock_close(h.st, b);

	/* specific first, then wildcard and the same address: taken. */
	a = open_bound(&h, H_OUR_IP, 5000);
	b = sock_open(&h);
	CU_ASSERT_EQUAL(bind_to(&h, b, 0, 5000), -EADDRINUSE);
	CU_ASSERT_EQUAL(bind_to(&h, b, H_OUR_IP, 5000), -EADDRINUSE);
	/* The subnet broadcast is a different address on the same port. */
	CU_ASSERT_EQUAL(bind_to(&h, b, NET_BCAST, 5000), 0);

	/* Closing releases the binding. */
	berth_sock_close(h.st, a);
	a = sock_open(&h);
	CU_ASSERT_EQUAL(bind_to(&h, a, H_OUR_IP, 5000), 0);
	berth_sock_close(h.st, a);
	berth_sock_close(h.st, b);
	a = open_bound(&h, 0, 5000);
	berth_sock_close(h.st, a);
	h_teardown(&h);
}

static void
test_bind_two_addresses(void)
{
	struct harness h;
	struct berth_dev *dev2;
	int a, b, c;

	h_setup(&h);
	dev2 = add_second_if(&h);
	a = open_bound(&h, H_OUR_IP, 6000);
	b = sock_open(&h);
	/* Another of our addresses may hold the same port. */
	CU_ASSERT_EQUAL(bind_to(&h, b, OUR2_IP, 6000), 0);
	c = sock_open(&h);
	CU_ASSERT_EQUAL(bind_to(&h, c, 0, 6000), -EADDRINUSE);
	berth_sock_close(h.st, a);
	CU_ASSERT_EQUAL(bind_to(&h, c, 0, 6000), -EADDRINUSE);
	berth_sock_close(h.st, b);
	CU_ASSERT_EQUAL(bind_to(&h, c, 0, 6000), 0);
	h_teardown(&h);
	berth_dev_free(dev2);
}

static void
test_bind_addresses(void)
{
	struct harness h;
	struct sockaddr_in a;
	int sd;

	h_setup(&h);
	sd = sock_open(&h);
	/* Not ours: a host on the subnet, one off it, a multicast group. */
	CU_ASSERT_EQUAL(bind_to(&h, sd, H_PEER_IP, 7000), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(bind_to(&h, sd, H_FAR_IP, 7000), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(bind_to(&h, sd, IPV4(224, 0, 0, 1), 7000), -EADDRNOTAVAIL);
	/* Not AF_INET. */
	a = h_sin(0, 7000);
	a.sin_family = AF_INET6;
	CU_ASSERT_EQUAL(berth_sock_bind(h.st, sd, &a), -EINVAL);
	/* The limited broadcast is bindable, and the failures left it unbound. */
	CU_ASSERT_EQUAL(bind_to(&h, sd, ALL_BCAST, 7000), 0);
	a = sockname(&h, sd);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, ALL_BCAST);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(a.sin_port), 7000);
	h_teardown(&h);
}

static void
test_ephemeral_range(void)
{
	struct berth_stack_conf conf;
	struct harness h;
	int sd[5], i, j, extra;
	uint16_t port[4];

	memset(&conf, 0, sizeof(conf));
	conf.ephemeral_lo = 50000;
	conf.ephemeral_hi = 50003;
	h_setup_conf(&h, &conf);
	for (i = 0; i < 4; i++) {
		sd[i] = open_bound(&h, 0, 0);
		port[i] = local_port(&h, sd[i]);
		CU_ASSERT_TRUE(port[i] >= 50000 && port[i] <= 50003);
		for (j = 0; j < i; j++)
			CU_ASSERT_NOT_EQUAL(port[i], port[j]);
	}
	CU_ASSERT_EQUAL(h_counter(&h, "udp_ephemeral"), 4);
	/* Range exhausted: bind, connect and sendto all say so. */
	sd[4] = sock_open(&h);
	CU_ASSERT_EQUAL(bind_to(&h, sd[4], 0, 0), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(bind_to(&h, sd[4], H_OUR_IP, 0), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(connect_to(&h, sd[4], H_PEER_IP, 53), -EADDRNOTAVAIL);
	{
		struct sockaddr_in dst = h_sin(H_PEER_IP, 53);

		CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd[4], "x", 1, &dst), -EADDRNOTAVAIL);
	}
	CU_ASSERT_EQUAL(local_port(&h, sd[4]), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_ephemeral"), 4);

	/* Freeing one port makes exactly that one available. */
	berth_sock_close(h.st, sd[2]);
	CU_ASSERT_EQUAL(bind_to(&h, sd[4], 0, 0), 0);
	CU_ASSERT_EQUAL(local_port(&h, sd[4]), port[2]);

	/* A port held by a specific address is not handed out either. */
	for (i = 0; i < 5; i++)
		if (i != 2)
			berth_sock_close(h.st, sd[i]);
	for (i = 0; i < 3; i++)
		sd[i] = open_bound(&h, H_OUR_IP, (uint16_t)(50000 + i));
	extra = open_bound(&h, 0, 0);
	CU_ASSERT_EQUAL(local_port(&h, extra), 50003);
	h_teardown(&h);
}

static void
test_ephemeral_default(void)
{
	enum { N = 300 };
	static uint8_t seen[65536];
	struct harness h;
	int i, sd;

	h_setup(&h);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		uint16_t p;

		sd = open_bound(&h, 0, 0);
		p = local_port(&h, sd);
		/* Never 0, always in 49152-65535 (RFC 6335 §6), never twice. */
		CU_ASSERT_NOT_EQUAL(p, 0);
		CU_ASSERT_TRUE(p >= BERTH_EPHEMERAL_LO);
		CU_ASSERT_EQUAL(seen[p], 0);
		seen[p] = 1;
	}
	/* Connecting an unbound socket binds it: wildcard, named by the route. */
	sd = sock_open(&h);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 53), 0);
	CU_ASSERT_TRUE(local_port(&h, sd) >= BERTH_EPHEMERAL_LO);
	CU_ASSERT_EQUAL(sockname(&h, sd).sin_addr.s_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_ephemeral"), N + 1);
	h_teardown(&h);
}

/* ---- input ---- */

static void
test_input_delivers(void)
{
	static const char msg[] = "hello, berth";
	struct harness h;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	expect_empty(&h, sd);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, msg, sizeof(msg));
	deliver_udp(&h, H_OTHER_IP, H_OUR_IP, 4321, 7000, "", 0);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 2);
	expect_recv(&h, sd, msg, sizeof(msg), H_PEER_IP, 1234);
	/* An empty datagram is a datagram. */
	expect_recv(&h, sd, "", 0, H_OTHER_IP, 4321);
	expect_empty(&h, sd);
	h_teardown(&h);
}

static void
test_input_cksum_zero(void)
{
	struct harness h;
	struct rte_mbuf *m;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, H_OUR_IP, 7000);
	m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "nocsum", 6);
	/* RFC 768: 0 means the sender computed no checksum. */
	((struct rte_udp_hdr *)h_l4(m))->dgram_cksum = 0;
	deliver(&h, m);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_cksum"), 0);
	expect_recv(&h, sd, "nocsum", 6, H_PEER_IP, 1234);
	h_teardown(&h);
}

static void
test_input_bad_cksum(void)
{
	struct harness h;
	struct rte_mbuf *m;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "payload", 7);
	((uint8_t *)h_l4(m))[8] ^= 0x20; /* corrupt the payload */
	deliver(&h, m);
	m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "payload", 7);
	((struct rte_udp_hdr *)h_l4(m))->dgram_cksum ^= 0x0100; /* and the field */
	deliver(&h, m);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_cksum"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 0);
	expect_empty(&h, sd);
	h_teardown(&h);
}

static void
test_input_short(void)
{
	static const uint8_t four[4] = { 0x04, 0xd2, 0x1b, 0x58 };
	struct harness h;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	/* IP payload of 4 bytes: not even a UDP header. */
	deliver(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_UDP, four, sizeof(four)));
	deliver(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_UDP, NULL, 0));
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_short"), 2);
	expect_empty(&h, sd);
	h_teardown(&h);
}

static void
test_input_bad_len(void)
{
	struct harness h;
	struct rte_mbuf *m;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	/* Length beyond the IP payload. */
	m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "abcdef", 6);
	((struct rte_udp_hdr *)h_l4(m))->dgram_len = rte_cpu_to_be_16(8 + 7);
	deliver(&h, m);
	/* Length below the header's own 8 bytes. */
	m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "abcdef", 6);
	((struct rte_udp_hdr *)h_l4(m))->dgram_len = rte_cpu_to_be_16(7);
	deliver(&h, m);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_len"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_cksum"), 0);
	expect_empty(&h, sd);
	h_teardown(&h);
}

static void
test_input_trailing_bytes(void)
{
	struct harness h;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	uint8_t *junk;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	/*
	 * IP carries 3 bytes after the datagram's Length: the datagram (and
	 * its checksum, which covers Length bytes) ends where UDP says.
	 */
	m = h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "short", 5);
	junk = (uint8_t *)rte_pktmbuf_append(m, 3);
	H_ASSERT(junk != NULL);
	memcpy(junk, "JNK", 3);
	ip = h_ip(m);
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 3);
	h_ip_fix_cksum(m);
	deliver(&h, m);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_len"), 0);
	expect_recv(&h, sd, "short", 5, H_PEER_IP, 1234);
	h_teardown(&h);
}

static void
test_input_connected_filter(void)
{
	struct harness h;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 53), 0);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 54, 7000, "wrong port", 10);
	deliver_udp(&h, H_OTHER_IP, H_OUR_IP, 53, 7000, "wrong host", 10);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 53, 7000, "peer", 4);
	/* The others match no socket at all, as on Linux. */
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 1);
	expect_recv(&h, sd, "peer", 4, H_PEER_IP, 53);
	expect_empty(&h, sd);

	/* AF_UNSPEC dissolves the association and its filter. */
	{
		struct sockaddr_in un = h_sin(0, 0);
		struct sockaddr_in peer;

		un.sin_family = AF_UNSPEC;
		CU_ASSERT_EQUAL(berth_sock_connect(h.st, sd, &un), 0);
		CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &peer), -ENOTCONN);
	}
	deliver_udp(&h, H_OTHER_IP, H_OUR_IP, 53, 7000, "anyone", 6);
	expect_recv(&h, sd, "anyone", 6, H_OTHER_IP, 53);
	CU_ASSERT_EQUAL(local_port(&h, sd), 7000);
	h_teardown(&h);
}

static void
test_input_broadcast(void)
{
	struct harness h;
	int wild, uni, bc;

	h_setup(&h);
	wild = open_bound(&h, 0, 6100);
	uni = open_bound(&h, H_OUR_IP, 6200);
	bc = open_bound(&h, NET_BCAST, 6300);

	deliver_udp(&h, H_PEER_IP, NET_BCAST, 1, 6100, "w1", 2);
	deliver_udp(&h, H_PEER_IP, ALL_BCAST, 2, 6100, "w2", 2);
	expect_recv(&h, wild, "w1", 2, H_PEER_IP, 1);
	expect_recv(&h, wild, "w2", 2, H_PEER_IP, 2);

	/* A unicast binding does not see broadcasts. */
	deliver_udp(&h, H_PEER_IP, NET_BCAST, 3, 6200, "u", 1);
	expect_empty(&h, uni);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 1);

	/* A broadcast binding sees its broadcast address, nothing else. */
	deliver_udp(&h, H_PEER_IP, NET_BCAST, 4, 6300, "b", 1);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 5, 6300, "not b", 5);
	deliver_udp(&h, H_PEER_IP, ALL_BCAST, 6, 6300, "not b", 5);
	expect_recv(&h, bc, "b", 1, H_PEER_IP, 4);
	expect_empty(&h, bc);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 3);
	h_teardown(&h);
}

static void
test_input_two_ifs(void)
{
	struct harness h;
	struct berth_dev *dev2;
	int a, b;

	h_setup(&h);
	dev2 = add_second_if(&h);
	a = open_bound(&h, H_OUR_IP, 6000);
	b = open_bound(&h, OUR2_IP, 6000);
	deliver_udp(&h, H_PEER_IP, OUR2_IP, 1, 6000, "to2", 3);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 2, 6000, "to1", 3);
	expect_recv(&h, a, "to1", 3, H_PEER_IP, 2);
	expect_recv(&h, b, "to2", 3, H_PEER_IP, 1);
	expect_empty(&h, a);
	expect_empty(&h, b);
	h_teardown(&h);
	berth_dev_free(dev2);
}

static void
test_input_no_port(void)
{
	struct harness h;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7001, "closed", 6);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 0);
	/* A closed socket's port is closed too. */
	berth_sock_close(h.st, sd);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, "closed", 6);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 2);
	h_teardown(&h);
}

static void
test_input_rcvbuf(void)
{
	/*
	 * Each datagram is charged its payload plus one mbuf header: at
	 * 2048 * 2 / 7 (585) bytes a charge, three fit in 2048, four do not.
	 */
	const uint16_t plen = (uint16_t)(2048 * 2 / 7 - sizeof(struct rte_mbuf));
	static uint8_t big[600];
	struct harness h;
	uint8_t buf[600];
	int sd, i, v;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 2048), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_RCVBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 2048);
	for (i = 0; i < 4; i++) {
		memset(big, 'a' + i, sizeof(big));
		deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, big, plen);
	}
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_rcvbuf"), 1);
	/* Reading one makes room for one more. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), plen);
	CU_ASSERT_EQUAL(buf[0], 'a');
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, big, plen);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7000, big, plen);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 4);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_rcvbuf"), 2);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), plen);
	CU_ASSERT_EQUAL(buf[0], 'b');
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), plen);
	CU_ASSERT_EQUAL(buf[0], 'c');
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), plen);
	CU_ASSERT_EQUAL(buf[0], 'd');
	expect_empty(&h, sd);
	h_teardown(&h);
}

/*
 * A datagram as reassembly hands it over: a chain, the UDP header split
 * across the first two segments, the payload over three.
 */
static struct rte_mbuf *
chained_datagram(struct harness *h, uint8_t *payload, uint16_t len)
{
	struct rte_mbuf *m, *tail, *seg;
	uint32_t cut[2] = { 14 + 20 + 5, 14 + 20 + 8 + 1000 };
	uint8_t *flat;
	uint16_t i, total;

	for (i = 0; i < len; i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	m = h_build_udp(h, H_PEER_IP, H_OUR_IP, 999, 7000, NULL, 0);
	/* Build the frame flat (in a buffer), then cut it into segments. */
	total = (uint16_t)(rte_pktmbuf_pkt_len(m) + len);
	flat = malloc(total);
	H_ASSERT(flat != NULL);
	memcpy(flat, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_pkt_len(m));
	memcpy(flat + rte_pktmbuf_pkt_len(m), payload, len);
	rte_pktmbuf_free(m);
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(flat + 14);
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(total - 14));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
		uh->dgram_cksum = 0;
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	}
	m = h_frame(h, flat, (uint16_t)cut[0]);
	tail = h_frame(h, flat + cut[0], (uint16_t)(cut[1] - cut[0]));
	seg = h_frame(h, flat + cut[1], (uint16_t)(total - cut[1]));
	H_ASSERT(rte_pktmbuf_chain(m, tail) == 0);
	H_ASSERT(rte_pktmbuf_chain(m, seg) == 0);
	free(flat);
	return m;
}

static void
test_input_chain(void)
{
	static uint8_t payload[3000], buf[3000];
	struct harness h;
	struct rte_mbuf *m;
	struct sockaddr_in from;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	/* Larger than the buffer, yet accepted into an empty queue (Linux too). */
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 2048), 0);
	deliver(&h, chained_datagram(&h, payload, sizeof(payload)));
	deliver(&h, chained_datagram(&h, payload, sizeof(payload)));
	CU_ASSERT_EQUAL(h_counter(&h, "udp_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_rcvbuf"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_cksum"), 0);
	expect_recv(&h, sd, payload, sizeof(payload), H_PEER_IP, 999);

	/* Zero-copy: the chain comes back holding exactly the payload. */
	deliver(&h, chained_datagram(&h, payload, sizeof(payload)));
	CU_ASSERT_EQUAL(berth_sock_recvfrom_mbuf(h.st, sd, &m, &from), (ssize_t)sizeof(payload));
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), sizeof(payload));
	CU_ASSERT_EQUAL(from.sin_addr.s_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(from.sin_port), 999);
	CU_ASSERT_TRUE(rte_pktmbuf_read(m, 0, sizeof(buf), buf) != NULL);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_read(m, 0, sizeof(buf), buf), payload,
			       sizeof(payload)), 0);
	CU_ASSERT_EQUAL(rte_mbuf_check(m, 1, NULL), 0);
	rte_pktmbuf_free(m);
	h_teardown(&h);
}

static void
test_recv_truncates(void)
{
	static uint8_t payload[100];
	struct harness h;
	uint8_t buf[10];
	int sd, i;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	for (i = 0; i < 100; i++)
		payload[i] = (uint8_t)i;
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1, 7000, payload, sizeof(payload));
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1, 7000, "next", 4);
	/* recvfrom(2): the rest of the datagram is discarded. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), 10);
	CU_ASSERT_EQUAL(memcmp(buf, payload, 10), 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), 4);
	CU_ASSERT_EQUAL(memcmp(buf, "next", 4), 0);
	/* A zero-length read consumes a datagram as well. */
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1, 7000, "gone", 4);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, NULL, 0), 0);
	expect_empty(&h, sd);
	h_teardown(&h);
}

static void
test_recv_mbuf(void)
{
	struct harness h;
	struct rte_mbuf *m = NULL;
	struct sockaddr_in from;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	CU_ASSERT_EQUAL(berth_sock_recvfrom_mbuf(h.st, sd, &m, &from), -EAGAIN);
	deliver_udp(&h, H_OTHER_IP, H_OUR_IP, 4242, 7000, "zero-copy", 9);
	CU_ASSERT_EQUAL(berth_sock_recvfrom_mbuf(h.st, sd, &m, &from), 9);
	H_ASSERT(m != NULL);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), 9);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, void *), "zero-copy", 9), 0);
	CU_ASSERT_EQUAL(from.sin_addr.s_addr, H_OTHER_IP);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(from.sin_port), 4242);
	rte_pktmbuf_free(m);
	expect_empty(&h, sd);
	h_teardown(&h);
}

static void
test_close_frees_queue(void)
{
	struct harness h;
	unsigned int before;
	int sd, i;

	h_setup(&h);
	before = rte_mempool_in_use_count(h.pool);
	sd = open_bound(&h, 0, 7000);
	for (i = 0; i < 5; i++)
		deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1, 7000, "queued", 6);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h.pool), before + 5);
	CU_ASSERT_EQUAL(berth_sock_close(h.st, sd), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h.pool), before);
	/* Queued datagrams of sockets left open are freed by the stack. */
	sd = open_bound(&h, 0, 7000);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1, 7000, "left", 4);
	h_teardown(&h);
}

/* ---- send-side errors and options (no frame needed) ---- */

static void
test_send_errors(void)
{
	static uint8_t big[65508];
	struct harness h;
	struct sockaddr_in dst;
	int sd;

	h_setup(&h);
	sd = sock_open(&h);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "x", 1), -EDESTADDRREQ);
	dst = h_sin(0, 53);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -EINVAL);
	dst = h_sin(H_PEER_IP, 0);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -EINVAL);
	dst = h_sin(H_PEER_IP, 53);
	/* RFC 768 over IPv4: at most 65507 bytes of data. */
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, big, sizeof(big), &dst), -EMSGSIZE);
	/* At MTU 1500 eight fragments carry 11832 bytes of data, no more. */
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, big, 11833, &dst), -EMSGSIZE);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_tx"), 0);

	/* Connected: a different destination is refused. */
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 53), 0);
	dst = h_sin(H_OTHER_IP, 53);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -EISCONN);
	dst = h_sin(H_PEER_IP, 54);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -EISCONN);
	CU_ASSERT_EQUAL(connect_to(&h, sd, 0, 53), -EINVAL);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 0), -EINVAL);

	/* Without the default route, off-subnet is unreachable. */
	H_ASSERT(h.st->nb_routes == 2 && h.st->routes[1].prefix_len == 0);
	h.st->nb_routes = 1;
	dst = h_sin(H_FAR_IP, 53);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -EISCONN);
	berth_sock_close(h.st, sd);
	sd = sock_open(&h);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -ENETUNREACH);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_FAR_IP, 53), -ENETUNREACH);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_tx"), 0);
	h_teardown(&h);
}

static void
test_send_enobufs(void)
{
	enum { MAXM = 8192 };
	static struct rte_mbuf *held[MAXM];
	static uint8_t payload[3000];
	struct harness h;
	struct sockaddr_in dst;
	unsigned int n = 0, before;
	struct rte_mbuf *zc;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	zc = berth_sock_alloc_mbuf(h.st);
	H_ASSERT(zc != NULL);
	H_ASSERT(rte_pktmbuf_append(zc, 4) != NULL);
	before = rte_mempool_in_use_count(h.pool);
	while (n < MAXM && (held[n] = rte_pktmbuf_alloc(h.pool)) != NULL)
		n++;
	H_ASSERT(n < MAXM);
	dst = h_sin(H_PEER_IP, 53);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "x", 1, &dst), -ENOBUFS);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_no_mbuf"), 1);
	CU_ASSERT_EQUAL(berth_sock_alloc_mbuf(h.st), NULL);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_no_mbuf"), 2);

	/* One mbuf left: a two-segment datagram fails half-way, nothing leaks. */
	rte_pktmbuf_free(held[--n]);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, payload, sizeof(payload), &dst), -ENOBUFS);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_no_mbuf"), 3);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h.pool), before + n);
	while (n > 0)
		rte_pktmbuf_free(held[--n]);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h.pool), before);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_tx"), 0);
	rte_pktmbuf_free(zc);
	h_teardown(&h);
}

static void
test_sendto_mbuf_errors(void)
{
	struct harness h;
	struct sockaddr_in dst = h_sin(H_PEER_IP, 53);
	struct rte_mbuf *m;
	unsigned int before;
	int sd;

	h_setup(&h);
	sd = open_bound(&h, 0, 7000);
	before = rte_mempool_in_use_count(h.pool);
	/* Not enough headroom for the headers: refused, and freed. */
	m = berth_sock_alloc_mbuf(h.st);
	H_ASSERT(m != NULL);
	m->data_off = BERTH_SOCK_HEADROOM - 1;
	H_ASSERT(rte_pktmbuf_append(m, 4) != NULL);
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(h.st, sd, m, &dst), -EINVAL);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h.pool), before);
	/* No destination: refused, and freed. */
	m = berth_sock_alloc_mbuf(h.st);
	H_ASSERT(m != NULL);
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(h.st, sd, m, NULL), -EDESTADDRREQ);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(h.pool), before);
	h_teardown(&h);
}

static void
test_names(void)
{
	struct harness h;
	struct sockaddr_in a;
	int sd, sd2;

	h_setup(&h);
	sd = sock_open(&h);
	a = sockname(&h, sd);
	CU_ASSERT_EQUAL(a.sin_family, AF_INET);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, 0);
	CU_ASSERT_EQUAL(a.sin_port, 0);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &a), -ENOTCONN);

	/* Wildcard + connect: still wildcard, named by the route's source. */
	CU_ASSERT_EQUAL(bind_to(&h, sd, 0, 7000), 0);
	CU_ASSERT_EQUAL(sockname(&h, sd).sin_addr.s_addr, 0);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_FAR_IP, 9), 0);
	a = sockname(&h, sd);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(a.sin_port), 7000);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, H_FAR_IP);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(a.sin_port), 9);
	/* Still wildcard underneath: the specific address stays taken. */
	sd2 = sock_open(&h);
	CU_ASSERT_EQUAL(bind_to(&h, sd2, H_OUR_IP, 7000), -EADDRINUSE);
	/* Reconnecting elsewhere replaces the peer. */
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 10), 0);
	CU_ASSERT_EQUAL(berth_sock_getpeername(h.st, sd, &a), 0);
	CU_ASSERT_EQUAL(a.sin_addr.s_addr, H_PEER_IP);
	h_teardown(&h);
}

static void
test_sockopt(void)
{
	struct harness h;
	int sd, v = 0;

	h_setup(&h);
	sd = sock_open(&h);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_RCVBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 212992); /* the configured default */
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 2047), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 16 * 1024 * 1024 + 1),
			-EINVAL);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, -1), -EINVAL);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_RCVBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 212992);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_RCVBUF, 16 * 1024 * 1024), 0);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, BERTH_SO_RCVBUF, &v), 0);
	CU_ASSERT_EQUAL(v, 16 * 1024 * 1024);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, (enum berth_sockopt)99, 1), -ENOPROTOOPT);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, sd, (enum berth_sockopt)99, &v), -ENOPROTOOPT);
	CU_ASSERT_EQUAL(berth_sock_setopt(h.st, sd, BERTH_SO_ERROR, 1), -ENOPROTOOPT);
	h_teardown(&h);
}

/* The quote of an ICMP error about a datagram src:sport -> dst:dport. */
static void
make_quote(uint8_t *q, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)q;
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

	memset(q, 0, 28);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(28 + 4);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16(12);
}

static void
test_icmp_error(void)
{
	struct harness h;
	struct berth_event ev[4];
	uint8_t q[28], buf[8];
	int conn, unconn, v;

	h_setup(&h);
	conn = open_bound(&h, 0, 7000);
	CU_ASSERT_EQUAL(connect_to(&h, conn, H_PEER_IP, 5353), 0);
	unconn = open_bound(&h, H_OUR_IP, 7001);
	berth_stack_events(h.st, ev, 4);

	/* Quotes that do not match the association change nothing. */
	make_quote(q, H_OUR_IP, 7000, H_PEER_IP, 5354);
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	make_quote(q, H_OUR_IP, 7000, H_OTHER_IP, 5353);
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	/* An unconnected socket is not told (Linux without IP_RECVERR). */
	make_quote(q, H_OUR_IP, 7001, H_PEER_IP, 5353);
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	/* A quote too short for the ports, or of another protocol, is ignored. */
	make_quote(q, H_OUR_IP, 7000, H_PEER_IP, 5353);
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, 23, ECONNREFUSED);
	q[9] = IPPROTO_TCP;
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_stack_events(h.st, ev, 4), 0);
	expect_empty(&h, conn);
	expect_empty(&h, unconn);

	/* The real one: our datagram to the peer's closed port. */
	q[9] = IPPROTO_UDP;
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_stack_events(h.st, ev, 4), 1);
	CU_ASSERT_EQUAL(ev[0].sd, conn);
	CU_ASSERT_TRUE(ev[0].events & BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(ev[0].error, ECONNREFUSED);
	/* Reported once, by the next call, then gone. */
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, conn, buf, sizeof(buf)), -ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, conn, buf, sizeof(buf)), -EAGAIN);

	/* The send side reports it the same way, and SO_ERROR reads it once. */
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, conn, "x", 1), -ECONNREFUSED);
	udp_icmp_error(h.st, (const struct rte_ipv4_hdr *)q, sizeof(q), ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, conn, BERTH_SO_ERROR, &v), 0);
	CU_ASSERT_EQUAL(v, ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_getopt(h.st, conn, BERTH_SO_ERROR, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, conn, buf, sizeof(buf)), -EAGAIN);
	h_teardown(&h);
}

/* ---- frames on the wire (need ipv4_output; icmp.c for the unreachable) ---- */

/* Check the Ethernet and IPv4 framing of a frame we sent; return the IP header. */
static struct rte_ipv4_hdr *
check_ipv4_frame(uint8_t *f, uint32_t len, uint32_t src, uint32_t dst, uint8_t proto)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	CU_ASSERT_EQUAL(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->src_addr, &H_OUR_MAC));
	CU_ASSERT_EQUAL(ip->version_ihl, RTE_IPV4_VHL_DEF);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), len - sizeof(*eh));
	CU_ASSERT_EQUAL(ip->next_proto_id, proto);
	CU_ASSERT_EQUAL(ip->src_addr, src);
	CU_ASSERT_EQUAL(ip->dst_addr, dst);
	CU_ASSERT_TRUE(ip->time_to_live > 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	return ip;
}

static void
test_send_frame(void)
{
	static const char msg[] = "on the wire";
	struct harness h;
	struct sockaddr_in dst = h_sin(H_PEER_IP, 9);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	struct rte_mbuf *m;
	uint8_t f[2048];
	uint32_t len;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	sd = sock_open(&h);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, msg, sizeof(msg), &dst), (ssize_t)sizeof(msg));
	CU_ASSERT_EQUAL(h_counter(&h, "udp_tx"), 1);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	len = h_flatten(m, f, sizeof(f));
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(len, 14 + 20 + 8 + sizeof(msg));
	ip = check_ipv4_frame(f, len, H_OUR_IP, H_PEER_IP, IPPROTO_UDP);
	uh = (struct rte_udp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->src_port), local_port(&h, sd));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->dst_port), 9);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->dgram_len), 8 + sizeof(msg));
	/* RFC 1122 §4.1.3.4: always a checksum, and a right one. */
	CU_ASSERT_NOT_EQUAL(uh->dgram_cksum, 0);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, uh), 0);
	CU_ASSERT_EQUAL(memcmp(uh + 1, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);

	/* Connected send from a socket bound to our address. */
	berth_sock_close(h.st, sd);
	sd = open_bound(&h, H_OUR_IP, 7777);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 10), 0);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "", 0), 0);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	len = h_flatten(m, f, sizeof(f));
	rte_pktmbuf_free(m);
	ip = check_ipv4_frame(f, len, H_OUR_IP, H_PEER_IP, IPPROTO_UDP);
	uh = (struct rte_udp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->src_port), 7777);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->dst_port), 10);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->dgram_len), 8);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, uh), 0);
	h_teardown(&h);
}

/* A socket bound to one of our addresses sends from it, whatever the route's. */
static void
test_send_bound_source(void)
{
	struct harness h;
	struct berth_dev *dev2;
	struct sockaddr_in dst = h_sin(H_PEER_IP, 9);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	struct rte_mbuf *m;
	uint8_t f[2048];
	uint32_t len;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	dev2 = add_second_if(&h);
	sd = open_bound(&h, OUR2_IP, 7000);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "src", 3, &dst), 3);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	len = h_flatten(m, f, sizeof(f));
	rte_pktmbuf_free(m);
	ip = check_ipv4_frame(f, len, OUR2_IP, H_PEER_IP, IPPROTO_UDP);
	uh = (struct rte_udp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, uh), 0);
	h_teardown(&h);
	berth_dev_free(dev2);
}

static void
test_send_offload(void)
{
	struct harness h;
	struct sockaddr_in dst = h_sin(H_PEER_IP, 9);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	struct rte_mbuf *m;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	h.dev->offloads = BERTH_DEV_OFF_TX_UDP_CKSUM;
	sd = sock_open(&h);
	CU_ASSERT_EQUAL(berth_sock_sendto(h.st, sd, "offload", 7, &dst), 7);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	/* Left for the device: the pseudo-header sum of the real header. */
	ip = h_ip(m);
	uh = (struct rte_udp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_UDP_CKSUM);
	CU_ASSERT_EQUAL(m->l2_len, 14);
	CU_ASSERT_EQUAL(m->l3_len, 20);
	CU_ASSERT_EQUAL(uh->dgram_cksum, rte_ipv4_phdr_cksum(ip, 0));
	rte_pktmbuf_free(m);
	h_teardown(&h);
}

/* Send len bytes to the peer and check the fragments that come out. */
static void
send_fragmented(struct harness *h, int sd, uint32_t len, unsigned int nfrags)
{
	static uint8_t payload[12000], dgram[12100], f[2048];
	struct sockaddr_in dst = h_sin(H_PEER_IP, 9);
	struct rte_ipv4_hdr *ip, whole;
	uint32_t i, got = 0, flen;
	uint16_t id = 0;

	memset(&whole, 0, sizeof(whole));
	for (i = 0; i < len; i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	CU_ASSERT_EQUAL(berth_sock_sendto(h->st, sd, payload, len, &dst), (ssize_t)len);
	berth_stack_flush(h->st, h->now);
	CU_ASSERT_EQUAL(h_tx_count(h), nfrags);
	for (i = 0; i < nfrags; i++) {
		struct rte_mbuf *m = h_tx_pop(h);
		uint16_t fo, plen;

		H_ASSERT(m != NULL);
		flen = h_flatten(m, f, sizeof(f));
		rte_pktmbuf_free(m);
		CU_ASSERT_TRUE(flen <= 14 + 1500);
		ip = check_ipv4_frame(f, flen, H_OUR_IP, H_PEER_IP, IPPROTO_UDP);
		fo = rte_be_to_cpu_16(ip->fragment_offset);
		if (i == 0) {
			id = ip->packet_id;
			whole = *ip;
		}
		CU_ASSERT_EQUAL(ip->packet_id, id);
		/* In order, each starting where the previous ended, MF on all but the last. */
		CU_ASSERT_EQUAL((uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8, got);
		CU_ASSERT_EQUAL(!!(fo & RTE_IPV4_HDR_MF_FLAG), i + 1 < nfrags);
		plen = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - 20);
		H_ASSERT(got + plen <= sizeof(dgram));
		memcpy(dgram + got, ip + 1, plen);
		got += plen;
	}
	CU_ASSERT_EQUAL(got, 8 + len);
	/* Put the datagram together and check its UDP header and checksum. */
	whole.total_length = rte_cpu_to_be_16((uint16_t)(20 + got));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(((struct rte_udp_hdr *)dgram)->dgram_len), 8 + len);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(&whole, dgram), 0);
	CU_ASSERT_EQUAL(memcmp(dgram + 8, payload, len), 0);
}

static void
test_send_fragmented(void)
{
	struct harness h;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	sd = open_bound(&h, 0, 7000);
	/* 3008 bytes of UDP: 1480 + 1480 + 48. */
	send_fragmented(&h, sd, 3000, 3);
	/* The largest datagram the fragment limit allows at MTU 1500. */
	send_fragmented(&h, sd, 11832, 8);
	CU_ASSERT_EQUAL(h_counter(&h, "udp_tx"), 2);
	h_teardown(&h);
}

static void
test_sendto_mbuf_frame(void)
{
	struct harness h;
	struct sockaddr_in dst = h_sin(H_PEER_IP, 4000);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	struct rte_mbuf *m;
	uint8_t f[2048];
	uint32_t len;
	char *p;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	sd = open_bound(&h, 0, 7000);
	m = berth_sock_alloc_mbuf(h.st);
	H_ASSERT(m != NULL);
	p = rte_pktmbuf_append(m, 9);
	H_ASSERT(p != NULL);
	memcpy(p, "zero-copy", 9);
	/* Flags left over from the mbuf's past life must not reach the device. */
	m->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
	CU_ASSERT_EQUAL(berth_sock_sendto_mbuf(h.st, sd, m, &dst), 9);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	CU_ASSERT_EQUAL(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
	len = h_flatten(m, f, sizeof(f));
	rte_pktmbuf_free(m);
	ip = check_ipv4_frame(f, len, H_OUR_IP, H_PEER_IP, IPPROTO_UDP);
	uh = (struct rte_udp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->src_port), 7000);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(uh->dst_port), 4000);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, uh), 0);
	CU_ASSERT_EQUAL(memcmp(uh + 1, "zero-copy", 9), 0);
	h_teardown(&h);
}

static void
test_no_port_icmp(void)
{
	struct harness h;
	struct rte_ipv4_hdr *ip, *qip;
	struct rte_icmp_hdr *ic;
	struct rte_udp_hdr *quh;
	struct rte_mbuf *m;
	uint8_t f[2048];
	uint32_t len;

	h_setup(&h);
	h_learn_peer(&h);
	deliver_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7001, "anyone?", 7);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 1);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	len = h_flatten(m, f, sizeof(f));
	rte_pktmbuf_free(m);
	ip = check_ipv4_frame(f, len, H_OUR_IP, H_PEER_IP, IPPROTO_ICMP);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	/* RFC 792: destination unreachable (3), port unreachable (3). */
	CU_ASSERT_EQUAL(ic->icmp_type, 3);
	CU_ASSERT_EQUAL(ic->icmp_code, 3);
	/* It quotes our datagram's header and its first 8 bytes (the UDP header). */
	qip = (struct rte_ipv4_hdr *)(ic + 1);
	CU_ASSERT_TRUE(len >= 14 + 20 + 8 + 20 + 8);
	CU_ASSERT_EQUAL(qip->src_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(qip->dst_addr, H_OUR_IP);
	quh = (struct rte_udp_hdr *)(qip + 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(quh->src_port), 1234);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(quh->dst_port), 7001);

	/* Never about a broadcast (RFC 1122 §4.1.3.1 / §3.2.2). */
	deliver_udp(&h, H_PEER_IP, NET_BCAST, 1234, 7001, "anyone?", 7);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_udp_no_port"), 2);
	berth_stack_flush(h.st, h.now);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* End to end: our datagram, the peer's port unreachable about it, the error. */
static void
test_port_unreachable_received(void)
{
	struct harness h;
	struct berth_event ev[4];
	uint8_t icmp[8 + 28], f[2048], buf[8];
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)icmp;
	struct rte_mbuf *m;
	int sd;

	h_setup(&h);
	h_learn_peer(&h);
	sd = open_bound(&h, 0, 7000);
	CU_ASSERT_EQUAL(connect_to(&h, sd, H_PEER_IP, 5353), 0);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "query", 5), 5);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	h_flatten(m, f, sizeof(f));
	rte_pktmbuf_free(m);

	/* RFC 792: type 3 code 3, then our IP header and 8 bytes of its data. */
	memset(icmp, 0, sizeof(icmp));
	ic->icmp_type = 3;
	ic->icmp_code = 3;
	memcpy(icmp + 8, f + 14, 28);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(icmp));
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, icmp, sizeof(icmp)));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(berth_stack_events(h.st, ev, 4), 1);
	CU_ASSERT_EQUAL(ev[0].sd, sd);
	CU_ASSERT_EQUAL(ev[0].events, BERTH_EV_ERROR);
	CU_ASSERT_EQUAL(ev[0].error, ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), -ECONNREFUSED);
	CU_ASSERT_EQUAL(berth_sock_recv(h.st, sd, buf, sizeof(buf)), -EAGAIN);
	/* Once: the next send goes out. */
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, "again", 5), 5);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("bind", NULL, NULL);
	CU_add_test(s, "conflict matrix", test_bind_matrix);
	CU_add_test(s, "two local addresses", test_bind_two_addresses);
	CU_add_test(s, "bindable addresses", test_bind_addresses);
	CU_add_test(s, "ephemeral range and exhaustion", test_ephemeral_range);
	CU_add_test(s, "ephemeral default range", test_ephemeral_default);

	s = CU_add_suite("input", NULL, NULL);
	CU_add_test(s, "payload and source delivered", test_input_delivers);
	CU_add_test(s, "checksum 0 accepted", test_input_cksum_zero);
	CU_add_test(s, "bad checksum dropped", test_input_bad_cksum);
	CU_add_test(s, "short dropped", test_input_short);
	CU_add_test(s, "bad length dropped", test_input_bad_len);
	CU_add_test(s, "bytes after Length trimmed", test_input_trailing_bytes);
	CU_add_test(s, "connected socket filter", test_input_connected_filter);
	CU_add_test(s, "broadcast demultiplexing", test_input_broadcast);
	CU_add_test(s, "exact address per interface", test_input_two_ifs);
	CU_add_test(s, "no port counted", test_input_no_port);
	CU_add_test(s, "receive buffer full", test_input_rcvbuf);
	CU_add_test(s, "chained datagram", test_input_chain);
	CU_add_test(s, "recv truncates", test_recv_truncates);
	CU_add_test(s, "zero-copy receive", test_recv_mbuf);
	CU_add_test(s, "close frees the queue", test_close_frees_queue);

	s = CU_add_suite("send", NULL, NULL);
	CU_add_test(s, "errors", test_send_errors);
	CU_add_test(s, "no mbuf", test_send_enobufs);
	CU_add_test(s, "zero-copy errors", test_sendto_mbuf_errors);
	CU_add_test(s, "names", test_names);
	CU_add_test(s, "receive buffer option", test_sockopt);
	CU_add_test(s, "ICMP error to a connected socket", test_icmp_error);

	s = CU_add_suite("wire", NULL, NULL);
	CU_add_test(s, "datagram frame", test_send_frame);
	CU_add_test(s, "source of a bound socket", test_send_bound_source);
	CU_add_test(s, "checksum offload prepared", test_send_offload);
	CU_add_test(s, "fragmented datagram", test_send_fragmented);
	CU_add_test(s, "zero-copy send", test_sendto_mbuf_frame);
	CU_add_test(s, "port unreachable sent", test_no_port_icmp);
	CU_add_test(s, "port unreachable received", test_port_unreachable_received);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
