/* A map from borrowed strings to pointers (strmap.h). */
#include "strmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

uint32_t strmap_hash(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct strmap_slot *find(const struct strmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (m->n == 0)
		return NULL;
	struct strmap_slot *s = find(m, key, strmap_hash(key));
	return s->key != NULL ? s->value : NULL;
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *old = m->slots;
	size_t old_cap = m->cap;

	if (cap < old_cap) /* overflow */
		return -ENOMEM;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].hash) = old[i];
	}
	free(old);
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	uint32_t h = strmap_hash(key);

	if ((m->n + 1) * 2 > m->cap) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	struct strmap_slot *s = find(m, key, h);
	if (s->key == NULL)
		m->n++;
	*s = (struct strmap_slot){ .key = key, .value = value, .hash = h };
	return 0;
}

/* Does slot i lie cyclically in (empty, j], so that it may move to the hole at empty? */
static bool may_fill(size_t home, size_t empty, size_t j)
{
	if (empty <= j)
		return home <= empty || home > j;
	return home <= empty && home > j;
}

void strmap_del(struct strmap *m, const char *key)
{
	if (m->n == 0)
		return;
	size_t mask = m->cap - 1;
	struct strmap_slot *s = find(m, key, strmap_hash(key));
	if (s->key == NULL)
		return;
	/* backward shift: close the hole so that every later probe sequence stays unbroken */
	size_t hole = (size_t)(s - m->slots);
	for (size_t j = (hole + 1) & mask; m->slots[j].key != NULL; j = (j + 1) & mask) {
		if (may_fill(m->slots[j].hash & mask, hole, j)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole] = (struct strmap_slot){ 0 };
	m->n--;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	*m = (struct strmap)STRMAP_INIT;
}
