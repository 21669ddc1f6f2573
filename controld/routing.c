/*
 * Routing and eroutes, as the pluto manual's "Pluto's Internal State" describes them:
 * a connection may be routed (a TRAP eroute: traffic for its clients triggers negotiation),
 * and must be while it has an IPsec SA; conflicting routes are taken down unless an IPsec
 * SA uses them.
 */
#include <string.h>

#include "connections.h"
#include "dataplane.h"
#include "engine.h"
#include "ifaces.h"
#include "log.h"
#include "pluto.h"
#include "state.h"
#include "updown.h"

static void remove_route(struct connection *c);

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

	for (struct connection *d = connections; d != NULL; d = d->next) {
		if ((what = conflict(c, d)) != NULL && d->routing == RT_ROUTED_TUNNEL) {
			loglog(RC_ROUTE, "cannot route -- %s already in use for \"%s\"", what,
			       d->name);
			return false;
		}
	}
	for (struct connection *d = connections; d != NULL; d = d->next) {
		if ((what = conflict(c, d)) != NULL) {
			plog("taking down the %s of \"%s\", which conflicts", what, d->name);
			d->routing = RT_UNROUTED;
		}
	}
	return true;
}

/* Is another connection with the same pair of clients routed (so prepare is not run)? */
static bool clients_routed_elsewhere(const struct connection *c)
{
	for (const struct connection *d = connections; d != NULL; d = d->next) {
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
	c->routing = (c->policy & POLICY_SHUNT_MASK) ? RT_ROUTED_SHUNT : RT_ROUTED_PROSPECTIVE;
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

	c->routing = RT_UNROUTED;
	c->route_wanted = false;
	dataplane_sync(); /* its eroute goes, even if the route stays */
	for (struct connection *d = connections; d != NULL; d = d->next) {
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
 * An IPsec SA of c is installed: its eroute now leads into the SA. Routing comes first
 * (the manual: "if none is in place at the time an IPsec SA is being installed, pluto
 * attempts to set one up"), then the up verb for a new pair of clients.
 */
bool routing_sa_up(struct connection *c, unsigned long serial)
{
	if (c->routing == RT_UNROUTED || c->routing == RT_ROUTED_SHUNT) {
		if (!install_route(c))
			return false;
	}
	if (c->routing != RT_ROUTED_TUNNEL)
		updown_run(c, "up");
	c->routing = RT_ROUTED_TUNNEL;
	c->eroute_owner = serial;
	return true;
}

/* The IPsec SA that owns c's eroute is gone: back to a trap if routing was asked for. */
void routing_sa_down(struct connection *c, unsigned long serial)
{
	if (c->routing != RT_ROUTED_TUNNEL || c->eroute_owner != serial)
		return;
	updown_run(c, "down");
	c->eroute_owner = 0;
	if (c->route_wanted)
		c->routing = RT_ROUTED_PROSPECTIVE;
	else
		remove_route(c);
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
