/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore hashed timer wheel (Varghese & Lauck, "Hashed and Hierarchical
 * Timing Wheels", 1987, scheme 4). One wheel per stack; arming, re-arming
 * and cancelling are O(1), which matters because TCP re-arms its
 * retransmission timer on nearly every ACK (rte_timer costs ~490 ns per
 * re-arm at 100k timers, DESIGN.md).
 *
 * A tick is 2^20 ns (~1.05 ms). A timer sits in slot (expiry tick mod
 * slots); timers further away than one revolution stay in their slot and
 * are skipped until their tick comes. Time is passed in: the wheel never
 * reads a clock.
 */
#ifndef BERTH_TIMER_H
#define BERTH_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#define BERTH_WHEEL_TICK_SHIFT 20
#define BERTH_WHEEL_SLOTS 4096 /* power of two: ~4.3 s per revolution */

struct berth_timer;
struct berth_stack;

typedef void (*berth_timer_fn)(struct berth_stack *st, struct berth_timer *t,
			       uint64_t now);

/* 32 bytes: a TCB carries three. Armed <=> on a list (link.le_prev set). */
struct berth_timer {
	LIST_ENTRY(berth_timer) link;
	uint64_t expire;         /* ns */
	berth_timer_fn fn;
};

LIST_HEAD(berth_timer_list, berth_timer);

struct berth_wheel {
	uint64_t cur_tick;       /* every tick <= cur_tick has been run */
	uint64_t cur_min;        /* no timer in cur_tick's slot is due before this (a bound) */
	uint64_t armed;          /* timers armed */
	uint64_t fired;          /* timers run, for statistics */
	bool running;            /* inside wheel_run */
	uint64_t run_now;        /* the now of that run */
	struct berth_timer_list deferred; /* armed due during a run: next run */
	struct berth_timer_list slot[BERTH_WHEEL_SLOTS];
};

/* Start the wheel at time now. */
void wheel_init(struct berth_wheel *w, uint64_t now);

/* Prepare a timer; it starts disarmed. */
static inline void
timer_init(struct berth_timer *t, berth_timer_fn fn)
{
	t->link.le_next = NULL;
	t->link.le_prev = NULL;
	t->expire = 0;
	t->fn = fn;
}

/* Arm (or re-arm) t to fire at the first wheel run with now >= expire. */
void timer_arm(struct berth_wheel *w, struct berth_timer *t, uint64_t expire);

/* Disarm t if armed. */
void timer_cancel(struct berth_wheel *w, struct berth_timer *t);

static inline bool
timer_armed(const struct berth_timer *t)
{
	return t->link.le_prev != NULL;
}

/*
 * Run every timer due at now. A callback may arm or cancel any timer,
 * itself included. Returns the number of timers run.
 */
unsigned int wheel_run(struct berth_wheel *w, struct berth_stack *st, uint64_t now);

#endif /* BERTH_TIMER_H */
