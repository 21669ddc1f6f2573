/* Initiation and termination: the entry points into the IKEv1 engine. */
#include "connections.h"
#include "engine.h"
#include "ikev1.h"
#include "log.h"
#include "state.h"

void engine_initiate(struct connection *c, struct ctl_client *whack, bool async)
{
	if (c->policy & POLICY_SHUNT_MASK) {
		loglog(RC_INITSHUNT, "cannot initiate a shunt-only connection");
		return;
	}
	if (!connection_oriented(c)) {
		loglog(RC_ORIENT, "we cannot identify ourselves with either end of this connection");
		return;
	}
	if (c->kind == CK_TEMPLATE || !ip_addr_is_set(&c->that->host)) {
		loglog(RC_NOPEERIP, "cannot initiate connection without knowing peer IP address");
		return;
	}
	if (!(c->policy & (POLICY_PSK | POLICY_RSASIG))) {
		loglog(RC_NOKEY, "connection has neither --psk nor --rsasig");
		return;
	}
	ikev1_initiate(c, async ? NULL : whack);
	log_set_context(c, NULL);
}

void engine_terminate(struct connection *c)
{
	plog("terminating SAs using this connection");
	/* a template's SAs live in its instances */
	for (struct connection *i = connections, *next; i != NULL; i = next) {
		next = i->next; /* an instance never established goes with its last state */
		if (i->kind == CK_INSTANCE && i->template == c)
			states_delete_connection(i);
	}
	states_delete_connection(c);
}

void engine_shutdown(void)
{
	states_delete_all();
}
