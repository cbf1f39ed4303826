/*
 * The terminal UI's engine driving and keys (ui/README.md); draw.c draws,
 * cmd-tui.c owns the terminal.
 *
 * The machine is read only through sim/query.h and changed only through
 * vm_engine_step and vm_engine_seek, so the UI shows exactly what `run`
 * and `explain` compute.
 *
 * The screen is a function of the event shown (tui.h): nothing that moving
 * accumulates may reach it.  So when a trace is opened one silent pass
 * over it (a second engine, freed at once) counts its events, notes the
 * events that fault (for N and B) and, per process, the runs of events
 * that accessed memory; the pass also meets any error the replay stops
 * with.  The page-table pane shows the latest access of the process shown
 * at or before the event shown: its event number comes from that index,
 * its details from the callbacks, which remember the latest access of each
 * process they saw; when that is not the one needed (after `b` past it,
 * or `P` to another process), a seek to its event and back fetches it.
 *
 * Moving is cheap per event: the engine's on_step callback only checks the
 * breakpoints and keeps a struct copy of the step; the statistics are
 * snapshotted before each step (a few dozen loads) so that whichever event
 * a run stops at, the screen can say what it changed.  The narration is
 * worded once, for the event shown, after the machine stopped right after
 * it, which is the state vm_narrate_step expects.  A long run redraws a
 * progress line every ~100 ms and stops on any key.
 *
 * Going back replays: vm_engine_seek(k - 1) then one step, so `b` shows
 * exactly the previous state (the replay is deterministic).  The engine is
 * opened with snapshots, so a seek restores the nearest snapshot before
 * the target and replays only from there (docs/snapshots.md).
 */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/narrate.h"
#include "sim/query.h"
#include "traces/vmt.h"
#include "ui/tui.h"

#define CTRL(c) ((c) & 0x1f)
#define REDRAW_US 100000          /* progress redraw period of a long run */

static gboolean is_fault(const vm_step_t *st)
{
	return st->outcomes[VM_OUT_MINOR] || st->outcomes[VM_OUT_MAJOR] ||
	       st->outcomes[VM_OUT_COW] || st->outcomes[VM_OUT_ZERO] ||
	       st->outcomes[VM_OUT_SIGSEGV] || st->outcomes[VM_OUT_SIGBUS];
}

/* Did event @st access memory, so that the page-table pane shows it? */
static gboolean accessed(const vm_step_t *st)
{
	return st->nr_access && st->last.outcome < VM_OUT_NR;
}

/* ---- the index: one silent pass at open ------------------------------------- */

/* The first and last event of one chunk of the index in which a process
 * accessed memory (t->runs holds them by pid, in order): 16 bytes per
 * chunk a process touched, not per run of events, which under memory
 * pressure (kswapd's turns between the process's events) was nearly one
 * per event. */
typedef struct {
	uint64_t first, last;
} span_t;

#define FAULT_OUTCOMES ((1u << VM_OUT_MINOR) | (1u << VM_OUT_MAJOR) | \
			(1u << VM_OUT_COW) | (1u << VM_OUT_ZERO) | \
			(1u << VM_OUT_SIGSEGV) | (1u << VM_OUT_SIGBUS))

/* Add event @ev, @st, to its chunk's summary: what vm_tui_bp_check
 * looks at, as bits. */
static void index_chunk(vm_tui_t *t, uint64_t ev, const vm_step_t *st)
{
	uint64_t c = (ev - 1) >> VM_TUI_CHUNK_SHIFT;
	if (c >= t->chunks->len)
		g_array_set_size(t->chunks, (guint)c + 1);   /* zeroed */
	vm_tui_chunk_t *k = &g_array_index(t->chunks, vm_tui_chunk_t, c);
	const vm_record_t *r = st->rec;
	if (r->kind < 64)
		k->kinds |= (uint64_t)1 << r->kind;
	for (int o = 0; o < VM_OUT_NR; o++)
		if (st->outcomes[o])
			k->outcomes |= 1u << o;
	if (st->oom_kills)
		k->other |= VM_BP_OOM;
	if (st->evicted)
		k->other |= VM_BP_EVICT;
	if (st->killed || st->oom_kills)
		k->other |= VM_BP_KILL;
	if (r->kind == VM_REC_EXPECT && !st->expect_ok)
		k->other |= VM_BP_EXPECT;
	if (r->line > k->max_line)
		k->max_line = r->line;
	if (is_fault(st)) {
		if (!k->first_fault)
			k->first_fault = ev;
		k->last_fault = ev;
	}
}

static void index_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	vm_tui_t *t = ctx;
	uint64_t ev = vm_engine_events(e);
	index_chunk(t, ev, st);
	if (st->rec->kind == VM_REC_CRASH)
		g_array_append_val(t->crashes, ev);
	if (!accessed(st))
		return;
	gpointer key = GUINT_TO_POINTER(st->rec->pid);
	GArray *r = g_hash_table_lookup(t->runs, key);
	if (!r) {
		r = g_array_new(FALSE, FALSE, sizeof(span_t));
		g_hash_table_insert(t->runs, key, r);
	}
	span_t *last = r->len ? &g_array_index(r, span_t, r->len - 1) : NULL;
	if (last && ((last->last - 1) >> VM_TUI_CHUNK_SHIFT) == ((ev - 1) >> VM_TUI_CHUNK_SHIFT)) {
		last->last = ev;   /* the same chunk */
	} else {
		span_t n = { ev, ev };
		g_array_append_val(r, n);
	}
}

/* @j, or 0 when a crash after it and at or before @k rebooted: the pid 1
 * after it is a new process. */
static uint64_t before_crash(const vm_tui_t *t, uint64_t j, uint64_t k)
{
	const uint64_t *c = (const uint64_t *)(void *)t->crashes->data;
	for (guint i = t->crashes->len; i-- > 0;)
		if (c[i] <= k)
			return c[i] > j ? 0 : j;
	return j;
}

/* The latest event at or before @k in which process @pid accessed memory,
 * as far as the index tells: 0 when none.  When the chunk of the latest
 * access has accesses of @pid both at or before @k and after it, the index
 * cannot tell which is the one: 0, and *@from the first of them, from
 * which a replay to @k finds it. */
static uint64_t last_access_event(const vm_tui_t *t, uint32_t pid, uint64_t k,
				  uint64_t *from)
{
	*from = 0;
	GArray *r = g_hash_table_lookup(t->runs, GUINT_TO_POINTER(pid));
	if (!r || !r->len)
		return 0;
	const span_t *v = (const span_t *)(void *)r->data;
	guint lo = 0, hi = r->len;   /* the first span starting after k */
	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		if (v[mid].first <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	if (v[lo - 1].last > k) {
		*from = v[lo - 1].first;
		return 0;
	}
	return before_crash(t, v[lo - 1].last, k);
}

/* ---- the engine's callbacks: cheap, every event ---------------------------- */

static void on_access(void *ctx, vm_engine_t *e, const vm_record_t *rec,
		      uint64_t vaddr, vm_acc_t acc, const vm_result_t *res)
{
	vm_tui_t *t = ctx;
	(void)e;
	(void)rec;
	if (t->pend_nr < VM_TUI_MAX_ACC)
		t->pend_acc[t->pend_nr++] = (vm_tui_acc_t){ vaddr, acc, *res };
	else
		t->pend_more++;
}

gboolean vm_tui_bp_check(const vm_tui_t *t, const vm_step_t *st,
			 gboolean conditions, GString *why)
{
	const vm_record_t *r = st->rec;
	g_string_truncate(why, 0);
	if (conditions && t->stop_line && r->line >= t->stop_line) {
		g_string_printf(why, "found at line %" G_GUINT64_FORMAT, r->line);
		return TRUE;
	}
	if (conditions && t->stop_fault && is_fault(st)) {
		g_string_assign(why, "next fault");
		return TRUE;
	}
	if (conditions && (t->stop_fault || t->stop_line))
		return FALSE;   /* N and search go past the breakpoints */
	if (t->bp_outcomes)
		for (int o = 0; o < VM_OUT_NR; o++)
			if ((t->bp_outcomes & (1u << o)) && st->outcomes[o]) {
				g_string_printf(why, "breakpoint: %s",
						vm_result_outcome_name((vm_outcome_t)o));
				return TRUE;
			}
	if (t->bp_kinds && (t->bp_kinds & ((uint64_t)1 << r->kind))) {
		g_string_printf(why, "breakpoint: %s", vm_record_op_name(r));
		return TRUE;
	}
	if (!t->bp_other)
		return FALSE;
	if ((t->bp_other & VM_BP_OOM) && st->oom_kills)
		g_string_assign(why, "breakpoint: oom kill");
	else if ((t->bp_other & VM_BP_EVICT) && st->evicted)
		g_string_assign(why, "breakpoint: eviction");
	else if ((t->bp_other & VM_BP_KILL) && (st->killed || st->oom_kills))
		g_string_assign(why, "breakpoint: a process was killed");
	else if ((t->bp_other & VM_BP_EXPECT) && r->kind == VM_REC_EXPECT &&
		 !st->expect_ok)
		g_string_assign(why, "breakpoint: expect failed");
	return why->len > 0;
}

/* Remember the latest access of the event's process, and the stretch of
 * events seen one after the other. */
static void note_last(vm_tui_t *t, vm_engine_t *e, const vm_step_t *st)
{
	uint64_t ev = vm_engine_events(e);
	if (t->seen_hi && ev == t->seen_hi + 1)
		t->seen_hi = ev;
	else
		t->seen_lo = t->seen_hi = ev;
	if (!accessed(st))
		return;
	/* the same process as last time, nearly always: no hash lookup (the
	 * table's values live until the TUI is freed) */
	vm_tui_last_t *l = t->last_hit;
	if (!l || l->pid != st->rec->pid) {
		gpointer key = GUINT_TO_POINTER(st->rec->pid);
		l = g_hash_table_lookup(t->lasts, key);
		if (!l) {
			l = g_new(vm_tui_last_t, 1);
			g_hash_table_insert(t->lasts, key, l);
		}
	}
	*l = (vm_tui_last_t){ vm_engine_events(e), st->rec->pid, st->last_vaddr,
			      st->last };
	t->last_hit = l;
}

static void on_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	vm_tui_t *t = ctx;
	note_last(t, e, st);
	if (t->fetching) {
		t->pend_nr = 0;
		t->pend_more = 0;
		return;
	}
	/* the light copy: a struct copy, and for the rare record with
	 * strings (notes, names, expect) a few small allocations */
	vm_record_clear(&t->cap_rec);
	vm_record_copy(&t->cap_rec, st->rec);
	t->cap_step = *st;
	t->cap_step.rec = &t->cap_rec;
	t->cap_step.expect_msg = NULL;   /* the engine's buffer: copied */
	if (st->expect_msg)
		g_string_assign(t->cap_expect, st->expect_msg);
	else
		g_string_truncate(t->cap_expect, 0);
	t->cap_valid = TRUE;
	vm_tui_acc_t *tmp = t->cap_acc;
	t->cap_acc = t->pend_acc;
	t->pend_acc = tmp;
	t->cap_nr = t->pend_nr;
	t->cap_more = t->pend_more;
	t->pend_nr = 0;
	t->pend_more = 0;
	if (t->watching && vm_tui_bp_check(t, st, TRUE, t->stop_why))
		t->stopped = TRUE;
}

/* ---- moving ---------------------------------------------------------------- */

static void set_error(vm_tui_t *t, GError *err)
{
	/* the index pass met it already, at the same event: keep its words */
	if (!t->error) {
		t->error = g_strdup(err->message);
		t->error_at = vm_engine_events(t->e) + 1;
	}
	g_error_free(err);
}

/*
 * The page-table pane's access: the latest of process t->pid at or before
 * event cur.  The index says which event, or which first event of a chunk
 * a replay to cur (at most VM_TUI_CHUNK events, the callbacks noting each
 * access) finds it from; the callbacks' memory has its details unless a
 * later access of that process was seen since, and then a seek to the
 * event (the callbacks see it) and back fetches them.
 */
static void resolve_walk(vm_tui_t *t)
{
	t->have_walk = FALSE;
	uint64_t from;
	uint64_t j = last_access_event(t, t->pid, t->cur, &from);
	vm_tui_last_t *l = g_hash_table_lookup(t->lasts, GUINT_TO_POINTER(t->pid));
	if (from && l && l->event <= t->cur && t->seen_lo <= l->event + 1 &&
	    t->seen_hi >= t->cur) {
		/* the callbacks saw every event since that access, up to the
		 * one shown: it is the latest */
		j = before_crash(t, l->event, t->cur);
	} else if (from) {
		GError *err = NULL;
		gboolean ok = TRUE;
		t->fetching = TRUE;
		if (!vm_engine_seek(t->e, from - 1, &err))
			ok = FALSE;
		while (ok && vm_engine_events(t->e) < t->cur)
			ok = vm_engine_step(t->e, &err) > 0;
		t->fetching = FALSE;
		if (!ok) {
			if (err)
				set_error(t, err);
			return;
		}
		l = g_hash_table_lookup(t->lasts, GUINT_TO_POINTER(t->pid));
		j = l && l->event >= from && l->event <= t->cur
		    ? before_crash(t, l->event, t->cur) : 0;
	}
	if (!j)
		return;
	if (!l || l->event != j) {
		GError *err = NULL;
		t->fetching = TRUE;
		gboolean ok = vm_engine_seek(t->e, j, &err) &&
			      vm_engine_seek(t->e, t->cur, &err);
		t->fetching = FALSE;
		if (!ok) {
			set_error(t, err);
			return;
		}
		l = g_hash_table_lookup(t->lasts, GUINT_TO_POINTER(t->pid));
	}
	if (l && l->event == j) {
		t->have_walk = TRUE;
		t->walk = *l;
	}
}

/* Make the light capture the view: the engine stands right after it. */
static void commit_view(vm_tui_t *t)
{
	vm_record_clear(&t->rec);
	t->have_step = t->cap_valid && t->cur > 0;
	g_string_truncate(t->narr, 0);
	for (int i = 0; i < VM_PANE_NR; i++)
		t->scroll[i] = 0;
	if (!t->have_step) {
		vm_query_stats_take(t->e, &t->before);
		vm_query_stats_take(t->e, &t->after);
		t->nr_acc = 0;
		t->more_acc = 0;
		t->pid = 1;
		resolve_walk(t);
		return;
	}
	vm_record_copy(&t->rec, &t->cap_rec);
	t->step = t->cap_step;
	t->step.rec = &t->rec;
	g_string_assign(t->expect_msg, t->cap_expect->str);
	if (t->expect_msg->len)
		t->step.expect_msg = t->expect_msg->str;
	vm_narrate_step(t->narr, t->e, &t->step);
	/* as many as were taken: a cgroup made later adds statistics */
	t->before.nr = t->cap_before.nr;
	memcpy(t->before.v, t->cap_before.v, t->before.nr * sizeof(uint64_t));
	vm_query_stats_take(t->e, &t->after);
	memcpy(t->acc, t->cap_acc, t->cap_nr * sizeof *t->acc);
	t->nr_acc = t->cap_nr;
	t->more_acc = t->cap_more;
	t->pid = t->rec.pid ? t->rec.pid : 1;
	resolve_walk(t);
}

/* Could some event of chunk @c stop a run with the conditions watched
 * now?  The same tests as vm_tui_bp_check's, on the chunk's summary. */
static gboolean chunk_may_stop(const vm_tui_t *t, const vm_tui_chunk_t *c)
{
	if (t->stop_line || t->stop_fault)   /* N and search: only these */
		return (t->stop_line && c->max_line >= t->stop_line) ||
		       (t->stop_fault && (c->outcomes & FAULT_OUTCOMES));
	return (t->bp_outcomes & c->outcomes) || (t->bp_kinds & c->kinds) ||
	       (t->bp_other & c->other);
}

/* The first event from @ev on at which a run watching its conditions may
 * stop: the first event of the first chunk that may (@ev itself in its
 * own chunk); past the end when none. */
static uint64_t next_may_stop(const vm_tui_t *t, uint64_t ev)
{
	const vm_tui_chunk_t *c = (const vm_tui_chunk_t *)(void *)t->chunks->data;
	for (uint64_t k = (ev - 1) >> VM_TUI_CHUNK_SHIFT; k < t->chunks->len; k++)
		if (chunk_may_stop(t, &c[k]))
			return MAX(ev, (k << VM_TUI_CHUNK_SHIFT) + 1);
	return UINT64_MAX;
}

/* Events a quiet stretch runs between two looks at the keyboard. */
#define QUIET_SLICE 65536

/*
 * Run quietly (vm_engine_seek: no callbacks but for the last event, no
 * statistics taken) up to event @to, in slices, drawing the progress and
 * stopping on a key when @interruptible.  FALSE at an engine error (which
 * the index pass, having run these events, rules out) or on a key; *@key
 * says which.
 */
static gboolean quiet_to(vm_tui_t *t, uint64_t to, gboolean interruptible,
			 gint64 *last_draw, gboolean *key)
{
	vm_engine_t *e = t->e;
	gboolean was = t->watching;
	gboolean ok = TRUE;
	*key = FALSE;
	/* no event on the way can meet a condition: do not look */
	t->watching = FALSE;
	while (vm_engine_events(e) < to) {
		GError *err = NULL;
		uint64_t n = MIN(to, vm_engine_events(e) + QUIET_SLICE);
		if (!vm_engine_seek(e, n, &err)) {
			set_error(t, err);
			ok = FALSE;
			break;
		}
		if (interruptible) {
			gint64 now = g_get_monotonic_time();
			if (now - *last_draw >= REDRAW_US) {
				*last_draw = now;
				vm_tui_draw_progress(t, vm_engine_events(e));
				int ch = getch();
				if (ch != ERR && ch != KEY_RESIZE) {
					g_string_assign(t->msg, "stopped by a key");
					*key = TRUE;
					ok = FALSE;
					break;
				}
			}
		}
	}
	t->watching = was;
	return ok;
}

/*
 * Step forward until @target events have run, or a watched condition
 * holds, or the end.  Shows the progress of long runs and stops on a key
 * when @interruptible.  Returns FALSE at an engine error.
 *
 * Only the event the run stops at needs the statistics before it and the
 * callbacks' capture: stretches of events that cannot stop it (the
 * chunks of the index whose summary meets no watched condition, and, for
 * a move to @target, every event before it) run quietly, as `run` does
 * with snapshots (docs/speed.md, the fourth round); the rest step one by
 * one with every check, as before.
 */
static gboolean forward(vm_tui_t *t, uint64_t target, gboolean interruptible)
{
	vm_engine_t *e = t->e;
	gint64 last_draw = g_get_monotonic_time();
	uint64_t n = 0;
	uint64_t land = 0;            /* the next event that must step watched */
	gboolean last = FALSE;        /* a key stopped a quiet stretch: one
				       * more event, watched, to show */
	t->stopped = FALSE;
	while (vm_engine_events(e) < target) {
		uint64_t next = vm_engine_events(e) + 1;
		if (!last && t->chunks->len && next <= t->total &&
		    (next > land || ((next - 1) & (VM_TUI_CHUNK - 1)) == 0)) {
			/* where the next watched stretch starts: never past
			 * the last event the index pass ran, so that the
			 * replay's end or error comes in a watched step */
			land = t->watching ? next_may_stop(t, next) : target;
			land = MIN(land, MIN(target, t->total));
			if (land > next) {
				gboolean key;
				if (!quiet_to(t, land - 1, interruptible, &last_draw, &key)) {
					if (!key) {
						t->cur = vm_engine_events(e);
						return FALSE;
					}
					last = TRUE;
				}
				continue;
			}
		}
		vm_query_stats_take(e, &t->scratch);
		GError *err = NULL;
		int r = vm_engine_step(e, &err);
		if (r < 0) {
			set_error(t, err);
			t->cur = vm_engine_events(e);
			return FALSE;
		}
		if (r == 0)
			break;
		/* the statistics before the event now captured */
		vm_q_stats_t sw = t->cap_before;
		t->cap_before = t->scratch;
		t->scratch = sw;
		if (t->stopped || last)
			break;
		if (interruptible && (++n & 1023) == 0) {
			gint64 now = g_get_monotonic_time();
			if (now - last_draw >= REDRAW_US) {
				last_draw = now;
				vm_tui_draw_progress(t, vm_engine_events(e));
				int ch = getch();
				if (ch != ERR && ch != KEY_RESIZE) {
					g_string_assign(t->msg, "stopped by a key");
					break;
				}
			}
		}
	}
	t->cur = vm_engine_events(e);
	return TRUE;
}

/* Show the state after event @k (0: the start). */
static void go_to(vm_tui_t *t, uint64_t k)
{
	vm_engine_t *e = t->e;
	GError *err = NULL;
	if (k > t->total)
		k = t->total;
	if (k == t->cur && (t->have_step || k == 0))
		return;
	uint64_t from = k ? k - 1 : 0;
	if (from < vm_engine_events(e) || k == 0) {
		if (!vm_engine_seek(e, from, &err)) {
			set_error(t, err);
			t->cur = vm_engine_events(e);
			commit_view(t);
			return;
		}
	}
	t->cur = vm_engine_events(e);
	if (k == 0) {
		t->cap_valid = FALSE;
		commit_view(t);
		return;
	}
	gboolean was = t->watching;
	t->watching = FALSE;
	nodelay(stdscr, TRUE);
	forward(t, k, TRUE);
	nodelay(stdscr, FALSE);
	t->watching = was;
	commit_view(t);
}

/* Run on with the breakpoints (and @fault / @line conditions) watched. */
static void run_on(vm_tui_t *t, gboolean fault, uint64_t line)
{
	if (t->error && t->cur + 1 >= t->error_at) {
		g_string_assign(t->msg, "the replay stops here with an error (see Why)");
		return;
	}
	uint64_t start = t->cur;
	t->watching = TRUE;
	t->stop_fault = fault;
	t->stop_line = line;
	nodelay(stdscr, TRUE);
	forward(t, UINT64_MAX, TRUE);
	nodelay(stdscr, FALSE);
	t->watching = FALSE;
	t->stop_fault = FALSE;
	t->stop_line = 0;
	if (t->cur == start) {
		g_string_assign(t->msg, "at the end of the trace");
		return;
	}
	commit_view(t);
	if (t->stopped)
		g_string_printf(t->msg, "%s (event %" G_GUINT64_FORMAT ")",
				t->stop_why->str, t->cur);
	else if (t->error && t->cur + 1 >= t->error_at)
		g_string_assign(t->msg, "the replay stopped with an error (see Why)");
	else if (!t->msg->len)
		g_string_assign(t->msg, "end of the trace");
}

static void step_next(vm_tui_t *t)
{
	if (t->cur >= t->total) {
		g_string_assign(t->msg, t->error
				? "the next event stops the replay with an error (see Why)"
				: "end of the trace (b: back, g: go to an event)");
		return;
	}
	go_to(t, t->cur + 1);
}

static void step_back(vm_tui_t *t)
{
	if (t->cur == 0) {
		g_string_assign(t->msg, "at the start: nothing has run yet");
		return;
	}
	go_to(t, t->cur - 1);
}

/*
 * The latest event before @cur that faulted, 0: none.  The index knows the
 * first and last fault of each chunk: the answer is the last of the latest
 * chunk before @cur that has one, unless @cur's own chunk has one before
 * @cur and one at or after it; then the events of that chunk up to @cur
 * are replayed (at most VM_TUI_CHUNK) to find it, and the engine is put
 * back at @cur.  FALSE at an engine error.
 */
static gboolean fault_before(vm_tui_t *t, uint64_t cur, uint64_t *found)
{
	const vm_tui_chunk_t *c = (const vm_tui_chunk_t *)(void *)t->chunks->data;
	*found = 0;
	if (cur < 2 || !t->chunks->len)
		return TRUE;
	uint64_t k = MIN((cur - 2) >> VM_TUI_CHUNK_SHIFT, (uint64_t)t->chunks->len - 1);
	if (c[k].first_fault && c[k].first_fault < cur && c[k].last_fault >= cur) {
		vm_engine_t *e = t->e;
		GError *err = NULL;
		if (!vm_engine_seek(e, c[k].first_fault - 1, &err)) {
			set_error(t, err);
			return FALSE;
		}
		while (vm_engine_events(e) + 1 < cur) {
			int r = vm_engine_step(e, &err);
			if (r < 0) {
				set_error(t, err);
				return FALSE;
			}
			if (r == 0)
				break;
			if (is_fault(&t->cap_step))   /* on_step's copy */
				*found = vm_engine_events(e);
		}
		/* back where the view is: the screen reads the machine */
		if (!vm_engine_seek(e, t->cur, &err)) {
			set_error(t, err);
			return FALSE;
		}
		return TRUE;
	}
	for (uint64_t j = k + 1; j-- > 0;)
		if (c[j].last_fault && c[j].last_fault < cur) {
			*found = c[j].last_fault;
			break;
		}
	return TRUE;
}

/* B: the latest fault before the event shown. */
static void prev_fault(vm_tui_t *t)
{
	uint64_t f;
	if (!fault_before(t, t->cur, &f)) {
		t->cur = vm_engine_events(t->e);
		commit_view(t);
		return;
	}
	if (!f) {
		g_string_assign(t->msg, "no fault before this event");
		return;
	}
	go_to(t, f);
	g_string_printf(t->msg, "previous fault (event %" G_GUINT64_FORMAT ")", t->cur);
}

/* ---- predict mode -------------------------------------------------------- */

static const struct {
	int key, key2;
	vm_outcome_t o;
} guess_keys[] = {
	{ 'h', '1', VM_OUT_HIT }, { 'w', '2', VM_OUT_WALK },
	{ 'm', '3', VM_OUT_MINOR }, { 'M', '4', VM_OUT_MAJOR },
	{ 'c', '5', VM_OUT_COW }, { 'z', '6', VM_OUT_ZERO },
	{ 's', '7', VM_OUT_SIGSEGV }, { 'S', '8', VM_OUT_SIGBUS },
};

/*
 * n in predict mode: run the next event to learn what it is; when it is a
 * one-page access not guessed before, go back (the screen must not give
 * the answer away) and ask.  Other events, and accesses already guessed
 * (after b), are simply shown.
 */
static void predict_next(vm_tui_t *t)
{
	uint64_t start = t->cur;
	step_next(t);
	if (t->cur != start + 1 || !t->have_step)
		return;
	const vm_step_t *st = &t->step;
	if (st->rec->kind != VM_REC_ACCESS || st->nr_access != 1 || st->skipped ||
	    st->last.outcome >= VM_OUT_NR)
		return;
	gpointer said = g_hash_table_lookup(t->guesses, &t->cur);
	if (said) {
		vm_outcome_t g = (vm_outcome_t)(GPOINTER_TO_UINT(said) - 1);
		g_string_printf(t->msg, "guessed before: you said %s, it was %s  score %"
				G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, vm_result_outcome_name(g),
				vm_result_outcome_name((vm_outcome_t)st->last.outcome),
				t->right, t->asked);
		return;
	}
	t->answer = (vm_outcome_t)st->last.outcome;
	g_string_truncate(t->question, 0);
	vm_vmt_format(st->rec, t->question);
	go_to(t, start);
	if (t->cur != start)
		return;
	t->guessing = TRUE;
}

static void predict_answer(vm_tui_t *t, vm_outcome_t g)
{
	t->guessing = FALSE;
	uint64_t *ev = g_new(uint64_t, 1);
	*ev = t->cur + 1;
	g_hash_table_insert(t->guesses, ev, GUINT_TO_POINTER((unsigned)g + 1));
	t->asked++;
	gboolean ok = g == t->answer;
	t->right += ok;
	go_to(t, t->cur + 1);
	if (ok)
		g_string_printf(t->msg, "you said %s: right!  score %" G_GUINT64_FORMAT
				"/%" G_GUINT64_FORMAT, vm_result_outcome_name(g), t->right, t->asked);
	else
		g_string_printf(t->msg, "you said %s; it was %s (see Why)  score %"
				G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, vm_result_outcome_name(g),
				vm_result_outcome_name(t->answer), t->right, t->asked);
}

/* ---- prompts ----------------------------------------------------------------- */

int vm_tui_getch(vm_tui_t *t)
{
	/*
	 * Blocking, getch returns ERR only when reading the terminal failed:
	 * a signal (retry) or a terminal that is gone.  A hang-up whose
	 * SIGHUP is ignored (nohup) leaves read() returning 0 or EIO at
	 * once, forever: retrying that spun at 100% CPU.
	 */
	for (int tries = 0; tries < 100; tries++) {
		errno = 0;
		int ch = getch();
		if (ch != ERR)
			return ch;
		if (errno != EINTR)
			break;
	}
	t->hangup = TRUE;
	return ERR;
}

/* Read a line on the bottom row; NULL when cancelled (Esc) or hung up. */
static char *prompt(vm_tui_t *t, const char *label)
{
	GString *s = g_string_new(NULL);
	curs_set(1);
	for (;;) {
		vm_tui_draw_prompt(t, label, s->str);
		int ch = vm_tui_getch(t);
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		if (ch == ERR || ch == 27 || ch == CTRL('g') || ch == CTRL('c')) {
			g_string_free(s, TRUE);
			curs_set(0);
			return NULL;
		}
		if (ch == KEY_RESIZE) {
			vm_tui_draw(t);
			continue;
		}
		if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (s->len)
				g_string_truncate(s, s->len - 1);
			continue;
		}
		if (ch >= 32 && ch < 127 && s->len < 200)
			g_string_append_c(s, (char)ch);
	}
	curs_set(0);
	return g_string_free(s, FALSE);
}

static void go_prompt(vm_tui_t *t)
{
	char *s = prompt(t, "go to event (0: the start): ");
	if (!s)
		return;
	char *end;
	g_strstrip(s);
	guint64 k = g_ascii_strtoull(s, &end, 10);
	if (!*s || *end)
		g_string_printf(t->msg, "not an event number: '%s'", s);
	else {
		go_to(t, k);
		if (t->cur < k)
			g_string_printf(t->msg, "the trace has %" G_GUINT64_FORMAT " events%s",
					t->total, t->error ? " before its error" : "");
	}
	g_free(s);
}

/* k: toggle breakpoints by word; "clear" (or nothing) removes them all. */
static void break_prompt(vm_tui_t *t)
{
	char *s = prompt(t, "break on (major cow oom evict fork ...; ? lists): ");
	if (!s)
		return;
	char **words = g_strsplit_set(g_strstrip(s), " ,", -1);
	gboolean any = FALSE;
	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		any = TRUE;
		vm_outcome_t o;
		uint32_t other = strcmp(*w, "oom") == 0 ? VM_BP_OOM :
				 strcmp(*w, "evict") == 0 || strcmp(*w, "eviction") == 0 ? VM_BP_EVICT :
				 strcmp(*w, "kill") == 0 ? VM_BP_KILL :
				 strcmp(*w, "expect") == 0 ? VM_BP_EXPECT : 0;
		int kind = -1;
		for (int k = VM_REC_ACCESS; k < VM_REC_NR; k++)
			if (strcmp(vm_record_kind_name((vm_rec_kind_t)k), *w) == 0)
				kind = k;
		if (strcmp(*w, "clear") == 0) {
			t->bp_outcomes = 0;
			t->bp_kinds = 0;
			t->bp_other = 0;
		} else if (other) {
			t->bp_other ^= other;
		} else if (vm_result_outcome_parse(*w, &o) && o < VM_OUT_NR) {
			t->bp_outcomes ^= 1u << o;
		} else if (strcmp(*w, "fault") == 0) {
			t->bp_outcomes ^= (1u << VM_OUT_MINOR) | (1u << VM_OUT_MAJOR) |
					  (1u << VM_OUT_COW) | (1u << VM_OUT_ZERO) |
					  (1u << VM_OUT_SIGSEGV) | (1u << VM_OUT_SIGBUS);
		} else if (kind >= 0 && kind != VM_REC_ACCESS) {
			t->bp_kinds ^= (uint64_t)1 << kind;
		} else {
			g_string_printf(t->msg, "no breakpoint kind '%s' (? lists them)", *w);
			g_strfreev(words);
			g_free(s);
			return;
		}
	}
	if (!any) {
		t->bp_outcomes = 0;
		t->bp_kinds = 0;
		t->bp_other = 0;
	}
	GString *b = g_string_new(NULL);
	vm_tui_bp_words(t, b);
	g_string_printf(t->msg, "breakpoints: %s (r runs to the next)",
			b->len ? b->str : "none");
	g_string_free(b, TRUE);
	g_strfreev(words);
	g_free(s);
}

/* /: the next trace line containing the text (wrapping), then run to the
 * first event at or after it. */
static void search(vm_tui_t *t, gboolean again)
{
	if (!again) {
		char *s = prompt(t, "search the trace: ");
		if (!s)
			return;
		if (*s)
			g_string_assign(t->search, s);
		g_free(s);
	}
	if (!t->search->len) {
		g_string_assign(t->msg, "nothing to search for");
		return;
	}
	uint64_t nl = vm_lines_count(t->lines);
	if (!nl) {
		g_string_assign(t->msg, "search needs the trace's text");
		return;
	}
	uint64_t from = t->have_step ? t->rec.line : 0;
	char *needle = g_ascii_strdown(t->search->str, -1);
	uint64_t found = 0;
	for (uint64_t k = 1; k <= nl && !found; k++) {
		uint64_t ln = (from + k - 1) % nl + 1;
		int len;
		const char *l = vm_tui_line(t, ln, &len);
		if (!l)
			break;   /* the file can no longer be read */
		char *low = g_ascii_strdown(l, len);
		if (strstr(low, needle))
			found = ln;
		g_free(low);
	}
	g_free(needle);
	if (!found) {
		g_string_printf(t->msg, "'%s' is not in the trace", t->search->str);
		return;
	}
	if (found <= from)
		go_to(t, 0);
	run_on(t, FALSE, found);
	if (!t->stopped)
		g_string_printf(t->msg, "'%s' found at line %" G_GUINT64_FORMAT
				", but no event runs at or after it", t->search->str, found);
}

/* ---- keys -------------------------------------------------------------------- */

static void scroll_pane(vm_tui_t *t, int by)
{
	int *s = &t->scroll[t->focus];
	*s += by;
	if (t->focus != VM_PANE_TRACE && *s < 0)
		*s = 0;
}

static void click(vm_tui_t *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	for (int i = 0; i < VM_PANE_NR; i++) {
		const vm_rect_t *r = &t->rect[i];
		if (ev.y >= r->y && ev.y < r->y + r->h && ev.x >= r->x && ev.x < r->x + r->w) {
			if (ev.bstate & BUTTON4_PRESSED) {
				t->focus = i;
				scroll_pane(t, -3);
			} else if (ev.bstate & BUTTON5_PRESSED) {
				t->focus = i;
				scroll_pane(t, 3);
			} else {
				t->focus = i;
			}
			return;
		}
	}
}

static void next_pid(vm_tui_t *t)
{
	unsigned n = vm_query_nr_procs(t->e);
	vm_q_proc_t p;
	for (unsigned i = 0; i < n; i++) {
		if (!vm_query_proc(t->e, i, &p) || p.pid != t->pid)
			continue;
		if (vm_query_proc(t->e, (i + 1) % n, &p))
			t->pid = p.pid;
		g_string_printf(t->msg, "showing process %u", t->pid);
		resolve_walk(t);
		return;
	}
	if (vm_query_proc(t->e, 0, &p))
		t->pid = p.pid;
	resolve_walk(t);
}

gboolean vm_tui_key(vm_tui_t *t, int ch)
{
	g_string_truncate(t->msg, 0);
	if (t->help) {
		t->help = FALSE;
		return ch != 'q';
	}
	if (t->guessing) {
		for (unsigned i = 0; i < G_N_ELEMENTS(guess_keys); i++)
			if (ch == guess_keys[i].key || ch == guess_keys[i].key2) {
				predict_answer(t, guess_keys[i].o);
				return TRUE;
			}
		if (ch == 27 || ch == 'p') {
			t->guessing = FALSE;
			if (ch == 'p')
				t->predict = FALSE;
			g_string_assign(t->msg, ch == 'p' ? "predict mode off" : "no guess");
			return TRUE;
		}
		if (ch == 'q')
			return FALSE;
		if (ch == '?')
			t->help = TRUE;
		else if (ch != KEY_RESIZE)
			g_string_assign(t->msg, "guess with h w m M c z s S (or 1-8); Esc: skip");
		return TRUE;
	}
	switch (ch) {
	case 'c':
		/* several CPUs: the TLB pane shows the next CPU's TLBs (then
		 * the running CPU's again) */
		if (vm_query_nr_cpus(t->e) > 1) {
			t->tlb_cpu = t->tlb_cpu + 1 >= (int)vm_query_nr_cpus(t->e)
				     ? -1 : t->tlb_cpu + 1;
			t->scroll[VM_PANE_TLB] = 0;
			return TRUE;
		}
		g_string_assign(t->msg, "one CPU: c shows another CPU's TLB when cpus > 1");
		return TRUE;
	case 'q':
		return FALSE;
	case 'n': case ' ': case KEY_RIGHT:
		if (t->predict)
			predict_next(t);
		else
			step_next(t);
		break;
	case 'b': case KEY_LEFT:
		step_back(t);
		break;
	case 'N':
		run_on(t, TRUE, 0);
		break;
	case 'B':
		prev_fault(t);
		break;
	case 'r':
		run_on(t, FALSE, 0);
		break;
	case 'g':
		go_prompt(t);
		break;
	case 'k':
		break_prompt(t);
		break;
	case '/':
		search(t, FALSE);
		break;
	case '?':
		t->help = TRUE;
		break;
	case '\t':
		t->focus = (t->focus + 1) % VM_PANE_NR;
		break;
	case KEY_BTAB:
		t->focus = (t->focus + VM_PANE_NR - 1) % VM_PANE_NR;
		break;
	case 'w':
		t->focus = VM_PANE_WHY;
		break;
	case 'z': case '\n': case '\r': case KEY_ENTER:
		t->zoom = !t->zoom;
		break;
	case 27:
		t->zoom = FALSE;
		break;
	case 'p':
		t->predict = !t->predict;
		g_string_assign(t->msg, t->predict
				? "predict mode: n asks what each access will do"
				: "predict mode off");
		break;
	case 'P':
		next_pid(t);
		break;
	case KEY_UP: scroll_pane(t, -1); break;
	case KEY_DOWN: scroll_pane(t, 1); break;
	case KEY_PPAGE: scroll_pane(t, -10); break;
	case KEY_NPAGE: scroll_pane(t, 10); break;
	case KEY_HOME: t->scroll[t->focus] = 0; break;
	case KEY_MOUSE: click(t); break;
	case CTRL('l'): clearok(curscr, TRUE); break;
	case KEY_RESIZE: break;
	default:
		g_string_assign(t->msg, "unknown key (? shows the keys)");
		break;
	}
	return TRUE;
}

/* ---- set-up -------------------------------------------------------------- */

static void free_array(gpointer a)
{
	g_array_free(a, TRUE);
}

vm_tui_t *vm_tui_new(void)
{
	vm_tui_t *t = g_new0(vm_tui_t, 1);
	t->tlb_cpu = -1;   /* the running CPU's TLBs */
	t->crashes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	t->chunks = g_array_new(FALSE, TRUE, sizeof(vm_tui_chunk_t));
	t->runs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_array);
	t->lasts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	t->guesses = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	t->narr = g_string_new(NULL);
	t->stop_why = g_string_new(NULL);
	t->question = g_string_new(NULL);
	t->msg = g_string_new(NULL);
	t->search = g_string_new(NULL);
	t->cap_expect = g_string_new(NULL);
	t->expect_msg = g_string_new(NULL);
	t->acc = g_new(vm_tui_acc_t, VM_TUI_MAX_ACC);
	t->cap_acc = g_new(vm_tui_acc_t, VM_TUI_MAX_ACC);
	t->pend_acc = g_new(vm_tui_acc_t, VM_TUI_MAX_ACC);
	vm_query_stats_init(&t->before);
	vm_query_stats_init(&t->after);
	vm_query_stats_init(&t->cap_before);
	vm_query_stats_init(&t->scratch);
	t->pid = 1;
	t->mouse = TRUE;
	return t;
}

void vm_tui_free(vm_tui_t *t)
{
	if (!t)
		return;
	if (t->e)
		vm_engine_free(t->e);
	vm_lines_free(t->lines);
	g_free(t->name);
	g_array_free(t->crashes, TRUE);
	g_array_free(t->chunks, TRUE);
	g_hash_table_destroy(t->runs);
	g_hash_table_destroy(t->lasts);
	g_hash_table_destroy(t->guesses);
	g_string_free(t->narr, TRUE);
	g_string_free(t->stop_why, TRUE);
	g_string_free(t->question, TRUE);
	g_string_free(t->msg, TRUE);
	g_string_free(t->search, TRUE);
	g_string_free(t->cap_expect, TRUE);
	g_string_free(t->expect_msg, TRUE);
	g_free(t->acc);
	g_free(t->cap_acc);
	g_free(t->pend_acc);
	vm_record_clear(&t->rec);
	vm_record_clear(&t->cap_rec);
	vm_query_stats_clear(&t->before);
	vm_query_stats_clear(&t->after);
	vm_query_stats_clear(&t->cap_before);
	vm_query_stats_clear(&t->scratch);
	g_free(t->error);
	g_free(t);
}

static vm_engine_t *open_engine(const char *path, const char *memory,
				const vm_config_t *base, char **sets,
				const vm_engine_opts_t *opts, GError **error)
{
	return memory ? vm_engine_open_memory(path, memory, base, sets, opts, error)
		      : vm_engine_open(path, base, sets, opts, error);
}

gboolean vm_tui_open(vm_tui_t *t, const char *path, const char *memory,
		     const vm_config_t *base, char **sets, gboolean check,
		     GError **error)
{
	/* the index: every event once, silently but for index_step (as
	 * fast as `run` with a callback: well under a second for a
	 * million events) */
	vm_engine_opts_t iopts = { .check = check, .on_step = index_step, .ctx = t };
	vm_engine_t *ix = open_engine(path, memory, base, sets, &iopts, error);
	if (!ix)
		return FALSE;
	GError *err = NULL;
	if (!vm_engine_run(ix, &err)) {
		/* the view meets it at the same event and shows it there */
		t->error = g_strdup(err->message);
		t->error_at = vm_engine_events(ix) + 1;
		g_error_free(err);
	}
	t->total = vm_engine_events(ix);
	vm_engine_free(ix);

	vm_engine_opts_t opts = {
		.check = check,
		.on_step = on_step,
		.on_access = on_access,
		.ctx = t,
		/* b, g and search seek: restore a snapshot, replay a little */
		.snapshots = TRUE,
	};
	t->e = open_engine(path, memory, base, sets, &opts, error);
	if (!t->e)
		return FALSE;
	/* an index of its lines, not its text: the TUI's memory follows the
	 * machine, not the trace (ui/lines.c) */
	t->lines = memory ? vm_lines_new_text(memory) : vm_lines_open(path);
	t->name = g_path_get_basename(vm_engine_trace_name(t->e));
	commit_view(t);
	return TRUE;
}
