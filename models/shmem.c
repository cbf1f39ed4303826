/*
 * shmem huge pages, modelled on mm/shmem.c (shmem_allowable_huge_orders,
 * shmem_huge_global_enabled, shmem_alloc_and_add_folio).  vmscope's shmem
 * is shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, file.h), which
 * Linux keeps on its internal shm_mnt mount, whose huge= setting is
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled: shmem.huge.
 *
 *   shmem.huge    a fault on a missing page of an aligned 2 MiB range
 *   ───────────   ─────────────────────────────────────────────────────
 *   never, deny   small pages
 *   always, force a huge folio
 *   within_size   a huge folio if the range ends within the object's size
 *   advise        a huge folio in a VMA given madvise(MADV_HUGEPAGE)
 *
 * always the range aligned with the address and inside the VMA
 * (thp_vma_suitable_order), not MADV_NOHUGEPAGE, no page of it present
 * yet.  A huge folio is one aligned block of 512 frames (frames.c): none
 * free, the fault falls back to a 4 KiB page (thp_file_fallback; Linux
 * counts shmem's under the file names) else thp_file_alloc.  Mapped by PMD
 * where the fault allows (fault.c, huge_memory.c do_set_pmd).
 *
 * A file on tmpfs (docs/format.md `tmpfs`) is shmem too, on a mount of its
 * own whose huge= is Linux's default, never: only `force` gives it huge
 * folios (mount options are not modelled).
 *
 * Left out: the per-size mTHP knobs (hugepages-*kB/shmem_enabled: "inherit"), swapping
 * shmem out (vmscope's shmem is never reclaimed), the huge= write path.
 */
#include "models/shmem.h"
#include "models/file.h"
#include "models/huge_memory.h"

gboolean vm_shmem_huge_allowed(const vm_machine_t *m, const vm_fault_t *vmf)
{
	const vm_vma_t *v = vmf->vma;
	uint64_t n = vm_huge_nr(m);
	if (!n || !vm_huge_file_suitable(m, v, vmf->vpn))
		return FALSE;
	if (vmf->file->name != NULL)   /* a tmpfs file: huge=never */
		return m->shmem_huge == VM_SHMEM_HUGE_FORCE;
	switch (m->shmem_huge) {
	case VM_SHMEM_HUGE_ALWAYS:
	case VM_SHMEM_HUGE_FORCE:
		return TRUE;
	case VM_SHMEM_HUGE_WITHIN_SIZE: {
		/* the huge page must end within i_size, rounded up to a page */
		uint64_t head = vmf->pgoff & ~(n - 1);
		return head + n <= vm_file_pages(vmf->file, m->page_shift);
	}
	case VM_SHMEM_HUGE_ADVISE:
		return (v->flags & VM_VMA_HUGEPAGE) != 0;
	default:
		return FALSE;
	}
}

uint32_t vm_shmem_alloc_huge(vm_machine_t *m, vm_fault_t *vmf)
{
	vm_file_t *f = vmf->file;
	uint64_t n = vm_huge_nr(m), head = vmf->pgoff & ~(n - 1);
	if (!vm_shmem_huge_allowed(m, vmf) ||
	    head + n > vm_file_pages(f, m->page_shift))
		return VM_NIL;
	/* shmem_suitable_orders: an order whose range holds a page already
	 * is not tried (no fallback counted) */
	for (uint64_t i = head; i < head + n; i++)
		if (vm_file_pfn(f, i) != VM_NIL)
			return VM_NIL;
	uint32_t pfn = vm_huge_alloc_file(m, f, head);
	if (pfn == VM_NIL) {
		m->c.thp_file_fallback++;
		return VM_NIL;
	}
	for (uint64_t i = 0; i < n; i++) {
		m->frames.f[pfn + i].io_done = m->now;   /* zeroed: up to date */
		vm_file_set_pfn(f, head + i, (uint32_t)(pfn + i));
	}
	f->nr_cached += n;
	vm_file_folio_set(f, head, m->hpage_order);
	m->nr_shmem_huge += n;
	m->c.thp_file_alloc++;
	return (uint32_t)(pfn + (vmf->pgoff - head));
}
