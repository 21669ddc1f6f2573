/*
 * pluto's side of the BPF dataplane (docs/dataplane.md): eroutes and SPIs in the maps follow
 * the connections' routing and the installed IPsec SAs; TRAP events from the ring buffer
 * start negotiations; the programs go on every public interface pluto listens on.
 *
 * The maps are derived, never edited piecemeal: a sync computes what the connections and
 * states want (TRAP for a routed connection, its shunt, IPSEC with the eroute owner's SPIs;
 * the SPIs of every installed SA) and applies the difference.  A change syncs what it
 * touched (one connection's eroute, one state's SPIs), which costs a lookup whatever the
 * number of tunnels; a full sync, O(connections + states), runs once the current event is
 * handled after an SA goes, and every ten seconds as a safety net.  The routing itself
 * (c->routing, the eroute owner) is routing.c's.  With --no-bpf all of it is a no-op.
 */
#ifndef PLUTO_DATAPLANE_GLUE_H
#define PLUTO_DATAPLANE_GLUE_H

#include <stdbool.h>
#include <stdint.h>

struct connection;
struct state;

/*
 * Start-up (before the daemon fork): clean what a crashed pluto left, load, pin. 0 or -errno
 * (logged). Under --noklips a dataplane that cannot load (an unprivileged test pluto, as in
 * the manual's example) is logged once and pluto goes on without it.
 */
int dataplane_init(void);
/* Shutdown: detach from every interface, remove the pinned maps. */
void dataplane_fini(void);
/* The public interfaces changed (rescan, --unlisten): attach to new ones, detach from gone. */
void dataplane_ifaces_changed(void);

/* The eroute of c's pair of clients: what its routed owner wants, or none. */
void dataplane_sync_conn(const struct connection *c);
/* The SPIs of st's installed SAs: into the maps (their removal waits for a full sync). */
void dataplane_sync_sa(const struct state *st);
/* engine_route(): c's eroute, and say (loglog RC_ROUTE) if it could not be installed. */
int dataplane_route(struct connection *c);
/*
 * A full sync once the current event is handled (ikev1_ipsec.c, when an SA goes; routing.c,
 * when a connection loses its routing): the SA may be going with its connection, whose TRAP
 * eroute must not flash into the maps meanwhile.
 */
void dataplane_sync_soon(void);

/*
 * Busy (the half-open limit is reached, or --force-busy): XDP drops IKE from a source
 * beyond PL_IKE_RATE_DEFAULT packets a second (bursts of PL_IKE_BURST_DEFAULT).
 */
void dataplane_set_ike_busy(bool busy);

/* whack --status: the eroutes, SAs and counters (nothing under --no-bpf). */
void dataplane_status(void);
/*
 * For --dontrekey's "recent traffic": milliseconds since an ESP packet of the SA last
 * passed the dataplane, either direction; UINT64_MAX if none ever did (or no BPF).
 */
uint64_t dataplane_sa_idle_ms(const struct state *st);

#endif
