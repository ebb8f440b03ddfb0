/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore hashed timer wheel; see timer.h for the design.
 *
 * Call chain: berth_stack_poll -> wheel_run -> timer callbacks (ARP retries
 * and expiry, reassembly expiry, later TCP timers).
 *
 * Invariant: every tick below cur_tick has been run; the slot of cur_tick
 * itself is run again while the clock is in that tick, because a timer due
 * later within the same tick must fire at its exact time, not at the tick
 * boundary. cur_min, a lower bound of the expiries in that slot (lowered by
 * every insert there, recomputed by every scan of it, left alone by
 * cancels), lets a run that finds nothing due return at once: most polls
 * come microseconds apart, within one tick, with nothing to fire.
 */
#include "timer.h"

static inline uint64_t
ns_to_tick(uint64_t ns)
{
	return ns >> BERTH_WHEEL_TICK_SHIFT;
}

void
wheel_init(struct berth_wheel *w, uint64_t now)
{
	unsigned int i;

	w->cur_tick = ns_to_tick(now);
	w->cur_min = UINT64_MAX;
	w->armed = 0;
	w->fired = 0;
	w->running = false;
	LIST_INIT(&w->deferred);
	for (i = 0; i < BERTH_WHEEL_SLOTS; i++)
		LIST_INIT(&w->slot[i]);
}

/* A timer now in slot idx: the bound on the current tick's slot comes down if needed. */
static inline void
cur_min_note(struct berth_wheel *w, unsigned int idx, uint64_t expire)
{
	if (idx == (w->cur_tick & (BERTH_WHEEL_SLOTS - 1)) && expire < w->cur_min)
		w->cur_min = expire;
}

static void
wheel_insert(struct berth_wheel *w, struct berth_timer *t)
{
	uint64_t tick = ns_to_tick(t->expire);

	/*
	 * Due now while timers are running (a callback re-arming itself or
	 * another for "now"): it waits for the next run, so one run cannot
	 * fire the same timer twice or loop.
	 */
	if (w->running && t->expire <= w->run_now) {
		LIST_INSERT_HEAD(&w->deferred, t, link);
		return;
	}
	/* Already due: it fires on the next run, which scans cur_tick. */
	if (tick < w->cur_tick)
		tick = w->cur_tick;
	cur_min_note(w, (unsigned int)(tick & (BERTH_WHEEL_SLOTS - 1)), t->expire);
	LIST_INSERT_HEAD(&w->slot[tick & (BERTH_WHEEL_SLOTS - 1)], t, link);
}

void
timer_arm(struct berth_wheel *w, struct berth_timer *t, uint64_t expire)
{
	if (timer_armed(t))
		LIST_REMOVE(t, link);
	else
		w->armed++;
	t->expire = expire;
	wheel_insert(w, t);
}

void
timer_cancel(struct berth_wheel *w, struct berth_timer *t)
{
	if (!timer_armed(t))
		return;
	LIST_REMOVE(t, link);
	t->link.le_prev = NULL;
	w->armed--;
}

/* Run the due timers of one slot; the rest go back where they were. */
static unsigned int
slot_run(struct berth_wheel *w, struct berth_stack *st, unsigned int idx, uint64_t now)
{
	struct berth_timer_list pending;
	struct berth_timer *t;
	unsigned int n = 0;

	/* Detach the slot so callbacks can arm timers into it safely. */
	LIST_INIT(&pending);
	while ((t = LIST_FIRST(&w->slot[idx])) != NULL) {
		LIST_REMOVE(t, link);
		LIST_INSERT_HEAD(&pending, t, link);
	}
	while ((t = LIST_FIRST(&pending)) != NULL) {
		LIST_REMOVE(t, link);
		if (t->expire > now) {
			LIST_INSERT_HEAD(&w->slot[idx], t, link);
			cur_min_note(w, idx, t->expire);
			continue;
		}
		t->link.le_prev = NULL;
		w->armed--;
		w->fired++;
		n++;
		t->fn(st, t, now);
	}
	return n;
}

unsigned int
wheel_run(struct berth_wheel *w, struct berth_stack *st, uint64_t now)
{
	uint64_t target = ns_to_tick(now);
	uint64_t tick, first, last;
	struct berth_timer *t;
	unsigned int n = 0;

	if (w->armed == 0) {
		if (target > w->cur_tick)
			w->cur_tick = target;
		return 0;
	}
	if (target < w->cur_tick)
		target = w->cur_tick; /* clock must not go back; tolerate it */
	/* Still in the same tick, and nothing there due yet (see preamble). */
	if (target == w->cur_tick && now < w->cur_min && LIST_EMPTY(&w->deferred))
		return 0;

	first = w->cur_tick;
	last = target;
	/* A jump of a revolution or more visits every slot exactly once. */
	if (last - first >= BERTH_WHEEL_SLOTS)
		first = last - (BERTH_WHEEL_SLOTS - 1);
	w->cur_tick = target;
	/* The scan of target's slot below recomputes the bound. */
	w->cur_min = UINT64_MAX;
	w->running = true;
	w->run_now = now;
	for (tick = first; tick <= last; tick++)
		n += slot_run(w, st, (unsigned int)(tick & (BERTH_WHEEL_SLOTS - 1)), now);
	w->running = false;
	while ((t = LIST_FIRST(&w->deferred)) != NULL) {
		LIST_REMOVE(t, link);
		wheel_insert(w, t);
	}
	return n;
}
