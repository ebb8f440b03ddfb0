/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation fuzzer for the whole input path: eth -> arp | ipv4 -> reassembly
 * -> icmp | udp -> sockets.
 *
 * Starts from valid frames (UDP to a bound and to a closed port, ICMP echo,
 * ARP request and reply, first/middle/last fragments, IP options), mutates
 * them with a seeded PRNG (bit flips, byte stores of boundary values,
 * truncation, extension, header-field rewrites with checksums repaired so
 * deeper layers are reached) and feeds them to one stack on a virtual clock.
 *
 * Pass: no crash (run it under ASan/UBSan too), the stack answers a valid
 * echo request and a valid UDP datagram afterwards, and every mbuf is back
 * in the pool after teardown.
 *
 *   fuzz_input [--seed N] [--iterations N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>

#include "harness.h"

static uint64_t rng;

static uint64_t
next(void)
{
	/* splitmix64: tiny, seedable, good enough for mutations */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
below(uint32_t n)
{
	return (uint32_t)(next() % n);
}

#define MAXF 1600
struct seed_frame {
	uint16_t len;
	uint8_t b[MAXF];
};

static struct seed_frame seeds[16];
static unsigned int nb_seeds;

static void
add_seed(struct rte_mbuf *m)
{
	struct seed_frame *s = &seeds[nb_seeds++];

	s->len = (uint16_t)rte_pktmbuf_pkt_len(m);
	memcpy(s->b, rte_pktmbuf_mtod(m, void *), s->len);
	rte_pktmbuf_free(m);
}

static void
make_seeds(struct harness *h)
{
	uint8_t payload[1400];
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	struct rte_arp_hdr arp;

	memset(payload, 0x5a, sizeof(payload));
	add_seed(h_build_udp(h, H_PEER_IP, H_OUR_IP, 4000, 7, payload, 32));
	add_seed(h_build_udp(h, H_PEER_IP, H_OUR_IP, 4000, 9, payload, 8));
	add_seed(h_build_udp(h, H_PEER_IP, RTE_BE32(0xffffffff), 4000, 7, payload, 16));

	m = h_build_ipv4(h, H_PEER_IP, H_OUR_IP, IPPROTO_ICMP, payload, 64);
	ic = h_l4(m);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 64);
	add_seed(m);

	/* Fragments: first (MF, offset 0), middle, last of one datagram. */
	m = h_build_ipv4(h, H_PEER_IP, H_OUR_IP, IPPROTO_UDP, payload, 1400);
	ip = h_ip(m);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	h_ip_fix_cksum(m);
	add_seed(m);
	m = h_build_ipv4(h, H_PEER_IP, H_OUR_IP, IPPROTO_UDP, payload, 1400);
	ip = h_ip(m);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | 175);
	h_ip_fix_cksum(m);
	add_seed(m);
	m = h_build_ipv4(h, H_PEER_IP, H_OUR_IP, IPPROTO_UDP, payload, 100);
	ip = h_ip(m);
	ip->fragment_offset = rte_cpu_to_be_16(350);
	h_ip_fix_cksum(m);
	add_seed(m);

	/* IP options: IHL 6 with a NOP and an EOL. */
	m = h_build_ipv4(h, H_PEER_IP, H_OUR_IP, IPPROTO_UDP, payload, 40);
	ip = h_ip(m);
	ip->version_ihl = 0x46;
	h_ip_fix_cksum(m);
	add_seed(m);

	memset(&arp, 0, sizeof(arp));
	arp.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp.arp_hlen = 6;
	arp.arp_plen = 4;
	arp.arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp.arp_data.arp_sha = H_PEER_MAC;
	arp.arp_data.arp_sip = H_PEER_IP;
	arp.arp_data.arp_tip = H_OUR_IP;
	add_seed(h_build_eth(h, &H_BCAST_MAC, NULL, RTE_ETHER_TYPE_ARP, &arp, sizeof(arp)));
	arp.arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp.arp_data.arp_tha = H_OUR_MAC;
	add_seed(h_build_eth(h, NULL, NULL, RTE_ETHER_TYPE_ARP, &arp, sizeof(arp)));
}

static const uint8_t interesting[] = {0, 1, 4, 5, 6, 7, 8, 0x0f, 0x10, 0x20, 0x3f, 0x40,
				      0x45, 0x46, 0x4f, 0x7f, 0x80, 0xfe, 0xff};

/* Repair the IPv4 header checksum (and sometimes UDP) so the mutation reaches deeper. */
static void
repair(uint8_t *f, uint16_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	uint16_t ihl;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	if (ihl < 20 || 14u + ihl > len)
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_raw_cksum(ip, ihl) == 0xffff ? 0xffff :
			   (uint16_t)~rte_raw_cksum(ip, ihl);
}

static uint16_t
mutate(uint8_t *f, uint16_t len)
{
	unsigned int i, n = 1 + below(4);

	for (i = 0; i < n; i++) {
		switch (below(7)) {
		case 0: /* flip a bit */
			f[below(len)] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* store a boundary value */
			f[below(len)] = interesting[below(sizeof(interesting))];
			break;
		case 2: /* truncate */
			len = (uint16_t)below(len + 1u);
			if (len == 0)
				len = 1;
			break;
		case 3: /* extend with junk */
			while (len < MAXF && below(4) != 0)
				f[len++] = (uint8_t)next();
			break;
		case 4: /* rewrite a 16-bit field in the IP/L4 headers */
			if (len > 40) {
				uint16_t off = (uint16_t)(14 + below(26));
				uint16_t v = (uint16_t)(below(2) ? next() : interesting[below(sizeof(interesting))]);

				f[off] = (uint8_t)(v >> 8);
				f[off + 1] = (uint8_t)v;
			}
			break;
		case 5: /* random fragment offset/flags */
			if (len > 22) {
				f[20] = (uint8_t)next();
				f[21] = (uint8_t)next();
			}
			break;
		default: /* protocol byte */
			if (len > 23)
				f[23] = (uint8_t)(below(2) ? interesting[below(sizeof(interesting))] : next());
			break;
		}
	}
	if (below(4) != 0)
		repair(f, len);
	return len;
}

static uint64_t opt_seed = 1, opt_iter = 200000;

static void
test_fuzz(void)
{
	struct harness h;
	struct berth_stack_conf c;
	struct sockaddr_in a = h_sin(0, 7), src;
	uint8_t f[MAXF], buf[2048], payload[32];
	struct rte_mbuf *m;
	uint64_t i;
	int sd;
	ssize_t r;
	bool echoed = false;

	memset(&c, 0, sizeof(c));
	c.reasm_max_flows = 64;
	c.arp_entries = 64;
	h_setup_conf(&h, &c);
	h_learn_peer(&h);
	sd = berth_sock_open(h.st, BERTH_SOCK_DGRAM);
	H_ASSERT(sd >= 0);
	H_ASSERT(berth_sock_bind(h.st, sd, &a) == 0);
	make_seeds(&h);
	rng = opt_seed;

	for (i = 0; i < opt_iter; i++) {
		const struct seed_frame *s = &seeds[below(nb_seeds)];
		uint16_t len;

		memcpy(f, s->b, s->len);
		len = mutate(f, s->len);
		h_inject(&h, h_frame(&h, f, len));
		if (i % 32 == 31) {
			/* Let time pass so timers (ARP, reassembly) run too. */
			h_poll_ns(&h, below(2000) * BERTH_NS_PER_MS / 10);
			while (berth_sock_recv(h.st, sd, buf, sizeof(buf)) >= 0)
				;
			h_tx_drain(&h);
		}
	}
	h_poll(&h, 1);
	h_tx_drain(&h);
	while (berth_sock_recv(h.st, sd, buf, sizeof(buf)) >= 0)
		;
	/* Still answering: a valid datagram arrives intact. */
	memset(payload, 0x33, sizeof(payload));
	h_inject(&h, h_build_udp(&h, H_PEER_IP, H_OUR_IP, 1234, 7, payload, sizeof(payload)));
	h_poll(&h, 1);
	r = berth_sock_recvfrom(h.st, sd, buf, sizeof(buf), &src);
	CU_ASSERT_EQUAL(r, (ssize_t)sizeof(payload));
	CU_ASSERT_EQUAL(memcmp(buf, payload, sizeof(payload)), 0);
	/* And an echo request gets a reply. */
	h_inject(&h, h_frame(&h, seeds[3].b, seeds[3].len));
	h_poll(&h, 1);
	while ((m = h_tx_pop(&h)) != NULL) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		if (rte_pktmbuf_pkt_len(m) > 34 && p[23] == IPPROTO_ICMP && p[34] == 0)
			echoed = true;
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_TRUE(echoed);
	printf("\nfuzz: seed %" PRIu64 ", %" PRIu64 " frames\n", opt_seed, opt_iter);
	berth_stack_counters_dump(h.st, stdout);
	berth_sock_close(h.st, sd);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("fuzz input path", NULL, NULL);

	CU_add_test(s, "mutated frames: no crash, no leak, still answering", test_fuzz);
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seed") == 0)
			opt_seed = strtoull(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--iterations") == 0)
			opt_iter = strtoull(argv[i + 1], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--seed N] [--iterations N]\n", argv[0]);
			return 2;
		}
	}
	return h_run(argv[0], add);
}
