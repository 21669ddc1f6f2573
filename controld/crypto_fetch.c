/*
 * OpenSSL algorithm objects fetched once. EVP_MD_fetch() and its kin take a global lock
 * and run a property query on every call; the PRF, hash and CBC code called them for
 * each HMAC, hash and message. Each object is fetched at its first use, by whichever
 * thread (the event loop or a crypto helper) gets there first, and kept until exit.
 * crypto_keep() does the same for other objects built once (crypto_dh.c's domain keys).
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

void *crypto_keep(struct crypto_fetched *slot, void *(*make)(const void *arg),
		  void (*drop)(void *obj, const void *arg), const void *arg)
{
	void *have = atomic_load_explicit(&slot->obj, memory_order_acquire);

	if (have != NULL)
		return have;
	void *fresh = make(arg);
	if (fresh == NULL)
		return NULL;
	if (atomic_compare_exchange_strong_explicit(&slot->obj, &have, fresh, memory_order_acq_rel,
						    memory_order_acquire))
		return fresh;
	drop(fresh, arg); /* another thread was first: use its object */
	return have;
}

struct fetch_arg {
	enum crypto_fetch_kind kind;
	const char *name;
};

static void *make_fetched(const void *arg)
{
	const struct fetch_arg *f = arg;

	return fetch(f->kind, f->name);
}

static void drop_fetched(void *obj, const void *arg)
{
	release(((const struct fetch_arg *)arg)->kind, obj);
}

void *crypto_fetch(struct crypto_fetched *slot, enum crypto_fetch_kind kind, const char *name)
{
	struct fetch_arg f = {kind, name};

	return crypto_keep(slot, make_fetched, drop_fetched, &f);
}
