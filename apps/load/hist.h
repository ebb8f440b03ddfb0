/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram of berth-load, in the shape of HdrHistogram: buckets
 * whose width doubles with each power of two of the value, each split into
 * HIST_SUB linear sub-buckets, so every recorded value is kept within
 * 1/HIST_SUB (0.8%) of itself from 1 us to HIST_MAX_US (60 s) in a fixed
 * 20 KiB, whatever the number of samples. Recording is a shift and an add;
 * percentiles walk the buckets once.
 *
 * Layout (value v in microseconds, HIST_SUB_BITS = 7):
 *   v < 128:   index v
 *   v >= 128:  shift = floor(log2 v) - 7, index = shift * 128 + (v >> shift)
 * so values below 256 are exact and [2^k, 2^(k+1)) for k >= 8 spans 128
 * buckets of width 2^(k-7): at most 1/128 of the value.
 */
#ifndef BERTH_LOAD_HIST_H
#define BERTH_LOAD_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Largest value kept as itself; larger ones are recorded as this (and counted). */
#define HIST_MAX_US (60ull * 1000 * 1000)
/* Buckets up to HIST_MAX_US: its msb is 25, so shift 18, index < 19 * 128 + 128. */
#define HIST_BUCKETS (20u * HIST_SUB)

struct load_hist {
	uint64_t counts[HIST_BUCKETS];
	uint64_t total;
	uint64_t sum;         /* of recorded values, for the mean */
	uint64_t min, max;    /* exact, of recorded values (after clamping) */
	uint64_t clamped;     /* values above HIST_MAX_US */
};

/* Empty the histogram. */
void load_hist_reset(struct load_hist *h);
/* Record one value in microseconds (0 counts as 0, above the bound as the bound). */
void load_hist_record(struct load_hist *h, uint64_t us);
/* Add every sample of src to dst. */
void load_hist_merge(struct load_hist *dst, const struct load_hist *src);
/*
 * The value at percentile p (0..100): the highest value equivalent to the
 * bucket holding the sample of that rank (HdrHistogram's convention), never
 * above the largest value recorded. 0 when empty.
 */
uint64_t load_hist_percentile(const struct load_hist *h, double p);
/* Mean of the recorded values, 0 when empty. */
double load_hist_mean(const struct load_hist *h);

/* The bucket of a value, and the lowest and highest value of a bucket. */
unsigned int load_hist_index(uint64_t us);
uint64_t load_hist_bucket_lo(unsigned int idx);
uint64_t load_hist_bucket_hi(unsigned int idx);

#endif /* BERTH_LOAD_HIST_H */
