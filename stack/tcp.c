/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-stack TCP state: creation and teardown of the tables, port selection
 * and ISN keys, and the state names used by traces and listings.
 *
 * Call chain: berth_stack_create -> tcp_init -> tcp_table_init,
 *             tcp_portsel_init, tcp_isn_init
 *             berth_stack_destroy -> (sockets closed) -> tcp_fini
 *
 * Read first: RFC 9293 §3.3.2 (states).
 */
#include <errno.h>

#include <rte_malloc.h>

#include "tcp.h"

static const char *const state_names[TCP_NSTATES] = {
	[TCP_CLOSED] = "CLOSED",
	[TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN-SENT",
	[TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCP_CLOSING] = "CLOSING",
	[TCP_LAST_ACK] = "LAST-ACK",
	[TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *
tcp_state_name(enum tcp_state s)
{
	return (unsigned int)s < TCP_NSTATES ? state_names[s] : "?";
}

int
tcp_init(struct berth_stack *st)
{
	int ret;

	st->tcp = rte_zmalloc_socket("berth_tcp", sizeof(*st->tcp), RTE_CACHE_LINE_SIZE,
				     st->socket_id);
	if (st->tcp == NULL)
		return -ENOMEM;
	TAILQ_INIT(&st->tcp->out_q);
	tcp_isn_init(st);
	ret = tcp_table_init(st);
	if (ret == 0)
		ret = tcp_portsel_init(st);
	if (ret == 0)
		ret = tcp_pool_init(st);
	return ret;
}

void
tcp_fini(struct berth_stack *st)
{
	struct tcb *tp;
	uint16_t i;

	if (st->tcp == NULL)
		return;
	/* Segments stashed by an unfinished burst. */
	for (i = 0; i < st->tcp->nb_burst; i++)
		rte_pktmbuf_free(st->tcp->burst[i].m);
	st->tcp->nb_burst = 0;
	/*
	 * Connections the application closed but that were still finishing
	 * in the background (FIN-WAIT, LAST-ACK ...): the stack is going away,
	 * so they end here without further segments.
	 */
	for (tp = tcp_pool_next(st, NULL); tp != NULL; tp = tcp_pool_next(st, tp)) {
		tp->app_closed = true;
		tcp_drop(st, tp, 0, st->now);
		/* tcp_drop frees a TCB nobody holds; make sure of it. */
		if (tp->so.ops != NULL)
			tcb_free(st, tp);
	}
	tcp_portsel_fini(st);
	tcp_table_fini(st);
	tcp_pool_fini(st);
	rte_free(st->tcp);
	st->tcp = NULL;
}
