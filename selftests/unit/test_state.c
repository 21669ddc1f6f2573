/*
 * State objects (controld/state.c): each connection's list of its states (c->states,
 * last filed first) and its count kept through creation, moves between connections and
 * deletion; states_delete_connection() deleting one phase after the other, also when
 * deleting one state deletes others (the before_delete hook does here what a Road
 * Warrior's last Delete can do); states_delete_all() leaving nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "connections.h"
#include "pluto.h"
#include "state.h"

struct pluto_config pluto; /* main.c's, which the engine reads */

static struct connection a = {.name = "a"}, b = {.name = "b"};
static char order[64]; /* the kinds in order of deletion: '1' phase 1, '2' phase 2 */
static unsigned long also_delete; /* before_delete of any state deletes this one too */

static void before_delete(struct state *st)
{
	size_t n = strlen(order);

	if (n + 1 < sizeof(order)) {
		order[n] = state_is_phase1(st->kind) ? '1' : '2';
		order[n + 1] = '\0';
	}
	if (also_delete != 0 && st->serial != also_delete) {
		struct state *o = state_by_serial(also_delete);
		also_delete = 0;
		if (o != NULL)
			state_delete(o);
	}
}

/*
 * after_delete may free the connection (a Road Warrior instance with nothing left): it
 * must not be called for it while states_delete_connection() still uses it, and the
 * connection must not be touched after a call that freed it (a "freed" one is poisoned
 * here; under the sanitizers the real one is freed).
 */
static struct connection *freeable; /* after_delete "frees" this one once it has no state */
static unsigned freed;

static void after_delete(struct connection *c)
{
	if (c != freeable || c->nstates > 0 || c->tearing_down)
		return;
	memset(c, 0x5a, sizeof(*c));
	freeable = NULL;
	freed++;
}

static const struct state_ops ops = {.before_delete = before_delete, .after_delete = after_delete};

/* c's list: the count, each state's connection, back links consistent */
static void check_list(const struct connection *c)
{
	unsigned n = 0;
	struct state *const *pp = &c->states;

	for (const struct state *st = c->states; st != NULL; st = st->conn_next) {
		assert_ptr_equal(st->conn_pprev, pp);
		assert_ptr_equal(st->connection, c);
		pp = &st->conn_next;
		n++;
	}
	assert_int_equal(n, c->nstates);
}

static int setup(void **unused)
{
	(void)unused;
	state_set_ops(&ops);
	order[0] = '\0';
	also_delete = 0;
	freeable = NULL;
	freed = 0;
	return 0;
}

static int teardown(void **unused)
{
	(void)unused;
	states_delete_all();
	assert_null(states);
	assert_null(a.states);
	assert_null(b.states);
	assert_int_equal(a.nstates + b.nstates, 0);
	return 0;
}

static void test_lists(void **unused)
{
	(void)unused;
	struct state *s1 = state_new(&a, STATE_MAIN_I1);
	struct state *s2 = state_new(&b, STATE_MAIN_R1);
	struct state *s3 = state_new(&a, STATE_QUICK_I1);
	struct state *s4 = state_new(NULL, STATE_MAIN_R0);

	assert_ptr_equal(a.states, s3);
	assert_ptr_equal(s3->conn_next, s1);
	assert_ptr_equal(b.states, s2);
	check_list(&a);
	check_list(&b);
	state_set_connection(s1, &b); /* a Main Mode responder finding its connection */
	check_list(&a);
	check_list(&b);
	assert_ptr_equal(a.states, s3);
	assert_null(s3->conn_next);
	assert_ptr_equal(b.states, s1);
	state_set_connection(s4, &a);
	assert_ptr_equal(a.states, s4);
	check_list(&a);
	state_delete(s3); /* from the middle */
	check_list(&a);
	assert_ptr_equal(a.states, s4);
	state_delete(s1); /* the head */
	check_list(&b);
	assert_ptr_equal(b.states, s2);
	state_set_connection(s2, NULL);
	assert_null(b.states);
	assert_int_equal(b.nstates, 0);
}

static void test_delete_connection(void **unused)
{
	(void)unused;
	for (int i = 0; i < 4; i++) {
		state_new(&a, STATE_MAIN_I4);
		state_new(&b, STATE_MAIN_R3);
		state_new(&a, STATE_QUICK_I2);
	}
	states_delete_connection(&a);
	assert_string_equal(order, "22221111"); /* IPsec SAs first */
	assert_null(a.states);
	assert_int_equal(a.nstates, 0);
	assert_false(a.tearing_down);
	check_list(&b);
	assert_int_equal(b.nstates, 4);
}

static void test_delete_deletes_others(void **unused)
{
	(void)unused;
	struct state *st[6];

	for (int i = 0; i < 6; i++)
		st[i] = state_new(&a, i % 2 ? STATE_QUICK_R2 : STATE_MAIN_R3);
	state_new(&b, STATE_QUICK_R2);
	/* the first state visited (st[5]) deletes the next in the walk (st[4]): from the top */
	also_delete = st[4]->serial;
	states_delete_connection(&a);
	assert_string_equal(order, "212211");
	assert_null(a.states);
	assert_int_equal(b.nstates, 1);
	/* and across connections, with states_delete_all() */
	order[0] = '\0';
	for (int i = 0; i < 4; i++)
		st[i] = state_new(i % 2 ? &a : &b, STATE_QUICK_I2);
	also_delete = st[2]->serial; /* st[3]'s next in the list of all states */
	states_delete_all();
	assert_string_equal(order, "22222");
	assert_null(states);
}

static void test_connection_goes_at_the_end(void **unused)
{
	(void)unused;
	static struct connection inst = {.name = "instance"};
	for (int i = 0; i < 2; i++) {
		state_new(&inst, STATE_MAIN_R3);
		state_new(&inst, STATE_QUICK_R2);
	}
	freeable = &inst;
	states_delete_connection(&inst); /* would write tearing_down into a freed one */
	assert_int_equal(freed, 1);
	assert_string_equal(order, "2211");
	memset(&inst, 0, sizeof(inst)); /* (static: back for the teardown's checks) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_deletes_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_goes_at_the_end, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
