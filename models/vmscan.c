/*
 * Reclaim: evicting the pages the reclaim policy chooses, as
 * mm/vmscan.c's shrink_folio_list does (try_to_unmap, then pageout for a
 * dirty page or swap for an anonymous one), and direct reclaim by an
 * allocation that found free memory at the min watermark.
 *
 *   alloc_frame ── free <= min ──► direct reclaim ──► policy victim
 *                                      │                 │ anon: needs a free
 *                                      │                 ▼ swap slot
 *                                      │   unmap from every PTE (rmap), each
 *                                      │   PTE becomes a swap entry; write the
 *                                      │   page to its slot; free the frame
 *                                      └─ no victim ─► OOM killer (oom.c)
 *
 * Victims that cannot go now (under I/O, locked) are set aside and put back
 * after the scan.  A dirty victim is not freed: its write is started
 * (pageout) and it stays, under writeback, until the write completes; a
 * VM_EV_IO event then moves it to the tail of the lists, and the next scan
 * frees it without another write (shrink_folio_list's PG_reclaim and
 * folio_rotate_reclaimable).  Reclaim meanwhile moves on to other pages.
 * Direct reclaim that finds nothing else waits for the first of those
 * writes; kswapd sleeps until it completes (kswapd.c).  In the textbook
 * setting (reclaim.watermark_min=0: reclaim runs only when no frame is
 * free, and frees one) the victim is the frame the allocation gets: a
 * dirty one is written and the allocation waits for that write, as a
 * textbook's page replacement does, and no other page is written.
 *
 * Every page reclaim looks at costs cost.reclaim of CPU time: the
 * allocating process's in direct reclaim, kswapd's in the background.
 */
#include "models/vmscan.h"
#include "models/filemap.h"
#include "models/swap.h"
#include "models/oom.h"
#include "models/proc.h"
#include "models/kswapd.h"
#include "models/memcg.h"

vm_vmscan_rc_t vm_vmscan_evict(vm_machine_t *m, uint32_t pfn, gboolean written)
{
	vm_frame_t *f = &m->frames.f[pfn];
	if (f->kind == VM_FRAME_FILE)
		return vm_filemap_evict(m, pfn, written);
	if (f->kind != VM_FRAME_ANON)
		return VM_VMSCAN_KEPT;
	return vm_swap_out(m, pfn, written);
}

/* ---- pageouts in flight -------------------------------------------------- */

void vm_vmscan_pageout(vm_machine_t *m, uint32_t pfn, uint64_t done)
{
	vm_frame_t *f = &m->frames.f[pfn];
	f->flags |= VM_FRAME_WRITEBACK;
	f->io_done = done;
	if (m->po_len == m->po_cap) {
		uint32_t cap = m->po_cap ? m->po_cap * 2 : 64;
		vm_pageout_t *q = g_new(vm_pageout_t, cap);
		for (uint32_t i = 0; i < m->po_len; i++)
			q[i] = m->pageouts[(m->po_head + i) % m->po_cap];
		g_free(m->pageouts);
		m->pageouts = q;
		m->po_cap = cap;
		m->po_head = 0;
	}
	m->pageouts[(m->po_head + m->po_len++) % m->po_cap] =
		(vm_pageout_t){ .pfn = pfn, .done = done };
	m->c.nr_vmscan_write++;
	m->nr_pageout++;
	/* completions come in submission order (one disk channel), so one
	 * event at each new completion time serves every pageout up to it */
	if (done > m->po_event) {
		vm_events_push(&m->ev, done, VM_EV_IO, 0, 0);
		m->po_event = done;
	}
}

/* Is @po still the pageout in flight on its frame?  The frame may have
 * been freed meanwhile (its process exited) and used again. */
static gboolean pageout_live(const vm_machine_t *m, const vm_pageout_t *po)
{
	const vm_frame_t *f = &m->frames.f[po->pfn];
	return (f->flags & VM_FRAME_WRITEBACK) && f->io_done == po->done &&
	       (f->kind == VM_FRAME_ANON || f->kind == VM_FRAME_FILE);
}

static vm_pageout_t pageout_pop(vm_machine_t *m)
{
	vm_pageout_t po = m->pageouts[m->po_head];
	m->po_head = (m->po_head + 1) % m->po_cap;
	m->po_len--;
	return po;
}

void vm_vmscan_pageout_done(vm_machine_t *m)
{
	while (m->po_len && m->pageouts[m->po_head].done <= m->now) {
		vm_pageout_t po = pageout_pop(m);
		if (!pageout_live(m, &po))
			continue;
		m->frames.f[po.pfn].flags &= (uint8_t)~VM_FRAME_WRITEBACK;
		if (m->frames.f[po.pfn].list != VM_RECLAIM_NONE) {
			vm_reclaim_rotate(vm_memcg_lruvec(m, po.pfn), po.pfn);
			m->c.pgrotated++;
		}
	}
}

uint64_t vm_vmscan_pageout_next(vm_machine_t *m)
{
	while (m->po_len && !pageout_live(m, &m->pageouts[m->po_head]))
		pageout_pop(m);
	return m->po_len ? m->pageouts[m->po_head].done : 0;
}

/*
 * Direct reclaim found nothing it can free now, but pages it wrote are on
 * their way to the disk: the allocation waits for the first of them to be
 * written (reclaim_throttle on VMSCAN_THROTTLE_WRITEBACK) and takes it.
 * The model takes the page at once and makes the operation wait
 * (m->alloc_wait): I/O the operation starts after this is submitted no
 * earlier than the wait ends, so the disk sees it when Linux's would.
 * The page is on the policy's lists, or aside (put aside by this very
 * scan).  FALSE when no pageout is in flight.
 */
/* Take the page of pageout @po off @rc's lists (or aside), make the
 * operation wait for its write, and free it: TRUE when it was freed. */
static gboolean take_written(vm_machine_t *m, vm_reclaim_t *rc,
			     const vm_pageout_t *po)
{
	vm_frame_t *f = &m->frames.f[po->pfn];
	gboolean was_aside = f->list == VM_RECLAIM_ASIDE;
	if (was_aside)
		vm_reclaim_list_del(&m->frames, &rc->aside, po->pfn);
	else if (!vm_reclaim_take(rc, po->pfn))
		return FALSE;   /* isolated elsewhere: not ours to take */
	m->alloc_wait = MAX(m->alloc_wait, po->done);
	m->c.reclaim_waits++;
	if (vm_vmscan_evict(m, po->pfn, TRUE) == VM_VMSCAN_FREED) {
		m->nr_evicted++;
		return TRUE;
	}
	/* remapped and written again meanwhile, or locked: on */
	if (was_aside)
		vm_reclaim_set_aside(rc, po->pfn);
	else
		vm_reclaim_putback(rc, po->pfn);
	return FALSE;
}

static gboolean wait_pageout(vm_machine_t *m)
{
	while (vm_vmscan_pageout_next(m)) {
		vm_pageout_t po = pageout_pop(m);
		if (take_written(m, vm_memcg_lruvec(m, po.pfn), &po))
			return TRUE;
	}
	return FALSE;
}

/*
 * Direct reclaim found nothing it can free now and no write in flight,
 * but pages are being read ahead (a readahead window as large as memory
 * fills it with pages whose reads have not completed: page_busy), pages
 * nobody waits for: a page a process faulted or read on is held by it
 * (its folio reference), never taken here.  Linux does
 * not call the OOM killer on them: should_reclaim_retry counts them as
 * reclaimable and reclaim_throttle (VMSCAN_THROTTLE_NOPROGRESS) sleeps
 * until they can go.  The allocation waits for the first of those reads
 * to complete (m->alloc_wait) and takes its page, clean by then.  A scan
 * of the frames written so far, on this path only (before an OOM kill).
 * FALSE when no page is being read.
 */
static gboolean wait_read(vm_machine_t *m)
{
	vm_frames_t *fr = &m->frames;
	uint32_t best = VM_NIL;
	uint64_t when = UINT64_MAX, now = vm_machine_op_now(m);
	for (uint32_t pfn = 0; pfn < fr->init_to; pfn++) {
		const vm_frame_t *f = &fr->f[pfn];
		if (f->kind == VM_FRAME_FILE && f->list != VM_RECLAIM_NONE &&
		    (f->flags & VM_FRAME_RA_UNUSED) &&
		    !(f->flags & (VM_FRAME_LOCKED | VM_FRAME_WRITEBACK |
				  VM_FRAME_DIRTY)) &&
		    f->io_done > now && f->io_done < when) {
			when = f->io_done;
			best = pfn;
		}
	}
	if (best == VM_NIL)
		return FALSE;
	/* on the lists, or set aside by this very scan (busy then) */
	vm_reclaim_t *rc = vm_memcg_lruvec(m, best);
	gboolean was_aside = fr->f[best].list == VM_RECLAIM_ASIDE;
	if (was_aside)
		vm_reclaim_list_del(fr, &rc->aside, best);
	else if (!vm_reclaim_take(rc, best))
		return FALSE;
	m->alloc_wait = MAX(m->alloc_wait, when);
	m->c.reclaim_waits++;
	/* evicted as at the read's completion, when the allocation has it
	 * (page_busy compares with the operation's clock) */
	uint64_t was = m->now;
	m->now = when;
	vm_vmscan_rc_t r = vm_vmscan_evict(m, best, FALSE);
	m->now = was;
	if (r == VM_VMSCAN_FREED) {
		m->nr_evicted++;
		return TRUE;
	}
	if (was_aside)
		vm_reclaim_set_aside(rc, best);
	else
		vm_reclaim_putback(rc, best);
	return FALSE;
}

/*
 * The next victim of global reclaim.  With memory cgroups, from the
 * largest of the machine's lists and the cgroups' (shrink_node_memcgs
 * scans every memcg's lruvec in proportion to its size; taking from the
 * largest keeps them in proportion, one page at a time).  Without, the
 * machine's lists, as ever.
 */
static uint32_t global_victim(vm_machine_t *m, gboolean want_anon)
{
	if (G_LIKELY(!m->nr_memcg))
		return vm_reclaim_victim(m->reclaim, want_anon, TRUE);
	vm_reclaim_t *best = NULL;
	uint64_t most = 0;
	for (uint32_t id = 0; id <= m->nr_memcg; id++) {
		vm_reclaim_t *rc = id ? m->memcg[id]->lruvec : m->reclaim;
		uint64_t n = rc ? rc->nr[VM_RECLAIM_FILE] +
			(want_anon ? rc->nr[VM_RECLAIM_ANON] : 0) : 0;
		if (n > most) {   /* the first of equals: the lowest id */
			most = n;
			best = rc;
		}
	}
	return best ? vm_reclaim_victim(best, want_anon, TRUE) : VM_NIL;
}

/* Every list's victims set aside go back: the scan ends. */
static void putback_aside_all(vm_machine_t *m)
{
	vm_reclaim_putback_aside(m->reclaim);
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		if (m->memcg[id]->lruvec)
			vm_reclaim_putback_aside(m->memcg[id]->lruvec);
}

gboolean vm_vmscan_shrink(vm_machine_t *m, uint64_t target, gboolean direct,
			  uint32_t owner)
{
	gboolean owner_alive = TRUE;
	uint32_t budget = vm_memcg_nr_lru(m) + 1;
	uint64_t scanned = vm_memcg_pgscan(m);
	uint64_t unmaps = m->nr_reclaim_unmaps;
	/* pages on their way to the disk count towards the target (they are
	 * freed when their writes complete), so that reclaim does not write
	 * out all of memory while the first writes are still in flight: it
	 * waits for them instead (shrink_node's reclaim_throttle when it
	 * meets pages it marked for reclaim still under writeback) */
	uint64_t writing = m->po_len;
	while (m->frames.nr_free < target) {
		gboolean want_anon = m->swap_used < m->nr_swap_slots;
		uint32_t pfn = budget && m->frames.nr_free + writing < target
			? global_victim(m, want_anon) : VM_NIL;
		if (pfn != VM_NIL) {
			budget--;
			vm_vmscan_rc_t rc = vm_vmscan_evict(m, pfn, FALSE);
			if (rc == VM_VMSCAN_PAGEOUT && direct && !m->wm_min) {
				/* the textbook setting (no watermarks): the
				 * victim's frame is the one the allocation
				 * gets, once its write is done */
				m->alloc_wait = MAX(m->alloc_wait, m->frames.f[pfn].io_done);
				m->c.reclaim_waits++;
				rc = vm_vmscan_evict(m, pfn, TRUE);
			}
			if (rc == VM_VMSCAN_FREED) {
				m->nr_evicted++;
			} else {   /* kept, or under writeback from now on */
				writing += rc == VM_VMSCAN_PAGEOUT;
				vm_reclaim_set_aside(vm_memcg_lruvec(m, pfn), pfn);
			}
			continue;
		}
		if (!direct || m->frames.nr_free > m->wm_min)
			break;   /* the batch fell short, but the allocation can go */
		if (wait_pageout(m)) {
			writing -= writing > 0;
			continue;
		}
		if (budget && writing) {
			writing = 0;   /* none of its writes is in flight now */
			continue;
		}
		if (wait_read(m))
			continue;
		/* nothing reclaimable: the OOM killer, unless it is off or
		 * the allocation may fail (readahead's: __GFP_NORETRY) */
		if (m->alloc_noretry || !vm_oom_kill(m))
			break;
		vm_proc_t *o = vm_proc_lookup(m, owner);
		if (o && o->state != VM_PROC_RUNNING) {
			owner_alive = FALSE;
			break;
		}
		budget = vm_memcg_nr_lru(m) + 1;
	}
	putback_aside_all(m);
	/* the reclaimer's CPU time: cost.reclaim for every page looked at,
	 * and cost.reclaim_mapped for every PTE its evictions removed (the
	 * rmap walk, the PTE cleared, the TLB flushed: on this host several
	 * times what an unmapped page costs, docs/profiles.md) */
	m->reclaim_ns += (vm_memcg_pgscan(m) - scanned) * m->cfg.cost_reclaim +
			 (m->nr_reclaim_unmaps - unmaps) * m->cfg.cost_reclaim_mapped;
	return owner_alive;
}

/* The next pageout in flight of a page charged to cgroup @id, from
 * position *@i of the queue on (*@i moves past it): FALSE when none. */
static gboolean next_pageout_memcg(const vm_machine_t *m, uint16_t id,
				   uint32_t *i, vm_pageout_t *po)
{
	while (*i < m->po_len) {
		*po = m->pageouts[(m->po_head + (*i)++) % m->po_cap];
		if (pageout_live(m, po) && m->frames.f[po->pfn].memcg == id)
			return TRUE;
	}
	return FALSE;
}

/*
 * Wait for the first pageout in flight of a page charged to cgroup @id
 * and take its page (reclaim_throttle, as wait_pageout above, but only
 * for the cgroup's own pages: the queue is left as it is, and the entry
 * of a page taken here is stale from then on).
 */
static gboolean wait_pageout_memcg(vm_machine_t *m, uint16_t id)
{
	vm_pageout_t po;
	for (uint32_t i = 0; next_pageout_memcg(m, id, &i, &po);)
		if (take_written(m, m->memcg[id]->lruvec, &po))
			return TRUE;
	return FALSE;
}

/* The pageouts in flight of pages charged to cgroup @id, counted up to
 * @max at most. */
static uint64_t pageouts_memcg(const vm_machine_t *m, uint16_t id, uint64_t max)
{
	vm_pageout_t po;
	uint64_t n = 0;
	for (uint32_t i = 0; n < max && next_pageout_memcg(m, id, &i, &po);)
		n++;
	return n;
}

uint64_t vm_vmscan_shrink_memcg(vm_machine_t *m, vm_memcg_t *cg,
				uint64_t nr_to_reclaim)
{
	vm_reclaim_t *rc = cg->lruvec;
	if (!rc)
		return 0;
	uint32_t budget = vm_reclaim_nr(rc) + 1;
	/* freed counts pages, as nr_reclaimed does: a large folio's victim
	 * frees all its pages (nr_evicted counts them) */
	uint64_t scanned = rc->stats.pgscan, evicted = m->nr_evicted, freed = 0;
	uint64_t unmaps = m->nr_reclaim_unmaps;
	/* anonymous pages only while swap and the cgroup's swap.max allow */
	gboolean may_swap = m->swap_used < m->nr_swap_slots &&
			    vm_memcg_swap_ok(m, cg->id);
	/* the cgroup's pages on their way to the disk count towards the
	 * target, as in vm_vmscan_shrink: reclaim waits for them rather than
	 * write out the whole cgroup while the first writes are in flight
	 * (Linux's writes complete during its scan, and the pages rotate to
	 * the tail to be freed; in the model no time passes in a scan) */
	uint64_t writing = pageouts_memcg(m, cg->id, nr_to_reclaim);
	while (freed + writing < nr_to_reclaim && budget) {
		uint32_t pfn = vm_reclaim_victim(rc, may_swap, TRUE);
		if (pfn == VM_NIL)
			break;
		budget--;
		vm_vmscan_rc_t r = vm_vmscan_evict(m, pfn, FALSE);
		if (r == VM_VMSCAN_FREED) {
			m->nr_evicted++;
		} else {   /* kept, or under writeback from now on */
			writing += r == VM_VMSCAN_PAGEOUT;
			vm_reclaim_set_aside(rc, pfn);
		}
		freed = m->nr_evicted - evicted;
	}
	/* nothing freed, but the cgroup's pages are being written: wait for
	 * the first (memcg reclaim throttles on writeback) */
	if (!freed && wait_pageout_memcg(m, cg->id))
		freed = m->nr_evicted - evicted;
	vm_reclaim_putback_aside(rc);
	m->reclaim_ns += (rc->stats.pgscan - scanned) * m->cfg.cost_reclaim +
			 (m->nr_reclaim_unmaps - unmaps) * m->cfg.cost_reclaim_mapped;
	return freed;
}

gboolean vm_vmscan_direct(vm_machine_t *m, uint32_t owner)
{
	m->c.direct_reclaims++;
	uint64_t evicted = m->nr_evicted;
	/* Linux's direct reclaim frees SWAP_CLUSTER_MAX (32) pages a call;
	 * the textbook setting (no watermarks) frees one frame at a time */
	uint64_t target = m->wm_min ? m->frames.nr_free + 32 : 1;
	if (target <= m->wm_min)
		target = m->wm_min + 1;
	gboolean alive = vm_vmscan_shrink(m, target, TRUE, owner);
	if (m->nr_evicted > evicted)
		vm_kswapd_progress(m);
	return alive;
}
