/*
 * Benchmark (not a test) of the dataplane's classifier: nanoseconds per packet through
 * TC egress (BPF_PROG_TEST_RUN, the kernel's own per-run timing) with 10, 1,000 and
 * 100,000 eroutes in the maps, printed as a table. Eroute i is 10.0.0.0/8-inside source
 * /24 -> a distinct destination /26 (shunts, PASS: the program returns and counts, so the
 * whole path runs: parse, two LPM lookups, the eroute, its per-CPU counters).
 *
 *   hit    a packet matching a random eroute (median over 64 of them)
 *   miss   a packet between two addresses no eroute covers (destination lookup misses)
 *   esp    an ESP packet (classified as ESP before any lookup): the floor
 *
 * Built and run by selftests/bench/classifier.sh; needs root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "bpf_pkt.h"

#define NPKT 64
#define REPEAT 200000

static uint64_t now_ms(void)
{
	return pl_now_ns() / 1000000ull;
}

static void eroute_sels(uint32_t i, struct pl_sel *s, struct pl_sel *d)
{
	memset(s, 0, sizeof(*s));
	memset(d, 0, sizeof(*d));
	s->family = d->family = PL_AF_INET;
	s->len = 24;
	s->addr[0] = 10, s->addr[1] = (uint8_t)(i % 251), s->addr[2] = (uint8_t)(i % 241);
	d->len = 26;
	d->addr[0] = 10, d->addr[1] = (uint8_t)(i >> 10), d->addr[2] = (uint8_t)(i >> 2);
	d->addr[3] = (uint8_t)((i & 3) << 6);
}

static int populate(struct pl_dp *dp, uint32_t n)
{
	struct pl_er_spec pass = {.action = PL_ACT_PASS};
	struct pl_sel s, d;
	uint32_t id;

	for (uint32_t i = 0; i < n; i++) {
		eroute_sels(i, &s, &d);
		int r = pl_eroute_add(dp, &s, &d, &pass, &id);
		if (r < 0) {
			fprintf(stderr, "eroute %u: %s\n", i, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* ns per run of prog on p (the kernel's average over REPEAT runs), or 0 on error. */
static uint32_t ns_per_packet(int prog, const struct pkt *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (uint32_t)p->len,
		    .repeat = REPEAT);

	if (bpf_prog_test_run_opts(prog, &o) < 0)
		return 0;
	return o.duration;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void hit_packet(uint32_t i, struct pkt *p)
{
	struct pl_sel s, d;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	eroute_sels(i, &s, &d);
	s.addr[3] = 7;
	d.addr[3] |= 9;
	inet_ntop(AF_INET, s.addr, src, sizeof(src));
	inet_ntop(AF_INET, d.addr, dst, sizeof(dst));
	pkt_udp4(p, src, dst, 40000, 53);
}

static int one_row(uint32_t n)
{
	struct pl_opts o = {.max_eroutes = 131072};
	uint32_t hits[NPKT], miss, esp;
	const char *why = "";
	struct pl_dp *dp;
	struct pkt p;
	int r = pl_dp_load(&o, &dp, &why);

	if (r < 0) {
		fprintf(stderr, "load: %s: %s\n", why, strerror(-r));
		return r;
	}
	uint64_t t0 = now_ms();
	r = populate(dp, n);
	uint64_t built = now_ms() - t0;
	int prog = pl_dp_prog_fd(dp, PL_PROG_TC_EGRESS);
	srand(n);
	for (int k = 0; k < NPKT && r == 0; k++) {
		hit_packet((uint32_t)rand() % n, &p);
		hits[k] = ns_per_packet(prog, &p);
	}
	pkt_udp4(&p, "10.255.1.1", "10.254.1.1", 1, 2);
	miss = ns_per_packet(prog, &p);
	pkt_esp4(&p, "10.255.1.1", "10.254.1.1", 0x1234, 48);
	esp = ns_per_packet(prog, &p);
	qsort(hits, NPKT, sizeof(hits[0]), cmp_u32);
	if (r == 0)
		printf("| %8u | %10llu | %7u | %7u | %7u | %7u |\n", n, (unsigned long long)built,
		       hits[NPKT / 2], hits[NPKT - 1], miss, esp);
	pl_dp_close(dp, true);
	return r;
}

int main(void)
{
	static const uint32_t sizes[] = {10, 1000, 100000};

	if (geteuid() != 0) {
		fprintf(stderr, "classifier: BPF_PROG_TEST_RUN needs root\n");
		return 1;
	}
	libbpf_set_print(NULL);
	printf("TC egress classifier, ns/packet (BPF_PROG_TEST_RUN, %d runs each)\n\n", REPEAT);
	printf("| eroutes  | build (ms) | hit p50 | hit max |    miss |     esp |\n");
	printf("|----------|------------|---------|---------|---------|---------|\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (one_row(sizes[i]) < 0)
			return 1;
	}
	return 0;
}
