/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input checks (one test per rule), options and padding, output header
 * fields, checksum offload, DF, fragmentation, and routes.
 *
 * Input tests send ICMP echo requests where a packet must get through: the
 * reply proves delivery without depending on the UDP layer.
 */
#include <errno.h>
#include <string.h>

#include <rte_icmp.h>

#include "harness.h"

/* ---- helpers ---- */

/* The stack, with the peer and the other host resolved: sends go out at once. */
static void
setup(struct harness *h)
{
	h_setup(h);
	h_learn_peer(h);
}

/* Ethernet + IPv4 + ICMP echo request with a valid checksum. */
static struct rte_mbuf *
build_echo(struct harness *h, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
	   const void *data, uint16_t len)
{
	uint8_t msg[1500];
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)msg;

	H_ASSERT(sizeof(*ic) + len <= sizeof(msg));
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = rte_cpu_to_be_16(id);
	ic->icmp_seq_nb = rte_cpu_to_be_16(seq);
	memcpy(ic + 1, data, len);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(msg, sizeof(*ic) + len);
	return h_build_ipv4(h, src, dst, IPPROTO_ICMP, msg, (uint16_t)(sizeof(*ic) + len));
}

/* The frame f is our echo reply to `to` with these fields and data. */
static void
check_echo_reply(struct rte_mbuf *f, uint32_t to, uint16_t id, uint16_t seq,
		 const void *data, uint16_t len)
{
	uint8_t buf[2048];
	uint32_t flen = h_flatten(f, buf, sizeof(buf));
	const struct rte_ipv4_hdr *ip = (const void *)(buf + RTE_ETHER_HDR_LEN);
	const struct rte_icmp_hdr *ic = (const void *)(ip + 1);

	CU_ASSERT_EQUAL(flen, RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*ic) + len);
	CU_ASSERT_EQUAL(ip->version_ihl, 0x45);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), sizeof(*ip) + sizeof(*ic) + len);
	CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(ip->dst_addr, to);
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	CU_ASSERT_EQUAL(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	CU_ASSERT_EQUAL(ic->icmp_code, 0);
	CU_ASSERT_EQUAL(ic->icmp_ident, rte_cpu_to_be_16(id));
	CU_ASSERT_EQUAL(ic->icmp_seq_nb, rte_cpu_to_be_16(seq));
	CU_ASSERT_EQUAL(rte_raw_cksum(ic, sizeof(*ic) + len), 0xffff);
	CU_ASSERT_EQUAL(memcmp(ic + 1, data, len), 0);
}

/*
 * Inject m, poll once, and check that it was dropped under `reason` with
 * nothing sent and no other counter moved (rx_pkts and ip_rx count every
 * frame and IPv4 packet).
 */
static void
expect_drop(struct harness *h, struct rte_mbuf *m, const char *reason)
{
	uint64_t before[BERTH_COUNTER_MAX];
	unsigned int i;

	H_ASSERT(berth_stack_counter(h->st, reason) != UINT64_MAX);
	memcpy(before, h->st->counters, sizeof(before));
	h_inject(h, m);
	h_poll(h, 1);
	for (i = 0; i < BERTH_COUNTER_MAX; i++) {
		const char *name = berth_counter_name(i);
		uint64_t d = h->st->counters[i] - before[i];

		if (strcmp(name, reason) == 0 || strcmp(name, "rx_pkts") == 0 ||
		    strcmp(name, "ip_rx") == 0) {
			if (d != 1)
				fprintf(stderr, "\n%s moved by %lu, expected 1\n", name,
					(unsigned long)d);
			CU_ASSERT_EQUAL(d, 1);
		} else if (d != 0) {
			fprintf(stderr, "\n%s moved by %lu (drop %s expected)\n", name,
				(unsigned long)d, reason);
			CU_FAIL("unexpected counter change");
		}
	}
	CU_ASSERT_EQUAL(h_tx_count(h), 0);
}

static const uint8_t ping_data[] = "berth ipv4 unit test";

/* A valid echo request from the peer, to be broken by one edit. */
static struct rte_mbuf *
good_echo(struct harness *h)
{
	return build_echo(h, H_PEER_IP, H_OUR_IP, 0x77, 1, ping_data, sizeof(ping_data));
}

/* ---- input: one test per rule ---- */

static void
test_valid_echo_answered(void)
{
	struct harness h;
	struct rte_mbuf *f;

	setup(&h);
	h_inject(&h, good_echo(&h));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	check_echo_reply(f, H_PEER_IP, 0x77, 1, ping_data, sizeof(ping_data));
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

static void
test_short_dropped(void)
{
	static const uint8_t ten[10] = {0x45};
	struct harness h;

	setup(&h);
	expect_drop(&h, h_build_eth(&h, NULL, NULL, RTE_ETHER_TYPE_IPV4, ten, sizeof(ten)),
		    "drop_ip_short");
	h_teardown(&h);
}

static void
test_version_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	m = good_echo(&h);
	h_ip(m)->version_ihl = 0x65;
	h_ip_fix_cksum(m);
	expect_drop(&h, m, "drop_ip_version");
	h_teardown(&h);
}

static void
test_ihl_below_5_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	setup(&h);
	m = good_echo(&h);
	ip = h_ip(m);
	ip->version_ihl = 0x44;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, 16); /* right for a 16-byte header */
	expect_drop(&h, m, "drop_ip_ihl");
	h_teardown(&h);
}

static void
test_ihl_beyond_packet_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	setup(&h);
	/* 20-byte header + 8 bytes: IHL 15 claims 60 bytes of header. */
	m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, "12345678", 8);
	ip = h_ip(m);
	ip->version_ihl = 0x4f;
	expect_drop(&h, m, "drop_ip_ihl");
	h_teardown(&h);
}

static void
test_total_len_below_ihl_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	m = good_echo(&h);
	h_ip(m)->total_length = rte_cpu_to_be_16(19);
	h_ip_fix_cksum(m);
	expect_drop(&h, m, "drop_ip_total_len");
	h_teardown(&h);
}

static void
test_total_len_beyond_frame_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	setup(&h);
	m = good_echo(&h);
	ip = h_ip(m);
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 1);
	h_ip_fix_cksum(m);
	expect_drop(&h, m, "drop_ip_total_len");
	h_teardown(&h);
}

static void
test_bad_cksum_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	m = good_echo(&h);
	h_ip(m)->hdr_checksum ^= RTE_BE16(0x0100);
	expect_drop(&h, m, "drop_ip_cksum");
	h_teardown(&h);
}

/* With RX checksum offload the device's verdict is taken, both ways. */
static void
test_cksum_offload_verdict_used(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	h.dev->offloads |= BERTH_DEV_OFF_RX_IPV4_CKSUM;
	m = good_echo(&h); /* right checksum, device says bad */
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	expect_drop(&h, m, "drop_ip_cksum");

	m = good_echo(&h); /* wrong checksum, device says good: trusted */
	h_ip(m)->hdr_checksum ^= RTE_BE16(0x0100);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	h_tx_drain(&h);

	m = good_echo(&h); /* wrong checksum, device did not look: our sum */
	h_ip(m)->hdr_checksum ^= RTE_BE16(0x0100);
	expect_drop(&h, m, "drop_ip_cksum");
	h_teardown(&h);
}

static void
test_ttl_zero_dropped(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	m = good_echo(&h);
	h_ip(m)->time_to_live = 0;
	h_ip_fix_cksum(m);
	expect_drop(&h, m, "drop_ip_ttl");

	/* RFC 1122 §3.2.1.7: TTL 1 is not a reason to drop at a host. */
	m = good_echo(&h);
	h_ip(m)->time_to_live = 1;
	h_ip_fix_cksum(m);
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	h_tx_drain(&h);
	h_teardown(&h);
}

static void
test_bad_source_dropped(void)
{
	const uint32_t bad[] = {
		IPV4(255, 255, 255, 255), /* limited broadcast */
		IPV4(198, 18, 0, 255),    /* our subnet's broadcast */
		IPV4(224, 0, 0, 1),       /* multicast */
		IPV4(240, 0, 0, 1),       /* class E */
		IPV4(127, 0, 0, 1),       /* loopback */
		IPV4(0, 1, 2, 3),         /* {0, host}: this network */
		IPV4(198, 18, 0, 2),      /* ourselves: a loop or a spoof */
		IPV4(0, 0, 0, 0),         /* only allowed towards a broadcast */
	};
	struct harness h;
	unsigned int i;

	setup(&h);
	for (i = 0; i < RTE_DIM(bad); i++)
		expect_drop(&h, build_echo(&h, bad[i], H_OUR_IP, 1, (uint16_t)i, "x", 1),
			    "drop_ip_src");
	h_teardown(&h);
}

/* 0.0.0.0 to a broadcast passes IP (DHCP-style); ICMP then refuses the echo. */
static void
test_zero_source_to_broadcast_accepted(void)
{
	struct harness h;

	setup(&h);
	h_inject(&h, build_echo(&h, 0, IPV4(255, 255, 255, 255), 1, 1, "x", 1));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_src"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_bcast"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_not_us_dropped(void)
{
	const uint32_t other[] = {
		IPV4(198, 18, 0, 3),   /* another host on the subnet */
		IPV4(224, 0, 0, 1),    /* multicast: no group joined */
		IPV4(198, 18, 1, 255), /* another subnet's broadcast */
		IPV4(198, 18, 0, 0),   /* our subnet's old-style {net, 0} */
	};
	struct harness h;
	unsigned int i;

	setup(&h);
	for (i = 0; i < RTE_DIM(other); i++)
		expect_drop(&h, build_echo(&h, H_PEER_IP, other[i], 1, (uint16_t)i, "x", 1),
			    "drop_ip_not_us");
	h_teardown(&h);
}

/* A transport berth lacks (253, RFC 3692): Protocol Unreachable and a counted drop. */
static void
test_unknown_proto_dropped(void)
{
	struct harness h;
	struct rte_mbuf *f;
	const struct rte_icmp_hdr *ic;

	setup(&h);
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, "0123456789abcdefghij", 20));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_proto"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	ic = h_l4(f);
	CU_ASSERT_EQUAL(ic->icmp_type, 3);
	CU_ASSERT_EQUAL(ic->icmp_code, 2);
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

/* ---- input: options and padding ---- */

/*
 * scapy: Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")/
 *        IP(src="198.18.0.1", dst="198.18.0.2", id=7, options=[IPOption_NOP()]*4)/
 *        ICMP(type=8, id=0x1234, seq=1)/b"berth-opts"
 */
static const uint8_t echo_with_nops[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x2a, 0x00, 0x07, 0x00, 0x00, 0x40, 0x01,
	0xeb, 0xa2, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x01, 0x01,
	0x01, 0x01, 0x08, 0x00, 0xc4, 0xdf, 0x12, 0x34, 0x00, 0x01, 0x62, 0x65,
	0x72, 0x74, 0x68, 0x2d, 0x6f, 0x70, 0x74, 0x73,
};

static void
test_options_skipped(void)
{
	struct harness h;
	struct rte_mbuf *f;

	setup(&h);
	h_inject(&h, h_frame(&h, echo_with_nops, sizeof(echo_with_nops)));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_opts_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	/* The reply has a plain 20-byte header and the same message. */
	check_echo_reply(f, H_PEER_IP, 0x1234, 1, "berth-opts", 10);
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

/*
 * scapy: Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")/
 *        IP(src="198.18.0.1", dst="198.18.0.2", id=8)/ICMP(type=8, id=0x4242, seq=9)/
 *        Padding(load=b"\xa5"*18)          -- a 60-byte frame, IP total length 28
 */
static const uint8_t padded_echo[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x08, 0x00, 0x00, 0x40, 0x01,
	0xee, 0xb1, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x08, 0x00,
	0xb5, 0xb4, 0x42, 0x42, 0x00, 0x09, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
	0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
};

static void
test_ethernet_padding_trimmed(void)
{
	struct harness h;
	struct rte_mbuf *f;

	setup(&h);
	H_ASSERT(sizeof(padded_echo) == 60);
	h_inject(&h, h_frame(&h, padded_echo, sizeof(padded_echo)));
	h_poll(&h, 1);
	/* Had the padding been kept, the ICMP checksum would not verify. */
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_cksum"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	check_echo_reply(f, H_PEER_IP, 0x4242, 9, "", 0);
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

/* ---- output ---- */

/* An mbuf with len bytes of "L4" data (pattern from seed) and headroom. */
static struct rte_mbuf *
l4_mbuf(struct harness *h, uint16_t len, uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);
	uint8_t *p;
	uint16_t i;

	H_ASSERT(m != NULL);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	H_ASSERT(p != NULL);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return m;
}

static void
test_output_header_fields(void)
{
	struct harness h;
	struct berth_nexthop nh;
	struct berth_ip_out out = { .dst = H_PEER_IP, .proto = 253, .tos = 0x10 };
	struct rte_mbuf *f;
	const struct rte_ipv4_hdr *ip;
	uint16_t id1;

	setup(&h);
	H_ASSERT(route_lookup(h.st, H_PEER_IP, &nh) == 0);
	CU_ASSERT_EQUAL(ipv4_output(h.st, l4_mbuf(&h, 100, 1), &nh, &out, h.now), 0);
	out.ttl = 9;
	out.df = true;
	CU_ASSERT_EQUAL(ipv4_output(h.st, l4_mbuf(&h, 100, 1), &nh, &out, h.now), 0);
	berth_stack_flush(h.st, h.now);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_tx"), 2);
	H_ASSERT(h_tx_count(&h) == 2);

	f = h_tx_pop(&h);
	ip = h_ip(f);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(f), RTE_ETHER_HDR_LEN + 120);
	CU_ASSERT_EQUAL(ip->version_ihl, 0x45);
	CU_ASSERT_EQUAL(ip->type_of_service, 0x10);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), 120);
	CU_ASSERT_EQUAL(ip->fragment_offset, 0);
	CU_ASSERT_EQUAL(ip->time_to_live, 64);
	CU_ASSERT_EQUAL(ip->next_proto_id, 253);
	CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(ip->dst_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	CU_ASSERT_EQUAL(*(const uint8_t *)(ip + 1), 1); /* data follows untouched */
	id1 = rte_be_to_cpu_16(ip->packet_id);
	rte_pktmbuf_free(f);

	f = h_tx_pop(&h);
	ip = h_ip(f);
	CU_ASSERT_EQUAL(ip->time_to_live, 9);
	CU_ASSERT_EQUAL(ip->fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->packet_id), (uint16_t)(id1 + 1));
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

static void
test_output_cksum_offload(void)
{
	struct harness h;
	struct berth_nexthop nh;
	struct berth_ip_out out = { .dst = H_PEER_IP, .proto = IPPROTO_UDP };
	struct rte_mbuf *m, *f;

	setup(&h);
	h.dev->offloads |= BERTH_DEV_OFF_TX_IPV4_CKSUM;
	H_ASSERT(route_lookup(h.st, H_PEER_IP, &nh) == 0);
	m = l4_mbuf(&h, 64, 3);
	m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM; /* the transport asked for L4 offload */
	CU_ASSERT_EQUAL(ipv4_output(h.st, m, &nh, &out, h.now), 0);
	berth_stack_flush(h.st, h.now);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(h_ip(f)->hdr_checksum, 0);
	CU_ASSERT_EQUAL(f->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_L4_MASK),
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
	CU_ASSERT_EQUAL(f->l2_len, RTE_ETHER_HDR_LEN);
	CU_ASSERT_EQUAL(f->l3_len, sizeof(struct rte_ipv4_hdr));
	rte_pktmbuf_free(f);

	/* Without the device offload: software header sum, L4 request kept. */
	h.dev->offloads = 0;
	m = l4_mbuf(&h, 64, 3);
	m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
	CU_ASSERT_EQUAL(ipv4_output(h.st, m, &nh, &out, h.now), 0);
	berth_stack_flush(h.st, h.now);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(rte_raw_cksum(h_ip(f), sizeof(struct rte_ipv4_hdr)), 0xffff);
	CU_ASSERT_EQUAL(f->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_L4_MASK),
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM);
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

static void
test_output_df_too_big(void)
{
	struct harness h;
	struct berth_nexthop nh;
	struct berth_ip_out out = { .dst = H_PEER_IP, .proto = 253, .df = true };

	setup(&h);
	H_ASSERT(route_lookup(h.st, H_PEER_IP, &nh) == 0);
	/* 1481 + 20 = 1501 bytes, one over the MTU. */
	CU_ASSERT_EQUAL(ipv4_output(h.st, l4_mbuf(&h, 1481, 0), &nh, &out, h.now), -EMSGSIZE);
	berth_stack_flush(h.st, h.now);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_df"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_tx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* Exactly the MTU goes out whole. */
	CU_ASSERT_EQUAL(ipv4_output(h.st, l4_mbuf(&h, 1480, 0), &nh, &out, h.now), 0);
	berth_stack_flush(h.st, h.now);
	CU_ASSERT_EQUAL(h_tx_count(&h), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_tx"), 0);
	h_tx_drain(&h);
	h_teardown(&h);
}

#define BIG_UDP 4000

/*
 * A 4000-byte UDP datagram (header + data) as a 3-segment chain whose
 * segment lengths are odd (1001, 1999, 1000): a sum across them must fold
 * each part before byte-swapping it (see stack/cksum.h).
 */
static struct rte_mbuf *
big_udp(struct harness *h, uint8_t *flat_out)
{
	static const uint16_t seglen[] = {1001, 1999, 1000};
	struct rte_mbuf *head = NULL, *m;
	struct rte_udp_hdr *uh;
	unsigned int s, i, at = 0;

	for (s = 0; s < RTE_DIM(seglen); s++) {
		uint8_t *p;

		m = rte_pktmbuf_alloc(h->pool);
		H_ASSERT(m != NULL);
		p = (uint8_t *)rte_pktmbuf_append(m, seglen[s]);
		H_ASSERT(p != NULL);
		for (i = 0; i < seglen[s]; i++, at++)
			p[i] = flat_out[at] = (uint8_t)(0xf0 + at * 13);
		if (head == NULL)
			head = m;
		else
			H_ASSERT(rte_pktmbuf_chain(head, m) == 0);
	}
	uh = rte_pktmbuf_mtod(head, struct rte_udp_hdr *);
	uh->src_port = RTE_BE16(4000);
	uh->dst_port = RTE_BE16(5000);
	uh->dgram_len = RTE_BE16(BIG_UDP);
	uh->dgram_cksum = 0;
	memcpy(flat_out, uh, sizeof(*uh));
	return head;
}

/* Pseudo-header + UDP sum of a flat datagram: 0xffff when it verifies. */
static uint16_t
udp_sum(const uint8_t *udp, uint16_t len)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = 0x45,
		.total_length = rte_cpu_to_be_16((uint16_t)(len + 20)),
		.next_proto_id = IPPROTO_UDP,
		.src_addr = H_OUR_IP,
		.dst_addr = H_PEER_IP,
	};
	uint32_t s = rte_raw_cksum(udp, len) + (uint32_t)rte_ipv4_phdr_cksum(&ip, 0);

	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/*
 * Send the big datagram, check the three fragments, and return the UDP
 * datagram rebuilt from them by offset.
 */
static void
send_and_check_fragments(struct harness *h, struct rte_mbuf *m, uint8_t *rebuilt, bool hw_ip)
{
	static const uint16_t want_len[] = {1500, 1500, 1060};
	static const uint16_t want_off[] = {0, 185, 370};
	struct berth_nexthop nh;
	struct berth_ip_out out = { .dst = H_PEER_IP, .proto = IPPROTO_UDP };
	uint8_t buf[2048];
	uint16_t id = 0;
	unsigned int i;

	H_ASSERT(route_lookup(h->st, H_PEER_IP, &nh) == 0);
	CU_ASSERT_EQUAL(ipv4_output(h->st, m, &nh, &out, h->now), 0);
	berth_stack_flush(h->st, h->now);
	CU_ASSERT_EQUAL(h_tx_count(h), 3);
	for (i = 0; i < 3; i++) {
		struct rte_mbuf *f = h_tx_pop(h);
		const struct rte_ipv4_hdr *ip = (const void *)(buf + RTE_ETHER_HDR_LEN);
		uint16_t fo, tl;

		H_ASSERT(f != NULL);
		CU_ASSERT_EQUAL(h_flatten(f, buf, sizeof(buf)), RTE_ETHER_HDR_LEN + want_len[i]);
		tl = rte_be_to_cpu_16(ip->total_length);
		fo = rte_be_to_cpu_16(ip->fragment_offset);
		CU_ASSERT_EQUAL(tl, want_len[i]);
		CU_ASSERT_EQUAL(fo & RTE_IPV4_HDR_OFFSET_MASK, want_off[i]);
		CU_ASSERT_EQUAL(!!(fo & RTE_IPV4_HDR_MF_FLAG), i < 2);
		CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
		CU_ASSERT_EQUAL(ip->dst_addr, H_PEER_IP);
		if (i == 0)
			id = ip->packet_id;
		CU_ASSERT_EQUAL(ip->packet_id, id); /* RFC 791: one ID for all */
		if (hw_ip) {
			CU_ASSERT_EQUAL(ip->hdr_checksum, 0);
			CU_ASSERT_NOT_EQUAL(f->ol_flags & RTE_MBUF_F_TX_IP_CKSUM, 0);
		} else {
			CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
		}
		/* The NIC must not touch the L4 sum of a fragment. */
		CU_ASSERT_EQUAL(f->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
		H_ASSERT((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8u + tl - 20 <= BIG_UDP);
		memcpy(rebuilt + (fo & RTE_IPV4_HDR_OFFSET_MASK) * 8, ip + 1, tl - 20);
		rte_pktmbuf_free(f);
	}
	CU_ASSERT_EQUAL(h_counter(h, "ip_frag_tx"), 3);
	CU_ASSERT_EQUAL(h_counter(h, "ip_tx"), 1);
}

static void
test_output_fragments(void)
{
	static uint8_t want[BIG_UDP], got[BIG_UDP];
	struct harness h;
	struct rte_mbuf *m;
	struct rte_udp_hdr *uh;

	setup(&h);
	m = big_udp(&h, want);
	/* The transport computed the full checksum itself. */
	uh = rte_pktmbuf_mtod(m, struct rte_udp_hdr *);
	uh->dgram_cksum = (uint16_t)~udp_sum(want, BIG_UDP);
	memcpy(want, uh, sizeof(*uh));
	send_and_check_fragments(&h, m, got, false);
	CU_ASSERT_EQUAL(memcmp(got, want, BIG_UDP), 0);
	CU_ASSERT_EQUAL(udp_sum(got, BIG_UDP), 0xffff);
	h_teardown(&h);
}

/* L4 offload requested: ipv4_output must finish the checksum before splitting. */
static void
test_output_fragments_finish_l4_cksum(void)
{
	static uint8_t want[BIG_UDP], got[BIG_UDP];
	struct rte_ipv4_hdr ph = {
		.version_ihl = 0x45,
		.total_length = RTE_BE16(BIG_UDP + 20),
		.next_proto_id = IPPROTO_UDP,
		.src_addr = H_OUR_IP,
		.dst_addr = H_PEER_IP,
	};
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	h.dev->offloads |= BERTH_DEV_OFF_TX_IPV4_CKSUM;
	m = big_udp(&h, want);
	/* What a transport leaves for the NIC: the pseudo-header sum. */
	rte_pktmbuf_mtod(m, struct rte_udp_hdr *)->dgram_cksum = rte_ipv4_phdr_cksum(&ph, 0);
	m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV4;
	send_and_check_fragments(&h, m, got, true);
	CU_ASSERT_EQUAL(memcmp(got + 8, want + 8, BIG_UDP - 8), 0);
	CU_ASSERT_EQUAL(udp_sum(got, BIG_UDP), 0xffff);
	h_teardown(&h);
}

/* ---- routes ---- */

static void
test_route_via_gateway(void)
{
	struct harness h;
	struct berth_nexthop nh;
	struct berth_ip_out out = { .dst = H_FAR_IP, .proto = 253 };
	struct rte_mbuf *f;

	setup(&h);
	H_ASSERT(route_lookup(h.st, H_FAR_IP, &nh) == 0);
	CU_ASSERT_EQUAL(nh.nexthop, H_PEER_IP);
	CU_ASSERT_EQUAL(nh.src, H_OUR_IP);
	CU_ASSERT_PTR_EQUAL(nh.ifp, &h.st->ifs[0]);
	H_ASSERT(route_lookup(h.st, H_OTHER_IP, &nh) == 0);
	CU_ASSERT_EQUAL(nh.nexthop, H_OTHER_IP); /* on-link: direct */

	H_ASSERT(route_lookup(h.st, H_FAR_IP, &nh) == 0);
	CU_ASSERT_EQUAL(ipv4_output(h.st, l4_mbuf(&h, 8, 0), &nh, &out, h.now), 0);
	berth_stack_flush(h.st, h.now);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(h_ip(f)->dst_addr, H_FAR_IP); /* the gateway is only the next hop */
	rte_pktmbuf_free(f);

	/* An echo from afar is answered through the gateway. */
	h_inject(&h, build_echo(&h, H_FAR_IP, H_OUR_IP, 5, 5, "far", 3));
	h_poll(&h, 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	check_echo_reply(f, H_FAR_IP, 5, 5, "far", 3);
	rte_pktmbuf_free(f);
	h_teardown(&h);
}

static void
test_no_route(void)
{
	struct harness h;
	struct berth_nexthop nh;

	setup(&h);
	/* Routes are sorted longest prefix first: the default one is last. */
	H_ASSERT(h.st->nb_routes == 2 && h.st->routes[1].prefix_len == 0);
	h.st->nb_routes = 1;
	CU_ASSERT_EQUAL(route_lookup(h.st, H_FAR_IP, &nh), -ENETUNREACH);
	CU_ASSERT_EQUAL(route_lookup(h.st, H_PEER_IP, &nh), 0);
	/* An echo from a host we cannot reach is dropped, counted. */
	h_inject(&h, build_echo(&h, H_FAR_IP, H_OUR_IP, 5, 5, "far", 3));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_no_route"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("ipv4 input", NULL, NULL);

	CU_add_test(s, "valid echo answered", test_valid_echo_answered);
	CU_add_test(s, "shorter than a header", test_short_dropped);
	CU_add_test(s, "version not 4", test_version_dropped);
	CU_add_test(s, "IHL below 5", test_ihl_below_5_dropped);
	CU_add_test(s, "IHL beyond the packet", test_ihl_beyond_packet_dropped);
	CU_add_test(s, "total length below IHL", test_total_len_below_ihl_dropped);
	CU_add_test(s, "total length beyond the frame", test_total_len_beyond_frame_dropped);
	CU_add_test(s, "bad header checksum", test_bad_cksum_dropped);
	CU_add_test(s, "RX checksum offload verdict", test_cksum_offload_verdict_used);
	CU_add_test(s, "TTL 0 dropped, TTL 1 kept", test_ttl_zero_dropped);
	CU_add_test(s, "bad sources", test_bad_source_dropped);
	CU_add_test(s, "0.0.0.0 to broadcast accepted", test_zero_source_to_broadcast_accepted);
	CU_add_test(s, "not for us", test_not_us_dropped);
	CU_add_test(s, "unknown protocol", test_unknown_proto_dropped);
	CU_add_test(s, "options skipped", test_options_skipped);
	CU_add_test(s, "Ethernet padding trimmed", test_ethernet_padding_trimmed);

	s = CU_add_suite("ipv4 output", NULL, NULL);
	CU_add_test(s, "header fields, TTL, DF, ID", test_output_header_fields);
	CU_add_test(s, "checksum offload", test_output_cksum_offload);
	CU_add_test(s, "DF and too big", test_output_df_too_big);
	CU_add_test(s, "fragments of 4000 bytes", test_output_fragments);
	CU_add_test(s, "fragments finish an offloaded L4 sum", test_output_fragments_finish_l4_cksum);

	s = CU_add_suite("ipv4 routes", NULL, NULL);
	CU_add_test(s, "off-subnet via the gateway", test_route_via_gateway);
	CU_add_test(s, "no route", test_no_route);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
