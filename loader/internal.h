/* The loader library's own declarations, shared by the files under loader/ (see loader.h). */
#ifndef PLUTO_LOADER_INTERNAL_H
#define PLUTO_LOADER_INTERNAL_H

#include "loader.h"

#define PL_MAX_ATTACH 64

struct pl_attachment {
	int ifindex;
	int xdp_link_fd; /* -1: none */
	bool xdp_pinned;
	bool tc;
};

struct pl_erdb; /* eroute.c */

struct pl_dp {
	int map_fd[PL_MAP_COUNT];
	int prog_fd[PL_PROG_COUNT];
	struct pluto_xdp_bpf *xdp;
	struct pluto_tc_ingress_bpf *tc_in;
	struct pluto_tc_egress_bpf *tc_eg;
	char pin_dir[256]; /* empty: nothing pinned */
	int ncpus;
	uint32_t max_eroutes;
	struct pl_attachment att[PL_MAX_ATTACH];
	int natt;
	struct pl_erdb *er;
};

/* loader.c: remove every pin in dir, then dir */
void pl_unpin_dir(const char *dir);

/* ptrie.c: the destination prefixes in use (eroute.c) */
struct pl_er;
struct pt_node {
	struct pt_node *parent, *child[2];
	struct pl_er *eroutes; /* the eroutes with this destination */
	uint32_t node_id;      /* its pl_dst value while used */
	bool used;	       /* has eroutes: a node in pl_dst */
	uint8_t len;
	uint8_t addr[16];
};
struct pt_node *pt_root_new(void);
/* The vertex for addr/len, created if needed (NULL: out of memory). */
struct pt_node *pt_insert(struct pt_node *root, const uint8_t *addr, unsigned len);
struct pt_node *pt_find(struct pt_node *root, const uint8_t *addr, unsigned len);
/* After n->used went false: free what is no longer needed. */
void pt_release(struct pt_node *n);
void pt_free_all(struct pt_node *root);
/* Clear the bits of addr beyond len. */
void pl_prefix_mask(uint8_t *addr, unsigned len);

/* eroute.c */
int pl_erdb_new(struct pl_dp *dp);
void pl_erdb_free(struct pl_dp *dp);

/* attach.c */
void pl_detach_all(struct pl_dp *dp);

/* stats.c: sum a per-CPU value of n u64 fields (the last one: max, for last_ns) */
int pl_percpu_sum(const struct pl_dp *dp, int fd, const void *key, uint64_t *out, unsigned n,
		  bool last_is_max);

#endif
