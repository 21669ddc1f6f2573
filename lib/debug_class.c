/* Debug class names, shared by pluto and whack. */
#include "debug_class.h"

#include <stdio.h>
#include <string.h>

const struct debug_class_name debug_class_names[] = {
	{ "raw", DBG_RAW, "show the raw bytes of messages" },
	{ "crypt", DBG_CRYPT, "show the encryption and decryption of messages" },
	{ "parsing", DBG_PARSING, "show the structure of input messages" },
	{ "emitting", DBG_EMITTING, "show the structure of output messages" },
	{ "control", DBG_CONTROL, "show pluto's decision making" },
	{ "lifecycle", DBG_LIFECYCLE, "log more detail of the lifecycle of SAs" },
	{ "klips", DBG_KERNEL, "show pluto's interaction with the kernel (XFRM)" },
	{ "kernel", DBG_KERNEL, "the same as klips" },
	{ "dns", DBG_DNS, "show pluto's name lookups" },
	{ "oppo", DBG_OPPO, "show why opportunistic initiation was not done" },
	{ "bpf", DBG_BPF, "show pluto's interaction with the BPF dataplane" },
	{ "private", DBG_PRIVATE, "allow debugging output with private keys" },
	{ "cpu-usage", DBG_CPU_USAGE, "log the CPU time spent on each operation" },
	{ "all", DBG_ALL, "all of the above but private and cpu-usage" },
	{ "base", DBG_BASE, "control, lifecycle, kernel and bpf" },
	{ "none", 0, "none of the above" },
	{ NULL, 0, NULL },
};

uint32_t debug_class_lookup(const char *name, int *negate)
{
	*negate = 0;
	if (strncmp(name, "no-", 3) == 0) {
		*negate = 1;
		name += 3;
	}
	if (strcmp(name, "none") == 0) {
		if (*negate)
			return 0; /* "no-none" is not a class */
		*negate = 1;
		return DBG_EVERYTHING;
	}
	for (const struct debug_class_name *d = debug_class_names; d->name; d++) {
		if (strcmp(d->name, name) == 0)
			return d->bits;
	}
	return 0;
}

void debug_class_format(uint32_t bits, char *buf, unsigned len)
{
	unsigned o = 0;

	buf[0] = '\0';
	for (const struct debug_class_name *d = debug_class_names; d->name; d++) {
		/* single classes only; "kernel" duplicates "klips" */
		if ((d->bits & (d->bits - 1)) != 0 || d->bits == 0 || strcmp(d->name, "kernel") == 0)
			continue;
		if ((bits & d->bits) && o < len)
			o += (unsigned)snprintf(buf + o, len - o, "%s%s", o ? "+" : "", d->name);
	}
	if (o == 0)
		snprintf(buf, len, "none");
}
