/*
 * Main Mode (RFC 2409 5): six messages, pre-shared keys or RSA signatures.
 *
 *   Initiator                         Responder
 *   MI1  HDR, SA                  ->                   STATE_MAIN_I1
 *                                 <-  HDR, SA  MR1     STATE_MAIN_R1
 *   MI2  HDR, KE, Ni              ->                   STATE_MAIN_I2
 *                                 <-  HDR, KE, Nr MR2  STATE_MAIN_R2
 *   MI3  HDR*, IDii, HASH_I|SIG_I ->                   STATE_MAIN_I3
 *                                 <-  HDR*, IDir, HASH_R|SIG_R  MR3   STATE_MAIN_R3
 *   STATE_MAIN_I4: ISAKMP SA established
 */
#include <stdlib.h>
#include <string.h>

#include "chash.h"
#include "ctl.h"
#include "engine.h"
#include "ifaces.h"
#include "ikev1_sa.h"
#include "keys.h"
#include "log.h"
#include "pluto.h"
#include "secrets.h"

/* --- secrets ---------------------------------------------------------------- */

/* The secrets in force: loaded at start-up, at --listen and at --rereadsecrets. */
static const struct secrets *current_secrets(void)
{
	return pluto_secrets();
}

/* --- identities -------------------------------------------------------------- */

static uint64_t hash_of_peer_id(const void *sa)
{
	return id_hash(((const struct ikev1_sa *)sa)->isakmp.peer_id, crypto_hash_seed());
}

/*
 * The established ISAKMP SAs by their peer's ID (keyed by the process's seed: peers
 * choose their IDs), so that --uniqueids looks at those with the new SA's ID, not at
 * every state of a gateway with thousands of tunnels.
 */
static struct chash by_peer_id = CHASH_INIT(struct ikev1_sa, isakmp.id_next, hash_of_peer_id, NULL);

void ikev1_id_file(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (sa->isakmp.id_state != NULL)
		return;
	sa->isakmp.id_state = st;
	chash_file(&by_peer_id, hash_of_peer_id(sa), sa);
}

void ikev1_id_unfile(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (sa->isakmp.id_state == NULL)
		return;
	chash_unfile(&by_peer_id, hash_of_peer_id(sa), sa);
	sa->isakmp.id_state = NULL;
}

/* Find another connection with an established ISAKMP SA for id at an address not peer. */
static struct connection *stale_for_id(const struct state *st, const struct ike_id *id,
				       const ip_address *peer)
{
	for (const struct ikev1_sa *o = chash_first(&by_peer_id, id_hash(id, crypto_hash_seed()));
	     o != NULL; o = o->isakmp.id_next) {
		const struct state *os = o->isakmp.id_state;
		if (os != st && os->connection != st->connection && id_eq(o->isakmp.peer_id, id) &&
		    !ip_addr_eq(&o->peer, peer))
			return os->connection;
	}
	return NULL;
}

/*
 * The manual, --uniqueids: "whenever a new ISAKMP SA is established, any connection with
 * the same Peer ID but a different Peer IP address is unoriented (causing all its SAs to
 * be deleted)". An instance has nothing left once unoriented, so it goes.
 */
void ikev1_unique_ids(struct state *st)
{
	const struct ikev1_sa *sa = ikev1_sa(st);
	struct connection *d;

	while ((d = stale_for_id(st, sa->isakmp.peer_id, &sa->peer)) != NULL) {
		plog("--uniqueids: %s is now at %s; deleting \"%s\", which had it elsewhere",
		     id_str(sa->isakmp.peer_id), ip_addr_str(&sa->peer), d->name);
		states_delete_connection(d);
		if (d->kind == CK_INSTANCE) {
			connection_delete(d);
		} else {
			engine_unroute(d, true);
			connection_unorient(d); /* until the next --listen orients it again */
		}
		log_set_context(st->connection, st);
	}
}

void ikev1_our_id(const struct connection *c, struct ike_id *id)
{
	id_copy(id, c->this->id);
	if (id->kind == ID_MYID)
		*id = pluto.myid;
	if (id->kind == ID_NONE || id->kind == ID_MYID)
		*id = id_from_addr(&c->this->host);
}

/* The identity c expects of a peer at addr (may be a wildcard such as %any). */
static void peer_id_expected(const struct connection *c, const ip_address *addr,
			     struct ike_id *id)
{
	id_copy(id, c->that->id);
	if (id->kind == ID_NONE)
		*id = id_from_addr(addr);
}

bool ikev1_id_to_payload(const struct ike_id *id, struct ike_id_payload *p, uint8_t *buf,
			 size_t size)
{
	size_t len;

	memset(p, 0, sizeof(*p));
	p->type = (uint8_t)id->kind;
	switch (id->kind) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		len = ip_af_len(id->ip.af);
		memcpy(buf, id->ip.bytes, len);
		break;
	case ID_FQDN:
	case ID_USER_FQDN:
	case ID_KEY_ID:
		len = id->len;
		if (len > size)
			return false;
		memcpy(buf, id->name, len);
		break;
	default:
		return false;
	}
	p->data = (struct ike_chunk){ buf, len };
	return true;
}

const char *ikev1_id_from_payload(const struct ike_id_payload *p, struct ike_id *id)
{
	memset(id, 0, sizeof(*id));
	switch (p->type) {
	case ISAKMP_ID_IPV4_ADDR:
	case ISAKMP_ID_IPV6_ADDR: {
		int af = p->type == ISAKMP_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (p->data.len != ip_af_len(af))
			return "ID address of the wrong length";
		id->kind = p->type == ISAKMP_ID_IPV4_ADDR ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		id->ip.af = (uint8_t)af;
		memcpy(id->ip.bytes, p->data.ptr, p->data.len);
		return NULL;
	}
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
	case ISAKMP_ID_KEY_ID:
		if (p->data.len == 0 || p->data.len > ID_NAME_MAX)
			return "ID name empty or too long";
		id->kind = p->type;
		id->len = (uint16_t)p->data.len;
		memcpy(id->name, p->data.ptr, p->data.len);
		return NULL;
	default:
		return "unsupported ID type";
	}
}

/* --- connections for a first message ------------------------------------------ */

/* A permanent (or instance) connection for exactly this peer, else a %any template. */
static struct connection *find_responder_conn(const struct iface *ifp, const ip_address *from)
{
	struct connection *tmpl = NULL;
	struct conn_cursor it;

	for (struct connection *c = connections_for_peer(&it, from); c != NULL;
	     c = connections_for_peer_next(&it)) {
		if (!(c->policy & (POLICY_PSK | POLICY_RSASIG)) ||
		    !ip_addr_eq(&c->this->host, &ifp->addr))
			continue;
		if (c->kind != CK_TEMPLATE)
			return c;
		if (tmpl == NULL)
			tmpl = c;
	}
	return tmpl;
}

struct state *ikev1_main_responder_state(struct ikev1_msg *m)
{
	struct connection *c = find_responder_conn(m->iface, &m->from);
	const char *err;

	if (c == NULL) {
		plog_rl("initial Main Mode message received on %s from %s:%u but no connection "
			"has been authorized",
			iface_endpoint(m->iface), ip_addr_str(&m->from), m->port);
		return NULL;
	}
	/* known: configured for this address, or a Road Warrior that once got through */
	err = ikev1_halfopen_admit(&m->from, c->kind == CK_PERMANENT ||
						     (c->kind == CK_INSTANCE && c->ever_established));
	if (err != NULL) {
		plog_rl("dropping Main Mode MI1 from %s:%u: %s", ip_addr_str(&m->from), m->port,
			err);
		return NULL;
	}
	if (c->kind == CK_TEMPLATE && (c = connection_instantiate(c, &m->from)) == NULL)
		return NULL;
	struct state *st = ikev1_state_new(c, STATE_MAIN_R0, false);
	if (st == NULL) {
		if (c->kind == CK_INSTANCE && c->nstates == 0 && !c->ever_established)
			connection_delete(c);
		return NULL;
	}
	struct ikev1_sa *sa = ikev1_sa(st);
	sa->iface = m->iface;
	sa->peer = m->from;
	sa->peer_port = m->port;
	memcpy(sa->icookie, m->d->hdr.icookie, IKEV1_COOKIE_LEN);
	ikev1_index_state(st);
	do
		crypto_random(sa->rcookie, IKEV1_COOKIE_LEN);
	while (sa->rcookie[0] == 0 && sa->rcookie[1] == 0);
	ikev1_halfopen_enter(st);
	return st;
}

/* --- MI1 / MR1 --------------------------------------------------------------- */

void ikev1_main_outI1(struct connection *c, struct ctl_client *whack, unsigned keying_try,
		      unsigned long replacing, bool want_phase2)
{
	static uint8_t buf[IKEV1_MSG_MAX];
	struct cursor_out o;
	struct state *st = ikev1_state_new(c, STATE_MAIN_I1, true);

	if (st == NULL)
		return;
	struct ikev1_sa *sa = ikev1_sa(st);
	st->whack = whack != NULL ? ctl_client_hold(whack) : NULL;
	sa->keying_try = keying_try;
	sa->replacing = replacing;
	sa->isakmp.want_phase2 = want_phase2;
	do
		crypto_random(sa->icookie, IKEV1_COOKIE_LEN);
	while (sa->icookie[0] == 0 && sa->icookie[1] == 0);
	ikev1_index_state(st);
	struct ctl_client *prev = ikev1_log_state(st);
	if (replacing != 0)
		plog("initiating Main Mode to replace #%lu", replacing);
	else
		plog("initiating Main Mode");
	cursor_out_init(&o, buf, sizeof(buf));
	ikev1_start_msg(&o, sa, ISAKMP_XCHG_MAIN, 0, 0);
	size_t sa_at = cursor_out_len(&o);
	bool built = ikev1_spdb_emit_p1(&o, c);
	size_t body_len = cursor_out_len(&o) - sa_at - sizeof(struct isakmp_generic);
	if (!built || !ikev1_dpd_emit_vid(&o) || !ike_codec_emit_finish(&o)) {
		ikev1_log_done(prev);
		ikev1_fail(st, RC_INTERNALERR, "cannot build the first Main Mode message");
		return;
	}
	sa->sai_b = malloc(body_len);
	if (sa->sai_b != NULL) {
		memcpy(sa->sai_b, cursor_out_window(&o, sa_at + sizeof(struct isakmp_generic),
						    body_len), body_len);
		sa->sai_b_len = body_len;
	}
	ikev1_send_request(st, cursor_out_data(&o), cursor_out_len(&o));
	ikev1_change(st, STATE_MAIN_I1);
	ikev1_log_done(prev);
}

static const char *parse_sa(const struct ikev1_msg *m, struct ike_sa_parsed **out)
{
	static struct ike_sa_parsed parsed;

	*out = &parsed;
	memset(&parsed.sa, 0, sizeof(parsed.sa));
	return ike_codec_parse_sa(ike_digest_first(m->d, ISAKMP_NEXT_SA), &parsed);
}

/* Why an SA payload did not parse, as RFC 2408 3.14.1's Notification. */
static uint16_t sa_syntax_notify(const struct ike_sa *sa)
{
	if (sa->doi != 0 && sa->doi != ISAKMP_DOI_IPSEC)
		return ISAKMP_N_DOI_NOT_SUPPORTED;
	if (sa->doi != 0 && sa->situation != ISAKMP_SIT_IDENTITY_ONLY)
		return ISAKMP_N_SITUATION_NOT_SUPPORTED;
	return ISAKMP_N_BAD_PROPOSAL_SYNTAX;
}

enum ikev1_stf ikev1_main_inI1_outR1(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ike_sa_parsed *ps;
	const struct ike_proposal *prop;
	const struct ike_transform *trans;
	const char *err = parse_sa(m, &ps);

	if (err != NULL) {
		plog_rl("malformed SA payload in MI1: %s", err);
		m->notify = sa_syntax_notify(&ps->sa);
		return STF_FAIL;
	}
	err = ikev1_spdb_select_p1(st->connection, &ps->sa, &sa->p1, &prop, &trans);
	if (err != NULL) {
		plog("%s", err);
		m->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
		return STF_FAIL;
	}
	const struct ike_payload *p = ike_digest_first(m->d, ISAKMP_NEXT_SA);
	sa->sai_b = malloc(p->body.len);
	if (sa->sai_b == NULL)
		return STF_FATAL;
	memcpy(sa->sai_b, p->body.ptr, p->body.len);
	sa->sai_b_len = p->body.len;
	ikev1_dpd_note_vids(st, m);
	ikev1_start_msg(&m->out, sa, ISAKMP_XCHG_MAIN, 0, 0);
	ikev1_spdb_emit_reply(&m->out, prop, trans, NULL, 0);
	m->have_reply = ikev1_dpd_emit_vid(&m->out) && ike_codec_emit_finish(&m->out);
	return m->have_reply ? STF_OK : STF_FATAL;
}

/* Our nonce: random bytes. */
static bool new_nonce(uint8_t *nonce, size_t *nonce_len)
{
	*nonce_len = IKEV1_NONCE_LEN;
	return crypto_random(nonce, IKEV1_NONCE_LEN) == 0;
}

static bool emit_ke_nonce(struct cursor_out *o, const uint8_t *ke, size_t ke_len,
			  const uint8_t *nonce, size_t nonce_len)
{
	return ike_codec_emit_ke(o, ke, ke_len) && ike_codec_emit_nonce(o, nonce, nonce_len) &&
	       ike_codec_emit_finish(o);
}

/* MI2, once a helper has made our DH key pair. */
static enum ikev1_stf resume_outI2(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (j->rc < 0)
		return STF_FATAL;
	ikev1_job_take_ke(j, sa);
	ikev1_start_msg(&m->out, sa, ISAKMP_XCHG_MAIN, 0, 0);
	m->have_reply = emit_ke_nonce(&m->out, sa->gi, sa->gi_len, sa->ni, sa->ni_len);
	return m->have_reply ? STF_OK : STF_FATAL;
}

enum ikev1_stf ikev1_main_inR1_outI2(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ike_sa_parsed *ps;
	const struct ike_proposal *prop;
	const struct ike_transform *trans;
	const char *err = parse_sa(m, &ps);

	if (err == NULL && (ps->sa.nproposals != 1 || ps->sa.proposals[0].ntransforms != 1))
		err = "the responder must choose one proposal and one transform";
	if (err == NULL)
		err = ikev1_spdb_select_p1(st->connection, &ps->sa, &sa->p1, &prop, &trans);
	if (err != NULL) {
		loglog(RC_LOG_SERIOUS, "bad SA payload in MR1: %s", err);
		return STF_FATAL;
	}
	memcpy(sa->rcookie, m->d->hdr.rcookie, IKEV1_COOKIE_LEN);
	ikev1_dpd_note_vids(st, m);
	struct ikev1_job *j = ikev1_dh_job(sizeof(*j), IKEV1_JOB_KE, sa, sa->p1.group);
	if (j == NULL || !new_nonce(sa->ni, &sa->ni_len)) {
		ikev1_job_free(j);
		return STF_FATAL;
	}
	return ikev1_offload(st, j, resume_outI2);
}

/* --- MI2 / MR2: keys ---------------------------------------------------------- */

static const char *pull_ke_nonce(const struct ikev1_msg *m, uint8_t *ke, size_t *ke_len,
				 uint8_t *nonce, size_t *nonce_len)
{
	struct ike_chunk k, n;
	const char *err = ike_codec_parse_ke(ike_digest_first(m->d, ISAKMP_NEXT_KE), &k);

	if (err == NULL)
		err = ike_codec_parse_nonce(ike_digest_first(m->d, ISAKMP_NEXT_NONCE), &n);
	if (err != NULL)
		return err;
	if (k.len > IKEV1_MAX_KE)
		return "KE payload too long";
	if (n.len < ISAKMP_NONCE_MIN || n.len > ISAKMP_NONCE_MAX)
		return "nonce length outside 8..256";
	memcpy(ke, k.ptr, k.len);
	*ke_len = k.len;
	memcpy(nonce, n.ptr, n.len);
	*nonce_len = n.len;
	return NULL;
}

/* The PSK c would use with a peer at addr (a %any peer ID: the address, as the manual says). */
static const struct secret *psk_for(const struct connection *c, const ip_address *addr)
{
	const struct secrets *set = current_secrets();
	struct ike_id me, him;

	id_copy(&him, c->that->id);
	ikev1_our_id(c, &me);
	if (him.kind == ID_NONE || him.kind == ID_ANY)
		him = id_from_addr(addr);
	return set != NULL ? secrets_find_psk(set, &me, &him) : NULL;
}

static const char *find_psk(const struct state *st, struct crypto_chunk *psk)
{
	const struct secret *s = psk_for(st->connection, &ikev1_sa(st)->peer);

	if (s == NULL)
		return "no preshared key found for this connection";
	*psk = CRYPTO_CHUNK(s->psk, s->psk_len);
	return NULL;
}

/*
 * A job for g^xy, SKEYID and its children, the encryption key and the phase 1 IV
 * (steps: KE too for the responder).  NULL with *err set when there is no PSK, NULL
 * alone without memory.
 */
static struct ikev1_job *keys_job(struct state *st, unsigned steps, const char **err)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct crypto_chunk psk = CRYPTO_CHUNK_EMPTY;
	struct ikev1_job *j;

	*err = NULL;
	if (sa->p1.auth == OAKLEY_AUTH_PSK && (*err = find_psk(st, &psk)) != NULL)
		return NULL;
	j = ikev1_dh_job(sizeof(*j), steps | IKEV1_JOB_SHARED | IKEV1_JOB_SKEYID, sa, sa->p1.group);
	if (j == NULL)
		return NULL;
	j->p1 = sa->p1;
	memcpy(j->ni, sa->ni, sa->ni_len);
	j->ni_len = sa->ni_len;
	memcpy(j->nr, sa->nr, sa->nr_len);
	j->nr_len = sa->nr_len;
	memcpy(j->icookie, sa->icookie, IKEV1_COOKIE_LEN);
	memcpy(j->rcookie, sa->rcookie, IKEV1_COOKIE_LEN);
	if (psk.len > 0) {
		j->psk = malloc(psk.len);
		if (j->psk == NULL) {
			ikev1_job_free(j);
			return NULL;
		}
		memcpy(j->psk, psk.ptr, psk.len);
		j->psk_len = psk.len;
	}
	return j;
}

/* The keys a SKEYID step derived: from now on messages are encrypted. */
static void take_keys(struct ikev1_sa *sa, const struct ikev1_job *j)
{
	sa->isakmp.kdf = j->kdf;
	memcpy(sa->iv, j->iv, j->iv_len);
	sa->iv_len = j->iv_len;
	sa->keyed = true;
}

static enum ikev1_stf refuse_keys(struct ikev1_msg *m, const char *err)
{
	plog("%s", err);
	m->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
	return STF_FAIL;
}

/* MR2, once a helper has made our key pair, g^xy and the keys. */
static enum ikev1_stf resume_outR2(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (j->rc < 0)
		return STF_FATAL;
	if (j->err != NULL)
		return refuse_keys(m, j->err);
	ikev1_job_take_ke(j, sa);
	take_keys(sa, j);
	ikev1_start_msg(&m->out, sa, ISAKMP_XCHG_MAIN, 0, 0);
	m->have_reply = emit_ke_nonce(&m->out, sa->gr, sa->gr_len, sa->nr, sa->nr_len);
	return m->have_reply ? STF_OK : STF_FATAL;
}

enum ikev1_stf ikev1_main_inI2_outR2(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const char *err = pull_ke_nonce(m, sa->gi, &sa->gi_len, sa->ni, &sa->ni_len);
	struct ikev1_job *j;

	if (err != NULL) {
		plog_rl("bad MI2: %s", err);
		m->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		return STF_FAIL;
	}
	if (!new_nonce(sa->nr, &sa->nr_len))
		return STF_FATAL;
	j = keys_job(st, IKEV1_JOB_KE, &err);
	if (j == NULL)
		return err != NULL ? refuse_keys(m, err) : STF_FATAL;
	return ikev1_offload(st, j, resume_outR2);
}

/* --- MI3 / MR3: authentication ------------------------------------------------ */

/* The one reason that is answered with INVALID_ID_INFORMATION, not a HASH or SIG error. */
static const char ikev1_id_mismatch[] = "peer ID does not match the connection";

/* HASH_I when we are (or check) the initiator's, else HASH_R. */
static bool auth_hash(const struct ikev1_sa *sa, bool of_initiator, struct ike_chunk id_b,
		      uint8_t *out)
{
	struct crypto_chunk gi = CRYPTO_CHUNK(sa->gi, sa->gi_len);
	struct crypto_chunk gr = CRYPTO_CHUNK(sa->gr, sa->gr_len);
	struct crypto_chunk sai = CRYPTO_CHUNK(sa->sai_b, sa->sai_b_len);
	struct crypto_chunk id = CRYPTO_CHUNK(id_b.ptr, id_b.len);

	if (of_initiator)
		return ikev1_kdf_hash_i(&sa->isakmp.kdf, gi, gr, sa->icookie, sa->rcookie, sai, id,
					out) == 0;
	return ikev1_kdf_hash_r(&sa->isakmp.kdf, gi, gr, sa->icookie, sa->rcookie, sai, id, out) ==
	       0;
}

/* Our ID payload (buf: its data) and the HASH_I or HASH_R over its body. */
static bool our_id_hash(struct state *st, struct ike_id_payload *idp, uint8_t *buf, uint8_t *hash)
{
	static uint8_t scratch[sizeof(struct isakmp_generic) + 4 + ID_NAME_MAX];
	const size_t at = sizeof(struct isakmp_generic);
	struct ikev1_sa *sa = ikev1_sa(st);
	struct cursor_out o;
	struct ike_id me;

	ikev1_our_id(st->connection, &me);
	if (!ikev1_id_to_payload(&me, idp, buf, ID_NAME_MAX))
		return false;
	/* the body as emit_id_auth() will write it */
	cursor_out_init(&o, scratch, sizeof(scratch));
	if (!ike_codec_emit_id(&o, idp) || cursor_out_len(&o) <= at)
		return false;
	struct ike_chunk id_b = { cursor_out_window(&o, at, cursor_out_len(&o) - at),
				  cursor_out_len(&o) - at };
	return id_b.ptr != NULL && auth_hash(sa, sa->initiator, id_b, hash);
}

/* MI3 or MR3: our ID and the HASH or SIG (auth), encrypted. */
static enum ikev1_stf emit_id_auth(struct state *st, struct ikev1_msg *m,
				   const struct ike_id_payload *idp, const uint8_t *auth,
				   size_t len)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct cursor_out *o = &m->out;
	bool psk = sa->p1.auth == OAKLEY_AUTH_PSK;

	ikev1_start_msg(o, sa, ISAKMP_XCHG_MAIN, ISAKMP_FLAG_ENCRYPTION, 0);
	m->have_reply =
		ike_codec_emit_id(o, idp) &&
		(psk ? ike_codec_emit_hash(o, auth, len) : ike_codec_emit_sig(o, auth, len)) &&
		ikev1_encrypt_finish(o, sa->p1.encr, sa->isakmp.kdf.enc_key,
				     sa->isakmp.kdf.enc_key_len, sa->iv);
	return m->have_reply ? STF_OK : STF_FATAL;
}

/* MI3 or MR3 with RSA, once a helper has signed our hash. */
static enum ikev1_stf resume_signed(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	uint8_t buf[ID_NAME_MAX];
	struct ike_id_payload idp;
	struct ike_id me;

	if (j->rc < 0)
		return STF_FATAL;
	ikev1_our_id(st->connection, &me);
	if (!ikev1_id_to_payload(&me, &idp, buf, sizeof(buf)))
		return STF_FATAL;
	return emit_id_auth(st, m, &idp, j->sig, j->sig_len);
}

/* MI3 or MR3: with a PSK at once, with RSA once a helper has signed the hash. */
static enum ikev1_stf send_id_auth(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	uint8_t buf[ID_NAME_MAX], hash[CRYPTO_MAX_HASH];
	struct ike_id_payload idp;
	struct ike_id me;

	if (!our_id_hash(st, &idp, buf, hash))
		return STF_FATAL;
	if (sa->p1.auth == OAKLEY_AUTH_PSK)
		return emit_id_auth(st, m, &idp, hash, sa->isakmp.kdf.prf_len);
	ikev1_our_id(st->connection, &me);
	const struct secrets *set = current_secrets();
	const struct secret *s = set != NULL ? secrets_find_rsa(set, &me) : NULL;
	if (s == NULL) {
		loglog(RC_NOKEY, "unable to locate my private key for RSA Signature");
		return STF_FATAL;
	}
	struct ikev1_job *j = ikev1_job_new(sizeof(*j), IKEV1_JOB_SIGN);
	if (j == NULL || !ikev1_job_add_key(j, s->pkey)) {
		ikev1_job_free(j);
		return STF_FATAL;
	}
	memcpy(j->hash, hash, sa->isakmp.kdf.prf_len);
	j->hash_len = sa->isakmp.kdf.prf_len;
	return ikev1_offload(st, j, resume_signed);
}

/* A job that checks sig over hash with each public key we have for the peer's ID. */
static const char *verify_job(const struct ikev1_sa *sa, const uint8_t *hash, struct ike_chunk sig,
			      struct ikev1_job **out)
{
	struct ikev1_job *j;

	if (pubkey_next_for(sa->isakmp.peer_id, NULL) == NULL)
		return "no RSA public key known for the peer's ID";
	if (sig.len > IKEV1_JOB_SIG_ROOM)
		return "RSA signature length differs from the modulus length";
	j = ikev1_job_new(sizeof(*j), IKEV1_JOB_VERIFY);
	if (j == NULL)
		return "out of memory";
	for (struct pubkey *k = pubkey_next_for(sa->isakmp.peer_id, NULL); k != NULL;
	     k = pubkey_next_for(sa->isakmp.peer_id, k)) {
		if (!ikev1_job_add_key(j, k->pkey)) {
			ikev1_job_free(j);
			return "out of memory";
		}
	}
	memcpy(j->hash, hash, sa->isakmp.kdf.prf_len);
	j->hash_len = sa->isakmp.kdf.prf_len;
	memcpy(j->sig, sig.ptr, sig.len);
	j->sig_len = sig.len;
	*out = j;
	return NULL;
}

/* --- the responder's choice of connection, once the peer's ID is known ----------------- */

enum id_fit { FIT_NONE, FIT_WILDCARD, FIT_EXACT };

static enum id_fit id_fit(const struct connection *c, const ip_address *peer,
			  const struct ike_id *id)
{
	struct ike_id want;

	peer_id_expected(c, peer, &want);
	if (id_eq(&want, id))
		return FIT_EXACT;
	return id_match(&want, id) ? FIT_WILDCARD : FIT_NONE;
}

/* Would c use the keys the ISAKMP SA has used so far (the same PSK)? */
static bool same_keys(const struct ikev1_sa *sa, const struct connection *c,
		      const struct secret *psk)
{
	if (sa->p1.auth != OAKLEY_AUTH_PSK)
		return (c->policy & POLICY_RSASIG) != 0;
	if (!(c->policy & POLICY_PSK))
		return false;
	const struct secret *s = psk_for(c, &sa->peer);
	return s != NULL && s->psk_len == psk->psk_len &&
	       crypto_memeq(s->psk, psk->psk, psk->psk_len);
}

/*
 * The manual's Road Warrior section: the connection for a first Main Mode message was
 * picked on addresses alone; with the peer's ID known, switch to a connection whose peer
 * ID matches it better and that would have used the same keys (an instance of it if it
 * is a %any template). NULL when the state has a connection that fits, else why not.
 */
static const char *switch_to_best(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct connection *cur = st->connection, *best = cur;
	enum id_fit best_fit = id_fit(cur, &sa->peer, sa->isakmp.peer_id);
	const struct secret *psk = NULL;

	if (best_fit == FIT_EXACT)
		return NULL;
	if (sa->p1.auth == OAKLEY_AUTH_PSK && (psk = psk_for(cur, &sa->peer)) == NULL)
		return "no preshared key found for this connection";
	struct conn_cursor it;

	for (struct connection *c = connections_for_peer(&it, &sa->peer); c != NULL;
	     c = connections_for_peer_next(&it)) {
		if (c == cur || c->kind == CK_INSTANCE || c == cur->template ||
		    !ip_addr_eq(&c->this->host, &sa->iface->addr))
			continue;
		enum id_fit fit = id_fit(c, &sa->peer, sa->isakmp.peer_id);
		if (fit > best_fit && same_keys(sa, c, psk)) {
			best = c;
			best_fit = fit;
		}
	}
	if (best_fit == FIT_NONE)
		return "no connection has a peer ID that matches it";
	if (best == cur)
		return NULL;
	struct connection *c = best->kind == CK_TEMPLATE ? connection_instantiate(best, &sa->peer) : best;
	if (c == NULL)
		return "out of memory";
	plog("peer ID %s: switching from \"%s\" to the better matching \"%s\"",
	     id_str(sa->isakmp.peer_id), cur->name, c->name);
	state_set_connection(st, c);
	log_set_context(c, st);
	connections_reap_soon(); /* cur, if an instance, may have nothing left */
	return NULL;
}

/*
 * The peer's ID and HASH or SIG in MI3 / MR3.  A HASH is checked here; a SIG is for a
 * helper: *verify gets its job (it stays NULL for a HASH).
 */
static const char *check_id_auth(struct state *st, struct ikev1_msg *m, struct ikev1_job **verify)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct ike_payload *idp = ike_digest_first(m->d, ISAKMP_NEXT_ID);
	struct ike_id_payload id;
	struct ike_id peer, expected;
	struct ike_chunk auth;
	uint8_t hash[CRYPTO_MAX_HASH];
	const char *err = ike_codec_parse_id(idp, &id);

	if (err == NULL)
		err = ikev1_id_from_payload(&id, &peer);
	if (err != NULL)
		return err;
	const struct ike_id *kept = id_keep(&peer);
	if (kept == NULL)
		return "out of memory";
	id_release(sa->isakmp.peer_id);
	sa->isakmp.peer_id = kept;
	if (sa->initiator) {
		peer_id_expected(st->connection, &sa->peer, &expected);
		if (!id_match(&expected, sa->isakmp.peer_id))
			return ikev1_id_mismatch;
	} else if ((err = switch_to_best(st)) != NULL) {
		m->notify = ISAKMP_N_INVALID_ID_INFORMATION;
		return err;
	}
	if (!auth_hash(sa, !sa->initiator, idp->body, hash))
		return "hash computation failed";
	if (sa->p1.auth == OAKLEY_AUTH_PSK) {
		const struct ike_payload *h = ike_digest_first(m->d, ISAKMP_NEXT_HASH);
		if (h == NULL || ike_codec_parse_hash(h, &auth) != NULL)
			return "missing or malformed HASH payload";
		if (auth.len != sa->isakmp.kdf.prf_len || !crypto_memeq(auth.ptr, hash, auth.len))
			return "received HASH does not match computed value";
		return NULL;
	}
	const struct ike_payload *s = ike_digest_first(m->d, ISAKMP_NEXT_SIG);
	if (s == NULL || ike_codec_parse_sig(s, &auth) != NULL)
		return "missing or malformed SIG payload";
	return verify_job(sa, hash, auth, verify);
}

/* MI3, once a helper has the keys. */
static enum ikev1_stf resume_outI3(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	if (j->rc < 0)
		return STF_FATAL;
	if (j->err != NULL) {
		loglog(RC_LOG_SERIOUS, "bad MR2: %s", j->err);
		return STF_FATAL;
	}
	take_keys(ikev1_sa(st), j);
	return send_id_auth(st, m);
}

enum ikev1_stf ikev1_main_inR2_outI3(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ikev1_job *j = NULL;
	const char *err = pull_ke_nonce(m, sa->gr, &sa->gr_len, sa->nr, &sa->nr_len);

	if (err == NULL && (j = keys_job(st, 0, &err)) == NULL && err == NULL)
		return STF_FATAL;
	if (err != NULL) {
		loglog(RC_LOG_SERIOUS, "bad MR2: %s", err);
		return STF_FATAL;
	}
	return ikev1_offload(st, j, resume_outI3);
}

static enum ikev1_stf refuse_mi3(struct state *st, struct ikev1_msg *m, const char *err)
{
	plog_rl("MI3 refused: %s", err);
	if (m->notify == 0) /* else check_id_auth chose it */
		m->notify = err == ikev1_id_mismatch ? ISAKMP_N_INVALID_ID_INFORMATION :
			    ikev1_sa(st)->p1.auth == OAKLEY_AUTH_PSK ?
							       ISAKMP_N_INVALID_HASH_INFORMATION :
							       ISAKMP_N_INVALID_SIGNATURE;
	return STF_FAIL;
}

static enum ikev1_stf reply_mr3(struct state *st, struct ikev1_msg *m)
{
	plog("Main mode peer ID is %s", id_str(ikev1_sa(st)->isakmp.peer_id));
	return send_id_auth(st, m);
}

/* MI3's signature checked by a helper. */
static enum ikev1_stf resume_inI3(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	return j->err != NULL ? refuse_mi3(st, m, j->err) : reply_mr3(st, m);
}

enum ikev1_stf ikev1_main_inI3_outR3(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_job *j = NULL;
	const char *err = check_id_auth(st, m, &j);

	if (err != NULL)
		return refuse_mi3(st, m, err);
	if (j != NULL)
		return ikev1_offload(st, j, resume_inI3);
	return reply_mr3(st, m);
}

static enum ikev1_stf mr3_done(struct state *st, const char *err)
{
	if (err != NULL) {
		loglog(RC_LOG_SERIOUS, "MR3 refused: %s", err);
		return STF_FAIL;
	}
	plog("Main mode peer ID is %s", id_str(ikev1_sa(st)->isakmp.peer_id));
	return STF_OK;
}

/* MR3's signature checked by a helper. */
static enum ikev1_stf resume_inR3(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	return mr3_done(st, j->err);
}

enum ikev1_stf ikev1_main_inR3(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_job *j = NULL;
	const char *err = check_id_auth(st, m, &j);

	if (err == NULL && j != NULL)
		return ikev1_offload(st, j, resume_inR3);
	return mr3_done(st, err);
}
