/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (RFC 6528 §3):
 *
 *   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *
 * M is a 4-microsecond timer and F a keyed pseudorandom function of the
 * connection's 4-tuple: SipHash-2-4 (libsodium crypto_shorthash) under a
 * 128-bit key drawn when the stack starts. An off-path attacker who does not
 * know the key cannot guess the ISN of another host's connection (the point
 * of RFC 6528 §1), while one 4-tuple's ISNs still grow with the clock, so a
 * new incarnation starts above the old one's sequence space (RFC 9293 §3.4.1,
 * RFC 6191 for TIME-WAIT reuse).
 *
 * Call chain: tcp_sock connect (SYN-SENT) and tcp_input LISTEN handler
 *             (SYN-RECEIVED) -> tcp_isn
 *
 * Read first: RFC 6528 §3 (the algorithm), §4 (security considerations),
 * RFC 9293 §3.4.1 (the clock-driven ISN generator).
 */
#include <string.h>

#include <sodium.h>

#include "tcp.h"

/* RFC 6528 §3 / RFC 9293 §3.4.1: M ticks every 4 microseconds. */
#define ISN_TICK_NS 4000

_Static_assert(sizeof(((struct tcp_stack *)0)->isn_key) == crypto_shorthash_KEYBYTES,
	       "isn_key must be a SipHash key");

void
tcp_isn_init(struct berth_stack *st)
{
	/* RFC 6528 §3: secretkey "unknown to the attacker", here 128 random bits per stack. */
	randombytes_buf(st->tcp->isn_key, sizeof(st->tcp->isn_key));
}

tcp_seq
tcp_isn(const struct berth_stack *st, const struct tcp_key *key, uint64_t now)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint32_t f;
	tcp_seq m;

	/* RFC 6528 §3: F() = SipHash-2-4 over (localip, remoteip, localport, remoteport). */
	crypto_shorthash(out, (const unsigned char *)key, sizeof(*key), st->tcp->isn_key);
	memcpy(&f, out, sizeof(f));
	/*
	 * RFC 6528 §3: M, the 4 us timer, wrapping modulo 2^32 like the
	 * sequence space; `now` is a monotonic ns clock, so M counts from its
	 * origin.
	 */
	m = (tcp_seq)(now / ISN_TICK_NS);
	return m + f;
}
