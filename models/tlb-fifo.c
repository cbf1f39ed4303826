/*
 * First-in first-out TLB replacement: a fill stamps the entry with the TLB's
 * clock, hits change nothing, and the victim is the way filled longest ago.
 * An in-place update of a cached (vpn, asid) through vm_tlb_fill (a PTE whose
 * permission or frame changed, e.g. after a copy-on-write fault) counts as a
 * fill and re-stamps the entry, so it moves to the back of the queue, as if the
 * stale entry had been dropped and the new one loaded.  Left out: hardware
 * round-robin pointers per set (this gives the same order).  Follows
 * drcachesim's policy_fifo.  The fill's stamp (e->stamp = ++clock) is
 * written by the core (VM_TLB_STAMP_FILL), without a hook.
 *
 *   set: │ 1 @1 │ 5 @5 │ 3 @3 │ 4 @4 │   victim: way 0 (vpn 1, filled first)
 */
#include "models/tlb.h"

/* The way filled first; the lowest way wins a tie. */
static unsigned fifo_victim(vm_tlb_t *t, vm_tlb_entry_t *set, unsigned ways)
{
	(void)t;
	return vm_tlb_oldest_way(set, ways);
}

const vm_tlb_policy_ops_t vm_tlb_policy_fifo = {
	.policy = {
		.name = "fifo",
		.why = "the entry filled longest ago",
		.help = "first in, first out within a set: hits do not count",
	},
	.victim = fifo_victim,
	.victim_is_min_stamp = TRUE,
	.stamp = VM_TLB_STAMP_FILL,
};
