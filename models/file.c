/*
 * Files: the table of every file the machine knows, their names, sizes and
 * disk blocks, their life (a file lives while it has a name, an open fd or
 * a mapping: close() and unlink() never end a mapping), and truncation,
 * which unmaps and drops the pages past the new end.  Modelled on the
 * inode side of Linux (fs/inode.c's iput, mm/truncate.c's
 * truncate_inode_pages_range and unmap_mapping_range).  The pages of the
 * page cache themselves are filemap.c's; see file.h for the picture.
 */
#include <string.h>
#include "models/file.h"
#include "models/filemap.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/mm.h"
void vm_file_grow_index(vm_file_t *f, uint64_t pages)
{
	if (pages <= f->cap)
		return;
	uint64_t cap = f->cap ? f->cap : 16;
	while (cap < pages)
		cap *= 2;
	f->block = g_renew(uint64_t, f->block, cap);
	f->cache = g_renew(uint32_t, f->cache, cap);
	if (f->wb_done)
		f->wb_done = g_renew(uint64_t, f->wb_done, cap);
	if (f->dirtied)
		f->dirtied = g_renew(uint64_t, f->dirtied, cap);
	if (f->forder) {
		f->forder = g_renew(uint8_t, f->forder, cap);
		memset(f->forder + f->cap, 0, cap - f->cap);
	}
	for (uint64_t i = f->cap; i < cap; i++) {
		f->block[i] = VM_BLOCK_NONE;
		f->cache[i] = VM_NIL;
		if (f->wb_done)
			f->wb_done[i] = 0;
		if (f->dirtied)
			f->dirtied[i] = 0;
	}
	f->cap = cap;
}

static vm_file_t *file_alloc(vm_machine_t *m)
{
	vm_file_t *f = g_new0(vm_file_t, 1);
	f->id = m->files->len;
	g_ptr_array_add(m->files, f);
	vm_ra_state_init(&f->ra);
	return f;
}

vm_file_t *vm_file_new(vm_machine_t *m, const char *name, uint64_t size,
		       gboolean sparse, gboolean cached)
{
	vm_file_t *f = file_alloc(m);
	f->name = g_strdup(name);
	f->linked = TRUE;
	f->size = size;
	uint64_t pages = vm_file_pages(f, m->page_shift);
	vm_file_grow_index(f, pages);
	if (!sparse) {
		/* contiguous on the disk (docs/format.md `file`) */
		for (uint64_t i = 0; i < pages; i++)
			f->block[i] = m->next_block + i;
		m->next_block += pages;
		f->nr_blocks = pages;
	}
	g_hash_table_replace(m->names, f->name, f);
	if (cached) {
		for (uint64_t i = 0; i < pages; i++) {
			uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, i);
			if (pfn == VM_NIL)
				break;   /* a file larger than memory: the rest cold */
			f->cache[i] = pfn;
			f->nr_cached++;
			vm_reclaim_add(m->reclaim, pfn);
		}
	}
	return f;
}

vm_file_t *vm_file_new_shmem(vm_machine_t *m, uint64_t npages)
{
	vm_file_t *f = file_alloc(m);
	f->shmem = TRUE;
	f->size = npages << m->page_shift;
	vm_file_grow_index(f, npages);
	return f;
}

vm_file_t *vm_file_lookup(vm_machine_t *m, const char *name)
{
	return g_hash_table_lookup(m->names, name);
}

uint64_t vm_file_count_maps(vm_machine_t *m, const vm_file_t *f)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		vm_proc_t *p = m->procs[i];
		if (p->state != VM_PROC_RUNNING)
			continue;
		for (uint32_t k = 0; k < p->nr_vma; k++)
			n += p->vma[k].file == (int32_t)f->id;
	}
	return n;
}

void vm_file_folio_set(vm_file_t *f, uint64_t head, unsigned order)
{
	if (!f->forder)
		f->forder = g_new0(uint8_t, f->cap);
	memset(f->forder + head, (int)order, (size_t)1 << order);
}

/* Split the folio holding @idx into single pages (split_folio): before
 * one of its pages goes alone, so that a folio is always whole. */
static void folio_split(vm_file_t *f, uint64_t idx)
{
	unsigned order = vm_file_folio_order(f, idx);
	if (order)
		memset(f->forder + vm_file_folio_head(f, idx), 0, (size_t)1 << order);
}

void vm_file_drop_page(vm_machine_t *m, vm_file_t *f, uint64_t idx)
{
	uint32_t pfn = f->cache[idx];
	folio_split(f, idx);
	vm_frame_t *fr = &m->frames.f[pfn];
	g_assert(fr->mapcount == 0);
	if (fr->flags & VM_FRAME_DIRTY) {
		f->nr_dirty--;
		m->nr_dirty--;
	}
	vm_reclaim_remove(m->reclaim, pfn);
	vm_frames_free(&m->frames, pfn);
	f->cache[idx] = VM_NIL;
	f->nr_cached--;
}

void vm_file_maybe_free(vm_machine_t *m, vm_file_t *f)
{
	if (f->dead || f->linked || f->opens || vm_file_count_maps(m, f))
		return;
	for (uint64_t i = 0; i < f->cap; i++)
		if (f->cache[i] != VM_NIL)
			vm_file_drop_page(m, f, i);
	f->dead = TRUE;
	f->nr_blocks = 0;
}

void vm_file_unlink(vm_machine_t *m, vm_file_t *f)
{
	if (f->linked) {
		g_hash_table_remove(m->names, f->name);
		f->linked = FALSE;
	}
	vm_file_maybe_free(m, f);
}

gboolean vm_file_vma_vpn(const vm_vma_t *v, uint64_t idx, uint64_t *vpn)
{
	if (idx < v->pgoff || idx - v->pgoff >= v->end - v->start)
		return FALSE;
	*vpn = v->start + (idx - v->pgoff);
	return TRUE;
}

/* Unmap every PTE of every process that maps a page of @f at or past @from
 * (unmap_mapping_range, even private copies: truncation takes them too). */
static void unmap_from(vm_machine_t *m, vm_file_t *f, uint64_t from)
{
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		vm_proc_t *p = m->procs[i];
		if (p->state != VM_PROC_RUNNING)
			continue;
		for (uint32_t k = 0; k < p->nr_vma; k++) {
			vm_vma_t *v = &p->vma[k];
			if (v->file != (int32_t)f->id)
				continue;
			uint64_t first = from > v->pgoff ? v->start + (from - v->pgoff) : v->start;
			if (first >= v->end)
				continue;
			for (uint64_t vpn = first; vpn < v->end; vpn++) {
				uint64_t *pte = vm_pt_lookup(&m->pt, p->root, vpn);
				if (pte && *pte)
					vm_mm_zap_pte(m, p, vpn, pte);
			}
			vm_mmu_tlb_invalidate(m, p, first, v->end - first);
		}
	}
}

void vm_file_resize(vm_machine_t *m, vm_file_t *f, uint64_t size)
{
	uint64_t old_pages = vm_file_pages(f, m->page_shift);
	f->size = size;
	uint64_t pages = vm_file_pages(f, m->page_shift);
	if (pages < old_pages) {
		unmap_from(m, f, pages);
		for (uint64_t i = pages; i < old_pages && i < f->cap; i++) {
			if (f->cache[i] != VM_NIL)
				vm_file_drop_page(m, f, i);
			if (f->block[i] != VM_BLOCK_NONE) {
				f->block[i] = VM_BLOCK_NONE;   /* freed */
				f->nr_blocks--;
			}
		}
	} else {
		vm_file_grow_index(f, pages);   /* growth makes holes */
	}
}
