/*
 * --optionsfrom (lib/optionsfrom.c): "adds the contents of the file to the argument list"
 * at the point where it stands. Words split on white space, # comments, quotes group;
 * errors name the file and line; a file that names itself is refused rather than looping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "optionsfrom.h"

static char path[512];

/* Write text to a fresh temporary file; its name is in path. */
static void write_file(const char *text)
{
	const char *dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";

	snprintf(path, sizeof(path), "%s/optfrom.XXXXXX", dir);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

static int teardown(void **state)
{
	if (path[0] != '\0')
		unlink(path);
	path[0] = '\0';
	return 0;
}

static const char *splice(int *argc, char ***argv)
{
	static char *v[6];

	v[0] = "prog";
	v[1] = "--before";
	v[2] = "--optionsfrom";
	v[3] = path;
	v[4] = "--after";
	v[5] = NULL;
	*argc = 5;
	*argv = v;
	return optionsfrom_splice(argc, argv, 2, path);
}

/* What a splice hands over: a new vector, and the words read from the file at [at, at + n). */
static void free_splice(char **argv, int at, int n)
{
	for (int i = at; i < at + n; i++)
		free(argv[i]);
	free(argv);
}

static void assert_argv(int argc, char **argv, const char *const *want, int n)
{
	assert_int_equal(argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[n]);
}

static void test_words(void **state)
{
	static const char *const want[] = {
		"prog",
		"--before",
		"--nofork",
		"--ikeport",
		"600",
		"--secretsfile",
		"/tmp/with space/secrets",
		"--label",
		"single quoted",
		"--empty",
		"",
		"ab cd",
		"tab\tsep",
		"--after",
	};
	int argc;
	char **argv;

	write_file("# a comment line\n"
		   "--nofork   --ikeport 600   # trailing comment\n"
		   "\t--secretsfile \"/tmp/with space/secrets\" --label 'single quoted'\n"
		   "\n"
		   "   \n"
		   "--empty \"\"\n"
		   "a\"b c\"d 'tab\tsep'\n");
	assert_null(splice(&argc, &argv));
	assert_argv(argc, argv, want, (int)(sizeof(want) / sizeof(want[0])));
	free_splice(argv, 2, argc - 3);
}

static void test_empty_file(void **state)
{
	static const char *const want[] = {"prog", "--before", "--after"};
	int argc;
	char **argv;

	write_file("# nothing but a comment\n\n");
	assert_null(splice(&argc, &argv));
	assert_argv(argc, argv, want, 3);
	free_splice(argv, 2, 0);
}

static void test_no_final_newline(void **state)
{
	static const char *const want[] = {"prog", "--before", "--status", "--after"};
	int argc;
	char **argv;

	write_file("--status");
	assert_null(splice(&argc, &argv));
	assert_argv(argc, argv, want, 4);
	free_splice(argv, 2, 1);
}

static void test_missing_file(void **state)
{
	int argc;
	char **argv;

	strcpy(path, "/nonexistent/options");
	assert_string_equal(splice(&argc, &argv),
			    "--optionsfrom /nonexistent/options: No such file or directory");
	path[0] = '\0';
}

static void test_unterminated_quote(void **state)
{
	char want[600];
	int argc;
	char **argv;

	write_file("--nofork\n--label \"never closed\n--after\n");
	snprintf(want, sizeof(want), "%s:2: unterminated quoted string", path);
	assert_string_equal(splice(&argc, &argv), want);
}

static void test_word_too_long(void **state)
{
	char text[5000], want[600];
	int argc;
	char **argv;

	memset(text, 'w', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	write_file(text);
	snprintf(want, sizeof(want), "%s:1: word too long", path);
	assert_string_equal(splice(&argc, &argv), want);
}

/* A file that names itself: refused with a reason, not an endless splice. */
static void test_self_include_refused(void **state)
{
	char text[600];
	static char *v[4];
	int argc = 3;
	char **argv = v;
	const char *err = NULL;

	write_file("");
	snprintf(text, sizeof(text), "--optionsfrom %s\n", path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	v[0] = "prog";
	v[1] = "--optionsfrom";
	v[2] = path;
	v[3] = NULL;
	for (int round = 0; round < 1000 && err == NULL; round++) {
		char **old = argv;

		err = optionsfrom_splice(&argc, &argv, 1, argv[2]);
		if (err == NULL && round > 0)
			free_splice(old, 1, 2); /* the words of the previous round, replaced */
	}
	if (argv != v)
		free_splice(argv, 1, 2);
	assert_non_null(err);
	assert_string_equal(err, "--optionsfrom used too often (does a file name itself?)");
}

/*
 * The guard counts splices of one command line: after a self-naming file was refused,
 * a later command line in the same process (pluto_options_parse called again, as unit
 * tests do) can still use --optionsfrom, and so can one that splices many small files.
 */
static void test_guard_is_per_command_line(void **state)
{
	static const char *const want[] = {"prog", "--before", "--nofork", "--after"};
	int argc;
	char **argv;

	write_file("--nofork\n");
	for (int i = 0; i < 100; i++) {
		const char *err = splice(&argc, &argv);
		if (err != NULL)
			fail_msg("splice %d refused: %s", i + 1, err);
		assert_argv(argc, argv, want, 4);
		free_splice(argv, 2, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_words, teardown),
		cmocka_unit_test_teardown(test_empty_file, teardown),
		cmocka_unit_test_teardown(test_no_final_newline, teardown),
		cmocka_unit_test_teardown(test_missing_file, teardown),
		cmocka_unit_test_teardown(test_unterminated_quote, teardown),
		cmocka_unit_test_teardown(test_word_too_long, teardown),
		cmocka_unit_test_teardown(test_self_include_refused, teardown),
		cmocka_unit_test_teardown(test_guard_is_per_command_line, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
