/*
 * Golden scenarios: replay every .vmt file in traces/scenarios with the
 * checker on after every event, and require that it runs to the end with
 * every expect line passing (and at least one expect line, so a scenario
 * cannot pass by checking nothing).  One Check test per file, found at run
 * time, so a new scenario is tested by adding the file.
 *
 * traces/exercises holds each exercise twice: NAME.key.vmt, the answer key,
 * held to the same rule, and NAME.vmt, the student's copy without the
 * expect lines, which must replay cleanly with nothing to check
 * (tests/docs.sh checks that the two are the same trace).
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/tour.h"
#include "tests/testlib.h"

static GPtrArray *files;
static GPtrArray *exercises;

static gint by_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static void fail_msg(void *ctx, const char *msg)
{
	GString *s = ctx;
	g_string_append_printf(s, "%s\n", msg);
}

static void replay_expecting(const char *path, const char *text,
			     gboolean need_expects)
{
	GError *err = NULL;
	GString *fails = g_string_new(NULL);
	vm_engine_opts_t opts = { .check = TRUE, .on_expect_fail = fail_msg,
				  .ctx = fails };
	vm_engine_t *e = text
		? vm_engine_open_memory(path, text, NULL, NULL, &opts, &err)
		: vm_engine_open(path, NULL, NULL, &opts, &err);
	ck_assert_msg(e != NULL, "%s: %s", path, err ? err->message : "?");
	gboolean ok = vm_engine_run(e, &err);
	ck_assert_msg(ok, "%s: %s", path, err ? err->message : "?");
	ck_assert_msg(vm_engine_expect_failed(e) == 0, "%s", fails->str);
	if (need_expects)
		ck_assert_msg(vm_engine_expect_passed(e) > 0,
			      "%s has no expect lines", path);
	else
		ck_assert_msg(vm_engine_expect_passed(e) == 0,
			      "%s is a student copy but has expect lines", path);
	vm_engine_free(e);
	g_string_free(fails, TRUE);
}

static void replay(const char *path, const char *text)
{
	replay_expecting(path, text, TRUE);
}

START_TEST(test_scenario)
{
	replay(g_ptr_array_index(files, _i), NULL);
}
END_TEST

/* Answer keys need expect lines; students' copies must have none. */
START_TEST(test_exercise)
{
	const char *path = g_ptr_array_index(exercises, _i);
	replay_expecting(path, NULL, g_str_has_suffix(path, ".key.vmt"));
}
END_TEST

START_TEST(test_builtin_tour)
{
	replay("tour.vmt", vm_tour_text);
}
END_TEST

/* Every .vmt file in @dir, sorted by name. */
static GPtrArray *list_traces(const char *dir)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d) {
		const char *n;
		while ((n = g_dir_read_name(d)))
			if (g_str_has_suffix(n, ".vmt"))
				g_ptr_array_add(a, g_build_filename(dir, n, NULL));
		g_dir_close(d);
	}
	g_ptr_array_sort(a, by_name);
	return a;
}

int main(void)
{
	const char *dir = SRCDIR "/traces/scenarios";
	const char *exdir = SRCDIR "/traces/exercises";
	files = list_traces(dir);
	exercises = list_traces(exdir);
	if (files->len == 0 || exercises->len == 0) {
		fprintf(stderr, "no scenarios found in %s or %s\n", dir, exdir);
		return 1;
	}
	Suite *s = suite_create("scenarios");
	TCase *tc = tcase_create("replay");
	/* the checker after every event is slow by design (madv-random.vmt
	 * takes most of a minute alone), and `make check -j` shares the CPUs */
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_scenario, 0, (int)files->len);
	tcase_add_loop_test(tc, test_exercise, 0, (int)exercises->len);
	tcase_add_test(tc, test_builtin_tour);
	suite_add_tcase(s, tc);
	int rc = vt_run_suite(s);
	g_ptr_array_free(files, TRUE);
	g_ptr_array_free(exercises, TRUE);
	return rc;
}
