/*
 * Security policy database: the SA payloads we propose (from c->ike_algs / c->esp_algs)
 * and the choice of a peer's proposal as responder (the first transform of OUR list that
 * the peer offered; nothing the configuration did not allow; lifetimes above the manual's
 * maxima refused).
 */
#include <stdio.h>
#include <string.h>

#include "ikev1_sa.h"
#include "log.h"
#include "pluto/ike_alg.h"

#define MAX_ATTRS 8
#define MAX_XFORMS (ALG_LIST_MAX * 2)

struct sa_builder {
	struct ike_attr attrs[MAX_XFORMS][MAX_ATTRS];
	struct ike_transform trans[MAX_XFORMS];
	unsigned n;
};

static void add_attr(struct sa_builder *b, uint16_t type, uint64_t value)
{
	struct ike_transform *t = &b->trans[b->n];

	if (t->nattrs < MAX_ATTRS)
		b->attrs[b->n][t->nattrs++] = (struct ike_attr){ .type = type, .value = value };
}

static uint32_t p1_life(const struct connection *c)
{
	return c->ikelifetime ? c->ikelifetime : WHACK_DEFAULT_IKELIFETIME;
}

static uint32_t p2_life(const struct connection *c)
{
	return c->ipseclifetime ? c->ipseclifetime : WHACK_DEFAULT_IPSECLIFETIME;
}

static void add_p1_transform(struct sa_builder *b, const struct connection *c,
			     const struct alg_prop *a, uint16_t auth)
{
	struct ike_transform *t = &b->trans[b->n];

	*t = (struct ike_transform){ .number = (uint8_t)(b->n + 1), .id = ISAKMP_KEY_IKE,
				     .attrs = b->attrs[b->n] };
	add_attr(b, OAKLEY_ATTR_ENCRYPTION_ALG, a->encr);
	if (a->encr == OAKLEY_ENCR_AES_CBC)
		add_attr(b, OAKLEY_ATTR_KEY_LENGTH, a->keylen ? a->keylen : 128);
	add_attr(b, OAKLEY_ATTR_HASH_ALG, a->integ);
	add_attr(b, OAKLEY_ATTR_AUTH_METHOD, auth);
	add_attr(b, OAKLEY_ATTR_GROUP_DESC, a->group);
	add_attr(b, OAKLEY_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
	add_attr(b, OAKLEY_ATTR_LIFE_DURATION, p1_life(c));
	b->n++;
}

bool ikev1_spdb_emit_p1(struct cursor_out *o, const struct connection *c)
{
	static struct sa_builder b;
	static const uint16_t auths[] = { OAKLEY_AUTH_RSA_SIG, OAKLEY_AUTH_PSK };

	memset(&b, 0, sizeof(b));
	for (unsigned i = 0; i < c->ike_algs->n; i++) {
		for (unsigned j = 0; j < 2; j++) {
			uint32_t need = auths[j] == OAKLEY_AUTH_PSK ? POLICY_PSK : POLICY_RSASIG;
			if ((c->policy & need) && b.n < MAX_XFORMS && b.n < 255)
				add_p1_transform(&b, c, &c->ike_algs->p[i], auths[j]);
		}
	}
	if (b.n == 0)
		return cursor_out_fail(o);
	struct ike_proposal prop = { .number = 1, .protocol = ISAKMP_PROTO_ISAKMP,
				     .ntransforms = b.n, .transforms = b.trans };
	struct ike_sa sa = { .doi = ISAKMP_DOI_IPSEC, .situation = ISAKMP_SIT_IDENTITY_ONLY,
			     .nproposals = 1, .proposals = &prop };
	return ike_codec_emit_sa(o, &sa);
}

/* The PFS group of the connection: the first ESP suite's, or phase 1's. */
static uint16_t pfs_group(const struct connection *c, uint16_t p1_group)
{
	if (!(c->policy & POLICY_PFS))
		return 0;
	if (c->esp_algs->n > 0 && c->esp_algs->p[0].group != 0)
		return c->esp_algs->p[0].group;
	return p1_group;
}

static uint16_t encap_mode(const struct connection *c)
{
	return (c->policy & POLICY_TUNNEL) ? ISAKMP_ENCAP_TUNNEL : ISAKMP_ENCAP_TRANSPORT;
}

static void add_p2_transform(struct sa_builder *b, const struct connection *c,
			     const struct alg_prop *a, uint16_t group)
{
	struct ike_transform *t = &b->trans[b->n];

	*t = (struct ike_transform){ .number = (uint8_t)(b->n + 1), .id = (uint8_t)a->encr,
				     .attrs = b->attrs[b->n] };
	add_attr(b, IPSEC_ATTR_SA_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
	add_attr(b, IPSEC_ATTR_SA_LIFE_DURATION, p2_life(c));
	if (group != 0)
		add_attr(b, IPSEC_ATTR_GROUP_DESC, group);
	add_attr(b, IPSEC_ATTR_ENCAPSULATION_MODE, encap_mode(c));
	if (a->integ != AUTH_ALG_NONE)
		add_attr(b, IPSEC_ATTR_AUTH_ALG, a->integ);
	if (a->encr == ESP_AES || a->encr == ESP_AES_GCM_16)
		add_attr(b, IPSEC_ATTR_KEY_LENGTH, a->keylen ? a->keylen : 128);
	b->n++;
}

bool ikev1_spdb_emit_p2(struct cursor_out *o, const struct connection *c, const uint8_t *spi,
			uint16_t p1_group)
{
	static struct sa_builder b;
	uint16_t group = pfs_group(c, p1_group);

	memset(&b, 0, sizeof(b));
	for (unsigned i = 0; i < c->esp_algs->n && b.n < MAX_XFORMS; i++) {
		const struct alg_prop *a = &c->esp_algs->p[i];
		/* one KE per exchange: only the suites of the PFS group we use */
		if (group != 0 && (a->group ? a->group : p1_group) != group)
			continue;
		add_p2_transform(&b, c, a, group);
	}
	if (b.n == 0)
		return cursor_out_fail(o);
	struct ike_proposal prop = { .number = 1, .protocol = ISAKMP_PROTO_ESP,
				     .spi_size = IKEV1_SPI_LEN, .ntransforms = b.n,
				     .transforms = b.trans };
	memcpy(prop.spi, spi, IKEV1_SPI_LEN);
	struct ike_sa sa = { .doi = ISAKMP_DOI_IPSEC, .situation = ISAKMP_SIT_IDENTITY_ONLY,
			     .nproposals = 1, .proposals = &prop };
	return ike_codec_emit_sa(o, &sa);
}

/* An attribute's value, or def when absent. */
static uint64_t attr_or(const struct ike_transform *t, uint16_t type, uint64_t def)
{
	const struct ike_attr *a = ike_transform_attr(t, type);

	return a != NULL ? a->value : def;
}

/* Life: seconds at most max (kilobytes are accepted and ignored); 0 if refused. */
static uint32_t transform_life(const struct ike_transform *t, uint16_t type_attr,
			       uint16_t dur_attr, uint32_t max, uint32_t def)
{
	uint32_t life = def;

	for (unsigned i = 0; i < t->nattrs; i++) {
		if (t->attrs[i].type != type_attr || i + 1 >= t->nattrs ||
		    t->attrs[i + 1].type != dur_attr)
			continue;
		uint64_t v = t->attrs[i + 1].value;
		if (t->attrs[i].value == ISAKMP_LIFE_SECONDS) {
			if (v == 0 || v > max)
				return 0;
			life = (uint32_t)v;
		}
	}
	return life;
}

static bool p1_attrs_known(const struct ike_transform *t)
{
	for (unsigned i = 0; i < t->nattrs; i++) {
		switch (t->attrs[i].type) {
		case OAKLEY_ATTR_ENCRYPTION_ALG:
		case OAKLEY_ATTR_HASH_ALG:
		case OAKLEY_ATTR_AUTH_METHOD:
		case OAKLEY_ATTR_GROUP_DESC:
		case OAKLEY_ATTR_LIFE_TYPE:
		case OAKLEY_ATTR_LIFE_DURATION:
		case OAKLEY_ATTR_KEY_LENGTH:
			break;
		default:
			return false;
		}
	}
	return true;
}

static bool p1_match(const struct ike_transform *t, const struct alg_prop *a, uint16_t auth,
		     struct ikev1_p1_alg *out)
{
	uint16_t keylen = a->encr == OAKLEY_ENCR_AES_CBC ? (a->keylen ? a->keylen : 128) : 0;

	if (t->id != ISAKMP_KEY_IKE || !p1_attrs_known(t) ||
	    attr_or(t, OAKLEY_ATTR_ENCRYPTION_ALG, 0) != a->encr ||
	    attr_or(t, OAKLEY_ATTR_KEY_LENGTH, keylen == 0 ? 0 : 1) != keylen ||
	    attr_or(t, OAKLEY_ATTR_HASH_ALG, 0) != a->integ ||
	    attr_or(t, OAKLEY_ATTR_AUTH_METHOD, 0) != auth ||
	    attr_or(t, OAKLEY_ATTR_GROUP_DESC, 0) != a->group)
		return false;
	uint32_t life = transform_life(t, OAKLEY_ATTR_LIFE_TYPE, OAKLEY_ATTR_LIFE_DURATION,
				       WHACK_MAX_IKELIFETIME, WHACK_DEFAULT_IKELIFETIME);
	if (life == 0)
		return false;
	*out = (struct ikev1_p1_alg){ .encr = a->encr, .keylen = keylen, .hash = a->integ,
				      .auth = auth, .group = a->group, .life = life };
	return true;
}

const char *ikev1_spdb_select_p1(const struct connection *c, const struct ike_sa *sa,
				 struct ikev1_p1_alg *chosen, const struct ike_proposal **prop,
				 const struct ike_transform **trans)
{
	static const uint16_t auths[] = { OAKLEY_AUTH_RSA_SIG, OAKLEY_AUTH_PSK };

	for (unsigned i = 0; i < c->ike_algs->n; i++) {
		for (unsigned j = 0; j < 2; j++) {
			uint32_t need = auths[j] == OAKLEY_AUTH_PSK ? POLICY_PSK : POLICY_RSASIG;
			if (!(c->policy & need))
				continue;
			for (unsigned p = 0; p < sa->nproposals; p++) {
				const struct ike_proposal *pp = &sa->proposals[p];
				if (pp->protocol != ISAKMP_PROTO_ISAKMP)
					continue;
				for (unsigned t = 0; t < pp->ntransforms; t++) {
					if (p1_match(&pp->transforms[t], &c->ike_algs->p[i],
						     auths[j], chosen)) {
						*prop = pp;
						*trans = &pp->transforms[t];
						return NULL;
					}
				}
			}
		}
	}
	return "no acceptable Oakley Transform";
}

/* Proposals with the same number are ANDed: we take only an ESP proposal on its own. */
static bool esp_alone(const struct ike_sa *sa, unsigned p)
{
	const struct ike_proposal *pp = &sa->proposals[p];

	if (pp->protocol != ISAKMP_PROTO_ESP || pp->spi_size != IKEV1_SPI_LEN)
		return false;
	for (unsigned q = 0; q < sa->nproposals; q++) {
		if (q != p && sa->proposals[q].number == pp->number)
			return false;
	}
	return true;
}

static bool p2_attrs_known(const struct ike_transform *t)
{
	for (unsigned i = 0; i < t->nattrs; i++) {
		switch (t->attrs[i].type) {
		case IPSEC_ATTR_SA_LIFE_TYPE:
		case IPSEC_ATTR_SA_LIFE_DURATION:
		case IPSEC_ATTR_GROUP_DESC:
		case IPSEC_ATTR_ENCAPSULATION_MODE:
		case IPSEC_ATTR_AUTH_ALG:
		case IPSEC_ATTR_KEY_LENGTH:
			break;
		default:
			return false;
		}
	}
	return true;
}

static bool p2_match(const struct connection *c, const struct ike_transform *t,
		     const struct alg_prop *a, uint16_t p1_group, struct ikev1_p2_alg *out)
{
	bool aes = a->encr == ESP_AES || a->encr == ESP_AES_GCM_16;
	uint16_t keylen = aes ? (a->keylen ? a->keylen : 128) : 0;
	uint16_t group = (c->policy & POLICY_PFS) ? (a->group ? a->group : p1_group) : 0;

	if (t->id != a->encr || !p2_attrs_known(t) ||
	    attr_or(t, IPSEC_ATTR_AUTH_ALG, AUTH_ALG_NONE) != a->integ ||
	    attr_or(t, IPSEC_ATTR_KEY_LENGTH, keylen == 0 ? 0 : 1) != keylen ||
	    attr_or(t, IPSEC_ATTR_ENCAPSULATION_MODE, 0) != encap_mode(c) ||
	    attr_or(t, IPSEC_ATTR_GROUP_DESC, 0) != group)
		return false;
	uint32_t life = transform_life(t, IPSEC_ATTR_SA_LIFE_TYPE, IPSEC_ATTR_SA_LIFE_DURATION,
				       WHACK_MAX_IPSECLIFETIME, WHACK_DEFAULT_IPSECLIFETIME);
	if (life == 0)
		return false;
	*out = (struct ikev1_p2_alg){ .transform = a->encr, .keylen = keylen, .auth = a->integ,
				      .group = group, .encap = encap_mode(c), .life = life };
	return true;
}

const char *ikev1_spdb_select_p2(const struct connection *c, const struct ike_sa *sa,
				 uint16_t p1_group, struct ikev1_p2_alg *chosen,
				 const struct ike_proposal **prop,
				 const struct ike_transform **trans)
{
	for (unsigned i = 0; i < c->esp_algs->n; i++) {
		for (unsigned p = 0; p < sa->nproposals; p++) {
			const struct ike_proposal *pp = &sa->proposals[p];
			if (!esp_alone(sa, p))
				continue;
			for (unsigned t = 0; t < pp->ntransforms; t++) {
				if (p2_match(c, &pp->transforms[t], &c->esp_algs->p[i], p1_group,
					     chosen)) {
					*prop = pp;
					*trans = &pp->transforms[t];
					return NULL;
				}
			}
		}
	}
	return "no acceptable ESP transform";
}

bool ikev1_spdb_emit_reply(struct cursor_out *o, const struct ike_proposal *prop,
			   const struct ike_transform *trans, const uint8_t *spi,
			   uint8_t spi_size)
{
	struct ike_proposal p = *prop;
	struct ike_sa sa = { .doi = ISAKMP_DOI_IPSEC, .situation = ISAKMP_SIT_IDENTITY_ONLY,
			     .nproposals = 1, .proposals = &p };

	p.ntransforms = 1;
	p.transforms = trans;
	p.spi_size = spi_size;
	if (spi_size > 0)
		memcpy(p.spi, spi, spi_size);
	return ike_codec_emit_sa(o, &sa);
}

void ikev1_p1_alg_format(const struct ikev1_p1_alg *a, char *buf, size_t len)
{
	struct alg_prop p = { .encr = a->encr, .keylen = a->keylen, .integ = a->hash,
			      .group = a->group };

	alg_format_ike(&p, buf, (unsigned)len);
}

void ikev1_p2_alg_format(const struct ikev1_p2_alg *a, char *buf, size_t len)
{
	struct alg_prop p = { .encr = a->transform, .keylen = a->keylen, .integ = a->auth,
			      .group = a->group };

	alg_format_esp(&p, buf, (unsigned)len);
}

size_t ikev1_esp_enc_keylen(const struct ikev1_p2_alg *a)
{
	switch (a->transform) {
	case ESP_3DES:
		return 24;
	case ESP_AES:
		return a->keylen / 8;
	case ESP_AES_GCM_16:
		return a->keylen / 8 + 4;
	default:
		return 0;
	}
}

size_t ikev1_esp_auth_keylen(const struct ikev1_p2_alg *a)
{
	switch (a->auth) {
	case AUTH_ALG_HMAC_MD5:
		return 16;
	case AUTH_ALG_HMAC_SHA1:
		return 20;
	case AUTH_ALG_HMAC_SHA2_256:
		return 32;
	case AUTH_ALG_HMAC_SHA2_384:
		return 48;
	case AUTH_ALG_HMAC_SHA2_512:
		return 64;
	default:
		return 0;
	}
}
