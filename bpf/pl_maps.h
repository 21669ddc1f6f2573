/*
 * The dataplane's maps, included by every program. Each object declares all of them; the
 * loader creates them once (with the first object, pinned by name) and hands the same map
 * to the other objects (bpf_map__reuse_fd), so the three programs share one set.
 * Layouts: include/pluto/dataplane.h. Sizes are defaults; the loader may change them.
 */
#ifndef PL_MAPS_H
#define PL_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "pluto/dataplane.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PL_MAX_EROUTES_DEFAULT);
	__type(key, struct pl_dst_key);
	__type(value, __u32);
} pl_dst SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PL_MAX_EROUTES_DEFAULT *PL_SRC_PER_EROUTE);
	__type(key, struct pl_src_key);
	__type(value, __u32);
} pl_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_MAX_EROUTES_DEFAULT);
	__type(key, __u32);
	__type(value, struct pl_eroute);
} pl_eroutes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_MAX_EROUTES_DEFAULT);
	__type(key, __u32);
	__type(value, struct pl_er_stats);
} pl_er_stats SEC(".maps");

/* eroute id -> bpf_ktime_get_ns() of the TRAP event in flight (pluto deletes it). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PL_MAX_EROUTES_DEFAULT);
	__type(key, __u32);
	__type(value, __u64);
} pl_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PL_MAX_EROUTES_DEFAULT * 4);
	__type(key, struct pl_spi_key);
	__type(value, struct pl_sa_stats);
} pl_spi SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pl_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_ctl);
} pl_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PL_EVENTS_BYTES);
} pl_events SEC(".maps");

static __always_inline void pl_count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&pl_counters, &what);

	if (v)
		*v += 1;
}

/* Does pluto (still) hold the lease? Without one (pluto-bpf), always. */
static __always_inline int pl_lease_ok(void)
{
	__u32 zero = 0;
	struct pl_ctl *c = bpf_map_lookup_elem(&pl_ctl, &zero);

	if (!c || c->lease_until_ns == 0 || bpf_ktime_get_ns() < c->lease_until_ns)
		return 1;
	pl_count(PL_CNT_LEASE_EXPIRED);
	return 0;
}

/* Count an ESP packet against its SA; returns 0 when pluto does not know the SPI. */
static __always_inline int pl_sa_count(__u32 spi, __u32 dir, __u32 len)
{
	struct pl_spi_key k = {.spi = spi, .dir = dir};
	struct pl_sa_stats *s = bpf_map_lookup_elem(&pl_spi, &k);

	if (!s)
		return 0;
	s->packets += 1;
	s->bytes += len;
	s->last_ns = bpf_ktime_get_ns();
	return 1;
}

#endif
