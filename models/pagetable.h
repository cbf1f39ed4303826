/*
 * Multi-level radix page tables, with the number of levels and the index
 * bits of each level taken from mmu.bits (top level first), as x86-64's
 * 9,9,9,9 or i386's 10,10.
 *
 *   vpn (virtual page number), for mmu.bits = 4,4:
 *     ┌────────┬────────┐
 *     │ L0 idx │ L1 idx │        L0 table (16 entries)
 *     └───┬────┴───┬────┘       ┌──┬──┬──┬──┬─ ─┐
 *         └────────┼──────────► │  │P │  │  │   │  P: next table's id
 *                  │            └──┴┬─┴──┴──┴─ ─┘
 *                  │       L1 table ▼ (16 entries)
 *                  │            ┌──┬──┬──┬──┬─ ─┐
 *                  └──────────► │  │  │PTE  │   │  leaf: pfn + R W X A D
 *                               └──┴──┴──┴──┴─ ─┘
 *
 * All processes' tables live in one pool of tables indexed by a 32-bit id;
 * an upper-level entry holds the id of the table below.  When
 * mmu.pt_frames=true every table also occupies a frame of physical memory,
 * obtained through a callback so that the machine can reclaim or fail.
 *
 * A PMD leaf (VM_PTE_HUGE in an entry of the next-to-last level, x86's PS
 * bit) maps a huge page of 2^bits[last] pages itself: the walk stops there,
 * one reference short.  Each PMD leaf keeps a page-table page deposited in
 * its PMD table (pgtable_trans_huge_deposit), as x86 Linux does, so that a
 * split never allocates: deposited tables are live, counted in pt_pages, and
 * chained through their next_free field from the PMD table's deposit.
 *
 * A walk reads one entry per level from the top down to the first entry that
 * is not present (docs/format.md (outcomes): walk_refs counts those reads).  Tables are freed
 * when the process exits (docs/format.md (outcomes)'s pt_pages rule) and, as
 * mmu.free_tables asks (docs/profiles.md), also by munmap's free_pgtables
 * (vm_pt_free_range) and MADV_DONTNEED's page-table reclaim
 * (vm_pt_reclaim_empty).
 */
#ifndef VM_PAGETABLE_H
#define VM_PAGETABLE_H

#include <stdint.h>
#include <glib.h>
#include "models/params.h"

/* Leaf PTE bits.  An upper-level entry is VM_PTE_P | id << VM_PTE_SHIFT. */
enum {
	VM_PTE_P = 1 << 0,     /* present */
	VM_PTE_R = 1 << 1,     /* readable */
	VM_PTE_W = 1 << 2,     /* writable */
	VM_PTE_X = 1 << 3,     /* executable */
	VM_PTE_A = 1 << 4,     /* accessed */
	VM_PTE_D = 1 << 5,     /* dirty */
	VM_PTE_SWAP = 1 << 6,  /* not present: the payload is a swap slot */
	VM_PTE_HUGE = 1 << 7,  /* a PMD leaf: maps a huge page (x86 PS) */
	VM_PTE_PERM = VM_PTE_R | VM_PTE_W | VM_PTE_X,
};
#define VM_PTE_SHIFT 8
#define VM_PTE_PFN(pte) ((uint64_t)(pte) >> VM_PTE_SHIFT)
#define VM_PTE_MAKE(pfn, bits) (((uint64_t)(pfn) << VM_PTE_SHIFT) | (bits))

typedef struct {
	uint64_t *e;          /* 2^bits entries; NULL when the table is free */
	uint32_t frame;       /* backing frame, VM_NIL without mmu.pt_frames */
	uint32_t next_free;   /* pool free list */
	uint32_t nr_present;  /* non-zero entries */
	uint8_t level;        /* 0 = top */
	uint32_t deposit;     /* a PMD table: first table deposited for its
			       * huge leaves (chained by next_free), VM_NIL */
} vm_pt_table_t;

typedef struct vm_pagetables {
	unsigned levels;
	unsigned bits[VM_MMU_MAX_LEVELS];
	unsigned shift[VM_MMU_MAX_LEVELS]; /* shift of each level's index in the vpn */
	uint64_t vpn_limit;                /* 2^(sum of bits): first vpn out of range */
	vm_pt_table_t *tables;
	uint32_t nr_tables;                /* slots used in tables[] */
	uint32_t cap;
	uint32_t free_list;
	uint32_t nr_live;                  /* tables in use, every process */
	/* Frame for a new table (@id, @level, for process @owner); VM_NIL when
	 * memory is exhausted.  NULL: tables take no frames. */
	uint32_t (*alloc_frame)(void *ctx, uint32_t owner, uint32_t id);
	void (*free_frame)(void *ctx, uint32_t pfn);
	void *ctx;
	/* The walk's cache (vm_pt_walk_cached): the PMD table (next-to-last
	 * level) that the last full walk from wc_root reached, for the vpns
	 * whose indices above it are those of wc_tag (vpn >> wc_shift). */
	uint32_t wc_root;                  /* VM_NIL: nothing cached */
	uint32_t wc_pmd;                   /* the PMD table's id */
	uint64_t wc_tag;
	unsigned wc_shift;                 /* shift[levels - 3] */
} vm_pagetables_t;

void vm_pt_init(vm_pagetables_t *pt, const uint32_t *bits, unsigned levels);
void vm_pt_destroy(vm_pagetables_t *pt);

/* A new, empty top-level table for process @owner; VM_NIL when no frame. */
uint32_t vm_pt_new_root(vm_pagetables_t *pt, uint32_t owner);

/*
 * Walk from @root to the leaf entry of @vpn without allocating.  Returns the
 * leaf slot, or NULL when an upper-level entry is not present.  *refs gets
 * the number of entries read (docs/format.md (outcomes)).
 */
static inline uint64_t *vm_pt_walk(const vm_pagetables_t *pt, uint32_t root,
				   uint64_t vpn, unsigned *refs)
{
	uint32_t id = root;
	unsigned last = pt->levels - 1;
	for (unsigned l = 0; l < last; l++) {
		uint64_t ent = pt->tables[id].e[(vpn >> pt->shift[l]) &
						((1u << pt->bits[l]) - 1)];
		/* absent, or a PMD leaf (vm_pt_pmd_lookup finds it) */
		if ((ent & (VM_PTE_P | VM_PTE_HUGE)) != VM_PTE_P) {
			*refs = l + 1;
			return NULL;
		}
		id = (uint32_t)VM_PTE_PFN(ent);
	}
	*refs = pt->levels;
	return &pt->tables[id].e[vpn & ((1u << pt->bits[last]) - 1)];
}

/*
 * vm_pt_walk, the same slot and *refs, from the PMD table the last walk
 * reached when @vpn shares its indices above that level (and @root is the
 * same): the entries above it were read then and found present, and only
 * vm_pt_free_tree can make them otherwise, which, like every freeing of a
 * table, empties the cache.  The PMD entry and the PTE are read as a walk
 * reads them, so changes of leaves (unmap, COW, reclaim) and of PMD entries
 * (a huge page made, split or zapped) need not touch it.  A bench of
 * random pages over 64 MiB walks the same PMD table every time: two reads
 * instead of four (docs/speed.md, the fifth round).  Needs 3 levels or
 * more to cache anything; @vpn below vpn_limit.
 */
uint64_t *vm_pt_walk_fill(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
			  unsigned *refs);
static inline uint64_t *vm_pt_walk_cached(vm_pagetables_t *pt, uint32_t root,
					  uint64_t vpn, unsigned *refs)
{
	if (G_LIKELY(pt->wc_root == root && vpn >> pt->wc_shift == pt->wc_tag)) {
		unsigned l = pt->levels - 2;
		uint64_t ent = pt->tables[pt->wc_pmd].e[(vpn >> pt->shift[l]) &
							((1u << pt->bits[l]) - 1)];
		if ((ent & (VM_PTE_P | VM_PTE_HUGE)) != VM_PTE_P) {
			*refs = l + 1;
			return NULL;
		}
		*refs = l + 2;
		return &pt->tables[VM_PTE_PFN(ent)].e[vpn & ((1u << pt->bits[l + 1]) - 1)];
	}
	return vm_pt_walk_fill(pt, root, vpn, refs);
}

/* The table id a walk from @root for @vpn reaches at the PMD level (the
 * next-to-last), or VM_NIL when an entry above it is absent or there are
 * fewer than 3 levels; for the invariant checker, against the cache. */
uint32_t vm_pt_pmd_table(const vm_pagetables_t *pt, uint32_t root,
			 uint64_t vpn);

/* Like vm_pt_walk without counting; NULL when no leaf table exists (also
 * under a PMD leaf). */
uint64_t *vm_pt_lookup(const vm_pagetables_t *pt, uint32_t root, uint64_t vpn);

/*
 * The leaf slot of @vpn, allocating missing tables for process @owner.
 * NULL when a table's frame could not be had (*nr_new says how many tables
 * were made before that).  *nr_new: tables allocated by this call.
 */
uint64_t *vm_pt_ensure(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		       uint32_t owner, unsigned *nr_new);

/* Account a leaf slot going from zero to non-zero or back. */
void vm_pt_leaf_set(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		    uint64_t *slot, uint64_t value);

/* Call @fn on every non-zero leaf entry with vpn in [start, end), skipping
 * absent subtrees.  @fn may change the entry (through vm_pt_leaf_set). */
typedef void (*vm_pt_leaf_fn)(void *ctx, uint64_t vpn, uint64_t *slot);
void vm_pt_for_each(vm_pagetables_t *pt, uint32_t root, uint64_t start,
		    uint64_t end, vm_pt_leaf_fn fn, void *ctx);

/* Free every table under and including @root; returns how many.  Leaf
 * entries must have been cleared (or their frames dealt with) first. */
unsigned vm_pt_free_tree(vm_pagetables_t *pt, uint32_t root);

/*
 * free_pgtables' free_pgd_range (mm/memory.c) after an unmapping of
 * [addr, end): free every table below the top level that some of [addr,
 * end) reaches and whose whole span lies in [floor, ceiling) (the end of
 * the mapping below the unmapped ones and the start of the one above;
 * 0 and vpn_limit when there is none), with what is left under it.  The
 * leaf entries there must have been cleared.  Returns how many tables went.
 * Cost: the tables there are, not the range's size.
 */
unsigned vm_pt_free_range(vm_pagetables_t *pt, uint32_t root, uint64_t addr,
			  uint64_t end, uint64_t floor, uint64_t ceiling);
/*
 * Linux's page-table reclaim at MADV_DONTNEED (mm/pt_reclaim.c,
 * CONFIG_PT_RECLAIM, 6.14): every last-level table whose whole span lies
 * in [start, end) and that holds no entry goes.  Returns how many.
 */
unsigned vm_pt_reclaim_empty(vm_pagetables_t *pt, uint32_t root,
			     uint64_t start, uint64_t end);

/* Tables reachable from @root (for the invariant checker). */
unsigned vm_pt_count_tree(const vm_pagetables_t *pt, uint32_t root);

/* ---- PMD leaves (huge pages; models/huge_memory.c) ---- */

/* The PMD entry of @vpn (next-to-last level), or NULL when a level above
 * it is absent (or the table has one level). */
uint64_t *vm_pt_pmd_lookup(const vm_pagetables_t *pt, uint32_t root,
			   uint64_t vpn);
/* The PMD entry of @vpn, allocating the levels above it for @owner; NULL
 * when a frame could not be had.  *nr_new: tables allocated. */
uint64_t *vm_pt_pmd_ensure(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
			   uint32_t owner, unsigned *nr_new);
/* Set the PMD entry @slot of @vpn to @value, keeping the PMD table's count
 * of present entries. */
void vm_pt_pmd_set(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		   uint64_t *slot, uint64_t value);
/* A new empty last-level table for @owner, deposited in the PMD table of
 * @vpn (pgtable_trans_huge_deposit); FALSE when no frame. */
gboolean vm_pt_deposit_new(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
			   uint32_t owner);
/* Deposit table @id (a last-level table, empty) in @vpn's PMD table. */
void vm_pt_deposit(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		   uint32_t id);
/* Take a deposited table back from @vpn's PMD table
 * (pgtable_trans_huge_withdraw); its id. */
uint32_t vm_pt_withdraw(vm_pagetables_t *pt, uint32_t root, uint64_t vpn);
/* Free a table that no entry links (a withdrawn deposit). */
void vm_pt_free_table(vm_pagetables_t *pt, uint32_t id);
/* The entries of last-level table @id (to fill a withdrawn one). */
static inline uint64_t *vm_pt_table_entries(vm_pagetables_t *pt, uint32_t id)
{
	return pt->tables[id].e;
}
/* Make PMD entry @slot of @vpn link table @id, whose @nr_present entries
 * the caller filled (split_huge_pmd). */
void vm_pt_pmd_link(vm_pagetables_t *pt, uint64_t *slot, uint32_t id,
		    unsigned nr_present);
/* vm_pt_for_each that also calls @huge on every PMD leaf intersecting the
 * range (with the first vpn it maps); after @huge returns, the entry is
 * read again, and if it now links a table (split) that table is visited.
 * With @huge NULL, PMD leaves are skipped; with @fn NULL, the leaf tables
 * are not walked (for a caller that wants the PMD leaves only). */
void vm_pt_for_each_huge(vm_pagetables_t *pt, uint32_t root, uint64_t start,
			 uint64_t end, vm_pt_leaf_fn fn, vm_pt_leaf_fn huge,
			 void *ctx);

/* The pages one entry of the next-to-last level maps: a leaf table's span
 * (PMD_SIZE in pages); 0 with one level. */
static inline uint64_t vm_pt_pmd_span(const vm_pagetables_t *pt)
{
	return pt->levels >= 2 ? (uint64_t)1 << pt->shift[pt->levels - 2] : 0;
}

/* Index of @vpn at @level. */
static inline unsigned vm_pt_index(const vm_pagetables_t *pt, uint64_t vpn,
				   unsigned level)
{
	return (unsigned)((vpn >> pt->shift[level]) &
			  ((1u << pt->bits[level]) - 1));
}

#endif
