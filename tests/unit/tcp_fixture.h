/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP unit-test fixtures on top of harness.h: a connection put in any of the
 * eleven RFC 9293 states by driving the real code, a segment builder
 * relative to it, and a parser for what the stack sends (the shape of lwIP's
 * test/unit/tcp/tcp_helper.h and smoltcp's socket_fin_wait_2()).
 *
 *   struct tf f;
 *   tf_setup(&f);                               stack 198.18.0.2, peer 198.18.0.1
 *   tp = tf_tcb_in_state(&f, TCP_FIN_WAIT_2);   connect, SYN-ACK, shutdown, ACK
 *   tf_in(&f, tf_seg(&f, tp, TCP_ACK | TCP_FIN, 0, 0, NULL, 0));
 *   tf_expect(&f, TCP_ACK, tp->snd_nxt, tp->rcv_nxt);
 *   tf_teardown(&f);                            no mbuf leaked
 *
 * The fixture plays the peer: it picks the peer's ISS (f->irs) and records
 * ours (f->iss) from the SYN or SYN-ACK the stack sent. Helpers record
 * failures with non-fatal CUnit asserts and return false / NULL so a test
 * can jump to its teardown (TF_REQUIRE) instead of leaking its stack.
 */
#ifndef BERTH_TEST_TCP_FIXTURE_H
#define BERTH_TEST_TCP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "tcp.h"

#define TF_PORT 7                /* our listening port (passive opens) */
#define TF_PEER_PORT 40000       /* the peer's port for passive opens */
#define TF_SRV_PORT 80           /* the peer's port for our active opens */
#define TF_CLOSED_PORT 9         /* a port nobody listens on */
#define TF_PEER_ISS 0xffffff00u  /* near the wrap: 256 bytes in, seq wraps to 0 */
#define TF_PEER_MSS 1460
#define TF_PEER_WIN 65535
#define TF_MAX_DATA 2048
#define TF_MAX_SD 64

/* A segment the stack sent, parsed (host byte order except addresses). */
struct tf_pkt {
	uint32_t src, dst;       /* network order */
	uint16_t sport, dport;   /* host order */
	tcp_seq seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t urp;
	uint16_t mss;            /* MSS option, 0 if absent */
	uint8_t opt_len;         /* bytes of options */
	struct tcp_opts opts;    /* every option, by the stack's own parser (RFC 7323 ones too) */
	uint8_t ttl;
	uint32_t len;            /* payload bytes */
	uint8_t data[TF_MAX_DATA];
};

struct tf {
	struct harness h;        /* first: &f->h works with every h_* helper */
	int sd;                  /* the connection's descriptor, -1 if none */
	int lsd;                 /* the listener's descriptor, -1 if none */
	struct tcb *tp;          /* the connection, NULL if none or freed */
	struct tcp_listener *l;  /* the listener, if any */
	struct tcp_key key;      /* the connection, from our side */
	tcp_seq iss;             /* ours, from our SYN or SYN-ACK */
	tcp_seq irs;             /* the peer's ISS (TF_PEER_ISS unless changed) */
	tcp_seq adv_edge;        /* ACK + window of the last segment we sent */
	uint16_t peer_mss;       /* MSS the peer announces (0: none) */
	uint16_t peer_win;       /* window the peer announces */
	uint8_t our_wscale;      /* RFC 7323 shift of our windows, for adv_edge (tests set it) */
	uint64_t synack_delay_ms; /* how long the peer takes to answer our SYN */
	bool passive;            /* reach ESTABLISHED and later through listen/accept */
	bool by_close;           /* leave ESTABLISHED with close() instead of shutdown(WR) */
	uint32_t ev[TF_MAX_SD];  /* events gathered per descriptor, not yet taken */
	int ev_err[TF_MAX_SD];
};

/* Abort a test body to its `out:` label (which runs tf_teardown); x is evaluated once. */
#define TF_REQUIRE(x) do { \
	CU_BOOL tf_ok_ = (x) ? CU_TRUE : CU_FALSE; \
	CU_assertImplementation(tf_ok_, __LINE__, #x, __FILE__, "", CU_FALSE); \
	if (!tf_ok_) \
		goto out; \
} while (0)

/* Stack (conf NULL: defaults) with the peer's ARP entry installed. */
void tf_setup_conf(struct tf *f, const struct berth_stack_conf *conf);
void tf_setup(struct tf *f);
/* Destroy; asserts no mbuf leaked. */
void tf_teardown(struct tf *f);

/*
 * Put a connection in state s by driving the real code with crafted
 * segments, checking each segment the stack sends on the way:
 *   CLOSED        nothing (returns NULL): segments go to TF_CLOSED_PORT
 *   LISTEN        a listener on TF_PORT (f->l, f->lsd); returns NULL
 *   SYN-SENT      connect() to the peer's TF_SRV_PORT: our SYN is read
 *   SYN-RECEIVED  listener + SYN from TF_PEER_PORT: our SYN-ACK is read
 *   ESTABLISHED   SYN-SENT + SYN-ACK (or, f->passive: SYN-RECEIVED + ACK, accept)
 *   FIN-WAIT-1    ESTABLISHED + shutdown(WR) (or close(), f->by_close): our FIN
 *   FIN-WAIT-2    FIN-WAIT-1 + ACK of our FIN
 *   CLOSING       FIN-WAIT-1 + FIN that does not ACK ours
 *   TIME-WAIT     FIN-WAIT-2 + FIN
 *   CLOSE-WAIT    ESTABLISHED + FIN
 *   LAST-ACK      CLOSE-WAIT + shutdown(WR) (or close())
 * Returns the TCB (also f->tp): in TIME-WAIT it is the TCB kept for the
 * descriptor, or NULL when the app closed it (the compact entry remains).
 * Returns NULL on failure too, with CUnit failures recorded: test
 * f->tp != NULL or tf_conn_state().
 */
struct tcb *tf_tcb_in_state(struct tf *f, enum tcp_state s);

/* State of the fixture's 4-tuple as the table sees it: a TCB's state,
 * TIME-WAIT for a compact entry, CLOSED when there is none. */
enum tcp_state tf_conn_state(struct tf *f);
/* The compact TIME-WAIT entry of the fixture's 4-tuple, or NULL. */
struct tcp_tw *tf_tw(struct tf *f);
/* SND.NXT and RCV.NXT of the connection (TCB, or TIME-WAIT entry). */
bool tf_nxt(struct tf *f, const struct tcb *tp, tcp_seq *snd_nxt, tcp_seq *rcv_nxt);

/* ---- segments from the peer ---- */

/* Every header field, for segments that do not belong to the fixture's connection. */
struct tf_hdr {
	uint32_t src, dst;       /* network order; 0: peer, us */
	uint16_t sport, dport;   /* host order */
	tcp_seq seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t urp;
	const uint8_t *opts;     /* raw options, padded by the caller to 4 bytes */
	uint8_t opt_len;
};
/* A frame (Ethernet + IPv4 + TCP) with a valid checksum. */
struct rte_mbuf *tf_build(struct tf *f, const struct tf_hdr *hd, const void *data,
			  uint16_t len);
/* On the fixture's 4-tuple: absolute SEQ and ACK, window win, raw options (padded). */
struct rte_mbuf *tf_raw_opts(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack,
			     uint16_t win, const uint8_t *opts, uint8_t opt_len, const void *data,
			     uint16_t len);
/* On the fixture's 4-tuple, absolute SEQ and ACK, window f->peer_win. */
struct rte_mbuf *tf_raw(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack,
			const void *data, uint16_t len);
/* The same with an MSS option (mss 0: none). */
struct rte_mbuf *tf_raw_mss(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack,
			    uint16_t mss);
/*
 * Relative to the connection: SEQ = RCV.NXT + seq_off, ACK = SND.NXT +
 * ack_off (tp NULL or in TIME-WAIT: the values of the TIME-WAIT entry).
 */
struct rte_mbuf *tf_seg(struct tf *f, const struct tcb *tp, uint8_t flags, int32_t seq_off,
			int32_t ack_off, const void *data, uint16_t len);
/* Inject m and run one poll without advancing the clock. */
void tf_in(struct tf *f, struct rte_mbuf *m);

/* ---- segments from the stack ---- */

/*
 * Flush and pop the next frame the stack sent; parse it into p (may be
 * NULL), asserting it is IPv4/TCP from us to the peer with valid IPv4 and
 * TCP checksums and no MSS option unless it is a SYN. Returns false (and
 * records a failure) when nothing was sent or the frame is wrong.
 */
bool tf_tx_tcp(struct tf *f, struct tf_pkt *p);
/*
 * A delayed ACK is owed (RFC 1122 §4.2.3.2): advance the clock to the
 * earliest delayed-ACK timer and run it. Returns whether one was owed.
 * tf_tx_tcp does this when nothing was sent, so the per-state tests see
 * the ACK they expect; test_tcp_flow.c checks when it goes.
 */
bool tf_delack_fire(struct harness *h);
/* Nothing more was sent. */
bool tf_expect_none(struct tf *f);
/*
 * The next segment has exactly these flags (PSH ignored), SEQ, and ACK (when
 * ACK is among flags) and no payload; optionally returned in p.
 */
bool tf_expect(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack);
bool tf_expect_pkt(struct tf *f, uint8_t flags, tcp_seq seq, tcp_seq ack, struct tf_pkt *p);
/* Either nothing, or one ACK <SEQ=seq><ACK=ack> (where RFC 9293 allows both). */
bool tf_expect_ack_or_none(struct tf *f, tcp_seq seq, tcp_seq ack);

/* ---- application side ---- */

/* Events taken after polls for sd (all sockets' events are gathered, so
 * none is lost for another descriptor); err gets the errno of an ERROR. */
uint32_t tf_events(struct tf *f, int sd, int *err);
/*
 * CU_add_suite, unless the environment variable TF_SUITE is set and the
 * suite's name does not contain it (then NULL: CU_add_test ignores the
 * tests). TF_SUITE=LISTEN ./test_tcp_states runs the LISTEN suite alone.
 */
CU_pSuite tf_suite(const char *name);
/* Sum of every drop_* counter. */
uint64_t tf_drops(struct tf *f);
/* Read everything queued on sd into buf (at most len). Returns bytes read,
 * 0 at end of stream, or the negative errno of the first recv. */
ssize_t tf_read_all(struct tf *f, int sd, void *buf, size_t len);

#endif /* BERTH_TEST_TCP_FIXTURE_H */
