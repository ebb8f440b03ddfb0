/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit-test fixtures: one stack on a test device whose receive side the test
 * fills and whose transmit side the test reads, on a virtual clock.
 *
 *   struct harness h;
 *   h_setup(&h);                 stack 198.18.0.2/24, gw 198.18.0.1, MAC H_OUR_MAC
 *   h_inject(&h, frame);         queue a frame for the stack to receive
 *   h_poll(&h, ms);              advance the clock by ms and poll once
 *   m = h_tx_pop(&h);            next frame the stack sent (NULL if none)
 *   h_teardown(&h);              destroy all; asserts no mbuf is leaked
 *
 * Frames are built with the h_build_* helpers (correct checksums) and may be
 * edited afterwards to make them bad.
 */
#ifndef BERTH_TEST_HARNESS_H
#define BERTH_TEST_HARNESS_H

#include <stdint.h>

#include <CUnit/Basic.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <berth/berth.h>

#include "core.h"

#define H_FIFO 4096

/* Addresses used by every unit test (198.18.0.0/15, RFC 2544). */
#define H_OUR_IP   IPV4(198, 18, 0, 2)
#define H_PEER_IP  IPV4(198, 18, 0, 1) /* also the gateway */
#define H_OTHER_IP IPV4(198, 18, 0, 3) /* a second host on the subnet */
#define H_FAR_IP   IPV4(198, 19, 7, 7) /* off-subnet, via the gateway */
extern const struct rte_ether_addr H_OUR_MAC;
extern const struct rte_ether_addr H_PEER_MAC;
extern const struct rte_ether_addr H_BCAST_MAC;

struct h_fifo {
	unsigned int head, len;
	struct rte_mbuf *pkts[H_FIFO];
};

struct harness {
	struct berth_stack *st;
	struct berth_dev *dev;
	struct rte_mempool *pool;
	struct h_fifo rx, tx;
	uint64_t now;            /* virtual clock, ns */
	unsigned int in_use0;    /* pool in-use count at setup */
};

/* Initialise EAL once per test binary (no hugepages, no PCI). */
void h_eal_init(const char *prog);

/* Run the CUnit suites registered by add(), print results, return exit code. */
int h_run(const char *prog, void (*add)(void));

/*
 * Create the pool, the test device, a stack with conf (NULL: defaults) and
 * the interface 198.18.0.2/24 gateway 198.18.0.1. The gratuitous ARP sent at
 * start is removed from the TX FIFO. The ARP entry of the peer is NOT
 * installed: call h_learn_peer() for tests that need it resolved.
 */
void h_setup_conf(struct harness *h, const struct berth_stack_conf *conf);
void h_setup(struct harness *h);
/* Install static ARP entries for H_PEER_IP and H_OTHER_IP. */
void h_learn_peer(struct harness *h);
/* Destroy everything; assert the pool's in-use count is back to its start. */
void h_teardown(struct harness *h);

void h_inject(struct harness *h, struct rte_mbuf *m);
/* Advance the clock by ms milliseconds and run one poll. */
unsigned int h_poll(struct harness *h, uint64_t ms);
/* Advance the clock by ns nanoseconds and run one poll. */
unsigned int h_poll_ns(struct harness *h, uint64_t ns);
struct rte_mbuf *h_tx_pop(struct harness *h);
unsigned int h_tx_count(const struct harness *h);
/* Free every frame the stack sent. */
void h_tx_drain(struct harness *h);

uint64_t h_counter(struct harness *h, const char *name);

/* A frame from raw bytes (e.g. a vector made with scapy). */
struct rte_mbuf *h_frame(struct harness *h, const void *bytes, uint16_t len);
/* Ethernet header + payload; dst NULL means H_OUR_MAC, src NULL H_PEER_MAC. */
struct rte_mbuf *h_build_eth(struct harness *h, const struct rte_ether_addr *dst,
			     const struct rte_ether_addr *src, uint16_t ether_type,
			     const void *payload, uint16_t len);
/* Ethernet + IPv4 (IHL 5, TTL 64, DF clear, id 1, valid checksum) + payload. */
struct rte_mbuf *h_build_ipv4(struct harness *h, uint32_t src, uint32_t dst, uint8_t proto,
			      const void *payload, uint16_t len);
/* Ethernet + IPv4 + UDP with a valid checksum. */
struct rte_mbuf *h_build_udp(struct harness *h, uint32_t src, uint32_t dst, uint16_t sport,
			     uint16_t dport, const void *payload, uint16_t len);
/*
 * Ethernet + IPv4 + an ICMP message: the 8-byte header (type, code, and
 * `rest`, the 4 bytes after the checksum, as they go on the wire) + data,
 * with a valid ICMP checksum.
 */
struct rte_mbuf *h_build_icmp(struct harness *h, uint32_t src, uint32_t dst, uint8_t type,
			      uint8_t code, uint32_t rest, const void *data, uint16_t len);
/* Copy a whole frame (maybe a chain) into buf (cap bytes); returns its length. */
uint32_t h_flatten(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap);
/* Mbufs of the harness pool in use now. */
unsigned int h_pool_in_use(const struct harness *h);
/* Pointers into a frame built above (data starts at the Ethernet header). */
struct rte_ipv4_hdr *h_ip(struct rte_mbuf *m);
void *h_l4(struct rte_mbuf *m);
/* Recompute the IPv4 header checksum after editing the header. */
void h_ip_fix_cksum(struct rte_mbuf *m);

/* Convenience sockaddr_in from network-order address and host-order port. */
struct sockaddr_in h_sin(uint32_t addr, uint16_t port);

/* Assert helpers that also work outside CUnit's test functions. */
#define H_ASSERT(x) CU_ASSERT_FATAL(x)

#endif /* BERTH_TEST_HARNESS_H */
