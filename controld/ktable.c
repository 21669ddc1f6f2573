/* Keyed tables: an array and a chained hash that doubles when it is full. */
#include "ktable.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ip_addr.h"

static const void *key_of(const struct ktable *t, const struct kt_entry *e)
{
	return (const char *)e + t->keyoff;
}

/* FNV-1a from the seed, then mixed: keys are peers' SPIs and addresses. */
static size_t bucket_of(const struct ktable *t, const void *key)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ crypto_hash_seed();

	for (size_t i = 0; i < t->keylen; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)hash_mix64(h) & (t->nbuckets - 1);
}

struct kt_entry *kt_find(const struct ktable *t, const void *key)
{
	if (t->nbuckets == 0)
		return NULL;
	for (struct kt_entry *e = t->buckets[bucket_of(t, key)]; e != NULL; e = e->hnext) {
		if (memcmp(key_of(t, e), key, t->keylen) == 0)
			return e;
	}
	return NULL;
}

static void hash_in(struct ktable *t, struct kt_entry *e)
{
	struct kt_entry **b = &t->buckets[bucket_of(t, key_of(t, e))];

	e->hnext = *b;
	*b = e;
}

/* Room for one more item, and a bucket per item at most. */
static int grow(struct ktable *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct kt_entry **items = realloc(t->items, cap * sizeof(*items));
		if (items == NULL)
			return -ENOMEM;
		t->items = items;
		t->cap = cap;
	}
	if (t->n + 1 > t->nbuckets) {
		size_t nb = t->nbuckets ? 2 * t->nbuckets : 64;
		struct kt_entry **b = calloc(nb, sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		free(t->buckets);
		t->buckets = b;
		t->nbuckets = nb;
		for (size_t i = 0; i < t->n; i++)
			hash_in(t, t->items[i]);
	}
	return 0;
}

int kt_add(struct ktable *t, struct kt_entry *e)
{
	int r = grow(t);

	if (r < 0)
		return r;
	e->idx = t->n;
	t->items[t->n++] = e;
	hash_in(t, e);
	return 0;
}

void kt_del(struct ktable *t, struct kt_entry *e)
{
	struct kt_entry **pp = &t->buckets[bucket_of(t, key_of(t, e))];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	t->items[e->idx] = t->items[--t->n];
	t->items[e->idx]->idx = e->idx;
}

void kt_free(struct ktable *t)
{
	free(t->items);
	free(t->buckets);
	t->items = t->buckets = NULL;
	t->n = t->cap = t->nbuckets = 0;
}
