/*
 * Eroute lookup: two LPM lookups (destination, then source under the destination's node),
 * then the eroute itself. include/pluto/dataplane.h explains why that is the most specific
 * eroute on both selectors.
 */
#ifndef PL_EROUTE_H
#define PL_EROUTE_H

#include "pl_maps.h"

static __always_inline struct pl_eroute *pl_eroute_lookup(__u8 family, const __u8 *src,
							  const __u8 *dst, __u32 *id)
{
	__u32 bits = family == PL_AF_INET ? 32 : 128;
	struct pl_dst_key dk = {};
	struct pl_src_key sk = {};
	__u32 *node, *eid;

	dk.prefixlen = 8 + bits;
	dk.family = family;
	__builtin_memcpy(dk.addr, dst, 16);
	node = bpf_map_lookup_elem(&pl_dst, &dk);
	if (!node)
		return NULL;
	sk.prefixlen = 32 + bits;
	sk.node = *node;
	__builtin_memcpy(sk.addr, src, 16);
	eid = bpf_map_lookup_elem(&pl_src, &sk);
	if (!eid)
		return NULL;
	*id = *eid;
	return bpf_map_lookup_elem(&pl_eroutes, eid);
}

static __always_inline struct pl_er_stats *pl_er_stats_of(__u32 id)
{
	return bpf_map_lookup_elem(&pl_er_stats, &id);
}

#endif
