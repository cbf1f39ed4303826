/*
 * shmem huge pages (shmem.c): which shmem faults get a PMD-sized folio
 * (shmem.huge, Linux's shmem_enabled and tmpfs huge=) and its allocation.
 */
#ifndef VM_SHMEM_H
#define VM_SHMEM_H

#include "models/machine.h"
#include "models/fault.h"

/* shmem_allowable_huge_orders for the fault @vmf (its VMA, file and page):
 * may it have a huge folio? */
gboolean vm_shmem_huge_allowed(const vm_machine_t *m, const vm_fault_t *vmf);

/* shmem_alloc_and_add_folio at HPAGE_PMD_ORDER: for a fault on page
 * vmf->pgoff of the shmem object vmf->file, missing from it, a huge folio
 * for its aligned range, zeroed, when allowed and none of the range is
 * there yet.  Returns the frame of vmf->pgoff, or VM_NIL: not allowed,
 * or no aligned block free (counted thp_file_fallback): the caller
 * allocates a small page. */
uint32_t vm_shmem_alloc_huge(vm_machine_t *m, vm_fault_t *vmf);

#endif
