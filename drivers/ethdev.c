/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devices backed by DPDK ethdev ports: configuration of a port once for all
 * lcores (queues, descriptors, MTU, checksum offloads, link), and one device
 * per queue pair for the stack of each lcore.
 *
 * Call chain: app -> berth_port_setup (main lcore, once per port)
 *             app -> berth_port_dev -> berth_stack_add_if
 *             berth_stack_poll -> dev_rx_burst -> ethdev_rx -> rte_eth_rx_burst
 *             berth_stack_poll -> dev_tx_flush -> ethdev_tx[_prep] -> rte_eth_tx_burst
 *
 * Offloads are decided once, at setup: IPv4/UDP/TCP checksums on receive
 * and transmit are enabled when the port offers them (unless the caller
 * says no), and every device on the port advertises the result; the stack
 * then never asks the port again on the data path.
 *
 * Read first: DPDK Programmer's Guide, "Poll Mode Driver" (configuration
 * order, offload negotiation, rte_eth_tx_prepare).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include <berth/port.h>

#include "core.h"
#include "dev.h"

#define PORT_DEFAULT_DESC 1024
#define PORT_DEFAULT_LINK_WAIT_S 5
#define PORT_LINK_POLL_MS 100

#define RX_CKSUM_OFFLOADS (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
			   RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define TX_CKSUM_OFFLOADS (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
			   RTE_ETH_TX_OFFLOAD_TCP_CKSUM)

/*
 * What setup decided for a port. Written only by berth_port_setup and
 * berth_port_close on the main lcore, read by berth_port_dev.
 */
struct port_state {
	bool configured;
	uint16_t nb_queues;
	uint16_t mtu;
	uint32_t offloads;       /* BERTH_DEV_OFF_* */
	unsigned int nb_devs;    /* devices open on it */
	uint64_t queue_open[(RTE_MAX_LCORE + 63) / 64];
};

static struct port_state ports[RTE_MAX_ETHPORTS];

/* Per-device state of one queue pair. */
struct ethdev_q {
	uint64_t tx_invalid;     /* frames rte_eth_tx_prepare refused, freed */
};

static uint16_t
ethdev_rx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	(void)now;
	return rte_eth_rx_burst(dev->port_id, dev->queue_id, pkts, n);
}

static uint16_t
ethdev_tx(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	(void)now;
	return rte_eth_tx_burst(dev->port_id, dev->queue_id, pkts, n);
}

/*
 * With TX offloads on, frames go through rte_eth_tx_prepare, which fixes up
 * what the NIC needs (e.g. pseudo-header sums) and refuses what it cannot
 * send. A refused frame would sit at the head of the transmit buffer for
 * ever, so it is freed and counted, and reported as taken.
 */
static uint16_t
ethdev_tx_prep(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	struct ethdev_q *q = dev->priv;
	uint16_t ok, sent;

	(void)now;
	ok = rte_eth_tx_prepare(dev->port_id, dev->queue_id, pkts, n);
	sent = rte_eth_tx_burst(dev->port_id, dev->queue_id, pkts, ok);
	if (sent < ok || ok == n)
		return sent;
	if (q->tx_invalid++ == 0)
		BERTH_LOG(WARNING, "%s: frame refused by tx_prepare (%s); such frames are "
			  "dropped", dev->name, rte_strerror(rte_errno));
	rte_pktmbuf_free(pkts[ok]);
	return ok + 1;
}

static void
ethdev_close(struct berth_dev *dev)
{
	struct port_state *ps = &ports[dev->port_id];
	struct ethdev_q *q = dev->priv;

	if (q != NULL && q->tx_invalid > 0)
		BERTH_LOG(WARNING, "%s: %" PRIu64 " frames refused by tx_prepare", dev->name,
			  q->tx_invalid);
	ps->queue_open[dev->queue_id / 64] &= ~(1ull << (dev->queue_id % 64));
	ps->nb_devs--;
	rte_free(q);
	dev->priv = NULL;
}

static const struct berth_dev_ops ethdev_ops = {
	.rx_burst = ethdev_rx,
	.tx_burst = ethdev_tx,
	.close = ethdev_close,
};

static const struct berth_dev_ops ethdev_prep_ops = {
	.rx_burst = ethdev_rx,
	.tx_burst = ethdev_tx_prep,
	.close = ethdev_close,
};

static uint32_t
offloads_to_berth(uint64_t rx, uint64_t tx)
{
	uint32_t o = 0;

	if (rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		o |= BERTH_DEV_OFF_RX_IPV4_CKSUM;
	/* The per-packet flags say GOOD, BAD or UNKNOWN; either protocol helps. */
	if (rx & (RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM))
		o |= BERTH_DEV_OFF_RX_L4_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		o |= BERTH_DEV_OFF_TX_IPV4_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		o |= BERTH_DEV_OFF_TX_UDP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		o |= BERTH_DEV_OFF_TX_TCP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		o |= BERTH_DEV_OFF_TX_MULTI_SEG;
	return o;
}

/* "ipv4+udp+tcp hw" or "sw": what the log line says for one direction. */
static void
cksum_str(char *buf, size_t len, uint64_t offloads, uint64_t ipv4, uint64_t udp,
	  uint64_t tcp)
{
	if ((offloads & (ipv4 | udp | tcp)) == 0) {
		snprintf(buf, len, "sw");
		return;
	}
	snprintf(buf, len, "%s%s%s%s%s hw", (offloads & ipv4) ? "ipv4" : "",
		 (offloads & ipv4) && (offloads & (udp | tcp)) ? "+" : "",
		 (offloads & udp) ? "udp" : "",
		 (offloads & udp) && (offloads & tcp) ? "+" : "",
		 (offloads & tcp) ? "tcp" : "");
}

static void
port_wait_link(uint16_t port_id, const char *name, unsigned int wait_s)
{
	struct rte_eth_link link;
	char str[RTE_ETH_LINK_MAX_STR_LEN];
	unsigned int i, tries = wait_s * (1000 / PORT_LINK_POLL_MS);

	memset(&link, 0, sizeof(link));
	for (i = 0; i <= tries; i++) {
		if (rte_eth_link_get_nowait(port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			break;
		if (i < tries)
			rte_delay_ms(PORT_LINK_POLL_MS);
	}
	rte_eth_link_to_str(str, sizeof(str), &link);
	if (link.link_status == RTE_ETH_LINK_UP)
		BERTH_LOG(INFO, "port %u (%s): %s", port_id, name, str);
	else
		/* Some virtual devices never report up and still pass frames. */
		BERTH_LOG(WARNING, "port %u (%s): link down after %u s, continuing", port_id,
			  name, wait_s);
}

int
berth_port_setup(uint16_t port_id, const struct berth_port_conf *conf)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	struct rte_eth_rxconf rxc;
	struct rte_eth_txconf txc;
	char name[RTE_ETH_NAME_MAX_LEN], rxs[32], txs[32];
	uint16_t nq, nb_rxd, nb_txd, mtu, q;
	uint32_t frame_max;
	int ret, socket;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	if (conf == NULL)
		return -EINVAL;
	if (ports[port_id].configured)
		return -EBUSY;
	nq = conf->nb_queues != 0 ? conf->nb_queues : 1;
	nb_rxd = conf->nb_rxd != 0 ? conf->nb_rxd : PORT_DEFAULT_DESC;
	nb_txd = conf->nb_txd != 0 ? conf->nb_txd : PORT_DEFAULT_DESC;
	if (nq > RTE_MAX_LCORE)
		return -EINVAL;
	for (q = 0; q < nq; q++)
		if (conf->pools[q] == NULL)
			return -EINVAL;
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0)
		return ret;
	rte_eth_dev_get_name_by_port(port_id, name);
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		BERTH_LOG(ERR, "port %u (%s): %u queue pairs asked, %u rx / %u tx available",
			  port_id, name, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;

	memset(&ec, 0, sizeof(ec));
	if (!conf->no_offload) {
		ec.rxmode.offloads = info.rx_offload_capa & RX_CKSUM_OFFLOADS;
		ec.txmode.offloads = info.tx_offload_capa & TX_CKSUM_OFFLOADS;
	}
	/* Not a checksum offload: needed to send the stack's chained frames. */
	ec.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	/* configure() resets the MTU to 1500 when given 0: pass the port's own. */
	mtu = conf->mtu;
	if (mtu == 0 && (rte_eth_dev_get_mtu(port_id, &mtu) != 0 || mtu == 0))
		mtu = RTE_ETHER_MTU;
	ec.rxmode.mtu = mtu;
	frame_max = (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	for (q = 0; q < nq; q++) {
		uint32_t room = rte_pktmbuf_data_room_size(conf->pools[q]) - RTE_PKTMBUF_HEADROOM;

		if (frame_max <= room)
			continue;
		if (!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)) {
			BERTH_LOG(ERR, "port %u (%s): mtu %u needs %u-byte buffers or scatter; "
				  "pool %s has %u", port_id, name, mtu, frame_max,
				  conf->pools[q]->name, room);
			return -EINVAL;
		}
		ec.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	}

	ret = rte_eth_dev_configure(port_id, nq, nq, &ec);
	if (ret != 0) {
		BERTH_LOG(ERR, "port %u (%s): configure failed: %s", port_id, name,
			  rte_strerror(-ret));
		return ret;
	}
	if (conf->mtu != 0) {
		ret = rte_eth_dev_set_mtu(port_id, conf->mtu);
		/* configure() already recorded it; some PMDs have nothing to program. */
		if (ret != 0 && ret != -ENOTSUP) {
			BERTH_LOG(ERR, "port %u (%s): mtu %u refused: %s", port_id, name,
				  conf->mtu, rte_strerror(-ret));
			return ret;
		}
	}
	if (rte_eth_dev_get_mtu(port_id, &mtu) != 0)
		mtu = ec.rxmode.mtu;

	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	rxc = info.default_rxconf;
	rxc.offloads = ec.rxmode.offloads;
	txc = info.default_txconf;
	txc.offloads = ec.txmode.offloads;
	for (q = 0; q < nq; q++) {
		if (socket != SOCKET_ID_ANY && conf->pools[q]->socket_id != SOCKET_ID_ANY &&
		    conf->pools[q]->socket_id != socket)
			BERTH_LOG(WARNING, "port %u (%s): queue %u pool on NUMA %d, port on %d",
				  port_id, name, q, conf->pools[q]->socket_id, socket);
		ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket, &rxc, conf->pools[q]);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port_id, q, nb_txd, socket, &txc);
		if (ret != 0) {
			BERTH_LOG(ERR, "port %u (%s): queue %u setup failed: %s", port_id, name,
				  q, rte_strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(port_id);
	if (ret != 0) {
		BERTH_LOG(ERR, "port %u (%s): start failed: %s", port_id, name,
			  rte_strerror(-ret));
		return ret;
	}
	/* Only our MAC and broadcast: anything else is work for nothing. */
	ret = rte_eth_promiscuous_disable(port_id);
	if (ret != 0 && ret != -ENOTSUP)
		BERTH_LOG(WARNING, "port %u (%s): promiscuous mode stays on: %s", port_id, name,
			  rte_strerror(-ret));

	ports[port_id].configured = true;
	ports[port_id].nb_queues = nq;
	ports[port_id].mtu = mtu;
	ports[port_id].offloads = offloads_to_berth(ec.rxmode.offloads, ec.txmode.offloads);
	cksum_str(rxs, sizeof(rxs), ec.rxmode.offloads, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
		  RTE_ETH_RX_OFFLOAD_UDP_CKSUM, RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	cksum_str(txs, sizeof(txs), ec.txmode.offloads, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM,
		  RTE_ETH_TX_OFFLOAD_UDP_CKSUM, RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	BERTH_LOG(INFO, "port %u (%s): %u queue pair%s, %u/%u descriptors, mtu %u, "
		  "rx cksum %s, tx cksum %s%s, NUMA %d", port_id, name, nq, nq > 1 ? "s" : "",
		  nb_rxd, nb_txd, mtu, rxs, txs, conf->no_offload ? " (offloads disabled)" : "",
		  socket);
	port_wait_link(port_id, name, conf->link_wait_s != 0 ? conf->link_wait_s :
		       PORT_DEFAULT_LINK_WAIT_S);
	return 0;
}

int
berth_port_find(const char *name, uint16_t *port_id)
{
	unsigned long n;
	char *end;

	if (name == NULL || port_id == NULL)
		return -ENODEV;
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	errno = 0;
	n = strtoul(name, &end, 10);
	if (errno != 0 || end == name || *end != '\0' || n >= RTE_MAX_ETHPORTS ||
	    !rte_eth_dev_is_valid_port((uint16_t)n))
		return -ENODEV;
	*port_id = (uint16_t)n;
	return 0;
}

struct berth_dev *
berth_port_dev(uint16_t port_id, uint16_t queue_id)
{
	struct port_state *ps;
	struct berth_dev *dev;
	struct ethdev_q *q;
	char pname[RTE_ETH_NAME_MAX_LEN], name[sizeof(dev->name)];
	int socket;

	if (!rte_eth_dev_is_valid_port(port_id) || !ports[port_id].configured) {
		rte_errno = ENODEV;
		return NULL;
	}
	ps = &ports[port_id];
	if (queue_id >= ps->nb_queues) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (ps->queue_open[queue_id / 64] & (1ull << (queue_id % 64))) {
		rte_errno = EBUSY;
		return NULL;
	}
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rte_eth_dev_get_name_by_port(port_id, pname);
	snprintf(name, sizeof(name), "%.40s:q%u", pname, queue_id);
	q = rte_zmalloc_socket("berth_ethdev_q", sizeof(*q), 0, socket);
	dev = q != NULL ? dev_alloc(ps->offloads & (BERTH_DEV_OFF_TX_IPV4_CKSUM |
						    BERTH_DEV_OFF_TX_UDP_CKSUM |
						    BERTH_DEV_OFF_TX_TCP_CKSUM) ?
				    &ethdev_prep_ops : &ethdev_ops, name, socket) : NULL;
	if (dev == NULL) {
		rte_free(q);
		rte_errno = ENOMEM;
		return NULL;
	}
	dev->priv = q;
	dev->port_id = port_id;
	dev->queue_id = queue_id;
	dev->mtu = ps->mtu;
	dev->offloads = ps->offloads;
	if (rte_eth_macaddr_get(port_id, &dev->mac) != 0) {
		rte_free(q);
		rte_free(dev);
		rte_errno = EIO;
		return NULL;
	}
	ps->queue_open[queue_id / 64] |= 1ull << (queue_id % 64);
	ps->nb_devs++;
	return dev;
}

void
berth_port_close(uint16_t port_id)
{
	struct port_state *ps;
	int ret;

	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	ps = &ports[port_id];
	if (ps->nb_devs > 0) {
		/* Their next poll would touch a closed port. */
		BERTH_LOG(ERR, "port %u: %u devices still open, not closing", port_id,
			  ps->nb_devs);
		return;
	}
	ret = rte_eth_dev_stop(port_id);
	if (ret != 0)
		BERTH_LOG(WARNING, "port %u: stop: %s", port_id, rte_strerror(-ret));
	ret = rte_eth_dev_close(port_id);
	if (ret != 0)
		BERTH_LOG(WARNING, "port %u: close: %s", port_id, rte_strerror(-ret));
	memset(ps, 0, sizeof(*ps));
}
