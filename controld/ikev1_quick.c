/*
 * Quick Mode (RFC 2409 5.5): three messages under an established ISAKMP SA, each
 * encrypted with the exchange's own IV chain, for one ESP SA pair.
 *
 *   Initiator                                   Responder
 *   QI1 HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  ->          STATE_QUICK_I1
 *                <- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]  STATE_QUICK_R1
 *   QI2 HDR*, HASH(3)                                ->          STATE_QUICK_I2
 *                                                                STATE_QUICK_R2
 * HASH(1) = prf(SKEYID_a, M-ID | rest), HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest),
 * HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b); "rest" is everything after the HASH
 * payload, padding excluded.  Client IDs go out always (tunnel mode).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "ctl.h"
#include "ikev1_sa.h"
#include "log.h"

uint32_t ikev1_new_msgid(const struct state *isakmp)
{
	for (;;) {
		uint32_t id = 0;
		bool used = false;
		struct peer_states it; /* (its Quick Modes are with its peer) */
		crypto_random(&id, sizeof(id));
		for (struct state *st = peer_states(&it, &ikev1_sa(isakmp)->peer);
		     st != NULL && id != 0; st = peer_states_next(&it)) {
			if (st->clonedfrom == isakmp->serial && !state_is_phase1(st->kind) &&
			    st->proto != NULL && ikev1_sa(st)->ipsec.msgid == id)
				used = true;
		}
		if (id != 0 && !used)
			return id;
	}
}

/* A fresh inbound SPI outside 0..0xFFF (the manual). */
static void new_spi(uint8_t *spi)
{
	uint32_t v;

	do
		crypto_random(&v, sizeof(v));
	while (v < IKEV1_MIN_SPI);
	v = htonl(v);
	memcpy(spi, &v, sizeof(v));
}

/* --- client IDs -------------------------------------------------------------- */

static void client_to_id(const ip_subnet *s, struct ike_id_payload *p, uint8_t *buf)
{
	unsigned n = ip_af_len(s->addr.af);
	bool v4 = s->addr.af == AF_INET;

	memset(p, 0, sizeof(*p));
	memcpy(buf, s->addr.bytes, n);
	if (ip_subnet_is_host(s)) {
		p->type = v4 ? ISAKMP_ID_IPV4_ADDR : ISAKMP_ID_IPV6_ADDR;
		p->data = (struct ike_chunk){ buf, n };
		return;
	}
	ip_address mask = ip_subnet_mask(s);
	memcpy(buf + n, mask.bytes, n);
	p->type = v4 ? ISAKMP_ID_IPV4_ADDR_SUBNET : ISAKMP_ID_IPV6_ADDR_SUBNET;
	p->data = (struct ike_chunk){ buf, 2 * n };
}

static int mask_bits(const uint8_t *m, unsigned n)
{
	int bits = 0;
	unsigned i = 0;

	for (; i < n && m[i] == 0xff; i++)
		bits += 8;
	if (i < n) {
		uint8_t b = m[i++];
		while (b & 0x80) {
			bits++;
			b = (uint8_t)(b << 1);
		}
		if (b != 0)
			return -1;
	}
	for (; i < n; i++) {
		if (m[i] != 0)
			return -1;
	}
	return bits;
}

static const char *client_from_id(const struct ike_payload *pl, ip_subnet *s)
{
	struct ike_id_payload p;
	const char *err = ike_codec_parse_id(pl, &p);

	if (err != NULL)
		return err;
	bool v4 = p.type == ISAKMP_ID_IPV4_ADDR || p.type == ISAKMP_ID_IPV4_ADDR_SUBNET;
	bool subnet = p.type == ISAKMP_ID_IPV4_ADDR_SUBNET || p.type == ISAKMP_ID_IPV6_ADDR_SUBNET;
	if (!v4 && p.type != ISAKMP_ID_IPV6_ADDR && p.type != ISAKMP_ID_IPV6_ADDR_SUBNET)
		return "unsupported client ID type";
	unsigned n = ip_af_len(v4 ? AF_INET : AF_INET6);
	if (p.data.len != (subnet ? 2 * n : n))
		return "client ID of the wrong length";
	memset(s, 0, sizeof(*s));
	s->addr.af = v4 ? AF_INET : AF_INET6;
	memcpy(s->addr.bytes, p.data.ptr, n);
	int bits = subnet ? mask_bits(p.data.ptr + n, n) : (int)(8 * n);
	if (bits < 0)
		return "client ID netmask is not contiguous";
	s->maskbits = (uint8_t)bits;
	for (unsigned i = 0; i < n; i++) {
		unsigned keep = (unsigned)bits >= 8 * (i + 1) ? 8 : (unsigned)bits > 8 * i ? (unsigned)bits - 8 * i : 0;
		if (s->addr.bytes[i] & (uint8_t)~(0xff << (8 - keep)))
			return "client ID address has host bits set";
	}
	return NULL;
}

static bool emit_client_ids(struct cursor_out *o, const ip_subnet *ci, const ip_subnet *cr)
{
	uint8_t b1[32], b2[32];
	struct ike_id_payload i1, i2;

	client_to_id(ci, &i1, b1);
	client_to_id(cr, &i2, b2);
	return ike_codec_emit_id(o, &i1) && ike_codec_emit_id(o, &i2);
}

/* IDci and IDcr of a message, or both absent (then the hosts). */
static const char *pull_client_ids(const struct ikev1_msg *m, ip_subnet *ci, ip_subnet *cr,
				   bool *present)
{
	const struct ike_payload *p = ike_digest_first(m->d, ISAKMP_NEXT_ID);

	*present = p != NULL;
	if (p == NULL)
		return NULL;
	const struct ike_payload *q = ike_digest_next(m->d, p);
	if (q == NULL || ike_digest_next(m->d, q) != NULL)
		return "Quick Mode needs two client IDs or none";
	const char *err = client_from_id(p, ci);
	return err != NULL ? err : client_from_id(q, cr);
}

/* --- hashes ------------------------------------------------------------------ */

/* The bytes after the (first) HASH payload, padding excluded. */
static const char *after_hash(const struct ikev1_msg *m, struct crypto_chunk *rest,
			      struct ike_chunk *hash)
{
	if (m->d->npayloads == 0 || m->d->payloads[0].type != ISAKMP_NEXT_HASH)
		return "HASH payload is not the first";
	const char *err = ike_codec_parse_hash(&m->d->payloads[0], hash);
	if (err != NULL)
		return err;
	struct cursor c, hp = m->d->payloads[0].pbs;
	hp.cur = hp.start;
	cursor_init(&c, m->plain, m->plain_len - m->d->padding);
	if (!cursor_skip(&c, cursor_left(&hp)))
		return "HASH payload outside the message";
	cursor_rest(&c, &rest->ptr, &rest->len);
	return NULL;
}

static const char *check_hash(const struct ikev1_sa *p1, struct ike_chunk got,
			      const uint8_t *want)
{
	if (got.len != p1->isakmp.kdf.prf_len || !crypto_memeq(got.ptr, want, got.len))
		return "HASH does not match computed value";
	return NULL;
}

/* --- keys -------------------------------------------------------------------- */

/*
 * KEYMAT both ways (RFC 2409 5.5).  With PFS j is the helper's job that computed
 * g(qm)^xy (or failed to); without, NULL.
 */
static const char *compute_keymat(struct ikev1_sa *sa, const struct ikev1_sa *p1,
				  const struct ikev1_job *j)
{
	struct crypto_chunk gq = CRYPTO_CHUNK_EMPTY;

	if (j != NULL) {
		if (j->rc < 0)
			return "Diffie-Hellman computation failed";
		if (j->err != NULL)
			return j->err;
		gq = CRYPTO_CHUNK(j->gxy, j->gxy_len);
	}
	sa->ipsec.enc_keylen = ikev1_esp_enc_keylen(&sa->ipsec.p2);
	sa->ipsec.auth_keylen = ikev1_esp_auth_keylen(&sa->ipsec.p2);
	size_t len = sa->ipsec.enc_keylen + sa->ipsec.auth_keylen;
	struct crypto_chunk ni = CRYPTO_CHUNK(sa->ni, sa->ni_len),
			    nr = CRYPTO_CHUNK(sa->nr, sa->nr_len);
	if (len > IKEV1_MAX_KEYMAT ||
	    ikev1_kdf_keymat(&p1->isakmp.kdf, gq, ISAKMP_PROTO_ESP,
			     CRYPTO_CHUNK(sa->ipsec.our_spi, 4), ni, nr, sa->ipsec.keymat_in,
			     len) < 0 ||
	    ikev1_kdf_keymat(&p1->isakmp.kdf, gq, ISAKMP_PROTO_ESP,
			     CRYPTO_CHUNK(sa->ipsec.peer_spi, 4), ni, nr, sa->ipsec.keymat_out,
			     len) < 0)
		return "KEYMAT derivation failed";
	return NULL;
}

/* The peer's nonce, and with PFS its KE: kept in sa (gi when we respond, gr when not). */
static const char *pull_nonce_ke(const struct ikev1_msg *m, struct ikev1_sa *sa, uint8_t *nonce,
				 size_t *nonce_len)
{
	struct ike_chunk n, k = { NULL, 0 };
	const struct ike_payload *kp = ike_digest_first(m->d, ISAKMP_NEXT_KE);
	const char *err = ike_codec_parse_nonce(ike_digest_first(m->d, ISAKMP_NEXT_NONCE), &n);

	if (err != NULL)
		return err;
	if (n.len < ISAKMP_NONCE_MIN || n.len > ISAKMP_NONCE_MAX)
		return "nonce length outside 8..256";
	if ((sa->ipsec.p2.group != 0) != (kp != NULL))
		return sa->ipsec.p2.group ? "PFS needs a KE payload" : "KE payload without PFS";
	if (kp != NULL && (err = ike_codec_parse_ke(kp, &k)) != NULL)
		return err;
	if (k.len > IKEV1_MAX_KE)
		return "KE payload too long";
	memcpy(nonce, n.ptr, n.len);
	*nonce_len = n.len;
	if (kp != NULL) {
		memcpy(sa->initiator ? sa->gr : sa->gi, k.ptr, k.len);
		*(sa->initiator ? &sa->gr_len : &sa->gi_len) = k.len;
	}
	return NULL;
}

/* Our nonce (our KE, with PFS, is a helper's job). */
static bool make_nonce(uint8_t *nonce, size_t *nonce_len)
{
	*nonce_len = IKEV1_NONCE_LEN;
	return crypto_random(nonce, IKEV1_NONCE_LEN) == 0;
}

enum qm_hash { QM_HASH1, QM_HASH2 };

/* The message's HASH patched and the whole encrypted. */
static bool seal(struct cursor_out *o, const struct ikev1_sa *p1, struct ikev1_sa *sa,
		 size_t hash_at, enum qm_hash which)
{
	size_t from = hash_at + p1->isakmp.kdf.prf_len;
	uint8_t h[CRYPTO_MAX_HASH];

	if (!cursor_out_ok(o) || cursor_out_len(o) < from)
		return false;
	struct crypto_chunk rest = CRYPTO_CHUNK(cursor_out_window(o, from, cursor_out_len(o) - from),
						cursor_out_len(o) - from);
	int r = which == QM_HASH1 ? ikev1_kdf_hash_msgid(&p1->isakmp.kdf, sa->ipsec.msgid, rest, h)
				  : ikev1_kdf_qm_hash2(&p1->isakmp.kdf, sa->ipsec.msgid,
						       CRYPTO_CHUNK(sa->ni, sa->ni_len), rest, h);
	return r == 0 && cursor_out_patch(o, hash_at, h, p1->isakmp.kdf.prf_len) &&
	       ikev1_encrypt_finish(o, p1->p1.encr, p1->isakmp.kdf.enc_key,
				    p1->isakmp.kdf.enc_key_len, sa->iv);
}

/* --- QI1 --------------------------------------------------------------------- */

/* A Quick Mode of connection c under the ISAKMP SA isakmp (which may be another's). */
static struct state *quick_state(struct connection *c, struct state *isakmp, enum state_kind kind,
				 bool initiator, uint32_t msgid)
{
	struct ikev1_sa *p1 = ikev1_sa(isakmp);
	struct state *st = ikev1_state_new(c, kind, initiator);

	if (st == NULL)
		return NULL;
	struct ikev1_sa *sa = ikev1_sa(st);
	st->clonedfrom = isakmp->serial;
	memcpy(sa->icookie, p1->icookie, IKEV1_COOKIE_LEN);
	memcpy(sa->rcookie, p1->rcookie, IKEV1_COOKIE_LEN);
	ikev1_index_state(st);
	sa->iface = p1->iface;
	sa->peer = p1->peer;
	sa->peer_port = p1->peer_port;
	sa->ipsec.msgid = msgid;
	sa->iv_len = ikev1_blocksize(p1);
	sa->ipsec.our_client = c->this->client;
	sa->ipsec.peer_client = c->that->client;
	if (!ikev1_msgid_iv(p1, msgid, sa->iv)) {
		state_delete(st);
		return NULL;
	}
	return st;
}

static bool build_qi1(struct state *st, const struct ikev1_sa *p1, struct cursor_out *o)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct connection *c = st->connection;
	size_t hash_at;

	ikev1_start_msg(o, sa, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENCRYPTION, sa->ipsec.msgid);
	ike_codec_emit_hash_placeholder(o, p1->isakmp.kdf.prf_len, &hash_at);
	ikev1_spdb_emit_p2(o, c, sa->ipsec.our_spi, p1->p1.group);
	ike_codec_emit_nonce(o, sa->ni, sa->ni_len);
	if (sa->ipsec.p2.group != 0)
		ike_codec_emit_ke(o, sa->gi, sa->gi_len);
	emit_client_ids(o, &sa->ipsec.our_client, &sa->ipsec.peer_client);
	return seal(o, p1, sa, hash_at, QM_HASH1);
}

static enum ikev1_stf qi1_failed(void)
{
	loglog(RC_INTERNALERR, "cannot build the first Quick Mode message");
	return STF_FATAL;
}

/* QI1 sent: with PFS once a helper has made our key pair (j), without at once (NULL). */
static enum ikev1_stf send_qi1(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	static uint8_t buf[IKEV1_MSG_MAX];
	struct ikev1_sa *sa = ikev1_sa(st), *p1 = ikev1_keys(st);
	struct cursor_out o;

	if (j != NULL && j->rc < 0)
		return qi1_failed();
	if (j != NULL)
		ikev1_job_take_ke(j, sa);
	cursor_out_init(&o, buf, sizeof(buf));
	if (p1 == NULL || !build_qi1(st, p1, &o))
		return qi1_failed();
	ikev1_send_request(st, cursor_out_data(&o), cursor_out_len(&o));
	ikev1_change(st, STATE_QUICK_I1);
	return STF_OK;
}

static enum ikev1_stf start_qi1(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ikev1_job *j;

	if (!make_nonce(sa->ni, &sa->ni_len))
		return qi1_failed();
	if (sa->ipsec.p2.group == 0)
		return send_qi1(st, NULL, NULL);
	j = ikev1_dh_job(sizeof(*j), IKEV1_JOB_KE, sa, sa->ipsec.p2.group);
	if (j == NULL)
		return qi1_failed();
	return ikev1_offload(st, j, send_qi1);
}

struct state *ikev1_quick_outI1(struct connection *qc, struct state *isakmp,
				struct ctl_client *whack, unsigned long replacing)
{
	struct ikev1_sa *p1 = ikev1_sa(isakmp);
	struct state *st = quick_state(qc, isakmp, STATE_QUICK_I1, true, ikev1_new_msgid(isakmp));

	if (st == NULL)
		return NULL;
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct connection *c = st->connection;
	st->whack = whack != NULL ? ctl_client_hold(whack) : NULL;
	sa->replacing = replacing;
	struct ctl_client *prev = ikev1_log_state(st);
	plog("initiating Quick Mode %s%s%s", (c->policy & POLICY_PFS) ? "PFS " : "",
	     (c->policy & POLICY_TUNNEL) ? "tunnel" : "transport", replacing ? " to replace" : "");
	new_spi(sa->ipsec.our_spi);
	/* the group our proposal carries (ikev1_spdb_emit_p2 picks the same) */
	sa->ipsec.p2.group = 0;
	if (c->policy & POLICY_PFS)
		sa->ipsec.p2.group = c->esp_algs->n > 0 && c->esp_algs->p[0].group
					     ? c->esp_algs->p[0].group
					     : p1->p1.group;
	if (start_qi1(st) == STF_FATAL) {
		state_delete(st);
		ikev1_log_done(prev);
		log_reset_context();
		return NULL;
	}
	ikev1_log_done(prev);
	return st;
}

struct state *ikev1_quick_responder_state(struct state *isakmp, uint32_t msgid)
{
	return quick_state(isakmp->connection, isakmp, STATE_QUICK_R0, false, msgid);
}

/* --- QI1 -> QR1 ---------------------------------------------------------------- */

/*
 * Another connection between the same two hosts, with the same identities, whose clients
 * are what the initiator asks for (several tunnels between two gateways share one ISAKMP
 * SA, which was negotiated under whichever connection came first), or a %any template
 * that would have them, instantiated for the peer (the manual's Road Warrior section).
 */
static struct connection *client_connection(const struct state *st, const ip_subnet *ci,
					    const ip_subnet *cr)
{
	const struct connection *c = st->connection;
	const struct ikev1_sa *p1 = ikev1_keys(st);
	struct ike_id our_c, our_d;

	if (p1 == NULL)
		return NULL;
	struct conn_cursor it;

	ikev1_our_id(c, &our_c);
	for (struct connection *d = connections_for_peer(&it, &p1->peer); d != NULL;
	     d = connections_for_peer_next(&it)) {
		if (d == c || (d->policy & POLICY_SHUNT_MASK) || connection_isakmp_only(d) ||
		    !ip_addr_eq(&d->this->host, &c->this->host))
			continue;
		bool tmpl = d->kind == CK_TEMPLATE;
		ikev1_our_id(d, &our_d);
		if (!id_eq(&our_c, &our_d) ||
		    (id_is_set(d->that->id) && !id_match(d->that->id, p1->isakmp.peer_id)))
			continue;
		ip_subnet his = tmpl && !d->that->has_client ? ip_subnet_from_addr(&p1->peer) :
							      d->that->client;
		if (!ip_subnet_eq(&his, ci) || !ip_subnet_eq(&d->this->client, cr))
			continue;
		return tmpl ? connection_instantiate(d, &p1->peer) : d;
	}
	return NULL;
}

static const char *responder_ids(struct state *st, const struct ikev1_msg *m, bool *present)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	ip_subnet ci, cr;
	const char *err = pull_client_ids(m, &ci, &cr, present);

	if (err != NULL || !*present)
		return err;
	if (ip_subnet_eq(&ci, &sa->ipsec.peer_client) && ip_subnet_eq(&cr, &sa->ipsec.our_client))
		return NULL;
	struct connection *d = client_connection(st, &ci, &cr);
	if (d == NULL)
		return "client IDs do not match the connection";
	plog("Quick Mode for %s === %s: switching to connection \"%s\"", ip_subnet_str(&cr),
	     ip_subnet_str(&ci), d->name);
	state_set_connection(st, d);
	connections_reap_soon(); /* what st leaves, if an instance, may have nothing left */
	sa->ipsec.our_client = d->this->client;
	sa->ipsec.peer_client = d->that->client;
	log_set_context(d, st);
	return NULL;
}

/* What QR1 needs of QI1 while a helper makes our KE and g^xy. */
struct qr1_job {
	struct ikev1_job job; /* first: ikev1_job_free() frees the whole */
	bool ids;	      /* QI1 had client IDs: ours echo them */
	size_t sa_b_len;
	uint8_t sa_b[IKEV1_MSG_MAX]; /* our SA payload's body (it quotes QI1's transform) */
};

static struct qr1_job *qr1_of(struct ikev1_job *j)
{
	return (struct qr1_job *)((char *)j - offsetof(struct qr1_job, job));
}

/* Our reply SA payload, emitted now while the transform it quotes is still there. */
static bool keep_reply_sa(struct qr1_job *q, const struct ike_proposal *prop,
			  const struct ike_transform *trans, const uint8_t *spi)
{
	const size_t at = sizeof(struct isakmp_generic);
	struct cursor_out o;

	cursor_out_init(&o, q->sa_b, sizeof(q->sa_b));
	if (!ikev1_spdb_emit_reply(&o, prop, trans, spi, IKEV1_SPI_LEN) || !cursor_out_ok(&o) ||
	    cursor_out_len(&o) < at)
		return false;
	q->sa_b_len = cursor_out_len(&o) - at;
	memmove(q->sa_b, q->sa_b + at, q->sa_b_len);
	return true;
}

/* QR1, once the keys are known (with PFS, a helper made our KE and g^xy). */
static enum ikev1_stf send_qr1(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	struct ikev1_sa *sa = ikev1_sa(st), *p1 = ikev1_keys(st);
	struct qr1_job *q = qr1_of(j);
	struct cursor_out *o = &m->out;
	struct cursor_out_payload sap;
	size_t hash_at;

	if (p1 == NULL)
		return STF_FATAL;
	if (sa->ipsec.p2.group != 0 && j->rc == 0)
		ikev1_job_take_ke(j, sa);
	const char *err = compute_keymat(sa, p1, sa->ipsec.p2.group != 0 ? j : NULL);
	if (err != NULL) {
		plog("QI1 refused: %s", err);
		m->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		return STF_FAIL;
	}
	ikev1_start_msg(o, sa, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENCRYPTION, sa->ipsec.msgid);
	ike_codec_emit_hash_placeholder(o, p1->isakmp.kdf.prf_len, &hash_at);
	if (!cursor_out_start_payload(o, ISAKMP_NEXT_SA, &sap) ||
	    !cursor_out_bytes(o, q->sa_b, q->sa_b_len) || !cursor_out_end_payload(o, &sap))
		return STF_FATAL;
	ike_codec_emit_nonce(o, sa->nr, sa->nr_len);
	if (sa->ipsec.p2.group != 0)
		ike_codec_emit_ke(o, sa->gr, sa->gr_len);
	if (q->ids)
		emit_client_ids(o, &sa->ipsec.peer_client, &sa->ipsec.our_client);
	m->have_reply = seal(o, p1, sa, hash_at, QM_HASH2);
	if (!m->have_reply)
		return STF_FATAL;
	if (!ikev1_install_ipsec_sa(st, true)) {
		/* the nearest RFC 2408 type: the kernel cannot do what was agreed */
		loglog(RC_LOG_SERIOUS, "QI1 refused: the kernel refused the inbound SA");
		m->notify = ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED;
		return STF_FAIL;
	}
	return STF_OK;
}

/* QI1 accepted: our SPI, nonce and reply SA, then QR1 (with PFS after a helper's job). */
static enum ikev1_stf answer_qi1(struct state *st, struct ikev1_msg *m,
				 const struct ike_proposal *prop, const struct ike_transform *trans,
				 bool ids)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	unsigned steps = sa->ipsec.p2.group != 0 ? IKEV1_JOB_KE | IKEV1_JOB_SHARED : 0;
	struct ikev1_job *j;
	enum ikev1_stf stf;

	memcpy(sa->ipsec.peer_spi, prop->spi, IKEV1_SPI_LEN);
	new_spi(sa->ipsec.our_spi);
	if (!make_nonce(sa->nr, &sa->nr_len))
		return STF_FATAL;
	j = ikev1_dh_job(sizeof(struct qr1_job), steps, sa, sa->ipsec.p2.group);
	if (j == NULL)
		return STF_FATAL;
	qr1_of(j)->ids = ids;
	if (!keep_reply_sa(qr1_of(j), prop, trans, sa->ipsec.our_spi)) {
		ikev1_job_free(j);
		return STF_FATAL;
	}
	if (steps != 0)
		return ikev1_offload(st, j, send_qr1);
	stf = send_qr1(st, m, j);
	ikev1_job_free(j);
	return stf;
}

enum ikev1_stf ikev1_quick_inI1_outR1(struct state *st, struct ikev1_msg *m)
{
	static struct ike_sa_parsed ps;
	struct ikev1_sa *sa = ikev1_sa(st), *p1 = ikev1_keys(st);
	struct crypto_chunk rest;
	struct ike_chunk got;
	uint8_t want[CRYPTO_MAX_HASH];
	const struct ike_proposal *prop;
	const struct ike_transform *trans;
	bool ids;

	if (p1 == NULL)
		return STF_IGNORE;
	const char *err = after_hash(m, &rest, &got);
	if (err == NULL && ikev1_kdf_hash_msgid(&p1->isakmp.kdf, sa->ipsec.msgid, rest, want) < 0)
		err = "HASH(1) computation failed";
	if (err == NULL && (err = check_hash(p1, got, want)) != NULL)
		m->notify = ISAKMP_N_INVALID_HASH_INFORMATION;
	if (err != NULL) {
		plog_rl("QI1 refused: %s", err);
		return STF_FAIL;
	}
	/* the client IDs decide the connection, whose policy then judges the proposal */
	err = responder_ids(st, m, &ids);
	if (err == NULL)
		err = ike_codec_parse_sa(ike_digest_first(m->d, ISAKMP_NEXT_SA), &ps);
	if (err == NULL)
		err = ikev1_spdb_select_p2(st->connection, &ps.sa, p1->p1.group, &sa->ipsec.p2,
					   &prop, &trans);
	if (err == NULL)
		err = pull_nonce_ke(m, sa, sa->ni, &sa->ni_len);
	if (err != NULL) {
		plog("QI1 refused: %s", err);
		m->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
		return STF_FAIL;
	}
	return answer_qi1(st, m, prop, trans, ids);
}

/* --- QR1 -> QI2, QI2 ------------------------------------------------------------- */

static const char *check_qr1(struct state *st, struct ikev1_msg *m, const struct ikev1_sa *p1)
{
	static struct ike_sa_parsed ps;
	struct ikev1_sa *sa = ikev1_sa(st);
	const struct ike_proposal *prop;
	const struct ike_transform *trans;
	struct crypto_chunk rest;
	struct ike_chunk got;
	uint8_t want[CRYPTO_MAX_HASH];
	uint16_t group = sa->ipsec.p2.group;
	ip_subnet ci, cr;
	bool ids;
	const char *err = after_hash(m, &rest, &got);

	if (err == NULL && ikev1_kdf_qm_hash2(&p1->isakmp.kdf, sa->ipsec.msgid,
					      CRYPTO_CHUNK(sa->ni, sa->ni_len), rest, want) < 0)
		err = "HASH(2) computation failed";
	if (err == NULL)
		err = check_hash(p1, got, want);
	if (err == NULL)
		err = ike_codec_parse_sa(ike_digest_first(m->d, ISAKMP_NEXT_SA), &ps);
	if (err == NULL && (ps.sa.nproposals != 1 || ps.sa.proposals[0].ntransforms != 1))
		err = "the responder must choose one proposal and one transform";
	if (err == NULL)
		err = ikev1_spdb_select_p2(st->connection, &ps.sa, p1->p1.group, &sa->ipsec.p2,
					   &prop, &trans);
	if (err == NULL && sa->ipsec.p2.group != group)
		err = "the responder changed the PFS group";
	if (err == NULL)
		err = pull_nonce_ke(m, sa, sa->nr, &sa->nr_len);
	if (err == NULL)
		err = pull_client_ids(m, &ci, &cr, &ids);
	if (err == NULL && ids &&
	    (!ip_subnet_eq(&ci, &sa->ipsec.our_client) ||
	     !ip_subnet_eq(&cr, &sa->ipsec.peer_client)))
		err = "the responder changed the client IDs";
	if (err == NULL)
		memcpy(sa->ipsec.peer_spi, prop->spi, IKEV1_SPI_LEN);
	return err;
}

/* QI2, once the keys are known (with PFS, a helper computed g^xy: j; else NULL). */
static enum ikev1_stf send_qi2(struct state *st, struct ikev1_msg *m, struct ikev1_job *j)
{
	struct ikev1_sa *sa = ikev1_sa(st), *p1 = ikev1_keys(st);
	uint8_t h[CRYPTO_MAX_HASH];

	if (p1 == NULL)
		return STF_FATAL;
	const char *err = compute_keymat(sa, p1, j);
	if (err != NULL) {
		if (j != NULL && sa->dh == NULL) {
			sa->dh = j->dh; /* back: a good QR1 may still come */
			j->dh = NULL;
		}
		loglog(RC_LOG_SERIOUS, "QR1 refused: %s", err);
		return STF_FAIL;
	}
	struct cursor_out *o = &m->out;
	ikev1_start_msg(o, sa, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENCRYPTION, sa->ipsec.msgid);
	if (ikev1_kdf_qm_hash3(&p1->isakmp.kdf, sa->ipsec.msgid, CRYPTO_CHUNK(sa->ni, sa->ni_len),
			       CRYPTO_CHUNK(sa->nr, sa->nr_len), h) < 0 ||
	    !ike_codec_emit_hash(o, h, p1->isakmp.kdf.prf_len) ||
	    !ikev1_encrypt_finish(o, p1->p1.encr, p1->isakmp.kdf.enc_key,
				  p1->isakmp.kdf.enc_key_len, sa->iv))
		return STF_FATAL;
	m->have_reply = true;
	return STF_OK;
}

enum ikev1_stf ikev1_quick_inR1_outI2(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st), *p1 = ikev1_keys(st);
	struct ikev1_job *j;

	if (p1 == NULL)
		return STF_IGNORE;
	const char *err = check_qr1(st, m, p1);
	if (err != NULL) {
		loglog(RC_LOG_SERIOUS, "QR1 refused: %s", err);
		return STF_FAIL;
	}
	if (sa->ipsec.p2.group == 0)
		return send_qi2(st, m, NULL);
	j = ikev1_dh_job(sizeof(*j), IKEV1_JOB_SHARED, sa, sa->ipsec.p2.group);
	return j != NULL ? ikev1_offload(st, j, send_qi2) : STF_FATAL;
}

enum ikev1_stf ikev1_quick_inI2(struct state *st, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = ikev1_sa(st), *p1 = ikev1_keys(st);
	struct crypto_chunk rest;
	struct ike_chunk got;
	uint8_t want[CRYPTO_MAX_HASH];

	if (p1 == NULL)
		return STF_IGNORE;
	const char *err = after_hash(m, &rest, &got);
	if (err == NULL &&
	    ikev1_kdf_qm_hash3(&p1->isakmp.kdf, sa->ipsec.msgid, CRYPTO_CHUNK(sa->ni, sa->ni_len),
			       CRYPTO_CHUNK(sa->nr, sa->nr_len), want) < 0)
		err = "HASH(3) computation failed";
	if (err == NULL)
		err = check_hash(p1, got, want);
	if (err != NULL) {
		plog_rl("QI2 refused: %s", err);
		return STF_FAIL;
	}
	return STF_OK;
}
