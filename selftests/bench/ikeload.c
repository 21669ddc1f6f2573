/*
 * ikeload: an IKEv1 load generator for the tunnel-setup benchmark
 * (selftests/bench/tunnel-setup.sh).  It opens N road-warrior tunnels to one
 * responder, each from its own source address, each a Main Mode (pre-shared key)
 * and a Quick Mode (ESP tunnel, no PFS), up to --concurrency at a time, with
 * retransmission and a bound on the total time, and reports how many completed.
 *
 *   ikeload --responder ADDR --first-source ADDR --count N --psk SECRET
 *           [--group 14|19] [--concurrency C] [--timeout S] [--retransmit S]
 *           [--bad-hash]   (HASH_I with a bit flipped: the hostile-peer test)
 *
 * Source addresses are FIRST, FIRST+1, ... (IPv4, already on an interface); one UDP
 * socket bound to port 500 on each.  The messages are built and parsed with pluto's
 * own codec and key derivation (libcontrold.a: ike_codec*.c, ikev1_kdf.c,
 * ikev1_crypt.c, crypto_*.c); the protocol logic here is the initiator's half only.
 *
 * A tunnel counts as completed when QI2 (HASH(3)) has gone out after a QR1 whose
 * HASH(2) checked; the script confirms with the responder's kernel SAs.  To keep the
 * generator's own share of the CPU small, all tunnels use one DH key pair (the
 * responder cannot tell, and its cost is what is measured).
 *
 * Output, one line: "ikeload: completed=C failed=F elapsed=S rate=R retransmits=X
 * p50_ms=A p99_ms=B" (rate: completed tunnels per second of elapsed time).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "ike_codec.h"
#include "ikev1_kdf.h"
#include "ikev1_sa.h"

#define NONCE_LEN 16
#define ESP_KEYLEN_BITS 128
#define P1_LIFE 28800
#define P2_LIFE 3600

enum step {
	WAIT_MR1,
	WAIT_MR2,
	WAIT_MR3,
	WAIT_QR1,
	DONE,
	FAILED,
	IDLE, /* not started */
};

struct tun {
	struct in_addr src;
	int fd;
	enum step step;
	uint8_t icookie[IKEV1_COOKIE_LEN], rcookie[IKEV1_COOKIE_LEN];
	uint8_t ni[NONCE_LEN];
	uint8_t nr[IKEV1_MAX_NONCE];
	size_t nr_len;
	uint8_t gr[IKEV1_MAX_KE];
	size_t gr_len;
	uint8_t sai_b[128];
	size_t sai_b_len;
	struct ikev1_kdf kdf;
	uint8_t iv[CRYPTO_MAX_BLOCK];  /* phase 1 CBC chain */
	uint8_t qiv[CRYPTO_MAX_BLOCK]; /* Quick Mode's */
	uint32_t msgid;
	uint8_t spi[4];
	uint8_t out[1024]; /* the last message sent: retransmitted as is */
	size_t out_len;
	uint64_t next_ms;  /* retransmit at */
	unsigned tries;
	uint64_t start_ms, done_ms;
};

static struct {
	struct in_addr responder, first;
	unsigned count, concurrency;
	const char *psk;
	enum oakley_group group;
	unsigned timeout_s, retransmit_s;
	struct crypto_dh *dh;
	uint8_t gi[IKEV1_MAX_KE];
	size_t gi_len;
	unsigned retransmits, failed, completed;
	unsigned notifications;
	int verbose;
	int bad_hash; /* --bad-hash: HASH_I with a bit flipped (a test of the responder) */
} g = {
	.count = 100,
	.concurrency = 50,
	.group = OAKLEY_GROUP_MODP2048,
	.timeout_s = 300,
	.retransmit_s = 5,
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "ikeload: %s\n", what);
	exit(1);
}

static void fail(struct tun *t, const char *why)
{
	if (g.verbose || g.failed < 5)
		fprintf(stderr, "ikeload: %s: %s\n", inet_ntoa(t->src), why);
	t->step = FAILED;
	g.failed++;
}

static void send_out(struct tun *t)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(500),
				  .sin_addr = g.responder };

	/* a lost send is a lost packet: retransmission covers it */
	(void)sendto(t->fd, t->out, t->out_len, 0, (struct sockaddr *)&to, sizeof(to));
	t->tries = 0;
	t->next_ms = now_ms() + g.retransmit_s * 1000;
}

static bool start_msg(struct cursor_out *o, struct tun *t, uint8_t xchg, uint8_t flags,
		      uint32_t msgid)
{
	struct ike_hdr h = { .xchg = xchg, .flags = flags, .msgid = msgid };

	memcpy(h.icookie, t->icookie, IKEV1_COOKIE_LEN);
	memcpy(h.rcookie, t->rcookie, IKEV1_COOKIE_LEN);
	cursor_out_init(o, t->out, sizeof(t->out));
	return ike_codec_emit_header(o, &h);
}

static bool finish(struct tun *t, struct cursor_out *o)
{
	if (!cursor_out_ok(o))
		return false;
	t->out_len = cursor_out_len(o);
	send_out(t);
	return true;
}

/* --- Main Mode ------------------------------------------------------------------- */

static void send_mi1(struct tun *t)
{
	const struct ike_attr attrs[] = {
		{ .type = OAKLEY_ATTR_ENCRYPTION_ALG, .value = OAKLEY_ENCR_AES_CBC },
		{ .type = OAKLEY_ATTR_KEY_LENGTH, .value = 128 },
		{ .type = OAKLEY_ATTR_HASH_ALG, .value = OAKLEY_HASH_SHA2_256 },
		{ .type = OAKLEY_ATTR_AUTH_METHOD, .value = OAKLEY_AUTH_PSK },
		{ .type = OAKLEY_ATTR_GROUP_DESC, .value = g.group },
		{ .type = OAKLEY_ATTR_LIFE_TYPE, .value = ISAKMP_LIFE_SECONDS },
		{ .type = OAKLEY_ATTR_LIFE_DURATION, .value = P1_LIFE },
	};
	const struct ike_transform tr = { .number = 0, .id = ISAKMP_KEY_IKE,
					  .nattrs = sizeof(attrs) / sizeof(attrs[0]),
					  .attrs = attrs };
	const struct ike_proposal prop = { .number = 1, .protocol = ISAKMP_PROTO_ISAKMP,
					   .ntransforms = 1, .transforms = &tr };
	const struct ike_sa sa = { .doi = ISAKMP_DOI_IPSEC, .situation = ISAKMP_SIT_IDENTITY_ONLY,
				   .nproposals = 1, .proposals = &prop };
	const size_t gen = sizeof(struct isakmp_generic);
	struct cursor_out o;

	crypto_random(t->icookie, IKEV1_COOKIE_LEN);
	t->icookie[0] |= 1;
	memset(t->rcookie, 0, IKEV1_COOKIE_LEN);
	start_msg(&o, t, ISAKMP_XCHG_MAIN, 0, 0);
	size_t sa_at = cursor_out_len(&o);
	if (!ike_codec_emit_sa(&o, &sa) || !ike_codec_emit_finish(&o))
		die("cannot build MI1");
	t->sai_b_len = cursor_out_len(&o) - sa_at - gen;
	if (t->sai_b_len > sizeof(t->sai_b))
		die("MI1 SA too long");
	memcpy(t->sai_b, cursor_out_data(&o) + sa_at + gen, t->sai_b_len);
	t->step = WAIT_MR1;
	t->start_ms = now_ms();
	finish(t, &o);
}

static void on_mr1(struct tun *t, const struct ike_digest *d)
{
	struct cursor_out o;

	if (ike_digest_first(d, ISAKMP_NEXT_SA) == NULL)
		return fail(t, "MR1 without SA");
	memcpy(t->rcookie, d->hdr.rcookie, IKEV1_COOKIE_LEN);
	crypto_random(t->ni, sizeof(t->ni));
	start_msg(&o, t, ISAKMP_XCHG_MAIN, 0, 0);
	if (!ike_codec_emit_ke(&o, g.gi, g.gi_len) || !ike_codec_emit_nonce(&o, t->ni, NONCE_LEN) ||
	    !ike_codec_emit_finish(&o))
		die("cannot build MI2");
	t->step = WAIT_MR2;
	finish(t, &o);
}

/* The body of an ID_IPV4_ADDR payload for addr (what HASH_I/R covers). */
static void id_body(struct in_addr addr, uint8_t *b)
{
	b[0] = ISAKMP_ID_IPV4_ADDR;
	b[1] = 0; /* protocol */
	b[2] = b[3] = 0; /* port */
	memcpy(b + 4, &addr, 4);
}

static void on_mr2(struct tun *t, const struct ike_digest *d)
{
	struct ike_chunk ke, nonce;
	uint8_t gxy[IKEV1_MAX_KE], idb[8], hash[CRYPTO_MAX_HASH];
	size_t gxy_len;
	struct cursor_out o;

	if (ike_codec_parse_ke(ike_digest_first(d, ISAKMP_NEXT_KE), &ke) != NULL ||
	    ike_codec_parse_nonce(ike_digest_first(d, ISAKMP_NEXT_NONCE), &nonce) != NULL ||
	    ke.len > sizeof(t->gr) || nonce.len > sizeof(t->nr))
		return fail(t, "MR2 without a good KE and nonce");
	memcpy(t->gr, ke.ptr, ke.len);
	t->gr_len = ke.len;
	memcpy(t->nr, nonce.ptr, nonce.len);
	t->nr_len = nonce.len;
	const char *err = crypto_dh_shared(g.dh, CRYPTO_CHUNK(ke.ptr, ke.len), gxy, sizeof(gxy),
					   &gxy_len);
	if (err != NULL)
		return fail(t, err);
	struct ikev1_kdf_phase1 in = {
		.hash = OAKLEY_HASH_SHA2_256, .auth = OAKLEY_AUTH_PSK,
		.psk = CRYPTO_CHUNK(g.psk, strlen(g.psk)),
		.ni_b = CRYPTO_CHUNK(t->ni, NONCE_LEN), .nr_b = CRYPTO_CHUNK(t->nr, t->nr_len),
		.gxy = CRYPTO_CHUNK(gxy, gxy_len), .cky_i = t->icookie, .cky_r = t->rcookie,
	};
	struct crypto_chunk gi = CRYPTO_CHUNK(g.gi, g.gi_len), gr = CRYPTO_CHUNK(t->gr, t->gr_len);
	id_body(t->src, idb);
	if (ikev1_kdf_init(&t->kdf, &in) < 0 || ikev1_kdf_set_enc_key(&t->kdf, 16) < 0 ||
	    ikev1_kdf_phase1_iv(&t->kdf, gi, gr, t->iv, 16) < 0 ||
	    ikev1_kdf_hash_i(&t->kdf, gi, gr, t->icookie, t->rcookie,
			     CRYPTO_CHUNK(t->sai_b, t->sai_b_len), CRYPTO_CHUNK(idb, 8), hash) < 0)
		return fail(t, "key derivation failed");
	crypto_cleanse(gxy, sizeof(gxy));
	if (g.bad_hash)
		hash[0] ^= 0x01;
	struct ike_id_payload id = { .type = ISAKMP_ID_IPV4_ADDR,
				     .data = { (const uint8_t *)&t->src, 4 } };
	start_msg(&o, t, ISAKMP_XCHG_MAIN, ISAKMP_FLAG_ENCRYPTION, 0);
	if (!ike_codec_emit_id(&o, &id) || !ike_codec_emit_hash(&o, hash, t->kdf.prf_len) ||
	    !ikev1_encrypt_finish(&o, OAKLEY_ENCR_AES_CBC, t->kdf.enc_key, t->kdf.enc_key_len,
				  t->iv))
		die("cannot build MI3");
	t->step = WAIT_MR3;
	finish(t, &o);
}

/* Decrypt d's body with iv (advanced only on success) and parse its payloads. */
static const char *open_encrypted(struct tun *t, struct ike_digest *d, uint8_t *iv,
				  uint8_t *plain, size_t size, size_t *plain_len)
{
	uint8_t tmp[CRYPTO_MAX_BLOCK];

	if (!(d->hdr.flags & ISAKMP_FLAG_ENCRYPTION))
		return "not encrypted";
	memcpy(tmp, iv, sizeof(tmp));
	const char *err = ikev1_decrypt(OAKLEY_ENCR_AES_CBC, t->kdf.enc_key, t->kdf.enc_key_len,
					tmp, d->body, plain, size);
	if (err == NULL)
		err = ike_codec_parse_payloads(d, plain, d->body.len);
	if (err != NULL)
		return err;
	memcpy(iv, tmp, sizeof(tmp));
	*plain_len = d->body.len;
	return NULL;
}

static void send_qi1(struct tun *t);

static void on_mr3(struct tun *t, struct ike_digest *d)
{
	uint8_t plain[2048], want[CRYPTO_MAX_HASH];
	size_t len;
	struct ike_chunk h;
	const char *err = open_encrypted(t, d, t->iv, plain, sizeof(plain), &len);
	const struct ike_payload *idp = ike_digest_first(d, ISAKMP_NEXT_ID);

	if (err == NULL && (idp == NULL ||
			    ike_codec_parse_hash(ike_digest_first(d, ISAKMP_NEXT_HASH), &h) != NULL))
		err = "MR3 without ID and HASH";
	struct crypto_chunk gi = CRYPTO_CHUNK(g.gi, g.gi_len), gr = CRYPTO_CHUNK(t->gr, t->gr_len);
	if (err == NULL &&
	    (ikev1_kdf_hash_r(&t->kdf, gi, gr, t->icookie, t->rcookie,
			      CRYPTO_CHUNK(t->sai_b, t->sai_b_len),
			      CRYPTO_CHUNK(idp->body.ptr, idp->body.len), want) < 0 ||
	     h.len != t->kdf.prf_len || !crypto_memeq(h.ptr, want, h.len)))
		err = "HASH_R does not match";
	if (err != NULL)
		return fail(t, err);
	send_qi1(t);
}

/* --- Quick Mode ------------------------------------------------------------------ */

/* Patch the HASH at hash_at with prf(SKEYID_a, M-ID | rest) and encrypt with qiv. */
static void seal_qi1(struct tun *t, struct cursor_out *o, size_t hash_at)
{
	size_t from = hash_at + t->kdf.prf_len;
	uint8_t h[CRYPTO_MAX_HASH];

	if (!cursor_out_ok(o))
		die("cannot build QI1");
	size_t n = cursor_out_len(o) - from;
	if (ikev1_kdf_hash_msgid(&t->kdf, t->msgid, CRYPTO_CHUNK(cursor_out_window(o, from, n), n),
				 h) < 0 ||
	    !cursor_out_patch(o, hash_at, h, t->kdf.prf_len) ||
	    !ikev1_encrypt_finish(o, OAKLEY_ENCR_AES_CBC, t->kdf.enc_key, t->kdf.enc_key_len,
				  t->qiv))
		die("cannot seal QI1");
}

static void send_qi1(struct tun *t)
{
	const struct ike_attr attrs[] = {
		{ .type = IPSEC_ATTR_SA_LIFE_TYPE, .value = ISAKMP_LIFE_SECONDS },
		{ .type = IPSEC_ATTR_SA_LIFE_DURATION, .value = P2_LIFE },
		{ .type = IPSEC_ATTR_ENCAPSULATION_MODE, .value = ISAKMP_ENCAP_TUNNEL },
		{ .type = IPSEC_ATTR_AUTH_ALG, .value = AUTH_ALG_HMAC_SHA2_256 },
		{ .type = IPSEC_ATTR_KEY_LENGTH, .value = ESP_KEYLEN_BITS },
	};
	const struct ike_transform tr = { .number = 0, .id = ESP_AES,
					  .nattrs = sizeof(attrs) / sizeof(attrs[0]),
					  .attrs = attrs };
	struct ike_proposal prop = { .number = 1, .protocol = ISAKMP_PROTO_ESP, .spi_size = 4,
				     .ntransforms = 1, .transforms = &tr };
	const struct ike_sa sa = { .doi = ISAKMP_DOI_IPSEC, .situation = ISAKMP_SIT_IDENTITY_ONLY,
				   .nproposals = 1, .proposals = &prop };
	struct ike_id_payload ci = { .type = ISAKMP_ID_IPV4_ADDR,
				     .data = { (const uint8_t *)&t->src, 4 } };
	struct ike_id_payload cr = { .type = ISAKMP_ID_IPV4_ADDR,
				     .data = { (const uint8_t *)&g.responder, 4 } };
	struct cursor_out o;
	size_t hash_at;

	do
		crypto_random(&t->msgid, sizeof(t->msgid));
	while (t->msgid == 0);
	crypto_random(t->spi, sizeof(t->spi));
	t->spi[0] |= 0x10; /* outside 0..0xFFF */
	memcpy(prop.spi, t->spi, 4);
	crypto_random(t->ni, sizeof(t->ni));
	if (ikev1_kdf_phase2_iv(&t->kdf, t->iv, 16, t->msgid, t->qiv) < 0)
		return fail(t, "phase 2 IV");
	start_msg(&o, t, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENCRYPTION, t->msgid);
	ike_codec_emit_hash_placeholder(&o, t->kdf.prf_len, &hash_at);
	ike_codec_emit_sa(&o, &sa);
	ike_codec_emit_nonce(&o, t->ni, NONCE_LEN);
	ike_codec_emit_id(&o, &ci);
	ike_codec_emit_id(&o, &cr);
	seal_qi1(t, &o, hash_at);
	t->step = WAIT_QR1;
	finish(t, &o);
}

static void on_qr1(struct tun *t, struct ike_digest *d)
{
	uint8_t plain[2048], want[CRYPTO_MAX_HASH];
	size_t len;
	struct ike_chunk h, nonce;
	struct cursor_out o;

	if (d->hdr.msgid != t->msgid)
		return;
	const char *err = open_encrypted(t, d, t->qiv, plain, sizeof(plain), &len);
	if (err == NULL && (d->npayloads == 0 || d->payloads[0].type != ISAKMP_NEXT_HASH ||
			    ike_codec_parse_hash(&d->payloads[0], &h) != NULL ||
			    ike_codec_parse_nonce(ike_digest_first(d, ISAKMP_NEXT_NONCE), &nonce) != NULL ||
			    ike_digest_first(d, ISAKMP_NEXT_SA) == NULL))
		err = "QR1 without HASH, SA and nonce";
	if (err == NULL) {
		/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest): rest after the HASH payload */
		size_t from = (size_t)(d->payloads[0].pbs.roof - plain);
		struct crypto_chunk rest = CRYPTO_CHUNK(plain + from, len - d->padding - from);
		if (ikev1_kdf_qm_hash2(&t->kdf, t->msgid, CRYPTO_CHUNK(t->ni, NONCE_LEN), rest,
				       want) < 0 ||
		    h.len != t->kdf.prf_len || !crypto_memeq(h.ptr, want, h.len))
			err = "HASH(2) does not match";
	}
	if (err != NULL)
		return fail(t, err);
	if (ikev1_kdf_qm_hash3(&t->kdf, t->msgid, CRYPTO_CHUNK(t->ni, NONCE_LEN),
			       CRYPTO_CHUNK(nonce.ptr, nonce.len), want) < 0)
		return fail(t, "HASH(3)");
	start_msg(&o, t, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENCRYPTION, t->msgid);
	if (!ike_codec_emit_hash(&o, want, t->kdf.prf_len) ||
	    !ikev1_encrypt_finish(&o, OAKLEY_ENCR_AES_CBC, t->kdf.enc_key, t->kdf.enc_key_len,
				  t->qiv))
		die("cannot build QI2");
	t->step = DONE;
	t->done_ms = now_ms();
	g.completed++;
	finish(t, &o);
}

/* --- the loop ------------------------------------------------------------------- */

static void receive(struct tun *t)
{
	static uint8_t buf[IKEV1_MAX_DATAGRAM];
	static struct ike_digest d;

	for (;;) {
		ssize_t n = recv(t->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return;
		if (ike_codec_parse_header(&d, buf, (size_t)n) != NULL ||
		    memcmp(d.hdr.icookie, t->icookie, IKEV1_COOKIE_LEN) != 0)
			continue;
		if (d.hdr.xchg == ISAKMP_XCHG_INFO) {
			g.notifications++;
			if (!(d.hdr.flags & ISAKMP_FLAG_ENCRYPTION) && t->step < WAIT_MR3)
				fail(t, "notification from the responder");
			continue;
		}
		if (t->step == DONE && d.hdr.xchg == ISAKMP_XCHG_QUICK && d.hdr.msgid == t->msgid) {
			send_out(t); /* QR1 again: our QI2 was lost */
			continue;
		}
		bool quick = d.hdr.xchg == ISAKMP_XCHG_QUICK;
		if (quick != (t->step == WAIT_QR1) || (!quick && d.hdr.xchg != ISAKMP_XCHG_MAIN))
			continue;
		bool enc = d.hdr.flags & ISAKMP_FLAG_ENCRYPTION;
		if (t->step == WAIT_MR1 && !enc && ike_codec_parse_payloads(&d, d.body.ptr, d.body.len) == NULL)
			on_mr1(t, &d);
		else if (t->step == WAIT_MR2 && !enc &&
			 memcmp(d.hdr.rcookie, t->rcookie, IKEV1_COOKIE_LEN) == 0 &&
			 ike_codec_parse_payloads(&d, d.body.ptr, d.body.len) == NULL &&
			 ike_digest_first(&d, ISAKMP_NEXT_KE) != NULL)
			on_mr2(t, &d);
		else if (t->step == WAIT_MR3 && enc)
			on_mr3(t, &d);
		else if (t->step == WAIT_QR1)
			on_qr1(t, &d);
	}
}

static int open_socket(struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(500), .sin_addr = a };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "ikeload: bind %s:500: %s\n", inet_ntoa(a), strerror(errno));
		exit(1);
	}
	return fd;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(struct tun *tuns, uint64_t elapsed_ms)
{
	uint64_t *lat = calloc(g.count + 1, sizeof(*lat));
	unsigned n = 0;

	for (unsigned i = 0; i < g.count && lat != NULL; i++)
		if (tuns[i].step == DONE)
			lat[n++] = tuns[i].done_ms - tuns[i].start_ms;
	if (lat != NULL && n > 0)
		qsort(lat, n, sizeof(*lat), cmp_u64);
	double s = (double)elapsed_ms / 1000.0;
	printf("ikeload: completed=%u failed=%u elapsed=%.3f rate=%.2f retransmits=%u "
	       "notifications=%u p50_ms=%llu p99_ms=%llu\n",
	       g.completed, g.count - g.completed, s, s > 0 ? g.completed / s : 0.0,
	       g.retransmits, g.notifications,
	       n ? (unsigned long long)lat[n / 2] : 0ULL,
	       n ? (unsigned long long)lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0ULL);
	free(lat);
}

static void usage(void)
{
	fprintf(stderr, "usage: ikeload --responder ADDR --first-source ADDR --count N "
			"--psk SECRET [--group 14|19] [--concurrency C] [--timeout S] "
			"[--retransmit S] [--verbose] [--bad-hash]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "responder", required_argument, NULL, 'r' },
		{ "first-source", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "psk", required_argument, NULL, 'k' },
		{ "group", required_argument, NULL, 'g' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retransmit", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "bad-hash", no_argument, NULL, 'b' },
		{ 0 },
	};
	int c;
	bool have_r = false, have_s = false;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': have_r = inet_pton(AF_INET, optarg, &g.responder) == 1; break;
		case 's': have_s = inet_pton(AF_INET, optarg, &g.first) == 1; break;
		case 'n': g.count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': g.psk = optarg; break;
		case 'g': g.group = (enum oakley_group)strtoul(optarg, NULL, 10); break;
		case 'c': g.concurrency = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': g.timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': g.retransmit_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': g.verbose = 1; break;
		case 'b': g.bad_hash = 1; break;
		default: usage();
		}
	}
	if (!have_r || !have_s || g.psk == NULL || g.count == 0 || g.concurrency == 0 ||
	    g.retransmit_s == 0 || optind != argc)
		usage();
	if (g.group != OAKLEY_GROUP_MODP2048 && g.group != OAKLEY_GROUP_ECP256)
		die("--group: 14 or 19");
}

/* Retransmit what is overdue (10 tries at most), and fail what never answered. */
static void tick(struct tun *tuns, unsigned *in_flight)
{
	uint64_t now = now_ms();

	for (unsigned i = 0; i < g.count; i++) {
		struct tun *t = &tuns[i];
		if (t->step > WAIT_QR1 || t->next_ms > now)
			continue;
		if (t->tries >= 10) {
			fail(t, "no answer");
			(*in_flight)--;
			continue;
		}
		unsigned tries = t->tries + 1;
		send_out(t);
		t->tries = tries;
		g.retransmits++;
	}
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	rlim_t need;

	parse_args(argc, argv);
	/* a socket per initiator: above the hard limit (4,096 in the VM) root raises it */
	need = (rlim_t)g.count + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		struct rlimit want = { need, rl.rlim_max > need ? rl.rlim_max : need };
		if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (crypto_dh_new(g.group, &g.dh) < 0 ||
	    crypto_dh_public(g.dh, g.gi, sizeof(g.gi), &g.gi_len) < 0)
		die("DH key pair");
	struct tun *tuns = calloc(g.count, sizeof(*tuns));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (tuns == NULL || ep < 0)
		die("out of memory");
	for (unsigned i = 0; i < g.count; i++) {
		struct tun *t = &tuns[i];
		t->src.s_addr = htonl(ntohl(g.first.s_addr) + i);
		t->fd = open_socket(t->src);
		t->step = IDLE;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, t->fd, &ev) < 0)
			die("epoll_ctl");
	}

	uint64_t start = now_ms(), deadline = start + g.timeout_s * 1000ULL, last_tick = start;
	unsigned next = 0, in_flight = 0;
	while (g.completed + g.failed < g.count && now_ms() < deadline) {
		while (next < g.count && in_flight < g.concurrency) {
			send_mi1(&tuns[next++]);
			in_flight++;
		}
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < n; i++) {
			struct tun *t = &tuns[evs[i].data.u32];
			enum step before = t->step;
			receive(t);
			if (before <= WAIT_QR1 && t->step > WAIT_QR1)
				in_flight--;
		}
		if (now_ms() - last_tick >= 100) {
			tick(tuns, &in_flight);
			last_tick = now_ms();
		}
	}
	uint64_t end = now_ms();
	/* a QR1 may be retransmitted because our QI2 was lost: answer for a moment */
	uint64_t linger = now_ms() + 2000;
	while (now_ms() < linger) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < n; i++)
			receive(&tuns[evs[i].data.u32]);
	}
	report(tuns, end - start);
	fflush(stdout); /* before anything at exit (a sanitizer's report) can cut it off */
	for (unsigned i = 0; i < g.count; i++)
		close(tuns[i].fd);
	close(ep);
	free(tuns);
	crypto_dh_free(g.dh);
	return g.completed == g.count ? 0 : 1;
}
