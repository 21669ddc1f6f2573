/*
 * Crypto helper threads (--nhelpers): a fixed pool of threads that does the expensive
 * work of a negotiation (Diffie-Hellman, RSA) so that the event loop never waits for it.
 *
 * A job is a piece of pure computation on data that belongs to the job (work), and the
 * rest of the negotiation, run on the main thread with the result (resume).  Jobs wait
 * in one queue (mutex + condition variable); finished ones go to a second list and an
 * eventfd in the event loop wakes the main thread, which runs each one's resume there.
 *
 *   - work never touches states, connections, secrets or the log: everything it needs
 *     is copied into (or moved into, or referenced by) the job's data beforehand.
 *   - a job belongs to a state, named by its serial: resume finds the state with
 *     state_by_serial() and is not called when the state was deleted meanwhile (nor
 *     ever at shutdown).  cleanup then frees the data, in every case, on the main thread.
 *   - the jobs of one state run one at a time, and resume in the order submitted.
 *   - with nhelpers 0 the work is done inline, in crypto_helper_submit() on the main
 *     thread (the Libreswan page: "0 forces pluto to do all operations in the main
 *     process"); resume still runs from the event loop, so callers see one behaviour.
 *
 * Every function here is for the main thread (the event loop's).
 */
#ifndef PLUTO_CRYPTO_HELPERS_H
#define PLUTO_CRYPTO_HELPERS_H

#include <stdbool.h>

struct state;

struct crypto_helper_ops {
	const char *name; /* for debug lines: "IKEv1 DH" */
	/* On a helper thread (or inline): computation on data only. */
	void (*work)(void *data);
	/* On the main thread: st is the job's state (NULL for serial 0); not called if gone. */
	void (*resume)(struct state *st, void *data);
	/* On the main thread, last, whatever happened: free data.  May be NULL. */
	void (*cleanup)(void *data);
};

/*
 * Start nhelpers threads (0: inline mode; at most 64; -1 must be resolved by the caller)
 * and register the completion eventfd with the event loop, which must exist.  After
 * the daemon fork: threads do not survive fork().  Returns 0 or -errno.
 */
int crypto_helpers_init(int nhelpers);
/* Stop and join the threads, then clean up every job not yet resumed (none resumes). */
void crypto_helpers_fini(void);
/*
 * Queue a job for the state with this serial (0: no state).  data belongs to the pool
 * from here on, even on failure (-ENOMEM, -ENODEV before init), when cleanup has freed
 * it before this returns.  Returns 0 or -errno.
 */
int crypto_helper_submit(unsigned long serial, const struct crypto_helper_ops *ops, void *data);
/* Has the state a job queued, running or waiting to resume? */
bool crypto_helper_busy(unsigned long serial);
/* Threads in the pool (0: inline mode), -1 before init. */
int crypto_helpers_count(void);

#endif /* PLUTO_CRYPTO_HELPERS_H */
