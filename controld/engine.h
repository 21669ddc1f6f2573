/*
 * What the control plane asks of the protocol engine and the dataplane: route, initiate,
 * terminate; and what runs once pluto listens (auto=route / auto=start connections).
 */
#ifndef PLUTO_ENGINE_H
#define PLUTO_ENGINE_H

#include <stdbool.h>

#include "ip_addr.h"

struct connection;
struct ctl_client;

/* whack --route: a TRAP eroute for the connection (the manual's conflict rules apply). */
void engine_route(struct connection *c);
/* whack --unroute; deleting: the connection is going away, so its SAs are too. */
void engine_unroute(struct connection *c, bool deleting);
/* whack --initiate: progress goes to whack unless async. */
void engine_initiate(struct connection *c, struct ctl_client *whack, bool async);
/* whack --terminate: delete the connection's SAs and stop its negotiations. */
void engine_terminate(struct connection *c);
/*
 * An IPsec SA (state serial) of c is being installed / is going: the eroute moves into
 * it, routing first if needed (updown prepare and route verbs; up once it is installed,
 * down when it goes). routing_sa_up fails if the connection cannot be routed.
 */
bool routing_sa_up(struct connection *c, unsigned long serial);
/* The SA that routing_sa_up() was for is in the kernel: the up verb, if one is due. */
void routing_sa_installed(struct connection *c);
void routing_sa_down(struct connection *c, unsigned long serial);
/* SA "from", which owned c's eroute, goes; SA "to", still in the kernel, takes it over. */
void routing_sa_handover(struct connection *c, unsigned long from, unsigned long to);
/*
 * The index of routed connections by peer client, which the conflict checks use instead of
 * scanning every connection: routing_refile() after c's ends may have changed (orientation),
 * routing_forget() to drop c's routing silently (the connection goes, or lost its interface).
 */
void routing_refile(struct connection *c);
void routing_forget(struct connection *c);
/* The routed connections whose peer client is client: after d (NULL: the first), or NULL. */
struct connection *routing_next_routed(const ip_subnet *client, struct connection *d);
/* After whack --listen: route auto=route connections, initiate auto=start ones. */
void engine_listen_done(void);
/* Status: shunts and what the engine holds beyond connections and states. */
void engine_status(void);
/* Shut down: delete every state (telling peers where the protocol says so). */
void engine_shutdown(void);

/* Load (or reload) ipsec.secrets; on any error the previous secrets stay. */
void pluto_load_secrets(void);
struct secrets;
/* The secrets in force (NULL before the first load). */
const struct secrets *pluto_secrets(void);

#endif
