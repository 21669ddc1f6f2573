/*
 * Packet parsing for the dataplane programs: Ethernet (up to two VLAN tags), IPv4 (with
 * options), IPv6 (up to PL_IPV6_EXT_MAX extension headers), then the first bytes of the
 * transport header. Every read goes through one cursor (pos, end) that checks against
 * data_end before it hands out a pointer; nothing reads past it. pl_parse() starts at an
 * Ethernet header; pl_parse_l3() at the IP header, for devices without a link-layer header
 * (ipip, gre, sit, tun, wireguard), given the packet's ethertype (skb->protocol).
 *
 * Both return:
 *   PL_PARSE_IP      p is filled in (p->l4 says whether ports / the SPI are valid)
 *   PL_PARSE_NOT_IP  not IPv4 or IPv6 (ARP, LLDP, ...)
 *   PL_PARSE_BAD     an IP packet whose IP header is truncated or malformed
 * What each program does with each result is in docs/dataplane.md ("Verdicts").
 */
#ifndef PL_PARSE_H
#define PL_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "pluto/dataplane.h"

#define PL_IPV6_EXT_MAX 6
#define PL_VLAN_MAX 2
#define PL_ETH_P_8021Q 0x8100
#define PL_ETH_P_8021AD 0x88a8
#define PL_IKE_PORT 500
#define PL_NATT_PORT 4500

enum pl_parse_rc {
	PL_PARSE_IP,
	PL_PARSE_NOT_IP,
	PL_PARSE_BAD,
};

struct pl_pkt {
	__u8 family;   /* PL_AF_INET, PL_AF_INET6 */
	__u8 proto;    /* transport protocol (the one after the extension headers) */
	__u8 l4;       /* 1: sport/dport (or spi) were read from the transport header */
	__u8 nonfirst; /* 1: a fragment other than the first (no transport header) */
	__u16 sport;   /* host order; ICMP: type */
	__u16 dport;   /* host order; ICMP: code */
	__u32 spi;     /* ESP: network order */
	__u32 ip_len;  /* the IP datagram's length from its header */
	__u16 l3off;   /* where the IP header starts in the packet */
	__u16 l4off;   /* where the transport header starts, from the IP header */
	__u8 src[16];
	__u8 dst[16];
};

struct pl_cursor {
	void *pos;
	void *end;
};

/* The next len bytes, or NULL (and the cursor unchanged) if the packet is shorter. */
static __always_inline void *pl_pull(struct pl_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* Ethernet and VLAN tags: the ethertype of what follows (network order), or 0. */
static __always_inline __u16 pl_parse_eth(struct pl_cursor *c)
{
	struct ethhdr *eth = pl_pull(c, sizeof(*eth));
	__u16 proto;

	if (!eth)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < PL_VLAN_MAX; i++) {
		__be16 *tag;

		if (proto != bpf_htons(PL_ETH_P_8021Q) && proto != bpf_htons(PL_ETH_P_8021AD))
			break;
		tag = pl_pull(c, 4); /* TCI, then the encapsulated ethertype */
		if (!tag)
			return 0;
		proto = tag[1];
	}
	return proto;
}

/* The first 4 bytes of the transport header: ports, ICMP type/code, or the ESP SPI. */
static __always_inline void pl_parse_l4(struct pl_cursor *c, struct pl_pkt *p)
{
	__u8 *h;

	if (p->nonfirst)
		return;
	/* ESP: SPI and sequence number, or it is not a valid ESP packet */
	h = pl_pull(c, p->proto == IPPROTO_ESP ? 8 : 4);
	if (!h)
		return;
	switch (p->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
		p->sport = ((__u16)h[0] << 8) | h[1];
		p->dport = ((__u16)h[2] << 8) | h[3];
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		p->sport = h[0];
		p->dport = h[1];
		break;
	case IPPROTO_ESP:
		__builtin_memcpy(&p->spi, h, 4);
		break;
	default:
		break;
	}
	p->l4 = 1;
}

static __always_inline int pl_parse_ipv4(struct pl_cursor *c, struct pl_pkt *p)
{
	struct iphdr *ip = pl_pull(c, sizeof(*ip));
	__u32 hl;

	if (!ip || ip->version != 4 || ip->ihl < 5)
		return PL_PARSE_BAD;
	hl = ip->ihl * 4;
	if (hl > sizeof(*ip) && !pl_pull(c, hl - sizeof(*ip)))
		return PL_PARSE_BAD;
	p->family = PL_AF_INET;
	p->proto = ip->protocol;
	p->ip_len = bpf_ntohs(ip->tot_len);
	p->nonfirst = (ip->frag_off & bpf_htons(0x1fff)) != 0;
	__builtin_memcpy(p->src, &ip->saddr, 4);
	__builtin_memcpy(p->dst, &ip->daddr, 4);
	return PL_PARSE_IP;
}

/* One IPv6 extension header: 1 if it was one (and skipped), 0 if nh is the transport. */
static __always_inline int pl_ipv6_ext(struct pl_cursor *c, struct pl_pkt *p, __u8 *nh)
{
	__u8 *h;
	__u32 len;

	switch (*nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_FRAGMENT:
	case IPPROTO_AH:
		break;
	default:
		return 0;
	}
	h = pl_pull(c, 8); /* every one of them is at least 8 bytes */
	if (!h)
		return -1;
	if (*nh == IPPROTO_FRAGMENT) {
		/* offset: the top 13 bits of bytes 2..3 */
		p->nonfirst = (h[2] != 0 || (h[3] & 0xf8) != 0);
		len = 8;
	} else if (*nh == IPPROTO_AH) {
		len = ((__u32)h[1] + 2) * 4;
	} else {
		len = ((__u32)h[1] + 1) * 8;
	}
	*nh = h[0];
	if (len > 8 && !pl_pull(c, len - 8))
		return -1;
	return 1;
}

static __always_inline int pl_parse_ipv6(struct pl_cursor *c, struct pl_pkt *p)
{
	struct ipv6hdr *ip6 = pl_pull(c, sizeof(*ip6));
	__u8 nh;

	if (!ip6 || ip6->version != 6)
		return PL_PARSE_BAD;
	p->family = PL_AF_INET6;
	p->ip_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
	nh = ip6->nexthdr;
#pragma unroll
	for (int i = 0; i < PL_IPV6_EXT_MAX; i++) {
		int r = pl_ipv6_ext(c, p, &nh);

		if (r < 0)
			return PL_PARSE_BAD;
		if (r == 0)
			break;
	}
	/* still an extension header after PL_IPV6_EXT_MAX: no transport information */
	p->proto = nh;
	if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	    nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH)
		p->nonfirst = 1;
	return PL_PARSE_IP;
}

/* The IP header at c and what follows; proto is the ethertype (network order). */
static __always_inline int pl_parse_ip(struct pl_cursor *c, void *data, __u16 proto,
				       struct pl_pkt *p)
{
	int r;

	p->l3off = c->pos - data;
	if (proto == bpf_htons(ETH_P_IP))
		r = pl_parse_ipv4(c, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = pl_parse_ipv6(c, p);
	else
		return PL_PARSE_NOT_IP;
	if (r == PL_PARSE_IP) {
		p->l4off = c->pos - data - p->l3off;
		pl_parse_l4(c, p);
	}
	return r;
}

static __always_inline int pl_parse(void *data, void *data_end, struct pl_pkt *p)
{
	struct pl_cursor c = {.pos = data, .end = data_end};
	__u16 proto;

	__builtin_memset(p, 0, sizeof(*p));
	proto = pl_parse_eth(&c);
	return pl_parse_ip(&c, data, proto, p);
}

/* A packet that starts at its IP header; proto: skb->protocol. */
static __always_inline int pl_parse_l3(void *data, void *data_end, __u16 proto, struct pl_pkt *p)
{
	struct pl_cursor c = {.pos = data, .end = data_end};

	__builtin_memset(p, 0, sizeof(*p));
	return pl_parse_ip(&c, data, proto, p);
}

/* IKE (and NAT-T) in either direction: never dropped, never trapped. */
static __always_inline int pl_is_ike(const struct pl_pkt *p, __u16 ike_port)
{
	if (p->proto != IPPROTO_UDP || !p->l4)
		return 0;
	return p->sport == PL_IKE_PORT || p->dport == PL_IKE_PORT || p->sport == ike_port ||
	       p->dport == ike_port || p->sport == PL_NATT_PORT || p->dport == PL_NATT_PORT;
}

/* IPv6 neighbour discovery (133..137): host-to-host eroutes must not stop it. */
static __always_inline int pl_is_nd(const struct pl_pkt *p)
{
	return p->proto == IPPROTO_ICMPV6 && p->l4 && p->sport >= 133 && p->sport <= 137;
}

#endif
