/*
 * IKEv1 key derivation, RFC 2409 section 5 (SKEYID and children, HASH_I/HASH_R, Quick
 * Mode hashes, KEYMAT) and appendix B (encryption key expansion, IVs).  Every PRF call
 * goes through crypto_prf() (HMAC, OpenSSL EVP_MAC); every hash through crypto_hash().
 */
#include <errno.h>
#include <string.h>

#include "ikev1_kdf.h"

/* A chunk list literal and its length, for crypto_prf()'s array argument. */
#define CHUNKS(...) ((const struct crypto_chunk[]){__VA_ARGS__})
#define NCHUNKS(...) (sizeof(CHUNKS(__VA_ARGS__)) / sizeof(struct crypto_chunk))
/* out = prf(key, chunk | chunk | ...), out holding the hash's output length. */
#define PRF(hash, key, out, ...)                                                    \
	crypto_prf((hash), (key), CHUNKS(__VA_ARGS__), NCHUNKS(__VA_ARGS__), (out), \
		   crypto_hash_size(hash))

static const uint8_t octet0 = 0, octet1 = 1, octet2 = 2;

#define OCTET(o) CRYPTO_CHUNK(&(o), 1)
#define COOKIE(c) CRYPTO_CHUNK((c), IKEV1_COOKIE_LEN)

static struct crypto_chunk key_of(const uint8_t *buf, const struct ikev1_kdf *k)
{
	return CRYPTO_CHUNK(buf, k->prf_len);
}

static void put_msgid(uint8_t out[4], uint32_t msgid)
{
	out[0] = (uint8_t)(msgid >> 24);
	out[1] = (uint8_t)(msgid >> 16);
	out[2] = (uint8_t)(msgid >> 8);
	out[3] = (uint8_t)msgid;
}

int ikev1_kdf_skeyid_psk(enum oakley_hash hash, struct crypto_chunk psk, struct crypto_chunk ni_b,
			 struct crypto_chunk nr_b, uint8_t *out)
{
	if (psk.ptr == NULL || psk.len == 0 || out == NULL)
		return -EINVAL;
	return PRF(hash, psk, out, ni_b, nr_b);
}

int ikev1_kdf_skeyid_sig(enum oakley_hash hash, struct crypto_chunk ni_b, struct crypto_chunk nr_b,
			 struct crypto_chunk gxy, uint8_t *out)
{
	/* The HMAC key is Ni_b | Nr_b: it has to be contiguous. */
	uint8_t nonces[2 * IKEV1_MAX_NONCE];
	int ret;

	if (out == NULL || ni_b.len > IKEV1_MAX_NONCE || nr_b.len > IKEV1_MAX_NONCE ||
	    (ni_b.len > 0 && ni_b.ptr == NULL) || (nr_b.len > 0 && nr_b.ptr == NULL))
		return -EINVAL;
	if (ni_b.len > 0)
		memcpy(nonces, ni_b.ptr, ni_b.len);
	if (nr_b.len > 0)
		memcpy(nonces + ni_b.len, nr_b.ptr, nr_b.len);
	ret = PRF(hash, CRYPTO_CHUNK(nonces, ni_b.len + nr_b.len), out, gxy);
	crypto_cleanse(nonces, sizeof(nonces));
	return ret;
}

int ikev1_kdf_from_skeyid(struct ikev1_kdf *k, enum oakley_hash hash, struct crypto_chunk skeyid,
			  struct crypto_chunk gxy, const uint8_t *cky_i, const uint8_t *cky_r)
{
	size_t len = crypto_hash_size(hash);
	uint8_t copy[CRYPTO_MAX_HASH];
	int ret;

	if (k == NULL || len == 0 || skeyid.ptr == NULL || skeyid.len != len || cky_i == NULL ||
	    cky_r == NULL || gxy.ptr == NULL || gxy.len == 0)
		return -EINVAL;
	/* skeyid may point into k itself. */
	memcpy(copy, skeyid.ptr, len);
	ikev1_kdf_wipe(k);
	k->hash = hash;
	k->prf_len = len;
	memcpy(k->skeyid, copy, len);
	crypto_cleanse(copy, sizeof(copy));
	ret = PRF(hash, key_of(k->skeyid, k), k->skeyid_d, gxy, COOKIE(cky_i), COOKIE(cky_r),
		  OCTET(octet0));
	if (ret == 0)
		ret = PRF(hash, key_of(k->skeyid, k), k->skeyid_a, key_of(k->skeyid_d, k), gxy,
			  COOKIE(cky_i), COOKIE(cky_r), OCTET(octet1));
	if (ret == 0)
		ret = PRF(hash, key_of(k->skeyid, k), k->skeyid_e, key_of(k->skeyid_a, k), gxy,
			  COOKIE(cky_i), COOKIE(cky_r), OCTET(octet2));
	if (ret != 0)
		ikev1_kdf_wipe(k);
	return ret;
}

int ikev1_kdf_init(struct ikev1_kdf *k, const struct ikev1_kdf_phase1 *in)
{
	uint8_t skeyid[CRYPTO_MAX_HASH];
	size_t len;
	int ret;

	if (k == NULL || in == NULL)
		return -EINVAL;
	len = crypto_hash_size(in->hash);
	if (len == 0)
		return -EINVAL;
	switch (in->auth) {
	case OAKLEY_AUTH_PSK:
		ret = ikev1_kdf_skeyid_psk(in->hash, in->psk, in->ni_b, in->nr_b, skeyid);
		break;
	case OAKLEY_AUTH_DSS_SIG:
	case OAKLEY_AUTH_RSA_SIG:
		ret = ikev1_kdf_skeyid_sig(in->hash, in->ni_b, in->nr_b, in->gxy, skeyid);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret == 0)
		ret = ikev1_kdf_from_skeyid(k, in->hash, CRYPTO_CHUNK(skeyid, len), in->gxy,
					    in->cky_i, in->cky_r);
	crypto_cleanse(skeyid, sizeof(skeyid));
	return ret;
}

int ikev1_kdf_appendix_b(enum oakley_hash hash, struct crypto_chunk key, uint8_t *out, size_t len)
{
	size_t hlen = crypto_hash_size(hash), done = 0;
	uint8_t prev[CRYPTO_MAX_HASH], cur[CRYPTO_MAX_HASH];
	struct crypto_chunk seed = OCTET(octet0);
	int ret = 0;

	if (hlen == 0 || key.ptr == NULL || key.len == 0 || (out == NULL && len > 0))
		return -EINVAL;
	if (len <= key.len) {
		memcpy(out, key.ptr, len);
		return 0;
	}
	while (done < len) {
		size_t n = len - done < hlen ? len - done : hlen;

		ret = crypto_prf(hash, key, &seed, 1, cur, sizeof(cur));
		if (ret != 0)
			break;
		memcpy(out + done, cur, n);
		done += n;
		memcpy(prev, cur, hlen);
		seed = CRYPTO_CHUNK(prev, hlen);
	}
	crypto_cleanse(prev, sizeof(prev));
	crypto_cleanse(cur, sizeof(cur));
	if (ret != 0)
		crypto_cleanse(out, len);
	return ret;
}

int ikev1_kdf_set_enc_key(struct ikev1_kdf *k, size_t keylen)
{
	int ret;

	if (k == NULL || k->prf_len == 0 || keylen == 0 || keylen > sizeof(k->enc_key))
		return -EINVAL;
	ret = ikev1_kdf_appendix_b(k->hash, key_of(k->skeyid_e, k), k->enc_key, keylen);
	k->enc_key_len = ret == 0 ? keylen : 0;
	return ret;
}

/* iv = hash(in...) truncated to blocksize. */
static int hash_iv(enum oakley_hash hash, const struct crypto_chunk *in, size_t n, uint8_t *iv,
		   size_t blocksize)
{
	uint8_t h[CRYPTO_MAX_HASH];
	int ret;

	if (iv == NULL || blocksize == 0 || blocksize > crypto_hash_size(hash))
		return -EINVAL;
	ret = crypto_hash(hash, in, n, h, sizeof(h));
	if (ret == 0)
		memcpy(iv, h, blocksize);
	return ret;
}

int ikev1_kdf_phase1_iv(const struct ikev1_kdf *k, struct crypto_chunk gxi, struct crypto_chunk gxr,
			uint8_t *iv, size_t blocksize)
{
	if (k == NULL)
		return -EINVAL;
	return hash_iv(k->hash, CHUNKS(gxi, gxr), 2, iv, blocksize);
}

int ikev1_kdf_phase2_iv(const struct ikev1_kdf *k, const uint8_t *last_block, size_t blocksize,
			uint32_t msgid, uint8_t *iv)
{
	uint8_t m[4];

	if (k == NULL || last_block == NULL)
		return -EINVAL;
	put_msgid(m, msgid);
	return hash_iv(k->hash, CHUNKS(CRYPTO_CHUNK(last_block, blocksize), CRYPTO_CHUNK(m, 4)), 2,
		       iv, blocksize);
}

int ikev1_kdf_hash_i(const struct ikev1_kdf *k, struct crypto_chunk gxi, struct crypto_chunk gxr,
		     const uint8_t *cky_i, const uint8_t *cky_r, struct crypto_chunk sai_b,
		     struct crypto_chunk idii_b, uint8_t *out)
{
	if (k == NULL || k->prf_len == 0 || cky_i == NULL || cky_r == NULL || out == NULL)
		return -EINVAL;
	return PRF(k->hash, key_of(k->skeyid, k), out, gxi, gxr, COOKIE(cky_i), COOKIE(cky_r),
		   sai_b, idii_b);
}

int ikev1_kdf_hash_r(const struct ikev1_kdf *k, struct crypto_chunk gxi, struct crypto_chunk gxr,
		     const uint8_t *cky_i, const uint8_t *cky_r, struct crypto_chunk sai_b,
		     struct crypto_chunk idir_b, uint8_t *out)
{
	if (k == NULL || k->prf_len == 0 || cky_i == NULL || cky_r == NULL || out == NULL)
		return -EINVAL;
	return PRF(k->hash, key_of(k->skeyid, k), out, gxr, gxi, COOKIE(cky_r), COOKIE(cky_i),
		   sai_b, idir_b);
}

int ikev1_kdf_hash_msgid(const struct ikev1_kdf *k, uint32_t msgid, struct crypto_chunk rest,
			 uint8_t *out)
{
	uint8_t m[4];

	if (k == NULL || k->prf_len == 0 || out == NULL)
		return -EINVAL;
	put_msgid(m, msgid);
	return PRF(k->hash, key_of(k->skeyid_a, k), out, CRYPTO_CHUNK(m, 4), rest);
}

int ikev1_kdf_qm_hash2(const struct ikev1_kdf *k, uint32_t msgid, struct crypto_chunk ni_b,
		       struct crypto_chunk rest, uint8_t *out)
{
	uint8_t m[4];

	if (k == NULL || k->prf_len == 0 || out == NULL)
		return -EINVAL;
	put_msgid(m, msgid);
	return PRF(k->hash, key_of(k->skeyid_a, k), out, CRYPTO_CHUNK(m, 4), ni_b, rest);
}

int ikev1_kdf_qm_hash3(const struct ikev1_kdf *k, uint32_t msgid, struct crypto_chunk ni_b,
		       struct crypto_chunk nr_b, uint8_t *out)
{
	uint8_t m[4];

	if (k == NULL || k->prf_len == 0 || out == NULL)
		return -EINVAL;
	put_msgid(m, msgid);
	return PRF(k->hash, key_of(k->skeyid_a, k), out, OCTET(octet0), CRYPTO_CHUNK(m, 4), ni_b,
		   nr_b);
}

int ikev1_kdf_keymat(const struct ikev1_kdf *k, struct crypto_chunk gqm_xy, uint8_t protocol,
		     struct crypto_chunk spi, struct crypto_chunk ni_b, struct crypto_chunk nr_b,
		     uint8_t *out, size_t len)
{
	uint8_t prev[CRYPTO_MAX_HASH], cur[CRYPTO_MAX_HASH];
	/* seed[0] is Kn-1, absent (empty) for K1. */
	struct crypto_chunk seed[] = {
		CRYPTO_CHUNK_EMPTY, gqm_xy, CRYPTO_CHUNK(&protocol, 1), spi, ni_b, nr_b,
	};
	size_t done = 0;
	int ret = 0;

	if (k == NULL || k->prf_len == 0 || out == NULL || len == 0)
		return -EINVAL;
	while (done < len) {
		size_t n = len - done < k->prf_len ? len - done : k->prf_len;

		ret = crypto_prf(k->hash, key_of(k->skeyid_d, k), seed,
				 sizeof(seed) / sizeof(seed[0]), cur, sizeof(cur));
		if (ret != 0)
			break;
		memcpy(out + done, cur, n);
		done += n;
		memcpy(prev, cur, k->prf_len);
		seed[0] = key_of(prev, k);
	}
	crypto_cleanse(prev, sizeof(prev));
	crypto_cleanse(cur, sizeof(cur));
	if (ret != 0)
		crypto_cleanse(out, len);
	return ret;
}

void ikev1_kdf_wipe(struct ikev1_kdf *k)
{
	if (k != NULL)
		crypto_cleanse(k, sizeof(*k));
}
