/*
 * A message arriving mid-exchange, on either side.  The harness plays the peer
 * (198.51.100.7) of a PSK connection between 192.0.2.1/10.1.0.0/16 and
 * 198.51.100.7/10.2.0.0/16 (aes128-sha1-modp1024, esp=aes128-sha1, PFS), takes pluto
 * through the exchange with well-formed messages up to a point, and then hands it the
 * fuzzed message.  Input: one byte choosing the point, one byte for the first payload
 * type, then the payloads:
 *
 *   0 R_MI2   pluto responded to MI1 (STATE_MAIN_R1)     the input is MI2, clear
 *   1 R_MI3   ... and to MI2 (STATE_MAIN_R2)             MI3, encrypted by the harness
 *   2 R_QI1   ... and to MI3 (STATE_MAIN_R3)             QI1, encrypted
 *   3 R_INFO  ... the same                               an Informational, encrypted
 *   4 I_MR1   pluto initiated: sent MI1 (STATE_MAIN_I1)  MR1, clear
 *   5 I_MR2   ... got MR1, sent MI2 (STATE_MAIN_I2)      MR2, clear
 *   6 I_MR3   ... got MR2, sent MI3 (STATE_MAIN_I3)      MR3, encrypted
 *   7 I_QR1   ... got MR3, sent QI1 (STATE_QUICK_I1)     QR1, encrypted
 *
 * The harness reads the keys from pluto's own state (it is pluto's peer, white-box), so
 * that what the fuzzer writes is what pluto decrypts; and it recomputes the integrity
 * checks over the fuzzed payloads where they are in place (HASH_I/HASH_R after an ID
 * payload, a first HASH payload in Quick Mode and Informational messages), so that
 * fuzzing gets past them into the handlers.  Every reply pluto sends must be a
 * well-formed message.  Afterwards every state is deleted (Deletes go out for the
 * established ones).  Seeds: FUZZ_EXCHANGE_SEEDS=DIR build/fuzz/fuzz_ikev1_exchange -runs=0
 * writes the well-formed next message of each point into DIR.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connections.h"
#include "crypto.h"
#include "crypto_helpers.h"
#include "debug_class.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ikev1_sa.h"
#include "log.h"
#include "pluto.h"
#include "sandbox.h"
#include "state.h"
#include "whack_msg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum point { R_MI2, R_MI3, R_QI1, R_INFO, I_MR1, I_MR2, I_MR3, I_QR1, NPOINTS };

#define GROUP OAKLEY_GROUP_MODP1024
#define QM_MSGID 0x5eed0001u
#define INFO_MSGID 0x5eed0002u

static struct iface fake_iface = {.name = "fuzz0", .port = 500, .fd = -1};
static ip_address peer;
static struct connection *conn;
static const uint8_t our_icookie[8] = "fuzzICK!", our_rcookie[8] = "fuzzRCK!";
static uint8_t ke[IKEV1_MAX_KE], nonce[32] = "the peer's nonce, 32 bytes long";
static size_t ke_len;
static uint8_t last_out[IKEV1_MAX_DATAGRAM]; /* the last datagram pluto sent */
static size_t last_out_len;
static struct ike_digest digest;
static struct ike_sa_parsed *sa_parsed;
static uint8_t msg_buf[IKEV1_MAX_DATAGRAM], plain[IKEV1_MAX_DATAGRAM];

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_ikev1_exchange: %s%s%s\n", what, err ? ": " : "", err ? err : "");
	abort();
}

static ip_address addr(const char *text)
{
	ip_address a;

	if (ip_addr_parse(text, AF_UNSPEC, false, &a) != NULL)
		fail("bad address", text);
	return a;
}

/* What pluto sends must parse (the body only when it is in the clear). */
static void on_send(struct iface *ifp, const uint8_t *buf, size_t len, const ip_address *to,
		    uint16_t port)
{
	const char *err = ike_codec_parse_header(&digest, buf, len);

	if (err == NULL && !(digest.hdr.flags & ISAKMP_FLAG_ENCRYPTION))
		err = ike_codec_parse_payloads(&digest, digest.body.ptr, digest.body.len);
	if (err != NULL)
		fail("pluto sent a malformed message", err);
	if (len > sizeof(last_out))
		fail("pluto sent a datagram too long", NULL);
	memcpy(last_out, buf, len);
	last_out_len = len;
}

/* Run the crypto helper jobs' resumes (inline helpers: the work is already done). */
static void pump(void)
{
	for (int i = 0; i < 4; i++)
		evloop_once(0);
}

/* The phase 1 (or, quick true, Quick Mode) state, or NULL. */
static struct state *find(bool quick)
{
	for (struct state *st = states; st != NULL; st = st->next) {
		if (st->proto != NULL && state_is_phase1(st->kind) != quick)
			return st;
	}
	return NULL;
}

static void deliver(const uint8_t *buf, size_t len)
{
	ikev1_receive(&fake_iface, buf, len, &peer, PLUTO_DEFAULT_IKEPORT);
	pump();
}

/* --- the peer's messages --------------------------------------------------------- */

struct msg_keys {
	const struct ikev1_sa *p1; /* encrypt with its keys; NULL: in the clear */
	uint8_t iv[CRYPTO_MAX_BLOCK];
};

/* Header and body (first payload np) into msg_buf; returns the length or 0. */
static size_t build(const uint8_t *icookie, const uint8_t *rcookie, uint8_t xchg, uint32_t msgid,
		    uint8_t np, const uint8_t *body, size_t len, struct msg_keys *k)
{
	struct ike_hdr h = {.xchg = xchg, .msgid = msgid};
	struct cursor_out o;

	memcpy(h.icookie, icookie, 8);
	memcpy(h.rcookie, rcookie, 8);
	if (k != NULL && k->p1 != NULL)
		h.flags = ISAKMP_FLAG_ENCRYPTION;
	cursor_out_init(&o, msg_buf, sizeof(msg_buf));
	if (!ike_codec_emit_header(&o, &h) || !cursor_out_bytes(&o, body, len) ||
	    !cursor_out_patch_u8(&o, offsetof(struct isakmp_hdr, np), np))
		return 0;
	bool ok = h.flags ? ikev1_encrypt_finish(&o, k->p1->p1.encr, k->p1->isakmp.kdf.enc_key,
						 k->p1->isakmp.kdf.enc_key_len, k->iv)
			  : ike_codec_emit_finish(&o);
	return ok ? cursor_out_len(&o) : 0;
}

/* Payloads written with the codec's emitters into a body of their own. */
struct body {
	struct cursor_out o;
	uint8_t np; /* the first payload's type */
	uint8_t buf[4096];
};

static struct cursor_out *body_start(struct body *b, uint8_t np)
{
	cursor_out_init(&b->o, b->buf, sizeof(b->buf));
	b->np = np;
	return &b->o;
}

static void body_check(struct body *b, bool ok, const char *what)
{
	if (!ok || !cursor_out_ok(&b->o))
		fail("building a message", what);
}

static void emit_p1_sa(struct cursor_out *o)
{
	static const struct ike_attr attrs[] = {
		{.type = OAKLEY_ATTR_ENCRYPTION_ALG, .value = OAKLEY_ENCR_AES_CBC},
		{.type = OAKLEY_ATTR_KEY_LENGTH, .value = 128},
		{.type = OAKLEY_ATTR_HASH_ALG, .value = OAKLEY_HASH_SHA1},
		{.type = OAKLEY_ATTR_AUTH_METHOD, .value = OAKLEY_AUTH_PSK},
		{.type = OAKLEY_ATTR_GROUP_DESC, .value = GROUP},
		{.type = OAKLEY_ATTR_LIFE_TYPE, .value = ISAKMP_LIFE_SECONDS},
		{.type = OAKLEY_ATTR_LIFE_DURATION, .value = 3600},
	};
	static const struct ike_transform t = {
		.number = 1, .id = ISAKMP_KEY_IKE, .nattrs = 7, .attrs = attrs};
	static const struct ike_proposal p = {
		.number = 1, .protocol = ISAKMP_PROTO_ISAKMP, .ntransforms = 1, .transforms = &t};
	static const struct ike_sa sa = {.doi = ISAKMP_DOI_IPSEC,
					 .situation = ISAKMP_SIT_IDENTITY_ONLY,
					 .nproposals = 1,
					 .proposals = &p};

	ike_codec_emit_sa(o, &sa);
}

/* Our ID (ID_IPV4_ADDR 198.51.100.7) and its body, for HASH_I/HASH_R. */
static void emit_our_id(struct cursor_out *o)
{
	struct ike_id_payload id = {.type = ISAKMP_ID_IPV4_ADDR, .data = {peer.bytes, 4}};

	ike_codec_emit_id(o, &id);
}

/* IDci / IDcr: 10.2.0.0/16 (ours) and 10.1.0.0/16 (pluto's), in the order given. */
static void emit_client_ids(struct cursor_out *o, bool ours_first)
{
	static const uint8_t a[8] = {10, 2, 0, 0, 255, 255, 0, 0},
			     b[8] = {10, 1, 0, 0, 255, 255, 0, 0};
	struct ike_id_payload x = {.type = ISAKMP_ID_IPV4_ADDR_SUBNET,
				   .data = {ours_first ? a : b, 8}};
	struct ike_id_payload y = {.type = ISAKMP_ID_IPV4_ADDR_SUBNET,
				   .data = {ours_first ? b : a, 8}};

	ike_codec_emit_id(o, &x);
	ike_codec_emit_id(o, &y);
}

static void emit_p2_sa(struct cursor_out *o, const uint8_t *spi)
{
	static const struct ike_attr attrs[] = {
		{.type = IPSEC_ATTR_SA_LIFE_TYPE, .value = ISAKMP_LIFE_SECONDS},
		{.type = IPSEC_ATTR_SA_LIFE_DURATION, .value = 3600},
		{.type = IPSEC_ATTR_GROUP_DESC, .value = GROUP},
		{.type = IPSEC_ATTR_ENCAPSULATION_MODE, .value = ISAKMP_ENCAP_TUNNEL},
		{.type = IPSEC_ATTR_AUTH_ALG, .value = AUTH_ALG_HMAC_SHA1},
		{.type = IPSEC_ATTR_KEY_LENGTH, .value = 128},
	};
	static const struct ike_transform t = {
		.number = 1, .id = ESP_AES, .nattrs = 6, .attrs = attrs};
	struct ike_proposal p = {.number = 1,
				 .protocol = ISAKMP_PROTO_ESP,
				 .spi_size = 4,
				 .ntransforms = 1,
				 .transforms = &t};
	struct ike_sa sa = {.doi = ISAKMP_DOI_IPSEC,
			    .situation = ISAKMP_SIT_IDENTITY_ONLY,
			    .nproposals = 1,
			    .proposals = &p};

	memcpy(p.spi, spi, 4);
	ike_codec_emit_sa(o, &sa);
}

/* The well-formed next message of each point (its HASH is filled in by fix_hashes). */
static void next_body(enum point at, struct body *b)
{
	static const uint8_t spi[4] = {0xc0, 0xff, 0xee, 0x01};
	struct cursor_out *o;
	size_t hash_at;
	bool qm = at == R_QI1 || at == I_QR1;

	switch (at) {
	case R_MI2:
	case I_MR2:
		o = body_start(b, ISAKMP_NEXT_KE);
		body_check(b,
			   ike_codec_emit_ke(o, ke, ke_len) &&
				   ike_codec_emit_nonce(o, nonce, sizeof(nonce)),
			   "KE, nonce");
		break;
	case R_MI3:
	case I_MR3:
		o = body_start(b, ISAKMP_NEXT_ID);
		emit_our_id(o);
		body_check(b, ike_codec_emit_hash_placeholder(o, 20, &hash_at), "ID, HASH");
		break;
	case R_QI1:
	case I_QR1:
		o = body_start(b, ISAKMP_NEXT_HASH);
		ike_codec_emit_hash_placeholder(o, 20, &hash_at);
		emit_p2_sa(o, spi);
		ike_codec_emit_nonce(o, nonce, sizeof(nonce));
		ike_codec_emit_ke(o, ke, ke_len);
		emit_client_ids(o, !qm || at == R_QI1);
		body_check(b, true, "QI1/QR1");
		break;
	case R_INFO: {
		struct ike_notify n = {.doi = ISAKMP_DOI_IPSEC,
				       .protocol = ISAKMP_PROTO_ISAKMP,
				       .spi_size = 16,
				       .type = ISAKMP_N_R_U_THERE,
				       .data = {(const uint8_t *)"\0\0\0\1", 4}};
		o = body_start(b, ISAKMP_NEXT_HASH);
		memcpy(n.spi, our_icookie, 8);
		ike_codec_emit_hash_placeholder(o, 20, &hash_at);
		body_check(b, ike_codec_emit_notify(o, &n), "R-U-THERE");
		break;
	}
	case I_MR1:
	default:
		o = body_start(b, ISAKMP_NEXT_SA);
		emit_p1_sa(o);
		body_check(b, true, "SA");
		break;
	}
}

/*
 * ISAKMP SA cookie pairs in Delete payloads that start with our initiator cookie get
 * pluto's responder cookie (random, unknown to the fuzzer), so that a Delete can name
 * the ISAKMP SA it arrives under.
 */
static void fix_delete_cookies(const struct ike_digest *d, uint8_t *body, const struct ikev1_sa *p1)
{
	for (const struct ike_payload *p = ike_digest_first(d, ISAKMP_NEXT_D); p != NULL;
	     p = ike_digest_next(d, p)) {
		size_t at = (size_t)(p->body.ptr - body) + sizeof(struct isakmp_delete) -
			    sizeof(struct isakmp_generic);
		struct ike_delete del;
		if (ike_codec_parse_delete(p, &del) != NULL || del.spi_size != 16)
			continue;
		for (unsigned i = 0; i < del.nspis; i++, at += 16) {
			if (memcmp(body + at, our_icookie, 8) == 0)
				memcpy(body + at + 8, p1->rcookie, 8);
		}
	}
}

/*
 * Fill in the integrity checks of a plaintext body (np: its first payload) the way the
 * peer would: HASH_I / HASH_R over the ID payload (Main Mode), HASH(1) / HASH(2) over
 * what follows a first HASH payload (Quick Mode, Informational).
 */
static void fix_hashes(enum point at, uint8_t np, uint8_t *body, size_t len,
		       const struct state *p1st, const struct state *qmst, uint32_t msgid)
{
	const struct ikev1_sa *p1 = ikev1_sa(p1st);
	static struct ike_digest d;
	uint8_t h[CRYPTO_MAX_HASH];
	size_t prf = p1->isakmp.kdf.prf_len;

	memset(&d, 0, sizeof(d));
	d.hdr.np = np;
	d.hdr.flags = ISAKMP_FLAG_ENCRYPTION; /* bytes after the last payload are padding */
	(void)ike_codec_parse_payloads(&d, body, len);
	if (at == R_INFO)
		fix_delete_cookies(&d, body, p1);
	if (at == R_MI3 || at == I_MR3) {
		const struct ike_payload *id = ike_digest_first(&d, ISAKMP_NEXT_ID);
		const struct ike_payload *hp = ike_digest_first(&d, ISAKMP_NEXT_HASH);
		if (id == NULL || hp == NULL || hp->body.len != prf)
			return;
		struct crypto_chunk gi = CRYPTO_CHUNK(p1->gi, p1->gi_len),
				    gr = CRYPTO_CHUNK(p1->gr, p1->gr_len),
				    sai = CRYPTO_CHUNK(p1->sai_b, p1->sai_b_len),
				    idb = CRYPTO_CHUNK(id->body.ptr, id->body.len);
		int r = at == R_MI3 ? ikev1_kdf_hash_i(&p1->isakmp.kdf, gi, gr, p1->icookie, p1->rcookie,
						       sai, idb, h)
				    : ikev1_kdf_hash_r(&p1->isakmp.kdf, gi, gr, p1->icookie, p1->rcookie,
						       sai, idb, h);
		if (r == 0)
			memcpy(body + (hp->body.ptr - body), h, prf);
		return;
	}
	if (d.npayloads == 0 || d.payloads[0].type != ISAKMP_NEXT_HASH ||
	    d.payloads[0].body.len != prf)
		return;
	const struct ike_payload *hp = &d.payloads[0];
	size_t from = (size_t)(hp->pbs.roof - body);
	struct crypto_chunk rest = CRYPTO_CHUNK(body + from, len - from);
	int r = at == I_QR1
			? ikev1_kdf_qm_hash2(
				  &p1->isakmp.kdf, msgid,
				  CRYPTO_CHUNK(ikev1_sa(qmst)->ni, ikev1_sa(qmst)->ni_len), rest, h)
			: ikev1_kdf_hash_msgid(&p1->isakmp.kdf, msgid, rest, h);
	if (r == 0)
		memcpy(body + (hp->body.ptr - body), h, prf);
}

/*
 * Deliver body (np first) at point at: in the clear or encrypted with the keys and IV
 * pluto's state expects, integrity checks filled in.  false if the point was not reached.
 */
static bool send_at(enum point at, uint8_t np, const uint8_t *body, size_t len)
{
	struct state *p1st = find(false), *qmst = find(true);
	struct msg_keys k = {0};
	uint8_t xchg = ISAKMP_XCHG_MAIN;
	uint32_t msgid = 0;

	if (p1st == NULL || len > sizeof(plain) - 64 || (at == I_QR1 && qmst == NULL))
		return false;
	const struct ikev1_sa *p1 = ikev1_sa(p1st);
	memcpy(plain, body, len);
	switch (at) {
	case R_MI3:
	case I_MR3:
		k.p1 = p1;
		memcpy(k.iv, p1->iv, sizeof(k.iv));
		break;
	case R_QI1:
	case R_INFO:
		xchg = at == R_QI1 ? ISAKMP_XCHG_QUICK : ISAKMP_XCHG_INFO;
		msgid = at == R_QI1 ? QM_MSGID : INFO_MSGID;
		k.p1 = p1;
		if (!ikev1_msgid_iv(p1, msgid, k.iv))
			return false;
		break;
	case I_QR1:
		xchg = ISAKMP_XCHG_QUICK;
		msgid = ikev1_sa(qmst)->ipsec.msgid;
		k.p1 = p1;
		memcpy(k.iv, ikev1_sa(qmst)->iv, sizeof(k.iv));
		break;
	default:
		break;
	}
	if (k.p1 != NULL) {
		if (!p1->keyed)
			return false;
		fix_hashes(at, np, plain, len, p1st, qmst, msgid);
	}
	/* MR1 brings the responder cookie pluto does not know yet */
	size_t n = build(p1->icookie, at == I_MR1 ? our_rcookie : p1->rcookie, xchg, msgid, np,
			 plain, len, &k);
	if (n == 0)
		return false;
	deliver(msg_buf, n);
	return true;
}

/* --- getting to a point ---------------------------------------------------------- */

static bool send_next(enum point at)
{
	static struct body b;

	next_body(at, &b);
	return send_at(at, b.np, b.buf, cursor_out_len(&b.o));
}

/* Is pluto's phase 1 state (for a Quick Mode kind: its Quick Mode state) in kind? */
static bool in_state(enum state_kind kind)
{
	struct state *st = find(kind >= STATE_QUICK_R0);

	return st != NULL && st->kind == kind;
}

static void responder_to(enum point at)
{
	static const uint8_t zero[8];
	static struct body b;

	emit_p1_sa(body_start(&b, ISAKMP_NEXT_SA));
	deliver(msg_buf, build(our_icookie, zero, ISAKMP_XCHG_MAIN, 0, b.np, b.buf,
			       cursor_out_len(&b.o), NULL));
	if (!in_state(STATE_MAIN_R1))
		fail("setup: MI1 not answered", NULL);
	if (at == R_MI2)
		return;
	if (!send_next(R_MI2) || !in_state(STATE_MAIN_R2))
		fail("setup: MI2 not answered", NULL);
	if (at == R_MI3)
		return;
	if (!send_next(R_MI3) || !in_state(STATE_MAIN_R3))
		fail("setup: MI3 not answered", NULL);
}

/* MR1: the first transform of pluto's MI1. */
static bool send_mr1(void)
{
	static struct body b;
	const char *err = ike_codec_parse_message(&digest, last_out, last_out_len);

	if (err == NULL)
		err = ike_codec_parse_sa(ike_digest_first(&digest, ISAKMP_NEXT_SA), sa_parsed);
	if (err != NULL)
		fail("setup: pluto's MI1", err);
	struct ike_proposal p = sa_parsed->sa.proposals[0];
	struct ike_sa sa = sa_parsed->sa;
	p.ntransforms = 1;
	sa.nproposals = 1;
	sa.proposals = &p;
	body_check(&b, ike_codec_emit_sa(body_start(&b, ISAKMP_NEXT_SA), &sa), "MR1");
	return send_at(I_MR1, b.np, b.buf, cursor_out_len(&b.o));
}

static void initiator_to(enum point at)
{
	ikev1_initiate(conn, NULL);
	pump();
	if (!in_state(STATE_MAIN_I1))
		fail("setup: no MI1", NULL);
	if (at == I_MR1)
		return;
	if (!send_mr1() || !in_state(STATE_MAIN_I2))
		fail("setup: MR1 not taken", NULL);
	if (at == I_MR2)
		return;
	if (!send_next(I_MR2) || !in_state(STATE_MAIN_I3))
		fail("setup: MR2 not taken", NULL);
	if (at == I_MR3)
		return;
	if (!send_next(I_MR3) || !in_state(STATE_QUICK_I1))
		fail("setup: MR3 not taken or no QI1", NULL);
}

/* --- set-up, seeds, the input ----------------------------------------------------- */

static void add_conn(void)
{
	struct whack_msg m;
	const char *why = NULL;

	whack_msg_init(&m);
	m.ops = WHACK_OP_CONN;
	snprintf(m.name, sizeof(m.name), "peer");
	m.end[0].host_type = WHACK_HOST_ADDR;
	m.end[0].host = fake_iface.addr;
	m.end[0].has_client = 1;
	if (ip_subnet_parse("10.1.0.0/16", AF_INET, &m.end[0].client) != NULL)
		fail("subnet", NULL);
	m.end[1].host_type = WHACK_HOST_ADDR;
	m.end[1].host = peer;
	m.end[1].has_client = 1;
	if (ip_subnet_parse("10.2.0.0/16", AF_INET, &m.end[1].client) != NULL)
		fail("subnet", NULL);
	m.policy = POLICY_PSK | POLICY_ENCRYPT | POLICY_TUNNEL | POLICY_PFS;
	snprintf(m.ike, sizeof(m.ike), "aes128-sha1-modp1024");
	snprintf(m.esp, sizeof(m.esp), "aes128-sha1");
	if (connection_add(&m, &why) != RC_SUCCESS)
		fail("connection_add", why);
	conn = connection_find("peer");
	if (conn == NULL || !connection_oriented(conn))
		fail("connection not oriented", NULL);
}

/* The well-formed next message of each point, as seed files in dir. */
static void write_seeds(const char *dir)
{
	static const char *const names[NPOINTS] = {"r-mi2", "r-mi3", "r-qi1", "r-info",
						   "i-mr1", "i-mr2", "i-mr3", "i-qr1"};
	static struct body b;

	for (int at = 0; at < NPOINTS; at++) {
		char path[512];
		next_body(at, &b);
		snprintf(path, sizeof(path), "%s/%s", dir, names[at]);
		FILE *f = fopen(path, "wb");
		if (f == NULL)
			fail("cannot write", path);
		uint8_t head[2] = {(uint8_t)at, b.np};
		fwrite(head, 1, 2, f);
		fwrite(b.buf, 1, cursor_out_len(&b.o), f);
		fclose(f);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char secrets[] = "192.0.2.1 198.51.100.7 : PSK \"fuzzing is fun\"\n";
	struct crypto_dh *dh = NULL;
	const char *path;

	fuzz_quiet_log();
	sa_parsed = malloc(sizeof(*sa_parsed));
	if (sa_parsed == NULL)
		abort();
	fake_iface.addr = addr("192.0.2.1");
	peer = addr("198.51.100.7");
	interfaces = &fake_iface;
	pluto.ikeport = PLUTO_DEFAULT_IKEPORT;
	pluto.noklips = true;
	pluto.nobpf = true;
	pluto.listening = true;
	if (evloop_init() < 0 || crypto_helpers_init(0) < 0)
		fail("evloop or crypto helpers", NULL);
	ikev1_init();
	ikev1_set_send_hook(on_send);
	path = fuzz_sandbox_file("ipsec.secrets");
	fuzz_sandbox_write(path, (const uint8_t *)secrets, sizeof(secrets) - 1);
	snprintf(pluto.secretsfile, sizeof(pluto.secretsfile), "%s", path);
	pluto_load_secrets();
	add_conn();
	/* our Diffie-Hellman public value, the same in every exchange */
	if (crypto_dh_new(GROUP, &dh) < 0 || crypto_dh_public(dh, ke, sizeof(ke), &ke_len) < 0)
		fail("our KE", NULL);
	crypto_dh_free(dh);
	base_debugging = DBG_EVERYTHING;
	if (getenv("FUZZ_EXCHANGE_SEEDS") != NULL)
		write_seeds(getenv("FUZZ_EXCHANGE_SEEDS"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum point at = (enum point)(data[0] % NPOINTS);
	if (at < I_MR1)
		responder_to(at);
	else
		initiator_to(at);
	send_at(at, data[1], data + 2, size - 2);
	states_delete_all();
	pump();
	log_reset_context();
	return 0;
}
