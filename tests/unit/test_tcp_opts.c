/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options (stack/tcp_opts.c) and segment arrival (stack/tcp_input.c):
 * header checks, burst demultiplexing, and robustness against bad input.
 *
 * The parser runs on areas that end exactly at a page boundary followed by
 * an inaccessible page: reading one byte past the area ends the test binary
 * with SIGSEGV, so "never reads beyond len" is checked, not assumed. A
 * seeded fuzz loop compares the parser with a reference written from RFC
 * 9293 §3.1 on 10^5 random areas.
 *
 * Segment-level tests inject frames through the test device. The "input
 * checks" suite uses segments that tcp_input drops before the bulk lookup;
 * the "burst" suite puts segments that depend on each other in one device
 * burst, where the bulk lookup's results go stale (tcp_input_flush); the
 * "robustness" suite covers the ACK-loop limit, out-of-window SYNs and a
 * seeded fuzz of mutated segments against live connections. The state by
 * state behaviour is tested in test_tcp_states.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <berth/berth.h>

#include "cksum.h"
#include "harness.h"
#include "tcp.h"

#define NET_BCAST IPV4(198, 18, 0, 255)   /* subnet broadcast of H_OUR_IP/24 */
#define FUZZ_ROUNDS 100000
#define FUZZ_SEED 0x9293u

/* ---- an area that ends at a guard page ---- */

struct guard {
	uint8_t *map;
	size_t page;
};

static void
guard_init(struct guard *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->map = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	H_ASSERT(g->map != MAP_FAILED);
	H_ASSERT(mprotect(g->map + g->page, g->page, PROT_NONE) == 0);
}

static void
guard_fini(struct guard *g)
{
	munmap(g->map, 2 * g->page);
}

/* Copy the area so that its last byte is the last readable one. */
static const uint8_t *
guard_place(struct guard *g, const uint8_t *bytes, unsigned int len)
{
	uint8_t *p = g->map + g->page - len;

	if (len > 0)
		memcpy(p, bytes, len);
	return p;
}

/* Parse bytes placed against the guard page. */
static int
parse(const uint8_t *bytes, unsigned int len, bool syn, struct tcp_opts *o)
{
	struct guard g;
	int ret;

	guard_init(&g);
	o->mss = 0xdead;
	ret = tcp_opts_parse(guard_place(&g, bytes, len), len, syn, o);
	guard_fini(&g);
	return ret;
}

/* ---- well-formed areas ---- */

/*
 * scapy: raw(TCP(options=[('MSS',1460),('SAckOK',b''),('Timestamp',(12345,0)),
 * ('NOP',None),('WScale',7)]))[20:] -- what Linux puts on a SYN: MSS, then
 * options berth does not know yet, which are skipped.
 */
static const uint8_t v_linux_syn[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x30, 0x39,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* scapy: raw(TCP(options=[('NOP',None),('NOP',None),('Timestamp',(1,2)),('EOL',None)]))[20:] */
static const uint8_t v_nop_ts_eol[] = {
	0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00,
};

static void
test_linux_syn_options(void)
{
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(v_linux_syn, sizeof(v_linux_syn), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1460);
	CU_ASSERT_EQUAL(parse(v_nop_ts_eol, sizeof(v_nop_ts_eol), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 0);
}

/* RFC 9293 §3.7.1: MSS means something on a SYN only. */
static void
test_mss_syn_only(void)
{
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(v_linux_syn, sizeof(v_linux_syn), false, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 0);
	CU_ASSERT_EQUAL(parse((const uint8_t *)"\x02\x04\x00\x58", 4, true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 88);
	CU_ASSERT_EQUAL(parse((const uint8_t *)"\x02\x04\xff\xff", 4, true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 65535);
}

/* RFC 9293 §3.1: EOL ends the list; whatever follows is padding, even garbage. */
static void
test_eol(void)
{
	static const uint8_t mss_after[] = { 0x00, 0x02, 0x04, 0x05, 0xb4 };
	static const uint8_t junk_after[] = { 0x01, 0x00, 0x08, 0x00, 0x02 };
	static const uint8_t mss_before[] = { 0x02, 0x04, 0x02, 0x18, 0x00, 0x00, 0x00, 0x00 };
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(mss_after, sizeof(mss_after), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 0);
	CU_ASSERT_EQUAL(parse(junk_after, sizeof(junk_after), true, &o), 0);
	CU_ASSERT_EQUAL(parse(mss_before, sizeof(mss_before), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 536);
}

static void
test_nops(void)
{
	static const uint8_t nops_mss[] = { 0x01, 0x01, 0x01, 0x02, 0x04, 0x05, 0xb4, 0x01 };
	uint8_t forty[40];
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(nops_mss, sizeof(nops_mss), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1460);
	/* The largest area (data offset 15), all NOPs: 40 steps, then done. */
	memset(forty, 0x01, sizeof(forty));
	CU_ASSERT_EQUAL(parse(forty, sizeof(forty), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 0);
}

/* RFC 9293 §3.1 MUST-5: unknown kinds with a sane length are stepped over. */
static void
test_unknown_skipped(void)
{
	/* kind 253 (RFC 4727 experiment), length 6; then MSS; kind 99, length 2. */
	static const uint8_t area[] = {
		0xfd, 0x06, 0x02, 0x04, 0x00, 0x00, 0x02, 0x04, 0x23, 0x28, 0x63, 0x02,
	};
	struct tcp_opts o;

	/* The MSS-looking bytes inside the unknown option are its data, not an MSS. */
	CU_ASSERT_EQUAL(parse(area, sizeof(area), true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 9000);
}

static void
test_empty(void)
{
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(NULL, 0, true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 0);
}

/* ---- malformed areas ---- */

static void
test_zero_length(void)
{
	static const uint8_t area[] = { 0x01, 0x08, 0x00, 0x00 };
	struct tcp_opts o;

	/* A length of 0 would never advance: malformed, not an endless loop. */
	CU_ASSERT_EQUAL(parse(area, sizeof(area), true, &o), -1);
}

static void
test_length_one(void)
{
	static const uint8_t area[] = { 0x05, 0x01, 0x01, 0x01 };
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(area, sizeof(area), true, &o), -1);
}

static void
test_overrun(void)
{
	static const uint8_t area[] = { 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01 };
	/* An unknown kind (30), so only the area bounds its length. */
	static const uint8_t exact[] = { 0x01, 0x01, 0x1e, 0x06, 0x00, 0x00, 0x00, 0x01 };
	struct tcp_opts o;

	/* A timestamp of length 10 in the 6 bytes left. */
	CU_ASSERT_EQUAL(parse(area, sizeof(area), true, &o), -1);
	/* Ending exactly at the end of the area is fine. */
	CU_ASSERT_EQUAL(parse(exact, sizeof(exact), true, &o), 0);
}

static void
test_kind_at_end(void)
{
	static const uint8_t unknown[] = { 0x01, 0x01, 0x01, 0x08 };
	static const uint8_t mss[] = { 0x01, 0x01, 0x01, 0x02 };
	struct tcp_opts o;

	/* The length byte would be past the area (the guard page): malformed. */
	CU_ASSERT_EQUAL(parse(unknown, sizeof(unknown), true, &o), -1);
	CU_ASSERT_EQUAL(parse(mss, sizeof(mss), true, &o), -1);
	CU_ASSERT_EQUAL(parse(mss + 3, 1, false, &o), -1);
}

static void
test_mss_bad_length(void)
{
	static const uint8_t three[] = { 0x02, 0x03, 0x05, 0x01 };
	static const uint8_t six[] = { 0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x01, 0x01 };
	static const uint8_t two[] = { 0x02, 0x02, 0x01, 0x01 };
	struct tcp_opts o;

	CU_ASSERT_EQUAL(parse(three, sizeof(three), true, &o), -1);
	CU_ASSERT_EQUAL(parse(six, sizeof(six), true, &o), -1);
	CU_ASSERT_EQUAL(parse(two, sizeof(two), true, &o), -1);
	/* Corrupt on any segment, not only on a SYN. */
	CU_ASSERT_EQUAL(parse(six, sizeof(six), false, &o), -1);
}

static void
test_write_mss(void)
{
	uint8_t buf[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };
	struct tcp_opts o;

	CU_ASSERT_EQUAL(tcp_opts_write_mss(buf, 1460), 4);
	/* Kind 2, length 4, 1460 big-endian (scapy: raw(TCP(options=[('MSS',1460)]))[20:]). */
	CU_ASSERT_EQUAL(memcmp(buf, "\x02\x04\x05\xb4", 4), 0);
	CU_ASSERT_EQUAL(buf[4], 0xee);
	CU_ASSERT_EQUAL(parse(buf, 4, true, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1460);
}

/* ---- fuzz ---- */

/* xorshift32: the same sequence on every machine, for a reproducible seed. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * The rules of RFC 9293 §3.1 as the tcp.h contract states them, written
 * as a walk over option boundaries. Returns 0 or -1; *mss as the parser.
 */
static int
ref_parse(const uint8_t *p, unsigned int len, bool syn, uint16_t *mss)
{
	unsigned int at;

	*mss = 0;
	for (at = 0; at < len;) {
		unsigned int left = len - at;

		switch (p[at]) {
		case 0:
			return 0;
		case 1:
			at += 1;
			break;
		default:
			if (left == 1 || p[at + 1] < 2 || p[at + 1] > left)
				return -1;
			if (p[at] == 2) {
				if (p[at + 1] != 4)
					return -1;
				if (syn)
					*mss = (uint16_t)(p[at + 2] * 256 + p[at + 3]);
			}
			/* RFC 7323 §2.2, §3.2, RFC 2018 §2: fixed lengths 3, 10, 2. */
			if ((p[at] == 3 && p[at + 1] != 3) || (p[at] == 8 && p[at + 1] != 10) ||
			    (p[at] == 4 && p[at + 1] != 2))
				return -1;
			/* RFC 2018 §3: SACK is 2 + 8n bytes, n >= 1. */
			if (p[at] == 5 && (p[at + 1] < 10 || (p[at + 1] - 2) % 8 != 0))
				return -1;
			at += p[at + 1];
		}
	}
	return 0;
}

/* A random area, biased towards option boundaries that matter. */
static unsigned int
fuzz_area(uint32_t *s, uint8_t *buf)
{
	unsigned int len = rnd(s) % 41, i = 0;

	while (i < len) {
		uint32_t r = rnd(s);
		uint8_t kind, olen;

		switch (r % 8) {
		case 0: /* EOL */
			buf[i++] = 0;
			continue;
		case 1:
		case 2: /* NOP */
			buf[i++] = 1;
			continue;
		case 3: /* MSS with its right length */
			kind = 2;
			olen = 4;
			break;
		case 4: /* MSS with a small length, 4 or not */
			kind = 2;
			olen = (uint8_t)((r >> 8) % 8);
			break;
		case 5: /* any kind with a small length, 0 and 1 included */
			kind = (uint8_t)(r >> 8);
			olen = (uint8_t)((r >> 16) % 12);
			break;
		default: /* a random byte: kind, or data of the option before */
			buf[i++] = (uint8_t)(r >> 8);
			continue;
		}
		buf[i++] = kind;
		if (i < len)
			buf[i++] = olen;
	}
	return len;
}

static void
test_fuzz(void)
{
	uint8_t buf[48];
	struct tcp_opts o;
	struct guard g;
	uint32_t s = FUZZ_SEED;
	unsigned int n, len, bad = 0, with_mss = 0;

	guard_init(&g);
	for (n = 0; n < FUZZ_ROUNDS; n++) {
		bool syn = (n & 1) != 0;
		uint16_t mss;
		int want, got;

		len = fuzz_area(&s, buf);
		want = ref_parse(buf, len, syn, &mss);
		got = tcp_opts_parse(guard_place(&g, buf, len), len, syn, &o);
		CU_ASSERT_EQUAL(got, want);
		if (got == 0)
			CU_ASSERT_EQUAL(o.mss, mss);
		if (got != want || (got == 0 && o.mss != mss)) {
			fprintf(stderr, "fuzz round %u (seed 0x%x) disagrees\n", n, FUZZ_SEED);
			break;
		}
		bad += got < 0;
		with_mss += got == 0 && o.mss != 0;
	}
	guard_fini(&g);
	/* The generator reaches both outcomes often, or the loop proves little. */
	CU_ASSERT(bad > FUZZ_ROUNDS / 10);
	CU_ASSERT(FUZZ_ROUNDS - bad > FUZZ_ROUNDS / 10);
	CU_ASSERT(with_mss > FUZZ_ROUNDS / 100);
}

/* ---- tcp_input header checks ---- */

/*
 * scapy: IP(src="198.18.0.1", dst="198.18.0.2", id=1)/TCP(sport=40000,
 * dport=7, seq=1000, flags="S", window=65535, options=[("MSS",1460)]) --
 * the TCP part; checksum 0x6bcf. build_tcp() must produce the same bytes.
 */
static const uint8_t v_syn_tcp[] = {
	0x9c, 0x40, 0x00, 0x07, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
	0x60, 0x02, 0xff, 0xff, 0x6b, 0xcf, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
};

/* What the peer puts in a segment's header. */
struct seg_hdr {
	uint16_t sport, dport;    /* host order */
	tcp_seq seq, ack;
	uint8_t flags;
	const void *opts;         /* a multiple of 4 bytes */
	uint8_t optlen;
	uint8_t off;              /* data offset field; 0: from optlen */
};

/* Ethernet + IPv4 from H_PEER_IP to dst + TCP, window 65535, checksum right. */
static struct rte_mbuf *
build_seg(struct harness *h, uint32_t dst, const struct seg_hdr *sh, const void *data,
	  uint16_t dlen)
{
	uint8_t buf[20 + 40 + 256];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;
	uint16_t len = (uint16_t)(sizeof(*th) + sh->optlen + dlen);
	uint32_t sum;

	H_ASSERT(len <= sizeof(buf));
	memset(buf, 0, sizeof(buf));
	th->src_port = rte_cpu_to_be_16(sh->sport);
	th->dst_port = rte_cpu_to_be_16(sh->dport);
	th->sent_seq = rte_cpu_to_be_32(sh->seq);
	th->recv_ack = rte_cpu_to_be_32(sh->ack);
	th->data_off = (uint8_t)((sh->off != 0 ? sh->off : (sizeof(*th) + sh->optlen) / 4) << 4);
	th->tcp_flags = sh->flags;
	th->rx_win = RTE_BE16(65535);
	if (sh->optlen > 0)
		memcpy(buf + sizeof(*th), sh->opts, sh->optlen);
	if (dlen > 0)
		memcpy(buf + sizeof(*th) + sh->optlen, data, dlen);
	sum = (uint32_t)rte_raw_cksum(buf, len) +
	      cksum_ipv4_phdr(H_PEER_IP, dst, IPPROTO_TCP, len);
	th->cksum = (uint16_t)~__rte_raw_cksum_reduce(sum);
	return h_build_ipv4(h, H_PEER_IP, dst, IPPROTO_TCP, buf, len);
}

/* 40000 -> 7, SEQ 1000, no ACK; off overrides the data offset when not 0. */
static struct rte_mbuf *
build_tcp(struct harness *h, uint32_t dst, uint8_t flags, const void *opts, uint8_t optlen,
	  const void *data, uint16_t dlen, uint8_t off)
{
	struct seg_hdr sh = { .sport = 40000, .dport = 7, .seq = 1000, .flags = flags,
			      .opts = opts, .optlen = optlen, .off = off };

	return build_seg(h, dst, &sh, data, dlen);
}

/* The builder agrees with scapy, so the frames below are what they claim. */
static void
test_builder_matches_scapy(void)
{
	struct harness h;
	struct rte_mbuf *m;

	h_setup(&h);
	m = build_tcp(&h, H_OUR_IP, TCP_SYN, "\x02\x04\x05\xb4", 4, NULL, 0, 0);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m), RTE_ETHER_HDR_LEN + 20 + sizeof(v_syn_tcp));
	CU_ASSERT_EQUAL(memcmp(h_l4(m), v_syn_tcp, sizeof(v_syn_tcp)), 0);
	rte_pktmbuf_free(m);
	h_teardown(&h);
}

/* Inject, poll, and check that exactly one drop of this name happened, silently. */
static void
expect_drop(struct harness *h, struct rte_mbuf *m, const char *drop)
{
	uint64_t rx = h_counter(h, "tcp_rx"), before = h_counter(h, drop);

	h_inject(h, m);
	h_poll(h, 1);
	CU_ASSERT_EQUAL(h_counter(h, "tcp_rx"), rx + 1);
	CU_ASSERT_EQUAL(h_counter(h, drop), before + 1);
	CU_ASSERT_EQUAL(h_tx_count(h), 0);
	h_tx_drain(h);
}

static void
test_input_short(void)
{
	struct harness h;
	uint8_t nineteen[19];

	h_setup(&h);
	h_learn_peer(&h);
	memcpy(nineteen, v_syn_tcp, sizeof(nineteen));
	expect_drop(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_TCP, nineteen, 19),
		    "drop_tcp_short");
	expect_drop(&h, h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_TCP, NULL, 0),
		    "drop_tcp_short");
	h_teardown(&h);
}

static void
test_input_data_offset(void)
{
	struct harness h;

	h_setup(&h);
	h_learn_peer(&h);
	/* Below 5 words. */
	expect_drop(&h, build_tcp(&h, H_OUR_IP, TCP_SYN, NULL, 0, "abcd", 4, 4), "drop_tcp_off");
	/* 15 words (60 bytes) in a 28-byte segment. */
	expect_drop(&h, build_tcp(&h, H_OUR_IP, TCP_SYN, NULL, 0, "abcdefgh", 8, 15),
		    "drop_tcp_off");
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_cksum"), 0);
	h_teardown(&h);
}

static void
test_input_cksum(void)
{
	struct harness h;
	struct rte_mbuf *m;
	uint8_t *l4;

	h_setup(&h);
	h_learn_peer(&h);
	m = build_tcp(&h, H_OUR_IP, TCP_SYN, "\x02\x04\x05\xb4", 4, "data", 4, 0);
	l4 = h_l4(m);
	l4[25] ^= 0x01; /* one payload bit */
	expect_drop(&h, m, "drop_tcp_cksum");
	/* The checksum covers the pseudo-header: the source address too. */
	m = build_tcp(&h, H_OUR_IP, TCP_SYN, NULL, 0, NULL, 0, 0);
	h_ip(m)->src_addr = H_OTHER_IP;
	h_ip_fix_cksum(m);
	expect_drop(&h, m, "drop_tcp_cksum");
	h_teardown(&h);
}

static void
test_input_bad_options(void)
{
	struct harness h;

	h_setup(&h);
	h_learn_peer(&h);
	/* A zero-length option on a SYN: dropped before any listener sees it. */
	expect_drop(&h, build_tcp(&h, H_OUR_IP, TCP_SYN, "\x01\x08\x00\x00", 4, NULL, 0, 0),
		    "drop_tcp_bad_opts");
	/* An MSS of length 6 on an ACK. */
	expect_drop(&h, build_tcp(&h, H_OUR_IP, TCP_ACK, "\x02\x06\x05\xb4\x00\x00\x01\x01", 8,
				  "x", 1, 0), "drop_tcp_bad_opts");
	/* A kind in the last byte of the area, its length byte in the payload. */
	expect_drop(&h, build_tcp(&h, H_OUR_IP, TCP_ACK, "\x01\x01\x01\x08", 4, "\x04", 1, 0),
		    "drop_tcp_bad_opts");
	h_teardown(&h);
}

/* RFC 1122 §4.2.3.10: never TCP to a broadcast. */
static void
test_input_broadcast(void)
{
	struct harness h;
	struct rte_mbuf *m;

	h_setup(&h);
	h_learn_peer(&h);
	expect_drop(&h, build_tcp(&h, NET_BCAST, TCP_SYN, NULL, 0, NULL, 0, 0), "drop_tcp_bcast");
	expect_drop(&h, build_tcp(&h, IPV4(255, 255, 255, 255), TCP_SYN, NULL, 0, NULL, 0, 0),
		    "drop_tcp_bcast");
	/* Our address, but in a link-layer broadcast frame. */
	m = build_tcp(&h, H_OUR_IP, TCP_SYN, NULL, 0, NULL, 0, 0);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = H_BCAST_MAC;
	expect_drop(&h, m, "drop_tcp_bcast");
	h_teardown(&h);
}

/*
 * A SYN whose options straddle two IP fragments: after reassembly the first
 * buffer holds only 8 bytes of the TCP header. tcp_input must join the
 * header (rte_pktmbuf_linearize) and read the options from the second
 * fragment: the zero-length option there is found and counted.
 */
static void
test_input_split_header(void)
{
	uint8_t tcp[32], frag[32];
	struct harness h;
	struct rte_mbuf *m;
	unsigned int i;

	h_setup(&h);
	h_learn_peer(&h);
	/* 24 bytes of header with options NOP NOP 8 0, then 8 data bytes. */
	m = build_tcp(&h, H_OUR_IP, TCP_SYN, "\x01\x01\x08\x00", 4, "12345678", 8, 0);
	memcpy(tcp, h_l4(m), sizeof(tcp));
	rte_pktmbuf_free(m);
	for (i = 0; i < 2; i++) {
		uint16_t len = i == 0 ? 8 : 24;

		memcpy(frag, tcp + (i == 0 ? 0 : 8), len);
		m = h_build_ipv4(&h, H_PEER_IP, H_OUR_IP, IPPROTO_TCP, frag, len);
		h_ip(m)->packet_id = RTE_BE16(0x7777);
		h_ip(m)->fragment_offset = rte_cpu_to_be_16(i == 0 ? RTE_IPV4_HDR_MF_FLAG : 1);
		h_ip_fix_cksum(m);
		h_inject(&h, m);
	}
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "ip_reasm_ok"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_cksum"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_hdr_split"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_bad_opts"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* ---- bursts: bulk lookup and segments that change the tables ---- */

#define LPORT 7
#define PEER_SEQ 1000u

/* A segment the stack sent, its TCP header in host order. */
struct sent {
	uint16_t sport, dport;
	tcp_seq seq, ack;
	uint8_t flags;
	uint32_t len;
};

/* Pop the next frame; false when none. */
static bool
pop_sent(struct harness *h, struct sent *out)
{
	struct rte_mbuf *m = h_tx_pop(h);
	struct rte_tcp_hdr th;
	const struct rte_tcp_hdr *t;
	uint32_t l4 = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr);

	if (m == NULL)
		return false;
	H_ASSERT(h_ip(m)->next_proto_id == IPPROTO_TCP);
	t = rte_pktmbuf_read(m, l4, sizeof(th), &th);
	H_ASSERT(t != NULL);
	out->sport = rte_be_to_cpu_16(t->src_port);
	out->dport = rte_be_to_cpu_16(t->dst_port);
	out->seq = rte_be_to_cpu_32(t->sent_seq);
	out->ack = rte_be_to_cpu_32(t->recv_ack);
	out->flags = t->tcp_flags;
	out->len = rte_pktmbuf_pkt_len(m) - l4 - (uint32_t)(t->data_off >> 4) * 4;
	rte_pktmbuf_free(m);
	return true;
}

static int
listen_on(struct harness *h, uint16_t port, int backlog)
{
	struct sockaddr_in a = h_sin(0, port);
	int sd = berth_sock_open(h->st, BERTH_SOCK_STREAM);

	H_ASSERT(sd >= 0);
	H_ASSERT(berth_sock_bind(h->st, sd, &a) == 0);
	H_ASSERT(berth_sock_listen(h->st, sd, backlog) == 0);
	return sd;
}

static struct rte_mbuf *
peer_seg(struct harness *h, uint16_t sport, tcp_seq seq, tcp_seq ack, uint8_t flags,
	 const void *data, uint16_t dlen)
{
	struct seg_hdr sh = { .sport = sport, .dport = LPORT, .seq = seq, .ack = ack,
			      .flags = flags };

	return build_seg(h, H_OUR_IP, &sh, data, dlen);
}

/*
 * A passive open from sport completed (handshake through the stack, one
 * poll each). Returns our ISS.
 */
static tcp_seq
handshake(struct harness *h, uint16_t sport)
{
	struct sent p;

	h_inject(h, peer_seg(h, sport, PEER_SEQ, 0, TCP_SYN, NULL, 0));
	h_poll(h, 1);
	H_ASSERT(pop_sent(h, &p));
	H_ASSERT(p.flags == (TCP_SYN | TCP_ACK) && p.ack == PEER_SEQ + 1);
	h_inject(h, peer_seg(h, sport, PEER_SEQ + 1, p.seq + 1, TCP_ACK, NULL, 0));
	h_poll(h, 1);
	H_ASSERT(h_tx_count(h) == 0);
	return p.seq;
}

/*
 * The SYN and the ACK of the SYN-ACK in the same burst: the bulk lookup
 * found no connection for either, but the SYN made one. The ACK must find
 * the child (and complete it), not the listener (which would reset it).
 * Our ISS is predictable here: RFC 6528 from the 4-tuple and the poll's time.
 */
static void
test_burst_syn_then_ack(void)
{
	struct tcp_key key = { .laddr = H_OUR_IP, .raddr = H_PEER_IP,
			       .lport = RTE_BE16(LPORT), .rport = RTE_BE16(40000) };
	struct harness h;
	struct sent p;
	tcp_seq iss;
	int lsd;

	h_setup(&h);
	h_learn_peer(&h);
	lsd = listen_on(&h, LPORT, 4);
	iss = tcp_isn(h.st, &key, h.now + BERTH_NS_PER_MS);
	h_inject(&h, peer_seg(&h, 40000, PEER_SEQ, 0, TCP_SYN, NULL, 0));
	h_inject(&h, peer_seg(&h, 40000, PEER_SEQ + 1, iss + 1, TCP_ACK, "hi", 2));
	h_poll(&h, 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.seq, iss);
	/*
	 * Then, once the application has had its turn (the flush), the ACK of
	 * the data the third segment carried; no RST.
	 */
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	berth_stack_flush(h.st, h.now);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_ACK);
	CU_ASSERT_EQUAL(p.ack, PEER_SEQ + 3);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rst_tx"), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_passive_opens"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_established"), 1);
	CU_ASSERT(berth_sock_accept(h.st, lsd, NULL) >= 0);
	h_teardown(&h);
}

/*
 * A RST and data for the same connection in one burst. The RST frees the
 * connection (a child nobody accepted: no descriptor holds it); the data
 * must then meet the listener, which answers an ACK with a RST
 * <SEQ=SEG.ACK> (RFC 9293 §3.10.7.2), not the freed TCB (which would ACK).
 */
static void
test_burst_rst_then_data(void)
{
	struct harness h;
	struct sent p;
	tcp_seq iss;
	uint32_t tcbs;

	h_setup(&h);
	h_learn_peer(&h);
	listen_on(&h, LPORT, 4);
	iss = handshake(&h, 40001);
	tcbs = h.st->tcp->nb_tcbs;
	h_inject(&h, peer_seg(&h, 40001, PEER_SEQ + 1, 0, TCP_RST, NULL, 0));
	h_inject(&h, peer_seg(&h, 40001, PEER_SEQ + 1, iss + 1, TCP_ACK, "late", 4));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rst_rx"), 1);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, tcbs - 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT_EQUAL(p.flags, TCP_RST);
	CU_ASSERT_EQUAL(p.seq, iss + 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_listen"), 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/*
 * FIN-WAIT-2 after close(): the peer's FIN and a copy of it in one burst.
 * The first FIN moves the connection to a TIME-WAIT entry and frees the
 * TCB; the copy must find the entry, which acknowledges it again.
 */
static void
test_burst_time_wait_transition(void)
{
	struct harness h;
	struct sent p;
	tcp_seq iss;
	uint32_t tcbs;
	int lsd, sd;

	h_setup(&h);
	h_learn_peer(&h);
	lsd = listen_on(&h, LPORT, 4);
	iss = handshake(&h, 40002);
	sd = berth_sock_accept(h.st, lsd, NULL);
	H_ASSERT(sd >= 0);
	tcbs = h.st->tcp->nb_tcbs;
	H_ASSERT(berth_sock_close(h.st, sd) == 0);
	h_poll(&h, 1);
	H_ASSERT(pop_sent(&h, &p));
	H_ASSERT(p.flags == (TCP_FIN | TCP_ACK) && p.seq == iss + 1);
	h_inject(&h, peer_seg(&h, 40002, PEER_SEQ + 1, iss + 2, TCP_ACK, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_inject(&h, peer_seg(&h, 40002, PEER_SEQ + 1, iss + 2, TCP_FIN | TCP_ACK, NULL, 0));
	h_inject(&h, peer_seg(&h, 40002, PEER_SEQ + 1, iss + 2, TCP_FIN | TCP_ACK, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_time_wait"), 1);
	CU_ASSERT_EQUAL(tcp_tw_count(h.st), 1);
	CU_ASSERT_EQUAL(h.st->tcp->nb_tcbs, tcbs - 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT(p.flags == TCP_ACK && p.seq == iss + 2 && p.ack == PEER_SEQ + 2);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT(p.flags == TCP_ACK && p.seq == iss + 2 && p.ack == PEER_SEQ + 2);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_no_conn"), 0);
	h_teardown(&h);
}

/*
 * Bare ACKs outside the window (SEG.SEQ behind RCV.NXT, as from a peer
 * whose SND.NXT a timeout rewound) are answered at most once per 500 ms:
 * two such ends would otherwise ACK each other's ACKs without end. Data
 * outside the window is always answered.
 */
static void
test_oow_ack_limit(void)
{
	struct harness h;
	struct sent p;
	tcp_seq iss, rcv = PEER_SEQ + 1;
	unsigned int i;
	int lsd;

	h_setup(&h);
	h_learn_peer(&h);
	lsd = listen_on(&h, LPORT, 4);
	iss = handshake(&h, 40003);
	H_ASSERT(berth_sock_accept(h.st, lsd, NULL) >= 0);
	/* 30: all in one device burst (BERTH_DEV_RX_BURST). */
	for (i = 0; i < 30; i++)
		h_inject(&h, peer_seg(&h, 40003, rcv - 1000, iss + 1, TCP_ACK, NULL, 0));
	h_poll(&h, 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT(p.flags == TCP_ACK && p.seq == iss + 1 && p.ack == rcv);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_seq"), 30);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_oow_ack_limited"), 29);
	/* Out-of-window data is always answered. */
	h_inject(&h, peer_seg(&h, 40003, rcv - 1000, iss + 1, TCP_ACK, "old", 3));
	h_inject(&h, peer_seg(&h, 40003, rcv - 1000, iss + 1, TCP_ACK, "old", 3));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 2);
	h_tx_drain(&h);
	/* Half a second later, one more bare ACK is answered. */
	h_poll(&h, 500);
	h_inject(&h, peer_seg(&h, 40003, rcv - 1000, iss + 1, TCP_ACK, NULL, 0));
	h_inject(&h, peer_seg(&h, 40003, rcv - 1000, iss + 1, TCP_ACK, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_tx_count(&h), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_oow_ack_limited"), 30);
	h_tx_drain(&h);
	h_teardown(&h);
}

/*
 * A bare ACK at exactly RCV.NXT + RCV.WND (from a peer that filled our
 * window) is taken, with what it acknowledges; one past it is not, and a
 * RST at the edge is outside the window (RFC 5961 §3.2).
 */
static void
test_ack_at_right_edge(void)
{
	struct tcp_key key = { .laddr = H_OUR_IP, .raddr = H_PEER_IP,
			       .lport = RTE_BE16(LPORT), .rport = RTE_BE16(40005) };
	static const uint8_t data[100];
	tcp_seq iss, rcv = PEER_SEQ + 1;
	struct tcp_lookup lk;
	struct harness h;
	struct sent p;
	uint32_t wnd;
	int lsd, sd;

	h_setup(&h);
	h_learn_peer(&h);
	lsd = listen_on(&h, LPORT, 4);
	iss = handshake(&h, 40005);
	sd = berth_sock_accept(h.st, lsd, NULL);
	H_ASSERT(sd >= 0);
	CU_ASSERT_EQUAL(berth_sock_send(h.st, sd, data, sizeof(data)), (ssize_t)sizeof(data));
	h_poll(&h, 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT(p.seq == iss + 1 && p.len == sizeof(data));
	lk = tcp_table_lookup(h.st, &key);
	H_ASSERT(lk.kind == TCP_LK_TCB);
	wnd = tcp_rcv_window(lk.tcb);
	CU_ASSERT(wnd > 0);
	h_inject(&h, peer_seg(&h, 40005, rcv + wnd, iss + 101, TCP_ACK, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(lk.tcb->snd_una, iss + 101);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_seq"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_inject(&h, peer_seg(&h, 40005, rcv + wnd + 1, iss + 101, TCP_ACK, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_seq"), 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT(p.flags == TCP_ACK && p.seq == iss + 101 && p.ack == rcv);
	h_inject(&h, peer_seg(&h, 40005, rcv + wnd, 0, TCP_RST, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_rst_bad"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_challenge_ack"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	CU_ASSERT_EQUAL(lk.tcb->state, TCP_ESTABLISHED);
	h_teardown(&h);
}

/* RFC 5961 §4.2: a SYN outside the window still gets a challenge ACK. */
static void
test_syn_outside_window(void)
{
	struct harness h;
	struct sent p;
	tcp_seq iss, rcv = PEER_SEQ + 1;
	int lsd;

	h_setup(&h);
	h_learn_peer(&h);
	lsd = listen_on(&h, LPORT, 4);
	iss = handshake(&h, 40004);
	H_ASSERT(berth_sock_accept(h.st, lsd, NULL) >= 0);
	h_inject(&h, peer_seg(&h, 40004, rcv + 0x40000000u, 0, TCP_SYN, NULL, 0));
	h_poll(&h, 1);
	H_ASSERT(pop_sent(&h, &p));
	CU_ASSERT(p.flags == TCP_ACK && p.seq == iss + 1 && p.ack == rcv);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_challenge_ack"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_syn_sync"), 1);
	CU_ASSERT_EQUAL(h_counter(&h, "drop_tcp_seq"), 0);
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* What ipv4_input does before tcp_input: strip Ethernet, describe the packet. */
static void
deliver(struct harness *h, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	struct berth_ip_info info;

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	memset(&info, 0, sizeof(info));
	info.ifp = &h->st->ifs[0];
	info.src = ip->src_addr;
	info.dst = ip->dst_addr;
	info.hdr_len = sizeof(*ip);
	info.payload_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
	info.proto = IPPROTO_TCP;
	info.ttl = ip->time_to_live;
	tcp_input(h->st, m, &info, h->now);
}

/*
 * More segments than the burst array holds (a device burst is smaller,
 * but several interfaces or a caller of tcp_input may exceed it): the
 * array is flushed when full, and every segment is processed once, in
 * order.
 */
static void
test_burst_array_full(void)
{
	const unsigned int n = TCP_BURST + 6;
	struct harness h;
	struct sent p;
	unsigned int i;

	h_setup(&h);
	h_learn_peer(&h);
	listen_on(&h, LPORT, 4);
	for (i = 0; i < TCP_BURST; i++)
		deliver(&h, peer_seg(&h, (uint16_t)(41000 + i), PEER_SEQ, 0, TCP_SYN, NULL, 0));
	/* Stashed, not processed yet. */
	CU_ASSERT_EQUAL(h.st->tcp->nb_burst, TCP_BURST);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_passive_opens"), 0);
	for (; i < n; i++)
		deliver(&h, peer_seg(&h, (uint16_t)(41000 + i), PEER_SEQ, 0, TCP_SYN, NULL, 0));
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_passive_opens"), TCP_BURST);
	CU_ASSERT_EQUAL(h.st->tcp->nb_burst, n - TCP_BURST);
	tcp_input_flush(h.st, h.now);
	CU_ASSERT_EQUAL(h.st->tcp->nb_burst, 0);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_passive_opens"), n);
	CU_ASSERT_EQUAL(h_counter(&h, "tcp_rx"), n);
	berth_stack_flush(h.st, h.now);
	for (i = 0; i < n; i++) {
		H_ASSERT(pop_sent(&h, &p));
		CU_ASSERT_EQUAL(p.flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(p.dport, 41000 + i);
	}
	CU_ASSERT_EQUAL(h_tx_count(&h), 0);
	h_teardown(&h);
}

/* ---- fuzz: mutated segments against live connections ---- */

#define SEGFUZZ_ROUNDS 30000
#define SEGFUZZ_SEED 0x5961u

/* Repair the IPv4 and TCP checksums of a frame built by build_seg and edited. */
static void
fix_tcp_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = h_ip(m);
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
	uint8_t *th = h_l4(m);
	uint16_t ck = 0;

	memcpy(th + 16, &ck, 2);
	ck = cksum_ipv4_l4(m, RTE_ETHER_HDR_LEN + sizeof(*ip), l4_len, ip->src_addr,
			   ip->dst_addr, IPPROTO_TCP);
	memcpy(th + 16, &ck, 2);
	h_ip_fix_cksum(m);
}

/*
 * One segment near a connection's state: sequence and acknowledgment
 * numbers close to what it expects (so that the state machine, not only
 * the acceptability test, sees them), random flags, window, options and
 * payload, sometimes a broken header or checksum.
 */
static struct rte_mbuf *
fuzz_seg(struct harness *h, uint32_t *s, uint16_t sport, tcp_seq seq, tcp_seq ack)
{
	static const int32_t near[] = { 0, 0, 0, 1, -1, 2, 100, -100, 65535, -65536 };
	uint8_t opts[40], data[256];
	struct seg_hdr sh = { .sport = sport, .dport = LPORT };
	struct rte_mbuf *m;
	uint32_t r = rnd(s);
	uint16_t dlen = 0;
	unsigned int i;

	sh.seq = (r & 7) == 0 ? rnd(s) : seq + (tcp_seq)near[rnd(s) % RTE_DIM(near)];
	sh.ack = (r & 0x38) == 0 ? rnd(s) : ack + (tcp_seq)near[rnd(s) % RTE_DIM(near)];
	/* Mostly ACK-bearing, like real traffic; sometimes anything. */
	sh.flags = (uint8_t)(rnd(s) & 0x3f);
	if (r & 0x40)
		sh.flags |= TCP_ACK;
	if ((r & 0x180) == 0) {
		sh.optlen = (uint8_t)(4 * (rnd(s) % 11));
		for (i = 0; i < sh.optlen; i++)
			opts[i] = (uint8_t)(i % 4 == 0 ? rnd(s) % 5 : rnd(s) % 12);
		sh.opts = opts;
	}
	if (r & 0x200) {
		dlen = (uint16_t)(rnd(s) % sizeof(data));
		for (i = 0; i < dlen; i++)
			data[i] = (uint8_t)i;
	}
	m = build_seg(h, H_OUR_IP, &sh, data, dlen);
	/* The window, the urgent pointer, sometimes the data offset. */
	((struct rte_tcp_hdr *)h_l4(m))->rx_win = (uint16_t)rnd(s);
	((struct rte_tcp_hdr *)h_l4(m))->tcp_urp = (uint16_t)rnd(s);
	if ((r & 0xc00) == 0)
		((struct rte_tcp_hdr *)h_l4(m))->data_off = (uint8_t)(rnd(s) << 4);
	if ((r & 0x7000) != 0)
		fix_tcp_cksum(m);
	return m;
}

/*
 * 3*10^4 mutated segments to a listener and to connections it accepted
 * (which the fuzz resets, closes, fills and drains as it goes), with time
 * passing so that timers run. Nothing may crash or loop; afterwards the
 * listener still completes a handshake, and teardown finds every mbuf back.
 */
static void
test_fuzz_segments(void)
{
	struct harness h;
	struct sent p;
	uint32_t s = SEGFUZZ_SEED;
	uint8_t buf[512];
	unsigned int n;
	int lsd, sd;

	h_setup(&h);
	h_learn_peer(&h);
	lsd = listen_on(&h, LPORT, 8);
	for (n = 0; n < SEGFUZZ_ROUNDS; n++) {
		uint16_t sport = (uint16_t)(42000 + rnd(&s) % 4);
		struct tcp_key key = { .laddr = H_OUR_IP, .raddr = H_PEER_IP,
				       .lport = RTE_BE16(LPORT),
				       .rport = rte_cpu_to_be_16(sport) };
		struct tcp_lookup lk = tcp_table_lookup(h.st, &key);
		tcp_seq seq = PEER_SEQ, ack = 0;

		/* Aim at the state the 4-tuple is in. */
		if (lk.kind == TCP_LK_TCB) {
			seq = lk.tcb->rcv_nxt;
			ack = lk.tcb->snd_nxt;
		} else if (lk.kind == TCP_LK_TW) {
			seq = tcp_tw_rcv_nxt(lk.tw);
			ack = tcp_tw_snd_nxt(lk.tw);
		}
		h_inject(&h, fuzz_seg(&h, &s, sport, seq, ack));
		if (rnd(&s) % 4 == 0)
			h_poll_ns(&h, rnd(&s) % (50 * BERTH_NS_PER_MS));
		/* The application: accepts, reads, writes, closes. */
		if (rnd(&s) % 16 == 0) {
			sd = berth_sock_accept(h.st, lsd, NULL);
			if (sd >= 0) {
				(void)berth_sock_recv(h.st, sd, buf, sizeof(buf));
				(void)berth_sock_send(h.st, sd, buf, rnd(&s) % sizeof(buf));
				if (rnd(&s) % 2 == 0)
					(void)berth_sock_close(h.st, sd);
			}
		}
		h_tx_drain(&h);
	}
	/* Everything settles: time-outs run, TIME-WAIT entries expire. */
	h_poll(&h, 300 * 1000);
	h_poll(&h, 300 * 1000);
	h_tx_drain(&h);
	CU_ASSERT(h_counter(&h, "tcp_rx") > SEGFUZZ_ROUNDS / 2);
	/* No storm: at most one RST per segment received. */
	CU_ASSERT(h_counter(&h, "tcp_rst_tx") <= h_counter(&h, "tcp_rx"));
	/* The listener still works. */
	h_inject(&h, peer_seg(&h, 43000, PEER_SEQ, 0, TCP_SYN, NULL, 0));
	h_poll(&h, 1);
	CU_ASSERT(pop_sent(&h, &p) && p.flags == (TCP_SYN | TCP_ACK) && p.ack == PEER_SEQ + 1);
	h_tx_drain(&h);
	h_teardown(&h);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("options", NULL, NULL);
	CU_add_test(s, "Linux SYN options", test_linux_syn_options);
	CU_add_test(s, "MSS on SYN only", test_mss_syn_only);
	CU_add_test(s, "EOL ends the list", test_eol);
	CU_add_test(s, "NOPs, 40 of them", test_nops);
	CU_add_test(s, "unknown option skipped", test_unknown_skipped);
	CU_add_test(s, "empty area", test_empty);
	CU_add_test(s, "zero length", test_zero_length);
	CU_add_test(s, "length 1", test_length_one);
	CU_add_test(s, "length overruns the area", test_overrun);
	CU_add_test(s, "kind at the end without length", test_kind_at_end);
	CU_add_test(s, "MSS with a length other than 4", test_mss_bad_length);
	CU_add_test(s, "MSS written", test_write_mss);
	CU_add_test(s, "fuzz against the reference", test_fuzz);

	s = CU_add_suite("input checks", NULL, NULL);
	CU_add_test(s, "frame builder matches scapy", test_builder_matches_scapy);
	CU_add_test(s, "short segment", test_input_short);
	CU_add_test(s, "data offset", test_input_data_offset);
	CU_add_test(s, "checksum", test_input_cksum);
	CU_add_test(s, "malformed options", test_input_bad_options);
	CU_add_test(s, "broadcast destination", test_input_broadcast);
	CU_add_test(s, "header split by fragmentation", test_input_split_header);

	s = CU_add_suite("burst", NULL, NULL);
	CU_add_test(s, "SYN and the handshake's ACK together", test_burst_syn_then_ack);
	CU_add_test(s, "RST and data together", test_burst_rst_then_data);
	CU_add_test(s, "FIN and its copy across TIME-WAIT", test_burst_time_wait_transition);
	CU_add_test(s, "more segments than the burst array", test_burst_array_full);

	s = CU_add_suite("robustness", NULL, NULL);
	CU_add_test(s, "ACKs to out-of-window bare ACKs limited", test_oow_ack_limit);
	CU_add_test(s, "SYN outside the window: challenge ACK", test_syn_outside_window);
	CU_add_test(s, "bare ACK at the right edge of the window", test_ack_at_right_edge);
	CU_add_test(s, "fuzz: mutated segments on live connections", test_fuzz_segments);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
