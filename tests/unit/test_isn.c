/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (stack/tcp_isn.c), RFC 6528 §3:
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey).
 * Different 4-tuples get unrelated ISNs at the same time; one 4-tuple's ISN
 * advances by one every 4 us (250000 per second) and never goes back; two
 * stacks (two secret keys) disagree on the same 4-tuple at the same time.
 */
#include <string.h>

#include <rte_byteorder.h>

#include <berth/berth.h>

#include "harness.h"
#include "tcp.h"

static struct tcp_key
key4(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_key k = {
		.laddr = laddr, .raddr = raddr,
		.lport = rte_cpu_to_be_16(lport), .rport = rte_cpu_to_be_16(rport),
	};

	return k;
}

/* Different 4-tuples, one instant: different ISNs, every field of the tuple counts. */
static void
test_tuples_differ(void)
{
	enum { N = 100 };
	struct harness h;
	struct tcp_key base = key4(H_OUR_IP, 7, H_PEER_IP, 40000), k;
	tcp_seq isn[N], b;
	unsigned int i, j, bits = 0;

	h_setup(&h);
	b = tcp_isn(h.st, &base, h.now);
	/* A function of tuple and time, not a draw: the same inputs, the same ISN. */
	CU_ASSERT_EQUAL(tcp_isn(h.st, &base, h.now), b);
	k = key4(H_OTHER_IP, 7, H_PEER_IP, 40000);
	CU_ASSERT_NOT_EQUAL(tcp_isn(h.st, &k, h.now), b);
	k = key4(H_OUR_IP, 8, H_PEER_IP, 40000);
	CU_ASSERT_NOT_EQUAL(tcp_isn(h.st, &k, h.now), b);
	k = key4(H_OUR_IP, 7, H_OTHER_IP, 40000);
	CU_ASSERT_NOT_EQUAL(tcp_isn(h.st, &k, h.now), b);
	k = key4(H_OUR_IP, 7, H_PEER_IP, 40001);
	CU_ASSERT_NOT_EQUAL(tcp_isn(h.st, &k, h.now), b);
	/* Local and remote swapped is another connection. */
	k = key4(H_PEER_IP, 40000, H_OUR_IP, 7);
	CU_ASSERT_NOT_EQUAL(tcp_isn(h.st, &k, h.now), b);

	for (i = 0; i < N; i++) {
		k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(40000 + i));
		isn[i] = tcp_isn(h.st, &k, h.now);
		for (j = 0; j < i; j++)
			CU_ASSERT_NOT_EQUAL(isn[i], isn[j]);
		if (i > 0)
			bits += (unsigned int)__builtin_popcount(isn[i] ^ isn[i - 1]);
	}
	/*
	 * Neighbouring ports: about half of the 32 bits differ (a keyed hash),
	 * not a few low bits (a counter or a linear function of the port).
	 */
	CU_ASSERT(bits / (N - 1) >= 12 && bits / (N - 1) <= 20);
	h_teardown(&h);
}

/* RFC 6528 §3: M is a 4 us timer. */
static void
test_clock(void)
{
	struct harness h;
	struct tcp_key k = key4(H_OUR_IP, 7, H_PEER_IP, 40000);
	uint64_t t0, t;
	tcp_seq prev, cur;

	h_setup(&h);
	t0 = h.now;
	/* One second of virtual time: exactly 250000 ticks (1e9 ns / 4000 ns). */
	CU_ASSERT_EQUAL(tcp_isn(h.st, &k, t0 + BERTH_NS_PER_SEC) - tcp_isn(h.st, &k, t0), 250000);
	CU_ASSERT_EQUAL(tcp_isn(h.st, &k, t0 + 4000) - tcp_isn(h.st, &k, t0), 1);
	/* t0 is a multiple of 4 us: nothing moves within the tick. */
	CU_ASSERT_EQUAL(tcp_isn(h.st, &k, t0 + 3999), tcp_isn(h.st, &k, t0));

	/* Monotonic over 10 s in 1 ms steps, 250 per step. */
	prev = tcp_isn(h.st, &k, t0);
	for (t = t0 + BERTH_NS_PER_MS; t <= t0 + 10 * BERTH_NS_PER_SEC; t += BERTH_NS_PER_MS) {
		cur = tcp_isn(h.st, &k, t);
		CU_ASSERT(seq_gt(cur, prev));
		CU_ASSERT_EQUAL(cur - prev, 250);
		if (cur - prev != 250)
			break;
		prev = cur;
	}
	CU_ASSERT_EQUAL(prev - tcp_isn(h.st, &k, t0), 2500000);

	/* Driven by the stack's clock as the connection code calls it. */
	prev = tcp_isn(h.st, &k, h.now);
	h_poll(&h, 1000);
	CU_ASSERT_EQUAL(tcp_isn(h.st, &k, h.now) - prev, 250000);
	h_teardown(&h);
}

/* Two stacks, two secret keys: the same tuple at the same time differs. */
static void
test_two_stacks(void)
{
	struct harness h1, h2;
	struct tcp_key k;
	unsigned int i, same = 0;

	h_setup(&h1);
	h_setup(&h2);
	CU_ASSERT_NOT_EQUAL(memcmp(h1.st->tcp->isn_key, h2.st->tcp->isn_key,
				   sizeof(h1.st->tcp->isn_key)), 0);
	for (i = 0; i < 100; i++) {
		k = key4(H_OUR_IP, 7, H_PEER_IP, (uint16_t)(40000 + i));
		if (tcp_isn(h1.st, &k, h1.now) == tcp_isn(h2.st, &k, h1.now))
			same++;
	}
	CU_ASSERT_EQUAL(same, 0);
	h_teardown(&h2);
	h_teardown(&h1);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("isn", NULL, NULL);

	CU_add_test(s, "different tuples, different ISNs", test_tuples_differ);
	CU_add_test(s, "4 us clock, monotonic", test_clock);
	CU_add_test(s, "two stacks, two keys", test_two_stacks);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
