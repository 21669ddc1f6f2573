/*
 * Known-answer data for test_crypto.c.  All values hex.
 *
 *   HMAC   RFC 2202 (MD5, SHA-1) and RFC 4231 (SHA-2) test cases
 *   hash   FIPS 180 / RFC 1321 "abc" examples
 *   CBC    NIST SP 800-38A F.2.1, F.2.3, F.2.5 (AES-128/192/256-CBC encrypt);
 *          NIST CAVP TDES MMT (TCBCMMT) examples 1 and 2, as strongSwan's test_vectors
 *          plugin (3des_cbc.c) reproduces them
 *   ECDH   RFC 5114 appendix A test data for the 256- and 384-bit random ECP groups
 *          (x | y public values and x-only secret, IKE format), as strongSwan's ecp.c
 *   X25519 RFC 7748 section 6.1 and RFC 8031 appendix A, as strongSwan's curve25519.c
 */
#ifndef KAT_CRYPTO_H
#define KAT_CRYPTO_H

#include <stddef.h>

#include "pluto/ike_alg.h"

struct kat_hmac {
	const char *source;
	enum oakley_hash hash;
	const char *key;	/* hex */
	size_t key_repeat;	/* key is this byte repeated, when key is NULL */
	unsigned char key_byte;
	const char *data;	/* text */
	size_t data_repeat;	/* data is this byte repeated, when data is NULL */
	unsigned char data_byte;
	const char *mac;
};

#define HI_THERE "Hi There"
#define JEFE_DATA "what do ya want for nothing?"
#define BIG_KEY_DATA "Test Using Larger Than Block-Size Key - Hash Key First"

static const struct kat_hmac kat_hmacs[] = {
	{ "RFC 2202 MD5 1", OAKLEY_HASH_MD5, NULL, 16, 0x0b, HI_THERE, 0, 0,
	  "9294727a3638bb1c13f48ef8158bfc9d" },
	{ "RFC 2202 MD5 2", OAKLEY_HASH_MD5, "4a656665", 0, 0, JEFE_DATA, 0, 0,
	  "750c783e6ab0b503eaa86e310a5db738" },
	{ "RFC 2202 MD5 6", OAKLEY_HASH_MD5, NULL, 80, 0xaa, BIG_KEY_DATA, 0, 0,
	  "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd" },
	{ "RFC 2202 SHA-1 1", OAKLEY_HASH_SHA1, NULL, 20, 0x0b, HI_THERE, 0, 0,
	  "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ "RFC 2202 SHA-1 2", OAKLEY_HASH_SHA1, "4a656665", 0, 0, JEFE_DATA, 0, 0,
	  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ "RFC 2202 SHA-1 3", OAKLEY_HASH_SHA1, NULL, 20, 0xaa, NULL, 50, 0xdd,
	  "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ "RFC 2202 SHA-1 6", OAKLEY_HASH_SHA1, NULL, 80, 0xaa, BIG_KEY_DATA, 0, 0,
	  "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ "RFC 4231 SHA-256 1", OAKLEY_HASH_SHA2_256, NULL, 20, 0x0b, HI_THERE, 0, 0,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "RFC 4231 SHA-256 3", OAKLEY_HASH_SHA2_256, NULL, 20, 0xaa, NULL, 50, 0xdd,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "RFC 4231 SHA-256 6", OAKLEY_HASH_SHA2_256, NULL, 131, 0xaa, BIG_KEY_DATA, 0, 0,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ "RFC 4231 SHA-384 1", OAKLEY_HASH_SHA2_384, NULL, 20, 0x0b, HI_THERE, 0, 0,
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6" },
	{ "RFC 4231 SHA-384 3", OAKLEY_HASH_SHA2_384, NULL, 20, 0xaa, NULL, 50, 0xdd,
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27" },
	{ "RFC 4231 SHA-512 1", OAKLEY_HASH_SHA2_512, NULL, 20, 0x0b, HI_THERE, 0, 0,
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "RFC 4231 SHA-512 3", OAKLEY_HASH_SHA2_512, NULL, 20, 0xaa, NULL, 50, 0xdd,
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
};

struct kat_digest {
	enum oakley_hash hash;
	const char *digest;	/* of "abc" */
};

static const struct kat_digest kat_digests[] = {
	{ OAKLEY_HASH_MD5, "900150983cd24fb0d6963f7d28e17f72" },
	{ OAKLEY_HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ OAKLEY_HASH_SHA2_256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
};

struct kat_cbc {
	const char *source;
	enum oakley_encr id;
	const char *key, *iv, *plain, *cipher;
};

#define SP800_38A_PLAIN                                                      \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define SP800_38A_IV "000102030405060708090a0b0c0d0e0f"

static const struct kat_cbc kat_cbcs[] = {
	{ "SP 800-38A F.2.1 CBC-AES128.Encrypt", OAKLEY_ENCR_AES_CBC,
	  "2b7e151628aed2a6abf7158809cf4f3c", SP800_38A_IV, SP800_38A_PLAIN,
	  "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	  "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7" },
	{ "SP 800-38A F.2.3 CBC-AES192.Encrypt", OAKLEY_ENCR_AES_CBC,
	  "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", SP800_38A_IV, SP800_38A_PLAIN,
	  "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	  "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd" },
	{ "SP 800-38A F.2.5 CBC-AES256.Encrypt", OAKLEY_ENCR_AES_CBC,
	  "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", SP800_38A_IV,
	  SP800_38A_PLAIN,
	  "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	  "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b" },
	{ "CAVP TCBCMMT example 1", OAKLEY_ENCR_3DES_CBC,
	  "627f460e08104a1043cd265d5840eaf1313edf97df2a8a8c", "8e29f75ea77e5475",
	  "326a494cd33fe756", "b22b8d66de970692" },
	{ "CAVP TCBCMMT example 2", OAKLEY_ENCR_3DES_CBC,
	  "37ae5ebf46dff2dc0754b94f31cbb3855e7fd36dc870bfae", "3d1de3cc132e3b65",
	  "84401f78fe6c10876d8ea23094ea5309", "7b1f7c7e3b1c948ebd04a75ffba7d2f5" },
};

/* Key agreement with fixed private values: initiator i, responder r. */
struct kat_dh {
	const char *source;
	enum oakley_group group;
	const char *priv_i, *pub_i, *priv_r, *pub_r, *shared;
};

static const struct kat_dh kat_dhs[] = {
	{ "RFC 5114 A.6 256-bit random ECP group", OAKLEY_GROUP_ECP256,
	  "814264145f2f56f2e96a8e337a1284993faf432a5abce59e867b7291d507a3af",
	  "2af502f3be8952f2c9b5a8d4160d09e97165be50bc42ae4a5e8d3b4ba83aeb15"
	  "eb0faf4ca986c4d38681a0f9872d79d56795bd4bff6e6de3c0f5015ece5efd85",
	  "2ce1788ec197e096db95a200cc0ab26a19ce6bccad562b8eee1b593761cf7f41",
	  "b120de4aa36492795346e8de6c2c8646ae06aaea279fa775b3ab0715f6ce51b0"
	  "9f1b7eece20d7b5ed8ec685fa3f071d83727027092a8411385c34dde5708b2b6",
	  "dd0f5396219d1ea393310412d19a08f1f5811e9dc8ec8eea7f80d21c820c2788" },
	{ "RFC 5114 A.7 384-bit random ECP group", OAKLEY_GROUP_ECP384,
	  "d27335ea71664af244dd14e9fd1260715dfd8a7965571c48d709ee7a7962a156"
	  "d706a90cbcb5df2986f05feadb9376f1",
	  "793148f1787634d5da4c6d9074417d05e057ab62f82054d10ee6b0403d627954"
	  "7e6a8ea9d1fd77427d016fe27a8b8c66c6c41294331d23e6f480f4fb4cd40504"
	  "c947392e94f4c3f06b8f398bb29e42368f7a685923de3b67baced214a1a1d128",
	  "52d1791fdb4b70f89c0f00d456c2f7023b6125262c36a7df1f80231121cce3d3"
	  "9be52e00c194a4132c4a6c768bcd94d2",
	  "5cd42ab9c41b5347f74b8d4efb708b3d5b36db65915359b44abc17647b6b9999"
	  "789d72a84865ae2f223f12b5a1abc120e171458feaa939aaa3a8bfac46b404bd"
	  "8f6d5b348c0fa4d80ceca16356ca933240bde8723415a8ece035b0edf36755de",
	  "5ea1fc4af7256d2055981b110575e0a8cae53160137d904c59d926eb1b8456e4"
	  "27aa8a4540884c37de159a58028abc0e" },
	{ "RFC 7748 6.1 X25519", OAKLEY_GROUP_CURVE25519,
	  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ "RFC 8031 appendix A X25519", OAKLEY_GROUP_CURVE25519,
	  "751fb4308655b476b6789b7325f9ea8cddd16a58533ff6d9e60009464a5f9d94",
	  "48d5ddd4061257ba166fa3f9bbdb74f1a4e81c089384fa77f790709f0dfbc766",
	  "0a54645253290d60ddadd0e030bacd9e5501efdc220755a1e978f1b839a05688",
	  "0be7c1f5aad87d7e448662673298a443478b859745179eaf564c79c0ef6eee25",
	  "c74950607a12327f3204d94b6825bfb068b7f8319a9e3708ed3d43ce8130c950" },
};

#endif /* KAT_CRYPTO_H */
