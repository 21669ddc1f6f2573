/*
 * SA payload: parse into proposals -> transforms -> attributes, and emit
 * from the same structs.  RFC 2408 3.4-3.6 and 4.2, RFC 2407 4.5, RFC 2409
 * appendix A.
 *
 * Strict where the RFCs say MUST and nothing in the wild disagrees: basic
 * attributes in TV form, SPI sizes, announced transform counts, next-payload
 * values of proposals and transforms.  Tolerant of RESERVED octets, of
 * proposal and transform numbers other than 1-based (only proposal numbers
 * decreasing is an error), and of attribute types we do not know (the
 * proposal selection decides; RFC 2408 wants ATTRIBUTES-NOT-SUPPORTED for
 * that transform, not a dead message).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pluto/isakmp.h"

#include "ike_codec.h"
#include "ike_cursor.h"

/* Where the parse stands: what to fill, and the pools used so far. */
struct sa_walk {
	struct ike_sa_parsed *out;
	unsigned ntransforms; /* used in out->transforms */
	unsigned nattrs;      /* used in out->attrs */
	unsigned prop;	      /* current proposal, 1-based position */
	unsigned trans;	      /* current transform in it, 1-based position */
	uint8_t protocol;     /* of the current proposal */
};

enum attr_kind { ATTR_UNKNOWN, ATTR_BASIC, ATTR_VARIABLE };

static enum attr_kind oakley_kind(unsigned type)
{
	switch (type) {
	case OAKLEY_ATTR_ENCRYPTION_ALG:
	case OAKLEY_ATTR_HASH_ALG:
	case OAKLEY_ATTR_AUTH_METHOD:
	case OAKLEY_ATTR_GROUP_DESC:
	case OAKLEY_ATTR_GROUP_TYPE:
	case OAKLEY_ATTR_LIFE_TYPE:
	case OAKLEY_ATTR_PRF:
	case OAKLEY_ATTR_KEY_LENGTH:
	case OAKLEY_ATTR_FIELD_SIZE:
		return ATTR_BASIC;
	case OAKLEY_ATTR_GROUP_PRIME:
	case OAKLEY_ATTR_GROUP_GEN_ONE:
	case OAKLEY_ATTR_GROUP_GEN_TWO:
	case OAKLEY_ATTR_GROUP_CURVE_A:
	case OAKLEY_ATTR_GROUP_CURVE_B:
	case OAKLEY_ATTR_LIFE_DURATION:
	case OAKLEY_ATTR_GROUP_ORDER:
		return ATTR_VARIABLE;
	default:
		return ATTR_UNKNOWN;
	}
}

static enum attr_kind ipsec_kind(unsigned type)
{
	switch (type) {
	case IPSEC_ATTR_SA_LIFE_TYPE:
	case IPSEC_ATTR_GROUP_DESC:
	case IPSEC_ATTR_ENCAPSULATION_MODE:
	case IPSEC_ATTR_AUTH_ALG:
	case IPSEC_ATTR_KEY_LENGTH:
	case IPSEC_ATTR_KEY_ROUNDS:
	case IPSEC_ATTR_COMPRESS_DICT_SIZE:
		return ATTR_BASIC;
	case IPSEC_ATTR_SA_LIFE_DURATION:
	case IPSEC_ATTR_COMPRESS_PRIVATE_ALG:
		return ATTR_VARIABLE;
	default:
		return ATTR_UNKNOWN;
	}
}

static bool phase1(const struct sa_walk *w)
{
	return w->protocol == ISAKMP_PROTO_ISAKMP;
}

static const char *attr_name(const struct sa_walk *w, unsigned type)
{
	return phase1(w) ? isakmp_oakley_attr_name(type) : isakmp_ipsec_attr_name(type);
}

static bool is_life_type(const struct sa_walk *w, unsigned type)
{
	return type == (phase1(w) ? OAKLEY_ATTR_LIFE_TYPE : IPSEC_ATTR_SA_LIFE_TYPE);
}

static bool is_life_duration(const struct sa_walk *w, unsigned type)
{
	return type == (phase1(w) ? OAKLEY_ATTR_LIFE_DURATION : IPSEC_ATTR_SA_LIFE_DURATION);
}

/* A TLV value as a big-endian number, UINT64_MAX when it does not fit. */
static uint64_t tlv_value(const uint8_t *data, size_t len)
{
	struct cursor c;
	uint64_t v = 0;
	uint8_t b;

	cursor_init(&c, data, len);
	while (cursor_u8(&c, &b)) {
		if (v >> 56 != 0)
			return UINT64_MAX;
		v = v << 8 | b;
	}
	return v;
}

/* Read attribute n of the current transform into *a (syntax only). */
static const char *pull_attr(struct sa_walk *w, struct cursor *tc, unsigned n, struct ike_attr *a)
{
	struct isakmp_attr wire;
	uint16_t type, lv;

	if (!cursor_pull(tc, &wire, sizeof(wire)))
		return ike_codec_reason("proposal %u transform %u attribute %u: %zu bytes left, "
					"too few for an attribute header",
					w->prop, w->trans, n, cursor_left(tc));
	type = ntohs(wire.type);
	lv = ntohs(wire.lv);
	memset(a, 0, sizeof(*a));
	a->type = type & ISAKMP_ATTR_TYPE_MASK;
	a->tv = (type & ISAKMP_ATTR_AF_TV) != 0;
	if (a->tv) {
		a->value = lv;
		return NULL;
	}
	if (lv == 0)
		return ike_codec_reason(
			"proposal %u transform %u attribute %u (%s): TLV value of length 0",
			w->prop, w->trans, n, attr_name(w, a->type));
	if (!cursor_bytes(tc, lv, &a->data))
		return ike_codec_reason("proposal %u transform %u attribute %u (%s): TLV length %u "
					"runs past the transform (%zu bytes left)",
					w->prop, w->trans, n, attr_name(w, a->type), lv,
					cursor_left(tc));
	a->len = lv;
	a->value = tlv_value(a->data, a->len);
	return NULL;
}

/* Meaning of attribute n (a) given the ones before it in the transform (t). */
static const char *check_attr(const struct sa_walk *w, const struct ike_transform *t, unsigned n,
			      const struct ike_attr *a)
{
	enum attr_kind kind = phase1(w) ? oakley_kind(a->type) : ipsec_kind(a->type);
	const char *name = attr_name(w, a->type);
	unsigned i;

	if (kind == ATTR_BASIC && !a->tv)
		return ike_codec_reason(
			"proposal %u transform %u attribute %u (%s): basic attribute in TLV form",
			w->prop, w->trans, n, name);
	if (is_life_duration(w, a->type)) {
		if (n < 2 || !is_life_type(w, t->attrs[n - 2].type))
			return ike_codec_reason("proposal %u transform %u attribute %u (%s): not "
						"preceded by a life type",
						w->prop, w->trans, n, name);
		return NULL;
	}
	for (i = 0; i + 1 < n; i++) {
		if (t->attrs[i].type != a->type)
			continue;
		if (is_life_type(w, a->type) && t->attrs[i].value != a->value)
			continue;
		return ike_codec_reason("proposal %u transform %u attribute %u (%s): repeated",
					w->prop, w->trans, n, name);
	}
	return NULL;
}

static const char *parse_attrs(struct sa_walk *w, struct cursor *tc, struct ike_transform *t)
{
	struct ike_sa_parsed *out = w->out;
	const char *err;

	t->attrs = &out->attrs[w->nattrs];
	t->nattrs = 0;
	while (cursor_left(tc) > 0) {
		unsigned n = t->nattrs + 1;

		if (t->nattrs == IKE_SA_MAX_TRANSFORM_ATTRS)
			return ike_codec_reason(
				"proposal %u transform %u: too many attributes (more than %d)",
				w->prop, w->trans, IKE_SA_MAX_TRANSFORM_ATTRS);
		if (w->nattrs == IKE_SA_MAX_ATTRS)
			return ike_codec_reason(
				"too many attributes (more than %d in the SA payload)",
				IKE_SA_MAX_ATTRS);
		err = pull_attr(w, tc, n, &out->attrs[w->nattrs]);
		if (err == NULL)
			err = check_attr(w, t, n, &out->attrs[w->nattrs]);
		if (err != NULL)
			return err;
		w->nattrs++;
		t->nattrs++;
	}
	return NULL;
}

/* Carve the next substructure (proposal or transform) of at least hdr_len bytes. */
static const char *carve(struct cursor *c, const char *what, size_t hdr_len, void *hdr,
			 struct cursor *sub)
{
	struct isakmp_generic gen;
	size_t len;

	if (!cursor_peek(c, &gen, sizeof(gen)) || !cursor_peek(c, hdr, hdr_len))
		return ike_codec_reason("%s: %zu bytes left, too few for its header (%zu)", what,
					cursor_left(c), hdr_len);
	len = ntohs(gen.length);
	if (len < hdr_len)
		return ike_codec_reason("%s: length %zu shorter than its header (%zu)", what, len,
					hdr_len);
	if (!cursor_sub(c, len, sub))
		return ike_codec_reason("%s: length %zu runs past its container (%zu bytes left)",
					what, len, cursor_left(c));
	if (!cursor_skip(sub, hdr_len))
		return ike_codec_reason("internal: %s header vanished", what);
	return NULL;
}

/* The next-payload field of a substructure: its kind while more follow, then 0. */
static const char *check_np(const char *what, unsigned np, unsigned more_np, size_t left)
{
	if (np == more_np && left == 0)
		return ike_codec_reason("%s: next payload %u but nothing follows", what, np);
	if (np == ISAKMP_NEXT_NONE && left > 0)
		return ike_codec_reason("%s: next payload 0 but %zu bytes follow", what, left);
	if (np != more_np && np != ISAKMP_NEXT_NONE)
		return ike_codec_reason("%s: next payload %u, expected %u or 0", what, np, more_np);
	return NULL;
}

static const char *parse_transform(struct sa_walk *w, struct cursor *pc)
{
	struct ike_transform *t = &w->out->transforms[w->ntransforms];
	struct isakmp_transform wire;
	struct cursor tc;
	char what[48];
	const char *err;

	snprintf(what, sizeof(what), "proposal %u transform %u", w->prop, w->trans);
	err = carve(pc, what, sizeof(wire), &wire, &tc);
	if (err != NULL)
		return err;
	t->number = wire.number;
	t->id = wire.id;
	if (phase1(w) && wire.id != ISAKMP_KEY_IKE)
		return ike_codec_reason("%s: transform ID %u is not KEY_IKE (1)", what, wire.id);
	err = parse_attrs(w, &tc, t);
	if (err != NULL)
		return err;
	w->ntransforms++;
	return check_np(what, wire.np, ISAKMP_NEXT_T, cursor_left(pc));
}

static const char *check_spi_size(const struct sa_walk *w, unsigned spi_size)
{
	bool ok;

	switch (w->protocol) {
	case ISAKMP_PROTO_ISAKMP:
		ok = spi_size == 0 || spi_size == ISAKMP_COOKIE_SIZE ||
		     spi_size == 2 * ISAKMP_COOKIE_SIZE;
		break;
	case ISAKMP_PROTO_AH:
	case ISAKMP_PROTO_ESP:
		ok = spi_size == 4;
		break;
	case ISAKMP_PROTO_IPCOMP:
		ok = spi_size == 2 || spi_size == 4;
		break;
	default:
		return ike_codec_reason("proposal %u: unknown protocol ID %u", w->prop,
					w->protocol);
	}
	if (!ok)
		return ike_codec_reason("proposal %u: SPI size %u invalid for %s", w->prop,
					spi_size, isakmp_protocol_name(w->protocol));
	return NULL;
}

static const char *parse_transforms(struct sa_walk *w, struct cursor *pc, struct ike_proposal *p)
{
	const char *err;

	p->transforms = &w->out->transforms[w->ntransforms];
	p->ntransforms = 0;
	while (cursor_left(pc) > 0) {
		if (w->ntransforms == IKE_SA_MAX_TRANSFORMS)
			return ike_codec_reason(
				"proposal %u: too many transforms (more than %d in the SA payload)",
				w->prop, IKE_SA_MAX_TRANSFORMS);
		w->trans = p->ntransforms + 1;
		err = parse_transform(w, pc);
		if (err != NULL)
			return err;
		p->ntransforms++;
	}
	return NULL;
}

static const char *parse_proposal(struct sa_walk *w, struct cursor *c, int *prev_number)
{
	struct ike_proposal *p = &w->out->proposals[w->prop - 1];
	struct isakmp_proposal wire;
	struct cursor pc;
	char what[24];
	const char *err;

	snprintf(what, sizeof(what), "proposal %u", w->prop);
	err = carve(c, what, sizeof(wire), &wire, &pc);
	if (err != NULL)
		return err;
	if (wire.number < *prev_number)
		return ike_codec_reason(
			"%s: number %u after %d (proposal numbers must not decrease)", what,
			wire.number, *prev_number);
	*prev_number = wire.number;
	w->protocol = wire.protocol;
	memset(p, 0, sizeof(*p));
	p->number = wire.number;
	p->protocol = wire.protocol;
	p->spi_size = wire.spi_size;
	err = check_spi_size(w, wire.spi_size);
	if (err != NULL)
		return err;
	if (!cursor_pull(&pc, p->spi, wire.spi_size))
		return ike_codec_reason("%s: SPI of %u bytes runs past the proposal", what,
					wire.spi_size);
	if (wire.ntransforms == 0)
		return ike_codec_reason("%s: no transforms announced", what);
	err = parse_transforms(w, &pc, p);
	if (err != NULL)
		return err;
	if (p->ntransforms != wire.ntransforms)
		return ike_codec_reason("%s: %u transforms announced but %u present", what,
					wire.ntransforms, p->ntransforms);
	return check_np(what, wire.np, ISAKMP_NEXT_P, cursor_left(c));
}

const char *ike_codec_parse_sa(const struct ike_payload *p, struct ike_sa_parsed *out)
{
	struct sa_walk w = {.out = out};
	struct isakmp_sa wire;
	struct cursor c;
	int prev_number = -1;
	const char *err = ike_codec_expect(p, ISAKMP_NEXT_SA, &c, &wire, sizeof(wire));

	if (err != NULL)
		return err;
	out->sa.doi = ntohl(wire.doi);
	out->sa.situation = ntohl(wire.situation);
	out->sa.nproposals = 0;
	out->sa.proposals = out->proposals;
	if (out->sa.doi != ISAKMP_DOI_IPSEC)
		return ike_codec_reason("SA payload %u: DOI %u not supported (only IPsec, 1)",
					p->index, out->sa.doi);
	if (out->sa.situation != ISAKMP_SIT_IDENTITY_ONLY)
		return ike_codec_reason(
			"SA payload %u: situation 0x%x not supported (only SIT_IDENTITY_ONLY)",
			p->index, out->sa.situation);
	if (cursor_left(&c) == 0)
		return ike_codec_reason("SA payload %u: no proposals", p->index);
	while (cursor_left(&c) > 0) {
		if (out->sa.nproposals == IKE_SA_MAX_PROPOSALS)
			return ike_codec_reason("SA payload %u: too many proposals (more than %d)",
						p->index, IKE_SA_MAX_PROPOSALS);
		w.prop = out->sa.nproposals + 1;
		err = parse_proposal(&w, &c, &prev_number);
		if (err != NULL)
			return err;
		out->sa.nproposals++;
	}
	return NULL;
}

const struct ike_attr *ike_transform_attr(const struct ike_transform *t, uint16_t type)
{
	unsigned i;

	for (i = 0; i < t->nattrs; i++) {
		if (t->attrs[i].type == type)
			return &t->attrs[i];
	}
	return NULL;
}

/* --- emitting ------------------------------------------------------------ */

static bool emit_attr(struct cursor_out *o, const struct ike_attr *a)
{
	if (a->type > ISAKMP_ATTR_TYPE_MASK)
		return cursor_out_fail(o);
	if (a->data != NULL) {
		if (a->len == 0)
			return cursor_out_fail(o);
		return cursor_out_u16(o, a->type) && cursor_out_u16(o, a->len) &&
		       cursor_out_bytes(o, a->data, a->len);
	}
	if (a->value <= UINT16_MAX)
		return cursor_out_u16(o, a->type | ISAKMP_ATTR_AF_TV) &&
		       cursor_out_u16(o, (uint16_t)a->value);
	if (a->value <= UINT32_MAX)
		return cursor_out_u16(o, a->type) && cursor_out_u16(o, 4) &&
		       cursor_out_u32(o, (uint32_t)a->value);
	return cursor_out_u16(o, a->type) && cursor_out_u16(o, 8) &&
	       cursor_out_u32(o, (uint32_t)(a->value >> 32)) &&
	       cursor_out_u32(o, (uint32_t)a->value);
}

/* Patch the 16-bit length of the substructure that started at at. */
static bool patch_len(struct cursor_out *o, size_t at)
{
	size_t len = cursor_out_len(o) - at;

	if (len > UINT16_MAX)
		return cursor_out_fail(o);
	return cursor_out_patch_u16(o, at + offsetof(struct isakmp_generic, length), (uint16_t)len);
}

static bool emit_transform(struct cursor_out *o, const struct ike_transform *t, bool more)
{
	size_t at = cursor_out_len(o);
	unsigned i;

	if (!cursor_out_u8(o, more ? ISAKMP_NEXT_T : ISAKMP_NEXT_NONE) || !cursor_out_u8(o, 0) ||
	    !cursor_out_u16(o, 0) || !cursor_out_u8(o, t->number) || !cursor_out_u8(o, t->id) ||
	    !cursor_out_u16(o, 0))
		return false;
	for (i = 0; i < t->nattrs; i++) {
		if (!emit_attr(o, &t->attrs[i]))
			return false;
	}
	return patch_len(o, at);
}

static bool emit_proposal(struct cursor_out *o, const struct ike_proposal *p, bool more)
{
	size_t at = cursor_out_len(o);
	unsigned i;

	if (p->spi_size > IKE_SPI_MAX || p->ntransforms == 0 || p->ntransforms > UINT8_MAX)
		return cursor_out_fail(o);
	if (!cursor_out_u8(o, more ? ISAKMP_NEXT_P : ISAKMP_NEXT_NONE) || !cursor_out_u8(o, 0) ||
	    !cursor_out_u16(o, 0) || !cursor_out_u8(o, p->number) ||
	    !cursor_out_u8(o, p->protocol) || !cursor_out_u8(o, p->spi_size) ||
	    !cursor_out_u8(o, (uint8_t)p->ntransforms) || !cursor_out_bytes(o, p->spi, p->spi_size))
		return false;
	for (i = 0; i < p->ntransforms; i++) {
		if (!emit_transform(o, &p->transforms[i], i + 1 < p->ntransforms))
			return false;
	}
	return patch_len(o, at);
}

bool ike_codec_emit_sa(struct cursor_out *o, const struct ike_sa *sa)
{
	struct cursor_out_payload pl;
	unsigned i;

	if (sa->nproposals == 0)
		return cursor_out_fail(o);
	if (!cursor_out_start_payload(o, ISAKMP_NEXT_SA, &pl) || !cursor_out_u32(o, sa->doi) ||
	    !cursor_out_u32(o, sa->situation))
		return false;
	for (i = 0; i < sa->nproposals; i++) {
		if (!emit_proposal(o, &sa->proposals[i], i + 1 < sa->nproposals))
			return false;
	}
	return cursor_out_end_payload(o, &pl);
}
