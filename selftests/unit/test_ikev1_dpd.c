/*
 * Dead peer detection's wire format and sequence numbers (controld/ikev1_dpd.c, RFC 3706):
 * our vendor ID is the one real peers send (checked against captures); a R-U-THERE we
 * build has the RFC's layout byte for byte and parses back; malformed ones are refused
 * with a reason; R-U-THERE numbers are compared with RFC 1982 arithmetic (across the
 * wrap) and an ACK must answer a R-U-THERE sent and not answered yet.
 */
#include "ike_codec_testlib.h"

#include "ikev1_sa.h"
#include "pluto.h"

struct pluto_config pluto; /* main.c's, which the engine reads */

static const uint8_t icookie[IKEV1_COOKIE_LEN] = "ICOOKIE!";
static const uint8_t rcookie[IKEV1_COOKIE_LEN] = "RCOOKIE!";

/* The last VID of a real responder's MR1 (fx_rub_mm_psk_r1) is DPD: it is ours. */
static void test_vid_is_the_captured_one(void **state)
{
	const struct ike_payload *p, *last = NULL;
	struct ike_chunk vid;

	assert_null(parse_all(fx_rub_mm_psk_r1, sizeof(fx_rub_mm_psk_r1)));
	for (p = ike_digest_first(&digest, ISAKMP_NEXT_VID); p; p = ike_digest_next(&digest, p))
		last = p;
	assert_non_null(last);
	assert_null(ike_codec_parse_vid(last, &vid));
	assert_int_equal(vid.len, IKEV1_DPD_VID_LEN);
	assert_memory_equal(vid.ptr, ikev1_dpd_vid, IKEV1_DPD_VID_LEN);
	assert_true(ikev1_dpd_vid_match(vid.ptr, vid.len));
}

static void test_vid_match(void **state)
{
	uint8_t v[IKEV1_DPD_VID_LEN + 1];

	memcpy(v, ikev1_dpd_vid, IKEV1_DPD_VID_LEN);
	v[IKEV1_DPD_VID_LEN] = 0;
	assert_true(ikev1_dpd_vid_match(v, IKEV1_DPD_VID_LEN));
	assert_false(ikev1_dpd_vid_match(v, IKEV1_DPD_VID_LEN - 1));
	assert_false(ikev1_dpd_vid_match(v, IKEV1_DPD_VID_LEN + 1));
	v[15] = 7; /* another minor version: still DPD */
	assert_true(ikev1_dpd_vid_match(v, IKEV1_DPD_VID_LEN));
	v[14] = 2; /* another major version: not ours to speak */
	assert_false(ikev1_dpd_vid_match(v, IKEV1_DPD_VID_LEN));
	memcpy(v, ikev1_dpd_vid, IKEV1_DPD_VID_LEN);
	v[0] ^= 1;
	assert_false(ikev1_dpd_vid_match(v, IKEV1_DPD_VID_LEN));
}

/* What we emit in MI1 / MR1, and what note_vids() finds in a message. */
static void test_vid_emit_and_note(void **state)
{
	uint8_t buf[128];
	struct ike_hdr h = { .xchg = ISAKMP_XCHG_MAIN };
	struct cursor_out o;
	struct ikev1_sa sa = { 0 };
	struct state st = { .proto = &sa };
	struct ikev1_msg m = { .d = &digest };

	memcpy(h.icookie, icookie, sizeof(icookie));
	cursor_out_init(&o, buf, sizeof(buf));
	assert_true(ike_codec_emit_header(&o, &h) &&
		    ike_codec_emit_vid(&o, (const uint8_t *)"\x09\x00\x26\x89\xdf\xd6\xb7\x12", 8) &&
		    ikev1_dpd_emit_vid(&o) && ike_codec_emit_finish(&o));
	assert_int_equal(cursor_out_len(&o), 28 + 12 + 20);
	assert_memory_equal(buf + 28 + 12 + 4, ikev1_dpd_vid, IKEV1_DPD_VID_LEN);
	assert_null(parse_all(buf, cursor_out_len(&o)));
	ikev1_dpd_note_vids(&st, &m);
	assert_true(sa.isakmp.peer_dpd);

	/* only the XAUTH vendor ID: no DPD */
	sa.isakmp.peer_dpd = false;
	cursor_out_init(&o, buf, sizeof(buf));
	assert_true(ike_codec_emit_header(&o, &h) &&
		    ike_codec_emit_vid(&o, (const uint8_t *)"\x09\x00\x26\x89\xdf\xd6\xb7\x12", 8) &&
		    ike_codec_emit_finish(&o));
	assert_null(parse_all(buf, cursor_out_len(&o)));
	ikev1_dpd_note_vids(&st, &m);
	assert_false(sa.isakmp.peer_dpd);
}

/* RFC 3706 5.3: DOI, protocol ISAKMP, SPI size 16, type, the cookies, the number. */
static void test_notify_layout(void **state)
{
	static const uint8_t want[32] = {
		0x00, 0x00, 0x00, 0x20,		/* next payload, reserved, length 32 */
		0x00, 0x00, 0x00, 0x01,		/* DOI IPsec */
		0x01, 0x10, 0x8d, 0x28,		/* ISAKMP, SPI size 16, R-U-THERE (36136) */
		'I', 'C', 'O', 'O', 'K', 'I', 'E', '!',
		'R', 'C', 'O', 'O', 'K', 'I', 'E', '!',
		0xde, 0xad, 0xbe, 0xef,		/* the sequence number */
	};
	uint8_t buf[128], data[4];
	struct ike_hdr h = { .xchg = ISAKMP_XCHG_INFO, .msgid = 0x01020304 };
	struct cursor_out o;
	struct ike_notify n, back;
	uint32_t seq = 0;

	ikev1_dpd_notify(&n, ISAKMP_N_R_U_THERE, icookie, rcookie, 0xdeadbeef, data);
	cursor_out_init(&o, buf, sizeof(buf));
	assert_true(ike_codec_emit_header(&o, &h) && ike_codec_emit_notify(&o, &n) &&
		    ike_codec_emit_finish(&o));
	assert_int_equal(cursor_out_len(&o), 28 + sizeof(want));
	assert_memory_equal(buf + 28, want, sizeof(want));

	assert_null(parse_all(buf, cursor_out_len(&o)));
	assert_null(ike_codec_parse_notify(ike_digest_first(&digest, ISAKMP_NEXT_N), &back));
	assert_int_equal(back.type, ISAKMP_N_R_U_THERE);
	assert_null(ikev1_dpd_parse(&back, &seq));
	assert_int_equal(seq, 0xdeadbeef);
	assert_true(ikev1_dpd_cookies_match(&back, icookie, rcookie));

	ikev1_dpd_notify(&n, ISAKMP_N_R_U_THERE_ACK, icookie, rcookie, 0, data);
	assert_int_equal(n.type, 36137);
	assert_null(ikev1_dpd_parse(&n, &seq));
	assert_int_equal(seq, 0);
}

static void test_parse_refusals(void **state)
{
	uint8_t data[4], other[IKEV1_COOKIE_LEN] = "OTHER!!!";
	struct ike_notify n;
	uint32_t seq = 7;

	ikev1_dpd_notify(&n, ISAKMP_N_R_U_THERE, icookie, rcookie, 1, data);
	n.spi_size = 0;
	assert_string_equal(ikev1_dpd_parse(&n, &seq), "SPI size is not 16");
	assert_false(ikev1_dpd_cookies_match(&n, icookie, rcookie));
	n.spi_size = 4;
	assert_string_equal(ikev1_dpd_parse(&n, &seq), "SPI size is not 16");
	n.spi_size = 16;
	/* other cookies: parsed (tolerated, as Libreswan does), but not a match */
	assert_null(ikev1_dpd_parse(&n, &seq));
	assert_int_equal(seq, 1);
	assert_false(ikev1_dpd_cookies_match(&n, other, rcookie));
	assert_false(ikev1_dpd_cookies_match(&n, icookie, other));
	assert_true(ikev1_dpd_cookies_match(&n, icookie, rcookie));
	seq = 7;
	n.data.len = 3;
	assert_string_equal(ikev1_dpd_parse(&n, &seq), "sequence number is not 4 octets");
	n.data.len = 5;
	assert_string_equal(ikev1_dpd_parse(&n, &seq), "sequence number is not 4 octets");
	n.data.len = 0;
	assert_non_null(ikev1_dpd_parse(&n, &seq));
	assert_int_equal(seq, 7); /* untouched on refusal */
}

static void test_seq_after(void **state)
{
	assert_true(ikev1_dpd_seq_after(6, 5));
	assert_false(ikev1_dpd_seq_after(5, 5));
	assert_false(ikev1_dpd_seq_after(4, 5));
	/* across the wrap */
	assert_true(ikev1_dpd_seq_after(0, 0xffffffff));
	assert_true(ikev1_dpd_seq_after(3, 0xfffffffe));
	assert_false(ikev1_dpd_seq_after(0xffffffff, 0));
	/* half the space ahead is behind */
	assert_false(ikev1_dpd_seq_after(0x80000005u, 5));
	assert_true(ikev1_dpd_seq_after(0x80000004u, 5));
}

/* ACKs answer R-U-THEREs sent after the last one answered (acked), up to the last sent. */
static void test_ack_matches(void **state)
{
	assert_false(ikev1_dpd_ack_matches(10, 10, 10)); /* nothing outstanding */
	assert_true(ikev1_dpd_ack_matches(11, 10, 11));
	assert_false(ikev1_dpd_ack_matches(10, 10, 11)); /* answered already: a duplicate */
	assert_true(ikev1_dpd_ack_matches(11, 10, 13));	 /* a late answer still proves life */
	assert_true(ikev1_dpd_ack_matches(13, 10, 13));
	assert_false(ikev1_dpd_ack_matches(9, 10, 13));	 /* older than one answered */
	assert_false(ikev1_dpd_ack_matches(14, 10, 13)); /* never sent */
	/* across the wrap */
	assert_true(ikev1_dpd_ack_matches(0xffffffff, 0xfffffffe, 1));
	assert_true(ikev1_dpd_ack_matches(0, 0xfffffffe, 1));
	assert_true(ikev1_dpd_ack_matches(1, 0xfffffffe, 1));
	assert_false(ikev1_dpd_ack_matches(2, 0xfffffffe, 1));
	assert_false(ikev1_dpd_ack_matches(0xfffffffe, 0xfffffffe, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vid_is_the_captured_one),
		cmocka_unit_test(test_vid_match),
		cmocka_unit_test(test_vid_emit_and_note),
		cmocka_unit_test(test_notify_layout),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_seq_after),
		cmocka_unit_test(test_ack_matches),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_held);
}
