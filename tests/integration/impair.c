/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * impair: an impairing relay for the integration tests on kernels without
 * sch_netem. It bridges two interfaces frame by frame with one AF_PACKET
 * raw socket on each, and on the way applies, per direction and from a
 * seeded generator, what `tc qdisc ... netem` would: loss, duplication,
 * corruption, reordering, delay with jitter and a bounded queue.
 *
 *   impair [--delay T] [--jitter T] [--loss P] [--duplicate P]
 *          [--reorder P] [--corrupt P] [--limit N] [--seed N]
 *          [--a2b | --b2a | --both] ... IF_A IF_B
 *
 * Call chain: main -> relay_loop -> ppoll -> dir_receive -> dir_impair ->
 * heap_push; relay_loop -> dir_release -> send. On SIGTERM or SIGINT it
 * prints one summary line per direction and exits 0. It runs in the middle
 * namespace of a relay test net (scripts/testnet, TESTNET_RELAY=1).
 *
 * The model follows netem (tc-netem(8), net/sched/sch_netem.c):
 * - duplicate P: the frame goes twice; each copy is then lost, corrupted
 *   and delayed on its own (netem re-enqueues its clone likewise).
 * - loss P: the frame (copy) is dropped.
 * - corrupt P: one random bit of one random byte is flipped, past the
 *   Ethernet header (netem may also hit the MAC header; a frame to
 *   another MAC would tell nothing about TCP).
 * - reorder P: with a delay set, a share P of frames is sent at once,
 *   ahead of the delayed ones (netem's "reorder P" with gap 1).
 * - delay D, jitter J: the other frames wait D +- J, uniform (netem
 *   without a distribution table), and leave in time order, so jitter
 *   reorders too (netem's tfifo).
 * - limit N: at most N frames wait per direction; more are dropped and
 *   counted (netem's default limit is 1000).
 * Percentages P are given as netem takes them: "5" or "5%" is 5 %.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

/* veth MTU 1500 plus the Ethernet header; offloads are off on the test
 * net, so no GSO frames. Larger frames are counted and dropped. */
#define FRAME_MAX 2048
#define ETH_HDR 14
#define LIMIT_DEFAULT 1000
#define LIMIT_MAX 100000
/* Frames read from one socket before the queues are served again: keeps
 * one busy direction from holding back the other's due frames. */
#define RX_BATCH 64
#define SOCK_BUF (4 << 20)

struct model {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	double loss;      /* probabilities, 0..1 */
	double duplicate;
	double reorder;
	double corrupt;
};

struct stats {
	uint64_t in;          /* frames read */
	uint64_t out;         /* frames (copies) sent */
	uint64_t lost;
	uint64_t duplicated;
	uint64_t reordered;
	uint64_t corrupted;
	uint64_t queue_drops; /* queue at its limit */
	uint64_t tx_errors;   /* send failed */
	uint64_t oversize;    /* frame above FRAME_MAX */
	uint64_t socket_drops; /* dropped by the kernel before we read them */
};

struct frame {
	uint64_t due; /* CLOCK_MONOTONIC ns; 0 goes ahead of all */
	uint64_t seq; /* arrival order: ties leave in order */
	uint16_t len;
	unsigned char data[FRAME_MAX];
};

struct dir {
	char name[48];
	const char *in_if;
	int in_fd;
	int out_fd;
	struct model m;
	uint64_t rng;
	unsigned int limit;
	struct frame *slots;
	unsigned int *free_slots; /* stack of free slot indices */
	unsigned int nfree;
	unsigned int *heap;       /* slot indices, min-heap on (due, seq) */
	unsigned int nheap;
	uint64_t seq;
	struct stats st;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, seedable, good enough for impairment draws. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static int
chance(uint64_t *s, double p)
{
	return p > 0 && rng_unit(s) < p;
}

static int
frame_before(const struct dir *d, unsigned int a, unsigned int b)
{
	const struct frame *fa = &d->slots[a], *fb = &d->slots[b];

	return fa->due < fb->due || (fa->due == fb->due && fa->seq < fb->seq);
}

static void
heap_push(struct dir *d, unsigned int slot)
{
	unsigned int i = d->nheap++, parent;

	d->heap[i] = slot;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!frame_before(d, d->heap[i], d->heap[parent]))
			break;
		slot = d->heap[i];
		d->heap[i] = d->heap[parent];
		d->heap[parent] = slot;
		i = parent;
	}
}

static unsigned int
heap_pop(struct dir *d)
{
	unsigned int top = d->heap[0], i = 0, l, r, m, tmp;

	d->heap[0] = d->heap[--d->nheap];
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < d->nheap && frame_before(d, d->heap[l], d->heap[m]))
			m = l;
		if (r < d->nheap && frame_before(d, d->heap[r], d->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = d->heap[i];
		d->heap[i] = d->heap[m];
		d->heap[m] = tmp;
		i = m;
	}
	return top;
}

/* One copy of a frame: loss, corruption, then its place in the queue. */
static void
dir_impair_copy(struct dir *d, const unsigned char *data, uint16_t len, uint64_t now)
{
	struct frame *f;
	unsigned int slot;
	uint64_t due;
	int64_t j;

	if (chance(&d->rng, d->m.loss)) {
		d->st.lost++;
		return;
	}
	if (d->nfree == 0) {
		d->st.queue_drops++;
		return;
	}
	slot = d->free_slots[--d->nfree];
	f = &d->slots[slot];
	memcpy(f->data, data, len);
	f->len = len;
	if (len > ETH_HDR && chance(&d->rng, d->m.corrupt)) {
		f->data[ETH_HDR + rng_next(&d->rng) % (len - ETH_HDR)] ^=
			(unsigned char)(1u << (rng_next(&d->rng) % 8));
		d->st.corrupted++;
	}
	if (d->m.delay_ns > 0 && chance(&d->rng, d->m.reorder)) {
		/* netem sends these at the head of its queue, undelayed. */
		due = 0;
		d->st.reordered++;
	} else {
		due = now + d->m.delay_ns;
		if (d->m.jitter_ns > 0) {
			j = (int64_t)(rng_next(&d->rng) % (2 * d->m.jitter_ns + 1)) -
				(int64_t)d->m.jitter_ns;
			if (j < 0 && (uint64_t)-j > d->m.delay_ns)
				due = now;
			else
				due = (uint64_t)((int64_t)due + j);
		}
	}
	f->due = due;
	f->seq = d->seq++;
	heap_push(d, slot);
}

static void
dir_impair(struct dir *d, const unsigned char *data, uint16_t len, uint64_t now)
{
	d->st.in++;
	if (chance(&d->rng, d->m.duplicate)) {
		d->st.duplicated++;
		dir_impair_copy(d, data, len, now);
	}
	dir_impair_copy(d, data, len, now);
}

/* Read what is waiting on the direction's input socket (one batch). */
static void
dir_receive(struct dir *d, uint64_t now)
{
	static unsigned char buf[FRAME_MAX];
	struct sockaddr_ll from;
	socklen_t fromlen;
	ssize_t n;
	int i;

	for (i = 0; i < RX_BATCH; i++) {
		fromlen = sizeof(from);
		n = recvfrom(d->in_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			(struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				fprintf(stderr, "impair: recv on %s: %s\n", d->in_if,
					strerror(errno));
			return;
		}
		/* Our own transmissions on this interface, where the kernel
		 * lacks PACKET_IGNORE_OUTGOING. */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (n > FRAME_MAX) {
			d->st.in++;
			d->st.oversize++;
			continue;
		}
		dir_impair(d, buf, (uint16_t)n, now);
	}
}

/* Send every frame whose time has come. */
static void
dir_release(struct dir *d, uint64_t now)
{
	struct frame *f;
	unsigned int slot;

	while (d->nheap > 0 && d->slots[d->heap[0]].due <= now) {
		slot = heap_pop(d);
		f = &d->slots[slot];
		if (send(d->out_fd, f->data, f->len, MSG_DONTWAIT) == (ssize_t)f->len)
			d->st.out++;
		else
			d->st.tx_errors++;
		d->free_slots[d->nfree++] = slot;
	}
}

static int
open_port(const char *ifname)
{
	struct packet_mreq mr;
	struct sockaddr_ll sll;
	int fd, one = 1, buf = SOCK_BUF;
	unsigned int ifindex;

	ifindex = if_nametoindex(ifname);
	if (ifindex == 0) {
		fprintf(stderr, "impair: no interface %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Protocol 0 until bound: nothing from other interfaces queues up. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "impair: AF_PACKET socket: %s\n", strerror(errno));
		return -1;
	}
	/* Where the kernel knows it (4.20+), our own sends never come back;
	 * elsewhere dir_receive skips PACKET_OUTGOING. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* Room for bursts; the FORCE variants pass rmem_max as root. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "impair: bind to %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* Frames for the far end's MAC must reach us (veth passes them
	 * anyway; a real NIC would filter them). */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		fprintf(stderr, "impair: promiscuous mode on %s: %s\n", ifname,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
dir_alloc(struct dir *d, unsigned int limit)
{
	unsigned int i;

	d->limit = limit;
	d->slots = calloc(limit, sizeof(*d->slots));
	d->free_slots = calloc(limit, sizeof(*d->free_slots));
	d->heap = calloc(limit, sizeof(*d->heap));
	if (d->slots == NULL || d->free_slots == NULL || d->heap == NULL)
		return -1;
	for (i = 0; i < limit; i++)
		d->free_slots[i] = limit - 1 - i;
	d->nfree = limit;
	return 0;
}

static void
dir_free(struct dir *d)
{
	free(d->slots);
	free(d->free_slots);
	free(d->heap);
}

static void
dir_summary(struct dir *d)
{
	struct tpacket_stats ps;
	socklen_t len = sizeof(ps);

	/* The kernel's drops on the socket we read this direction from. */
	if (getsockopt(d->in_fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len) == 0)
		d->st.socket_drops += ps.tp_drops;
	printf("impair: summary %s in=%" PRIu64 " out=%" PRIu64 " lost=%" PRIu64
		" duplicated=%" PRIu64 " reordered=%" PRIu64 " corrupted=%" PRIu64
		" queue_drops=%" PRIu64 " tx_errors=%" PRIu64 " oversize=%" PRIu64
		" socket_drops=%" PRIu64 " left=%u\n",
		d->name, d->st.in, d->st.out, d->st.lost, d->st.duplicated,
		d->st.reordered, d->st.corrupted, d->st.queue_drops, d->st.tx_errors,
		d->st.oversize, d->st.socket_drops, d->nheap);
}

static void
relay_loop(struct dir *dirs, const sigset_t *waitmask)
{
	struct pollfd pfd[2];
	struct timespec ts, *tmo;
	uint64_t now, next;
	int i, n;

	while (!stop) {
		now = now_ns();
		for (i = 0; i < 2; i++)
			dir_release(&dirs[i], now);
		next = UINT64_MAX;
		for (i = 0; i < 2; i++)
			if (dirs[i].nheap > 0 && dirs[i].slots[dirs[i].heap[0]].due < next)
				next = dirs[i].slots[dirs[i].heap[0]].due;
		tmo = NULL;
		if (next != UINT64_MAX) {
			next = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(next / 1000000000u);
			ts.tv_nsec = (long)(next % 1000000000u);
			tmo = &ts;
		}
		for (i = 0; i < 2; i++) {
			pfd[i].fd = dirs[i].in_fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* Signals are blocked but here, so none is missed between the
		 * check of `stop` and the wait. */
		n = ppoll(pfd, 2, tmo, waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "impair: ppoll: %s\n", strerror(errno));
			return;
		}
		now = now_ns();
		for (i = 0; i < 2; i++)
			if (pfd[i].revents & POLLIN)
				dir_receive(&dirs[i], now);
	}
}

/* "10ms", "500us", "1s", "0": a time in ns; -1 if malformed. */
static int
parse_time(const char *s, uint64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0 || v > 60e9)
		return -1;
	if (strcmp(end, "us") == 0)
		v *= 1e3;
	else if (strcmp(end, "ms") == 0)
		v *= 1e6;
	else if (strcmp(end, "s") == 0)
		v *= 1e9;
	else if (!(*end == '\0' && v == 0))
		return -1;
	*ns = (uint64_t)v;
	return 0;
}

/* "5", "5%", "0.1": a percentage as a probability; -1 if malformed. */
static int
parse_percent(const char *s, double *p)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || (*end != '\0' && strcmp(end, "%") != 0) ||
			!(v >= 0 && v <= 100))
		return -1;
	*p = v / 100;
	return 0;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: impair [OPTION...] IF_A IF_B\n"
		"Bridge IF_A and IF_B with AF_PACKET sockets, impairing both ways.\n"
		"  --delay T       delay every frame by T (us, ms, s: 10ms)\n"
		"  --jitter T      plus or minus up to T, uniform (frames may reorder)\n"
		"  --loss P        drop P %% of frames\n"
		"  --duplicate P   send P %% of frames twice\n"
		"  --reorder P     send P %% of frames at once, ahead of the delayed\n"
		"  --corrupt P     flip one bit past the Ethernet header in P %%\n"
		"  --limit N       frames queued per direction (default %u)\n"
		"  --seed N        seed of the random draws (default 1)\n"
		"  --a2b, --b2a    the impairments that follow apply to one direction\n"
		"  --both          ... to both again (the default)\n"
		"SIGTERM or SIGINT: print a summary line per direction, exit 0.\n",
		LIMIT_DEFAULT);
}

enum {
	OPT_DELAY = 256, OPT_JITTER, OPT_LOSS, OPT_DUP, OPT_REORDER, OPT_CORRUPT,
	OPT_LIMIT, OPT_SEED, OPT_A2B, OPT_B2A, OPT_BOTH, OPT_HELP,
};

static const struct option long_opts[] = {
	{"delay", required_argument, NULL, OPT_DELAY},
	{"jitter", required_argument, NULL, OPT_JITTER},
	{"loss", required_argument, NULL, OPT_LOSS},
	{"duplicate", required_argument, NULL, OPT_DUP},
	{"reorder", required_argument, NULL, OPT_REORDER},
	{"corrupt", required_argument, NULL, OPT_CORRUPT},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"seed", required_argument, NULL, OPT_SEED},
	{"a2b", no_argument, NULL, OPT_A2B},
	{"b2a", no_argument, NULL, OPT_B2A},
	{"both", no_argument, NULL, OPT_BOTH},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static void
print_model(const struct dir *d)
{
	printf("impair: %s delay %.3fms jitter %.3fms loss %g%% duplicate %g%% "
		"reorder %g%% corrupt %g%% limit %u\n", d->name,
		(double)d->m.delay_ns / 1e6, (double)d->m.jitter_ns / 1e6,
		d->m.loss * 100, d->m.duplicate * 100, d->m.reorder * 100,
		d->m.corrupt * 100, d->limit);
}

int
main(int argc, char **argv)
{
	struct dir dirs[2];
	struct model *scope[2];
	struct sigaction sa;
	sigset_t block, waitmask;
	unsigned long long seed = 1;
	unsigned long limit = LIMIT_DEFAULT;
	uint64_t t;
	double p;
	char *end;
	int opt, i, bad = 0, fd_a, fd_b, rc = 1;

	memset(dirs, 0, sizeof(dirs));
	scope[0] = &dirs[0].m;
	scope[1] = &dirs[1].m;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_DELAY:
		case OPT_JITTER:
			if (parse_time(optarg, &t) < 0) {
				fprintf(stderr, "impair: bad time '%s' (10ms, 500us, 1s)\n", optarg);
				return 2;
			}
			for (i = 0; i < 2; i++)
				if (scope[i] != NULL)
					*(opt == OPT_DELAY ? &scope[i]->delay_ns :
						&scope[i]->jitter_ns) = t;
			break;
		case OPT_LOSS:
		case OPT_DUP:
		case OPT_REORDER:
		case OPT_CORRUPT:
			if (parse_percent(optarg, &p) < 0) {
				fprintf(stderr, "impair: bad percentage '%s' (0..100)\n", optarg);
				return 2;
			}
			for (i = 0; i < 2; i++) {
				if (scope[i] == NULL)
					continue;
				if (opt == OPT_LOSS)
					scope[i]->loss = p;
				else if (opt == OPT_DUP)
					scope[i]->duplicate = p;
				else if (opt == OPT_REORDER)
					scope[i]->reorder = p;
				else
					scope[i]->corrupt = p;
			}
			break;
		case OPT_LIMIT:
			errno = 0;
			limit = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || limit < 1 || limit > LIMIT_MAX) {
				fprintf(stderr, "impair: --limit must be 1..%u\n", LIMIT_MAX);
				return 2;
			}
			break;
		case OPT_SEED:
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno != 0 || *end != '\0' || end == optarg) {
				fprintf(stderr, "impair: bad seed '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_A2B:
			scope[0] = &dirs[0].m;
			scope[1] = NULL;
			break;
		case OPT_B2A:
			scope[0] = NULL;
			scope[1] = &dirs[1].m;
			break;
		case OPT_BOTH:
			scope[0] = &dirs[0].m;
			scope[1] = &dirs[1].m;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			bad = 1;
		}
	}
	if (bad || argc - optind != 2) {
		usage(stderr);
		return 2;
	}

	/* Signals wait until ppoll, where relay_loop lets them in. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd_a = open_port(argv[optind]);
	fd_b = fd_a < 0 ? -1 : open_port(argv[optind + 1]);
	if (fd_a < 0 || fd_b < 0)
		goto out;
	for (i = 0; i < 2; i++) {
		dirs[i].in_if = argv[optind + i];
		snprintf(dirs[i].name, sizeof(dirs[i].name), "%s->%s",
			argv[optind + i], argv[optind + 1 - i]);
		dirs[i].in_fd = i == 0 ? fd_a : fd_b;
		dirs[i].out_fd = i == 0 ? fd_b : fd_a;
		/* Two streams from one seed, apart for each direction. */
		dirs[i].rng = seed * 2 + (unsigned int)i;
		(void)rng_next(&dirs[i].rng);
		if (dir_alloc(&dirs[i], (unsigned int)limit) < 0) {
			fprintf(stderr, "impair: out of memory for %lu frames\n", limit);
			goto out;
		}
		print_model(&dirs[i]);
	}
	printf("impair: ready %s <-> %s seed %llu\n", argv[optind], argv[optind + 1], seed);
	fflush(stdout);

	relay_loop(dirs, &waitmask);
	for (i = 0; i < 2; i++)
		dir_summary(&dirs[i]);
	fflush(stdout);
	rc = stop ? 0 : 1;
out:
	for (i = 0; i < 2; i++)
		dir_free(&dirs[i]);
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	return rc;
}
