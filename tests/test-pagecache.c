/*
 * Tests of the page cache (models/filemap.c) and of the file half of the
 * fault path (models/fault.c: do_fault, do_fault_around; vm_filemap_fault), driven directly
 * through the model API on a machine of our own, and through small traces
 * replayed with the invariant checker on.
 *
 * The machine of the direct tests ("pc"): the `default` profile with
 *   memory=4M (1024 frames of 4 KiB), reclaim.watermark_min=0,
 *   reclaim.kswapd=false (no reclaim unless memory runs out, which it never
 *   does here), readahead.policy=none (the fault path asks for the demanded
 *   page only, so every window below is one we chose), fault_around=0
 *   unless a test sets it; mmu.bits 9,9,9,9 (a leaf table covers 512
 *   pages); an NVMe disk (80 us latency, queue depth 32), whose requests
 *   hold up to 512 KiB = 128 blocks.  m->now starts at NOW = 1000 ns, so
 *   that "io_done == now" (a hole, no I/O) and "io_done > now" (a read in
 *   flight) differ.
 *
 * Pictures: a file's pages, B = a disk block, H = a hole, C = cached,
 * * = demanded page, M = readahead marker:
 *
 *     page    0 1 2 3 4 5 6 7
 *     disk    B B B B H B B B     (blocks b..b+3, hole, b+5..b+7)
 *     window  [-------------)     fill(idx 2, start 0, nr 8, marker 6)
 *     reads   [run 1 ] . [run 2]  two disk requests, page 4 zero-filled
 *
 * What is checked:
 *   a. file creation: contiguous blocks, sparse, cached;
 *   b. vm_filemap_fill: windows, holes, runs, markers, readahead_pages,
 *      the async window beside the demanded page;
 *   c. dirty accounting and writeback (delayed allocation, page_mkclean);
 *   d. truncate; e. unlink and the last close/munmap/exit;
 *   f. eviction; g. crash (lost and torn pages);
 *   h. fault-around; i. readahead_hits.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "traces/error.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/mmu.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/vmscan.h"
#include "models/writeback.h"
#include "models/crash.h"
#include "models/check.h"
#include "models/memcg.h"
#include "models/reclaim.h"
#include "tests/testlib.h"

#define NOW 1000u
#define PS 4096u
#define MAX_EVENTS 20000

/* ---- harness -------------------------------------------------------------- */

/* A machine of @profile with @sets applied (NULL-terminated, may be NULL),
 * process 1 spawned and running, m->now = NOW. */
static vm_machine_t *mk(const char *profile, const char *const *sets)
{
	return vt_machine(profile, sets, NOW);
}

static const char *const pc_sets[] = {
	"memory=4M", "reclaim.watermark_min=0", "reclaim.kswapd=false",
	"readahead.policy=none", "readahead.fault_around=0", NULL,
};

static vm_machine_t *mk_pc(void)
{
	return mk("default", pc_sets);
}

static vm_machine_t *mk_pc_around(const char *around)
{
	const char *sets[] = {
		"memory=4M", "reclaim.watermark_min=0", "reclaim.kswapd=false",
		"readahead.policy=none", around, NULL,
	};
	return mk("default", sets);
}

static uint64_t *pte_of(vm_machine_t *m, vm_proc_t *p, uint64_t vpn)
{
	return vm_pt_lookup(&m->pt, p->root, vpn);
}

/* vm_filemap_evict as reclaim calls it: on a page taken off its reclaim
 * list (vm_reclaim_take; the shadow entry of an eviction is computed on
 * a page on none), and put back when it stays. */
static vm_vmscan_rc_t evict(vm_machine_t *m, uint32_t pfn)
{
	vm_reclaim_t *rc = vm_memcg_lruvec(m, pfn);
	gboolean taken = vm_reclaim_take(rc, pfn);
	vm_vmscan_rc_t r = vm_filemap_evict(m, pfn, FALSE);
	if (taken && r != VM_VMSCAN_FREED)
		vm_reclaim_putback(rc, pfn);
	return r;
}

/* Make page @i of @f a hole by hand (its block freed). */
static void punch(vm_file_t *f, uint64_t i)
{
	ck_assert(vm_file_block(f, i) != VM_BLOCK_NONE);
	vm_file_set_block(f, i, VM_BLOCK_NONE);
	f->nr_blocks--;
}

/* ---- trace harness ------------------------------------------------------- */

/* Run @text on @profile to the end with the invariant checker on; every
 * expect line must pass, and there must be @nexpect of them. */
static vm_engine_t *run_trace(const char *profile, const char *text,
			      unsigned nexpect, vt_replay_t *r)
{
	vt_replay(r, profile, NULL, text, MAX_EVENTS);
	vt_replay_assert_expects(r, nexpect);
	return r->e;
}

static void trace_done(vm_engine_t *e, vt_replay_t *r)
{
	(void)e;
	vt_replay_free(r);
}

static uint64_t file_stat(vm_engine_t *e, const char *file, const char *name)
{
	vm_machine_t *m = vm_engine_machine(e);
	const vm_file_t *f = vm_stats_find_file(m, file);
	ck_assert_msg(f != NULL, "no file %s", file);
	int i = vm_stats_file_find(name);
	ck_assert_msg(i >= 0, "no file statistic %s", name);
	vm_statval_t v = vm_stats_file(m, f, (unsigned)i);
	ck_assert(!v.is_word);
	return v.num;
}

/* ==========================================================================
 * a. File creation (docs/format.md `file NAME size=SIZE [sparse] [cached]`)
 *
 *   file A size=4 pages         blocks 0 1 2 3   (next_block 0 -> 4)
 *   then the case's file B      blocks 4 5 ...   unless sparse (none)
 * ========================================================================== */

typedef struct {
	uint64_t size;           /* bytes */
	gboolean sparse, cached;
	uint64_t pages, blocks, cached_pages;
} create_t;

static const create_t creates[] = {
	{ 5 * PS, FALSE, FALSE, 5, 5, 0 },     /* plain: blocks 4..8 */
	{ 5 * PS, TRUE, FALSE, 5, 0, 0 },      /* sparse: all holes */
	{ 3 * PS, FALSE, TRUE, 3, 3, 3 },      /* cached: pages 0..2 in memory */
	{ 3 * PS, TRUE, TRUE, 3, 0, 3 },       /* sparse and cached */
	{ PS + 1, FALSE, FALSE, 2, 2, 0 },     /* a partial last page counts */
	{ 0, FALSE, TRUE, 0, 0, 0 },           /* empty */
};

START_TEST(test_create)
{
	const create_t *c = &creates[_i];
	vm_machine_t *m = mk_pc();
	uint64_t free0 = vm_machine_free_pages(m);
	vm_file_t *a = vm_file_new(m, "A", 4 * PS, FALSE, FALSE);
	ck_assert_uint_eq(a->nr_blocks, 4);
	ck_assert_uint_eq(m->next_block, 4);
	vm_file_t *b = vm_file_new(m, "B", c->size, c->sparse, c->cached);
	ck_assert_ptr_eq(vm_file_lookup(m, "B"), b);
	ck_assert_uint_eq(b->id, 1);
	ck_assert(b->linked && !b->dead && !b->shmem);
	ck_assert_uint_eq(vm_file_pages(b, m->page_shift), c->pages);
	ck_assert_uint_eq(b->nr_blocks, c->blocks);
	ck_assert_uint_eq(m->next_block, 4 + c->blocks);
	ck_assert_uint_eq(b->nr_cached, c->cached_pages);
	ck_assert_uint_eq(b->nr_dirty, 0);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 - c->cached_pages);
	for (uint64_t i = 0; i < c->pages; i++) {
		/* contiguous after A's: block 4 + i */
		ck_assert_uint_eq(vm_file_block(b, i), c->sparse ? VM_BLOCK_NONE : 4 + i);
		uint32_t pfn = vm_filemap_find(b, i);
		if (!c->cached) {
			ck_assert_uint_eq(pfn, VM_NIL);
			continue;
		}
		ck_assert_uint_ne(pfn, VM_NIL);
		const vm_frame_t *fr = &m->frames.f[pfn];
		ck_assert_uint_eq(fr->kind, VM_FRAME_FILE);
		ck_assert_uint_eq(fr->owner, b->id);
		ck_assert_uint_eq(fr->index, i);
		ck_assert_uint_eq(fr->mapcount, 0);
		ck_assert(!(fr->flags & (VM_FRAME_DIRTY | VM_FRAME_RA_UNUSED)));
		ck_assert_uint_le(fr->io_done, m->now);   /* up to date */
	}
	ck_assert_uint_eq(vm_filemap_find(b, c->pages), VM_NIL);
	ck_assert_uint_eq(m->disk->stats.reads, 0);   /* no I/O to create */
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * b. vm_filemap_fill
 *
 * An 8-page file, blocks b..b+7 except the holes, pages already cached
 * before the fill; fill(idx, start, nr, marker).  reads = disk requests:
 * the missing pages' blocks sorted and merged into runs of adjacent blocks.
 *
 *  case  holes cached idx start nr marker  ra  reads pages_in  note
 *   0    -     -       0   0    4   2       3   1     4         pages 0-3, M on 2
 *   1    4     -       2   0    8   6       7   2     7         run 0-3, hole, run 5-7
 *   2    -     2       0   0    4   NONE    2   2     3         runs {0,1} {3}
 *   3    all   -       1   0    4   NONE    3   0     0         sparse: zero-fill
 *   4    -     -       4   4    4   5       1   1     2         clamped at EOF (6 pages)
 *   5    -     -       0   4    4   4       4   2     5         async: window 4-7, then 0
 *   6    -     0       0   1    3   NONE    3   1     3         async, page 0 cached
 *   7    0,1   -       0   0    4   NONE    3   1     2         demanded hole, run 2-3
 *   8    -     1,2,3   0   0    4   NONE    0   1     1         only page 0 missing
 *   9    -     -       0   0    8   NONE    7   1     8         blocks reversed: one run
 * ========================================================================== */

#define NONE_ UINT64_MAX
#define ALL 0xff

typedef struct {
	unsigned holes, cached;   /* bitmasks of page indexes */
	uint64_t idx, start, nr, marker;
	uint32_t ra;
	uint64_t reads, pages_in;
	uint64_t fpages;          /* file size in pages (8 unless clamped) */
	gboolean reversed;        /* blocks in reverse order on the disk */
	uint64_t cached_after;
} fill_t;

static const fill_t fills[] = {
	{ 0, 0, 0, 0, 4, 2, 3, 1, 4, 8, FALSE, 4 },
	{ 1u << 4, 0, 2, 0, 8, 6, 7, 2, 7, 8, FALSE, 8 },
	{ 0, 1u << 2, 0, 0, 4, NONE_, 2, 2, 3, 8, FALSE, 4 },
	{ ALL, 0, 1, 0, 4, NONE_, 3, 0, 0, 8, FALSE, 4 },
	{ 0, 0, 4, 4, 4, 5, 1, 1, 2, 6, FALSE, 2 },
	{ 0, 0, 0, 4, 4, 4, 4, 2, 5, 8, FALSE, 5 },
	{ 0, 1u << 0, 0, 1, 3, NONE_, 3, 1, 3, 8, FALSE, 4 },
	{ 3u, 0, 0, 0, 4, NONE_, 3, 1, 2, 8, FALSE, 4 },
	{ 0, 0xeu, 0, 0, 4, NONE_, 0, 1, 1, 8, FALSE, 4 },
	{ 0, 0, 0, 0, 8, NONE_, 7, 1, 8, 8, TRUE, 8 },
};

START_TEST(test_fill)
{
	const fill_t *c = &fills[_i];
	vm_machine_t *m = mk_pc();
	vm_file_t *f = vm_file_new(m, "data", c->fpages * PS, FALSE, FALSE);
	for (uint64_t i = 0; i < c->fpages; i++) {
		if (c->reversed)
			vm_file_set_block(f, i, c->fpages - 1 - i);
		if (c->holes & (1u << i))
			punch(f, i);
		if (c->cached & (1u << i))
			ck_assert_uint_ne(vm_filemap_grab(m, f, i), VM_NIL);
	}
	uint64_t ra0 = m->c.readahead_pages;
	uint64_t ready = 0;
	uint32_t ra = 99;
	uint32_t pfn = vm_filemap_fill(m, f, c->idx, c->start, c->nr, c->marker,
					 &ready, &ra);
	ck_assert_uint_ne(pfn, VM_NIL);
	ck_assert_uint_eq(pfn, vm_filemap_find(f, c->idx));
	ck_assert_uint_eq(ra, c->ra);
	ck_assert_uint_eq(m->c.readahead_pages - ra0, c->ra);
	ck_assert_uint_eq(m->disk->stats.reads, c->reads);
	ck_assert_uint_eq(m->disk->stats.pages_in, c->pages_in);
	ck_assert_uint_eq(m->disk->stats.writes, 0);
	ck_assert_uint_eq(f->nr_cached, c->cached_after);
	const vm_frame_t *d = &m->frames.f[pfn];
	/* ready: when the demanded page is up to date */
	ck_assert_uint_eq(ready, MAX(m->now, d->io_done));
	ck_assert_uint_eq(d->kind, VM_FRAME_FILE);
	ck_assert_uint_eq(d->index, c->idx);
	if (!(c->cached & (1u << c->idx)))
		ck_assert(!(d->flags & VM_FRAME_RA_UNUSED));   /* demanded: not readahead */
	for (uint64_t i = 0; i < c->fpages; i++) {
		uint32_t q = vm_filemap_find(f, i);
		gboolean in_win = i >= c->start && i < c->start + c->nr;
		gboolean was = (c->cached & (1u << i)) != 0;
		if (!in_win && i != c->idx && !was) {
			ck_assert_msg(q == VM_NIL, "page %u read outside the window", (unsigned)i);
			continue;
		}
		ck_assert_msg(q != VM_NIL, "page %u not cached", (unsigned)i);
		const vm_frame_t *fr = &m->frames.f[q];
		ck_assert_uint_eq(fr->owner, f->id);
		ck_assert_uint_eq(fr->index, i);
		ck_assert_msg(!!(fr->flags & VM_FRAME_READAHEAD) == (i == c->marker && !was),
			      "page %u marker flag", (unsigned)i);
		if (was) {
			ck_assert_uint_eq(fr->io_done, NOW);   /* grabbed, untouched */
			ck_assert(!(fr->flags & VM_FRAME_RA_UNUSED));
			continue;
		}
		ck_assert_msg(!!(fr->flags & VM_FRAME_RA_UNUSED) == (i != c->idx),
			      "page %u RA_UNUSED", (unsigned)i);
		if (vm_file_block(f, i) == VM_BLOCK_NONE) {
			/* a hole: zero-filled at once */
			ck_assert_uint_eq(fr->io_done, m->now);
		} else {
			/* being read: "locked" until io_done, eviction refused */
			ck_assert_uint_gt(fr->io_done, m->now);
			ck_assert(evict(m, q) == VM_VMSCAN_KEPT);
		}
	}
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* A locked page (read in flight) becomes evictable once its read is done;
 * the read of page 0 (80 us latency + transfer) ends after NOW + 80 us. */
START_TEST(test_fill_io_done)
{
	vm_machine_t *m = mk_pc();
	vm_file_t *f = vm_file_new(m, "data", 4 * PS, FALSE, FALSE);
	uint64_t ready;
	uint32_t ra;
	uint32_t pfn = vm_filemap_fill(m, f, 0, 0, 1, VM_RA_NONE, &ready, &ra);
	ck_assert_uint_eq(ra, 0);
	ck_assert_uint_ge(ready, NOW + 80000);
	ck_assert_uint_eq(m->frames.f[pfn].io_done, ready);
	ck_assert(evict(m, pfn) == VM_VMSCAN_KEPT);
	ck_assert_uint_eq(f->nr_cached, 1);
	m->now = ready;
	ck_assert(evict(m, pfn) == VM_VMSCAN_FREED);
	ck_assert_uint_eq(f->nr_cached, 0);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * c. Dirty accounting and writeback
 * ========================================================================== */

/* Dirtying is counted once per page, per file and machine-wide; shmem
 * pages are never dirty (nothing to write them to). */
START_TEST(test_dirty_accounting)
{
	vm_machine_t *m = mk_pc();
	vm_file_t *a = vm_file_new(m, "a", 4 * PS, FALSE, TRUE);
	vm_file_t *b = vm_file_new(m, "b", 4 * PS, TRUE, FALSE);
	vm_file_t *s = vm_file_new_shmem(m, 4);
	m->now = 5000;
	vm_writeback_dirty(m, a, vm_file_pfn(a, 1));
	vm_writeback_dirty(m, a, vm_file_pfn(a, 1));   /* again: no change */
	vm_writeback_dirty(m, a, vm_file_pfn(a, 3));
	uint32_t pb = vm_filemap_grab(m, b, 2);
	vm_writeback_dirty(m, b, pb);
	uint32_t ps = vm_filemap_grab(m, s, 0);
	vm_writeback_dirty(m, s, ps);
	/* a: . D . D    b: . . D .    shmem: never dirty */
	ck_assert_uint_eq(a->nr_dirty, 2);
	ck_assert_uint_eq(b->nr_dirty, 1);
	ck_assert_uint_eq(s->nr_dirty, 0);
	ck_assert_uint_eq(m->nr_dirty, 3);
	ck_assert(!(m->frames.f[ps].flags & VM_FRAME_DIRTY));
	ck_assert(m->frames.f[vm_file_pfn(a, 1)].flags & VM_FRAME_DIRTY);
	ck_assert(!(m->frames.f[vm_file_pfn(a, 0)].flags & VM_FRAME_DIRTY));
	ck_assert_uint_eq(vm_file_dirtied(a, 1), 5000);
	/* writeback of a's [0, 2) cleans page 1 only */
	vm_writeback_range(m, a, 0, 2);
	ck_assert_uint_eq(a->nr_dirty, 1);
	ck_assert_uint_eq(m->nr_dirty, 2);
	ck_assert_uint_eq(m->disk->stats.writes, 1);
	/* the flusher's age test: page 3 was dirtied at 5000 */
	vm_writeback_range_aged(m, a, 0, 4, 4999);
	ck_assert_uint_eq(a->nr_dirty, 1);
	vm_writeback_range_aged(m, a, 0, 4, 5000);
	ck_assert_uint_eq(a->nr_dirty, 0);
	ck_assert_uint_eq(m->disk->stats.writes, 2);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/*
 * Writeback through a shared mapping of a sparse file:
 *
 *   vpn 0x100..0x103 -> file "s" pages 0..3 (all holes), shared rw
 *   w page 0   major (hole, zero-filled, no read), PTE W|D, page dirty
 *   writeback  page 0 gets block next_block (delayed allocation), clean,
 *              PTE loses W, wb_done[0] = the write's completion > now
 *   w page 0   minor (shared write): dirty again, PTE W again
 *   writeback  same block again, no new allocation
 */
START_TEST(test_writeback_delalloc)
{
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *pre = vm_file_new(m, "pre", 3 * PS, FALSE, FALSE);  /* blocks 0-2 */
	vm_file_t *f = vm_file_new(m, "s", 4 * PS, TRUE, FALSE);
	(void)pre;
	ck_assert_uint_eq(m->next_block, 3);
	vm_mm_mmap(m, p, 0x100, 4, VM_PROT_R | VM_PROT_W, VM_MAP_SHARED, (int32_t)f->id, 0);
	vm_result_t r = vt_access(m, p, 0x100, VM_ACC_W);
	ck_assert_uint_eq(r.outcome, VM_OUT_MAJOR);
	ck_assert_uint_eq(r.why, VM_WHY_FILE_HOLE);
	ck_assert_uint_eq(m->disk->stats.reads, 0);
	ck_assert_uint_eq(f->nr_dirty, 1);
	ck_assert_uint_eq(p->rss_file, 1);
	uint64_t *pte = pte_of(m, p, 0x100);
	ck_assert(pte && (*pte & VM_PTE_W) && (*pte & VM_PTE_D));
	ck_assert_uint_eq(vm_file_block(f, 0), VM_BLOCK_NONE);

	m->now = 2000;
	uint64_t done = vm_writeback_range(m, f, 0, 4);
	ck_assert_uint_gt(done, m->now);
	ck_assert_uint_eq(vm_file_block(f, 0), 3);       /* delayed allocation */
	ck_assert_uint_eq(f->nr_blocks, 1);
	ck_assert_uint_eq(m->next_block, 4);
	ck_assert_uint_eq(f->nr_dirty, 0);
	ck_assert_uint_eq(m->nr_dirty, 0);
	ck_assert_uint_eq(vm_file_wb_done(f, 0), done);
	ck_assert_uint_eq(m->disk->stats.writes, 1);
	ck_assert_uint_eq(m->disk->stats.pages_out, 1);
	ck_assert(!(m->frames.f[vm_file_pfn(f, 0)].flags & VM_FRAME_DIRTY));
	ck_assert(!(*pte & VM_PTE_W));           /* page_mkclean */
	ck_assert(*pte & VM_PTE_P);
	vt_check(m);

	m->now = done;
	r = vt_access(m, p, 0x100, VM_ACC_W);
	ck_assert_uint_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_uint_eq(r.why, VM_WHY_SHARED_WRITE);
	ck_assert_uint_eq(f->nr_dirty, 1);
	ck_assert(*pte & VM_PTE_W);
	ck_assert_uint_eq(p->majflt, 1);
	ck_assert_uint_eq(p->minflt, 1);
	/* a read of it now is a TLB hit, no fault */
	r = vt_access(m, p, 0x100, VM_ACC_R);
	ck_assert_uint_eq(r.outcome, VM_OUT_HIT);

	vm_writeback_range(m, f, 0, 4);
	ck_assert_uint_eq(vm_file_block(f, 0), 3);       /* no second allocation */
	ck_assert_uint_eq(m->next_block, 4);
	ck_assert_uint_eq(f->nr_blocks, 1);
	ck_assert_uint_eq(m->disk->stats.writes, 2);
	/* nothing dirty: no I/O, returns now */
	ck_assert_uint_eq(vm_writeback_range(m, f, 0, 4), m->now);
	ck_assert_uint_eq(m->disk->stats.writes, 2);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* Writeback merges adjacent blocks: dirty pages (bitmask) of a plain
 * 8-page file (blocks 0-7) -> write requests.
 *
 *   dirty  D D D D . . . .  -> 1      D . D . D . D .  -> 4
 *          D D . . . . D D  -> 2      . . . . . . . .  -> 0
 */
typedef struct { unsigned dirty; uint64_t writes, pages; } wb_t;
static const wb_t wbs[] = {
	{ 0x0f, 1, 4 }, { 0x55, 4, 4 }, { 0xc3, 2, 4 }, { 0x00, 0, 0 }, { 0xff, 1, 8 },
};

START_TEST(test_writeback_runs)
{
	const wb_t *c = &wbs[_i];
	vm_machine_t *m = mk_pc();
	vm_file_t *f = vm_file_new(m, "f", 8 * PS, FALSE, TRUE);
	for (unsigned i = 0; i < 8; i++)
		if (c->dirty & (1u << i))
			vm_writeback_dirty(m, f, vm_file_pfn(f, i));
	ck_assert_uint_eq(f->nr_dirty, c->pages);
	vm_writeback_range(m, f, 0, 8);
	ck_assert_uint_eq(m->disk->stats.writes, c->writes);
	ck_assert_uint_eq(m->disk->stats.pages_out, c->pages);
	ck_assert_uint_eq(f->nr_dirty, 0);
	ck_assert_uint_eq(m->nr_dirty, 0);
	ck_assert_uint_eq(f->nr_blocks, 8);      /* no new blocks for a plain file */
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * d. Truncate (vm_file_resize)
 *
 * An 8-page cached file, mapped shared r at vpn 0x200..0x207, all read
 * (rss_file 8), pages 1 and 6 dirty.  Shrink to the case's size:
 *
 *   size      pages kept  dropped  rss_file  nr_dirty  vpn 0x205
 *   3 pages   0-2         3-7      3         1         sigbus
 *   2.5 pages 0-2         3-7      3         1         sigbus
 *   1 byte    0           1-7      1         0         sigbus
 *   0         -           0-7      0         0         sigbus
 *   8 pages   0-7         -        8         2         hit/walk
 * then grown back to 8 pages: the dropped pages are holes (major fault,
 * no disk read, why FILE_HOLE).
 * ========================================================================== */

typedef struct { uint64_t size, kept, dirty; } trunc_t;
static const trunc_t truncs[] = {
	{ 3 * PS, 3, 1 }, { 2 * PS + PS / 2, 3, 1 }, { 1, 1, 0 }, { 0, 0, 0 },
	{ 8 * PS, 8, 2 },
};

START_TEST(test_truncate)
{
	const trunc_t *c = &truncs[_i];
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "t", 8 * PS, FALSE, TRUE);
	vm_mm_mmap(m, p, 0x200, 8, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_uint_eq(vt_access(m, p, 0x200 + i, VM_ACC_R).outcome, VM_OUT_MINOR);
	vm_writeback_dirty(m, f, vm_file_pfn(f, 1));
	vm_writeback_dirty(m, f, vm_file_pfn(f, 6));
	ck_assert_uint_eq(p->rss_file, 8);
	uint64_t free0 = vm_machine_free_pages(m);

	vm_file_resize(m, f, c->size);
	ck_assert_uint_eq(f->size, c->size);
	ck_assert_uint_eq(f->nr_cached, c->kept);
	ck_assert_uint_eq(f->nr_blocks, c->kept);
	ck_assert_uint_eq(f->nr_dirty, c->dirty);
	ck_assert_uint_eq(m->nr_dirty, c->dirty);
	ck_assert_uint_eq(p->rss_file, c->kept);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 + (8 - c->kept));
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t *pte = pte_of(m, p, 0x200 + i);
		gboolean kept = i < c->kept;
		ck_assert_msg(kept == (pte && *pte), "PTE of page %u", (unsigned)i);
		ck_assert(kept == (vm_file_pfn(f, i) != VM_NIL));
		ck_assert(kept == (vm_file_block(f, i) != VM_BLOCK_NONE));
	}
	vt_check(m);
	vm_result_t r = vt_access(m, p, 0x207, VM_ACC_R);
	ck_assert_uint_eq(r.outcome, c->kept == 8 ? VM_OUT_HIT : VM_OUT_SIGBUS);
	if (c->kept == 8) {
		vm_machine_free(m);
		return;
	}
	/* grow back: holes, read as zero-filled major faults without I/O */
	uint64_t reads0 = m->disk->stats.reads;
	vm_file_resize(m, f, 8 * PS);
	ck_assert_uint_eq(f->nr_blocks, c->kept);
	r = vt_access(m, p, 0x207, VM_ACC_R);
	ck_assert_uint_eq(r.outcome, VM_OUT_MAJOR);
	ck_assert_uint_eq(r.why, VM_WHY_FILE_HOLE);
	ck_assert_uint_eq(m->disk->stats.reads, reads0);
	ck_assert_uint_eq(vm_file_block(f, 7), VM_BLOCK_NONE);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * e. unlink: the file lives while it has a name, an fd or a mapping
 *
 * Traces on `tiny` (16 frames, no readahead or fault-around): file "data"
 * of 4 cached pages.  Each case holds the file by other means, unlinks it
 * (still 4 cached pages, linked 0), then lets go of the last hold
 * (cached_pages 0, free_pages back up by 4).
 * ========================================================================== */

typedef struct { const char *name, *text; unsigned nexpect; } trace_case_t;

#define HDR "vmt 1\nfile data size=16K cached\n"
static const trace_case_t unlinks[] = {
	{ "open fd",
	  HDR
	  "1 open data fd=3\n"
	  "1 unlink data\n"
	  "1 expect file=data cached_pages=4 linked=0 disk_pages=4\n"
	  "1 expect free_pages=12 file_pages=4\n"
	  "1 close 3\n"
	  "1 expect file=data cached_pages=0\n"
	  "1 expect free_pages=16 file_pages=0\n", 4 },
	{ "mapping, last munmap",
	  HDR
	  "1 open data fd=3\n"
	  "1 mmap 0x10000 16K r shared fd=3\n"
	  "1 close 3\n"
	  "1 unlink data\n"
	  "1 r 0x10000\n"
	  "1 expect file=data cached_pages=4 linked=0 maps=1\n"
	  "1 expect pid=1 rss_file=1 outcome=minor\n"
	  "1 munmap 0x10000 16K\n"
	  "1 expect file=data cached_pages=0 maps=0\n"
	  "1 expect free_pages=16\n", 4 },
	{ "mapping, exit",
	  HDR
	  "1 open data fd=3\n"
	  "1 mmap 0x10000 16K r private fd=3\n"
	  "1 unlink data\n"
	  "1 fork 2\n"
	  "1 exit\n"
	  "1 expect file=data cached_pages=4\n"
	  "2 r 0x13000\n"
	  "2 expect pid=2 outcome=minor\n"
	  "2 exit\n"
	  "2 expect file=data cached_pages=0\n"
	  "2 expect free_pages=16\n", 4 },
	{ "linked: close keeps the cache",
	  HDR
	  "1 open data fd=3\n"
	  "1 close 3\n"
	  "1 expect file=data cached_pages=4 linked=1\n", 1 },
};

START_TEST(test_unlink)
{
	const trace_case_t *c = &unlinks[_i];
	vt_replay_t lg;
	vm_engine_t *e = run_trace("tiny", c->text, c->nexpect, &lg);
	/* and the same through the statistics API */
	ck_assert_uint_eq(file_stat(e, "data", "size"), 16384);
	trace_done(e, &lg);
}
END_TEST

/* Directly: a mapping holds an unlinked file; dead only after munmap. */
START_TEST(test_unlink_direct)
{
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "u", 4 * PS, FALSE, TRUE);
	uint64_t free0 = vm_machine_free_pages(m);
	vm_mm_mmap(m, p, 0x300, 4, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	vm_file_unlink(m, f);
	ck_assert_ptr_null(vm_file_lookup(m, "u"));
	ck_assert(!f->linked && !f->dead);
	ck_assert_uint_eq(f->nr_cached, 4);
	ck_assert_uint_eq(vm_file_count_maps(m, f), 1);
	vm_mm_munmap(m, p, 0x300, 4);
	ck_assert(f->dead);
	ck_assert_uint_eq(f->nr_cached, 0);
	ck_assert_uint_eq(f->nr_blocks, 0);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 + 4);
	/* a new file may take the name */
	vm_file_t *g = vm_file_new(m, "u", PS, FALSE, FALSE);
	ck_assert_ptr_eq(vm_file_lookup(m, "u"), g);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* One munmap over the mappings of nine unlinked files: each was the last
 * user of its file, and each goes (the munmap once let only the first
 * eight go: the ninth kept its cached page). */
START_TEST(test_unlink_many_mapped)
{
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f[9];
	uint64_t free0 = vm_machine_free_pages(m);
	for (unsigned i = 0; i < 9; i++) {
		char name[8];
		g_snprintf(name, sizeof name, "u%u", i);
		f[i] = vm_file_new(m, name, PS, FALSE, TRUE);
		/* apart, so that the mappings stay nine VMAs */
		vm_mm_mmap(m, p, 0x300 + 2 * i, 1, VM_PROT_R, VM_MAP_SHARED,
			   (int32_t)f[i]->id, 0);
		vm_file_unlink(m, f[i]);
	}
	ck_assert_uint_eq(p->nr_vma, 9);
	vm_mm_munmap(m, p, 0x300, 18);
	for (unsigned i = 0; i < 9; i++) {
		ck_assert_msg(f[i]->dead, "file %u still alive", i);
		ck_assert_uint_eq(f[i]->nr_cached, 0);
	}
	ck_assert_uint_eq(vm_machine_free_pages(m), free0);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/*
 * Files on tmpfs (`file ... tmpfs`, `open ... create tmpfs`): shmem pages,
 * no disk.  A declared file is in memory whole, read through a mapping
 * with minor faults only (fault-around over the pages that are there);
 * writes dirty nothing and fsync writes nothing; a read of a hole copies
 * zeros without a page; a write fault on a hole is minor; reclaim keeps
 * them (shmem is not swapped here) while it drops a disk file's clean
 * pages; unlinked and closed, the file's pages go.
 */
START_TEST(test_tmpfs_files)
{
	vt_replay_t r;
	vm_engine_t *e = run_trace("default",
		"vmt 1\n"
		"set memory=16M\n"
		"set reclaim.watermark_min=0\n"
		"file /dev/shm/a size=4M tmpfs\n"
		"file disk size=4M cached\n"
		"1 expect file=/dev/shm/a cached_pages=1024 disk_pages=0\n"
		"1 open /dev/shm/a fd=3\n"
		"1 mmap 0x10000000 4M r shared fd=3\n"
		"1 seq r 0x10000000 4M\n"
		"1 expect pid=1 majflt=0 minflt=64\n"
		"1 munmap 0x10000000 4M\n"
		"1 open /dev/shm/new fd=5 create tmpfs\n"
		"1 write 5 0 1M\n"
		"1 fsync 5\n"
		"1 expect disk_writes=0 disk_reads=0 dirty_pages=0\n"
		"1 expect file=/dev/shm/new cached_pages=256\n"
		"1 ftruncate 5 2M\n"
		"1 read 5 0 2M\n"
		"1 expect file=/dev/shm/new cached_pages=256\n"
		"1 mmap 0x30000000 2M rw shared fd=5\n"
		"1 w 0x30100000\n"
		"1 expect outcome=minor\n"
		"1 expect file=/dev/shm/new cached_pages=257\n"
		"1 mmap 0x40000000 9M rw private anon\n"
		"1 seq w 0x40000000 9M\n"
		"1 expect oom_kills=0\n"
		"1 expect file=/dev/shm/a cached_pages=1024\n"
		"1 munmap 0x30000000 2M\n"
		"1 close 5\n"
		"1 unlink /dev/shm/new\n"
		"1 expect file=/dev/shm/new cached_pages=0\n",
		10, &r);
	/* reclaim took the disk file's pages to make room, and left the
	 * tmpfs file's */
	ck_assert_uint_lt(file_stat(e, "disk", "cached_pages"), 1024);
	ck_assert_uint_eq(file_stat(e, "/dev/shm/a", "cached_pages"), 1024);
	trace_done(e, &r);
}
END_TEST

/* A crash empties tmpfs: its file is gone, name and all (an `open`
 * without `create` is then an error at check time: test-engine), while a
 * disk file keeps its name and what reached the disk.  The `create` makes
 * a new file, on the disk (no `tmpfs`). */
START_TEST(test_tmpfs_crash)
{
	vt_replay_t r;
	vm_engine_t *e = run_trace("default",
		"vmt 1\n"
		"file /dev/shm/a size=8K tmpfs\n"
		"file disk size=8K cached\n"
		"crash\n"
		"1 open disk fd=3\n"
		"1 open /dev/shm/a fd=4 create\n"
		"1 expect file=/dev/shm/a cached_pages=0 disk_pages=0\n",
		1, &r);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(vm_file_lookup(m, "/dev/shm/a")->shmem, FALSE);
	ck_assert_ptr_nonnull(vm_file_lookup(m, "disk"));
	trace_done(e, &r);
}
END_TEST

/* ==========================================================================
 * f. Eviction (vm_filemap_evict)
 *
 *   case            setup                                 first    writes  block
 *   clean           cached page 2                         freed    0       kept
 *   dirty           dirty page 2                          pageout  1       kept
 *   dirty hole      sparse file, page 2 grabbed, dirty    pageout  1       new
 *   mapped dirty    shared rw mapping, written (PTE D)    pageout  1       kept
 *   mapped clean    shared r mapping, read                freed    0       kept
 *   in flight       page 2 being read (io_done > now)     kept     0       -
 *   shmem           shmem page                            kept     0       -
 *
 * A pageout keeps the page, clean and under writeback, until the write
 * completes: evicting it again before then keeps it; the VM_EV_IO of the
 * write's completion rotates it, and then it is freed without a write.
 * ========================================================================== */

enum { EV_CLEAN, EV_DIRTY, EV_HOLE, EV_MAP_DIRTY, EV_MAP_CLEAN, EV_READING, EV_SHMEM };
typedef struct { int kind; vm_vmscan_rc_t rc; uint64_t writes; } evict_t;
static const evict_t evicts[] = {
	{ EV_CLEAN, VM_VMSCAN_FREED, 0 }, { EV_DIRTY, VM_VMSCAN_PAGEOUT, 1 },
	{ EV_HOLE, VM_VMSCAN_PAGEOUT, 1 }, { EV_MAP_DIRTY, VM_VMSCAN_PAGEOUT, 1 },
	{ EV_MAP_CLEAN, VM_VMSCAN_FREED, 0 }, { EV_READING, VM_VMSCAN_KEPT, 0 },
	{ EV_SHMEM, VM_VMSCAN_KEPT, 0 },
};

START_TEST(test_evict)
{
	const evict_t *c = &evicts[_i];
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f;
	uint32_t pfn;
	switch (c->kind) {
	case EV_HOLE:
		f = vm_file_new(m, "e", 4 * PS, TRUE, FALSE);
		pfn = vm_filemap_grab(m, f, 2);
		vm_writeback_dirty(m, f, pfn);
		break;
	case EV_READING: {
		f = vm_file_new(m, "e", 4 * PS, FALSE, FALSE);
		uint64_t ready;
		uint32_t ra;
		pfn = vm_filemap_fill(m, f, 2, 2, 1, VM_RA_NONE, &ready, &ra);
		break;
	}
	case EV_SHMEM:
		f = vm_file_new_shmem(m, 4);
		pfn = vm_filemap_grab(m, f, 2);
		break;
	default:
		f = vm_file_new(m, "e", 4 * PS, FALSE, TRUE);
		pfn = vm_file_pfn(f, 2);
		break;
	}
	if (c->kind == EV_DIRTY)
		vm_writeback_dirty(m, f, pfn);
	if (c->kind == EV_MAP_DIRTY || c->kind == EV_MAP_CLEAN) {
		vm_mm_mmap(m, p, 0x400, 4, VM_PROT_R | VM_PROT_W, VM_MAP_SHARED,
			   (int32_t)f->id, 0);
		vm_result_t r = vt_access(m, p, 0x402, c->kind == EV_MAP_DIRTY ? VM_ACC_W : VM_ACC_R);
		ck_assert_uint_eq(r.outcome, VM_OUT_MINOR);
		ck_assert_uint_eq(r.pfn, pfn);
		ck_assert_uint_eq(p->rss_file, 1);
	}
	uint64_t cached0 = f->nr_cached, free0 = vm_machine_free_pages(m);
	uint64_t next0 = m->next_block;
	ck_assert_int_eq(evict(m, pfn), c->rc);
	ck_assert_uint_eq(m->disk->stats.writes, c->writes);
	if (c->rc == VM_VMSCAN_PAGEOUT) {
		/* written, kept: clean, unmapped, under writeback */
		vm_frame_t *fr = &m->frames.f[pfn];
		ck_assert_uint_eq(vm_file_pfn(f, 2), pfn);
		ck_assert_uint_eq(fr->flags & VM_FRAME_DIRTY, 0);
		ck_assert(fr->flags & VM_FRAME_WRITEBACK);
		ck_assert_uint_gt(fr->io_done, m->now);
		ck_assert_uint_eq(fr->mapcount, 0);
		ck_assert_uint_eq(m->nr_dirty, 0);
		ck_assert_uint_eq(vm_vmscan_pageout_next(m), fr->io_done);
		/* not again while the write is in flight */
		ck_assert_int_eq(evict(m, pfn), VM_VMSCAN_KEPT);
		/* the write completes: VM_EV_IO's work */
		vm_ev_t ev;
		ck_assert(vm_events_pop(&m->ev, &ev));
		ck_assert_uint_eq(ev.kind, VM_EV_IO);
		ck_assert_uint_eq(ev.time, fr->io_done);
		m->now = ev.time;
		vm_vmscan_pageout_done(m);
		ck_assert_uint_eq(fr->flags & VM_FRAME_WRITEBACK, 0);
		ck_assert_uint_eq(m->c.nr_vmscan_write, 1);
		ck_assert_uint_eq(vm_vmscan_pageout_next(m), 0);
		ck_assert_int_eq(evict(m, pfn), VM_VMSCAN_FREED);
		ck_assert_uint_eq(m->disk->stats.writes, c->writes);
	}
	if (c->rc == VM_VMSCAN_KEPT) {
		ck_assert_uint_eq(f->nr_cached, cached0);
		ck_assert_uint_eq(vm_file_pfn(f, 2), pfn);
		vt_check(m);
		vm_machine_free(m);
		return;
	}
	ck_assert_uint_eq(f->nr_cached, cached0 - 1);
	ck_assert_uint_eq(vm_file_pfn(f, 2), VM_NIL);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 + 1);
	ck_assert_uint_eq(m->frames.f[pfn].kind, VM_FRAME_FREE);
	ck_assert_uint_eq(f->nr_dirty, 0);
	ck_assert_uint_eq(m->nr_dirty, 0);
	ck_assert_uint_eq(p->rss_file, 0);
	if (c->kind == EV_HOLE) {
		ck_assert_uint_eq(vm_file_block(f, 2), next0);   /* allocated by the pageout */
		ck_assert_uint_eq(m->next_block, next0 + 1);
	} else {
		ck_assert_uint_eq(m->next_block, next0);
	}
	if (c->kind == EV_MAP_DIRTY || c->kind == EV_MAP_CLEAN) {
		uint64_t *pte = pte_of(m, p, 0x402);
		ck_assert(pte && *pte == 0);
		/* the next access reads it back: major */
		ck_assert_uint_eq(vt_access(m, p, 0x402, VM_ACC_R).outcome, VM_OUT_MAJOR);
	}
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * g. Crash
 *
 * File "c" of 8 cached pages; @dirty pages dirtied; @written of them
 * written back at time W = 10000; the crash at W + @delay.  A write is in
 * flight until its wb_done (80 us and more after W):
 *
 *   dirty written delay   lost  torn
 *   3     0       0       3     0      nothing reached the disk
 *   3     2       0       1     2      two writes still in flight: torn
 *   3     2       1s      1     0      the writes completed
 *   0     0       0       0     0
 *   3     3       0       0     3
 * ========================================================================== */

typedef struct { unsigned dirty, written; uint64_t delay, lost, torn; } crash_t;
static const crash_t crashes[] = {
	{ 3, 0, 0, 3, 0 }, { 3, 2, 0, 1, 2 }, { 3, 2, 1000000000, 1, 0 },
	{ 0, 0, 0, 0, 0 }, { 3, 3, 0, 0, 3 },
};

START_TEST(test_crash)
{
	const crash_t *c = &crashes[_i];
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "c", 8 * PS, FALSE, TRUE);
	vm_file_t *g = vm_file_new(m, "g", 2 * PS, FALSE, TRUE);   /* clean */
	vm_mm_mmap(m, p, 0x500, 8, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	ck_assert_uint_eq(vt_access(m, p, 0x500, VM_ACC_R).outcome, VM_OUT_MINOR);
	m->now = 10000;
	for (unsigned i = 0; i < c->dirty; i++)
		vm_writeback_dirty(m, f, vm_file_pfn(f, i));
	if (c->written)
		vm_writeback_range(m, f, 0, c->written);
	m->now += c->delay;
	uint64_t lost = 99, torn = 99;
	vm_crash_machine(m, &lost, &torn);
	ck_assert_uint_eq(lost, c->lost);
	ck_assert_uint_eq(torn, c->torn);
	ck_assert_uint_eq(m->c.lost_pages, c->lost);
	ck_assert_uint_eq(m->c.torn_pages, c->torn);
	ck_assert_uint_eq(f->lost_pages, c->lost);
	ck_assert_uint_eq(f->nr_cached, 0);
	ck_assert_uint_eq(g->nr_cached, 0);
	ck_assert_uint_eq(f->nr_dirty, 0);
	ck_assert_uint_eq(m->nr_dirty, 0);
	ck_assert_uint_eq(p->state, VM_PROC_KILLED);
	ck_assert_uint_eq(p->killed_by, VM_KILL_CRASH);
	ck_assert_uint_eq(vm_machine_free_pages(m), m->frames.nr);
	/* files keep their blocks and names */
	ck_assert_uint_eq(f->nr_blocks, 8);
	ck_assert(!f->dead && f->linked);
	vm_machine_free(m);
}
END_TEST

/* The same through a trace:
 *
 *   tiny with memory=1M (256 frames: 3 dirty pages stay below the 10 %
 *   background ratio, so nothing is written before the crash), file "d" of
 *   4 pages on the seed-hdd disk
 *   1 open d; write pages 0-2 (dirty 3); crash
 *   -> lost 3, cached 0; after the reboot pid 1 runs again, reads d (major)
 */
static const char crash_trace[] =
	"vmt 1\n"
	"set memory=1M\n"
	"file d size=16K\n"
	"1 open d fd=3\n"
	"1 write 3 0 12K\n"
	"1 expect dirty_pages=3\n"
	"1 expect file=d dirty_pages=3\n"
	"crash\n"
	"1 expect lost_pages=3 file_pages=0 dirty_pages=0\n"
	"1 expect file=d lost_pages=3 cached_pages=0 disk_pages=4\n"
	"1 open d fd=3\n"
	"1 mmap 0x10000 16K r shared fd=3\n"
	"1 r 0x10000\n"
	"1 expect outcome=major majflt=1\n";

START_TEST(test_crash_trace)
{
	vt_replay_t lg;
	vm_engine_t *e = run_trace("tiny", crash_trace, 5, &lg);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(m->c.lost_pages, 3);
	ck_assert_uint_eq(file_stat(e, "d", "lost_pages"), 3);
	ck_assert_uint_eq(file_stat(e, "d", "cached_pages"), 1);
	trace_done(e, &lg);
}
END_TEST

/* ==========================================================================
 * h. Fault-around (do_fault_around): 64 KiB = 16 pages, aligned to 16
 * virtual pages, clamped to the VMA (and to a 512-entry leaf table, never
 * reached here) and to the file; skipping uncached pages, pages being read
 * (io_done > now), marked pages and pages that already have a PTE.
 *
 * File "fa" of @fpages pages, all cached, mapped at @start for @npages with
 * @pgoff; one read fault at @fault; expected neighbours mapped:
 *
 *  case  start npages pgoff fault  setup                      maps rss
 *   0    0x400 64     0     0x405  -                          15   16
 *          window [0x400,0x410): 16 pages, less the fault
 *   1    0x404 60     0     0x405  -                          11   12
 *          VMA starts at 0x404: [0x404,0x410)
 *   2    0x400 8      0     0x402  -                          7    8
 *          VMA ends at 0x408
 *   3    0x400 64     0     0x405  pages 3, 7 uncached        13   14
 *   4    0x400 64     0     0x405  page 6 being read          14   15
 *   5    0x400 64     0     0x405  page 9 marked              14   15
 *   6    0x400 32     0     0x412  file of 20 pages           3    4
 *          window [0x410,0x420) but pages 20.. lie past EOF
 *   7    0x400 32     8     0x401  pgoff 8                    15   16
 *   8    0x400 64     0     0x405  0x40a written first        14   16
 *          (a write fault maps no neighbours; its PTE is skipped)
 *   9    0x400 64     0     0x405  fault_around=0             0    1
 *  10    0x400 64     0     0x405  fault_around=32K: 8 pages  7    8
 *  11    0x3fc 64     0     0x3fe  window [0x3f0,0x400) & VMA 3    4
 * ========================================================================== */

enum { FA_NONE, FA_UNCACHED, FA_READING, FA_MARKED, FA_WRITE_FIRST };
typedef struct {
	uint64_t fpages, start, npages, pgoff, fault;
	int setup;
	uint64_t mask;            /* file pages the setup applies to */
	const char *around;
	uint64_t maps, rss;
} fa_t;

static const fa_t fas[] = {
	{ 64, 0x400, 64, 0, 0x405, FA_NONE, 0, "readahead.fault_around=64K", 15, 16 },
	{ 64, 0x404, 60, 0, 0x405, FA_NONE, 0, "readahead.fault_around=64K", 11, 12 },
	{ 64, 0x400, 8, 0, 0x402, FA_NONE, 0, "readahead.fault_around=64K", 7, 8 },
	{ 64, 0x400, 64, 0, 0x405, FA_UNCACHED, (1u << 3) | (1u << 7),
	  "readahead.fault_around=64K", 13, 14 },
	{ 64, 0x400, 64, 0, 0x405, FA_READING, 1u << 6, "readahead.fault_around=64K", 14, 15 },
	{ 64, 0x400, 64, 0, 0x405, FA_MARKED, 1u << 9, "readahead.fault_around=64K", 14, 15 },
	{ 20, 0x400, 32, 0, 0x412, FA_NONE, 0, "readahead.fault_around=64K", 3, 4 },
	{ 64, 0x400, 32, 8, 0x401, FA_NONE, 0, "readahead.fault_around=64K", 15, 16 },
	{ 64, 0x400, 64, 0, 0x405, FA_WRITE_FIRST, 1u << 10, "readahead.fault_around=64K", 14, 16 },
	{ 64, 0x400, 64, 0, 0x405, FA_NONE, 0, "readahead.fault_around=0", 0, 1 },
	{ 64, 0x400, 64, 0, 0x405, FA_NONE, 0, "readahead.fault_around=32K", 7, 8 },
	{ 64, 0x3fc, 64, 0, 0x3fe, FA_NONE, 0, "readahead.fault_around=64K", 3, 4 },
};

START_TEST(test_fault_around)
{
	const fa_t *c = &fas[_i];
	vm_machine_t *m = mk_pc_around(c->around);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "fa", c->fpages * PS, FALSE, TRUE);
	for (uint64_t i = 0; i < c->fpages && i < 64; i++) {
		if (!(c->mask & ((uint64_t)1 << i)))
			continue;
		uint32_t pfn = vm_file_pfn(f, i);
		switch (c->setup) {
		case FA_UNCACHED:
			ck_assert(evict(m, pfn) == VM_VMSCAN_FREED);
			break;
		case FA_READING:
			m->frames.f[pfn].io_done = m->now + 50000;
			break;
		case FA_MARKED:
			m->frames.f[pfn].flags |= VM_FRAME_READAHEAD;
			break;
		default:
			break;
		}
	}
	vm_mm_mmap(m, p, c->start, c->npages, VM_PROT_R | VM_PROT_W, VM_MAP_SHARED,
		   (int32_t)f->id, c->pgoff);
	if (c->setup == FA_WRITE_FIRST) {
		vm_result_t w = vt_access(m, p, c->start + 10, VM_ACC_W);
		ck_assert_uint_eq(w.outcome, VM_OUT_MINOR);
		ck_assert_uint_eq(w.around, 0);     /* write faults never fault around */
		ck_assert_uint_eq(m->c.fault_around_maps, 0);
	}
	uint64_t reads0 = m->disk->stats.reads;
	vm_result_t r = vt_access(m, p, c->fault, VM_ACC_R);
	ck_assert_uint_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_uint_eq(r.why, VM_WHY_FILE_CACHED);
	ck_assert_uint_eq(r.around, c->maps);
	ck_assert_uint_eq(m->c.fault_around_maps, c->maps);
	ck_assert_uint_eq(p->rss_file, c->rss);
	ck_assert_uint_eq(m->disk->stats.reads, reads0);
	/* which PTEs exist: count them in the aligned window and check each
	 * maps the page the VMA says, read-only */
	uint64_t n = 0;
	for (uint64_t a = c->start; a < c->start + c->npages; a++) {
		uint64_t *pte = pte_of(m, p, a);
		if (!pte || !*pte)
			continue;
		n++;
		uint64_t idx = c->pgoff + (a - c->start);
		ck_assert_uint_eq(VM_PTE_PFN(*pte), vm_file_pfn(f, idx));
		if (a != c->start + 10 || c->setup != FA_WRITE_FIRST)
			ck_assert_msg(!(*pte & VM_PTE_W), "vpn %#" G_GINT64_MODIFIER "x writable",
				      a);
		/* never a skipped page */
		if (c->setup != FA_NONE && c->setup != FA_WRITE_FIRST && a != c->fault)
			ck_assert(!(c->mask & ((uint64_t)1 << idx)));
	}
	ck_assert_uint_eq(n, c->rss);
	/* a neighbour mapped by fault-around is now a walk, not a fault */
	if (c->maps) {
		uint64_t nb = c->fault + 1 < c->start + c->npages ? c->fault + 1 : c->fault - 1;
		uint64_t *pte = pte_of(m, p, nb);
		if (pte && *pte) {
			uint64_t minflt0 = p->minflt;
			vm_result_t w = vt_access(m, p, nb, VM_ACC_R);
			ck_assert_uint_eq(w.outcome, VM_OUT_WALK);
			ck_assert_uint_eq(p->minflt, minflt0);
		}
	}
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * i. readahead_hits: once per read-ahead page used
 *
 * File "r" of 8 pages; fill(idx 0, window [0,8)) reads 7 pages ahead.
 * Mapped shared r at 0x600 with fault-around off; after the read is done,
 * touch pages 0, 1, 2, 2 (again, after munmap+mmap: faults again), 5:
 *   page 0: demanded, not a readahead page        hits 0
 *   page 1, 2: readahead pages used                hits 2
 *   page 2 again: already counted                  hits 2
 *   page 5                                         hits 3
 * With fault-around of 64K instead, one fault on page 0 maps 1..7 and
 * counts all 7.
 * ========================================================================== */

typedef struct { const char *around; uint64_t hits_after_first, hits_end; } rah_t;
static const rah_t rahs[] = {
	{ "readahead.fault_around=0", 0, 3 },
	{ "readahead.fault_around=64K", 7, 7 },
};

START_TEST(test_readahead_hits)
{
	const rah_t *c = &rahs[_i];
	vm_machine_t *m = mk_pc_around(c->around);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "r", 8 * PS, FALSE, FALSE);
	uint64_t ready;
	uint32_t ra;
	vm_filemap_fill(m, f, 0, 0, 8, VM_RA_NONE, &ready, &ra);
	ck_assert_uint_eq(ra, 7);
	ck_assert_uint_eq(m->c.readahead_pages, 7);
	m->now = ready + 1;
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_le(m->frames.f[vm_file_pfn(f, i)].io_done, m->now);
	vm_mm_mmap(m, p, 0x600, 8, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	ck_assert_uint_eq(vt_access(m, p, 0x600, VM_ACC_R).outcome, VM_OUT_MINOR);
	ck_assert_uint_eq(m->c.readahead_hits, c->hits_after_first);
	vt_access(m, p, 0x601, VM_ACC_R);
	vt_access(m, p, 0x602, VM_ACC_R);
	vm_mm_munmap(m, p, 0x600, 8);
	vm_mm_mmap(m, p, 0x600, 8, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	vm_result_t r = vt_access(m, p, 0x602, VM_ACC_R);
	ck_assert_uint_eq(r.outcome, VM_OUT_MINOR);   /* cached: minor */
	vt_access(m, p, 0x605, VM_ACC_R);
	ck_assert_uint_eq(m->c.readahead_hits, c->hits_end);
	ck_assert_uint_eq(m->c.readahead_pages, 7);   /* nothing read again */
	ck_assert_uint_eq(m->disk->stats.reads, 1);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* A fault that finds its page still being read waits for it and is minor
 * (docs/format.md (outcomes)); the wait ends at the page's io_done. */
START_TEST(test_fault_on_locked_page)
{
	vm_machine_t *m = mk_pc();
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "l", 4 * PS, FALSE, FALSE);
	uint64_t ready;
	uint32_t ra;
	vm_filemap_fill(m, f, 0, 0, 4, VM_RA_NONE, &ready, &ra);
	vm_mm_mmap(m, p, 0x700, 4, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	vm_result_t r = vt_access(m, p, 0x702, VM_ACC_R);
	ck_assert_uint_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_uint_eq(r.why, VM_WHY_FILE_LOCKED);
	ck_assert_uint_eq(r.ready_at, m->frames.f[vm_file_pfn(f, 2)].io_done);
	ck_assert_uint_gt(r.ready_at, m->now);
	ck_assert_uint_eq(m->c.majflt, 0);
	ck_assert_uint_eq(m->c.readahead_hits, 1);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ---- sparse page index --------------------------------------------------- */

/*
 * The radix tree behind a file's pages (models/xarray.h) against a hash
 * table: random stores, erases, loads and ordered walks over keys from the
 * small ones a trace uses to 2^64-1, checked after every step.
 */
static guint xa_freed;
static void xa_free_entry(void *e)
{
	(void)e;
	xa_freed++;
}

static void *xa_same(const void *e)
{
	return (void *)e;
}

static uint64_t xa_key(GRand *r)
{
	switch (g_rand_int_range(r, 0, 4)) {
	case 0: return (uint64_t)g_rand_int_range(r, 0, 300);
	case 1: return UINT64_MAX - (uint64_t)g_rand_int_range(r, 0, 300);
	case 2: return (UINT64_C(1) << g_rand_int_range(r, 0, 64)) +
		       (uint64_t)g_rand_int_range(r, 0, 3);
	default: return ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);
	}
}

START_TEST(test_xarray_model)
{
	GRand *r = g_rand_new_with_seed(15);
	GHashTable *model = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	vm_xa_t xa = { 0 };
	for (int step = 0; step < 4000; step++) {
		uint64_t k = xa_key(r);
		uintptr_t v = (uintptr_t)step + 1;
		if (g_rand_int_range(r, 0, 3)) {
			vm_xa_store(&xa, k, (void *)v);
			g_hash_table_replace(model, g_memdup2(&k, sizeof k), (void *)v);
		} else {
			void *had = g_hash_table_lookup(model, &k);
			ck_assert_ptr_eq(vm_xa_erase(&xa, k), had);
			g_hash_table_remove(model, &k);
		}
		ck_assert_uint_eq(xa.count, g_hash_table_size(model));
		/* a load of a present key and of a random one */
		uint64_t q = xa_key(r);
		ck_assert_ptr_eq(vm_xa_load(&xa, k), g_hash_table_lookup(model, &k));
		ck_assert_ptr_eq(vm_xa_load(&xa, q), g_hash_table_lookup(model, &q));
		/* the next present key >= q: the smallest such in the model */
		uint64_t best = 0, found = q;
		gboolean any = FALSE;
		GHashTableIter it;
		gpointer key, val;
		g_hash_table_iter_init(&it, model);
		while (g_hash_table_iter_next(&it, &key, &val)) {
			uint64_t x = *(uint64_t *)key;
			if (x >= q && (!any || x < best)) {
				best = x;
				any = TRUE;
			}
		}
		void *e = vm_xa_find(&xa, &found);
		ck_assert_msg(any == (e != NULL), "find from 0x%" G_GINT64_MODIFIER "x", q);
		if (any) {
			ck_assert_uint_eq(found, best);
			ck_assert_ptr_eq(e, g_hash_table_lookup(model, &best));
		}
	}
	/* an ordered walk visits every entry once, and a copy holds the same */
	vm_xa_t cp = { 0 };
	vm_xa_copy(&cp, &xa, xa_same);
	uint64_t key, prev = 0, n = 0;
	void *e;
	vm_xa_for_each_from(&xa, key, e, 0) {
		ck_assert(n == 0 || key > prev);
		ck_assert_ptr_eq(e, g_hash_table_lookup(model, &key));
		ck_assert_ptr_eq(vm_xa_load(&cp, key), e);
		prev = key;
		n++;
	}
	ck_assert_uint_eq(n, g_hash_table_size(model));
	ck_assert_uint_eq(cp.count, n);
	xa_freed = 0;
	vm_xa_destroy(&xa, xa_free_entry);
	ck_assert_uint_eq(xa_freed, n);
	ck_assert_ptr_null(xa.root);
	vm_xa_destroy(&cp, NULL);
	g_hash_table_destroy(model);
	g_rand_free(r);
}
END_TEST

/*
 * A file of 1 TiB (2^28 pages) costs the pages touched: its blocks are the
 * contiguous rule until a page is cached, truncation frees blocks by
 * arithmetic (2^28 - 10 of them) and drops the cached page past the end.
 */
START_TEST(test_sparse_file)
{
	vm_machine_t *m = mk_pc();
	uint64_t next0 = m->next_block;
	vm_file_t *f = vm_file_new(m, "big", UINT64_C(1) << 40, FALSE, FALSE);
	const uint64_t last = (UINT64_C(1) << 28) - 1;
	ck_assert_uint_eq(f->pages.count, 0);
	ck_assert_uint_eq(f->nr_blocks, UINT64_C(1) << 28);
	ck_assert_uint_eq(m->next_block, next0 + (UINT64_C(1) << 28));
	ck_assert_uint_eq(vm_file_block(f, last), next0 + last);
	ck_assert_uint_eq(vm_file_block(f, last + 1), VM_BLOCK_NONE);
	ck_assert_uint_ne(vm_filemap_grab(m, f, last), VM_NIL);
	ck_assert_uint_ne(vm_filemap_grab(m, f, 3), VM_NIL);
	ck_assert_uint_eq(f->pages.count, 2);     /* two chunks of 64 pages */
	ck_assert_uint_eq(vm_file_block(f, last), next0 + last);
	ck_assert_uint_eq(f->nr_cached, 2);
	uint64_t i = 4;
	uint32_t pfn;
	ck_assert(vm_file_next_cached(f, &i, &pfn));
	ck_assert_uint_eq(i, last);
	ck_assert_uint_eq(pfn, vm_file_pfn(f, last));
	vt_check(m);
	vm_file_resize(m, f, 10 * PS);
	ck_assert_uint_eq(f->nr_blocks, 10);
	ck_assert_uint_eq(f->nr_cached, 1);
	ck_assert_uint_eq(vm_file_pfn(f, last), VM_NIL);
	ck_assert_uint_eq(vm_file_block(f, last), VM_BLOCK_NONE);
	ck_assert_uint_eq(vm_file_block(f, 9), next0 + 9);
	ck_assert_uint_eq(vm_file_block(f, 10), VM_BLOCK_NONE);
	/* growing to 2^62 bytes makes holes, and costs nothing */
	vm_file_resize(m, f, UINT64_C(1) << 62);
	ck_assert_uint_eq(f->nr_blocks, 10);
	ck_assert_uint_eq(vm_file_block(f, UINT64_C(1) << 40), VM_BLOCK_NONE);
	ck_assert_uint_eq(f->pages.count, 2);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

static Suite *pagecache_suite(void)
{
	Suite *s = suite_create("pagecache");
	TCase *tc = tcase_create("files");
	tcase_add_loop_test(tc, test_create, 0, G_N_ELEMENTS(creates));
	tcase_add_loop_test(tc, test_unlink, 0, G_N_ELEMENTS(unlinks));
	tcase_add_test(tc, test_unlink_direct);
	tcase_add_test(tc, test_unlink_many_mapped);
	tcase_add_test(tc, test_tmpfs_files);
	tcase_add_test(tc, test_tmpfs_crash);
	tcase_add_loop_test(tc, test_truncate, 0, G_N_ELEMENTS(truncs));
	tcase_add_test(tc, test_xarray_model);
	tcase_add_test(tc, test_sparse_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("fill");
	tcase_add_loop_test(tc, test_fill, 0, G_N_ELEMENTS(fills));
	tcase_add_test(tc, test_fill_io_done);
	tcase_add_test(tc, test_fault_on_locked_page);
	tcase_add_loop_test(tc, test_readahead_hits, 0, G_N_ELEMENTS(rahs));
	suite_add_tcase(s, tc);

	tc = tcase_create("writeback");
	tcase_add_test(tc, test_dirty_accounting);
	tcase_add_test(tc, test_writeback_delalloc);
	tcase_add_loop_test(tc, test_writeback_runs, 0, G_N_ELEMENTS(wbs));
	tcase_add_loop_test(tc, test_evict, 0, G_N_ELEMENTS(evicts));
	suite_add_tcase(s, tc);

	tc = tcase_create("crash");
	tcase_add_loop_test(tc, test_crash, 0, G_N_ELEMENTS(crashes));
	tcase_add_test(tc, test_crash_trace);
	suite_add_tcase(s, tc);

	tc = tcase_create("fault-around");
	tcase_add_loop_test(tc, test_fault_around, 0, G_N_ELEMENTS(fas));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(pagecache_suite());
}
