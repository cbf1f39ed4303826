/*
 * Files: the table of every file the machine knows, their names, sizes and
 * disk blocks, their life (a file lives while it has a name, an open fd or
 * a mapping: close() and unlink() never end a mapping), and truncation,
 * which unmaps and drops the pages past the new end.  Modelled on the
 * inode side of Linux (fs/inode.c's iput, mm/truncate.c's
 * truncate_inode_pages_range and unmap_mapping_range).  The pages of the
 * page cache themselves are filemap.c's; see file.h for the picture.
 */
#include "models/memcg.h"
#include <string.h>
#include "models/file.h"
#include "models/filemap.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/mm.h"
#include "models/huge_memory.h"
vm_fchunk_t *vm_file_chunk_get(vm_file_t *f, uint64_t idx)
{
	uint64_t key = idx >> VM_FILE_CHUNK_SHIFT;
	vm_fchunk_t *c = vm_xa_load(&f->pages, key);
	if (c)
		return c;
	c = g_new0(vm_fchunk_t, 1);
	uint64_t first = key << VM_FILE_CHUNK_SHIFT;
	for (unsigned k = 0; k < VM_FILE_CHUNK; k++) {
		c->block[k] = first + k < f->base_pages ? f->base_block + first + k
							: VM_BLOCK_NONE;
		c->cache[k] = VM_NIL;
	}
	vm_xa_store(&f->pages, key, c);
	f->ckey = key;
	f->cchunk = c;
	return c;
}

gboolean vm_file_next_cached(const vm_file_t *f, uint64_t *idx, uint32_t *pfn)
{
	uint64_t key = *idx >> VM_FILE_CHUNK_SHIFT;
	unsigned k = VM_FILE_SLOT(*idx);
	const vm_fchunk_t *c;
	while ((c = vm_xa_find(&f->pages, &key))) {
		if (key != *idx >> VM_FILE_CHUNK_SHIFT)
			k = 0;   /* a later chunk: from its start */
		for (; k < VM_FILE_CHUNK; k++) {
			if (c->cache[k] != VM_NIL) {
				*idx = (key << VM_FILE_CHUNK_SHIFT) | k;
				*pfn = c->cache[k];
				return TRUE;
			}
		}
		if (key == UINT64_MAX >> VM_FILE_CHUNK_SHIFT)
			break;
		key++;
		k = 0;
	}
	return FALSE;
}

void vm_file_free_index(vm_file_t *f)
{
	vm_xa_destroy(&f->pages, g_free);
	f->ckey = UINT64_MAX;
	f->cchunk = NULL;
}

static vm_file_t *file_alloc(vm_machine_t *m)
{
	vm_file_t *f = g_new0(vm_file_t, 1);
	f->id = m->files->len;
	f->ckey = UINT64_MAX;   /* no chunk looked up yet */
	g_ptr_array_add(m->files, f);
	vm_ra_state_init(&f->ra);
	return f;
}

/* A file named @name of @size bytes, in the namespace. */
static vm_file_t *file_named(vm_machine_t *m, const char *name, uint64_t size)
{
	vm_file_t *f = file_alloc(m);
	f->name = g_strdup(name);
	f->linked = TRUE;
	f->size = size;
	g_hash_table_replace(m->names, f->name, f);
	return f;
}

/* Pages 0 to @pages - 1 of @f in memory, clean: on the reclaim lists but
 * for shmem's (reclaim does not swap shmem here, as the shmem fault's
 * pages are on none).  A file larger than memory keeps the rest out. */
static void fill_pages(vm_machine_t *m, vm_file_t *f, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, i);
		if (pfn == VM_NIL)
			break;
		vm_file_set_pfn(f, i, pfn);
		f->nr_cached++;
		if (!f->shmem)
			vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
	}
}

vm_file_t *vm_file_new(vm_machine_t *m, const char *name, uint64_t size,
		       gboolean sparse, gboolean cached)
{
	vm_file_t *f = file_named(m, name, size);
	uint64_t pages = vm_file_pages(f, m->page_shift);
	if (!sparse) {
		/* contiguous on the disk (docs/format.md `file`) */
		f->base_block = m->next_block;
		f->base_pages = pages;
		m->next_block += pages;
		f->nr_blocks = pages;
	}
	if (cached)
		fill_pages(m, f, pages);
	return f;
}

vm_file_t *vm_file_new_shmem(vm_machine_t *m, uint64_t npages)
{
	vm_file_t *f = file_alloc(m);
	f->shmem = TRUE;
	f->size = npages << m->page_shift;
	return f;
}

vm_file_t *vm_file_new_tmpfs(vm_machine_t *m, const char *name, uint64_t size,
			     gboolean sparse)
{
	vm_file_t *f = file_named(m, name, size);
	f->shmem = TRUE;
	if (!sparse)
		fill_pages(m, f, vm_file_pages(f, m->page_shift));
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
	for (uint64_t i = head; i < head + ((uint64_t)1 << order); i++)
		vm_file_chunk_get(f, i)->forder[VM_FILE_SLOT(i)] = (uint8_t)order;
}

/* Split the folio holding @idx into single pages (split_folio): before
 * one of its pages goes alone, so that a folio is always whole. */
static void folio_split(vm_file_t *f, uint64_t idx)
{
	unsigned order = vm_file_folio_order(f, idx);
	uint64_t head = vm_file_folio_head(f, idx);
	for (uint64_t i = head; order && i < head + ((uint64_t)1 << order); i++)
		vm_file_chunk(f, i)->forder[VM_FILE_SLOT(i)] = 0;
}

void vm_file_drop_page(vm_machine_t *m, vm_file_t *f, uint64_t idx)
{
	uint32_t pfn = vm_file_pfn(f, idx);
	if (G_UNLIKELY(f->shmem) && m->hpage_order &&
	    vm_file_folio_order(f, idx) == m->hpage_order)
		m->nr_shmem_huge -= (uint64_t)1 << m->hpage_order;
	folio_split(f, idx);
	vm_frame_t *fr = &m->frames.f[pfn];
	g_assert(fr->mapcount == 0);
	if (fr->flags & VM_FRAME_DIRTY) {
		f->nr_dirty--;
		m->nr_dirty--;
		vm_memcg_dirty(m, pfn, -1);
	}
	vm_reclaim_remove(vm_memcg_lruvec(m, pfn), pfn);
	vm_frames_free(&m->frames, pfn);
	vm_file_set_pfn(f, idx, VM_NIL);
	f->nr_cached--;
}

void vm_file_maybe_free(vm_machine_t *m, vm_file_t *f)
{
	if (f->dead || f->linked || f->opens || vm_file_count_maps(m, f))
		return;
	uint32_t pfn;
	for (uint64_t i = 0; vm_file_next_cached(f, &i, &pfn); i++)
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

typedef struct {
	vm_machine_t *m;
	vm_proc_t *p;
	uint64_t start, end;   /* the range unmapped (for PMD leaves) */
} zap_ctx_t;

static void zap_one(void *ctx, uint64_t vpn, uint64_t *pte)
{
	zap_ctx_t *z = ctx;
	vm_mm_zap_pte(z->m, z->p, vpn, pte);
}

/* A PMD leaf mapping a folio of @f in the range: zap_pmd_range clears it,
 * whole or in part (a file's split leaves no PTEs). */
static void zap_huge_one(void *ctx, uint64_t vpn, uint64_t *pmd)
{
	zap_ctx_t *z = ctx;
	if (vm_huge_pmd_whole(z->m, z->p, vpn, pmd, z->start, z->end))
		vm_huge_zap_pmd(z->m, z->p, vpn, pmd);
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
			/* only the PTEs present: a huge mapping costs its pages */
			zap_ctx_t z = { .m = m, .p = p, .start = first, .end = v->end };
			vm_pt_for_each_huge(&m->pt, p->root, first, v->end, zap_one,
					    G_UNLIKELY(m->thp_seen) ? zap_huge_one : NULL, &z);
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
		/* pages of the contiguous extent past the end that no chunk
		 * holds: their blocks go by the rule (truncate_inode_pages) */
		uint64_t implicit = MIN(old_pages, f->base_pages) > pages
				    ? MIN(old_pages, f->base_pages) - pages : 0;
		uint64_t key = pages >> VM_FILE_CHUNK_SHIFT;
		vm_fchunk_t *c;
		while ((c = vm_xa_find(&f->pages, &key)) &&
		       (key << VM_FILE_CHUNK_SHIFT) < old_pages) {
			for (unsigned k = 0; k < VM_FILE_CHUNK; k++) {
				uint64_t i = (key << VM_FILE_CHUNK_SHIFT) | k;
				if (i < pages || i >= old_pages)
					continue;
				if (i < f->base_pages)
					implicit--;
				if (c->cache[k] != VM_NIL)
					vm_file_drop_page(m, f, i);
				c->shadow[k] = 0;   /* truncation drops shadows too */
				if (c->block[k] != VM_BLOCK_NONE) {
					c->block[k] = VM_BLOCK_NONE;   /* freed */
					f->nr_blocks--;
				}
			}
			if (key == UINT64_MAX >> VM_FILE_CHUNK_SHIFT)
				break;
			key++;
		}
		f->nr_blocks -= implicit;
		if (f->base_pages > pages)
			f->base_pages = pages;
	}
	/* growth makes holes: pages past the old end have no chunk yet, and
	 * base_pages ends the contiguous extent at the old size */
}
