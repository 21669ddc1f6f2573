/*
 * Half-open ISAKMP SAs: responder states from a peer's first Main Mode message (MI1) until
 * our MR3 (STATE_MAIN_R0 .. STATE_MAIN_R2).  Each costs a state, maybe a connection
 * instance, and from MI2 on a Diffie-Hellman computation, for one unauthenticated
 * datagram; so there are at most pluto.max_halfopen of them (--max-halfopen-ike) and at
 * most pluto.max_halfopen_peer from one address (--max-halfopen-ike-per-peer).
 *
 * When the total is reached, an MI1 from a peer with a permanent connection (or an
 * instance that has been established before: a Road Warrior we know) takes the place of
 * the oldest half-open state that has not yet shown it can receive at its address (no
 * MI2 with our cookie: R0/R1) and belongs to a template; every other MI1 is dropped.
 * While the total is reached (until it falls to three quarters of the limit), and always
 * with --force-busy, the XDP program rate-limits IKE per source address (dataplane.c).
 */
#include <stdlib.h>
#include <string.h>

#include "chash.h"
#include "connections.h"
#include "ctl.h"
#include "crypto.h"
#include "dataplane.h"
#include "ikev1_sa.h"
#include "log.h"
#include "pluto.h"

/* Half-open states per peer address (only addresses that have some). */
struct peer_count {
	ip_address addr;
	unsigned n;
	struct peer_count *next;
};

static uint32_t seed; /* so that a peer cannot choose addresses that collide */
static unsigned total;
static bool limit_busy; /* the total was reached and has not fallen back enough */
static struct ikev1_halfopen_stats stats;

/* The limits; 0 (a pluto struct nobody configured: tests, fuzzers) is the default. */
static unsigned limit_total(void)
{
	return pluto.max_halfopen ? pluto.max_halfopen : PLUTO_DEFAULT_MAX_HALFOPEN;
}

static unsigned limit_peer(void)
{
	return pluto.max_halfopen_peer ? pluto.max_halfopen_peer : PLUTO_DEFAULT_MAX_HALFOPEN_PEER;
}

static uint64_t hash_addr(const ip_address *a)
{
	uint32_t h = 2166136261u ^ seed;
	unsigned len = ip_af_len(a->af);

	for (unsigned i = 0; i < len; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h;
}

static uint64_t hash_of_count(const void *p)
{
	return hash_addr(&((const struct peer_count *)p)->addr);
}

static struct chash table = CHASH_INIT(struct peer_count, next, hash_of_count, NULL);

static struct peer_count **find_slot(const ip_address *a)
{
	struct peer_count **pp = chash_slot(&table, hash_addr(a));

	while (*pp != NULL && !ip_addr_eq(&(*pp)->addr, a))
		pp = &(*pp)->next;
	return pp;
}

static unsigned peer_count(const ip_address *a)
{
	struct peer_count *p = *find_slot(a);

	return p != NULL ? p->n : 0;
}

static void set_busy(bool busy)
{
	if (busy == limit_busy)
		return;
	limit_busy = busy;
	plog("%s: %u half-open ISAKMP SAs (limit %u)%s",
	     busy ? "half-open limit reached" : "half-open count back to normal", total,
	     limit_total(),
	     pluto.force_busy ? "" :
	     busy	      ? "; rate-limiting IKE per source in XDP" :
				"; IKE no longer rate-limited");
	dataplane_set_ike_busy(busy || pluto.force_busy);
}

void ikev1_halfopen_init(void)
{
	crypto_random(&seed, sizeof(seed));
	dataplane_set_ike_busy(pluto.force_busy);
}

/* The oldest half-open state of a template instance that has not answered MR1. */
static struct state *eviction_victim(void)
{
	struct state *victim = NULL;

	for (struct state *st = states; st != NULL; st = st->next) {
		const struct ikev1_sa *sa = ikev1_sa(st);
		if (sa == NULL || st->kind > STATE_MAIN_R1 || !sa->isakmp.halfopen ||
		    st->connection == NULL || st->connection->kind != CK_INSTANCE)
			continue;
		if (victim == NULL || st->serial < victim->serial)
			victim = st;
	}
	return victim;
}

const char *ikev1_halfopen_admit(const ip_address *from, bool known)
{
	if (peer_count(from) >= limit_peer()) {
		stats.dropped_peer++;
		return "too many half-open ISAKMP SAs from this address";
	}
	if (total < limit_total())
		return NULL;
	set_busy(true);
	struct state *victim = known ? eviction_victim() : NULL;
	if (victim == NULL) {
		stats.dropped_total++;
		return "too many half-open ISAKMP SAs";
	}
	stats.evicted++;
	dbg(DBG_CONTROL, "half-open limit: #%lu from %s makes room for a known peer",
	    victim->serial, ip_addr_str(&ikev1_sa(victim)->peer));
	state_delete(victim);
	return NULL;
}

void ikev1_halfopen_enter(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct peer_count **pp = find_slot(&sa->peer), *p = *pp;

	if (sa->isakmp.halfopen)
		return;
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return; /* not counted: no memory to count it with either */
		p->addr = sa->peer;
		*pp = p;
		chash_added(&table); /* pp may be gone with the old buckets */
	}
	p->n++;
	sa->isakmp.halfopen = true;
	total++;
	if (total > stats.peak)
		stats.peak = total;
}

void ikev1_halfopen_leave(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct peer_count **pp, *p;

	if (sa == NULL || !state_is_phase1(st->kind) || !sa->isakmp.halfopen)
		return;
	sa->isakmp.halfopen = false;
	total--;
	pp = find_slot(&sa->peer);
	if ((p = *pp) != NULL && --p->n == 0) {
		*pp = p->next;
		free(p);
		chash_removed(&table);
	}
	if (limit_busy && total <= limit_total() / 4 * 3)
		set_busy(false);
}

unsigned ikev1_halfopen_count(void)
{
	return total;
}

void ikev1_halfopen_get_stats(struct ikev1_halfopen_stats *out)
{
	*out = stats;
	out->count = total;
	out->busy = limit_busy || pluto.force_busy;
}

void ikev1_halfopen_status(void)
{
	if (total == 0 && stats.peak == 0 && !pluto.force_busy)
		return;
	whack_log(RC_COMMENT, " ");
	whack_log(RC_COMMENT,
		  "half-open ISAKMP SAs: %u (limit %u, %u per peer), at most %u; MI1 dropped: "
		  "%llu at the limit, %llu at the per-peer limit; %llu made room for known "
		  "peers%s",
		  total, limit_total(), limit_peer(), stats.peak,
		  (unsigned long long)stats.dropped_total, (unsigned long long)stats.dropped_peer,
		  (unsigned long long)stats.evicted,
		  limit_busy || pluto.force_busy ? "; busy: IKE rate-limited per source" : "");
}
