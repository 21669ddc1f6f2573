/*
 * A map from strings to pointers: open addressing, linear probing, a power-of-two table
 * grown at half full, FNV-1a hashes kept beside the keys. The keys are borrowed: each must
 * stay valid, and unchanged, while it is in the map. Lookups, additions and removals take
 * constant time on average, so that finding one of 10,000 connections by name does not
 * scan them all.
 */
#ifndef PLUTO_STRMAP_H
#define PLUTO_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char *key; /* NULL: empty */
	void *value;
	uint32_t hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

#define STRMAP_INIT { NULL, 0, 0 }

uint32_t strmap_hash(const char *key);
/* The value stored under key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Store value under key, replacing what was there. 0, or -ENOMEM (the map is unchanged). */
int strmap_put(struct strmap *m, const char *key, void *value);
/* Remove key if present. */
void strmap_del(struct strmap *m, const char *key);
void strmap_free(struct strmap *m);

#endif
