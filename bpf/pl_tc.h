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
 */
static __always_inline int pl_tc_parse(struct __sk_buff *skb, struct pl_pkt *p)
{
	__u32 linear = skb->data_end - skb->data;

	if (linear < PL_HDR_MAX && skb->len > linear)
		bpf_skb_pull_data(skb, skb->len < PL_HDR_MAX ? skb->len : PL_HDR_MAX);
	return pl_parse((void *)(long)skb->data, (void *)(long)skb->data_end, p);
}

#endif
