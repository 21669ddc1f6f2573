/*
 * ISAKMP (IKEv1) message codec: parse a datagram into a digest, parse each
 * payload body into plain structs, and emit messages from the same structs.
 *
 * Parsing a received datagram, syntax first, then meaning:
 *
 *	struct ike_digest d;
 *	const char *err = ike_codec_parse_header(&d, pkt, len);
 *	if (err == NULL && (d.hdr.flags & ISAKMP_FLAG_ENCRYPTION))
 *		... decrypt d.body / d.body_len into plain[] ...
 *	err = ike_codec_parse_payloads(&d, plain_or_d.body, its_len);
 *	if (err != NULL) log("packet from %s: %s", peer, err);
 *	for (p = ike_digest_first(&d, ISAKMP_NEXT_VID); p; p = ike_digest_next(&d, p))
 *		err = ike_codec_parse_vid(p, &vid) ...
 *
 * The digest and everything parsed from it point into the caller's buffers
 * (datagram, decrypted body): keep them alive and unchanged while in use.
 *
 * Every parse function returns NULL on success or a reason for the log,
 * e.g. "proposal 2: 3 transforms announced but 2 present".  The reason lives
 * in a per-thread buffer: it stays valid until the next codec call from the
 * same thread.  Nothing a peer sends aborts, and nothing is read outside the
 * buffers given.
 */
#ifndef PLUTO_IKE_CODEC_H
#define PLUTO_IKE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pluto/isakmp.h"

#include "ike_cursor.h"

#define IKE_MAX_PAYLOADS 64 /* payloads in one message */
#define IKE_SPI_MAX 16	    /* largest SPI we keep (ISAKMP cookie pair) */

/* The ISAKMP header in host order. */
struct ike_hdr {
	uint8_t icookie[ISAKMP_COOKIE_SIZE];
	uint8_t rcookie[ISAKMP_COOKIE_SIZE];
	uint8_t np;	      /* first payload type */
	uint8_t major, minor; /* version */
	uint8_t xchg;	      /* enum isakmp_xchg_type */
	uint8_t flags;	      /* ISAKMP_FLAG_* */
	uint32_t msgid;
	uint32_t length; /* whole message, header included */
};

/* Bytes somewhere in a caller buffer. */
struct ike_chunk {
	const uint8_t *ptr;
	size_t len;
};

/* One payload of a message, as the chain walk found it. */
struct ike_payload {
	uint8_t type;	       /* enum isakmp_payload_type */
	uint8_t np;	       /* its next-payload field */
	unsigned index;	       /* 1 for the first payload of the message */
	struct cursor pbs;     /* the whole payload, generic header included */
	struct ike_chunk body; /* after the generic header (what HASH_I/R covers) */
	int next;	       /* digest index of the next payload of this type, -1 */
};

struct ike_digest {
	struct ike_hdr hdr;
	struct ike_chunk msg;	   /* the message, hdr.length bytes */
	struct ike_chunk body;	   /* after the header: ciphertext if flags has E */
	size_t trailing;	   /* datagram bytes past hdr.length (ignored) */
	size_t padding;		   /* bytes after the last payload (encrypted only) */
	unsigned nonzero_reserved; /* payloads whose RESERVED octet was not 0 (accepted) */
	unsigned npayloads;
	struct ike_payload payloads[IKE_MAX_PAYLOADS];
	int first[ISAKMP_NEXT_ROOF];	 /* index of the first payload of each type, -1 */
	int last[ISAKMP_NEXT_ROOF];	 /* index of the last payload of each type, -1 */
	uint8_t count[ISAKMP_NEXT_ROOF]; /* payloads of each type */
};

/*
 * Check and decode the ISAKMP header of a datagram of len bytes: at least
 * 28 bytes, version 1.0, only known flags, a length field between 28 and
 * len.  Resets the digest.
 */
const char *ike_codec_parse_header(struct ike_digest *d, const uint8_t *pkt, size_t len);
/*
 * Walk the payload chain of the (cleartext or decrypted) body, starting with
 * hdr.np: every generic header length at least 4, at least the payload's
 * fixed part, and inside the body; only payload types IKEv1 allows at
 * message level; at most IKE_MAX_PAYLOADS.  Bytes after the last payload
 * are padding when the message is encrypted, an error otherwise.
 */
const char *ike_codec_parse_payloads(struct ike_digest *d, const uint8_t *body, size_t len);
/* Both, for a message whose E flag is clear (refused when it is set). */
const char *ike_codec_parse_message(struct ike_digest *d, const uint8_t *pkt, size_t len);

const struct ike_payload *ike_digest_first(const struct ike_digest *d, unsigned type);
const struct ike_payload *ike_digest_next(const struct ike_digest *d, const struct ike_payload *p);

/* --- SA payload ------------------------------------------------------------ */

/*
 * An attribute as (type, value).  Parsed: tv tells the wire form; value is
 * the TV value, or the TLV value read as a big-endian number (UINT64_MAX
 * when it does not fit 64 bits); data/len are the TLV value bytes (NULL/0
 * for TV).  Emitted: with data == NULL the value goes out as TV when it fits
 * 16 bits, else as TLV of 4 or 8 octets (what strongSwan and Libreswan
 * send); with data != NULL as TLV carrying data.
 */
struct ike_attr {
	uint16_t type; /* without the AF bit */
	bool tv;
	uint64_t value;
	const uint8_t *data;
	uint16_t len;
};

struct ike_transform {
	uint8_t number; /* transform # */
	uint8_t id;	/* ISAKMP_KEY_IKE, or ESP/AH/IPCOMP transform id */
	unsigned nattrs;
	const struct ike_attr *attrs;
};

struct ike_proposal {
	uint8_t number;	  /* proposal # */
	uint8_t protocol; /* enum isakmp_protocol */
	uint8_t spi_size;
	uint8_t spi[IKE_SPI_MAX];
	unsigned ntransforms;
	const struct ike_transform *transforms;
};

struct ike_sa {
	uint32_t doi;	    /* ISAKMP_DOI_IPSEC */
	uint32_t situation; /* ISAKMP_SIT_IDENTITY_ONLY */
	unsigned nproposals;
	const struct ike_proposal *proposals;
};

#define IKE_SA_MAX_PROPOSALS 64
#define IKE_SA_MAX_TRANSFORMS 256     /* in one SA payload */
#define IKE_SA_MAX_TRANSFORM_ATTRS 64 /* in one transform */
#define IKE_SA_MAX_ATTRS 2048	      /* in one SA payload */

/* Storage for a parsed SA (about 60 KiB: allocate it, not on a small stack). */
struct ike_sa_parsed {
	struct ike_sa sa;
	struct ike_proposal proposals[IKE_SA_MAX_PROPOSALS];
	struct ike_transform transforms[IKE_SA_MAX_TRANSFORMS];
	struct ike_attr attrs[IKE_SA_MAX_ATTRS];
};

/*
 * Parse an SA payload: DOI IPsec, situation IDENTITY_ONLY, proposals with
 * non-decreasing numbers and the right next-payload values, SPI sizes per
 * protocol (ISAKMP 0/8/16, AH/ESP 4, IPCOMP 2/4), announced transform counts
 * met exactly, KEY_IKE transforms for ISAKMP, attribute lists filling their
 * transform exactly, basic attributes in TV form, no repeated attribute
 * (life type/duration pairs excepted, the duration right after its type),
 * and the limits above.  out->sa points into out.
 */
const char *ike_codec_parse_sa(const struct ike_payload *p, struct ike_sa_parsed *out);
/* The first attribute of a type in a transform, or NULL. */
const struct ike_attr *ike_transform_attr(const struct ike_transform *t, uint16_t type);

/* --- other payload bodies -------------------------------------------------- */

struct ike_id_payload {
	uint8_t type;	       /* enum isakmp_id_type */
	uint8_t protocol;      /* IP protocol, 0 = any */
	uint16_t port;	       /* 0 = any */
	struct ike_chunk data; /* identification data */
};

struct ike_cert_payload {
	uint8_t encoding;      /* enum isakmp_cert_encoding */
	struct ike_chunk data; /* certificate, or CA name (may be empty) in a CR */
};

struct ike_notify {
	uint32_t doi;	  /* ISAKMP_DOI_IPSEC, or 0 as some peers send */
	uint8_t protocol; /* enum isakmp_protocol */
	uint8_t spi_size; /* 0..IKE_SPI_MAX */
	uint16_t type;	  /* enum isakmp_notify_type */
	uint8_t spi[IKE_SPI_MAX];
	struct ike_chunk data; /* notification data (R-U-THERE: the sequence number) */
};

struct ike_delete {
	uint32_t doi;	    /* ISAKMP_DOI_IPSEC */
	uint8_t protocol;   /* enum isakmp_protocol */
	uint8_t spi_size;   /* 16 for ISAKMP, 4 for AH/ESP, 2 or 4 for IPCOMP */
	uint16_t nspis;	    /* at least 1 */
	struct cursor spis; /* nspis * spi_size bytes: cursor_pull() them one by one */
};

const char *ike_codec_parse_ke(const struct ike_payload *p, struct ike_chunk *ke);
const char *ike_codec_parse_nonce(const struct ike_payload *p, struct ike_chunk *nonce);
const char *ike_codec_parse_hash(const struct ike_payload *p, struct ike_chunk *hash);
const char *ike_codec_parse_sig(const struct ike_payload *p, struct ike_chunk *sig);
const char *ike_codec_parse_vid(const struct ike_payload *p, struct ike_chunk *vid);
const char *ike_codec_parse_id(const struct ike_payload *p, struct ike_id_payload *id);
const char *ike_codec_parse_cert(const struct ike_payload *p, struct ike_cert_payload *cert);
const char *ike_codec_parse_certreq(const struct ike_payload *p, struct ike_cert_payload *cr);
const char *ike_codec_parse_notify(const struct ike_payload *p, struct ike_notify *n);
const char *ike_codec_parse_delete(const struct ike_payload *p, struct ike_delete *del);

/* --- emitting ------------------------------------------------------------ */

/*
 * Build a message into a caller buffer:
 *
 *	struct cursor_out o;
 *	cursor_out_init(&o, buf, sizeof(buf));
 *	ike_codec_emit_header(&o, &hdr);	// hdr.np and hdr.length are filled in
 *	ike_codec_emit_sa(&o, &sa);
 *	ike_codec_emit_vid(&o, vid, sizeof(vid));
 *	if (!ike_codec_emit_finish(&o)) ... too big or invalid ...
 *	send(cursor_out_data(&o), cursor_out_len(&o));
 *
 * Each emitter appends one payload and chains it to the previous one; each
 * returns false (and leaves the builder in error) when the buffer is too
 * small or the input cannot be encoded.  To encrypt, write the payloads,
 * pad, encrypt cursor_out_window(&o, o.msg_at + 28, ...) in place, then
 * finish.
 */
bool ike_codec_emit_header(struct cursor_out *o, const struct ike_hdr *hdr);
bool ike_codec_emit_sa(struct cursor_out *o, const struct ike_sa *sa);
bool ike_codec_emit_ke(struct cursor_out *o, const uint8_t *ke, size_t len);
bool ike_codec_emit_nonce(struct cursor_out *o, const uint8_t *nonce, size_t len);
bool ike_codec_emit_hash(struct cursor_out *o, const uint8_t *hash, size_t len);
/* A HASH payload of len zero bytes; *at gets where to patch the hash later. */
bool ike_codec_emit_hash_placeholder(struct cursor_out *o, size_t len, size_t *at);
bool ike_codec_emit_sig(struct cursor_out *o, const uint8_t *sig, size_t len);
bool ike_codec_emit_vid(struct cursor_out *o, const uint8_t *vid, size_t len);
bool ike_codec_emit_id(struct cursor_out *o, const struct ike_id_payload *id);
bool ike_codec_emit_cert(struct cursor_out *o, const struct ike_cert_payload *cert);
bool ike_codec_emit_certreq(struct cursor_out *o, const struct ike_cert_payload *cr);
bool ike_codec_emit_notify(struct cursor_out *o, const struct ike_notify *n);
/* nspis SPIs of spi_size octets each, back to back in spis. */
bool ike_codec_emit_delete(struct cursor_out *o, uint8_t protocol, uint8_t spi_size,
			   const uint8_t *spis, uint16_t nspis);
/* Patch the header's length field; false if anything failed on the way. */
bool ike_codec_emit_finish(struct cursor_out *o);

/*
 * For the codec's own files: format a reason into the per-thread buffer and
 * return it.
 */
const char *ike_codec_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Check p is of the given type and pull its fixed part (size bytes) into fixed. */
const char *ike_codec_expect(const struct ike_payload *p, unsigned type, struct cursor *c,
			     void *fixed, size_t size);

#endif /* PLUTO_IKE_CODEC_H */
