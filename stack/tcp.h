/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP inside berth: the TCB, the parsed segment, and the interfaces between
 * the TCP files. Read RFC 9293 first; names follow it (snd_una, rcv_nxt ...).
 *
 *   tcp_input.c    segment arrival: burst collection, bulk demux, LISTEN and
 *                  SYN-SENT handlers, RFC 9293 §3.10.7 steps, TIME_WAIT
 *   tcp_opts.c     option parsing (robust) and option emission
 *   tcp_output.c   building and sending segments: data, ACK, SYN, SYN-ACK,
 *                  FIN, RST; the send and receive queues (tcp_buf.c)
 *   tcp_timer.c    retransmission (RFC 6298), SYN retries, give-up, 2*MSL
 *   tcp_cc.c       congestion control: IW10, fast retransmit, NewReno
 *                  recovery, limited transmit; the algorithms in
 *                  tcp_cc_newreno.c and tcp_cc_cubic.c (tcp_cc.h)
 *   tcp_sack.c     SACK both ways (RFC 2018, RFC 2883 D-SACK): the blocks
 *                  we report, the scoreboard of the peer's, and RFC 6675
 *                  loss recovery (pipe, NextSeg)
 *   tcp_sock.c     the socket operations behind berth_sock_* for streams;
 *                  connection listing
 *   tcp_table.c    connection table (4-tuple), listen table, compact
 *                  TIME_WAIT entries, port bindings
 *   tcp_portsel.c  RFC 6056 ephemeral port selection, algorithms 1-5
 *   tcp_isn.c      RFC 6528 initial sequence numbers
 *
 * Call chain in: ipv4_input -> tcp_input (checks, stash in the burst) ...
 *   berth_stack_poll -> tcp_input_flush (bulk lookup, then per segment
 *   tcp_segment_arrives) -> state handlers -> tcp_output / socket queues /
 *   sock_notify.
 * Call chain out: berth_sock_send -> tcp_sock -> tcp_output -> ipv4_output.
 */
#ifndef BERTH_TCP_H
#define BERTH_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "core.h"
#include "pktq.h"
#include "tcp_seq.h"
#include "timer.h"

/* ---- states (RFC 9293 §3.3.2) ---- */
enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_NSTATES
};

/* The RFC's spelling: "SYN-RECEIVED", "TIME-WAIT" ... */
const char *tcp_state_name(enum tcp_state s);

/* Header flags (RFC 9293 §3.1), as in the header's byte 13. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define TCP_DEFAULT_MSS 536       /* RFC 9293 §3.7.1: when the peer sends none */
/*
 * MSS floor: a peer's MSS below this is raised to it. A tiny MSS would
 * multiply the segments (and the work) for the same data: the resource
 * attack of CVE-2019-11479. 48 is Linux's tcp_min_snd_mss: 40 bytes of
 * options and 8 of data still fit, so a peer on an odd small-MTU path is
 * still served, and each segment carries at least as much as its headers.
 */
#define TCP_MIN_MSS 48
#define TCP_MAX_WIN 65535         /* the 16-bit window field; scaled by RFC 7323 (tcp_ts.c) */
#define TCP_MAX_WSCALE 14         /* RFC 7323 §2.3: the largest shift */
#define TCP_TS_OPT_LEN 12         /* NOP, NOP, Timestamps (kind 8, length 10) */

/* ---- the 4-tuple key of the connection table (12 bytes, network order) ---- */
struct tcp_key {
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
} __attribute__((packed));

/* ---- options (tcp_opts.c) ---- */
/* A SACK block (RFC 2018 §3): [start, end) received by the peer. */
struct tcp_sack_block {
	tcp_seq start;
	tcp_seq end;
};
/* RFC 2018 §3: 40 bytes of options hold at most 4 blocks (3 beside Timestamps). */
#define TCP_SACK_MAX_BLOCKS 4

struct tcp_opts {
	uint16_t mss;       /* 0: absent */
	bool ws_ok;         /* RFC 7323 §2: Window Scale present (SYN only) */
	uint8_t ws;         /* its shift count, as sent (may exceed 14) */
	bool ts_ok;         /* RFC 7323 §3: Timestamps present */
	bool sack_ok;       /* RFC 2018 §2 SACK-permitted (SYN only) */
	uint32_t tsval, tsecr;
	uint8_t nb_sack;    /* RFC 2018 §3 SACK blocks, as sent (not yet checked) */
	struct tcp_sack_block sack[TCP_SACK_MAX_BLOCKS];
};

/*
 * Parse the options area (between the fixed header and the data offset).
 * EOL ends parsing; NOP is skipped; MSS (kind 2, length 4) is taken only
 * when syn is true; unknown kinds with a valid length are skipped. A length
 * of 0 or 1 or one that overruns the area is malformed.
 * Returns 0, or -1 when malformed (the caller drops, counted tcp_bad_opts).
 */
int tcp_opts_parse(const uint8_t *p, unsigned int len, bool syn, struct tcp_opts *o);
/* Write the MSS option (4 bytes) at p; returns the bytes written. */
unsigned int tcp_opts_write_mss(uint8_t *p, uint16_t mss);
/* Write NOP, NOP, Timestamps (TCP_TS_OPT_LEN bytes) at p; returns the bytes written. */
unsigned int tcp_opts_write_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr);
/* Write NOP, Window Scale (4 bytes) at p; returns the bytes written. */
unsigned int tcp_opts_write_ws(uint8_t *p, uint8_t shift);
/* Write SACK-permitted and Timestamps (12 bytes, Linux's SYN layout) at p. */
unsigned int tcp_opts_write_sackperm_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr);
/* Write NOP, NOP, SACK-permitted (4 bytes) at p (a SYN without Timestamps). */
unsigned int tcp_opts_write_sackperm(uint8_t *p);
/* Write NOP, NOP, SACK with n blocks (4 + 8n bytes) at p; returns the bytes written. */
unsigned int tcp_opts_write_sack(uint8_t *p, const struct tcp_sack_block *b, unsigned int n);

/* ---- a segment, parsed once in tcp_input ---- */
struct tcp_seg {
	struct rte_mbuf *m;       /* data at the IPv4 header */
	struct berth_ip_info ip;  /* copy: the burst outlives ipv4_input's frame */
	struct tcp_key key;       /* from our point of view: laddr = ip.dst */
	const struct rte_tcp_hdr *th;
	tcp_seq seq;              /* SEG.SEQ */
	tcp_seq ack;              /* SEG.ACK */
	uint32_t len;             /* SEG.LEN: data, +1 for SYN, +1 for FIN */
	uint32_t data_len;        /* payload bytes */
	uint16_t data_off;        /* payload offset from the IPv4 header */
	uint16_t wnd;             /* SEG.WND (unscaled) */
	uint8_t flags;            /* TCP_* */
	struct tcp_opts opts;
};

/* ---- chain helpers for the queues (tcp_buf.c; the queue itself is pktq.h) ---- */
struct tcb;
struct tcb_ext;
/* tp's extension, allocated on first need; NULL (counted drop_tcp_no_mem) without memory. */
struct tcb_ext *tcb_ext_get(struct berth_stack *st, struct tcb *tp);
/* Free the out-of-order data tp holds. */
void tcb_ooo_free(struct tcb *tp);
/* Free the out-of-order data and the extension (SACK state goes with it). */
void tcb_ext_free(struct tcb *tp);
/* Remove n <= q->bytes bytes from the front of q, freeing what empties. */
void tcp_trim_front(struct pktq *q, uint32_t n);
/* Cut a chain to len bytes (freeing segments past it); returns m. */
struct rte_mbuf *tcp_mbuf_trim(struct rte_mbuf *m, uint32_t len);
/* Remove off bytes from the front of a chain; returns the new head. */
struct rte_mbuf *tcp_mbuf_strip(struct rte_mbuf *m, uint32_t off);

/*
 * Out-of-order data held for later: a run of contiguous payload (one chain
 * of the segments that made it) and where it starts.
 */
struct tcp_ooo_seg {
	tcp_seq seq;
	uint32_t len;
	struct rte_mbuf *m;       /* adjusted to the payload */
};
#define TCP_OOO_MAX_SEGS 64       /* runs per connection; bytes bounded by rcv_wnd */
/*
 * Ranges the SACK scoreboard keeps (tcp_sack.c). Beyond it the highest
 * range is forgotten: the cost is a retransmission the peer did not need,
 * never a wrong one.
 */
#define TCP_SACK_SB_MAX 32

/*
 * Per-socket flow options (tcp_flow.c): BERTH_SO_NODELAY, BERTH_SO_KEEPALIVE,
 * BERTH_TCP_KEEP*. A listener's are what its accepted children start with.
 */
struct tcp_flow_opts {
	bool nodelay;             /* Nagle off (RFC 896) */
	bool keepalive;           /* RFC 1122 §4.2.3.6, off by default */
	uint8_t keepcnt;          /* unanswered probes before ETIMEDOUT (<= 127) */
	uint8_t cc;               /* tcp_cc.c: enum berth_tcp_cc (BERTH_TCP_CONGESTION) */
	uint16_t keepidle_s;      /* idle seconds before the first probe (<= 32767) */
	uint16_t keepintvl_s;     /* seconds between probes (<= 32767) */
};
#define TCP_KEEPIDLE_DEF 7200     /* RFC 1122 §4.2.3.6: no less than two hours by default */
#define TCP_KEEPINTVL_DEF 75      /* as BSD and Linux */
#define TCP_KEEPCNT_DEF 9
#define TCP_PERSIST_MAX_NS (60ull * 1000000000ull) /* persist backoff cap */

/* ---- listening socket ---- */
struct tcb;
TAILQ_HEAD(tcb_list, tcb);

struct tcp_listener {
	struct berth_sock so;     /* first: socket.c knows only this */
	uint32_t laddr;           /* 0: wildcard */
	uint16_t lport;           /* network order */
	uint32_t backlog;         /* accept queue bound */
	uint32_t nb_syn_recv;     /* children in SYN-RECEIVED */
	uint32_t max_syn_recv;    /* bound on them (conf tcp_max_syn_backlog) */
	uint32_t nb_accept;       /* established, not yet accepted */
	struct tcb_list accept_q; /* established children, oldest first */
	struct tcb_list syn_q;    /* children in SYN-RECEIVED */
	bool reuseaddr;
	/* tcp_sock.c: what children take over (BERTH_SO_*), and the list of listeners */
	uint32_t sndbuf, rcvbuf;
	int linger;
	struct tcp_flow_opts fo;  /* tcp_flow.c: children take these over */
	LIST_ENTRY(tcp_listener) link;
};

/* ---- the TCB (RFC 9293 §3.3.1) ---- */
struct tcb {
	struct berth_sock so;     /* first: socket.c knows only this */
	struct tcp_key key;
	uint32_t pool_idx;        /* slot in the stack's pool: the connection table's value */
	struct berth_nexthop nh;  /* route, resolved at open */

	/*
	 * Fields of 4 bytes and more by concern; the small ones (MSSes, shifts,
	 * counters of a few bits and the flags) are gathered at the end so
	 * that they pack without holes (bench/results: the TCB's layout).
	 */

	/* Send sequence variables (snd_mss below) */
	tcp_seq snd_una;
	tcp_seq snd_nxt;
	tcp_seq snd_max;          /* highest sequence sent (snd_nxt rewinds on RTO) */
	tcp_seq snd_wl1;
	tcp_seq snd_wl2;
	tcp_seq iss;
	uint32_t snd_wnd;
	uint32_t max_snd_wnd;     /* RFC 5961 §5 MAX.SND.WND: largest window the peer offered */

	/* Receive sequence variables (rcv_mss below) */
	tcp_seq rcv_nxt;
	tcp_seq irs;
	uint32_t rcv_wnd;         /* what we advertise */
	tcp_seq rcv_adv;          /* right edge last advertised: never shrink it */

	/* RTT and retransmission (RFC 6298), microseconds (rtt_active, nb_rexmit below) */
	uint32_t srtt_us;         /* 0: no sample yet */
	uint32_t rttvar_us;
	uint32_t rto_us;
	tcp_seq rtt_seq;          /* timing one segment (Karn: never a retransmitted one) */
	uint64_t rtt_start;       /* ns */

	/* Queues */
	struct pktq sndq;       /* unacked + unsent payload; head starts at snd_una */
	struct pktq rcvq;       /* in-order payload for the application */
	uint32_t sndbuf;          /* bound on sndq.bytes */
	uint32_t rcvbuf;          /* bound on rcvq.bytes + ooo bytes */
	uint32_t ooo_bytes;       /* bytes in the nb_ooo runs of x->ooo */
	uint32_t bind_addr;       /* address given to bind() (0: wildcard); with port 0, the port comes at connect/listen */
	/* Out-of-order runs and SACK state, allocated while needed (tcp_buf.c). */
	struct tcb_ext *x;

	/* Timers */
	struct berth_timer rexmit_timer;  /* RTO, SYN and SYN-ACK retries */
	/*
	 * FIN-WAIT-2 timeout of a closed socket and 2*MSL for a TIME-WAIT
	 * TCB still held (tcp_conn_timer_closing), else keepalive (RFC 1122
	 * §4.2.3.6), which those states do not need: one timer, as Linux's
	 * sk_timer serves both.
	 */
	struct berth_timer conn_timer;

	/* RFC 5961 §7: challenge ACK limit (per connection) */
	uint64_t chack_window_start;
	uint64_t oow_ack_last;    /* tcp_input.c: last ACK to an out-of-window empty segment */
	uint32_t chack_count;

	int linger;               /* -1: off; 0: abort on close; >0 seconds (not blocking) */

	/* RFC 7323 window scaling and timestamps (tcp_ts.c; flags and shifts below) */
	uint64_t ts_recent_at;    /* ns when ts_recent was set */
	uint32_t ts_recent;       /* TS.Recent: the TSval to echo */
	uint32_t ts_off;          /* our TSval = ts_off + now in ms (RFC 7323 §5.4) */
	tcp_seq last_ack_sent;    /* Last.ACK.sent (§4.3) */
	uint32_t ts_seg_ecr;      /* with ts_seg: the TSecr of the segment in input */

	/* Passive open: the listener while in its syn_q or accept_q */
	struct tcp_listener *parent;
	TAILQ_ENTRY(tcb) lq_link;
	TAILQ_ENTRY(tcb) out_link;    /* on the stack's out_q (out_queued) */

	/* tcp_output.c / tcp_sock.c bookkeeping */
	struct rte_mbuf *snd_cur; /* cache: sndq mbuf where the last segment ended ... */
	tcp_seq snd_cur_seq;      /* ... and the sequence number of its first byte */

	/* tcp_flow.c: delayed ACK, Nagle, persist, keepalive */
	uint32_t delack_bytes;    /* in-order bytes received since our last ACK */
	struct tcp_flow_opts fo;
	struct berth_timer delack_timer;  /* RFC 1122 §4.2.3.2 */
	struct berth_timer persist_timer; /* RFC 9293 §3.8.6.1 zero-window probes */
	uint64_t last_rcv;        /* ns: last segment from the peer (keepalive idle) */

	/* tcp_cc.c: congestion control (RFC 5681, RFC 6582, RFC 3042, RFC 9438) */
	const struct tcp_cc_ops *cc;  /* NULL until our SYN is acknowledged */
	uint32_t cwnd;            /* bytes */
	uint32_t ssthresh;        /* bytes */
	uint32_t dupacks;         /* consecutive duplicate ACKs (RFC 5681 §2) */
	tcp_seq recover;          /* RFC 6582 §3.2: highest sequence sent at the loss */
	uint64_t last_send;       /* ns: last segment of data sent (RFC 5681 §4.1 idle) */
	/* CUBIC (RFC 9438 §4), in segments and seconds */
	double cub_w_max;         /* W_max: window at the last congestion event */
	double cub_k;             /* K: time to get back to W_max */
	double cub_w_est;         /* Reno-friendly estimate (§4.3) */
	double cub_cwnd_epoch;    /* cwnd at the start of the epoch */
	uint64_t cub_epoch;       /* ns: start of congestion avoidance; 0: not started */

	/* tcp_sack.c: SACK (RFC 2018, RFC 2883) and RFC 6675 loss recovery */
	uint32_t sacked_bytes;    /* bytes in x->sb */
	tcp_seq high_rxt;         /* RFC 6675 HighRxt: end of the last retransmission */

	/* ---- the small fields ---- */
	uint8_t state;            /* enum tcp_state */
	uint16_t snd_mss;         /* what we may send per segment */
	uint16_t rcv_mss;         /* what we announced */
	uint16_t nb_ooo;          /* runs held in x->ooo */
	uint8_t nb_rexmit;        /* consecutive RTO expiries */
	uint8_t snd_wscale;       /* shift of the peer's windows (0 unless ws_on) */
	uint8_t rcv_wscale;       /* shift of ours (offered on our SYN; 0 unless ws_on) */
	uint8_t persist_shift;    /* backoff of the persist timer */
	uint8_t persist_unanswered; /* probes sent since the peer last sent anything */
	uint8_t keep_probes;      /* keepalive probes unanswered */
	uint8_t nb_sb;            /* scoreboard ranges in x->sb */
	uint8_t nb_rcv_recent;    /* entries in x->rcv_recent */

	/* Flags */
	bool rtt_active;          /* timing one segment (rtt_seq, rtt_start) */
	bool fin_queued;          /* app shut down writing: FIN after sndq */
	bool fin_sent;
	bool fin_rcvd;
	bool rd_shut;             /* app shut down reading: data is discarded */
	bool reuseaddr;
	bool bound;               /* holds a port binding in tcp_table */
	bool app_closed;          /* the app called close: no descriptor any more */
	bool ack_now;             /* an ACK is owed at the end of input */
	bool ack_turn;            /* an ACK waits on out_q for the app's turn (tcp_output_later) */
	bool out_queued;          /* on the stack's out_q */
	bool ws_on;               /* both SYNs carried Window Scale */
	bool ts_on;               /* both SYNs carried Timestamps */
	bool ts_recent_ok;        /* ts_recent holds a value (§5.5: invalid after 24 days) */
	bool ts_seg;              /* the segment in input carries TSecr ts_seg_ecr */
	bool syn_acked;           /* our SYN is acknowledged (snd_una passed iss) */
	bool snd_wait;            /* a send returned -EAGAIN: raise WRITABLE when space frees */
	bool in_accept_q;         /* on parent's accept_q (else syn_q while parent is set) */
	bool in_recovery;         /* NewReno fast recovery (RFC 6582 §3.2) */
	bool ack_delayed;         /* an ACK is owed, by the delayed-ACK timer at the latest */
	bool quickack;            /* this segment completed the handshake: ACK its data at once */
	bool sack_on;             /* both SYNs carried SACK-permitted */
	bool rescue_done;         /* RFC 6675 §4 NextSeg (4): one rescue per recovery */
	bool dsack_pending;       /* RFC 2883: report dsack as the first block */
};

/*
 * What a connection needs only once segments go missing: the out-of-order
 * runs it holds and its SACK state. Allocated on first need, freed when the
 * connection ends or enters TIME-WAIT, so an idle or loss-free connection
 * does not carry it (tcp_buf.c).
 */
struct tcb_ext {
	struct tcp_ooo_seg ooo[TCP_OOO_MAX_SEGS]; /* nb_ooo runs, sorted by seq */
	/* Sender: what the peer SACKed above SND.UNA: sorted, disjoint, not touching. */
	struct tcp_sack_block sb[TCP_SACK_SB_MAX];
	/* Receiver: a sequence number in each block reported, latest first (RFC 2018 §4). */
	tcp_seq rcv_recent[TCP_SACK_MAX_BLOCKS];
	struct tcp_sack_block dsack;  /* a duplicate we received (dsack_pending) */
};

/* ---- tcp_pool.c: the TCBs' memory ---- */
#define TCP_POOL_CHUNK 64         /* TCBs per chunk */
#define TCP_POOL_MAX (UINT32_C(1) << 31) /* max_sockets + tcp_max_conns at most */
struct tcp_pool {
	uint8_t **chunks;         /* cap_chunks slots, nb_chunks allocated */
	uint32_t nb_chunks;
	uint32_t cap_chunks;      /* grows by doubling, up to max_chunks */
	uint32_t max_chunks;
	void *free;               /* free slots, linked through their first bytes */
	uint32_t nb_used;
	size_t slot;              /* sizeof(struct tcb) in whole cache lines */
};
int tcp_pool_init(struct berth_stack *st);
/* Frees every chunk: call when no TCB is in use any more. */
void tcp_pool_fini(struct berth_stack *st);
/* A zeroed TCB (pool_idx set), or NULL when the stack holds all it may or memory ran out. */
struct tcb *tcp_pool_get(struct berth_stack *st);
/* The TCB in slot idx (tcb->pool_idx): the connection table's values. */
static inline struct tcb *
tcp_pool_at(const struct tcp_pool *p, uint32_t idx)
{
	return (struct tcb *)(p->chunks[idx / TCP_POOL_CHUNK] + (size_t)(idx % TCP_POOL_CHUNK) * p->slot);
}
void tcp_pool_put(struct berth_stack *st, struct tcb *tp);
/*
 * The TCB in use after tp in slot order (tp NULL: the first), or NULL. tp
 * may have been freed meanwhile: a free slot keeps its index.
 */
struct tcb *tcp_pool_next(const struct berth_stack *st, const struct tcb *tp);
/* Bytes the pool holds (chunks and their index). */
size_t tcp_pool_memory(const struct berth_stack *st);

/* ---- per-stack TCP state (tcp_input.c owns init/fini) ---- */
#define TCP_BURST 64
struct tcp_stack {
	/* Segments of the current RX burst awaiting bulk demux. */
	uint16_t nb_burst;
	struct tcp_seg burst[TCP_BURST];
	struct tcp_pool pool;     /* the TCBs' memory */
	/* Every TCB is a slot in use of the pool (tcp_pool_next walks them). */
	struct tcb_list out_q;    /* output asked for since the last poll (tcp_output_later) */
	uint32_t nb_tcbs;
	struct tcp_table *table;
	struct tcp_portsel *ports;
	uint8_t isn_key[16];      /* RFC 6528 secret, drawn at start */
	LIST_HEAD(, tcp_listener) listeners; /* tcp_sock.c: every listener, for listing */
	uint32_t nb_listeners;
	uint32_t table_gen;       /* tcp_input.c: bumped when input changes the tables */
	bool ws_big_logged;       /* tcp_ts.c: a window shift > 14 was logged (once) */
};

/* ---- tcp_input.c ---- */
int tcp_init(struct berth_stack *st);
void tcp_fini(struct berth_stack *st);
/*
 * From ipv4_input: m's data at the IPv4 header. Validates length and
 * checksum (counted drops), parses the header once into the burst array.
 * The segment is processed by tcp_input_flush, after the device burst.
 */
void tcp_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip,
	       uint64_t now);
/* Bulk-look-up every stashed segment and process them in arrival order. */
void tcp_input_flush(struct berth_stack *st, uint64_t now);

/* ---- tcp_output.c ---- */
/* Send what the window and queues allow (data, FIN); arms the RTO. */
void tcp_output(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* An ACK for rcv_nxt now (also window updates and challenge ACKs). */
void tcp_send_ack(struct berth_stack *st, struct tcb *tp, uint64_t now);
/*
 * Output for tp at the next poll (or berth_stack_flush), with the ACK it
 * owes if ack_turn is set: what the application sends in its turn leaves
 * in as few segments as possible, carrying that ACK (and a FIN queued by
 * close) rather than each call sending its own.
 */
void tcp_output_later(struct berth_stack *st, struct tcb *tp);
/* The same for an ACK input owes: it waits for the app's turn (see seg_finish). */
void tcp_ack_later(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* Send what out_q holds: each TCB's data, FIN and owed ACK. */
void tcp_output_queued(struct berth_stack *st, uint64_t now);
/* Forget tp's place on out_q (the connection ends or leaves the states that send). */
void tcp_output_unqueue(struct berth_stack *st, struct tcb *tp);
/* SYN (active open) or SYN-ACK (passive), with MSS and RFC 7323 WS/TS options. */
void tcp_send_syn(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* RST on a connection: <SEQ=snd_nxt><CTL=RST> (abort, SO_LINGER 0). */
void tcp_send_rst_tcb(struct berth_stack *st, struct tcb *tp, uint64_t now);
/*
 * RST in answer to a segment that has no connection (RFC 9293 §3.10.7.1):
 * ACK set on it -> <SEQ=SEG.ACK><CTL=RST>; else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never in answer to a RST.
 */
void tcp_send_rst_seg(struct berth_stack *st, const struct tcp_seg *seg, uint64_t now);
/* Build and send a bare segment from explicit fields (RSTs, TIME_WAIT ACKs). */
void tcp_send_raw(struct berth_stack *st, const struct tcp_key *key,
		  const struct berth_nexthop *nh, tcp_seq seq, tcp_seq ack, uint8_t flags,
		  uint16_t wnd, uint64_t now);
/* The same with NOP, NOP, Timestamps <tsval, tsecr> (RFC 7323 §3.2). */
void tcp_send_raw_ts(struct berth_stack *st, const struct tcp_key *key,
		     const struct berth_nexthop *nh, tcp_seq seq, tcp_seq ack, uint8_t flags,
		     uint16_t wnd, uint32_t tsval, uint32_t tsecr, uint64_t now);
/*
 * SEG.ACK acknowledged new data up to ack: free it from sndq, advance
 * snd_una, take an RTT sample (Karn), re-arm or stop the RTO.
 * Returns the bytes of payload acknowledged.
 */
uint32_t tcp_ack_advance(struct berth_stack *st, struct tcb *tp, tcp_seq ack, uint64_t now);
/* Queue in-order payload of seg (m adjusted to the payload) and merge ooo. */
void tcp_rcv_data(struct berth_stack *st, struct tcb *tp, struct rte_mbuf *payload,
		  tcp_seq seq, uint32_t len, uint64_t now);
/* Current receive window to advertise (never shrinks the right edge). */
uint32_t tcp_rcv_window(const struct tcb *tp);
/* RTO expiry: resend from snd_una, one segment, even into a zero window. */
void tcp_output_rexmit(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* Is our SYN still unacknowledged? */
bool tcp_syn_unacked(struct tcb *tp);

/* ---- tcp_timer.c ---- */
void tcp_timer_init_tcb(struct tcb *tp);
void tcp_rexmit_arm(struct berth_stack *st, struct tcb *tp, uint64_t now);
void tcp_rexmit_stop(struct berth_stack *st, struct tcb *tp);
/* RFC 6298 §2: update SRTT/RTTVAR/RTO from one sample. */
void tcp_rtt_sample(struct berth_stack *st, struct tcb *tp, uint64_t rtt_ns);
/* Enter TIME-WAIT: replace the TCB by a compact entry for 2*MSL. */
void tcp_enter_time_wait(struct berth_stack *st, struct tcb *tp, uint64_t now);

/* ---- tcp_sock.c ---- */
/* Allocate a TCB (not yet in any table), timers and queues ready. */
struct tcb *tcb_alloc(struct berth_stack *st);
/* Move tp to state s, with a trace line (BERTH_LOG DEBUG) giving the reason. */
void tcp_set_state(struct berth_stack *st, struct tcb *tp, enum tcp_state s, const char *why);
/*
 * The connection is gone (CLOSED): remove from tables, stop timers, free
 * queues; tell the app (err != 0: BERTH_EV_ERROR with err, else HANGUP);
 * free the TCB at once if the app already closed it, else when it does.
 */
void tcp_drop(struct berth_stack *st, struct tcb *tp, int err, uint64_t now);
/* A child of a listener reached ESTABLISHED: move it to the accept queue. */
void tcp_child_established(struct berth_stack *st, struct tcb *tp);
int tcp_sock_open(struct berth_stack *st);
/* Free a TCB that is in no table and no listener queue (releases its binding). */
void tcb_free(struct berth_stack *st, struct tcb *tp);

/* ---- tcp_flow.c: delayed ACK, persist, keepalive, flow options ---- */
void tcp_flow_init_tcb(struct tcb *tp);
/* Stop the flow timers (the TCB is going or entering TIME-WAIT). */
void tcp_flow_stop(struct berth_stack *st, struct tcb *tp);
/* Any segment from the peer: keepalive idle restarts, probes are answered. */
void tcp_flow_seg_rcvd(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* len in-order bytes arrived with nothing out of order: ACK now or delay it. */
void tcp_delack_data(struct berth_stack *st, struct tcb *tp, uint32_t len);
/* End of input for tp: start the delayed-ACK timer if an ACK is delayed. */
void tcp_delack_finish(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* A segment carrying our ACK left: nothing is owed any more. */
void tcp_delack_sent(struct berth_stack *st, struct tcb *tp);
/* Zero send window with data waiting: RTO off, persist timer on (not after a probe: rewind). */
void tcp_persist_enter(struct berth_stack *st, struct tcb *tp, bool probe, uint64_t now);
/* The window is open: persist timer off, backoff reset. */
void tcp_persist_stop(struct berth_stack *st, struct tcb *tp);
/* Set/get BERTH_SO_NODELAY, BERTH_SO_KEEPALIVE, BERTH_TCP_KEEP*; -ENOPROTOOPT for others. */
int tcp_flow_opt_set(struct tcp_flow_opts *fo, int opt, int value);
int tcp_flow_opt_get(const struct tcp_flow_opts *fo, int opt, int *value);
void tcp_flow_opts_default(struct tcp_flow_opts *fo);
/* Keepalive settings changed on tp: re-arm its timer. */
void tcp_keepalive_reset(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* conn_timer went off while serving keepalive (tcp_timer.c conn_expire). */
void tcp_keepalive_expire(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* Does conn_timer count down the end of the connection (rather than keepalive)? */
static inline bool
tcp_conn_timer_closing(const struct tcb *tp)
{
	return tp->state == TCP_TIME_WAIT || (tp->state == TCP_FIN_WAIT_2 && tp->app_closed);
}
/* tcp_output.c: the keepalive probe <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data. */
void tcp_send_keepalive(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* tcp_output.c: one zero-window probe of 1 byte at SND.UNA. */
void tcp_output_probe(struct berth_stack *st, struct tcb *tp, uint64_t now);

/* ---- tcp_cc.c: congestion control ---- */
/* Our SYN is acknowledged: pick the algorithm, IW (RFC 6928), ssthresh. syn_lost: IW is 1 SMSS. */
void tcp_cc_init(struct berth_stack *st, struct tcb *tp, bool syn_lost, uint64_t now);
/* Switch the algorithm of tp (BERTH_TCP_CONGESTION); cwnd and ssthresh are kept. */
void tcp_cc_select(struct tcb *tp, uint8_t alg);
/* acked bytes of new data acknowledged up to SND.UNA (tcp_ack_advance). */
void tcp_cc_ack(struct berth_stack *st, struct tcb *tp, uint32_t acked, uint64_t now);
/* A duplicate ACK (RFC 5681 §2): limited transmit, fast retransmit, recovery. */
void tcp_cc_dupack(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* RTO expiry, before SND.NXT rewinds (RFC 5681 §3.1, RFC 6582 §3.2 step 6). */
void tcp_cc_rto(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* Bytes the congestion window lets beyond SND.UNA now (cwnd + RFC 3042 allowance). */
uint32_t tcp_cc_window(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* tcp_output.c: the sender's MSS (SMSS) of tp. */
uint32_t tcp_smss(const struct berth_stack *st, const struct tcb *tp);
/* tcp_output.c: retransmit one segment at SND.UNA (fast retransmit, partial ACK). */
void tcp_output_una(struct berth_stack *st, struct tcb *tp, uint64_t now);
/*
 * tcp_output.c: retransmit one segment of at most max bytes of sequence
 * space at seq (below SND.MAX), our FIN included when reached. Returns
 * the sequence space sent, 0 when nothing was.
 */
uint32_t tcp_output_range(struct berth_stack *st, struct tcb *tp, tcp_seq seq, uint32_t max,
			  uint64_t now);
/*
 * tcp_output.c: one segment of new data (or the FIN) from SND.NXT as the
 * peer's window allows, cwnd not applied (RFC 6675 NextSeg (2): the
 * caller checked the pipe). Returns the sequence space sent.
 */
uint32_t tcp_output_new(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* tcp_output.c: payload per segment now: SMSS less the SACK option this segment carries. */
uint32_t tcp_seg_mss(const struct berth_stack *st, const struct tcb *tp);

/* ---- tcp_sack.c: SACK (RFC 2018, RFC 2883) and RFC 6675 recovery ---- */
/* From the peer's SYN or SYN-ACK: SACK on when both offered it (and conf allows). */
void tcp_sack_negotiate(struct berth_stack *st, struct tcb *tp, const struct tcp_opts *o);
/* Do we offer SACK-permitted on our SYN? */
bool tcp_sack_offer(const struct berth_stack *st);
/* Receiver: an out-of-order segment arrived at seq; its block is reported first. */
void tcp_sack_rcv_ooo(struct tcb *tp, tcp_seq seq);
/* Receiver: [start, end) arrived again: reported once as a D-SACK block (RFC 2883). */
void tcp_sack_rcv_dup(struct berth_stack *st, struct tcb *tp, tcp_seq start, tcp_seq end);
/* Bytes of SACK option the next segment of tp carries (0: none). */
unsigned int tcp_sack_opt_len(const struct tcb *tp);
/* Write that option at p (tcp_sack_opt_len bytes); a D-SACK block is sent once. */
unsigned int tcp_sack_opt_write(struct berth_stack *st, struct tcb *tp, uint8_t *p);
/*
 * Sender: the SACK blocks of an acceptable ACK (before SND.UNA moves).
 * Blocks reaching past SND.MAX, wrapped or empty are ignored (counted);
 * blocks at or below SND.UNA (a reordered old ACK) are skipped and the
 * part of a block below SND.UNA or SEG.ACK is cut off; D-SACK blocks are
 * recognised and ignored. Returns the bytes newly SACKed.
 */
uint32_t tcp_sack_input(struct berth_stack *st, struct tcb *tp, const struct tcp_seg *seg);
/* Sender: SND.UNA moved: forget what is below it. */
void tcp_sack_una(struct tcb *tp);
/* Sender: forget every SACKed range (RFC 2018 §8, after a timeout). */
void tcp_sack_clear(struct tcb *tp);
/* RFC 6675 §4 IsLost(SND.UNA): enough SACKed above the first hole. */
bool tcp_sack_una_lost(struct berth_stack *st, const struct tcb *tp);
/* RFC 6675 §4 SetPipe(): the bytes the sender deems in the network. */
uint32_t tcp_sack_pipe(struct berth_stack *st, const struct tcb *tp);
/* RFC 6675 §5 (4): loss recovery starts: retransmit the first segment. */
void tcp_sack_recovery_start(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* RFC 6675 §5 (C): in recovery, send NextSeg() while cwnd - pipe >= 1 SMSS. */
void tcp_sack_output(struct berth_stack *st, struct tcb *tp, uint64_t now);
/*
 * Sending again below SND.MAX (after a timeout): if seq is SACKed, *seq
 * moves past the range; *room is then what may go before the next SACKed
 * range (UINT32_MAX: none above).
 */
void tcp_sack_skip(const struct tcb *tp, tcp_seq *seq, uint32_t *room);

/* ---- tcp_table.c ---- */
struct tcp_tw;   /* compact TIME_WAIT entry */

enum tcp_lookup_kind { TCP_LK_NONE = 0, TCP_LK_TCB, TCP_LK_TW };
struct tcp_lookup {
	enum tcp_lookup_kind kind;
	union {
		struct tcb *tcb;
		struct tcp_tw *tw;
	};
};

int tcp_table_init(struct berth_stack *st);
void tcp_table_fini(struct berth_stack *st);
/* Look up n keys at once (rte_hash_lookup_bulk underneath). */
void tcp_table_lookup_bulk(struct berth_stack *st, const struct tcp_key *const *keys,
			   unsigned int n, struct tcp_lookup *res);
struct tcp_lookup tcp_table_lookup(struct berth_stack *st, const struct tcp_key *key);
int tcp_table_insert(struct berth_stack *st, struct tcb *tp);   /* -EEXIST, -ENOSPC */
void tcp_table_remove(struct berth_stack *st, struct tcb *tp);

/*
 * TIME_WAIT entries: key, the sequence state needed to re-ACK, expiry. An
 * entry starts without timestamps; tcp_tw_set_ts gives it the TCB's.
 */
struct tcp_tw *tcp_tw_insert(struct berth_stack *st, const struct tcp_key *key,
			     tcp_seq snd_nxt, tcp_seq rcv_nxt, uint64_t expire);
void tcp_tw_remove(struct berth_stack *st, struct tcp_tw *tw);
/* Restart the 2*MSL clock (retransmitted FIN, RFC 9293 §3.10.7.4). */
void tcp_tw_restart(struct berth_stack *st, struct tcp_tw *tw, uint64_t expire);
tcp_seq tcp_tw_snd_nxt(const struct tcp_tw *tw);
tcp_seq tcp_tw_rcv_nxt(const struct tcp_tw *tw);
/* RFC 7323 state a TIME_WAIT connection keeps: RFC 6191 reopening, TSval/TSecr on its ACKs. */
struct tcp_tw_ts {
	bool on;                  /* the connection used timestamps (tcb ts_on) */
	bool recent_ok;           /* recent is valid (tcb ts_recent_ok) */
	uint32_t recent;          /* TS.Recent: the peer's last TSval */
	uint32_t off;             /* our TSval = off + now in ms (tcb ts_off) */
};
void tcp_tw_set_ts(struct tcp_tw *tw, const struct tcp_tw_ts *ts);
void tcp_tw_get_ts(const struct tcp_tw *tw, struct tcp_tw_ts *ts);
/* Points into the table: valid until the entry is removed or expires. */
const struct tcp_key *tcp_tw_key(const struct berth_stack *st, const struct tcp_tw *tw);
uint32_t tcp_tw_count(const struct berth_stack *st);
/* Call fn for every TIME-WAIT entry, earliest expiry first (for listings). */
typedef void (*tcp_tw_fn)(const struct tcp_key *key, uint64_t expire, void *arg);
void tcp_tw_foreach(struct berth_stack *st, tcp_tw_fn fn, void *arg);

/* Listen table: exact (laddr, lport) first, then (0, lport). */
int tcp_listen_insert(struct berth_stack *st, struct tcp_listener *l);   /* -EADDRINUSE */
void tcp_listen_remove(struct berth_stack *st, struct tcp_listener *l);
struct tcp_listener *tcp_listen_lookup(struct berth_stack *st, uint32_t laddr, uint16_t lport);

/*
 * Port bindings (bind(), listen(), connect()'s ephemeral port). A bind of
 * (laddr, lport) conflicts with another binding of the same port on the
 * same or the wildcard address, and with TIME_WAIT entries on that port
 * unless reuseaddr. Returns 0, -EADDRINUSE.
 */
int tcp_bind_add(struct berth_stack *st, uint32_t laddr, uint16_t lport, bool reuseaddr);
void tcp_bind_del(struct berth_stack *st, uint32_t laddr, uint16_t lport);
/* Is the 4-tuple free (no live connection, no TIME_WAIT)? */
bool tcp_tuple_free(struct berth_stack *st, const struct tcp_key *key);
/* Is lport bound on laddr or the wildcard by bind()/listen()? */
bool tcp_port_bound(struct berth_stack *st, uint32_t laddr, uint16_t lport);

/* ---- tcp_portsel.c (RFC 6056) ---- */
int tcp_portsel_init(struct berth_stack *st);
void tcp_portsel_fini(struct berth_stack *st);
/*
 * Pick a local port for (laddr, raddr, rport) with the configured
 * algorithm such that the 4-tuple is free and the port is not bound.
 * Returns 0 with *lport (network order) set, or -EADDRNOTAVAIL.
 * Counts tcp_port_alloc and the probes it took (tcp_port_probes).
 */
int tcp_port_select(struct berth_stack *st, uint32_t laddr, uint32_t raddr, uint16_t rport,
		    uint16_t *lport);

/* ---- tcp_ts.c (RFC 7323 window scaling and timestamps) ---- */
/* Our window shift for a receive buffer: rcvbuf fits 65535 << shift, at most 14. */
uint8_t tcp_ws_shift(uint32_t rcvbuf);
/* Before sending a SYN or SYN-ACK: TSval offset, the shift we offer. */
void tcp_ts_syn_prep(struct berth_stack *st, struct tcb *tp);
/* From the peer's SYN or SYN-ACK options: what both sides use (RFC 7323 §2.2, §3.2). */
void tcp_ts_negotiate(struct berth_stack *st, struct tcb *tp, const struct tcp_opts *o,
		      uint64_t now);
/* Our TSval at now. */
uint32_t tcp_ts_now(const struct tcb *tp, uint64_t now);
/* RFC 7323 §5.4: TSval of a connection whose offset is off: a 1 ms clock, wrapping. */
static inline uint32_t
tcp_ts_clock(uint32_t off, uint64_t now)
{
	return off + (uint32_t)(now / 1000000u);
}
/* SEG.WND in bytes: scaled by the peer's shift except on a SYN. */
uint32_t tcp_seg_wnd(const struct tcb *tp, const struct tcp_seg *seg);
/* RFC 7323 §5.3 R1: true when PAWS rejects seg (caller drops it and ACKs). */
bool tcp_ts_paws_reject(struct tcb *tp, const struct tcp_seg *seg, uint64_t now);
/* RFC 7323 §4.3: record the TSval of an accepted segment in TS.Recent. */
void tcp_ts_update(struct tcb *tp, const struct tcp_seg *seg, uint64_t now);
/* RFC 7323 §4: an RTT sample from the TSecr of the segment in input; true if taken. */
bool tcp_ts_rtt(struct berth_stack *st, struct tcb *tp, uint64_t now);
/* The largest window we can advertise (65535 << our shift). */
static inline uint32_t
tcp_max_rcv_win(const struct tcb *tp)
{
	return (uint32_t)TCP_MAX_WIN << tp->rcv_wscale;
}

/* ---- tcp_isn.c (RFC 6528) ---- */
void tcp_isn_init(struct berth_stack *st);
/* ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us clock. */
tcp_seq tcp_isn(const struct berth_stack *st, const struct tcp_key *key, uint64_t now);

#endif /* BERTH_TCP_H */
