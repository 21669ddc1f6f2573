// SPDX-License-Identifier: GPL-2.0
/*
 * TC egress on pluto's public interfaces. XFRM's output policy lookup happens at route
 * lookup, before this hook (DESIGN), so what reaches it is ESP where a policy matched and
 * cleartext where none did, for host and forwarded traffic alike:
 *
 *   ESP                                   pass (counted against the SA when it is pluto's)
 *   UDP to or from the IKE ports          pass, always
 *   ICMPv6 neighbour discovery            pass
 *   cleartext no eroute covers            pass
 *   cleartext under a PASS shunt          pass
 *   cleartext under a DROP shunt          drop
 *   cleartext under a REJECT shunt        becomes an ICMP error back to the sender
 *                                         (pl_reject.h; dropped when not answerable)
 *   cleartext under a TRAP eroute         drop; the first one is reported to pluto through
 *                                         pl_events, once per eroute until pluto clears
 *                                         pl_pending (or trap_hold_ns passes)
 *   cleartext under an IPSEC eroute       drop: the leak guard (no policy encrypted it)
 *   not IP, parse failures                pass
 *   pluto's lease expired                 pass
 *
 * Two programs: pl_tc_egress for Ethernet devices, pl_tc_eg_l3 for devices whose packets
 * start at the IP header (ipip, gre, sit, tun, wireguard, ...). The loader picks.
 */
#include "pl_eroute.h"
#include "pl_reject.h"
#include "pl_tc.h"

const volatile __u16 ike_port = PL_IKE_PORT;
const volatile __u64 trap_hold_ns = PL_TRAP_HOLD_NS_DEFAULT;

static __always_inline void pl_trap_event(struct __sk_buff *skb, const struct pl_pkt *p, __u32 id,
					  struct pl_er_stats *st)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *since = bpf_map_lookup_elem(&pl_pending, &id);
	struct pl_trap_event *e;

	if (since) {
		if (now - *since < trap_hold_ns)
			return;
		bpf_map_delete_elem(&pl_pending, &id); /* pluto never answered: again */
	}
	/* the one packet that wins this insert reports; all others see it pending */
	if (bpf_map_update_elem(&pl_pending, &id, &now, BPF_NOEXIST) != 0)
		return;
	e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);
	if (!e) {
		bpf_map_delete_elem(&pl_pending, &id);
		pl_count(PL_CNT_EG_TRAP_LOST);
		return;
	}
	e->ts_ns = now;
	e->eroute = id;
	e->ifindex = skb->ifindex;
	e->family = p->family;
	e->proto = p->proto;
	e->sport = p->sport;
	e->dport = p->dport;
	e->pad[0] = e->pad[1] = 0;
	__builtin_memcpy(e->src, p->src, 16);
	__builtin_memcpy(e->dst, p->dst, 16);
	bpf_ringbuf_submit(e, 0);
	pl_count(PL_CNT_EG_TRAP_EVENT);
	if (st)
		st->traps += 1;
}

static __always_inline int pl_egress_eroute(struct __sk_buff *skb, const struct pl_pkt *p,
					    const struct pl_eroute *er, __u32 id, int l3)
{
	struct pl_er_stats *st = pl_er_stats_of(id);
	int drop = 1, verdict = TC_ACT_SHOT;

	switch (er->action) {
	case PL_ACT_PASS:
		pl_count(PL_CNT_EG_PASS);
		drop = 0;
		break;
	case PL_ACT_DROP:
		pl_count(PL_CNT_EG_DROP);
		break;
	case PL_ACT_REJECT:
		pl_count(PL_CNT_EG_DROP);
		verdict = pl_reject(skb, p, l3);
		break;
	case PL_ACT_TRAP:
		pl_count(PL_CNT_EG_TRAP);
		pl_trap_event(skb, p, id, st);
		break;
	case PL_ACT_IPSEC:
		pl_count(PL_CNT_EG_LEAK);
		break;
	default: /* a slot being freed */
		pl_count(PL_CNT_EG_NO_EROUTE);
		return TC_ACT_OK;
	}
	if (st) {
		st->out_packets += 1;
		st->out_bytes += p->ip_len;
		st->out_dropped += drop;
		st->last_ns = bpf_ktime_get_ns();
	}
	return drop ? verdict : TC_ACT_OK;
}

static __always_inline int pl_egress(struct __sk_buff *skb, int l3)
{
	struct pl_eroute *er;
	struct pl_pkt p;
	__u32 id = 0;
	int r;

	pl_count(PL_CNT_EG_PACKETS);
	if (!pl_lease_ok())
		return TC_ACT_OK;
	r = pl_tc_parse(skb, &p, l3);
	if (r == PL_PARSE_NOT_IP)
		return TC_ACT_OK;
	if (r == PL_PARSE_BAD) {
		pl_count(PL_CNT_EG_BAD_IP);
		return TC_ACT_OK;
	}
	if (p.proto == IPPROTO_ESP) {
		pl_count(PL_CNT_EG_ESP);
		if (p.l4)
			pl_sa_count(p.spi, PL_DIR_OUT, p.ip_len);
		return TC_ACT_OK;
	}
	if (pl_is_ike(&p, ike_port)) {
		pl_count(PL_CNT_EG_IKE);
		return TC_ACT_OK;
	}
	if (pl_is_nd(&p))
		return TC_ACT_OK;
	er = pl_eroute_lookup(p.family, p.src, p.dst, &id);
	if (!er) {
		pl_count(PL_CNT_EG_NO_EROUTE);
		return TC_ACT_OK;
	}
	return pl_egress_eroute(skb, &p, er, id, l3);
}

SEC("tc")
int pl_tc_egress(struct __sk_buff *skb)
{
	return pl_egress(skb, 0);
}

SEC("tc")
int pl_tc_eg_l3(struct __sk_buff *skb)
{
	return pl_egress(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
