/* State objects and their serial numbers. */
#include "state.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chash.h"
#include "connections.h"
#include "crypto.h"
#include "ctl.h"
#include "evloop.h"
#include "ip_addr.h"
#include "log.h"

struct state *states;
static unsigned long next_serial = 1;
static const struct state_ops *ops;

/*
 * Keys are cookies, and a peer chooses the initiator cookie: keyed by a secret seed, it
 * cannot pick cookies that all land in one bucket.
 */
static uint64_t key_hash(uint64_t key)
{
	return hash_mix64(key ^ crypto_hash_seed());
}

static uint64_t hash_of_serial(const void *st)
{
	return ((const struct state *)st)->serial;
}

static uint64_t hash_of_key(const void *st)
{
	return key_hash(((const struct state *)st)->key);
}

/* Chained hash tables over the states (chash.h): by serial and by key. */
static struct chash by_serial = CHASH_INIT(struct state, serial_next, hash_of_serial, NULL);
static struct chash by_key = CHASH_INIT(struct state, key_next, hash_of_key, NULL);

static struct state **key_chain(uint64_t key)
{
	return chash_slot(&by_key, key_hash(key));
}

static void unkey(struct state *st)
{
	if (!st->keyed)
		return;
	chash_unfile(&by_key, key_hash(st->key), st);
	st->keyed = false;
}

void state_set_key(struct state *st, uint64_t key)
{
	unkey(st);
	st->key = key;
	st->keyed = true;
	/* newest first, as in the states list: a new state has the highest serial */
	struct state **pp = key_chain(key);
	while (*pp != NULL && (*pp)->serial > st->serial)
		pp = &(*pp)->key_next;
	st->key_next = *pp;
	*pp = st;
	chash_added(&by_key);
}

struct state *state_first_by_key(uint64_t key)
{
	struct state *st = chash_first(&by_key, key_hash(key));

	while (st != NULL && st->key != key)
		st = st->key_next;
	return st;
}

struct state *state_next_by_key(const struct state *st)
{
	struct state *n = st->key_next;

	while (n != NULL && n->key != st->key)
		n = n->key_next;
	return n;
}

static const struct {
	const char *name;
	const char *story;
} kinds[STATE_KIND_COUNT] = {
	[STATE_UNDEFINED] = { "STATE_UNDEFINED", "not set" },
	[STATE_MAIN_R0] = { "STATE_MAIN_R0", "expecting MI1" },
	[STATE_MAIN_I1] = { "STATE_MAIN_I1", "sent MI1, expecting MR1" },
	[STATE_MAIN_R1] = { "STATE_MAIN_R1", "sent MR1, expecting MI2" },
	[STATE_MAIN_I2] = { "STATE_MAIN_I2", "sent MI2, expecting MR2" },
	[STATE_MAIN_R2] = { "STATE_MAIN_R2", "sent MR2, expecting MI3" },
	[STATE_MAIN_I3] = { "STATE_MAIN_I3", "sent MI3, expecting MR3" },
	[STATE_MAIN_R3] = { "STATE_MAIN_R3", "sent MR3, ISAKMP SA established" },
	[STATE_MAIN_I4] = { "STATE_MAIN_I4", "ISAKMP SA established" },
	[STATE_QUICK_R0] = { "STATE_QUICK_R0", "expecting QI1" },
	[STATE_QUICK_I1] = { "STATE_QUICK_I1", "sent QI1, expecting QR1" },
	[STATE_QUICK_R1] = { "STATE_QUICK_R1", "sent QR1, inbound IPsec SA installed, expecting QI2" },
	[STATE_QUICK_I2] = { "STATE_QUICK_I2", "sent QI2, IPsec SA established" },
	[STATE_QUICK_R2] = { "STATE_QUICK_R2", "IPsec SA established" },
	[STATE_INFO] = { "STATE_INFO", "got Informational Message in clear" },
	[STATE_INFO_PROTECTED] = { "STATE_INFO_PROTECTED", "got encrypted Informational Message" },
};

void state_set_ops(const struct state_ops *o)
{
	ops = o;
}

const char *state_name(enum state_kind k)
{
	return k < STATE_KIND_COUNT && kinds[k].name ? kinds[k].name : "STATE_UNKNOWN";
}

const char *state_story(enum state_kind k)
{
	return k < STATE_KIND_COUNT && kinds[k].story ? kinds[k].story : "unknown";
}

bool state_is_phase1(enum state_kind k)
{
	return k >= STATE_MAIN_R0 && k <= STATE_MAIN_I4;
}

bool state_is_established(enum state_kind k)
{
	return k == STATE_MAIN_R3 || k == STATE_MAIN_I4 || k == STATE_QUICK_I2 ||
	       k == STATE_QUICK_R2;
}

unsigned long state_serial(const struct state *st)
{
	return st->serial;
}

/* File st on c's list of states (last filed first), or take it off. */
static void conn_link(struct state *st, struct connection *c)
{
	st->connection = c;
	if (c == NULL)
		return;
	c->nstates++;
	st->conn_next = c->states;
	if (c->states != NULL)
		c->states->conn_pprev = &st->conn_next;
	st->conn_pprev = &c->states;
	c->states = st;
}

static void conn_unlink(struct state *st)
{
	if (st->connection == NULL)
		return;
	st->connection->nstates--;
	*st->conn_pprev = st->conn_next;
	if (st->conn_next != NULL)
		st->conn_next->conn_pprev = st->conn_pprev;
	st->conn_next = NULL;
	st->conn_pprev = NULL;
}

struct state *state_new(struct connection *c, enum state_kind kind)
{
	struct state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->serial = next_serial++;
	st->kind = kind;
	conn_link(st, c);
	st->created = time(NULL);
	/* newest at the head; status sorts by serial */
	st->next = states;
	if (states != NULL)
		states->pprev = &st->next;
	st->pprev = &states;
	states = st;
	chash_file(&by_serial, st->serial, st);
	dbg(DBG_LIFECYCLE, "creating state object #%lu for \"%s\" in %s", st->serial,
	    c ? c->name : "?", state_name(kind));
	return st;
}

struct state *state_by_serial(unsigned long serial)
{
	for (struct state *st = chash_first(&by_serial, serial); st != NULL; st = st->serial_next) {
		if (st->serial == serial)
			return st;
	}
	return NULL;
}

void state_set_connection(struct state *st, struct connection *c)
{
	conn_unlink(st);
	conn_link(st, c);
}

void state_change(struct state *st, enum state_kind to)
{
	if (to == st->kind)
		return;
	if (to <= STATE_UNDEFINED || to >= STATE_KIND_COUNT) {
		plog("internal error: state #%lu asked to move to invalid state %d", st->serial,
		     (int)to);
		return;
	}
	dbg(DBG_CONTROL, "state #%lu: %s -> %s", st->serial, state_name(st->kind),
	    state_name(to));
	st->kind = to;
}

void state_delete(struct state *st)
{
	if (ops != NULL && ops->before_delete != NULL)
		ops->before_delete(st);
	*st->pprev = st->next;
	if (st->next != NULL)
		st->next->pprev = st->pprev;
	chash_unfile(&by_serial, st->serial, st);
	unkey(st);
	dbg(DBG_LIFECYCLE, "deleting state #%lu (%s)", st->serial, state_name(st->kind));
	if (st->event != NULL)
		evloop_timer_cancel(st->event);
	if (ops != NULL && ops->free_proto != NULL && st->proto != NULL)
		ops->free_proto(st);
	if (st->whack != NULL)
		ctl_client_release(st->whack);
	struct connection *c = st->connection;
	if (c != NULL) {
		if (c->newest_isakmp_sa == st->serial)
			c->newest_isakmp_sa = 0;
		if (c->newest_ipsec_sa == st->serial)
			c->newest_ipsec_sa = 0;
		conn_unlink(st);
	}
	free(st);
	if (c != NULL && ops != NULL && ops->after_delete != NULL)
		ops->after_delete(c);
}

struct state *peer_states(struct peer_states *it, const ip_address *peer)
{
	it->c = connections_for_peer(&it->cc, peer);
	it->st = NULL;
	return peer_states_next(it);
}

struct state *peer_states_next(struct peer_states *it)
{
	it->st = it->st != NULL ? it->st->conn_next : it->c != NULL ? it->c->states : NULL;
	while (it->st == NULL && it->c != NULL) {
		it->c = connections_for_peer_next(&it->cc);
		it->st = it->c != NULL ? it->c->states : NULL;
	}
	return it->st;
}

/*
 * Delete c's states (NULL: all) of one phase.  Deleting one may delete others: the walk
 * goes on from the next one if that is still there (found again by serial), else from
 * the top.
 */
static void delete_matching(struct connection *c, bool phase1)
{
	struct state *st, *next;

	for (st = c != NULL ? c->states : states; st != NULL; st = next) {
		next = c != NULL ? st->conn_next : st->next;
		if (state_is_phase1(st->kind) != phase1)
			continue;
		unsigned long resume = next != NULL ? next->serial : 0;
		state_delete(st);
		next = resume != 0 ? state_by_serial(resume) : NULL;
		if (resume != 0 && (next == NULL || (c != NULL && next->connection != c)))
			next = c != NULL ? c->states : states;
	}
}

void states_delete_connection(struct connection *c)
{
	/* no SA of it takes over from another, and c stays until its states are gone */
	c->tearing_down = true;
	delete_matching(c, false);
	delete_matching(c, true);
	c->tearing_down = false;
	if (ops != NULL && ops->after_delete != NULL)
		ops->after_delete(c); /* now an instance with nothing left may go (c with it) */
}

void states_delete_all(void)
{
	delete_matching(NULL, false);
	delete_matching(NULL, true);
}

unsigned states_count(void)
{
	unsigned n = 0;

	for (struct state *st = states; st != NULL; st = st->next)
		n++;
	return n;
}

static int cmp_serial(const void *a, const void *b)
{
	const struct state *x = *(struct state *const *)a, *y = *(struct state *const *)b;

	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

void states_status(void)
{
	unsigned n = states_count();
	struct state **v = n ? calloc(n, sizeof(*v)) : NULL;
	unsigned i = 0;

	if (n > 0 && v == NULL)
		return;
	for (struct state *st = states; st != NULL; st = st->next)
		v[i++] = st;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_serial);
	for (i = 0; i < n; i++) {
		const struct state *st = v[i];
		char prefix[256], detail[512] = "";
		connection_fmt_prefix(st->connection, prefix, sizeof(prefix));
		if (ops != NULL && ops->status_detail != NULL)
			ops->status_detail(st, detail, sizeof(detail));
		whack_log(RC_COMMENT, "#%lu: %s %s (%s)%s%s", st->serial, prefix,
			  state_name(st->kind), state_story(st->kind), detail[0] ? "; " : "",
			  detail);
	}
	free(v);
}
