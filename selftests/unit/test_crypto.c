/*
 * The crypto layer (controld/crypto_*.c): hash and PRF, CBC ciphers, Diffie-Hellman,
 * RSA.  Known answers come from the published vectors listed in kat_crypto.h; the
 * MODP groups are checked against OpenSSL's own copies of the RFC 2409/3526 primes
 * with an independent BN_mod_exp(); RSA signatures are opened with the raw public
 * operation to check the IKEv1 format (type 1 padding, no DigestInfo).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "crypto.h"
#include "kat_crypto.h"
#include "kat_util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- hash and PRF --------------------------------------------------------------- */

static void test_hash_lookup(void **state)
{
	static const struct {
		enum oakley_hash id;
		size_t size;
		const char *name;
	} want[] = {
		{OAKLEY_HASH_MD5, 16, "md5"},		{OAKLEY_HASH_SHA1, 20, "sha1"},
		{OAKLEY_HASH_SHA2_256, 32, "sha2_256"}, {OAKLEY_HASH_SHA2_384, 48, "sha2_384"},
		{OAKLEY_HASH_SHA2_512, 64, "sha2_512"},
	};

	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const struct crypto_hash_desc *h = crypto_hash_lookup(want[i].id);

		assert_non_null(h);
		assert_int_equal(h->size, want[i].size);
		assert_int_equal(crypto_hash_size(want[i].id), want[i].size);
		assert_ptr_equal(crypto_hash_by_name(want[i].name), h);
	}
	assert_ptr_equal(crypto_hash_by_name("SHA256"), crypto_hash_lookup(OAKLEY_HASH_SHA2_256));
	assert_ptr_equal(crypto_hash_by_name("sha"), crypto_hash_lookup(OAKLEY_HASH_SHA1));
	assert_null(crypto_hash_lookup(3)); /* Tiger */
	assert_null(crypto_hash_by_name("tiger"));
	assert_null(crypto_hash_by_name(NULL));
	assert_int_equal(crypto_hash_size(3), 0);
}

/* Fill a key or data buffer from a kat_hmac field (hex, text, or a repeated byte). */
static struct crypto_chunk hmac_input(struct bytes *x, const char *hex, const char *text,
				      size_t repeat, unsigned char byte)
{
	if (hex != NULL)
		return unhex(x, hex);
	if (text != NULL) {
		x->len = strlen(text);
		memcpy(x->b, text, x->len);
	} else {
		x->len = repeat;
		memset(x->b, byte, repeat);
	}
	return CH(*x);
}

static void test_hmac_kat(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(kat_hmacs); i++) {
		const struct kat_hmac *v = &kat_hmacs[i];
		size_t n = crypto_hash_size(v->hash);
		uint8_t out[CRYPTO_MAX_HASH];
		struct bytes key, data;
		struct crypto_chunk d, parts[3];

		hmac_input(&key, v->key, NULL, v->key_repeat, v->key_byte);
		d = hmac_input(&data, NULL, v->data, v->data_repeat, v->data_byte);
		assert_int_equal(crypto_prf(v->hash, CH(key), &d, 1, out, sizeof(out)), 0);
		assert_hex(out, n, v->mac, v->source);
		/* The same data in three chunks, one of them empty. */
		parts[0] = CRYPTO_CHUNK(d.ptr, 3);
		parts[1] = CRYPTO_CHUNK_EMPTY;
		parts[2] = CRYPTO_CHUNK(d.ptr + 3, d.len - 3);
		memset(out, 0, sizeof(out));
		assert_int_equal(crypto_prf(v->hash, CH(key), parts, 3, out, n), 0);
		assert_hex(out, n, v->mac, v->source);
	}
}

static void test_digest_kat(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(kat_digests); i++) {
		const struct crypto_chunk abc[] = {CRYPTO_CHUNK("a", 1), CRYPTO_CHUNK("bc", 2)};
		uint8_t out[CRYPTO_MAX_HASH];
		size_t n = crypto_hash_size(kat_digests[i].hash);

		assert_int_equal(crypto_hash(kat_digests[i].hash, abc, 2, out, sizeof(out)), 0);
		assert_hex(out, n, kat_digests[i].digest, "digest of abc");
	}
}

static void test_prf_args(void **state)
{
	const struct crypto_chunk d = CRYPTO_CHUNK("data", 4);
	uint8_t out[CRYPTO_MAX_HASH], want[CRYPTO_MAX_HASH];
	unsigned int wlen = 0;

	/* Output buffer too small, unknown hash, missing output. */
	assert_int_equal(crypto_prf(OAKLEY_HASH_SHA1, d, &d, 1, out, 19), -EINVAL);
	assert_int_equal(crypto_prf(3, d, &d, 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(crypto_prf(OAKLEY_HASH_SHA1, d, &d, 1, NULL, 20), -EINVAL);
	assert_int_equal(crypto_hash(OAKLEY_HASH_SHA2_512, &d, 1, out, 63), -EINVAL);
	/* An empty key is legal HMAC (key padded with zeros). */
	assert_int_equal(crypto_prf(OAKLEY_HASH_SHA2_256, CRYPTO_CHUNK_EMPTY, &d, 1, out, 32), 0);
	assert_non_null(HMAC(EVP_sha256(), "", 0, d.ptr, d.len, want, &wlen));
	assert_memory_equal(out, want, 32);
}

static void test_random_memeq(void **state)
{
	uint8_t a[64] = {0}, b[64] = {0};

	assert_true(crypto_memeq(a, b, sizeof(a)));
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_false(crypto_memeq(a, b, sizeof(a))); /* 2^-512 */
	memcpy(b, a, sizeof(a));
	b[63] ^= 1;
	assert_false(crypto_memeq(a, b, sizeof(a)));
	crypto_cleanse(a, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(crypto_random(a, 0), 0);
}

/* ---- CBC ciphers ---------------------------------------------------------------- */

static void test_cipher_lookup(void **state)
{
	assert_int_equal(crypto_cipher_blocksize(OAKLEY_ENCR_3DES_CBC), 8);
	assert_int_equal(crypto_cipher_blocksize(OAKLEY_ENCR_AES_CBC), 16);
	assert_int_equal(crypto_cipher_blocksize(OAKLEY_ENCR_DES_CBC), 0);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_3DES_CBC, 0), 24);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_3DES_CBC, 192), 24);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_3DES_CBC, 128), -EINVAL);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_AES_CBC, 128), 16);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_AES_CBC, 192), 24);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_AES_CBC, 256), 32);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_AES_CBC, 0), -EINVAL);
	assert_int_equal(crypto_cipher_keylen(OAKLEY_ENCR_AES_CBC, 512), -EINVAL);
	assert_ptr_equal(crypto_cipher_by_name("aes256"),
			 crypto_cipher_lookup(OAKLEY_ENCR_AES_CBC));
	assert_ptr_equal(crypto_cipher_by_name("3DES"), crypto_cipher_lookup(OAKLEY_ENCR_3DES_CBC));
	assert_null(crypto_cipher_by_name("des"));
}

static void test_cbc_kat(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(kat_cbcs); i++) {
		const struct kat_cbc *v = &kat_cbcs[i];
		struct bytes key, iv, buf, want, iv2;
		size_t bs = crypto_cipher_blocksize(v->id);

		print_message("# %s\n", v->source);
		unhex(&key, v->key);
		unhex(&iv, v->iv);
		unhex(&buf, v->plain);
		unhex(&want, v->cipher);
		assert_int_equal(
			crypto_cipher_cbc(v->id, key.b, key.len, iv.b, buf.b, buf.len, true), 0);
		assert_memory_equal(buf.b, want.b, want.len);
		/* The IV is now the last ciphertext block. */
		assert_memory_equal(iv.b, want.b + want.len - bs, bs);
		unhex(&iv, v->iv);
		assert_int_equal(
			crypto_cipher_cbc(v->id, key.b, key.len, iv.b, buf.b, buf.len, false), 0);
		assert_hex(buf.b, buf.len, v->plain, v->source);
		assert_memory_equal(iv.b, want.b + want.len - bs, bs);
		if (buf.len < 2 * bs)
			continue;
		/* Two calls chained through the IV give the one-call result (IKEv1 CBC). */
		unhex(&iv2, v->iv);
		assert_int_equal(crypto_cipher_cbc(v->id, key.b, key.len, iv2.b, buf.b, bs, true),
				 0);
		assert_int_equal(crypto_cipher_cbc(v->id, key.b, key.len, iv2.b, buf.b + bs,
						   buf.len - bs, true),
				 0);
		assert_memory_equal(buf.b, want.b, want.len);
	}
}

static void test_cbc_errors(void **state)
{
	uint8_t key[32] = {0}, iv[16] = {0}, buf[48] = {0};

	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_AES_CBC, key, 16, iv, buf, 15, true),
			 -EINVAL);
	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_AES_CBC, key, 16, iv, buf, 0, true),
			 -EINVAL);
	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_AES_CBC, key, 20, iv, buf, 16, true),
			 -EINVAL);
	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_3DES_CBC, key, 16, iv, buf, 16, true),
			 -EINVAL);
	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_3DES_CBC, key, 24, iv, buf, 12, false),
			 -EINVAL);
	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_DES_CBC, key, 8, iv, buf, 16, true),
			 -EINVAL);
	assert_int_equal(crypto_cipher_cbc(OAKLEY_ENCR_AES_CBC, key, 32, NULL, buf, 16, true),
			 -EINVAL);
}

/* ---- Diffie-Hellman ------------------------------------------------------------- */

static const enum oakley_group all_groups[] = {
	OAKLEY_GROUP_MODP1024, OAKLEY_GROUP_MODP1536,	OAKLEY_GROUP_MODP2048,
	OAKLEY_GROUP_MODP3072, OAKLEY_GROUP_MODP4096,	OAKLEY_GROUP_ECP256,
	OAKLEY_GROUP_ECP384,   OAKLEY_GROUP_CURVE25519,
};

static void test_dh_lookup(void **state)
{
	static const size_t ke[] = {128, 192, 256, 384, 512, 64, 96, 32};
	static const size_t sec[] = {128, 192, 256, 384, 512, 32, 48, 32};

	for (size_t i = 0; i < ARRAY_LEN(all_groups); i++) {
		const struct crypto_dh_desc *d = crypto_dh_lookup(all_groups[i]);

		assert_non_null(d);
		assert_int_equal(d->ke_len, ke[i]);
		assert_int_equal(d->secret_len, sec[i]);
		assert_ptr_equal(crypto_dh_by_name(d->name), d);
		assert_ptr_equal(crypto_dh_by_name(d->alias), d);
	}
	assert_ptr_equal(crypto_dh_by_name("dh14"), crypto_dh_lookup(OAKLEY_GROUP_MODP2048));
	/* all_groups is every group: the tests here and the self-test's coverage agree */
	for (size_t i = 0; i < ARRAY_LEN(all_groups); i++)
		assert_int_equal(crypto_dh_at(i)->id, all_groups[i]);
	assert_null(crypto_dh_at(ARRAY_LEN(all_groups)));
	assert_null(crypto_dh_lookup(1)); /* MODP768: not offered */
	assert_null(crypto_dh_by_name("modp768"));
}

/* Both sides of every group agree, with the wire lengths the RFCs give. */
static void test_dh_agreement(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(all_groups); i++) {
		const struct crypto_dh_desc *d = crypto_dh_lookup(all_groups[i]);
		uint8_t pi[512], pr[512], si[512], sr[512];
		size_t li = 0, lr = 0, lsi = 0, lsr = 0;
		struct crypto_dh *a = NULL, *b = NULL;

		print_message("# %s\n", d->name);
		assert_int_equal(crypto_dh_new(all_groups[i], &a), 0);
		assert_int_equal(crypto_dh_new(all_groups[i], &b), 0);
		assert_ptr_equal(crypto_dh_desc(a), d);
		assert_int_equal(crypto_dh_public(a, pi, sizeof(pi), &li), 0);
		assert_int_equal(crypto_dh_public(b, pr, sizeof(pr), &lr), 0);
		assert_int_equal(li, d->ke_len);
		assert_int_equal(lr, d->ke_len);
		assert_memory_not_equal(pi, pr, li);
		assert_null(crypto_dh_shared(a, CRYPTO_CHUNK(pr, lr), si, sizeof(si), &lsi));
		assert_null(crypto_dh_shared(b, CRYPTO_CHUNK(pi, li), sr, sizeof(sr), &lsr));
		assert_int_equal(lsi, d->secret_len);
		assert_int_equal(lsr, d->secret_len);
		assert_memory_equal(si, sr, lsi);
		/* Output buffer too small: refused, not overrun. */
		assert_non_null(
			crypto_dh_shared(a, CRYPTO_CHUNK(pr, lr), si, d->secret_len - 1, &lsi));
		assert_int_equal(crypto_dh_public(a, pi, d->ke_len - 1, &li), -EINVAL);
		crypto_dh_free(a);
		crypto_dh_free(b);
	}
	crypto_dh_free(NULL);
	assert_int_equal(crypto_dh_new(1, &(struct crypto_dh *){NULL}), -EINVAL);
}

static void test_dh_kat(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(kat_dhs); i++) {
		const struct kat_dh *v = &kat_dhs[i];
		struct bytes xi, yi, xr, yr;
		struct crypto_dh *a = NULL, *b = NULL;
		uint8_t out[512];
		size_t len = 0;

		print_message("# %s\n", v->source);
		assert_int_equal(
			crypto_dh_import(v->group, unhex(&xi, v->priv_i), unhex(&yi, v->pub_i), &a),
			0);
		assert_int_equal(
			crypto_dh_import(v->group, unhex(&xr, v->priv_r), unhex(&yr, v->pub_r), &b),
			0);
		assert_int_equal(crypto_dh_public(a, out, sizeof(out), &len), 0);
		assert_hex(out, len, v->pub_i, "public value, wire form");
		assert_null(crypto_dh_shared(a, CH(yr), out, sizeof(out), &len));
		assert_hex(out, len, v->shared, "g^ir from i");
		assert_null(crypto_dh_shared(b, CH(yi), out, sizeof(out), &len));
		assert_hex(out, len, v->shared, "g^ir from r");
		crypto_dh_free(a);
		crypto_dh_free(b);
		/* A private value that does not match the public value is refused. */
		assert_int_equal(crypto_dh_import(v->group, CH(xi), CH(yr), &a), -EINVAL);
	}
}

/* OpenSSL's own copy of each MODP prime, for an independent computation. */
static BIGNUM *modp_prime(enum oakley_group g)
{
	switch (g) {
	case OAKLEY_GROUP_MODP1024:
		return BN_get_rfc2409_prime_1024(NULL);
	case OAKLEY_GROUP_MODP1536:
		return BN_get_rfc3526_prime_1536(NULL);
	case OAKLEY_GROUP_MODP2048:
		return BN_get_rfc3526_prime_2048(NULL);
	case OAKLEY_GROUP_MODP3072:
		return BN_get_rfc3526_prime_3072(NULL);
	case OAKLEY_GROUP_MODP4096:
		return BN_get_rfc3526_prime_4096(NULL);
	default:
		return NULL;
	}
}

/* y = base^x mod p, big-endian padded to len. */
static void modexp(const BIGNUM *base, const uint8_t *x, size_t xlen, const BIGNUM *p, uint8_t *y,
		   size_t len)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *e = BN_bin2bn(x, (int)xlen, NULL), *r = BN_new();

	assert_non_null(ctx);
	assert_int_equal(BN_mod_exp(r, base, e, p, ctx), 1);
	assert_int_equal(BN_bn2binpad(r, y, (int)len), (int)len);
	BN_free(r);
	BN_free(e);
	BN_CTX_free(ctx);
}

/* Our MODP groups are OpenSSL's RFC 2409/3526 primes with g = 2: a full known answer. */
static void test_dh_modp_groups(void **state)
{
	uint8_t xi[32], xr[32], yi[512], yr[512], want[512], got[512];
	BIGNUM *two = BN_new();

	assert_int_equal(BN_set_word(two, 2), 1);
	for (size_t i = 0; i < 5; i++) {
		const struct crypto_dh_desc *d = crypto_dh_lookup(all_groups[i]);
		BIGNUM *p = modp_prime(d->id), *bnyr;
		struct crypto_dh *a = NULL;
		size_t len = 0;

		print_message("# %s\n", d->name);
		assert_non_null(p);
		assert_int_equal(BN_num_bytes(p), (int)d->ke_len);
		memset(xi, 0x11 * (int)(i + 1), sizeof(xi));
		memset(xr, 0x5a, sizeof(xr));
		modexp(two, xi, sizeof(xi), p, yi, d->ke_len);
		modexp(two, xr, sizeof(xr), p, yr, d->ke_len);
		bnyr = BN_bin2bn(yr, (int)d->ke_len, NULL);
		modexp(bnyr, xi, sizeof(xi), p, want, d->ke_len);
		/* The import's pairwise check recomputes g^x with the group's own p and g. */
		assert_int_equal(crypto_dh_import(d->id, CRYPTO_CHUNK(xi, sizeof(xi)),
						  CRYPTO_CHUNK(yi, d->ke_len), &a),
				 0);
		assert_null(
			crypto_dh_shared(a, CRYPTO_CHUNK(yr, d->ke_len), got, sizeof(got), &len));
		assert_int_equal(len, d->ke_len);
		assert_memory_equal(got, want, len);
		crypto_dh_free(a);
		/* A public value that is not g^x is refused. */
		assert_int_equal(crypto_dh_import(d->id, CRYPTO_CHUNK(xi, sizeof(xi)),
						  CRYPTO_CHUNK(yr, d->ke_len), &a),
				 -EINVAL);
		assert_null(a);
		BN_free(bnyr);
		BN_free(p);
	}
	BN_free(two);
}

/* Every bad peer value gets a reason, and nothing crashes. */
static void expect_rejected(struct crypto_dh *dh, const uint8_t *v, size_t len, const char *what)
{
	uint8_t out[512];
	size_t n = 0;
	const char *err = crypto_dh_shared(dh, CRYPTO_CHUNK(v, len), out, sizeof(out), &n);

	if (err == NULL) {
		print_error("%s: accepted\n", what);
		fail();
	}
	print_message("# %s: %s\n", what, err);
}

static void expect_accepted(struct crypto_dh *dh, const uint8_t *v, size_t len, const char *what)
{
	uint8_t out[512];
	size_t n = 0;
	const char *err = crypto_dh_shared(dh, CRYPTO_CHUNK(v, len), out, sizeof(out), &n);

	if (err != NULL) {
		print_error("%s: rejected: %s\n", what, err);
		fail();
	}
	assert_int_equal(n, len);
}

static void bad_modp(enum oakley_group g)
{
	const struct crypto_dh_desc *d = crypto_dh_lookup(g);
	uint8_t v[512];
	size_t len = d->ke_len;
	struct crypto_dh *dh = NULL;
	BIGNUM *p = modp_prime(g);

	assert_int_equal(crypto_dh_new(g, &dh), 0);
	memset(v, 0, sizeof(v));
	expect_rejected(dh, v, len - 1, "short");
	expect_rejected(dh, v, len + 1, "long");
	expect_rejected(dh, v, len, "0");
	v[len - 1] = 1;
	expect_rejected(dh, v, len, "1");
	BN_bn2binpad(p, v, (int)len);
	expect_rejected(dh, v, len, "p");
	v[len - 1] -= 1;
	expect_rejected(dh, v, len, "p-1");
	memset(v, 0xff, len);
	expect_rejected(dh, v, len, "2^n-1 > p");
	expect_rejected(dh, NULL, 0, "empty");
	/*
	 * Inside the range but outside the prime-order subgroup: p - 2 and p - y for a good
	 * y (both quadratic non-residues, as (-1|p) = -1).  RFC 6989 2.2: accepted.
	 */
	struct crypto_dh *other = NULL;
	size_t n = 0;
	BIGNUM *y = BN_new();
	assert_non_null(y);
	assert_int_equal(BN_sub(y, p, BN_value_one()), 1);
	assert_int_equal(BN_sub(y, y, BN_value_one()), 1);
	BN_bn2binpad(y, v, (int)len);
	expect_accepted(dh, v, len, "p-2");
	memset(v, 0, len);
	v[len - 1] = 2;
	expect_accepted(dh, v, len, "2");
	assert_int_equal(crypto_dh_new(g, &other), 0);
	assert_int_equal(crypto_dh_public(other, v, sizeof(v), &n), 0);
	assert_non_null(BN_bin2bn(v, (int)n, y));
	assert_int_equal(BN_sub(y, p, y), 1);
	BN_bn2binpad(y, v, (int)len);
	expect_accepted(dh, v, len, "p - y");
	BN_free(y);
	crypto_dh_free(other);
	BN_free(p);
	crypto_dh_free(dh);
}

static void test_dh_bad_peer(void **state)
{
	struct bytes pub;
	struct crypto_dh *dh = NULL;
	uint8_t v[96] = {0};

	bad_modp(OAKLEY_GROUP_MODP1024);
	bad_modp(OAKLEY_GROUP_MODP2048);

	/* ECP: x | y not on the curve, (0, 0), wrong length. */
	assert_int_equal(crypto_dh_new(OAKLEY_GROUP_ECP256, &dh), 0);
	unhex(&pub, kat_dhs[0].pub_r);
	pub.b[63] ^= 1;
	expect_rejected(dh, pub.b, 64, "P-256 point off the curve");
	expect_rejected(dh, v, 64, "P-256 (0, 0)");
	memset(pub.b, 0xff, 64);
	expect_rejected(dh, pub.b, 64, "P-256 coordinates above p");
	expect_rejected(dh, pub.b, 65, "P-256 with 0x04 prefix length");
	crypto_dh_free(dh);
	assert_int_equal(crypto_dh_new(OAKLEY_GROUP_ECP384, &dh), 0);
	unhex(&pub, kat_dhs[1].pub_r);
	pub.b[10] ^= 0x80;
	expect_rejected(dh, pub.b, 96, "P-384 point off the curve");
	expect_rejected(dh, pub.b, 64, "P-384 short");
	crypto_dh_free(dh);

	/* X25519: low-order points give an all-zero secret; wrong length. */
	assert_int_equal(crypto_dh_new(OAKLEY_GROUP_CURVE25519, &dh), 0);
	expect_rejected(dh, v, 32, "X25519 u = 0");
	v[0] = 1;
	expect_rejected(dh, v, 32, "X25519 u = 1");
	expect_rejected(dh, v, 31, "X25519 short");
	crypto_dh_free(dh);
}

/* Helper threads run these concurrently: no shared mutable state may break them. */
static void *dh_worker(void *arg)
{
	const enum oakley_group g = *(const enum oakley_group *)arg;
	uintptr_t bad = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t pa[512], pb[512], sa[512], sb[512], mac[CRYPTO_MAX_HASH];
		struct crypto_dh *a = NULL, *b = NULL;
		size_t la = 0, lb = 0, n = 0;

		if (crypto_dh_new(g, &a) != 0 || crypto_dh_new(g, &b) != 0 ||
		    crypto_dh_public(a, pa, sizeof(pa), &la) != 0 ||
		    crypto_dh_public(b, pb, sizeof(pb), &lb) != 0 ||
		    crypto_dh_shared(a, CRYPTO_CHUNK(pb, lb), sa, sizeof(sa), &n) != NULL ||
		    crypto_dh_shared(b, CRYPTO_CHUNK(pa, la), sb, sizeof(sb), &n) != NULL ||
		    memcmp(sa, sb, n) != 0 ||
		    crypto_prf(OAKLEY_HASH_SHA2_256, CRYPTO_CHUNK(sa, n), &CRYPTO_CHUNK(pa, la), 1,
			       mac, sizeof(mac)) != 0)
			bad++;
		crypto_dh_free(a);
		crypto_dh_free(b);
	}
	return (void *)bad;
}

static void test_dh_threads(void **state)
{
	static const enum oakley_group groups[] = {
		OAKLEY_GROUP_MODP1024, OAKLEY_GROUP_MODP2048,	OAKLEY_GROUP_ECP256,
		OAKLEY_GROUP_ECP384,   OAKLEY_GROUP_CURVE25519, OAKLEY_GROUP_MODP1536,
	};
	pthread_t t[ARRAY_LEN(groups)];

	for (size_t i = 0; i < ARRAY_LEN(groups); i++)
		assert_int_equal(pthread_create(&t[i], NULL, dh_worker, (void *)&groups[i]), 0);
	for (size_t i = 0; i < ARRAY_LEN(groups); i++) {
		void *bad = NULL;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

/* ---- RSA ---------------------------------------------------------------------- */

static EVP_PKEY *rsa_key; /* one 2048-bit key for the RSA tests */

static int rsa_setup(void **state)
{
	rsa_key = crypto_rsa_generate(2048);
	return rsa_key != NULL ? 0 : -1;
}

static int rsa_teardown(void **state)
{
	EVP_PKEY_free(rsa_key);
	return 0;
}

/* Open sig with the raw public operation: 00 01 FF.. 00 hash, no DigestInfo. */
static void check_type1(EVP_PKEY *key, const uint8_t *sig, size_t len, const uint8_t *hash,
			size_t hlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	uint8_t em[512];
	size_t n = sizeof(em), i;

	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, em, &n, sig, len), 1);
	assert_int_equal(n, len);
	assert_int_equal(em[0], 0);
	assert_int_equal(em[1], 1);
	for (i = 2; i < n - hlen - 1; i++)
		assert_int_equal(em[i], 0xff);
	assert_int_equal(em[i], 0);
	assert_memory_equal(em + i + 1, hash, hlen);
	EVP_PKEY_CTX_free(ctx);
}

static void test_rsa_sign_verify(void **state)
{
	static const size_t hlens[] = {16, 20, 32, 48, 64};
	uint8_t hash[64], sig[512], sig2[512];
	size_t size = crypto_rsa_size(rsa_key), len = 0, len2 = 0;

	assert_int_equal(size, 256);
	assert_int_equal(crypto_random(hash, sizeof(hash)), 0);
	for (size_t i = 0; i < ARRAY_LEN(hlens); i++) {
		struct crypto_chunk h = CRYPTO_CHUNK(hash, hlens[i]);

		assert_int_equal(crypto_rsa_sign(rsa_key, h, sig, sizeof(sig), &len), 0);
		assert_int_equal(len, size);
		check_type1(rsa_key, sig, len, hash, hlens[i]);
		assert_null(crypto_rsa_verify(rsa_key, h, CRYPTO_CHUNK(sig, len)));
		/* PKCS#1 v1.5 is deterministic. */
		assert_int_equal(crypto_rsa_sign(rsa_key, h, sig2, sizeof(sig2), &len2), 0);
		assert_memory_equal(sig, sig2, len);
		/* Tampering: signature bit, hash bit, shorter hash, truncated signature. */
		sig2[len / 2] ^= 0x10;
		assert_non_null(crypto_rsa_verify(rsa_key, h, CRYPTO_CHUNK(sig2, len)));
		hash[0] ^= 1;
		assert_non_null(crypto_rsa_verify(rsa_key, h, CRYPTO_CHUNK(sig, len)));
		hash[0] ^= 1;
		assert_non_null(crypto_rsa_verify(rsa_key, CRYPTO_CHUNK(hash, hlens[i] - 1),
						  CRYPTO_CHUNK(sig, len)));
		assert_non_null(crypto_rsa_verify(rsa_key, h, CRYPTO_CHUNK(sig, len - 1)));
	}
	/* Arguments: buffer too small, hash longer than the padding allows. */
	assert_int_equal(crypto_rsa_sign(rsa_key, CRYPTO_CHUNK(hash, 20), sig, size - 1, &len),
			 -EINVAL);
	assert_int_equal(
		crypto_rsa_sign(rsa_key, CRYPTO_CHUNK(sig2, size - 10), sig, sizeof(sig), &len),
		-EINVAL);
}

static void test_rsa_rfc3110(void **state)
{
	uint8_t *blob = NULL, alt[600];
	size_t len = 0;
	EVP_PKEY *pub = NULL;
	char id[16];

	assert_int_equal(crypto_rsa_pubkey_to_rfc3110(rsa_key, &blob, &len), 0);
	/* e = 65537: length octet 3, then 01 00 01, then the 256-octet modulus. */
	assert_int_equal(len, 1 + 3 + 256);
	assert_int_equal(blob[0], 3);
	assert_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, len), &pub));
	assert_int_equal(EVP_PKEY_eq(pub, rsa_key), 1);
	assert_int_equal(crypto_rsa_keyid(pub, id, sizeof(id)), 0);
	assert_int_equal(strncmp(id, "AwEAA", 5), 0);
	assert_int_equal(strlen(id), CRYPTO_RSA_KEYID_LEN);
	EVP_PKEY_free(pub);
	/* The three-octet length form (RFC 3110: 0, then 2 octets) is accepted too. */
	alt[0] = 0;
	alt[1] = 0;
	alt[2] = 3;
	memcpy(alt + 3, blob + 1, len - 1);
	assert_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(alt, len + 2), &pub));
	assert_int_equal(EVP_PKEY_eq(pub, rsa_key), 1);
	EVP_PKEY_free(pub);
	/* Malformed blobs: each is refused with a reason. */
	assert_non_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, 2), &pub));
	assert_non_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, 4), &pub));
	assert_non_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, 1 + 3 + 64), &pub));
	blob[0] = 0xff; /* exponent longer than the blob */
	assert_non_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, len), &pub));
	blob[0] = 3;
	blob[len - 1] &= 0xfe; /* even modulus */
	assert_non_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, len), &pub));
	blob[len - 1] |= 1;
	blob[4] = 0; /* leading zero in the modulus */
	assert_non_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, len), &pub));
	assert_null(pub);
	free(blob);
}

/* FreeS/WAN's documented key id "AQOF6nJN4": e = 3, modulus starting 85 ea 72 4d e0. */
static void test_rsa_keyid(void **state)
{
	uint8_t blob[2 + 128];
	EVP_PKEY *pub = NULL;
	char id[16];

	blob[0] = 1;
	blob[1] = 3;
	memset(blob + 2, 0x5b, 128);
	memcpy(blob + 2, "\x85\xea\x72\x4d\xe0", 5);
	blob[sizeof(blob) - 1] = 0x01;
	assert_int_equal(
		crypto_rsa_keyid_from_rfc3110(CRYPTO_CHUNK(blob, sizeof(blob)), id, sizeof(id)), 0);
	assert_string_equal(id, "AQOF6nJN4");
	assert_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, sizeof(blob)), &pub));
	assert_int_equal(crypto_rsa_keyid(pub, id, sizeof(id)), 0);
	assert_string_equal(id, "AQOF6nJN4");
	assert_int_equal(crypto_rsa_keyid(pub, id, 9), -EINVAL);
	assert_int_equal(crypto_rsa_keyid_from_rfc3110(CRYPTO_CHUNK(blob, 6), id, sizeof(id)),
			 -EINVAL);
	EVP_PKEY_free(pub);
}

/* ipsec.secrets fields (big-endian) of rsa_key, into bufs, as crypto_rsa_parts. */
static void key_parts(EVP_PKEY *key, uint8_t bufs[8][512], struct crypto_rsa_parts *parts)
{
	static const char *const names[8] = {
		OSSL_PKEY_PARAM_RSA_N,	       OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D,	       OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	struct crypto_chunk *fields[8] = {
		&parts->modulus,   &parts->public_exponent, &parts->private_exponent,
		&parts->prime1,	   &parts->prime2,	    &parts->exponent1,
		&parts->exponent2, &parts->coefficient,
	};

	for (size_t i = 0; i < 8; i++) {
		BIGNUM *bn = NULL;
		int n;

		assert_int_equal(EVP_PKEY_get_bn_param(key, names[i], &bn), 1);
		n = BN_bn2bin(bn, bufs[i]);
		*fields[i] = CRYPTO_CHUNK(bufs[i], (size_t)n);
		BN_clear_free(bn);
	}
}

static void test_rsa_parts(void **state)
{
	static uint8_t bufs[8][512];
	struct crypto_rsa_parts parts, bad;
	uint8_t hash[20] = {1, 2, 3}, sig[512], *blob = NULL;
	EVP_PKEY *priv = NULL, *pub = NULL;
	size_t len = 0, blen = 0;

	key_parts(rsa_key, bufs, &parts);
	assert_null(crypto_rsa_privkey_from_parts(&parts, &priv));
	/* Sign with the key from parts; verify with the public key from RFC 3110. */
	assert_int_equal(crypto_rsa_pubkey_to_rfc3110(rsa_key, &blob, &blen), 0);
	assert_null(crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(blob, blen), &pub));
	assert_int_equal(crypto_rsa_sign(priv, CRYPTO_CHUNK(hash, 20), sig, sizeof(sig), &len), 0);
	assert_null(crypto_rsa_verify(pub, CRYPTO_CHUNK(hash, 20), CRYPTO_CHUNK(sig, len)));
	assert_int_equal(EVP_PKEY_eq(priv, pub), 1);
	/* Inconsistent fields: swapped CRT exponents; a missing field. */
	bad = parts;
	bad.exponent1 = parts.exponent2;
	bad.exponent2 = parts.exponent1;
	EVP_PKEY_free(priv);
	priv = NULL;
	assert_non_null(crypto_rsa_privkey_from_parts(&bad, &priv));
	assert_null(priv);
	bad = parts;
	bad.coefficient = CRYPTO_CHUNK_EMPTY;
	assert_non_null(crypto_rsa_privkey_from_parts(&bad, &priv));
	/* A public key alone cannot sign. */
	assert_int_not_equal(crypto_rsa_sign(pub, CRYPTO_CHUNK(hash, 20), sig, sizeof(sig), &len),
			     0);
	EVP_PKEY_free(pub);
	free(blob);
	crypto_cleanse(bufs, sizeof(bufs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_lookup),	cmocka_unit_test(test_hmac_kat),
		cmocka_unit_test(test_digest_kat),	cmocka_unit_test(test_prf_args),
		cmocka_unit_test(test_random_memeq),	cmocka_unit_test(test_cipher_lookup),
		cmocka_unit_test(test_cbc_kat),		cmocka_unit_test(test_cbc_errors),
		cmocka_unit_test(test_dh_lookup),	cmocka_unit_test(test_dh_agreement),
		cmocka_unit_test(test_dh_kat),		cmocka_unit_test(test_dh_modp_groups),
		cmocka_unit_test(test_dh_bad_peer),	cmocka_unit_test(test_dh_threads),
		cmocka_unit_test(test_rsa_sign_verify), cmocka_unit_test(test_rsa_rfc3110),
		cmocka_unit_test(test_rsa_keyid),	cmocka_unit_test(test_rsa_parts),
	};

	return cmocka_run_group_tests(tests, rsa_setup, rsa_teardown);
}
