/*
 * ipsec.conf as pluto --config reads it: the input becomes the only file of a private
 * directory (so `include' finds nothing else; sandbox.h fences the rest of the machine
 * off), then ipsec_conf_load(), conf_setup_get(), and for each conn conf_conn_to_whack(),
 * its rsasigkey identities, and connection_add() as pluto_load_config_conns() does it,
 * with the public keys added.  Everything is freed after each input (LeakSanitizer
 * checks that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_conn.h"
#include "connections.h"
#include "ipsec_conf.h"
#include "keys.h"
#include "log.h"
#include "sandbox.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *path;
static struct conf_conn *cc;
static struct conf_setup *setup;
static volatile size_t sink;

/* Keys a conn may set, looked up through its layers (conn, also=, %default). */
static const char *const keys[] = {"left", "right", "also", "auto", "ike", "esp", "authby"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_log();
	path = fuzz_sandbox_file("ipsec.conf");
	cc = malloc(sizeof(*cc));
	setup = malloc(sizeof(*setup));
	if (cc == NULL || setup == NULL)
		abort();
	return 0;
}

static void add_keys(void)
{
	for (int e = 0; e < 2; e++) {
		struct ike_id id;
		if (cc->rsasigkey[e].len == 0 || conf_conn_key_id(cc, e, &id) != NULL)
			continue;
		(void)pubkey_add(&id, cc->rsasigkey[e].key, cc->rsasigkey[e].len, true);
	}
}

static void load_conns(const struct ipsec_conf *conf, struct conf_errors *errs)
{
	for (const struct conf_section *s = ipsec_conf_next_conn(conf, NULL); s != NULL;
	     s = ipsec_conf_next_conn(conf, s)) {
		const char *why = NULL;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const struct conf_kv *kv = ipsec_conf_lookup(s, keys[i]);
			if (kv != NULL)
				sink += strlen(kv->value) + strlen(kv->file) + kv->line;
		}
		if (ipsec_conf_find_conn(conf, s->name) != s)
			abort(); /* conn names are unique */
		if (!conf_conn_to_whack(s, cc, errs) || cc->autostart == CONF_AUTO_IGNORE)
			continue;
		if (connection_add(&cc->msg, &why) == RC_SUCCESS)
			add_keys();
		log_reset_context();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors errs = {0};
	struct ipsec_conf *conf = NULL;

	fuzz_sandbox_write(path, data, size);
	fuzz_sandbox_enter();
	if (ipsec_conf_load(path, &conf, &errs)) {
		(void)conf_setup_get(conf, setup, &errs);
		load_conns(conf, &errs);
	}
	fuzz_sandbox_leave();
	for (size_t i = 0; i < errs.n; i++)
		sink += strlen(errs.v[i].msg);
	ipsec_conf_free(conf);
	conf_errors_free(&errs);
	connection_delete_all();
	pubkeys_free_all();
	return 0;
}
