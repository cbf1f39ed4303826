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
		g_hash_table_insert(e->by_pid, GUINT_TO_POINTER(pid), t);
		g_ptr_array_add(e->tasks, t);
	}
	e->last_task = t;
	return t;
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
		vm_record_copy(&c->q[i].rec, &q->rec);
		c->q[i].seq = q->seq;
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

void vm_sched_update(vm_engine_t *e, task_t *t)
{
	gboolean ready = vm_sched_runnable(t) && (t->busy || t->qlen);
	if (!ready) {
		if (t->heap_at != NO_HEAP)
			heap_remove(e, t);
		return;
	}
	if (t->heap_at == NO_HEAP) {
		heap_insert(e, t);
		return;
	}
	sift_up(e, t->heap_at);
	sift_down(e, t->heap_at);
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
		      uint64_t seq)
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
}

void vm_sched_wake(vm_engine_t *e, uint32_t pid)
{
	task_t *t = g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(pid));
	if (!t || !t->blocked)
		return;
	t->blocked = FALSE;
	e->pos.nr_blocked--;
	if (t->io_wait && t->p)
		t->p->wait_ns += e->m->now - t->blocked_at;
	vm_sched_update(e, t);
}

gboolean vm_sched_idle(const vm_engine_t *e)
{
	/* a task in progress either waits (nr_blocked) or can go on (in
	 * the heap); records read ahead are counted in buffered */
	return !e->pos.buffered && !e->pos.nr_blocked && !e->nr_ready;
}
