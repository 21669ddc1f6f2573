/*
 * Unit tests for the bounds-checked cursors (controld/ike_cursor.c).
 * Buffers are malloc'd at their exact size so that ASan (make SANITIZE=1)
 * catches any read or write past them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike_cursor.h"

static uint8_t *exact(const void *src, size_t len)
{
	uint8_t *b = malloc(len > 0 ? len : 1);

	assert_non_null(b);
	if (len > 0)
		memcpy(b, src, len);
	return b;
}

static void test_init_left(void **state)
{
	static const uint8_t data[5] = {1, 2, 3, 4, 5};
	struct cursor c;

	cursor_init(&c, data, sizeof(data));
	assert_int_equal(cursor_left(&c), 5);
	assert_int_equal(cursor_consumed(&c), 0);
	cursor_init(&c, NULL, 0);
	assert_int_equal(cursor_left(&c), 0);
	assert_false(cursor_skip(&c, 1));
	assert_true(cursor_skip(&c, 0));
}

static void test_readers_big_endian(void **state)
{
	uint8_t *b = exact("\x12\x34\x56\x78\x9a\xbc\xde", 7);
	struct cursor c;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	cursor_init(&c, b, 7);
	assert_true(cursor_u8(&c, &v8));
	assert_int_equal(v8, 0x12);
	assert_true(cursor_u16(&c, &v16));
	assert_int_equal(v16, 0x3456);
	assert_true(cursor_u32(&c, &v32));
	assert_int_equal(v32, 0x789abcde);
	assert_int_equal(cursor_left(&c), 0);
	assert_false(cursor_u8(&c, &v8));
	free(b);
}

/* A failed read leaves the cursor where it was and the destination alone. */
static void test_short_reads_fail_cleanly(void **state)
{
	uint8_t *b = exact("\x01\x02\x03", 3);
	uint8_t dst[4] = {0xee, 0xee, 0xee, 0xee};
	struct cursor c;
	uint16_t v16 = 0xbeef;
	uint32_t v32 = 0xdeadbeef;

	cursor_init(&c, b, 3);
	assert_false(cursor_u32(&c, &v32));
	assert_int_equal(v32, 0xdeadbeef);
	assert_false(cursor_pull(&c, dst, 4));
	assert_int_equal(dst[0], 0xee);
	assert_int_equal(cursor_left(&c), 3);
	assert_true(cursor_skip(&c, 2));
	assert_false(cursor_u16(&c, &v16));
	assert_int_equal(v16, 0xbeef);
	assert_false(cursor_skip(&c, 2));
	assert_false(cursor_skip(&c, SIZE_MAX));
	assert_int_equal(cursor_left(&c), 1);
	free(b);
}

static void test_pull_peek(void **state)
{
	uint8_t *b = exact("abcdef", 6);
	struct {
		uint8_t x;
		uint32_t y; /* misaligned in the source: pull copies */
	} s;
	char dst[3];
	struct cursor c;

	cursor_init(&c, b, 6);
	assert_true(cursor_peek(&c, dst, 3));
	assert_memory_equal(dst, "abc", 3);
	assert_int_equal(cursor_left(&c), 6);
	assert_true(cursor_pull(&c, &s.x, 1));
	assert_true(cursor_pull(&c, &s.y, 4));
	assert_int_equal(s.x, 'a');
	assert_memory_equal(&s.y, "bcde", 4);
	assert_true(cursor_pull(&c, dst, 0));
	assert_int_equal(cursor_consumed(&c), 5);
	free(b);
}

static void test_sub_is_bounded(void **state)
{
	uint8_t *b = exact("\x00\x01\x02\x03\x04\x05\x06\x07", 8);
	struct cursor c, sub;
	uint32_t v;

	cursor_init(&c, b, 8);
	assert_true(cursor_skip(&c, 1));
	assert_false(cursor_sub(&c, 8, &sub));
	assert_int_equal(cursor_left(&c), 7);
	assert_true(cursor_sub(&c, 3, &sub));
	assert_int_equal(cursor_left(&c), 4);
	assert_int_equal(cursor_left(&sub), 3);
	/* The child cannot read its parent's bytes. */
	assert_false(cursor_u32(&sub, &v));
	assert_true(cursor_u32(&c, &v));
	assert_int_equal(v, 0x04050607);
	free(b);
}

static void test_bytes_and_rest(void **state)
{
	uint8_t *b = exact("hello world", 11);
	const uint8_t *p;
	struct cursor c;
	size_t len;

	cursor_init(&c, b, 11);
	assert_false(cursor_bytes(&c, 12, &p));
	assert_true(cursor_bytes(&c, 6, &p));
	assert_memory_equal(p, "hello ", 6);
	cursor_rest(&c, &p, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "world", 5);
	assert_int_equal(cursor_left(&c), 0);
	cursor_rest(&c, &p, &len);
	assert_int_equal(len, 0);
	free(b);
}

/* Fill a 32-byte area with a canary and give the builder only size of it. */
static void canary_init(struct cursor_out *o, uint8_t *area, size_t size)
{
	memset(area, 0xa5, 32);
	cursor_out_init(o, area, size);
}

static void assert_canary(const uint8_t *area, size_t from)
{
	size_t i;

	for (i = from; i < 32; i++)
		assert_int_equal(area[i], 0xa5);
}

static void test_out_appends(void **state)
{
	uint8_t area[32];
	struct cursor_out o;

	canary_init(&o, area, 16);
	assert_true(cursor_out_u8(&o, 0x01));
	assert_true(cursor_out_u16(&o, 0x0203));
	assert_true(cursor_out_u32(&o, 0x04050607));
	assert_true(cursor_out_bytes(&o, "\x08\x09", 2));
	assert_true(cursor_out_zeros(&o, 2));
	assert_int_equal(cursor_out_len(&o), 11);
	assert_memory_equal(cursor_out_data(&o), "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x00\x00",
			    11);
	assert_true(cursor_out_ok(&o));
	assert_canary(area, 16);
}

static void test_out_overflow_is_sticky(void **state)
{
	uint8_t area[32];
	struct cursor_out o;

	canary_init(&o, area, 5);
	assert_true(cursor_out_u32(&o, 0x11223344));
	assert_false(cursor_out_u16(&o, 0x5566));
	assert_false(cursor_out_ok(&o));
	/* It would fit now, but the builder stays in error. */
	assert_false(cursor_out_u8(&o, 0x77));
	assert_int_equal(cursor_out_len(&o), 4);
	assert_canary(area, 5);
	assert_int_equal(area[4], 0xa5);
	canary_init(&o, area, 3);
	assert_false(cursor_out_bytes(&o, "abcd", 4));
	assert_false(cursor_out_zeros(&o, SIZE_MAX));
	assert_canary(area, 0);
	cursor_out_init(&o, NULL, 100);
	assert_false(cursor_out_u8(&o, 1));
}

static void test_out_reserve_patch(void **state)
{
	uint8_t area[32];
	struct cursor_out o;
	size_t at;

	canary_init(&o, area, 16);
	assert_true(cursor_out_u8(&o, 0xff));
	assert_true(cursor_out_reserve(&o, 4, &at));
	assert_int_equal(at, 1);
	assert_true(cursor_out_patch_u32(&o, at, 0xcafebabe));
	assert_true(cursor_out_patch_u16(&o, 0, 0x0102));
	assert_memory_equal(cursor_out_data(&o), "\x01\x02\xfe\xba\xbe", 5);
	assert_non_null(cursor_out_window(&o, 1, 4));
	assert_null(cursor_out_window(&o, 2, 4));
	/* Patching what was not written is an error. */
	assert_false(cursor_out_patch_u8(&o, 5, 0));
	assert_false(cursor_out_ok(&o));
	assert_canary(area, 16);
}

static void test_out_payload_chain(void **state)
{
	uint8_t area[32];
	struct cursor_out o;
	struct cursor_out_payload p1, p2;

	canary_init(&o, area, 24);
	/* A pretend header whose byte 0 is the first next-payload field. */
	assert_true(cursor_out_u8(&o, 0));
	cursor_out_set_np(&o, 0);
	assert_true(cursor_out_start_payload(&o, 13, &p1));
	assert_true(cursor_out_bytes(&o, "abc", 3));
	assert_true(cursor_out_end_payload(&o, &p1));
	assert_true(cursor_out_start_payload(&o, 11, &p2));
	assert_true(cursor_out_end_payload(&o, &p2));
	assert_memory_equal(cursor_out_data(&o),
			    "\x0d" /* header: first payload is 13 */
			    "\x0b\x00\x00\x07"
			    "abc"		/* payload 13, np 11, length 7 */
			    "\x00\x00\x00\x04", /* payload 11, last, length 4 */
			    12);
	assert_canary(area, 24);
}

static void test_out_payload_overflow(void **state)
{
	uint8_t area[32];
	struct cursor_out o;
	struct cursor_out_payload p;

	canary_init(&o, area, 3);
	assert_false(cursor_out_start_payload(&o, 1, &p));
	assert_canary(area, 0);
	/* A payload longer than 65535 bytes cannot be described. */
	{
		size_t big = 70000;
		uint8_t *buf = malloc(big);

		assert_non_null(buf);
		cursor_out_init(&o, buf, big);
		assert_true(cursor_out_start_payload(&o, 1, &p));
		assert_true(cursor_out_zeros(&o, 65531)); /* 65535 in all */
		assert_true(cursor_out_end_payload(&o, &p));
		assert_true(cursor_out_u8(&o, 0));
		assert_false(cursor_out_end_payload(&o, &p));
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_left),
		cmocka_unit_test(test_readers_big_endian),
		cmocka_unit_test(test_short_reads_fail_cleanly),
		cmocka_unit_test(test_pull_peek),
		cmocka_unit_test(test_sub_is_bounded),
		cmocka_unit_test(test_bytes_and_rest),
		cmocka_unit_test(test_out_appends),
		cmocka_unit_test(test_out_overflow_is_sticky),
		cmocka_unit_test(test_out_reserve_patch),
		cmocka_unit_test(test_out_payload_chain),
		cmocka_unit_test(test_out_payload_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
