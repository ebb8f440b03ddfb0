/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The in-memory wire: an Ethernet segment inside one process that joins two
 * or more stack instances, with a seeded model of loss, reordering,
 * duplication, corruption and delay, on the stacks' (virtual) clock.
 *
 * Frames leave an endpoint when its stack flushes and arrive at the other
 * endpoints' receive queues once their delivery time has passed; the wire
 * switches unicast frames to the endpoint owning the destination MAC and
 * floods broadcast and unknown ones. The same seed and the same sequence of
 * calls give the same run.
 */
#ifndef BERTH_WIRE_H
#define BERTH_WIRE_H

#include <stdint.h>

#include <rte_ether.h>

#include <berth/port.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_wire;
struct berth_dev;

/** Impairments applied to every frame; all zero means a perfect wire. */
struct berth_wire_conf {
	uint64_t seed;          /**< PRNG seed: same seed, same run */
	double loss;            /**< probability a frame is lost */
	double duplicate;       /**< probability a frame is delivered twice */
	double corrupt;         /**< probability one bit of a frame flips */
	double reorder;         /**< probability a frame is held back by reorder_ns */
	uint64_t delay_ns;      /**< fixed one-way delay */
	uint64_t jitter_ns;     /**< uniform extra delay in [0, jitter_ns) */
	uint64_t reorder_ns;    /**< extra delay of a reordered frame */
	uint32_t queue_len;     /**< frames in flight per endpoint (0: 4096); overflow drops */
	/** Offloads the endpoints advertise (BERTH_DEV_OFF_*), emulated by the wire. */
	uint32_t offloads;
};

/** Statistics of a wire, summed over endpoints. */
struct berth_wire_stats {
	uint64_t sent;        /**< frames accepted from endpoints */
	uint64_t delivered;   /**< frames handed to endpoints */
	uint64_t lost;        /**< dropped by the loss model */
	uint64_t duplicated;  /**< extra copies made */
	uint64_t corrupted;   /**< frames with a flipped bit */
	uint64_t reordered;   /**< frames held back */
	uint64_t overflow;    /**< dropped: receive queue full */
	uint64_t nomem;       /**< dropped: no mbuf for a copy or queue memory */
	uint64_t no_dest;     /**< dropped: no other endpoint to deliver to */
};

/**
 * Create a wire.
 *
 * @param conf
 *   Impairments; NULL for a perfect wire with seed 1.
 * @param pool
 *   Mempool for duplicated and flooded copies.
 * @return
 *   The wire, or NULL with rte_errno set.
 */
struct berth_wire *berth_wire_create(const struct berth_wire_conf *conf,
				     struct rte_mempool *pool);

/**
 * Change the impairments of a running wire (the PRNG state is kept).
 *
 * @param w
 *   The wire.
 * @param conf
 *   New impairments; conf->seed is ignored, and so is conf->offloads
 *   (endpoints keep what they advertised when attached).
 */
void berth_wire_set_conf(struct berth_wire *w, const struct berth_wire_conf *conf);

/**
 * Attach an endpoint with the given MAC and MTU, as a device for
 * berth_if_conf.
 *
 * @param w
 *   The wire.
 * @param mac
 *   The endpoint's Ethernet address (unicast).
 * @param mtu
 *   MTU (0: 1500).
 * @return
 *   The device, or NULL with rte_errno set. Free it with berth_dev_free().
 */
struct berth_dev *berth_wire_attach(struct berth_wire *w, const struct rte_ether_addr *mac,
				    uint16_t mtu);

/**
 * Number of frames still travelling on the wire.
 *
 * @param w
 *   The wire.
 */
unsigned int berth_wire_in_flight(const struct berth_wire *w);

/**
 * Read the wire's statistics.
 *
 * @param w
 *   The wire.
 * @param s
 *   Filled in.
 */
void berth_wire_stats(const struct berth_wire *w, struct berth_wire_stats *s);

/**
 * Destroy a wire: frees frames in flight. Endpoints must be freed first.
 *
 * @param w
 *   The wire; NULL is ignored.
 */
void berth_wire_destroy(struct berth_wire *w);

#ifdef __cplusplus
}
#endif

#endif /* BERTH_WIRE_H */
