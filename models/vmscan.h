/*
 * Reclaim (vmscan.c): asking the reclaim policy (reclaim.h) for victims and
 * freeing them, as mm/vmscan.c's shrink_folio_list does; direct reclaim by
 * an allocation that found memory at the min watermark; and the pageouts
 * reclaim starts, which keep their pages until the write completes.
 */
#ifndef VM_VMSCAN_H
#define VM_VMSCAN_H

#include "models/machine.h"

/* What became of a victim. */
typedef enum {
	VM_VMSCAN_KEPT,     /* it cannot go now: put back on the lists */
	VM_VMSCAN_FREED,    /* unmapped and freed */
	VM_VMSCAN_PAGEOUT,  /* dirty: its write was started; it stays, under
			     * writeback, and goes when the write completes */
} vm_vmscan_rc_t;

/* Evict page @pfn, which reclaim chose (off the lists): a file page goes
 * through the page cache, an anonymous one to swap.  @written: its pageout
 * is taken as complete (an allocation waiting for it). */
vm_vmscan_rc_t vm_vmscan_evict(vm_machine_t *m, uint32_t pfn, gboolean written);
/* Evict pages until @target are free, as direct reclaim (@direct: it may
 * wait for writeback and call the OOM killer) or kswapd (it stops when
 * nothing can go now).  FALSE when process @owner was killed. */
gboolean vm_vmscan_shrink(vm_machine_t *m, uint64_t target, gboolean direct,
			  uint32_t owner);
/* Direct reclaim: until more than the min watermark is free, or nothing
 * more can be done; kills with the OOM killer when allowed.  FALSE when
 * @owner was killed. */
gboolean vm_vmscan_direct(vm_machine_t *m, uint32_t owner);
/* try_to_free_mem_cgroup_pages: evict up to @nr_to_reclaim pages from
 * @cg's own lists (memcg.h); a dirty page is written and set aside, and
 * when nothing could be freed the first of the cgroup's pageouts is
 * waited for.  Returns the pages freed. */
struct vm_memcg;
uint64_t vm_vmscan_shrink_memcg(vm_machine_t *m, struct vm_memcg *cg,
				uint64_t nr_to_reclaim);
/* A pageout of @pfn started by reclaim completes at @done: the page is
 * under writeback until then (VM_FRAME_WRITEBACK), and a VM_EV_IO event
 * will make it the next to go. */
void vm_vmscan_pageout(vm_machine_t *m, uint32_t pfn, uint64_t done);
/* VM_EV_IO: the pageouts that completed by now end their writeback and go
 * to the tail of the lists (folio_end_writeback, folio_rotate_reclaimable). */
void vm_vmscan_pageout_done(vm_machine_t *m);
/* When the oldest pageout in flight completes, 0 when none is. */
uint64_t vm_vmscan_pageout_next(vm_machine_t *m);

#endif
