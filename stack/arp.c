#include "core.h"
int arp_init(struct berth_stack *st) { (void)st; return 0; }
void arp_fini(struct berth_stack *st) { (void)st; }
void arp_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m, uint64_t now) { (void)ifp; (void)now; DROP(st, ARP_OP, m); }
void arp_output(struct berth_stack *st, struct berth_if *ifp, uint32_t nh, struct rte_mbuf *m, uint64_t now) { static const struct rte_ether_addr b = {{0xff,0xff,0xff,0xff,0xff,0xff}}; (void)nh; eth_output(st, ifp, m, &b, RTE_ETHER_TYPE_IPV4, now); }
void arp_announce(struct berth_stack *st, struct berth_if *ifp, uint64_t now) { (void)st; (void)ifp; (void)now; }
int berth_arp_add_static(struct berth_stack *st, uint32_t a, const struct rte_ether_addr *m) { (void)st; (void)a; (void)m; return 0; }
int berth_arp_delete(struct berth_stack *st, uint32_t a) { (void)st; (void)a; return 0; }
