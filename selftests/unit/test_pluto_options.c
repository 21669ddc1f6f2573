/*
 * pluto's command line (controld/options.c): every option of the FreeS/WAN and Libreswan
 * pluto synopses either sets what it names (a field of `pluto` or of the start-up struct)
 * or is refused with a message that names it and says why; unknown options, missing
 * arguments and bad numbers are refused; --optionsfrom splices a file in place; the debug
 * options select the classes they name; and the parser can be called again and again in
 * one process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "debug_class.h"
#include "log.h"
#include "pluto.h"
#include "pluto_main.h"

/* pluto's globals live in main.c, which is not in libcontrold.a. */
__attribute__((weak)) struct pluto_config pluto;

/*
 * Under make SANITIZE=1: the argument vector --optionsfrom builds lives as long as pluto
 * (pluto.interfaces[] and the start-up struct point into it), so LeakSanitizer is told
 * not to count it.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:optionsfrom_splice\n";
}

static struct pluto_startup st;
static char tmpfile_path[512];

#define MAXARGS 32

/* Parse pluto's command line given as NULL-terminated words after "pluto". */
static const char *parse_v(bool fresh, va_list ap)
{
	static char *argv[MAXARGS + 1];
	int argc = 0;
	const char *w;

	argv[argc++] = "pluto";
	while ((w = va_arg(ap, const char *)) != NULL && argc < MAXARGS)
		argv[argc++] = (char *)w;
	argv[argc] = NULL;
	if (fresh)
		memset(&pluto, 0, sizeof(pluto));
	return pluto_options_parse(argc, argv, &st);
}

static const char *parse(const char *first, ...)
{
	va_list ap;
	const char *err;

	(void)first;
	va_start(ap, first);
	err = parse_v(true, ap);
	va_end(ap);
	return err;
}

/* The same, without clearing `pluto` first: what a second call in one process sees. */
static const char *parse_again(const char *first, ...)
{
	va_list ap;
	const char *err;

	(void)first;
	va_start(ap, first);
	err = parse_v(false, ap);
	va_end(ap);
	return err;
}

#define P(...) parse("", __VA_ARGS__, NULL)
#define P0() parse("", NULL)
#define PA(...) parse_again("", __VA_ARGS__, NULL)

static void assert_ok(const char *err)
{
	if (err != NULL)
		fail_msg("refused: %s", err);
}

/* Refused, and the message starts with want (NULL: just refused). */
static void assert_refused(const char *err, const char *want)
{
	if (err == NULL)
		fail_msg("accepted; want \"%s\"", want != NULL ? want : "a refusal");
	if (want != NULL && strncmp(err, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", err, want);
}

static void write_tmp(const char *text)
{
	const char *dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";

	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/plutoopt.XXXXXX", dir);
	int fd = mkstemp(tmpfile_path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/*
 * Wipe getopt's hidden state (glibc reinitialises when optind is 0), so that one test's
 * refusal cannot leak into the next: test_repeated_calls_* check that on purpose.
 */
static int setup(void **state)
{
	static char *argv[] = {"reset", NULL};
	static const struct option none[] = {{NULL, 0, NULL, 0}};

	optind = 0;
	opterr = 0;
	while (getopt_long(1, argv, ":", none, NULL) != -1)
		;
	return 0;
}

static int teardown(void **state)
{
	if (tmpfile_path[0] != '\0')
		unlink(tmpfile_path);
	tmpfile_path[0] = '\0';
	return 0;
}

static void test_defaults(void **state)
{
	assert_ok(P0());
	assert_int_equal(st.action, START_RUN);
	assert_int_equal(pluto.ikeport, 500);
	assert_int_equal(pluto.nhelpers, -1);
	assert_int_equal(pluto.max_halfopen, 50000);
	assert_int_equal(pluto.max_halfopen_peer, 16);
	assert_false(pluto.force_busy);
	assert_string_equal(pluto.secretsfile, "/etc/ipsec.secrets");
	assert_false(pluto.nofork);
	assert_false(pluto.noklips);
	assert_false(st.log.to_stderr);
	assert_int_equal(pluto.ninterfaces, 0);
	assert_int_equal(st.seen, 0);
	assert_int_equal(st.debug_on, 0);
	assert_int_equal(st.debug_off, 0);
}

static void test_help_version(void **state)
{
	assert_ok(P("--help"));
	assert_int_equal(st.action, START_HELP);
	assert_ok(P("--version"));
	assert_int_equal(st.action, START_VERSION);
	assert_non_null(strstr(pluto_usage, "--ikeport"));
}

/* FreeS/WAN's synopsis: the options that work. */
static void test_freeswan_flags(void **state)
{
	assert_ok(P("--nofork"));
	assert_true(pluto.nofork);
	assert_ok(P("--stderrlog"));
	assert_true(st.log.to_stderr);
	assert_true(st.seen & SEEN_STDERRLOG);
	assert_ok(P("--noklips"));
	assert_true(pluto.noklips);
	assert_ok(P("--no-kernel"));
	assert_true(pluto.noklips);
	assert_ok(P("--no-bpf"));
	assert_true(pluto.nobpf);
	assert_ok(P("--uniqueids"));
	assert_true(pluto.uniqueids);
	assert_true(st.seen & SEEN_UNIQUEIDS);
}

static void test_freeswan_values(void **state)
{
	assert_ok(P("--interface", "eth0", "--interface", "eth1"));
	assert_int_equal(pluto.ninterfaces, 2);
	assert_string_equal(pluto.interfaces[0], "eth0");
	assert_string_equal(pluto.interfaces[1], "eth1");
	assert_true(st.seen & SEEN_INTERFACE);

	assert_ok(P("--ikeport", "8500"));
	assert_int_equal(pluto.ikeport, 8500);
	assert_true(st.seen & SEEN_IKEPORT);

	assert_ok(P("--ctlbase", "/tmp/x/pluto.base"));
	assert_string_equal(st.ctlbase, "/tmp/x/pluto.base");

	assert_ok(P("--secretsfile", "/etc/ipsec.d/*.secrets"));
	assert_string_equal(pluto.secretsfile, "/etc/ipsec.d/*.secrets");
	assert_true(st.seen & SEEN_SECRETS);
}

static void test_interface_limits(void **state)
{
	static char *argv[2 * PLUTO_MAX_INTERFACES + 4];
	int argc = 0;

	assert_refused(P("--interface", ""), "--interface: `' is not an interface name");
	assert_refused(P("--interface", "a-name-far-too-long-for-linux"),
		       "--interface: `a-name-far-too-long-for-linux' is not an interface name");
	argv[argc++] = "pluto";
	for (int i = 0; i <= PLUTO_MAX_INTERFACES; i++) {
		argv[argc++] = "--interface";
		argv[argc++] = "eth0";
	}
	argv[argc] = NULL;
	memset(&pluto, 0, sizeof(pluto));
	assert_refused(pluto_options_parse(argc, argv, &st), "--interface given too many times");
}

static void check_refused_option(const char *opt, const char *arg)
{
	char want[64];
	const char *err = arg != NULL ? P(opt, arg) : P(opt);

	snprintf(want, sizeof(want), "%s: ", opt);
	if (err == NULL)
		fail_msg("%s accepted", opt);
	if (strncmp(err, want, strlen(want)) != 0 || strlen(err) < strlen(want) + 8)
		fail_msg("%s: message \"%s\" does not name the option and say why", opt, err);
}

static void test_freeswan_refused(void **state)
{
	check_refused_option("--adns", "/usr/libexec/ipsec/_pluto_adns");
	check_refused_option("--lwdnsq", "/usr/libexec/ipsec/lwdnsq");
	check_refused_option("--perpeerlog", NULL);
	check_refused_option("--perpeerlogbase", "/var/log/pluto/peer");
	assert_string_equal(P("--adns", "x"), "--adns: pluto has no DNS helper: it fetches no keys from DNS");
	assert_string_equal(P("--perpeerlog"),
			    "--perpeerlog: per-peer log files are not supported yet");
}

/* Libreswan's synopsis: the options that work. */
static void test_libreswan_working(void **state)
{
	assert_ok(P("--rundir", "/tmp/rd"));
	assert_string_equal(st.rundir, "/tmp/rd");

	assert_ok(P("--logfile", "/tmp/pluto.log", "--log-no-time", "--log-no-append"));
	assert_string_equal(st.logfile, "/tmp/pluto.log");
	assert_true(st.log.no_time);
	assert_true(st.log.no_append);
	assert_true(st.seen & SEEN_LOGFILE);
	assert_true(st.seen & SEEN_LOGTIME);
	assert_true(st.seen & SEEN_LOGAPPEND);

	assert_ok(P("--log-no-audit"));
	assert_ok(P("--use-xfrm"));

	assert_ok(P("--config", "/dev/null"));
	assert_string_equal(st.config_file, "/dev/null");

	assert_ok(P("--listen", "192.0.2.1"));
	assert_string_equal(ip_addr_str(&pluto.listen_addr), "192.0.2.1");
	assert_true(st.seen & SEEN_LISTEN);
	assert_ok(P("--listen", "2001:db8::1"));
	assert_string_equal(ip_addr_str(&pluto.listen_addr), "2001:db8::1");

	assert_ok(P("--nhelpers", "0"));
	assert_int_equal(pluto.nhelpers, 0);
	assert_true(st.seen & SEEN_NHELPERS);
	assert_ok(P("--nhelpers", "-1"));
	assert_int_equal(pluto.nhelpers, -1);
	assert_ok(P("--nhelpers", "64"));
	assert_int_equal(pluto.nhelpers, 64);

	assert_ok(P("--seedbits", "440"));
	assert_int_equal(st.seedbits, 440);

	assert_ok(P("--coredir", "/var/tmp"));
	assert_string_equal(st.coredir, "/var/tmp");

	assert_ok(P("--uniqueids", "--secretsfile", "/tmp/s", "--nofork", "--stderrlog"));

	assert_ok(P("--force-busy", "--max-halfopen-ike", "100", "--max-halfopen-ike-per-peer",
		    "3"));
	assert_true(pluto.force_busy);
	assert_int_equal(pluto.max_halfopen, 100);
	assert_int_equal(pluto.max_halfopen_peer, 3);
	assert_int_equal(st.seen & (SEEN_MAX_HALFOPEN | SEEN_MAX_HALFOPEN_PEER),
			 SEEN_MAX_HALFOPEN | SEEN_MAX_HALFOPEN_PEER);
}

static void test_libreswan_refused(void **state)
{
	check_refused_option("--leak-detective", NULL);
	check_refused_option("--efence-protect", NULL);
	check_refused_option("--log-no-ip", NULL);
	check_refused_option("--ipsecdir", "/etc/ipsec.d");
	check_refused_option("--nssdir", "/var/lib/ipsec/nss");
	check_refused_option("--vendorid", "OE-Libreswan");
	check_refused_option("--virtual-private", "%v4:10.0.0.0/8");
	check_refused_option("--keep-alive", "20");
	check_refused_option("--crl-strict", NULL);
	check_refused_option("--crlcheckinterval", "600");
	check_refused_option("--statsbin", "/bin/true");
	check_refused_option("--secctx-attr-type", "32001");
	check_refused_option("--use-bsdkame", NULL);
}

static void test_bad_options(void **state)
{
	assert_string_equal(P("--bogus"), "unknown option `--bogus' (try --help)");
	assert_string_equal(P("--ikeport"), "option `--ikeport' requires an argument");
	assert_string_equal(P("--nofork", "--secretsfile"),
			    "option `--secretsfile' requires an argument");
	assert_string_equal(P("stray"), "unexpected argument `stray' (options start with --)");
	assert_refused(
		P("--config", "/nonexistent/ipsec.conf"),
		"--config: cannot read `/nonexistent/ipsec.conf': No such file or directory");
	assert_string_equal(P("--listen", "nowhere"), "--listen: `nowhere' is not an IP address");
	assert_string_equal(P("--ctlbase", "/tmp/a", "--rundir", "/tmp/b"),
			    "--ctlbase and --rundir both name the control files: give one");
}

static void test_bad_numbers(void **state)
{
	assert_string_equal(P("--ikeport", "0"), "--ikeport: `0' is not a number from 1 to 65535");
	assert_string_equal(P("--ikeport", "70000"),
			    "--ikeport: `70000' is not a number from 1 to 65535");
	assert_string_equal(P("--ikeport", "5x"),
			    "--ikeport: `5x' is not a number from 1 to 65535");
	assert_string_equal(P("--ikeport", ""), "--ikeport: `' is not a number from 1 to 65535");
	assert_string_equal(P("--nhelpers", "x"), "--nhelpers: `x' is not a number from -1 to 64");
	assert_string_equal(P("--max-halfopen-ike", "0"),
			    "--max-halfopen-ike: `0' is not a number from 1 to 10000000");
	assert_string_equal(P("--max-halfopen-ike-per-peer", "-1"),
			    "--max-halfopen-ike-per-peer: `-1' is not a number from 1 to 10000000");
	assert_string_equal(P("--nhelpers", "65"),
			    "--nhelpers: `65' is not a number from -1 to 64");
	assert_string_equal(P("--seedbits", "-1"),
			    "--seedbits: `-1' is not a number from 0 to 65536");
}

/* An unknown single-letter option is named in the message, not some other word. */
static void test_unknown_short_option_named(void **state)
{
	const char *err = P("-h");

	assert_non_null(err);
	if (strstr(err, "-h") == NULL)
		fail_msg("message \"%s\" does not name -h", err);
	err = P("--nofork", "-xy");
	assert_non_null(err);
	if (strstr(err, "-x") == NULL)
		fail_msg("message \"%s\" does not name -x", err);
}

/* FreeS/WAN's --debug-CLASS options, each its own class. */
static void test_debug_class_options(void **state)
{
	static const struct {
		const char *opt;
		uint32_t bits;
	} t[] = {
		{"--debug-raw", DBG_RAW},	  {"--debug-crypt", DBG_CRYPT},
		{"--debug-parsing", DBG_PARSING}, {"--debug-emitting", DBG_EMITTING},
		{"--debug-control", DBG_CONTROL}, {"--debug-lifecycle", DBG_LIFECYCLE},
		{"--debug-klips", DBG_KERNEL},	  {"--debug-kernel", DBG_KERNEL},
		{"--debug-dns", DBG_DNS},	  {"--debug-oppo", DBG_OPPO},
		{"--debug-bpf", DBG_BPF},	  {"--debug-private", DBG_PRIVATE},
	};

	int wrong = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char got[200], want[200];

		assert_ok(P(t[i].opt));
		assert_true(st.seen & SEEN_DEBUG);
		if (st.debug_on == t[i].bits)
			continue;
		debug_class_format(st.debug_on, got, sizeof(got));
		debug_class_format(t[i].bits, want, sizeof(want));
		print_error("%s selected %s, want %s\n", t[i].opt, got, want);
		wrong++;
	}
	assert_int_equal(wrong, 0);
	assert_ok(P("--debug-emitting", "--debug-parsing"));
	assert_int_equal(st.debug_on, DBG_EMITTING | DBG_PARSING);
	assert_ok(P("--debug-all"));
	assert_int_equal(st.debug_on, DBG_ALL);
	assert_int_equal(st.debug_on & DBG_PRIVATE, 0);
	assert_ok(P("--debug-all", "--debug-none"));
	assert_int_equal(st.debug_on, 0);
	assert_int_equal(st.debug_off, DBG_EVERYTHING);
}

/* Libreswan's --debug CLASS / --no-debug CLASS / --debug no-CLASS / none / base. */
static void test_debug_names(void **state)
{
	assert_ok(P("--debug", "raw"));
	assert_int_equal(st.debug_on, DBG_RAW);
	assert_ok(P("--debug", "control", "--debug", "lifecycle"));
	assert_int_equal(st.debug_on, DBG_CONTROL | DBG_LIFECYCLE);
	assert_ok(P("--debug", "base"));
	assert_int_equal(st.debug_on, DBG_BASE);
	assert_ok(P("--debug", "cpu-usage"));
	assert_int_equal(st.debug_on, DBG_CPU_USAGE);
	assert_ok(P("--debug", "all", "--no-debug", "raw"));
	assert_int_equal(st.debug_on, DBG_ALL & ~DBG_RAW);
	assert_int_equal(st.debug_off, DBG_RAW);
	assert_ok(P("--debug", "all", "--debug", "no-crypt"));
	assert_int_equal(st.debug_on, DBG_ALL & ~DBG_CRYPT);
	assert_ok(P("--debug", "raw", "--debug", "none"));
	assert_int_equal(st.debug_on, 0);
	assert_int_equal(st.debug_off, DBG_EVERYTHING);
	assert_ok(P("--debug", "none", "--debug", "parsing"));
	assert_int_equal(st.debug_on, DBG_PARSING);
	assert_string_equal(P("--debug", "bogus"), "--debug: unknown debug class `bogus'");
	assert_string_equal(P("--no-debug", "bogus"), "--no-debug: unknown debug class `bogus'");
	/* "--debug help" lists classes in whack only (Libreswan's manual) */
	assert_string_equal(P("--debug", "help"), "--debug: unknown debug class `help'");
}

/* What the options select is what pluto runs with. */
static void test_debug_effective(void **state)
{
	base_debugging = 0;
	assert_ok(P("--ctlbase", "/tmp/t/pluto.base", "--debug-all", "--no-debug", "raw"));
	pluto_finish_settings(&st);
	assert_int_equal(base_debugging, DBG_ALL & ~DBG_RAW);
	assert_int_equal(cur_debugging, base_debugging);
	assert_ok(P("--ctlbase", "/tmp/t/pluto.base", "--debug", "none"));
	pluto_finish_settings(&st);
	assert_int_equal(base_debugging, 0);
}

static void test_finish_settings_paths(void **state)
{
	assert_ok(P("--ctlbase", "/tmp/x/pluto.base"));
	pluto_finish_settings(&st);
	assert_string_equal(pluto.ctl_path, "/tmp/x/pluto.base.ctl");
	assert_string_equal(pluto.lock_path, "/tmp/x/pluto.base.pid");
	assert_string_equal(pluto.bpf_pin_dir, "/sys/fs/bpf/pluto_tmp_x_pluto.base");
	assert_true(pluto.nhelpers >= 0);

	assert_ok(P("--rundir", "/tmp/rd", "--nhelpers", "3"));
	pluto_finish_settings(&st);
	assert_string_equal(pluto.ctl_path, "/tmp/rd/pluto.ctl");
	assert_string_equal(pluto.lock_path, "/tmp/rd/pluto.pid");
	assert_string_equal(pluto.bpf_pin_dir, "/sys/fs/bpf/pluto_tmp_rd");
	assert_int_equal(pluto.nhelpers, 3);
}

/* docs/design.md: the pin directory follows the control files "so two plutos on one host
 * never share maps". Different control paths must give different pin directories. */
static void test_pin_dirs_distinct(void **state)
{
	char a[256], b[256], cwd[1024];

	assert_ok(P("--ctlbase", "/tmp/a/b"));
	pluto_finish_settings(&st);
	strcpy(a, pluto.bpf_pin_dir);
	assert_ok(P("--ctlbase", "/tmp/a_b"));
	pluto_finish_settings(&st);
	strcpy(b, pluto.bpf_pin_dir);
	int shared = 0;
	if (strcmp(a, b) == 0) {
		print_error("--ctlbase /tmp/a/b and /tmp/a_b share the pin dir %s\n", a);
		shared++;
	}

	/* the manual's example: --ctlbase pluto.base, relative, from two directories */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/tmp"), 0);
	assert_ok(P("--ctlbase", "pluto.base"));
	pluto_finish_settings(&st);
	strcpy(a, pluto.bpf_pin_dir);
	assert_int_equal(chdir("/"), 0);
	assert_ok(P("--ctlbase", "pluto.base"));
	pluto_finish_settings(&st);
	strcpy(b, pluto.bpf_pin_dir);
	assert_int_equal(chdir(cwd), 0);
	if (strcmp(a, b) == 0) {
		print_error("--ctlbase pluto.base in / and in /tmp share the pin dir %s\n", a);
		shared++;
	}
	assert_int_equal(shared, 0);
}

static void test_optionsfrom(void **state)
{
	char want[128];

	write_tmp("--nofork --ikeport 600 # comment\n--secretsfile '/tmp/my secrets'\n");
	assert_ok(P("--optionsfrom", tmpfile_path, "--ikeport", "700"));
	assert_true(pluto.nofork);
	assert_int_equal(pluto.ikeport, 700); /* later on the command line wins */
	assert_string_equal(pluto.secretsfile, "/tmp/my secrets");
	assert_ok(P("--ikeport", "700", "--optionsfrom", tmpfile_path));
	assert_int_equal(pluto.ikeport, 600);

	assert_string_equal(P("--optionsfrom"), "--optionsfrom requires a file name");
	assert_string_equal(P("--optionsfrom", "/nonexistent/opts"),
			    "--optionsfrom /nonexistent/opts: No such file or directory");

	unlink(tmpfile_path);
	write_tmp("--ikeport 0\n");
	snprintf(want, sizeof(want), "--ikeport: `0' is not a number from 1 to 65535");
	assert_string_equal(P("--optionsfrom", tmpfile_path), want);
}

/* --optionsfrom=FILE is how getopt spells it too: the file must be read (or refused). */
static void test_optionsfrom_equals(void **state)
{
	char opt[128];
	const char *err;

	write_tmp("--nofork --ikeport 600\n");
	snprintf(opt, sizeof(opt), "--optionsfrom=%s", tmpfile_path);
	err = P(opt);
	if (err == NULL && (!pluto.nofork || pluto.ikeport != 600))
		fail_msg("%s was accepted but its options were ignored", opt);
}

/* getopt state: after a refusal in the middle of an argument, the next call starts afresh. */
static void test_repeated_calls_after_error(void **state)
{
	assert_non_null(P("-xy"));
	assert_ok(P("--nofork"));
	assert_true(pluto.nofork);
	assert_non_null(P("--ikeport", "8500", "-qz", "--nofork"));
	assert_ok(P("--ikeport", "8501"));
	assert_int_equal(pluto.ikeport, 8501);
	for (int i = 0; i < 200; i++) {
		char port[8];

		snprintf(port, sizeof(port), "%d", 1000 + i);
		assert_ok(P("--ikeport", port, "--nofork"));
		assert_int_equal(pluto.ikeport, 1000 + i);
	}
}

/* A second call sets every setting from its own command line, not the first call's. */
static void test_repeated_calls_start_from_defaults(void **state)
{
	assert_ok(P("--nofork", "--noklips", "--no-bpf", "--uniqueids", "--interface", "eth0",
		    "--listen", "192.0.2.1", "--ikeport", "8500"));
	assert_ok(PA("--stderrlog"));
	assert_int_equal(pluto.ikeport, 500);
	assert_false(pluto.nofork);
	assert_false(pluto.noklips);
	assert_false(pluto.nobpf);
	assert_false(pluto.uniqueids);
	assert_int_equal(pluto.ninterfaces, 0);
	assert_false(ip_addr_is_set(&pluto.listen_addr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_help_version, setup),
		cmocka_unit_test_setup(test_freeswan_flags, setup),
		cmocka_unit_test_setup(test_freeswan_values, setup),
		cmocka_unit_test_setup(test_interface_limits, setup),
		cmocka_unit_test_setup(test_freeswan_refused, setup),
		cmocka_unit_test_setup(test_libreswan_working, setup),
		cmocka_unit_test_setup(test_libreswan_refused, setup),
		cmocka_unit_test_setup(test_bad_options, setup),
		cmocka_unit_test_setup(test_bad_numbers, setup),
		cmocka_unit_test_setup(test_unknown_short_option_named, setup),
		cmocka_unit_test_setup(test_debug_class_options, setup),
		cmocka_unit_test_setup(test_debug_names, setup),
		cmocka_unit_test_setup(test_debug_effective, setup),
		cmocka_unit_test_setup(test_finish_settings_paths, setup),
		cmocka_unit_test_setup(test_pin_dirs_distinct, setup),
		cmocka_unit_test_setup_teardown(test_optionsfrom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optionsfrom_equals, setup, teardown),
		cmocka_unit_test_setup(test_repeated_calls_after_error, setup),
		cmocka_unit_test_setup(test_repeated_calls_start_from_defaults, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
