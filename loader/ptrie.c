/*
 * A path-compressed binary trie of destination prefixes, one per address family: the
 * userspace index the eroute code needs to find a prefix's nearest enclosing prefixes
 * (walk up) and all prefixes inside it (walk down) without scanning. Vertices exist for
 * the prefixes in use and for branch points; a vertex's children differ in the bit just
 * after the vertex's prefix. The root (length 0) always exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static unsigned bit(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* How many leading bits a and b share, at most max. */
static unsigned common_bits(const uint8_t *a, const uint8_t *b, unsigned max)
{
	unsigned n = 0;

	while (n < max && a[n / 8] == b[n / 8] && n + 8 <= max)
		n += 8;
	while (n < max && bit(a, n) == bit(b, n))
		n++;
	return n;
}

void pl_prefix_mask(uint8_t *addr, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		if (len >= 8 * (i + 1))
			continue;
		unsigned keep = len > 8 * i ? len - 8 * i : 0;
		addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static struct pt_node *vertex(const uint8_t *addr, unsigned len)
{
	struct pt_node *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	memcpy(v->addr, addr, 16);
	pl_prefix_mask(v->addr, len);
	v->len = (uint8_t)len;
	return v;
}

static void link_child(struct pt_node *parent, struct pt_node *c)
{
	parent->child[bit(c->addr, parent->len)] = c;
	c->parent = parent;
}

struct pt_node *pt_root_new(void)
{
	static const uint8_t zero[16];

	return vertex(zero, 0);
}

/* Insert between parent and c (which does not contain addr/len) a branch and a leaf. */
static struct pt_node *split(struct pt_node *parent, struct pt_node *c, const uint8_t *addr,
			     unsigned len, unsigned cpl)
{
	struct pt_node *leaf = vertex(addr, len);
	struct pt_node *br = cpl == len ? leaf : vertex(addr, cpl);

	if (leaf == NULL || br == NULL) {
		free(leaf);
		return NULL;
	}
	link_child(parent, br);
	link_child(br, c);
	if (br != leaf)
		link_child(br, leaf);
	return leaf;
}

struct pt_node *pt_insert(struct pt_node *root, const uint8_t *addr, unsigned len)
{
	struct pt_node *n = root;

	for (;;) {
		if (n->len == len)
			return n;
		struct pt_node *c = n->child[bit(addr, n->len)];
		if (c == NULL) {
			struct pt_node *leaf = vertex(addr, len);
			if (leaf != NULL)
				link_child(n, leaf);
			return leaf;
		}
		unsigned cpl = common_bits(addr, c->addr, len < c->len ? len : c->len);
		if (cpl == c->len) {
			n = c;
			continue;
		}
		return split(n, c, addr, len, cpl);
	}
}

struct pt_node *pt_find(struct pt_node *root, const uint8_t *addr, unsigned len)
{
	struct pt_node *n = root;

	while (n != NULL && n->len < len) {
		n = n->child[bit(addr, n->len)];
		if (n != NULL && (n->len > len || common_bits(addr, n->addr, n->len) != n->len))
			return NULL;
	}
	return n != NULL && n->len == len ? n : NULL;
}

/* n is no longer used: remove it, and a branch point it leaves with one child. */
void pt_release(struct pt_node *n)
{
	while (n->parent != NULL && !n->used) {
		struct pt_node *p = n->parent;
		struct pt_node *only = n->child[0] ? n->child[0] : n->child[1];

		if (n->child[0] != NULL && n->child[1] != NULL)
			return; /* still a branch point */
		p->child[p->child[0] == n ? 0 : 1] = only;
		if (only != NULL)
			only->parent = p;
		free(n);
		if (only != NULL)
			return; /* p keeps as many children as before */
		n = p;
	}
}

void pt_free_all(struct pt_node *n)
{
	if (n == NULL)
		return;
	pt_free_all(n->child[0]);
	pt_free_all(n->child[1]);
	free(n);
}
