/*
 * IKEv1 message encryption: CBC with 3DES or AES, no OpenSSL padding (RFC 2409
 * appendix B; IKEv1 pads the plaintext itself), through OpenSSL 3 EVP_CIPHER.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "crypto.h"

static const struct crypto_cipher_desc ciphers[] = {
	{OAKLEY_ENCR_3DES_CBC, "3des", 8, 24, 24, 24},
	{OAKLEY_ENCR_AES_CBC, "aes", 16, 16, 32, 16},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct crypto_cipher_desc *crypto_cipher_lookup(enum oakley_encr id)
{
	for (size_t i = 0; i < ARRAY_LEN(ciphers); i++) {
		if (ciphers[i].id == id)
			return &ciphers[i];
	}
	return NULL;
}

const struct crypto_cipher_desc *crypto_cipher_at(size_t i)
{
	return i < ARRAY_LEN(ciphers) ? &ciphers[i] : NULL;
}

const struct crypto_cipher_desc *crypto_cipher_by_name(const char *name)
{
	static const char *const aes_names[] = {"aes128", "aes192", "aes256", "aes_cbc"};

	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(ciphers); i++) {
		if (strcasecmp(ciphers[i].name, name) == 0)
			return &ciphers[i];
	}
	for (size_t i = 0; i < ARRAY_LEN(aes_names); i++) {
		if (strcasecmp(aes_names[i], name) == 0)
			return crypto_cipher_lookup(OAKLEY_ENCR_AES_CBC);
	}
	return NULL;
}

size_t crypto_cipher_blocksize(enum oakley_encr id)
{
	const struct crypto_cipher_desc *c = crypto_cipher_lookup(id);

	return c != NULL ? c->block : 0;
}

int crypto_cipher_keylen(enum oakley_encr id, unsigned int key_bits)
{
	switch (id) {
	case OAKLEY_ENCR_3DES_CBC:
		return key_bits == 0 || key_bits == 192 ? 24 : -EINVAL;
	case OAKLEY_ENCR_AES_CBC:
		if (key_bits == 128 || key_bits == 192 || key_bits == 256)
			return (int)(key_bits / 8);
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

/* The OpenSSL ciphers pluto uses for IKE, fetched once each. */
static struct {
	const char *name;
	struct crypto_fetched obj;
} cbc_ciphers[] = { { "DES-EDE3-CBC", { NULL } },
		    { "AES-128-CBC", { NULL } },
		    { "AES-192-CBC", { NULL } },
		    { "AES-256-CBC", { NULL } } };

/* cbc_ciphers' index for id with a keylen-byte key, or -1. */
static int cbc_index(enum oakley_encr id, size_t keylen)
{
	if (id == OAKLEY_ENCR_3DES_CBC)
		return keylen == 24 ? 0 : -1;
	if (id != OAKLEY_ENCR_AES_CBC)
		return -1;
	return keylen == 16 ? 1 : keylen == 24 ? 2 : keylen == 32 ? 3 : -1;
}

/* Run the cipher over buf in place; the caller has checked the lengths. */
static int cbc_run(EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *iv, uint8_t *buf,
		   size_t len, bool encrypt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, finl = 0;
	int ret = -EIO;

	if (ctx == NULL)
		return -ENOMEM;
	if (EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) != 1)
		goto cleanup;
	if (EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto cleanup;
	if (EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) != 1 || (size_t)outl != len)
		goto cleanup;
	if (EVP_CipherFinal_ex(ctx, buf + outl, &finl) != 1 || finl != 0)
		goto cleanup;
	ret = 0;
cleanup:
	/* Frees the key schedule, wiping it. */
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int crypto_cipher_cbc(enum oakley_encr id, const uint8_t *key, size_t keylen, uint8_t *iv,
		      uint8_t *buf, size_t len, bool encrypt)
{
	const struct crypto_cipher_desc *c = crypto_cipher_lookup(id);
	int i = cbc_index(id, keylen);
	uint8_t next_iv[CRYPTO_MAX_BLOCK];
	EVP_CIPHER *cipher;
	int ret;

	if (c == NULL || i < 0 || key == NULL || iv == NULL)
		return -EINVAL;
	if (len == 0 || len % c->block != 0 || len > (size_t)INT32_MAX || buf == NULL)
		return -EINVAL;
	cipher = crypto_fetch(&cbc_ciphers[i].obj, CRYPTO_FETCH_CIPHER, cbc_ciphers[i].name);
	if (cipher == NULL)
		return -EIO;
	/* Decrypting in place destroys the last ciphertext block: keep it first. */
	if (!encrypt)
		memcpy(next_iv, buf + len - c->block, c->block);
	ret = cbc_run(cipher, key, iv, buf, len, encrypt);
	if (ret != 0)
		return ret;
	if (encrypt)
		memcpy(next_iv, buf + len - c->block, c->block);
	memcpy(iv, next_iv, c->block);
	return 0;
}
