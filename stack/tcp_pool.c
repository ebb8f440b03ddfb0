/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCBs of one stack: fixed-size slots carved from chunks of
 * TCP_POOL_CHUNK, handed out from a free list. A TCB costs its slot and
 * nothing else: no allocator header per connection (rte_malloc puts 64
 * bytes and a cache-line round-up on each allocation), and taking or
 * giving back a slot is a pointer swap on the data path.
 *
 * Call chain: tcb_alloc (tcp_sock.c) -> tcp_pool_get; tcb_free ->
 *             tcp_pool_put; tcp_init / tcp_fini -> tcp_pool_init / _fini;
 *             berth_stack_conns_dump, tcp_fini -> tcp_pool_next (every TCB,
 *             by slot: a free slot has no ops).
 *
 * Chunks are allocated as connections need them, up to the most TCBs a
 * stack can hold (a socket each, plus tcp_max_conns connections), and
 * kept until the stack goes: the pool grows to its peak and serves it
 * again without allocating. Slots are whole cache lines, so a TCB never
 * shares a line with its neighbour. Each slot has a fixed index
 * (tcp_pool_at), which the connection table keeps instead of a pointer:
 * 4 bytes, where a pointer would make its entries 24.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "tcp.h"

/* A free slot holds the next free one. */
struct pool_free {
	struct pool_free *next;
};

int
tcp_pool_init(struct berth_stack *st)
{
	struct tcp_pool *p = &st->tcp->pool;
	uint64_t most = (uint64_t)st->conf.max_sockets + st->conf.tcp_max_conns;

	p->slot = RTE_ALIGN_CEIL(sizeof(struct tcb), RTE_CACHE_LINE_SIZE);
	/* Indexes stay below 2^31: tcp_table.c tags TIME-WAIT positions with the top bit. */
	if (most > TCP_POOL_MAX)
		return -EINVAL;
	p->max_chunks = (uint32_t)((most + TCP_POOL_CHUNK - 1) / TCP_POOL_CHUNK);
	/* The chunk index grows with the chunks: a stack sized for millions starts small. */
	p->chunks = NULL;
	p->cap_chunks = 0;
	p->nb_chunks = 0;
	p->free = NULL;
	p->nb_used = 0;
	return 0;
}

void
tcp_pool_fini(struct berth_stack *st)
{
	struct tcp_pool *p = &st->tcp->pool;
	uint32_t i;

	for (i = 0; i < p->nb_chunks; i++)
		rte_free(p->chunks[i]);
	rte_free(p->chunks);
	p->chunks = NULL;
	p->nb_chunks = 0;
	p->free = NULL;
}

/* One more chunk, its slots on the free list. */
static int
pool_grow(struct berth_stack *st, struct tcp_pool *p)
{
	uint8_t *c;
	int i;

	if (p->nb_chunks == p->max_chunks)
		return -ENOSPC;
	if (p->nb_chunks == p->cap_chunks) {
		uint32_t cap = p->cap_chunks != 0 ? 2 * p->cap_chunks : 16;
		uint8_t **ch;

		if (cap > p->max_chunks)
			cap = p->max_chunks;
		ch = rte_realloc_socket(p->chunks, cap * sizeof(*ch), 0, st->socket_id);

		if (ch == NULL)
			return -ENOMEM;
		p->chunks = ch;
		p->cap_chunks = cap;
	}
	c = rte_malloc_socket("berth_tcbs", TCP_POOL_CHUNK * p->slot, RTE_CACHE_LINE_SIZE,
			      st->socket_id);
	if (c == NULL)
		return -ENOMEM;
	/* Pushed last to first, so that the chunk is handed out in address order. */
	for (i = TCP_POOL_CHUNK - 1; i >= 0; i--) {
		struct pool_free *f = (struct pool_free *)(c + (size_t)i * p->slot);

		/* A slot's index stays in it, free or not (tcp_pool_at's inverse). */
		((struct tcb *)f)->pool_idx = p->nb_chunks * TCP_POOL_CHUNK + (uint32_t)i;
		/* Free: no ops (tcp_pool_next skips it). */
		((struct tcb *)f)->so.ops = NULL;
		f->next = p->free;
		p->free = f;
	}
	p->chunks[p->nb_chunks++] = c;
	return 0;
}

struct tcb *
tcp_pool_get(struct berth_stack *st)
{
	struct tcp_pool *p = &st->tcp->pool;
	struct pool_free *f;
	struct tcb *tp;
	uint32_t idx;

	if (p->free == NULL && pool_grow(st, p) < 0)
		return NULL;
	f = p->free;
	p->free = f->next;
	p->nb_used++;
	tp = (struct tcb *)f;
	idx = tp->pool_idx;
	memset(tp, 0, sizeof(*tp));
	tp->pool_idx = idx;
	return tp;
}

void
tcp_pool_put(struct berth_stack *st, struct tcb *tp)
{
	struct tcp_pool *p = &st->tcp->pool;
	struct pool_free *f = (struct pool_free *)tp;

	tp->so.ops = NULL;   /* beyond the free-list link: marks the slot free */
	f->next = p->free;
	p->free = f;
	p->nb_used--;
}

struct tcb *
tcp_pool_next(const struct berth_stack *st, const struct tcb *tp)
{
	const struct tcp_pool *p = &st->tcp->pool;
	uint32_t i = tp != NULL ? tp->pool_idx + 1 : 0, end = p->nb_chunks * TCP_POOL_CHUNK;
	struct tcb *t;

	for (; i < end; i++) {
		t = tcp_pool_at(p, i);
		if (t->so.ops != NULL)
			return t;
	}
	return NULL;
}

size_t
tcp_pool_memory(const struct berth_stack *st)
{
	const struct tcp_pool *p = &st->tcp->pool;

	return (size_t)p->nb_chunks * TCP_POOL_CHUNK * p->slot +
	       (size_t)p->cap_chunks * sizeof(*p->chunks);
}
