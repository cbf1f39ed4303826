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

/* The permission an access of each vm_acc_t needs. */
static const uint8_t vm_mmu_need[3] = { VM_PROT_R, VM_PROT_W, VM_PROT_X };

/* An L1 hit of @p on @e, which allows @acc: the counts, the reclaim
 * policy told (vm_mmu_l1_hit_count), and the result. */
static inline __attribute__((always_inline)) void
vm_mmu_l1_hit_count(vm_machine_t *m, vm_proc_t *p, vm_acc_t acc,
		    const vm_tlb_entry_t *e)
{
	vm_mmu_count_access(m, p, acc);
	m->c.tlb_l1_hits++;
	vm_memcg_access(m, (uint32_t)e->pfn);
	p->last_outcome = VM_OUT_HIT;
	p->last_pfn = (uint32_t)e->pfn;
}

static inline __attribute__((always_inline)) void
vm_mmu_l1_hit(vm_machine_t *m, vm_proc_t *p, vm_acc_t acc,
	      const vm_tlb_entry_t *e, vm_result_t *res)
{
	vm_mmu_l1_hit_count(m, p, acc, e);
	vm_result_clear(res);
	res->outcome = VM_OUT_HIT;
	res->tlb = 1;
	res->pfn = (uint32_t)e->pfn;
	res->cost = m->cfg.cost_access;
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
	uint64_t vpn = vaddr >> m->page_shift;
	vm_tlb_entry_t *e = vm_tlb_lookup(m->l1, vpn, p->pid);
	if (G_LIKELY(e && (e->perm & vm_mmu_need[acc]))) {
		m->l1_hit = e;
		vm_mmu_l1_hit(m, p, acc, e, res);
		return;
	}
	vm_mmu_access_slow(m, p, vaddr, acc, e, res);
}

/*
 * The next access of @p, to the page of its last, after that last was an
 * L1 hit with permission on vm_mmu_access's inline path (its result:
 * VM_OUT_HIT, tlb 1, not huge) and nothing else used the TLB since: it
 * hits the same entry, m->l1_hit, without looking it up, and does what
 * vm_mmu_access would; its result is the last one's, left as it is in
 * @res.  FALSE, and nothing done, when that entry does not allow @acc or
 * its TLB's policy has a hit hook of its own: the caller then calls
 * vm_mmu_access.  For the engine's run of one-page accesses (a sequential
 * walk through a page is 63 of every 64 accesses of the TLB-friendly
 * trace, docs/speed.md, the sixth round).
 */
static inline __attribute__((always_inline)) gboolean
vm_mmu_access_again(vm_machine_t *m, vm_proc_t *p, vm_acc_t acc)
{
	vm_tlb_entry_t *e = m->l1_hit;
	if (!(e->perm & vm_mmu_need[acc]) || !vm_tlb_hit_again(m->l1, e))
		return FALSE;
	vm_mmu_l1_hit_count(m, p, acc, e);
	return TRUE;
}

/*
 * An access of @p to page @vpn, whose L1 entry @e an L1 hit of @p on
 * vm_mmu_access's inline path found before its last, with nothing but
 * such hits of @p since (no fill, drop or flush, so @e still maps @vpn
 * for @p): what vm_mmu_access would do, without the lookup (the scan of
 * the set), and @e is m->l1_hit after it.  FALSE, and nothing done, when
 * @e does not allow @acc.  For a recorded trace, whose accesses go from a
 * code page to a data page and back (docs/speed.md, the seventh round).
 */
static inline __attribute__((always_inline)) gboolean
vm_mmu_access_known(vm_machine_t *m, vm_proc_t *p, uint64_t vpn, vm_acc_t acc,
		    vm_tlb_entry_t *e)
{
	if (!(e->perm & vm_mmu_need[acc]))
		return FALSE;
	vm_tlb_hit_known(m->l1, e, vpn);
	m->l1_hit = e;
	vm_mmu_l1_hit_count(m, p, acc, e);
	return TRUE;
}

/* The kinds of access (bit 1 << vm_acc_t) that vm_mmu_access_again would
 * take on m->l1_hit (the entry allows them, its TLB's policy keeps no hit
 * hook of its own): what a run of them (vm_mmu_access_again_n) may hold. */
static inline unsigned vm_mmu_again_kinds(const vm_machine_t *m)
{
	const vm_tlb_entry_t *e = m->l1_hit;
	unsigned kinds = 0;
	if (!vm_tlb_hits_again(m->l1))
		return 0;
	for (unsigned a = 0; a < 3; a++)
		if (e->perm & vm_mmu_need[a])
			kinds |= 1u << a;
	return kinds;
}

/* vm_mmu_access_again for a run of @n[VM_ACC_R] loads, @n[VM_ACC_W] stores
 * and @n[VM_ACC_X] fetches by @p, each of a kind vm_mmu_again_kinds
 * allowed, at least one: as that many calls, in whatever order, would. */
static inline __attribute__((always_inline)) void
vm_mmu_access_again_n(vm_machine_t *m, vm_proc_t *p, const uint64_t n[3])
{
	vm_tlb_entry_t *e = m->l1_hit;
	uint64_t k = n[VM_ACC_R] + n[VM_ACC_W] + n[VM_ACC_X];
	vm_tlb_hit_again_n(m->l1, e, k);
	m->c.accesses += k;
	m->c.loads += n[VM_ACC_R];
	m->c.stores += n[VM_ACC_W];
	m->c.fetches += n[VM_ACC_X];
	p->accesses += k;
	m->c.tlb_l1_hits += k;
	vm_memcg_access_n(m, (uint32_t)e->pfn, k);
	p->last_outcome = VM_OUT_HIT;
	p->last_pfn = (uint32_t)e->pfn;
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
