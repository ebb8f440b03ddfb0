/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache-conscious table (stack/ctable.c): its SipHash against
 * libsodium's, add/lookup/delete and positions, capacity, a dense table
 * that needs cuckoo paths with churn checked against a reference, bulk
 * lookups against single ones, key lengths, bad parameters. The dense
 * test audits the table's invariants (the second-bucket counts) as it goes;
 * tests check that the table's memory goes back to the heap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include <sodium.h>

#include "ctable.h"
#include "harness.h"

/* A 12-byte key as the connection table's (struct tcp_key). */
struct key12 {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
} __attribute__((packed));

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	/* xorshift64: reproducible keys */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct key12
key_nth(uint32_t i)
{
	/* Distinct for distinct i: a server port, clients in 198.18.0.0/15. */
	struct key12 k = {
		.laddr = IPV4(198, 18, 0, 2), .raddr = IPV4(198, 18 + (i >> 24 & 1), i >> 16 & 0xff, i >> 8 & 0xff),
		.lport = 80, .rport = (uint16_t)(1024 + (i & 0xff)),
	};

	return k;
}

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats s;
	size_t used = 0;
	int i;

	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		if (rte_malloc_get_socket_stats(i, &s) == 0)
			used += s.heap_allocsz_bytes;
	return used;
}

/* Tests that run once per hash set this. */
static enum ctable_hash hash_kind = CTABLE_HASH_SIPHASH;

static struct ctable *
make(uint32_t entries, uint32_t key_len, uint32_t nb_buckets)
{
	struct ctable_params p = {
		.entries = entries, .key_len = key_len, .nb_buckets = nb_buckets,
		.socket_id = SOCKET_ID_ANY, .hash = hash_kind,
	};
	struct ctable *t = ctable_create(&p);

	H_ASSERT(t != NULL);
	return t;
}

/* ---- hash ---- */

static void
test_siphash_reference(void)
{
	static const uint8_t seed[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t in[64], out[8];
	uint64_t ref;
	size_t len;

	for (len = 0; len < sizeof(in); len++)
		in[len] = (uint8_t)len;
	/* The SipHash paper, appendix A: 15 bytes 00..0e under key 00..0f. */
	CU_ASSERT_EQUAL(ctable_siphash(seed, in, 15, 2, 4), 0xa129ca6149be45e5ull);
	/* SipHash-2-4 is libsodium's crypto_shorthash (little-endian output). */
	for (len = 0; len < sizeof(in); len++) {
		crypto_shorthash(out, in, len, seed);
		memcpy(&ref, out, 8);
		CU_ASSERT_EQUAL(ctable_siphash(seed, in, len, 2, 4), rte_le_to_cpu_64(ref));
	}
	/* 1-3 is another function. */
	CU_ASSERT_NOT_EQUAL(ctable_siphash(seed, in, 12, 1, 3), ctable_siphash(seed, in, 12, 2, 4));
}

static void
test_table_hash(void)
{
	uint8_t seed[16], key[16];
	struct ctable_params p = { .entries = 16, .socket_id = SOCKET_ID_ANY, .seed = seed };
	struct ctable *t;
	size_t used = heap_used();
	unsigned int i;

	for (i = 0; i < 16; i++) {
		seed[i] = (uint8_t)(0xa0 + i);
		key[i] = (uint8_t)rnd();
	}
	/* The table's specialised hash is SipHash-1-3 over key_len bytes, every length. */
	for (p.key_len = 1; p.key_len <= CTABLE_KEY_MAX; p.key_len++) {
		t = ctable_create(&p);
		H_ASSERT(t != NULL);
		CU_ASSERT_EQUAL(ctable_hash(t, key), ctable_siphash(seed, key, p.key_len, 1, 3));
		ctable_free(t);
	}
	CU_ASSERT_EQUAL(heap_used(), used);
}

static void
seed_matters(void)
{
	struct ctable *a = make(16, sizeof(struct key12), 0);
	struct ctable *b = make(16, sizeof(struct key12), 0);
	struct key12 k;
	unsigned int i, same = 0;

	/* Two tables draw two secrets: a peer cannot know where a key lands. */
	for (i = 0; i < 100; i++) {
		k = key_nth(i);
		same += ctable_hash(a, &k) == ctable_hash(b, &k);
		CU_ASSERT_EQUAL(ctable_hash(a, &k), ctable_hash(a, &k));
	}
	CU_ASSERT_EQUAL(same, 0);
	ctable_free(a);
	ctable_free(b);
}

/* Same seed, same hash; NH is another function than SipHash. */
static void
test_seed_matters(void)
{
	static const uint8_t seed[16] = { 7 };
	struct ctable_params p = { .entries = 8, .key_len = 12, .socket_id = SOCKET_ID_ANY,
				   .seed = seed };
	struct ctable *s1, *s2, *n1;
	struct key12 k = key_nth(5);

	hash_kind = CTABLE_HASH_SIPHASH;
	seed_matters();
	hash_kind = CTABLE_HASH_NH;
	seed_matters();
	hash_kind = CTABLE_HASH_SIPHASH;
	s1 = ctable_create(&p);
	s2 = ctable_create(&p);
	p.hash = CTABLE_HASH_NH;
	n1 = ctable_create(&p);
	H_ASSERT(s1 != NULL && s2 != NULL && n1 != NULL);
	CU_ASSERT_EQUAL(ctable_hash(s1, &k), ctable_hash(s2, &k));
	CU_ASSERT_NOT_EQUAL(ctable_hash(s1, &k), ctable_hash(n1, &k));
	ctable_free(s1);
	ctable_free(s2);
	ctable_free(n1);
}

/* The table tests again with the NH hash. */
static int
suite_nh(void)
{
	hash_kind = CTABLE_HASH_NH;
	return 0;
}

static int
suite_sip(void)
{
	hash_kind = CTABLE_HASH_SIPHASH;
	return 0;
}

/* ---- add, lookup, delete ---- */

static void
test_add_lookup_del(void)
{
	size_t used = heap_used();
	struct ctable *t = make(64, sizeof(struct key12), 0);
	struct key12 k1 = key_nth(1), k2 = key_nth(2), k3 = key_nth(3);
	const uint32_t x = 7, y = 0x80000001;
	int32_t p1, p2, other;
	uint32_t d;

	p1 = ctable_add(t, &k1, x);
	p2 = ctable_add(t, &k2, y);
	CU_ASSERT(p1 >= 0 && p1 < 64);
	CU_ASSERT(p2 >= 0 && p2 < 64);
	CU_ASSERT_NOT_EQUAL(p1, p2);
	CU_ASSERT_EQUAL(ctable_count(t), 2);
	/* A present key: refused, its value kept. */
	CU_ASSERT_EQUAL(ctable_add(t, &k1, y), -EEXIST);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k1, &d), p1);
	CU_ASSERT_EQUAL(d, x);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k2, &d), p2);
	CU_ASSERT_EQUAL(d, y);
	/* CTABLE_VAL_NONE is no value. */
	CU_ASSERT_EQUAL(ctable_add(t, &k3, CTABLE_VAL_NONE), -EINVAL);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k3, &d), -ENOENT);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k1, NULL), p1);
	/* Positions give the key back, and the value can change in place. */
	CU_ASSERT(ctable_key(t, p1) != NULL && memcmp(ctable_key(t, p1), &k1, sizeof(k1)) == 0);
	CU_ASSERT_EQUAL(ctable_set_val(t, p1, y), 0);
	ctable_lookup(t, &k1, &d);
	CU_ASSERT_EQUAL(d, y);
	CU_ASSERT_EQUAL(ctable_set_val(t, p1, CTABLE_VAL_NONE), -ENOENT);
	for (other = 0; other == p1 || other == p2; other++)
		;
	CU_ASSERT_PTR_NULL(ctable_key(t, other));
	CU_ASSERT_PTR_NULL(ctable_key(t, -1));
	CU_ASSERT_PTR_NULL(ctable_key(t, 64));
	CU_ASSERT_EQUAL(ctable_set_val(t, 64, x), -ENOENT);
	/* Delete: the position comes back, the key is gone, the other stays. */
	CU_ASSERT_EQUAL(ctable_del(t, &k1), p1);
	CU_ASSERT_EQUAL(ctable_del(t, &k1), -ENOENT);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k1, &d), -ENOENT);
	CU_ASSERT_PTR_NULL(ctable_key(t, p1));
	CU_ASSERT_EQUAL(ctable_set_val(t, p1, x), -ENOENT);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k2, &d), p2);
	CU_ASSERT_EQUAL(ctable_count(t), 1);
	/* The freed position is handed out again. */
	CU_ASSERT_EQUAL(ctable_add(t, &k3, x), p1);
	CU_ASSERT_EQUAL(ctable_audit(t), 0);
	ctable_free(t);
	CU_ASSERT_EQUAL(heap_used(), used);
}

static void
test_capacity(void)
{
	struct ctable *t = make(100, sizeof(struct key12), 0);
	bool seen[100] = { false };
	struct key12 k;
	int32_t p;
	uint32_t i;

	for (i = 0; i < 100; i++) {
		k = key_nth(i);
		p = ctable_add(t, &k, 1);
		H_ASSERT(p >= 0 && p < 100);
		CU_ASSERT(!seen[p]);
		seen[p] = true;
	}
	k = key_nth(100);
	CU_ASSERT_EQUAL(ctable_add(t, &k, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ctable_lookup(t, &k, NULL), -ENOENT);
	k = key_nth(42);
	p = ctable_del(t, &k);
	CU_ASSERT(p >= 0);
	k = key_nth(100);
	CU_ASSERT_EQUAL(ctable_add(t, &k, 1), p);
	CU_ASSERT_EQUAL(ctable_count(t), 100);
	ctable_free(t);
}

/*
 * 1000 keys in 140 buckets (89% of the slots): many first buckets overflow,
 * so inserts need cuckoo paths and lookups the second bucket. Then churn,
 * checked against a reference after every step.
 */
#define DENSE_N 1000
#define DENSE_KEYS 4000

static void
dense_check(const struct ctable *t, const int32_t *pos)
{
	struct key12 k;
	uint32_t i, n = 0, d;

	for (i = 0; i < DENSE_KEYS; i++) {
		k = key_nth(i);
		if (pos[i] >= 0) {
			CU_ASSERT_EQUAL(ctable_lookup(t, &k, &d), pos[i]);
			CU_ASSERT_EQUAL(d, i + 1);
			n++;
		} else {
			CU_ASSERT_EQUAL(ctable_lookup(t, &k, &d), -ENOENT);
		}
	}
	CU_ASSERT_EQUAL(ctable_count(t), n);
	CU_ASSERT_EQUAL(ctable_audit(t), 0);
}

static void
test_dense_churn(void)
{
	size_t used = heap_used();
	struct ctable *t = make(DENSE_N, sizeof(struct key12), 140);
	static int32_t pos[DENSE_KEYS];
	struct key12 k;
	uint32_t i, step, in = 0, fails = 0;
	int32_t p;

	for (i = 0; i < DENSE_KEYS; i++)
		pos[i] = -1;
	for (i = 0; i < DENSE_N; i++) {
		k = key_nth(i);
		pos[i] = ctable_add(t, &k, i + 1);
		CU_ASSERT(pos[i] >= 0);
		in += pos[i] >= 0;
	}
	CU_ASSERT_EQUAL(in, DENSE_N);
	dense_check(t, pos);
	/* Churn: delete one key, add another, at 80-100% of the entries. */
	for (step = 0; step < 20000; step++) {
		i = (uint32_t)(rnd() % DENSE_KEYS);
		k = key_nth(i);
		if (pos[i] >= 0) {
			CU_ASSERT_EQUAL(ctable_del(t, &k), pos[i]);
			pos[i] = -1;
			in--;
		} else if (in < DENSE_N) {
			p = ctable_add(t, &k, i + 1);
			fails += p < 0;
			if (p >= 0) {
				pos[i] = p;
				in++;
			}
		} else {
			CU_ASSERT_EQUAL(ctable_add(t, &k, 1), -ENOSPC);
		}
		if (step % 1000 == 0)
			dense_check(t, pos);
	}
	CU_ASSERT_EQUAL(fails, 0);
	dense_check(t, pos);
	/* Positions still give back their keys after all the moves. */
	for (i = 0; i < DENSE_KEYS; i++)
		if (pos[i] >= 0) {
			k = key_nth(i);
			CU_ASSERT(memcmp(ctable_key(t, pos[i]), &k, sizeof(k)) == 0);
		}
	ctable_free(t);
	CU_ASSERT_EQUAL(heap_used(), used);
}

static void
test_bulk(void)
{
	struct ctable *t = make(DENSE_N, sizeof(struct key12), 140);
	struct key12 keys[2 * CTABLE_BULK_MAX];
	const void *kp[2 * CTABLE_BULK_MAX];
	uint32_t vals[2 * CTABLE_BULK_MAX], d;
	uint64_t hits;
	unsigned int i, n, round, found, want;

	for (i = 0; i < DENSE_N; i += 1)
		if (i % 3 != 0) {
			keys[0] = key_nth(i);
			H_ASSERT(ctable_add(t, &keys[0], i + 1) >= 0);
		}
	for (round = 0; round < 200; round++) {
		n = 1 + (unsigned int)(rnd() % CTABLE_BULK_MAX);
		for (i = 0; i < n; i++) {
			keys[i] = key_nth((uint32_t)(rnd() % (DENSE_N + 200)));
			kp[i] = &keys[i];
		}
		found = ctable_lookup_bulk(t, kp, n, &hits, vals);
		want = 0;
		for (i = 0; i < n; i++) {
			bool hit = ctable_lookup(t, &keys[i], &d) >= 0;

			want += hit;
			CU_ASSERT_EQUAL((hits >> i) & 1, hit);
			CU_ASSERT_EQUAL(vals[i], hit ? d : CTABLE_VAL_NONE);
		}
		CU_ASSERT_EQUAL(found, want);
		if (n < 64)
			CU_ASSERT_EQUAL(hits >> n, 0);
	}
	/* More than CTABLE_BULK_MAX: only the first CTABLE_BULK_MAX are looked up. */
	for (i = 0; i < 2 * CTABLE_BULK_MAX; i++) {
		keys[i] = key_nth(1);
		kp[i] = &keys[i];
	}
	CU_ASSERT_EQUAL(ctable_lookup_bulk(t, kp, 2 * CTABLE_BULK_MAX, &hits, vals),
			CTABLE_BULK_MAX);
	CU_ASSERT_EQUAL(hits, UINT64_MAX);
	ctable_free(t);
}

/* Keys that differ only in their last byte, or by trailing zeros, are different keys. */
static void
test_key_lengths(void)
{
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	struct ctable *t;
	uint32_t len;

	for (len = 1; len <= CTABLE_KEY_MAX; len++) {
		t = make(8, len, 0);
		memset(a, 0x5a, sizeof(a));
		memcpy(b, a, sizeof(b));
		b[len - 1] ^= 1;
		CU_ASSERT(ctable_add(t, a, 1) >= 0);
		CU_ASSERT(ctable_add(t, b, 2) >= 0);
		/* Bytes past key_len are not part of the key. */
		if (len < sizeof(a))
			a[len] ^= 0xff;
		CU_ASSERT_EQUAL(ctable_add(t, a, 3), -EEXIST);
		/* The key comes back zero-padded to CTABLE_KEY_MAX. */
		CU_ASSERT(ctable_lookup(t, b, NULL) >= 0 &&
			  memcmp(ctable_key(t, ctable_lookup(t, b, NULL)), b, len) == 0);
		CU_ASSERT_EQUAL(ctable_count(t), 2);
		ctable_free(t);
	}
}

static void
test_bad_params(void)
{
	struct ctable_params p = { .entries = 8, .key_len = 12, .socket_id = SOCKET_ID_ANY };

	CU_ASSERT_PTR_NULL(ctable_create(NULL));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	p.entries = 0;
	CU_ASSERT_PTR_NULL(ctable_create(&p));
	p.entries = 8;
	p.key_len = 0;
	CU_ASSERT_PTR_NULL(ctable_create(&p));
	p.key_len = CTABLE_KEY_MAX + 1;
	CU_ASSERT_PTR_NULL(ctable_create(&p));
	p.key_len = 12;
	p.entries = 100;
	p.nb_buckets = 12;     /* 96 slots for 100 entries */
	CU_ASSERT_PTR_NULL(ctable_create(&p));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	p.nb_buckets = 1;
	p.entries = 1;
	CU_ASSERT_PTR_NULL(ctable_create(&p));
	p.nb_buckets = 0;
	p.hash = (enum ctable_hash)7;
	CU_ASSERT_PTR_NULL(ctable_create(&p));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
}

static void
add(void)
{
	CU_pSuite s;

	s = CU_add_suite("hash", NULL, NULL);
	CU_add_test(s, "SipHash-2-4 equals libsodium", test_siphash_reference);
	CU_add_test(s, "table hash is SipHash-1-3 over the key", test_table_hash);
	CU_add_test(s, "each table its own secret, both hashes", test_seed_matters);

	s = CU_add_suite("table, SipHash-1-3", suite_sip, NULL);
	CU_add_test(s, "add, lookup, delete, positions", test_add_lookup_del);
	CU_add_test(s, "capacity", test_capacity);
	CU_add_test(s, "dense table with churn", test_dense_churn);
	CU_add_test(s, "bulk lookup equals single lookups", test_bulk);
	CU_add_test(s, "key lengths", test_key_lengths);
	CU_add_test(s, "bad parameters", test_bad_params);

	s = CU_add_suite("table, NH", suite_nh, suite_sip);
	CU_add_test(s, "add, lookup, delete, positions", test_add_lookup_del);
	CU_add_test(s, "capacity", test_capacity);
	CU_add_test(s, "dense table with churn", test_dense_churn);
	CU_add_test(s, "bulk lookup equals single lookups", test_bulk);
	CU_add_test(s, "key lengths", test_key_lengths);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
