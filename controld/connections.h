/*
 * The (potential) connection database, as the pluto manual describes it: named connections,
 * each with two ends; orientation decides which end is this host.
 */
#ifndef PLUTO_CONNECTIONS_H
#define PLUTO_CONNECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg_parse.h"
#include "id.h"
#include "ip_addr.h"
#include "whack_msg.h"

struct iface;
struct state;

struct end {
	const struct ike_id *id; /* kept (id_keep()); id_none: the host address */
	enum whack_host_type host_type;
	ip_address host;	/* unset for %any until instantiated */
	uint16_t ikeport;	/* where the peer listens (ours: --ikeport) */
	ip_address nexthop;	/* unset: %direct */
	bool has_client;
	ip_subnet client;	/* the host itself when !has_client */
	char *updown;		/* NULL: the default updown */
	bool dnskeyondemand;
};

enum routing {
	RT_UNROUTED,	      /* no route, no eroute */
	RT_ROUTED_PROSPECTIVE, /* TRAP eroute: traffic triggers negotiation */
	RT_ROUTED_TUNNEL,     /* eroute to an IPsec SA */
	RT_ROUTED_SHUNT,      /* a pass/drop/reject shunt eroute (type=passthrough etc.) */
};

enum conn_kind {
	CK_PERMANENT, /* both hosts known */
	CK_TEMPLATE,  /* peer host %any: instantiated per Road Warrior */
	CK_INSTANCE,  /* made from a template for one peer */
};

/* A place on a chain of connections (an index's bucket), kept in order of addition. */
struct conn_link {
	struct connection **chain; /* the chain's head (NULL: on none) */
	struct connection *next;
};

struct connection {
	char *name;
	enum conn_kind kind;
	unsigned long instance_no;    /* CK_INSTANCE: [N] */
	struct connection *template;  /* CK_INSTANCE: where it came from */
	unsigned long next_instance_no;

	struct end end[2];	      /* [0] left (before --to), [1] right */
	struct end *this, *that;      /* set by orientation; NULL if unoriented */
	struct iface *interface;      /* the interface this end lives on */

	uint32_t policy;	      /* enum policy_bit */
	int host_af, tunnel_af;
	uint32_t ikelifetime, ipseclifetime, rekeymargin, rekeyfuzz, keyingtries;
	char *ike_str, *esp_str;      /* as configured (NULL: defaults) */
	/* sized to their proposals; an instance shares these and the strings with its template */
	struct alg_list *ike_algs, *esp_algs;
	uint32_t debugging;	      /* added while dealing with this connection */
	/* dead peer detection (RFC 3706, ikev1_dpd.c): seconds; dpd_delay 0: none */
	uint32_t dpd_delay, dpd_timeout;
	enum whack_dpd_action dpd_action; /* never WHACK_DPD_DEFAULT once added */

	enum routing routing;
	bool route_wanted;	      /* routed by whack --route or auto=route, not just for an SA */
	bool up_pending, up_done;     /* routing.c: the updown up verb is due / has run */
	unsigned long newest_isakmp_sa, newest_ipsec_sa, eroute_owner;
	unsigned prospective_tries;   /* keying attempts made for the current SA */
	uint32_t reqid;		      /* its kernel SAs' and policies' (0: none yet) */
	unsigned nstates;	      /* states using it (state.c keeps the count) */
	struct state *states;	      /* state.c: those states, last filed first */
	bool deleting;		      /* connection_delete() is under way */
	bool tearing_down;	      /* states_delete_connection() is under way */
	bool ever_established;	      /* some SA of it was established */

	/* connections.c: the list, and the index by peer */
	uint64_t seq;		      /* order of addition: the list's order */
	struct connection *next, *prev;
	struct conn_link peer_link;
	/* routing.c: the index of routed connections by peer client */
	struct conn_link route_link;
};

/* All connections, in order of addition. */
extern struct connection *connections;

/*
 * Add from a whack connection form. Returns RC_SUCCESS (0 lines logged: the caller says
 * nothing) or an error code with *why set.
 */
enum rc_type connection_add(const struct whack_msg *m, const char **why);
struct connection *connection_find(const char *name);
/* Delete a connection: its states and routing go with it. */
void connection_delete(struct connection *c);
void connection_delete_all(void);
/* A Road Warrior instance of template t for a peer at peer (NULL without memory). */
struct connection *connection_instantiate(struct connection *t, const ip_address *peer);
/* Soon (from the event loop): delete the instances with no state and no routing left. */
void connections_reap_soon(void);
uint32_t connection_debugging(const struct connection *c);
/* "name" or "name"[N] peer, for log prefixes; returns the length written. */
size_t connection_fmt_prefix(const struct connection *c, char *buf, size_t len);

/*
 * File c on the chain at head through its link at offset link (offsetof(struct connection,
 * peer_link) ...), in order of addition; unfile it from whatever chain it is on.
 */
void conn_chain_file(struct connection **head, struct connection *c, size_t link);
void conn_chain_unfile(struct connection *c, size_t link);

/*
 * The connections a message from peer may be for, in order of addition: those whose peer
 * is at that address (oriented, instances included) and the templates (oriented).
 * Without scanning the others: connections_for_peer() gives the first (NULL: none), then
 * connections_for_peer_next() the next.
 */
struct conn_cursor {
	struct connection *p, *t;
	ip_address peer;
};
struct connection *connections_for_peer(struct conn_cursor *it, const ip_address *peer);
struct connection *connections_for_peer_next(struct conn_cursor *it);

/* Orientation: decide which end is ours from the interfaces; logs why it fails. */
bool connection_orient(struct connection *c, bool verbose);
/* Forget the orientation (the interface went, or --uniqueids moved the peer). */
void connection_unorient(struct connection *c);
void connections_reorient(void);
bool connection_oriented(const struct connection *c);
/* Is the connection's only role to build an ISAKMP SA (no IPsec policy bits)? */
bool connection_isakmp_only(const struct connection *c);

/* Status form: the connection part. */
void connections_status(void);

#endif
