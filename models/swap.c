/*
 * Swap: the swap area, the swap cache, swap-in and swap-out.  Modelled on
 * mm/swapfile.c (get_swap_page, swap_free, swap_duplicate), mm/swap_state.c
 * (the swap cache, swap_cluster_readahead), mm/rmap.c (try_to_unmap of an
 * anonymous page) and mm/vmscan.c's pageout of an anonymous page.
 *
 * The swap area is a range of blocks on the machine's one disk, after the
 * files, one page per slot; slots are taken next-fit from a cursor, as
 * scan_swap_map_slots does within a cluster.  A swap entry in a PTE holds the
 * slot number; swap_map counts the entries pointing at each slot (fork
 * copies them).
 *
 * The reverse map of an anonymous page: fork never moves pages, so every
 * process that maps a page copy-on-write maps it at the same virtual page;
 * eviction looks at that page in every live process (Linux walks the
 * anon_vma chain instead; the set it finds is the same).
 *
 * The swap cache (mm/swap_state.c) keeps a page that has a slot while it is
 * in memory: a page read back from swap stays in it, mapped read-only, so
 * that other processes holding entries for the slot find it there (a minor
 * fault), and a clean page evicted again needs no write.  The first write
 * frees the slot (do_wp_page's folio_free_swap) when no one else refers to
 * it, or copies the page when someone does.  Like do_swap_page, a swap-in
 * drops the slot at once when it was the last reference and the fault is a
 * write or swap is more than half full (should_try_to_free_swap).
 *
 * Swap-in readahead is swap_cluster_readahead: the aligned block of
 * swapin_nr_pages() slots around the faulting one is read in one go, each
 * slot in use and not cached into a swap-cache page of its own, while free
 * memory is above the min watermark (readahead may wake kswapd, never
 * enter direct reclaim).  The window adapts as swapin_nr_pages and
 * __swapin_nr_pages (mm/swap_state.c, unchanged up to Linux 6.18) size it:
 * the read-ahead pages that faults found in the swap cache since the last
 * swap-in (swapin_readahead_hits, counted by swap_update_readahead) plus 2,
 * rounded up to a power of two of at least 4; with no hits, 2 when the
 * slot is next to the last swap-in's without hits (prev_offset), else 1
 * (no readahead); at most 2^swap.cluster (page_cluster); and never less
 * than half the last window ("don't shrink readahead too fast").  So
 * random swap-ins read one page each, and a sequential run grows the
 * window to the cluster.
 *
 * That is Linux's choice when the swap device is rotational, or when
 * /sys/kernel/mm/swap/vma_ra_enabled is off (swap_use_vma_readahead); the
 * model's disk.type=hdd, or swap.vma_readahead=false.  Otherwise (the
 * default, an SSD or NVMe disk) swap-in reads ahead by virtual address:
 * swap_vma_readahead.  The window is __swapin_nr_pages' again, from the
 * faulting VMA's own state (swap_readahead_info: the page of its last
 * swap-in or swap-cache hit, its last window, the read-ahead pages used
 * since, 4 hits for a VMA that has none), at most 2^min(page-cluster, 5)
 * (SWAP_RA_ORDER_CEILING); it starts at the faulting page when the last
 * one was the page before, ends at it when that was the page after, and
 * is centred on it otherwise, clipped to the VMA and to the range one
 * leaf page table maps (the PMD).  Each page in it whose PTE holds a swap
 * entry not cached yet is read into the swap cache, in address order, the
 * reads of adjacent slots merged into one request as the block layer's
 * plug merges a bio with the request before it (back or front).  So
 * pages swapped out in another order than their addresses still come
 * back together, and neighbouring slots of other processes stay on disk.
 * Left out: the synchronous-device path (zram, pmem: do_swap_page then
 * skips the swap cache and readahead for a slot of one entry), and the
 * readahead pages' own allocation entering direct reclaim (the model's
 * stop above the min watermark, as for cluster readahead).
 *
 * Swap-out is add_to_swap and pageout: the page takes a slot, joins the
 * swap cache, every PTE that mapped it becomes a swap entry, and its write
 * is issued; the page stays in memory, clean and under writeback, until
 * the write completes (vmscan.c then makes it the next to go).  A fault on
 * it meanwhile finds it in the swap cache: a minor fault, no read.
 */
#include "models/memcg.h"
#include "models/swap.h"
#include "models/huge_memory.h"
#include "models/vmscan.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/workingset.h"

#define SWAP_NONE UINT32_MAX

void vm_swap_init(vm_machine_t *m)
{
	m->nr_swap_slots = (uint32_t)(m->cfg.swap_size / m->cfg.page_size);
	/* zeroed by the allocator (for a large area: pages the kernel maps
	 * on first touch), and swap_cache set up a chunk at a time by
	 * swap_alloc, so the slots the trace never uses cost nothing */
	m->swap_map = g_new0(uint32_t, m->nr_swap_slots ? m->nr_swap_slots : 1);
	m->swap_shadow = g_new0(uint64_t, m->nr_swap_slots ? m->nr_swap_slots : 1);
	m->swap_cache = g_new0(uint32_t, m->nr_swap_slots ? m->nr_swap_slots : 1);
	m->swap_hwm = 0;
	m->frame_slot = g_new(uint32_t, m->frames.nr);
	for (uint32_t f = 0; f < m->frames.nr; f++)
		m->frame_slot[f] = VM_NIL;
	m->nr_swapcache = 0;
	m->swapin_readahead_hits = 4;   /* ATOMIC_INIT(4): a first window */
	m->swap_ra_prev_offset = 0;
	m->swap_ra_last_pages = 0;
	/* swap_use_vma_readahead: no rotational swap device */
	m->swap_vma_ra = m->cfg.swap_vma_readahead && !m->disk->ops->rotational;
	m->swap_used = 0;
	m->swap_cursor = 0;
	/* far past any file block: a swap I/O is a seek away from file I/O */
	m->swap_base = (uint64_t)1 << 40;
}

void vm_swap_destroy(vm_machine_t *m)
{
	g_free(m->swap_map);
	g_free(m->swap_shadow);
	m->swap_shadow = NULL;
	g_free(m->swap_cache);
	g_free(m->frame_slot);
	m->swap_map = NULL;
	m->swap_cache = m->frame_slot = NULL;
}

/* @slot is free again: its swap charge goes too (swap.max, memcg.c). */
static void slot_release(vm_machine_t *m, uint32_t slot)
{
	m->swap_used--;
	if (G_UNLIKELY(m->swap_memcg) && m->swap_memcg[slot]) {
		vm_memcg_swap_charge(m, m->swap_memcg[slot], -1);
		m->swap_memcg[slot] = 0;
	}
}

/*
 * Whether the reclaim policy leaves shadows (vm_workingset_eviction).
 * When it does not, every swap_shadow entry stays 0 from vm_swap_init on,
 * and swap-in and swap-out neither read nor write it: a host cache line
 * less per slot, on every page that goes round under pressure
 * (docs/speed.md).
 */
static inline gboolean keeps_shadows(const vm_machine_t *m)
{
	return m->reclaim && m->reclaim->ops->shadow;
}

/* A slot whose last entry or cached page just went is free again. */
static void slot_maybe_free(vm_machine_t *m, uint32_t slot)
{
	if (!m->swap_map[slot] && m->swap_cache[slot] == VM_NIL) {
		slot_release(m, slot);
		if (keeps_shadows(m))
			m->swap_shadow[slot] = 0;   /* nobody will fault it back */
	}
}

static void swapcache_add(vm_machine_t *m, uint32_t slot, uint32_t pfn)
{
	m->swap_cache[slot] = pfn;
	m->frame_slot[pfn] = slot;
	m->nr_swapcache++;
}

/* delete_from_swap_cache: the page leaves the cache (it stays in memory).
 * Inline in this file: every clean page reclaim takes leaves it. */
static inline void swapcache_del(vm_machine_t *m, uint32_t pfn)
{
	uint32_t slot = m->frame_slot[pfn];
	g_assert(slot != VM_NIL && m->swap_cache[slot] == pfn);
	m->swap_cache[slot] = VM_NIL;
	m->frame_slot[pfn] = VM_NIL;
	m->nr_swapcache--;
	slot_maybe_free(m, slot);
}

void vm_swap_cache_del(vm_machine_t *m, uint32_t pfn)
{
	swapcache_del(m, pfn);
}

static void free_anon_frame(vm_machine_t *m, uint32_t pfn)
{
	if (m->frame_slot[pfn] != VM_NIL)
		swapcache_del(m, pfn);
	if (m->reclaim)
		vm_reclaim_remove(vm_memcg_lruvec(m, pfn), pfn);
	vm_frames_free(&m->frames, pfn);
}

/*
 * The last PTE mapping anonymous page @pfn went (munmap, exit, a copy).
 * A page outside the swap cache is freed; a cached one stays while swap
 * entries still point at its slot, for their owners to find.
 */
void vm_swap_unmapped(vm_machine_t *m, uint32_t pfn)
{
	uint32_t slot = m->frame_slot[pfn];
	if (slot == VM_NIL || !m->swap_map[slot])
		free_anon_frame(m, pfn);
}

static uint32_t swap_alloc(vm_machine_t *m)
{
	if (m->swap_used >= m->nr_swap_slots)
		return SWAP_NONE;
	for (uint32_t i = 0; i < m->nr_swap_slots; i++) {
		uint32_t s = (m->swap_cursor + i) % m->nr_swap_slots;
		if (s == m->swap_hwm) {
			/* the first slot never handed out (the cursor never
			 * passes swap_hwm, so the scan meets it before any
			 * slot beyond): set up the next chunk */
			uint32_t end = m->nr_swap_slots - s > VM_SWAP_CHUNK
				? s + VM_SWAP_CHUNK : m->nr_swap_slots;
			for (uint32_t t = s; t < end; t++)
				m->swap_cache[t] = VM_NIL;
			m->swap_hwm = end;
		}
		/* a slot without entries may still hold a cached page
		 * (mapped again after swap-in): it is not free until the
		 * page leaves the swap cache */
		if (!m->swap_map[s] && m->swap_cache[s] == VM_NIL) {
			m->swap_cursor = s + 1;
			m->swap_used++;
			return s;
		}
	}
	g_assert_not_reached();
	return SWAP_NONE;
}

/* swap_free: one entry for @slot is gone.  The last one also frees a
 * cached page that nobody maps (free_swap_and_cache). */
void vm_swap_put(vm_machine_t *m, uint32_t slot)
{
	g_assert(slot < m->nr_swap_slots && m->swap_map[slot] > 0);
	if (--m->swap_map[slot])
		return;
	uint32_t pfn = m->swap_cache[slot];
	if (pfn == VM_NIL)
		slot_release(m, slot);
	else if (!m->frames.f[pfn].mapcount)
		free_anon_frame(m, pfn);
}

/* Submit reads for the slots [@a, @b) on the swap area; returns when they
 * complete. */
static uint64_t swap_read_run(vm_machine_t *m, uint64_t start, uint32_t a,
			      uint32_t b)
{
	vm_disk_req_t req = { .start = m->swap_base + a, .nr = b - a,
			      .dir = VM_DISK_READ };
	m->c.pswpin += b - a;
	return vm_disk_submit(m->disk, MAX(start, m->alloc_wait), &req);
}

/*
 * __swapin_nr_pages: the readahead window for a swap-in at @offset, given
 * the last swap-in without hits at @prev_offset, the read-ahead @hits found
 * since the last swap-in, the largest window @max_pages and the last window
 * @prev_win.  A power of two from 1 to @max_pages (a power of two).
 */
uint32_t vm_swap_ra_window(uint64_t prev_offset, uint64_t offset,
			   uint32_t hits, uint32_t max_pages, uint32_t prev_win)
{
	/* "+ 2": Linux's heuristic, which "just happens to work well" */
	uint32_t pages = hits + 2;
	if (pages == 2) {
		/* no hits to judge by: an adjacent slot (either side) keeps
		 * a window of 2 so that sequential swap-in can start */
		if (offset != prev_offset + 1 && offset != prev_offset - 1)
			pages = 1;
	} else {
		uint32_t roundup = 4;
		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	/* don't shrink readahead too fast */
	if (pages < prev_win / 2)
		pages = prev_win / 2;
	return pages;
}

/* swapin_nr_pages: the window for a swap-in at @offset; takes the hits
 * (atomic_xchg to 0) and remembers the window.  Cluster 0 reads one page
 * and leaves the state alone, as Linux does. */
static uint32_t swapin_nr_pages(vm_machine_t *m, uint32_t offset)
{
	uint32_t max_pages = 1u << m->cfg.swap_cluster;
	if (max_pages <= 1)
		return 1;
	uint32_t hits = m->swapin_readahead_hits;
	m->swapin_readahead_hits = 0;
	uint32_t pages = vm_swap_ra_window(m->swap_ra_prev_offset, offset, hits,
					   max_pages, m->swap_ra_last_pages);
	if (!hits)
		m->swap_ra_prev_offset = offset;
	m->swap_ra_last_pages = pages;
	return pages;
}

/* SWAP_RA_ORDER_CEILING (64-bit): a VMA's window is at most 2^5 pages. */
#define SWAP_RA_ORDER_CEILING 5

/*
 * swap_vma_ra_win: the window for a swap-in at page @vpn of VMA @v, from
 * and into the VMA's state; [*@lo, *@hi) the pages to look at, clipped to
 * the VMA and to the leaf table's range.  1: no readahead.
 */
static uint32_t vma_ra_window(vm_machine_t *m, vm_vma_t *v, uint64_t vpn,
			      uint64_t *lo, uint64_t *hi)
{
	uint32_t max_win = 1u << MIN(m->cfg.swap_cluster, SWAP_RA_ORDER_CEILING);
	if (max_win == 1)
		return 1;
	uint64_t prev = v->ra_vpn;
	uint32_t win = vm_swap_ra_window(prev, vpn, vm_vma_ra_hits(v), max_win,
					 v->ra_win);
	v->ra_vpn = vpn;
	v->ra_win = win;
	v->ra_hits = 0;
	m->swap_ra_last_pages = win;
	if (win == 1)
		return 1;
	uint64_t left, right;
	if (vpn == prev + 1) {
		left = vpn;                       /* going up */
		right = vpn + win;
	} else if (prev == vpn + 1) {
		left = vpn + 1 >= win ? vpn + 1 - win : 0;   /* going down */
		right = vpn + 1;
	} else {
		uint32_t before = (win - 1) / 2;
		left = vpn >= before ? vpn - before : 0;
		right = vpn + (win - before);
	}
	uint64_t span = UINT64_C(1) << m->pt.bits[m->pt.levels - 1];
	uint64_t pmd = vpn & ~(span - 1);
	*lo = MAX(MAX(left, v->start), pmd);
	*hi = MIN(MIN(right, v->end), pmd + span);
	return win;
}

/* A page read ahead into the swap cache for @s (in use, not cached) while
 * memory is above the min watermark, so that readahead may wake kswapd but
 * never enters direct reclaim or the OOM killer: TRUE when it was. */
static gboolean ra_page(vm_machine_t *m, uint32_t s)
{
	if (m->frames.nr_free <= m->wm_min)
		return FALSE;
	/* nobody maps it yet: owner and address are set by the fault
	 * that finds it */
	uint32_t ra = vm_machine_alloc_frame(m, VM_FRAME_ANON, 0, UINT64_MAX);
	if (ra == VM_NIL)
		return FALSE;
	/* above the min watermark only a cgroup's charge can reclaim (and
	 * take this slot's page meanwhile) */
	if (G_UNLIKELY(m->nr_memcg) &&
	    (!m->swap_map[s] || m->swap_cache[s] != VM_NIL)) {
		vm_frames_free(&m->frames, ra);
		return FALSE;
	}
	swapcache_add(m, s, ra);
	m->frames.f[ra].flags |= VM_FRAME_RA_UNUSED;
	m->c.swap_ra++;
	return TRUE;
}

/* The reads of one plug (blk_start_plug to blk_finish_plug): slots come
 * in one at a time, and one adjacent to the request before, at its end or
 * its start, joins it (blk_attempt_plug_merge's back and front merges);
 * another submits it and starts the next. */
typedef struct {
	uint64_t start;          /* when the reads are submitted */
	uint32_t lo, hi;         /* the open request [lo, hi); lo == hi: none */
	uint32_t target;         /* the faulting slot */
	uint64_t *ready;         /* when the target's request completes */
} swap_plug_t;

static void plug_flush(vm_machine_t *m, swap_plug_t *pl)
{
	if (pl->lo == pl->hi)
		return;
	uint64_t done = swap_read_run(m, pl->start, pl->lo, pl->hi);
	for (uint32_t t = pl->lo; t < pl->hi; t++)
		m->frames.f[m->swap_cache[t]].io_done = done;
	if (pl->lo <= pl->target && pl->target < pl->hi)
		*pl->ready = done;
	pl->lo = pl->hi = 0;
}

static void plug_add(vm_machine_t *m, swap_plug_t *pl, uint32_t s)
{
	if (pl->lo != pl->hi && s == pl->hi) {
		pl->hi++;
	} else if (pl->lo != pl->hi && s + 1 == pl->lo) {
		pl->lo--;
	} else {
		plug_flush(m, pl);
		pl->lo = s;
		pl->hi = s + 1;
	}
}

/* swap_vma_readahead around page @vpn of @p in @v, whose slot @slot is in
 * the swap cache at @pfn already: the window's pages in address order,
 * read with the faulting one (see the top of this file). */
static void vma_readahead(vm_machine_t *m, vm_proc_t *p, vm_vma_t *v,
			  uint64_t vpn, uint32_t slot, uint32_t pfn,
			  uint64_t start, uint64_t *ready)
{
	uint64_t lo = vpn, hi = vpn + 1, *pte = NULL;
	*ready = 0;
	/* (the window first: it moves the VMA's state whatever it is) */
	if (vma_ra_window(m, v, vpn, &lo, &hi) == 1 || hi - lo <= 1 ||
	    !(pte = vm_pt_lookup(&m->pt, p->root, vpn))) {
		/* the faulting page alone */
		uint64_t done = swap_read_run(m, start, slot, slot + 1);
		m->frames.f[pfn].io_done = done;
		*ready = done;
		vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
		return;
	}
	/* the pages read, to join the reclaim lists once all are read (as
	 * for cluster readahead); a window is at most 2^5 pages */
	uint32_t read[1u << SWAP_RA_ORDER_CEILING];
	unsigned nr = 0;
	swap_plug_t pl = { .start = start, .target = slot, .ready = ready };
	for (uint64_t a = lo; a < hi; a++) {
		uint32_t s;
		if (a == vpn) {
			s = slot;
		} else {
			/* the window lies in @vpn's leaf table (the PMD
			 * clip), so its PTEs are this one's neighbours */
			uint64_t e = pte[(int64_t)(a - vpn)];
			if ((e & (VM_PTE_P | VM_PTE_SWAP)) != VM_PTE_SWAP)
				continue;
			s = (uint32_t)VM_PTE_PFN(e);
			if (!m->swap_map[s] || m->swap_cache[s] != VM_NIL ||
			    !ra_page(m, s))
				continue;
		}
		read[nr++] = m->swap_cache[s];
		plug_add(m, &pl, s);
	}
	plug_flush(m, &pl);
	for (unsigned i = 0; i < nr; i++)
		vm_reclaim_add(vm_memcg_lruvec(m, read[i]), read[i]);
}

/*
 * do_swap_page's miss: read @slot into a new swap-cache page for @p at @vpn
 * of @v, with readahead around it: by address in @v (swap_vma_readahead)
 * or the aligned block of slots around @slot (swap_cluster_readahead,
 * the window of swapin_nr_pages).  Returns the frame (VM_NIL when none
 * could be had); *@ready is when the read completes.
 */
uint32_t vm_swap_read(vm_machine_t *m, vm_proc_t *p, vm_vma_t *v, uint64_t vpn,
		      uint32_t slot, uint64_t start, uint64_t *ready)
{
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, p->pid,
					      vm_vma_anon_index(v, vpn));
	if (pfn == VM_NIL)
		return VM_NIL;
	/* the allocation may have reclaimed, but not this slot: our own PTE
	 * still holds its entry */
	swapcache_add(m, slot, pfn);
	if (keeps_shadows(m)) {
		uint64_t shadow = m->swap_shadow[slot];
		m->swap_shadow[slot] = 0;
		vm_workingset_refault(m, pfn, shadow);   /* before it joins the lists */
	}
	if (m->swap_vma_ra) {
		vma_readahead(m, p, v, vpn, slot, pfn, start, ready);
		return pfn;
	}
	/* swap_cluster_readahead: the aligned block of the window's size
	 * (a window of 1 reads the slot alone) */
	uint32_t mask = swapin_nr_pages(m, slot) - 1;
	if (!mask) {
		/* the common case under random swap-in: one read, no
		 * neighbours to look at (what the loop below does for a
		 * block of one slot) */
		uint64_t done = swap_read_run(m, start, slot, slot + 1);
		m->frames.f[pfn].io_done = done;
		*ready = done;
		vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
		return pfn;
	}
	uint32_t lo = slot & ~mask, hi = slot | mask;
	if (hi >= m->nr_swap_slots)
		hi = m->nr_swap_slots - 1;
	/* neighbours worth reading: in use and not cached (ra_page).  The
	 * pages join the reclaim lists only at the end, so that reclaim
	 * woken by one of these allocations cannot take a page being read. */
	uint32_t run = UINT32_MAX;   /* first slot of the run being built */
	*ready = 0;
	for (uint32_t s = lo; s <= hi + 1; s++) {
		gboolean take = FALSE;
		if (s == slot) {
			take = TRUE;
		} else if (s <= hi && m->swap_map[s] && m->swap_cache[s] == VM_NIL) {
			take = ra_page(m, s);
		}
		if (take) {
			if (run == UINT32_MAX)
				run = s;
			continue;
		}
		if (run == UINT32_MAX)
			continue;
		/* one request for the run [run, s) */
		uint64_t done = swap_read_run(m, start, run, s);
		for (uint32_t t = run; t < s; t++)
			m->frames.f[m->swap_cache[t]].io_done = done;
		if (run <= slot && slot < s)
			*ready = done;
		run = UINT32_MAX;
	}
	for (uint32_t s = lo; s <= hi; s++)
		if (m->swap_cache[s] != VM_NIL &&
		    m->frames.f[m->swap_cache[s]].list == VM_RECLAIM_NONE)
			vm_reclaim_add(vm_memcg_lruvec(m, m->swap_cache[s]), m->swap_cache[s]);
	return pfn;
}

/* try_to_unmap: every PTE that maps anonymous page @pfn becomes a swap
 * entry for @slot; @ev counts them and names the first mapper.  Out of
 * line: most of vm_swap_out's victims are mapped by nobody (read ahead),
 * and they then save the registers this loop needs. */
static G_GNUC_NO_INLINE void try_to_unmap(vm_machine_t *m, vm_frame_t *f,
					  uint32_t pfn, uint32_t slot,
					  vm_evict_info_t *ev)
{
	for (uint32_t i = 0; i < m->nr_procs && f->mapcount; i++) {
		vm_proc_t *q = m->procs[i];
		uint64_t vpn;
		if (q->state != VM_PROC_RUNNING)
			continue;
		uint64_t *pte = vm_mm_anon_pte(m, q, f->index, pfn, &vpn);
		if (!pte)
			continue;
		*pte = VM_PTE_MAKE(slot, VM_PTE_SWAP);   /* non-zero to non-zero */
		f->mapcount--;
		q->rss_anon--;
		m->nr_reclaim_unmaps++;
		q->swap_pages++;
		m->swap_map[slot]++;
		vm_mmu_tlb_invalidate(m, q, vpn, 1);
		if (!ev->mappers++) {
			ev->pid = q->pid;
			ev->vpn = vpn;   /* its address there */
		}
	}
}

vm_vmscan_rc_t vm_swap_out(vm_machine_t *m, uint32_t pfn, gboolean written)
{
	vm_frame_t *f = &m->frames.f[pfn];
	/* under I/O: a swap-in still reading it, or (unless its pageout is
	 * taken as done) the pageout reclaim started */
	if ((f->io_done > m->now && !written) || (f->flags & VM_FRAME_LOCKED))
		return VM_VMSCAN_KEPT;
	uint32_t slot = m->frame_slot[pfn];
	gboolean cached = slot != VM_NIL;
	if (!cached) {
		/* a cgroup at its swap.max keeps its pages (the swap charge
		 * fails, folio_alloc_swap) */
		if (G_UNLIKELY(f->memcg) && !vm_memcg_swap_ok(m, f->memcg))
			return VM_VMSCAN_KEPT;
		slot = swap_alloc(m);
		if (slot == SWAP_NONE)
			return VM_VMSCAN_KEPT;
		if (G_UNLIKELY(f->memcg)) {
			m->swap_memcg[slot] = f->memcg;
			vm_memcg_swap_charge(m, f->memcg, 1);
		}
	}
	uint64_t vpn = f->index;
	/* a page of a huge page goes alone: its PMD leaves are split first */
	if (G_UNLIKELY(m->thp_seen))
		vm_huge_split_page(m, pfn);
	vm_evict_info_t *ev = &m->last_evict;
	*ev = (vm_evict_info_t){ .pfn = pfn, .vpn = vpn, .slot = slot,
				 .pid = f->owner,
				 .how = cached ? VM_EVICT_SWAPCACHE : VM_EVICT_SWAPOUT };
	/* most victims under pressure are read-ahead pages nobody mapped */
	if (f->mapcount)
		try_to_unmap(m, f, pfn, slot, ev);
	g_assert(f->mapcount == 0);
	if (cached) {
		/* clean in the swap cache: its slot holds the data; the page
		 * goes, its shadow stays with the slot (workingset_eviction
		 * from __remove_mapping) */
		f->flags &= (uint8_t)~VM_FRAME_WRITEBACK;
		uint64_t shadow = vm_workingset_eviction(m, pfn);
		swapcache_del(m, pfn);   /* frees the slot if nobody needs it */
		if (keeps_shadows(m) && m->swap_map[slot])
			m->swap_shadow[slot] = shadow;
	} else if (!m->swap_map[slot]) {
		/* mapped by nobody: nothing refers to the slot */
		slot_release(m, slot);
	} else {
		/* add_to_swap, then pageout: the page joins the swap cache and
		 * stays, under writeback, until its write completes; then it
		 * is the next to go, and goes without another write */
		swapcache_add(m, slot, pfn);
		f->flags &= (uint8_t)~VM_FRAME_DIRTY;
		vm_disk_req_t req = { .start = m->swap_base + slot, .nr = 1,
				      .dir = VM_DISK_WRITE };
		uint64_t done = vm_disk_submit(m->disk, MAX(m->now, m->alloc_wait),
					       &req);
		m->c.pswpout++;
		vm_vmscan_pageout(m, pfn, done);
		return VM_VMSCAN_PAGEOUT;
	}
	vm_frames_free(&m->frames, pfn);
	return VM_VMSCAN_FREED;
}

