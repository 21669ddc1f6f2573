/*
 * ISAKMP (IKEv1) wire formats: RFC 2408 section 3 (ISAKMP), RFC 2407 section 4.6
 * (the IPsec DOI payload forms), RFC 2409 appendix A (Oakley attributes) and
 * RFC 3706 (DPD notifications).
 *
 * Every struct is packed and mirrors the RFC diagram above it, generic payload
 * header included, so one cursor_pull() reads the whole fixed part of a
 * payload.  Multi-byte fields are big-endian (network order) on the wire:
 * they are declared as isakmp_be16 / isakmp_be32 and must go through
 * ntohs()/ntohl() (or the cursor's u16/u32 readers).  Never cast a packet
 * pointer to one of these structs: copy with cursor_pull() (memcpy).
 *
 * Algorithm value numbers (encryption ids, groups, ESP transform ids) live in
 * ike_alg.h; here are the protocol's own numbers.
 */
#ifndef PLUTO_ISAKMP_H
#define PLUTO_ISAKMP_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t isakmp_be16; /* 16 bits in network order */
typedef uint32_t isakmp_be32; /* 32 bits in network order */

#define ISAKMP_COOKIE_SIZE 8
#define ISAKMP_MAJOR_VERSION 1
#define ISAKMP_MINOR_VERSION 0
#define ISAKMP_VERSION ((ISAKMP_MAJOR_VERSION << 4) | ISAKMP_MINOR_VERSION)

/*
 * ISAKMP header, RFC 2408 3.1.
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                          Initiator                            !
 * !                            Cookie                             !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                          Responder                            !
 * !                            Cookie                             !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                          Message ID                           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                            Length                             !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
struct isakmp_hdr {
	uint8_t icookie[ISAKMP_COOKIE_SIZE]; /* initiator cookie, never zero */
	uint8_t rcookie[ISAKMP_COOKIE_SIZE]; /* responder cookie, zero in the first message */
	uint8_t np;	    /* type of the first payload (enum isakmp_payload_type) */
	uint8_t version;    /* major version in the high nibble, minor in the low */
	uint8_t xchg;	    /* exchange type (enum isakmp_xchg_type) */
	uint8_t flags;	    /* ISAKMP_FLAG_* */
	isakmp_be32 msgid;  /* message ID: 0 in phase 1 */
	isakmp_be32 length; /* length of the whole message, header included */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_hdr) == 28, "ISAKMP header is 28 octets");

/*
 * Generic payload header, RFC 2408 3.2.  It starts every payload, and (with
 * the next-payload field naming the next sibling) every proposal and
 * transform inside an SA payload.
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
struct isakmp_generic {
	uint8_t np;	    /* type of the next payload, 0 for the last */
	uint8_t reserved;   /* must be zero; the parser tolerates and counts non-zero */
	isakmp_be16 length; /* length of this payload, this header included */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_generic) == 4, "generic header is 4 octets");

/*
 * Security Association payload, RFC 2408 3.4, with the IPsec DOI situation
 * (RFC 2407 4.6.1), which is 4 octets.
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !              Domain of Interpretation  (DOI)                  !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                           Situation                           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                  Proposal payloads ...                        ~
 */
struct isakmp_sa {
	struct isakmp_generic gen; /* np: the payload after the SA */
	isakmp_be32 doi;	   /* ISAKMP_DOI_IPSEC */
	isakmp_be32 situation;	   /* ISAKMP_SIT_* bits; only IDENTITY_ONLY is supported */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_sa) == 12, "SA payload fixed part is 12 octets");

/*
 * Proposal payload, RFC 2408 3.5 (only inside an SA payload).
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                        SPI (variable)                         !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                  Transform payloads ...                       ~
 */
struct isakmp_proposal {
	uint8_t np;	     /* ISAKMP_NEXT_P if another proposal follows, else 0 */
	uint8_t reserved;    /* must be zero */
	isakmp_be16 length;  /* this proposal with its SPI and transforms */
	uint8_t number;	     /* proposal #: equal numbers AND, increasing numbers OR */
	uint8_t protocol;    /* enum isakmp_protocol */
	uint8_t spi_size;    /* octets of SPI that follow this header */
	uint8_t ntransforms; /* number of transform payloads in this proposal */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_proposal) == 8, "proposal header is 8 octets");

/*
 * Transform payload, RFC 2408 3.6 (only inside a proposal).
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Transform #  !  Transform-Id !           RESERVED2           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        SA Attributes                          ~
 */
struct isakmp_transform {
	uint8_t np;	       /* ISAKMP_NEXT_T if another transform follows, else 0 */
	uint8_t reserved;      /* must be zero */
	isakmp_be16 length;    /* this transform with its attributes */
	uint8_t number;	       /* transform #, echoed by the responder */
	uint8_t id;	       /* KEY_IKE in phase 1; ESP/AH/IPCOMP transform id in phase 2 */
	isakmp_be16 reserved2; /* must be zero */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_transform) == 8, "transform header is 8 octets");

/*
 * Data attribute, RFC 2408 3.3.  With the AF bit set the attribute is "TV"
 * (basic): the second half-word is the value.  With it clear it is "TLV"
 * (variable): the second half-word is the length of the value that follows.
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !A!       Attribute Type        !    AF=0  Attribute Length     !
 * !F!                             !    AF=1  Attribute Value      !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * .                   AF=0  Attribute Value                       .
 * .                   AF=1  Not Transmitted                       .
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#define ISAKMP_ATTR_AF_TV 0x8000 /* AF bit: TV (basic) form */
#define ISAKMP_ATTR_TYPE_MASK 0x7fff
struct isakmp_attr {
	isakmp_be16 type; /* AF bit | attribute type */
	isakmp_be16 lv;	  /* TV: the value; TLV: length of the value that follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_attr) == 4, "attribute header is 4 octets");

/*
 * Key Exchange payload, RFC 2408 3.7: the body is the public value.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Key Exchange Data                       ~
 */
struct isakmp_ke {
	struct isakmp_generic gen; /* the key exchange data follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_ke) == 4, "KE payload fixed part is 4 octets");

/*
 * Identification payload in its IPsec DOI form, RFC 2407 4.6.2 (the
 * RFC 2408 3.8 "DOI Specific ID Data" split into protocol and port).
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !        Payload Length         !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !   ID Type     !  Protocol ID  !             Port              !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                     Identification Data                       ~
 */
struct isakmp_id {
	struct isakmp_generic gen;
	uint8_t type;	  /* enum isakmp_id_type */
	uint8_t protocol; /* IP protocol (0 = any), e.g. 17 for UDP */
	isakmp_be16 port; /* port (0 = any) */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_id) == 8, "ID payload fixed part is 8 octets");

/*
 * Certificate payload (RFC 2408 3.9) and Certificate Request payload
 * (RFC 2408 3.10) share one layout.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Cert Encoding !                                               !
 * +-+-+-+-+-+-+-+-+                                               !
 * ~            Certificate Data / Certificate Authority           ~
 */
struct isakmp_cert {
	struct isakmp_generic gen;
	uint8_t encoding; /* enum isakmp_cert_encoding */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_cert) == 5, "CERT payload fixed part is 5 octets");

struct isakmp_certreq {
	struct isakmp_generic gen;
	uint8_t encoding; /* requested enum isakmp_cert_encoding */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_certreq) == 5, "CR payload fixed part is 5 octets");

/*
 * Hash (RFC 2408 3.11), Signature (3.12), Nonce (3.13) and Vendor ID (3.16)
 * payloads: a generic header followed by opaque data.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~         Hash Data / Signature Data / Nonce Data / Vendor ID   ~
 */
struct isakmp_hash {
	struct isakmp_generic gen; /* the hash follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_hash) == 4, "HASH payload fixed part is 4 octets");

struct isakmp_sig {
	struct isakmp_generic gen; /* the signature follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_sig) == 4, "SIG payload fixed part is 4 octets");

#define ISAKMP_NONCE_MIN 8 /* RFC 2409 5: nonce data is 8 to 256 octets */
#define ISAKMP_NONCE_MAX 256
struct isakmp_nonce {
	struct isakmp_generic gen; /* the nonce follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_nonce) == 4, "NONCE payload fixed part is 4 octets");

struct isakmp_vid {
	struct isakmp_generic gen; /* the vendor ID (usually a hash) follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_vid) == 4, "VID payload fixed part is 4 octets");

/*
 * Notification payload, RFC 2408 3.14.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !              Domain of Interpretation  (DOI)                  !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                Security Parameter Index (SPI)                 ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Notification Data                       ~
 */
struct isakmp_notification {
	struct isakmp_generic gen;
	isakmp_be32 doi;  /* ISAKMP_DOI_IPSEC (some peers send 0) */
	uint8_t protocol; /* enum isakmp_protocol the SPI belongs to */
	uint8_t spi_size; /* octets of SPI that follow (16 for a cookie pair) */
	isakmp_be16 type; /* enum isakmp_notify_type */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_notification) == 12, "N payload fixed part is 12 octets");

/*
 * Delete payload, RFC 2408 3.15.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !              Domain of Interpretation  (DOI)                  !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Protocol-Id  !   SPI Size    !           # of SPIs           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~               Security Parameter Index(es) (SPI)              ~
 */
struct isakmp_delete {
	struct isakmp_generic gen;
	isakmp_be32 doi;   /* ISAKMP_DOI_IPSEC */
	uint8_t protocol;  /* enum isakmp_protocol */
	uint8_t spi_size;  /* 16 for ISAKMP (cookie pair), 4 for AH/ESP */
	isakmp_be16 nspis; /* number of SPIs that follow, each spi_size octets */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_delete) == 12, "D payload fixed part is 12 octets");

/* Payload types, RFC 2408 3.1 ("Next Payload"); NAT-T: RFC 3947. */
enum isakmp_payload_type {
	ISAKMP_NEXT_NONE = 0,
	ISAKMP_NEXT_SA = 1,	/* Security Association */
	ISAKMP_NEXT_P = 2,	/* Proposal (inside SA only) */
	ISAKMP_NEXT_T = 3,	/* Transform (inside a proposal only) */
	ISAKMP_NEXT_KE = 4,	/* Key Exchange */
	ISAKMP_NEXT_ID = 5,	/* Identification */
	ISAKMP_NEXT_CERT = 6,	/* Certificate */
	ISAKMP_NEXT_CR = 7,	/* Certificate Request */
	ISAKMP_NEXT_HASH = 8,	/* Hash */
	ISAKMP_NEXT_SIG = 9,	/* Signature */
	ISAKMP_NEXT_NONCE = 10, /* Nonce */
	ISAKMP_NEXT_N = 11,	/* Notification */
	ISAKMP_NEXT_D = 12,	/* Delete */
	ISAKMP_NEXT_VID = 13,	/* Vendor ID */
	ISAKMP_NEXT_NATD = 20,	/* NAT-D, RFC 3947: known, not supported */
	ISAKMP_NEXT_NATOA = 21, /* NAT-OA, RFC 3947: known, not supported */
	ISAKMP_NEXT_ROOF	/* one past the largest known type */
};

/* Exchange types, RFC 2408 3.1 and RFC 2409 appendix A. */
enum isakmp_xchg_type {
	ISAKMP_XCHG_NONE = 0,
	ISAKMP_XCHG_BASE = 1,
	ISAKMP_XCHG_IDPROT = 2, /* Identity Protection = Main Mode */
	ISAKMP_XCHG_AO = 3,	/* Authentication Only */
	ISAKMP_XCHG_AGGR = 4,	/* Aggressive Mode */
	ISAKMP_XCHG_INFO = 5,	/* Informational */
	ISAKMP_XCHG_QUICK = 32, /* Quick Mode, RFC 2409 */
	ISAKMP_XCHG_NGRP = 33,	/* New Group Mode, RFC 2409 */
};
#define ISAKMP_XCHG_MAIN ISAKMP_XCHG_IDPROT

/* Header flags, RFC 2408 3.1. */
enum isakmp_flags {
	ISAKMP_FLAG_ENCRYPTION = 0x01, /* E: payloads after the header are encrypted */
	ISAKMP_FLAG_COMMIT = 0x02,     /* C: commit bit */
	ISAKMP_FLAG_AUTHONLY = 0x04,   /* A: authentication only */
};
#define ISAKMP_FLAGS_KNOWN 0x07

/* Domain of Interpretation, RFC 2408 3.4 and RFC 2407 4.2. */
enum isakmp_doi {
	ISAKMP_DOI_ISAKMP = 0, /* generic ISAKMP; not supported for SAs */
	ISAKMP_DOI_IPSEC = 1,  /* IPsec DOI, RFC 2407 */
};

/* IPsec DOI situation bits, RFC 2407 4.2. */
enum isakmp_situation {
	ISAKMP_SIT_IDENTITY_ONLY = 0x01,
	ISAKMP_SIT_SECRECY = 0x02,
	ISAKMP_SIT_INTEGRITY = 0x04,
};

/* Protocol identifiers, RFC 2407 4.4.1. */
enum isakmp_protocol {
	ISAKMP_PROTO_ISAKMP = 1,
	ISAKMP_PROTO_AH = 2,  /* PROTO_IPSEC_AH */
	ISAKMP_PROTO_ESP = 3, /* PROTO_IPSEC_ESP */
	ISAKMP_PROTO_IPCOMP = 4,
};

/* Transform identifier for PROTO_ISAKMP, RFC 2407 4.4.2. */
enum isakmp_transform_id {
	ISAKMP_KEY_IKE = 1,
};

/* Phase 1 (Oakley) attribute types, RFC 2409 appendix A; B = basic, V = variable. */
enum oakley_attr_type {
	OAKLEY_ATTR_ENCRYPTION_ALG = 1, /* B: enum oakley_encr */
	OAKLEY_ATTR_HASH_ALG = 2,	/* B: enum oakley_hash */
	OAKLEY_ATTR_AUTH_METHOD = 3,	/* B: enum oakley_auth */
	OAKLEY_ATTR_GROUP_DESC = 4,	/* B: enum oakley_group */
	OAKLEY_ATTR_GROUP_TYPE = 5,	/* B */
	OAKLEY_ATTR_GROUP_PRIME = 6,	/* V */
	OAKLEY_ATTR_GROUP_GEN_ONE = 7,	/* V */
	OAKLEY_ATTR_GROUP_GEN_TWO = 8,	/* V */
	OAKLEY_ATTR_GROUP_CURVE_A = 9,	/* V */
	OAKLEY_ATTR_GROUP_CURVE_B = 10, /* V */
	OAKLEY_ATTR_LIFE_TYPE = 11,	/* B: enum isakmp_life_type */
	OAKLEY_ATTR_LIFE_DURATION = 12, /* V: follows its life type */
	OAKLEY_ATTR_PRF = 13,		/* B */
	OAKLEY_ATTR_KEY_LENGTH = 14,	/* B: bits */
	OAKLEY_ATTR_FIELD_SIZE = 15,	/* B */
	OAKLEY_ATTR_GROUP_ORDER = 16,	/* V */
};

/* Phase 2 (IPsec DOI) SA attribute types, RFC 2407 4.5. */
enum ipsec_attr_type {
	IPSEC_ATTR_SA_LIFE_TYPE = 1,	     /* B: enum isakmp_life_type */
	IPSEC_ATTR_SA_LIFE_DURATION = 2,     /* V: follows its life type */
	IPSEC_ATTR_GROUP_DESC = 3,	     /* B: PFS group, enum oakley_group */
	IPSEC_ATTR_ENCAPSULATION_MODE = 4,   /* B: enum isakmp_encapsulation */
	IPSEC_ATTR_AUTH_ALG = 5,	     /* B: enum ipsec_auth_alg */
	IPSEC_ATTR_KEY_LENGTH = 6,	     /* B: bits */
	IPSEC_ATTR_KEY_ROUNDS = 7,	     /* B */
	IPSEC_ATTR_COMPRESS_DICT_SIZE = 8,   /* B */
	IPSEC_ATTR_COMPRESS_PRIVATE_ALG = 9, /* V */
};

/* Encapsulation mode values, RFC 2407 4.5 and RFC 3947 (UDP-encapsulated). */
enum isakmp_encapsulation {
	ISAKMP_ENCAP_TUNNEL = 1,
	ISAKMP_ENCAP_TRANSPORT = 2,
	ISAKMP_ENCAP_UDP_TUNNEL = 3,		  /* RFC 3947 */
	ISAKMP_ENCAP_UDP_TRANSPORT = 4,		  /* RFC 3947 */
	ISAKMP_ENCAP_UDP_TUNNEL_DRAFT = 61443,	  /* draft-ietf-ipsec-nat-t-ike */
	ISAKMP_ENCAP_UDP_TRANSPORT_DRAFT = 61444, /* draft-ietf-ipsec-nat-t-ike */
};

/* Life types (Oakley attribute 11 and IPsec attribute 1 share them). */
enum isakmp_life_type {
	ISAKMP_LIFE_SECONDS = 1,
	ISAKMP_LIFE_KILOBYTES = 2,
};

/* Identification types, RFC 2407 4.6.2.1. */
enum isakmp_id_type {
	ISAKMP_ID_IPV4_ADDR = 1,	/* 4 octets */
	ISAKMP_ID_FQDN = 2,		/* "foo.example.com", no NUL */
	ISAKMP_ID_USER_FQDN = 3,	/* "user@example.com", no NUL */
	ISAKMP_ID_IPV4_ADDR_SUBNET = 4, /* address, then mask: 8 octets */
	ISAKMP_ID_IPV6_ADDR = 5,	/* 16 octets */
	ISAKMP_ID_IPV6_ADDR_SUBNET = 6, /* address, then mask: 32 octets */
	ISAKMP_ID_IPV4_ADDR_RANGE = 7,	/* first, then last: 8 octets */
	ISAKMP_ID_IPV6_ADDR_RANGE = 8,	/* first, then last: 32 octets */
	ISAKMP_ID_DER_ASN1_DN = 9,	/* DER Distinguished Name */
	ISAKMP_ID_DER_ASN1_GN = 10,	/* DER General Name */
	ISAKMP_ID_KEY_ID = 11,		/* opaque octets */
};

/* Certificate encodings, RFC 2408 3.9. */
enum isakmp_cert_encoding {
	ISAKMP_CERT_PKCS7 = 1,
	ISAKMP_CERT_PGP = 2,
	ISAKMP_CERT_DNS_SIGNED_KEY = 3,
	ISAKMP_CERT_X509_SIG = 4,
	ISAKMP_CERT_X509_KE = 5,
	ISAKMP_CERT_KERBEROS = 6,
	ISAKMP_CERT_CRL = 7,
	ISAKMP_CERT_ARL = 8,
	ISAKMP_CERT_SPKI = 9,
	ISAKMP_CERT_X509_ATTR = 10,
};

/*
 * Notify message types: errors RFC 2408 3.14.1, status RFC 2408 3.14.1 and
 * RFC 2407 4.6.3, dead peer detection RFC 3706.
 */
enum isakmp_notify_type {
	ISAKMP_N_INVALID_PAYLOAD_TYPE = 1,
	ISAKMP_N_DOI_NOT_SUPPORTED = 2,
	ISAKMP_N_SITUATION_NOT_SUPPORTED = 3,
	ISAKMP_N_INVALID_COOKIE = 4,
	ISAKMP_N_INVALID_MAJOR_VERSION = 5,
	ISAKMP_N_INVALID_MINOR_VERSION = 6,
	ISAKMP_N_INVALID_EXCHANGE_TYPE = 7,
	ISAKMP_N_INVALID_FLAGS = 8,
	ISAKMP_N_INVALID_MESSAGE_ID = 9,
	ISAKMP_N_INVALID_PROTOCOL_ID = 10,
	ISAKMP_N_INVALID_SPI = 11,
	ISAKMP_N_INVALID_TRANSFORM_ID = 12,
	ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED = 13,
	ISAKMP_N_NO_PROPOSAL_CHOSEN = 14,
	ISAKMP_N_BAD_PROPOSAL_SYNTAX = 15,
	ISAKMP_N_PAYLOAD_MALFORMED = 16,
	ISAKMP_N_INVALID_KEY_INFORMATION = 17,
	ISAKMP_N_INVALID_ID_INFORMATION = 18,
	ISAKMP_N_INVALID_CERT_ENCODING = 19,
	ISAKMP_N_INVALID_CERTIFICATE = 20,
	ISAKMP_N_CERT_TYPE_UNSUPPORTED = 21,
	ISAKMP_N_INVALID_CERT_AUTHORITY = 22,
	ISAKMP_N_INVALID_HASH_INFORMATION = 23,
	ISAKMP_N_AUTHENTICATION_FAILED = 24,
	ISAKMP_N_INVALID_SIGNATURE = 25,
	ISAKMP_N_ADDRESS_NOTIFICATION = 26,
	ISAKMP_N_NOTIFY_SA_LIFETIME = 27,
	ISAKMP_N_CERTIFICATE_UNAVAILABLE = 28,
	ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE = 29,
	ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	ISAKMP_N_CONNECTED = 16384,
	ISAKMP_N_RESPONDER_LIFETIME = 24576, /* RFC 2407 4.6.3.1 */
	ISAKMP_N_REPLAY_STATUS = 24577,	     /* RFC 2407 4.6.3.2 */
	ISAKMP_N_INITIAL_CONTACT = 24578,    /* RFC 2407 4.6.3.3 */
	ISAKMP_N_R_U_THERE = 36136,	     /* RFC 3706 */
	ISAKMP_N_R_U_THERE_ACK = 36137,	     /* RFC 3706 */
};

/*
 * Names for logs (controld/ike_codec_names.c).  Each returns the
 * Libreswan-style name of a value ("ISAKMP_NEXT_SA", "NO_PROPOSAL_CHOSEN"),
 * or the static string "unknown"; print the number next to it.
 */
const char *isakmp_payload_name(unsigned v);
const char *isakmp_xchg_name(unsigned v);
const char *isakmp_doi_name(unsigned v);
const char *isakmp_protocol_name(unsigned v);
const char *isakmp_oakley_attr_name(unsigned v);
const char *isakmp_ipsec_attr_name(unsigned v);
const char *isakmp_encap_name(unsigned v);
const char *isakmp_life_type_name(unsigned v);
const char *isakmp_id_type_name(unsigned v);
const char *isakmp_cert_name(unsigned v);
const char *isakmp_notify_name(unsigned v);
/* "E+C", "none", or with unknown bits "E+0x80"; buf of at least 32 octets. */
const char *isakmp_flags_name(unsigned flags, char *buf, size_t len);

#endif /* PLUTO_ISAKMP_H */
