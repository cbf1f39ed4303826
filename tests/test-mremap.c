/*
 * Tests of mremap (models/mm.c, vm_mm_mremap; docs/format.md), through
 * small traces whose expect lines carry the counts, replayed with the
 * invariant checker after every event (which also checks that every
 * anonymous page's frame index is the anonymous index of where it is
 * mapped, by which the reverse map finds it).
 *
 * The machine: `default` at memory=1M (256 frames), no watermark, so that
 * the pages can be counted by hand: free_pages = 256 - data pages - page-
 * table pages (mmu.pt_frames: a 4-level walk's tables take frames).
 */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "sim/engine.h"
#include "traces/error.h"
#include "models/proc.h"
#include "models/mm.h"
#include "tests/testlib.h"

#define MAX_STEPS 100000

static const char *const sets[] = {
	"memory=1M", "reclaim.watermark_min=0", "reclaim.kswapd=false", NULL,
};

/* Replay @text on `default` with @with; every expect line passes, and
 * @nexpect of them ran. */
static void replay_on(const char *const *with, const char *text,
		      uint64_t nexpect)
{
	vt_replay_t r;
	vt_replay_open(&r, "default", with, text);
	GError *err = NULL;
	int rc = vt_replay_run(&r, MAX_STEPS, &err);
	ck_assert_msg(rc == 0, "run: %s", err ? err->message : "?");
	vt_replay_assert_expects(&r, nexpect);
	vt_replay_free(&r);
}

static void replay(const char *text, uint64_t nexpect)
{
	replay_on(sets, text, nexpect);
}

/*
 * Growing in place: 4 pages written, the mapping grown to 8, all 8
 * written: 4 more minor faults, one mapping.  Shrinking to 2: the 6 pages
 * past the end are freed (free_pages up by 6) and an access there is a
 * SIGSEGV.
 */
START_TEST(grow_shrink_in_place)
{
	replay("vmt 1\n"
	       "1 catch sigsegv\n"
	       "1 mmap 0x10000000 16K rw private anon\n"
	       "1 seq w 0x10000000 16K\n"
	       "1 expect pid=1 minflt=4 rss_anon=4\n"
	       "1 mremap 0x10000000 16K 32K\n"
	       "1 seq w 0x10000000 32K\n"
	       "1 expect pid=1 minflt=8 rss_anon=8\n"
	       "1 expect free_pages=244\n"
	       "1 mremap 0x10000000 32K 6000\n"      /* rounded up: 2 pages */
	       "1 expect pid=1 rss_anon=2\n"
	       "1 expect free_pages=250\n"
	       "1 r 0x10002000\n"
	       "1 expect outcome=sigsegv sigsegv=1\n", 6);
}
END_TEST

/*
 * Growing in place fails (ENOMEM) when the range does not end its
 * mapping, or a mapping follows (here one of another protection, so the
 * two stay apart); the pages after it then stay unmapped: SIGSEGV.  A
 * range that is not inside one mapping fails with EFAULT.  Nothing
 * changes in either case.
 */
START_TEST(grow_refused)
{
	static const char text[] =
		"vmt 1\n"
		"1 catch sigsegv\n"
		"1 mmap 0x10000000 16K rw private anon\n"
		"1 mmap 0x10004000 16K r private anon\n"
		"1 mremap 0x10000000 16K 32K\n"          /* 4: a mapping follows */
		"1 mremap 0x10000000 8K 16K\n"           /* 5: not its end */
		"1 mremap 0x20000000 4K 8K\n"            /* 6: nothing there */
		"1 mremap 0x10002000 16K 16K to=0x30000000\n"   /* 7: two mappings */
		"1 w 0x10004000\n"
		"1 expect outcome=sigsegv\n";
	vm_engine_t *e = vt_replay_engine("default", sets, text, MAX_STEPS);
	vm_proc_t *p = vm_proc_lookup(vm_engine_machine(e), 1);
	ck_assert_uint_eq(p->nr_vma, 2);
	ck_assert_uint_eq(p->vma[0].end - p->vma[0].start, 4);
	ck_assert_uint_eq(p->vma[1].end - p->vma[1].start, 4);
	vm_engine_free(e);
}
END_TEST

/*
 * A move: 8 pages written, moved elsewhere.  No page is copied or faulted:
 * the same frames (free_pages unchanged but for the new leaf table),
 * reached at the new address by walks, with no fault; the old address is
 * unmapped.  Growing as it moves, the new pages fault when touched.
 */
START_TEST(move)
{
	replay("vmt 1\n"
	       "1 catch sigsegv\n"
	       "1 mmap 0x10000000 32K rw private anon\n"
	       "1 seq w 0x10000000 32K\n"
	       "1 expect pid=1 minflt=8 rss_anon=8\n"
	       "1 expect free_pages=244\n"
	       "1 mremap 0x10000000 32K 64K to=0x40000000\n"
	       /* a PMD table and a leaf table for 0x40000000 (the next
	        * GiB); the old range's stay, as munmap leaves them */
	       "1 expect pid=1 rss_anon=8\n"
	       "1 expect free_pages=242\n"
	       "1 seq r 0x40000000 32K\n"
	       "1 expect pid=1 minflt=8 majflt=0 outcome=walk\n"
	       "1 seq w 0x40008000 32K\n"
	       "1 expect pid=1 minflt=16 rss_anon=16\n"
	       "1 r 0x10000000\n"
	       "1 expect outcome=sigsegv\n", 7);
}
END_TEST

/*
 * A move onto a mapping: the destination's pages go first (MREMAP_FIXED),
 * and a move that shrinks leaves the old tail unmapped too.
 */
START_TEST(move_over)
{
	replay("vmt 1\n"
	       "1 mmap 0x10000000 32K rw private anon\n"
	       "1 seq w 0x10000000 32K\n"
	       "1 mmap 0x20000000 32K rw private anon\n"
	       "1 seq w 0x20000000 32K\n"
	       "1 expect pid=1 rss_anon=16\n"
	       "1 mremap 0x10000000 32K 16K to=0x20000000\n"
	       "1 expect pid=1 rss_anon=8\n"
	       "1 seq r 0x20000000 32K\n"
	       "1 expect pid=1 minflt=16\n", 3);
}
END_TEST

/*
 * Under pressure: 512 pages written through 1 MiB with swap, so most are
 * in swap when the mapping moves; their swap entries move with it, and
 * reading the new range brings each back with a major fault (the reverse
 * map finds the pages at their new addresses: reclaim goes on unmapping
 * them, checked by the invariant checker).
 */
START_TEST(move_swapped)
{
	vt_replay_t r;
	static const char *const swap_sets[] = {
		"memory=1M", "reclaim.watermark_min=0", "reclaim.kswapd=false",
		"swap.size=4M", NULL,
	};
	vt_replay_open(&r, "default", swap_sets,
		       "vmt 1\n"
		       "1 mmap 0x10000000 2M rw private anon\n"
		       "1 seq w 0x10000000 2M\n"
		       "1 mremap 0x10000000 2M 2M to=0x20000000\n"
		       "1 seq r 0x20000000 2M\n"
		       "1 seq r 0x20000000 2M\n");
	GError *err = NULL;
	int rc = vt_replay_run(&r, MAX_STEPS, &err);
	ck_assert_msg(rc == 0, "run: %s", err ? err->message : "?");
	vm_machine_t *m = vm_engine_machine(r.e);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	/* every page was faulted once by the writes, and each of the two
	 * reads brought back from swap what was not resident */
	ck_assert_uint_eq(p->minflt, 512);
	ck_assert_uint_ge(p->majflt, 2 * (512 - 250));
	ck_assert_uint_eq(p->rss_anon + p->swap_pages, 512);
	ck_assert_uint_gt(m->c.pswpin, 0);
	vt_replay_free(&r);
}
END_TEST

/*
 * A file mapping moves with its offset: the page cache keeps the pages,
 * the new address reaches the same file pages, without a disk read
 * (readahead read the whole 32K file at the first fault).
 */
START_TEST(move_file)
{
	replay("vmt 1\n"
	       "file data size=32K\n"
	       "1 open data fd=3\n"
	       "1 mmap 0x10000000 16K r private fd=3 off=16K\n"
	       "1 seq r 0x10000000 16K\n"
	       "1 expect pid=1 majflt=1 rss_file=4\n"
	       "1 expect file=data cached_pages=8\n"
	       "1 mremap 0x10000000 16K 16K to=0x30000000\n"
	       "1 expect pid=1 rss_file=4\n"
	       "1 seq r 0x30000000 16K\n"
	       "1 expect outcome=walk disk_reads=1\n"
	       "1 expect pid=1 majflt=1 minflt=1\n"
	       "1 expect file=data cached_pages=8 maps=1\n", 6);
}
END_TEST

/*
 * Pages shared since a fork move with one process and stay with the
 * other: the same frames at two addresses (no copy), found by the reverse
 * map in both (the frame's index is the mapping's anonymous offset, which
 * the move keeps).  A write in either copies (cow_faults).  Then a third
 * process's 2 MiB push them out to swap: reclaim unmaps every page from
 * both (vm_swap_out asserts that no mapping is left), and each comes back
 * once from the disk, the other process finding it in the swap cache.
 */
START_TEST(move_shared)
{
	static const char *const swap_sets[] = {
		"memory=1M", "reclaim.watermark_min=0", "reclaim.kswapd=false",
		"swap.size=4M", NULL,
	};
	vt_replay_t r;
	vt_replay_open(&r, "default", swap_sets,
		       "vmt 1\n"
		       "1 mmap 0x10000000 64K rw private anon\n"
		       "1 seq w 0x10000000 64K\n"
		       "1 fork 2\n"
		       "1 fork 3\n"
		       "2 mremap 0x10000000 64K 64K to=0x20000000\n"
		       "2 expect pid=2 rss_anon=16 minflt=0\n"
		       "1 expect pid=1 rss_anon=16\n"
		       "2 w 0x20000000\n"
		       "2 expect pid=2 cow_faults=1 outcome=cow\n"
		       "1 w 0x10001000\n"
		       "1 expect pid=1 cow_faults=1 outcome=cow\n"
		       "3 mmap 0x40000000 2M rw private anon\n"
		       "3 seq w 0x40000000 2M\n"
		       "2 seq r 0x20000000 64K\n"
		       "1 seq r 0x10000000 64K\n");
	GError *err = NULL;
	ck_assert_msg(vt_replay_run(&r, MAX_STEPS, &err) == 0, "run: %s",
		      err ? err->message : "?");
	vt_replay_assert_expects(&r, 4);
	vm_machine_t *m = vm_engine_machine(r.e);
	vm_proc_t *p1 = vm_proc_lookup(m, 1), *p2 = vm_proc_lookup(m, 2);
	ck_assert_uint_eq(p1->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(p2->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(p1->rss_anon + p1->swap_pages, 16);
	ck_assert_uint_eq(p2->rss_anon + p2->swap_pages, 16);
	/* the shared pages went to swap from all three processes, and came
	 * back for 2 from the disk and then for 1 from the swap cache */
	ck_assert_uint_gt(m->c.pswpout, 0);
	ck_assert_uint_gt(p2->majflt, 0);
	ck_assert_uint_gt(m->c.swapcache_hits, 0);
	vt_replay_free(&r);
}
END_TEST

/* 16 frames, no watermark, and nobody for the OOM killer to take: a
 * page-table allocation that finds no frame fails. */
static const char *const tight_sets[] = {
	"memory=64K", "reclaim.watermark_min=0", "reclaim.kswapd=false",
	"oom.policy=none", NULL,
};

/*
 * A move that runs out of page-table frames half-way: 16 frames, 4 of
 * them tables and 11 pages written, one free.  To 0x201ff000 the range
 * needs two new leaf tables (it crosses 0x20200000): the first entry
 * moves with the one free frame, the second finds none (oom.policy=none:
 * nobody to kill), and the first moves back (ENOMEM): the pages are where
 * they were, their translations still good (hits), the destination
 * unmapped.
 */
START_TEST(move_no_table)
{
	replay_on(tight_sets,
		  "vmt 1\n"
		  "1 catch sigsegv\n"
		  "1 mmap 0x10000000 44K rw private anon\n"
		  "1 seq w 0x10000000 44K\n"
		  "1 expect free_pages=1\n"
		  "1 mremap 0x10000000 44K 44K to=0x201ff000\n"
		  "1 expect free_pages=0 pt_pages=5\n"
		  "1 seq r 0x10000000 44K\n"
		  "1 expect pid=1 minflt=11 rss_anon=11 outcome=hit\n"
		  "1 r 0x201ff000\n"
		  "1 expect outcome=sigsegv\n", 4);
}
END_TEST

/*
 * The same with a leaf table moved whole: 16 frames, all taken (5 tables,
 * 11 pages in two leaf tables).  To 0x7fe00000 the first 2 MiB moves as a
 * table (the PMD table of that GiB is there already: no frame needed);
 * the second needs the next GiB's PMD table and finds no frame, so the
 * first table moves back (ENOMEM): the pages are where they were.
 */
START_TEST(move_table_no_table)
{
	replay_on(tight_sets,
		  "vmt 1\n"
		  "1 catch sigsegv\n"
		  "1 mmap 0x7fa00000 4M rw private anon\n"
		  "1 seq w 0x7fa00000 24K\n"
		  "1 seq w 0x7fc00000 20K\n"
		  "1 expect free_pages=0 pt_pages=5\n"
		  "1 mremap 0x7fa00000 4M 4M to=0x7fe00000\n"
		  "1 expect free_pages=0 pt_pages=5\n"
		  "1 seq r 0x7fa00000 24K\n"
		  "1 seq r 0x7fc00000 20K\n"
		  "1 expect pid=1 minflt=11 rss_anon=11 outcome=hit\n"
		  "1 r 0x7fe00000\n"
		  "1 expect outcome=sigsegv\n", 4);
}
END_TEST

/*
 * move_normal_pmd: 4 MiB moved from one 2 MiB-aligned address to another
 * takes its two leaf tables along, one PMD entry each: the destination
 * needs only a PMD table of its own (another GiB), so pt_pages goes from
 * 5 to 6, and the peak is 6 (one at a time, it would be 8: a new leaf
 * table per 2 MiB, the old ones kept until exit).  The pages are reached
 * at the new address by walks.  A destination 4 KiB off moves the
 * entries one by one into new tables: 8.  With mmu.free_tables=munmap the
 * old range's PMD table goes too: 5.
 */
static const struct {
	const char *to;
	const char *free_tables;
	unsigned pt, peak;
} table_moves[] = {
	{ "0x80000000", "exit", 6, 6 },
	{ "0x80001000", "exit", 8, 8 },
	{ "0x80000000", "munmap", 5, 6 },
};

START_TEST(move_tables)
{
	char *set = g_strdup_printf("mmu.free_tables=%s", table_moves[_i].free_tables);
	const char *with[] = { "memory=1M", "reclaim.watermark_min=0",
			       "reclaim.kswapd=false", set, NULL };
	char *text = g_strdup_printf(
		"vmt 1\n"
		"1 mmap 0x40000000 4M rw private anon\n"
		"1 seq w 0x40000000 4M stride=1M\n"
		"1 expect pt_pages=5\n"
		"1 mremap 0x40000000 4M 4M to=%s\n"
		"1 expect pt_pages=%u pt_pages_peak=%u\n"
		"1 seq r %s 4M stride=1M\n"
		"1 expect pid=1 minflt=4 rss_anon=4 outcome=walk\n",
		table_moves[_i].to, table_moves[_i].pt, table_moves[_i].peak,
		table_moves[_i].to);
	replay_on(with, text, 3);
	g_free(text);
	g_free(set);
}
END_TEST

/* A move of 32 TiB of which two pages were touched visits those two:
 * its cost is what the range holds, not its size (a loop over its 2^33
 * pages would pass the test's timeout by far). */
START_TEST(move_sparse)
{
	replay("vmt 1\n"
	       "1 mmap 0x100000000000 0x200000000000 rw private anon\n"
	       "1 w 0x100000000000\n"
	       "1 w 0x2fffffff0000\n"
	       "1 mremap 0x100000000000 0x200000000000 0x200000000000 "
	       "to=0x500000000000\n"
	       "1 r 0x500000000000\n"
	       "1 r 0x6fffffff0000\n"
	       "1 expect pid=1 minflt=2 rss_anon=2 outcome=walk\n"
	       "1 mremap 0x500000000000 0x200000000000 0x300000000000\n"
	       "1 expect pid=1 rss_anon=2\n", 2);
}
END_TEST

/* With two CPUs, a thread on the other CPU holds translations of the old
 * range: the move's flush reaches it (an IPI), and its next access there
 * faults (SIGSEGV) instead of hitting a stale TLB entry. */
START_TEST(move_other_cpu)
{
	static const char *const smp_sets[] = { "cpus=2", NULL };
	replay_on(smp_sets,
		       "vmt 1\n"
		       "1 catch sigsegv\n"
		       "1 pin 0\n"
		       "1 mmap 0x10000000 16K rw private anon\n"
		       "1 seq w 0x10000000 16K\n"
		       "1 clone 2\n"
		       "2 pin 1\n"
		       "2 r 0x10000000\n"
		       "2 r 0x10001000\n"
		       "1 mremap 0x10000000 16K 16K to=0x20000000\n"
		       "2 r 0x10000000\n"
		       "2 expect pid=2 outcome=sigsegv\n"
		       "1 expect tlb_shootdowns=1 ipis_sent=1\n", 2);
}
END_TEST

/*
 * Huge pages (5 MiB written: two, and 256 pages after them): one whose
 * PMD lies whole in the range and lands aligned moves whole
 * (move_huge_pmd: still a huge page, its PMD entry moved); one the
 * alignment or the range cuts is split into PTEs, which move one by one.
 * Either way nothing is faulted again.
 */
static const struct {
	const char *args;
	uint64_t huge, splits;
} huge_moves[] = {
	{ "0x10000000 4M 4M to=0x40000000", 1024, 0 },
	{ "0x10000000 4M 4M to=0x40001000", 0, 2 },
	/* the range cuts the first; the second lands at 0x40200000 */
	{ "0x10100000 3M 3M to=0x40100000", 512, 1 },
	/* a huge page and the PTEs of the 1 MiB after it (a walk that
	 * wanted the PMD leaves only once called no function on them) */
	{ "0x10200000 3M 3M to=0x40200000", 1024, 0 },
};

START_TEST(move_huge)
{
	static const char *const thp_sets[] = {
		"memory=16M", "thp.enabled=always", NULL,
	};
	char *text = g_strdup_printf(
		"vmt 1\n"
		"1 mmap 0x10000000 5M rw private anon\n"
		"1 seq w 0x10000000 5M\n"
		"1 expect pid=1 anon_huge_pages=1024\n"
		"1 expect thp_fault_alloc=2\n"
		"1 mremap %s\n"
		"1 expect pid=1 anon_huge_pages=%" G_GUINT64_FORMAT " rss_anon=1280 "
		"minflt=258\n"
		"1 expect thp_split_pmd=%" G_GUINT64_FORMAT "\n",
		huge_moves[_i].args, huge_moves[_i].huge, huge_moves[_i].splits);
	replay_on(thp_sets, text, 4);
	g_free(text);
}
END_TEST

/* A moved mapping gets huge pages only where its anonymous offset is
 * aligned as its address is (thp_vma_suitable_order): grown to 8 MiB by a
 * move to a 2 MiB-aligned address, a write in its new part makes a huge
 * page; moved 4 KiB off that, none (a PTE fault), though the aligned 2 MiB
 * at 0x40400000 lies whole in the mapping. */
START_TEST(move_huge_alignment)
{
	static const char *const thp_sets[] = {
		"memory=32M", "thp.enabled=always", NULL,
	};
	static const struct { const char *to; uint64_t allocs; } cases[] = {
		{ "0x40000000", 2 }, { "0x40001000", 1 },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf(
			"vmt 1\n"
			"1 mmap 0x10000000 2M rw private anon\n"
			"1 w 0x10000000\n"
			"1 mremap 0x10000000 2M 8M to=%s\n"
			"1 w 0x40400000\n"
			"1 expect thp_fault_alloc=%" G_GUINT64_FORMAT "\n",
			cases[i].to, cases[i].allocs);
		replay_on(thp_sets, text, 1);
		g_free(text);
	}
}
END_TEST

static Suite *mremap_suite(void)
{
	Suite *s = suite_create("mremap");
	TCase *tc = tcase_create("mremap");
	tcase_add_test(tc, grow_shrink_in_place);
	tcase_add_test(tc, grow_refused);
	tcase_add_test(tc, move);
	tcase_add_test(tc, move_over);
	tcase_add_test(tc, move_swapped);
	tcase_add_test(tc, move_file);
	tcase_add_test(tc, move_shared);
	tcase_add_loop_test(tc, move_huge, 0, G_N_ELEMENTS(huge_moves));
	tcase_add_test(tc, move_huge_alignment);
	tcase_add_test(tc, move_other_cpu);
	tcase_add_test(tc, move_no_table);
	tcase_add_test(tc, move_sparse);
	tcase_add_loop_test(tc, move_tables, 0, G_N_ELEMENTS(table_moves));
	tcase_add_test(tc, move_table_no_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(mremap_suite());
}
