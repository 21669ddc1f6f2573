/*
 * The crypto helper pool: a queue of jobs (mutex + condition variable) served by a
 * fixed set of threads, and the way back into the event loop: the loop takes the done
 * list at the start of every iteration (evloop_set_wait_hooks), and a helper writes an
 * eventfd only when the loop may be asleep, so a busy daemon pays no wake-up per job.
 *
 *   main thread                         helper threads
 *   submit ── queue ──────────────────► take the first job whose state has none
 *                                       running, work(), put it on done
 *   drain_done ◄── done ◄────────────── (main_waiting: write the eventfd)
 *   resume (if the state still exists), cleanup
 *
 * Only the main thread logs, resumes and frees.  Everything shared is under one lock:
 * the queue, the done list, what each helper runs, main_waiting and the stop flag.
 */
#include "crypto_helpers.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "state.h"

#define MAX_HELPERS 64

struct job {
	unsigned long serial; /* the state it belongs to, 0: none */
	const struct crypto_helper_ops *ops;
	void *data;
	int helper;    /* which helper ran it, -1: inline */
	uint64_t usec; /* time spent in work() */
	struct job *next;
};

struct job_list {
	struct job *head;
	struct job **tail;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static struct job_list queue = {NULL, &queue.head}; /* submitted, not started */
static struct job_list done = {NULL, &done.head};   /* worked, not resumed */
static struct job **running; /* [nslots]: the job each helper works on, or NULL */
static int nslots;	     /* set before the helpers start, cleared after they end */
static bool stopping;
static bool main_waiting; /* the event loop may sleep: a finished job must wake it */

/* Main thread only. */
static pthread_t *threads;
static int nthreads = -1; /* -1: not initialised */
static int done_fd = -1;

static void list_append(struct job_list *l, struct job *j)
{
	j->next = NULL;
	*l->tail = j;
	l->tail = &j->next;
}

static struct job *list_pop(struct job_list *l)
{
	struct job *j = l->head;

	if (j != NULL) {
		l->head = j->next;
		if (l->head == NULL)
			l->tail = &l->head;
	}
	return j;
}

static bool list_has(const struct job_list *l, unsigned long serial)
{
	for (const struct job *j = l->head; j != NULL; j = j->next) {
		if (j->serial == serial)
			return true;
	}
	return false;
}

/* Under lock: is a helper working on a job of this state? */
static bool serial_running(unsigned long serial)
{
	for (int i = 0; i < nslots; i++) {
		if (running[i] != NULL && running[i]->serial == serial)
			return true;
	}
	return false;
}

/*
 * Under lock: unlink the first queued job that may start now.  A state's jobs wait
 * while another of its jobs runs, so they finish, and resume, in the order submitted.
 */
static struct job *take_runnable(void)
{
	for (struct job **pp = &queue.head; *pp != NULL; pp = &(*pp)->next) {
		struct job *j = *pp;

		if (j->serial != 0 && serial_running(j->serial))
			continue;
		*pp = j->next;
		if (*pp == NULL)
			queue.tail = pp;
		return j;
	}
	return NULL;
}

static void work(struct job *j, int helper)
{
	uint64_t start = evloop_now_us();

	j->ops->work(j->data);
	j->usec = evloop_now_us() - start;
	j->helper = helper;
}

/* Tell the main thread that done has something (any thread). */
static void wake_main(void)
{
	uint64_t one = 1;

	/* Only EAGAIN (counter full: a wake-up is pending anyway) can fail here. */
	if (write(done_fd, &one, sizeof(one)) < 0)
		return;
}

static void *helper_main(void *arg)
{
	int id = (int)(intptr_t)arg;

	pthread_mutex_lock(&lock);
	for (;;) {
		struct job *j = NULL;

		while (!stopping && (j = take_runnable()) == NULL)
			pthread_cond_wait(&work_cv, &lock);
		if (j == NULL)
			break; /* stopping: fini frees what is still queued */
		running[id] = j;
		pthread_mutex_unlock(&lock);
		work(j, id);
		pthread_mutex_lock(&lock);
		running[id] = NULL;
		list_append(&done, j);
		if (main_waiting) {
			main_waiting = false;
			wake_main();
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void job_free(struct job *j)
{
	if (j->ops->cleanup != NULL)
		j->ops->cleanup(j->data);
	free(j);
}

/* Main thread: the state's part, if the state is still there, then the data goes. */
static void finish(struct job *j)
{
	struct state *st = j->serial != 0 ? state_by_serial(j->serial) : NULL;
	char where[32] = "inline";

	log_set_context(st != NULL ? st->connection : NULL, st);
	if (j->serial != 0 && st == NULL) {
		dbg(DBG_CONTROL, "state #%lu is gone: discarding the result of %s", j->serial,
		    j->ops->name);
	} else {
		if (j->helper >= 0)
			snprintf(where, sizeof(where), "in helper %d", j->helper);
		dbg(DBG_CPU_USAGE, "%s took %llu.%03llu ms %s", j->ops->name,
		    (unsigned long long)(j->usec / 1000), (unsigned long long)(j->usec % 1000),
		    where);
		j->ops->resume(st, j->data);
	}
	log_reset_context();
	job_free(j);
}

/*
 * Finish what is done; with none left, let the helpers know that the loop may sleep (they
 * write the eventfd only then: while the loop is busy it comes here each iteration).
 */
static void drain_done(void)
{
	for (;;) {
		pthread_mutex_lock(&lock);
		struct job *j = list_pop(&done);
		if (j == NULL)
			main_waiting = true;
		pthread_mutex_unlock(&lock);
		if (j == NULL)
			return;
		finish(j);
	}
}

static void loop_awake(void)
{
	pthread_mutex_lock(&lock);
	main_waiting = false;
	pthread_mutex_unlock(&lock);
}

static void on_done(int fd, uint32_t events, void *arg)
{
	uint64_t n;

	/* Reset the counter first: a job finished after this read wakes us again. */
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		plog("crypto helpers: reading the completion eventfd failed: %s", strerror(errno));
	drain_done();
	loop_awake(); /* (drain_done() said it may sleep: not until the next iteration) */
}

int crypto_helper_submit(unsigned long serial, const struct crypto_helper_ops *ops, void *data)
{
	struct job *j = nthreads >= 0 ? calloc(1, sizeof(*j)) : NULL;

	if (j == NULL) {
		if (ops->cleanup != NULL)
			ops->cleanup(data);
		return nthreads >= 0 ? -ENOMEM : -ENODEV;
	}
	*j = (struct job){.serial = serial, .ops = ops, .data = data, .helper = -1};
	if (nthreads == 0) {
		/* inline: the work now, the resume from the event loop (before it waits) */
		work(j, -1);
		pthread_mutex_lock(&lock);
		list_append(&done, j);
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_lock(&lock);
	list_append(&queue, j);
	pthread_cond_signal(&work_cv);
	pthread_mutex_unlock(&lock);
	return 0;
}

bool crypto_helper_busy(unsigned long serial)
{
	bool busy;

	if (nthreads < 0)
		return false;
	pthread_mutex_lock(&lock);
	busy = list_has(&queue, serial) || serial_running(serial) || list_has(&done, serial);
	pthread_mutex_unlock(&lock);
	return busy;
}

int crypto_helpers_count(void)
{
	return nthreads;
}

/* Start the threads with every signal blocked: the main thread's signalfd gets them. */
static int start_threads(int n)
{
	sigset_t all, old;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (nthreads = 0; nthreads < n; nthreads++) {
		char name[16];

		r = -pthread_create(&threads[nthreads], NULL, helper_main,
				    (void *)(intptr_t)nthreads);
		if (r < 0)
			break;
		snprintf(name, sizeof(name), "pluto helper %d", nthreads);
		pthread_setname_np(threads[nthreads], name);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int crypto_helpers_init(int nhelpers)
{
	int r;

	if (nthreads >= 0)
		return -EALREADY;
	if (nhelpers < 0 || nhelpers > MAX_HELPERS)
		return -EINVAL;
	threads = calloc((size_t)nhelpers + 1, sizeof(*threads));
	running = calloc((size_t)nhelpers + 1, sizeof(*running));
	done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (threads == NULL || running == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if (done_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = evloop_add_fd(done_fd, EPOLLIN, on_done, NULL);
	if (r < 0)
		goto fail;
	evloop_set_wait_hooks(drain_done, loop_awake);
	stopping = false;
	nslots = nhelpers;
	r = start_threads(nhelpers);
	if (r < 0)
		goto fail;
	dbg(DBG_CONTROL, "started %d crypto helper thread%s", nthreads, nthreads == 1 ? "" : "s");
	return 0;
fail:
	crypto_helpers_fini(); /* joins what started, closes and frees the rest */
	return r;
}

void crypto_helpers_fini(void)
{
	struct job *j;
	unsigned freed = 0;

	if (nthreads < 0 && threads == NULL && done_fd < 0)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&work_cv);
	pthread_mutex_unlock(&lock);
	/* A job being worked on is finished first: OpenSSL cannot be interrupted. */
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	while ((j = list_pop(&queue)) != NULL || (j = list_pop(&done)) != NULL) {
		job_free(j);
		freed++;
	}
	if (freed > 0)
		dbg(DBG_CONTROL, "crypto helpers: discarded %u unfinished job%s", freed,
		    freed == 1 ? "" : "s");
	if (done_fd >= 0) {
		evloop_set_wait_hooks(NULL, NULL);
		evloop_del_fd(done_fd);
		close(done_fd);
	}
	main_waiting = false;
	done_fd = -1;
	free(threads);
	free(running);
	threads = NULL;
	running = NULL;
	nslots = 0;
	nthreads = -1;
	stopping = false;
}
