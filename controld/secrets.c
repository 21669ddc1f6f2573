/* ipsec.secrets(5): PSK and RSA private key entries, include, lookup by best match. */
#include "secrets.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "ttodata.h"
#include "whack_msg.h"

#define SECRETS_FILE_MAX (16u << 20) /* no sane secrets file is bigger */

struct secrets {
	struct secret *head, **tail;
	unsigned n;
	char **files; /* names for secret.file */
	size_t nfiles;
	bool too_deep; /* the include nesting limit was hit: follow no more includes */
};

enum tok_kind { TOK_WORD, TOK_QUOTED, TOK_LBRACE, TOK_RBRACE, TOK_BAD };

struct token {
	enum tok_kind kind;
	char *text; /* NUL-terminated copy, wiped when freed */
	size_t len;
	unsigned line;
	bool col0; /* starts at column 0 */
};

/* One file being read. */
struct sfile {
	struct secrets *set;
	struct conf_errors *errs;
	const char *name; /* interned */
	unsigned depth;
	struct token *tok;
	size_t ntok, cap;
};

static void load_file(struct secrets *set, struct conf_errors *errs, const char *path,
		      unsigned depth);

/* ---- small helpers ----------------------------------------------------------------- */

static void wipe_free(void *p, size_t len)
{
	if (p != NULL)
		OPENSSL_clear_free(p, len);
}

static const char *intern(struct secrets *set, const char *path)
{
	for (size_t i = 0; i < set->nfiles; i++) {
		if (strcmp(set->files[i], path) == 0)
			return set->files[i];
	}
	char **v = realloc(set->files, (set->nfiles + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	set->files = v;
	v[set->nfiles] = strdup(path);
	return v[set->nfiles] != NULL ? v[set->nfiles++] : NULL;
}

static void perm_check(struct conf_errors *errs, const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		conf_error_add(errs, true, path, 0,
			       "group or others may access this file (mode %04o); it should be "
			       "0600",
			       (unsigned)(st.st_mode & 07777));
}

/*
 * Read a whole file into a NUL-terminated buffer (to be wiped), warning when group or
 * others may access it.  Returns NULL or the reason.
 */
static const char *slurp(struct conf_errors *errs, const char *path, char **out, size_t *len)
{
	static __thread char why[WHACK_PATH_MAX + 80];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	*out = NULL;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > SECRETS_FILE_MAX) {
		snprintf(why, sizeof(why), "cannot read `%s': %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file of sane size");
		goto fail;
	}
	perm_check(errs, path, fd);
	*out = malloc((size_t)st.st_size + 1);
	if (*out == NULL || (n = read(fd, *out, (size_t)st.st_size)) != st.st_size) {
		snprintf(why, sizeof(why), "cannot read `%s': %s", path,
			 n < 0		? strerror(errno)
			 : *out == NULL ? "out of memory"
					: "short read");
		wipe_free(*out, (size_t)st.st_size + 1);
		*out = NULL;
		goto fail;
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	close(fd);
	return NULL;
fail:
	if (fd >= 0)
		close(fd);
	return why;
}

/* ---- tokens ------------------------------------------------------------------------ */

static bool add_token(struct sfile *f, enum tok_kind kind, const char *s, size_t len, unsigned line,
		      bool col0)
{
	if (f->ntok == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct token *v = realloc(f->tok, cap * sizeof(*v));
		if (v == NULL)
			return false;
		f->tok = v;
		f->cap = cap;
	}
	struct token *t = &f->tok[f->ntok];
	t->text = malloc(len + 1);
	if (t->text == NULL)
		return false;
	memcpy(t->text, s, len);
	t->text[len] = '\0';
	t->len = len;
	t->kind = kind;
	t->line = line;
	t->col0 = col0;
	f->ntok++;
	return true;
}

static void free_tokens(struct sfile *f)
{
	for (size_t i = 0; i < f->ntok; i++)
		wipe_free(f->tok[i].text, f->tok[i].len + 1);
	free(f->tok);
	f->tok = NULL;
	f->ntok = f->cap = 0;
}

/*
 * Split buf into tokens: words, "quoted" or 'quoted' strings (one line), { and }.
 * # at the start of a token starts a comment.  An unterminated quote is reported and
 * becomes a TOK_BAD, so that its entry is dropped.
 */
static bool tokenize(struct sfile *f, const char *buf, size_t len)
{
	unsigned line = 1;
	size_t i = 0;

	while (i < len) {
		char ch = buf[i];
		bool col0 = i == 0 || buf[i - 1] == '\n';
		size_t start = i;
		if (ch == '\n' || isspace((unsigned char)ch)) {
			line += ch == '\n';
			i++;
			continue;
		}
		if (ch == '#') {
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		if (ch == '{' || ch == '}') {
			if (!add_token(f, ch == '{' ? TOK_LBRACE : TOK_RBRACE, buf + i, 1, line,
				       col0))
				return false;
			i++;
			continue;
		}
		if (ch == '"' || ch == '\'') {
			const char *end = memchr(buf + i + 1, ch, len - i - 1);
			const char *nl = memchr(buf + i + 1, '\n', len - i - 1);
			if (end == NULL || (nl != NULL && nl < end)) {
				conf_error_add(f->errs, false, f->name, line, "unterminated quote");
				if (!add_token(f, TOK_BAD, "", 0, line, col0))
					return false;
				i = nl != NULL ? (size_t)(nl - buf) : len;
				continue;
			}
			if (!add_token(f, TOK_QUOTED, buf + i + 1, (size_t)(end - buf) - i - 1,
				       line, col0))
				return false;
			i = (size_t)(end - buf) + 1;
			continue;
		}
		while (i < len && !isspace((unsigned char)buf[i]) && buf[i] != '{' && buf[i] != '}')
			i++;
		if (!add_token(f, TOK_WORD, buf + start, i - start, line, col0))
			return false;
	}
	return true;
}

static bool is_word(const struct token *t, const char *s)
{
	return t->kind == TOK_WORD && strcmp(t->text, s) == 0;
}

/* ---- entries ------------------------------------------------------------------------ */

static struct secret *new_secret(struct sfile *f, enum secret_kind kind, unsigned line)
{
	struct secret *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		conf_error_add(f->errs, false, f->name, line, "out of memory");
		return NULL;
	}
	s->kind = kind;
	s->file = f->name;
	s->line = line;
	return s;
}

static void free_secret(struct secret *s)
{
	if (s == NULL)
		return;
	wipe_free(s->psk, s->psk_len);
	EVP_PKEY_free(s->pkey);
	free(s->ids);
	free(s);
}

/* Selectors: identities, %any and %any6 (both match every identity). */
static bool parse_selectors(struct sfile *f, const struct token *t, size_t n, struct secret *s)
{
	if (n == 0)
		return true;
	s->ids = calloc(n, sizeof(*s->ids));
	if (s->ids == NULL) {
		conf_error_add(f->errs, false, f->name, t[0].line, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const char *err = NULL;
		if (t[i].kind != TOK_WORD && t[i].kind != TOK_QUOTED)
			err = "not an identity";
		else if (strcmp(t[i].text, "%any6") == 0)
			s->ids[i].kind = ID_ANY;
		else
			err = id_parse(t[i].text, false, &s->ids[i]);
		if (err == NULL && s->ids[i].kind == ID_MYID)
			err = "%myid is not supported as a selector";
		if (err != NULL) {
			conf_error_add(f->errs, false, f->name, t[i].line, "selector `%s': %s",
				       t[i].text, err);
			return false;
		}
	}
	s->nids = (unsigned)n;
	return true;
}

/* PSK "text" | 'text' | 0x... | 0s... | 0t... */
static const char *parse_psk(const struct token *t, size_t n, struct secret *s)
{
	if (n == 0)
		return "PSK needs a \"quoted\" secret or 0x/0s data";
	if (n > 1)
		return "unexpected text after the PSK (quote a secret that contains spaces)";
	if (is_word(t, "%prompt"))
		return "PSK %prompt is not supported";
	s->psk = malloc(t->len + 1);
	if (s->psk == NULL)
		return "out of memory";
	if (t->kind == TOK_QUOTED) {
		memcpy(s->psk, t->text, t->len);
		s->psk_len = t->len;
	} else if (t->kind == TOK_WORD && t->len > 2 && t->text[0] == '0' &&
		   strchr("xXsStT", t->text[1]) != NULL) {
		static __thread char why[80];
		const char *err = ttodata(t->text, s->psk, t->len, &s->psk_len);
		if (err != NULL) {
			s->psk_len = t->len;
			snprintf(why, sizeof(why), "PSK: %s", err); /* it never quotes the data */
			return why;
		}
	} else {
		s->psk_len = t->len;
		return "PSK needs a \"quoted\" secret or 0x/0s data";
	}
	if (s->psk_len == 0)
		return "empty PSK";
	return NULL;
}

static const char *const rsa_field_names[8] = {
	"Modulus", "PublicExponent", "PrivateExponent", "Prime1",
	"Prime2",  "Exponent1",	     "Exponent2",	"Coefficient",
};

struct rsa_fields {
	uint8_t *v[8];
	size_t len[8];
};

static void rsa_fields_free(struct rsa_fields *r)
{
	for (int i = 0; i < 8; i++)
		wipe_free(r->v[i], CRYPTO_RSA_MAX_BITS / 8 + 1);
}

/* One "Name: value" of an RSA { } block; *used is how many tokens it took. */
static const char *rsa_field(struct sfile *f, const struct token *t, size_t n, struct rsa_fields *r,
			     size_t *used)
{
	static __thread char why[160];
	char name[40];
	size_t i = 1;

	if (t[0].kind != TOK_WORD || t[0].len >= sizeof(name))
		return "expected `Name: value' in the RSA key";
	strcpy(name, t[0].text);
	if (t[0].len > 1 && name[t[0].len - 1] == ':')
		name[t[0].len - 1] = '\0';
	else if (n > 1 && is_word(&t[1], ":"))
		i = 2;
	else
		return "expected `Name: value' in the RSA key";
	int k = 0;
	while (k < 8 && strcasecmp(rsa_field_names[k], name) != 0)
		k++;
	if (k == 8)
		snprintf(why, sizeof(why), "unknown RSA key field `%.32s'", name);
	else if (i >= n || t[i].kind != TOK_WORD)
		snprintf(why, sizeof(why), "RSA key field `%s' has no value", rsa_field_names[k]);
	else if (r->v[k] != NULL)
		snprintf(why, sizeof(why), "RSA key field `%s' given twice", rsa_field_names[k]);
	else if ((r->v[k] = malloc(CRYPTO_RSA_MAX_BITS / 8 + 1)) == NULL)
		return "out of memory";
	else {
		const char *err =
			ttodata(t[i].text, r->v[k], CRYPTO_RSA_MAX_BITS / 8 + 1, &r->len[k]);
		if (err == NULL) {
			*used = i + 1;
			return NULL;
		}
		snprintf(why, sizeof(why), "RSA key field `%s': %s", rsa_field_names[k], err);
	}
	return why;
}

/* RSA { Modulus: ... } up to the matching }. */
static const char *parse_rsa_block(struct sfile *f, const struct token *t, size_t n,
				   struct secret *s, unsigned *line)
{
	static __thread char why[80];
	struct rsa_fields r = {0};
	struct crypto_rsa_parts parts;
	const char *err = NULL;
	size_t i = 0, used = 0;

	for (size_t j = 0; j < n; j++) {
		if (t[j].kind == TOK_WORD && strncasecmp(t[j].text, "CKAIDNSS", 8) == 0) {
			*line = t[j].line;
			return "NSS key references (CKAIDNSS) are not supported: the entry must "
			       "hold the private key itself";
		}
	}
	for (; i < n && t[i].kind != TOK_RBRACE && err == NULL; i += used) {
		*line = t[i].line;
		err = rsa_field(f, t + i, n - i, &r, &used);
	}
	if (err == NULL)
		*line = s->line;
	for (int k = 0; k < 8 && err == NULL; k++) {
		if (r.v[k] == NULL) {
			snprintf(why, sizeof(why), "RSA key is missing field `%s'",
				 rsa_field_names[k]);
			err = why;
		}
	}
	if (err == NULL && i + 1 != n)
		err = i >= n ? "unterminated `{'" : "unexpected text after the RSA key's `}'";
	if (err == NULL) {
#define F(k) CRYPTO_CHUNK(r.v[k], r.len[k])
		parts = (struct crypto_rsa_parts){F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7)};
#undef F
		err = crypto_rsa_privkey_from_parts(&parts, &s->pkey);
	}
	rsa_fields_free(&r);
	ERR_clear_error();
	return err;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1; /* never prompt */
}

/* A PEM private key file, relative to the secrets file's directory. */
static const char *load_pem(struct sfile *f, const char *name, struct secret *s)
{
	static __thread char why[WHACK_PATH_MAX + 120];
	char path[WHACK_PATH_MAX];
	const char *slash = strrchr(f->name, '/');
	char *buf = NULL;
	size_t len = 0;

	if (name[0] == '/' || slash == NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - f->name), f->name, name);
	if (strncasecmp(name, "CKAID", 5) == 0 ||
	    (access(path, F_OK) != 0 && errno == ENOENT && strpbrk(name, "/.") == NULL)) {
		snprintf(why, sizeof(why),
			 "RSA `%.64s': NSS references (certificate nicknames, "
			 "CKAIDs) are not supported: give a PEM private key file",
			 name);
		return why;
	}
	const char *err = slurp(f->errs, path, &buf, &len);
	if (err != NULL)
		return err;
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	if (strstr(buf, "ENCRYPTED") != NULL)
		snprintf(why, sizeof(why), "`%s' is encrypted: passphrases are not supported yet",
			 path);
	else if (bio == NULL ||
		 (s->pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL)
		snprintf(why, sizeof(why), "`%s' holds no PEM private key", path);
	else if (!EVP_PKEY_is_a(s->pkey, "RSA"))
		snprintf(why, sizeof(why), "`%s' is not an RSA key", path);
	else
		why[0] = '\0';
	BIO_free(bio);
	wipe_free(buf, len + 1);
	ERR_clear_error();
	return why[0] != '\0' ? why : NULL;
}

/* RSA { ... } | "file" | file */
static const char *parse_rsa(struct sfile *f, const struct token *t, size_t n, struct secret *s,
			     unsigned *line)
{
	if (n == 0)
		return "RSA needs a { } key or the name of a PEM key file";
	if (t[0].kind == TOK_LBRACE)
		return parse_rsa_block(f, t + 1, n - 1, s, line);
	if (is_word(&t[0], "%prompt") ||
	    (n == 2 && (t[1].kind == TOK_QUOTED || is_word(&t[1], "%prompt"))))
		return "passphrases (and %prompt) are not supported yet";
	if (n > 1 || (t[0].kind != TOK_WORD && t[0].kind != TOK_QUOTED))
		return "RSA needs a { } key or the name of a PEM key file";
	const char *err = load_pem(f, t[0].text, s);
	if (err == NULL) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->pkey, NULL);
		if (crypto_rsa_size(s->pkey) * 8 < CRYPTO_RSA_MIN_BITS)
			err = "the RSA key is shorter than 1024 bits";
		else if (ctx == NULL || EVP_PKEY_pairwise_check(ctx) != 1)
			err = "the RSA key in the PEM file is inconsistent";
		EVP_PKEY_CTX_free(ctx);
		ERR_clear_error();
	}
	return err;
}

/* The kinds other implementations have: named when refused. */
static const char *const other_kinds[] = {"XAUTH", "EAP", "ECDSA", "PIN",    "PPKS",
					  "NTLM",  "P12", "BLISS", "PKCS12", "PKCS8"};

/* selectors : KIND secret */
static void parse_entry(struct sfile *f, const struct token *t, size_t n)
{
	size_t colon = 0;
	unsigned line = t[0].line;
	const char *err = NULL;
	struct secret *s = NULL;

	for (size_t i = 0; i < n; i++) {
		if (t[i].kind == TOK_BAD)
			return; /* reported */
	}
	while (colon < n && !is_word(&t[colon], ":"))
		colon++;
	if (colon == n) {
		err = "missing `:' between the selectors and the secret (it needs white space "
		      "on both sides)";
	} else if (colon + 1 == n || t[colon + 1].kind != TOK_WORD) {
		err = "missing the kind of secret (PSK or RSA) after `:'";
	} else {
		const char *kind = t[colon + 1].text;
		bool psk = strcasecmp(kind, "PSK") == 0, rsa = strcasecmp(kind, "RSA") == 0;
		if (!psk && !rsa) {
			bool known = false;
			for (size_t i = 0; i < sizeof(other_kinds) / sizeof(other_kinds[0]); i++)
				known |= strcasecmp(kind, other_kinds[i]) == 0;
			/* an unknown word is not quoted: it may be a PSK written without "PSK" */
			if (known)
				conf_error_add(f->errs, false, f->name, t[colon + 1].line,
					       "secret kind `%s' is not supported (PSK and RSA are)",
					       kind);
			else
				conf_error_add(f->errs, false, f->name, t[colon + 1].line,
					       "unknown secret kind after `:' (PSK or RSA)");
			return;
		}
		s = new_secret(f, psk ? SECRET_PSK : SECRET_RSA, line);
		if (s == NULL || !parse_selectors(f, t, colon, s))
			goto drop;
		const struct token *rest = t + colon + 2;
		size_t nrest = n - colon - 2;
		err = psk ? parse_psk(rest, nrest, s) : parse_rsa(f, rest, nrest, s, &line);
	}
	if (err != NULL) {
		conf_error_add(f->errs, false, f->name, line, "%s", err);
		goto drop;
	}
	*f->set->tail = s;
	f->set->tail = &s->next;
	f->set->n++;
	return;
drop:
	free_secret(s);
}

static void do_include(struct sfile *f, const struct token *t, size_t n)
{
	glob_t g;

	if (n != 2 || t[1].kind == TOK_LBRACE || t[1].kind == TOK_RBRACE ||
	    t[1].line != t[0].line) {
		conf_error_add(f->errs, false, f->name, t[0].line,
			       "include needs one file name or pattern");
		return;
	}
	const char *err = conf_include_expand(f->name, t[1].text, &g);
	if (err != NULL) {
		conf_error_add(f->errs, false, f->name, t[0].line, "%s", err);
		return;
	}
	/*
	 * Once the limit is hit, no more includes: a file that includes itself k times
	 * would otherwise be read some k^9 times (ipsec_conf.c does the same).
	 */
	if (f->set->too_deep) {
		conf_error_add(f->errs, false, f->name, t[0].line,
			       "include `%s' skipped: the include nesting limit was hit",
			       t[1].text);
	} else if (f->depth + 1 >= IPSEC_CONF_MAX_DEPTH) {
		conf_error_add(f->errs, false, f->name, t[0].line,
			       "include `%s': nested more than %d deep (a loop?)", t[1].text,
			       IPSEC_CONF_MAX_DEPTH);
		f->set->too_deep = true;
	} else {
		for (size_t i = 0; i < g.gl_pathc; i++)
			load_file(f->set, f->errs, g.gl_pathv[i], f->depth + 1);
	}
	globfree(&g);
}

/* An entry runs from a token at column 0 to the next one outside { }. */
static void parse_tokens(struct sfile *f)
{
	size_t i = 0;

	while (i < f->ntok) {
		size_t j = i + 1;
		int depth = f->tok[i].kind == TOK_LBRACE;
		for (; j < f->ntok && !(f->tok[j].col0 && depth == 0); j++) {
			depth += f->tok[j].kind == TOK_LBRACE;
			depth -= f->tok[j].kind == TOK_RBRACE && depth > 0;
		}
		if (!f->tok[i].col0)
			conf_error_add(f->errs, false, f->name, f->tok[i].line,
				       "an entry must start at column 0 (only its continuation "
				       "lines are indented)");
		else if (is_word(&f->tok[i], "include"))
			do_include(f, f->tok + i, j - i);
		else
			parse_entry(f, f->tok + i, j - i);
		i = j;
	}
}

static void load_file(struct secrets *set, struct conf_errors *errs, const char *path,
		      unsigned depth)
{
	struct sfile f = {.set = set, .errs = errs, .depth = depth};
	char *buf = NULL;
	size_t len = 0;

	f.name = intern(set, path);
	if (f.name == NULL) {
		conf_error_add(errs, false, path, 0, "out of memory");
		return;
	}
	const char *err = slurp(errs, path, &buf, &len);
	if (err != NULL) {
		conf_error_add(errs, false, NULL, 0, "%s", err);
		return;
	}
	if (!tokenize(&f, buf, len))
		conf_error_add(errs, false, f.name, 0, "out of memory");
	else
		parse_tokens(&f);
	free_tokens(&f);
	wipe_free(buf, len + 1);
}

/* ---- the API --------------------------------------------------------------------------- */

struct secrets *secrets_load(const char *pattern, struct conf_errors *errs)
{
	struct secrets *set = calloc(1, sizeof(*set));
	glob_t g;

	if (set == NULL) {
		conf_error_add(errs, false, NULL, 0, "out of memory loading secrets");
		return NULL;
	}
	set->tail = &set->head;
	int r = glob(pattern, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		conf_error_add(errs, true, NULL, 0, "no secrets file matches `%s'", pattern);
	else if (r != 0)
		conf_error_add(errs, false, NULL, 0, "cannot expand `%s'", pattern);
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++)
		load_file(set, errs, g.gl_pathv[i], 0);
	if (r == 0)
		globfree(&g);
	return set;
}

void secrets_free(struct secrets *set)
{
	if (set == NULL)
		return;
	for (struct secret *s = set->head, *next; s != NULL; s = next) {
		next = s->next;
		free_secret(s);
	}
	for (size_t i = 0; i < set->nfiles; i++)
		free(set->files[i]);
	free(set->files);
	free(set);
}

unsigned secrets_count(const struct secrets *set)
{
	return set != NULL ? set->n : 0;
}

/* How well does selector sel name id: 2 exactly, 1 as %any, 0 not. */
static int sel_quality(const struct ike_id *sel, const struct ike_id *id)
{
	return sel->kind == ID_ANY ? 1 : id_eq(sel, id) ? 2 : 0;
}

/* The best of s's selectors for id. */
static int sel_match(const struct secret *s, const struct ike_id *id)
{
	int best = 0;

	for (unsigned i = 0; i < s->nids; i++) {
		int q = sel_quality(&s->ids[i], id);
		best = q > best ? q : best;
	}
	return best;
}

/* The rule secrets.h gives. */
static int psk_score(const struct secret *s, const struct ike_id *me, const struct ike_id *him)
{
	int best = 0;

	if (s->nids == 0)
		return 1;
	if (s->nids == 1) {
		int m = sel_quality(&s->ids[0], me);
		return m == 0 ? 0 : 2 + m;
	}
	for (unsigned i = 0; i < s->nids; i++) {
		int m = sel_quality(&s->ids[i], me);
		for (unsigned j = 0; j < s->nids && m > 0; j++) {
			int h = j != i ? sel_quality(&s->ids[j], him) : 0;
			if (h > 0 && 2 + m + h > best)
				best = 2 + m + h;
		}
	}
	return best;
}

const struct secret *secrets_find_psk(const struct secrets *set, const struct ike_id *me,
				      const struct ike_id *him)
{
	const struct secret *best = NULL;
	int best_score = 0;

	for (const struct secret *s = set != NULL ? set->head : NULL; s; s = s->next) {
		int score = s->kind == SECRET_PSK ? psk_score(s, me, him) : 0;
		if (score > best_score) {
			best = s;
			best_score = score;
		}
	}
	return best;
}

const struct secret *secrets_find_rsa(const struct secrets *set, const struct ike_id *me)
{
	const struct secret *best = NULL;
	int best_score = 0;

	for (const struct secret *s = set != NULL ? set->head : NULL; s; s = s->next) {
		int m = s->nids == 0 ? 0 : sel_match(s, me);
		int score = s->kind != SECRET_RSA ? 0 : s->nids == 0 ? 1 : m == 0 ? 0 : m + 1;
		if (score > best_score) {
			best = s;
			best_score = score;
		}
	}
	return best;
}

const struct secret *secrets_find_rsa_by_pubkey(const struct secrets *set, const EVP_PKEY *pub)
{
	for (const struct secret *s = set != NULL ? set->head : NULL; s; s = s->next) {
		if (s->kind == SECRET_RSA && EVP_PKEY_eq(s->pkey, pub) == 1)
			return s;
	}
	ERR_clear_error();
	return NULL;
}

void secrets_list(const struct secrets *set, void (*emit)(void *arg, const char *line), void *arg)
{
	char line[1024], keyid[CRYPTO_RSA_KEYID_LEN + 1];

	for (const struct secret *s = set != NULL ? set->head : NULL; s; s = s->next) {
		size_t o;
		if (s->kind == SECRET_PSK)
			o = (size_t)snprintf(line, sizeof(line), "PSK");
		else
			o = (size_t)snprintf(
				line, sizeof(line), "RSA %zu bits %s", crypto_rsa_size(s->pkey) * 8,
				crypto_rsa_keyid(s->pkey, keyid, sizeof(keyid)) == 0 ? keyid : "?");
		for (unsigned i = 0; i < s->nids && o < sizeof(line); i++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s",
					      id_str(&s->ids[i]));
		if (o < sizeof(line))
			snprintf(line + o, sizeof(line) - o, " (%s:%u)", s->file, s->line);
		emit(arg, line);
	}
}
