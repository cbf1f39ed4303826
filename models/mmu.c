/*
 * Translation: the TLB and walk half of an access; the fault half is
 * fault.c.  See mmu.h and machine.h for the picture.
 *
 * Counting follows docs/format.md (outcomes) to the letter, because
 * graders check counts by hand: one L1 lookup per page touched, one L2
 * lookup after an L1 miss, one walk after missing every TLB, walk_refs =
 * entries read down to the first non-present one, and a resolved fault
 * fills the TLBs and ends the access.
 */
#include "models/memcg.h"
#include "models/workingset.h"
#include "models/mmu.h"
#include "models/fault.h"
#include "models/proc.h"
#include "models/smp.h"
#include "models/huge_memory.h"
/* PTE permission bits as VM_PROT_* (R, W, X are bits 1-3 of a PTE). */
static inline uint8_t pte_perm(uint64_t pte)
{
	return (uint8_t)((pte & VM_PTE_PERM) >> 1);
}

/* The 2 MiB translation of the PMD leaf @pmd for @vpn's huge page: the
 * L1 TLB of 2 MiB pages and the L2 (STLB), which holds both sizes. */
static void tlb_fill_huge(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			  uint64_t pmd, gboolean absent)
{
	uint64_t h = vpn >> m->hpage_order;
	if (absent) {
		if (m->l1_2m)
			vm_tlb_fill_absent(m->l1_2m, h, p->pid, VM_PTE_PFN(pmd),
					   pte_perm(pmd));
		if (m->l2)
			vm_tlb_fill_absent(m->l2, h | VM_TLB_HUGE_TAG, p->pid,
					   VM_PTE_PFN(pmd), pte_perm(pmd));
		return;
	}
	if (m->l1_2m)
		vm_tlb_fill(m->l1_2m, h, p->pid, VM_PTE_PFN(pmd), pte_perm(pmd), NULL);
	if (m->l2)
		vm_tlb_fill(m->l2, h | VM_TLB_HUGE_TAG, p->pid, VM_PTE_PFN(pmd),
			    pte_perm(pmd), NULL);
}

/* The frame of page @vpn in the huge page whose first frame is @head. */
static inline uint32_t huge_pfn(const vm_machine_t *m, uint64_t head,
				uint64_t vpn)
{
	if (head == VM_PFN_ZERO)
		return VM_PFN_ZERO;
	return (uint32_t)(head + (vpn & (vm_huge_nr(m) - 1)));
}

void vm_mmu_tlb_fill(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			 uint64_t pte)
{
	if (G_UNLIKELY(pte & VM_PTE_HUGE)) {
		tlb_fill_huge(m, p, vpn, pte, FALSE);
		return;
	}
	vm_tlb_fill(m->l1, vpn, p->pid, VM_PTE_PFN(pte), pte_perm(pte), NULL);
	if (m->l2)
		vm_tlb_fill(m->l2, vpn, p->pid, VM_PTE_PFN(pte), pte_perm(pte),
			    NULL);
}

void vm_mmu_tlb_invalidate(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			       uint64_t n)
{
	if (G_UNLIKELY(m->smp != NULL)) {
		/* several CPUs: flush_tlb_mm_range and its IPIs (smp.c) */
		vm_smp_flush_tlb_mm_range(m, p, vpn, n, 0, FALSE);
		return;
	}
	if (n == 1) {
		/* one page (reclaim's unmap, a COW break): the lookup alone,
		 * without the range's bookkeeping (what vm_tlb_invalidate_range
		 * does for one page of a TLB of at least one entry) */
		vm_tlb_invalidate(m->l1, vpn, p->pid);
		if (m->l2)
			vm_tlb_invalidate(m->l2, vpn, p->pid);
	} else {
		vm_tlb_invalidate_range(m->l1, vpn, n, p->pid);
		if (m->l2)
			vm_tlb_invalidate_range(m->l2, vpn, n, p->pid);
	}
	if (G_UNLIKELY(m->thp_seen) && n) {
		uint64_t lo = vpn >> m->hpage_order;
		uint64_t nh = ((vpn + n - 1) >> m->hpage_order) - lo + 1;
		if (m->l1_2m)
			vm_tlb_invalidate_range(m->l1_2m, lo, nh, p->pid);
		if (m->l2)
			vm_tlb_invalidate_range(m->l2, lo | VM_TLB_HUGE_TAG, nh, p->pid);
	}
}

void vm_mmu_flush_pmd_range(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			    uint64_t n)
{
	if (G_UNLIKELY(m->smp != NULL))
		vm_smp_flush_tlb_mm_range(m, p, vpn, n, m->hpage_order, FALSE);
	else
		vm_mmu_tlb_invalidate(m, p, vpn, n);
}

void vm_mmu_tlb_flush(vm_machine_t *m, uint32_t pid, gboolean all)
{
	vm_tlb_t *t[3] = { m->l1, m->l2, m->l1_2m };
	for (unsigned i = 0; i < 3; i++) {
		if (!t[i])
			continue;
		if (all)
			vm_tlb_flush_all(t[i]);
		else
			vm_tlb_flush_asid(t[i], pid);
	}
}

void vm_mmu_tlb_flush_mm(vm_machine_t *m, vm_proc_t *p)
{
	if (G_UNLIKELY(m->smp != NULL)) {
		vm_smp_flush_tlb_mm_range(m, p, 0, 0, 0, FALSE);
		return;
	}
	vm_mmu_tlb_flush(m, p->pid, FALSE);   /* the 2 MiB TLB too */
}

/*
 * Two threads fault on one page at the same time (docs/format.md,
 * threads): the first's fault has mapped it but its read is still in
 * flight (the frame is locked).  On Linux the PTE is set only once the
 * page is read, so the second thread faults too, finds the page in the
 * cache, waits on its lock (folio_lock in filemap_fault) and maps it: a
 * minor fault that waits.  Here the first fault set the PTE at once, so
 * the second thread's walk finds it; it is treated as that minor fault.
 * Only an mm with more than one thread gets here.
 */
static gboolean wait_locked_page(vm_machine_t *m, vm_proc_t *p, uint64_t pte,
				 vm_result_t *res)
{
	uint64_t pfn = VM_PTE_PFN(pte);
	if (pfn >= m->frames.nr)
		return FALSE;   /* the zero page */
	const vm_frame_t *f = &m->frames.f[pfn];
	if (vm_frame_read_done(f) <= m->now)
		return FALSE;   /* read (or never read): up to date */
	res->outcome = VM_OUT_MINOR;
	res->why = VM_WHY_FILE_LOCKED;
	res->pfn = (uint32_t)pfn;
	res->ready_at = vm_frame_read_done(f);
	res->cost += m->cfg.cost_minor_fault;
	m->c.minflt++;
	p->minflt++;
	if (m->cur_thread)
		m->cur_thread->minflt++;
	p->last_outcome = VM_OUT_MINOR;
	p->last_pfn = (uint32_t)pfn;
	return TRUE;
}

/* The fault path, then what the hardware does when the access is retried:
 * a resolved fault fills the TLBs (docs/format.md (outcomes)) and ends
 * the access, which counts as a reference to its page. */
static void fault(vm_machine_t *m, vm_proc_t *p, uint64_t vpn, vm_acc_t acc,
		  vm_result_t *res)
{
	uint64_t pte = vm_fault_handle(m, p, vpn, acc, res);
	/* a fault that waits for its page leaves the TLBs alone when other
	 * threads share the mm: they must not hit a page still being read
	 * (wait_locked_page) */
	if (pte && (G_LIKELY(p->nr_threads <= 1) || res->ready_at <= m->now)) {
		if (res->walked && !(pte & VM_PTE_HUGE)) {
			/* the access walked: every TLB missed @vpn, and the
			 * fault path invalidates entries but never fills one,
			 * so the fill need not search the set for it (on a
			 * swap-in under pressure, 100 M instructions a million
			 * accesses: docs/speed.md) */
			vm_tlb_fill_absent(m->l1, vpn, p->pid, VM_PTE_PFN(pte),
					   pte_perm(pte));
			if (m->l2)
				vm_tlb_fill_absent(m->l2, vpn, p->pid,
						   VM_PTE_PFN(pte), pte_perm(pte));
		} else {
			vm_mmu_tlb_fill(m, p, vpn, pte);
		}
	}
	if (G_UNLIKELY(pte & VM_PTE_HUGE))
		res->huge = 1;
	p->last_outcome = res->outcome;
	p->last_pfn = res->outcome < VM_OUT_SIGSEGV ? res->pfn : VM_NIL;
	if (res->outcome < VM_OUT_SIGSEGV)
		vm_memcg_access(m, res->pfn);
}

void vm_mmu_access_slow(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr,
			    vm_acc_t acc, vm_tlb_entry_t *l1e,
			    vm_result_t *res)
{
	uint64_t vpn = vaddr >> m->page_shift;
	vm_result_clear(res);
	res->cost = m->cfg.cost_access;
	vm_mmu_count_access(m, p, acc);

	vm_tlb_entry_t *e = l1e;
	gboolean huge = FALSE;
	if (e) {
		m->c.tlb_l1_hits++;
		res->tlb = 1;
	} else if (G_UNLIKELY(m->thp_seen) && m->l1_2m &&
		   (e = vm_tlb_lookup(m->l1_2m, vpn >> m->hpage_order, p->pid))) {
		/* the L1 TLBs of both sizes are looked up at once: one
		 * lookup, a hit in the 2 MiB one */
		huge = TRUE;
		m->c.tlb_l1_hits++;
		m->c.tlb_l1_2m_hits++;
		res->tlb = 1;
	} else {
		m->c.tlb_l1_misses++;
		if (m->l2) {
			e = vm_tlb_lookup(m->l2, vpn, p->pid);
			if (e) {
				m->c.tlb_l2_hits++;
				res->tlb = 2;
				/* L1 missed it just now */
				vm_tlb_fill_absent(m->l1, vpn, p->pid, e->pfn,
						   e->perm);
			} else if (G_UNLIKELY(m->thp_seen) &&
				   (e = vm_tlb_lookup(m->l2, (vpn >> m->hpage_order) |
						      VM_TLB_HUGE_TAG, p->pid))) {
				huge = TRUE;
				m->c.tlb_l2_hits++;
				m->c.tlb_l2_2m_hits++;
				res->tlb = 2;
				if (m->l1_2m)
					vm_tlb_fill_absent(m->l1_2m, vpn >> m->hpage_order,
							   p->pid, e->pfn, e->perm);
			} else {
				m->c.tlb_l2_misses++;
			}
		}
	}
	if (e) {
		if (e->perm & vm_mmu_need[acc]) {
			res->outcome = VM_OUT_HIT;
			res->pfn = huge ? huge_pfn(m, e->pfn, vpn) : (uint32_t)e->pfn;
			res->huge = (uint8_t)huge;
			p->last_outcome = VM_OUT_HIT;
			p->last_pfn = res->pfn;
			vm_memcg_access(m, res->pfn);
			return;
		}
		/* docs/format.md (outcomes): a hit whose entry forbids the access faults
		 * without a walk. */
		res->tlb_denied = 1;
		fault(m, p, vpn, acc, res);
		return;
	}

	m->c.walks++;
	res->walked = 1;
	unsigned refs = 0;
	uint64_t *slot = NULL;
	if (vpn < m->pt.vpn_limit) {
		slot = vm_pt_walk_cached(&m->pt, p->root, vpn, &refs);
	} else {
		/* beyond the address space: the top-level index is out of
		 * range; charge the one reference that finds that out */
		refs = 1;
	}
	m->c.walk_refs += refs;
	res->refs = (uint8_t)refs;
	res->cost += refs * m->cfg.cost_walk_ref;
	if (G_UNLIKELY(m->thp_seen) && !slot && refs + 1 == m->pt.levels &&
	    vpn < m->pt.vpn_limit) {
		/* the walk stopped at the PMD: a PMD leaf maps the page? */
		uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vpn);
		if (pmd && (*pmd & VM_PTE_HUGE)) {
			res->leaf_found = 1;
			res->pte_present = 1;
			res->huge = 1;
			if (pte_perm(*pmd) & vm_mmu_need[acc]) {
				*pmd |= VM_PTE_A;
				tlb_fill_huge(m, p, vpn, *pmd, TRUE);
				res->outcome = VM_OUT_WALK;
				res->pfn = huge_pfn(m, VM_PTE_PFN(*pmd), vpn);
				p->last_outcome = VM_OUT_WALK;
				p->last_pfn = res->pfn;
				vm_memcg_access(m, res->pfn);
				return;
			}
		}
	}
	if (slot) {
		res->leaf_found = 1;
		res->pte_present = (*slot & VM_PTE_P) != 0;
		if (res->pte_present && (pte_perm(*slot) & vm_mmu_need[acc])) {
			if (G_UNLIKELY(p->nr_threads > 1) &&
			    wait_locked_page(m, p, *slot, res))
				return;
			*slot |= VM_PTE_A;
			/* every TLB missed it just now: no entry to reuse */
			vm_tlb_fill_absent(m->l1, vpn, p->pid, VM_PTE_PFN(*slot),
					   pte_perm(*slot));
			if (m->l2)
				vm_tlb_fill_absent(m->l2, vpn, p->pid,
						   VM_PTE_PFN(*slot),
						   pte_perm(*slot));
			res->outcome = VM_OUT_WALK;
			res->pfn = (uint32_t)VM_PTE_PFN(*slot);
			p->last_outcome = VM_OUT_WALK;
			p->last_pfn = res->pfn;
			vm_memcg_access(m, res->pfn);
			return;
		}
	}
	fault(m, p, vpn, acc, res);
}
