/*
 * Growing buckets for intrusive chained hash tables (chash.h).  Heads and links are read
 * and written with memcpy(): they are the caller's typed pointers, seen here as bytes.
 */
#include "chash.h"

#include <stdlib.h>
#include <string.h>

static void *load(const void *at)
{
	void *p;

	memcpy(&p, at, sizeof(p));
	return p;
}

static void store(void *at, void *p)
{
	memcpy(at, &p, sizeof(p));
}

static void *head_at(const struct chash *t, size_t i)
{
	return (char *)(t->b != NULL ? t->b : (void *)t->first) + i * sizeof(void *);
}

static void *link_of(const struct chash *t, void *entry)
{
	return (char *)entry + t->link;
}

void *chash_first(const struct chash *t, uint64_t h)
{
	return load(head_at(t, h & (t->nb - 1)));
}

void *chash_slot(struct chash *t, uint64_t h)
{
	return head_at(t, h & (t->nb - 1));
}

/* Append entry to the chain whose last link is *tail; *tail becomes entry's link. */
static void append(struct chash *t, void **tail, void *head, void *entry)
{
	store(*tail, entry);
	*tail = link_of(t, entry);
	if (t->moved != NULL)
		t->moved(entry, head);
}

/*
 * Twice the buckets: chain i splits into chains i and i + nb of the new array, each
 * entry appended in turn, so that both keep the order they had in chain i.
 */
static void grow(struct chash *t)
{
	size_t nb = 2 * t->nb;
	struct chash big = *t;

	if ((big.b = calloc(nb, sizeof(void *))) == NULL)
		return; /* longer chains, still correct: the next addition tries again */
	big.nb = nb;
	for (size_t i = 0; i < t->nb; i++) {
		void *tail[2] = {head_at(&big, i), head_at(&big, i + t->nb)};
		void *e = load(head_at(t, i));

		while (e != NULL) {
			void *next = load(link_of(t, e));
			size_t j = (size_t)t->hash(e) & (nb - 1);
			unsigned half = j != i;

			append(&big, &tail[half], head_at(&big, j), e);
			e = next;
		}
		store(tail[0], NULL);
		store(tail[1], NULL);
	}
	free(t->b); /* NULL while the buckets were first */
	t->b = big.b;
	t->nb = nb;
}

void chash_added(struct chash *t)
{
	if (++t->n > t->nb)
		grow(t);
}

void chash_removed(struct chash *t)
{
	t->n--;
}

void chash_file(struct chash *t, uint64_t h, void *entry)
{
	void *head = chash_slot(t, h);

	store(link_of(t, entry), load(head));
	store(head, entry);
	chash_added(t);
}

bool chash_unfile(struct chash *t, uint64_t h, void *entry)
{
	void *e;

	for (void *at = chash_slot(t, h); (e = load(at)) != NULL; at = link_of(t, e)) {
		if (e == entry) {
			store(at, load(link_of(t, e)));
			chash_removed(t);
			return true;
		}
	}
	return false;
}

void chash_free(struct chash *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = CHASH_FIRST;
	memset(t->first, 0, sizeof(t->first));
}
