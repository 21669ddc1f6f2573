/*
 * The BPF dataplane library, used by pluto (controld/dataplane.c), the pluto-bpf CLI
 * (loader/main.c), the tests and the benchmark.
 *
 *   pl_dp_load()    open the three programs' skeletons, configure their rodata, load
 *                   them with one shared set of maps, pin maps and programs by name
 *   pl_dp_attach()  XDP (a BPF link) and clsact ingress/egress filters on one interface
 *   pl_dp_detach()  take them off again
 *   pl_cleanup_all() what a crashed pluto left: its filters and XDP program on every
 *                   interface of this network namespace, and its pin directory
 *   pl_eroute_*()   eroutes, kept "most specific on both selectors" (eroute.c)
 *   pl_dp_close()   detach everything, unpin (when asked), free
 *
 * Every function returns 0 or -errno; the ones that can fail for a reason worth telling
 * fill *why with a static string. Nothing here logs: the caller does.
 */
#ifndef PLUTO_LOADER_H
#define PLUTO_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "pluto/dataplane.h"

enum pl_map_id {
	PL_MAP_DST,
	PL_MAP_SRC,
	PL_MAP_EROUTES,
	PL_MAP_ER_STATS,
	PL_MAP_PENDING,
	PL_MAP_SPI,
	PL_MAP_COUNTERS,
	PL_MAP_CTL,
	PL_MAP_EVENTS,
	PL_MAP_IKE_CFG, /* XDP's only */
	PL_MAP_IKE_RL,	/* XDP's only */
	PL_MAP_COUNT
};

/* The _L3 programs are the TC programs for devices whose packets start at the IP header. */
enum pl_prog_id {
	PL_PROG_XDP,
	PL_PROG_TC_INGRESS,
	PL_PROG_TC_EGRESS,
	PL_PROG_TC_INGRESS_L3,
	PL_PROG_TC_EGRESS_L3,
	PL_PROG_COUNT
};

struct pl_opts {
	const char *pin_dir;   /* NULL: pin nothing (tests, benchmark) */
	uint16_t ike_port;     /* 0: 500 */
	uint32_t max_eroutes;  /* 0: PL_MAX_EROUTES_DEFAULT */
	uint64_t trap_hold_ns; /* 0: PL_TRAP_HOLD_NS_DEFAULT */
	uint32_t reject_per_sec; /* 0: PL_REJECT_PER_SEC_DEFAULT (ICMP errors, per CPU) */
	bool no_esp_filter;    /* XDP counts unknown SPIs but drops nothing */
};

struct pl_dp;

int pl_dp_load(const struct pl_opts *o, struct pl_dp **out, const char **why);
/* What pl_dp_load() pinned in pin_dir (another process: pluto-bpf attach, show). */
int pl_dp_open_pinned(const char *pin_dir, struct pl_dp **out, const char **why);
/* Detach what this handle attached (not persistent attachments); unpin: remove pin_dir. */
void pl_dp_close(struct pl_dp *dp, bool unpin);
int pl_dp_map_fd(const struct pl_dp *dp, enum pl_map_id m);
int pl_dp_prog_fd(const struct pl_dp *dp, enum pl_prog_id p);
const char *pl_map_name(enum pl_map_id m);
const char *pl_prog_name(enum pl_prog_id p);
uint32_t pl_dp_max_eroutes(const struct pl_dp *dp);

/* pin_dir's parent must be a BPF filesystem; /sys/fs/bpf is mounted if it is not one. */
int pl_bpffs_ensure(const char *pin_dir, const char **why);

/* --- attach.c --------------------------------------------------------------------- */

/* --- link.c: which programs fit a device ------------------------------------------ */

enum pl_link_kind {
	PL_LINK_REFUSED, /* why says why */
	PL_LINK_ETHER,	 /* Ethernet header: the Ethernet TC programs and XDP */
	PL_LINK_L3,	 /* packets start at the IP header: the L3 TC programs, no XDP */
};

struct pl_link {
	enum pl_link_kind kind;
	unsigned arphrd;  /* the device's ARPHRD_* type */
	const char *why;  /* PL_LINK_REFUSED: a static string */
};

/* 0, or -EOPNOTSUPP (refused: out->why) or -errno (cannot tell). */
int pl_link_probe(int ifindex, struct pl_link *out);

/* What pl_dp_attach() managed: the TC filters, and XDP unless *xdp_err says why not. */
struct pl_attach_result {
	bool tc;
	bool xdp;
	bool l3;     /* the device has no link-layer header: L3 programs, no XDP (xdp_err 0) */
	int xdp_err; /* -errno when XDP could not be attached (another program holds it) */
	struct pl_link link;
};

/*
 * TC ingress and egress filters (handle/priority PL_TC_HANDLE/PL_TC_PRIORITY on clsact,
 * replacing a stale one of ours) and XDP through a BPF link; on a device without a
 * link-layer header the L3 TC programs and no XDP. persist: pin the link under
 * the pin directory so the attachment outlives this process (pluto-bpf); pluto does not,
 * so its XDP program goes when it does. 0 when the TC filters are on (XDP may have failed:
 * see res), -EOPNOTSUPP for a device pl_link_probe() refuses (res->link.why), else -errno.
 */
int pl_dp_attach(struct pl_dp *dp, int ifindex, bool persist, struct pl_attach_result *res);
int pl_dp_detach(struct pl_dp *dp, int ifindex);
/* Take pluto's programs off one interface, whoever attached them. */
int pl_cleanup_ifindex(int ifindex);
/* pl_cleanup_ifindex() on every interface of this namespace, then remove pin_dir. */
int pl_cleanup_all(const char *pin_dir);

struct pl_attach_info {
	bool tc_ingress, tc_egress;
	uint32_t xdp_prog_id; /* 0: none of ours */
	bool xdp_link;	      /* attached through a BPF link */
};
int pl_query_ifindex(int ifindex, struct pl_attach_info *info);

/* --- lease (loader.c) -------------------------------------------------------------- */

uint64_t pl_now_ns(void); /* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
/* The programs act until pl_now_ns() reaches until_ns (0: no lease, always). */
int pl_dp_set_lease(struct pl_dp *dp, uint64_t until_ns);
/*
 * busy: XDP rate-limits IKE to the IKE ports to rate packets per second per source, with
 * bursts of burst (0: the defaults, PL_IKE_RATE_DEFAULT and PL_IKE_BURST_DEFAULT).
 */
int pl_dp_set_ike_busy(struct pl_dp *dp, bool busy, uint32_t rate, uint32_t burst);

/* --- eroute.c ------------------------------------------------------------------------ */

struct pl_sel {
	uint8_t family;	  /* PL_AF_INET or PL_AF_INET6 */
	uint8_t len;	  /* prefix length */
	uint8_t addr[16]; /* network order; host bits are cleared on add */
};

struct pl_er_spec {
	uint8_t action;		  /* enum pl_action (not PL_ACT_NONE) */
	uint8_t flags;		  /* PL_ER_F_* */
	uint32_t spi_out, spi_in; /* network order, PL_ACT_IPSEC */
	uint8_t peer[16];	  /* PL_ACT_IPSEC: the peer's address */
};

/* -EEXIST if (src, dst) has an eroute; -ENOSPC when a map is full; -EINVAL bad selectors. */
int pl_eroute_add(struct pl_dp *dp, const struct pl_sel *src, const struct pl_sel *dst,
		  const struct pl_er_spec *spec, uint32_t *id);
/* Change what an eroute does (TRAP -> IPSEC -> TRAP ...); leaving TRAP clears pending. */
int pl_eroute_set(struct pl_dp *dp, uint32_t id, const struct pl_er_spec *spec);
int pl_eroute_del(struct pl_dp *dp, uint32_t id);
int pl_eroute_find(const struct pl_dp *dp, const struct pl_sel *src, const struct pl_sel *dst,
		   uint32_t *id);
unsigned pl_eroute_count(const struct pl_dp *dp);
/* Summed over CPUs (last_ns: the latest). */
int pl_eroute_stats(const struct pl_dp *dp, uint32_t id, struct pl_er_stats *sum);
/* The TRAP event in flight for the eroute, if any: *since is its bpf_ktime_get_ns(). */
bool pl_pending_get(const struct pl_dp *dp, uint32_t id, uint64_t *since);
/* Let the next packet that hits the TRAP eroute report again. */
int pl_pending_clear(struct pl_dp *dp, uint32_t id);

/* --- stats.c -------------------------------------------------------------------------- */

/* An SPI pluto handed out (PL_DIR_IN: XDP lets its ESP in) or uses (PL_DIR_OUT). */
int pl_spi_add(struct pl_dp *dp, uint32_t spi, uint32_t dir);
int pl_spi_del(struct pl_dp *dp, uint32_t spi, uint32_t dir);
int pl_spi_stats(const struct pl_dp *dp, uint32_t spi, uint32_t dir, struct pl_sa_stats *sum);
int pl_counters_read(const struct pl_dp *dp, uint64_t v[PL_CNT_MAX]);
const char *pl_counter_name(unsigned c);
const char *pl_action_name(unsigned action);
/* "10.0.1.0/24" */
void pl_sel_format(const struct pl_sel *s, char *buf, unsigned len);

#endif
