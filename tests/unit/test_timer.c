/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel: exact firing times on a virtual clock, re-arm and cancel,
 * far timers beyond one revolution, big clock jumps, callbacks that re-arm.
 */
#include "harness.h"

#define TICK (1ull << BERTH_WHEEL_TICK_SHIFT)

struct probe {
	struct berth_timer t;
	unsigned int fired;
	uint64_t fired_at;
};

static void
probe_fn(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct probe *p = (struct probe *)t;

	(void)st;
	p->fired++;
	p->fired_at = now;
}

static struct berth_wheel wheel; /* static: ~64 KB */

static void
test_fires_at_exact_time(void)
{
	struct probe p = {0};
	uint64_t t0 = 5 * BERTH_NS_PER_SEC + 123;

	wheel_init(&wheel, t0);
	timer_init(&p.t, probe_fn);
	timer_arm(&wheel, &p.t, t0 + 10 * BERTH_NS_PER_MS + 7);
	CU_ASSERT_TRUE(timer_armed(&p.t));
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 10 * BERTH_NS_PER_MS + 6), 0);
	CU_ASSERT_EQUAL(p.fired, 0);
	/* Same tick, one ns later: fires (the current tick is rescanned). */
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 10 * BERTH_NS_PER_MS + 7), 1);
	CU_ASSERT_EQUAL(p.fired, 1);
	CU_ASSERT_FALSE(timer_armed(&p.t));
	CU_ASSERT_EQUAL(wheel.armed, 0);
	/* Fires once only. */
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + BERTH_NS_PER_SEC), 0);
	CU_ASSERT_EQUAL(p.fired, 1);
}

/*
 * A run within the current tick returns at once when nothing there is due
 * (cur_min); a timer armed later into that tick for an earlier time, and a
 * cancel of the earliest one, must not make it miss anything.
 */
static void
test_same_tick_bound(void)
{
	struct probe a = {0}, b = {0}, c = {0};
	uint64_t base = 7 * BERTH_NS_PER_SEC;
	uint64_t t0 = base - base % TICK;   /* the start of a tick */

	wheel_init(&wheel, t0);
	timer_init(&a.t, probe_fn);
	timer_init(&b.t, probe_fn);
	timer_init(&c.t, probe_fn);
	timer_arm(&wheel, &a.t, t0 + 900000);
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 100000), 0);
	CU_ASSERT_EQUAL(wheel.cur_min, t0 + 900000);
	/* Earlier than what the slot held: the bound comes down with it. */
	timer_arm(&wheel, &b.t, t0 + 500000);
	CU_ASSERT_EQUAL(wheel.cur_min, t0 + 500000);
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 499999), 0);
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 500000), 1);
	CU_ASSERT_EQUAL(b.fired, 1);
	CU_ASSERT_EQUAL(a.fired, 0);
	/* The scan recomputed the bound from what stayed. */
	CU_ASSERT_EQUAL(wheel.cur_min, t0 + 900000);
	/* A cancelled earliest timer leaves a bound that is merely low: still exact. */
	timer_arm(&wheel, &c.t, t0 + 600000);
	timer_cancel(&wheel, &c.t);
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 700000), 0);
	CU_ASSERT_EQUAL(wheel_run(&wheel, NULL, t0 + 900000), 1);
	CU_ASSERT_EQUAL(a.fired, 1);
	CU_ASSERT_EQUAL(c.fired, 0);
	CU_ASSERT_EQUAL(wheel.armed, 0);
}

static void
test_rearm_and_cancel(void)
{
	struct probe a = {0}, b = {0};
	uint64_t t0 = 1000 * BERTH_NS_PER_SEC;

	wheel_init(&wheel, t0);
	timer_init(&a.t, probe_fn);
	timer_init(&b.t, probe_fn);
	timer_arm(&wheel, &a.t, t0 + 100 * BERTH_NS_PER_MS);
	timer_arm(&wheel, &b.t, t0 + 100 * BERTH_NS_PER_MS);
	/* Re-arm moves a later; re-arming an armed timer does not double count. */
	timer_arm(&wheel, &a.t, t0 + 300 * BERTH_NS_PER_MS);
	CU_ASSERT_EQUAL(wheel.armed, 2);
	timer_cancel(&wheel, &b.t);
	timer_cancel(&wheel, &b.t); /* idempotent */
	CU_ASSERT_EQUAL(wheel.armed, 1);
	wheel_run(&wheel, NULL, t0 + 200 * BERTH_NS_PER_MS);
	CU_ASSERT_EQUAL(a.fired, 0);
	CU_ASSERT_EQUAL(b.fired, 0);
	wheel_run(&wheel, NULL, t0 + 300 * BERTH_NS_PER_MS);
	CU_ASSERT_EQUAL(a.fired, 1);
	CU_ASSERT_EQUAL(b.fired, 0);
}

static void
test_far_timer_survives_revolutions(void)
{
	struct probe p = {0};
	uint64_t t0 = 7 * BERTH_NS_PER_SEC, t;
	uint64_t expire = t0 + 60 * BERTH_NS_PER_SEC; /* ~14 revolutions away */

	wheel_init(&wheel, t0);
	timer_init(&p.t, probe_fn);
	timer_arm(&wheel, &p.t, expire);
	/* Walk the clock in 1 ms steps past many revolutions: never early. */
	for (t = t0; t < expire; t += BERTH_NS_PER_MS) {
		wheel_run(&wheel, NULL, t);
		if (p.fired)
			break;
	}
	CU_ASSERT_EQUAL(p.fired, 0);
	wheel_run(&wheel, NULL, expire);
	CU_ASSERT_EQUAL(p.fired, 1);
	CU_ASSERT_EQUAL(p.fired_at, expire);
}

static void
test_clock_jump_fires_everything_due(void)
{
	struct probe p[64];
	uint64_t t0 = 3 * BERTH_NS_PER_SEC;
	unsigned int i, due = 0;

	wheel_init(&wheel, t0);
	for (i = 0; i < 64; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		timer_init(&p[i].t, probe_fn);
		/* Spread over 0..63 s: several revolutions, many slots. */
		timer_arm(&wheel, &p[i].t, t0 + i * BERTH_NS_PER_SEC + i * 977);
	}
	/* Jump 40 s at once. */
	wheel_run(&wheel, NULL, t0 + 40 * BERTH_NS_PER_SEC);
	for (i = 0; i < 64; i++) {
		/* Timer i is due at i s + i*977 ns: due when i < 40. */
		CU_ASSERT_EQUAL(p[i].fired, i < 40 ? 1u : 0u);
		due += p[i].fired;
	}
	CU_ASSERT_EQUAL(due, 40);
	CU_ASSERT_EQUAL(wheel.armed, 24);
	wheel_run(&wheel, NULL, t0 + 100 * BERTH_NS_PER_SEC);
	for (i = 0; i < 64; i++)
		CU_ASSERT_EQUAL(p[i].fired, 1);
	CU_ASSERT_EQUAL(wheel.armed, 0);
}

/* A callback that re-arms its own timer one period later. */
struct ticker {
	struct berth_timer t;
	struct berth_wheel *w;
	uint64_t period;
	unsigned int count;
};

static void
ticker_fn(struct berth_stack *st, struct berth_timer *t, uint64_t now)
{
	struct ticker *k = (struct ticker *)t;

	(void)st;
	k->count++;
	timer_arm(k->w, &k->t, now + k->period);
}

static void
test_callback_rearms_itself(void)
{
	struct ticker k = {.w = &wheel, .period = 100 * BERTH_NS_PER_MS};
	uint64_t t0 = 11 * BERTH_NS_PER_SEC, t;

	wheel_init(&wheel, t0);
	timer_init(&k.t, ticker_fn);
	timer_arm(&wheel, &k.t, t0 + k.period);
	for (t = t0; t <= t0 + BERTH_NS_PER_SEC; t += BERTH_NS_PER_MS)
		wheel_run(&wheel, NULL, t);
	/* Fired at 100, 200, ..., 1000 ms. */
	CU_ASSERT_EQUAL(k.count, 10);
	/* A timer re-armed for "now" from its callback does not loop. */
	k.period = 0;
	wheel_run(&wheel, NULL, t0 + 2 * BERTH_NS_PER_SEC);
	CU_ASSERT_EQUAL(k.count, 11);
	timer_cancel(&wheel, &k.t);
	CU_ASSERT_EQUAL(wheel.armed, 0);
}

static void
test_past_expiry_fires_next_run(void)
{
	struct probe p = {0};
	uint64_t t0 = 20 * BERTH_NS_PER_SEC;

	wheel_init(&wheel, t0);
	wheel_run(&wheel, NULL, t0 + BERTH_NS_PER_SEC);
	timer_init(&p.t, probe_fn);
	timer_arm(&wheel, &p.t, t0); /* already in the past */
	wheel_run(&wheel, NULL, t0 + BERTH_NS_PER_SEC);
	CU_ASSERT_EQUAL(p.fired, 1);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("timer wheel", NULL, NULL);

	CU_add_test(s, "fires at its exact time, not at the tick", test_fires_at_exact_time);
	CU_add_test(s, "within a tick: bound on the slot's expiries", test_same_tick_bound);
	CU_add_test(s, "re-arm and cancel", test_rearm_and_cancel);
	CU_add_test(s, "timer beyond one revolution", test_far_timer_survives_revolutions);
	CU_add_test(s, "clock jump fires all due", test_clock_jump_fires_everything_due);
	CU_add_test(s, "callback re-arms itself", test_callback_rearms_itself);
	CU_add_test(s, "expiry in the past fires on next run", test_past_expiry_fires_next_run);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
