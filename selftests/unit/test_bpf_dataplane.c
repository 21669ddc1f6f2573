/*
 * The dataplane's BPF programs through BPF_PROG_TEST_RUN, on packet fixtures (bpf_pkt.h),
 * loaded by the real loader (loader/): XDP's ESP/IKE verdicts, TC egress's eroute actions
 * (TRAP events and their deduplication, shunts, the leak guard), TC ingress's arrival check,
 * truncated and odd packets, and the lease. The eroute lookup itself: test_bpf_lookup.c.
 */
#include <time.h>

#include "bpf_test.h"

/* --- XDP ------------------------------------------------------------------------------- */

static void test_xdp_esp(void)
{
	struct pkt p;
	struct pl_sa_stats st;

	if (!setup(NULL))
		return;
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0xc0ffee01, 40);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "ESP, unknown SPI: dropped");
	ASSERT_EQ(counter(PL_CNT_XDP_ESP_UNKNOWN), 1, "counted as unknown SPI");
	ASSERT_OK(pl_spi_add(dp, htonl(0xc0ffee01), PL_DIR_IN), "pl_spi_add");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 3), XDP_PASS, "ESP, SPI pluto handed out: passed");
	ASSERT_OK(pl_spi_stats(dp, htonl(0xc0ffee01), PL_DIR_IN, &st), "pl_spi_stats");
	ASSERT_EQ(st.packets, 3, "SA packets");
	ASSERT_EQ(st.bytes, 3 * 60, "SA bytes (IP length)");
	ASSERT_TRUE(st.last_ns > 0, "SA last use");
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0xc0ffee01, 6);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "ESP of 6 bytes: dropped");
	ASSERT_EQ(counter(PL_CNT_XDP_ESP_SHORT), 1, "counted as short");
	uint8_t frag[32];
	pkt_ip4(&p, "192.0.2.2", "192.0.2.1", IPPROTO_ESP, 0x00b9, frag, pkt_l4(frag, 1, 32));
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "ESP, non-first fragment: passed");
	ASSERT_OK(pl_spi_del(dp, htonl(0xc0ffee01), PL_DIR_IN), "pl_spi_del");
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0xc0ffee01, 40);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "SPI gone: dropped again");
	teardown();
}

static void test_xdp_esp_ipv6_vlan(void)
{
	static const uint8_t exts[] = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING};
	uint8_t esp[40];
	struct pkt p;

	if (!setup(NULL))
		return;
	pkt_ip6(&p, "2001:db8::2", "2001:db8::1", exts, 3, IPPROTO_ESP, esp,
		pkt_l4(esp, 0x1234, 40));
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP,
		  "IPv6 ESP behind 3 extension headers, unknown");
	ASSERT_OK(pl_spi_add(dp, htonl(0x1234), PL_DIR_IN), "pl_spi_add");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "... known SPI");
	/* a VLAN tag in front of IPv4 ESP */
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0x999, 40);
	memmove(p.b + 16, p.b + 12, p.len - 12);
	p.b[12] = 0x81, p.b[13] = 0, p.b[14] = 0, p.b[15] = 7;
	p.len += 4;
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "VLAN-tagged ESP, unknown SPI");
	teardown();
}

static void test_xdp_ike_and_odd(void)
{
	struct pl_opts o = {.ike_port = 4501};
	struct pkt p;

	if (!setup(&o))
		return;
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 500, 500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "IKE 500 passed");
	pkt_udp6(&p, "2001:db8::2", "2001:db8::1", 4501, 4501);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "IKE on --ikeport passed");
	ASSERT_EQ(counter(PL_CNT_XDP_IKE), 2, "IKE counted");
	pkt_eth(&p, 0x0806, 0); /* ARP */
	pkt_put(&p, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "ARP passed");
	ASSERT_EQ(counter(PL_CNT_XDP_NOT_IP), 1, "counted as not IP");
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 500, 500);
	p.len = p.l3 + 10;
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "IPv4 header cut at 10 bytes: passed");
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 1, 2);
	p.b[p.l3] = 0x44; /* IHL 4 */
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "IHL 4: passed");
	pkt_udp6(&p, "2001:db8::2", "2001:db8::1", 1, 2);
	p.len = p.l3 + 39;
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "IPv6 header cut at 39 bytes: passed");
	ASSERT_EQ(counter(PL_CNT_XDP_BAD_IP), 3, "counted as bad IP");
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0x999, 40);
	p.b[p.l3] = 0x46; /* options claimed, not there in full */
	p.len = p.l3 + 22;
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "options past the end: passed as bad IP");
	teardown();
}

/* While pluto is busy, IKE to our ports is rate-limited per source (GCRA, pl_ike_rl). */
static void test_xdp_ike_busy(void)
{
	struct timespec ms3 = {0, 3000000};
	struct pkt p;

	if (!setup(NULL))
		return;
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 500, 500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 100), XDP_PASS, "not busy: a hundred IKE packets pass");
	ASSERT_EQ(counter(PL_CNT_XDP_IKE), 100, "all counted as IKE");
	ASSERT_OK(pl_dp_set_ike_busy(dp, true, 10, 20), "busy: 10/s, bursts of 20");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 20), XDP_PASS, "a burst of 20 passes");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "the 21st is dropped");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 50), XDP_DROP, "and the rest of the flood");
	ASSERT_EQ(counter(PL_CNT_XDP_IKE_LIMITED), 51, "drops counted");
	ASSERT_EQ(counter(PL_CNT_XDP_IKE), 120, "passes counted");
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 4500, 4500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "the same source on 4500: same bucket");
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 500, 40000);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "from 500 to another port: not limited");
	pkt_udp4(&p, "192.0.2.3", "192.0.2.1", 500, 500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 20), XDP_PASS, "another source has its own burst");
	pkt_udp6(&p, "2001:db8::2", "2001:db8::1", 500, 500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 20), XDP_PASS, "an IPv6 source too");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "... up to its burst");
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0x999, 40);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "ESP: judged by SPI as before");
	ASSERT_EQ(counter(PL_CNT_XDP_ESP_UNKNOWN), 1, "... unknown SPI");
	ASSERT_OK(pl_dp_set_ike_busy(dp, true, 1000, 1), "busy: 1000/s, no burst");
	pkt_udp4(&p, "192.0.2.9", "192.0.2.1", 500, 500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "a new source: its first passes");
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_DROP, "the next at once does not");
	nanosleep(&ms3, NULL);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "3 ms later the bucket has refilled");
	ASSERT_OK(pl_dp_set_ike_busy(dp, false, 0, 0), "not busy");
	pkt_udp4(&p, "192.0.2.2", "192.0.2.1", 500, 500);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 100), XDP_PASS, "the flooding source passes again");
	ASSERT_TRUE(map_entries(PL_MAP_IKE_RL, sizeof(struct pl_ike_src)) == 4,
		    "one bucket per source seen while busy");
	teardown();
}

/* --- TC egress -------------------------------------------------------------------------- */

static void test_egress_trap(void)
{
	struct pl_er_stats st;
	struct pkt p;
	uint32_t id;

	if (!setup(NULL))
		return;
	id = add("10.0.1.0/24", "10.0.2.0/24", PL_ACT_TRAP);
	pkt_udp4(&p, "10.0.1.7", "10.0.2.9", 40000, 53);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "first packet under TRAP: dropped");
	ASSERT_EQ(events(), 1, "one event");
	ASSERT_EQ(last_ev.eroute, id, "event: eroute id");
	ASSERT_EQ(last_ev.family, PL_AF_INET, "event: family");
	ASSERT_EQ(last_ev.proto, IPPROTO_UDP, "event: protocol");
	ASSERT_EQ(last_ev.sport, 40000, "event: source port");
	ASSERT_EQ(last_ev.dport, 53, "event: destination port");
	ASSERT_TRUE(memcmp(last_ev.src, p.b + p.l3 + 12, 4) == 0, "event: source address");
	ASSERT_TRUE(memcmp(last_ev.dst, p.b + p.l3 + 16, 4) == 0, "event: destination address");
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1000), TC_ACT_SHOT, "a flood: dropped");
	ASSERT_EQ(events(), 0, "... and no more events while pending");
	ASSERT_OK(pl_eroute_stats(dp, id, &st), "pl_eroute_stats");
	ASSERT_EQ(st.out_packets, 1001, "eroute packets");
	ASSERT_EQ(st.out_dropped, 1001, "eroute drops");
	ASSERT_EQ(st.out_bytes, 1001 * 52, "eroute bytes");
	ASSERT_EQ(st.traps, 1, "eroute traps");
	ASSERT_EQ(counter(PL_CNT_EG_TRAP_EVENT), 1, "events counted");
	ASSERT_OK(pl_pending_clear(dp, id), "pending cleared (negotiation failed)");
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 5), TC_ACT_SHOT, "dropped");
	ASSERT_EQ(events(), 1, "reported again once");
	pkt_udp4(&p, "10.0.1.7", "10.0.3.9", 40000, 53);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "outside the eroute: passed");
	pkt_udp4(&p, "10.0.1.7", "10.0.2.9", 500, 500);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "IKE between the clients: passed");
	uint8_t frag[24];
	pkt_ip4(&p, "10.0.1.7", "10.0.2.9", IPPROTO_UDP, 0x0010, frag, pkt_l4(frag, 0, 24));
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "non-first fragment: by address");
	teardown();
}

static void test_egress_trap_hold(void)
{
	struct pl_opts o = {.trap_hold_ns = 1000000}; /* 1 ms */
	struct timespec ms2 = {0, 2000000};
	struct pkt p;

	if (!setup(&o))
		return;
	add("2001:db8:1::/48", "2001:db8:2::/48", PL_ACT_TRAP);
	pkt_udp6(&p, "2001:db8:1::5", "2001:db8:2::5", 1000, 2000);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "IPv6 under TRAP: dropped");
	ASSERT_EQ(events(), 1, "one event");
	ASSERT_EQ(last_ev.family, PL_AF_INET6, "event: IPv6");
	nanosleep(&ms2, NULL);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "dropped");
	ASSERT_EQ(events(), 1, "reported again after trap_hold_ns without an answer");
	teardown();
}

static void test_egress_shunts_and_leak(void)
{
	struct pl_er_spec ipsec = {.action = PL_ACT_IPSEC, .spi_out = htonl(0x5001)};
	struct pkt p;
	uint32_t id;

	if (!setup(NULL))
		return;
	add("10.1.0.0/16", "10.2.0.0/16", PL_ACT_PASS);
	add("10.1.0.0/16", "10.3.0.0/16", PL_ACT_DROP);
	add("10.1.0.0/16", "10.4.0.0/16", PL_ACT_REJECT);
	id = add("10.1.0.0/16", "10.5.0.0/16", PL_ACT_TRAP);
	pkt_udp4(&p, "10.1.0.1", "10.2.0.1", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "PASS shunt");
	pkt_udp4(&p, "10.1.0.1", "10.3.0.1", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "DROP shunt");
	pkt_udp4(&p, "10.1.0.1", "10.4.0.1", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_REDIRECT, "REJECT shunt: ICMP back (test_bpf_reject)");
	ASSERT_OK(pl_eroute_set(dp, id, &ipsec), "TRAP -> IPSEC");
	pkt_udp4(&p, "10.1.0.1", "10.5.0.1", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "cleartext under IPSEC: leak guard");
	ASSERT_EQ(events(), 0, "no TRAP event for it");
	ASSERT_EQ(counter(PL_CNT_EG_LEAK), 1, "leak counted");
	ASSERT_OK(pl_spi_add(dp, htonl(0x5001), PL_DIR_OUT), "outbound SPI");
	pkt_esp4(&p, "192.0.2.1", "192.0.2.2", 0x5001, 40);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 2), TC_ACT_OK, "ESP out: passed");
	struct pl_sa_stats sa;
	ASSERT_OK(pl_spi_stats(dp, htonl(0x5001), PL_DIR_OUT, &sa), "pl_spi_stats");
	ASSERT_EQ(sa.packets, 2, "outbound SA packets");
	uint8_t ns[24];
	add("2001:db8::1/128", "2001:db8::2/128", PL_ACT_TRAP);
	pkt_ip6(&p, "2001:db8::1", "2001:db8::2", NULL, 0, IPPROTO_ICMPV6, ns,
		pkt_l4(ns, 136u << 24, 24));
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "neighbour advertisement: passed");
	pkt_ip6(&p, "2001:db8::1", "2001:db8::2", NULL, 0, IPPROTO_ICMPV6, ns,
		pkt_l4(ns, 128u << 24, 24));
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "echo request host-to-host: trapped");
	/* (6.18's test run refuses frames shorter than Ethernet + the fixed IP header) */
	pkt_udp4(&p, "10.1.0.1", "10.3.0.1", 1, 2);
	p.b[p.l3] = 0x46; /* 4 bytes of options claimed, then the packet ends */
	p.len = p.l3 + 20;
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "options past the end: passed");
	static const uint8_t hop[] = {IPPROTO_HOPOPTS};
	pkt_ip6(&p, "2001:db8::1", "2001:db8::2", hop, 1, IPPROTO_UDP, ns, 0);
	p.len -= 4; /* half a hop-by-hop header */
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "cut extension header: passed");
	ASSERT_EQ(counter(PL_CNT_EG_BAD_IP), 2, "counted as bad IP");
	pkt_udp4(&p, "10.1.0.1", "10.3.0.1", 1, 2);
	p.len = p.l3 + 22; /* half the UDP header: no ports, still the eroute's */
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "cut UDP header: DROP shunt");
	teardown();
}

/* --- TC ingress ------------------------------------------------------------------------- */

static void test_ingress_arrival(void)
{
	struct pl_er_spec spec = {.action = PL_ACT_IPSEC};
	struct pl_er_stats st;
	struct pkt p;
	uint32_t id;

	if (!setup(NULL))
		return;
	id = add("10.0.1.0/24", "10.0.2.0/24", PL_ACT_TRAP);
	pkt_udp4(&p, "10.0.2.9", "10.0.1.7", 53, 40000);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_SHOT, "cleartext from peer client (TRAP)");
	ASSERT_OK(pl_eroute_set(dp, id, &spec), "TRAP -> IPSEC");
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_SHOT,
		  "cleartext from peer client (IPSEC)");
	ASSERT_EQ(counter(PL_CNT_IN_CLEAR_DROP), 2, "counted");
	ASSERT_OK(pl_eroute_stats(dp, id, &st), "pl_eroute_stats");
	ASSERT_EQ(st.in_dropped, 2, "eroute inbound drops");
	pkt_udp4(&p, "10.0.2.9", "10.0.1.7", 500, 500);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "IKE passed");
	pkt_esp4(&p, "10.0.2.9", "10.0.1.7", 0x77, 40);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "ESP passed (XDP judged it)");
	pkt_udp4(&p, "10.0.1.7", "10.0.2.9", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "the other direction: no eroute");
	pkt_udp4(&p, "10.0.3.9", "10.0.1.7", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "from outside the peer client");
	spec.flags = PL_ER_F_NO_ARRIVAL_CHECK;
	ASSERT_OK(pl_eroute_set(dp, id, &spec), "--disablearrivalcheck");
	pkt_udp4(&p, "10.0.2.9", "10.0.1.7", 53, 40000);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "no arrival check: passed");
	add("10.9.0.0/16", "10.8.0.0/16", PL_ACT_PASS);
	pkt_udp4(&p, "10.8.0.1", "10.9.0.1", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "PASS shunt: passed");
	teardown();
}

/* --- the lease --------------------------------------------------------------------------- */

static void test_lease(void)
{
	struct pkt p;

	if (!setup(NULL))
		return;
	add("10.0.1.0/24", "10.0.2.0/24", PL_ACT_DROP);
	pkt_udp4(&p, "10.0.1.7", "10.0.2.9", 1, 2);
	ASSERT_OK(pl_dp_set_lease(dp, pl_now_ns() + 60000000000ull), "lease for a minute");
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "held: the eroute acts");
	ASSERT_OK(pl_dp_set_lease(dp, pl_now_ns() - 1), "lease ran out (pluto died)");
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "egress passes");
	ASSERT_EQ(run(PL_PROG_TC_INGRESS, &p, 1), TC_ACT_OK, "ingress passes");
	pkt_esp4(&p, "192.0.2.2", "192.0.2.1", 0x999, 40);
	ASSERT_EQ(run(PL_PROG_XDP, &p, 1), XDP_PASS, "XDP passes unknown ESP");
	ASSERT_EQ(counter(PL_CNT_LEASE_EXPIRED), 3, "counted");
	teardown();
}

int main(void)
{
	static const struct bpf_subtest tests[] = {
		{"xdp: ESP by SPI, short ESP, fragments, SA counters", test_xdp_esp},
		{"xdp: IPv6 extension headers, VLAN", test_xdp_esp_ipv6_vlan},
		{"xdp: IKE on 500 and --ikeport; ARP; truncated and malformed IP",
		 test_xdp_ike_and_odd},
		{"xdp: IKE rate-limited per source while busy", test_xdp_ike_busy},
		{"egress: TRAP drops, reports once, deduplicates a flood", test_egress_trap},
		{"egress: TRAP reported again after trap_hold_ns", test_egress_trap_hold},
		{"egress: PASS/DROP/REJECT shunts, leak guard, ESP, ND",
		 test_egress_shunts_and_leak},
		{"ingress: cleartext that must arrive protected", test_ingress_arrival},
		{"lease: a dead pluto's eroutes stop acting", test_lease},
	};

	return bpf_test_main(tests, sizeof(tests) / sizeof(tests[0]));
}
