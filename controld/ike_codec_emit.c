/*
 * Emitting ISAKMP messages: the header and every payload but SA
 * (ike_codec_sa.c).  Each payload is chained to the previous one through
 * the cursor's pending next-payload field; ike_codec_emit_finish() patches
 * the header length.
 */
#include <stddef.h>
#include <string.h>

#include "pluto/isakmp.h"

#include "ike_codec.h"
#include "ike_cursor.h"

bool ike_codec_emit_header(struct cursor_out *o, const struct ike_hdr *hdr)
{
	size_t at = cursor_out_len(o);

	if (!cursor_out_bytes(o, hdr->icookie, sizeof(hdr->icookie)) ||
	    !cursor_out_bytes(o, hdr->rcookie, sizeof(hdr->rcookie)) ||
	    !cursor_out_u8(o, ISAKMP_NEXT_NONE) || !cursor_out_u8(o, ISAKMP_VERSION) ||
	    !cursor_out_u8(o, hdr->xchg) || !cursor_out_u8(o, hdr->flags) ||
	    !cursor_out_u32(o, hdr->msgid) || !cursor_out_u32(o, 0))
		return false;
	o->msg_at = at;
	cursor_out_set_np(o, at + offsetof(struct isakmp_hdr, np));
	return true;
}

bool ike_codec_emit_finish(struct cursor_out *o)
{
	size_t len;

	if (!cursor_out_ok(o) || o->msg_at == CURSOR_OUT_NONE)
		return cursor_out_fail(o);
	len = cursor_out_len(o) - o->msg_at;
	if (len > UINT32_MAX)
		return cursor_out_fail(o);
	return cursor_out_patch_u32(o, o->msg_at + offsetof(struct isakmp_hdr, length),
				    (uint32_t)len);
}

/* A payload that is a generic header and opaque data. */
static bool emit_opaque(struct cursor_out *o, uint8_t type, const uint8_t *data, size_t len)
{
	struct cursor_out_payload p;

	return cursor_out_start_payload(o, type, &p) && cursor_out_bytes(o, data, len) &&
	       cursor_out_end_payload(o, &p);
}

bool ike_codec_emit_ke(struct cursor_out *o, const uint8_t *ke, size_t len)
{
	return emit_opaque(o, ISAKMP_NEXT_KE, ke, len);
}

bool ike_codec_emit_nonce(struct cursor_out *o, const uint8_t *nonce, size_t len)
{
	if (len < ISAKMP_NONCE_MIN || len > ISAKMP_NONCE_MAX)
		return cursor_out_fail(o);
	return emit_opaque(o, ISAKMP_NEXT_NONCE, nonce, len);
}

bool ike_codec_emit_hash(struct cursor_out *o, const uint8_t *hash, size_t len)
{
	return emit_opaque(o, ISAKMP_NEXT_HASH, hash, len);
}

bool ike_codec_emit_hash_placeholder(struct cursor_out *o, size_t len, size_t *at)
{
	struct cursor_out_payload p;

	return cursor_out_start_payload(o, ISAKMP_NEXT_HASH, &p) &&
	       cursor_out_reserve(o, len, at) && cursor_out_end_payload(o, &p);
}

bool ike_codec_emit_sig(struct cursor_out *o, const uint8_t *sig, size_t len)
{
	return emit_opaque(o, ISAKMP_NEXT_SIG, sig, len);
}

bool ike_codec_emit_vid(struct cursor_out *o, const uint8_t *vid, size_t len)
{
	return emit_opaque(o, ISAKMP_NEXT_VID, vid, len);
}

bool ike_codec_emit_id(struct cursor_out *o, const struct ike_id_payload *id)
{
	struct cursor_out_payload p;

	return cursor_out_start_payload(o, ISAKMP_NEXT_ID, &p) && cursor_out_u8(o, id->type) &&
	       cursor_out_u8(o, id->protocol) && cursor_out_u16(o, id->port) &&
	       cursor_out_bytes(o, id->data.ptr, id->data.len) && cursor_out_end_payload(o, &p);
}

static bool emit_cert_like(struct cursor_out *o, uint8_t type, const struct ike_cert_payload *c)
{
	struct cursor_out_payload p;

	return cursor_out_start_payload(o, type, &p) && cursor_out_u8(o, c->encoding) &&
	       cursor_out_bytes(o, c->data.ptr, c->data.len) && cursor_out_end_payload(o, &p);
}

bool ike_codec_emit_cert(struct cursor_out *o, const struct ike_cert_payload *cert)
{
	return emit_cert_like(o, ISAKMP_NEXT_CERT, cert);
}

bool ike_codec_emit_certreq(struct cursor_out *o, const struct ike_cert_payload *cr)
{
	return emit_cert_like(o, ISAKMP_NEXT_CR, cr);
}

bool ike_codec_emit_notify(struct cursor_out *o, const struct ike_notify *n)
{
	struct cursor_out_payload p;

	if (n->spi_size > IKE_SPI_MAX)
		return cursor_out_fail(o);
	return cursor_out_start_payload(o, ISAKMP_NEXT_N, &p) && cursor_out_u32(o, n->doi) &&
	       cursor_out_u8(o, n->protocol) && cursor_out_u8(o, n->spi_size) &&
	       cursor_out_u16(o, n->type) && cursor_out_bytes(o, n->spi, n->spi_size) &&
	       cursor_out_bytes(o, n->data.ptr, n->data.len) && cursor_out_end_payload(o, &p);
}

bool ike_codec_emit_delete(struct cursor_out *o, uint8_t protocol, uint8_t spi_size,
			   const uint8_t *spis, uint16_t nspis)
{
	struct cursor_out_payload p;

	if (nspis == 0 || spi_size == 0)
		return cursor_out_fail(o);
	return cursor_out_start_payload(o, ISAKMP_NEXT_D, &p) &&
	       cursor_out_u32(o, ISAKMP_DOI_IPSEC) && cursor_out_u8(o, protocol) &&
	       cursor_out_u8(o, spi_size) && cursor_out_u16(o, nspis) &&
	       cursor_out_bytes(o, spis, (size_t)spi_size * nspis) && cursor_out_end_payload(o, &p);
}
