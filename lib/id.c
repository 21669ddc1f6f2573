/* IKE identities. */
#include "id.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ttodata.h"

static const char *parse_keyid(const char *hex, struct ike_id *out)
{
	size_t n;
	char buf[ID_NAME_MAX * 2 + 4];

	if (strlen(hex) + 2 >= sizeof(buf))
		return "key id too long";
	snprintf(buf, sizeof(buf), "0x%s", hex);
	const char *err = ttodata(buf, out->name, sizeof(out->name), &n);
	if (err != NULL)
		return err;
	if (n == 0)
		return "empty key id";
	out->kind = ID_KEY_ID;
	out->len = (uint16_t)n;
	return NULL;
}

static const char *set_name(enum id_kind kind, const char *s, struct ike_id *out)
{
	size_t n = strlen(s);

	if (n == 0)
		return "empty name in identity";
	if (n > ID_NAME_MAX)
		return "identity longer than 256 characters";
	for (size_t i = 0; i < n; i++) {
		if (!isgraph((unsigned char)s[i]))
			return "identity contains white space or a control character";
	}
	out->kind = kind;
	out->len = (uint16_t)n;
	memcpy(out->name, s, n);
	return NULL;
}

const char *id_parse(const char *src, bool resolve, struct ike_id *out)
{
	static __thread char why[160];

	memset(out, 0, sizeof(*out));
	if (src == NULL || *src == '\0')
		return "empty identity";
	if (strcmp(src, "%any") == 0 || strcmp(src, "0.0.0.0") == 0 || strcmp(src, "::") == 0) {
		out->kind = ID_ANY;
		return NULL;
	}
	if (strcmp(src, "%myid") == 0) {
		out->kind = ID_MYID;
		return NULL;
	}
	if (src[0] == '%') {
		snprintf(why, sizeof(why), "unknown identity keyword `%.64s'", src);
		return why;
	}
	if (src[0] == '@' && src[1] == '#')
		return parse_keyid(src + 2, out);
	if (src[0] == '@')
		return set_name(ID_FQDN, src + 1, out);
	if (strchr(src, '@') != NULL)
		return set_name(ID_USER_FQDN, src, out);
	if (strchr(src, '=') != NULL) {
		snprintf(why, sizeof(why),
			 "`%.64s': distinguished-name identities are not supported yet", src);
		return why;
	}
	const char *err = ip_addr_parse(src, AF_UNSPEC, resolve, &out->ip);
	if (err != NULL)
		return err;
	out->kind = out->ip.af == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
	return NULL;
}

void id_format(const struct ike_id *id, char buf[ID_STRLEN])
{
	switch (id->kind) {
	case ID_NONE:
		snprintf(buf, ID_STRLEN, "(none)");
		break;
	case ID_ANY:
		snprintf(buf, ID_STRLEN, "%%any");
		break;
	case ID_MYID:
		snprintf(buf, ID_STRLEN, "%%myid");
		break;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		ip_addr_format(&id->ip, buf);
		break;
	case ID_FQDN:
		snprintf(buf, ID_STRLEN, "@%.*s", (int)id->len, (const char *)id->name);
		break;
	case ID_USER_FQDN:
		snprintf(buf, ID_STRLEN, "%.*s", (int)id->len, (const char *)id->name);
		break;
	case ID_KEY_ID: {
		size_t o = (size_t)snprintf(buf, ID_STRLEN, "@#");
		for (unsigned i = 0; i < id->len && o + 3 < ID_STRLEN; i++)
			o += (size_t)snprintf(buf + o, ID_STRLEN - o, "%02x", id->name[i]);
		break;
	}
	default:
		snprintf(buf, ID_STRLEN, "(unknown id kind %d)", id->kind);
	}
}

const char *id_str(const struct ike_id *id)
{
	static __thread char bufs[2][ID_STRLEN];
	static __thread unsigned n;
	char *b = bufs[n++ % 2];

	id_format(id, b);
	return b;
}

bool id_eq(const struct ike_id *a, const struct ike_id *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return ip_addr_eq(&a->ip, &b->ip);
	case ID_FQDN:
	case ID_USER_FQDN:
		/* domain names compare without regard to case */
		return a->len == b->len &&
		       strncasecmp((const char *)a->name, (const char *)b->name, a->len) == 0;
	case ID_KEY_ID:
		return a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
	default:
		return true;
	}
}

uint64_t id_hash(const struct ike_id *id, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed ^ (uint64_t)id->kind;
	bool fold = id->kind == ID_FQDN || id->kind == ID_USER_FQDN;

	switch (id->kind) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return ip_addr_hash(&id->ip, h);
	case ID_FQDN:
	case ID_USER_FQDN:
	case ID_KEY_ID:
		for (size_t i = 0; i < id->len; i++) {
			h ^= fold ? (uint8_t)tolower(id->name[i]) : id->name[i];
			h *= 0x100000001b3ULL; /* FNV-1a */
		}
		return hash_mix64(h);
	default:
		return hash_mix64(h);
	}
}

bool id_match(const struct ike_id *pattern, const struct ike_id *id)
{
	return pattern->kind == ID_ANY || id_eq(pattern, id);
}

struct ike_id id_from_addr(const ip_address *a)
{
	struct ike_id id = { .kind = a->af == AF_INET6 ? ID_IPV6_ADDR : ID_IPV4_ADDR, .ip = *a };
	return id;
}

bool id_is_set(const struct ike_id *id)
{
	return id->kind != ID_NONE;
}

const struct ike_id id_none = { .kind = ID_NONE };

static size_t kept_size(const struct ike_id *id)
{
	return offsetof(struct ike_id, name) + id->len;
}

const struct ike_id *id_keep(const struct ike_id *id)
{
	if (id->kind == ID_NONE)
		return &id_none;
	struct ike_id *k = malloc(kept_size(id));
	if (k != NULL)
		memcpy(k, id, kept_size(id));
	return k;
}

void id_release(const struct ike_id *kept)
{
	if (kept != &id_none)
		free((void *)kept);
}

void id_copy(struct ike_id *dst, const struct ike_id *src)
{
	memcpy(dst, src, kept_size(src));
}
