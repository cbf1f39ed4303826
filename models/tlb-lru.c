/*
 * Exact least-recently-used TLB replacement: every hit and every fill stamps
 * the entry with the TLB's clock, and the victim is the way with the oldest
 * stamp, so the set always evicts the translation unused for longest (docs/format.md,
 * outcomes: `lru` is exact).  Real TLBs approximate this with tree
 * pseudo-LRU bits; that approximation is left out, as are per-set clocks (one
 * 64-bit clock per TLB cannot wrap in any trace).  Follows drcachesim's
 * policy_lru, with a timestamp instead of a recency list.  The stamps are
 * written by the core (VM_TLB_STAMP_HIT and _FILL: e->stamp = ++clock),
 * which saves an indirect call on every hit and fill and lets it keep each
 * set's order without checking it (models/tlb.h).
 *
 *   set: │ 1 @5 │ 2 @2 │ 3 @3 │ 4 @4 │   victim: way 1 (vpn 2, stamp 2)
 */
#include "models/tlb.h"

/* The way used longest ago; the lowest way wins a tie. */
static unsigned lru_victim(vm_tlb_t *t, vm_tlb_entry_t *set, unsigned ways)
{
	(void)t;
	return vm_tlb_oldest_way(set, ways);
}

const vm_tlb_policy_ops_t vm_tlb_policy_lru = {
	.policy = {
		.name = "lru",
		.why = "the entry used longest ago",
		.help = "exact least recently used within a set",
	},
	.victim = lru_victim,
	.victim_is_min_stamp = TRUE,
	.stamp = VM_TLB_STAMP_FILL | VM_TLB_STAMP_HIT,
};
