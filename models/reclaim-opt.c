/*
 * Belady's optimal replacement (MIN, Belady 1966): evict the page whose next
 * use lies farthest in the future.  Not realisable in a kernel; the simulator
 * can, since it holds the whole trace, so `opt` is the yardstick the other
 * policies are measured against (docs/profiles.md).  The engine answers
 * "when is this frame next used?" through params.next_use; a page never used
 * again is the best victim of all (UINT64_MAX).  On 1 2 3 4 1 2 5 1 2 3 4 5 it
 * faults 7 times with 3 frames and 6 with 4.
 *
 *   resident 1 2 5, at the access to 3:   next use   1: never  2: never  5: 11
 *   victim: 1 (farthest, and loaded before 2: ties go to the oldest page)
 *
 * The pages sit on reclaim.c's pair lists in load order, so ties fall to the
 * oldest page deterministically; the victim scans every wanted page, O(n),
 * as the yardstick may (every page counts as scanned).  Accesses change
 * nothing here: the future is all that matters.
 */
#include "models/reclaim.h"

/* Is @b a better victim than the best so far, @a (next use @na)? */
static gboolean opt_better(const vm_frames_t *fr, uint32_t a, uint64_t na,
			   uint32_t b, uint64_t nb)
{
	if (a == VM_NIL || nb > na)
		return TRUE;
	return nb == na && fr->f[b].stamp < fr->f[a].stamp;
}

static uint32_t opt_victim(vm_reclaim_t *rc, gboolean want_anon,
			   gboolean want_file)
{
	const vm_reclaim_pair_t *p = rc->priv;
	const gboolean want[VM_RECLAIM_NR_TYPES] = { want_anon, want_file };
	uint32_t best = VM_NIL;
	uint64_t best_next = 0;

	for (int t = 0; t < VM_RECLAIM_NR_TYPES; t++) {
		if (!want[t])
			continue;
		for (uint32_t pfn = p->l[t].tail; pfn != VM_NIL;
		     pfn = rc->fr->f[pfn].prev) {
			uint64_t next = rc->params.next_use(rc->params.oracle,
							    pfn);

			rc->stats.pgscan++;
			if (opt_better(rc->fr, best, best_next, pfn, next)) {
				best = pfn;
				best_next = next;
			}
		}
	}
	if (best != VM_NIL)
		vm_reclaim_pair_del(rc, rc->priv, best);
	return best;
}

const vm_reclaim_ops_t vm_reclaim_policy_opt = {
	.policy = {
		.name = "opt",
		.why = "the one whose next use lies farthest in the future",
		.help = "Belady's MIN, from the trace's future: the "
			"yardstick (needs a trace file)",
		.flags = VM_POLICY_NEEDS_FUTURE,
	},
	.init = vm_reclaim_pair_new,
	.destroy = vm_reclaim_pair_free,
	.clone = vm_reclaim_pair_clone,
	.add = vm_reclaim_pair_add_hook,
	.remove = vm_reclaim_pair_remove_hook,
	.victim = opt_victim,
};
