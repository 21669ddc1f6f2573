// SPDX-License-Identifier: GPL-2.0
/*
 * TC ingress on pluto's public interfaces: the arrival check. A packet from a peer's client
 * to one of ours (an eroute read backwards) whose eroute is TRAP or IPSEC must arrive
 * protected. XFRM decapsulates ESP and the inner packet passes this hook a second time with
 * a secpath, which bpf_skb_get_xfrm_state() reads (DESIGN); cleartext has none.
 *
 *   ESP, IKE, ICMPv6 neighbour discovery  pass
 *   no eroute, or a shunt eroute          pass
 *   TRAP/IPSEC eroute, no secpath          drop (PL_CNT_IN_CLEAR_DROP)
 *   IPSEC eroute, secpath from another peer than the eroute's SA   drop (PL_CNT_IN_WRONG_SA)
 *   TRAP/IPSEC eroute, secpath (from the peer)                      pass (PL_CNT_IN_DECAP)
 *   --disablearrivalcheck (PL_ER_F_NO_ARRIVAL_CHECK)               pass
 *   not IP, parse failures, pluto's lease expired                   pass
 *
 * Two programs: pl_tc_ingress for Ethernet devices, pl_tc_in_l3 for devices whose packets
 * start at the IP header. XDP is not attached to those (generic XDP would hand the Ethernet
 * parser an IP header), so pl_tc_in_l3 counts inbound ESP against pluto's SAs itself.
 */
#include "pl_eroute.h"
#include "pl_tc.h"

const volatile __u16 ike_port = PL_IKE_PORT;

#define PL_KERNEL_AF_INET 2 /* AF_INET, as bpf_xfrm_state.family has it */

/* Did the SA that decapsulated the packet come from the eroute's peer (outer address)? */
static __always_inline int pl_from_peer(const struct bpf_xfrm_state *x, const struct pl_eroute *er)
{
	__u32 peer[4];

	__builtin_memcpy(peer, er->peer, sizeof(peer));
	if (x->family == PL_KERNEL_AF_INET)
		return x->remote_ipv4 == peer[0];
	return x->remote_ipv6[0] == peer[0] && x->remote_ipv6[1] == peer[1] &&
	       x->remote_ipv6[2] == peer[2] && x->remote_ipv6[3] == peer[3];
}

static __always_inline int pl_arrival(struct __sk_buff *skb, const struct pl_pkt *p,
				      const struct pl_eroute *er, __u32 id)
{
	struct pl_er_stats *st = pl_er_stats_of(id);
	struct bpf_xfrm_state x = {};
	__u32 why = 0;

	if (bpf_skb_get_xfrm_state(skb, 0, &x, sizeof(x), 0) != 0)
		why = PL_CNT_IN_CLEAR_DROP;
	else if (er->action == PL_ACT_IPSEC && !pl_from_peer(&x, er))
		why = PL_CNT_IN_WRONG_SA;
	if (why) {
		pl_count(why);
		if (st)
			st->in_dropped += 1;
		return TC_ACT_SHOT;
	}
	pl_count(PL_CNT_IN_DECAP);
	if (st) {
		st->in_packets += 1;
		st->in_bytes += p->ip_len;
		st->last_ns = bpf_ktime_get_ns();
	}
	return TC_ACT_OK;
}

static __always_inline int pl_ingress(struct __sk_buff *skb, int l3)
{
	struct pl_eroute *er;
	struct pl_pkt p;
	__u32 id = 0;
	int r;

	pl_count(PL_CNT_IN_PACKETS);
	if (!pl_lease_ok())
		return TC_ACT_OK;
	r = pl_tc_parse(skb, &p, l3);
	if (r == PL_PARSE_NOT_IP)
		return TC_ACT_OK;
	if (r == PL_PARSE_BAD) {
		pl_count(PL_CNT_IN_BAD_IP);
		return TC_ACT_OK;
	}
	if (p.proto == IPPROTO_ESP && l3 && p.l4)
		pl_sa_count(p.spi, PL_DIR_IN, p.ip_len);
	if (p.proto == IPPROTO_ESP || pl_is_ike(&p, ike_port) || pl_is_nd(&p))
		return TC_ACT_OK;
	/* backwards: our client is the destination, the peer's the source */
	er = pl_eroute_lookup(p.family, p.dst, p.src, &id);
	if (!er || (er->action != PL_ACT_TRAP && er->action != PL_ACT_IPSEC) ||
	    (er->flags & PL_ER_F_NO_ARRIVAL_CHECK))
		return TC_ACT_OK;
	return pl_arrival(skb, &p, er, id);
}

SEC("tc")
int pl_tc_ingress(struct __sk_buff *skb)
{
	return pl_ingress(skb, 0);
}

SEC("tc")
int pl_tc_in_l3(struct __sk_buff *skb)
{
	return pl_ingress(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
