/*
 * Translation (mmu.c): one access of one page, as the hardware does it: the
 * L1 TLB, the L2 TLB, the page-table walk, and the fault handler when they
 * all fail (docs/format.md, outcomes, says how each step is counted).  The
 * TLB hit with permission is inline, so that a replay of TLB-friendly
 * accesses costs a lookup and a few counters.
 */
#ifndef VM_MMU_H
#define VM_MMU_H

#include "models/machine.h"
#include "models/proc.h"
#include "models/memcg.h"

/* Count one access of @acc by @p (docs/statistics.md accesses, loads, ...). */
static inline void vm_mmu_count_access(vm_machine_t *m, vm_proc_t *p,
				       vm_acc_t acc)
{
	m->c.accesses++;
	if (acc == VM_ACC_R)
		m->c.loads++;
	else if (acc == VM_ACC_W)
		m->c.stores++;
	else
		m->c.fetches++;
	p->accesses++;
}

/* Everything but the permitted L1 hit: in mmu.c. */
void vm_mmu_access_slow(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr,
			vm_acc_t acc, vm_tlb_entry_t *l1e, vm_result_t *res);

/* One access of @acc to the page holding @vaddr by @p; fills @res.
 * Always inline: the L1 TLB hit is most accesses, and as a call it cost
 * the engine its register saves (docs/speed.md, the fifth round). */
static inline __attribute__((always_inline)) void
vm_mmu_access(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr, vm_acc_t acc,
	      vm_result_t *res)
{
	static const uint8_t need[3] = { VM_PROT_R, VM_PROT_W, VM_PROT_X };
	uint64_t vpn = vaddr >> m->page_shift;
	vm_tlb_entry_t *e = vm_tlb_lookup(m->l1, vpn, p->pid);
	if (G_LIKELY(e && (e->perm & need[acc]))) {
		vm_mmu_count_access(m, p, acc);
		m->c.tlb_l1_hits++;
		vm_memcg_access(m, (uint32_t)e->pfn);
		p->last_outcome = VM_OUT_HIT;
		p->last_pfn = (uint32_t)e->pfn;
		vm_result_clear(res);
		res->outcome = VM_OUT_HIT;
		res->tlb = 1;
		res->pfn = (uint32_t)e->pfn;
		res->cost = m->cfg.cost_access;
		return;
	}
	vm_mmu_access_slow(m, p, vaddr, acc, e, res);
}

/* Fill both TLB levels with (@vpn -> @pte) for @p; a PMD entry
 * (VM_PTE_HUGE) fills the 2 MiB L1 TLB and the L2. */
void vm_mmu_tlb_fill(vm_machine_t *m, vm_proc_t *p, uint64_t vpn, uint64_t pte);
/* Drop [@vpn, +@n) of @p from both TLB levels (and the huge entries that
 * cover any of it); with several CPUs, from every CPU's (flush_tlb_mm_range:
 * IPIs, models/smp.h). */
void vm_mmu_tlb_invalidate(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			   uint64_t n);
/* flush_pmd_tlb_range: only PMD leaves of [@vpn, +@n) changed (@vpn and
 * @n whole huge pages).  One CPU: as vm_mmu_tlb_invalidate.  Several: one
 * INVLPG a huge page (stride_shift = the huge-page order, smp.h). */
void vm_mmu_flush_pmd_range(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			    uint64_t n);
/* Drop every translation of @p (flush_tlb_mm), on every CPU that runs it. */
void vm_mmu_tlb_flush_mm(vm_machine_t *m, vm_proc_t *p);
/* One CPU's TLBs: drop every entry of @pid (exit, fork), or every entry
 * (@all). */
void vm_mmu_tlb_flush(vm_machine_t *m, uint32_t pid, gboolean all);

#endif
