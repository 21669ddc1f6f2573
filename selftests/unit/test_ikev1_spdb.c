/*
 * The IKEv1 engine's SA payloads and message encryption (controld/ikev1_spdb.c,
 * controld/ikev1_crypt.c): what the initiator proposes parses back into what the
 * configuration says; the responder picks the first transform of ITS list, refuses what
 * it was not configured for and lifetimes above the manual's maxima; encryption pads to
 * the block size and chains the IV through the last ciphertext block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ikev1_sa.h"
#include "pluto/ike_alg.h"

static void conn_init(struct connection *c, const char *ike, const char *esp, uint32_t policy)
{
	static struct alg_list lists[16][2]; /* enough for the connections one test has */
	static unsigned next;

	memset(c, 0, sizeof(*c));
	c->ike_algs = &lists[next % 16][0];
	c->esp_algs = &lists[next++ % 16][1];
	c->name = "t";
	c->policy = policy;
	c->ikelifetime = WHACK_DEFAULT_IKELIFETIME;
	c->ipseclifetime = WHACK_DEFAULT_IPSECLIFETIME;
	assert_null(alg_parse_ike(ike, c->ike_algs));
	assert_null(alg_parse_esp(esp, c->esp_algs));
}

static uint8_t msg[4096];
static struct ike_digest d;
static struct ike_sa_parsed ps;

/* Emit one SA payload in a message and parse it back into ps. */
static void roundtrip(const struct connection *c, bool phase2)
{
	static const uint8_t spi[4] = { 0x12, 0x34, 0x56, 0x78 };
	struct cursor_out o;
	struct ike_hdr h = { .icookie = { 1 }, .xchg = ISAKMP_XCHG_MAIN };

	cursor_out_init(&o, msg, sizeof(msg));
	assert_true(ike_codec_emit_header(&o, &h));
	if (phase2)
		assert_true(ikev1_spdb_emit_p2(&o, c, spi, OAKLEY_GROUP_MODP2048));
	else
		assert_true(ikev1_spdb_emit_p1(&o, c));
	assert_true(ike_codec_emit_finish(&o));
	assert_null(ike_codec_parse_message(&d, cursor_out_data(&o), cursor_out_len(&o)));
	assert_null(ike_codec_parse_sa(ike_digest_first(&d, ISAKMP_NEXT_SA), &ps));
}

static void test_p1_propose_and_select(void **state)
{
	struct connection ini, resp;
	struct ikev1_p1_alg a;
	const struct ike_proposal *p;
	const struct ike_transform *t;

	(void)state;
	conn_init(&ini, "aes128-sha2_256-modp2048,3des-sha1-modp1536", NULL, POLICY_PSK);
	roundtrip(&ini, false);
	assert_int_equal(ps.sa.nproposals, 1);
	assert_int_equal(ps.sa.proposals[0].protocol, ISAKMP_PROTO_ISAKMP);
	assert_int_equal(ps.sa.proposals[0].ntransforms, 2);
	/* the initiator itself accepts its first transform */
	assert_null(ikev1_spdb_select_p1(&ini, &ps.sa, &a, &p, &t));
	assert_int_equal(t->number, 1);
	assert_int_equal(a.encr, OAKLEY_ENCR_AES_CBC);
	assert_int_equal(a.keylen, 128);
	assert_int_equal(a.hash, OAKLEY_HASH_SHA2_256);
	assert_int_equal(a.group, OAKLEY_GROUP_MODP2048);
	assert_int_equal(a.auth, OAKLEY_AUTH_PSK);
	assert_int_equal(a.life, WHACK_DEFAULT_IKELIFETIME);
	/* a responder picks by ITS order: 3DES first, the initiator's transform #2 */
	conn_init(&resp, "3des-sha1-modp1536,aes128-sha2_256-modp2048", NULL, POLICY_PSK);
	assert_null(ikev1_spdb_select_p1(&resp, &ps.sa, &a, &p, &t));
	assert_int_equal(t->number, 2);
	assert_int_equal(a.encr, OAKLEY_ENCR_3DES_CBC);
	assert_int_equal(a.keylen, 0);
}

static void test_p1_refusals(void **state)
{
	struct connection ini, resp;
	struct ikev1_p1_alg a;
	const struct ike_proposal *p;
	const struct ike_transform *t;

	(void)state;
	conn_init(&ini, "aes128-sha2_256-modp2048", NULL, POLICY_PSK);
	roundtrip(&ini, false);
	/* nothing the configuration did not allow */
	conn_init(&resp, "aes256-sha2_256-modp2048,aes128-sha2_256-modp3072", NULL, POLICY_PSK);
	assert_non_null(ikev1_spdb_select_p1(&resp, &ps.sa, &a, &p, &t));
	/* the authentication method must be one the responder allows */
	conn_init(&resp, "aes128-sha2_256-modp2048", NULL, POLICY_RSASIG);
	assert_non_null(ikev1_spdb_select_p1(&resp, &ps.sa, &a, &p, &t));
	/* above the maximum ISAKMP SA lifetime (8 hours) */
	ini.ikelifetime = WHACK_MAX_IKELIFETIME + 1;
	roundtrip(&ini, false);
	conn_init(&resp, "aes128-sha2_256-modp2048", NULL, POLICY_PSK);
	assert_non_null(ikev1_spdb_select_p1(&resp, &ps.sa, &a, &p, &t));
	ini.ikelifetime = WHACK_MAX_IKELIFETIME;
	roundtrip(&ini, false);
	assert_null(ikev1_spdb_select_p1(&resp, &ps.sa, &a, &p, &t));
	assert_int_equal(a.life, WHACK_MAX_IKELIFETIME);
}

static void test_p1_both_auths(void **state)
{
	struct connection ini;

	(void)state;
	conn_init(&ini, "aes128-sha1-modp2048", NULL, POLICY_PSK | POLICY_RSASIG);
	roundtrip(&ini, false);
	assert_int_equal(ps.sa.proposals[0].ntransforms, 2);
	const struct ike_attr *a =
		ike_transform_attr(&ps.sa.proposals[0].transforms[0], OAKLEY_ATTR_AUTH_METHOD);
	assert_non_null(a);
	assert_int_equal(a->value, OAKLEY_AUTH_RSA_SIG);
}

static void test_p2_propose_and_select(void **state)
{
	struct connection ini, resp;
	struct ikev1_p2_alg a;
	const struct ike_proposal *p;
	const struct ike_transform *t;
	uint32_t pol = POLICY_PSK | POLICY_ENCRYPT | POLICY_TUNNEL | POLICY_PFS;

	(void)state;
	conn_init(&ini, NULL, "aes256-sha2_256,aes_gcm128", pol);
	roundtrip(&ini, true);
	assert_int_equal(ps.sa.nproposals, 1);
	assert_int_equal(ps.sa.proposals[0].protocol, ISAKMP_PROTO_ESP);
	assert_int_equal(ps.sa.proposals[0].spi_size, 4);
	assert_memory_equal(ps.sa.proposals[0].spi, "\x12\x34\x56\x78", 4);
	conn_init(&resp, NULL, "aes_gcm128,aes256-sha2_256", pol);
	assert_null(ikev1_spdb_select_p2(&resp, &ps.sa, OAKLEY_GROUP_MODP2048, &a, &p, &t));
	assert_int_equal(t->number, 2);
	assert_int_equal(a.transform, ESP_AES_GCM_16);
	assert_int_equal(a.group, OAKLEY_GROUP_MODP2048);
	assert_int_equal(a.encap, ISAKMP_ENCAP_TUNNEL);
	assert_int_equal(ikev1_esp_enc_keylen(&a), 16 + 4);
	assert_int_equal(ikev1_esp_auth_keylen(&a), 0);
	/* a responder without PFS, or in transport mode, refuses */
	conn_init(&resp, NULL, "aes256-sha2_256", pol & ~POLICY_PFS);
	assert_non_null(ikev1_spdb_select_p2(&resp, &ps.sa, OAKLEY_GROUP_MODP2048, &a, &p, &t));
	conn_init(&resp, NULL, "aes256-sha2_256", pol & ~POLICY_TUNNEL);
	assert_non_null(ikev1_spdb_select_p2(&resp, &ps.sa, OAKLEY_GROUP_MODP2048, &a, &p, &t));
	/* above the maximum IPsec SA lifetime (one day) */
	ini.ipseclifetime = WHACK_MAX_IPSECLIFETIME + 1;
	roundtrip(&ini, true);
	conn_init(&resp, NULL, "aes256-sha2_256", pol);
	assert_non_null(ikev1_spdb_select_p2(&resp, &ps.sa, OAKLEY_GROUP_MODP2048, &a, &p, &t));
}

static void test_reply_echoes_transform(void **state)
{
	static const uint8_t spi[4] = { 0xca, 0xfe, 0x10, 0x00 };
	struct connection ini, resp;
	struct ikev1_p2_alg a;
	const struct ike_proposal *p;
	const struct ike_transform *t;
	uint32_t pol = POLICY_PSK | POLICY_ENCRYPT | POLICY_TUNNEL;
	static uint8_t out[2048];
	struct cursor_out o;
	struct ike_hdr h = { .icookie = { 1 }, .xchg = ISAKMP_XCHG_QUICK };
	static struct ike_digest d2;
	static struct ike_sa_parsed ps2;

	(void)state;
	conn_init(&ini, NULL, "aes128-sha1,aes256-sha2_256", pol);
	roundtrip(&ini, true);
	conn_init(&resp, NULL, "aes256-sha2_256", pol);
	assert_null(ikev1_spdb_select_p2(&resp, &ps.sa, 0, &a, &p, &t));
	cursor_out_init(&o, out, sizeof(out));
	assert_true(ike_codec_emit_header(&o, &h));
	assert_true(ikev1_spdb_emit_reply(&o, p, t, spi, 4));
	assert_true(ike_codec_emit_finish(&o));
	assert_null(ike_codec_parse_message(&d2, cursor_out_data(&o), cursor_out_len(&o)));
	assert_null(ike_codec_parse_sa(ike_digest_first(&d2, ISAKMP_NEXT_SA), &ps2));
	assert_int_equal(ps2.sa.nproposals, 1);
	assert_int_equal(ps2.sa.proposals[0].ntransforms, 1);
	assert_int_equal(ps2.sa.proposals[0].transforms[0].number, 2);
	assert_memory_equal(ps2.sa.proposals[0].spi, spi, 4);
	/* and the initiator accepts it */
	assert_null(ikev1_spdb_select_p2(&ini, &ps2.sa, 0, &a, &p, &t));
	assert_int_equal(a.transform, ESP_AES);
	assert_int_equal(a.keylen, 256);
	assert_int_equal(ikev1_esp_enc_keylen(&a), 32);
	assert_int_equal(ikev1_esp_auth_keylen(&a), 32);
}

/* Encrypt a message, decrypt it: the same payloads, whole blocks, the same next IV. */
static void test_crypt_iv_chain(void **state)
{
	static uint8_t buf[1024], plain[1024];
	static const uint8_t key[16] = "0123456789abcdef";
	uint8_t iv_tx[16], iv_rx[16], nonce[21];
	struct cursor_out o;
	struct ike_hdr h = { .icookie = { 1 }, .rcookie = { 2 }, .xchg = ISAKMP_XCHG_MAIN,
			     .flags = ISAKMP_FLAG_ENCRYPTION };
	static struct ike_digest dd;

	(void)state;
	memset(iv_tx, 0x5a, sizeof(iv_tx));
	memcpy(iv_rx, iv_tx, sizeof(iv_rx));
	memset(nonce, 0xab, sizeof(nonce));
	for (int round = 0; round < 3; round++) {
		cursor_out_init(&o, buf, sizeof(buf));
		assert_true(ike_codec_emit_header(&o, &h));
		assert_true(ike_codec_emit_nonce(&o, nonce, sizeof(nonce)));
		assert_true(ikev1_encrypt_finish(&o, OAKLEY_ENCR_AES_CBC, key, 16, iv_tx));
		assert_int_equal((cursor_out_len(&o) - 28) % 16, 0);
		/* the next IV is the last ciphertext block */
		assert_memory_equal(iv_tx, cursor_out_data(&o) + cursor_out_len(&o) - 16, 16);
		assert_null(ike_codec_parse_header(&dd, cursor_out_data(&o), cursor_out_len(&o)));
		assert_null(ikev1_decrypt(OAKLEY_ENCR_AES_CBC, key, 16, iv_rx, dd.body, plain,
					  sizeof(plain)));
		assert_memory_equal(iv_rx, iv_tx, 16);
		assert_null(ike_codec_parse_payloads(&dd, plain, dd.body.len));
		struct ike_chunk n;
		assert_null(ike_codec_parse_nonce(ike_digest_first(&dd, ISAKMP_NEXT_NONCE), &n));
		assert_int_equal(n.len, sizeof(nonce));
		assert_memory_equal(n.ptr, nonce, sizeof(nonce));
	}
	/* not whole blocks: refused, nothing read past the body */
	struct ike_chunk bad = { buf + 28, 15 };
	assert_non_null(ikev1_decrypt(OAKLEY_ENCR_AES_CBC, key, 16, iv_rx, bad, plain,
				      sizeof(plain)));
	bad.len = 0;
	assert_non_null(ikev1_decrypt(OAKLEY_ENCR_AES_CBC, key, 16, iv_rx, bad, plain,
				      sizeof(plain)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_propose_and_select),
		cmocka_unit_test(test_p1_refusals),
		cmocka_unit_test(test_p1_both_auths),
		cmocka_unit_test(test_p2_propose_and_select),
		cmocka_unit_test(test_reply_echoes_transform),
		cmocka_unit_test(test_crypt_iv_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
