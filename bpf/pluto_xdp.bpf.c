// SPDX-License-Identifier: GPL-2.0
/*
 * XDP on pluto's public interfaces: what the outer header alone decides (DESIGN: in
 * generic mode XDP also sees decapsulated packets and has no secpath, so nothing here
 * looks at inner traffic).
 *
 *   ESP to an SPI pluto handed out       pass (counted against the SA)
 *   ESP to any other SPI                 drop (PL_CNT_XDP_ESP_UNKNOWN)
 *   ESP shorter than SPI + sequence      drop (PL_CNT_XDP_ESP_SHORT)
 *   ESP, a non-first fragment            pass (no SPI to check; reassembly, then XFRM)
 *   UDP to or from the IKE ports         pass (PL_CNT_XDP_IKE), but while pluto is busy
 *                                        (pl_ike_cfg) drop IKE to our ports from a source
 *                                        over its rate (PL_CNT_XDP_IKE_LIMITED)
 *   anything else, parse failures        pass (the stack validates IP headers itself)
 *   pluto's lease expired                pass (PL_CNT_LEASE_EXPIRED)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "pl_maps.h"
#include "pl_parse.h"

/* Only this program uses these two (include/pluto/dataplane.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_ike_cfg);
} pl_ike_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_IKE_RL_ENTRIES);
	__type(key, struct pl_ike_src);
	__type(value, __u64);
} pl_ike_rl SEC(".maps");

const volatile __u16 ike_port = PL_IKE_PORT; /* pluto's --ikeport */
const volatile __u8 esp_filter = 1;	     /* 0: count ESP, drop none */

static __always_inline int pl_xdp_esp(const struct pl_pkt *p)
{
	if (p->nonfirst)
		return XDP_PASS;
	if (!p->l4) {
		pl_count(PL_CNT_XDP_ESP_SHORT);
		return esp_filter ? XDP_DROP : XDP_PASS;
	}
	if (pl_sa_count(p->spi, PL_DIR_IN, p->ip_len)) {
		pl_count(PL_CNT_XDP_ESP_OK);
		return XDP_PASS;
	}
	pl_count(PL_CNT_XDP_ESP_UNKNOWN);
	return esp_filter ? XDP_DROP : XDP_PASS;
}

/*
 * While busy: may this IKE datagram from p->src pass?  GCRA: a source may run burst_ns
 * ahead of its rate.  Two CPUs updating one source at once may let one extra through.
 */
static __always_inline int pl_ike_allowed(const struct pl_pkt *p)
{
	struct pl_ike_src k = {.family = p->family};
	struct pl_ike_cfg *cfg;
	__u32 zero = 0;
	__u64 now, t, *tat;

	cfg = bpf_map_lookup_elem(&pl_ike_cfg, &zero);
	if (!cfg || !cfg->busy)
		return 1;
	if (p->dport != ike_port && p->dport != PL_NATT_PORT)
		return 1; /* our own requests' answers, IKE between others */
	__builtin_memcpy(k.addr, p->src, sizeof(k.addr));
	now = bpf_ktime_get_ns();
	tat = bpf_map_lookup_elem(&pl_ike_rl, &k);
	if (!tat) {
		t = now + cfg->interval_ns;
		bpf_map_update_elem(&pl_ike_rl, &k, &t, BPF_ANY);
		return 1;
	}
	t = *tat > now ? *tat : now;
	if (t - now > cfg->burst_ns)
		return 0;
	*tat = t + cfg->interval_ns;
	return 1;
}

SEC("xdp")
int pl_xdp(struct xdp_md *ctx)
{
	struct pl_pkt p;
	int r;

	pl_count(PL_CNT_XDP_PACKETS);
	if (!pl_lease_ok())
		return XDP_PASS;
	r = pl_parse((void *)(long)ctx->data, (void *)(long)ctx->data_end, &p);
	if (r == PL_PARSE_NOT_IP) {
		pl_count(PL_CNT_XDP_NOT_IP);
		return XDP_PASS;
	}
	if (r == PL_PARSE_BAD) {
		pl_count(PL_CNT_XDP_BAD_IP);
		return XDP_PASS;
	}
	if (p.proto == IPPROTO_ESP)
		return pl_xdp_esp(&p);
	if (!pl_is_ike(&p, ike_port))
		return XDP_PASS;
	if (!pl_ike_allowed(&p)) {
		pl_count(PL_CNT_XDP_IKE_LIMITED);
		return XDP_DROP;
	}
	pl_count(PL_CNT_XDP_IKE);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
