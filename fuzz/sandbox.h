/*
 * What the file-reading harnesses (ipsec_conf, secrets) share: a private temporary
 * directory that holds the one file under test, and a fence around the parsers while
 * they run.
 *
 * The parsers follow `include PATTERN' (relative to the file's directory, or absolute)
 * and secrets' `RSA keyfile', and conn hosts may be names to resolve.  Fuzzed input
 * must not read /dev/zero or the rest of the machine, nor wait for DNS, so the
 * harnesses are linked with -Wl,--wrap=fopen,--wrap=open,--wrap=glob,--wrap=getaddrinfo
 * (mk/fuzz.mk) and, between fuzz_sandbox_enter() and fuzz_sandbox_leave(), these calls
 * from the project's objects:
 *
 *   fopen/open for reading   succeed only for a file directly inside the private dir
 *   glob                     matches only patterns directly inside the private dir
 *   getaddrinfo              numeric hosts only (AI_NUMERICHOST)
 *
 * Opening for writing is left alone: libFuzzer writes crash artifacts with fopen(),
 * possibly while the fence is up.
 */
#ifndef PLUTO_FUZZ_SANDBOX_H
#define PLUTO_FUZZ_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Make the private directory (under $TMPDIR or /tmp, removed at exit) and return the
 * path of the file named name inside it; the program exits if that fails.
 */
const char *fuzz_sandbox_file(const char *name);
/* Replace the file's contents (mode 0600); exits on failure. */
void fuzz_sandbox_write(const char *path, const uint8_t *data, size_t size);
void fuzz_sandbox_enter(void);
void fuzz_sandbox_leave(void);
/* Send the project's log to /dev/null (FUZZ_VERBOSE=1 in the environment: stderr). */
void fuzz_quiet_log(void);

#endif
