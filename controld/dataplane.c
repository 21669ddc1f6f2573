/*
 * pluto's side of the BPF dataplane (dataplane.h): the maps follow the connections and
 * states; TRAP events start negotiations; the programs follow the public interfaces; a
 * thread renews the lease that keeps the programs acting (docs/dataplane.md). A thread,
 * not a timer: an updown command or a long computation may hold the event loop for longer
 * than the lease, but only pluto's death should end it.
 */
#include "dataplane.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "../loader/loader.h"
#include "connections.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ikev1_sa.h"
#include "ktable.h"
#include "log.h"
#include "pluto.h"
#include "state.h"

#define HEARTBEAT_MS 1000
#define PENDING_RETRY_MS 5000 /* a failed negotiation: let the next packet trap again */
#define FULL_SYNC_BEATS 10

/*
 * An eroute pluto put in the maps; keyed by src and dst, which must stay adjacent, and
 * in a second table by the map's id (TRAP events name it).
 */
struct dp_eroute {
	struct kt_entry e; /* e.wanted: a full sync's mark */
	struct pl_sel src, dst;
	struct pl_er_spec spec;
	struct kt_entry by_id;
	uint32_t id;
	bool pending; /* a TRAP event was acted on */
	uint64_t pending_ms;
};

/* An SPI pluto put in the maps; keyed by spi and dir. */
struct dp_spi {
	struct kt_entry e;
	uint32_t spi; /* network order */
	uint32_t dir;
};

struct dp_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	bool attached; /* false: not attachable (loopback, a refused kind), remembered */
	bool seen;
};

struct dataplane {
	struct pl_dp *dp;
	struct ring_buffer *rb;
	int rb_fd;
	struct evtimer *heartbeat, *deferred;
	pthread_t lease_thread;
	bool lease_running;
	struct ktable ers, spis, ers_by_id;
	unsigned beats; /* heartbeats since the last full sync */
	struct dp_iface ifs[PLUTO_MAX_INTERFACES];
	int nifs;
};

#define DATAPLANE_INIT                                                                   \
	{                                                                                \
		.rb_fd = -1,                                                             \
		.ers = KTABLE_INIT(struct dp_eroute, src, 2 * sizeof(struct pl_sel)),     \
		.spis = KTABLE_INIT(struct dp_spi, spi, 2 * sizeof(uint32_t)),            \
		.ers_by_id = {.keyoff = offsetof(struct dp_eroute, id) -                 \
					offsetof(struct dp_eroute, by_id),              \
			      .keylen = sizeof(uint32_t)},                               \
	}
static struct dataplane g = DATAPLANE_INIT;

/* --- what connections and states want ---------------------------------------------------- */

static bool sel_from(const ip_subnet *s, struct pl_sel *out)
{
	memset(out, 0, sizeof(*out));
	if (s->addr.af != AF_INET && s->addr.af != AF_INET6)
		return false;
	out->family = s->addr.af == AF_INET ? PL_AF_INET : PL_AF_INET6;
	out->len = s->maskbits;
	memcpy(out->addr, s->addr.bytes, 16);
	return true;
}

static bool sel_eq(const struct pl_sel *a, const struct pl_sel *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

static void ipsec_spec(const struct connection *c, struct pl_er_spec *spec)
{
	struct state *st = state_by_serial(c->eroute_owner);
	const struct ikev1_sa *sa = st != NULL ? ikev1_sa(st) : NULL;

	if (sa == NULL) {
		spec->action = PL_ACT_TRAP; /* cannot happen: an owner without SA data */
		return;
	}
	spec->action = PL_ACT_IPSEC;
	memcpy(&spec->spi_out, sa->ipsec.peer_spi, 4);
	memcpy(&spec->spi_in, sa->ipsec.our_spi, 4);
	memcpy(spec->peer, sa->peer.bytes, 16);
}

/* The eroute connection c wants, if any. */
static bool want(const struct connection *c, struct pl_sel *src, struct pl_sel *dst,
		 struct pl_er_spec *spec)
{
	if (c->routing == RT_UNROUTED || !connection_oriented(c) ||
	    !sel_from(&c->this->client, src) || !sel_from(&c->that->client, dst) ||
	    src->family != dst->family)
		return false;
	memset(spec, 0, sizeof(*spec));
	if (c->policy & POLICY_DISABLEARRIVALCHECK)
		spec->flags |= PL_ER_F_NO_ARRIVAL_CHECK;
	switch (c->routing) {
	case RT_ROUTED_SHUNT:
		spec->action = (c->policy & POLICY_SHUNT_PASS)	 ? PL_ACT_PASS
			       : (c->policy & POLICY_SHUNT_DROP) ? PL_ACT_DROP
								 : PL_ACT_REJECT;
		break;
	case RT_ROUTED_TUNNEL:
		ipsec_spec(c, spec);
		break;
	default:
		spec->action = PL_ACT_TRAP;
		break;
	}
	return true;
}

static struct dp_eroute *er_at(size_t i)
{
	return (struct dp_eroute *)g.ers.items[i];
}

static struct dp_eroute *er_find(const struct pl_sel *src, const struct pl_sel *dst)
{
	struct pl_sel key[2] = {*src, *dst};

	return (struct dp_eroute *)kt_find(&g.ers, key);
}

static void subnet_from_sel(const struct pl_sel *s, ip_subnet *out)
{
	memset(out, 0, sizeof(*out));
	out->addr.af = s->family == PL_AF_INET ? AF_INET : AF_INET6;
	memcpy(out->addr.bytes, s->addr, 16);
	out->maskbits = s->len;
}

/*
 * The connection whose eroute src -> dst is, and what it wants there; NULL if none wants
 * it.  Only routed connections with dst as their peer client can: routing.c's index.
 */
static struct connection *pair_owner(const struct pl_sel *src, const struct pl_sel *dst,
				     struct pl_er_spec *spec)
{
	struct pl_sel s, d;
	ip_subnet client;

	subnet_from_sel(dst, &client);
	for (struct connection *c = routing_next_routed(&client, NULL); c != NULL;
	     c = routing_next_routed(&client, c)) {
		if (want(c, &s, &d, spec) && sel_eq(&s, src) && sel_eq(&d, dst))
			return c;
	}
	return NULL;
}

/* The connection whose eroute r is (NULL: none, any more). */
static struct connection *er_owner(const struct dp_eroute *r)
{
	struct pl_er_spec spec;

	return pair_owner(&r->src, &r->dst, &spec);
}

/* --- sync ------------------------------------------------------------------------------- */

static int er_add(const struct pl_sel *s, const struct pl_sel *d, const struct pl_er_spec *spec)
{
	struct dp_eroute *r = calloc(1, sizeof(*r));
	int e;

	if (r == NULL)
		return -ENOMEM;
	*r = (struct dp_eroute){.src = *s, .dst = *d, .spec = *spec, .e.wanted = true};
	e = kt_add(&g.ers, &r->e);
	if (e == 0 && (e = pl_eroute_add(g.dp, s, d, spec, &r->id)) < 0)
		kt_del(&g.ers, &r->e);
	else if (e == 0 && (e = kt_add(&g.ers_by_id, &r->by_id)) < 0) {
		pl_eroute_del(g.dp, r->id);
		kt_del(&g.ers, &r->e);
	}
	if (e < 0) {
		free(r);
		return e;
	}
	dbg(DBG_BPF, "eroute #%u added (%s)", r->id, pl_action_name(spec->action));
	return 0;
}

static void er_update(struct dp_eroute *r, const struct pl_er_spec *spec)
{
	r->e.wanted = true;
	if (memcmp(&r->spec, spec, sizeof(*spec)) == 0)
		return;
	if (pl_eroute_set(g.dp, r->id, spec) == 0) {
		dbg(DBG_BPF, "eroute #%u: %s -> %s", r->id, pl_action_name(r->spec.action),
		    pl_action_name(spec->action));
		if (spec->action != PL_ACT_TRAP)
			r->pending = false;
		r->spec = *spec;
	}
}

static void er_del(struct dp_eroute *r)
{
	dbg(DBG_BPF, "eroute #%u removed", r->id);
	pl_eroute_del(g.dp, r->id);
	kt_del(&g.ers, &r->e);
	kt_del(&g.ers_by_id, &r->by_id);
	free(r);
}

/*
 * The eroute src -> dst made what its owner wants, or taken out when no routed connection
 * wants it: the cost of one lookup, not of all connections.  Returns the error of adding
 * it (0: in place, or not wanted).
 */
static int sync_pair(const struct pl_sel *src, const struct pl_sel *dst)
{
	struct pl_er_spec spec;
	struct dp_eroute *r = er_find(src, dst);

	if (pair_owner(src, dst, &spec) == NULL) {
		if (r != NULL)
			er_del(r);
		return 0;
	}
	if (r != NULL) {
		er_update(r, &spec);
		return 0;
	}
	return er_add(src, dst, &spec);
}

/* All eroutes from all connections: O(connections + eroutes). */
static void sync_eroutes(void)
{
	struct pl_sel s, d;
	struct pl_er_spec spec;
	int e;

	for (size_t i = 0; i < g.ers.n; i++)
		g.ers.items[i]->wanted = false;
	for (const struct connection *c = connections; c != NULL; c = c->next) {
		if (!want(c, &s, &d, &spec))
			continue;
		struct dp_eroute *r = er_find(&s, &d);
		if (r != NULL && !r->e.wanted)
			er_update(r, &spec);
		else if (r == NULL && (e = er_add(&s, &d, &spec)) < 0)
			plog_rl("cannot install the eroute of \"%s\": %s", c->name, strerror(-e));
	}
	for (size_t i = 0; i < g.ers.n;) {
		if (g.ers.items[i]->wanted)
			i++;
		else
			er_del(er_at(i)); /* the last one moves to i */
	}
}

static void spi_want(uint32_t spi, uint32_t dir)
{
	uint32_t key[2] = {spi, dir};
	struct kt_entry *e = kt_find(&g.spis, key);
	struct dp_spi *p;

	if (e != NULL) {
		e->wanted = true;
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	*p = (struct dp_spi){.spi = spi, .dir = dir, .e.wanted = true};
	if (kt_add(&g.spis, &p->e) < 0) {
		free(p);
	} else if (pl_spi_add(g.dp, spi, dir) < 0) {
		kt_del(&g.spis, &p->e);
		free(p);
	}
}

/* The SPIs of st's installed SAs into the maps (what is there already is marked wanted). */
static void state_spis(const struct state *st)
{
	const struct ikev1_sa *sa = st->proto != NULL ? ikev1_sa(st) : NULL;
	uint32_t spi;

	if (sa == NULL || state_is_phase1(st->kind))
		return;
	if (sa->ipsec.installed & IKEV1_INSTALLED_IN) {
		memcpy(&spi, sa->ipsec.our_spi, 4);
		spi_want(spi, PL_DIR_IN);
	}
	if (sa->ipsec.installed & IKEV1_INSTALLED_OUT) {
		memcpy(&spi, sa->ipsec.peer_spi, 4);
		spi_want(spi, PL_DIR_OUT);
	}
}

static void sync_spis(void)
{
	for (size_t i = 0; i < g.spis.n; i++)
		g.spis.items[i]->wanted = false;
	for (const struct state *st = states; st != NULL; st = st->next)
		state_spis(st);
	for (size_t i = 0; i < g.spis.n;) {
		struct dp_spi *p = (struct dp_spi *)g.spis.items[i];
		if (p->e.wanted) {
			i++;
			continue;
		}
		pl_spi_del(g.dp, p->spi, p->dir);
		kt_del(&g.spis, &p->e);
		free(p);
	}
}

static void sync_all(void)
{
	sync_eroutes();
	sync_spis();
	g.beats = 0;
}

void dataplane_sync_sa(const struct state *st)
{
	if (g.dp != NULL)
		state_spis(st);
}

/* c's eroute now; its error (0: in place, or c wants none). */
static int sync_conn(const struct connection *c)
{
	struct pl_sel s, d;

	if (g.dp == NULL || !connection_oriented(c) || !sel_from(&c->this->client, &s) ||
	    !sel_from(&c->that->client, &d))
		return 0;
	return sync_pair(&s, &d);
}

void dataplane_sync_conn(const struct connection *c)
{
	sync_conn(c);
}

int dataplane_route(struct connection *c)
{
	int r = sync_conn(c);

	if (r < 0)
		loglog(RC_ROUTE, "cannot route: the eroute cannot go into the BPF maps: %s",
		       r == -ENOSPC ? "they are full" : strerror(-r));
	return r;
}

static void deferred_sync(void *arg)
{
	g.deferred = NULL;
	sync_all();
}

void dataplane_sync_soon(void)
{
	if (g.dp != NULL && g.deferred == NULL)
		g.deferred = evloop_timer_add(0, deferred_sync, NULL);
}

/* --- TRAP events ------------------------------------------------------------------------ */

static bool negotiating(const struct connection *c)
{
	for (const struct state *st = states; st != NULL; st = st->next) {
		if (st->connection == c && !state_is_established(st->kind))
			return true;
	}
	return false;
}

static struct dp_eroute *er_by_id(uint32_t id)
{
	struct kt_entry *e = kt_find(&g.ers_by_id, &id);

	return e != NULL ? (struct dp_eroute *)((char *)e - offsetof(struct dp_eroute, by_id))
			 : NULL;
}

static void log_demand(const struct pl_trap_event *e)
{
	ip_address s = {.af = e->family == PL_AF_INET ? AF_INET : AF_INET6};
	ip_address d = s;

	memcpy(s.bytes, e->src, 16);
	memcpy(d.bytes, e->dst, 16);
	plog("initiate on demand from %s:%u to %s:%u proto=%u because of a TRAP eroute",
	     ip_addr_str(&s), e->sport, ip_addr_str(&d), e->dport, e->proto);
}

static int on_trap(void *ctx, void *data, size_t len)
{
	const struct pl_trap_event *e = data;
	struct dp_eroute *r;
	struct connection *c;

	if (len < sizeof(*e))
		return 0;
	r = er_by_id(e->eroute);
	if (r == NULL || r->spec.action != PL_ACT_TRAP) {
		dbg(DBG_BPF, "TRAP event for eroute #%u, which is no longer a TRAP", e->eroute);
		return 0;
	}
	c = er_owner(r);
	if (c == NULL || c->routing != RT_ROUTED_PROSPECTIVE) {
		pl_pending_clear(g.dp, r->id);
		return 0;
	}
	r->pending = true;
	r->pending_ms = evloop_now_ms();
	log_set_context(c, NULL);
	if (negotiating(c)) {
		dbg(DBG_BPF, "TRAP event: already negotiating");
	} else {
		log_demand(e);
		engine_initiate(c, NULL, true);
	}
	log_reset_context();
	return 0;
}

static void on_ring(int fd, uint32_t events, void *arg)
{
	ring_buffer__consume(g.rb);
}

/* A negotiation that failed (nothing in flight, no SA): the next packet may trap again. */
static void expire_pending(void)
{
	uint64_t now = evloop_now_ms();

	for (size_t i = 0; i < g.ers.n; i++) {
		struct dp_eroute *r = er_at(i);
		if (!r->pending || now - r->pending_ms < PENDING_RETRY_MS)
			continue;
		struct connection *c = er_owner(r);
		if (c != NULL && negotiating(c))
			continue;
		dbg(DBG_BPF, "eroute #%u: no negotiation in flight; TRAP armed again", r->id);
		pl_pending_clear(g.dp, r->id);
		r->pending = false;
	}
}

/* The lease: renewed every second by a thread of its own (started after the daemon fork). */
static pthread_mutex_t lease_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lease_cond = PTHREAD_COND_INITIALIZER;
static bool lease_stop;

static void *lease_main(void *arg)
{
	struct pl_dp *dp = arg;
	struct timespec t;

	pthread_mutex_lock(&lease_lock);
	while (!lease_stop) {
		pl_dp_set_lease(dp, pl_now_ns() + PL_LEASE_NS);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += HEARTBEAT_MS / 1000;
		pthread_cond_timedwait(&lease_cond, &lease_lock, &t);
	}
	pthread_mutex_unlock(&lease_lock);
	return NULL;
}

static void lease_thread_stop(void)
{
	if (!g.lease_running)
		return;
	pthread_mutex_lock(&lease_lock);
	lease_stop = true;
	pthread_cond_signal(&lease_cond);
	pthread_mutex_unlock(&lease_lock);
	pthread_join(g.lease_thread, NULL);
	g.lease_running = false;
}

static void heartbeat(void *arg)
{
	g.heartbeat = evloop_timer_add(HEARTBEAT_MS, heartbeat, NULL);
	if (!g.lease_running && arg != NULL) {
		lease_stop = false;
		g.lease_running = pthread_create(&g.lease_thread, NULL, lease_main, g.dp) == 0;
		if (!g.lease_running)
			plog("cannot start the BPF lease thread: the dataplane stops acting in "
			     "%llus",
			     PL_LEASE_NS / 1000000000ull);
	}
	if (!g.lease_running)
		pl_dp_set_lease(g.dp, pl_now_ns() + PL_LEASE_NS);
	expire_pending();
	/* every change syncs what it touched; this is a safety net, at O(connections + states) */
	if (++g.beats >= FULL_SYNC_BEATS)
		sync_all();
}

/* --- interfaces ------------------------------------------------------------------------- */

static void iface_attach(const struct iface *p)
{
	struct dp_iface *d = &g.ifs[g.nifs++];
	struct pl_attach_result res;
	int r;

	memset(d, 0, sizeof(*d));
	d->ifindex = p->ifindex;
	d->seen = true;
	snprintf(d->name, sizeof(d->name), "%s", p->name);
	r = pl_dp_attach(g.dp, p->ifindex, false, &res);
	if (r == -EOPNOTSUPP && res.link.arphrd == ARPHRD_LOOPBACK) {
		dbg(DBG_BPF, "no BPF programs on %s: loopback", p->name);
		return;
	}
	if (r == -EOPNOTSUPP) {
		/* docs/dataplane.md, "Interfaces": which device kinds, and why */
		plog("no BPF dataplane on %s (link type %u): %s; nothing there enforces eroutes",
		     p->name, res.link.arphrd, res.link.why);
		return;
	}
	if (r < 0) {
		plog("cannot attach the BPF dataplane to %s: %s", p->name, strerror(-r));
		return;
	}
	d->attached = true;
	if (res.l3)
		plog("BPF dataplane attached to %s: TC ingress and egress for a device without a "
		     "link-layer header (link type %u); no XDP: ESP to unknown SPIs is not "
		     "dropped there",
		     p->name, res.link.arphrd);
	else if (res.xdp)
		plog("BPF dataplane attached to %s: XDP, TC ingress and egress", p->name);
	else
		plog("BPF dataplane attached to %s: TC ingress and egress; XDP not (%s): "
		     "ESP to unknown SPIs is not dropped there",
		     p->name, strerror(-res.xdp_err));
}

void dataplane_ifaces_changed(void)
{
	if (g.dp == NULL)
		return;
	for (int i = 0; i < g.nifs; i++)
		g.ifs[i].seen = false;
	for (const struct iface *p = interfaces; p != NULL; p = p->next) {
		int i;
		for (i = 0; i < g.nifs && g.ifs[i].ifindex != p->ifindex; i++)
			;
		if (i < g.nifs)
			g.ifs[i].seen = true;
		else if (p->ifindex > 0 && g.nifs < PLUTO_MAX_INTERFACES)
			iface_attach(p);
	}
	for (int i = 0; i < g.nifs;) {
		struct dp_iface *d = &g.ifs[i];
		if (d->seen) {
			i++;
			continue;
		}
		if (d->attached) {
			pl_dp_detach(g.dp, d->ifindex);
			plog("BPF dataplane detached from %s", d->name);
		}
		*d = g.ifs[--g.nifs];
	}
}

/* --- start and stop ----------------------------------------------------------------------- */

/* libbpf's warnings, as debug lines (--debug-bpf). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (level == LIBBPF_DEBUG || !DBG(DBG_BPF))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	dbg_log("%s", buf); /* libbpf says "libbpf: " itself */
	return 0;
}

/* The BPF filesystem refuses '.' in names (a --rundir from mktemp has one). */
static void pin_dir_fix(void)
{
	char *base = strrchr(pluto.bpf_pin_dir, '/');

	for (char *p = base != NULL ? base : pluto.bpf_pin_dir; *p != '\0'; p++) {
		if (*p == '.')
			*p = '+';
	}
}

int dataplane_init(void)
{
	struct pl_opts o = {.pin_dir = pluto.bpf_pin_dir, .ike_port = pluto.ikeport};
	const char *why = NULL;
	int r;

	if (pluto.nobpf)
		return 0; /* pluto_log_settings() said so */
	libbpf_set_print(libbpf_log);
	pin_dir_fix();
	/* what a pluto that crashed left: its filters on our interfaces, its pinned maps */
	pl_cleanup_all(pluto.bpf_pin_dir);
	r = pl_dp_load(&o, &g.dp, &why);
	if (r < 0 && pluto.noklips) {
		/* the manual's unprivileged test pluto: nothing is installed anyway */
		plog("no BPF dataplane: %s: %s; --noklips: continuing without it", why,
		     strerror(-r));
		return 0;
	}
	if (r < 0) {
		plog("cannot start the BPF dataplane: %s: %s (--no-bpf runs without it)", why,
		     strerror(-r));
		return r;
	}
	g.rb = ring_buffer__new(pl_dp_map_fd(g.dp, PL_MAP_EVENTS), on_trap, NULL, NULL);
	r = g.rb == NULL ? -errno : 0;
	if (r == 0) {
		g.rb_fd = ring_buffer__epoll_fd(g.rb);
		r = evloop_add_fd(g.rb_fd, EPOLLIN, on_ring, NULL);
	}
	if (r < 0) {
		plog("cannot start the BPF dataplane: its ring buffer: %s", strerror(-r));
		dataplane_fini();
		return r;
	}
	/* now (before the fork: no thread yet), then from the event loop (starts the thread) */
	pl_dp_set_lease(g.dp, pl_now_ns() + PL_LEASE_NS);
	g.heartbeat = evloop_timer_add(0, heartbeat, &g);
	plog("BPF dataplane loaded; maps pinned in %s", pluto.bpf_pin_dir);
	return 0;
}

void dataplane_set_ike_busy(bool busy)
{
	int r;

	if (g.dp == NULL)
		return;
	r = pl_dp_set_ike_busy(g.dp, busy, 0, 0);
	if (r < 0)
		plog("cannot %s IKE rate limiting in XDP: %s", busy ? "start" : "stop", strerror(-r));
	else
		dbg(DBG_BPF, "XDP: IKE rate limiting per source %s", busy ? "on" : "off");
}

/* A table of ours and its entries (each entry the start of the dp_eroute or dp_spi). */
static void free_table(struct ktable *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i]);
	kt_free(t);
}

void dataplane_fini(void)
{
	if (g.dp == NULL)
		return;
	lease_thread_stop();
	if (g.heartbeat != NULL)
		evloop_timer_cancel(g.heartbeat);
	if (g.deferred != NULL)
		evloop_timer_cancel(g.deferred);
	if (g.rb_fd >= 0)
		evloop_del_fd(g.rb_fd);
	ring_buffer__free(g.rb);
	pl_dp_close(g.dp, true); /* detaches from every interface, unpins */
	kt_free(&g.ers_by_id); /* (the same entries as ers) */
	free_table(&g.ers);
	free_table(&g.spis);
	g = (struct dataplane)DATAPLANE_INIT;
	plog("BPF dataplane unloaded: no program attached, %s removed", pluto.bpf_pin_dir);
}

/* --- status, traffic ---------------------------------------------------------------------- */

static const char *ago(uint64_t last_ns, char *buf, size_t len)
{
	uint64_t now = pl_now_ns();

	if (last_ns == 0)
		return "never";
	snprintf(buf, len, "%llus ago", (unsigned long long)((now - last_ns) / 1000000000ull));
	return buf;
}

static void status_eroute(const struct dp_eroute *r)
{
	const struct connection *c = er_owner(r);
	struct pl_er_stats st = {0};
	const struct state *owner = c != NULL ? state_by_serial(c->eroute_owner) : NULL;
	char prefix[256] = "", a[64], b[64], to[80];

	if (c != NULL)
		connection_fmt_prefix(c, prefix, sizeof(prefix));
	pl_sel_format(&r->src, a, sizeof(a));
	pl_sel_format(&r->dst, b, sizeof(b));
	pl_eroute_stats(g.dp, r->id, &st);
	snprintf(to, sizeof(to), "%s", pl_action_name(r->spec.action));
	if (r->spec.action == PL_ACT_IPSEC && owner != NULL && owner->proto != NULL)
		snprintf(to, sizeof(to), "esp.%x@%s", ntohl(r->spec.spi_out),
			 ip_addr_str(&ikev1_sa(owner)->peer));
	whack_log(RC_COMMENT,
		  "%s eroute %s -> %s => %s; out: %llu packets, %llu bytes, %llu dropped, %llu "
		  "trap events; in: %llu packets, %llu dropped%s",
		  prefix, a, b, to, (unsigned long long)st.out_packets,
		  (unsigned long long)st.out_bytes, (unsigned long long)st.out_dropped,
		  (unsigned long long)st.traps, (unsigned long long)st.in_packets,
		  (unsigned long long)st.in_dropped, r->pending ? "; negotiation triggered" : "");
}

static void status_sa(const struct state *st, uint32_t spi, uint32_t dir)
{
	struct pl_sa_stats s = {0};
	char prefix[256], when[32];

	connection_fmt_prefix(st->connection, prefix, sizeof(prefix));
	pl_spi_stats(g.dp, spi, dir, &s);
	whack_log(RC_COMMENT, "%s #%lu: esp.%x (%s): %llu packets, %llu bytes, last %s", prefix,
		  st->serial, ntohl(spi), dir == PL_DIR_IN ? "in" : "out",
		  (unsigned long long)s.packets, (unsigned long long)s.bytes,
		  ago(s.last_ns, when, sizeof(when)));
}

static void status_counters(void)
{
	uint64_t v[PL_CNT_MAX];
	char line[1024];
	size_t o = 0;

	if (pl_counters_read(g.dp, v) < 0)
		return;
	for (unsigned i = 0; i < PL_CNT_MAX; i++) {
		if (v[i] == 0)
			continue;
		if (o > 900) {
			whack_log(RC_COMMENT, "BPF counters:%s", line);
			o = 0;
		}
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %s %llu", pl_counter_name(i),
				      (unsigned long long)v[i]);
	}
	if (o > 0)
		whack_log(RC_COMMENT, "BPF counters:%s", line);
}

void dataplane_status(void)
{
	char names[256] = "";
	size_t o = 0;

	if (g.dp == NULL)
		return;
	for (int i = 0; i < g.nifs; i++) {
		if (g.ifs[i].attached && o < sizeof(names) - IF_NAMESIZE - 2)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o ? " " : "",
					      g.ifs[i].name);
	}
	whack_log(RC_COMMENT, " ");
	whack_log(RC_COMMENT, "BPF dataplane: maps in %s; programs on %s", pluto.bpf_pin_dir,
		  o ? names : "no interface");
	for (size_t i = 0; i < g.ers.n; i++)
		status_eroute(er_at(i));
	for (const struct state *st = states; st != NULL; st = st->next) {
		const struct ikev1_sa *sa = st->proto != NULL ? ikev1_sa(st) : NULL;
		uint32_t spi;
		if (sa == NULL || state_is_phase1(st->kind) || !sa->ipsec.installed)
			continue;
		memcpy(&spi, sa->ipsec.our_spi, 4);
		if (sa->ipsec.installed & IKEV1_INSTALLED_IN)
			status_sa(st, spi, PL_DIR_IN);
		memcpy(&spi, sa->ipsec.peer_spi, 4);
		if (sa->ipsec.installed & IKEV1_INSTALLED_OUT)
			status_sa(st, spi, PL_DIR_OUT);
	}
	status_counters();
}

uint64_t dataplane_sa_idle_ms(const struct state *st)
{
	const struct ikev1_sa *sa = st->proto != NULL ? ikev1_sa(st) : NULL;
	struct pl_sa_stats in = {0}, out = {0};
	uint32_t spi_in, spi_out;
	uint64_t last;

	if (g.dp == NULL || sa == NULL)
		return UINT64_MAX;
	memcpy(&spi_in, sa->ipsec.our_spi, 4);
	memcpy(&spi_out, sa->ipsec.peer_spi, 4);
	pl_spi_stats(g.dp, spi_in, PL_DIR_IN, &in);
	pl_spi_stats(g.dp, spi_out, PL_DIR_OUT, &out);
	last = in.last_ns > out.last_ns ? in.last_ns : out.last_ns;
	if (last == 0)
		return UINT64_MAX;
	return (pl_now_ns() - last) / 1000000ull;
}
