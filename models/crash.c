/*
 * Power loss (the `crash` event): every process dies, the page cache and
 * memory are emptied, dirty pages that had not reached the disk are lost
 * and writes still in flight are torn; the files keep exactly what had
 * reached the disk.  The engine then reboots the machine (pid 1 again).
 */
#include "models/crash.h"
#include "models/proc.h"
#include "models/file.h"
void vm_crash_machine(vm_machine_t *m, uint64_t *lost, uint64_t *torn)
{
	*lost = *torn = 0;
	/* every process dies first, so that no PTE maps a page */
	for (uint32_t i = 0; i < m->nr_procs; i++)
		if (m->procs[i]->state == VM_PROC_RUNNING)
			vm_proc_exit(m, m->procs[i], VM_KILL_CRASH);
	for (guint k = 0; k < m->files->len; k++) {
		vm_file_t *f = g_ptr_array_index(m->files, k);
		if (f->dead)
			continue;
		for (uint64_t i = 0; i < f->cap; i++) {
			if (f->cache[i] != VM_NIL) {
				if (m->frames.f[f->cache[i]].flags & VM_FRAME_DIRTY) {
					f->lost_pages++;
					(*lost)++;
				}
				vm_file_drop_page(m, f, i);
			}
			if (f->wb_done && f->wb_done[i] > m->now) {
				(*torn)++;   /* its write was in flight */
				f->wb_done[i] = 0;
			}
		}
		vm_ra_state_init(&f->ra);
		if (f->shmem)
			f->dead = TRUE;   /* memory is gone */
	}
	m->c.lost_pages += *lost;
	m->c.torn_pages += *torn;
	vm_tlb_flush_all(m->l1);
	if (m->l2)
		vm_tlb_flush_all(m->l2);
	m->cur_asid = 0;
	/* the pages reclaim was writing are gone, and kswapd starts afresh */
	m->po_head = m->po_len = 0;
	m->kswapd_state = VM_KSWAPD_SLEEPING;
	m->kswapd_failures = 0;
}
