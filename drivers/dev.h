/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device abstraction under the stack: a queue pair that receives and
 * sends bursts of Ethernet frames. Backed by an ethdev queue pair
 * (drivers/ethdev.c) or an endpoint of the in-memory wire (drivers/wire.c).
 *
 * Call chain: berth_stack_poll -> dev_rx_burst -> eth_input ...
 *             eth_output -> dev_tx_enqueue; berth_stack_poll -> dev_tx_flush
 *
 * Transmit is buffered per device and flushed once per loop iteration; a
 * frame that does not fit is freed and counted, never leaked.
 */
#ifndef BERTH_DEV_H
#define BERTH_DEV_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <berth/port.h>

struct berth_dev;
struct berth_capture;

struct berth_dev_ops {
	/* Receive up to n frames whose arrival time is <= now. */
	uint16_t (*rx_burst)(struct berth_dev *dev, uint64_t now,
			     struct rte_mbuf **pkts, uint16_t n);
	/* Send up to n frames; returns how many the device took. */
	uint16_t (*tx_burst)(struct berth_dev *dev, uint64_t now,
			     struct rte_mbuf **pkts, uint16_t n);
	/* Release the backend's resources (not the struct itself). */
	void (*close)(struct berth_dev *dev);
};

/* Frames held for transmit per device before a flush is forced. */
#define BERTH_DEV_TXBUF 256
/* Frames taken from the device per poll. */
#define BERTH_DEV_RX_BURST 32

struct berth_dev_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_full;     /* frames freed: transmit buffer full */
	uint64_t tx_retries;  /* flushes that left frames for the next one */
};

struct berth_dev {
	const struct berth_dev_ops *ops;
	char name[48];
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint32_t offloads;      /* BERTH_DEV_OFF_* */
	uint16_t port_id;       /* ethdev port, or UINT16_MAX */
	uint16_t queue_id;
	struct berth_capture *cap;
	struct berth_dev_stats stats;
	uint16_t tx_len;
	struct rte_mbuf *tx_pkts[BERTH_DEV_TXBUF];
	uint32_t tx_lens[BERTH_DEV_TXBUF];
	void *priv;             /* backend state */
};

/* Allocate a device with the backend's ops; the backend fills the rest. */
struct berth_dev *dev_alloc(const struct berth_dev_ops *ops, const char *name,
			    int socket_id);

/* Receive a burst; frames are captured if a capture is running. */
uint16_t dev_rx_burst(struct berth_dev *dev, uint64_t now,
		      struct rte_mbuf **pkts, uint16_t n);

/*
 * Queue one frame for transmit. Returns 0, or -ENOBUFS after freeing the
 * frame when the buffer is full (the caller counts BERTH_DROP_TX_FULL).
 */
int dev_tx_enqueue(struct berth_dev *dev, uint64_t now, struct rte_mbuf *m);

/* Hand buffered frames to the backend. Returns how many are still held. */
uint16_t dev_tx_flush(struct berth_dev *dev, uint64_t now);

/* Capture hooks (drivers/capture.c); no-ops when dev->cap is NULL. */
void capture_frames(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts,
		    uint16_t n, int outbound);

#endif /* BERTH_DEV_H */
