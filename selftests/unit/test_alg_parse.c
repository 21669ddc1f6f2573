/*
 * ike= / esp= algorithm lists (lib/alg_parse.c), as whack's --ike/--esp take them:
 * good lists give the proposals asked for, the defaults are non-empty and leave out
 * 3DES, MD5 and MODP1024, and each refusal names the offending word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alg_parse.h"
#include "pluto/ike_alg.h"

static struct alg_list list;

static void assert_prop(const struct alg_prop *p, unsigned encr, unsigned keylen, unsigned integ,
			unsigned group)
{
	assert_int_equal(p->encr, encr);
	assert_int_equal(p->keylen, keylen);
	assert_int_equal(p->integ, integ);
	assert_int_equal(p->group, group);
}

static void parse_ok(const char *s, bool esp, unsigned n)
{
	const char *err = esp ? alg_parse_esp(s, &list) : alg_parse_ike(s, &list);

	if (err != NULL)
		fail_msg("%s=%s: %s", esp ? "esp" : "ike", s, err);
	assert_int_equal(list.n, n);
}

static void parse_err(const char *s, bool esp, const char *want)
{
	const char *err = esp ? alg_parse_esp(s, &list) : alg_parse_ike(s, &list);

	if (err == NULL)
		fail_msg("%s=%s accepted", esp ? "esp" : "ike", s);
	assert_string_equal(err, want);
}

static void test_ike_good(void **state)
{
	parse_ok("aes128-sha2_256-modp2048", false, 1);
	assert_prop(&list.p[0], OAKLEY_ENCR_AES_CBC, 128, OAKLEY_HASH_SHA2_256,
		    OAKLEY_GROUP_MODP2048);

	parse_ok("aes256-sha1-modp1536,3des-md5-modp1024", false, 2);
	assert_prop(&list.p[0], OAKLEY_ENCR_AES_CBC, 256, OAKLEY_HASH_SHA1, OAKLEY_GROUP_MODP1536);
	assert_prop(&list.p[1], OAKLEY_ENCR_3DES_CBC, 0, OAKLEY_HASH_MD5, OAKLEY_GROUP_MODP1024);

	parse_ok("AES192-SHA384-ECP384, aes_cbc256-sha512-dh31", false, 2);
	assert_prop(&list.p[0], OAKLEY_ENCR_AES_CBC, 192, OAKLEY_HASH_SHA2_384,
		    OAKLEY_GROUP_ECP384);
	assert_prop(&list.p[1], OAKLEY_ENCR_AES_CBC, 256, OAKLEY_HASH_SHA2_512,
		    OAKLEY_GROUP_CURVE25519);

	/* what is left out takes the default: SHA2_256, MODP2048 */
	parse_ok("aes128", false, 1);
	assert_prop(&list.p[0], OAKLEY_ENCR_AES_CBC, 128, OAKLEY_HASH_SHA2_256,
		    OAKLEY_GROUP_MODP2048);
	parse_ok("aes-modp3072", false, 1);
	assert_prop(&list.p[0], OAKLEY_ENCR_AES_CBC, 128, OAKLEY_HASH_SHA2_256,
		    OAKLEY_GROUP_MODP3072);
	parse_ok("aes256-sha2;modp4096", false, 1);
	assert_prop(&list.p[0], OAKLEY_ENCR_AES_CBC, 256, OAKLEY_HASH_SHA2_256,
		    OAKLEY_GROUP_MODP4096);
}

static void test_esp_good(void **state)
{
	parse_ok("aes128-sha1", true, 1);
	assert_prop(&list.p[0], ESP_AES, 128, AUTH_ALG_HMAC_SHA1, OAKLEY_GROUP_NONE);

	parse_ok("aes_gcm256,aes_gcm128-null,aes_gcm_c192", true, 3);
	assert_prop(&list.p[0], ESP_AES_GCM_16, 256, AUTH_ALG_NONE, OAKLEY_GROUP_NONE);
	assert_prop(&list.p[1], ESP_AES_GCM_16, 128, AUTH_ALG_NONE, OAKLEY_GROUP_NONE);
	assert_prop(&list.p[2], ESP_AES_GCM_16, 192, AUTH_ALG_NONE, OAKLEY_GROUP_NONE);

	/* a PFS group after ';' (Libreswan's esp= syntax) or '-' */
	parse_ok("aes256-sha2_512;modp2048,3des-md5-modp1536", true, 2);
	assert_prop(&list.p[0], ESP_AES, 256, AUTH_ALG_HMAC_SHA2_512, OAKLEY_GROUP_MODP2048);
	assert_prop(&list.p[1], ESP_3DES, 0, AUTH_ALG_HMAC_MD5, OAKLEY_GROUP_MODP1536);

	parse_ok("aes", true, 1);
	assert_prop(&list.p[0], ESP_AES, 128, AUTH_ALG_HMAC_SHA2_256, OAKLEY_GROUP_NONE);
}

static void check_defaults(bool esp)
{
	assert_null(esp ? alg_parse_esp(NULL, &list) : alg_parse_ike(NULL, &list));
	unsigned n = list.n;
	assert_true(n > 0);
	for (unsigned i = 0; i < n; i++) {
		const struct alg_prop *p = &list.p[i];
		if (esp) {
			assert_int_not_equal(p->encr, ESP_3DES);
			assert_int_not_equal(p->encr, ESP_NULL);
			assert_int_not_equal(p->integ, AUTH_ALG_HMAC_MD5);
			assert_int_not_equal(p->group, OAKLEY_GROUP_MODP1024);
		} else {
			assert_int_not_equal(p->encr, OAKLEY_ENCR_3DES_CBC);
			assert_int_not_equal(p->integ, OAKLEY_HASH_MD5);
			assert_int_not_equal(p->group, OAKLEY_GROUP_MODP1024);
			assert_int_not_equal(p->group, OAKLEY_GROUP_NONE);
		}
	}
	/* the empty string means the defaults too */
	struct alg_list again;
	assert_null(esp ? alg_parse_esp("", &again) : alg_parse_ike("", &again));
	assert_int_equal(again.n, n);
	assert_memory_equal(again.p, list.p, n * sizeof(list.p[0]));
}

static void test_defaults(void **state)
{
	check_defaults(false);
	check_defaults(true);
}

static void test_ike_refusals(void **state)
{
	parse_err("blowfish-sha1", false, "unknown IKE encryption algorithm `blowfish'");
	/* IKEv1 has no AEAD ciphers */
	parse_err("aes_gcm128", false, "unknown IKE encryption algorithm `aes_gcm128'");
	parse_err("aes128-foo", false,
		  "unknown or misplaced integrity algorithm `foo' in `aes128'");
	parse_err("aes128-null", false,
		  "unknown or misplaced integrity algorithm `null' in `aes128'");
	parse_err("aes128-sha1-foo", false, "unknown or misplaced DH group `foo' in `aes128'");
	parse_err("aes128-modp2048-sha1", false,
		  "unknown or misplaced DH group `sha1' in `aes128'");
	parse_err("aes128-sha1-modp2048-modp1536", false,
		  "unknown or misplaced DH group `modp1536' in `aes128'");
	parse_err("aes128-sha1-modp2048-modp1536-modp1024", false, "empty or overlong proposal");
}

static void test_esp_refusals(void **state)
{
	parse_err("blowfish-sha1", true, "unknown ESP encryption algorithm `blowfish'");
	parse_err("null-sha1", true, "unknown ESP encryption algorithm `null'");
	parse_err("aes_gcm128-sha1", true,
		  "`aes_gcm128' is an AEAD cipher: its integrity must be null");
	parse_err("aes128-null", true, "ESP `aes128' without integrity is not allowed");
	parse_err("aes128-sha1-bogus", true, "unknown or misplaced DH group `bogus' in `aes128'");
}

static void test_list_refusals(void **state)
{
	char big[1100], many[40 * 8];

	parse_err(",", false, "empty algorithm list");
	parse_err(" , ", true, "empty algorithm list");
	/* one bad proposal spoils the list */
	parse_err("aes128-sha1,bogus", true, "unknown ESP encryption algorithm `bogus'");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse_err(big, false, "algorithm list too long");

	many[0] = '\0';
	for (int i = 0; i < ALG_LIST_MAX; i++)
		strcat(many, i ? ",aes128" : "aes128");
	parse_ok(many, false, ALG_LIST_MAX);
	strcat(many, ",aes128");
	parse_err(many, false, "more than 32 proposals");
}

static void test_names_and_format(void **state)
{
	char buf[256];

	assert_string_equal(alg_encr_name(OAKLEY_ENCR_AES_CBC), "AES_CBC");
	assert_string_equal(alg_encr_name(OAKLEY_ENCR_3DES_CBC), "3DES_CBC");
	assert_string_equal(alg_esp_name(ESP_AES_GCM_16), "AES_GCM_16");
	assert_string_equal(alg_auth_name(AUTH_ALG_NONE), "none");

	parse_ok("aes128-sha2_256-modp2048,3des-sha1-modp1536", false, 2);
	alg_format_ike(&list.p[0], buf, sizeof(buf));
	assert_string_equal(buf, "AES_CBC_128-sha2_256-modp2048");
	alg_list_format(&list, false, buf, sizeof(buf));
	assert_string_equal(buf, "AES_CBC_128-sha2_256-modp2048, 3DES_CBC-sha1-modp1536");

	parse_ok("aes_gcm256,aes256-sha2_512;modp2048", true, 2);
	alg_list_format(&list, true, buf, sizeof(buf));
	assert_string_equal(buf, "AES_GCM_16_256-none, AES_CBC_256-sha2_512-modp2048");

	/* a short buffer is cut, not overrun */
	char tiny[8];
	alg_list_format(&list, true, tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ike_good),	 cmocka_unit_test(test_esp_good),
		cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_ike_refusals),
		cmocka_unit_test(test_esp_refusals),	 cmocka_unit_test(test_list_refusals),
		cmocka_unit_test(test_names_and_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
