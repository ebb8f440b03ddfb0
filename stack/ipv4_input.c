#include "core.h"
int ipv4_init(struct berth_stack *st) { (void)st; return 0; }
void ipv4_fini(struct berth_stack *st) { (void)st; }
void ipv4_input(struct berth_stack *st, struct berth_if *ifp, struct rte_mbuf *m, uint64_t now) { (void)ifp; (void)now; DROP(st, IP_PROTO, m); }
