/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcb_size: prints the size of berth's per-connection structures, so the
 * idle-connection benchmark (bench/stack/run_b.sh) can show what a TCB is
 * made of. Built with debug information: `gdb -batch -ex 'ptype /o struct
 * tcb' bench_tcb_size` then gives every field's offset and size and the
 * holes between them. Includes the stack's private header on purpose; it
 * is not an example of the public API.
 */
#include <stdio.h>

#include "tcp.h"

/* Referenced so that the debug information keeps the whole type. */
struct tcb *bench_tcb_layout;

int
main(void)
{
	printf("tcb-json: {\"tcb\": %zu, \"berth_sock\": %zu, \"berth_timer\": %zu, "
	       "\"pktq\": %zu, \"berth_nexthop\": %zu, \"tcp_flow_opts\": %zu, "
	       "\"tcp_listener\": %zu}\n", sizeof(struct tcb), sizeof(struct berth_sock),
	       sizeof(struct berth_timer), sizeof(struct pktq), sizeof(struct berth_nexthop),
	       sizeof(struct tcp_flow_opts), sizeof(struct tcp_listener));
	return bench_tcb_layout != NULL;
}
