/*
 * Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): Delete and Notification.
 * Under an ISAKMP SA they are encrypted (IV = hash(last phase 1 block | M-ID)) and carry
 * HASH(1) = prf(SKEYID_a, M-ID | N/D).  We send a Delete for each established SA we
 * delete and for a Quick Mode responder's half-made one (IPsec SAs: our inbound SPI;
 * the ISAKMP SA: its cookie pair), act on the peer's Deletes, hand R-U-THERE(-ACK) to
 * ikev1_dpd.c, and fail our pending negotiations on the peer's error notifications.
 * Unprotected notifications are believed only before keys exist.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ikev1_sa.h"
#include "log.h"
#include "pluto.h"

struct info_item {
	bool is_delete;
	struct ike_notify n;		/* !is_delete */
	uint8_t protocol, spi_size;	/* is_delete */
	const uint8_t *spis;
	uint16_t nspis;
};

static bool emit_item(struct cursor_out *o, const struct info_item *it)
{
	if (it->is_delete)
		return ike_codec_emit_delete(o, it->protocol, it->spi_size, it->spis, it->nspis);
	return ike_codec_emit_notify(o, &it->n);
}

static void info_send(struct state *isakmp, const struct info_item *it)
{
	static uint8_t buf[IKEV1_MSG_MAX];
	struct ikev1_sa *p1 = ikev1_sa(isakmp);
	uint32_t msgid = ikev1_new_msgid(isakmp);
	uint8_t iv[CRYPTO_MAX_BLOCK], h[CRYPTO_MAX_HASH];
	struct cursor_out o;
	size_t hash_at;

	if (!p1->keyed || !ikev1_msgid_iv(p1, msgid, iv))
		return;
	cursor_out_init(&o, buf, sizeof(buf));
	ikev1_start_msg(&o, p1, ISAKMP_XCHG_INFO, ISAKMP_FLAG_ENCRYPTION, msgid);
	ike_codec_emit_hash_placeholder(&o, p1->isakmp.kdf.prf_len, &hash_at);
	size_t from = hash_at + p1->isakmp.kdf.prf_len;
	if (!emit_item(&o, it) || cursor_out_len(&o) <= from)
		return;
	struct crypto_chunk rest = CRYPTO_CHUNK(cursor_out_window(&o, from, cursor_out_len(&o) - from),
						cursor_out_len(&o) - from);
	if (ikev1_kdf_hash_msgid(&p1->isakmp.kdf, msgid, rest, h) < 0 ||
	    !cursor_out_patch(&o, hash_at, h, p1->isakmp.kdf.prf_len) ||
	    !ikev1_encrypt_finish(&o, p1->p1.encr, p1->isakmp.kdf.enc_key,
				  p1->isakmp.kdf.enc_key_len, iv))
		return;
	ikev1_send_raw(p1, cursor_out_data(&o), cursor_out_len(&o));
}

void ikev1_info_send_notification(struct state *isakmp, const struct ike_notify *n)
{
	struct info_item it = { .n = *n };

	info_send(isakmp, &it);
}

void ikev1_info_send_notify(struct state *isakmp, uint16_t type, uint8_t protocol,
			    const uint8_t *spi, uint8_t spi_size)
{
	struct info_item it = { .n = { .doi = ISAKMP_DOI_IPSEC, .protocol = protocol,
				       .spi_size = spi_size, .type = type } };

	if (spi_size > 0)
		memcpy(it.n.spi, spi, spi_size);
	plog("sending encrypted notification %s to %s:%u", isakmp_notify_name(type),
	     ip_addr_str(&ikev1_sa(isakmp)->peer), ikev1_sa(isakmp)->peer_port);
	info_send(isakmp, &it);
}

void ikev1_info_send_clear_notify(struct ikev1_msg *m, uint16_t type)
{
	static uint8_t buf[512];
	struct cursor_out o;
	struct ike_hdr h = { .xchg = ISAKMP_XCHG_INFO };
	struct ike_notify n = { .doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ISAKMP,
				.type = type };

	memcpy(h.icookie, m->d->hdr.icookie, IKEV1_COOKIE_LEN);
	memcpy(h.rcookie, m->d->hdr.rcookie, IKEV1_COOKIE_LEN);
	cursor_out_init(&o, buf, sizeof(buf));
	if (!ike_codec_emit_header(&o, &h) || !ike_codec_emit_notify(&o, &n) ||
	    !ike_codec_emit_finish(&o))
		return;
	plog_rl("sending notification %s to %s:%u", isakmp_notify_name(type),
		ip_addr_str(&m->from), m->port);
	ikev1_send_to(m->iface, &m->from, m->port, cursor_out_data(&o), cursor_out_len(&o));
}

void ikev1_info_send_delete(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	uint8_t cookies[2 * IKEV1_COOKIE_LEN];
	struct info_item it = { .is_delete = true, .nspis = 1 };
	struct state *isakmp = st;

	/* (QUICK_R1: our inbound SA is in; the initiator may have the IPsec SA established) */
	if ((!state_is_established(st->kind) && st->kind != STATE_QUICK_R1) || sa->peer_deleted)
		return;
	if (state_is_phase1(st->kind)) {
		memcpy(cookies, sa->icookie, IKEV1_COOKIE_LEN);
		memcpy(cookies + IKEV1_COOKIE_LEN, sa->rcookie, IKEV1_COOKIE_LEN);
		it.protocol = ISAKMP_PROTO_ISAKMP;
		it.spi_size = sizeof(cookies);
		it.spis = cookies;
	} else {
		isakmp = state_by_serial(st->clonedfrom);
		if (isakmp == NULL || !state_is_established(isakmp->kind) ||
		    ikev1_sa(isakmp)->peer_deleted)
			isakmp = ikev1_usable_isakmp(st->connection);
		it.protocol = ISAKMP_PROTO_ESP;
		it.spi_size = IKEV1_SPI_LEN;
		it.spis = sa->ipsec.our_spi;
	}
	if (isakmp == NULL || isakmp->proto == NULL) {
		plog("no ISAKMP SA to send a Delete with");
		return;
	}
	plog("sending Delete for %s", state_is_phase1(st->kind) ? "the ISAKMP SA" : "the IPsec SA");
	info_send(isakmp, &it);
}

/* --- receiving ---------------------------------------------------------------- */

static void delete_ipsec(struct state *isakmp, const uint8_t *spi)
{
	const struct ikev1_sa *p1 = ikev1_sa(isakmp);
	struct peer_states it;

	for (struct state *st = peer_states(&it, &p1->peer); st != NULL;
	     st = peer_states_next(&it)) {
		struct ikev1_sa *sa = ikev1_sa(st);
		if (sa == NULL || state_is_phase1(st->kind) || !ip_addr_eq(&sa->peer, &p1->peer) ||
		    memcmp(sa->ipsec.peer_spi, spi, IKEV1_SPI_LEN) != 0)
			continue;
		sa->peer_deleted = true;
		plog("received Delete SA payload: deleting IPsec State #%lu", st->serial);
		state_delete(st);
		return;
	}
	uint32_t v;
	memcpy(&v, spi, sizeof(v));
	plog_rl("received Delete for unknown IPsec SA esp.%08x", ntohl(v));
}

/* Returns true when the ISAKMP SA the message came under is to be deleted. */
static bool handle_delete(struct state *isakmp, const struct ike_payload *p)
{
	struct ike_delete del;
	uint8_t spi[2 * IKEV1_COOKIE_LEN];
	bool self = false;
	const char *err = ike_codec_parse_delete(p, &del);

	if (err != NULL) {
		plog_rl("malformed Delete payload: %s", err);
		return false;
	}
	if (del.protocol != ISAKMP_PROTO_ESP && del.protocol != ISAKMP_PROTO_ISAKMP) {
		plog_rl("ignoring Delete for protocol %s", isakmp_protocol_name(del.protocol));
		return false;
	}
	for (unsigned i = 0; i < del.nspis && cursor_pull(&del.spis, spi, del.spi_size); i++) {
		if (del.protocol == ISAKMP_PROTO_ESP && del.spi_size == IKEV1_SPI_LEN) {
			delete_ipsec(isakmp, spi);
			continue;
		}
		struct state *st = del.spi_size == sizeof(spi) ?
					   ikev1_find_isakmp(spi, spi + IKEV1_COOKIE_LEN) :
					   NULL;
		if (st == NULL || !ip_addr_eq(&ikev1_sa(st)->peer, &ikev1_sa(isakmp)->peer)) {
			plog_rl("received Delete for an unknown ISAKMP SA");
			continue;
		}
		ikev1_sa(st)->peer_deleted = true;
		if (st == isakmp) {
			self = true;
			continue;
		}
		plog("received Delete SA payload: deleting ISAKMP State #%lu", st->serial);
		state_delete(st);
	}
	return self;
}

/*
 * The peer refused something: our Quick Modes pending under this ISAKMP SA give up.
 * Among the peer's states only, collected before any is deleted (a deletion ends the
 * walk); failing one starts nothing new, so each round finds fewer.
 */
static void fail_pending(struct state *isakmp, uint16_t type)
{
	enum { ROUND = 16 };
	unsigned long serials[ROUND];
	size_t n;

	do {
		struct peer_states it;
		n = 0;
		for (struct state *st = peer_states(&it, &ikev1_sa(isakmp)->peer);
		     st != NULL && n < ROUND;
		     st = peer_states_next(&it)) {
			if (st->clonedfrom == isakmp->serial && st->kind == STATE_QUICK_I1)
				serials[n++] = st->serial;
		}
		for (size_t i = 0; i < n; i++) {
			struct state *st = state_by_serial(serials[i]);
			if (st != NULL)
				ikev1_fail(st, RC_NOTIFICATION + type, "peer refused Quick Mode");
		}
	} while (n == ROUND);
}

static void handle_notify(struct state *isakmp, const struct ike_payload *p)
{
	struct ike_notify n;
	const char *err = ike_codec_parse_notify(p, &n);

	if (err != NULL) {
		plog_rl("malformed Notification payload: %s", err);
		return;
	}
	switch (n.type) {
	case ISAKMP_N_R_U_THERE:
	case ISAKMP_N_R_U_THERE_ACK:
		ikev1_dpd_receive(isakmp, &n);
		return;
	case ISAKMP_N_INITIAL_CONTACT:
		plog("received INITIAL_CONTACT");
		return;
	default:
		break;
	}
	plog("received notification %s (%u)", isakmp_notify_name(n.type), n.type);
	if (n.type < ISAKMP_N_CONNECTED)
		fail_pending(isakmp, n.type);
}

/* Notifications in the clear: only about a Main Mode we started that has no keys yet. */
static void receive_clear(struct ikev1_msg *m)
{
	const struct ike_hdr *h = &m->d->hdr;
	struct state *st = ikev1_find_isakmp(h->icookie, h->rcookie);
	const char *err = ike_codec_parse_payloads(m->d, m->d->body.ptr, m->d->body.len);

	if (st == NULL)
		st = ikev1_find_main_i1(h->icookie);
	if (err == NULL)
		err = ikev1_check_payloads(m->d, P(ISAKMP_NEXT_N), 0);
	if (err != NULL) {
		plog_rl("dropping Informational from %s: %s", ip_addr_str(&m->from), err);
		return;
	}
	struct ike_notify n;
	if (ike_codec_parse_notify(ike_digest_first(m->d, ISAKMP_NEXT_N), &n) != NULL)
		return;
	plog_rl("received unprotected notification %s (%u) from %s", isakmp_notify_name(n.type),
		n.type, ip_addr_str(&m->from));
	if (st != NULL && ikev1_sa(st)->initiator && !ikev1_sa(st)->keyed &&
	    ip_addr_eq(&ikev1_sa(st)->peer, &m->from) && n.type < ISAKMP_N_CONNECTED) {
		char why[96];
		snprintf(why, sizeof(why), "peer refused Main Mode: %s", isakmp_notify_name(n.type));
		ikev1_fail(st, RC_NOTIFICATION + n.type, why);
	}
}

static const char *open_protected(struct state *isakmp, struct ikev1_msg *m, uint8_t *plain,
				  size_t size)
{
	const struct ikev1_sa *p1 = ikev1_sa(isakmp);
	uint8_t iv[CRYPTO_MAX_BLOCK], h[CRYPTO_MAX_HASH];
	struct ike_chunk got;

	if (m->d->hdr.msgid == 0 || !ikev1_msgid_iv(p1, m->d->hdr.msgid, iv))
		return "bad Message ID";
	const char *err = ikev1_decrypt(p1->p1.encr, p1->isakmp.kdf.enc_key,
					p1->isakmp.kdf.enc_key_len, iv, m->d->body, plain, size);
	if (err == NULL)
		err = ike_codec_parse_payloads(m->d, plain, m->d->body.len);
	if (err == NULL)
		err = ikev1_check_payloads(m->d, P(ISAKMP_NEXT_HASH),
					   P(ISAKMP_NEXT_N) | P(ISAKMP_NEXT_D));
	if (err != NULL)
		return err;
	const struct ike_payload *hp = &m->d->payloads[0];
	if (hp->type != ISAKMP_NEXT_HASH || (err = ike_codec_parse_hash(hp, &got)) != NULL)
		return err != NULL ? err : "HASH payload is not the first";
	struct cursor c, whole = hp->pbs;
	const uint8_t *rest;
	size_t rest_len;
	whole.cur = whole.start;
	cursor_init(&c, plain, m->d->body.len - m->d->padding);
	if (!cursor_skip(&c, cursor_left(&whole)))
		return "HASH payload outside the message";
	cursor_rest(&c, &rest, &rest_len);
	if (ikev1_kdf_hash_msgid(&p1->isakmp.kdf, m->d->hdr.msgid, CRYPTO_CHUNK(rest, rest_len),
				 h) < 0 ||
	    got.len != p1->isakmp.kdf.prf_len || !crypto_memeq(got.ptr, h, got.len))
		return "HASH(1) does not match";
	return NULL;
}

void ikev1_info_receive(struct ikev1_msg *m)
{
	static uint8_t plain[IKEV1_MAX_DATAGRAM];
	const struct ike_hdr *h = &m->d->hdr;

	if (!(h->flags & ISAKMP_FLAG_ENCRYPTION)) {
		receive_clear(m);
		return;
	}
	struct state *isakmp = ikev1_find_isakmp(h->icookie, h->rcookie);
	if (isakmp == NULL || !ikev1_sa(isakmp)->keyed || !state_is_established(isakmp->kind)) {
		plog_rl("dropping encrypted Informational from %s: no ISAKMP SA",
			ip_addr_str(&m->from));
		return;
	}
	struct ctl_client *prev = ikev1_log_state(isakmp);
	const char *err = open_protected(isakmp, m, plain, sizeof(plain));
	if (err != NULL) {
		plog_rl("dropping encrypted Informational from %s: %s", ip_addr_str(&m->from), err);
		ikev1_log_done(prev);
		return;
	}
	bool delete_self = false;
	for (unsigned i = 0; i < m->d->npayloads; i++) {
		const struct ike_payload *p = &m->d->payloads[i];
		if (p->type == ISAKMP_NEXT_D)
			delete_self |= handle_delete(isakmp, p);
		else if (p->type == ISAKMP_NEXT_N)
			handle_notify(isakmp, p);
	}
	ikev1_log_done(prev);
	if (delete_self) {
		log_set_context(isakmp->connection, isakmp);
		plog("received Delete SA payload: deleting ISAKMP State #%lu", isakmp->serial);
		state_delete(isakmp);
	}
}
