/*
 * The machine's parameters: the profile of docs/profiles.md as one plain struct.
 *
 * The struct lives here, in models/, because the models read it; parsing,
 * validation and printing of profiles live in sim/config.c, above them, so
 * that models/ depends on nothing but itself and glib's types.
 */
#ifndef VM_PARAMS_H
#define VM_PARAMS_H

#include <stdint.h>
#include <glib.h>

#define VM_MMU_MAX_LEVELS 6
#define VM_CONFIG_WORD 16   /* room for a policy or type name and its NUL */

typedef struct {
	char name[64];               /* profile name, or the .ini file's path */

	uint64_t page_size;          /* bytes, power of two >= 64 */
	uint64_t memory;             /* bytes, a multiple of page_size */
	uint32_t cpus;
	char sched_policy[VM_CONFIG_WORD];   /* "least-loaded" or "rr" (cpus > 1) */
	gboolean zero_page;          /* read faults on anonymous memory map the
				      * shared zero page (Linux does; some
				      * kernels, like this host's, do not) */

	uint32_t mmu_levels;         /* length of mmu.bits */
	uint32_t mmu_bits[VM_MMU_MAX_LEVELS]; /* index bits per level, top first */
	gboolean mmu_pt_frames;
	char mmu_free_tables[VM_CONFIG_WORD]; /* when page tables go: exit,
					       * munmap or pt_reclaim */

	uint32_t tlb_l1_entries, tlb_l1_ways; /* ways 0: fully associative */
	uint32_t tlb_l2_entries, tlb_l2_ways; /* entries 0: no L2 */
	char tlb_policy[VM_CONFIG_WORD];      /* registered in models/tlb.c */
	gboolean tlb_asid;
	uint32_t tlb_flush_ceiling;  /* pages: a longer range is flushed whole
				      * (tlb_single_page_flush_ceiling) */

	uint64_t cost_access;        /* all costs in nanoseconds */
	uint64_t cost_walk_ref;
	uint64_t cost_minor_fault;
	uint64_t cost_map_pte;       /* each PTE a fault maps past the first */
	uint64_t cost_page_copy;
	uint64_t cost_syscall;
	uint64_t cost_copy_4k;
	uint64_t cost_context_switch;
	uint64_t cost_reclaim;       /* each page reclaim looks at (scans) */
	uint64_t cost_reclaim_mapped; /* each PTE eviction removes (try_to_unmap) */
	uint64_t cost_page_cache_add; /* each folio a read adds to the page cache
				       * before its I/O is submitted */
	uint64_t cost_ipi;           /* each TLB-shootdown IPI, to its sender */
	uint64_t cost_tlb_flush;     /* the flush an IPI makes, to its receiver */

	char disk_type[VM_CONFIG_WORD];  /* registered in models/disk.c */
	uint64_t disk_latency;       /* ns */
	uint64_t disk_seek;          /* ns */
	uint64_t disk_bandwidth;     /* bytes per second */
	uint32_t disk_queue_depth;

	uint64_t cache_folio_max;    /* bytes: the largest page-cache folio;
				      * 0 (or page_size): one page a folio */
	char readahead_policy[VM_CONFIG_WORD]; /* in models/readahead.c */
	uint64_t readahead_max;      /* bytes */
	uint64_t readahead_fault_around; /* bytes, 0 disables */
	uint32_t readahead_mmap_miss_limit;

	char reclaim_policy[VM_CONFIG_WORD]; /* registered in models/reclaim.c */
	int64_t reclaim_watermark_min; /* pages; -1: Linux's formula ("auto") */
	gboolean reclaim_kswapd;
	uint32_t reclaim_swappiness; /* 0..200 */
	uint32_t reclaim_seed;       /* random's splitmix64 state at the start */

	uint64_t swap_size;          /* bytes */
	uint32_t swap_cluster;       /* page-cluster: 2^cluster pages */
	gboolean swap_vma_readahead; /* /sys/kernel/mm/swap/vma_ra_enabled */

	uint64_t writeback_expire;   /* ns */
	uint64_t writeback_interval; /* ns */
	uint32_t writeback_background_ratio; /* percent */
	uint32_t writeback_dirty_ratio;      /* percent */

	char oom_policy[VM_CONFIG_WORD];     /* registered in models/oom.c */

	uint64_t cgroup_max;         /* bytes: pid 1 starts in the memory cgroup
				      * `profile` with this memory.max (0:
				      * in none); models/memcg.h */
	uint32_t cgroup_version;     /* 1 or 2: the cgroup hierarchy the
				      * memory controller is on; 2 gives each
				      * cgroup its own dirty limits (cgroup
				      * writeback), models/writeback.c */
	/* Transparent huge pages (models/huge_memory.c, docs/profiles.md):
	 * /sys/kernel/mm/transparent_hugepage/{enabled,defrag} as words */
	char thp_enabled[VM_CONFIG_WORD];    /* always, madvise or never */
	char thp_defrag[VM_CONFIG_WORD];     /* always, defer, defer+madvise,
					      * madvise or never */
	gboolean thp_use_zero_page;          /* .../use_zero_page */
	char shmem_huge[VM_CONFIG_WORD];     /* shmem_enabled / tmpfs huge=:
					      * never, always, within_size,
					      * advise, deny or force */
	uint64_t khugepaged_scan_sleep;      /* ns: scan_sleep_millisecs */
	uint32_t khugepaged_pages_to_scan;   /* pages per wake-up */
	uint32_t khugepaged_max_ptes_none;   /* empty PTEs a collapse fills */
	/* the L1 DTLB for 2 MiB pages (the 4 KiB one is tlb.l1; the L2,
	 * tlb.l2, holds both sizes, as x86's STLB) */
	uint32_t tlb_l1_2m_entries, tlb_l1_2m_ways; /* entries 0: none */
} vm_config_t;

/* mmu_free_tables as a number (machine.c), in its words' order: tables
 * go at exit only; also at munmap (free_pgtables); also the empty leaf
 * tables of MADV_DONTNEED (CONFIG_PT_RECLAIM) */
enum { VM_FREE_TABLES_EXIT, VM_FREE_TABLES_MUNMAP, VM_FREE_TABLES_PT_RECLAIM };
/* thp_enabled as a number (huge_memory.c): */
enum { VM_THP_NEVER, VM_THP_MADVISE, VM_THP_ALWAYS };
/* shmem_huge as a number (huge_memory.c), in shmem_huge_words' order */
enum { VM_SHMEM_HUGE_NEVER, VM_SHMEM_HUGE_ALWAYS, VM_SHMEM_HUGE_WITHIN_SIZE,
       VM_SHMEM_HUGE_ADVISE, VM_SHMEM_HUGE_DENY, VM_SHMEM_HUGE_FORCE };

#endif
