/*
 * Hex helpers shared by the crypto known-answer tests (include after <cmocka.h>).
 */
#ifndef KAT_UTIL_H
#define KAT_UTIL_H

#include <stdint.h>
#include <string.h>

#include "crypto.h"

#define KAT_MAXB 600

struct bytes {
	uint8_t b[KAT_MAXB];
	size_t len;
};

static inline int kat_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into x; returns x as a chunk.  NULL hex gives an empty (NULL) chunk. */
static inline struct crypto_chunk unhex(struct bytes *x, const char *hex)
{
	size_t n = hex != NULL ? strlen(hex) : 0;

	assert_true(n % 2 == 0 && n / 2 <= KAT_MAXB);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = kat_hexval(hex[2 * i]), lo = kat_hexval(hex[2 * i + 1]);

		assert_true(hi >= 0 && lo >= 0);
		x->b[i] = (uint8_t)(hi << 4 | lo);
	}
	x->len = n / 2;
	return CRYPTO_CHUNK(hex != NULL ? x->b : NULL, x->len);
}

/* Fail, naming what and the expected value, unless got[0..len) is the hex want. */
static inline void assert_hex(const uint8_t *got, size_t len, const char *want, const char *what)
{
	static struct bytes w;

	unhex(&w, want);
	if (w.len != len || memcmp(got, w.b, len) != 0) {
		print_error("%s: want %s\n", what, want);
		fail();
	}
}

#define CH(x) CRYPTO_CHUNK((x).b, (x).len)

#endif /* KAT_UTIL_H */
