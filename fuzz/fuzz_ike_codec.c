/*
 * The ISAKMP codec on a datagram: ike_codec_parse_header(), the payload chain walk, then
 * every body parser on every payload the walk found (each one's own type, which must
 * parse or fail cleanly, and every other type, which must be refused).  What parses is
 * read byte by byte (ASan checks that it lies inside the datagram), emitted again into a
 * message of its own, and parsed back: the two parses must agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_codec.h"
#include "ike_cursor.h"
#include "pluto/isakmp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_digest digest, again;
static struct ike_sa_parsed *sa1, *sa2;
static uint8_t out_buf[1 << 17];
static volatile unsigned sink;

typedef const char *(*opaque_parse_fn)(const struct ike_payload *p, struct ike_chunk *c);
typedef bool (*opaque_emit_fn)(struct cursor_out *o, const uint8_t *data, size_t len);

static const struct {
	unsigned type;
	opaque_parse_fn parse;
	opaque_emit_fn emit;
} opaques[] = {
	{ISAKMP_NEXT_KE, ike_codec_parse_ke, ike_codec_emit_ke},
	{ISAKMP_NEXT_NONCE, ike_codec_parse_nonce, ike_codec_emit_nonce},
	{ISAKMP_NEXT_HASH, ike_codec_parse_hash, ike_codec_emit_hash},
	{ISAKMP_NEXT_SIG, ike_codec_parse_sig, ike_codec_emit_sig},
	{ISAKMP_NEXT_VID, ike_codec_parse_vid, ike_codec_emit_vid},
};
#define NOPAQUES (sizeof(opaques) / sizeof(opaques[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sa1 = malloc(sizeof(*sa1));
	sa2 = malloc(sizeof(*sa2));
	if (sa1 == NULL || sa2 == NULL)
		abort();
	return 0;
}

static void check(bool ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ike_codec: %s%s%s\n", what, err ? ": " : "", err ? err : "");
		abort();
	}
}

static void touch(const uint8_t *p, size_t len)
{
	unsigned s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	sink += s;
}

static bool chunk_eq(struct ike_chunk a, struct ike_chunk b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* A message of its own for one payload: the header now, the payload next. */
static struct cursor_out *begin(void)
{
	static struct cursor_out o;
	struct ike_hdr h = {.xchg = ISAKMP_XCHG_INFO};

	cursor_out_init(&o, out_buf, sizeof(out_buf));
	check(ike_codec_emit_header(&o, &h), "emitting a header", NULL);
	return &o;
}

/* Finish the message, parse it, and return its one payload (of type type). */
static const struct ike_payload *reparse(struct cursor_out *o, bool emitted, unsigned type)
{
	const char *err;

	check(emitted && ike_codec_emit_finish(o), "emitting a parsed payload failed", NULL);
	err = ike_codec_parse_message(&again, cursor_out_data(o), cursor_out_len(o));
	check(err == NULL, "parsing an emitted payload", err);
	check(again.npayloads == 1 && again.payloads[0].type == type, "emitted chain", NULL);
	return &again.payloads[0];
}

static bool sa_eq(const struct ike_sa *a, const struct ike_sa *b)
{
	if (a->doi != b->doi || a->situation != b->situation || a->nproposals != b->nproposals)
		return false;
	for (unsigned i = 0; i < a->nproposals; i++) {
		const struct ike_proposal *p = &a->proposals[i], *q = &b->proposals[i];
		if (p->number != q->number || p->protocol != q->protocol ||
		    p->spi_size != q->spi_size || memcmp(p->spi, q->spi, p->spi_size) != 0 ||
		    p->ntransforms != q->ntransforms)
			return false;
		for (unsigned j = 0; j < p->ntransforms; j++) {
			const struct ike_transform *t = &p->transforms[j], *u = &q->transforms[j];
			if (t->number != u->number || t->id != u->id || t->nattrs != u->nattrs)
				return false;
			for (unsigned k = 0; k < t->nattrs; k++) {
				const struct ike_attr *x = &t->attrs[k], *y = &u->attrs[k];
				if (x->type != y->type || x->tv != y->tv || x->value != y->value ||
				    x->len != y->len ||
				    (x->len > 0 && memcmp(x->data, y->data, x->len) != 0))
					return false;
			}
		}
	}
	return true;
}

static void do_sa(const struct ike_payload *p)
{
	if (ike_codec_parse_sa(p, sa1) != NULL)
		return;
	for (unsigned i = 0; i < sa1->sa.nproposals; i++) {
		const struct ike_proposal *prop = &sa1->sa.proposals[i];
		for (unsigned j = 0; j < prop->ntransforms; j++) {
			const struct ike_transform *t = &prop->transforms[j];
			for (unsigned k = 0; k < t->nattrs; k++) {
				touch(t->attrs[k].data, t->attrs[k].len);
				check(ike_transform_attr(t, t->attrs[k].type) != NULL,
				      "ike_transform_attr lost an attribute", NULL);
			}
		}
	}
	struct cursor_out *o = begin();
	const struct ike_payload *q = reparse(o, ike_codec_emit_sa(o, &sa1->sa), ISAKMP_NEXT_SA);
	const char *err = ike_codec_parse_sa(q, sa2);
	check(err == NULL, "parsing an emitted SA", err);
	check(sa_eq(&sa1->sa, &sa2->sa), "SA round trip differs", NULL);
}

static void do_opaque(const struct ike_payload *p, unsigned i)
{
	struct ike_chunk c, c2;
	struct cursor_out *o;
	const char *err;

	if (opaques[i].parse(p, &c) != NULL)
		return;
	touch(c.ptr, c.len);
	o = begin();
	err = opaques[i].parse(reparse(o, opaques[i].emit(o, c.ptr, c.len), p->type), &c2);
	check(err == NULL && chunk_eq(c, c2), "opaque payload round trip", err);
}

static void do_id(const struct ike_payload *p)
{
	struct ike_id_payload id, id2;
	struct cursor_out *o;
	const char *err;

	if (ike_codec_parse_id(p, &id) != NULL)
		return;
	touch(id.data.ptr, id.data.len);
	o = begin();
	err = ike_codec_parse_id(reparse(o, ike_codec_emit_id(o, &id), p->type), &id2);
	check(err == NULL && id.type == id2.type && id.protocol == id2.protocol &&
		      id.port == id2.port && chunk_eq(id.data, id2.data),
	      "ID round trip", err);
}

static void do_cert(const struct ike_payload *p)
{
	bool cr = p->type == ISAKMP_NEXT_CR;
	struct ike_cert_payload c, c2;
	struct cursor_out *o;
	const char *err;

	if ((cr ? ike_codec_parse_certreq(p, &c) : ike_codec_parse_cert(p, &c)) != NULL)
		return;
	touch(c.data.ptr, c.data.len);
	o = begin();
	bool emitted = cr ? ike_codec_emit_certreq(o, &c) : ike_codec_emit_cert(o, &c);
	const struct ike_payload *q = reparse(o, emitted, p->type);
	err = cr ? ike_codec_parse_certreq(q, &c2) : ike_codec_parse_cert(q, &c2);
	check(err == NULL && c.encoding == c2.encoding && chunk_eq(c.data, c2.data),
	      "CERT/CR round trip", err);
}

static void do_notify(const struct ike_payload *p)
{
	struct ike_notify n, n2;
	struct cursor_out *o;
	const char *err;

	if (ike_codec_parse_notify(p, &n) != NULL)
		return;
	touch(n.data.ptr, n.data.len);
	o = begin();
	err = ike_codec_parse_notify(reparse(o, ike_codec_emit_notify(o, &n), p->type), &n2);
	check(err == NULL && n.doi == n2.doi && n.protocol == n2.protocol &&
		      n.spi_size == n2.spi_size && n.type == n2.type &&
		      memcmp(n.spi, n2.spi, n.spi_size) == 0 && chunk_eq(n.data, n2.data),
	      "N round trip", err);
}

static void do_delete(const struct ike_payload *p)
{
	static uint8_t spis[1 << 16];
	struct ike_delete del, del2;
	struct cursor_out *o;
	const char *err;
	size_t len;

	if (ike_codec_parse_delete(p, &del) != NULL)
		return;
	len = (size_t)del.spi_size * del.nspis;
	check(len <= sizeof(spis) && cursor_pull(&del.spis, spis, len) &&
		      cursor_left(&del.spis) == 0,
	      "D payload SPIs", NULL);
	o = begin();
	err = ike_codec_parse_delete(
		reparse(o, ike_codec_emit_delete(o, del.protocol, del.spi_size, spis, del.nspis),
			p->type),
		&del2);
	check(err == NULL && del.protocol == del2.protocol && del.spi_size == del2.spi_size &&
		      del.nspis == del2.nspis && cursor_left(&del2.spis) == len &&
		      memcmp(spis, del2.spis.cur, len) == 0,
	      "D round trip", err);
}

/* Every parser on p: the wrong types must be refused, the right one round-trips. */
static void do_payload(const struct ike_payload *p)
{
	struct ike_chunk c;
	struct ike_id_payload id;
	struct ike_cert_payload cert;
	struct ike_notify n;
	struct ike_delete del;
	unsigned t = p->type;

	for (unsigned i = 0; i < NOPAQUES; i++) {
		if (opaques[i].type == t)
			do_opaque(p, i);
		else
			check(opaques[i].parse(p, &c) != NULL, "wrong type accepted", NULL);
	}
	check(t == ISAKMP_NEXT_SA || ike_codec_parse_sa(p, sa1) != NULL, "not an SA", NULL);
	check(t == ISAKMP_NEXT_ID || ike_codec_parse_id(p, &id) != NULL, "not an ID", NULL);
	check(t == ISAKMP_NEXT_CERT || ike_codec_parse_cert(p, &cert) != NULL, "not CERT", NULL);
	check(t == ISAKMP_NEXT_CR || ike_codec_parse_certreq(p, &cert) != NULL, "not CR", NULL);
	check(t == ISAKMP_NEXT_N || ike_codec_parse_notify(p, &n) != NULL, "not N", NULL);
	check(t == ISAKMP_NEXT_D || ike_codec_parse_delete(p, &del) != NULL, "not D", NULL);
	touch(p->body.ptr, p->body.len);
	if (t == ISAKMP_NEXT_SA)
		do_sa(p);
	else if (t == ISAKMP_NEXT_ID)
		do_id(p);
	else if (t == ISAKMP_NEXT_CERT || t == ISAKMP_NEXT_CR)
		do_cert(p);
	else if (t == ISAKMP_NEXT_N)
		do_notify(p);
	else if (t == ISAKMP_NEXT_D)
		do_delete(p);
}

/* The per-type lists must hold each payload once, in order. */
static void check_lists(const struct ike_digest *d)
{
	unsigned seen = 0;

	for (unsigned t = 0; t < ISAKMP_NEXT_ROOF + 2; t++) {
		unsigned n = 0;
		int prev = -1;
		for (const struct ike_payload *p = ike_digest_first(d, t); p != NULL;
		     p = ike_digest_next(d, p)) {
			int i = (int)(p - d->payloads);
			check(p->type == t && i > prev && n < d->npayloads, "per-type list", NULL);
			prev = i;
			n++;
		}
		check(t >= ISAKMP_NEXT_ROOF || n == d->count[t], "per-type count", NULL);
		seen += n;
	}
	check(seen == d->npayloads, "payloads missing from the per-type lists", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ike_codec_parse_header(&digest, data, size) != NULL)
		return 0;
	check(digest.msg.len + digest.trailing == size && digest.body.len + 28 == digest.msg.len,
	      "header lengths", NULL);
	touch(digest.body.ptr, digest.body.len);
	/* a broken chain still leaves the payloads before the break to look at */
	(void)ike_codec_parse_payloads(&digest, digest.body.ptr, digest.body.len);
	check(digest.npayloads <= IKE_MAX_PAYLOADS, "too many payloads", NULL);
	check_lists(&digest);
	for (unsigned i = 0; i < digest.npayloads; i++)
		do_payload(&digest.payloads[i]);
	return 0;
}
