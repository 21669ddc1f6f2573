/*
 * Unit tests for the ISAKMP codec (controld/ike_codec*.c), malformed input:
 * every truncation and every bit flip of real messages, and hand-made
 * attacks (zero lengths, chains running off the end or looping, 300
 * transforms, attribute lengths past the end, SPI count mismatches, unknown
 * payload types...), each refused with its exact reason.  Every parse reads
 * a buffer malloc'd at its exact size: build with make SANITIZE=1 too.
 */
#include "ike_codec_testlib.h"

/* --- malformed input ------------------------------------------------------ */

/* Every prefix of every message is refused, with or without its header length fixed up. */
static void test_every_truncation_rejected(void **state)
{
	uint8_t *copy;
	size_t i, k;

	for (i = 0; i < NFIXTURES; i++) {
		for (k = 0; k < fixtures[i].len; k++) {
			assert_non_null(parse_all(fixtures[i].bytes, k));
			if (k < 28)
				continue;
			copy = malloc(k);
			assert_non_null(copy);
			memcpy(copy, fixtures[i].bytes, k);
			copy[24] = 0;
			copy[25] = 0;
			copy[26] = (uint8_t)(k >> 8);
			copy[27] = (uint8_t)k;
			if (parse_all(copy, k) == NULL)
				fail_msg("%s cut to %zu bytes parsed", fixtures[i].name, k);
			free(copy);
		}
	}
}

/* Offsets of the generic payload length fields in msg (parsed into digest). */
static size_t payload_length_fields(const uint8_t *msg, size_t len, size_t *at, size_t max)
{
	size_t n = 0;
	unsigned i;

	assert_null(ike_codec_parse_message(&digest, hold(msg, len), len));
	for (i = 0; i < digest.npayloads && n + 2 <= max; i++) {
		at[n++] = (size_t)(digest.payloads[i].pbs.start - held) + 2;
		at[n++] = (size_t)(digest.payloads[i].pbs.start - held) + 3;
	}
	return n;
}

static bool member(size_t x, const size_t *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (set[i] == x)
			return true;
	}
	return false;
}

/*
 * Flip every bit of every message: nothing may crash or read outside the
 * buffer (ASan), a flip in the header length is always refused, and a flip
 * in a payload length is refused unless it re-partitions the chain into a
 * different, still consistent, number of payloads (e.g. an ID swallowing
 * the vendor IDs after it).
 */
static void test_every_bit_flip(void **state)
{
	size_t at[2 * IKE_MAX_PAYLOADS];
	uint8_t *copy;
	size_t i, b, nat;
	unsigned bit, npayloads, accepted = 0, repartitioned = 0;

	for (i = 0; i < NFIXTURES; i++) {
		const struct fixture *f = &fixtures[i];

		nat = payload_length_fields(f->bytes, f->len, at, sizeof(at) / sizeof(at[0]));
		npayloads = digest.npayloads;
		copy = malloc(f->len);
		assert_non_null(copy);
		for (b = 0; b < f->len; b++) {
			for (bit = 0; bit < 8; bit++) {
				const char *err;

				memcpy(copy, f->bytes, f->len);
				copy[b] ^= (uint8_t)(1u << bit);
				err = parse_all(copy, f->len);
				if (err != NULL)
					continue;
				accepted++;
				if (b >= 24 && b < 28)
					fail_msg("%s: header length bit %u at %zu accepted",
						 f->name, bit, b);
				if (!member(b, at, nat))
					continue;
				repartitioned++;
				if (digest.npayloads == npayloads)
					fail_msg("%s: length bit %u at %zu accepted", f->name, bit,
						 b);
			}
		}
		free(copy);
	}
	/* Cookies, nonces, keys and vendor IDs carry no structure: those flips pass. */
	assert_true(accepted > 0);
	print_message("# %u single-bit flips accepted, %u of them re-partitioning the chain\n",
		      accepted, repartitioned);
}

static void test_header_errors(void **state)
{
	uint8_t buf[64];
	size_t len;

	expect_msg_err(fx_rub_mm_psk_i1, 10,
		       "message of 10 bytes is shorter than an ISAKMP header (28)");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "00000008 01020304");
	buf[17] = 0x20;
	expect_msg_err(buf, len, "ISAKMP major version 2 not supported (IKEv1 only)");
	buf[17] = 0x11;
	expect_msg_err(buf, len, "ISAKMP minor version 1 not supported");
	buf[17] = 0x10;
	buf[19] = 0x08;
	expect_msg_err(buf, len, "unknown header flags 0x08");
	buf[19] = 0;
	buf[27] = 27;
	expect_msg_err(buf, len, "header length 27 shorter than the header (28)");
	buf[27] = 100;
	expect_msg_err(buf, len, "header length 100 larger than the 36 bytes received");
	/* Bytes past the header's length are ignored, and counted. */
	buf[27] = 36;
	assert_null(ike_codec_parse_message(&digest, hold(buf, 40), 40));
	assert_int_equal(digest.trailing, 4);
	/* An encrypted message must be decrypted first. */
	buf[19] = ISAKMP_FLAG_ENCRYPTION;
	expect_msg_err(buf, len, "message is encrypted: decrypt the body first");
}

static void test_chain_errors(void **state)
{
	uint8_t buf[400];
	char body[400 * 2 + 1] = "";
	size_t len;
	int i;

	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "00000000");
	expect_msg_err(buf, len, "payload 1 (ISAKMP_NEXT_VID): length 0 shorter than its header");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "00000014 01020304");
	expect_msg_err(buf, len,
		       "payload 1 (ISAKMP_NEXT_VID): length 20 runs past the end of the message (8 "
		       "bytes left)");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "0d000008 01020304");
	expect_msg_err(buf, len,
		       "payload 2 (ISAKMP_NEXT_VID): 0 bytes left, too few for a payload header");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "63000008 01020304 00000004");
	expect_msg_err(buf, len, "payload 2: unknown payload type 99");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_P, 2, 0, "00000008 01020304");
	expect_msg_err(buf, len, "payload 1: ISAKMP_NEXT_P not allowed outside an SA payload");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_N, 5, 0, "00000008 00000001");
	expect_msg_err(buf, len,
		       "payload 1 (ISAKMP_NEXT_N): length 8 shorter than its fixed part (12)");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "00000008 01020304 deadbeef");
	expect_msg_err(buf, len, "4 bytes after the last payload");
	/* Encrypted: what follows the last payload is padding. */
	buf[19] = ISAKMP_FLAG_ENCRYPTION;
	assert_null(ike_codec_parse_header(&digest, hold(buf, len), len));
	assert_null(ike_codec_parse_payloads(&digest, digest.body.ptr, digest.body.len));
	assert_int_equal(digest.padding, 4);
	/* A chain of 64 empty VIDs is fine, 65 is a loop we stop. */
	for (i = 0; i < 64; i++)
		strcat(body, i < 63 ? "0d000004" : "00000004");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, body);
	assert_null(ike_codec_parse_message(&digest, hold(buf, len), len));
	assert_int_equal(digest.count[ISAKMP_NEXT_VID], 64);
	body[63 * 8 + 1] = 'd';
	strcat(body, "00000004");
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, body);
	expect_msg_err(buf, len, "more than 64 payloads");
	/* Non-zero RESERVED octets are tolerated and counted. */
	len = msg_hex(buf, sizeof(buf), ISAKMP_NEXT_VID, 2, 0, "00ff0008 01020304");
	assert_null(ike_codec_parse_message(&digest, hold(buf, len), len));
	assert_int_equal(digest.nonzero_reserved, 1);
}

static void expect_sa_err(const char *sa_body, const char *reason)
{
	const char *err = ike_codec_parse_sa(single(ISAKMP_NEXT_SA, sa_body), &sa_store);

	assert_non_null(err);
	assert_string_equal(err, reason);
}

#define SA_HDR "00000001 00000001 "

static void test_sa_errors(void **state)
{
	/* A good one first: AES, life type, TLV life duration. */
	assert_null(
		ike_codec_parse_sa(single(ISAKMP_NEXT_SA, SA_HDR
					  "00000020 01010001"
					  "00000018 01010000 80010007 800b0001 000c0004 00015180"),
				   &sa_store));
	expect_sa_err("00000002 00000001 00000020 01010001",
		      "SA payload 1: DOI 2 not supported (only IPsec, 1)");
	expect_sa_err("00000001 00000002",
		      "SA payload 1: situation 0x2 not supported (only SIT_IDENTITY_ONLY)");
	expect_sa_err(SA_HDR, "SA payload 1: no proposals");
	expect_sa_err(SA_HDR
		      "00000020 01010003 0300000c 01010000 80010007 0000000c 02010000 80010005",
		      "proposal 1: 3 transforms announced but 2 present");
	expect_sa_err(SA_HDR "00000010 01010001 00000003 01010000",
		      "proposal 1 transform 1: length 3 shorter than its header (8)");
	expect_sa_err(SA_HDR "0000001c 01010001 00000014 01010000 80010007 000c0100 00000000",
		      "proposal 1 transform 1 attribute 2 (OAKLEY_LIFE_DURATION): TLV length 256 "
		      "runs past the transform (4 bytes left)");
	expect_sa_err(SA_HDR "0000001c 01010001 00000014 01010000 80010007 800b0001 80010005",
		      "proposal 1 transform 1 attribute 3 (OAKLEY_ENCRYPTION_ALGORITHM): repeated");
	expect_sa_err(SA_HDR "00000016 01010001 0000000e 01010000 00010002 0007",
		      "proposal 1 transform 1 attribute 1 (OAKLEY_ENCRYPTION_ALGORITHM): basic "
		      "attribute in TLV form");
	expect_sa_err(SA_HDR "00000014 01010001 0000000c 01010000 800c7080",
		      "proposal 1 transform 1 attribute 1 (OAKLEY_LIFE_DURATION): not preceded by "
		      "a life type");
	expect_sa_err(
		SA_HDR "00000014 01010001 0000000c 01010000 000c0000",
		"proposal 1 transform 1 attribute 1 (OAKLEY_LIFE_DURATION): TLV value of length 0");
	expect_sa_err(SA_HDR "00000017 01030301 aabbcc 0000000c 010c0000 80040001",
		      "proposal 1: SPI size 3 invalid for PROTO_IPSEC_ESP");
	expect_sa_err(SA_HDR "00000014 01090001 0000000c 01010000 80010007",
		      "proposal 1: unknown protocol ID 9");
	expect_sa_err(SA_HDR "00000014 01010001 0000000c 01020000 80010007",
		      "proposal 1 transform 1: transform ID 2 is not KEY_IKE (1)");
	expect_sa_err(SA_HDR "02000018 02030401 11223344 0000000c 010c0000 80040001"
			     "00000018 01030401 55667788 0000000c 010c0000 80040001",
		      "proposal 2: number 1 after 2 (proposal numbers must not decrease)");
	expect_sa_err(SA_HDR "00000014 01010001 0300000c 01010000 80010007",
		      "proposal 1 transform 1: next payload 3 but nothing follows");
	expect_sa_err(SA_HDR "00000008 01010000", "proposal 1: no transforms announced");
	expect_sa_err(SA_HDR "00000028 01030401 11223344 0000001c 010c0000"
			     "80010001 00020004 00007080 80010001 80020e10",
		      "proposal 1 transform 1 attribute 3 (SA_LIFE_TYPE): repeated");
	/* Seconds and kilobytes, each with its duration, is how phase 2 says both. */
	assert_null(ike_codec_parse_sa(
		single(ISAKMP_NEXT_SA,
		       SA_HDR "00000028 01030401 11223344"
			      "0000001c 010c0000 80010001 80027080 80010002 00020004 00465000"),
		&sa_store));
}

/* An SA payload wrapped around body (already in wire form, DOI included). */
static const char *parse_sa_wire(const uint8_t *body, size_t len)
{
	uint8_t *msg = malloc(32 + len);
	size_t total = 32 + len;
	const char *err;

	assert_non_null(msg);
	msg_hex(msg, 32, ISAKMP_NEXT_SA, 2, 0, "00000000");
	msg[24] = (uint8_t)(total >> 24);
	msg[25] = (uint8_t)(total >> 16);
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	msg[30] = (uint8_t)((4 + len) >> 8);
	msg[31] = (uint8_t)(4 + len);
	memcpy(msg + 32, body, len);
	err = ike_codec_parse_message(&digest, hold(msg, total), total);
	free(msg);
	assert_null(err);
	return ike_codec_parse_sa(&digest.payloads[0], &sa_store);
}

/* A phase 1 SA body with nprops proposals of ntrans transforms of nattrs TV attributes. */
static size_t big_sa(uint8_t *buf, size_t size, unsigned nprops, unsigned ntrans, unsigned nattrs)
{
	struct cursor_out o;
	unsigned p, t, a;
	size_t plen = 8 + ntrans * (8 + 4 * nattrs);

	cursor_out_init(&o, buf, size);
	cursor_out_u32(&o, ISAKMP_DOI_IPSEC);
	cursor_out_u32(&o, ISAKMP_SIT_IDENTITY_ONLY);
	for (p = 0; p < nprops; p++) {
		cursor_out_u8(&o, p + 1 < nprops ? ISAKMP_NEXT_P : 0);
		cursor_out_u8(&o, 0);
		cursor_out_u16(&o, (uint16_t)plen);
		cursor_out_u32(&o, (p + 1) << 24 | 1 << 16 | (ntrans & 0xff));
		for (t = 0; t < ntrans; t++) {
			cursor_out_u8(&o, t + 1 < ntrans ? ISAKMP_NEXT_T : 0);
			cursor_out_u8(&o, 0);
			cursor_out_u16(&o, (uint16_t)(8 + 4 * nattrs));
			cursor_out_u32(&o, (t + 1) << 24 | ISAKMP_KEY_IKE << 16);
			for (a = 0; a < nattrs; a++)
				cursor_out_u32(&o, (0x8000u | (100 + a)) << 16 | 1);
		}
	}
	assert_true(cursor_out_ok(&o));
	return cursor_out_len(&o);
}

static void test_sa_limits(void **state)
{
	static uint8_t buf[65000];
	const char *err;
	size_t len;

	len = big_sa(buf, sizeof(buf), 1, 255, 1);
	assert_null(parse_sa_wire(buf, len));
	assert_int_equal(sa_store.sa.proposals[0].ntransforms, 255);
	len = big_sa(buf, sizeof(buf), 1, 300, 1);
	err = parse_sa_wire(buf, len);
	assert_string_equal(err,
			    "proposal 1: too many transforms (more than 256 in the SA payload)");
	len = big_sa(buf, sizeof(buf), 1, 1, 64);
	assert_null(parse_sa_wire(buf, len));
	len = big_sa(buf, sizeof(buf), 1, 1, 65);
	err = parse_sa_wire(buf, len);
	assert_string_equal(err, "proposal 1 transform 1: too many attributes (more than 64)");
	len = big_sa(buf, sizeof(buf), 64, 1, 1);
	assert_null(parse_sa_wire(buf, len));
	len = big_sa(buf, sizeof(buf), 65, 1, 1);
	err = parse_sa_wire(buf, len);
	assert_string_equal(err, "SA payload 1: too many proposals (more than 64)");
	len = big_sa(buf, sizeof(buf), 60, 4, 10);
	err = parse_sa_wire(buf, len);
	assert_string_equal(err, "too many attributes (more than 2048 in the SA payload)");
}

static void expect_err(const char *err, const char *reason)
{
	assert_non_null(err);
	assert_string_equal(err, reason);
}

static void test_body_errors(void **state)
{
	struct ike_delete del;
	struct ike_notify n;
	struct ike_id_payload id;
	struct ike_chunk c;
	char body[600] = "";
	int i;

	expect_err(ike_codec_parse_delete(
			   single(ISAKMP_NEXT_D, "00000001 03040003 11111111 22222222"), &del),
		   "D payload 1: 3 SPIs of 4 bytes need 12 bytes, 8 present");
	expect_err(ike_codec_parse_delete(single(ISAKMP_NEXT_D, "00000001 03030001 aabbcc"), &del),
		   "D payload 1: SPI size 3 invalid for PROTO_IPSEC_ESP");
	expect_err(ike_codec_parse_delete(single(ISAKMP_NEXT_D, "00000001 03040000"), &del),
		   "D payload 1: no SPIs");
	expect_err(
		ike_codec_parse_delete(single(ISAKMP_NEXT_D, "00000001 07040001 11111111"), &del),
		"D payload 1: unknown protocol ID 7");
	expect_err(ike_codec_parse_notify(single(ISAKMP_NEXT_N, "00000001 01114000"), &n),
		   "N payload 1: SPI size 17 larger than 16");
	expect_err(ike_codec_parse_notify(single(ISAKMP_NEXT_N, "00000001 01108d28 aabbccdd"), &n),
		   "N payload 1: SPI of 16 bytes runs past the payload (4 bytes left)");
	expect_err(ike_codec_parse_notify(single(ISAKMP_NEXT_N, "00000007 0100000e"), &n),
		   "N payload 1: DOI 7 not supported");
	assert_null(ike_codec_parse_notify(single(ISAKMP_NEXT_N, "00000000 0100000e"), &n));
	assert_int_equal(n.type, ISAKMP_N_NO_PROPOSAL_CHOSEN);
	expect_err(ike_codec_parse_nonce(single(ISAKMP_NEXT_NONCE, "01020304 050607"), &c),
		   "payload 1 (ISAKMP_NEXT_NONCE): 7 bytes of data, not 8 to 256");
	for (i = 0; i < 257; i++)
		strcat(body, "ab");
	expect_err(ike_codec_parse_nonce(single(ISAKMP_NEXT_NONCE, body), &c),
		   "payload 1 (ISAKMP_NEXT_NONCE): 257 bytes of data, not 8 to 256");
	expect_err(ike_codec_parse_ke(single(ISAKMP_NEXT_KE, ""), &c),
		   "payload 1 (ISAKMP_NEXT_KE): empty");
	expect_err(ike_codec_parse_nonce(single(ISAKMP_NEXT_VID, "01020304 05060708"), &c),
		   "payload 1 is ISAKMP_NEXT_VID, not ISAKMP_NEXT_NONCE");
	expect_err(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "01000000 c0000201 02"), &id),
		   "ID payload 1: ID_IPV4_ADDR needs 4 bytes of data, not 5");
	expect_err(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "04000000 c0000200 ff00ff00"), &id),
		   "ID payload 1: ID_IPV4_ADDR_SUBNET mask is not contiguous");
	expect_err(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "04000000 c0000200 fffffe01"), &id),
		   "ID payload 1: ID_IPV4_ADDR_SUBNET mask is not contiguous");
	assert_null(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "04000000 c0000200 fffffe00"), &id));
	expect_err(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "0c000000 00"), &id),
		   "ID payload 1: unknown ID type 12");
	expect_err(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "02000000"), &id),
		   "ID payload 1: empty ID_FQDN");
	assert_null(ike_codec_parse_id(single(ISAKMP_NEXT_ID, "0211 01f4 6578616d706c652e6f7267"),
				       &id));
	assert_int_equal(id.protocol, 17);
	assert_int_equal(id.port, 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_chain_errors),
		cmocka_unit_test(test_sa_errors),
		cmocka_unit_test(test_sa_limits),
		cmocka_unit_test(test_body_errors),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_held);
}
