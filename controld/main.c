/*
 * pluto: the IKE keying daemon. Start-up: options (one table, both manuals' synopses),
 * ipsec.conf's config setup, the lock file, the crypto self-test, the daemon fork, the
 * control socket, then the event loop until whack --shutdown or SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "connections.h"
#include "crypto.h"
#include "crypto_helpers.h"
#include "ctl.h"
#include "dataplane.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ikev1.h"
#include "kernel.h"
#include "keys.h"
#include "log.h"
#include "pluto.h"
#include "pluto_main.h"
#include "state.h"

struct pluto_config pluto;
static bool lock_created;

static void remove_lock(void)
{
	if (lock_created)
		unlink(pluto.lock_path);
	lock_created = false;
}

/* Every start-up failure is reported on stderr; the lock file we made goes with us. */
static void __attribute__((noreturn, format(printf, 2, 3))) startup_fail(int status,
									  const char *fmt, ...)
{
	va_list ap;

	if (status != 10) {
		ctl_fini(); /* a no-op unless the socket was made */
		remove_lock();
	}
	fprintf(stderr, "pluto: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static int lock_fd = -1;

/* The lock file: exclusive create; exit status 10 if it exists (the manual). */
static void create_lock(void)
{
	lock_fd = open(pluto.lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (lock_fd < 0) {
		if (errno == EEXIST)
			startup_fail(10, "lock file \"%s\" already exists: another pluto is running, "
					 "or a stale lock file must be removed by hand",
				     pluto.lock_path);
		startup_fail(1, "unable to create lock file \"%s\": %s", pluto.lock_path,
			     strerror(errno));
	}
	lock_created = true;
}

static void write_lock_pid(void)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(lock_fd, 0) < 0 || write(lock_fd, buf, (size_t)n) != n)
		startup_fail(1, "unable to write lock file \"%s\": %s", pluto.lock_path,
			     strerror(errno));
	close(lock_fd);
	lock_fd = -1;
}

/*
 * The conventional daemon fork, done once everything that can fail at start-up has been
 * checked, so that failures still reach the terminal: the parent exits 0.
 */
static void daemonize(bool keep_stderr)
{
	pid_t pid = fork();

	if (pid < 0)
		startup_fail(1, "fork failed: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		plog("cannot change to /: %s", strerror(errno));
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!keep_stderr)
			dup2(null, 2);
		if (null > 2)
			close(null);
	}
	log_reopen();
}

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			plog("Pluto ignores SIGHUP -- perhaps you want \"whack --listen\"");
			break;
		case SIGTERM:
		case SIGINT:
			plog("pluto received signal %s: shutting down",
			     si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			pluto.shutting_down = true;
			evloop_stop();
			break;
		case SIGCHLD:
			pluto_reap_children();
			break;
		}
	}
}

static int setup_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return evloop_add_fd(fd, EPOLLIN, on_signal, NULL);
}

static void seed_rng(int bits)
{
	if (bits <= 0)
		return;
	int bytes = (bits + 7) / 8;
	if (RAND_load_file("/dev/random", bytes) != bytes)
		startup_fail(1, "--seedbits: could not read %d bytes from /dev/random", bytes);
}

/* What the crypto self-test found, logged after the start-up line. */
struct selftest_result {
	unsigned int ntests;
	uint64_t usec;
};

/*
 * Every algorithm pluto can negotiate, on known answers (crypto_selftest.c), before
 * anything is served: a broken libcrypto or provider stops pluto here, rather than
 * failing negotiations later.  Before the daemon fork, so a failure reaches the
 * terminal and the exit status.
 */
static void check_crypto(bool log_to_stderr, struct selftest_result *res)
{
	uint64_t t0 = evloop_now_us();
	const char *err = crypto_selftest(&res->ntests);

	res->usec = evloop_now_us() - t0;
	if (err != NULL) {
		/* startup_fail() writes on stderr: the log gets the line unless it is stderr */
		if (!log_to_stderr)
			plog("crypto self-test failed: %s", err);
		startup_fail(1, "crypto self-test failed: %s", err);
	}
}

static void log_selftest(const struct selftest_result *res)
{
	plog("crypto self-test: %u tests passed", res->ntests);
	dbg(DBG_CPU_USAGE, "crypto self-test took %llu.%03llu ms",
	    (unsigned long long)(res->usec / 1000), (unsigned long long)(res->usec % 1000));
}

static void shutdown_pluto(void)
{
	crypto_helpers_fini();
	engine_shutdown();
	for (struct connection *c = connections; c != NULL; c = c->next) {
		log_set_context(c, NULL);
		engine_unroute(c, true); /* routes from --route and auto=route: unroute verbs */
	}
	log_reset_context();
	kernel_fini();
	connection_delete_all();
	dataplane_fini();
	ifaces_close_all();
	pubkeys_free_all();
	pluto_free_secrets();
	ctl_fini();
	remove_lock();
	plog("pluto shutdown complete");
	log_close();
	evloop_fini();
}

int main(int argc, char **argv)
{
	struct pluto_startup st;
	struct selftest_result selftest;

	pluto_parse_args(argc, argv, &st);
	if (st.config_file[0] != '\0')
		pluto_apply_config_setup(&st);
	pluto_finish_settings(&st);

	if (log_init(&st.log) < 0)
		exit(1);
	create_lock();
	seed_rng(st.seedbits);
	check_crypto(st.log.to_stderr, &selftest);
	int r = evloop_init();
	if (r == 0)
		r = setup_signals();
	if (r < 0)
		startup_fail(1, "start-up failed: %s", strerror(-r));
	if ((r = ctl_init(pluto.ctl_path)) < 0)
		startup_fail(1, "cannot create control socket %s: %s", pluto.ctl_path,
			     strerror(-r));
	if (kernel_init() < 0) /* a no-op with --noklips */
		startup_fail(1, "cannot talk to the kernel's XFRM: see the log (or use --noklips)");
	/* we hold the lock: XFRM entries in pluto's reqid band are an earlier run's leftovers */
	kernel_flush_pluto();
	if (dataplane_init() < 0) /* a no-op with --no-bpf */
		startup_fail(1, "cannot start the BPF dataplane: see the log (or use --no-bpf)");
	if (!pluto.nofork)
		daemonize(st.log.to_stderr);
	write_lock_pid();
	if (st.coredir != NULL && chdir(st.coredir) < 0)
		plog("cannot change to --coredir %s: %s", st.coredir, strerror(errno));
	plog("Starting pluto (pluto-xdp %s) pid %d", PLUTO_VERSION, (int)getpid());
	pluto_log_settings(&st);
	log_selftest(&selftest);
	if ((r = crypto_helpers_init(pluto.nhelpers)) < 0)
		startup_fail(1, "cannot start the crypto helpers: %s", strerror(-r));
	ikev1_init();
	pluto_load_secrets();
	if (st.config_file[0] != '\0')
		pluto_load_config_conns(&st);
	if (pluto.nofork) {
		printf("Pluto initialized\n");
		fflush(stdout);
	}
	evloop_run();
	shutdown_pluto();
	return 0;
}
