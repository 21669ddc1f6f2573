/* epoll and a binary heap of timers. */
#include "evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct fd_handler {
	int fd;
	evloop_fd_fn fn;
	void *arg;
	bool live;
};

struct evtimer {
	uint64_t when;
	uint64_t seq; /* ties fire in order of creation */
	evloop_timer_fn fn;
	void *arg;
	size_t idx; /* position in the heap */
};

static int epfd = -1;
static struct fd_handler **handlers; /* indexed by fd */
static int nhandlers;
static struct evtimer **heap;
static size_t heap_len, heap_cap;
static uint64_t timer_seq;
static bool stopping;
static void (*before_wait)(void), (*after_wait)(void);

void evloop_set_wait_hooks(void (*before)(void), void (*after)(void))
{
	before_wait = before;
	after_wait = after;
}

uint64_t evloop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t evloop_now_ms(void)
{
	return evloop_now_us() / 1000;
}

int evloop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

void evloop_fini(void)
{
	for (int i = 0; i < nhandlers; i++)
		free(handlers[i]);
	free(handlers);
	handlers = NULL;
	nhandlers = 0;
	for (size_t i = 0; i < heap_len; i++)
		free(heap[i]);
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

int evloop_add_fd(int fd, uint32_t events, evloop_fd_fn fn, void *arg)
{
	if (fd >= nhandlers) {
		int n = fd + 16;
		struct fd_handler **nh = realloc(handlers, sizeof(*nh) * (size_t)n);
		if (nh == NULL)
			return -ENOMEM;
		memset(nh + nhandlers, 0, sizeof(*nh) * (size_t)(n - nhandlers));
		handlers = nh;
		nhandlers = n;
	}
	struct fd_handler *h = handlers[fd];
	if (h == NULL && (h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	*h = (struct fd_handler){ fd, fn, arg, true };
	handlers[fd] = h;
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		h->live = false;
		return -e;
	}
	return 0;
}

int evloop_mod_fd(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void evloop_del_fd(int fd)
{
	if (fd >= 0 && fd < nhandlers && handlers[fd] != NULL && handlers[fd]->live) {
		handlers[fd]->live = false;
		epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	}
}

static bool timer_before(const struct evtimer *a, const struct evtimer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_swap(size_t i, size_t j)
{
	struct evtimer *t = heap[i];

	heap[i] = heap[j];
	heap[j] = t;
	heap[i]->idx = i;
	heap[j]->idx = j;
}

static void sift_up(size_t i)
{
	while (i > 0 && timer_before(heap[i], heap[(i - 1) / 2])) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_len && timer_before(heap[l], heap[m]))
			m = l;
		if (r < heap_len && timer_before(heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

struct evtimer *evloop_timer_add(uint64_t ms, evloop_timer_fn fn, void *arg)
{
	if (heap_len == heap_cap) {
		size_t n = heap_cap ? heap_cap * 2 : 64;
		struct evtimer **nh = realloc(heap, sizeof(*nh) * n);
		if (nh == NULL)
			return NULL;
		heap = nh;
		heap_cap = n;
	}
	struct evtimer *t = malloc(sizeof(*t));
	if (t == NULL)
		return NULL;
	*t = (struct evtimer){ evloop_now_ms() + ms, timer_seq++, fn, arg, heap_len };
	heap[heap_len++] = t;
	sift_up(t->idx);
	return t;
}

static void heap_remove(size_t i)
{
	heap_len--;
	if (i != heap_len) {
		heap_swap(i, heap_len);
		sift_down(i);
		sift_up(i);
	}
}

void evloop_timer_cancel(struct evtimer *t)
{
	if (t == NULL)
		return;
	heap_remove(t->idx);
	free(t);
}

uint64_t evloop_timer_remaining(const struct evtimer *t)
{
	uint64_t now = evloop_now_ms();

	return t->when > now ? t->when - now : 0;
}

static void run_timers(void)
{
	uint64_t now = evloop_now_ms();

	while (heap_len > 0 && heap[0]->when <= now) {
		struct evtimer *t = heap[0];
		heap_remove(0);
		evloop_timer_fn fn = t->fn;
		void *arg = t->arg;
		free(t);
		fn(arg);
		log_reset_context();
		log_set_whack(NULL);
	}
}

static int next_timeout(int cap_ms)
{
	if (heap_len == 0)
		return cap_ms;
	uint64_t now = evloop_now_ms();
	uint64_t d = heap[0]->when > now ? heap[0]->when - now : 0;
	if (cap_ms >= 0 && d > (uint64_t)cap_ms)
		return cap_ms;
	return d > 60000 ? 60000 : (int)d;
}

void evloop_once(int timeout_ms)
{
	struct epoll_event evs[32];

	if (before_wait != NULL) {
		before_wait();
		log_reset_context();
	}
	int n = epoll_wait(epfd, evs, 32, next_timeout(timeout_ms));

	if (after_wait != NULL)
		after_wait();

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (fd < nhandlers && handlers[fd] != NULL && handlers[fd]->live) {
			handlers[fd]->fn(fd, evs[i].events, handlers[fd]->arg);
			log_reset_context();
			log_set_whack(NULL);
		}
	}
	run_timers();
}

int evloop_run(void)
{
	stopping = false;
	while (!stopping)
		evloop_once(-1);
	return 0;
}

void evloop_stop(void)
{
	stopping = true;
}
