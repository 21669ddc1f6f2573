/*
 * OpenSSL algorithm objects fetched once. EVP_MD_fetch() and its kin take a global lock
 * and run a property query on every call; the PRF, hash and CBC code called them for
 * each HMAC, hash and message. Each object is fetched at its first use, by whichever
 * thread (the event loop or a crypto helper) gets there first, and kept until exit.
 */
#include <stdatomic.h>

#include <openssl/evp.h>

#include "crypto.h"

static void *fetch(enum crypto_fetch_kind kind, const char *name)
{
	switch (kind) {
	case CRYPTO_FETCH_MD:
		return EVP_MD_fetch(NULL, name, NULL);
	case CRYPTO_FETCH_CIPHER:
		return EVP_CIPHER_fetch(NULL, name, NULL);
	case CRYPTO_FETCH_MAC:
		return EVP_MAC_fetch(NULL, name, NULL);
	}
	return NULL;
}

static void release(enum crypto_fetch_kind kind, void *obj)
{
	switch (kind) {
	case CRYPTO_FETCH_MD:
		EVP_MD_free(obj);
		break;
	case CRYPTO_FETCH_CIPHER:
		EVP_CIPHER_free(obj);
		break;
	case CRYPTO_FETCH_MAC:
		EVP_MAC_free(obj);
		break;
	}
}

void *crypto_fetch(struct crypto_fetched *slot, enum crypto_fetch_kind kind, const char *name)
{
	void *have = atomic_load_explicit(&slot->obj, memory_order_acquire);

	if (have != NULL)
		return have;
	void *fresh = fetch(kind, name);
	if (fresh == NULL)
		return NULL;
	if (atomic_compare_exchange_strong_explicit(&slot->obj, &have, fresh, memory_order_acq_rel,
						    memory_order_acquire))
		return fresh;
	release(kind, fresh); /* another thread was first: use its object */
	return have;
}
