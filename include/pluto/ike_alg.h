/*
 * Algorithm numbers used by IKEv1 (on the wire, in SA payload attributes).
 *
 * Phase 1 (ISAKMP SA) attribute values: RFC 2409 appendix A, as extended in the
 * IANA "Internet Key Exchange (IKE) Attributes" registry.  Phase 2 (IPsec SA)
 * values: RFC 2407 (IPsec DOI) sections 4.4.4 and 4.5, as extended in the IANA
 * "IPSEC ESP Transform Identifiers" and "IPSEC Authentication Algorithms"
 * registries.  Every value here was checked against that text.
 */
#ifndef PLUTO_IKE_ALG_H
#define PLUTO_IKE_ALG_H

/* Phase 1 attribute class 1, "Encryption Algorithm" (RFC 2409 appendix A). */
enum oakley_encr {
	OAKLEY_ENCR_DES_CBC = 1,  /* RFC 2405; not implemented (weak) */
	OAKLEY_ENCR_3DES_CBC = 5, /* RFC 2409 */
	OAKLEY_ENCR_AES_CBC = 7,  /* RFC 3602 (IANA); key length from attribute 14 */
};

/* Phase 1 attribute class 2, "Hash Algorithm"; the PRF is HMAC with it (RFC 2409 4.5). */
enum oakley_hash {
	OAKLEY_HASH_MD5 = 1,	  /* RFC 1321 */
	OAKLEY_HASH_SHA1 = 2,	  /* FIPS 180-1 */
	OAKLEY_HASH_SHA2_256 = 4, /* RFC 4868 (IANA) */
	OAKLEY_HASH_SHA2_384 = 5, /* RFC 4868 (IANA) */
	OAKLEY_HASH_SHA2_512 = 6, /* RFC 4868 (IANA) */
};

/* Phase 1 attribute class 3, "Authentication Method". */
enum oakley_auth {
	OAKLEY_AUTH_PSK = 1,	 /* pre-shared key */
	OAKLEY_AUTH_DSS_SIG = 2, /* DSS signatures; not implemented */
	OAKLEY_AUTH_RSA_SIG = 3, /* RSA signatures */
};

/*
 * Phase 1 attribute class 4, "Group Description" (also used in Quick Mode for
 * PFS).  MODP groups: RFC 2409 6.2 (group 2), RFC 3526 (5, 14, 15, 16).
 * ECP groups: RFC 5903.  Curve25519: RFC 8031 (IANA value 31).
 */
enum oakley_group {
	OAKLEY_GROUP_NONE = 0,	      /* no PFS */
	OAKLEY_GROUP_MODP1024 = 2,    /* "second Oakley group", RFC 2409 6.2 */
	OAKLEY_GROUP_MODP1536 = 5,    /* RFC 3526 section 2 */
	OAKLEY_GROUP_MODP2048 = 14,   /* RFC 3526 section 3 */
	OAKLEY_GROUP_MODP3072 = 15,   /* RFC 3526 section 4 */
	OAKLEY_GROUP_MODP4096 = 16,   /* RFC 3526 section 5 */
	OAKLEY_GROUP_ECP256 = 19,     /* NIST P-256, RFC 5903 */
	OAKLEY_GROUP_ECP384 = 20,     /* NIST P-384, RFC 5903 */
	OAKLEY_GROUP_CURVE25519 = 31, /* X25519, RFC 8031 */
};

/* IPsec DOI transform identifiers for PROTO_IPSEC_ESP (RFC 2407 4.4.4, IANA). */
enum esp_transform {
	ESP_3DES = 3,	     /* RFC 2451 */
	ESP_NULL = 11,	     /* RFC 2410 */
	ESP_AES = 12,	     /* AES-CBC, RFC 3602 */
	ESP_AES_GCM_16 = 20, /* AES-GCM with 16-octet ICV, RFC 4106 */
};

/* IPsec DOI SA attribute "Authentication Algorithm" values (RFC 2407 4.5, RFC 4868). */
enum ipsec_auth_alg {
	AUTH_ALG_NONE = 0,	    /* only with combined-mode ciphers (GCM) */
	AUTH_ALG_HMAC_MD5 = 1,	    /* HMAC-MD5-96, RFC 2403 */
	AUTH_ALG_HMAC_SHA1 = 2,	    /* HMAC-SHA-1-96, RFC 2404 */
	AUTH_ALG_HMAC_SHA2_256 = 5, /* HMAC-SHA-256-128, RFC 4868 */
	AUTH_ALG_HMAC_SHA2_384 = 6, /* HMAC-SHA-384-192, RFC 4868 */
	AUTH_ALG_HMAC_SHA2_512 = 7, /* HMAC-SHA-512-256, RFC 4868 */
};

#endif /* PLUTO_IKE_ALG_H */
