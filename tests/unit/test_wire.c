/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of drivers/: the in-memory wire (switching, each impairment, seeds,
 * queue bounds, teardown, offload emulation), an ethdev port on net_ring,
 * and pcapng capture (block structure, and tshark's reading of the file).
 *
 * These run without a stack: frames go in with dev_tx_enqueue/dev_tx_flush
 * and come out with dev_rx_burst, as the poll loop does it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <berth/port.h>
#include <berth/wire.h>

#include "harness.h"

static const struct rte_ether_addr MAC_A = {{0x02, 0x00, 0x00, 0x00, 0x0a, 0x01}};
static const struct rte_ether_addr MAC_B = {{0x02, 0x00, 0x00, 0x00, 0x0a, 0x02}};
static const struct rte_ether_addr MAC_C = {{0x02, 0x00, 0x00, 0x00, 0x0a, 0x03}};
static const struct rte_ether_addr MAC_NOBODY = {{0x02, 0x00, 0x00, 0x00, 0x0a, 0x99}};

#define T0 (1000 * BERTH_NS_PER_SEC) /* arbitrary start of the virtual clock */
#define ETHERTYPE_TEST 0x88b5        /* IEEE 802 local experimental */
#define MAXF 1024

/* scapy: Ether(dst='02:00:00:00:0a:02', src='02:00:00:00:0a:01')/IP(id=1, src='198.18.0.1',
 * dst='198.18.0.2')/UDP(sport=1234, dport=7)/Raw(load=b'hello wire') (52 bytes) */
static const uint8_t v_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x26, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0xee, 0x9e, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x04, 0xd2,
	0x00, 0x07, 0x00, 0x12, 0x41, 0x08, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20,
	0x77, 0x69, 0x72, 0x65,
};
/* scapy: Ether(dst='02:00:00:00:0a:02', src='02:00:00:00:0a:01')/IP(id=2, src='198.18.0.1',
 * dst='198.18.0.2')/TCP(sport=40000, dport=80, seq=1000, flags=2, window=65535) (54 bytes) */
static const uint8_t v_tcp[] = {
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x02, 0x00, 0x00, 0x40, 0x06,
	0xee, 0xa6, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40,
	0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02,
	0xff, 0xff, 0x83, 0x42, 0x00, 0x00,
};
#define V_IP_CKSUM_OFF 24
#define V_UDP_CKSUM_OFF 40
#define V_TCP_CKSUM_OFF 50

/* ---- fixture: a pool, a wire, endpoints ---- */

struct tw {
	struct rte_mempool *pool;
	unsigned int in_use0;
	struct berth_wire *w;
	struct berth_dev *a, *b, *c;
};

static void
tw_setup(struct tw *t, const struct berth_wire_conf *conf, int three)
{
	static unsigned int seq;
	char name[32];

	memset(t, 0, sizeof(*t));
	snprintf(name, sizeof(name), "twpool%u", seq++);
	t->pool = rte_pktmbuf_pool_create(name, 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	H_ASSERT(t->pool != NULL);
	t->in_use0 = rte_mempool_in_use_count(t->pool);
	t->w = berth_wire_create(conf, t->pool);
	H_ASSERT(t->w != NULL);
	t->a = berth_wire_attach(t->w, &MAC_A, 0);
	t->b = berth_wire_attach(t->w, &MAC_B, 0);
	H_ASSERT(t->a != NULL && t->b != NULL);
	if (three) {
		t->c = berth_wire_attach(t->w, &MAC_C, 0);
		H_ASSERT(t->c != NULL);
	}
}

static void
tw_teardown(struct tw *t)
{
	berth_dev_free(t->a);
	berth_dev_free(t->b);
	berth_dev_free(t->c);
	berth_wire_destroy(t->w);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(t->pool), t->in_use0);
	rte_mempool_free(t->pool);
}

/* A test frame: Ethernet header, then a 32-bit sequence number and filler. */
static struct rte_mbuf *
frame(struct tw *t, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
      uint32_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->pool);
	struct rte_ether_hdr *eh;
	uint8_t *p;
	uint16_t i;

	H_ASSERT(m != NULL && len >= sizeof(*eh) + 4);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	H_ASSERT(eh != NULL);
	eh->dst_addr = *dst;
	eh->src_addr = *src;
	eh->ether_type = rte_cpu_to_be_16(ETHERTYPE_TEST);
	p = (uint8_t *)(eh + 1);
	memcpy(p, &seq, 4);
	for (i = 4; i < len - sizeof(*eh); i++)
		p[i] = (uint8_t)(seq * 7 + i);
	return m;
}

static struct rte_mbuf *
frame_bytes(struct tw *t, const uint8_t *bytes, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->pool);
	char *p;

	H_ASSERT(m != NULL);
	p = rte_pktmbuf_append(m, len);
	H_ASSERT(p != NULL);
	memcpy(p, bytes, len);
	return m;
}

static uint32_t
frame_seq(const struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr)),
	       4);
	return seq;
}

static void
send1(struct berth_dev *dev, uint64_t now, struct rte_mbuf *m)
{
	H_ASSERT(dev_tx_enqueue(dev, now, m) == 0);
	CU_ASSERT_EQUAL(dev_tx_flush(dev, now), 0);
}

/* Everything due at now, at most max frames. */
static unsigned int
rx_all(struct berth_dev *dev, uint64_t now, struct rte_mbuf **out, unsigned int max)
{
	unsigned int n = 0;
	uint16_t got;

	do {
		uint16_t want = max - n < BERTH_DEV_RX_BURST ? (uint16_t)(max - n)
							     : BERTH_DEV_RX_BURST;

		if (want == 0)
			break;
		got = dev_rx_burst(dev, now, out + n, want);
		n += got;
	} while (got > 0);
	return n;
}

static void
free_all(struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
}

/* Bits that differ between a frame and reference bytes (lengths must match). */
static unsigned int
bits_differ(const struct rte_mbuf *m, const uint8_t *ref, uint32_t len, uint32_t *where)
{
	uint8_t buf[2048];
	const uint8_t *p;
	unsigned int bits = 0;
	uint32_t i;

	if (rte_pktmbuf_pkt_len(m) != len || len > sizeof(buf))
		return UINT32_MAX;
	p = rte_pktmbuf_read(m, 0, len, buf);
	for (i = 0; i < len; i++) {
		if (p[i] != ref[i]) {
			bits += (unsigned int)__builtin_popcount(p[i] ^ ref[i]);
			if (where != NULL)
				*where = i;
		}
	}
	return bits;
}

/* ---- perfect wire ---- */

static void
test_perfect_delay_order(void)
{
	struct berth_wire_conf c = { .seed = 1, .delay_ns = 1000 };
	struct rte_mbuf *out[MAXF];
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i, n;

	tw_setup(&t, &c, 1);
	for (i = 0; i < 100; i++)
		H_ASSERT(dev_tx_enqueue(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 60)) == 0);
	CU_ASSERT_EQUAL(dev_tx_flush(t.a, T0), 0);
	CU_ASSERT_EQUAL(berth_wire_in_flight(t.w), 100);

	/* Not before the delay has passed. */
	CU_ASSERT_EQUAL(rx_all(t.b, T0 + 999, out, MAXF), 0);
	n = rx_all(t.b, T0 + 1000, out, MAXF);
	CU_ASSERT_EQUAL(n, 100);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(frame_seq(out[i]), i);
	free_all(out, n);
	/* Unicast: nothing for A (the sender) or C. */
	CU_ASSERT_EQUAL(rx_all(t.a, T0 + BERTH_NS_PER_SEC, out, MAXF), 0);
	CU_ASSERT_EQUAL(rx_all(t.c, T0 + BERTH_NS_PER_SEC, out, MAXF), 0);
	berth_wire_stats(t.w, &s);
	CU_ASSERT_EQUAL(s.sent, 100);
	CU_ASSERT_EQUAL(s.delivered, 100);
	CU_ASSERT_EQUAL(s.lost + s.duplicated + s.corrupted + s.reordered + s.overflow, 0);
	CU_ASSERT_EQUAL(berth_wire_in_flight(t.w), 0);
	tw_teardown(&t);
}

static void
test_perfect_flood(void)
{
	static const struct rte_ether_addr mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
	struct rte_mbuf *out[MAXF];
	struct tw t;
	unsigned int nb, nc;

	tw_setup(&t, NULL, 1);
	send1(t.a, T0, frame(&t, &H_BCAST_MAC, &MAC_A, 1, 64));
	send1(t.a, T0, frame(&t, &mcast, &MAC_A, 2, 64));
	send1(t.a, T0, frame(&t, &MAC_NOBODY, &MAC_A, 3, 64));
	/* A frame to the sender's own MAC is not sent back to it. */
	send1(t.a, T0, frame(&t, &MAC_A, &MAC_A, 4, 64));

	CU_ASSERT_EQUAL(rx_all(t.a, T0, out, MAXF), 0);
	nb = rx_all(t.b, T0, out, MAXF);
	CU_ASSERT_EQUAL(nb, 4);
	if (nb == 4) {
		CU_ASSERT_EQUAL(frame_seq(out[0]), 1);
		CU_ASSERT_EQUAL(frame_seq(out[3]), 4);
	}
	free_all(out, nb);
	nc = rx_all(t.c, T0, out, MAXF);
	CU_ASSERT_EQUAL(nc, 4);
	if (nc > 0)
		CU_ASSERT_EQUAL(bits_differ(out[0], rte_pktmbuf_mtod(out[0], uint8_t *), 64,
					    NULL), 0);
	free_all(out, nc);

	/* Unicast from C reaches only its owner. */
	send1(t.c, T0, frame(&t, &MAC_A, &MAC_C, 5, 64));
	CU_ASSERT_EQUAL(rx_all(t.b, T0, out, MAXF), 0);
	CU_ASSERT_EQUAL(rx_all(t.a, T0, out, MAXF), 1);
	rte_pktmbuf_free(out[0]);
	tw_teardown(&t);
}

static void
test_attach_rules(void)
{
	static const struct rte_ether_addr mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
	struct berth_wire_conf bad = { .loss = 1.5 };
	struct berth_dev *d;
	struct tw t;

	tw_setup(&t, NULL, 0);
	CU_ASSERT_PTR_NULL(berth_wire_attach(t.w, &MAC_A, 0));
	CU_ASSERT_EQUAL(rte_errno, EEXIST);
	CU_ASSERT_PTR_NULL(berth_wire_attach(t.w, &mcast, 0));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT_PTR_NULL(berth_wire_create(&bad, t.pool));
	d = berth_wire_attach(t.w, &MAC_C, 9000);
	H_ASSERT(d != NULL);
	CU_ASSERT_EQUAL(d->mtu, 9000);
	CU_ASSERT_EQUAL(t.a->mtu, 1500);
	CU_ASSERT_STRING_NOT_EQUAL(d->name, t.a->name);
	berth_dev_free(d);
	/* C is detached: a frame to its MAC is flooded to B only. */
	send1(t.a, T0, frame(&t, &MAC_C, &MAC_A, 1, 64));
	{
		struct rte_mbuf *out[4];

		CU_ASSERT_EQUAL(rx_all(t.b, T0, out, 4), 1);
		rte_pktmbuf_free(out[0]);
	}
	tw_teardown(&t);
}

/* Copies that cannot be made (wire pool empty) and frames nobody can take. */
static void
test_nomem_and_no_dest(void)
{
	struct berth_wire_conf c = { .seed = 1, .duplicate = 1.0 };
	struct rte_mempool *tiny;
	struct rte_mbuf *hold[4], *out[8];
	struct berth_wire_stats s;
	struct berth_wire *w;
	struct berth_dev *a, *b, *cdev;
	struct tw t;
	unsigned int n, i;

	tw_setup(&t, NULL, 0); /* for its pool and leak check only */
	tiny = rte_pktmbuf_pool_create("twtiny", 4, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	H_ASSERT(tiny != NULL);
	for (i = 0; i < 4; i++)
		H_ASSERT((hold[i] = rte_pktmbuf_alloc(tiny)) != NULL);
	w = berth_wire_create(&c, tiny);
	H_ASSERT(w != NULL);
	a = berth_wire_attach(w, &MAC_A, 0);
	H_ASSERT(a != NULL);
	/* Alone on the wire: nobody to deliver to. */
	send1(a, T0, frame(&t, &H_BCAST_MAC, &MAC_A, 1, 64));
	berth_wire_stats(w, &s);
	CU_ASSERT_EQUAL(s.no_dest, 1);
	CU_ASSERT_EQUAL(s.nomem, 1); /* the duplicate could not be made */

	b = berth_wire_attach(w, &MAC_B, 0);
	cdev = berth_wire_attach(w, &MAC_C, 0);
	H_ASSERT(b != NULL && cdev != NULL);
	/* Flooded to B and C: C's copy and the duplicate need the empty pool. */
	send1(a, T0, frame(&t, &H_BCAST_MAC, &MAC_A, 2, 64));
	berth_wire_stats(w, &s);
	CU_ASSERT_EQUAL(s.nomem, 3);
	n = rx_all(b, T0, out, 8);
	CU_ASSERT_EQUAL(n, 1);
	free_all(out, n);
	CU_ASSERT_EQUAL(rx_all(cdev, T0, out, 8), 0);

	/* A clone must be copied before it travels: no buffer, frame dropped. */
	{
		struct rte_mbuf *orig = frame(&t, &MAC_B, &MAC_A, 3, 64);
		struct rte_mbuf *cl = rte_pktmbuf_clone(orig, t.pool);

		H_ASSERT(cl != NULL);
		send1(a, T0, cl);
		berth_wire_stats(w, &s);
		CU_ASSERT_EQUAL(s.nomem, 4);
		CU_ASSERT_EQUAL(rx_all(b, T0, out, 8), 0);
		CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(orig), 1);
		rte_pktmbuf_free(orig);
	}
	berth_dev_free(a);
	berth_dev_free(b);
	berth_dev_free(cdev);
	berth_wire_destroy(w);
	for (i = 0; i < 4; i++)
		rte_pktmbuf_free(hold[i]);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(tiny), 0);
	rte_mempool_free(tiny);
	tw_teardown(&t);
}

/* ---- impairments ---- */

static void
test_loss_all(void)
{
	struct berth_wire_conf c = { .seed = 7, .loss = 1.0 };
	struct rte_mbuf *out[MAXF];
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 50; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	send1(t.a, T0, frame(&t, &H_BCAST_MAC, &MAC_A, 99, 64));
	CU_ASSERT_EQUAL(rx_all(t.b, T0 + BERTH_NS_PER_SEC, out, MAXF), 0);
	berth_wire_stats(t.w, &s);
	CU_ASSERT_EQUAL(s.sent, 51);
	CU_ASSERT_EQUAL(s.lost, 51);
	CU_ASSERT_EQUAL(s.delivered, 0);
	CU_ASSERT_EQUAL(berth_wire_in_flight(t.w), 0);
	tw_teardown(&t);
}

static void
test_loss_half(void)
{
	struct berth_wire_conf c = { .seed = 7, .loss = 0.5 };
	struct rte_mbuf *out[MAXF];
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i, n;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 1000; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	n = rx_all(t.b, T0, out, MAXF);
	berth_wire_stats(t.w, &s);
	CU_ASSERT_EQUAL(n + s.lost, 1000);
	/* Binomial(1000, 0.5): 400..600 is more than 6 sigma. */
	CU_ASSERT(s.lost > 400 && s.lost < 600);
	for (i = 1; i < n; i++)
		CU_ASSERT(frame_seq(out[i - 1]) < frame_seq(out[i]));
	free_all(out, n);
	tw_teardown(&t);
}

static void
test_duplicate_all(void)
{
	struct berth_wire_conf c = { .seed = 3, .duplicate = 1.0 };
	struct rte_mbuf *out[MAXF], *ref;
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i, n;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 20; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 100));
	n = rx_all(t.b, T0, out, MAXF);
	CU_ASSERT_EQUAL(n, 40);
	for (i = 0; i < n; i++) {
		/* Same send time: the copy follows its original, byte for byte. */
		ref = frame(&t, &MAC_B, &MAC_A, i / 2, 100);
		CU_ASSERT_EQUAL(frame_seq(out[i]), i / 2);
		CU_ASSERT_EQUAL(bits_differ(out[i], rte_pktmbuf_mtod(ref, uint8_t *), 100, NULL),
				0);
		rte_pktmbuf_free(ref);
	}
	free_all(out, n);
	berth_wire_stats(t.w, &s);
	CU_ASSERT_EQUAL(s.duplicated, 20);
	CU_ASSERT_EQUAL(s.delivered, 40);
	tw_teardown(&t);
}

static void
test_corrupt_one_bit(void)
{
	struct berth_wire_conf c = { .seed = 11, .corrupt = 1.0 };
	struct rte_mbuf *out[MAXF];
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i, n, first_hdr = 0;
	uint32_t where = 0;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 200; i++)
		send1(t.a, T0, frame_bytes(&t, v_udp, sizeof(v_udp)));
	n = rx_all(t.b, T0, out, MAXF);
	/* A flip in the destination MAC may send a frame elsewhere (flooded). */
	CU_ASSERT(n > 150);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(bits_differ(out[i], v_udp, sizeof(v_udp), &where), 1);
		if (where < 14)
			first_hdr++;
	}
	/* Anywhere in the frame, headers included: 14 of 52 bytes are Ethernet. */
	CU_ASSERT(first_hdr > 0 && first_hdr < n);
	free_all(out, n);
	n = rx_all(t.a, T0, out, MAXF);
	free_all(out, n);
	berth_wire_stats(t.w, &s);
	CU_ASSERT_EQUAL(s.corrupted, 200);
	tw_teardown(&t);
}

/* A frame shared with the sender (a clone) is copied before it is changed. */
static void
test_corrupt_clone_and_chain(void)
{
	struct berth_wire_conf c = { .seed = 5, .corrupt = 1.0, .duplicate = 1.0 };
	struct rte_mbuf *out[8], *orig, *clone, *head, *tail;
	uint8_t ref[200];
	struct tw t;
	unsigned int n, i;

	tw_setup(&t, &c, 0);
	orig = frame_bytes(&t, v_udp, sizeof(v_udp));
	clone = rte_pktmbuf_clone(orig, t.pool);
	H_ASSERT(clone != NULL);
	send1(t.a, T0, clone);
	n = rx_all(t.b, T0, out, 8);
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(bits_differ(out[i], v_udp, sizeof(v_udp), NULL), 1);
	free_all(out, n);
	CU_ASSERT_EQUAL(bits_differ(orig, v_udp, sizeof(v_udp), NULL), 0);
	CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(orig), 1);
	rte_pktmbuf_free(orig);

	/* A two-segment frame: flips and copies walk the chain. */
	for (i = 0; i < sizeof(ref); i++)
		ref[i] = (uint8_t)(i * 13);
	memcpy(ref, &MAC_B, 6);
	memcpy(ref + 6, &MAC_A, 6);
	head = frame_bytes(&t, ref, 20);
	tail = frame_bytes(&t, ref + 20, sizeof(ref) - 20);
	H_ASSERT(rte_pktmbuf_chain(head, tail) == 0);
	send1(t.a, T0, head);
	n = rx_all(t.b, T0, out, 8);
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(bits_differ(out[i], ref, sizeof(ref), NULL), 1);
	free_all(out, n);
	tw_teardown(&t);
}

static void
test_reorder(void)
{
	struct berth_wire_conf c = { .seed = 9, .reorder = 0.3, .reorder_ns = 5000 };
	struct rte_mbuf *out[MAXF];
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i, n1, n2, inversions = 0;
	uint8_t seen[200] = {0};

	tw_setup(&t, &c, 0);
	for (i = 0; i < 200; i++)
		send1(t.a, T0 + i, frame(&t, &MAC_B, &MAC_A, i, 64));
	berth_wire_stats(t.w, &s);
	CU_ASSERT(s.reordered > 20 && s.reordered < 120);
	/* On time: the frames not held back, in send order. */
	n1 = rx_all(t.b, T0 + 199, out, MAXF);
	CU_ASSERT_EQUAL(n1, 200 - s.reordered);
	n2 = rx_all(t.b, T0 + 199 + 5000, out + n1, MAXF - n1);
	CU_ASSERT_EQUAL(n1 + n2, 200);
	for (i = 0; i < n1 + n2; i++) {
		uint32_t q = frame_seq(out[i]);

		if (q < 200)
			seen[q]++;
		if (i > 0 && frame_seq(out[i - 1]) > q)
			inversions++;
	}
	for (i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	CU_ASSERT(inversions > 0);
	free_all(out, n1 + n2);
	tw_teardown(&t);
}

static void
test_jitter_bounds(void)
{
	struct berth_wire_conf c = { .seed = 2, .delay_ns = 1000, .jitter_ns = 500 };
	struct rte_mbuf *out[MAXF];
	struct tw t;
	unsigned int i, n, early;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 300; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	CU_ASSERT_EQUAL(rx_all(t.b, T0 + 999, out, MAXF), 0);
	early = rx_all(t.b, T0 + 1249, out, MAXF);
	free_all(out, early);
	/* Uniform over [1000, 1500): about half by 1250. */
	CU_ASSERT(early > 90 && early < 210);
	n = rx_all(t.b, T0 + 1499, out, MAXF);
	CU_ASSERT_EQUAL(early + n, 300);
	free_all(out, n);
	tw_teardown(&t);
}

static void
test_overflow(void)
{
	struct berth_wire_conf c = { .seed = 1, .queue_len = 8, .delay_ns = 10 };
	struct rte_mbuf *out[MAXF];
	struct berth_wire_stats s;
	struct tw t;
	unsigned int i, n;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 20; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	CU_ASSERT_EQUAL(berth_wire_in_flight(t.w), 8);
	n = rx_all(t.b, T0 + 10, out, MAXF);
	CU_ASSERT_EQUAL(n, 8);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(frame_seq(out[i]), i);
	free_all(out, n);
	berth_wire_stats(t.w, &s);
	CU_ASSERT_EQUAL(s.overflow, 12);
	/* Raised at run time: room for more, PRNG state kept. */
	c.queue_len = 100;
	berth_wire_set_conf(t.w, &c);
	for (i = 0; i < 20; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	CU_ASSERT_EQUAL(berth_wire_in_flight(t.w), 20);
	tw_teardown(&t); /* frees the 20 in flight */
}

/* ---- seeds ---- */

struct trace {
	unsigned int n;
	uint64_t ev[4096]; /* (time step, endpoint, seq, hash of bytes) folded */
};

static uint64_t
hash_frame(const struct rte_mbuf *m)
{
	uint8_t buf[2048];
	const uint8_t *p = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), buf);
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	uint32_t i;

	for (i = 0; i < rte_pktmbuf_pkt_len(m); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void
run_trace(uint64_t seed, struct trace *tr)
{
	struct berth_wire_conf c = {
		.seed = seed, .loss = 0.1, .duplicate = 0.1, .corrupt = 0.1, .reorder = 0.2,
		.delay_ns = 20000, .jitter_ns = 15000, .reorder_ns = 50000,
	};
	struct rte_mbuf *out[MAXF];
	struct tw t;
	unsigned int step, i, n, e;

	tw_setup(&t, &c, 1);
	tr->n = 0;
	for (step = 0; step < 400; step++) {
		uint64_t now = T0 + step * 5000ull;

		if (step < 300) {
			send1(t.a, now, frame(&t, step % 10 ? &MAC_B : &H_BCAST_MAC, &MAC_A, step,
					      (uint16_t)(60 + step % 50)));
			send1(t.b, now, frame(&t, &MAC_A, &MAC_B, 1000 + step, 64));
		}
		for (e = 0; e < 3; e++) {
			struct berth_dev *d = e == 0 ? t.a : e == 1 ? t.b : t.c;

			n = rx_all(d, now, out, MAXF);
			for (i = 0; i < n && tr->n < RTE_DIM(tr->ev); i++)
				tr->ev[tr->n++] = ((uint64_t)step << 40) ^ ((uint64_t)e << 36) ^
						  hash_frame(out[i]);
			free_all(out, n);
		}
	}
	tw_teardown(&t);
}

static void
test_seed_reproducible(void)
{
	static struct trace t1, t2, t3;

	run_trace(42, &t1);
	run_trace(42, &t2);
	run_trace(43, &t3);
	CU_ASSERT(t1.n > 300);
	CU_ASSERT_EQUAL(t1.n, t2.n);
	CU_ASSERT(memcmp(t1.ev, t2.ev, t1.n * sizeof(t1.ev[0])) == 0);
	CU_ASSERT(t1.n != t3.n || memcmp(t1.ev, t3.ev, t1.n * sizeof(t1.ev[0])) != 0);
}

/* ---- teardown with frames in flight ---- */

static void
test_destroy_in_flight(void)
{
	struct berth_wire_conf c = { .seed = 4, .duplicate = 0.5, .delay_ns = BERTH_NS_PER_SEC };
	struct tw t;
	unsigned int i;

	tw_setup(&t, &c, 1);
	for (i = 0; i < 50; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	for (i = 0; i < 10; i++)
		send1(t.b, T0, frame(&t, &H_BCAST_MAC, &MAC_B, i, 64));
	/* Some left in the device's transmit buffer too. */
	H_ASSERT(dev_tx_enqueue(t.c, T0, frame(&t, &MAC_A, &MAC_C, 7, 64)) == 0);
	CU_ASSERT(berth_wire_in_flight(t.w) >= 70);
	tw_teardown(&t); /* asserts the pool is back to its start */

	/* Wire destroyed before its endpoints: they become unplugged devices. */
	tw_setup(&t, &c, 0);
	for (i = 0; i < 10; i++)
		send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, i, 64));
	berth_wire_destroy(t.w);
	t.w = NULL;
	send1(t.a, T0, frame(&t, &MAC_B, &MAC_A, 11, 64));
	{
		struct rte_mbuf *out[4];

		CU_ASSERT_EQUAL(rx_all(t.b, T0 + 2 * BERTH_NS_PER_SEC, out, 4), 0);
	}
	tw_teardown(&t);
}

/* ---- offload emulation ---- */

static struct rte_mbuf *
offload_frame(struct tw *t, const uint8_t *v, uint16_t len, uint16_t l4_cksum_off,
	      uint64_t l4_flag)
{
	struct rte_mbuf *m = frame_bytes(t, v, len);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	/* What a stack sends with offloads on: checksums left for the NIC. */
	p[V_IP_CKSUM_OFF] = p[V_IP_CKSUM_OFF + 1] = 0;
	p[l4_cksum_off] = p[l4_cksum_off + 1] = 0;
	m->l2_len = 14;
	m->l3_len = 20;
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | l4_flag;
	return m;
}

static void
test_offload_tx_rx(void)
{
	struct berth_wire_conf c = {
		.seed = 1,
		.offloads = BERTH_DEV_OFF_TX_IPV4_CKSUM | BERTH_DEV_OFF_TX_UDP_CKSUM |
			    BERTH_DEV_OFF_TX_TCP_CKSUM | BERTH_DEV_OFF_RX_IPV4_CKSUM |
			    BERTH_DEV_OFF_RX_L4_CKSUM,
	};
	const uint64_t good = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	struct rte_mbuf *out[4];
	struct tw t;
	unsigned int n;

	tw_setup(&t, &c, 0);
	CU_ASSERT_EQUAL(berth_dev_offloads(t.a), c.offloads | BERTH_DEV_OFF_TX_MULTI_SEG);
	send1(t.a, T0, offload_frame(&t, v_udp, sizeof(v_udp), V_UDP_CKSUM_OFF,
				     RTE_MBUF_F_TX_UDP_CKSUM));
	send1(t.a, T0, offload_frame(&t, v_tcp, sizeof(v_tcp), V_TCP_CKSUM_OFF,
				     RTE_MBUF_F_TX_TCP_CKSUM));
	n = rx_all(t.b, T0, out, 4);
	H_ASSERT(n == 2);
	/* The checksums scapy computed, filled in by the "NIC". */
	CU_ASSERT_EQUAL(bits_differ(out[0], v_udp, sizeof(v_udp), NULL), 0);
	CU_ASSERT_EQUAL(bits_differ(out[1], v_tcp, sizeof(v_tcp), NULL), 0);
	CU_ASSERT_EQUAL(out[0]->ol_flags, good);
	CU_ASSERT_EQUAL(out[1]->ol_flags, good);
	free_all(out, n);

	/* Bad checksums sent without offload flags are flagged, not fixed. */
	{
		struct rte_mbuf *m = frame_bytes(&t, v_udp, sizeof(v_udp));

		rte_pktmbuf_mtod(m, uint8_t *)[V_UDP_CKSUM_OFF] ^= 0x10;
		send1(t.a, T0, m);
		m = frame_bytes(&t, v_udp, sizeof(v_udp));
		rte_pktmbuf_mtod(m, uint8_t *)[V_IP_CKSUM_OFF] ^= 0x10;
		send1(t.a, T0, m);
		m = frame_bytes(&t, v_udp, sizeof(v_udp));
		/* RFC 768: zero means no checksum; the NIC leaves the verdict open. */
		rte_pktmbuf_mtod(m, uint8_t *)[V_UDP_CKSUM_OFF] = 0;
		rte_pktmbuf_mtod(m, uint8_t *)[V_UDP_CKSUM_OFF + 1] = 0;
		send1(t.a, T0, m);
	}
	n = rx_all(t.b, T0, out, 4);
	H_ASSERT(n == 3);
	CU_ASSERT_EQUAL(out[0]->ol_flags, RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			RTE_MBUF_F_RX_L4_CKSUM_BAD);
	CU_ASSERT_EQUAL(out[1]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
			RTE_MBUF_F_RX_IP_CKSUM_BAD);
	CU_ASSERT_EQUAL(out[1]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN);
	CU_ASSERT_EQUAL(out[2]->ol_flags, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	free_all(out, n);
	tw_teardown(&t);

	/* Without advertised offloads the wire neither computes nor flags. */
	c.offloads = 0;
	tw_setup(&t, &c, 0);
	CU_ASSERT_EQUAL(berth_dev_offloads(t.a), BERTH_DEV_OFF_TX_MULTI_SEG);
	send1(t.a, T0, offload_frame(&t, v_udp, sizeof(v_udp), V_UDP_CKSUM_OFF,
				     RTE_MBUF_F_TX_UDP_CKSUM));
	n = rx_all(t.b, T0, out, 4);
	H_ASSERT(n == 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(out[0], uint8_t *)[V_IP_CKSUM_OFF], 0);
	CU_ASSERT_EQUAL(out[0]->ol_flags, 0);
	free_all(out, n);
	tw_teardown(&t);
}

/* Corrupted frames: flagged BAD at the layer whose bytes changed. */
static void
test_offload_corrupt_flagged(void)
{
	struct berth_wire_conf c = {
		.seed = 21, .corrupt = 1.0,
		.offloads = BERTH_DEV_OFF_TX_IPV4_CKSUM | BERTH_DEV_OFF_TX_UDP_CKSUM |
			    BERTH_DEV_OFF_RX_IPV4_CKSUM | BERTH_DEV_OFF_RX_L4_CKSUM,
	};
	struct rte_mbuf *out[MAXF];
	struct tw t;
	unsigned int i, n, in_ip = 0, in_l4 = 0;
	uint32_t where = 0;

	tw_setup(&t, &c, 0);
	for (i = 0; i < 300; i++)
		send1(t.a, T0, offload_frame(&t, v_udp, sizeof(v_udp), V_UDP_CKSUM_OFF,
					     RTE_MBUF_F_TX_UDP_CKSUM));
	n = rx_all(t.b, T0, out, MAXF);
	CU_ASSERT(n > 250);
	for (i = 0; i < n; i++) {
		uint64_t ipf = out[i]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		uint64_t l4f = out[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

		/* Checksums were computed before the flip: one bit differs. */
		CU_ASSERT_EQUAL(bits_differ(out[i], v_udp, sizeof(v_udp), &where), 1);
		if (where < 12) {           /* MACs: no checksum covers them */
			CU_ASSERT_EQUAL(ipf, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
			CU_ASSERT_EQUAL(l4f, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		} else if (where < 14) {    /* EtherType: not IPv4 any more */
			CU_ASSERT_EQUAL(out[i]->ol_flags, 0);
		} else if (where < 34) {    /* IPv4 header */
			CU_ASSERT_NOT_EQUAL(ipf, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
			CU_ASSERT_NOT_EQUAL(l4f, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
			in_ip++;
		} else {                    /* UDP header and payload */
			CU_ASSERT_EQUAL(ipf, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
			CU_ASSERT_EQUAL(l4f, RTE_MBUF_F_RX_L4_CKSUM_BAD);
			in_l4++;
		}
	}
	CU_ASSERT(in_ip > 0 && in_l4 > 0);
	free_all(out, n);
	n = rx_all(t.a, T0, out, MAXF);
	free_all(out, n);
	tw_teardown(&t);
}

/* ---- ethdev port: net_ring, whose TX queue loops to its RX queue ---- */

static void
test_port_net_ring(void)
{
	struct berth_port_conf pc;
	struct rte_mempool *pool;
	struct berth_dev *dev;
	struct rte_mbuf *out[4];
	unsigned int in_use0, i;
	uint16_t port, n = 0;
	int ret;

	pool = rte_pktmbuf_pool_create("ringpool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	H_ASSERT(pool != NULL);
	in_use0 = rte_mempool_in_use_count(pool);
	ret = rte_eal_hotplug_add("vdev", "net_ring0", "");
	if (ret != 0)
		fprintf(stderr, "\nnet_ring0: %s\n", rte_strerror(-ret));
	H_ASSERT(ret == 0);
	H_ASSERT(berth_port_find("net_ring0", &port) == 0);
	{
		char num[8];
		uint16_t p2 = UINT16_MAX;

		snprintf(num, sizeof(num), "%u", port);
		CU_ASSERT_EQUAL(berth_port_find(num, &p2), 0);
		CU_ASSERT_EQUAL(p2, port);
		CU_ASSERT_EQUAL(berth_port_find("net_nosuch0", &p2), -ENODEV);
		CU_ASSERT_EQUAL(berth_port_find("77", &p2), -ENODEV);
		CU_ASSERT_EQUAL(berth_port_find("1x", &p2), -ENODEV);
	}
	CU_ASSERT_PTR_NULL(berth_port_dev(port, 0)); /* not set up yet */

	memset(&pc, 0, sizeof(pc));
	pc.pools[0] = pool;
	pc.link_wait_s = 1;
	CU_ASSERT_EQUAL(berth_port_setup(port, NULL), -EINVAL);
	pc.nb_queues = 2;
	CU_ASSERT_EQUAL(berth_port_setup(port, &pc), -EINVAL); /* pools[1] missing */
	pc.nb_queues = 0;
	pc.mtu = 40; /* below the port's minimum (46) */
	CU_ASSERT_EQUAL(berth_port_setup(port, &pc), -EINVAL);
	/* Larger than the pool's buffers: net_ring offers RX scatter. */
	pc.mtu = 9000;
	H_ASSERT(berth_port_setup(port, &pc) == 0);
	CU_ASSERT_EQUAL(berth_port_setup(port, &pc), -EBUSY);

	dev = berth_port_dev(port, 0);
	H_ASSERT(dev != NULL);
	CU_ASSERT_PTR_NULL(berth_port_dev(port, 0)); /* one device per queue */
	CU_ASSERT_EQUAL(rte_errno, EBUSY);
	CU_ASSERT_PTR_NULL(berth_port_dev(port, 1));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT_STRING_EQUAL(dev->name, "net_ring0:q0");
	CU_ASSERT_EQUAL(dev->port_id, port);
	CU_ASSERT_EQUAL(dev->mtu, 9000);
	/* net_ring offers no checksum offload; chained frames it passes as they are */
	CU_ASSERT_EQUAL(berth_dev_offloads(dev) & ~BERTH_DEV_OFF_TX_MULTI_SEG, 0);
	{
		struct rte_ether_addr mac;

		rte_eth_macaddr_get(port, &mac);
		CU_ASSERT(rte_is_same_ether_addr(&mac, &dev->mac));
	}

	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		H_ASSERT(m != NULL);
		memcpy(rte_pktmbuf_append(m, sizeof(v_udp)), v_udp, sizeof(v_udp));
		H_ASSERT(dev_tx_enqueue(dev, T0, m) == 0);
		CU_ASSERT_EQUAL(dev_tx_flush(dev, T0), 0);
	}
	for (i = 0; i < 100 && n == 0; i++)
		n = dev_rx_burst(dev, T0, out, 4);
	CU_ASSERT_EQUAL(n, 1);
	if (n == 1)
		CU_ASSERT_EQUAL(bits_differ(out[0], v_udp, sizeof(v_udp), NULL), 0);
	free_all(out, n);
	CU_ASSERT_EQUAL(dev->stats.tx_pkts, 1);
	CU_ASSERT_EQUAL(dev->stats.rx_pkts, 1);

	berth_port_close(port); /* refused: a device is open */
	CU_ASSERT(rte_eth_dev_is_valid_port(port));
	berth_dev_free(dev);
	berth_port_close(port);
	CU_ASSERT_EQUAL(rte_eal_hotplug_remove("vdev", "net_ring0"), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), in_use0);
	rte_mempool_free(pool);
}

/* ---- pcapng capture ---- */

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* Find option code in the options area [p, end); returns its value or NULL. */
static const uint8_t *
find_opt(const uint8_t *p, const uint8_t *end, uint16_t code, uint16_t *len)
{
	while (p + 4 <= end) {
		uint16_t c = rd16(p), l = rd16(p + 2);

		if (c == 0)
			return NULL;
		if (c == code) {
			*len = l;
			return p + 4;
		}
		p += 4 + ((l + 3u) & ~3u);
	}
	return NULL;
}

static void
test_capture_pcapng(void)
{
	static const uint16_t lens[] = { 61, 62, 63, 64, 65 };
	char path[64], cmd[256], line[256];
	struct rte_mbuf *out[16];
	uint8_t *file;
	long size;
	size_t off;
	FILE *f;
	struct tw t;
	unsigned int i, n, epbs = 0, outb = 0, inb = 0;

	tw_setup(&t, NULL, 0);
	snprintf(path, sizeof(path), "/tmp/berth-test-wire-%d.pcapng", (int)getpid());
	H_ASSERT(berth_dev_capture_start(t.a, path) == 0);
	CU_ASSERT_EQUAL(berth_dev_capture_start(t.a, path), -EBUSY);
	for (i = 0; i < RTE_DIM(lens); i++)
		send1(t.a, T0 + i * 1000, frame(&t, &MAC_B, &MAC_A, i, lens[i]));
	for (i = 0; i < 3; i++)
		send1(t.b, T0 + 10000, frame(&t, &MAC_A, &MAC_B, 100 + i, 70));
	n = rx_all(t.a, T0 + 123456789, out, 16);
	CU_ASSERT_EQUAL(n, 3);
	free_all(out, n);
	n = rx_all(t.b, T0 + 123456789, out, 16);
	free_all(out, n);
	berth_dev_capture_stop(t.a);
	berth_dev_capture_stop(t.a); /* harmless */
	CU_ASSERT_EQUAL(berth_dev_capture_start(t.a, "/nonexistent/dir/x.pcapng"), -ENOENT);

	f = fopen(path, "rb");
	H_ASSERT(f != NULL);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	file = malloc((size_t)size);
	H_ASSERT(file != NULL && fread(file, 1, (size_t)size, f) == (size_t)size);
	fclose(f);

	/* Walk the blocks: each total length is a multiple of 4 and repeated at the end. */
	for (off = 0; off + 12 <= (size_t)size;) {
		uint32_t type = rd32(file + off), tl = rd32(file + off + 4);
		const uint8_t *b = file + off;

		H_ASSERT(tl % 4 == 0 && tl >= 12 && off + tl <= (size_t)size);
		CU_ASSERT_EQUAL(rd32(b + tl - 4), tl);
		if (off == 0) {
			CU_ASSERT_EQUAL(type, 0x0A0D0D0Au);
			CU_ASSERT_EQUAL(rd32(b + 8), 0x1A2B3C4Du);
			CU_ASSERT_EQUAL(rd16(b + 12), 1);
		} else if (type == 1) {
			uint16_t ol = 0;
			const uint8_t *o = find_opt(b + 16, b + tl - 4, 9, &ol);

			CU_ASSERT_EQUAL(rd16(b + 8), 1); /* LINKTYPE_ETHERNET */
			H_ASSERT(o != NULL);
			CU_ASSERT_EQUAL(ol, 1);
			CU_ASSERT_EQUAL(o[0], 9);        /* nanoseconds */
		} else {
			uint32_t caplen = rd32(b + 20), flags;
			uint64_t ts = ((uint64_t)rd32(b + 12) << 32) | rd32(b + 16);
			uint16_t ol = 0;
			const uint8_t *o;

			CU_ASSERT_EQUAL(type, 6);
			CU_ASSERT_EQUAL(rd32(b + 8), 0);  /* interface 0 */
			CU_ASSERT_EQUAL(caplen, rd32(b + 24));
			CU_ASSERT_EQUAL(tl, 28 + ((caplen + 3) & ~3u) + 16);
			o = find_opt(b + 28 + ((caplen + 3) & ~3u), b + tl - 4, 2, &ol);
			H_ASSERT(o != NULL && ol == 4);
			flags = rd32(o);
			if (epbs < RTE_DIM(lens)) {
				CU_ASSERT_EQUAL(flags & 3, 2); /* outbound */
				CU_ASSERT_EQUAL(caplen, lens[epbs]);
				CU_ASSERT_EQUAL(ts, T0 + epbs * 1000);
				CU_ASSERT_EQUAL(rd32(b + 28 + 14), epbs); /* our sequence number */
				outb++;
			} else {
				CU_ASSERT_EQUAL(flags & 3, 1); /* inbound */
				CU_ASSERT_EQUAL(caplen, 70);
				CU_ASSERT_EQUAL(ts, T0 + 123456789);
				inb++;
			}
			epbs++;
		}
		off += tl;
	}
	CU_ASSERT_EQUAL(off, (size_t)size);
	CU_ASSERT_EQUAL(epbs, 8);
	CU_ASSERT_EQUAL(outb, 5);
	CU_ASSERT_EQUAL(inb, 3);
	free(file);

	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("\n    tshark not installed: skipping the Wireshark reading of %s\n", path);
	} else {
		snprintf(cmd, sizeof(cmd), "tshark -r %s -T fields -e frame.len "
			 "-e frame.packet_flags_direction -e frame.time_epoch 2>/dev/null", path);
		f = popen(cmd, "r");
		H_ASSERT(f != NULL);
		n = 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned int len = 0, dir = 0;
			double ts = 0;

			CU_ASSERT_EQUAL(sscanf(line, "%u %x %lf", &len, &dir, &ts), 3);
			CU_ASSERT_EQUAL(dir, n < 5 ? 2u : 1u);
			CU_ASSERT_EQUAL(len, n < 5 ? lens[n] : 70u);
			if (n == 7)
				CU_ASSERT(ts > 1000.1234 && ts < 1000.1235);
			n++;
		}
		CU_ASSERT_EQUAL(pclose(f), 0);
		CU_ASSERT_EQUAL(n, 8);
	}
	unlink(path);
	tw_teardown(&t);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("wire_perfect", NULL, NULL);
	CU_add_test(s, "delay and order", test_perfect_delay_order);
	CU_add_test(s, "flooding and unicast", test_perfect_flood);
	CU_add_test(s, "attach rules", test_attach_rules);
	CU_add_test(s, "no buffer, no receiver", test_nomem_and_no_dest);
	s = CU_add_suite("wire_impair", NULL, NULL);
	CU_add_test(s, "loss 1.0", test_loss_all);
	CU_add_test(s, "loss 0.5", test_loss_half);
	CU_add_test(s, "duplicate 1.0", test_duplicate_all);
	CU_add_test(s, "corrupt flips one bit", test_corrupt_one_bit);
	CU_add_test(s, "clones and chains", test_corrupt_clone_and_chain);
	CU_add_test(s, "reorder", test_reorder);
	CU_add_test(s, "delay and jitter", test_jitter_bounds);
	CU_add_test(s, "queue overflow", test_overflow);
	CU_add_test(s, "seed reproduces a run", test_seed_reproducible);
	CU_add_test(s, "destroy with frames in flight", test_destroy_in_flight);
	s = CU_add_suite("wire_offload", NULL, NULL);
	CU_add_test(s, "tx computes, rx flags", test_offload_tx_rx);
	CU_add_test(s, "corruption flagged bad", test_offload_corrupt_flagged);
	s = CU_add_suite("port", NULL, NULL);
	CU_add_test(s, "net_ring", test_port_net_ring);
	s = CU_add_suite("capture", NULL, NULL);
	CU_add_test(s, "pcapng", test_capture_pcapng);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
