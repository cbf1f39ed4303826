/*
 * Dirty page-cache pages and writeback (writeback.c): marking a page dirty,
 * writing ranges back (fsync, msync, pageout), the flusher's periodic and
 * background writeback, and throttling writers at the dirty ratio.
 * Modelled on mm/page-writeback.c and fs/fs-writeback.c.
 */
#ifndef VM_WRITEBACK_H
#define VM_WRITEBACK_H

#include "models/machine.h"
#include "models/file.h"

/* Mark cached page @pfn of @f dirty (folio_mark_dirty). */
void vm_writeback_dirty(vm_machine_t *m, vm_file_t *f, uint32_t pfn);
/* Write back the dirty pages [start, end) of @f (page_mkclean: their PTEs
 * lose write permission, so the next write faults and dirties them again).
 * Returns when the last write completes (m->now when there was none). */
uint64_t vm_writeback_range(vm_machine_t *m, vm_file_t *f, uint64_t start,
			    uint64_t end);
/* The same, only for pages dirtied at or before @dirtied_by. */
uint64_t vm_writeback_range_aged(vm_machine_t *m, vm_file_t *f,
				 uint64_t start, uint64_t end,
				 uint64_t dirtied_by);
/* The flusher's tick (a VM_EV_FLUSH event, at m->now): write back what
 * is older than writeback.expire, and everything while dirty pages exceed
 * writeback.background_ratio (wb_workfn); the next tick is armed while
 * pages stay dirty.  The first dirty page arms the first tick. */
void vm_writeback_flush(vm_machine_t *m);
/* After a write: background writeback above background_ratio, and above
 * dirty_ratio the writer's wait (returns until when it waits); first in
 * the machine's domain, then, with cgroup.version=2, in the domain of the
 * running operation's cgroup (m->cur_memcg; writeback.c): *@memcg says
 * the wait is the cgroup's. */
uint64_t vm_writeback_balance(vm_machine_t *m, gboolean *memcg);
/* The pages cgroup @cg's dirty ratios apply to under cgroup v2
 * (mem_cgroup_wb_stats, mdtc_calc_avail): its page cache plus its
 * headroom below max and high, as far as the machine's clean memory
 * outside it allows. */
struct vm_memcg;
uint64_t vm_writeback_memcg_avail(const vm_machine_t *m, const struct vm_memcg *cg);

#endif
