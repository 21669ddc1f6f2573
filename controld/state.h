/*
 * State objects: one per negotiation or established SA, numbered by serial (#N), each an
 * instantiation of a connection (the pluto manual, "Pluto's Internal State").
 */
#ifndef PLUTO_STATE_H
#define PLUTO_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "connections.h"

struct connection;
struct ctl_client;
struct evtimer;

/* FreeS/WAN's numbering: whack progress codes are RC_NEW_STATE + the state number. */
enum state_kind {
	STATE_UNDEFINED = 0,
	STATE_MAIN_R0 = 1,
	STATE_MAIN_I1 = 2,
	STATE_MAIN_R1 = 3,
	STATE_MAIN_I2 = 4,
	STATE_MAIN_R2 = 5,
	STATE_MAIN_I3 = 6,
	STATE_MAIN_R3 = 7,
	STATE_MAIN_I4 = 8,
	STATE_QUICK_R0 = 9,
	STATE_QUICK_I1 = 10,
	STATE_QUICK_R1 = 11,
	STATE_QUICK_I2 = 12,
	STATE_QUICK_R2 = 13,
	STATE_INFO = 14,
	STATE_INFO_PROTECTED = 15,
	STATE_KIND_COUNT
};

struct state {
	unsigned long serial;
	enum state_kind kind;
	struct connection *connection;
	unsigned long clonedfrom;	/* phase 2: the ISAKMP SA's serial */
	struct ctl_client *whack;	/* progress goes here (--initiate) */
	struct evtimer *event;		/* the one pending event */
	int event_type;			/* enum state_event (ikev1 code) */
	time_t created;
	void *proto;			/* the protocol engine's data (ikev1_sa) */
	struct state *next;
	struct state *conn_next;	/* the connection's states: c->states, last filed first */
	/* state.c's own: unlinking in O(1) and the two hash indexes below */
	struct state **pprev, **conn_pprev;
	struct state *serial_next, *key_next;
	uint64_t key;
	bool keyed;
};

extern struct state *states;

struct state *state_new(struct connection *c, enum state_kind kind);
/* Move a state to another connection (Quick Mode choosing another conn). */
void state_set_connection(struct state *st, struct connection *c);
/* Unlink and free; the protocol engine frees its part through the hook. */
void state_delete(struct state *st);
struct state *state_by_serial(unsigned long serial);
/*
 * A second index, by a key the protocol chooses (IKEv1: the initiator cookie, which all
 * the states of one ISAKMP SA share), so that finding the state of a message costs the
 * same with ten states or ten thousand.  state_set_key() (re)files st under key;
 * state_first_by_key() / state_next_by_key() walk the states filed under key, newest
 * first (the order of the states list).
 */
void state_set_key(struct state *st, uint64_t key);
struct state *state_first_by_key(uint64_t key);
struct state *state_next_by_key(const struct state *st);
unsigned long state_serial(const struct state *st);
const char *state_name(enum state_kind k);
const char *state_story(enum state_kind k);
bool state_is_phase1(enum state_kind k);
bool state_is_established(enum state_kind k);
/* Change state through one place: checks legality and logs "old -> new". */
void state_change(struct state *st, enum state_kind to);
/*
 * The states of the connections whose peer is at peer (connections_for_peer()), one
 * connection's after another, without scanning all states: peer_states() gives the first
 * (NULL: none), peer_states_next() the next.  Not to be used across a state_delete().
 * A connection's own: for (st = c->states; st != NULL; st = st->conn_next).
 */
struct peer_states {
	struct conn_cursor cc;
	struct connection *c;
	struct state *st;
};
struct state *peer_states(struct peer_states *it, const ip_address *peer);
struct state *peer_states_next(struct peer_states *it);

/*
 * Delete every state of a connection (phase 2 first).  The after_delete hook runs once
 * more at the end (an instance with nothing left goes then: c may be gone on return).
 */
void states_delete_connection(struct connection *c);
void states_delete_all(void);
unsigned states_count(void);
void states_status(void);

/* Hooks the protocol engine installs (ikev1.c): free its data, describe it in status. */
struct state_ops {
	void (*free_proto)(struct state *st);
	void (*status_detail)(const struct state *st, char *buf, unsigned len);
	void (*before_delete)(struct state *st); /* send Delete, remove kernel SAs */
	void (*after_delete)(struct connection *c); /* st is gone; c was its connection */
};
void state_set_ops(const struct state_ops *ops);

#endif
