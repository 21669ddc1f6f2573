/* ipsec_ttodata(3): binary data written as 0x<hex>, 0s<base64> or 0t<text>. */
#ifndef PLUTO_TTODATA_H
#define PLUTO_TTODATA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode src into dst (capacity cap), setting *len. Hex may contain '_' separators
 * (FreeS/WAN style). Returns NULL or the reason.
 */
const char *ttodata(const char *src, uint8_t *dst, size_t cap, size_t *len);
/* Encode as 0s<base64>; returns the number of characters written (excluding NUL) or 0. */
size_t datatot_base64(const uint8_t *src, size_t len, char *dst, size_t cap);

#endif
