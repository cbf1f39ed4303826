/*
 * The simulated machine: physical frames, the page-table pool, the TLBs, the
 * processes and their address spaces, and the global counters of docs/statistics.md.
 * Everything in models/ hangs off a vm_machine_t passed explicitly; there is
 * no global state, no stdio and no clock: the engine (sim/engine.c) owns time
 * and tells the machine what "now" is.
 *
 * An access is translated as the hardware does it (docs/format.md (outcomes)):
 *
 *   vaddr ─► L1 TLB ─hit──────────────────────────────► permitted? ─► hit
 *              │miss                                      │no
 *              ▼                                          ▼
 *            L2 TLB ─hit─► fill L1 ──────────────────► fault path
 *              │miss                                      ▲
 *              ▼                                          │
 *            page-table walk ─ present, permitted ─► walk │
 *              └──────────── not present / denied ────────┘
 *
 * and the fault path (fault.c) resolves it as Linux's handle_mm_fault does,
 * returning an outcome and the reason for it, which sim/narrate.c turns into
 * words only when someone asked for them.
 */
#ifndef VM_MACHINE_H
#define VM_MACHINE_H

#include <stdint.h>
#include <glib.h>
#include "models/params.h"
#include "models/frames.h"
#include "models/pagetable.h"
#include "models/tlb.h"
#include "models/reclaim.h"
#include "models/disk.h"
#include "models/file.h"
#include "traces/record.h"

typedef enum {
	VM_OUT_HIT, VM_OUT_WALK, VM_OUT_MINOR, VM_OUT_MAJOR, VM_OUT_COW,
	VM_OUT_ZERO, VM_OUT_SIGSEGV, VM_OUT_SIGBUS,
	VM_OUT_NR,
	VM_OUT_NONE = VM_OUT_NR,   /* no access yet */
} vm_outcome_t;

/* Why a fault ended as it did: the narration's raw material. */
typedef enum {
	VM_WHY_NONE,
	VM_WHY_NO_VMA,          /* no mapping covers the address */
	VM_WHY_PROT,            /* the mapping's protection forbids it */
	VM_WHY_ZERO_PAGE,       /* anonymous read: mapped the shared zero page */
	VM_WHY_ANON_NEW,        /* first write to anonymous memory: new zeroed page */
	VM_WHY_ZERO_REPLACED,   /* write to the zero page: replaced by a new page */
	VM_WHY_COW_COPY,        /* write to a shared private page: copied */
	VM_WHY_COW_REUSE,       /* write to a private page no one else maps: reused */
	VM_WHY_OOM,             /* no frame could be had */
	VM_WHY_SWAPIN,          /* the PTE held a swap entry: read it back */
	VM_WHY_SWAPCACHE,       /* ... and the page was in the swap cache */
	VM_WHY_SWAP_REUSE,      /* write to a swap-cache page only we need:
				 * out of the cache, slot freed, reused */
	VM_WHY_SIGBUS,          /* the file page lies wholly past the end of the file */
	VM_WHY_FILE_READ,       /* file page not cached: read from disk */
	VM_WHY_FILE_HOLE,       /* file page not cached, a hole: zero-filled */
	VM_WHY_FILE_CACHED,     /* file page found in the page cache */
	VM_WHY_FILE_LOCKED,     /* ... but still being read: waited for it */
	VM_WHY_SHARED_WRITE,    /* write to a shared file page mapped read-only */
	VM_WHY_PRIVATE_COPY,    /* write to a private file mapping: copied */
	VM_WHY_NR
} vm_why_t;

typedef enum {
	VM_PROC_RUNNING, VM_PROC_EXITED, VM_PROC_KILLED,
} vm_proc_state_t;

typedef enum {
	VM_KILL_NONE, VM_KILL_SIGSEGV, VM_KILL_SIGBUS, VM_KILL_OOM,
	VM_KILL_CRASH,
} vm_kill_t;

/* A virtual memory area, in page numbers: [start, end). */
typedef struct {
	uint64_t start, end;
	uint32_t prot;           /* VM_PROT_* */
	uint32_t flags;          /* VM_MAP_SHARED, VM_MAP_ANON */
	int32_t file;            /* file id, -1 for anonymous */
	uint32_t advice;         /* vm_madv_t */
	uint64_t pgoff;          /* file page of start */
} vm_vma_t;

typedef struct vm_proc {
	uint32_t pid;
	uint32_t root;           /* top-level page-table id */
	uint8_t state;           /* vm_proc_state_t */
	uint8_t killed_by;       /* vm_kill_t */
	uint8_t catch_mask;      /* 1 << vm_sig_t caught */
	uint8_t last_outcome;    /* vm_outcome_t of the latest access */
	vm_vma_t *vma;           /* sorted by start, non-overlapping */
	uint32_t nr_vma, cap_vma;
	uint32_t vma_hint;       /* index of the last VMA found */
	/* docs/statistics.md process statistics */
	uint64_t accesses, minflt, majflt, cow_faults;
	uint64_t rss_anon, rss_file, swap_pages, pt_pages;
	uint64_t cpu_ns, wait_ns;
	uint64_t sigsegv, sigbus;
	GHashTable *fds;         /* fd -> vm_file_t*, NULL until the first open */
} vm_proc_t;

/* docs/statistics.md global statistics kept by the models (the engine keeps time). */
typedef struct {
	uint64_t accesses, loads, stores, fetches;
	uint64_t tlb_l1_hits, tlb_l1_misses, tlb_l2_hits, tlb_l2_misses;
	uint64_t tlb_flushes, walks, walk_refs, pt_pages, pt_pages_peak;
	uint64_t minflt, majflt, cow_faults, zero_maps, fault_around_maps;
	uint64_t sigsegv, sigbus, readahead_pages, readahead_hits;
	uint64_t pswpin, pswpout, kswapd_wakeups;
	uint64_t direct_reclaims, oom_kills, lost_pages, syscalls;
	uint64_t copied_bytes, context_switches, peak_used_pages;
	uint64_t torn_pages;     /* pages whose write was in flight at a crash */
	uint64_t flusher_runs;   /* flusher ticks that found dirty pages */
	uint64_t dirty_throttles; /* writers made to wait at dirty_ratio */
	uint64_t swap_ra;        /* pages read ahead from swap (page-cluster) */
	uint64_t swap_ra_hits;   /* ... and later found in the swap cache */
	uint64_t swapcache_hits; /* swap-ins served by the swap cache (minor) */
} vm_counters_t;

/* The result of one page access, filled by vm_machine_access. */
typedef struct {
	uint8_t outcome;         /* vm_outcome_t */
	uint8_t why;             /* vm_why_t, for faults */
	uint8_t tlb;             /* 1: L1 hit, 2: L2 hit, 0: missed both */
	uint8_t refs;            /* page-table entries read by the walk */
	uint8_t walked;          /* a walk happened */
	uint8_t leaf_found;      /* the walk reached a leaf PTE */
	uint8_t pte_present;     /* that PTE was present */
	uint8_t tlb_denied;      /* a TLB hit that forbade the access */
	uint8_t new_tables;      /* page-table pages allocated by the fault */
	uint8_t oom;             /* the fault found no free frame */
	uint32_t pfn;            /* the frame the access reached */
	uint64_t cost;           /* CPU ns */
	uint64_t ready_at;       /* the process waits for I/O until then; 0: no wait */
	uint32_t ra_pages;       /* readahead: pages read beyond the one asked for */
	uint32_t around;         /* fault-around: neighbours mapped */
	uint8_t ra_reason;       /* vm_ra_reason_t of the window */
	uint8_t file_major;      /* the fault had to read (or zero-fill) the page */
} vm_access_t;

/* The latest eviction and OOM kill, for narration. */
typedef enum {
	VM_EVICT_SWAPOUT,        /* anonymous: written to a swap slot */
	VM_EVICT_SWAPCACHE,      /* anonymous, clean in the swap cache: no write */
	VM_EVICT_FILE_CLEAN,     /* file page: dropped for free */
	VM_EVICT_FILE_DIRTY,     /* file page: written back first */
} vm_evict_how_t;

typedef struct {
	uint32_t pfn;            /* the frame freed */
	uint32_t pid;            /* a process that mapped it */
	uint64_t vpn;            /* where (file: the page index) */
	uint32_t slot;           /* swap slot it went to */
	uint32_t mappers;        /* PTEs that were switched to the swap entry */
	uint8_t how;             /* vm_evict_how_t */
} vm_evict_info_t;

typedef struct {
	uint32_t pid;
	uint64_t rss, swap, pt, points;
} vm_oom_info_t;

typedef struct vm_machine {
	vm_config_t cfg;
	unsigned page_shift;
	vm_frames_t frames;
	vm_pagetables_t pt;
	vm_tlb_t *l1, *l2;       /* l2 may be NULL */
	vm_counters_t c;
	vm_proc_t **procs;       /* every process ever created, in creation order */
	uint32_t nr_procs, cap_procs;
	GHashTable *by_pid;      /* pid -> vm_proc_t*, live or dead */
	uint32_t cur_asid;       /* process whose translations the TLB serves */
	uint64_t now;            /* simulated time, set by the engine */
	vm_reclaim_t *reclaim;   /* the page-replacement policy */
	vm_disk_t *disk;         /* the disk; the swap area lives on it */
	uint32_t *swap_map;      /* per swap slot: swap entries pointing at it */
	uint32_t nr_swap_slots, swap_used, swap_cursor;
	/* The swap cache (mm/swap_state.c): a page that has a slot and is in
	 * memory.  A slot is in use while swap entries point at it or the
	 * cache holds its page (Linux's SWAP_HAS_CACHE). */
	uint32_t *swap_cache;    /* per slot: the frame holding it, VM_NIL */
	uint32_t *frame_slot;    /* per frame: its slot in the cache, VM_NIL */
	uint32_t nr_swapcache;
	uint64_t swap_base;      /* first disk block of the swap area */
	uint64_t wm_min, wm_low, wm_high; /* zone watermarks, pages (set by sim/) */
	GPtrArray *files;        /* every file ever, by id (vm_file_t*) */
	GHashTable *names;       /* name -> linked vm_file_t* */
	uint64_t next_block;     /* disk blocks are handed out from here */
	vm_ra_t ra;              /* the readahead policy */
	uint32_t folio_order;    /* cache.folio_max as an order: the largest
				  * page-cache folio is 2^folio_order pages
				  * (0: large folios off) */
	uint64_t nr_dirty;       /* dirty page-cache pages, every file */
	uint64_t flush_next;     /* the flusher's next tick (0: not started) */
	uint32_t cur_pid;        /* the process a fault works for: if the OOM
				  * killer takes it, its allocations fail
				  * rather than go on into freed tables */
	gboolean cur_killed;     /* ... and the OOM killer has taken it */
	gboolean in_kswapd;      /* kswapd is running (no recursion) */
	uint32_t oom_exempt;     /* pid the OOM killer must spare (a parent
				  * whose tables fork is walking), 0: none */
	uint64_t nr_evicted;      /* pages evicted so far (pgsteal less put-backs) */
	vm_evict_info_t last_evict;
	vm_oom_info_t last_oom;
} vm_machine_t;

/* A machine for @cfg (already validated). */
const char *vm_why_name(vm_why_t w);
vm_machine_t *vm_machine_new(const vm_config_t *cfg);
void vm_machine_free(vm_machine_t *m);
/* (Re)create the reclaim policy; @next_use is the oracle of `opt` (NULL
 * for the others).  FALSE when the policy needs an oracle and has none. */
gboolean vm_machine_set_reclaim(vm_machine_t *m,
				uint64_t (*next_use)(void *oracle, uint32_t pfn),
				void *oracle);

/* Process @pid, or NULL.  Dead processes stay findable for statistics. */
vm_proc_t *vm_machine_proc(vm_machine_t *m, uint32_t pid);
/* Create process @pid with an empty address space; NULL when the top-level
 * table cannot get a frame. */
vm_proc_t *vm_machine_spawn(vm_machine_t *m, uint32_t pid);
/*
 * fork(): a new process @pid with a copy of @parent's address space
 * (fork.c).  Returns NULL when memory ran out (nothing is left behind).
 * *cost gets the CPU time of copying the page tables.
 */
vm_proc_t *vm_machine_fork(vm_machine_t *m, vm_proc_t *parent, uint32_t pid,
			   uint64_t *cost);
/* End @p: unmap everything, free its page tables, drop its TLB entries. */
void vm_machine_exit(vm_machine_t *m, vm_proc_t *p, vm_kill_t why);
/* The CPU now runs @p: with tlb.asid=false this flushes the TLBs. */
void vm_machine_switch_to(vm_machine_t *m, vm_proc_t *p);

/*
 * One access of @acc to the page holding @vaddr by @p.  The TLB-hit case is
 * inline; everything else is in machine.c and fault.c.  Fills @res.
 */
void vm_machine_access_slow(vm_machine_t *m, vm_proc_t *p, uint64_t vaddr,
			    vm_acc_t acc, vm_tlb_entry_t *l1e,
			    vm_access_t *res);

/* Count one access of @acc by @p (docs/statistics.md accesses, loads, ...). */
static inline void vm_machine_count_access(vm_machine_t *m, vm_proc_t *p,
					   vm_acc_t acc)
{
	m->c.accesses++;
	if (acc == VM_ACC_R)
		m->c.loads++;
	else if (acc == VM_ACC_W)
		m->c.stores++;
	else
		m->c.fetches++;
	p->accesses++;
}

static inline void vm_machine_access(vm_machine_t *m, vm_proc_t *p,
				     uint64_t vaddr, vm_acc_t acc,
				     vm_access_t *res)
{
	static const uint8_t need[3] = { VM_PROT_R, VM_PROT_W, VM_PROT_X };
	uint64_t vpn = vaddr >> m->page_shift;
	vm_tlb_entry_t *e = vm_tlb_lookup(m->l1, vpn, p->pid);
	if (G_LIKELY(e && (e->perm & need[acc]))) {
		vm_machine_count_access(m, p, acc);
		m->c.tlb_l1_hits++;
		vm_reclaim_access(m->reclaim, (uint32_t)e->pfn);
		p->last_outcome = VM_OUT_HIT;
		*res = (vm_access_t){ .outcome = VM_OUT_HIT, .tlb = 1,
				      .pfn = (uint32_t)e->pfn,
				      .cost = m->cfg.cost_access };
		return;
	}
	vm_machine_access_slow(m, p, vaddr, acc, e, res);
}

/* Fault path (fault.c): resolve a fault on page @vpn, the TLB and the walk
 * having failed; fills @res and, when resolved, the TLBs. */
void vm_fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		     vm_acc_t acc, vm_access_t *res);

/*
 * A frame for the machine's own use (anon, file, page table).  At or below
 * the min watermark it reclaims directly first (reclaim.c's policy, swap for
 * anonymous pages), and when nothing can be reclaimed the OOM killer frees a
 * process's memory.  VM_NIL when no frame can be had, or when the OOM killer
 * chose process @owner itself.  Keeps peak_used_pages.
 */
uint32_t vm_machine_alloc_frame(vm_machine_t *m, vm_frame_kind_t kind,
				uint32_t owner, uint64_t index);
/* Count @n new page-table pages of @p (pt_pages and its peak). */
void vm_machine_count_tables(vm_machine_t *m, vm_proc_t *p, unsigned n);
/* Fill both TLB levels with (@vpn -> @pte) for the running process. */
void vm_machine_tlb_fill(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			 uint64_t pte);
/* Drop [@vpn, +@n) of @p from both TLB levels. */
void vm_machine_tlb_invalidate(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			       uint64_t n);
/* Remove one PTE's hold on its page (frame mapcount, RSS; frees an anonymous
 * page nobody maps) and clear the slot. */
void vm_machine_zap_pte(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			uint64_t *slot);

/* swap.c: the swap area (slots on the disk), eviction with the reverse map,
 * swap-in, and the OOM killer. */
void vm_swap_init(vm_machine_t *m);
void vm_swap_destroy(vm_machine_t *m);
/* Drop one swap entry's hold on @slot. */
void vm_swap_put(vm_machine_t *m, uint32_t slot);
/* Evict page @pfn (taken off the reclaim lists): unmap it from every PTE,
 * write it to swap.  FALSE when it cannot be evicted now. */
gboolean vm_swap_evict(vm_machine_t *m, uint32_t pfn);
static inline uint32_t vm_swapcache_slot(const vm_machine_t *m, uint32_t pfn)
{
	return m->frame_slot[pfn];
}
void vm_swapcache_del(vm_machine_t *m, uint32_t pfn);
void vm_swap_unmapped(vm_machine_t *m, uint32_t pfn);
uint32_t vm_swap_read(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		      uint32_t slot, uint64_t start, uint64_t *ready);
static inline gboolean vm_swap_full(const vm_machine_t *m)
{
	/* vm_swap_full(): more than half of swap in use */
	return (uint64_t)m->swap_used * 2 > m->nr_swap_slots;
}
/* Reclaim until more than the min watermark is free, or nothing more can
 * be done; kills with the OOM killer when allowed.  FALSE when @owner was
 * killed. */
gboolean vm_reclaim_direct(vm_machine_t *m, uint32_t owner);
/* Background reclaim (reclaim.kswapd): from the low to the high watermark. */
void vm_kswapd(vm_machine_t *m);

/* pagecache.c: files and their pages. */
vm_file_t *vm_file_new(vm_machine_t *m, const char *name, uint64_t size,
		       gboolean sparse, gboolean cached);
/* A new shmem object of @npages pages (MAP_SHARED|MAP_ANONYMOUS). */
vm_file_t *vm_file_new_shmem(vm_machine_t *m, uint64_t npages);
vm_file_t *vm_file_lookup(vm_machine_t *m, const char *name);
static inline vm_file_t *vm_file_get(vm_machine_t *m, int32_t id)
{
	return g_ptr_array_index(m->files, id);
}
/* VMAs of live processes that map @f. */
uint64_t vm_file_count_maps(vm_machine_t *m, const vm_file_t *f);
/* Free @f's pages once it has no name, fd or mapping left. */
void vm_file_maybe_free(vm_machine_t *m, vm_file_t *f);
/* unlink(): the name goes; the file lives while it is open or mapped. */
void vm_file_unlink(vm_machine_t *m, vm_file_t *f);
/* ftruncate() and growth by write(): shrinking unmaps and drops the pages
 * past the new end (unmap_mapping_range, truncate_inode_pages). */
void vm_file_resize(vm_machine_t *m, vm_file_t *f, uint64_t size);
/*
 * Bring page @idx of @f into the page cache, reading the readahead window
 * [@start, +@nr) around it and marking @marker (VM_RA_NONE: none).  Returns
 * the frame, or VM_NIL when memory ran out; *ready gets the time page @idx
 * is up to date; *ra_pages the pages read beyond @idx.
 */
uint32_t vm_pagecache_fill(vm_machine_t *m, vm_file_t *f, uint64_t idx,
			   uint64_t start, uint64_t nr, uint64_t marker,
			   uint64_t *ready, uint32_t *ra_pages);
/* The same, laying the window's missing pages out in folios of up to
 * 2^@order pages (the window's order, capped by cache.folio_max); the
 * window's marker goes on the folio holding it. */
uint32_t vm_pagecache_fill_order(vm_machine_t *m, vm_file_t *f, uint64_t idx,
				 uint64_t start, uint64_t nr, uint64_t marker,
				 unsigned order, uint64_t *ready,
				 uint32_t *ra_pages);
/* The frame of the first page of the folio holding page @idx (cached). */
static inline uint32_t vm_pagecache_head(const vm_file_t *f, uint64_t idx)
{
	return f->cache[vm_folio_head(f, idx)];
}
/* Page @idx, cached, or VM_NIL. */
static inline uint32_t vm_pagecache_find(const vm_file_t *f, uint64_t idx)
{
	return idx < f->cap ? f->cache[idx] : VM_NIL;
}
/* Page @idx in the cache without reading it (a write that overwrites it
 * whole, or a hole): VM_NIL when memory ran out. */
uint32_t vm_pagecache_grab(vm_machine_t *m, vm_file_t *f, uint64_t idx);
/* A write of @nr whole pages from @idx: page @idx in the cache, in a
 * folio as large as the write when large folios are on (pagecache.c). */
uint32_t vm_pagecache_grab_folio(vm_machine_t *m, vm_file_t *f, uint64_t idx,
				 uint64_t nr);
/* Read [start, +nr) of @f into the cache without waiting (readahead,
 * MADV_WILLNEED); returns the pages read. */
uint32_t vm_pagecache_readahead(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t nr);
/* Mark a cached page dirty. */
void vm_pagecache_dirty(vm_machine_t *m, vm_file_t *f, uint32_t pfn);
/* Write back the dirty pages [start, end) of @f (page_mkclean: their PTEs
 * lose write permission, so the next write faults and dirties them again).
 * Returns when the last write completes (m->now when there was none). */
uint64_t vm_pagecache_writeback(vm_machine_t *m, vm_file_t *f, uint64_t start,
				uint64_t end);
/* The same, only for pages dirtied at or before @dirtied_by. */
uint64_t vm_pagecache_writeback_aged(vm_machine_t *m, vm_file_t *f,
				     uint64_t start, uint64_t end,
				     uint64_t dirtied_by);
/* The flusher (writeback.interval, writeback.expire, background_ratio):
 * run every tick up to @now that has not run yet. */
void vm_writeback_catch_up(vm_machine_t *m, uint64_t now);
/* vm_writeback_catch_up when a flusher run may be due: called before every
 * event, so the common nothing-to-do case costs a compare. */
static inline void vm_writeback_tick(vm_machine_t *m, uint64_t now)
{
	if (G_UNLIKELY(m->flush_next <= now))
		vm_writeback_catch_up(m, now);
}
/* After a write: background writeback above background_ratio, and above
 * dirty_ratio the writer's wait (returns until when it waits). */
uint64_t vm_writeback_balance(vm_machine_t *m);
/* Power loss: every process dies, dirty pages are lost (*lost), pages whose
 * write was still in flight are torn (*torn), memory and the page cache are
 * emptied.  Files keep what had reached the disk.  The engine reboots. */
void vm_machine_crash(vm_machine_t *m, uint64_t *lost, uint64_t *torn);
/* Evict a file page: unmap it everywhere, write it first if dirty, drop it;
 * a page of a large folio takes the whole folio with it (m->nr_evicted
 * counts the others).  FALSE when it cannot go now (locked under I/O,
 * shmem, a page of its folio busy or isolated). */
gboolean vm_pagecache_evict(vm_machine_t *m, uint32_t pfn);
/* A page was used: count a readahead hit the first time. */
static inline void vm_pagecache_used(vm_machine_t *m, uint32_t pfn)
{
	vm_frame_t *fr = &m->frames.f[pfn];
	if (G_UNLIKELY(fr->flags & VM_FRAME_RA_UNUSED)) {
		fr->flags &= ~VM_FRAME_RA_UNUSED;
		m->c.readahead_hits++;
	}
}

/* The VMA of @p containing page @vpn, or NULL. */
vm_vma_t *vm_proc_find_vma(vm_proc_t *p, uint64_t vpn);

/*
 * Memory system calls on @p, in pages.  vm_mm_mmap replaces whatever was
 * mapped in the range first (MAP_FIXED).  Anonymous memory only for now:
 * file and shared mappings are refused by the engine until their models
 * exist.
 */
void vm_mm_mmap(vm_machine_t *m, vm_proc_t *p, uint64_t start, uint64_t npages,
		uint32_t prot, uint32_t flags, int32_t file, uint64_t pgoff);
void vm_mm_munmap(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		  uint64_t npages);
void vm_mm_mprotect(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		    uint64_t npages, uint32_t prot);
/* madvise; returns the pages dropped (dontneed) or read ahead (willneed). */
uint64_t vm_mm_madvise(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		       uint64_t npages, vm_madv_t advice);

/* Free pages, and pages in use (frames not free). */
static inline uint64_t vm_machine_free_pages(const vm_machine_t *m)
{
	return m->frames.nr_free;
}

/*
 * The invariant checker (--check): frame mapcounts equal the PTEs mapping
 * them, RSS counters equal the page tables, pt_pages equals the tables,
 * free + used = memory.  Returns NULL when all hold, else a description of
 * the first violation (newly allocated).
 */
char *vm_machine_check(vm_machine_t *m);

/*
 * clone.c: a deep copy of @m sharing nothing with it, policies' private
 * state and generator states included, so that both replay alike (the
 * engine's snapshots).  The reclaim oracle pointer (opt) is copied as it
 * is: its owner rebinds it.  Free with vm_machine_free.
 */
vm_machine_t *vm_machine_clone(const vm_machine_t *m);
/*
 * A compact copy to keep (snapshots): like vm_machine_clone, but the frames
 * no one ever took (the tail vm_frames_init left) are not stored.  Only
 * vm_machine_load turns it back into a machine, any number of times.
 */
typedef struct vm_machine_image vm_machine_image_t;
vm_machine_image_t *vm_machine_save(const vm_machine_t *m);
/* The machine of @img.  @reuse (may be NULL) is a machine to free, of the
 * same profile, whose large arrays the new one takes over. */
vm_machine_t *vm_machine_load(const vm_machine_image_t *img,
			      vm_machine_t *reuse);
size_t vm_machine_image_size(const vm_machine_image_t *img);
void vm_machine_image_free(vm_machine_image_t *img);
/* About how many bytes vm_machine_clone(@m) allocates (snapshot budgets). */
size_t vm_machine_footprint(const vm_machine_t *m);
/* A hex digest of the whole state, field by field (no pointers, no
 * padding): equal for machines that behave alike.  Newly allocated. */
char *vm_machine_digest(const vm_machine_t *m);

/* Names for outcomes ("hit", "walk", ...), and parsing them back. */
const char *vm_outcome_name(vm_outcome_t o);
gboolean vm_outcome_parse(const char *s, vm_outcome_t *o);

#endif
