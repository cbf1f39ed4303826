/*
 * Tasks and the order they run in (docs/format.md, the order of events):
 * events start in file order, except that while a process waits, later
 * events of other processes may start.  Each pid has a task holding the
 * records read ahead for it, in a ring buffer, each stamped with its
 * position in the file.  The tasks that can run and have a record to run
 * sit in a binary min-heap keyed by that position, so the next record to
 * run is found in O(1) and a change of state costs O(log tasks), however
 * many processes a trace has created: an exited one with nothing to run is
 * in no structure the step loop looks at.
 *
 *   ready heap (by position of the next record)
 *        pid 3 @ 1042  ◄── next
 *        /          \
 *   pid 1 @ 1050   pid 7 @ 2210      blocked tasks: not in it, each with
 *                                    a VM_EV_WAKE queued on the machine
 *
 * The common case, one process, never buffers: a record is read, found
 * runnable with nothing ahead of it, and run straight from the reader
 * (engine.c); the heap is touched only when a task waits or resumes.
 */
#include <string.h>
#include "sim/engine-int.h"
#include "models/proc.h"

void vm_sched_init(vm_engine_t *e)
{
	e->by_pid = g_hash_table_new(g_direct_hash, g_direct_equal);
	e->tasks = g_ptr_array_new_with_free_func(vm_sched_task_free);
	e->ready = NULL;
	e->nr_ready = e->cap_ready = 0;
}

void vm_sched_destroy(vm_engine_t *e)
{
	if (e->by_pid)
		g_hash_table_destroy(e->by_pid);
	if (e->tasks)
		g_ptr_array_free(e->tasks, TRUE);
	g_free(e->ready);
	e->by_pid = NULL;
	e->tasks = NULL;
	e->ready = NULL;
}

task_t *vm_sched_lookup(vm_engine_t *e, uint32_t pid)
{
	task_t *t = g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(pid));
	if (!t) {
		t = g_new0(task_t, 1);
		t->pid = pid;
		t->heap_at = NO_HEAP;
		t->at = e->tasks->len;
		/* a pid whose task was forgotten (vm_sched_forget): its
		 * ended process, whose `note` and `expect` lines may follow */
		t->p = e->m ? vm_proc_lookup(e->m, pid) : NULL;
		if (t->p && t->p->leader) {
			t->thread = t->p;
			t->p = t->thread->leader;
		}
		t->cpu = t->last_cpu = t->pin = -1;
		g_hash_table_insert(e->by_pid, GUINT_TO_POINTER(pid), t);
		g_ptr_array_add(e->tasks, t);
	}
	e->last_task = t;
	return t;
}

void vm_sched_forget(vm_engine_t *e, task_t *t)
{
	if (t->busy || t->qlen || t->blocked || t->heap_at != NO_HEAP ||
	    t->fork_wait || t->fork_waiters || t->forks_read != t->gen ||
	    !t->p || vm_task_alive(t))
		return;
	if (e->last_task == t)
		e->last_task = NULL;
	g_hash_table_remove(e->by_pid, GUINT_TO_POINTER(t->pid));
	guint last = e->tasks->len - 1;
	if (t->at != last) {
		task_t *moved = g_ptr_array_index(e->tasks, last);
		moved->at = t->at;
	}
	g_ptr_array_remove_index_fast(e->tasks, t->at);   /* frees t */
}

void vm_sched_task_free(gpointer p)
{
	task_t *t = p;
	for (uint32_t i = 0; i < t->qlen; i++)
		vm_record_clear(&t->q[(t->qhead + i) % t->qcap].rec);
	g_free(t->q);
	if (t->busy)
		vm_record_clear(&t->cur);
	g_free(t);
}

task_t *vm_sched_task_copy(const task_t *t)
{
	task_t *c = g_new(task_t, 1);
	*c = *t;
	c->p = NULL;
	c->heap_at = NO_HEAP;
	c->qhead = 0;
	c->qcap = t->qlen ? t->qlen : 0;
	c->q = t->qlen ? g_new(qrec_t, t->qlen) : NULL;
	for (uint32_t i = 0; i < t->qlen; i++) {
		const qrec_t *q = &t->q[(t->qhead + i) % t->qcap];
		c->q[i] = *q;
		vm_record_copy(&c->q[i].rec, &q->rec);
	}
	if (t->busy)
		vm_record_copy(&c->cur, &t->cur);
	return c;
}

/* ---- the ready heap -------------------------------------------------------- */

static inline uint64_t key(const task_t *t)
{
	return t->busy ? t->cur_seq : t->q[t->qhead].seq;
}

static inline void place(vm_engine_t *e, uint32_t i, task_t *t)
{
	e->ready[i] = t;
	t->heap_at = i;
}

static void sift_up(vm_engine_t *e, uint32_t i)
{
	task_t *t = e->ready[i];
	uint64_t k = key(t);
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (key(e->ready[parent]) <= k)
			break;
		place(e, i, e->ready[parent]);
		i = parent;
	}
	place(e, i, t);
}

static void sift_down(vm_engine_t *e, uint32_t i)
{
	task_t *t = e->ready[i];
	uint64_t k = key(t);
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= e->nr_ready)
			break;
		if (c + 1 < e->nr_ready && key(e->ready[c + 1]) < key(e->ready[c]))
			c++;
		if (key(e->ready[c]) >= k)
			break;
		place(e, i, e->ready[c]);
		i = c;
	}
	place(e, i, t);
}

static void heap_insert(vm_engine_t *e, task_t *t)
{
	if (e->nr_ready == e->cap_ready) {
		e->cap_ready = e->cap_ready ? e->cap_ready * 2 : 16;
		e->ready = g_renew(task_t *, e->ready, e->cap_ready);
	}
	place(e, e->nr_ready++, t);
	sift_up(e, t->heap_at);
}

static void heap_remove(vm_engine_t *e, task_t *t)
{
	uint32_t i = t->heap_at;
	t->heap_at = NO_HEAP;
	task_t *last = e->ready[--e->nr_ready];
	if (i == e->nr_ready)
		return;
	place(e, i, last);
	sift_up(e, i);
	sift_down(e, last->heap_at);
}

/* ---- incarnations ----------------------------------------------------------- */

/* The incarnation of @t's oldest record still to run, or UINT32_MAX. */
static uint32_t oldest_gen(const task_t *t)
{
	if (t->busy)
		return t->cur_gen;
	return t->qlen ? t->q[t->qhead].gen : UINT32_MAX;
}

static task_t *find(vm_engine_t *e, uint32_t pid)
{
	return g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(pid));
}

/* Whether @rec, next for @t, is a fork that must wait for its child's
 * earlier incarnation to finish; keeps t->fork_wait and the child's count
 * of waiters true. */
static gboolean fork_blocked(vm_engine_t *e, task_t *t, const vm_record_t *rec,
			     uint32_t child_gen)
{
	uint32_t want = 0;
	if (rec->kind == VM_REC_FORK || rec->kind == VM_REC_CLONE) {
		task_t *x = find(e, rec->child);
		if (x && oldest_gen(x) < child_gen)
			want = x->pid;
	}
	if (want != t->fork_wait) {
		task_t *old = t->fork_wait ? find(e, t->fork_wait) : NULL;
		if (old)
			old->fork_waiters--;
		if (want)
			find(e, want)->fork_waiters++;
		t->fork_wait = want;
	}
	return want != 0;
}

gboolean vm_sched_can_start(vm_engine_t *e, task_t *t, const vm_record_t *rec,
			    uint32_t gen, uint32_t child_gen)
{
	if (t->blocked || gen != t->gen || (!t->p && !t->stillborn))
		return FALSE;
	return !fork_blocked(e, t, rec, child_gen);
}

void vm_sched_stamp(vm_engine_t *e, task_t *t, const vm_record_t *rec,
		    uint32_t *gen, uint32_t *child_gen)
{
	*gen = t->forks_read;
	*child_gen = 0;
	if (rec->kind == VM_REC_FORK || rec->kind == VM_REC_CLONE) {
		task_t *x = vm_sched_lookup(e, rec->child);
		*child_gen = ++x->forks_read;
		e->last_task = t;
	}
}

void vm_sched_incarnate(vm_engine_t *e, task_t *t, vm_proc_t *p, uint32_t gen)
{
	t->thread = NULL;
	if (p && p->leader) {
		t->thread = p;   /* a thread runs on its leader's mm */
		p = p->leader;
	}
	t->p = p;
	t->gen = gen;
	t->stillborn = p == NULL;
	vm_sched_update(e, t);   /* its records read ahead may run */
}

/* @x's records changed: the forks waiting for them may go on. */
static void wake_fork_waiters(vm_engine_t *e, task_t *x)
{
	for (guint i = 0; i < e->tasks->len && x->fork_waiters; i++) {
		task_t *w = g_ptr_array_index(e->tasks, i);
		if (w->fork_wait == x->pid)
			vm_sched_update(e, w);
	}
}

void vm_sched_update(vm_engine_t *e, task_t *t)
{
	gboolean ready;
	if (t->busy) {
		ready = !t->blocked;
	} else if (t->qlen) {
		const qrec_t *q = &t->q[t->qhead];
		ready = vm_sched_can_start(e, t, &q->rec, q->gen, q->child_gen);
	} else {
		ready = FALSE;
	}
	if (!ready) {
		if (t->heap_at != NO_HEAP)
			heap_remove(e, t);
	} else if (t->heap_at == NO_HEAP) {
		heap_insert(e, t);
	} else {
		sift_up(e, t->heap_at);
		sift_down(e, t->heap_at);
	}
	if (G_UNLIKELY(t->fork_waiters))
		wake_fork_waiters(e, t);
}

void vm_sched_rebuild(vm_engine_t *e)
{
	e->nr_ready = 0;
	for (guint i = 0; i < e->tasks->len; i++) {
		task_t *t = g_ptr_array_index(e->tasks, i);
		t->heap_at = NO_HEAP;
		vm_sched_update(e, t);
	}
}

/* ---- records read ahead ----------------------------------------------------- */

void vm_sched_enqueue(vm_engine_t *e, task_t *t, const vm_record_t *rec,
		      uint64_t seq, uint32_t gen, uint32_t child_gen)
{
	if (t->qlen == t->qcap) {
		uint32_t ncap = t->qcap ? t->qcap * 2 : 16;
		qrec_t *nq = g_new(qrec_t, ncap);
		for (uint32_t i = 0; i < t->qlen; i++)
			nq[i] = t->q[(t->qhead + i) % t->qcap];
		g_free(t->q);
		t->q = nq;
		t->qcap = ncap;
		t->qhead = 0;
	}
	qrec_t *q = &t->q[(t->qhead + t->qlen++) % t->qcap];
	vm_record_copy(&q->rec, rec);
	q->seq = seq;
	q->gen = gen;
	q->child_gen = child_gen;
	e->pos.buffered++;
	if (t->qlen == 1 && !t->busy)
		vm_sched_update(e, t);   /* its key is this record's */
}

void vm_sched_start(vm_engine_t *e, task_t *t)
{
	if (t->busy)
		return;
	qrec_t *q = &t->q[t->qhead];
	t->qhead = (t->qhead + 1) % t->qcap;
	t->qlen--;
	e->pos.buffered--;
	t->cur = q->rec;   /* owned */
	t->cur_seq = q->seq;   /* the same key as before */
	t->cur_gen = q->gen;
	t->cur_child_gen = q->child_gen;
	t->cur_pos = 0;
	t->busy = TRUE;
}

/* ---- waits ----------------------------------------------------------------- */

void vm_sched_block(vm_engine_t *e, task_t *t, uint64_t until, gboolean io)
{
	t->blocked = TRUE;
	e->pos.nr_blocked++;
	t->io_wait = io;
	t->blocked_at = e->m->now;
	vm_events_push(&e->m->ev, until, VM_EV_WAKE, t->pid, 0);
	e->st.blocked = 1;
	e->st.wait_until = until;
	vm_sched_update(e, t);
	if (G_UNLIKELY(e->m->smp != NULL))
		vm_engine_smp_unplace(e, t);   /* its CPU may go idle */
}

void vm_sched_wake(vm_engine_t *e, uint32_t pid)
{
	/* under memory pressure a wake-up per major fault, nearly always
	 * of the task last looked up: its hash lookup was 1% of the run */
	task_t *t = G_LIKELY(e->last_task && e->last_task->pid == pid)
		? e->last_task
		: g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(pid));
	if (!t || !t->blocked)
		return;
	t->blocked = FALSE;
	e->pos.nr_blocked--;
	if (t->io_wait && t->p) {
		t->p->wait_ns += e->m->now - t->blocked_at;
		if (t->thread)
			t->thread->wait_ns += e->m->now - t->blocked_at;
	}
	vm_sched_update(e, t);
}

gboolean vm_sched_idle(const vm_engine_t *e)
{
	/* a task in progress either waits (nr_blocked) or can go on (in
	 * the heap); records read ahead are counted in buffered */
	return !e->pos.buffered && !e->pos.nr_blocked && !e->nr_ready;
}
