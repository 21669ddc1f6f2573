/*
 * RSA for IKEv1: RFC 3110 public keys (ipsec.conf leftrsasigkey=0s..., DNS KEY),
 * FreeS/WAN ipsec.secrets private keys, key ids, and the IKEv1 signature scheme
 * (RFC 2409 section 5.1: PKCS#1 v1.5 block type 1 over the raw HASH_I/HASH_R, no
 * DigestInfo), through OpenSSL 3 EVP_PKEY and OSSL_PARAM_BLD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "crypto.h"

#define PKCS1_TYPE1_OVERHEAD 11 /* 00 01 FF*8.. 00 */

/* Split an RFC 3110 blob into exponent and modulus; NULL or the reason. */
static const char *rfc3110_split(struct crypto_chunk blob, struct crypto_chunk *e,
				 struct crypto_chunk *n)
{
	size_t elen, off;

	if (blob.ptr == NULL || blob.len < 3)
		return "RSA public key is too short";
	if (blob.ptr[0] != 0) {
		elen = blob.ptr[0];
		off = 1;
	} else {
		elen = ((size_t)blob.ptr[1] << 8) | blob.ptr[2];
		off = 3;
	}
	if (elen == 0)
		return "RSA public key has an empty exponent";
	if (elen >= blob.len - off)
		return "RSA public key exponent length leaves no modulus";
	*e = CRYPTO_CHUNK(blob.ptr + off, elen);
	*n = CRYPTO_CHUNK(blob.ptr + off + elen, blob.len - off - elen);
	if (e->ptr[0] == 0 || n->ptr[0] == 0)
		return "RSA public key has leading zero octets (RFC 3110 forbids them)";
	return NULL;
}

/* v without its leading zero octets (possibly empty). */
static struct crypto_chunk strip_zeros(struct crypto_chunk v)
{
	while (v.len > 0 && v.ptr[0] == 0) {
		v.ptr++;
		v.len--;
	}
	return v;
}

/* Sanity of n and e: sizes we accept, odd modulus, odd exponent >= 3. */
static const char *check_n_e(struct crypto_chunk e, struct crypto_chunk n)
{
	size_t bits;

	e = strip_zeros(e);
	n = strip_zeros(n);
	if (e.len == 0 || n.len == 0)
		return "RSA modulus or exponent is zero";
	/* n.ptr[0] != 0 now, so the bit count is exact to the top octet. */
	bits = n.len * 8;
	for (uint8_t top = n.ptr[0]; !(top & 0x80); top <<= 1)
		bits--;
	if (bits < CRYPTO_RSA_MIN_BITS)
		return "RSA modulus is too short";
	if (bits > CRYPTO_RSA_MAX_BITS)
		return "RSA modulus is too long";
	if (!(n.ptr[n.len - 1] & 1))
		return "RSA modulus is even";
	if (!(e.ptr[e.len - 1] & 1) || (e.len == 1 && e.ptr[0] < 3))
		return "RSA public exponent must be odd and at least 3";
	if (e.len > n.len)
		return "RSA public exponent is longer than the modulus";
	return NULL;
}

/* Push a big-endian integer; the BIGNUM is parked in *bn until the caller frees it. */
static bool push_bin(OSSL_PARAM_BLD *bld, const char *key, struct crypto_chunk v, BIGNUM **bn)
{
	if (v.ptr == NULL || v.len == 0 || v.len > CRYPTO_RSA_MAX_BITS / 8)
		return false;
	*bn = BN_secure_new();
	if (*bn == NULL || BN_bin2bn(v.ptr, (int)v.len, *bn) == NULL)
		return false;
	return OSSL_PARAM_BLD_push_BN(bld, key, *bn) == 1;
}

/* An RSA EVP_PKEY from nval (named) values; selection says public or key pair. */
static EVP_PKEY *rsa_fromdata(const char *const *names, const struct crypto_chunk *vals,
			      size_t nval, int selection)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bns[8] = {0};
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (bld == NULL || nval > 8)
		goto cleanup;
	for (size_t i = 0; i < nval; i++) {
		if (!push_bin(bld, names[i], vals[i], &bns[i]))
			goto cleanup;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto cleanup;
	if (EVP_PKEY_fromdata(ctx, &key, selection, params) != 1)
		key = NULL;
cleanup:
	EVP_PKEY_CTX_free(ctx);
	/* Private values came from secure BIGNUMs: this wipes them. */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (size_t i = 0; i < 8; i++)
		BN_clear_free(bns[i]);
	return key;
}

const char *crypto_rsa_pubkey_from_rfc3110(struct crypto_chunk blob, EVP_PKEY **out)
{
	static const char *const names[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E};
	struct crypto_chunk vals[2];
	const char *err;

	if (out == NULL)
		return "internal error: no output";
	*out = NULL;
	err = rfc3110_split(blob, &vals[1], &vals[0]);
	if (err == NULL)
		err = check_n_e(vals[1], vals[0]);
	if (err != NULL)
		return err;
	*out = rsa_fromdata(names, vals, 2, EVP_PKEY_PUBLIC_KEY);
	return *out != NULL ? NULL : "RSA public key rejected by OpenSSL";
}

/* Does key hold a consistent RSA key pair (n = pq, d, CRT values)? */
static bool pair_ok(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	bool ok = ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

const char *crypto_rsa_privkey_from_parts(const struct crypto_rsa_parts *parts, EVP_PKEY **out)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N,	       OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D,	       OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	const struct crypto_chunk vals[] = {
		parts->modulus, parts->public_exponent, parts->private_exponent, parts->prime1,
		parts->prime2,	parts->exponent1,	parts->exponent2,	 parts->coefficient,
	};
	EVP_PKEY *key;
	const char *err;

	if (out == NULL)
		return "internal error: no output";
	*out = NULL;
	for (size_t i = 0; i < 8; i++) {
		if (vals[i].ptr == NULL || vals[i].len == 0)
			return "RSA private key is missing a field";
	}
	err = check_n_e(parts->public_exponent, parts->modulus);
	if (err != NULL)
		return err;
	key = rsa_fromdata(names, vals, 8, EVP_PKEY_KEYPAIR);
	if (key == NULL)
		return "RSA private key rejected by OpenSSL";
	if (!pair_ok(key)) {
		EVP_PKEY_free(key);
		return "RSA private key fields are inconsistent";
	}
	*out = key;
	return NULL;
}

EVP_PKEY *crypto_rsa_generate(unsigned int bits)
{
	if (bits < CRYPTO_RSA_MIN_BITS || bits > CRYPTO_RSA_MAX_BITS)
		return NULL;
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

size_t crypto_rsa_size(const EVP_PKEY *key)
{
	int n;

	if (key == NULL || !EVP_PKEY_is_a(key, "RSA"))
		return 0;
	n = EVP_PKEY_get_size(key);
	return n > 0 ? (size_t)n : 0;
}

/* Write [len][e][n] into buf (sized by the caller from the BIGNUMs). */
static size_t rfc3110_write(const BIGNUM *e, const BIGNUM *n, uint8_t *buf)
{
	size_t elen = (size_t)BN_num_bytes(e), off;

	if (elen <= 255) {
		buf[0] = (uint8_t)elen;
		off = 1;
	} else {
		buf[0] = 0;
		buf[1] = (uint8_t)(elen >> 8);
		buf[2] = (uint8_t)elen;
		off = 3;
	}
	BN_bn2bin(e, buf + off);
	BN_bn2bin(n, buf + off + elen);
	return off + elen + (size_t)BN_num_bytes(n);
}

int crypto_rsa_pubkey_to_rfc3110(const EVP_PKEY *key, uint8_t **out, size_t *len)
{
	BIGNUM *n = NULL, *e = NULL;
	uint8_t *buf;
	int ret = -EINVAL;

	if (key == NULL || out == NULL || len == NULL || !EVP_PKEY_is_a(key, "RSA"))
		return -EINVAL;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto cleanup;
	/* RFC 3110 allows at most 65535 octets of exponent. */
	if (BN_is_zero(e) || BN_is_zero(n) || BN_num_bytes(e) > 0xffff)
		goto cleanup;
	buf = malloc(3 + (size_t)BN_num_bytes(e) + (size_t)BN_num_bytes(n));
	if (buf == NULL) {
		ret = -ENOMEM;
		goto cleanup;
	}
	*len = rfc3110_write(e, n, buf);
	*out = buf;
	ret = 0;
cleanup:
	BN_free(n);
	BN_free(e);
	return ret;
}

int crypto_rsa_keyid_from_rfc3110(struct crypto_chunk blob, char *out, size_t out_size)
{
	/* 9 base64 characters encode 54 bits: the first 7 octets are enough. */
	uint8_t head[9];
	unsigned char b64[13];
	size_t take;

	if (blob.ptr == NULL || out == NULL || out_size < CRYPTO_RSA_KEYID_LEN + 1)
		return -EINVAL;
	if (blob.len < 7)
		return -EINVAL;
	take = blob.len < sizeof(head) ? blob.len : sizeof(head);
	memcpy(head, blob.ptr, take);
	if (EVP_EncodeBlock(b64, head, (int)take) < CRYPTO_RSA_KEYID_LEN)
		return -EIO;
	memcpy(out, b64, CRYPTO_RSA_KEYID_LEN);
	out[CRYPTO_RSA_KEYID_LEN] = '\0';
	return 0;
}

int crypto_rsa_keyid(const EVP_PKEY *key, char *out, size_t out_size)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int ret;

	ret = crypto_rsa_pubkey_to_rfc3110(key, &blob, &len);
	if (ret != 0)
		return ret;
	ret = crypto_rsa_keyid_from_rfc3110(CRYPTO_CHUNK(blob, len), out, out_size);
	free(blob);
	return ret;
}

/* A context for key with PKCS#1 v1.5 padding and no digest, for the given operation. */
static EVP_PKEY_CTX *raw_pkcs1_ctx(EVP_PKEY *key, int (*init)(EVP_PKEY_CTX *))
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

	if (ctx == NULL)
		return NULL;
	if (init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int crypto_rsa_sign(EVP_PKEY *key, struct crypto_chunk hash, uint8_t *sig, size_t sig_size,
		    size_t *sig_len)
{
	size_t size = crypto_rsa_size(key);
	EVP_PKEY_CTX *ctx;
	size_t n = sig_size;
	int ret = -EIO;

	if (size == 0 || hash.ptr == NULL || hash.len == 0 || sig == NULL || sig_len == NULL)
		return -EINVAL;
	if (sig_size < size || hash.len + PKCS1_TYPE1_OVERHEAD > size)
		return -EINVAL;
	ctx = raw_pkcs1_ctx(key, EVP_PKEY_sign_init);
	if (ctx == NULL)
		return -EIO;
	if (EVP_PKEY_sign(ctx, sig, &n, hash.ptr, hash.len) == 1 && n == size) {
		*sig_len = n;
		ret = 0;
	}
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

const char *crypto_rsa_verify(EVP_PKEY *key, struct crypto_chunk hash, struct crypto_chunk sig)
{
	size_t size = crypto_rsa_size(key);
	const char *err = "RSA signature does not match";
	EVP_PKEY_CTX *ctx;
	uint8_t *rec;
	size_t n = size;

	if (size == 0 || hash.ptr == NULL || hash.len == 0)
		return "internal error: bad arguments to crypto_rsa_verify()";
	if (sig.ptr == NULL || sig.len != size)
		return "RSA signature length differs from the modulus length";
	rec = malloc(size);
	if (rec == NULL)
		return "out of memory";
	ctx = raw_pkcs1_ctx(key, EVP_PKEY_verify_recover_init);
	if (ctx == NULL) {
		err = "cannot set up RSA verification";
		goto cleanup;
	}
	/* Recover the padded value's payload (OpenSSL checks the type 1 padding). */
	if (EVP_PKEY_verify_recover(ctx, rec, &n, sig.ptr, sig.len) != 1) {
		err = "RSA signature padding is invalid";
		goto cleanup;
	}
	if (n == hash.len && crypto_memeq(rec, hash.ptr, hash.len))
		err = NULL;
cleanup:
	EVP_PKEY_CTX_free(ctx);
	free(rec);
	return err;
}
