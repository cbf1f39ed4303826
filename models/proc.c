/*
 * Processes: spawn, exit, switching the CPU; see proc.h.  Exit is Linux's
 * exit_mmap (every VMA unmapped, the page tables freed) plus the closing
 * of the process's files; a switch without ASIDs flushes the TLBs as
 * switch_mm on a CPU without PCIDs does.
 */
#include "models/memcg.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/file.h"
#include "models/fs.h"
#include "models/smp.h"
#include "models/mmu.h"
vm_proc_t *vm_proc_lookup(vm_machine_t *m, uint32_t pid)
{
	return g_hash_table_lookup(m->by_pid, GUINT_TO_POINTER(pid));
}

void vm_proc_count_tables(vm_machine_t *m, vm_proc_t *p, unsigned n)
{
	/* tables a walk made for a process that the OOM killer chose while
	 * the walk allocated the next one: its exit freed them uncounted */
	if (p->state != VM_PROC_RUNNING)
		return;
	p->pt_pages += n;
	m->c.pt_pages += n;
	if (m->c.pt_pages > m->c.pt_pages_peak)
		m->c.pt_pages_peak = m->c.pt_pages;
}

void vm_proc_uncount_tables(vm_machine_t *m, vm_proc_t *p, unsigned n)
{
	/* a walk's tables freed before the walk counted them: the OOM
	 * killer chose @p while the walk allocated, and its exit's munmap
	 * freed them */
	uint64_t k = MIN((uint64_t)n, p->pt_pages);
	p->pt_pages -= k;
	m->c.pt_pages -= k;
}

vm_proc_t *vm_proc_spawn(vm_machine_t *m, uint32_t pid)
{
	g_return_val_if_fail(pid != 0, NULL);
	uint32_t root = vm_pt_new_root(&m->pt, pid);
	if (root == VM_NIL)
		return NULL;
	vm_proc_t *p = g_new0(vm_proc_t, 1);
	p->pid = pid;
	p->root = root;
	p->state = VM_PROC_RUNNING;
	p->last_outcome = VM_OUT_NONE;
	p->last_pfn = VM_NIL;
	vm_proc_count_tables(m, p, 1);
	if (m->nr_procs == m->cap_procs) {
		m->cap_procs = m->cap_procs ? m->cap_procs * 2 : 8;
		m->procs = g_renew(vm_proc_t *, m->procs, m->cap_procs);
	}
	/* A pid may come back (after an exit, or after a crash reboots the
	 * machine); the newest process owns the pid from now on. */
	m->procs[m->nr_procs++] = p;
	g_hash_table_replace(m->by_pid, GUINT_TO_POINTER(pid), p);
	return p;
}

void vm_proc_exit(vm_machine_t *m, vm_proc_t *p, vm_kill_t why)
{
	g_return_if_fail(p->state == VM_PROC_RUNNING);
	vm_memcg_exit(m, p);
	if (G_UNLIKELY(m->smp != NULL)) {
		/* exit_mmap runs when no CPU runs the mm any more: every CPU
		 * forgets it first, so that the unmapping below sends no IPI */
		vm_smp_mm_gone(m, p->pid);
		p->cpumask = 0;
	}
	/* the files it holds open or mapped, which may be freed with it */
	GPtrArray *held = g_ptr_array_new();
	for (uint32_t i = 0; i < p->nr_vma; i++)
		if (p->vma[i].file >= 0)
			g_ptr_array_add(held, vm_file_get(m, p->vma[i].file));
	if (p->fds) {
		GHashTableIter it;
		gpointer f;
		g_hash_table_iter_init(&it, p->fds);
		while (g_hash_table_iter_next(&it, NULL, &f))
			g_ptr_array_add(held, f);
	}
	while (p->nr_vma)
		vm_mm_munmap(m, p, p->vma[0].start,
			     p->vma[p->nr_vma - 1].end - p->vma[0].start);
	unsigned n = vm_pt_free_tree(&m->pt, p->root);
	/* more than counted when the OOM killer chose @p while one of its
	 * page-table walks was allocating: the walk's earlier new tables are
	 * in the tree, counted only when the walk returns (and then not:
	 * vm_proc_count_tables of an ended process counts nothing) */
	g_assert(n >= p->pt_pages);
	m->c.pt_pages -= p->pt_pages;
	p->pt_pages = 0;
	p->root = VM_NIL;
	if (G_LIKELY(m->smp == NULL))
		vm_mmu_tlb_flush(m, p->pid, FALSE);
	p->state = why == VM_KILL_NONE ? VM_PROC_EXITED : VM_PROC_KILLED;
	if (G_UNLIKELY(p->nr_threads > 1)) {
		/* exit_group: the other threads end with it */
		for (uint32_t i = 0; i < m->nr_threads; i++) {
			vm_proc_t *t = m->threads[i];
			if (t->leader == p && t->state == VM_PROC_RUNNING) {
				t->state = p->state;
				t->killed_by = (uint8_t)why;
			}
		}
	}
	p->nr_threads = p->nr_threads ? 1 : 0;
	p->killed_by = (uint8_t)why;
	vm_fs_exit(p);
	/* what is left is its statistics: a trace of many short-lived
	 * processes costs memory for the live ones */
	vm_fs_free(p);
	g_free(p->vma);
	p->vma = NULL;
	p->cap_vma = 0;
	/* files this process held open or mapped may have been the last ref */
	for (guint i = 0; i < held->len; i++)
		vm_file_maybe_free(m, g_ptr_array_index(held, i));
	g_ptr_array_free(held, TRUE);
}

vm_proc_t *vm_proc_clone_thread(vm_machine_t *m, vm_proc_t *p, uint32_t tid)
{
	g_return_val_if_fail(tid != 0, NULL);
	vm_proc_t *leader = vm_proc_mm(p);
	vm_proc_t *old = vm_proc_lookup(m, tid);
	if (old && old->state == VM_PROC_RUNNING)
		return NULL;
	vm_proc_t *t = g_new0(vm_proc_t, 1);
	t->pid = tid;
	t->root = VM_NIL;
	t->state = VM_PROC_RUNNING;
	t->last_outcome = VM_OUT_NONE;
	t->last_pfn = VM_NIL;
	t->leader = leader;
	if (!leader->nr_threads)
		leader->nr_threads = 1;
	leader->nr_threads++;
	if (m->nr_threads == m->cap_threads) {
		m->cap_threads = m->cap_threads ? m->cap_threads * 2 : 8;
		m->threads = g_renew(vm_proc_t *, m->threads, m->cap_threads);
	}
	m->threads[m->nr_threads++] = t;
	g_hash_table_replace(m->by_pid, GUINT_TO_POINTER(tid), t);
	return t;
}

void vm_proc_thread_exit(vm_machine_t *m, vm_proc_t *t, vm_kill_t why)
{
	(void)m;
	g_return_if_fail(t->leader != NULL && t->state == VM_PROC_RUNNING);
	t->state = why == VM_KILL_NONE ? VM_PROC_EXITED : VM_PROC_KILLED;
	t->killed_by = (uint8_t)why;
	if (t->leader->nr_threads > 1)
		t->leader->nr_threads--;
}

void vm_proc_switch_to(vm_machine_t *m, vm_proc_t *p)
{
	if (m->cur_asid == p->pid)
		return;
	if (!m->cfg.tlb_asid && m->cur_asid != 0) {
		vm_mmu_tlb_flush(m, 0, TRUE);
		m->c.tlb_flushes++;
	}
	m->cur_asid = p->pid;
}
