/*
 * An ISAKMP datagram arriving at a responder that has no state: ikev1_receive() on a
 * fake interface (192.0.2.1:500), the way the ifaces receiver calls it.  pluto is set
 * up as for a real responder: listening, two connections oriented on that interface
 *
 *   "rw"    192.0.2.1 <-> %any          PSK, a Road Warrior template (instances per peer)
 *   "peer"  192.0.2.1 <-> 198.51.100.9  RSA signatures, a permanent connection
 *
 * and a PSK for "rw" in ipsec.secrets, so that a Main Mode first message is answered
 * with a chosen proposal (or a notification).  The sender is 198.51.100.7 (matching
 * "rw") or 198.51.100.9 (matching "peer"), chosen by the low bit of the first cookie
 * byte, so that both connections' proposals get chosen from.  Every reply goes to a send
 * hook that parses it: what pluto sends must be a well-formed ISAKMP message.  Each
 * input is delivered twice (the second time it is a retransmission: pluto resends its
 * answer); then every state and instance is deleted, so each input starts from scratch.
 * Debug logging is on (to /dev/null), so that the debug paths run too.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connections.h"
#include "crypto_helpers.h"
#include "debug_class.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ike_codec.h"
#include "ikev1.h"
#include "log.h"
#include "pluto.h"
#include "sandbox.h"
#include "state.h"
#include "whack_msg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct iface fake_iface = {.name = "fuzz0", .port = 500, .fd = -1};
static ip_address peer_rw, peer_rsa;
static struct ike_digest reply_digest;
static struct ike_sa_parsed *reply_sa;

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_ikev1_responder: %s%s%s\n", what, err ? ": " : "", err ? err : "");
	abort();
}

static ip_address addr(const char *text)
{
	ip_address a;

	if (ip_addr_parse(text, AF_INET, false, &a) != NULL)
		fail("bad address", text);
	return a;
}

/* Whatever pluto answers must parse; a Main Mode answer carries one proposal. */
static void on_send(struct iface *ifp, const uint8_t *buf, size_t len, const ip_address *to,
		    uint16_t port)
{
	const char *err = ike_codec_parse_message(&reply_digest, buf, len);
	const struct ike_payload *sa;

	if (ifp != &fake_iface)
		fail("reply on the wrong interface", NULL);
	if (err != NULL)
		fail("pluto sent a malformed message", err);
	sa = ike_digest_first(&reply_digest, ISAKMP_NEXT_SA);
	if (sa == NULL)
		return;
	err = ike_codec_parse_sa(sa, reply_sa);
	if (err != NULL)
		fail("pluto sent a malformed SA payload", err);
	if (reply_sa->sa.nproposals != 1 || reply_sa->sa.proposals[0].ntransforms != 1)
		fail("pluto's MR1 must choose one proposal and one transform", NULL);
}

static void add_conn(const char *name, const char *peer, uint32_t policy, const char *ike)
{
	struct whack_msg m;
	const char *why = NULL;

	whack_msg_init(&m);
	m.ops = WHACK_OP_CONN;
	snprintf(m.name, sizeof(m.name), "%s", name);
	m.end[0].host_type = WHACK_HOST_ADDR;
	m.end[0].host = fake_iface.addr;
	if (peer != NULL) {
		m.end[1].host_type = WHACK_HOST_ADDR;
		m.end[1].host = addr(peer);
	} else {
		m.end[1].host_type = WHACK_HOST_ANY;
	}
	m.policy = policy | POLICY_ENCRYPT | POLICY_TUNNEL;
	snprintf(m.ike, sizeof(m.ike), "%s", ike);
	if (connection_add(&m, &why) != RC_SUCCESS)
		fail("connection_add", why);
	if (!connection_oriented(connection_find(name)))
		fail("connection not oriented", name);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char secrets[] = "192.0.2.1 %any : PSK \"fuzzing is fun\"\n";
	const char *path;

	fuzz_quiet_log();
	reply_sa = malloc(sizeof(*reply_sa));
	if (reply_sa == NULL)
		abort();
	fake_iface.addr = addr("192.0.2.1");
	peer_rw = addr("198.51.100.7");
	peer_rsa = addr("198.51.100.9");
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
	if (pluto_secrets() == NULL)
		fail("no secrets", NULL);
	add_conn("rw", NULL, POLICY_PSK,
		 "aes256-sha2_256-modp2048,aes128-sha1-modp2048,3des-md5-modp1024");
	add_conn("peer", "198.51.100.9", POLICY_RSASIG, "aes128-sha2_256-modp2048");
	base_debugging = DBG_EVERYTHING;
	return 0;
}

/* Back to the two connections and no state. */
static void reset(void)
{
	states_delete_all();
	for (struct connection *c = connections, *next; c != NULL; c = next) {
		next = c->next;
		if (c->kind == CK_INSTANCE) {
			connection_delete(c);
			next = connections;
		}
	}
	log_reset_context();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ip_address *from = size > 0 && (data[0] & 1) ? &peer_rsa : &peer_rw;

	/* twice: the second time it is a retransmission, for the state the first made */
	for (int i = 0; i < 2; i++) {
		ikev1_receive(&fake_iface, data, size, from, PLUTO_DEFAULT_IKEPORT);
		if (states_count() > 1)
			fail("one datagram made more than one state", NULL);
	}
	reset();
	return 0;
}
