/*
 * Addresses and subnets (lib/ip_addr.c): the forms ipsec_atoaddr(3) and ipsec_atosubnet(3)
 * describe, as whack's --host, --nexthop and --client take them, and the messages each
 * refusal gives.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ip_addr.h"

/* Parse src (which must succeed) and return it. */
static ip_address addr(const char *src)
{
	ip_address a;
	const char *err = ip_addr_parse(src, AF_UNSPEC, false, &a);

	if (err != NULL)
		fail_msg("ip_addr_parse(%s): %s", src, err);
	return a;
}

static ip_subnet subnet(const char *src)
{
	ip_subnet s;
	const char *err = ip_subnet_parse(src, AF_UNSPEC, &s);

	if (err != NULL)
		fail_msg("ip_subnet_parse(%s): %s", src, err);
	return s;
}

static void assert_addr_fmt(const char *src, const char *want)
{
	ip_address a = addr(src);
	char buf[IP_ADDR_STRLEN];

	ip_addr_format(&a, buf);
	assert_string_equal(buf, want);
	assert_string_equal(ip_addr_str(&a), want);
}

static void assert_subnet_fmt(const char *src, const char *want)
{
	ip_subnet s = subnet(src);
	char buf[IP_SUBNET_STRLEN];

	ip_subnet_format(&s, buf);
	assert_string_equal(buf, want);
	assert_string_equal(ip_subnet_str(&s), want);
}

static void assert_addr_err(const char *src, int af, const char *want)
{
	ip_address a;
	const char *err = ip_addr_parse(src, af, false, &a);

	assert_non_null(err);
	assert_string_equal(err, want);
}

static void assert_subnet_err(const char *src, int af, const char *want)
{
	ip_subnet s;
	const char *err = ip_subnet_parse(src, af, &s);

	assert_non_null(err);
	assert_string_equal(err, want);
}

static void test_ipv4_parse_format(void **state)
{
	static const uint8_t want[4] = {192, 0, 2, 1};
	ip_address a = addr("192.0.2.1");

	assert_int_equal(a.af, AF_INET);
	assert_memory_equal(a.bytes, want, 4);
	assert_int_equal(ip_af_len(AF_INET), 4);
	assert_int_equal(ip_af_bits(AF_INET), 32);
	assert_string_equal(ip_af_name(AF_INET), "IPv4");
	assert_addr_fmt("192.0.2.1", "192.0.2.1");
	assert_addr_fmt("0.0.0.0", "0.0.0.0");
	assert_addr_fmt("255.255.255.255", "255.255.255.255");
	/* a family asked for explicitly */
	assert_null(ip_addr_parse("10.0.0.1", AF_INET, false, &a));
	assert_int_equal(a.af, AF_INET);
}

static void test_ipv6_parse_format(void **state)
{
	ip_address a = addr("2001:db8::1");

	assert_int_equal(a.af, AF_INET6);
	assert_int_equal(a.bytes[0], 0x20);
	assert_int_equal(a.bytes[1], 0x01);
	assert_int_equal(a.bytes[15], 0x01);
	assert_int_equal(ip_af_len(AF_INET6), 16);
	assert_int_equal(ip_af_bits(AF_INET6), 128);
	assert_string_equal(ip_af_name(AF_INET6), "IPv6");
	/* formatting is canonical (RFC 5952) */
	assert_addr_fmt("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	assert_addr_fmt("::", "::");
	assert_addr_fmt("::1", "::1");
	assert_null(ip_addr_parse("fe80::1", AF_INET6, false, &a));
	assert_int_equal(a.af, AF_INET6);
}

static void test_unset_format(void **state)
{
	ip_address a;
	char buf[IP_ADDR_STRLEN];

	memset(&a, 0, sizeof(a));
	assert_false(ip_addr_is_set(&a));
	ip_addr_format(&a, buf);
	assert_string_equal(buf, "<unset>");
	assert_int_equal(ip_af_len(AF_UNSPEC), 0);
}

static void test_addr_errors(void **state)
{
	assert_addr_err("", AF_UNSPEC, "empty address");
	assert_addr_err("1.2.3.4.5", AF_UNSPEC, "`1.2.3.4.5' is not an IP address");
	assert_addr_err("1.2.3.256", AF_INET, "`1.2.3.256' is not an IPv4 address");
	assert_addr_err("2001:db8::g", AF_INET6, "`2001:db8::g' is not an IPv6 address");
	assert_addr_err("host.example", AF_UNSPEC, "`host.example' is not an IP address");
}

static void test_addr_wrong_family(void **state)
{
	assert_addr_err("2001:db8::1", AF_INET, "`2001:db8::1' is an IPv6 address, IPv4 expected");
	assert_addr_err("10.0.0.1", AF_INET6, "`10.0.0.1' is an IPv4 address, IPv6 expected");
}

static void test_addr_resolve(void **state)
{
	ip_address a;

	/* localhost comes from /etc/hosts: no DNS query is made */
	assert_null(ip_addr_parse("localhost", AF_INET, true, &a));
	assert_string_equal(ip_addr_str(&a), "127.0.0.1");
	/* a name is never looked up unless asked */
	assert_non_null(ip_addr_parse("localhost", AF_INET, false, &a));
	/* something that is not a name is not looked up either */
	assert_string_equal(ip_addr_parse("bad name!", AF_UNSPEC, true, &a),
			    "`bad name!' is not an IP address or a resolvable name");
}

static void test_addr_eq_any(void **state)
{
	ip_address a = addr("10.0.0.1"), b = addr("10.0.0.1"), c = addr("10.0.0.2");
	ip_address v6 = addr("::ffff:10.0.0.1");
	ip_address any4 = ip_addr_any(AF_INET), any6 = ip_addr_any(AF_INET6);

	assert_true(ip_addr_eq(&a, &b));
	assert_false(ip_addr_eq(&a, &c));
	assert_false(ip_addr_eq(&a, &v6)); /* families differ */
	assert_true(ip_addr_is_set(&a));
	assert_false(ip_addr_is_any(&a));
	assert_true(ip_addr_is_any(&any4));
	assert_true(ip_addr_is_any(&any6));
	assert_string_equal(ip_addr_str(&any4), "0.0.0.0");
	assert_string_equal(ip_addr_str(&any6), "::");
	assert_false(ip_addr_eq(&any4, &any6));
}

static void test_sockaddr_round_trip(void **state)
{
	const char *srcs[] = {"192.0.2.7", "2001:db8::7"};

	for (size_t i = 0; i < 2; i++) {
		ip_address a = addr(srcs[i]), b;
		struct sockaddr_storage ss;
		socklen_t len;
		uint16_t port = 0;

		assert_int_equal(ip_addr_to_sockaddr(&a, 4500, &ss, &len), 0);
		assert_int_equal(len,
				 i == 0 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		assert_int_equal(ip_addr_from_sockaddr((struct sockaddr *)&ss, &b, &port), 0);
		assert_int_equal(port, 4500);
		assert_true(ip_addr_eq(&a, &b));
	}

	ip_address unset = {0};
	struct sockaddr_storage ss;
	socklen_t len;
	assert_int_not_equal(ip_addr_to_sockaddr(&unset, 500, &ss, &len), 0);
}

static void test_subnet_forms(void **state)
{
	ip_subnet s = subnet("10.0.1.0/24");

	assert_int_equal(s.maskbits, 24);
	assert_int_equal(s.addr.af, AF_INET);
	assert_subnet_fmt("10.0.1.0/24", "10.0.1.0/24");
	assert_subnet_fmt("10.0.0.0/8", "10.0.0.0/8");
	assert_subnet_fmt("0.0.0.0/0", "0.0.0.0/0");
	/* a bare address is a host subnet */
	assert_subnet_fmt("192.0.2.9", "192.0.2.9/32");
	assert_subnet_fmt("2001:db8::9", "2001:db8::9/128");
	assert_subnet_fmt("2001:db8:1::/48", "2001:db8:1::/48");
	assert_subnet_fmt("::/0", "::/0");
	assert_null(ip_subnet_parse("10.1.0.0/16", AF_INET, &s));
	assert_null(ip_subnet_parse("2001:db8::/32", AF_INET6, &s));
}

static void test_subnet_dotted_mask(void **state)
{
	assert_subnet_fmt("10.0.1.0/255.255.255.0", "10.0.1.0/24");
	assert_subnet_fmt("10.0.0.0/255.0.0.0", "10.0.0.0/8");
	assert_subnet_fmt("10.0.1.128/255.255.255.128", "10.0.1.128/25");
	assert_subnet_fmt("10.0.1.1/255.255.255.255", "10.0.1.1/32");
	assert_subnet_fmt("0.0.0.0/0.0.0.0", "0.0.0.0/0");
	/* IPv6 masks written out as addresses */
	assert_subnet_fmt("2001:db8::/ffff:ffff::", "2001:db8::/32");
}

static void test_subnet_noncontiguous(void **state)
{
	assert_subnet_err("10.0.0.0/255.0.255.0", AF_UNSPEC,
			  "mask `255.0.255.0' is not contiguous");
	assert_subnet_err("10.0.0.0/0.255.255.255", AF_UNSPEC,
			  "mask `0.255.255.255' is not contiguous");
}

static void test_subnet_host_bits(void **state)
{
	assert_subnet_err("10.0.1.1/24", AF_UNSPEC,
			  "improper subnet `10.0.1.1/24': host-part bits on");
	assert_subnet_err("10.0.1.1/255.255.255.0", AF_UNSPEC,
			  "improper subnet `10.0.1.1/255.255.255.0': host-part bits on");
	assert_subnet_err("2001:db8::1/64", AF_UNSPEC,
			  "improper subnet `2001:db8::1/64': host-part bits on");
	assert_subnet_err("0.0.0.1/0", AF_UNSPEC, "improper subnet `0.0.0.1/0': host-part bits on");
}

static void test_subnet_bad_masks(void **state)
{
	ip_subnet s;

	assert_subnet_err("10.0.1.0/33", AF_UNSPEC, "bad mask length `33' for an IPv4 subnet");
	assert_subnet_err("2001:db8::/129", AF_UNSPEC, "bad mask length `129' for an IPv6 subnet");
	assert_subnet_err("10.0.1.0/24x", AF_UNSPEC, "bad mask length `24x' for an IPv4 subnet");
	assert_subnet_err("10.0.1.0/abc", AF_UNSPEC, "bad mask `abc'");
	/* an IPv6 mask on an IPv4 subnet */
	assert_subnet_err("10.0.0.0/ffff::", AF_UNSPEC, "bad mask `ffff::'");
	assert_non_null(ip_subnet_parse("10.0.1.0/", AF_UNSPEC, &s));
	assert_non_null(ip_subnet_parse("10.0.1.0/-1", AF_UNSPEC, &s));
	assert_subnet_err("", AF_UNSPEC, "empty subnet");
	assert_subnet_err("nonsense/24", AF_UNSPEC, "`nonsense' is not an IP address");
}

static void test_subnet_wrong_family(void **state)
{
	assert_subnet_err("2001:db8::/32", AF_INET,
			  "`2001:db8::' is an IPv6 address, IPv4 expected");
	assert_subnet_err("10.0.0.0/8", AF_INET6, "`10.0.0.0' is an IPv4 address, IPv6 expected");
}

static void test_subnet_too_long(void **state)
{
	char big[300];
	ip_subnet s;

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_non_null(ip_subnet_parse(big, AF_UNSPEC, &s));
}

/* ipsec_ttosubnet(3): "%default" is a synonym for 0.0.0.0/0 (::/0 for IPv6). */
static void test_subnet_default(void **state)
{
	ip_subnet s;

	assert_null(ip_subnet_parse("%default", AF_INET, &s));
	assert_string_equal(ip_subnet_str(&s), "0.0.0.0/0");
	assert_null(ip_subnet_parse("%default", AF_INET6, &s));
	assert_string_equal(ip_subnet_str(&s), "::/0");
}

static void test_subnet_contains(void **state)
{
	ip_subnet net = subnet("10.0.1.0/24"), all = subnet("0.0.0.0/0");
	ip_subnet host = subnet("10.0.1.5"), v6 = subnet("2001:db8::/32");
	ip_address in = addr("10.0.1.77"), edge = addr("10.0.1.255"), out = addr("10.0.2.1");
	ip_address in6 = addr("2001:db8:ffff::1"), out6 = addr("2001:db9::1");
	ip_address h = addr("10.0.1.5");

	assert_true(ip_subnet_contains(&net, &in));
	assert_true(ip_subnet_contains(&net, &edge));
	assert_false(ip_subnet_contains(&net, &out));
	assert_false(ip_subnet_contains(&net, &in6)); /* another family */
	assert_true(ip_subnet_contains(&all, &out));
	assert_false(ip_subnet_contains(&all, &in6));
	assert_true(ip_subnet_contains(&host, &h));
	assert_false(ip_subnet_contains(&host, &in));
	assert_true(ip_subnet_contains(&v6, &in6));
	assert_false(ip_subnet_contains(&v6, &out6));
}

static void test_subnet_eq_mask_host(void **state)
{
	ip_subnet a = subnet("10.0.1.0/24"), b = subnet("10.0.1.0/255.255.255.0");
	ip_subnet c = subnet("10.0.1.0/25"), h = subnet("10.0.1.1");
	ip_address x = addr("10.0.1.1");
	ip_subnet from = ip_subnet_from_addr(&x);

	assert_true(ip_subnet_eq(&a, &b));
	assert_false(ip_subnet_eq(&a, &c));
	assert_true(ip_subnet_eq(&h, &from));
	assert_true(ip_subnet_is_host(&h));
	assert_false(ip_subnet_is_host(&a));

	ip_address m = ip_subnet_mask(&a);
	assert_string_equal(ip_addr_str(&m), "255.255.255.0");
	m = ip_subnet_mask(&c);
	assert_string_equal(ip_addr_str(&m), "255.255.255.128");
	ip_subnet v6 = subnet("2001:db8::/64");
	m = ip_subnet_mask(&v6);
	assert_string_equal(ip_addr_str(&m), "ffff:ffff:ffff:ffff::");
	ip_subnet zero = subnet("0.0.0.0/0");
	m = ip_subnet_mask(&zero);
	assert_string_equal(ip_addr_str(&m), "0.0.0.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse_format),
		cmocka_unit_test(test_ipv6_parse_format),
		cmocka_unit_test(test_unset_format),
		cmocka_unit_test(test_addr_errors),
		cmocka_unit_test(test_addr_wrong_family),
		cmocka_unit_test(test_addr_resolve),
		cmocka_unit_test(test_addr_eq_any),
		cmocka_unit_test(test_sockaddr_round_trip),
		cmocka_unit_test(test_subnet_forms),
		cmocka_unit_test(test_subnet_dotted_mask),
		cmocka_unit_test(test_subnet_noncontiguous),
		cmocka_unit_test(test_subnet_host_bits),
		cmocka_unit_test(test_subnet_bad_masks),
		cmocka_unit_test(test_subnet_wrong_family),
		cmocka_unit_test(test_subnet_too_long),
		cmocka_unit_test(test_subnet_default),
		cmocka_unit_test(test_subnet_contains),
		cmocka_unit_test(test_subnet_eq_mask_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
