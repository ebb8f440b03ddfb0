/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A cache-conscious exact-match table for short keys (connection 4-tuples):
 * bucketized cuckoo hashing with two candidate buckets per key, 64-byte
 * buckets of 8 slots (16-bit tag + 32-bit position), the keys and 32-bit
 * values in a separate array of 16-byte entries, a keyed hash (SipHash-1-3 or NH,
 * with a secret seed) and a bulk lookup that prefetches every bucket of the burst,
 * then every candidate entry, before it compares a key.
 *
 * Call chain: tcp_input_flush -> tcp_table_lookup_bulk -> ctable_lookup_bulk
 *             (the connection table of tcp_table.c, keyed with NH);
 *             bench/demux (beside rte_hash).
 *
 * Read first: Pagh & Rodler, "Cuckoo Hashing" (2001); Fan, Andersen &
 * Kaminsky, "MemC3" (NSDI 2013: tags, BFS displacement); Aumasson &
 * Bernstein, "SipHash" (2012); Black et al., "UMAC" (1999) for NH.
 *
 * Positions: an entry's position (0 .. entries-1) is fixed while the key is
 * in the table, whatever the cuckoo moves do, so a caller can keep an array
 * of its own indexed by it (as with rte_hash_add_key).
 */
#ifndef BERTH_CTABLE_H
#define BERTH_CTABLE_H

#include <stddef.h>
#include <stdint.h>

/** Largest key, in bytes (an IPv4 4-tuple). */
#define CTABLE_KEY_MAX 12
/** The value no key has: what a lookup that misses gives. */
#define CTABLE_VAL_NONE UINT32_MAX
/** Most keys ctable_lookup_bulk takes at once (one bit each in its hit mask). */
#define CTABLE_BULK_MAX 64
/** Slots per 64-byte bucket. */
#define CTABLE_BUCKET_SLOTS 8

struct ctable;

/** The keyed hash of a table (both take the 16-byte seed). */
enum ctable_hash {
	/** SipHash-1-3: a PRF; ~34 cycles for a 12-byte key. */
	CTABLE_HASH_SIPHASH = 0,
	/** NH (UMAC's universal hash) then murmur3's fmix64: ~10 cycles. */
	CTABLE_HASH_NH,
};

/** Creation parameters. Zero-initialise and set what you need. */
struct ctable_params {
	/** Entries the table must hold (>= 1); also the number of positions. */
	uint32_t entries;
	/** Key length in bytes, 1 .. CTABLE_KEY_MAX. */
	uint32_t key_len;
	/**
	 * Buckets (0: entries / 4, a load of at most one half, so that most
	 * keys sit in their first bucket). At least 2, and at least
	 * entries / 8: cuckoo tables need some room.
	 */
	uint32_t nb_buckets;
	/** NUMA socket of the memory (SOCKET_ID_ANY: any). */
	int socket_id;
	/** 16-byte secret of the hash; NULL: drawn at random (libsodium). */
	const uint8_t *seed;
	/** The hash. */
	enum ctable_hash hash;
};

/**
 * Create a table.
 *
 * @param p
 *   The parameters.
 * @return
 *   The table, or NULL with rte_errno set (EINVAL: bad parameters, ENOMEM).
 */
struct ctable *ctable_create(const struct ctable_params *p);

/** Free a table (NULL: nothing). */
void ctable_free(struct ctable *t);

/**
 * Add a key with its value (any but CTABLE_VAL_NONE).
 *
 * @return
 *   The key's position (>= 0), -EEXIST if the key is there (nothing
 *   changes), -ENOSPC if the table is full or no cuckoo path was found,
 *   -EINVAL for the value CTABLE_VAL_NONE.
 */
int32_t ctable_add(struct ctable *t, const void *key, uint32_t val);

/**
 * Remove a key.
 *
 * @return
 *   The position the key had (free again), or -ENOENT.
 */
int32_t ctable_del(struct ctable *t, const void *key);

/**
 * Look up one key.
 *
 * @param val
 *   Receives the value when the key is found (may be NULL).
 * @return
 *   The key's position, or -ENOENT.
 */
int32_t ctable_lookup(const struct ctable *t, const void *key, uint32_t *val);

/**
 * Look up n keys at once: the hashes first, every bucket prefetched, then
 * the candidate entries, then the compares.
 *
 * @param keys
 *   n key pointers, n <= CTABLE_BULK_MAX (more are not looked up).
 * @param hits
 *   Receives bit i set when keys[i] was found.
 * @param vals
 *   Receives the value of every key found (misses: CTABLE_VAL_NONE).
 * @return
 *   The number of keys found.
 */
unsigned int ctable_lookup_bulk(const struct ctable *t, const void *const *keys, unsigned int n,
				uint64_t *hits, uint32_t *vals);

/**
 * The key at a position.
 *
 * @return
 *   A pointer into the table (valid until the key is removed), or NULL if
 *   the position holds no key.
 */
const void *ctable_key(const struct ctable *t, int32_t pos);

/**
 * Replace the value at a position.
 *
 * @return
 *   0, or -ENOENT if the position holds no key (or val is CTABLE_VAL_NONE).
 */
int ctable_set_val(struct ctable *t, int32_t pos, uint32_t val);

/** Keys in the table. */
uint32_t ctable_count(const struct ctable *t);

/** Bytes the table allocated (buckets and entries; free positions are linked in place). */
size_t ctable_memory(const struct ctable *t);

/** The table's hash of a key (SipHash: ctable_siphash(seed, key, key_len, 1, 3)). */
uint64_t ctable_hash(const struct ctable *t, const void *key);

/**
 * Check the table's invariants (for tests): every slot's entry hashes to
 * the bucket under the slot's tag, every bucket's ovf counts the keys it
 * pushed out, the free list holds exactly the free entries, the counts add
 * up. O(buckets + entries).
 *
 * @return
 *   0, -EINVAL if an invariant is broken, -ENOMEM.
 */
int ctable_audit(const struct ctable *t);

/**
 * SipHash-c-d of len bytes with a 16-byte key (SipHash-2-4 is libsodium's
 * crypto_shorthash; the table uses SipHash-1-3, as Rust's HashMap does).
 */
uint64_t ctable_siphash(const uint8_t seed[16], const void *in, size_t len,
			unsigned int c_rounds, unsigned int d_rounds);

#endif /* BERTH_CTABLE_H */
