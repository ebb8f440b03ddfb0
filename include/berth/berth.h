/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * berth: a user-space TCP/UDP/IPv4 stack on DPDK. Include this header to get
 * the whole public API.
 */
#ifndef BERTH_H
#define BERTH_H

#include <berth/counters.h>
#include <berth/stack.h>
#include <berth/socket.h>
#include <berth/port.h>
#include <berth/wire.h>

#endif /* BERTH_H */
