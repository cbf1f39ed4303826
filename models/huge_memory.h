/*
 * Transparent huge pages (huge_memory.c): anonymous memory mapped by PMD
 * leaves, their faults, splits, copies on fork, and the huge-page TLB
 * entries' keys.  khugepaged.c collapses small pages back into huge ones.
 */
#ifndef VM_HUGE_MEMORY_H
#define VM_HUGE_MEMORY_H

#include "models/machine.h"
#include "models/fault.h"

/* Pages a PMD maps (HPAGE_PMD_NR); 0 with huge pages off. */
static inline uint64_t vm_huge_nr(const vm_machine_t *m)
{
	return m->hpage_order ? (uint64_t)1 << m->hpage_order : 0;
}

/* The L2 TLB (x86's STLB) holds 4 KiB and 2 MiB translations alike; a 2 MiB
 * one is keyed by its huge page number with this tag, which no vpn has. */
#define VM_TLB_HUGE_TAG ((uint64_t)1 << 62)

/* Set up huge pages for the machine's configuration (thp.enabled, the
 * page table's shape): the frame blocks and m->hpage_order. */
void vm_huge_init(vm_machine_t *m);

/* Could a huge page map page @vpn of @v (thp.enabled, madvise, the VMA's
 * kind, a whole aligned range inside it)?  __thp_vma_allowable_orders
 * with thp_vma_suitable_order. */
gboolean vm_huge_vma_allowable(const vm_machine_t *m, const vm_vma_t *v,
			       uint64_t vpn);

/* The huge half of handle_mm_fault (__handle_mm_fault's create_huge_pmd
 * and wp_huge_pmd): VM_FAULT_FALLBACK when the fault goes on with PTEs
 * (no huge page allowed or to be had, or the huge mapping was split),
 * else the result, with vmf->entry the PMD entry (VM_PTE_HUGE). */
unsigned vm_huge_fault(vm_machine_t *m, vm_fault_t *vmf);

/* split_huge_pmd: the PMD leaf @pmd of @p at @vpn (any page it maps)
 * becomes a table of PTEs mapping the same pages (counted thp_split_pmd). */
void vm_huge_split_pmd(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		       uint64_t *pmd);
/* zap_huge_pmd: unmap the PMD leaf @pmd of @p at @vpn whole. */
void vm_huge_zap_pmd(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		     uint64_t *pmd);
/* For range operations over [@start, @end) of @p (munmap, mprotect,
 * madvise, a VMA split): the PMD leaf @pmd at @vpn is split when the range
 * covers it only in part; TRUE when it covers it whole (the caller deals
 * with it as one entry). */
gboolean vm_huge_pmd_whole(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			   uint64_t *pmd, uint64_t start, uint64_t end);
/* change_huge_pmd: @prot (VM_PROT_*) on a PMD leaf. */
void vm_huge_change_pmd(vm_machine_t *m, uint64_t *pmd, uint32_t prot);
/* copy_huge_pmd: fork's copy of the parent's PMD leaf at @vpn into
 * @child, write-protected in both; FALSE when no frame for the child's
 * tables.  *protected: set when the parent's entry lost its write bit. */
gboolean vm_huge_copy_pmd(vm_machine_t *m, vm_proc_t *parent,
			  vm_proc_t *child, uint64_t vpn, uint64_t *pmd,
			  gboolean *protected_);
/* move_huge_pmd (mremap): the PMD leaf of @p at @from to @to, both
 * aligned, whose PMD entry is none; an anonymous one's deposited table
 * goes with it. */
void vm_huge_move_pmd(vm_machine_t *m, vm_proc_t *p, uint64_t from,
		      uint64_t to);
/* Before reclaim unmaps anonymous page @pfn: split every PMD leaf that
 * maps it (shrink_folio_list splits a huge page to swap it out). */
void vm_huge_split_page(vm_machine_t *m, uint32_t pfn);
/* Split every PMD leaf of @p that [@start, @end) cuts (a VMA boundary
 * inside one: vma_adjust_trans_huge). */
void vm_huge_split_at(vm_machine_t *m, vm_proc_t *p, uint64_t vpn);

/* A huge page's 2^hpage_order contiguous frames for @p at @vpn (aligned),
 * anonymous, each mapped once; VM_NIL when no aligned block is free
 * (compaction is counted, compact_stall and compact_fail, not done). */
uint32_t vm_huge_alloc(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		       gboolean direct_compact);

/* After vm_huge_init and m->folio_order: may file or shmem folios be
 * mapped by PMD (m->thp_file)? */
void vm_huge_init_file(vm_machine_t *m);

/* An aligned block of frames for a huge page-cache (or shmem) folio of @f
 * at @index (aligned), not yet on the reclaim lists; VM_NIL when no
 * aligned block is free. */
uint32_t vm_huge_alloc_file(vm_machine_t *m, vm_file_t *f, uint64_t index);

/* May a PMD of file VMA @v map the huge page holding @vpn (not
 * MADV_NOHUGEPAGE; thp_vma_suitable_order: aligned, inside @v)? */
gboolean vm_huge_file_suitable(const vm_machine_t *m, const vm_vma_t *v,
			       uint64_t vpn);

/* do_set_pmd: map the folio of vmf->file holding vmf->pgoff by the none
 * PMD @pmd of vmf->p, with @perm (VM_PTE_* bits; D: a write fault's,
 * dirtying the folio), when it is a huge page's size, whole in the file,
 * aligned with the address and physically contiguous.  FALSE: not (the
 * fault goes on with PTEs).  Counts thp_file_mapped, FilePmdMapped or
 * ShmemPmdMapped, RSS; sets vmf->entry and res->pfn. */
gboolean vm_huge_do_set_pmd(vm_machine_t *m, vm_fault_t *vmf, uint64_t *pmd,
			    uint64_t perm);

#endif
