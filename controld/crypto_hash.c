/*
 * Hash algorithms and the IKEv1 PRF (HMAC, RFC 2409 section 4.5), through OpenSSL 3
 * EVP_MD and EVP_MAC; random bytes; constant-time compare; wiping.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto.h"

static const struct crypto_hash_desc hashes[] = {
	{OAKLEY_HASH_MD5, "md5", "MD5", 16, 64},
	{OAKLEY_HASH_SHA1, "sha1", "SHA1", 20, 64},
	{OAKLEY_HASH_SHA2_256, "sha2_256", "SHA2-256", 32, 64},
	{OAKLEY_HASH_SHA2_384, "sha2_384", "SHA2-384", 48, 128},
	{OAKLEY_HASH_SHA2_512, "sha2_512", "SHA2-512", 64, 128},
};

/* Other spellings people write in ipsec.conf (Libreswan and strongSwan). */
static const struct {
	const char *alias;
	enum oakley_hash id;
} hash_aliases[] = {
	{"sha", OAKLEY_HASH_SHA1},
	{"sha256", OAKLEY_HASH_SHA2_256},
	{"sha384", OAKLEY_HASH_SHA2_384},
	{"sha512", OAKLEY_HASH_SHA2_512},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct crypto_fetched mds[ARRAY_LEN(hashes)], hmac;

static EVP_MD *md_of(const struct crypto_hash_desc *h)
{
	return crypto_fetch(&mds[h - hashes], CRYPTO_FETCH_MD, h->ossl_name);
}

const struct crypto_hash_desc *crypto_hash_lookup(enum oakley_hash id)
{
	for (size_t i = 0; i < ARRAY_LEN(hashes); i++) {
		if (hashes[i].id == id)
			return &hashes[i];
	}
	return NULL;
}

const struct crypto_hash_desc *crypto_hash_at(size_t i)
{
	return i < ARRAY_LEN(hashes) ? &hashes[i] : NULL;
}

const struct crypto_hash_desc *crypto_hash_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(hashes); i++) {
		if (strcasecmp(hashes[i].name, name) == 0)
			return &hashes[i];
	}
	for (size_t i = 0; i < ARRAY_LEN(hash_aliases); i++) {
		if (strcasecmp(hash_aliases[i].alias, name) == 0)
			return crypto_hash_lookup(hash_aliases[i].id);
	}
	return NULL;
}

size_t crypto_hash_size(enum oakley_hash id)
{
	const struct crypto_hash_desc *h = crypto_hash_lookup(id);

	return h != NULL ? h->size : 0;
}

int crypto_hash(enum oakley_hash id, const struct crypto_chunk *in, size_t n, uint8_t *out,
		size_t out_size)
{
	const struct crypto_hash_desc *h = crypto_hash_lookup(id);
	EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned int len = 0;
	int ret = -EIO;

	if (h == NULL || out == NULL || out_size < h->size || (n > 0 && in == NULL))
		return -EINVAL;
	md = md_of(h);
	ctx = EVP_MD_CTX_new();
	if (md == NULL || ctx == NULL)
		goto cleanup;
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		if (in[i].len > 0 && EVP_DigestUpdate(ctx, in[i].ptr, in[i].len) != 1)
			goto cleanup;
	}
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != h->size)
		goto cleanup;
	ret = 0;
cleanup:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/*
 * Each thread (the event loop, every crypto helper) keeps one HMAC context per hash and
 * re-keys it for every PRF.  A new context per call cost a context allocation and a
 * provider lookup of the digest by name (a global lock and a property query) each time,
 * more than the two hash blocks of the key schedule: 1.4 against 0.9 us per PRF on this
 * host, with a dozen PRFs per tunnel.  After each use the context is keyed again with a
 * constant, so that no key schedule of ours is left in it between calls.
 */
struct hmac_cache {
	EVP_MAC_CTX *ctx[ARRAY_LEN(hashes)];
};

/*
 * The key of a context between calls (one zero octet), and what EVP_MAC_init() gets for
 * an empty key: it takes a NULL key as "keep the old key", so never pass NULL.
 */
static const uint8_t no_key[1];

static pthread_key_t hmac_cache_key;
static pthread_once_t hmac_cache_once = PTHREAD_ONCE_INIT;
static bool hmac_cache_ok;

static void hmac_cache_free(void *arg)
{
	struct hmac_cache *c = arg;

	for (size_t i = 0; i < ARRAY_LEN(c->ctx); i++)
		EVP_MAC_CTX_free(c->ctx[i]);
	free(c);
}

static void hmac_cache_init(void)
{
	hmac_cache_ok = pthread_key_create(&hmac_cache_key, hmac_cache_free) == 0;
}

/* This thread's HMAC context for hash h (with its digest set, keyed with nothing of ours). */
static EVP_MAC_CTX *hmac_ctx(const struct crypto_hash_desc *h)
{
	struct hmac_cache *c;
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;

	if (pthread_once(&hmac_cache_once, hmac_cache_init) != 0 || !hmac_cache_ok)
		return NULL;
	c = pthread_getspecific(hmac_cache_key);
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL || pthread_setspecific(hmac_cache_key, c) != 0) {
			free(c);
			return NULL;
		}
	}
	ctx = c->ctx[h - hashes];
	if (ctx != NULL)
		return ctx;
	mac = crypto_fetch(&hmac, CRYPTO_FETCH_MAC, OSSL_MAC_NAME_HMAC);
	if (mac == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	params[0] =
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)h->ossl_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, no_key, sizeof(no_key), params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	c->ctx[h - hashes] = ctx;
	return ctx;
}

int crypto_prf(enum oakley_hash id, struct crypto_chunk key, const struct crypto_chunk *in,
	       size_t n, uint8_t *out, size_t out_size)
{
	const struct crypto_hash_desc *h = crypto_hash_lookup(id);
	EVP_MAC_CTX *ctx;
	size_t len = 0;
	int ret = -EIO;

	if (h == NULL || out == NULL || out_size < h->size || (n > 0 && in == NULL) ||
	    (key.len > 0 && key.ptr == NULL))
		return -EINVAL;
	ctx = hmac_ctx(h);
	if (ctx == NULL || EVP_MAC_init(ctx, key.ptr != NULL ? key.ptr : no_key, key.len, NULL) != 1)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (in[i].len > 0 && EVP_MAC_update(ctx, in[i].ptr, in[i].len) != 1)
			goto cleanup;
	}
	if (EVP_MAC_final(ctx, out, &len, out_size) != 1 || len != h->size)
		goto cleanup;
	ret = 0;
cleanup:
	/* The context holds our key's schedule: replace it with no_key's. */
	if (EVP_MAC_init(ctx, no_key, sizeof(no_key), NULL) != 1)
		ret = -EIO;
	return ret;
}

int crypto_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	if (len > 0 && buf == NULL)
		return -EINVAL;
	/* RAND_bytes() takes an int: feed it in pieces for very large requests. */
	while (len > 0) {
		int step = len > (1u << 30) ? 1 << 30 : (int)len;

		if (RAND_bytes(p, step) != 1)
			return -EIO;
		p += step;
		len -= (size_t)step;
	}
	return 0;
}

uint64_t crypto_hash_seed(void)
{
	static uint64_t seed;
	static bool set;

	if (!set) {
		if (crypto_random(&seed, sizeof(seed)) < 0)
			seed = (uint64_t)(uintptr_t)&seed ^ 0x9e3779b97f4a7c15ULL; /* never: RAND failed */
		set = true;
	}
	return seed;
}

bool crypto_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_cleanse(void *buf, size_t len)
{
	if (buf != NULL && len > 0)
		OPENSSL_cleanse(buf, len);
}
