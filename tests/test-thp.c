/*
 * Tests of transparent huge pages (models/huge_memory.c, khugepaged.c,
 * frames.c's aligned blocks, pagetable.c's PMD leaves, mmu.c's 2 MiB TLB),
 * driving the machine through its API, with counts worked out by hand:
 *
 *   a. the huge fault: one fault maps 512 pages by one PMD leaf, the walk
 *      stops at the PMD, the 2 MiB TLB serves the rest;
 *   b. the huge zero page, and its split on the first write;
 *   c. fallback when no aligned block is free (compaction counted);
 *   d. split on a partial munmap and mprotect, zap of a whole one;
 *   e. fork: the PMD copied write-protected; a write splits and copies 4 KiB;
 *   f. khugepaged's collapse, and its refusals;
 *   g. reclaim splits a huge page to swap one page of it out;
 *   h. thp.enabled=madvise and MADV_NOHUGEPAGE.
 *
 * The machine: `default` with memory=4M (1024 frames: 2 aligned blocks of
 * 512, block 0 = frames 0-511, block 1 = frames 512-1023), page tables in
 * frames, 4 levels of 9 bits (a PMD maps 512 pages = 2 MiB), no watermarks
 * (sim/ sets them; here they stay 0).  Frames are handed out lowest first,
 * so a process's tables take frames 0, 1, 2 ... and block 0 is broken from
 * the first allocation: the first huge page is block 1, frame 512.
 *
 * vm_check_machine runs after every operation (PMD leaves, deposits,
 * anon_huge and the block counts included).
 */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "sim/config.h"
#include "models/machine.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/mmu.h"
#include "models/fork.h"
#include "models/vmscan.h"
#include "models/check.h"
#include "models/huge_memory.h"
#include "models/khugepaged.h"
#include "tests/testlib.h"

#define A 0x40000000u            /* 2 MiB aligned: vpn 0x40000 */
#define PG 0x1000u
#define HUGE_SZ 0x200000u
static const uint32_t RW = VM_PROT_R | VM_PROT_W;

static vm_machine_t *machine(const char *const *overrides)
{
	vm_config_t cfg;
	GError *err = NULL;
	ck_assert(vm_config_load(&cfg, "default", &err));
	ck_assert(vm_config_set_assignment(&cfg, "memory=4M", &err));
	for (unsigned i = 0; overrides && overrides[i]; i++)
		ck_assert_msg(vm_config_set_assignment(&cfg, overrides[i], &err),
			      "%s: %s", overrides[i], err ? err->message : "?");
	ck_assert_msg(vm_config_validate(&cfg, &err), "validate: %s",
		      err ? err->message : "?");
	vm_machine_t *m = vm_machine_new(&cfg);
	ck_assert_ptr_nonnull(m);
	return m;
}

static const char *const ALWAYS[] = { "thp.enabled=always", NULL };

static vm_result_t access1(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr,
			   vm_acc_t acc)
{
	vm_result_t res;
	memset(&res, 0, sizeof(res));
	vm_proc_switch_to(m, p);
	vm_mmu_access(m, p, vaddr, acc, &res);
	vt_check(m);
	return res;
}

static vm_proc_t *proc_with_map(vm_machine_t *m, uint64_t len)
{
	vm_proc_t *p = vm_proc_spawn(m, 1);   /* its top table: frame 0 */
	ck_assert_ptr_nonnull(p);
	vm_mm_mmap(m, p, A >> 12, len >> 12, RW, VM_MAP_ANON, -1, 0);
	vt_check(m);
	return p;
}

/* The PMD entry of @vaddr in @p, 0 if none. */
static uint64_t pmd_of(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr)
{
	uint64_t *e = vm_pt_pmd_lookup(&m->pt, p->root, vaddr >> 12);
	return e ? *e : 0;
}

/* ---- a. the huge fault ------------------------------------------------------
 *
 *   w A:  L1 miss (both sizes), L2 miss, walk: PGD entry absent (1 ref);
 *         fault: PUD and PMD tables (frames 1, 2), the deposit (frame 3),
 *         the block at 512:  PMD[A] = frame 512, HUGE R W A D
 *         pt_pages 4, rss_anon 512, anon_huge 512, one minor fault,
 *         thp_fault_alloc 1; cost 1 + 5 + 1000 + 512 x 1000
 *   r A+0x1000:  L1 4K miss, L1 2M hit -> hit, frame 513
 *   r A+0x1FF000 after a flush of the TLBs: walk of 3 refs (PGD, PUD, PMD)
 *         -> walk, frame 1023
 */
START_TEST(test_huge_fault)
{
	vm_machine_t *m = machine(ALWAYS);
	ck_assert_uint_eq(m->hpage_order, 9);
	ck_assert_uint_eq(m->frames.nr_free_blocks, 2);
	vm_proc_t *p = proc_with_map(m, 4 * HUGE_SZ / 2);   /* 4 MiB */
	ck_assert_uint_eq(m->frames.nr_free_blocks, 1);   /* frame 0 broke block 0 */

	vm_result_t r = access1(m, p, A, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_int_eq(r.why, VM_WHY_THP_NEW);
	ck_assert_uint_eq(r.pfn, 512);
	ck_assert_uint_eq(r.huge, 1);
	ck_assert_uint_eq(r.cost, 1 + 5 + 1000 + 512 * 1000);
	ck_assert_uint_eq(p->minflt, 1);
	ck_assert_uint_eq(p->rss_anon, 512);
	ck_assert_uint_eq(p->anon_huge, 512);
	ck_assert_uint_eq(p->pt_pages, 4);
	ck_assert_uint_eq(m->c.thp_fault_alloc, 1);
	ck_assert_uint_eq(m->frames.nr_free_blocks, 0);
	ck_assert_uint_eq(m->frames.nr_free, 1024 - 4 - 512);
	uint64_t e = pmd_of(m, p, A);
	ck_assert(e & VM_PTE_HUGE);
	ck_assert_uint_eq(VM_PTE_PFN(e), 512);
	ck_assert(e & VM_PTE_W);

	r = access1(m, p, A + PG, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_HIT);
	ck_assert_uint_eq(r.pfn, 513);
	ck_assert_uint_eq(m->c.tlb_l1_2m_hits, 1);
	ck_assert_uint_eq(p->minflt, 1);

	vm_mmu_tlb_flush(m, 0, TRUE);
	r = access1(m, p, A + HUGE_SZ - PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_WALK);
	ck_assert_uint_eq(r.refs, 3);
	ck_assert_uint_eq(r.pfn, 1023);
	/* ... and the walk filled the STLB's 2 MiB entry: after the L1s go,
	 * an L2 hit */
	vm_tlb_flush_all(m->l1);
	vm_tlb_flush_all(m->l1_2m);
	r = access1(m, p, A + 7 * PG, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_HIT);
	ck_assert_uint_eq(r.tlb, 2);
	ck_assert_uint_eq(m->c.tlb_l2_2m_hits, 1);
	ck_assert_uint_eq(r.pfn, 519);

	vm_proc_exit(m, p, VM_KILL_NONE);
	vt_check(m);
	ck_assert_uint_eq(m->frames.nr_free, 1024);
	ck_assert_uint_eq(m->frames.nr_free_blocks, 2);
	vm_machine_free(m);
}
END_TEST

/* ---- b. the huge zero page ---------------------------------------------------
 *
 *   r A:  PMD[A] = zero, HUGE R (no frame; the deposit frame 3)  -> zero
 *   w A+0x5000:  the PMD forbids it: do_huge_pmd_wp_page splits it
 *         (thp_split_pmd 1: the deposit filled with 512 zero-page PTEs) and
 *         the fault goes on as a write to the 4 KiB zero page: a new frame
 *         (frame 4, lowest free) -> minor, ZERO_REPLACED
 */
START_TEST(test_huge_zero_page)
{
	vm_machine_t *m = machine(ALWAYS);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	vm_result_t r = access1(m, p, A, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_ZERO);
	ck_assert_int_eq(r.why, VM_WHY_THP_ZERO);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_uint_eq(p->anon_huge, 0);
	ck_assert_uint_eq(p->pt_pages, 4);
	ck_assert_uint_eq(m->c.thp_zero_page_maps, 1);
	r = access1(m, p, A + 0x100000, VM_ACC_R);   /* same huge page */
	ck_assert_int_eq(r.outcome, VM_OUT_HIT);
	ck_assert_uint_eq(r.pfn, VM_PFN_ZERO);

	r = access1(m, p, A + 5 * PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_int_eq(r.why, VM_WHY_ZERO_REPLACED);
	ck_assert_uint_eq(r.pfn, 4);
	ck_assert_uint_eq(m->c.thp_split_pmd, 1);
	ck_assert_uint_eq(p->rss_anon, 1);
	ck_assert_uint_eq(p->pt_pages, 4);   /* the deposit became the PTE table */
	ck_assert(!(pmd_of(m, p, A) & VM_PTE_HUGE));
	/* the rest still read the zero page, through PTEs now */
	r = access1(m, p, A + 6 * PG, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_WALK);
	ck_assert_uint_eq(r.refs, 4);
	ck_assert_uint_eq(r.pfn, VM_PFN_ZERO);
	vm_machine_free(m);
}
END_TEST

/* ---- c. fallback -------------------------------------------------------------
 *
 * Frame 700 is taken (the trace op `map` does it for an exercise): block 1
 * is no longer whole, block 0 was broken by the tables; 1019 frames are
 * free, more than 512, so with MADV_HUGEPAGE and defrag=madvise a direct
 * compaction is tried, and fails (counted); the fault falls back:
 *   compact_stall 1, compact_fail 1, thp_fault_fallback 1,
 *   a PTE table (frame 4) and a 4 KiB page (frame 5) -> minor ANON_NEW
 */
START_TEST(test_fallback)
{
	const char *const madv[] = { "thp.enabled=madvise", NULL };
	vm_machine_t *m = machine(madv);
	vm_proc_t *p = proc_with_map(m, 2 * HUGE_SZ);
	vm_mm_madvise(m, p, A >> 12, 2 * HUGE_SZ >> 12, VM_MADV_HUGEPAGE);
	vm_result_t res = { 0 };
	ck_assert_int_eq(vm_mm_map_frame(m, p, (A + HUGE_SZ) >> 12, 700, RW, &res),
			 VM_MAPF_OK);   /* tables: frames 1, 2, 3 */
	vt_check(m);
	ck_assert_uint_eq(m->frames.nr_free_blocks, 0);
	vm_result_t r = access1(m, p, A, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_int_eq(r.why, VM_WHY_ANON_NEW);
	ck_assert_uint_eq(r.pfn, 5);
	ck_assert_uint_eq(m->c.thp_fault_fallback, 1);
	ck_assert_uint_eq(m->c.compact_stall, 1);
	ck_assert_uint_eq(m->c.compact_fail, 1);
	ck_assert_uint_eq(m->c.thp_fault_alloc, 0);
	ck_assert_uint_eq(p->anon_huge, 0);
	ck_assert_uint_eq(p->minflt, 1);
	/* the range has a PTE table now: later faults there are small, with
	 * no further attempt (pmd_none fails) */
	r = access1(m, p, A + PG, VM_ACC_W);
	ck_assert_int_eq(r.why, VM_WHY_ANON_NEW);
	ck_assert_uint_eq(m->c.thp_fault_fallback, 1);
	vm_machine_free(m);
}
END_TEST

/* ---- d. munmap and mprotect of part of a huge page -----------------------------
 *
 *   w A: huge page at 512 (as in a.)
 *   munmap A, 1 MiB: the PMD is split (thp_split_pmd 1), its first 256
 *         PTEs zapped: frames 512-767 free again; rss 256, anon_huge 0,
 *         pt_pages still 4 (the deposit is the PTE table now)
 *   r A+1 MiB: walk of 4 refs -> frame 768
 *   mprotect A+1 MiB, 4K, r: a PTE, no split
 *   a second huge page (w A+2 MiB, another 2 MiB mapped) cannot be had:
 *   block 1 is partly free, block 0 broken -> fallback
 */
START_TEST(test_split_munmap)
{
	vm_machine_t *m = machine(ALWAYS);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	uint32_t free0 = m->frames.nr_free;
	vm_mm_munmap(m, p, A >> 12, 0x100000 >> 12);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_split_pmd, 1);
	ck_assert_uint_eq(p->rss_anon, 256);
	ck_assert_uint_eq(p->anon_huge, 0);
	ck_assert_uint_eq(p->pt_pages, 4);
	ck_assert_uint_eq(m->frames.nr_free, free0 + 256);
	vm_result_t r = access1(m, p, A + 0x100000, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_WALK);
	ck_assert_uint_eq(r.refs, 4);
	ck_assert_uint_eq(r.pfn, 768);
	vm_mm_mprotect(m, p, (A + 0x100000) >> 12, 1, VM_PROT_R);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_split_pmd, 1);
	vm_machine_free(m);
}
END_TEST

/*   w A, w A+2M: two huge pages? Only one block is free: the second falls
 *   back.  mprotect of all of the first (2 MiB, r): change_huge_pmd, no
 *   split; mprotect of its first 4 KiB back to rw: split.  munmap of the
 *   whole: zap_huge_pmd would free the deposit, but it is split now: the
 *   PTEs go, the table stays (tables are freed at exit). */
START_TEST(test_mprotect_whole_and_part)
{
	vm_machine_t *m = machine(ALWAYS);
	vm_proc_t *p = proc_with_map(m, 2 * HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	vm_result_t r = access1(m, p, A + HUGE_SZ, VM_ACC_W);
	ck_assert_int_eq(r.why, VM_WHY_ANON_NEW);
	ck_assert_uint_eq(m->c.thp_fault_fallback, 1);
	ck_assert_uint_eq(m->c.compact_stall, 0);   /* defrag=madvise, no advice */

	vm_mm_mprotect(m, p, A >> 12, HUGE_SZ >> 12, VM_PROT_R);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_split_pmd, 0);
	uint64_t e = pmd_of(m, p, A);
	ck_assert(e & VM_PTE_HUGE);
	ck_assert(!(e & VM_PTE_W));
	r = access1(m, p, A + PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_SIGSEGV);

	vm_mm_mprotect(m, p, A >> 12, 1, RW);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_split_pmd, 1);
	r = access1(m, p, A, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_WALK);   /* dirty, ours: writable at once */
	r = access1(m, p, A + PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_SIGSEGV);
	vm_machine_free(m);
}
END_TEST

/*   w A (huge), munmap all 2 MiB: zap_huge_pmd: 512 frames and the deposit
 *   freed (pt_pages 4 -> 3), both blocks... block 0 still has the 3 tables */
START_TEST(test_zap_whole)
{
	vm_machine_t *m = machine(ALWAYS);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	vm_mm_munmap(m, p, A >> 12, HUGE_SZ >> 12);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_split_pmd, 0);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_uint_eq(p->pt_pages, 3);
	ck_assert_uint_eq(m->frames.nr_free, 1024 - 3);
	ck_assert_uint_eq(m->frames.nr_free_blocks, 1);
	vm_machine_free(m);
}
END_TEST

/* ---- e. fork -----------------------------------------------------------------
 *
 *   pid 1: w A -> huge page at 512 (tables 0-3)
 *   fork 2: its root (4), PUD (5), PMD (6), deposit (7): pt_pages 4;
 *           PMD[A] copied, both write-protected; mapcount(512..1023) = 2,
 *           rss_anon 512 and anon_huge 512 in each
 *   pid 2: w A+3 pages: the PMD forbids it, the huge page is shared: split
 *           (thp_split_pmd 1), then a 4 KiB copy-on-write into frame 8
 *           -> cow; mapcount(515) = 1, the rest 2; pid 2 anon_huge 0
 *   pid 1: w A: its PMD is still huge, read-only, shared with pid 2's
 *           PTEs: split (2) and a copy into frame 9 -> cow
 *   pid 1: w A+3 pages: mapcount(515) = 1: reused -> minor
 */
START_TEST(test_fork_cow)
{
	vm_machine_t *m = machine(ALWAYS);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	uint64_t cost = 0;
	vm_proc_t *c = vm_fork_process(m, p, 2, &cost);
	ck_assert_ptr_nonnull(c);
	vt_check(m);
	ck_assert_uint_eq(c->pt_pages, 4);
	ck_assert_uint_eq(c->rss_anon, 512);
	ck_assert_uint_eq(c->anon_huge, 512);
	ck_assert_uint_eq(m->frames.f[512].mapcount, 2);
	ck_assert_uint_eq(m->frames.f[1023].mapcount, 2);
	ck_assert(!(pmd_of(m, p, A) & VM_PTE_W));
	ck_assert(!(pmd_of(m, c, A) & VM_PTE_W));
	ck_assert(pmd_of(m, c, A) & VM_PTE_HUGE);

	vm_result_t r = access1(m, c, A + 3 * PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_COW);
	ck_assert_int_eq(r.why, VM_WHY_COW_COPY);
	ck_assert_uint_eq(r.pfn, 8);
	ck_assert_uint_eq(m->c.thp_split_pmd, 1);
	ck_assert_uint_eq(m->c.cow_faults, 1);
	ck_assert_uint_eq(m->frames.f[515].mapcount, 1);
	ck_assert_uint_eq(m->frames.f[516].mapcount, 2);
	ck_assert_uint_eq(c->anon_huge, 0);
	ck_assert_uint_eq(p->anon_huge, 512);

	r = access1(m, p, A, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_COW);
	ck_assert_uint_eq(r.pfn, 9);
	ck_assert_uint_eq(m->c.thp_split_pmd, 2);
	r = access1(m, p, A + 3 * PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_int_eq(r.why, VM_WHY_COW_REUSE);
	ck_assert_uint_eq(r.pfn, 515);
	vm_proc_exit(m, c, VM_KILL_NONE);
	vt_check(m);
	vm_proc_exit(m, p, VM_KILL_NONE);
	vt_check(m);
	ck_assert_uint_eq(m->frames.nr_free, 1024);
	vm_machine_free(m);
}
END_TEST

/*   A huge page whose sharer exited is reused whole: pid 2 forks and
 *   exits; pid 1 writes: mapcount 1 -> wp reuse, no split, minor. */
START_TEST(test_fork_reuse_after_exit)
{
	vm_machine_t *m = machine(ALWAYS);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	uint64_t cost;
	vm_proc_t *c = vm_fork_process(m, p, 2, &cost);
	vm_proc_exit(m, c, VM_KILL_NONE);
	vt_check(m);
	vm_result_t r = access1(m, p, A + PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_MINOR);
	ck_assert_int_eq(r.why, VM_WHY_COW_REUSE);
	ck_assert_uint_eq(r.pfn, 513);
	ck_assert_uint_eq(m->c.thp_split_pmd, 0);
	ck_assert(pmd_of(m, p, A) & VM_PTE_W);
	vm_machine_free(m);
}
END_TEST

/* ---- f. khugepaged -----------------------------------------------------------
 *
 * thp.enabled=madvise, no advice yet: pages A, A+1, A+5 written small:
 * tables 0-3 (PGD, PUD, PMD, PTE), pages in frames 4, 5, 6.  Then
 * MADV_HUGEPAGE and a collapse: 3 present, 509 none <= 511: a new block
 * (512), the 3 copied, 509 zeroed (512 x cost.page_copy), frames 4-6
 * freed, the PTE table deposited: pt_pages stays 4; rss 3 -> 512:
 * the bloat.  thp_collapse_alloc 1.
 */
START_TEST(test_collapse)
{
	const char *const madv[] = { "thp.enabled=madvise", NULL };
	vm_machine_t *m = machine(madv);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	ck_assert_uint_eq(access1(m, p, A, VM_ACC_W).pfn, 4);
	ck_assert_uint_eq(access1(m, p, A + PG, VM_ACC_W).pfn, 5);
	ck_assert_uint_eq(access1(m, p, A + 5 * PG, VM_ACC_W).pfn, 6);
	ck_assert_uint_eq(p->pt_pages, 4);
	uint64_t cost = 0;
	/* not advised: khugepaged leaves it alone */
	ck_assert(!vm_khugepaged_collapse(m, p, A >> 12, &cost));
	vm_mm_madvise(m, p, A >> 12, HUGE_SZ >> 12, VM_MADV_HUGEPAGE);
	ck_assert_uint_ne(m->khugepaged_next, 0);   /* a wake-up is queued */

	ck_assert(vm_khugepaged_collapse(m, p, A >> 12, &cost));
	vt_check(m);
	ck_assert_uint_eq(cost, 512 * 1000);
	ck_assert_uint_eq(m->c.thp_collapse_alloc, 1);
	ck_assert_uint_eq(p->rss_anon, 512);
	ck_assert_uint_eq(p->anon_huge, 512);
	ck_assert_uint_eq(p->pt_pages, 4);
	ck_assert_uint_eq(m->frames.f[4].kind, VM_FRAME_FREE);
	ck_assert_uint_eq(m->frames.f[6].kind, VM_FRAME_FREE);
	uint64_t e = pmd_of(m, p, A);
	ck_assert(e & VM_PTE_HUGE);
	ck_assert_uint_eq(VM_PTE_PFN(e), 512);
	vm_result_t r = access1(m, p, A + PG, VM_ACC_W);
	ck_assert_int_eq(r.outcome, VM_OUT_WALK);
	ck_assert_uint_eq(r.refs, 3);
	ck_assert_uint_eq(r.pfn, 513);
	/* a second collapse of a huge PMD: nothing to do */
	ck_assert(!vm_khugepaged_collapse(m, p, A >> 12, &cost));
	vm_machine_free(m);
}
END_TEST

/*   max_ptes_none=508: 3 present pages leave 509 none: refused; a fourth
 *   page makes 508: collapsed.  A page shared with a child: refused. */
START_TEST(test_collapse_limits)
{
	const char *const o[] = { "thp.enabled=madvise",
				  "thp.khugepaged.max_ptes_none=508", NULL };
	vm_machine_t *m = machine(o);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	access1(m, p, A + PG, VM_ACC_W);
	access1(m, p, A + 2 * PG, VM_ACC_W);
	vm_mm_madvise(m, p, A >> 12, HUGE_SZ >> 12, VM_MADV_HUGEPAGE);
	uint64_t cost;
	ck_assert(!vm_khugepaged_collapse(m, p, A >> 12, &cost));
	/* the page is advised now, but its PMD has a table: small */
	access1(m, p, A + 3 * PG, VM_ACC_W);
	uint64_t c2;
	vm_proc_t *c = vm_fork_process(m, p, 2, &c2);
	vt_check(m);
	ck_assert(!vm_khugepaged_collapse(m, p, A >> 12, &cost));   /* shared */
	vm_proc_exit(m, c, VM_KILL_NONE);
	vt_check(m);
	ck_assert(vm_khugepaged_collapse(m, p, A >> 12, &cost));
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_collapse_alloc, 1);
	vm_machine_free(m);
}
END_TEST

/*   The event: the scan of 4096 pages (8 ranges) at the wake-up collapses
 *   the one range; the pass ends (khugepaged_full_scans 1), the collapse
 *   re-queues a wake-up 10 s on; the next finds nothing and stops. */
START_TEST(test_khugepaged_event)
{
	const char *const madv[] = { "thp.enabled=madvise", NULL };
	vm_machine_t *m = machine(madv);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A + 9 * PG, VM_ACC_W);
	vm_mm_madvise(m, p, A >> 12, HUGE_SZ >> 12, VM_MADV_HUGEPAGE);
	ck_assert_uint_eq(m->khugepaged_next, 10 * G_GUINT64_CONSTANT(1000000000));
	vm_ev_t ev;
	ck_assert(vm_events_pop(&m->ev, &ev));
	ck_assert_int_eq(ev.kind, VM_EV_KHUGEPAGED);
	vm_machine_event(m, &ev);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_collapse_alloc, 1);
	ck_assert_uint_eq(m->c.khugepaged_full_scans, 1);
	ck_assert_uint_eq(m->c.khugepaged_ns, 512 * 1000 + 512 * 200);
	ck_assert_uint_eq(p->anon_huge, 512);
	ck_assert(vm_events_pop(&m->ev, &ev));
	ck_assert_uint_eq(ev.time, 20 * G_GUINT64_CONSTANT(1000000000));
	vm_machine_event(m, &ev);
	ck_assert_uint_eq(m->c.khugepaged_full_scans, 2);
	ck_assert(!vm_events_pop(&m->ev, &ev));
	vm_machine_free(m);
}
END_TEST

/* ---- g. reclaim ----------------------------------------------------------------
 *
 *   w A (huge at 512) with 64 KiB of swap; evict frame 600: the PMD is
 *   split (thp_split_pmd 1), page A+88 becomes a swap entry, the write
 *   starts; the other 511 pages stay mapped; anon_huge 0, rss 511.
 */
START_TEST(test_reclaim_splits)
{
	const char *const o[] = { "thp.enabled=always", "swap.size=64K", NULL };
	vm_machine_t *m = machine(o);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	access1(m, p, A, VM_ACC_W);
	vm_reclaim_remove(m->reclaim, 600);
	vm_vmscan_rc_t rc = vm_vmscan_evict(m, 600, FALSE);
	ck_assert_int_eq(rc, VM_VMSCAN_PAGEOUT);
	vm_reclaim_putback(m->reclaim, 600);
	vt_check(m);
	ck_assert_uint_eq(m->c.thp_split_pmd, 1);
	ck_assert_uint_eq(p->rss_anon, 511);
	ck_assert_uint_eq(p->swap_pages, 1);
	ck_assert_uint_eq(p->anon_huge, 0);
	uint64_t *pte = vm_pt_lookup(&m->pt, p->root, (A >> 12) + 88);
	ck_assert_ptr_nonnull(pte);
	ck_assert(*pte & VM_PTE_SWAP);
	vm_machine_free(m);
}
END_TEST

/* ---- h. madvise mode and NOHUGEPAGE ------------------------------------------ */
START_TEST(test_madvise_modes)
{
	const char *const madv[] = { "thp.enabled=madvise", NULL };
	vm_machine_t *m = machine(madv);
	vm_proc_t *p = proc_with_map(m, HUGE_SZ);
	vm_result_t r = access1(m, p, A, VM_ACC_W);   /* not advised: small */
	ck_assert_int_eq(r.why, VM_WHY_ANON_NEW);
	ck_assert_uint_eq(m->c.thp_fault_fallback, 0);   /* not a fallback */
	vm_machine_free(m);

	m = machine(ALWAYS);
	p = proc_with_map(m, HUGE_SZ);
	vm_mm_madvise(m, p, A >> 12, HUGE_SZ >> 12, VM_MADV_NOHUGEPAGE);
	r = access1(m, p, A, VM_ACC_W);
	ck_assert_int_eq(r.why, VM_WHY_ANON_NEW);
	vm_machine_free(m);

	/* a mapping smaller than 2 MiB, or not aligned: no huge page */
	m = machine(ALWAYS);
	p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, (A + PG) >> 12, HUGE_SZ >> 12, RW, VM_MAP_ANON, -1, 0);
	r = access1(m, p, A + PG, VM_ACC_W);
	ck_assert_int_eq(r.why, VM_WHY_ANON_NEW);
	vm_machine_free(m);

	/* thp.enabled=never: no blocks counted, no 2 MiB TLB */
	m = machine(NULL);
	ck_assert_uint_eq(m->hpage_order, 0);
	ck_assert_ptr_null(m->frames.block_free);
	ck_assert_ptr_null(m->l1_2m);
	vm_machine_free(m);
}
END_TEST

static Suite *thp_suite(void)
{
	Suite *s = suite_create("thp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_huge_fault);
	tcase_add_test(tc, test_huge_zero_page);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_split_munmap);
	tcase_add_test(tc, test_mprotect_whole_and_part);
	tcase_add_test(tc, test_zap_whole);
	tcase_add_test(tc, test_fork_cow);
	tcase_add_test(tc, test_fork_reuse_after_exit);
	tcase_add_test(tc, test_collapse);
	tcase_add_test(tc, test_collapse_limits);
	tcase_add_test(tc, test_khugepaged_event);
	tcase_add_test(tc, test_reclaim_splits);
	tcase_add_test(tc, test_madvise_modes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(thp_suite());
}
