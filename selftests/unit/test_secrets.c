/*
 * ipsec.secrets (controld/secrets.c): a strongSwan-style file with PSKs and an RSA PEM
 * key, FreeS/WAN's RSA { } form built from a key generated here (it must sign what the
 * original key verifies), each rejected input with its exact "file:line: message", the
 * best-match lookup rules, and a status listing that never shows a secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "secrets.h"

static char tmpdir[256];
static char path_t[300]; /* the secrets file each test writes */
static char datadir[600];
static EVP_PKEY *key; /* written to moonKey.pem */

static void find_datadir(void)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	snprintf(datadir, sizeof(datadir), "selftests/unit/data");
	if (access(datadir, F_OK) == 0 || n <= 0)
		return;
	exe[n] = '\0';
	for (int up = 0; up < 5; up++) {
		char *slash = strrchr(exe, '/');
		if (slash == NULL)
			return;
		*slash = '\0';
		snprintf(datadir, sizeof(datadir), "%s/selftests/unit/data", exe);
		if (access(datadir, F_OK) == 0)
			return;
	}
}

static void tmp_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char p[400];

	tmp_path(p, sizeof(p), name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

/* Copy a data file into the temporary directory, mode 0600. */
static int copy_data(const char *name)
{
	char from[700], buf[4096];

	snprintf(from, sizeof(from), "%s/%s", datadir, name);
	FILE *f = fopen(from, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	write_file(name, buf, 0600);
	return 0;
}

static int setup_all(void **state)
{
	const char *t = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char p[400];

	find_datadir();
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_secrets.XXXXXX", t);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	tmp_path(path_t, sizeof(path_t), "t.secrets");
	tmp_path(p, sizeof(p), "ipsec-strongswan.d");
	key = crypto_rsa_generate(2048);
	if (key == NULL || mkdir(p, 0700) != 0 || copy_data("ipsec-strongswan.secrets") != 0 ||
	    copy_data("ipsec-strongswan.d/carol.secrets") != 0)
		return -1;
	tmp_path(p, sizeof(p), "moonKey.pem");
	FILE *f = fopen(p, "w");
	if (f == NULL || PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1)
		return -1;
	fclose(f);
	return chmod(p, 0600);
}

static int teardown_all(void **state)
{
	char cmd[400];

	EVP_PKEY_free(key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* "{f}" stands for t.secrets' path, "{d}" for the directory. */
static void expand(const char *want, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = want; *p && o + 1 < cap; p++) {
		const char *sub = strncmp(p, "{f}", 3) == 0   ? path_t
				  : strncmp(p, "{d}", 3) == 0 ? tmpdir
							      : NULL;
		if (sub != NULL) {
			o += (size_t)snprintf(out + o, cap - o, "%s", sub);
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/*
 * Write text as t.secrets (0600) and load it: the messages must be exactly the
 * NULL-terminated list; returns how many entries loaded.
 */
static unsigned load_expect(const char *text, ...)
{
	struct conf_errors errs = {0};
	va_list ap;
	size_t i = 0;

	write_file("t.secrets", text, 0600);
	struct secrets *set = secrets_load(path_t, &errs);
	assert_non_null(set);
	va_start(ap, text);
	for (const char *want; (want = va_arg(ap, const char *)) != NULL; i++) {
		char full[1024];
		expand(want, full, sizeof(full));
		if (i >= errs.n)
			fail_msg("missing error: %s", full);
		assert_string_equal(errs.v[i].msg, full);
		assert_false(errs.v[i].warning);
	}
	va_end(ap);
	if (i < errs.n)
		fail_msg("unexpected error: %s", errs.v[i].msg);
	unsigned n = secrets_count(set);
	secrets_free(set);
	conf_errors_free(&errs);
	return n;
}

static struct ike_id id(const char *s)
{
	struct ike_id i;
	const char *err = id_parse(s, false, &i);

	if (err != NULL)
		fail_msg("%s: %s", s, err);
	return i;
}

static void assert_psk(const struct secrets *set, const char *me, const char *him, const char *want)
{
	struct ike_id a = id(me), b = id(him);
	const struct secret *s = secrets_find_psk(set, &a, &b);

	if (want == NULL) {
		assert_null(s);
		return;
	}
	if (s == NULL)
		fail_msg("no PSK for %s %s", me, him);
	assert_int_equal(s->psk_len, strlen(want));
	assert_memory_equal(s->psk, want, s->psk_len);
}

/* Sign with the loaded private key, verify with the generated key. */
static void assert_key_works(EVP_PKEY *loaded)
{
	uint8_t hash[32] = "a HASH_I of thirty-two bytes...", sig[512];
	size_t len;

	assert_true(EVP_PKEY_eq(loaded, key) == 1);
	assert_int_equal(
		crypto_rsa_sign(loaded, CRYPTO_CHUNK(hash, sizeof(hash)), sig, sizeof(sig), &len),
		0);
	assert_null(
		crypto_rsa_verify(key, CRYPTO_CHUNK(hash, sizeof(hash)), CRYPTO_CHUNK(sig, len)));
}

/* ---- good files ---------------------------------------------------------------------- */

static void collect(void *arg, const char *line)
{
	char *buf = arg;

	strcat(buf, line);
	strcat(buf, "\n");
}

static void test_strongswan_file(void **state)
{
	struct conf_errors errs = {0};
	char p[400], list[4096] = "", want[1024];

	tmp_path(p, sizeof(p), "ipsec-strongswan.secrets");
	struct secrets *set = secrets_load(p, &errs);
	if (errs.n != 0)
		fail_msg("%s", errs.v[0].msg);
	assert_int_equal(secrets_count(set), 7);
	assert_psk(set, "192.0.2.1", "198.51.100.2", "v+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL");
	assert_psk(set, "198.51.100.2", "192.0.2.1", "v+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL");
	assert_psk(set, "@east", "@west", "single quoted, with spaces");
	assert_psk(set, "192.0.2.1", "203.0.113.9", "secret for road warriors");
	assert_psk(set, "@moon.example.org", "@sun.example.org",
		   "\x01\x23\x45\x67\x89\xab\xcd\xef");
	assert_psk(set, "@gw.example.org", "carol@example.org", "carol's secret");
	assert_psk(set, "@nobody", "@else", NULL);

	/* our RSA key: named beats no selectors; both are the PEM key */
	struct ike_id moon = id("@moon.example.org"), other = id("@other");
	const struct secret *s = secrets_find_rsa(set, &moon);
	assert_non_null(s);
	assert_int_equal(s->line, 14);
	assert_key_works(s->pkey);
	s = secrets_find_rsa(set, &other);
	assert_non_null(s);
	assert_int_equal(s->line, 13);
	assert_ptr_equal(secrets_find_rsa_by_pubkey(set, key), s);

	secrets_list(set, collect, list);
	snprintf(want, sizeof(want), "PSK 192.0.2.1 198.51.100.2 (%s:3)\n", p);
	assert_non_null(strstr(list, want));
	snprintf(want, sizeof(want), "RSA 2048 bits ");
	assert_non_null(strstr(list, want));
	assert_null(strstr(list, "v+Nkx"));
	assert_null(strstr(list, "quoted"));
	assert_null(strstr(list, "carol's"));
	secrets_free(set);
	conf_errors_free(&errs);
}

/* FreeS/WAN's RSA { } block for key; field skip is left out, field bad is off by one. */
static void rsa_block(char *out, size_t cap, const char *omit, const char *bad)
{
	static const char *const names[8][2] = {
		{"Modulus", OSSL_PKEY_PARAM_RSA_N},
		{"PublicExponent", OSSL_PKEY_PARAM_RSA_E},
		{"PrivateExponent", OSSL_PKEY_PARAM_RSA_D},
		{"Prime1", OSSL_PKEY_PARAM_RSA_FACTOR1},
		{"Prime2", OSSL_PKEY_PARAM_RSA_FACTOR2},
		{"Exponent1", OSSL_PKEY_PARAM_RSA_EXPONENT1},
		{"Exponent2", OSSL_PKEY_PARAM_RSA_EXPONENT2},
		{"Coefficient", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
	};
	size_t o = (size_t)snprintf(out, cap,
				    "# FreeS/WAN style\n@west : RSA {\n"
				    "\t# RSA 2048 bits   west   Thu Jan  1 00:00:00 1970\n"
				    "\t# for signatures only, UNSAFE FOR ENCRYPTION\n");
	for (int i = 0; i < 8; i++) {
		BIGNUM *bn = NULL;
		assert_int_equal(EVP_PKEY_get_bn_param(key, names[i][1], &bn), 1);
		if (bad != NULL && strcmp(bad, names[i][0]) == 0)
			BN_add_word(bn, 2);
		if (omit == NULL || strcmp(omit, names[i][0]) != 0) {
			if (i == 2) {
				/* one field in base64, as ttodata allows */
				uint8_t bin[512];
				char b64[800];
				int n = BN_bn2bin(bn, bin);
				EVP_EncodeBlock((unsigned char *)b64, bin, n);
				o += (size_t)snprintf(out + o, cap - o, "\t%s: 0s%s\n", names[i][0],
						      b64);
			} else {
				char *hex = BN_bn2hex(bn);
				o += (size_t)snprintf(out + o, cap - o, "\t%s: 0x%s\n", names[i][0],
						      hex);
				OPENSSL_free(hex);
			}
		}
		BN_clear_free(bn);
	}
	snprintf(out + o, cap - o, "\t}\n: PSK \"after the block\"\n");
}

static void test_freeswan_rsa_block(void **state)
{
	struct conf_errors errs = {0};
	char text[8192];
	struct ike_id west = id("@west");

	rsa_block(text, sizeof(text), NULL, NULL);
	write_file("t.secrets", text, 0600);
	struct secrets *set = secrets_load(path_t, &errs);
	if (errs.n != 0)
		fail_msg("%s", errs.v[0].msg);
	assert_int_equal(secrets_count(set), 2);
	const struct secret *s = secrets_find_rsa(set, &west);
	assert_non_null(s);
	assert_int_equal(s->line, 2);
	assert_key_works(s->pkey);
	assert_psk(set, "@a", "@b", "after the block");
	secrets_free(set);
	conf_errors_free(&errs);
}

/* ---- rejected input ------------------------------------------------------------------------ */

static void test_missing_colon(void **state)
{
	assert_int_equal(load_expect("@west @east PSK \"x\"\n: PSK \"good\"\n",
				     "{f}:1: missing `:' between the selectors and the secret (it "
				     "needs white space on both sides)",
				     NULL),
			 1);
	load_expect("@west: PSK \"x\"\n",
		    "{f}:1: missing `:' between the selectors and the "
		    "secret (it needs white space on both sides)",
		    NULL);
}

static void test_unknown_kind(void **state)
{
	load_expect(": FOO \"x\"\n", "{f}:1: unknown secret kind after `:' (PSK or RSA)", NULL);
	/* a PSK without "PSK" is not quoted back */
	load_expect("192.0.2.1 : 0x0123456789abcdef\n", "{f}:1: unknown secret kind after `:' (PSK or RSA)",
		    NULL);
	load_expect("carol : XAUTH \"x\"\n",
		    "{f}:1: secret kind `XAUTH' is not supported (PSK and RSA are)", NULL);
}

static void test_bad_hex(void **state)
{
	load_expect(": PSK 0x12zz34\n", "{f}:1: PSK: bad hex digit", NULL);
	load_expect(": PSK 0x123\n", "{f}:1: PSK: odd number of hex digits", NULL);
	load_expect(": PSK topsecret\n", "{f}:1: PSK needs a \"quoted\" secret or 0x/0s data",
		    NULL);
	load_expect(": PSK \"\"\n", "{f}:1: empty PSK", NULL);
	load_expect("@a\n\t: RSA {\n\tModulus: 0xAB\n\tPrime1: 0x1g\n\t}\n",
		    "{f}:4: RSA key field `Prime1': bad hex digit", NULL);
}

static void test_rsa_missing_field(void **state)
{
	char text[8192];

	rsa_block(text, sizeof(text), "Exponent2", NULL);
	assert_int_equal(load_expect(text, "{f}:2: RSA key is missing field `Exponent2'", NULL), 1);
	load_expect(": RSA {\n\tModulus 0x1234\n\t}\n",
		    "{f}:2: expected `Name: value' in the RSA key", NULL);
	load_expect(": RSA {\n\tModulus: 0x01\n\tModulus: 0x01\n\t}\n",
		    "{f}:3: RSA key field `Modulus' given twice", NULL);
	load_expect(": RSA {\n\tModulus: 0x01\n\tColour: 0x01\n\t}\n",
		    "{f}:3: unknown RSA key field `Colour'", NULL);
	load_expect(": RSA {\n\tModulus: 0x01\n",
		    "{f}:1: RSA key is missing field "
		    "`PublicExponent'",
		    NULL);
}

static void test_rsa_inconsistent(void **state)
{
	char text[8192];

	rsa_block(text, sizeof(text), NULL, "Coefficient");
	assert_int_equal(load_expect(text, "{f}:2: RSA private key fields are inconsistent", NULL),
			 1);
	rsa_block(text, sizeof(text), NULL, "Prime2");
	load_expect(text, "{f}:2: RSA private key fields are inconsistent", NULL);
}

static void test_nss_ckaid(void **state)
{
	load_expect("@west : RSA {\n\t# RSA 3744 bits   west\n\tModulus: 0x01\n"
		    "\tCKAIDNSS: 0x6c2d92c7\n\t}\n",
		    "{f}:4: NSS key references (CKAIDNSS) are not supported: the entry must hold "
		    "the private key itself",
		    NULL);
	load_expect(": RSA \"west\"\n",
		    "{f}:1: RSA `west': NSS references (certificate "
		    "nicknames, CKAIDs) are not supported: give a PEM private key file",
		    NULL);
	load_expect(
		": RSA \"CKAID 6c2d92c7\"\n",
		"{f}:1: RSA `CKAID 6c2d92c7': NSS references "
		"(certificate nicknames, CKAIDs) are not supported: give a PEM private key file",
		NULL);
}

static void test_other_rejections(void **state)
{
	load_expect(": PSK \"abc\n: PSK \"good\"\n", "{f}:1: unterminated quote", NULL);
	load_expect("include nothere.secrets\n",
		    "{f}:1: cannot open include file `{d}/nothere.secrets': No such file or "
		    "directory",
		    NULL);
	load_expect("include t.secrets\n",
		    "{f}:1: include `t.secrets': nested more than 10 deep (a loop?)", NULL);
	load_expect("10.0.0.300 : PSK \"x\"\n",
		    "{f}:1: selector `10.0.0.300': `10.0.0.300' is not an IP address", NULL);
	load_expect(": RSA moonKey.pem %prompt\n",
		    "{f}:1: passphrases (and %prompt) are not supported yet", NULL);
	load_expect(": RSA nothere.pem\n",
		    "{f}:1: cannot read `{d}/nothere.pem': No such file or directory", NULL);
	load_expect("\t: PSK \"x\"\n",
		    "{f}:1: an entry must start at column 0 (only its "
		    "continuation lines are indented)",
		    NULL);
}

static void test_encrypted_pem(void **state)
{
	char p[400];

	tmp_path(p, sizeof(p), "enc.pem");
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), (unsigned char *)"pass", 4,
					      NULL, NULL),
			 1);
	fclose(f);
	chmod(p, 0600);
	load_expect(": RSA enc.pem\n",
		    "{f}:1: `{d}/enc.pem' is encrypted: passphrases are not supported yet", NULL);
}

/* No error message shows a secret. */
static void test_secret_not_shown(void **state)
{
	struct conf_errors errs = {0};
	const char *text = "@a @b PSK \"TOPSECRET1\"\n: PSK TOPSECRET2\n: PSK 0xTOPSECRET3\n"
			   ": PSK \"TOPSECRET4\" TOPSECRET5\n: PSK 0sTOPSECRET6*\n";

	write_file("t.secrets", text, 0600);
	struct secrets *set = secrets_load(path_t, &errs);
	assert_int_equal(errs.nerrors, 5);
	for (size_t i = 0; i < errs.n; i++)
		assert_null(strstr(errs.v[i].msg, "TOPSECRET"));
	secrets_free(set);
	conf_errors_free(&errs);
}

static void test_permission_warning(void **state)
{
	struct conf_errors errs = {0};
	char want[600], p[400];

	write_file("t.secrets", ": PSK \"x\"\n", 0644);
	struct secrets *set = secrets_load(path_t, &errs);
	assert_int_equal(secrets_count(set), 1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.nerrors, 0);
	assert_true(errs.v[0].warning);
	snprintf(want, sizeof(want),
		 "%s: group or others may access this file (mode 0644); it "
		 "should be 0600",
		 path_t);
	assert_string_equal(errs.v[0].msg, want);
	secrets_free(set);
	conf_errors_free(&errs);

	/* a pattern that matches nothing: a warning, an empty set */
	tmp_path(p, sizeof(p), "none-*.secrets");
	set = secrets_load(p, &errs);
	assert_int_equal(secrets_count(set), 0);
	assert_int_equal(errs.nerrors, 0);
	assert_int_equal(errs.n, 1);
	secrets_free(set);
	conf_errors_free(&errs);
}

/* ---- lookup --------------------------------------------------------------------------------- */

static void test_psk_best_match(void **state)
{
	struct conf_errors errs = {0};

	write_file("t.secrets",
		   ": PSK \"default\"\n"
		   "%any %any : PSK \"any-any\"\n"
		   "192.0.2.1 : PSK \"me-default-peer\"\n"
		   "192.0.2.1 %any : PSK \"me-any\"\n"
		   "192.0.2.1 192.0.2.2 : PSK \"exact\"\n"
		   "%any 192.0.2.3 : PSK \"any-him3\"\n"
		   "192.0.2.2 192.0.2.1 : PSK \"exact-later\"\n"
		   ": RSA moonKey.pem\n",
		   0600);
	struct secrets *set = secrets_load(path_t, &errs);
	assert_int_equal(errs.n, 0);
	assert_psk(set, "192.0.2.1", "192.0.2.2", "exact");  /* 6; a tie goes to the first */
	assert_psk(set, "192.0.2.2", "192.0.2.1", "exact");  /* the same entry serves both */
	assert_psk(set, "192.0.2.1", "192.0.2.9", "me-any"); /* 5 beats 4 */
	assert_psk(set, "192.0.2.5", "192.0.2.3", "any-him3");
	assert_psk(set, "192.0.2.5", "192.0.2.9", "any-any"); /* 4 beats the default's 1 */
	assert_psk(set, "192.0.2.1", "%any", "me-any");	      /* %any is matched by %any only */
	secrets_free(set);

	write_file("t.secrets",
		   ": PSK \"default\"\n"
		   "192.0.2.1 : PSK \"me-default-peer\"\n"
		   "192.0.2.1 192.0.2.2 : PSK \"exact\"\n",
		   0600);
	set = secrets_load(path_t, &errs);
	assert_psk(set, "192.0.2.1", "192.0.2.9", "me-default-peer");
	assert_psk(set, "192.0.2.7", "192.0.2.1", "default"); /* a default peer is not a me */
	secrets_free(set);

	write_file("t.secrets", "192.0.2.1 192.0.2.2 : PSK \"exact\"\n", 0600);
	set = secrets_load(path_t, &errs);
	assert_psk(set, "192.0.2.1", "192.0.2.9", NULL); /* several selectors: both must match */
	secrets_free(set);
	conf_errors_free(&errs);
}

static void test_rsa_best_match(void **state)
{
	struct conf_errors errs = {0};
	struct ike_id west = id("@west"), east = id("@east"), north = id("@north");

	write_file("t.secrets",
		   ": RSA moonKey.pem\n"
		   "%any : RSA moonKey.pem\n"
		   "@west @east : RSA moonKey.pem\n"
		   "@west : PSK \"not a key\"\n",
		   0600);
	struct secrets *set = secrets_load(path_t, &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(secrets_find_rsa(set, &west)->line, 3);
	assert_int_equal(secrets_find_rsa(set, &east)->line, 3); /* our id among others */
	assert_int_equal(secrets_find_rsa(set, &north)->line, 2);
	secrets_free(set);

	write_file("t.secrets", "@west : PSK \"x\"\n: RSA moonKey.pem\n", 0600);
	set = secrets_load(path_t, &errs);
	assert_int_equal(secrets_find_rsa(set, &north)->line, 2);
	assert_null(secrets_find_psk(set, &north, &east));
	secrets_free(set);
	conf_errors_free(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strongswan_file),	 cmocka_unit_test(test_freeswan_rsa_block),
		cmocka_unit_test(test_missing_colon),	 cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_bad_hex),		 cmocka_unit_test(test_rsa_missing_field),
		cmocka_unit_test(test_rsa_inconsistent), cmocka_unit_test(test_nss_ckaid),
		cmocka_unit_test(test_other_rejections), cmocka_unit_test(test_encrypted_pem),
		cmocka_unit_test(test_secret_not_shown), cmocka_unit_test(test_permission_warning),
		cmocka_unit_test(test_psk_best_match),	 cmocka_unit_test(test_rsa_best_match),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
