/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd: the raw ceiling of a DPDK port pair with no stack at all, so that
 * berth's cost per packet can be read against it (bench/stack/run_b.sh).
 *
 * Two processes on one port each (net_memif in the benchmark, the same EAL
 * settings as berth's UDP echo run):
 *   reflector  rx_burst -> swap the Ethernet addresses -> tx_burst, what the
 *              port refuses is freed and counted
 *   generator  keeps a window of frames in flight: rx_burst counts the ones
 *              that came back (and frees them), tx_burst sends new ones
 *              while fewer than --window are out; packets/s of returned
 *              frames over --duration, after a warm-up
 * A frame lost on the way (a full ring) leaves the window for good, so the
 * generator also gives up on frames after a pause with nothing back and
 * reopens the window (counted as "lost").
 *
 * The frames are Ethernet/IPv4/UDP of --size bytes on the wire, FCS
 * included (64: 60 bytes in the buffer), as a UDP echo of a small datagram.
 *
 * Output: one line "fwd-json: {...}" from each role; exit 0 when frames
 * came back (generator) or the reflector ran, 1 otherwise, 2 on bad usage.
 *
 * --smoke (no other arguments; root): forks a reflector and a generator on
 * a private memif socket for 1 s and checks that frames came back; exits
 * 77 (skip) when not root or when memif cannot start here.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define PROG "fwd"
#define BURST 32
#define NB_DESC 1024
#define NB_MBUFS 8191
#define SKIP 77
#define WARMUP_NS 200000000ull
/* Nothing back for this long with frames out: they are lost, reopen the window. */
#define STALL_NS 50000000ull
/*
 * The generator's last frame: the reflector stops polling when it sees it,
 * before the generator closes its end. memif unmaps the shared rings when
 * the peer leaves, and a reflector still inside rx_burst then would crash.
 */
#define ETHER_TYPE_STOP 0x88b5 /* IEEE 802 local experimental */

struct options {
	bool gen;
	double duration_s;
	unsigned int window;
	unsigned int size;     /* frame bytes on the wire, FCS included */
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t
now_ns(void)
{
	return (uint64_t)((__uint128_t)rte_get_tsc_cycles() * 1000000000ull / rte_get_tsc_hz());
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [EAL options] -- --role gen|refl [--duration S] [--window N]\n"
		"                [--size BYTES]\n"
		"       " PROG " --smoke\n"
		"\n"
		"Raw rx/tx burst forwarding over the first DPDK port, no stack: the\n"
		"reflector swaps MAC addresses and sends every frame back; the\n"
		"generator keeps --window frames (default 512) in flight and counts\n"
		"those that return (packets/s). The reflector runs until SIGINT/SIGTERM\n"
		"or --duration. --size: frame length with FCS, 64-1518 (default 64).\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	int i;

	o->gen = false;
	o->duration_s = 0;
	o->window = 512;
	o->size = 64;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--role") == 0 && v != NULL) {
			if (strcmp(v, "gen") == 0)
				o->gen = true;
			else if (strcmp(v, "refl") != 0)
				return -EINVAL;
			i++;
		} else if (strcmp(a, "--duration") == 0 && v != NULL) {
			o->duration_s = strtod(v, NULL);
			if (!(o->duration_s > 0 && o->duration_s <= 3600))
				return -EINVAL;
			i++;
		} else if (strcmp(a, "--window") == 0 && v != NULL) {
			o->window = (unsigned int)strtoul(v, NULL, 10);
			if (o->window < 1 || o->window > NB_MBUFS / 2)
				return -EINVAL;
			i++;
		} else if (strcmp(a, "--size") == 0 && v != NULL) {
			o->size = (unsigned int)strtoul(v, NULL, 10);
			if (o->size < 64 || o->size > 1518)
				return -EINVAL;
			i++;
		} else {
			return -EINVAL;
		}
	}
	if (o->gen && o->duration_s == 0)
		o->duration_s = 2;
	return 0;
}

static int
port_up(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	int ret, i;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, NB_DESC, rte_eth_dev_socket_id(port), NULL,
					     pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, NB_DESC, rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret < 0)
		return ret;
	/* memif: the link is up once the peer process has connected. */
	for (i = 0; i < 100 && !stop_requested; i++) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(100);
	}
	return -ENOTCONN;
}

/* Ethernet/IPv4/UDP frame of size - 4 bytes (no FCS in the buffer). */
static void
make_frame(uint8_t *p, unsigned int size)
{
	static const struct rte_ether_addr src = {{ 0x02, 0, 0, 0, 0, 0x01 }};
	static const struct rte_ether_addr dst = {{ 0x02, 0, 0, 0, 0, 0x02 }};
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ih + 1);
	unsigned int len = size - RTE_ETHER_CRC_LEN;

	memset(p, 0, len);
	eh->src_addr = src;
	eh->dst_addr = dst;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eh)));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_UDP;
	ih->src_addr = rte_cpu_to_be_32(0xc6120001); /* 198.18.0.1 */
	ih->dst_addr = rte_cpu_to_be_32(0xc6120002); /* 198.18.0.2 */
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	uh->src_port = rte_cpu_to_be_16(40000);
	uh->dst_port = rte_cpu_to_be_16(7);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eh) - sizeof(*ih)));
}

static int
reflect(uint16_t port, const struct options *o)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t rx = 0, tx = 0, dropped = 0, end;
	uint16_t n, sent, i;

	end = o->duration_s > 0 ? now_ns() + (uint64_t)(o->duration_s * 1e9) : UINT64_MAX;
	printf(PROG ": reflector ready\n");
	fflush(stdout);
	while (!stop_requested) {
		n = rte_eth_rx_burst(port, 0, pkts, BURST);
		if (n == 0) {
			if (end != UINT64_MAX && now_ns() >= end)
				break;
			continue;
		}
		for (i = 0; i < n; i++) {
			struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
			struct rte_ether_addr t = eh->src_addr;

			if (unlikely(eh->ether_type == rte_cpu_to_be_16(ETHER_TYPE_STOP)))
				stop_requested = 1;
			eh->src_addr = eh->dst_addr;
			eh->dst_addr = t;
		}
		sent = rte_eth_tx_burst(port, 0, pkts, n);
		if (sent < n) {
			rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
			dropped += n - sent;
		}
		rx += n;
		tx += sent;
	}
	printf("fwd-json: {\"role\": \"refl\", \"rx\": %" PRIu64 ", \"tx\": %" PRIu64
	       ", \"tx_dropped\": %" PRIu64 "}\n", rx, tx, dropped);
	return 0;
}

static int
generate(uint16_t port, struct rte_mempool *pool, const struct options *o)
{
	struct rte_mbuf *pkts[BURST];
	uint8_t tmpl[1518];
	unsigned int len = o->size - RTE_ETHER_CRC_LEN, out = 0;
	uint64_t t0, t_meas, t_end, now, last_rx, sent = 0, back = 0, lost = 0, meas_back = 0;
	uint64_t meas_sent = 0;
	uint16_t n, i, want, s;
	double secs, pps;

	make_frame(tmpl, o->size);
	t0 = now_ns();
	t_meas = t0 + WARMUP_NS;
	t_end = t_meas + (uint64_t)(o->duration_s * 1e9);
	last_rx = t0;
	now = t0;
	while (!stop_requested && now < t_end) {
		n = rte_eth_rx_burst(port, 0, pkts, BURST);
		if (n > 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			back += n;
			out -= RTE_MIN(out, n);
			if (now >= t_meas)
				meas_back += n;
			last_rx = now;
		}
		want = (uint16_t)RTE_MIN((unsigned int)BURST, o->window - out);
		if (want > 0 && rte_pktmbuf_alloc_bulk(pool, pkts, want) == 0) {
			for (i = 0; i < want; i++) {
				memcpy(rte_pktmbuf_mtod(pkts[i], void *), tmpl, len);
				pkts[i]->data_len = (uint16_t)len;
				pkts[i]->pkt_len = len;
			}
			s = rte_eth_tx_burst(port, 0, pkts, want);
			if (s < want)
				rte_pktmbuf_free_bulk(&pkts[s], want - s);
			out += s;
			sent += s;
			if (now >= t_meas)
				meas_sent += s;
		}
		now = now_ns();
		if (out > 0 && now - last_rx > STALL_NS) {
			lost += out;
			out = 0;
			last_rx = now;
		}
	}
	secs = (double)(now - t_meas) / 1e9;
	pps = secs > 0 ? (double)meas_back / secs : 0;
	/* Drain what is still coming back, then tell the reflector to stop. */
	t_end = now_ns() + 20000000ull;
	while (now_ns() < t_end) {
		n = rte_eth_rx_burst(port, 0, pkts, BURST);
		if (n > 0)
			rte_pktmbuf_free_bulk(pkts, n);
	}
	if (rte_pktmbuf_alloc_bulk(pool, pkts, 1) == 0) {
		make_frame(rte_pktmbuf_mtod(pkts[0], uint8_t *), 64);
		rte_pktmbuf_mtod(pkts[0], struct rte_ether_hdr *)->ether_type =
			rte_cpu_to_be_16(ETHER_TYPE_STOP);
		pkts[0]->data_len = 60;
		pkts[0]->pkt_len = 60;
		if (rte_eth_tx_burst(port, 0, pkts, 1) == 0)
			rte_pktmbuf_free(pkts[0]);
	}
	rte_delay_ms(100);
	printf("fwd-json: {\"role\": \"gen\", \"frame_bytes\": %u, \"window\": %u, "
	       "\"seconds\": %.3f, \"sent\": %" PRIu64 ", \"returned\": %" PRIu64
	       ", \"lost\": %" PRIu64 ", \"measured_sent\": %" PRIu64 ", \"measured_returned\": %"
	       PRIu64 ", \"pps\": %.0f}\n", o->size, o->window, secs, sent, back, lost, meas_sent,
	       meas_back, pps);
	printf(PROG ": %.2f Mpps returned (%u-byte frames, window %u)\n", pps / 1e6, o->size,
	       o->window);
	return back > 0 && back <= sent ? 0 : -EIO;
}

/* --smoke: a reflector child and a generator parent over a private memif. */
static int
smoke(const char *self)
{
	char sock[128], vdev_s[256], vdev_c[256], pfx_s[64], pfx_c[64];
	pid_t child;
	int status, ret;

	if (geteuid() != 0) {
		printf(PROG ": skipped: needs root (EAL and memif)\n");
		return SKIP;
	}
	snprintf(sock, sizeof(sock), "/tmp/berth-fwd-smoke-%d.sock", (int)getpid());
	snprintf(vdev_s, sizeof(vdev_s), "--vdev=net_memif0,role=server,socket=%s,socket-abstract=no",
		 sock);
	snprintf(vdev_c, sizeof(vdev_c), "--vdev=net_memif0,role=client,socket=%s,socket-abstract=no",
		 sock);
	snprintf(pfx_s, sizeof(pfx_s), "--file-prefix=berth-fwd-r%d", (int)getpid());
	snprintf(pfx_c, sizeof(pfx_c), "--file-prefix=berth-fwd-g%d", (int)getpid());
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		char *args[] = { (char *)self, "-l", "0", "--no-huge", "-m", "256", "--no-pci",
				 pfx_s, vdev_s, "--log-level=*:warning", "--", "--role", "refl",
				 "--duration", "8", NULL };

		execv(self, args);
		_exit(127);
	}
	{
		char *args[] = { (char *)self, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
				 pfx_c, vdev_c, "--log-level=*:warning", "--", "--role", "gen",
				 "--duration", "1", NULL };
		pid_t gen = fork();

		if (gen == 0) {
			/* The server side creates the socket: give it a moment. */
			usleep(500000);
			execv(self, args);
			_exit(127);
		}
		ret = SKIP;
		if (gen > 0 && waitpid(gen, &status, 0) == gen && WIFEXITED(status))
			ret = WEXITSTATUS(status);
	}
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	unlink(sock);
	if (ret == SKIP)
		printf(PROG ": skipped: memif did not come up here\n");
	else if (ret != 0)
		printf(PROG ": FAILED: no frame came back\n");
	else
		printf(PROG ": smoke ok\n");
	return ret;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct rte_mempool *pool;
	uint16_t port = 0, p;
	bool found = false;
	int ret, sep;

	if (argc == 2 && strcmp(argv[1], "--smoke") == 0)
		return smoke("/proc/self/exe");
	for (sep = 1; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	if (sep == argc || parse_options(argc - sep - 1, &argv[sep + 1], &o) < 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, PROG ": EAL init failed (memif unavailable?)\n");
		return SKIP;
	}
	RTE_ETH_FOREACH_DEV(p) {
		port = p;
		found = true;
		break;
	}
	if (!found) {
		fprintf(stderr, PROG ": no DPDK port (give --vdev=net_memif0,...)\n");
		rte_eal_cleanup();
		return SKIP;
	}
	pool = rte_pktmbuf_pool_create(o.gen ? "fwd_gen" : "fwd_refl", NB_MBUFS, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, PROG ": no mempool\n");
		rte_eal_cleanup();
		return 1;
	}
	ret = port_up(port, pool);
	if (ret < 0) {
		fprintf(stderr, PROG ": port %u: %s\n", port, strerror(-ret));
		ret = ret == -ENOTCONN ? SKIP : 1;
	} else {
		ret = o.gen ? (generate(port, pool, &o) == 0 ? 0 : 1) : reflect(port, &o);
	}
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}
