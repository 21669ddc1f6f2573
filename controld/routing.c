/*
 * Routing and eroutes, as the pluto manual's "Pluto's Internal State" describes them:
 * a connection may be routed (a TRAP eroute: traffic for its clients triggers negotiation),
 * and must be while it has an IPsec SA; conflicting routes are taken down unless an IPsec
 * SA uses them.
 */
#include <string.h>

#include "connections.h"
#include "chash.h"
#include "crypto.h"
#include "dataplane.h"
#include "engine.h"
#include "ifaces.h"
#include "log.h"
#include "pluto.h"
#include "state.h"
#include "updown.h"

static void remove_route(struct connection *c);

/*
 * Routed connections (routing other than RT_UNROUTED) filed by their peer client: every
 * conflict (same route, same eroute) and every sharing of a route is between connections
 * with the same peer client, so the checks walk one chain, not all connections.  Chains
 * are in order of addition; a connection is filed whenever it is routed (set_routing()).
 */
static uint64_t client_hash(const ip_subnet *client)
{
	return ip_subnet_hash(client, crypto_hash_seed());
}

static uint64_t hash_of_client(const void *c)
{
	return client_hash(&((const struct connection *)c)->that->client);
}

static void client_moved(void *c, void *head)
{
	((struct connection *)c)->route_link.chain = head;
}

static struct chash by_client = CHASH_INIT(struct connection, route_link.next, hash_of_client,
					   client_moved);

#define ROUTE_LINK offsetof(struct connection, route_link)

/* (Re)file c under its peer client. */
static void client_file(struct connection *c)
{
	bool filed = c->route_link.chain != NULL;

	conn_chain_file(chash_slot(&by_client, client_hash(&c->that->client)), c, ROUTE_LINK);
	if (!filed)
		chash_added(&by_client);
}

static void set_routing(struct connection *c, enum routing r)
{
	c->routing = r;
	if (r == RT_UNROUTED && c->route_link.chain != NULL) {
		conn_chain_unfile(c, ROUTE_LINK);
		chash_removed(&by_client);
	} else if (r != RT_UNROUTED && c->route_link.chain == NULL) {
		client_file(c);
	}
}

void routing_refile(struct connection *c)
{
	if (c->routing != RT_UNROUTED && connection_oriented(c))
		client_file(c);
}

void routing_forget(struct connection *c)
{
	if (c->routing == RT_UNROUTED)
		return;
	set_routing(c, RT_UNROUTED);
	dataplane_sync_soon(); /* its eroute goes */
}

struct connection *routing_next_routed(const ip_subnet *client, struct connection *d)
{
	d = d != NULL ? d->route_link.next : chash_first(&by_client, client_hash(client));
	while (d != NULL && !ip_subnet_eq(&d->that->client, client))
		d = d->route_link.next;
	return d;
}

/* The first routed connection after d (NULL: the first) with c's peer client. */
static struct connection *next_routed(const struct connection *c, struct connection *d)
{
	return routing_next_routed(&c->that->client, d);
}

static bool same_route(const struct connection *a, const struct connection *b)
{
	return ip_subnet_eq(&a->that->client, &b->that->client);
}

/* The nexthop a route uses: the configured one, or the peer itself (%direct). */
static const ip_address *route_nexthop(const struct connection *c)
{
	return ip_addr_is_set(&c->this->nexthop) ? &c->this->nexthop : &c->that->host;
}

static bool same_path(const struct connection *a, const struct connection *b)
{
	/* the same device: pluto has one iface per address, a route goes out of a device */
	return a->interface != NULL && b->interface != NULL &&
	       strcmp(a->interface->name, b->interface->name) == 0 &&
	       ip_addr_eq(route_nexthop(a), route_nexthop(b));
}

static bool same_eroute(const struct connection *a, const struct connection *b)
{
	return ip_subnet_eq(&a->this->client, &b->this->client) &&
	       ip_subnet_eq(&a->that->client, &b->that->client);
}

/* What d's routing has that conflicts with routing c: "route", "eroute" or NULL. */
static const char *conflict(const struct connection *c, const struct connection *d)
{
	if (d == c || d->routing == RT_UNROUTED || !connection_oriented(d))
		return NULL;
	if (same_route(c, d) && !same_path(c, d))
		return "route";
	if (same_eroute(c, d))
		return "eroute";
	return NULL;
}

/*
 * Take down what conflicts with routing c, unless an IPsec SA uses any of it: then fail
 * and take down nothing.
 */
static bool clear_conflicts(struct connection *c)
{
	const char *what;

	for (struct connection *d = next_routed(c, NULL); d != NULL; d = next_routed(c, d)) {
		if ((what = conflict(c, d)) != NULL && d->routing == RT_ROUTED_TUNNEL) {
			loglog(RC_ROUTE, "cannot route -- %s already in use for \"%s\"", what,
			       d->name);
			return false;
		}
	}
	for (struct connection *d = next_routed(c, NULL), *next; d != NULL; d = next) {
		next = next_routed(c, d);
		if ((what = conflict(c, d)) != NULL) {
			plog("taking down the %s of \"%s\", which conflicts", what, d->name);
			set_routing(d, RT_UNROUTED);
			/* its eroute goes; one that is c's too changes in place when c's is synced */
			if (!same_eroute(c, d))
				dataplane_sync_conn(d);
		}
	}
	return true;
}

/* Is another connection with the same pair of clients routed (so prepare is not run)? */
static bool clients_routed_elsewhere(struct connection *c)
{
	for (struct connection *d = next_routed(c, NULL); d != NULL; d = next_routed(c, d)) {
		if (d != c && d->routing != RT_UNROUTED && connection_oriented(d) &&
		    same_eroute(c, d))
			return true;
	}
	return false;
}

/* Conflicts cleared, then the updown prepare and route verbs (the manual's order). */
static bool install_route(struct connection *c)
{
	if (!clear_conflicts(c))
		return false;
	if (c->policy & POLICY_SHUNT_MASK)
		return true;
	if (!clients_routed_elsewhere(c))
		updown_run(c, "prepare");
	if (!updown_run(c, "route")) {
		loglog(RC_ROUTE, "could not route: the route-%s command failed",
		       c->this->has_client ? "client" : "host");
		return false;
	}
	return true;
}

void engine_route(struct connection *c)
{
	if (!connection_oriented(c)) {
		loglog(RC_ORIENT, "we have no interface for either end of this connection");
		return;
	}
	if (c->kind == CK_TEMPLATE) {
		loglog(RC_ROUTE, "cannot route a Road Warrior template (its peer is %%any)");
		return;
	}
	if (c->that->host_type == WHACK_HOST_OPPORTUNISTIC) {
		loglog(RC_ROUTE, "cannot route an opportunistic connection: opportunism is not "
				 "supported yet");
		return;
	}
	if (c->routing != RT_UNROUTED) {
		dbg(DBG_CONTROL, "already routed");
		return;
	}
	if (!install_route(c))
		return;
	c->route_wanted = true;
	set_routing(c, (c->policy & POLICY_SHUNT_MASK) ? RT_ROUTED_SHUNT : RT_ROUTED_PROSPECTIVE);
	if (dataplane_route(c) < 0) { /* its TRAP or shunt eroute */
		remove_route(c);
		return;
	}
	plog("route installed: %s === %s (%s)", ip_subnet_str(&c->this->client),
	     ip_subnet_str(&c->that->client),
	     c->routing == RT_ROUTED_SHUNT ? "shunt" : "trap");
}

void engine_unroute(struct connection *c, bool deleting)
{
	if (c->routing == RT_UNROUTED) {
		if (!deleting)
			dbg(DBG_CONTROL, "not routed");
		return;
	}
	if (c->routing == RT_ROUTED_TUNNEL && !deleting) {
		loglog(RC_RTBUSY, "cannot unroute: route busy (an IPsec SA uses it)");
		return;
	}
	remove_route(c);
}

/* Take the routing down; the route itself stays while another connection shares it. */
static void remove_route(struct connection *c)
{
	bool shunt = c->routing == RT_ROUTED_SHUNT;

	set_routing(c, RT_UNROUTED);
	c->route_wanted = false;
	dataplane_sync_conn(c); /* its eroute goes, even if the route stays */
	for (struct connection *d = next_routed(c, NULL); d != NULL; d = next_routed(c, d)) {
		if (d != c && d->routing != RT_UNROUTED && connection_oriented(d) &&
		    same_route(c, d) && same_path(c, d)) {
			plog("route left in place: \"%s\" shares it", d->name);
			return;
		}
	}
	if (!shunt)
		updown_run(c, "unroute");
	plog("route removed");
}

/*
 * An IPsec SA of c is being installed: its eroute will lead into the SA. Routing comes
 * first (the manual: "if none is in place at the time an IPsec SA is being installed,
 * pluto attempts to set one up"); the up verb, for a new pair of clients, once the SA is
 * in (routing_sa_installed()), as FreeS/WAN ran it: the tunnel need not wait for it.
 */
bool routing_sa_up(struct connection *c, unsigned long serial)
{
	if (c->routing == RT_UNROUTED || c->routing == RT_ROUTED_SHUNT) {
		if (!install_route(c))
			return false;
	}
	if (c->routing != RT_ROUTED_TUNNEL)
		c->up_pending = true;
	set_routing(c, RT_ROUTED_TUNNEL);
	c->eroute_owner = serial;
	return true;
}

void routing_sa_installed(struct connection *c)
{
	if (!c->up_pending)
		return;
	c->up_pending = false;
	updown_run(c, "up");
	c->up_done = true;
}

/* The IPsec SA that owns c's eroute is gone: back to a trap if routing was asked for. */
void routing_sa_down(struct connection *c, unsigned long serial)
{
	if (c->routing != RT_ROUTED_TUNNEL || c->eroute_owner != serial)
		return;
	c->up_pending = false; /* (its SA never went in) */
	if (c->up_done)
		updown_run(c, "down");
	c->up_done = false;
	c->eroute_owner = 0;
	if (c->route_wanted)
		set_routing(c, RT_ROUTED_PROSPECTIVE);
	else
		remove_route(c);
}

void routing_sa_handover(struct connection *c, unsigned long from, unsigned long to)
{
	if (c->routing == RT_ROUTED_TUNNEL && c->eroute_owner == from)
		c->eroute_owner = to; /* the tunnel stays up: no down verb */
}

void engine_listen_done(void)
{
	for (struct connection *c = connections; c != NULL; c = c->next) {
		if (!(c->policy & (POLICY_ROUTE | POLICY_UP)) || !connection_oriented(c))
			continue;
		log_set_context(c, NULL);
		if ((c->policy & POLICY_ROUTE) && c->routing == RT_UNROUTED)
			engine_route(c);
		if ((c->policy & POLICY_UP) && c->newest_isakmp_sa == 0)
			engine_initiate(c, NULL, true);
		log_reset_context();
	}
}

void engine_status(void)
{
	whack_log(RC_COMMENT, " ");
	whack_log(RC_COMMENT, "Bare Shunt list:");
	dataplane_status();
}
