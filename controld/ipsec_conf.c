/* ipsec.conf(5) syntax: sections, key=value lines, include, also= and conn %default. */
#include "ipsec_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "whack_msg.h"

struct ipsec_conf {
	struct conf_section *sections; /* every section, in file order */
	struct conf_section **tail;
	struct conf_section *setup; /* the (first) config setup */
	struct conf_section *deflt; /* every conn %default, merged */
	struct strmap conns;	    /* the conns by name */
	char **files;		    /* the names of the files read, for conf_kv.file */
	size_t nfiles;
	bool too_deep; /* the include nesting limit was hit: follow no more includes */
};

/* Where one file's lines go. */
struct reader {
	struct ipsec_conf *conf;
	struct conf_errors *errs;
	const char *file; /* interned */
	unsigned line;
	unsigned depth;
	struct conf_section *cur; /* NULL: outside any section */
	bool skip;		  /* inside a section that is being ignored */
};

static bool read_file(struct reader *parent, const char *path, const char *from_file,
		      unsigned from_line);

/* ---- errors -------------------------------------------------------------------- */

void conf_error_add(struct conf_errors *e, bool warning, const char *file, unsigned line,
		    const char *fmt, ...)
{
	char text[1024];
	size_t o = 0;
	va_list ap;

	if (file != NULL && line > 0)
		o = (size_t)snprintf(text, sizeof(text), "%s:%u: ", file, line);
	else if (file != NULL)
		o = (size_t)snprintf(text, sizeof(text), "%s: ", file);
	if (o >= sizeof(text))
		o = sizeof(text) - 1;
	va_start(ap, fmt);
	vsnprintf(text + o, sizeof(text) - o, fmt, ap);
	va_end(ap);
	if (strmap_get(&e->seen, text) != NULL)
		return;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		struct conf_error *v = realloc(e->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		e->v = v;
		e->cap = cap;
	}
	char *msg = strdup(text);
	if (msg == NULL)
		return;
	if (strmap_put(&e->seen, msg, msg) < 0) {
		free(msg);
		return;
	}
	e->v[e->n].msg = msg;
	e->v[e->n++].warning = warning;
	if (!warning)
		e->nerrors++;
}

void conf_errors_free(struct conf_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].msg);
	free(e->v);
	strmap_free(&e->seen);
	memset(e, 0, sizeof(*e));
}

/* ---- include ------------------------------------------------------------------- */

const char *conf_include_expand(const char *from_file, const char *pattern, glob_t *g)
{
	static __thread char why[WHACK_PATH_MAX + 128];
	char path[WHACK_PATH_MAX];
	const char *slash = strrchr(from_file, '/');
	int n;

	memset(g, 0, sizeof(*g));
	if (pattern[0] == '/' || slash == NULL)
		n = snprintf(path, sizeof(path), "%s", pattern);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - from_file), from_file,
			     pattern);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(why, sizeof(why), "include `%.64s...': path too long", pattern);
		return why;
	}
	int r = glob(path, 0, NULL, g);
	if (r == 0)
		return NULL;
	globfree(g);
	memset(g, 0, sizeof(*g));
	if (r == GLOB_NOMATCH && strpbrk(pattern, "*?[") != NULL)
		return NULL; /* a wildcard may match nothing */
	snprintf(why, sizeof(why), "cannot open include file `%s': %s", path,
		 r == GLOB_NOMATCH ? strerror(ENOENT) : "glob failed");
	return why;
}

/* ---- building sections --------------------------------------------------------- */

static const char *intern_file(struct ipsec_conf *conf, const char *path)
{
	for (size_t i = 0; i < conf->nfiles; i++) {
		if (strcmp(conf->files[i], path) == 0)
			return conf->files[i];
	}
	char **v = realloc(conf->files, (conf->nfiles + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	conf->files = v;
	v[conf->nfiles] = strdup(path);
	return v[conf->nfiles] != NULL ? v[conf->nfiles++] : NULL;
}

static struct conf_section *new_section(struct reader *r, enum conf_section_kind kind,
					const char *name)
{
	struct conf_section *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->name = strdup(name)) == NULL) {
		free(s);
		conf_error_add(r->errs, false, r->file, r->line, "out of memory");
		return NULL;
	}
	s->kind = kind;
	s->file = r->file;
	s->line = r->line;
	if (kind == CONF_CONN && strmap_put(&r->conf->conns, s->name, s) < 0) {
		free(s->name);
		free(s);
		conf_error_add(r->errs, false, r->file, r->line, "out of memory");
		return NULL;
	}
	*r->conf->tail = s;
	r->conf->tail = &s->next;
	return s;
}

static const struct conf_kv *find_kv(const struct conf_section *s, const char *key)
{
	for (size_t i = 0; i < s->nkv; i++) {
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	}
	return NULL;
}

static void add_kv(struct reader *r, const char *key, const char *value)
{
	struct conf_section *s = r->cur;
	const struct conf_kv *old = strcmp(key, "also") != 0 ? find_kv(s, key) : NULL;

	if (old != NULL) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "duplicate keyword `%s' (first set at %s:%u)", key, old->file,
			       old->line);
		s->broken = true;
		return;
	}
	if (s->nkv == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct conf_kv *v = realloc(s->kv, cap * sizeof(*v));
		if (v == NULL)
			goto oom;
		s->kv = v;
		s->cap = cap;
	}
	struct conf_kv *kv = &s->kv[s->nkv];
	kv->key = strdup(key);
	kv->value = strdup(value);
	if (kv->key == NULL || kv->value == NULL) {
		free(kv->key);
		free(kv->value);
		goto oom;
	}
	kv->file = r->file;
	kv->line = r->line;
	s->nkv++;
	return;
oom:
	conf_error_add(r->errs, false, r->file, r->line, "out of memory");
	s->broken = true;
}

/* ---- lines --------------------------------------------------------------------- */

/* Cut a comment (white space, or the start, then #) and trailing white space. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Split off the next white-space separated word; NULL at the end. */
static char *next_word(char **s)
{
	char *p = *s;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return NULL;
	char *w = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return w;
}

static void do_include(struct reader *r, const char *pattern)
{
	glob_t g;
	const char *err = conf_include_expand(r->file, pattern, &g);

	if (err != NULL) {
		conf_error_add(r->errs, false, r->file, r->line, "%s", err);
		return;
	}
	/*
	 * A file that includes itself k times would otherwise be read some k^9 times before
	 * the limit stops each branch: once it is hit, the includes still pending (an
	 * error is already reported) are skipped.
	 */
	if (r->conf->too_deep) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "include `%s' skipped: the include nesting limit was hit", pattern);
	} else if (r->depth + 1 >= IPSEC_CONF_MAX_DEPTH) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "include `%s': nested more than %d deep (a loop?)", pattern,
			       IPSEC_CONF_MAX_DEPTH);
		r->conf->too_deep = true;
	} else {
		for (size_t i = 0; i < g.gl_pathc; i++)
			read_file(r, g.gl_pathv[i], r->file, r->line);
	}
	globfree(&g);
}

static void conn_header(struct reader *r, const char *name)
{
	if (strcmp(name, "%default") == 0) {
		if (r->conf->deflt == NULL)
			r->conf->deflt = new_section(r, CONF_CONN_DEFAULT, name);
		r->cur = r->conf->deflt;
		return;
	}
	r->skip = true;
	if (name[0] == '%' || strpbrk(name, "\"'") != NULL) {
		conf_error_add(r->errs, false, r->file, r->line, "bad conn name `%s'", name);
		return;
	}
	if (strlen(name) >= WHACK_NAME_MAX) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "conn name `%.40s...' longer than %d characters", name,
			       WHACK_NAME_MAX - 1);
		return;
	}
	struct conf_section *old = (struct conf_section *)ipsec_conf_find_conn(r->conf, name);
	if (old != NULL) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "conn `%s' defined twice (first at %s:%u)", name, old->file,
			       old->line);
		old->broken = true;
		return;
	}
	r->cur = new_section(r, CONF_CONN, name);
	r->skip = r->cur == NULL;
}

/* A line at column 0: a section header, include or version. */
static void header_line(struct reader *r, char *line)
{
	char *rest = line;
	char *w1 = next_word(&rest), *w2 = next_word(&rest), *w3 = next_word(&rest);

	r->cur = NULL;
	r->skip = false;
	if (w2 == NULL || w3 != NULL) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "expected `conn NAME', `config setup', `include FILE' or "
			       "`version 2', not `%s%s%s%s'",
			       w1, w2 ? " " : "", w2 ? w2 : "", w3 ? " ..." : "");
		r->skip = true;
	} else if (strcmp(w1, "version") == 0) {
		if (strcmp(w2, "2") != 0 && strcmp(w2, "2.0") != 0)
			conf_error_add(r->errs, false, r->file, r->line,
				       "unsupported version `%s' (only 2)", w2);
	} else if (strcmp(w1, "include") == 0) {
		do_include(r, w2);
	} else if (strcmp(w1, "conn") == 0) {
		conn_header(r, w2);
	} else if (strcmp(w1, "config") == 0 && strcmp(w2, "setup") == 0) {
		if (r->conf->setup != NULL) {
			conf_error_add(r->errs, false, r->file, r->line,
				       "config setup given twice (first at %s:%u)",
				       r->conf->setup->file, r->conf->setup->line);
			r->skip = true;
			return;
		}
		r->cur = r->conf->setup = new_section(r, CONF_SETUP, "setup");
		r->skip = r->cur == NULL;
	} else {
		conf_error_add(r->errs, false, r->file, r->line, "unknown section type `%s %s'", w1,
			       w2);
		r->skip = true;
	}
}

/* The value after '=': "quoted" or bare (the rest of the line, comment cut). */
static const char *parse_value(char *v, char **out)
{
	while (isspace((unsigned char)*v))
		v++;
	if (*v != '"') {
		strip_comment(v);
		*out = v;
		return NULL;
	}
	char *close = strchr(v + 1, '"');
	if (close == NULL)
		return "unterminated quote";
	*close = '\0';
	char *after = close + 1;
	strip_comment(after);
	if (*after != '\0')
		return "text after the closing quote";
	*out = v + 1;
	return NULL;
}

/* An indented line: key=value inside the current section. */
static void kv_line(struct reader *r, char *line)
{
	char *p = line, *value;

	while (isspace((unsigned char)*p))
		p++;
	if (r->skip)
		return;
	char *key = p;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
		p++;
	char *key_end = p;
	while (isspace((unsigned char)*p))
		p++;
	if (key_end == key || *p != '=') {
		strip_comment(key);
		conf_error_add(r->errs, false, r->file, r->line, "expected key=value, not `%s'",
			       key);
		goto bad;
	}
	*key_end = '\0';
	const char *err = parse_value(p + 1, &value);
	if (err != NULL) {
		strip_comment(p + 1);
		conf_error_add(r->errs, false, r->file, r->line, "%s in `%s=%s'", err, key, p + 1);
		goto bad;
	}
	if (r->cur == NULL) {
		conf_error_add(r->errs, false, r->file, r->line,
			       "`%s=%s' outside a section (section headers start at column 0)", key,
			       value);
		return;
	}
	if (strcmp(key, "also") == 0 && r->cur->kind != CONF_CONN) {
		conf_error_add(r->errs, false, r->file, r->line, "also= is not allowed in %s",
			       r->cur->kind == CONF_SETUP ? "config setup" : "conn %default");
		goto bad;
	}
	add_kv(r, key, value);
	return;
bad:
	if (r->cur != NULL)
		r->cur->broken = true;
}

static void parse_line(struct reader *r, char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return; /* empty lines and comments do not end a section */
	if (p == line) {
		strip_comment(line);
		header_line(r, line);
	} else {
		kv_line(r, line);
	}
}

static bool read_file(struct reader *parent, const char *path, const char *from_file,
		      unsigned from_line)
{
	struct reader r = {.conf = parent->conf, .errs = parent->errs, .depth = parent->depth};
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (from_file != NULL)
		r.depth++;
	r.file = intern_file(r.conf, path);
	f = fopen(path, "r");
	if (f == NULL || r.file == NULL) {
		int e = errno;
		conf_error_add(r.errs, false, from_file, from_line, "cannot open `%s': %s", path,
			       strerror(f == NULL ? e : ENOMEM));
		if (f != NULL)
			fclose(f);
		return false;
	}
	while (getline(&line, &cap, f) >= 0) {
		r.line++;
		parse_line(&r, line);
	}
	if (ferror(f))
		conf_error_add(r.errs, false, r.file, r.line, "read error: %s", strerror(errno));
	free(line);
	fclose(f);
	return true;
}

/* ---- also= ----------------------------------------------------------------------- */

struct also_walk {
	struct ipsec_conf *conf;
	struct conf_errors *errs;
	struct conf_section *conn;	      /* the conn being resolved */
	const struct conf_section *stack[64]; /* the also= chain being followed */
	size_t depth;
};

static void add_layer(struct also_walk *w, const struct conf_section *s)
{
	struct conf_section *c = w->conn;
	const struct conf_section **v = realloc(c->layers, (c->nlayers + 1) * sizeof(*v));

	if (v == NULL) {
		conf_error_add(w->errs, false, c->file, c->line, "out of memory");
		c->broken = true;
		return;
	}
	v[c->nlayers++] = s;
	c->layers = v;
	if (s->broken)
		c->broken = true; /* the reason was reported where it is */
}

static void loop_error(struct also_walk *w, const struct conf_kv *kv)
{
	char chain[512];
	size_t o = 0;

	for (size_t i = 0; i < w->depth && o < sizeof(chain); i++)
		o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s -> ", w->stack[i]->name);
	if (o < sizeof(chain))
		snprintf(chain + o, sizeof(chain) - o, "%s", kv->value);
	conf_error_add(w->errs, false, kv->file, kv->line, "also=%s makes a loop: %s", kv->value,
		       chain);
}

static bool seen_layer(const struct conf_section *c, const struct conf_section *s)
{
	for (size_t i = 0; i < c->nlayers; i++) {
		if (c->layers[i] == s)
			return true;
	}
	return false;
}

/* Add s's also= targets, depth first, in the order written. */
static void walk_also(struct also_walk *w, const struct conf_section *s)
{
	w->stack[w->depth++] = s;
	for (size_t i = 0; i < s->nkv; i++) {
		const struct conf_kv *kv = &s->kv[i];
		if (strcmp(kv->key, "also") != 0)
			continue;
		const struct conf_section *t = ipsec_conf_find_conn(w->conf, kv->value);
		bool loop = false;
		for (size_t j = 0; j < w->depth; j++)
			loop |= w->stack[j] == t;
		if (t == NULL) {
			conf_error_add(w->errs, false, kv->file, kv->line, "also=%s: no conn `%s'",
				       kv->value, kv->value);
		} else if (loop || w->depth == sizeof(w->stack) / sizeof(w->stack[0])) {
			loop_error(w, kv);
		} else {
			if (!seen_layer(w->conn, t)) { /* a conn included twice counts once */
				add_layer(w, t);
				walk_also(w, t);
			}
			continue;
		}
		w->conn->broken = true;
	}
	w->depth--;
}

static void resolve_alsos(struct ipsec_conf *conf, struct conf_errors *errs)
{
	for (struct conf_section *s = conf->sections; s != NULL; s = s->next) {
		if (s->kind != CONF_CONN)
			continue;
		struct also_walk w = {.conf = conf, .errs = errs, .conn = s};
		add_layer(&w, s);
		walk_also(&w, s);
		if (conf->deflt != NULL)
			add_layer(&w, conf->deflt);
	}
}

/* ---- the API ----------------------------------------------------------------------- */

bool ipsec_conf_load(const char *file, struct ipsec_conf **out, struct conf_errors *errs)
{
	struct ipsec_conf *conf = calloc(1, sizeof(*conf));
	struct reader top = {.errs = errs};

	*out = NULL;
	if (conf == NULL) {
		conf_error_add(errs, false, file, 0, "out of memory");
		return false;
	}
	conf->tail = &conf->sections;
	top.conf = conf;
	if (!read_file(&top, file, NULL, 0)) {
		ipsec_conf_free(conf);
		return false;
	}
	resolve_alsos(conf, errs);
	*out = conf;
	return true;
}

void ipsec_conf_free(struct ipsec_conf *conf)
{
	if (conf == NULL)
		return;
	for (struct conf_section *s = conf->sections, *next; s != NULL; s = next) {
		next = s->next;
		for (size_t i = 0; i < s->nkv; i++) {
			free(s->kv[i].key);
			free(s->kv[i].value);
		}
		free(s->kv);
		free(s->layers);
		free(s->name);
		free(s);
	}
	for (size_t i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	strmap_free(&conf->conns);
	free(conf);
}

const struct conf_section *ipsec_conf_setup(const struct ipsec_conf *conf)
{
	return conf->setup;
}

const struct conf_section *ipsec_conf_next_conn(const struct ipsec_conf *conf,
						const struct conf_section *prev)
{
	const struct conf_section *s = prev != NULL ? prev->next : conf->sections;

	while (s != NULL && s->kind != CONF_CONN)
		s = s->next;
	return s;
}

const struct conf_section *ipsec_conf_find_conn(const struct ipsec_conf *conf, const char *name)
{
	return strmap_get(&conf->conns, name);
}

const struct conf_kv *ipsec_conf_lookup(const struct conf_section *conn, const char *key)
{
	for (size_t i = 0; i < conn->nlayers; i++) {
		const struct conf_kv *kv = find_kv(conn->layers[i], key);
		if (kv != NULL)
			return kv;
	}
	return NULL;
}
