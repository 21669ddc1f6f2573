/* SPIs, counters and names (loader.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

static const char *const counter_names[PL_CNT_MAX] = {
	[PL_CNT_XDP_PACKETS] = "xdp-packets",
	[PL_CNT_XDP_NOT_IP] = "xdp-not-ip",
	[PL_CNT_XDP_BAD_IP] = "xdp-bad-ip",
	[PL_CNT_XDP_IKE] = "xdp-ike",
	[PL_CNT_XDP_ESP_OK] = "xdp-esp-ok",
	[PL_CNT_XDP_ESP_UNKNOWN] = "xdp-esp-unknown-spi-dropped",
	[PL_CNT_XDP_ESP_SHORT] = "xdp-esp-short-dropped",
	[PL_CNT_EG_PACKETS] = "egress-packets",
	[PL_CNT_EG_BAD_IP] = "egress-bad-ip",
	[PL_CNT_EG_ESP] = "egress-esp",
	[PL_CNT_EG_IKE] = "egress-ike",
	[PL_CNT_EG_NO_EROUTE] = "egress-no-eroute",
	[PL_CNT_EG_PASS] = "egress-pass",
	[PL_CNT_EG_DROP] = "egress-shunt-dropped",
	[PL_CNT_EG_TRAP] = "egress-trap-dropped",
	[PL_CNT_EG_TRAP_EVENT] = "egress-trap-events",
	[PL_CNT_EG_TRAP_LOST] = "egress-trap-events-lost",
	[PL_CNT_EG_LEAK] = "egress-cleartext-leak-dropped",
	[PL_CNT_EG_REJECT_ICMP] = "egress-reject-icmp-sent",
	[PL_CNT_EG_REJECT_LIMITED] = "egress-reject-rate-limited",
	[PL_CNT_EG_REJECT_QUIET] = "egress-reject-unanswerable",
	[PL_CNT_EG_REJECT_FAILED] = "egress-reject-icmp-failed",
	[PL_CNT_IN_PACKETS] = "ingress-packets",
	[PL_CNT_IN_BAD_IP] = "ingress-bad-ip",
	[PL_CNT_IN_DECAP] = "ingress-decapsulated",
	[PL_CNT_IN_CLEAR_DROP] = "ingress-cleartext-dropped",
	[PL_CNT_IN_WRONG_SA] = "ingress-wrong-sa-dropped",
	[PL_CNT_LEASE_EXPIRED] = "lease-expired-passed",
	[PL_CNT_XDP_IKE_LIMITED] = "xdp-ike-rate-limited",
};

const char *pl_counter_name(unsigned c)
{
	return c < PL_CNT_MAX && counter_names[c] ? counter_names[c] : "?";
}

const char *pl_action_name(unsigned action)
{
	static const char *const names[] = {"none", "%trap", "%pass", "%drop", "%reject", "ipsec"};

	return action < sizeof(names) / sizeof(names[0]) ? names[action] : "?";
}

void pl_sel_format(const struct pl_sel *s, char *buf, unsigned len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(s->family == PL_AF_INET ? AF_INET : AF_INET6, s->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, s->len);
}

int pl_percpu_sum(const struct pl_dp *dp, int fd, const void *key, uint64_t *out, unsigned n,
		  bool last_is_max)
{
	int ncpus = dp->ncpus > 0 ? dp->ncpus : 1;
	uint64_t *v = calloc((size_t)ncpus * n, sizeof(uint64_t));
	int r = 0;

	if (v == NULL)
		return -ENOMEM;
	memset(out, 0, n * sizeof(uint64_t));
	if (bpf_map_lookup_elem(fd, key, v) < 0) {
		r = -errno;
		goto cleanup;
	}
	for (int c = 0; c < ncpus; c++) {
		for (unsigned i = 0; i < n; i++) {
			uint64_t x = v[(size_t)c * n + i];
			if (last_is_max && i == n - 1)
				out[i] = x > out[i] ? x : out[i];
			else
				out[i] += x;
		}
	}
cleanup:
	free(v);
	return r;
}

int pl_spi_add(struct pl_dp *dp, uint32_t spi, uint32_t dir)
{
	struct pl_spi_key k = {.spi = spi, .dir = dir};
	int ncpus = dp->ncpus > 0 ? dp->ncpus : 1;
	void *zero = calloc((size_t)ncpus, sizeof(struct pl_sa_stats));
	int r = 0;

	if (zero == NULL)
		return -ENOMEM;
	/* an SPI already there keeps its counters */
	if (bpf_map_update_elem(dp->map_fd[PL_MAP_SPI], &k, zero, BPF_NOEXIST) < 0 &&
	    errno != EEXIST)
		r = -errno;
	free(zero);
	return r;
}

int pl_spi_del(struct pl_dp *dp, uint32_t spi, uint32_t dir)
{
	struct pl_spi_key k = {.spi = spi, .dir = dir};

	if (bpf_map_delete_elem(dp->map_fd[PL_MAP_SPI], &k) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int pl_spi_stats(const struct pl_dp *dp, uint32_t spi, uint32_t dir, struct pl_sa_stats *sum)
{
	struct pl_spi_key k = {.spi = spi, .dir = dir};
	uint64_t v[3];
	int r = pl_percpu_sum(dp, dp->map_fd[PL_MAP_SPI], &k, v, 3, true);

	if (r == 0) {
		sum->packets = v[0];
		sum->bytes = v[1];
		sum->last_ns = v[2];
	}
	return r;
}

int pl_counters_read(const struct pl_dp *dp, uint64_t v[PL_CNT_MAX])
{
	for (uint32_t i = 0; i < PL_CNT_MAX; i++) {
		int r = pl_percpu_sum(dp, dp->map_fd[PL_MAP_COUNTERS], &i, &v[i], 1, false);
		if (r < 0)
			return r;
	}
	return 0;
}
