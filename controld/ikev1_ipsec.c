/*
 * The kernel hook of an established IPsec SA: the inbound and outbound ESP SAs and the
 * out/in/fwd policies between the clients, through kernel.h (XFRM; a no-op that logs at
 * debug level under --noklips).  Policies follow the connection's newest IPsec SA; when
 * that goes while an older one is still in the kernel, the older one inherits them.
 */
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <string.h>

#include "dataplane.h"
#include "ifaces.h"
#include "ikev1_sa.h"
#include "engine.h"
#include "kernel.h"
#include "log.h"

/*
 * One reqid per connection (instance), stable across its rekeys, from pluto's band: a
 * counter, skipping 0 (unset) when the band wraps (after 2^28 connections).
 */
static uint32_t conn_reqid(struct connection *c)
{
	static uint32_t next = KERNEL_REQID_MIN;

	if (c->reqid == 0) {
		c->reqid = next;
		next = next == KERNEL_REQID_MAX ? KERNEL_REQID_MIN : next + 1;
	}
	return c->reqid;
}

static ip_address our_addr(const struct state *st)
{
	const struct ikev1_sa *sa = ikev1_sa(st);

	return sa->iface != NULL ? sa->iface->addr : st->connection->this->host;
}

static void fill(struct kernel_sa *k, struct state *st, bool inbound)
{
	const struct ikev1_sa *sa = ikev1_sa(st);
	uint32_t spi;

	memset(k, 0, sizeof(*k));
	k->src = inbound ? sa->peer : our_addr(st);
	k->dst = inbound ? our_addr(st) : sa->peer;
	memcpy(&spi, inbound ? sa->ipsec.our_spi : sa->ipsec.peer_spi, sizeof(spi));
	k->spi = ntohl(spi);
	k->proto = IPPROTO_ESP;
	k->tunnel = sa->ipsec.p2.encap == ISAKMP_ENCAP_TUNNEL;
	k->src_client = inbound ? sa->ipsec.peer_client : sa->ipsec.our_client;
	k->dst_client = inbound ? sa->ipsec.our_client : sa->ipsec.peer_client;
	k->encr = sa->ipsec.p2.transform;
	k->enc_keylen_bits = sa->ipsec.p2.keylen;
	k->integ = sa->ipsec.p2.auth;
	const uint8_t *km = inbound ? sa->ipsec.keymat_in : sa->ipsec.keymat_out;
	if (sa->ipsec.enc_keylen <= KERNEL_ENC_KEY_MAX &&
	    sa->ipsec.auth_keylen <= KERNEL_AUTH_KEY_MAX) {
		memcpy(k->enc_key, km, sa->ipsec.enc_keylen);
		k->enc_key_len = (uint8_t)sa->ipsec.enc_keylen;
		memcpy(k->auth_key, km + sa->ipsec.enc_keylen, sa->ipsec.auth_keylen);
		k->auth_key_len = (uint8_t)sa->ipsec.auth_keylen;
	}
	k->replay_window = KERNEL_REPLAY_WINDOW_DEFAULT;
	/* pluto expires it first */
	k->hard_seconds = sa->ipsec.p2.life ? sa->ipsec.p2.life + 60 : 0;
	k->reqid = conn_reqid(st->connection);
}

static int add_policies(struct state *st)
{
	const struct ikev1_sa *sa = ikev1_sa(st);
	ip_address us = our_addr(st);
	bool tunnel = sa->ipsec.p2.encap == ISAKMP_ENCAP_TUNNEL;
	uint32_t reqid = conn_reqid(st->connection);
	int r = kernel_add_policy(XFRM_POLICY_OUT, &sa->ipsec.our_client, &sa->ipsec.peer_client,
				  &us, &sa->peer, IPPROTO_ESP, tunnel, reqid, 0, true);

	if (r == 0)
		r = kernel_add_policy(XFRM_POLICY_IN, &sa->ipsec.peer_client, &sa->ipsec.our_client,
				      &sa->peer, &us, IPPROTO_ESP, tunnel, reqid, 0, true);
	if (r == 0 && tunnel)
		r = kernel_add_policy(XFRM_POLICY_FWD, &sa->ipsec.peer_client,
				      &sa->ipsec.our_client, &sa->peer, &us, IPPROTO_ESP, tunnel,
				      reqid, 0, true);
	return r;
}

bool ikev1_install_ipsec_sa(struct state *st, bool inbound_only)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct kernel_sa k;
	bool ok = true;

	if (!(sa->ipsec.installed & IKEV1_INSTALLED_IN)) {
		fill(&k, st, true);
		ok = kernel_add_sa(&k, false) == 0;
		if (ok) {
			sa->ipsec.installed |= IKEV1_INSTALLED_IN;
			/* the kernel has the keys: nothing reads them here again */
			crypto_cleanse(sa->ipsec.keymat_in, IKEV1_MAX_KEYMAT);
			ikev1_dpd_note_child(st);
			dataplane_sync_sa(st); /* XDP lets ESP to this SPI in */
			dbg(DBG_KERNEL, "inbound ESP SA 0x%08x installed", k.spi);
		}
		crypto_cleanse(&k, sizeof(k));
	}
	if (!ok || inbound_only || (sa->ipsec.installed & IKEV1_INSTALLED_OUT))
		return ok;
	fill(&k, st, false);
	ok = kernel_add_sa(&k, false) == 0;
	if (ok) {
		sa->ipsec.installed |= IKEV1_INSTALLED_OUT; /* so that removal takes it out again */
		crypto_cleanse(sa->ipsec.keymat_out, IKEV1_MAX_KEYMAT);
		ok = add_policies(st) == 0;
	}
	if (ok) {
		dataplane_sync_sa(st);
		dataplane_sync_conn(st->connection); /* the eroute becomes IPSEC with these SPIs */
		dbg(DBG_KERNEL, "outbound ESP SA 0x%08x and policies installed", k.spi);
	}
	crypto_cleanse(&k, sizeof(k));
	return ok;
}

void ikev1_remove_ipsec_sa(struct state *st)
{
	struct ikev1_sa *sa = ikev1_sa(st);
	struct connection *c = st->connection;
	ip_address us = our_addr(st);
	struct state *next = NULL;
	uint32_t in, out;

	memcpy(&in, sa->ipsec.our_spi, sizeof(in));
	memcpy(&out, sa->ipsec.peer_spi, sizeof(out));
	if (sa->ipsec.installed & IKEV1_INSTALLED_OUT) {
		kernel_del_sa(&sa->peer, ntohl(out), IPPROTO_ESP);
		/* (a walk of c's own states only) */
		if (c->newest_ipsec_sa == st->serial || c->eroute_owner == st->serial)
			next = ikev1_heir(st);
		if (c->newest_ipsec_sa == st->serial && next == NULL) {
			kernel_del_policy(XFRM_POLICY_OUT, &sa->ipsec.our_client,
					  &sa->ipsec.peer_client);
			kernel_del_policy(XFRM_POLICY_IN, &sa->ipsec.peer_client,
					  &sa->ipsec.our_client);
			if (sa->ipsec.p2.encap == ISAKMP_ENCAP_TUNNEL)
				kernel_del_policy(XFRM_POLICY_FWD, &sa->ipsec.peer_client,
						  &sa->ipsec.our_client);
		}
	}
	if (sa->ipsec.installed & IKEV1_INSTALLED_IN)
		kernel_del_sa(&us, ntohl(in), IPPROTO_ESP);
	sa->ipsec.installed = 0;
	if (next != NULL) {
		/* the policies (same clients, peer and reqid) stay and lead into the older SA */
		if (c->newest_ipsec_sa == st->serial)
			ikev1_inherit(next, st);
		routing_sa_handover(c, st->serial, next->serial);
		dataplane_sync_conn(c); /* the eroute's SPIs become next's */
	} else {
		routing_sa_down(c, st->serial);
	}
	dataplane_sync_soon(); /* SPIs gone; an eroute it owned reverts to TRAP, or goes */
}
