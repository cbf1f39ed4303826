/*
 * Translation lookaside buffers: one set-associative (or fully associative)
 * array of translations, used for both the L1 and the L2 TLB, with the
 * replacement policy behind an ops table (tlb-lru.c, tlb-fifo.c,
 * tlb-random.c), as DynamoRIO's drcachesim puts one caching-device core under
 * its TLB and cache simulators.
 *
 *   vpn ──► set = vpn & (nr_sets-1) (or vpn % nr_sets)
 *           ┌──────┬──────┬──────┬──────┐
 *   set k   │ way0 │ way1 │ way2 │ way3 │   each: vpn, asid, pfn, perm, stamp
 *           └──────┴──────┴──────┴──────┘
 *
 * Entries are tagged with an address-space id; with tlb.asid=false the engine
 * flushes on every context switch instead.  What is left out: page-size
 * classes (huge pages), separate instruction and data TLBs, and the timing of
 * the lookup itself (the engine charges cost.access).
 *
 * Hot path: vm_tlb_lookup is inline, touches one set, allocates nothing.
 */
#ifndef VM_TLB_H
#define VM_TLB_H

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

#include "models/policy.h"

typedef struct vm_tlb vm_tlb_t;

typedef struct {
	uint64_t vpn;      /* virtual page number */
	uint64_t pfn;      /* frame it maps to */
	uint64_t stamp;    /* policy's ordering key (last use, fill time) */
	uint32_t asid;     /* owning address space (the pid) */
	uint8_t valid;
	uint8_t perm;      /* VM_PROT_* the PTE allowed when it was cached */
	uint16_t pad;
} vm_tlb_entry_t;

/* What the core stamps itself (vm_tlb_policy_ops_t.stamp): e->stamp =
 * ++t->clock at a fill, at a hit.  lru is both, fifo the fill: written by
 * the core, without an indirect call to a hook on every TLB miss and hit,
 * and with the set's order (below) known to end at the way just stamped. */
enum {
	VM_TLB_STAMP_FILL = 1 << 0,
	VM_TLB_STAMP_HIT = 1 << 1,
};

/*
 * A replacement policy.  The core keeps the entries and finds invalid ways
 * itself; a policy only orders the valid ones.  Optional hooks may be NULL.
 */
typedef struct {
	vm_policy_t policy;   /* name, narration, help, flags (policy.h) */
	/* Private state for a TLB of @nr_sets x @ways; NULL if none needed. */
	void *(*init)(unsigned nr_sets, unsigned ways);
	void (*destroy)(void *priv);
	/* A deep copy of @priv (snapshots, models/clone.c), generator state
	 * included.  Required when init is set. */
	void *(*clone)(const void *priv, unsigned nr_sets, unsigned ways);
	/* A lookup hit @e (optional: FIFO and random ignore hits).  Not with
	 * VM_TLB_STAMP_HIT. */
	void (*hit)(vm_tlb_t *t, vm_tlb_entry_t *e);
	/* @e was just filled (optional).  Not with VM_TLB_STAMP_FILL. */
	void (*fill)(vm_tlb_t *t, vm_tlb_entry_t *e);
	/* Choose the way to evict among @ways valid entries of @set (every
	 * way valid: the core uses a free way first).  Required.  Runs on
	 * every miss of a full set, so keep it to one pass without
	 * data-dependent branches (tlb-lru.c shows how). */
	unsigned (*victim)(vm_tlb_t *t, vm_tlb_entry_t *set, unsigned ways);
	/* TRUE when victim() is "the smallest stamp" (LRU, FIFO): the fill
	 * then takes the first way of the set's order (below), or finds the
	 * entry, a free way and the victim in one pass over the compact
	 * keys[] and ages[], instead of calling victim(), which matters on
	 * every TLB miss (test-tlb checks that both agree). */
	gboolean victim_is_min_stamp;
	/* VM_TLB_STAMP_*: the stamps the core writes instead of a hook. */
	unsigned stamp;
} vm_tlb_policy_ops_t;

/* keys[] of an invalid way: no vpn is this large (a vpn is an address
 * shifted right by the page shift, at least 1). */
#define VM_TLB_NO_KEY UINT64_MAX

/*
 * Beside the entries, dense arrays hold what the scans read, so that a
 * lookup in the 1536-entry L2 TLB reads 96 bytes of one set instead of its
 * 384 (the entries are 32 bytes): host cache misses there were most of the
 * cost of a TLB miss (docs/speed.md).  They are kept equal to the entries
 * by every function here; the entries stay what everyone else reads.
 *   keys[i]  entries[i].vpn when valid, else VM_TLB_NO_KEY
 *   ages[i]  entries[i].stamp + 1 when valid, else 0 (for the
 *            victim_is_min_stamp policies: the smallest is the victim);
 *            only in a TLB that keeps no order (below): NULL otherwise
 *
 * And for a victim_is_min_stamp policy on sets of 2 to 16 ways (the
 * 12-way L2 TLB, the 4-way L1), each set's ways in the order of their
 * ages, 4 bits a way, the next victim in the lowest bits, so that the fill
 * after a miss takes its victim without reading the set's ages (O(1): the
 * scan of the ages was the largest cost of a TLB miss, docs/speed.md):
 *   order[s] ─► │ w0 │ w1 │ ... │ wN-1 │   by (age, way) ascending: free
 *                 victim           newest    ways (age 0) first, by way
 * (an age here is entries[i].stamp + 1, or 0 for a free way).  A hit or a
 * fill that gives a way the newest age moves it to the top (a shift of the
 * slots above it; nothing when it is there already, as on the L1 hits of
 * a sequential run); a drop puts it after the free ways below it; anything
 * else rebuilds the set from the entries.  Such a TLB keeps no ages[]: a
 * fill writes the entry, its key and the order, and reads nothing but the
 * order (the key that says whether the way was valid is in the line the
 * lookup that missed has just read), which halves the host cache misses
 * of a fill in the L2 (docs/speed.md, the fifth round).
 */
struct vm_tlb {
	vm_tlb_entry_t *entries; /* nr_sets * ways, set-major */
	uint64_t *keys;         /* nr_sets * ways: the vpn, or VM_TLB_NO_KEY */
	uint64_t *ages;         /* nr_sets * ways: stamp + 1, or 0; NULL
				 * when order is kept */
	unsigned nr_sets;
	unsigned ways;
	uint64_t set_mask;      /* nr_sets-1 when nr_sets is a power of two, else 0 */
	uint64_t clock;         /* bumped by policies that stamp entries */
	const vm_tlb_policy_ops_t *ops;
	void *priv;
	uint64_t *order;        /* nr_sets: the ways by age, 4 bits each
				 * (above), or NULL: the fill scans */
	gboolean modulo;        /* nr_sets is not a power of two: vpn % nr_sets */
	unsigned top_shift;     /* 4 * (ways - 1): the newest way's slot */
	unsigned stamp;         /* ops->stamp */
};

/*
 * The first way of @set with the smallest stamp: the victim of lru (oldest
 * use) and fifo (oldest fill), and the tie rule both keep (the lowest way).
 * Selects instead of branching, since the stamps lie in no order that a
 * branch predictor could learn.
 */
static inline unsigned vm_tlb_oldest_way(const vm_tlb_entry_t *set,
					 unsigned ways)
{
	unsigned v = 0;
	uint64_t min = set[0].stamp;

	for (unsigned w = 1; w < ways; w++) {
		gboolean older = set[w].stamp < min;
		min = older ? set[w].stamp : min;
		v = older ? w : v;
	}
	return v;
}

/* The policy registry: NULL-terminated, the default (lru) first; lookup by
 * name (NULL if none). */
extern const vm_tlb_policy_ops_t *const vm_tlb_policies[];
const vm_tlb_policy_ops_t *vm_tlb_policy_find(const char *name);

extern const vm_tlb_policy_ops_t vm_tlb_policy_lru;
extern const vm_tlb_policy_ops_t vm_tlb_policy_fifo;
extern const vm_tlb_policy_ops_t vm_tlb_policy_random;

/*
 * A TLB of @entries translations in sets of @ways (0: fully associative).
 * @entries must be a multiple of @ways and > 0.  Returns NULL when @entries
 * is 0 (no TLB at this level).
 */
vm_tlb_t *vm_tlb_new(unsigned entries, unsigned ways,
		     const vm_tlb_policy_ops_t *ops);
void vm_tlb_free(vm_tlb_t *t);

/* The number of @vpn's set (a mask also when there is one set). */
static inline size_t vm_tlb_set_no(const vm_tlb_t *t, uint64_t vpn)
{
	return G_LIKELY(!t->modulo) ? (size_t)(vpn & t->set_mask)
				    : (size_t)(vpn % t->nr_sets);
}

/* The index of the first way of @vpn's set in entries[], keys[], ages[]. */
static inline size_t vm_tlb_set_index(const vm_tlb_t *t, uint64_t vpn)
{
	return vm_tlb_set_no(t, vpn) * t->ways;
}

/* Way @w of set @s was just stamped the newest of the TLB (++clock): to
 * the top of the set's order (t->order, above). */
void vm_tlb_order_newest(vm_tlb_t *t, size_t s, unsigned w);
/* A policy's hit hook for way @w of set @s, and the way's age and place
 * kept (vm_tlb_lookup's uncommon case). */
void vm_tlb_hit_hook(vm_tlb_t *t, size_t s, unsigned w);

static inline vm_tlb_entry_t *vm_tlb_set(vm_tlb_t *t, uint64_t vpn)
{
	return t->entries + vm_tlb_set_index(t, vpn);
}

/* Whether the set whose first way is @i holds a valid entry for (@vpn,
 * @asid), and in *@w its way.  Scans the set's keys, four a step (the
 * L1's set, a third of the L2's): two instructions a way on a miss, which
 * reads every key, instead of five; the rest of the ways one at a time.
 * Reads an entry only when its vpn matches.  Always inline: out of line
 * (which GCC chose for the L2's lookup once the scan took four keys a
 * step) its call and register saves cost more than the step saves. */
static inline __attribute__((always_inline)) gboolean
vm_tlb_scan(const vm_tlb_t *t, size_t i, uint64_t vpn, uint32_t asid, size_t *w)
{
	const uint64_t *keys = t->keys + i, *k = keys;
	const uint64_t *end = keys + t->ways, *end4 = keys + (t->ways & ~3u);
#define VM_TLB_TRY(n) \
	if (k[n] == vpn && t->entries[i + (size_t)(k - keys) + (n)].asid == asid) { \
		*w = (size_t)(k - keys) + (n); \
		return TRUE; \
	}
	for (; k < end4; k += 4) {
		VM_TLB_TRY(0)
		VM_TLB_TRY(1)
		VM_TLB_TRY(2)
		VM_TLB_TRY(3)
	}
	for (; k < end; k++) {
		VM_TLB_TRY(0)
	}
#undef VM_TLB_TRY
	return FALSE;
}

/* A hit on @e, way @w of set @set: what vm_tlb_lookup tells the policy. */
static inline __attribute__((always_inline)) void
vm_tlb_hit_at(vm_tlb_t *t, vm_tlb_entry_t *e, size_t set, unsigned w)
{
	if (t->stamp & VM_TLB_STAMP_HIT) {
		/* lru: the newest of the TLB, so the top of its set, where
		 * it is already when the set's last use was this page */
		e->stamp = ++t->clock;
		if (G_LIKELY(t->order != NULL)) {
			if (((t->order[set] >> t->top_shift) & 15) != w)
				vm_tlb_order_newest(t, set, w);
		} else {
			t->ages[set * t->ways + w] = e->stamp + 1;
		}
	} else if (t->ops->hit) {
		vm_tlb_hit_hook(t, set, w);
	}
}

/* @e, the valid entry for @vpn (and the asid of the lookup that found
 * it), hit again with no fill or drop of @t since that lookup, but maybe
 * other hits: what vm_tlb_lookup would do, without the scan. */
static inline __attribute__((always_inline)) void
vm_tlb_hit_known(vm_tlb_t *t, vm_tlb_entry_t *e, uint64_t vpn)
{
	size_t set = vm_tlb_set_no(t, vpn);
	vm_tlb_hit_at(t, e, set, (unsigned)((size_t)(e - t->entries) - set * t->ways));
}

/* The valid entry for (@vpn, @asid), or NULL.  Tells the policy of a hit. */
static inline __attribute__((always_inline)) vm_tlb_entry_t *
vm_tlb_lookup(vm_tlb_t *t, uint64_t vpn, uint32_t asid)
{
	size_t set = vm_tlb_set_no(t, vpn);
	size_t i = set * t->ways, w;
	if (!vm_tlb_scan(t, i, vpn, asid, &w))
		return NULL;
	vm_tlb_entry_t *e = &t->entries[i + w];
	vm_tlb_hit_at(t, e, set, (unsigned)w);
	return e;
}

/* Whether @t's policy lets a hit be taken again without a lookup
 * (vm_tlb_hit_again_n): it keeps stamps, or has no hit hook of its own. */
static inline gboolean vm_tlb_hits_again(const vm_tlb_t *t)
{
	return (t->stamp & VM_TLB_STAMP_HIT) || t->ops->hit == NULL;
}

/* @e, which the last lookup of @t that told the policy hit, hit @k times
 * again, with no lookup, fill or drop of @t in between (vm_tlb_hits_again
 * holds): what @k lookups would do on those hits (its set's order has @e
 * on top already), each stamp one more than the last, the last kept. */
static inline __attribute__((always_inline)) void
vm_tlb_hit_again_n(vm_tlb_t *t, vm_tlb_entry_t *e, uint64_t k)
{
	if (t->stamp & VM_TLB_STAMP_HIT) {
		t->clock += k;
		e->stamp = t->clock;
		if (G_UNLIKELY(t->order == NULL))
			t->ages[e - t->entries] = e->stamp + 1;
	}
}

/* One such hit: FALSE, and nothing done, for a policy with a hit hook of
 * its own (look it up instead). */
static inline __attribute__((always_inline)) gboolean
vm_tlb_hit_again(vm_tlb_t *t, vm_tlb_entry_t *e)
{
	if (!vm_tlb_hits_again(t))
		return FALSE;
	vm_tlb_hit_again_n(t, e, 1);
	return TRUE;
}

/*
 * The valid entry for (@vpn, @asid), or NULL, without telling the policy: for
 * the UI, the invariant checker and tests, which must not perturb the
 * replacement order.
 */
const vm_tlb_entry_t *vm_tlb_peek(const vm_tlb_t *t, uint64_t vpn,
				  uint32_t asid);

/*
 * Insert or update the translation (@vpn, @asid) -> @pfn with @perm.  An
 * existing entry is updated in place (and counts as a fill for the policy);
 * otherwise an invalid way is used, else the policy's victim.  When a valid
 * entry was evicted and @evicted is not NULL, it receives a copy of it and the
 * function returns TRUE.
 */
gboolean vm_tlb_fill(vm_tlb_t *t, uint64_t vpn, uint32_t asid, uint64_t pfn,
		     uint8_t perm, vm_tlb_entry_t *evicted);

/* vm_tlb_fill_absent but for its common case, in tlb.c. */
gboolean vm_tlb_fill_absent_slow(vm_tlb_t *t, uint64_t vpn, uint32_t asid,
				 uint64_t pfn, uint8_t perm);

/*
 * vm_tlb_fill for a translation the caller knows @t does not hold (a lookup
 * of it in @t just missed, and nothing changed @t since): the victim
 * search alone, without looking for the entry itself.  Returns whether a
 * valid entry was evicted.
 *
 * Inline for its common case, a policy whose fill is a stamp (lru, fifo)
 * on a TLB that keeps its sets' order: the victim is the order's first
 * way, and filled with ++clock it becomes the newest, so the order turns
 * by one slot (no check of the ages is needed).  Reads the order and the
 * victim's key, which the lookup that missed has just read.
 */
static inline gboolean vm_tlb_fill_absent(vm_tlb_t *t, uint64_t vpn,
					  uint32_t asid, uint64_t pfn,
					  uint8_t perm)
{
	if (G_LIKELY(t->order != NULL && (t->stamp & VM_TLB_STAMP_FILL))) {
		size_t s = vm_tlb_set_no(t, vpn);
		uint64_t o = t->order[s];
		unsigned w = (unsigned)o & 15;
		size_t i = s * t->ways + w;
		gboolean was_valid = t->keys[i] != VM_TLB_NO_KEY;
		t->entries[i] = (vm_tlb_entry_t){
			.vpn = vpn, .pfn = pfn, .stamp = ++t->clock,
			.asid = asid, .valid = 1, .perm = perm,
		};
		t->keys[i] = vpn;
		t->order[s] = o >> 4 | (uint64_t)w << t->top_shift;
		return was_valid;
	}
	return vm_tlb_fill_absent_slow(t, vpn, asid, pfn, perm);
}

/* Rebuild keys[] and ages[] (or the order) from entries[] (after writing
 * entries). */
void vm_tlb_sync(vm_tlb_t *t);
/* TRUE when every set's order lists its ways by (age, way), or @t keeps
 * none, and keys[] (and ages[]) agree with the entries (tests). */
gboolean vm_tlb_order_ok(const vm_tlb_t *t);

/* Drop the translation of one page; TRUE if there was one. */
gboolean vm_tlb_invalidate(vm_tlb_t *t, uint64_t vpn, uint32_t asid);
/* Drop [vpn, vpn+npages) of @asid; returns how many entries were dropped.
 * Cost is min(npages, entries) lookups, so a huge munmap stays cheap. */
unsigned vm_tlb_invalidate_range(vm_tlb_t *t, uint64_t vpn, uint64_t npages,
				 uint32_t asid);
/* Drop every entry of @asid. */
unsigned vm_tlb_flush_asid(vm_tlb_t *t, uint32_t asid);
/* Drop every entry (a context switch without ASIDs). */
unsigned vm_tlb_flush_all(vm_tlb_t *t);
/* Number of valid entries (for the UI and the invariant checker). */
unsigned vm_tlb_nr_valid(const vm_tlb_t *t);

#endif
