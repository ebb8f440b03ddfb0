/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-load's latency histogram (apps/load/hist.c): the bucket layout is
 * contiguous and covers 1 us .. 60 s, every value lands in a bucket within
 * 1/128 of itself, percentiles and the mean of known distributions, values
 * above the bound, merging, and the empty histogram.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hist.h"

static struct load_hist ha, hb, hc;

/* Relative distance of got from want. */
static double
rel(uint64_t got, uint64_t want)
{
	return want == 0 ? (double)got : ((double)got - (double)want) / (double)want;
}

static void
test_layout(void)
{
	unsigned int i, last = load_hist_index(HIST_MAX_US);

	CU_ASSERT(last < HIST_BUCKETS);
	CU_ASSERT_EQUAL(load_hist_bucket_lo(0), 0);
	for (i = 0; i <= last; i++) {
		uint64_t lo = load_hist_bucket_lo(i), hi = load_hist_bucket_hi(i);

		CU_ASSERT(lo <= hi);
		CU_ASSERT_EQUAL(load_hist_index(lo), i);
		CU_ASSERT_EQUAL(load_hist_index(hi), i);
		/* No gap and no overlap with the next bucket. */
		if (i < last)
			CU_ASSERT_EQUAL(load_hist_bucket_lo(i + 1), hi + 1);
		/* Reporting hi for any value it holds is off by at most 1/128. */
		if (lo > 0)
			CU_ASSERT((double)(hi - lo) / (double)lo < 1.0 / HIST_SUB);
		/* Above 256 us buckets widen with the value (else 20 KiB would not do). */
		if (lo >= 256)
			CU_ASSERT(hi - lo + 1 >= lo / (2 * HIST_SUB));
	}
	/* Below 256 us every value has a bucket of its own. */
	for (i = 0; i < 256; i++)
		CU_ASSERT_EQUAL(load_hist_bucket_hi(load_hist_index(i)), i);
	/* Above the bound: the last bucket. */
	CU_ASSERT_EQUAL(load_hist_index(HIST_MAX_US * 10), last);
}

static void
test_precision(void)
{
	uint64_t v;
	unsigned int i;

	srand(1);
	/* Geometric sweep plus random values over the whole range. */
	for (v = 1; v <= HIST_MAX_US; v = (uint64_t)((double)v * 1.01) + 1) {
		unsigned int idx = load_hist_index(v);

		CU_ASSERT(load_hist_bucket_lo(idx) <= v && v <= load_hist_bucket_hi(idx));
		CU_ASSERT(rel(load_hist_bucket_hi(idx), v) <= 1.0 / HIST_SUB);
	}
	for (i = 0; i < 100000; i++) {
		unsigned int idx;

		v = (uint64_t)rand() % HIST_MAX_US + 1;
		idx = load_hist_index(v);
		CU_ASSERT(load_hist_bucket_lo(idx) <= v && v <= load_hist_bucket_hi(idx));
		CU_ASSERT(rel(load_hist_bucket_hi(idx), v) <= 1.0 / HIST_SUB);
	}
}

static void
test_percentiles_uniform(void)
{
	uint64_t v;

	load_hist_reset(&ha);
	for (v = 1; v <= 10000; v++)
		load_hist_record(&ha, v);
	CU_ASSERT_EQUAL(ha.total, 10000);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 0), 1);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 100), 10000);
	CU_ASSERT(rel(load_hist_percentile(&ha, 50), 5000) >= 0);
	CU_ASSERT(rel(load_hist_percentile(&ha, 50), 5000) <= 0.01);
	CU_ASSERT(rel(load_hist_percentile(&ha, 90), 9000) >= 0);
	CU_ASSERT(rel(load_hist_percentile(&ha, 90), 9000) <= 0.01);
	CU_ASSERT(rel(load_hist_percentile(&ha, 99), 9900) >= 0);
	CU_ASSERT(rel(load_hist_percentile(&ha, 99), 9900) <= 0.01);
	/* Never above the largest value recorded. */
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 99.99), 10000);
	CU_ASSERT_EQUAL(ha.min, 1);
	CU_ASSERT_EQUAL(ha.max, 10000);
	CU_ASSERT_DOUBLE_EQUAL(load_hist_mean(&ha), 5000.5, 1e-9);
}

static void
test_percentiles_tail(void)
{
	unsigned int i;

	/* 99% fast (100 us), 1% slow (50 ms): the tail shows only from p99. */
	load_hist_reset(&ha);
	for (i = 0; i < 9900; i++)
		load_hist_record(&ha, 100);
	for (i = 0; i < 100; i++)
		load_hist_record(&ha, 50000);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 50), 100);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 90), 100);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 99), 100);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 99.9), 50000);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 99.5), 50000);
	CU_ASSERT_DOUBLE_EQUAL(load_hist_mean(&ha), (9900.0 * 100 + 100.0 * 50000) / 10000, 1e-9);
}

static void
test_clamp_and_zero(void)
{
	load_hist_reset(&ha);
	load_hist_record(&ha, 0);
	load_hist_record(&ha, 120ull * 1000 * 1000); /* 2 minutes */
	CU_ASSERT_EQUAL(ha.total, 2);
	CU_ASSERT_EQUAL(ha.clamped, 1);
	CU_ASSERT_EQUAL(ha.min, 0);
	CU_ASSERT_EQUAL(ha.max, HIST_MAX_US);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 100), HIST_MAX_US);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 25), 0);
	/* Empty: every answer is 0. */
	load_hist_reset(&ha);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 50), 0);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 100), 0);
	CU_ASSERT_DOUBLE_EQUAL(load_hist_mean(&ha), 0.0, 1e-12);
}

static void
test_merge(void)
{
	uint64_t v;

	load_hist_reset(&ha);
	load_hist_reset(&hb);
	load_hist_reset(&hc);
	srand(7);
	for (v = 0; v < 50000; v++) {
		uint64_t x = (uint64_t)rand() % 2000000;

		load_hist_record(&hc, x);
		load_hist_record(v % 3 == 0 ? &ha : &hb, x);
	}
	load_hist_merge(&ha, &hb);
	CU_ASSERT_EQUAL(ha.total, hc.total);
	CU_ASSERT_EQUAL(ha.sum, hc.sum);
	CU_ASSERT_EQUAL(ha.min, hc.min);
	CU_ASSERT_EQUAL(ha.max, hc.max);
	CU_ASSERT(memcmp(ha.counts, hc.counts, sizeof(ha.counts)) == 0);
	CU_ASSERT_EQUAL(load_hist_percentile(&ha, 99.9), load_hist_percentile(&hc, 99.9));
	/* Merging an empty one changes nothing, into an empty one copies. */
	load_hist_reset(&hb);
	load_hist_merge(&ha, &hb);
	CU_ASSERT_EQUAL(ha.min, hc.min);
	load_hist_merge(&hb, &hc);
	CU_ASSERT_EQUAL(hb.min, hc.min);
	CU_ASSERT_EQUAL(hb.total, hc.total);
}

static void
add(void)
{
	CU_pSuite s = CU_add_suite("hist", NULL, NULL);

	CU_add_test(s, "buckets contiguous, 1/128 wide, 0..60 s", test_layout);
	CU_add_test(s, "every value within 1/128", test_precision);
	CU_add_test(s, "percentiles and mean of 1..10000", test_percentiles_uniform);
	CU_add_test(s, "a 1% tail shows at p99.5, not p99", test_percentiles_tail);
	CU_add_test(s, "values above 60 s, zero, empty", test_clamp_and_zero);
	CU_add_test(s, "merge equals recording all", test_merge);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return h_run(argv[0], add);
}
