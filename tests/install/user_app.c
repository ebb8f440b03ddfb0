/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A user's program built outside the tree with
 *   cc user_app.c $(pkg-config --cflags --libs libberth)
 * It brings up a stack on the in-memory wire with two instances and checks
 * that a UDP datagram goes from one to the other, so the installed headers,
 * library and pkg-config file are enough to build and run a server.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <berth/berth.h>

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
		       "--log-level=*:warning", prefix, NULL};
	struct rte_ether_addr mac[2] = {{{2, 0, 0, 0, 0, 1}}, {{2, 0, 0, 0, 0, 2}}};
	struct berth_stack *st[2];
	struct berth_dev *dev[2];
	struct berth_wire *w;
	struct sockaddr_in a = {.sin_family = AF_INET};
	uint64_t now = BERTH_NS_PER_SEC;
	char buf[64];
	int sd[2], i, got = -1;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=berth-user-%d", (int)getpid());
	if (berth_init(9, eal) < 0)
		return 1;
	for (i = 0; i < 2; i++) {
		st[i] = berth_stack_create(NULL);
		if (st[i] == NULL)
			return 1;
	}
	w = berth_wire_create(NULL, berth_stack_pool(st[0]));
	for (i = 0; i < 2; i++) {
		struct berth_if_conf ic = {.prefix_len = 24};

		dev[i] = berth_wire_attach(w, &mac[i], 1500);
		ic.dev = dev[i];
		ic.addr = htonl(0xc6120001 + (uint32_t)i); /* 198.18.0.1, .2 */
		if (w == NULL || dev[i] == NULL || berth_stack_add_if(st[i], &ic, now) < 0)
			return 1;
		sd[i] = berth_sock_open(st[i], BERTH_SOCK_DGRAM);
	}
	a.sin_port = htons(9000);
	if (berth_sock_bind(st[1], sd[1], &a) < 0)
		return 1;
	a.sin_addr.s_addr = htonl(0xc6120002);
	if (berth_sock_sendto(st[0], sd[0], "hello", 5, &a) != 5)
		return 1;
	for (i = 0; i < 100 && got < 0; i++) {
		now += BERTH_NS_PER_MS;
		berth_stack_poll(st[0], now);
		berth_stack_poll(st[1], now);
		got = (int)berth_sock_recv(st[1], sd[1], buf, sizeof(buf));
	}
	printf("user app received %d bytes: %.*s\n", got, got > 0 ? got : 0, buf);
	for (i = 0; i < 2; i++) {
		berth_sock_close(st[i], sd[i]);
		berth_stack_destroy(st[i]);
		berth_dev_free(dev[i]);
	}
	berth_wire_destroy(w);
	berth_fini();
	return got == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : 1;
}
