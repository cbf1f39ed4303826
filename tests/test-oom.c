/*
 * Tests of the OOM killer (models/swap.c: oom_badness, select_bad_process,
 * oom_kill_process) through small traces on the `tiny` profile, with the
 * invariant checker on after every event.
 *
 * The machine: `tiny` (16 frames of 4 KiB, every frame usable:
 * reclaim.watermark_min=0, reclaim.kswapd=false; a 2-level table of 4+4
 * bits, so one leaf table covers 16 pages) with swap.size=0 unless a test
 * gives swap back.  With mmu.pt_frames=false (tiny's) page tables take no
 * frames, but count in pt_pages: the top table from creation, one leaf per
 * 16-page region touched.
 *
 *   badness = rss_anon + rss_file + swap_pages + pt_pages
 *
 * The pick scenario: pid 1 forks A then B (empty address spaces), each maps
 * 64K of anonymous memory in its own leaf table and writes r1, rA, rB pages,
 * r1 + rA + rB = 16: memory is full (free_pages 0).  Then process X writes
 * one more page: no frame, nothing reclaimable (no swap, no file pages), so
 * the OOM killer kills the process of most points, the first created among
 * equals; X gets its frame unless it was the victim itself.
 *
 *   pid 1  0x10000  ██████        r1 pages + leaf + top: r1 + 2 points
 *   A      0x20000  ████████      rA + 2
 *   B      0x30000  ██████        rB + 2
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "traces/error.h"
#include "models/proc.h"
#include "tests/testlib.h"

#define MAX_EVENTS 20000

/* Open @text on `tiny` and run it.  Returns the engine; *ok tells whether
 * the run ended without error (else *err holds it). */
static vm_engine_t *run(const char *text, vt_replay_t *r, gboolean *ok,
			GError **err)
{
	vt_replay_open(r, "tiny", NULL, text);
	*ok = vt_replay_run(r, MAX_EVENTS, err) == 0;
	return r->e;
}

static void check_expects(vm_engine_t *e, const vt_replay_t *r)
{
	(void)e;
	vt_replay_assert_expects(r, VT_ANY);
}

static void done(vm_engine_t *e, vt_replay_t *r)
{
	(void)e;
	vt_replay_free(r);
}

/* ==========================================================================
 * The pick (see the picture at the top).  free = 16 - the pages of the
 * survivors, X's new page included when X survives.
 *
 *  case  A B  r1 rA rB  X  points (1 A B)   victim  free  note
 *   0    2 3  4  7  5   3  6  9  7          2       6     largest
 *   1    2 3  6  5  5   2  8  7  7          1       5     largest is pid 1
 *   2    2 3  6  6  4   3  8  8  6          1       5     tie: first created
 *   3    2 3  4  6  6   1  6  8  8          2       5     tie: first created
 *   4    5 3  4  6  6   1  6  8  8          5       5     pid 5 created before 3
 *   5    2 3  4  4  8   3  6  6  10         3       8     X itself: access ends
 *   6    2 3  8  4  4   1  10 6  6          1       8     X itself (pid 1)
 *   7    2 3  1  1  14  2  3  3  16         3       13    the one not asking
 * ========================================================================== */

typedef struct {
	uint32_t a, b;            /* children, in creation order */
	unsigned r1, ra, rb;
	uint32_t x;               /* the process asking for one more page */
	uint32_t victim;
	uint64_t points, free_after;
} pick_t;

static const pick_t picks[] = {
	{ 2, 3, 4, 7, 5, 3, 2, 9, 6 },
	{ 2, 3, 6, 5, 5, 2, 1, 8, 5 },
	{ 2, 3, 6, 6, 4, 3, 1, 8, 5 },
	{ 2, 3, 4, 6, 6, 1, 2, 8, 5 },
	{ 5, 3, 4, 6, 6, 1, 5, 8, 5 },
	{ 2, 3, 4, 4, 8, 3, 3, 10, 8 },
	{ 2, 3, 8, 4, 4, 1, 1, 10, 8 },
	{ 2, 3, 1, 1, 14, 2, 3, 16, 13 },
};

/* The region of @pid (1, a or b) and its page count. */
static uint64_t base_of(const pick_t *c, uint32_t pid, unsigned *n)
{
	if (pid == 1) {
		*n = c->r1;
		return 0x10000;
	}
	if (pid == c->a) {
		*n = c->ra;
		return 0x20000;
	}
	*n = c->rb;
	return 0x30000;
}

/* The pick trace, with @sets on top and the line of X's write in *xline. */
static char *pick_trace(const pick_t *c, const char *sets, unsigned *xline)
{
	GString *s = g_string_new("vmt 1\n");
	unsigned line = 1;
	g_string_append(s, sets);
	for (const char *q = sets; *q; q++)
		line += *q == '\n';
	g_string_append_printf(s,
		"1 fork %u\n1 fork %u\n"
		"1 mmap 0x10000 64K rw private anon\n"
		"%u mmap 0x20000 64K rw private anon\n"
		"%u mmap 0x30000 64K rw private anon\n"
		"1 seq w 0x10000 %uK\n%u seq w 0x20000 %uK\n%u seq w 0x30000 %uK\n"
		"1 expect free_pages=0 oom_kills=0\n",
		c->a, c->b, c->a, c->b, c->r1 * 4, c->a, c->ra * 4, c->b, c->rb * 4);
	line += 9;
	unsigned n;
	uint64_t base = base_of(c, c->x, &n);
	uint64_t va = base + (uint64_t)n * 4096;
	g_string_append_printf(s, "%u w 0x%" G_GINT64_MODIFIER "x\n", c->x, va);
	*xline = ++line;
	/* a read of the same page: a TLB hit when X lives, skipped when not */
	g_string_append_printf(s, "%u r 0x%" G_GINT64_MODIFIER "x\n", c->x, va);
	return g_string_free(s, FALSE);
}

START_TEST(test_pick)
{
	const pick_t *c = &picks[_i];
	ck_assert_uint_eq(c->r1 + c->ra + c->rb, 16);
	unsigned xline;
	char *text = pick_trace(c, "set swap.size=0\n", &xline);
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(text, &lg, &ok, &err);
	ck_assert_msg(ok, "run: %s", err ? err->message : "?");
	check_expects(e, &lg);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(m->c.oom_kills, 1);
	ck_assert_uint_eq(m->c.pswpout, 0);
	ck_assert_uint_eq(m->last_oom.pid, c->victim);
	ck_assert_uint_eq(m->last_oom.points, c->points);
	ck_assert_uint_eq(m->last_oom.pt, 2);
	ck_assert_uint_eq(m->last_oom.rss + m->last_oom.swap + m->last_oom.pt, c->points);
	ck_assert_uint_eq(vm_machine_free_pages(m), c->free_after);
	uint32_t pids[3] = { 1, c->a, c->b };
	for (unsigned k = 0; k < 3; k++) {
		vm_proc_t *p = vm_proc_lookup(m, pids[k]);
		ck_assert_ptr_nonnull(p);
		unsigned n;
		base_of(c, pids[k], &n);
		if (pids[k] == c->victim) {
			ck_assert_uint_eq(p->state, VM_PROC_KILLED);
			ck_assert_uint_eq(p->killed_by, VM_KILL_OOM);
			ck_assert_uint_eq(p->rss_anon, 0);
			ck_assert_uint_eq(p->pt_pages, 0);
		} else {
			ck_assert_msg(p->state == VM_PROC_RUNNING, "pid %u not running", pids[k]);
			ck_assert_uint_eq(p->killed_by, VM_KILL_NONE);
			ck_assert_uint_eq(p->rss_anon, n + (pids[k] == c->x));
		}
		if (pids[k] == c->x)
			/* its seq, its write, and its read unless it died at the write */
			ck_assert_uint_eq(p->accesses, n + 1 + (c->victim != c->x));
	}
	vm_proc_t *x = vm_proc_lookup(m, c->x);
	if (c->victim != c->x)
		ck_assert_uint_eq(x->last_outcome, VM_OUT_HIT);
	done(e, &lg);
	g_free(text);
}
END_TEST

/* oom.policy=none: the same demand stops the run with VM_ERROR_OOM naming
 * the trace and the line of X's write. */
START_TEST(test_policy_none)
{
	const pick_t *c = &picks[_i];
	unsigned xline;
	char *text = pick_trace(c, "set swap.size=0\nset oom.policy=none\n", &xline);
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(text, &lg, &ok, &err);
	ck_assert(!ok);
	ck_assert_ptr_nonnull(err);
	ck_assert(g_error_matches(err, VM_ERROR, VM_ERROR_OOM));
	char *where = g_strdup_printf("t.vmt:%u:", xline);
	ck_assert_msg(strstr(err->message, where) != NULL, "%s lacks %s", err->message, where);
	g_free(where);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(m->c.oom_kills, 0);
	for (unsigned k = 0; k < m->nr_procs; k++)
		ck_assert_uint_eq(m->procs[k]->state, VM_PROC_RUNNING);
	g_error_free(err);
	done(e, &lg);
	g_free(text);
}
END_TEST

/* With swap (tiny's 64K: 16 slots) the same demand swaps one page out
 * instead: no kill, every process runs, one page in swap, memory still
 * full. */
START_TEST(test_swap_instead)
{
	const pick_t *c = &picks[_i];
	unsigned xline;
	char *text = pick_trace(c, "set swap.size=64K\n", &xline);
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(text, &lg, &ok, &err);
	ck_assert_msg(ok, "run: %s", err ? err->message : "?");
	check_expects(e, &lg);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(m->c.oom_kills, 0);
	ck_assert_uint_eq(m->c.pswpout, 1);
	ck_assert_uint_eq(m->swap_used, 1);
	ck_assert_uint_eq(vm_machine_free_pages(m), 0);
	uint64_t swapped = 0;
	for (unsigned k = 0; k < m->nr_procs; k++) {
		ck_assert_uint_eq(m->procs[k]->state, VM_PROC_RUNNING);
		swapped += m->procs[k]->swap_pages;
	}
	ck_assert_uint_eq(swapped, 1);
	done(e, &lg);
	g_free(text);
}
END_TEST

/* ==========================================================================
 * fork on a nearly full machine: the parent, whose tables fork is walking,
 * is never chosen, even as the largest.  mmu.pt_frames=true: the top table
 * and each leaf take a frame.
 *
 *  case  pid 2 (frames)   pid 1 (frames)    free  fork 3 needs             victim  free after
 *   0    top leaf 2 = 4   top leaf 10 = 12  0     top (OOM), leaf          2       2
 *        points: pid 1 = 10 + 2 = 12, pid 2 = 2 + 2 = 4
 *        Regression: vm_fork_process once spawned the child (allocating
 *        its top table) before setting m->oom_exempt, so the OOM killer
 *        run by that allocation killed the parent, pid 1.
 *   1    top leaf 2 = 4   top leaf 9 = 11   1     top, leaf (OOM)          2       3
 *        pid 2 (4 points) before the child (1 point: its top table)
 *   2    -                top leaf 13 = 15  1     top, leaf (OOM)          3       1
 *        only the child can go: the fork fails, the child is killed
 * ========================================================================== */

typedef struct {
	gboolean other;           /* pid 2 exists with 2 pages */
	unsigned r1;              /* pid 1's pages */
	uint32_t victim;
	uint64_t free_before, free_after;
} forkoom_t;

static const forkoom_t forkooms[] = {
	{ TRUE, 10, 2, 0, 2 },
	{ TRUE, 9, 2, 1, 3 },
	{ FALSE, 13, 3, 1, 1 },
};

START_TEST(test_fork_protects_parent)
{
	const forkoom_t *c = &forkooms[_i];
	GString *s = g_string_new("vmt 1\nset swap.size=0\nset mmu.pt_frames=true\n");
	if (c->other)
		g_string_append(s, "1 fork 2\n2 mmap 0x20000 64K rw private anon\n"
				   "2 seq w 0x20000 8K\n");
	g_string_append_printf(s, "1 mmap 0x10000 64K rw private anon\n"
			       "1 seq w 0x10000 %uK\n"
			       "1 expect free_pages=%" G_GUINT64_FORMAT " oom_kills=0\n"
			       "1 fork 3\n"
			       "1 expect oom_kills=1 free_pages=%" G_GUINT64_FORMAT "\n"
			       "1 expect pid=1 state=running rss_anon=%u\n"
			       "1 expect pid=%u state=killed killed_by=oom\n",
			       c->r1 * 4, c->free_before, c->free_after, c->r1, c->victim);
	char *text = g_string_free(s, FALSE);
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(text, &lg, &ok, &err);
	ck_assert_msg(ok, "run: %s", err ? err->message : "?");
	vm_machine_t *m = vm_engine_machine(e);
	vm_proc_t *parent = vm_proc_lookup(m, 1);
	ck_assert_msg(parent->state == VM_PROC_RUNNING,
		      "regression: the forking parent (pid 1, %" G_GUINT64_FORMAT
		      " points) was killed by the OOM killer (killed_by %u); "
		      "victim should be pid %u", (uint64_t)c->r1 + 2,
		      parent->killed_by, c->victim);
	check_expects(e, &lg);
	ck_assert_uint_eq(vm_engine_expect_passed(e), 4);
	ck_assert_uint_eq(m->c.oom_kills, 1);
	ck_assert_uint_eq(m->last_oom.pid, c->victim);
	ck_assert_uint_eq(m->oom_exempt, 0);
	vm_proc_t *child = vm_proc_lookup(m, 3);
	ck_assert_ptr_nonnull(child);
	if (c->victim == 3) {
		ck_assert_uint_eq(child->state, VM_PROC_KILLED);
	} else {
		ck_assert_uint_eq(child->state, VM_PROC_RUNNING);
		ck_assert_uint_eq(child->rss_anon, c->r1);   /* shared copy-on-write */
		ck_assert_uint_eq(child->pt_pages, 2);
	}
	done(e, &lg);
	g_free(text);
}
END_TEST

/* File pages count in the badness too (rss_file), and clean file pages are
 * reclaimed before anyone is killed:
 *
 *   file f 4 pages; pid 1 maps it shared and reads it all (rss_file 4),
 *   then writes 12 anon pages: 16 frames used.  One more anonymous page:
 *   a clean file page is evicted, nobody is killed.
 */
START_TEST(test_file_pages_reclaimed_first)
{
	const char *text =
		"vmt 1\nset swap.size=0\n"
		"file f size=16K\n"
		"1 open f fd=3\n"
		"1 mmap 0x40000 16K r shared fd=3\n"
		"1 seq r 0x40000 16K\n"
		"1 mmap 0x10000 64K rw private anon\n"
		"1 seq w 0x10000 48K\n"
		"1 expect free_pages=0\n"
		"1 expect pid=1 rss_file=4 rss_anon=12\n"
		"1 w 0x1c000\n"
		"1 expect oom_kills=0 majflt=4\n"
		"1 expect pid=1 state=running rss_anon=13 rss_file=3\n";
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(text, &lg, &ok, &err);
	ck_assert_msg(ok, "run: %s", err ? err->message : "?");
	check_expects(e, &lg);
	ck_assert_uint_eq(vm_engine_expect_passed(e), 4);
	done(e, &lg);
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("pick");
	tcase_add_loop_test(tc, test_pick, 0, G_N_ELEMENTS(picks));
	tcase_add_loop_test(tc, test_policy_none, 0, G_N_ELEMENTS(picks));
	tcase_add_loop_test(tc, test_swap_instead, 0, G_N_ELEMENTS(picks));
	tcase_add_test(tc, test_file_pages_reclaimed_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("fork");
	tcase_add_loop_test(tc, test_fork_protects_parent, 0, G_N_ELEMENTS(forkooms));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(oom_suite());
}
