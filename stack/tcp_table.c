/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP demultiplexing tables: the connection table (4-tuple -> TCB or
 * compact TIME-WAIT entry), the listen table, and the port bindings that
 * bind(), listen() and ephemeral port selection consult.
 *
 * Call chain: tcp_input_flush -> tcp_table_lookup_bulk (one ctable bulk
 *             lookup per burst) -> tcp_listen_lookup for misses
 *             tcp_sock (bind, listen, connect, accept, close) -> tcp_bind_*,
 *             tcp_listen_*, tcp_table_insert/remove
 *             tcp_enter_time_wait -> tcp_table_remove + tcp_tw_insert
 *             wheel_run -> tw_expire (one timer for every TIME-WAIT entry)
 *             tcp_port_select -> tcp_port_bound, tcp_tuple_free
 *
 * Read first: RFC 9293 §3.6 (closing, TIME-WAIT and 2*MSL), §3.10.7.4
 * (TIME-WAIT restart), §3.10.8 (time-wait timeout), RFC 6191 (TIME-WAIT
 * reuse), RFC 1337 (TIME-WAIT assassination).
 *
 * Connection table: one ctable per stack (stack/ctable.c: bucketized
 * cuckoo, 64-byte buckets of tags, keys apart, a bulk lookup that
 * prefetches the burst's buckets, then its keys), 12-byte key, sized to
 * conf.tcp_max_conns (TIME-WAIT entries count against the same bound) at
 * half its slots, so an insert finds a cuckoo path all but always (when
 * not, the connection is refused as by a full table). It replaced
 * rte_hash: bench/demux measured bulk hits cheaper at every size from 1K
 * to 4M (0.64x at 1M), growing within 3x from 1K to 1M. The hash is keyed
 * with a secret seed, as Linux keys jhash in inet_ehashfn: the peer chooses
 * most of the key, and an unkeyed hash would let it aim a flood at one
 * bucket. It is NH (UMAC's universal hash, ~10 cycles): with SipHash-1-3,
 * a PRF at ~34 cycles a key, lookups among 10K-100K connections cost more
 * than rte_hash's keyed jhash. A universal hash, like keyed jhash, stands
 * against blind floods; a peer able to time many lookups could learn
 * collisions, which a PRF would deny it.
 * Listen and bind tables stay on rte_hash: few entries, looked up once per
 * miss or per bind.
 *
 * The 32-bit value of a table entry is either a TCB's slot in the stack's
 * pool (tcp_pool_at) or, with the top bit set, the entry's own position,
 * whose TIME-WAIT entry sits in the array below; so one bulk lookup serves
 * live connections and TIME-WAIT alike.
 *
 * TIME-WAIT entries are 32 bytes in a preallocated array indexed by the
 * key's position in the table: ctable_add returns a position unique to the
 * key while it is present (cuckoo moves never change it), meant as an
 * index into the caller's own array, and ctable_key gives the key back.
 * The key is neither copied nor pointed at, so an entry costs 32 bytes here
 * plus the table's share every connection has (a 16-byte key and value
 * entry and two 8-byte bucket slots at a load of one half): 64 bytes. Besides the sequence numbers to re-ACK a FIN it
 * keeps what RFC 7323 and RFC 6191 need: whether the connection used
 * timestamps, the peer's last TSval (TS.Recent) and our TSval offset. Every
 * entry lives 2*MSL, so they sit on one FIFO ordered by expiry and a single
 * wheel timer is armed for the head.
 *
 * Port use is counted per port (host order index, 65536 entries) so that
 * the common questions ("anyone on this port?") cost one array read before
 * any hash lookup. Connections and TIME-WAIT entries are counted per port,
 * whatever the local address: with several local addresses a bind can be
 * refused where Linux would compare addresses too (stricter, never looser).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_malloc.h>


#include "ctable.h"
#include "tcp.h"

#define TW_NIL UINT32_MAX
#define TW_VAL UINT32_C(0x80000000)   /* value of a TIME-WAIT entry: TW_VAL | position */
#define TW_EXPIRE_MAX ((UINT64_C(1) << 61) - 1)   /* ns: 73 years */

/* A connection in TIME-WAIT, without its TCB (see preamble). */
struct tcp_tw {
	tcp_seq snd_nxt;            /* to re-ACK a retransmitted FIN */
	tcp_seq rcv_nxt;
	uint32_t ts_recent;         /* TS.Recent: the peer's last TSval (RFC 7323 §4.3) */
	uint32_t ts_off;            /* our TSval = ts_off + now in ms (RFC 7323 §5.4) */
	uint64_t expire : 61;       /* ns */
	uint64_t used : 1;          /* in the table (the array has a slot per key position) */
	uint64_t ts_on : 1;         /* the connection used timestamps (RFC 7323 §3.2) */
	uint64_t ts_recent_ok : 1;  /* ts_recent is valid */
	uint32_t prev, next;        /* FIFO by expiry (array indexes) */
};
static_assert(sizeof(struct tcp_tw) == 32, "a TIME-WAIT entry must stay 32 bytes");

/* Who uses a port (index: host-order port). */
struct port_use {
	uint32_t binds;      /* bind()/listen() bindings, any address */
	uint32_t listeners;  /* listen table entries */
	uint32_t conns;      /* live connections with this local port */
	uint32_t tws;        /* TIME-WAIT entries with this local port */
};

/* (address, port) key of the listen and bind hashes; pad is always zero. */
struct addr_port {
	uint32_t addr;       /* network order, 0: wildcard */
	uint16_t port;       /* network order */
	uint16_t pad;
};

struct tcp_table {
	struct ctable *conns;       /* struct tcp_key -> tcb | (tcp_tw + TW_TAG) */
	struct rte_hash *listen;    /* struct addr_port -> tcp_listener */
	struct rte_hash *binds;     /* struct addr_port -> number of bindings */
	uint32_t nb_listen;         /* keys in listen, at most conf.max_bindings */
	uint32_t nb_binds;          /* keys in binds, at most conf.max_bindings */
	uint32_t max;               /* conf.tcp_max_conns */
	uint32_t nb_tcbs;
	uint32_t nb_tw;
	struct tcp_tw *tw;          /* one slot per key position of conns */
	uint32_t tw_slots;
	uint32_t tw_head, tw_tail;  /* FIFO, earliest expiry first */
	struct berth_timer tw_timer;
	struct port_use *ports;     /* 65536 */
};

static inline struct tcp_table *
tbl(const struct berth_stack *st)
{
	return st->tcp->table;
}

static inline struct port_use *
port_use(const struct tcp_table *t, uint16_t port_be)
{
	return &t->ports[rte_be_to_cpu_16(port_be)];
}

static inline struct addr_port
ap_key(uint32_t addr, uint16_t port)
{
	struct addr_port k = { .addr = addr, .port = port, .pad = 0 };

	return k;
}

static inline uint32_t
tw_index(const struct tcp_table *t, const struct tcp_tw *tw)
{
	return (uint32_t)(tw - t->tw);
}

static inline struct tcp_lookup
decode(const struct berth_stack *st, uint32_t val)
{
	struct tcp_lookup r;

	if (val == CTABLE_VAL_NONE) {
		r.kind = TCP_LK_NONE;
		r.tcb = NULL;
	} else if (val & TW_VAL) {
		r.kind = TCP_LK_TW;
		r.tw = &tbl(st)->tw[val & ~TW_VAL];
	} else {
		r.kind = TCP_LK_TCB;
		r.tcb = tcp_pool_at(&st->tcp->pool, val);
	}
	return r;
}

static struct rte_hash *
hash_make(const struct berth_stack *st, const char *what, uint32_t entries, uint32_t key_len)
{
	struct rte_hash_parameters hp;
	char name[RTE_HASH_NAMESIZE];

	snprintf(name, sizeof(name), "bt_%s_%" PRIxPTR, what, (uintptr_t)st);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	/* rte_hash wants at least a bucket's worth; our own counts enforce the bound. */
	hp.entries = RTE_MAX(entries, 8u);
	hp.key_len = key_len;
	hp.socket_id = st->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	return rte_hash_create(&hp);
}

static void tw_expire(struct berth_stack *st, struct berth_timer *timer, uint64_t now);

/* ---- lifecycle ---- */

int
tcp_table_init(struct berth_stack *st)
{
	struct tcp_table *t;
	uint32_t nbind = st->conf.max_bindings;

	t = rte_zmalloc_socket("berth_tcp_table", sizeof(*t), RTE_CACHE_LINE_SIZE, st->socket_id);
	if (t == NULL)
		return -ENOMEM;
	st->tcp->table = t;
	t->max = st->conf.tcp_max_conns;
	{
		struct ctable_params cp = {
			.entries = RTE_MAX(t->max, 8u),
			.key_len = sizeof(struct tcp_key),
			.socket_id = st->socket_id,
			.seed = NULL,   /* a secret drawn now (libsodium) */
			.hash = CTABLE_HASH_NH,
		};

		t->conns = ctable_create(&cp);
		/* Every position ctable_add can return: 0 .. entries - 1. */
		t->tw_slots = cp.entries;
	}
	/* Sized by max_bindings: connections hold no binding (see berth_stack_conf). */
	t->listen = hash_make(st, "lsn", nbind, sizeof(struct addr_port));
	t->binds = hash_make(st, "bind", nbind, sizeof(struct addr_port));
	t->tw = rte_zmalloc_socket("berth_tcp_tw", (size_t)t->tw_slots * sizeof(*t->tw),
				   RTE_CACHE_LINE_SIZE, st->socket_id);
	t->ports = rte_zmalloc_socket("berth_tcp_ports", 65536 * sizeof(*t->ports),
				      RTE_CACHE_LINE_SIZE, st->socket_id);
	if (t->conns == NULL || t->listen == NULL || t->binds == NULL || t->tw == NULL ||
	    t->ports == NULL) {
		tcp_table_fini(st);
		return -ENOMEM;
	}
	t->tw_head = t->tw_tail = TW_NIL;
	timer_init(&t->tw_timer, tw_expire);
	return 0;
}

void
tcp_table_fini(struct berth_stack *st)
{
	struct tcp_table *t;

	if (st->tcp == NULL || (t = st->tcp->table) == NULL)
		return;
	/* TIME-WAIT entries live in the pool: freeing it frees them. */
	timer_cancel(&st->wheel, &t->tw_timer);
	ctable_free(t->conns);
	rte_hash_free(t->listen);
	rte_hash_free(t->binds);
	rte_free(t->tw);
	rte_free(t->ports);
	rte_free(t);
	st->tcp->table = NULL;
}

/* ---- connection table ---- */

void
tcp_table_lookup_bulk(struct berth_stack *st, const struct tcp_key *const *keys,
		      unsigned int n, struct tcp_lookup *res)
{
	const struct tcp_table *t = tbl(st);
	uint32_t vals[CTABLE_BULK_MAX];
	unsigned int off, i, chunk;
	uint64_t hits;

	for (off = 0; off < n; off += chunk) {
		chunk = RTE_MIN(n - off, (unsigned int)CTABLE_BULK_MAX);
		hits = 0;
		ctable_lookup_bulk(t->conns, (const void *const *)(keys + off), chunk, &hits, vals);
		for (i = 0; i < chunk; i++)
			res[off + i] = decode(st, vals[i]);
	}
}

struct tcp_lookup
tcp_table_lookup(struct berth_stack *st, const struct tcp_key *key)
{
	uint32_t val;

	if (ctable_lookup(tbl(st)->conns, key, &val) < 0)
		val = CTABLE_VAL_NONE;
	return decode(st, val);
}

/* Room for one more connection or TIME-WAIT entry? */
static inline bool
table_full(const struct tcp_table *t)
{
	return t->nb_tcbs + t->nb_tw >= t->max;
}

int
tcp_table_insert(struct berth_stack *st, struct tcb *tp)
{
	struct tcp_table *t = tbl(st);
	int ret;

	/*
	 * A pair of sockets fully specifies a connection (RFC 793 §2.7): one
	 * entry per tuple; ctable_add refuses a present key (one lookup, not two).
	 */
	if (table_full(t))
		return ctable_lookup(t->conns, &tp->key, NULL) >= 0 ? -EEXIST : -ENOSPC;
	ret = ctable_add(t->conns, &tp->key, tp->pool_idx);
	if (ret < 0)
		return ret == -EEXIST ? -EEXIST : -ENOSPC;
	t->nb_tcbs++;
	port_use(t, tp->key.lport)->conns++;
	return 0;
}

void
tcp_table_remove(struct berth_stack *st, struct tcb *tp)
{
	struct tcp_table *t = tbl(st);
	uint32_t val;

	/* Idempotent, and never removes another connection's entry. */
	if (t == NULL || ctable_lookup(t->conns, &tp->key, &val) < 0 || val != tp->pool_idx)
		return;
	ctable_del(t->conns, &tp->key);
	t->nb_tcbs--;
	port_use(t, tp->key.lport)->conns--;
}

/* ---- TIME-WAIT entries ---- */

/* The key of an entry in the table, in the hash's key store; NULL if there is none. */
static const struct tcp_key *
tw_key(const struct tcp_table *t, const struct tcp_tw *tw)
{
	if (!tw->used)
		return NULL;
	return ctable_key(t->conns, (int32_t)tw_index(t, tw));
}

static void
fifo_unlink(struct tcp_table *t, struct tcp_tw *tw)
{
	if (tw->prev != TW_NIL)
		t->tw[tw->prev].next = tw->next;
	else
		t->tw_head = tw->next;
	if (tw->next != TW_NIL)
		t->tw[tw->next].prev = tw->prev;
	else
		t->tw_tail = tw->prev;
}

/*
 * Insert by expiry. Every entry gets now + 2*MSL, so it belongs at the tail
 * and the walk stops at once; an earlier expiry (a shorter MSL set at run
 * time) still lands in order.
 */
static void
fifo_insert(struct tcp_table *t, struct tcp_tw *tw, uint64_t expire)
{
	uint32_t idx = tw_index(t, tw), after = t->tw_tail;

	/* The field holds 73 years: an expiry beyond is never reached anyway. */
	tw->expire = RTE_MIN(expire, TW_EXPIRE_MAX);
	while (after != TW_NIL && t->tw[after].expire > tw->expire)
		after = t->tw[after].prev;
	tw->prev = after;
	if (after == TW_NIL) {
		tw->next = t->tw_head;
		t->tw_head = idx;
	} else {
		tw->next = t->tw[after].next;
		t->tw[after].next = idx;
	}
	if (tw->next != TW_NIL)
		t->tw[tw->next].prev = idx;
	else
		t->tw_tail = idx;
}

/* The one timer follows the head of the FIFO. */
static void
tw_timer_update(struct berth_stack *st, struct tcp_table *t)
{
	if (t->tw_head == TW_NIL)
		timer_cancel(&st->wheel, &t->tw_timer);
	else if (!timer_armed(&t->tw_timer) || t->tw_timer.expire != t->tw[t->tw_head].expire)
		timer_arm(&st->wheel, &t->tw_timer, t->tw[t->tw_head].expire);
}

/* Take tw out of the hash, the FIFO and the port counts. */
static void
tw_release(struct tcp_table *t, struct tcp_tw *tw)
{
	const struct tcp_key *kp = tw_key(t, tw);

	if (kp != NULL) {
		struct tcp_key key = *kp; /* the hash slot goes away with the key */

		ctable_del(t->conns, &key);
		port_use(t, key.lport)->tws--;
	}
	fifo_unlink(t, tw);
	t->nb_tw--;
	tw->used = 0;
}

struct tcp_tw *
tcp_tw_insert(struct berth_stack *st, const struct tcp_key *key, tcp_seq snd_nxt,
	      tcp_seq rcv_nxt, uint64_t expire)
{
	struct tcp_table *t = tbl(st);
	struct tcp_tw *tw;
	int32_t pos;

	if (table_full(t))
		return NULL;
	/* The key's position is the entry's slot; its value then names the slot. */
	pos = ctable_add(t->conns, key, TW_VAL);
	if (pos < 0)
		return NULL;
	if ((uint32_t)pos >= t->tw_slots || t->tw[pos].used ||
	    ctable_set_val(t->conns, pos, TW_VAL | (uint32_t)pos) < 0) {
		ctable_del(t->conns, key);
		return NULL;
	}
	tw = &t->tw[pos];
	tw->used = 1;
	tw->snd_nxt = snd_nxt;
	tw->rcv_nxt = rcv_nxt;
	/* Without timestamps until tcp_tw_set_ts says otherwise. */
	tw->ts_on = 0;
	tw->ts_recent_ok = 0;
	tw->ts_recent = 0;
	tw->ts_off = 0;
	fifo_insert(t, tw, expire);
	t->nb_tw++;
	port_use(t, key->lport)->tws++;
	STAT_INC(st, TCP_TW_ENTER);
	tw_timer_update(st, t);
	return tw;
}

void
tcp_tw_set_ts(struct tcp_tw *tw, const struct tcp_tw_ts *ts)
{
	tw->ts_on = ts->on;
	tw->ts_recent_ok = ts->on && ts->recent_ok;
	tw->ts_recent = ts->recent;
	tw->ts_off = ts->off;
}

void
tcp_tw_get_ts(const struct tcp_tw *tw, struct tcp_tw_ts *ts)
{
	ts->on = tw->ts_on;
	ts->recent_ok = tw->ts_recent_ok;
	ts->recent = tw->ts_recent;
	ts->off = tw->ts_off;
}

void
tcp_tw_remove(struct berth_stack *st, struct tcp_tw *tw)
{
	struct tcp_table *t = tbl(st);

	if (tw == NULL || !tw->used)
		return;
	tw_release(t, tw);
	tw_timer_update(st, t);
}

void
tcp_tw_restart(struct berth_stack *st, struct tcp_tw *tw, uint64_t expire)
{
	struct tcp_table *t = tbl(st);

	/* RFC 9293 §3.10.7.4 (TIME-WAIT, FIN): restart the 2 MSL time-wait timeout. */
	fifo_unlink(t, tw);
	fifo_insert(t, tw, expire);
	tw_timer_update(st, t);
}

static void
tw_trace(const struct tcp_table *t, const struct tcp_tw *tw)
{
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
	const struct tcp_key *k;

	if (!rte_log_can_log(berth_logtype, RTE_LOG_DEBUG) || (k = tw_key(t, tw)) == NULL)
		return;
	inet_ntop(AF_INET, &k->laddr, l, sizeof(l));
	inet_ntop(AF_INET, &k->raddr, r, sizeof(r));
	BERTH_LOG(DEBUG, "tcp %s:%u %s:%u TIME-WAIT -> CLOSED (2*MSL elapsed)", l,
		  rte_be_to_cpu_16(k->lport), r, rte_be_to_cpu_16(k->rport));
}

/* RFC 9293 §3.10.8 (timeouts): the time-wait timeout deletes the TCB. */
static void
tw_expire(struct berth_stack *st, struct berth_timer *timer, uint64_t now)
{
	struct tcp_table *t = tbl(st);
	struct tcp_tw *tw;

	(void)timer;
	while (t->tw_head != TW_NIL && (tw = &t->tw[t->tw_head])->expire <= now) {
		tw_trace(t, tw);
		tw_release(t, tw);
		STAT_INC(st, TCP_TW_EXPIRE);
	}
	tw_timer_update(st, t);
}

tcp_seq
tcp_tw_snd_nxt(const struct tcp_tw *tw)
{
	return tw->snd_nxt;
}

tcp_seq
tcp_tw_rcv_nxt(const struct tcp_tw *tw)
{
	return tw->rcv_nxt;
}

const struct tcp_key *
tcp_tw_key(const struct berth_stack *st, const struct tcp_tw *tw)
{
	return tw_key(tbl(st), tw);
}

uint32_t
tcp_tw_count(const struct berth_stack *st)
{
	return st->tcp != NULL && tbl(st) != NULL ? tbl(st)->nb_tw : 0;
}

/* ---- listen table ---- */

static struct tcp_listener *
listen_find(const struct tcp_table *t, uint32_t laddr, uint16_t lport)
{
	struct addr_port k = ap_key(laddr, lport);
	void *data;

	return rte_hash_lookup_data(t->listen, &k, &data) < 0 ? NULL : data;
}

int
tcp_listen_insert(struct berth_stack *st, struct tcp_listener *l)
{
	struct tcp_table *t = tbl(st);
	struct addr_port k = ap_key(l->laddr, l->lport);
	struct port_use *pu = port_use(t, l->lport);
	int ret;

	/* One listener per port and address; a wildcard one excludes every other. */
	if (pu->listeners > 0 &&
	    (l->laddr == 0 || listen_find(t, 0, l->lport) != NULL ||
	     listen_find(t, l->laddr, l->lport) != NULL))
		return -EADDRINUSE;
	if (t->nb_listen >= st->conf.max_bindings)
		return -ENOBUFS;
	ret = rte_hash_add_key_data(t->listen, &k, l);
	if (ret < 0)
		return -ENOBUFS;
	t->nb_listen++;
	pu->listeners++;
	return 0;
}

void
tcp_listen_remove(struct berth_stack *st, struct tcp_listener *l)
{
	struct tcp_table *t = tbl(st);
	struct addr_port k = ap_key(l->laddr, l->lport);

	if (t == NULL || listen_find(t, l->laddr, l->lport) != l)
		return;
	rte_hash_del_key(t->listen, &k);
	t->nb_listen--;
	port_use(t, l->lport)->listeners--;
}

struct tcp_listener *
tcp_listen_lookup(struct berth_stack *st, uint32_t laddr, uint16_t lport)
{
	const struct tcp_table *t = tbl(st);
	struct tcp_listener *l;

	/* SYN floods at closed ports stop here, before any hash lookup. */
	if (port_use(t, lport)->listeners == 0)
		return NULL;
	/* The most specific listener wins, as BSD's in_pcblookup: address, then wildcard. */
	l = listen_find(t, laddr, lport);
	return l != NULL ? l : listen_find(t, 0, lport);
}

/* ---- port bindings ---- */

static uint32_t
bind_count(const struct tcp_table *t, uint32_t laddr, uint16_t lport)
{
	struct addr_port k = ap_key(laddr, lport);
	void *data;

	return rte_hash_lookup_data(t->binds, &k, &data) < 0 ? 0 : (uint32_t)(uintptr_t)data;
}

bool
tcp_port_bound(struct berth_stack *st, uint32_t laddr, uint16_t lport)
{
	const struct tcp_table *t = tbl(st);

	if (port_use(t, lport)->binds == 0)
		return false;
	/* A wildcard address overlaps every binding on the port. */
	if (laddr == 0)
		return true;
	return bind_count(t, laddr, lport) > 0 || bind_count(t, 0, lport) > 0;
}

int
tcp_bind_add(struct berth_stack *st, uint32_t laddr, uint16_t lport, bool reuseaddr)
{
	struct tcp_table *t = tbl(st);
	struct port_use *pu = port_use(t, lport);
	struct addr_port k = ap_key(laddr, lport);
	uint32_t n;

	/* Port 0 asks for an ephemeral port; it is never a real one. */
	if (lport == 0)
		return -EINVAL;
	/* Another bind or listen on the same address, or either is the wildcard. */
	if (tcp_port_bound(st, laddr, lport))
		return -EADDRINUSE;
	/*
	 * A live connection uses the port as its local port: in use, unless
	 * SO_REUSEADDR, which (as in Linux, inet_csk_bind_conflict) only a
	 * listener or another bind refuses. A restarted server must be able
	 * to bind while its old connections finish; their 4-tuples stay
	 * protected by the connection table.
	 */
	if (pu->conns > 0 && !reuseaddr)
		return -EADDRINUSE;
	/*
	 * RFC 9293 leaves binding over TIME-WAIT to the implementation; as
	 * BSD and Linux, SO_REUSEADDR allows it. The 4-tuple itself stays
	 * protected: connect checks tcp_tuple_free, and a SYN that reopens a
	 * TIME-WAIT connection follows RFC 6191.
	 */
	if (pu->tws > 0 && !reuseaddr)
		return -EADDRINUSE;
	n = bind_count(t, laddr, lport);
	if (n == 0 && t->nb_binds >= st->conf.max_bindings)
		return -ENOBUFS;
	if (rte_hash_add_key_data(t->binds, &k, (void *)(uintptr_t)(n + 1)) < 0)
		return -ENOBUFS;
	if (n == 0)
		t->nb_binds++;
	pu->binds++;
	return 0;
}

void
tcp_bind_del(struct berth_stack *st, uint32_t laddr, uint16_t lport)
{
	struct tcp_table *t = tbl(st);
	struct addr_port k = ap_key(laddr, lport);
	uint32_t n;

	if (t == NULL || (n = bind_count(t, laddr, lport)) == 0)
		return;
	if (n == 1) {
		rte_hash_del_key(t->binds, &k);
		t->nb_binds--;
	} else
		rte_hash_add_key_data(t->binds, &k, (void *)(uintptr_t)(n - 1));
	port_use(t, lport)->binds--;
}

bool
tcp_tuple_free(struct berth_stack *st, const struct tcp_key *key)
{
	const struct tcp_table *t = tbl(st);
	const struct port_use *pu = port_use(t, key->lport);

	/* Nothing on the local port: no hash lookup (ephemeral probing). */
	if (pu->conns == 0 && pu->tws == 0)
		return true;
	return ctable_lookup(t->conns, key, NULL) < 0;
}

void
tcp_tw_foreach(struct berth_stack *st, tcp_tw_fn fn, void *arg)
{
	struct tcp_table *t = tbl(st);
	const struct tcp_key *k;
	uint32_t i;

	if (t == NULL)
		return;
	/* Earliest expiry first; fn must not add or remove entries. */
	for (i = t->tw_head; i != TW_NIL; i = t->tw[i].next)
		if ((k = tw_key(t, &t->tw[i])) != NULL)
			fn(k, t->tw[i].expire, arg);
}
