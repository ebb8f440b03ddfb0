/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP: echo replies, bad messages, Destination Unreachable sent (quote,
 * never-send rules of RFC 1122 §3.2.2, rate limit) and received.
 */
#include <errno.h>
#include <netinet/ip_icmp.h>
#include <string.h>

#include <rte_icmp.h>

#include "harness.h"

static void
setup_conf(struct harness *h, const struct berth_stack_conf *conf)
{
	h_setup_conf(h, conf);
	h_learn_peer(h);
}

static void
setup(struct harness *h)
{
	setup_conf(h, NULL);
}

static struct rte_mbuf *
build_echo(struct harness *h, uint32_t dst, uint16_t id, uint16_t seq, const void *data,
	   uint16_t len)
{
	uint32_t rest = (uint32_t)rte_cpu_to_be_16(id) | (uint32_t)rte_cpu_to_be_16(seq) << 16;

	return h_build_icmp(h, H_PEER_IP, dst, ICMP_ECHO, 0, rest, data, len);
}

/* Flush and count what was sent, freeing it. */
static unsigned int
sent(struct harness *h)
{
	unsigned int n;

	berth_stack_flush(h->st, h->now);
	n = h_tx_count(h);
	h_tx_drain(h);
	return n;
}

/* ---- echo ---- */

static void
test_echo_reply(void)
{
	uint8_t data[1000], buf[2048];
	struct harness h;
	struct rte_mbuf *m, *f;
	const struct rte_ipv4_hdr *ip = (const void *)(buf + RTE_ETHER_HDR_LEN);
	const struct rte_icmp_hdr *ic = (const void *)(ip + 1);
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	setup(&h);
	m = build_echo(&h, H_OUR_IP, 0xbeef, 42, data, sizeof(data));
	h_ip(m)->type_of_service = 0x28;
	h_ip(m)->time_to_live = 3;
	h_ip_fix_cksum(m);
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(h_flatten(f, buf, sizeof(buf)), RTE_ETHER_HDR_LEN + 20 + 8 + sizeof(data));
	rte_pktmbuf_free(f);
	CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(ip->dst_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(ip->time_to_live, 64); /* ours, not the request's */
	CU_ASSERT_EQUAL(ip->type_of_service, 0x28);
	CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	CU_ASSERT_EQUAL(ic->icmp_type, ICMP_ECHOREPLY);
	CU_ASSERT_EQUAL(ic->icmp_code, 0);
	CU_ASSERT_EQUAL(ic->icmp_ident, RTE_BE16(0xbeef));
	CU_ASSERT_EQUAL(ic->icmp_seq_nb, RTE_BE16(42));
	CU_ASSERT_EQUAL(rte_raw_cksum(ic, 8 + sizeof(data)), 0xffff);
	CU_ASSERT_EQUAL(memcmp(ic + 1, data, sizeof(data)), 0);
	h_teardown(&h);
}

/* A request in a shared buffer is copied, never written in place. */
static void
test_echo_reply_from_clone(void)
{
	struct harness h;
	struct rte_mbuf *m, *c, *f;

	setup(&h);
	m = build_echo(&h, H_OUR_IP, 1, 2, "clone", 5);
	c = rte_pktmbuf_clone(m, h.pool);
	H_ASSERT(c != NULL);
	h_inject(&h, c);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(((const struct rte_icmp_hdr *)h_l4(f))->icmp_type, ICMP_ECHOREPLY);
	CU_ASSERT_EQUAL(rte_raw_cksum(h_l4(f), 8 + 5), 0xffff);
	rte_pktmbuf_free(f);
	/* The original is intact. */
	CU_ASSERT_EQUAL(((const struct rte_icmp_hdr *)h_l4(m))->icmp_type, ICMP_ECHO);
	CU_ASSERT_EQUAL(h_ip(m)->src_addr, H_PEER_IP);
	rte_pktmbuf_free(m);
	h_teardown(&h);
}

static void
test_echo_to_broadcast_dropped(void)
{
	struct harness h;

	setup(&h);
	h_inject(&h, build_echo(&h, IPV4(198, 18, 0, 255), 1, 1, "b", 1));
	h_inject(&h, build_echo(&h, IPV4(255, 255, 255, 255), 1, 2, "b", 1));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_rx"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_bcast"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_bad_cksum_and_short(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	m = build_echo(&h, H_OUR_IP, 1, 1, "abcd", 4);
	((struct rte_icmp_hdr *)h_l4(m))->icmp_cksum ^= RTE_BE16(1);
	h_inject(&h, m);
	/* 4 bytes of ICMP: not even a header. */
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, "\x08\x00\xf7\xff", 4));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_rx"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_cksum"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_short"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_rx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_unhandled_types_dropped(void)
{
	const uint8_t types[] = {
		ICMP_ECHOREPLY, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIMESTAMP,
		ICMP_ADDRESS, 200,
	};
	struct harness h;
	unsigned int i;

	setup(&h);
	for (i = 0; i < RTE_DIM(types); i++)
		h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, types[i], 0, 0, "12345678", 8));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_type"), RTE_DIM(types));
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* ---- Destination Unreachable sent ---- */

static void
test_unreach_quotes_header_and_8(void)
{
	uint8_t data[100], buf[256], sent_frame[256];
	struct harness h;
	struct rte_mbuf *m, *f;
	const struct rte_ipv4_hdr *ip = (const void *)(buf + RTE_ETHER_HDR_LEN);
	const struct rte_icmp_hdr *ic = (const void *)(ip + 1);
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(200 - i);
	setup(&h);
	m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, data, sizeof(data));
	h_ip(m)->type_of_service = 0x10;
	h_ip_fix_cksum(m);
	h_flatten(m, sent_frame, sizeof(sent_frame));
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_proto"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	/* RFC 792: exactly the 20-byte header and the first 8 data bytes. */
	CU_ASSERT_EQUAL(h_flatten(f, buf, sizeof(buf)), RTE_ETHER_HDR_LEN + 20 + 8 + 20 + 8);
	rte_pktmbuf_free(f);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), 56);
	CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(ip->dst_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(ip->type_of_service, 0);
	CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	CU_ASSERT_EQUAL(ic->icmp_type, ICMP_DEST_UNREACH);
	CU_ASSERT_EQUAL(ic->icmp_code, ICMP_PROT_UNREACH);
	CU_ASSERT_EQUAL(ic->icmp_ident, 0); /* "unused" */
	CU_ASSERT_EQUAL(ic->icmp_seq_nb, 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(ic, 8 + 28), 0xffff);
	CU_ASSERT_EQUAL(memcmp(ic + 1, sent_frame + RTE_ETHER_HDR_LEN, 28), 0);
	h_teardown(&h);
}

/* A header with options is quoted whole, then 8 bytes. */
static void
test_unreach_quotes_options(void)
{
	uint8_t pkt[24 + 16], buf[256];
	struct rte_ipv4_hdr *oh = (struct rte_ipv4_hdr *)pkt;
	struct harness h;
	struct rte_mbuf *f;
	const struct rte_icmp_hdr *ic = (const void *)(buf + RTE_ETHER_HDR_LEN + 20);

	memset(pkt, 0, sizeof(pkt));
	oh->version_ihl = 0x46;
	oh->total_length = RTE_BE16(sizeof(pkt));
	oh->time_to_live = 64;
	oh->next_proto_id = 253;
	oh->src_addr = H_PEER_IP;
	oh->dst_addr = H_OUR_IP;
	memset(pkt + 20, RTE_IPV4_HDR_OPT_NOP, 4);
	memcpy(pkt + 24, "0123456789abcdef", 16);
	oh->hdr_checksum = (uint16_t)~rte_raw_cksum(oh, 24);
	setup(&h);
	h_inject(&h, h_build_eth(&h, NULL, NULL, RTE_ETHER_TYPE_IPV4, pkt, sizeof(pkt)));
	h_poll(&h, 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(h_flatten(f, buf, sizeof(buf)), RTE_ETHER_HDR_LEN + 20 + 8 + 24 + 8);
	rte_pktmbuf_free(f);
	CU_ASSERT_EQUAL(memcmp(ic + 1, pkt, 32), 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(ic, 8 + 32), 0xffff);
	h_teardown(&h);
}

/*
 * Call icmp_send_unreach directly about a datagram src -> dst carrying
 * proto and data, with the fragment field and info flags given; returns
 * how many frames went out. For the cases ipv4_input already refuses.
 */
static unsigned int
direct_unreach(struct harness *h, uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag,
	       uint8_t flags, const void *data, uint16_t len)
{
	struct rte_mbuf *m = h_build_ipv4(h, src, dst, proto, data, len);
	struct berth_ip_info ip = {
		.ifp = &h->st->ifs[0],
		.src = src,
		.dst = dst,
		.hdr_len = 20,
		.payload_len = len,
		.proto = proto,
		.ttl = 64,
		.flags = flags,
	};
	unsigned int n;

	h_ip(m)->fragment_offset = rte_cpu_to_be_16(frag);
	h_ip_fix_cksum(m);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	m->l2_len = RTE_ETHER_HDR_LEN;
	icmp_send_unreach(h->st, m, &ip, ICMP_PORT_UNREACH, h->now);
	rte_pktmbuf_free(m); /* not consumed */
	n = sent(h);
	return n;
}

static const uint8_t eight[8] = "8 bytes";

/* RFC 1122 §3.2.2: not about an ICMP error; an ICMP query is fine. */
static void
test_never_about_icmp_error(void)
{
	const uint8_t errs[] = {
		ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED,
		ICMP_PARAMETERPROB,
	};
	uint8_t msg[8] = {0};
	struct harness h;
	unsigned int i;

	setup(&h);
	for (i = 0; i < RTE_DIM(errs); i++) {
		msg[0] = errs[i];
		CU_ASSERT_EQUAL(direct_unreach(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, 0, 0, msg,
					       8), 0);
	}
	msg[0] = ICMP_ECHO;
	CU_ASSERT_EQUAL(direct_unreach(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, 0, 0, msg, 8), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 1);
	h_teardown(&h);
}

/* RFC 1122 §3.2.2: not about a datagram to an IP broadcast or multicast. */
static void
test_never_to_broadcast_or_multicast(void)
{
	struct harness h;

	setup(&h);
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, IPV4(198, 18, 0, 255), 253, eight, 8));
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, IPV4(255, 255, 255, 255), 253, eight, 8));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_proto"), 2);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(direct_unreach(&h, H_PEER_IP, IPV4(224, 0, 0, 5), 253, 0, 0, eight, 8),
			0);
	CU_ASSERT_EQUAL(direct_unreach(&h, H_PEER_IP, H_OUR_IP, 253, 0, BERTH_IPI_BCAST,
				       eight, 8), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 0);
	h_teardown(&h);
}

/* RFC 1122 §3.2.2: not about a datagram sent as a link-layer broadcast. */
static void
test_never_for_link_broadcast(void)
{
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, eight, 8);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = H_BCAST_MAC;
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_proto"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* The same to our MAC is answered. */
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, eight, 8));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 1);
	h_tx_drain(&h);
	h_teardown(&h);
}

/* RFC 1122 §3.2.2: not about a fragment other than the first. */
static void
test_never_for_later_fragment(void)
{
	struct harness h;

	setup(&h);
	CU_ASSERT_EQUAL(direct_unreach(&h, H_PEER_IP, H_OUR_IP, 253, 185, 0, eight, 8), 0);
	CU_ASSERT_EQUAL(direct_unreach(&h, H_PEER_IP, H_OUR_IP, 253, RTE_IPV4_HDR_MF_FLAG, 0,
				       eight, 8), 1);
	h_teardown(&h);
}

/* RFC 1122 §3.2.2: not about a datagram whose source names no single host. */
static void
test_never_to_non_host_source(void)
{
	const uint32_t srcs[] = {
		IPV4(0, 0, 0, 0), IPV4(255, 255, 255, 255), IPV4(198, 18, 0, 255),
		IPV4(224, 0, 0, 1), IPV4(240, 0, 0, 1), IPV4(127, 0, 0, 1),
	};
	struct harness h;
	unsigned int i;

	setup(&h);
	for (i = 0; i < RTE_DIM(srcs); i++)
		CU_ASSERT_EQUAL(direct_unreach(&h, srcs[i], H_OUR_IP, 253, 0, 0, eight, 8), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 0);
	CU_ASSERT_EQUAL(direct_unreach(&h, H_OTHER_IP, H_OUR_IP, 253, 0, 0, eight, 8), 1);
	h_teardown(&h);
}

/* Burst, then suppression, then refill with time (rate 10/s, burst 5). */
static void
test_rate_limit(void)
{
	struct berth_stack_conf conf;
	struct harness h;
	unsigned int i;

	memset(&conf, 0, sizeof(conf));
	conf.icmp_rate = 10;
	conf.icmp_burst = 5;
	setup_conf(&h, &conf);
	for (i = 0; i < 8; i++)
		h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, eight, 8));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(sent(&h), 5);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 5);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_ratelimit"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_proto"), 8);

	/* Echo replies are not errors: never limited. */
	for (i = 0; i < 10; i++)
		h_inject(&h, build_echo(&h, H_OUR_IP, 9, (uint16_t)i, "e", 1));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(sent(&h), 10);

	/* 100 ms later, one more token. */
	for (i = 0; i < 2; i++)
		h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, eight, 8));
	h_poll(&h, 100);
	CU_ASSERT_EQUAL(sent(&h), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_ratelimit"), 4);

	/* Long after: a full burst again, no more. */
	for (i = 0; i < 7; i++)
		h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, eight, 8));
	h_poll(&h, 10000);
	CU_ASSERT_EQUAL(sent(&h), 5);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 11);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_ratelimit"), 6);
	h_teardown(&h);
}

/* ---- errors received ---- */

/* The quote of a UDP datagram we sent to the peer: IP header + UDP header. */
static uint16_t
udp_quote(uint8_t *q, uint16_t frag)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)q;
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

	memset(q, 0, 28);
	ip->version_ihl = 0x45;
	ip->total_length = RTE_BE16(28 + 100);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = H_OUR_IP;
	ip->dst_addr = H_PEER_IP;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh->src_port = RTE_BE16(49152);
	uh->dst_port = RTE_BE16(9);
	uh->dgram_len = RTE_BE16(108);
	return 28;
}

static void
test_port_unreachable_received(void)
{
	uint8_t q[64];
	struct harness h;

	setup(&h);
	udp_quote(q, 0);
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH,
				0, q, 28));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_rx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_quote"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_type"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0); /* never an error about an error */

	/* Time Exceeded and Parameter Problem reach the transport too. */
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_TIME_EXCEEDED, 0, 0, q, 28));
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_PARAMETERPROB, 0, 0, q, 28));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_error_rx"), 2);
	h_teardown(&h);
}

static void
test_bad_quotes_dropped(void)
{
	uint8_t q[64];
	struct harness h;

	setup(&h);
	udp_quote(q, 0);
	/* Header + 4 bytes: the ports are not all there. */
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH,
				0, q, 24));
	/* Not IPv4. */
	q[0] = 0x65;
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH,
				0, q, 28));
	/* A later fragment: no error is ever about one, so this one is forged. */
	udp_quote(q, 185);
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH,
				0, q, 28));
	/* An unreachable code RFC 792 / RFC 1812 do not define. */
	udp_quote(q, 0);
	h_inject(&h, h_build_icmp(&h, H_PEER_IP, H_OUR_IP, ICMP_DEST_UNREACH, 16, 0, q, 28));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_quote"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_icmp_type"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_rx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("icmp echo and input", NULL, NULL);

	CU_add_test(s, "echo reply fields and data", test_echo_reply);
	CU_add_test(s, "echo reply from a cloned request", test_echo_reply_from_clone);
	CU_add_test(s, "echo to broadcast dropped", test_echo_to_broadcast_dropped);
	CU_add_test(s, "bad checksum, short", test_bad_cksum_and_short);
	CU_add_test(s, "unhandled types dropped", test_unhandled_types_dropped);

	s = CU_add_suite("icmp errors sent", NULL, NULL);
	CU_add_test(s, "unreachable quotes header + 8", test_unreach_quotes_header_and_8);
	CU_add_test(s, "unreachable quotes options", test_unreach_quotes_options);
	CU_add_test(s, "never about an ICMP error", test_never_about_icmp_error);
	CU_add_test(s, "never to broadcast or multicast", test_never_to_broadcast_or_multicast);
	CU_add_test(s, "never for link-layer broadcast", test_never_for_link_broadcast);
	CU_add_test(s, "never for a later fragment", test_never_for_later_fragment);
	CU_add_test(s, "never to a non-host source", test_never_to_non_host_source);
	CU_add_test(s, "rate limit", test_rate_limit);

	s = CU_add_suite("icmp errors received", NULL, NULL);
	CU_add_test(s, "port unreachable and others", test_port_unreachable_received);
	CU_add_test(s, "bad quotes dropped", test_bad_quotes_dropped);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
