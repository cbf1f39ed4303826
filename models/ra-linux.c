/*
 * Linux's on-demand readahead, as of 6.18: page_cache_sync_ra and
 * page_cache_async_ra in mm/readahead.c for read(), do_sync_mmap_readahead
 * and do_async_mmap_readahead in mm/filemap.c for page faults.
 *
 * read() that misses page @index, asking for @req pages:
 *   - at page 0, larger than the limit, or right after the previous read
 *     (index - prev_index <= 1; prev_index is the page after the last byte
 *     read, so skipping one page still counts): an initial window of
 *     get_init_ra_size(req) pages with async_size = size - req (or size/2
 *     when the request fills the window).  A 4 KiB read at page 0 with
 *     max 2048:
 *
 *         0   1   2   3
 *       [ R | # | . | . ]     size 4, async 3: marker on page 1
 *
 *   - otherwise, if more than @req pages before @index are cached (the
 *     trail a stream leaves), a window that long plus @req (doubled when
 *     cached from page 0), async_size 1;
 *   - otherwise a small random read: just the @req pages, state untouched.
 *
 * Reaching the marker: when it is where the state expects it (start + size
 * - async_size), the next window follows the old one, get_next_ra_size
 * bigger, all of it async (the marker on its first page).  Otherwise (two
 * streams on one file) the old window's size is guessed from the cached
 * run after the marker.  Either way, since 6.16 the window's end is then
 * trimmed to a multiple of 2^(order+2) pages, order being the folio order
 * the previous window used, so that large folios stay aligned:
 *
 *   ra->order:   0      2      4       6       8
 *   next size:   16     64     256     480     896   (get_next_ra_size)
 *   window:    [4,20) [20,80) [80,320) [320,768) [768,1024)
 *   size:        16     60     240     448     256   (end rounded down
 *                                                     to 4, 16, 64, ...)
 *
 * That is where the measured 4, 16, 60, 240, 448 comes from; with
 * max_folio_order 0 (no large folios) the order stays 0, the trim is to
 * 4 pages and the windows are 4, 16, 64, 256, 512, 1024, 2048.
 *
 * Page faults: MADV_RANDOM reads nothing; MADV_SEQUENTIAL runs the read()
 * logic above for a request of max pages; otherwise each miss bumps
 * mmap_miss and, while it is at most the limit, reads around the fault:
 *
 *        index - max/2        index                    start + max
 *       [...................... F ..........#.........)
 *                                           ^ marker: async_size = max/4
 *
 * A fault that finds its page cached takes one off mmap_miss and, on a
 * marker, starts the next window as read() does (request max pages).
 * The marker is placed at start + size - async_size of the window before
 * EOF clamping, as page_cache_ra_order does (the order-0 fallback path
 * marks relative to the clamped length instead; not modelled).
 */
#include "models/readahead.h"

/* Floor of log2, n >= 1. */
static uint32_t ilog2_u64(uint64_t n)
{
	return 63 - (uint32_t)__builtin_clzll(n);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * page_cache_ra_order's choice of folio order for the window in @ra: what
 * the window asked for, capped by the filesystem and by the window's size.
 * Without large folios it falls back to order 0.
 */
static void lay_out(const vm_ra_params_t *p, vm_ra_state_t *ra)
{
	if (ra->size == 0) {
		ra->order = 0;
		return;
	}
	ra->order = min_u32(min_u32(p->max_folio_order, ra->order),
			    ilog2_u64(ra->size));
}

/* Count the cached pages just before @index, at most @max of them
 * (page_cache_prev_miss over [index - max, index - 1]). */
static uint64_t cached_before(const vm_ra_query_t *q, uint64_t index,
			      uint64_t max)
{
	uint64_t n = 0;

	while (n < max && n < index && q->cached(q->ctx, index - 1 - n))
		n++;
	return n;
}

/* The first page after @index that is not cached, looking at most @max
 * pages (page_cache_next_miss from index + 1); index + 1 + max if none. */
static uint64_t next_miss(const vm_ra_query_t *q, uint64_t index,
			  uint64_t max)
{
	uint64_t i = index + 1;

	while (i - index - 1 < max && q->cached(q->ctx, i))
		i++;
	return i;
}

/* page_cache_sync_ra with readahead on. */
static vm_ra_window_t sync_ra(const vm_ra_params_t *p, vm_ra_state_t *ra,
			      const vm_ra_query_t *q, uint64_t index,
			      uint64_t req)
{
	uint64_t max = p->max, contig;
	vm_ra_reason_t reason;

	if (index == 0 || req > max ||
	    (ra->prev_index != VM_RA_NONE && index >= ra->prev_index &&
	     index - ra->prev_index <= 1)) {
		ra->start = index;
		ra->size = vm_ra_init_size(req, max);
		ra->async_size = ra->size > req ? ra->size - req
						: ra->size / 2;
		reason = VM_RA_INITIAL;
	} else {
		/* A stream we lost track of (the state was overwritten,
		 * or this is a new open of a file being read) leaves its
		 * pages cached behind it. */
		contig = cached_before(q, index, max);
		if (contig <= req)
			return vm_ra_window_plain(index, req, VM_RA_REQUEST);
		if (contig == index)    /* cached from page 0: whole-file read */
			contig *= 2;
		ra->start = index;
		ra->size = MIN(contig + req, max);
		ra->async_size = 1;
		reason = VM_RA_CONTEXT;
	}
	ra->order = 0;
	lay_out(p, ra);
	return vm_ra_window_of(ra, reason);
}

/* page_cache_async_ra with readahead on, after the marker was cleared. */
static vm_ra_window_t async_ra(const vm_ra_params_t *p, vm_ra_state_t *ra,
			       const vm_ra_query_t *q, uint64_t index,
			       uint64_t req)
{
	uint64_t max = p->max, start, end, aligned_end, align;
	vm_ra_reason_t reason;
	vm_ra_window_t w;

	/* the marker sits on the folio holding start + size - async_size:
	 * a fault on that folio's first page is the expected one */
	uint64_t expected = ra->start + ra->size - ra->async_size;
	if (q->marker_folio > 1)
		expected -= expected % q->marker_folio;
	if (index == expected) {
		ra->start += ra->size;
		ra->size = MAX(ra->size, vm_ra_next_size(ra->size, max));
		reason = VM_RA_RAMP;
	} else {
		/* The pages from the marker to the next hole are what is
		 * left of the window that set it: its async part. */
		start = next_miss(q, index, max);
		if (start - index > max) {
			w = vm_ra_window_empty(VM_RA_NOTHING);
			w.clear_marker = TRUE;
			return w;
		}
		ra->start = start;
		ra->size = vm_ra_next_size(start - index + req, max);
		reason = VM_RA_INTERLEAVED;
	}
	/* Aim two orders higher each window and end on that boundary (but
	 * never finer than max allows), so the next window can start with
	 * big aligned folios; only trim when something is left. */
	ra->order += 2;
	align = UINT64_C(1) << min_u32(ra->order,
				       (uint32_t)__builtin_ctzll(max));
	end = ra->start + ra->size;
	aligned_end = end / align * align;
	if (aligned_end > ra->start)
		ra->size -= end - aligned_end;
	ra->async_size = ra->size;
	lay_out(p, ra);
	w = vm_ra_window_of(ra, reason);
	w.clear_marker = TRUE;
	return w;
}

static vm_ra_window_t linux_sync_read(const vm_ra_params_t *p,
				      vm_ra_state_t *ra,
				      const vm_ra_query_t *q, uint64_t index,
				      uint64_t req)
{
	/* Readahead off: still read through the readahead path, one page
	 * (the caller comes back for the rest of the request). */
	if (p->max == 0)
		return vm_ra_window_plain(index, 1, VM_RA_REQUEST);
	return sync_ra(p, ra, q, index, req);
}

static vm_ra_window_t linux_async_read(const vm_ra_params_t *p,
				       vm_ra_state_t *ra,
				       const vm_ra_query_t *q, uint64_t index,
				       uint64_t req)
{
	if (p->max == 0)    /* Linux returns before clearing the marker */
		return vm_ra_window_empty(VM_RA_NOTHING);
	return async_ra(p, ra, q, index, req);
}

static vm_ra_window_t linux_mmap_fault_miss(const vm_ra_params_t *p,
					    vm_ra_state_t *ra,
					    const vm_ra_query_t *q,
					    uint64_t index, vm_madv_t advice)
{
	uint64_t max = p->max;

	if (advice == VM_MADV_RANDOM || max == 0)
		return vm_ra_window_empty(VM_RA_NOTHING);
	if (advice == VM_MADV_SEQUENTIAL)
		return sync_ra(p, ra, q, index, max);

	/* The cap keeps a long miss streak from needing as long a hit
	 * streak to turn read-around back on. */
	if (ra->mmap_miss < p->mmap_miss_limit * 10u)
		ra->mmap_miss++;
	if (ra->mmap_miss > p->mmap_miss_limit)
		return vm_ra_window_empty(VM_RA_NOTHING);

	/* Faults rarely go in one direction, so read on both sides. */
	ra->start = index > max / 2 ? index - max / 2 : 0;
	ra->size = max;
	ra->async_size = max / 4;
	ra->order = 0;
	lay_out(p, ra);
	return vm_ra_window_of(ra, VM_RA_READAROUND);
}

static vm_ra_window_t linux_mmap_fault_hit(const vm_ra_params_t *p,
					   vm_ra_state_t *ra,
					   const vm_ra_query_t *q,
					   uint64_t index, vm_madv_t advice,
					   gboolean marker)
{
	if (advice == VM_MADV_RANDOM || p->max == 0)
		return vm_ra_window_empty(VM_RA_NOTHING);
	if (ra->mmap_miss)
		ra->mmap_miss--;
	if (!marker)
		return vm_ra_window_empty(VM_RA_NOTHING);
	return async_ra(p, ra, q, index, p->max);
}

/* force_page_cache_ra: the range as asked, at most max pages, no marker,
 * state untouched. */
static vm_ra_window_t linux_willneed(const vm_ra_params_t *p,
				     vm_ra_state_t *ra,
				     const vm_ra_query_t *q, uint64_t index,
				     uint64_t nr)
{
	(void)ra;
	(void)q;
	return vm_ra_window_plain(index, MIN(nr, p->max), VM_RA_WILLNEED);
}

const vm_ra_ops_t vm_ra_policy_linux = {
	.policy = {
		.name = "linux",
		.why = "reads ahead as Linux does",
		.help = "on-demand readahead as mm/readahead.c: initial "
			"window, async marker, mmap read-around, madvise "
			"hints",
	},
	.sync_read = linux_sync_read,
	.async_read = linux_async_read,
	.mmap_fault_miss = linux_mmap_fault_miss,
	.mmap_fault_hit = linux_mmap_fault_hit,
	.willneed = linux_willneed,
};
