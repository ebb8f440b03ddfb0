/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore counters of a berth stack. Every drop has a named reason.
 *
 * The lists are X-macros: X(id, "name", "description"). The name is what
 * berth_stack_counter() and the dumps use; drop names get a "drop_" prefix.
 * Add a counter by adding a line to the section of its layer.
 */
#ifndef BERTH_COUNTERS_H
#define BERTH_COUNTERS_H

#ifdef __cplusplus
extern "C" {
#endif

/** Event counters: things that happened and are not drops. */
#define BERTH_STATS(X) \
	/* devices */ \
	X(RX_PKTS,        "rx_pkts",        "frames received from devices") \
	X(TX_PKTS,        "tx_pkts",        "frames handed to devices") \
	/* ARP */ \
	X(ARP_RX,         "arp_rx",         "ARP packets received") \
	X(ARP_REQ_TX,     "arp_req_tx",     "ARP requests sent") \
	X(ARP_REPLY_TX,   "arp_reply_tx",   "ARP replies sent") \
	X(ARP_GRAT_TX,    "arp_gratuitous_tx", "gratuitous ARPs sent") \
	X(ARP_RESOLVED,   "arp_resolved",   "ARP entries resolved") \
	X(ARP_EXPIRED,    "arp_expired",    "ARP entries expired") \
	X(ARP_QUEUED,     "arp_queued",     "packets queued awaiting ARP") \
	X(ARP_EVICTED,    "arp_evicted",    "stale ARP entries reclaimed for a new address") \
	/* IPv4 */ \
	X(IP_RX,          "ip_rx",          "IPv4 packets received") \
	X(IP_TX,          "ip_tx",          "IPv4 packets sent") \
	X(IP_FRAG_RX,     "ip_frag_rx",     "IPv4 fragments received") \
	X(IP_REASM_OK,    "ip_reasm_ok",    "datagrams reassembled") \
	X(IP_FRAG_TX,     "ip_frag_tx",     "IPv4 fragments sent") \
	X(IP_OPTS_RX,     "ip_opts_rx",     "IPv4 packets with options (ignored)") \
	/* ICMP */ \
	X(ICMP_RX,        "icmp_rx",        "ICMP messages received") \
	X(ICMP_ECHO_RX,   "icmp_echo_rx",   "echo requests received") \
	X(ICMP_ECHO_TX,   "icmp_echo_reply_tx", "echo replies sent") \
	X(ICMP_UNREACH_TX, "icmp_unreach_tx", "destination unreachable sent") \
	X(ICMP_UNREACH_RX, "icmp_unreach_rx", "destination unreachable received") \
	X(ICMP_TIMXCEED_TX, "icmp_time_exceeded_tx", "time exceeded (reassembly) sent") \
	X(ICMP_ERROR_RX,  "icmp_error_rx",  "time exceeded / parameter problem received") \
	/* UDP */ \
	X(UDP_RX,         "udp_rx",         "UDP datagrams delivered to sockets") \
	X(UDP_TX,         "udp_tx",         "UDP datagrams sent") \
	X(UDP_EPHEMERAL,  "udp_ephemeral",  "UDP ephemeral ports allocated") \
	/* TCP input (tcp_input.c) */ \
	X(TCP_RX,         "tcp_rx",         "TCP segments received") \
	X(TCP_PASSIVE_OPEN, "tcp_passive_opens", "connections opened by a SYN to a listener") \
	X(TCP_CHALLENGE_ACK, "tcp_challenge_ack", "challenge ACKs sent (RFC 5961)") \
	X(TCP_RST_RX,     "tcp_rst_rx",     "connections reset by the peer") \
	X(TCP_TW_REOPEN,  "tcp_tw_reopen",  "TIME-WAIT connections reopened by a new SYN") \
	X(TCP_TW_REOPEN_TS, "tcp_tw_reopen_ts", "of those, reopened by a newer timestamp (RFC 6191)") \
	X(TCP_CHACK_LIMITED, "tcp_challenge_ack_limited", "challenge ACKs held back (RFC 5961)") \
	X(TCP_OOW_ACK_LIMITED, "tcp_oow_ack_limited", "ACKs to out-of-window bare ACKs held back") \
	/* TCP output and timers (tcp_output.c, tcp_timer.c, tcp_sock.c) */ \
	X(TCP_TX,         "tcp_tx",         "TCP segments sent") \
	X(TCP_ACTIVE_OPEN, "tcp_active_opens", "connections opened by connect") \
	X(TCP_ESTAB,      "tcp_established", "connections that reached ESTABLISHED") \
	X(TCP_RST_TX,     "tcp_rst_tx",     "RSTs sent") \
	X(TCP_REXMIT,     "tcp_rexmit",     "segments retransmitted") \
	X(TCP_RTO,        "tcp_rto",        "retransmission timeouts") \
	X(TCP_DUPACKS,    "tcp_dupacks",    "duplicate ACKs received (RFC 5681)") \
	X(TCP_FAST_REXMIT, "tcp_fast_rexmit", "fast retransmits after 3 duplicate ACKs") \
	X(TCP_RECOVERY_PARTIAL, "tcp_recovery_partial", "partial ACKs in fast recovery (RFC 6582)") \
	X(TCP_TIMEDOUT,   "tcp_timedout",   "connections given up after retries (ETIMEDOUT)") \
	X(TCP_DELACK,     "tcp_delayed_acks", "ACKs sent by the delayed-ACK timer") \
	X(TCP_PERSIST_PROBES, "tcp_persist_probes", "zero-window probes sent") \
	X(TCP_KEEPALIVE_PROBES, "tcp_keepalive_probes", "keepalive probes sent") \
	X(TCP_KEEPALIVE_DROPS, "tcp_keepalive_drops", "connections ended by unanswered keepalives") \
	/* SACK (tcp_sack.c: RFC 2018, RFC 2883, RFC 6675) */ \
	X(TCP_SACK_RECOVERY, "tcp_sack_recovery", "loss recoveries by SACK (RFC 6675)") \
	X(TCP_SACK_REXMIT, "tcp_sack_rexmit", "segments retransmitted in SACK recovery (NextSeg)") \
	X(TCP_SACK_TX,    "tcp_sack_tx",    "segments sent with SACK blocks") \
	X(TCP_DSACK_TX,   "tcp_dsack_tx",   "D-SACK blocks sent (RFC 2883)") \
	X(TCP_SACK_RX,    "tcp_sack_blocks_rx", "SACK blocks received") \
	X(TCP_DSACK_RX,   "tcp_dsack_rx",   "D-SACK blocks received (RFC 2883)") \
	X(TCP_SACK_BAD,   "tcp_sack_bad",   "SACK blocks ignored: outside SND.UNA..SND.MAX, empty or wrapped") \
	X(TCP_SACK_FORGOTTEN, "tcp_sack_forgotten", "SACKed ranges forgotten: scoreboard full") \
	/* TCP tables (tcp_table.c, tcp_portsel.c) */ \
	X(TCP_TW_ENTER,   "tcp_time_wait",  "connections that entered TIME-WAIT") \
	X(TCP_TW_EXPIRE,  "tcp_tw_expired", "TIME-WAIT entries expired after 2*MSL") \
	X(TCP_PORT_ALLOC, "tcp_port_alloc", "ephemeral ports allocated") \
	X(TCP_PORT_PROBES, "tcp_port_probes", "ports probed to allocate them (sum)")

/** Drop reasons: every packet the stack discards is counted under one. */
#define BERTH_DROPS(X) \
	/* devices and Ethernet */ \
	X(TX_FULL,        "tx_full",        "device transmit buffer full") \
	X(NO_MBUF,        "no_mbuf",        "packet buffer allocation failed") \
	X(ETH_SHORT,      "eth_short",      "frame shorter than an Ethernet header") \
	X(ETH_NOT_US,     "eth_not_us",     "destination MAC neither ours nor broadcast") \
	X(ETH_SRC_MCAST,  "eth_src_mcast",  "source MAC is multicast") \
	X(ETH_TYPE,       "eth_type",       "EtherType not handled") \
	/* ARP */ \
	X(ARP_SHORT,      "arp_short",      "ARP packet too short") \
	X(ARP_FORMAT,     "arp_format",     "ARP hardware/protocol type or length unsupported") \
	X(ARP_OP,         "arp_op",         "ARP opcode unknown") \
	X(ARP_SRC,        "arp_src",        "ARP sender address invalid") \
	X(ARP_NOT_US,     "arp_not_us",     "ARP request for another host") \
	X(ARP_QUEUE_FULL, "arp_queue_full", "packet dropped: ARP queue of entry full") \
	X(ARP_TABLE_FULL, "arp_table_full", "packet dropped: no free ARP entry") \
	X(ARP_UNRESOLVED, "arp_unresolved", "queued packet dropped: ARP gave up") \
	X(ARP_INCOMPLETE_FULL, "arp_incomplete_full", "packet dropped: too many addresses awaiting ARP") \
	X(ARP_CONFLICT,   "arp_conflict",   "ARP sender claims one of our addresses (RFC 5227)") \
	/* IPv4 */ \
	X(IP_SHORT,       "ip_short",       "shorter than an IPv4 header") \
	X(IP_VERSION,     "ip_version",     "IP version is not 4") \
	X(IP_IHL,         "ip_ihl",         "IHL below 5 or beyond the packet") \
	X(IP_TOTAL_LEN,   "ip_total_len",   "total length below IHL or beyond the frame") \
	X(IP_CKSUM,       "ip_cksum",       "IPv4 header checksum wrong") \
	X(IP_TTL,         "ip_ttl",         "TTL is zero") \
	X(IP_SRC,         "ip_src",         "source is broadcast, multicast, loopback or ours") \
	X(IP_NOT_US,      "ip_not_us",      "destination is not one of our addresses") \
	X(IP_FRAG,        "ip_frag",        "fragment rejected by reassembly") \
	X(IP_FRAG_TIMEOUT, "ip_frag_timeout", "fragments of an incomplete datagram expired") \
	X(IP_FRAG_DUP,    "ip_frag_dup",    "duplicate fragment dropped, datagram kept") \
	X(IP_PROTO,       "ip_proto",       "transport protocol not supported") \
	X(IP_NO_ROUTE,    "ip_no_route",    "no route to destination") \
	X(IP_FRAG_DF,     "ip_frag_df",     "too big for the MTU with DF set") \
	X(IP_REASM_FULL,  "ip_reasm_full",  "fragment of a new datagram: reassembly table full") \
	X(IP_OUT_LEN,     "ip_out_len",     "cannot send: over 65535 bytes, or an MTU below 68") \
	/* ICMP */ \
	X(ICMP_SHORT,     "icmp_short",     "ICMP message too short") \
	X(ICMP_CKSUM,     "icmp_cksum",     "ICMP checksum wrong") \
	X(ICMP_TYPE,      "icmp_type",      "ICMP type not handled") \
	X(ICMP_BCAST,     "icmp_bcast",     "echo request to a broadcast address") \
	X(ICMP_RATELIMIT, "icmp_ratelimit", "ICMP error suppressed by the rate limit") \
	X(ICMP_QUOTE,     "icmp_quote",     "ICMP error quoting a truncated or invalid header") \
	/* UDP */ \
	X(UDP_SHORT,      "udp_short",      "shorter than a UDP header") \
	X(UDP_LEN,        "udp_len",        "UDP length field inconsistent with IP") \
	X(UDP_CKSUM,      "udp_cksum",      "UDP checksum wrong") \
	X(UDP_NO_PORT,    "udp_no_port",    "no socket bound to the port") \
	X(UDP_RCVBUF,     "udp_rcvbuf",     "socket receive buffer full") \
	/* TCP input */ \
	X(TCP_SHORT,      "tcp_short",      "shorter than a TCP header") \
	X(TCP_OFF,        "tcp_off",        "data offset below 5 or beyond the segment") \
	X(TCP_CKSUM,      "tcp_cksum",      "TCP checksum wrong") \
	X(TCP_BAD_OPTS,   "tcp_bad_opts",   "malformed TCP options") \
	X(TCP_BCAST,      "tcp_bcast",      "TCP to a broadcast address") \
	X(TCP_NO_CONN,    "tcp_no_conn",    "no connection or listener (answered with RST)") \
	X(TCP_SEQ,        "tcp_seq",        "segment not acceptable (outside the window)") \
	X(TCP_RST_BAD,    "tcp_rst_bad",    "RST ignored (outside the window or in TIME-WAIT)") \
	X(TCP_ACK_BAD,    "tcp_ack_bad",    "unacceptable ACK (RFC 5961 §5 or state rules)") \
	X(TCP_NO_ACK,     "tcp_no_ack",     "segment without ACK in a synchronized state") \
	X(TCP_SYN_BACKLOG, "tcp_syn_backlog", "SYN dropped: listener's SYN-RECEIVED set full") \
	X(TCP_ACCEPT_FULL, "tcp_accept_full", "connection dropped: accept queue full") \
	X(TCP_OOO_FULL,   "tcp_ooo_full",   "out-of-order segment dropped: queue full") \
	X(TCP_OOO_DUP,    "tcp_ooo_dup",    "data already held or delivered (tcp_output.c)") \
	X(TCP_NO_MEM,     "tcp_no_mem",     "out-of-order data or SACK state: no memory for them") \
	X(TCP_TW,         "tcp_tw",         "segment to a TIME-WAIT connection dropped") \
	X(TCP_TW_SYN,     "tcp_tw_syn",     "SYN not newer than a TIME-WAIT connection (RFC 6191): ACKed, kept") \
	X(TCP_CONN_FULL,  "tcp_conn_full",  "SYN dropped: connection table full") \
	X(TCP_RD_SHUT,    "tcp_rd_shut",    "data discarded: reading was shut down") \
	X(TCP_HDR_SPLIT,  "tcp_hdr_split",  "TCP header split, cannot be joined") \
	X(TCP_LISTEN,     "tcp_listen",     "segment to a listener, not a SYN") \
	X(TCP_SYN_SENT,   "tcp_syn_sent",   "segment in SYN-SENT without SYN or RST") \
	X(TCP_SYN_SYNC,   "tcp_syn_sync",   "SYN in a synchronized state (RFC 5961)") \
	X(TCP_NO_ROUTE,   "tcp_no_route",   "SYN dropped: no route back to the peer") \
	X(TCP_PAWS,       "tcp_paws",       "old duplicate rejected by its timestamp (RFC 7323 PAWS)")

/** Counter ids: statistics first, then drops. */
enum berth_counter {
#define BERTH_X_ENUM(id, name, desc) BERTH_STAT_##id,
	BERTH_STATS(BERTH_X_ENUM)
#undef BERTH_X_ENUM
#define BERTH_X_ENUM(id, name, desc) BERTH_DROP_##id,
	BERTH_DROPS(BERTH_X_ENUM)
#undef BERTH_X_ENUM
	BERTH_COUNTER_MAX /**< number of counters */
};

/**
 * Name of a counter as printed and as accepted by berth_stack_counter().
 *
 * @param id
 *   Counter id.
 * @return
 *   Static string, or NULL for an id out of range.
 */
const char *berth_counter_name(enum berth_counter id);

/**
 * One-line description of a counter.
 *
 * @param id
 *   Counter id.
 * @return
 *   Static string, or NULL for an id out of range.
 */
const char *berth_counter_desc(enum berth_counter id);

#ifdef __cplusplus
}
#endif

#endif /* BERTH_COUNTERS_H */
