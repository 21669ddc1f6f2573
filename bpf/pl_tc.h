/* What both TC programs need: verdicts and making the headers readable. */
#ifndef PL_TC_H
#define PL_TC_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "pl_parse.h"

/* Ethernet + 2 VLAN tags + IPv6 + 6 extension headers of 8 bytes + 8: enough to classify. */
#define PL_HDR_MAX (14 + 8 + 40 + 48 + 8)

/*
 * Parse the headers of an skb. Headers outside the linear area (rare: some drivers and
 * tunnels) are pulled in first; if that fails the parse sees a short packet: PL_PARSE_BAD.
 * l3 (a constant: each program comes in two flavours): the device has no link-layer header,
 * the packet starts at the IP header and skb->protocol says which (docs/dataplane.md).
 */
static __always_inline int pl_tc_parse(struct __sk_buff *skb, struct pl_pkt *p, int l3)
{
	__u32 linear = skb->data_end - skb->data;
	void *data, *end;

	if (linear < PL_HDR_MAX && skb->len > linear)
		bpf_skb_pull_data(skb, skb->len < PL_HDR_MAX ? skb->len : PL_HDR_MAX);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (l3)
		return pl_parse_l3(data, end, (__u16)skb->protocol, p);
	return pl_parse(data, end, p);
}

#endif
