/*
 * ipsec.secrets as pluto reads it: the input becomes the only file (mode 0600) of a
 * private directory, so that `include' and `: RSA keyfile' can name nothing but the
 * input itself (sandbox.h fences the rest of the machine off); then secrets_load(), the
 * lookups pluto makes (PSK for a pair of identities, our RSA key, a key by its public
 * half), the status listing, and secrets_free(), whose leaks LeakSanitizer would report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "ipsec_conf.h"
#include "sandbox.h"
#include "secrets.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *path;
static struct ike_id ids[5];
static volatile size_t sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const texts[] = {"192.0.2.1", "198.51.100.2", "@west", "%any",
					    "carol@example.org"};

	fuzz_quiet_log();
	path = fuzz_sandbox_file("ipsec.secrets");
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (id_parse(texts[i], false, &ids[i]) != NULL)
			abort();
	}
	return 0;
}

static void emit(void *arg, const char *line)
{
	sink += strlen(line);
}

static void lookups(const struct secrets *set)
{
	const size_t n = sizeof(ids) / sizeof(ids[0]);

	for (size_t i = 0; i < n; i++) {
		const struct secret *s = secrets_find_rsa(set, &ids[i]);
		if (s != NULL && secrets_find_rsa_by_pubkey(set, s->pkey) == NULL)
			abort(); /* the key itself must be found by its public half */
		for (size_t j = 0; j < n; j++) {
			s = secrets_find_psk(set, &ids[i], &ids[j]);
			if (s != NULL)
				sink += s->psk_len + s->nids;
		}
	}
	secrets_list(set, emit, NULL);
	sink += secrets_count(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors errs = {0};
	struct secrets *set;

	fuzz_sandbox_write(path, data, size);
	fuzz_sandbox_enter();
	set = secrets_load(path, &errs);
	fuzz_sandbox_leave();
	if (set != NULL)
		lookups(set);
	for (size_t i = 0; i < errs.n; i++)
		sink += strlen(errs.v[i].msg);
	secrets_free(set);
	conf_errors_free(&errs);
	return 0;
}
