/*
 * IKEv1 key derivation (RFC 2409 section 5 and appendix B).
 *
 * One struct ikev1_kdf owns an ISAKMP SA's key material: SKEYID and its three
 * children, and the phase 1 encryption key.  It is plain data (fixed-size arrays), so
 * a state can embed it; ikev1_kdf_wipe() cleanses it.  The PRF is HMAC with the
 * negotiated hash (RFC 2409 4.5; no PRF attribute is defined).  Inputs are byte
 * chunks; outputs go to caller buffers of k->prf_len bytes (CRYPTO_MAX_HASH always
 * suffices) unless a length is given.
 *
 * "x_b" names the body of payload x without its generic header (RFC 2409 section 3.2).
 * A Message ID is the 32-bit value of the ISAKMP header field, used big-endian.
 */
#ifndef PLUTO_IKEV1_KDF_H
#define PLUTO_IKEV1_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define IKEV1_COOKIE_LEN 8
#define IKEV1_MAX_NONCE 256 /* RFC 2409 5: nonces are 8 to 256 bytes */

struct ikev1_kdf {
	enum oakley_hash hash; /* negotiated HASH; PRF = HMAC-HASH */
	size_t prf_len;	       /* output length of the PRF and of every key below */
	uint8_t skeyid[CRYPTO_MAX_HASH];
	uint8_t skeyid_d[CRYPTO_MAX_HASH]; /* derives IPsec SA KEYMAT */
	uint8_t skeyid_a[CRYPTO_MAX_HASH]; /* authenticates phase 2 / informational */
	uint8_t skeyid_e[CRYPTO_MAX_HASH]; /* derives the phase 1 encryption key */
	uint8_t enc_key[CRYPTO_MAX_KEY];   /* set by ikev1_kdf_set_enc_key() */
	size_t enc_key_len;
};

/* Phase 1 inputs: what Main Mode messages 1-4 exchanged. */
struct ikev1_kdf_phase1 {
	enum oakley_hash hash;
	enum oakley_auth auth;	  /* PSK or RSA_SIG (any signature method) */
	struct crypto_chunk psk;  /* the pre-shared key, PSK auth only */
	struct crypto_chunk ni_b; /* initiator's nonce */
	struct crypto_chunk nr_b; /* responder's nonce */
	struct crypto_chunk gxy;  /* Diffie-Hellman shared secret */
	const uint8_t *cky_i;	  /* initiator cookie, 8 bytes */
	const uint8_t *cky_r;	  /* responder cookie, 8 bytes */
};

/*
 * SKEYID per authentication method (RFC 2409 5):
 *   pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
 *   signatures:      SKEYID = prf(Ni_b | Nr_b, g^xy)
 * out receives crypto_hash_size(hash) bytes.
 */
int ikev1_kdf_skeyid_psk(enum oakley_hash hash, struct crypto_chunk psk, struct crypto_chunk ni_b,
			 struct crypto_chunk nr_b, uint8_t *out);
int ikev1_kdf_skeyid_sig(enum oakley_hash hash, struct crypto_chunk ni_b, struct crypto_chunk nr_b,
			 struct crypto_chunk gxy, uint8_t *out);

/*
 * From a known SKEYID, fill k:
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 */
int ikev1_kdf_from_skeyid(struct ikev1_kdf *k, enum oakley_hash hash, struct crypto_chunk skeyid,
			  struct crypto_chunk gxy, const uint8_t *cky_i, const uint8_t *cky_r);
/* SKEYID for in->auth, then the three children.  k is wiped on failure. */
int ikev1_kdf_init(struct ikev1_kdf *k, const struct ikev1_kdf_phase1 *in);

/*
 * Appendix B key expansion: when len <= |key| the first len bytes of key; otherwise
 * K1 | K2 | ... truncated to len, with K1 = prf(key, 0x00), Kn = prf(key, Kn-1).
 */
int ikev1_kdf_appendix_b(enum oakley_hash hash, struct crypto_chunk key, uint8_t *out, size_t len);
/* k->enc_key = appendix B of SKEYID_e, keylen bytes (<= CRYPTO_MAX_KEY). */
int ikev1_kdf_set_enc_key(struct ikev1_kdf *k, size_t keylen);

/* Phase 1 IV = hash(g^xi | g^xr) truncated to blocksize; HASH, not the PRF (appendix B). */
int ikev1_kdf_phase1_iv(const struct ikev1_kdf *k, struct crypto_chunk gxi, struct crypto_chunk gxr,
			uint8_t *iv, size_t blocksize);
/*
 * Phase 2 / informational IV = hash(last phase 1 CBC output block | M-ID) truncated to
 * blocksize (appendix B); last_block is blocksize bytes.
 */
int ikev1_kdf_phase2_iv(const struct ikev1_kdf *k, const uint8_t *last_block, size_t blocksize,
			uint32_t msgid, uint8_t *iv);

/*
 * Main Mode authentication hashes (RFC 2409 5):
 *   HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 *   HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * Both take the values in initiator/responder order and swap for HASH_R themselves.
 * sai_b is the initiator's SA payload body (both directions).
 */
int ikev1_kdf_hash_i(const struct ikev1_kdf *k, struct crypto_chunk gxi, struct crypto_chunk gxr,
		     const uint8_t *cky_i, const uint8_t *cky_r, struct crypto_chunk sai_b,
		     struct crypto_chunk idii_b, uint8_t *out);
int ikev1_kdf_hash_r(const struct ikev1_kdf *k, struct crypto_chunk gxi, struct crypto_chunk gxr,
		     const uint8_t *cky_i, const uint8_t *cky_r, struct crypto_chunk sai_b,
		     struct crypto_chunk idir_b, uint8_t *out);

/*
 * prf(SKEYID_a, M-ID | rest): Quick Mode HASH(1) (rest = the message after the HASH
 * payload) and the Informational exchange HASH(1) (rest = the N or D payload).
 */
int ikev1_kdf_hash_msgid(const struct ikev1_kdf *k, uint32_t msgid, struct crypto_chunk rest,
			 uint8_t *out);
/* Quick Mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest). */
int ikev1_kdf_qm_hash2(const struct ikev1_kdf *k, uint32_t msgid, struct crypto_chunk ni_b,
		       struct crypto_chunk rest, uint8_t *out);
/* Quick Mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
int ikev1_kdf_qm_hash3(const struct ikev1_kdf *k, uint32_t msgid, struct crypto_chunk ni_b,
		       struct crypto_chunk nr_b, uint8_t *out);

/*
 * KEYMAT for one direction of an IPsec SA (RFC 2409 5.5), len bytes into out:
 *   without PFS: KEYMAT = prf(SKEYID_d, protocol | SPI | Ni_b | Nr_b)
 *   with PFS:    KEYMAT = prf(SKEYID_d, g(qm)^xy | protocol | SPI | Ni_b | Nr_b)
 * expanded K1 | K2 | ..., Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b |
 * Nr_b).  gqm_xy.len == 0 means no PFS.  spi is the 4-byte SPI as on the wire (the
 * receiver's SPI for that direction).
 */
int ikev1_kdf_keymat(const struct ikev1_kdf *k, struct crypto_chunk gqm_xy, uint8_t protocol,
		     struct crypto_chunk spi, struct crypto_chunk ni_b, struct crypto_chunk nr_b,
		     uint8_t *out, size_t len);

/* Cleanse all key material in k. */
void ikev1_kdf_wipe(struct ikev1_kdf *k);

#endif /* PLUTO_IKEV1_KDF_H */
