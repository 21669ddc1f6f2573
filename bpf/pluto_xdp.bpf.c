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
 *   UDP to or from the IKE ports         pass, always (PL_CNT_XDP_IKE)
 *   anything else, parse failures        pass (the stack validates IP headers itself)
 *   pluto's lease expired                pass (PL_CNT_LEASE_EXPIRED)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "pl_maps.h"
#include "pl_parse.h"

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
	if (pl_is_ike(&p, ike_port))
		pl_count(PL_CNT_XDP_IKE);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
