/*
 * REJECT shunts through BPF_PROG_TEST_RUN: TC egress turns the packet into an ICMP
 * "administratively prohibited" back to its sender (bpf/pl_reject.h) and redirects it to
 * the device's ingress. Each generated packet is compared byte for byte with one built
 * here from the RFCs (RFC 792 / RFC 4443 layout, checksums computed independently), and its
 * checksums are verified; then the packets that must not be answered, and the rate limit.
 */
#include <sched.h>

#include "bpf_test.h"

/* Internet checksum over len bytes (an odd last byte padded with zero), plus seed. */
static uint32_t sum16(const uint8_t *b, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i += 2)
		seed += (uint32_t)(b[i] << 8 | (i + 1 < len ? b[i + 1] : 0));
	return seed;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* The error the egress program must make of in, quoting q bytes of its IP datagram. */
static void expected(const struct pkt *in, size_t q, struct pkt *want)
{
	const uint8_t *ip = in->b + in->l3;
	bool v6 = (ip[0] >> 4) == 6;
	size_t hl = v6 ? 48 : 28;
	uint8_t *h;

	memset(want, 0, sizeof(*want));
	memcpy(want->b, in->b + 6, 6); /* MACs swapped */
	memcpy(want->b + 6, in->b, 6);
	memcpy(want->b + 12, in->b + 12, in->l3 - 12);
	want->l3 = in->l3;
	h = want->b + in->l3;
	memcpy(h + hl, ip, q);
	want->len = in->l3 + hl + q;
	if (!v6) {
		h[0] = 0x45, h[1] = 0xc0;
		put16(h + 2, (uint16_t)(28 + q));
		h[8] = 64, h[9] = IPPROTO_ICMP;
		memcpy(h + 12, ip + 16, 4); /* from the rejected destination */
		memcpy(h + 16, ip + 12, 4); /* to the sender */
		put16(h + 10, fold(sum16(h, 20, 0)));
		h[20] = 3, h[21] = 13;
		put16(h + 22, fold(sum16(h + 20, 8 + q, 0)));
		return;
	}
	uint8_t pseudo[8] = {0, 0, 0, 0, 0, 0, 0, IPPROTO_ICMPV6};
	h[0] = 0x60;
	put16(h + 4, (uint16_t)(8 + q));
	h[6] = IPPROTO_ICMPV6, h[7] = 64;
	memcpy(h + 8, ip + 24, 16);
	memcpy(h + 24, ip + 8, 16);
	h[40] = 1, h[41] = 1;
	put16(pseudo + 2, (uint16_t)(8 + q));
	put16(h + 42, fold(sum16(h + 40, 8 + q, sum16(pseudo, 8, sum16(h + 8, 32, 0)))));
}

static bool same_bytes(const struct pkt *got, const struct pkt *want)
{
	if (!ASSERT_EQ(got->len, want->len, "length of the ICMP error"))
		return false;
	for (size_t i = 0; i < want->len; i++) {
		if (got->b[i] != want->b[i]) {
			printf("#   byte %zu: got %02x, want %02x\n", i, got->b[i], want->b[i]);
			return ASSERT_TRUE(false, "the ICMP error, byte for byte");
		}
	}
	return true;
}

/* The checksums of the packet as a receiver verifies them (independent of expected()). */
static void checksums_verify(const struct pkt *p)
{
	const uint8_t *h = p->b + p->l3;
	size_t n = p->len - p->l3;

	if ((h[0] >> 4) == 4) {
		ASSERT_EQ(fold(sum16(h, 20, 0)), 0, "IPv4 header checksum verifies");
		ASSERT_EQ(fold(sum16(h + 20, n - 20, 0)), 0, "ICMP checksum verifies");
		return;
	}
	uint8_t pseudo[8] = {0, 0, 0, 0, 0, 0, 0, IPPROTO_ICMPV6};
	put16(pseudo + 2, (uint16_t)(n - 40));
	ASSERT_EQ(fold(sum16(h + 40, n - 40, sum16(pseudo, 8, sum16(h + 8, 32, 0)))), 0,
		  "ICMPv6 checksum (with the pseudo-header) verifies");
}

static void test_reject_ipv4(void)
{
	struct pkt in, out, want;
	struct pl_er_stats st;
	uint8_t tcp[40];
	uint32_t id;

	if (!setup(NULL))
		return;
	id = add("10.1.0.0/16", "10.4.0.0/16", PL_ACT_REJECT);
	pkt_udp4(&in, "10.1.0.1", "10.4.0.9", 40000, 53);
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_REDIRECT,
		  "UDP under REJECT: redirected back as an ICMP error");
	expected(&in, 20 + 8, &want);
	if (same_bytes(&out, &want))
		checksums_verify(&out);
	ASSERT_EQ(out.b[in.l3 + 20], 3, "type 3, destination unreachable");
	ASSERT_EQ(out.b[in.l3 + 21], 13, "code 13, administratively prohibited");
	/* TCP: 20 bytes of the TCP header are quoted (its checksum field included) */
	pkt_ip4(&in, "10.1.0.1", "10.4.0.9", IPPROTO_TCP, 0x4000, tcp,
		pkt_l4(tcp, PORTS(40001, 443), sizeof(tcp)));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_REDIRECT, "TCP SYN: redirected");
	expected(&in, 20 + 20, &want);
	if (same_bytes(&out, &want))
		checksums_verify(&out);
	/* a datagram shorter than the quote: all of it, an odd length */
	pkt_udp4(&in, "10.1.0.1", "10.4.0.9", 1, 2);
	in.len = in.l3 + 25;
	in.b[in.l3 + 3] = 25, in.b[in.l3 + 10] = in.b[in.l3 + 11] = 0;
	put16(in.b + in.l3 + 10, fold(sum16(in.b + in.l3, 20, 0)));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_REDIRECT, "25-byte datagram");
	expected(&in, 25, &want);
	if (same_bytes(&out, &want))
		checksums_verify(&out);
	ASSERT_EQ(counter(PL_CNT_EG_REJECT_ICMP), 3, "counted as sent");
	ASSERT_OK(pl_eroute_stats(dp, id, &st), "pl_eroute_stats");
	ASSERT_EQ(st.out_dropped, 3, "the eroute counts them as dropped (none left)");
	teardown();
}

static void test_reject_ipv6(void)
{
	static const uint8_t exts[] = {IPPROTO_DSTOPTS};
	struct pkt in, out, want;
	uint8_t echo[56];

	if (!setup(NULL))
		return;
	add("2001:db8:1::/48", "2001:db8:4::/48", PL_ACT_REJECT);
	pkt_ip6(&in, "2001:db8:1::7", "2001:db8:4::9", NULL, 0, IPPROTO_ICMPV6, echo,
		pkt_l4(echo, 128u << 24, sizeof(echo)));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_REDIRECT,
		  "ICMPv6 echo under REJECT: redirected back");
	expected(&in, 40 + 8, &want);
	if (same_bytes(&out, &want))
		checksums_verify(&out);
	ASSERT_EQ(out.b[in.l3 + 40], 1, "type 1, destination unreachable");
	ASSERT_EQ(out.b[in.l3 + 41], 1, "code 1, administratively prohibited");
	/* an extension header: quoted with the 8 bytes of transport behind it */
	pkt_ip6(&in, "2001:db8:1::7", "2001:db8:4::9", exts, 1, IPPROTO_UDP, echo,
		pkt_l4(echo, PORTS(5000, 53), sizeof(echo)));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_REDIRECT, "behind DSTOPTS");
	expected(&in, 40 + 8 + 8, &want);
	if (same_bytes(&out, &want))
		checksums_verify(&out);
	teardown();
}

static void test_reject_unanswerable(void)
{
	static const uint8_t frag[] = {IPPROTO_FRAGMENT};
	struct pkt in, out;
	uint8_t b[32];

	if (!setup(NULL))
		return;
	add("10.1.0.0/16", "0.0.0.0/0", PL_ACT_REJECT);
	add("2001:db8:1::/48", "::/0", PL_ACT_REJECT);
	pkt_ip4(&in, "10.1.0.1", "10.4.0.9", IPPROTO_ICMP, 0, b, pkt_l4(b, 3u << 24 | 1u << 16, 32));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "an ICMP error: dropped");
	pkt_ip4(&in, "10.1.0.1", "10.4.0.9", IPPROTO_ICMP, 0, b, pkt_l4(b, 11u << 24, 32));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "time exceeded: dropped");
	pkt_ip4(&in, "10.1.0.1", "10.4.0.9", IPPROTO_UDP, 0x0020, b, pkt_l4(b, 0, 32));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "non-first fragment");
	pkt_udp4(&in, "10.1.0.1", "224.0.0.251", 5353, 5353);
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "to multicast");
	pkt_udp4(&in, "10.1.0.1", "255.255.255.255", 68, 67);
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "to broadcast");
	pkt_ip6(&in, "2001:db8:1::7", "2001:db8:4::9", NULL, 0, IPPROTO_ICMPV6, b,
		pkt_l4(b, 1u << 24, 32));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "an ICMPv6 error");
	pkt_ip6(&in, "2001:db8:1::7", "ff02::1", NULL, 0, IPPROTO_UDP, b, pkt_l4(b, 0, 32));
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "to IPv6 multicast");
	pkt_ip6(&in, "2001:db8:1::7", "2001:db8:4::9", frag, 1, IPPROTO_UDP, b, pkt_l4(b, 0, 32));
	in.b[in.l3 + 40 + 3] = 0x08; /* fragment offset 1 */
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_SHOT, "IPv6 non-first fragment");
	ASSERT_EQ(counter(PL_CNT_EG_REJECT_QUIET), 8, "counted as unanswerable");
	ASSERT_EQ(counter(PL_CNT_EG_REJECT_ICMP), 0, "no ICMP sent");
	ASSERT_EQ(counter(PL_CNT_EG_DROP), 8, "all counted as shunt drops");
	pkt_udp4(&in, "10.1.0.1", "10.4.0.9", 1, 2);
	ASSERT_EQ(run_out(PL_PROG_TC_EGRESS, &in, &out), TC_ACT_REDIRECT, "a query: answered");
	teardown();
}

static void test_reject_rate_limit(void)
{
	struct pl_opts o = {.reject_per_sec = 3};
	struct pkt in, out;
	int redirected = 0, shot = 0;
	cpu_set_t one, saved;

	/* the limit is per CPU: stay on one */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_getaffinity(0, sizeof(saved), &saved);
	sched_setaffinity(0, sizeof(one), &one);
	if (!setup(&o))
		goto cleanup;
	add("10.1.0.0/16", "10.4.0.0/16", PL_ACT_REJECT);
	pkt_udp4(&in, "10.1.0.1", "10.4.0.9", 1, 2);
	/* (not one run with repeat: that reuses the skb, already turned into the error) */
	for (int i = 0; i < 10; i++) {
		int v = run_out(PL_PROG_TC_EGRESS, &in, &out);
		redirected += v == TC_ACT_REDIRECT;
		shot += v == TC_ACT_SHOT;
	}
	ASSERT_EQ(redirected, 3, "3 of 10 within a second answered");
	ASSERT_EQ(shot, 7, "the others dropped quietly");
	ASSERT_EQ(counter(PL_CNT_EG_REJECT_ICMP), 3, "3 answered (reject_per_sec)");
	ASSERT_EQ(counter(PL_CNT_EG_REJECT_LIMITED), 7, "7 rate-limited");
	teardown();
cleanup:
	sched_setaffinity(0, sizeof(saved), &saved);
}

int main(void)
{
	static const struct bpf_subtest tests[] = {
		{"reject: IPv4 UDP, TCP, short datagram: exact ICMP bytes, checksums",
		 test_reject_ipv4},
		{"reject: IPv6, extension header: exact ICMPv6 bytes, checksum", test_reject_ipv6},
		{"reject: no answer to ICMP errors, fragments, multicast, broadcast",
		 test_reject_unanswerable},
		{"reject: rate-limited per CPU and second", test_reject_rate_limit},
	};

	return bpf_test_main(tests, sizeof(tests) / sizeof(tests[0]));
}
