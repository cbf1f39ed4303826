/*
 * Exact least-recently-used page replacement (docs/format.md (outcomes): `lru` is
 * exact): every access restamps the page and moves it to the head of its
 * type's list, and the victim is the older of the wanted tails, so it is the
 * page unused for longest among all pages of the wanted types.  O(1) per
 * access and per victim, as SQLite's pcache1 keeps its LRU.  Real kernels
 * cannot afford a list move per access (the MMU only sets an accessed bit);
 * lru2q and clock are the approximations they use.  On 1 2 3 4 1 2 5 1 2 3 4 5
 * it faults 10 times with 3 frames and 8 with 4: a stack algorithm, no
 * anomaly.
 *
 *   anon: head [ 2  1  4 ] tail    after ... 4 1 2; victim: 4
 */
#include "models/reclaim.h"

/* Move to front: the page becomes the most recently used.  A page at the
 * front already (accessed again before any other page of its type) keeps
 * its place and takes the new stamp, as the move would leave it, without
 * the list's unlinking and linking. */
static void lru_access(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_reclaim_pair_t *p = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];

	if (p->l[vm_reclaim_type(f)].head == pfn) {
		f->stamp = ++rc->clock;
		return;
	}
	vm_reclaim_pair_push(rc, p, pfn);
}

const vm_reclaim_ops_t vm_reclaim_policy_lru = {
	.policy = {
		.name = "lru",
		.why = "the least recently used",
		.help = "exact least recently used: every access moves the "
			"page to the head",
	},
	.init = vm_reclaim_pair_new,
	.destroy = vm_reclaim_pair_free,
	.clone = vm_reclaim_pair_clone,
	.add = vm_reclaim_pair_add_hook,
	.remove = vm_reclaim_pair_remove_hook,
	.rotate = vm_reclaim_pair_rotate_hook,
	.access = lru_access,
	.victim = vm_reclaim_pair_victim,
};
