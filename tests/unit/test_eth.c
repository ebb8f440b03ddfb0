/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet input filter and demultiplexing, and transmit back-pressure on
 * the device buffer.
 */
#include <string.h>

#include "harness.h"

static const uint8_t icmp_echo[8] = {8, 0, 0xf7, 0xfe, 0, 1, 0, 0}; /* type 8, id 1, seq 0 */

/* Sum of every drop counter whose name starts with "drop_eth". */
static uint64_t
eth_drops(struct harness *h)
{
	return h_counter(h, "drop_eth_short") + h_counter(h, "drop_eth_not_us") +
	       h_counter(h, "drop_eth_src_mcast") + h_counter(h, "drop_eth_type");
}

static void
test_unicast_to_us_accepted(void)
{
	struct harness h;

	h_setup(&h);
	h_inject(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, icmp_echo, 8));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(eth_drops(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "rx_pkts"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_rx"), 1);
	h_teardown(&h);
}

static void
test_other_mac_dropped(void)
{
	static const struct rte_ether_addr other = {{0x02, 0, 0, 0, 0, 0x99}};
	struct harness h;
	struct rte_mbuf *m;

	h_setup(&h);
	m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, icmp_echo, 8);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = other;
	h_inject(&h, m);
	/* A multicast group we did not join. */
	m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, icmp_echo, 8);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr =
		(struct rte_ether_addr){{0x01, 0x00, 0x5e, 0, 0, 1}};
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_eth_not_us"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_rx"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

static void
test_broadcast_accepted(void)
{
	struct harness h;
	uint8_t arp[28] = {0};

	h_setup(&h);
	h_inject(&h, h_build_eth(&h, &H_BCAST_MAC, NULL, RTE_ETHER_TYPE_ARP, arp, sizeof(arp)));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(eth_drops(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "arp_rx"), 1);
	h_teardown(&h);
}

static void
test_multicast_source_dropped(void)
{
	static const struct rte_ether_addr msrc = {{0x03, 0, 0, 0, 0, 1}};
	struct harness h;

	h_setup(&h);
	h_inject(&h, h_build_eth(&h, NULL, &msrc, RTE_ETHER_TYPE_IPV4, icmp_echo, 8));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_eth_src_mcast"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_rx"), 0);
	h_teardown(&h);
}

static void
test_short_and_unknown_type(void)
{
	struct harness h;
	uint8_t b[13] = {0};
	uint8_t payload[46] = {0};

	h_setup(&h);
	h_inject(&h, h_frame(&h, b, sizeof(b)));                          /* 13 bytes */
	h_inject(&h, h_build_eth(&h, NULL, NULL, 0x86dd, payload, 46));  /* IPv6 */
	h_inject(&h, h_build_eth(&h, NULL, NULL, 0x8100, payload, 46));  /* 802.1Q */
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_eth_short"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_eth_type"), 2);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* ---- transmit back-pressure ---- */

static unsigned int refuse_after; /* frames the stuck device still takes */

static uint16_t
stuck_rx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	(void)dev; (void)now; (void)pkts; (void)n;
	return 0;
}

static uint16_t
stuck_tx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i, take = n < refuse_after ? n : (uint16_t)refuse_after;

	(void)dev; (void)now;
	for (i = 0; i < take; i++)
		rte_pktmbuf_free(pkts[i]);
	refuse_after -= take;
	return take;
}

static const struct berth_dev_ops stuck_ops = {.rx_burst = stuck_rx, .tx_burst = stuck_tx};

static void
test_tx_backpressure_counted_not_leaked(void)
{
	struct harness h;
	struct berth_dev *dev;
	struct berth_if ifp;
	unsigned int i, in_use;

	h_setup(&h);
	dev = dev_alloc(&stuck_ops, "stuck", SOCKET_ID_ANY);
	H_ASSERT(dev != NULL);
	memset(&ifp, 0, sizeof(ifp));
	ifp.dev = dev;
	ifp.mac = H_OUR_MAC;
	refuse_after = 10;
	for (i = 0; i < BERTH_DEV_TXBUF + 50; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);

		H_ASSERT(m != NULL);
		H_ASSERT(rte_pktmbuf_append(m, 46) != NULL);
		eth_output(h.st, &ifp, m, &H_PEER_MAC, RTE_ETHER_TYPE_IPV4, h.now);
	}
	/* The forced flush at full moved 10; the other 40 over capacity were dropped. */
	CU_ASSERT_EQUAL(dev->tx_len, BERTH_DEV_TXBUF);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tx_full"), 40);
	CU_ASSERT_EQUAL(dev->stats.tx_full, 40);
	CU_ASSERT_EQUAL(dev->stats.tx_pkts, 10);
	/* A flush that sends nothing keeps the frames and counts a retry. */
	CU_ASSERT_EQUAL(dev_tx_flush(dev, h.now), BERTH_DEV_TXBUF);
	CU_ASSERT_TRUE(dev->stats.tx_retries >= 1);
	in_use = rte_mempool_in_use_count(h.pool);
	CU_ASSERT_EQUAL(in_use, BERTH_DEV_TXBUF);
	/* Device unstuck: everything goes, nothing is lost. */
	refuse_after = 1000;
	CU_ASSERT_EQUAL(dev_tx_flush(dev, h.now), 0);
	CU_ASSERT_EQUAL(dev->stats.tx_pkts, BERTH_DEV_TXBUF + 10);
	berth_dev_free(dev);
	h_teardown(&h);
}

static void
test_dev_free_releases_pending(void)
{
	struct harness h;
	struct berth_dev *dev;
	struct berth_if ifp;
	unsigned int i;

	h_setup(&h);
	dev = dev_alloc(&stuck_ops, "stuck", SOCKET_ID_ANY);
	H_ASSERT(dev != NULL);
	memset(&ifp, 0, sizeof(ifp));
	ifp.dev = dev;
	refuse_after = 0;
	for (i = 0; i < 5; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);

		H_ASSERT(m != NULL);
		eth_output(h.st, &ifp, m, &H_PEER_MAC, RTE_ETHER_TYPE_IPV4, h.now);
	}
	CU_ASSERT_EQUAL(dev->tx_len, 5);
	berth_dev_free(dev); /* teardown checks the 5 frames came back */
	h_teardown(&h);
}

static void
test_frame_fields_on_output(void)
{
	struct harness h;
	struct rte_mbuf *m;
	const struct rte_ether_hdr *eh;
	uint64_t tx0;

	h_setup(&h);
	tx0 = h_counter(&h, "tx_pkts"); /* the gratuitous ARP sent at start */
	m = rte_pktmbuf_alloc(h.pool);
	H_ASSERT(m != NULL);
	H_ASSERT(rte_pktmbuf_append(m, 20) != NULL);
	eth_output(h.st, &h.st->ifs[0], m, &H_PEER_MAC, RTE_ETHER_TYPE_IPV4, h.now);
	berth_stack_flush(h.st, h.now);
	m = h_tx_pop(&h);
	H_ASSERT(m != NULL);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), 34);
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->dst_addr, &H_PEER_MAC));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->src_addr, &H_OUR_MAC));
	CU_ASSERT_EQUAL(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	CU_ASSERT_EQUAL(h_counter(&h, "tx_pkts"), tx0 + 1);
	rte_pktmbuf_free(m);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("ethernet", NULL, NULL);

	CU_add_test(s, "unicast to our MAC accepted", test_unicast_to_us_accepted);
	CU_add_test(s, "other unicast and unjoined multicast dropped", test_other_mac_dropped);
	CU_add_test(s, "broadcast accepted", test_broadcast_accepted);
	CU_add_test(s, "multicast source dropped", test_multicast_source_dropped);
	CU_add_test(s, "short frame and unknown EtherType dropped", test_short_and_unknown_type);
	CU_add_test(s, "output frame fields", test_frame_fields_on_output);
	CU_add_test(s, "tx back-pressure counted, not leaked", test_tx_backpressure_counted_not_leaked);
	CU_add_test(s, "device free releases pending frames", test_dev_free_releases_pending);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
