/* Public keys of peers: whack --keyid ID [--addkey] --pubkeyrsa KEY, and leftrsasigkey=. */
#ifndef PLUTO_KEYS_H
#define PLUTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "id.h"

struct pubkey {
	struct ike_id id;
	EVP_PKEY *pkey;
	char keyid[16]; /* FreeS/WAN key id, e.g. AQOF6nJN4 */
	unsigned bits;
	struct pubkey *next;
};

extern struct pubkey *pubkeys;

/*
 * Add an RFC 3110 key for id. Without add, keys already held for id are replaced.
 * Returns NULL or the reason.
 */
const char *pubkey_add(const struct ike_id *id, const uint8_t *rfc3110, size_t len, bool add);
/* Forget every key of id; returns how many. */
unsigned pubkey_delete(const struct ike_id *id);
/* Iterate over the keys of id: pass NULL first, then the previous result. */
struct pubkey *pubkey_next_for(const struct ike_id *id, struct pubkey *prev);
void pubkeys_free_all(void);
void pubkeys_status(void);

#endif
