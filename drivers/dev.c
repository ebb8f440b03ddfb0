/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-independent part of a device: allocation, the transmit buffer that
 * is flushed once per loop iteration, statistics and capture hooks.
 *
 * Call chain: eth_output -> dev_tx_enqueue; berth_stack_poll -> dev_tx_flush
 *             -> ops->tx_burst; berth_stack_poll -> dev_rx_burst -> ops->rx_burst
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "dev.h"

struct berth_dev *
dev_alloc(const struct berth_dev_ops *ops, const char *name, int socket_id)
{
	struct berth_dev *dev;

	dev = rte_zmalloc_socket("berth_dev", sizeof(*dev), RTE_CACHE_LINE_SIZE, socket_id);
	if (dev == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	dev->ops = ops;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->mtu = RTE_ETHER_MTU;
	dev->port_id = UINT16_MAX;
	return dev;
}

void
berth_dev_free(struct berth_dev *dev)
{
	if (dev == NULL)
		return;
	while (dev->tx_len > 0) {
		rte_pktmbuf_free(dev->tx_pkts[--dev->tx_len]);
		dev->stats.tx_full++;
	}
	berth_dev_capture_stop(dev);
	if (dev->ops->close != NULL)
		dev->ops->close(dev);
	rte_free(dev);
}

uint32_t
berth_dev_offloads(const struct berth_dev *dev)
{
	return dev->offloads;
}

uint16_t
dev_rx_burst(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i, got = dev->ops->rx_burst(dev, now, pkts, n);

	dev->stats.rx_pkts += got;
	for (i = 0; i < got; i++)
		dev->stats.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	if (unlikely(dev->cap != NULL) && got > 0)
		capture_frames(dev, now, pkts, got, 0);
	return got;
}

int
dev_tx_enqueue(struct berth_dev *dev, uint64_t now, struct rte_mbuf *m)
{
	if (unlikely(dev->tx_len == BERTH_DEV_TXBUF)) {
		/* Full: push what we hold, then give up on m if still no room. */
		dev_tx_flush(dev, now);
		if (dev->tx_len == BERTH_DEV_TXBUF) {
			dev->stats.tx_full++;
			rte_pktmbuf_free(m);
			return -ENOBUFS;
		}
	}
	/* Captured once here, not at flush, where a frame may be retried. */
	if (unlikely(dev->cap != NULL))
		capture_frames(dev, now, &m, 1, 1);
	/* The length now: the backend may free or hand the frame away when it takes it. */
	dev->tx_lens[dev->tx_len] = rte_pktmbuf_pkt_len(m);
	dev->tx_pkts[dev->tx_len++] = m;
	return 0;
}

uint16_t
dev_tx_flush(struct berth_dev *dev, uint64_t now)
{
	uint16_t sent, i, n = dev->tx_len;

	if (n == 0)
		return 0;
	/*
	 * A backend that refuses (its ring full: the peer is slower) is
	 * offered the same frames again at the next poll; that retry costs
	 * one call, so the lengths were kept at enqueue, not read here.
	 */
	sent = dev->ops->tx_burst(dev, now, dev->tx_pkts, n);
	dev->stats.tx_pkts += sent;
	for (i = 0; i < sent; i++)
		dev->stats.tx_bytes += dev->tx_lens[i];
	if (sent < n) {
		/* Keep the rest for the next flush; overflow is counted on enqueue. */
		if (sent > 0) {
			memmove(dev->tx_pkts, dev->tx_pkts + sent,
				(n - sent) * sizeof(dev->tx_pkts[0]));
			memmove(dev->tx_lens, dev->tx_lens + sent,
				(n - sent) * sizeof(dev->tx_lens[0]));
		}
		dev->stats.tx_retries++;
	}
	dev->tx_len = n - sent;
	return dev->tx_len;
}
