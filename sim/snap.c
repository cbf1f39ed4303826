/*
 * Snapshots, for going back (docs/snapshots.md): a copy of everything a
 * replay changes, taken every so often while the TUI steps, so that
 * vm_engine_seek restores the nearest one before its target and replays
 * only from there.
 */
#include <string.h>
#include "sim/engine-int.h"
#include "models/proc.h"
#include "models/clone.h"

/*
 * A snapshot: everything a replay changes, deep-copied, so that restoring it
 * and running on gives what running on from that point first gave.
 *
 *   events:  0        20k       40k       60k     ...   n-1  n
 *   snaps:   [0]      [1]       [2]       [3]
 *                                          └── restore, replay to n-1
 *                                              quietly, then event n with
 *                                              the callbacks
 *
 * The machine is a vm_clone_save image (a clone without the frames never
 * used); the tasks are copied with their
 * read-ahead FIFOs and in-progress records (a task's process is kept as its
 * index in the machine's process list, since the copy has other pointers);
 * the reader comes back to its place with a vm_vmt_mark.  What never changes
 * after the open (profile, file headers, the oracle's pass over the trace)
 * is not copied; the oracle's progress is.
 */
typedef struct {
	replay_pos_t pos;         /* e->pos there: the state after pos.events */
	uint64_t bytes;           /* about what it holds */
	vm_clone_image_t *m;
	task_t **tasks;           /* copies, p NULL: see proc */
	uint32_t *proc;           /* each task's process: index in m->procs */
	uint32_t *thread;         /* each task's thread: index in m->threads,
				   * VM_NIL: none */
	guint nr_tasks;
	gboolean have_last;
	uint32_t last_pid;
	gboolean crash_pending;
	vm_record_t crash;
	vm_vmt_mark_t mark;
	vm_oracle_state_t *oracle;
} snap_t;

#define SNAP(e, i) ((snap_t *)g_ptr_array_index((e)->snaps, (i)))

static void snap_gap_set(vm_engine_t *e, const snap_t *s);

static void snap_free(gpointer p)
{
	snap_t *s = p;
	vm_clone_image_free(s->m);
	for (guint i = 0; i < s->nr_tasks; i++)
		vm_sched_task_free(s->tasks[i]);
	g_free(s->tasks);
	g_free(s->proc);
	g_free(s->thread);
	if (s->crash_pending)
		vm_record_clear(&s->crash);
	vm_oracle_state_free(s->oracle);
	g_free(s);
}

static snap_t *snap_take(vm_engine_t *e)
{
	snap_t *s = g_new0(snap_t, 1);
	s->pos = e->pos;
	s->m = vm_clone_save(e->m);
	s->bytes = sizeof *s + vm_clone_image_size(s->m);
	/* processes by index: a pid may name several (exit, crash) */
	GHashTable *idx = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (uint32_t i = 0; i < e->m->nr_procs; i++)
		g_hash_table_insert(idx, e->m->procs[i], GUINT_TO_POINTER(i + 1));
	s->nr_tasks = e->tasks->len;
	s->tasks = g_new(task_t *, s->nr_tasks ? s->nr_tasks : 1);
	s->proc = g_new(uint32_t, s->nr_tasks ? s->nr_tasks : 1);
	s->thread = g_new(uint32_t, s->nr_tasks ? s->nr_tasks : 1);
	for (guint i = 0; i < s->nr_tasks; i++) {
		const task_t *t = g_ptr_array_index(e->tasks, i);
		s->tasks[i] = vm_sched_task_copy(t);
		s->proc[i] = t->p ? GPOINTER_TO_UINT(g_hash_table_lookup(idx, t->p)) - 1
				  : VM_NIL;
		s->thread[i] = VM_NIL;
		for (uint32_t k = 0; t->thread && k < e->m->nr_threads; k++)
			if (e->m->threads[k] == t->thread)
				s->thread[i] = k;
		s->bytes += sizeof *t + t->qlen * (sizeof(qrec_t) + 64);
	}
	g_hash_table_destroy(idx);
	s->have_last = e->last_task != NULL;
	s->last_pid = e->last_task ? e->last_task->pid : 0;
	s->crash_pending = e->crash_pending;
	if (e->crash_pending)
		vm_record_copy(&s->crash, &e->crash);
	vm_vmt_mark(e->rd, &s->mark);
	if (e->oracle) {
		s->oracle = vm_oracle_save(e->oracle);
		s->bytes += vm_oracle_state_size(s->oracle);
	}
	return s;
}

static gboolean snap_restore(vm_engine_t *e, const snap_t *s, GError **error)
{
	if (!vm_vmt_restore(e->rd, &s->mark, error))
		return FALSE;
	e->m = vm_clone_load(s->m, e->m);
	if (e->oracle) {
		/* the clone's reclaim params still name this very oracle */
		vm_oracle_load(e->oracle, s->oracle);
		vm_oracle_bind(e->oracle, e->m);
	}
	g_hash_table_remove_all(e->by_pid);
	g_ptr_array_set_size(e->tasks, 0);
	for (guint i = 0; i < s->nr_tasks; i++) {
		task_t *t = vm_sched_task_copy(s->tasks[i]);
		t->p = s->proc[i] == VM_NIL ? NULL : e->m->procs[s->proc[i]];
		t->thread = s->thread[i] == VM_NIL ? NULL : e->m->threads[s->thread[i]];
		t->at = i;
		g_hash_table_insert(e->by_pid, GUINT_TO_POINTER(t->pid), t);
		g_ptr_array_add(e->tasks, t);
	}
	e->last_task = s->have_last
		? g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(s->last_pid)) : NULL;
	vm_sched_rebuild(e);
	e->pos = s->pos;
	if (e->crash_pending)
		vm_record_clear(&e->crash);
	e->crash_pending = s->crash_pending;
	if (s->crash_pending)
		vm_record_copy(&e->crash, &s->crash);
	return TRUE;
}

void vm_snap_init(vm_engine_t *e)
{
	if (!e->opts.snapshots || !vm_vmt_seekable(e->rd) || e->stream_check)
		return;
	e->snap_cap = e->opts.snapshot_mem ? e->opts.snapshot_mem : VM_ENGINE_SNAP_MEM;
	snap_t *s = snap_take(e);
	/* a budget that holds fewer than four is not worth keeping: seek
	 * replays from the start instead */
	if (s->bytes > e->snap_cap / 4) {
		snap_free(s);
		return;
	}
	e->snaps = g_ptr_array_new_with_free_func(snap_free);
	e->snap_every = e->opts.snapshot_every ? e->opts.snapshot_every
					       : VM_ENGINE_SNAP_EVERY;
	snap_gap_set(e, s);
	g_ptr_array_add(e->snaps, s);
	e->snap_bytes = s->bytes;
	e->snap_next = 1;
	e->snap_last = 0;
}

void vm_snap_free_all(vm_engine_t *e)
{
	if (e->snaps)
		g_ptr_array_free(e->snaps, TRUE);
	e->snaps = NULL;
}

/*
 * Work before the next snapshot: snap_every, or half a unit per byte of the
 * latest snapshot when that is more.  Copying a byte costs about what a
 * quarter of a unit of replay does (page faults included), so snapshots
 * never cost more than about a third of the replay they save, whatever
 * the machine's size; the replay between two stays short (a unit is a few
 * tens of nanoseconds).
 */
static void snap_gap_set(vm_engine_t *e, const snap_t *s)
{
	e->snap_gap = e->opts.snapshot_every ? e->snap_every
					     : MAX(e->snap_every, s->bytes / 2);
}

/* The position among the snapshots after a move or a thinning. */
static void snap_locate(vm_engine_t *e)
{
	guint i = 1;
	while (i < e->snaps->len && SNAP(e, i)->pos.events <= e->pos.events)
		i++;
	e->snap_next = i;
	e->snap_last = SNAP(e, i - 1)->pos.work;
}

/* Over budget (bytes or VM_ENGINE_SNAP_MAX): drop every other snapshot
 * (the first stays), double the spacing; the survivors stay evenly
 * spread. */
static gboolean snap_over(const vm_engine_t *e)
{
	return e->snap_bytes > e->snap_cap || e->snaps->len > VM_ENGINE_SNAP_MAX;
}

static void snap_thin(vm_engine_t *e)
{
	while (snap_over(e) && e->snaps->len > 1) {
		GPtrArray *keep = g_ptr_array_new_with_free_func(snap_free);
		e->snap_bytes = 0;
		for (guint i = 0; i < e->snaps->len; i++) {
			snap_t *s = g_ptr_array_index(e->snaps, i);
			if (i % 2 == 0) {
				g_ptr_array_add(keep, s);
				e->snap_bytes += s->bytes;
			} else {
				snap_free(s);
			}
		}
		g_ptr_array_set_free_func(e->snaps, NULL);
		g_ptr_array_free(e->snaps, TRUE);
		e->snaps = keep;
		e->snap_every *= 2;
	}
	snap_gap_set(e, g_ptr_array_index(e->snaps, e->snaps->len - 1));
	snap_locate(e);
}

/* After every event when snapshots are on: a few compares, and a snapshot
 * once enough work has run since the one before the position. */
void vm_snap_after_step(vm_engine_t *e)
{
	e->pos.work += 1 + e->st.nr_access;
	while (e->snap_next < e->snaps->len && SNAP(e, e->snap_next)->pos.events <= e->pos.events)
		e->snap_last = SNAP(e, e->snap_next++)->pos.work;
	if (e->pos.work - e->snap_last < e->snap_gap)
		return;
	/* not right before one we have (a replay after a restore) */
	if (e->snap_next < e->snaps->len &&
	    SNAP(e, e->snap_next)->pos.work - e->pos.work < e->snap_gap / 2)
		return;
	snap_t *s = snap_take(e);
	snap_gap_set(e, s);
	g_ptr_array_insert(e->snaps, (gint)e->snap_next, s);
	e->snap_next++;
	e->snap_last = s->pos.work;
	e->snap_bytes += s->bytes;
	if (snap_over(e))
		snap_thin(e);
}

/*
 * The state after @n events.  Going forward steps with the callbacks muted.
 * Going back, and forward past a snapshot, restores the latest snapshot
 * before event @n (strictly before, so that event @n itself runs with the
 * callbacks) and replays from there.  Without snapshots, going back opens
 * the trace again and replays from the start.  Both are exact because the
 * run is deterministic.
 */
gboolean vm_snap_seek(vm_engine_t *e, uint64_t n, GError **error)
{
	if (e->snaps) {
		uint64_t before = n ? n - 1 : 0;
		guint lo = 0, hi = e->snaps->len;   /* last with events <= before */
		while (hi - lo > 1) {
			guint mid = lo + (hi - lo) / 2;
			if (SNAP(e, mid)->pos.events <= before)
				lo = mid;
			else
				hi = mid;
		}
		const snap_t *s = SNAP(e, lo);
		if (n < e->pos.events || s->pos.events > e->pos.events) {
			if (!snap_restore(e, s, error))
				return FALSE;
			snap_locate(e);
		}
	} else if (n < e->pos.events) {
		vm_engine_opts_t quiet = e->opts;
		quiet.on_step = NULL;
		quiet.on_access = NULL;
		quiet.on_expect_fail = NULL;
		/* this trace or machine keeps none (a stream, too big): the
		 * new engine need not find that out again */
		quiet.snapshots = FALSE;
		vm_engine_t *f = e->path
			? vm_engine_open(e->path, e->have_base ? &e->base : NULL,
					 e->overrides, &quiet, error)
			: vm_engine_open_memory(e->name, e->text,
						e->have_base ? &e->base : NULL,
						e->overrides, &quiet, error);
		if (!f)
			return FALSE;
		f->opts = e->opts;
		/* nothing points into an engine from outside but the caller's
		 * handle, so swapping the contents keeps that handle valid */
		vm_engine_t tmp = *e;
		*e = *f;
		*f = tmp;
		vm_engine_free(f);
	}
	vm_engine_opts_t saved = e->opts;
	e->opts.on_step = NULL;
	e->opts.on_access = NULL;
	e->opts.on_expect_fail = NULL;
	while (e->pos.events + 1 < n) {
		int r = vm_engine_step(e, error);
		if (r <= 0) {
			e->opts = saved;
			return r == 0;
		}
	}
	e->opts = saved;
	if (e->pos.events < n && vm_engine_step(e, error) < 0)
		return FALSE;
	return TRUE;
}
