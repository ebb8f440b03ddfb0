#include "core.h"
int ipv4_output(struct berth_stack *st, struct rte_mbuf *m, const struct berth_nexthop *nh, const struct berth_ip_out *out, uint64_t now) { (void)out; (void)nh; (void)now; DROP(st, IP_NO_ROUTE, m); return -1; }
