/*
 * The whack <-> pluto request (lib/whack_msg.c): a fully populated request survives
 * encode/decode unchanged; decode refuses every malformed request with its reason (header,
 * field framing, table checks, values); and random mutations of a valid encoding never
 * crash the decoder (run this also from build/san/ after make SANITIZE=1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "debug_class.h"
#include "whack_msg.h"

/* Field tags, as the table in whack_msg.c numbers them. */
enum {
	T_OPS = 1,
	T_FLAGS = 2,
	T_NAME = 3,
	T_POLICY = 4,
	T_HOST_AF = 5,
	T_TUNNEL_AF = 6,
	T_DEBUG_ON = 18,
	T_DPD_DELAY = 22,
	T_DPD_TIMEOUT = 23,
	T_DPD_ACTION = 24,
	T_LEFT_HOST_TYPE = 101,
	T_LEFT_HOST = 102,
	T_LEFT_CLIENT = 106,
	T_RIGHT_CLIENT = 206,
	T_PUBKEY = 16,
};

static uint8_t *buf; /* WHACK_MSG_MAX + slack */
static struct whack_msg *out;

static void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void set_addr(ip_address *a, const char *s)
{
	assert_null(ip_addr_parse(s, AF_UNSPEC, false, a));
}

static void set_subnet(ip_subnet *s, const char *src)
{
	assert_null(ip_subnet_parse(src, AF_UNSPEC, s));
}

/* Every field set to something other than zero. */
static void fill_full(struct whack_msg *m)
{
	whack_msg_init(m);
	m->ops = WHACK_OP_ALL;
	m->flags = WHACK_F_ASYNC | WHACK_F_ADDKEY;
	strcpy(m->name, "full-connection");
	for (int e = 0; e < 2; e++) {
		struct whack_end *w = &m->end[e];
		strcpy(w->id, e ? "user@right.example.com" : "@left.example.com");
		w->host_type = WHACK_HOST_ADDR;
		set_addr(&w->host, e ? "198.51.100.1" : "192.0.2.1");
		w->ikeport = e ? 500 : 4500;
		set_addr(&w->nexthop, e ? "198.51.100.254" : "192.0.2.254");
		w->has_client = 1;
		set_subnet(&w->client, e ? "10.2.0.0/16" : "10.1.0.0/16");
		strcpy(w->updown, e ? "/usr/local/bin/updown right" : "/bin/true");
		w->dnskeyondemand = 1;
	}
	m->policy = POLICY_PSK | POLICY_RSASIG | POLICY_ENCRYPT | POLICY_AUTHENTICATE |
		    POLICY_COMPRESS | POLICY_TUNNEL | POLICY_PFS | POLICY_DISABLEARRIVALCHECK |
		    POLICY_DONTREKEY;
	m->host_af = AF_INET;
	m->tunnel_af = AF_INET;
	m->ikelifetime = 900;
	m->ipseclifetime = 800;
	m->rekeymargin = 100;
	m->rekeyfuzz = 50;
	m->keyingtries = 7;
	strcpy(m->ike, "aes256-sha2_256-modp2048");
	strcpy(m->esp, "aes_gcm256");
	m->dpd_delay = 30;
	m->dpd_timeout = 150;
	m->dpd_action = WHACK_DPD_RESTART;
	m->deletestate = 42;
	strcpy(m->keyid, "@peer.example.com");
	m->pubkey_len = 260;
	for (int i = 0; i < m->pubkey_len; i++)
		m->pubkey[i] = (uint8_t)(i * 7 + 3);
	strcpy(m->myid, "@me.example.com");
	m->debug_on = DBG_RAW | DBG_CONTROL;
	m->debug_off = DBG_CRYPT;
	set_addr(&m->oppo_here, "10.1.0.5");
	set_addr(&m->oppo_there, "10.2.0.5");
}

static int encode(const struct whack_msg *m)
{
	int len = whack_msg_encode(m, buf, WHACK_MSG_MAX);

	assert_true(len >= WHACK_HDR_LEN);
	return len;
}

/* A header announcing len bytes. */
static void header(uint8_t *p, uint32_t len)
{
	put32(p, WHACK_MAGIC);
	put16(p + 4, WHACK_VERSION);
	put16(p + 6, 0);
	put32(p + 8, len);
}

/* Append a field at *off; returns the new offset. */
static size_t field(uint8_t *p, size_t off, uint16_t tag, const void *val, uint16_t n)
{
	put16(p + off, tag);
	put16(p + off + 2, n);
	memcpy(p + off + 4, val, n);
	return off + 4 + n;
}

/* Decode a request made of one field (after a valid ops field). */
static const char *decode_one(uint16_t tag, const void *val, uint16_t n)
{
	uint8_t ops[4];
	size_t off = WHACK_HDR_LEN;

	put32(ops, WHACK_OP_STATUS);
	off = field(buf, off, T_OPS, ops, 4);
	off = field(buf, off, tag, val, n);
	header(buf, (uint32_t)off);
	return whack_msg_decode(buf, off, out);
}

static void assert_decode_err(const char *got, const char *want)
{
	if (got == NULL)
		fail_msg("decode accepted it; want \"%s\"", want != NULL ? want : "an error");
	if (want != NULL)
		assert_string_equal(got, want);
}

static int setup(void **state)
{
	buf = calloc(1, WHACK_MSG_MAX + 64);
	out = calloc(1, sizeof(*out));
	return buf != NULL && out != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	free(buf);
	free(out);
	return 0;
}

static void test_round_trip_full(void **state)
{
	static struct whack_msg m;
	int len;

	fill_full(&m);
	len = encode(&m);
	assert_int_equal(whack_msg_peek_len(buf, (size_t)len), (size_t)len);
	assert_null(whack_msg_decode(buf, (size_t)len, out));
	assert_memory_equal(out, &m, sizeof(m));
}

static void test_round_trip_defaults_ipv6(void **state)
{
	static struct whack_msg m;
	int len;

	whack_msg_init(&m);
	assert_int_equal(m.ikelifetime, 3600);
	assert_int_equal(m.ipseclifetime, 28800);
	assert_int_equal(m.rekeymargin, 540);
	assert_int_equal(m.rekeyfuzz, 100);
	assert_int_equal(m.keyingtries, 3);
	m.ops = WHACK_OP_CONN;
	strcpy(m.name, "v6");
	m.host_af = AF_INET6;
	m.tunnel_af = AF_INET6;
	m.end[0].host_type = WHACK_HOST_ADDR;
	set_addr(&m.end[0].host, "2001:db8::1");
	m.end[1].host_type = WHACK_HOST_ANY;
	m.end[0].has_client = 1;
	set_subnet(&m.end[0].client, "2001:db8:1::/48");
	len = encode(&m);
	assert_null(whack_msg_decode(buf, (size_t)len, out));
	assert_memory_equal(out, &m, sizeof(m));
}

static void test_encode_no_space(void **state)
{
	static struct whack_msg m;

	fill_full(&m);
	assert_int_equal(whack_msg_encode(&m, buf, 40), -ENOSPC);
	assert_int_equal(whack_msg_encode(&m, buf, 4), -ENOSPC);
}

static void test_peek_len(void **state)
{
	header(buf, 1234);
	assert_int_equal(whack_msg_peek_len(buf, WHACK_HDR_LEN), 1234);
	assert_int_equal(whack_msg_peek_len(buf, WHACK_HDR_LEN - 1), 0);
	buf[0] ^= 0x80;
	assert_int_equal(whack_msg_peek_len(buf, WHACK_HDR_LEN), 0);
}

static void test_reject_header(void **state)
{
	static struct whack_msg m;
	int len;

	fill_full(&m);
	len = encode(&m);
	buf[1] ^= 0x01;
	assert_decode_err(whack_msg_decode(buf, (size_t)len, out), "not a whack message");
	buf[1] ^= 0x01;
	put16(buf + 4, 2);
	assert_decode_err(whack_msg_decode(buf, (size_t)len, out),
			  "whack message version 2, pluto speaks version 1");
	put16(buf + 4, WHACK_VERSION);
	assert_decode_err(whack_msg_decode(buf, (size_t)len - 1, out),
			  "whack message length does not match what was received");
	put32(buf + 8, (uint32_t)len + 1);
	assert_decode_err(whack_msg_decode(buf, (size_t)len, out),
			  "whack message length does not match what was received");
	put32(buf + 8, (uint32_t)len);
	assert_null(whack_msg_decode(buf, (size_t)len, out));
	assert_decode_err(whack_msg_decode(buf, 5, out), "not a whack message");
}

static void test_reject_oversized(void **state)
{
	uint8_t *big = calloc(1, WHACK_MSG_MAX + 8);

	assert_non_null(big);
	header(big, WHACK_MSG_MAX + 4);
	assert_decode_err(whack_msg_decode(big, WHACK_MSG_MAX + 4, out), NULL);
	free(big);
}

static void test_reject_truncated_field_header(void **state)
{
	uint8_t ops[4];
	size_t off;

	put32(ops, WHACK_OP_STATUS);
	off = field(buf, WHACK_HDR_LEN, T_OPS, ops, 4);
	put16(buf + off, T_NAME);
	off += 2; /* tag, no length */
	header(buf, (uint32_t)off);
	assert_decode_err(whack_msg_decode(buf, off, out), "truncated field header");
}

static void test_reject_field_past_end(void **state)
{
	size_t off = WHACK_HDR_LEN;

	put16(buf + off, T_NAME);
	put16(buf + off + 2, 10);
	memcpy(buf + off + 4, "abcd", 4);
	off += 8;
	header(buf, (uint32_t)off);
	assert_decode_err(whack_msg_decode(buf, off, out),
			  "field runs past the end of the message");
}

static void test_reject_unknown_tag(void **state)
{
	uint8_t v[4] = {0};

	assert_decode_err(decode_one(999, v, 4), "unknown field 999");
	assert_decode_err(decode_one(25, v, 4), "unknown field 25");
	assert_decode_err(decode_one(0, v, 4), "unknown field 0");
	assert_decode_err(decode_one(65535, v, 4), "unknown field 65535");
}

static void test_reject_duplicate_tag(void **state)
{
	size_t off = WHACK_HDR_LEN;

	off = field(buf, off, T_NAME, "a", 1);
	off = field(buf, off, T_NAME, "b", 1);
	header(buf, (uint32_t)off);
	assert_decode_err(whack_msg_decode(buf, off, out), "field name given twice");
}

static void test_reject_bad_strings(void **state)
{
	char big[WHACK_NAME_MAX + 1];

	assert_decode_err(decode_one(T_NAME, "a\0b", 3),
			  "field name: string contains NUL or newline");
	assert_decode_err(decode_one(T_NAME, "a\nb", 3),
			  "field name: string contains NUL or newline");
	memset(big, 'x', sizeof(big));
	assert_decode_err(decode_one(T_NAME, big, WHACK_NAME_MAX), "field name: string too long");
	assert_null(decode_one(T_NAME, big, WHACK_NAME_MAX - 1));
	assert_int_equal(strlen(out->name), WHACK_NAME_MAX - 1);
}

static void test_reject_bad_lengths(void **state)
{
	uint8_t v[18] = {0};

	assert_decode_err(decode_one(T_POLICY, v, 3), "field policy: bad length");
	assert_decode_err(decode_one(T_HOST_AF, v, 2), "field host address family: bad length");
	v[0] = AF_INET;
	assert_decode_err(decode_one(T_LEFT_HOST, v, 16), "field host: bad address");
	assert_decode_err(decode_one(T_LEFT_CLIENT, v, 17), "field client: bad subnet");
}

static void test_reject_bad_family(void **state)
{
	uint8_t v[18] = {0};

	v[0] = 7;
	assert_decode_err(decode_one(T_LEFT_HOST, v, 17), "field host: bad address");
	v[0] = AF_UNSPEC;
	assert_decode_err(decode_one(T_LEFT_HOST, v, 17), "field host: bad address");
	v[0] = 7;
	assert_decode_err(decode_one(T_LEFT_CLIENT, v, 18), "field client: bad subnet");
}

static void test_reject_subnet_bits(void **state)
{
	uint8_t v[18] = {0};

	v[0] = AF_INET;
	v[17] = 32;
	assert_null(decode_one(T_RIGHT_CLIENT, v, 18));
	v[17] = 33;
	assert_decode_err(decode_one(T_RIGHT_CLIENT, v, 18), "field client: bad subnet");
	v[0] = AF_INET6;
	v[17] = 128;
	assert_null(decode_one(T_RIGHT_CLIENT, v, 18));
	v[17] = 129;
	assert_decode_err(decode_one(T_RIGHT_CLIENT, v, 18), "field client: bad subnet");
}

static void test_reject_unknown_op(void **state)
{
	uint8_t v[4];
	size_t off;

	put32(v, WHACK_OP_STATUS | (1u << 31));
	off = field(buf, WHACK_HDR_LEN, T_OPS, v, 4);
	header(buf, (uint32_t)off);
	assert_decode_err(whack_msg_decode(buf, off, out), "unknown operation requested");
}

static void test_reject_long_pubkey(void **state)
{
	static uint8_t key[WHACK_KEY_MAX + 1];

	assert_decode_err(decode_one(T_PUBKEY, key, WHACK_KEY_MAX + 1),
			  "field pubkeyrsa: key too long");
	assert_null(decode_one(T_PUBKEY, key, WHACK_KEY_MAX));
	assert_int_equal(out->pubkey_len, WHACK_KEY_MAX);
}

/*
 * docs/design.md: pluto "checks every field against the same table (kind, length, value
 * range, ...)". Enumerated fields carry only their enumeration's values.
 */
static void test_reject_bad_enum_values(void **state)
{
	uint8_t v = 99;

	assert_decode_err(decode_one(T_LEFT_HOST_TYPE, &v, 1), NULL);
	v = 7;
	assert_decode_err(decode_one(T_HOST_AF, &v, 1), NULL);
	assert_decode_err(decode_one(T_TUNNEL_AF, &v, 1), NULL);
	v = WHACK_DPD_ACTION_MAX + 1;
	assert_decode_err(decode_one(T_DPD_ACTION, &v, 1), NULL);
}

/* DPD times are bounded as ipsec.conf bounds them; the bound itself is accepted. */
static void test_dpd_times(void **state)
{
	uint8_t v[4];

	put32(v, WHACK_MAX_DPDTIME + 1);
	assert_decode_err(decode_one(T_DPD_DELAY, v, 4), NULL);
	assert_decode_err(decode_one(T_DPD_TIMEOUT, v, 4), NULL);
	put32(v, WHACK_MAX_DPDTIME);
	assert_null(decode_one(T_DPD_TIMEOUT, v, 4));
	assert_int_equal(out->dpd_timeout, WHACK_MAX_DPDTIME);
	v[0] = WHACK_DPD_CLEAR;
	assert_null(decode_one(T_DPD_ACTION, v, 1));
	assert_int_equal(out->dpd_action, WHACK_DPD_CLEAR);
}

/* As unknown operation bits are refused, so are unknown flag, policy and debug bits. */
static void test_reject_unknown_bits(void **state)
{
	uint8_t v[4];

	put32(v, 1u << 31);
	assert_decode_err(decode_one(T_FLAGS, v, 4), NULL);
	assert_decode_err(decode_one(T_POLICY, v, 4), NULL);
	assert_decode_err(decode_one(T_DEBUG_ON, v, 4), NULL);
}

/* A subnet with host bits on is refused by whack (ipsec_atosubnet); pluto must not take it. */
static void test_reject_improper_subnet(void **state)
{
	uint8_t v[18] = {0};

	v[0] = AF_INET;
	v[1] = 10;
	v[3] = 1;
	v[4] = 1; /* 10.0.1.1/24 */
	v[17] = 24;
	assert_decode_err(decode_one(T_LEFT_CLIENT, v, 18), NULL);
}

static void test_rc_exit_status(void **state)
{
	assert_int_equal(whack_rc_exit_status(RC_COMMENT), -1);
	assert_int_equal(whack_rc_exit_status(RC_LOG), -1);
	assert_int_equal(whack_rc_exit_status(RC_LOG_SERIOUS), -1);
	assert_int_equal(whack_rc_exit_status(RC_SUCCESS), 0);
	assert_int_equal(whack_rc_exit_status(RC_DUPNAME), 20);
	assert_int_equal(whack_rc_exit_status(RC_UNKNOWN_NAME), 21);
	assert_int_equal(whack_rc_exit_status(RC_DEAF), 24);
	assert_int_equal(whack_rc_exit_status(RC_WHACK_PROBLEM), 1);
}

/* Check what a successful decode produced: terminated strings, bounded lengths. */
static void check_decoded(const struct whack_msg *m)
{
	assert_true(memchr(m->name, '\0', sizeof(m->name)) != NULL);
	assert_true(memchr(m->ike, '\0', sizeof(m->ike)) != NULL);
	assert_true(memchr(m->esp, '\0', sizeof(m->esp)) != NULL);
	assert_true(memchr(m->keyid, '\0', sizeof(m->keyid)) != NULL);
	assert_true(memchr(m->myid, '\0', sizeof(m->myid)) != NULL);
	assert_true(m->pubkey_len <= WHACK_KEY_MAX);
	for (int e = 0; e < 2; e++) {
		assert_true(memchr(m->end[e].id, '\0', sizeof(m->end[e].id)) != NULL);
		assert_true(memchr(m->end[e].updown, '\0', sizeof(m->end[e].updown)) != NULL);
		if (ip_addr_is_set(&m->end[e].client.addr))
			assert_true(m->end[e].client.maskbits <=
				    ip_af_bits(m->end[e].client.addr.af));
	}
	assert_int_equal(m->ops & ~WHACK_OP_ALL, 0);
}

/* Flip, overwrite, truncate or extend a valid request; decode must fail cleanly or succeed. */
static void test_random_mutations(void **state)
{
	static struct whack_msg m;
	uint8_t *orig = malloc(WHACK_MSG_MAX);
	int len;
	unsigned accepted = 0;

	assert_non_null(orig);
	fill_full(&m);
	len = encode(&m);
	memcpy(orig, buf, (size_t)len);
	srandom(20240611);
	for (int iter = 0; iter < 200000; iter++) {
		size_t n = (size_t)len;
		int kind = (int)(random() % 4);
		if (kind == 2)
			n = (size_t)(random() % (len + 1)); /* truncate */
		else if (kind == 3)
			n = (size_t)len + (size_t)(random() % 64); /* extend */
		uint8_t *mut = malloc(n ? n : 1);
		assert_non_null(mut);
		memcpy(mut, orig, n < (size_t)len ? n : (size_t)len);
		for (size_t i = (size_t)len; i < n; i++)
			mut[i] = (uint8_t)random();
		int flips = 1 + (int)(random() % 8);
		for (int f = 0; f < flips && n > 0; f++) {
			size_t at = (size_t)random() % n;
			mut[at] = kind == 0 ? (uint8_t)(mut[at] ^ (1u << (random() % 8)))
					    : (uint8_t)random();
		}
		/* keep the header consistent half of the time, to get past it */
		if ((iter & 1) && n >= WHACK_HDR_LEN) {
			header(mut, (uint32_t)n);
		}
		if (whack_msg_decode(mut, n, out) == NULL) {
			check_decoded(out);
			accepted++;
		}
		free(mut);
	}
	free(orig);
	/* the mutations reach past the header: some still decode */
	assert_true(accepted > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_round_trip_defaults_ipv6),
		cmocka_unit_test(test_encode_no_space),
		cmocka_unit_test(test_peek_len),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_reject_oversized),
		cmocka_unit_test(test_reject_truncated_field_header),
		cmocka_unit_test(test_reject_field_past_end),
		cmocka_unit_test(test_reject_unknown_tag),
		cmocka_unit_test(test_reject_duplicate_tag),
		cmocka_unit_test(test_reject_bad_strings),
		cmocka_unit_test(test_reject_bad_lengths),
		cmocka_unit_test(test_reject_bad_family),
		cmocka_unit_test(test_reject_subnet_bits),
		cmocka_unit_test(test_reject_unknown_op),
		cmocka_unit_test(test_reject_long_pubkey),
		cmocka_unit_test(test_reject_bad_enum_values),
		cmocka_unit_test(test_dpd_times),
		cmocka_unit_test(test_reject_unknown_bits),
		cmocka_unit_test(test_reject_improper_subnet),
		cmocka_unit_test(test_rc_exit_status),
		cmocka_unit_test(test_random_mutations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
