#include <errno.h>
#include "core.h"
int udp_init(struct berth_stack *st) { (void)st; return 0; }
void udp_fini(struct berth_stack *st) { (void)st; }
void udp_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip, uint64_t now) { (void)ip; (void)now; DROP(st, UDP_NO_PORT, m); }
void udp_icmp_error(struct berth_stack *st, const struct rte_ipv4_hdr *q, uint16_t l, int e) { (void)st; (void)q; (void)l; (void)e; }
int udp_sock_open(struct berth_stack *st) { (void)st; return -ENOSYS; }
