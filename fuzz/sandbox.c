/* The private directory and the fence of the file-reading harnesses (sandbox.h). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pluto.h"

struct pluto_config pluto; /* main.c's, which the engine reads */

FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g);
int __wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g);
int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);

static char dir[PATH_MAX];
static size_t dir_len;
static char file[PATH_MAX];
static bool fenced;

/* Is path a name directly inside the private directory (no further '/', not . or ..)? */
static bool inside(const char *path)
{
	const char *rest;

	if (dir_len == 0 || strncmp(path, dir, dir_len) != 0 || path[dir_len] != '/')
		return false;
	rest = path + dir_len + 1;
	return rest[0] != '\0' && strchr(rest, '/') == NULL && strcmp(rest, ".") != 0 &&
	       strcmp(rest, "..") != 0;
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	if (fenced && strpbrk(mode, "wa+") == NULL && !inside(path)) {
		errno = EACCES;
		return NULL;
	}
	return __real_fopen(path, mode);
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (fenced && (flags & O_ACCMODE) == O_RDONLY && !inside(path)) {
		errno = EACCES;
		return -1;
	}
	return __real_open(path, flags, mode);
}

int __wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g)
{
	if (fenced && !inside(pattern)) {
		memset(g, 0, sizeof(*g));
		return GLOB_NOMATCH;
	}
	return __real_glob(pattern, flags, errfunc, g);
}

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo h = {0};

	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

static void cleanup(void)
{
	if (file[0] != '\0')
		unlink(file);
	if (dir[0] != '\0')
		rmdir(dir);
}

const char *fuzz_sandbox_file(const char *name)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/pluto-fuzz.XXXXXX", tmp != NULL ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("fuzz: mkdtemp");
			exit(1);
		}
		dir_len = strlen(dir);
		atexit(cleanup);
	}
	snprintf(file, sizeof(file), "%s/%s", dir, name);
	return file;
}

void fuzz_sandbox_write(const char *path, const uint8_t *data, size_t size)
{
	int fd = __real_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0) {
		perror("fuzz: open");
		exit(1);
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			perror("fuzz: write");
			exit(1);
		}
		done += (size_t)n;
	}
	close(fd);
}

void fuzz_sandbox_enter(void)
{
	fenced = true;
}

void fuzz_sandbox_leave(void)
{
	fenced = false;
}

void fuzz_quiet_log(void)
{
	const char *v = getenv("FUZZ_VERBOSE");
	struct log_options o = {.no_time = true};

	if (v != NULL && v[0] == '1')
		o.to_stderr = true;
	else
		o.logfile = "/dev/null";
	if (log_init(&o) < 0)
		exit(1);
}
