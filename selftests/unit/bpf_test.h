/*
 * The harness of the BPF program tests (test_bpf_*.c), test_progs style: ASSERT_*() return
 * bool and report the line; bpf_test_main() runs the subtests and prints TAP (one SKIP line
 * when not root: BPF_PROG_TEST_RUN needs it). The fixture is a dataplane freshly loaded by
 * the real loader, with its ring buffer.
 */
#ifndef PLUTO_TEST_BPF_TEST_H
#define PLUTO_TEST_BPF_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../loader/loader.h"
#include "bpf_pkt.h"

static int tests_run, tests_failed;
static bool cur_failed;

static inline bool check_eq(long long got, long long want, const char *what, int line)
{
	if (got != want) {
		printf("#   line %d: %s: got %lld, want %lld\n", line, what, got, want);
		cur_failed = true;
		return false;
	}
	return true;
}

/* Each argument is evaluated once. */
#define ASSERT_EQ(got, want, what) check_eq((long long)(got), (long long)(want), what, __LINE__)
#define ASSERT_OK(r, what) ASSERT_EQ(r, 0, what)
#define ASSERT_TRUE(c, what) ASSERT_EQ(!!(c), 1, what)

/* --- fixture: a freshly loaded dataplane, its ring buffer, helpers ------------------- */

static struct pl_dp *dp;
static struct ring_buffer *rb;
static struct pl_trap_event last_ev;
static int nevents;

static inline int on_event(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(last_ev))
		memcpy(&last_ev, data, sizeof(last_ev));
	nevents++;
	return 0;
}

static inline bool setup(const struct pl_opts *o)
{
	static const struct pl_opts defaults;
	const char *why = "";
	int r = pl_dp_load(o ? o : &defaults, &dp, &why);

	if (!ASSERT_OK(r, why))
		return false;
	rb = ring_buffer__new(pl_dp_map_fd(dp, PL_MAP_EVENTS), on_event, NULL, NULL);
	nevents = 0;
	return ASSERT_TRUE(rb != NULL, "ring_buffer__new");
}

static inline void teardown(void)
{
	ring_buffer__free(rb);
	pl_dp_close(dp, true);
	rb = NULL;
	dp = NULL;
}

/* Run a program on a packet: its verdict, or -1000 - errno. */
static inline int run(enum pl_prog_id prog, const struct pkt *p, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (uint32_t)p->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(pl_dp_prog_fd(dp, prog), &o) < 0)
		return -1000 - errno;
	return (int)o.retval;
}

/* Run a program once and keep what it made of the packet in *out. */
static inline int run_out(enum pl_prog_id prog, const struct pkt *p, struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (uint32_t)p->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);

	memset(out, 0, sizeof(*out));
	if (bpf_prog_test_run_opts(pl_dp_prog_fd(dp, prog), &o) < 0)
		return -1000 - errno;
	out->len = o.data_size_out;
	out->l3 = p->l3;
	return (int)o.retval;
}

static inline int events(void)
{
	nevents = 0;
	ring_buffer__consume(rb);
	return nevents;
}

static inline uint64_t counter(enum pl_counter c)
{
	uint64_t v[PL_CNT_MAX];

	return pl_counters_read(dp, v) == 0 ? v[c] : ~0ull;
}

static inline struct pl_sel sel(const char *cidr)
{
	struct pl_sel s = {0};
	char a[64];
	const char *slash = strchr(cidr, '/');

	snprintf(a, sizeof(a), "%.*s", slash ? (int)(slash - cidr) : (int)strlen(cidr), cidr);
	s.family = strchr(a, ':') ? PL_AF_INET6 : PL_AF_INET;
	inet_pton(s.family == PL_AF_INET ? AF_INET : AF_INET6, a, s.addr);
	s.len = (uint8_t)(slash ? atoi(slash + 1) : (s.family == PL_AF_INET ? 32 : 128));
	return s;
}

static inline uint32_t add(const char *src, const char *dst, uint8_t action)
{
	struct pl_sel s = sel(src), d = sel(dst);
	struct pl_er_spec spec = {.action = action};
	uint32_t id = ~0u;

	ASSERT_OK(pl_eroute_add(dp, &s, &d, &spec, &id), "pl_eroute_add");
	return id;
}

static inline unsigned map_entries(enum pl_map_id m, size_t keysize)
{
	uint8_t key[64], next[64];
	unsigned n = 0;
	void *prev = NULL;

	while (keysize <= sizeof(key) &&
	       bpf_map_get_next_key(pl_dp_map_fd(dp, m), prev, next) == 0) {
		memcpy(key, next, keysize);
		prev = key;
		n++;
	}
	return n;
}

struct bpf_subtest {
	const char *name;
	void (*fn)(void);
};

static inline int bpf_test_main(const struct bpf_subtest *tests, unsigned n)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("1..1\nok 1 - %s # SKIP BPF_PROG_TEST_RUN needs root\n",
		       program_invocation_short_name);
		return 0;
	}
	libbpf_set_print(NULL);
	printf("1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		cur_failed = false;
		tests[i].fn();
		tests_run++;
		tests_failed += cur_failed;
		printf("%sok %d - %s\n", cur_failed ? "not " : "", tests_run, tests[i].name);
	}
	return tests_failed ? 1 : 0;
}

#endif
