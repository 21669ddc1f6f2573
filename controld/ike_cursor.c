/*
 * Bounds-checked input and output cursors (see ike_cursor.h).
 */
#include <stddef.h>
#include <string.h>

#include "pluto/isakmp.h"

#include "ike_cursor.h"

void cursor_init(struct cursor *c, const void *buf, size_t len)
{
	c->start = buf;
	c->cur = c->start;
	c->roof = c->start == NULL ? NULL : c->start + len;
}

size_t cursor_left(const struct cursor *c)
{
	return (size_t)(c->roof - c->cur);
}

size_t cursor_consumed(const struct cursor *c)
{
	return (size_t)(c->cur - c->start);
}

bool cursor_peek(const struct cursor *c, void *dst, size_t len)
{
	if (len > cursor_left(c))
		return false;
	if (len > 0)
		memcpy(dst, c->cur, len);
	return true;
}

bool cursor_pull(struct cursor *c, void *dst, size_t len)
{
	if (!cursor_peek(c, dst, len))
		return false;
	c->cur += len;
	return true;
}

bool cursor_skip(struct cursor *c, size_t len)
{
	if (len > cursor_left(c))
		return false;
	c->cur += len;
	return true;
}

bool cursor_sub(struct cursor *c, size_t len, struct cursor *sub)
{
	if (len > cursor_left(c))
		return false;
	sub->start = c->cur;
	sub->cur = c->cur;
	sub->roof = c->cur + len;
	c->cur += len;
	return true;
}

bool cursor_bytes(struct cursor *c, size_t len, const uint8_t **ptr)
{
	if (len > cursor_left(c))
		return false;
	*ptr = c->cur;
	c->cur += len;
	return true;
}

bool cursor_u8(struct cursor *c, uint8_t *v)
{
	return cursor_pull(c, v, 1);
}

bool cursor_u16(struct cursor *c, uint16_t *v)
{
	uint8_t b[2];

	if (!cursor_pull(c, b, sizeof(b)))
		return false;
	*v = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

bool cursor_u32(struct cursor *c, uint32_t *v)
{
	uint8_t b[4];

	if (!cursor_pull(c, b, sizeof(b)))
		return false;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return true;
}

void cursor_rest(struct cursor *c, const uint8_t **ptr, size_t *len)
{
	*ptr = c->cur;
	*len = cursor_left(c);
	c->cur = c->roof;
}

/* --- output ------------------------------------------------------------- */

void cursor_out_init(struct cursor_out *o, void *buf, size_t size)
{
	o->buf = buf;
	o->size = buf == NULL ? 0 : size;
	o->len = 0;
	o->error = false;
	o->np_at = CURSOR_OUT_NONE;
	o->msg_at = CURSOR_OUT_NONE;
}

bool cursor_out_ok(const struct cursor_out *o)
{
	return !o->error;
}

bool cursor_out_fail(struct cursor_out *o)
{
	o->error = true;
	return false;
}

size_t cursor_out_len(const struct cursor_out *o)
{
	return o->len;
}

const uint8_t *cursor_out_data(const struct cursor_out *o)
{
	return o->buf;
}

/* Does [at, at + len) lie inside what has been written? */
static bool written(const struct cursor_out *o, size_t at, size_t len)
{
	return at <= o->len && len <= o->len - at;
}

uint8_t *cursor_out_window(struct cursor_out *o, size_t at, size_t len)
{
	if (!written(o, at, len))
		return NULL;
	return o->buf + at;
}

/* Room for len more bytes?  If not, the builder is in error for good. */
static bool room(struct cursor_out *o, size_t len)
{
	if (o->error || len > o->size - o->len) {
		o->error = true;
		return false;
	}
	return true;
}

bool cursor_out_bytes(struct cursor_out *o, const void *src, size_t len)
{
	if (!room(o, len))
		return false;
	if (len > 0)
		memcpy(o->buf + o->len, src, len);
	o->len += len;
	return true;
}

bool cursor_out_zeros(struct cursor_out *o, size_t len)
{
	if (!room(o, len))
		return false;
	if (len > 0)
		memset(o->buf + o->len, 0, len);
	o->len += len;
	return true;
}

bool cursor_out_u8(struct cursor_out *o, uint8_t v)
{
	return cursor_out_bytes(o, &v, 1);
}

bool cursor_out_u16(struct cursor_out *o, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	return cursor_out_bytes(o, b, sizeof(b));
}

bool cursor_out_u32(struct cursor_out *o, uint32_t v)
{
	uint8_t b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};

	return cursor_out_bytes(o, b, sizeof(b));
}

bool cursor_out_reserve(struct cursor_out *o, size_t len, size_t *at)
{
	size_t here = o->len;

	if (!cursor_out_zeros(o, len))
		return false;
	*at = here;
	return true;
}

bool cursor_out_patch(struct cursor_out *o, size_t at, const void *src, size_t len)
{
	if (o->error || !written(o, at, len)) {
		o->error = true;
		return false;
	}
	if (len > 0)
		memcpy(o->buf + at, src, len);
	return true;
}

bool cursor_out_patch_u8(struct cursor_out *o, size_t at, uint8_t v)
{
	return cursor_out_patch(o, at, &v, 1);
}

bool cursor_out_patch_u16(struct cursor_out *o, size_t at, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	return cursor_out_patch(o, at, b, sizeof(b));
}

bool cursor_out_patch_u32(struct cursor_out *o, size_t at, uint32_t v)
{
	uint8_t b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};

	return cursor_out_patch(o, at, b, sizeof(b));
}

void cursor_out_set_np(struct cursor_out *o, size_t at)
{
	o->np_at = at;
}

bool cursor_out_start_payload(struct cursor_out *o, uint8_t type, struct cursor_out_payload *p)
{
	struct isakmp_generic gen = {0};
	size_t at = o->len;

	if (!room(o, sizeof(gen)))
		return false;
	if (o->np_at != CURSOR_OUT_NONE && !cursor_out_patch_u8(o, o->np_at, type))
		return false;
	if (!cursor_out_bytes(o, &gen, sizeof(gen)))
		return false;
	p->at = at;
	o->np_at = at + offsetof(struct isakmp_generic, np);
	return true;
}

bool cursor_out_end_payload(struct cursor_out *o, const struct cursor_out_payload *p)
{
	size_t len;

	if (o->error || !written(o, p->at, sizeof(struct isakmp_generic))) {
		o->error = true;
		return false;
	}
	len = o->len - p->at;
	if (len > UINT16_MAX) {
		o->error = true;
		return false;
	}
	return cursor_out_patch_u16(o, p->at + offsetof(struct isakmp_generic, length),
				    (uint16_t)len);
}
