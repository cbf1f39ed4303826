/*
 * The simulated machine: physical frames, the page-table pool, the TLBs, the
 * processes and their address spaces, the files, swap, the disk, and the
 * global counters of docs/statistics.md.  Everything in models/ hangs off a
 * vm_machine_t passed explicitly; there is no global state, no stdio and no
 * wall clock.
 *
 * Who owns what (one file per mechanism, as Linux's mm/ has them; each has
 * its own header):
 *
 *   machine.c   construction, the page allocator's slow path (reclaim,
 *               kswapd's wake-up, the OOM killer when nothing is left)
 *   proc.c      processes: spawn, exit, switching the CPU between them
 *   mmu.c       translation: TLBs and the page-table walk (the hit is inline)
 *   fault.c     the page-fault handler (mm/memory.c handle_mm_fault)
 *   mm.c        VMAs and mmap, munmap, mprotect, madvise
 *   fork.c      fork and copy-on-write set-up (dup_mmap)
 *   file.c      the file table: names, sizes, truncation (the inode side)
 *   filemap.c   the page cache: finding, reading and dropping file pages
 *   writeback.c dirty pages, writeback, the flusher, dirty throttling
 *   crash.c     power loss
 *   swap.c      swap slots, the swap cache, swap-in and swap-out
 *   vmscan.c    reclaim: choosing victims and freeing them
 *   kswapd.c    background reclaim
 *   huge_memory.c  transparent huge pages (PMD leaves: fault, split, fork;
 *                  file and shmem folios mapped by PMD)
 *   shmem.c        shmem huge folios (shmem.huge)
 *   khugepaged.c   collapsing small pages into huge pages
 *   oom.c       the OOM killer and its policies (oom-*.c)
 *   check.c     the invariant checker (--check)
 *   clone.c     deep copies for the engine's snapshots
 *
 * An access is translated as the hardware does it (docs/format.md,
 * outcomes):
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
 * returning an outcome and the reason for it (result.h), which
 * sim/narrate.c turns into words only when someone asked for them.
 */
#ifndef VM_MACHINE_H
#define VM_MACHINE_H

#include <stdint.h>
#include <glib.h>
#include "models/types.h"
#include "models/params.h"
#include "models/result.h"
#include "models/frames.h"
#include "models/pagetable.h"
#include "models/tlb.h"
#include "models/reclaim.h"
#include "models/disk.h"
#include "models/readahead.h"
#include "models/events.h"
#include "models/scratch.h"

typedef struct vm_proc vm_proc_t;     /* proc.h */
typedef struct vm_file vm_file_t;     /* file.h */
typedef struct vm_smp vm_smp_t;       /* smp.h */

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
	uint64_t nr_vmscan_write; /* pageouts reclaim started (/proc/vmstat) */
	uint64_t pgrotated;      /* ... that completed and went to the tail of
				  * the lists (folio_rotate_reclaimable) */
	uint64_t reclaim_waits;  /* allocations that waited for a pageout */
	uint64_t pageoutrun;     /* kswapd's turns on the CPU (balance_pgdat) */
	uint64_t kswapd_ns;      /* kswapd's CPU time */
	uint64_t pgsteal_kswapd; /* pages kswapd freed (the rest of pgsteal is
				  * direct reclaim's) */
	/* workingset.c: pages that came back while their eviction's shadow
	 * entry was kept, and those recent enough to be activated */
	uint64_t workingset_refault_anon, workingset_refault_file;
	uint64_t workingset_activate_anon, workingset_activate_file;
	/* transparent huge pages (huge_memory.c, khugepaged.c), as
	 * /proc/vmstat names them, and the 2 MiB TLB's hits */
	uint64_t thp_fault_alloc, thp_fault_fallback, thp_collapse_alloc;
	uint64_t thp_collapse_alloc_failed, thp_split_pmd, thp_zero_page_maps;
	uint64_t compact_stall, compact_fail, khugepaged_full_scans, khugepaged_ns;
	uint64_t tlb_l1_2m_hits, tlb_l2_2m_hits;
	/* file and shmem huge pages (huge_memory.c): shmem huge folios
	 * allocated and fallen back from (Linux counts only shmem's under
	 * these names), and PMD mappings of file or shmem folios made */
	uint64_t thp_file_alloc, thp_file_fallback, thp_file_mapped;
} vm_counters_t;

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
	uint64_t rss, swap, pt;
	int64_t points;          /* rss + swap + pt + adj_pages (oom_badness) */
	int64_t adj_pages;       /* oom_score_adj x (totalpages / 1000) */
	int16_t adj;             /* the victim's oom_score_adj */
	uint8_t adjusted;        /* a process it weighed had an oom_score_adj
				  * (so the victim is not just the largest) */
	uint16_t memcg;          /* the cgroup whose OOM killer it was, 0: the machine's */
} vm_oom_info_t;

/* The latest refault with a shadow entry (workingset.c), for narration. */
typedef struct {
	uint32_t pfn;            /* the frame it came back into */
	uint64_t at;             /* when (m->now) */
	uint64_t distance;       /* evictions and activations since its eviction */
	uint64_t size;           /* the workingset it was measured against */
	gboolean activated;
	gboolean measured;       /* the policy gave distance and size (lru2q) */
} vm_refault_info_t;

/* A pageout reclaim started (vmscan.c): the frame, and when its write
 * completes. */
typedef struct {
	uint32_t pfn;
	uint64_t done;
} vm_pageout_t;

/* kswapd (kswapd.c) */
typedef enum {
	VM_KSWAPD_SLEEPING,      /* free memory is above the low watermark,
				  * or kswapd gave up (kswapd_failures) */
	VM_KSWAPD_RUNNABLE,      /* woken: it wants the CPU */
	VM_KSWAPD_WAITING,       /* for a pageout to complete (VM_EV_KSWAPD) */
} vm_kswapd_state_t;

typedef struct vm_machine {
	vm_config_t cfg;
	unsigned page_shift;
	vm_frames_t frames;
	vm_pagetables_t pt;
	vm_tlb_t *l1, *l2;       /* l2 may be NULL */
	vm_tlb_t *l1_2m;         /* the L1 TLB of PMD mappings, NULL if none
				  * (tlb.l1_2m); the L2 holds both sizes */
	vm_tlb_entry_t *l1_hit;  /* the L1 entry of the last hit with
				  * permission on vm_mmu_access's inline
				  * path: the engine's next access to the
				  * same page, with nothing in between, hits
				  * it again (vm_mmu_access_again); stale
				  * after anything else */
	gboolean thp_seen;       /* a PMD leaf was ever made: only then do
				  * translation and invalidation look for
				  * huge entries, so that 4 KiB runs pay
				  * nothing for them */
	uint8_t thp_mode;        /* VM_THP_* of thp.enabled */
	uint8_t thp_defrag;      /* thp.defrag: 0 never, 1 madvise (and
				  * defer+madvise), 2 always: when a huge
				  * fault compacts (counted) */
	uint32_t hpage_order;    /* pages a PMD maps, as an order (0: no PMD
				  * level, no huge pages) */
	uint8_t shmem_huge;      /* VM_SHMEM_HUGE_* of shmem.huge */
	uint8_t free_tables;     /* VM_FREE_TABLES_* of mmu.free_tables */
	uint64_t nr_shmem_huge;  /* shmem pages in huge folios (meminfo's
				  * ShmemHugePages) */
	gboolean thp_file;       /* file or shmem folios may be mapped by PMD
				  * (huge pages on, and cache.folio_max of a
				  * huge page or shmem.huge allowing them) */
	uint64_t khugepaged_next;  /* its next wake-up (VM_EV_KHUGEPAGED), 0 */
	uint32_t khugepaged_pid;   /* where its scan stands: process ... */
	uint64_t khugepaged_vpn;   /* ... and address */
	vm_counters_t c;
	vm_proc_t **procs;       /* every process ever created, in creation order */
	uint32_t nr_procs, cap_procs;
	GHashTable *by_pid;      /* pid -> vm_proc_t*, live or dead */
	vm_proc_t **threads;     /* every thread ever cloned (not leaders),
				  * in creation order */
	uint32_t nr_threads, cap_threads;
	vm_smp_t *smp;           /* the CPUs when cpus > 1 (smp.h); NULL with
				  * one CPU, whose TLBs are l1 and l2 */
	vm_proc_t *cur_thread;   /* the thread an access or fault runs for,
				  * when it is not the leader (its fault
				  * counters); NULL otherwise */
	uint32_t cur_asid;       /* process whose translations the TLB serves */
	uint64_t now;            /* simulated time: the one clock.  The engine
				  * advances it by what each event costs and
				  * jumps it to the next event when nothing
				  * can run; the models read it */
	vm_events_t ev;          /* what will happen at a time of its own */
	vm_reclaim_t *reclaim;   /* the page-replacement policy */
	vm_disk_t *disk;         /* the disk; the swap area lives on it */
	uint32_t *swap_map;      /* per swap slot: swap entries pointing at it */
	uint64_t *swap_shadow;   /* per swap slot: the shadow entry its page's
				  * eviction left (workingset.c), 0 if none */
	uint32_t nr_swap_slots, swap_used, swap_cursor;
	/* Slots [0, swap_hwm) have been set up; those beyond were never
	 * handed out (swap_alloc takes them in order) and are read by nobody,
	 * so a swap area of any size costs what the trace swaps, at setup and
	 * in every snapshot.  A multiple of VM_SWAP_CHUNK (or nr_swap_slots),
	 * so a readahead block around a slot in use lies inside it. */
	uint32_t swap_hwm;
#define VM_SWAP_CHUNK 1024u  /* slots set up at a time: 2^swap.cluster's
			      * largest block (config.c allows 10) */
	/* The swap cache (mm/swap_state.c): a page that has a slot and is in
	 * memory.  A slot is in use while swap entries point at it or the
	 * cache holds its page (Linux's SWAP_HAS_CACHE). */
	uint32_t *swap_cache;    /* per slot: the frame holding it, VM_NIL */
	uint32_t *frame_slot;    /* per frame: its slot in the cache, VM_NIL */
	uint32_t nr_swapcache;
	/* swapin_nr_pages' state (mm/swap_state.c, global in Linux too): the
	 * read-ahead pages found by faults since the last swap-in
	 * (swapin_readahead_hits, 4 at boot), the slot of the last swap-in
	 * that had none (prev_offset), and the last window
	 * (last_readahead_pages) */
	uint32_t swapin_readahead_hits, swap_ra_prev_offset, swap_ra_last_pages;
	/* swap_use_vma_readahead(): swap.vma_readahead and a disk that is
	 * not rotational; then a VMA's state (vm_vma_t.ra_*) sizes the
	 * window instead, and swap_ra_last_pages is the last VMA window */
	gboolean swap_vma_ra;
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
	uint64_t flush_next;     /* the flusher's pending tick, when armed */
	gboolean flush_armed;    /* ... a VM_EV_FLUSH is queued for it */
	uint32_t cur_pid;        /* the process a fault works for: if the OOM
				  * killer takes it, its allocations fail
				  * rather than go on into freed tables */
	gboolean cur_killed;     /* ... and the OOM killer has taken it */
	uint8_t kswapd_state;    /* vm_kswapd_state_t */
	uint32_t kswapd_failures; /* its runs in a row that freed nothing */
	vm_pageout_t *pageouts;  /* reclaim's pageouts in flight, in
				  * submission order: completion order */
	uint32_t po_head, po_len, po_cap;
	uint64_t po_event;       /* the latest VM_EV_IO queued */
	uint64_t nr_pageout;     /* pageouts reclaim started so far */
	/* What the operation running now (an access, a system call, a kswapd
	 * turn) owes, reset at its start: */
	uint64_t alloc_wait;     /* it waits at least until then (an
				  * allocation waited for a pageout) */
	uint64_t reclaim_ns;     /* CPU time reclaim took for it */
	uint64_t cache_add_ns;   /* CPU time its reads took adding folios to
				  * the page cache (cost.page_cache_add): its
				  * I/O is submitted after that (filemap.c) */
	uint32_t oom_exempt;     /* pid the OOM killer must spare (a parent
				  * whose tables fork is walking), 0: none */
	uint64_t nr_evicted;      /* pages evicted so far (pgsteal less put-backs) */
	struct vm_read_fills *read_fills; /* vm_filemap_read, while it runs:
				  * the pages its windows fill (filemap.c) */
	gboolean alloc_noretry;  /* the allocation being made is readahead's
				  * (readahead_gfp_mask: __GFP_NORETRY): when
				  * reclaim finds nothing, it fails instead of
				  * running the OOM killer */
	uint64_t nr_reclaim_unmaps; /* PTEs eviction has removed so far (try_to_unmap):
				     * vmscan.c charges cost.reclaim_mapped for each */
	vm_evict_info_t last_evict;
	vm_oom_info_t last_oom;
	vm_refault_info_t last_refault;
	/* Scratch buffers (scratch.h), so that a fault that reads allocates
	 * nothing: not machine state (a clone gets its own, empty) */
	vm_scratch_t scratch_read;  /* filemap.c fill_window's window */
	vm_scratch_t scratch_bio;   /* filemap.c submit_blocks' requests */
	vm_scratch_t scratch_wb;    /* writeback.c's run of dirty pages */
	/* Memory cgroups (memcg.h): memcg[1..nr_memcg], memcg[0] unused (the
	 * root: the machine itself); nr_memcg 0 until a trace makes one */
	struct vm_memcg **memcg;
	uint32_t nr_memcg;
	uint16_t cur_memcg;      /* the cgroup the running fault or system
				  * call charges (its process's), 0: none */
	uint16_t oom_memcg;      /* the OOM killer chooses only in this
				  * cgroup (mem_cgroup_out_of_memory), 0:
				  * in the whole machine */
	uint32_t memcg_pid;      /* the process cur_memcg is from */
	uint16_t *swap_memcg;    /* per swap slot: the cgroup its entry is
				  * charged to (NULL until a cgroup exists) */
} vm_machine_t;


/* A machine for @cfg (already validated). */
vm_machine_t *vm_machine_new(const vm_config_t *cfg);
/* The host memory a machine for @cfg allocates up front, in bytes: the
 * frame table, the swap map and the reclaim policy's per-frame state (what
 * grows with the sizes a profile names rather than with what a trace
 * touches).  Saturates at UINT64_MAX. */
uint64_t vm_machine_host_bytes(const vm_config_t *cfg);
void vm_machine_free(vm_machine_t *m);
/* (Re)create the reclaim policy; @next_use is the oracle of `opt` (NULL
 * for the others).  FALSE when the policy needs an oracle and has none. */
gboolean vm_machine_set_reclaim(vm_machine_t *m,
				uint64_t (*next_use)(void *oracle, uint32_t pfn),
				void *oracle);

/*
 * A frame for the machine's own use (anon, file, page table): the page
 * allocator's slow path (mm/page_alloc.c __alloc_pages_slowpath).  At or
 * below the min watermark it reclaims directly first (vmscan.c), and when
 * nothing can be reclaimed the OOM killer frees a process's memory; below
 * the low watermark afterwards it wakes kswapd.  VM_NIL when no frame can
 * be had, or when the OOM killer chose process @owner itself.  Keeps
 * peak_used_pages.
 */
uint32_t vm_machine_alloc_frame(vm_machine_t *m, vm_frame_kind_t kind,
				uint32_t owner, uint64_t index);

/* Run event @ev of the models (anything but VM_EV_WAKE, the engine's) at
 * its time: an event due while a record ran is handled as of ev->time. */
void vm_machine_event(vm_machine_t *m, const vm_ev_t *ev);

/*
 * How far the running operation has got.  m->now stays at its start while
 * it runs, but the reclaim its allocations did so far (cost.reclaim,
 * cost.reclaim_mapped) and the folios its reads added to the page cache
 * (cost.page_cache_add) have taken its CPU time.  Linux adds a readahead
 * window's folios one by one, each charge reclaiming when the cgroup or
 * the zone is short (filemap_add_folio, page_cache_ra_unbounded), and
 * only then submits the window's reads (read_pages): so the reads go out
 * at this time (filemap.c), and reclaim in the middle of the additions
 * finds finished the reads that completed by then (page_busy).
 */
static inline uint64_t vm_machine_op_now(const vm_machine_t *m)
{
	return m->now + m->reclaim_ns + m->cache_add_ns;
}

/* Free pages (frames not in use). */
static inline uint64_t vm_machine_free_pages(const vm_machine_t *m)
{
	return m->frames.nr_free;
}

#endif
