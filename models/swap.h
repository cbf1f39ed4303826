/*
 * Swap (swap.c): the swap area's slots on the disk, the swap cache, swap-in
 * with page-cluster readahead, and swap-out of an anonymous page found by
 * reclaim.  See swap.c for the model.
 */
#ifndef VM_SWAP_H
#define VM_SWAP_H

#include "models/machine.h"
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
 * @vpn, with readahead around it, submitting at @start.  Returns the frame
 * (VM_NIL when none could be had); *@ready is when the read completes. */
uint32_t vm_swap_read(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		      uint32_t slot, uint64_t start, uint64_t *ready);
/* vm_swap_full(): more than half of swap in use. */
static inline gboolean vm_swap_full(const vm_machine_t *m)
{
	return (uint64_t)m->swap_used * 2 > m->nr_swap_slots;
}

#endif
