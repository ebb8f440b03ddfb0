/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every example program does around its own logic: split EAL from
 * program arguments, parse numbers and addresses, catch the signals that
 * stop it or ask for a dump, bring up one stack on one DPDK port (pool,
 * stack, port, device, optional capture, interface) and take it down again
 * in the only safe order. Public API only.
 */
#ifndef BERTH_APP_NET_H
#define BERTH_APP_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <berth/berth.h>

struct app_net_conf {
	const char *prog;        /* for error messages */
	const char *pool_name;
	const char *port;        /* device name or number; NULL: the first port */
	const char *pcap;        /* capture file; NULL: none */
	uint32_t addr;           /* network byte order */
	uint8_t prefix_len;
	uint32_t gateway;        /* network byte order, 0: none */
	uint32_t nb_mbufs;       /* packet buffers in the pool; 0: 8191 */
};

struct app_net {
	struct rte_mempool *pool;
	struct berth_stack *st;
	struct berth_dev *dev;
	uint16_t port_id;
	bool port_up;
};

/*
 * Bring up a stack configured by sconf (its lcore and pool are filled in
 * here) on the chosen port. Prints why on failure and returns a negative
 * errno; app_net_down() then releases whatever was made.
 */
int app_net_up(struct app_net *n, const struct app_net_conf *c,
	       struct berth_stack_conf *sconf);
/* Destroy the stack, free the device, close the port, free the pool. */
void app_net_down(struct app_net *n);
/*
 * For the side of a shared-memory link (net_memif) that leaves second:
 * stop polling, say so on stdout ("PROG: idle, ..."), wait for SIGINT or
 * SIGTERM, then give the peer's departure up to max_wait_ms to show as link
 * down (and the driver's control thread time to finish with it) before
 * the caller closes the port with app_net_down(). Returns at once, without
 * waiting for the link, when a stop was already requested before the call.
 */
void app_net_idle_until_stop(struct app_net *n, const char *prog, unsigned int max_wait_ms);

/* Index of the "--" that ends EAL's arguments, or argc. */
int app_find_separator(int argc, char **argv);
/* Dotted quad to network byte order; 0 or -EINVAL. */
int app_parse_addr(const char *s, uint32_t *addr);
/* A decimal number in [min, max] (digits only); 0 or -EINVAL. */
int app_parse_uint(const char *s, unsigned long long min, unsigned long long max,
		   unsigned long long *v);
/* "ADDR:PORT" (sep ':', value 1..max) or "ADDR/LEN" (sep '/', 0..max); 0 or -EINVAL. */
int app_parse_pair(const char *s, char sep, unsigned long long max, uint32_t *addr,
		   unsigned long long *v);
/* "ADDR/LEN": the address in network byte order and the prefix length; 0 or -EINVAL. */
int app_parse_prefix(const char *s, uint32_t *addr, uint8_t *len);

/* What app_start needs of a program. */
struct app_start_conf {
	const char *prog;
	void (*usage)(FILE *f);
	/* The program's options, argv[0] its name: 0, 1 for --help, -EINVAL after saying why. */
	int (*parse)(int argc, char **argv, void *opt);
	void *opt;
};
#define APP_EXIT_USAGE 2
/*
 * What every program does first: split EAL's arguments from its own at
 * "--", parse its own before EAL starts (so --help and mistakes need
 * neither root nor memory), line-buffer stdout, start EAL (berth_init) and
 * the signal handlers. Returns -1 to go on, or the status main returns at
 * once: EXIT_SUCCESS after --help, APP_EXIT_USAGE for bad usage,
 * EXIT_FAILURE when EAL or the handlers failed (after saying why).
 */
int app_start(const struct app_start_conf *c, int argc, char **argv);

/* Set by the handlers app_signals_init installs; the run loop reads and clears them. */
extern volatile sig_atomic_t app_stop_requested;  /* SIGINT, SIGTERM */
extern volatile sig_atomic_t app_dump_requested;  /* SIGUSR1 */
/* Install those handlers; SIGPIPE is ignored (a closed stdout must not kill). 0 or -errno. */
int app_signals_init(void);

#endif /* BERTH_APP_NET_H */
