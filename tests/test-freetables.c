/*
 * Tests of page tables freed before exit (mmu.free_tables: models/mm.c's
 * free_pgtables, models/pagetable.c's vm_pt_free_range and
 * vm_pt_reclaim_empty; docs/profiles.md), through small traces whose
 * expect lines carry the counts, replayed with the invariant checker
 * after every event (which also checks pt_pages against the tables each
 * process holds, and the frames they take).
 *
 * The machine: `default` (a 4-level table of 9 bits a level: a leaf
 * table maps 2 MiB, a PMD table 1 GiB, a PUD table 512 GiB) at
 * memory=1M (256 frames), no watermark, so that free_pages can be
 * counted by hand.  pt_pages counts the top-level table too.
 */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "tests/testlib.h"

#define MAX_STEPS 100000

/* Replay @text on `default` with memory=1M, @more settings (NULL-ended,
 * at most 4) and the checker; every expect line passes, and @nexpect of
 * them ran. */
static void replay_with(const char *const *more, const char *text,
			uint64_t nexpect)
{
	const char *sets[8] = { "memory=1M", "reclaim.watermark_min=0",
				"reclaim.kswapd=false" };
	unsigned n = 3;
	for (; more && *more; more++)
		sets[n++] = *more;
	sets[n] = NULL;
	vt_replay_t r;
	vt_replay_open(&r, "default", sets, text);
	GError *err = NULL;
	int rc = vt_replay_run(&r, MAX_STEPS, &err);
	ck_assert_msg(rc == 0, "run: %s", err ? err->message : "?");
	vt_replay_assert_expects(&r, nexpect);
	vt_replay_free(&r);
}

static void replay_mode(const char *mode, const char *text, uint64_t nexpect)
{
	char *set = g_strdup_printf("mmu.free_tables=%s", mode);
	const char *more[] = { set, NULL };
	replay_with(more, text, nexpect);
	g_free(set);
}

/*
 * validate's page-tables workload, one page a 2 MiB written instead of
 * every page (memory=1M): at 32 TiB, 64 MiB takes a PUD, a PMD and 32
 * leaf tables (35 with the top one).  Then MADV_DONTNEED of all of it,
 * the same written again and 2 MiB across two leaf tables dropped,
 * munmap; a mapping unmapped below a neighbour that shares its second
 * leaf table (the ceiling), the neighbour unmapped; the top 3 MiB of a
 * 4 MiB mapping unmapped (the floor).  For each setting, pt_pages after
 * each step: what this host's kernel does is pt_reclaim's column
 * (docs/validation.md).
 */
static const struct {
	const char *mode;
	unsigned pt[8];
} host_rows[] = {
	{ "exit", { 35, 35, 35, 35, 35, 35, 35, 35 } },
	{ "munmap", { 35, 35, 35, 1, 5, 4, 1, 4 } },
	{ "pt_reclaim", { 35, 3, 35, 1, 5, 4, 1, 4 } },
};

START_TEST(host_steps)
{
	const unsigned *pt = host_rows[_i].pt;
	char *text = g_strdup_printf(
		"vmt 1\n"
		"1 mmap 0x200000000000 64M rw private anon\n"
		"1 seq w 0x200000000000 64M stride=2M\n"
		"1 expect pt_pages=%u\n"
		"1 madvise 0x200000000000 64M dontneed\n"
		"1 expect pt_pages=%u\n"
		"1 seq w 0x200000000000 64M stride=2M\n"
		"1 w 0x2000003ff000\n"      /* the last page of the second table */
		"1 madvise 0x200000100000 2M dontneed\n"
		"1 expect pt_pages=%u\n"
		"1 munmap 0x200000000000 64M\n"
		"1 expect pt_pages=%u\n"
		"1 mmap 0x200000000000 3M rw private anon\n"
		"1 mmap 0x200000300000 1M r private anon\n"
		"1 seq w 0x200000000000 3M stride=1M\n"
		"1 r 0x200000300000\n"
		"1 expect pt_pages=%u\n"
		"1 munmap 0x200000000000 3M\n"
		"1 expect pt_pages=%u\n"
		"1 munmap 0x200000300000 1M\n"
		"1 expect pt_pages=%u\n"
		"1 mmap 0x200000000000 4M rw private anon\n"
		"1 seq w 0x200000000000 4M stride=1M\n"
		"1 munmap 0x200000100000 3M\n"
		"1 expect pt_pages=%u\n"
		"1 exit\n"
		"1 expect pt_pages=0 free_pages=256\n",
		pt[0], pt[1], pt[2], pt[3], pt[4], pt[5], pt[6], pt[7]);
	replay_mode(host_rows[_i].mode, text, 9);
	g_free(text);
}
END_TEST

/*
 * One munmap over three mappings 8 MiB apart, in one PMD table: the
 * holes between them are wider than a leaf table's span, so Linux frees
 * in three calls (free_pgtables gathers only VMAs within PMD_SIZE of each
 * other), the first two with the next mapping's start as their ceiling,
 * which keeps the PMD table; the last call frees it, and the PUD, with
 * nothing left around.  Every frame comes back.
 */
START_TEST(gathered_calls)
{
	replay_mode("munmap",
		    "vmt 1\n"
		    "1 mmap 0x40000000 1M rw private anon\n"
		    "1 mmap 0x40800000 1M rw private anon\n"
		    "1 mmap 0x41000000 1M rw private anon\n"
		    "1 w 0x40000000\n"
		    "1 w 0x40800000\n"
		    "1 w 0x41000000\n"
		    "1 expect pt_pages=6 free_pages=247\n"
		    "1 munmap 0x40000000 17M\n"
		    "1 expect pt_pages=1 free_pages=255\n", 2);
}
END_TEST

/*
 * MADV_DONTNEED frees a leaf table only when one VMA's zap covers its
 * whole span (zap_pte_range's reclaim_pt is per VMA): 2 MiB over two
 * mappings of 1 MiB that share one table leaves it, though the call
 * covers all of it.  3 MiB from the third mapping's start frees its first
 * table and leaves the next, which the range covers in part, though it
 * maps nothing any more; 2 MiB over that one frees it.  A write brings a
 * table back.  With munmap (no page-table reclaim) or exit none goes.
 */
static const struct {
	const char *mode;
	unsigned pt[4];
} dontneed_cases[] = {
	{ "pt_reclaim", { 6, 5, 4, 5 } },
	{ "munmap", { 6, 6, 6, 6 } },
	{ "exit", { 6, 6, 6, 6 } },
};

START_TEST(dontneed_per_vma)
{
	const unsigned *pt = dontneed_cases[_i].pt;
	char *text = g_strdup_printf(
		"vmt 1\n"
		"1 mmap 0x40000000 1M rw private anon\n"
		"1 mmap 0x40100000 1M r private anon\n"
		"1 mmap 0x40200000 4M rw private anon\n"
		"1 w 0x40000000\n"
		"1 r 0x40100000\n"
		"1 w 0x40200000\n"
		"1 w 0x40400000\n"
		"1 expect pt_pages=6\n"
		"1 madvise 0x40000000 2M dontneed\n"
		"1 expect pt_pages=%u\n"
		"1 madvise 0x40200000 3M dontneed\n"
		"1 expect pt_pages=%u\n"
		"1 madvise 0x40400000 2M dontneed\n"
		"1 expect pt_pages=%u\n"
		"1 w 0x40200000\n"
		"1 expect pt_pages=%u\n",
		pt[0], pt[1], pt[2], pt[3]);
	replay_mode(dontneed_cases[_i].mode, text, 5);
	g_free(text);
}
END_TEST

/*
 * mremap's move unmaps the old range, which frees its tables as munmap
 * does: 8 pages at 256 MiB moved to 1 GiB, the next PMD table's span.
 * The old leaf table and PMD table go (nothing else maps below the new
 * one); the PUD stays, for the new range.  Under exit, test-mremap's
 * `move` counts 242 free pages here.
 */
START_TEST(mremap_frees_source)
{
	replay_mode("munmap",
		    "vmt 1\n"
		    "1 mmap 0x10000000 32K rw private anon\n"
		    "1 seq w 0x10000000 32K\n"
		    "1 expect free_pages=244 pt_pages=4\n"
		    "1 mremap 0x10000000 32K 64K to=0x40000000\n"
		    "1 expect free_pages=244 pt_pages=4\n"
		    "1 seq r 0x40000000 32K\n"
		    "1 expect pid=1 minflt=8 rss_anon=8\n", 3);
}
END_TEST

/*
 * Huge pages: 4 MiB written with thp.enabled=always is two PMD leaves,
 * each with a table deposited beside it (pt_pages counts them).  munmap
 * zaps both, which frees their deposits (zap_deposited_table), then
 * free_pgtables the PMD table and the PUD.  Splitting one first (an
 * munmap of its first half) leaves the other's deposit and the split
 * one's table in use.
 */
START_TEST(huge_deposits)
{
	const char *more[] = { "memory=16M", "thp.enabled=always",
			       "mmu.free_tables=munmap", NULL };
	replay_with(more,
		    "vmt 1\n"
		    "1 mmap 0x40000000 4M rw private anon\n"
		    "1 w 0x40000000\n"
		    "1 w 0x40200000\n"
		    "1 expect anon_huge_pages=1024 pt_pages=5\n"
		    "1 munmap 0x40000000 1M\n"
		    "1 expect pt_pages=5\n"
		    "1 munmap 0x40100000 3M\n"
		    "1 expect anon_huge_pages=0 pt_pages=1\n", 3);
}
END_TEST

/*
 * Tables freed and made again: a mapping unmapped (its tables freed)
 * and mapped again at the same place, touched, unmapped, many times;
 * a second process's mapping takes the freed tables' ids in between,
 * so that a walk through a stale cached PMD table would reach the other
 * process's table (the checker compares the walk cache with the tree).
 */
START_TEST(tables_reused)
{
	GString *t = g_string_new("vmt 1\n1 catch sigsegv\n1 fork 2\n");
	for (int i = 0; i < 20; i++) {
		g_string_append(t, "1 mmap 0x40000000 4M rw private anon\n"
				   "1 seq w 0x40000000 4M stride=1M\n"
				   "1 munmap 0x40000000 4M\n"
				   "2 mmap 0x80000000 2M rw private anon\n"
				   "2 w 0x80000000\n"
				   "1 r 0x40000000\n"
				   "1 expect outcome=sigsegv\n"
				   "2 munmap 0x80000000 2M\n");
	}
	g_string_append(t, "1 expect pt_pages=2 sigsegv=20\n");
	replay_mode("munmap", t->str, 21);
	g_string_free(t, TRUE);
}
END_TEST

static Suite *freetables_suite(void)
{
	Suite *s = suite_create("freetables");
	TCase *tc = tcase_create("freetables");
	tcase_add_loop_test(tc, host_steps, 0, G_N_ELEMENTS(host_rows));
	tcase_add_test(tc, gathered_calls);
	tcase_add_loop_test(tc, dontneed_per_vma, 0, G_N_ELEMENTS(dontneed_cases));
	tcase_add_test(tc, mremap_frees_source);
	tcase_add_test(tc, huge_deposits);
	tcase_add_test(tc, tables_reused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(freetables_suite());
}
