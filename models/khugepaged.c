/*
 * khugepaged, modelled on mm/khugepaged.c: a kernel thread that wakes every
 * scan_sleep_millisecs (10 s), scans pages_to_scan (4096) pages of the
 * address spaces that may hold huge pages, and collapses each aligned 2 MiB
 * range mapped by a PTE table into a huge page when it qualifies
 * (hpage_collapse_scan_pmd, collapse_huge_page):
 *
 *   PTE table of one aligned range      after collapse_huge_page
 *   ┌────┬────┬────┬─ ─┬────┐          ┌──────────── PMD leaf ────────────┐
 *   │ 17 │none│zero│   │ 40 │   ──►    │ a new block of 512 frames: the   │
 *   └────┴────┴────┴─ ─┴────┘          │ present pages copied, the rest   │
 *   present: anon, mapped once         │ zeroed; the old frames freed;    │
 *   none/zero <= max_ptes_none (511)   │ the PTE table deposited          │
 *                                      └──────────────────────────────────┘
 *
 * With max_ptes_none at 511 a range with a single page in it is collapsed:
 * the memory bloat of THP on a sparse heap.  A collapse counts
 * thp_collapse_alloc; no free aligned block counts
 * thp_collapse_alloc_failed and ends the scan, as Linux's does.
 *
 * The scan runs as an event (VM_EV_KHUGEPAGED) queued scan_sleep after a
 * VMA that may hold huge pages faults or is advised (khugepaged_enter),
 * again after each scan that did not finish a pass over every process or
 * collapsed something.  Its CPU time (cost.page_copy per page copied or
 * zeroed, cost.reclaim per page scanned) is counted in khugepaged_ns; it
 * does not take the CPU from the processes (kswapd does, kswapd.c): a
 * simplification.  Left out: max_ptes_swap and max_ptes_shared (a range
 * with a swapped-out or shared page is not collapsed), the young-page
 * requirement, file and shmem collapse (collapse_file), MADV_COLLAPSE.
 */
#include "models/khugepaged.h"
#include "models/huge_memory.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/swap.h"

static uint64_t prot_bits_of(uint32_t prot)
{
	return (prot & VM_PROT_R ? VM_PTE_R : 0) | (prot & VM_PROT_W ? VM_PTE_W : 0) |
	       (prot & VM_PROT_X ? VM_PTE_X : 0);
}

void vm_khugepaged_enter(vm_machine_t *m)
{
	if (!m->hpage_order || m->khugepaged_next)
		return;
	m->khugepaged_next = m->now + m->cfg.khugepaged_scan_sleep;
	if (!m->khugepaged_next)
		m->khugepaged_next = 1;
	vm_events_push(&m->ev, m->khugepaged_next, VM_EV_KHUGEPAGED, 0, 0);
}

void vm_khugepaged_wake(vm_machine_t *m)
{
	m->khugepaged_next = 0;
	uint64_t collapsed = m->c.thp_collapse_alloc;
	uint64_t passes = m->c.khugepaged_full_scans;
	m->c.khugepaged_ns += vm_khugepaged_scan(m, m->cfg.khugepaged_pages_to_scan);
	/* a pass that found nothing to do ends the wake-ups until the next
	 * khugepaged_enter; anything else goes on after scan_sleep */
	if (m->c.thp_collapse_alloc > collapsed || m->c.khugepaged_full_scans == passes)
		vm_khugepaged_enter(m);
}

gboolean vm_khugepaged_collapse(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
				uint64_t *cost)
{
	uint64_t n = vm_huge_nr(m), hvpn = vpn & ~(n - 1);
	*cost = 0;
	vm_vma_t *v = vm_mm_find_vma(p, hvpn);
	if (!n || !v || !vm_huge_vma_allowable(m, v, hvpn))
		return FALSE;
	uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, hvpn);
	if (!pmd || (*pmd & (VM_PTE_P | VM_PTE_HUGE)) != VM_PTE_P)
		return FALSE;
	uint32_t id = (uint32_t)VM_PTE_PFN(*pmd);
	uint64_t *pte = vm_pt_table_entries(&m->pt, id);
	/* hpage_collapse_scan_pmd */
	uint64_t none = 0, present = 0, perm = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pte[i], pfn = VM_PTE_PFN(e);
		if (!(e & VM_PTE_P) && !(e & VM_PTE_SWAP)) {
			none++;
			continue;
		}
		if (e & VM_PTE_SWAP)
			return FALSE;
		perm |= e & VM_PTE_PERM;
		if (pfn == VM_PFN_ZERO) {
			none++;
			continue;
		}
		const vm_frame_t *f = &m->frames.f[pfn];
		if (f->kind != VM_FRAME_ANON || f->mapcount != 1 ||
		    (f->flags & VM_FRAME_LOCKED) || f->io_done > m->now)
			return FALSE;
		present++;
	}
	if (!present || none > m->cfg.khugepaged_max_ptes_none)
		return FALSE;
	uint32_t hpfn = vm_huge_alloc(m, p, hvpn, TRUE);   /* khugepaged/defrag 1 */
	if (hpfn == VM_NIL) {
		m->c.thp_collapse_alloc_failed++;
		return FALSE;
	}
	/* copy what is there, zero the rest (__collapse_huge_page_copy), and
	 * let the old pages go */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pte[i], pfn = VM_PTE_PFN(e);
		if ((e & VM_PTE_P) && pfn != VM_PFN_ZERO) {
			vm_frame_t *f = &m->frames.f[pfn];
			f->mapcount--;
			p->rss_anon--;
			vm_swap_unmapped(m, (uint32_t)pfn);
		}
		vm_pt_leaf_set(&m->pt, p->root, hvpn + i, &pte[i], 0);
	}
	*cost += n * m->cfg.cost_page_copy;
	p->rss_anon += n;
	p->anon_huge += n;
	/* the table the range had is the new leaf's deposit */
	uint64_t bits = prot_bits_of(v->prot);
	*pmd = VM_PTE_MAKE(hpfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | VM_PTE_HUGE | bits);
	vm_pt_deposit(&m->pt, p->root, hvpn, id);
	(void)perm;
	m->thp_seen = TRUE;
	m->c.thp_collapse_alloc++;
	vm_mmu_tlb_invalidate(m, p, hvpn, n);
	return TRUE;
}

uint64_t vm_khugepaged_scan(vm_machine_t *m, uint64_t pages)
{
	uint64_t n = vm_huge_nr(m), cost = 0;
	if (!n)
		return 0;
	while (pages) {
		if (m->khugepaged_pid >= m->nr_procs) {
			/* a pass over every process is done */
			m->khugepaged_pid = 0;
			m->khugepaged_vpn = 0;
			m->c.khugepaged_full_scans++;
			break;
		}
		vm_proc_t *p = m->procs[m->khugepaged_pid];
		vm_vma_t *v = NULL;
		if (p->state == VM_PROC_RUNNING) {
			/* the first VMA that may hold huge pages at or after
			 * the cursor */
			for (uint32_t i = 0; i < p->nr_vma && !v; i++) {
				vm_vma_t *w = &p->vma[i];
				uint64_t lo = MAX(w->start, m->khugepaged_vpn);
				lo = (lo + n - 1) & ~(n - 1);
				if (lo + n <= w->end && vm_huge_vma_allowable(m, w, lo)) {
					v = w;
					m->khugepaged_vpn = lo;
				}
			}
		}
		if (!v) {
			m->khugepaged_pid++;
			m->khugepaged_vpn = 0;
			continue;
		}
		uint64_t c = 0;
		uint64_t before = m->c.thp_collapse_alloc_failed;
		vm_khugepaged_collapse(m, p, m->khugepaged_vpn, &c);
		cost += c + n * m->cfg.cost_reclaim;
		m->khugepaged_vpn += n;
		pages = pages > n ? pages - n : 0;
		if (m->c.thp_collapse_alloc_failed > before)
			break;   /* no memory for huge pages: try again later */
	}
	return cost;
}
