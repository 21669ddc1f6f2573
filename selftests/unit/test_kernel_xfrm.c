/*
 * The kernel backend (controld/kernel_xfrm.c), in three parts:
 *
 *  1. Pure: the algorithm table (what the kernel is told for each ESP transform and
 *     integrity algorithm), argument checks, and --noklips (nothing installed, 0 returned).
 *  2. XFRM in a private network namespace (as root, or else in a user namespace; skipped
 *     with the reason when neither is possible): this host's kernel has XFRM but no ESP, so
 *     policies are added, read back (libnl dump and `ip xfrm policy get`), replaced,
 *     deleted and flushed for real, and an ESP SA is shown refused with the kernel's reason.
 *  3. With KERNEL_XFRM_VM=1 the binary is instead a driver for selftests/vm/20-kernel-xfrm.sh
 *     (real ESP, in the VM): `test_kernel_xfrm CMD SIDE ALG FAMILY GEN`, see vm_main().
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <linux/xfrm.h>
#include <netlink/netlink.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>

#include "kernel.h"
#include "log.h"
#include "pluto.h"
#include "pluto/ike_alg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define REQID (KERNEL_REQID_MIN + 7)

struct pluto_config pluto;

/*
 * libnl-xfrm 3.7's dump parsers take a second reference on the addresses they build and
 * never drop it (libnl pull requests 312 and 366): not ours to fix.  Only the listing of
 * policies and SAs is excused; LeakSanitizer (make SANITIZE=1) watches everything else.
 * libnl has no frame pointers: the slow unwinder is needed to see the parser's frame.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:xfrmnl_sp_parse\nleak:xfrmnl_sa_parse\n";
}

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

/* ---- captured log lines ---------------------------------------------------------- */

static char lines[64][600];
static int nlines;

static void hook(const char *line)
{
	if (nlines < (int)ARRAY_LEN(lines))
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}

static int count_prefix(const char *prefix)
{
	int n = 0;

	for (int i = 0; i < nlines; i++)
		n += strncmp(lines[i], prefix, strlen(prefix)) == 0;
	return n;
}

static const char *first_error(void)
{
	for (int i = 0; i < nlines; i++)
		if (strncmp(lines[i], "ERROR: ", 7) == 0)
			return lines[i];
	return "";
}

static void setup_log(void)
{
	struct log_options o = {.to_stderr = true, .no_time = true};

	log_init(&o);
	log_set_hook(hook);
}

static ip_address addr(const char *s)
{
	ip_address a;

	assert_null(ip_addr_parse(s, AF_UNSPEC, false, &a));
	return a;
}

static ip_subnet subnet(const char *s)
{
	ip_subnet n;

	assert_null(ip_subnet_parse(s, AF_UNSPEC, &n));
	return n;
}

/* A valid tunnel-mode SA: AES-128-CBC + HMAC-SHA2-256, 192.0.2.1 -> 192.0.2.2. */
static struct kernel_sa good_sa(void)
{
	struct kernel_sa sa = {
		.src = addr("192.0.2.1"),
		.dst = addr("192.0.2.2"),
		.spi = 0xc0ffee01,
		.proto = IPPROTO_ESP,
		.tunnel = true,
		.src_client = subnet("10.0.1.0/24"),
		.dst_client = subnet("10.0.2.0/24"),
		.encr = ESP_AES,
		.enc_keylen_bits = 128,
		.integ = AUTH_ALG_HMAC_SHA2_256,
		.enc_key_len = 16,
		.auth_key_len = 32,
		.replay_window = KERNEL_REPLAY_WINDOW_DEFAULT,
		.soft_seconds = 2700,
		.hard_seconds = 3600,
		.reqid = REQID,
	};
	memset(sa.enc_key, 0x11, sizeof(sa.enc_key));
	memset(sa.auth_key, 0x22, sizeof(sa.auth_key));
	return sa;
}

/* ---- 1. pure --------------------------------------------------------------------- */

static void test_alg_table(void **state)
{
	static const struct {
		uint16_t encr, bits, integ;
		uint8_t ekey, akey;
		const char *enc;
		unsigned enc_bits, icv;
		const char *auth;
		unsigned auth_bits, trunc;
	} want[] = {
		/* clang-format off */
		{ESP_3DES, 0, AUTH_ALG_HMAC_SHA1, 24, 20, "cbc(des3_ede)", 192, 0, "hmac(sha1)", 160, 96},
		{ESP_3DES, 192, AUTH_ALG_HMAC_MD5, 24, 16, "cbc(des3_ede)", 192, 0, "hmac(md5)", 128, 96},
		{ESP_AES, 0, AUTH_ALG_HMAC_SHA2_256, 16, 32, "cbc(aes)", 128, 0, "hmac(sha256)", 256, 128},
		{ESP_AES, 192, AUTH_ALG_HMAC_SHA2_384, 24, 48, "cbc(aes)", 192, 0, "hmac(sha384)", 384, 192},
		{ESP_AES, 256, AUTH_ALG_HMAC_SHA2_512, 32, 64, "cbc(aes)", 256, 0, "hmac(sha512)", 512, 256},
		{ESP_AES_GCM_16, 0, AUTH_ALG_NONE, 20, 0, "rfc4106(gcm(aes))", 160, 128, NULL, 0, 0},
		{ESP_AES_GCM_16, 192, AUTH_ALG_NONE, 28, 0, "rfc4106(gcm(aes))", 224, 128, NULL, 0, 0},
		{ESP_AES_GCM_16, 256, AUTH_ALG_NONE, 36, 0, "rfc4106(gcm(aes))", 288, 128, NULL, 0, 0},
		/* clang-format on */
	};

	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		struct kernel_sa sa = good_sa();
		struct kernel_xfrm_algs a;

		sa.encr = want[i].encr;
		sa.enc_keylen_bits = want[i].bits;
		sa.integ = want[i].integ;
		sa.enc_key_len = want[i].ekey;
		sa.auth_key_len = want[i].akey;
		const char *err = kernel_sa_check(&sa, &a);
		if (err != NULL)
			print_error("case %zu: %s\n", i, err);
		assert_null(err);
		assert_string_equal(a.enc_name, want[i].enc);
		assert_int_equal(a.enc_key_bits, want[i].enc_bits);
		assert_int_equal(a.aead, want[i].icv != 0);
		assert_int_equal(a.icv_bits, want[i].icv);
		if (want[i].auth == NULL)
			assert_null(a.auth_name);
		else
			assert_string_equal(a.auth_name, want[i].auth);
		assert_int_equal(a.auth_key_bits, want[i].auth_bits);
		assert_int_equal(a.auth_trunc_bits, want[i].trunc);
	}
}

/* Breaks a good SA in the i-th way; returns a part of the reason, NULL past the last. */
/* clang-format off */
static const char *break_sa(struct kernel_sa *s, int i)
{
	switch (i) {
	case 0: s->proto = IPPROTO_AH; return "ESP only";
	case 1: s->dst = addr("2001:db8::2"); return "both IPv4 or both IPv6";
	case 2: s->src = (ip_address){0}; return "outer addresses";
	case 3: s->spi = 0; return "SPI 0x0 is reserved";
	case 4: s->spi = 255; return "SPI 0xff";
	case 5: s->reqid = 1; return "reqid 1 is outside";
	case 6: s->reqid = KERNEL_REQID_MAX + 1; return "outside pluto's band";
	case 7: s->dst_client = (ip_subnet){0}; return "only one";
	case 8: s->dst_client = subnet("2001:db8:2::/64"); return "client subnets";
	case 9:
		s->tunnel = false;
		s->src_client = subnet("2001:db8:1::/64");
		s->dst_client = subnet("2001:db8:2::/64");
		return "transport mode";
	case 10: s->encr = ESP_NULL; return "ESP transform 11";
	case 11: s->encr = 99; return "ESP transform 99";
	case 12: s->enc_keylen_bits = 64, s->enc_key_len = 8; return "no 64-bit key";
	case 13: s->encr = ESP_3DES, s->enc_keylen_bits = 128; return "cbc(des3_ede) takes no 128";
	case 14: s->encr = ESP_3DES, s->enc_keylen_bits = 0; return "-192 takes a 24-byte key, not 16";
	case 15: s->enc_key_len = 17; return "takes a 16-byte key, not 17";
	case 16:
		s->encr = ESP_AES_GCM_16, s->integ = AUTH_ALG_NONE, s->auth_key_len = 0;
		return "takes a 20-byte key (with salt), not 16";
	case 17: s->encr = ESP_AES_GCM_16, s->enc_key_len = 20; return "must be none";
	case 18: s->integ = AUTH_ALG_NONE, s->auth_key_len = 0; return "with a non-AEAD cipher";
	case 19: s->integ = 99; return "integrity algorithm 99";
	case 20: s->auth_key_len = 20; return "hmac(sha256) takes a 32-byte key, not 20";
	case 21: s->replay_window = 33; return "replay window 33";
	case 22: s->soft_seconds = 3601; return "soft lifetime";
	case 23: s->soft_bytes = 2000, s->hard_bytes = 1000; return "soft lifetime";
	default: return NULL;
	}
}
/* clang-format on */

static void test_sa_check_rejects(void **state)
{
	struct kernel_sa ok = good_sa();
	const char *want;

	assert_null(kernel_sa_check(&ok, NULL));
	assert_non_null(kernel_sa_check(NULL, NULL));
	pluto.noklips = true; /* never reach a kernel */
	for (int i = 0; (want = break_sa(&ok, i)) != NULL; i++) {
		struct kernel_sa sa = good_sa();

		break_sa(&sa, i);
		const char *why = kernel_sa_check(&sa, NULL);
		if (why == NULL || strstr(why, want) == NULL)
			print_error("case %d: got \"%s\", want \"%s\"\n", i, why ? why : "(null)",
				    want);
		assert_true(why != NULL && strstr(why, want) != NULL);
		/* the same reason, logged once, and -EINVAL */
		nlines = 0;
		assert_int_equal(kernel_add_sa(&sa, false), -EINVAL);
		assert_int_equal(count_prefix("ERROR: cannot add "), 1);
		assert_int_equal(count_prefix("ERROR: "), 1);
		assert_non_null(strstr(lines[0], want));
		ok = good_sa();
	}
	nlines = 0;
	ok.spi = 1;
	assert_int_equal(kernel_add_sa(&ok, true), -EINVAL);
	assert_string_equal(first_error(),
			    "ERROR: cannot replace ESP SA 0x00000001 "
			    "192.0.2.1->192.0.2.2: SPI 0x1 is reserved (RFC 4303: 0-255)");
	pluto.noklips = false;
}

static void test_policy_args(void **state)
{
	ip_subnet a = subnet("10.0.1.0/24"), b = subnet("10.0.2.0/24"),
		  six = subnet("2001:db8::/64");
	ip_subnet wide = {.addr = a.addr, .maskbits = 33};
	ip_address w = addr("192.0.2.1"), e = addr("192.0.2.2"), e6 = addr("2001:db8::2");
	ip_address none = {0};

	pluto.noklips = true;
	nlines = 0;
	assert_int_equal(kernel_add_policy(7, &a, &b, &w, &e, IPPROTO_ESP, true, REQID, 1, false),
			 -EINVAL);
	assert_int_equal(kernel_add_policy(XFRM_POLICY_OUT, &a, &six, &w, &e, IPPROTO_ESP, true,
					   REQID, 1, false),
			 -EINVAL);
	assert_int_equal(kernel_add_policy(XFRM_POLICY_OUT, &a, &wide, &w, &e, IPPROTO_ESP, true,
					   REQID, 1, false),
			 -EINVAL);
	assert_int_equal(kernel_add_policy(XFRM_POLICY_OUT, &a, &b, &w, &e6, IPPROTO_ESP, true,
					   REQID, 1, false),
			 -EINVAL);
	assert_int_equal(kernel_add_policy(XFRM_POLICY_OUT, &a, &b, &w, NULL, IPPROTO_ESP, true,
					   REQID, 1, false),
			 -EINVAL);
	assert_int_equal(kernel_add_policy(XFRM_POLICY_OUT, &a, &b, &w, &e, IPPROTO_AH, true, REQID,
					   1, false),
			 -EINVAL);
	assert_int_equal(
		kernel_add_policy(XFRM_POLICY_OUT, &a, &b, &w, &e, IPPROTO_ESP, true, 1, 1, false),
		-EINVAL);
	assert_int_equal(kernel_add_policy(XFRM_POLICY_OUT, &six, &six, &w, &e, IPPROTO_ESP, false,
					   REQID, 1, false),
			 -EINVAL);
	assert_int_equal(kernel_del_policy(XFRM_POLICY_MASK, &a, &b), -EINVAL);
	assert_int_equal(kernel_del_policy(XFRM_POLICY_IN, &a, NULL), -EINVAL);
	assert_int_equal(kernel_del_sa(&none, 0x1000, IPPROTO_ESP), -EINVAL);
	assert_int_equal(kernel_del_sa(&e, 0x10, IPPROTO_ESP), -EINVAL);
	assert_int_equal(kernel_get_sa_stats(NULL, 0x1000, IPPROTO_ESP, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(count_prefix("ERROR: "), 13);
	assert_string_equal(lines[0], "ERROR: cannot add bad-dir policy 10.0.1.0/24->10.0.2.0/24: "
				      "direction must be out, in or fwd");
	pluto.noklips = false;
}

static void test_noklips(void **state)
{
	struct kernel_sa sa = good_sa();
	ip_subnet a = subnet("10.0.1.0/24"), b = subnet("10.0.2.0/24");
	ip_address w = addr("192.0.2.1"), e = addr("192.0.2.2");
	uint64_t bytes = 77, packets = 77, used = 77;

	pluto.noklips = true;
	cur_debugging = DBG_KERNEL;
	nlines = 0;
	assert_int_equal(kernel_init(), 0);
	assert_int_equal(kernel_add_sa(&sa, false), 0);
	assert_int_equal(kernel_add_sa(&sa, true), 0);
	assert_int_equal(kernel_get_sa_stats(&e, sa.spi, IPPROTO_ESP, &bytes, &packets, &used), 0);
	assert_true(bytes == 0 && packets == 0 && used == 0);
	assert_int_equal(kernel_del_sa(&e, sa.spi, IPPROTO_ESP), 0);
	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_FWD; dir++) {
		assert_int_equal(kernel_add_policy(dir, &a, &b, &w, &e, IPPROTO_ESP, true, REQID,
						   100, false),
				 0);
		assert_int_equal(kernel_del_policy(dir, &a, &b), 0);
	}
	assert_int_equal(kernel_flush_pluto(), 0);
	kernel_fini();
	assert_int_equal(count_prefix("ERROR: "), 0);
	assert_int_equal(count_prefix("| noklips: "), nlines);
	assert_string_equal(lines[1],
			    "| noklips: not adding ESP SA 0xc0ffee01 192.0.2.1->192.0.2.2 "
			    "(cbc(aes)-128 hmac(sha256), reqid 1879048199)");
	/* quiet without debugging */
	cur_debugging = 0;
	nlines = 0;
	assert_int_equal(kernel_add_sa(&sa, false), 0);
	assert_int_equal(nlines, 0);
	pluto.noklips = false;
}

/* Without kernel_init() every call fails cleanly, once logged. */
static void test_no_socket(void **state)
{
	struct kernel_sa sa = good_sa();
	ip_subnet a = subnet("10.0.1.0/24"), b = subnet("10.0.2.0/24");

	nlines = 0;
	assert_int_equal(kernel_add_sa(&sa, false), -ENOTCONN);
	assert_int_equal(kernel_del_policy(XFRM_POLICY_OUT, &a, &b), -ENOTCONN);
	assert_int_equal(kernel_flush_pluto(), -ENOTCONN);
	assert_int_equal(count_prefix("ERROR: cannot "), 3);
	assert_int_equal(nlines, 3);
}

/* ---- 2. XFRM in a private network namespace -------------------------------------- */

struct seen {
	int count;
	unsigned priority, reqid, ntmpl, mode, proto, action;
	char tsrc[64], tdst[64];
};

/* Policies as the kernel lists them (a libnl dump on a separate socket). */
static struct seen find_policy(int dir, const char *src, const char *dst)
{
	struct nl_sock *s = nl_socket_alloc();
	struct nl_cache *c = NULL;
	struct seen r = {0};

	assert_non_null(s);
	assert_int_equal(nl_connect(s, NETLINK_XFRM), 0);
	assert_int_equal(xfrmnl_sp_alloc_cache(s, &c), 0);
	for (struct nl_object *o = nl_cache_get_first(c); o != NULL; o = nl_cache_get_next(o)) {
		struct xfrmnl_sp *sp = (struct xfrmnl_sp *)o;
		struct xfrmnl_sel *sel = xfrmnl_sp_get_sel(sp);
		char a[64], b[64];

		nl_addr2str(xfrmnl_sel_get_saddr(sel), a, sizeof(a));
		nl_addr2str(xfrmnl_sel_get_daddr(sel), b, sizeof(b));
		if (xfrmnl_sp_get_dir(sp) != dir || strcmp(a, src) != 0 || strcmp(b, dst) != 0)
			continue;
		r.count++;
		r.priority = (unsigned)xfrmnl_sp_get_priority(sp);
		r.action = (unsigned)xfrmnl_sp_get_action(sp);
		r.ntmpl = (unsigned)xfrmnl_sp_get_nusertemplates(sp);
		struct xfrmnl_user_tmpl *t = xfrmnl_sp_usertemplate_n(sp, 0);
		if (t == NULL)
			continue;
		r.reqid = (unsigned)xfrmnl_user_tmpl_get_reqid(t);
		r.mode = (unsigned)xfrmnl_user_tmpl_get_mode(t);
		r.proto = (unsigned)xfrmnl_user_tmpl_get_proto(t);
		nl_addr2str(xfrmnl_user_tmpl_get_saddr(t), r.tsrc, sizeof(r.tsrc));
		nl_addr2str(xfrmnl_user_tmpl_get_daddr(t), r.tdst, sizeof(r.tdst));
	}
	nl_cache_free(c);
	nl_socket_free(s);
	return r;
}

static int count_policies(void)
{
	struct nl_sock *s = nl_socket_alloc();
	struct nl_cache *c = NULL;

	assert_int_equal(nl_connect(s, NETLINK_XFRM), 0);
	assert_int_equal(xfrmnl_sp_alloc_cache(s, &c), 0);
	int n = nl_cache_nitems(c);
	nl_cache_free(c);
	nl_socket_free(s);
	return n;
}

/* iproute2's view of one policy (a second, independent reader), in buf. */
static void ip_policy_get(const char *args, char *buf, size_t len)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "ip xfrm policy get %s 2>&1", args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	pclose(p);
}

struct pol {
	int dir;
	const char *src, *dst, *tsrc, *tdst;
	bool tunnel;
};

static const struct pol pols[] = {
	{XFRM_POLICY_OUT, "10.0.1.0/24", "10.0.2.0/24", "192.0.2.1", "192.0.2.2", true},
	{XFRM_POLICY_IN, "10.0.2.0/24", "10.0.1.0/24", "192.0.2.2", "192.0.2.1", true},
	{XFRM_POLICY_FWD, "10.0.2.0/24", "10.0.1.0/24", "192.0.2.2", "192.0.2.1", true},
	{XFRM_POLICY_OUT, "2001:db8:1::/64", "2001:db8:2::/64", "2001:db8::1", "2001:db8::2", true},
	{XFRM_POLICY_IN, "2001:db8:2::/64", "2001:db8:1::/64", "2001:db8::2", "2001:db8::1", true},
	{XFRM_POLICY_FWD, "2001:db8:2::/64", "2001:db8:1::/64", "2001:db8::2", "2001:db8::1", true},
	/* IPv6 clients through an IPv4 tunnel */
	{XFRM_POLICY_OUT, "2001:db8:11::/64", "2001:db8:12::/64", "192.0.2.1", "192.0.2.2", true},
	/* transport mode, host to host */
	{XFRM_POLICY_OUT, "192.0.2.1/32", "192.0.2.3/32", "192.0.2.1", "192.0.2.3", false},
};

static int add_pol(const struct pol *p, uint32_t reqid, uint32_t prio, bool update)
{
	ip_subnet s = subnet(p->src), d = subnet(p->dst);
	ip_address ts = addr(p->tsrc), td = addr(p->tdst);

	return kernel_add_policy(p->dir, &s, &d, &ts, &td, IPPROTO_ESP, p->tunnel, reqid, prio,
				 update);
}

static int del_pol(const struct pol *p)
{
	ip_subnet s = subnet(p->src), d = subnet(p->dst);

	return kernel_del_policy(p->dir, &s, &d);
}

/* nl_addr2str leaves off a full-length prefix */
static const char *nl_form(const char *subnet_text, char *buf)
{
	strcpy(buf, subnet_text);
	size_t n = strlen(buf);
	if (n > 3 && strcmp(buf + n - 3, "/32") == 0)
		buf[n - 3] = '\0';
	return buf;
}

static void assert_policy(const struct pol *p, unsigned reqid, unsigned prio)
{
	char a[64], b[64];
	struct seen s = find_policy(p->dir, nl_form(p->src, a), nl_form(p->dst, b));

	assert_int_equal(s.count, 1);
	assert_int_equal(s.priority, prio);
	assert_int_equal(s.action, XFRM_POLICY_ALLOW);
	assert_int_equal(s.ntmpl, 1);
	assert_int_equal(s.reqid, reqid);
	assert_int_equal(s.proto, IPPROTO_ESP);
	assert_int_equal(s.mode, p->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT);
	assert_string_equal(s.tsrc, p->tsrc);
	assert_string_equal(s.tdst, p->tdst);
}

static void test_policies_add_read_back(void **state)
{
	char args[200], out[2048], want[200];
	static const char *dirs[] = {"in", "out", "fwd"};

	nlines = 0;
	for (size_t i = 0; i < ARRAY_LEN(pols); i++)
		assert_int_equal(add_pol(&pols[i], REQID, 100 + (uint32_t)i, false), 0);
	assert_int_equal(nlines, 0);
	assert_int_equal(count_policies(), (int)ARRAY_LEN(pols));
	for (size_t i = 0; i < ARRAY_LEN(pols); i++) {
		const struct pol *p = &pols[i];

		assert_policy(p, REQID, 100 + (unsigned)i);
		snprintf(args, sizeof(args), "dir %s src %s dst %s", dirs[p->dir], p->src, p->dst);
		ip_policy_get(args, out, sizeof(out));
		snprintf(want, sizeof(want), "tmpl src %s dst %s", p->tsrc, p->tdst);
		if (strstr(out, want) == NULL || strstr(out, "proto esp reqid 1879048199") == NULL)
			print_error("ip xfrm policy get %s:\n%s", args, out);
		assert_non_null(strstr(out, want));
		assert_non_null(strstr(out, "proto esp reqid 1879048199"));
		assert_non_null(strstr(out, p->tunnel ? "mode tunnel" : "mode transport"));
	}
}

static void test_policies_update(void **state)
{
	/* a second add is refused, with the kernel's reason, logged once */
	nlines = 0;
	assert_int_equal(add_pol(&pols[0], REQID, 100, false), -EEXIST);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "ERROR: kernel refused out policy 10.0.1.0/24->10.0.2.0/24 "
				      "via ESP 192.0.2.1->192.0.2.2 reqid 1879048199: File exists");
	/* an update replaces it: one policy, the new priority and template */
	nlines = 0;
	for (size_t i = 0; i < ARRAY_LEN(pols); i++) {
		assert_int_equal(add_pol(&pols[i], REQID + 1, 200 + (uint32_t)i, true), 0);
		assert_policy(&pols[i], REQID + 1, 200 + (unsigned)i);
	}
	assert_int_equal(count_policies(), (int)ARRAY_LEN(pols));
	assert_int_equal(nlines, 0);
}

static void test_policies_delete(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(pols); i++)
		assert_int_equal(del_pol(&pols[i]), 0);
	assert_int_equal(count_policies(), 0);
	nlines = 0;
	assert_int_equal(del_pol(&pols[1]), -ENOENT);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "ERROR: kernel refused to delete in policy "
				      "10.0.2.0/24->10.0.1.0/24: No such file or directory");
	/* an update with nothing to replace adds */
	assert_int_equal(add_pol(&pols[2], REQID, 5, true), 0);
	assert_policy(&pols[2], REQID, 5);
	assert_int_equal(del_pol(&pols[2]), 0);
}

static void test_flush(void **state)
{
	char out[2048];

	for (size_t i = 0; i < ARRAY_LEN(pols); i++)
		assert_int_equal(
			add_pol(&pols[i], KERNEL_REQID_MIN + (uint32_t)i * 0x1000000, 100, false),
			0);
	/* another daemon's, outside the band: must survive */
	assert_int_equal(system("ip xfrm policy add dir out src 10.9.0.0/16 dst 10.8.0.0/16 "
				"tmpl src 192.0.2.1 dst 192.0.2.9 proto esp reqid 1 mode tunnel"),
			 0);
	assert_int_equal(system("ip xfrm policy add dir in src 10.8.0.0/16 dst 10.9.0.0/16 "
				"tmpl src 192.0.2.9 dst 192.0.2.1 proto esp reqid 1879048191 "
				"mode tunnel"),
			 0);
	assert_int_equal(count_policies(), (int)ARRAY_LEN(pols) + 2);
	nlines = 0;
	assert_int_equal(kernel_flush_pluto(), 0);
	assert_int_equal(count_prefix("ERROR"), 0);
	assert_int_equal(count_policies(), 2);
	ip_policy_get("dir out src 10.9.0.0/16 dst 10.8.0.0/16", out, sizeof(out));
	assert_non_null(strstr(out, "reqid 1 "));
	/* nothing of ours left: a second flush finds nothing */
	assert_int_equal(kernel_flush_pluto(), 0);
	assert_int_equal(count_policies(), 2);
	assert_int_equal(system("ip xfrm policy flush"), 0);
}

/* This kernel has no ESP: the SA is refused and the reason is the kernel's. */
static void test_sa_refused(void **state)
{
	struct kernel_sa sa = good_sa();
	ip_address e = addr("192.0.2.2");
	uint64_t b = 1, p = 1, u = 1;

	nlines = 0;
	int err = kernel_add_sa(&sa, false);
	if (err == 0) {
		print_message("# this kernel has ESP: only checking the SA can be removed\n");
		assert_int_equal(kernel_del_sa(&e, sa.spi, IPPROTO_ESP), 0);
		return;
	}
	assert_int_equal(err, -EPROTONOSUPPORT);
	assert_int_equal(nlines, 1);
	const char *want = "ERROR: kernel refused ESP SA 0xc0ffee01 192.0.2.1->192.0.2.2: "
			   "Protocol not supported";
	assert_memory_equal(lines[0], want, strlen(want));
	print_message("# %s\n", lines[0]);
	/* the SA that is not there */
	nlines = 0;
	assert_int_equal(kernel_add_sa(&sa, true), -EPROTONOSUPPORT);
	assert_int_equal(kernel_del_sa(&e, sa.spi, IPPROTO_ESP), -ESRCH);
	assert_int_equal(kernel_get_sa_stats(&e, sa.spi, IPPROTO_ESP, &b, &p, &u), -ESRCH);
	assert_true(b == 0 && p == 0 && u == 0);
	assert_int_equal(count_prefix("ERROR: "), 3);
	assert_string_equal(lines[1], "ERROR: kernel refused to delete ESP SA 0xc0ffee01 to "
				      "192.0.2.2: No such process");
	/* the SA dump works here too (and finds nothing) */
	assert_int_equal(kernel_flush_pluto(), 0);
}

static int netns_setup(void **state)
{
	return kernel_init() == 0 ? 0 : -1;
}

static int netns_teardown(void **state)
{
	kernel_fini();
	return 0;
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f != NULL && fputs(text, f) >= 0;

	return (f == NULL || fclose(f) == 0) && ok;
}

/*
 * Not root: a user namespace of our own gives CAP_NET_ADMIN over a network namespace of
 * our own; mapped to uid 0 there, so that ip(8) keeps it too.
 */
static const char *enter_userns(char *why, size_t len)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		snprintf(why, len, "not root, and no user namespace: %s", strerror(errno));
		return why;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (!write_file("/proc/self/uid_map", map) || !write_file("/proc/self/setgroups", "deny"))
		return "not root, and cannot map our uid in a user namespace";
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (!write_file("/proc/self/gid_map", map))
		return "not root, and cannot map our gid in a user namespace";
	return NULL;
}

/* NULL when the namespace tests can run here (and we are now in a fresh namespace). */
static const char *enter_netns(void)
{
	static char why[160];

	if (geteuid() != 0) {
		const char *err = enter_userns(why, sizeof(why));
		if (err != NULL)
			return err;
	} else if (unshare(CLONE_NEWNET) < 0) {
		snprintf(why, sizeof(why), "unshare(CLONE_NEWNET): %s", strerror(errno));
		return why;
	}
	if (system("ip -V >/dev/null 2>&1") != 0)
		return "no ip(8) to cross-check with";
	return NULL;
}

/* ---- 3. the VM driver ------------------------------------------------------------ */

struct side {
	ip_address me, peer;
	ip_subnet my_net, peer_net;
};

static const char *const alg_names[] = {"aes_cbc", "aes_gcm", "3des_sha1"};

static int side_of(const char *side, const char *fam, struct side *s)
{
	bool west = strcmp(side, "west") == 0, v6 = strcmp(fam, "v6") == 0;
	const char *w = v6 ? "2001:db8::1" : "192.0.2.1", *e = v6 ? "2001:db8::2" : "192.0.2.2";
	const char *wn = v6 ? "2001:db8:1::/64" : "10.0.1.0/24";
	const char *en = v6 ? "2001:db8:2::/64" : "10.0.2.0/24";

	if (!west && strcmp(side, "east") != 0)
		return -1;
	s->me = addr(west ? w : e);
	s->peer = addr(west ? e : w);
	s->my_net = subnet(west ? wn : en);
	s->peer_net = subnet(west ? en : wn);
	return 0;
}

/*
 * SPIs: 0xc0AAFGGD, A the algorithm, F the family, G the generation, D 1 for west->east
 * and 2 for east->west; the same reqid for every generation of a tunnel.
 */
static uint32_t vm_spi(int alg, bool v6, int gen, bool west_to_east)
{
	return 0xc0000000u | (uint32_t)alg << 16 | (uint32_t)v6 << 12 | (uint32_t)gen << 4 |
	       (west_to_east ? 1u : 2u);
}

static uint32_t vm_reqid(int alg, bool v6)
{
	return KERNEL_REQID_MIN + 0x100 + (uint32_t)alg * 2 + v6;
}

/* Both sides derive the same keys from the SPI; keyseed changes them for "replace". */
static void vm_sa(struct kernel_sa *sa, int alg, uint32_t spi, int keyseed)
{
	static const struct {
		uint16_t encr, bits, integ;
		uint8_t ekey, akey;
	} algs[] = {
		{ESP_AES, 128, AUTH_ALG_HMAC_SHA2_256, 16, 32},
		{ESP_AES_GCM_16, 128, AUTH_ALG_NONE, 20, 0},
		{ESP_3DES, 0, AUTH_ALG_HMAC_SHA1, 24, 20},
	};

	sa->encr = algs[alg].encr;
	sa->enc_keylen_bits = algs[alg].bits;
	sa->integ = algs[alg].integ;
	sa->enc_key_len = algs[alg].ekey;
	sa->auth_key_len = algs[alg].akey;
	for (unsigned i = 0; i < sizeof(sa->enc_key); i++)
		sa->enc_key[i] = (uint8_t)(spi * 7 + i * 13 + (unsigned)keyseed);
	for (unsigned i = 0; i < sizeof(sa->auth_key); i++)
		sa->auth_key[i] = (uint8_t)(spi * 11 + i * 5 + (unsigned)keyseed);
}

struct vm_args {
	struct side s;
	int alg, gen;
	bool v6, west;
};

/* The SA from src to dst as this side installs it. */
static struct kernel_sa vm_make_sa(const struct vm_args *v, bool outbound, int keyseed)
{
	struct kernel_sa sa = {
		.src = outbound ? v->s.me : v->s.peer,
		.dst = outbound ? v->s.peer : v->s.me,
		.proto = IPPROTO_ESP,
		.tunnel = true,
		.src_client = outbound ? v->s.my_net : v->s.peer_net,
		.dst_client = outbound ? v->s.peer_net : v->s.my_net,
		.replay_window = KERNEL_REPLAY_WINDOW_DEFAULT,
		.soft_seconds = 2700 + (uint64_t)keyseed,
		.hard_seconds = 3600 + (uint64_t)keyseed,
		.reqid = vm_reqid(v->alg, v->v6),
	};
	sa.spi = vm_spi(v->alg, v->v6, v->gen, outbound == v->west);
	vm_sa(&sa, v->alg, sa.spi, keyseed);
	return sa;
}

static int vm_sas(const struct vm_args *v, bool update, int keyseed)
{
	struct kernel_sa out = vm_make_sa(v, true, keyseed), in = vm_make_sa(v, false, keyseed);
	int err = kernel_add_sa(&out, update);

	return err < 0 ? err : kernel_add_sa(&in, update);
}

static int vm_policies(const struct vm_args *v, uint32_t prio, bool update)
{
	const struct side *s = &v->s;
	uint32_t reqid = vm_reqid(v->alg, v->v6);
	int err = kernel_add_policy(XFRM_POLICY_OUT, &s->my_net, &s->peer_net, &s->me, &s->peer,
				    IPPROTO_ESP, true, reqid, prio, update);

	if (err == 0)
		err = kernel_add_policy(XFRM_POLICY_IN, &s->peer_net, &s->my_net, &s->peer, &s->me,
					IPPROTO_ESP, true, reqid, prio, update);
	if (err == 0)
		err = kernel_add_policy(XFRM_POLICY_FWD, &s->peer_net, &s->my_net, &s->peer, &s->me,
					IPPROTO_ESP, true, reqid, prio, update);
	return err;
}

static int vm_del_sas(const struct vm_args *v)
{
	int e1 = kernel_del_sa(&v->s.peer, vm_spi(v->alg, v->v6, v->gen, v->west), IPPROTO_ESP);
	int e2 = kernel_del_sa(&v->s.me, vm_spi(v->alg, v->v6, v->gen, !v->west), IPPROTO_ESP);

	return e1 < 0 ? e1 : e2;
}

static int vm_down(const struct vm_args *v)
{
	int err = vm_del_sas(v);
	int e1 = kernel_del_policy(XFRM_POLICY_OUT, &v->s.my_net, &v->s.peer_net);
	int e2 = kernel_del_policy(XFRM_POLICY_IN, &v->s.peer_net, &v->s.my_net);
	int e3 = kernel_del_policy(XFRM_POLICY_FWD, &v->s.peer_net, &v->s.my_net);

	return err < 0 ? err : e1 < 0 ? e1 : e2 < 0 ? e2 : e3;
}

static int vm_stats(const struct vm_args *v)
{
	uint32_t out = vm_spi(v->alg, v->v6, v->gen, v->west);
	uint32_t in = vm_spi(v->alg, v->v6, v->gen, !v->west);
	uint64_t ob, op, ou, ib, ip, iu;
	int err = kernel_get_sa_stats(&v->s.peer, out, IPPROTO_ESP, &ob, &op, &ou);

	if (err == 0)
		err = kernel_get_sa_stats(&v->s.me, in, IPPROTO_ESP, &ib, &ip, &iu);
	if (err == 0)
		printf("out 0x%08x packets %llu bytes %llu used %llu\n"
		       "in 0x%08x packets %llu bytes %llu used %llu\n",
		       out, (unsigned long long)op, (unsigned long long)ob, (unsigned long long)ou,
		       in, (unsigned long long)ip, (unsigned long long)ib, (unsigned long long)iu);
	return err;
}

/* What the kernel refuses: a second SA with the same ID, a replace of one that is not there. */
static int vm_refusals(const struct vm_args *v)
{
	struct kernel_sa sa = vm_make_sa(v, true, 0);

	if (kernel_add_sa(&sa, false) != -EEXIST)
		return -1;
	sa.spi ^= 0x00000f00;
	if (kernel_add_sa(&sa, true) != -ESRCH)
		return -1;
	return 0;
}

/*
 * test_kernel_xfrm CMD SIDE ALG FAMILY GEN, run in the side's namespace:
 *   up       SAs (both directions) of generation GEN and the out/in/fwd policies
 *   rekey    SAs of generation GEN next to the old ones; policies replaced (new priority)
 *   replace  UPDSA on generation GEN's SAs: new lifetimes, and different keys (which the
 *            kernel keeps as they were: see the VM script)
 *   retire   delete generation GEN's SAs
 *   stats    kernel_get_sa_stats() of generation GEN's SAs
 *   refuse   duplicate add -> EEXIST, replace of a missing SA -> ESRCH
 *   down     delete generation GEN's SAs and the policies
 *   flush    kernel_flush_pluto() (SIDE ALG FAMILY GEN ignored)
 */
static int vm_main(int argc, char **argv)
{
	struct log_options o = {.to_stderr = true, .no_time = true};
	struct vm_args v = {0};
	int err;

	log_init(&o);
	cur_debugging = DBG_KERNEL;
	if (argc != 6 || side_of(argv[2], argv[4], &v.s) < 0) {
		fprintf(stderr, "usage: KERNEL_XFRM_VM=1 %s CMD west|east ALG v4|v6 GEN\n",
			argv[0]);
		return 2;
	}
	v.alg = -1;
	for (int i = 0; i < (int)ARRAY_LEN(alg_names); i++)
		if (strcmp(argv[3], alg_names[i]) == 0)
			v.alg = i;
	v.v6 = strcmp(argv[4], "v6") == 0;
	v.west = strcmp(argv[2], "west") == 0;
	v.gen = atoi(argv[5]);
	if (v.alg < 0 || v.gen < 1 || v.gen > 15)
		return 2;
	if (kernel_init() < 0)
		return 1;
	const char *cmd = argv[1];
	if (strcmp(cmd, "up") == 0) {
		err = vm_sas(&v, false, 0);
		err = err < 0 ? err : vm_policies(&v, 1000, false);
	} else if (strcmp(cmd, "rekey") == 0) {
		err = vm_sas(&v, false, 0);
		err = err < 0 ? err : vm_policies(&v, 1000 + (uint32_t)v.gen, true);
	} else if (strcmp(cmd, "replace") == 0) {
		err = vm_sas(&v, true, 1);
	} else if (strcmp(cmd, "retire") == 0) {
		err = vm_del_sas(&v);
	} else if (strcmp(cmd, "stats") == 0) {
		err = vm_stats(&v);
	} else if (strcmp(cmd, "refuse") == 0) {
		err = vm_refusals(&v);
	} else if (strcmp(cmd, "down") == 0) {
		err = vm_down(&v);
	} else if (strcmp(cmd, "flush") == 0) {
		err = kernel_flush_pluto();
	} else {
		fprintf(stderr, "unknown command %s\n", cmd);
		err = -EINVAL;
	}
	kernel_fini();
	return err == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_alg_table),   cmocka_unit_test(test_sa_check_rejects),
		cmocka_unit_test(test_policy_args), cmocka_unit_test(test_noklips),
		cmocka_unit_test(test_no_socket),
	};
	const struct CMUnitTest netns[] = {
		cmocka_unit_test(test_policies_add_read_back),
		cmocka_unit_test(test_policies_update),
		cmocka_unit_test(test_policies_delete),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_sa_refused),
	};

	if (getenv("KERNEL_XFRM_VM") != NULL)
		return vm_main(argc, argv);
	setup_log();
	int failed = cmocka_run_group_tests_name("kernel_xfrm", pure, NULL, NULL);
	const char *why = enter_netns();
	if (why != NULL) {
		/* cmocka 1.1's own skip() reads "not ok ... # SKIP": say it in plain TAP */
		printf("1..1\nok 1 - kernel_xfrm in a private network namespace # SKIP %s\n", why);
		return failed;
	}
	return failed |
	       cmocka_run_group_tests_name("kernel_xfrm_netns", netns, netns_setup, netns_teardown);
}
