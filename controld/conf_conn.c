/* ipsec.conf keywords: a conn section to a whack request, config setup to settings. */
#include "conf_conn.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "alg_parse.h"
#include "crypto.h"
#include "debug_class.h"
#include "ttodata.h"

/* Where a keyword may appear. */
enum {
	KS_SETUP = 1,
	KS_CONN = 2,
	KS_END = 4, /* leftNAME and rightNAME; the table holds NAME */
};

enum kw_kind {
	KW_APPLY,	/* the handler applies it */
	KW_IGNORED,	/* accepted: it changes nothing here */
	KW_ONLY,	/* accepted with one of the values in .only (that change nothing) */
	KW_UNSUPPORTED, /* an error, unless the value is empty */
};

struct kw_ctx;
typedef const char *(*kw_fn)(struct kw_ctx *c, int end, const char *v);

struct keyword {
	const char *name;
	uint8_t where;
	uint8_t kind;
	kw_fn fn;	  /* KW_APPLY */
	const char *only; /* the values accepted, '|' separated (NULL: any) */
	size_t off;	  /* for generic handlers: where the value goes */
	uint32_t arg;	  /* a maximum, a choice, or (config setup) a conf_setup_bit */
};

/* What a conn's keys decide before they become policy bits. */
struct conn_opts {
	uint32_t auth; /* POLICY_PSK | POLICY_RSASIG */
	bool auth_set;
	uint32_t shunt;	 /* type=passthrough|drop|reject */
	bool transport;	 /* type=transport */
	uint32_t phase2; /* POLICY_ENCRYPT or POLICY_AUTHENTICATE */
	bool pfs, rekey, compress, no_arrival_check;
	int any_af[2]; /* %any6 */
	const struct conf_kv *host_kv[2], *nexthop_kv[2], *subnet_kv[2], *key_kv[2];
};

#define NKW 150 /* at least the table's length (a _Static_assert checks) */

struct kw_ctx {
	struct conf_conn *conn;	  /* applying a conn */
	struct conf_setup *setup; /* applying config setup */
	struct conf_errors *errs;
	const struct conf_kv *kv; /* the line being applied */
	const struct keyword *k;  /* its keyword */
	int choice;		  /* the value's index in k->only */
	unsigned nerr;
	struct conn_opts o;
	/* which keyword (by canonical index and end) was set by which line, from which layer */
	const struct conf_kv *seen[NKW][2];
	const struct conf_section *seen_in[NKW][2];
	char why[400];
};

static const char *const end_name[2] = {"left", "right"};

static void __attribute__((format(printf, 3, 4)))
kv_error(struct kw_ctx *c, const struct conf_kv *kv, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_error_add(c->errs, false, kv ? kv->file : NULL, kv ? kv->line : 0, "%s", msg);
	c->nerr++;
}

static const char *__attribute__((format(printf, 2, 3))) why(struct kw_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return c->why;
}

/* ---- value syntaxes -------------------------------------------------------------- */

static const char *parse_uint(struct kw_ctx *c, const char *v, unsigned long max,
			      unsigned long *out)
{
	char *end;

	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0)
		return why(c, "`%s' is not a number", v);
	if (n > max)
		return why(c, "`%s' exceeds the maximum %lu", v, max);
	*out = n;
	return NULL;
}

/* Libreswan's time syntax: seconds, or a number with an s, m, h or d suffix. */
static const char *parse_time(struct kw_ctx *c, const char *v, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long mult = 1;

	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || errno != 0 || (end[0] != '\0' && end[1] != '\0'))
		goto bad;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		goto bad;
	}
	if (n > UINT32_MAX || n * mult > max)
		return why(c, "`%s' is more than the maximum of %u seconds", v, max);
	*out = (uint32_t)(n * mult);
	return NULL;
bad:
	return why(c, "bad time `%s' (seconds, or a number followed by s, m, h or d)", v);
}

static const char *copy_str(struct kw_ctx *c, char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return why(c, "`%.40s...' is longer than %zu characters", v, cap - 1);
	strcpy(dst, v);
	return NULL;
}

/* ---- conn: per end --------------------------------------------------------------- */

static struct whack_end *wend(struct kw_ctx *c, int end)
{
	return &c->conn->msg.end[end];
}

static const char *h_host(struct kw_ctx *c, int end, const char *v)
{
	struct whack_end *e = wend(c, end);
	static const struct {
		const char *name;
		uint8_t type;
		int af;
	} special[] = {
		{"%any", WHACK_HOST_ANY, 0},
		{"%any4", WHACK_HOST_ANY, AF_INET},
		{"%any6", WHACK_HOST_ANY, AF_INET6},
		{"0.0.0.0", WHACK_HOST_ANY, AF_INET},
		{"::", WHACK_HOST_ANY, AF_INET6},
		{"%defaultroute", WHACK_HOST_DEFAULTROUTE, 0},
		{"%opportunistic", WHACK_HOST_OPPORTUNISTIC, 0},
	};

	c->o.host_kv[end] = c->kv;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (strcmp(v, special[i].name) == 0) {
			e->host_type = special[i].type;
			c->o.any_af[end] = special[i].af;
			return NULL;
		}
	}
	if (v[0] == '%')
		return why(c,
			   "`%s' is not supported yet (an address, %%any, %%defaultroute or "
			   "%%opportunistic)",
			   v);
	e->host_type = WHACK_HOST_ADDR;
	return ip_addr_parse(v, AF_UNSPEC, true, &e->host);
}

/* leftid=, rightid=, and config setup's myid=: stored formatted, as whack sends it. */
static const char *h_id(struct kw_ctx *c, int end, const char *v)
{
	struct ike_id id;
	const char *err = id_parse(v, true, &id);

	if (err == NULL)
		id_format(&id, c->setup != NULL ? c->setup->myid : wend(c, end)->id);
	return err;
}

static const char *h_subnet(struct kw_ctx *c, int end, const char *v)
{
	struct whack_end *e = wend(c, end);

	c->o.subnet_kv[end] = c->kv;
	e->has_client = 1;
	return ip_subnet_parse(v, AF_UNSPEC, &e->client);
}

static const char *h_nexthop(struct kw_ctx *c, int end, const char *v)
{
	struct whack_end *e = wend(c, end);

	c->o.nexthop_kv[end] = c->kv;
	memset(&e->nexthop, 0, sizeof(e->nexthop));
	if (strcmp(v, "%direct") == 0 || strcmp(v, "%defaultroute") == 0)
		return NULL; /* unset: the peer itself, or the default route's gateway */
	return ip_addr_parse(v, AF_UNSPEC, true, &e->nexthop);
}

/* leftupdown=: a command, or %disabled (kept as is: updown_run() runs nothing then). */
static const char *h_updown(struct kw_ctx *c, int end, const char *v)
{
	return copy_str(c, wend(c, end)->updown, WHACK_PATH_MAX, v);
}

/* leftikeport=, rightikeport=, and config setup's ikeport=. */
static const char *h_ikeport(struct kw_ctx *c, int end, const char *v)
{
	unsigned long n;

	if (parse_uint(c, v, 65535, &n) != NULL)
		return c->why;
	if (n == 0)
		return "port 0 is not a port";
	*(c->setup != NULL ? &c->setup->ikeport : &wend(c, end)->ikeport) = (uint16_t)n;
	return NULL;
}

static const char *h_rsasigkey(struct kw_ctx *c, int end, const char *v)
{
	uint8_t buf[WHACK_KEY_MAX];
	size_t n;
	EVP_PKEY *pkey = NULL;

	c->o.key_kv[end] = c->kv;
	c->conn->rsasigkey[end].len = 0;
	if (strcmp(v, "%none") == 0)
		return NULL;
	if (strcmp(v, "%cert") == 0 || strcmp(v, "%dnsondemand") == 0 || strcmp(v, "%dns") == 0 ||
	    strcmp(v, "%dnssec") == 0)
		return why(c, "`%s' is not supported yet (give the key, 0s...)", v);
	const char *err = ttodata(v, buf, sizeof(buf), &n);
	if (err == NULL)
		err = crypto_rsa_pubkey_from_rfc3110(CRYPTO_CHUNK(buf, n), &pkey);
	EVP_PKEY_free(pkey);
	if (err != NULL)
		return why(c, "bad RSA public key: %s", err);
	memcpy(c->conn->rsasigkey[end].key, buf, n);
	c->conn->rsasigkey[end].len = (uint16_t)n;
	return NULL;
}

/* ---- conn: whole connection ------------------------------------------------------ */

/* Handlers with .only get the index of the value among its words in c->choice. */
static const char *h_auto(struct kw_ctx *c, int end, const char *v)
{
	c->conn->autostart = (enum conf_auto)c->choice;
	return NULL;
}

static const char *h_authby(struct kw_ctx *c, int end, const char *v)
{
	char buf[128], *save = NULL;

	if (copy_str(c, buf, sizeof(buf), v) != NULL)
		return c->why;
	c->o.auth = 0;
	c->o.auth_set = true;
	for (char *w = strtok_r(buf, "|,", &save); w; w = strtok_r(NULL, "|,", &save)) {
		if (strcmp(w, "secret") == 0 || strcmp(w, "psk") == 0)
			c->o.auth |= POLICY_PSK;
		else if (strcmp(w, "rsasig") == 0 || strcmp(w, "rsa") == 0 ||
			 strcmp(w, "rsa-sha1") == 0)
			c->o.auth |= POLICY_RSASIG;
		else if (strcmp(w, "never") != 0)
			return why(c, "`%s' is not supported (secret, rsasig or never)", w);
	}
	return NULL;
}

static const char *h_algs(struct kw_ctx *c, const char *v, bool esp)
{
	struct alg_list list;
	const char *err = esp ? alg_parse_esp(v, &list) : alg_parse_ike(v, &list);

	if (err != NULL)
		return err;
	return copy_str(c, esp ? c->conn->msg.esp : c->conn->msg.ike, WHACK_STR_MAX, v);
}

static const char *h_ike(struct kw_ctx *c, int end, const char *v)
{
	return h_algs(c, v, false);
}

static const char *h_esp(struct kw_ctx *c, int end, const char *v)
{
	return h_algs(c, v, true);
}

/* A time at .off in struct conf_conn, at most .arg seconds. */
static const char *h_time(struct kw_ctx *c, int end, const char *v)
{
	return parse_time(c, v, c->k->arg, (uint32_t *)((char *)c->conn + c->k->off));
}

/* "no|yes" into the bool at .off in struct conn_opts (conn) or conf_setup (setup). */
static const char *h_flag(struct kw_ctx *c, int end, const char *v)
{
	*(bool *)((c->setup != NULL ? (char *)c->setup : (char *)&c->o) + c->k->off) =
		c->choice == 1;
	return NULL;
}

static const char *h_rekeyfuzz(struct kw_ctx *c, int end, const char *v)
{
	char buf[32];
	unsigned long n;
	size_t len = strlen(v);

	if (len >= sizeof(buf))
		return why(c, "`%.20s...' is not a percentage", v);
	strcpy(buf, v);
	if (len > 1 && buf[len - 1] == '%')
		buf[len - 1] = '\0';
	if (parse_uint(c, buf, 100000, &n) != NULL)
		return why(c, "`%s' is not a percentage (100%% or 100) of at most 100000", v);
	c->conn->msg.rekeyfuzz = (uint32_t)n;
	return NULL;
}

static const char *h_keyingtries(struct kw_ctx *c, int end, const char *v)
{
	unsigned long n = 0;

	if (strcmp(v, "%forever") != 0 && parse_uint(c, v, 1000000, &n) != NULL)
		return why(c, "`%s' is not a number of at most 1000000 or %%forever", v);
	c->conn->msg.keyingtries = (uint32_t)n;
	return NULL;
}

static const char *h_type(struct kw_ctx *c, int end, const char *v)
{
	static const uint32_t shunt[] = {
		0, 0, POLICY_SHUNT_PASS, POLICY_SHUNT_PASS, POLICY_SHUNT_DROP, POLICY_SHUNT_REJECT};

	c->o.transport = c->choice == 1;
	c->o.shunt = shunt[c->choice];
	return NULL;
}

static const char *h_phase2(struct kw_ctx *c, int end, const char *v)
{
	c->o.phase2 = c->choice == 0 ? POLICY_ENCRYPT : POLICY_AUTHENTICATE;
	return NULL;
}

/* ipv4|ipv6 into host_af (.arg 1), tunnel_af (.arg 2) or both (3). */
static const char *h_family(struct kw_ctx *c, int end, const char *v)
{
	uint8_t af = c->choice == 0 ? AF_INET : AF_INET6;

	if (c->k->arg & 1)
		c->conn->msg.host_af = af;
	if (c->k->arg & 2)
		c->conn->msg.tunnel_af = af;
	return NULL;
}

/* keyexchange=ike|ikev1|ikev2 and ikev2=no|never|permit|propose|insist|yes: .arg is the
 * first choice that would need IKEv2. */
static const char *h_ikev2(struct kw_ctx *c, int end, const char *v)
{
	if (c->choice >= (int)c->k->arg)
		return why(c, "`%s': this pluto speaks IKEv1 only", v);
	return NULL;
}

/* dpdaction=hold|clear|restart, in the order of enum whack_dpd_action. */
static const char *h_dpdaction(struct kw_ctx *c, int end, const char *v)
{
	c->conn->msg.dpd_action = (uint8_t)(WHACK_DPD_HOLD + c->choice);
	return NULL;
}

/* ---- config setup ------------------------------------------------------------------ */

/* A path into the char[WHACK_PATH_MAX] at .off in struct conf_setup. */
static const char *h_path(struct kw_ctx *c, int end, const char *v)
{
	return copy_str(c, (char *)c->setup + c->k->off, WHACK_PATH_MAX, v);
}

/* "control parsing", "all,no-raw", "none": the resulting set, from nothing. */
static const char *h_plutodebug(struct kw_ctx *c, int end, const char *v)
{
	char buf[512], *save = NULL;
	uint32_t bits = 0;
	int negate;

	if (copy_str(c, buf, sizeof(buf), v) != NULL)
		return c->why;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		uint32_t b = debug_class_lookup(w, &negate);
		if (b == 0)
			return why(c, "unknown debug class `%s'", w);
		bits = negate ? bits & ~b : bits | b;
	}
	c->setup->plutodebug = bits;
	return NULL;
}

static const char *h_listen(struct kw_ctx *c, int end, const char *v)
{
	return ip_addr_parse(v, AF_UNSPEC, false, &c->setup->listen);
}

static const char *h_nhelpers(struct kw_ctx *c, int end, const char *v)
{
	unsigned long n = 0;

	if (strcmp(v, "-1") != 0 && parse_uint(c, v, 64, &n) != NULL)
		return c->why;
	c->setup->nhelpers = strcmp(v, "-1") == 0 ? -1 : (int)n;
	return NULL;
}

/* max-halfopen-ike=, max-halfopen-ike-per-peer=: 1 .. 10000000, into the field at .off. */
static const char *h_halfopen(struct kw_ctx *c, int end, const char *v)
{
	unsigned long n;

	if (parse_uint(c, v, 10000000, &n) != NULL)
		return c->why;
	if (n == 0)
		return "0 would refuse every peer";
	*(unsigned *)((char *)c->setup + c->k->off) = (unsigned)n;
	return NULL;
}

/* %defaultroute, %none, or names ("eth0 eth1"; the old "ipsec0=eth0" gives eth0). */
static const char *h_interfaces(struct kw_ctx *c, int end, const char *v)
{
	struct conf_setup *s = c->setup;
	char buf[1024], *save = NULL, *w[CONF_MAX_INTERFACES];
	unsigned n = 0;

	if (copy_str(c, buf, sizeof(buf), v) != NULL)
		return c->why;
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == CONF_MAX_INTERFACES)
			return why(c, "more than %d interfaces", CONF_MAX_INTERFACES);
		w[n++] = t;
	}
	s->ninterfaces = 0;
	s->interfaces = CONF_IFACES_LIST;
	if (n == 1 && (strcmp(w[0], "%defaultroute") == 0 || strcmp(w[0], "%none") == 0))
		s->interfaces = w[0][1] == 'd' ? CONF_IFACES_DEFAULTROUTE : CONF_IFACES_NONE;
	for (unsigned i = 0; i < n && s->interfaces == CONF_IFACES_LIST; i++) {
		char *phys = strchr(w[i], '=') ? strchr(w[i], '=') + 1 : w[i];
		if (*phys == '\0' || *phys == '%' || strlen(phys) >= CONF_IFNAME_MAX ||
		    strchr(phys, '/') != NULL)
			return why(c,
				   "bad interface name `%s' (%%defaultroute and %%none stand "
				   "alone)",
				   w[i]);
		strcpy(s->ifnames[s->ninterfaces++], phys);
	}
	return NULL;
}

/* ---- the table ----------------------------------------------------------------------- */

#define O(f) offsetof(struct conn_opts, f)
#define C(f) offsetof(struct conf_conn, f)
#define S(f) offsetof(struct conf_setup, f)
#define ONLY(v) .kind = KW_ONLY, .only = v
#define UNSUPPORTED .kind = KW_UNSUPPORTED
#define IGNORED .kind = KW_IGNORED
#define TIME(f, max) .fn = h_time, .off = C(f), .arg = max
#define FLAG(o) .fn = h_flag, .only = "no|yes", .off = o
#define END(n, ...)                                               \
	{                                                         \
		.name = n, .where = KS_CONN | KS_END, __VA_ARGS__ \
	}
#define CONN(n, ...)                                     \
	{                                                \
		.name = n, .where = KS_CONN, __VA_ARGS__ \
	}
#define SETUP(n, b, ...)                                            \
	{                                                           \
		.name = n, .where = KS_SETUP, .arg = b, __VA_ARGS__ \
	}

/*
 * Every keyword.  Entries with the same handler and .off/.arg are aliases: one of them
 * may be set, once.  For config setup, .arg is the conf_setup_bit a good value sets.
 * (Kept dense by hand: one entry per line would double the file.)
 */
/* clang-format off */
static const struct keyword keywords[] = {
	/* conn, per end: leftNAME= and rightNAME= */
	END("", .fn = h_host), END("id", .fn = h_id), END("subnet", .fn = h_subnet),
	END("nexthop", .fn = h_nexthop), END("updown", .fn = h_updown),
	END("ikeport", .fn = h_ikeport), END("rsasigkey", .fn = h_rsasigkey),
	END("firewall", ONLY("no")), END("hostaccess", ONLY("no")),
	END("cert", UNSUPPORTED), END("sendcert", UNSUPPORTED), END("ca", UNSUPPORTED),
	END("ckaid", UNSUPPORTED), END("rsasigkey2", UNSUPPORTED),
	END("sourceip", UNSUPPORTED), END("protoport", UNSUPPORTED),
	END("subnets", UNSUPPORTED), END("auth", UNSUPPORTED),
	END("xauthserver", UNSUPPORTED), END("xauthclient", UNSUPPORTED),
	END("username", UNSUPPORTED), END("modecfgserver", UNSUPPORTED),
	END("modecfgclient", UNSUPPORTED), END("addresspool", UNSUPPORTED),
	END("vti", UNSUPPORTED), END("interface-ip", UNSUPPORTED),
	END("cat", UNSUPPORTED),
	/* conn */
	CONN("auto", .fn = h_auto, .only = "add|route|start|ignore"),
	CONN("authby", .fn = h_authby), CONN("ike", .fn = h_ike),
	CONN("esp", .fn = h_esp), CONN("phase2alg", .fn = h_esp),
	CONN("ikelifetime", TIME(msg.ikelifetime, WHACK_MAX_IKELIFETIME)),
	CONN("keylife", TIME(msg.ipseclifetime, WHACK_MAX_IPSECLIFETIME)),
	CONN("salifetime", TIME(msg.ipseclifetime, WHACK_MAX_IPSECLIFETIME)),
	CONN("lifetime", TIME(msg.ipseclifetime, WHACK_MAX_IPSECLIFETIME)),
	CONN("rekeymargin", TIME(msg.rekeymargin, WHACK_MAX_IPSECLIFETIME)),
	CONN("margintime", TIME(msg.rekeymargin, WHACK_MAX_IPSECLIFETIME)),
	CONN("rekeyfuzz", .fn = h_rekeyfuzz), CONN("keyingtries", .fn = h_keyingtries),
	CONN("rekey", FLAG(O(rekey))), CONN("pfs", FLAG(O(pfs))),
	CONN("compress", FLAG(O(compress))),
	CONN("disablearrivalcheck", FLAG(O(no_arrival_check))),
	CONN("type", .fn = h_type, .only = "tunnel|transport|passthrough|pass|drop|reject"),
	CONN("phase2", .fn = h_phase2, .only = "esp|ah"),
	CONN("auth", .fn = h_phase2, .only = "esp|ah"),
	CONN("hostaddrfamily", .fn = h_family, .only = "ipv4|ipv6", .arg = 1),
	CONN("clientaddrfamily", .fn = h_family, .only = "ipv4|ipv6", .arg = 2),
	CONN("connaddrfamily", .fn = h_family, .only = "ipv4|ipv6", .arg = 3),
	CONN("keyexchange", .fn = h_ikev2, .only = "ike|ikev1|ikev2", .arg = 2),
	CONN("ikev2", .fn = h_ikev2, .only = "no|never|permit|propose|insist|yes", .arg = 4),
	CONN("dpddelay", TIME(msg.dpd_delay, WHACK_MAX_DPDTIME)),
	CONN("dpdtimeout", TIME(msg.dpd_timeout, WHACK_MAX_DPDTIME)),
	CONN("dpdaction", .fn = h_dpdaction, .only = "hold|clear|restart"),
	CONN("fragmentation", IGNORED), CONN("ike_frag", IGNORED),
	CONN("nat-ikev1-method", IGNORED), CONN("initial-contact", IGNORED),
	CONN("send-vendorid", IGNORED), CONN("sareftrack", IGNORED),
	CONN("ikepad", IGNORED), CONN("aggressive", ONLY("no")),
	CONN("aggrmode", ONLY("no")), CONN("narrowing", ONLY("no")),
	CONN("mobike", ONLY("no")), CONN("esn", ONLY("no")),
	CONN("sha2-truncbug", ONLY("no")), CONN("sha2_truncbug", ONLY("no")),
	CONN("encapsulation", ONLY("no")), CONN("nat-traversal", ONLY("no")),
	CONN("forceencaps", ONLY("no")), CONN("cisco-unity", ONLY("no")),
	CONN("decap-dscp", ONLY("no")), CONN("nopmtudisc", ONLY("no")),
	CONN("mark", UNSUPPORTED), CONN("mark-in", UNSUPPORTED),
	CONN("mark-out", UNSUPPORTED), CONN("vti-interface", UNSUPPORTED),
	CONN("vti-routing", UNSUPPORTED), CONN("vti-shared", UNSUPPORTED),
	CONN("ipsec-interface", UNSUPPORTED), CONN("modecfgdns", UNSUPPORTED),
	CONN("modecfgdomains", UNSUPPORTED), CONN("modecfgbanner", UNSUPPORTED),
	CONN("modecfgpull", UNSUPPORTED), CONN("xauthby", UNSUPPORTED),
	CONN("xauthfail", UNSUPPORTED), CONN("remote-peer-type", UNSUPPORTED),
	CONN("nm-configured", UNSUPPORTED), CONN("nic-offload", UNSUPPORTED),
	CONN("replay-window", UNSUPPORTED), CONN("priority", UNSUPPORTED),
	CONN("reqid", UNSUPPORTED), CONN("metric", UNSUPPORTED),
	CONN("mtu", UNSUPPORTED), CONN("tfc", UNSUPPORTED),
	CONN("policy-label", UNSUPPORTED), CONN("ppk", UNSUPPORTED),
	CONN("overlapip", UNSUPPORTED), CONN("sendca", UNSUPPORTED),
	CONN("retransmit-timeout", UNSUPPORTED),
	CONN("retransmit-interval", UNSUPPORTED), CONN("pfsgroup", UNSUPPORTED),
	/* config setup */
	SETUP("logfile", CONF_S_LOGFILE, .fn = h_path, .off = S(logfile)),
	SETUP("logtime", CONF_S_LOGTIME, FLAG(S(logtime))),
	SETUP("logappend", CONF_S_LOGAPPEND, FLAG(S(logappend))),
	SETUP("logip", CONF_S_LOGIP, FLAG(S(logip))),
	SETUP("plutodebug", CONF_S_PLUTODEBUG, .fn = h_plutodebug),
	SETUP("uniqueids", CONF_S_UNIQUEIDS, FLAG(S(uniqueids))),
	SETUP("listen", CONF_S_LISTEN, .fn = h_listen),
	SETUP("nhelpers", CONF_S_NHELPERS, .fn = h_nhelpers),
	SETUP("secretsfile", CONF_S_SECRETSFILE, .fn = h_path, .off = S(secretsfile)),
	SETUP("ipsecdir", CONF_S_IPSECDIR, .fn = h_path, .off = S(ipsecdir)),
	SETUP("ikeport", CONF_S_IKEPORT, .fn = h_ikeport),
	SETUP("myid", CONF_S_MYID, .fn = h_id),
	SETUP("interfaces", CONF_S_INTERFACES, .fn = h_interfaces),
	SETUP("plutostderrlog", CONF_S_STDERRLOG, .fn = h_path, .off = S(stderrlog)),
	SETUP("max-halfopen-ike", CONF_S_MAX_HALFOPEN, .fn = h_halfopen, .off = S(max_halfopen)),
	SETUP("max-halfopen-ike-per-peer", CONF_S_MAX_HALFOPEN_PEER, .fn = h_halfopen,
	      .off = S(max_halfopen_peer)),
	SETUP("nssdir", 0, IGNORED), SETUP("dumpdir", 0, IGNORED), SETUP("coredir", 0, IGNORED),
	SETUP("seedbits", 0, IGNORED), SETUP("audit-log", 0, IGNORED),
	SETUP("klipsdebug", 0, IGNORED), SETUP("hidetos", 0, IGNORED),
	SETUP("fragicmp", 0, IGNORED), SETUP("keep-alive", 0, IGNORED),
	SETUP("crlcheckinterval", 0, IGNORED),
	SETUP("protostack", 0, ONLY("netkey|xfrm|native")),
	SETUP("ikev1-policy", 0, ONLY("accept")), SETUP("strictcrlpolicy", 0, ONLY("no")),
	SETUP("nat_traversal", 0, ONLY("no")), SETUP("nat-traversal", 0, ONLY("no")),
	SETUP("virtual-private", 0, UNSUPPORTED), SETUP("syslog", 0, UNSUPPORTED),
	SETUP("shuntlifetime", 0, UNSUPPORTED), SETUP("perpeerlog", 0, UNSUPPORTED),
	SETUP("ddos-mode", 0, UNSUPPORTED), SETUP("listen-tcp", 0, UNSUPPORTED),
};
/* clang-format on */

_Static_assert(sizeof(keywords) / sizeof(keywords[0]) <= NKW, "raise NKW");

/* The table index of key (and which end it names), or -1. */
static int kw_lookup(const char *key, int *end)
{
	const char *suffix = NULL;

	*end = 0;
	if (strncmp(key, "left", 4) == 0)
		suffix = key + 4;
	else if (strncmp(key, "right", 5) == 0)
		suffix = key + 5, *end = 1;
	for (int i = 0; i < (int)(sizeof(keywords) / sizeof(keywords[0])); i++) {
		const struct keyword *k = &keywords[i];
		if (k->where & KS_END) {
			if (suffix != NULL && strcmp(k->name, suffix) == 0)
				return i;
		} else if (strcmp(k->name, key) == 0) {
			*end = 0;
			return i;
		}
	}
	return -1;
}

/* Aliases share their first entry's index. */
static int kw_canon(int i)
{
	const struct keyword *k = &keywords[i];

	for (int j = 0; j < i && k->fn != NULL; j++) {
		if (keywords[j].fn == k->fn && keywords[j].off == k->off &&
		    keywords[j].arg == k->arg && keywords[j].where == k->where)
			return j;
	}
	return i;
}

/* The index of v among the '|' separated words of list, or -1. */
static int choice(const char *list, const char *v)
{
	size_t n = strlen(v);

	for (int i = 0; *list; i++) {
		const char *bar = strchr(list, '|');
		size_t len = bar ? (size_t)(bar - list) : strlen(list);
		if (len == n && strncmp(list, v, n) == 0)
			return i;
		list += len + (bar != NULL);
	}
	return -1;
}

/* Apply one line from layer (where: KS_CONN or KS_SETUP). */
static void apply_kv(struct kw_ctx *c, const struct conf_section *layer, const struct conf_kv *kv,
		     unsigned where)
{
	int end, i = kw_lookup(kv->key, &end);

	if (i < 0) {
		kv_error(c, kv, "unknown keyword `%s'", kv->key);
		return;
	}
	const struct keyword *k = &keywords[i];
	if (!(k->where & where)) {
		kv_error(c, kv, "keyword `%s' belongs in %s", kv->key,
			 where == KS_CONN ? "config setup" : "a conn section");
		return;
	}
	int canon = kw_canon(i);
	const struct conf_kv *first = c->seen[canon][end];
	if (first != NULL) {
		/* set by a stronger layer (silently), or an alias in the same section */
		if (c->seen_in[canon][end] == layer)
			kv_error(c, kv, "duplicate keyword `%s' (`%s' set at %s:%u)", kv->key,
				 first->key, first->file, first->line);
		return;
	}
	c->seen[canon][end] = kv;
	c->seen_in[canon][end] = layer;
	c->kv = kv;
	if (kv->value[0] == '\0')
		return; /* empty: the default */
	const char *err = NULL;
	switch (k->kind) {
	case KW_APPLY:
		c->k = k;
		c->choice = k->only != NULL ? choice(k->only, kv->value) : 0;
		if (c->choice < 0)
			err = why(c, "`%s' is not %s", kv->value, k->only);
		else
			err = k->fn(c, end, kv->value);
		if (err != NULL)
			kv_error(c, kv, "%s: %s", kv->key, err);
		else if (where == KS_SETUP)
			c->setup->set |= k->arg;
		break;
	case KW_IGNORED:
		break;
	case KW_ONLY:
		if (choice(k->only, kv->value) < 0)
			kv_error(c, kv, "`%s=%s' is not supported yet (only %s=%s)", kv->key,
				 kv->value, kv->key, k->only);
		break;
	case KW_UNSUPPORTED:
		kv_error(c, kv, "keyword `%s' is not supported yet", kv->key);
		break;
	}
}

/* ---- a conn, put together --------------------------------------------------------- */

static void set_policy(struct kw_ctx *c)
{
	const struct conn_opts *o = &c->o;
	uint32_t p;

	if (o->shunt != 0) {
		p = o->shunt; /* a shunt negotiates nothing */
	} else {
		p = (o->auth_set ? o->auth : POLICY_RSASIG) | o->phase2;
		p |= (o->transport ? 0 : POLICY_TUNNEL) | (o->pfs ? POLICY_PFS : 0) |
		     (o->compress ? POLICY_COMPRESS : 0);
	}
	p |= (o->rekey ? 0 : POLICY_DONTREKEY) |
	     (o->no_arrival_check ? POLICY_DISABLEARRIVALCHECK : 0);
	if (c->conn->autostart == CONF_AUTO_START)
		p |= POLICY_UP;
	else if (c->conn->autostart == CONF_AUTO_ROUTE)
		p |= POLICY_ROUTE;
	c->conn->msg.policy = p;
}

/* The family of an end's address, or of its %any4/%any6. */
static int addr_af(const struct kw_ctx *c, int end, int which)
{
	const struct whack_end *e = &c->conn->msg.end[end];
	const ip_address *a = which ? &e->nexthop : &e->host;

	return ip_addr_is_set(a) ? a->af : which ? 0 : c->o.any_af[end];
}

/* Address families must agree within the connection, as whack checks them. */
static void check_families(struct kw_ctx *c)
{
	struct whack_msg *m = &c->conn->msg;
	int host_af = m->host_af, tunnel_af = m->tunnel_af;

	for (int e = 0; e < 2; e++) {
		for (int which = 0; which < 2; which++) {
			const struct conf_kv *kv = which ? c->o.nexthop_kv[e] : c->o.host_kv[e];
			int af = addr_af(c, e, which);
			if (af == 0)
				continue;
			if (host_af == 0)
				host_af = af;
			if (af != host_af)
				kv_error(c, kv, "%s=%s is %s but the connection's hosts are %s",
					 kv->key, kv->value, ip_af_name(af), ip_af_name(host_af));
		}
	}
	m->host_af = (uint8_t)(host_af ? host_af : AF_INET);
	for (int e = 0; e < 2; e++) {
		const struct conf_kv *kv = c->o.subnet_kv[e];
		int af = m->end[e].client.addr.af;
		if (!m->end[e].has_client)
			continue;
		if (tunnel_af == 0)
			tunnel_af = af;
		if (af != tunnel_af)
			kv_error(c, kv, "%s=%s is %s but the connection's clients are %s", kv->key,
				 kv->value, ip_af_name(af), ip_af_name(tunnel_af));
	}
	m->tunnel_af = (uint8_t)(tunnel_af ? tunnel_af : m->host_af);
}

/* whack's check_conn, for a conn section. */
static void check_conn(struct kw_ctx *c, const struct conf_section *conn)
{
	const struct whack_msg *m = &c->conn->msg;
	struct conf_kv where = {.file = conn->file, .line = conn->line};
	uint32_t ipsec = POLICY_ENCRYPT | POLICY_AUTHENTICATE | POLICY_COMPRESS | POLICY_PFS;
	int real = 0;

	for (int e = 0; e < 2; e++) {
		uint8_t t = m->end[e].host_type;
		if (t == WHACK_HOST_NONE)
			kv_error(c, &where, "conn `%s': %s= is missing", conn->name, end_name[e]);
		real += t == WHACK_HOST_ADDR || t == WHACK_HOST_DEFAULTROUTE;
		if (c->conn->rsasigkey[e].len != 0 && m->end[e].id[0] == '\0' &&
		    t != WHACK_HOST_ADDR)
			kv_error(c, c->o.key_kv[e],
				 "%srsasigkey needs %sid= when %s= is not an "
				 "address",
				 end_name[e], end_name[e], end_name[e]);
	}
	if (m->end[0].host_type != WHACK_HOST_NONE && m->end[1].host_type != WHACK_HOST_NONE &&
	    real == 0)
		kv_error(c, &where,
			 "conn `%s': left= or right= must be an address or "
			 "%%defaultroute",
			 conn->name);
	if ((m->end[0].has_client || m->end[1].has_client) && !(m->policy & ipsec) &&
	    !(m->policy & POLICY_SHUNT_MASK))
		kv_error(c, &where, "conn `%s': a subnet needs IPsec (phase2=esp or ah)",
			 conn->name);
	if ((m->policy & POLICY_SHUNT_MASK) && c->conn->autostart == CONF_AUTO_START)
		kv_error(c, &where,
			 "conn `%s': a type=passthrough|drop|reject conn cannot be "
			 "started (use auto=route)",
			 conn->name);
	check_families(c);
}

bool conf_conn_to_whack(const struct conf_section *conn, struct conf_conn *out,
			struct conf_errors *errs)
{
	struct kw_ctx *c = calloc(1, sizeof(*c));
	bool ok;

	memset(out, 0, sizeof(*out));
	whack_msg_init(&out->msg);
	out->file = conn->file;
	out->line = conn->line;
	if (conn->broken || c == NULL) {
		if (c == NULL)
			conf_error_add(errs, false, conn->file, conn->line, "out of memory");
		free(c);
		return false;
	}
	const struct conf_kv *a = ipsec_conf_lookup(conn, "auto");
	if (a != NULL && strcmp(a->value, "ignore") == 0) {
		out->autostart = CONF_AUTO_IGNORE;
		free(c);
		return true;
	}
	c->conn = out;
	c->errs = errs;
	c->o.phase2 = POLICY_ENCRYPT;
	c->o.pfs = c->o.rekey = true;
	snprintf(out->msg.name, sizeof(out->msg.name), "%s", conn->name);
	out->msg.ops = WHACK_OP_CONN;
	for (size_t l = 0; l < conn->nlayers; l++) {
		const struct conf_section *s = conn->layers[l];
		for (size_t i = 0; i < s->nkv; i++) {
			if (strcmp(s->kv[i].key, "also") != 0)
				apply_kv(c, s, &s->kv[i], KS_CONN);
		}
	}
	set_policy(c);
	check_conn(c, conn);
	ok = c->nerr == 0;
	free(c);
	return ok;
}

const char *conf_conn_key_id(const struct conf_conn *c, int end, struct ike_id *out)
{
	const struct whack_end *e = &c->msg.end[end];

	if (e->id[0] != '\0')
		return id_parse(e->id, false, out);
	if (e->host_type == WHACK_HOST_ADDR) {
		*out = id_from_addr(&e->host);
		return NULL;
	}
	return end == 0 ? "leftrsasigkey needs leftid= when left= is not an address"
			: "rightrsasigkey needs rightid= when right= is not an address";
}

bool conf_setup_get(const struct ipsec_conf *conf, struct conf_setup *out, struct conf_errors *errs)
{
	const struct conf_section *s = ipsec_conf_setup(conf);
	struct kw_ctx *c;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return true;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		conf_error_add(errs, false, s->file, s->line, "out of memory");
		return false;
	}
	c->setup = out;
	c->errs = errs;
	for (size_t i = 0; i < s->nkv; i++)
		apply_kv(c, s, &s->kv[i], KS_SETUP);
	ok = c->nerr == 0 && !s->broken;
	free(c);
	return ok;
}
