/*
 * The page cache's pages; see filemap.h, and file.h for the picture.
 * Modelled on mm/filemap.c (filemap_fault, filemap_map_pages,
 * filemap_get_pages, filemap_read), mm/readahead.c
 * (page_cache_ra_unbounded's reading of a window, page_cache_ra_order's
 * folios) and mm/vmscan.c's eviction of a page-cache folio.
 *
 * Large folios (cache.folio_max, see file.h): fill_window lays a window out
 * in folios as page_cache_ra_order does, vm_filemap_grab_folio gives a
 * write its folio, eviction takes a folio whole and dropping a page splits
 * its folio first (file.c).  With the key at 0 every folio order is 0 and
 * every path is the single-page one.
 *
 * Reads: the missing pages of a window become LOCKED frames at once (so a
 * second fault finds them and waits, minor, as Linux's do on a locked folio);
 * their blocks are sorted, merged into runs of adjacent blocks, and each run
 * is one disk request; a page is up to date when its run completes.  A hole
 * needs no I/O: the page is zero-filled at once.  The arrays a read lays
 * out live in the machine's scratch buffers (scratch.h): reading a window
 * allocates nothing.
 *
 * A major fault on a file page, in this file (fault.c calls in):
 *
 *   vm_filemap_fault ─ page missing ─► vm_ra_mmap_fault_miss (readahead.c:
 *     │                                  the policy's read-around window)
 *     │              ─► vm_filemap_fill_order ─► fill_window: frames for
 *     │                   the missing pages (machine.c), LOCKED; blocks into
 *     │                   m->scratch_read ─► vm_filemap_submit_blocks:
 *     │                   sorted, merged into runs, one vm_disk_submit each
 *     │                   (disk.c) ─► each page's io_done
 *     └─ why = FILE_READ, VM_FAULT_MAJOR, res->ready_at = the page's io_done
 *   vm_filemap_map_pages (from do_fault_around): cached, up-to-date
 *     neighbours mapped
 */
#include "models/memcg.h"
#include "models/filemap.h"
#include "models/file.h"
#include "models/writeback.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/vmscan.h"
#include "models/workingset.h"
#include "models/fault.h"
#include "models/huge_memory.h"
#include "models/shmem.h"

static unsigned ctz_u64(uint64_t n)
{
	return n ? (unsigned)__builtin_ctzll(n) : 63;
}

static unsigned ilog2_u64(uint64_t n)
{
	return 63 - (unsigned)__builtin_clzll(n);
}

/* Page @idx of @f comes into the cache in frame @pfn, not on the reclaim
 * lists yet: was it evicted before, with a shadow left (workingset.h)? */
static void take_shadow(vm_machine_t *m, vm_file_t *f, uint64_t idx, uint32_t pfn)
{
	vm_fchunk_t *c = vm_file_chunk(f, idx);
	if (!c || !c->shadow[VM_FILE_SLOT(idx)])
		return;
	uint64_t shadow = c->shadow[VM_FILE_SLOT(idx)];
	c->shadow[VM_FILE_SLOT(idx)] = 0;
	vm_workingset_refault(m, pfn, shadow);
}

/* Are all of [@i, +@n) missing from the cache? */
static gboolean range_empty(const vm_file_t *f, uint64_t i, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		if (vm_file_pfn(f, i + k) != VM_NIL)
			return FALSE;
	return TRUE;
}

/* A block to submit and its place in the caller's list. */
typedef struct {
	uint64_t block;
	uint64_t i;
} blk_t;

static int cmp_blk(const void *a, const void *b)
{
	uint64_t x = ((const blk_t *)a)->block, y = ((const blk_t *)b)->block;
	return x < y ? -1 : x > y;
}

/* submit_blocks' layout of m->scratch_bio for @nr blocks: the blocks with
 * their places, sorted; the sorted blocks alone (as vm_disk_merge_runs takes
 * them); the requests (at most one per block).  Returns the bytes. */
static size_t bio_layout(size_t nr, size_t *o_sorted, size_t *o_reqs)
{
	*o_sorted = vm_scratch_after(0, nr, sizeof(blk_t));
	*o_reqs = vm_scratch_after(*o_sorted, nr, sizeof(uint64_t));
	return vm_scratch_after(*o_reqs, nr, sizeof(vm_disk_req_t));
}

/* Issue @nr block requests of @dir, merged into runs; for each block, its
 * completion goes to done[i] (in the order given).  Returns the last.
 * Allocates nothing once m->scratch_bio is as large as @nr needs. */
uint64_t vm_filemap_submit_blocks(vm_machine_t *m, const uint64_t *blocks, size_t nr,
			      vm_disk_dir_t dir, uint64_t *done)
{
	uint64_t last = m->now;
	if (!nr)
		return last;
	size_t o_sorted, o_reqs;
	char *buf = vm_scratch_get(&m->scratch_bio, bio_layout(nr, &o_sorted, &o_reqs));
	blk_t *by_block = (blk_t *)buf;
	uint64_t *sorted = (uint64_t *)(buf + o_sorted);
	vm_disk_req_t *reqs = (vm_disk_req_t *)(buf + o_reqs);
	for (size_t i = 0; i < nr; i++)
		by_block[i] = (blk_t){ .block = blocks[i], .i = i };
	qsort(by_block, nr, sizeof *by_block, cmp_blk);
	for (size_t i = 0; i < nr; i++)
		sorted[i] = by_block[i].block;
	size_t nreq = vm_disk_merge_runs(sorted, nr, m->disk->max_blocks, dir, 0, reqs);
	/* request r is the run of sorted blocks [k, k + reqs[r].nr) */
	size_t k = 0;
	for (size_t r = 0; r < nreq; r++) {
		/* after the operation's page-cache insertions: Linux adds a
		 * window's folios (filemap_add_folio) and only then submits
		 * its bios (read_pages) */
		uint64_t t = vm_disk_submit(m->disk, MAX(vm_machine_op_now(m),
							 m->alloc_wait), &reqs[r]);
		if (t > last)
			last = t;
		for (uint32_t j = 0; j < reqs[r].nr; j++, k++)
			if (done)
				done[by_block[k].i] = t;
	}
	vm_scratch_put(&m->scratch_bio);
	return last;
}

/* fill_window's layout of m->scratch_read for a window of @nr pages: the
 * blocks to read, when each read completes, the frames they go to. */
static size_t read_layout(size_t nr, size_t *o_done, size_t *o_pfns)
{
	*o_done = vm_scratch_after(0, nr, sizeof(uint64_t));
	*o_pfns = vm_scratch_after(*o_done, nr, sizeof(uint64_t));
	return vm_scratch_after(*o_pfns, nr, sizeof(uint32_t));
}

void vm_filemap_scratch_init(vm_machine_t *m, uint64_t nr)
{
	size_t a, b;
	vm_scratch_reserve(&m->scratch_read, read_layout(nr, &a, &b));
	vm_scratch_reserve(&m->scratch_bio, bio_layout(nr, &a, &b));
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
/* The pages the windows of one read() call filled, as runs [start, end)
 * of one file, so that the call can tell a page it found cached from one
 * its own readahead brought (vm_filemap_read).  A call fills one window
 * (and windows of holes, complete at once), so a few runs do; past the
 * last, the runs merge (the count of pages found cached may then be low). */
#define READ_FILL_RUNS 8
struct vm_read_fills {
	uint32_t file;
	uint32_t n;
	uint64_t run[READ_FILL_RUNS][2];
};

static void note_fill(vm_machine_t *m, const vm_file_t *f, uint64_t j)
{
	struct vm_read_fills *rf = m->read_fills;
	if (G_LIKELY(!rf) || rf->file != f->id)
		return;
	if (rf->n && rf->run[rf->n - 1][1] == j) {
		rf->run[rf->n - 1][1] = j + 1;
	} else if (rf->n < READ_FILL_RUNS) {
		rf->run[rf->n][0] = j;
		rf->run[rf->n][1] = j + 1;
		rf->n++;
	} else {
		uint64_t *r = rf->run[rf->n - 1];
		r[0] = MIN(r[0], j);
		r[1] = MAX(r[1], j + 1);
	}
}

static gboolean filled_by_call(const struct vm_read_fills *rf, uint64_t j)
{
	for (uint32_t k = 0; k < rf->n; k++)
		if (j >= rf->run[k][0] && j < rf->run[k][1])
			return TRUE;
	return FALSE;
}

/*
 * read_pages: the reads of the @nio pages a window added in [@lo, @hi) go
 * out (after the additions, vm_machine_op_now), a large folio is up to
 * date when its last block is, and the pages are unlocked: from here on
 * io_done says whether a page is still being read.
 */
static void window_io(vm_machine_t *m, vm_file_t *f, const uint64_t *blocks,
		      const uint32_t *pfns, uint64_t *done, size_t nio,
		      gboolean large, uint64_t lo, uint64_t hi)
{
	if (nio) {
		vm_filemap_submit_blocks(m, blocks, nio, VM_DISK_READ, done);
		for (size_t k = 0; k < nio; k++)
			m->frames.f[pfns[k]].io_done = done[k];
	}
	if (large) {
		/* a folio is read as one: up to date when its last block is */
		for (uint64_t i = lo; i < hi; ) {
			unsigned o = vm_file_folio_order(f, i);
			uint64_t n = (uint64_t)1 << o, last = 0;
			if (!o || vm_file_pfn(f, i) == VM_NIL ||
			    !(m->frames.f[vm_file_pfn(f, i)].flags & VM_FRAME_LOCKED)) {
				i += n;
				continue;
			}
			for (uint64_t k = 0; k < n; k++)
				last = MAX(last, m->frames.f[vm_file_pfn(f, i + k)].io_done);
			for (uint64_t k = 0; k < n; k++)
				m->frames.f[vm_file_pfn(f, i + k)].io_done = last;
			i += n;
		}
	}
	for (uint64_t i = lo; i < hi; i++)
		if (vm_file_pfn(f, i) != VM_NIL)
			m->frames.f[vm_file_pfn(f, i)].flags &= ~VM_FRAME_LOCKED;
}

static uint32_t fill_window(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			    uint64_t start, uint64_t nr, uint64_t marker,
			    unsigned order, uint64_t *ready, uint32_t *ra_pages)
{
	uint64_t pages = vm_file_pages(f, m->page_shift);
	if (start + nr > pages)
		nr = pages > start ? pages - start : 0;
	size_t o_done, o_pfns;
	char *buf = vm_scratch_get(&m->scratch_read, read_layout(nr, &o_done, &o_pfns));
	uint64_t *blocks = (uint64_t *)buf;
	uint64_t *done = (uint64_t *)(buf + o_done);
	uint32_t *pfns = (uint32_t *)(buf + o_pfns);
	size_t nio = 0;
	uint32_t demanded = vm_file_pfn(f, idx);
	gboolean large = FALSE;    /* a large folio was made */
	uint64_t end = start + nr;
	order = f->shmem ? 0 : MIN(order, m->folio_order);
	*ready = m->now;
	for (uint64_t i = start; i < end; ) {
		/* the OOM killer took the process this reads for: what
		 * is allocated is read, the rest is not */
		if (m->cur_killed)
			break;
		if (vm_file_pfn(f, i) != VM_NIL) {
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
		/* a large folio is charged to a cgroup at once, with
		 * readahead's __GFP_NORETRY: one round of reclaim, and when
		 * that leaves too little room, the order-0 fallback for the
		 * rest of the window (page_cache_ra_order) */
		if (o && G_UNLIKELY(m->nr_memcg) &&
		    !vm_memcg_charge_noretry(m, (uint64_t)1 << o)) {
			order = 0;
			o = 0;
		}
		/* a folio of a huge page's size that a PMD may map is one
		 * aligned block of frames, as every folio is in Linux; none
		 * free: the order-0 fallback (page_cache_ra_order) */
		uint32_t block = VM_NIL;
		if (G_UNLIKELY(m->thp_file) && o == m->hpage_order) {
			block = vm_huge_alloc_file(m, f, i);
			if (block == VM_NIL) {
				order = 0;
				o = 0;
			}
		}
		uint64_t n = (uint64_t)1 << o, k;
		for (k = 0; k < n; k++) {
			uint64_t j = i + k;
			/* a page nobody asked for is readahead's: its
			 * allocation fails rather than kill (readahead_gfp_mask),
			 * and so does its charge to a cgroup (__GFP_NORETRY:
			 * one round of reclaim, memcg.c) */
			m->alloc_noretry = j != idx;
			uint32_t pfn = block != VM_NIL ? block + (uint32_t)k :
				       vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, j);
			m->alloc_noretry = FALSE;
			if (pfn == VM_NIL)
				break;
			vm_frame_t *fr = &m->frames.f[pfn];
			/* locked while the window is being filled, so that the
			 * allocations for its other pages cannot evict it */
			fr->flags |= VM_FRAME_LOCKED;
			vm_file_set_pfn(f, j, pfn);
			f->nr_cached++;
			note_fill(m, f, j);
			if (!f->shmem) {
				take_shadow(m, f, j, pfn);
				vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
			}
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
			if (vm_file_block(f, j) == VM_BLOCK_NONE) {
				fr->io_done = m->now;        /* a hole: zero-filled */
			} else {
				blocks[nio] = vm_file_block(f, j);
				pfns[nio] = pfn;
				nio++;
			}
		}
		if (k == n && o) {
			vm_file_folio_set(f, i, o);
			large = TRUE;
		}
		/* filemap_add_folio's work for this folio (allocation, memcg
		 * charge, xarray, LRU), once per folio whatever its size (the pages
 * of a folio that could not be made whole went in one by one): the
		 * CPU time of the operation, before the window's bios go out
		 * (cost.page_cache_add, 0 in the built-in profiles) */
		m->cache_add_ns += (k == n ? 1 : k) * m->cfg.cost_page_cache_add;
		if (k < n) {
			/* out of memory.  The demanded page's allocation may
			 * kill; then the window ends with it */
			if (i + k == idx)
				break;
			/* a readahead page's failed (__GFP_NORETRY): Linux's
			 * page_cache_ra_unbounded stops the window there and
			 * reads what it added (read_pages); a demanded page
			 * further on is then allocated on its own, as
			 * filemap_fault does after the readahead, with the
			 * pages added so far being read (its reclaim waits
			 * for them, vmscan.c) and none after it */
			if (idx < i + k || idx >= end)
				break;
			window_io(m, f, blocks, pfns, done, nio, large, start, i + k);
			nio = 0;
			order = 0;
			i = idx;
			end = idx + 1;
			continue;
		}
		i += n;
	}
	window_io(m, f, blocks, pfns, done, nio, large, start, end);
	if (demanded != VM_NIL && vm_frame_read_done(&m->frames.f[demanded]) > *ready)
		*ready = m->frames.f[demanded].io_done;
	vm_scratch_put(&m->scratch_read);
	return demanded;
}

uint32_t vm_filemap_fill(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			   uint64_t start, uint64_t nr, uint64_t marker,
			   uint64_t *ready, uint32_t *ra_pages)
{
	return vm_filemap_fill_order(m, f, idx, start, nr, marker, 0,
				       ready, ra_pages);
}

uint32_t vm_filemap_fill_order(vm_machine_t *m, vm_file_t *f, uint64_t idx,
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
	uint32_t pfn = vm_file_pfn(f, idx);
	if (pfn == VM_NIL)
		pfn = fill_window(m, f, idx, idx, 1, VM_RA_NONE, 0, ready, &extra);
	else
		*ready = MAX(m->now, vm_frame_read_done(&m->frames.f[pfn]));
	return pfn;
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
			if (p->vma[k].file != (int32_t)f->id || !vm_file_vma_vpn(&p->vma[k], idx, &vpn))
				continue;
			uint64_t *pte = vm_pt_lookup(&m->pt, p->root, vpn);
			if (!pte && G_UNLIKELY(m->thp_seen)) {
				/* a PMD-mapped folio is unmapped whole
				 * (try_to_unmap's split_huge_pmd_address of a
				 * file VMA clears the PMD) */
				uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vpn);
				uint64_t n = vm_huge_nr(m);
				if (pmd && (*pmd & VM_PTE_HUGE) && VM_PTE_PFN(*pmd) <= pfn &&
				    pfn < VM_PTE_PFN(*pmd) + n) {
					m->nr_reclaim_unmaps++;
					vm_huge_split_pmd(m, p, vpn, pmd);
				}
				continue;
			}
			if (pte && (*pte & VM_PTE_P) && VM_PTE_PFN(*pte) == pfn) {
				if (*pte & VM_PTE_D)
					vm_writeback_dirty(m, f, pfn);
				fr->mapcount--;
				p->rss_file--;
				m->nr_reclaim_unmaps++;
				vm_pt_leaf_set(&m->pt, p->root, vpn, pte, 0);
				vm_mmu_tlb_invalidate(m, p, vpn, 1);
			}
		}
	}
	g_assert(fr->mapcount == 0);
}

/* Not to be evicted now: locked, its read still in flight, or (unless
 * @written: its pageout taken as complete) its write still in flight,
 * PG_writeback, whoever started it (reclaim, fsync, the flusher). */
static gboolean page_busy(const vm_machine_t *m, const vm_file_t *f,
			  uint64_t idx, uint32_t pfn, gboolean written)
{
	const vm_frame_t *fr = &m->frames.f[pfn];
	if (fr->flags & VM_FRAME_LOCKED)
		return TRUE;
	uint64_t now = vm_machine_op_now(m);
	if (written)
		return fr->io_done > now && !(fr->flags & VM_FRAME_WRITEBACK);
	return fr->io_done > now || (vm_file_wb_done(f, idx) > now);
}

/* pageout of a dirty page reclaim chose: its write is issued and it stays,
 * clean, under writeback, on the lists (vmscan.c rotates it when the
 * write completes).  Returns VM_VMSCAN_PAGEOUT. */
static vm_vmscan_rc_t pageout(vm_machine_t *m, vm_file_t *f, uint64_t start,
			      uint64_t end, uint32_t pfn)
{
	uint64_t done = vm_writeback_range(m, f, start, end);
	vm_vmscan_pageout(m, pfn, done);
	return VM_VMSCAN_PAGEOUT;
}

/*
 * Evict the large folio holding page @idx (frame @pfn, the victim, already
 * off the reclaim lists) as one, as shrink_folio_list does with a page-cache
 * folio: every page unmapped, a dirty folio written (pageout) and kept
 * until the write completes, a clean one freed.  Not now if one of its
 * pages is busy (under I/O, locked) or isolated (off the reclaim lists: a
 * copy in progress, or set aside by this very scan).  Splitting it instead
 * would free one page and keep the rest, which Linux does only for folios
 * it cannot write whole.
 */
static vm_vmscan_rc_t evict_folio(vm_machine_t *m, vm_file_t *f, uint64_t idx,
				  uint32_t pfn, gboolean written)
{
	uint64_t head = vm_file_folio_head(f, idx);
	uint64_t n = (uint64_t)1 << vm_file_folio_order(f, idx);
	gboolean dirty = FALSE;
	for (uint64_t i = head; i < head + n; i++) {
		uint32_t q = vm_file_pfn(f, i);
		g_assert(q != VM_NIL);
		if (page_busy(m, f, i, q, written) ||
		    (q != pfn && m->frames.f[q].list == VM_RECLAIM_NONE))
			return VM_VMSCAN_KEPT;
	}
	for (uint64_t i = head; i < head + n; i++) {
		uint32_t q = vm_file_pfn(f, i);
		unmap_page(m, f, i, q);
		dirty |= (m->frames.f[q].flags & VM_FRAME_DIRTY) != 0;
	}
	m->last_evict = (vm_evict_info_t){
		.pfn = pfn, .vpn = idx, .slot = UINT32_MAX, .pid = f->id,
		.how = dirty ? VM_EVICT_FILE_DIRTY : VM_EVICT_FILE_CLEAN };
	if (dirty)
		return pageout(m, f, head, head + n, pfn);
	for (uint64_t i = head; i < head + n; i++) {
		uint32_t q = vm_file_pfn(f, i);
		if (q != pfn)
			vm_reclaim_remove(vm_memcg_lruvec(m, q), q);
		vm_fchunk_t *c = vm_file_chunk(f, i);
		c->shadow[VM_FILE_SLOT(i)] = vm_workingset_eviction(m, q);
		vm_frames_free(&m->frames, q);
		vm_file_set_pfn(f, i, VM_NIL);
		c->forder[VM_FILE_SLOT(i)] = 0;
	}
	f->nr_cached -= n;
	m->nr_evicted += n - 1;   /* the caller counts the victim */
	return VM_VMSCAN_FREED;
}

gboolean vm_filemap_folio_refs(void *ctx, uint32_t pfn)
{
	vm_machine_t *m = ctx;
	const vm_frame_t *fr = &m->frames.f[pfn];
	vm_file_t *f = vm_file_get(m, (int32_t)fr->owner);
	uint64_t idx = fr->index;
	unsigned order = f->shmem ? 0 : vm_file_folio_order(f, idx);
	uint64_t head = order ? vm_file_folio_head(f, idx) : idx;
	/* folio_referenced counts the VMAs that referenced the folio
	 * (folio_referenced_one: one each, however many of their PTEs were
	 * young), so a large folio one process read through one mapping
	 * counts 1, the keep case.  The frames have one accessed bit for all
	 * the PTEs of a page: two mappings can have referenced the folio
	 * when a young page of it is mapped more than once. */
	for (uint64_t i = head; i < head + ((uint64_t)1 << order); i++) {
		uint32_t q = vm_file_pfn(f, i);
		if (q != VM_NIL && m->frames.f[q].mapcount > 1 &&
		    (m->frames.f[q].flags & VM_FRAME_REFERENCED))
			return TRUE;
	}
	return FALSE;
}

vm_vmscan_rc_t vm_filemap_evict(vm_machine_t *m, uint32_t pfn, gboolean written)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	vm_file_t *f = vm_file_get(m, (int32_t)fr->owner);
	uint64_t idx = fr->index;
	if (f->shmem)
		return VM_VMSCAN_KEPT;
	if (G_UNLIKELY(vm_file_folio_order(f, idx)))
		return evict_folio(m, f, idx, pfn, written);
	if (page_busy(m, f, idx, pfn, written))
		return VM_VMSCAN_KEPT;
	unmap_page(m, f, idx, pfn);
	m->last_evict = (vm_evict_info_t){
		.pfn = pfn, .vpn = idx, .slot = UINT32_MAX, .pid = f->id,
		.how = (fr->flags & VM_FRAME_DIRTY) ? VM_EVICT_FILE_DIRTY
						    : VM_EVICT_FILE_CLEAN };
	if (fr->flags & VM_FRAME_DIRTY)
		return pageout(m, f, idx, idx + 1, pfn);
	vm_fchunk_t *c = vm_file_chunk(f, idx);
	c->shadow[VM_FILE_SLOT(idx)] = vm_workingset_eviction(m, pfn);
	c->cache[VM_FILE_SLOT(idx)] = VM_NIL;
	f->nr_cached--;
	vm_frames_free(&m->frames, pfn);
	return VM_VMSCAN_FREED;
}

/*
 * A write of @nr whole pages from @idx on (generic_perform_write: the
 * folio write_begin asks for is as large as what is left of the write,
 * fgf_set_order), with large folios on: page @idx and the folio it heads,
 * as large as the write, the index's alignment and cache.folio_max allow,
 * and smaller until none of its pages is cached yet (at worst one page, as
 * vm_filemap_grab).  VM_NIL when memory ran out.
 */
uint32_t vm_filemap_grab_folio(vm_machine_t *m, vm_file_t *f, uint64_t idx,
				 uint64_t nr)
{
	if (!m->folio_order || f->shmem || nr < 2)
		return vm_filemap_grab(m, f, idx);
	unsigned o = MIN(m->folio_order, MIN(ilog2_u64(nr), ctz_u64(idx)));
	uint64_t n = (uint64_t)1 << o;
	/* __filemap_get_folio: a smaller order each time the folio cannot
	 * go in (a page of its range is cached already: -EEXIST) */
	while (o && !range_empty(f, idx, n)) {
		o--;
		n >>= 1;
	}
	/* a folio a PMD may map: one aligned block, else a smaller order */
	uint32_t block = VM_NIL;
	if (G_UNLIKELY(m->thp_file) && o == m->hpage_order) {
		block = vm_huge_alloc_file(m, f, idx);
		if (block == VM_NIL) {
			o--;
			n >>= 1;
		}
	}
	if (!o)
		return vm_filemap_grab(m, f, idx);
	uint64_t k;
	for (k = 0; k < n; k++) {
		uint32_t pfn = block != VM_NIL ? block + (uint32_t)k :
			       vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, idx + k);
		if (pfn == VM_NIL)
			break;
		/* locked until the folio is whole: the allocations of its
		 * other pages must not evict it */
		m->frames.f[pfn].flags |= VM_FRAME_LOCKED;
		m->frames.f[pfn].io_done = m->now;
		vm_file_set_pfn(f, idx + k, pfn);
		f->nr_cached++;
		take_shadow(m, f, idx + k, pfn);
		vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
	}
	for (uint64_t i = 0; i < k; i++)
		m->frames.f[vm_file_pfn(f, idx + i)].flags &= ~VM_FRAME_LOCKED;
	if (k == n)
		vm_file_folio_set(f, idx, o);   /* else single pages, as many as were had */
	return vm_file_pfn(f, idx);
}

uint32_t vm_filemap_grab(vm_machine_t *m, vm_file_t *f, uint64_t idx)
{
	uint32_t pfn = vm_file_pfn(f, idx);
	if (pfn != VM_NIL)
		return pfn;
	pfn = vm_machine_alloc_frame(m, VM_FRAME_FILE, f->id, idx);
	if (pfn == VM_NIL)
		return VM_NIL;
	m->frames.f[pfn].io_done = m->now;
	vm_file_set_pfn(f, idx, pfn);
	f->nr_cached++;
	if (!f->shmem) {
		take_shadow(m, f, idx, pfn);
		vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
	}
	return pfn;
}

uint32_t vm_filemap_readahead(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t nr)
{
	uint64_t ready;
	uint32_t n = 0;
	fill_window(m, f, VM_RA_NONE, start, nr, VM_RA_NONE, 0, &ready, &n);
	return n;
}

static gboolean ra_cached(void *ctx, uint64_t index)
{
	return vm_filemap_find(ctx, index) != VM_NIL;
}

/*
 * do_sync_mmap_readahead in a VM_HUGEPAGE VMA (madvise hugepage): "use the
 * readahead code, even if readahead is disabled": two PMD-sized folios
 * from the huge page holding @idx (one with MADV_RANDOM), the marker on
 * the second, laid out at HPAGE_PMD_ORDER (page_cache_ra_order); mmap_miss
 * is left alone.
 */
static vm_ra_window_t hugepage_window(vm_machine_t *m, vm_file_t *f,
				      uint64_t idx, vm_madv_t advice)
{
	uint64_t n = vm_huge_nr(m);
	vm_ra_state_t *ra = &f->ra;
	ra->start = idx & ~(n - 1);
	ra->size = advice == VM_MADV_RANDOM ? n : 2 * n;
	ra->async_size = n;
	ra->order = m->hpage_order;
	return (vm_ra_window_t){ .start = ra->start, .nr = ra->size,
				 .marker = ra->start + ra->size - ra->async_size,
				 .reason = VM_RA_READAROUND, .order = m->hpage_order };
}

/*
 * filemap_fault: the page of a fault on a file mapping, found in the page
 * cache or read with the mmap readahead protocol (Linux's filemap_fault,
 * do_sync_mmap_readahead and do_async_mmap_readahead; read() has its own,
 * vm_filemap_get_page, as filemap_read has filemap_get_pages):
 *
 *   page cached ──► the policy's window for a mmap hit (a marker on the
 *      │            page's folio starts the next window; a hit also counts
 *      │            against mmap_miss), read with the page itself locked so
 *      │            that the window's allocations cannot reclaim it (Linux
 *      │            holds a reference) ──► up to date: FILE_CACHED, minor
 *      │                                   still being read: FILE_LOCKED,
 *      │                                   minor, the process waits
 *   page missing ─► the policy's window for a mmap miss (read-around),
 *                   read with the page ──► FILE_READ, major; a hole, zero-
 *                   filled: FILE_HOLE, major all the same; shmem: minor
 *
 * Sets vmf->page, vmf->ready (when the page is up to date), vmf->uptodate
 * and, in vmf->res, the reason, the readahead, the wait and file_major.
 * Returns VM_FAULT_MAJOR when it read the page, VM_FAULT_RETRY when the
 * fault waits for the read with the folio model on, VM_FAULT_OOM when
 * memory ran out or the OOM killer took the faulting process.
 */
unsigned vm_filemap_fault(vm_machine_t *m, vm_fault_t *vmf)
{
	vm_file_t *f = vmf->file;
	vm_result_t *res = vmf->res;
	uint64_t idx = vmf->pgoff;
	vm_madv_t advice = (vm_madv_t)vmf->vma->advice;
	vm_ra_query_t q = { .cached = ra_cached, .ctx = f,
			    .nr_pages = vm_file_pages(f, m->page_shift) };
	uint32_t pfn = vm_filemap_find(f, idx);
	uint32_t ra_pages = 0;
	unsigned ret = 0;
	vm_ra_window_t w;

	vmf->uptodate = FALSE;
	if (pfn == VM_NIL && G_UNLIKELY(m->thp_file) && f->shmem) {
		/* shmem_get_folio_gfp: a huge folio for the aligned range
		 * when shmem.huge allows it (shmem.c); zeroed, minor */
		pfn = vm_shmem_alloc_huge(m, vmf);
		if (pfn != VM_NIL) {
			vmf->ready = m->now;
			res->why = VM_WHY_FILE_HOLE;
			res->cost += vm_huge_nr(m) * m->cfg.cost_page_copy;
			vmf->page = pfn;
			return 0;
		}
	}
	if (pfn == VM_NIL) {
		/* do_sync_mmap_readahead */
		if (f->shmem)
			/* shmem_fault: shmem_get_folio allocates the one page,
			 * with no readahead and no mmap_miss (there is nothing
			 * to read); fault-around still maps the neighbours
			 * that are there */
			w = (vm_ra_window_t){ .start = idx, .nr = 1,
					      .marker = VM_RA_NONE };
		else if (G_UNLIKELY(m->thp_file) && (vmf->vma->flags & VM_VMA_HUGEPAGE) &&
			 m->folio_order >= m->hpage_order)
			w = hugepage_window(m, f, idx, advice);
		else
			w = vm_ra_mmap_fault_miss(&m->ra, &f->ra, &q, idx, advice);
		pfn = vm_filemap_fill_order(m, f, idx, w.start, w.nr, w.marker,
					    w.order, &vmf->ready, &ra_pages);
		/* the OOM killer took this very process while it read: its
		 * tables are gone, the fault ends here */
		if (vmf->p->state != VM_PROC_RUNNING || pfn == VM_NIL)
			return VM_FAULT_OOM;
		vm_workingset_note(m, pfn, res);   /* did it come back active? */
		if (vm_file_block(f, idx) == VM_BLOCK_NONE) {
			res->why = VM_WHY_FILE_HOLE;
			res->cost += m->cfg.cost_page_copy;   /* zero-fill */
		} else {
			res->why = VM_WHY_FILE_READ;
		}
		/* shmem has no disk: a new page is a minor fault (tmpfs) */
		if (!f->shmem) {
			res->file_major = 1;
			ret |= VM_FAULT_MAJOR;
		}
	} else {
		/* do_async_mmap_readahead.  PG_readahead is the folio's: its
		 * head carries it */
		vm_frame_t *fr = &m->frames.f[pfn];
		vm_frame_t *hf = &m->frames.f[vm_filemap_head(f, idx)];
		gboolean marker = (hf->flags & VM_FRAME_READAHEAD) != 0;
		vmf->uptodate = !marker && vm_frame_read_done(hf) <= m->now;
		q.marker_folio = (uint64_t)1 << vm_file_folio_order(f, idx);
		w = vm_ra_mmap_fault_hit(&m->ra, &f->ra, &q, idx, advice, marker);
		if (w.clear_marker)
			hf->flags &= ~VM_FRAME_READAHEAD;
		if (w.nr) {
			uint64_t r2;
			fr->flags |= VM_FRAME_LOCKED;
			vm_filemap_fill_order(m, f, idx, w.start, w.nr, w.marker,
					      w.order, &r2, &ra_pages);
			fr->flags &= ~VM_FRAME_LOCKED;
			if (vmf->p->state != VM_PROC_RUNNING)
				return VM_FAULT_OOM;
		}
		vmf->ready = MAX(vm_frame_read_done(fr), m->now);
		res->why = vmf->ready > m->now ? VM_WHY_FILE_LOCKED : VM_WHY_FILE_CACHED;
	}
	if (ra_pages) {
		res->ra_pages += ra_pages;
		res->ra_reason = (uint8_t)w.reason;
	}
	vm_filemap_used(m, pfn);
	if (vmf->ready > m->now) {
		/* the process waits for the read (folio_lock) */
		res->ready_at = vmf->ready;
		/* With the folio model on (a 6.16+ kernel, per-VMA locks): a
		 * fault that must wait for its folio's read drops the lock,
		 * waits and is retried (VM_FAULT_RETRY; the first attempt is
		 * not counted, the retry is major after a read it started),
		 * and the retry finds the folio up to date and faults around.
		 * Measured: a cold scan's 4 KiB-folio window costs one fault
		 * per 16 pages, none more for pages still being read. */
		if (m->folio_order)
			ret |= VM_FAULT_RETRY;
	}
	vmf->page = pfn;
	return ret;
}

/*
 * The readahead protocol of read() (Linux: filemap_get_pages'
 * page_cache_sync_ra and page_cache_async_ra; faults have
 * vm_filemap_fault's):
 *
 *   page missing ─► the policy's window for a miss ─► read it, the page
 *                   with it (VM_NIL: memory ran out)
 *   page cached  ─► a marker on its folio starts the policy's next window
 *                   asynchronously ─► read it, keeping the page itself
 *                   locked so that the window's allocations cannot reclaim
 *                   it (Linux holds a reference)
 *
 * *ready gets when the page is up to date (its read may be in flight);
 * res gets the pages read ahead and the window's reason.
 */
uint32_t vm_filemap_get_page(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			     uint64_t req, uint64_t *ready, vm_result_t *res)
{
	vm_ra_query_t q = { .cached = ra_cached, .ctx = f,
			    .nr_pages = vm_file_pages(f, m->page_shift) };
	uint32_t pfn = vm_filemap_find(f, idx);
	uint32_t ra_pages = 0;
	vm_ra_window_t w;

	if (pfn == VM_NIL) {
		/* shmem reads nothing ahead: there is no disk */
		w = f->shmem ? (vm_ra_window_t){ .start = idx, .nr = 1,
						 .marker = VM_RA_NONE }
			     : vm_ra_sync_read(&m->ra, &f->ra, &q, idx, req);
		pfn = vm_filemap_fill_order(m, f, idx, w.start, w.nr, w.marker,
					    w.order, ready, &ra_pages);
	} else {
		/* PG_readahead is the folio's: its head carries it */
		vm_frame_t *hf = &m->frames.f[vm_filemap_head(f, idx)];
		q.marker_folio = (uint64_t)1 << vm_file_folio_order(f, idx);
		if (hf->flags & VM_FRAME_READAHEAD)
			w = vm_ra_async_read(&m->ra, &f->ra, &q, idx, req);
		else
			w = (vm_ra_window_t){ .marker = VM_RA_NONE };
		if (w.clear_marker)
			hf->flags &= ~VM_FRAME_READAHEAD;
		if (w.nr) {
			vm_frame_t *fr = &m->frames.f[pfn];
			uint64_t r2;
			fr->flags |= VM_FRAME_LOCKED;
			vm_filemap_fill_order(m, f, idx, w.start, w.nr, w.marker,
					      w.order, &r2, &ra_pages);
			fr->flags &= ~VM_FRAME_LOCKED;
		}
		*ready = MAX(m->now, vm_frame_read_done(&m->frames.f[pfn]));
	}
	if (ra_pages) {
		res->ra_pages += ra_pages;
		res->ra_reason = (uint8_t)w.reason;
	}
	return pfn;
}

/* ---- mapping cached pages (filemap_map_pages, finish_fault's folio) ------ */

/* Map the page-cache page in frame @pfn (up to date) at virtual page @a of
 * @p, whose PTE is @slot, with @perm (set_pte_range: the PTE, the rmap's
 * count, the RSS). */
static void map_one(vm_machine_t *m, vm_proc_t *p, uint64_t a, uint32_t pfn,
		    uint64_t *slot, uint64_t perm)
{
	vm_pt_leaf_set(&m->pt, p->root, a, slot, VM_PTE_MAKE(pfn, VM_PTE_P | perm));
	if (perm & VM_PTE_D)   /* a write fault's folio: dirty as a whole */
		vm_writeback_dirty(m, vm_file_get(m, (int32_t)m->frames.f[pfn].owner), pfn);
	m->frames.f[pfn].mapcount++;
	p->rss_file++;
	vm_filemap_used(m, pfn);
}

/*
 * The pages of the large folio holding page @idx that one fault maps
 * (filemap_map_folio_range and finish_fault since 6.18): the whole folio
 * when it lies inside the VMA, one page-table page and the file; else only
 * [@lo, @hi) of it.  Maps those not mapped yet except @skip (the faulting
 * page, the caller's); returns how many, and in *end the virtual page
 * after the folio's last.
 *
 * @around: for fault-around, "inside the file" is 6.18's test
 * file_end >= folio_next_index with file_end the index of the last page,
 * so a folio that ends at EOF is mapped only within the window: measured,
 * a 64 MiB file written in 1 MiB folios costs 63 faults for its first 63
 * MiB and 16 for the last one (79).  A folio as large as a page-table
 * page is mapped whole all the same (measured: a file written in 2 MiB
 * folios costs 32 faults; Linux maps such a folio with one PMD entry,
 * as vmscope does where huge pages are on: fault.c's do_huge_file_fault,
 * before this path; here it is mapped by its PTEs).
 */
static uint32_t map_folio(vm_machine_t *m, vm_proc_t *p, const vm_vma_t *v,
			  vm_file_t *f, uint64_t idx, uint64_t lo, uint64_t hi,
			  uint64_t skip, uint64_t perm, gboolean around,
			  uint64_t *end)
{
	uint64_t head = vm_file_folio_head(f, idx);
	uint64_t n = (uint64_t)1 << vm_file_folio_order(f, idx);
	uint64_t table = (uint64_t)1 << m->pt.bits[m->pt.levels - 1];
	*end = v->start + (head + n - v->pgoff);   /* may pass v->end */
	if (head >= v->pgoff) {
		uint64_t fa = v->start + (head - v->pgoff);
		if (fa + n <= v->end && fa / table == (fa + n - 1) / table &&
		    head + n + (around && n < table ? 1 : 0) <=
		    vm_file_pages(f, m->page_shift)) {
			lo = fa;
			hi = fa + n;
		}
	}
	uint32_t mapped = 0;
	if (!around) {
		/* finish_fault maps the folio only where no PTE is there yet
		 * (pte_range_none); else the faulting page alone */
		for (uint64_t a = lo; a < hi; a++) {
			uint64_t *slot = a == skip ? NULL : vm_pt_lookup(&m->pt, p->root, a);
			if (slot && *slot)
				return 0;
		}
	}
	for (uint64_t a = lo; a < hi; a++) {
		uint64_t i = v->pgoff + (a - v->start);
		if (a == skip || i < head || i >= head + n)
			continue;
		uint64_t *slot = vm_pt_lookup(&m->pt, p->root, a);
		if (!slot || *slot)
			continue;
		map_one(m, p, a, vm_file_pfn(f, i), slot, perm);
		mapped++;
	}
	return mapped;
}

/*
 * filemap_map_pages: map the pages of vmf->file cached in [@lo, @hi) of
 * vmf->vma (virtual pages, the fault-around window), up to date at @when,
 * unlocked and unmarked, except the faulting page and those mapped
 * already, with @perm.  A page of a large folio brings the folio
 * (map_folio, which says how far it went).  Returns the pages mapped.
 */
uint32_t vm_filemap_map_pages(vm_machine_t *m, vm_fault_t *vmf, uint64_t lo,
			      uint64_t hi, uint64_t perm, uint64_t when)
{
	vm_proc_t *p = vmf->p;
	const vm_vma_t *v = vmf->vma;
	vm_file_t *f = vmf->file;
	uint64_t vpn = vmf->vpn;
	uint64_t pages = vm_file_pages(f, m->page_shift);
	uint32_t mapped = 0;
	for (uint64_t a = lo; a < hi; a++) {
		uint64_t idx = v->pgoff + (a - v->start);
		if (a == vpn || idx >= pages)
			continue;
		uint32_t pfn = vm_filemap_find(f, idx);
		if (pfn == VM_NIL)
			continue;
		if (G_UNLIKELY(vm_file_folio_order(f, idx))) {
			/* the folio's state is its head's */
			vm_frame_t *hf = &m->frames.f[vm_filemap_head(f, idx)];
			uint64_t end;
			uint32_t n = 0;
			if (vm_frame_read_done(hf) <= when && !(hf->flags & VM_FRAME_READAHEAD))
				n = map_folio(m, p, v, f, idx, lo, hi, vpn, perm,
					      TRUE, &end);
			else
				end = v->start + (vm_file_folio_head(f, idx) +
						  ((uint64_t)1 << vm_file_folio_order(f, idx)) -
						  v->pgoff);
			mapped += n;
			a = end - 1;
			continue;
		}
		vm_frame_t *fr = &m->frames.f[pfn];
		if (vm_frame_read_done(fr) > when || (fr->flags & VM_FRAME_READAHEAD))
			continue;
		uint64_t *slot = vm_pt_lookup(&m->pt, p->root, a);
		if (!slot || *slot)
			continue;
		map_one(m, p, a, pfn, slot, perm);
		mapped++;
	}
	return mapped;
}

uint32_t vm_filemap_map_folio(vm_machine_t *m, vm_fault_t *vmf, uint64_t perm)
{
	uint64_t end;
	return map_folio(m, vmf->p, vmf->vma, vmf->file, vmf->pgoff, vmf->vpn,
			 vmf->vpn + 1, vmf->vpn, perm, FALSE, &end);
}

/*
 * read(): filemap_read, from @off for @len bytes (up to EOF).  Page after
 * page is found or read with readahead (vm_filemap_get_page), marked used
 * and copied, until the call meets a page whose read is still in flight:
 * it takes that page too and waits for it (filemap_get_pages ends its
 * batch at the first folio not up to date and waits on it), and copies on
 * through the pages that will be up to date by then, stopping before any
 * page that would start a read of its own (a missing page, a readahead
 * marker): that read starts when the process gets there, after the wait.
 * res->more says the call goes on after the wait, res->bytes further
 * (the engine runs it again from there: one read() in several steps, as
 * many as it waits).  So a read larger than memory goes window by window,
 * the pages it has copied reclaimable behind it, as on Linux; memory
 * running out for a page it needs makes a short read.
 */
void vm_filemap_read(vm_machine_t *m, vm_file_t *f, uint64_t off, uint64_t len,
		     vm_result_t *res)
{
	unsigned sh = m->page_shift;
	uint64_t ready = m->now;
	if (off >= f->size || !len) {
		res->why = VM_WHY_EOF;
		return;
	}
	uint64_t end = MIN(off + len, f->size);
	uint64_t last = (end - 1) >> sh;
	uint64_t idx;
	struct vm_read_fills fills = { .file = f->id };
	m->read_fills = &fills;
	for (idx = off >> sh; idx <= last; idx++) {
		uint32_t have = vm_filemap_find(f, idx);
		if (have == VM_NIL && f->shmem)
			continue;   /* shmem_file_read_iter: a hole reads as
				     * zeros, and nothing is allocated */
		if (ready > m->now &&
		    (have == VM_NIL ||
		     (m->frames.f[vm_filemap_head(f, idx)].flags & VM_FRAME_READAHEAD) ||
		     vm_frame_read_done(&m->frames.f[have]) > ready)) {
			res->more = 1;   /* after the wait, from this page on */
			break;
		}
		uint64_t r = m->now;
		uint32_t pfn = vm_filemap_get_page(m, f, idx, last - idx + 1, &r, res);
		if (pfn == VM_NIL)
			break;   /* out of memory: a short read */
		pfn = vm_filemap_find(f, idx);
		if (pfn == VM_NIL)
			break;
		/* read for the caller, found in the cache, or brought by this
		 * call's own readahead (counted in ra_pages) */
		if (have == VM_NIL)
			res->io_pages++;
		else if (!filled_by_call(&fills, idx))
			res->cached++;
		vm_filemap_used(m, pfn);
		vm_memcg_mark_accessed(m, pfn);
		r = MAX(r, vm_frame_read_done(&m->frames.f[pfn]));
		ready = MAX(ready, r);
	}
	m->read_fills = NULL;
	if (!res->more)
		vm_ra_read_done(&f->ra, end, sh);
	uint64_t done = MIN(end, idx << sh);
	res->bytes = done > off ? done - off : 0;
	res->pages = idx - (off >> sh);
	if (idx <= last && !res->more)
		res->why = VM_WHY_SHORT_READ;
	if (ready > m->now)
		res->ready_at = ready;
}

/*
 * write(): generic_perform_write.  The file grows first when the write
 * reaches past its end; each page is taken into the cache (as large a
 * folio as the rest of the write when it starts on a page boundary), read
 * first only when the write covers part of a page that has data on the
 * disk, and dirtied.  The process waits only for such reads.
 */
void vm_filemap_write(vm_machine_t *m, vm_file_t *f, uint64_t off,
		      uint64_t len, vm_result_t *res)
{
	unsigned sh = m->page_shift;
	uint64_t ps = m->cfg.page_size, ready = m->now;
	if (!len)
		return;
	uint64_t old_size = f->size;
	if (off + len > f->size)
		vm_file_resize(m, f, off + len);
	for (uint64_t idx = off >> sh; idx <= (off + len - 1) >> sh; idx++) {
		uint64_t lo = MAX(off, idx << sh), hi = MIN(off + len, (idx + 1) << sh);
		gboolean whole = hi - lo == ps || lo >= old_size;
		uint32_t pfn = vm_filemap_find(f, idx);
		if (pfn == VM_NIL) {
			if (whole && lo == idx << sh) {
				/* write_begin's folio: as large as the rest
				 * of the write (whole pages of it) */
				pfn = vm_filemap_grab_folio(m, f, idx,
							    (off + len - lo) >> sh);
			} else if (whole || vm_file_block(f, idx) == VM_BLOCK_NONE) {
				pfn = vm_filemap_grab(m, f, idx);
			} else {
				uint64_t r;
				uint32_t ra;
				pfn = vm_filemap_fill(m, f, idx, idx, 1, VM_RA_NONE, &r, &ra);
				ready = MAX(ready, r);
				if (pfn != VM_NIL)
					res->io_pages++;
			}
			if (pfn == VM_NIL)
				break;
		} else {
			res->cached++;
		}
		ready = MAX(ready, vm_frame_read_done(&m->frames.f[pfn]));
		vm_writeback_dirty(m, f, pfn);
		vm_memcg_mark_accessed(m, pfn);
		res->pages++;
	}
	res->bytes = len;
	if (ready > m->now)
		res->ready_at = ready;
}
