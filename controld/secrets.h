/*
 * ipsec.secrets(5): preshared secrets and RSA private keys, FreeS/WAN syntax plus the
 * strongSwan additions people have in their files.
 *
 *   SELECTOR... : PSK "secret"           also 0x..., 0s..., 0t..., 'single quoted'
 *   SELECTOR... : RSA { Modulus: 0x...   FreeS/WAN: PublicExponent, PrivateExponent,
 *                       ... }             Prime1, Prime2, Exponent1, Exponent2,
 *                                         Coefficient; # comment lines inside
 *   SELECTOR... : RSA "key.pem"           a PEM private key file (relative to the secrets
 *   SELECTOR... : RSA key.pem             file's directory); passphrases are not supported
 *   include FILE-OR-GLOB                  at column 0, relative to the including file
 *
 * An entry starts at column 0 and continues on lines that start with white space (and
 * until its RSA { } block closes).  The ':' between selectors and secret stands alone,
 * between white space.  A selector is an identity as id_parse() reads it (an IP address,
 * @fqdn, user@fqdn, @#hex) or %any (%any6 is the same: it matches every identity).
 * Not supported (an error, naming them): Libreswan's NSS references (RSA { ... CKAIDNSS:
 * ... }, an RSA "nickname" that is not a file), %prompt, encrypted PEM files, and the other
 * kinds (XAUTH, EAP, ECDSA, PIN, PPKS ...).
 *
 * Secrets are wiped (OPENSSL_cleanse) when freed, and never appear in error messages.
 */
#ifndef PLUTO_SECRETS_H
#define PLUTO_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "id.h"
#include "ipsec_conf.h"

enum secret_kind {
	SECRET_PSK = 1,
	SECRET_RSA,
};

/* One entry.  Read-only outside secrets.c. */
struct secret {
	enum secret_kind kind;
	struct ike_id *ids; /* the selectors, in the order written; ID_ANY for %any */
	unsigned nids;
	uint8_t *psk; /* SECRET_PSK */
	size_t psk_len;
	EVP_PKEY *pkey; /* SECRET_RSA: a checked key pair */
	const char *file;
	unsigned line;
	struct secret *next;
};

struct secrets;

/*
 * Read every file matching the glob pattern, and what they include, into a new set.
 * Every problem goes to errs (file:line first); the parse goes on after each.  A file
 * that group or others may access, and a pattern that matches no file, are warnings.
 * Returns the set (never NULL but for lack of memory), even when errs has errors:
 * pluto's policy is to report them and keep its previous set.
 */
struct secrets *secrets_load(const char *pattern, struct conf_errors *errs);
void secrets_free(struct secrets *set);
unsigned secrets_count(const struct secrets *set);

/*
 * The preshared secret for talking as me to him, as FreeS/WAN's ipsec.secrets(5) says:
 * the best match, where each entry is scored so:
 *
 *   no selectors                                      1  (matches any pair)
 *   one selector, naming me: 2, + 2 if exactly, + 1 if by %any
 *                                                     4 or 3  (FreeS/WAN's "default peer")
 *   several selectors: one names me, another him: 2, + 2 for each named exactly, + 1 for
 *     each matched by %any             6 (both exact), 5 (one exact, one %any), 4
 *   anything else (several selectors, but not both me and him)    no match
 *
 * Highest score wins; among equals, the first in file order (files in glob order,
 * an include's entries where the include is).  A %any on the lookup side (a peer not yet
 * known) is matched only by a %any selector.  NULL when nothing matches.
 */
const struct secret *secrets_find_psk(const struct secrets *set, const struct ike_id *me,
				      const struct ike_id *him);
/*
 * Our RSA private key for identity me: an entry with a selector naming me exactly (3)
 * beats one with %any (2), which beats one with no selectors (1); other selectors are
 * ignored (FreeS/WAN: for a public key system, matching our own id is enough).  Ties: the
 * first in file order.
 */
const struct secret *secrets_find_rsa(const struct secrets *set, const struct ike_id *me);
/* The first RSA private key whose public half is pub (EVP_PKEY_eq). */
const struct secret *secrets_find_rsa_by_pubkey(const struct secrets *set, const EVP_PKEY *pub);

/*
 * List the entries for status output, one line each and never the secret:
 *   "PSK @west 192.0.2.2 (/etc/ipsec.secrets:3)"
 *   "RSA 2048 bits AwEAAbc12 %any (/etc/ipsec.secrets:7)"   (the FreeS/WAN key id)
 */
void secrets_list(const struct secrets *set, void (*emit)(void *arg, const char *line), void *arg);

#endif
