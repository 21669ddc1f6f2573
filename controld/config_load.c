/* Loading ipsec.conf (config setup, conns) and ipsec.secrets into the running pluto. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "conf_conn.h"
#include "connections.h"
#include "engine.h"
#include "ipsec_conf.h"
#include "keys.h"
#include "log.h"
#include "pluto.h"
#include "pluto_main.h"
#include "secrets.h"

static struct ipsec_conf *conf;	 /* from --config, kept for the conns */
static struct conf_errors conf_errs;
static struct conf_setup setup;	 /* owns the interface names pluto.interfaces points to */
static struct secrets *secrets;

const struct secrets *pluto_secrets(void)
{
	return secrets;
}

static void __attribute__((noreturn)) setup_fail(const char *why)
{
	for (size_t i = 0; i < conf_errs.n; i++)
		fprintf(stderr, "pluto: %s%s\n", conf_errs.v[i].warning ? "warning: " : "",
			conf_errs.v[i].msg);
	if (why != NULL)
		fprintf(stderr, "pluto: %s\n", why);
	exit(1);
}

static void apply_logging(struct pluto_startup *st)
{
	if ((setup.set & CONF_S_LOGFILE) && !(st->seen & SEEN_LOGFILE))
		snprintf(st->logfile, sizeof(st->logfile), "%s", setup.logfile);
	if ((setup.set & CONF_S_STDERRLOG) && !(st->seen & (SEEN_LOGFILE | SEEN_STDERRLOG)))
		snprintf(st->logfile, sizeof(st->logfile), "%s", setup.stderrlog);
	if ((setup.set & CONF_S_LOGTIME) && !(st->seen & SEEN_LOGTIME))
		st->log.no_time = !setup.logtime;
	if ((setup.set & CONF_S_LOGAPPEND) && !(st->seen & SEEN_LOGAPPEND))
		st->log.no_append = !setup.logappend;
	if ((setup.set & CONF_S_LOGIP) && !setup.logip)
		setup_fail("config setup: logip=no is not supported yet");
	if ((setup.set & CONF_S_PLUTODEBUG) && !(st->seen & SEEN_DEBUG)) {
		st->debug_on = setup.plutodebug;
		st->debug_off = DBG_EVERYTHING & ~setup.plutodebug;
	}
}

static void apply_interfaces(struct pluto_startup *st)
{
	if (!(setup.set & CONF_S_INTERFACES) || (st->seen & SEEN_INTERFACE))
		return;
	pluto.interfaces_mode = setup.interfaces == CONF_IFACES_DEFAULTROUTE ? IFACES_DEFAULTROUTE
				: setup.interfaces == CONF_IFACES_NONE	     ? IFACES_NONE
									     : IFACES_LIST;
	pluto.ninterfaces = 0;
	for (unsigned i = 0; i < setup.ninterfaces && i < PLUTO_MAX_INTERFACES; i++)
		pluto.interfaces[pluto.ninterfaces++] = setup.ifnames[i];
}

/* config setup of --config: applied where the command line did not set the same thing. */
void pluto_apply_config_setup(struct pluto_startup *st)
{
	if (!ipsec_conf_load(st->config_file, &conf, &conf_errs))
		setup_fail(NULL);
	if (!conf_setup_get(conf, &setup, &conf_errs))
		setup_fail("errors in config setup");
	if (setup.set & CONF_S_IPSECDIR)
		setup_fail("config setup: ipsecdir= is not supported yet");
	apply_logging(st);
	apply_interfaces(st);
	if ((setup.set & CONF_S_UNIQUEIDS) && !(st->seen & SEEN_UNIQUEIDS))
		pluto.uniqueids = setup.uniqueids;
	if ((setup.set & CONF_S_LISTEN) && !(st->seen & SEEN_LISTEN))
		pluto.listen_addr = setup.listen;
	if ((setup.set & CONF_S_NHELPERS) && !(st->seen & SEEN_NHELPERS))
		pluto.nhelpers = setup.nhelpers;
	if ((setup.set & CONF_S_SECRETSFILE) && !(st->seen & SEEN_SECRETS))
		snprintf(pluto.secretsfile, sizeof(pluto.secretsfile), "%s", setup.secretsfile);
	if ((setup.set & CONF_S_IKEPORT) && !(st->seen & SEEN_IKEPORT))
		pluto.ikeport = setup.ikeport;
	if ((setup.set & CONF_S_MAX_HALFOPEN) && !(st->seen & SEEN_MAX_HALFOPEN))
		pluto.max_halfopen = setup.max_halfopen;
	if ((setup.set & CONF_S_MAX_HALFOPEN_PEER) && !(st->seen & SEEN_MAX_HALFOPEN_PEER))
		pluto.max_halfopen_peer = setup.max_halfopen_peer;
	if (setup.set & CONF_S_MYID) {
		const char *err = id_parse(setup.myid, false, &pluto.myid);
		if (err != NULL)
			setup_fail(err);
	}
}

static void log_conf_errors(void)
{
	for (size_t i = 0; i < conf_errs.n; i++)
		plog("%s%s", conf_errs.v[i].warning ? "warning: " : "", conf_errs.v[i].msg);
	conf_errors_free(&conf_errs);
	memset(&conf_errs, 0, sizeof(conf_errs));
}

static void add_conf_keys(const struct conf_conn *cc)
{
	for (int e = 0; e < 2; e++) {
		struct ike_id id;
		if (cc->rsasigkey[e].len == 0)
			continue;
		const char *err = conf_conn_key_id(cc, e, &id);
		if (err == NULL)
			err = pubkey_add(&id, cc->rsasigkey[e].key, cc->rsasigkey[e].len, true);
		if (err != NULL)
			plog("%s:%u: conn %s: %srsasigkey: %s", cc->file, cc->line, cc->msg.name,
			     e ? "right" : "left", err);
	}
}

/* Every conn of --config (but auto=ignore ones); a broken conn is reported and skipped. */
void pluto_load_config_conns(const struct pluto_startup *st)
{
	static struct conf_conn cc; /* large: whack messages and keys */
	unsigned loaded = 0, skipped = 0;

	log_conf_errors();
	for (const struct conf_section *s = ipsec_conf_next_conn(conf, NULL); s != NULL;
	     s = ipsec_conf_next_conn(conf, s)) {
		bool ok = conf_conn_to_whack(s, &cc, &conf_errs);
		log_conf_errors();
		if (ok && cc.autostart == CONF_AUTO_IGNORE)
			continue;
		const char *why = NULL;
		if (ok && connection_add(&cc.msg, &why) != RC_SUCCESS) {
			plog("%s:%u: conn %s: %s", cc.file, cc.line, cc.msg.name, why);
			ok = false;
		}
		log_reset_context();
		if (!ok) {
			skipped++;
			continue;
		}
		add_conf_keys(&cc);
		loaded++;
	}
	plog("loaded %u connection%s from %s%s", loaded, loaded == 1 ? "" : "s", st->config_file,
	     skipped ? "; some were skipped: see the errors above" : "");
	ipsec_conf_free(conf);
	conf = NULL;
	/*
	 * The parsed file lay between the connections made from it: give its pages back
	 * (10,000 conns: 8 MB of the 30 MB pluto would otherwise keep).
	 */
	malloc_trim(0);
}

/* ipsec.secrets: with errors, the previous secrets stay (at start-up: the good entries). */
void pluto_load_secrets(void)
{
	struct conf_errors errs = { 0 };
	struct secrets *fresh = secrets_load(pluto.secretsfile, &errs);

	for (size_t i = 0; i < errs.n; i++)
		plog("%s%s", errs.v[i].warning ? "warning: " : "", errs.v[i].msg);
	if (errs.nerrors > 0 && secrets != NULL) {
		loglog(RC_LOG_SERIOUS, "%s not reloaded: %zu error%s; the previous secrets stay in use",
		       pluto.secretsfile, errs.nerrors, errs.nerrors == 1 ? "" : "s");
		secrets_free(fresh);
	} else {
		secrets_free(secrets);
		secrets = fresh;
		plog("loaded %u secret%s from %s%s", secrets_count(secrets),
		     secrets_count(secrets) == 1 ? "" : "s", pluto.secretsfile,
		     errs.nerrors ? " (entries with errors were skipped)" : "");
	}
	conf_errors_free(&errs);
}

void pluto_free_secrets(void)
{
	secrets_free(secrets);
	secrets = NULL;
}

void pluto_reap_children(void)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}
