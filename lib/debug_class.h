/* Debug classes: the FreeS/WAN --debug-<class> options and Libreswan's --debug <class>. */
#ifndef PLUTO_DEBUG_CLASS_H
#define PLUTO_DEBUG_CLASS_H

#include <stdint.h>

enum debug_class {
	DBG_RAW = 1u << 0,	 /* raw bytes of messages */
	DBG_CRYPT = 1u << 1,	 /* encryption and decryption of messages */
	DBG_PARSING = 1u << 2,	 /* structure of input messages */
	DBG_EMITTING = 1u << 3,	 /* structure of output messages */
	DBG_CONTROL = 1u << 4,	 /* decision making */
	DBG_LIFECYCLE = 1u << 5, /* lifecycle of SAs */
	DBG_KERNEL = 1u << 6,	 /* interaction with the kernel (FreeS/WAN: klips) */
	DBG_DNS = 1u << 7,	 /* DNS (no DNS lookups are made; kept for the option) */
	DBG_OPPO = 1u << 8,	 /* opportunism */
	DBG_BPF = 1u << 9,	 /* BPF dataplane: maps, programs, ring buffer */
	DBG_PRIVATE = 1u << 10,	 /* allow key material in debug output */
	DBG_CPU_USAGE = 1u << 11, /* Libreswan's cpu-usage: time spent per operation */
};
/* "all" is every class except private (as the manual: "all of the above"). */
#define DBG_ALL (DBG_RAW | DBG_CRYPT | DBG_PARSING | DBG_EMITTING | DBG_CONTROL | \
		 DBG_LIFECYCLE | DBG_KERNEL | DBG_DNS | DBG_OPPO | DBG_BPF)
#define DBG_BASE (DBG_CONTROL | DBG_LIFECYCLE | DBG_KERNEL | DBG_BPF)
#define DBG_EVERYTHING (DBG_ALL | DBG_PRIVATE | DBG_CPU_USAGE)

struct debug_class_name {
	const char *name;
	uint32_t bits;
	const char *help;
};

/* NULL-terminated table: each class, then the sets (all, none, base). */
extern const struct debug_class_name debug_class_names[];

/*
 * Look up a class name as Libreswan's --debug takes it: "raw", "all", "none", "base",
 * "no-raw" (sets *negate). Returns the bits, or 0 if the name is unknown
 * ("none" returns DBG_EVERYTHING with *negate set).
 */
uint32_t debug_class_lookup(const char *name, int *negate);
/* "raw+parsing+..." for status output; buf of at least 160 bytes. */
void debug_class_format(uint32_t bits, char *buf, unsigned len);

#endif
