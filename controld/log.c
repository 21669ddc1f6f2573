/* Logging to syslog, stderr or a file, and to the whack client being served. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include "connections.h"
#include "ctl.h"
#include "evloop.h"
#include "state.h"

uint32_t cur_debugging;
uint32_t base_debugging;

static struct log_options opts;
static FILE *log_fp;
static struct connection *cur_conn;
static struct state *cur_st;
static struct ctl_client *cur_whack;
static log_hook_fn hook;

int log_init(const struct log_options *o)
{
	opts = *o;
	if (opts.logfile != NULL && !opts.to_stderr) {
		log_fp = fopen(opts.logfile, opts.no_append ? "w" : "a");
		if (log_fp == NULL) {
			int e = errno;
			fprintf(stderr, "pluto: cannot open log file %s: %s\n", opts.logfile,
				strerror(e));
			return -e;
		}
		setvbuf(log_fp, NULL, _IOLBF, 0);
	} else if (!opts.to_stderr) {
		openlog("pluto", LOG_CONS | LOG_NDELAY | LOG_PID, LOG_AUTHPRIV);
	}
	return 0;
}

void log_reopen(void)
{
	if (log_fp == NULL && !opts.to_stderr) {
		closelog();
		openlog("pluto", LOG_CONS | LOG_NDELAY | LOG_PID, LOG_AUTHPRIV);
	}
}

void log_close(void)
{
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
	if (!opts.to_stderr)
		closelog();
}

void log_set_context(struct connection *c, struct state *st)
{
	cur_conn = c;
	cur_st = st;
	cur_debugging = base_debugging | (c != NULL ? connection_debugging(c) : 0);
}

void log_reset_context(void)
{
	log_set_context(NULL, NULL);
}

void log_set_whack(struct ctl_client *client)
{
	cur_whack = client;
}

struct ctl_client *log_get_whack(void)
{
	return cur_whack;
}

void log_set_hook(log_hook_fn fn)
{
	hook = fn;
}

/* "conn"[N] addr #S: */
static size_t context_prefix(char *buf, size_t len)
{
	size_t o = 0;

	if (cur_conn != NULL)
		o = connection_fmt_prefix(cur_conn, buf, len);
	if (cur_st != NULL && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%s#%lu", o ? " " : "",
				      state_serial(cur_st));
	if (o > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, ": ");
	if (o >= len)
		o = len - 1;
	return o;
}

static void emit(int prio, const char *line)
{
	if (hook != NULL)
		hook(line);
	if (opts.to_stderr || log_fp != NULL) {
		FILE *f = log_fp != NULL ? log_fp : stderr;
		if (!opts.no_time) {
			char ts[64];
			struct timeval tv;
			struct tm tm;
			gettimeofday(&tv, NULL);
			localtime_r(&tv.tv_sec, &tm);
			strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
			fprintf(f, "%s.%06ld: %s\n", ts, (long)tv.tv_usec, line);
		} else {
			fprintf(f, "%s\n", line);
		}
		return;
	}
	syslog(prio, "%s", line);
}

static void vlog_line(int prio, bool to_whack, enum rc_type rc, bool to_log, const char *fmt,
		      va_list ap)
{
	char line[2048];
	size_t o = context_prefix(line, sizeof(line));

	vsnprintf(line + o, sizeof(line) - o, fmt, ap);
	/* one line per call: a peer-supplied newline must not forge a log line */
	for (char *p = line; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	if (to_log)
		emit(prio, line);
	if (to_whack && cur_whack != NULL)
		ctl_client_line(cur_whack, rc, line);
}

void plog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_line(LOG_WARNING, true, RC_LOG, true, fmt, ap);
	va_end(ap);
}

void loglog(enum rc_type rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_line(LOG_WARNING, true, rc, true, fmt, ap);
	va_end(ap);
}

void whack_log(enum rc_type rc, const char *fmt, ...)
{
	va_list ap;

	if (cur_whack == NULL)
		return;
	va_start(ap, fmt);
	vlog_line(LOG_WARNING, true, rc, false, fmt, ap);
	va_end(ap);
}

void dbg_log(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	line[0] = '|';
	line[1] = ' ';
	va_start(ap, fmt);
	size_t o = 2 + context_prefix(line + 2, sizeof(line) - 2);
	vsnprintf(line + o, sizeof(line) - o, fmt, ap);
	va_end(ap);
	emit(LOG_DEBUG, line);
}

void dbg_dump(const char *label, const void *p, unsigned len)
{
	const uint8_t *b = p;
	char line[3 * 16 + 8];

	if (label != NULL)
		dbg_log("%s (%u bytes)", label, len);
	for (unsigned i = 0; i < len; i += 16) {
		size_t o = 0;
		for (unsigned j = i; j < len && j < i + 16; j++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%02x",
					      (j % 4 == 0 && j != i) ? "  " : " ", b[j]);
		dbg_log("  %s", line);
	}
}

/* plog_rl(): at most five lines a second; the rest are counted and the count logged. */
static time_t rl_window;
static unsigned rl_count, rl_suppressed;
static struct evtimer *rl_timer;

static void rl_report(void)
{
	if (rl_suppressed > 0)
		plog("%u similar messages suppressed", rl_suppressed);
	rl_suppressed = 0;
}

/* A second after suppressing began, even if nothing else is logged (a flood that stops). */
static void rl_flush(void *arg)
{
	(void)arg;
	rl_timer = NULL;
	log_reset_context();
	rl_report();
}

void plog_rl(const char *fmt, ...)
{
	time_t now = time(NULL);
	va_list ap;

	if (now != rl_window) {
		rl_report();
		rl_window = now;
		rl_count = 0;
	}
	if (++rl_count > 5) {
		if (rl_suppressed++ == 0 && rl_timer == NULL)
			rl_timer = evloop_timer_add(1000, rl_flush, NULL);
		return;
	}
	va_start(ap, fmt);
	vlog_line(LOG_WARNING, true, RC_LOG, true, fmt, ap);
	va_end(ap);
}
