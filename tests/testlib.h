/*
 * What the Check suites share: a machine built from a profile, an access
 * through the MMU, the engine's event loop, a trace replayed in memory with
 * its failed expect lines collected, a counter of g_critical messages, and
 * main.  One copy here, so that a change of how the engine or the machine
 * is set up is made once for every suite.
 */
#ifndef VM_TESTLIB_H
#define VM_TESTLIB_H

#include <check.h>
#include <glib.h>
#include <stdint.h>

#include "sim/engine.h"
#include "models/machine.h"

/* g_critical messages counted by vt_count_criticals since the test reset
 * it: the APIs report a programmer error that way and change nothing. */
extern unsigned vt_nr_criticals;
void vt_count_criticals(const gchar *domain, GLogLevelFlags level,
			const gchar *message, gpointer data);

/* @text (a .vmt) written to a new temporary file by the trace writer, as
 * .vmtb when @binary, else as .vmt: its path (the caller unlinks and
 * frees it).  Asserts each step works. */
char *vt_trace_file(const char *text, gboolean binary);

/* A machine of built-in @profile with @sets ("key=value", NULL-terminated,
 * may be NULL) applied and validated, as vm_machine_new makes it: no
 * watermarks, no process. */
vm_machine_t *vt_machine_bare(const char *profile, const char *const *sets);

/* Asserts that the invariant checker (models/check.c) finds nothing wrong
 * with @m, naming what it found. */
void vt_check(vm_machine_t *m);

/* A machine of built-in @profile with @sets ("key=value", NULL-terminated,
 * may be NULL) applied and validated, its watermarks set, process 1
 * spawned and running, m->now = @now.  Asserts each step works. */
vm_machine_t *vt_machine(const char *profile, const char *const *sets,
			 uint64_t now);

/* One access of @p to page @vpn through the MMU; the result. */
vm_result_t vt_access(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		      vm_acc_t acc);

/* Run @m's events due up to @t, as the engine does between records, and
 * leave the clock at @t. */
void vt_run_until(vm_machine_t *m, uint64_t t);

/* A trace replayed from memory with the invariant checker on after every
 * event; the messages of the expect lines that failed are collected. */
typedef struct {
	vm_engine_t *e;
	GPtrArray *fails;
} vt_replay_t;

/* Open @text (named "t.vmt") on built-in @profile with @sets applied
 * before the trace's own `set` lines.  Asserts that it opens. */
void vt_replay_open(vt_replay_t *r, const char *profile,
		    const char *const *sets, const char *text);

/* Step to the end, at most @max_steps steps (asserts it ended within
 * them).  Returns 0 at the end, or the step's negative status with *err
 * set when the run stopped on an error. */
int vt_replay_run(vt_replay_t *r, unsigned max_steps, GError **err);

/* The failed expect lines' messages, each on a line of its own after a
 * newline and two spaces ("" when none failed); g_free it. */
char *vt_replay_fails(const vt_replay_t *r);

/* Asserts that no expect line failed (naming those that did) and, unless
 * @nexpect is VT_ANY, that @nexpect passed. */
#define VT_ANY UINT64_MAX

/* The next of Marsaglia's xorshift64 numbers from *@s (never 0): the
 * tests' random traces and orders, the same run after run. */
static inline uint64_t vt_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}
void vt_replay_assert_expects(const vt_replay_t *r, uint64_t nexpect);

/* vt_replay_open, vt_replay_run to the end without error (asserted) and
 * vt_replay_assert_expects(r, VT_ANY): the common case. */
void vt_replay(vt_replay_t *r, const char *profile, const char *const *sets,
	       const char *text, unsigned max_steps);

void vt_replay_free(vt_replay_t *r);

/* vt_replay, then the engine alone, to look into and vm_engine_free. */
vm_engine_t *vt_replay_engine(const char *profile, const char *const *sets,
			      const char *text, unsigned max_steps);

/* Run suite @s (CK_ENV: CK_VERBOSITY chooses how much it prints) and
 * return main's exit status. */
int vt_run_suite(Suite *s);

#endif
