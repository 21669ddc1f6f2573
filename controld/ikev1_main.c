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

void ikev1_our_id(const struct connection *c, struct ike_id *id)
{
	*id = c->this->id;
	if (id->kind == ID_MYID)
		*id = pluto.myid;
	if (id->kind == ID_NONE || id->kind == ID_MYID)
		*id = id_from_addr(&c->this->host);
}

/* The identity we expect of the peer (may be %any). */
static void peer_id_expected(const struct state *st, struct ike_id *id)
{
	*id = st->connection->that->id;
	if (id->kind == ID_NONE)
		*id = id_from_addr(&ikev1_sa(st)->peer);
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

static struct connection *instantiate(struct connection *t, const ip_address *peer)
{
	struct connection *c = malloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = *t;
	c->name = strdup(t->name);
	c->ike_str = t->ike_str ? strdup(t->ike_str) : NULL;
	c->esp_str = t->esp_str ? strdup(t->esp_str) : NULL;
	for (int i = 0; i < 2; i++)
		c->end[i].updown = t->end[i].updown ? strdup(t->end[i].updown) : NULL;
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
	c->routing = RT_UNROUTED;
	c->next = NULL;
	struct connection **pp = &connections;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = c;
	return c;
}

/* A permanent (or instance) connection for exactly this peer, else a %any template. */
static struct connection *find_responder_conn(const struct iface *ifp, const ip_address *from)
{
	struct connection *tmpl = NULL;

	for (struct connection *c = connections; c != NULL; c = c->next) {
		if (!connection_oriented(c) || !(c->policy & (POLICY_PSK | POLICY_RSASIG)) ||
		    !ip_addr_eq(&c->this->host, &ifp->addr))
			continue;
		if (c->kind != CK_TEMPLATE && ip_addr_eq(&c->that->host, from))
			return c;
		if (c->kind == CK_TEMPLATE && tmpl == NULL)
			tmpl = c;
	}
	return tmpl != NULL ? instantiate(tmpl, from) : NULL;
}

struct state *ikev1_main_responder_state(struct ikev1_msg *m)
{
	struct connection *c = find_responder_conn(m->iface, &m->from);

	if (c == NULL) {
		plog_rl("initial Main Mode message received on %s from %s:%u but no connection "
			"has been authorized",
			iface_endpoint(m->iface), ip_addr_str(&m->from), m->port);
		return NULL;
	}
	struct state *st = ikev1_state_new(c, STATE_MAIN_R0, false);
	if (st == NULL)
		return NULL;
	struct ikev1_sa *sa = ikev1_sa(st);
	sa->iface = m->iface;
	sa->peer = m->from;
	sa->peer_port = m->port;
	memcpy(sa->icookie, m->d->hdr.icookie, IKEV1_COOKIE_LEN);
	do
		crypto_random(sa->rcookie, IKEV1_COOKIE_LEN);
	while (sa->rcookie[0] == 0 && sa->rcookie[1] == 0);
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
	sa->want_phase2 = want_phase2;
	do
		crypto_random(sa->icookie, IKEV1_COOKIE_LEN);
	while (sa->icookie[0] == 0 && sa->icookie[1] == 0);
	struct ctl_client *prev = ikev1_log_state(st);
	if (replacing != 0)
		plog("initiating Main Mode to replace #%lu", replacing);
	else
		plog("initiating Main Mode");
	cursor_out_init(&o, buf, sizeof(buf));
	ikev1_start_msg(&o, sa, ISAKMP_XCHG_MAIN, 0, 0);
	size_t sa_at = cursor_out_len(&o);
	if (!ikev1_spdb_emit_p1(&o, c) || !ike_codec_emit_finish(&o)) {
		ikev1_log_done(prev);
		ikev1_fail(st, RC_INTERNALERR, "cannot build the first Main Mode message");
		return;
	}
	size_t body_len = cursor_out_len(&o) - sa_at - sizeof(struct isakmp_generic);
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
	return ike_codec_parse_sa(ike_digest_first(m->d, ISAKMP_NEXT_SA), &parsed);
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
		m->notify = ISAKMP_N_BAD_PROPOSAL_SYNTAX;
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
	ikev1_start_msg(&m->out, sa, ISAKMP_XCHG_MAIN, 0, 0);
	ikev1_spdb_emit_reply(&m->out, prop, trans, NULL, 0);
	m->have_reply = ike_codec_emit_finish(&m->out);
	return m->have_reply ? STF_OK : STF_FATAL;
}

/* Our KE and nonce: a fresh DH key pair of the group, random bytes. */
static bool make_ke_nonce(struct ikev1_sa *sa, uint16_t group, uint8_t *ke, size_t *ke_len,
			  uint8_t *nonce, size_t *nonce_len)
{
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	if (crypto_dh_new(group, &sa->dh) < 0 ||
	    crypto_dh_public(sa->dh, ke, IKEV1_MAX_KE, ke_len) < 0)
		return false;
	*nonce_len = IKEV1_NONCE_LEN;
	return crypto_random(nonce, IKEV1_NONCE_LEN) == 0;
}

static bool emit_ke_nonce(struct cursor_out *o, const uint8_t *ke, size_t ke_len,
			  const uint8_t *nonce, size_t nonce_len)
{
	return ike_codec_emit_ke(o, ke, ke_len) && ike_codec_emit_nonce(o, nonce, nonce_len) &&
	       ike_codec_emit_finish(o);
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
	if (!make_ke_nonce(sa, sa->p1.group, sa->gi, &sa->gi_len, sa->ni, &sa->ni_len))
		return STF_FATAL;
	ikev1_start_msg(&m->out, sa, ISAKMP_XCHG_MAIN, 0, 0);
	m->have_reply = emit_ke_nonce(&m->out, sa->gi, sa->gi_len, sa->ni, sa->ni_len);
	return m->have_reply ? STF_OK : STF_FATAL;
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

static const char *find_psk(const struct state *st, struct crypto_chunk *psk)
{
	const struct secrets *set = current_secrets();
	struct ike_id me, him;

	ikev1_our_id(st->connection, &me);
	peer_id_expected(st, &him);
	if (him.kind == ID_ANY)
		him = id_from_addr(&ikev1_sa(st)->peer);
	const struct secret *s = set != NULL ? secrets_find_psk(set, &me, &him) : NULL;
	if (s == NULL)
		return "no preshared key found for this connection";
	*psk = CRYPTO_CHUNK(s->psk, s->psk_len);
	return NULL;
}

/* g^xy, SKEYID and its children, the encryption key and the phase 1 IV. */
static const char *compute_keys(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	uint8_t gxy[IKEV1_MAX_KE];
	size_t gxy_len = 0;
	struct crypto_chunk psk = CRYPTO_CHUNK_EMPTY;
	const char *err = crypto_dh_shared(
		sa->dh, sa->initiator ? CRYPTO_CHUNK(sa->gr, sa->gr_len) : CRYPTO_CHUNK(sa->gi, sa->gi_len),
		gxy, sizeof(gxy), &gxy_len);

	if (err == NULL && sa->p1.auth == OAKLEY_AUTH_PSK)
		err = find_psk(st, &psk);
	struct ikev1_kdf_phase1 in = {
		.hash = sa->p1.hash, .auth = sa->p1.auth, .psk = psk,
		.ni_b = CRYPTO_CHUNK(sa->ni, sa->ni_len), .nr_b = CRYPTO_CHUNK(sa->nr, sa->nr_len),
		.gxy = CRYPTO_CHUNK(gxy, gxy_len), .cky_i = sa->icookie, .cky_r = sa->rcookie,
	};
	int keylen = crypto_cipher_keylen(sa->p1.encr, sa->p1.keylen);
	size_t bs = crypto_cipher_blocksize(sa->p1.encr);
	if (err == NULL && (keylen < 0 || bs == 0 || ikev1_kdf_init(&sa->kdf, &in) < 0 ||
			    ikev1_kdf_set_enc_key(&sa->kdf, (size_t)keylen) < 0 ||
			    ikev1_kdf_phase1_iv(&sa->kdf, CRYPTO_CHUNK(sa->gi, sa->gi_len),
						CRYPTO_CHUNK(sa->gr, sa->gr_len), sa->iv, bs) < 0))
		err = "key derivation failed";
	crypto_cleanse(gxy, sizeof(gxy));
	if (err != NULL)
		return err;
	sa->iv_len = bs;
	sa->keyed = true;
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	return NULL;
}

enum ikev1_stf ikev1_main_inI2_outR2(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const char *err = pull_ke_nonce(m, sa->gi, &sa->gi_len, sa->ni, &sa->ni_len);

	if (err != NULL) {
		plog_rl("bad MI2: %s", err);
		m->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		return STF_FAIL;
	}
	if (!make_ke_nonce(sa, sa->p1.group, sa->gr, &sa->gr_len, sa->nr, &sa->nr_len))
		return STF_FATAL;
	if ((err = compute_keys(st)) != NULL) {
		plog("%s", err);
		m->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		return STF_FAIL;
	}
	ikev1_start_msg(&m->out, sa, ISAKMP_XCHG_MAIN, 0, 0);
	m->have_reply = emit_ke_nonce(&m->out, sa->gr, sa->gr_len, sa->nr, sa->nr_len);
	return m->have_reply ? STF_OK : STF_FATAL;
}

/* --- MI3 / MR3: authentication ------------------------------------------------ */

/* HASH_I when we are (or check) the initiator's, else HASH_R. */
static bool auth_hash(const struct ikev1_sa *sa, bool of_initiator, struct ike_chunk id_b,
		      uint8_t *out)
{
	struct crypto_chunk gi = CRYPTO_CHUNK(sa->gi, sa->gi_len);
	struct crypto_chunk gr = CRYPTO_CHUNK(sa->gr, sa->gr_len);
	struct crypto_chunk sai = CRYPTO_CHUNK(sa->sai_b, sa->sai_b_len);
	struct crypto_chunk id = CRYPTO_CHUNK(id_b.ptr, id_b.len);

	if (of_initiator)
		return ikev1_kdf_hash_i(&sa->kdf, gi, gr, sa->icookie, sa->rcookie, sai, id, out) == 0;
	return ikev1_kdf_hash_r(&sa->kdf, gi, gr, sa->icookie, sa->rcookie, sai, id, out) == 0;
}

/* Append our ID and HASH or SIG, encrypt: MI3 or MR3. */
static bool emit_id_auth(struct state *st, struct cursor_out *o)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	uint8_t idbuf[ID_NAME_MAX], hash[CRYPTO_MAX_HASH], sig[CRYPTO_RSA_MAX_BITS / 8];
	struct ike_id me;
	struct ike_id_payload idp;

	ikev1_our_id(st->connection, &me);
	if (!ikev1_id_to_payload(&me, &idp, idbuf, sizeof(idbuf)))
		return false;
	ikev1_start_msg(o, sa, ISAKMP_XCHG_MAIN, ISAKMP_FLAG_ENCRYPTION, 0);
	size_t id_at = cursor_out_len(o) + sizeof(struct isakmp_generic);
	if (!ike_codec_emit_id(o, &idp))
		return false;
	struct ike_chunk id_b = { cursor_out_window(o, id_at, cursor_out_len(o) - id_at),
				  cursor_out_len(o) - id_at };
	if (id_b.ptr == NULL || !auth_hash(sa, sa->initiator, id_b, hash))
		return false;
	if (sa->p1.auth == OAKLEY_AUTH_PSK) {
		if (!ike_codec_emit_hash(o, hash, sa->kdf.prf_len))
			return false;
	} else {
		const struct secrets *set = current_secrets();
		const struct secret *s = set != NULL ? secrets_find_rsa(set, &me) : NULL;
		size_t sig_len;
		if (s == NULL) {
			loglog(RC_NOKEY, "unable to locate my private key for RSA Signature");
			return false;
		}
		if (crypto_rsa_sign(s->pkey, CRYPTO_CHUNK(hash, sa->kdf.prf_len), sig, sizeof(sig),
				    &sig_len) < 0 ||
		    !ike_codec_emit_sig(o, sig, sig_len))
			return false;
	}
	return ikev1_encrypt_finish(o, sa->p1.encr, sa->kdf.enc_key, sa->kdf.enc_key_len, sa->iv);
}

static const char *check_sig(const struct ike_id *peer, const uint8_t *hash, size_t hash_len,
			     struct ike_chunk sig)
{
	const char *err = "no RSA public key known for the peer's ID";

	for (struct pubkey *k = pubkey_next_for(peer, NULL); k != NULL;
	     k = pubkey_next_for(peer, k)) {
		err = crypto_rsa_verify(k->pkey, CRYPTO_CHUNK(hash, hash_len),
					CRYPTO_CHUNK(sig.ptr, sig.len));
		if (err == NULL)
			return NULL;
	}
	return err;
}

/* The peer's ID and HASH or SIG in MI3 / MR3. */
static const char *check_id_auth(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct ike_payload *idp = ike_digest_first(m->d, ISAKMP_NEXT_ID);
	struct ike_id_payload id;
	struct ike_id expected;
	struct ike_chunk auth;
	uint8_t hash[CRYPTO_MAX_HASH];
	const char *err = ike_codec_parse_id(idp, &id);

	if (err == NULL)
		err = ikev1_id_from_payload(&id, &sa->peer_id);
	if (err != NULL)
		return err;
	peer_id_expected(st, &expected);
	if (!id_match(&expected, &sa->peer_id))
		return "peer ID does not match the connection";
	if (!auth_hash(sa, !sa->initiator, idp->body, hash))
		return "hash computation failed";
	if (sa->p1.auth == OAKLEY_AUTH_PSK) {
		const struct ike_payload *h = ike_digest_first(m->d, ISAKMP_NEXT_HASH);
		if (h == NULL || ike_codec_parse_hash(h, &auth) != NULL)
			return "missing or malformed HASH payload";
		if (auth.len != sa->kdf.prf_len || !crypto_memeq(auth.ptr, hash, auth.len))
			return "received HASH does not match computed value";
		return NULL;
	}
	const struct ike_payload *s = ike_digest_first(m->d, ISAKMP_NEXT_SIG);
	if (s == NULL || ike_codec_parse_sig(s, &auth) != NULL)
		return "missing or malformed SIG payload";
	return check_sig(&sa->peer_id, hash, sa->kdf.prf_len, auth);
}

enum ikev1_stf ikev1_main_inR2_outI3(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const char *err = pull_ke_nonce(m, sa->gr, &sa->gr_len, sa->nr, &sa->nr_len);

	if (err == NULL)
		err = compute_keys(st);
	if (err != NULL) {
		loglog(RC_LOG_SERIOUS, "bad MR2: %s", err);
		return STF_FATAL;
	}
	m->have_reply = emit_id_auth(st, &m->out);
	return m->have_reply ? STF_OK : STF_FATAL;
}

enum ikev1_stf ikev1_main_inI3_outR3(struct state *st, struct ikev1_msg *m)
{
	const char *err = check_id_auth(st, m);

	if (err != NULL) {
		plog("MI3 refused: %s", err);
		m->notify = ikev1_sa(st)->p1.auth == OAKLEY_AUTH_PSK ?
				    ISAKMP_N_INVALID_HASH_INFORMATION :
				    ISAKMP_N_INVALID_SIGNATURE;
		return STF_FAIL;
	}
	plog("Main mode peer ID is %s", id_str(&ikev1_sa(st)->peer_id));
	m->have_reply = emit_id_auth(st, &m->out);
	return m->have_reply ? STF_OK : STF_FATAL;
}

enum ikev1_stf ikev1_main_inR3(struct state *st, struct ikev1_msg *m)
{
	const char *err = check_id_auth(st, m);

	if (err != NULL) {
		loglog(RC_LOG_SERIOUS, "MR3 refused: %s", err);
		return STF_FAIL;
	}
	plog("Main mode peer ID is %s", id_str(&ikev1_sa(st)->peer_id));
	return STF_OK;
}
