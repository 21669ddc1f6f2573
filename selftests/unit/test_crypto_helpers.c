/*
 * The crypto helper pool (controld/crypto_helpers.c) with the real event loop and
 * state table: jobs complete, resume runs on the main thread, a state's jobs resume in
 * the order submitted, a state deleted meanwhile gets no resume, --nhelpers 0 works
 * inline, shutdown with jobs queued and running frees them all (run it under
 * make SANITIZE=1 for the leak check), and the event loop keeps running its timers
 * while a helper spends a few hundred milliseconds on MODP4096 Diffie-Hellman.  Then
 * the IKEv1 engine's jobs (ikev1_offload) on real states.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "connections.h"
#include "crypto.h"
#include "crypto_helpers.h"
#include "evloop.h"
#include "ikev1_sa.h"
#include "log.h"
#include "pluto.h"
#include "state.h"

struct pluto_config pluto; /* main.c's, which the engine reads */

static pthread_t main_thread;

/* What the callbacks saw; the main thread's own (resume and cleanup run there). */
static struct {
	unsigned resumed, cleaned, off_main;
	unsigned long order[64]; /* job ids in the order resumed */
	char lines[8][256];	 /* the last log lines */
	unsigned nlines;
} rec;

struct tjob {
	unsigned id;
	unsigned delay_ms; /* work() sleeps this long */
	pthread_t worker;  /* set by work() */
	bool worked;
	struct state *st;     /* expected in resume */
	struct crypto_dh *dh; /* made by work() when dh_group is set */
	uint16_t dh_group;
};

static void log_hook(const char *line)
{
	snprintf(rec.lines[rec.nlines++ % 8], sizeof(rec.lines[0]), "%s", line);
}

static bool logged(const char *what)
{
	for (unsigned i = 0; i < 8; i++) {
		if (strstr(rec.lines[i], what) != NULL)
			return true;
	}
	return false;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void t_work(void *data)
{
	struct tjob *j = data;

	sleep_ms(j->delay_ms);
	if (j->dh_group != 0 && crypto_dh_new(j->dh_group, &j->dh) != 0)
		j->dh = NULL;
	j->worker = pthread_self();
	j->worked = true;
}

static void t_resume(struct state *st, void *data)
{
	struct tjob *j = data;

	assert_ptr_equal(st, j->st);
	assert_true(j->worked);
	if (!pthread_equal(pthread_self(), main_thread))
		rec.off_main++;
	if (rec.resumed < 64)
		rec.order[rec.resumed] = j->id;
	rec.resumed++;
}

static void t_cleanup(void *data)
{
	struct tjob *j = data;

	if (!pthread_equal(pthread_self(), main_thread))
		rec.off_main++;
	crypto_dh_free(j->dh);
	free(j);
	rec.cleaned++;
}

static const struct crypto_helper_ops t_ops = {"test job", t_work, t_resume, t_cleanup};

/* A job for st (NULL: none); with dh_group, work() makes a key pair cleanup must free. */
static struct tjob *submit(struct state *st, unsigned id, unsigned delay_ms, uint16_t dh_group)
{
	struct tjob *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	j->id = id;
	j->delay_ms = delay_ms;
	j->st = st;
	j->dh_group = dh_group;
	/* j is the pool's from here: only inline mode may look at it before cleanup */
	assert_int_equal(crypto_helper_submit(st ? st->serial : 0, &t_ops, j), 0);
	return j;
}

/* Run the event loop until n jobs have been cleaned up, 20 s at most. */
static bool pump_until_cleaned(unsigned n)
{
	uint64_t end = evloop_now_ms() + 20000;

	while (rec.cleaned < n) {
		if (evloop_now_ms() > end)
			return false;
		evloop_once(50);
	}
	return true;
}

static int start(int nhelpers)
{
	static const struct log_options lo = {.to_stderr = true, .no_time = true};

	memset(&rec, 0, sizeof(rec));
	main_thread = pthread_self();
	log_reset_context(); /* the event loop does this after each callback */
	log_init(&lo);
	log_set_hook(log_hook);
	base_debugging = cur_debugging = DBG_CONTROL | DBG_CPU_USAGE;
	if (evloop_init() < 0 || crypto_helpers_init(nhelpers) < 0)
		return -1;
	return 0;
}

static int setup0(void **state)
{
	return start(0);
}

static int setup1(void **state)
{
	return start(1);
}

static int setup2(void **state)
{
	return start(2);
}

static int setup4(void **state)
{
	return start(4);
}

static int teardown(void **state)
{
	crypto_helpers_fini();
	states_delete_all();
	log_reset_context();
	evloop_fini();
	log_set_hook(NULL);
	return 0;
}

/* ---- the pool ---------------------------------------------------------------- */

static void test_init_refusals(void **state)
{
	assert_int_equal(crypto_helpers_count(), 2);
	assert_int_equal(crypto_helpers_init(2), -EALREADY);
	crypto_helpers_fini();
	assert_int_equal(crypto_helpers_count(), -1);
	assert_int_equal(crypto_helpers_init(-1), -EINVAL);
	assert_int_equal(crypto_helpers_init(65), -EINVAL);
	/* before init a job is refused, and its data freed at once */
	struct tjob *j = calloc(1, sizeof(*j));
	assert_int_equal(crypto_helper_submit(0, &t_ops, j), -ENODEV);
	assert_int_equal(rec.cleaned, 1);
	assert_int_equal(crypto_helpers_init(2), 0);
}

static void test_jobs_complete_on_main_thread(void **state)
{
	for (unsigned i = 0; i < 8; i++)
		submit(NULL, i, 5, 0);
	/* nothing resumes before the event loop runs */
	assert_int_equal(rec.resumed, 0);
	assert_true(pump_until_cleaned(8));
	assert_int_equal(rec.resumed, 8);
	assert_int_equal(rec.off_main, 0); /* resume and cleanup: main thread only */
	assert_true(logged("test job took") && logged("in helper"));
}

/*
 * A job that finishes while the loop sleeps wakes it (the eventfd), not when the loop's
 * wait runs out; one that finishes while the loop is busy is taken at the start of its
 * next iteration.
 */
static void test_finished_job_wakes_the_loop(void **state)
{
	uint64_t t0 = evloop_now_ms();

	submit(NULL, 1, 100, 0);
	evloop_once(10000); /* nothing else to do: asleep until the helper is done */
	assert_int_equal(rec.cleaned, 1);
	assert_true(evloop_now_ms() - t0 < 5000);

	submit(NULL, 2, 0, 0);
	sleep_ms(100); /* busy: the job is done before the loop comes back */
	evloop_once(0);
	assert_int_equal(rec.cleaned, 2);
}

/* Workers: not the main thread, and more than one of them when jobs overlap. */
static pthread_t workers[16];
static unsigned nworkers;

static void w_resume(struct state *st, void *data)
{
	struct tjob *j = data;
	unsigned i;

	assert_false(pthread_equal(j->worker, main_thread));
	for (i = 0; i < nworkers && !pthread_equal(workers[i], j->worker); i++)
		;
	if (i == nworkers && nworkers < 16)
		workers[nworkers++] = j->worker;
	t_resume(st, data);
}

static void test_work_on_helpers(void **state)
{
	static const struct crypto_helper_ops ops = {"w", t_work, w_resume, t_cleanup};

	nworkers = 0;
	for (unsigned i = 0; i < 4; i++) {
		struct tjob *j = calloc(1, sizeof(*j));
		j->delay_ms = 100; /* long enough that both helpers take one */
		assert_int_equal(crypto_helper_submit(0, &ops, j), 0);
	}
	assert_true(pump_until_cleaned(4));
	assert_int_equal(rec.resumed, 4);
	assert_int_equal(nworkers, 2);
}

static void test_order_per_state(void **state)
{
	struct state *a = state_new(NULL, STATE_MAIN_I1);
	struct state *b = state_new(NULL, STATE_MAIN_R1);
	unsigned na = 0, nb = 0;

	/* later jobs are quicker: only the per-state ordering keeps them in line */
	for (unsigned i = 0; i < 10; i++) {
		submit(a, 100 + i, 10 - i, 0);
		submit(b, 200 + i, 10 - i, 0);
	}
	assert_true(crypto_helper_busy(a->serial));
	assert_true(pump_until_cleaned(20));
	assert_int_equal(rec.resumed, 20);
	for (unsigned i = 0; i < 20; i++) {
		if (rec.order[i] < 200)
			assert_int_equal(rec.order[i], 100 + na++);
		else
			assert_int_equal(rec.order[i], 200 + nb++);
	}
	assert_int_equal(na, 10);
	assert_int_equal(nb, 10);
	assert_false(crypto_helper_busy(a->serial));
	assert_false(crypto_helper_busy(b->serial));
}

static void b_resume(struct state *st, void *data)
{
	/* popped before resume: a job it submits now is the only one */
	assert_false(crypto_helper_busy(st->serial));
	t_resume(st, data);
}

static void test_busy(void **state)
{
	static const struct crypto_helper_ops ops = {"b", t_work, b_resume, t_cleanup};
	struct state *st = state_new(NULL, STATE_MAIN_R1);
	struct tjob *j = calloc(1, sizeof(*j));

	j->st = st;
	j->delay_ms = 50;
	assert_false(crypto_helper_busy(st->serial));
	assert_int_equal(crypto_helper_submit(st->serial, &ops, j), 0);
	assert_true(crypto_helper_busy(st->serial));
	assert_false(crypto_helper_busy(st->serial + 1));
	assert_true(pump_until_cleaned(1));
	assert_int_equal(rec.resumed, 1);
	assert_false(crypto_helper_busy(st->serial));
}

static void test_state_deleted_in_flight(void **state)
{
	struct state *st = state_new(NULL, STATE_MAIN_I2);
	unsigned long serial = st->serial;
	submit(st, 1, 100, OAKLEY_GROUP_MODP2048); /* something for cleanup to free */
	state_delete(st);
	assert_true(pump_until_cleaned(1));
	assert_int_equal(rec.resumed, 0);
	assert_null(state_by_serial(serial));
	assert_true(logged("is gone: discarding the result of test job"));
}

static void test_inline(void **state)
{
	struct state *st = state_new(NULL, STATE_MAIN_I1);
	struct tjob *j;

	assert_int_equal(crypto_helpers_count(), 0);
	j = submit(st, 7, 0, 0);
	/* the work was done in submit, on this thread; the resume waits for the loop */
	assert_true(j->worked);
	assert_true(pthread_equal(j->worker, main_thread));
	assert_int_equal(rec.resumed, 0);
	assert_true(crypto_helper_busy(st->serial));
	submit(st, 8, 0, 0);
	assert_true(pump_until_cleaned(2));
	assert_int_equal(rec.resumed, 2);
	assert_int_equal(rec.order[0], 7);
	assert_int_equal(rec.order[1], 8);
	assert_int_equal(rec.off_main, 0);
	assert_true(logged("took") && logged("inline"));
}

static void test_shutdown_with_jobs_in_flight(void **state)
{
	struct state *st = state_new(NULL, STATE_MAIN_R1);
	uint64_t t0;

	for (unsigned i = 0; i < 20; i++)
		submit(i % 2 ? st : NULL, i, 20, OAKLEY_GROUP_MODP2048);
	sleep_ms(5); /* let both helpers start one */
	t0 = evloop_now_ms();
	crypto_helpers_fini();
	/* the running jobs finish (20 ms), the queued ones never start, none resumes */
	assert_true(evloop_now_ms() - t0 < 5000);
	assert_int_equal(rec.cleaned, 20);
	assert_int_equal(rec.resumed, 0);
	assert_int_equal(rec.off_main, 0);
	assert_int_equal(crypto_helpers_count(), -1);
	assert_false(crypto_helper_busy(st->serial));
}

/* ---- the event loop does not wait for a helper -------------------------------- */

#define SLOW_MS 300 /* how long the slow job keeps a helper busy */

struct slow {
	uint64_t ms; /* time it took */
	unsigned rounds;
	int rc;
	bool resumed;
};

/* MODP4096 key pairs and shared secrets, one after another, for SLOW_MS at least. */
static void slow_work(void *data)
{
	struct slow *s = data;
	uint64_t t0 = evloop_now_ms();

	do {
		struct crypto_dh *a = NULL, *b = NULL;
		uint8_t ke[512], g[512];
		size_t kl = 0, gl = 0;

		if (crypto_dh_new(OAKLEY_GROUP_MODP4096, &a) != 0 ||
		    crypto_dh_new(OAKLEY_GROUP_MODP4096, &b) != 0 ||
		    crypto_dh_public(b, ke, sizeof(ke), &kl) != 0 ||
		    crypto_dh_shared(a, CRYPTO_CHUNK(ke, kl), g, sizeof(g), &gl) != NULL)
			s->rc = -1;
		crypto_dh_free(a);
		crypto_dh_free(b);
		s->rounds++;
	} while (evloop_now_ms() - t0 < SLOW_MS && s->rounds < 10000);
	s->ms = evloop_now_ms() - t0;
}

static void slow_resume(struct state *st, void *data)
{
	((struct slow *)data)->resumed = true;
}

static const struct crypto_helper_ops slow_ops = {"MODP4096", slow_work, slow_resume, NULL};

static struct {
	uint64_t last, max_gap;
	unsigned ticks;
} tick;

/* Every 10 ms, like a retransmission timer; remembers the longest wait between ticks. */
static void on_tick(void *arg)
{
	uint64_t now = evloop_now_ms();

	if (now - tick.last > tick.max_gap)
		tick.max_gap = now - tick.last;
	tick.last = now;
	tick.ticks++;
	evloop_timer_add(10, on_tick, NULL);
}

/* Start the ticks, submit the slow job, run the loop until it resumes. */
static void run_slow_job(struct slow *s)
{
	uint64_t end;

	tick.last = evloop_now_ms();
	evloop_timer_add(10, on_tick, NULL);
	for (int i = 0; i < 5; i++)
		evloop_once(20);
	tick.last = evloop_now_ms();
	tick.max_gap = 0;
	tick.ticks = 0;
	assert_int_equal(crypto_helper_submit(0, &slow_ops, s), 0);
	end = evloop_now_ms() + 30000;
	while (!s->resumed && evloop_now_ms() < end)
		evloop_once(-1);
	assert_true(s->resumed);
	assert_int_equal(s->rc, 0);
	print_message("# %s: MODP4096 job ran %llu ms (%u rounds); meanwhile the loop ticked "
		      "%u times, longest gap %llu ms\n",
		      crypto_helpers_count() ? "helper" : "inline", (unsigned long long)s->ms,
		      s->rounds, tick.ticks, (unsigned long long)tick.max_gap);
}

static void test_loop_runs_during_dh(void **state)
{
	struct slow s = {0};

	run_slow_job(&s);
	assert_true(s.ms >= SLOW_MS);
	/*
	 * 10 ms ticks all along: never a wait anywhere near the job's length.  (Under
	 * valgrind, which runs one thread at a time, this needs --fair-sched=yes.)
	 */
	assert_true(tick.ticks >= SLOW_MS / 10 / 3);
	assert_true(tick.max_gap < s.ms / 2);
}

static void test_inline_blocks_the_loop(void **state)
{
	struct slow s = {0};

	/* the contrast that shows the measurement works: inline, the loop waits it out */
	run_slow_job(&s);
	assert_true(tick.max_gap >= s.ms);
}

/* ---- the IKEv1 engine's jobs ------------------------------------------------------ */

static struct connection conn = {.name = "t"};
static unsigned ike_resumed;

static int setup_ike(void **state)
{
	conn.this = &conn.end[0];
	conn.that = &conn.end[1];
	ike_resumed = 0;
	ikev1_init();
	return start(2);
}

static enum ikev1_stf ke_resume(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	assert_true(pthread_equal(pthread_self(), main_thread));
	assert_int_equal(j->rc, 0);
	assert_non_null(j->dh);
	ikev1_job_take_ke(j, ikev1_sa(st));
	ike_resumed++;
	return STF_OK;
}

static void pump_ike(struct state *st)
{
	uint64_t end = evloop_now_ms() + 20000;

	while (crypto_helper_busy(st->serial) && evloop_now_ms() < end)
		evloop_once(50);
}

static void test_ikev1_ke_job(void **state)
{
	struct state *st = ikev1_state_new(&conn, STATE_QUICK_I1, true);
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ikev1_job *j = ikev1_dh_job(sizeof(*j), IKEV1_JOB_KE, sa, OAKLEY_GROUP_MODP2048);

	assert_non_null(j);
	assert_int_equal(ikev1_offload(st, j, ke_resume), STF_SUSPEND);
	assert_true(crypto_helper_busy(st->serial));
	pump_ike(st);
	assert_int_equal(ike_resumed, 1);
	assert_non_null(sa->dh); /* moved to the state: a later SHARED step needs it */
	assert_int_equal(sa->gi_len, 256);
	assert_true(logged("KE handed to a crypto helper"));
	state_delete(st);
}

static enum ikev1_stf never(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	fail_msg("resumed for a deleted state");
	return STF_FATAL;
}

static void test_ikev1_jobs_outlive_their_state(void **state)
{
	EVP_PKEY *key = crypto_rsa_generate(2048);
	struct state *st = ikev1_state_new(&conn, STATE_MAIN_R2, false);
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ikev1_job *ke = ikev1_dh_job(sizeof(*ke), IKEV1_JOB_KE | IKEV1_JOB_SHARED, sa,
					    OAKLEY_GROUP_MODP2048);
	struct ikev1_job *sign = ikev1_job_new(sizeof(*sign), IKEV1_JOB_SIGN);
	unsigned long serial = st->serial;

	assert_non_null(key);
	assert_true(ikev1_job_add_key(sign, key));
	EVP_PKEY_free(key); /* as --rereadsecrets would: the job's reference keeps it */
	sign->hash_len = 20;
	assert_int_equal(ikev1_offload(st, ke, never), STF_SUSPEND);
	assert_int_equal(ikev1_offload(st, sign, never), STF_SUSPEND);
	state_delete(st);
	for (int i = 0; i < 100 && crypto_helper_busy(serial); i++)
		evloop_once(50);
	assert_false(crypto_helper_busy(serial));
	/* key, DH pair and jobs are freed: LeakSanitizer checks it under SANITIZE=1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_refusals, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_complete_on_main_thread, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_work_on_helpers, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_finished_job_wakes_the_loop, setup1,
						teardown),
		cmocka_unit_test_setup_teardown(test_order_per_state, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_state_deleted_in_flight, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_inline, setup0, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_with_jobs_in_flight, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_loop_runs_during_dh, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_inline_blocks_the_loop, setup0, teardown),
		cmocka_unit_test_setup_teardown(test_ikev1_ke_job, setup_ike, teardown),
		cmocka_unit_test_setup_teardown(test_ikev1_jobs_outlive_their_state, setup_ike,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
