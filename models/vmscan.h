/*
 * Reclaim (vmscan.c): asking the reclaim policy (reclaim.h) for victims and
 * freeing them, as mm/vmscan.c's shrink_folio_list does; direct reclaim by
 * an allocation that found memory at the min watermark.
 */
#ifndef VM_VMSCAN_H
#define VM_VMSCAN_H

#include "models/machine.h"

/* Evict page @pfn, which reclaim chose (off the lists): a file page goes
 * through the page cache, an anonymous one to swap.  FALSE when it cannot
 * go now (the caller puts it back). */
gboolean vm_vmscan_evict(vm_machine_t *m, uint32_t pfn);
/* Evict pages until @target are free.  With @oom, running out of victims
 * calls the OOM killer.  FALSE when process @owner was killed. */
gboolean vm_vmscan_shrink(vm_machine_t *m, uint64_t target, gboolean oom,
			  uint32_t owner);
/* Direct reclaim: until more than the min watermark is free, or nothing
 * more can be done; kills with the OOM killer when allowed.  FALSE when
 * @owner was killed. */
gboolean vm_vmscan_direct(vm_machine_t *m, uint32_t owner);

#endif
