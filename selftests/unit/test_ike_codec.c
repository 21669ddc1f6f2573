/*
 * Unit tests for the ISAKMP codec (controld/ike_codec*.c), well-formed
 * input: real messages parsed and re-emitted byte for byte, every payload
 * emitted then parsed, attribute encodings, output overflow, names.
 * Malformed input: test_ike_codec_mutate.c.
 */
#include "ike_codec_testlib.h"

/* --- real messages ----------------------------------------------------------- */

static void test_fixtures_parse(void **state)
{
	size_t i;

	for (i = 0; i < NFIXTURES; i++) {
		const char *err = parse_all(fixtures[i].bytes, fixtures[i].len);

		if (err != NULL)
			fail_msg("%s: %s", fixtures[i].name, err);
		assert_int_equal(digest.trailing, 0);
		assert_int_equal(digest.padding, 0);
		assert_int_equal(digest.nonzero_reserved, 0);
	}
}

static void test_android_aggressive_i1(void **state)
{
	const struct ike_transform *t;
	const struct ike_attr *a;
	struct ike_id_payload id;
	struct ike_chunk c;
	const struct ike_payload *p;
	unsigned nvid = 0;

	assert_null(parse_all(fx_android_am_i1, sizeof(fx_android_am_i1)));
	assert_int_equal(digest.hdr.xchg, ISAKMP_XCHG_AGGR);
	assert_int_equal(digest.hdr.length, 611);
	assert_int_equal(digest.npayloads, 10);
	assert_int_equal(digest.count[ISAKMP_NEXT_VID], 6);
	assert_null(ike_codec_parse_sa(ike_digest_first(&digest, ISAKMP_NEXT_SA), &sa_store));
	assert_int_equal(sa_store.sa.nproposals, 1);
	assert_int_equal(sa_store.sa.proposals[0].protocol, ISAKMP_PROTO_ISAKMP);
	assert_int_equal(sa_store.sa.proposals[0].ntransforms, 8);
	t = &sa_store.sa.proposals[0].transforms[0];
	assert_int_equal(t->nattrs, 7);
	assert_int_equal(ike_transform_attr(t, OAKLEY_ATTR_KEY_LENGTH)->value, 256);
	a = ike_transform_attr(t, OAKLEY_ATTR_LIFE_DURATION);
	assert_true(a->tv);
	assert_int_equal(a->value, 28800);
	t = &sa_store.sa.proposals[0].transforms[7];
	assert_int_equal(t->number, 8);
	assert_null(ike_transform_attr(t, OAKLEY_ATTR_KEY_LENGTH));
	assert_null(ike_codec_parse_ke(ike_digest_first(&digest, ISAKMP_NEXT_KE), &c));
	assert_int_equal(c.len, 128);
	assert_null(ike_codec_parse_nonce(ike_digest_first(&digest, ISAKMP_NEXT_NONCE), &c));
	assert_int_equal(c.len, 16);
	assert_null(ike_codec_parse_id(ike_digest_first(&digest, ISAKMP_NEXT_ID), &id));
	assert_int_equal(id.type, ISAKMP_ID_KEY_ID);
	assert_int_equal(id.data.len, 7);
	assert_memory_equal(id.data.ptr, "vpnuser", 7);
	for (p = ike_digest_first(&digest, ISAKMP_NEXT_VID); p; p = ike_digest_next(&digest, p)) {
		assert_null(ike_codec_parse_vid(p, &c));
		nvid++;
	}
	assert_int_equal(nvid, 6);
	/* The last VID is DPD (RFC 3706). */
	assert_memory_equal(c.ptr, "\xaf\xca\xd7\x13\x68\xa1\xf1\xc9", 8);
}

static void test_tlv_life_duration(void **state)
{
	const struct ike_attr *a;

	assert_null(parse_all(fx_nmap_mm_i1, sizeof(fx_nmap_mm_i1)));
	assert_null(ike_codec_parse_sa(ike_digest_first(&digest, ISAKMP_NEXT_SA), &sa_store));
	a = ike_transform_attr(&sa_store.sa.proposals[0].transforms[3], OAKLEY_ATTR_LIFE_DURATION);
	assert_false(a->tv);
	assert_int_equal(a->len, 4);
	assert_int_equal(a->value, 1);

	assert_null(parse_all(fx_sswan_mm_i1, sizeof(fx_sswan_mm_i1)));
	assert_int_equal(digest.count[ISAKMP_NEXT_VID], 5);
	assert_null(ike_codec_parse_sa(ike_digest_first(&digest, ISAKMP_NEXT_SA), &sa_store));
	assert_int_equal(sa_store.sa.proposals[0].ntransforms, 4);
	a = ike_transform_attr(&sa_store.sa.proposals[0].transforms[0], OAKLEY_ATTR_LIFE_DURATION);
	assert_false(a->tv);
	assert_int_equal(a->value, 86400);
}

static void test_responder_messages(void **state)
{
	struct ike_id_payload id;
	struct ike_chunk c;

	assert_null(parse_all(fx_rub_mm_psk_r2, sizeof(fx_rub_mm_psk_r2)));
	assert_null(ike_codec_parse_nonce(ike_digest_first(&digest, ISAKMP_NEXT_NONCE), &c));
	assert_int_equal(c.len, 32);
	assert_null(parse_all(fx_rub_am_psk_r1, sizeof(fx_rub_am_psk_r1)));
	assert_null(ike_codec_parse_id(ike_digest_first(&digest, ISAKMP_NEXT_ID), &id));
	assert_int_equal(id.type, ISAKMP_ID_IPV4_ADDR);
	assert_memory_equal(id.data.ptr, "\x0a\x00\x03\x0a", 4);
	assert_null(ike_codec_parse_hash(ike_digest_first(&digest, ISAKMP_NEXT_HASH), &c));
	assert_int_equal(c.len, 20);
	/* HASH_R covers the ID body: ID type onwards. */
	assert_int_equal(ike_digest_first(&digest, ISAKMP_NEXT_ID)->body.len, 8);
}

/* Emit again what a payload holds; the fixtures must come out unchanged. */
static void reemit_payload(struct cursor_out *o, const struct ike_payload *p)
{
	struct ike_chunk c = {0};
	struct ike_id_payload id;
	struct ike_cert_payload cert;
	struct ike_notify n;
	struct ike_delete del;

	assert_null(parse_body(p));
	switch (p->type) {
	case ISAKMP_NEXT_SA:
		assert_true(ike_codec_emit_sa(o, &sa_store.sa));
		break;
	case ISAKMP_NEXT_KE:
		assert_null(ike_codec_parse_ke(p, &c));
		assert_true(ike_codec_emit_ke(o, c.ptr, c.len));
		break;
	case ISAKMP_NEXT_NONCE:
		assert_null(ike_codec_parse_nonce(p, &c));
		assert_true(ike_codec_emit_nonce(o, c.ptr, c.len));
		break;
	case ISAKMP_NEXT_HASH:
		assert_null(ike_codec_parse_hash(p, &c));
		assert_true(ike_codec_emit_hash(o, c.ptr, c.len));
		break;
	case ISAKMP_NEXT_SIG:
		assert_null(ike_codec_parse_sig(p, &c));
		assert_true(ike_codec_emit_sig(o, c.ptr, c.len));
		break;
	case ISAKMP_NEXT_VID:
		assert_null(ike_codec_parse_vid(p, &c));
		assert_true(ike_codec_emit_vid(o, c.ptr, c.len));
		break;
	case ISAKMP_NEXT_ID:
		assert_null(ike_codec_parse_id(p, &id));
		assert_true(ike_codec_emit_id(o, &id));
		break;
	case ISAKMP_NEXT_CERT:
		assert_null(ike_codec_parse_cert(p, &cert));
		assert_true(ike_codec_emit_cert(o, &cert));
		break;
	case ISAKMP_NEXT_CR:
		assert_null(ike_codec_parse_certreq(p, &cert));
		assert_true(ike_codec_emit_certreq(o, &cert));
		break;
	case ISAKMP_NEXT_N:
		assert_null(ike_codec_parse_notify(p, &n));
		assert_true(ike_codec_emit_notify(o, &n));
		break;
	case ISAKMP_NEXT_D:
		assert_null(ike_codec_parse_delete(p, &del));
		cursor_rest(&del.spis, &c.ptr, &c.len);
		assert_true(ike_codec_emit_delete(o, del.protocol, del.spi_size, c.ptr, del.nspis));
		break;
	case ISAKMP_NEXT_NATD:
	case ISAKMP_NEXT_NATOA: {
		struct cursor_out_payload raw;

		assert_true(cursor_out_start_payload(o, p->type, &raw));
		assert_true(cursor_out_bytes(o, p->body.ptr, p->body.len));
		assert_true(cursor_out_end_payload(o, &raw));
		break;
	}
	default:
		fail_msg("no emitter for payload type %u", p->type);
	}
}

/* Parse msg, emit it again from the parsed structs, and compare. */
static void assert_reemits(const uint8_t *msg, size_t len)
{
	static uint8_t out[4096];
	struct cursor_out o;
	unsigned i;

	assert_null(ike_codec_parse_message(&digest, hold(msg, len), len));
	cursor_out_init(&o, out, sizeof(out));
	assert_true(ike_codec_emit_header(&o, &digest.hdr));
	for (i = 0; i < digest.npayloads; i++)
		reemit_payload(&o, &digest.payloads[i]);
	assert_true(ike_codec_emit_finish(&o));
	assert_int_equal(cursor_out_len(&o), len);
	assert_memory_equal(cursor_out_data(&o), msg, len);
}

static void test_fixtures_reemit_identically(void **state)
{
	size_t i;

	for (i = 0; i < NFIXTURES; i++)
		assert_reemits(fixtures[i].bytes, fixtures[i].len);
}

/* --- every payload: emit, then parse ------------------------------------ */

static const uint8_t spi_esp[4] = {0xc0, 0xff, 0xee, 0x01};
static const uint8_t spi_cpi[2] = {0x12, 0x34};
static const struct ike_attr esp_attrs[] = {
	{.type = IPSEC_ATTR_SA_LIFE_TYPE, .value = ISAKMP_LIFE_SECONDS},
	{.type = IPSEC_ATTR_SA_LIFE_DURATION, .value = 28800},
	{.type = IPSEC_ATTR_SA_LIFE_TYPE, .value = ISAKMP_LIFE_KILOBYTES},
	{.type = IPSEC_ATTR_SA_LIFE_DURATION, .value = 4608000},
	{.type = IPSEC_ATTR_ENCAPSULATION_MODE, .value = ISAKMP_ENCAP_TUNNEL},
	{.type = IPSEC_ATTR_AUTH_ALG, .value = 2},
	{.type = IPSEC_ATTR_KEY_LENGTH, .value = 256},
	{.type = IPSEC_ATTR_COMPRESS_PRIVATE_ALG, .value = 0x123456789aULL},
};
static const struct ike_attr ipcomp_attrs[] = {
	{.type = IPSEC_ATTR_ENCAPSULATION_MODE, .value = ISAKMP_ENCAP_TUNNEL},
};
static const struct ike_transform esp_trans[] = {
	{.number = 1, .id = 12, .nattrs = 8, .attrs = esp_attrs},
	{.number = 2, .id = 3, .nattrs = 2, .attrs = esp_attrs},
};
static const struct ike_transform ipcomp_trans[] = {
	{.number = 1, .id = 2, .nattrs = 1, .attrs = ipcomp_attrs},
};
static const struct ike_proposal qm_props[] = {
	{.number = 1,
	 .protocol = ISAKMP_PROTO_ESP,
	 .spi_size = 4,
	 .spi = {0xc0, 0xff, 0xee, 0x01},
	 .ntransforms = 2,
	 .transforms = esp_trans},
	{.number = 1,
	 .protocol = ISAKMP_PROTO_IPCOMP,
	 .spi_size = 2,
	 .spi = {0x12, 0x34},
	 .ntransforms = 1,
	 .transforms = ipcomp_trans},
	{.number = 2,
	 .protocol = ISAKMP_PROTO_ESP,
	 .spi_size = 4,
	 .spi = {0xc0, 0xff, 0xee, 0x01},
	 .ntransforms = 1,
	 .transforms = esp_trans},
};
static const struct ike_sa qm_sa = {ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY, 3, qm_props};

static const uint8_t v4_subnet[8] = {192, 0, 2, 0, 255, 255, 255, 0};
static uint8_t v6_subnet[32];
static const uint8_t cookies[16] = "ICOOKIE!RCOOKIE!";
static const uint8_t nonce[32] = "nonce nonce nonce nonce nonce n";
static uint8_t ke[256];

/* Build a Quick Mode-like message with every payload type; returns false if it did not fit. */
static bool build_everything(struct cursor_out *o)
{
	static const struct ike_hdr hdr = {.icookie = "ICOOKIE!",
					   .rcookie = "RCOOKIE!",
					   .xchg = ISAKMP_XCHG_QUICK,
					   .msgid = 0xa1b2c3d4};
	struct ike_id_payload id4 = {ISAKMP_ID_IPV4_ADDR_SUBNET, 17, 1701, {v4_subnet, 8}};
	struct ike_id_payload id6 = {ISAKMP_ID_IPV6_ADDR_SUBNET, 0, 0, {v6_subnet, 32}};
	struct ike_notify dpd = {.doi = ISAKMP_DOI_IPSEC,
				 .protocol = ISAKMP_PROTO_ISAKMP,
				 .spi_size = 16,
				 .type = ISAKMP_N_R_U_THERE,
				 .data = {(const uint8_t *)"\x00\x00\x00\x2a", 4}};
	struct ike_cert_payload cert = {ISAKMP_CERT_X509_SIG, {(const uint8_t *)"DER", 3}};
	struct ike_cert_payload cr = {ISAKMP_CERT_X509_SIG, {NULL, 0}};
	struct cursor_out_payload natd;
	size_t hash_at;

	memcpy(dpd.spi, cookies, 16);
	return ike_codec_emit_header(o, &hdr) && ike_codec_emit_hash_placeholder(o, 20, &hash_at) &&
	       ike_codec_emit_sa(o, &qm_sa) && ike_codec_emit_nonce(o, nonce, sizeof(nonce)) &&
	       ike_codec_emit_ke(o, ke, sizeof(ke)) && ike_codec_emit_id(o, &id4) &&
	       ike_codec_emit_id(o, &id6) && ike_codec_emit_notify(o, &dpd) &&
	       ike_codec_emit_delete(o, ISAKMP_PROTO_ESP, 4, (const uint8_t *)"SPI1SPI2", 2) &&
	       ike_codec_emit_delete(o, ISAKMP_PROTO_ISAKMP, 16, cookies, 1) &&
	       ike_codec_emit_cert(o, &cert) && ike_codec_emit_certreq(o, &cr) &&
	       ike_codec_emit_sig(o, (const uint8_t *)"sig", 3) &&
	       cursor_out_start_payload(o, ISAKMP_NEXT_NATD, &natd) && cursor_out_zeros(o, 20) &&
	       cursor_out_end_payload(o, &natd) &&
	       ike_codec_emit_vid(o, (const uint8_t *)"\x09\x00\x26\x89\xdf\xd6\xb7\x12", 8) &&
	       cursor_out_patch(o, hash_at, "HASH(1) HASH(1) HASH", 20) && ike_codec_emit_finish(o);
}

static void check_sa_round_trip(const struct ike_payload *p)
{
	const struct ike_sa *sa = &sa_store.sa;
	const struct ike_transform *t;

	assert_null(ike_codec_parse_sa(p, &sa_store));
	assert_int_equal(sa->nproposals, 3);
	assert_int_equal(sa->proposals[1].protocol, ISAKMP_PROTO_IPCOMP);
	assert_memory_equal(sa->proposals[1].spi, spi_cpi, 2);
	assert_memory_equal(sa->proposals[2].spi, spi_esp, 4);
	t = &sa->proposals[0].transforms[0];
	assert_int_equal(t->nattrs, 8);
	assert_true(t->attrs[1].tv);  /* 28800 fits: TV */
	assert_false(t->attrs[3].tv); /* 4608000: TLV of 4 */
	assert_int_equal(t->attrs[3].len, 4);
	assert_int_equal(t->attrs[3].value, 4608000);
	assert_int_equal(t->attrs[7].len, 8); /* beyond 32 bits: TLV of 8 */
	assert_int_equal(t->attrs[7].value, 0x123456789aULL);
	assert_int_equal(sa->proposals[0].transforms[1].id, 3);
}

static void test_every_payload_round_trip(void **state)
{
	static uint8_t out[2048];
	const struct ike_payload *p;
	struct ike_id_payload id;
	struct ike_notify n;
	struct ike_delete del;
	struct ike_cert_payload cert;
	struct ike_chunk c;
	struct cursor_out o;
	uint8_t spi[4];

	cursor_out_init(&o, out, sizeof(out));
	assert_true(build_everything(&o));
	assert_null(parse_all(cursor_out_data(&o), cursor_out_len(&o)));
	assert_int_equal(digest.hdr.msgid, 0xa1b2c3d4);
	assert_int_equal(digest.npayloads, 14);
	assert_int_equal(digest.payloads[0].type, ISAKMP_NEXT_HASH);
	assert_null(ike_codec_parse_hash(&digest.payloads[0], &c));
	assert_memory_equal(c.ptr, "HASH(1) HASH(1) HASH", 20);
	check_sa_round_trip(ike_digest_first(&digest, ISAKMP_NEXT_SA));
	assert_null(ike_codec_parse_nonce(ike_digest_first(&digest, ISAKMP_NEXT_NONCE), &c));
	assert_memory_equal(c.ptr, nonce, sizeof(nonce));
	p = ike_digest_first(&digest, ISAKMP_NEXT_ID);
	assert_null(ike_codec_parse_id(p, &id));
	assert_int_equal(id.port, 1701);
	assert_memory_equal(id.data.ptr, v4_subnet, 8);
	assert_null(ike_codec_parse_id(ike_digest_next(&digest, p), &id));
	assert_int_equal(id.type, ISAKMP_ID_IPV6_ADDR_SUBNET);
	assert_null(ike_codec_parse_notify(ike_digest_first(&digest, ISAKMP_NEXT_N), &n));
	assert_int_equal(n.type, ISAKMP_N_R_U_THERE);
	assert_memory_equal(n.spi, cookies, 16);
	assert_memory_equal(n.data.ptr, "\x00\x00\x00\x2a", 4);
	p = ike_digest_first(&digest, ISAKMP_NEXT_D);
	assert_null(ike_codec_parse_delete(p, &del));
	assert_int_equal(del.nspis, 2);
	assert_true(cursor_pull(&del.spis, spi, 4));
	assert_true(cursor_pull(&del.spis, spi, 4));
	assert_memory_equal(spi, "SPI2", 4);
	assert_false(cursor_pull(&del.spis, spi, 4));
	assert_null(ike_codec_parse_delete(ike_digest_next(&digest, p), &del));
	assert_int_equal(del.spi_size, 16);
	assert_null(ike_codec_parse_cert(ike_digest_first(&digest, ISAKMP_NEXT_CERT), &cert));
	assert_int_equal(cert.data.len, 3);
	assert_null(ike_codec_parse_certreq(ike_digest_first(&digest, ISAKMP_NEXT_CR), &cert));
	assert_int_equal(cert.data.len, 0);
	assert_int_equal(digest.count[ISAKMP_NEXT_NATD], 1);
	/* And what parses comes out again byte for byte. */
	assert_reemits(cursor_out_data(&o), cursor_out_len(&o));
}

static void test_attribute_encoding(void **state)
{
	static const struct ike_attr attrs[] = {
		{.type = 12, .value = 65535},
		{.type = 12, .value = 65536},
		{.type = 12, .value = 0x100000000ULL},
		{.type = 6, .data = (const uint8_t *)"\x01\x02\x03", .len = 3},
	};
	static const struct ike_transform t = {1, ISAKMP_KEY_IKE, 4, attrs};
	static const struct ike_proposal p = {
		.number = 1, .protocol = ISAKMP_PROTO_ISAKMP, .ntransforms = 1, .transforms = &t};
	static const struct ike_sa sa = {ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY, 1, &p};
	uint8_t out[128], want[128];
	struct cursor_out o;
	size_t n;

	cursor_out_init(&o, out, sizeof(out));
	assert_true(ike_codec_emit_sa(&o, &sa));
	n = hex(want, sizeof(want),
		"0000003b 00000001 00000001" /* SA, 59 bytes */
		"0000002f 01010001"	     /* proposal 1, ISAKMP, 1 transform */
		"00000027 01010000"	     /* transform 1, KEY_IKE */
		"800cffff"		     /* 65535: TV */
		"000c0004 00010000"	     /* 65536: TLV of 4 */
		"000c0008 00000001 00000000" /* 2^32: TLV of 8 */
		"00060003 010203");	     /* given bytes: TLV as they are */
	assert_int_equal(cursor_out_len(&o), n);
	assert_memory_equal(out, want, n);
}

static void test_emit_overflow(void **state)
{
	static uint8_t full[2048];
	uint8_t *area;
	struct cursor_out o;
	size_t size, i, need;

	cursor_out_init(&o, full, sizeof(full));
	assert_true(build_everything(&o));
	need = cursor_out_len(&o);
	area = malloc(need + 16);
	assert_non_null(area);
	for (size = 0; size < need; size++) {
		memset(area, 0xa5, need + 16);
		cursor_out_init(&o, area, size);
		assert_false(build_everything(&o));
		assert_false(ike_codec_emit_finish(&o));
		for (i = size; i < need + 16; i++)
			assert_int_equal(area[i], 0xa5);
	}
	free(area);
	cursor_out_init(&o, full, sizeof(full));
	assert_false(ike_codec_emit_finish(&o)); /* no header */
}

static void test_names(void **state)
{
	char buf[32];

	assert_string_equal(isakmp_payload_name(ISAKMP_NEXT_VID), "ISAKMP_NEXT_VID");
	assert_string_equal(isakmp_payload_name(99), "unknown");
	assert_string_equal(isakmp_xchg_name(ISAKMP_XCHG_IDPROT), "ISAKMP_XCHG_IDPROT");
	assert_string_equal(isakmp_notify_name(ISAKMP_N_R_U_THERE_ACK), "R_U_THERE_ACK");
	assert_string_equal(isakmp_notify_name(ISAKMP_N_NO_PROPOSAL_CHOSEN), "NO_PROPOSAL_CHOSEN");
	assert_string_equal(isakmp_oakley_attr_name(OAKLEY_ATTR_LIFE_DURATION),
			    "OAKLEY_LIFE_DURATION");
	assert_string_equal(isakmp_ipsec_attr_name(IPSEC_ATTR_ENCAPSULATION_MODE),
			    "ENCAPSULATION_MODE");
	assert_string_equal(isakmp_id_type_name(ISAKMP_ID_KEY_ID), "ID_KEY_ID");
	assert_string_equal(isakmp_protocol_name(ISAKMP_PROTO_ESP), "PROTO_IPSEC_ESP");
	assert_string_equal(isakmp_flags_name(0, buf, sizeof(buf)), "none");
	assert_string_equal(isakmp_flags_name(3, buf, sizeof(buf)), "E+C");
	assert_string_equal(isakmp_flags_name(0x81, buf, sizeof(buf)), "E+0x80");
	assert_string_equal(isakmp_flags_name(7, buf, 4), "E+C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_parse),
		cmocka_unit_test(test_android_aggressive_i1),
		cmocka_unit_test(test_tlv_life_duration),
		cmocka_unit_test(test_responder_messages),
		cmocka_unit_test(test_fixtures_reemit_identically),
		cmocka_unit_test(test_every_payload_round_trip),
		cmocka_unit_test(test_attribute_encoding),
		cmocka_unit_test(test_emit_overflow),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_held);
}
