/* The connection database: add, find, delete, orient. */
#include "connections.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chash.h"
#include "crypto.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "log.h"
#include "pluto.h"
#include "state.h"
#include "strmap.h"

struct connection *connections;
/*
 * With thousands of connections, adding each must not scan all the others: the names of
 * the permanent and template connections are indexed (instances share their template's
 * name and are not), and the list is doubly linked with its last element remembered.
 */
static struct strmap by_name = STRMAP_INIT;
static struct connection *last;
static uint64_t next_seq = 1;

/*
 * Nor may a message from a peer (thousands of Road Warrior instances): oriented connections
 * other than templates are filed by their peer's address in a hash keyed by a random seed
 * (peers choose their addresses), the oriented templates on a list of their own, each
 * chain in order of addition.
 */
static uint64_t peer_hash(const ip_address *peer)
{
	return ip_addr_hash(peer, crypto_hash_seed());
}

static uint64_t hash_of_peer(const void *c)
{
	return peer_hash(&((const struct connection *)c)->that->host);
}

static void peer_moved(void *c, void *head)
{
	((struct connection *)c)->peer_link.chain = head;
}

static struct chash by_peer = CHASH_INIT(struct connection, peer_link.next, hash_of_peer,
					 peer_moved);
static struct connection *templates;

static struct conn_link *link_at(struct connection *c, size_t link)
{
	return (struct conn_link *)((char *)c + link);
}

void conn_chain_unfile(struct connection *c, size_t link)
{
	struct conn_link *l = link_at(c, link);

	if (l->chain == NULL)
		return;
	for (struct connection **pp = l->chain; *pp != NULL; pp = &link_at(*pp, link)->next) {
		if (*pp == c) {
			*pp = l->next;
			break;
		}
	}
	*l = (struct conn_link){NULL, NULL};
}

void conn_chain_file(struct connection **head, struct connection *c, size_t link)
{
	struct conn_link *l = link_at(c, link);
	struct connection **pp = head;

	conn_chain_unfile(c, link);
	while (*pp != NULL && (*pp)->seq < c->seq)
		pp = &link_at(*pp, link)->next;
	l->next = *pp;
	*pp = c;
	l->chain = head;
}

#define PEER_LINK offsetof(struct connection, peer_link)

static void peer_unfile(struct connection *c)
{
	bool hashed = c->peer_link.chain != NULL && c->peer_link.chain != &templates;

	conn_chain_unfile(c, PEER_LINK);
	if (hashed)
		chash_removed(&by_peer);
}

/* (Re)file c under its peer's address now that it is oriented. */
static void peer_file(struct connection *c)
{
	peer_unfile(c);
	if (!connection_oriented(c))
		return;
	if (c->kind == CK_TEMPLATE) {
		conn_chain_file(&templates, c, PEER_LINK);
		return;
	}
	conn_chain_file(chash_slot(&by_peer, peer_hash(&c->that->host)), c, PEER_LINK);
	chash_added(&by_peer);
}

static struct connection *at_peer(struct connection *c, const ip_address *peer)
{
	while (c != NULL && !ip_addr_eq(&c->that->host, peer))
		c = c->peer_link.next;
	return c;
}

struct connection *connections_for_peer_next(struct conn_cursor *it)
{
	struct connection *c;

	if (it->p != NULL && (it->t == NULL || it->p->seq < it->t->seq)) {
		c = it->p;
		it->p = at_peer(c->peer_link.next, &it->peer);
	} else {
		c = it->t;
		if (c != NULL)
			it->t = c->peer_link.next;
	}
	return c;
}

struct connection *connections_for_peer(struct conn_cursor *it, const ip_address *peer)
{
	it->peer = *peer;
	it->p = at_peer(chash_first(&by_peer, peer_hash(peer)), peer);
	it->t = templates;
	return connections_for_peer_next(it);
}

static char *xstrdup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

static const char *end_from_whack(struct end *e, const struct whack_end *w)
{
	static __thread char why[300];
	const char *err;

	memset(e, 0, sizeof(*e));
	e->id = &id_none;
	if (w->id[0] != '\0') {
		struct ike_id id;
		if ((err = id_parse(w->id, false, &id)) != NULL) {
			snprintf(why, sizeof(why), "bad --id `%.128s': %s", w->id, err);
			return why;
		}
		if ((e->id = id_keep(&id)) == NULL) {
			e->id = &id_none;
			return "out of memory";
		}
	}
	e->host_type = w->host_type;
	e->host = w->host;
	e->ikeport = w->ikeport ? w->ikeport : PLUTO_DEFAULT_IKEPORT;
	e->nexthop = w->nexthop;
	e->has_client = w->has_client;
	if (w->has_client)
		e->client = w->client;
	else if (ip_addr_is_set(&w->host))
		e->client = ip_subnet_from_addr(&w->host);
	e->updown = xstrdup_or_null(w->updown);
	e->dnskeyondemand = w->dnskeyondemand;
	return NULL;
}

static void end_free(struct end *e)
{
	free(e->updown);
	e->updown = NULL;
	id_release(e->id);
	e->id = &id_none;
}

static void connection_free(struct connection *c)
{
	/* an instance borrows its template's strings, IDs and algorithm lists */
	if (c->kind != CK_INSTANCE) {
		end_free(&c->end[0]);
		end_free(&c->end[1]);
		free(c->name);
		free(c->ike_str);
		free(c->esp_str);
		free(c->ike_algs);
		free(c->esp_algs);
	}
	free(c);
}

/* Append c to the list (and file it by peer if it is oriented). */
static void connection_link(struct connection *c)
{
	c->seq = next_seq++;
	c->next = NULL;
	c->prev = last;
	*(last != NULL ? &last->next : &connections) = c;
	last = c;
	peer_file(c);
}

struct connection *connection_instantiate(struct connection *t, const ip_address *peer)
{
	struct connection *c = malloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = *t; /* its strings, IDs and algorithm lists stay the template's */
	c->this = &c->end[t->this == &t->end[1]];
	c->that = &c->end[t->that == &t->end[1]];
	c->kind = CK_INSTANCE;
	c->template = t;
	c->instance_no = t->next_instance_no++;
	c->that->host = *peer;
	c->that->host_type = WHACK_HOST_ADDR;
	if (!c->that->has_client)
		c->that->client = ip_subnet_from_addr(peer);
	c->newest_isakmp_sa = c->newest_ipsec_sa = c->eroute_owner = 0;
	c->nstates = 0;
	c->states = NULL;
	c->deleting = c->tearing_down = c->ever_established = false;
	c->reqid = 0;
	c->routing = RT_UNROUTED;
	c->route_wanted = c->up_pending = c->up_done = false;
	c->peer_link = c->route_link = (struct conn_link){NULL, NULL};
	connection_link(c);
	return c;
}

/*
 * A copy of l sized to its proposals: a struct alg_list has room for ALG_LIST_MAX, and
 * most lists hold one or two (520 bytes against a dozen, for every connection).
 */
static struct alg_list *alg_list_dup(const struct alg_list *l)
{
	size_t size = offsetof(struct alg_list, p) + l->n * sizeof(l->p[0]);
	struct alg_list *d = malloc(size);

	if (d != NULL)
		memcpy(d, l, size);
	return d;
}

static enum rc_type fill_from_whack(struct connection *c, const struct whack_msg *m,
				    const char **why)
{
	static __thread char buf[300];
	const char *err;

	for (int i = 0; i < 2; i++) {
		if ((err = end_from_whack(&c->end[i], &m->end[i])) != NULL) {
			*why = err;
			return RC_BADID;
		}
	}
	c->policy = m->policy;
	c->host_af = m->host_af ? m->host_af : AF_INET;
	c->tunnel_af = m->tunnel_af ? m->tunnel_af : c->host_af;
	c->ikelifetime = m->ikelifetime;
	c->ipseclifetime = m->ipseclifetime;
	c->rekeymargin = m->rekeymargin;
	c->rekeyfuzz = m->rekeyfuzz;
	c->keyingtries = m->keyingtries;
	c->dpd_delay = m->dpd_delay;
	c->dpd_timeout = m->dpd_timeout ? m->dpd_timeout : WHACK_DEFAULT_DPDTIMEOUT;
	c->dpd_action = m->dpd_action ? (enum whack_dpd_action)m->dpd_action : WHACK_DPD_HOLD;
	c->ike_str = xstrdup_or_null(m->ike);
	c->esp_str = xstrdup_or_null(m->esp);
	struct alg_list ike, esp;
	if ((err = alg_parse_ike(m->ike, &ike)) != NULL ||
	    (err = alg_parse_esp(m->esp, &esp)) != NULL) {
		snprintf(buf, sizeof(buf), "bad algorithm list: %s", err);
		*why = buf;
		return RC_BADWHACKMESSAGE;
	}
	if ((c->ike_algs = alg_list_dup(&ike)) == NULL ||
	    (c->esp_algs = alg_list_dup(&esp)) == NULL) {
		*why = "out of memory";
		return RC_INTERNALERR;
	}
	if (c->ikelifetime > WHACK_MAX_IKELIFETIME || c->ipseclifetime > WHACK_MAX_IPSECLIFETIME) {
		*why = "lifetime exceeds the maximum";
		return RC_BADWHACKMESSAGE;
	}
	bool any0 = c->end[0].host_type == WHACK_HOST_ANY;
	bool any1 = c->end[1].host_type == WHACK_HOST_ANY;
	if (any0 && any1) {
		*why = "both ends are %any";
		return RC_BADWHACKMESSAGE;
	}
	c->kind = (any0 || any1) ? CK_TEMPLATE : CK_PERMANENT;
	return RC_SUCCESS;
}

enum rc_type connection_add(const struct whack_msg *m, const char **why)
{
	static __thread char buf[200];

	if (connection_find(m->name) != NULL) {
		snprintf(buf, sizeof(buf), "attempt to redefine connection \"%.100s\"", m->name);
		*why = buf;
		return RC_DUPNAME;
	}
	struct connection *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->name = strdup(m->name)) == NULL) {
		free(c);
		*why = "out of memory";
		return RC_INTERNALERR;
	}
	enum rc_type rc = fill_from_whack(c, m, why);
	if (rc == RC_SUCCESS && strmap_put(&by_name, c->name, c) < 0) {
		*why = "out of memory";
		rc = RC_INTERNALERR;
	}
	if (rc != RC_SUCCESS) {
		connection_free(c);
		return rc;
	}
	c->next_instance_no = 1;
	connection_link(c);
	log_set_context(c, NULL);
	if (c->ikelifetime <= c->rekeymargin || c->ipseclifetime <= c->rekeymargin)
		plog("warning: rekeymargin %us is not less than the lifetimes; SAs will be "
		     "replaced at half their lifetime instead",
		     c->rekeymargin);
	if (c->dpd_delay == 0 && (m->dpd_timeout != 0 || m->dpd_action != WHACK_DPD_DEFAULT))
		plog("warning: dpdtimeout or dpdaction without dpddelay: no dead peer detection");
	if (pluto.listening)
		connection_orient(c, true);
	plog("added connection description");
	return RC_SUCCESS;
}

struct connection *connection_find(const char *name)
{
	return strmap_get(&by_name, name);
}

static void connection_unlink(struct connection *c)
{
	if (c->kind != CK_INSTANCE && strmap_get(&by_name, c->name) == c)
		strmap_del(&by_name, c->name);
	peer_unfile(c);
	*(c->prev != NULL ? &c->prev->next : &connections) = c->next;
	*(c->next != NULL ? &c->next->prev : &last) = c->prev;
}

void connection_delete(struct connection *c)
{
	c->deleting = true;
	/* instances die with their template (only a template that made some has any) */
	for (struct connection *i = connections, *next;
	     c->kind == CK_TEMPLATE && c->next_instance_no > 1 && i != NULL; i = next) {
		next = i->next;
		if (i->kind == CK_INSTANCE && i->template == c) {
			connection_delete(i);
			next = connections;
		}
	}
	log_set_context(c, NULL);
	states_delete_connection(c);
	if (c->routing != RT_UNROUTED)
		dbg(DBG_CONTROL, "dropping routing of \"%s\"", c->name);
	routing_forget(c);
	connection_unlink(c);
	log_reset_context();
	connection_free(c);
}

/*
 * Instances exist for their SAs: one with no state left and nothing routed goes. The scan
 * runs from the event loop, not from inside state_delete(), whose callers may still hold
 * the connection.
 */
static struct evtimer *reap_timer;

static void reap_instances(void *arg)
{
	reap_timer = NULL;
	for (struct connection *c = connections, *next; c != NULL; c = next) {
		next = c->next;
		if (c->kind != CK_INSTANCE || c->routing != RT_UNROUTED || c->nstates > 0 ||
		    c->deleting)
			continue;
		log_set_context(c, NULL);
		dbg(DBG_CONTROL, "deleting instance: it has no SA left");
		log_reset_context();
		connection_delete(c);
	}
}

void connections_reap_soon(void)
{
	if (reap_timer == NULL)
		reap_timer = evloop_timer_add(0, reap_instances, NULL);
}

void connection_delete_all(void)
{
	while (connections != NULL)
		connection_delete(connections);
	strmap_free(&by_name);
}

uint32_t connection_debugging(const struct connection *c)
{
	return c->debugging;
}

size_t connection_fmt_prefix(const struct connection *c, char *buf, size_t len)
{
	int n;

	if (c == NULL)
		n = snprintf(buf, len, "(no connection)");
	else if (c->kind == CK_INSTANCE)
		n = snprintf(buf, len, "\"%s\"[%lu] %s", c->name, c->instance_no,
			     ip_addr_str(&c->that->host));
	else
		n = snprintf(buf, len, "\"%s\"", c->name);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

bool connection_oriented(const struct connection *c)
{
	return c->this != NULL;
}

bool connection_isakmp_only(const struct connection *c)
{
	return !(c->policy & (POLICY_ENCRYPT | POLICY_AUTHENTICATE | POLICY_COMPRESS | POLICY_PFS));
}

/* %defaultroute ends take the address (and nexthop) of the default route. */
static void resolve_defaultroute(struct connection *c, struct end *e)
{
	ip_address addr, gw;

	if (e->host_type != WHACK_HOST_DEFAULTROUTE)
		return;
	if (iface_defaultroute(c->host_af, &addr, &gw) < 0) {
		plog("cannot resolve %%defaultroute: no %s default route", ip_af_name(c->host_af));
		return;
	}
	e->host = addr;
	if (!e->has_client)
		e->client = ip_subnet_from_addr(&addr);
	if (!ip_addr_is_set(&e->nexthop) && ip_addr_is_set(&gw))
		e->nexthop = gw;
}

/* Is this end one of our interfaces (and our IKE port, if the address alone cannot tell)? */
static struct iface *end_iface(const struct end *e)
{
	if (e->host_type != WHACK_HOST_ADDR && e->host_type != WHACK_HOST_DEFAULTROUTE)
		return NULL;
	return ip_addr_is_set(&e->host) ? iface_by_addr(&e->host) : NULL;
}

void connection_unorient(struct connection *c)
{
	peer_unfile(c);
	c->this = c->that = NULL;
	c->interface = NULL;
}

bool connection_orient(struct connection *c, bool verbose)
{
	connection_unorient(c);
	for (int i = 0; i < 2; i++)
		resolve_defaultroute(c, &c->end[i]);
	struct iface *p0 = end_iface(&c->end[0]), *p1 = end_iface(&c->end[1]);
	int mine = -1;
	if (p0 != NULL && p1 != NULL) {
		/* both on this host: the IKE port decides (two plutos on one machine) */
		bool m0 = c->end[0].ikeport == pluto.ikeport, m1 = c->end[1].ikeport == pluto.ikeport;
		if (m0 == m1) {
			if (verbose)
				plog("cannot orient: both ends are on this host "
				     "(give them different --ikeport)");
			return false;
		}
		mine = m0 ? 0 : 1;
	} else if (p0 != NULL || p1 != NULL) {
		mine = p0 != NULL ? 0 : 1;
	} else {
		if (verbose)
			dbg(DBG_CONTROL, "neither end of the connection is on this host");
		return false;
	}
	c->this = &c->end[mine];
	c->that = &c->end[!mine];
	c->interface = mine ? p1 : p0;
	peer_file(c);
	routing_refile(c); /* its peer's client may be another end's now */
	dbg(DBG_CONTROL, "oriented: this end is %s (%s)", mine ? "right" : "left",
	    ip_addr_str(&c->this->host));
	return true;
}

void connections_reorient(void)
{
	for (struct connection *c = connections; c != NULL; c = c->next) {
		log_set_context(c, NULL);
		if (!connection_orient(c, true) && c->routing != RT_UNROUTED) {
			/* a connection without an interface cannot keep its routing */
			states_delete_connection(c);
			routing_forget(c);
			plog("unrouted: no longer oriented");
		}
		log_reset_context();
	}
}
