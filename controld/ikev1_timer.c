/*
 * Each state's one pending event: retransmission while negotiating (at most three
 * resends, 10 s, 20 s, 40 s apart, then "max number of retransmissions" and, for an
 * initiator, the next keying attempt as --keyingtries allows), then rekeying and expiry
 * of established SAs as the manual's "Rekeying" section says: the initiator rekeys at
 * lifetime - (rekeymargin + random(rekeyfuzz% of rekeymargin)), the responder at
 * lifetime - rekeymargin/2; only the connection's newest SA is ever rekeyed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "evloop.h"
#include "ikev1_sa.h"
#include "dataplane.h"
#include "kernel.h"
#include "log.h"
#include "pluto.h"

static const char *const event_names[] = {
	[IKEV1_EV_NONE] = "EVENT_NULL",
	[IKEV1_EV_RETRANSMIT] = "EVENT_RETRANSMIT",
	[IKEV1_EV_SA_REPLACE] = "EVENT_SA_REPLACE",
	[IKEV1_EV_SA_EXPIRE] = "EVENT_SA_EXPIRE",
	[IKEV1_EV_SO_DISCARD] = "EVENT_SO_DISCARD",
};

static void fire(void *arg);

void ikev1_schedule(struct state *st, enum ikev1_event ev, uint64_t ms)
{
	if (st->event != NULL)
		evloop_timer_cancel(st->event);
	st->event = evloop_timer_add(ms, fire, st);
	st->event_type = st->event != NULL ? (int)ev : IKEV1_EV_NONE;
	dbg(DBG_LIFECYCLE, "inserting event %s in %llu ms for #%lu", event_names[ev],
	    (unsigned long long)ms, st->serial);
}

void ikev1_timer_status(const struct state *st, char *buf, size_t len)
{
	if (st->event == NULL || st->event_type <= IKEV1_EV_NONE ||
	    st->event_type > IKEV1_EV_SO_DISCARD) {
		snprintf(buf, len, "no event");
		return;
	}
	char dpd[80];

	ikev1_dpd_status(st, dpd, sizeof(dpd));
	snprintf(buf, len, "%s in %llus%s", event_names[st->event_type],
		 (unsigned long long)(evloop_timer_remaining(st->event) / 1000), dpd);
}

/* The next keying attempt, as --keyingtries allows (0: for ever). */
static void try_again(struct connection *c, bool phase1, unsigned next_try,
		      unsigned long replacing, bool want_phase2)
{
	if (pluto.shutting_down || (c->keyingtries != 0 && next_try > c->keyingtries))
		return;
	log_set_context(c, NULL); /* the failed state is gone */
	if (c->keyingtries == 0)
		plog("starting keying attempt %u of an unlimited number", next_try);
	else
		plog("starting keying attempt %u of at most %u", next_try, c->keyingtries);
	struct state *p1 = phase1 ? NULL : ikev1_usable_isakmp(c);
	if (p1 != NULL) {
		struct state *st = ikev1_quick_outI1(c, p1, NULL, replacing);
		if (st != NULL)
			ikev1_sa(st)->keying_try = next_try;
		return;
	}
	ikev1_main_outI1(c, NULL, next_try, replacing, want_phase2 || !phase1);
}

/*
 * A Quick Mode whose ISAKMP SA is gone without leaving it its keys (the peer took the
 * tunnel down: ikev1_demux.c, orphan_quick_modes()) can never finish.  A responder's
 * gives up at once (that deletion fires this event) rather than keep its inbound SA
 * through 150 s of resending QR1.  An initiator's goes on to its next keying attempt as
 * before, when its retransmissions run out: giving up sooner would, after the peer's
 * --terminate, bring the tunnel straight back up through a rekey the peer never wanted.
 */
static void retransmit(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	bool orphan = !state_is_phase1(st->kind) && !sa->initiator && ikev1_keys(st) == NULL;

	if (!orphan && sa->last_out != NULL && sa->retransmits < IKEV1_MAX_RETRANSMITS) {
		sa->retransmits++;
		dbg(DBG_CONTROL, "retransmitting %s (%u)", state_name(st->kind), sa->retransmits);
		ikev1_send_raw(sa, sa->last_out, sa->last_out_len);
		ikev1_schedule(st, IKEV1_EV_RETRANSMIT, (uint64_t)IKEV1_RETRANSMIT_MS << sa->retransmits);
		return;
	}
	struct connection *c = st->connection;
	bool phase1 = state_is_phase1(st->kind), initiator = sa->initiator;
	unsigned next_try = sa->keying_try + 1;
	unsigned long replacing = sa->replacing;
	bool want_phase2 = phase1 && sa->isakmp.want_phase2;
	if (orphan)
		loglog(RC_NORETRANSMISSION, "giving up %s: its ISAKMP SA #%lu is gone",
		       state_name(st->kind), st->clonedfrom);
	else
		loglog(RC_NORETRANSMISSION, "max number of retransmissions (%u) reached %s%s",
		       IKEV1_MAX_RETRANSMITS, state_name(st->kind),
		       st->kind == STATE_MAIN_I1 ?
			       ".  No response (or no acceptable response) to our "
			       "first IKE message" :
			       "");
	state_delete(st);
	if (initiator)
		try_again(c, phase1, next_try, replacing, want_phase2);
}

/* Did an IPsec SA carry traffic in the last window_ms (BPF counters, else the kernel's)? */
static bool ipsec_sa_recent(const struct state *st, uint64_t window_ms)
{
	const struct ikev1_sa *sa = ikev1_sa(st);
	uint64_t bytes, packets, use_time = 0;
	uint32_t spi;

	if (dataplane_sa_idle_ms(st) < window_ms)
		return true;
	memcpy(&spi, sa->ipsec.peer_spi, sizeof(spi));
	if (kernel_get_sa_stats(&sa->peer, ntohl(spi), IPPROTO_ESP, &bytes, &packets,
				&use_time) < 0 || use_time == 0)
		return false;
	return (uint64_t)time(NULL) * 1000 < use_time * 1000 + window_ms;
}

/*
 * --dontrekey (the manual): "Only rekey a connection if we were the Initiator and there
 * was recent traffic on the existing connection. This applies to Phase 1 and Phase 2."
 * Recent: within the rekey margin. For an ISAKMP SA, any IPsec SA of the connection.
 */
static bool recent_traffic(const struct state *st)
{
	const struct connection *c = st->connection;
	uint64_t window = (uint64_t)(c->rekeymargin ? c->rekeymargin : WHACK_DEFAULT_REKEYMARGIN) *
			  1000;

	if (!state_is_phase1(st->kind))
		return ipsec_sa_recent(st, window);
	for (const struct state *o = c->states; o != NULL; o = o->conn_next) {
		if (o->proto != NULL && !state_is_phase1(o->kind) &&
		    state_is_established(o->kind) && ipsec_sa_recent(o, window))
			return true;
	}
	return false;
}

static void replace(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct connection *c = st->connection;
	bool phase1 = state_is_phase1(st->kind);
	bool newest = phase1 ? c->newest_isakmp_sa == st->serial : c->newest_ipsec_sa == st->serial;
	uint64_t now = evloop_now_ms();

	ikev1_schedule(st, IKEV1_EV_SA_EXPIRE, sa->expire_ms > now ? sa->expire_ms - now : 0);
	if (!newest || pluto.shutting_down) {
		dbg(DBG_LIFECYCLE, "not rekeying #%lu: %s", st->serial,
		    newest ? "shutting down" : "superseded");
		return;
	}
	if ((c->policy & POLICY_DONTREKEY) && !recent_traffic(st)) {
		plog("not rekeying %s SA #%lu: --dontrekey and no recent traffic",
		     phase1 ? "ISAKMP" : "IPsec", st->serial);
		return;
	}
	plog("initiating rekey of %s SA #%lu", phase1 ? "ISAKMP" : "IPsec", st->serial);
	struct state *p1 = phase1 ? NULL : ikev1_usable_isakmp(c);
	if (p1 != NULL)
		ikev1_quick_outI1(c, p1, NULL, st->serial);
	else
		ikev1_main_outI1(c, NULL, 1, st->serial, !phase1);
}

static void fire(void *arg)
{
	struct state *st = arg;
	enum ikev1_event ev = (enum ikev1_event)st->event_type;

	st->event = NULL;
	st->event_type = IKEV1_EV_NONE;
	struct ctl_client *prev = ikev1_log_state(st);
	switch (ev) {
	case IKEV1_EV_RETRANSMIT:
		retransmit(st);
		break;
	case IKEV1_EV_SA_REPLACE:
		replace(st);
		break;
	case IKEV1_EV_SA_EXPIRE:
		plog("%s SA expired", state_is_phase1(st->kind) ? "ISAKMP" : "IPsec");
		state_delete(st);
		break;
	case IKEV1_EV_SO_DISCARD:
		/* a flood of forged MI1s ends here: rate-limited, not one line each */
		plog_rl("discarding half-open %s: no MI2 within %u s", state_name(st->kind),
			IKEV1_HALFOPEN_R1_MS / 1000);
		state_delete(st);
		break;
	default:
		break;
	}
	ikev1_log_done(prev);
	log_reset_context();
}

struct state *ikev1_heir(const struct state *gone)
{
	const struct connection *c = gone->connection;
	bool phase1 = state_is_phase1(gone->kind);
	struct state *best = NULL;

	if (c->tearing_down || pluto.shutting_down)
		return NULL;
	for (struct state *o = c->states; o != NULL; o = o->conn_next) {
		if (o == gone || o->proto == NULL || state_is_phase1(o->kind) != phase1 ||
		    !(phase1 ? state_is_established(o->kind)
			     : (ikev1_sa(o)->ipsec.installed & IKEV1_INSTALLED_OUT) != 0))
			continue;
		if (best == NULL || o->serial > best->serial)
			best = o;
	}
	return best;
}

void ikev1_inherit(struct state *heir, const struct state *gone)
{
	struct connection *c = heir->connection;
	struct ikev1_sa *sa = ikev1_sa(heir);

	if (state_is_phase1(heir->kind)) {
		plog("ISAKMP SA #%lu goes before #%lu: #%lu is the newest again", gone->serial,
		     heir->serial, heir->serial);
		c->newest_isakmp_sa = heir->serial;
		if (sa->isakmp.peer_dpd && sa->isakmp.dpd_event == NULL)
			ikev1_dpd_start(heir); /* it had stopped probing when superseded */
	} else {
		plog("IPsec SA #%lu goes before #%lu: the tunnel stays on #%lu", gone->serial,
		     heir->serial, heir->serial);
		c->newest_ipsec_sa = heir->serial;
	}
	/*
	 * Its rekeying stays as scheduled: at its replace time if that is still to come; if it
	 * has passed (it was superseded then), it expires unreplaced, as a superseded SA does.
	 * A peer tearing the connection down deletes the newest first: were the older one
	 * rekeyed, a lost Delete for it would bring back the tunnel the peer took down.
	 */
}

void ikev1_schedule_lifetime(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct connection *c = st->connection;
	uint64_t life = state_is_phase1(st->kind) ? sa->p1.life : sa->ipsec.p2.life;
	uint64_t margin = c->rekeymargin ? c->rekeymargin : WHACK_DEFAULT_REKEYMARGIN;
	uint64_t delay = margin / 2;

	sa->lifetime = (uint32_t)life;
	sa->established_ms = evloop_now_ms();
	sa->expire_ms = sa->established_ms + life * 1000;
	if ((c->policy & POLICY_DONTREKEY) && !sa->initiator) {
		/* only the initiator rekeys such a connection, and only when it is in use */
		ikev1_schedule(st, IKEV1_EV_SA_EXPIRE, life * 1000);
		return;
	}
	if (sa->initiator) {
		uint32_t r = 0;
		uint64_t fuzz = margin * c->rekeyfuzz / 100;
		crypto_random(&r, sizeof(r));
		delay = margin + (fuzz ? r % (fuzz + 1) : 0);
	}
	/* a margin beyond the lifetime: rekey at half the lifetime rather than at once */
	if (delay >= life)
		delay = life / 2;
	ikev1_schedule(st, IKEV1_EV_SA_REPLACE, (life - delay) * 1000);
}
