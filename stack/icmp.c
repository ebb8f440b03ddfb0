#include "core.h"
void icmp_input(struct berth_stack *st, struct rte_mbuf *m, const struct berth_ip_info *ip, uint64_t now) { (void)ip; (void)now; DROP(st, ICMP_TYPE, m); }
void icmp_send_unreach(struct berth_stack *st, const struct rte_mbuf *m, const struct berth_ip_info *ip, uint8_t code, uint64_t now) { (void)st; (void)m; (void)ip; (void)code; (void)now; }
