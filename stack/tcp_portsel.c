/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ephemeral port selection for active opens: the five algorithms of
 * RFC 6056 §3.3, chosen by conf.tcp_port_alg (default 4, the double-hash
 * algorithm Linux uses since 5.12), over conf.ephemeral_lo..hi.
 *
 * Call chain: berth_sock_connect -> tcp_sock connect -> route_lookup (the
 *             local address) -> tcp_port_select -> tcp_port_bound,
 *             tcp_tuple_free (tcp_table.c)
 *
 * Read first: RFC 6056 §1 and §3.1 (why ports should be unpredictable),
 * §3.2 (the range), §3.3 (the algorithms; the pseudo-code below follows it
 * line by line), §3.4 (the secret keys), §3.5 (choosing an algorithm).
 *
 * check_suitable_port() of the RFC is port_usable(): not port 0, not held
 * by a bind()/listen() on the local address or the wildcard, and the
 * resulting 4-tuple is neither a live connection nor in TIME-WAIT. A port
 * may thus be shared by connections to different destinations, which is
 * what lets Algorithms 3 and 4 give each destination its own sequence.
 *
 * The RFC's F() and G() are SipHash-2-4 (libsodium crypto_shorthash) of
 * (local address, remote address, remote port) under secret keys drawn at
 * start-up. Its random() is SipHash-2-4 of a counter under a third secret
 * key: a pseudorandom function in counter mode, unpredictable without the
 * key (RFC 4086) and without a system call per probe.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>

#include <sodium.h>

#include "tcp.h"

/* RFC 6056 §3.3.4 TABLE_LENGTH: 2^16 as Linux's table_perturb since 5.17. */
#define PS_TABLE_LEN 65536
/* RFC 6056 §3.3.5 N: the RFC's example trade-off between reuse and unpredictability. */
#define PS_ALG5_N 500

struct tcp_portsel {
	uint8_t key1[crypto_shorthash_KEYBYTES];  /* F(): offset, Algorithms 3 and 4 */
	uint8_t key2[crypto_shorthash_KEYBYTES];  /* G(): table index, Algorithm 4 */
	uint8_t rkey[crypto_shorthash_KEYBYTES];  /* random() */
	uint64_t rctr;
	uint64_t next_ephemeral;                  /* Algorithms 3 and 5; 64 bits never wrap */
	uint32_t table[PS_TABLE_LEN];             /* Algorithm 4 */
};

/* What one selection probes for. */
struct ps_req {
	struct berth_stack *st;
	uint32_t laddr, raddr;   /* network order */
	uint16_t rport;          /* network order */
	uint32_t lo, num;        /* range start (host order) and size */
	uint32_t probes;
};

static uint64_t
siphash(const uint8_t *key, const void *in, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(out, in, len, key);
	memcpy(&v, out, sizeof(v));
	return v;
}

/* F() / G() of RFC 6056 §3.3.3 and §3.3.4 over (local_IP, remote_IP, remote_port). */
static uint64_t
dest_hash(const uint8_t *key, const struct ps_req *r)
{
	uint8_t in[10];

	memcpy(in, &r->laddr, 4);
	memcpy(in + 4, &r->raddr, 4);
	memcpy(in + 8, &r->rport, 2);
	return siphash(key, in, sizeof(in));
}

/* random() of the RFC's pseudo-code (see preamble). */
static uint64_t
ps_random(struct tcp_portsel *ps)
{
	uint64_t ctr = ps->rctr++;

	return siphash(ps->rkey, &ctr, sizeof(ctr));
}

/* check_suitable_port() of the RFC; port in host order. */
static bool
port_usable(struct ps_req *r, uint32_t port)
{
	struct tcp_key k;

	r->probes++;
	if (port == 0)
		return false;
	k.laddr = r->laddr;
	k.raddr = r->raddr;
	k.lport = rte_cpu_to_be_16((uint16_t)port);
	k.rport = r->rport;
	/* Tuple first: a port in use answers there and skips the bind check, the
	 * common case of a busy range (both tests are free of side effects). */
	return tcp_tuple_free(r->st, &k) && !tcp_port_bound(r->st, r->laddr, k.lport);
}

/*
 * Algorithms 2 and 5 probe at random and may revisit ports, so after num
 * probes a free port may remain unvisited and the RFC's "return ERROR"
 * would refuse a connection the range can hold. berth then walks the range
 * once from where it stopped, so -EADDRNOTAVAIL always means exhaustion.
 * This costs up to num more probes, only when the range is nearly full.
 */
static uint32_t
linear_pass(struct ps_req *r, uint32_t start)
{
	uint32_t i, port;

	for (i = 0; i < r->num; i++) {
		port = r->lo + (start + i) % r->num;
		if (port_usable(r, port))
			return port;
	}
	return 0;
}

/* RFC 6056 §3.3.1, Algorithm 1: Simple Port Randomization. */
static uint32_t
alg1(struct tcp_portsel *ps, struct ps_req *r)
{
	/* next_ephemeral = min_ephemeral + (random() % num_ephemeral); */
	uint32_t next = (uint32_t)(ps_random(ps) % r->num), count;

	for (count = r->num; count > 0; count--) {
		if (port_usable(r, r->lo + next))
			return r->lo + next;
		/* if (next_ephemeral == max_ephemeral) wrap, else next_ephemeral++ */
		next = next + 1 == r->num ? 0 : next + 1;
	}
	return 0;
}

/* RFC 6056 §3.3.2, Algorithm 2: Another Simple Port Randomization Algorithm. */
static uint32_t
alg2(struct tcp_portsel *ps, struct ps_req *r)
{
	uint32_t next = 0, count;

	for (count = r->num; count > 0; count--) {
		/* next_ephemeral = min_ephemeral + (random() % num_ephemeral); per probe */
		next = (uint32_t)(ps_random(ps) % r->num);
		if (port_usable(r, r->lo + next))
			return r->lo + next;
	}
	/* Deviation: decide exhaustion exactly (see linear_pass). */
	return linear_pass(r, next);
}

/*
 * RFC 6056 §3.3.3, Algorithm 3: Simple Hash-Based Port Selection. Each
 * destination sees its own offset into one global sequence, so ports are
 * reused late for a destination but the sequence leaks how many
 * connections the host opened (the RFC's §3.3.4 motivates Algorithm 4).
 */
static uint32_t
alg3(struct tcp_portsel *ps, struct ps_req *r)
{
	/* offset = F(local_IP, remote_IP, remote_port, secret_key); */
	uint64_t offset = dest_hash(ps->key1, r) % r->num;
	/* port = min_ephemeral + (next_ephemeral + offset) % num_ephemeral; once, then
	 * stepped with next_ephemeral: a division per probe is a third of a cheap probe. */
	uint32_t cur = (uint32_t)((ps->next_ephemeral + offset) % r->num), count;

	for (count = r->num; count > 0; count--) {
		ps->next_ephemeral++;
		if (port_usable(r, r->lo + cur))
			return r->lo + cur;
		cur = cur + 1 == r->num ? 0 : cur + 1;
	}
	return 0;
}

/*
 * RFC 6056 §3.3.4, Algorithm 4: Double-Hash Port Selection. G() picks one of
 * TABLE_LENGTH counters, so destinations that share no counter do not see
 * each other's allocations, and one destination's ports advance by one per
 * probe.
 *
 * Linux (inet_hashtables.c __inet_hash_connect, 5.17+) deviates: it steps
 * by 2 to keep odd ports for bind(), and after a success adds a random
 * 0..7 step to the counter so that consecutive ports to one destination
 * are not sequential (the device-tracking attack of Klein and Pinkas,
 * 2022). berth follows the RFC: table[index]++ per probe, which is the
 * same as adding the probe count on success; its 2^16 counters (Linux's
 * answer to that attack too) keep a destination's counter private.
 */
static uint32_t
alg4(struct tcp_portsel *ps, struct ps_req *r)
{
	/* offset = F(local_IP, remote_IP, remote_port, secret_key1); */
	uint64_t offset = dest_hash(ps->key1, r) % r->num;
	/* index = G(local_IP, remote_IP, remote_port, secret_key2); */
	uint32_t idx = (uint32_t)(dest_hash(ps->key2, r) % PS_TABLE_LEN);
	/* port = min_ephemeral + (offset + table[index]) % num_ephemeral; once, then
	 * stepped with table[index] (no division per probe, as in alg3). */
	uint32_t cur = (uint32_t)((offset + ps->table[idx]) % r->num), port, count;

	for (count = r->num; count > 0; count--) {
		port = r->lo + cur;
		/* table[index]++; a 32-bit counter that wraps to 0 gives offset itself
		 * (2^32 need not be a multiple of num_ephemeral). */
		if (++ps->table[idx] == 0)
			cur = (uint32_t)offset;
		else
			cur = cur + 1 == r->num ? 0 : cur + 1;
		if (port_usable(r, port))
			return port;
	}
	return 0;
}

/* RFC 6056 §3.3.5, Algorithm 5: Random-Increments Port Selection. */
static uint32_t
alg5(struct tcp_portsel *ps, struct ps_req *r)
{
	uint32_t port = 0, count;

	for (count = r->num; count > 0; count--) {
		/* next_ephemeral = next_ephemeral + (random() % N) + 1; */
		ps->next_ephemeral += ps_random(ps) % PS_ALG5_N + 1;
		/* port = min_ephemeral + (next_ephemeral % num_ephemeral); */
		port = r->lo + (uint32_t)(ps->next_ephemeral % r->num);
		if (port_usable(r, port))
			return port;
	}
	/* Deviation: decide exhaustion exactly (see linear_pass). */
	port = linear_pass(r, port - r->lo);
	if (port != 0)
		ps->next_ephemeral += (port - r->lo + r->num - ps->next_ephemeral % r->num) % r->num;
	return port;
}

int
tcp_portsel_init(struct berth_stack *st)
{
	struct tcp_portsel *ps;
	uint32_t i;

	ps = rte_zmalloc_socket("berth_tcp_portsel", sizeof(*ps), RTE_CACHE_LINE_SIZE,
				st->socket_id);
	if (ps == NULL)
		return -ENOMEM;
	/* RFC 6056 §3.4: secret keys, drawn at start and never shown. */
	randombytes_buf(ps->key1, sizeof(ps->key1));
	randombytes_buf(ps->key2, sizeof(ps->key2));
	randombytes_buf(ps->rkey, sizeof(ps->rkey));
	/* RFC 6056 §3.3.4: for (i...) table[i] = random() % 65536; */
	for (i = 0; i < PS_TABLE_LEN; i++)
		ps->table[i] = (uint32_t)(ps_random(ps) % 65536);
	/* §3.3.3 starts next_ephemeral at 0, §3.3.5 at random() % 65536; one
	 * counter serves both (one algorithm runs per stack), so start random. */
	ps->next_ephemeral = ps_random(ps) % 65536;
	st->tcp->ports = ps;
	return 0;
}

void
tcp_portsel_fini(struct berth_stack *st)
{
	if (st->tcp == NULL)
		return;
	rte_free(st->tcp->ports);
	st->tcp->ports = NULL;
}

int
tcp_port_select(struct berth_stack *st, uint32_t laddr, uint32_t raddr, uint16_t rport,
		uint16_t *lport)
{
	struct tcp_portsel *ps = st->tcp->ports;
	struct ps_req r = {
		.st = st, .laddr = laddr, .raddr = raddr, .rport = rport,
		.lo = st->conf.ephemeral_lo,
		/* RFC 6056 §3.3: num_ephemeral = max_ephemeral - min_ephemeral + 1 */
		.num = (uint32_t)st->conf.ephemeral_hi - st->conf.ephemeral_lo + 1,
	};
	uint32_t port;

	if (st->conf.ephemeral_lo > st->conf.ephemeral_hi)
		return -EADDRNOTAVAIL;
	switch (st->conf.tcp_port_alg) {
	case 1:
		port = alg1(ps, &r);
		break;
	case 2:
		port = alg2(ps, &r);
		break;
	case 3:
		port = alg3(ps, &r);
		break;
	case 5:
		port = alg5(ps, &r);
		break;
	default:
		port = alg4(ps, &r);
		break;
	}
	STAT_ADD(st, TCP_PORT_PROBES, r.probes);
	if (port == 0)
		return -EADDRNOTAVAIL; /* RFC 6056 §3.3: every port tried: return ERROR */
	STAT_INC(st, TCP_PORT_ALLOC);
	*lport = rte_cpu_to_be_16((uint16_t)port);
	return 0;
}
