/*
 * Bounds-checked cursors over packet bytes: the only place in pluto that
 * does offset arithmetic on wire data.
 *
 * Input: struct cursor is (start, cur, roof) over bytes someone else owns,
 * like Libreswan's pbs_in or xdp-tools' hdr_cursor.  Every reader checks
 * that the bytes are there before it touches them; on failure it returns
 * false and leaves the cursor unchanged.  Multi-byte readers are big-endian.
 *
 * Output: struct cursor_out appends to a caller buffer of fixed size.  An
 * append that does not fit fails, writes nothing, and sets the sticky error
 * flag, so a builder may check once at the end.  Payload helpers back-patch
 * the generic payload header length and the previous payload's next-payload
 * field.
 */
#ifndef PLUTO_IKE_CURSOR_H
#define PLUTO_IKE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *start; /* first byte */
	const uint8_t *cur;   /* next byte to read */
	const uint8_t *roof;  /* one past the last byte */
};

void cursor_init(struct cursor *c, const void *buf, size_t len);
/* Bytes not read yet. */
size_t cursor_left(const struct cursor *c);
/* Bytes read so far (from start). */
size_t cursor_consumed(const struct cursor *c);
/* Copy len bytes into dst (any alignment) and advance. */
bool cursor_pull(struct cursor *c, void *dst, size_t len);
/* Copy len bytes into dst without advancing. */
bool cursor_peek(const struct cursor *c, void *dst, size_t len);
bool cursor_skip(struct cursor *c, size_t len);
/* Carve the next len bytes into *sub (a child cursor) and advance past them. */
bool cursor_sub(struct cursor *c, size_t len, struct cursor *sub);
/* Point *ptr at the next len bytes (no copy) and advance past them. */
bool cursor_bytes(struct cursor *c, size_t len, const uint8_t **ptr);
bool cursor_u8(struct cursor *c, uint8_t *v);
bool cursor_u16(struct cursor *c, uint16_t *v);
bool cursor_u32(struct cursor *c, uint32_t *v);
/* What is left (pointer and length, possibly 0); the cursor is then empty. */
void cursor_rest(struct cursor *c, const uint8_t **ptr, size_t *len);

struct cursor_out {
	uint8_t *buf;  /* caller's buffer */
	size_t size;   /* its capacity */
	size_t len;    /* bytes written */
	bool error;    /* sticky: something did not fit or was invalid */
	size_t np_at;  /* next-payload byte to patch; CURSOR_OUT_NONE if none */
	size_t msg_at; /* where the ISAKMP header starts (set by the codec) */
};
#define CURSOR_OUT_NONE SIZE_MAX

/* A payload being written: where its generic header starts. */
struct cursor_out_payload {
	size_t at;
};

void cursor_out_init(struct cursor_out *o, void *buf, size_t size);
bool cursor_out_ok(const struct cursor_out *o);
/* Put the builder in error (input that cannot be encoded); returns false. */
bool cursor_out_fail(struct cursor_out *o);
size_t cursor_out_len(const struct cursor_out *o);
const uint8_t *cursor_out_data(const struct cursor_out *o);
/* Writable view of len written bytes at offset at (to encrypt in place), or NULL. */
uint8_t *cursor_out_window(struct cursor_out *o, size_t at, size_t len);

bool cursor_out_bytes(struct cursor_out *o, const void *src, size_t len);
bool cursor_out_zeros(struct cursor_out *o, size_t len);
bool cursor_out_u8(struct cursor_out *o, uint8_t v);
bool cursor_out_u16(struct cursor_out *o, uint16_t v);
bool cursor_out_u32(struct cursor_out *o, uint32_t v);
/* Append len zero bytes to fill in later; *at gets their offset. */
bool cursor_out_reserve(struct cursor_out *o, size_t len, size_t *at);
/* Overwrite bytes already written. */
bool cursor_out_patch(struct cursor_out *o, size_t at, const void *src, size_t len);
bool cursor_out_patch_u8(struct cursor_out *o, size_t at, uint8_t v);
bool cursor_out_patch_u16(struct cursor_out *o, size_t at, uint16_t v);
bool cursor_out_patch_u32(struct cursor_out *o, size_t at, uint32_t v);

/* The byte at offset at is the next-payload field the next payload fills in. */
void cursor_out_set_np(struct cursor_out *o, size_t at);
/*
 * Start a payload of the given type: write that type into the pending
 * next-payload field, append a generic header (np 0, length 0), and make
 * this payload's np the pending field.  cursor_out_end_payload() patches
 * the length.  Payloads do not nest; substructures (proposals, transforms)
 * use cursor_out_reserve() and the patch functions.
 */
bool cursor_out_start_payload(struct cursor_out *o, uint8_t type, struct cursor_out_payload *p);
bool cursor_out_end_payload(struct cursor_out *o, const struct cursor_out_payload *p);

#endif /* PLUTO_IKE_CURSOR_H */
