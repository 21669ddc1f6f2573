/*
 * The start-up crypto self-test (controld/crypto_selftest.c): it passes on this
 * OpenSSL, and it can fail: crypto_selftest_corrupted() gives one comparison a wrong
 * expected value, and every comparison, in turn, must then be reported, naming the
 * algorithm and the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CHECKS 1000 /* far more than there are: a bound for the loop */

/* At least one test per hash (HMAC and plain), cipher key length, and group. */
static unsigned int least_tests(void)
{
	const struct crypto_cipher_desc *c;
	unsigned int n = 0;

	for (size_t i = 0; crypto_hash_at(i) != NULL; i++)
		n += 2;
	for (size_t i = 0; (c = crypto_cipher_at(i)) != NULL; i++) {
		for (size_t k = c->key_min; k <= c->key_max; k++)
			n += crypto_cipher_keylen(c->id, (unsigned int)(8 * k)) == (int)k;
	}
	for (size_t i = 0; crypto_dh_at(i) != NULL; i++)
		n++;
	return n;
}

static void test_all_pass(void **state)
{
	unsigned int n = 0;
	const char *err = crypto_selftest(&n);

	if (err != NULL)
		print_error("%s\n", err);
	assert_null(err);
	print_message("# %u tests\n", n);
	assert_true(n >= least_tests());
	/* again (cached OpenSSL objects, per-thread HMAC contexts), and without a count */
	assert_null(crypto_selftest(NULL));
}

/* The first comparison is the first vector's: HMAC-MD5, RFC 2202 test case 2. */
static void test_first_vector_corrupted(void **state)
{
	unsigned int n = 0;
	const char *err = crypto_selftest_corrupted(1, &n);

	assert_non_null(err);
	assert_string_equal(err, "HMAC-MD5: RFC 2202 test case 2: wrong output");
	assert_int_equal(n, 1);
}

/* "ALG: TEST: wrong ..." (or, for the fresh key pairs, "... disagree"): ALG into alg. */
static void parse_failure(const char *err, char *alg, size_t size)
{
	const char *colon = strchr(err, ':');

	assert_non_null(colon);
	assert_true((size_t)(colon - err) < size);
	memcpy(alg, err, (size_t)(colon - err));
	alg[colon - err] = '\0';
	if (strstr(colon, ": wrong ") == NULL &&
	    strstr(colon, ": the two sides disagree") == NULL) {
		print_error("unexpected failure: %s\n", err);
		fail();
	}
}

/* Was alg named by one of the failures? */
static bool named(char (*algs)[32], size_t n, const char *alg)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(algs[i], alg) == 0)
			return true;
	}
	print_error("no failure names %s\n", alg);
	return false;
}

static void assert_every_algorithm_named(char (*algs)[32], size_t n)
{
	static const char *const ciphers[] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
					      "3DES-CBC"};
	const struct crypto_hash_desc *h;
	const struct crypto_dh_desc *d;
	char hmac[32];

	for (size_t i = 0; (h = crypto_hash_at(i)) != NULL; i++) {
		snprintf(hmac, sizeof(hmac), "HMAC-%s", h->ossl_name);
		assert_true(named(algs, n, hmac));
		assert_true(named(algs, n, h->ossl_name));
	}
	for (size_t i = 0; i < ARRAY_LEN(ciphers); i++)
		assert_true(named(algs, n, ciphers[i]));
	for (size_t i = 0; (d = crypto_dh_at(i)) != NULL; i++)
		assert_true(named(algs, n, d->name));
}

/*
 * Each comparison in turn gets a wrong expected value: each must fail the self-test,
 * with a message naming its algorithm, until the count passes the last comparison and
 * the self-test passes again.  Every algorithm must have been named.
 */
static void test_every_check_can_fail(void **state)
{
	static char algs[MAX_CHECKS][32];
	unsigned int check, n = 0;
	const char *err;

	for (check = 1; check < MAX_CHECKS; check++) {
		err = crypto_selftest_corrupted(check, &n);
		if (err == NULL)
			break;
		parse_failure(err, algs[check - 1], sizeof(algs[0]));
	}
	print_message("# %u comparisons, %u tests\n", check - 1, n);
	assert_true(check < MAX_CHECKS);
	assert_true(check - 1 >= least_tests());
	assert_every_algorithm_named(algs, check - 1);
}

/* A DH group's shared secret, and its fresh key pairs: named with the group. */
static void test_dh_failures_named(void **state)
{
	bool shared = false, pairwise = false;
	const char *err;

	for (unsigned int check = 1; check < MAX_CHECKS; check++) {
		err = crypto_selftest_corrupted(check, NULL);
		if (err == NULL)
			break;
		if (strcmp(err, "modp4096: computed known answer: wrong shared secret") == 0)
			shared = true;
		if (strcmp(err, "ecp256: fresh key pairs: the two sides disagree") == 0)
			pairwise = true;
	}
	assert_true(shared);
	assert_true(pairwise);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_first_vector_corrupted),
		cmocka_unit_test(test_every_check_can_fail),
		cmocka_unit_test(test_dh_failures_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
