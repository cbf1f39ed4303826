/*
 * Tests of reclaim with time (models/vmscan.c, kswapd.c, the pageout paths
 * of filemap.c and swap.c): a dirty page chosen by reclaim stays, under
 * writeback, until its write completes; reclaim moves on; an allocation
 * that finds nothing else waits for the oldest write; kswapd takes turns.
 *
 * The machine, built by hand so that every number below can be worked out:
 * 128 frames of 4 KiB (memory=512K), page tables in no frame
 * (mmu.pt_frames=false), reclaim.policy=lru (one page looked at per victim,
 * so pgscan = victims), cost.reclaim=1us, the default nvme disk (80 us of
 * latency, 2 GiB/s: a page's transfer is 1,908 ns, and transfers share one
 * channel: the k-th of several one-page writes submitted at once completes
 * at 80,000 + k x 1,908), and the watermarks set to min 8, low 16, high 24.
 * One file "f" of 120 pages, cached, so that 8 frames are free.
 *
 *   frames:  [ f0 f1 ... f119 | 8 free ]      lru order: f0 oldest
 */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "sim/config.h"
#include "models/machine.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"
#include "models/vmscan.h"
#include "models/kswapd.h"
#include "models/check.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/mmu.h"
#include "tests/testlib.h"

#define PS 4096
#define XFER 1908u
#define LAT 80000u

static vm_machine_t *mk(gboolean textbook)
{
	vm_config_t cfg;
	GError *err = NULL;
	static const char *const sets[] = {
		"memory=512K", "mmu.pt_frames=false", "reclaim.policy=lru",
		"cost.reclaim=1us", NULL,
	};
	ck_assert(vm_config_load(&cfg, "default", &err));
	for (unsigned i = 0; sets[i]; i++)
		ck_assert(vm_config_set_assignment(&cfg, sets[i], &err));
	if (textbook) {
		ck_assert(vm_config_set_assignment(&cfg, "reclaim.watermark_min=0", &err));
		ck_assert(vm_config_set_assignment(&cfg, "reclaim.kswapd=false", &err));
	}
	ck_assert(vm_config_validate(&cfg, &err));
	vm_machine_t *m = vm_machine_new(&cfg);
	if (!textbook) {
		m->wm_min = 8;
		m->wm_low = 16;
		m->wm_high = 24;
	}
	return m;
}

/* The file of 120 cached pages; @dirty of them (from page 0) dirtied. */
static vm_file_t *fill(vm_machine_t *m, unsigned dirty)
{
	vm_file_t *f = vm_file_new(m, "f", 120 * PS, FALSE, TRUE);
	ck_assert_uint_eq(f->nr_cached, 120);
	ck_assert_uint_eq(m->frames.nr_free, 8);
	for (unsigned i = 0; i < dirty; i++)
		vm_writeback_dirty(m, f, vm_file_pfn(f, i));
	return f;
}

/* ---- kswapd ---------------------------------------------------------------
 *
 * Clean pages.  Filling memory to 8 free took it below low (16), which
 * woke kswapd (once: it stays runnable).  A turn reclaims towards high (24), at most
 * 32 pages: 16 pages, f0..f15, the 16 oldest, 16 looked at: 16 us.  Free
 * is then 24, the high mark: kswapd sleeps.
 */
START_TEST(test_kswapd_clean)
{
	vm_machine_t *m = mk(FALSE);
	vm_file_t *f = fill(m, 0);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_RUNNABLE);
	ck_assert_uint_eq(m->c.kswapd_wakeups, 1);
	uint64_t cost = vm_kswapd_run(m);
	ck_assert_uint_eq(cost, 16 * 1000);
	ck_assert_uint_eq(m->c.kswapd_ns, 16 * 1000);
	ck_assert_uint_eq(m->c.pageoutrun, 1);
	ck_assert_uint_eq(m->frames.nr_free, 24);
	ck_assert_uint_eq(m->nr_evicted, 16);
	ck_assert_uint_eq(vm_file_pfn(f, 15), VM_NIL);
	ck_assert_uint_ne(vm_file_pfn(f, 16), VM_NIL);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_SLEEPING);
	ck_assert_uint_eq(m->disk->stats.writes, 0);
	/* woken again only below low: 8 more pages leave 16, not below */
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_ne(vm_filemap_grab(m, f, 200 + i), VM_NIL);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_SLEEPING);
	ck_assert_uint_ne(vm_filemap_grab(m, f, 300), VM_NIL);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_RUNNABLE);
	ck_assert_uint_eq(m->c.kswapd_wakeups, 2);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/*
 * Dirty pages.  The first turn takes f0..f15 as before, but each is dirty:
 * each write is started (a pageout) and the page stays, clean, under
 * writeback: 16 pageouts count towards the target (8 free + 16 writing =
 * 24), nothing is freed.  The writes, one page each, submitted at t=0,
 * complete at 80,000 + k x 1,908, k = 1..16: the first at 81,908, the last
 * at 110,528.  Progress was made: runnable.  The second turn finds the
 * target covered by the writes in flight: it waits for the first
 * (VM_EV_KSWAPD at 81,908).  When the writes are done, their pages go to
 * the tail of the lists (pgrotated 16), and the next turn frees exactly
 * them, without another write.
 */
/* ---- the cost of unmapping --------------------------------------------------
 *
 * As test_kswapd_clean, but a process maps the whole file and has touched
 * every page in order (f0 first: the lru order stays f0 oldest), and
 * cost.reclaim_mapped=3us: each of the 16 pages reclaim takes out of a
 * PTE costs 3 us more: 16 x 1 us + 16 x 3 us = 64 us.  Pages nobody maps
 * cost only the look (test_kswapd_clean: 16 us).
 */
START_TEST(test_kswapd_mapped)
{
	vm_machine_t *m = mk(FALSE);
	GError *err = NULL;
	ck_assert(vm_config_set_assignment(&m->cfg, "cost.reclaim_mapped=3us", &err));
	vm_file_t *f = fill(m, 0);
	vm_proc_t *p = vm_proc_spawn(m, 1);
	ck_assert_ptr_nonnull(p);
	m->cur_asid = 1;
	const uint64_t base = 0x100000;
	vm_mm_mmap(m, p, base, 120, VM_PROT_R, VM_MAP_SHARED, (int32_t)f->id, 0);
	for (uint64_t i = 0; i < 120; i++) {
		vm_result_t res;
		memset(&res, 0, sizeof res);
		vm_mmu_access(m, p, (base + i) << m->page_shift, VM_ACC_R, &res);
		ck_assert_uint_eq(m->frames.f[vm_file_pfn(f, i)].mapcount, 1);
	}
	ck_assert_uint_eq(p->rss_file, 120);
	uint64_t cost = vm_kswapd_run(m);
	ck_assert_uint_eq(m->nr_evicted, 16);
	ck_assert_uint_eq(vm_file_pfn(f, 15), VM_NIL);
	ck_assert_uint_ne(vm_file_pfn(f, 16), VM_NIL);
	ck_assert_uint_eq(p->rss_file, 104);
	ck_assert_uint_eq(cost, 16 * 1000 + 16 * 3000);
	ck_assert_uint_eq(m->c.kswapd_ns, 16 * 1000 + 16 * 3000);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

START_TEST(test_kswapd_dirty)
{
	vm_machine_t *m = mk(FALSE);
	vm_file_t *f = fill(m, 120);
	ck_assert_uint_eq(vm_kswapd_run(m), 16 * 1000);
	ck_assert_uint_eq(m->nr_evicted, 0);
	ck_assert_uint_eq(m->c.nr_vmscan_write, 16);
	ck_assert_uint_eq(m->disk->stats.writes, 16);
	ck_assert_uint_eq(m->frames.nr_free, 8);
	for (unsigned i = 0; i < 16; i++) {
		vm_frame_t *fr = &m->frames.f[vm_file_pfn(f, i)];
		ck_assert(fr->flags & VM_FRAME_WRITEBACK);
		ck_assert_uint_eq(fr->flags & VM_FRAME_DIRTY, 0);
		ck_assert_uint_eq(fr->io_done, LAT + (i + 1) * XFER);
	}
	ck_assert_uint_eq(vm_vmscan_pageout_next(m), LAT + XFER);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_RUNNABLE);
	ck_assert_uint_eq(vm_kswapd_run(m), 0);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_WAITING);
	vt_check(m);
	/* the first write completes: kswapd is runnable again, and the page
	 * is the next to go */
	vt_run_until(m, LAT + XFER);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_RUNNABLE);
	ck_assert_uint_eq(m->c.pgrotated, 1);
	vt_run_until(m, LAT + 16 * XFER);
	ck_assert_uint_eq(m->c.pgrotated, 16);
	vm_kswapd_run(m);
	ck_assert_uint_eq(m->nr_evicted, 16);
	ck_assert_uint_eq(m->frames.nr_free, 24);
	for (unsigned i = 0; i < 16; i++)
		ck_assert_uint_eq(vm_file_pfn(f, i), VM_NIL);
	ck_assert_uint_eq(m->disk->stats.writes, 16);
	ck_assert_uint_eq(m->kswapd_state, VM_KSWAPD_SLEEPING);
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/*
 * Direct reclaim: kswapd out of the picture (its turns never run here),
 * all pages dirty.  With 8 free, at the min mark, the next allocation
 * reclaims directly.  Its target is
 * 8 + 32 = 40: 32 pageouts, f0..f31 (32 writes, done at 81,908 ..
 * 141,056), nothing freed, free still 8 <= min: it waits for the oldest
 * write, f0's, takes its frame (alloc_wait 81,908, reclaim_waits 1) and the
 * allocation goes on.  32 pages looked at: 32 us of the process's time.
 */
START_TEST(test_direct_waits)
{
	vm_machine_t *m = mk(FALSE);
	vm_file_t *f = fill(m, 120);
	m->kswapd_state = VM_KSWAPD_SLEEPING;   /* out of the way */
	m->kswapd_failures = 1;
	m->alloc_wait = m->reclaim_ns = 0;
	uint32_t f0 = vm_file_pfn(f, 0);
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, 1, 0x100);
	ck_assert_uint_eq(pfn, f0);
	ck_assert_uint_eq(m->c.direct_reclaims, 1);
	ck_assert_uint_eq(m->c.nr_vmscan_write, 32);
	ck_assert_uint_eq(m->c.reclaim_waits, 1);
	ck_assert_uint_eq(m->alloc_wait, LAT + XFER);
	ck_assert_uint_eq(m->reclaim_ns, 32 * 1000);
	ck_assert_uint_eq(vm_file_pfn(f, 0), VM_NIL);     /* the one taken */
	ck_assert_uint_ne(vm_file_pfn(f, 1), VM_NIL);     /* still being written */
	ck_assert_uint_eq(m->nr_evicted, 1);
	/* the allocator takes the most recently freed frame first: f0's */
	ck_assert_uint_eq(m->frames.f[pfn].kind, VM_FRAME_ANON);
	vm_machine_free(m);
}
END_TEST

/*
 * The textbook setting (reclaim.watermark_min=0, kswapd off): memory full
 * (121 pages of "g" in 128 frames, then 7 more), every page dirty.  The
 * next allocation's victim is the oldest page, g0: its write is started and
 * the allocation waits for it (81,908) and gets its frame.  One write, not
 * 32: the textbook's page replacement.
 */
START_TEST(test_textbook_victim)
{
	vm_machine_t *m = mk(TRUE);
	vm_file_t *g = vm_file_new(m, "g", 128 * PS, FALSE, TRUE);
	ck_assert_uint_eq(m->frames.nr_free, 0);
	for (unsigned i = 0; i < 128; i++)
		vm_writeback_dirty(m, g, vm_file_pfn(g, i));
	uint32_t g0 = vm_file_pfn(g, 0);
	m->alloc_wait = m->reclaim_ns = 0;
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, 1, 0x100);
	ck_assert_uint_eq(pfn, g0);
	ck_assert_uint_eq(m->disk->stats.writes, 1);
	ck_assert_uint_eq(m->c.nr_vmscan_write, 1);
	ck_assert_uint_eq(m->alloc_wait, LAT + XFER);
	ck_assert_uint_eq(m->reclaim_ns, 1000);   /* one page looked at */
	vm_machine_free(m);
}
END_TEST

static Suite *vmscan_suite(void)
{
	Suite *s = suite_create("vmscan");
	TCase *tc = tcase_create("time");
	tcase_add_test(tc, test_kswapd_clean);
	tcase_add_test(tc, test_kswapd_mapped);
	tcase_add_test(tc, test_kswapd_dirty);
	tcase_add_test(tc, test_direct_waits);
	tcase_add_test(tc, test_textbook_victim);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(vmscan_suite());
}
