/*
 * Tests of the radix page tables (models/pagetable.c).
 *
 * Geometries: x86-64's 9,9,9,9, i386's 10,10, the tiny profile's 4,4, a
 * single level of 8 bits, and an uneven 3,2,5.  A vpn is written by its
 * indices, top level first: V4(1,2,3,4) is (1<<27)|(2<<18)|(3<<9)|4.
 *
 * The walk/ensure test replays steps and checks after each one the refs a
 * walk counted (docs/format.md (outcomes): entries read from the top down to the first
 * one not present), the tables ensure allocated, and the tables live; the
 * tree after each step is drawn beside it:
 *
 *   root ─[1]─► T1 ─[2]─► T2 ─[3]─► T3 (leaf)      "root[1] T1[2] T2[3] T3"
 *
 * Then: the alloc_frame callback (a frame per table, failure half-way down),
 * leaf counting, vm_pt_for_each over ranges, freeing and counting trees,
 * and table ids coming back from the pool's free list.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "models/pagetable.h"
#include "models/frames.h"
#include "models/types.h"   /* vm_splitmix64 */
#include "tests/testlib.h"

#define V4(a, b, c, d) (((uint64_t)(a) << 27) | ((uint64_t)(b) << 18) | \
			((uint64_t)(c) << 9) | (uint64_t)(d))
#define V2(a, b, sh) (((uint64_t)(a) << (sh)) | (uint64_t)(b))
#define NOLIMIT UINT64_MAX
#define END UINT64_MAX     /* end of a vpn list */

typedef struct {
	const char *name;
	unsigned levels;
	uint32_t bits[VM_MMU_MAX_LEVELS];
	unsigned shift[VM_MMU_MAX_LEVELS];
	uint64_t vpn_limit;
} geom_t;

enum { G9999, G1010, G44, G8, G325, NR_GEOMS };

static const geom_t geoms[NR_GEOMS] = {
	[G9999] = { "9,9,9,9", 4, { 9, 9, 9, 9 }, { 27, 18, 9, 0 }, (uint64_t)1 << 36 },
	[G1010] = { "10,10", 2, { 10, 10 }, { 10, 0 }, (uint64_t)1 << 20 },
	[G44] = { "4,4", 2, { 4, 4 }, { 4, 0 }, 256 },
	[G8] = { "8", 1, { 8 }, { 0 }, 256 },
	[G325] = { "3,2,5", 3, { 3, 2, 5 }, { 7, 5, 0 }, 1024 },
};

static void pt_new(vm_pagetables_t *pt, int g)
{
	vm_pt_init(pt, geoms[g].bits, geoms[g].levels);
}

/* ---- vm_pt_init ------------------------------------------------------------ */

START_TEST(test_init)
{
	const geom_t *g = &geoms[_i];
	vm_pagetables_t pt;
	memset(&pt, 0x5a, sizeof pt);
	vm_pt_init(&pt, g->bits, g->levels);
	ck_assert_uint_eq(pt.levels, g->levels);
	for (unsigned l = 0; l < g->levels; l++) {
		ck_assert_uint_eq(pt.bits[l], g->bits[l]);
		ck_assert_msg(pt.shift[l] == g->shift[l], "%s: shift[%u] = %u, expected %u",
			      g->name, l, pt.shift[l], g->shift[l]);
	}
	ck_assert_uint_eq(pt.vpn_limit, g->vpn_limit);
	ck_assert_ptr_null(pt.tables);
	ck_assert_uint_eq(pt.nr_tables, 0);
	ck_assert_uint_eq(pt.nr_live, 0);
	ck_assert_uint_eq(pt.free_list, VM_NIL);
	ck_assert_ptr_null(pt.alloc_frame);
	ck_assert_ptr_null(pt.free_frame);
	/* the first root is table 0, at level 0, empty, with no frame */
	uint32_t root = vm_pt_new_root(&pt, 1);
	ck_assert_uint_eq(root, 0);
	ck_assert_uint_eq(pt.nr_live, 1);
	ck_assert_uint_eq(pt.tables[root].level, 0);
	ck_assert_uint_eq(pt.tables[root].frame, VM_NIL);
	ck_assert_uint_eq(pt.tables[root].nr_present, 0);
	for (unsigned i = 0; i < (1u << g->bits[0]); i++)
		ck_assert_uint_eq(pt.tables[root].e[i], 0);
	vm_pt_destroy(&pt);
}
END_TEST

/* ---- vm_pt_index ------------------------------------------------------------ */

typedef struct {
	int geom;
	uint64_t vpn;
	unsigned idx[VM_MMU_MAX_LEVELS];
} index_case_t;

static const index_case_t index_cases[] = {
	{ G9999, V4(1, 2, 3, 4), { 1, 2, 3, 4 } },
	{ G9999, V4(511, 0, 511, 0), { 511, 0, 511, 0 } },
	{ G9999, V4(0, 0, 0, 0), { 0, 0, 0, 0 } },
	{ G1010, V2(0x3ff, 0x001, 10), { 0x3ff, 1 } },
	{ G1010, 0xABCDE, { 0x2AF, 0x0DE } },
	{ G44, 0xAB, { 0xA, 0xB } },
	{ G44, 0x1AB, { 0xA, 0xB } },         /* bits above the limit are ignored */
	{ G8, 0xC3, { 0xC3 } },
	{ G325, (5u << 7) | (2u << 5) | 17u, { 5, 2, 17 } },
};

START_TEST(test_index)
{
	const index_case_t *c = &index_cases[_i];
	vm_pagetables_t pt;
	pt_new(&pt, c->geom);
	for (unsigned l = 0; l < pt.levels; l++)
		ck_assert_msg(vm_pt_index(&pt, c->vpn, l) == c->idx[l],
			      "%s vpn 0x%" G_GINT64_MODIFIER "x level %u: %u, expected %u",
			      geoms[c->geom].name, c->vpn, l,
			      vm_pt_index(&pt, c->vpn, l), c->idx[l]);
	vm_pt_destroy(&pt);
}
END_TEST

/* ---- walk and ensure, step by step ------------------------------------------ */

enum { WALK = 1, ENSURE };
#define MAX_PT_STEPS 16

typedef struct {
	int op;
	uint64_t vpn;
	unsigned n;          /* WALK: refs; ENSURE: nr_new */
	gboolean leaf;       /* WALK: a leaf slot comes back */
	unsigned live;       /* tables live afterwards */
} pstep_t;

typedef struct {
	int geom;
	pstep_t steps[MAX_PT_STEPS];
} pseq_t;

static const pseq_t walk_seqs[] = {
	{ G9999, {
		{ WALK, V4(1, 2, 3, 4), 1, FALSE, 1 },  /* root[1] absent: 1 read */
		{ ENSURE, V4(1, 2, 3, 4), 3, TRUE, 4 }, /* root[1] T1[2] T2[3] T3 */
		{ WALK, V4(1, 2, 3, 4), 4, TRUE, 4 },   /* all 4 levels read */
		{ WALK, V4(1, 2, 3, 5), 4, TRUE, 4 },   /* same leaf table */
		{ ENSURE, V4(1, 2, 3, 5), 0, TRUE, 4 },
		{ WALK, V4(1, 2, 7, 0), 3, FALSE, 4 },  /* T2[7] absent: 3 reads */
		{ WALK, V4(1, 9, 0, 0), 2, FALSE, 4 },  /* T1[9] absent: 2 reads */
		{ WALK, V4(2, 0, 0, 0), 1, FALSE, 4 },
		{ ENSURE, V4(1, 2, 7, 0), 1, TRUE, 5 }, /* + T2[7] T4 */
		{ ENSURE, V4(1, 9, 0, 0), 2, TRUE, 7 }, /* + T1[9] T5[0] T6 */
		{ ENSURE, V4(0, 0, 0, 0), 3, TRUE, 10 },/* + root[0] T7 T8 T9 */
		{ WALK, V4(0, 0, 0, 0), 4, TRUE, 10 },
		{ WALK, V4(1, 9, 0, 1), 4, TRUE, 10 },
		{ WALK, V4(511, 511, 511, 511), 1, FALSE, 10 },
		{ 0 } } },
	{ G1010, {
		{ WALK, V2(3, 5, 10), 1, FALSE, 1 },
		{ ENSURE, V2(3, 5, 10), 1, TRUE, 2 },   /* root[3] T1 */
		{ WALK, V2(3, 5, 10), 2, TRUE, 2 },
		{ WALK, V2(3, 1023, 10), 2, TRUE, 2 },
		{ WALK, V2(4, 0, 10), 1, FALSE, 2 },
		{ ENSURE, V2(4, 0, 10), 1, TRUE, 3 },   /* + root[4] T2 */
		{ ENSURE, V2(3, 0, 10), 0, TRUE, 3 },
		{ ENSURE, V2(1023, 1023, 10), 1, TRUE, 4 },
		{ WALK, V2(1023, 0, 10), 2, TRUE, 4 },
		{ 0 } } },
	{ G44, {
		{ WALK, 0x10, 1, FALSE, 1 },
		{ ENSURE, 0x10, 1, TRUE, 2 },           /* root[1] T1 */
		{ WALK, 0x1F, 2, TRUE, 2 },
		{ WALK, 0x20, 1, FALSE, 2 },
		{ ENSURE, 0x20, 1, TRUE, 3 },           /* + root[2] T2 */
		{ ENSURE, 0x2F, 0, TRUE, 3 },
		{ WALK, 0x2F, 2, TRUE, 3 },
		{ WALK, 0xF0, 1, FALSE, 3 },
		{ 0 } } },
	{ G8, {
		{ WALK, 0x00, 1, TRUE, 1 },             /* one level: the root is the leaf */
		{ WALK, 0xFF, 1, TRUE, 1 },
		{ ENSURE, 0x42, 0, TRUE, 1 },
		{ WALK, 0x42, 1, TRUE, 1 },
		{ 0 } } },
	{ G325, {
		{ WALK, (1u << 7) | (1u << 5) | 1u, 1, FALSE, 1 },
		{ ENSURE, (1u << 7) | (1u << 5) | 1u, 2, TRUE, 3 },  /* root[1] T1[1] T2 */
		{ WALK, (1u << 7) | (1u << 5) | 31u, 3, TRUE, 3 },
		{ WALK, (1u << 7) | (3u << 5), 2, FALSE, 3 },        /* T1[3] absent */
		{ ENSURE, (1u << 7) | (3u << 5), 1, TRUE, 4 },
		{ WALK, (7u << 7), 1, FALSE, 4 },
		{ 0 } } },
};

START_TEST(test_walk_ensure)
{
	const pseq_t *q = &walk_seqs[_i];
	const char *name = geoms[q->geom].name;
	vm_pagetables_t pt;
	pt_new(&pt, q->geom);
	uint32_t root = vm_pt_new_root(&pt, 1);
	for (unsigned s = 0; q->steps[s].op; s++) {
		const pstep_t *st = &q->steps[s];
		if (st->op == WALK) {
			unsigned refs = 99;
			uint64_t *slot = vm_pt_walk(&pt, root, st->vpn, &refs);
			ck_assert_msg(refs == st->n, "%s step %u: walk of 0x%" G_GINT64_MODIFIER
				      "x read %u entries, expected %u", name, s,
				      st->vpn, refs, st->n);
			ck_assert_msg((slot != NULL) == st->leaf,
				      "%s step %u: walk gave %s slot", name, s,
				      slot ? "a" : "no");
			ck_assert_ptr_eq(vm_pt_lookup(&pt, root, st->vpn), slot);
		} else {
			unsigned nr_new = 99;
			uint64_t *slot = vm_pt_ensure(&pt, root, st->vpn, 1, &nr_new);
			ck_assert_ptr_nonnull(slot);
			ck_assert_msg(nr_new == st->n, "%s step %u: ensure made %u tables, expected %u",
				      name, s, nr_new, st->n);
			unsigned refs = 0;
			ck_assert_ptr_eq(vm_pt_walk(&pt, root, st->vpn, &refs), slot);
			ck_assert_uint_eq(refs, pt.levels);
			ck_assert_uint_eq(*slot, 0);
		}
		ck_assert_msg(pt.nr_live == st->live, "%s step %u: %u tables live, expected %u",
			      name, s, pt.nr_live, st->live);
		ck_assert_uint_eq(vm_pt_count_tree(&pt, root), st->live);
	}
	vm_pt_destroy(&pt);
}
END_TEST

/* Upper-level entries count the tables below them; each new table has the
 * right level. */
START_TEST(test_ensure_links)
{
	vm_pagetables_t pt;
	pt_new(&pt, G9999);
	uint32_t root = vm_pt_new_root(&pt, 1);
	unsigned n;
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, root, V4(1, 2, 3, 4), 1, &n));
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, root, V4(1, 2, 8, 0), 1, &n));
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, root, V4(6, 0, 0, 0), 1, &n));
	/* root[1], root[6] */
	ck_assert_uint_eq(pt.tables[root].nr_present, 2);
	uint64_t e1 = pt.tables[root].e[1];
	ck_assert(e1 & VM_PTE_P);
	uint32_t t1 = (uint32_t)VM_PTE_PFN(e1);
	ck_assert_uint_eq(pt.tables[t1].level, 1);
	ck_assert_uint_eq(pt.tables[t1].nr_present, 1);      /* T1[2] */
	uint32_t t2 = (uint32_t)VM_PTE_PFN(pt.tables[t1].e[2]);
	ck_assert_uint_eq(pt.tables[t2].level, 2);
	ck_assert_uint_eq(pt.tables[t2].nr_present, 2);      /* T2[3], T2[8] */
	uint32_t t3 = (uint32_t)VM_PTE_PFN(pt.tables[t2].e[3]);
	ck_assert_uint_eq(pt.tables[t3].level, 3);
	ck_assert_uint_eq(pt.tables[t3].nr_present, 0);      /* no leaf set yet */
	ck_assert_uint_eq(pt.tables[t3].frame, VM_NIL);
	vm_pt_destroy(&pt);
}
END_TEST

/* Many tables: the pool grows (realloc) in the middle of ensure, which must
 * still link the new table into the right parent. */
START_TEST(test_pool_growth)
{
	vm_pagetables_t pt;
	pt_new(&pt, G9999);
	uint32_t root = vm_pt_new_root(&pt, 1);
	for (unsigned a = 0; a < 40; a++) {
		unsigned n;
		uint64_t *slot = vm_pt_ensure(&pt, root, V4(a, a, a, a), 1, &n);
		ck_assert_ptr_nonnull(slot);
		ck_assert_uint_eq(n, 3);
		vm_pt_leaf_set(&pt, root, V4(a, a, a, a), slot,
			       VM_PTE_MAKE(a + 1, VM_PTE_P));
	}
	ck_assert_uint_eq(pt.nr_live, 121);
	ck_assert_uint_ge(pt.cap, 121);
	for (unsigned a = 0; a < 40; a++) {
		unsigned refs;
		uint64_t *slot = vm_pt_walk(&pt, root, V4(a, a, a, a), &refs);
		ck_assert_ptr_nonnull(slot);
		ck_assert_uint_eq(refs, 4);
		ck_assert_uint_eq(VM_PTE_PFN(*slot), a + 1);
	}
	ck_assert_uint_eq(vm_pt_count_tree(&pt, root), 121);
	ck_assert_uint_eq(vm_pt_free_tree(&pt, root), 121);
	ck_assert_uint_eq(pt.nr_live, 0);
	vm_pt_destroy(&pt);
}
END_TEST

/* ---- frames for tables through the callback ---------------------------------- */

typedef struct {
	vm_frames_t fr;
	unsigned nr_alloc, nr_free;
	uint32_t owner[16], id[16];   /* arguments of each alloc call */
	uint32_t freed[16];           /* frames given back, in order */
} backing_t;

static uint32_t cb_alloc(void *ctx, uint32_t owner, uint32_t id)
{
	backing_t *b = ctx;
	ck_assert_uint_lt(b->nr_alloc, 16);
	b->owner[b->nr_alloc] = owner;
	b->id[b->nr_alloc] = id;
	b->nr_alloc++;
	return vm_frames_alloc(&b->fr, VM_FRAME_PT, owner, id);
}

static void cb_free(void *ctx, uint32_t pfn)
{
	backing_t *b = ctx;
	ck_assert_uint_lt(b->nr_free, 16);
	b->freed[b->nr_free++] = pfn;
	vm_frames_free(&b->fr, pfn);
}

START_TEST(test_alloc_callback)
{
	vm_pagetables_t pt;
	backing_t b = { 0 };
	unsigned n, refs;

	ck_assert(vm_frames_init(&b.fr, 4));
	pt_new(&pt, G9999);
	pt.alloc_frame = cb_alloc;
	pt.free_frame = cb_free;
	pt.ctx = &b;
	/* a frame held elsewhere, so that only 3 are left for tables */
	uint32_t blocker = vm_frames_alloc(&b.fr, VM_FRAME_ANON, 9, 0);
	ck_assert_uint_eq(blocker, 0);

	uint32_t root = vm_pt_new_root(&pt, 7);
	ck_assert_uint_eq(root, 0);
	ck_assert_uint_eq(pt.tables[root].frame, 1);
	ck_assert_uint_eq(b.fr.f[1].kind, VM_FRAME_PT);
	ck_assert_uint_eq(b.fr.f[1].owner, 7);

	/* root[1] T1[2] T2 -- T2[3] needs a 4th frame: none left */
	uint64_t *slot = vm_pt_ensure(&pt, root, V4(1, 2, 3, 4), 7, &n);
	ck_assert_ptr_null(slot);
	ck_assert_uint_eq(n, 2);                /* made before the failure */
	ck_assert_uint_eq(b.nr_alloc, 4);       /* root, T1, T2, the failed one */
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(b.owner[i], 7);
		ck_assert_uint_eq(b.id[i], i);      /* ids 0, 1, 2, 3 */
	}
	ck_assert_uint_eq(pt.nr_live, 3);
	ck_assert_uint_eq(pt.tables[1].frame, 2);
	ck_assert_uint_eq(pt.tables[2].frame, 3);
	ck_assert_ptr_null(pt.tables[3].e);     /* the failed id went back */
	ck_assert_uint_eq(pt.free_list, 3);
	/* what was made stays linked: the walk now stops at T2[3] */
	ck_assert_ptr_null(vm_pt_walk(&pt, root, V4(1, 2, 3, 4), &refs));
	ck_assert_uint_eq(refs, 3);
	ck_assert_uint_eq(vm_pt_count_tree(&pt, root), 3);
	ck_assert_uint_eq(pt.tables[2].nr_present, 0);

	/* no frame for a new root either */
	ck_assert_uint_eq(vm_pt_new_root(&pt, 8), VM_NIL);
	ck_assert_uint_eq(pt.nr_live, 3);
	ck_assert_uint_eq(pt.free_list, 3);

	/* a frame comes free: the same ensure now completes, reusing id 3 */
	vm_frames_free(&b.fr, blocker);
	slot = vm_pt_ensure(&pt, root, V4(1, 2, 3, 4), 7, &n);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(pt.tables[3].frame, blocker);
	ck_assert_uint_eq(pt.tables[3].level, 3);
	ck_assert_uint_eq(pt.nr_live, 4);
	ck_assert_uint_eq(b.fr.nr_free, 0);
	ck_assert_ptr_eq(vm_pt_walk(&pt, root, V4(1, 2, 3, 4), &refs), slot);
	ck_assert_uint_eq(refs, 4);

	/* freeing the tree gives every frame back through free_frame,
	 * the leaf table first and the root last */
	ck_assert_uint_eq(vm_pt_free_tree(&pt, root), 4);
	ck_assert_uint_eq(b.nr_free, 4);
	ck_assert_uint_eq(b.freed[0], 0);       /* T3's frame (the blocker's) */
	ck_assert_uint_eq(b.freed[1], 3);       /* T2 */
	ck_assert_uint_eq(b.freed[2], 2);       /* T1 */
	ck_assert_uint_eq(b.freed[3], 1);       /* root */
	ck_assert_uint_eq(b.fr.nr_free, 4);
	ck_assert_uint_eq(b.fr.nr_kind[VM_FRAME_PT], 0);
	ck_assert_uint_eq(pt.nr_live, 0);
	vm_pt_destroy(&pt);
	vm_frames_destroy(&b.fr);
}
END_TEST

/* ---- vm_pt_leaf_set ----------------------------------------------------------- */

/* The leaf table of @vpn (its upper levels must exist). */
static uint32_t leaf_table(const vm_pagetables_t *pt, uint32_t root, uint64_t vpn)
{
	uint32_t id = root;
	for (unsigned l = 0; l + 1 < pt->levels; l++)
		id = (uint32_t)VM_PTE_PFN(pt->tables[id].e[vm_pt_index(pt, vpn, l)]);
	return id;
}

typedef struct {
	unsigned which;      /* 0: vpn a, 1: vpn b (same leaf table), 2: vpn c (another) */
	uint64_t value;
	unsigned present_ab; /* nr_present of a's and b's leaf table afterwards */
	unsigned present_c;  /* nr_present of c's leaf table afterwards */
} lstep_t;

#define PTE(n) VM_PTE_MAKE(n, VM_PTE_P | VM_PTE_R)

static const lstep_t leaf_steps[] = {
	{ 0, PTE(5), 1, 0 },           /* a: 0 -> PTE: +1 */
	{ 0, PTE(6), 1, 0 },           /* a: PTE -> PTE: unchanged */
	{ 1, PTE(7), 2, 0 },           /* b: 0 -> PTE: +1 */
	{ 2, VM_PTE_SWAP | (9 << VM_PTE_SHIFT), 2, 1 }, /* not present, non-zero: counts */
	{ 0, 0, 1, 1 },                /* a: PTE -> 0: -1 */
	{ 0, 0, 1, 1 },                /* a: 0 -> 0: unchanged */
	{ 1, 0, 0, 1 },                /* b: PTE -> 0 */
	{ 2, 0, 0, 0 },                /* c: swap entry -> 0 */
};

static const struct { int geom; uint64_t a, b, c; } leaf_geoms[] = {
	{ G9999, V4(1, 2, 3, 4), V4(1, 2, 3, 500), V4(1, 2, 4, 4) },
	{ G44, 0x12, 0x1F, 0x32 },
	{ G8, 0x12, 0x1F, 0x32 },     /* one table: a, b and c share it */
};

START_TEST(test_leaf_set)
{
	vm_pagetables_t pt;
	unsigned n;
	pt_new(&pt, leaf_geoms[_i].geom);
	gboolean one_table = pt.levels == 1;
	uint32_t root = vm_pt_new_root(&pt, 1);
	uint64_t vpns[3] = { leaf_geoms[_i].a, leaf_geoms[_i].b, leaf_geoms[_i].c };
	uint64_t *slots[3];
	for (int i = 0; i < 3; i++)
		slots[i] = vm_pt_ensure(&pt, root, vpns[i], 1, &n);
	uint32_t tab = leaf_table(&pt, root, vpns[0]);
	uint32_t tc = leaf_table(&pt, root, vpns[2]);
	ck_assert_uint_eq(leaf_table(&pt, root, vpns[1]), tab);
	ck_assert(one_table ? tc == tab : tc != tab);
	unsigned upper_before = pt.tables[root].nr_present;
	for (unsigned s = 0; s < G_N_ELEMENTS(leaf_steps); s++) {
		const lstep_t *st = &leaf_steps[s];
		unsigned w = st->which;
		vm_pt_leaf_set(&pt, root, vpns[w], slots[w], st->value);
		ck_assert_uint_eq(*slots[w], st->value);
		if (one_table) {
			ck_assert_msg(pt.tables[tab].nr_present == st->present_ab + st->present_c,
				      "step %u: nr_present %u", s, pt.tables[tab].nr_present);
		} else {
			ck_assert_msg(pt.tables[tab].nr_present == st->present_ab,
				      "step %u: nr_present %u, expected %u", s,
				      pt.tables[tab].nr_present, st->present_ab);
			ck_assert_uint_eq(pt.tables[tc].nr_present, st->present_c);
			/* upper levels count tables, not leaves */
			ck_assert_uint_eq(pt.tables[root].nr_present, upper_before);
		}
	}
	vm_pt_destroy(&pt);
}
END_TEST

/* ---- vm_pt_for_each ------------------------------------------------------------ */

typedef struct {
	int geom;
	uint64_t leaves[8];      /* vpns set non-zero, END-terminated */
	uint64_t empty;          /* a vpn whose tables exist with no leaf set, or END */
	uint64_t start, end;
	uint64_t want[8];        /* vpns visited, in order, END-terminated */
} fe_case_t;

#define L44 { 0x00, 0x0F, 0x10, 0x35, 0x36, 0xFF, END }
#define L9999 { V4(0, 0, 0, 0), V4(0, 0, 0, 511), V4(0, 0, 1, 0), \
		V4(0, 511, 511, 511), V4(3, 0, 0, 7), V4(511, 511, 511, 511), END }
#define L8 { 0x00, 0x01, 0x80, 0xFE, 0xFF, END }

static const fe_case_t fe_cases[] = {
	/* 4,4: leaves in tables 0, 1, 3, 15; table 7 exists but is empty */
	{ G44, L44, 0x70, 0, 256, { 0x00, 0x0F, 0x10, 0x35, 0x36, 0xFF, END } },
	{ G44, L44, 0x70, 0x0F, 0x36, { 0x0F, 0x10, 0x35, END } },
	{ G44, L44, 0x70, 0x10, 0x11, { 0x10, END } },
	{ G44, L44, 0x70, 0x36, 0x36, { END } },          /* empty range */
	{ G44, L44, 0x70, 0x37, 0x30, { END } },          /* start > end */
	{ G44, L44, 0x70, 0x40, 0xFF, { END } },          /* end is exclusive */
	{ G44, L44, 0x70, 0x40, NOLIMIT, { 0xFF, END } }, /* end clipped to the limit */
	{ G44, L44, 0x70, 0x100, 0x200, { END } },        /* beyond the address space */
	{ G44, L44, 0x70, 0x11, 0x35, { END } },
	{ G44, L44, 0x70, 0x00, 0x01, { 0x00, END } },
	/* 9,9,9,9: sparse leaves over 2^36 pages; absent subtrees must be
	 * skipped or this would never end (or read a NULL table) */
	{ G9999, L9999, V4(7, 7, 7, 7), 0, (uint64_t)1 << 36,
	  L9999 },
	{ G9999, L9999, V4(7, 7, 7, 7), V4(0, 0, 0, 1), V4(3, 0, 0, 7),
	  { V4(0, 0, 0, 511), V4(0, 0, 1, 0), V4(0, 511, 511, 511), END } },
	{ G9999, L9999, V4(7, 7, 7, 7), V4(3, 0, 0, 7), V4(3, 0, 0, 8),
	  { V4(3, 0, 0, 7), END } },
	{ G9999, L9999, V4(7, 7, 7, 7), V4(3, 0, 0, 8), NOLIMIT,
	  { V4(511, 511, 511, 511), END } },
	{ G9999, L9999, V4(7, 7, 7, 7), V4(4, 0, 0, 0), V4(511, 0, 0, 0), { END } },
	/* one level */
	{ G8, L8, END, 0, 256, { 0x00, 0x01, 0x80, 0xFE, 0xFF, END } },
	{ G8, L8, END, 0x01, 0xFF, { 0x01, 0x80, 0xFE, END } },
};

typedef struct {
	const vm_pagetables_t *pt;
	uint32_t root;
	uint64_t got[16];
	unsigned n;
	gboolean clear;      /* clear each entry visited, through leaf_set */
	vm_pagetables_t *wpt;
} visit_t;

static void visit(void *ctx, uint64_t vpn, uint64_t *slot)
{
	visit_t *v = ctx;
	unsigned refs;
	ck_assert_uint_lt(v->n, 16);
	ck_assert_msg(*slot != 0, "visited a zero entry at 0x%" G_GINT64_MODIFIER "x", vpn);
	/* the slot is the vpn's own, and holds what was stored there */
	ck_assert_ptr_eq(vm_pt_walk(v->pt, v->root, vpn, &refs), slot);
	ck_assert_uint_eq(VM_PTE_PFN(*slot), vpn + 1);
	v->got[v->n++] = vpn;
	if (v->clear)
		vm_pt_leaf_set(v->wpt, v->root, vpn, slot, 0);
}

static void fe_setup(vm_pagetables_t *pt, uint32_t *root, const fe_case_t *c)
{
	unsigned n;
	pt_new(pt, c->geom);
	*root = vm_pt_new_root(pt, 1);
	for (unsigned i = 0; c->leaves[i] != END; i++) {
		uint64_t *s = vm_pt_ensure(pt, *root, c->leaves[i], 1, &n);
		vm_pt_leaf_set(pt, *root, c->leaves[i], s,
			       VM_PTE_MAKE(c->leaves[i] + 1, VM_PTE_P));
	}
	if (c->empty != END)
		ck_assert_ptr_nonnull(vm_pt_ensure(pt, *root, c->empty, 1, &n));
}

START_TEST(test_for_each)
{
	const fe_case_t *c = &fe_cases[_i];
	vm_pagetables_t pt;
	uint32_t root;
	fe_setup(&pt, &root, c);
	visit_t v = { .pt = &pt, .root = root, .wpt = &pt };
	vm_pt_for_each(&pt, root, c->start, c->end, visit, &v);
	unsigned nwant = 0;
	while (c->want[nwant] != END)
		nwant++;
	ck_assert_msg(v.n == nwant, "case %d: %u leaves visited, expected %u",
		      _i, v.n, nwant);
	for (unsigned i = 0; i < nwant; i++)
		ck_assert_msg(v.got[i] == c->want[i],
			      "case %d: visit %u was 0x%" G_GINT64_MODIFIER
			      "x, expected 0x%" G_GINT64_MODIFIER "x", _i, i,
			      v.got[i], c->want[i]);
	vm_pt_destroy(&pt);
}
END_TEST

/* The callback may clear the entries it visits (munmap does). */
START_TEST(test_for_each_clear)
{
	const fe_case_t *c = &fe_cases[_i == 0 ? 0 : 10];   /* 4,4 and 9,9,9,9, whole range */
	vm_pagetables_t pt;
	uint32_t root;
	fe_setup(&pt, &root, c);
	unsigned live = pt.nr_live;
	visit_t v = { .pt = &pt, .root = root, .wpt = &pt, .clear = TRUE };
	vm_pt_for_each(&pt, root, 0, NOLIMIT, visit, &v);
	ck_assert_uint_eq(v.n, 6);
	/* nothing left to visit, every leaf table counts 0, tables stay */
	visit_t again = { .pt = &pt, .root = root, .wpt = &pt };
	vm_pt_for_each(&pt, root, 0, NOLIMIT, visit, &again);
	ck_assert_uint_eq(again.n, 0);
	for (unsigned i = 0; c->leaves[i] != END; i++)
		ck_assert_uint_eq(pt.tables[leaf_table(&pt, root, c->leaves[i])].nr_present, 0);
	ck_assert_uint_eq(pt.nr_live, live);
	vm_pt_destroy(&pt);
}
END_TEST

/* ---- freeing, counting, reuse of ids ------------------------------------------- */

START_TEST(test_free_count_reuse)
{
	vm_pagetables_t pt;
	unsigned n;
	pt_new(&pt, G9999);
	/* process A: root 0, tables 1 2 3 for V4(1,2,3,4) */
	uint32_t ra = vm_pt_new_root(&pt, 1);
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, ra, V4(1, 2, 3, 4), 1, &n));
	/* process B: root 4, tables 5 6 7 */
	uint32_t rb = vm_pt_new_root(&pt, 2);
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, rb, V4(0, 0, 0, 0), 2, &n));
	/* A grows: + T2[7] (id 8), + root[5] (ids 9 10 11) */
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, ra, V4(1, 2, 7, 0), 1, &n));
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, ra, V4(5, 0, 0, 0), 1, &n));
	ck_assert_uint_eq(ra, 0);
	ck_assert_uint_eq(rb, 4);
	ck_assert_uint_eq(vm_pt_count_tree(&pt, ra), 8);
	ck_assert_uint_eq(vm_pt_count_tree(&pt, rb), 4);
	ck_assert_uint_eq(pt.nr_live, 12);
	ck_assert_uint_eq(pt.nr_tables, 12);

	/* a table that is not a root counts its own subtree */
	uint32_t t1 = (uint32_t)VM_PTE_PFN(pt.tables[ra].e[1]);
	ck_assert_uint_eq(vm_pt_count_tree(&pt, t1), 4);   /* T1, T2, T3, T(8) */

	ck_assert_uint_eq(vm_pt_free_tree(&pt, ra), 8);
	ck_assert_uint_eq(pt.nr_live, 4);
	ck_assert_uint_eq(vm_pt_count_tree(&pt, rb), 4);   /* B untouched */
	unsigned refs;
	ck_assert_ptr_nonnull(vm_pt_walk(&pt, rb, V4(0, 0, 0, 0), &refs));
	ck_assert_uint_eq(refs, 4);

	/* A's ids come back, the root (freed last) first; the pool does not
	 * grow while freed ids remain */
	uint32_t rc = vm_pt_new_root(&pt, 3);
	ck_assert_uint_eq(rc, ra);
	ck_assert_uint_eq(pt.tables[rc].level, 0);
	ck_assert_uint_eq(pt.tables[rc].nr_present, 0);
	for (unsigned i = 0; i < 512; i++)
		ck_assert_uint_eq(pt.tables[rc].e[i], 0);   /* a clean table */
	ck_assert_ptr_nonnull(vm_pt_ensure(&pt, rc, V4(9, 9, 9, 9), 3, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(pt.nr_tables, 12);
	ck_assert_uint_eq(pt.nr_live, 8);
	/* the recycled tables are at the right levels and linked */
	uint32_t id = rc;
	for (unsigned l = 0; l < 4; l++) {
		ck_assert_uint_eq(pt.tables[id].level, l);
		if (l < 3)
			id = (uint32_t)VM_PTE_PFN(pt.tables[id].e[9]);
	}
	/* C's old A entries are gone */
	ck_assert_ptr_null(vm_pt_walk(&pt, rc, V4(1, 2, 3, 4), &refs));
	ck_assert_uint_eq(refs, 1);
	/* 4 more freed ids, then the pool grows again */
	for (unsigned a = 20; a < 22; a++)
		ck_assert_ptr_nonnull(vm_pt_ensure(&pt, rc, V4(a, 0, 0, 0), 3, &n));
	ck_assert_uint_eq(pt.nr_tables, 14);
	ck_assert_uint_eq(pt.nr_live, 14);
	ck_assert_uint_eq(pt.free_list, VM_NIL);

	ck_assert_uint_eq(vm_pt_free_tree(&pt, rb), 4);
	ck_assert_uint_eq(vm_pt_free_tree(&pt, rc), 10);
	ck_assert_uint_eq(pt.nr_live, 0);
	vm_pt_destroy(&pt);
}
END_TEST

/* A single-level table: the root is the only table. */
START_TEST(test_single_level_tree)
{
	vm_pagetables_t pt;
	unsigned n, refs;
	pt_new(&pt, G8);
	uint32_t r = vm_pt_new_root(&pt, 1);
	uint64_t *s = vm_pt_ensure(&pt, r, 0x33, 1, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_eq(s, &pt.tables[r].e[0x33]);
	vm_pt_leaf_set(&pt, r, 0x33, s, PTE(1));
	ck_assert_uint_eq(pt.tables[r].nr_present, 1);
	ck_assert_ptr_eq(vm_pt_walk(&pt, r, 0x33, &refs), s);
	ck_assert_uint_eq(refs, 1);
	ck_assert_uint_eq(vm_pt_count_tree(&pt, r), 1);
	vm_pt_leaf_set(&pt, r, 0x33, s, 0);
	ck_assert_uint_eq(vm_pt_free_tree(&pt, r), 1);
	ck_assert_uint_eq(pt.nr_live, 0);
	vm_pt_destroy(&pt);
}
END_TEST

/* ---- the walk's cache (vm_pt_walk_cached) ---------------------------------- */

/* A vpn of @g with every index drawn from 0..2 (so that processes and
 * steps share tables, PMD tables above all). */
static uint64_t small_vpn(const geom_t *g, uint64_t *rng)
{
	uint64_t vpn = 0;
	for (unsigned l = 0; l < g->levels; l++)
		vpn |= (vm_splitmix64(rng) % 3) << g->shift[l];
	return vpn;
}

/*
 * The cached walk gives the slot and refs of the full walk, whatever
 * happened to the tables: random steps over three processes, each a
 * mapping (tables allocated), an unmapping, a PMD leaf made or zapped
 * (levels >= 2), or an exit (the tree freed and the root made again,
 * which brings freed ids back under other roots); after each, walks of
 * random vpns of random processes both ways, and the cache names what a
 * full walk reaches.
 */
START_TEST(test_walk_cached_same)
{
	const geom_t *g = &geoms[_i];
	vm_pagetables_t pt;
	uint32_t root[3];
	uint64_t rng = 5;
	unsigned n, hits = 0;
	pt_new(&pt, _i);
	for (unsigned k = 0; k < 3; k++)
		root[k] = vm_pt_new_root(&pt, k + 1);
	for (unsigned step = 0; step < 3000; step++) {
		uint64_t x = vm_splitmix64(&rng);
		unsigned k = x % 3, op = (x >> 8) % 16;
		uint64_t vpn = small_vpn(g, &rng);
		if (op < 8) {
			uint64_t *pmd = g->levels >= 2 ? vm_pt_pmd_lookup(&pt, root[k], vpn)
						       : NULL;
			if (!pmd || !(*pmd & VM_PTE_HUGE)) {
				uint64_t *slot = vm_pt_ensure(&pt, root[k], vpn, k + 1, &n);
				vm_pt_leaf_set(&pt, root[k], vpn, slot, PTE(step + 1));
			}
		} else if (op < 11) {
			uint64_t *slot = vm_pt_lookup(&pt, root[k], vpn);
			if (slot)
				vm_pt_leaf_set(&pt, root[k], vpn, slot, 0);
		} else if (op < 15 && g->levels >= 2) {
			/* a PMD leaf where none links a table, or zapped */
			uint64_t *pmd = vm_pt_pmd_ensure(&pt, root[k], vpn, k + 1, &n);
			if (*pmd & VM_PTE_HUGE)
				vm_pt_pmd_set(&pt, root[k], vpn, pmd, 0);
			else if (!*pmd)
				vm_pt_pmd_set(&pt, root[k], vpn, pmd,
					      VM_PTE_MAKE(step, VM_PTE_P | VM_PTE_R |
							  VM_PTE_HUGE));
		} else if (op == 15) {
			vm_pt_free_tree(&pt, root[k]);
			root[k] = vm_pt_new_root(&pt, k + 1);
		}
		for (unsigned w = 0; w < 6; w++) {
			unsigned j = (unsigned)(vm_splitmix64(&rng) % 3);
			uint64_t v = small_vpn(g, &rng);
			unsigned r1 = 99, r2 = 98;
			gboolean cached = pt.wc_root == root[j] &&
					  v >> pt.wc_shift == pt.wc_tag;
			uint64_t *a = vm_pt_walk_cached(&pt, root[j], v, &r1);
			uint64_t *b = vm_pt_walk(&pt, root[j], v, &r2);
			ck_assert_ptr_eq(a, b);
			ck_assert_uint_eq(r1, r2);
			hits += cached;
			if (pt.wc_root != VM_NIL)
				ck_assert_uint_eq(vm_pt_pmd_table(&pt, pt.wc_root,
								  pt.wc_tag << pt.wc_shift),
						  pt.wc_pmd);
		}
	}
	/* 3 levels or more cache the PMD table; fewer, nothing */
	if (g->levels >= 3)
		ck_assert_uint_gt(hits, 300);
	else
		ck_assert_uint_eq(pt.wc_root, VM_NIL);
	vm_pt_destroy(&pt);
}
END_TEST

static Suite *pagetable_suite(void)
{
	Suite *s = suite_create("pagetable");
	TCase *tc = tcase_create("geometry");
	tcase_add_loop_test(tc, test_init, 0, NR_GEOMS);
	tcase_add_loop_test(tc, test_index, 0, G_N_ELEMENTS(index_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("walk");
	tcase_add_loop_test(tc, test_walk_ensure, 0, G_N_ELEMENTS(walk_seqs));
	tcase_add_test(tc, test_ensure_links);
	tcase_add_test(tc, test_pool_growth);
	tcase_add_test(tc, test_alloc_callback);
	tcase_add_loop_test(tc, test_walk_cached_same, 0, NR_GEOMS);
	suite_add_tcase(s, tc);

	tc = tcase_create("leaves");
	tcase_add_loop_test(tc, test_leaf_set, 0, G_N_ELEMENTS(leaf_geoms));
	tcase_add_loop_test(tc, test_for_each, 0, G_N_ELEMENTS(fe_cases));
	tcase_add_loop_test(tc, test_for_each_clear, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("trees");
	tcase_add_test(tc, test_free_count_reuse);
	tcase_add_test(tc, test_single_level_tree);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(pagetable_suite());
}
