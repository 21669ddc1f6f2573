/* IKE identities (the --id / leftid= forms and ipsec.secrets selectors). */
#ifndef PLUTO_ID_H
#define PLUTO_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_addr.h"

/* Values are the IPsec DOI ID types (RFC 2407 4.6.2.1) where one exists. */
enum id_kind {
	ID_NONE = 0,	     /* unset: defaults to the host address */
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_USER_FQDN = 3,
	ID_IPV6_ADDR = 5,
	ID_KEY_ID = 11,
	ID_ANY = 256,	     /* %any: matches every identity */
	ID_MYID = 257,	     /* %myid: stands for --myid */
};

#define ID_NAME_MAX 256

struct ike_id {
	enum id_kind kind;
	ip_address ip;		  /* ID_IPV4_ADDR, ID_IPV6_ADDR */
	uint16_t len;		  /* name bytes (FQDN, USER_FQDN, KEY_ID) */
	uint8_t name[ID_NAME_MAX]; /* not NUL-terminated in general */
};

#define ID_STRLEN (ID_NAME_MAX * 2 + 8)

/*
 * Parse the textual forms: an IP address, @fqdn (taken literally), @#hex (key id),
 * user@fqdn, %any, %myid, and (when resolve is true) a DNS name resolved to an address
 * as the pluto manual describes. Returns NULL or the reason.
 */
const char *id_parse(const char *src, bool resolve, struct ike_id *out);
void id_format(const struct ike_id *id, char buf[ID_STRLEN]);
const char *id_str(const struct ike_id *id); /* rotating static buffer */
bool id_eq(const struct ike_id *a, const struct ike_id *b);
/* A hash of id, keyed by seed, that IDs id_eq() calls equal share (names: any case). */
uint64_t id_hash(const struct ike_id *id, uint64_t seed);
/* Does id match pattern (which may be %any)? */
bool id_match(const struct ike_id *pattern, const struct ike_id *id);
struct ike_id id_from_addr(const ip_address *a);
bool id_is_set(const struct ike_id *id);

/*
 * IDs kept for long (a connection's ends, an ISAKMP SA's peer) are read-only copies
 * sized to their names: a struct ike_id has room for 256 bytes, and most IDs are an
 * address or a short name.  Never copy a kept ID by value (it ends where its name
 * does): id_copy() makes a whole one of it.  id_none is the kept unset ID.
 */
extern const struct ike_id id_none;
const struct ike_id *id_keep(const struct ike_id *id); /* NULL without memory */
void id_release(const struct ike_id *kept);	       /* NULL and id_none: nothing */
void id_copy(struct ike_id *dst, const struct ike_id *src);

#endif
