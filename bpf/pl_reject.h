/*
 * REJECT shunts answer the sender, as KLIPS did for %reject: ICMP destination unreachable,
 * "communication administratively prohibited" (ICMP_DEST_UNREACH / ICMP_PKT_FILTERED, type 3
 * code 13; ICMPv6 type 1 code 1). The offending packet itself becomes the error, in place:
 *
 *   [link header, MACs swapped][IP: from its destination, to its source][ICMP][quote]
 *
 * and goes back in at the same device's ingress (bpf_redirect, BPF_F_INGRESS): the stack
 * delivers it to a local sender, or routes it back towards a client we forward for. The
 * error's source is the rejected destination (an address of ours would be a martian on
 * ingress). The quote is the IP header(s) and the first 8 bytes of the transport header
 * (RFC 792); for TCP the first 20, so that the TCP checksum field is kept (a packet whose
 * checksum is left to offload, CHECKSUM_PARTIAL, cannot be cut before it).
 *
 * No answer (RFC 1122 3.2.2, RFC 1812 4.3.2.7, RFC 4443 2.4): to an ICMP error (or ICMP too
 * short to tell), to a fragment other than the first, from an address that is not one host's
 * (unspecified, loopback, multicast, broadcast, class E), to multicast or broadcast; and
 * more than reject_per_sec per CPU. Those are dropped silently and counted.
 */
#ifndef PL_REJECT_H
#define PL_REJECT_H

#include "pl_maps.h"
#include "pl_tc.h"

#define PL_QUOTE_MAX 128 /* bytes of the offending datagram quoted, at most */
#define PL_ICMP4_HDRS 28 /* IPv4 header + ICMP header */
#define PL_ICMP6_HDRS 48 /* IPv6 header + ICMPv6 header */
#define PL_ICMP_UNREACH 3 /* (linux/icmp.h pulls in libc headers) */
#define PL_ICMP_PROHIBITED 13
#define PL_ICMP6_UNREACH 1
#define PL_ICMP6_PROHIBITED 1

const volatile __u32 reject_per_sec = PL_REJECT_PER_SEC_DEFAULT;

/* The rate limit: ICMP errors sent in the current one-second window, per CPU. */
struct pl_reject_rl {
	__u64 window_ns;
	__u64 sent;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_reject_rl);
} pl_reject_rl SEC(".maps");

static __always_inline int pl_reject_allowed(void)
{
	__u32 zero = 0;
	struct pl_reject_rl *rl = bpf_map_lookup_elem(&pl_reject_rl, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!rl)
		return 0;
	if (now - rl->window_ns >= 1000000000ull) {
		rl->window_ns = now;
		rl->sent = 0;
	}
	if (rl->sent >= reject_per_sec)
		return 0;
	rl->sent += 1;
	return 1;
}

/* May this packet be answered with an ICMP error at all? */
static __always_inline int pl_reject_answerable(const struct pl_pkt *p)
{
	const __u8 *s = p->src, *d = p->dst;

	if (p->nonfirst)
		return 0;
	if (p->proto == IPPROTO_ICMP) {
		/* errors: unreachable, source quench, redirect, time exceeded, parameter */
		if (!p->l4 || p->sport == 3 || p->sport == 4 || p->sport == 5 || p->sport == 11 ||
		    p->sport == 12)
			return 0;
	}
	if (p->proto == IPPROTO_ICMPV6 && (!p->l4 || p->sport < 128))
		return 0;
	if (p->family == PL_AF_INET)
		return s[0] != 0 && s[0] != 127 && s[0] < 224 && d[0] < 224;
	/* IPv6: not from ::, ::1 or multicast, not to multicast */
	__u32 w[4];
	__builtin_memcpy(w, s, 16);
	if ((w[0] | w[1] | w[2]) == 0 && (w[3] == 0 || w[3] == bpf_htonl(1)))
		return 0;
	return s[0] != 0xff && d[0] != 0xff;
}

static __always_inline __u16 pl_csum_fold(__s64 sum)
{
	__u64 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* The IP and ICMP headers of the error, checksums included; returns their length. */
static __always_inline __u32 pl_reject_headers(const struct pl_pkt *p, __u8 *h, __u64 q,
					       const __u8 *quote)
{
	/* the quote is zero-padded to PL_QUOTE_MAX: padding adds nothing to the sum */
	__s64 qsum = bpf_csum_diff(NULL, 0, (__be32 *)quote, PL_QUOTE_MAX, 0);

	__builtin_memset(h, 0, PL_ICMP6_HDRS);
	if (p->family == PL_AF_INET) {
		struct iphdr *ip = (struct iphdr *)h;
		__u8 *ic = h + sizeof(*ip); /* type, code, checksum, 4 unused bytes */

		ip->version = 4;
		ip->ihl = 5;
		ip->tos = 0xc0; /* internetwork control, as the kernel's own ICMP errors */
		ip->tot_len = bpf_htons(PL_ICMP4_HDRS + q);
		ip->ttl = 64;
		ip->protocol = IPPROTO_ICMP;
		__builtin_memcpy(&ip->saddr, p->dst, 4);
		__builtin_memcpy(&ip->daddr, p->src, 4);
		ip->check = pl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0));
		ic[0] = PL_ICMP_UNREACH;
		ic[1] = PL_ICMP_PROHIBITED;
		*(__u16 *)(ic + 2) = pl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)ic, 8, (__u32)qsum));
		return PL_ICMP4_HDRS;
	}
	struct ipv6hdr *ip6 = (struct ipv6hdr *)h;
	__u8 *ic6 = h + sizeof(*ip6);
	__be32 pseudo[2] = {bpf_htonl(8 + q), bpf_htonl(IPPROTO_ICMPV6)};
	__s64 sum;

	ip6->version = 6;
	ip6->payload_len = bpf_htons(8 + q);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 64;
	__builtin_memcpy(&ip6->saddr, p->dst, 16);
	__builtin_memcpy(&ip6->daddr, p->src, 16);
	ic6[0] = PL_ICMP6_UNREACH;
	ic6[1] = PL_ICMP6_PROHIBITED;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&ip6->saddr, 32, (__u32)qsum);
	sum = bpf_csum_diff(NULL, 0, pseudo, sizeof(pseudo), (__u32)sum);
	*(__u16 *)(ic6 + 2) = pl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)ic6, 8, (__u32)sum));
	return PL_ICMP6_HDRS;
}

/*
 * Turn skb into the ICMP error for p and send it back in. TC_ACT_REDIRECT when it went,
 * else TC_ACT_SHOT (not answerable, rate-limited, or the skb could not be reshaped).
 * l3: the device has no link-layer header.
 */
static __always_inline int pl_reject(struct __sk_buff *skb, const struct pl_pkt *p, int l3)
{
	__u8 quote[PL_QUOTE_MAX] = {};
	__u8 h[PL_ICMP6_HDRS];
	__u64 q, hl; /* 64 bits: no zero-extension between the bounds check and the use */

	if (!pl_reject_answerable(p)) {
		pl_count(PL_CNT_EG_REJECT_QUIET);
		return TC_ACT_SHOT;
	}
	if (!pl_reject_allowed()) {
		pl_count(PL_CNT_EG_REJECT_LIMITED);
		return TC_ACT_SHOT;
	}
	q = p->l4off + (p->proto == IPPROTO_TCP ? 20 : 8);
	if (q > p->ip_len)
		q = p->ip_len;
	if (q > skb->len - p->l3off)
		q = skb->len - p->l3off;
	if (q < 1 || q > PL_QUOTE_MAX || p->l3off > 64)
		goto fail;
	q = ((q - 1) & (PL_QUOTE_MAX - 1)) + 1; /* the same, in a form 6.1's verifier bounds */
	if (bpf_skb_load_bytes(skb, p->l3off, quote, q) < 0)
		goto fail;
	hl = pl_reject_headers(p, h, q, quote);
	if (bpf_skb_change_tail(skb, p->l3off + hl + q, 0) < 0)
		goto fail;
	if (hl == PL_ICMP4_HDRS) {
		if (bpf_skb_store_bytes(skb, p->l3off, h, PL_ICMP4_HDRS, 0) < 0)
			goto fail;
	} else if (bpf_skb_store_bytes(skb, p->l3off, h, PL_ICMP6_HDRS, 0) < 0) {
		goto fail;
	}
	if (bpf_skb_store_bytes(skb, p->l3off + hl, quote, q, 0) < 0)
		goto fail;
	if (!l3) {
		/* back to ourselves: our MAC becomes the destination */
		__u8 mac[12];
		if (bpf_skb_load_bytes(skb, 0, mac, 12) < 0)
			goto fail;
		if (bpf_skb_store_bytes(skb, 0, mac + 6, 6, 0) < 0 ||
		    bpf_skb_store_bytes(skb, 6, mac, 6, 0) < 0)
			goto fail;
	}
	pl_count(PL_CNT_EG_REJECT_ICMP);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
fail:
	pl_count(PL_CNT_EG_REJECT_FAILED);
	return TC_ACT_SHOT;
}

#endif
