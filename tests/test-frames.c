/*
 * Tests of physical memory (models/frames.c): the frame array, its free list
 * and the per-kind counts.
 *
 * The free list is a LIFO threaded through the frames: at start it holds the
 * frames in ascending order, a freed frame goes to the head, and allocation
 * takes the head.  The table-driven test replays a sequence of operations and
 * checks, after every step, the frame an allocation returned and the whole
 * free list from its head, drawn in the comment beside each step:
 *
 *   { A, 3, "1 4 5" },    a3 -> free: 1 4 5
 *     ^  ^   ^ the free list afterwards, head first
 *     |  the frame the allocation must return (NIL: memory is exhausted)
 *     alloc (A) or free (F) of that frame, or take it (T: vm_frames_alloc_at)
 *
 * After every step the free list is also checked for integrity (each frame
 * on it is FREE, prev links mirror next links, its length is nr_free) and
 * nr_kind[] against a shadow copy of every frame's kind kept by the test.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "models/frames.h"
#include "tests/testlib.h"

#define NIL VM_NIL
#define MAX_STEPS 32

enum { A = 'a', F = 'f', T = 't' };

typedef struct {
	char op;              /* A or F */
	uint32_t pfn;         /* A: expected result; F: frame to free */
	const char *free;     /* free list afterwards, head first */
} fstep_t;

typedef struct {
	const char *name;
	uint32_t nr;
	fstep_t steps[MAX_STEPS];
} fseq_t;

static const fseq_t seqs[] = {
	{ "ascending-then-lifo", 4, {
		{ A, 0, "1 2 3" },     /* a0 -> free: 1 2 3 */
		{ A, 1, "2 3" },       /* a1 -> free: 2 3 */
		{ F, 0, "0 2 3" },     /* f0 -> free: 0 2 3 (head) */
		{ A, 0, "2 3" },       /* the most recently freed comes back */
		{ F, 1, "1 2 3" },     /* f1 -> free: 1 2 3 */
		{ F, 0, "0 1 2 3" },   /* f0 -> free: 0 1 2 3 */
		{ A, 0, "1 2 3" },
		{ A, 1, "2 3" },
		{ A, 2, "3" },
		{ 0, 0, NULL } } },
	{ "exhaustion", 4, {
		{ A, 0, "1 2 3" },
		{ A, 1, "2 3" },
		{ A, 2, "3" },
		{ A, 3, "" },          /* all in use */
		{ A, NIL, "" },        /* none free: VM_NIL, nothing changes */
		{ F, 2, "2" },
		{ A, 2, "" },
		{ A, NIL, "" },
		{ F, 3, "3" },
		{ F, 0, "0 3" },
		{ A, 0, "3" },
		{ A, 3, "" },
		{ A, NIL, "" },
		{ 0, 0, NULL } } },
	{ "interleaved", 6, {
		{ A, 0, "1 2 3 4 5" },
		{ A, 1, "2 3 4 5" },
		{ A, 2, "3 4 5" },
		{ A, 3, "4 5" },
		{ F, 1, "1 4 5" },     /* a hole in the middle */
		{ F, 3, "3 1 4 5" },
		{ A, 3, "1 4 5" },
		{ F, 0, "0 1 4 5" },
		{ A, 0, "1 4 5" },
		{ A, 1, "4 5" },
		{ A, 4, "5" },
		{ A, 5, "" },
		{ A, NIL, "" },
		{ F, 5, "5" },
		{ F, 4, "4 5" },
		{ F, 3, "3 4 5" },
		{ F, 2, "2 3 4 5" },
		{ F, 1, "1 2 3 4 5" },
		{ F, 0, "0 1 2 3 4 5" }, /* freed in descending order: ascending again */
		{ A, 0, "1 2 3 4 5" },
		{ 0, 0, NULL } } },
	{ "free-ascending-reverses", 5, {
		{ A, 0, "1 2 3 4" },
		{ A, 1, "2 3 4" },
		{ A, 2, "3 4" },
		{ A, 3, "4" },
		{ A, 4, "" },
		{ F, 0, "0" },
		{ F, 1, "1 0" },
		{ F, 2, "2 1 0" },
		{ F, 3, "3 2 1 0" },
		{ F, 4, "4 3 2 1 0" },
		{ A, 4, "3 2 1 0" },
		{ A, 3, "2 1 0" },
		{ F, 4, "4 2 1 0" },
		{ A, 4, "2 1 0" },
		{ 0, 0, NULL } } },
	{ "single-frame", 1, {
		{ A, 0, "" },
		{ A, NIL, "" },
		{ F, 0, "0" },
		{ A, 0, "" },
		{ F, 0, "0" },
		{ 0, 0, NULL } } },
	/* vm_frames_alloc_at (the trace op `map`): a frame taken from
	 * anywhere in the list, its neighbours linked together */
	{ "take-at", 6, {
		{ T, 3, "0 1 2 4 5" },   /* from the middle of the untouched tail */
		{ A, 0, "1 2 4 5" },
		{ T, 5, "1 2 4" },       /* the last */
		{ T, 1, "2 4" },         /* the head */
		{ F, 3, "3 2 4" },
		{ T, 2, "3 4" },
		{ A, 3, "4" },
		{ T, 4, "" },
		{ A, NIL, "" },
		{ F, 5, "5" },
		{ 0, 0, NULL } } },
	{ "free-head-and-tail", 4, {
		{ A, 0, "1 2 3" },
		{ A, 1, "2 3" },
		{ A, 2, "3" },
		{ F, 1, "1 3" },       /* head 1, tail 3 */
		{ A, 1, "3" },         /* taking the head leaves 3 with prev NIL */
		{ F, 0, "0 3" },
		{ F, 2, "2 0 3" },
		{ A, 2, "0 3" },
		{ A, 0, "3" },
		{ A, 3, "" },
		{ 0, 0, NULL } } },
};

/* The free list from its head as "a b c", checking its links on the way. */
static char *free_list_string(const vm_frames_t *fr)
{
	GString *s = g_string_new(NULL);
	uint32_t prev = NIL, n = 0;
	for (uint32_t pfn = fr->free_head; pfn != NIL; pfn = vm_frames_next(fr, pfn)) {
		ck_assert_uint_lt(pfn, fr->nr);
		ck_assert_msg(fr->f[pfn].kind == VM_FRAME_FREE,
			      "frame %u on the free list has kind %u", pfn,
			      fr->f[pfn].kind);
		ck_assert_msg(vm_frames_prev(fr, pfn) == prev,
			      "frame %u: prev %u, expected %u", pfn,
			      vm_frames_prev(fr, pfn), prev);
		ck_assert_uint_eq(fr->f[pfn].mapcount, 0);
		ck_assert_msg(++n <= fr->nr, "free list loops");
		g_string_append_printf(s, "%s%u", s->len ? " " : "", pfn);
		prev = pfn;
	}
	ck_assert_uint_eq(n, fr->nr_free);
	return g_string_free(s, FALSE);
}

/* nr_kind[] against the kinds the test expects, and the kinds themselves. */
static void check_kinds(const vm_frames_t *fr, const uint8_t *shadow)
{
	uint32_t want[VM_FRAME_NR_KINDS] = { 0 };
	for (uint32_t i = 0; i < fr->nr; i++) {
		ck_assert_uint_eq(fr->f[i].kind, shadow[i]);
		want[shadow[i]]++;
	}
	for (int k = 0; k < VM_FRAME_NR_KINDS; k++)
		ck_assert_msg(fr->nr_kind[k] == want[k],
			      "nr_kind[%d] = %u, expected %u", k,
			      fr->nr_kind[k], want[k]);
	ck_assert_uint_eq(fr->nr_kind[VM_FRAME_FREE], fr->nr_free);
}

START_TEST(test_sequence)
{
	const fseq_t *q = &seqs[_i];
	vm_frames_t fr;
	uint8_t shadow[16] = { 0 };
	/* allocations cycle through the kinds that own frames */
	static const vm_frame_kind_t kinds[] = { VM_FRAME_ANON, VM_FRAME_FILE,
						 VM_FRAME_PT };
	unsigned nalloc = 0;

	ck_assert(vm_frames_init(&fr, q->nr));
	for (unsigned s = 0; q->steps[s].op; s++) {
		const fstep_t *st = &q->steps[s];
		if (st->op == A) {
			vm_frame_kind_t k = kinds[nalloc % 3];
			uint32_t owner = 100 + s;
			uint64_t index = 1000 + s;
			uint32_t got = vm_frames_alloc(&fr, k, owner, index);
			nalloc++;
			ck_assert_msg(got == st->pfn,
				      "%s step %u: alloc gave %u, expected %u",
				      q->name, s, got, st->pfn);
			if (got != NIL) {
				const vm_frame_t *f = &fr.f[got];
				ck_assert_uint_eq(f->kind, k);
				ck_assert_uint_eq(f->owner, owner);
				ck_assert_uint_eq(f->index, index);
				ck_assert_uint_eq(f->mapcount, 0);
				ck_assert_uint_eq(f->next, NIL);
				ck_assert_uint_eq(f->prev, NIL);
				ck_assert(f->flags & VM_FRAME_UPTODATE);
				shadow[got] = (uint8_t)k;
			}
		} else if (st->op == T) {
			vm_frames_alloc_at(&fr, st->pfn, VM_FRAME_ANON, 7, 8);
			nalloc++;
			const vm_frame_t *f = &fr.f[st->pfn];
			ck_assert_uint_eq(f->kind, VM_FRAME_ANON);
			ck_assert_uint_eq(f->owner, 7);
			ck_assert_uint_eq(f->next, NIL);
			ck_assert_uint_eq(f->prev, NIL);
			ck_assert_uint_gt(fr.hwm, st->pfn);
			shadow[st->pfn] = VM_FRAME_ANON;
		} else {
			vm_frames_free(&fr, st->pfn);
			shadow[st->pfn] = VM_FRAME_FREE;
			ck_assert_uint_eq(fr.f[st->pfn].flags, 0);
			ck_assert_uint_eq(fr.f[st->pfn].owner, 0);
		}
		char *got = free_list_string(&fr);
		ck_assert_msg(strcmp(got, st->free) == 0,
			      "%s step %u (%c%u): free list '%s', expected '%s'",
			      q->name, s, st->op, st->pfn, got, st->free);
		g_free(got);
		check_kinds(&fr, shadow);
	}
	vm_frames_destroy(&fr);
	ck_assert_ptr_null(fr.f);
	ck_assert_uint_eq(fr.nr, 0);
	ck_assert_uint_eq(fr.nr_free, 0);
}
END_TEST

/* ---- initial state, for a few sizes ------------------------------------ */

static const uint32_t init_sizes[] = { 1, 2, 16, 1000 };

START_TEST(test_init)
{
	uint32_t nr = init_sizes[_i];
	vm_frames_t fr;
	memset(&fr, 0xa5, sizeof fr);   /* init must not rely on zeroed memory */
	ck_assert(vm_frames_init(&fr, nr));
	ck_assert_uint_eq(fr.nr, nr);
	ck_assert_uint_eq(fr.nr_free, nr);
	ck_assert_uint_eq(fr.free_head, 0);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FREE], nr);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_ANON], 0);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FILE], 0);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_PT], 0);
	for (uint32_t i = 0; i < nr; i++) {
		ck_assert_uint_eq(fr.f[i].kind, VM_FRAME_FREE);
		ck_assert_uint_eq(fr.f[i].mapcount, 0);
		ck_assert_uint_eq(vm_frames_next(&fr, i), i + 1 < nr ? i + 1 : NIL);
		ck_assert_uint_eq(vm_frames_prev(&fr, i), i ? i - 1 : NIL);
	}
	/* nothing past the head is written yet (docs/speed.md) */
	ck_assert_uint_eq(fr.init_to, 1);
	/* allocation runs in ascending order until memory is gone */
	for (uint32_t i = 0; i < nr; i++) {
		ck_assert_uint_eq(vm_frames_alloc(&fr, VM_FRAME_ANON, 1, i), i);
		ck_assert_uint_eq(fr.nr_free, nr - i - 1);
		ck_assert_uint_eq(fr.nr_kind[VM_FRAME_ANON], i + 1);
	}
	ck_assert_uint_eq(fr.free_head, NIL);
	ck_assert_uint_eq(vm_frames_alloc(&fr, VM_FRAME_PT, 1, 0), NIL);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_PT], 0);
	ck_assert_uint_eq(fr.nr_free, 0);
	/* everything back: nr_free and the kinds return to the start */
	for (uint32_t i = 0; i < nr; i++)
		vm_frames_free(&fr, i);
	ck_assert_uint_eq(fr.nr_free, nr);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FREE], nr);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_ANON], 0);
	ck_assert_uint_eq(fr.free_head, nr - 1);  /* the last freed */
	vm_frames_destroy(&fr);
}
END_TEST

/* ---- per-kind accounting ------------------------------------------------ */

START_TEST(test_kind_counts)
{
	vm_frames_t fr;
	ck_assert(vm_frames_init(&fr, 8));
	uint32_t a = vm_frames_alloc(&fr, VM_FRAME_ANON, 1, 0x10);
	uint32_t b = vm_frames_alloc(&fr, VM_FRAME_ANON, 2, 0x11);
	uint32_t f = vm_frames_alloc(&fr, VM_FRAME_FILE, 7, 3);
	uint32_t p = vm_frames_alloc(&fr, VM_FRAME_PT, 1, 42);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_ANON], 2);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FILE], 1);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_PT], 1);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FREE], 4);
	ck_assert_uint_eq(fr.nr_free, 4);
	ck_assert_uint_eq(fr.f[f].owner, 7);
	ck_assert_uint_eq(fr.f[f].index, 3);
	ck_assert_uint_eq(fr.f[p].index, 42);
	/* freeing takes the frame off its own kind only */
	vm_frames_free(&fr, f);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FILE], 0);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_ANON], 2);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_PT], 1);
	ck_assert_uint_eq(fr.nr_free, 5);
	vm_frames_free(&fr, p);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_PT], 0);
	vm_frames_free(&fr, a);
	vm_frames_free(&fr, b);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_ANON], 0);
	ck_assert_uint_eq(fr.nr_kind[VM_FRAME_FREE], 8);
	ck_assert_uint_eq(fr.nr_free, 8);
	/* a reused frame forgets its previous life */
	uint32_t c = vm_frames_alloc(&fr, VM_FRAME_FILE, 9, 5);
	ck_assert_uint_eq(c, b);
	ck_assert_uint_eq(fr.f[c].owner, 9);
	ck_assert_uint_eq(fr.f[c].index, 5);
	ck_assert_uint_eq(fr.f[c].flags, VM_FRAME_UPTODATE);
	ck_assert_uint_eq(fr.f[c].stamp, 0);
	ck_assert_uint_eq(fr.f[c].list, 0);
	vm_frames_destroy(&fr);
}
END_TEST

/* A frame's flags and mapcount from its previous use must not leak into
 * its next one. */
START_TEST(test_reuse_clears_state)
{
	vm_frames_t fr;
	ck_assert(vm_frames_init(&fr, 2));
	uint32_t a = vm_frames_alloc(&fr, VM_FRAME_ANON, 1, 0x10);
	fr.f[a].flags |= VM_FRAME_DIRTY | VM_FRAME_ACTIVE | VM_FRAME_LOCKED;
	fr.f[a].stamp = 77;
	fr.f[a].list = 3;
	vm_frames_free(&fr, a);
	uint32_t b = vm_frames_alloc(&fr, VM_FRAME_PT, 2, 0);
	ck_assert_uint_eq(b, a);
	ck_assert_uint_eq(fr.f[b].flags, VM_FRAME_UPTODATE);
	ck_assert_uint_eq(fr.f[b].stamp, 0);
	ck_assert_uint_eq(fr.f[b].list, 0);
	ck_assert_uint_eq(fr.f[b].owner, 2);
	vm_frames_destroy(&fr);
}
END_TEST

/* ---- bad sizes ---------------------------------------------------------- */

/*
 * The lazily written tail (frames.h) against an eager one: the same random
 * allocations, placed allocations (alloc_at) and frees on two machines,
 * one with every link written at once (vm_frames_touch of the last frame),
 * must agree on every frame's fields and links after every step; and the
 * lazy one writes no further than one past the highest frame taken.
 */
START_TEST(test_lazy_tail)
{
	const uint32_t nr = 64;
	vm_frames_t lazy, eager;
	ck_assert(vm_frames_init(&lazy, nr));
	ck_assert(vm_frames_init(&eager, nr));
	vm_frames_touch(&eager, nr - 1);
	ck_assert_uint_eq(eager.init_to, nr);
	uint64_t x = 0x2545f4914f6cdd1d;
	for (unsigned step = 0; step < 2000; step++) {
		vt_xorshift(&x);
		uint32_t pfn = (uint32_t)(x >> 8) % nr;
		unsigned op = (unsigned)(x >> 40) % 4;
		if (lazy.f[pfn].kind != VM_FRAME_FREE) {
			vm_frames_free(&lazy, pfn);
			vm_frames_free(&eager, pfn);
		} else if (op == 0) {
			vm_frames_alloc_at(&lazy, pfn, VM_FRAME_FILE, 3, step);
			vm_frames_alloc_at(&eager, pfn, VM_FRAME_FILE, 3, step);
		} else {
			ck_assert_uint_eq(vm_frames_alloc(&lazy, VM_FRAME_ANON, 1, step),
					  vm_frames_alloc(&eager, VM_FRAME_ANON, 1, step));
		}
		ck_assert_uint_eq(lazy.free_head, eager.free_head);
		ck_assert_uint_eq(lazy.nr_free, eager.nr_free);
		ck_assert_uint_eq(lazy.hwm, eager.hwm);
		ck_assert_uint_le(lazy.init_to, MIN(nr, lazy.hwm + 1));
		/* one assertion per step: Check's are slow under the sanitizers */
		uint32_t bad = NIL;
		for (uint32_t i = 0; i < nr && bad == NIL; i++) {
			const vm_frame_t *a = &lazy.f[i], *b = &eager.f[i];
			if (vm_frames_next(&lazy, i) != b->next ||
			    vm_frames_prev(&lazy, i) != b->prev ||
			    a->mapcount != b->mapcount || a->owner != b->owner ||
			    a->index != b->index || a->stamp != b->stamp ||
			    a->io_done != b->io_done || a->kind != b->kind ||
			    a->flags != b->flags || a->list != b->list)
				bad = i;
		}
		ck_assert_msg(bad == NIL, "step %u: frame %u differs: links %u/%u, eager %u/%u",
			      step, bad, bad == NIL ? 0 : vm_frames_next(&lazy, bad),
			      bad == NIL ? 0 : vm_frames_prev(&lazy, bad),
			      bad == NIL ? 0 : eager.f[bad].next,
			      bad == NIL ? 0 : eager.f[bad].prev);
	}
	vm_frames_destroy(&lazy);
	vm_frames_destroy(&eager);

	/* a big machine that takes a few frames writes a few */
	vm_frames_t big;
	ck_assert(vm_frames_init(&big, 1u << 18));
	for (uint32_t i = 0; i < 100; i++)
		ck_assert_uint_eq(vm_frames_alloc(&big, VM_FRAME_ANON, 1, i), i);
	ck_assert_uint_eq(big.init_to, 101);
	vm_frames_destroy(&big);
}
END_TEST

START_TEST(test_init_bad)
{
	vm_frames_t fr = { 0 };
	vt_nr_criticals = 0;
	GLogFunc old = g_log_set_default_handler(vt_count_criticals, NULL);
	ck_assert(!vm_frames_init(&fr, 0));
	ck_assert(!vm_frames_init(&fr, VM_NIL));   /* VM_NIL is "no frame" */
	g_log_set_default_handler(old, NULL);
	ck_assert_uint_eq(vt_nr_criticals, 2);
	ck_assert_ptr_null(fr.f);
}
END_TEST

static Suite *frames_suite(void)
{
	Suite *s = suite_create("frames");
	TCase *tc = tcase_create("free-list");
	tcase_add_loop_test(tc, test_sequence, 0, G_N_ELEMENTS(seqs));
	tcase_add_loop_test(tc, test_init, 0, G_N_ELEMENTS(init_sizes));
	tcase_add_test(tc, test_kind_counts);
	tcase_add_test(tc, test_reuse_clears_state);
	tcase_add_test(tc, test_init_bad);
	tcase_add_test(tc, test_lazy_tail);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(frames_suite());
}
