/*
 * The page-fault handler, modelled on Linux's mm/memory.c, one function for
 * each of Linux's (the names are Linux's), a struct vm_fault (fault.h)
 * carried down the calls:
 *
 *   vm_fault_handle ─ handle_mm_fault
 *     ├─ no VMA, or the VMA forbids the access: bad_area ────► SIGSEGV
 *     ├─ page-table levels missing: __pte_alloc (no frame: OOM)
 *     └─ handle_pte_fault
 *          ├─ PTE holds a swap entry: do_swap_page ──────────► major (read),
 *          │                                             minor (swap cache)
 *          ├─ PTE none, anonymous VMA: do_anonymous_page
 *          │    ├─ read/exec: map the shared zero page ──────► zero
 *          │    └─ write: allocate and zero a page ──────────► minor
 *          ├─ PTE none, file or shmem VMA: do_fault (past EOF: SIGBUS)
 *          │    ├─ read/exec:     do_read_fault   ┐ filemap_fault (filemap.c)
 *          │    ├─ private write: do_cow_fault    ├ finds or reads the page,
 *          │    └─ shared write:  do_shared_fault ┘ finish_fault sets the PTE
 *          │                                        ──► major (read), minor,
 *          │                                            cow (private write)
 *          └─ PTE present but write-protected: do_wp_page
 *               ├─ shared file page: wp_page_shared ────────► minor
 *               ├─ the zero page, a page mapped by others,
 *               │  a private file page: wp_page_copy ───────► minor or cow
 *               └─ an anonymous page only we map: wp_page_reuse ─► minor
 *
 * Each step writes the outcome and its reason into the result record where
 * it decides them, and counts what it decided (zero_maps, cow_faults,
 * sigsegv, sigbus; the readahead and fault-around counters where the pages
 * are read and mapped).  A step that read the page from the disk says so
 * with VM_FAULT_MAJOR (filemap_fault, do_swap_page), and the fault counts
 * once, at the end, as major or minor (mm_account_fault), as Linux counts
 * a task's maj_flt and min_flt: a private write that first read the page
 * is a major cow fault.
 *
 * A resolved fault returns the PTE it set, with which the MMU fills the
 * TLBs (mmu.c; docs/format.md (outcomes)).  Every fault charges
 * cost.minor_fault, plus cost.page_copy when it zeroes or copies a page,
 * plus cost.map_pte for each PTE it maps besides its own (fault-around, a
 * large folio).  Missing page-table levels are allocated on the way down;
 * with mmu.pt_frames they take frames too.
 *
 * A read fault on a page of a large page-cache folio maps the whole folio
 * (finish_fault and filemap_map_pages since Linux 6.18) when it lies inside
 * the VMA, one page-table page and the file: one fault per folio; so does
 * a write fault on a shared mapping, writable and dirty (do_shared_fault).
 * A copy-on-write fault copies its one page, and a write to a page mapped
 * read-only write-enables that page alone (wp_page_shared).
 *
 * With transparent huge pages on (thp.enabled), an anonymous fault first
 * asks huge_memory.c (create_huge_pmd, wp_huge_pmd), which maps a whole
 * aligned 2 MiB range by its PMD, or splits one, or falls back to the PTE
 * path below (VM_FAULT_FALLBACK).  A file or shmem fault, where their
 * folios may be mapped by PMD (m->thp_file), goes through
 * do_huge_file_fault first: a 2 MiB folio, aligned and whole, is mapped
 * by one PMD entry (do_set_pmd); otherwise the PTE path goes on with the
 * page filemap_fault found.
 *
 * Left out for now: userfaultfd.
 */
#include "models/memcg.h"
#include "models/fault.h"
#include "models/mmu.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"
#include "models/swap.h"
#include "models/workingset.h"
#include "models/huge_memory.h"

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

static inline void set_outcome(vm_result_t *res, vm_outcome_t out, vm_why_t why)
{
	res->outcome = (uint8_t)out;
	res->why = (uint8_t)why;
}

/* No frame could be had: the fault ends without an outcome. */
static unsigned oom(vm_result_t *res)
{
	res->oom = 1;
	set_outcome(res, VM_OUT_NONE, VM_WHY_OOM);
	return VM_FAULT_OOM;
}

/* bad_area: SIGSEGV, for @why (no VMA, or its protection). */
static unsigned bad_area(vm_machine_t *m, vm_proc_t *p, vm_result_t *res,
			 vm_why_t why)
{
	set_outcome(res, VM_OUT_SIGSEGV, why);
	m->c.sigsegv++;
	p->sigsegv++;
	return VM_FAULT_SIGSEGV;
}

/* The file page lies wholly past the end of the file: SIGBUS. */
static unsigned do_sigbus(vm_machine_t *m, vm_fault_t *vmf)
{
	set_outcome(vmf->res, VM_OUT_SIGBUS, VM_WHY_SIGBUS);
	m->c.sigbus++;
	vmf->p->sigbus++;
	return VM_FAULT_SIGBUS;
}

/*
 * mm_account_fault: a fault that was resolved counts once, as major when a
 * step read the page for it (VM_FAULT_MAJOR), else as minor; a fault that
 * ended in a signal or found no memory is no page fault in these counts.
 */
static void mm_account_fault(vm_machine_t *m, vm_proc_t *p, unsigned ret)
{
	if (ret & VM_FAULT_ERROR)
		return;
	if (ret & VM_FAULT_MAJOR) {
		m->c.majflt++;
		p->majflt++;
		if (m->cur_thread)
			m->cur_thread->majflt++;
	} else {
		m->c.minflt++;
		p->minflt++;
		if (m->cur_thread)
			m->cur_thread->minflt++;
	}
	vm_memcg_count_fault(m, p, (ret & VM_FAULT_MAJOR) != 0);
}

/* The PTEs fault-around and large folios mapped besides the faulting one:
 * counted, and charged at cost.map_pte each, as they are mapped (on a host
 * where a PTE is dear, a paravirtualized MMU trapping each one, a fault
 * that maps 256 costs far more than one that maps 1). */
static void count_around(vm_machine_t *m, vm_result_t *res, uint32_t n)
{
	m->c.fault_around_maps += n;
	res->around += n;
	res->cost += (uint64_t)n * m->cfg.cost_map_pte;
}

/* set_pte_at for the faulting page: the fault resolved to @pte, which
 * vm_fault_handle returns for the MMU to fill the TLBs with. */
static void set_pte(vm_machine_t *m, vm_fault_t *vmf, uint64_t pte)
{
	vm_pt_leaf_set(&m->pt, vmf->p->root, vmf->vpn, vmf->pte, pte);
	vmf->entry = pte;
	vmf->res->pfn = (uint32_t)VM_PTE_PFN(pte);
}

/*
 * A new anonymous page for @p at @vpn, mapped once, zeroed or copied (both
 * cost cost.page_copy).  Returns its PTE with @perm, or 0 when no frame is
 * free.
 */
static uint64_t new_anon_page(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			      uint64_t perm, vm_result_t *res)
{
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, p->pid,
					      vm_mm_anon_index(p, vpn));
	if (pfn == VM_NIL)
		return 0;
	m->frames.f[pfn].flags |= VM_FRAME_DIRTY;
	m->frames.f[pfn].mapcount = 1;
	p->rss_anon++;
	vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
	res->cost += m->cfg.cost_page_copy;
	return VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | perm);
}

/*
 * A copy of page @src for the faulting process (wp_page_copy's and
 * do_cow_fault's allocation).  @src is taken off the reclaim lists while
 * the copy is allocated, so that the allocation's reclaim cannot evict it
 * under us (Linux holds a reference to it), and put back after (a file
 * page only if it is still one: the OOM killer may have run).  Returns the
 * copy's PTE, or 0 when no frame could be had.
 */
static uint64_t copy_page(vm_machine_t *m, vm_fault_t *vmf, uint32_t src)
{
	vm_frame_t *fr = &m->frames.f[src];
	const vm_frame_t was = *fr;
	gboolean listed = vm_reclaim_remove(vm_memcg_lruvec(m, src), src);
	uint64_t pte = new_anon_page(m, vmf->p, vmf->vpn, vmf->prot, vmf->res);
	/* the allocation may have run the OOM killer, which can free @src
	 * (a swap-cache page whose last entry was the victim's, a page only
	 * the victim mapped) and even hand its frame out again: put back
	 * only the page we took off, if it is still there and off the lists
	 * (the fuzz harness found an anonymous one freed: a glib critical) */
	if (listed && fr->kind == was.kind && fr->owner == was.owner &&
	    fr->index == was.index && fr->list == VM_RECLAIM_NONE)
		vm_reclaim_add(vm_memcg_lruvec(m, src), src);
	return pte;
}

/* ---- anonymous memory and swap -------------------------------------------- */

/*
 * do_anonymous_page: the first touch of an anonymous page.  A read maps
 * the shared zero page, read-only so that the first write faults; a write
 * (or a read without the zero page) gets a zeroed page of its own,
 * writable if the VMA is, so that a later write does not fault.
 */
static unsigned do_anonymous_page(vm_machine_t *m, vm_fault_t *vmf)
{
	uint64_t pte;
	if (vmf->acc != VM_ACC_W && m->cfg.zero_page) {
		pte = VM_PTE_MAKE(VM_PFN_ZERO, VM_PTE_P | VM_PTE_A |
				  (vmf->prot & ~(uint64_t)VM_PTE_W));
		set_outcome(vmf->res, VM_OUT_ZERO, VM_WHY_ZERO_PAGE);
		m->c.zero_maps++;
	} else {
		pte = new_anon_page(m, vmf->p, vmf->vpn, vmf->prot, vmf->res);
		if (!pte)
			return oom(vmf->res);
		set_outcome(vmf->res, VM_OUT_MINOR, VM_WHY_ANON_NEW);
	}
	set_pte(m, vmf, pte);
	return 0;
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
 * The outcome is decided where the page is found: minor from the swap
 * cache, major (VM_FAULT_MAJOR) when read.
 */
static unsigned do_swap_page(vm_machine_t *m, vm_fault_t *vmf)
{
	vm_proc_t *p = vmf->p;
	vm_result_t *res = vmf->res;
	uint64_t vpn = vmf->vpn, perm = vmf->prot;
	uint32_t slot = (uint32_t)VM_PTE_PFN(vmf->orig_pte);
	uint32_t pfn = m->swap_cache[slot];
	unsigned ret = 0;
	if (pfn != VM_NIL) {
		vm_frame_t *f = &m->frames.f[pfn];
		set_outcome(res, VM_OUT_MINOR, VM_WHY_SWAPCACHE);
		m->c.swapcache_hits++;
		vm_swap_update_readahead(m, f, vmf->vma, vpn);
		if (vm_frame_read_done(f) > m->now + res->cost)
			res->ready_at = f->io_done;   /* its read is in flight */
	} else {
		uint64_t ready = 0, ra = m->c.swap_ra;
		pfn = vm_swap_read(m, p, vmf->vma, vpn, slot, m->now + res->cost, &ready);
		res->ra_pages = (uint32_t)(m->c.swap_ra - ra);
		if (pfn == VM_NIL)
			return oom(res);
		vm_workingset_note(m, pfn, res);   /* did it come back active? */
		res->ready_at = ready;
		set_outcome(res, VM_OUT_MAJOR, VM_WHY_SWAPIN);
		ret = VM_FAULT_MAJOR;
	}
	vm_frame_t *f = &m->frames.f[pfn];
	if (vmf->acc == VM_ACC_W && (m->swap_map[slot] > 1 || f->mapcount)) {
		/* others hold the slot or map the page: they keep the cached
		 * page, we get a copy (wp_page_copy's, at once) */
		uint64_t copy = copy_page(m, vmf, pfn);
		if (!copy)
			return oom(res);
		vm_swap_put(m, slot);
		p->swap_pages--;
		set_pte(m, vmf, copy);
		return ret;
	}
	if (!f->mapcount) {
		/* read ahead, or left by processes that are gone: it
		 * belongs to the process that maps it first */
		f->owner = p->pid;
		f->index = vm_vma_anon_index(vmf->vma, vpn);
	}
	f->mapcount++;
	p->rss_anon++;
	vm_swap_put(m, slot);
	p->swap_pages--;
	uint64_t pte = VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A |
				   (perm & ~(uint64_t)VM_PTE_W));
	if (!m->swap_map[slot] && (vmf->acc == VM_ACC_W || vm_swap_full(m)) &&
	    f->mapcount == 1) {
		/* the slot is freed, so memory holds the only copy: the page
		 * is dirty (would have to be written again) */
		vm_swap_cache_del(m, pfn);
		f->flags |= VM_FRAME_DIRTY;
		if (vmf->acc == VM_ACC_W)
			pte = VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | perm);
		/* a read maps it read-only all the same: a later write
		 * faults, and reuses it (do_swap_page maps writable only on a
		 * write fault) */
	}
	set_pte(m, vmf, pte);
	return ret;
}

/* ---- writes to present pages ---------------------------------------------- */

/*
 * wp_page_copy: the faulting process gets a copy of the page it maps
 * read-only (@old): the zero page (a new zeroed page), an anonymous page
 * others map too or that swap entries still point at (cow), a page-cache
 * page of a private file mapping (cow: the file never sees the write).
 * The copy replaces our share of the old page.
 */
/* ptep_clear_flush: the PTE of another page replaces the read-only one,
 * which other CPUs running the mm may still cache (flush_tlb_page: an
 * IPI to each).  With one CPU the fault's own TLB fill replaces the
 * entry, as before. */
static void ptep_clear_flush(vm_machine_t *m, vm_fault_t *vmf)
{
	if (G_UNLIKELY(m->smp != NULL))
		vm_mmu_tlb_invalidate(m, vmf->p, vmf->vpn, 1);
}

static unsigned wp_page_copy(vm_machine_t *m, vm_fault_t *vmf, uint32_t old)
{
	vm_proc_t *p = vmf->p;
	if (old == VM_PFN_ZERO) {
		uint64_t pte = new_anon_page(m, p, vmf->vpn, vmf->prot, vmf->res);
		if (!pte)
			return oom(vmf->res);
		set_outcome(vmf->res, VM_OUT_MINOR, VM_WHY_ZERO_REPLACED);
		set_pte(m, vmf, pte);
		ptep_clear_flush(m, vmf);
		return 0;
	}
	vm_frame_t *fr = &m->frames.f[old];
	gboolean file = fr->kind == VM_FRAME_FILE;
	uint64_t pte = copy_page(m, vmf, old);
	if (!pte)
		return oom(vmf->res);
	if (file) {
		fr->mapcount--;
		p->rss_file--;
	} else {
		if (!--fr->mapcount)
			vm_swap_unmapped(m, old);
		p->rss_anon--;
	}
	set_outcome(vmf->res, VM_OUT_COW, file ? VM_WHY_PRIVATE_COPY : VM_WHY_COW_COPY);
	m->c.cow_faults++;
	p->cow_faults++;
	if (m->cur_thread)
		m->cur_thread->cow_faults++;
	set_pte(m, vmf, pte);
	ptep_clear_flush(m, vmf);
	return 0;
}

/*
 * wp_page_reuse: a write to an anonymous page no one else maps: it is
 * made writable where it is.  A swap-cache page leaves the cache and its
 * slot is freed (folio_free_swap), as the write makes the copy on disk
 * stale.
 */
static unsigned wp_page_reuse(vm_machine_t *m, vm_fault_t *vmf, uint32_t old)
{
	vm_why_t why = VM_WHY_COW_REUSE;
	if (m->frame_slot[old] != VM_NIL) {
		vm_swap_cache_del(m, old);
		why = VM_WHY_SWAP_REUSE;
	}
	m->frames.f[old].flags |= VM_FRAME_DIRTY;
	set_outcome(vmf->res, VM_OUT_MINOR, why);
	set_pte(m, vmf, vmf->orig_pte | VM_PTE_W | VM_PTE_A | VM_PTE_D);
	return 0;
}

/*
 * wp_page_shared: the first write to a shared file page mapped read-only
 * (do_page_mkwrite, fault_dirty_shared_page): write-enabled and dirtied,
 * no copy.
 */
static unsigned wp_page_shared(vm_machine_t *m, vm_fault_t *vmf, uint32_t pfn)
{
	vm_writeback_dirty(m, vmf->file, pfn);
	set_outcome(vmf->res, VM_OUT_MINOR, VM_WHY_SHARED_WRITE);
	set_pte(m, vmf, vmf->orig_pte | VM_PTE_W | VM_PTE_D | VM_PTE_A);
	return 0;
}

/*
 * do_wp_page: a write to a present page whose PTE forbids it (the PTE's
 * other permissions follow the VMA's, so only a write gets here).
 */
static unsigned do_wp_page(vm_machine_t *m, vm_fault_t *vmf)
{
	uint64_t old = VM_PTE_PFN(vmf->orig_pte);
	if (old != VM_PFN_ZERO && m->frames.f[old].kind == VM_FRAME_FILE) {
		/* a page-cache page: a file's or shmem's */
		if (vmf->pgoff >= vm_file_pages(vmf->file, m->page_shift))
			return do_sigbus(m, vmf);
		if (vmf->vma->flags & VM_MAP_SHARED)
			return wp_page_shared(m, vmf, (uint32_t)old);
		return wp_page_copy(m, vmf, (uint32_t)old);
	}
	g_assert(vmf->acc == VM_ACC_W && !(vmf->orig_pte & VM_PTE_W));
	/* the zero page, or a page shared with other PTEs, or with swap
	 * entries that will map the cached page later */
	if (old == VM_PFN_ZERO || m->frames.f[old].mapcount > 1 ||
	    (m->frame_slot[old] != VM_NIL && m->swap_map[m->frame_slot[old]]))
		return wp_page_copy(m, vmf, (uint32_t)old);
	return wp_page_reuse(m, vmf, (uint32_t)old);
}

/* ---- file and shmem pages -------------------------------------------------- */

/* filemap_fault (filemap.c) for this fault, once: the huge path may have
 * called it already, before it fell back to PTEs. */
static unsigned filemap_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	if (G_UNLIKELY(vmf->filemap_done))
		return vmf->filemap_ret;
	return vm_filemap_fault(m, vmf);
}

/*
 * do_fault_around: the neighbours of a read fault, in a fault_around window
 * aligned in the virtual address and clipped to the VMA and one page-table
 * page, mapped if they are cached, up to date at @when and unmarked
 * (filemap_map_pages, filemap.c).
 */
static void do_fault_around(vm_machine_t *m, vm_fault_t *vmf, uint64_t perm,
			    uint64_t when)
{
	const vm_vma_t *v = vmf->vma;
	uint64_t vpn = vmf->vpn;
	uint64_t nr = m->cfg.readahead_fault_around >> m->page_shift;
	if (nr <= 1)
		return;
	uint64_t lo = vpn & ~(nr - 1), hi = lo + nr;
	uint64_t table = (uint64_t)1 << m->pt.bits[m->pt.levels - 1];
	uint64_t tlo = vpn & ~(table - 1), thi = tlo + table;
	lo = MAX(lo, MAX(v->start, tlo));
	hi = MIN(hi, MIN(v->end, thi));
	count_around(m, vmf->res, vm_filemap_map_pages(m, vmf, lo, hi, perm, when));
}

/* should_fault_around: fault-around is on (fault_around_bytes above one
 * page). */
static gboolean should_fault_around(const vm_machine_t *m)
{
	return m->cfg.readahead_fault_around >> m->page_shift > 1;
}

/*
 * finish_fault: set the faulting page's PTE to @pte; with @folio, map the
 * rest of the page's large folio too, with @folio_prot (6.18's finish_fault
 * maps the folio when no PTE of its range is set yet).  As Linux's, it maps
 * the cow page on a private write (do_cow_fault's, counted when it was
 * allocated), else the page-cache page, which gains a mapping.
 */
static void finish_fault(vm_machine_t *m, vm_fault_t *vmf, uint64_t pte,
			 gboolean folio, uint64_t folio_prot)
{
	gboolean cow = vmf->acc == VM_ACC_W && !(vmf->vma->flags & VM_MAP_SHARED);
	if (!cow) {
		m->frames.f[vmf->page].mapcount++;
		vmf->p->rss_file++;
	}
	set_pte(m, vmf, pte);
	if (folio)
		count_around(m, vmf->res, vm_filemap_map_folio(m, vmf, folio_prot));
}

/* The faulting page's outcome once filemap_fault found it: major if it
 * was read (VM_FAULT_MAJOR), else minor; its reason is filemap_fault's. */
static void file_outcome(vm_result_t *res, unsigned ret)
{
	res->outcome = (uint8_t)(ret & VM_FAULT_MAJOR ? VM_OUT_MAJOR : VM_OUT_MINOR);
}

/*
 * do_read_fault: a read (or exec) of a file page: mapped read-only, until
 * the first write on a shared mapping (do_wp_page) or for good on a
 * private one (a write copies); shmem maps it with the VMA's permissions
 * (no write notification).  Then its cached neighbours (do_fault_around).
 *
 * Linux tries fault-around first, which maps the faulting page itself when
 * its folio is up to date and unmarked, and calls filemap_fault only when
 * it did not; vmscope calls filemap_fault first, for its readahead
 * bookkeeping, and maps the page alone when fault-around would have mapped
 * it (vmf->uptodate) or when the fault is retried after waiting for the
 * read (VM_FAULT_RETRY: the retry faults around, the neighbours up to date
 * by then): otherwise finish_fault maps its large folio whole.
 */
static unsigned do_read_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	unsigned ret = filemap_fault(m, vmf);
	if (ret & VM_FAULT_OOM)
		return oom(vmf->res);
	file_outcome(vmf->res, ret);
	uint64_t prot = vmf->file->shmem ? vmf->prot : vmf->prot & ~(uint64_t)VM_PTE_W;
	gboolean by_around = vmf->uptodate && should_fault_around(m);
	gboolean folio = G_UNLIKELY(vm_file_folio_order(vmf->file, vmf->pgoff)) &&
			 !by_around && !(ret & VM_FAULT_RETRY);
	finish_fault(m, vmf, VM_PTE_MAKE(vmf->page, VM_PTE_P | VM_PTE_A | prot),
		     folio, prot);
	do_fault_around(m, vmf, prot, ret & VM_FAULT_RETRY ? vmf->ready : m->now);
	return ret;
}

/*
 * do_cow_fault: a write to a private file (or shmem) mapping whose page is
 * not mapped: the page is found or read (filemap_fault), and copied into a
 * private anonymous page; the file never sees this write.  (Linux allocates
 * the copy before it calls filemap_fault; vmscope after, as it always has.)
 */
static unsigned do_cow_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	unsigned ret = filemap_fault(m, vmf);
	if (ret & VM_FAULT_OOM)
		return oom(vmf->res);
	uint64_t pte = copy_page(m, vmf, vmf->page);
	if (!pte)
		return oom(vmf->res);
	set_outcome(vmf->res, VM_OUT_COW, VM_WHY_PRIVATE_COPY);
	m->c.cow_faults++;
	vmf->p->cow_faults++;
	finish_fault(m, vmf, pte, FALSE, 0);
	return ret;
}

/*
 * do_shared_fault: a write to a shared file (or shmem) mapping whose page is
 * not mapped: the page is found or read, dirtied (fault_dirty_shared_page)
 * and mapped writable; a large folio is mapped whole, writable and dirty
 * (finish_fault in 6.18; measured: writing every page of a file cached in
 * 1 MiB folios through MAP_SHARED costs one fault per MiB).
 */
static unsigned do_shared_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	unsigned ret = filemap_fault(m, vmf);
	if (ret & VM_FAULT_OOM)
		return oom(vmf->res);
	vm_writeback_dirty(m, vmf->file, vmf->page);
	file_outcome(vmf->res, ret);
	uint64_t prot = vmf->prot | VM_PTE_A | VM_PTE_D;
	finish_fault(m, vmf, VM_PTE_MAKE(vmf->page, VM_PTE_P | prot),
		     G_UNLIKELY(vm_file_folio_order(vmf->file, vmf->pgoff)) != 0,
		     prot);
	return ret;
}

/* do_fault: the first touch of a file (or shmem) page. */
static unsigned do_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	if (vmf->pgoff >= vm_file_pages(vmf->file, m->page_shift))
		return do_sigbus(m, vmf);
	if (vmf->acc != VM_ACC_W)
		return do_read_fault(m, vmf);
	if (!(vmf->vma->flags & VM_MAP_SHARED))
		return do_cow_fault(m, vmf);
	return do_shared_fault(m, vmf);
}

/* ---- file and shmem folios mapped by PMD -------------------------------------- */

/*
 * The huge half of a fault on a file (or shmem) VMA, when such folios may
 * be mapped by PMD (m->thp_file).  Page-cache files have no huge_fault
 * (create_huge_pmd falls back): a PMD-sized folio is mapped whole by one
 * PMD entry where finish_fault and filemap_map_pages (filemap_map_pmd)
 * find the PMD none, by do_set_pmd (huge_memory.c):
 *
 *   PMD leaf there (write to a read-only one: wp_huge_pmd) ─► split: the
 *      PMD is cleared (a file's split leaves no PTEs); a private write
 *      falls back (do_cow_fault copies 4 KiB), a shared one goes on:
 *   read, or shared write, PMD none, the huge range aligned and inside the
 *      VMA (thp_vma_suitable_order) ─► filemap_fault (readahead; shmem
 *      may allocate a huge folio, shmem.c) ─► the folio of 512 pages,
 *      aligned and whole ─► one PMD entry (thp_file_mapped); else fall back
 *      (the PTE path uses the page filemap_fault found)
 */
static unsigned do_huge_file_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	vm_proc_t *p = vmf->p;
	const vm_vma_t *v = vmf->vma;
	gboolean shared = (v->flags & VM_MAP_SHARED) != 0;
	uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vmf->vpn);
	if (pmd && (*pmd & VM_PTE_HUGE)) {
		/* do_huge_pmd_wp_page on a file VMA: __split_huge_pmd */
		vm_huge_split_pmd(m, p, vmf->vpn, pmd);
		if (!(shared && vmf->acc == VM_ACC_W))
			return VM_FAULT_FALLBACK;
	}
	if ((vmf->acc == VM_ACC_W && !shared) || !vm_huge_file_suitable(m, v, vmf->vpn))
		return VM_FAULT_FALLBACK;
	vmf->file = vm_file_get(m, v->file);
	vmf->pgoff = v->pgoff + (vmf->vpn - v->start);
	if (vmf->pgoff >= vm_file_pages(vmf->file, m->page_shift))
		return VM_FAULT_FALLBACK;   /* SIGBUS, on the PTE path */
	/* a page cached in a smaller folio goes by PTEs, as before */
	uint32_t cached = vm_filemap_find(vmf->file, vmf->pgoff);
	if (cached != VM_NIL && vm_file_folio_order(vmf->file, vmf->pgoff) != m->hpage_order)
		return VM_FAULT_FALLBACK;
	unsigned nr_new = 0;
	pmd = vm_pt_pmd_ensure(&m->pt, p->root, vmf->vpn, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	vmf->res->new_tables = (uint8_t)(vmf->res->new_tables + nr_new);
	if (!pmd)
		return VM_FAULT_OOM;
	if (*pmd)
		return VM_FAULT_FALLBACK;   /* a PTE table is there */
	vmf->prot = prot_bits(v->prot);
	unsigned ret = vm_filemap_fault(m, vmf);
	vmf->filemap_done = TRUE;
	vmf->filemap_ret = ret;
	if (ret & VM_FAULT_OOM)
		return VM_FAULT_OOM;
	/* the allocations of the read may have reclaimed the folio's pages,
	 * or a table may have been put under the PMD: look again */
	pmd = vm_pt_pmd_lookup(&m->pt, p->root, vmf->vpn);
	uint64_t perm = vmf->acc == VM_ACC_W ? vmf->prot | VM_PTE_D
		      : vmf->file->shmem ? vmf->prot : vmf->prot & ~(uint64_t)VM_PTE_W;
	if (!pmd || !vm_huge_do_set_pmd(m, vmf, pmd, perm))
		return VM_FAULT_FALLBACK;
	file_outcome(vmf->res, ret);
	return ret & ~(unsigned)VM_FAULT_RETRY;
}

/* ---- the entry ------------------------------------------------------------- */

/* handle_pte_fault: which of the above, by the PTE and the VMA. */
static unsigned handle_pte_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	if (vmf->orig_pte & VM_PTE_SWAP)
		return do_swap_page(m, vmf);
	if (!(vmf->orig_pte & VM_PTE_P))
		return vmf->file ? do_fault(m, vmf) : do_anonymous_page(m, vmf);
	return do_wp_page(m, vmf);
}

/* handle_mm_fault: the VMA and its permission, the page-table levels down
 * to the PTE, and the fault record for the rest. */
static unsigned handle_mm_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	vm_proc_t *p = vmf->p;
	vm_result_t *res = vmf->res;
	res->cost += m->cfg.cost_minor_fault;
	vm_vma_t *v = vm_mm_find_vma(p, vmf->vpn);
	if (!v)
		return bad_area(m, p, res, VM_WHY_NO_VMA);
	if (!(v->prot & need_prot[vmf->acc]))
		return bad_area(m, p, res, VM_WHY_PROT);
	vmf->vma = v;
	if (G_UNLIKELY(m->hpage_order) && v->file < 0) {
		unsigned ret = vm_huge_fault(m, vmf);
		if (!(ret & VM_FAULT_FALLBACK))
			return ret & VM_FAULT_OOM ? oom(res) : ret;
	} else if (G_UNLIKELY(m->thp_file) && v->file >= 0) {
		unsigned ret = do_huge_file_fault(m, vmf);
		if (!(ret & VM_FAULT_FALLBACK))
			return ret & VM_FAULT_OOM ? oom(res) : ret;
		if (p->state != VM_PROC_RUNNING)
			return oom(res);
	}
	unsigned nr_new = 0;
	uint64_t *slot = vm_pt_ensure(&m->pt, p->root, vmf->vpn, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	res->new_tables = (uint8_t)(res->new_tables + nr_new);
	if (!slot)
		return oom(res);
	vmf->vma = v;
	vmf->pte = slot;
	vmf->orig_pte = *slot;
	vmf->prot = prot_bits(v->prot);
	if (v->file >= 0) {
		vmf->file = vm_file_get(m, v->file);
		vmf->pgoff = v->pgoff + (vmf->vpn - v->start);
	}
	return handle_pte_fault(m, vmf);
}

uint64_t vm_fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			 vm_acc_t acc, vm_result_t *res)
{
	vm_fault_t vmf;
	vm_zero(&vmf, sizeof vmf);   /* not an initializer: models/types.h */
	vmf.p = p;
	vmf.vpn = vpn;
	vmf.acc = acc;
	vmf.page = VM_NIL;
	vmf.res = res;
	m->cur_pid = p->pid;
	m->cur_memcg = vm_proc_mm(p)->memcg;   /* a thread's is its mm's */
	m->memcg_pid = p->pid;
	m->cur_killed = FALSE;
	m->alloc_wait = 0;
	m->reclaim_ns = 0;
	m->cache_add_ns = 0;
	mm_account_fault(m, p, handle_mm_fault(m, &vmf));
	/* direct reclaim's CPU time is the faulting process's, and so are
	 * its readahead's page-cache insertions and any wait for a pageout
	 * its allocations had to make */
	res->cost += m->reclaim_ns + m->cache_add_ns;
	if (m->alloc_wait > m->now && m->alloc_wait > res->ready_at)
		res->ready_at = m->alloc_wait;
	m->cur_pid = 0;
	m->cur_memcg = 0;
	m->memcg_pid = 0;
	m->cur_killed = FALSE;
	return vmf.entry;
}
