/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly: order, duplicates (the copy dropped, the datagram kept),
 * overlaps (the datagram dropped), the 8-fragment limit, geometry checks,
 * expiry on the virtual clock (with Time Exceeded), and the bound on
 * datagrams under reassembly, for the table and its duplicate filter.
 * Datagrams are ICMP echo requests, so a reassembled one proves itself by
 * the (fragmented) echo reply.
 */
#include <string.h>

#include <rte_icmp.h>
#include <rte_mempool.h>

#include "harness.h"

#define MSG_MAX 4096

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

/* An ICMP echo request of len data bytes into msg; returns the message length. */
static uint16_t
echo_msg(uint8_t *msg, uint16_t id, uint16_t len)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)msg;
	uint16_t i;

	H_ASSERT(sizeof(*ic) + len <= MSG_MAX);
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = rte_cpu_to_be_16(id);
	ic->icmp_seq_nb = RTE_BE16(1);
	for (i = 0; i < len; i++)
		msg[sizeof(*ic) + i] = (uint8_t)(i * 31 + id);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(msg, sizeof(*ic) + len);
	return (uint16_t)(sizeof(*ic) + len);
}

/* One fragment: bytes [off, off + len) of msg, IP id `id`, MF as given. */
static struct rte_mbuf *
frag(struct harness *h, uint32_t dst, uint16_t id, const uint8_t *msg, uint16_t off,
     uint16_t len, bool mf)
{
	struct rte_mbuf *m = h_build_ipv4(h, H_PEER_IP, dst, IPPROTO_ICMP, msg + off, len);
	struct rte_ipv4_hdr *ip = h_ip(m);

	H_ASSERT(off % 8 == 0);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16((uint16_t)((off / 8) | (mf ? RTE_IPV4_HDR_MF_FLAG : 0)));
	h_ip_fix_cksum(m);
	return m;
}

/*
 * Take every frame sent, which must be fragments (or a whole datagram) of
 * one IPv4 datagram from us to the peer, and rebuild its payload in out.
 * Returns the payload length, 0 if the pieces do not make one datagram.
 */
static uint32_t
collect(struct harness *h, uint8_t *out, uint8_t *proto)
{
	uint8_t buf[2048];
	uint32_t got = 0, total = 0;
	int id = -1;
	struct rte_mbuf *f;

	while ((f = h_tx_pop(h)) != NULL) {
		const struct rte_ipv4_hdr *ip = (const void *)(buf + RTE_ETHER_HDR_LEN);
		uint16_t fo, dlen, off;

		h_flatten(f, buf, sizeof(buf));
		rte_pktmbuf_free(f);
		CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
		CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
		CU_ASSERT_EQUAL(ip->dst_addr, H_PEER_IP);
		if (id >= 0)
			CU_ASSERT_EQUAL(ip->packet_id, id);
		id = ip->packet_id;
		*proto = ip->next_proto_id;
		fo = rte_be_to_cpu_16(ip->fragment_offset);
		off = (uint16_t)((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8);
		dlen = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
		H_ASSERT(off + dlen <= MSG_MAX);
		memcpy(out + off, ip + 1, dlen);
		got += dlen;
		if (!(fo & RTE_IPV4_HDR_MF_FLAG))
			total = off + dlen;
	}
	return got == total ? total : 0;
}

/* The peer got our echo reply to msg (mlen bytes), rebuilt from fragments. */
static void
check_reply(struct harness *h, const uint8_t *msg, uint16_t mlen)
{
	static uint8_t got[MSG_MAX];
	uint8_t proto = 0;
	const struct rte_icmp_hdr *ic = (const void *)got;

	CU_ASSERT_EQUAL(collect(h, got, &proto), mlen);
	CU_ASSERT_EQUAL(proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	CU_ASSERT_EQUAL(memcmp(got + 4, msg + 4, mlen - 4u), 0); /* id, seq, data */
	CU_ASSERT_EQUAL(rte_raw_cksum(got, mlen), 0xffff);
}

/* 3000 bytes of data: 3008-byte message in fragments of 1480, 1480, 48. */
#define BIG 3000
static const uint16_t big_off[] = {0, 1480, 2960};
static const uint16_t big_len[] = {1480, 1480, 48};

/* Queue fragment k (0, 1 or 2) of the 3000-byte datagram id. */
static void
big_frag(struct harness *h, const uint8_t *msg, uint16_t id, unsigned int k)
{
	h_inject(h, frag(h, H_OUR_IP, id, msg, big_off[k], big_len[k], k < 2));
}

static void
send_big(struct harness *h, const uint8_t *msg, uint16_t id, const unsigned int *order)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		big_frag(h, msg, id, order[i]);
	h_poll(h, 1);
}

static void
test_in_order(void)
{
	static uint8_t msg[MSG_MAX];
	static const unsigned int order[] = {0, 1, 2};
	struct harness h;
	uint16_t mlen;

	setup(&h);
	mlen = echo_msg(msg, 0x100, BIG);
	send_big(&h, msg, 0x100, order);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_rx"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_echo_reply_tx"), 1);
	/* The 3028-byte reply is fragmented in turn. */
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_tx"), 3);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0); /* nothing held */
	h_teardown(&h);
}

static void
test_reversed(void)
{
	static uint8_t msg[MSG_MAX];
	static const unsigned int order[] = {2, 1, 0};
	static const unsigned int mid[] = {1, 2, 0};
	struct harness h;
	uint16_t mlen;

	setup(&h);
	mlen = echo_msg(msg, 0x101, BIG);
	send_big(&h, msg, 0x101, order);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);

	/* Middle first works too. */
	send_big(&h, msg, 0x102, mid);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 2);
	check_reply(&h, msg, mlen);
	h_teardown(&h);
}

/*
 * An exact copy of a fragment already held is dropped alone (Linux
 * IPFRAG_DUP) and the datagram completes, whichever fragment is copied: the
 * first and last (rte_ip_frag would find their slot taken) or a middle one
 * (its byte count would overshoot). Copies come right behind the original
 * or in a later burst.
 */
static void
test_duplicate(void)
{
	static uint8_t msg[MSG_MAX];
	static const char *const which[] = {"first", "middle", "last"};
	struct harness h;
	uint16_t id, mlen;
	unsigned int k;

	setup(&h);
	for (k = 0; k < 3; k++) {
		/* Hold fragments k and k + 1, copy k, complete with k + 2. */
		id = (uint16_t)(0x200 + k);
		mlen = echo_msg(msg, id, BIG);
		big_frag(&h, msg, id, k);
		big_frag(&h, msg, id, (k + 1) % 3);
		big_frag(&h, msg, id, k); /* the copy, same burst */
		h_poll(&h, 1);
		CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 2 * k + 1);
		big_frag(&h, msg, id, k); /* again, a burst later */
		h_poll(&h, 1);
		CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 2 * k + 2);
		CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 0);
		CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 1);
		CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 2); /* the originals only */
		big_frag(&h, msg, id, (k + 2) % 3);
		h_poll(&h, 1);
		if (h_counter(&h, "ip_reasm_ok") != k + 1)
			printf("\n    copy of the %s fragment lost the datagram\n", which[k]);
		CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), k + 1);
		check_reply(&h, msg, mlen);
		CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
		CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	}
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_rx"), 3 * 5);

	/*
	 * The completing fragment and its copy in one burst: the datagram is
	 * done when the copy comes, so the copy finds no record and opens a
	 * datagram of its own, which expires (test_duplicate_after_completion).
	 */
	mlen = echo_msg(msg, 0x203, BIG);
	big_frag(&h, msg, 0x203, 0);
	big_frag(&h, msg, 0x203, 1);
	big_frag(&h, msg, 0x203, 2);
	big_frag(&h, msg, 0x203, 2);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 4);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 6);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 1);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 1);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0); /* not fragment zero: no Time Exceeded */
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/* Copies use none of the 8 slots: 8 fragments, each sent twice, complete. */
static void
test_duplicate_each_of_8(void)
{
	static uint8_t msg[MSG_MAX];
	struct harness h;
	uint16_t mlen, off;

	setup(&h);
	mlen = echo_msg(msg, 0x220, 1600 - 8);
	for (off = 0; off < mlen; off += 200) {
		uint16_t len = (uint16_t)RTE_MIN(200, mlen - off);

		h_inject(&h, frag(&h, H_OUR_IP, 0x220, msg, off, len, off + len < mlen));
		if (off + len < mlen) /* the last one's copy would come after completion */
			h_inject(&h, frag(&h, H_OUR_IP, 0x220, msg, off, len, true));
	}
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_rx"), 15);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 7);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/*
 * A copy arriving after its datagram completed is not a duplicate of
 * anything held: it opens a datagram of its own, which only expires
 * (counted). The Identification can then serve a new datagram, whole.
 */
static void
test_duplicate_after_completion(void)
{
	static uint8_t msg[MSG_MAX];
	static const unsigned int order[] = {0, 1, 2};
	struct harness h;
	uint16_t mlen;

	setup(&h);
	mlen = echo_msg(msg, 0x210, BIG);
	send_big(&h, msg, 0x210, order);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);

	big_frag(&h, msg, 0x210, 1);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 1);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 1);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0); /* not fragment zero: no Time Exceeded */
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);

	/* Same id, new contents: nothing of the old datagram gets in. */
	mlen = echo_msg(msg, 0x211, BIG);
	send_big(&h, msg, 0x210, order);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 0);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/*
 * The filter's records go with their datagram at expiry: after the timeout
 * the same fragments are a new datagram, not copies, and complete it. Up to
 * the timeout, a copy is still caught.
 */
static void
test_duplicate_expiry(void)
{
	static uint8_t msg[MSG_MAX];
	static const unsigned int order[] = {0, 1, 2};
	struct harness h;
	uint16_t mlen;

	setup(&h);
	mlen = echo_msg(msg, 0x230, BIG);
	big_frag(&h, msg, 0x230, 0);
	big_frag(&h, msg, 0x230, 1);
	h_poll(&h, 1);
	h_poll(&h, 29000);
	big_frag(&h, msg, 0x230, 1);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 1);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 1);

	h_poll(&h, 2000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_time_exceeded_tx"), 1);
	h_tx_drain(&h);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);

	send_big(&h, msg, 0x230, order);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

static void
test_overlap(void)
{
	static uint8_t msg[MSG_MAX];
	struct harness h;

	setup(&h);
	echo_msg(msg, 0x300, BIG);
	/* Second fragment starts 8 bytes early: too many bytes in all. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x300, msg, 0, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x300, msg, 1472, 1488, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x300, msg, 2960, 48, false));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 3);

	/* Overlap plus a hole of the same size: the byte count matches, the
	 * pieces do not join, and the datagram is dropped whole. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x301, msg, 0, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x301, msg, 1472, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x301, msg, 2960, 48, false));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 6);

	/* Same offset, shorter: not a copy, and fragment zero twice. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x302, msg, 0, 1480, true));
	h_poll(&h, 1);
	h_inject(&h, frag(&h, H_OUR_IP, 0x302, msg, 0, 1472, true));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 8);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	/* The rest of that datagram then starts afresh and cannot complete. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x302, msg, 1480, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x302, msg, 2960, 48, false));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 0);

	/* Same range, MF differs: not a copy either. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x303, msg, 0, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x303, msg, 1480, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x303, msg, 2960, 48, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x303, msg, 2960, 48, false));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 12);

	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 1); /* 0x302's tail, until it expires */
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 2);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 2);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/*
 * Same range and MF under another protocol is not a copy of the fragment
 * held. rte_ip_frag 22.11 keys datagrams without the protocol (RFC 791 §3.2
 * keys with it) and drops this one for too many bytes; a library that keys
 * with it would hold two datagrams. Either way nothing is counted as a
 * duplicate and every mbuf comes back.
 */
static void
test_duplicate_other_proto(void)
{
	static uint8_t msg[MSG_MAX];
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	echo_msg(msg, 0x310, BIG);
	h_inject(&h, frag(&h, H_OUR_IP, 0x310, msg, 0, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x310, msg, 1480, 1480, true));
	m = frag(&h, H_OUR_IP, 0x310, msg, 1480, 1480, true);
	h_ip(m)->next_proto_id = IPPROTO_UDP;
	h_ip_fix_cksum(m);
	h_inject(&h, m);
	h_inject(&h, frag(&h, H_OUR_IP, 0x310, msg, 2960, 48, false));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 0);
	h_poll(&h, 31000);
	h_tx_drain(&h);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/* Send msg (mlen bytes) in pieces of 200 bytes, in order. */
static unsigned int
send_small_pieces(struct harness *h, const uint8_t *msg, uint16_t mlen, uint16_t id)
{
	unsigned int n = 0;
	uint16_t off;

	for (off = 0; off < mlen; off += 200, n++) {
		uint16_t len = (uint16_t)RTE_MIN(200, mlen - off);

		h_inject(h, frag(h, H_OUR_IP, id, msg, off, len, off + len < mlen));
	}
	h_poll(h, 1);
	return n;
}

static void
test_more_than_8_fragments(void)
{
	static uint8_t msg[MSG_MAX];
	struct harness h;
	uint16_t mlen;

	setup(&h);
	/* 8 fragments is the most rte_ip_frag keeps: this one goes through. */
	mlen = echo_msg(msg, 0x400, 1600 - 8);
	CU_ASSERT_EQUAL(send_small_pieces(&h, msg, mlen, 0x400), 8);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);

	/* 9: the 8th (7th in the middle) overflows; all 8 held so far go. */
	mlen = echo_msg(msg, 0x401, 1800 - 8);
	CU_ASSERT_EQUAL(send_small_pieces(&h, msg, mlen, 0x401), 9);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 8);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	/* The 9th started a new datagram, which can only expire. */
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 1);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0); /* not fragment zero: no Time Exceeded */
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/* Fragment shapes RFC 791 rules out, each dropped as ip_frag on arrival. */
static void
test_bad_geometry(void)
{
	static uint8_t msg[MSG_MAX];
	struct harness h;
	struct rte_mbuf *m;

	setup(&h);
	echo_msg(msg, 0x500, BIG);
	/* A fragment with more to come must carry a multiple of 8 bytes. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x500, msg, 0, 1001, true));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 1);

	/* Ending beyond 65535 bytes ("ping of death"): 65528 + 20 + 8 > 65535. */
	m = frag(&h, H_OUR_IP, 0x501, msg, 0, 8, false);
	h_ip(m)->fragment_offset = rte_cpu_to_be_16(65528 / 8);
	h_ip_fix_cksum(m);
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 2);

	/* No data at all. */
	m = frag(&h, H_OUR_IP, 0x502, msg, 0, 0, true);
	h_inject(&h, m);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag"), 3);

	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_rx"), 3);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

static void
test_timeout(void)
{
	static uint8_t msg[MSG_MAX];
	uint8_t buf[256];
	struct harness h;
	struct rte_mbuf *f, *m;
	const struct rte_ipv4_hdr *ip, *q;
	const struct rte_icmp_hdr *ic;

	setup(&h);
	echo_msg(msg, 0x600, BIG);
	h_inject(&h, frag(&h, H_OUR_IP, 0x600, msg, 0, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0x600, msg, 1480, 1480, true));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 2);

	/* Not yet: the timeout is 30 s. */
	h_poll(&h, 29000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);

	h_poll(&h, 2000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 2);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 0);
	/* RFC 1122 §3.3.2: fragment zero arrived, so Time Exceeded (code 1). */
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_time_exceeded_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	h_flatten(f, buf, sizeof(buf));
	rte_pktmbuf_free(f);
	ip = (const void *)(buf + RTE_ETHER_HDR_LEN);
	ic = (const void *)(ip + 1);
	q = (const void *)(ic + 1);
	CU_ASSERT_EQUAL(ip->dst_addr, H_PEER_IP);
	CU_ASSERT_EQUAL(ip->src_addr, H_OUR_IP);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 20 + 8);
	CU_ASSERT_EQUAL(ic->icmp_type, 11);
	CU_ASSERT_EQUAL(ic->icmp_code, 1);
	CU_ASSERT_EQUAL(rte_raw_cksum(ic, 8 + 28), 0xffff);
	CU_ASSERT_EQUAL(q->packet_id, RTE_BE16(0x600));
	CU_ASSERT_EQUAL(memcmp(q + 1, msg, 8), 0); /* the echo header quoted */
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);

	/* Only later fragments: expire silently. */
	h_inject(&h, frag(&h, H_OUR_IP, 0x601, msg, 1480, 1480, true));
	h_poll(&h, 1);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_time_exceeded_tx"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);

	/* Fragment zero of a broadcast: RFC 1122 §3.2.2 forbids the error. */
	h_inject(&h, frag(&h, IPV4(198, 18, 0, 255), 0x602, msg, 0, 1480, true));
	h_poll(&h, 1);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 4);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_time_exceeded_tx"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);

	/* ... nor for one that came in a link-layer broadcast frame. */
	m = frag(&h, H_OUR_IP, 0x603, msg, 0, 1480, true);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = H_BCAST_MAC;
	h_inject(&h, m);
	h_poll(&h, 1);
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 5);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_time_exceeded_tx"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/* First fragments of many datagrams: at most reasm_max_flows are held. */
static void
test_flood_bounded(void)
{
	static uint8_t msg[MSG_MAX];
	struct berth_stack_conf conf;
	struct harness h;
	uint16_t id, mlen;

	memset(&conf, 0, sizeof(conf));
	conf.reasm_max_flows = 4;
	setup_conf(&h, &conf);
	mlen = echo_msg(msg, 0, BIG);
	for (id = 0; id < 20; id++)
		h_inject(&h, frag(&h, H_OUR_IP, id, msg, 0, 1480, true));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_rx"), 20);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_reasm_full"), 16);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 4);

	/* A held datagram still completes. */
	h_inject(&h, frag(&h, H_OUR_IP, 0, msg, 1480, 1480, true));
	h_inject(&h, frag(&h, H_OUR_IP, 0, msg, 2960, 48, false));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);

	/* The other three expire (with a Time Exceeded each), freeing all. */
	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 3);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_time_exceeded_tx"), 3);
	h_tx_drain(&h);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);

	/* Room again. */
	h_inject(&h, frag(&h, H_OUR_IP, 100, msg, 0, 1480, true));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_reasm_full"), 16);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 1);
	h_teardown(&h); /* the table frees what it still holds */
}

/*
 * The duplicate filter under the same flood: it remembers only datagrams
 * the table holds, so a copy of a refused fragment finds no record and is
 * refused again by the table, never crashing, never leaking.
 */
static void
test_duplicate_flood_bounded(void)
{
	static uint8_t msg[MSG_MAX];
	struct berth_stack_conf conf;
	struct harness h;
	uint16_t id, mlen;

	memset(&conf, 0, sizeof(conf));
	conf.reasm_max_flows = 4;
	setup_conf(&h, &conf);
	mlen = echo_msg(msg, 0, BIG);
	for (id = 0; id < 20; id++) {
		big_frag(&h, msg, id, 0);
		big_frag(&h, msg, id, 0);
		h_poll(&h, 1);
	}
	CU_ASSERT_EQUAL(h_counter(&h, "ip_frag_rx"), 40);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 4);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_reasm_full"), 32);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 4);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0 + 4);

	/* A held datagram completes through copies of its other fragments. */
	big_frag(&h, msg, 0, 1);
	big_frag(&h, msg, 0, 1);
	big_frag(&h, msg, 0, 2);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 5);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	check_reply(&h, msg, mlen);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 3);

	/* Its room and its record serve a new datagram. */
	big_frag(&h, msg, 100, 0);
	big_frag(&h, msg, 100, 0);
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_dup"), 6);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_reasm_full"), 32);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 4);

	h_poll(&h, 31000);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_frag_timeout"), 4);
	CU_ASSERT_EQUAL(ipv4_reasm_tracked(h.st), 0);
	h_tx_drain(&h);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

/* Protocol Unreachable about a reassembled datagram quotes its rebuilt header. */
static void
test_unreach_after_reassembly(void)
{
	static uint8_t data[MSG_MAX];
	uint8_t buf[256];
	struct harness h;
	struct rte_mbuf *m, *f;
	const struct rte_ipv4_hdr *q;
	unsigned int i;

	for (i = 0; i < 2000; i++)
		data[i] = (uint8_t)i;
	setup(&h);
	for (i = 0; i < 2; i++) {
		m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, 253, data + i * 1480,
				 i == 0 ? 1480 : 520);
		h_ip(m)->packet_id = RTE_BE16(0x700);
		h_ip(m)->fragment_offset = rte_cpu_to_be_16(i == 0 ? RTE_IPV4_HDR_MF_FLAG : 185);
		h_ip_fix_cksum(m);
		h_inject(&h, m);
	}
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_ip_proto"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "icmp_unreach_tx"), 1);
	f = h_tx_pop(&h);
	H_ASSERT(f != NULL);
	CU_ASSERT_EQUAL(h_flatten(f, buf, sizeof(buf)), RTE_ETHER_HDR_LEN + 20 + 8 + 20 + 8);
	rte_pktmbuf_free(f);
	q = (const void *)(buf + RTE_ETHER_HDR_LEN + 28);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(q->total_length), 20 + 2000);
	CU_ASSERT_EQUAL(q->fragment_offset, 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(q, sizeof(*q)), 0xffff);
	CU_ASSERT_EQUAL(memcmp(q + 1, data, 8), 0);
	CU_ASSERT_EQUAL(h_pool_in_use(&h), h.in_use0);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("reassembly", NULL, NULL);

	CU_add_test(s, "in order, reply fragmented", test_in_order);
	CU_add_test(s, "reversed and middle first", test_reversed);
	CU_add_test(s, "duplicate of first, middle, last fragment", test_duplicate);
	CU_add_test(s, "duplicates use none of the 8 slots", test_duplicate_each_of_8);
	CU_add_test(s, "duplicate after completion", test_duplicate_after_completion);
	CU_add_test(s, "duplicate filter cleared at expiry", test_duplicate_expiry);
	CU_add_test(s, "overlapping fragments", test_overlap);
	CU_add_test(s, "same range, other protocol", test_duplicate_other_proto);
	CU_add_test(s, "more than 8 fragments", test_more_than_8_fragments);
	CU_add_test(s, "bad fragment geometry", test_bad_geometry);
	CU_add_test(s, "timeout and Time Exceeded", test_timeout);
	CU_add_test(s, "flood bounded by reasm_max_flows", test_flood_bounded);
	CU_add_test(s, "duplicate filter bounded too", test_duplicate_flood_bounded);
	CU_add_test(s, "unreachable quotes the rebuilt header", test_unreach_after_reassembly);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
