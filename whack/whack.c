/*
 * whack: the control client of pluto.
 *
 * Parses the FreeS/WAN whack syntax (and Libreswan's additions) from one option table,
 * refuses what it cannot express, sends one request over pluto's UNIX socket and relays
 * pluto's numbered reply lines; the exit status follows the pluto manual.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alg_parse.h"
#include "debug_class.h"
#include "id.h"
#include "ip_addr.h"
#include "optionsfrom.h"
#include "ttodata.h"
#include "whack_msg.h"

#define DEFAULT_RUNDIR "/run/pluto"

enum opt {
	/* help forms */
	O_HELP = 256, O_VERSION,
	/* global */
	O_CTLBASE, O_RUNDIR, O_CTLSOCKET, O_OPTIONSFROM, O_LABEL,
	/* connection form: per end */
	O_NAME, O_ID, O_HOST, O_IKEPORT, O_NEXTHOP, O_CLIENT, O_DNSKEYONDEMAND, O_UPDOWN, O_TO,
	/* connection form: policy */
	O_PSK, O_RSASIG, O_ENCRYPT, O_AUTHENTICATE, O_COMPRESS, O_TUNNEL, O_PFS,
	O_DISABLEARRIVALCHECK, O_IPV4, O_IPV6, O_TUNNELIPV4, O_TUNNELIPV6, O_IKELIFETIME,
	O_IPSECLIFETIME, O_REKEYMARGIN, O_REKEYFUZZ, O_KEYINGTRIES, O_DONTREKEY, O_DELETE,
	O_IKE, O_ESP, O_DPDDELAY, O_DPDTIMEOUT, O_DPDACTION,
	/* other forms */
	O_KEYID, O_ADDKEY, O_PUBKEYRSA, O_MYID, O_LISTEN, O_UNLISTEN, O_ROUTE, O_UNROUTE,
	O_INITIATE, O_TERMINATE, O_ASYNC, O_OPPOHERE, O_OPPOTHERE, O_DELETESTATE, O_STATUS,
	O_SHUTDOWN, O_REREADSECRETS,
	/* debug */
	O_DEBUG, O_NODEBUG, O_DEBUG_CLASS, /* O_DEBUG_CLASS + index into debug_class_names */
};

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ "ctlbase", required_argument, NULL, O_CTLBASE },
	{ "rundir", required_argument, NULL, O_RUNDIR },
	{ "ctlsocket", required_argument, NULL, O_CTLSOCKET },
	{ "optionsfrom", required_argument, NULL, O_OPTIONSFROM },
	{ "label", required_argument, NULL, O_LABEL },
	{ "name", required_argument, NULL, O_NAME },
	{ "id", required_argument, NULL, O_ID },
	{ "host", required_argument, NULL, O_HOST },
	{ "ikeport", required_argument, NULL, O_IKEPORT },
	{ "nexthop", required_argument, NULL, O_NEXTHOP },
	{ "client", required_argument, NULL, O_CLIENT },
	{ "dnskeyondemand", no_argument, NULL, O_DNSKEYONDEMAND },
	{ "updown", required_argument, NULL, O_UPDOWN },
	{ "to", no_argument, NULL, O_TO },
	{ "psk", no_argument, NULL, O_PSK },
	{ "rsasig", no_argument, NULL, O_RSASIG },
	{ "encrypt", no_argument, NULL, O_ENCRYPT },
	{ "authenticate", no_argument, NULL, O_AUTHENTICATE },
	{ "compress", no_argument, NULL, O_COMPRESS },
	{ "tunnel", no_argument, NULL, O_TUNNEL },
	{ "pfs", no_argument, NULL, O_PFS },
	{ "disablearrivalcheck", no_argument, NULL, O_DISABLEARRIVALCHECK },
	{ "ipv4", no_argument, NULL, O_IPV4 },
	{ "ipv6", no_argument, NULL, O_IPV6 },
	{ "tunnelipv4", no_argument, NULL, O_TUNNELIPV4 },
	{ "tunnelipv6", no_argument, NULL, O_TUNNELIPV6 },
	{ "ikelifetime", required_argument, NULL, O_IKELIFETIME },
	{ "ipseclifetime", required_argument, NULL, O_IPSECLIFETIME },
	{ "rekeymargin", required_argument, NULL, O_REKEYMARGIN },
	{ "rekeyfuzz", required_argument, NULL, O_REKEYFUZZ },
	{ "keyingtries", required_argument, NULL, O_KEYINGTRIES },
	{ "dontrekey", no_argument, NULL, O_DONTREKEY },
	{ "delete", no_argument, NULL, O_DELETE },
	{ "ike", required_argument, NULL, O_IKE },
	{ "esp", required_argument, NULL, O_ESP },
	{ "dpddelay", required_argument, NULL, O_DPDDELAY },
	{ "dpdtimeout", required_argument, NULL, O_DPDTIMEOUT },
	{ "dpdaction", required_argument, NULL, O_DPDACTION },
	{ "keyid", required_argument, NULL, O_KEYID },
	{ "addkey", no_argument, NULL, O_ADDKEY },
	{ "pubkeyrsa", required_argument, NULL, O_PUBKEYRSA },
	{ "myid", required_argument, NULL, O_MYID },
	{ "listen", no_argument, NULL, O_LISTEN },
	{ "unlisten", no_argument, NULL, O_UNLISTEN },
	{ "route", no_argument, NULL, O_ROUTE },
	{ "unroute", no_argument, NULL, O_UNROUTE },
	{ "initiate", no_argument, NULL, O_INITIATE },
	{ "terminate", no_argument, NULL, O_TERMINATE },
	{ "asynchronous", no_argument, NULL, O_ASYNC },
	{ "oppohere", required_argument, NULL, O_OPPOHERE },
	{ "oppothere", required_argument, NULL, O_OPPOTHERE },
	{ "deletestate", required_argument, NULL, O_DELETESTATE },
	{ "status", no_argument, NULL, O_STATUS },
	{ "shutdown", no_argument, NULL, O_SHUTDOWN },
	{ "rereadsecrets", no_argument, NULL, O_REREADSECRETS },
	{ "debug", required_argument, NULL, O_DEBUG },
	{ "no-debug", required_argument, NULL, O_NODEBUG },
	{ "debug-none", no_argument, NULL, O_DEBUG_CLASS + 100 },
	{ "debug-all", no_argument, NULL, O_DEBUG_CLASS + 101 },
	{ "debug-raw", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-crypt", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-parsing", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-emitting", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-control", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-lifecycle", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-klips", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-kernel", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-dns", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-oppo", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-bpf", no_argument, NULL, O_DEBUG_CLASS },
	{ "debug-private", no_argument, NULL, O_DEBUG_CLASS },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"Usage:\n"
	"  whack [--help] [--version]\n"
	"  whack --name NAME [--id ID] [--host ADDR|%any|%opportunistic] [--ikeport PORT]\n"
	"        [--nexthop ADDR] [--client SUBNET] [--dnskeyondemand] [--updown CMD]\n"
	"        --to [--id ID] --host ADDR ... (the same for the other end)\n"
	"        [--psk] [--rsasig] [--encrypt] [--authenticate] [--compress] [--tunnel]\n"
	"        [--pfs] [--disablearrivalcheck] [--ipv4|--ipv6] [--tunnelipv4|--tunnelipv6]\n"
	"        [--ikelifetime S] [--ipseclifetime S] [--rekeymargin S] [--rekeyfuzz PCT]\n"
	"        [--keyingtries N] [--dontrekey] [--delete] [--ike ALGS] [--esp ALGS]\n"
	"        [--dpddelay S [--dpdtimeout S] [--dpdaction hold|clear|restart]]\n"
	"  whack --keyid ID [--addkey] [--pubkeyrsa KEY]\n"
	"  whack --myid ID\n"
	"  whack --listen | --unlisten\n"
	"  whack --route | --unroute --name NAME\n"
	"  whack --initiate | --terminate --name NAME [--asynchronous]\n"
	"  whack [--tunnelipv4|--tunnelipv6] --oppohere ADDR --oppothere ADDR\n"
	"  whack --delete --name NAME\n"
	"  whack --deletestate N\n"
	"  whack [--name NAME] --debug-none|--debug-all|--debug-CLASS ... | --debug CLASS\n"
	"        | --no-debug CLASS   (CLASS: raw crypt parsing emitting control lifecycle\n"
	"        klips dns oppo bpf private; whack --debug help lists them)\n"
	"  whack --status | --shutdown | --rereadsecrets\n"
	"Every form also takes [--ctlbase PATH | --rundir DIR | --ctlsocket FILE]\n"
	"[--optionsfrom FILE] [--label STRING].\n";

static const char *label;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "whack: ");
	if (label != NULL)
		fprintf(stderr, "%s: ", label);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RC_WHACK_PROBLEM);
}

struct parse {
	struct whack_msg m;
	int end;	       /* 0 before --to, 1 after */
	bool conn_opts;	       /* some connection-form option was given */
	bool debug_set;	       /* FreeS/WAN --debug-* form: an absolute set */
	uint32_t debug_abs;
	char socket_path[WHACK_PATH_MAX];
};

static unsigned long parse_number(const char *opt, const char *arg, unsigned long max)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || arg[0] == '-')
		die("--%s: `%s' is not a number", opt, arg);
	if (v > max)
		die("--%s: %lu exceeds the maximum %lu", opt, v, max);
	return v;
}

static void parse_host(struct whack_end *e, const char *arg)
{
	const char *err;

	if (e->host_type != WHACK_HOST_NONE)
		die("--host given twice for the same end (missing --to?)");
	if (strcmp(arg, "%any") == 0 || strcmp(arg, "0.0.0.0") == 0 || strcmp(arg, "::") == 0) {
		e->host_type = WHACK_HOST_ANY;
		return;
	}
	if (strcmp(arg, "%opportunistic") == 0) {
		e->host_type = WHACK_HOST_OPPORTUNISTIC;
		return;
	}
	if (strcmp(arg, "%defaultroute") == 0) {
		e->host_type = WHACK_HOST_DEFAULTROUTE;
		return;
	}
	err = ip_addr_parse(arg, AF_UNSPEC, true, &e->host);
	if (err != NULL)
		die("--host: %s", err);
	e->host_type = WHACK_HOST_ADDR;
}

/* A subnet whose address may be a name (ipsec_atosubnet(3)): resolved here, as --host is. */
static const char *parse_client(const char *arg, ip_subnet *out)
{
	char buf[300], name[256];
	ip_address a;
	const char *err = ip_subnet_parse(arg, AF_UNSPEC, out);

	if (err == NULL)
		return NULL;
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	if (n == 0 || n >= sizeof(name))
		return err;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (ip_addr_parse(name, AF_UNSPEC, true, &a) != NULL)
		return err;
	snprintf(buf, sizeof(buf), "%s%s", ip_addr_str(&a), slash ? slash : "");
	return ip_subnet_parse(buf, AF_UNSPEC, out);
}

static void parse_end_opt(struct parse *p, int c, const char *arg)
{
	struct whack_end *e = &p->m.end[p->end];
	const char *err;
	struct ike_id id;

	p->conn_opts = true;
	switch (c) {
	case O_ID:
		err = id_parse(arg, true, &id);
		if (err != NULL)
			die("--id: %s", err);
		id_format(&id, e->id);
		break;
	case O_HOST:
		parse_host(e, arg);
		break;
	case O_IKEPORT:
		e->ikeport = (uint16_t)parse_number("ikeport", arg, 65535);
		if (e->ikeport == 0)
			die("--ikeport: port 0 is not a port");
		break;
	case O_NEXTHOP:
		if (strcmp(arg, "%direct") == 0 || strcmp(arg, "0.0.0.0") == 0 ||
		    strcmp(arg, "::") == 0)
			memset(&e->nexthop, 0, sizeof(e->nexthop));
		else if ((err = ip_addr_parse(arg, AF_UNSPEC, true, &e->nexthop)) != NULL)
			die("--nexthop: %s", err);
		break;
	case O_CLIENT:
		if ((err = parse_client(arg, &e->client)) != NULL)
			die("--client: %s", err);
		e->has_client = 1;
		break;
	case O_DNSKEYONDEMAND:
		e->dnskeyondemand = 1;
		break;
	case O_UPDOWN:
		if (strlen(arg) >= sizeof(e->updown))
			die("--updown: command too long");
		strcpy(e->updown, arg);
		break;
	}
}

static void copy_str(char *dst, size_t cap, const char *opt, const char *arg)
{
	if (strlen(arg) >= cap)
		die("--%s: argument too long (at most %zu characters)", opt, cap - 1);
	strcpy(dst, arg);
}

static void parse_debug_name(struct parse *p, const char *arg, bool negate_opt)
{
	int negate;

	if (strcmp(arg, "help") == 0 || strcmp(arg, "list") == 0) {
		for (const struct debug_class_name *d = debug_class_names; d->name; d++)
			printf("%-10s %s\n", d->name, d->help);
		exit(0);
	}
	uint32_t bits = debug_class_lookup(arg, &negate);
	if (bits == 0 && strcmp(arg, "none") != 0)
		die("--%sdebug: unknown debug class `%s' (try --debug help)",
		    negate_opt ? "no-" : "", arg);
	if (negate ^ negate_opt)
		p->m.debug_off |= bits;
	else
		p->m.debug_on |= bits;
	p->m.ops |= WHACK_OP_DEBUG;
}

/* --debug-none, --debug-all, --debug-CLASS: the FreeS/WAN form sets the whole selection. */
static void parse_debug_flag(struct parse *p, int code, const char *optname)
{
	int negate;

	p->debug_set = true;
	p->m.ops |= WHACK_OP_DEBUG;
	if (code == O_DEBUG_CLASS + 100)
		p->debug_abs = 0;
	else if (code == O_DEBUG_CLASS + 101)
		p->debug_abs |= DBG_ALL;
	else
		p->debug_abs |= debug_class_lookup(optname + strlen("debug-"), &negate);
}

static void parse_policy_opt(struct parse *p, int c, const char *arg)
{
	struct whack_msg *m = &p->m;
	static const struct {
		int opt;
		uint32_t bit;
	} flags[] = {
		{ O_PSK, POLICY_PSK },
		{ O_RSASIG, POLICY_RSASIG },
		{ O_ENCRYPT, POLICY_ENCRYPT },
		{ O_AUTHENTICATE, POLICY_AUTHENTICATE },
		{ O_COMPRESS, POLICY_COMPRESS },
		{ O_TUNNEL, POLICY_TUNNEL },
		{ O_PFS, POLICY_PFS },
		{ O_DISABLEARRIVALCHECK, POLICY_DISABLEARRIVALCHECK },
		{ O_DONTREKEY, POLICY_DONTREKEY },
	};

	p->conn_opts = true;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (flags[i].opt == c) {
			m->policy |= flags[i].bit;
			return;
		}
	}
	switch (c) {
	case O_IPV4:
	case O_IPV6:
		m->host_af = c == O_IPV4 ? AF_INET : AF_INET6;
		break;
	case O_IKELIFETIME:
		m->ikelifetime = (uint32_t)parse_number("ikelifetime", arg, WHACK_MAX_IKELIFETIME);
		break;
	case O_IPSECLIFETIME:
		m->ipseclifetime =
			(uint32_t)parse_number("ipseclifetime", arg, WHACK_MAX_IPSECLIFETIME);
		break;
	case O_REKEYMARGIN:
		m->rekeymargin = (uint32_t)parse_number("rekeymargin", arg, WHACK_MAX_IPSECLIFETIME);
		break;
	case O_REKEYFUZZ:
		m->rekeyfuzz = (uint32_t)parse_number("rekeyfuzz", arg, 100000);
		break;
	case O_KEYINGTRIES:
		m->keyingtries = (uint32_t)parse_number("keyingtries", arg, 1000000);
		break;
	case O_DPDDELAY:
		m->dpd_delay = (uint32_t)parse_number("dpddelay", arg, WHACK_MAX_DPDTIME);
		break;
	case O_DPDTIMEOUT:
		m->dpd_timeout = (uint32_t)parse_number("dpdtimeout", arg, WHACK_MAX_DPDTIME);
		break;
	case O_DPDACTION:
		m->dpd_action = (uint8_t)whack_dpd_action_lookup(arg);
		if (m->dpd_action == WHACK_DPD_DEFAULT)
			die("--dpdaction: `%s' is not hold, clear or restart", arg);
		break;
	case O_IKE:
	case O_ESP: {
		struct alg_list list;
		const char *err = c == O_IKE ? alg_parse_ike(arg, &list) : alg_parse_esp(arg, &list);
		if (err != NULL)
			die("--%s: %s", c == O_IKE ? "ike" : "esp", err);
		copy_str(c == O_IKE ? m->ike : m->esp, WHACK_STR_MAX, c == O_IKE ? "ike" : "esp",
			 arg);
		break;
	}
	}
}

static void socket_from_base(struct parse *p, const char *base, const char *suffix)
{
	if (p->socket_path[0] != '\0')
		die("give only one of --ctlbase, --rundir and --ctlsocket");
	if (snprintf(p->socket_path, sizeof(p->socket_path), "%s%s", base, suffix) >=
	    (int)sizeof(p->socket_path))
		die("control socket path too long");
}

static void parse_other_opt(struct parse *p, int c, const char *arg)
{
	struct whack_msg *m = &p->m;
	const char *err;
	struct ike_id id;
	size_t n;

	switch (c) {
	case O_KEYID:
		if ((err = id_parse(arg, true, &id)) != NULL)
			die("--keyid: %s", err);
		id_format(&id, m->keyid);
		m->ops |= WHACK_OP_KEY;
		break;
	case O_ADDKEY:
		m->flags |= WHACK_F_ADDKEY;
		break;
	case O_PUBKEYRSA:
		if ((err = ttodata(arg, m->pubkey, sizeof(m->pubkey), &n)) != NULL)
			die("--pubkeyrsa: %s", err);
		if (n < 3)
			die("--pubkeyrsa: key too short to be an RFC 3110 RSA key");
		m->pubkey_len = (uint16_t)n;
		break;
	case O_MYID:
		if ((err = id_parse(arg, true, &id)) != NULL)
			die("--myid: %s", err);
		if (id.kind == ID_MYID)
			die("--myid: %%myid cannot stand for itself");
		id_format(&id, m->myid);
		m->ops |= WHACK_OP_MYID;
		break;
	case O_OPPOHERE:
	case O_OPPOTHERE: {
		ip_address *a = c == O_OPPOHERE ? &m->oppo_here : &m->oppo_there;
		if ((err = ip_addr_parse(arg, AF_UNSPEC, true, a)) != NULL)
			die("--%s: %s", c == O_OPPOHERE ? "oppohere" : "oppothere", err);
		m->ops |= WHACK_OP_OPPO;
		break;
	}
	case O_DELETESTATE:
		m->deletestate = (uint32_t)parse_number("deletestate", arg, UINT32_MAX);
		if (m->deletestate == 0)
			die("--deletestate: state numbers start at 1");
		m->ops |= WHACK_OP_DELETESTATE;
		break;
	case O_CTLBASE:
		socket_from_base(p, arg, ".ctl");
		break;
	case O_RUNDIR:
		socket_from_base(p, arg, "/pluto.ctl");
		break;
	case O_CTLSOCKET:
		socket_from_base(p, arg, "");
		break;
	case O_LABEL:
		label = arg;
		break;
	case O_OPTIONSFROM:
		/* spliced before parsing; reaching here means an abbreviated or --x=y form */
		die("write --optionsfrom in full, with its file as the next word");
	}
}

static const struct {
	int opt;
	uint32_t op;
} op_flags[] = {
	{ O_LISTEN, WHACK_OP_LISTEN },	   { O_UNLISTEN, WHACK_OP_UNLISTEN },
	{ O_ROUTE, WHACK_OP_ROUTE },	   { O_UNROUTE, WHACK_OP_UNROUTE },
	{ O_INITIATE, WHACK_OP_INITIATE }, { O_TERMINATE, WHACK_OP_TERMINATE },
	{ O_STATUS, WHACK_OP_STATUS },	   { O_SHUTDOWN, WHACK_OP_SHUTDOWN },
	{ O_DELETE, WHACK_OP_DELETE },	   { O_REREADSECRETS, WHACK_OP_REREADSECRETS },
};

static void parse_opt(struct parse *p, int c, const char *arg, const char *optname)
{
	for (size_t i = 0; i < sizeof(op_flags) / sizeof(op_flags[0]); i++) {
		if (op_flags[i].opt == c) {
			p->m.ops |= op_flags[i].op;
			return;
		}
	}
	if (c >= O_DEBUG_CLASS) {
		parse_debug_flag(p, c, optname);
		return;
	}
	switch (c) {
	case O_HELP:
		fputs(usage_text, stdout);
		exit(0);
	case O_VERSION:
		printf("whack (pluto-xdp) %s\n", PLUTO_VERSION);
		exit(0);
	case O_NAME:
		if (p->m.name[0] != '\0')
			die("--name given twice");
		if (arg[0] == '\0')
			die("--name: empty connection name");
		copy_str(p->m.name, sizeof(p->m.name), "name", arg);
		break;
	case O_TO:
		if (p->end == 1)
			die("--to given twice");
		p->end = 1;
		p->conn_opts = true;
		break;
	case O_ID: case O_HOST: case O_IKEPORT: case O_NEXTHOP: case O_CLIENT:
	case O_DNSKEYONDEMAND: case O_UPDOWN:
		parse_end_opt(p, c, arg);
		break;
	case O_TUNNELIPV4:
	case O_TUNNELIPV6:
		p->m.tunnel_af = c == O_TUNNELIPV4 ? AF_INET : AF_INET6;
		break;
	case O_ASYNC:
		p->m.flags |= WHACK_F_ASYNC;
		break;
	case O_DEBUG:
	case O_NODEBUG:
		parse_debug_name(p, arg, c == O_NODEBUG);
		break;
	default:
		if (c >= O_PSK && c <= O_DPDACTION)
			parse_policy_opt(p, c, arg);
		else
			parse_other_opt(p, c, arg);
	}
}

/* Address families must agree within the connection (pluto manual, --ipv4/--ipv6). */
static void check_families(struct whack_msg *m)
{
	int host_af = m->host_af;

	for (int e = 0; e < 2; e++) {
		const struct whack_end *we = &m->end[e];
		const ip_address *addrs[] = { &we->host, &we->nexthop };
		for (int i = 0; i < 2; i++) {
			if (!ip_addr_is_set(addrs[i]))
				continue;
			if (host_af == 0)
				host_af = addrs[i]->af;
			if (addrs[i]->af != host_af)
				die("%s %s is %s but the connection's hosts are %s",
				    i ? "--nexthop" : "--host", ip_addr_str(addrs[i]),
				    ip_af_name(addrs[i]->af), ip_af_name(host_af));
		}
	}
	m->host_af = (uint8_t)(host_af ? host_af : AF_INET);
	int tunnel_af = m->tunnel_af;
	for (int e = 0; e < 2; e++) {
		if (!m->end[e].has_client)
			continue;
		int af = m->end[e].client.addr.af;
		if (tunnel_af == 0)
			tunnel_af = af;
		if (af != tunnel_af)
			die("--client %s is %s but the connection's clients are %s",
			    ip_subnet_str(&m->end[e].client), ip_af_name(af), ip_af_name(tunnel_af));
	}
	m->tunnel_af = (uint8_t)(tunnel_af ? tunnel_af : m->host_af);
}

static void check_conn(struct parse *p)
{
	struct whack_msg *m = &p->m;

	if (m->name[0] == '\0')
		die("connection description requires --name");
	if (p->end != 1)
		die("connection description requires --to");
	for (int e = 0; e < 2; e++) {
		if (m->end[e].host_type == WHACK_HOST_NONE)
			die("connection description requires --host %s --to", e ? "after" : "before");
	}
	uint32_t ipsec = POLICY_ENCRYPT | POLICY_AUTHENTICATE | POLICY_COMPRESS | POLICY_PFS;
	if ((m->end[0].has_client || m->end[1].has_client) && !(m->policy & ipsec))
		die("--client requires --encrypt, --authenticate, --compress or --pfs "
		    "(a connection without them builds only an ISAKMP SA)");
	if ((m->dpd_timeout != 0 || m->dpd_action != WHACK_DPD_DEFAULT) && m->dpd_delay == 0)
		die("--dpdtimeout and --dpdaction require --dpddelay");
	if ((m->policy & POLICY_TUNNEL) && !(m->policy & (POLICY_ENCRYPT | POLICY_AUTHENTICATE)))
		die("--tunnel must be used with --encrypt or --authenticate");
	if (m->end[0].host_type != WHACK_HOST_ADDR && m->end[1].host_type != WHACK_HOST_ADDR &&
	    m->end[0].host_type != WHACK_HOST_DEFAULTROUTE &&
	    m->end[1].host_type != WHACK_HOST_DEFAULTROUTE)
		die("at least one end of a connection needs a real --host address");
	check_families(m);
	m->ops |= WHACK_OP_CONN;
}

static void check_request(struct parse *p)
{
	struct whack_msg *m = &p->m;
	uint32_t need_name = WHACK_OP_ROUTE | WHACK_OP_UNROUTE | WHACK_OP_INITIATE |
			     WHACK_OP_TERMINATE;

	if (p->conn_opts)
		check_conn(p);
	if (p->debug_set) {
		m->debug_on |= p->debug_abs;
		m->debug_off = DBG_EVERYTHING & ~p->debug_abs;
	}
	if ((m->ops & WHACK_OP_DELETE) && !(m->ops & WHACK_OP_CONN) && m->name[0] == '\0')
		die("--delete requires --name");
	if ((m->ops & need_name) && m->name[0] == '\0')
		die("--route, --unroute, --initiate and --terminate require --name");
	if ((m->flags & WHACK_F_ADDKEY || m->pubkey_len) && !(m->ops & WHACK_OP_KEY))
		die("--addkey and --pubkeyrsa require --keyid");
	if ((m->ops & WHACK_OP_OPPO) &&
	    (!ip_addr_is_set(&m->oppo_here) || !ip_addr_is_set(&m->oppo_there)))
		die("--oppohere and --oppothere must be given together");
	if ((m->ops & WHACK_OP_OPPO) && !p->conn_opts) {
		/* the client addresses' family: --tunnelipv4/--tunnelipv6, else IPv4 */
		int af = m->tunnel_af ? m->tunnel_af : AF_INET;
		if (m->oppo_here.af != af || m->oppo_there.af != af)
			die("--oppohere and --oppothere must both be %s addresses", ip_af_name(af));
	}
	if (m->ops == 0 && m->name[0] != '\0')
		die("--name %s given, but no form to apply it to (try --help)", m->name);
	if (m->ops == 0)
		die("no form requested (try --help)");
}

static void splice_optionsfrom(int *argc, char ***argv)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp((*argv)[i], "--optionsfrom") != 0)
			continue;
		if (i + 1 >= *argc)
			die("--optionsfrom requires a file name");
		const char *err = optionsfrom_splice(argc, argv, i, (*argv)[i + 1]);
		if (err != NULL)
			die("%s", err);
		i--; /* look at what was spliced in */
	}
}

static void parse_args(struct parse *p, int argc, char **argv)
{
	int c;

	whack_msg_init(&p->m);
	opterr = 0;
	int idx = -1;
	while ((c = getopt_long(argc, argv, ":", long_opts, &idx)) != -1) {
		if (c == '?' && optopt > 0 && optopt < 256)
			die("unknown option `-%c' (try --help)", optopt);
		if (c == '?')
			die("unknown option `%s' (try --help)", argv[optind - 1]);
		if (c == ':')
			die("option `%s' requires an argument", argv[optind - 1]);
		parse_opt(p, c, optarg, idx >= 0 ? long_opts[idx].name : "");
	}
	if (optind < argc)
		die("unexpected argument `%s' (options start with --)", argv[optind]);
	check_request(p);
	if (p->socket_path[0] == '\0')
		socket_from_base(p, DEFAULT_RUNDIR, "/pluto.ctl");
}

static int connect_pluto(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		die("control socket path `%s' too long", path);
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect to pluto at %s: %s (is pluto running?)", path,
		    strerror(errno));
	return fd;
}

static void send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* pluto closed early; its reply says why */
		buf += n;
		len -= (size_t)n;
	}
}

/* Relay pluto's reply lines; returns the exit status the manual defines. */
static int relay_replies(int fd, FILE *out)
{
	FILE *in = fdopen(fd, "r");
	char line[8192];
	int status = 0;

	if (in == NULL)
		die("fdopen: %s", strerror(errno));
	while (fgets(line, sizeof(line), in) != NULL) {
		fputs(line, out);
		fflush(out);
		if (strlen(line) >= 4 && line[3] == ' ' && line[0] >= '0' && line[0] <= '9') {
			int rc = atoi(line);
			int s = whack_rc_exit_status(rc);
			if (s >= 0)
				status = s;
		}
	}
	fclose(in);
	return status;
}

int main(int argc, char **argv)
{
	static struct parse p;
	static uint8_t buf[WHACK_MSG_MAX];

	if (argc < 2)
		die("no form requested (try --help)");
	splice_optionsfrom(&argc, &argv);
	parse_args(&p, argc, argv);

	int len = whack_msg_encode(&p.m, buf, sizeof(buf));
	if (len < 0)
		die("request too large to send");
	signal(SIGPIPE, SIG_IGN);
	int fd = connect_pluto(p.socket_path);
	/* pluto may refuse us before reading: its reply lines still say why */
	send_all(fd, buf, (size_t)len);
	shutdown(fd, SHUT_WR);
	/* the status form's lines are its output; everything else is diagnostics */
	return relay_replies(fd, (p.m.ops & WHACK_OP_STATUS) ? stdout : stderr);
}
