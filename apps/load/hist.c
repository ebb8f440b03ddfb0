/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-load's latency histogram (see hist.h for the layout): log buckets
 * with linear sub-buckets as HdrHistogram, fixed size, no allocation.
 *
 * Call chain: berth-load request completion -> load_hist_record;
 *             progress line and final report -> load_hist_percentile
 */
#include <string.h>

#include "hist.h"

void
load_hist_reset(struct load_hist *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned int
load_hist_index(uint64_t us)
{
	unsigned int shift;

	if (us > HIST_MAX_US)
		us = HIST_MAX_US;
	if (us < HIST_SUB)
		return (unsigned int)us;
	shift = (unsigned int)(63 - __builtin_clzll(us)) - HIST_SUB_BITS;
	return shift * HIST_SUB + (unsigned int)(us >> shift);
}

uint64_t
load_hist_bucket_lo(unsigned int idx)
{
	unsigned int shift;

	if (idx < HIST_SUB)
		return idx;
	shift = idx / HIST_SUB - 1;
	return (uint64_t)(idx - shift * HIST_SUB) << shift;
}

uint64_t
load_hist_bucket_hi(unsigned int idx)
{
	if (idx < HIST_SUB)
		return idx;
	return load_hist_bucket_lo(idx) + (1ull << (idx / HIST_SUB - 1)) - 1;
}

void
load_hist_record(struct load_hist *h, uint64_t us)
{
	if (us > HIST_MAX_US) {
		us = HIST_MAX_US;
		h->clamped++;
	}
	h->counts[load_hist_index(us)]++;
	if (h->total == 0 || us < h->min)
		h->min = us;
	if (us > h->max)
		h->max = us;
	h->total++;
	h->sum += us;
}

void
load_hist_merge(struct load_hist *dst, const struct load_hist *src)
{
	unsigned int i;

	if (src->total == 0)
		return;
	for (i = 0; i < HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	if (dst->total == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->total += src->total;
	dst->sum += src->sum;
	dst->clamped += src->clamped;
}

uint64_t
load_hist_percentile(const struct load_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned int i;

	if (h->total == 0)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* The sample of rank p% of total, rounded, 1-based, as HdrHistogram. */
	rank = (uint64_t)(p / 100.0 * (double)h->total + 0.5);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			v = load_hist_bucket_hi(i);
			return v > h->max ? h->max : v < h->min ? h->min : v;
		}
	}
	return h->max;
}

double
load_hist_mean(const struct load_hist *h)
{
	return h->total == 0 ? 0.0 : (double)h->sum / (double)h->total;
}
