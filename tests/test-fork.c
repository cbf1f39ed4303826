/*
 * Tests of fork() and copy-on-write (models/fork.c, fault.c, machine.c,
 * mm.c), driving the machine directly through its API and looking at the
 * page-table entries themselves (issue 4: "Check suites ... for fork's PTE
 * copying").  tests/test-engine.c's fork traces check the outcomes and the
 * counters of anonymous memory; these check what fork leaves in the tables:
 *
 *   a. private anonymous PTEs: copied, write-protected in both processes,
 *      mapcount raised, the zero page kept, the parent's TLB flushed;
 *   b. the first write: `cow` while shared, `minor` (reuse) once alone, also
 *      after the other process exited;
 *   c. shared mappings (file MAP_SHARED, shmem): not copied, the child
 *      faults them in again from the page cache (minor);
 *   d. private file mappings: never-written pages are not copied; pages the
 *      parent wrote (private anonymous copies) must be;
 *   e. swap entries: duplicated (swap_map raised), released at exit;
 *   f. fork's cost and the page-table pages it allocates;
 *   g. exit frees everything.
 *
 * vm_check_machine (the invariant checker) runs after every operation.
 *
 * The machine is `tiny` unless said otherwise: 4 KiB pages, 16 frames,
 * mmu.bits=4,4 (vpn = addr >> 12, top index = vpn >> 4, leaf index =
 * vpn & 15), page tables take no frames, 64 KiB of swap (16 slots), a
 * 4-entry L1 TLB without ASIDs flushing, no readahead, no fault-around.
 * Frames are handed out lowest first, so the first pages are frames 0, 1...
 *
 * In the drawings a PTE is "frame N" plus its permission bits (RW: VM_PTE_W
 * set; R: write-protected), "zero" for the shared zero page, "swap S" for a
 * swap entry and "--" for an empty slot; mc(N) is frame N's mapcount.
 *
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "models/machine.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/mmu.h"
#include "models/file.h"
#include "models/vmscan.h"
#include "models/check.h"
#include "models/fork.h"
#include "tests/testlib.h"

#define PAGE 0x1000u
#define A0 0x10000u            /* the first mapping: vpn 0x10, top index 1 */

/* ---- helpers --------------------------------------------------------- */

/* A machine for built-in @profile with "KEY=VALUE" @overrides (NULL-ended). */
static vm_machine_t *machine(const char *profile, const char *const *overrides)
{
	return vt_machine_bare(profile, overrides);
}

/* @p's PTE for @vaddr, 0 when there is none (not even a leaf table). */
static uint64_t pte(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr)
{
	uint64_t *slot = vm_pt_lookup(&m->pt, p->root, vaddr >> m->page_shift);
	return slot ? *slot : 0;
}

static uint32_t pte_pfn(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr)
{
	uint64_t e = pte(m, p, vaddr);
	ck_assert_msg(e & VM_PTE_P, "pid %u: no present PTE at 0x%" G_GINT64_MODIFIER "x",
		      p->pid, vaddr);
	return (uint32_t)VM_PTE_PFN(e);
}

static uint32_t mapcount(vm_machine_t *m, uint32_t pfn)
{
	ck_assert_uint_lt(pfn, m->frames.nr);
	return m->frames.f[pfn].mapcount;
}

/* One access by @p (the CPU switches to it first), checked afterwards. */
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

/* @res is evaluated once: it is often an access1() call. */
#define ck_outcome(res, out, w) do { \
		vm_result_t r_ = (res); \
		ck_assert_msg(r_.outcome == (out), "outcome %s, expected %s", \
			      vm_result_outcome_name((vm_outcome_t)r_.outcome), \
			      vm_result_outcome_name(out)); \
		ck_assert_int_eq(r_.why, (w)); \
	} while (0)

static vm_proc_t *fork1(vm_machine_t *m, vm_proc_t *parent, uint32_t pid,
			uint64_t *cost)
{
	uint64_t c = 0;
	vm_proc_t *child = vm_fork_process(m, parent, pid, &c);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(child->state, VM_PROC_RUNNING);
	vt_check(m);
	if (cost)
		*cost = c;
	return child;
}

static void exit1(vm_machine_t *m, vm_proc_t *p)
{
	vm_proc_exit(m, p, VM_KILL_NONE);
	ck_assert_int_eq(p->state, VM_PROC_EXITED);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_uint_eq(p->rss_file, 0);
	ck_assert_uint_eq(p->swap_pages, 0);
	ck_assert_uint_eq(p->pt_pages, 0);
	vt_check(m);
}

/* Everything is back: no anonymous page, no table, no swap slot. */
static void ck_all_free(vm_machine_t *m, uint32_t file_frames)
{
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_ANON], 0);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_PT], 0);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_FILE], file_frames);
	ck_assert_uint_eq(vm_machine_free_pages(m), m->frames.nr - file_frames);
	ck_assert_uint_eq(m->c.pt_pages, 0);
	ck_assert_uint_eq(m->pt.nr_live, 0);
	ck_assert_uint_eq(m->swap_used, 0);
	for (uint32_t s = 0; s < m->nr_swap_slots; s++)
		ck_assert_uint_eq(m->swap_map[s], 0);
}

/* Swap page @pfn out and free it, as reclaim does in two steps: the
 * pageout (PTEs become swap entries, the write starts, the page stays in
 * the swap cache under writeback), then, when the write has completed, the
 * eviction of the clean swap-cache page. */
static void evict(vm_machine_t *m, uint32_t pfn)
{
	vm_reclaim_remove(m->reclaim, pfn);
	vm_vmscan_rc_t rc = vm_vmscan_evict(m, pfn, FALSE);
	if (rc == VM_VMSCAN_PAGEOUT) {
		vm_reclaim_putback(m->reclaim, pfn);   /* as the scan does */
		vt_check(m);
		m->now = m->frames.f[pfn].io_done;
		vm_vmscan_pageout_done(m);
		vm_reclaim_remove(m->reclaim, pfn);
		rc = vm_vmscan_evict(m, pfn, FALSE);
	}
	ck_assert_int_eq(rc, VM_VMSCAN_FREED);
	vt_check(m);
}

static const uint32_t RW = VM_PROT_R | VM_PROT_W;
static const uint32_t PRIV_ANON = VM_MAP_ANON;

/* ========================================================================
 * a. private anonymous memory: PTEs copied, write-protected
 * ======================================================================== */

/*
 * pid 1 maps 4 pages, writes pages 0 and 1, reads page 2; page 3 untouched.
 *
 *   before fork          pid 1                    frames
 *     0x10000            frame 0  RW D            0: ANON mc 1
 *     0x11000            frame 1  RW D            1: ANON mc 1
 *     0x12000            zero     R               2..15 free
 *     0x13000            --
 *
 *   after fork           pid 1        pid 2
 *     0x10000            frame 0  R   frame 0  R   0: ANON mc 2
 *     0x11000            frame 1  R   frame 1  R   1: ANON mc 2
 *     0x12000            zero     R   zero     R   no frame taken
 *     0x13000            --           --
 *
 * The child gets a top table and one leaf (2 table pages), no data frame.
 */
START_TEST(test_anon_ptes_copied_write_protected)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 4, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	access1(m, p, A0 + PAGE, VM_ACC_W);
	ck_outcome(access1(m, p, A0 + 2 * PAGE, VM_ACC_R), VM_OUT_ZERO,
		   VM_WHY_ZERO_PAGE);
	uint32_t f0 = pte_pfn(m, p, A0), f1 = pte_pfn(m, p, A0 + PAGE);
	ck_assert(pte(m, p, A0) & VM_PTE_W);
	uint64_t free_before = vm_machine_free_pages(m);

	vm_proc_t *c = fork1(m, p, 2, NULL);

	for (unsigned i = 0; i < 2; i++) {
		uint64_t va = A0 + i * PAGE;
		uint64_t pp = pte(m, p, va), cp = pte(m, c, va);
		ck_assert(pp & VM_PTE_P);
		ck_assert(cp & VM_PTE_P);
		ck_assert_uint_eq(VM_PTE_PFN(pp), VM_PTE_PFN(cp));
		ck_assert(!(pp & VM_PTE_W));          /* both write-protected */
		ck_assert(!(cp & VM_PTE_W));
		ck_assert(cp & VM_PTE_R);              /* still readable */
		ck_assert(!(pp & VM_PTE_SWAP));
	}
	ck_assert_uint_eq(mapcount(m, f0), 2);
	ck_assert_uint_eq(mapcount(m, f1), 2);
	ck_assert_int_eq(m->frames.f[f0].kind, VM_FRAME_ANON);
	/* the zero page stays the zero page, in both */
	ck_assert_uint_eq(VM_PTE_PFN(pte(m, p, A0 + 2 * PAGE)), VM_PFN_ZERO);
	ck_assert_uint_eq(VM_PTE_PFN(pte(m, c, A0 + 2 * PAGE)), VM_PFN_ZERO);
	ck_assert(!(pte(m, c, A0 + 2 * PAGE) & VM_PTE_W));
	ck_assert_uint_eq(pte(m, c, A0 + 3 * PAGE), 0);
	/* the child's counters: what its tables map, nothing it did */
	ck_assert_uint_eq(c->rss_anon, 2);
	ck_assert_uint_eq(c->rss_file, 0);
	ck_assert_uint_eq(c->swap_pages, 0);
	ck_assert_uint_eq(c->pt_pages, 2);
	ck_assert_uint_eq(c->minflt + c->majflt + c->accesses, 0);
	ck_assert_uint_eq(p->rss_anon, 2);
	ck_assert_uint_eq(m->c.pt_pages, 4);
	/* fork takes no data frame (tiny: tables take none either) */
	ck_assert_uint_eq(vm_machine_free_pages(m), free_before);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_ANON], 2);
	/* VMAs copied */
	ck_assert_uint_eq(c->nr_vma, 1);
	ck_assert_uint_eq(c->vma[0].start, p->vma[0].start);
	ck_assert_uint_eq(c->vma[0].end, p->vma[0].end);

	/* reads need no fault: the child's walk finds the shared PTEs */
	vm_result_t r = access1(m, c, A0, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_WALK);
	ck_assert_uint_eq(r.pfn, f0);
	ck_assert_int_eq(access1(m, c, A0 + 2 * PAGE, VM_ACC_R).outcome, VM_OUT_WALK);
	vm_machine_free(m);
}
END_TEST

/*
 * The parent's TLB held a writable entry for 0x10000 before the fork; the
 * fork must flush it, or the parent's next write would land in the shared
 * frame without a fault.
 */
START_TEST(test_fork_flushes_parent_tlb)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 1, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	ck_assert_int_eq(access1(m, p, A0, VM_ACC_W).outcome, VM_OUT_HIT);
	uint32_t f0 = pte_pfn(m, p, A0);
	vm_proc_t *c = fork1(m, p, 2, NULL);
	(void)c;
	vm_result_t w = access1(m, p, A0, VM_ACC_W);
	ck_outcome(w, VM_OUT_COW, VM_WHY_COW_COPY);
	ck_assert_uint_ne(w.pfn, f0);
	vm_machine_free(m);
}
END_TEST

/* ========================================================================
 * b. the first write: copy while shared, reuse once alone
 * ======================================================================== */

/*
 *   after fork           pid 1        pid 2
 *     0x10000            frame 0  R   frame 0  R      mc(0) = 2
 *
 *   pid 2 writes: cow    pid 1        pid 2
 *     0x10000            frame 0  R   frame 1  RW D   mc(0) = 1, mc(1) = 1
 *
 *   pid 1 writes: minor  pid 1        pid 2
 *     (reuse)            frame 0  RW  frame 1  RW     no new frame
 */
START_TEST(test_cow_copy_then_reuse)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 2, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	uint32_t f0 = pte_pfn(m, p, A0);
	vm_proc_t *c = fork1(m, p, 2, NULL);
	uint64_t free0 = vm_machine_free_pages(m);

	vm_result_t w = access1(m, c, A0, VM_ACC_W);
	ck_outcome(w, VM_OUT_COW, VM_WHY_COW_COPY);
	uint32_t f1 = pte_pfn(m, c, A0);
	ck_assert_uint_eq(w.pfn, f1);
	ck_assert_uint_ne(f1, f0);
	ck_assert(pte(m, c, A0) & VM_PTE_W);
	ck_assert(pte(m, c, A0) & VM_PTE_D);
	ck_assert_uint_eq(pte_pfn(m, p, A0), f0);       /* the parent's is untouched */
	ck_assert(!(pte(m, p, A0) & VM_PTE_W));
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert_uint_eq(mapcount(m, f1), 1);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 - 1);
	ck_assert_uint_eq(c->cow_faults, 1);
	ck_assert_uint_eq(c->rss_anon, 1);
	ck_assert_uint_eq(m->c.cow_faults, 1);
	/* the copy costs a page copy on top of the fault */
	ck_assert_uint_ge(w.cost, m->cfg.cost_minor_fault + m->cfg.cost_page_copy);

	w = access1(m, p, A0, VM_ACC_W);
	ck_outcome(w, VM_OUT_MINOR, VM_WHY_COW_REUSE);
	ck_assert_uint_eq(w.pfn, f0);
	ck_assert_uint_eq(pte_pfn(m, p, A0), f0);
	ck_assert(pte(m, p, A0) & VM_PTE_W);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 - 1);
	ck_assert_uint_eq(p->cow_faults, 0);
	ck_assert_uint_eq(m->c.cow_faults, 1);

	/* both write without faults from now on */
	ck_assert_int_eq(access1(m, p, A0, VM_ACC_W).outcome, VM_OUT_HIT);
	ck_assert_int_le(access1(m, c, A0, VM_ACC_W).outcome, VM_OUT_WALK);
	vm_machine_free(m);
}
END_TEST

/*
 * The child exits without writing: its share of frame 0 goes, and the
 * parent's first write reuses the page (no copy, no new frame).
 *
 *   after fork        pid 1 frame 0 R    pid 2 frame 0 R    mc(0) = 2
 *   pid 2 exits       pid 1 frame 0 R    (gone)             mc(0) = 1
 *   pid 1 writes      pid 1 frame 0 RW   minor (reuse)      mc(0) = 1
 */
START_TEST(test_parent_reuses_after_child_exit)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 2, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	access1(m, p, A0 + PAGE, VM_ACC_R);    /* zero page */
	uint32_t f0 = pte_pfn(m, p, A0);
	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_assert_uint_eq(m->c.pt_pages, 4);
	uint64_t free0 = vm_machine_free_pages(m);

	exit1(m, c);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert_int_eq(m->frames.f[f0].kind, VM_FRAME_ANON);  /* not freed */
	ck_assert_uint_eq(m->c.pt_pages, 2);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0);

	vm_result_t w = access1(m, p, A0, VM_ACC_W);
	ck_outcome(w, VM_OUT_MINOR, VM_WHY_COW_REUSE);
	ck_assert_uint_eq(w.pfn, f0);
	ck_assert(pte(m, p, A0) & VM_PTE_W);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0);
	ck_assert_uint_eq(m->c.cow_faults, 0);
	/* the zero page is still replaced by a new page, not "reused" */
	w = access1(m, p, A0 + PAGE, VM_ACC_W);
	ck_outcome(w, VM_OUT_MINOR, VM_WHY_ZERO_REPLACED);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 - 1);
	vm_machine_free(m);
}
END_TEST

/*
 * Three processes share a page: the first two writers copy, the last one
 * reuses.  1 forks 2, 2 forks 3.
 *
 *   after both forks   pid 1 frame 0 R   pid 2 frame 0 R   pid 3 frame 0 R   mc 3
 *   pid 2 writes       cow: frame 1                                          mc 2
 *   pid 3 writes       cow: frame 2                                          mc 1
 *   pid 1 writes       minor: reuses frame 0                                 mc 1
 */
START_TEST(test_cow_three_sharers)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 1, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	uint32_t f0 = pte_pfn(m, p, A0);
	vm_proc_t *c = fork1(m, p, 2, NULL);
	vm_proc_t *g = fork1(m, c, 3, NULL);
	ck_assert_uint_eq(mapcount(m, f0), 3);
	ck_assert_uint_eq(pte_pfn(m, g, A0), f0);
	ck_assert(!(pte(m, g, A0) & VM_PTE_W));

	ck_outcome(access1(m, c, A0, VM_ACC_W), VM_OUT_COW, VM_WHY_COW_COPY);
	ck_assert_uint_eq(mapcount(m, f0), 2);
	ck_outcome(access1(m, g, A0, VM_ACC_W), VM_OUT_COW, VM_WHY_COW_COPY);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	vm_result_t w = access1(m, p, A0, VM_ACC_W);
	ck_outcome(w, VM_OUT_MINOR, VM_WHY_COW_REUSE);
	ck_assert_uint_eq(w.pfn, f0);
	uint32_t a = pte_pfn(m, p, A0), b = pte_pfn(m, c, A0), d = pte_pfn(m, g, A0);
	ck_assert(a != b && b != d && a != d);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_ANON], 3);
	ck_assert_uint_eq(m->c.cow_faults, 2);
	vm_machine_free(m);
}
END_TEST

/* ========================================================================
 * c. shared mappings are not copied
 * ======================================================================== */

/*
 * A file of 4 pages, all cached (frames 0-3), mapped MAP_SHARED rw by pid 1,
 * which reads page 0 and writes page 1.
 *
 *   after fork         pid 1                pid 2
 *     0x10000          frame 0  R           --        mc(0) = 1
 *     0x11000          frame 1  RW D        --        mc(1) = 1
 *
 *   pid 2 reads 0x10000 and writes 0x11000: minor faults from the page cache
 *     0x10000          frame 0  R           frame 0  R      mc(0) = 2
 *     0x11000          frame 1  RW D        frame 1  RW D   mc(1) = 2
 *
 * The parent's writable PTE is not write-protected: a shared page has no
 * copy to make.
 */
START_TEST(test_shared_file_not_copied)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_file_t *f = vm_file_new(m, "data", 4 * PAGE, FALSE, TRUE);
	ck_assert_uint_eq(f->nr_cached, 4);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 4, RW, VM_MAP_SHARED, (int32_t)f->id, 0);
	ck_outcome(access1(m, p, A0, VM_ACC_R), VM_OUT_MINOR, VM_WHY_FILE_CACHED);
	ck_outcome(access1(m, p, A0 + PAGE, VM_ACC_W), VM_OUT_MINOR, VM_WHY_FILE_CACHED);
	uint32_t f0 = pte_pfn(m, p, A0), f1 = pte_pfn(m, p, A0 + PAGE);
	ck_assert_uint_eq(f0, vm_file_pfn(f, 0));
	ck_assert(pte(m, p, A0 + PAGE) & VM_PTE_W);
	uint64_t cost = 0;

	vm_proc_t *c = fork1(m, p, 2, &cost);
	ck_assert_uint_eq(pte(m, c, A0), 0);
	ck_assert_uint_eq(pte(m, c, A0 + PAGE), 0);
	ck_assert_uint_eq(c->pt_pages, 1);      /* the top table only */
	ck_assert_uint_eq(c->rss_file, 0);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert_uint_eq(mapcount(m, f1), 1);
	ck_assert(pte(m, p, A0 + PAGE) & VM_PTE_W);   /* not write-protected */
	ck_assert_uint_eq(cost, 1 * m->cfg.cost_page_copy);
	ck_assert_uint_eq(c->nr_vma, 1);
	ck_assert_uint_eq(c->vma[0].file, (int32_t)f->id);
	ck_assert_uint_eq(c->vma[0].flags, VM_MAP_SHARED);

	vm_result_t r = access1(m, c, A0, VM_ACC_R);
	ck_outcome(r, VM_OUT_MINOR, VM_WHY_FILE_CACHED);
	ck_assert_uint_eq(r.pfn, f0);
	ck_assert_uint_eq(mapcount(m, f0), 2);
	vm_result_t w = access1(m, c, A0 + PAGE, VM_ACC_W);
	ck_outcome(w, VM_OUT_MINOR, VM_WHY_FILE_CACHED);
	ck_assert_uint_eq(w.pfn, f1);                 /* the same page, no copy */
	ck_assert(pte(m, c, A0 + PAGE) & VM_PTE_W);
	ck_assert_uint_eq(mapcount(m, f1), 2);
	ck_assert_uint_eq(c->rss_file, 2);
	ck_assert_uint_eq(c->rss_anon, 0);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_ANON], 0);
	ck_assert_uint_eq(m->c.cow_faults, 0);

	exit1(m, c);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	exit1(m, p);
	ck_all_free(m, 4);          /* the page cache keeps the file's pages */
	vm_machine_free(m);
}
END_TEST

/*
 * Shared anonymous memory (shmem): the same; the child's read maps the
 * parent's page, writable at once (shmem reads map it writable).
 *
 *   after fork         pid 1 frame 0 RW D    pid 2 --
 *   pid 2 reads        pid 1 frame 0 RW D    pid 2 frame 0 RW   mc(0) = 2
 *   pid 2 writes       TLB or walk: no fault
 */
START_TEST(test_shmem_not_copied)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_file_t *sh = vm_file_new_shmem(m, 2);
	vm_mm_mmap(m, p, A0 / PAGE, 2, RW, VM_MAP_SHARED | VM_MAP_ANON,
		   (int32_t)sh->id, 0);
	access1(m, p, A0, VM_ACC_W);
	uint32_t f0 = pte_pfn(m, p, A0);
	ck_assert_int_eq(m->frames.f[f0].kind, VM_FRAME_FILE);

	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_assert_uint_eq(pte(m, c, A0), 0);
	ck_assert_uint_eq(c->pt_pages, 1);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert(pte(m, p, A0) & VM_PTE_W);

	vm_result_t r = access1(m, c, A0, VM_ACC_R);
	ck_outcome(r, VM_OUT_MINOR, VM_WHY_FILE_CACHED);
	ck_assert_uint_eq(r.pfn, f0);
	ck_assert(pte(m, c, A0) & VM_PTE_W);
	ck_assert_uint_eq(mapcount(m, f0), 2);
	vm_result_t w = access1(m, c, A0, VM_ACC_W);
	ck_assert_int_le(w.outcome, VM_OUT_WALK);
	ck_assert_uint_eq(w.pfn, f0);
	ck_assert_uint_eq(m->c.cow_faults, 0);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_ANON], 0);

	exit1(m, p);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert_int_eq(m->frames.f[f0].kind, VM_FRAME_FILE);  /* pid 2 maps it */
	exit1(m, c);
	/* the last mapping gone, the shmem object and its page go too */
	ck_all_free(m, 0);
	vm_machine_free(m);
}
END_TEST

/* ========================================================================
 * d. private file mappings
 * ======================================================================== */

/*
 * A private file mapping whose pages were only read: they are page-cache
 * pages, which the child finds again; nothing is copied.
 *
 *   after fork         pid 1 frame 0 R (file)    pid 2 --      mc(0) = 1
 *   pid 2 reads        minor: pid 2 frame 0 R                  mc(0) = 2
 *   pid 2 writes       cow: a private copy, frame 4 RW D       mc(0) = 1
 *                      pid 1 still maps the page-cache page
 */
START_TEST(test_private_file_clean_not_copied)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_file_t *f = vm_file_new(m, "data", 4 * PAGE, FALSE, TRUE);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 4, RW, 0, (int32_t)f->id, 0);
	access1(m, p, A0, VM_ACC_R);
	uint32_t f0 = pte_pfn(m, p, A0);
	ck_assert_uint_eq(f0, vm_file_pfn(f, 0));
	ck_assert(!(pte(m, p, A0) & VM_PTE_W));

	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_assert_uint_eq(pte(m, c, A0), 0);
	ck_assert_uint_eq(c->rss_file, 0);
	ck_assert_uint_eq(mapcount(m, f0), 1);

	vm_result_t r = access1(m, c, A0, VM_ACC_R);
	ck_outcome(r, VM_OUT_MINOR, VM_WHY_FILE_CACHED);
	ck_assert_uint_eq(r.pfn, f0);
	ck_assert_uint_eq(mapcount(m, f0), 2);

	vm_result_t w = access1(m, c, A0, VM_ACC_W);
	ck_outcome(w, VM_OUT_COW, VM_WHY_PRIVATE_COPY);
	ck_assert_uint_ne(w.pfn, f0);
	ck_assert_int_eq(m->frames.f[w.pfn].kind, VM_FRAME_ANON);
	ck_assert(pte(m, c, A0) & VM_PTE_W);
	ck_assert_uint_eq(pte_pfn(m, p, A0), f0);
	ck_assert_uint_eq(mapcount(m, f0), 1);
	ck_assert(!(m->frames.f[f0].flags & VM_FRAME_DIRTY));  /* the file never sees it */
	ck_assert_uint_eq(c->rss_anon, 1);
	ck_assert_uint_eq(c->rss_file, 0);
	exit1(m, c);
	exit1(m, p);
	ck_all_free(m, 4);
	vm_machine_free(m);
}
END_TEST

/*
 * Fixed bug (models/fork.c, vm_fork_process): a private file mapping whose
 * page the parent wrote holds a private anonymous copy; Linux copies the
 * VMA's PTEs (vma_needs_copy: the VMA has an anon_vma) and write-protects
 * the copy in both, exactly as for anonymous memory.  (vmscope once copied
 * PTEs only for VMAs with VM_MAP_ANON set, so the child's read faulted in
 * the page-cache page and saw the file instead of the parent's data.)
 *
 *   pid 1 writes 0x10000 of a private file mapping: a private copy, frame 4
 *   after fork, Linux:    pid 1 frame 4 R       pid 2 frame 4 R    mc(4) = 2
 *   after fork, vmscope once: pid 1 frame 4 RW D  pid 2 --       mc(4) = 1
 *   pid 2 reads 0x10000:  Linux: walk to frame 4; vmscope: minor fault,
 *                         frame 0 (the page-cache page)
 */
START_TEST(test_private_file_cow_copied)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_file_t *f = vm_file_new(m, "data", 4 * PAGE, FALSE, TRUE);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 4, RW, 0, (int32_t)f->id, 0);
	ck_outcome(access1(m, p, A0, VM_ACC_W), VM_OUT_COW, VM_WHY_PRIVATE_COPY);
	uint32_t a = pte_pfn(m, p, A0);
	ck_assert_int_eq(m->frames.f[a].kind, VM_FRAME_ANON);
	ck_assert_uint_ne(a, vm_file_pfn(f, 0));

	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_assert_msg(pte(m, c, A0) & VM_PTE_P,
		      "fork did not copy the PTE of a private file page the "
		      "parent had written (an anonymous copy)");
	ck_assert_uint_eq(pte_pfn(m, c, A0), a);
	ck_assert_uint_eq(mapcount(m, a), 2);
	ck_assert(!(pte(m, p, A0) & VM_PTE_W));
	ck_assert(!(pte(m, c, A0) & VM_PTE_W));
	ck_assert_uint_eq(c->rss_anon, 1);

	vm_result_t r = access1(m, c, A0, VM_ACC_R);
	ck_assert_uint_eq(r.pfn, a);                 /* the parent's data */
	ck_outcome(access1(m, c, A0, VM_ACC_W), VM_OUT_COW, VM_WHY_COW_COPY);
	ck_outcome(access1(m, p, A0, VM_ACC_W), VM_OUT_MINOR, VM_WHY_COW_REUSE);
	exit1(m, c);
	exit1(m, p);
	ck_all_free(m, 4);
	vm_machine_free(m);
}
END_TEST

/* ========================================================================
 * e. swap entries are duplicated
 * ======================================================================== */

/*
 * pid 1 writes pages 0 and 1; page 0 is swapped out to slot S.
 *
 *   before fork        pid 1                  swap_map[S] = 1
 *     0x10000          swap S
 *     0x11000          frame 1  RW D          mc(1) = 1
 *
 *   after fork         pid 1        pid 2
 *     0x10000          swap S       swap S    swap_map[S] = 2
 *     0x11000          frame 1 R    frame 1 R mc(1) = 2
 *
 *   pid 2 exits                               swap_map[S] = 1, slot still used
 *   pid 1 exits                               slot free, swap_used = 0
 */
START_TEST(test_swap_entry_duplicated)
{
	vm_machine_t *m = machine("tiny", NULL);
	ck_assert_uint_gt(m->nr_swap_slots, 0);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 2, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	access1(m, p, A0 + PAGE, VM_ACC_W);
	evict(m, pte_pfn(m, p, A0));
	uint64_t e = pte(m, p, A0);
	ck_assert(e & VM_PTE_SWAP);
	ck_assert(!(e & VM_PTE_P));
	uint32_t slot = (uint32_t)VM_PTE_PFN(e);
	ck_assert_uint_eq(m->swap_map[slot], 1);
	ck_assert_uint_eq(p->swap_pages, 1);
	ck_assert_uint_eq(m->swap_used, 1);

	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_assert_uint_eq(pte(m, c, A0), e);          /* the same swap entry */
	ck_assert_uint_eq(pte(m, p, A0), e);
	ck_assert_uint_eq(m->swap_map[slot], 2);
	ck_assert_uint_eq(m->swap_used, 1);           /* one slot, two entries */
	ck_assert_uint_eq(c->swap_pages, 1);
	ck_assert_uint_eq(c->rss_anon, 1);
	ck_assert(!(pte(m, c, A0 + PAGE) & VM_PTE_W));

	exit1(m, c);
	ck_assert_uint_eq(m->swap_map[slot], 1);
	ck_assert_uint_eq(m->swap_used, 1);
	ck_assert_uint_eq(pte(m, p, A0), e);
	exit1(m, p);
	ck_all_free(m, 0);
	vm_machine_free(m);
}
END_TEST

/*
 * The child swaps the shared slot in; the parent's entry still holds the
 * slot.  (Only pswpin and the slot's count are checked: how the page comes
 * back with other holders is the swap cache's business.)
 */
START_TEST(test_swap_in_after_fork)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 1, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	evict(m, pte_pfn(m, p, A0));
	uint32_t slot = (uint32_t)VM_PTE_PFN(pte(m, p, A0));
	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_assert_uint_eq(m->swap_map[slot], 2);

	vm_result_t r = access1(m, c, A0, VM_ACC_R);
	ck_assert_int_eq(r.outcome, VM_OUT_MAJOR);
	ck_assert_uint_eq(m->c.pswpin, 1);
	ck_assert_uint_eq(m->swap_map[slot], 1);
	ck_assert(pte(m, c, A0) & VM_PTE_P);
	ck_assert(pte(m, p, A0) & VM_PTE_SWAP);        /* the parent's is untouched */
	ck_assert_uint_eq(p->swap_pages, 1);

	access1(m, c, A0, VM_ACC_W);
	access1(m, p, A0, VM_ACC_W);
	ck_assert(pte(m, p, A0) & VM_PTE_P);
	ck_assert(pte(m, p, A0) & VM_PTE_W);
	ck_assert(pte(m, c, A0) & VM_PTE_W);
	ck_assert_uint_ne(pte_pfn(m, p, A0), pte_pfn(m, c, A0));
	exit1(m, p);
	exit1(m, c);
	ck_all_free(m, 0);
	vm_machine_free(m);
}
END_TEST

/* ========================================================================
 * f. fork's cost and the page-table pages it allocates
 * ======================================================================== */

/*
 * The `default` profile: 4 levels of 9 bits, tables take frames.  pid 1 maps
 * three regions: A at 0x10000 (2 pages written), B at 0x7f0000000000 (1
 * page written) and C, a large anonymous region never touched.  The child's
 * tables are those the copied PTEs need:
 *
 *   pid 2:  top ─┬─ L1 ── L2 ── L3 (A: 2 PTEs)       1 + 3 + 3 = 7 tables
 *                └─ L1 ── L2 ── L3 (B: 1 PTE)
 *           C has no PTE: no table
 *
 * Cost: cost.page_copy per table (7 x 1 us), and 7 PT frames taken.
 */
START_TEST(test_fork_cost_counts_tables)
{
	vm_machine_t *m = machine("default", NULL);
	ck_assert(m->cfg.mmu_pt_frames);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	const uint64_t B = 0x7f0000000000ull, C = 0x40000000ull;
	vm_mm_mmap(m, p, A0 / PAGE, 4, RW, PRIV_ANON, -1, 0);
	vm_mm_mmap(m, p, B / PAGE, 4, RW, PRIV_ANON, -1, 0);
	vm_mm_mmap(m, p, C / PAGE, 1024, RW, PRIV_ANON, -1, 0);
	access1(m, p, A0, VM_ACC_W);
	access1(m, p, A0 + PAGE, VM_ACC_W);
	access1(m, p, B, VM_ACC_W);
	ck_assert_uint_eq(p->pt_pages, 7);
	uint32_t pt_frames = m->frames.nr_kind[VM_FRAME_PT];
	uint64_t free0 = vm_machine_free_pages(m);
	uint64_t peak0 = m->c.pt_pages_peak;

	uint64_t cost = 0;
	vm_proc_t *c = fork1(m, p, 2, &cost);
	ck_assert_uint_eq(c->pt_pages, 7);
	ck_assert_uint_eq(cost, 7 * m->cfg.cost_page_copy);
	ck_assert_uint_eq(m->c.pt_pages, 14);
	ck_assert_uint_eq(m->c.pt_pages_peak, MAX(peak0, 14));
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_PT], pt_frames + 7);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0 - 7);
	ck_assert_uint_eq(c->nr_vma, 3);
	ck_assert_uint_eq(pte(m, c, C), 0);
	ck_assert_uint_eq(pte_pfn(m, c, B), pte_pfn(m, p, B));

	/* a child forked from the child: the same tables again */
	vm_proc_t *g = fork1(m, c, 3, &cost);
	ck_assert_uint_eq(cost, 7 * m->cfg.cost_page_copy);
	ck_assert_uint_eq(mapcount(m, pte_pfn(m, g, A0)), 3);

	exit1(m, g);
	exit1(m, c);
	ck_assert_uint_eq(m->frames.nr_kind[VM_FRAME_PT], pt_frames);
	ck_assert_uint_eq(vm_machine_free_pages(m), free0);
	exit1(m, p);
	ck_all_free(m, 0);
	vm_machine_free(m);
}
END_TEST

/*
 * An empty address space, and one with only shared file pages, cost one
 * table (the child's top table): fork's time grows with the PTEs it copies,
 * not with the size of the mappings.
 */
START_TEST(test_fork_cost_no_ptes)
{
	vm_machine_t *m = machine("tiny", NULL);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	uint64_t cost = 0;
	vm_proc_t *c = fork1(m, p, 2, &cost);
	ck_assert_uint_eq(cost, m->cfg.cost_page_copy);
	ck_assert_uint_eq(c->pt_pages, 1);
	ck_assert_uint_eq(c->nr_vma, 0);

	/* anonymous memory mapped but never touched: no PTE, no table */
	vm_mm_mmap(m, p, A0 / PAGE, 16, RW, PRIV_ANON, -1, 0);
	vm_proc_t *d = fork1(m, p, 3, &cost);
	ck_assert_uint_eq(cost, m->cfg.cost_page_copy);
	ck_assert_uint_eq(d->nr_vma, 1);
	ck_assert_uint_eq(m->c.pt_pages, 3);
	exit1(m, c);
	exit1(m, d);
	exit1(m, p);
	ck_all_free(m, 0);
	vm_machine_free(m);
}
END_TEST

/* ========================================================================
 * g. exit frees everything
 * ======================================================================== */

/*
 * A busy parent and child on tiny with mmu.pt_frames=true: anonymous pages
 * shared and copied, a zero page, a swap entry, a shared file page, a shmem
 * page; both exit in turn and every frame, table and slot comes back; only
 * the file's page-cache pages stay (4 frames).
 */
START_TEST(test_exit_frees_everything)
{
	const char *ov[] = { "mmu.pt_frames=true", NULL };
	vm_machine_t *m = machine("tiny", ov);
	vm_file_t *f = vm_file_new(m, "data", 2 * PAGE, FALSE, TRUE);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	vm_mm_mmap(m, p, A0 / PAGE, 4, RW, PRIV_ANON, -1, 0);
	vm_mm_mmap(m, p, 0x20000 / PAGE, 2, RW, VM_MAP_SHARED, (int32_t)f->id, 0);
	vm_file_t *sh = vm_file_new_shmem(m, 1);
	vm_mm_mmap(m, p, 0x30000 / PAGE, 1, RW, VM_MAP_SHARED | VM_MAP_ANON,
		   (int32_t)sh->id, 0);
	access1(m, p, A0, VM_ACC_W);
	access1(m, p, A0 + PAGE, VM_ACC_W);
	access1(m, p, A0 + 2 * PAGE, VM_ACC_W);
	access1(m, p, A0 + 3 * PAGE, VM_ACC_R);
	access1(m, p, 0x20000, VM_ACC_W);
	access1(m, p, 0x30000, VM_ACC_W);
	evict(m, pte_pfn(m, p, A0 + 2 * PAGE));

	vm_proc_t *c = fork1(m, p, 2, NULL);
	ck_outcome(access1(m, c, A0, VM_ACC_W), VM_OUT_COW, VM_WHY_COW_COPY);
	access1(m, c, 0x20000, VM_ACC_R);
	access1(m, c, 0x30000, VM_ACC_R);
	ck_assert_uint_gt(c->rss_file, 0);
	ck_assert_uint_eq(c->swap_pages, 1);

	exit1(m, c);
	ck_assert_uint_eq(m->swap_used, 1);
	ck_assert_uint_eq(m->c.pt_pages, p->pt_pages);
	exit1(m, p);
	ck_all_free(m, 2);
	ck_assert_uint_eq(f->nr_cached, 2);
	vm_machine_free(m);
}
END_TEST

static Suite *fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");
	tcase_add_test(tc, test_anon_ptes_copied_write_protected);
	tcase_add_test(tc, test_fork_flushes_parent_tlb);
	tcase_add_test(tc, test_cow_copy_then_reuse);
	tcase_add_test(tc, test_parent_reuses_after_child_exit);
	tcase_add_test(tc, test_cow_three_sharers);
	tcase_add_test(tc, test_shared_file_not_copied);
	tcase_add_test(tc, test_shmem_not_copied);
	tcase_add_test(tc, test_private_file_clean_not_copied);
	tcase_add_test(tc, test_swap_entry_duplicated);
	tcase_add_test(tc, test_swap_in_after_fork);
	tcase_add_test(tc, test_fork_cost_counts_tables);
	tcase_add_test(tc, test_fork_cost_no_ptes);
	tcase_add_test(tc, test_exit_frees_everything);
	tcase_add_test(tc, test_private_file_cow_copied);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(fork_suite());
}
