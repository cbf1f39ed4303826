/*
 * The terminal UI drawn without a terminal (ui/headless.c): the real key
 * handling (ui/tui.c) and drawing (ui/draw.c) on a curses screen on
 * /dev/null, read back cell by cell, text and attributes.  tests/tui.sh
 * drives the real program in tmux; this is where the screens are compared
 * in bulk, which tmux is far too slow for.
 *
 *   a. back and forth: for every scenario in traces/scenarios, at 80x24
 *      and 120x40, the screen after n...n then b...b is the screen before,
 *      at every step (the first 60 events, and the last 30 of a longer
 *      trace, reached with g);
 *   b. the page-table pane after b onto a note or expect line shows the
 *      access before it, with its TLB and VMA markers; after a crash, none
 *      of the process before the reboot;
 *   c. predict mode does not ask about (or score) an access twice;
 *   d. the status line fits 80 columns with predict mode and breakpoints
 *      on; the breakpoint mark is on the event it stops at only;
 *   e. the TLB says "fully associative"; the Why pane says how to see
 *      what does not fit, and what the time in brackets is when the
 *      process then waits for the disk; the help says how to close it
 *      and fits 80x24;
 *   f. a directory entry shows the frame of the table below, or says the
 *      table is not in memory with mmu.pt_frames=false;
 *   g. r and N stop at the events stepping one by one finds meeting the
 *      breakpoints, with the same view (narration, statistics before and
 *      after, accesses, page-table access), and g lands on the same view,
 *      on a trace of several index chunks: they go quietly over the
 *      chunks whose summary meets no condition (ui/tui.c forward);
 *   h. the trace's lines (ui/lines.c), from a file and from memory, in
 *      order, out of order and backwards, are the text's lines split
 *      by hand: "\r\n", empty lines, a last line without "\n", a line
 *      longer than the pane takes, around every 256th line; a binary
 *      file has none.
 */
#include <config.h>
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "sim/query.h"
#include "sim/tour.h"
#include "ui/tui.h"
#include "tests/testlib.h"

/* curses key codes the tests type (curses.h stays in ui/) */
#define K_ENTER '\n'

static GPtrArray *files;

static vm_tui_t *open_tui(const char *path, const char *memory, char **sets,
			  int rows, int cols)
{
	ck_assert_msg(vm_tui_headless_begin(rows, cols),
		      "cannot set up curses on /dev/null (a character device) with TERM=screen");
	vm_tui_t *t = vm_tui_new();
	GError *err = NULL;
	if (!vm_tui_open(t, path, memory, NULL, sets, FALSE, &err))
		ck_abort_msg("%s: %s", path, err->message);
	t->color = FALSE;
	vm_tui_colors_init(t);
	return t;
}

static void close_tui(vm_tui_t *t)
{
	vm_tui_free(t);
	vm_tui_headless_end();
}

static void key(vm_tui_t *t, int ch)
{
	ck_assert(vm_tui_key(t, ch));
}

/* A key that prompts, with the line typed after it and Enter. */
static void key_line(vm_tui_t *t, int ch, const char *line)
{
	int keys[256], n = 0;
	for (const char *c = line; *c && n < 250; c++)
		keys[n++] = (unsigned char)*c;
	keys[n++] = K_ENTER;
	keys[n] = 0;
	vm_tui_headless_keys(keys);
	key(t, ch);
}

static void go(vm_tui_t *t, uint64_t k)
{
	char buf[32];
	g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, k);
	key_line(t, 'g', buf);
	ck_assert_uint_eq(t->cur, k);
}

/* The first line where two screens differ, for the failure message. */
static char *first_diff(const char *a, const char *b)
{
	char **la = g_strsplit(a, "\n", -1), **lb = g_strsplit(b, "\n", -1);
	char *out = NULL;
	for (int i = 0; la[i] && lb[i]; i++)
		if (strcmp(la[i], lb[i]) != 0) {
			out = g_strdup_printf("row %d:\n  before: %s\n  after:  %s", i, la[i], lb[i]);
			break;
		}
	g_strfreev(la);
	g_strfreev(lb);
	return out ? out : g_strdup("(lengths differ)");
}

static gboolean shows(vm_tui_t *t, const char *text)
{
	char *s = vm_tui_headless_screen(t);
	gboolean yes = strstr(s, text) != NULL;
	g_free(s);
	return yes;
}

static void assert_shows(vm_tui_t *t, const char *text)
{
	char *s = vm_tui_headless_screen(t);
	if (!strstr(s, text))
		ck_abort_msg("the screen does not show '%s':\n%s", text, s);
	g_free(s);
}

static void assert_not_shows(vm_tui_t *t, const char *text)
{
	char *s = vm_tui_headless_screen(t);
	if (strstr(s, text))
		ck_abort_msg("the screen shows '%s':\n%s", text, s);
	g_free(s);
}

/* n from event @from to @to, then b back, comparing each screen. */
static void window(vm_tui_t *t, const char *name, int rows, int cols,
		   uint64_t from, uint64_t to)
{
	ck_assert_uint_eq(t->cur, from);
	GPtrArray *screens = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(screens, vm_tui_headless_screen(t));
	for (uint64_t k = from + 1; k <= to; k++) {
		key(t, 'n');
		ck_assert_uint_eq(t->cur, k);
		g_ptr_array_add(screens, vm_tui_headless_screen(t));
	}
	for (uint64_t k = to; k-- > from;) {
		key(t, 'b');
		ck_assert_uint_eq(t->cur, k);
		char *s = vm_tui_headless_screen(t);
		const char *before = g_ptr_array_index(screens, k - from);
		if (strcmp(s, before) != 0) {
			char *d = first_diff(before, s);
			ck_abort_msg("%s at %dx%d: event %" G_GUINT64_FORMAT " after b differs "
				     "from before n: %s", name, cols, rows, k, d);
		}
		g_free(s);
	}
	g_ptr_array_free(screens, TRUE);
}

/* ---- a. back and forth, every scenario, two sizes ------------------------ */

static const int sizes[][2] = { { 24, 80 }, { 40, 120 } };

START_TEST(test_back_and_forth)
{
	const char *path = g_ptr_array_index(files, _i / 2);
	int rows = sizes[_i % 2][0], cols = sizes[_i % 2][1];
	vm_tui_t *t = open_tui(path, NULL, NULL, rows, cols);
	char *name = g_path_get_basename(path);
	uint64_t first = MIN(t->total, 60);
	window(t, name, rows, cols, 0, first);
	if (t->total > first) {
		uint64_t from = MAX(first, t->total - 30);
		go(t, from);
		window(t, name, rows, cols, from, t->total);
	}
	g_free(name);
	close_tui(t);
}
END_TEST

/* ---- b. the walk after b onto a note -------------------------------------- */

START_TEST(test_walk_after_back)
{
	/* tour: 5 r 0x10000 (zero), 6 expect, 7 note, 8 r 0x10008 (hit) */
	vm_tui_t *t = open_tui("tour.vmt", vm_tour_text, NULL, 24, 80);
	for (int i = 0; i < 8; i++)
		key(t, 'n');
	assert_shows(t, "this access 0x10008");
	key(t, 'b');
	key(t, 'b');
	ck_assert_uint_eq(t->cur, 6);
	assert_not_shows(t, "has made no access yet");
	assert_shows(t, "last access, event 5: 0x10000");
	/* the TLB's and the VMA's markers of that access */
	assert_shows(t, ">   10 zero r-- 1");
	assert_shows(t, ">10000-18000 rw- priv anon");
	/* P to another process and back fetches the access again */
	key(t, 'P');
	key(t, 'P');
	assert_shows(t, "last access, event 5: 0x10000");
	close_tui(t);
}
END_TEST

/* After a crash pid 1 is a new process: the accesses before do not count. */
START_TEST(test_walk_after_crash)
{
	char *path = g_build_filename(SRCDIR, "traces", "scenarios", "msync-crash.vmt", NULL);
	vm_tui_t *t = open_tui(path, NULL, NULL, 24, 80);
	/* events as the engine runs them: the seq that waits for the disk
	 * and resumes is two, so the crash is event 11 */
	go(t, 10);
	assert_shows(t, "last access, event");
	go(t, 12);
	assert_shows(t, "pid 1 has made no access yet");
	go(t, 18);                          /* r 0x10000 after the reboot */
	assert_shows(t, "this access 0x10000");
	g_free(path);
	close_tui(t);
}
END_TEST

/* The page-table pane's process lines give a process's oom_score_adj
 * when it has one (oom-score-adj.vmt: pid 2 sets -500 at event 4 and
 * writes 40 MiB at event 6). */
START_TEST(test_oom_adj_shown)
{
	char *path = g_build_filename(SRCDIR, "traces", "scenarios",
				      "oom-score-adj.vmt", NULL);
	vm_tui_t *t = open_tui(path, NULL, NULL, 60, 120);
	go(t, 6);
	assert_shows(t, "oom_score_adj=-500");
	go(t, 2);
	assert_not_shows(t, "oom_score_adj=");
	g_free(path);
	close_tui(t);
}
END_TEST

/* Huge pages in the TLB pane: the L1 of 2 MiB pages appears once one is
 * mapped, each entry with its first page and frame and "2M"; with several
 * CPUs each CPU's own (smp-thp-flush.vmt: two huge pages at 0x40000000
 * and 0x40200000, frames 512 and 1024; thread 2 reads both on CPU 1). */
START_TEST(test_tlb_huge)
{
	char *path = g_build_filename(SRCDIR, "traces", "scenarios",
				      "smp-thp-flush.vmt", NULL);
	vm_tui_t *t = open_tui(path, NULL, NULL, 30, 100);
	go(t, 2);                          /* before any huge page */
	assert_not_shows(t, "L1 2M");
	go(t, 7);                          /* 2 r 0x40200000 on CPU 1 */
	assert_shows(t, "L1 2M 2/32 used");
	/* thread 2's access, marked though the entry is mm 1's */
	assert_shows(t, ">40200 1024 rw- 1 2M");
	assert_shows(t, " 40000  512 rw- 1 2M");
	go(t, 9);                          /* mprotect: CPU 1's entry of 0x40000000 gone */
	assert_not_shows(t, " 40000  512 rw- 1 2M");
	g_free(path);
	close_tui(t);
}
END_TEST

/* ---- c. predict mode -------------------------------------------------------- */

START_TEST(test_predict_once)
{
	vm_tui_t *t = open_tui("tour.vmt", vm_tour_text, NULL, 24, 80);
	key(t, 'p');
	for (int i = 0; i < 4; i++)
		key(t, 'n');
	ck_assert_uint_eq(t->cur, 4);
	key(t, 'n');                   /* 5 r 0x10000: asks */
	ck_assert(t->guessing);
	ck_assert_uint_eq(t->cur, 4);
	key(t, 'z');
	ck_assert_uint_eq(t->cur, 5);
	ck_assert_uint_eq(t->asked, 1);
	ck_assert_uint_eq(t->right, 1);
	assert_shows(t, "[predict 1/1]");
	key(t, 'b');
	key(t, 'n');                   /* the same access: shown, not asked */
	ck_assert(!t->guessing);
	ck_assert_uint_eq(t->cur, 5);
	ck_assert_uint_eq(t->asked, 1);
	assert_shows(t, "guessed before: you said zero, it was zero");
	assert_shows(t, "[predict 1/1]");
	/* the next access is asked as before */
	key(t, 'n');
	key(t, 'n');
	key(t, 'n');                   /* 8 r 0x10008 */
	ck_assert(t->guessing);
	key(t, 'w');
	ck_assert_uint_eq(t->asked, 2);
	ck_assert_uint_eq(t->right, 1);
	close_tui(t);
}
END_TEST

/* ---- d. the status line ---------------------------------------------------------- */

START_TEST(test_status_fits)
{
	/* a long name, a large event number, predict mode and breakpoints */
	char *path = g_build_filename(SRCDIR, "traces", "scenarios",
				      "random-read-vs-mmap.vmt", NULL);
	vm_tui_t *t = open_tui(path, NULL, NULL, 24, 80);
	key(t, 'p');
	key_line(t, 'k', "major minor cow zero sigsegv fork mmap evict expect");
	go(t, 2000);
	GString *s = g_string_new(NULL);
	vm_tui_status(t, 80, s);
	ck_assert_msg(s->len <= 80, "status is %zu columns: '%s'", s->len, s->str);
	ck_assert_msg(strstr(s->str, "2000/2009") && strstr(s->str, "pred") &&
		      strstr(s->str, "[bp: minor +8]"), "status lost a part: '%s'", s->str);
	vm_tui_status(t, 120, s);
	ck_assert_msg(strstr(s->str, "vmscope random-read-vs-mmap.vmt") &&
		      strstr(s->str, "[predict 0/0]"), "status at 120: '%s'", s->str);
	g_string_free(s, TRUE);
	g_free(path);
	close_tui(t);
}
END_TEST

START_TEST(test_break_mark)
{
	vm_tui_t *t = open_tui("tour.vmt", vm_tour_text, NULL, 40, 120);
	key_line(t, 'k', "major");
	key(t, 'r');
	ck_assert_uint_eq(t->cur, 41);     /* r 0x40000: the major fault */
	assert_shows(t, "[stopped: major]");
	assert_shows(t, "[break on: major]");
	key(t, 'n');
	assert_not_shows(t, "stopped");
	assert_shows(t, "[break on: major]");
	key(t, 'b');
	assert_shows(t, "[stopped: major]");
	close_tui(t);
}
END_TEST

/* ---- e. words on the screen --------------------------------------------------- */

START_TEST(test_words)
{
	vm_tui_t *t = open_tui("tour.vmt", vm_tour_text, NULL, 24, 80);
	/* the tour's 4-entry TLB is fully associative */
	assert_shows(t, "L1 0/4 used, lru");
	assert_shows(t, "fully associative");
	/* the major fault: a long narration, then the wait for the disk */
	go(t, 41);
	assert_shows(t, "more below (w, then Down or z)");
	assert_not_shows(t, "is the CPU time of this event");
	key(t, 'w');
	assert_shows(t, "more below (Down, PgDn, z zooms)");
	for (int i = 0; i < 10 && shows(t, " more below ("); i++)
		key(t, vm_tui_headless_keycode("down"));
	assert_not_shows(t, " more below (");
	assert_shows(t, "] is the CPU time of this event; then pid 1 waits for the disk until");
	key(t, 'z');
	assert_shows(t, "readahead");
	key(t, 'z');
	/* the help fits, and says how to close it */
	key(t, '?');
	assert_shows(t, "Any key closes this help");
	assert_shows(t, "4-way: each page has a set of 4 entries");
	key(t, 'x');
	assert_not_shows(t, "Any key closes this help");
	close_tui(t);
}
END_TEST

/* ---- f. directory entries hold frames ---------------------------------------- */

START_TEST(test_pde_frame)
{
	/* the tour's profile (tiny) has mmu.pt_frames=false */
	char *sets[] = { "mmu.pt_frames=true", NULL };
	vm_tui_t *t = open_tui("tour.vmt", vm_tour_text, sets, 24, 80);
	go(t, 5);                           /* r 0x10000: L1[1] -> a new table */
	vm_q_walk_t w;
	ck_assert(vm_query_walk(t->e, 1, 0x10000, &w));
	ck_assert(w.level[0].present);
	uint32_t f = w.level[0].next_frame;
	ck_assert_uint_ne(f, VM_NIL);
	vm_q_frame_t fr;
	ck_assert(vm_query_frame(t->e, f, &fr));
	ck_assert_int_eq(fr.state, VM_QF_PT);
	ck_assert_uint_eq(fr.index, w.level[0].next_table);
	char *want = g_strdup_printf("! L1[0x1] -> frame %u", f);
	assert_shows(t, want);
	g_free(want);
	close_tui(t);

	t = open_tui("tour.vmt", vm_tour_text, NULL, 24, 80);
	go(t, 5);
	ck_assert(vm_query_walk(t->e, 1, 0x10000, &w));
	ck_assert_uint_eq(w.level[0].next_frame, VM_NIL);
	want = g_strdup_printf("! L1[0x1] -> table %u (not in memory)", w.level[0].next_table);
	assert_shows(t, want);
	g_free(want);
	close_tui(t);
}
END_TEST

/* ---- g. runs over the index's chunks --------------------------------------- */

/* A trace of about 9000 events under memory pressure: majors, evictions,
 * a fork and a failed expect far apart, a few chunks each. */
static char *long_trace(void)
{
	GString *s = g_string_new("vmt 1\nset memory=512K\nset swap.size=8M\n"
				  "1 mmap 0x100000 1M rw private anon\n");
	for (unsigned i = 0; i < 9000; i++) {
		unsigned pg = i < 3000 ? i % 64 : (i * 7919u) % 256;
		if (i == 5000)
			g_string_append(s, "1 fork 2\n");
		if (i == 7000)
			g_string_append(s, "1 expect outcome=cow\n");
		g_string_append_printf(s, "%u %c 0x%x\n", i > 5000 && i % 3 == 0 ? 2 : 1,
				       i % 5 ? 'r' : 'w', 0x100000 + pg * 4096);
	}
	return g_string_free(s, FALSE);
}

/* What the view holds at its event; @after: with the statistics after
 * it (at the end, r's last step, which finds nothing more to run, may
 * still move the clock to the disk's last completion: n never takes it). */
static char *view_of_(vm_tui_t *t, gboolean after)
{
	GString *v = g_string_new(NULL);
	g_string_append_printf(v, "cur %" G_GUINT64_FORMAT " step %d walk %d %" G_GUINT64_FORMAT
			       " acc %u+%" G_GUINT64_FORMAT "\n%s\n", t->cur, t->have_step,
			       t->have_walk, t->have_walk ? t->walk.event : 0, t->nr_acc,
			       t->more_acc, t->narr->str);
	for (unsigned i = 0; i < t->after.nr; i++)
		g_string_append_printf(v, "%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " ",
				       i < t->before.nr ? t->before.v[i] : 0,
				       after ? t->after.v[i] : 0);
	return g_string_free(v, FALSE);
}

static char *view_of(vm_tui_t *t)
{
	return view_of_(t, TRUE);
}

static const char *const run_bps[] = {
	"major", "evict", "fork", "expect", "kill minor", "zero", NULL,
};

START_TEST(test_run_chunks)
{
	char *text = long_trace();
	const char *bp = run_bps[_i];
	/* the reference: every event stepped with n, the views meeting the
	 * breakpoints (N: the faults) kept */
	vm_tui_t *a = open_tui("long.vmt", text, NULL, 24, 80);
	ck_assert_uint_gt(a->total, 4 * 1024);
	key_line(a, 'k', bp);
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *faults = g_ptr_array_new_with_free_func(g_free);
	GString *why = g_string_new(NULL);
	GArray *fault_evs = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	static const uint64_t at[] = { 6001, 7777, 8500, 10001 };
	uint64_t walks[G_N_ELEMENTS(at)] = { 0 }, last_acc[3] = { 0 };
	while (a->cur < a->total) {
		key(a, 'n');
		/* the latest access of each process, event by event */
		if (a->step.nr_access && a->step.last.outcome < VM_OUT_NR && a->rec.pid <= 2)
			last_acc[a->rec.pid] = a->cur;
		for (unsigned i = 0; i < G_N_ELEMENTS(at); i++)
			if (a->cur == at[i])   /* the other process's, for P */
				walks[i] = last_acc[a->pid == 1 ? 2 : 1];
		if (a->step.outcomes[VM_OUT_MAJOR] || a->step.outcomes[VM_OUT_MINOR] ||
		    a->step.outcomes[VM_OUT_ZERO] || a->step.outcomes[VM_OUT_COW] ||
		    a->step.outcomes[VM_OUT_SIGSEGV] || a->step.outcomes[VM_OUT_SIGBUS])
			g_array_append_val(fault_evs, a->cur);
		if (vm_tui_bp_check(a, &a->step, FALSE, why))
			g_ptr_array_add(want, view_of(a));
		if (faults->len < 40 && (a->step.outcomes[VM_OUT_MAJOR] ||
		    a->step.outcomes[VM_OUT_MINOR] || a->step.outcomes[VM_OUT_ZERO] ||
		    a->step.outcomes[VM_OUT_COW]))
			g_ptr_array_add(faults, view_of(a));
	}
	char *end = view_of_(a, FALSE);
	/* the page-table pane's access of the other process (P), at events
	 * where both run: the latest at or before the event, from the index's
	 * chunks and a replay within one */
	for (unsigned i = 0; i < G_N_ELEMENTS(at); i++)
		ck_assert_uint_gt(walks[i], 0);
	/* g back to an early event, far forward, and back again */
	go(a, 1500);
	char *at1500 = view_of(a);
	close_tui(a);

	vm_tui_t *b = open_tui("long.vmt", text, NULL, 24, 80);
	key_line(b, 'k', bp);
	for (guint i = 0; i <= want->len; i++) {
		key(b, 'r');
		char *v = view_of_(b, i < want->len);
		const char *w = i < want->len ? g_ptr_array_index(want, i) : end;
		if (strcmp(v, w) != 0)
			ck_abort_msg("break on %s: stop %u of %u: r shows\n%s\nstepping showed\n%s",
				     bp, i, want->len, v, w);
		g_free(v);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(at); i++) {
		go(b, 1);
		go(b, at[i]);
		key(b, 'P');
		ck_assert_uint_eq(b->have_walk ? b->walk.event : 0, walks[i]);
	}
	go(b, 8800);
	go(b, 1500);
	char *v = view_of(b);
	ck_assert_str_eq(v, at1500);
	g_free(v);
	/* B from the end and from between faults: the faults, latest first
	 * (the index keeps the first and last of each chunk; within one, B
	 * replays it) */
	ck_assert_uint_gt(fault_evs->len, 100);
	go(b, b->total);
	/* B takes the latest fault before the event shown: when the last
	 * event is a fault itself, the first B goes to the one before it */
	guint last = fault_evs->len - 1;
	if (g_array_index(fault_evs, uint64_t, last) == b->total)
		last--;
	for (guint i = 0; i < 60; i++) {
		uint64_t f = g_array_index(fault_evs, uint64_t, last - i);
		key(b, 'B');
		ck_assert_uint_eq(b->cur, f);
	}
	for (guint i = 1; i < fault_evs->len; i += fault_evs->len / 7) {
		uint64_t f = g_array_index(fault_evs, uint64_t, i - 1);
		uint64_t g = g_array_index(fault_evs, uint64_t, i);
		if (g > f + 1) {
			go(b, g - 1);
			key(b, 'B');
			ck_assert_uint_eq(b->cur, f);
			v = view_of(b);
			go(b, f + 1);
			go(b, f);
			char *w = view_of(b);
			ck_assert_str_eq(v, w);
			g_free(w);
			g_free(v);
		}
	}
	go(b, g_array_index(fault_evs, uint64_t, 0));
	key(b, 'B');
	ck_assert_uint_eq(b->cur, g_array_index(fault_evs, uint64_t, 0));
	assert_shows(b, "no fault before this event");
	/* N from the start: the faults, in order */
	go(b, 0);
	for (guint i = 0; i < faults->len; i++) {
		key(b, 'N');
		v = view_of(b);
		ck_assert_str_eq(v, g_ptr_array_index(faults, i));
		g_free(v);
	}
	close_tui(b);
	ck_assert_uint_gt(want->len, 0);
	g_ptr_array_free(want, TRUE);
	g_ptr_array_free(faults, TRUE);
	g_array_free(fault_evs, TRUE);
	g_string_free(why, TRUE);
	g_free(end);
	g_free(at1500);
	g_free(text);
}
END_TEST

/* ---- h. the trace's lines ---------------------------------------------------- */

/* Line @n of @text by hand, as the trace pane showed it when it held the
 * text: without its trailing '\r' and '\n', at most VM_LINES_MAX bytes. */
static char *line_by_hand(const char *text, uint64_t n)
{
	const char *p = text;
	if (n == 0)
		return NULL;
	for (uint64_t k = 1; k < n; k++) {
		p = strchr(p, '\n');
		if (!p || !p[1])
			return NULL;
		p++;
	}
	if (!*p)
		return NULL;
	const char *e = strchr(p, '\n');
	size_t len = e ? (size_t)(e - p) : strlen(p);
	while (len && p[len - 1] == '\r')
		len--;
	return g_strndup(p, MIN(len, (size_t)VM_LINES_MAX));
}

static void check_line(vm_lines_t *l, const char *text, uint64_t n)
{
	int len;
	const char *got = vm_lines_get(l, n, &len);
	char *want = line_by_hand(text, n);
	if (!want) {
		ck_assert_msg(got == NULL, "line %" G_GUINT64_FORMAT " past the end", n);
		return;
	}
	ck_assert_msg(got != NULL, "line %" G_GUINT64_FORMAT " missing", n);
	char *g = g_strndup(got, (gsize)len);
	ck_assert_str_eq(g, want);
	g_free(g);
	g_free(want);
}

START_TEST(test_lines)
{
	for (int last_nl = 0; last_nl < 2; last_nl++) {
		GString *s = g_string_new(NULL);
		for (unsigned i = 1; i <= 1000; i++) {
			if (i % 97 == 0)
				g_string_append(s, "\n");                  /* empty */
			else if (i == 300)
				for (int k = 0; k < 5000; k++)           /* long */
					g_string_append_c(s, (char)('a' + k % 26));
			else
				g_string_append_printf(s, "1 r 0x%x", i * 4096);
			if (i % 97 != 0)
				g_string_append(s, i % 3 ? "\n" : "\r\n");
		}
		g_string_append(s, last_nl ? "# the end\n" : "# the end, no newline");
		char *path = NULL;
		int fd = g_file_open_tmp("vmscope-lines-XXXXXX", &path, NULL);
		ck_assert_int_ge(fd, 0);
		ck_assert(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
		close(fd);
		vm_lines_t *ls[2] = { vm_lines_open(path), vm_lines_new_text(s->str) };
		for (int w = 0; w < 2; w++) {
			vm_lines_t *l = ls[w];
			ck_assert_ptr_nonnull(l);
			ck_assert_uint_eq(vm_lines_count(l), 1001);
			for (uint64_t n = 0; n <= 1003; n++)          /* in order */
				check_line(l, s->str, n);
			for (uint64_t n = 1003; n > 0; n--)           /* backwards */
				check_line(l, s->str, n);
			for (uint64_t n = 1; n <= 1001; n += 255)    /* jumps */
				check_line(l, s->str, (n * 7919) % 1001 + 1);
			vm_lines_free(l);
		}
		g_unlink(path);
		g_free(path);
		g_string_free(s, TRUE);
	}
	/* a binary trace, and an empty one */
	char *path = NULL;
	int fd = g_file_open_tmp("vmscope-lines-XXXXXX", &path, NULL);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(g_file_set_contents(path, "vmtb\0\1\2", 7, NULL));
	ck_assert_ptr_null(vm_lines_open(path));
	ck_assert(g_file_set_contents(path, "", 0, NULL));
	vm_lines_t *l = vm_lines_open(path);
	ck_assert_uint_eq(vm_lines_count(l), 0);
	int len;
	ck_assert_ptr_null(vm_lines_get(l, 1, &len));
	vm_lines_free(l);
	g_unlink(path);
	g_free(path);
}
END_TEST

static gint by_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	files = g_ptr_array_new_with_free_func(g_free);
	char *dir = g_build_filename(SRCDIR, "traces", "scenarios", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d) {
		const char *name;
		while ((name = g_dir_read_name(d)))
			if (g_str_has_suffix(name, ".vmt"))
				g_ptr_array_add(files, g_build_filename(dir, name, NULL));
		g_dir_close(d);
	}
	g_free(dir);
	g_ptr_array_sort(files, by_name);

	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("back and forth");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_back_and_forth, 0, (int)files->len * 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("screens");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_walk_after_back);
	tcase_add_test(tc, test_walk_after_crash);
	tcase_add_test(tc, test_predict_once);
	tcase_add_test(tc, test_status_fits);
	tcase_add_test(tc, test_break_mark);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_pde_frame);
	tcase_add_test(tc, test_tlb_huge);
	tcase_add_test(tc, test_oom_adj_shown);
	tcase_add_test(tc, test_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("runs");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_run_chunks, 0, (int)G_N_ELEMENTS(run_bps) - 1);
	suite_add_tcase(s, tc);
	int rc = vt_run_suite(s);
	g_ptr_array_free(files, TRUE);
	return rc;
}
