/*
 * chash (controld/chash.c): the growing buckets under pluto's intrusive hash tables
 * (states by serial and cookie, connections by peer and peer client, half-open counts).
 * Random additions and removals checked against a plain array through many doublings:
 * every entry is found in the chain of its key, the chains keep their order (entries of
 * one key newest first, as state.c files them), the buckets never outnumber twice the
 * entries, and moved() keeps each entry's pointer to its chain's head current; and
 * chash_file() / chash_unfile() for tables that file at the head.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "chash.h"

#define N 20000
#define KEYS 3000 /* fewer keys than entries: chains hold several entries of one key */

struct item {
	uint64_t key;
	unsigned seq;	   /* order of filing: within a key, the newest comes first */
	bool filed;
	struct item *next;
	struct item **head; /* kept by moved() */
};

static struct item items[N];

static uint64_t hash_key(uint64_t key)
{
	return key * 0x9e3779b97f4a7c15ULL; /* all bits of the key in the low ones */
}

static uint64_t hash_of(const void *e)
{
	return hash_key(((const struct item *)e)->key);
}

static void moved(void *e, void *head)
{
	((struct item *)e)->head = head;
}

static struct chash t = CHASH_INIT(struct item, next, hash_of, moved);
static size_t peak; /* the most entries filed at once: the buckets follow it */

static void file(struct item *it, unsigned seq)
{
	struct item **pp = chash_slot(&t, hash_key(it->key));

	it->head = pp;
	it->seq = seq;
	it->filed = true;
	/* newest first among its key: before the first entry of the key with a lower seq */
	while (*pp != NULL && !((*pp)->key == it->key && (*pp)->seq < seq))
		pp = &(*pp)->next;
	it->next = *pp;
	*pp = it;
	chash_added(&t);
	if (t.n > peak)
		peak = t.n;
}

static void unfile(struct item *it)
{
	struct item **pp = it->head;

	assert_ptr_equal(it->head, chash_slot(&t, hash_key(it->key)));
	while (*pp != it) {
		assert_non_null(*pp);
		pp = &(*pp)->next;
	}
	*pp = it->next;
	it->filed = false;
	chash_removed(&t);
}

/* Every filed item in the chain of its key, after any newer one of that key. */
static void check(size_t filed)
{
	size_t seen = 0;

	assert_int_equal(t.n, filed);
	assert_true(t.nb <= 2 * peak || t.nb == CHASH_FIRST);
	for (size_t i = 0; i < N; i++) {
		const struct item *it = &items[i];
		unsigned last_seq = ~0u;
		bool found = false;

		if (!it->filed)
			continue;
		seen++;
		assert_ptr_equal(it->head, chash_slot(&t, hash_key(it->key)));
		for (const struct item *e = chash_first(&t, hash_key(it->key)); e != NULL;
		     e = e->next) {
			if (e->key != it->key)
				continue;
			assert_true(e->seq < last_seq);
			last_seq = e->seq;
			found |= e == it;
		}
		assert_true(found);
	}
	assert_int_equal(seen, filed);
}

static void test_random(void **state)
{
	size_t filed = 0;
	unsigned seq = 0;

	(void)state;
	srandom(6);
	for (size_t i = 0; i < N; i++)
		items[i].key = (uint64_t)(random() % KEYS);
	for (int step = 0; step < 3 * N; step++) {
		struct item *it = &items[random() % N];

		/* mostly additions at first, then as many removals */
		if (!it->filed && (step < 2 * N || random() % 4 == 0)) {
			file(it, ++seq);
			filed++;
		} else if (it->filed && (step >= N || random() % 8 == 0)) {
			unfile(it);
			filed--;
		}
		if (step % 2999 == 0)
			check(filed);
	}
	check(filed);
	assert_true(t.nb >= 4096); /* it grew through several doublings */
	for (size_t i = 0; i < N; i++) {
		if (items[i].filed)
			unfile(&items[i]);
	}
	check(0);
	chash_free(&t);
	assert_null(chash_first(&t, 1));
}

/*
 * chash_file() and chash_unfile() (a table without moved(), as state.c's by serial):
 * random filings and removals through several doublings; each filed entry is in its
 * chain once, the newest first (chash_file() files at the head); unfiling what is not
 * filed finds nothing and counts nothing.
 */
#define M 6000
static struct item more[M];
static struct chash u = CHASH_INIT(struct item, next, hash_of, NULL);

static void check_u(size_t filed)
{
	assert_int_equal(u.n, filed);
	for (size_t i = 0; i < M; i++) {
		unsigned last_seq = ~0u, times = 0;

		for (const struct item *e = chash_first(&u, hash_key(more[i].key)); e != NULL;
		     e = e->next) {
			assert_true(e->seq < last_seq);
			last_seq = e->seq;
			times += e == &more[i];
		}
		assert_int_equal(times, more[i].filed ? 1 : 0);
	}
}

static void test_file_unfile(void **state)
{
	size_t filed = 0;
	unsigned seq = 0;

	(void)state;
	srandom(7);
	for (size_t i = 0; i < M; i++)
		more[i].key = (uint64_t)(random() % 1000);
	for (int step = 0; step < 3 * M; step++) {
		struct item *it = &more[random() % M];

		if (!it->filed && (step < 2 * M || random() % 4 == 0)) {
			it->seq = ++seq;
			it->filed = true;
			chash_file(&u, hash_key(it->key), it);
			filed++;
		} else if (it->filed && (step >= M || random() % 8 == 0)) {
			assert_true(chash_unfile(&u, hash_key(it->key), it));
			it->filed = false;
			filed--;
			assert_false(chash_unfile(&u, hash_key(it->key), it));
			assert_int_equal(u.n, filed);
		}
		if (step % 997 == 0)
			check_u(filed);
	}
	check_u(filed);
	assert_true(u.nb >= 1024);
	for (size_t i = 0; i < M; i++) {
		if (more[i].filed) {
			assert_true(chash_unfile(&u, hash_key(more[i].key), &more[i]));
			more[i].filed = false;
		}
	}
	check_u(0);
	chash_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_file_unfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
