/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stack lifecycle and the run loop of one lcore.
 *
 * berth_stack_poll(now):
 *   tcp_output_queued: what the app's calls asked for since the last poll,
 *   with the ACKs the last burst owed (they wait for the app's answer)
 *   for each interface: dev_rx_burst -> eth_input (per frame, next one
 *   prefetched) -> arp / ipv4 -> icmp / udp -> sockets (events queued);
 *   TCP segments are stashed and handled by tcp_input_flush after the
 *   burst, with one bulk lookup
 *   wheel_run(now): ARP retries and expiry, reassembly expiry
 *   dev_tx_flush for each interface
 * The application takes events with berth_stack_events() after the poll.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <sodium.h>

#include <berth/stack.h>

#include "core.h"
#include "tcp.h"

uint64_t berth_tsc_hz;
uint64_t berth_tsc_ns_mult;
int berth_logtype;

static const char *const counter_names[BERTH_COUNTER_MAX] = {
#define BERTH_X_NAME(id, name, desc) name,
	BERTH_STATS(BERTH_X_NAME)
#undef BERTH_X_NAME
#define BERTH_X_NAME(id, name, desc) "drop_" name,
	BERTH_DROPS(BERTH_X_NAME)
#undef BERTH_X_NAME
};

static const char *const counter_descs[BERTH_COUNTER_MAX] = {
#define BERTH_X_DESC(id, name, desc) desc,
	BERTH_STATS(BERTH_X_DESC)
	BERTH_DROPS(BERTH_X_DESC)
#undef BERTH_X_DESC
};

const char *
berth_counter_name(enum berth_counter id)
{
	return (unsigned int)id < BERTH_COUNTER_MAX ? counter_names[id] : NULL;
}

const char *
berth_counter_desc(enum berth_counter id)
{
	return (unsigned int)id < BERTH_COUNTER_MAX ? counter_descs[id] : NULL;
}

int
berth_init(int argc, char **argv)
{
	int ret = rte_eal_init(argc, argv);

	if (ret < 0)
		return -rte_errno;
	if (sodium_init() < 0)
		return -EIO;
	berth_tsc_hz = rte_get_tsc_hz();
	/* The multiplier loses under 2^-40 ns per cycle: well under a microsecond a day. */
	berth_tsc_ns_mult = (uint64_t)(((__uint128_t)BERTH_NS_PER_SEC << BERTH_TSC_NS_SHIFT) /
				       berth_tsc_hz);
	berth_logtype = rte_log_register_type_and_pick_level("berth", RTE_LOG_INFO);
	if (berth_logtype < 0)
		berth_logtype = RTE_LOGTYPE_USER1;
	return ret;
}

static int
unlink_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

/*
 * Pools whose mbufs were still out when their stack was destroyed: frames
 * in a NIC's transmit ring (or fragments, TCP segments referencing a send
 * queue) come back only when the port is stopped or closed, which an
 * application does after destroying the stack. Freeing the pool then
 * would let the driver free mbufs into freed memory, so such a pool waits
 * for berth_fini(). Control path only: a mutex is fine.
 */
static pthread_mutex_t deferred_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rte_mempool *deferred[RTE_MAX_LCORE * 2];
static unsigned int nb_deferred;

static void
pool_release(struct rte_mempool *mp)
{
	if (mp == NULL)
		return;
	if (rte_mempool_in_use_count(mp) == 0) {
		rte_mempool_free(mp);
		return;
	}
	pthread_mutex_lock(&deferred_lock);
	if (nb_deferred < RTE_DIM(deferred))
		deferred[nb_deferred++] = mp;
	/* else: kept until exit; a bounded leak beats a use after free */
	pthread_mutex_unlock(&deferred_lock);
	BERTH_LOG(DEBUG, "pool %s: %u mbufs still out, freed at berth_fini", mp->name,
		  rte_mempool_in_use_count(mp));
}

void
berth_fini(void)
{
	char dir[PATH_MAX];

	pthread_mutex_lock(&deferred_lock);
	while (nb_deferred > 0)
		rte_mempool_free(deferred[--nb_deferred]);
	pthread_mutex_unlock(&deferred_lock);

	/*
	 * EAL leaves its runtime directory (/var/run/dpdk/<file-prefix>)
	 * behind; berth runs no secondary processes, so remove it.
	 */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (dir[0] != '\0' && strstr(dir, "/dpdk/") != NULL)
		nftw(dir, unlink_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
conf_defaults(struct berth_stack_conf *c)
{
	if (c->nb_mbufs == 0)
		c->nb_mbufs = 8191;
	if (c->max_sockets == 0)
		c->max_sockets = 4096;
	if (c->max_bindings == 0)
		c->max_bindings = RTE_MIN(c->max_sockets, 65536u);
	if (c->ephemeral_lo == 0 && c->ephemeral_hi == 0) {
		c->ephemeral_lo = BERTH_EPHEMERAL_LO;
		c->ephemeral_hi = BERTH_EPHEMERAL_HI;
	}
	if (c->arp_entries == 0)
		c->arp_entries = 1024;
	if (c->arp_queue_len == 0)
		c->arp_queue_len = 64;
	if (c->arp_reachable_ns == 0)
		c->arp_reachable_ns = 60 * BERTH_NS_PER_SEC;
	if (c->reasm_max_flows == 0)
		c->reasm_max_flows = 1024;
	if (c->reasm_timeout_ns == 0)
		c->reasm_timeout_ns = 30 * BERTH_NS_PER_SEC;
	if (c->icmp_rate == 0)
		c->icmp_rate = 1000;
	if (c->icmp_burst == 0)
		c->icmp_burst = 50;
	if (c->udp_rcvbuf == 0)
		c->udp_rcvbuf = 212992;
	if (c->tcp_max_conns == 0)
		c->tcp_max_conns = 65536;
	if (c->tcp_max_syn_backlog == 0)
		c->tcp_max_syn_backlog = 1024;
	if (c->tcp_msl_ns == 0)
		c->tcp_msl_ns = 30 * BERTH_NS_PER_SEC;
	if (c->tcp_rto_min_ns == 0)
		c->tcp_rto_min_ns = 200 * BERTH_NS_PER_MS;
	if (c->tcp_rto_max_ns == 0)
		c->tcp_rto_max_ns = 120 * BERTH_NS_PER_SEC;
	if (c->tcp_syn_retries == 0)
		c->tcp_syn_retries = 6;
	if (c->tcp_retries == 0)
		c->tcp_retries = 15;
	if (c->tcp_fin_wait2_ns == 0)
		c->tcp_fin_wait2_ns = 60 * BERTH_NS_PER_SEC;
	if (c->tcp_delack_ns == 0 || c->tcp_delack_ns >= 500 * BERTH_NS_PER_MS)
		c->tcp_delack_ns = 40 * BERTH_NS_PER_MS;
	if (c->tcp_sndbuf == 0)
		c->tcp_sndbuf = 256 * 1024;
	if (c->tcp_rcvbuf == 0)
		c->tcp_rcvbuf = 256 * 1024;
	if (c->tcp_port_alg == 0)
		c->tcp_port_alg = 4;
}

static int
conf_check(const struct berth_stack_conf *c)
{
	if (c->ephemeral_lo == 0 || c->ephemeral_lo > c->ephemeral_hi)
		return -EINVAL;
	if (c->lcore_id >= RTE_MAX_LCORE)
		return -EINVAL;
	if (c->tcp_port_alg > 5 || c->tcp_rto_min_ns > c->tcp_rto_max_ns ||
	    c->tcp_cc > BERTH_TCP_CC_NEWRENO)
		return -EINVAL;
	return 0;
}

struct berth_stack *
berth_stack_create(const struct berth_stack_conf *conf)
{
	static atomic_uint instance; /* only makes mempool names unique */
	struct berth_stack_conf c;
	struct berth_stack *st;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int id = atomic_fetch_add(&instance, 1);
	int socket_id, ret;

	if (conf != NULL)
		c = *conf;
	else {
		memset(&c, 0, sizeof(c));
		c.lcore_id = rte_lcore_id();
	}
	if (c.lcore_id == LCORE_ID_ANY)
		c.lcore_id = rte_get_main_lcore();
	conf_defaults(&c);
	if (conf_check(&c) < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	socket_id = (int)rte_lcore_to_socket_id(c.lcore_id);
	if (socket_id < 0 || socket_id >= RTE_MAX_NUMA_NODES)
		socket_id = SOCKET_ID_ANY;

	st = rte_zmalloc_socket("berth_stack", sizeof(*st), RTE_CACHE_LINE_SIZE, socket_id);
	if (st == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	st->lcore_id = c.lcore_id;
	st->socket_id = socket_id;
	st->conf = c;

	if (c.pool != NULL) {
		st->pool = c.pool;
	} else {
		snprintf(name, sizeof(name), "berth_p%u", id);
		st->pool = rte_pktmbuf_pool_create(name, c.nb_mbufs, 256, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE, socket_id);
		if (st->pool == NULL)
			goto fail;
		st->own_pool = true;
	}
	snprintf(name, sizeof(name), "berth_i%u", id);
	/* Fragments and TCP segments reference data through these: as many as packets. */
	st->indirect_pool = rte_pktmbuf_pool_create(name, RTE_MAX(c.nb_mbufs, 1023u), 32, 0, 0,
						    socket_id);
	if (st->indirect_pool == NULL)
		goto fail;

	wheel_init(&st->wheel, 0);
	ret = sock_table_init(st);
	if (ret == 0)
		ret = arp_init(st);
	if (ret == 0)
		ret = ipv4_init(st);
	if (ret == 0)
		ret = udp_init(st);
	if (ret == 0)
		ret = tcp_init(st);
	if (ret < 0) {
		rte_errno = -ret;
		goto fail_errno;
	}
	BERTH_LOG(INFO, "stack %u on lcore %u (NUMA %d): %u mbufs, %u sockets, "
		  "ephemeral ports %u-%u", id, st->lcore_id, socket_id,
		  rte_mempool_avail_count(st->pool) + rte_mempool_in_use_count(st->pool),
		  c.max_sockets, c.ephemeral_lo, c.ephemeral_hi);
	return st;

fail:
	rte_errno = ENOMEM;
fail_errno:
	ret = rte_errno;
	berth_stack_destroy(st);
	rte_errno = ret;
	return NULL;
}

void
berth_stack_destroy(struct berth_stack *st)
{
	uint16_t i;

	if (st == NULL)
		return;
	/* Sockets first: they hold packets and ports. */
	sock_table_fini(st);
	tcp_fini(st);
	udp_fini(st);
	ipv4_fini(st);
	arp_fini(st);
	/*
	 * Drop whatever is still buffered for transmit on our devices, without
	 * handing it to them: TCP segments reference their payload through
	 * mbufs of the indirect pool freed below, which a device (or a test
	 * FIFO) would still hold.
	 */
	for (i = 0; i < st->nb_ifs; i++) {
		struct berth_dev *dev = st->ifs[i].dev;

		while (dev->tx_len > 0)
			rte_pktmbuf_free(dev->tx_pkts[--dev->tx_len]);
	}
	pool_release(st->indirect_pool);
	if (st->own_pool)
		pool_release(st->pool);
	rte_free(st);
}

struct rte_mempool *
berth_stack_pool(struct berth_stack *st)
{
	return st->pool;
}

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - len));
}

int
berth_stack_add_if(struct berth_stack *st, const struct berth_if_conf *conf, uint64_t now)
{
	struct berth_if *ifp;
	uint32_t host = rte_be_to_cpu_32(conf->addr);
	int ret;

	if (conf->dev == NULL || conf->prefix_len > 32)
		return -EINVAL;
	/* RFC 1122 §3.2.1.3: no 0/8, 127/8, multicast or class E as our address. */
	if (host == 0 || (host >> 24) == 127 || (host >> 28) >= 0xe)
		return -EINVAL;
	if (ipv4_local_if(st, conf->addr) != NULL)
		return -EEXIST;
	if (st->nb_ifs == BERTH_MAX_IFS)
		return -ENOSPC;

	ifp = &st->ifs[st->nb_ifs];
	memset(ifp, 0, sizeof(*ifp));
	ifp->dev = conf->dev;
	ifp->index = st->nb_ifs;
	ifp->mtu = conf->dev->mtu;
	ifp->mac = conf->dev->mac;
	ifp->addr = conf->addr;
	ifp->prefix_len = conf->prefix_len;
	ifp->netmask = prefix_mask(conf->prefix_len);
	ifp->bcast = conf->prefix_len >= 31 ? 0 : (conf->addr | ~ifp->netmask);
	ifp->gateway = conf->gateway;

	ret = route_add(st, conf->addr & ifp->netmask, conf->prefix_len, 0, ifp);
	if (ret == 0 && conf->gateway != 0)
		ret = route_add(st, 0, 0, conf->gateway, ifp);
	if (ret < 0)
		return ret;
	st->nb_ifs++;
	st->now = now;

	BERTH_LOG(INFO, "interface %u on %s: " RTE_ETHER_ADDR_PRT_FMT " mtu %u",
		  ifp->index, ifp->dev->name, RTE_ETHER_ADDR_BYTES(&ifp->mac), ifp->mtu);
	arp_announce(st, ifp, now);
	return ifp->index;
}

int
berth_stack_add_addr(struct berth_stack *st, int ifindex, uint32_t addr, uint64_t now)
{
	uint32_t host = rte_be_to_cpu_32(addr);
	struct berth_if *ifp;
	int ret;

	if (ifindex < 0 || ifindex >= st->nb_ifs)
		return -EINVAL;
	ifp = &st->ifs[ifindex];
	/* RFC 1122 §3.2.1.3: no 0/8, 127/8, multicast or class E as our address. */
	if ((host >> 24) == 0 || (host >> 24) == 127 || (host >> 28) >= 0xe)
		return -EINVAL;
	/* Nor the subnet's own address or its broadcast (RFC 1122 §3.2.1.3 (a), (c)). */
	if (ifp->prefix_len < 31 &&
	    ((addr & ~ifp->netmask) == 0 || (addr & ~ifp->netmask) == ~ifp->netmask))
		return -EINVAL;
	if (ipv4_is_bcast(st, addr))
		return -EINVAL;
	if (ipv4_local_if(st, addr) != NULL)
		return -EEXIST;
	ret = ipv4_if_add_addr(ifp, addr);
	if (ret < 0)
		return ret;
	st->now = now;
	BERTH_LOG(DEBUG, "interface %u: secondary address %u.%u.%u.%u (%u of %u)", ifp->index,
		  host >> 24, (host >> 16) & 0xff, (host >> 8) & 0xff, host & 0xff,
		  ifp->nb_addrs, BERTH_IF_MAX_ADDRS);
	arp_announce_addr(st, ifp, addr, now);
	return 0;
}

static unsigned int
if_poll(struct berth_stack *st, struct berth_if *ifp, uint64_t now)
{
	struct rte_mbuf *pkts[BERTH_DEV_RX_BURST];
	uint16_t n, i;

	n = dev_rx_burst(ifp->dev, now, pkts, BERTH_DEV_RX_BURST);
	if (n == 0)
		return 0;
	STAT_ADD(st, RX_PKTS, n);
	rte_prefetch0(rte_pktmbuf_mtod(pkts[0], void *));
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_input(st, ifp, pkts[i], now);
	}
	/* TCP segments of the burst were stashed: look them up in bulk. */
	tcp_input_flush(st, now);
	return n;
}

static void
devs_flush(struct berth_stack *st, uint64_t now)
{
	uint16_t i;

	for (i = 0; i < st->nb_ifs; i++)
		dev_tx_flush(st->ifs[i].dev, now);
}

unsigned int
berth_stack_poll(struct berth_stack *st, uint64_t now)
{
	unsigned int n = 0;
	uint16_t i;

	st->now = now;
	/*
	 * First what the application asked for in its turn, with the ACKs
	 * the last burst owed: they leave together (tcp_output_later). ACKs
	 * this burst owes wait for the application's next turn.
	 */
	tcp_output_queued(st, now);
	for (i = 0; i < st->nb_ifs; i++)
		n += if_poll(st, &st->ifs[i], now);
	wheel_run(&st->wheel, st, now);
	devs_flush(st, now);
	return n;
}

void
berth_stack_flush(struct berth_stack *st, uint64_t now)
{
	st->now = now;
	tcp_output_queued(st, now);
	devs_flush(st, now);
}

uint64_t
berth_stack_counter(const struct berth_stack *st, const char *name)
{
	unsigned int i;

	for (i = 0; i < BERTH_COUNTER_MAX; i++)
		if (strcmp(counter_names[i], name) == 0)
			return st->counters[i];
	return UINT64_MAX;
}

static void
dev_stats_dump(const struct berth_dev *dev, FILE *f)
{
	const struct berth_dev_stats *s = &dev->stats;

	fprintf(f, "dev %s: rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64 " pkts %"
		PRIu64 " bytes, tx_full %" PRIu64 ", tx_retries %" PRIu64 "\n",
		dev->name, s->rx_pkts, s->rx_bytes, s->tx_pkts, s->tx_bytes, s->tx_full,
		s->tx_retries);
}

void
berth_stack_counters_dump(struct berth_stack *st, FILE *f)
{
	unsigned int i;
	uint16_t j;

	for (i = 0; i < BERTH_COUNTER_MAX; i++)
		if (st->counters[i] != 0)
			fprintf(f, "%-24s %" PRIu64 "\n", counter_names[i], st->counters[i]);
	for (j = 0; j < st->nb_ifs; j++)
		dev_stats_dump(st->ifs[j].dev, f);
	fflush(f);
}

void
berth_stack_counters_json(struct berth_stack *st, FILE *f)
{
	unsigned int i;

	fputc('{', f);
	for (i = 0; i < BERTH_COUNTER_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", counter_names[i],
			st->counters[i]);
	fputs("}\n", f);
	fflush(f);
}
