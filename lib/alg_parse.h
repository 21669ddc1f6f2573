/* ike= / esp= algorithm lists in Libreswan's syntax, shared by whack and pluto. */
#ifndef PLUTO_ALG_PARSE_H
#define PLUTO_ALG_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#define ALG_LIST_MAX 32

/*
 * One proposal. For IKE: encr is an enum oakley_encr, integ an enum oakley_hash, group
 * an enum oakley_group. For ESP: encr is an enum esp_transform, integ an enum
 * ipsec_auth_alg (AUTH_ALG_NONE with GCM), group the PFS group (0: the phase 1 group).
 * keylen is in bits (0: the cipher's only length).
 */
struct alg_prop {
	uint16_t encr;
	uint16_t keylen;
	uint16_t integ;
	uint16_t group;
};

struct alg_list {
	unsigned n;
	struct alg_prop p[ALG_LIST_MAX];
};

/*
 * "aes128-sha2_256-modp2048,3des-sha1;modp1536,...". Empty or NULL: the defaults.
 * Returns NULL or a reason naming the offending word.
 */
const char *alg_parse_ike(const char *s, struct alg_list *out);
const char *alg_parse_esp(const char *s, struct alg_list *out);
/* "AES_CBC_128-sha2_256-modp2048" style names for status and logs. */
void alg_format_ike(const struct alg_prop *p, char *buf, unsigned len);
void alg_format_esp(const struct alg_prop *p, char *buf, unsigned len);
/* Join a list into buf ("a, b, c"). */
void alg_list_format(const struct alg_list *l, bool esp, char *buf, unsigned len);

const char *alg_encr_name(uint16_t encr);
const char *alg_hash_name(uint16_t hash);
const char *alg_group_name(uint16_t group);
const char *alg_esp_name(uint16_t transform);
const char *alg_auth_name(uint16_t auth);

#endif
