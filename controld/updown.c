/*
 * The updown command (pluto manual, "The updown command", interface version 1.1): run
 * with a verb and the PLUTO_* environment, its output logged, its status checked. pluto
 * waits for it, as the manual says, but not for ever.
 */
#include "updown.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "connections.h"
#include "evloop.h"
#include "ifaces.h"
#include "log.h"
#include "pluto.h"

#define UPDOWN_TIMEOUT_MS 30000
#define UPDOWN_ENV_MAX 24

static char default_path[PATH_MAX];

/* The default script: installed beside pluto (libexec), or in the build directory. */
const char *updown_default(void)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (default_path[0] != '\0')
		return default_path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0';
		snprintf(default_path, sizeof(default_path), "%s/../libexec/pluto-xdp/_updown", exe);
		if (access(default_path, X_OK) == 0)
			return default_path;
		snprintf(default_path, sizeof(default_path), "%s/_updown", exe);
		if (access(default_path, X_OK) == 0)
			return default_path;
	}
	snprintf(default_path, sizeof(default_path), "%s", PLUTO_UPDOWN_DEFAULT);
	return default_path;
}

struct env {
	char *v[UPDOWN_ENV_MAX + 1];
	int n;
	char buf[4096];
	size_t used;
};

static void env_add(struct env *e, const char *name, const char *value)
{
	int w = snprintf(e->buf + e->used, sizeof(e->buf) - e->used, "%s=%s", name, value);

	if (w < 0 || (size_t)w >= sizeof(e->buf) - e->used || e->n >= UPDOWN_ENV_MAX)
		return;
	e->v[e->n++] = e->buf + e->used;
	e->used += (size_t)w + 1;
}

static void env_client(struct env *e, const char *prefix, const ip_subnet *s)
{
	char name[48];
	ip_address mask = ip_subnet_mask(s);

	snprintf(name, sizeof(name), "%s", prefix);
	env_add(e, name, ip_subnet_str(s));
	snprintf(name, sizeof(name), "%s_NET", prefix);
	env_add(e, name, ip_addr_str(&s->addr));
	snprintf(name, sizeof(name), "%s_MASK", prefix);
	env_add(e, name, ip_addr_str(&mask));
}

static void build_env(struct env *e, const struct connection *c, const char *verb)
{
	const ip_address *hop = ip_addr_is_set(&c->this->nexthop) ? &c->this->nexthop
								   : &c->that->host;
	e->n = 0;
	e->used = 0;
	env_add(e, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(e, "PLUTO_VERSION", "1.1");
	env_add(e, "PLUTO_VERB", verb);
	env_add(e, "PLUTO_CONNECTION", c->name);
	env_add(e, "PLUTO_NEXT_HOP", ip_addr_str(hop));
	env_add(e, "PLUTO_INTERFACE", c->interface != NULL ? c->interface->name : "");
	env_add(e, "PLUTO_ME", ip_addr_str(&c->this->host));
	env_client(e, "PLUTO_MY_CLIENT", &c->this->client);
	env_add(e, "PLUTO_PEER", ip_addr_str(&c->that->host));
	env_client(e, "PLUTO_PEER_CLIENT", &c->that->client);
	e->v[e->n] = NULL;
}

/* Log the script's output line by line until it closes, within the deadline. */
static void relay_output(int fd, uint64_t deadline)
{
	char buf[1024], line[1024];
	size_t have = 0;

	for (;;) {
		uint64_t now = evloop_now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
			return;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || have == sizeof(line) - 1) {
				line[have] = '\0';
				plog("updown: %s", line);
				have = 0;
			} else {
				line[have++] = buf[i];
			}
		}
	}
	if (have > 0) {
		line[have] = '\0';
		plog("updown: %s", line);
	}
}

static int wait_child(pid_t pid, uint64_t deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (evloop_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -2;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static int spawn(const char *cmd, struct env *e, int *out_fd)
{
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* pluto blocks signals for signalfd */
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, e->v);
		_exit(127);
	}
	close(pipefd[1]);
	*out_fd = pipefd[0];
	return pid;
}

bool updown_run(const struct connection *c, const char *what)
{
	char verb[48], cmd[2048];
	struct env e;
	int fd = -1;

	if (!connection_oriented(c))
		return false;
	if (pluto.noklips) {
		/* the manual: without the kernel, pluto "never makes routing changes" */
		dbg(DBG_CONTROL, "--noklips: not running the %s updown verb", what);
		return true;
	}
	snprintf(verb, sizeof(verb), "%s-%s%s", what, c->this->has_client ? "client" : "host",
		 c->host_af == AF_INET6 ? "-v6" : "");
	const char *script = c->this->updown != NULL ? c->this->updown : updown_default();
	if (strcmp(script, UPDOWN_DISABLED) == 0) {
		dbg(DBG_CONTROL, "updown %%disabled: not running the %s verb", what);
		return true;
	}
	/* the manual: the script "is used to build a shell command" */
	snprintf(cmd, sizeof(cmd), "%s", script);
	build_env(&e, c, verb);
	dbg(DBG_CONTROL, "running updown: %s %s", verb, cmd);
	uint64_t deadline = evloop_now_ms() + UPDOWN_TIMEOUT_MS;
	int pid = spawn(cmd, &e, &fd);
	if (pid < 0) {
		plog("cannot run updown command for %s: %s", verb, strerror(-pid));
		return false;
	}
	relay_output(fd, deadline);
	close(fd);
	int status = wait_child(pid, deadline);
	if (status == -2)
		loglog(RC_LOG_SERIOUS, "%s command killed after %d s: %s", verb,
		       UPDOWN_TIMEOUT_MS / 1000, cmd);
	else if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		loglog(RC_LOG_SERIOUS, "%s command exited with status %d: %s", verb,
		       status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, cmd);
	else
		return true;
	return false;
}
