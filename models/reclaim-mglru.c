/*
 * The multi-generational LRU (reclaim.policy=mglru), after Linux's lru_gen
 * (mm/vmscan.c lru_gen_*, include/linux/mm_inline.h, mm/swap.c
 * lru_gen_inc_refs, mm/workingset.c lru_gen_eviction/lru_gen_refault and
 * Documentation/mm/multigen_lru.rst), as of the "rework workingset
 * protection" series (6.14 on).  Most distributions enable it by default.
 *
 * Pages of each type (anon, file) sit in generations numbered by a sequence:
 * max_seq is the youngest generation (shared by both types), min_seq[type]
 * each type's oldest.  At most MAX_NR_GENS = 4 and at least MIN_NR_GENS = 2
 * generations are in use; generation seq lives on list seq % 4:
 *
 *             max_seq=5        4             3          min_seq=2
 *   anon   [ a5: 9 8 ]   [ a4: 7 ]   [ a3: 6 5 ]   [ a2: 4 3 ] ─► evict
 *   file   [ f5: ]       [ f4: 104 ] [ f3: 103 ]   [ f2: 102 101 ] ─► evict
 *            head (newest) ... tail (oldest): victims come from the tail
 *            of a type's oldest generation
 *
 * Birth (lru_gen_add_folio and lru_gen_distance): a page faulted in is
 * born in max_seq - 1 (max_seq when it is a refaulted workingset page); a
 * page added otherwise (read(), readahead outside a fault) in min_seq, the
 * oldest, min_seq + 1 if it is workingset.  "Faulted in" is
 * rc->in_fault (lru_gen_enter_fault), or, while no caller sets that, an
 * anonymous page or a page mapped when it is added.  A page taken off the
 * lists (not by reclaim) from one of the two youngest generations comes
 * back to the young side when it is added again (PG_active while isolated).
 *
 * Two kinds of reference, as in Linux:
 *   - through page tables: the accessed bit (VM_FRAME_REFERENCED on a
 *     mapped page).  Nothing moves on access.  When eviction finds a young
 *     mapped page at the tail (lru_gen_folio_check_references via the
 *     rmap), it clears the bit and: the first time (not PG_referenced, not
 *     PG_workingset) sets PG_referenced and keeps the page, which goes back
 *     to max_seq - 1 (a file page: "don't add rejected folios to the oldest
 *     generation") or min_seq + 1 (an anonymous page, which keeps
 *     PG_referenced); after that it sets PG_workingset and promotes the page
 *     to max_seq (pgactivate).
 *   - through file descriptors (an access to an unmapped page: read(),
 *     write()): lru_gen_inc_refs counts it, PG_referenced, then 1..3 more
 *     in the two LRU_REFS bits, then PG_workingset.  The tier of a page is
 *     order_base_2(refs) (refs 0,1: tier 0; 2: 1; 3,4: 2), tier 3 when
 *     PG_workingset.  At eviction, a page whose tier is above the tier the
 *     PID controller protects up to (get_tier_idx), or whose counts are
 *     all set (refs 4 and workingset: "lazily promoted"), moves to min_seq + 1
 *     with its counts cleared (folio_inc_gen).
 *
 * Aging (inc_max_seq) makes a new youngest generation when eviction could
 * otherwise eat into the two young ones: when the oldest evictable type has
 * only MIN_NR_GENS generations left.  If a type already has four, its
 * oldest generation first moves into the next (inc_min_seq), counts
 * cleared; a type that cannot be evicted (anon without swap) just lets its
 * oldest generation become the new youngest, as Linux does.  Aging here is
 * Linux's without the page-table walk (lru_gen/enabled without 0x0002, or
 * no hardware accessed bit): accessed bits are found by eviction, page by
 * page, so aging itself is O(1) but for inc_min_seq.  The look-around that
 * promotes a young page's young neighbours is left out.
 *
 * Eviction picks a type (get_type_to_scan): file for swappiness <= 1, anon
 * for 200, otherwise the PID controller compares the two types' refault
 * rates (refaulted / (evicted + protected), averaged over generations,
 * weighted by swappiness and 200 - swappiness); the other type when the
 * first has only two generations.  Without refaults (below MIN_LRU_BATCH
 * = 64 of them) the controller says file, and protects no tier.  Refaults
 * come through vm_reclaim_refault with the shadow that vm_reclaim_shadow
 * made at eviction (min_seq, refs and workingset); the refault of a
 * workingset page is born workingset.  No caller makes shadows yet, so
 * until the page cache and swap keep them, tiers protect only saturated
 * pages and the anon/file balance is by age alone.  swappiness 0 (or no
 * swap: want_anon FALSE) evicts file pages only, and without file pages
 * no victim is found: Linux's MGLRU does the same (it OOMs rather than
 * swap with swappiness 0).
 *
 * Where it differs from Linux besides the above: one node, one zone, no
 * memory cgroups (no memcg LRU); pages move between lists at once where
 * Linux sets the generation in the flags and sorts lazily (the order within
 * a generation can differ); no batches (one victim per call, the caller
 * loops); dirty and writeback file pages are handed to the caller, which
 * writes them (Linux's sort_folio moves them to min_seq + 1 and wakes the
 * flusher instead); NR_HIST_GENS = 1; min_ttl is not modelled.
 *
 * Per page: the generation is the list the page is on (frames[].list =
 * gen * 2 + type + 1); PG_referenced, the two refs bits, PG_workingset and
 * PG_active live in frames[].stamp.  State is fixed-size: no allocation
 * after init, O(1) per access and per page scanned.
 */
#include <string.h>

#include "models/reclaim.h"

#define MAX_NR_GENS 4
#define MIN_NR_GENS 2
#define MAX_NR_TIERS 4
#define LRU_REFS_WIDTH 2
#define LRU_REFS_MASK ((1u << LRU_REFS_WIDTH) - 1)
#define MIN_LRU_BATCH 64
#define MAX_SWAPPINESS 200
#define SWAPPINESS_ANON_ONLY (MAX_SWAPPINESS + 1)

/* frames[].stamp bits */
enum {
	S_REFS = LRU_REFS_MASK,         /* fd references beyond the first */
	S_REFERENCED = 1u << 2,         /* PG_referenced */
	S_WORKINGSET = 1u << 3,         /* PG_workingset */
	S_ACTIVE = 1u << 4,             /* PG_active: set while off the lists */
};
#define S_REFS_FLAGS (S_REFS | S_REFERENCED)   /* LRU_REFS_FLAGS */

enum { ANON = VM_RECLAIM_ANON, FILE_ = VM_RECLAIM_FILE };

typedef struct {
	vm_reclaim_list_t lists[MAX_NR_GENS][VM_RECLAIM_NR_TYPES];
	uint64_t max_seq, min_seq[VM_RECLAIM_NR_TYPES];
	uint32_t swappiness;
	/* the PID controller's positions, per type and tier (one history
	 * generation: NR_HIST_GENS = 1) */
	uint64_t avg_refaulted[VM_RECLAIM_NR_TYPES][MAX_NR_TIERS];
	uint64_t avg_total[VM_RECLAIM_NR_TYPES][MAX_NR_TIERS];
	uint64_t refaulted[VM_RECLAIM_NR_TYPES][MAX_NR_TIERS];
	uint64_t evicted[VM_RECLAIM_NR_TYPES][MAX_NR_TIERS];
	uint64_t protected_[VM_RECLAIM_NR_TYPES][MAX_NR_TIERS];
} mglru_t;

static void *mglru_init(uint32_t nr_frames, const vm_reclaim_params_t *params)
{
	mglru_t *g = g_new0(mglru_t, 1);

	(void)nr_frames;
	for (int gen = 0; gen < MAX_NR_GENS; gen++)
		for (int t = 0; t < VM_RECLAIM_NR_TYPES; t++)
			vm_reclaim_list_init(&g->lists[gen][t],
					     (uint16_t)(gen * 2 + t + 1));
	/* lru_gen_init_lruvec: generations 0..3 in use, all empty */
	g->max_seq = MIN_NR_GENS + 1;
	g->swappiness = params->swappiness;
	return g;
}

static void mglru_destroy(void *priv)
{
	g_free(priv);
}

/* Everything is in the fixed-size state and the frames. */
static void *mglru_clone(const void *priv, uint32_t nr_frames)
{
	(void)nr_frames;
	return g_memdup2(priv, sizeof(mglru_t));
}

static vm_reclaim_list_t *list_of_seq(mglru_t *g, uint64_t seq, int type)
{
	return &g->lists[seq % MAX_NR_GENS][type];
}

static unsigned nr_gens(const mglru_t *g, int type)
{
	return (unsigned)(g->max_seq - g->min_seq[type] + 1);
}

/* The sequence number of the generation on list @gen: the one in
 * [min_seq, max_seq] that lands there. */
static uint64_t seq_of_gen(const mglru_t *g, int type, unsigned gen)
{
	uint64_t s = g->max_seq;

	while (s % MAX_NR_GENS != gen && s > g->min_seq[type])
		s--;
	return s;
}

static uint32_t refs_of(uint64_t stamp)   /* folio_lru_refs */
{
	return stamp & S_REFERENCED ? (uint32_t)(stamp & S_REFS) + 1 : 0;
}

static int tier_of(uint32_t refs, gboolean ws)   /* lru_tier_from_refs */
{
	int o = 0;

	if (ws)
		return MAX_NR_TIERS - 1;
	while ((1u << o) < refs)       /* order_base_2 */
		o++;
	return o;
}

/* Put @pfn (on no list) at the head of generation @seq of its type. */
static void put(vm_reclaim_t *rc, mglru_t *g, uint32_t pfn, uint64_t seq)
{
	vm_frame_t *f = &rc->fr->f[pfn];

	f->stamp &= ~(uint64_t)S_ACTIVE;
	vm_reclaim_list_add(rc->fr, list_of_seq(g, seq, vm_reclaim_type(f)),
			    pfn);
}

/* Where a page being added goes: lru_gen_distance, then the sequence. */
static uint64_t birth_seq(const vm_reclaim_t *rc, const mglru_t *g,
			  const vm_frame_t *f)
{
	int type = vm_reclaim_type(f);
	gboolean ws = (f->stamp & S_WORKINGSET) != 0;
	gboolean faulted = rc->in_fault || type == ANON || f->mapcount > 0;
	unsigned dist;

	if ((f->stamp & S_ACTIVE) || faulted)   /* folio_add_lru in a fault */
		dist = MIN_NR_GENS + ws;
	else if (ws)
		dist = MIN_NR_GENS - 1;
	else
		dist = 0;
	if (dist < MIN_NR_GENS)
		return g->min_seq[type] + dist;
	return g->max_seq + dist - MIN_NR_GENS - 1;
}

static void mglru_add(vm_reclaim_t *rc, uint32_t pfn)
{
	mglru_t *g = rc->priv;

	put(rc, g, pfn, birth_seq(rc, g, &rc->fr->f[pfn]));
}

/* lru_gen_del_folio, not reclaiming: a page from one of the two youngest
 * generations is active while it is off the lists. */
static void mglru_remove(vm_reclaim_t *rc, uint32_t pfn)
{
	mglru_t *g = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	int type = vm_reclaim_type(f);
	unsigned gen = (unsigned)(f->list - 1) / 2;
	uint64_t seq = seq_of_gen(g, type, gen);

	vm_reclaim_list_del(rc->fr, &g->lists[gen][type], pfn);
	if (seq + 1 >= g->max_seq)
		f->stamp |= S_ACTIVE;
}

/* An access through a file descriptor is counted (lru_gen_inc_refs); one
 * through the page tables only sets the accessed bit (reclaim.h does). */
static void mglru_access(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_frame_t *f = &rc->fr->f[pfn];

	if (f->mapcount > 0)
		return;
	if (!(f->stamp & S_REFERENCED)) {
		f->stamp = (f->stamp & ~(uint64_t)S_REFS) | S_REFERENCED;
		return;
	}
	if ((f->stamp & S_REFS) == S_REFS)
		f->stamp |= S_WORKINGSET;
	else
		f->stamp++;
}

/* ---- the PID controller ------------------------------------------------ */

typedef struct {
	uint64_t refaulted, total, gain;
} ctrl_pos_t;

/* @tier MAX_NR_TIERS: all tiers together. */
static ctrl_pos_t read_ctrl_pos(const mglru_t *g, int type, int tier,
				uint64_t gain)
{
	ctrl_pos_t p = { .gain = gain };
	int hi = MIN(tier, MAX_NR_TIERS - 1);

	for (int i = tier % MAX_NR_TIERS; i <= hi; i++) {
		p.refaulted += g->avg_refaulted[type][i] + g->refaulted[type][i];
		p.total += g->avg_total[type][i] + g->protected_[type][i] +
			   g->evicted[type][i];
	}
	return p;
}

/* The PV refaults no more, for its weight, than the SP. */
static gboolean positive_ctrl_err(const ctrl_pos_t *sp, const ctrl_pos_t *pv)
{
	return pv->refaulted < MIN_LRU_BATCH ||
	       pv->refaulted * (sp->total + MIN_LRU_BATCH) * sp->gain <=
	       (sp->refaulted + 1) * pv->total * pv->gain;
}

/* A generation of @type was done with: fold its counts into the averages
 * (reset_ctrl_pos with carryover, one history generation). */
static void reset_ctrl_pos(mglru_t *g, int type)
{
	for (int t = 0; t < MAX_NR_TIERS; t++) {
		g->avg_refaulted[type][t] =
			(g->avg_refaulted[type][t] + g->refaulted[type][t]) / 2;
		g->avg_total[type][t] = (g->avg_total[type][t] +
					 g->protected_[type][t] +
					 g->evicted[type][t]) / 2;
		g->refaulted[type][t] = g->evicted[type][t] =
			g->protected_[type][t] = 0;
	}
}

static int get_tier_idx(const mglru_t *g, int type)
{
	ctrl_pos_t sp = read_ctrl_pos(g, type, 0, 2), pv;
	int tier;

	for (tier = 1; tier < MAX_NR_TIERS; tier++) {
		pv = read_ctrl_pos(g, type, tier, 3);
		if (!positive_ctrl_err(&sp, &pv))
			break;
	}
	return tier - 1;
}

static int get_type_to_scan(const mglru_t *g, uint32_t swappiness)
{
	ctrl_pos_t sp, pv;

	if (swappiness <= 1)
		return FILE_;
	if (swappiness >= MAX_SWAPPINESS)
		return ANON;
	sp = read_ctrl_pos(g, ANON, MAX_NR_TIERS, swappiness);
	pv = read_ctrl_pos(g, FILE_, MAX_NR_TIERS, MAX_SWAPPINESS - swappiness);
	return positive_ctrl_err(&sp, &pv) ? FILE_ : ANON;
}

/* ---- aging -------------------------------------------------------------- */

/* Types eviction may take, by swappiness: 0 file only, 201 anon only. */
static int min_type(uint32_t swappiness)
{
	return swappiness == 0 ? FILE_ : ANON;
}

static int max_type(uint32_t swappiness)
{
	return swappiness < SWAPPINESS_ANON_ONLY ? FILE_ : ANON;
}

static uint64_t evictable_min_seq(const mglru_t *g, uint32_t swappiness)
{
	return MIN(g->min_seq[min_type(swappiness)],
		   g->min_seq[max_type(swappiness)]);
}

/* folio_inc_gen: from the oldest generation to the next, counts cleared. */
static void inc_gen(vm_reclaim_t *rc, mglru_t *g, uint32_t pfn)
{
	vm_frame_t *f = &rc->fr->f[pfn];
	int type = vm_reclaim_type(f);

	vm_reclaim_list_del(rc->fr, list_of_seq(g, g->min_seq[type], type), pfn);
	f->stamp &= ~(uint64_t)S_REFS_FLAGS;
	put(rc, g, pfn, g->min_seq[type] + 1);
}

/* inc_min_seq: the oldest generation of @type (all four in use) joins the
 * next; a type eviction cannot take keeps its pages where they are, and
 * their list becomes the new youngest generation. */
static void inc_min_seq(vm_reclaim_t *rc, mglru_t *g, int type,
			uint32_t swappiness)
{
	vm_reclaim_list_t *old = list_of_seq(g, g->min_seq[type], type);
	gboolean evictable = type == ANON ? swappiness != 0
					  : swappiness != SWAPPINESS_ANON_ONLY;

	while (evictable && old->tail != VM_NIL) {
		uint32_t pfn = old->tail;
		uint64_t st = rc->fr->f[pfn].stamp;
		uint32_t refs = refs_of(st);
		gboolean ws = (st & S_WORKINGSET) != 0;

		/* the workingset being lazily promoted is not counted */
		if (refs + ws != (1u << LRU_REFS_WIDTH) + 1)
			g->protected_[type][tier_of(refs, ws)]++;
		inc_gen(rc, g, pfn);
		rc->stats.pgrefill++;
	}
	reset_ctrl_pos(g, type);
	g->min_seq[type]++;
}

static void inc_max_seq(vm_reclaim_t *rc, mglru_t *g, uint32_t swappiness)
{
	for (int type = 0; type < VM_RECLAIM_NR_TYPES; type++)
		if (nr_gens(g, type) == MAX_NR_GENS)
			inc_min_seq(rc, g, type, swappiness);
	g->max_seq++;
}

/* try_to_inc_min_seq: skip empty oldest generations of the evictable types
 * (keeping two), and keep anon and file within reach of each other. */
static void try_to_inc_min_seq(mglru_t *g, uint32_t swappiness)
{
	uint64_t min_seq[VM_RECLAIM_NR_TYPES] = { g->min_seq[0], g->min_seq[1] };
	gboolean moved = FALSE;

	for (int type = min_type(swappiness); type <= max_type(swappiness);
	     type++)
		while (min_seq[type] + MIN_NR_GENS <= g->max_seq &&
		       list_of_seq(g, min_seq[type], type)->nr == 0) {
			min_seq[type]++;
			moved = TRUE;
		}
	if (!moved)
		return;
	if (swappiness && swappiness <= MAX_SWAPPINESS) {
		uint64_t seq = g->max_seq - MIN_NR_GENS;

		if (min_seq[ANON] > seq && min_seq[FILE_] < seq)
			min_seq[ANON] = seq;
		else if (min_seq[FILE_] > seq && min_seq[ANON] < seq)
			min_seq[FILE_] = seq;
	}
	for (int type = min_type(swappiness); type <= max_type(swappiness);
	     type++)
		if (min_seq[type] > g->min_seq[type]) {
			reset_ctrl_pos(g, type);
			g->min_seq[type] = min_seq[type];
		}
}

/* ---- eviction ----------------------------------------------------------- */

typedef enum { SCAN_EVICT, SCAN_MOVED, SCAN_NONE } scan_t;

/*
 * Look at the tail of @type's oldest generation: sort_folio (protected
 * tiers move on), then the rmap's accessed-bit check (young pages stay),
 * else take it.  SCAN_NONE when the type has only two generations.
 */
static scan_t scan_one(vm_reclaim_t *rc, mglru_t *g, int type, int tier_idx,
		       uint32_t *victim)
{
	vm_reclaim_list_t *l;
	vm_frame_t *f;
	uint32_t pfn, refs;
	gboolean ws;
	int tier;

	if (nr_gens(g, type) <= MIN_NR_GENS)
		return SCAN_NONE;
	l = list_of_seq(g, g->min_seq[type], type);
	if (l->tail == VM_NIL)
		return SCAN_NONE;
	pfn = l->tail;
	f = &rc->fr->f[pfn];
	rc->stats.pgscan++;
	refs = refs_of(f->stamp);
	ws = (f->stamp & S_WORKINGSET) != 0;
	tier = tier_of(refs, ws);

	/* protected: a tier the controller protects, or all counts set */
	if (tier > tier_idx || refs + ws == (1u << LRU_REFS_WIDTH) + 1) {
		if (refs + ws != (1u << LRU_REFS_WIDTH) + 1)
			g->protected_[type][tier]++;
		inc_gen(rc, g, pfn);
		rc->stats.pgrefill++;
		return SCAN_MOVED;
	}

	/* young through the page tables: lru_gen_folio_check_references */
	if (f->mapcount > 0 && (f->flags & VM_FRAME_REFERENCED)) {
		f->flags &= (uint8_t)~VM_FRAME_REFERENCED;
		vm_reclaim_list_del(rc->fr, l, pfn);
		if (f->stamp & (S_REFERENCED | S_WORKINGSET)) {
			/* lru_gen_set_refs: the second time, activate */
			f->stamp = (f->stamp & ~(uint64_t)S_REFS_FLAGS) |
				   S_WORKINGSET;
			put(rc, g, pfn, g->max_seq);
			rc->stats.pgactivate++;
		} else {
			/* the first time: keep, and not in the oldest
			 * generation (evict_folios puts a file page back
			 * active; an anonymous one goes to min_seq + 1) */
			f->stamp = (f->stamp & ~(uint64_t)S_REFS) | S_REFERENCED;
			if (type == FILE_) {
				f->stamp &= ~(uint64_t)S_REFS_FLAGS;
				put(rc, g, pfn, g->max_seq - 1);
			} else {
				put(rc, g, pfn, g->min_seq[type] + 1);
			}
		}
		return SCAN_MOVED;
	}

	/* isolate_folio: the counts are kept only with PG_referenced */
	if (!(f->stamp & S_REFERENCED))
		f->stamp &= ~(uint64_t)S_REFS;
	vm_reclaim_list_del(rc->fr, l, pfn);
	g->evicted[type][tier]++;
	*victim = pfn;
	return SCAN_EVICT;
}

static uint32_t mglru_victim(vm_reclaim_t *rc, gboolean want_anon,
			     gboolean want_file)
{
	mglru_t *g = rc->priv;
	uint32_t swappiness = !want_file ? SWAPPINESS_ANON_ONLY
			    : want_anon ? g->swappiness : 0;
	/* A bound no run reaches (each page is passed over at most twice
	 * per call, see the file comment): a safety net, not a rule. */
	uint64_t steps = 8 * (uint64_t)vm_reclaim_nr(rc) + 64;

	if (!want_anon && !want_file)
		return VM_NIL;
	if (swappiness == 0 && rc->nr[FILE_] == 0)
		return VM_NIL;        /* no file page, and anon may not go */
	while (steps--) {
		uint32_t victim = VM_NIL;
		gboolean progress = FALSE;
		int type;

		try_to_inc_min_seq(g, swappiness);
		/* have to age: eviction would reach the young generations */
		if (evictable_min_seq(g, swappiness) + MIN_NR_GENS > g->max_seq) {
			inc_max_seq(rc, g, swappiness);
			continue;
		}
		type = swappiness == SWAPPINESS_ANON_ONLY ? ANON
		     : swappiness == 0 ? FILE_
		     : get_type_to_scan(g, swappiness);
		for (int i = 0; i < 2 && !progress; i++, type = !type) {
			if (type < min_type(swappiness) ||
			    type > max_type(swappiness))
				continue;
			switch (scan_one(rc, g, type, get_tier_idx(g, type),
					 &victim)) {
			case SCAN_EVICT:
				return victim;
			case SCAN_MOVED:
				progress = TRUE;
				break;
			case SCAN_NONE:
				break;
			}
		}
		if (!progress)
			inc_max_seq(rc, g, swappiness);
	}
	g_assert_not_reached();
	return VM_NIL;
}

/* A victim that could not go: a dirty or busy one waits in min_seq + 1
 * (folio_inc_gen, reclaiming), any other is a rejected page, which is not
 * put back in the oldest generation (evict_folios sets PG_active). */
static void mglru_putback(vm_reclaim_t *rc, uint32_t pfn)
{
	mglru_t *g = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	int type = vm_reclaim_type(f);
	uint32_t refs = refs_of(f->stamp);
	gboolean ws = (f->stamp & S_WORKINGSET) != 0;
	int tier = tier_of(refs, ws);

	if (g->evicted[type][tier])
		g->evicted[type][tier]--;
	if (f->flags & (VM_FRAME_DIRTY | VM_FRAME_WRITEBACK | VM_FRAME_LOCKED)) {
		put(rc, g, pfn, g->min_seq[type] + 1);
		return;
	}
	f->stamp = (f->stamp & ~(uint64_t)S_REFS_FLAGS) | S_ACTIVE;
	put(rc, g, pfn, birth_seq(rc, g, f));
}

/* folio_rotate_reclaimable with MGLRU (lru_gen_add_folio, reclaiming): a
 * page whose pageout completed goes to the tail of the oldest generation,
 * the next to be evicted. */
static void mglru_rotate(vm_reclaim_t *rc, uint32_t pfn)
{
	mglru_t *g = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	int type = vm_reclaim_type(f);
	unsigned gen = (unsigned)(f->list - 1) / 2;

	vm_reclaim_list_del(rc->fr, &g->lists[gen][type], pfn);
	f->stamp &= ~(uint64_t)S_ACTIVE;
	vm_reclaim_list_add_tail(rc->fr, list_of_seq(g, g->min_seq[type], type),
				 pfn);
}

/*
 * The shadow of a victim (lru_gen_eviction): the oldest sequence of its
 * type now, its refs beyond the first, its workingset bit, and bit 0 so
 * that it is never 0.
 */
static uint64_t mglru_shadow(vm_reclaim_t *rc, uint32_t pfn)
{
	mglru_t *g = rc->priv;
	const vm_frame_t *f = &rc->fr->f[pfn];
	uint32_t refs = refs_of(f->stamp);

	return 1 | (uint64_t)((f->stamp & S_WORKINGSET) != 0) << 1 |
	       (uint64_t)(refs ? refs - 1 : 0) << 2 |
	       g->min_seq[vm_reclaim_type(f)] << 4;
}

/*
 * lru_gen_refault: a refault counts for the controller when the page was
 * evicted less than MAX_NR_GENS generations ago (lru_gen_test_recent), in
 * the tier it left from; a workingset page comes back workingset (and so is
 * born young).
 */
static gboolean mglru_refault(vm_reclaim_t *rc, uint32_t pfn, uint64_t shadow)
{
	mglru_t *g = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	int type = vm_reclaim_type(f);
	uint64_t seq = shadow >> 4;
	gboolean ws = (shadow >> 1) & 1;
	uint32_t refs = (uint32_t)((shadow >> 2) & LRU_REFS_MASK) + 1;
	uint64_t d = g->max_seq > seq ? g->max_seq - seq : seq - g->max_seq;

	if (d >= MAX_NR_GENS)
		return FALSE;
	g->refaulted[type][tier_of(refs, ws)]++;
	if (ws) {
		/* lru_gen_refault sets PG_workingset again and counts
		 * WORKINGSET_ACTIVATE (Linux also does so for any refault in
		 * a fault, which this model cannot tell yet: in_fault) */
		f->stamp |= S_WORKINGSET;
		rc->ws_activated = TRUE;
	}
	return TRUE;
}

const vm_reclaim_ops_t vm_reclaim_policy_mglru = {
	.policy = {
		.name = "mglru",
		.why = "from the tail of the oldest generation (not young, "
			"not in a protected tier)",
		.help = "Linux's multi-generational LRU (lru_gen): "
			"generations, tiers and a refault controller",
	},
	.init = mglru_init,
	.destroy = mglru_destroy,
	.clone = mglru_clone,
	.add = mglru_add,
	.remove = mglru_remove,
	.access = mglru_access,
	.victim = mglru_victim,
	.putback = mglru_putback,
	.rotate = mglru_rotate,
	.shadow = mglru_shadow,
	.refault = mglru_refault,
};
