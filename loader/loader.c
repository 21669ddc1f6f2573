/*
 * Open, configure, load and pin the dataplane (loader.h). The three programs are three
 * objects (one per file under bpf/); the XDP object is loaded first and creates the maps, the
 * TC objects reuse them, so every program sees the same eroutes and counters.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "pluto_tc_egress.skel.h"
#include "pluto_tc_ingress.skel.h"
#include "pluto_xdp.skel.h"

#define BPFFS "/sys/fs/bpf"

static const char *const map_names[PL_MAP_COUNT] = {
	[PL_MAP_DST] = "pl_dst",	   [PL_MAP_SRC] = "pl_src",
	[PL_MAP_EROUTES] = "pl_eroutes",   [PL_MAP_ER_STATS] = "pl_er_stats",
	[PL_MAP_PENDING] = "pl_pending",   [PL_MAP_SPI] = "pl_spi",
	[PL_MAP_COUNTERS] = "pl_counters", [PL_MAP_CTL] = "pl_ctl",
	[PL_MAP_EVENTS] = "pl_events",	   [PL_MAP_IKE_CFG] = "pl_ike_cfg",
	[PL_MAP_IKE_RL] = "pl_ike_rl",
};

static const char *const prog_names[PL_PROG_COUNT] = {
	[PL_PROG_XDP] = PL_PROG_XDP_NAME,
	[PL_PROG_TC_INGRESS] = PL_PROG_TC_IN_NAME,
	[PL_PROG_TC_EGRESS] = PL_PROG_TC_EG_NAME,
	[PL_PROG_TC_INGRESS_L3] = PL_PROG_TC_IN_L3_NAME,
	[PL_PROG_TC_EGRESS_L3] = PL_PROG_TC_EG_L3_NAME,
};

const char *pl_map_name(enum pl_map_id m)
{
	return m < PL_MAP_COUNT ? map_names[m] : "?";
}

const char *pl_prog_name(enum pl_prog_id p)
{
	return p < PL_PROG_COUNT ? prog_names[p] : "?";
}

int pl_dp_map_fd(const struct pl_dp *dp, enum pl_map_id m)
{
	return m < PL_MAP_COUNT ? dp->map_fd[m] : -1;
}

int pl_dp_prog_fd(const struct pl_dp *dp, enum pl_prog_id p)
{
	return p < PL_PROG_COUNT ? dp->prog_fd[p] : -1;
}

uint32_t pl_dp_max_eroutes(const struct pl_dp *dp)
{
	return dp->max_eroutes;
}

uint64_t pl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int pl_dp_set_lease(struct pl_dp *dp, uint64_t until_ns)
{
	struct pl_ctl ctl = {.lease_until_ns = until_ns};
	uint32_t zero = 0;

	return bpf_map_update_elem(dp->map_fd[PL_MAP_CTL], &zero, &ctl, BPF_ANY) < 0 ? -errno : 0;
}

int pl_dp_set_ike_busy(struct pl_dp *dp, bool busy, uint32_t rate, uint32_t burst)
{
	struct pl_ike_cfg cfg = {.busy = busy};
	uint32_t zero = 0;

	rate = rate ? rate : PL_IKE_RATE_DEFAULT;
	burst = burst ? burst : PL_IKE_BURST_DEFAULT;
	cfg.interval_ns = 1000000000ull / rate;
	cfg.burst_ns = (uint64_t)(burst - 1) * cfg.interval_ns;
	return bpf_map_update_elem(dp->map_fd[PL_MAP_IKE_CFG], &zero, &cfg, BPF_ANY) < 0 ? -errno
											    : 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

int pl_bpffs_ensure(const char *pin_dir, const char **why)
{
	char parent[256];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent)
		*slash = '\0';
	if (on_bpffs(parent))
		return 0;
	if (strcmp(parent, BPFFS) != 0) {
		*why = "the pin directory is not on a BPF filesystem";
		return -EINVAL;
	}
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700") < 0) {
		*why = "cannot mount the BPF filesystem at " BPFFS;
		return -errno;
	}
	return 0;
}

static struct pl_dp *dp_new(void)
{
	struct pl_dp *dp = calloc(1, sizeof(*dp));

	if (dp == NULL)
		return NULL;
	for (int i = 0; i < PL_MAP_COUNT; i++)
		dp->map_fd[i] = -1;
	for (int i = 0; i < PL_PROG_COUNT; i++)
		dp->prog_fd[i] = -1;
	for (int i = 0; i < PL_MAX_ATTACH; i++)
		dp->att[i].xdp_link_fd = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	return dp;
}

/* Every object gets the same map sizes, or reusing the first one's maps would fail. */
static int size_maps(struct bpf_object *obj, uint32_t max)
{
	struct bpf_map *m;
	int r = 0;

	bpf_object__for_each_map(m, obj)
	{
		const char *n = bpf_map__name(m);

		if (!strcmp(n, "pl_dst") || !strcmp(n, "pl_eroutes") || !strcmp(n, "pl_er_stats") ||
		    !strcmp(n, "pl_pending"))
			r = r ?: bpf_map__set_max_entries(m, max);
		else if (!strcmp(n, "pl_src"))
			r = r ?: bpf_map__set_max_entries(m, max * PL_SRC_PER_EROUTE);
		else if (!strcmp(n, "pl_spi"))
			r = r ?: bpf_map__set_max_entries(m, max * 4);
	}
	return r;
}

/* Hand the first object's maps to a later one. */
static int reuse_maps(struct pl_dp *dp, struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
	{
		for (int i = 0; i < PL_MAP_COUNT; i++) {
			if (strcmp(bpf_map__name(m), map_names[i]) != 0)
				continue;
			int r = bpf_map__reuse_fd(m, dp->map_fd[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int collect_maps(struct pl_dp *dp, struct bpf_object *obj)
{
	for (int i = 0; i < PL_MAP_COUNT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, map_names[i]);

		if (m == NULL || bpf_map__fd(m) < 0)
			return -ENOENT;
		dp->map_fd[i] = bpf_map__fd(m);
	}
	return 0;
}

static int open_objects(struct pl_dp *dp, const struct pl_opts *o)
{
	dp->xdp = pluto_xdp_bpf__open();
	dp->tc_in = pluto_tc_ingress_bpf__open();
	dp->tc_eg = pluto_tc_egress_bpf__open();
	if (dp->xdp == NULL || dp->tc_in == NULL || dp->tc_eg == NULL)
		return -errno ?: -ENOMEM;
	uint16_t port = o->ike_port ? o->ike_port : 500;
	dp->xdp->rodata->ike_port = port;
	dp->xdp->rodata->esp_filter = !o->no_esp_filter;
	dp->tc_in->rodata->ike_port = port;
	dp->tc_eg->rodata->ike_port = port;
	dp->tc_eg->rodata->trap_hold_ns =
		o->trap_hold_ns ? o->trap_hold_ns : PL_TRAP_HOLD_NS_DEFAULT;
	dp->tc_eg->rodata->reject_per_sec =
		o->reject_per_sec ? o->reject_per_sec : PL_REJECT_PER_SEC_DEFAULT;
	dp->max_eroutes = o->max_eroutes ? o->max_eroutes : PL_MAX_EROUTES_DEFAULT;
	return size_maps(dp->xdp->obj, dp->max_eroutes) ?: size_maps(dp->tc_in->obj, dp->max_eroutes)
								  ?: size_maps(dp->tc_eg->obj, dp->max_eroutes);
}

static int load_objects(struct pl_dp *dp, const char **why)
{
	int r;

	*why = "cannot load the XDP program";
	if ((r = pluto_xdp_bpf__load(dp->xdp)) < 0 || (r = collect_maps(dp, dp->xdp->obj)) < 0)
		return r;
	*why = "cannot load the TC ingress program";
	if ((r = reuse_maps(dp, dp->tc_in->obj)) < 0 ||
	    (r = pluto_tc_ingress_bpf__load(dp->tc_in)) < 0)
		return r;
	*why = "cannot load the TC egress program";
	if ((r = reuse_maps(dp, dp->tc_eg->obj)) < 0 ||
	    (r = pluto_tc_egress_bpf__load(dp->tc_eg)) < 0)
		return r;
	dp->prog_fd[PL_PROG_XDP] = bpf_program__fd(dp->xdp->progs.pl_xdp);
	dp->prog_fd[PL_PROG_TC_INGRESS] = bpf_program__fd(dp->tc_in->progs.pl_tc_ingress);
	dp->prog_fd[PL_PROG_TC_EGRESS] = bpf_program__fd(dp->tc_eg->progs.pl_tc_egress);
	dp->prog_fd[PL_PROG_TC_INGRESS_L3] = bpf_program__fd(dp->tc_in->progs.pl_tc_in_l3);
	dp->prog_fd[PL_PROG_TC_EGRESS_L3] = bpf_program__fd(dp->tc_eg->progs.pl_tc_eg_l3);
	return 0;
}

static int pin_one(const char *dir, const char *name, int fd)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path); /* a stale pin from a pluto that did not clean up */
	return bpf_obj_pin(fd, path) < 0 ? -errno : 0;
}

static int pin_all(struct pl_dp *dp, const char *dir, const char **why)
{
	int r;

	*why = "cannot create the pin directory";
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	*why = "cannot pin the maps and programs";
	for (int i = 0; i < PL_MAP_COUNT; i++) {
		if ((r = pin_one(dir, map_names[i], dp->map_fd[i])) < 0)
			return r;
	}
	for (int i = 0; i < PL_PROG_COUNT; i++) {
		if ((r = pin_one(dir, prog_names[i], dp->prog_fd[i])) < 0)
			return r;
	}
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", dir);
	return 0;
}

int pl_dp_load(const struct pl_opts *o, struct pl_dp **out, const char **why)
{
	struct pl_dp *dp = dp_new();
	int r;

	*why = "out of memory";
	if (dp == NULL)
		return -ENOMEM;
	*why = "cannot open the BPF objects";
	r = open_objects(dp, o);
	if (r == 0)
		r = load_objects(dp, why);
	if (r == 0 && o->pin_dir != NULL) {
		if ((r = pl_bpffs_ensure(o->pin_dir, why)) == 0)
			r = pin_all(dp, o->pin_dir, why);
	}
	if (r == 0) {
		*why = "out of memory";
		r = pl_erdb_new(dp);
	}
	if (r < 0) {
		pl_dp_close(dp, true);
		return r;
	}
	*out = dp;
	return 0;
}

int pl_dp_open_pinned(const char *pin_dir, struct pl_dp **out, const char **why)
{
	struct pl_dp *dp = dp_new();
	char path[512];
	int r = 0;

	*why = "out of memory";
	if (dp == NULL)
		return -ENOMEM;
	*why = "nothing loaded there (pluto-bpf load)";
	for (int i = 0; i < PL_MAP_COUNT && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		if ((dp->map_fd[i] = bpf_obj_get(path)) < 0)
			r = -errno;
	}
	for (int i = 0; i < PL_PROG_COUNT && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, prog_names[i]);
		if ((dp->prog_fd[i] = bpf_obj_get(path)) < 0)
			r = -errno;
	}
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", pin_dir);
	if (r == 0) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		bpf_obj_get_info_by_fd(dp->map_fd[PL_MAP_EROUTES], &info, &len);
		dp->max_eroutes = info.max_entries;
		*why = "out of memory";
		r = pl_erdb_new(dp);
	}
	if (r < 0) {
		pl_dp_close(dp, false);
		return r;
	}
	*out = dp;
	return 0;
}

/* Remove every pin in dir, then dir: pinned links go with their pins. */
void pl_unpin_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void pl_dp_close(struct pl_dp *dp, bool unpin)
{
	if (dp == NULL)
		return;
	pl_detach_all(dp);
	pl_erdb_free(dp);
	if (unpin && dp->pin_dir[0] != '\0')
		pl_unpin_dir(dp->pin_dir);
	if (dp->xdp != NULL || dp->tc_in != NULL || dp->tc_eg != NULL) {
		/* the skeletons own the fds */
		pluto_tc_egress_bpf__destroy(dp->tc_eg);
		pluto_tc_ingress_bpf__destroy(dp->tc_in);
		pluto_xdp_bpf__destroy(dp->xdp);
	} else {
		for (int i = 0; i < PL_MAP_COUNT; i++)
			if (dp->map_fd[i] >= 0)
				close(dp->map_fd[i]);
		for (int i = 0; i < PL_PROG_COUNT; i++)
			if (dp->prog_fd[i] >= 0)
				close(dp->prog_fd[i]);
	}
	free(dp);
}
