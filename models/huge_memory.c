/*
 * Transparent huge pages for anonymous memory, modelled on Linux's
 * mm/huge_memory.c (the function names are Linux's):
 *
 *   an aligned 2 MiB range inside a VMA that may have huge pages
 *   (thp.enabled=always, or madvise and MADV_HUGEPAGE; not NOHUGEPAGE),
 *   whose PMD entry is none, faults:
 *
 *     read, thp.use_zero_page ──► the huge zero page, by its PMD ─► zero
 *     otherwise ──► do_huge_pmd_anonymous_page: a free aligned block of
 *                   512 frames (frames.c)? ─yes─► zeroed, PMD leaf ─► minor
 *                                               (thp_fault_alloc)
 *                   └─no─► (compaction counted, never done) fall back to
 *                          a PTE table and one 4 KiB page (thp_fault_fallback)
 *
 *   PMD leaf:  ┌─────────────── one entry, VM_PTE_HUGE ───────────────┐
 *              │ pfn of frame 0 of the block, R W X A D               │
 *              └──────────────────────────────────────────────────────┘
 *              + one PTE table deposited beside it (never walked)
 *   split:     the deposit is withdrawn and filled with 512 PTEs of the
 *              same frames and bits; the PMD links it (thp_split_pmd)
 *
 * A huge page's 512 frames stay 512 frames (Linux's folio has 512 struct
 * pages too): each is an anonymous page of its own on the reclaim lists,
 * with a mapcount of one per PMD leaf that maps it, so the invariant
 * checker, RSS and reclaim see pages as they always did.  What the PMD
 * changes is translation (one walk level less, a 2 MiB TLB entry: mmu.c),
 * page-table memory (no PTE table walked, one deposited) and fault counts
 * (one fault per 2 MiB).
 *
 * Splits, as Linux does them:
 *   - a write to a huge page another process maps too (after fork), or to
 *     the huge zero page: do_huge_pmd_wp_page splits the PMD and the fault
 *     goes on as a 4 KiB copy-on-write (VM_FAULT_FALLBACK);
 *   - munmap, mprotect or MADV_DONTNEED of part of a huge page: split, then
 *     the PTEs of the range (zap_huge_pmd, change_huge_pmd for a whole one);
 *   - reclaim taking one of its frames: split, then that page is swapped
 *     out alone (shrink_folio_list's split_folio_to_list).
 * A split leaves the frames where they are: the folio is not broken up
 * (Linux defers that to its shrinker), so a later khugepaged collapse
 * copies into a fresh block.
 *
 * File and shmem folios (the end of this file, called from fault.c's
 * do_huge_file_fault; shmem.c allocates shmem's): a page-cache folio of
 * a huge page's order, aligned in the file and the address space, whole
 * inside the VMA and physically one aligned block, is mapped by one PMD
 * leaf (do_set_pmd), with no deposited table (x86 needs none for a file
 * PMD).  Its split clears the PMD, leaving no PTEs (__split_huge_pmd_locked
 * of a file VMA): the pages fault back in, by PTEs or a PMD again.  Its
 * pages are counted in rss_file and in file_pmd (FilePmdMapped) or
 * shmem_pmd (ShmemPmdMapped).
 *
 * Left out: compaction itself (when no aligned block is free a direct
 * compaction is counted, compact_stall and compact_fail, and the fault
 * falls back), defrag's reclaim, the deferred split queue, mTHP (orders
 * between 0 and 9), PUD mappings, file PMDs with thp.enabled=never (Linux
 * maps them), and swapping a huge page out whole.
 */
#include <string.h>
#include "models/huge_memory.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/swap.h"
#include "models/vmscan.h"
#include "models/kswapd.h"
#include "models/khugepaged.h"
#include "models/memcg.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"

void vm_huge_init(vm_machine_t *m)
{
	const vm_config_t *c = &m->cfg;
	m->thp_mode = strcmp(c->thp_enabled, "always") == 0 ? VM_THP_ALWAYS :
		      strcmp(c->thp_enabled, "madvise") == 0 ? VM_THP_MADVISE :
		      VM_THP_NEVER;
	m->thp_defrag = strcmp(c->thp_defrag, "always") == 0 ? 2 :
			strcmp(c->thp_defrag, "never") == 0 ||
			strcmp(c->thp_defrag, "defer") == 0 ? 0 : 1;
	static const char *const shmem_words[] = {
		"never", "always", "within_size", "advise", "deny", "force" };
	for (unsigned i = 0; i < G_N_ELEMENTS(shmem_words); i++)
		if (strcmp(c->shmem_huge, shmem_words[i]) == 0)
			m->shmem_huge = (uint8_t)i;
	unsigned order = c->mmu_levels >= 2 ? c->mmu_bits[c->mmu_levels - 1] : 0;
	/* never: nothing is set up, so that a machine without huge pages
	 * is the machine it always was */
	if (m->thp_mode == VM_THP_NEVER || !order || order >= 16 ||
	    (m->frames.nr >> order) == 0)
		return;
	m->hpage_order = order;
	vm_frames_init_blocks(&m->frames, order);
}

void vm_huge_init_file(vm_machine_t *m)
{
	/* file folios of a huge page's size (cache.folio_max), or shmem
	 * huge pages (shmem.huge): only then does a file fault look at the
	 * PMD, so that other runs are what they were */
	m->thp_file = m->hpage_order &&
		      (m->folio_order >= m->hpage_order ||
		       (m->shmem_huge != VM_SHMEM_HUGE_NEVER &&
			m->shmem_huge != VM_SHMEM_HUGE_DENY));
}

gboolean vm_huge_vma_allowable(const vm_machine_t *m, const vm_vma_t *v,
			       uint64_t vpn)
{
	if (!m->hpage_order || v->file >= 0 || (v->flags & VM_MAP_SHARED) ||
	    (v->flags & VM_VMA_NOHUGEPAGE))
		return FALSE;
	if (m->thp_mode == VM_THP_MADVISE && !(v->flags & VM_VMA_HUGEPAGE))
		return FALSE;
	uint64_t n = vm_huge_nr(m), lo = vpn & ~(n - 1);
	/* thp_vma_suitable_order: the anonymous offset aligned as the
	 * address is (a mapping moved by mremap may not be) */
	return lo >= v->start && lo + n <= v->end &&
	       ((v->start - v->anon_pgoff) & (n - 1)) == 0;
}

/* An aligned block of 2^hpage_order free frames made @kind for @owner at
 * @index, charged to the current cgroup (__GFP_NORETRY) and committed;
 * VM_NIL when none is free (compaction counted when @direct_compact). */
static uint32_t alloc_block(vm_machine_t *m, vm_frame_kind_t kind,
			    uint32_t owner, uint64_t index,
			    gboolean direct_compact, uint16_t *cgp)
{
	uint64_t n = vm_huge_nr(m);
	vm_frames_t *fr = &m->frames;
	/* an order-9 allocation passes the low watermark like any other
	 * (zone_watermark_ok) and needs a free block of its order */
	if (!fr->nr_free_blocks || fr->nr_free < n + m->wm_low) {
		if (direct_compact && fr->nr_free >= n + m->wm_low) {
			/* memory enough, but fragmented: __alloc_pages_direct_compact
			 * would migrate pages to make a block; vmscope does not
			 * move pages, so the attempt fails */
			m->c.compact_stall++;
			m->c.compact_fail++;
		}
		return VM_NIL;
	}
	/* a process in a memory cgroup charges the huge page first, with
	 * __GFP_NORETRY as GFP_TRANSHUGE has it: no room is a fallback */
	uint16_t cg = G_UNLIKELY(m->nr_memcg) ? m->cur_memcg : 0;
	if (cg && !vm_memcg_charge_noretry(m, n))
		return VM_NIL;
	uint32_t pfn = vm_frames_alloc_block(fr, kind, owner, index);
	g_assert(pfn != VM_NIL);
	*cgp = cg;
	return pfn;
}

/* The allocation's aftermath: kswapd woken below the low watermark, the
 * peak of used memory. */
static void block_taken(vm_machine_t *m)
{
	vm_frames_t *fr = &m->frames;
	if (m->reclaim && fr->nr_free < m->wm_low)
		vm_kswapd_wake(m);
	uint64_t used = fr->nr - fr->nr_free;
	if (used > m->c.peak_used_pages)
		m->c.peak_used_pages = used;
}

uint32_t vm_huge_alloc(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		       gboolean direct_compact)
{
	uint64_t n = vm_huge_nr(m);
	uint16_t cg = 0;
	uint32_t pfn = alloc_block(m, VM_FRAME_ANON, p->pid, vm_mm_anon_index(p, vpn),
				   direct_compact, &cg);
	if (pfn == VM_NIL)
		return VM_NIL;
	vm_frames_t *fr = &m->frames;
	for (uint64_t i = 0; i < n; i++) {
		vm_frame_t *f = &fr->f[pfn + i];
		f->flags |= VM_FRAME_DIRTY;
		f->mapcount = 1;
	}
	/* charged before they join the reclaim lists, so that the charge's
	 * reclaim cannot take a page of the huge page not mapped yet */
	for (uint64_t i = 0; cg && i < n; i++)
		vm_memcg_commit(m, (uint32_t)(pfn + i), cg);
	for (uint64_t i = 0; i < n; i++)
		vm_reclaim_add(vm_memcg_lruvec(m, (uint32_t)(pfn + i)),
			       (uint32_t)(pfn + i));
	block_taken(m);
	return pfn;
}

uint32_t vm_huge_alloc_file(vm_machine_t *m, vm_file_t *f, uint64_t index)
{
	uint16_t cg = 0;
	uint32_t pfn = alloc_block(m, VM_FRAME_FILE, f->id, index, FALSE, &cg);
	if (pfn == VM_NIL)
		return VM_NIL;
	for (uint64_t i = 0; cg && i < vm_huge_nr(m); i++)
		vm_memcg_commit(m, (uint32_t)(pfn + i), cg);
	block_taken(m);
	return pfn;
}

/* PTE bits of a VMA protection */
static uint64_t prot_bits(uint32_t prot)
{
	return (prot & VM_PROT_R ? VM_PTE_R : 0) | (prot & VM_PROT_W ? VM_PTE_W : 0) |
	       (prot & VM_PROT_X ? VM_PTE_X : 0);
}

/* A PMD leaf is being set at @vpn: its deposit first (pte_alloc_one and
 * pgtable_trans_huge_deposit), counted as a page-table page. */
static gboolean deposit(vm_machine_t *m, vm_proc_t *p, uint64_t vpn)
{
	if (!vm_pt_deposit_new(&m->pt, p->root, vpn, p->pid))
		return FALSE;
	vm_proc_count_tables(m, p, 1);
	return TRUE;
}

/* The deposit of the PMD leaf at @vpn goes with it (zap_deposited_table). */
static void drop_deposit(vm_machine_t *m, vm_proc_t *p, uint64_t vpn)
{
	vm_pt_free_table(&m->pt, vm_pt_withdraw(&m->pt, p->root, vpn));
	p->pt_pages--;
	m->c.pt_pages--;
}

/*
 * do_huge_pmd_anonymous_page: the first touch of an aligned range whose
 * PMD entry @pmd is none.  A read maps the huge zero page
 * (use_zero_page); anything else gets a huge page when a block is free.
 */
static unsigned do_huge_pmd_anonymous_page(vm_machine_t *m, vm_fault_t *vmf,
					   uint64_t *pmd)
{
	vm_proc_t *p = vmf->p;
	vm_result_t *res = vmf->res;
	uint64_t n = vm_huge_nr(m), hvpn = vmf->vpn & ~(n - 1);
	if (vmf->acc != VM_ACC_W && m->cfg.thp_use_zero_page && m->cfg.zero_page) {
		if (!deposit(m, p, hvpn))
			return VM_FAULT_OOM;
		uint64_t e = VM_PTE_MAKE(VM_PFN_ZERO, VM_PTE_P | VM_PTE_A | VM_PTE_HUGE |
					 (vmf->prot & ~(uint64_t)VM_PTE_W));
		vm_pt_pmd_set(&m->pt, p->root, hvpn, pmd, e);
		m->thp_seen = TRUE;
		res->outcome = VM_OUT_ZERO;
		res->why = VM_WHY_THP_ZERO;
		res->pfn = VM_PFN_ZERO;
		m->c.zero_maps++;
		m->c.thp_zero_page_maps++;
		vmf->entry = e;
		return 0;
	}
	/* defrag: always, or madvise (and defer+madvise) in a MADV_HUGEPAGE
	 * range, compact directly (vma_thp_gfp_mask) */
	gboolean compact = m->thp_defrag == 2 ||
			   (m->thp_defrag == 1 && (vmf->vma->flags & VM_VMA_HUGEPAGE));
	/* the deposit first: its allocation may reclaim, which must not
	 * find a page of a huge page that no PMD maps yet (Linux allocates
	 * the folio first, but its pages are on no LRU list until mapped) */
	if (!deposit(m, p, hvpn))
		return VM_FAULT_OOM;
	uint32_t pfn = vm_huge_alloc(m, p, hvpn, compact);
	if (pfn == VM_NIL) {
		drop_deposit(m, p, hvpn);
		m->c.thp_fault_fallback++;
		return VM_FAULT_FALLBACK;
	}
	p->rss_anon += n;
	p->anon_huge += n;
	res->cost += n * m->cfg.cost_page_copy;   /* clear_huge_page */
	uint64_t e = VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | VM_PTE_HUGE |
				 vmf->prot);
	vm_pt_pmd_set(&m->pt, p->root, hvpn, pmd, e);
	m->thp_seen = TRUE;
	m->c.thp_fault_alloc++;
	res->outcome = VM_OUT_MINOR;
	res->why = VM_WHY_THP_NEW;
	res->pfn = (uint32_t)(pfn + (vmf->vpn - hvpn));
	vmf->entry = e;
	return 0;
}

/*
 * do_huge_pmd_wp_page: a write to a PMD leaf mapped read-only.  A huge
 * page that this PMD alone maps is made writable where it is; the huge
 * zero page and a huge page shared since fork are split, and the fault
 * goes on with PTEs: a 4 KiB copy (Linux 5.8 on: no huge copy).
 */
static unsigned do_huge_pmd_wp_page(vm_machine_t *m, vm_fault_t *vmf,
				    uint64_t *pmd)
{
	uint64_t e = *pmd, pfn = VM_PTE_PFN(e);
	uint64_t n = vm_huge_nr(m), hvpn = vmf->vpn & ~(n - 1);
	if (pfn != VM_PFN_ZERO && m->frames.f[pfn].mapcount == 1) {
		gboolean cached = FALSE;
		for (uint64_t i = 0; i < n && !cached; i++)
			cached = m->frame_slot[pfn + i] != VM_NIL;
		if (!cached) {
			e |= VM_PTE_W | VM_PTE_A | VM_PTE_D;
			*pmd = e;
			vmf->res->outcome = VM_OUT_MINOR;
			vmf->res->why = VM_WHY_COW_REUSE;
			vmf->res->pfn = (uint32_t)(pfn + (vmf->vpn - hvpn));
			vmf->entry = e;
			return 0;
		}
	}
	vm_huge_split_pmd(m, vmf->p, vmf->vpn, pmd);
	return VM_FAULT_FALLBACK;
}

unsigned vm_huge_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	vm_proc_t *p = vmf->p;
	uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vmf->vpn);
	if (pmd && (*pmd & VM_PTE_HUGE)) {
		if (vmf->acc == VM_ACC_W && !(*pmd & VM_PTE_W))
			return do_huge_pmd_wp_page(m, vmf, pmd);
		/* the PMD allows it: a TLB entry was stale (cannot happen
		 * while every change invalidates); split to be safe */
		vm_huge_split_pmd(m, p, vmf->vpn, pmd);
		return VM_FAULT_FALLBACK;
	}
	if (!vm_huge_vma_allowable(m, vmf->vma, vmf->vpn))
		return VM_FAULT_FALLBACK;
	vm_khugepaged_enter(m);   /* khugepaged_enter_vma */
	if (pmd && *pmd)
		return VM_FAULT_FALLBACK;
	unsigned nr_new = 0;
	pmd = vm_pt_pmd_ensure(&m->pt, p->root, vmf->vpn, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	vmf->res->new_tables = (uint8_t)nr_new;
	if (!pmd)
		return VM_FAULT_OOM;
	if (*pmd)   /* the allocations' reclaim cannot set it; be sure */
		return VM_FAULT_FALLBACK;
	vmf->prot = prot_bits(vmf->vma->prot);
	return do_huge_pmd_anonymous_page(m, vmf, pmd);
}

void vm_huge_split_pmd(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		       uint64_t *pmd)
{
	uint64_t n = vm_huge_nr(m), hvpn = vpn & ~(n - 1);
	uint64_t e = *pmd, pfn = VM_PTE_PFN(e);
	g_assert(e & VM_PTE_HUGE);
	if (pfn != VM_PFN_ZERO && m->frames.f[pfn].kind == VM_FRAME_FILE) {
		/* __split_huge_pmd_locked of a file VMA: the PMD is cleared,
		 * no PTEs take its place; its pages fault back in */
		vm_huge_zap_pmd(m, p, hvpn, pmd);
		m->c.thp_split_pmd++;
		vm_mmu_tlb_invalidate(m, p, hvpn, n);
		return;
	}
	uint64_t bits = e & (VM_PTE_P | VM_PTE_PERM | VM_PTE_A | VM_PTE_D);
	uint32_t id = vm_pt_withdraw(&m->pt, p->root, hvpn);
	uint64_t *pte = vm_pt_table_entries(&m->pt, id);
	for (uint64_t i = 0; i < n; i++)
		pte[i] = pfn == VM_PFN_ZERO ? VM_PTE_MAKE(VM_PFN_ZERO, bits)
					    : VM_PTE_MAKE(pfn + i, bits);
	vm_pt_pmd_link(&m->pt, pmd, id, (unsigned)n);
	if (pfn != VM_PFN_ZERO)
		p->anon_huge -= n;
	m->c.thp_split_pmd++;
	/* pmdp_invalidate: only the PMD changed */
	vm_mmu_flush_pmd_range(m, p, hvpn, n);
}

/* The pages of a file (or shmem) folio that the PMD leaf @pmd of @p maps
 * lose that mapping; a dirty bit moves to them (as try_to_unmap's). */
static void zap_file_pmd(vm_machine_t *m, vm_proc_t *p, const uint64_t *pmd)
{
	uint64_t n = vm_huge_nr(m), pfn = VM_PTE_PFN(*pmd);
	vm_file_t *f = vm_file_get(m, (int32_t)m->frames.f[pfn].owner);
	for (uint64_t i = 0; i < n; i++) {
		vm_frame_t *fr = &m->frames.f[pfn + i];
		g_assert(fr->mapcount > 0);
		if (*pmd & VM_PTE_D)
			vm_writeback_dirty(m, f, (uint32_t)(pfn + i));
		fr->mapcount--;
	}
	p->rss_file -= n;
	if (f->shmem)
		p->shmem_pmd -= n;
	else
		p->file_pmd -= n;
}

void vm_huge_zap_pmd(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		     uint64_t *pmd)
{
	uint64_t n = vm_huge_nr(m), hvpn = vpn & ~(n - 1);
	uint64_t pfn = VM_PTE_PFN(*pmd);
	gboolean file = pfn != VM_PFN_ZERO && m->frames.f[pfn].kind == VM_FRAME_FILE;
	if (file) {
		zap_file_pmd(m, p, pmd);
	} else if (pfn != VM_PFN_ZERO) {
		for (uint64_t i = 0; i < n; i++) {
			vm_frame_t *f = &m->frames.f[pfn + i];
			g_assert(f->mapcount > 0);
			if (!--f->mapcount)
				vm_swap_unmapped(m, (uint32_t)(pfn + i));
		}
		p->rss_anon -= n;
		p->anon_huge -= n;
	}
	vm_pt_pmd_set(&m->pt, p->root, hvpn, pmd, 0);
	if (!file)   /* a file PMD has none (do_set_pmd on x86) */
		drop_deposit(m, p, hvpn);
}

gboolean vm_huge_pmd_whole(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			   uint64_t *pmd, uint64_t start, uint64_t end)
{
	uint64_t n = vm_huge_nr(m), hvpn = vpn & ~(n - 1);
	if (hvpn >= start && hvpn + n <= end)
		return TRUE;
	vm_huge_split_pmd(m, p, hvpn, pmd);
	return FALSE;
}

void vm_huge_change_pmd(vm_machine_t *m, uint64_t *pmd, uint32_t prot)
{
	uint64_t e = *pmd, pfn = VM_PTE_PFN(e);
	uint64_t bits = prot_bits(prot);
	/* as pte_bits_for: the zero page, a shared page and a clean one are
	 * never writable, so that a write faults */
	if (pfn == VM_PFN_ZERO || m->frames.f[pfn].mapcount > 1 || !(e & VM_PTE_D))
		bits &= ~(uint64_t)VM_PTE_W;
	*pmd = (e & ~(uint64_t)VM_PTE_PERM) | bits;
}

gboolean vm_huge_copy_pmd(vm_machine_t *m, vm_proc_t *parent,
			  vm_proc_t *child, uint64_t vpn, uint64_t *pmd,
			  gboolean *protected_)
{
	uint64_t n = vm_huge_nr(m), hvpn = vpn & ~(n - 1);
	unsigned nr_new = 0;
	uint64_t *cpmd = vm_pt_pmd_ensure(&m->pt, child->root, hvpn, child->pid,
					  &nr_new);
	vm_proc_count_tables(m, child, nr_new);
	if (!cpmd || child->state != VM_PROC_RUNNING || !deposit(m, child, hvpn))
		return FALSE;
	/* the allocations' reclaim may have split the parent's PMD: its PTEs
	 * are then copied one by one (the deposit stays, counted) */
	if (!(*pmd & VM_PTE_HUGE))
		return TRUE;
	(void)parent;
	uint64_t e = *pmd, pfn = VM_PTE_PFN(e);
	if (pfn != VM_PFN_ZERO) {
		for (uint64_t i = 0; i < n; i++)
			m->frames.f[pfn + i].mapcount++;
		child->rss_anon += n;
		child->anon_huge += n;
		if (e & VM_PTE_W) {
			e &= ~(uint64_t)VM_PTE_W;
			*pmd = e;
			*protected_ = TRUE;
		}
	}
	vm_pt_pmd_set(&m->pt, child->root, hvpn, cpmd, e);
	return TRUE;
}

void vm_huge_move_pmd(vm_machine_t *m, vm_proc_t *p, uint64_t from,
		      uint64_t to)
{
	uint64_t *src = vm_pt_pmd_lookup(&m->pt, p->root, from);
	uint64_t *dst = vm_pt_pmd_lookup(&m->pt, p->root, to);
	uint64_t e = *src, pfn = VM_PTE_PFN(e);
	g_assert(dst && !*dst && (e & VM_PTE_HUGE));
	vm_pt_pmd_set(&m->pt, p->root, from, src, 0);
	vm_pt_pmd_set(&m->pt, p->root, to, dst, e);
	/* a file folio's PMD has no deposit (x86: arch_needs_pgtable_deposit) */
	if (pfn == VM_PFN_ZERO || m->frames.f[pfn].kind != VM_FRAME_FILE)
		vm_pt_deposit(&m->pt, p->root, to, vm_pt_withdraw(&m->pt, p->root, from));
}

void vm_huge_split_page(vm_machine_t *m, uint32_t pfn)
{
	uint64_t n = vm_huge_nr(m);
	if (!n)
		return;
	uint64_t index = m->frames.f[pfn].index, vpn;
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		vm_proc_t *q = m->procs[i];
		if (q->state == VM_PROC_RUNNING &&
		    vm_mm_anon_pmd(m, q, index, pfn, &vpn))
			vm_huge_split_pmd(m, q, vpn,
					  vm_pt_pmd_lookup(&m->pt, q->root, vpn));
	}
}

void vm_huge_split_at(vm_machine_t *m, vm_proc_t *p, uint64_t vpn)
{
	uint64_t n = vm_huge_nr(m);
	if (!m->thp_seen || !(vpn & (n - 1)))
		return;
	uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vpn);
	if (pmd && (*pmd & VM_PTE_HUGE))
		vm_huge_split_pmd(m, p, vpn, pmd);
}

/* ---- file and shmem folios mapped by PMD --------------------------------- */

gboolean vm_huge_file_suitable(const vm_machine_t *m, const vm_vma_t *v,
			       uint64_t vpn)
{
	uint64_t n = vm_huge_nr(m), lo = vpn & ~(n - 1);
	/* vma_thp_disabled: MADV_NOHUGEPAGE refuses PMD mappings even of a
	 * folio already cached (do_set_pmd) */
	if (!n || (v->flags & VM_VMA_NOHUGEPAGE))
		return FALSE;
	/* thp_vma_suitable_order: the file offset and the address agree
	 * modulo a huge page, and the aligned range lies inside the VMA */
	if ((v->start - v->pgoff) & (n - 1))
		return FALSE;
	return lo >= v->start && lo + n <= v->end;
}

gboolean vm_huge_do_set_pmd(vm_machine_t *m, vm_fault_t *vmf, uint64_t *pmd,
			    uint64_t perm)
{
	vm_proc_t *p = vmf->p;
	vm_file_t *f = vmf->file;
	uint64_t n = vm_huge_nr(m), hvpn = vmf->vpn & ~(n - 1);
	uint64_t head = vm_file_folio_head(f, vmf->pgoff);
	if (*pmd || vm_file_folio_order(f, vmf->pgoff) != m->hpage_order ||
	    head != vmf->pgoff - (vmf->vpn - hvpn) ||
	    head + n > vm_file_pages(f, m->page_shift))
		return FALSE;
	/* a folio is physically contiguous: one PMD entry names its frames */
	uint32_t hpfn = vm_file_pfn(f, head);
	if (hpfn == VM_NIL || hpfn % n)
		return FALSE;
	for (uint64_t i = 1; i < n; i++)
		if (vm_file_pfn(f, head + i) != hpfn + i)
			return FALSE;
	/* no table deposited beside it: x86 needs none for a file PMD
	 * (arch_needs_pgtable_deposit), whose split clears it */
	uint64_t e = VM_PTE_MAKE(hpfn, VM_PTE_P | VM_PTE_A | VM_PTE_HUGE | perm);
	for (uint64_t i = 0; i < n; i++) {
		m->frames.f[hpfn + i].mapcount++;
		if (perm & VM_PTE_D)   /* a write fault's folio: dirty as a whole */
			vm_writeback_dirty(m, f, (uint32_t)(hpfn + i));
		vm_filemap_used(m, (uint32_t)(hpfn + i));
	}
	p->rss_file += n;
	if (f->shmem)
		p->shmem_pmd += n;
	else
		p->file_pmd += n;
	vm_pt_pmd_set(&m->pt, p->root, hvpn, pmd, e);
	m->thp_seen = TRUE;
	m->c.thp_file_mapped++;
	vmf->res->pfn = (uint32_t)(hpfn + (vmf->vpn - hvpn));
	vmf->res->huge = 1;
	vmf->entry = e;
	return TRUE;
}
