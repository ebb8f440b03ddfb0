/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (stack/arp.c, RFC 826): replies, validation drops, resolution with
 * queued packets, retries, refresh and expiry on the virtual clock, static
 * entries, eviction, the bounds that hold under floods, and secondary
 * addresses (berth_stack_add_addr): announced, answered, defended.
 *
 * Packets go in through the test device (h_inject -> eth_input ->
 * arp_input) and IPv4 packets are handed to arp_output directly, as
 * ipv4_output would.
 */
#include <string.h>

#include <rte_arp.h>

#include "harness.h"

/* scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/ARP(op=1,
 * hwsrc='02:00:00:00:00:01', psrc='198.18.0.1', hwdst='00:00:00:00:00:00',
 * pdst='198.18.0.2') */
static const uint8_t req_for_us[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02};
/* scapy: Ether(dst='02:00:00:00:00:01', src='02:00:00:00:00:02')/ARP(op=2,
 * hwsrc='02:00:00:00:00:02', psrc='198.18.0.2', hwdst='02:00:00:00:00:01',
 * pdst='198.18.0.1') */
static const uint8_t reply_to_peer[42] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xc6, 0x12, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01};
/* scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:02')/ARP(op=1,
 * hwsrc='02:00:00:00:00:02', psrc='198.18.0.2', hwdst='00:00:00:00:00:00',
 * pdst='198.18.0.2') */
static const uint8_t grat[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xc6, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02};
/* scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:02')/ARP(op=1,
 * hwsrc='02:00:00:00:00:02', psrc='198.18.0.2', hwdst='00:00:00:00:00:00',
 * pdst='198.18.0.1') */
static const uint8_t req_to_peer[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xc6, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01};

static const struct rte_ether_addr zero_mac;
static const struct rte_ether_addr mac_a = {{0x02, 0x00, 0x00, 0x00, 0x00, 0xaa}};
static const struct rte_ether_addr mac_b = {{0x02, 0x00, 0x00, 0x00, 0x00, 0xbb}};

#define SEC 1000 /* h_poll takes milliseconds */

/* ---- helpers ---- */

/* An ARP frame from the peer's Ethernet address (eth_input accepts it). */
static struct rte_mbuf *
arp_frame(struct harness *h, const struct rte_ether_addr *eth_dst, uint16_t op,
	  const struct rte_ether_addr *sha, uint32_t spa, const struct rte_ether_addr *tha,
	  uint32_t tpa)
{
	struct rte_arp_hdr ah;

	memset(&ah, 0, sizeof(ah));
	ah.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah.arp_hlen = 6;
	ah.arp_plen = 4;
	ah.arp_opcode = rte_cpu_to_be_16(op);
	ah.arp_data.arp_sha = *sha;
	ah.arp_data.arp_sip = spa;
	ah.arp_data.arp_tha = *tha;
	ah.arp_data.arp_tip = tpa;
	return h_build_eth(h, eth_dst, NULL, RTE_ETHER_TYPE_ARP, &ah, sizeof(ah));
}

static void
inject_arp(struct harness *h, const struct rte_ether_addr *eth_dst, uint16_t op,
	   const struct rte_ether_addr *sha, uint32_t spa, const struct rte_ether_addr *tha,
	   uint32_t tpa)
{
	h_inject(h, arp_frame(h, eth_dst, op, sha, spa, tha, tpa));
}

/* The peer answers our request (RFC 826 reply, unicast to us). */
static void
peer_replies(struct harness *h, const struct rte_ether_addr *mac, uint32_t ip)
{
	inject_arp(h, &H_OUR_MAC, RTE_ARP_OP_REPLY, mac, ip, &H_OUR_MAC, H_OUR_IP);
	h_poll(h, 0);
}

/* Poll until everything injected has been received. */
static void
poll_all(struct harness *h)
{
	while (h->rx.len > 0)
		h_poll(h, 0);
}

/* An mbuf whose data is an IPv4 header (to dst, IP id = id), as arp_output takes. */
static struct rte_mbuf *
ip_pkt(struct harness *h, uint32_t dst, uint16_t id)
{
	static const uint8_t payload[8];
	struct rte_mbuf *m = h_build_ipv4(h, H_OUR_IP, dst, IPPROTO_UDP, payload,
					  sizeof(payload));

	h_ip(m)->packet_id = rte_cpu_to_be_16(id);
	h_ip_fix_cksum(m);
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	return m;
}

static void
send_ip(struct harness *h, uint32_t dst, uint16_t id)
{
	arp_output(h->st, &h->st->ifs[0], dst, ip_pkt(h, dst, id), h->now);
	berth_stack_flush(h->st, h->now);
}

/* Check every field of an ARP frame the stack sent, then free it. */
static void
check_arp(struct rte_mbuf *m, const struct rte_ether_addr *eth_dst, uint16_t op,
	  uint32_t spa, const struct rte_ether_addr *tha, uint32_t tpa)
{
	const struct rte_ether_hdr *eh;
	const struct rte_arp_hdr *ah;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), sizeof(*eh) + sizeof(*ah));
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ah = (const struct rte_arp_hdr *)(eh + 1);
	CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, eth_dst));
	CU_ASSERT(rte_is_same_ether_addr(&eh->src_addr, &H_OUR_MAC));
	CU_ASSERT_EQUAL(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	CU_ASSERT_EQUAL(ah->arp_hardware, RTE_BE16(RTE_ARP_HRD_ETHER));
	CU_ASSERT_EQUAL(ah->arp_protocol, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	CU_ASSERT_EQUAL(ah->arp_hlen, 6);
	CU_ASSERT_EQUAL(ah->arp_plen, 4);
	CU_ASSERT_EQUAL(ah->arp_opcode, rte_cpu_to_be_16(op));
	CU_ASSERT(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &H_OUR_MAC));
	CU_ASSERT_EQUAL(ah->arp_data.arp_sip, spa);
	CU_ASSERT(rte_is_same_ether_addr(&ah->arp_data.arp_tha, tha));
	CU_ASSERT_EQUAL(ah->arp_data.arp_tip, tpa);
	rte_pktmbuf_free(m);
}

/* Next frame is a request from us for tpa, to eth_dst (broadcast or unicast). */
static void
expect_request(struct harness *h, const struct rte_ether_addr *eth_dst, uint32_t tpa)
{
	check_arp(h_tx_pop(h), eth_dst, RTE_ARP_OP_REQUEST, H_OUR_IP, &zero_mac, tpa);
}

/* Next frame is the IPv4 packet with IP id = id, sent to mac. */
static void
expect_ip(struct harness *h, const struct rte_ether_addr *mac, uint16_t id)
{
	struct rte_mbuf *m = h_tx_pop(h);
	const struct rte_ether_hdr *eh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, mac));
	CU_ASSERT(rte_is_same_ether_addr(&eh->src_addr, &H_OUR_MAC));
	CU_ASSERT_EQUAL(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(h_ip(m)->packet_id), id);
	rte_pktmbuf_free(m);
}

static void
expect_frame(struct harness *h, const uint8_t *bytes, uint32_t len)
{
	struct rte_mbuf *m = h_tx_pop(h);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), len);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(m), len);
	CU_ASSERT(memcmp(rte_pktmbuf_mtod(m, const void *), bytes, len) == 0);
	rte_pktmbuf_free(m);
}

static bool
state_is(struct harness *h, uint32_t addr, const char *want, const struct rte_ether_addr *mac)
{
	struct rte_ether_addr got;
	const char *s = arp_cache_state(h->st, addr, &got);

	if (s == NULL || want == NULL)
		return s == want;
	return strcmp(s, want) == 0 && (mac == NULL || rte_is_same_ether_addr(&got, mac));
}

/* Resolve H_PEER_IP through a request and the peer's reply: REACHABLE. */
static void
resolve_peer(struct harness *h, const struct rte_ether_addr *mac)
{
	send_ip(h, H_PEER_IP, 1);
	expect_request(h, &H_BCAST_MAC, H_PEER_IP);
	peer_replies(h, mac, H_PEER_IP);
	expect_ip(h, mac, 1);
	CU_ASSERT(state_is(h, H_PEER_IP, "REACHABLE", mac));
}

/* ---- replies ---- */

static void
test_reply_to_request(void)
{
	struct harness h;

	h_setup(&h);
	h_inject(&h, h_frame(&h, req_for_us, sizeof(req_for_us)));
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 1);
	expect_frame(&h, reply_to_peer, sizeof(reply_to_peer));
	/* RFC 826: the requester was added (STALE: learned, not yet used). */
	CU_ASSERT(state_is(&h, H_PEER_IP, "STALE", &H_PEER_MAC));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 1);

	/* Same request again, the reply checked field by field. */
	h_inject(&h, h_frame(&h, req_for_us, sizeof(req_for_us)));
	h_poll(&h, 0);
	check_arp(h_tx_pop(&h), &H_PEER_MAC, RTE_ARP_OP_REPLY, H_OUR_IP, &H_PEER_MAC, H_PEER_IP);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_rx"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_reply_tx"), 2);
	/* Merged this time: the peer proved its MAC. */
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &H_PEER_MAC));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 1);

	/* Sent at once, no request. */
	send_ip(&h, H_PEER_IP, 7);
	expect_ip(&h, &H_PEER_MAC, 7);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &H_PEER_MAC));
	h_teardown(&h);
}

static void
test_reply_trims_padding(void)
{
	struct harness h;
	uint8_t padded[60];

	h_setup(&h);
	/* The request as it arrives from a NIC: padded to 60 bytes. */
	memset(padded, 0xee, sizeof(padded));
	memcpy(padded, req_for_us, sizeof(req_for_us));
	h_inject(&h, h_frame(&h, padded, sizeof(padded)));
	h_poll(&h, 0);
	expect_frame(&h, reply_to_peer, sizeof(reply_to_peer));
	h_teardown(&h);
}

static void
test_reply_shared_mbuf(void)
{
	struct harness h;
	struct rte_mbuf *m;

	h_setup(&h);
	/* Someone else holds the request (e.g. a capture): it must not change. */
	m = h_frame(&h, req_for_us, sizeof(req_for_us));
	rte_mbuf_refcnt_update(m, 1);
	h_inject(&h, m);
	h_poll(&h, 0);
	expect_frame(&h, reply_to_peer, sizeof(reply_to_peer));
	CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(m), 1);
	CU_ASSERT(memcmp(rte_pktmbuf_mtod(m, const void *), req_for_us + 14, 28) == 0);
	rte_pktmbuf_free(m);
	h_teardown(&h);
}

static void
test_request_other_host(void)
{
	struct harness h;

	h_setup(&h);
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &H_PEER_MAC, H_PEER_IP, &zero_mac,
		   H_OTHER_IP);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_not_us"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_reply_tx"), 0);
	/* Not the target: nothing learned. */
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	h_teardown(&h);
}

static void
test_request_other_host_merges(void)
{
	struct harness h;

	h_setup(&h);
	send_ip(&h, H_PEER_IP, 1);
	expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
	/* The peer asks for someone else: RFC 826 merge still resolves us. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_PEER_IP, &zero_mac,
		   H_OTHER_IP);
	h_poll(&h, 0);
	expect_ip(&h, &mac_a, 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_not_us"), 1);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &mac_a));
	h_teardown(&h);
}

static void
test_probe_answered_not_learned(void)
{
	struct harness h;

	h_setup(&h);
	/* RFC 5227 §2.1.1 probe for our address: sender IP 0.0.0.0. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, 0, &zero_mac, H_OUR_IP);
	h_poll(&h, 0);
	check_arp(h_tx_pop(&h), &mac_a, RTE_ARP_OP_REPLY, H_OUR_IP, &mac_a, 0);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_src"), 0);
	h_teardown(&h);
}

/* ---- validation ---- */

struct bad_arp {
	const char *what;
	const char *counter;
	uint16_t off;          /* byte offset in the ARP header */
	uint8_t len;           /* bytes to write */
	uint8_t val[6];
};

static void
test_malformed(void)
{
	static const struct bad_arp cases[] = {
		{"htype 6", "drop_arp_format", 0, 2, {0x00, 0x06}},
		{"ptype IPv6", "drop_arp_format", 2, 2, {0x86, 0xdd}},
		{"hlen 8", "drop_arp_format", 4, 1, {8}},
		{"plen 16", "drop_arp_format", 5, 1, {16}},
		{"op 3 (RARP)", "drop_arp_op", 6, 2, {0x00, 0x03}},
		{"op 0", "drop_arp_op", 6, 2, {0x00, 0x00}},
		{"sha multicast", "drop_arp_src", 8, 6, {0x01, 0x00, 0x5e, 0, 0, 1}},
		{"sha broadcast", "drop_arp_src", 8, 6, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"sha zero", "drop_arp_src", 8, 6, {0, 0, 0, 0, 0, 0}},
		{"spa 255.255.255.255", "drop_arp_src", 14, 4, {255, 255, 255, 255}},
		{"spa 224.0.0.1", "drop_arp_src", 14, 4, {224, 0, 0, 1}},
		{"spa subnet broadcast", "drop_arp_src", 14, 4, {198, 18, 0, 255}},
		{"spa 127.0.0.1", "drop_arp_src", 14, 4, {127, 0, 0, 1}},
		{"spa 0.1.2.3", "drop_arp_src", 14, 4, {0, 1, 2, 3}},
	};
	struct harness h;
	unsigned int i;

	h_setup(&h);
	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct bad_arp *c = &cases[i];
		uint64_t before = h_counter(&h, c->counter);
		struct rte_mbuf *m = h_frame(&h, req_for_us, sizeof(req_for_us));

		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + c->off), c->val, c->len);
		h_inject(&h, m);
		h_poll(&h, 0);
		if (h_counter(&h, c->counter) != before + 1)
			fprintf(stderr, "\ncase %s not counted in %s\n", c->what, c->counter);
		CU_ASSERT_EQUAL(h_counter(&h, c->counter), before + 1);
		CU_ASSERT_EQUAL(h_tx_count(&h), 0);
		CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	}
	/* 27 bytes: one short of an ARP packet. */
	h_inject(&h, h_frame(&h, req_for_us, 14 + 27));
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_short"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_reply_tx"), 0);
	/* The unmodified vector is answered: the cases above failed on their own. */
	h_inject(&h, h_frame(&h, req_for_us, sizeof(req_for_us)));
	h_poll(&h, 0);
	expect_frame(&h, reply_to_peer, sizeof(reply_to_peer));
	CU_ASSERT_EQUAL(h_counter(&h, "arp_rx"), RTE_DIM(cases) + 2);
	h_teardown(&h);
}

static void
test_conflict_defended(void)
{
	struct harness h;

	h_setup(&h);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_gratuitous_tx"), 1);
	/* Another host announces our address (RFC 5227 §2.4). */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_OUR_IP, &zero_mac, H_OUR_IP);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_conflict"), 1);
	expect_frame(&h, grat, sizeof(grat));
	CU_ASSERT_EQUAL(h_counter(&h, "arp_gratuitous_tx"), 2);
	/* Within DEFEND_INTERVAL: counted, not defended again. */
	h_poll(&h, 9 * SEC);
	inject_arp(&h, &H_OUR_MAC, RTE_ARP_OP_REPLY, &mac_a, H_OUR_IP, &H_OUR_MAC, H_OUR_IP);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_conflict"), 2);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_poll(&h, 1 * SEC);
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_OUR_IP, &zero_mac, H_OUR_IP);
	h_poll(&h, 0);
	expect_frame(&h, grat, sizeof(grat));
	/* Our own announcement looped back is not a conflict. */
	h_inject(&h, h_frame(&h, grat, sizeof(grat)));
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_conflict"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_src"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_OUR_IP, NULL));
	h_teardown(&h);
}

/* ---- secondary addresses ---- */

#define SEC_A IPV4(198, 18, 0, 10)
#define SEC_B IPV4(198, 18, 0, 11)
#define SEC_C IPV4(198, 19, 4, 4) /* outside the subnet: still ours */

static void
test_secondary_announced_and_answered(void)
{
	const uint32_t sec[] = { SEC_A, SEC_B, SEC_C };
	struct harness h;
	unsigned int i;

	h_setup(&h);
	/* RFC 5227 §3: each new address is announced on its own. */
	for (i = 0; i < RTE_DIM(sec); i++) {
		CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, sec[i], h.now), 0);
		berth_stack_flush(h.st, h.now);
		check_arp(h_tx_pop(&h), &H_BCAST_MAC, RTE_ARP_OP_REQUEST, sec[i], &zero_mac,
			  sec[i]);
	}
	CU_ASSERT_EQUAL(h_counter(&h, "arp_gratuitous_tx"), 1 + RTE_DIM(sec));
	/* RFC 826: a request for any of them is answered, that address the sender. */
	for (i = 0; i < RTE_DIM(sec); i++) {
		inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_PEER_IP, &zero_mac,
			   sec[i]);
		h_poll(&h, 0);
		check_arp(h_tx_pop(&h), &mac_a, RTE_ARP_OP_REPLY, sec[i], &mac_a, H_PEER_IP);
	}
	/* The interface's own address still answers as itself. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_PEER_IP, &zero_mac, H_OUR_IP);
	h_poll(&h, 0);
	check_arp(h_tx_pop(&h), &mac_a, RTE_ARP_OP_REPLY, H_OUR_IP, &mac_a, H_PEER_IP);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_reply_tx"), RTE_DIM(sec) + 1);
	/* A neighbouring address that was never added is not ours. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_PEER_IP, &zero_mac,
		   IPV4(198, 18, 0, 12));
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_not_us"), 1);
	/* Our own requests carry the interface's address (expect_request checks it). */
	send_ip(&h, H_OTHER_IP, 1);
	expect_request(&h, &H_BCAST_MAC, H_OTHER_IP);
	h_tx_drain(&h);
	h_teardown(&h);
}

static void
test_secondary_conflict_defended(void)
{
	struct harness h;

	h_setup(&h);
	CU_ASSERT_EQUAL(berth_stack_add_addr(h.st, 0, SEC_A, h.now), 0);
	berth_stack_flush(h.st, h.now);
	h_tx_drain(&h);
	/* Another host announces our secondary address (RFC 5227 §2.4 (c)). */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_b, SEC_A, &zero_mac, SEC_A);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_conflict"), 1);
	check_arp(h_tx_pop(&h), &H_BCAST_MAC, RTE_ARP_OP_REQUEST, SEC_A, &zero_mac, SEC_A);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, SEC_A, NULL));
	/* Within DEFEND_INTERVAL: counted, not announced again. */
	h_poll(&h, 5 * SEC);
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_b, SEC_A, &zero_mac, SEC_A);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_conflict"), 2);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* Our own announcement of it looped back is no conflict. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &H_OUR_MAC, SEC_A, &zero_mac, SEC_A);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_src"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* ---- resolution ---- */

static void
test_resolve_releases_queue(void)
{
	struct harness h;

	h_setup(&h);
	send_ip(&h, H_PEER_IP, 1);
	send_ip(&h, H_PEER_IP, 2);
	send_ip(&h, H_PEER_IP, 3);
	/* One request (RFC 1122 §2.3.2.1), byte for byte. */
	CU_ASSERT_EQUAL(h_tx_count(&h), 1);
	expect_frame(&h, req_to_peer, sizeof(req_to_peer));
	CU_ASSERT_EQUAL(h_counter(&h, "arp_queued"), 3);
	CU_ASSERT(state_is(&h, H_PEER_IP, "INCOMPLETE", NULL));

	peer_replies(&h, &mac_a, H_PEER_IP);
	CU_ASSERT_EQUAL(h_tx_count(&h), 3);
	expect_ip(&h, &mac_a, 1);
	expect_ip(&h, &mac_a, 2);
	expect_ip(&h, &mac_a, 3);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_resolved"), 1);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &mac_a));
	/* Then straight out. */
	send_ip(&h, H_PEER_IP, 4);
	expect_ip(&h, &mac_a, 4);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 1);
	h_teardown(&h);
}

static void
test_queue_bound(void)
{
	struct harness h;
	uint16_t i, q;

	h_setup(&h);
	/* One more than the queue holds: the newest pushes out the oldest. */
	q = (uint16_t)h.st->conf.arp_queue_len;
	H_ASSERT(q >= 2);
	for (i = 1; i <= q + 1; i++)
		send_ip(&h, H_PEER_IP, i);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_queue_full"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_queued"), q + 1u);
	h_tx_drain(&h);
	peer_replies(&h, &H_PEER_MAC, H_PEER_IP);
	CU_ASSERT_EQUAL(h_tx_count(&h), q);
	for (i = 2; i <= q + 1; i++)
		expect_ip(&h, &H_PEER_MAC, i);
	h_teardown(&h);
}

static void
test_retries_give_up(void)
{
	struct harness h;

	h_setup(&h);
	send_ip(&h, H_OTHER_IP, 1);
	send_ip(&h, H_OTHER_IP, 2);
	expect_request(&h, &H_BCAST_MAC, H_OTHER_IP);
	h_poll(&h, 999);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_poll(&h, 1);
	expect_request(&h, &H_BCAST_MAC, H_OTHER_IP);
	h_poll(&h, 999);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_poll(&h, 1);
	expect_request(&h, &H_BCAST_MAC, H_OTHER_IP);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_unresolved"), 0);
	CU_ASSERT(state_is(&h, H_OTHER_IP, "INCOMPLETE", NULL));
	/* Three requests unanswered: the queue is dropped, the entry freed. */
	h_poll(&h, 1 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_unresolved"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 3);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_OTHER_IP, NULL));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	h_poll(&h, 10 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* A new packet starts over. */
	send_ip(&h, H_OTHER_IP, 3);
	expect_request(&h, &H_BCAST_MAC, H_OTHER_IP);
	h_teardown(&h);
}

static void
test_alloc_failure(void)
{
	static struct rte_mbuf *hoard[4096];
	struct harness h;
	struct rte_mbuf *m;
	unsigned int n = 0, i;

	h_setup(&h);
	m = ip_pkt(&h, H_PEER_IP, 1);
	while (n < RTE_DIM(hoard) && (hoard[n] = rte_pktmbuf_alloc(h.pool)) != NULL)
		n++;
	CU_ASSERT_PTR_NULL_FATAL(rte_pktmbuf_alloc(h.pool));
	/* No mbuf for the request: counted, the entry waits for its retry. */
	arp_output(h.st, &h.st->ifs[0], H_PEER_IP, m, h.now);
	h_poll(&h, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_no_mbuf"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "INCOMPLETE", NULL));
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(hoard[i]);
	h_poll(&h, 1 * SEC);
	expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
	peer_replies(&h, &H_PEER_MAC, H_PEER_IP);
	expect_ip(&h, &H_PEER_MAC, 1);
	h_teardown(&h);
}

/* ---- lifetime ---- */

static void
setup_short_life(struct harness *h)
{
	struct berth_stack_conf c;

	memset(&c, 0, sizeof(c));
	c.arp_reachable_ns = 10 * BERTH_NS_PER_SEC;
	h_setup_conf(h, &c);
}

static void
test_stale_refresh(void)
{
	struct harness h;
	int i;

	setup_short_life(&h);
	resolve_peer(&h, &H_PEER_MAC);
	h_poll(&h, 10 * SEC - 1);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &H_PEER_MAC));
	h_poll(&h, 1);
	CU_ASSERT(state_is(&h, H_PEER_IP, "STALE", &H_PEER_MAC));
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);

	/* Used while STALE: a unicast poll, and the packet to the cached MAC. */
	send_ip(&h, H_PEER_IP, 2);
	expect_request(&h, &H_PEER_MAC, H_PEER_IP);
	expect_ip(&h, &H_PEER_MAC, 2);
	CU_ASSERT(state_is(&h, H_PEER_IP, "PROBE", &H_PEER_MAC));
	peer_replies(&h, &H_PEER_MAC, H_PEER_IP);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &H_PEER_MAC));
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_poll(&h, 5 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);

	/* Stale again, used, and the peer is gone this time. */
	h_poll(&h, 5 * SEC);
	send_ip(&h, H_PEER_IP, 3);
	expect_request(&h, &H_PEER_MAC, H_PEER_IP);
	expect_ip(&h, &H_PEER_MAC, 3);
	for (i = 0; i < 2; i++) {
		h_poll(&h, 1 * SEC);
		expect_request(&h, &H_PEER_MAC, H_PEER_IP);
		/* Still usable meanwhile. */
		send_ip(&h, H_PEER_IP, 4);
		expect_ip(&h, &H_PEER_MAC, 4);
	}
	/* Three unicast polls unanswered: broadcast, three times. */
	for (i = 0; i < 3; i++) {
		h_poll(&h, 1 * SEC);
		expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
		CU_ASSERT(state_is(&h, H_PEER_IP, "PROBE", NULL));
	}
	CU_ASSERT_EQUAL(h_counter(&h, "arp_expired"), 0);
	h_poll(&h, 1 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_expired"), 1);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_PEER_IP, NULL));
	/* Next use resolves from scratch. */
	send_ip(&h, H_PEER_IP, 5);
	expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
	h_teardown(&h);
}

static void
test_refresh_learns_new_mac(void)
{
	struct harness h;

	setup_short_life(&h);
	resolve_peer(&h, &H_PEER_MAC);
	h_poll(&h, 10 * SEC);
	send_ip(&h, H_PEER_IP, 2);
	h_tx_drain(&h);
	/* No answer to the unicast polls; the broadcast finds it elsewhere. */
	h_poll(&h, 1 * SEC);
	h_poll(&h, 1 * SEC);
	h_poll(&h, 1 * SEC);
	expect_request(&h, &H_PEER_MAC, H_PEER_IP);
	expect_request(&h, &H_PEER_MAC, H_PEER_IP);
	expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
	peer_replies(&h, &mac_b, H_PEER_IP);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &mac_b));
	send_ip(&h, H_PEER_IP, 3);
	expect_ip(&h, &mac_b, 3);
	h_poll(&h, 5 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_expired"), 0);
	h_teardown(&h);
}

static void
test_unused_expires(void)
{
	struct harness h;

	setup_short_life(&h);
	resolve_peer(&h, &H_PEER_MAC);
	/* Learned from a request for us, never used. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_a, H_OTHER_IP, &zero_mac,
		   H_OUR_IP);
	h_poll(&h, 0);
	h_tx_drain(&h);
	CU_ASSERT(state_is(&h, H_OTHER_IP, "STALE", &mac_a));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 2);
	h_poll(&h, 10 * SEC);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_OTHER_IP, NULL));
	CU_ASSERT(state_is(&h, H_PEER_IP, "STALE", NULL));
	h_poll(&h, 10 * SEC);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_expired"), 2);
	/* Expiry of unused entries sends nothing. */
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_gratuitous_updates_cache(void)
{
	struct harness h;

	h_setup(&h);
	resolve_peer(&h, &H_PEER_MAC);
	/* RFC 5227 §3 announcement by the peer, now at mac_b. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_b, H_PEER_IP, &zero_mac,
		   H_PEER_IP);
	h_poll(&h, 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &mac_b));
	send_ip(&h, H_PEER_IP, 2);
	expect_ip(&h, &mac_b, 2);
	/* One for an address we do not cache: not learned, not a drop. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REPLY, &mac_a, H_OTHER_IP, &H_BCAST_MAC,
		   H_OTHER_IP);
	h_poll(&h, 0);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_OTHER_IP, NULL));
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_not_us"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_announce(void)
{
	struct harness h;

	h_setup(&h);
	/* berth_stack_add_if announced once; h_setup drained it. */
	CU_ASSERT_EQUAL(h_counter(&h, "arp_gratuitous_tx"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 0);
	arp_announce(h.st, &h.st->ifs[0], h.now);
	berth_stack_flush(h.st, h.now);
	expect_frame(&h, grat, sizeof(grat));
	CU_ASSERT_EQUAL(h_counter(&h, "arp_gratuitous_tx"), 2);
	h_teardown(&h);
}

static void
test_broadcast_multicast_nexthop(void)
{
	static const struct rte_ether_addr mdns = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}};
	static const struct rte_ether_addr high = {{0x01, 0x00, 0x5e, 0x7f, 0x01, 0x02}};
	struct harness h;

	h_setup(&h);
	send_ip(&h, IPV4(255, 255, 255, 255), 1);
	expect_ip(&h, &H_BCAST_MAC, 1);
	send_ip(&h, IPV4(198, 18, 0, 255), 2);
	expect_ip(&h, &H_BCAST_MAC, 2);
	/* RFC 1112 §6.4: the 24th bit of the group is not mapped. */
	send_ip(&h, IPV4(224, 0, 0, 251), 3);
	expect_ip(&h, &mdns, 3);
	send_ip(&h, IPV4(239, 255, 1, 2), 4);
	expect_ip(&h, &high, 4);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 0);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	h_teardown(&h);
}

/* ---- static entries and administration ---- */

static void
test_static_entry(void)
{
	struct harness h;
	int i;

	setup_short_life(&h);
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, H_PEER_IP, &mac_a), 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "STATIC", &mac_a));
	/* Traffic claiming another MAC is ignored: reply, request, gratuitous. */
	peer_replies(&h, &mac_b, H_PEER_IP);
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_b, H_PEER_IP, &zero_mac, H_OUR_IP);
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac_b, H_PEER_IP, &zero_mac,
		   H_PEER_IP);
	h_poll(&h, 0);
	/* The request for us is answered, to the MAC it came from. */
	check_arp(h_tx_pop(&h), &mac_b, RTE_ARP_OP_REPLY, H_OUR_IP, &mac_b, H_PEER_IP);
	CU_ASSERT(state_is(&h, H_PEER_IP, "STATIC", &mac_a));
	/* Never expires, never refreshed. */
	for (i = 0; i < 6; i++) {
		h_poll(&h, 10 * SEC);
		send_ip(&h, H_PEER_IP, (uint16_t)i);
		expect_ip(&h, &mac_a, (uint16_t)i);
	}
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_expired"), 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "STATIC", &mac_a));
	/* The administrator may change it. */
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, H_PEER_IP, &mac_b), 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "STATIC", &mac_b));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 1);

	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, H_OTHER_IP, &H_BCAST_MAC), -EINVAL);
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, H_OTHER_IP, &zero_mac), -EINVAL);
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, 0, &mac_a), -EINVAL);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 1);
	h_teardown(&h);
}

static void
test_static_resolves_incomplete(void)
{
	struct harness h;

	h_setup(&h);
	send_ip(&h, H_OTHER_IP, 1);
	send_ip(&h, H_OTHER_IP, 2);
	h_tx_drain(&h);
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, H_OTHER_IP, &mac_a), 0);
	berth_stack_flush(h.st, h.now);
	expect_ip(&h, &mac_a, 1);
	expect_ip(&h, &mac_a, 2);
	/* The retry timer is gone with the INCOMPLETE state. */
	h_poll(&h, 5 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_unresolved"), 0);
	/* Static now, though it started on this link: replies cannot change it. */
	inject_arp(&h, &H_OUR_MAC, RTE_ARP_OP_REPLY, &mac_b, H_OTHER_IP, &H_OUR_MAC, H_OUR_IP);
	h_poll(&h, 0);
	CU_ASSERT(state_is(&h, H_OTHER_IP, "STATIC", &mac_a));
	h_teardown(&h);
}

static void
test_delete(void)
{
	struct harness h;

	h_setup(&h);
	h_learn_peer(&h);
	CU_ASSERT_EQUAL(berth_arp_delete(h.st, H_PEER_IP), 0);
	CU_ASSERT_EQUAL(berth_arp_delete(h.st, H_PEER_IP), -ENOENT);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_PEER_IP, NULL));
	CU_ASSERT(state_is(&h, H_OTHER_IP, "STATIC", NULL));
	/* Gone: the next packet asks again. */
	send_ip(&h, H_PEER_IP, 1);
	send_ip(&h, H_PEER_IP, 2);
	expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
	/* Deleting an INCOMPLETE entry drops its queue, counted. */
	CU_ASSERT_EQUAL(berth_arp_delete(h.st, H_PEER_IP), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_unresolved"), 2);
	h_poll(&h, 5 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* A learned entry goes too. */
	resolve_peer(&h, &H_PEER_MAC);
	CU_ASSERT_EQUAL(berth_arp_delete(h.st, H_PEER_IP), 0);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 1);
	h_poll(&h, 100 * SEC);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* ---- bounds ---- */

static uint32_t
host(unsigned int i)
{
	return IPV4(198, 18, 1 + (i >> 8), i & 0xff);
}

static struct rte_ether_addr
host_mac(unsigned int i)
{
	struct rte_ether_addr mac = {{0x02, 0x00, 0x00, 0x01, (uint8_t)(i >> 8), (uint8_t)i}};

	return mac;
}

static void
setup_small(struct harness *h, uint32_t entries)
{
	struct berth_stack_conf c;

	memset(&c, 0, sizeof(c));
	c.arp_entries = entries;
	h_setup_conf(h, &c);
}

static void
test_flood_other_hosts(void)
{
	struct harness h;
	unsigned int i;

	setup_small(&h, 16);
	for (i = 1; i <= 1000; i++) {
		struct rte_ether_addr mac = host_mac(i);

		inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac, host(i), &zero_mac,
			   H_OTHER_IP);
	}
	poll_all(&h);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_rx"), 1000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_not_us"), 1000);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_flood_for_us(void)
{
	struct harness h;
	unsigned int i;

	setup_small(&h, 16);
	resolve_peer(&h, &H_PEER_MAC);
	for (i = 1; i <= 100; i++) {
		struct rte_ether_addr mac = host_mac(i);

		inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac, host(i), &zero_mac,
			   H_OUR_IP);
	}
	poll_all(&h);
	/* Every request answered, the table capped, our entry kept. */
	CU_ASSERT_EQUAL(h_counter(&h, "arp_reply_tx"), 100);
	CU_ASSERT_EQUAL(h_tx_count(&h), 100);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 16);
	CU_ASSERT(state_is(&h, H_PEER_IP, "REACHABLE", &H_PEER_MAC));
	CU_ASSERT(state_is(&h, host(15), "STALE", NULL));
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, host(16), NULL));
	h_tx_drain(&h);
	/* Flood entries are STALE: resolving a new address evicts the oldest. */
	send_ip(&h, H_OTHER_IP, 1);
	expect_request(&h, &H_BCAST_MAC, H_OTHER_IP);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_evicted"), 1);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, host(1), NULL));
	CU_ASSERT(state_is(&h, host(2), "STALE", NULL));
	CU_ASSERT(state_is(&h, H_OTHER_IP, "INCOMPLETE", NULL));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 16);
	h_teardown(&h);
}

static void
test_unresolved_flood(void)
{
	struct harness h;
	unsigned int i;

	/* 16 entries: at most 4 INCOMPLETE. */
	setup_small(&h, 16);
	for (i = 1; i <= 100; i++)
		send_ip(&h, host(i), (uint16_t)i);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 4);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_incomplete_full"), 96);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 4);
	h_tx_drain(&h);
	/* The rest of the table is still there for real peers. */
	inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &H_PEER_MAC, H_PEER_IP, &zero_mac,
		   H_OUR_IP);
	h_poll(&h, 0);
	CU_ASSERT(state_is(&h, H_PEER_IP, "STALE", &H_PEER_MAC));
	h_tx_drain(&h);
	/* They give up together, after 3 requests each; the queues are freed. */
	h_poll(&h, 1 * SEC);
	h_poll(&h, 1 * SEC);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_unresolved"), 0);
	h_poll(&h, 1 * SEC);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_unresolved"), 4);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_req_tx"), 12);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 8);
	h_tx_drain(&h);
	/* And the slots come back. */
	send_ip(&h, host(200), 1);
	expect_request(&h, &H_BCAST_MAC, host(200));
	h_teardown(&h);
}

static void
test_table_full(void)
{
	struct harness h;
	unsigned int i;

	setup_small(&h, 8);
	for (i = 1; i <= 8; i++) {
		struct rte_ether_addr mac = host_mac(i);

		CU_ASSERT_EQUAL(berth_arp_add_static(h.st, host(i), &mac), 0);
	}
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, host(9), &mac_a), -ENOSPC);
	/* Nothing evictable: the packet is dropped, counted. */
	send_ip(&h, H_PEER_IP, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_arp_table_full"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* A request for us is still answered, just not learned. */
	h_inject(&h, h_frame(&h, req_for_us, sizeof(req_for_us)));
	h_poll(&h, 0);
	expect_frame(&h, reply_to_peer, sizeof(reply_to_peer));
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, H_PEER_IP, NULL));
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 8);
	/* Room again after a delete. */
	CU_ASSERT_EQUAL(berth_arp_delete(h.st, host(3)), 0);
	send_ip(&h, H_PEER_IP, 2);
	expect_request(&h, &H_BCAST_MAC, H_PEER_IP);
	h_teardown(&h);
}

static void
test_static_evicts_stale(void)
{
	struct harness h;
	unsigned int i;

	setup_small(&h, 8);
	for (i = 1; i <= 8; i++) {
		struct rte_ether_addr mac = host_mac(i);

		inject_arp(&h, &H_BCAST_MAC, RTE_ARP_OP_REQUEST, &mac, host(i), &zero_mac,
			   H_OUR_IP);
	}
	poll_all(&h);
	h_tx_drain(&h);
	CU_ASSERT_EQUAL(arp_cache_size(h.st), 8);
	CU_ASSERT_EQUAL(berth_arp_add_static(h.st, H_PEER_IP, &mac_a), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_evicted"), 1);
	CU_ASSERT_PTR_NULL(arp_cache_state(h.st, host(1), NULL));
	CU_ASSERT(state_is(&h, H_PEER_IP, "STATIC", &mac_a));
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("arp_input", NULL, NULL);
	CU_add_test(s, "request for us: reply", test_reply_to_request);
	CU_add_test(s, "padded request: 42-byte reply", test_reply_trims_padding);
	CU_add_test(s, "shared request mbuf left intact", test_reply_shared_mbuf);
	CU_add_test(s, "request for another host", test_request_other_host);
	CU_add_test(s, "request for another host merges", test_request_other_host_merges);
	CU_add_test(s, "RFC 5227 probe answered, not learned", test_probe_answered_not_learned);
	CU_add_test(s, "malformed packets counted", test_malformed);
	CU_add_test(s, "address conflict defended", test_conflict_defended);
	CU_add_test(s, "gratuitous ARP updates cache", test_gratuitous_updates_cache);
	CU_add_test(s, "announcement", test_announce);
	CU_add_test(s, "secondary addresses announced and answered",
		    test_secondary_announced_and_answered);
	CU_add_test(s, "secondary address defended", test_secondary_conflict_defended);

	s = CU_add_suite("arp_output", NULL, NULL);
	CU_add_test(s, "reply releases the queue in order", test_resolve_releases_queue);
	CU_add_test(s, "queue bound drops the oldest", test_queue_bound);
	CU_add_test(s, "retries then give up", test_retries_give_up);
	CU_add_test(s, "mbuf allocation failure", test_alloc_failure);
	CU_add_test(s, "broadcast and multicast next hops", test_broadcast_multicast_nexthop);

	s = CU_add_suite("arp_lifetime", NULL, NULL);
	CU_add_test(s, "reachable, stale, refresh, expiry", test_stale_refresh);
	CU_add_test(s, "refresh finds a new MAC", test_refresh_learns_new_mac);
	CU_add_test(s, "unused entries expire", test_unused_expires);
	CU_add_test(s, "static entry", test_static_entry);
	CU_add_test(s, "static resolves INCOMPLETE", test_static_resolves_incomplete);
	CU_add_test(s, "berth_arp_delete", test_delete);

	s = CU_add_suite("arp_bounds", NULL, NULL);
	CU_add_test(s, "request flood for other hosts", test_flood_other_hosts);
	CU_add_test(s, "request flood for us", test_flood_for_us);
	CU_add_test(s, "unresolved destination flood", test_unresolved_flood);
	CU_add_test(s, "table full", test_table_full);
	CU_add_test(s, "static evicts a stale entry", test_static_evicts_stale);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
