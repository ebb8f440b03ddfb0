/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 routes and our own addresses: the connected subnet of each interface
 * and an optional default gateway (RFC 1122 §3.3.1).
 *
 * Call chain: udp/icmp output -> route_lookup -> ipv4_output
 *             ipv4_input, arp_input, bind -> ipv4_local_if, ipv4_if_has_addr
 *             berth_stack_add_addr -> ipv4_if_add_addr
 *
 * A host has a handful of routes, so the table is a short array kept sorted
 * by prefix length, longest first: the first match is the longest match.
 * rte_lpm would cost a 1M-entry tbl24 per lcore for no gain here.
 *
 * An interface has one address from berth_stack_add_if, the source of
 * routed traffic, and up to BERTH_IF_MAX_ADDRS secondary ones (RFC 1122
 * §3.3.4.1: a multihomed host may have several addresses on one
 * interface). The secondaries are kept sorted: every received packet asks
 * whether its destination is ours, so that is a binary search, not a scan.
 */
#include <errno.h>
#include <string.h>

#include "core.h"

int
route_add(struct berth_stack *st, uint32_t prefix, uint8_t prefix_len, uint32_t gateway,
	  struct berth_if *ifp)
{
	uint32_t mask = prefix_len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - prefix_len));
	uint16_t i, pos;

	if (prefix_len > 32)
		return -EINVAL;
	for (i = 0; i < st->nb_routes; i++) {
		const struct berth_route *r = &st->routes[i];

		if (r->prefix_len == prefix_len && r->prefix == (prefix & mask))
			return -EEXIST;
	}
	if (st->nb_routes == BERTH_MAX_ROUTES)
		return -ENOSPC;
	for (pos = 0; pos < st->nb_routes; pos++)
		if (st->routes[pos].prefix_len < prefix_len)
			break;
	memmove(&st->routes[pos + 1], &st->routes[pos],
		(st->nb_routes - pos) * sizeof(st->routes[0]));
	st->routes[pos] = (struct berth_route){
		.prefix = prefix & mask,
		.mask = mask,
		.prefix_len = prefix_len,
		.gateway = gateway,
		.ifp = ifp,
	};
	st->nb_routes++;
	return 0;
}

int
route_lookup(const struct berth_stack *st, uint32_t dst, struct berth_nexthop *nh)
{
	uint16_t i;

	for (i = 0; i < st->nb_routes; i++) {
		const struct berth_route *r = &st->routes[i];

		if ((dst & r->mask) != r->prefix)
			continue;
		nh->ifp = r->ifp;
		nh->src = r->ifp->addr;
		nh->nexthop = r->gateway != 0 ? r->gateway : dst;
		return 0;
	}
	/*
	 * The limited broadcast goes out of the first interface, unrouted.
	 * (DPDK's RTE_IPV4_BROADCAST is 224.0.0.0, hence the literal.)
	 */
	if (dst == RTE_BE32(0xffffffff) && st->nb_ifs > 0) {
		nh->ifp = (struct berth_if *)&st->ifs[0];
		nh->src = st->ifs[0].addr;
		nh->nexthop = dst;
		return 0;
	}
	return -ENETUNREACH;
}

/* Position of addr in ifp's sorted secondary addresses, or where it would go. */
static uint16_t
addr_pos(const struct berth_if *ifp, uint32_t addr)
{
	uint16_t lo = 0, hi = ifp->nb_addrs;

	while (lo < hi) {
		uint16_t mid = (uint16_t)((lo + hi) / 2);

		if (ifp->addrs[mid] < addr)
			lo = (uint16_t)(mid + 1);
		else
			hi = mid;
	}
	return lo;
}

bool
ipv4_if_has_addr(const struct berth_if *ifp, uint32_t addr)
{
	uint16_t pos;

	if (ifp->addr == addr)
		return true;
	if (ifp->nb_addrs == 0)
		return false;
	pos = addr_pos(ifp, addr);
	return pos < ifp->nb_addrs && ifp->addrs[pos] == addr;
}

int
ipv4_if_add_addr(struct berth_if *ifp, uint32_t addr)
{
	uint16_t pos;

	if (ifp->nb_addrs == BERTH_IF_MAX_ADDRS)
		return -ENOSPC;
	pos = addr_pos(ifp, addr);
	memmove(&ifp->addrs[pos + 1], &ifp->addrs[pos],
		(ifp->nb_addrs - pos) * sizeof(ifp->addrs[0]));
	ifp->addrs[pos] = addr;
	ifp->nb_addrs++;
	return 0;
}

struct berth_if *
ipv4_local_if(const struct berth_stack *st, uint32_t addr)
{
	uint16_t i;

	for (i = 0; i < st->nb_ifs; i++)
		if (ipv4_if_has_addr(&st->ifs[i], addr))
			return (struct berth_if *)&st->ifs[i];
	return NULL;
}
