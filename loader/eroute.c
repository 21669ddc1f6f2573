/*
 * Eroutes in the BPF maps (the layout and why it finds the most specific eroute on both
 * selectors: include/pluto/dataplane.h).
 *
 * Invariant, for every destination prefix D in use (a "node", trie vertex n):
 *   pl_dst[D] = n->node_id, and for every source prefix S,
 *   pl_src[n->node_id, S] = the eroute (S, D') with D' the longest prefix containing D
 *                           that has an eroute with source S (absent if there is none).
 * best_for() computes that entry; an add or delete of (S, D) can change it only for S, at D
 * and at the nodes below D that do not have their own (S, ...) eroute (they shadow D), and
 * resync() rewrites exactly those. A new node gets its inherited entries before pl_dst
 * points at it; a node going away leaves pl_dst first. Packets therefore always see either
 * the old or the new answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

struct pl_er {
	uint32_t id;
	struct pl_sel src, dst;
	struct pt_node *dn;
	struct pl_er *dnext; /* the next eroute with the same destination */
	struct pl_er *hnext; /* hash chain */
};

struct pl_erdb {
	struct pt_node *root[2]; /* IPv4, IPv6 */
	struct pl_er **hash;
	uint32_t nbuckets;
	struct pl_er **by_id;
	uint32_t *free_ids, nfree_ids;
	uint32_t *free_nodes, nfree_nodes;
	unsigned count;
	void *zero_stats; /* one struct pl_er_stats per CPU */
};

static unsigned fam_bits(uint8_t family)
{
	return family == PL_AF_INET ? 32 : 128;
}

static bool sel_ok(const struct pl_sel *s)
{
	return (s->family == PL_AF_INET || s->family == PL_AF_INET6) &&
	       s->len <= fam_bits(s->family);
}

static bool sel_eq(const struct pl_sel *a, const struct pl_sel *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

static uint32_t sel_hash(uint32_t h, const struct pl_sel *s)
{
	h = (h ^ s->family) * 16777619u;
	h = (h ^ s->len) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ s->addr[i]) * 16777619u;
	return h;
}

static struct pl_er **bucket(const struct pl_erdb *db, const struct pl_sel *src,
			     const struct pl_sel *dst)
{
	uint32_t h = sel_hash(sel_hash(2166136261u, src), dst);

	return &db->hash[h & (db->nbuckets - 1)];
}

static struct pl_er *er_lookup(const struct pl_erdb *db, const struct pl_sel *src, uint8_t family,
			       const uint8_t *daddr, unsigned dlen)
{
	struct pl_sel dst = {.family = family, .len = (uint8_t)dlen};

	memcpy(dst.addr, daddr, 16);
	for (struct pl_er *e = *bucket(db, src, &dst); e != NULL; e = e->hnext) {
		if (sel_eq(&e->src, src) && sel_eq(&e->dst, &dst))
			return e;
	}
	return NULL;
}

/* What pl_src[n, s] must hold: the eroute with source s at n or its nearest ancestor. */
static struct pl_er *best_for(const struct pl_erdb *db, const struct pt_node *n,
			      const struct pl_sel *s)
{
	for (; n != NULL; n = n->parent) {
		struct pl_er *e = n->used ? er_lookup(db, s, s->family, n->addr, n->len) : NULL;
		if (e != NULL)
			return e;
	}
	return NULL;
}

static void src_key(struct pl_src_key *k, const struct pt_node *n, const struct pl_sel *s)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + s->len;
	k->node = n->node_id;
	memcpy(k->addr, s->addr, 16);
}

static int src_sync(struct pl_dp *dp, const struct pt_node *n, const struct pl_sel *s)
{
	struct pl_er *e = best_for(dp->er, n, s);
	struct pl_src_key k;
	int fd = dp->map_fd[PL_MAP_SRC];

	src_key(&k, n, s);
	if (e != NULL)
		return bpf_map_update_elem(fd, &k, &e->id, BPF_ANY) < 0 ? -errno : 0;
	return bpf_map_delete_elem(fd, &k) < 0 && errno != ENOENT ? -errno : 0;
}

/* Rewrite pl_src[., s] at n (if used) and below, skipping subtrees that shadow n for s. */
static int resync(struct pl_dp *dp, const struct pt_node *n, const struct pl_sel *s)
{
	int r = n->used ? src_sync(dp, n, s) : 0;

	for (int i = 0; i < 2 && r == 0; i++) {
		const struct pt_node *c = n->child[i];
		if (c == NULL || (c->used && er_lookup(dp->er, s, s->family, c->addr, c->len)))
			continue;
		r = resync(dp, c, s);
	}
	return r;
}

static void dst_key(struct pl_dst_key *k, const struct pt_node *n, uint8_t family)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 8 + n->len;
	k->family = family;
	memcpy(k->addr, n->addr, 16);
}

/* A destination prefix comes into use: a node id and the entries it inherits. */
static int node_fill(struct pl_dp *dp, struct pt_node *n)
{
	struct pl_erdb *db = dp->er;
	int r = 0;

	if (db->nfree_nodes == 0)
		return -ENOSPC;
	n->node_id = db->free_nodes[--db->nfree_nodes];
	n->used = true;
	for (const struct pt_node *a = n->parent; a != NULL && r == 0; a = a->parent) {
		for (const struct pl_er *e = a->eroutes; e != NULL && r == 0; e = e->dnext)
			r = src_sync(dp, n, &e->src);
	}
	return r;
}

/* ... and once its source trie is complete, packets may find it. */
static int node_publish(struct pl_dp *dp, const struct pt_node *n, uint8_t family)
{
	struct pl_dst_key k;

	dst_key(&k, n, family);
	return bpf_map_update_elem(dp->map_fd[PL_MAP_DST], &k, &n->node_id, BPF_ANY) < 0 ? -errno
											 : 0;
}

/* The last eroute of n went (old: its source): pl_dst first, then every pl_src entry. */
static void node_deactivate(struct pl_dp *dp, struct pt_node *n, uint8_t family,
			    const struct pl_sel *old)
{
	struct pl_src_key sk;
	struct pl_dst_key dk;

	dst_key(&dk, n, family);
	bpf_map_delete_elem(dp->map_fd[PL_MAP_DST], &dk);
	src_key(&sk, n, old);
	bpf_map_delete_elem(dp->map_fd[PL_MAP_SRC], &sk);
	for (const struct pt_node *a = n->parent; a != NULL; a = a->parent) {
		for (const struct pl_er *e = a->eroutes; e != NULL; e = e->dnext) {
			src_key(&sk, n, &e->src);
			bpf_map_delete_elem(dp->map_fd[PL_MAP_SRC], &sk);
		}
	}
	n->used = false;
	dp->er->free_nodes[dp->er->nfree_nodes++] = n->node_id;
}

static int write_value(struct pl_dp *dp, const struct pl_er *e, const struct pl_er_spec *spec)
{
	struct pl_eroute v = {
		.action = spec->action,
		.flags = spec->flags,
		.family = e->dst.family,
		.src_len = e->src.len,
		.dst_len = e->dst.len,
		.spi_out = spec->spi_out,
		.spi_in = spec->spi_in,
	};

	memcpy(v.src, e->src.addr, 16);
	memcpy(v.dst, e->dst.addr, 16);
	memcpy(v.peer, spec->peer, 16);
	return bpf_map_update_elem(dp->map_fd[PL_MAP_EROUTES], &e->id, &v, BPF_ANY) < 0 ? -errno
											: 0;
}

static void unlink_er(struct pl_erdb *db, struct pl_er *e)
{
	struct pl_er **pp;

	for (pp = bucket(db, &e->src, &e->dst); *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	for (pp = &e->dn->eroutes; *pp != e; pp = &(*pp)->dnext)
		;
	*pp = e->dnext;
}

/* Take e out of the maps and free it (also the undo of a failed add). */
static void er_remove(struct pl_dp *dp, struct pl_er *e)
{
	struct pl_erdb *db = dp->er;
	struct pt_node *n = e->dn;
	struct pl_eroute none = {};

	unlink_er(db, e);
	if (n->used && n->eroutes == NULL) {
		node_deactivate(dp, n, e->dst.family, &e->src);
		for (int i = 0; i < 2; i++)
			if (n->child[i] != NULL)
				resync(dp, n->child[i], &e->src);
	} else if (n->used) {
		resync(dp, n, &e->src);
	}
	bpf_map_update_elem(dp->map_fd[PL_MAP_EROUTES], &e->id, &none, BPF_ANY);
	bpf_map_delete_elem(dp->map_fd[PL_MAP_PENDING], &e->id);
	db->by_id[e->id] = NULL;
	db->free_ids[db->nfree_ids++] = e->id;
	db->count--;
	if (!n->used)
		pt_release(n);
	free(e);
}

static int er_insert(struct pl_dp *dp, struct pl_er *e, const struct pl_er_spec *spec)
{
	struct pl_erdb *db = dp->er;
	struct pt_node *n = e->dn;
	bool fresh = !n->used;
	int r = write_value(dp, e, spec);

	bpf_map_update_elem(dp->map_fd[PL_MAP_ER_STATS], &e->id, db->zero_stats, BPF_ANY);
	bpf_map_delete_elem(dp->map_fd[PL_MAP_PENDING], &e->id);
	struct pl_er **b = bucket(db, &e->src, &e->dst);
	e->hnext = *b;
	*b = e;
	e->dnext = n->eroutes;
	n->eroutes = e;
	db->by_id[e->id] = e;
	db->count++;
	if (r == 0 && fresh)
		r = node_fill(dp, n);
	if (r == 0)
		r = resync(dp, n, &e->src); /* n itself, and the nodes below that inherit */
	if (r == 0 && fresh)
		r = node_publish(dp, n, e->dst.family);
	return r;
}

int pl_eroute_add(struct pl_dp *dp, const struct pl_sel *src, const struct pl_sel *dst,
		  const struct pl_er_spec *spec, uint32_t *id)
{
	struct pl_erdb *db = dp->er;
	struct pl_sel s = *src, d = *dst;
	struct pl_er *e;
	int r;

	if (!sel_ok(&s) || !sel_ok(&d) || s.family != d.family || spec->action == PL_ACT_NONE)
		return -EINVAL;
	pl_prefix_mask(s.addr, s.len);
	pl_prefix_mask(d.addr, d.len);
	if (er_lookup(db, &s, d.family, d.addr, d.len) != NULL)
		return -EEXIST;
	if (db->nfree_ids == 0)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->src = s;
	e->dst = d;
	e->dn = pt_insert(db->root[d.family == PL_AF_INET6], d.addr, d.len);
	if (e->dn == NULL) {
		free(e);
		return -ENOMEM;
	}
	e->id = db->free_ids[--db->nfree_ids];
	r = er_insert(dp, e, spec);
	if (r < 0) {
		er_remove(dp, e);
		return r;
	}
	*id = e->id;
	return 0;
}

static struct pl_er *er_by_id(const struct pl_dp *dp, uint32_t id)
{
	return dp->er != NULL && id < dp->max_eroutes ? dp->er->by_id[id] : NULL;
}

int pl_eroute_del(struct pl_dp *dp, uint32_t id)
{
	struct pl_er *e = er_by_id(dp, id);

	if (e == NULL)
		return -ENOENT;
	er_remove(dp, e);
	return 0;
}

int pl_eroute_set(struct pl_dp *dp, uint32_t id, const struct pl_er_spec *spec)
{
	struct pl_er *e = er_by_id(dp, id);
	int r;

	if (e == NULL)
		return -ENOENT;
	if (spec->action == PL_ACT_NONE)
		return -EINVAL;
	r = write_value(dp, e, spec);
	if (r == 0 && spec->action != PL_ACT_TRAP)
		pl_pending_clear(dp, id);
	return r;
}

int pl_eroute_find(const struct pl_dp *dp, const struct pl_sel *src, const struct pl_sel *dst,
		   uint32_t *id)
{
	struct pl_sel s = *src, d = *dst;
	struct pl_er *e;

	if (!sel_ok(&s) || !sel_ok(&d))
		return -EINVAL;
	pl_prefix_mask(s.addr, s.len);
	pl_prefix_mask(d.addr, d.len);
	e = er_lookup(dp->er, &s, d.family, d.addr, d.len);
	if (e == NULL)
		return -ENOENT;
	*id = e->id;
	return 0;
}

unsigned pl_eroute_count(const struct pl_dp *dp)
{
	return dp->er != NULL ? dp->er->count : 0;
}

int pl_eroute_stats(const struct pl_dp *dp, uint32_t id, struct pl_er_stats *sum)
{
	uint64_t v[sizeof(*sum) / sizeof(uint64_t)];
	int r = pl_percpu_sum(dp, dp->map_fd[PL_MAP_ER_STATS], &id, v, sizeof(*sum) / 8, true);

	if (r == 0)
		memcpy(sum, v, sizeof(*sum));
	return r;
}

bool pl_pending_get(const struct pl_dp *dp, uint32_t id, uint64_t *since)
{
	return bpf_map_lookup_elem(dp->map_fd[PL_MAP_PENDING], &id, since) == 0;
}

int pl_pending_clear(struct pl_dp *dp, uint32_t id)
{
	if (bpf_map_delete_elem(dp->map_fd[PL_MAP_PENDING], &id) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int pl_erdb_new(struct pl_dp *dp)
{
	struct pl_erdb *db = calloc(1, sizeof(*db));
	uint32_t n = dp->max_eroutes;

	if (db == NULL)
		return -ENOMEM;
	dp->er = db;
	for (db->nbuckets = 64; db->nbuckets < n; db->nbuckets *= 2)
		;
	db->hash = calloc(db->nbuckets, sizeof(*db->hash));
	db->by_id = calloc(n, sizeof(*db->by_id));
	db->free_ids = calloc(n, sizeof(*db->free_ids));
	db->free_nodes = calloc(n, sizeof(*db->free_nodes));
	db->zero_stats = calloc(dp->ncpus > 0 ? dp->ncpus : 1, sizeof(struct pl_er_stats));
	db->root[0] = pt_root_new();
	db->root[1] = pt_root_new();
	if (!db->hash || !db->by_id || !db->free_ids || !db->free_nodes || !db->zero_stats ||
	    !db->root[0] || !db->root[1])
		return -ENOMEM;
	/* hand out low ids first */
	for (uint32_t i = 0; i < n; i++)
		db->free_ids[i] = db->free_nodes[i] = n - 1 - i;
	db->nfree_ids = db->nfree_nodes = n;
	return 0;
}

/* Frees the index only: pl_dp_close() takes the maps down with the programs. */
void pl_erdb_free(struct pl_dp *dp)
{
	struct pl_erdb *db = dp->er;

	if (db == NULL)
		return;
	for (uint32_t i = 0; db->by_id != NULL && i < dp->max_eroutes; i++)
		free(db->by_id[i]);
	pt_free_all(db->root[0]);
	pt_free_all(db->root[1]);
	free(db->hash);
	free(db->by_id);
	free(db->free_ids);
	free(db->free_nodes);
	free(db->zero_stats);
	free(db);
	dp->er = NULL;
}
