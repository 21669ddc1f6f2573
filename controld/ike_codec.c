/*
 * ISAKMP message parsing: the header, the payload chain, and the bodies of
 * every payload but SA (ike_codec_sa.c).  Emitting: ike_codec_emit.c.
 *
 * Tolerances, on purpose: a non-zero RESERVED octet in a generic header is
 * accepted and counted (RFC 2408 says MUST be zero; peers have been seen to
 * get it wrong, and it carries nothing); datagram bytes past the header's
 * length field are ignored and counted; notifications and deletes with
 * DOI 0 are accepted as well as DOI IPsec.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pluto/isakmp.h"

#include "ike_codec.h"
#include "ike_cursor.h"

static _Thread_local char reason_buf[256];

const char *ike_codec_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason_buf, sizeof(reason_buf), fmt, ap);
	va_end(ap);
	return reason_buf;
}

const char *ike_codec_expect(const struct ike_payload *p, unsigned type, struct cursor *c,
			     void *fixed, size_t size)
{
	if (p->type != type)
		return ike_codec_reason("payload %u is %s, not %s", p->index,
					isakmp_payload_name(p->type), isakmp_payload_name(type));
	*c = p->pbs;
	if (!cursor_pull(c, fixed, size))
		return ike_codec_reason(
			"payload %u (%s): %zu bytes, shorter than its fixed part (%zu)", p->index,
			isakmp_payload_name(type), cursor_left(c), size);
	return NULL;
}

static void reset_payloads(struct ike_digest *d)
{
	unsigned t;

	d->npayloads = 0;
	d->padding = 0;
	d->nonzero_reserved = 0;
	for (t = 0; t < ISAKMP_NEXT_ROOF; t++) {
		d->first[t] = -1;
		d->last[t] = -1;
		d->count[t] = 0;
	}
}

const char *ike_codec_parse_header(struct ike_digest *d, const uint8_t *pkt, size_t len)
{
	struct isakmp_hdr h;
	struct cursor c;

	memset(d, 0, sizeof(*d));
	reset_payloads(d);
	cursor_init(&c, pkt, len);
	if (!cursor_pull(&c, &h, sizeof(h)))
		return ike_codec_reason(
			"message of %zu bytes is shorter than an ISAKMP header (%zu)", len,
			sizeof(h));
	memcpy(d->hdr.icookie, h.icookie, sizeof(h.icookie));
	memcpy(d->hdr.rcookie, h.rcookie, sizeof(h.rcookie));
	d->hdr.np = h.np;
	d->hdr.major = h.version >> 4;
	d->hdr.minor = h.version & 0x0f;
	d->hdr.xchg = h.xchg;
	d->hdr.flags = h.flags;
	d->hdr.msgid = ntohl(h.msgid);
	d->hdr.length = ntohl(h.length);

	if (d->hdr.major != ISAKMP_MAJOR_VERSION)
		return ike_codec_reason("ISAKMP major version %u not supported (IKEv1 only)",
					d->hdr.major);
	if (d->hdr.minor != ISAKMP_MINOR_VERSION)
		return ike_codec_reason("ISAKMP minor version %u not supported", d->hdr.minor);
	if (d->hdr.flags & ~ISAKMP_FLAGS_KNOWN)
		return ike_codec_reason("unknown header flags 0x%02x", d->hdr.flags);
	if (d->hdr.length < sizeof(h))
		return ike_codec_reason("header length %u shorter than the header (%zu)",
					d->hdr.length, sizeof(h));
	if (d->hdr.length > len)
		return ike_codec_reason("header length %u larger than the %zu bytes received",
					d->hdr.length, len);

	d->trailing = len - d->hdr.length;
	cursor_init(&c, pkt, d->hdr.length);
	if (!cursor_bytes(&c, sizeof(h), &d->msg.ptr))
		return ike_codec_reason("internal: header vanished");
	d->msg.len = d->hdr.length;
	cursor_rest(&c, &d->body.ptr, &d->body.len);
	return NULL;
}

/*
 * The fixed part of each payload allowed at message level; 0 for types
 * that are not.
 */
static size_t payload_min_len(unsigned type)
{
	switch (type) {
	case ISAKMP_NEXT_SA:
		return sizeof(struct isakmp_sa);
	case ISAKMP_NEXT_ID:
		return sizeof(struct isakmp_id);
	case ISAKMP_NEXT_CERT:
		return sizeof(struct isakmp_cert);
	case ISAKMP_NEXT_CR:
		return sizeof(struct isakmp_certreq);
	case ISAKMP_NEXT_N:
		return sizeof(struct isakmp_notification);
	case ISAKMP_NEXT_D:
		return sizeof(struct isakmp_delete);
	case ISAKMP_NEXT_KE:
	case ISAKMP_NEXT_HASH:
	case ISAKMP_NEXT_SIG:
	case ISAKMP_NEXT_NONCE:
	case ISAKMP_NEXT_VID:
	case ISAKMP_NEXT_NATD:
	case ISAKMP_NEXT_NATOA:
		return sizeof(struct isakmp_generic);
	default:
		return 0;
	}
}

static const char *bad_type(unsigned n, unsigned type)
{
	if (type == ISAKMP_NEXT_P || type == ISAKMP_NEXT_T)
		return ike_codec_reason("payload %u: %s not allowed outside an SA payload", n,
					isakmp_payload_name(type));
	return ike_codec_reason("payload %u: unknown payload type %u", n, type);
}

/* Append payload index i to the per-type list. */
static void link_payload(struct ike_digest *d, int i)
{
	unsigned type = d->payloads[i].type;

	if (d->last[type] >= 0)
		d->payloads[d->last[type]].next = i;
	else
		d->first[type] = i;
	d->last[type] = i;
	d->count[type]++;
}

/* Check and record the payload of the given type at c; *np gets its next payload. */
static const char *walk_one(struct ike_digest *d, struct cursor *c, unsigned type, unsigned *np)
{
	unsigned n = d->npayloads + 1;
	const char *name = isakmp_payload_name(type);
	struct isakmp_generic gen;
	struct ike_payload *p;
	struct cursor body;
	size_t min, len;

	if (d->npayloads == IKE_MAX_PAYLOADS)
		return ike_codec_reason("more than %d payloads", IKE_MAX_PAYLOADS);
	min = payload_min_len(type);
	if (min == 0)
		return bad_type(n, type);
	if (!cursor_peek(c, &gen, sizeof(gen)))
		return ike_codec_reason(
			"payload %u (%s): %zu bytes left, too few for a payload header", n, name,
			cursor_left(c));
	len = ntohs(gen.length);
	if (len < sizeof(gen))
		return ike_codec_reason("payload %u (%s): length %zu shorter than its header", n,
					name, len);
	if (len < min)
		return ike_codec_reason(
			"payload %u (%s): length %zu shorter than its fixed part (%zu)", n, name,
			len, min);
	p = &d->payloads[d->npayloads];
	if (!cursor_sub(c, len, &p->pbs))
		return ike_codec_reason("payload %u (%s): length %zu runs past the end of the "
					"message (%zu bytes left)",
					n, name, len, cursor_left(c));
	body = p->pbs;
	if (!cursor_skip(&body, sizeof(gen)))
		return ike_codec_reason("internal: payload %u header vanished", n);
	cursor_rest(&body, &p->body.ptr, &p->body.len);
	p->type = type;
	p->np = gen.np;
	p->index = n;
	p->next = -1;
	if (gen.reserved != 0)
		d->nonzero_reserved++;
	link_payload(d, (int)d->npayloads);
	d->npayloads++;
	*np = gen.np;
	return NULL;
}

const char *ike_codec_parse_payloads(struct ike_digest *d, const uint8_t *body, size_t len)
{
	unsigned np = d->hdr.np;
	struct cursor c;
	const char *err;

	reset_payloads(d);
	cursor_init(&c, body, len);
	while (np != ISAKMP_NEXT_NONE) {
		err = walk_one(d, &c, np, &np);
		if (err != NULL)
			return err;
	}
	if (cursor_left(&c) > 0) {
		if (!(d->hdr.flags & ISAKMP_FLAG_ENCRYPTION))
			return ike_codec_reason("%zu bytes after the last payload",
						cursor_left(&c));
		d->padding = cursor_left(&c);
	}
	return NULL;
}

const char *ike_codec_parse_message(struct ike_digest *d, const uint8_t *pkt, size_t len)
{
	const char *err = ike_codec_parse_header(d, pkt, len);

	if (err != NULL)
		return err;
	if (d->hdr.flags & ISAKMP_FLAG_ENCRYPTION)
		return ike_codec_reason("message is encrypted: decrypt the body first");
	return ike_codec_parse_payloads(d, d->body.ptr, d->body.len);
}

const struct ike_payload *ike_digest_first(const struct ike_digest *d, unsigned type)
{
	if (type >= ISAKMP_NEXT_ROOF || d->first[type] < 0)
		return NULL;
	return &d->payloads[d->first[type]];
}

const struct ike_payload *ike_digest_next(const struct ike_digest *d, const struct ike_payload *p)
{
	if (p->next < 0 || (unsigned)p->next >= d->npayloads)
		return NULL;
	return &d->payloads[p->next];
}

/* --- bodies with opaque data -------------------------------------------------- */

/* The data of a payload that is a generic header and opaque bytes, min..max long. */
static const char *opaque(const struct ike_payload *p, unsigned type, size_t min, size_t max,
			  struct ike_chunk *out)
{
	struct isakmp_generic gen;
	struct cursor c;
	const char *err = ike_codec_expect(p, type, &c, &gen, sizeof(gen));

	if (err != NULL)
		return err;
	cursor_rest(&c, &out->ptr, &out->len);
	if (max == SIZE_MAX && out->len < min)
		return ike_codec_reason("payload %u (%s): empty", p->index,
					isakmp_payload_name(type));
	if (out->len < min || out->len > max)
		return ike_codec_reason("payload %u (%s): %zu bytes of data, not %zu to %zu",
					p->index, isakmp_payload_name(type), out->len, min, max);
	return NULL;
}

const char *ike_codec_parse_ke(const struct ike_payload *p, struct ike_chunk *ke)
{
	return opaque(p, ISAKMP_NEXT_KE, 1, SIZE_MAX, ke);
}

const char *ike_codec_parse_nonce(const struct ike_payload *p, struct ike_chunk *nonce)
{
	return opaque(p, ISAKMP_NEXT_NONCE, ISAKMP_NONCE_MIN, ISAKMP_NONCE_MAX, nonce);
}

const char *ike_codec_parse_hash(const struct ike_payload *p, struct ike_chunk *hash)
{
	return opaque(p, ISAKMP_NEXT_HASH, 1, SIZE_MAX, hash);
}

const char *ike_codec_parse_sig(const struct ike_payload *p, struct ike_chunk *sig)
{
	return opaque(p, ISAKMP_NEXT_SIG, 1, SIZE_MAX, sig);
}

const char *ike_codec_parse_vid(const struct ike_payload *p, struct ike_chunk *vid)
{
	return opaque(p, ISAKMP_NEXT_VID, 0, SIZE_MAX, vid);
}

/* --- identification -------------------------------------------------------- */

/* Is the mask in c (the rest of it) a run of ones then zeros? */
static bool contiguous_mask(struct cursor *c)
{
	bool ended = false;
	uint8_t b;

	while (cursor_u8(c, &b)) {
		uint8_t inv = (uint8_t)~b;

		if (ended && b != 0)
			return false;
		if ((inv & (uint8_t)(inv + 1)) != 0)
			return false;
		if (b != 0xff)
			ended = true;
	}
	return true;
}

/* Data length an ID type needs: exactly *len, or at least 1 when *exact is false. */
static bool id_data_len(unsigned type, size_t *len, bool *exact)
{
	*exact = true;
	switch (type) {
	case ISAKMP_ID_IPV4_ADDR:
		*len = 4;
		return true;
	case ISAKMP_ID_IPV6_ADDR:
		*len = 16;
		return true;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		*len = 8;
		return true;
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		*len = 32;
		return true;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
	case ISAKMP_ID_DER_ASN1_DN:
	case ISAKMP_ID_DER_ASN1_GN:
	case ISAKMP_ID_KEY_ID:
		*exact = false;
		*len = 1;
		return true;
	default:
		return false;
	}
}

const char *ike_codec_parse_id(const struct ike_payload *p, struct ike_id_payload *id)
{
	struct isakmp_id w;
	struct cursor c, mask;
	const char *err = ike_codec_expect(p, ISAKMP_NEXT_ID, &c, &w, sizeof(w));
	const char *name;
	size_t need;
	bool exact;

	if (err != NULL)
		return err;
	id->type = w.type;
	id->protocol = w.protocol;
	id->port = ntohs(w.port);
	mask = c;
	cursor_rest(&c, &id->data.ptr, &id->data.len);
	name = isakmp_id_type_name(w.type);
	if (!id_data_len(w.type, &need, &exact))
		return ike_codec_reason("ID payload %u: unknown ID type %u", p->index, w.type);
	if (exact && id->data.len != need)
		return ike_codec_reason("ID payload %u: %s needs %zu bytes of data, not %zu",
					p->index, name, need, id->data.len);
	if (!exact && id->data.len < need)
		return ike_codec_reason("ID payload %u: empty %s", p->index, name);
	if (w.type == ISAKMP_ID_IPV4_ADDR_SUBNET || w.type == ISAKMP_ID_IPV6_ADDR_SUBNET) {
		if (!cursor_skip(&mask, need / 2) || !contiguous_mask(&mask))
			return ike_codec_reason("ID payload %u: %s mask is not contiguous",
						p->index, name);
	}
	return NULL;
}

/* --- certificates ------------------------------------------------------------ */

static const char *cert_like(const struct ike_payload *p, unsigned type, bool need_data,
			     struct ike_cert_payload *cert)
{
	struct isakmp_cert w;
	struct cursor c;
	const char *err = ike_codec_expect(p, type, &c, &w, sizeof(w));

	if (err != NULL)
		return err;
	cert->encoding = w.encoding;
	cursor_rest(&c, &cert->data.ptr, &cert->data.len);
	if (need_data && cert->data.len == 0)
		return ike_codec_reason("CERT payload %u: empty certificate", p->index);
	return NULL;
}

const char *ike_codec_parse_cert(const struct ike_payload *p, struct ike_cert_payload *cert)
{
	return cert_like(p, ISAKMP_NEXT_CERT, true, cert);
}

const char *ike_codec_parse_certreq(const struct ike_payload *p, struct ike_cert_payload *cr)
{
	return cert_like(p, ISAKMP_NEXT_CR, false, cr);
}

/* --- notification and delete -------------------------------------------- */

const char *ike_codec_parse_notify(const struct ike_payload *p, struct ike_notify *n)
{
	struct isakmp_notification w;
	struct cursor c;
	const char *err = ike_codec_expect(p, ISAKMP_NEXT_N, &c, &w, sizeof(w));

	if (err != NULL)
		return err;
	memset(n, 0, sizeof(*n));
	n->doi = ntohl(w.doi);
	n->protocol = w.protocol;
	n->spi_size = w.spi_size;
	n->type = ntohs(w.type);
	if (n->doi != ISAKMP_DOI_ISAKMP && n->doi != ISAKMP_DOI_IPSEC)
		return ike_codec_reason("N payload %u: DOI %u not supported", p->index, n->doi);
	if (n->spi_size > IKE_SPI_MAX)
		return ike_codec_reason("N payload %u: SPI size %u larger than %d", p->index,
					n->spi_size, IKE_SPI_MAX);
	if (!cursor_pull(&c, n->spi, n->spi_size))
		return ike_codec_reason(
			"N payload %u: SPI of %u bytes runs past the payload (%zu bytes left)",
			p->index, n->spi_size, cursor_left(&c));
	cursor_rest(&c, &n->data.ptr, &n->data.len);
	return NULL;
}

/* Is spi_size right for protocol in a delete? */
static bool delete_spi_size_ok(unsigned protocol, unsigned spi_size)
{
	switch (protocol) {
	case ISAKMP_PROTO_ISAKMP:
		return spi_size == 2 * ISAKMP_COOKIE_SIZE;
	case ISAKMP_PROTO_AH:
	case ISAKMP_PROTO_ESP:
		return spi_size == 4;
	case ISAKMP_PROTO_IPCOMP:
		return spi_size == 2 || spi_size == 4;
	default:
		return false;
	}
}

const char *ike_codec_parse_delete(const struct ike_payload *p, struct ike_delete *del)
{
	struct isakmp_delete w;
	struct cursor c;
	const char *err = ike_codec_expect(p, ISAKMP_NEXT_D, &c, &w, sizeof(w));
	size_t need;

	if (err != NULL)
		return err;
	del->doi = ntohl(w.doi);
	del->protocol = w.protocol;
	del->spi_size = w.spi_size;
	del->nspis = ntohs(w.nspis);
	if (del->doi != ISAKMP_DOI_ISAKMP && del->doi != ISAKMP_DOI_IPSEC)
		return ike_codec_reason("D payload %u: DOI %u not supported", p->index, del->doi);
	if (w.protocol < ISAKMP_PROTO_ISAKMP || w.protocol > ISAKMP_PROTO_IPCOMP)
		return ike_codec_reason("D payload %u: unknown protocol ID %u", p->index,
					w.protocol);
	if (!delete_spi_size_ok(w.protocol, w.spi_size))
		return ike_codec_reason("D payload %u: SPI size %u invalid for %s", p->index,
					w.spi_size, isakmp_protocol_name(w.protocol));
	if (del->nspis == 0)
		return ike_codec_reason("D payload %u: no SPIs", p->index);
	need = (size_t)del->spi_size * del->nspis;
	if (cursor_left(&c) != need)
		return ike_codec_reason(
			"D payload %u: %u SPIs of %u bytes need %zu bytes, %zu present", p->index,
			del->nspis, del->spi_size, need, cursor_left(&c));
	if (!cursor_sub(&c, need, &del->spis))
		return ike_codec_reason("internal: D payload %u SPIs vanished", p->index);
	return NULL;
}
