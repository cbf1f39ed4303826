/*
 * Swap (swap.c): the swap area's slots on the disk, the swap cache, swap-in
 * with readahead by address or by slot, and swap-out of an anonymous page found by
 * reclaim.  See swap.c for the model.
 */
#ifndef VM_SWAP_H
#define VM_SWAP_H

#include "models/machine.h"
#include "models/mm.h"
#include "models/vmscan.h"

void vm_swap_init(vm_machine_t *m);
void vm_swap_destroy(vm_machine_t *m);
/* Drop one swap entry's hold on @slot (swap_free). */
void vm_swap_put(vm_machine_t *m, uint32_t slot);
/* Evict anonymous page @pfn (taken off the reclaim lists): unmap it from
 * every PTE; a page already in the swap cache is freed, another is written
 * to a new slot and stays under writeback (VM_VMSCAN_PAGEOUT).  @written:
 * its pageout is taken as complete (vmscan.c's wait for writeback).
 * VM_VMSCAN_KEPT when it cannot go now (under I/O, or swap is full). */
vm_vmscan_rc_t vm_swap_out(vm_machine_t *m, uint32_t pfn, gboolean written);
/* The swap slot caching page @pfn, or VM_NIL. */
static inline uint32_t vm_swap_cache_slot(const vm_machine_t *m, uint32_t pfn)
{
	return m->frame_slot[pfn];
}
/* delete_from_swap_cache: page @pfn leaves the cache (it stays in memory). */
void vm_swap_cache_del(vm_machine_t *m, uint32_t pfn);
/* The last PTE mapping anonymous page @pfn went (munmap, exit, a copy). */
void vm_swap_unmapped(vm_machine_t *m, uint32_t pfn);
/* do_swap_page's miss: read @slot into a new swap-cache page for @p at
 * page @vpn of its VMA @v, with readahead around it, submitting at
 * @start.  Returns the frame (VM_NIL when none could be had); *@ready is
 * when the read completes. */
uint32_t vm_swap_read(vm_machine_t *m, vm_proc_t *p, vm_vma_t *v, uint64_t vpn,
		      uint32_t slot, uint64_t start, uint64_t *ready);
/* __swapin_nr_pages: the swap-in readahead window (swap.c), exported for
 * the tests.  Offsets are slots, or pages for a VMA's window. */
uint32_t vm_swap_ra_window(uint64_t prev_offset, uint64_t offset,
			   uint32_t hits, uint32_t max_pages, uint32_t prev_win);
/* A VMA's read-ahead hits since its last swap-in (GET_SWAP_RA_VAL: a
 * state never set counts 4, so that a first swap-in reads ahead). */
static inline uint32_t vm_vma_ra_hits(const vm_vma_t *v)
{
	return (v->ra_vpn | v->ra_win | v->ra_hits) ? v->ra_hits : 4;
}
/* swap_update_readahead: a fault at page @vpn of VMA @v found @f in the
 * swap cache; a page read ahead and not used yet counts a hit
 * (swap_ra_hit) and widens the next swap-in's window: the VMA's (whose
 * state moves to @vpn on every hit, SWAP_RA_HITS_MAX at most) under
 * swap_vma_readahead, else the machine's. */
static inline void vm_swap_update_readahead(vm_machine_t *m, vm_frame_t *f,
					    vm_vma_t *v, uint64_t vpn)
{
	gboolean readahead = (f->flags & VM_FRAME_RA_UNUSED) != 0;
	f->flags &= (uint8_t)~VM_FRAME_RA_UNUSED;
	if (m->swap_vma_ra) {
		uint32_t hits = vm_vma_ra_hits(v);
		uint32_t max = (1u << (m->page_shift / 2)) - 1;
		if (readahead && hits < max)
			hits++;
		v->ra_vpn = vpn;
		v->ra_hits = hits;
	}
	if (readahead) {
		m->c.swap_ra_hits++;
		if (!m->swap_vma_ra)
			m->swapin_readahead_hits++;
	}
}
/* vm_swap_full(): more than half of swap in use. */
static inline gboolean vm_swap_full(const vm_machine_t *m)
{
	return (uint64_t)m->swap_used * 2 > m->nr_swap_slots;
}

#endif
