/*
 * IKE identities (lib/id.c): every form the manual's --id takes (an address, @fqdn taken
 * literally, user@fqdn, %myid), the key-id form @#hex, %any, the refusal of distinguished
 * names, formatting that parses back to the same identity, comparison (domain names
 * without regard to case), and IDs kept sized to their names.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "id.h"

static struct ike_id id(const char *src)
{
	struct ike_id x;
	const char *err = id_parse(src, false, &x);

	if (err != NULL)
		fail_msg("id_parse(%s): %s", src, err);
	return x;
}

static void assert_id_err(const char *src, const char *want)
{
	struct ike_id x;
	const char *err = id_parse(src, false, &x);

	if (err == NULL)
		fail_msg("id_parse(%s) accepted it", src);
	if (want != NULL)
		assert_string_equal(err, want);
}

/* Format, check the text, parse the text again: the same identity. */
static void assert_round_trip(const char *src, const char *want)
{
	struct ike_id a = id(src), b;
	char buf[ID_STRLEN];

	id_format(&a, buf);
	assert_string_equal(buf, want);
	assert_string_equal(id_str(&a), want);
	assert_null(id_parse(buf, false, &b));
	assert_int_equal(a.kind, b.kind);
	assert_true(id_eq(&a, &b));
}

static void test_address_ids(void **state)
{
	struct ike_id a = id("192.0.2.1"), b = id("2001:db8::1");

	assert_int_equal(a.kind, ID_IPV4_ADDR);
	assert_string_equal(ip_addr_str(&a.ip), "192.0.2.1");
	assert_int_equal(b.kind, ID_IPV6_ADDR);
	assert_round_trip("192.0.2.1", "192.0.2.1");
	assert_round_trip("2001:DB8:0::1", "2001:db8::1");
}

static void test_fqdn(void **state)
{
	struct ike_id a = id("@gw.example.com");

	assert_int_equal(a.kind, ID_FQDN);
	assert_int_equal(a.len, strlen("gw.example.com"));
	assert_memory_equal(a.name, "gw.example.com", a.len);
	assert_round_trip("@gw.example.com", "@gw.example.com");
	/* taken literally: not resolved, even when resolving is allowed */
	struct ike_id b;
	assert_null(id_parse("@localhost", true, &b));
	assert_int_equal(b.kind, ID_FQDN);
	assert_round_trip("@localhost", "@localhost");
}

static void test_user_fqdn(void **state)
{
	struct ike_id a = id("alice@example.com");

	assert_int_equal(a.kind, ID_USER_FQDN);
	assert_memory_equal(a.name, "alice@example.com", a.len);
	assert_round_trip("alice@example.com", "alice@example.com");
}

static void test_key_id(void **state)
{
	static const uint8_t want[] = {0x01, 0x02, 0xab, 0xcd};
	struct ike_id a = id("@#0102abcd");

	assert_int_equal(a.kind, ID_KEY_ID);
	assert_int_equal(a.len, 4);
	assert_memory_equal(a.name, want, 4);
	assert_round_trip("@#0102abcd", "@#0102abcd");
	assert_round_trip("@#0A0B", "@#0a0b");
	assert_id_err("@#", NULL);
	assert_id_err("@#zz", NULL);
	assert_id_err("@#123", NULL);
}

static void test_any_myid(void **state)
{
	struct ike_id any = id("%any"), zero = id("0.0.0.0"), myid = id("%myid");

	assert_int_equal(any.kind, ID_ANY);
	assert_int_equal(zero.kind, ID_ANY);
	assert_int_equal(myid.kind, ID_MYID);
	assert_round_trip("%any", "%any");
	assert_round_trip("%myid", "%myid");
	assert_id_err("%bogus", "unknown identity keyword `%bogus'");
}

static void test_dn_refused(void **state)
{
	assert_id_err(
		"C=CH, O=Example, CN=gw",
		"`C=CH, O=Example, CN=gw': distinguished-name identities are not supported yet");
	assert_id_err("CN=gw", "`CN=gw': distinguished-name identities are not supported yet");
}

static void test_bad_ids(void **state)
{
	char big[ID_NAME_MAX + 3];
	struct ike_id x;

	assert_id_err("", "empty identity");
	assert_id_err("@", "empty name in identity");
	assert_id_err("@a b", "identity contains white space or a control character");
	assert_id_err("@a\tb", "identity contains white space or a control character");
	/* neither an address nor (when not resolving) a name */
	assert_id_err("gw.example.com", "`gw.example.com' is not an IP address");

	/* 256 characters fit, 257 do not */
	big[0] = '@';
	memset(big + 1, 'a', ID_NAME_MAX);
	big[ID_NAME_MAX + 1] = '\0';
	assert_null(id_parse(big, false, &x));
	assert_int_equal(x.len, ID_NAME_MAX);
	big[ID_NAME_MAX + 1] = 'a';
	big[ID_NAME_MAX + 2] = '\0';
	assert_id_err(big, "identity longer than 256 characters");
}

static void test_resolve(void **state)
{
	struct ike_id x;

	/* the manual's "Fully Qualified Domain Name, which will be resolved immediately" */
	assert_null(id_parse("localhost", true, &x));
	assert_true(x.kind == ID_IPV4_ADDR || x.kind == ID_IPV6_ADDR);
}

/*
 * Equal IDs, and id_hash() gives them one hash (the index of --uniqueids relies on it);
 * different ones, with different hashes (for these: a hash may collide, these do not).
 */
static void same(const struct ike_id *a, const struct ike_id *b)
{
	assert_true(id_eq(a, b));
	assert_true(id_hash(a, 0x1234) == id_hash(b, 0x1234));
}

static void differ(const struct ike_id *a, const struct ike_id *b)
{
	assert_false(id_eq(a, b));
	assert_true(id_hash(a, 0x1234) != id_hash(b, 0x1234));
}

static void test_compare(void **state)
{
	struct ike_id a = id("@GW.Example.COM"), b = id("@gw.example.com");
	struct ike_id c = id("@gw.example.org"), u = id("gw@example.com");
	struct ike_id u2 = id("GW@EXAMPLE.COM"), k1 = id("@#0a0b"), k2 = id("@#0A0B");
	struct ike_id k3 = id("@#0a0c"), ip1 = id("10.0.0.1"), ip2 = id("10.0.0.2");
	struct ike_id ip1b = id("10.0.0.1"), any = id("%any"), user_like = id("@gw@example.com");

	same(&a, &b);
	differ(&a, &c);
	same(&u, &u2);
	differ(&u, &user_like); /* same text, different kinds */
	same(&k1, &k2);
	differ(&k1, &k3);
	same(&ip1, &ip1b);
	differ(&ip1, &ip2);
	differ(&ip1, &a);
	assert_true(id_hash(&a, 1) != id_hash(&a, 2)); /* the seed counts */
	assert_true(id_match(&any, &a));
	assert_true(id_match(&any, &ip1));
	assert_true(id_match(&b, &a));
	assert_false(id_match(&a, &any));
	assert_false(id_match(&ip1, &ip2));
}

static void test_from_addr_is_set(void **state)
{
	struct ike_id none, x;
	ip_address a;

	memset(&none, 0, sizeof(none));
	assert_false(id_is_set(&none));
	assert_string_equal(id_str(&none), "(none)");
	assert_null(ip_addr_parse("2001:db8::5", AF_UNSPEC, false, &a));
	x = id_from_addr(&a);
	assert_int_equal(x.kind, ID_IPV6_ADDR);
	assert_true(id_is_set(&x));
	assert_string_equal(id_str(&x), "2001:db8::5");
	assert_null(ip_addr_parse("192.0.2.5", AF_UNSPEC, false, &a));
	x = id_from_addr(&a);
	assert_int_equal(x.kind, ID_IPV4_ADDR);
	assert_string_equal(id_str(&x), "192.0.2.5");
}

static void test_longest_forms_format(void **state)
{
	char src[ID_NAME_MAX * 2 + 4], buf[ID_STRLEN];
	struct ike_id x;

	/* the longest key id formats completely */
	strcpy(src, "@#");
	for (int i = 0; i < ID_NAME_MAX; i++)
		strcat(src, "ff");
	x = id(src);
	assert_int_equal(x.len, ID_NAME_MAX);
	id_format(&x, buf);
	assert_string_equal(buf, src);
}

/*
 * Kept IDs: each kind and the longest name survive id_keep() and id_copy() whole; a short
 * one takes far less than a struct ike_id; the unset one is id_none, shared.  (The
 * sanitizer build reads past a kept ID's end if anything copies it by value.)
 */
static void test_keep(void **state)
{
	char fqdn[ID_NAME_MAX + 2];
	const char *srcs[] = { "192.0.2.1", "2001:db8::1", "@gw.example.com", "gw@example.com",
			       "@#0a0b0c", "%any", "%myid", fqdn };
	struct ike_id none;

	fqdn[0] = '@';
	memset(fqdn + 1, 'a', ID_NAME_MAX);
	fqdn[ID_NAME_MAX + 1] = '\0';
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct ike_id x = id(srcs[i]), y;
		const struct ike_id *k = id_keep(&x);
		assert_non_null(k);
		assert_ptr_not_equal(k, &id_none);
		same(k, &x);
		assert_string_equal(id_str(k), id_str(&x));
		memset(&y, 0x5a, sizeof(y));
		id_copy(&y, k);
		same(&y, &x);
		assert_string_equal(id_str(&y), srcs[i]);
		if (x.len < 32)
			assert_true(malloc_usable_size((void *)k) < sizeof(struct ike_id) / 4);
		id_release(k);
	}
	memset(&none, 0, sizeof(none));
	assert_ptr_equal(id_keep(&none), &id_none);
	assert_false(id_is_set(&id_none));
	id_release(&id_none);
	id_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_ids),
		cmocka_unit_test(test_fqdn),
		cmocka_unit_test(test_user_fqdn),
		cmocka_unit_test(test_key_id),
		cmocka_unit_test(test_any_myid),
		cmocka_unit_test(test_dn_refused),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_from_addr_is_set),
		cmocka_unit_test(test_longest_forms_format),
		cmocka_unit_test(test_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
