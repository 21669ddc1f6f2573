/* The public key store. */
#include "keys.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "log.h"

struct pubkey *pubkeys;

static void pubkey_free(struct pubkey *k)
{
	EVP_PKEY_free(k->pkey);
	free(k);
}

unsigned pubkey_delete(const struct ike_id *id)
{
	struct pubkey **pp = &pubkeys;
	unsigned n = 0;

	while (*pp != NULL) {
		struct pubkey *k = *pp;
		if (id_eq(&k->id, id)) {
			*pp = k->next;
			pubkey_free(k);
			n++;
		} else {
			pp = &k->next;
		}
	}
	return n;
}

const char *pubkey_add(const struct ike_id *id, const uint8_t *rfc3110, size_t len, bool add)
{
	EVP_PKEY *pkey = NULL;
	const char *err = crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(rfc3110, len), &pkey);

	if (err != NULL)
		return err;
	struct pubkey *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return "out of memory";
	}
	k->id = *id;
	k->pkey = pkey;
	k->bits = (unsigned)EVP_PKEY_get_bits(pkey);
	crypto_rsa_keyid(pkey, k->keyid, sizeof(k->keyid));
	if (!add)
		pubkey_delete(id);
	/* append: keys are tried in the order given */
	struct pubkey **pp = &pubkeys;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = k;
	return NULL;
}

struct pubkey *pubkey_next_for(const struct ike_id *id, struct pubkey *prev)
{
	for (struct pubkey *k = prev ? prev->next : pubkeys; k != NULL; k = k->next) {
		if (id_eq(&k->id, id))
			return k;
	}
	return NULL;
}

void pubkeys_free_all(void)
{
	while (pubkeys != NULL) {
		struct pubkey *k = pubkeys;
		pubkeys = k->next;
		pubkey_free(k);
	}
}

void pubkeys_status(void)
{
	if (pubkeys == NULL)
		return;
	whack_log(RC_COMMENT, " ");
	whack_log(RC_COMMENT, "List of Public Keys:");
	for (struct pubkey *k = pubkeys; k != NULL; k = k->next)
		whack_log(RC_COMMENT, "  %u-bit RSA key %s for %s", k->bits, k->keyid,
			  id_str(&k->id));
}
