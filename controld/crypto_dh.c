/*
 * Diffie-Hellman for IKEv1 KE payloads, through OpenSSL 3 EVP_PKEY and OSSL_PARAM_BLD.
 *
 * Wire forms (KE payload data) and shared secrets (g^xy):
 *   MODP  public y big-endian, left-padded to |p|; g^xy likewise (RFC 2409 5, RFC 3526)
 *   ECP   public x | y, each padded to the field size, no 0x04 octet; g^xy is the x
 *         coordinate only (RFC 5903 sections 7 and 9)
 *   X25519 32 raw bytes both ways (RFC 7748, as RFC 8031 uses them)
 *
 * OpenSSL knows the RFC 3526 groups by name ("modp_1536" ...).  It has no name for the
 * RFC 2409 second Oakley group (MODP1024): it is built here from p and g = 2.  Peer
 * values of every MODP group get the same range check (modp_check()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "crypto.h"

/* RFC 2409 section 6.2, "Second Oakley Group": 2^1024 - 2^960 - 1 + 2^64 * [2^894 pi + 129093]. */
static const char modp1024_p[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
				 "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
				 "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
				 "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				 "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
				 "FFFFFFFFFFFFFFFF";

static const struct crypto_dh_desc groups[] = {
	{OAKLEY_GROUP_MODP1024, "modp1024", "dh2", CRYPTO_DH_MODP, NULL, 128, 128},
	{OAKLEY_GROUP_MODP1536, "modp1536", "dh5", CRYPTO_DH_MODP, "modp_1536", 192, 192},
	{OAKLEY_GROUP_MODP2048, "modp2048", "dh14", CRYPTO_DH_MODP, "modp_2048", 256, 256},
	{OAKLEY_GROUP_MODP3072, "modp3072", "dh15", CRYPTO_DH_MODP, "modp_3072", 384, 384},
	{OAKLEY_GROUP_MODP4096, "modp4096", "dh16", CRYPTO_DH_MODP, "modp_4096", 512, 512},
	{OAKLEY_GROUP_ECP256, "ecp256", "dh19", CRYPTO_DH_ECP, "P-256", 64, 32},
	{OAKLEY_GROUP_ECP384, "ecp384", "dh20", CRYPTO_DH_ECP, "P-384", 96, 48},
	{OAKLEY_GROUP_CURVE25519, "curve25519", "dh31", CRYPTO_DH_X25519, "X25519", 32, 32},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ECP_KE 96	/* P-384: 2 * 48 */
#define MAX_MODP_KE 512 /* MODP4096 */

struct crypto_dh {
	const struct crypto_dh_desc *desc;
	EVP_PKEY *key;
};

const struct crypto_dh_desc *crypto_dh_lookup(enum oakley_group id)
{
	for (size_t i = 0; i < ARRAY_LEN(groups); i++) {
		if (groups[i].id == id)
			return &groups[i];
	}
	return NULL;
}

const struct crypto_dh_desc *crypto_dh_at(size_t i)
{
	return i < ARRAY_LEN(groups) ? &groups[i] : NULL;
}

const struct crypto_dh_desc *crypto_dh_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(groups); i++) {
		if (strcasecmp(groups[i].name, name) == 0 || strcasecmp(groups[i].alias, name) == 0)
			return &groups[i];
	}
	return NULL;
}

const struct crypto_dh_desc *crypto_dh_desc(const struct crypto_dh *dh)
{
	return dh != NULL ? dh->desc : NULL;
}

/* Domain parameters that must outlive OSSL_PARAM_BLD_to_param(). */
struct domain {
	BIGNUM *p, *g;
};

static void domain_free(struct domain *dom)
{
	BN_free(dom->p);
	BN_free(dom->g);
}

/*
 * Push the group's domain parameters onto bld: a name, or MODP1024's p and g (without q:
 * OpenSSL will not generate a key for an unnamed group with q set, as it applies FIPS
 * 186-4 rules meant for DSA-style groups).
 */
static int push_domain(OSSL_PARAM_BLD *bld, const struct crypto_dh_desc *d, struct domain *dom)
{
	if (d->ossl_group != NULL) {
		return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						       d->ossl_group, 0) == 1
			       ? 0
			       : -EIO;
	}
	if (BN_hex2bn(&dom->p, modp1024_p) == 0)
		return -EIO;
	dom->g = BN_new();
	if (dom->g == NULL)
		return -ENOMEM;
	if (BN_set_word(dom->g, 2) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, dom->p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, dom->g) != 1)
		return -EIO;
	return 0;
}

/*
 * A public value in KE wire form (pub.len == d->ke_len, checked by callers) in OpenSSL's
 * encoded form: the same for MODP, SEC 1's uncompressed-point octet in front for ECP,
 * built in point.  Empty if it cannot be.
 */
static struct crypto_chunk encoded_public(const struct crypto_dh_desc *d, struct crypto_chunk pub,
					  uint8_t point[1 + MAX_ECP_KE])
{
	if (d->kind != CRYPTO_DH_ECP)
		return pub;
	if (pub.len > MAX_ECP_KE)
		return CRYPTO_CHUNK_EMPTY;
	point[0] = 0x04;
	memcpy(point + 1, pub.ptr, pub.len);
	return CRYPTO_CHUNK(point, 1 + pub.len);
}

/*
 * Push a public value given in KE wire form.  The builder keeps pointers until
 * OSSL_PARAM_BLD_to_param(): *y and point (ECP) belong to the caller and must live until
 * then.
 */
static int push_public(OSSL_PARAM_BLD *bld, const struct crypto_dh_desc *d, struct crypto_chunk pub,
		       BIGNUM **y, uint8_t point[1 + MAX_ECP_KE])
{
	if (d->kind == CRYPTO_DH_MODP) {
		*y = BN_bin2bn(pub.ptr, (int)pub.len, NULL);
		if (*y == NULL)
			return -ENOMEM;
		return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, *y) == 1 ? 0 : -EIO;
	}
	struct crypto_chunk enc = encoded_public(d, pub, point);
	if (enc.ptr == NULL)
		return -EINVAL;
	return OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc.ptr, enc.len) == 1
		       ? 0
		       : -EIO;
}

/*
 * A MODP or ECP EVP_PKEY: domain parameters only, or with a public value (wire form),
 * or with a private value as well.  The EC import checks the point is on the curve.
 */
static EVP_PKEY *build_key(const struct crypto_dh_desc *d, const BIGNUM *priv,
			   struct crypto_chunk pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t point[1 + MAX_ECP_KE];
	struct domain dom = {0};
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *y = NULL;
	int selection = EVP_PKEY_KEY_PARAMETERS;

	if (bld == NULL || push_domain(bld, d, &dom) != 0)
		goto cleanup;
	if (pub.ptr != NULL) {
		selection = EVP_PKEY_PUBLIC_KEY;
		if (push_public(bld, d, pub, &y, point) != 0)
			goto cleanup;
	}
	if (priv != NULL) {
		selection = EVP_PKEY_KEYPAIR;
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)
			goto cleanup;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, d->kind == CRYPTO_DH_MODP ? "DH" : "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto cleanup;
	if (EVP_PKEY_fromdata(ctx, &key, selection, params) != 1)
		key = NULL;
cleanup:
	EVP_PKEY_CTX_free(ctx);
	/* Private values came from secure BIGNUMs: this wipes them. */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	domain_free(&dom);
	return key;
}

/*
 * The group's domain parameters as an EVP_PKEY, built at the first use and kept: new keys
 * and peers' public values take their parameters from it instead of building the group
 * again each time (for an EC group, from its name: as much work as half a P-256 key
 * generation).  Read-only once made, so shared by every thread.
 */
static struct crypto_fetched domains[ARRAY_LEN(groups)];

static void *make_domain(const void *d)
{
	return build_key(d, NULL, CRYPTO_CHUNK_EMPTY);
}

static void drop_domain(void *key, const void *d)
{
	(void)d;
	EVP_PKEY_free(key);
}

static EVP_PKEY *domain_of(const struct crypto_dh_desc *d)
{
	return crypto_keep(&domains[d - groups], make_domain, drop_domain, d);
}

static EVP_PKEY *generate(const struct crypto_dh_desc *d)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *dom, *key = NULL;

	if (d->kind == CRYPTO_DH_X25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	dom = domain_of(d);
	if (dom == NULL)
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dom, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_generate(ctx, &key) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/*
 * A peer's MODP or ECP public value (KE wire form) as an EVP_PKEY with the group's
 * parameters.  OpenSSL checks a MODP value is in 1 < y < p - 1, and an EC point's
 * coordinates are below the field prime and the point is on the curve; the uncompressed
 * form cannot name the point at infinity.  That is the full validation of an ECP value
 * (SP 800-56A 5.6.2.3.4) but for n * Q = O, which cannot fail on P-256 or P-384
 * (cofactor 1: every point on the curve has the prime order n) and would cost as much
 * as the agreement (RFC 6989 2.3).
 */
static EVP_PKEY *public_key(const struct crypto_dh_desc *d, struct crypto_chunk pub)
{
	uint8_t point[1 + MAX_ECP_KE];
	struct crypto_chunk enc = encoded_public(d, pub, point);
	EVP_PKEY *dom = domain_of(d), *key;

	if (dom == NULL || enc.ptr == NULL || (key = EVP_PKEY_new()) == NULL)
		return NULL;
	if (EVP_PKEY_copy_parameters(key, dom) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(key, enc.ptr, enc.len) != 1) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

static int wrap(const struct crypto_dh_desc *d, EVP_PKEY *key, struct crypto_dh **out)
{
	struct crypto_dh *dh;

	if (key == NULL)
		return -EIO;
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL) {
		EVP_PKEY_free(key);
		return -ENOMEM;
	}
	dh->desc = d;
	dh->key = key;
	*out = dh;
	return 0;
}

int crypto_dh_new(enum oakley_group id, struct crypto_dh **out)
{
	const struct crypto_dh_desc *d = crypto_dh_lookup(id);

	if (d == NULL || out == NULL)
		return -EINVAL;
	*out = NULL;
	return wrap(d, generate(d), out);
}

static const char *derive(const struct crypto_dh *dh, EVP_PKEY *peer, uint8_t *out, size_t want);

/*
 * Is a MODP key's public value y = g^x?  Its agreement with g itself computes g^x.
 * EVP_PKEY_pairwise_check() would also validate y fully, y^q mod p = 1 with an exponent
 * as long as p: 15 ms for MODP4096, more than twice all the rest of the start-up
 * self-test (crypto_selftest.c), and implied by y = g^x.
 */
static bool modp_pair_ok(const struct crypto_dh_desc *d, EVP_PKEY *key, struct crypto_chunk pub)
{
	const struct crypto_dh dh = {.desc = d, .key = key};
	uint8_t g[MAX_MODP_KE], gx[MAX_MODP_KE];
	EVP_PKEY *peer = NULL;
	BIGNUM *bn = NULL;
	bool ok = false;

	if (d->ke_len > sizeof(g) || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_G, &bn) != 1 ||
	    BN_bn2binpad(bn, g, (int)d->ke_len) != (int)d->ke_len)
		goto cleanup;
	peer = public_key(d, CRYPTO_CHUNK(g, d->ke_len));
	ok = peer != NULL && derive(&dh, peer, gx, d->ke_len) == NULL &&
	     memcmp(gx, pub.ptr, d->ke_len) == 0;
cleanup:
	EVP_PKEY_free(peer);
	BN_free(bn);
	return ok;
}

/* Does key hold a consistent key pair, pub (KE payload form) being its public value? */
static bool pair_ok(const struct crypto_dh_desc *d, EVP_PKEY *key, struct crypto_chunk pub)
{
	EVP_PKEY_CTX *ctx;
	bool ok;

	if (d->kind == CRYPTO_DH_MODP)
		return modp_pair_ok(d, key, pub);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	ok = ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static EVP_PKEY *import_x25519(struct crypto_chunk priv, struct crypto_chunk pub)
{
	uint8_t derived[32];
	size_t len = sizeof(derived);
	EVP_PKEY *key;

	key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv.ptr, priv.len);
	if (key == NULL || pub.ptr == NULL)
		return key;
	if (EVP_PKEY_get_raw_public_key(key, derived, &len) != 1 || len != pub.len ||
	    memcmp(derived, pub.ptr, len) != 0) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

int crypto_dh_import(enum oakley_group id, struct crypto_chunk priv, struct crypto_chunk pub,
		     struct crypto_dh **out)
{
	const struct crypto_dh_desc *d = crypto_dh_lookup(id);
	EVP_PKEY *key;
	BIGNUM *x;

	if (d == NULL || out == NULL || priv.ptr == NULL || priv.len == 0)
		return -EINVAL;
	*out = NULL;
	if (pub.ptr != NULL && pub.len != d->ke_len)
		return -EINVAL;
	if (d->kind == CRYPTO_DH_X25519) {
		if (priv.len != 32)
			return -EINVAL;
		key = import_x25519(priv, pub);
		return key != NULL ? wrap(d, key, out) : -EINVAL;
	}
	if (pub.ptr == NULL)
		return -EINVAL;
	x = BN_secure_new();
	if (x == NULL || BN_bin2bn(priv.ptr, (int)priv.len, x) == NULL) {
		BN_clear_free(x);
		return -ENOMEM;
	}
	key = build_key(d, x, pub);
	BN_clear_free(x);
	if (key != NULL && !pair_ok(d, key, pub)) {
		EVP_PKEY_free(key);
		return -EINVAL;
	}
	return key != NULL ? wrap(d, key, out) : -EINVAL;
}

void crypto_dh_free(struct crypto_dh *dh)
{
	if (dh == NULL)
		return;
	/* OpenSSL clears the private value when it frees the key. */
	EVP_PKEY_free(dh->key);
	crypto_cleanse(dh, sizeof(*dh));
	free(dh);
}

int crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t out_size, size_t *len)
{
	uint8_t point[1 + MAX_ECP_KE];
	size_t n = 0;
	BIGNUM *y = NULL;
	int ret = -EIO;

	if (dh == NULL || out == NULL || len == NULL || out_size < dh->desc->ke_len)
		return -EINVAL;
	switch (dh->desc->kind) {
	case CRYPTO_DH_MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
		    BN_bn2binpad(y, out, (int)dh->desc->ke_len) == (int)dh->desc->ke_len)
			ret = 0;
		BN_free(y);
		break;
	case CRYPTO_DH_ECP:
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, point,
						    sizeof(point), &n) == 1 &&
		    n == 1 + dh->desc->ke_len && point[0] == 0x04) {
			memcpy(out, point + 1, dh->desc->ke_len);
			ret = 0;
		}
		break;
	case CRYPTO_DH_X25519:
		n = dh->desc->ke_len;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) == 1 && n == dh->desc->ke_len)
			ret = 0;
		break;
	}
	if (ret == 0)
		*len = dh->desc->ke_len;
	return ret;
}

/*
 * A MODP peer value: 1 < y < p - 1 (RFC 6989 section 2.2).  Every MODP group here has a
 * safe prime p = 2q + 1, whose only small subgroups are {1} and {1, p - 1}: a value
 * inside the range has order q or 2q, and one of order 2q can reveal at most the parity
 * of our private exponent, which is fresh for every exchange (pluto never reuses one).
 * So RFC 6989 asks for the range check alone on these groups, as Libreswan and
 * strongSwan do.  The subgroup test (y^q = 1, or the Legendre symbol (y|p)) would add
 * about 15 % to the cost of the key exchange and protect nothing.
 */
static const char *modp_check(const struct crypto_dh *dh, struct crypto_chunk peer)
{
	const char *err = "cannot check the MODP public value";
	BIGNUM *p = NULL, *y = BN_bin2bn(peer.ptr, (int)peer.len, NULL);

	if (y == NULL || EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_FFC_P, &p) != 1 ||
	    BN_sub_word(p, 1) != 1)
		goto cleanup;
	if (BN_is_zero(y) || BN_is_one(y)) {
		err = "MODP public value is 0 or 1";
		goto cleanup;
	}
	if (BN_cmp(y, p) >= 0) {
		err = "MODP public value is p-1 or larger";
		goto cleanup;
	}
	err = NULL;
cleanup:
	BN_free(p);
	BN_free(y);
	return err;
}

/* The peer's public value as an EVP_PKEY, validated. */
static const char *peer_key(const struct crypto_dh *dh, struct crypto_chunk peer, EVP_PKEY **out)
{
	const struct crypto_dh_desc *d = dh->desc;
	const char *err;
	EVP_PKEY *key;

	if (d->kind == CRYPTO_DH_X25519) {
		key = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer.ptr, peer.len);
		if (key == NULL)
			return "X25519 public value rejected";
		*out = key;
		return NULL;
	}
	if (d->kind == CRYPTO_DH_MODP) {
		err = modp_check(dh, peer);
		if (err != NULL)
			return err;
	}
	key = public_key(d, peer);
	if (key == NULL) {
		return d->kind == CRYPTO_DH_ECP ? "ECP public value is not a point on the curve"
						: "MODP public value rejected";
	}
	*out = key;
	return NULL;
}

/* Is buf all zeros?  Constant time (X25519 low-order points give a zero secret). */
static bool all_zero(const uint8_t *buf, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= buf[i];
	return acc == 0;
}

/* out[0..want) = shared secret with peer, left-padded to want bytes. */
static const char *derive(const struct crypto_dh *dh, EVP_PKEY *peer, uint8_t *out, size_t want)
{
	const char *err = "key agreement failed";
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	size_t n = 0;

	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1)
		goto cleanup;
	if (dh->desc->kind == CRYPTO_DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)
		goto cleanup;
	/* peer_key() validated the peer fully already: do not pay for it twice. */
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1) {
		err = "peer public value rejected";
		goto cleanup;
	}
	if (EVP_PKEY_derive(ctx, NULL, &n) != 1 || n > want)
		goto cleanup;
	n = want;
	if (EVP_PKEY_derive(ctx, out, &n) != 1 || n == 0 || n > want) {
		if (dh->desc->kind == CRYPTO_DH_X25519)
			err = "X25519 key agreement failed (low-order peer value)";
		goto cleanup;
	}
	if (n < want) {
		memmove(out + (want - n), out, n);
		memset(out, 0, want - n);
	}
	if (all_zero(out, want)) {
		err = "shared secret is zero (low-order peer value)";
		crypto_cleanse(out, want);
		goto cleanup;
	}
	err = NULL;
cleanup:
	EVP_PKEY_CTX_free(ctx);
	return err;
}

const char *crypto_dh_shared(const struct crypto_dh *dh, struct crypto_chunk peer, uint8_t *out,
			     size_t out_size, size_t *len)
{
	EVP_PKEY *pk = NULL;
	const char *err;

	if (dh == NULL || out == NULL || len == NULL || out_size < dh->desc->secret_len)
		return "internal error: bad arguments to crypto_dh_shared()";
	if (peer.ptr == NULL || peer.len != dh->desc->ke_len)
		return "KE payload length does not match the Diffie-Hellman group";
	err = peer_key(dh, peer, &pk);
	if (err != NULL)
		return err;
	err = derive(dh, pk, out, dh->desc->secret_len);
	EVP_PKEY_free(pk);
	if (err == NULL)
		*len = dh->desc->secret_len;
	return err;
}
