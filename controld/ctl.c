/* The whack control socket: non-blocking, buffered, credential-checked. */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"

#define CTL_READ_TIMEOUT_MS 5000
#define CTL_OUT_MAX (64u << 20) /* a client that reads nothing cannot grow us further */

struct ctl_client {
	int fd;		   /* -1 once closed */
	unsigned refs;
	uint8_t *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	unsigned holds;	   /* states streaming progress to this client */
	bool done;	   /* request handled; close once no state holds it and all is sent */
	bool dropping;	   /* output overflowed: discard and close */
	bool out_ref;	   /* output waits for the socket: that holds a reference */
	struct evtimer *deadline;
};

static int listen_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

const char *ctl_socket_path(void)
{
	return sock_path;
}

/*
 * Output that the socket cannot take yet keeps the client alive (out_ref) until it is sent
 * or the client is gone: without it, a request done before its reply is out would free the
 * rest of the reply (a --status listing larger than the socket buffer, read slowly).
 * Whoever drops it holds a reference of its own, so this never frees c (and when the last
 * reference goes, out_ref is not among them).
 */
static void out_ref_drop(struct ctl_client *c)
{
	if (c->out_ref) {
		c->out_ref = false;
		c->refs--;
	}
}

static void client_close(struct ctl_client *c)
{
	if (c->fd >= 0) {
		evloop_del_fd(c->fd);
		close(c->fd);
		c->fd = -1;
	}
	if (c->deadline != NULL) {
		evloop_timer_cancel(c->deadline);
		c->deadline = NULL;
	}
	out_ref_drop(c); /* nothing more can be sent */
}

static void client_unref(struct ctl_client *c)
{
	if (--c->refs > 0)
		return;
	client_close(c);
	free(c->in);
	free(c->out);
	free(c);
}

bool ctl_client_gone(const struct ctl_client *c)
{
	return c->fd < 0;
}

/* Write what we can; close when the request is done and everything is out. */
static void client_flush(struct ctl_client *c)
{
	while (c->fd >= 0 && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			evloop_mod_fd(c->fd, EPOLLOUT);
			if (!c->out_ref) {
				c->out_ref = true;
				c->refs++;
			}
			return;
		}
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	out_ref_drop(c);
	if (c->fd >= 0 && ((c->done && c->holds == 0) || c->dropping))
		client_close(c);
	else if (c->fd >= 0)
		/* after the request, only hang-ups matter (epoll reports them always) */
		evloop_mod_fd(c->fd, c->in != NULL ? EPOLLIN : 0);
}

void ctl_client_line(struct ctl_client *c, enum rc_type rc, const char *text)
{
	size_t need = strlen(text) + 6;

	if (c->fd < 0 || c->dropping)
		return;
	if (c->out_len + need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + need)
			cap *= 2;
		char *n = cap <= CTL_OUT_MAX ? realloc(c->out, cap) : NULL;
		if (n == NULL) {
			c->dropping = true;
			return;
		}
		c->out = n;
		c->out_cap = cap;
	}
	c->out_len += (size_t)snprintf(c->out + c->out_len, need, "%03d %s\n", (int)rc, text);
	/* push eagerly so progress reaches whack while a negotiation runs */
	if (c->out_len - c->out_off > 65536 || c->holds > 0)
		client_flush(c);
}

struct ctl_client *ctl_client_hold(struct ctl_client *c)
{
	c->refs++;
	c->holds++;
	return c;
}

void ctl_client_release(struct ctl_client *c)
{
	c->holds--;
	client_flush(c);
	client_unref(c);
}

static void client_deadline(void *arg)
{
	struct ctl_client *c = arg;

	c->deadline = NULL;
	plog("whack client sent no complete request within %d seconds; closing it",
	     CTL_READ_TIMEOUT_MS / 1000);
	client_close(c);
	client_unref(c);
}

static void dispatch(struct ctl_client *c)
{
	struct whack_msg *m = malloc(sizeof(*m));
	const char *err;

	evloop_timer_cancel(c->deadline);
	c->deadline = NULL;
	if (m == NULL) {
		ctl_client_line(c, RC_INTERNALERR, "pluto is out of memory");
	} else if ((err = whack_msg_decode(c->in, c->in_len, m)) != NULL) {
		log_set_whack(c);
		loglog(RC_BADWHACKMESSAGE, "bad whack message: %s", err);
	} else {
		log_set_whack(c);
		whack_handle(c, m);
	}
	free(m);
	log_set_whack(NULL);
	log_reset_context();
	free(c->in);
	c->in = NULL;
	c->done = true;
	client_flush(c);
	client_unref(c); /* the reference the socket held */
}

static void client_read(struct ctl_client *c)
{
	uint8_t buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0 && c->in_len > 0) {
		/* the client ended its request early; it may still read why we refuse it */
		plog_rl("whack client ended its request after %zu bytes", c->in_len);
		ctl_client_line(c, RC_BADWHACKMESSAGE, "incomplete whack message");
		c->done = true;
		client_flush(c);
		client_unref(c);
		return;
	}
	if (n <= 0) {
		client_close(c);
		client_unref(c);
		return;
	}
	if (c->in_len + (size_t)n > WHACK_MSG_MAX) {
		ctl_client_line(c, RC_BADWHACKMESSAGE, "whack message too large");
		c->done = true;
		client_flush(c);
		client_unref(c);
		return;
	}
	memcpy(c->in + c->in_len, buf, (size_t)n);
	c->in_len += (size_t)n;
	if (c->in_len >= WHACK_HDR_LEN) {
		size_t want = whack_msg_peek_len(c->in, c->in_len);
		if (want == 0 || want > WHACK_MSG_MAX || want < WHACK_HDR_LEN) {
			ctl_client_line(c, RC_BADWHACKMESSAGE, "not a whack message");
			c->done = true;
			client_flush(c);
			client_unref(c);
			return;
		}
		if (c->in_len >= want) {
			c->in_len = want;
			dispatch(c);
		}
	}
}

static void client_event(int fd, uint32_t events, void *arg)
{
	struct ctl_client *c = arg;

	if (events & EPOLLOUT) {
		c->refs++;
		client_flush(c);
		client_unref(c);
		return;
	}
	if (c->in != NULL) {
		/* the request first: a client may send it and hang up at once */
		client_read(c);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* whack went away while a state holds it: stop writing to it */
		c->refs++;
		client_close(c);
		client_unref(c);
		return;
	}
	/*
	 * whack half-closes after its request (EOF on read); that is not a hang-up.
	 * Stop watching for input so the EOF does not wake us again.
	 */
	evloop_mod_fd(fd, 0);
}

static bool peer_allowed(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	*uid = cred.uid;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void ctl_accept(int fd, uint32_t events, void *arg)
{
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	uid_t uid = (uid_t)-1;

	if (cfd < 0)
		return;
	if (!peer_allowed(cfd, &uid)) {
		plog("refused whack connection from uid %d: only root and uid %d may control pluto",
		     (int)uid, (int)geteuid());
		static const char msg[] = "030 permission denied: pluto accepts whack only from "
					  "root and its own user\n";
		(void)!send(cfd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(cfd);
		return;
	}
	struct ctl_client *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->in = malloc(WHACK_MSG_MAX)) == NULL) {
		free(c);
		close(cfd);
		return;
	}
	c->fd = cfd;
	c->refs = 1;
	c->deadline = evloop_timer_add(CTL_READ_TIMEOUT_MS, client_deadline, c);
	if (evloop_add_fd(cfd, EPOLLIN, client_event, c) < 0) {
		client_close(c);
		client_unref(c);
	}
}

int ctl_init(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	strcpy(sock_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		return -errno;
	unlink(path); /* the lock file proved no other pluto owns it */
	mode_t old = umask(0077);
	int r = bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(listen_fd, 64) < 0) {
		int e = errno;
		close(listen_fd);
		listen_fd = -1;
		return -e;
	}
	return evloop_add_fd(listen_fd, EPOLLIN, ctl_accept, NULL);
}

void ctl_fini(void)
{
	if (listen_fd >= 0) {
		evloop_del_fd(listen_fd);
		close(listen_fd);
		listen_fd = -1;
		unlink(sock_path);
	}
}
