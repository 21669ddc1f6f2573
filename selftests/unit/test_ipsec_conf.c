/*
 * ipsec.conf (controld/ipsec_conf.c, controld/conf_conn.c): a Libreswan-style IKEv1 PSK
 * configuration with conn %default, also=, auto=, ike=/esp= and time suffixes maps to the
 * whack requests the connection form would send; each rejected input gives its exact
 * "file:line: message"; the conns without a problem still load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "conf_conn.h"
#include "crypto.h"
#include "debug_class.h"
#include "ipsec_conf.h"
#include "ttodata.h"

static char tmpdir[256];
static char conf_path[300];
static char datadir[600];

/* The test data directory: selftests/unit/data from the top of the tree. */
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

static int setup_dir(void **state)
{
	const char *t = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";

	find_datadir();
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_ipsec_conf.XXXXXX", t);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/t.conf", tmpdir);
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* "{f}" stands for t.conf's path, "{d}" for its directory. */
static void expand(const char *want, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = want; *p && o + 1 < cap; p++) {
		const char *sub = strncmp(p, "{f}", 3) == 0   ? conf_path
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
 * Load text as t.conf, map config setup and every conn; the errors must be exactly the
 * NULL-terminated list given; returns how many conns loaded.
 */
static int load_expect(const char *text, ...)
{
	struct conf_errors errs = {0};
	struct ipsec_conf *conf;
	struct conf_setup setup;
	struct conf_conn *cc = malloc(sizeof(*cc));
	int loaded = 0;
	va_list ap;

	assert_non_null(cc);
	write_file(conf_path, text);
	assert_true(ipsec_conf_load(conf_path, &conf, &errs));
	conf_setup_get(conf, &setup, &errs);
	for (const struct conf_section *s = ipsec_conf_next_conn(conf, NULL); s;
	     s = ipsec_conf_next_conn(conf, s))
		loaded += conf_conn_to_whack(s, cc, &errs);
	va_start(ap, text);
	size_t i = 0;
	for (const char *want; (want = va_arg(ap, const char *)) != NULL; i++) {
		char full[1024];
		expand(want, full, sizeof(full));
		if (i >= errs.n)
			fail_msg("missing error: %s", full);
		assert_string_equal(errs.v[i].msg, full);
	}
	va_end(ap);
	if (i < errs.n)
		fail_msg("unexpected error: %s", errs.v[i].msg);
	conf_errors_free(&errs);
	ipsec_conf_free(conf);
	free(cc);
	return loaded;
}

/* A two-line conn prefix, so that the line under test is line 4. */
#define CONN_A "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"

/* ---- the good file -------------------------------------------------------------------- */

struct loaded {
	struct ipsec_conf *conf;
	struct conf_errors errs;
	struct conf_conn cc;
};

static void load_good(struct loaded *l, const char *conn)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/ipsec-psk.conf", datadir);
	memset(l, 0, sizeof(*l));
	assert_true(ipsec_conf_load(path, &l->conf, &l->errs));
	const struct conf_section *s = ipsec_conf_find_conn(l->conf, conn);
	assert_non_null(s);
	assert_true(conf_conn_to_whack(s, &l->cc, &l->errs));
	if (l->errs.n != 0)
		fail_msg("%s", l->errs.v[0].msg);
}

static void unload(struct loaded *l)
{
	conf_errors_free(&l->errs);
	ipsec_conf_free(l->conf);
}

static void test_good_net_net(void **state)
{
	struct loaded l;
	const struct whack_msg *m = &l.cc.msg;

	load_good(&l, "net-net");
	assert_string_equal(m->name, "net-net");
	assert_int_equal(m->ops, WHACK_OP_CONN);
	assert_int_equal(l.cc.autostart, CONF_AUTO_START);
	/* authby=secret from %default; pfs=yes; tunnel and esp by default; auto=start */
	assert_int_equal(m->policy,
			 POLICY_PSK | POLICY_ENCRYPT | POLICY_TUNNEL | POLICY_PFS | POLICY_UP);
	/* left= from also=west-gw; leftnexthop=%defaultroute is unset */
	assert_int_equal(m->end[0].host_type, WHACK_HOST_ADDR);
	assert_string_equal(ip_addr_str(&m->end[0].host), "192.0.2.1");
	assert_false(ip_addr_is_set(&m->end[0].nexthop));
	assert_string_equal(m->end[0].id, "@west");
	assert_string_equal(ip_subnet_str(&m->end[0].client), "10.1.0.0/16");
	assert_string_equal(m->end[0].updown, "/usr/local/lib/ipsec/updown");
	assert_string_equal(ip_addr_str(&m->end[1].host), "198.51.100.2");
	assert_string_equal(m->end[1].id, "@east");
	assert_true(m->end[1].has_client);
	assert_string_equal(m->end[1].updown, ""); /* rightupdown not set: the default */
	assert_int_equal(m->host_af, AF_INET);
	assert_int_equal(m->tunnel_af, AF_INET);
	assert_string_equal(m->ike, "aes256-sha2_256-modp2048,aes128-sha1-modp2048");
	assert_string_equal(m->esp, "aes256-sha2_256");
	assert_int_equal(m->ikelifetime, 3600);	   /* 1h */
	assert_int_equal(m->ipseclifetime, 28800); /* 8h */
	assert_int_equal(m->rekeymargin, 180);	   /* 3m */
	assert_int_equal(m->rekeyfuzz, WHACK_DEFAULT_REKEYFUZZ);
	assert_int_equal(m->keyingtries, 0); /* %forever */
	assert_int_equal(l.cc.rsasigkey[0].len, 0);
	unload(&l);
}

static void test_good_others(void **state)
{
	struct loaded l;
	const struct whack_msg *m = &l.cc.msg;

	/* the conn's own settings beat also= and %default */
	load_good(&l, "host-host");
	assert_int_equal(l.cc.autostart, CONF_AUTO_ROUTE);
	assert_int_equal(m->policy, POLICY_PSK | POLICY_ENCRYPT | POLICY_DONTREKEY | POLICY_ROUTE);
	assert_int_equal(m->ipseclifetime, 3600);
	assert_int_equal(m->keyingtries, 5);
	assert_false(m->end[0].has_client || m->end[1].has_client);
	unload(&l);

	load_good(&l, "roadwarrior");
	assert_int_equal(l.cc.autostart, CONF_AUTO_ADD);
	assert_int_equal(m->policy, POLICY_PSK | POLICY_ENCRYPT | POLICY_TUNNEL | POLICY_PFS);
	assert_int_equal(m->end[1].host_type, WHACK_HOST_ANY);
	assert_string_equal(m->ike, "3des-sha1-modp1536");
	assert_string_equal(m->esp, "aes128-sha1");
	assert_int_equal(m->rekeyfuzz, 50);
	unload(&l);

	/* from the included file: IPv6, authby=rsasig, phase2=ah */
	load_good(&l, "v6");
	assert_int_equal(m->policy,
			 POLICY_RSASIG | POLICY_AUTHENTICATE | POLICY_TUNNEL | POLICY_PFS);
	assert_int_equal(m->host_af, AF_INET6);
	assert_int_equal(m->tunnel_af, AF_INET6);
	unload(&l);

	/* auto=ignore: skipped, not checked */
	load_good(&l, "west-gw");
	assert_int_equal(l.cc.autostart, CONF_AUTO_IGNORE);
	unload(&l);
}

static void test_good_setup(void **state)
{
	struct loaded l;
	struct conf_setup st;

	load_good(&l, "net-net");
	assert_true(conf_setup_get(l.conf, &st, &l.errs));
	assert_int_equal(st.set, CONF_S_LOGFILE | CONF_S_LOGTIME | CONF_S_PLUTODEBUG |
					 CONF_S_UNIQUEIDS | CONF_S_NHELPERS | CONF_S_INTERFACES);
	assert_string_equal(st.logfile, "/var/log/pluto.log");
	assert_false(st.logtime);
	assert_int_equal(st.plutodebug, DBG_CONTROL | DBG_PARSING);
	assert_true(st.uniqueids);
	assert_int_equal(st.nhelpers, -1);
	assert_int_equal(st.interfaces, CONF_IFACES_LIST);
	assert_int_equal(st.ninterfaces, 2);
	assert_string_equal(st.ifnames[0], "eth0"); /* from ipsec0=eth0 */
	assert_string_equal(st.ifnames[1], "eth1");
	unload(&l);

	/* the iteration sees the conns in file order, includes where they are */
	static const char *const names[] = {"west-gw", "net-net", "host-host", "roadwarrior", "v6"};
	load_good(&l, "net-net");
	size_t i = 0;
	for (const struct conf_section *s = ipsec_conf_next_conn(l.conf, NULL); s;
	     s = ipsec_conf_next_conn(l.conf, s), i++) {
		assert_true(i < 5);
		assert_string_equal(s->name, names[i]);
	}
	assert_int_equal(i, 5);
	unload(&l);
}

static void test_setup_keys(void **state)
{
	struct conf_errors errs = {0};
	struct ipsec_conf *conf;
	struct conf_setup st;

	write_file(conf_path, "config setup\n"
			      "\tlisten=192.0.2.1\n"
			      "\tmyid=@west.example.org\n"
			      "\tikeport=4500\n"
			      "\tsecretsfile=/etc/ipsec.d/*.secrets\n"
			      "\tplutodebug=all,no-raw\n"
			      "\tinterfaces=%defaultroute\n"
			      "\tplutostderrlog=/var/log/pluto.err\n"
			      "\tmax-halfopen-ike=1000\n"
			      "\tmax-halfopen-ike-per-peer=4\n"
			      "\tlogip=no\n");
	assert_true(ipsec_conf_load(conf_path, &conf, &errs));
	assert_true(conf_setup_get(conf, &st, &errs));
	assert_int_equal(errs.n, 0);
	assert_string_equal(ip_addr_str(&st.listen), "192.0.2.1");
	assert_string_equal(st.myid, "@west.example.org");
	assert_int_equal(st.ikeport, 4500);
	assert_string_equal(st.secretsfile, "/etc/ipsec.d/*.secrets");
	assert_int_equal(st.plutodebug, DBG_ALL & ~DBG_RAW);
	assert_int_equal(st.interfaces, CONF_IFACES_DEFAULTROUTE);
	assert_string_equal(st.stderrlog, "/var/log/pluto.err");
	assert_true(st.set & CONF_S_MAX_HALFOPEN);
	assert_int_equal(st.max_halfopen, 1000);
	assert_true(st.set & CONF_S_MAX_HALFOPEN_PEER);
	assert_int_equal(st.max_halfopen_peer, 4);
	assert_true((st.set & CONF_S_LOGIP) && !st.logip);
	assert_false(st.set & CONF_S_LOGFILE);
	ipsec_conf_free(conf);
	conf_errors_free(&errs);
}

/* %default fills in, also= and the conn override, an empty value unsets. */
static void test_default_and_also(void **state)
{
	struct conf_errors errs = {0};
	struct ipsec_conf *conf;
	struct conf_conn *cc = malloc(sizeof(*cc));

	write_file(conf_path, "conn base\n\tright=192.0.2.2\n\tikelifetime=2h\n\tpfs=no\n"
			      "\tauto=route\n"
			      "conn %default\n\tikelifetime=30m\n\tkeyingtries=7\n\tpfs=yes\n"
			      "\tesp=aes128-sha1\n"
			      "conn a\n\tleft=192.0.2.1\n\talso=base\n\tkeyingtries=1\n\tesp=\n");
	assert_true(ipsec_conf_load(conf_path, &conf, &errs));
	assert_true(conf_conn_to_whack(ipsec_conf_find_conn(conf, "a"), cc, &errs));
	assert_int_equal(cc->msg.ikelifetime, 7200);	  /* also= beats %default */
	assert_int_equal(cc->msg.keyingtries, 1);	  /* the conn beats %default */
	assert_false(cc->msg.policy & POLICY_PFS);	  /* also= beats %default */
	assert_string_equal(cc->msg.esp, "");		  /* empty: back to the default */
	assert_int_equal(cc->autostart, CONF_AUTO_ROUTE); /* auto= comes with also= too */
	assert_int_equal(errs.n, 0);
	ipsec_conf_free(conf);
	conf_errors_free(&errs);
	free(cc);
}

/* dpddelay=, dpdtimeout= (time units), dpdaction= go into the request. */
static void test_dpd(void **state)
{
	struct conf_errors errs = {0};
	struct ipsec_conf *conf;
	struct conf_conn *cc = malloc(sizeof(*cc));

	write_file(conf_path, "conn %default\n\tdpddelay=30\n"
			      "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tdpdtimeout=2m\n"
			      "\tdpdaction=restart\n"
			      "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tdpddelay=\n");
	assert_true(ipsec_conf_load(conf_path, &conf, &errs));
	assert_true(conf_conn_to_whack(ipsec_conf_find_conn(conf, "a"), cc, &errs));
	assert_int_equal(cc->msg.dpd_delay, 30);
	assert_int_equal(cc->msg.dpd_timeout, 120);
	assert_int_equal(cc->msg.dpd_action, WHACK_DPD_RESTART);
	assert_true(conf_conn_to_whack(ipsec_conf_find_conn(conf, "b"), cc, &errs));
	assert_int_equal(cc->msg.dpd_delay, 0); /* empty: unset */
	assert_int_equal(cc->msg.dpd_action, WHACK_DPD_DEFAULT);
	assert_int_equal(errs.n, 0);
	ipsec_conf_free(conf);
	conf_errors_free(&errs);
	free(cc);
}

/* leftrsasigkey=0s...: kept beside the request, for the end's id or host address. */
static void test_rsasigkey(void **state)
{
	EVP_PKEY *key = crypto_rsa_generate(2048);
	uint8_t *blob;
	size_t len;
	char b64[1024], text[1400];
	struct conf_errors errs = {0};
	struct ipsec_conf *conf;
	struct conf_conn *cc = malloc(sizeof(*cc));
	struct ike_id kid;

	assert_non_null(key);
	assert_int_equal(crypto_rsa_pubkey_to_rfc3110(key, &blob, &len), 0);
	assert_true(datatot_base64(blob, len, b64, sizeof(b64)) > 0);
	snprintf(text, sizeof(text),
		 CONN_A "\tleftrsasigkey=%s\n\trightid=@east\n\trightrsasigkey=%%none\n"
			"conn b\n\tleft=%%any\n\tright=192.0.2.2\n\tleftrsasigkey=%s\n",
		 b64, b64);
	write_file(conf_path, text);
	assert_true(ipsec_conf_load(conf_path, &conf, &errs));
	assert_true(conf_conn_to_whack(ipsec_conf_find_conn(conf, "a"), cc, &errs));
	assert_int_equal(cc->rsasigkey[0].len, len);
	assert_memory_equal(cc->rsasigkey[0].key, blob, len);
	assert_int_equal(cc->rsasigkey[1].len, 0);
	assert_null(conf_conn_key_id(cc, 0, &kid));
	assert_string_equal(id_str(&kid), "192.0.2.1"); /* no leftid: the host address */
	assert_null(conf_conn_key_id(cc, 1, &kid));
	assert_string_equal(id_str(&kid), "@east");
	assert_int_equal(errs.n, 0);
	/* %any has no address to stand for the key's owner */
	assert_false(conf_conn_to_whack(ipsec_conf_find_conn(conf, "b"), cc, &errs));
	assert_int_equal(errs.n, 1);
	char want[400];
	snprintf(want, sizeof(want),
		 "%s:10: leftrsasigkey needs leftid= when left= is not an address", conf_path);
	assert_string_equal(errs.v[0].msg, want);
	ipsec_conf_free(conf);
	conf_errors_free(&errs);
	free(blob);
	free(cc);
	EVP_PKEY_free(key);

	load_expect(CONN_A "\tleftrsasigkey=0sAQ==\n",
		    "{f}:4: leftrsasigkey: bad RSA public key: RSA public key is too short", NULL);
}

/* ---- rejected input: one test each, with the exact message ------------------------ */

static void test_unknown_keyword(void **state)
{
	assert_int_equal(load_expect(CONN_A "\tleftsubnett=10.0.0.0/8\n",
				     "{f}:4: unknown keyword `leftsubnett'", NULL),
			 0);
	assert_int_equal(load_expect("config setup\n\tleft=192.0.2.1\n",
				     "{f}:2: keyword `left' belongs in a conn section", NULL),
			 0);
}

static void test_unsupported_keyword(void **state)
{
	load_expect(CONN_A "\tleftcert=west.crt\n",
		    "{f}:4: keyword `leftcert' is not supported yet", NULL);
	load_expect(CONN_A "\tleftsourceip=10.0.0.1\n",
		    "{f}:4: keyword `leftsourceip' is not supported yet", NULL);
	load_expect(CONN_A "\taggressive=yes\n",
		    "{f}:4: `aggressive=yes' is not supported yet (only aggressive=no)", NULL);
	load_expect(CONN_A "\tikev2=insist\n",
		    "{f}:4: ikev2: `insist': this pluto speaks IKEv1 "
		    "only",
		    NULL);
	load_expect(CONN_A "\tkeyexchange=ikev2\n",
		    "{f}:4: keyexchange: `ikev2': this pluto speaks IKEv1 only", NULL);
	load_expect("config setup\n\tvirtual-private=%v4:10.0.0.0/8\n",
		    "{f}:2: keyword `virtual-private' is not supported yet", NULL);
	/* accepted: they change nothing here */
	assert_int_equal(
		load_expect("config setup\n\tprotostack=netkey\n\tnssdir=/etc/ipsec.d\n" CONN_A
			    "\taggressive=no\n\tikev2=no\n\tleftcert=\n",
			    NULL),
		1);
}

static void test_key_twice(void **state)
{
	load_expect(CONN_A "\tleft=192.0.2.3\n",
		    "{f}:4: duplicate keyword `left' (first set at {f}:2)", NULL);
	load_expect(CONN_A "\tkeylife=1h\n\tsalifetime=2h\n",
		    "{f}:5: duplicate keyword `salifetime' (`keylife' set at {f}:4)", NULL);
}

static void test_also_loop(void **state)
{
	assert_int_equal(load_expect("conn a\n\talso=b\n\tleft=192.0.2.1\n"
				     "conn b\n\talso=a\n\tright=192.0.2.2\n"
				     "conn c\n\tleft=192.0.2.1\n\tright=192.0.2.2\n",
				     "{f}:5: also=a makes a loop: a -> b -> a",
				     "{f}:2: also=b makes a loop: b -> a -> b", NULL),
			 1);
	load_expect(CONN_A "\talso=a\n", "{f}:4: also=a makes a loop: a -> a", NULL);
	/* a diamond is no loop: c comes in once */
	load_expect("conn c\n\tright=192.0.2.2\n\tauto=ignore\n"
		    "conn b\n\talso=c\n\tauto=ignore\n"
		    "conn a\n\tleft=192.0.2.1\n\talso=b\n\talso=c\n\tauto=add\n",
		    NULL);
}

static void test_also_missing(void **state)
{
	load_expect(CONN_A "\talso=base\n", "{f}:4: also=base: no conn `base'", NULL);
}

static void test_bad_address(void **state)
{
	load_expect("conn a\n\tleft=192.0.2.1:500\n\tright=192.0.2.2\n",
		    "{f}:2: left: `192.0.2.1:500' is not an IP address or a resolvable name", NULL);
	load_expect(CONN_A "\tleftnexthop=192.0.2.x/1\n",
		    "{f}:4: leftnexthop: `192.0.2.x/1' is not an IP address or a resolvable name",
		    NULL);
	load_expect("conn a\n\tleft=192.0.2.1\n\tright=2001:db8::2\n",
		    "{f}:3: right=2001:db8::2 is IPv6 but the connection's hosts are IPv4", NULL);
}

static void test_bad_subnet(void **state)
{
	load_expect(CONN_A "\tleftsubnet=10.1.2.3/16\n",
		    "{f}:4: leftsubnet: improper subnet `10.1.2.3/16': host-part bits on", NULL);
	load_expect(
		CONN_A "\tleftsubnet=10.1.0.0/16\n\trightsubnet=2001:db8::/32\n",
		"{f}:5: rightsubnet=2001:db8::/32 is IPv6 but the connection's clients are IPv4",
		NULL);
}

static void test_bad_time(void **state)
{
	load_expect(CONN_A "\tikelifetime=1x\n",
		    "{f}:4: ikelifetime: bad time `1x' (seconds, or a number followed by s, m, h "
		    "or d)",
		    NULL);
	load_expect(CONN_A "\trekeymargin=5mm\n",
		    "{f}:4: rekeymargin: bad time `5mm' (seconds, or a number followed by s, m, h "
		    "or d)",
		    NULL);
}

static void test_over_max_lifetime(void **state)
{
	load_expect(CONN_A "\tikelifetime=9h\n",
		    "{f}:4: ikelifetime: `9h' is more than the maximum of 28800 seconds", NULL);
	load_expect(CONN_A "\tsalifetime=2d\n",
		    "{f}:4: salifetime: `2d' is more than the maximum of 86400 seconds", NULL);
	/* the maxima themselves are fine */
	assert_int_equal(load_expect(CONN_A "\tikelifetime=8h\n\tkeylife=1d\n", NULL), 1);
}

static void test_bad_ike(void **state)
{
	load_expect(CONN_A "\tike=aes128-sha7-modp2048\n",
		    "{f}:4: ike: unknown or misplaced integrity algorithm `sha7' in `aes128'",
		    NULL);
	load_expect(CONN_A "\tesp=blowfish-sha1\n",
		    "{f}:4: esp: unknown ESP encryption algorithm `blowfish'", NULL);
}

static void test_unterminated_quote(void **state)
{
	load_expect(CONN_A "\tleftid=\"@west\n", "{f}:4: unterminated quote in `leftid=\"@west'",
		    NULL);
}

static void test_include_missing(void **state)
{
	load_expect("include nothere.conf\n" CONN_A,
		    "{f}:1: cannot open include file `{d}/nothere.conf': No such file or directory",
		    NULL);
	/* a pattern may match nothing */
	assert_int_equal(load_expect("include nothere.d/*.conf\n" CONN_A, NULL), 1);
	/* a file that includes itself stops at the depth limit, once */
	load_expect("include t.conf\n",
		    "{f}:1: include `t.conf': nested more than 10 deep (a loop?)", NULL);
}

static void test_other_errors(void **state)
{
	load_expect("conn a\n\tleft=192.0.2.1\n", "{f}:1: conn `a': right= is missing", NULL);
	load_expect("conn a\n\tleft=%any\n\tright=%any\n",
		    "{f}:1: conn `a': left= or right= must be an address or %defaultroute", NULL);
	load_expect(CONN_A "conn a\n\tleft=192.0.2.9\n",
		    "{f}:4: conn `a' defined twice (first at {f}:1)", NULL);
	load_expect("\tleft=192.0.2.1\n" CONN_A,
		    "{f}:1: `left=192.0.2.1' outside a section (section headers start at "
		    "column 0)",
		    NULL);
	load_expect(CONN_A "\tleftsubnet\n", "{f}:4: expected key=value, not `leftsubnet'", NULL);
	load_expect("ca strongswan\n\tcacert=x.pem\n" CONN_A,
		    "{f}:1: unknown section type `ca strongswan'", NULL);
	load_expect(CONN_A "\tauto=sometimes\n",
		    "{f}:4: auto: `sometimes' is not add|route|start|ignore", NULL);
	load_expect(CONN_A "\ttype=passthrough\n\tauto=start\n",
		    "{f}:1: conn `a': a type=passthrough|drop|reject conn cannot be started (use "
		    "auto=route)",
		    NULL);
	load_expect(CONN_A "\tleftrsasigkey=%cert\n",
		    "{f}:4: leftrsasigkey: `%cert' is not supported yet (give the key, 0s...)",
		    NULL);
	load_expect("config setup\n\tplutodebug=control bogus\n",
		    "{f}:2: plutodebug: unknown debug class `bogus'", NULL);
	load_expect("version 3\n", "{f}:1: unsupported version `3' (only 2)", NULL);
}

/* A conn with an error is not loaded; the others are, and %default errors count once. */
static void test_partial_load(void **state)
{
	assert_int_equal(load_expect("conn %default\n\tmark=5\n" CONN_A
				     "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n",
				     "{f}:2: keyword `mark' is not supported yet", NULL),
			 0);
	assert_int_equal(load_expect(CONN_A "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n"
					    "\tpfs=maybe\n",
				     "{f}:7: pfs: `maybe' is not no|yes", NULL),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_net_net),
		cmocka_unit_test(test_good_others),
		cmocka_unit_test(test_good_setup),
		cmocka_unit_test(test_setup_keys),
		cmocka_unit_test(test_default_and_also),
		cmocka_unit_test(test_rsasigkey),
		cmocka_unit_test(test_unknown_keyword),
		cmocka_unit_test(test_unsupported_keyword),
		cmocka_unit_test(test_key_twice),
		cmocka_unit_test(test_also_loop),
		cmocka_unit_test(test_also_missing),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_dpd),
		cmocka_unit_test(test_bad_subnet),
		cmocka_unit_test(test_bad_time),
		cmocka_unit_test(test_over_max_lifetime),
		cmocka_unit_test(test_bad_ike),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_include_missing),
		cmocka_unit_test(test_other_errors),
		cmocka_unit_test(test_partial_load),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
