/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP sequence number arithmetic (RFC 9293 §3.4): 32-bit numbers compared
 * modulo 2^32. A raw `<` on sequence numbers is a bug; use these.
 */
#ifndef BERTH_TCP_SEQ_H
#define BERTH_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t tcp_seq;

/* a < b */
static inline bool
seq_lt(tcp_seq a, tcp_seq b)
{
	return (int32_t)(a - b) < 0;
}

/* a <= b */
static inline bool
seq_leq(tcp_seq a, tcp_seq b)
{
	return (int32_t)(a - b) <= 0;
}

/* a > b */
static inline bool
seq_gt(tcp_seq a, tcp_seq b)
{
	return (int32_t)(a - b) > 0;
}

/* a >= b */
static inline bool
seq_geq(tcp_seq a, tcp_seq b)
{
	return (int32_t)(a - b) >= 0;
}

/* lo <= a < hi, the RFC's "lo =< a < hi" */
static inline bool
seq_between(tcp_seq a, tcp_seq lo, tcp_seq hi)
{
	return a - lo < hi - lo;
}

static inline tcp_seq
seq_max(tcp_seq a, tcp_seq b)
{
	return seq_gt(a, b) ? a : b;
}

static inline tcp_seq
seq_min(tcp_seq a, tcp_seq b)
{
	return seq_lt(a, b) ? a : b;
}

#endif /* BERTH_TCP_SEQ_H */
