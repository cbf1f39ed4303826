/*
 * Reclaim: evicting the pages the reclaim policy chooses, as
 * mm/vmscan.c's shrink_folio_list does (try_to_unmap, then pageout for a
 * dirty page or swap for an anonymous one), and direct reclaim by an
 * allocation that found free memory at the min watermark.
 *
 *   alloc_frame ── free <= min ──► direct reclaim ──► policy victim
 *                                      │                 │ anon: needs a free
 *                                      │                 ▼ swap slot
 *                                      │   unmap from every PTE (rmap), each
 *                                      │   PTE becomes a swap entry; write the
 *                                      │   page to its slot; free the frame
 *                                      └─ no victim ─► OOM killer (oom.c)
 *
 * Victims that cannot go now (under I/O, locked) are set aside and put back
 * after the scan.
 */
#include "models/vmscan.h"
#include "models/filemap.h"
#include "models/swap.h"
#include "models/oom.h"
#include "models/proc.h"

gboolean vm_vmscan_evict(vm_machine_t *m, uint32_t pfn)
{
	vm_frame_t *f = &m->frames.f[pfn];
	if (f->kind == VM_FRAME_FILE)
		return vm_filemap_evict(m, pfn);   /* clean: free; dirty: written first */
	if (f->kind != VM_FRAME_ANON)
		return FALSE;
	return vm_swap_out(m, pfn);
}
gboolean vm_vmscan_shrink(vm_machine_t *m, uint64_t target, gboolean oom,
			  uint32_t owner)
{
	vm_reclaim_list_t aside;   /* victims that cannot go now */
	vm_reclaim_list_init(&aside, VM_RECLAIM_NONE);
	gboolean owner_alive = TRUE;
	uint32_t budget = vm_reclaim_nr(m->reclaim) + 1;
	while (m->frames.nr_free < target) {
		gboolean want_anon = m->swap_used < m->nr_swap_slots;
		uint32_t pfn = budget ? vm_reclaim_victim(m->reclaim, want_anon, TRUE)
				      : VM_NIL;
		if (pfn != VM_NIL) {
			budget--;
			if (vm_vmscan_evict(m, pfn))
				m->nr_evicted++;
			else
				vm_reclaim_list_add(&m->frames, &aside, pfn);
			continue;
		}
		if (!oom || m->frames.nr_free > m->wm_min)
			break;   /* the batch fell short, but the allocation can go */
		/* nothing reclaimable: the OOM killer, unless it is off */
		if (!vm_oom_kill(m))
			break;
		vm_proc_t *o = vm_proc_lookup(m, owner);
		if (o && o->state != VM_PROC_RUNNING) {
			owner_alive = FALSE;
			break;
		}
		budget = vm_reclaim_nr(m->reclaim) + 1;
	}
	while (aside.head != VM_NIL) {
		uint32_t pfn = aside.head;
		vm_reclaim_list_del(&m->frames, &aside, pfn);
		vm_reclaim_putback(m->reclaim, pfn);
	}
	return owner_alive;
}

gboolean vm_vmscan_direct(vm_machine_t *m, uint32_t owner)
{
	m->c.direct_reclaims++;
	/* Linux's direct reclaim frees SWAP_CLUSTER_MAX (32) pages a call;
	 * the textbook setting (no watermarks) frees one frame at a time */
	uint64_t target = m->wm_min ? m->frames.nr_free + 32 : 1;
	if (target <= m->wm_min)
		target = m->wm_min + 1;
	return vm_vmscan_shrink(m, target, TRUE, owner);
}
