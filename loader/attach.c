/*
 * Attaching and detaching (loader.h). TC: a clsact qdisc (created when missing, left in
 * place afterwards: other filters may use it) and one filter per direction with pluto's
 * handle and priority, so a later pluto finds and removes what a crashed one left. XDP: a
 * BPF link, which the kernel takes down when the last reference goes: pluto's XDP program
 * dies with pluto; pluto-bpf pins the link to keep it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

static struct pl_attachment *att_find(struct pl_dp *dp, int ifindex, bool create)
{
	for (int i = 0; i < dp->natt; i++) {
		if (dp->att[i].ifindex == ifindex)
			return &dp->att[i];
	}
	if (!create || dp->natt == PL_MAX_ATTACH)
		return NULL;
	struct pl_attachment *a = &dp->att[dp->natt++];
	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->xdp_link_fd = -1;
	return a;
}

static void att_forget(struct pl_dp *dp, struct pl_attachment *a)
{
	*a = dp->att[--dp->natt];
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point where, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_HANDLE, .priority = PL_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int r = bpf_tc_hook_create(&hook);

	if (r < 0 && r != -EEXIST)
		return r;
	return bpf_tc_attach(&hook, &opts);
}

/* Remove pluto's filter in one direction; 0 if there was none. */
static int tc_detach(int ifindex, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_HANDLE, .priority = PL_TC_PRIORITY);
	int r = bpf_tc_detach(&hook, &opts);

	return r == -ENOENT || r == -EINVAL ? 0 : r;
}

static bool tc_present(int ifindex, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_HANDLE, .priority = PL_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) == 0;
}

static bool prog_is_ours(uint32_t id)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	       strcmp(info.name, PL_PROG_XDP_NAME) == 0;
	close(fd);
	return ours;
}

/*
 * The XDP link holding prog_id on ifindex, or -1. Links of every namespace are listed, so
 * the program id (unique system-wide) is what identifies ours, not the ifindex alone.
 */
static int xdp_link_fd(int ifindex, uint32_t prog_id)
{
	uint32_t id = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == BPF_LINK_TYPE_XDP && info.prog_id == prog_id &&
		    (int)info.xdp.ifindex == ifindex)
			return fd;
		close(fd);
	}
	return -1;
}

/* Take pluto's XDP program off ifindex, however it was attached. */
static int xdp_remove_ours(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int r = bpf_xdp_query(ifindex, 0, &q);

	if (r < 0)
		return r;
	const uint32_t ids[] = {q.skb_prog_id, q.drv_prog_id, q.hw_prog_id};
	const uint32_t modes[] = {XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE};
	for (int i = 0; i < 3; i++) {
		if (ids[i] == 0 || !prog_is_ours(ids[i]))
			continue;
		if (bpf_xdp_detach(ifindex, modes[i], NULL) == 0)
			continue;
		int fd = xdp_link_fd(ifindex, ids[i]); /* attached through a link */
		if (fd >= 0) {
			r = bpf_link_detach(fd) < 0 ? -errno : 0;
			close(fd);
		}
	}
	return r;
}

static void link_pin_path(const struct pl_dp *dp, int ifindex, char *buf, size_t len)
{
	snprintf(buf, len, "%s/xdp_link_%d", dp->pin_dir, ifindex);
}

static void xdp_attach(struct pl_dp *dp, struct pl_attachment *a, bool persist,
		       struct pl_attach_result *res)
{
	char path[512];

	if (a->xdp_link_fd < 0) {
		xdp_remove_ours(a->ifindex); /* a stale one, or pluto-bpf's */
		a->xdp_link_fd =
			bpf_link_create(dp->prog_fd[PL_PROG_XDP], a->ifindex, BPF_XDP, NULL);
		if (a->xdp_link_fd < 0) {
			res->xdp_err = -errno;
			a->xdp_link_fd = -1;
			return;
		}
	}
	if (persist && !a->xdp_pinned && dp->pin_dir[0] != '\0') {
		link_pin_path(dp, a->ifindex, path, sizeof(path));
		unlink(path);
		a->xdp_pinned = bpf_obj_pin(a->xdp_link_fd, path) == 0;
	}
	res->xdp = true;
}

int pl_dp_attach(struct pl_dp *dp, int ifindex, bool persist, struct pl_attach_result *res)
{
	struct pl_attachment *a = att_find(dp, ifindex, true);
	int r;

	memset(res, 0, sizeof(*res));
	if (a == NULL)
		return -ENOSPC;
	r = pl_link_probe(ifindex, &res->link);
	if (r < 0) {
		if (!a->tc && a->xdp_link_fd < 0)
			att_forget(dp, a);
		return r;
	}
	res->l3 = res->link.kind == PL_LINK_L3;
	r = tc_attach(ifindex, BPF_TC_INGRESS,
		      dp->prog_fd[res->l3 ? PL_PROG_TC_INGRESS_L3 : PL_PROG_TC_INGRESS]);
	if (r == 0)
		r = tc_attach(ifindex, BPF_TC_EGRESS,
			      dp->prog_fd[res->l3 ? PL_PROG_TC_EGRESS_L3 : PL_PROG_TC_EGRESS]);
	if (r < 0) {
		tc_detach(ifindex, BPF_TC_INGRESS);
		tc_detach(ifindex, BPF_TC_EGRESS);
		if (!a->tc && a->xdp_link_fd < 0)
			att_forget(dp, a);
		return r;
	}
	a->tc = res->tc = true;
	if (!res->l3)
		xdp_attach(dp, a, persist, res);
	return 0;
}

static int detach(struct pl_dp *dp, struct pl_attachment *a)
{
	char path[512];
	int r = tc_detach(a->ifindex, BPF_TC_INGRESS);
	int r2 = tc_detach(a->ifindex, BPF_TC_EGRESS);

	if (a->xdp_link_fd >= 0) {
		if (a->xdp_pinned) {
			link_pin_path(dp, a->ifindex, path, sizeof(path));
			unlink(path);
		}
		bpf_link_detach(a->xdp_link_fd); /* even if someone else holds the link */
		close(a->xdp_link_fd);
	}
	att_forget(dp, a);
	/* an interface that went away took its filters with it */
	return r == -ENODEV ? 0 : r ?: (r2 == -ENODEV ? 0 : r2);
}

int pl_dp_detach(struct pl_dp *dp, int ifindex)
{
	struct pl_attachment *a = att_find(dp, ifindex, false);
	char path[512];

	if (a != NULL)
		return detach(dp, a);
	/* not ours in this process: pluto-bpf detach */
	if (dp->pin_dir[0] != '\0') {
		link_pin_path(dp, ifindex, path, sizeof(path));
		unlink(path);
	}
	return pl_cleanup_ifindex(ifindex);
}

void pl_detach_all(struct pl_dp *dp)
{
	while (dp->natt > 0) {
		struct pl_attachment *a = &dp->att[dp->natt - 1];
		if (a->xdp_pinned) {
			/* persistent (pluto-bpf): leave it attached, just let go */
			close(a->xdp_link_fd);
			att_forget(dp, a);
			continue;
		}
		detach(dp, a);
	}
}

int pl_cleanup_ifindex(int ifindex)
{
	int r = tc_detach(ifindex, BPF_TC_INGRESS);
	int r2 = tc_detach(ifindex, BPF_TC_EGRESS);
	int r3 = xdp_remove_ours(ifindex);

	return r ?: r2 ?: r3;
}

int pl_cleanup_all(const char *pin_dir)
{
	struct if_nameindex *ifs = if_nameindex();
	int r = 0;

	if (pin_dir != NULL)
		pl_unpin_dir(pin_dir); /* pinned XDP links go with their pins */
	if (ifs == NULL)
		return -errno;
	for (struct if_nameindex *i = ifs; i->if_index != 0; i++) {
		int e = pl_cleanup_ifindex((int)i->if_index);
		if (e < 0 && e != -ENODEV && r == 0)
			r = e;
	}
	if_freenameindex(ifs);
	return r;
}

int pl_query_ifindex(int ifindex, struct pl_attach_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int r;

	memset(info, 0, sizeof(*info));
	info->tc_ingress = tc_present(ifindex, BPF_TC_INGRESS);
	info->tc_egress = tc_present(ifindex, BPF_TC_EGRESS);
	r = bpf_xdp_query(ifindex, 0, &q);
	if (r < 0)
		return r;
	uint32_t id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (id != 0 && prog_is_ours(id)) {
		info->xdp_prog_id = id;
		int fd = xdp_link_fd(ifindex, id);
		info->xdp_link = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
