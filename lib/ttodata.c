/* ipsec_ttodata(3) forms, with OpenSSL doing the base64. */
#include "ttodata.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static const char *decode_hex(const char *s, uint8_t *dst, size_t cap, size_t *len)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		if (*s == '_') {
			/* a readability separator: single, between whole bytes */
			if (hi >= 0 || n == 0 || s[1] == '\0' || s[1] == '_')
				return "misplaced _ in hex data";
			continue;
		}
		int v = hexval((unsigned char)*s);
		if (v < 0)
			return "bad hex digit";
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return "hex data too long";
		dst[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return "odd number of hex digits";
	*len = n;
	return NULL;
}

static const char *decode_base64(const char *s, uint8_t *dst, size_t cap, size_t *len)
{
	size_t slen = strlen(s);
	/* every 4 characters decode to at most 3 bytes */
	if (slen / 4 * 3 > cap + 2)
		return "base64 data too long";
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '/' && *p != '=')
			return "bad base64 character";
	}
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	uint8_t *tmp = OPENSSL_malloc(slen + 4);
	const char *err = NULL;
	int out1 = 0, out2 = 0;

	if (ctx == NULL || tmp == NULL) {
		err = "out of memory";
		goto cleanup;
	}
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, tmp, &out1, (const unsigned char *)s, (int)slen) < 0 ||
	    EVP_DecodeFinal(ctx, tmp + out1, &out2) < 0) {
		err = "malformed base64 data";
		goto cleanup;
	}
	if ((size_t)(out1 + out2) > cap) {
		err = "base64 data too long";
		goto cleanup;
	}
	/* only the canonical encoding: unused bits of the last character must be zero */
	char *again = OPENSSL_malloc(slen + 8);
	if (again == NULL ||
	    datatot_base64(tmp, (size_t)(out1 + out2), again, slen + 8) != slen + 2 ||
	    strcmp(again + 2, s) != 0) {
		OPENSSL_free(again);
		err = "malformed base64 data (not canonical)";
		goto cleanup;
	}
	OPENSSL_free(again);
	memcpy(dst, tmp, (size_t)(out1 + out2));
	*len = (size_t)(out1 + out2);
cleanup:
	if (tmp != NULL)
		OPENSSL_clear_free(tmp, slen + 4);
	EVP_ENCODE_CTX_free(ctx);
	return err;
}

const char *ttodata(const char *src, uint8_t *dst, size_t cap, size_t *len)
{
	if (src == NULL || src[0] != '0' || src[1] == '\0')
		return "data must start with 0x (hex), 0s (base64) or 0t (text)";
	const char *body = src + 2;
	if (*body == '\0')
		return "empty data after the 0x, 0s or 0t prefix";
	switch (src[1]) {
	case 'x':
	case 'X':
		return decode_hex(body, dst, cap, len);
	case 's':
	case 'S':
		return decode_base64(body, dst, cap, len);
	case 't':
	case 'T':
		if (strlen(body) > cap)
			return "text data too long";
		memcpy(dst, body, strlen(body));
		*len = strlen(body);
		return NULL;
	default:
		return "data must start with 0x (hex), 0s (base64) or 0t (text)";
	}
}

size_t datatot_base64(const uint8_t *src, size_t len, char *dst, size_t cap)
{
	size_t need = 2 + (len + 2) / 3 * 4 + 1;

	if (cap < need)
		return 0;
	dst[0] = '0';
	dst[1] = 's';
	int n = EVP_EncodeBlock((unsigned char *)dst + 2, src, (int)len);
	return (size_t)n + 2;
}
