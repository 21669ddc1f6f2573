/*
 * Dead peer detection (RFC 3706), so that a peer that restarted and forgot its ISAKMP SA
 * (the pluto manual's "Hint") is noticed and the connection recovers on its own.
 *
 * Both sides send the DPD vendor ID in MI1 / MR1.  Under an established ISAKMP SA whose
 * peer sent it, and when the connection has dpddelay=, we probe every dpd_delay seconds
 * in which no ESP arrived from the peer (the kernel's counters of the connection's
 * inbound SAs; under --noklips there are none, so every period is idle): an encrypted
 * Informational with R-U-THERE, SPI = the two cookies, data = a 32-bit sequence number
 * that starts at random and counts up.  The peer answers R-U-THERE-ACK with the same
 * number.  When dpd_timeout seconds pass after the first unanswered R-U-THERE, the peer
 * is dead: its states go (without Deletes: nobody is there to read them), and
 * dpd_action says what then -- hold: the TRAP eroute goes back, so traffic starts a new
 * negotiation; clear: the eroute goes too; restart: negotiate again at once.  A Road
 * Warrior instance is always cleared, and deleted.
 *
 * We answer every well-formed R-U-THERE under an established ISAKMP SA (we always send
 * the vendor ID), unless its number is older than the last one answered (the same one
 * again is answered again: our ACK may have been lost).  The SPI should be the cookie
 * pair; as Libreswan does, another one is only noted (the message is authenticated).
 *
 * One timer per ISAKMP SA, apart from the state's own event (ikev1_timer.c); only the
 * connection's newest ISAKMP SA probes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ikev1_sa.h"
#include "kernel.h"
#include "log.h"

/* RFC 3706 5.1: the vendor ID, major version 1, minor version 0. */
const uint8_t ikev1_dpd_vid[IKEV1_DPD_VID_LEN] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

/* --- the wire format --------------------------------------------------------- */

bool ikev1_dpd_vid_match(const uint8_t *vid, size_t len)
{
	return len == IKEV1_DPD_VID_LEN && memcmp(vid, ikev1_dpd_vid, IKEV1_DPD_VID_LEN - 2) == 0 &&
	       vid[IKEV1_DPD_VID_LEN - 2] == ikev1_dpd_vid[IKEV1_DPD_VID_LEN - 2];
}

void ikev1_dpd_notify(struct ike_notify *n, uint16_t type, const uint8_t *icookie,
		      const uint8_t *rcookie, uint32_t seq, uint8_t *data)
{
	uint32_t be = htonl(seq);

	memset(n, 0, sizeof(*n));
	n->doi = ISAKMP_DOI_IPSEC;
	n->protocol = ISAKMP_PROTO_ISAKMP;
	n->type = type;
	n->spi_size = 2 * IKEV1_COOKIE_LEN;
	memcpy(n->spi, icookie, IKEV1_COOKIE_LEN);
	memcpy(n->spi + IKEV1_COOKIE_LEN, rcookie, IKEV1_COOKIE_LEN);
	memcpy(data, &be, sizeof(be));
	n->data = (struct ike_chunk){data, sizeof(be)};
}

const char *ikev1_dpd_parse(const struct ike_notify *n, uint32_t *seq)
{
	uint32_t be;

	if (n->spi_size != 2 * IKEV1_COOKIE_LEN)
		return "SPI size is not 16";
	if (n->data.len != sizeof(be))
		return "sequence number is not 4 octets";
	memcpy(&be, n->data.ptr, sizeof(be));
	*seq = ntohl(be);
	return NULL;
}

bool ikev1_dpd_cookies_match(const struct ike_notify *n, const uint8_t *icookie,
			     const uint8_t *rcookie)
{
	return n->spi_size == 2 * IKEV1_COOKIE_LEN &&
	       memcmp(n->spi, icookie, IKEV1_COOKIE_LEN) == 0 &&
	       memcmp(n->spi + IKEV1_COOKIE_LEN, rcookie, IKEV1_COOKIE_LEN) == 0;
}

bool ikev1_dpd_seq_after(uint32_t seq, uint32_t last)
{
	return (int32_t)(seq - last) > 0;
}

bool ikev1_dpd_ack_matches(uint32_t seq, uint32_t acked, uint32_t last)
{
	return ikev1_dpd_seq_after(seq, acked) && !ikev1_dpd_seq_after(seq, last);
}

/* --- vendor ID ----------------------------------------------------------------- */

bool ikev1_dpd_emit_vid(struct cursor_out *o)
{
	return ike_codec_emit_vid(o, ikev1_dpd_vid, sizeof(ikev1_dpd_vid));
}

void ikev1_dpd_note_vids(struct state *st, const struct ikev1_msg *m)
{
	struct ike_chunk vid;

	for (const struct ike_payload *p = ike_digest_first(m->d, ISAKMP_NEXT_VID); p != NULL;
	     p = ike_digest_next(m->d, p)) {
		if (ike_codec_parse_vid(p, &vid) == NULL && ikev1_dpd_vid_match(vid.ptr, vid.len)) {
			ikev1_sa(st)->isakmp.peer_dpd = true;
			dbg(DBG_CONTROL, "peer supports dead peer detection (RFC 3706 vendor ID)");
			return;
		}
	}
}

/* --- probing ------------------------------------------------------------------- */

static void tick(void *arg);

static void schedule(struct state *st, uint64_t ms)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (sa->isakmp.dpd_event != NULL)
		evloop_timer_cancel(sa->isakmp.dpd_event);
	sa->isakmp.dpd_event = evloop_timer_add(ms, tick, (void *)(uintptr_t)st->serial);
}

void ikev1_dpd_stop(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (sa != NULL && sa->isakmp.dpd_event != NULL) {
		evloop_timer_cancel(sa->isakmp.dpd_event);
		sa->isakmp.dpd_event = NULL;
	}
}

void ikev1_dpd_start(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct connection *c = st->connection;

	if (c->dpd_delay == 0)
		return;
	if (!sa->isakmp.peer_dpd) {
		plog("DPD: the peer did not send the DPD vendor ID: not probing it");
		return;
	}
	crypto_random(&sa->isakmp.dpd_seq, sizeof(sa->isakmp.dpd_seq));
	sa->isakmp.dpd_seq &= 0x7fffffff; /* room to count up: peers compare without wrapping */
	sa->isakmp.dpd_acked = sa->isakmp.dpd_seq;
	sa->isakmp.dpd_unacked = 0;
	plog("DPD: probing the peer after %us without traffic; dead after %us without an "
	     "answer (dpdaction=%s)",
	     c->dpd_delay, c->dpd_timeout, whack_dpd_action_name(c->dpd_action));
	schedule(st, (uint64_t)c->dpd_delay * 1000);
}

/* Our address of an IPsec SA: where its inbound SA lives. */
static const ip_address *our_addr(const struct state *st)
{
	const struct ikev1_sa *sa = ikev1_sa(st);

	return sa->iface != NULL ? &sa->iface->addr : &st->connection->this->host;
}

void ikev1_dpd_note_child(const struct state *st)
{
	struct state *p1 = st->clonedfrom != 0 ? state_by_serial(st->clonedfrom) : NULL;

	if (p1 != NULL && p1->proto != NULL && p1->connection != st->connection)
		ikev1_sa(p1)->isakmp.dpd_foreign = true;
}

/*
 * Did ESP arrive from the peer since the last look?  The inbound packet count of the
 * IPsec SAs of the connection and of those negotiated under this ISAKMP SA: the
 * connection's states, and only if another connection's SA went in under this ISAKMP SA
 * (dpd_foreign) those of all the connections with the peer, where such SAs are.
 */
static bool traffic_seen(struct state *isakmp)
{
	struct ikev1_sa *p1 = ikev1_sa(isakmp);
	uint64_t total = 0, bytes, packets, use_time;
	struct peer_states it;
	bool all = p1->isakmp.dpd_foreign;

	for (const struct state *o = all ? peer_states(&it, &p1->peer) : isakmp->connection->states;
	     o != NULL; o = all ? peer_states_next(&it) : o->conn_next) {
		const struct ikev1_sa *sa = ikev1_sa(o);
		uint32_t spi;
		if (sa == NULL || state_is_phase1(o->kind) || !state_is_established(o->kind) ||
		    !(sa->ipsec.installed & IKEV1_INSTALLED_IN) ||
		    (o->connection != isakmp->connection && o->clonedfrom != isakmp->serial))
			continue;
		memcpy(&spi, sa->ipsec.our_spi, sizeof(spi));
		if (kernel_get_sa_stats(our_addr(o), ntohl(spi), IPPROTO_ESP, &bytes, &packets,
					&use_time) == 0)
			total += packets;
	}
	bool seen = total != p1->isakmp.dpd_in_packets;
	p1->isakmp.dpd_in_packets = total;
	return seen;
}

static void send_probe(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ike_notify n;
	uint8_t data[4];

	sa->isakmp.dpd_seq++;
	if (sa->isakmp.dpd_unacked++ == 0)
		sa->isakmp.dpd_since_ms = evloop_now_ms();
	ikev1_dpd_notify(&n, ISAKMP_N_R_U_THERE, sa->icookie, sa->rcookie, sa->isakmp.dpd_seq,
			 data);
	dbg(DBG_CONTROL, "DPD: sending R_U_THERE seq %u to %s:%u (%u unanswered)",
	    sa->isakmp.dpd_seq, ip_addr_str(&sa->peer), sa->peer_port, sa->isakmp.dpd_unacked);
	ikev1_info_send_notification(st, &n);
}

/* Delete c's states without telling the peer, and the IPsec SAs made under isakmp. */
static void delete_silently(struct state *isakmp)
{
	struct connection *c = isakmp->connection;
	unsigned long serial = isakmp->serial;
	ip_address peer = ikev1_sa(isakmp)->peer;
	struct peer_states it;

	for (struct state *o = peer_states(&it, &peer); o != NULL; o = peer_states_next(&it)) {
		if (o->proto != NULL && (o->connection == c || o->clonedfrom == serial))
			ikev1_sa(o)->peer_deleted = true;
	}
	for (struct state *o = peer_states(&it, &peer); o != NULL;) {
		if (o->connection != c && o->clonedfrom == serial) {
			state_delete(o);
			o = peer_states(&it, &peer); /* (from the top again) */
		} else {
			o = peer_states_next(&it);
		}
	}
	states_delete_connection(c);
	log_set_context(c, NULL);
}

/* No answer for dpd_timeout: the peer is gone.  isakmp is deleted. */
static void peer_dead(struct state *isakmp)
{
	const struct ikev1_sa *sa = ikev1_sa(isakmp);
	struct connection *c = isakmp->connection;
	enum whack_dpd_action action = c->dpd_action;

	plog("DPD: no answer from %s to %u R_U_THERE in %us: peer declared dead; dpdaction=%s",
	     ip_addr_str(&sa->peer), sa->isakmp.dpd_unacked, c->dpd_timeout,
	     c->kind == CK_INSTANCE ? "clear (an instance)" : whack_dpd_action_name(action));
	delete_silently(isakmp);
	if (c->kind == CK_INSTANCE) {
		plog("DPD: deleting the Road Warrior instance");
		connection_delete(c);
		return;
	}
	switch (action) {
	case WHACK_DPD_CLEAR:
		if (c->routing != RT_UNROUTED)
			engine_unroute(c, false);
		plog("DPD: states deleted and eroute removed (dpdaction=clear)");
		break;
	case WHACK_DPD_RESTART:
		plog("DPD: states deleted; negotiating again (dpdaction=restart)");
		engine_initiate(c, NULL, true);
		break;
	default:
		if (c->routing == RT_UNROUTED && !connection_isakmp_only(c))
			engine_route(c);
		plog("DPD: states deleted; %s (dpdaction=hold)",
		     c->routing == RT_ROUTED_PROSPECTIVE
			     ? "eroute back to TRAP: traffic starts a new negotiation"
			     : "no eroute to hold");
		break;
	}
}

static void tick(void *arg)
{
	struct state *st = state_by_serial((unsigned long)(uintptr_t)arg);

	if (st == NULL || st->proto == NULL)
		return;
	struct ikev1_sa *sa = ikev1_sa(st);
	struct connection *c = st->connection;
	uint64_t now = evloop_now_ms(), delay = (uint64_t)c->dpd_delay * 1000;
	uint64_t timeout = (uint64_t)c->dpd_timeout * 1000;

	sa->isakmp.dpd_event = NULL;
	if (c->newest_isakmp_sa != st->serial) {
		dbg(DBG_CONTROL, "DPD: ISAKMP SA #%lu superseded: it stops probing", st->serial);
		return;
	}
	struct ctl_client *prev = ikev1_log_state(st);
	if (sa->isakmp.dpd_unacked > 0 && now - sa->isakmp.dpd_since_ms >= timeout) {
		peer_dead(st);
	} else if (sa->isakmp.dpd_unacked == 0 && traffic_seen(st)) {
		dbg(DBG_CONTROL, "DPD: ESP from the peer in the last %us: no R_U_THERE needed",
		    c->dpd_delay);
		schedule(st, delay);
	} else {
		send_probe(st);
		uint64_t left = sa->isakmp.dpd_since_ms + timeout - now;
		schedule(st, left < delay ? left : delay);
	}
	ikev1_log_done(prev);
	log_reset_context();
}

/* --- receiving ------------------------------------------------------------------ */

static void answer(struct state *isakmp, uint32_t seq)
{
	struct ikev1_sa *sa = ikev1_sa(isakmp);
	struct ike_notify n;
	uint8_t data[4];

	if (sa->isakmp.dpd_peer_seq_set && ikev1_dpd_seq_after(sa->isakmp.dpd_peer_seq, seq)) {
		plog_rl("DPD: ignoring R_U_THERE seq %u: older than seq %u already answered", seq,
			sa->isakmp.dpd_peer_seq);
		return;
	}
	sa->isakmp.dpd_peer_seq = seq;
	sa->isakmp.dpd_peer_seq_set = true;
	ikev1_dpd_notify(&n, ISAKMP_N_R_U_THERE_ACK, sa->icookie, sa->rcookie, seq, data);
	dbg(DBG_CONTROL, "DPD: R_U_THERE seq %u received; sending R_U_THERE_ACK", seq);
	ikev1_info_send_notification(isakmp, &n);
}

static void acknowledged(struct state *isakmp, uint32_t seq)
{
	struct ikev1_sa *sa = ikev1_sa(isakmp);
	const struct connection *c = isakmp->connection;

	if (!ikev1_dpd_ack_matches(seq, sa->isakmp.dpd_acked, sa->isakmp.dpd_seq)) {
		plog_rl("DPD: ignoring R_U_THERE_ACK seq %u: not an answer to an unanswered "
			"R_U_THERE (last sent %u, last answered %u)",
			seq, sa->isakmp.dpd_seq, sa->isakmp.dpd_acked);
		return;
	}
	dbg(DBG_CONTROL, "DPD: R_U_THERE_ACK seq %u received: the peer is alive", seq);
	sa->isakmp.dpd_acked = seq;
	sa->isakmp.dpd_unacked = 0;
	if (c->dpd_delay != 0 && sa->isakmp.dpd_event != NULL)
		schedule(isakmp, (uint64_t)c->dpd_delay * 1000);
}

void ikev1_dpd_receive(struct state *isakmp, const struct ike_notify *n)
{
	const struct ikev1_sa *sa = ikev1_sa(isakmp);
	uint32_t seq;
	const char *err = ikev1_dpd_parse(n, &seq);

	if (err != NULL) {
		plog_rl("DPD: ignoring %s: %s", isakmp_notify_name(n->type), err);
		return;
	}
	/* the message is authenticated (HASH(1)); RFC 3706 only says SHOULD check */
	if (!ikev1_dpd_cookies_match(n, sa->icookie, sa->rcookie))
		dbg(DBG_CONTROL, "DPD: %s's SPI is not the cookie pair (tolerated)",
		    isakmp_notify_name(n->type));
	if (n->type == ISAKMP_N_R_U_THERE)
		answer(isakmp, seq);
	else
		acknowledged(isakmp, seq);
}

void ikev1_dpd_status(const struct state *st, char *buf, size_t len)
{
	const struct ikev1_sa *sa = ikev1_sa(st);

	buf[0] = '\0';
	if (sa == NULL || !state_is_phase1(st->kind) || !state_is_established(st->kind))
		return;
	if (sa->isakmp.dpd_event == NULL)
		snprintf(buf, len, "%s", sa->isakmp.peer_dpd ? "; peer supports DPD" : "");
	else if (sa->isakmp.dpd_unacked == 0)
		snprintf(buf, len, "; DPD in %llus",
			 (unsigned long long)(evloop_timer_remaining(sa->isakmp.dpd_event) / 1000));
	else
		snprintf(buf, len, "; DPD: %u unanswered for %llus", sa->isakmp.dpd_unacked,
			 (unsigned long long)((evloop_now_ms() - sa->isakmp.dpd_since_ms) / 1000));
}
