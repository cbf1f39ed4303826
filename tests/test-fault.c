/*
 * Tests of the page-fault handler (models/fault.c) and of what it costs the
 * host (models/scratch.c), driven through the MMU on a machine of our own.
 *
 * The machine ("pc"): the `default` profile with memory=4M (1024 frames),
 * reclaim.watermark_min=0, reclaim.kswapd=false, readahead.policy=none (a
 * file fault reads its own page only), readahead.fault_around=0; m->now
 * starts at NOW.  Process 1 maps, by page number:
 *
 *     vpn  0x100 ........ 0x10f    the case's mapping, 16 pages
 *                         file "data" (8 pages, pages 8-15 past EOF) or
 *                         anonymous memory or shmem (16 pages)
 *     vpn  0x200                   nothing mapped (SIGSEGV)
 *
 * What is checked:
 *   a. every branch of handle_mm_fault, one table row each: the outcome
 *      and reason of the last access, and the counters it moved, each set
 *      once where the branch decides it (a private write that has to read
 *      its page first is a major cow fault: majflt, not minflt);
 *   b. no allocation on the fault path: major faults with readahead
 *      windows, and under memory pressure with dirty pages written out by
 *      reclaim, call malloc/calloc/realloc not once after a warm-up;
 *   c. the scratch buffers grow geometrically (a window larger than the
 *      buffer at least doubles it, a smaller one leaves it), and a buffer
 *      is marked taken until it is given back (scratch.h: taking it twice
 *      is an assertion failure);
 *   d. the swap-in readahead window (vm_swap_ra_window, Linux's
 *      __swapin_nr_pages), one row per rule: 1 page for a random swap-in
 *      without hits, 2 for an adjacent one, hits + 2 rounded up to a power
 *      of two of at least 4, the cap, and no shrinking below half the last
 *      window (traces/scenarios/swap-readahead-window.vmt replays it);
 *   e. readahead by address (swap_vma_readahead): the window's start by
 *      the direction of the last swap-in or hit, its clip to the leaf
 *      table, a state per mapping, slots falling as addresses rise read
 *      in one request (front merges), and which disks and settings choose
 *      it (traces/scenarios/swap-vma-readahead.vmt contrasts the two).
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/mmu.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/check.h"
#include "models/events.h"
#include "models/swap.h"
#include "tests/testlib.h"

#define NOW 1000u
#define PS 4096u
#define BASE 0x100u

/* ---- counting the host's allocations -------------------------------------- */

/*
 * This program's malloc, calloc and realloc count their calls and go on to
 * glibc's; GLib's g_malloc and g_new call them.  Not under AddressSanitizer
 * (which has its own) nor without glibc: there the count stays 0 and the
 * test of b. says so and checks nothing.
 */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static unsigned long nr_allocs;

void *malloc(size_t n)
{
	nr_allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	nr_allocs++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	nr_allocs++;
	return __libc_realloc(p, n);
}
#else
#define COUNT_ALLOCS 0
static unsigned long nr_allocs;
#endif

/* ---- harness -------------------------------------------------------------- */

static vm_machine_t *mk(const char *const *sets)
{
	return vt_machine("default", sets, NOW);
}

static const char *const pc_sets[] = {
	"memory=4M", "reclaim.watermark_min=0", "reclaim.kswapd=false",
	"readahead.policy=none", "readahead.fault_around=0", NULL,
};

/* ==========================================================================
 * a. The branches of handle_mm_fault
 *
 *   mapping   before the access              access  handled by
 *   anon      -                               r      do_anonymous_page (zero page)
 *   anon      -                               w      do_anonymous_page (new page)
 *   anon      r (zero page mapped)            w      do_wp_page: wp_page_copy
 *   private   -                               r      do_read_fault, read: major
 *   private   page cached                     r      do_read_fault: minor
 *   private   page cached, read in flight     r      do_read_fault: minor, waits
 *   private   -                               w      do_cow_fault, read: major cow
 *   private   page cached                     w      do_cow_fault: minor cow
 *   private   r (mapped read-only)            w      do_wp_page: wp_page_copy
 *   shared    -                               w      do_shared_fault, read: major
 *   shared    r (mapped read-only)            w      do_wp_page: wp_page_shared
 *   shared    page is a hole                  r      do_read_fault: zero-filled, major
 *   private   - (page 9, past EOF)            r      do_fault: SIGBUS
 *   shmem     -                               r      do_read_fault: minor (no disk)
 *   shmem     -                               w      do_shared_fault: minor
 *   none      - (vpn 0x200)                   r      bad_area: SIGSEGV
 *   private   - (mapped read-only)            w      bad_area: SIGSEGV
 * ========================================================================== */

typedef enum { MAP_ANON, MAP_PRIV, MAP_SHARED, MAP_SHMEM, MAP_PRIV_RO } map_t;
typedef enum { PRE_NONE, PRE_READ, PRE_CACHED, PRE_INFLIGHT, PRE_HOLE } pre_t;

typedef struct {
	const char *name;
	map_t map;
	pre_t pre;
	uint64_t page;           /* page of the mapping accessed */
	vm_acc_t acc;
	gboolean no_vma;         /* access vpn 0x200 instead */
	vm_outcome_t out;
	vm_why_t why;
	/* counters the last access moved (machine and process alike) */
	unsigned minflt, majflt, cow, zero, sigbus, sigsegv;
	gboolean waits;          /* res.ready_at set */
} path_t;

static const path_t paths[] = {
	{ "anon read", MAP_ANON, PRE_NONE, 0, VM_ACC_R, FALSE,
	  VM_OUT_ZERO, VM_WHY_ZERO_PAGE, .minflt = 1, .zero = 1 },
	{ "anon write", MAP_ANON, PRE_NONE, 0, VM_ACC_W, FALSE,
	  VM_OUT_MINOR, VM_WHY_ANON_NEW, .minflt = 1 },
	{ "anon write on the zero page", MAP_ANON, PRE_READ, 0, VM_ACC_W, FALSE,
	  VM_OUT_MINOR, VM_WHY_ZERO_REPLACED, .minflt = 1 },
	{ "private read, not cached", MAP_PRIV, PRE_NONE, 2, VM_ACC_R, FALSE,
	  VM_OUT_MAJOR, VM_WHY_FILE_READ, .majflt = 1, .waits = TRUE },
	{ "private read, cached", MAP_PRIV, PRE_CACHED, 2, VM_ACC_R, FALSE,
	  VM_OUT_MINOR, VM_WHY_FILE_CACHED, .minflt = 1 },
	{ "private read, read in flight", MAP_PRIV, PRE_INFLIGHT, 2, VM_ACC_R, FALSE,
	  VM_OUT_MINOR, VM_WHY_FILE_LOCKED, .minflt = 1, .waits = TRUE },
	{ "private write, not cached", MAP_PRIV, PRE_NONE, 2, VM_ACC_W, FALSE,
	  VM_OUT_COW, VM_WHY_PRIVATE_COPY, .majflt = 1, .cow = 1, .waits = TRUE },
	{ "private write, cached", MAP_PRIV, PRE_CACHED, 2, VM_ACC_W, FALSE,
	  VM_OUT_COW, VM_WHY_PRIVATE_COPY, .minflt = 1, .cow = 1 },
	{ "private write, mapped read-only", MAP_PRIV, PRE_READ, 2, VM_ACC_W, FALSE,
	  VM_OUT_COW, VM_WHY_PRIVATE_COPY, .minflt = 1, .cow = 1 },
	{ "shared write, not cached", MAP_SHARED, PRE_NONE, 2, VM_ACC_W, FALSE,
	  VM_OUT_MAJOR, VM_WHY_FILE_READ, .majflt = 1, .waits = TRUE },
	{ "shared write, mapped read-only", MAP_SHARED, PRE_READ, 2, VM_ACC_W, FALSE,
	  VM_OUT_MINOR, VM_WHY_SHARED_WRITE, .minflt = 1 },
	{ "shared read of a hole", MAP_SHARED, PRE_HOLE, 2, VM_ACC_R, FALSE,
	  VM_OUT_MAJOR, VM_WHY_FILE_HOLE, .majflt = 1 },
	{ "read past EOF", MAP_PRIV, PRE_NONE, 9, VM_ACC_R, FALSE,
	  VM_OUT_SIGBUS, VM_WHY_SIGBUS, .sigbus = 1 },
	{ "shmem read", MAP_SHMEM, PRE_NONE, 3, VM_ACC_R, FALSE,
	  VM_OUT_MINOR, VM_WHY_FILE_HOLE, .minflt = 1 },
	{ "shmem write", MAP_SHMEM, PRE_NONE, 3, VM_ACC_W, FALSE,
	  VM_OUT_MINOR, VM_WHY_FILE_HOLE, .minflt = 1 },
	{ "no VMA", MAP_PRIV, PRE_NONE, 0, VM_ACC_R, TRUE,
	  VM_OUT_SIGSEGV, VM_WHY_NO_VMA, .sigsegv = 1 },
	{ "write to a read-only VMA", MAP_PRIV_RO, PRE_NONE, 2, VM_ACC_W, FALSE,
	  VM_OUT_SIGSEGV, VM_WHY_PROT, .sigsegv = 1 },
};

START_TEST(test_paths)
{
	const path_t *c = &paths[_i];
	vm_machine_t *m = mk(pc_sets);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "data", 8 * PS, FALSE, FALSE);
	uint32_t rw = VM_PROT_R | VM_PROT_W;
	switch (c->map) {
	case MAP_ANON:
		vm_mm_mmap(m, p, BASE, 16, rw, VM_MAP_ANON, -1, 0);
		break;
	case MAP_PRIV:
		vm_mm_mmap(m, p, BASE, 16, rw, 0, (int32_t)f->id, 0);
		break;
	case MAP_PRIV_RO:
		vm_mm_mmap(m, p, BASE, 16, VM_PROT_R, 0, (int32_t)f->id, 0);
		break;
	case MAP_SHARED:
		vm_mm_mmap(m, p, BASE, 16, rw, VM_MAP_SHARED, (int32_t)f->id, 0);
		break;
	case MAP_SHMEM:
		vm_mm_mmap(m, p, BASE, 16, rw, VM_MAP_SHARED | VM_MAP_ANON,
			   (int32_t)vm_file_new_shmem(m, 16)->id, 0);
		break;
	}
	switch (c->pre) {
	case PRE_NONE:
		break;
	case PRE_READ:
		vt_access(m, p, BASE + c->page, VM_ACC_R);
		break;
	case PRE_HOLE:
		vm_file_set_block(f, c->page, VM_BLOCK_NONE);
		f->nr_blocks--;
		break;
	case PRE_CACHED:
	case PRE_INFLIGHT: {
		uint64_t ready;
		uint32_t ra;
		ck_assert_uint_ne(vm_filemap_fill(m, f, c->page, c->page, 1,
						  VM_RA_NONE, &ready, &ra), VM_NIL);
		ck_assert_uint_gt(ready, m->now);
		if (c->pre == PRE_CACHED)
			m->now = ready;
		break;
	}
	}
	vm_counters_t b = m->c;
	vm_proc_t pb = *p;
	vm_result_t res = vt_access(m, p, c->no_vma ? 0x200 : BASE + c->page, c->acc);
	ck_assert_msg(res.outcome == c->out, "%s: outcome %s, expected %s", c->name,
		      vm_result_outcome_name(res.outcome), vm_result_outcome_name(c->out));
	ck_assert_msg(res.why == c->why, "%s: why %s, expected %s", c->name,
		      vm_result_why_name(res.why), vm_result_why_name(c->why));
	ck_assert_uint_eq(m->c.minflt - b.minflt, c->minflt);
	ck_assert_uint_eq(m->c.majflt - b.majflt, c->majflt);
	ck_assert_uint_eq(m->c.cow_faults - b.cow_faults, c->cow);
	ck_assert_uint_eq(m->c.zero_maps - b.zero_maps, c->zero);
	ck_assert_uint_eq(m->c.sigbus - b.sigbus, c->sigbus);
	ck_assert_uint_eq(m->c.sigsegv - b.sigsegv, c->sigsegv);
	ck_assert_uint_eq(p->minflt - pb.minflt, c->minflt);
	ck_assert_uint_eq(p->majflt - pb.majflt, c->majflt);
	ck_assert_uint_eq(p->cow_faults - pb.cow_faults, c->cow);
	ck_assert_uint_eq(p->sigbus - pb.sigbus, c->sigbus);
	ck_assert_uint_eq(p->sigsegv - pb.sigsegv, c->sigsegv);
	ck_assert_msg((res.ready_at != 0) == c->waits, "%s: ready_at %" G_GUINT64_FORMAT,
		      c->name, res.ready_at);
	/* file_major: the fault read (or zero-filled) a file page */
	ck_assert_uint_eq(res.file_major,
			  c->map != MAP_SHMEM && (c->why == VM_WHY_FILE_READ ||
						  c->why == VM_WHY_FILE_HOLE ||
						  (c->why == VM_WHY_PRIVATE_COPY && c->majflt)));
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * b. No allocation per fault
 *
 *   read:     default profile, memory=16M: a private 32 MiB file read at
 *             pages 0, 997, 1994, ... (mod 8192): major faults with
 *             readahead (linux, up to 32 pages) and fault-around (16),
 *             clean pages reclaimed to make room;
 *   pressure: memory=2M, a shared 8 MiB file written at pages 0, 37,
 *             74, ... (mod 2048): every fault reads, and reclaim writes
 *             dirty pages out (pageout, writeback.c) to make room.
 *
 *   warm-up: a page of every 64, so that every leaf page table and every
 *   chunk of the file's page index (file.h: 64 pages each, allocated the
 *   first time one of its pages is cached, as Linux's xarray allocates its
 *   nodes) exist, and 400 faults (the buffers and queues reach their
 *   size); then 400 faults, 100 us apart, the
 *   machine's events run between them as the engine runs them: 0
 *   allocations.
 * ========================================================================== */

typedef struct {
	const char *name;
	const char *const *sets;
	uint64_t pages, stride;
	gboolean shared_write;
} noalloc_t;

static const char *const read_sets[] = { "memory=16M", NULL };
static const char *const pressure_sets[] = {
	"memory=2M", "reclaim.kswapd=false", NULL,
};

static const noalloc_t noallocs[] = {
	{ "read", read_sets, 8192, 997, FALSE },
	{ "pressure", pressure_sets, 2048, 37, TRUE },
};

START_TEST(test_no_alloc)
{
	const noalloc_t *c = &noallocs[_i];
	vm_machine_t *m = mk(c->sets);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	vm_file_t *f = vm_file_new(m, "data", c->pages * PS, FALSE, FALSE);
	vm_mm_mmap(m, p, 0x100000, c->pages, VM_PROT_R | VM_PROT_W,
		   c->shared_write ? VM_MAP_SHARED : 0, (int32_t)f->id, 0);
	vm_acc_t a = c->shared_write ? VM_ACC_W : VM_ACC_R;
	uint64_t k = 0;
	for (uint64_t t = 0; t < c->pages; t += 64) {
		vt_run_until(m, m->now + 100000);
		vt_access(m, p, 0x100000 + t, a);
	}
	for (int i = 0; i < 400; i++, k = (k + c->stride) % c->pages) {
		vt_run_until(m, m->now + 100000);
		vt_access(m, p, 0x100000 + k, a);
	}
	uint64_t majflt = m->c.majflt, pageouts = m->nr_pageout;
	unsigned long before = nr_allocs;
	for (int i = 0; i < 400; i++, k = (k + c->stride) % c->pages) {
		vt_run_until(m, m->now + 100000);
		vt_access(m, p, 0x100000 + k, a);
	}
	unsigned long n = nr_allocs - before;
	ck_assert_msg(m->c.majflt - majflt >= 100, "%s: only %" G_GUINT64_FORMAT
		      " major faults", c->name, m->c.majflt - majflt);
	if (c->shared_write)
		ck_assert_msg(m->nr_pageout > pageouts, "%s: no pageout", c->name);
	if (!COUNT_ALLOCS)
		fprintf(stderr, "test-fault: allocations not counted in this build\n");
	ck_assert_msg(n == 0, "%s: %lu allocations in 400 faults", c->name, n);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* ==========================================================================
 * c. Scratch growth
 *
 *   the machine's read buffer holds a window of readahead.max (32 pages);
 *   readahead of 16 pages: no growth; of 1000: grows once, holds 1000
 *   pages; of 1000 again, or 10: no growth; of 2100 (just over twice 1000):
 *   grows once more.
 * ========================================================================== */

START_TEST(test_scratch_growth)
{
	const char *const sets[] = { "memory=64M", "readahead.policy=none", NULL };
	vm_machine_t *m = mk(sets);
	vm_file_t *f = vm_file_new(m, "data", 4096 * PS, FALSE, FALSE);
	vm_scratch_t *s = &m->scratch_read;
	uint32_t g = s->nr_grow;
	ck_assert_uint_ge(s->size, 32 * (8 + 8 + 4));
	vm_filemap_readahead(m, f, 0, 16);
	ck_assert_uint_eq(s->nr_grow, g);
	vm_filemap_readahead(m, f, 100, 1000);
	ck_assert_uint_eq(s->nr_grow, g + 1);
	ck_assert_uint_ge(s->size, 1000 * (8 + 8 + 4));
	size_t size = s->size;
	vm_filemap_readahead(m, f, 1100, 1000);
	vm_filemap_readahead(m, f, 2100, 10);
	ck_assert_uint_eq(s->nr_grow, g + 1);
	ck_assert_uint_eq(s->size, size);
	vm_filemap_readahead(m, f, 1, 3000);   /* 2100 of them missing: 3000 laid out */
	ck_assert_uint_eq(s->nr_grow, g + 2);
	ck_assert_uint_ge(s->size, 2 * size);
	ck_assert(!s->busy && !m->scratch_bio.busy);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

START_TEST(test_scratch_busy)
{
	vm_scratch_t s = { 0 };
	char *p = vm_scratch_get(&s, 64);
	ck_assert(s.busy);
	ck_assert_ptr_nonnull(p);
	vm_scratch_put(&s);
	ck_assert(!s.busy);
	/* the same memory again: no allocation */
	ck_assert_ptr_eq(vm_scratch_get(&s, 32), p);
	ck_assert_uint_eq(s.nr_grow, 1);
	vm_scratch_put(&s);
	vm_scratch_free(&s);
}
END_TEST

static const struct ra_win_case {
	uint64_t prev_offset, offset;
	uint32_t hits, max_pages, prev_win, want;
} ra_wins[] = {
	{ 100, 500, 0, 8, 0, 1 },   /* random, no hits: no readahead */
	{ 100, 500, 0, 8, 1, 1 },
	{ 100, 101, 0, 8, 0, 2 },   /* adjacent, either side: 2 */
	{ 100, 99, 0, 8, 0, 2 },
	{ 0, 1, 0, 8, 0, 2 },
	{ 100, 500, 1, 8, 0, 4 },   /* 1 + 2 = 3, at least 4 */
	{ 100, 500, 2, 8, 0, 4 },
	{ 100, 500, 3, 8, 0, 8 },   /* 5 rounded up */
	{ 100, 500, 4, 8, 0, 8 },   /* the boot value: a full cluster */
	{ 100, 500, 7, 8, 0, 8 },   /* 9 capped */
	{ 100, 500, 30, 32, 0, 32 },
	{ 100, 500, 3, 4, 0, 4 },   /* capped by a smaller cluster */
	{ 100, 500, 0, 8, 8, 4 },   /* shrinks to half the last window ... */
	{ 100, 500, 0, 8, 4, 2 },
	{ 100, 500, 0, 8, 2, 1 },
	{ 100, 500, 1, 8, 32, 16 }, /* ... even past the cap (Linux does) */
	{ 100, 101, 0, 8, 8, 4 },   /* adjacent, but half of 8 is more */
	/* a VMA's window compares page numbers, which are 64-bit */
	{ UINT64_C(1) << 40, (UINT64_C(1) << 40) + 1, 0, 8, 0, 2 },
	{ (UINT64_C(1) << 32) + 7, 7, 0, 8, 0, 1 },   /* not next to it */
};

START_TEST(test_swap_ra_window)
{
	const struct ra_win_case *c = &ra_wins[_i];
	ck_assert_uint_eq(vm_swap_ra_window(c->prev_offset, c->offset, c->hits,
					    c->max_pages, c->prev_win), c->want);
}
END_TEST

/*
 * e. swap_vma_readahead (models/swap.c), on the tiny profile (16-page leaf
 * tables) with an NVMe disk, 10 frames, page-cluster 2, FIFO reclaim: A's
 * pages are written, then B's push A's first ones out to swap, then B is
 * unmapped to leave frames for the reads.
 */
#define VMA_RA_HEAD "vmt 1\nprofile tiny\nset disk.type=nvme\nset memory=40K\n" \
	"set swap.size=64K\nset swap.cluster=2\nset reclaim.policy=fifo\n"
/* B (8 pages at 0x40000) written, pushing the oldest pages out, then
 * unmapped: its frames free for the reads */
#define VMA_RA_B "1 mmap 0x40000 32K rw private anon\n1 seq w 0x40000 32K\n" \
	"1 munmap 0x40000 32K\n"
/* A across the leaf tables at 0x20000, then a fault at 0x20000 */
#define VMA_RA_LEAF VMA_RA_HEAD "1 mmap 0x1c000 32K rw private anon\n" \
	"1 seq w 0x1c000 32K\n" VMA_RA_B "1 r 0x20000\n"

static const struct vma_ra_case {
	const char *name;
	const char *sets[2];
	const char *text;
	uint64_t majflt, pswpin, swap_ra, swap_ra_hits, disk_reads;
} vma_ras[] = {
	/* A (vpn 0x1c..0x23) crosses a leaf table at 0x20; A0..A5 go to
	 * slots 0..5.  The fault at 0x20 (A4) has a window of 4 centred on
	 * it, [0x1f, 0x23), clipped to its table: 0x20 and 0x21 (A5) read,
	 * not 0x1f (A3, slot 3) of the table before, and 0x22 is in memory */
	{ "the leaf table's range", { NULL },
	  VMA_RA_LEAF,
	  1, 2, 1, 0, 1 },
	/* the same by slot: the aligned block 4..7 of slot 4 has slot 5 */
	{ "the leaf table's range, by slot", { "swap.vma_readahead=false" },
	  VMA_RA_LEAF,
	  1, 2, 1, 0, 1 },
	/* A (12 pages) written top down, so A11..A2 take slots 0..9: slots
	 * fall as addresses rise.  A2 faults: window 4 centred, [A1, A5):
	 * A2, A3, A4 in slots 9, 8, 7, one request by front merges.  A5
	 * faults next to the last hit (A4): window 4 starting at it,
	 * [A5, A9): slots 6..3, one request again (centred, it would have
	 * been [A4, A8), and A8 a third fault) */
	{ "front merges, going up", { NULL },
	  VMA_RA_HEAD "1 mmap 0x10000 48K rw private anon\n"
	  "1 w 0x1b000\n1 w 0x1a000\n1 w 0x19000\n1 w 0x18000\n"
	  "1 w 0x17000\n1 w 0x16000\n1 w 0x15000\n1 w 0x14000\n"
	  "1 w 0x13000\n1 w 0x12000\n1 w 0x11000\n1 w 0x10000\n"
	  VMA_RA_B "1 seq r 0x10000 36K\n",
	  2, 7, 5, 5, 2 },
	/* A written in order (slots 0..5 are A0..A5) and read top down: A5
	 * faults first, window 4 centred, [A4, A8): A4 and A5 (A6, A7 are
	 * in memory); A4 hits, A3 faults next below the last hit: window 4
	 * ending at it, [A0, A4): slots 0..3 in one request */
	{ "going down", { NULL },
	  VMA_RA_HEAD "1 mmap 0x10000 32K rw private anon\n1 seq w 0x10000 32K\n"
	  VMA_RA_B "1 r 0x17000\n1 r 0x16000\n1 r 0x15000\n1 r 0x14000\n"
	  "1 r 0x13000\n1 r 0x12000\n1 r 0x11000\n1 r 0x10000\n",
	  2, 6, 4, 4, 2 },
	/* two mappings keep windows of their own: A0..A3, C0, C1 in slots
	 * 0..5.  A0 faults (4 hits, window 4, centred, clipped): A0..A2, one
	 * request.  C1 then faults in C, which has swapped nothing in yet
	 * (4 hits: window 4 again, C0 and C1, one request), not with A's
	 * state (no hits since, not next to A0: C1 alone) */
	{ "a window per mapping", { NULL },
	  VMA_RA_HEAD "1 mmap 0x10000 16K rw private anon\n1 seq w 0x10000 16K\n"
	  "1 mmap 0x30000 16K rw private anon\n1 seq w 0x30000 16K\n"
	  VMA_RA_B "1 r 0x10000\n1 r 0x31000\n",
	  2, 5, 3, 0, 2 },
};

START_TEST(test_vma_readahead)
{
	const struct vma_ra_case *c = &vma_ras[_i];
	vm_engine_t *e = vt_replay_engine("tiny", c->sets, c->text, 10000);
	const vm_machine_t *m = vm_engine_machine(e);
	ck_assert_msg(m->swap_vma_ra == (c->sets[0] == NULL), "%s: mode", c->name);
	ck_assert_msg(m->c.majflt == c->majflt && m->c.pswpin == c->pswpin &&
		      m->c.swap_ra == c->swap_ra && m->c.swap_ra_hits == c->swap_ra_hits &&
		      m->disk->stats.reads == c->disk_reads,
		      "%s: majflt %" G_GUINT64_FORMAT " pswpin %" G_GUINT64_FORMAT
		      " swap_ra %" G_GUINT64_FORMAT " swap_ra_hits %" G_GUINT64_FORMAT
		      " disk reads %" G_GUINT64_FORMAT, c->name, m->c.majflt,
		      m->c.pswpin, m->c.swap_ra, m->c.swap_ra_hits, m->disk->stats.reads);
	vm_engine_free(e);
}
END_TEST

/* swap_use_vma_readahead: the VMA's readahead unless it is turned off or
 * the disk is rotational (hdd) */
static const struct {
	const char *sets[3];
	gboolean vma;
} ra_modes[] = {
	{ { "disk.type=nvme", NULL }, TRUE },
	{ { "disk.type=ssd", NULL }, TRUE },
	{ { "disk.type=ram", NULL }, TRUE },
	{ { "disk.type=hdd", NULL }, FALSE },
	{ { "disk.type=nvme", "swap.vma_readahead=false", NULL }, FALSE },
	{ { "disk.type=hdd", "swap.vma_readahead=false", NULL }, FALSE },
};

START_TEST(test_ra_mode)
{
	vm_machine_t *m = vt_machine_bare("default", ra_modes[_i].sets);
	ck_assert_int_eq(m->swap_vma_ra, ra_modes[_i].vma);
	vm_machine_free(m);
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("paths");
	tcase_add_loop_test(tc, test_paths, 0, G_N_ELEMENTS(paths));
	suite_add_tcase(s, tc);
	tc = tcase_create("alloc");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_no_alloc, 0, G_N_ELEMENTS(noallocs));
	tcase_add_test(tc, test_scratch_growth);
	tcase_add_test(tc, test_scratch_busy);
	suite_add_tcase(s, tc);
	tc = tcase_create("swapin window");
	tcase_add_loop_test(tc, test_swap_ra_window, 0, G_N_ELEMENTS(ra_wins));
	tcase_add_loop_test(tc, test_vma_readahead, 0, G_N_ELEMENTS(vma_ras));
	tcase_add_loop_test(tc, test_ra_mode, 0, G_N_ELEMENTS(ra_modes));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(fault_suite());
}
