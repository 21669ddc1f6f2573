/*
 * ktable (controld/ktable.c): the BPF dataplane's tables of eroutes and SPIs.  Random
 * additions and removals checked against a plain array after every step (finds by key,
 * the array's count and back-indexes), growth through several rehashes, and keys that
 * differ in one byte only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ktable.h"

struct item {
	struct kt_entry e;
	uint32_t key[2];
};

static struct ktable new_table(void)
{
	return (struct ktable)KTABLE_INIT(struct item, key, sizeof(uint32_t[2]));
}

static struct item *find(struct ktable *t, uint32_t a, uint32_t b)
{
	uint32_t key[2] = {a, b};

	return (struct item *)kt_find(t, key);
}

static void check_indexes(const struct ktable *t)
{
	for (size_t i = 0; i < t->n; i++)
		assert_int_equal(t->items[i]->idx, i);
}

static void test_basic(void **state)
{
	struct ktable t = new_table();
	struct item a = {.key = {1, 2}}, b = {.key = {1, 3}};

	(void)state;
	assert_null(find(&t, 1, 2)); /* empty, no buckets yet */
	assert_int_equal(kt_add(&t, &a.e), 0);
	assert_int_equal(kt_add(&t, &b.e), 0);
	assert_ptr_equal(find(&t, 1, 2), &a);
	assert_ptr_equal(find(&t, 1, 3), &b);
	assert_null(find(&t, 2, 1));
	kt_del(&t, &a.e);
	assert_null(find(&t, 1, 2));
	assert_ptr_equal(find(&t, 1, 3), &b);
	assert_int_equal(t.n, 1);
	check_indexes(&t);
	kt_del(&t, &b.e);
	assert_int_equal(t.n, 0);
	kt_free(&t);
	assert_null(find(&t, 1, 3));
}

#define NKEYS 300

static void test_against_array(void **state)
{
	static struct item items[NKEYS];
	bool in[NKEYS] = {false};
	struct ktable t = new_table();
	unsigned seed = 4242;

	(void)state;
	for (int i = 0; i < NKEYS; i++)
		items[i].key[0] = (uint32_t)i * 7919u, items[i].key[1] = (uint32_t)i % 3;
	for (int step = 0; step < 100000; step++) {
		seed = seed * 1103515245u + 12345u;
		int k = (int)((seed >> 8) % NKEYS);
		if (in[k]) {
			kt_del(&t, &items[k].e);
			in[k] = false;
		} else {
			assert_int_equal(kt_add(&t, &items[k].e), 0);
			in[k] = true;
		}
		if (step % 97 != 0)
			continue;
		size_t n = 0;
		for (int i = 0; i < NKEYS; i++) {
			struct item *got = find(&t, items[i].key[0], items[i].key[1]);
			if (got != (in[i] ? &items[i] : NULL))
				fail_msg("step %d: key %d: got %p", step, i, (void *)got);
			n += in[i];
		}
		assert_int_equal(t.n, n);
		check_indexes(&t);
	}
	kt_free(&t);
}

static void test_many(void **state)
{
	enum { N = 20000 };
	struct item *items = calloc(N, sizeof(*items));
	struct ktable t = new_table();

	(void)state;
	assert_non_null(items);
	for (int i = 0; i < N; i++) {
		items[i].key[0] = 0x0a000000u + (uint32_t)i; /* one byte apart, as SPIs can be */
		assert_int_equal(kt_add(&t, &items[i].e), 0);
	}
	assert_true(t.nbuckets >= N);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(find(&t, 0x0a000000u + (uint32_t)i, 0), &items[i]);
	for (int i = 0; i < N; i += 2)
		kt_del(&t, &items[i].e);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(find(&t, 0x0a000000u + (uint32_t)i, 0), i % 2 ? &items[i] : NULL);
	check_indexes(&t);
	kt_free(&t);
	free(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_against_array),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
