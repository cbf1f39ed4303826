/*
 * Dirty pages and writeback; see writeback.h.  Modelled on
 * mm/page-writeback.c (write_cache_pages, folio_mkclean,
 * balance_dirty_pages) and fs/fs-writeback.c (wb_workfn's periodic and
 * background writeback).  A page written into a hole gets its disk block
 * only when it is written back (ext4's delayed allocation).
 */
#include "models/huge_memory.h"
#include "models/writeback.h"
#include "models/filemap.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/file.h"

static void flusher_arm(vm_machine_t *m);

void vm_writeback_dirty(vm_machine_t *m, vm_file_t *f, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	if (!(fr->flags & VM_FRAME_DIRTY) && !f->shmem) {
		fr->flags |= VM_FRAME_DIRTY;
		f->nr_dirty++;
		m->nr_dirty++;
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

uint64_t vm_writeback_range_aged(vm_machine_t *m, vm_file_t *f,
				     uint64_t start, uint64_t end,
				     uint64_t dirtied_by)
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
 * @dirtied_by (UINT64_MAX: all); returns the last completion. */
static uint64_t writeback_all(vm_machine_t *m, uint64_t dirtied_by)
{
	uint64_t last = m->now;
	for (guint k = 0; k < m->files->len && m->nr_dirty; k++) {
		vm_file_t *f = g_ptr_array_index(m->files, k);
		if (f->dead || !f->nr_dirty)
			continue;
		uint64_t done = vm_writeback_range_aged(m, f, 0, UINT64_MAX, dirtied_by);
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
			writeback_all(m, cutoff);
		if (m->nr_dirty * 100 > (uint64_t)m->frames.nr *
		    m->cfg.writeback_background_ratio)
			writeback_all(m, UINT64_MAX);
		m->c.flusher_runs++;
	}
	if (m->nr_dirty)
		flusher_arm(m);
}

uint64_t vm_writeback_balance(vm_machine_t *m)
{
	uint64_t total = m->frames.nr;
	if (m->nr_dirty * 100 > total * m->cfg.writeback_dirty_ratio) {
		/* balance_dirty_pages: the writer waits for writeback */
		m->c.dirty_throttles++;
		return writeback_all(m, UINT64_MAX);
	}
	if (m->nr_dirty * 100 > total * m->cfg.writeback_background_ratio)
		writeback_all(m, UINT64_MAX);   /* background: nobody waits */
	return m->now;
}
