/*
 * A keyed table of entries the caller allocates: an array to walk them in O(n) and a
 * chained hash (keyed by the process's random seed) to find one by its key in O(1).  The
 * entry is embedded in the caller's struct, whose key is keylen bytes at keyoff from the
 * start of the entry; entries must not move while in the table.
 */
#ifndef PLUTO_KTABLE_H
#define PLUTO_KTABLE_H

#include <stdbool.h>
#include <stddef.h>

struct kt_entry {
	struct kt_entry *hnext;
	size_t idx;  /* in items */
	bool wanted; /* free for the caller (a sync's mark) */
};

struct ktable {
	size_t keyoff, keylen;
	struct kt_entry **items;
	size_t n, cap;
	struct kt_entry **buckets;
	size_t nbuckets; /* a power of two, or 0 */
};

#define KTABLE_INIT(type, first_key_field, len) \
	{ .keyoff = offsetof(type, first_key_field), .keylen = (len) }

/* The entry with this key, or NULL. */
struct kt_entry *kt_find(const struct ktable *t, const void *key);
/* Add e (its key set, none equal in t); -ENOMEM leaves t unchanged. */
int kt_add(struct ktable *t, struct kt_entry *e);
/* Take e out of t (the caller frees it); the last item moves into its place. */
void kt_del(struct ktable *t, struct kt_entry *e);
/* Forget everything (entries are the caller's to free first). */
void kt_free(struct ktable *t);

#endif
