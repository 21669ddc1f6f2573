/*
 * strmap (controld/strmap.c): the name index of connections and conns. Lookups after
 * additions, replacements and removals, checked against a plain array after every step of
 * a long random sequence (removals in a small, crowded table exercise the backward shift
 * across the table's end), and growth to 10,000 keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

static void test_basic(void **state)
{
	struct strmap m = STRMAP_INIT;
	int a, b;

	(void)state;
	assert_null(strmap_get(&m, "x"));
	strmap_del(&m, "x"); /* removing from an empty map is harmless */
	assert_int_equal(strmap_put(&m, "x", &a), 0);
	assert_int_equal(strmap_put(&m, "y", &b), 0);
	assert_ptr_equal(strmap_get(&m, "x"), &a);
	assert_ptr_equal(strmap_get(&m, "y"), &b);
	assert_null(strmap_get(&m, "z"));
	assert_null(strmap_get(&m, ""));
	assert_int_equal(strmap_put(&m, "x", &b), 0); /* replaces */
	assert_ptr_equal(strmap_get(&m, "x"), &b);
	assert_int_equal(m.n, 2);
	strmap_del(&m, "x");
	assert_null(strmap_get(&m, "x"));
	assert_ptr_equal(strmap_get(&m, "y"), &b);
	strmap_del(&m, "x");
	assert_int_equal(m.n, 1);
	strmap_free(&m);
	assert_int_equal(m.n, 0);
	assert_null(strmap_get(&m, "y"));
}

#define NKEYS 40

/* Random operations on NKEYS keys, each step checked against a plain array. */
static void test_against_array(void **state)
{
	static char keys[NKEYS][8];
	void *want[NKEYS] = { 0 };
	struct strmap m = STRMAP_INIT;
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
	for (int step = 0; step < 200000; step++) {
		seed = seed * 1103515245u + 12345u;
		int k = (int)((seed >> 8) % NKEYS);
		if ((seed >> 20) % 3 == 0) {
			strmap_del(&m, keys[k]);
			want[k] = NULL;
		} else {
			assert_int_equal(strmap_put(&m, keys[k], &want[k]), 0);
			want[k] = &want[k];
		}
		size_t n = 0;
		for (int i = 0; i < NKEYS; i++) {
			if (strmap_get(&m, keys[i]) != want[i])
				fail_msg("step %d: key %s: got %p, want %p", step, keys[i],
					 strmap_get(&m, keys[i]), want[i]);
			n += want[i] != NULL;
		}
		assert_int_equal(m.n, n);
	}
	strmap_free(&m);
}

static void test_many(void **state)
{
	enum { N = 10000 };
	static char keys[N][8];
	struct strmap m = STRMAP_INIT;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "c%d", i);
		assert_int_equal(strmap_put(&m, keys[i], keys[i]), 0);
	}
	assert_int_equal(m.n, N);
	assert_true(m.cap >= 2 * N);
	for (int i = 0; i < N; i += 2)
		strmap_del(&m, keys[i]);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(strmap_get(&m, keys[i]), i % 2 ? keys[i] : NULL);
	assert_null(strmap_get(&m, "c10000"));
	strmap_free(&m);
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
