/*
 * Tests of file and shmem huge mappings (models/huge_memory.c's
 * do_set_pmd and file splits, fault.c's do_huge_file_fault, filemap.c's
 * aligned blocks for PMD-sized folios and VM_HUGEPAGE readahead,
 * shmem.c), replayed as traces on the default profile with
 * cache.folio_max=2M and thp.enabled=madvise, the invariant checker on
 * after every event (check.c: a PMD-mapped file folio is whole, aligned,
 * in the cache, counted), with counts worked out by hand:
 *
 *   "data": 8 MiB written with 2 MiB writes: four folios of 512 pages,
 *   each one aligned block of frames, the file's pages 0-511, 512-1023 ...
 *   Mapped at 0x100000000 (2 MiB aligned, offset 0): huge pages H0-H3.
 *
 *   read of every page          4 faults (one per folio), 4 PMD leaves,
 *                               thp_file_mapped 4, no PTE table: the
 *                               tables are the root, a PUD and a PMD (3)
 *                               (the other 2044 reads hit the 2 MiB L1
 *                               TLB the fault filled)
 *   read again                  2048 hits of the 2 MiB L1 TLB (4 entries
 *                               of its 32), no walk: 4092 in all
 *
 * Measured on the host (Linux 6.18, ext4; docs/validation.md): the same
 * 4 faults, FilePmdMapped 8192 kB, with or without MADV_HUGEPAGE; 4 faults
 * and no PMD with MADV_NOHUGEPAGE; cold with MADV_HUGEPAGE 1 major + 3
 * minor; a private write 1 fault, FilePmdMapped down 2 MiB; tmpfs
 * huge=always 2 faults for 4 MiB.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "models/machine.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/huge_memory.h"
#include "tests/testlib.h"

#define MAX_EVENTS 200000
#define A 0x100000000ull

/* Replay @text (its header lines then body) on the default profile, the
 * invariant checker on, to the end; every expect line must pass. */
static vm_engine_t *run(const char *text)
{
	return vt_replay_engine("default", NULL, text, MAX_EVENTS);
}

/* The header: 2 MiB folios, THP in madvise mode, then @sets and the file
 * "data" of 8 MiB written with 2 MiB writes, on fd 3. */
static char *trace(const char *sets, const char *body)
{
	return g_strdup_printf(
		"vmt 1\nset cache.folio_max=2M\nset readahead.max=8M\n"
		"set thp.enabled=madvise\n%s"
		"1 open data fd=3 create\n"
		"1 write 3 0 2M\n1 write 3 2097152 2M\n"
		"1 write 3 4194304 2M\n1 write 3 6291456 2M\n"
		"1 fsync 3\n%s", sets, body);
}

static vm_proc_t *proc1(vm_engine_t *e)
{
	vm_machine_t *m = vm_engine_machine(e);
	return m->procs[0];
}

/* The PMD entry of @vaddr in process 1, 0 if none. */
static uint64_t pmd_of(vm_engine_t *e, uint64_t vaddr)
{
	vm_machine_t *m = vm_engine_machine(e);
	uint64_t *p = vm_pt_pmd_lookup(&m->pt, proc1(e)->root, vaddr >> 12);
	return p ? *p : 0;
}

/* ---- a. a cached PMD-sized folio is mapped by one PMD ----------------------- */

START_TEST(test_cached_pmd)
{
	g_autofree char *t = trace("",
		"1 mmap 0x100000000 8M r shared fd=3\n"
		"1 seq r 0x100000000 8M\n"
		"1 expect minflt=4 majflt=0 thp_file_mapped=4 file_pmd_mapped=2048\n"
		"1 expect pt_pages=3 fault_around_maps=0 walks=4\n"
		"1 expect pid=1 rss_file=2048 file_pmd_mapped=2048\n"
		"1 seq r 0x100000000 8M\n"
		"1 expect walks=4 minflt=4 tlb_l1_2m_hits=4092\n");
	vm_engine_t *e = run(t);
	vm_machine_t *m = vm_engine_machine(e);
	vm_file_t *f = vm_file_lookup(m, "data");
	for (unsigned h = 0; h < 4; h++) {
		uint64_t pmd = pmd_of(e, A + h * 0x200000ull);
		/* a read fault's PMD: present, huge, read-only, its frame
		 * the folio's first, aligned */
		ck_assert(pmd & VM_PTE_HUGE);
		ck_assert(!(pmd & VM_PTE_W));
		ck_assert_uint_eq(VM_PTE_PFN(pmd), vm_file_pfn(f, h * 512));
		ck_assert_uint_eq(VM_PTE_PFN(pmd) % 512, 0);
		ck_assert_uint_eq(m->frames.f[VM_PTE_PFN(pmd) + 7].mapcount, 1);
	}
	ck_assert_uint_eq(proc1(e)->file_pmd, 2048);
	vm_engine_free(e);
}
END_TEST

/* ---- b. what goes by PTEs --------------------------------------------------
 *
 *   MADV_NOHUGEPAGE: the folio whole by 512 PTEs, 4 faults, 4 PTE tables
 *   the mapping one page off (off=4K): no folio is aligned with a PMD, nor
 *   inside one page table: fault-around, 16 pages a fault, 2048/16 = 128
 *   thp.enabled=never: no huge pages at all: 4 faults, 512 PTEs a fault
 */
START_TEST(test_ptes)
{
	g_autofree char *t1 = trace("",
		"1 mmap 0x100000000 8M r shared fd=3\n"
		"1 madvise 0x100000000 8M nohugepage\n"
		"1 seq r 0x100000000 8M\n"
		"1 expect minflt=4 thp_file_mapped=0 file_pmd_mapped=0 pt_pages=7\n");
	vm_engine_free(run(t1));
	g_autofree char *t2 = trace("",
		"1 ftruncate 3 10M\n"
		"1 mmap 0x100000000 8M r shared fd=3 off=4K\n"
		"1 seq r 0x100000000 8M\n"
		"1 expect minflt=128 thp_file_mapped=0 file_pmd_mapped=0\n");
	vm_engine_free(run(t2));
	g_autofree char *t3 = g_strdup_printf(
		"vmt 1\nset cache.folio_max=2M\nset thp.enabled=never\n"
		"1 open data fd=3 create\n1 write 3 0 2M\n1 write 3 2097152 2M\n"
		"1 mmap 0x100000000 4M r shared fd=3\n1 seq r 0x100000000 4M\n"
		"1 expect minflt=2 pt_pages=5 fault_around_maps=1022\n");
	vm_engine_t *e = run(t3);
	ck_assert(!vm_engine_machine(e)->thp_file);
	ck_assert_uint_eq(pmd_of(e, A) & VM_PTE_HUGE, 0);
	vm_engine_free(e);
}
END_TEST

/* ---- c. cold, MADV_HUGEPAGE: do_sync_mmap_readahead's two PMD folios ------
 *
 *   touch page 0: read pages 0-1023 as two folios (marker on 512):
 *     1 major fault, H0 by PMD
 *   page 512: cached, the marker: the next window (1024-2047, async), H1
 *     by PMD (minor); pages 1024, 1536: minor, by PMD
 */
START_TEST(test_cold_hugepage)
{
	g_autofree char *t = g_strdup_printf(
		"vmt 1\nset cache.folio_max=2M\nset readahead.max=8M\n"
		"set thp.enabled=madvise\nfile data size=8M\n"
		"1 open data fd=3\n"
		"1 mmap 0x100000000 8M r shared fd=3\n"
		"1 madvise 0x100000000 8M hugepage\n"
		"1 r 0x100000000\n"
		"1 expect majflt=1 minflt=0 file_pages=1024 thp_file_mapped=1\n"
		"1 seq r 0x100000000 8M\n"
		"1 expect majflt=1 minflt=3 file_pages=2048 thp_file_mapped=4 "
		"file_pmd_mapped=2048\n");
	vm_engine_free(run(t));
}
END_TEST

/* ---- d. writes: private (split, 4 KiB copy) and shared (PMD again) --------
 *
 *   private: read all (4 faults); write page 3: do_huge_pmd_wp_page
 *     clears H0 (thp_split_pmd 1, no PTEs left) and do_cow_fault copies
 *     page 3: 1 fault; write every page: H0's other 511 pages one fault
 *     each, H1-H3 split on their first write then 511 more each:
 *     511 + 3 x 512 = 2047 (measured: 2047)
 *   shared: write page 3 of a read-only H0: cleared and mapped again,
 *     writable and dirty (512 dirty pages), one fault; msync cleans it and
 *     write-protects the PMD; the next write: one fault, PMD again
 */
START_TEST(test_writes)
{
	g_autofree char *t1 = trace("",
		"1 mmap 0x100000000 8M rw private fd=3\n"
		"1 seq r 0x100000000 8M\n"
		"1 w 0x100003000\n"
		"1 expect minflt=5 thp_split_pmd=1 cow_faults=1 file_pmd_mapped=1536\n"
		"1 expect pid=1 rss_anon=1 rss_file=1536\n"
		"1 seq w 0x100000000 8M\n"
		"1 expect minflt=2052 thp_split_pmd=4 cow_faults=2048 file_pmd_mapped=0\n");
	vm_engine_free(run(t1));
	g_autofree char *t2 = trace("",
		"1 mmap 0x100000000 8M rw shared fd=3\n"
		"1 seq r 0x100000000 8M\n"
		"1 w 0x100003000\n"
		"1 expect minflt=5 thp_file_mapped=5 thp_split_pmd=1 dirty_pages=512 "
		"file_pmd_mapped=2048\n"
		"1 msync 0x100000000 8M sync\n"
		"1 expect dirty_pages=0\n"
		"1 w 0x100000000\n"
		"1 expect minflt=6 thp_file_mapped=6 dirty_pages=512\n");
	vm_engine_t *e = run(t2);
	ck_assert(pmd_of(e, A) & VM_PTE_W);
	ck_assert(!(pmd_of(e, A + 0x200000) & VM_PTE_W));
	vm_engine_free(e);
}
END_TEST

/* ---- e. range operations, truncation, fork ------------------------------
 *
 *   munmap 4 KiB of H0: split (cleared): 1536 pages by PMD
 *   mprotect 1 MiB of H2: split: 1024
 *   ftruncate to 7 MiB: H3 cut: cleared: 512 (H1 only); the folio split
 *   fork: a shared file mapping is not copied: the child's read of H1
 *     is one fault, and a PMD of its own
 */
START_TEST(test_ranges)
{
	g_autofree char *t = trace("",
		"1 mmap 0x100000000 8M r shared fd=3\n"
		"1 seq r 0x100000000 8M\n"
		"1 munmap 0x100100000 4K\n"
		"1 expect thp_split_pmd=1 file_pmd_mapped=1536\n"
		"1 expect pid=1 rss_file=1536\n"
		"1 mprotect 0x100400000 1M r\n"
		"1 expect thp_split_pmd=2 file_pmd_mapped=1024\n"
		"1 ftruncate 3 7M\n"
		"1 expect thp_split_pmd=3 file_pmd_mapped=512\n"
		"1 expect pid=1 rss_file=512\n"
		"1 fork 2\n"
		"2 seq r 0x100200000 2M\n"
		"2 expect pid=2 minflt=1 file_pmd_mapped=512\n"
		"2 exit\n"
		"1 munmap 0x100000000 8M\n"
		"1 expect file_pmd_mapped=0\n"
		"1 expect pid=1 rss_file=0\n");
	vm_engine_t *e = run(t);
	vm_file_t *f = vm_file_lookup(vm_engine_machine(e), "data");
	ck_assert_uint_eq(vm_file_folio_order(f, 512), 9);   /* H1 whole */
	ck_assert_uint_eq(vm_file_folio_order(f, 1536), 0);  /* H3 split */
	vm_engine_free(e);
}
END_TEST

/* ---- f. shmem.huge ---------------------------------------------------------
 *
 *   always: 4 MiB of shared anonymous memory written: 2 faults, two huge
 *     folios (thp_file_alloc 2, ShmemHugePages 1024), mapped by PMD
 *   within_size: the same (the ranges lie within the object)
 *   advise: only the VMA given MADV_HUGEPAGE: 1024 + 2 faults... here 4 MiB
 *     plain (1024 faults) and 4 MiB advised (2)
 *   never: 1024 faults
 */
static void shmem_case(const char *mode, const char *body)
{
	g_autofree char *t = g_strdup_printf(
		"vmt 1\nset thp.enabled=madvise\nset shmem.huge=%s\n%s", mode, body);
	vm_engine_free(run(t));
}

START_TEST(test_shmem)
{
	static const char *const huge2 =
		"1 mmap 0x100000000 4M rw shared anon\n"
		"1 seq w 0x100000000 4M\n"
		"1 expect minflt=2 thp_file_alloc=2 thp_file_mapped=2 "
		"shmem_pmd_mapped=1024 shmem_huge_pages=1024\n"
		"1 expect pid=1 rss_file=1024 shmem_pmd_mapped=1024\n";
	shmem_case("always", huge2);
	shmem_case("within_size", huge2);
	shmem_case("force", huge2);
	shmem_case("never",
		"1 mmap 0x100000000 4M rw shared anon\n"
		"1 seq w 0x100000000 4M\n"
		"1 expect minflt=1024 thp_file_alloc=0 shmem_pmd_mapped=0\n");
	shmem_case("deny",
		"1 mmap 0x100000000 4M rw shared anon\n"
		"1 seq w 0x100000000 4M\n"
		"1 expect minflt=1024 thp_file_alloc=0 shmem_pmd_mapped=0\n");
	shmem_case("advise",
		"1 mmap 0x100000000 4M rw shared anon\n"
		"1 mmap 0x100400000 4M rw shared anon\n"
		"1 madvise 0x100400000 4M hugepage\n"
		"1 seq w 0x100000000 8M\n"
		"1 expect minflt=1026 thp_file_alloc=2 shmem_pmd_mapped=1024\n"
		"1 munmap 0x100000000 8M\n"
		"1 expect shmem_pmd_mapped=0 shmem_huge_pages=0\n");
}
END_TEST

/* ---- g. shmem fallback: no free aligned block ------------------------------
 *
 *   memory=8M: blocks 0-3 of 512 frames.  600 anonymous pages (and their
 *   tables) fill block 0 and break block 1; shmem of 6 MiB, one write per
 *   2 MiB: blocks 2 and 3 make two huge folios, the third range finds no
 *   block: thp_file_fallback 1, a 4 KiB page
 */
START_TEST(test_shmem_fallback)
{
	shmem_case("always",
		"set memory=8M\n"
		"1 mmap 0x200000000 2400K rw private anon\n"
		"1 seq w 0x200000000 2400K\n"
		"1 mmap 0x100000000 6M rw shared anon\n"
		"1 w 0x100000000\n1 w 0x100200000\n1 w 0x100400000\n"
		"1 expect minflt=603 thp_file_alloc=2 thp_file_fallback=1 "
		"shmem_pmd_mapped=1024 shmem_huge_pages=1024\n");
}
END_TEST

/* ---- h. reclaim unmaps a PMD-mapped folio whole -----------------------------
 *
 *   memory=6M, two folios mapped by PMD, then 64 MiB read twice through
 *   read(): reclaim takes both folios, unreferenced since: each PMD is
 *   cleared (try_to_unmap's split: thp_split_pmd 2) and the folio freed
 *   whole (no page of it left cached)
 */
START_TEST(test_reclaim)
{
	g_autofree char *t = g_strdup_printf(
		"vmt 1\nset memory=6M\nset cache.folio_max=2M\n"
		"set readahead.max=8M\nset thp.enabled=madvise\n"
		"file big size=64M\n"
		"1 open data fd=3 create\n1 write 3 0 2M\n1 write 3 2097152 2M\n"
		"1 fsync 3\n"
		"1 mmap 0x100000000 4M r shared fd=3\n"
		"1 seq r 0x100000000 4M\n"
		"1 expect minflt=2 file_pmd_mapped=1024\n"
		"1 open big fd=4\n1 read 4 0 64M\n1 read 4 0 64M\n"
		"1 expect thp_split_pmd=2 file_pmd_mapped=0\n"
		"1 expect pid=1 rss_file=0\n");
	vm_engine_t *e = run(t);
	vm_file_t *f = vm_file_lookup(vm_engine_machine(e), "data");
	ck_assert_uint_eq(f->nr_cached, 0);
	vm_engine_free(e);
}
END_TEST

/* ---- i. several CPUs: file and shmem folios by PMD too (each CPU has its
 * 2 MiB TLB, which the shootdowns flush: models/smp.c) ---------------- */

START_TEST(test_smp)
{
	/* several CPUs: the same 4 PMD maps as one CPU; thread 2 reads on
	 * CPU 1 (4 walks to PMD leaves, its own 2 MiB TLB), then thread 1
	 * unmaps the first 2 MiB: only a PMD leaf went, so one INVLPG on
	 * each CPU and one IPI (flush_pmd_tlb_range; docs/format.md) */
	g_autofree char *t = trace("set cpus=2\n",
		"1 mmap 0x100000000 8M r shared fd=3\n"
		"1 seq r 0x100000000 8M\n"
		"1 expect minflt=4 thp_file_mapped=4 file_pmd_mapped=2048\n"
		"1 clone 2\n"
		"2 seq r 0x100000000 8M stride=2M\n"
		"2 expect ipis_sent=0\n"
		"1 munmap 0x100000000 2M\n"
		"1 expect ipis_sent=1 tlb_flush_pages=2 tlb_flush_full=0 "
		"file_pmd_mapped=1536\n");
	vm_engine_t *e = run(t);
	ck_assert(vm_engine_machine(e)->thp_file);
	vm_engine_free(e);
	/* shmem.huge as well: 2 faults for 4 MiB */
	vm_engine_free(run("vmt 1\nset cpus=2\nset thp.enabled=madvise\n"
			   "set shmem.huge=always\n"
			   "1 mmap 0x100000000 4M rw shared anon\n"
			   "1 seq w 0x100000000 4M\n"
			   "1 expect minflt=2 thp_file_alloc=2\n"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("thpfile");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cached_pmd);
	tcase_add_test(tc, test_ptes);
	tcase_add_test(tc, test_cold_hugepage);
	tcase_add_test(tc, test_writes);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_shmem);
	tcase_add_test(tc, test_shmem_fallback);
	tcase_add_test(tc, test_reclaim);
	tcase_add_test(tc, test_smp);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(suite());
}
