/*
 * Power loss (the `crash` event): every process dies, the page cache and
 * memory are emptied, dirty pages that had not reached the disk are lost
 * and writes still in flight are torn; the files keep exactly what had
 * reached the disk.  The engine then reboots the machine (pid 1 again).
 */
#include "models/crash.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/mmu.h"
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
		uint64_t key;
		vm_fchunk_t *c;
		vm_xa_for_each_from(&f->pages, key, c, 0) {
			for (unsigned sl = 0; sl < VM_FILE_CHUNK; sl++) {
				uint64_t i = (key << VM_FILE_CHUNK_SHIFT) | sl;
				if (c->cache[sl] != VM_NIL) {
					if (m->frames.f[c->cache[sl]].flags & VM_FRAME_DIRTY) {
						f->lost_pages++;
						(*lost)++;
					}
					vm_file_drop_page(m, f, i);
				}
				if (c->wb_done[sl] > m->now) {
					(*torn)++;   /* its write was in flight */
					c->wb_done[sl] = 0;
				}
			}
		}
		vm_ra_state_init(&f->ra);
		if (f->shmem) {
			f->dead = TRUE;   /* memory is gone */
			if (f->linked) {   /* a tmpfs file, name and all */
				g_hash_table_remove(m->names, f->name);
				f->linked = FALSE;
			}
		}
	}
	m->c.lost_pages += *lost;
	m->c.torn_pages += *torn;
	vm_mmu_tlb_flush(m, 0, TRUE);
	m->cur_asid = 0;
	/* the pages reclaim was writing are gone, and kswapd starts afresh */
	m->po_head = m->po_len = 0;
	m->kswapd_state = VM_KSWAPD_SLEEPING;
	m->kswapd_failures = 0;
}
