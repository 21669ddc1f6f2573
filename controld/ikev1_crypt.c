/*
 * Encryption of IKEv1 message bodies (RFC 2409 appendix B).  Phase 1 runs one CBC chain
 * across the encrypted Main Mode messages of both directions: the IV of each message is
 * the last ciphertext block of the previous one, whoever sent it.  Each Quick Mode and
 * Informational exchange starts its own chain from hash(last phase 1 block | M-ID).
 * Padding is zeros (pluto's choice); any padding is accepted on input.
 */
#include <string.h>

#include "ikev1_sa.h"
#include "log.h"

size_t ikev1_blocksize(const struct ikev1_sa *isakmp)
{
	return crypto_cipher_blocksize(isakmp->p1.encr);
}

bool ikev1_encrypt_finish(struct cursor_out *o, uint16_t encr, const uint8_t *key,
			  size_t keylen, uint8_t *iv)
{
	size_t bs = crypto_cipher_blocksize(encr);
	size_t body_at = o->msg_at + sizeof(struct isakmp_hdr);

	if (bs == 0 || !cursor_out_ok(o) || o->msg_at == CURSOR_OUT_NONE ||
	    cursor_out_len(o) < body_at)
		return cursor_out_fail(o);
	size_t body_len = cursor_out_len(o) - body_at;
	size_t pad = (bs - body_len % bs) % bs;
	if (!cursor_out_zeros(o, pad))
		return false;
	body_len += pad;
	uint8_t *w = cursor_out_window(o, body_at, body_len);
	if (w == NULL || body_len == 0 ||
	    crypto_cipher_cbc(encr, key, keylen, iv, w, body_len, true) < 0)
		return cursor_out_fail(o);
	return ike_codec_emit_finish(o);
}

const char *ikev1_decrypt(uint16_t encr, const uint8_t *key, size_t keylen, uint8_t *iv,
			  struct ike_chunk body, uint8_t *plain, size_t plain_size)
{
	size_t bs = crypto_cipher_blocksize(encr);

	if (bs == 0)
		return "no cipher negotiated";
	if (body.len == 0 || body.len % bs != 0)
		return "encrypted body is not a whole number of cipher blocks";
	if (body.len > plain_size)
		return "encrypted body too long";
	memcpy(plain, body.ptr, body.len);
	if (crypto_cipher_cbc(encr, key, keylen, iv, plain, body.len, false) < 0)
		return "decryption failed";
	return NULL;
}

bool ikev1_msgid_iv(const struct ikev1_sa *isakmp, uint32_t msgid, uint8_t *iv)
{
	size_t bs = ikev1_blocksize(isakmp);

	if (!isakmp->keyed || bs == 0)
		return false;
	return ikev1_kdf_phase2_iv(&isakmp->isakmp.kdf, isakmp->iv, bs, msgid, iv) == 0;
}
