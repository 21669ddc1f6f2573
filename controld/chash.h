/*
 * The buckets of an intrusive chained hash table, grown with the table.  They double when
 * the entries outnumber them, so that a table's memory follows its load (a fixed array
 * sized for tens of thousands of entries has all its pages touched after a few hundred
 * entries in random buckets) and its chains stay short at any size.
 *
 * The entries are the caller's, chained through a pointer field of theirs (at offset link,
 * pointing at the next entry, NULL at the end).  The caller files and unfiles entries in
 * the chain that chash_slot() gives for their hash, in whatever order it keeps there (a
 * resize keeps the order of each chain), and counts them with chash_added() and
 * chash_removed(); chash_file() and chash_unfile() do both for entries filed first.
 * The first CHASH_FIRST buckets are in the struct, so filing never fails; a resize
 * that finds no memory leaves longer chains.  A resize calls hash() for every entry,
 * so an entry's key must not change while it is filed; moved(), if set, tells an entry
 * that keeps a pointer to its chain's head (to unfile itself) where the head is now.
 */
#ifndef PLUTO_CHASH_H
#define PLUTO_CHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHASH_FIRST 16

struct chash {
	void *b;	  /* nb chain heads (pointers to entries); NULL: first is used */
	size_t nb;	  /* a power of two (CHASH_FIRST while b is NULL) */
	size_t n;	  /* entries filed */
	size_t link;	  /* offset of the entry's next pointer */
	uint64_t (*hash)(const void *entry);
	void (*moved)(void *entry, void *head);
	void *first[CHASH_FIRST];
};

#define CHASH_INIT(type, next_field, hash_fn, moved_fn) \
	{ .nb = CHASH_FIRST, .link = offsetof(type, next_field), .hash = (hash_fn), \
	  .moved = (moved_fn) }

/* The first entry of the chain for hash h (NULL: none). */
void *chash_first(const struct chash *t, uint64_t h);
/* The head of the chain to file an entry of hash h in (the caller's entry pointer type). */
void *chash_slot(struct chash *t, uint64_t h);
/* One more entry is filed (the buckets may double), one less. */
void chash_added(struct chash *t);
void chash_removed(struct chash *t);
/*
 * File entry of hash h first in its chain, and count it (for tables without moved():
 * nothing is told of the head); take it out of that chain and uncount it (false: it was
 * not there).
 */
void chash_file(struct chash *t, uint64_t h, void *entry);
bool chash_unfile(struct chash *t, uint64_t h, void *entry);
/* Give back the buckets (the table must be empty: the entries are the caller's). */
void chash_free(struct chash *t);

#endif
