/*
 * IKEv1 cryptography, all through OpenSSL 3 (EVP, EVP_MAC, OSSL_PARAM).
 *
 *   crypto_hash.c    hash algorithms, PRF (HMAC), random bytes, constant-time compare
 *   crypto_cipher.c  IKE phase 1/2 CBC encryption (3DES, AES-128/192/256), no padding
 *   crypto_dh.c      Diffie-Hellman: MODP 2/5/14/15/16, ECP 19/20, Curve25519 (31)
 *   crypto_rsa.c     RFC 3110 keys, ipsec.secrets private keys, IKEv1 RSA signatures
 *   crypto_selftest.c  start-up known-answer tests of the hashes, ciphers and groups
 *
 * Every function is thread safe (it keeps no global mutable state), so it can run in
 * the crypto helper threads.  Functions return 0 or -errno (-EINVAL for bad arguments,
 * -EIO when OpenSSL fails, -ENOMEM), or, where the input came from a peer or a file, a
 * reason string that the caller logs (NULL meaning success).
 */
#ifndef PLUTO_CRYPTO_H
#define PLUTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "pluto/ike_alg.h"

/* A read-only byte string: the input type of everything here. */
struct crypto_chunk {
	const uint8_t *ptr;
	size_t len;
};

#define CRYPTO_CHUNK(p, l) ((struct crypto_chunk){.ptr = (const uint8_t *)(p), .len = (l)})
#define CRYPTO_CHUNK_EMPTY ((struct crypto_chunk){.ptr = NULL, .len = 0})

#define CRYPTO_MAX_HASH 64  /* SHA-512 output: big enough for any PRF output */
#define CRYPTO_MAX_BLOCK 16 /* AES block: big enough for any IV */
#define CRYPTO_MAX_KEY 32   /* AES-256 key: big enough for any IKE cipher key */

/* ---- crypto_hash.c -------------------------------------------------------------- */

struct crypto_hash_desc {
	enum oakley_hash id;   /* IKEv1 attribute value */
	const char *name;      /* our (Libreswan) name: "md5", "sha1", "sha2_256", ... */
	const char *ossl_name; /* OpenSSL digest name */
	size_t size;	       /* output length, bytes */
	size_t block;	       /* input block length, bytes */
};

/* The description of an IKEv1 hash, or NULL when we do not implement it. */
const struct crypto_hash_desc *crypto_hash_lookup(enum oakley_hash id);
/* The i-th hash we implement (i = 0, 1, ...), NULL past the last: to walk them all. */
const struct crypto_hash_desc *crypto_hash_at(size_t i);
/* By name: "md5", "sha1"/"sha", "sha2_256"/"sha256", "sha2_384"/"sha384", "sha2_512"/"sha512". */
const struct crypto_hash_desc *crypto_hash_by_name(const char *name);
/* Output length in bytes, 0 for an unknown id. */
size_t crypto_hash_size(enum oakley_hash id);

/* out = hash(in[0] | in[1] | ... | in[n-1]); out_size must be >= the output length. */
/*
 * An OpenSSL algorithm object fetched at first use and kept (crypto_fetch.c): slot is a
 * static struct crypto_fetched, zero-initialised; NULL when OpenSSL has no such algorithm.
 * Safe from any thread.
 */
enum crypto_fetch_kind { CRYPTO_FETCH_MD, CRYPTO_FETCH_CIPHER, CRYPTO_FETCH_MAC };
struct crypto_fetched {
	void *_Atomic obj;
};
void *crypto_fetch(struct crypto_fetched *slot, enum crypto_fetch_kind kind, const char *name);
/*
 * The same for any object: make(arg) at the first call, kept in slot; a thread that lost
 * the race to fill the slot drops its own (drop(obj, arg)) and gets the winner's.
 */
void *crypto_keep(struct crypto_fetched *slot, void *(*make)(const void *arg),
		  void (*drop)(void *obj, const void *arg), const void *arg);

int crypto_hash(enum oakley_hash id, const struct crypto_chunk *in, size_t n, uint8_t *out,
		size_t out_size);
/* out = prf(key, in[0] | ... | in[n-1]), the PRF being HMAC with the hash (RFC 2409 4.5). */
int crypto_prf(enum oakley_hash id, struct crypto_chunk key, const struct crypto_chunk *in,
	       size_t n, uint8_t *out, size_t out_size);

/* Fill buf with len cryptographically strong random bytes (RAND_bytes). */
int crypto_random(void *buf, size_t len);
/*
 * A random value, the same for the life of the process, to key the hashes of tables
 * indexed by what peers choose (cookies, addresses).
 */
uint64_t crypto_hash_seed(void);
/* Constant-time comparison (CRYPTO_memcmp): true when the buffers are equal. */
bool crypto_memeq(const void *a, const void *b, size_t len);
/* Wipe secret material so the compiler cannot optimise it away (OPENSSL_cleanse). */
void crypto_cleanse(void *buf, size_t len);

/* ---- crypto_cipher.c ------------------------------------------------------------ */

struct crypto_cipher_desc {
	enum oakley_encr id; /* IKEv1 attribute value */
	const char *name;    /* "3des", "aes" */
	size_t block;	     /* block (and IV) length, bytes */
	size_t key_min;	     /* key lengths allowed, bytes (3DES: 24 only) */
	size_t key_max;
	size_t key_default; /* what we propose when the user gives no length */
};

const struct crypto_cipher_desc *crypto_cipher_lookup(enum oakley_encr id);
/* The i-th cipher we implement, NULL past the last. */
const struct crypto_cipher_desc *crypto_cipher_at(size_t i);
/* "3des", "aes" (then key length from the caller), "aes128", "aes192", "aes256". */
const struct crypto_cipher_desc *crypto_cipher_by_name(const char *name);
/* Block length in bytes, 0 for an unknown cipher. */
size_t crypto_cipher_blocksize(enum oakley_encr id);
/*
 * Key length in bytes for the Key Length attribute value key_bits (0: attribute absent).
 * 3DES: 0 or 192 -> 24.  AES: 128/192/256 -> 16/24/32; absent is -EINVAL since RFC 3602
 * requires the attribute.  Anything else: -EINVAL.
 */
int crypto_cipher_keylen(enum oakley_encr id, unsigned int key_bits);
/*
 * CBC-encrypt (encrypt = true) or -decrypt buf[0..len) in place.  len must be a whole
 * number of blocks (IKEv1 pads itself; OpenSSL padding is off).  iv (one block) is read,
 * then replaced by the last ciphertext block: the IV for the next message (RFC 2409
 * appendix B).
 */
int crypto_cipher_cbc(enum oakley_encr id, const uint8_t *key, size_t keylen, uint8_t *iv,
		      uint8_t *buf, size_t len, bool encrypt);

/* ---- crypto_dh.c ---------------------------------------------------------------- */

enum crypto_dh_kind {
	CRYPTO_DH_MODP,	  /* finite field, public value big-endian padded to |p| */
	CRYPTO_DH_ECP,	  /* NIST curve: x | y, each padded to the field (RFC 5903) */
	CRYPTO_DH_X25519, /* 32 raw bytes (RFC 7748 / RFC 8031) */
};

struct crypto_dh_desc {
	enum oakley_group id; /* IKEv1 attribute value */
	const char *name;     /* "modp2048", "ecp256", "curve25519", ... */
	const char *alias;    /* Libreswan name: "dh14", "dh19", "dh31", ... */
	enum crypto_dh_kind kind;
	const char *ossl_group; /* OpenSSL group name, NULL for MODP1024 (built from p, g) */
	size_t ke_len;		/* KE payload data length, bytes */
	size_t secret_len;	/* g^xy length, bytes */
};

const struct crypto_dh_desc *crypto_dh_lookup(enum oakley_group id);
/* The i-th group we implement, NULL past the last. */
const struct crypto_dh_desc *crypto_dh_at(size_t i);
const struct crypto_dh_desc *crypto_dh_by_name(const char *name);

/* One side's key pair for one exchange.  Opaque. */
struct crypto_dh;

/* Generate a fresh key pair for group id. */
int crypto_dh_new(enum oakley_group id, struct crypto_dh **out);
/*
 * For known-answer tests only: a key pair from a given private value (big-endian for
 * MODP/ECP, raw for X25519) and, for MODP and ECP, its public value in KE wire form;
 * the pair is checked for consistency.  X25519 derives the public value itself.
 */
int crypto_dh_import(enum oakley_group id, struct crypto_chunk priv, struct crypto_chunk pub,
		     struct crypto_dh **out);
/* Free, wiping the private value.  NULL is fine. */
void crypto_dh_free(struct crypto_dh *dh);

const struct crypto_dh_desc *crypto_dh_desc(const struct crypto_dh *dh);
/* Our public value in KE payload form; out_size >= desc->ke_len; *len = desc->ke_len. */
int crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t out_size, size_t *len);
/*
 * The shared secret g^xy from the peer's KE payload data: MODP g^xy padded to |p|;
 * ECP the x coordinate (RFC 5903 section 7); X25519 32 bytes.  out_size >=
 * desc->secret_len; *len = desc->secret_len.  A bad peer value (wrong length, 0, 1,
 * p-1, outside the subgroup, not on the curve, low order) returns the reason.
 */
const char *crypto_dh_shared(const struct crypto_dh *dh, struct crypto_chunk peer, uint8_t *out,
			     size_t out_size, size_t *len);

/* ---- crypto_selftest.c ---------------------------------------------------------- */

/*
 * The start-up self-test: every hash (HMAC and plain), cipher (each key length) and
 * group above, run on published (or, for MODP, independently computed) known answers
 * through the functions above, and a key agreement between fresh key pairs of one
 * group of each kind of key generation.  NULL when all pass, else what failed, naming
 * the algorithm and the test ("HMAC-SHA2-256: RFC 4231 test case 2: wrong output"), in
 * a static buffer: main thread only.  *ntests (may be NULL) = the number of tests run.
 */
const char *crypto_selftest(unsigned int *ntests);
/*
 * For the unit tests: the same, with the expected value of the check-th comparison
 * (1, 2, ...) wrong in one bit, to show that each comparison can fail.
 */
const char *crypto_selftest_corrupted(unsigned int check, unsigned int *ntests);

/* ---- crypto_rsa.c --------------------------------------------------------------- */

#define CRYPTO_RSA_MIN_BITS 1024
#define CRYPTO_RSA_MAX_BITS 16384
#define CRYPTO_RSA_KEYID_LEN 9 /* FreeS/WAN key id: 9 base64 characters */

/*
 * An RFC 3110 public key (exponent length in 1 octet, or 0 and 2 octets; exponent;
 * modulus; big-endian, no leading zeros) into an RSA EVP_PKEY (free with EVP_PKEY_free).
 */
const char *crypto_rsa_pubkey_from_rfc3110(struct crypto_chunk blob, EVP_PKEY **out);
/* The RFC 3110 encoding of an RSA key's public half, malloc()ed into *out. */
int crypto_rsa_pubkey_to_rfc3110(const EVP_PKEY *key, uint8_t **out, size_t *len);

/* The ipsec.secrets RSA private key fields (FreeS/WAN names), big-endian. */
struct crypto_rsa_parts {
	struct crypto_chunk modulus;	      /* n */
	struct crypto_chunk public_exponent;  /* e */
	struct crypto_chunk private_exponent; /* d */
	struct crypto_chunk prime1;	      /* p */
	struct crypto_chunk prime2;	      /* q */
	struct crypto_chunk exponent1;	      /* d mod (p-1) */
	struct crypto_chunk exponent2;	      /* d mod (q-1) */
	struct crypto_chunk coefficient;      /* q^-1 mod p */
};

/* A private key from its parts; the parts must be consistent (checked). */
const char *crypto_rsa_privkey_from_parts(const struct crypto_rsa_parts *parts, EVP_PKEY **out);
/* A fresh key pair, for tests (and rsasigkey-like tools); NULL on failure. */
EVP_PKEY *crypto_rsa_generate(unsigned int bits);
/* Modulus length in bytes (the signature length), 0 if key is not RSA. */
size_t crypto_rsa_size(const EVP_PKEY *key);

/*
 * The FreeS/WAN/Libreswan key id ("AQOF6nJN4"): the first 9 characters of the base64
 * encoding of the RFC 3110 public key (FreeS/WAN keyblobtoid()).  out_size >= 10.
 */
int crypto_rsa_keyid_from_rfc3110(struct crypto_chunk blob, char *out, size_t out_size);
int crypto_rsa_keyid(const EVP_PKEY *key, char *out, size_t out_size);

/*
 * IKEv1 RSA signature (RFC 2409 5.1): PKCS#1 v1.5 type 1 padding over the raw HASH_I /
 * HASH_R bytes, without a DigestInfo.  sig_size >= crypto_rsa_size(key).
 */
int crypto_rsa_sign(EVP_PKEY *key, struct crypto_chunk hash, uint8_t *sig, size_t sig_size,
		    size_t *sig_len);
/* Verify such a signature; NULL when it is good, otherwise the reason. */
const char *crypto_rsa_verify(EVP_PKEY *key, struct crypto_chunk hash, struct crypto_chunk sig);

#endif /* PLUTO_CRYPTO_H */
