/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cache-conscious exact-match table (ctable.h): bucketized cuckoo hashing
 * for the connection table.
 *
 * Call chain: ctable_lookup_bulk (a burst of segments) / ctable_lookup
 *             ctable_add -> bucket_room (BFS for a cuckoo path) -> path_apply
 *             ctable_del
 *
 * Read first: MemC3 (Fan et al., NSDI 2013) §4 for tags and BFS cuckoo
 * paths; SipHash (Aumasson & Bernstein, 2012).
 *
 * Why not rte_hash: a lookup there reads a 64-byte primary bucket, often the
 * secondary one too (it prefetches both in bulk), then a key-store entry
 * that sits apart from the value's slot; at a million connections each is a
 * cache miss and, with 4 KB pages, a TLB miss. Here a lookup reads one
 * bucket and one 16-byte entry holding key and value; the second bucket is
 * read only when a key whose first bucket this is was pushed out of it
 * (ovf, kept by every insert, move and delete), which at the default load
 * of one half is a few percent of buckets. Tags are compared 4 at a time in
 * 64-bit words, with no SIMD intrinsics (no per-architecture variants).
 *
 * The hash is keyed: a peer chooses most of a 4-tuple, and an unkeyed or
 * weakly keyed hash lets it aim a flood at one pair of buckets (every
 * insert then walks cuckoo paths and fails). Two keyed hashes, chosen at
 * creation: SipHash-1-3, a PRF (the secret stays secret even to a peer who
 * sees where its keys land), ~34 cycles for 12 bytes; and NH, a universal
 * hash (a blind peer cannot make keys collide, but one that measured
 * collisions could learn about the secret), ~10 cycles. On a table that
 * misses the caches the hash is a third of the cost of a bulk lookup. Buckets are picked with a
 * multiply-shift range reduction (Lemire, "fastrange"), so the bucket count
 * need not be a power of two and the load stays at what was asked.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <sodium.h>

#include "ctable.h"

#define NO_POS UINT32_MAX
#define BFS_NODES 512          /* cuckoo path search: ~3 levels of 8 slots from 2 roots */
#define LANE_LO 0x7fff7fff7fff7fffull
#define LANE_HI 0x8000800080008000ull

struct ct_bucket {
	uint16_t tag[CTABLE_BUCKET_SLOTS];  /* 0: empty slot */
	uint32_t pos[CTABLE_BUCKET_SLOTS];  /* entry of each slot */
	uint32_t ovf;      /* keys whose first bucket is this one, living in their second */
	uint32_t pad[3];
} __rte_cache_aligned;
static_assert(sizeof(struct ct_bucket) == 64, "a bucket is one cache line");

/*
 * Key and value, and nothing else: an entry's buckets are computed again
 * from its key when a cuckoo move or a delete needs them (a hash, ~10
 * cycles with NH, on paths that are rare), so that four entries share a
 * cache line and a TIME-WAIT slot of tcp_table.c costs 64 bytes in all.
 * Bytes 0-11 are the key's bytes, zero-padded; a free entry has val
 * CTABLE_VAL_NONE and the next free position in k1.
 */
struct ct_entry {
	uint64_t k0;       /* key bytes 0-7 */
	uint32_t k1;       /* key bytes 8-11 */
	uint32_t val;
};
static_assert(sizeof(struct ct_entry) == 16, "four entries per cache line, never split");

struct ctable {
	struct ct_bucket *b;
	struct ct_entry *e;
	uint32_t free_head; /* free positions, linked through their k1 (NO_POS: none) */
	uint32_t nb_free;
	uint32_t nb_buckets;
	uint32_t entries;
	uint32_t count;
	uint32_t key_len;
	enum ctable_hash hash;
	uint64_t k0, k1;   /* SipHash key */
	uint32_t nh[4];    /* NH key: the same secret */
	uint8_t seed[16];
};

/* Where a key goes: computed once per lookup. */
struct ct_where {
	uint64_t k[2];
	uint32_t b1, b2;
	uint16_t tag;
};

/* ---- SipHash ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                              \
	do {                                                                  \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);     \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                        \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                        \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);     \
	} while (0)

/*
 * SipHash over nm message words (the last one already carries the length
 * byte). Inlined with constant rounds, the loops unroll.
 */
static inline __attribute__((always_inline)) uint64_t
sip(uint64_t k0, uint64_t k1, const uint64_t *m, unsigned int nm, unsigned int c,
    unsigned int d)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	unsigned int i, r;

	for (i = 0; i < nm; i++) {
		v3 ^= m[i];
		for (r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	for (r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
ctable_siphash(const uint8_t seed[16], const void *in, size_t len, unsigned int c_rounds,
	       unsigned int d_rounds)
{
	const uint8_t *p = in;
	uint64_t k[2], m[2], v0, v1, v2, v3, last = (uint64_t)(len & 0xff) << 56;
	size_t i, r;

	memcpy(k, seed, 16);
	k[0] = rte_le_to_cpu_64(k[0]);
	k[1] = rte_le_to_cpu_64(k[1]);
	v0 = k[0] ^ 0x736f6d6570736575ull;
	v1 = k[1] ^ 0x646f72616e646f6dull;
	v2 = k[0] ^ 0x6c7967656e657261ull;
	v3 = k[1] ^ 0x7465646279746573ull;
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(m, p + i, 8);
		m[0] = rte_le_to_cpu_64(m[0]);
		v3 ^= m[0];
		for (r = 0; r < c_rounds; r++)
			SIPROUND;
		v0 ^= m[0];
	}
	for (r = 0; i + r < len; r++)
		last |= (uint64_t)p[i + r] << (8 * r);
	m[1] = last;
	v3 ^= m[1];
	for (r = 0; r < c_rounds; r++)
		SIPROUND;
	v0 ^= m[1];
	v2 ^= 0xff;
	for (r = 0; r < d_rounds; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The key as two zero-padded words, as its bytes lie in memory. Each word is
 * loaded whole: zeroing the words and copying the key over them would make
 * the word loads wait for partial stores (no store-to-load forwarding).
 */
static inline void
key_load(const struct ctable *t, const void *key, uint64_t k[2])
{
	const uint8_t *p = key;
	uint8_t buf[CTABLE_KEY_MAX];
	uint32_t w;

	switch (t->key_len) {
	case 12:
		memcpy(&k[0], p, 8);
		memcpy(&w, p + 8, 4);
		k[1] = w;       /* bytes 8-11 as they lie in memory (ct_entry.k1) */
		break;
	case 8:
		memcpy(&k[0], p, 8);
		k[1] = 0;
		break;
	default:
		memset(buf, 0, sizeof(buf));
		memcpy(buf, key, t->key_len);
		memcpy(&k[0], buf, 8);
		memcpy(&w, buf + 8, 4);
		k[1] = w;
		break;
	}
}

/*
 * NH (Black et al., "UMAC", CRYPTO 1999 §3): pairs of 32-bit words plus
 * secret words, multiplied, summed mod 2^64; two distinct keys collide with
 * probability <= 2^-32 over the secret. murmur3's fmix64 (a bijection) then
 * spreads the bits to the top ones that range() and the tag use.
 */
static inline uint64_t
nh_hash(const struct ctable *t, const uint64_t k[2])
{
	uint64_t m0 = rte_le_to_cpu_64(k[0]), m1 = rte_le_to_cpu_32((uint32_t)k[1]), h;

	h = (uint64_t)((uint32_t)m0 + t->nh[0]) * ((uint32_t)(m0 >> 32) + t->nh[1]) +
	    (uint64_t)((uint32_t)m1 + t->nh[2]) * ((uint32_t)(m1 >> 32) + t->nh[3]);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/*
 * The table's hash of the loaded key: SipHash-1-3 over key_len bytes (the
 * same value as ctable_siphash), or NH. The branch goes the same way on
 * every call.
 */
static inline uint64_t
key_hash(const struct ctable *t, const uint64_t k[2])
{
	uint64_t len = (uint64_t)t->key_len << 56;
	uint64_t m[3];

	if (t->hash == CTABLE_HASH_NH)
		return nh_hash(t, k);
	m[0] = rte_le_to_cpu_64(k[0]);
	m[1] = rte_le_to_cpu_32((uint32_t)k[1]);
	if (t->key_len < 8) {
		m[0] |= len;
		return sip(t->k0, t->k1, m, 1, 1, 3);
	}
	/* CTABLE_KEY_MAX is 12: the length byte always fits in the second word. */
	m[1] |= len;
	return sip(t->k0, t->k1, m, 2, 1, 3);
}

/* x in [0, 2^32) mapped onto [0, n) without a division (fastrange). */
static inline uint32_t
range(uint32_t x, uint32_t n)
{
	return (uint32_t)(((uint64_t)x * n) >> 32);
}

/*
 * Tag from bits 0-15, first bucket from bits 16-47, second from 32-63:
 * range() uses mostly the high bits of its input, so the three overlap
 * little. The two buckets always differ.
 */
static inline void
where_k(const struct ctable *t, struct ct_where *w)
{
	uint64_t h = key_hash(t, w->k);

	w->tag = (uint16_t)h != 0 ? (uint16_t)h : 1;
	w->b1 = range((uint32_t)(h >> 16), t->nb_buckets);
	w->b2 = range((uint32_t)(h >> 32), t->nb_buckets);
	if (w->b2 == w->b1)
		w->b2 = w->b1 + 1 < t->nb_buckets ? w->b1 + 1 : 0;
}

static inline void
where(const struct ctable *t, const void *key, struct ct_where *w)
{
	key_load(t, key, w->k);
	where_k(t, w);
}

/* Where the key of entry pos goes (its buckets and tag). */
static inline void
where_entry(const struct ctable *t, uint32_t pos, struct ct_where *w)
{
	w->k[0] = t->e[pos].k0;
	w->k[1] = t->e[pos].k1;
	where_k(t, w);
}

/* Slots of b whose tag is tag, one bit each: four 16-bit lanes per word, exact. */
static inline uint32_t
tag_match(const struct ct_bucket *b, uint16_t tag)
{
	uint64_t pat = tag * 0x0001000100010001ull, x, z;
	uint32_t mask = 0;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		/* Lane j holds tag[4i + j] whatever the byte order (one load on x86). */
		x = (uint64_t)b->tag[4 * i] | (uint64_t)b->tag[4 * i + 1] << 16 |
		    (uint64_t)b->tag[4 * i + 2] << 32 | (uint64_t)b->tag[4 * i + 3] << 48;
		x ^= pat;
		/* A lane's top bit ends up set iff the lane is zero; no carry crosses lanes. */
		z = ~(((x & LANE_LO) + LANE_LO) | x) & LANE_HI;
		/* Lane top bits 15, 31, 47, 63 -> bits 0-3. */
		mask |= (uint32_t)(((z >> 15) & 1) | ((z >> 30) & 2) | ((z >> 45) & 4) |
				   ((z >> 60) & 8)) << (4 * i);
	}
	return mask;
}

static inline bool
key_eq(const struct ct_entry *e, const uint64_t k[2])
{
	return ((e->k0 ^ k[0]) | (e->k1 ^ k[1])) == 0;
}

/* Slot of b holding the key among the slots of mask, or -1. */
static inline int
slot_find(const struct ctable *t, const struct ct_bucket *b, uint32_t mask, const uint64_t k[2])
{
	unsigned int i;

	while (mask != 0) {
		i = (unsigned int)__builtin_ctz(mask);
		mask &= mask - 1;
		if (key_eq(&t->e[b->pos[i]], k))
			return (int)i;
	}
	return -1;
}

/* The key's bucket and slot, or -1. */
static inline int
find(const struct ctable *t, const struct ct_where *w, uint32_t *bucket)
{
	const struct ct_bucket *b = &t->b[w->b1];
	int s = slot_find(t, b, tag_match(b, w->tag), w->k);

	if (s >= 0) {
		*bucket = w->b1;
		return s;
	}
	/* The second bucket can hold the key only if some key left this one for it. */
	if (b->ovf == 0)
		return -1;
	b = &t->b[w->b2];
	*bucket = w->b2;
	return slot_find(t, b, tag_match(b, w->tag), w->k);
}

static inline int
empty_slot(const struct ct_bucket *b)
{
	uint32_t m = tag_match(b, 0);

	return m != 0 ? __builtin_ctz(m) : -1;
}

/* ---- lifecycle ---- */

struct ctable *
ctable_create(const struct ctable_params *p)
{
	struct ctable *t;
	uint32_t nb, i;

	if (p == NULL || p->entries == 0 || p->key_len == 0 || p->key_len > CTABLE_KEY_MAX ||
	    (p->hash != CTABLE_HASH_SIPHASH && p->hash != CTABLE_HASH_NH)) {
		rte_errno = EINVAL;
		return NULL;
	}
	nb = p->nb_buckets != 0 ? p->nb_buckets : RTE_MAX(p->entries / 4 + 1, 2u);
	if (nb < 2 || (uint64_t)nb * CTABLE_BUCKET_SLOTS < p->entries) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("berth_ctable", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t == NULL)
		goto nomem;
	t->nb_buckets = nb;
	t->entries = p->entries;
	t->key_len = p->key_len;
	if (p->seed != NULL)
		memcpy(t->seed, p->seed, sizeof(t->seed));
	else
		randombytes_buf(t->seed, sizeof(t->seed));
	memcpy(&t->k0, t->seed, 8);
	memcpy(&t->k1, t->seed + 8, 8);
	t->k0 = rte_le_to_cpu_64(t->k0);
	t->k1 = rte_le_to_cpu_64(t->k1);
	for (i = 0; i < 4; i++)
		t->nh[i] = (uint32_t)((i < 2 ? t->k0 : t->k1) >> (32 * (i & 1)));
	t->hash = p->hash;
	t->b = rte_zmalloc_socket("berth_ctable_b", (size_t)nb * sizeof(*t->b),
				  RTE_CACHE_LINE_SIZE, p->socket_id);
	t->e = rte_malloc_socket("berth_ctable_e", (size_t)p->entries * sizeof(*t->e),
				 RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t->b == NULL || t->e == NULL) {
		ctable_free(t);
		goto nomem;
	}
	/* Position 0 is handed out first. */
	for (i = 0; i < p->entries; i++) {
		t->e[i].k0 = 0;
		t->e[i].k1 = i + 1 < p->entries ? i + 1 : NO_POS;
		t->e[i].val = CTABLE_VAL_NONE;
	}
	t->free_head = 0;
	t->nb_free = p->entries;
	return t;
nomem:
	rte_errno = ENOMEM;
	return NULL;
}

void
ctable_free(struct ctable *t)
{
	if (t == NULL)
		return;
	rte_free(t->b);
	rte_free(t->e);
	rte_free(t);
}

/* ---- lookups ---- */

int32_t
ctable_lookup(const struct ctable *t, const void *key, uint32_t *val)
{
	struct ct_where w;
	uint32_t bucket;
	int s;

	where(t, key, &w);
	s = find(t, &w, &bucket);
	if (s < 0)
		return -ENOENT;
	if (val != NULL)
		*val = t->e[t->b[bucket].pos[s]].val;
	return (int32_t)t->b[bucket].pos[s];
}

unsigned int
ctable_lookup_bulk(const struct ctable *t, const void *const *keys, unsigned int n,
		   uint64_t *hits, uint32_t *vals)
{
	struct ct_where w[CTABLE_BULK_MAX];
	uint32_t cand[CTABLE_BULK_MAX];
	const struct ct_bucket *b;
	unsigned int i, found = 0;
	uint64_t hit = 0;
	int s;

	n = RTE_MIN(n, (unsigned int)CTABLE_BULK_MAX);
	/* 1: hash every key and start fetching its first bucket. */
	for (i = 0; i < n; i++) {
		where(t, keys[i], &w[i]);
		rte_prefetch0(&t->b[w[i].b1]);
	}
	/* 2: tags; start fetching the first candidate entry, and the second bucket if it may serve. */
	for (i = 0; i < n; i++) {
		b = &t->b[w[i].b1];
		cand[i] = tag_match(b, w[i].tag);
		if (cand[i] != 0)
			rte_prefetch0(&t->e[b->pos[__builtin_ctz(cand[i])]]);
		if (b->ovf != 0)
			rte_prefetch0(&t->b[w[i].b2]);
	}
	/* 3: compare. */
	for (i = 0; i < n; i++) {
		b = &t->b[w[i].b1];
		s = slot_find(t, b, cand[i], w[i].k);
		if (s < 0 && b->ovf != 0) {
			b = &t->b[w[i].b2];
			s = slot_find(t, b, tag_match(b, w[i].tag), w[i].k);
		}
		if (s < 0) {
			vals[i] = CTABLE_VAL_NONE;
			continue;
		}
		vals[i] = t->e[b->pos[s]].val;
		hit |= UINT64_C(1) << i;
		found++;
	}
	*hits = hit;
	return found;
}

/* ---- insert, delete ---- */

/* A step of a cuckoo path: the key in slot `slot` of the parent's bucket moves to `bucket`. */
struct bfs_node {
	uint32_t bucket;
	int16_t parent;    /* -1: a root (one of the new key's buckets) */
	uint8_t slot;
};

/* Is bucket already on the path from the root to node i (a path must not loop)? */
static bool
on_path(const struct bfs_node *q, int i, uint32_t bucket)
{
	for (; i >= 0; i = q[i].parent)
		if (q[i].bucket == bucket)
			return true;
	return false;
}

/*
 * Move the key in slot `from_slot` of bucket `from` to the empty slot
 * `to_slot` of its other bucket `to`, keeping the ovf count of its first
 * bucket.
 */
static void
slot_move(struct ctable *t, uint32_t from, int from_slot, uint32_t to, int to_slot)
{
	struct ct_bucket *f = &t->b[from], *d = &t->b[to];
	struct ct_where w;

	where_entry(t, f->pos[from_slot], &w);
	d->tag[to_slot] = f->tag[from_slot];
	d->pos[to_slot] = f->pos[from_slot];
	f->tag[from_slot] = 0;
	if (w.b1 == from)
		t->b[w.b1].ovf++;   /* pushed out of its first bucket */
	else
		t->b[w.b1].ovf--;   /* back home */
}

/*
 * Make an empty slot in b1 or b2 (MemC3 §4.2: breadth-first search for the
 * shortest path to an empty slot, then moves from its end backwards, so no
 * key is ever out of the table). Returns the slot and sets *bucket, or -1.
 */
static int
bucket_room(struct ctable *t, uint32_t b1, uint32_t b2, uint32_t *bucket)
{
	struct bfs_node q[BFS_NODES];
	int head, tail = 0, s, i;

	q[tail++] = (struct bfs_node){ .bucket = b1, .parent = -1 };
	q[tail++] = (struct bfs_node){ .bucket = b2, .parent = -1 };
	for (head = 0; head < tail; head++) {
		const struct ct_bucket *b = &t->b[q[head].bucket];

		s = empty_slot(b);
		if (s >= 0) {
			/* Walk back to the root, each key moving into the slot freed after it. */
			for (i = head; q[i].parent >= 0; i = q[i].parent) {
				slot_move(t, q[q[i].parent].bucket, q[i].slot, q[i].bucket, s);
				s = q[i].slot;
			}
			*bucket = q[i].bucket;
			return s;
		}
		for (s = 0; s < CTABLE_BUCKET_SLOTS && tail < BFS_NODES; s++) {
			struct ct_where ew;
			uint32_t alt;

			where_entry(t, b->pos[s], &ew);
			alt = ew.b1 == q[head].bucket ? ew.b2 : ew.b1;

			if (!on_path(q, head, alt))
				q[tail++] = (struct bfs_node){ .bucket = alt, .parent = (int16_t)head,
							       .slot = (uint8_t)s };
		}
	}
	return -1;
}

int32_t
ctable_add(struct ctable *t, const void *key, uint32_t val)
{
	struct ct_where w;
	struct ct_entry *e;
	uint32_t bucket, pos;
	int s;

	if (val == CTABLE_VAL_NONE)
		return -EINVAL;
	where(t, key, &w);
	if (find(t, &w, &bucket) >= 0)
		return -EEXIST;
	if (t->nb_free == 0)
		return -ENOSPC;
	bucket = w.b1;
	s = empty_slot(&t->b[w.b1]);
	if (s < 0) {
		bucket = w.b2;
		s = empty_slot(&t->b[w.b2]);
	}
	if (s < 0)
		s = bucket_room(t, w.b1, w.b2, &bucket);
	if (s < 0)
		return -ENOSPC;
	pos = t->free_head;
	e = &t->e[pos];
	t->free_head = e->k1;
	t->nb_free--;
	e->k0 = w.k[0];
	e->k1 = (uint32_t)w.k[1];
	e->val = val;
	t->b[bucket].tag[s] = w.tag;
	t->b[bucket].pos[s] = pos;
	if (bucket != w.b1)
		t->b[w.b1].ovf++;
	t->count++;
	return (int32_t)pos;
}

int32_t
ctable_del(struct ctable *t, const void *key)
{
	struct ct_where w;
	uint32_t bucket, pos;
	int s;

	where(t, key, &w);
	s = find(t, &w, &bucket);
	if (s < 0)
		return -ENOENT;
	pos = t->b[bucket].pos[s];
	t->b[bucket].tag[s] = 0;
	if (bucket != w.b1)
		t->b[w.b1].ovf--;
	t->e[pos].k0 = 0;
	t->e[pos].k1 = t->free_head;
	t->e[pos].val = CTABLE_VAL_NONE;
	t->free_head = pos;
	t->nb_free++;
	t->count--;
	return (int32_t)pos;
}

/* ---- positions ---- */

const void *
ctable_key(const struct ctable *t, int32_t pos)
{
	if (pos < 0 || (uint32_t)pos >= t->entries || t->e[pos].val == CTABLE_VAL_NONE)
		return NULL;
	return &t->e[pos];   /* bytes 0-11: the key */
}

int
ctable_set_val(struct ctable *t, int32_t pos, uint32_t val)
{
	if (pos < 0 || (uint32_t)pos >= t->entries || t->e[pos].val == CTABLE_VAL_NONE ||
	    val == CTABLE_VAL_NONE)
		return -ENOENT;
	t->e[pos].val = val;
	return 0;
}

uint32_t
ctable_count(const struct ctable *t)
{
	return t->count;
}

size_t
ctable_memory(const struct ctable *t)
{
	return sizeof(*t) + (size_t)t->nb_buckets * sizeof(*t->b) +
	       (size_t)t->entries * sizeof(*t->e);
}

uint64_t
ctable_hash(const struct ctable *t, const void *key)
{
	uint64_t k[2];

	key_load(t, key, k);
	return key_hash(t, k);
}

int
ctable_audit(const struct ctable *t)
{
	uint32_t i, s, n = 0, nfree = 0, *ovf;
	struct ct_where w;
	int ret = 0;

	ovf = calloc(t->nb_buckets, sizeof(*ovf));
	if (ovf == NULL)
		return -ENOMEM;
	for (i = 0; i < t->nb_buckets && ret == 0; i++)
		for (s = 0; s < CTABLE_BUCKET_SLOTS && ret == 0; s++) {
			if (t->b[i].tag[s] == 0)
				continue;
			n++;
			if (t->b[i].pos[s] >= t->entries ||
			    t->e[t->b[i].pos[s]].val == CTABLE_VAL_NONE) {
				ret = -EINVAL;
				break;
			}
			/* The slot's entry lives in one of its two buckets (this one), under its tag. */
			where_entry(t, t->b[i].pos[s], &w);
			if ((w.b1 != i && w.b2 != i) || w.tag != t->b[i].tag[s])
				ret = -EINVAL;
			else if (w.b1 != i)
				ovf[w.b1]++;
		}
	for (i = 0; i < t->nb_buckets && ret == 0; i++)
		if (ovf[i] != t->b[i].ovf)
			ret = -EINVAL;
	if (ret == 0 && (n != t->count || t->count + t->nb_free != t->entries))
		ret = -EINVAL;
	/* The free list holds exactly the free entries. */
	for (i = t->free_head; ret == 0 && i != NO_POS; i = t->e[i].k1)
		if (i >= t->entries || t->e[i].val != CTABLE_VAL_NONE || ++nfree > t->nb_free)
			ret = -EINVAL;
	if (ret == 0 && nfree != t->nb_free)
		ret = -EINVAL;
	free(ovf);
	return ret;
}
