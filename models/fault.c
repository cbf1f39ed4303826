/*
 * The page-fault handler, modelled on Linux's mm/memory.c:
 *
 *   handle_mm_fault
 *     ├─ no VMA, or VMA forbids the access ──────────► SIGSEGV (bad_area)
 *     ├─ PTE not present, anonymous VMA
 *     │    ├─ read/exec: map the shared zero page ───► zero  (do_anonymous_page)
 *     │    └─ write: allocate and zero a page ───────► minor (do_anonymous_page)
 *     └─ PTE present but write-protected (do_wp_page)
 *          ├─ the zero page: new zeroed page ────────► minor (wp_page_copy)
 *          ├─ page mapped by others: copy it ────────► cow   (wp_page_copy)
 *          └─ page mapped by us alone: reuse it ─────► minor (wp_page_reuse)
 *
 * Every resolved fault fills the TLBs (docs/format.md (outcomes)) and charges
 * cost.minor_fault, plus cost.page_copy when it zeroes or copies a page,
 * plus cost.map_pte for each PTE it maps besides its own (fault-around, a
 * large folio).
 * Missing page-table levels are allocated on the way down (__pte_alloc);
 * with mmu.pt_frames they take frames too.
 *
 * A PTE holding a swap entry is swapped in (do_swap_page, swap.c's slots):
 * a major fault that waits for the disk.
 *
 * A read fault on a page of a large page-cache folio maps the whole folio
 * (finish_fault and filemap_map_pages since Linux 6.18) when it lies inside
 * the VMA, one page-table page and the file: one fault per folio; so does
 * a write fault on a shared mapping, writable and dirty (do_shared_fault).
 * A copy-on-write fault copies its one page, and a write to a page mapped
 * read-only write-enables that page alone (wp_page_shared).
 *
 * Left out for now: userfaultfd, transparent huge pages (PMD mappings).
 */
#include "models/fault.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"
#include "models/swap.h"
#include "models/mm.h"

static const uint8_t need_prot[3] = { VM_PROT_R, VM_PROT_W, VM_PROT_X };

static uint64_t prot_bits(uint32_t prot)
{
	uint64_t b = 0;
	if (prot & VM_PROT_R)
		b |= VM_PTE_R;
	if (prot & VM_PROT_W)
		b |= VM_PTE_W;
	if (prot & VM_PROT_X)
		b |= VM_PTE_X;
	return b;
}

static void account(vm_machine_t *m, vm_proc_t *p, vm_result_t *res,
		    vm_outcome_t out, vm_why_t why)
{
	res->outcome = (uint8_t)out;
	res->why = (uint8_t)why;
	switch (out) {
	case VM_OUT_MINOR:
		m->c.minflt++;
		p->minflt++;
		break;
	case VM_OUT_ZERO:
		m->c.minflt++;
		m->c.zero_maps++;
		p->minflt++;
		break;
	case VM_OUT_COW:
		m->c.minflt++;
		m->c.cow_faults++;
		p->minflt++;
		p->cow_faults++;
		break;
	case VM_OUT_MAJOR:
		m->c.majflt++;
		p->majflt++;
		break;
	case VM_OUT_SIGSEGV:
		m->c.sigsegv++;
		p->sigsegv++;
		break;
	case VM_OUT_SIGBUS:
		m->c.sigbus++;
		p->sigbus++;
		break;
	default:
		break;
	}
}

/*
 * A new anonymous page for @p at @vpn, mapped once, zeroed or copied (both
 * cost cost.page_copy).  Returns its PTE with @perm, or 0 when no frame is
 * free.
 */
static uint64_t new_anon_page(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			      uint64_t perm, vm_result_t *res)
{
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, p->pid, vpn);
	if (pfn == VM_NIL)
		return 0;
	m->frames.f[pfn].flags |= VM_FRAME_DIRTY;
	m->frames.f[pfn].mapcount = 1;
	p->rss_anon++;
	vm_reclaim_add(m->reclaim, pfn);
	res->cost += m->cfg.cost_page_copy;
	return VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | perm);
}

/*
 * do_swap_page: the PTE holds a swap entry.  The page is found in the swap
 * cache (a minor fault, waiting only if its read is still in flight) or read
 * from the disk with the cluster around it (a major fault); either way it is
 * mapped and this PTE's entry dropped.  It stays in the swap cache, mapped
 * read-only, unless this was the slot's last entry and the fault a write or
 * swap is more than half full: then the slot is freed and the page, ours
 * alone, mapped writable on a write.  A write to a slot that others still
 * hold gets a copy at once (do_swap_page then do_wp_page's copy).
 * Returns the new PTE, or 0 when no frame could be had.
 */
static uint64_t swap_in(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			uint64_t pte, uint64_t perm, vm_acc_t acc,
			vm_result_t *res, vm_outcome_t *out, vm_why_t *why)
{
	uint32_t slot = (uint32_t)VM_PTE_PFN(pte);
	uint32_t pfn = m->swap_cache[slot];
	if (pfn != VM_NIL) {
		vm_frame_t *f = &m->frames.f[pfn];
		*out = VM_OUT_MINOR;
		*why = VM_WHY_SWAPCACHE;
		m->c.swapcache_hits++;
		if (f->flags & VM_FRAME_RA_UNUSED) {
			f->flags &= ~VM_FRAME_RA_UNUSED;
			m->c.swap_ra_hits++;
		}
		if (vm_frame_read_done(f) > m->now + res->cost)
			res->ready_at = f->io_done;   /* its read is in flight */
	} else {
		uint64_t ready = 0, ra = m->c.swap_ra;
		pfn = vm_swap_read(m, p, vpn, slot, m->now + res->cost, &ready);
		res->ra_pages = (uint32_t)(m->c.swap_ra - ra);
		if (pfn == VM_NIL)
			return 0;
		res->ready_at = ready;
		*out = VM_OUT_MAJOR;
		*why = VM_WHY_SWAPIN;
	}
	vm_frame_t *f = &m->frames.f[pfn];
	if (acc == VM_ACC_W && (m->swap_map[slot] > 1 || f->mapcount)) {
		/* others hold the slot or map the page: they keep the cached
		 * page, we get a copy.  The copy's allocation must not evict the original
		 * (Linux holds a reference to it). */
		gboolean listed = vm_reclaim_remove(m->reclaim, pfn);
		uint64_t copy = new_anon_page(m, p, vpn, perm, res);
		if (listed)
			vm_reclaim_add(m->reclaim, pfn);
		if (!copy)
			return 0;
		vm_swap_put(m, slot);
		p->swap_pages--;
		return copy;
	}
	if (!f->mapcount) {
		/* read ahead, or left by processes that are gone: it
		 * belongs to the process that maps it first */
		f->owner = p->pid;
		f->index = vpn;
	}
	f->mapcount++;
	p->rss_anon++;
	vm_swap_put(m, slot);
	p->swap_pages--;
	if (!m->swap_map[slot] && (acc == VM_ACC_W || vm_swap_full(m)) &&
	    f->mapcount == 1) {
		/* the slot is freed, so memory holds the only copy: the page
		 * is dirty (would have to be written again) */
		vm_swap_cache_del(m, pfn);
		f->flags |= VM_FRAME_DIRTY;
		if (acc == VM_ACC_W)
			return VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | perm);
		/* a read maps it read-only all the same: a later write
		 * faults, and reuses it (do_swap_page maps writable only on a
		 * write fault) */
	}
	return VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A |
			   (perm & ~(uint64_t)VM_PTE_W));
}

static void oom(vm_machine_t *m, vm_proc_t *p, vm_result_t *res)
{
	(void)m;
	(void)p;
	res->oom = 1;
	res->outcome = VM_OUT_NONE;
	res->why = VM_WHY_OOM;
}

static gboolean ra_cached(void *ctx, uint64_t index)
{
	return vm_filemap_find(ctx, index) != VM_NIL;
}

/* Map page @idx (frame @pfn, up to date) of @f at @a, read-only (@perm). */
static void map_one(vm_machine_t *m, vm_proc_t *p, uint64_t a, uint32_t pfn,
		    uint64_t *slot, uint64_t perm)
{
	vm_pt_leaf_set(&m->pt, p->root, a, slot, VM_PTE_MAKE(pfn, VM_PTE_P | perm));
	if (perm & VM_PTE_D)   /* a write fault's folio: dirty as a whole */
		vm_writeback_dirty(m, vm_file_get(m, (int32_t)m->frames.f[pfn].owner), pfn);
	m->frames.f[pfn].mapcount++;
	p->rss_file++;
	vm_filemap_used(m, pfn);
}

/*
 * The pages of the large folio holding page @idx that one fault maps
 * (filemap_map_folio_range and finish_fault since 6.18): the whole folio
 * when it lies inside the VMA, one page-table page and the file; else only
 * [@lo, @hi) of it.  Maps those not mapped yet except @skip (the faulting
 * page, the caller's); returns how many, and in *end the virtual page
 * after the folio's last.
 *
 * @around: for fault-around, "inside the file" is 6.18's test
 * file_end >= folio_next_index with file_end the index of the last page,
 * so a folio that ends at EOF is mapped only within the window: measured,
 * a 64 MiB file written in 1 MiB folios costs 63 faults for its first 63
 * MiB and 16 for the last one (79).  A folio as large as a page-table
 * page is mapped whole all the same (measured: a file written in 2 MiB
 * folios costs 32 faults; Linux maps such a folio with one PMD entry,
 * vmscope, without huge mappings, with its PTEs).
 */
static uint32_t map_folio(vm_machine_t *m, vm_proc_t *p, const vm_vma_t *v,
			  vm_file_t *f, uint64_t idx, uint64_t lo, uint64_t hi,
			  uint64_t skip, uint64_t perm, gboolean around,
			  uint64_t *end)
{
	uint64_t head = vm_file_folio_head(f, idx);
	uint64_t n = (uint64_t)1 << vm_file_folio_order(f, idx);
	uint64_t table = (uint64_t)1 << m->pt.bits[m->pt.levels - 1];
	*end = v->start + (head + n - v->pgoff);   /* may pass v->end */
	if (head >= v->pgoff) {
		uint64_t fa = v->start + (head - v->pgoff);
		if (fa + n <= v->end && fa / table == (fa + n - 1) / table &&
		    head + n + (around && n < table ? 1 : 0) <=
		    vm_file_pages(f, m->page_shift)) {
			lo = fa;
			hi = fa + n;
		}
	}
	uint32_t mapped = 0;
	if (!around) {
		/* finish_fault maps the folio only where no PTE is there yet
		 * (pte_range_none); else the faulting page alone */
		for (uint64_t a = lo; a < hi; a++) {
			uint64_t *slot = a == skip ? NULL : vm_pt_lookup(&m->pt, p->root, a);
			if (slot && *slot)
				return 0;
		}
	}
	for (uint64_t a = lo; a < hi; a++) {
		uint64_t i = v->pgoff + (a - v->start);
		if (a == skip || i < head || i >= head + n)
			continue;
		uint64_t *slot = vm_pt_lookup(&m->pt, p->root, a);
		if (!slot || *slot)
			continue;
		map_one(m, p, a, vm_file_pfn(f, i), slot, perm);
		mapped++;
	}
	return mapped;
}

/*
 * do_fault_around: map the neighbours of a read fault that are cached, up to
 * date at @when, unlocked and unmarked, in a fault_around window aligned in the
 * virtual address, inside the VMA, one page-table page and the file.  A
 * neighbour in a large folio brings the whole folio (map_folio).
 */
static uint32_t fault_around(vm_machine_t *m, vm_proc_t *p, const vm_vma_t *v,
			     vm_file_t *f, uint64_t vpn, uint64_t perm,
			     uint64_t when)
{
	uint64_t nr = m->cfg.readahead_fault_around >> m->page_shift;
	if (nr <= 1)
		return 0;
	uint64_t lo = vpn & ~(nr - 1), hi = lo + nr;
	uint64_t table = (uint64_t)1 << m->pt.bits[m->pt.levels - 1];
	uint64_t tlo = vpn & ~(table - 1), thi = tlo + table;
	lo = MAX(lo, MAX(v->start, tlo));
	hi = MIN(hi, MIN(v->end, thi));
	uint64_t pages = vm_file_pages(f, m->page_shift);
	uint32_t mapped = 0;
	for (uint64_t a = lo; a < hi; a++) {
		uint64_t idx = v->pgoff + (a - v->start);
		if (a == vpn || idx >= pages)
			continue;
		uint32_t pfn = vm_filemap_find(f, idx);
		if (pfn == VM_NIL)
			continue;
		if (G_UNLIKELY(vm_file_folio_order(f, idx))) {
			/* the folio's state is its head's */
			vm_frame_t *hf = &m->frames.f[vm_filemap_head(f, idx)];
			uint64_t end;
			uint32_t n = 0;
			if (vm_frame_read_done(hf) <= when && !(hf->flags & VM_FRAME_READAHEAD))
				n = map_folio(m, p, v, f, idx, lo, hi, vpn, perm,
					      TRUE, &end);
			else
				end = v->start + (vm_file_folio_head(f, idx) +
						  ((uint64_t)1 << vm_file_folio_order(f, idx)) -
						  v->pgoff);
			mapped += n;
			a = end - 1;
			continue;
		}
		vm_frame_t *fr = &m->frames.f[pfn];
		if (vm_frame_read_done(fr) > when || (fr->flags & VM_FRAME_READAHEAD))
			continue;
		uint64_t *slot = vm_pt_lookup(&m->pt, p->root, a);
		if (!slot || *slot)
			continue;
		map_one(m, p, a, pfn, slot, perm);
		mapped++;
	}
	m->c.fault_around_maps += mapped;
	return mapped;
}

/*
 * A fault on a file (or shmem) mapping: filemap_fault, then do_read_fault
 * (map it, fault around), do_shared_fault (write-enable and dirty it) or
 * do_cow_fault (copy it into a private anonymous page).
 */
static void file_fault(vm_machine_t *m, vm_proc_t *p, vm_vma_t *v, uint64_t vpn,
		       vm_acc_t acc, uint64_t *slot, vm_result_t *res)
{
	vm_file_t *f = vm_file_get(m, v->file);
	uint64_t idx = v->pgoff + (vpn - v->start);
	uint64_t perm = prot_bits(v->prot);
	gboolean shared = (v->flags & VM_MAP_SHARED) != 0;
	uint64_t pte = *slot;

	if (idx >= vm_file_pages(f, m->page_shift)) {
		account(m, p, res, VM_OUT_SIGBUS, VM_WHY_SIGBUS);
		return;
	}
	if (pte & VM_PTE_P) {
		/* a write to a page mapped read-only */
		uint64_t pfn = VM_PTE_PFN(pte);
		vm_frame_t *fr = &m->frames.f[pfn];
		if (fr->kind == VM_FRAME_FILE && shared) {
			vm_writeback_dirty(m, f, (uint32_t)pfn);
			uint64_t newpte = pte | VM_PTE_W | VM_PTE_D | VM_PTE_A;
			*slot = newpte;
			vm_mmu_tlb_fill(m, p, vpn, newpte);
			res->pfn = (uint32_t)pfn;
			account(m, p, res, VM_OUT_MINOR, VM_WHY_SHARED_WRITE);
			return;
		}
		if (fr->kind == VM_FRAME_FILE) {
			/* private: wp_page_copy from the page-cache page */
			gboolean listed = vm_reclaim_remove(m->reclaim, (uint32_t)pfn);
			uint64_t newpte = new_anon_page(m, p, vpn, perm, res);
			if (listed && fr->kind == VM_FRAME_FILE)
				vm_reclaim_add(m->reclaim, (uint32_t)pfn);
			if (!newpte) {
				oom(m, p, res);
				return;
			}
			fr->mapcount--;
			p->rss_file--;
			*slot = newpte;
			vm_mmu_tlb_fill(m, p, vpn, newpte);
			res->pfn = (uint32_t)VM_PTE_PFN(newpte);
			account(m, p, res, VM_OUT_COW, VM_WHY_PRIVATE_COPY);
			return;
		}
		return;   /* anonymous copies are the anonymous path's */
	}

	/* filemap_fault: find the page, or read it with readahead */
	vm_ra_query_t q = { .cached = ra_cached, .ctx = f,
			    .nr_pages = vm_file_pages(f, m->page_shift) };
	uint32_t pfn = vm_filemap_find(f, idx);
	/* do_read_fault tries fault-around first: it maps the faulting page
	 * itself when its folio is up to date and unmarked; otherwise the
	 * fault goes on to filemap_fault and finish_fault */
	gboolean by_around = FALSE;
	gboolean shared_write_folio = FALSE;
	uint64_t ready = m->now;
	vm_why_t why;
	if (pfn == VM_NIL) {
		vm_ra_window_t w = vm_ra_mmap_fault_miss(&m->ra, &f->ra, &q, idx,
							 (vm_madv_t)v->advice);
		uint32_t ra_pages = 0;
		pfn = vm_filemap_fill_order(m, f, idx, w.start, w.nr, w.marker,
					      w.order, &ready, &ra_pages);
		if (p->state != VM_PROC_RUNNING) {
			/* the OOM killer took this very process while it
			 * read: its tables are gone, the fault ends here */
			oom(m, p, res);
			return;
		}
		if (pfn == VM_NIL) {
			oom(m, p, res);
			return;
		}
		res->ra_pages = ra_pages;
		res->ra_reason = (uint8_t)w.reason;
		/* shmem has no disk: a new page is a minor fault (tmpfs) */
		res->file_major = !f->shmem;
		why = vm_file_block(f, idx) == VM_BLOCK_NONE ? VM_WHY_FILE_HOLE : VM_WHY_FILE_READ;
		if (vm_file_block(f, idx) == VM_BLOCK_NONE)
			res->cost += m->cfg.cost_page_copy;   /* zero-fill */
	} else {
		vm_frame_t *fr = &m->frames.f[pfn];
		/* PG_readahead is the folio's: its head carries it */
		vm_frame_t *hf = &m->frames.f[vm_filemap_head(f, idx)];
		gboolean marker = (hf->flags & VM_FRAME_READAHEAD) != 0;
		by_around = !marker && vm_frame_read_done(hf) <= m->now &&
			    m->cfg.readahead_fault_around >> m->page_shift > 1;
		q.marker_folio = (uint64_t)1 << vm_file_folio_order(f, idx);
		vm_ra_window_t w = vm_ra_mmap_fault_hit(&m->ra, &f->ra, &q, idx,
							(vm_madv_t)v->advice, marker);
		if (w.clear_marker)
			hf->flags &= ~VM_FRAME_READAHEAD;
		if (w.nr) {
			uint64_t r2;
			uint32_t ra_pages = 0;
			/* the async readahead allocates, and its reclaim
			 * must not take the very page this fault maps (Linux
			 * holds a reference to the folio across it) */
			fr->flags |= VM_FRAME_LOCKED;
			vm_filemap_fill_order(m, f, idx, w.start, w.nr, w.marker,
						w.order, &r2, &ra_pages);
			if (p->state != VM_PROC_RUNNING) {
				fr->flags &= ~VM_FRAME_LOCKED;
				oom(m, p, res);
				return;
			}
			res->ra_pages = ra_pages;
			res->ra_reason = (uint8_t)w.reason;
		}
		ready = MAX(vm_frame_read_done(fr), m->now);
		why = ready > m->now ? VM_WHY_FILE_LOCKED : VM_WHY_FILE_CACHED;
	}
	vm_frame_t *fr = &m->frames.f[pfn];
	fr->flags &= ~VM_FRAME_LOCKED;   /* the process waits until io_done */
	vm_filemap_used(m, pfn);
	if (ready > m->now)
		res->ready_at = ready;

	uint64_t newpte;
	vm_outcome_t out = res->file_major ? VM_OUT_MAJOR : VM_OUT_MINOR;
	if (acc == VM_ACC_W && !shared) {
		/* do_cow_fault: the file never sees this write */
		gboolean listed = vm_reclaim_remove(m->reclaim, pfn);
		newpte = new_anon_page(m, p, vpn, perm, res);
		if (listed)
			vm_reclaim_add(m->reclaim, pfn);
		if (!newpte) {
			oom(m, p, res);
			return;
		}
		out = VM_OUT_COW;
		why = VM_WHY_PRIVATE_COPY;
	} else if (acc == VM_ACC_W || f->shmem) {
		/* do_shared_fault, or shmem, whose reads map it writable */
		if (acc == VM_ACC_W)
			vm_writeback_dirty(m, f, pfn);
		newpte = VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | perm |
				     (acc == VM_ACC_W ? VM_PTE_D : 0));
		if (acc != VM_ACC_W && !f->shmem)
			newpte &= ~(uint64_t)VM_PTE_W;
		fr->mapcount++;
		p->rss_file++;
		if (acc == VM_ACC_W && G_UNLIKELY(vm_file_folio_order(f, idx)))
			shared_write_folio = TRUE;
	} else {
		/* do_read_fault: read-only until the first write (shared) or
		 * for good (private: a write copies) */
		newpte = VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A |
				     (perm & ~(uint64_t)VM_PTE_W));
		fr->mapcount++;
		p->rss_file++;
	}
	vm_pt_leaf_set(&m->pt, p->root, vpn, slot, newpte);
	if (shared_write_folio) {
		/* do_shared_fault's finish_fault (6.18): the whole folio,
		 * writable and dirty (measured: writing every page of a file
		 * cached in 1 MiB folios through MAP_SHARED costs one fault
		 * per MiB) */
		uint64_t end;
		uint32_t n = map_folio(m, p, v, f, idx, vpn, vpn + 1, vpn,
				       perm | VM_PTE_A | VM_PTE_D, FALSE, &end);
		m->c.fault_around_maps += n;
		res->around += n;
	}
	if (acc != VM_ACC_W) {
		uint64_t rperm = f->shmem ? perm : perm & ~(uint64_t)VM_PTE_W;
		/* With the folio model on (a 6.16+ kernel, per-VMA locks): a
		 * fault that must wait for its folio's read drops the lock,
		 * waits and is retried (VM_FAULT_RETRY; the first attempt is
		 * not counted, the retry is major after a read it started),
		 * and the retry finds the folio up to date and faults around.
		 * Measured: a cold scan's 4 KiB-folio window costs one fault
		 * per 16 pages, none more for pages still being read. */
		gboolean retry = m->folio_order && ready > m->now;
		if (G_UNLIKELY(vm_file_folio_order(f, idx)) && !by_around && !retry) {
			/* finish_fault: the rest of a marked folio, which
			 * fault-around skips */
			uint64_t end;
			uint32_t n = map_folio(m, p, v, f, idx, vpn, vpn + 1,
					       vpn, rperm, FALSE, &end);
			m->c.fault_around_maps += n;
			res->around += n;
		}
		res->around += fault_around(m, p, v, f, vpn, rperm,
					    retry ? ready : m->now);
	}
	vm_mmu_tlb_fill(m, p, vpn, newpte);
	res->pfn = (uint32_t)VM_PTE_PFN(newpte);
	account(m, p, res, out, why);
	if (out == VM_OUT_COW && res->file_major) {
		/* a cow that first had to read the page counts as major */
		m->c.minflt--;
		p->minflt--;
		m->c.majflt++;
		p->majflt++;
	}
}

static void fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			 vm_acc_t acc, vm_result_t *res);

void vm_fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		     vm_acc_t acc, vm_result_t *res)
{
	m->cur_pid = p->pid;
	m->cur_killed = FALSE;
	m->alloc_wait = 0;
	m->reclaim_ns = 0;
	fault_handle(m, p, vpn, acc, res);
	/* filemap_map_pages and finish_fault set each PTE of the window or
	 * folio: on a host where that is dear (a paravirtualized MMU traps
	 * each one) a fault that maps 256 costs far more than one that maps 1 */
	res->cost += (uint64_t)res->around * m->cfg.cost_map_pte;
	/* direct reclaim's CPU time is the faulting process's, and so is any
	 * wait for a pageout its allocations had to make */
	res->cost += m->reclaim_ns;
	if (m->alloc_wait > m->now && m->alloc_wait > res->ready_at)
		res->ready_at = m->alloc_wait;
	m->cur_pid = 0;
	m->cur_killed = FALSE;
}

static void fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			 vm_acc_t acc, vm_result_t *res)
{
	res->cost += m->cfg.cost_minor_fault;
	vm_vma_t *v = vm_mm_find_vma(p, vpn);
	if (!v) {
		account(m, p, res, VM_OUT_SIGSEGV, VM_WHY_NO_VMA);
		return;
	}
	if (!(v->prot & need_prot[acc])) {
		account(m, p, res, VM_OUT_SIGSEGV, VM_WHY_PROT);
		return;
	}
	unsigned nr_new = 0;
	uint64_t *slot = vm_pt_ensure(&m->pt, p->root, vpn, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	res->new_tables = (uint8_t)nr_new;
	if (!slot) {
		oom(m, p, res);
		return;
	}
	if (v->file >= 0 && !(*slot & VM_PTE_SWAP) &&
	    !((*slot & VM_PTE_P) &&
	      m->frames.f[VM_PTE_PFN(*slot)].kind == VM_FRAME_ANON)) {
		file_fault(m, p, v, vpn, acc, slot, res);
		return;
	}

	uint64_t pte = *slot;
	uint64_t perm = prot_bits(v->prot);
	uint64_t newpte;
	vm_outcome_t out;
	vm_why_t why;

	if (pte & VM_PTE_SWAP) {
		newpte = swap_in(m, p, vpn, pte, perm, acc, res, &out, &why);
	} else if (!(pte & VM_PTE_P)) {
		if (acc != VM_ACC_W && m->cfg.zero_page) {
			/* do_anonymous_page: reads map the zero page,
			 * read-only so that the first write faults */
			newpte = VM_PTE_MAKE(VM_PFN_ZERO, VM_PTE_P | VM_PTE_A |
					     (perm & ~(uint64_t)VM_PTE_W));
			out = VM_OUT_ZERO;
			why = VM_WHY_ZERO_PAGE;
		} else {
			/* a write, or a read without the zero page: a
			 * zeroed page of its own, writable if the VMA is,
			 * so a later write does not fault */
			newpte = new_anon_page(m, p, vpn, perm, res);
			out = VM_OUT_MINOR;
			why = VM_WHY_ANON_NEW;
		}
	} else {
		/* present: only a write to a write-protected page gets here,
		 * since the PTE's other permissions follow the VMA's */
		g_assert(acc == VM_ACC_W && !(pte & VM_PTE_W));
		uint64_t old = VM_PTE_PFN(pte);
		if (old == VM_PFN_ZERO) {
			newpte = new_anon_page(m, p, vpn, perm, res);
			out = VM_OUT_MINOR;
			why = VM_WHY_ZERO_REPLACED;
		} else if (m->frames.f[old].mapcount > 1 ||
			   (m->frame_slot[old] != VM_NIL &&
			    m->swap_map[m->frame_slot[old]])) {
			/* shared with other PTEs, or with swap entries that
			 * will map the cached page later */
			/* isolate the page being copied, so that the
			 * allocation's reclaim cannot evict it under us (Linux
			 * holds a reference to it) */
			gboolean listed = vm_reclaim_remove(m->reclaim, (uint32_t)old);
			newpte = new_anon_page(m, p, vpn, perm, res);
			if (listed)
				vm_reclaim_add(m->reclaim, (uint32_t)old);
			if (newpte) {
				/* the copy replaces our share of the old page */
				if (!--m->frames.f[old].mapcount)
					vm_swap_unmapped(m, (uint32_t)old);
				p->rss_anon--;
			}
			out = VM_OUT_COW;
			why = VM_WHY_COW_COPY;
		} else {
			/* ours alone: reuse it; a swap-cache page leaves the
			 * cache and its slot is freed (folio_free_swap), as
			 * the write makes the copy on disk stale */
			why = VM_WHY_COW_REUSE;
			if (m->frame_slot[old] != VM_NIL) {
				vm_swap_cache_del(m, (uint32_t)old);
				why = VM_WHY_SWAP_REUSE;
			}
			m->frames.f[old].flags |= VM_FRAME_DIRTY;
			newpte = pte | VM_PTE_W | VM_PTE_A | VM_PTE_D;
			out = VM_OUT_MINOR;
		}
	}
	if (!newpte) {
		oom(m, p, res);
		return;
	}
	vm_pt_leaf_set(&m->pt, p->root, vpn, slot, newpte);
	vm_mmu_tlb_fill(m, p, vpn, newpte);
	res->pfn = (uint32_t)VM_PTE_PFN(newpte);
	account(m, p, res, out, why);
}
