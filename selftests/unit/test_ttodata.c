/*
 * ttodata (lib/ttodata.c): the ipsec_ttodata(3) forms whack's --pubkeyrsa and the @#
 * key ids use: 0x hex (a single underscore between byte groups allowed for readability),
 * 0s base64 (RFC 2045, = padding), 0t text, and each refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ttodata.h"

#define CAP 64

static void assert_data(const char *src, const uint8_t *want, size_t wlen)
{
	uint8_t buf[CAP];
	size_t len = 9999;
	const char *err = ttodata(src, buf, sizeof(buf), &len);

	if (err != NULL)
		fail_msg("ttodata(%s): %s", src, err);
	assert_int_equal(len, wlen);
	assert_memory_equal(buf, want, wlen);
}

static void assert_refused(const char *src, const char *want)
{
	uint8_t buf[CAP];
	size_t len = 0;
	const char *err = ttodata(src, buf, sizeof(buf), &len);

	if (err == NULL)
		fail_msg("ttodata(%s) accepted it (%zu bytes)", src, len);
	if (want != NULL)
		assert_string_equal(err, want);
}

static void test_hex(void **state)
{
	static const uint8_t b[] = {0x01, 0x02, 0xab, 0xcd, 0xef, 0x00};

	assert_data("0x0102", b, 2);
	assert_data("0x0102abcdef00", b, 6);
	assert_data("0X0102ABCDEF00", b, 6);
	assert_data("0x0102AbCdEf00", b, 6);
}

static void test_hex_underscores(void **state)
{
	static const uint8_t b[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67};

	assert_data("0xdead_beef", b, 4);
	assert_data("0xdeadbeef_01234567", b, 8);
	assert_data("0xde_ad_be_ef_01_23_45_67", b, 8);
}

/* ipsec_ttodata(3): "A single _ (underscore) between consecutive groups is ignored". */
static void test_hex_underscore_placement(void **state)
{
	assert_refused("0x_dead", NULL);  /* not between groups: leading */
	assert_refused("0xdead_", NULL);  /* trailing */
	assert_refused("0xde__ad", NULL); /* not single */
	assert_refused("0xd_ead", NULL);  /* inside a byte */
}

static void test_hex_errors(void **state)
{
	uint8_t small[2];
	size_t len;

	assert_refused("0x010", "odd number of hex digits");
	assert_refused("0x01zz", "bad hex digit");
	assert_refused("0x01 02", "bad hex digit");
	assert_string_equal(ttodata("0x010203", small, sizeof(small), &len), "hex data too long");
	assert_null(ttodata("0x0102", small, sizeof(small), &len));
	assert_int_equal(len, 2);
}

static void test_base64(void **state)
{
	static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
	static const uint8_t hello[] = "hello";

	assert_data("0sAQID", b, 3);
	assert_data("0SAQID", b, 3);
	assert_data("0sAQIDBAUG", b, 6);
	/* padding: two bytes, then one */
	assert_data("0sAQI=", b, 2);
	assert_data("0sAQ==", b, 1);
	assert_data("0saGVsbG8=", hello, 5);
	assert_data("0s+/+/", (const uint8_t *)"\xfb\xff\xbf", 3);
}

static void test_base64_errors(void **state)
{
	uint8_t small[2];
	size_t len;

	assert_refused("0sAQ", NULL); /* a group must be four characters */
	assert_refused("0sAQI", NULL);
	assert_refused("0sAQ=", NULL);
	assert_refused("0sAQ==AQ==", NULL); /* padding only at the end */
	assert_refused("0sAQID=", NULL);
	assert_refused("0s====", NULL);
	assert_refused("0sAQ!D", "bad base64 character");
	assert_refused("0sAQ ID", "bad base64 character");
	assert_string_equal(ttodata("0sAQID", small, sizeof(small), &len), "base64 data too long");
}

/* ipsec_ttodata(3) refuses non-zero bits in a padded group ("bad (non-zero) padding"). */
static void test_base64_nonzero_padding(void **state)
{
	assert_refused("0sAR==", NULL);
	assert_refused("0sAQJ=", NULL);
}

static void test_text(void **state)
{
	uint8_t small[3];
	size_t len;

	assert_data("0tabc", (const uint8_t *)"abc", 3);
	assert_data("0Tabc", (const uint8_t *)"abc", 3);
	assert_data("0ta b_c=", (const uint8_t *)"a b_c=", 6);
	assert_data("0t0x12", (const uint8_t *)"0x12", 4);
	assert_string_equal(ttodata("0tabcd", small, sizeof(small), &len), "text data too long");
}

static void test_prefix_errors(void **state)
{
	const char *why = "data must start with 0x (hex), 0s (base64) or 0t (text)";

	assert_refused("", why);
	assert_refused("0", why);
	assert_refused("0102", why);
	assert_refused("0y0102", why);
	assert_refused("x0102", why);
	assert_refused(" 0x0102", why);
}

/* ipsec_ttodata(3): "no data bytes specified by input". */
static void test_empty_data_refused(void **state)
{
	assert_refused("0x", NULL);
	assert_refused("0s", NULL);
	assert_refused("0t", NULL);
}

static void test_base64_round_trip(void **state)
{
	uint8_t src[48], back[48];
	char text[80];
	size_t len;

	srandom(42);
	for (size_t n = 1; n <= sizeof(src); n++) {
		for (size_t i = 0; i < n; i++)
			src[i] = (uint8_t)random();
		size_t t = datatot_base64(src, n, text, sizeof(text));
		assert_int_equal(t, strlen(text));
		assert_int_equal(t, 2 + (n + 2) / 3 * 4);
		assert_memory_equal(text, "0s", 2);
		assert_null(ttodata(text, back, sizeof(back), &len));
		assert_int_equal(len, n);
		assert_memory_equal(back, src, n);
	}
	/* too small a buffer: nothing written */
	static const uint8_t abc[] = {0x01, 0x02, 0x03};
	assert_int_equal(datatot_base64(abc, 3, text, 6), 0);
	assert_int_equal(datatot_base64(abc, 3, text, 7), 6);
	assert_string_equal(text, "0sAQID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_hex_underscores),
		cmocka_unit_test(test_hex_underscore_placement),
		cmocka_unit_test(test_hex_errors),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base64_errors),
		cmocka_unit_test(test_base64_nonzero_padding),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_prefix_errors),
		cmocka_unit_test(test_empty_data_refused),
		cmocka_unit_test(test_base64_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
