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
#include "models/oom.h"
#include "models/memcg.h"
#include "tests/testlib.h"

#define MAX_EVENTS 20000

/* Open @text on built-in @profile and run it.  Returns the engine; *ok
 * tells whether the run ended without error (else *err holds it). */
static vm_engine_t *run_on(const char *profile, const char *text,
			   vt_replay_t *r, gboolean *ok, GError **err)
{
	vt_replay_open(r, profile, NULL, text);
	*ok = vt_replay_run(r, MAX_EVENTS, err) == 0;
	return r->e;
}

/* run_on `tiny`. */
static vm_engine_t *run(const char *text, vt_replay_t *r, gboolean *ok,
			GError **err)
{
	return run_on("tiny", text, r, ok, err);
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
 *   2    2 3  6  6  4   3  8  8  6          2       5     tie: last created
 *   3    2 3  4  6  6   1  6  8  8          3       5     tie: last created
 *   4    5 3  4  6  6   1  6  8  8          3       5     pid 3 created after 5
 *
 * Of equals the last created goes: oom_evaluate_task passes over a task
 * only when its points are below the best so far, walking the task list
 * in order of creation.
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
	{ 2, 3, 6, 6, 4, 3, 2, 8, 5 },
	{ 2, 3, 4, 6, 6, 1, 3, 8, 5 },
	{ 5, 3, 4, 6, 6, 1, 3, 8, 5 },
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

/* The lines of @text. */
static unsigned nr_lines(const char *text)
{
	unsigned n = 0;
	for (const char *q = text; *q; q++)
		n += *q == '\n';
	return n;
}

/* The pick trace, with @sets on top, @events after the forks (lines of
 * events, may be ""), and the line of X's write in *xline. */
static char *pick_trace_with(const pick_t *c, const char *sets,
			     const char *events, unsigned *xline)
{
	GString *s = g_string_new("vmt 1\n");
	unsigned line = 1 + nr_lines(sets) + nr_lines(events);
	g_string_append(s, sets);
	g_string_append_printf(s,
		"1 fork %u\n1 fork %u\n%s"
		"1 mmap 0x10000 64K rw private anon\n"
		"%u mmap 0x20000 64K rw private anon\n"
		"%u mmap 0x30000 64K rw private anon\n"
		"1 seq w 0x10000 %uK\n%u seq w 0x20000 %uK\n%u seq w 0x30000 %uK\n"
		"1 expect free_pages=0 oom_kills=0\n",
		c->a, c->b, events, c->a, c->b, c->r1 * 4, c->a, c->ra * 4, c->b,
		c->rb * 4);
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

static char *pick_trace(const pick_t *c, const char *sets, unsigned *xline)
{
	return pick_trace_with(c, sets, "", xline);
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

/* ==========================================================================
 * oom_score_adj (docs/format.md): points = rss + swap + page tables +
 * adj x (totalpages / 1000), totalpages the machine's memory and swap or a
 * cgroup's limit and swap; -1000 never chosen.
 * ========================================================================== */

/* A pick run without swap, with events after the forks: its replay and
 * the trace, which adj_done frees. */
typedef struct {
	vt_replay_t lg;
	char *text;
} adj_run_t;

/* The pick @c with @events (freed here) after the forks, run to its end
 * without error (asserted): the machine. */
static vm_machine_t *adj_run(adj_run_t *a, const pick_t *c, char *events)
{
	unsigned xline;
	a->text = pick_trace_with(c, "set swap.size=0\n", events, &xline);
	g_free(events);
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(a->text, &a->lg, &ok, &err);
	ck_assert_msg(ok, "run: %s", err ? err->message : "?");
	return vm_engine_machine(e);
}

static void adj_done(adj_run_t *a)
{
	done(a->lg.e, &a->lg);
	g_free(a->text);
}

/* The pick's victim at -1000: the next by points goes (of equals the last
 * created), which may be X itself. */
START_TEST(test_adj_unkillable)
{
	const pick_t *c = &picks[_i];
	adj_run_t a;
	vm_machine_t *m = adj_run(&a, c, g_strdup_printf("%u oom_score_adj -1000\n",
							  c->victim));
	/* the others by creation order: 1, then A, then B */
	uint32_t order[3] = { 1, c->a, c->b }, want = 0;
	int64_t best = INT64_MIN;
	for (unsigned k = 0; k < 3; k++) {
		unsigned n;
		base_of(c, order[k], &n);
		if (order[k] != c->victim && (int64_t)n + 2 >= best) {
			best = (int64_t)n + 2;
			want = order[k];
		}
	}
	ck_assert_uint_eq(m->c.oom_kills, 1);
	ck_assert_uint_eq(m->last_oom.pid, want);
	ck_assert_int_eq(m->last_oom.points, best);
	ck_assert_int_eq(m->last_oom.adj_pages, 0);
	ck_assert(m->last_oom.adjusted);
	ck_assert_uint_eq(vm_proc_lookup(m, c->victim)->state, VM_PROC_RUNNING);
	adj_done(&a);
}
END_TEST

/* On tiny (16 pages, totalpages / 1000 = 0) any adjustment but -1000 is
 * worth nothing: the same victim as without, with the same points. */
START_TEST(test_adj_small_machine)
{
	const pick_t *c = &picks[_i];
	adj_run_t a;
	vm_machine_t *m = adj_run(&a, c, g_strdup_printf(
		"%u oom_score_adj -999\n%u oom_score_adj 1000\n",
		c->victim, c->victim == 1 ? c->a : 1));
	ck_assert_uint_eq(m->last_oom.pid, c->victim);
	ck_assert_int_eq(m->last_oom.points, (int64_t)c->points);
	ck_assert_int_eq(m->last_oom.adj, -999);
	ck_assert_int_eq(m->last_oom.adj_pages, 0);
	adj_done(&a);
}
END_TEST

/* Every process at -1000: nobody to kill, the run stops out of memory at
 * X's write, as with oom.policy=none. */
START_TEST(test_adj_none_killable)
{
	const pick_t *c = &picks[0];
	char *ev = g_strdup_printf("1 oom_score_adj -1000\n%u oom_score_adj -1000\n"
				   "%u oom_score_adj -1000\n", c->a, c->b);
	unsigned xline;
	char *text = pick_trace_with(c, "set swap.size=0\n", ev, &xline);
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_engine_t *e = run(text, &lg, &ok, &err);
	ck_assert(!ok);
	ck_assert(g_error_matches(err, VM_ERROR, VM_ERROR_OOM));
	char *where = g_strdup_printf("t.vmt:%u:", xline);
	ck_assert_msg(strstr(err->message, where) != NULL, "%s lacks %s",
		      err->message, where);
	ck_assert_uint_eq(vm_engine_machine(e)->c.oom_kills, 0);
	g_free(where);
	g_error_free(err);
	done(e, &lg);
	g_free(text);
	g_free(ev);
}
END_TEST

/*
 * 1024 pages, no swap (totalpages / 1000 = 1: an adjustment of N is N
 * pages).  Process 2 writes 512 pages (516 points with its 4 page-table
 * pages) and sets ADJ; process 3 then writes 3 MiB, and at the limit has
 * 439 pages and 4 page-table pages: 443 points.  2 goes when 516 + ADJ >=
 * 443 (it was created first: of equals 3 goes), that is ADJ >= -72.
 */
static const struct { int adj; uint32_t victim; } adjs[] = {
	{ -1000, 3 }, { -500, 3 }, { -100, 3 }, { -73, 3 }, { -72, 2 },
	{ -50, 2 }, { 0, 2 }, { 1000, 2 },
};

START_TEST(test_adj_weighs)
{
	char *text = g_strdup_printf(
		"vmt 1\nset memory=4M\nset swap.size=0\n"
		"1 fork 2\n1 fork 3\n"
		"2 mmap 0x10000000 2M rw private anon\n"
		"2 seq w 0x10000000 2M\n"
		"2 oom_score_adj %d\n"
		"3 mmap 0x10000000 3M rw private anon\n"
		"3 seq w 0x10000000 3M\n", adjs[_i].adj);
	vt_replay_t lg;
	GError *err = NULL;
	gboolean ok;
	vm_machine_t *m = vm_engine_machine(run_on("default", text, &lg, &ok, &err));
	ck_assert_msg(ok, "run: %s", err ? err->message : "?");
	ck_assert_uint_eq(m->c.oom_kills, 1);
	ck_assert_uint_eq(m->last_oom.pid, adjs[_i].victim);
	const vm_proc_t *p2 = vm_proc_lookup(m, 2), *p3 = vm_proc_lookup(m, 3);
	if (adjs[_i].victim == 3) {
		ck_assert_int_eq(m->last_oom.points, 443);
		ck_assert_int_eq(m->last_oom.adj_pages, 0);
		ck_assert_uint_eq(p2->state, VM_PROC_RUNNING);
		ck_assert_uint_eq(p2->rss_anon + p2->pt_pages, 516);
	} else {
		ck_assert_int_eq(m->last_oom.points, 516 + adjs[_i].adj);
		ck_assert_int_eq(m->last_oom.adj_pages, adjs[_i].adj);
		ck_assert_int_eq(m->last_oom.adj, adjs[_i].adj);
		/* 3 goes on and writes its 3 MiB */
		ck_assert_uint_eq(p3->state, VM_PROC_RUNNING);
		ck_assert_uint_eq(p3->rss_anon, 768);
	}
	ck_assert(m->last_oom.adjusted == (adjs[_i].adj != 0));
	vt_replay_free(&lg);
	g_free(text);
}
END_TEST

/* A child inherits its parent's setting at fork (copy_signal), and a
 * thread's write sets its process's (one signal_struct): 2, the larger,
 * at -1000 from its parent, then back to 0 through its thread 4, then
 * 3 at -1000 by itself. */
START_TEST(test_adj_inherited)
{
	static const struct { const char *mid; uint32_t victim; } cases[] = {
		{ "", 3 },
		{ "2 clone 4\n4 oom_score_adj 0\n", 2 },
		{ "3 oom_score_adj -1000\n", 0 },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf(
			"vmt 1\nset memory=4M\nset swap.size=0\n"
			"1 oom_score_adj -1000\n"
			"1 fork 2\n1 oom_score_adj 0\n1 fork 3\n"
			"2 mmap 0x10000000 2M rw private anon\n"
			"2 seq w 0x10000000 2M\n%s"
			"3 mmap 0x10000000 3M rw private anon\n"
			"3 seq w 0x10000000 3M\n", cases[i].mid);
		vt_replay_t lg;
		GError *err = NULL;
		gboolean ok;
		vm_machine_t *m = vm_engine_machine(run_on("default", text, &lg,
							   &ok, &err));
		if (cases[i].victim) {
			ck_assert_msg(ok, "case %u: %s", i, err ? err->message : "?");
			ck_assert_uint_eq(m->last_oom.pid, cases[i].victim);
		} else {
			/* 1 has no pages but is killable: it goes, frees
			 * nothing, and then nobody is left */
			ck_assert_msg(!ok, "case %u ran", i);
			ck_assert(g_error_matches(err, VM_ERROR, VM_ERROR_OOM));
			ck_assert_uint_eq(m->last_oom.pid, 1);
			ck_assert_uint_eq(vm_proc_lookup(m, 2)->state, VM_PROC_RUNNING);
			ck_assert_uint_eq(vm_proc_lookup(m, 3)->state, VM_PROC_RUNNING);
			g_clear_error(&err);
		}
		vt_replay_free(&lg);
		g_free(text);
	}
}
END_TEST

/* totalpages: the machine's memory and swap; a cgroup's max and the swap
 * it may use (none when swappiness is 0). */
START_TEST(test_adj_totalpages)
{
	static const struct { const char *sets, *cg; uint64_t machine, in_cg; } cases[] = {
		{ "set memory=4M\nset swap.size=0\n", "max=1M", 1024, 256 },
		{ "set memory=4M\nset swap.size=2M\n", "max=1M", 1536, 256 + 512 },
		{ "set memory=4M\nset swap.size=2M\n", "max=1M swap.max=4K", 1536, 257 },
		{ "set memory=4M\nset swap.size=2M\nset reclaim.swappiness=0\n",
		  "max=1M", 1536, 256 },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf("vmt 1\n%s1 cgroup create c %s\n",
					     cases[i].sets, cases[i].cg);
		vt_replay_t lg;
		GError *err = NULL;
		gboolean ok;
		vm_machine_t *m = vm_engine_machine(run_on("default", text, &lg,
							   &ok, &err));
		ck_assert_msg(ok, "case %u: %s", i, err ? err->message : "?");
		ck_assert_uint_eq(vm_oom_totalpages(m), cases[i].machine);
		m->oom_memcg = vm_memcg_find(m, "c")->id;
		ck_assert_uint_eq(vm_oom_totalpages(m), cases[i].in_cg);
		m->oom_memcg = 0;
		vt_replay_free(&lg);
		g_free(text);
	}
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *ta = tcase_create("oom_score_adj");
	tcase_add_loop_test(ta, test_adj_unkillable, 0, G_N_ELEMENTS(picks));
	tcase_add_loop_test(ta, test_adj_small_machine, 0, G_N_ELEMENTS(picks));
	tcase_add_test(ta, test_adj_none_killable);
	tcase_add_loop_test(ta, test_adj_weighs, 0, G_N_ELEMENTS(adjs));
	tcase_add_test(ta, test_adj_inherited);
	tcase_add_test(ta, test_adj_totalpages);
	suite_add_tcase(s, ta);
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
