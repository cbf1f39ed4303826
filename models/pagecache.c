/*
 * Files and the page cache; see file.h for the picture.  Modelled on
 * mm/filemap.c (filemap_fault, page_cache_ra_unbounded's reading of a window),
 * mm/truncate.c (truncate_inode_pages_range, unmap_mapping_range),
 * mm/page-writeback.c (write_cache_pages, folio_mkclean) and fs/ext4's
 * delayed allocation.
 *
 * Large folios (cache.folio_max, see file.h): fill_window lays a window out
 * in folios as page_cache_ra_order does, vm_pagecache_grab_folio gives a
 * write its folio, eviction takes a folio whole and dropping a page splits
 * its folio first.  With the key at 0 no file gets a forder[] array and
 * every path is the single-page one.
 *
 * Reads: the missing pages of a window become LOCKED frames at once (so a
 * second fault finds them and waits, minor, as Linux's do on a locked folio);
 * their blocks are sorted, merged into runs of adjacent blocks, and each run
 * is one disk request; a page is up to date when its run completes.  A hole
 * needs no I/O: the page is zero-filled at once.
 */
#include <string.h>
#include "models/machine.h"

static void file_grow_index(vm_file_t *f, uint64_t pages)
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
	file_grow_index(f, pages);
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
	file_grow_index(f, npages);
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

/* Make [@head, +2^@order) one folio (the pages are cached). */
static void folio_set(vm_file_t *f, uint64_t head, unsigned order)
{
	if (!f->forder)
		f->forder = g_new0(uint8_t, f->cap);
	memset(f->forder + head, (int)order, (size_t)1 << order);
}

/* Split the folio holding @idx into single pages (split_folio): before
 * one of its pages goes alone, so that a folio is always whole. */
static void folio_split(vm_file_t *f, uint64_t idx)
{
	unsigned order = vm_folio_order(f, idx);
	if (order)
		memset(f->forder + vm_folio_head(f, idx), 0, (size_t)1 << order);
}

static unsigned ctz_u64(uint64_t n)
{
	return n ? (unsigned)__builtin_ctzll(n) : 63;
}

static unsigned ilog2_u64(uint64_t n)
{
	return 63 - (unsigned)__builtin_clzll(n);
}

/* Are all of [@i, +@n) missing from the cache? */
static gboolean range_empty(const vm_file_t *f, uint64_t i, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		if (f->cache[i + k] != VM_NIL)
			return FALSE;
	return TRUE;
}

static void drop_page(vm_machine_t *m, vm_file_t *f, uint64_t idx)
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
			drop_page(m, f, i);
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

/* The virtual page where @p's VMA @v maps page @idx of its file, if any. */
static gboolean vma_vpn(const vm_vma_t *v, uint64_t idx, uint64_t *vpn)
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
					vm_machine_zap_pte(m, p, vpn, pte);
			}
			vm_machine_tlb_invalidate(m, p, first, v->end - first);
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
				drop_page(m, f, i);
			if (f->block[i] != VM_BLOCK_NONE) {
				f->block[i] = VM_BLOCK_NONE;   /* freed */
				f->nr_blocks--;
			}
		}
	} else {
		file_grow_index(f, pages);   /* growth makes holes */
	}
}

void vm_pagecache_dirty(vm_machine_t *m, vm_file_t *f, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	if (!(fr->flags & VM_FRAME_DIRTY) && !f->shmem) {
		fr->flags |= VM_FRAME_DIRTY;
		f->nr_dirty++;
		m->nr_dirty++;
		if (!f->dirtied)
			f->dirtied = g_new0(uint64_t, f->cap);
		f->dirtied[fr->index] = m->now;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Issue @nr block requests of @dir, merged into runs; for each block, its
 * completion goes to done[i] (in the order given).  Returns the last. */
static uint64_t submit_blocks(vm_machine_t *m, const uint64_t *blocks, size_t nr,
			      vm_disk_dir_t dir, uint64_t *done)
{
	uint64_t *sorted = g_new(uint64_t, nr);
	memcpy(sorted, blocks, nr * sizeof *sorted);
	qsort(sorted, nr, sizeof *sorted, cmp_u64);
	vm_disk_req_t *reqs = g_new(vm_disk_req_t, nr);
	size_t nreq = vm_disk_merge_runs(sorted, nr, m->disk->max_blocks, dir, 0, reqs);
	uint64_t last = m->now;
	uint64_t *req_done = g_new(uint64_t, nreq);
	for (size_t r = 0; r < nreq; r++) {
		req_done[r] = vm_disk_submit(m->disk, m->now, &reqs[r]);
		if (req_done[r] > last)
			last = req_done[r];
	}
	for (size_t i = 0; done && i < nr; i++)
		for (size_t r = 0; r < nreq; r++)
			if (blocks[i] >= reqs[r].start && blocks[i] < reqs[r].start + reqs[r].nr) {
				done[i] = req_done[r];
				break;
			}
	g_free(req_done);
	g_free(reqs);
	g_free(sorted);
	return last;
}

/* Read the missing pages of [start, +nr); @idx is the demanded page (or
 * VM_RA_NONE), the others count as readahead.  With large folios on, the
 * missing pages are laid out as page_cache_ra_order does:
 *
 *   order 4, window [40, 100):  40-47  48-63  64-79  80-95  96-99
 *                    folios:   order3 order4 order4 order4  order2
 *
 * each folio as large as @order allows, no larger than its index's
 * alignment, and never past the window's end (nor EOF); the first page
 * found cached ends the large folios, the rest of the window goes page by
 * page (Linux's filemap_add_folio fails with -EEXIST and the order-0
 * fallback reads the rest).  The marker goes on the folio holding
 * @marker.  A folio is up to date when all its pages are read. */
static uint32_t fill_window(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			    uint64_t start, uint64_t nr, uint64_t marker,
			    unsigned order, uint64_t *ready, uint32_t *ra_pages)
{
	uint64_t pages = vm_file_pages(f, m->page_shift);
	if (start + nr > pages)
		nr = pages > start ? pages - start : 0;
	uint64_t *blocks = g_new(uint64_t, nr ? nr : 1);
	uint32_t *pfns = g_new(uint32_t, nr ? nr : 1);
	uint64_t *done = g_new(uint64_t, nr ? nr : 1);
	size_t nio = 0;
	uint32_t demanded = idx < f->cap ? f->cache[idx] : VM_NIL;
	gboolean large = FALSE;    /* a large folio was made */
	uint64_t end = start + nr;
	order = f->shmem ? 0 : MIN(order, m->folio_order);
	*ready = m->now;
	for (uint64_t i = start; i < end; ) {
		/* the OOM killer took the process this reads for: what
		 * is allocated is read, the rest is not */
		if (m->cur_killed)
			break;
		if (f->cache[i] != VM_NIL) {
			order = 0;         /* the order-0 fallback from here */
			i++;
			continue;
		}
		unsigned o = MIN(order, ctz_u64(i));
		while (o && i + ((uint64_t)1 << o) > end)
			o--;
		if (o && !range_empty(f, i, (uint64_t)1 << o)) {
			order = 0;
			o = 0;
		}
		uint64_t n = (uint64_t)1 << o, k;
		for (k = 0; k < n; k++) {
			uint64_t j = i + k;
			uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, j);
			if (pfn == VM_NIL)
				break;
			vm_frame_t *fr = &m->frames.f[pfn];
			/* locked while the window is being filled, so that the
			 * allocations for its other pages cannot evict it */
			fr->flags |= VM_FRAME_LOCKED;
			f->cache[j] = pfn;
			f->nr_cached++;
			if (!f->shmem)
				vm_reclaim_add(m->reclaim, pfn);
			if (o ? k == 0 && marker != VM_RA_NONE &&
				marker - marker % n == i
			      : j == marker)
				fr->flags |= VM_FRAME_READAHEAD;
			if (j != idx) {
				fr->flags |= VM_FRAME_RA_UNUSED;
				m->c.readahead_pages++;
				(*ra_pages)++;
			} else {
				demanded = pfn;
			}
			if (f->block[j] == VM_BLOCK_NONE) {
				fr->io_done = m->now;        /* a hole: zero-filled */
			} else {
				blocks[nio] = f->block[j];
				pfns[nio] = pfn;
				nio++;
			}
		}
		if (k == n && o) {
			folio_set(f, i, o);
			large = TRUE;
		}
		if (k < n) {
			/* out of memory: the pages had stay single pages;
			 * readahead is best effort, the demanded page is not */
			if (i + k == idx)
				break;
			order = 0;
			i += k + 1;
			continue;
		}
		i += n;
	}
	if (nio) {
		submit_blocks(m, blocks, nio, VM_DISK_READ, done);
		for (size_t k = 0; k < nio; k++)
			m->frames.f[pfns[k]].io_done = done[k];
	}
	if (large) {
		/* a folio is read as one: up to date when its last block is */
		for (uint64_t i = start; i < end; ) {
			unsigned o = vm_folio_order(f, i);
			uint64_t n = (uint64_t)1 << o, last = 0;
			if (!o || f->cache[i] == VM_NIL ||
			    !(m->frames.f[f->cache[i]].flags & VM_FRAME_LOCKED)) {
				i += n;
				continue;
			}
			for (uint64_t k = 0; k < n; k++)
				last = MAX(last, m->frames.f[f->cache[i + k]].io_done);
			for (uint64_t k = 0; k < n; k++)
				m->frames.f[f->cache[i + k]].io_done = last;
			i += n;
		}
	}
	/* from here on io_done says whether a page is still being read */
	for (uint64_t i = start; i < end; i++)
		if (f->cache[i] != VM_NIL)
			m->frames.f[f->cache[i]].flags &= ~VM_FRAME_LOCKED;
	if (demanded != VM_NIL && m->frames.f[demanded].io_done > *ready)
		*ready = m->frames.f[demanded].io_done;
	g_free(blocks);
	g_free(pfns);
	g_free(done);
	return demanded;
}

uint32_t vm_pagecache_fill(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			   uint64_t start, uint64_t nr, uint64_t marker,
			   uint64_t *ready, uint32_t *ra_pages)
{
	return vm_pagecache_fill_order(m, f, idx, start, nr, marker, 0,
				       ready, ra_pages);
}

uint32_t vm_pagecache_fill_order(vm_machine_t *m, vm_file_t *f, uint64_t idx,
				 uint64_t start, uint64_t nr, uint64_t marker,
				 unsigned order, uint64_t *ready,
				 uint32_t *ra_pages)
{
	*ra_pages = 0;
	if (idx >= start && idx < start + nr)
		return fill_window(m, f, idx, start, nr, marker, order, ready,
				   ra_pages);
	/* a window beside the demanded page (an async window starts after
	 * it): read the window, then the page itself if it is missing, as
	 * Linux falls back to reading the single folio */
	uint64_t r = m->now;
	if (nr)
		fill_window(m, f, VM_RA_NONE, start, nr, marker, order, &r,
			    ra_pages);
	uint32_t extra = 0;
	uint32_t pfn = f->cache[idx];
	if (pfn == VM_NIL)
		pfn = fill_window(m, f, idx, idx, 1, VM_RA_NONE, 0, ready, &extra);
	else
		*ready = MAX(m->now, m->frames.f[pfn].io_done);
	return pfn;
}

/* folio_mkclean: write-protect every PTE that maps the page, so the next
 * write faults and dirties it again. */
static void mkclean(vm_machine_t *m, vm_file_t *f, uint64_t idx, uint32_t pfn)
{
	for (uint32_t i = 0; i < m->nr_procs && m->frames.f[pfn].mapcount; i++) {
		vm_proc_t *p = m->procs[i];
		if (p->state != VM_PROC_RUNNING)
			continue;
		for (uint32_t k = 0; k < p->nr_vma; k++) {
			uint64_t vpn;
			if (p->vma[k].file != (int32_t)f->id || !vma_vpn(&p->vma[k], idx, &vpn))
				continue;
			uint64_t *pte = vm_pt_lookup(&m->pt, p->root, vpn);
			if (pte && (*pte & VM_PTE_P) && VM_PTE_PFN(*pte) == pfn &&
			    (*pte & VM_PTE_W)) {
				*pte &= ~(uint64_t)(VM_PTE_W | VM_PTE_D);
				vm_machine_tlb_invalidate(m, p, vpn, 1);
			}
		}
	}
}

uint64_t vm_pagecache_writeback(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t end)
{
	return vm_pagecache_writeback_aged(m, f, start, end, UINT64_MAX);
}

uint64_t vm_pagecache_writeback_aged(vm_machine_t *m, vm_file_t *f,
				     uint64_t start, uint64_t end,
				     uint64_t dirtied_by)
{
	if (f->shmem || !f->nr_dirty)
		return m->now;
	if (end > f->cap)
		end = f->cap;
	GArray *blocks = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	GArray *idxs = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	if (!f->wb_done)
		f->wb_done = g_new0(uint64_t, f->cap);
	for (uint64_t i = start; i < end; i++) {
		uint32_t pfn = f->cache[i];
		if (pfn == VM_NIL || !(m->frames.f[pfn].flags & VM_FRAME_DIRTY))
			continue;
		if (dirtied_by != UINT64_MAX && f->dirtied && f->dirtied[i] > dirtied_by)
			continue;   /* not old enough for the flusher */
		if (f->block[i] == VM_BLOCK_NONE) {
			/* delayed allocation: the block comes with writeback */
			f->block[i] = m->next_block++;
			f->nr_blocks++;
		}
		g_array_append_val(blocks, f->block[i]);
		g_array_append_val(idxs, i);
		m->frames.f[pfn].flags &= ~VM_FRAME_DIRTY;
		f->nr_dirty--;
		m->nr_dirty--;
		mkclean(m, f, i, pfn);
	}
	uint64_t last = m->now;
	if (blocks->len) {
		uint64_t *done = g_new(uint64_t, blocks->len);
		last = submit_blocks(m, (uint64_t *)blocks->data, blocks->len,
				     VM_DISK_WRITE, done);
		for (guint k = 0; k < idxs->len; k++)
			f->wb_done[g_array_index(idxs, uint64_t, k)] = done[k];
		g_free(done);
	}
	g_array_free(blocks, TRUE);
	g_array_free(idxs, TRUE);
	return last;
}

void vm_machine_crash(vm_machine_t *m, uint64_t *lost, uint64_t *torn)
{
	*lost = *torn = 0;
	/* every process dies first, so that no PTE maps a page */
	for (uint32_t i = 0; i < m->nr_procs; i++)
		if (m->procs[i]->state == VM_PROC_RUNNING)
			vm_machine_exit(m, m->procs[i], VM_KILL_CRASH);
	for (guint k = 0; k < m->files->len; k++) {
		vm_file_t *f = g_ptr_array_index(m->files, k);
		if (f->dead)
			continue;
		for (uint64_t i = 0; i < f->cap; i++) {
			if (f->cache[i] != VM_NIL) {
				if (m->frames.f[f->cache[i]].flags & VM_FRAME_DIRTY) {
					f->lost_pages++;
					(*lost)++;
				}
				drop_page(m, f, i);
			}
			if (f->wb_done && f->wb_done[i] > m->now) {
				(*torn)++;   /* its write was in flight */
				f->wb_done[i] = 0;
			}
		}
		vm_ra_state_init(&f->ra);
		if (f->shmem)
			f->dead = TRUE;   /* memory is gone */
	}
	m->c.lost_pages += *lost;
	m->c.torn_pages += *torn;
	vm_tlb_flush_all(m->l1);
	if (m->l2)
		vm_tlb_flush_all(m->l2);
	m->cur_asid = 0;
}

/* try_to_unmap: take page @idx (frame @pfn) of @f out of every PTE that
 * maps it, moving a dirty bit found there to the page. */
static void unmap_page(vm_machine_t *m, vm_file_t *f, uint64_t idx, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	for (uint32_t i = 0; i < m->nr_procs && fr->mapcount; i++) {
		vm_proc_t *p = m->procs[i];
		if (p->state != VM_PROC_RUNNING)
			continue;
		for (uint32_t k = 0; k < p->nr_vma && fr->mapcount; k++) {
			uint64_t vpn;
			if (p->vma[k].file != (int32_t)f->id || !vma_vpn(&p->vma[k], idx, &vpn))
				continue;
			uint64_t *pte = vm_pt_lookup(&m->pt, p->root, vpn);
			if (pte && (*pte & VM_PTE_P) && VM_PTE_PFN(*pte) == pfn) {
				if (*pte & VM_PTE_D)
					vm_pagecache_dirty(m, f, pfn);
				fr->mapcount--;
				p->rss_file--;
				vm_pt_leaf_set(&m->pt, p->root, vpn, pte, 0);
				vm_machine_tlb_invalidate(m, p, vpn, 1);
			}
		}
	}
	g_assert(fr->mapcount == 0);
}

static gboolean page_busy(const vm_machine_t *m, uint32_t pfn)
{
	const vm_frame_t *fr = &m->frames.f[pfn];
	return (fr->flags & VM_FRAME_LOCKED) || fr->io_done > m->now;
}

/*
 * Evict the large folio holding page @idx (frame @pfn, the victim, already
 * off the reclaim lists) as one, as shrink_folio_list does with a page-cache
 * folio: every page unmapped, the dirty ones written (pageout of the
 * folio), all freed.  Not now if one of its pages is busy (under I/O,
 * locked) or isolated (off the reclaim lists: a copy in progress, or set
 * aside by this very scan).  Splitting it instead would free one page and
 * keep the rest, which Linux does only for folios it cannot write whole.
 */
static gboolean evict_folio(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			    uint32_t pfn)
{
	uint64_t head = vm_folio_head(f, idx);
	uint64_t n = (uint64_t)1 << vm_folio_order(f, idx);
	gboolean dirty = FALSE;
	for (uint64_t i = head; i < head + n; i++) {
		uint32_t q = f->cache[i];
		g_assert(q != VM_NIL);
		if (page_busy(m, q) ||
		    (q != pfn && m->frames.f[q].list == VM_RECLAIM_NONE))
			return FALSE;
	}
	for (uint64_t i = head; i < head + n; i++) {
		uint32_t q = f->cache[i];
		if (q != pfn)
			vm_reclaim_remove(m->reclaim, q);
		unmap_page(m, f, i, q);
		dirty |= (m->frames.f[q].flags & VM_FRAME_DIRTY) != 0;
	}
	m->last_evict = (vm_evict_info_t){
		.pfn = pfn, .vpn = idx, .slot = UINT32_MAX, .pid = f->id,
		.how = dirty ? VM_EVICT_FILE_DIRTY : VM_EVICT_FILE_CLEAN };
	if (dirty)
		vm_pagecache_writeback(m, f, head, head + n);   /* pageout */
	for (uint64_t i = head; i < head + n; i++) {
		vm_frames_free(&m->frames, f->cache[i]);
		f->cache[i] = VM_NIL;
		f->forder[i] = 0;
	}
	f->nr_cached -= n;
	m->nr_evicted += n - 1;   /* the caller counts the victim */
	return TRUE;
}

gboolean vm_pagecache_evict(vm_machine_t *m, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	vm_file_t *f = vm_file_get(m, (int32_t)fr->owner);
	uint64_t idx = fr->index;
	if (f->shmem || page_busy(m, pfn))
		return FALSE;
	if (G_UNLIKELY(vm_folio_order(f, idx)))
		return evict_folio(m, f, idx, pfn);
	unmap_page(m, f, idx, pfn);
	m->last_evict = (vm_evict_info_t){
		.pfn = pfn, .vpn = idx, .slot = UINT32_MAX, .pid = f->id,
		.how = (fr->flags & VM_FRAME_DIRTY) ? VM_EVICT_FILE_DIRTY
						    : VM_EVICT_FILE_CLEAN };
	if (fr->flags & VM_FRAME_DIRTY)
		vm_pagecache_writeback(m, f, idx, idx + 1);   /* pageout */
	f->cache[idx] = VM_NIL;
	f->nr_cached--;
	vm_frames_free(&m->frames, pfn);
	return TRUE;
}

/*
 * A write of @nr whole pages from @idx on (generic_perform_write: the
 * folio write_begin asks for is as large as what is left of the write,
 * fgf_set_order), with large folios on: page @idx and the folio it heads,
 * as large as the write, the index's alignment and cache.folio_max allow,
 * and smaller until none of its pages is cached yet (at worst one page, as
 * vm_pagecache_grab).  VM_NIL when memory ran out.
 */
uint32_t vm_pagecache_grab_folio(vm_machine_t *m, vm_file_t *f, uint64_t idx,
				 uint64_t nr)
{
	if (!m->folio_order || f->shmem || nr < 2)
		return vm_pagecache_grab(m, f, idx);
	unsigned o = MIN(m->folio_order, MIN(ilog2_u64(nr), ctz_u64(idx)));
	uint64_t n = (uint64_t)1 << o;
	file_grow_index(f, idx + n);
	/* __filemap_get_folio: a smaller order each time the folio cannot
	 * go in (a page of its range is cached already: -EEXIST) */
	while (o && !range_empty(f, idx, n)) {
		o--;
		n >>= 1;
	}
	if (!o)
		return vm_pagecache_grab(m, f, idx);
	uint64_t k;
	for (k = 0; k < n; k++) {
		uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, idx + k);
		if (pfn == VM_NIL)
			break;
		/* locked until the folio is whole: the allocations of its
		 * other pages must not evict it */
		m->frames.f[pfn].flags |= VM_FRAME_LOCKED;
		m->frames.f[pfn].io_done = m->now;
		f->cache[idx + k] = pfn;
		f->nr_cached++;
		vm_reclaim_add(m->reclaim, pfn);
	}
	for (uint64_t i = 0; i < k; i++)
		m->frames.f[f->cache[idx + i]].flags &= ~VM_FRAME_LOCKED;
	if (k == n)
		folio_set(f, idx, o);   /* else single pages, as many as were had */
	return f->cache[idx];
}

uint32_t vm_pagecache_grab(vm_machine_t *m, vm_file_t *f, uint64_t idx)
{
	file_grow_index(f, idx + 1);
	uint32_t pfn = f->cache[idx];
	if (pfn != VM_NIL)
		return pfn;
	pfn = vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, idx);
	if (pfn == VM_NIL)
		return VM_NIL;
	m->frames.f[pfn].io_done = m->now;
	f->cache[idx] = pfn;
	f->nr_cached++;
	if (!f->shmem)
		vm_reclaim_add(m->reclaim, pfn);
	return pfn;
}

/* Write back, in every file, the dirty pages dirtied at or before
 * @dirtied_by (UINT64_MAX: all); returns the last completion. */
static uint64_t writeback_all(vm_machine_t *m, uint64_t dirtied_by)
{
	uint64_t last = m->now;
	for (guint k = 0; k < m->files->len && m->nr_dirty; k++) {
		vm_file_t *f = g_ptr_array_index(m->files, k);
		if (f->dead || !f->nr_dirty)
			continue;
		uint64_t done = vm_pagecache_writeback_aged(m, f, 0, f->cap, dirtied_by);
		last = MAX(last, done);
	}
	return last;
}

void vm_writeback_catch_up(vm_machine_t *m, uint64_t now)
{
	uint64_t interval = m->cfg.writeback_interval;
	if (!interval)
		return;   /* dirty_writeback_centisecs=0: no periodic writeback */
	if (!m->flush_next)
		m->flush_next = interval;
	uint64_t saved = m->now;
	while (m->flush_next <= now) {
		m->now = m->flush_next;
		/* wb_workfn: old dirty data first, then background writeback
		 * when dirty pages exceed dirty_background_ratio */
		if (m->nr_dirty) {
			uint64_t cutoff = m->now >= m->cfg.writeback_expire
				? m->now - m->cfg.writeback_expire : 0;
			if (m->now >= m->cfg.writeback_expire)
				writeback_all(m, cutoff);
			if (m->nr_dirty * 100 > (uint64_t)m->frames.nr *
			    m->cfg.writeback_background_ratio)
				writeback_all(m, UINT64_MAX);
			m->c.flusher_runs++;
		}
		m->flush_next += interval;
	}
	m->now = saved;
}

uint64_t vm_writeback_balance(vm_machine_t *m)
{
	uint64_t total = m->frames.nr;
	if (m->nr_dirty * 100 > total * m->cfg.writeback_dirty_ratio) {
		/* balance_dirty_pages: the writer waits for writeback */
		m->c.dirty_throttles++;
		return writeback_all(m, UINT64_MAX);
	}
	if (m->nr_dirty * 100 > total * m->cfg.writeback_background_ratio)
		writeback_all(m, UINT64_MAX);   /* background: nobody waits */
	return m->now;
}

uint32_t vm_pagecache_readahead(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t nr)
{
	uint64_t ready;
	uint32_t n = 0;
	fill_window(m, f, VM_RA_NONE, start, nr, VM_RA_NONE, 0, &ready, &n);
	return n;
}
