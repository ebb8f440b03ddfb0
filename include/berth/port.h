/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Devices backed by DPDK ethdev ports: a real NIC or a virtual device
 * (net_af_packet, net_tap, net_ring, net_memif, net_pcap).
 *
 * berth_port_setup() configures a port once for all lcores; each stack then
 * opens its queue pair with berth_port_dev().
 */
#ifndef BERTH_PORT_H
#define BERTH_PORT_H

#include <stdint.h>

#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_dev;

/** Offloads a device performs (see berth_dev_offloads()). */
#define BERTH_DEV_OFF_RX_IPV4_CKSUM 0x01u /**< verifies IPv4 header checksums */
#define BERTH_DEV_OFF_RX_L4_CKSUM   0x02u /**< verifies UDP/TCP checksums */
#define BERTH_DEV_OFF_TX_IPV4_CKSUM 0x04u /**< computes IPv4 header checksums */
#define BERTH_DEV_OFF_TX_UDP_CKSUM  0x08u /**< computes UDP checksums */
#define BERTH_DEV_OFF_TX_TCP_CKSUM  0x10u /**< computes TCP checksums */
#define BERTH_DEV_OFF_TX_MULTI_SEG  0x20u /**< sends chained mbufs (TCP then sends without copying) */

/**
 * Offloads a device was set up with, decided once at start.
 *
 * @param dev
 *   The device.
 * @return BERTH_DEV_OFF_* bits.
 */
uint32_t berth_dev_offloads(const struct berth_dev *dev);

/** Port configuration for berth_port_setup(). */
struct berth_port_conf {
	/** Queue pairs, one per stack lcore (0: 1). */
	uint16_t nb_queues;
	/** RX and TX descriptors per queue (0: 1024). */
	uint16_t nb_rxd, nb_txd;
	/** MTU (0: keep the port's, normally 1500). */
	uint16_t mtu;
	/** Mempool for received packets, one per queue (index = queue). */
	struct rte_mempool *pools[RTE_MAX_LCORE];
	/** Seconds to wait for link up (0: 5). */
	unsigned int link_wait_s;
	/** Disable checksum offloads even when the port offers them. */
	int no_offload;
};

/**
 * Configure and start an ethdev port: queues, descriptors, MTU, checksum
 * offloads (IPv4/UDP/TCP on RX and TX when offered, software otherwise;
 * decided once here and logged), promiscuous mode off, then wait for link.
 *
 * @param port_id
 *   The port.
 * @param conf
 *   Port configuration; pools[0..nb_queues-1] must be set.
 * @return
 *   0, or a negative errno from the ethdev layer (-EINVAL, -ENODEV, ...).
 */
int berth_port_setup(uint16_t port_id, const struct berth_port_conf *conf);

/**
 * Find a port by device name (e.g. "net_af_packet0") or by number.
 *
 * @param name
 *   Device name or decimal port number.
 * @param port_id
 *   Set to the port.
 * @return 0, or -ENODEV.
 */
int berth_port_find(const char *name, uint16_t *port_id);

/**
 * A device on one queue pair of a configured port, for berth_if_conf.
 *
 * @param port_id
 *   A port set up with berth_port_setup().
 * @param queue_id
 *   The queue pair this stack owns.
 * @return
 *   The device, or NULL with rte_errno set.
 */
struct berth_dev *berth_port_dev(uint16_t port_id, uint16_t queue_id);

/**
 * Stop and close a port. Devices opened on it must be freed first.
 *
 * @param port_id
 *   The port.
 */
void berth_port_close(uint16_t port_id);

/**
 * Free a device (any kind: port, wire endpoint). Pending transmit packets
 * are freed and counted.
 *
 * @param dev
 *   The device; NULL is ignored.
 */
void berth_dev_free(struct berth_dev *dev);

/**
 * Start writing every frame the device sends or receives to a pcapng file
 * that Wireshark opens. Timestamps come from the stack's clock.
 *
 * @param dev
 *   The device.
 * @param path
 *   File to create (truncated if it exists).
 * @return 0, or a negative errno.
 */
int berth_dev_capture_start(struct berth_dev *dev, const char *path);

/**
 * Stop capturing and close the file.
 *
 * @param dev
 *   The device.
 */
void berth_dev_capture_stop(struct berth_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* BERTH_PORT_H */
