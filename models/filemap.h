/*
 * The page cache's pages (filemap.c): finding a file page, reading a
 * readahead window of them into memory in folios, taking a page without
 * reading it (a write that covers it, a hole), counting readahead hits, and
 * dropping a page or folio for reclaim.  The readahead protocols of page
 * faults (vm_filemap_fault) and read() (vm_filemap_get_page) are here,
 * following mm/filemap.c.
 */
#ifndef VM_FILEMAP_H
#define VM_FILEMAP_H

#include "models/machine.h"
#include "models/file.h"
#include "models/vmscan.h"
#include "models/fault.h"

/* The frame of the first page of the folio holding page @idx (cached). */
static inline uint32_t vm_filemap_head(const vm_file_t *f, uint64_t idx)
{
	return vm_file_pfn(f, vm_file_folio_head(f, idx));
}
/* Page @idx, cached, or VM_NIL. */
static inline uint32_t vm_filemap_find(const vm_file_t *f, uint64_t idx)
{
	return vm_file_pfn(f, idx);
}
/*
 * Bring page @idx of @f into the page cache, reading the readahead window
 * [@start, +@nr) around it and marking @marker (VM_RA_NONE: none).  Returns
 * the frame, or VM_NIL when memory ran out; *ready gets the time page @idx
 * is up to date; *ra_pages the pages read beyond @idx.
 */
uint32_t vm_filemap_fill(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			 uint64_t start, uint64_t nr, uint64_t marker,
			 uint64_t *ready, uint32_t *ra_pages);
/* The same, laying the window's missing pages out in folios of up to
 * 2^@order pages (the window's order, capped by cache.folio_max); the
 * window's marker goes on the folio holding it. */
uint32_t vm_filemap_fill_order(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			       uint64_t start, uint64_t nr, uint64_t marker,
			       unsigned order, uint64_t *ready,
			       uint32_t *ra_pages);
/* Page @idx in the cache without reading it (a write that overwrites it
 * whole, or a hole): VM_NIL when memory ran out. */
uint32_t vm_filemap_grab(vm_machine_t *m, vm_file_t *f, uint64_t idx);
/* A write of @nr whole pages from @idx: page @idx in the cache, in a
 * folio as large as the write when large folios are on. */
uint32_t vm_filemap_grab_folio(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			       uint64_t nr);
/* Read [start, +nr) of @f into the cache without waiting (readahead,
 * MADV_WILLNEED); returns the pages read. */
uint32_t vm_filemap_readahead(vm_machine_t *m, vm_file_t *f, uint64_t start,
			      uint64_t nr);
/* Evict a file page reclaim chose: unmap it everywhere and drop it; a page
 * of a large folio takes the whole folio with it (m->nr_evicted counts the
 * others).  A dirty one is written instead and kept until the write
 * completes (VM_VMSCAN_PAGEOUT).  VM_VMSCAN_KEPT when it cannot go now
 * (locked, under I/O, shmem, a page of its folio busy or isolated).
 * @written: its pageout is taken as complete (vmscan.c's wait). */
vm_vmscan_rc_t vm_filemap_evict(vm_machine_t *m, uint32_t pfn, gboolean written);
/* Issue @nr block requests of @dir, merged into runs of adjacent blocks
 * (the plug's merging); for each block, its completion goes to done[i]
 * (in the order given; @done may be NULL).  Returns the last completion. */
uint64_t vm_filemap_submit_blocks(vm_machine_t *m, const uint64_t *blocks,
				  size_t nr, vm_disk_dir_t dir, uint64_t *done);
/* Page @idx of @f for read(), @req pages wanted from it on: found or
 * read with the readahead window the policy gives (see filemap.c); VM_NIL
 * when memory ran out.  *ready: when it is up to date; res: the pages read
 * ahead and why. */
uint32_t vm_filemap_get_page(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			     uint64_t req, uint64_t *ready, vm_result_t *res);
/* filemap_fault: the page of fault @vmf (vmf->file, vmf->pgoff), found or
 * read with the mmap readahead window the policy gives; sets vmf->page,
 * vmf->ready, vmf->uptodate and the reason, readahead and wait in
 * vmf->res.  Returns VM_FAULT_* bits (fault.h): MAJOR, RETRY or OOM. */
unsigned vm_filemap_fault(vm_machine_t *m, vm_fault_t *vmf);
/* filemap_map_pages: map the cached neighbours of fault @vmf in virtual
 * pages [@lo, @hi) that are up to date at @when and unmarked, with @perm
 * (a large folio's pages whole where it fits); returns how many. */
uint32_t vm_filemap_map_pages(vm_machine_t *m, vm_fault_t *vmf, uint64_t lo,
			      uint64_t hi, uint64_t perm, uint64_t when);
/* finish_fault's large folio: map the rest of the faulting page's folio
 * with @perm when it lies inside the VMA, one page-table page and the
 * file and none of its PTEs is set; returns the pages mapped. */
uint32_t vm_filemap_map_folio(vm_machine_t *m, vm_fault_t *vmf, uint64_t perm);
/* Size the machine's scratch buffers for reads of windows of @nr pages
 * (they grow when a larger one comes). */
void vm_filemap_scratch_init(vm_machine_t *m, uint64_t nr);
/* read() of [@off, +@len) of @f: res gets the bytes copied, the pages
 * found cached and read, the readahead, and the time to wait for. */
void vm_filemap_read(vm_machine_t *m, vm_file_t *f, uint64_t off, uint64_t len,
		     vm_result_t *res);
/* write() of [@off, +@len) of @f: res gets the pages dirtied, those read
 * first, and the time to wait for (the reads only). */
void vm_filemap_write(vm_machine_t *m, vm_file_t *f, uint64_t off,
		      uint64_t len, vm_result_t *res);
/* A page was used: count a readahead hit the first time. */
static inline void vm_filemap_used(vm_machine_t *m, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	if (G_UNLIKELY(fr->flags & VM_FRAME_RA_UNUSED)) {
		fr->flags &= ~VM_FRAME_RA_UNUSED;
		m->c.readahead_hits++;
	}
}

/* rc->folio_refs (reclaim.h) for the machine @ctx: did more than one
 * mapping reference the folio of @pfn (folio_referenced > 1)?  TRUE when a
 * page of it is young and mapped more than once. */
gboolean vm_filemap_folio_refs(void *ctx, uint32_t pfn);

#endif
