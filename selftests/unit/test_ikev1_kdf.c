/*
 * IKEv1 key derivation (controld/ikev1_kdf.c): known-answer tests from published
 * vectors (see kat_ikev1.h for where each comes from), and, for the values no vector
 * covers (HASH_I, Quick Mode hashes, KEYMAT with PFS), a cross-check against the RFC
 * 2409 formulas computed independently here with OpenSSL's one-shot HMAC() and
 * EVP_Digest() over hand-concatenated buffers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ikev1_kdf.h"
#include "kat_ikev1.h"
#include "kat_util.h"

#define MAXB KAT_MAXB

static const EVP_MD *md_of(enum oakley_hash h)
{
	switch (h) {
	case OAKLEY_HASH_MD5:
		return EVP_md5();
	case OAKLEY_HASH_SHA1:
		return EVP_sha1();
	case OAKLEY_HASH_SHA2_256:
		return EVP_sha256();
	case OAKLEY_HASH_SHA2_384:
		return EVP_sha384();
	case OAKLEY_HASH_SHA2_512:
		return EVP_sha512();
	}
	return NULL;
}

/* Reference PRF: HMAC() one-shot over key and the concatenation of the chunks. */
static void ref_prf(enum oakley_hash h, struct crypto_chunk key, const struct crypto_chunk *in,
		    size_t n, uint8_t *out)
{
	static uint8_t cat[4096];
	size_t len = 0;
	unsigned int olen = 0;

	for (size_t i = 0; i < n; i++) {
		assert_true(len + in[i].len <= sizeof(cat));
		if (in[i].len > 0)
			memcpy(cat + len, in[i].ptr, in[i].len);
		len += in[i].len;
	}
	assert_non_null(HMAC(md_of(h), key.ptr, (int)key.len, cat, len, out, &olen));
	assert_int_equal(olen, crypto_hash_size(h));
}

#define REF(h, key, out, ...)                                                                     \
	ref_prf((h), (key), (const struct crypto_chunk[]){__VA_ARGS__},                           \
		sizeof((const struct crypto_chunk[]){__VA_ARGS__}) / sizeof(struct crypto_chunk), \
		(out))

/* ---- SKEYID and children -------------------------------------------------------- */

static void check_chain(const struct ikev1_kdf *k, const struct kat_skeyid *v)
{
	assert_int_equal(k->prf_len, crypto_hash_size(v->hash));
	assert_hex(k->skeyid, k->prf_len, v->skeyid, "SKEYID");
	assert_hex(k->skeyid_d, k->prf_len, v->skeyid_d, "SKEYID_d");
	assert_hex(k->skeyid_a, k->prf_len, v->skeyid_a, "SKEYID_a");
	assert_hex(k->skeyid_e, k->prf_len, v->skeyid_e, "SKEYID_e");
}

/* Published vectors with the whole chain: through ikev1_kdf_init(). */
static void test_skeyid_chain(void **state)
{
	for (size_t i = 0; i < sizeof(kat_skeyid_full) / sizeof(kat_skeyid_full[0]); i++) {
		const struct kat_skeyid *v = &kat_skeyid_full[i];
		struct bytes psk, ni, nr, gxy, ci, cr;
		struct ikev1_kdf_phase1 in = {
			.hash = v->hash,
			.auth = v->auth,
			.psk = unhex(&psk, v->psk),
			.ni_b = unhex(&ni, v->ni),
			.nr_b = unhex(&nr, v->nr),
			.gxy = unhex(&gxy, v->gxy),
		};
		struct ikev1_kdf k;

		unhex(&ci, v->cky_i);
		unhex(&cr, v->cky_r);
		in.cky_i = ci.b;
		in.cky_r = cr.b;
		print_message("# %s\n", v->source);
		assert_int_equal(ikev1_kdf_init(&k, &in), 0);
		check_chain(&k, v);
		ikev1_kdf_wipe(&k);
	}
}

/* The same vectors, SKEYID given: ikev1_kdf_from_skeyid() (how NSS splits them). */
static void test_from_skeyid(void **state)
{
	for (size_t i = 0; i < sizeof(kat_skeyid_full) / sizeof(kat_skeyid_full[0]); i++) {
		const struct kat_skeyid *v = &kat_skeyid_full[i];
		struct bytes skeyid, gxy, ci, cr;
		struct ikev1_kdf k;

		unhex(&ci, v->cky_i);
		unhex(&cr, v->cky_r);
		assert_int_equal(ikev1_kdf_from_skeyid(&k, v->hash, unhex(&skeyid, v->skeyid),
						       unhex(&gxy, v->gxy), ci.b, cr.b),
				 0);
		check_chain(&k, v);
	}
}

static void test_skeyid_psk(void **state)
{
	for (size_t i = 0; i < sizeof(kat_skeyid_psk) / sizeof(kat_skeyid_psk[0]); i++) {
		const struct kat_skeyid *v = &kat_skeyid_psk[i];
		struct bytes psk, ni, nr;
		uint8_t out[CRYPTO_MAX_HASH];

		print_message("# %s\n", v->source);
		assert_int_equal(ikev1_kdf_skeyid_psk(v->hash, unhex(&psk, v->psk),
						      unhex(&ni, v->ni), unhex(&nr, v->nr), out),
				 0);
		assert_hex(out, crypto_hash_size(v->hash), v->skeyid, v->source);
	}
}

/* ---- recorded exchanges: chain, AES key, IVs, HASH_R ---------------------------- */

static void test_exchanges(void **state)
{
	for (size_t i = 0; i < sizeof(kat_exchanges) / sizeof(kat_exchanges[0]); i++) {
		const struct kat_exchange *v = &kat_exchanges[i];
		struct bytes psk, ni, nr, gxi, gxr, gxy, ci, cr, sa, id, mid, last;
		struct kat_skeyid chain = {
			.hash = OAKLEY_HASH_SHA1,
			.skeyid = v->skeyid,
			.skeyid_d = v->skeyid_d,
			.skeyid_a = v->skeyid_a,
			.skeyid_e = v->skeyid_e,
		};
		struct ikev1_kdf_phase1 in = {
			.hash = OAKLEY_HASH_SHA1,
			.auth = OAKLEY_AUTH_PSK,
			.psk = unhex(&psk, v->psk),
			.ni_b = unhex(&ni, v->ni),
			.nr_b = unhex(&nr, v->nr),
			.gxy = unhex(&gxy, v->gxy),
		};
		uint8_t iv[16], hash[CRYPTO_MAX_HASH];
		struct ikev1_kdf k;

		print_message("# %s\n", v->source);
		unhex(&ci, v->cky_i);
		unhex(&cr, v->cky_r);
		in.cky_i = ci.b;
		in.cky_r = cr.b;
		assert_int_equal(ikev1_kdf_init(&k, &in), 0);
		check_chain(&k, &chain);
		assert_int_equal(ikev1_kdf_set_enc_key(&k, 16), 0);
		assert_hex(k.enc_key, k.enc_key_len, v->enc_key, "AES key");
		assert_int_equal(ikev1_kdf_phase1_iv(&k, unhex(&gxi, v->gxi), unhex(&gxr, v->gxr),
						     iv, sizeof(iv)),
				 0);
		assert_hex(iv, sizeof(iv), v->iv1, "phase 1 IV");
		assert_int_equal(ikev1_kdf_hash_r(&k, CRYPTO_CHUNK(gxi.b, gxi.len),
						  CRYPTO_CHUNK(gxr.b, gxr.len), ci.b, cr.b,
						  unhex(&sa, v->sai_b), unhex(&id, v->idir_b),
						  hash),
				 0);
		assert_hex(hash, k.prf_len, v->hash_r, "HASH_R");
		if (v->msgid == NULL)
			continue;
		/* No message was encrypted yet: the "last block" is the phase 1 IV. */
		unhex(&mid, v->msgid);
		unhex(&last, v->iv1);
		assert_int_equal(ikev1_kdf_phase2_iv(&k, last.b, 16,
						     (uint32_t)mid.b[0] << 24 |
							     (uint32_t)mid.b[1] << 16 |
							     (uint32_t)mid.b[2] << 8 | mid.b[3],
						     iv),
				 0);
		assert_hex(iv, sizeof(iv), v->iv2, "phase 2 IV");
	}
}

/* ---- appendix B and KEYMAT expansion ------------------------------------------ */

static void test_appendix_b(void **state)
{
	for (size_t i = 0; i < sizeof(kat_expansions) / sizeof(kat_expansions[0]); i++) {
		const struct kat_expand *v = &kat_expansions[i];
		struct bytes key, want;
		uint8_t out[MAXB];
		size_t hlen = crypto_hash_size(v->hash);

		print_message("# %s\n", v->source);
		unhex(&key, v->key);
		unhex(&want, v->appendix_b);
		assert_int_equal(
			ikev1_kdf_appendix_b(v->hash, CRYPTO_CHUNK(key.b, key.len), out, v->len),
			0);
		assert_memory_equal(out, want.b, v->len);
		/* Long enough already: a prefix of the key itself (NSS vectors 12, 13). */
		assert_int_equal(
			ikev1_kdf_appendix_b(v->hash, CRYPTO_CHUNK(key.b, key.len), out, 15), 0);
		assert_memory_equal(out, key.b, 15);
		assert_int_equal(
			ikev1_kdf_appendix_b(v->hash, CRYPTO_CHUNK(key.b, key.len), out, hlen), 0);
		assert_memory_equal(out, key.b, hlen);
	}
}

static void test_keymat_expansion(void **state)
{
	for (size_t i = 0; i < sizeof(kat_expansions) / sizeof(kat_expansions[0]); i++) {
		const struct kat_expand *v = &kat_expansions[i];
		struct ikev1_kdf k = {.hash = v->hash, .prf_len = crypto_hash_size(v->hash)};
		struct bytes key, want;
		uint8_t out[MAXB];

		print_message("# %s\n", v->source);
		unhex(&key, v->key);
		unhex(&want, v->keymat);
		memcpy(k.skeyid_d, key.b, key.len);
		/* Seed "protocol | SPI | Ni_b | Nr_b" = the single octet 00. */
		assert_int_equal(ikev1_kdf_keymat(&k, CRYPTO_CHUNK_EMPTY, 0, CRYPTO_CHUNK_EMPTY,
						  CRYPTO_CHUNK_EMPTY, CRYPTO_CHUNK_EMPTY, out,
						  v->len),
				 0);
		assert_memory_equal(out, want.b, v->len);
		assert_int_equal(ikev1_kdf_keymat(&k, CRYPTO_CHUNK_EMPTY, 0, CRYPTO_CHUNK_EMPTY,
						  CRYPTO_CHUNK_EMPTY, CRYPTO_CHUNK_EMPTY, out, 15),
				 0);
		assert_memory_equal(out, want.b, 15);
	}
}

/* 3DES needs 24 bytes from SHA-1's 20: K1 | K2 truncated (RFC 2409 appendix B). */
static void test_enc_key_3des(void **state)
{
	const struct kat_skeyid *v = &kat_skeyid_full[0];
	struct bytes skeyid, gxy, ci, cr;
	uint8_t k1[20], k2[20], want[40];
	const uint8_t zero = 0;
	struct ikev1_kdf k;

	unhex(&ci, v->cky_i);
	unhex(&cr, v->cky_r);
	assert_int_equal(ikev1_kdf_from_skeyid(&k, v->hash, unhex(&skeyid, v->skeyid),
					       unhex(&gxy, v->gxy), ci.b, cr.b),
			 0);
	assert_int_equal(ikev1_kdf_set_enc_key(&k, 24), 0);
	assert_int_equal(k.enc_key_len, 24);
	REF(v->hash, CRYPTO_CHUNK(k.skeyid_e, 20), k1, CRYPTO_CHUNK(&zero, 1));
	REF(v->hash, CRYPTO_CHUNK(k.skeyid_e, 20), k2, CRYPTO_CHUNK(k1, 20));
	memcpy(want, k1, 20);
	memcpy(want + 20, k2, 20);
	assert_memory_equal(k.enc_key, want, 24);
	/* AES-128 from SHA-1: truncation of SKEYID_e. */
	assert_int_equal(ikev1_kdf_set_enc_key(&k, 16), 0);
	assert_memory_equal(k.enc_key, k.skeyid_e, 16);
}

/* ---- hashes without published vectors: RFC 2409 formulas, independently -------- */

struct fixture {
	struct ikev1_kdf k;
	struct bytes gxi, gxr, ci, cr, sa, idi, idr, ni, nr, body, gqm, spi;
};

static void setup_fixture(struct fixture *f, enum oakley_hash hash)
{
	const struct kat_exchange *v = &kat_exchanges[0];
	struct bytes psk, gxy;
	struct ikev1_kdf_phase1 in = {
		.hash = hash,
		.auth = OAKLEY_AUTH_PSK,
		.psk = unhex(&psk, v->psk),
		.ni_b = unhex(&f->ni, v->ni),
		.nr_b = unhex(&f->nr, v->nr),
		.gxy = unhex(&gxy, v->gxy),
	};

	unhex(&f->gxi, v->gxi);
	unhex(&f->gxr, v->gxr);
	unhex(&f->ci, v->cky_i);
	unhex(&f->cr, v->cky_r);
	unhex(&f->sa, v->sai_b);
	unhex(&f->idi, "010000000a000314");
	unhex(&f->idr, v->idir_b);
	unhex(&f->body, "0a000034000000010000000100000028");
	unhex(&f->gqm, v->gxy);
	unhex(&f->spi, "c0ffee01");
	in.cky_i = f->ci.b;
	in.cky_r = f->cr.b;
	assert_int_equal(ikev1_kdf_init(&f->k, &in), 0);
}

static void check_hashes(enum oakley_hash hash)
{
	static struct fixture f;
	const uint32_t msgid = 0x01020304;
	const uint8_t m[4] = {1, 2, 3, 4}, zero = 0;
	uint8_t got[CRYPTO_MAX_HASH], want[CRYPTO_MAX_HASH];
	struct ikev1_kdf *k = &f.k;
	size_t n = crypto_hash_size(hash);
	struct crypto_chunk skeyid = CRYPTO_CHUNK(k->skeyid, n), skeyid_a, cki, ckr;

	setup_fixture(&f, hash);
	skeyid_a = CRYPTO_CHUNK(k->skeyid_a, n);
	cki = CRYPTO_CHUNK(f.ci.b, 8);
	ckr = CRYPTO_CHUNK(f.cr.b, 8);

	assert_int_equal(
		ikev1_kdf_hash_i(k, CH(f.gxi), CH(f.gxr), f.ci.b, f.cr.b, CH(f.sa), CH(f.idi), got),
		0);
	REF(hash, skeyid, want, CH(f.gxi), CH(f.gxr), cki, ckr, CH(f.sa), CH(f.idi));
	assert_memory_equal(got, want, n);

	assert_int_equal(
		ikev1_kdf_hash_r(k, CH(f.gxi), CH(f.gxr), f.ci.b, f.cr.b, CH(f.sa), CH(f.idr), got),
		0);
	REF(hash, skeyid, want, CH(f.gxr), CH(f.gxi), ckr, cki, CH(f.sa), CH(f.idr));
	assert_memory_equal(got, want, n);

	assert_int_equal(ikev1_kdf_hash_msgid(k, msgid, CH(f.body), got), 0);
	REF(hash, skeyid_a, want, CRYPTO_CHUNK(m, 4), CH(f.body));
	assert_memory_equal(got, want, n);

	assert_int_equal(ikev1_kdf_qm_hash2(k, msgid, CH(f.ni), CH(f.body), got), 0);
	REF(hash, skeyid_a, want, CRYPTO_CHUNK(m, 4), CH(f.ni), CH(f.body));
	assert_memory_equal(got, want, n);

	assert_int_equal(ikev1_kdf_qm_hash3(k, msgid, CH(f.ni), CH(f.nr), got), 0);
	REF(hash, skeyid_a, want, CRYPTO_CHUNK(&zero, 1), CRYPTO_CHUNK(m, 4), CH(f.ni), CH(f.nr));
	assert_memory_equal(got, want, n);
	ikev1_kdf_wipe(k);
}

static void test_hashes(void **state)
{
	check_hashes(OAKLEY_HASH_MD5);
	check_hashes(OAKLEY_HASH_SHA1);
	check_hashes(OAKLEY_HASH_SHA2_256);
	check_hashes(OAKLEY_HASH_SHA2_512);
}

/* KEYMAT with and without PFS against the RFC 2409 5.5 formula, 3 blocks long. */
static void check_keymat(enum oakley_hash hash, bool pfs)
{
	static struct fixture f;
	const uint8_t esp = 3;
	uint8_t got[3 * CRYPTO_MAX_HASH], want[3 * CRYPTO_MAX_HASH];
	size_t n = crypto_hash_size(hash), len = 2 * n + 5;
	struct crypto_chunk d, gqm;

	setup_fixture(&f, hash);
	d = CRYPTO_CHUNK(f.k.skeyid_d, n);
	gqm = pfs ? CH(f.gqm) : CRYPTO_CHUNK_EMPTY;
	assert_int_equal(ikev1_kdf_keymat(&f.k, gqm, esp, CH(f.spi), CH(f.ni), CH(f.nr), got, len),
			 0);
	REF(hash, d, want, gqm, CRYPTO_CHUNK(&esp, 1), CH(f.spi), CH(f.ni), CH(f.nr));
	REF(hash, d, want + n, CRYPTO_CHUNK(want, n), gqm, CRYPTO_CHUNK(&esp, 1), CH(f.spi),
	    CH(f.ni), CH(f.nr));
	REF(hash, d, want + 2 * n, CRYPTO_CHUNK(want + n, n), gqm, CRYPTO_CHUNK(&esp, 1), CH(f.spi),
	    CH(f.ni), CH(f.nr));
	assert_memory_equal(got, want, len);
	ikev1_kdf_wipe(&f.k);
}

static void test_keymat(void **state)
{
	check_keymat(OAKLEY_HASH_SHA1, false);
	check_keymat(OAKLEY_HASH_SHA1, true);
	check_keymat(OAKLEY_HASH_SHA2_256, false);
	check_keymat(OAKLEY_HASH_SHA2_256, true);
	check_keymat(OAKLEY_HASH_SHA2_384, true);
}

/* Phase 1 IV uses the HASH, not the PRF; phase 2 IV hashes last block | M-ID. */
static void test_ivs(void **state)
{
	static struct fixture f;
	const uint8_t last[16] = {0xaa, 0xbb, 0xcc}, m[4] = {0xde, 0xad, 0xbe, 0xef};
	uint8_t iv[16], h[CRYPTO_MAX_HASH], cat[16 + 4];
	unsigned int hl = 0;

	setup_fixture(&f, OAKLEY_HASH_SHA2_256);
	assert_int_equal(ikev1_kdf_phase1_iv(&f.k, CH(f.gxi), CH(f.gxr), iv, 8), 0);
	memcpy(f.body.b, f.gxi.b, f.gxi.len);
	memcpy(f.body.b + f.gxi.len, f.gxr.b, f.gxr.len);
	assert_int_equal(EVP_Digest(f.body.b, f.gxi.len + f.gxr.len, h, &hl, EVP_sha256(), NULL),
			 1);
	assert_memory_equal(iv, h, 8);
	assert_int_equal(ikev1_kdf_phase2_iv(&f.k, last, 16, 0xdeadbeef, iv), 0);
	memcpy(cat, last, 16);
	memcpy(cat + 16, m, 4);
	assert_int_equal(EVP_Digest(cat, sizeof(cat), h, &hl, EVP_sha256(), NULL), 1);
	assert_memory_equal(iv, h, 16);
	/* MD5 (16 bytes) is enough for AES; a block longer than the hash is refused. */
	f.k.hash = OAKLEY_HASH_MD5;
	assert_int_equal(ikev1_kdf_phase1_iv(&f.k, CH(f.gxi), CH(f.gxr), iv, 16), 0);
	assert_int_equal(ikev1_kdf_phase1_iv(&f.k, CH(f.gxi), CH(f.gxr), h, 17), -EINVAL);
	ikev1_kdf_wipe(&f.k);
}

/* ---- argument checking and wiping --------------------------------------------- */

static void test_errors(void **state)
{
	static struct fixture f;
	const uint8_t cky[8] = {0}, key[20] = {1};
	uint8_t out[MAXB], big[IKEV1_MAX_NONCE + 1] = {0};
	struct ikev1_kdf_phase1 in = {0};
	struct ikev1_kdf k;

	/* Unknown hash, empty PSK, unknown auth method, over-long nonce. */
	assert_int_equal(ikev1_kdf_skeyid_psk(3, CRYPTO_CHUNK(key, 1), CRYPTO_CHUNK_EMPTY,
					      CRYPTO_CHUNK_EMPTY, out),
			 -EINVAL);
	assert_int_equal(ikev1_kdf_skeyid_psk(OAKLEY_HASH_SHA1, CRYPTO_CHUNK_EMPTY,
					      CRYPTO_CHUNK(key, 8), CRYPTO_CHUNK(key, 8), out),
			 -EINVAL);
	assert_int_equal(ikev1_kdf_skeyid_sig(OAKLEY_HASH_SHA1, CRYPTO_CHUNK(big, sizeof(big)),
					      CRYPTO_CHUNK(key, 8), CRYPTO_CHUNK(key, 8), out),
			 -EINVAL);
	in.hash = OAKLEY_HASH_SHA1;
	in.auth = 4; /* encryption with RSA: not implemented */
	assert_int_equal(ikev1_kdf_init(&k, &in), -EINVAL);
	/* SKEYID of the wrong length, missing cookies, missing g^xy. */
	assert_int_equal(ikev1_kdf_from_skeyid(&k, OAKLEY_HASH_SHA1, CRYPTO_CHUNK(key, 19),
					       CRYPTO_CHUNK(key, 8), cky, cky),
			 -EINVAL);
	assert_int_equal(ikev1_kdf_from_skeyid(&k, OAKLEY_HASH_SHA1, CRYPTO_CHUNK(key, 20),
					       CRYPTO_CHUNK(key, 8), NULL, cky),
			 -EINVAL);
	assert_int_equal(ikev1_kdf_from_skeyid(&k, OAKLEY_HASH_SHA1, CRYPTO_CHUNK(key, 20),
					       CRYPTO_CHUNK_EMPTY, cky, cky),
			 -EINVAL);
	/* Encryption key longer than any cipher's; KEYMAT of length 0. */
	setup_fixture(&f, OAKLEY_HASH_SHA1);
	assert_int_equal(ikev1_kdf_set_enc_key(&f.k, CRYPTO_MAX_KEY + 1), -EINVAL);
	assert_int_equal(ikev1_kdf_keymat(&f.k, CRYPTO_CHUNK_EMPTY, 3, CH(f.spi), CH(f.ni),
					  CH(f.nr), out, 0),
			 -EINVAL);
	/* An uninitialised (wiped) context derives nothing. */
	ikev1_kdf_wipe(&f.k);
	assert_int_equal(ikev1_kdf_qm_hash3(&f.k, 1, CH(f.ni), CH(f.nr), out), -EINVAL);
	assert_int_equal(ikev1_kdf_set_enc_key(&f.k, 16), -EINVAL);
}

static void test_wipe(void **state)
{
	static struct fixture f;
	static const struct ikev1_kdf zero;

	setup_fixture(&f, OAKLEY_HASH_SHA2_512);
	assert_int_equal(ikev1_kdf_set_enc_key(&f.k, 32), 0);
	assert_memory_not_equal(&f.k, &zero, sizeof(zero));
	ikev1_kdf_wipe(&f.k);
	assert_memory_equal(&f.k, &zero, sizeof(zero));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skeyid_chain), cmocka_unit_test(test_from_skeyid),
		cmocka_unit_test(test_skeyid_psk),   cmocka_unit_test(test_exchanges),
		cmocka_unit_test(test_appendix_b),   cmocka_unit_test(test_keymat_expansion),
		cmocka_unit_test(test_enc_key_3des), cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_keymat),	     cmocka_unit_test(test_ivs),
		cmocka_unit_test(test_errors),	     cmocka_unit_test(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
