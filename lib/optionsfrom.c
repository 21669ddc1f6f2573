/* --optionsfrom: read more options from a file. */
#include "optionsfrom.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPTIONSFROM_MAX_WORDS 4096
#define OPTIONSFROM_MAX_SPLICES 64

struct words {
	char **v;
	int n;
};

static const char *add_word(struct words *w, const char *s, size_t len)
{
	if (w->n >= OPTIONSFROM_MAX_WORDS)
		return "too many words";
	char *copy = strndup(s, len);
	char **nv = realloc(w->v, sizeof(char *) * (size_t)(w->n + 1));
	if (copy == NULL || nv == NULL) {
		free(copy);
		return "out of memory";
	}
	w->v = nv;
	w->v[w->n++] = copy;
	return NULL;
}

/* Split one line into words; returns NULL or the reason. */
static const char *split_line(const char *line, struct words *w)
{
	char word[4096];
	const char *p = line;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			return NULL;
		size_t n = 0;
		while (*p != '\0' && !isspace((unsigned char)*p)) {
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p != '\0' && *p != q && n < sizeof(word) - 1)
					word[n++] = *p++;
				if (*p != q)
					return "unterminated quoted string";
				p++;
				continue;
			}
			if (n >= sizeof(word) - 1)
				return "word too long";
			word[n++] = *p++;
		}
		const char *err = add_word(w, word, n);
		if (err != NULL)
			return err;
	}
}

static void free_words(struct words *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

static const char *read_words(const char *file, struct words *w)
{
	static char why[512];
	char line[8192];
	unsigned lineno = 0;
	FILE *f = fopen(file, "r");

	if (f == NULL) {
		snprintf(why, sizeof(why), "--optionsfrom %s: %s", file, strerror(errno));
		return why;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		const char *err = split_line(line, w);
		if (err != NULL) {
			snprintf(why, sizeof(why), "%s:%u: %s", file, lineno, err);
			fclose(f);
			return why;
		}
	}
	fclose(f);
	return NULL;
}

const char *optionsfrom_splice(int *argcp, char ***argvp, int at, const char *file)
{
	/* count splices per command line: a vector we made is the same command line */
	static char **last_made;
	static int splices;
	struct words w = { NULL, 0 };

	if (*argvp != last_made)
		splices = 0;
	if (++splices > OPTIONSFROM_MAX_SPLICES)
		return "--optionsfrom used too often (does a file name itself?)";
	const char *err = read_words(file, &w);
	if (err != NULL) {
		free_words(&w);
		return err;
	}
	int argc = *argcp, nargc = argc - 2 + w.n;
	char **nv = calloc((size_t)nargc + 1, sizeof(char *));
	if (nv == NULL) {
		free_words(&w);
		return "out of memory";
	}
	int j = 0;
	for (int i = 0; i < at; i++)
		nv[j++] = (*argvp)[i];
	for (int i = 0; i < w.n; i++)
		nv[j++] = w.v[i];
	for (int i = at + 2; i < argc; i++)
		nv[j++] = (*argvp)[i];
	nv[j] = NULL;
	free(w.v);
	*argcp = nargc;
	*argvp = nv;
	last_made = nv;
	return NULL;
}
