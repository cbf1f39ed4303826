/*
 * Most-recently-used page replacement: evict the page used last.  Wrong
 * for most programs, right for the one pattern that defeats LRU: a loop
 * over more pages than there are frames, where the page just used is the
 * one needed furthest in the future (a textbook policy for looping and
 * sequential scans; Chou and DeWitt's DBMIN, 1985, gives database buffer
 * pools MRU for exactly these).  On the loop 1 2 3 4 1 2 3 4 1 2 3 4 over 3
 * frames LRU faults on all 12 accesses, MRU on 6 (tests/test-reclaim.c).
 *
 * Written as docs/guide.md's exercise "Add a reclaim policy": one file and
 * one line in models/reclaim.c's registry.  It keeps reclaim.c's pair
 * lists in recency order, as lru does, and takes the newer of the wanted
 * heads instead of the older of the tails:
 *
 *   anon: head [ 4  2  1 ] tail    after ... 1 2 4; victim: 4 (lru: 1)
 *
 * A victim the caller cannot evict now (dirty, under writeback) goes back
 * to the tail, where MRU looks last, rather than to the head, where it
 * would be chosen again at once; when its write completes (rotate) it moves
 * to the head, the next to go.  O(1) per access and per victim.  Left out:
 * the scan detection a real buffer pool uses to switch between LRU and MRU.
 */
#include "models/reclaim.h"

/* Move to front: the page becomes the most recently used (as lru). */
static void mru_access(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_reclaim_pair_push(rc, rc->priv, pfn);
}

/* The newer of the wanted types' heads: the page used last. */
static uint32_t mru_victim(vm_reclaim_t *rc, gboolean want_anon,
			   gboolean want_file)
{
	const vm_reclaim_pair_t *p = rc->priv;
	uint32_t a = want_anon ? p->l[VM_RECLAIM_ANON].head : VM_NIL;
	uint32_t f = want_file ? p->l[VM_RECLAIM_FILE].head : VM_NIL;
	uint32_t pfn = a == VM_NIL ? f
		     : f == VM_NIL ? a
		     : rc->fr->f[a].stamp >= rc->fr->f[f].stamp ? a : f;

	if (pfn == VM_NIL)
		return VM_NIL;
	rc->stats.pgscan++;
	vm_reclaim_pair_del(rc, rc->priv, pfn);
	return pfn;
}

/* Back at the tail, stamped older than any page: chosen last. */
static void mru_putback(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_reclaim_pair_t *p = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];

	f->stamp = 0;
	vm_reclaim_list_add_tail(rc->fr, &p->l[vm_reclaim_type(f)], pfn);
}

/* Written back: to the head, the next page to go. */
static void mru_rotate(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_reclaim_pair_push(rc, rc->priv, pfn);
}

const vm_reclaim_ops_t vm_reclaim_policy_mru = {
	.policy = {
		.name = "mru",
		.why = "the most recently used",
		.help = "most recently used: the page used last goes first; "
			"beats lru on loops larger than memory",
	},
	.init = vm_reclaim_pair_new,
	.destroy = vm_reclaim_pair_free,
	.clone = vm_reclaim_pair_clone,
	.add = vm_reclaim_pair_add_hook,
	.remove = vm_reclaim_pair_remove_hook,
	.access = mru_access,
	.victim = mru_victim,
	.putback = mru_putback,
	.rotate = mru_rotate,
};
