/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit-test fixtures; see harness.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_icmp.h>
#include <rte_mempool.h>

#include "harness.h"

const struct rte_ether_addr H_OUR_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
const struct rte_ether_addr H_PEER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
const struct rte_ether_addr H_BCAST_MAC = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static int eal_done;

void
h_eal_init(const char *prog)
{
	char prefix[64];
	char *argv[] = {
		(char *)prog, "--no-huge", "-m", "256", "--no-pci", "-l", "0",
		"--log-level=*:warning", prefix, NULL,
	};

	if (eal_done)
		return;
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-unit-%d", (int)getpid());
	if (berth_init(9, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", prog);
		exit(1);
	}
	eal_done = 1;
}

int
h_run(const char *prog, void (*add)(void))
{
	unsigned int failed;

	h_eal_init(prog);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	add();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	berth_fini();
	return failed ? 1 : 0;
}

/* ---- the test device ---- */

static void
fifo_push(struct h_fifo *f, struct rte_mbuf *m)
{
	if (f->len == H_FIFO) {
		rte_pktmbuf_free(m);
		CU_FAIL("test FIFO overflow");
		return;
	}
	f->pkts[(f->head + f->len) % H_FIFO] = m;
	f->len++;
}

static struct rte_mbuf *
fifo_pop(struct h_fifo *f)
{
	struct rte_mbuf *m;

	if (f->len == 0)
		return NULL;
	m = f->pkts[f->head];
	f->head = (f->head + 1) % H_FIFO;
	f->len--;
	return m;
}

static uint16_t
tdev_rx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	struct harness *h = dev->priv;
	uint16_t i = 0;

	(void)now;
	while (i < n && h->rx.len > 0)
		pkts[i++] = fifo_pop(&h->rx);
	return i;
}

static uint16_t
tdev_tx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	struct harness *h = dev->priv;
	uint16_t i;

	(void)now;
	for (i = 0; i < n; i++)
		fifo_push(&h->tx, pkts[i]);
	return n;
}

static const struct berth_dev_ops tdev_ops = {
	.rx_burst = tdev_rx,
	.tx_burst = tdev_tx,
};

void
h_setup_conf(struct harness *h, const struct berth_stack_conf *conf)
{
	static unsigned int seq;
	struct berth_stack_conf c;
	struct berth_if_conf ic;
	char name[32];
	int ret;

	memset(h, 0, sizeof(*h));
	snprintf(name, sizeof(name), "hpool%u", seq++);
	h->pool = rte_pktmbuf_pool_create(name, 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	H_ASSERT(h->pool != NULL);
	h->in_use0 = rte_mempool_in_use_count(h->pool);

	h->dev = dev_alloc(&tdev_ops, "test0", SOCKET_ID_ANY);
	H_ASSERT(h->dev != NULL);
	h->dev->priv = h;
	h->dev->mac = H_OUR_MAC;
	h->dev->offloads = BERTH_DEV_OFF_TX_MULTI_SEG; /* the FIFO keeps chains as they are */

	if (conf != NULL)
		c = *conf;
	else
		memset(&c, 0, sizeof(c));
	c.lcore_id = rte_lcore_id();
	c.pool = h->pool;
	h->st = berth_stack_create(&c);
	H_ASSERT(h->st != NULL);

	h->now = 1000 * BERTH_NS_PER_SEC; /* arbitrary, not zero */
	memset(&ic, 0, sizeof(ic));
	ic.dev = h->dev;
	ic.addr = H_OUR_IP;
	ic.prefix_len = 24;
	ic.gateway = H_PEER_IP;
	ret = berth_stack_add_if(h->st, &ic, h->now);
	H_ASSERT(ret == 0);
	berth_stack_flush(h->st, h->now);
	h_tx_drain(h);
}

void
h_setup(struct harness *h)
{
	h_setup_conf(h, NULL);
}

void
h_learn_peer(struct harness *h)
{
	static const struct rte_ether_addr other = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}};

	H_ASSERT(berth_arp_add_static(h->st, H_PEER_IP, &H_PEER_MAC) == 0);
	H_ASSERT(berth_arp_add_static(h->st, H_OTHER_IP, &other) == 0);
}

void
h_teardown(struct harness *h)
{
	struct rte_mbuf *m;
	unsigned int in_use;

	/*
	 * Frames sent but not read may be fragments holding indirect mbufs
	 * from the stack's own pool: free them before the stack (and that
	 * pool) goes away.
	 */
	berth_stack_flush(h->st, h->now);
	h_tx_drain(h);
	berth_stack_destroy(h->st);
	while ((m = fifo_pop(&h->rx)) != NULL)
		rte_pktmbuf_free(m);
	h_tx_drain(h);
	berth_dev_free(h->dev);
	in_use = rte_mempool_in_use_count(h->pool);
	if (in_use != h->in_use0)
		fprintf(stderr, "\nleak: %u mbufs in use, %u at start\n", in_use, h->in_use0);
	CU_ASSERT_EQUAL(in_use, h->in_use0);
	rte_mempool_free(h->pool);
	h->st = NULL;
}

void
h_inject(struct harness *h, struct rte_mbuf *m)
{
	H_ASSERT(m != NULL);
	fifo_push(&h->rx, m);
}

unsigned int
h_poll_ns(struct harness *h, uint64_t ns)
{
	h->now += ns;
	return berth_stack_poll(h->st, h->now);
}

unsigned int
h_poll(struct harness *h, uint64_t ms)
{
	return h_poll_ns(h, ms * BERTH_NS_PER_MS);
}

struct rte_mbuf *
h_tx_pop(struct harness *h)
{
	return fifo_pop(&h->tx);
}

unsigned int
h_tx_count(const struct harness *h)
{
	return h->tx.len;
}

void
h_tx_drain(struct harness *h)
{
	struct rte_mbuf *m;

	while ((m = fifo_pop(&h->tx)) != NULL)
		rte_pktmbuf_free(m);
}

uint64_t
h_counter(struct harness *h, const char *name)
{
	uint64_t v = berth_stack_counter(h->st, name);

	if (v == UINT64_MAX) {
		fprintf(stderr, "no counter named %s\n", name);
		CU_FAIL_FATAL("unknown counter name");
	}
	return v;
}

/* ---- frame builders ---- */

struct rte_mbuf *
h_frame(struct harness *h, const void *bytes, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);
	char *p;

	H_ASSERT(m != NULL);
	p = rte_pktmbuf_append(m, len);
	H_ASSERT(p != NULL);
	memcpy(p, bytes, len);
	return m;
}

struct rte_mbuf *
h_build_eth(struct harness *h, const struct rte_ether_addr *dst,
	    const struct rte_ether_addr *src, uint16_t ether_type, const void *payload,
	    uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);
	struct rte_ether_hdr *eh;

	H_ASSERT(m != NULL);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + len);
	H_ASSERT(eh != NULL);
	eh->dst_addr = dst ? *dst : H_OUR_MAC;
	eh->src_addr = src ? *src : H_PEER_MAC;
	eh->ether_type = rte_cpu_to_be_16(ether_type);
	if (len > 0 && payload != NULL)
		memcpy(eh + 1, payload, len);
	return m;
}

struct rte_ipv4_hdr *
h_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

void *
h_l4(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = h_ip(m);

	return (char *)ip + rte_ipv4_hdr_len(ip);
}

void
h_ip_fix_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = h_ip(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_mbuf *
h_build_ipv4(struct harness *h, uint32_t src, uint32_t dst, uint8_t proto,
	     const void *payload, uint16_t len)
{
	struct rte_mbuf *m = h_build_eth(h, NULL, NULL, RTE_ETHER_TYPE_IPV4, NULL,
					 (uint16_t)(sizeof(struct rte_ipv4_hdr) + len));
	struct rte_ipv4_hdr *ip = h_ip(m);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len));
	ip->packet_id = rte_cpu_to_be_16(1);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	if (len > 0 && payload != NULL)
		memcpy(ip + 1, payload, len);
	h_ip_fix_cksum(m);
	return m;
}

struct rte_mbuf *
h_build_udp(struct harness *h, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	    const void *payload, uint16_t len)
{
	struct rte_mbuf *m = h_build_ipv4(h, src, dst, IPPROTO_UDP, NULL,
					  (uint16_t)(sizeof(struct rte_udp_hdr) + len));
	struct rte_ipv4_hdr *ip = h_ip(m);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
	uh->dgram_cksum = 0;
	if (len > 0 && payload != NULL)
		memcpy(uh + 1, payload, len);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	return m;
}

struct sockaddr_in
h_sin(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = addr;
	s.sin_port = rte_cpu_to_be_16(port);
	return s;
}

struct rte_mbuf *
h_build_icmp(struct harness *h, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
	     uint32_t rest, const void *data, uint16_t len)
{
	uint8_t msg[RTE_ETHER_MTU];
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)msg;

	H_ASSERT(sizeof(*ic) + len <= sizeof(msg) - sizeof(struct rte_ipv4_hdr));
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = type;
	ic->icmp_code = code;
	memcpy(&ic->icmp_ident, &rest, sizeof(rest));
	if (len > 0)
		memcpy(ic + 1, data, len);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(msg, sizeof(*ic) + len);
	return h_build_ipv4(h, src, dst, IPPROTO_ICMP, msg, (uint16_t)(sizeof(*ic) + len));
}

uint32_t
h_flatten(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const void *p;

	H_ASSERT(len <= cap);
	p = rte_pktmbuf_read(m, 0, len, buf);
	H_ASSERT(p != NULL);
	if (p != buf)
		memcpy(buf, p, len);
	return len;
}

unsigned int
h_pool_in_use(const struct harness *h)
{
	return rte_mempool_in_use_count(h->pool);
}
