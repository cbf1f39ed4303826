/*
 * Clock (second chance) page replacement, after Corbató's 1968 Multics
 * paging algorithm as textbooks give it: a hand sweeps a circle of frames; a
 * page whose referenced bit is set loses the bit and is passed over, the
 * first page found without it is evicted.  The referenced bit is set on
 * every access, including the one that loaded the page (docs/format.md (outcomes)).
 *
 *              hand
 *               ▼
 *      ┌──► 1* ─► 2 ─► 3* ─► 4 ──┐     1* loses its bit, 2 is the victim;
 *      └─────────────────────────┘     a new page goes just behind the hand
 *
 * Implemented as the equivalent second-chance queue: the page at the hand is
 * the oldest (the tail), a passed-over page is restamped and moved to the
 * head (just behind the hand), and new pages join at the head.  With one
 * list per type merged by stamp, this is one global clock; when the caller
 * wants one type only, the hand skips the other type's pages without
 * touching them (they keep their place in the circle).  Each page the hand
 * looks at counts as scanned; a sweep ends within one turn, since it clears
 * every bit it passes.
 */
#include "models/reclaim.h"

static uint32_t clock_victim(vm_reclaim_t *rc, gboolean want_anon,
			     gboolean want_file)
{
	vm_frames_t *fr = rc->fr;

	for (;;) {
		uint32_t pfn = vm_reclaim_pair_oldest(rc, rc->priv, want_anon,
						      want_file);
		vm_frame_t *f;

		if (pfn == VM_NIL)
			return VM_NIL;
		rc->stats.pgscan++;
		f = &fr->f[pfn];
		if (!(f->flags & VM_FRAME_REFERENCED)) {
			vm_reclaim_pair_del(rc, rc->priv, pfn);
			return pfn;
		}
		f->flags &= (uint8_t)~VM_FRAME_REFERENCED;
		vm_reclaim_unquiet(fr, pfn);
		vm_reclaim_pair_push(rc, rc->priv, pfn);
	}
}

const vm_reclaim_ops_t vm_reclaim_policy_clock = {
	.policy = {
		.name = "clock",
		.why = "the first unreferenced page under the clock hand",
		.help = "second chance: the hand clears referenced bits "
			"until it meets a clear one",
	},
	.init = vm_reclaim_pair_new,
	.destroy = vm_reclaim_pair_free,
	.clone = vm_reclaim_pair_clone,
	.add = vm_reclaim_pair_add_hook,
	.remove = vm_reclaim_pair_remove_hook,
	.rotate = vm_reclaim_pair_rotate_hook,
	.victim = clock_victim,
	/* no access hook: a referenced page's access changes nothing */
	.quiet_flags = VM_FRAME_REFERENCED,
};
