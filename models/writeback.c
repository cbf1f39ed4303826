/*
 * Dirty pages and writeback; see writeback.h.  Modelled on
 * mm/page-writeback.c (write_cache_pages, folio_mkclean,
 * balance_dirty_pages) and fs/fs-writeback.c (wb_workfn's periodic and
 * background writeback).  A page written into a hole gets its disk block
 * only when it is written back (ext4's delayed allocation).
 *
 * Two dirty domains, as balance_dirty_pages has them: the machine's
 * (gdtc: writeback.dirty_ratio and background_ratio of its memory) and,
 * with cgroup.version=2, the writer's memory cgroup's (mdtc: the same
 * ratios of what the cgroup could hold, mdtc_calc_avail):
 *
 *   avail = file + min(headroom, other_clean)
 *     file        the cgroup's page-cache pages
 *     headroom    min(max, high) - its usage
 *     other_clean the machine's clean memory outside the cgroup
 *                 (memory - dirty pages - the cgroup's clean file pages)
 *
 * A 32 MiB cgroup holding only page cache has avail = 8192 pages: a writer
 * in it waits once its cgroup has more than 20 % of that dirty (over 1638
 * pages), however much the machine could take.  Under cgroup v1 there is
 * no such domain (cgroup writeback needs v2) and only the machine's limits
 * apply.  Each domain writes back what it holds: the machine's every
 * dirty page, the cgroup's its own (Linux's memcg domain writes the
 * inodes of its bdi_writeback; the model picks the pages by their
 * charge).
 */
#include "models/huge_memory.h"
#include "models/writeback.h"
#include "models/filemap.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/file.h"
#include "models/memcg.h"

static void flusher_arm(vm_machine_t *m);

void vm_writeback_dirty(vm_machine_t *m, vm_file_t *f, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	if (!(fr->flags & VM_FRAME_DIRTY) && !f->shmem) {
		fr->flags |= VM_FRAME_DIRTY;
		f->nr_dirty++;
		m->nr_dirty++;
		vm_memcg_dirty(m, pfn, 1);
		vm_file_set_dirtied(f, fr->index, m->now);
		flusher_arm(m);
	}
}

/* folio_mkclean: write-protect every PTE that maps the page, so the next
 * write faults and dirties it again. */
static void mkclean(vm_machine_t *m, vm_file_t *f, uint64_t idx, uint32_t pfn)
{
	for (uint32_t i = 0; i < m->nr_procs && m->frames.f[pfn].mapcount; i++) {
		vm_proc_t *p = m->procs[i];
		if (p->state != VM_PROC_RUNNING)
			continue;
		for (uint32_t k = 0; k < p->nr_vma; k++) {
			uint64_t vpn;
			if (p->vma[k].file != (int32_t)f->id || !vm_file_vma_vpn(&p->vma[k], idx, &vpn))
				continue;
			uint64_t *pte = vm_pt_lookup(&m->pt, p->root, vpn);
			if (!pte && G_UNLIKELY(m->thp_seen)) {
				/* page_vma_mkclean_one of a PMD-mapped folio:
				 * the PMD is write-protected and cleaned */
				uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vpn);
				uint64_t n = vm_huge_nr(m);
				if (pmd && (*pmd & VM_PTE_HUGE) && (*pmd & VM_PTE_W) &&
				    VM_PTE_PFN(*pmd) <= pfn && pfn < VM_PTE_PFN(*pmd) + n) {
					*pmd &= ~(uint64_t)(VM_PTE_W | VM_PTE_D);
					vm_mmu_tlb_invalidate(m, p, vpn & ~(n - 1), n);
				}
				continue;
			}
			if (pte && (*pte & VM_PTE_P) && VM_PTE_PFN(*pte) == pfn &&
			    (*pte & VM_PTE_W)) {
				*pte &= ~(uint64_t)(VM_PTE_W | VM_PTE_D);
				vm_mmu_tlb_invalidate(m, p, vpn, 1);
			}
		}
	}
}

uint64_t vm_writeback_range(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t end)
{
	return vm_writeback_range_aged(m, f, start, end, UINT64_MAX);
}

/* vm_writeback_range_aged for the pages charged to cgroup @memcg only
 * (0: every page). */
static uint64_t writeback_range(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t end, uint64_t dirtied_by, uint16_t memcg);

uint64_t vm_writeback_range_aged(vm_machine_t *m, vm_file_t *f,
				     uint64_t start, uint64_t end,
				     uint64_t dirtied_by)
{
	return writeback_range(m, f, start, end, dirtied_by, 0);
}

static uint64_t writeback_range(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t end, uint64_t dirtied_by, uint16_t memcg)
{
	if (f->shmem || !f->nr_dirty)
		return m->now;
	/* the run's blocks, their pages and their completions, in scratch:
	 * no more of them than the file has dirty pages */
	size_t nr = 0, cap = end > start ? MIN(end - start, f->nr_dirty) : 0;
	size_t o_idxs = vm_scratch_after(0, cap, sizeof(uint64_t));
	size_t o_done = vm_scratch_after(o_idxs, cap, sizeof(uint64_t));
	char *buf = vm_scratch_get(&m->scratch_wb,
				   vm_scratch_after(o_done, cap, sizeof(uint64_t)));
	uint64_t *blocks = (uint64_t *)buf;
	uint64_t *idxs = (uint64_t *)(buf + o_idxs);
	uint64_t *done = (uint64_t *)(buf + o_done);
	/* the cached pages only: a range as large as the file costs what the
	 * file has in memory */
	uint32_t pfn;
	for (uint64_t i = start; i < end && vm_file_next_cached(f, &i, &pfn) && i < end;
	     i++) {
		if (!(m->frames.f[pfn].flags & VM_FRAME_DIRTY))
			continue;
		if (memcg && m->frames.f[pfn].memcg != memcg)
			continue;   /* another domain's */
		if (dirtied_by != UINT64_MAX && vm_file_dirtied(f, i) > dirtied_by)
			continue;   /* not old enough for the flusher */
		if (vm_file_block(f, i) == VM_BLOCK_NONE) {
			/* delayed allocation: the block comes with writeback */
			vm_file_set_block(f, i, m->next_block++);
			f->nr_blocks++;
		}
		g_assert(nr < cap);
		blocks[nr] = vm_file_block(f, i);
		idxs[nr] = i;
		nr++;
		m->frames.f[pfn].flags &= ~VM_FRAME_DIRTY;
		f->nr_dirty--;
		m->nr_dirty--;
		vm_memcg_dirty(m, pfn, -1);
		mkclean(m, f, i, pfn);
	}
	uint64_t last = m->now;
	if (nr) {
		last = vm_filemap_submit_blocks(m, blocks, nr, VM_DISK_WRITE, done);
		for (size_t k = 0; k < nr; k++)
			vm_file_set_wb_done(f, idxs[k], done[k]);
	}
	vm_scratch_put(&m->scratch_wb);
	return last;
}

/* Write back, in every file, the dirty pages dirtied at or before
 * @dirtied_by (UINT64_MAX: all) and charged to @cg (NULL: every page);
 * returns the last completion. */
static uint64_t writeback_all(vm_machine_t *m, uint64_t dirtied_by,
			      const vm_memcg_t *cg)
{
	uint64_t last = m->now;
	for (guint k = 0; k < m->files->len && (cg ? cg->nr_dirty : m->nr_dirty); k++) {
		vm_file_t *f = g_ptr_array_index(m->files, k);
		if (f->dead || !f->nr_dirty)
			continue;
		uint64_t done = writeback_range(m, f, 0, UINT64_MAX, dirtied_by,
						cg ? cg->id : 0);
		last = MAX(last, done);
	}
	return last;
}

/* Arm the flusher's tick after now, unless one is pending.  Ticks fall on
 * multiples of writeback.interval (wb_wakeup_delayed's dirty_writeback
 * period); one is pending only while pages are dirty, so a machine with
 * nothing to write has no events, and a run ends when its last process
 * does, not at a tick. */
static void flusher_arm(vm_machine_t *m)
{
	uint64_t interval = m->cfg.writeback_interval;
	if (!interval || m->flush_armed)
		return;   /* dirty_writeback_centisecs=0: no periodic writeback */
	m->flush_next = (m->now / interval + 1) * interval;
	m->flush_armed = TRUE;
	vm_events_push(&m->ev, m->flush_next, VM_EV_FLUSH, 0, 0);
}

void vm_writeback_flush(vm_machine_t *m)
{
	m->flush_armed = FALSE;
	/* wb_workfn: old dirty data first, then background writeback
	 * when dirty pages exceed dirty_background_ratio */
	if (m->nr_dirty) {
		uint64_t cutoff = m->now >= m->cfg.writeback_expire
			? m->now - m->cfg.writeback_expire : 0;
		if (m->now >= m->cfg.writeback_expire)
			writeback_all(m, cutoff, NULL);
		if (m->nr_dirty * 100 > (uint64_t)m->frames.nr *
		    m->cfg.writeback_background_ratio)
			writeback_all(m, UINT64_MAX, NULL);
		m->c.flusher_runs++;
	}
	if (m->nr_dirty)
		flusher_arm(m);
}

uint64_t vm_writeback_memcg_avail(const vm_machine_t *m, const vm_memcg_t *cg)
{
	/* mem_cgroup_wb_stats: its file pages, and its headroom below the
	 * lower of max and high */
	uint64_t file = vm_memcg_usage_kind(m, cg, VM_FRAME_FILE);
	uint64_t used = vm_memcg_usage(m, cg);
	uint64_t ceiling = MIN(cg->max, cg->high);
	uint64_t headroom = ceiling - MIN(ceiling, used);
	/* mdtc_calc_avail: the headroom counts as far as the machine's
	 * clean memory outside the cgroup goes (the machine's domain is
	 * its memory, as vm_writeback_balance's) */
	uint64_t clean = file - MIN(file, cg->nr_dirty);
	uint64_t global_avail = m->frames.nr;
	uint64_t global_clean = global_avail - MIN(global_avail, m->nr_dirty);
	uint64_t other_clean = global_clean - MIN(global_clean, clean);
	return file + MIN(headroom, other_clean);
}

uint64_t vm_writeback_balance(vm_machine_t *m, gboolean *memcg)
{
	*memcg = FALSE;
	uint64_t total = m->frames.nr;
	if (m->nr_dirty * 100 > total * m->cfg.writeback_dirty_ratio) {
		/* balance_dirty_pages: the writer waits for writeback */
		m->c.dirty_throttles++;
		return writeback_all(m, UINT64_MAX, NULL);
	}
	if (m->nr_dirty * 100 > total * m->cfg.writeback_background_ratio)
		writeback_all(m, UINT64_MAX, NULL);   /* background: nobody waits */
	/* the writer's cgroup's own domain: cgroup writeback (v2) only */
	vm_memcg_t *cg = m->cfg.cgroup_version == 2
		? vm_memcg_get(m, m->cur_memcg) : NULL;
	if (G_LIKELY(!cg) || !cg->nr_dirty)
		return m->now;
	uint64_t avail = vm_writeback_memcg_avail(m, cg);
	if (cg->nr_dirty * 100 > avail * m->cfg.writeback_dirty_ratio) {
		m->c.dirty_throttles++;
		cg->st.dirty_throttles++;
		*memcg = TRUE;
		return writeback_all(m, UINT64_MAX, cg);
	}
	if (cg->nr_dirty * 100 > avail * m->cfg.writeback_background_ratio)
		writeback_all(m, UINT64_MAX, cg);
	return m->now;
}
