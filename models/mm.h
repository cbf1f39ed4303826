/*
 * Address spaces (mm.c): the VMAs of a process and the memory system calls
 * that change them (mmap with MAP_FIXED, munmap, mprotect, madvise), in
 * pages.  See mm.c for the model.
 */
#ifndef VM_MM_H
#define VM_MM_H

#include "models/machine.h"

/* A virtual memory area, in page numbers: [start, end). */
typedef struct {
	uint64_t start, end;
	uint32_t prot;           /* VM_PROT_* */
	uint32_t flags;          /* VM_MAP_SHARED, VM_MAP_ANON */
	int32_t file;            /* file id, -1 for anonymous */
	uint32_t advice;         /* vm_madv_t */
	uint64_t pgoff;          /* file page of start */
	/* the anonymous index of start: the page offset in the anonymous
	 * memory the mapping was made with (Linux's vm_pgoff of anonymous
	 * memory, start when mapped), which a split keeps in step and
	 * mremap keeps: an anonymous page's frame index is its mapping's
	 * anonymous index (vm_vma_anon_index), by which the reverse map
	 * finds it in every process (vm_mm_anon_pte) */
	uint64_t anon_pgoff;
	/* swap_readahead_info (mm/swap_state.c, swap_vma_readahead): the
	 * page of the last swap-in or swap-cache hit, the last window and
	 * the read-ahead pages used since; all 0 until the first (Linux:
	 * hits then count as 4).  Copied by fork and splits, as Linux's
	 * vm_area_dup copies it. */
	uint64_t ra_vpn;
	uint32_t ra_win, ra_hits;
} vm_vma_t;

/* vm_vma_t.flags beside VM_MAP_*: madvise(MADV_[NO]HUGEPAGE)'s VM_HUGEPAGE
 * and VM_NOHUGEPAGE */
enum { VM_VMA_HUGEPAGE = 1 << 8, VM_VMA_NOHUGEPAGE = 1 << 9 };

/* The VMA of @p containing page @vpn, or NULL. */
vm_vma_t *vm_mm_find_vma(vm_proc_t *p, uint64_t vpn);

/* The anonymous index of page @vpn of @v: the frame index of an
 * anonymous page mapped there (linear_page_index).  @vpn itself in a
 * mapping that never moved. */
static inline uint64_t vm_vma_anon_index(const vm_vma_t *v, uint64_t vpn)
{
	return v->anon_pgoff + (vpn - v->start);
}

/* The anonymous index of page @vpn of @p (@vpn when no mapping holds it). */
uint64_t vm_mm_anon_index(vm_proc_t *p, uint64_t vpn);

/* The PTE of @q that maps anonymous frame @pfn, whose index is @index,
 * and in *@vpn its page; NULL when @q does not map it (rmap_walk_anon:
 * at @index itself in a process none of whose mappings moved, else in
 * each mapping whose anonymous range holds @index). */
uint64_t *vm_mm_anon_pte(vm_machine_t *m, vm_proc_t *q, uint64_t index,
			 uint32_t pfn, uint64_t *vpn);
/* The page of @q whose PMD leaf maps the huge page that holds anonymous
 * frame @pfn of index @index, in *@vpn: FALSE when none does. */
gboolean vm_mm_anon_pmd(vm_machine_t *m, vm_proc_t *q, uint64_t index,
			uint32_t pfn, uint64_t *vpn);

/* mmap: replaces whatever was mapped in the range first (MAP_FIXED).
 * @file is a file id (a file, or shmem for shared anonymous memory), -1
 * for private anonymous memory. */
void vm_mm_mmap(vm_machine_t *m, vm_proc_t *p, uint64_t start, uint64_t npages,
		uint32_t prot, uint32_t flags, int32_t file, uint64_t pgoff);
void vm_mm_munmap(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		  uint64_t npages);
void vm_mm_mprotect(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		    uint64_t npages, uint32_t prot);
/* madvise; returns the pages dropped (dontneed) or read ahead (willneed). */
uint64_t vm_mm_madvise(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		       uint64_t npages, vm_madv_t advice);
/* msync(MS_SYNC) of [@start, +@npages): the shared file pages in it
 * written back; returns when the writes complete (*written: pages). */
uint64_t vm_mm_msync(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		     uint64_t npages, uint64_t *written);
/* Remove one PTE's hold on its page (frame mapcount, RSS; frees an
 * anonymous page nobody maps, drops a swap entry) and clear the slot
 * (zap_pte_range). */
void vm_mm_zap_pte(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		   uint64_t *slot);

/* What vm_mm_mremap did (docs/format.md, mremap). */
typedef enum {
	VM_MREMAP_OK,
	VM_MREMAP_EFAULT,    /* the range does not lie in one mapping */
	VM_MREMAP_ENOMEM,    /* cannot grow in place: the range does not end
			      * its mapping, or what follows is mapped */
	VM_MREMAP_NO_TABLE,  /* no frame for a page-table page: nothing moved */
} vm_mremap_rc_t;

/* What a move did: the entries that now map the new range, and how many
 * of them came in leaf tables moved whole (move_normal_pmd), one PMD
 * entry written each, not one entry at a time. */
typedef struct {
	uint64_t entries;        /* every entry moved */
	uint64_t tables;         /* leaf tables moved whole */
	uint64_t table_entries;  /* the entries in those */
} vm_mremap_moves_t;

/*
 * mremap of [@start, +@old_n) of @p to @new_n pages at @to (@to ==
 * @start: in place).  Shrinking unmaps the tail; growing in place extends
 * the mapping when the range ends it and nothing follows; a move unmaps
 * the destination, moves the page-table entries (no page is copied or
 * faulted: move_page_tables) and unmaps the old range.  *@mv: what moved.
 */
vm_mremap_rc_t vm_mm_mremap(vm_machine_t *m, vm_proc_t *p, uint64_t start,
			    uint64_t old_n, uint64_t new_n, uint64_t to,
			    vm_mremap_moves_t *mv);

/* What vm_mm_map_frame did. */
typedef enum {
	VM_MAPF_OK,
	VM_MAPF_NO_VMA,     /* no private anonymous mapping holds the page */
	VM_MAPF_PROT,       /* PROT asks more than the mapping allows */
	VM_MAPF_MAPPED,     /* the page is present (or swapped) already */
	VM_MAPF_BUSY,       /* the frame is not free */
	VM_MAPF_NO_TABLE,   /* no frame for a page-table page */
} vm_mapf_rc_t;

/* Install page @vpn of @p at frame @pfn with @prot, as a page table given
 * by an exercise would hold it (the trace op `map`, docs/format.md): an
 * anonymous page of a private anonymous mapping, present, not accessed
 * yet; the page-table pages it needs are allocated as a fault's are. */
vm_mapf_rc_t vm_mm_map_frame(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			     uint32_t pfn, uint32_t prot, vm_result_t *res);

#endif
