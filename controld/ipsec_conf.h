/*
 * ipsec.conf(5): the file syntax, as Libreswan and strongSwan users write it.
 *
 *   version 2                      optional, anywhere at column 0 ("2" or "2.0")
 *   config setup                   section headers at column 0
 *   conn NAME | conn %default
 *           key=value              indented lines; "key = value" too; values may be
 *           key="a value"          "double quoted"; white space then # starts a comment
 *   include FILE-OR-GLOB           at column 0, relative to the including file's
 *                                  directory, nested at most IPSEC_CONF_MAX_DEPTH deep
 *
 * This module knows the syntax only: sections, include, also= and %default. What the keys
 * mean is conf_conn.c's business.  An empty value ("key=") counts as set: it hides what
 * also= or %default would give, and stands for the built-in default.
 *
 * A conn's settings come, strongest first, from: the conn itself; the conns it names with
 * also=, in the order written, each with its own also= expanded depth first where it
 * appears (Libreswan's rule: the first value found wins); then conn %default (all the
 * %default sections of every file together, wherever they appear).  A key set twice in
 * one section (or twice across the %default sections) is an error; also= may repeat.
 * A conn that includes the same conn twice through also= gets it once.
 */
#ifndef PLUTO_IPSEC_CONF_H
#define PLUTO_IPSEC_CONF_H

#include <glob.h>
#include <stdbool.h>
#include <stddef.h>

#include "strmap.h"

#define IPSEC_CONF_MAX_DEPTH 10 /* include nesting, for ipsec.conf and ipsec.secrets */

/* ---- the errors of a configuration or secrets file -------------------------------- */

struct conf_error {
	char *msg;    /* "file:line: what", quoting the offending text */
	bool warning; /* a warning does not make the load fail */
};

struct conf_errors {
	struct conf_error *v;
	size_t n, cap;
	size_t nerrors; /* entries that are not warnings */
	struct strmap seen; /* the messages held, so that finding a repeat scans nothing */
};

/*
 * Append "file:line: <fmt>" ("file: " when line is 0, nothing when file is NULL).
 * A message identical to one already held is not added twice (a bad conn %default
 * line would otherwise be reported once per conn).
 */
void conf_error_add(struct conf_errors *e, bool warning, const char *file, unsigned line,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void conf_errors_free(struct conf_errors *e);

/*
 * Expand an include pattern: a relative pattern is taken relative to the directory of
 * from_file.  A pattern with a wildcard may match nothing (g->gl_pathc is 0); a plain
 * name must exist.  Returns NULL (g to be freed with globfree) or the reason.
 */
const char *conf_include_expand(const char *from_file, const char *pattern, glob_t *g);

/* ---- the parsed file ------------------------------------------------------------- */

enum conf_section_kind {
	CONF_SETUP,	   /* config setup */
	CONF_CONN,	   /* conn NAME */
	CONF_CONN_DEFAULT, /* conn %default */
};

struct conf_kv {
	char *key;
	char *value; /* quotes removed; "" when empty */
	const char *file;
	unsigned line;
};

/* Read-only outside ipsec_conf.c. */
struct conf_section {
	enum conf_section_kind kind;
	char *name; /* the conn name; "setup"; "%default" */
	const char *file;
	unsigned line;
	struct conf_kv *kv; /* in file order */
	size_t nkv, cap;
	bool broken; /* a syntax error, a bad also= or a duplicate: not to be loaded */
	/* CONF_CONN: where its settings come from, strongest first (see above) */
	const struct conf_section **layers;
	size_t nlayers;
	struct conf_section *next;
};

struct ipsec_conf;

/*
 * Read file and what it includes.  Every problem is appended to errs; a section with a
 * problem is marked broken and the rest still load.  Returns false (and *out NULL) only
 * when file itself cannot be read.
 */
bool ipsec_conf_load(const char *file, struct ipsec_conf **out, struct conf_errors *errs);
void ipsec_conf_free(struct ipsec_conf *conf);

/* The config setup section, or NULL if there is none. */
const struct conf_section *ipsec_conf_setup(const struct ipsec_conf *conf);
/* Iterate over the conns (not %default) in file order: pass NULL first. */
const struct conf_section *ipsec_conf_next_conn(const struct ipsec_conf *conf,
						const struct conf_section *prev);
const struct conf_section *ipsec_conf_find_conn(const struct ipsec_conf *conf, const char *name);
/* The value of key in a conn, from the strongest layer that sets it; NULL if unset. */
const struct conf_kv *ipsec_conf_lookup(const struct conf_section *conn, const char *key);

#endif
