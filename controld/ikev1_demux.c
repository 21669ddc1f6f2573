/*
 * Receiving: header, state lookup by cookies and Message ID, duplicate detection (a
 * retransmitted request gets our last reply again), decryption, payload parsing, the
 * transition table check, the handler, then one place that commits the result:
 * state_change(), the reply, the timers.  Also the state hooks and the common helpers
 * the exchange files share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto_helpers.h"
#include "ctl.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ikev1_sa.h"
#include "log.h"
#include "pluto.h"

static ikev1_send_fn send_hook;

static const struct ikev1_transition transitions[] = {
	{ STATE_MAIN_R0, STATE_MAIN_R1, ISAKMP_XCHG_MAIN, false, P(ISAKMP_NEXT_SA),
	  P(ISAKMP_NEXT_VID), ikev1_main_inI1_outR1, "MI1" },
	{ STATE_MAIN_I1, STATE_MAIN_I2, ISAKMP_XCHG_MAIN, false, P(ISAKMP_NEXT_SA),
	  P(ISAKMP_NEXT_VID), ikev1_main_inR1_outI2, "MR1" },
	{ STATE_MAIN_R1, STATE_MAIN_R2, ISAKMP_XCHG_MAIN, false,
	  P(ISAKMP_NEXT_KE) | P(ISAKMP_NEXT_NONCE),
	  P(ISAKMP_NEXT_VID) | P(ISAKMP_NEXT_CR) | P(ISAKMP_NEXT_NATD), ikev1_main_inI2_outR2,
	  "MI2" },
	{ STATE_MAIN_I2, STATE_MAIN_I3, ISAKMP_XCHG_MAIN, false,
	  P(ISAKMP_NEXT_KE) | P(ISAKMP_NEXT_NONCE),
	  P(ISAKMP_NEXT_VID) | P(ISAKMP_NEXT_CR) | P(ISAKMP_NEXT_NATD), ikev1_main_inR2_outI3,
	  "MR2" },
	{ STATE_MAIN_R2, STATE_MAIN_R3, ISAKMP_XCHG_MAIN, true, P(ISAKMP_NEXT_ID),
	  P(ISAKMP_NEXT_HASH) | P(ISAKMP_NEXT_SIG) | P(ISAKMP_NEXT_CERT) | P(ISAKMP_NEXT_CR) |
		  P(ISAKMP_NEXT_N) | P(ISAKMP_NEXT_VID),
	  ikev1_main_inI3_outR3, "MI3" },
	{ STATE_MAIN_I3, STATE_MAIN_I4, ISAKMP_XCHG_MAIN, true, P(ISAKMP_NEXT_ID),
	  P(ISAKMP_NEXT_HASH) | P(ISAKMP_NEXT_SIG) | P(ISAKMP_NEXT_CERT) | P(ISAKMP_NEXT_N) |
		  P(ISAKMP_NEXT_VID),
	  ikev1_main_inR3, "MR3" },
	{ STATE_QUICK_R0, STATE_QUICK_R1, ISAKMP_XCHG_QUICK, true,
	  P(ISAKMP_NEXT_HASH) | P(ISAKMP_NEXT_SA) | P(ISAKMP_NEXT_NONCE),
	  P(ISAKMP_NEXT_KE) | P(ISAKMP_NEXT_ID) | P(ISAKMP_NEXT_N), ikev1_quick_inI1_outR1,
	  "QI1" },
	{ STATE_QUICK_I1, STATE_QUICK_I2, ISAKMP_XCHG_QUICK, true,
	  P(ISAKMP_NEXT_HASH) | P(ISAKMP_NEXT_SA) | P(ISAKMP_NEXT_NONCE),
	  P(ISAKMP_NEXT_KE) | P(ISAKMP_NEXT_ID) | P(ISAKMP_NEXT_N), ikev1_quick_inR1_outI2,
	  "QR1" },
	{ STATE_QUICK_R1, STATE_QUICK_R2, ISAKMP_XCHG_QUICK, true, P(ISAKMP_NEXT_HASH), 0,
	  ikev1_quick_inI2, "QI2" },
};

const struct ikev1_transition *ikev1_transition_for(enum state_kind from, uint8_t xchg)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		if (transitions[i].from == from && transitions[i].xchg == xchg)
			return &transitions[i];
	}
	return NULL;
}

const char *ikev1_check_payloads(const struct ike_digest *d, uint32_t required,
				 uint32_t optional)
{
	static __thread char why[96];

	for (unsigned i = 0; i < d->npayloads; i++) {
		unsigned t = d->payloads[i].type;
		if (t >= 32 || !((required | optional) & P(t))) {
			snprintf(why, sizeof(why), "unexpected payload %s (%u)",
				 isakmp_payload_name(t), t);
			return why;
		}
	}
	for (unsigned t = 0; t < 32; t++) {
		if ((required & P(t)) && (t >= ISAKMP_NEXT_ROOF || d->count[t] == 0)) {
			snprintf(why, sizeof(why), "missing payload %s", isakmp_payload_name(t));
			return why;
		}
	}
	return NULL;
}

/* --- state objects ----------------------------------------------------------- */

/* Only the part for the state's kind of SA is allocated (the union in struct ikev1_sa). */
static size_t sa_size(enum state_kind kind)
{
	return state_is_phase1(kind)
		       ? offsetof(struct ikev1_sa, isakmp) + sizeof(struct ikev1_isakmp_part)
		       : offsetof(struct ikev1_sa, ipsec) + sizeof(struct ikev1_ipsec_part);
}

static size_t exch_size(enum state_kind kind)
{
	return state_is_phase1(kind) ? IKEV1_EXCH_SIZE : IKEV1_EXCH_SIZE_P2;
}

/* The exchange block: public values, nonces and (Quick Mode) KEYMAT, wiped. */
static void free_exch(struct ikev1_sa *sa, enum state_kind kind)
{
	if (sa->exch != NULL)
		crypto_cleanse(sa->exch, exch_size(kind));
	free(sa->exch);
	sa->exch = NULL;
	sa->gi = sa->gr = sa->ni = sa->nr = NULL;
	sa->gi_len = sa->gr_len = sa->ni_len = sa->nr_len = 0;
	if (!state_is_phase1(kind))
		sa->ipsec.keymat_in = sa->ipsec.keymat_out = NULL;
}

/* A copy of an ISAKMP SA's keys, for the Quick Modes that outlive it. */
static struct ikev1_sa *keep_keys(const struct ikev1_sa *p1)
{
	struct ikev1_sa *k = calloc(1, sa_size(STATE_MAIN_R3));
	const struct ike_id *id = id_keep(p1->isakmp.peer_id);

	if (k == NULL || id == NULL) {
		free(k);
		id_release(id);
		return NULL;
	}
	k->initiator = p1->initiator;
	memcpy(k->icookie, p1->icookie, IKEV1_COOKIE_LEN);
	memcpy(k->rcookie, p1->rcookie, IKEV1_COOKIE_LEN);
	k->peer = p1->peer;
	k->peer_port = p1->peer_port;
	k->p1 = p1->p1;
	k->keyed = true;
	k->isakmp.kdf = p1->isakmp.kdf;
	k->isakmp.peer_id = id;
	return k;
}

static void drop_kept_keys(struct ikev1_sa *sa)
{
	struct ikev1_sa *k = sa->ipsec.kept_keys;

	if (k == NULL)
		return;
	ikev1_kdf_wipe(&k->isakmp.kdf);
	id_release(k->isakmp.peer_id);
	crypto_cleanse(k, sa_size(STATE_MAIN_R3));
	free(k);
	sa->ipsec.kept_keys = NULL;
}

static bool has_ipsec_sa(const struct connection *c)
{
	for (const struct state *o = c->states; o != NULL; o = o->conn_next) {
		if (o->proto != NULL && !state_is_phase1(o->kind) && state_is_established(o->kind))
			return true;
	}
	return false;
}

/*
 * isakmp is going (expired, replaced, deleted by either end) while Quick Modes under it
 * still negotiate.  They keep its keys and finish without it, their messages found by
 * its cookies and their Message IDs: the peer's ISAKMP SA, of the same lifetime, goes at
 * about the same time, and the message that finishes the exchange is often still to
 * come or to be resent (QI2 lost: the responder resends QR1, the initiator answers with
 * QI2 again).  Dropping them instead would, for an answered rekey, make the responder
 * delete an SA its initiator already uses.
 *
 * Except when the peer took the tunnel down: it deleted this ISAKMP SA and every IPsec
 * SA of the Quick Mode's connection.  Then nothing will finish such a Quick Mode, and a
 * responder's gives up at once (ikev1_timer.c: it has no keys) rather than keep its
 * inbound SA through 150 s of resending QR1.
 */
static void orphan_quick_modes(const struct state *isakmp)
{
	const struct ikev1_sa *p1 = ikev1_sa(isakmp);
	struct peer_states it;

	for (struct state *st = peer_states(&it, &p1->peer); st != NULL;
	     st = peer_states_next(&it)) {
		if (st->clonedfrom != isakmp->serial || st->proto == NULL ||
		    state_is_phase1(st->kind) || state_is_established(st->kind))
			continue;
		struct ikev1_sa *sa = ikev1_sa(st);
		if (p1->peer_deleted && !has_ipsec_sa(st->connection)) {
			if (!sa->initiator && st->event_type == IKEV1_EV_RETRANSMIT)
				ikev1_schedule(st, IKEV1_EV_RETRANSMIT, 0);
		} else if (p1->keyed && sa->ipsec.kept_keys == NULL) {
			sa->ipsec.kept_keys = keep_keys(p1);
		}
	}
}

static void free_proto(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (state_is_phase1(st->kind)) {
		ikev1_halfopen_leave(st);
		ikev1_dpd_stop(st);
		ikev1_id_unfile(st);
		ikev1_kdf_wipe(&sa->isakmp.kdf);
		id_release(sa->isakmp.peer_id);
	} else {
		drop_kept_keys(sa);
	}
	crypto_dh_free(sa->dh);
	free(sa->sai_b);
	free_exch(sa, st->kind);
	free(sa->last_out);
	free(sa->pending);
	crypto_cleanse(sa, sa_size(st->kind));
	free(sa);
	st->proto = NULL;
}

static void before_delete(struct state *st)
{
	if (st->proto == NULL)
		return;
	struct ctl_client *prev = ikev1_log_state(st);
	struct connection *c = st->connection;
	ikev1_info_send_delete(st);
	if (state_is_phase1(st->kind))
		orphan_quick_modes(st);
	else if (ikev1_sa(st)->ipsec.installed)
		ikev1_remove_ipsec_sa(st);
	if (c != NULL && c->newest_isakmp_sa == st->serial) {
		struct state *heir = ikev1_heir(st);
		if (heir != NULL)
			ikev1_inherit(heir, st);
	}
	ikev1_log_done(prev);
}

static void status_detail(const struct state *st, char *buf, unsigned len)
{
	const struct ikev1_sa *sa = ikev1_sa(st);
	char ev[64], alg[128];

	if (sa == NULL)
		return;
	ikev1_timer_status(st, ev, sizeof(ev));
	if (state_is_phase1(st->kind)) {
		ikev1_p1_alg_format(&sa->p1, alg, sizeof(alg));
		snprintf(buf, len, "%s; ISAKMP SA %s; %s; %s%s", ev,
			 sa->p1.encr ? alg : "(negotiating)",
			 sa->p1.auth == OAKLEY_AUTH_RSA_SIG ? "RSASIG" : "PSK",
			 sa->initiator ? "initiator" : "responder",
			 st->connection && st->connection->newest_isakmp_sa == st->serial ?
				 "; newest ISAKMP" :
				 "");
		return;
	}
	ikev1_p2_alg_format(&sa->ipsec.p2, alg, sizeof(alg));
	uint32_t out, in;
	memcpy(&out, sa->ipsec.peer_spi, 4);
	memcpy(&in, sa->ipsec.our_spi, 4);
	snprintf(buf, len, "%s; IPsec SA esp.%08x@%s (out) esp.%08x@%s (in) %s%s; %s", ev,
		 ntohl(out), ip_addr_str(&sa->peer), ntohl(in),
		 sa->iface ? ip_addr_str(&sa->iface->addr) : "?", sa->ipsec.p2.transform ? alg : "",
		 sa->ipsec.p2.group ? " PFS" : "", sa->initiator ? "initiator" : "responder");
}

/*
 * A Road Warrior instance lives as long as some state uses it or it is routed. One that
 * never had an SA goes at once (else each forged MI1 from a new address would leave a
 * connection behind); one that had goes from the event loop (connections_reap_soon),
 * since the code that deleted its last SA may still be using it.
 */
static void after_delete(struct connection *c)
{
	if (c->kind != CK_INSTANCE || c->nstates > 0 || c->deleting || c->tearing_down ||
	    c->routing != RT_UNROUTED)
		return;
	if (c->ever_established) {
		connections_reap_soon();
		return;
	}
	log_set_context(c, NULL); /* the context was the state just freed */
	dbg(DBG_CONTROL, "deleting instance \"%s\"[%lu] %s: its half-open state is gone",
	    c->name, c->instance_no, ip_addr_str(&c->that->host));
	connection_delete(c);
}

static const struct state_ops ops = {
	.free_proto = free_proto,
	.status_detail = status_detail,
	.before_delete = before_delete,
	.after_delete = after_delete,
};

/*
 * An address pluto listened on is going (--listen found it gone, or --unlisten): the SAs
 * negotiated through it go first (their Deletes still leave through it), and connections
 * on it are unoriented until the reorientation that follows.
 */
static void iface_gone(struct iface *ifp)
{
	struct state *st, *next;

	for (int phase1 = 0; phase1 <= 1; phase1++) {
		for (st = states; st != NULL; st = next) {
			next = st->next;
			if (st->proto == NULL || ikev1_sa(st)->iface != ifp ||
			    state_is_phase1(st->kind) != phase1)
				continue;
			log_set_context(st->connection, st);
			plog("deleting state: its interface %s is going away", iface_endpoint(ifp));
			state_delete(st);
			next = states;
		}
	}
	for (struct connection *c = connections; c != NULL; c = c->next) {
		if (c->interface != ifp)
			continue;
		log_set_context(c, NULL);
		engine_unroute(c, true); /* while still oriented: the unroute verb needs the ends */
		connection_unorient(c);
	}
	log_reset_context();
}

void ikev1_init(void)
{
	state_set_ops(&ops);
	ikev1_halfopen_init();
	ifaces_set_receiver(ikev1_receive);
	ifaces_set_gone_hook(iface_gone);
}

void ikev1_set_send_hook(ikev1_send_fn fn)
{
	send_hook = fn;
}

struct state *ikev1_state_new(struct connection *c, enum state_kind kind, bool initiator)
{
	struct ikev1_sa *sa = calloc(1, sa_size(kind));
	uint8_t *exch = calloc(1, exch_size(kind));
	struct state *st;

	if (sa == NULL || exch == NULL || (st = state_new(c, kind)) == NULL) {
		free(sa);
		free(exch);
		plog("out of memory for a new state");
		return NULL;
	}
	st->proto = sa;
	sa->exch = exch;
	sa->gi = exch;
	sa->gr = sa->gi + IKEV1_MAX_KE;
	sa->ni = sa->gr + IKEV1_MAX_KE;
	sa->nr = sa->ni + IKEV1_MAX_NONCE;
	if (!state_is_phase1(kind)) {
		sa->ipsec.keymat_in = sa->nr + IKEV1_MAX_NONCE;
		sa->ipsec.keymat_out = sa->ipsec.keymat_in + IKEV1_MAX_KEYMAT;
	}
	sa->initiator = initiator;
	sa->iface = c->interface;
	sa->peer = c->that->host;
	sa->peer_port = c->that->ikeport ? c->that->ikeport : PLUTO_DEFAULT_IKEPORT;
	sa->keying_try = 1;
	if (state_is_phase1(kind))
		sa->isakmp.peer_id = &id_none;
	return st;
}

/* --- crypto helper jobs ------------------------------------------------------ */

struct ikev1_job *ikev1_job_new(size_t size, unsigned steps)
{
	/* 2 KiB that a DH job, dozens of which may wait for a helper, does not carry */
	size_t room = steps & (IKEV1_JOB_SIGN | IKEV1_JOB_VERIFY) ? IKEV1_JOB_SIG_ROOM : 0;
	struct ikev1_job *j = size >= sizeof(*j) ? calloc(1, size + room) : NULL;

	if (j != NULL) {
		j->size = size + room;
		j->steps = steps;
		j->sig = room != 0 ? (uint8_t *)j + size : NULL;
	}
	return j;
}

/*
 * Keys come from the secrets and the public keys, and stay shared with them: the job's
 * own reference keeps a key alive through --rereadsecrets or a new --pubkeyrsa.  Using
 * a shared key on a helper while others use it is safe: each crypto_rsa_sign() and
 * crypto_rsa_verify() makes its own EVP_PKEY_CTX, and OpenSSL 3.0's openssl-threads(7)
 * says "Objects are thread-safe as long as the API's being invoked don't modify the
 * object" and "two threads can calculate a signature using two different EVP_PKEY_CTX
 * objects"; what it rules out is mutating a key ("setting elements of a private or
 * public key") while another thread uses it, and nothing changes a key once loaded.
 * (https://manpages.ubuntu.com/manpages/jammy/man7/openssl-threads.7ssl.html, 3.0.2;
 * the 3.0.19 copy installed here says the same.)
 */
bool ikev1_job_add_key(struct ikev1_job *j, EVP_PKEY *key)
{
	EVP_PKEY **keys = realloc(j->keys, (j->nkeys + 1) * sizeof(*keys));

	if (keys == NULL)
		return false;
	j->keys = keys;
	if (EVP_PKEY_up_ref(key) != 1)
		return false;
	j->keys[j->nkeys++] = key;
	return true;
}

void ikev1_job_free(struct ikev1_job *j)
{
	if (j == NULL)
		return;
	crypto_dh_free(j->dh);
	for (unsigned i = 0; i < j->nkeys; i++)
		EVP_PKEY_free(j->keys[i]);
	free(j->keys);
	if (j->psk != NULL) {
		crypto_cleanse(j->psk, j->psk_len);
		free(j->psk);
	}
	crypto_cleanse(j, j->size); /* g^xy, SKEYID and friends */
	free(j);
}

struct ikev1_job *ikev1_dh_job(size_t size, unsigned steps, struct ikev1_sa *sa, uint16_t group)
{
	struct ikev1_job *j = ikev1_job_new(size, steps);

	if (j == NULL)
		return NULL;
	j->initiator = sa->initiator;
	j->group = group;
	memcpy(j->gi, sa->gi, sa->gi_len);
	j->gi_len = sa->gi_len;
	memcpy(j->gr, sa->gr, sa->gr_len);
	j->gr_len = sa->gr_len;
	if (!(steps & IKEV1_JOB_KE)) {
		j->dh = sa->dh; /* moved: the state no longer has it */
		sa->dh = NULL;
	}
	return j;
}

void ikev1_job_take_ke(struct ikev1_job *j, struct ikev1_sa *sa)
{
	if (sa->initiator) {
		memcpy(sa->gi, j->gi, j->gi_len);
		sa->gi_len = j->gi_len;
	} else {
		memcpy(sa->gr, j->gr, j->gr_len);
		sa->gr_len = j->gr_len;
	}
	if (!(j->steps & IKEV1_JOB_SHARED)) {
		crypto_dh_free(sa->dh);
		sa->dh = j->dh;
		j->dh = NULL;
	}
}

/* The steps, on a helper thread: the job's own data only, and no logging. */
static void step_ke(struct ikev1_job *j)
{
	uint8_t *ke = j->initiator ? j->gi : j->gr;
	size_t *len = j->initiator ? &j->gi_len : &j->gr_len;

	j->rc = crypto_dh_new(j->group, &j->dh);
	if (j->rc == 0)
		j->rc = crypto_dh_public(j->dh, ke, IKEV1_MAX_KE, len);
}

static void step_shared(struct ikev1_job *j)
{
	struct crypto_chunk peer =
		j->initiator ? CRYPTO_CHUNK(j->gr, j->gr_len) : CRYPTO_CHUNK(j->gi, j->gi_len);

	j->err = crypto_dh_shared(j->dh, peer, j->gxy, sizeof(j->gxy), &j->gxy_len);
}

/* SKEYID and its children, the encryption key and the phase 1 IV (RFC 2409 5, B). */
static void step_skeyid(struct ikev1_job *j)
{
	struct ikev1_kdf_phase1 in = {
		.hash = j->p1.hash, .auth = j->p1.auth, .psk = CRYPTO_CHUNK(j->psk, j->psk_len),
		.ni_b = CRYPTO_CHUNK(j->ni, j->ni_len), .nr_b = CRYPTO_CHUNK(j->nr, j->nr_len),
		.gxy = CRYPTO_CHUNK(j->gxy, j->gxy_len), .cky_i = j->icookie, .cky_r = j->rcookie,
	};
	int keylen = crypto_cipher_keylen(j->p1.encr, j->p1.keylen);
	size_t bs = crypto_cipher_blocksize(j->p1.encr);

	if (keylen < 0 || bs == 0 || ikev1_kdf_init(&j->kdf, &in) < 0 ||
	    ikev1_kdf_set_enc_key(&j->kdf, (size_t)keylen) < 0 ||
	    ikev1_kdf_phase1_iv(&j->kdf, CRYPTO_CHUNK(j->gi, j->gi_len),
				CRYPTO_CHUNK(j->gr, j->gr_len), j->iv, bs) < 0) {
		j->err = "key derivation failed";
		return;
	}
	j->iv_len = bs;
}

static void step_sign(struct ikev1_job *j)
{
	if (j->nkeys == 0) {
		j->rc = -EINVAL;
		return;
	}
	j->rc = crypto_rsa_sign(j->keys[0], CRYPTO_CHUNK(j->hash, j->hash_len), j->sig,
				IKEV1_JOB_SIG_ROOM, &j->sig_len);
}

static void step_verify(struct ikev1_job *j)
{
	j->err = "no RSA public key known for the peer's ID";
	for (unsigned i = 0; i < j->nkeys && j->err != NULL; i++)
		j->err = crypto_rsa_verify(j->keys[i], CRYPTO_CHUNK(j->hash, j->hash_len),
					   CRYPTO_CHUNK(j->sig, j->sig_len));
}

static const struct {
	unsigned step;
	void (*fn)(struct ikev1_job *j);
	const char *name;
} job_steps[] = {
	{ IKEV1_JOB_KE, step_ke, "KE" },
	{ IKEV1_JOB_SHARED, step_shared, "g^xy" },
	{ IKEV1_JOB_SKEYID, step_skeyid, "SKEYID" },
	{ IKEV1_JOB_SIGN, step_sign, "RSA signature" },
	{ IKEV1_JOB_VERIFY, step_verify, "RSA verification" },
};

#define NSTEPS (sizeof(job_steps) / sizeof(job_steps[0]))

static void job_work(void *data)
{
	struct ikev1_job *j = data;

	for (size_t i = 0; i < NSTEPS && j->rc == 0 && j->err == NULL; i++) {
		if (j->steps & job_steps[i].step)
			job_steps[i].fn(j);
	}
}

static void job_resume(struct state *st, void *data);

static void job_cleanup(void *data)
{
	ikev1_job_free(data);
}

static const struct crypto_helper_ops job_ops = {
	.name = "IKEv1 job",
	.work = job_work,
	.resume = job_resume,
	.cleanup = job_cleanup,
};

enum ikev1_stf ikev1_offload(struct state *st, struct ikev1_job *j, ikev1_resume_fn resume)
{
	char what[64] = "";
	int r;

	for (size_t i = 0; i < NSTEPS; i++) {
		size_t n = strlen(what);

		if (j->steps & job_steps[i].step)
			snprintf(what + n, sizeof(what) - n, "%s%s", n ? " + " : "",
				 job_steps[i].name);
	}
	struct ikev1_sa *sa = ikev1_sa(st);
	if (sa->pending == NULL && (sa->pending = calloc(1, sizeof(*sa->pending))) == NULL) {
		plog("out of memory to suspend %s", what);
		ikev1_job_free(j);
		return STF_FATAL;
	}
	j->resume = resume;
	r = crypto_helper_submit(st->serial, &job_ops, j); /* j is the pool's now */
	if (r < 0) {
		plog("cannot hand %s to a crypto helper: %s", what, strerror(-r));
		return STF_FATAL;
	}
	dbg(DBG_CONTROL, "%s handed to a crypto helper", what);
	return STF_SUSPEND;
}

/* --- logging and progress ---------------------------------------------------- */

struct ctl_client *ikev1_log_state(struct state *st)
{
	struct ctl_client *prev = log_get_whack();

	log_set_context(st->connection, st);
	if (st->whack != NULL)
		log_set_whack(st->whack);
	return prev;
}

void ikev1_log_done(struct ctl_client *prev)
{
	log_set_whack(prev);
}

void ikev1_change(struct state *st, enum state_kind to)
{
	state_change(st, to);
	if (state_is_established(to)) {
		ikev1_halfopen_leave(st);
		if (st->connection != NULL)
			st->connection->ever_established = true;
	}
	enum rc_type rc = state_is_established(to) ? RC_SUCCESS : RC_NEW_STATE + to;
	/* an unauthenticated peer's progress: one forged MI1 each, so rate-limited */
	if (to == STATE_MAIN_R1 || to == STATE_MAIN_R2)
		plog_rl("%s: %s", state_name(to), state_story(to));
	else
		loglog(rc, "%s: %s", state_name(to), state_story(to));
}

void ikev1_fail(struct state *st, enum rc_type rc, const char *why)
{
	struct ctl_client *prev = ikev1_log_state(st);

	loglog(rc, "%s", why);
	state_delete(st);
	ikev1_log_done(prev);
	log_reset_context();
}

/* --- sending ----------------------------------------------------------------- */

void ikev1_send_to(struct iface *ifp, const ip_address *to, uint16_t port, const uint8_t *buf,
		   size_t len)
{
	dbg(DBG_RAW, "sending %zu bytes to %s:%u", len, ip_addr_str(to), port);
	if (send_hook != NULL) {
		send_hook(ifp, buf, len, to, port);
		return;
	}
	if (ifp == NULL) {
		plog_rl("cannot send: no interface");
		return;
	}
	int r = iface_send(ifp, buf, len, to, port);
	if (r < 0)
		plog_rl("sending %zu bytes to %s:%u failed: %s", len, ip_addr_str(to), port,
			strerror(-r));
}

void ikev1_send_raw(const struct ikev1_sa *sa, const uint8_t *buf, size_t len)
{
	ikev1_send_to(sa->iface, &sa->peer, sa->peer_port, buf, len);
}

void ikev1_keep_last_out(struct ikev1_sa *sa, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len);

	free(sa->last_out);
	sa->last_out = copy;
	sa->last_out_len = copy != NULL ? len : 0;
	if (copy != NULL)
		memcpy(copy, buf, len);
}

void ikev1_send_request(struct state *st, const uint8_t *buf, size_t len)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	ikev1_keep_last_out(sa, buf, len);
	ikev1_send_raw(sa, buf, len);
	sa->retransmits = 0;
	ikev1_schedule(st, IKEV1_EV_RETRANSMIT, IKEV1_RETRANSMIT_MS);
}

/* --- lookups ----------------------------------------------------------------- */

static const uint8_t zero_cookie[IKEV1_COOKIE_LEN];

/* The state index key of an SA's states: its initiator cookie. */
static uint64_t cookie_key(const uint8_t *icookie)
{
	uint64_t k;

	memcpy(&k, icookie, sizeof(k));
	return k;
}

void ikev1_index_state(struct state *st)
{
	state_set_key(st, cookie_key(ikev1_sa(st)->icookie));
}

/* The states whose initiator cookie is icookie (and a few others: check it). */
#define for_each_cookie_state(st, icookie)                                      \
	for (struct state *st = state_first_by_key(cookie_key(icookie)); st != NULL; \
	     st = state_next_by_key(st))

struct state *ikev1_find_isakmp(const uint8_t *icookie, const uint8_t *rcookie)
{
	for_each_cookie_state(st, icookie) {
		struct ikev1_sa *sa = ikev1_sa(st);
		if (sa != NULL && state_is_phase1(st->kind) &&
		    memcmp(sa->icookie, icookie, IKEV1_COOKIE_LEN) == 0 &&
		    memcmp(sa->rcookie, rcookie, IKEV1_COOKIE_LEN) == 0)
			return st;
	}
	return NULL;
}

struct state *ikev1_find_main_i1(const uint8_t *icookie)
{
	for_each_cookie_state(st, icookie) {
		struct ikev1_sa *sa = ikev1_sa(st);
		if (sa != NULL && st->kind == STATE_MAIN_I1 &&
		    memcmp(sa->icookie, icookie, IKEV1_COOKIE_LEN) == 0)
			return st;
	}
	return NULL;
}

/* A responder state already made for this MI1 (a retransmitted MI1). */
static struct state *find_responder(const uint8_t *icookie, const ip_address *from)
{
	for_each_cookie_state(st, icookie) {
		struct ikev1_sa *sa = ikev1_sa(st);
		if (sa != NULL && state_is_phase1(st->kind) && !sa->initiator &&
		    memcmp(sa->icookie, icookie, IKEV1_COOKIE_LEN) == 0 &&
		    ip_addr_eq(&sa->peer, from))
			return st;
	}
	return NULL;
}

static struct state *find_quick(const struct state *isakmp, uint32_t msgid)
{
	for_each_cookie_state(st, ikev1_sa(isakmp)->icookie) {
		struct ikev1_sa *sa = ikev1_sa(st);
		if (sa != NULL && !state_is_phase1(st->kind) && st->clonedfrom == isakmp->serial &&
		    sa->ipsec.msgid == msgid)
			return st;
	}
	return NULL;
}

/* A Quick Mode that outlived its ISAKMP SA (orphan_quick_modes()), by cookies and msgid. */
static struct state *find_orphan_quick(const struct ike_hdr *h)
{
	for_each_cookie_state(st, h->icookie) {
		struct ikev1_sa *sa = ikev1_sa(st);
		if (sa != NULL && !state_is_phase1(st->kind) && sa->ipsec.msgid == h->msgid &&
		    memcmp(sa->icookie, h->icookie, IKEV1_COOKIE_LEN) == 0 &&
		    memcmp(sa->rcookie, h->rcookie, IKEV1_COOKIE_LEN) == 0)
			return st;
	}
	return NULL;
}

/* Could c's Quick Modes go under st, an ISAKMP SA of another connection? */
static bool shares_isakmp(const struct connection *c, const struct state *st)
{
	const struct connection *d = st->connection;
	const struct ikev1_sa *sa = ikev1_sa(st);
	struct ike_id our_c, our_d;

	if (!connection_oriented(c) || !connection_oriented(d) ||
	    !ip_addr_eq(&c->this->host, &d->this->host) || !ip_addr_eq(&c->that->host, &sa->peer))
		return false;
	if (!(c->policy & d->policy & (POLICY_PSK | POLICY_RSASIG)))
		return false;
	ikev1_our_id(c, &our_c);
	ikev1_our_id(d, &our_d);
	return id_eq(&our_c, &our_d) &&
	       (!id_is_set(c->that->id) || id_match(c->that->id, sa->isakmp.peer_id));
}

/*
 * The newest established ISAKMP SA for c: its own, else one between the same hosts and
 * identities built for another connection (the manual: ISAKMP SAs are kept so that
 * later IPsec SAs can be negotiated directly).
 */
struct state *ikev1_usable_isakmp(struct connection *c)
{
	struct state *best = NULL;
	struct peer_states it;

	for (struct state *st = c->states; st != NULL; st = st->conn_next) {
		if ((st->kind == STATE_MAIN_I4 || st->kind == STATE_MAIN_R3) && st->proto != NULL &&
		    (best == NULL || st->serial > best->serial))
			best = st;
	}
	if (best != NULL || !connection_oriented(c))
		return best;
	/* (shares_isakmp() wants the same peer: only the connections with it) */
	for (struct state *st = peer_states(&it, &c->that->host); st != NULL;
	     st = peer_states_next(&it)) {
		if ((st->kind == STATE_MAIN_I4 || st->kind == STATE_MAIN_R3) && st->proto != NULL &&
		    st->connection != c && shares_isakmp(c, st) &&
		    (best == NULL || st->serial > best->serial))
			best = st;
	}
	return best;
}

bool ikev1_start_msg(struct cursor_out *o, const struct ikev1_sa *sa, uint8_t xchg, uint8_t flags,
		     uint32_t msgid)
{
	struct ike_hdr h = { .xchg = xchg, .flags = flags, .msgid = msgid };

	memcpy(h.icookie, sa->icookie, IKEV1_COOKIE_LEN);
	memcpy(h.rcookie, sa->rcookie, IKEV1_COOKIE_LEN);
	return ike_codec_emit_header(o, &h);
}

/* --- receiving ---------------------------------------------------------------- */

struct ikev1_sa *ikev1_keys(const struct state *st)
{
	if (state_is_phase1(st->kind))
		return ikev1_sa(st);
	struct state *p1 = state_by_serial(st->clonedfrom);
	if (p1 != NULL && p1->proto != NULL && ikev1_sa(p1)->keyed)
		return ikev1_sa(p1);
	return ikev1_sa(st)->ipsec.kept_keys;
}

/* Decrypt (when the row says so) and parse the payloads; NULL or why. */
static const char *open_message(struct state *st, const struct ikev1_transition *t,
				struct ikev1_msg *m)
{
	static uint8_t plain[IKEV1_MAX_DATAGRAM];
	struct ikev1_sa *sa = ikev1_sa(st);
	bool enc = m->d->hdr.flags & ISAKMP_FLAG_ENCRYPTION;

	if (enc != t->encrypted)
		return enc ? "unexpectedly encrypted" : "should have been encrypted";
	m->plain = m->d->body.ptr;
	m->plain_len = m->d->body.len;
	if (enc) {
		const struct ikev1_sa *k = ikev1_keys(st);
		if (k == NULL)
			return "no keys for an encrypted message";
		const char *err =
			ikev1_decrypt(k->p1.encr, k->isakmp.kdf.enc_key, k->isakmp.kdf.enc_key_len,
				      sa->iv, m->d->body, plain, sizeof(plain));
		if (err != NULL)
			return err;
		m->plain = plain;
	}
	return ike_codec_parse_payloads(m->d, m->plain, m->plain_len);
}

/*
 * After an established SA: newest bookkeeping, Quick Mode or the whack client's release.
 * False when st is gone (its IPsec SA could not be installed).
 */
static bool established(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct connection *c = st->connection;

	ikev1_schedule_lifetime(st);
	if (state_is_phase1(st->kind)) {
		c->newest_isakmp_sa = st->serial;
		ikev1_dpd_start(st);
		ikev1_id_file(st);
		if (pluto.uniqueids)
			ikev1_unique_ids(st);
		if (sa->initiator && sa->isakmp.want_phase2 && !connection_isakmp_only(c)) {
			struct ctl_client *w = st->whack;
			st->whack = NULL;
			ikev1_quick_outI1(c, st, w, 0);
			if (w != NULL)
				ctl_client_release(w);
			return true;
		}
	} else {
		c->newest_ipsec_sa = st->serial;
		/* the manual: the connection must be routed before its eroute and SA go in */
		const char *why = !routing_sa_up(c, st->serial) ? "the connection cannot be routed" :
				  !ikev1_install_ipsec_sa(st, false) ? "the kernel refused it" :
								       NULL;
		if (why != NULL) {
			/* not kept as if it worked: the peer is told with a Delete */
			loglog(RC_LOG_SERIOUS, "IPsec SA not installed (%s): deleting it", why);
			state_delete(st);
			return false;
		}
		routing_sa_installed(c);
	}
	if (st->whack != NULL) {
		ctl_client_release(st->whack);
		st->whack = NULL;
	}
	return true;
}

/* What only the negotiation needed: gone once the SA is established (and installed). */
static void shed_exchange(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	free_exch(sa, st->kind);
	free(sa->sai_b);
	sa->sai_b = NULL;
	sa->sai_b_len = 0;
	if (!state_is_phase1(st->kind))
		drop_kept_keys(sa);
}

static void commit(struct state *st, const struct ikev1_transition *t, struct ikev1_msg *m,
		   const uint8_t *digest)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	memcpy(sa->last_in, digest, sizeof(sa->last_in));
	sa->have_last_in = true;
	sa->retransmits = 0;
	ikev1_change(st, t->to);
	if (m->have_reply) {
		ikev1_keep_last_out(sa, cursor_out_data(&m->out), cursor_out_len(&m->out));
		ikev1_send_raw(sa, cursor_out_data(&m->out), cursor_out_len(&m->out));
	} else if (state_is_established(t->to)) {
		/*
		 * The exchange's last message (MR3 to the initiator, QI2 to the responder) has
		 * no answer, nor has a duplicate of it: resending our earlier message would
		 * make the peer resend its own, and so on, back and forth without end.
		 */
		free(sa->last_out);
		sa->last_out = NULL;
		sa->last_out_len = 0;
	}
	if (state_is_established(t->to)) {
		if (established(st))
			shed_exchange(st);
	} else if (t->to == STATE_MAIN_R1) {
		ikev1_schedule(st, IKEV1_EV_SO_DISCARD, IKEV1_HALFOPEN_R1_MS);
	} else {
		ikev1_schedule(st, IKEV1_EV_RETRANSMIT, IKEV1_RETRANSMIT_MS);
	}
}

static void refuse(struct state *st, struct ikev1_msg *m, bool fresh)
{
	if (m->notify != 0) {
		struct state *p1 = state_is_phase1(st->kind) ? NULL : state_by_serial(st->clonedfrom);
		if (p1 != NULL)
			ikev1_info_send_notify(p1, m->notify, ISAKMP_PROTO_ISAKMP, NULL, 0);
		else
			ikev1_info_send_clear_notify(m, m->notify);
	}
	if (fresh)
		state_delete(st);
}

/*
 * The one place where a handler's result is acted on, whether the handler ran as the
 * message arrived (process) or was resumed after a crypto helper's job (job_resume).
 * p: what the transition needs besides the state and m, never st's own pending.
 */
static void settle(struct state *st, struct ikev1_msg *m, enum ikev1_stf stf,
		   const struct ikev1_pending *p)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (stf == STF_SUSPEND) {
		*sa->pending = *p; /* ikev1_offload() made room */
		return;
	}
	free(sa->pending);
	sa->pending = NULL;
	if (p->t == NULL) {
		/* no message: the resumed code sent what it had to; only failure is left */
		if (stf == STF_FATAL)
			state_delete(st);
		return;
	}
	if (stf == STF_OK) {
		commit(st, p->t, m, p->digest);
		return;
	}
	memcpy(sa->iv, p->saved_iv, sizeof(sa->iv));
	if (stf == STF_FATAL)
		state_delete(st);
	else
		refuse(st, m, p->fresh);
}

/*
 * A helper has done st's job: the rest of the handler runs with a message that has
 * only its origin (for a clear notification) and room for the reply, then settles.
 */
static void job_resume(struct state *st, void *data)
{
	static uint8_t reply[IKEV1_MSG_MAX];
	static struct ike_digest d;
	struct ikev1_job *j = data;
	struct ikev1_pending p;

	if (st->proto == NULL)
		return;
	p = *ikev1_sa(st)->pending;
	memset(&d, 0, sizeof(d));
	memcpy(d.hdr.icookie, p.icookie, IKEV1_COOKIE_LEN);
	memcpy(d.hdr.rcookie, p.rcookie, IKEV1_COOKIE_LEN);
	struct ikev1_msg m = { .iface = p.iface, .from = p.from, .port = p.port, .d = &d };
	cursor_out_init(&m.out, reply, sizeof(reply));
	struct ctl_client *prev = ikev1_log_state(st);
	settle(st, &m, j->resume(st, &m, j), &p);
	ikev1_log_done(prev);
	log_reset_context();
}

/* Is st's last message being answered?  Then m is its retransmission: resend. */
static bool duplicate(struct state *st, const uint8_t *digest)
{
	struct ikev1_sa *sa = ikev1_sa(st);

	if (!sa->have_last_in || !crypto_memeq(digest, sa->last_in, sizeof(sa->last_in)))
		return false;
	if (sa->last_out != NULL) {
		dbg(DBG_CONTROL, "retransmitting in response to duplicate packet; already %s",
		    state_name(st->kind));
		ikev1_send_raw(sa, sa->last_out, sa->last_out_len);
	} else {
		dbg(DBG_CONTROL, "ignoring duplicate packet; already %s", state_name(st->kind));
	}
	return true;
}

/* An encrypted Main Mode message that makes no sense once decrypted, with a PSK? */
static bool undecryptable_p1(const struct state *st, const struct ikev1_transition *t)
{
	return t->encrypted && state_is_phase1(st->kind) &&
	       ikev1_sa(st)->p1.auth == OAKLEY_AUTH_PSK;
}

/*
 * With pre-shared keys the encryption key comes from the PSK, so a peer with another
 * PSK sends MI3 / MR3 that decrypt to garbage: say so (as Libreswan does), and tell the
 * responder's peer, who has shown it receives at its address (MI2 carried our cookie).
 */
static void undecryptable(struct state *st, struct ikev1_msg *m)
{
	plog_rl("probable authentication failure (mismatch of preshared secrets?): %s "
		"payloads malformed after decryption",
		state_name(st->kind));
	if (!ikev1_sa(st)->initiator)
		ikev1_info_send_clear_notify(m, ISAKMP_N_PAYLOAD_MALFORMED);
}

/*
 * Run one message through st's transition. fresh: st was made for this message.
 * While a crypto helper works for st, its messages are dropped, not queued: what can
 * arrive then is a retransmission (the peer resends after 10 s; once the job is done
 * it is a duplicate and gets our reply again) or something not worth keeping; a queue
 * would hold a copy of each datagram and replay it through a state that has moved on.
 */
static void process(struct state *st, struct ikev1_msg *m, bool fresh)
{
	static uint8_t reply[IKEV1_MSG_MAX];
	struct ikev1_sa *sa = ikev1_sa(st);
	struct ikev1_pending p = { .fresh = fresh, .iface = m->iface, .from = m->from,
				   .port = m->port };
	struct crypto_chunk raw = CRYPTO_CHUNK(m->raw, m->raw_len);

	if (crypto_helper_busy(st->serial)) {
		dbg(DBG_CONTROL, "discarding packet received during asynchronous crypto work in %s",
		    state_name(st->kind));
		return;
	}
	crypto_hash(OAKLEY_HASH_SHA1, &raw, 1, p.digest, sizeof(p.digest));
	if (duplicate(st, p.digest))
		return;
	p.t = ikev1_transition_for(st->kind, m->d->hdr.xchg);
	if (p.t == NULL) {
		plog_rl("dropping unexpected %s message in %s", isakmp_xchg_name(m->d->hdr.xchg),
			state_name(st->kind));
		return;
	}
	memcpy(p.saved_iv, sa->iv, sizeof(p.saved_iv));
	memcpy(p.icookie, m->d->hdr.icookie, IKEV1_COOKIE_LEN);
	memcpy(p.rcookie, m->d->hdr.rcookie, IKEV1_COOKIE_LEN);
	const char *err = open_message(st, p.t, m);
	if (err == NULL)
		err = ikev1_check_payloads(m->d, p.t->required, p.t->optional);
	if (err != NULL) {
		memcpy(sa->iv, p.saved_iv, sizeof(p.saved_iv));
		plog_rl("dropping %s from %s:%u: %s", p.t->what, ip_addr_str(&m->from), m->port,
			err);
		if (undecryptable_p1(st, p.t))
			undecryptable(st, m);
		if (fresh)
			state_delete(st);
		return;
	}
	cursor_out_init(&m->out, reply, sizeof(reply));
	settle(st, m, p.t->handler(st, m), &p);
}

static void receive_main(struct ikev1_msg *m)
{
	const struct ike_hdr *h = &m->d->hdr;
	struct state *st;
	bool fresh = false;

	if (h->msgid != 0) {
		plog_rl("Main Mode message from %s with a non-zero Message ID", ip_addr_str(&m->from));
		return;
	}
	if (memcmp(h->icookie, zero_cookie, IKEV1_COOKIE_LEN) == 0) {
		plog_rl("dropping Main Mode message from %s: the initiator cookie is zero",
			ip_addr_str(&m->from));
		return;
	}
	if (memcmp(h->rcookie, zero_cookie, IKEV1_COOKIE_LEN) == 0) {
		st = find_responder(h->icookie, &m->from);
		if (st == NULL) {
			st = ikev1_main_responder_state(m);
			fresh = true;
		}
	} else {
		st = ikev1_find_isakmp(h->icookie, h->rcookie);
		if (st == NULL)
			st = ikev1_find_main_i1(h->icookie);
	}
	if (st == NULL) {
		if (!fresh)
			plog_rl("Main Mode message from %s for an unknown SA", ip_addr_str(&m->from));
		return;
	}
	struct ctl_client *prev = ikev1_log_state(st);
	process(st, m, fresh);
	ikev1_log_done(prev);
}

static void receive_quick(struct ikev1_msg *m)
{
	const struct ike_hdr *h = &m->d->hdr;
	struct state *p1 = ikev1_find_isakmp(h->icookie, h->rcookie);
	struct state *st = NULL;
	bool fresh = false;

	if (p1 == NULL && h->msgid != 0)
		st = find_orphan_quick(h);
	if (st == NULL && (p1 == NULL || !state_is_established(p1->kind))) {
		plog_rl("Quick Mode message from %s without an established ISAKMP SA",
			ip_addr_str(&m->from));
		return;
	}
	if (h->msgid == 0) {
		plog_rl("Quick Mode message from %s with Message ID 0", ip_addr_str(&m->from));
		return;
	}
	if (st == NULL)
		st = find_quick(p1, h->msgid);
	if (st == NULL) {
		st = ikev1_quick_responder_state(p1, h->msgid);
		fresh = true;
	}
	if (st == NULL)
		return;
	struct ctl_client *prev = ikev1_log_state(st);
	process(st, m, fresh);
	ikev1_log_done(prev);
}

void ikev1_receive(struct iface *ifp, const uint8_t *buf, size_t len, const ip_address *from,
		   uint16_t port)
{
	static struct ike_digest d;
	struct ikev1_msg m = { .iface = ifp, .from = *from, .port = port, .raw = buf,
			       .raw_len = len, .d = &d };
	const char *err = ike_codec_parse_header(&d, buf, len);
	char flags[32];

	if (err != NULL) {
		plog_rl("dropping packet from %s:%u: %s", ip_addr_str(from), port, err);
		return;
	}
	m.raw_len = d.msg.len;
	dbg(DBG_RAW, "received %zu bytes from %s:%u: %s, flags %s", len, ip_addr_str(from), port,
	    isakmp_xchg_name(d.hdr.xchg), isakmp_flags_name(d.hdr.flags, flags, sizeof(flags)));
	if (d.hdr.flags & ISAKMP_FLAG_COMMIT)
		plog_rl("IKE message has the Commit Flag set but Pluto doesn't implement this "
			"feature; ignoring flag");
	switch (d.hdr.xchg) {
	case ISAKMP_XCHG_MAIN:
		receive_main(&m);
		break;
	case ISAKMP_XCHG_QUICK:
		receive_quick(&m);
		break;
	case ISAKMP_XCHG_INFO:
		ikev1_info_receive(&m);
		break;
	default:
		plog_rl("dropping packet from %s:%u: unsupported exchange type %s (%u)",
			ip_addr_str(from), port, isakmp_xchg_name(d.hdr.xchg), d.hdr.xchg);
		break;
	}
	log_reset_context();
}

void ikev1_initiate(struct connection *c, struct ctl_client *whack)
{
	struct state *p1 = ikev1_usable_isakmp(c);

	if (p1 == NULL) {
		ikev1_main_outI1(c, whack, 1, 0, true);
		return;
	}
	if (connection_isakmp_only(c)) {
		loglog(RC_SUCCESS, "ISAKMP SA #%lu is already established", p1->serial);
		return;
	}
	ikev1_quick_outI1(c, p1, whack, 0);
}
