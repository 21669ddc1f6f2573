/* Carry out a whack request: its forms in the order FreeS/WAN's pluto takes them. */
#include <stdio.h>
#include <string.h>

#include "connections.h"
#include "ctl.h"
#include "engine.h"
#include "evloop.h"
#include "ifaces.h"
#include "ikev1.h"
#include "keys.h"
#include "log.h"
#include "pluto.h"
#include "state.h"

static struct connection *named(const struct whack_msg *m)
{
	struct connection *c = connection_find(m->name);

	if (c == NULL)
		loglog(RC_UNKNOWN_NAME, "no connection named \"%s\"", m->name);
	return c;
}

static void do_delete(const struct whack_msg *m)
{
	struct connection *c = connection_find(m->name);

	if (c != NULL) {
		log_set_context(c, NULL);
		states_delete_connection(c); /* IPsec SAs first: their down verb */
		engine_unroute(c, true);
		connection_delete(c);
	} else if (!(m->ops & WHACK_OP_CONN)) {
		/* a replacing --delete says nothing when there was nothing to replace */
		loglog(RC_UNKNOWN_NAME, "no connection named \"%s\"", m->name);
	}
}

static void do_deletestate(const struct whack_msg *m)
{
	struct state *st = state_by_serial(m->deletestate);

	if (st == NULL) {
		loglog(RC_UNKNOWN_NAME, "no state #%u to delete", m->deletestate);
		return;
	}
	log_set_context(st->connection, st);
	plog("deleting state (%s)", state_name(st->kind));
	state_delete(st);
	log_reset_context();
}

static void do_myid(const struct whack_msg *m)
{
	struct ike_id id;
	const char *err = id_parse(m->myid, false, &id);

	if (err == NULL && id.kind == ID_MYID)
		err = "%myid cannot stand for itself";
	if (err != NULL) {
		loglog(RC_BADID, "bad --myid: %s", err);
		return;
	}
	pluto.myid = id;
}

static void do_debug(const struct whack_msg *m)
{
	if (m->ops & WHACK_OP_CONN)
		return; /* the flags go to the connection being added (do_conn) */
	if (m->name[0] != '\0') {
		struct connection *c = named(m);
		if (c != NULL)
			c->debugging = (c->debugging & ~m->debug_off) | m->debug_on;
		return;
	}
	base_debugging = (base_debugging & ~m->debug_off) | m->debug_on;
	cur_debugging = base_debugging;
}

static void do_conn(const struct whack_msg *m)
{
	const char *why = NULL;
	enum rc_type rc = connection_add(m, &why);

	log_reset_context();
	if (rc != RC_SUCCESS) {
		loglog(rc, "\"%s\": %s", m->name, why);
		return;
	}
	if (m->ops & WHACK_OP_DEBUG) {
		struct connection *c = connection_find(m->name);
		c->debugging = (c->debugging & ~m->debug_off) | m->debug_on;
	}
}

static void do_key(const struct whack_msg *m)
{
	struct ike_id id;
	const char *err = id_parse(m->keyid, false, &id);

	if (err != NULL) {
		loglog(RC_BADID, "bad --keyid: %s", err);
		return;
	}
	if (m->pubkey_len == 0) {
		if (m->flags & WHACK_F_ADDKEY) {
			loglog(RC_NOKEY, "--addkey without --pubkeyrsa: fetching keys from DNS is "
					 "not supported");
			return;
		}
		unsigned n = pubkey_delete(&id);
		plog("deleted %u public key%s of %s (fetching keys from DNS is not supported)", n,
		     n == 1 ? "" : "s", id_str(&id));
		return;
	}
	err = pubkey_add(&id, m->pubkey, m->pubkey_len, m->flags & WHACK_F_ADDKEY);
	if (err != NULL)
		loglog(RC_NOKEY, "bad --pubkeyrsa for %s: %s", id_str(&id), err);
}

static void do_listen(void)
{
	plog("listening for IKE messages");
	ifaces_rescan();
	pluto.listening = true;
	connections_reorient();
	pluto_load_secrets();
	engine_listen_done();
}

static void do_unlisten(void)
{
	plog("no longer listening for IKE messages");
	/* the SAs go first, while their Deletes can still be sent */
	for (struct connection *c = connections, *next; c != NULL; c = next) {
		bool instance = c->kind == CK_INSTANCE;
		next = c->next;
		log_set_context(c, NULL);
		/* an instance never established goes with its states; one routed for its SA is
		 * unrouted when that goes (instances are never routed otherwise) */
		states_delete_connection(c);
		if (!instance)
			engine_unroute(c, true);
		log_reset_context();
	}
	ifaces_close_all();
	pluto.listening = false;
	connections_reorient(); /* every connection loses its interface, and its routing */
}

static void do_status(void)
{
	char dbgs[256];

	ifaces_status();
	whack_log(RC_COMMENT, "%%myid = %s", id_str(&pluto.myid));
	debug_class_format(base_debugging, dbgs, sizeof(dbgs));
	whack_log(RC_COMMENT, "debug %s", dbgs);
	whack_log(RC_COMMENT, " ");
	connections_status();
	whack_log(RC_COMMENT, " ");
	states_status();
	ikev1_halfopen_status();
	engine_status();
	pubkeys_status();
}

static void do_shutdown(void)
{
	plog("shutting down");
	pluto.shutting_down = true;
	evloop_stop();
}

static void do_conn_op(const struct whack_msg *m, uint32_t op)
{
	struct connection *c = named(m);

	if (c == NULL)
		return;
	log_set_context(c, NULL);
	switch (op) {
	case WHACK_OP_ROUTE:
		engine_route(c);
		break;
	case WHACK_OP_UNROUTE:
		engine_unroute(c, false);
		break;
	case WHACK_OP_INITIATE:
		if (!pluto.listening) {
			loglog(RC_DEAF, "we must be listening to initiate (try whack --listen)");
			break;
		}
		engine_initiate(c, log_get_whack(), m->flags & WHACK_F_ASYNC);
		break;
	case WHACK_OP_TERMINATE:
		engine_terminate(c);
		break;
	}
	log_reset_context();
}

void whack_handle(struct ctl_client *client, const struct whack_msg *m)
{
	(void)client;
	if (m->ops & WHACK_OP_DELETE)
		do_delete(m);
	if (m->ops & WHACK_OP_DELETESTATE)
		do_deletestate(m);
	if (m->ops & WHACK_OP_MYID)
		do_myid(m);
	if (m->ops & WHACK_OP_DEBUG)
		do_debug(m);
	if (m->ops & WHACK_OP_CONN)
		do_conn(m);
	if (m->ops & WHACK_OP_KEY)
		do_key(m);
	if (m->ops & WHACK_OP_REREADSECRETS)
		pluto_load_secrets();
	if (m->ops & WHACK_OP_LISTEN)
		do_listen();
	if (m->ops & WHACK_OP_UNLISTEN)
		do_unlisten();
	static const uint32_t conn_ops[] = { WHACK_OP_ROUTE, WHACK_OP_UNROUTE, WHACK_OP_INITIATE,
					     WHACK_OP_TERMINATE };
	for (size_t i = 0; i < sizeof(conn_ops) / sizeof(conn_ops[0]); i++) {
		if (m->ops & conn_ops[i])
			do_conn_op(m, conn_ops[i]);
	}
	if (m->ops & WHACK_OP_OPPO)
		loglog(RC_NOTSUPPORTED, "opportunistic initiation is not supported yet");
	if (m->ops & WHACK_OP_STATUS)
		do_status();
	if (m->ops & WHACK_OP_SHUTDOWN)
		do_shutdown();
}
