/* SPDX-License-Identifier: BSD-3-Clause */
/* Bring-up and teardown shared by the example programs; see app_net.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app_net.h"

#define MBUFS 8191
#define MBUF_CACHE 256

int
app_find_separator(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

int
app_parse_addr(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

static int
pick_port(const struct app_net_conf *c, uint16_t *port_id)
{
	uint16_t p;

	if (c->port != NULL) {
		if (berth_port_find(c->port, port_id) < 0) {
			fprintf(stderr, "%s: no port '%s'\n", c->prog, c->port);
			return -ENODEV;
		}
		return 0;
	}
	RTE_ETH_FOREACH_DEV(p) {
		*port_id = p;
		return 0;
	}
	fprintf(stderr, "%s: no DPDK port: give a device, e.g. "
		"--vdev=net_af_packet0,iface=IFACE\n", c->prog);
	return -ENODEV;
}

int
app_net_up(struct app_net *n, const struct app_net_conf *c, struct berth_stack_conf *sconf)
{
	struct berth_port_conf pconf;
	struct berth_if_conf ifc;
	int ret;

	memset(n, 0, sizeof(*n));
	ret = pick_port(c, &n->port_id);
	if (ret < 0)
		return ret;
	/*
	 * The stack and the port share one pool. The app creates it so it can
	 * free it last: the port's queues hold buffers from it until the port
	 * is closed, and the stack needs its device until it is destroyed.
	 */
	n->pool = rte_pktmbuf_pool_create(c->pool_name, c->nb_mbufs != 0 ? c->nb_mbufs : MBUFS,
					  MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (n->pool == NULL) {
		fprintf(stderr, "%s: mbuf pool: %s\n", c->prog, rte_strerror(rte_errno));
		return -rte_errno;
	}
	sconf->lcore_id = rte_lcore_id();
	sconf->pool = n->pool;
	n->st = berth_stack_create(sconf);
	if (n->st == NULL) {
		fprintf(stderr, "%s: stack: %s\n", c->prog, rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(&pconf, 0, sizeof(pconf));
	pconf.nb_queues = 1;
	pconf.pools[0] = berth_stack_pool(n->st);
	ret = berth_port_setup(n->port_id, &pconf);
	if (ret < 0) {
		fprintf(stderr, "%s: port %u setup: %s\n", c->prog, n->port_id, strerror(-ret));
		return ret;
	}
	n->port_up = true;
	n->dev = berth_port_dev(n->port_id, 0);
	if (n->dev == NULL) {
		fprintf(stderr, "%s: port %u queue 0: %s\n", c->prog, n->port_id,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	if (c->pcap != NULL) {
		ret = berth_dev_capture_start(n->dev, c->pcap);
		if (ret < 0) {
			fprintf(stderr, "%s: capture to %s: %s\n", c->prog, c->pcap,
				strerror(-ret));
			return ret;
		}
	}
	memset(&ifc, 0, sizeof(ifc));
	ifc.dev = n->dev;
	ifc.addr = c->addr;
	ifc.prefix_len = c->prefix_len;
	ifc.gateway = c->gateway;
	ret = berth_stack_add_if(n->st, &ifc, berth_time_now());
	if (ret < 0) {
		fprintf(stderr, "%s: interface: %s\n", c->prog, strerror(-ret));
		return ret;
	}
	return 0;
}

void
app_net_down(struct app_net *n)
{
	/* The stack flushes its device on the way out, so it goes first. */
	berth_stack_destroy(n->st);
	n->st = NULL;
	if (n->dev != NULL)
		berth_dev_capture_stop(n->dev);
	berth_dev_free(n->dev);
	n->dev = NULL;
	if (n->port_up)
		berth_port_close(n->port_id);
	n->port_up = false;
	rte_mempool_free(n->pool);
	n->pool = NULL;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * net_memif tears a link down on its control thread when the peer leaves:
 * it marks the link down, then unmaps the shared rings, with no lock
 * against rte_eth_rx_burst/tx_burst on the lcore. A side that still polls
 * then reads unmapped memory (SIGSEGV in eth_memif_rx). So the side that
 * leaves second stops polling before the first one closes its port, and
 * closes its own only once that departure has run its course: stopping the
 * port while the control thread is still unmapping would run the same
 * teardown twice at once.
 */
#define IDLE_POLL_MS 10
/* Link down is the first step of that teardown; the rest is a few system calls. */
#define DRIVER_SETTLE_MS 50

void
app_net_idle_until_stop(struct app_net *n, const char *prog, unsigned int max_wait_ms)
{
	struct rte_eth_link link;
	unsigned int waited;

	if (app_stop_requested)
		return;
	printf("%s: idle, port open; leaving on SIGINT or SIGTERM\n", prog);
	fflush(stdout);
	while (!app_stop_requested)
		sleep_ms(IDLE_POLL_MS);
	if (!n->port_up)
		return;
	for (waited = 0; waited < max_wait_ms; waited += IDLE_POLL_MS) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(n->port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_DOWN) {
			sleep_ms(DRIVER_SETTLE_MS);
			return;
		}
		sleep_ms(IDLE_POLL_MS);
	}
}

int
app_parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *v)
{
	char *end;

	/* strtoull takes signs and spaces; an option value is digits only. */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v < min || *v > max)
		return -EINVAL;
	return 0;
}

int
app_parse_pair(const char *s, char sep, unsigned long long max, uint32_t *addr,
	       unsigned long long *v)
{
	char buf[INET_ADDRSTRLEN + 8];
	char *p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	p = strchr(buf, sep);
	if (p == NULL)
		return -EINVAL;
	*p = '\0';
	/* A port is 1 or more; a prefix length may be 0. */
	if (app_parse_addr(buf, addr) < 0 || app_parse_uint(p + 1, sep == ':' ? 1 : 0, max, v) < 0)
		return -EINVAL;
	return 0;
}

int
app_parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
	unsigned long long l;

	if (app_parse_pair(s, '/', 32, addr, &l) < 0)
		return -EINVAL;
	*len = (uint8_t)l;
	return 0;
}

volatile sig_atomic_t app_stop_requested;
volatile sig_atomic_t app_dump_requested;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		app_dump_requested = 1;
	else
		app_stop_requested = 1;
}

int
app_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGUSR1, &sa, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int
app_start(const struct app_start_conf *c, int argc, char **argv)
{
	int sep = app_find_separator(argc, argv), ret, i;
	char **app_argv, *dashdash;

	if (sep == argc) {
		for (i = 1; i < argc; i++)
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				c->usage(stdout);
				return EXIT_SUCCESS;
			}
		fprintf(stderr, "%s: missing '--' before the application's options\n", c->prog);
		c->usage(stderr);
		return APP_EXIT_USAGE;
	}
	/* getopt wants argv[0] first: the "--" slot lends itself to the name. */
	dashdash = argv[sep];
	app_argv = &argv[sep];
	app_argv[0] = argv[0];
	ret = c->parse(argc - sep, app_argv, c->opt);
	argv[sep] = dashdash;
	if (ret == 1) {
		c->usage(stdout);
		return EXIT_SUCCESS;
	}
	if (ret < 0)
		return APP_EXIT_USAGE;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = berth_init(sep + 1, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", c->prog, strerror(-ret));
		return EXIT_FAILURE;
	}
	ret = app_signals_init();
	if (ret < 0) {
		fprintf(stderr, "%s: signal handlers: %s\n", c->prog, strerror(-ret));
		berth_fini();
		return EXIT_FAILURE;
	}
	return -1;
}
