/* Start-up helpers of pluto's main(): option parsing, config setup, loading. */
#ifndef PLUTO_PLUTO_MAIN_H
#define PLUTO_PLUTO_MAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

enum startup_action { START_RUN, START_HELP, START_VERSION };

/* Options that were given on the command line win over config setup. */
enum opt_seen {
	SEEN_LOGFILE = 1u << 0,
	SEEN_LOGTIME = 1u << 1,
	SEEN_LOGAPPEND = 1u << 2,
	SEEN_DEBUG = 1u << 3,
	SEEN_UNIQUEIDS = 1u << 4,
	SEEN_LISTEN = 1u << 5,
	SEEN_NHELPERS = 1u << 6,
	SEEN_SECRETS = 1u << 7,
	SEEN_IKEPORT = 1u << 8,
	SEEN_INTERFACE = 1u << 9,
	SEEN_STDERRLOG = 1u << 10,
	SEEN_MAX_HALFOPEN = 1u << 11,
	SEEN_MAX_HALFOPEN_PEER = 1u << 12,
};

struct pluto_startup {
	enum startup_action action;
	struct log_options log;
	char logfile[1024];
	char config_file[1024];
	char ctlbase[256];  /* --ctlbase */
	char rundir[256];   /* --rundir */
	const char *coredir;
	int seedbits;
	uint32_t debug_on, debug_off;
	uint32_t seen;	    /* enum opt_seen */
	char **argv_owned;  /* after --optionsfrom */
};

/*
 * Parse pluto's command line into pluto (the global settings) and st. Returns NULL or the
 * reason, naming the option ("--ikeport: `x' is not a port number").
 */
const char *pluto_options_parse(int argc, char **argv, struct pluto_startup *st);
/* main's wrapper: prints help/version or the error and exits as the manual says. */
void pluto_parse_args(int argc, char **argv, struct pluto_startup *st);
void pluto_apply_config_setup(struct pluto_startup *st);
/* Derive the paths (socket, lock, pin dir) and defaults from what was given. */
void pluto_finish_settings(struct pluto_startup *st);
void pluto_log_settings(const struct pluto_startup *st);
void pluto_load_config_conns(const struct pluto_startup *st);
void pluto_free_secrets(void);
void pluto_reap_children(void);

extern const char pluto_usage[];

#endif
