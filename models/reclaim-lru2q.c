/*
 * Linux's two-list LRU (reclaim.policy=lru2q, the default): an active and an
 * inactive list for each of anon and file, modelled on mm/swap.c
 * folio_mark_accessed, mm/vmscan.c shrink_inactive_list,
 * folio_check_references, shrink_active_list, inactive_is_low and
 * get_scan_count, and mm/rmap.c folio_referenced, without MGLRU, cgroups,
 * the unevictable list or batching; with mm/workingset.c's refault
 * detection (below).
 *
 *        read()/write() with PG_referenced set (folio_mark_accessed), or
 *        young at the tail with PG_referenced set or two mappings
 *        add   ┌──────────────────────────────────────────────┐
 *         │    │                                              ▼
 *         ▼    │                                         head
 *   head [ inactive ] tail ──► victim          head [ active ] tail
 *         ▲          │ young: clear it, set PG_referenced,     │
 *         │          │ back to the head (keep)                 │
 *         └──────────┴─────────────────────────────────────────┘
 *                     deactivate from the active tail while inactive is low
 *
 * Two bits per page, as Linux has: the accessed bit of the PTEs that map it
 * (VM_FRAME_REFERENCED, "young": set by every access through a mapping,
 * reclaim.h vm_reclaim_access) and PG_referenced (VM_PAGE_REFERENCED in
 * frames[].pg).  The rules, kept simple:
 *   - add: a new page goes to the inactive head (to the active head if it
 *     carries VM_FRAME_ACTIVE, as lru_cache_add does).
 *   - an access through a mapping only makes the page young: nothing moves
 *     (no hook; the frame is quiet until reclaim clears the bit).
 *   - read() and write() (vm_reclaim_mark_accessed: folio_mark_accessed):
 *     a page without PG_referenced gets it; an inactive page with it is
 *     activated (to the active head, pgactivate, workingset_activation)
 *     and loses it.  The accessed bit is left alone.
 *   - victim: pick a type (below); while that type's inactive list is low,
 *     move pages from its active tail to its inactive head, clearing ACTIVE
 *     and the accessed bit (shrink_active_list's folio_referenced clears
 *     it, and deactivates referenced pages too, except executable file
 *     pages, which this model does not tell apart) and keeping
 *     PG_referenced; then look at the inactive tail
 *     (folio_check_references):
 *       young: clear the bit, set PG_referenced, and activate the page if
 *         PG_referenced was set already (reclaim found it young a second
 *         time, or read() used it) or more than one mapping referenced it
 *         (referenced_ptes > 1: folio_referenced counts mappings, one per
 *         VMA whatever the number of young PTEs in it; the caller answers
 *         through rc->folio_refs, for page-cache pages only); else keep it
 *         (to the inactive head: FOLIOREF_KEEP).  So a page a process
 *         maps and uses is activated by reclaim's second look, not by its
 *         second access, and a large folio one process read through one
 *         mapping is kept, not activated.
 *       not young: the victim, PG_referenced or not (FOLIOREF_RECLAIM, and
 *         FOLIOREF_RECLAIM_CLEAN for a page read() used once: the caller
 *         writes a dirty one first, where Linux leaves it to the flusher).
 *     Each inactive page looked at counts in pgscan, each active one in
 *     pgrefill.  The loop ends: each step clears a bit or returns a page.
 *     A page unmapped while young keeps the bit (zap_pte_range marks it
 *     accessed instead).
 *   - inactive is low (inactive_is_low): inactive * ratio < active, with
 *     ratio = int_sqrt(10 * GiB of the type's lists), 1 below 1 GiB.
 *   - the type (get_scan_count's proportional case, per page): anon's share
 *     of the scanned inactive pages is swappiness / 200, file's
 *     (200 - swappiness) / 200, interleaved page by page; ties go to file.
 *     With swappiness 0 anon is scanned only when no file page is left
 *     (with 200, file only when no anon page is left).  A type the caller
 *     does not want (want_anon=FALSE: no swap) or that has no pages is never
 *     scanned and does not count.  The counts start again after every
 *     complete cycle (at most 200 pages), so old history never dominates.
 */
#include "models/reclaim.h"

enum {                   /* Linux's enum lru_list; frames[].list is this + 1 */
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	NR_LRU_LISTS
};

typedef struct {
	vm_reclaim_list_t lru[NR_LRU_LISTS];
	uint64_t scanned[VM_RECLAIM_NR_TYPES]; /* this cycle's inactive scans */
	uint32_t prio[VM_RECLAIM_NR_TYPES];    /* swappiness, 200 - swappiness */
	uint32_t gib_shift;                    /* pages >> this = GiB */
	uint64_t nonresident_age;              /* lruvec->nonresident_age:
						* evictions and activations */
} lru2q_t;

static void *lru2q_init(uint32_t nr_frames, const vm_reclaim_params_t *params)
{
	lru2q_t *q = g_new0(lru2q_t, 1);

	(void)nr_frames;
	for (int i = 0; i < NR_LRU_LISTS; i++)
		vm_reclaim_list_init(&q->lru[i], (uint16_t)(i + 1));
	q->prio[VM_RECLAIM_ANON] = params->swappiness;
	q->prio[VM_RECLAIM_FILE] = 200 - params->swappiness;
	q->gib_shift = params->page_shift < 30 ? 30 - params->page_shift : 0;
	return q;
}

static void lru2q_destroy(void *priv)
{
	g_free(priv);
}

/* List heads and the scan cycle's counts; the links live in the frames. */
static void *lru2q_clone(const void *priv, uint32_t nr_frames)
{
	(void)nr_frames;
	lru2q_t *q = g_new(lru2q_t, 1);

	*q = *(const lru2q_t *)priv;
	return q;
}

static vm_reclaim_list_t *inactive(lru2q_t *q, vm_reclaim_type_t t)
{
	return &q->lru[2 * t];
}

static vm_reclaim_list_t *active(lru2q_t *q, vm_reclaim_type_t t)
{
	return &q->lru[2 * t + 1];
}

static void lru2q_add(vm_reclaim_t *rc, uint32_t pfn)
{
	lru2q_t *q = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_type_t t = vm_reclaim_type(f);

	vm_reclaim_list_add(rc->fr, f->flags & VM_FRAME_ACTIVE ? active(q, t)
							     : inactive(q, t),
			    pfn);
}

static void lru2q_remove(vm_reclaim_t *rc, uint32_t pfn)
{
	lru2q_t *q = rc->priv;

	vm_reclaim_list_del(rc->fr, &q->lru[rc->fr->f[pfn].list - 1], pfn);
}

/* folio_rotate_reclaimable: the tail of its type's inactive list. */
static void lru2q_rotate(vm_reclaim_t *rc, uint32_t pfn)
{
	lru2q_t *q = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_type_t t = vm_reclaim_type(f);

	vm_reclaim_list_del(rc->fr, &q->lru[f->list - 1], pfn);
	f->flags &= (uint8_t)~VM_FRAME_ACTIVE;
	vm_reclaim_unquiet(rc->fr, pfn);
	vm_reclaim_list_add_tail(rc->fr, inactive(q, t), pfn);
}

static void activate(vm_reclaim_t *rc, lru2q_t *q, vm_reclaim_type_t t,
		     uint32_t pfn)
{
	rc->fr->f[pfn].flags |= VM_FRAME_ACTIVE;
	vm_reclaim_list_move(rc->fr, inactive(q, t), active(q, t), pfn);
	rc->stats.pgactivate++;
	q->nonresident_age++;   /* workingset_activation, or the aging of
				 * move_folios_to_lru for reclaim's */
}

/* folio_mark_accessed (read(), write()): PG_referenced, then activation. */
static void lru2q_mark_accessed(vm_reclaim_t *rc, uint32_t pfn)
{
	lru2q_t *q = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];

	if (!(f->pg & VM_PAGE_REFERENCED)) {
		f->pg |= VM_PAGE_REFERENCED;
		return;
	}
	if (f->flags & VM_FRAME_ACTIVE)
		return;
	f->pg &= (uint8_t)~VM_PAGE_REFERENCED;
	activate(rc, q, vm_reclaim_type(f), pfn);
}

/*
 * mm/workingset.c, as Linux runs it beside the two lists.  A page that is
 * evicted leaves a shadow entry in its place (the page cache's slot, or
 * its swap slot) holding the lruvec's nonresident_age at that moment; the
 * age counts evictions and activations, so the difference when the page
 * comes back (the refault distance) is the number of pages that were
 * evicted or activated meanwhile: what the inactive list would have needed
 * to hold more to keep it.  workingset_test_recent compares it with the
 * pages that could have made room: the active file list, plus for an
 * anonymous page the inactive file list, plus the anonymous lists while
 * swap has room (for a file page only the active one).  A refault within
 * that distance is activated at once (folio_set_active before
 * folio_add_lru) and ages the lruvec as an activation does; the others
 * start on the inactive list like any new page.
 */
static uint64_t lru2q_shadow(vm_reclaim_t *rc, uint32_t pfn)
{
	lru2q_t *q = rc->priv;

	(void)pfn;
	return ++q->nonresident_age;   /* the age before it, + 1: never 0 */
}

static gboolean lru2q_refault(vm_reclaim_t *rc, uint32_t pfn, uint64_t shadow)
{
	lru2q_t *q = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	gboolean file = vm_reclaim_type(f) == VM_RECLAIM_FILE;
	uint64_t distance = q->nonresident_age - (shadow - 1);
	uint64_t size = q->lru[LRU_ACTIVE_FILE].nr;

	if (!file)
		size += q->lru[LRU_INACTIVE_FILE].nr;
	if (rc->swap_free) {
		size += q->lru[LRU_ACTIVE_ANON].nr;
		if (file)
			size += q->lru[LRU_INACTIVE_ANON].nr;
	}
	rc->ws_distance = distance;
	rc->ws_size = size;
	rc->ws_measured = TRUE;
	if (distance > size)
		return FALSE;
	f->flags |= VM_FRAME_ACTIVE;   /* lru2q_add puts it on the active list */
	q->nonresident_age++;          /* workingset_age_nonresident */
	rc->ws_activated = TRUE;
	return TRUE;
}

static uint32_t int_sqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return (uint32_t)r;
}

/* mm/vmscan.c inactive_is_low. */
static gboolean inactive_is_low(const lru2q_t *q, vm_reclaim_type_t t)
{
	uint64_t ina = q->lru[2 * t].nr, act = q->lru[2 * t + 1].nr;
	uint64_t gib = (ina + act) >> q->gib_shift;
	uint64_t ratio = gib ? int_sqrt(10 * gib) : 1;

	return ina * ratio < act;
}

/* The type to scan next, or -1 when no wanted type has pages. */
static int pick_type(const vm_reclaim_t *rc, const lru2q_t *q,
		     gboolean want_anon, gboolean want_file)
{
	gboolean anon = want_anon && rc->nr[VM_RECLAIM_ANON] > 0;
	gboolean file = want_file && rc->nr[VM_RECLAIM_FILE] > 0;
	uint64_t a = q->scanned[VM_RECLAIM_ANON], fl = q->scanned[VM_RECLAIM_FILE];

	if (!anon || !file)
		return anon ? VM_RECLAIM_ANON : file ? VM_RECLAIM_FILE : -1;
	if (q->prio[VM_RECLAIM_ANON] == 0)
		return VM_RECLAIM_FILE;
	if (q->prio[VM_RECLAIM_FILE] == 0)
		return VM_RECLAIM_ANON;
	/* Behind its share: a / (a + f) < anon_prio / 200. */
	return a * q->prio[VM_RECLAIM_FILE] < fl * q->prio[VM_RECLAIM_ANON]
		       ? VM_RECLAIM_ANON : VM_RECLAIM_FILE;
}

/* Count one inactive page of @t scanned while both types were candidates. */
static void count_balance(lru2q_t *q, vm_reclaim_type_t t)
{
	uint64_t *s = q->scanned;

	s[t]++;
	if (s[VM_RECLAIM_ANON] * q->prio[VM_RECLAIM_FILE] ==
	    s[VM_RECLAIM_FILE] * q->prio[VM_RECLAIM_ANON])
		s[VM_RECLAIM_ANON] = s[VM_RECLAIM_FILE] = 0;
}

/* shrink_active_list, one page at a time, while inactive is low. */
static void refill_inactive(vm_reclaim_t *rc, lru2q_t *q, vm_reclaim_type_t t)
{
	vm_reclaim_list_t *act = active(q, t), *ina = inactive(q, t);

	while (act->nr > 0 && inactive_is_low(q, t)) {
		uint32_t pfn = act->tail;
		vm_frame_t *f = &rc->fr->f[pfn];

		rc->stats.pgrefill++;
		rc->stats.pgdeactivate++;
		/* folio_referenced clears the accessed bit; PG_referenced
		 * stays, so that a deactivated page used again comes back
		 * at once */
		f->flags &= (uint8_t)~(VM_FRAME_ACTIVE | VM_FRAME_REFERENCED);
		vm_reclaim_unquiet(rc->fr, pfn);
		vm_reclaim_list_move(rc->fr, act, ina, pfn);
	}
}

static uint32_t lru2q_victim(vm_reclaim_t *rc, gboolean want_anon,
			     gboolean want_file)
{
	lru2q_t *q = rc->priv;

	for (;;) {
		int t = pick_type(rc, q, want_anon, want_file);
		gboolean both = (want_anon && rc->nr[VM_RECLAIM_ANON] > 0) &&
				(want_file && rc->nr[VM_RECLAIM_FILE] > 0);
		vm_reclaim_list_t *ina;
		vm_frame_t *f;
		uint32_t pfn;

		if (t < 0)
			return VM_NIL;
		refill_inactive(rc, q, (vm_reclaim_type_t)t);
		ina = inactive(q, (vm_reclaim_type_t)t);
		pfn = ina->tail;
		g_assert(pfn != VM_NIL);
		f = &rc->fr->f[pfn];
		rc->stats.pgscan++;
		if (both)
			count_balance(q, (vm_reclaim_type_t)t);
		if (!(f->flags & VM_FRAME_REFERENCED)) {
			/* no young PTE: FOLIOREF_RECLAIM (or _CLEAN) */
			f->pg &= (uint8_t)~VM_PAGE_REFERENCED;
			vm_reclaim_list_del(rc->fr, ina, pfn);
			return pfn;
		}
		/* folio_check_references: asked before the bit is cleared,
		 * as folio_referenced walks the young PTEs */
		gboolean many = f->kind == VM_FRAME_FILE && rc->folio_refs &&
				rc->folio_refs(rc->folio_ctx, pfn);
		gboolean was = (f->pg & VM_PAGE_REFERENCED) != 0;
		f->flags &= (uint8_t)~VM_FRAME_REFERENCED;
		vm_reclaim_unquiet(rc->fr, pfn);
		f->pg |= VM_PAGE_REFERENCED;
		if (was || many) {
			/* FOLIOREF_ACTIVATE */
			activate(rc, q, (vm_reclaim_type_t)t, pfn);
			continue;
		}
		/* FOLIOREF_KEEP: another round to prove itself */
		vm_reclaim_list_move(rc->fr, ina, ina, pfn);
	}
}

const vm_reclaim_ops_t vm_reclaim_policy_lru2q = {
	.policy = {
		.name = "lru2q",
		.why = "from the tail of the inactive list (not referenced "
			"since it was last scanned)",
		.help = "Linux's active and inactive lists, anonymous and "
			"file, balanced by reclaim.swappiness (mm/vmscan.c)",
	},
	.init = lru2q_init,
	.destroy = lru2q_destroy,
	.clone = lru2q_clone,
	.add = lru2q_add,
	.remove = lru2q_remove,
	.rotate = lru2q_rotate,
	/* no access hook: an access through a mapping only sets the
	 * accessed bit, and once it is set nothing changes */
	.mark_accessed = lru2q_mark_accessed,
	.quiet_flags = VM_FRAME_REFERENCED,
	.victim = lru2q_victim,
	.shadow = lru2q_shadow,
	.refault = lru2q_refault,
};
