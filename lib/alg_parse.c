/* Algorithm list parsing: one name table per component. */
#include "alg_parse.h"

#include <stdio.h>
#include <string.h>

#include "pluto/ike_alg.h"

struct name {
	const char *name;
	uint16_t value;
	uint16_t keylen;
};

static const struct name ike_encrs[] = {
	{ "3des", OAKLEY_ENCR_3DES_CBC, 0 },   { "aes", OAKLEY_ENCR_AES_CBC, 128 },
	{ "aes128", OAKLEY_ENCR_AES_CBC, 128 }, { "aes192", OAKLEY_ENCR_AES_CBC, 192 },
	{ "aes256", OAKLEY_ENCR_AES_CBC, 256 }, { "aes_cbc", OAKLEY_ENCR_AES_CBC, 128 },
	{ "aes_cbc128", OAKLEY_ENCR_AES_CBC, 128 }, { "aes_cbc192", OAKLEY_ENCR_AES_CBC, 192 },
	{ "aes_cbc256", OAKLEY_ENCR_AES_CBC, 256 }, { NULL, 0, 0 },
};

static const struct name ike_hashes[] = {
	/* the first name of each value is the one shown in status */
	{ "md5", OAKLEY_HASH_MD5, 0 },	      { "sha1", OAKLEY_HASH_SHA1, 0 },
	{ "sha", OAKLEY_HASH_SHA1, 0 },	      { "sha2_256", OAKLEY_HASH_SHA2_256, 0 },
	{ "sha2", OAKLEY_HASH_SHA2_256, 0 },  { "sha256", OAKLEY_HASH_SHA2_256, 0 },
	{ "sha2_384", OAKLEY_HASH_SHA2_384, 0 }, { "sha384", OAKLEY_HASH_SHA2_384, 0 },
	{ "sha2_512", OAKLEY_HASH_SHA2_512, 0 }, { "sha512", OAKLEY_HASH_SHA2_512, 0 },
	{ NULL, 0, 0 },
};

static const struct name groups[] = {
	{ "modp1024", OAKLEY_GROUP_MODP1024, 0 }, { "dh2", OAKLEY_GROUP_MODP1024, 0 },
	{ "modp1536", OAKLEY_GROUP_MODP1536, 0 }, { "dh5", OAKLEY_GROUP_MODP1536, 0 },
	{ "modp2048", OAKLEY_GROUP_MODP2048, 0 }, { "dh14", OAKLEY_GROUP_MODP2048, 0 },
	{ "modp3072", OAKLEY_GROUP_MODP3072, 0 }, { "dh15", OAKLEY_GROUP_MODP3072, 0 },
	{ "modp4096", OAKLEY_GROUP_MODP4096, 0 }, { "dh16", OAKLEY_GROUP_MODP4096, 0 },
	{ "ecp256", OAKLEY_GROUP_ECP256, 0 },	  { "dh19", OAKLEY_GROUP_ECP256, 0 },
	{ "ecp384", OAKLEY_GROUP_ECP384, 0 },	  { "dh20", OAKLEY_GROUP_ECP384, 0 },
	{ "curve25519", OAKLEY_GROUP_CURVE25519, 0 }, { "x25519", OAKLEY_GROUP_CURVE25519, 0 },
	{ "dh31", OAKLEY_GROUP_CURVE25519, 0 },	  { NULL, 0, 0 },
};

static const struct name esp_encrs[] = {
	{ "3des", ESP_3DES, 0 },	    { "aes", ESP_AES, 128 },
	{ "aes128", ESP_AES, 128 },	    { "aes192", ESP_AES, 192 },
	{ "aes256", ESP_AES, 256 },	    { "aes_cbc", ESP_AES, 128 },
	{ "aes_cbc128", ESP_AES, 128 },	    { "aes_cbc192", ESP_AES, 192 },
	{ "aes_cbc256", ESP_AES, 256 },	    { "aes_gcm", ESP_AES_GCM_16, 128 },
	{ "aes_gcm128", ESP_AES_GCM_16, 128 }, { "aes_gcm192", ESP_AES_GCM_16, 192 },
	{ "aes_gcm256", ESP_AES_GCM_16, 256 }, { "aes_gcm_c", ESP_AES_GCM_16, 128 },
	{ "aes_gcm_c128", ESP_AES_GCM_16, 128 }, { "aes_gcm_c192", ESP_AES_GCM_16, 192 },
	{ "aes_gcm_c256", ESP_AES_GCM_16, 256 }, { "aes_gcm16", ESP_AES_GCM_16, 128 },
	{ "aes_gcm16_128", ESP_AES_GCM_16, 128 }, { "aes_gcm16_256", ESP_AES_GCM_16, 256 },
	{ NULL, 0, 0 },
};

static const struct name esp_auths[] = {
	{ "md5", AUTH_ALG_HMAC_MD5, 0 },	   { "sha1", AUTH_ALG_HMAC_SHA1, 0 },
	{ "sha", AUTH_ALG_HMAC_SHA1, 0 },	   { "sha2_256", AUTH_ALG_HMAC_SHA2_256, 0 },
	{ "sha2", AUTH_ALG_HMAC_SHA2_256, 0 },	   { "sha256", AUTH_ALG_HMAC_SHA2_256, 0 },
	{ "sha2_384", AUTH_ALG_HMAC_SHA2_384, 0 }, { "sha384", AUTH_ALG_HMAC_SHA2_384, 0 },
	{ "sha2_512", AUTH_ALG_HMAC_SHA2_512, 0 }, { "sha512", AUTH_ALG_HMAC_SHA2_512, 0 },
	{ "null", AUTH_ALG_NONE, 0 },		   { NULL, 0, 0 },
};

/* The defaults: what today's strongSwan and Libreswan accept; no 3DES, MD5 or MODP1024. */
static const char default_ike[] = "aes256-sha2_256-modp2048,aes128-sha2_256-modp2048,"
				  "aes256-sha1-modp2048,aes128-sha1-modp2048,"
				  "aes128-sha2_256-ecp256,aes128-sha2_256-curve25519";
static const char default_esp[] = "aes256-sha2_256,aes128-sha2_256,aes256-sha1,aes128-sha1,"
				  "aes_gcm256,aes_gcm128";

static const struct name *lookup(const struct name *t, const char *w)
{
	for (; t->name; t++) {
		if (strcasecmp(t->name, w) == 0)
			return t;
	}
	return NULL;
}

static const char *name_of(const struct name *t, uint16_t v)
{
	for (; t->name; t++) {
		if (t->value == v)
			return t->name;
	}
	return "unknown";
}

/* Split "a-b-c;d" into up to 4 words. */
static int split_words(char *prop, char *w[4])
{
	int n = 0;

	for (char *tok = strtok(prop, "-;"); tok != NULL; tok = strtok(NULL, "-;")) {
		if (n == 4)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static const char *parse_prop(char *prop, bool esp, struct alg_prop *out)
{
	static __thread char why[160];
	char *w[4];
	int n = split_words(prop, w);
	const struct name *e, *h = NULL, *g = NULL;

	if (n <= 0) {
		snprintf(why, sizeof(why), "empty or overlong proposal");
		return why;
	}
	e = lookup(esp ? esp_encrs : ike_encrs, w[0]);
	if (e == NULL) {
		snprintf(why, sizeof(why), "unknown %s encryption algorithm `%.40s'",
			 esp ? "ESP" : "IKE", w[0]);
		return why;
	}
	for (int i = 1; i < n; i++) {
		const struct name *x = lookup(esp ? esp_auths : ike_hashes, w[i]);
		if (x != NULL && h == NULL && g == NULL && i == 1) {
			h = x;
			continue;
		}
		x = lookup(groups, w[i]);
		if (x != NULL && g == NULL) {
			g = x;
			continue;
		}
		snprintf(why, sizeof(why), "unknown or misplaced %s `%.40s' in `%.60s'",
			 i == 1 ? "integrity algorithm" : "DH group", w[i], w[0]);
		return why;
	}
	bool gcm = esp && e->value == ESP_AES_GCM_16;
	if (gcm && h != NULL && h->value != AUTH_ALG_NONE) {
		snprintf(why, sizeof(why), "`%.40s' is an AEAD cipher: its integrity must be null",
			 w[0]);
		return why;
	}
	if (esp && !gcm && h != NULL && h->value == AUTH_ALG_NONE) {
		snprintf(why, sizeof(why), "ESP `%.40s' without integrity is not allowed", w[0]);
		return why;
	}
	out->encr = e->value;
	out->keylen = e->keylen;
	out->integ = h != NULL ? h->value : gcm ? AUTH_ALG_NONE
				      : esp ? AUTH_ALG_HMAC_SHA2_256
					    : OAKLEY_HASH_SHA2_256;
	out->group = g != NULL ? g->value : esp ? OAKLEY_GROUP_NONE : OAKLEY_GROUP_MODP2048;
	return NULL;
}

static const char *parse_list(const char *s, bool esp, struct alg_list *out)
{
	static __thread char why[200];
	char buf[1024];

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		s = esp ? default_esp : default_ike;
	if (strlen(s) >= sizeof(buf))
		return "algorithm list too long";
	strcpy(buf, s);
	char *save = NULL;
	for (char *prop = strtok_r(buf, ", ", &save); prop; prop = strtok_r(NULL, ", ", &save)) {
		if (out->n == ALG_LIST_MAX) {
			snprintf(why, sizeof(why), "more than %d proposals", ALG_LIST_MAX);
			return why;
		}
		const char *err = parse_prop(prop, esp, &out->p[out->n]);
		if (err != NULL)
			return err;
		out->n++;
	}
	if (out->n == 0)
		return "empty algorithm list";
	return NULL;
}

const char *alg_parse_ike(const char *s, struct alg_list *out)
{
	return parse_list(s, false, out);
}

const char *alg_parse_esp(const char *s, struct alg_list *out)
{
	return parse_list(s, true, out);
}

const char *alg_encr_name(uint16_t v)
{
	return v == OAKLEY_ENCR_3DES_CBC ? "3DES_CBC" : v == OAKLEY_ENCR_AES_CBC ? "AES_CBC" : "unknown";
}

const char *alg_hash_name(uint16_t v)
{
	return name_of(ike_hashes, v);
}

const char *alg_group_name(uint16_t v)
{
	return name_of(groups, v);
}

const char *alg_esp_name(uint16_t v)
{
	return v == ESP_3DES ? "3DES_CBC" : v == ESP_AES ? "AES_CBC" : v == ESP_AES_GCM_16 ? "AES_GCM_16"
		: v == ESP_NULL ? "NULL" : "unknown";
}

const char *alg_auth_name(uint16_t v)
{
	return v == AUTH_ALG_NONE ? "none" : name_of(esp_auths, v);
}

void alg_format_ike(const struct alg_prop *p, char *buf, unsigned len)
{
	if (p->keylen)
		snprintf(buf, len, "%s_%u-%s-%s", alg_encr_name(p->encr), p->keylen,
			 alg_hash_name(p->integ), alg_group_name(p->group));
	else
		snprintf(buf, len, "%s-%s-%s", alg_encr_name(p->encr), alg_hash_name(p->integ),
			 alg_group_name(p->group));
}

void alg_format_esp(const struct alg_prop *p, char *buf, unsigned len)
{
	int o = p->keylen ? snprintf(buf, len, "%s_%u-%s", alg_esp_name(p->encr), p->keylen,
				     alg_auth_name(p->integ))
			  : snprintf(buf, len, "%s-%s", alg_esp_name(p->encr), alg_auth_name(p->integ));
	if (p->group && o > 0 && (unsigned)o < len)
		snprintf(buf + o, len - (unsigned)o, "-%s", alg_group_name(p->group));
}

void alg_list_format(const struct alg_list *l, bool esp, char *buf, unsigned len)
{
	unsigned o = 0;
	char one[96];

	buf[0] = '\0';
	for (unsigned i = 0; i < l->n && o < len; i++) {
		if (esp)
			alg_format_esp(&l->p[i], one, sizeof(one));
		else
			alg_format_ike(&l->p[i], one, sizeof(one));
		o += (unsigned)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", one);
	}
}
