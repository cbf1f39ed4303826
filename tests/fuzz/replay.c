/*
 * The plain build of a fuzz harness (tests/fuzz/README.md): a main() that
 * feeds files to LLVMFuzzerTestOneInput, as libFuzzer replays a corpus, so
 * that `make check` runs the seed corpus and every reproducer through the
 * harness under the normal build, without clang.
 *
 *   fuzz-T [FILE|DIR...]
 *
 * With no arguments, the directories the harness was built with
 * (FUZZ_DIRS: its seeds, tests/fuzz/corpus/T and tests/fuzz/repro/T),
 * relative to $top_srcdir (else SRCDIR).  A directory's files are replayed
 * in name order; the last line is the automake summary "N passed, 0
 * failed".  A finding aborts; the handler names the input first.
 */
#include <config.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "tests/fuzz/fuzz.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME=\"...\" -DFUZZ_DIRS=\"dir:dir\""
#endif

static const char *current;

static void on_crash(int sig)
{
	/* async-signal-safe: write(2) only */
	static const char msg[] = FUZZ_NAME ": the input that failed: ";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0 || !current ||
	    write(STDERR_FILENO, current, strlen(current)) < 0 ||
	    write(STDERR_FILENO, "\n", 1) < 0)
		_exit(128 + sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static unsigned run_file(const char *path)
{
	gchar *data;
	gsize n;
	GError *err = NULL;

	if (!g_file_get_contents(path, &data, &n, &err)) {
		fprintf(stderr, "%s: %s\n", FUZZ_NAME, err->message);
		exit(1);
	}
	current = path;
	if (g_getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s\n", path);
	LLVMFuzzerTestOneInput((const uint8_t *)data, MIN(n, FZ_MAX_INPUT));
	current = NULL;
	g_free(data);
	return 1;
}

static int cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned run_path(const char *path, gboolean optional)
{
	GDir *d;
	GPtrArray *v;
	const char *ent;
	unsigned n = 0;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		if (g_file_test(path, G_FILE_TEST_EXISTS) || !optional)
			return run_file(path);
		return 0;
	}
	d = g_dir_open(path, 0, NULL);
	v = g_ptr_array_new_with_free_func(g_free);
	while (d && (ent = g_dir_read_name(d)) != NULL)
		if (ent[0] != '.' && strcmp(ent, "README.md") != 0)
			g_ptr_array_add(v, g_build_filename(path, ent, NULL));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(v, cmp);
	for (guint i = 0; i < v->len; i++)
		if (g_file_test(v->pdata[i], G_FILE_TEST_IS_REGULAR))
			n += run_file(v->pdata[i]);
	g_ptr_array_free(v, TRUE);
	return n;
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	unsigned n = 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++)
		signal(sigs[i], on_crash);
	fz_init();
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			n += run_path(argv[i], FALSE);
	} else {
		const char *top = g_getenv("top_srcdir");
		char **dirs = g_strsplit(FUZZ_DIRS, ":", -1);

		if (top == NULL || *top == '\0')
			top = SRCDIR;
		for (char **d = dirs; *d; d++) {
			char *p = g_build_filename(top, *d, NULL);
			n += run_path(p, TRUE);
			g_free(p);
		}
		g_strfreev(dirs);
	}
	printf("%s: %u passed, 0 failed\n", FUZZ_NAME, n);
	return n > 0 ? 0 : 1;
}
