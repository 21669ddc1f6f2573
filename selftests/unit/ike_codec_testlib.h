/*
 * Shared helpers of the codec test programs (test_ike_codec.c,
 * test_ike_codec_mutate.c): the fixture table, exact-size copies (so ASan
 * sees overreads), hex builders, and whole-message parsing.
 */
#ifndef IKE_CODEC_TESTLIB_H
#define IKE_CODEC_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike_codec.h"

#include "fixtures_isakmp.h"

struct fixture {
	const char *name;
	const uint8_t *bytes;
	size_t len;
};

#define FX(n)                              \
	{                                  \
#n, fx_##n, sizeof(fx_##n) \
	}
static const struct fixture fixtures[] = {
	FX(android_am_i1), FX(rub_mm_psk_i1), FX(rub_mm_psk_r1), FX(rub_mm_psk_r2),
	FX(rub_am_psk_i1), FX(rub_am_psk_r1), FX(nmap_mm_i1),	 FX(sswan_mm_i1),
};
#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static struct ike_digest digest;
static struct ike_sa_parsed sa_store;
static uint8_t *held; /* the exact-size copy the digest points into */

/* Replace the held buffer with an exact-size copy of src. */
static inline const uint8_t *hold(const uint8_t *src, size_t len)
{
	free(held);
	held = malloc(len > 0 ? len : 1);
	assert_non_null(held);
	if (len > 0)
		memcpy(held, src, len);
	return held;
}

static inline int teardown_held(void **state)
{
	free(held);
	held = NULL;
	return 0;
}

/* Parse one payload body with the parser of its type. */
static inline const char *parse_body(const struct ike_payload *p)
{
	struct ike_chunk chunk;
	struct ike_id_payload id;
	struct ike_cert_payload cert;
	struct ike_notify n;
	struct ike_delete del;

	switch (p->type) {
	case ISAKMP_NEXT_SA:
		return ike_codec_parse_sa(p, &sa_store);
	case ISAKMP_NEXT_KE:
		return ike_codec_parse_ke(p, &chunk);
	case ISAKMP_NEXT_ID:
		return ike_codec_parse_id(p, &id);
	case ISAKMP_NEXT_CERT:
		return ike_codec_parse_cert(p, &cert);
	case ISAKMP_NEXT_CR:
		return ike_codec_parse_certreq(p, &cert);
	case ISAKMP_NEXT_HASH:
		return ike_codec_parse_hash(p, &chunk);
	case ISAKMP_NEXT_SIG:
		return ike_codec_parse_sig(p, &chunk);
	case ISAKMP_NEXT_NONCE:
		return ike_codec_parse_nonce(p, &chunk);
	case ISAKMP_NEXT_N:
		return ike_codec_parse_notify(p, &n);
	case ISAKMP_NEXT_D:
		return ike_codec_parse_delete(p, &del);
	case ISAKMP_NEXT_VID:
		return ike_codec_parse_vid(p, &chunk);
	default:
		return NULL;
	}
}

/* Parse a whole cleartext message (held copy) and every payload in it. */
static inline const char *parse_all(const uint8_t *msg, size_t len)
{
	const char *err = ike_codec_parse_message(&digest, hold(msg, len), len);
	unsigned i;

	for (i = 0; err == NULL && i < digest.npayloads; i++)
		err = parse_body(&digest.payloads[i]);
	return err;
}

/* Hex string (spaces ignored) into out; returns the byte count. */
static inline size_t hex(uint8_t *out, size_t size, const char *s)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		assert_true(n < size);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* A message: a header naming np, xchg, flags, then the body in hex. */
static inline size_t msg_hex(uint8_t *buf, size_t size, uint8_t np, uint8_t xchg, uint8_t flags,
			     const char *body)
{
	size_t len = 28 + hex(buf + 28, size - 28, body);

	memset(buf, 0, 28);
	memcpy(buf, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	buf[16] = np;
	buf[17] = 0x10;
	buf[18] = xchg;
	buf[19] = flags;
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	return len;
}

/* A message holding one payload of type with the body in hex; parsed. */
static inline const struct ike_payload *single(uint8_t type, const char *body)
{
	uint8_t buf[2048];
	size_t n = hex(buf + 32, sizeof(buf) - 32, body) + 4;
	size_t len = 28 + n;

	msg_hex(buf, sizeof(buf), type, ISAKMP_XCHG_INFO, 0, "");
	buf[27] = (uint8_t)len;
	buf[26] = (uint8_t)(len >> 8);
	buf[28] = 0;
	buf[29] = 0;
	buf[30] = (uint8_t)(n >> 8);
	buf[31] = (uint8_t)n;
	assert_null(ike_codec_parse_message(&digest, hold(buf, len), len));
	assert_int_equal(digest.npayloads, 1);
	return &digest.payloads[0];
}

static inline void expect_msg_err(const uint8_t *buf, size_t len, const char *reason)
{
	const char *err = ike_codec_parse_message(&digest, hold(buf, len), len);

	assert_non_null(err);
	assert_string_equal(err, reason);
}

#endif /* IKE_CODEC_TESTLIB_H */
