/* The Check suites' shared helpers (tests/testlib.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testlib.h"
#include "traces/vmt.h"
#include "traces/writer.h"
#include "sim/config.h"
#include "models/events.h"
#include "models/check.h"
#include "models/mmu.h"
#include "models/proc.h"

char *vt_trace_file(const char *text, gboolean binary)
{
	char *path = NULL;
	int fd = g_file_open_tmp(binary ? "vmscope-test-XXXXXX.vmtb"
					: "vmscope-test-XXXXXX.vmt", &path, NULL);
	ck_assert_int_ge(fd, 0);
	close(fd);
	vm_vmt_reader_t *r = vm_vmt_open_memory("in.vmt", text, strlen(text));
	vm_writer_t *w = vm_writer_open(path, binary, NULL);
	GError *error = NULL;
	vm_record_t rec;

	ck_assert_ptr_nonnull(w);
	/* (if, not ck_assert, in loops: each ck_assert writes to Check's
	 * pipe, a million times here) */
	while (vm_vmt_next(r, &rec, &error))
		if (!vm_writer_put(w, &rec, &error))
			ck_abort_msg("%s", error->message);
	ck_assert_msg(error == NULL, "%s", error ? error->message : "");
	ck_assert(vm_writer_commit(w, &error));
	vm_vmt_close(r);
	return path;
}

unsigned vt_nr_criticals;

void vt_count_criticals(const gchar *domain, GLogLevelFlags level,
			const gchar *message, gpointer data)
{
	(void)domain;
	(void)message;
	(void)data;
	if (level & G_LOG_LEVEL_CRITICAL)
		vt_nr_criticals++;
}

static void apply_sets(vm_config_t *cfg, const char *const *sets)
{
	GError *err = NULL;
	for (; sets && *sets; sets++)
		ck_assert_msg(vm_config_set_assignment(cfg, *sets, &err), "%s: %s",
			      *sets, err ? err->message : "?");
}

static vm_machine_t *machine_of(const char *profile, const char *const *sets,
				vm_config_t *cfg)
{
	GError *err = NULL;
	ck_assert_msg(vm_config_load(cfg, profile, &err), "profile %s: %s",
		      profile, err ? err->message : "?");
	apply_sets(cfg, sets);
	ck_assert_msg(vm_config_validate(cfg, &err), "%s",
		      err ? err->message : "?");
	vm_machine_t *m = vm_machine_new(cfg);
	ck_assert_ptr_nonnull(m);
	return m;
}

vm_machine_t *vt_machine_bare(const char *profile, const char *const *sets)
{
	vm_config_t cfg;
	return machine_of(profile, sets, &cfg);
}

void vt_check(vm_machine_t *m)
{
	char *bad = vm_check_machine(m);
	ck_assert_msg(bad == NULL, "invariant: %s", bad ? bad : "");
}

vm_machine_t *vt_machine(const char *profile, const char *const *sets,
			 uint64_t now)
{
	vm_config_t cfg;
	vm_machine_t *m = machine_of(profile, sets, &cfg);
	vm_config_watermarks(&cfg, &m->wm_min, &m->wm_low, &m->wm_high);
	ck_assert_ptr_nonnull(vm_proc_spawn(m, 1));
	m->cur_asid = 1;
	m->now = now;
	return m;
}

vm_result_t vt_access(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		      vm_acc_t acc)
{
	vm_result_t res;
	memset(&res, 0, sizeof res);
	vm_mmu_access(m, p, vpn << m->page_shift, acc, &res);
	return res;
}

void vt_run_until(vm_machine_t *m, uint64_t t)
{
	const vm_ev_t *top;
	while ((top = vm_events_peek(&m->ev)) && top->time <= t) {
		vm_ev_t ev;
		vm_events_pop(&m->ev, &ev);
		m->now = ev.time;
		vm_machine_event(m, &ev);
	}
	m->now = t;
}

static void on_fail(void *ctx, const char *msg)
{
	vt_replay_t *r = ctx;
	g_ptr_array_add(r->fails, g_strdup(msg));
}

void vt_replay_open(vt_replay_t *r, const char *profile,
		    const char *const *sets, const char *text)
{
	vm_config_t cfg;
	GError *err = NULL;
	ck_assert_msg(vm_config_load(&cfg, profile, &err), "profile %s: %s",
		      profile, err ? err->message : "?");
	apply_sets(&cfg, sets);
	r->fails = g_ptr_array_new_with_free_func(g_free);
	vm_engine_opts_t opts = { .check = TRUE, .on_expect_fail = on_fail,
				  .ctx = r };
	r->e = vm_engine_open_memory("t.vmt", text, &cfg, NULL, &opts, &err);
	ck_assert_msg(r->e != NULL, "open: %s", err ? err->message : "?");
}

int vt_replay_run(vt_replay_t *r, unsigned max_steps, GError **err)
{
	int st = 1;
	unsigned i;
	for (i = 0; i < max_steps && st > 0; i++)
		st = vm_engine_step(r->e, err);
	ck_assert_msg(st <= 0, "the run did not end within %u steps", max_steps);
	return st;
}

char *vt_replay_fails(const vt_replay_t *r)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < r->fails->len; i++)
		g_string_append_printf(s, "\n  %s",
				       (char *)g_ptr_array_index(r->fails, i));
	return g_string_free(s, FALSE);
}

void vt_replay_assert_expects(const vt_replay_t *r, uint64_t nexpect)
{
	char *f = vt_replay_fails(r);
	ck_assert_msg(vm_engine_expect_failed(r->e) == 0, "expect failed:%s", f);
	g_free(f);
	if (nexpect != VT_ANY)
		ck_assert_uint_eq(vm_engine_expect_passed(r->e), nexpect);
}

void vt_replay(vt_replay_t *r, const char *profile, const char *const *sets,
	       const char *text, unsigned max_steps)
{
	GError *err = NULL;
	vt_replay_open(r, profile, sets, text);
	int st = vt_replay_run(r, max_steps, &err);
	ck_assert_msg(st == 0, "run: %s", err ? err->message : "?");
	vt_replay_assert_expects(r, VT_ANY);
}

void vt_replay_free(vt_replay_t *r)
{
	vm_engine_free(r->e);
	g_ptr_array_free(r->fails, TRUE);
	r->e = NULL;
	r->fails = NULL;
}

vm_engine_t *vt_replay_engine(const char *profile, const char *const *sets,
			      const char *text, unsigned max_steps)
{
	vt_replay_t r;
	vt_replay(&r, profile, sets, text, max_steps);
	g_ptr_array_free(r.fails, TRUE);
	return r.e;
}

int vt_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int nr_failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nr_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
