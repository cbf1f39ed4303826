/*
 * Golden scenarios: replay every .vmt file in traces/scenarios with the
 * checker on after every event, and require that it runs to the end with
 * every expect line passing (and at least one expect line, so a scenario
 * cannot pass by checking nothing).  One Check test per file, found at run
 * time, so a new scenario is tested by adding the file.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/tour.h"

static GPtrArray *files;

static gint by_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static void fail_msg(void *ctx, const char *msg)
{
	GString *s = ctx;
	g_string_append_printf(s, "%s\n", msg);
}

static void replay(const char *path, const char *text)
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
	ck_assert_msg(vm_engine_expect_passed(e) > 0,
		      "%s has no expect lines", path);
	vm_engine_free(e);
	g_string_free(fails, TRUE);
}

START_TEST(test_scenario)
{
	replay(g_ptr_array_index(files, _i), NULL);
}
END_TEST

START_TEST(test_builtin_tour)
{
	replay("tour.vmt", vm_tour_text);
}
END_TEST

int main(void)
{
	const char *dir = SRCDIR "/traces/scenarios";
	files = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d) {
		const char *n;
		while ((n = g_dir_read_name(d)))
			if (g_str_has_suffix(n, ".vmt"))
				g_ptr_array_add(files, g_build_filename(dir, n, NULL));
		g_dir_close(d);
	}
	g_ptr_array_sort(files, by_name);
	if (files->len == 0) {
		fprintf(stderr, "no scenarios found in %s\n", dir);
		return 1;
	}
	Suite *s = suite_create("scenarios");
	TCase *tc = tcase_create("replay");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_scenario, 0, (int)files->len);
	tcase_add_test(tc, test_builtin_tour);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	g_ptr_array_free(files, TRUE);
	return failed ? 1 : 0;
}
