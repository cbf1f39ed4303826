/*
 * Workingset detection (workingset.c): the shadow entries that evicted
 * pages leave behind, and what a refault makes of them (Linux's
 * mm/workingset.c: workingset_eviction, workingset_refault).  Where a
 * shadow is kept is the caller's: a file page's in its chunk of the page
 * index (file.h), an anonymous page's beside its swap slot (swap.c).
 */
#ifndef VM_WORKINGSET_H
#define VM_WORKINGSET_H

#include "models/machine.h"

/* Page @pfn, off the reclaim lists, is being evicted for good: the shadow
 * to keep in its place, 0 when the reclaim policy keeps none. */
uint64_t vm_workingset_shadow(vm_machine_t *m, uint32_t pfn);
static inline uint64_t vm_workingset_eviction(vm_machine_t *m, uint32_t pfn)
{
	/* a policy without shadows (every cgroup's lists share the machine's
	 * ops) leaves 0: decided inline, as it is for every page evicted
	 * under lru, fifo or clock (docs/speed.md) */
	if (!m->reclaim || !m->reclaim->ops->shadow)
		return 0;
	return vm_workingset_shadow(m, pfn);
}
/* The page evicted with @shadow (not 0) came back into frame @pfn, which
 * is on no reclaim list yet: count the refault, and let the policy decide
 * whether it is recent enough to start active (before vm_reclaim_add, as
 * workingset_refault runs before folio_add_lru). */
void vm_workingset_refault(vm_machine_t *m, uint32_t pfn, uint64_t shadow);

/* A fault that has just read page @pfn back: when that was the latest
 * refault, say so in @res (what was decided, for narration). */
void vm_workingset_note(const vm_machine_t *m, uint32_t pfn, vm_result_t *res);

#endif
