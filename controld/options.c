/*
 * pluto's command line: every option of the FreeS/WAN and Libreswan synopses, from one
 * table. Each works as documented or is refused with "not supported yet"; none is
 * silently ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debug_class.h"
#include "optionsfrom.h"
#include "pluto.h"
#include "pluto_main.h"

enum opt_kind {
	OK_WORKS,
	OK_UNSUPPORTED, /* refused: reason in the table */
};

enum {
	P_HELP = 256, P_VERSION, P_OPTIONSFROM, P_NOFORK, P_STDERRLOG, P_NOKLIPS, P_NOBPF,
	P_UNIQUEIDS, P_INTERFACE, P_IKEPORT, P_CTLBASE, P_RUNDIR, P_SECRETSFILE, P_LOGFILE,
	P_LOG_NO_TIME, P_LOG_NO_APPEND, P_LOG_NO_AUDIT, P_CONFIG, P_LISTEN, P_NHELPERS,
	P_SEEDBITS, P_COREDIR, P_USE_XFRM, P_DEBUG, P_NODEBUG, P_DEBUG_NONE, P_DEBUG_ALL,
	P_DEBUG_CLASS, P_FORCE_BUSY, P_MAX_HALFOPEN, P_MAX_HALFOPEN_PEER, P_UNSUPPORTED = 1000,
};

struct popt {
	const char *name;
	int has_arg;
	int code;
	const char *unsupported; /* why it is refused, for OK_UNSUPPORTED */
};

static const struct popt popts[] = {
	{ "help", no_argument, P_HELP, NULL },
	{ "version", no_argument, P_VERSION, NULL },
	{ "optionsfrom", required_argument, P_OPTIONSFROM, NULL },
	{ "nofork", no_argument, P_NOFORK, NULL },
	{ "stderrlog", no_argument, P_STDERRLOG, NULL },
	{ "noklips", no_argument, P_NOKLIPS, NULL },
	{ "no-kernel", no_argument, P_NOKLIPS, NULL },
	{ "no-bpf", no_argument, P_NOBPF, NULL },
	{ "uniqueids", no_argument, P_UNIQUEIDS, NULL },
	{ "interface", required_argument, P_INTERFACE, NULL },
	{ "ikeport", required_argument, P_IKEPORT, NULL },
	{ "ctlbase", required_argument, P_CTLBASE, NULL },
	{ "rundir", required_argument, P_RUNDIR, NULL },
	{ "secretsfile", required_argument, P_SECRETSFILE, NULL },
	{ "logfile", required_argument, P_LOGFILE, NULL },
	{ "log-no-time", no_argument, P_LOG_NO_TIME, NULL },
	{ "log-no-append", no_argument, P_LOG_NO_APPEND, NULL },
	{ "log-no-audit", no_argument, P_LOG_NO_AUDIT, NULL },
	{ "config", required_argument, P_CONFIG, NULL },
	{ "listen", required_argument, P_LISTEN, NULL },
	{ "nhelpers", required_argument, P_NHELPERS, NULL },
	{ "seedbits", required_argument, P_SEEDBITS, NULL },
	{ "coredir", required_argument, P_COREDIR, NULL },
	{ "use-xfrm", no_argument, P_USE_XFRM, NULL },
	{ "force-busy", no_argument, P_FORCE_BUSY, NULL },
	{ "max-halfopen-ike", required_argument, P_MAX_HALFOPEN, NULL },
	{ "max-halfopen-ike-per-peer", required_argument, P_MAX_HALFOPEN_PEER, NULL },
	{ "debug", required_argument, P_DEBUG, NULL },
	{ "no-debug", required_argument, P_NODEBUG, NULL },
	{ "debug-none", no_argument, P_DEBUG_NONE, NULL },
	{ "debug-all", no_argument, P_DEBUG_ALL, NULL },
	{ "debug-raw", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-crypt", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-parsing", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-emitting", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-control", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-lifecycle", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-klips", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-kernel", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-dns", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-oppo", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-bpf", no_argument, P_DEBUG_CLASS, NULL },
	{ "debug-private", no_argument, P_DEBUG_CLASS, NULL },
	/* recognised, refused */
	{ "adns", required_argument, P_UNSUPPORTED, "pluto has no DNS helper: it fetches no keys from DNS" },
	{ "lwdnsq", required_argument, P_UNSUPPORTED, "pluto has no DNS helper: it fetches no keys from DNS" },
	{ "perpeerlog", no_argument, P_UNSUPPORTED, "per-peer log files are not supported yet" },
	{ "perpeerlogbase", required_argument, P_UNSUPPORTED,
	  "per-peer log files are not supported yet" },
	{ "log-no-ip", no_argument, P_UNSUPPORTED, "hiding addresses in logs is not supported yet" },
	{ "leak-detective", no_argument, P_UNSUPPORTED,
	  "not supported: build with make SANITIZE=1 for leak checking" },
	{ "efence-protect", no_argument, P_UNSUPPORTED,
	  "not supported: build with make SANITIZE=1 for memory checking" },
	{ "ipsecdir", required_argument, P_UNSUPPORTED, "not supported yet" },
	{ "nssdir", required_argument, P_UNSUPPORTED,
	  "not supported: pluto-xdp uses OpenSSL, not NSS" },
	{ "vendorid", required_argument, P_UNSUPPORTED, "not supported yet" },
	{ "virtual-private", required_argument, P_UNSUPPORTED, "NAT traversal is not supported yet" },
	{ "keep-alive", required_argument, P_UNSUPPORTED, "NAT traversal is not supported yet" },
	{ "crl-strict", no_argument, P_UNSUPPORTED, "X.509 certificates are not supported yet" },
	{ "crlcheckinterval", required_argument, P_UNSUPPORTED,
	  "X.509 certificates are not supported yet" },
	{ "statsbin", required_argument, P_UNSUPPORTED, "not supported yet" },
	{ "secctx-attr-type", required_argument, P_UNSUPPORTED,
	  "labeled IPsec is not supported yet" },
	{ "use-bsdkame", no_argument, P_UNSUPPORTED, "BSD only: this pluto uses Linux XFRM" },
	{ NULL, 0, 0, NULL },
};

const char pluto_usage[] =
	"Usage: pluto [--help] [--version] [--optionsfrom FILE] [--nofork] [--stderrlog]\n"
	"       [--logfile FILE] [--log-no-time] [--log-no-append] [--log-no-audit]\n"
	"       [--noklips|--no-kernel] [--no-bpf] [--uniqueids] [--interface IFNAME]...\n"
	"       [--listen ADDR] [--ikeport PORT] [--ctlbase PATH | --rundir DIR]\n"
	"       [--secretsfile FILE-GLOB] [--config IPSEC.CONF] [--nhelpers N] [--seedbits N]\n"
	"       [--coredir DIR] [--use-xfrm] [--force-busy] [--max-halfopen-ike N]\n"
	"       [--max-halfopen-ike-per-peer N]\n"
	"       [--debug-none] [--debug-all] [--debug-raw] [--debug-crypt] [--debug-parsing]\n"
	"       [--debug-emitting] [--debug-control] [--debug-lifecycle] [--debug-klips]\n"
	"       [--debug-dns] [--debug-oppo] [--debug-bpf] [--debug-private]\n"
	"       [--debug CLASS] [--no-debug CLASS]\n"
	"Recognised but refused (each says why): --adns --lwdnsq --perpeerlog\n"
	"       --perpeerlogbase --log-no-ip --leak-detective --efence-protect --ipsecdir\n"
	"       --nssdir --vendorid --virtual-private --keep-alive --crl-strict\n"
	"       --crlcheckinterval --statsbin --secctx-attr-type --use-bsdkame\n";

static char why[512];

static const char *fail(const char *fmt, const char *a, const char *b)
{
	snprintf(why, sizeof(why), fmt, a, b);
	return why;
}

static const char *parse_int(const char *opt, const char *arg, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		snprintf(why, sizeof(why), "--%s: `%s' is not a number from %ld to %ld", opt, arg,
			 lo, hi);
		return why;
	}
	*out = v;
	return NULL;
}

static const char *copy_path(char *dst, size_t cap, const char *opt, const char *arg)
{
	if (strlen(arg) >= cap)
		return fail("--%s: `%s' is too long", opt, arg);
	strcpy(dst, arg);
	return NULL;
}

static const char *set_debug(struct pluto_startup *st, const char *arg, bool negate_opt)
{
	int negate;
	uint32_t bits = debug_class_lookup(arg, &negate);

	if (bits == 0 && strcmp(arg, "none") != 0)
		return fail("--%sdebug: unknown debug class `%s'", negate_opt ? "no-" : "", arg);
	if (negate ^ negate_opt) {
		st->debug_off |= bits;
		st->debug_on &= ~bits;
	} else {
		st->debug_on |= bits;
	}
	st->seen |= SEEN_DEBUG;
	return NULL;
}

static const char *handle_number_opt(int code, const char *arg, struct pluto_startup *st)
{
	long v;
	const char *err;

	switch (code) {
	case P_IKEPORT:
		if ((err = parse_int("ikeport", arg, 1, 65535, &v)) != NULL)
			return err;
		pluto.ikeport = (uint16_t)v;
		st->seen |= SEEN_IKEPORT;
		return NULL;
	case P_NHELPERS:
		if ((err = parse_int("nhelpers", arg, -1, 64, &v)) != NULL)
			return err;
		pluto.nhelpers = (int)v;
		st->seen |= SEEN_NHELPERS;
		return NULL;
	case P_MAX_HALFOPEN:
		if ((err = parse_int("max-halfopen-ike", arg, 1, 10000000, &v)) != NULL)
			return err;
		pluto.max_halfopen = (unsigned)v;
		st->seen |= SEEN_MAX_HALFOPEN;
		return NULL;
	case P_MAX_HALFOPEN_PEER:
		if ((err = parse_int("max-halfopen-ike-per-peer", arg, 1, 10000000, &v)) != NULL)
			return err;
		pluto.max_halfopen_peer = (unsigned)v;
		st->seen |= SEEN_MAX_HALFOPEN_PEER;
		return NULL;
	case P_SEEDBITS:
		if ((err = parse_int("seedbits", arg, 0, 65536, &v)) != NULL)
			return err;
		st->seedbits = (int)v;
		return NULL;
	}
	return NULL;
}

static const char *handle_path_opt(int code, const char *arg, struct pluto_startup *st)
{
	switch (code) {
	case P_CTLBASE:
		return copy_path(st->ctlbase, sizeof(st->ctlbase) - 8, "ctlbase", arg);
	case P_RUNDIR:
		return copy_path(st->rundir, sizeof(st->rundir) - 16, "rundir", arg);
	case P_SECRETSFILE:
		st->seen |= SEEN_SECRETS;
		return copy_path(pluto.secretsfile, sizeof(pluto.secretsfile), "secretsfile", arg);
	case P_LOGFILE:
		st->seen |= SEEN_LOGFILE;
		return copy_path(st->logfile, sizeof(st->logfile), "logfile", arg);
	case P_CONFIG:
		if (access(arg, R_OK) < 0)
			return fail("--config: cannot read `%s': %s", arg, strerror(errno));
		return copy_path(st->config_file, sizeof(st->config_file), "config", arg);
	case P_COREDIR:
		st->coredir = arg;
		return NULL;
	case P_INTERFACE:
		if (pluto.ninterfaces == PLUTO_MAX_INTERFACES)
			return "--interface given too many times";
		if (strlen(arg) >= 16 || arg[0] == '\0')
			return fail("--interface: `%s' is not an interface name%s", arg, "");
		pluto.interfaces[pluto.ninterfaces++] = arg;
		pluto.interfaces_mode = IFACES_LIST;
		st->seen |= SEEN_INTERFACE;
		return NULL;
	case P_LISTEN: {
		const char *err = ip_addr_parse(arg, AF_UNSPEC, false, &pluto.listen_addr);
		st->seen |= SEEN_LISTEN;
		return err != NULL ? fail("--listen: %s%s", err, "") : NULL;
	}
	}
	return handle_number_opt(code, arg, st);
}

static const char *handle_opt(int code, const char *arg, struct pluto_startup *st)
{
	switch (code) {
	case P_HELP:
		st->action = START_HELP;
		return NULL;
	case P_VERSION:
		st->action = START_VERSION;
		return NULL;
	case P_NOFORK:
		pluto.nofork = true;
		return NULL;
	case P_STDERRLOG:
		st->log.to_stderr = true;
		st->seen |= SEEN_STDERRLOG;
		return NULL;
	case P_NOKLIPS:
		pluto.noklips = true;
		return NULL;
	case P_NOBPF:
		pluto.nobpf = true;
		return NULL;
	case P_FORCE_BUSY:
		pluto.force_busy = true;
		return NULL;
	case P_UNIQUEIDS:
		pluto.uniqueids = true;
		st->seen |= SEEN_UNIQUEIDS;
		return NULL;
	case P_LOG_NO_TIME:
		st->log.no_time = true;
		st->seen |= SEEN_LOGTIME;
		return NULL;
	case P_LOG_NO_APPEND:
		st->log.no_append = true;
		st->seen |= SEEN_LOGAPPEND;
		return NULL;
	case P_OPTIONSFROM:
		/* spliced before parsing; reaching here means an abbreviated or --x=y form */
		return "write --optionsfrom in full, with its file as the next word";
	case P_LOG_NO_AUDIT:
	case P_USE_XFRM:
		return NULL; /* already so: no audit log is written; XFRM is the only stack */
	case P_DEBUG:
	case P_NODEBUG:
		return set_debug(st, arg, code == P_NODEBUG);
	case P_DEBUG_NONE:
		st->debug_on = 0;
		st->debug_off = DBG_EVERYTHING;
		st->seen |= SEEN_DEBUG;
		return NULL;
	case P_DEBUG_ALL:
		st->debug_on |= DBG_ALL;
		st->seen |= SEEN_DEBUG;
		return NULL;
	}
	return handle_path_opt(code, arg, st);
}

/* --debug-raw and friends: the class is the option's name after "debug-". */
static void set_debug_class_opt(struct pluto_startup *st, const char *optname)
{
	int negate;

	st->debug_on |= debug_class_lookup(optname + strlen("debug-"), &negate);
	st->seen |= SEEN_DEBUG;
}

/* getopt_long's values for our options: clear of '?', ':' and every character. */
#define LONGOPT_BASE 1000

static struct option *build_longopts(void)
{
	static struct option lo[sizeof(popts) / sizeof(popts[0])];

	for (size_t i = 0; popts[i].name != NULL; i++)
		lo[i] = (struct option){ popts[i].name, popts[i].has_arg, NULL,
					 (int)(i + LONGOPT_BASE) };
	return lo;
}

static const char *splice_all(int *argc, char ***argv, struct pluto_startup *st)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp((*argv)[i], "--optionsfrom") != 0)
			continue;
		if (i + 1 >= *argc)
			return "--optionsfrom requires a file name";
		const char *err = optionsfrom_splice(argc, argv, i, (*argv)[i + 1]);
		if (err != NULL)
			return fail("%s%s", err, "");
		st->argv_owned = *argv;
		i--;
	}
	return NULL;
}

const char *pluto_options_parse(int argc, char **argv, struct pluto_startup *st)
{
	const struct option *lo = build_longopts();
	const char *err;
	int c;

	memset(st, 0, sizeof(*st));
	memset(&pluto, 0, sizeof(pluto));
	pluto.ikeport = PLUTO_DEFAULT_IKEPORT;
	pluto.nhelpers = -1;
	pluto.max_halfopen = PLUTO_DEFAULT_MAX_HALFOPEN;
	pluto.max_halfopen_peer = PLUTO_DEFAULT_MAX_HALFOPEN_PEER;
	snprintf(pluto.secretsfile, sizeof(pluto.secretsfile), "%s", PLUTO_DEFAULT_SECRETS);
	if ((err = splice_all(&argc, &argv, st)) != NULL)
		return err;
	optind = 0; /* 0, not 1: glibc then forgets everything from an earlier parse */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (c == '?' && optopt > 0 && optopt < LONGOPT_BASE) {
			char shortopt[3] = { '-', (char)optopt, '\0' };
			return fail("unknown option `%s'%s (try --help)", shortopt, "");
		}
		if (c == '?')
			return fail("unknown option `%s'%s (try --help)", argv[optind - 1], "");
		if (c == ':')
			return fail("option `%s' requires an argument%s", argv[optind - 1], "");
		const struct popt *p = &popts[c - LONGOPT_BASE];
		if (p->code == P_UNSUPPORTED)
			return fail("--%s: %s", p->name, p->unsupported);
		if (p->code == P_DEBUG_CLASS) {
			set_debug_class_opt(st, p->name);
			continue;
		}
		if ((err = handle_opt(p->code, optarg, st)) != NULL)
			return err;
	}
	if (optind < argc)
		return fail("unexpected argument `%s'%s (options start with --)", argv[optind], "");
	if (st->ctlbase[0] != '\0' && st->rundir[0] != '\0')
		return "--ctlbase and --rundir both name the control files: give one";
	return NULL;
}

void pluto_parse_args(int argc, char **argv, struct pluto_startup *st)
{
	const char *err = pluto_options_parse(argc, argv, st);

	if (err != NULL) {
		fprintf(stderr, "pluto: %s\n", err);
		exit(1);
	}
	if (st->action == START_HELP) {
		fputs(pluto_usage, stdout);
		exit(0);
	}
	if (st->action == START_VERSION) {
		printf("pluto (pluto-xdp) %s\n", PLUTO_VERSION);
		exit(0);
	}
}

/*
 * The BPF pin directory follows the control files: /sys/fs/bpf/pluto for the default run
 * directory, /sys/fs/bpf/pluto_tmp_a_b for --rundir /tmp/a/b (or --ctlbase /tmp/a/b; an
 * '_' in the path is doubled), so two plutos on one host never share maps.
 */
static void pin_dir_for(const char *path, bool is_rundir)
{
	size_t o = (size_t)snprintf(pluto.bpf_pin_dir, sizeof(pluto.bpf_pin_dir), "/sys/fs/bpf/pluto");

	if (path[0] == '\0' || (is_rundir && strcmp(path, PLUTO_DEFAULT_RUNDIR) == 0))
		return;
	/* '/' becomes '_' and '_' doubles, so different paths give different names */
	for (const char *p = path; *p && o + 2 < sizeof(pluto.bpf_pin_dir); p++) {
		if (*p == '_')
			pluto.bpf_pin_dir[o++] = '_';
		pluto.bpf_pin_dir[o++] = *p == '/' ? '_' : *p;
	}
	pluto.bpf_pin_dir[o] = '\0';
}

/* Relative paths are taken from where pluto was started, before the daemon's chdir. */
static void absolutize(char *path, size_t cap)
{
	char cwd[1024], tmp[2048];

	if (path[0] == '\0' || path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	snprintf(path, cap, "%s", tmp);
}

void pluto_finish_settings(struct pluto_startup *st)
{
	if (!pluto.nofork || st->coredir != NULL) {
		/* the daemon changes directory: keep relative paths meaning what they meant */
		absolutize(st->ctlbase, sizeof(st->ctlbase));
		absolutize(st->rundir, sizeof(st->rundir));
		absolutize(pluto.secretsfile, sizeof(pluto.secretsfile));
		absolutize(st->config_file, sizeof(st->config_file));
		absolutize(st->logfile, sizeof(st->logfile));
	}
	if (st->ctlbase[0] != '\0') {
		snprintf(pluto.ctl_path, sizeof(pluto.ctl_path), "%s.ctl", st->ctlbase);
		snprintf(pluto.lock_path, sizeof(pluto.lock_path), "%s.pid", st->ctlbase);
		pin_dir_for(st->ctlbase, false);
	} else {
		const char *dir = st->rundir[0] != '\0' ? st->rundir : PLUTO_DEFAULT_RUNDIR;
		if (st->rundir[0] == '\0')
			mkdir(dir, 0755); /* the default run directory may not exist yet */
		snprintf(pluto.ctl_path, sizeof(pluto.ctl_path), "%s/pluto.ctl", dir);
		snprintf(pluto.lock_path, sizeof(pluto.lock_path), "%s/pluto.pid", dir);
		pin_dir_for(st->rundir, true);
	}
	if (st->logfile[0] != '\0')
		st->log.logfile = st->logfile;
	base_debugging = (base_debugging & ~st->debug_off) | st->debug_on;
	cur_debugging = base_debugging;
	if (pluto.nhelpers < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		pluto.nhelpers = n > 1 ? (int)n - 1 : 0;
	}
}

void pluto_log_settings(const struct pluto_startup *st)
{
	char dbgs[256];

	debug_class_format(base_debugging, dbgs, sizeof(dbgs));
	plog("control socket %s, lock file %s, IKE port %u", pluto.ctl_path, pluto.lock_path,
	     pluto.ikeport);
	plog("%d crypto helper%s; debug %s%s%s", pluto.nhelpers, pluto.nhelpers == 1 ? "" : "s",
	     dbgs, pluto.noklips ? "; --noklips: negotiated SAs are not installed" : "",
	     pluto.nobpf ? "; --no-bpf: no BPF dataplane" : "");
	plog("at most %u half-open ISAKMP SAs, %u per peer address%s", pluto.max_halfopen,
	     pluto.max_halfopen_peer,
	     pluto.force_busy ? "; --force-busy: IKE is rate-limited per source" : "");
	(void)st;
}
