/*
 * The eroute lookup of the BPF dataplane (two LPM tries, include/pluto/dataplane.h) against
 * a brute force over the same eroutes: the longest source prefix wins, then the longest
 * destination prefix. Random, heavily nested prefixes, IPv4 and IPv6; eroutes added and
 * deleted between rounds; each packet goes through TC egress (BPF_PROG_TEST_RUN), every
 * eroute is a TRAP, and the TRAP event names the eroute the program chose. Finally every
 * map entry must go with the last eroute.
 */
#include "bpf_test.h"

#define NREF 160

struct ref {
	struct pl_sel s, d;
	uint32_t id;
	bool live;
};

static struct ref refs[NREF];
static unsigned nrefs;
static unsigned seed = 12345;

static unsigned rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) & 0xffffff;
}

static bool inside(const struct pl_sel *p, const uint8_t *a)
{
	for (unsigned i = 0; i < p->len; i++) {
		unsigned bit = 7 - i % 8;
		if (((p->addr[i / 8] >> bit) & 1) != ((a[i / 8] >> bit) & 1))
			return false;
	}
	return true;
}

static int brute(const uint8_t *src, const uint8_t *dst, uint8_t family)
{
	int best = -1;

	for (unsigned i = 0; i < nrefs; i++) {
		const struct ref *r = &refs[i];
		if (!r->live || r->s.family != family || !inside(&r->s, src) || !inside(&r->d, dst))
			continue;
		if (best < 0 || r->s.len > refs[best].s.len ||
		    (r->s.len == refs[best].s.len && r->d.len > refs[best].d.len))
			best = (int)i;
	}
	return best;
}

/* A random address in a small space (so that prefixes nest a lot), as a prefix of len. */
static void rand_prefix(struct pl_sel *s, uint8_t family)
{
	static const uint8_t len4[] = {0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32};
	static const uint8_t len6[] = {0, 32, 33, 34, 36, 40, 48, 56, 64, 96, 127, 128};

	memset(s, 0, sizeof(*s));
	s->family = family;
	for (int i = 0; i < 16; i++)
		s->addr[i] = (uint8_t)rnd();
	if (family == PL_AF_INET) {
		s->addr[0] = 10;
		s->addr[1] &= 3;
		s->len = len4[rnd() % sizeof(len4)];
		memset(s->addr + 4, 0, 12);
	} else {
		s->addr[0] = 0x20, s->addr[1] = 0x01, s->addr[2] = 0x0d, s->addr[3] = 0xb8;
		s->addr[4] &= 1;
		s->len = len6[rnd() % sizeof(len6)];
	}
	for (unsigned i = s->len; i < 128; i++)
		s->addr[i / 8] &= (uint8_t) ~(1u << (7 - i % 8));
}

/* A random address inside p. */
static void rand_in(const struct pl_sel *p, uint8_t *a)
{
	struct pl_sel r;

	rand_prefix(&r, p->family);
	for (int i = 0; i < 16; i++)
		a[i] = (uint8_t)rnd();
	if (p->family == PL_AF_INET) {
		a[0] = 10, a[1] &= 3;
		memset(a + 4, 0, 12);
	}
	for (unsigned i = 0; i < p->len; i++) {
		unsigned bit = 7 - i % 8;
		a[i / 8] = (uint8_t)((a[i / 8] & ~(1u << bit)) | (p->addr[i / 8] & (1u << bit)));
	}
}

static void add_random(uint8_t family, unsigned n)
{
	struct pl_er_spec trap = {.action = PL_ACT_TRAP};

	for (unsigned k = 0; k < n && nrefs < NREF; k++) {
		struct ref *r = &refs[nrefs];
		rand_prefix(&r->s, family);
		rand_prefix(&r->d, family);
		int e = pl_eroute_add(dp, &r->s, &r->d, &trap, &r->id);
		if (e == -EEXIST)
			continue;
		if (!ASSERT_OK(e, "pl_eroute_add"))
			return;
		r->live = true;
		nrefs++;
	}
}

static void del_random(unsigned every)
{
	for (unsigned i = 0; i < nrefs; i++) {
		if (refs[i].live && rnd() % every == 0) {
			ASSERT_OK(pl_eroute_del(dp, refs[i].id), "pl_eroute_del");
			refs[i].live = false;
		}
	}
}

/* One packet: the program's choice (eroute id, or -1) against the brute force's. */
static bool one_packet(uint8_t family, const uint8_t *src, const uint8_t *dst)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = family == PL_AF_INET ? AF_INET : AF_INET6;
	int want = brute(src, dst, family);
	struct pkt p;

	inet_ntop(af, src, s, sizeof(s));
	inet_ntop(af, dst, d, sizeof(d));
	if (family == PL_AF_INET)
		pkt_udp4(&p, s, d, 1, 2);
	else
		pkt_udp6(&p, s, d, 1, 2);
	int verdict = run(PL_PROG_TC_EGRESS, &p, 1);
	int n = events();
	long got = n == 1 ? (long)last_ev.eroute : -1;
	long exp = want < 0 ? -1 : (long)refs[want].id;
	if (got >= 0)
		pl_pending_clear(dp, (uint32_t)got);
	if (got == exp && verdict == (want < 0 ? TC_ACT_OK : TC_ACT_SHOT))
		return true;
	printf("#   %s -> %s: eroute %ld (verdict %d), want %ld\n", s, d, got, verdict, exp);
	return false;
}

static void check_packets(uint8_t family, unsigned n)
{
	unsigned bad = 0, hits = 0;

	for (unsigned i = 0; i < n && bad < 5; i++) {
		uint8_t src[16], dst[16];
		const struct ref *a = &refs[rnd() % (nrefs ? nrefs : 1)];
		const struct ref *b = &refs[rnd() % (nrefs ? nrefs : 1)];
		struct pl_sel any;

		rand_prefix(&any, family);
		any.len = 0;
		rand_in(rnd() % 5 && nrefs ? &a->s : &any, src);
		rand_in(rnd() % 5 && nrefs ? &b->d : &any, dst);
		hits += brute(src, dst, family) >= 0;
		bad += !one_packet(family, src, dst);
	}
	ASSERT_EQ(bad, 0, "packets classified differently from the brute force");
	ASSERT_TRUE(hits > n / 4, "enough packets hit an eroute");
}

static void lookup_rounds(uint8_t family)
{
	if (!setup(NULL))
		return;
	nrefs = 0;
	add_random(family, 80);
	check_packets(family, 1500);
	del_random(2);
	check_packets(family, 1000);
	add_random(family, 60);
	check_packets(family, 1000);
	del_random(3);
	add_random(family, 20);
	check_packets(family, 1000);
	teardown();
}

static void test_lookup_v4(void)
{
	lookup_rounds(PL_AF_INET);
}

static void test_lookup_v6(void)
{
	lookup_rounds(PL_AF_INET6);
}

static void test_lookup_order(void)
{
	struct pkt p;
	uint32_t host, subnet;

	if (!setup(NULL))
		return;
	host = add("10.0.1.5/32", "0.0.0.0/0", PL_ACT_TRAP);
	subnet = add("10.0.1.0/24", "10.0.2.0/24", PL_ACT_TRAP);
	add("10.0.0.0/8", "10.0.2.128/25", PL_ACT_PASS);
	pkt_udp4(&p, "10.0.1.5", "10.0.2.7", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "host source");
	ASSERT_EQ(events(), 1, "event");
	ASSERT_EQ(last_ev.eroute, host, "the longer source wins over the longer destination");
	pkt_udp4(&p, "10.0.1.6", "10.0.2.7", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "subnet source");
	ASSERT_EQ(events(), 1, "event");
	ASSERT_EQ(last_ev.eroute, subnet, "subnet to subnet");
	pkt_udp4(&p, "10.0.1.6", "10.0.2.200", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_SHOT, "/24 source beats /8 source");
	pkt_udp4(&p, "10.7.1.6", "10.0.2.200", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "only the /8 -> /25 PASS matches");
	pkt_udp4(&p, "10.7.1.6", "10.0.2.1", 1, 2);
	ASSERT_EQ(run(PL_PROG_TC_EGRESS, &p, 1), TC_ACT_OK, "no eroute");
	teardown();
}

static void test_lookup_cleanup(void)
{
	if (!setup(NULL))
		return;
	nrefs = 0;
	add_random(PL_AF_INET, 70);
	add_random(PL_AF_INET6, 70);
	ASSERT_TRUE(map_entries(PL_MAP_DST, sizeof(struct pl_dst_key)) > 0, "pl_dst in use");
	for (unsigned i = 0; i < nrefs; i++) {
		unsigned j = rnd() % nrefs; /* delete in random order */
		if (refs[j].live)
			ASSERT_OK(pl_eroute_del(dp, refs[j].id), "pl_eroute_del");
		refs[j].live = false;
	}
	del_random(1);
	ASSERT_EQ(pl_eroute_count(dp), 0, "no eroutes");
	ASSERT_EQ(map_entries(PL_MAP_DST, sizeof(struct pl_dst_key)), 0, "pl_dst empty");
	ASSERT_EQ(map_entries(PL_MAP_SRC, sizeof(struct pl_src_key)), 0, "pl_src empty");
	ASSERT_EQ(map_entries(PL_MAP_PENDING, sizeof(uint32_t)), 0, "pl_pending empty");
	teardown();
}

int main(void)
{
	static const struct bpf_subtest tests[] = {
		{"lookup: longest source first, then longest destination", test_lookup_order},
		{"lookup: IPv4, random nested eroutes vs brute force", test_lookup_v4},
		{"lookup: IPv6, random nested eroutes vs brute force", test_lookup_v6},
		{"lookup: every map entry goes with the last eroute", test_lookup_cleanup},
	};

	return bpf_test_main(tests, sizeof(tests) / sizeof(tests[0]));
}
