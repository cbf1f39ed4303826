/*
 * Readahead policies: which pages of a file to read when a read() or a page
 * fault misses the page cache, or touches a page carrying the readahead
 * marker (PG_readahead).  The policy only decides; the caller (the page
 * cache) reads the pages of the returned window that are not cached yet,
 * sets the marker, and counts readahead_pages.  Modelled on Linux 6.18
 * mm/readahead.c (page_cache_sync_ra, page_cache_async_ra) and mm/filemap.c
 * (do_sync_mmap_readahead, do_async_mmap_readahead); each policy is one file
 * (ra-linux.c, ra-fixed.c, ra-none.c) behind an ops table and readahead.c
 * keeps the registry and the entry points every caller goes through.
 *
 * The per-file state describes the most recent window, as struct
 * file_ra_state does (all counts in pages):
 *
 *                        |<------ async_size -------|
 *     |------------------- size ------------------->|
 *     |==================#==========================|
 *     ^start             ^marker = start + size - async_size
 *
 * Touching the marker page while the window's tail is still unread starts
 * the next window (asynchronously in Linux), so a sequential reader never
 * waits once the pipeline runs.
 *
 * Left out: per-file ra_pages (one limit per machine here), bdi->io_pages
 * (taken equal to readahead.max, so an oversized read or WILLNEED never
 * exceeds it), FMODE_RANDOM (fadvise), VM_HUGEPAGE and VM_EXEC fault paths,
 * blk-cgroup congestion, PG_readahead sharing its bit with PG_reclaim, and
 * the I/O itself.  The window arithmetic is always that of a kernel with
 * large folios (params.max_folio_order, 9, as measured on 6.18); each
 * window also carries the folio order page_cache_ra_order would lay it out
 * in, which the page cache uses when cache.folio_max allows large folios
 * and ignores otherwise.
 */
#ifndef VM_READAHEAD_H
#define VM_READAHEAD_H

#include <stdint.h>
#include <glib.h>

#include "models/policy.h"
#include "models/types.h"

#define VM_RA_NONE UINT64_MAX        /* no page (marker, prev_index) */
#define VM_RA_MMAP_LOTSAMISS 100     /* Linux MMAP_LOTSAMISS */
#define VM_RA_DEFAULT_MAX 32         /* VM_READAHEAD_PAGES: 128 KiB of 4 KiB */
/* MAX_PAGECACHE_ORDER on x86-64 with 4 KiB pages (the PMD order): what
 * ext4 and xfs use on the measured 6.18 kernel. */
#define VM_RA_DEFAULT_FOLIO_ORDER 9

/* Per-file readahead state, as struct file_ra_state.  Zero it and call
 * vm_ra_state_init() when the file is opened. */
typedef struct {
	uint64_t start;       /* first page of the latest window */
	uint64_t size;        /* its length; may reach past EOF */
	uint64_t async_size;  /* pages at its end from the marker on */
	uint64_t prev_index;  /* page of prev_pos (the byte after the last
			       * read()), VM_RA_NONE before any read() */
	uint32_t mmap_miss;   /* fault misses minus hits, capped at 10x limit */
	uint32_t order;       /* folio order the window was laid out in
			       * (file_ra_state.order); grows by 2 a window */
} vm_ra_state_t;

/* What the policy may ask of the page cache about one file. */
typedef struct {
	gboolean (*cached)(void *ctx, uint64_t index); /* page present? */
	void *ctx;            /* cached()'s first argument */
	uint64_t nr_pages;    /* file size in pages: never read at or past it */
	uint64_t marker_folio; /* async calls: pages of the folio carrying
				* the marker (0 or 1: a single page); the
				* expected marker is rounded down to it, as
				* page_cache_async_ra does */
} vm_ra_query_t;

typedef struct {
	uint64_t max;             /* readahead.max in pages (ra_pages); 0: off */
	uint32_t mmap_miss_limit; /* readahead.mmap_miss_limit */
	/* Largest folio order the filesystem caches (mapping_max_folio_order):
	 * async windows are trimmed to end on a boundary of 4^n pages as
	 * ra->order grows.  0: no large folios (the classic 4, 16, 64, 256
	 * ... windows). */
	uint32_t max_folio_order;
} vm_ra_params_t;

/* Why a window was chosen, for narration and tests. */
typedef enum {
	VM_RA_NOTHING,     /* read nothing beyond what the caller must */
	VM_RA_REQUEST,     /* only the pages asked for (small random read) */
	VM_RA_INITIAL,     /* first window of a stream (get_init_ra_size) */
	VM_RA_CONTEXT,     /* sized from the cached pages before @index */
	VM_RA_RAMP,        /* the expected marker: next window, grown */
	VM_RA_INTERLEAVED, /* a marker without matching state: sized from
			    * the cached run after it */
	VM_RA_READAROUND,  /* mmap fault: ra_pages centred on the fault */
	VM_RA_WILLNEED,    /* madvise/fadvise WILLNEED */
	VM_RA_FIXED,       /* ra-fixed's one window */
	VM_RA_NR_REASONS
} vm_ra_reason_t;

/*
 * A decision: read the pages [start, start + nr) that are not cached, and
 * set PG_readahead on @marker if it is one of the pages read now (Linux
 * never marks a page that was already cached).  nr == 0: read nothing.
 * The entry points clamp every window to EOF and drop a marker outside it.
 */
typedef struct {
	uint64_t start;
	uint64_t nr;
	uint64_t marker;          /* VM_RA_NONE: no marker */
	gboolean clear_marker;    /* async calls: take PG_readahead off the
				   * page that triggered the call */
	vm_ra_reason_t reason;
	uint32_t order;           /* folio order page_cache_ra_order lays the
				   * window out in (ra->order); 0 for windows
				   * read a page at a time.  The page cache
				   * caps it at cache.folio_max */
} vm_ra_window_t;

/*
 * A readahead policy.  Every hook receives the machine's parameters, the
 * file's state (which it may update) and the page-cache query, and returns
 * a window.  Optional hooks may be NULL (read nothing).
 */
typedef struct {
	vm_policy_t policy;   /* name, narration, help, flags (policy.h) */
	/* read() found page @index missing; the read wants @req pages from
	 * @index (>= 1).  The window need not cover the request. */
	vm_ra_window_t (*sync_read)(const vm_ra_params_t *p, vm_ra_state_t *ra,
				    const vm_ra_query_t *q, uint64_t index,
				    uint64_t req);
	/* read() reached page @index, cached and carrying the marker; @req
	 * pages of the read remain from @index. */
	vm_ra_window_t (*async_read)(const vm_ra_params_t *p, vm_ra_state_t *ra,
				     const vm_ra_query_t *q, uint64_t index,
				     uint64_t req);
	/* A page fault on page @index of a mapping with @advice missed. */
	vm_ra_window_t (*mmap_fault_miss)(const vm_ra_params_t *p,
					  vm_ra_state_t *ra,
					  const vm_ra_query_t *q,
					  uint64_t index, vm_madv_t advice);
	/* A page fault on page @index found it cached; @marker: the page
	 * carries PG_readahead. */
	vm_ra_window_t (*mmap_fault_hit)(const vm_ra_params_t *p,
					 vm_ra_state_t *ra,
					 const vm_ra_query_t *q, uint64_t index,
					 vm_madv_t advice, gboolean marker);
	/* madvise(MADV_WILLNEED) or fadvise(WILLNEED) of [@index, +@nr). */
	vm_ra_window_t (*willneed)(const vm_ra_params_t *p, vm_ra_state_t *ra,
				   const vm_ra_query_t *q, uint64_t index,
				   uint64_t nr);
} vm_ra_ops_t;

/* A machine's readahead: the policy and its parameters. */
typedef struct {
	const vm_ra_ops_t *ops;
	vm_ra_params_t params;
} vm_ra_t;

/* The policy registry: NULL-terminated, the default (linux) first. */
extern const vm_ra_ops_t *const vm_ra_policies[];
extern const vm_ra_ops_t vm_ra_policy_linux;
extern const vm_ra_ops_t vm_ra_policy_fixed;
extern const vm_ra_ops_t vm_ra_policy_none;

/* The policy called @name ("linux", "fixed", "none"), or NULL. */
const vm_ra_ops_t *vm_ra_policy_find(const char *name);

/* Defaults: 32 pages, MMAP_LOTSAMISS, large folios of order 9. */
void vm_ra_params_default(vm_ra_params_t *p);
/* Set up @r with @ops and @params (copied; NULL: the defaults). */
void vm_ra_init(vm_ra_t *r, const vm_ra_ops_t *ops,
		const vm_ra_params_t *params);
/* A freshly opened file's state (file_ra_state_init: prev_pos = -1). */
void vm_ra_state_init(vm_ra_state_t *ra);
/* A read() ended before byte offset @end_pos: prev_index is the page that
 * holds @end_pos (filemap_read sets prev_pos to the position after the
 * last byte copied).  Call after every read(), hit or miss. */
void vm_ra_read_done(vm_ra_state_t *ra, uint64_t end_pos,
		     uint32_t page_shift);

/*
 * The entry points.  Each calls the policy's hook and clamps its window to
 * the file; the caller then reads the window's uncached pages, sets the
 * marker on it, and still reads any demanded page left missing (as Linux
 * falls back to reading the single folio).  See the hooks for arguments.
 */
vm_ra_window_t vm_ra_sync_read(const vm_ra_t *r, vm_ra_state_t *ra,
			       const vm_ra_query_t *q, uint64_t index,
			       uint64_t req);
vm_ra_window_t vm_ra_async_read(const vm_ra_t *r, vm_ra_state_t *ra,
				const vm_ra_query_t *q, uint64_t index,
				uint64_t req);
vm_ra_window_t vm_ra_mmap_fault_miss(const vm_ra_t *r, vm_ra_state_t *ra,
				     const vm_ra_query_t *q, uint64_t index,
				     vm_madv_t advice);
vm_ra_window_t vm_ra_mmap_fault_hit(const vm_ra_t *r, vm_ra_state_t *ra,
				    const vm_ra_query_t *q, uint64_t index,
				    vm_madv_t advice, gboolean marker);
vm_ra_window_t vm_ra_willneed(const vm_ra_t *r, vm_ra_state_t *ra,
			      const vm_ra_query_t *q, uint64_t index,
			      uint64_t nr);

/* Shared helpers for policies. */
/* The empty window (read nothing) with @reason. */
vm_ra_window_t vm_ra_window_empty(vm_ra_reason_t reason);
/* The window [@start, +@nr) without a marker. */
vm_ra_window_t vm_ra_window_plain(uint64_t start, uint64_t nr,
				  vm_ra_reason_t reason);
/* The window @ra describes, marker at start + size - async_size. */
vm_ra_window_t vm_ra_window_of(const vm_ra_state_t *ra,
			       vm_ra_reason_t reason);
/* get_init_ra_size: the first window for a @req page read, limit @max. */
uint64_t vm_ra_init_size(uint64_t req, uint64_t max);
/* get_next_ra_size: the window after one of @cur pages, limit @max. */
uint64_t vm_ra_next_size(uint64_t cur, uint64_t max);
/* "initial", "ramp", ... for narration. */
const char *vm_ra_reason_name(vm_ra_reason_t reason);

#endif
