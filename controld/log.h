/*
 * Logging: syslog (facility authpriv) by default, or stderr / a log file; debug lines start
 * with "| "; lines about a connection or state carry its name and serial ("conn" #3: ...).
 * While a whack request is being served, its reply stream gets each line with a code.
 */
#ifndef PLUTO_LOG_H
#define PLUTO_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "debug_class.h"
#include "whack_msg.h"

struct connection;
struct state;
struct ctl_client;

struct log_options {
	bool to_stderr;
	const char *logfile; /* NULL: syslog (unless to_stderr) */
	bool no_time;
	bool no_append;
	bool no_ip;
};

extern uint32_t cur_debugging;	     /* the global debug classes */
extern uint32_t base_debugging;	     /* as set by options and whack --debug */

/* Returns 0 or -errno (the log file could not be opened; reason logged to stderr). */
int log_init(const struct log_options *o);
void log_close(void);
/* Reopen after the daemon fork (syslog). */
void log_reopen(void);

/* The current context: prefixes log lines and selects the whack client to copy them to. */
void log_set_context(struct connection *c, struct state *st);
void log_reset_context(void);
void log_set_whack(struct ctl_client *client);
struct ctl_client *log_get_whack(void);

/* A normal log line; also sent to the attached whack client as RC_LOG. */
void plog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A log line with a reply code for whack (loglog in FreeS/WAN). */
void loglog(enum rc_type rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line for the whack client only (status output, progress). */
void whack_log(enum rc_type rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Debug output: "| " prefixed, to the log only. */
void dbg_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dbg_dump(const char *label, const void *p, unsigned len);

#define DBG(cls) (cur_debugging & (cls))
#define dbg(cls, ...)                     \
	do {                              \
		if (DBG(cls))             \
			dbg_log(__VA_ARGS__); \
	} while (0)

/* A log line for an event a peer can trigger at will: at most a few per second. */
void plog_rl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For tests: capture log lines (NULL to stop). */
typedef void (*log_hook_fn)(const char *line);
void log_set_hook(log_hook_fn fn);

#endif
