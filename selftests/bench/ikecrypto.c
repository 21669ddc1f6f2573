/*
 * ikecrypto: the crypto bound of the tunnel-setup benchmark.  In a loop, the
 * cryptography an IKEv1 responder must do for one road-warrior tunnel (Main Mode with
 * a pre-shared key, Quick Mode without PFS), through pluto's own functions
 * (crypto_*.c, ikev1_kdf.c, ikev1_crypt.c), on one thread; prints CPU microseconds
 * per tunnel, in total and per part:
 *
 *   dh      one key pair (crypto_dh_new, crypto_dh_public) and g^xy with a peer value
 *           (crypto_dh_shared, which validates the peer's value)
 *   kdf     SKEYID, SKEYID_d/a/e, the phase 1 encryption key and IV
 *   auth    HASH_I checked, HASH_R made
 *   qm      the Quick Mode IV, HASH(1), HASH(2), HASH(3), KEYMAT both ways
 *   cipher  AES-CBC over the five encrypted messages (MI3 and QI1, QI2 in; MR3, QR1 out)
 *   random  responder cookie, two nonces' worth, SPI
 *
 *   ikecrypto [--group 14|19] [--seconds S]
 *
 * Output: "ikecrypto: group=G iterations=I tunnel_us=T dh_us=D kdf_us=K auth_us=A
 * qm_us=Q cipher_us=C random_us=R".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "ikev1_kdf.h"
#include "ikev1_sa.h"

enum part { P_DH, P_KDF, P_AUTH, P_QM, P_CIPHER, P_RANDOM, NPARTS };
static const char *const part_names[NPARTS] = { "dh", "kdf", "auth", "qm", "cipher", "random" };
static double spent[NPARTS]; /* seconds */

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "ikecrypto: %s\n", what);
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc < 0)
		die(what);
}

struct inputs {
	uint8_t peer_pub[IKEV1_MAX_KE];
	size_t peer_pub_len;
	uint8_t icookie[8], rcookie[8], ni[16], nr[32], sai_b[60], id_b[8], spi_in[4], spi_out[4];
	uint8_t msg[5][256];
	size_t msg_len[5];
};

/* One tunnel's responder crypto; each part's CPU time added to spent[]. */
static void one_tunnel(enum oakley_group group, struct inputs *in)
{
	const struct crypto_chunk ni = CRYPTO_CHUNK(in->ni, sizeof(in->ni)),
				  nr = CRYPTO_CHUNK(in->nr, sizeof(in->nr));
	uint8_t gr[IKEV1_MAX_KE], gxy[IKEV1_MAX_KE], iv[16], qiv[16], h[CRYPTO_MAX_HASH];
	uint8_t keymat[48];
	size_t gr_len, gxy_len;
	struct crypto_dh *dh;
	struct ikev1_kdf k;
	double t = cpu_now(), u;

	check(crypto_dh_new(group, &dh), "crypto_dh_new");
	check(crypto_dh_public(dh, gr, sizeof(gr), &gr_len), "crypto_dh_public");
	if (crypto_dh_shared(dh, CRYPTO_CHUNK(in->peer_pub, in->peer_pub_len), gxy, sizeof(gxy),
			     &gxy_len) != NULL)
		die("crypto_dh_shared");
	crypto_dh_free(dh);
	u = cpu_now(), spent[P_DH] += u - t, t = u;

	struct ikev1_kdf_phase1 p1 = {
		.hash = OAKLEY_HASH_SHA2_256, .auth = OAKLEY_AUTH_PSK,
		.psk = CRYPTO_CHUNK("a pre-shared key of 28 bytes", 28), .ni_b = ni, .nr_b = nr,
		.gxy = CRYPTO_CHUNK(gxy, gxy_len), .cky_i = in->icookie, .cky_r = in->rcookie,
	};
	struct crypto_chunk gi = CRYPTO_CHUNK(in->peer_pub, in->peer_pub_len),
			    grc = CRYPTO_CHUNK(gr, gr_len);
	check(ikev1_kdf_init(&k, &p1), "ikev1_kdf_init");
	check(ikev1_kdf_set_enc_key(&k, 16), "ikev1_kdf_set_enc_key");
	check(ikev1_kdf_phase1_iv(&k, gi, grc, iv, 16), "ikev1_kdf_phase1_iv");
	u = cpu_now(), spent[P_KDF] += u - t, t = u;

	struct crypto_chunk sai = CRYPTO_CHUNK(in->sai_b, sizeof(in->sai_b)),
			    id = CRYPTO_CHUNK(in->id_b, sizeof(in->id_b));
	check(ikev1_kdf_hash_i(&k, gi, grc, in->icookie, in->rcookie, sai, id, h), "HASH_I");
	check(ikev1_kdf_hash_r(&k, gi, grc, in->icookie, in->rcookie, sai, id, h), "HASH_R");
	u = cpu_now(), spent[P_AUTH] += u - t, t = u;

	const uint32_t msgid = 0x12345678;
	struct crypto_chunk rest = CRYPTO_CHUNK(in->msg[3], 120);
	check(ikev1_kdf_phase2_iv(&k, iv, 16, msgid, qiv), "phase 2 IV");
	check(ikev1_kdf_hash_msgid(&k, msgid, rest, h), "HASH(1)");
	check(ikev1_kdf_qm_hash2(&k, msgid, ni, rest, h), "HASH(2)");
	check(ikev1_kdf_qm_hash3(&k, msgid, ni, nr, h), "HASH(3)");
	check(ikev1_kdf_keymat(&k, CRYPTO_CHUNK_EMPTY, ISAKMP_PROTO_ESP,
			       CRYPTO_CHUNK(in->spi_in, 4), ni, nr, keymat, sizeof(keymat)),
	      "KEYMAT in");
	check(ikev1_kdf_keymat(&k, CRYPTO_CHUNK_EMPTY, ISAKMP_PROTO_ESP,
			       CRYPTO_CHUNK(in->spi_out, 4), ni, nr, keymat, sizeof(keymat)),
	      "KEYMAT out");
	u = cpu_now(), spent[P_QM] += u - t, t = u;

	/* MI3 in, MR3 out, QI1 in, QR1 out, QI2 in */
	for (int i = 0; i < 5; i++)
		check(crypto_cipher_cbc(OAKLEY_ENCR_AES_CBC, k.enc_key, k.enc_key_len, i < 2 ? iv : qiv,
					in->msg[i], in->msg_len[i], i % 2 == 1),
		      "AES-CBC");
	u = cpu_now(), spent[P_CIPHER] += u - t, t = u;

	uint8_t rnd[IKEV1_NONCE_LEN];
	check(crypto_random(rnd, 8), "random");
	check(crypto_random(rnd, IKEV1_NONCE_LEN), "random");
	check(crypto_random(rnd, 4), "random");
	u = cpu_now(), spent[P_RANDOM] += u - t;
	ikev1_kdf_wipe(&k);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "seconds", required_argument, NULL, 's' },
		{ 0 },
	};
	enum oakley_group group = OAKLEY_GROUP_MODP2048;
	double seconds = 3;
	struct inputs in;
	struct crypto_dh *peer;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'g')
			group = (enum oakley_group)strtoul(optarg, NULL, 10);
		else if (c == 's')
			seconds = strtod(optarg, NULL);
		else
			die("usage: ikecrypto [--group 14|19] [--seconds S]");
	}
	memset(&in, 0x5a, sizeof(in));
	if (crypto_dh_new(group, &peer) < 0 ||
	    crypto_dh_public(peer, in.peer_pub, sizeof(in.peer_pub), &in.peer_pub_len) < 0)
		die("DH group not supported");
	crypto_dh_free(peer);
	const size_t sizes[5] = { 48, 48, 160, 176, 48 }; /* what the five messages carry */
	for (int i = 0; i < 5; i++)
		in.msg_len[i] = sizes[i];

	one_tunnel(group, &in); /* warm up: OpenSSL's first fetches */
	memset(spent, 0, sizeof(spent));
	unsigned long n = 0;
	double total = 0;
	do {
		one_tunnel(group, &in);
		n++;
		total = 0;
		for (int i = 0; i < NPARTS; i++)
			total += spent[i];
	} while (total < seconds);

	printf("ikecrypto: group=%u iterations=%lu tunnel_us=%.1f", group, n, total * 1e6 / n);
	for (int i = 0; i < NPARTS; i++)
		printf(" %s_us=%.1f", part_names[i], spent[i] * 1e6 / n);
	printf("\n");
	return 0;
}
