/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stack lifecycle: configuration checks, interfaces and their routes, the
 * counter API, and that destroying a busy stack frees everything.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>

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

static void
add(void)
{
	CU_pSuite s = CU_add_suite("stack", NULL, NULL);

	CU_add_test(s, "bad configuration rejected", test_bad_conf_rejected);
	CU_add_test(s, "interface address checks", test_add_if_checks);
	CU_add_test(s, "routes: connected, gateway, longest prefix", test_routes);
	CU_add_test(s, "no default route", test_no_gateway_no_route);
	CU_add_test(s, "counter names, lookup, dump, json", test_counter_api);
	CU_add_test(s, "destroying a busy stack frees everything", test_destroy_busy_stack_frees_all);
	CU_add_test(s, "destroy with frames still in the device", test_destroy_with_frames_in_device);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
