/*
 * The query API: a read-only view of the engine and its machine for the TUI
 * (and for tests), so that ui/ never reaches into models/ structures.  Every
 * call reads; none allocates on the machine's side, touches a replacement
 * policy (TLB lookups use vm_tlb_peek, not vm_tlb_lookup) or changes a
 * counter, so drawing a screen cannot change what the replay does next.
 *
 * Results are plain values copied out; strings point into the machine and
 * stay valid until the next vm_engine_step or vm_engine_seek.  Always pass
 * the engine, never a machine kept from earlier: vm_engine_seek may build a
 * new machine behind the same engine handle.
 *
 * The page-table walk is the hardware's (docs/format.md (outcomes): one entry per level
 * from the top, down to the first that is not present), done again over the
 * present tables without counting it:
 *
 *   vaddr 0x10008, mmu.bits 4,4, pages of 4 KiB:   vpn 0x10
 *     level 0: index 1  entry P|table 3   ─┐ read
 *     level 1: index 0  entry frame 2 r-  ◄┘ read: the PTE
 */
#ifndef VM_QUERY_H
#define VM_QUERY_H

#include <glib.h>
#include "sim/engine.h"

/* ---- processes and their mappings -------------------------------------- */

typedef struct {
	uint32_t pid;
	const char *state;        /* "running", "exited", "killed" */
	const char *killed_by;    /* "none", "sigsegv", "sigbus", "oom", "crash" */
	vm_outcome_t last_outcome;/* of its latest access (VM_OUT_NONE: none) */
	uint32_t nr_vma;
	uint64_t accesses, minflt, majflt, cow_faults;
	uint64_t rss_anon, rss_file, swap_pages, pt_pages;
	uint64_t cpu_ns, wait_ns;
	int oom_score_adj;        /* -1000 to 1000 (docs/format.md) */
} vm_q_proc_t;

/* Processes ever created, in creation order (dead ones included). */
unsigned vm_query_nr_procs(vm_engine_t *e);
/* Process number @i of that order; FALSE when out of range. */
gboolean vm_query_proc(vm_engine_t *e, unsigned i, vm_q_proc_t *out);
/* Process @pid; FALSE when it never existed. */
gboolean vm_query_proc_by_pid(vm_engine_t *e, uint32_t pid, vm_q_proc_t *out);

typedef struct {
	uint64_t start, end;      /* virtual addresses, [start, end) */
	uint32_t prot;            /* VM_PROT_* */
	gboolean shared;
	gboolean anon;            /* anonymous (private) memory */
	const char *file;         /* file name, "(shmem)", "(deleted)", or NULL */
	uint64_t offset;          /* bytes into the file */
	const char *advice;       /* "normal", "random", "sequential", ... */
	uint64_t pages;           /* pages it spans */
	uint64_t present;         /* of those, mapped by a present PTE */
	uint64_t swapped;         /* ... held by a swap entry */
} vm_q_vma_t;

/* VMA number @i (by address) of process @pid; FALSE when out of range or
 * no such process.  Counting present pages visits the range's PTEs. */
gboolean vm_query_vma(vm_engine_t *e, uint32_t pid, unsigned i, vm_q_vma_t *out);

/* ---- the page table ------------------------------------------------------ */

typedef struct {
	unsigned index;           /* index of the vpn at this level */
	unsigned bits;            /* index bits of this level */
	uint32_t table;           /* id of the table read at this level */
	uint32_t table_frame;     /* the frame it occupies; VM_NIL when tables
				   * take no memory (mmu.pt_frames=false) */
	uint64_t entry;           /* the entry read (0: empty) */
	gboolean present;
	/* an upper level's present entry: the table below, and the frame it
	 * occupies (what a real directory entry holds; VM_NIL as above) */
	uint32_t next_table, next_frame;
} vm_q_level_t;

typedef struct {
	uint64_t vaddr, vpn;
	unsigned levels;          /* mmu levels */
	unsigned refs;            /* entries a walk reads now (walk_refs) */
	vm_q_level_t level[VM_MMU_MAX_LEVELS];
	gboolean leaf;            /* a leaf PTE slot exists */
	gboolean present;         /* the PTE maps a page */
	gboolean swapped;         /* the PTE holds a swap entry */
	gboolean zero_page;       /* it maps the shared zero page */
	uint64_t pfn;             /* the frame (present), or the swap slot */
	uint32_t perm;            /* VM_PROT_* the PTE allows */
	gboolean accessed, dirty; /* the A and D bits */
	gboolean huge;            /* the leaf is a PMD entry mapping a huge
				   * page (transparent huge pages): the walk
				   * stops there, a level early */
} vm_q_walk_t;

/* The walk of @vaddr in process @pid's tables as they are now, without
 * touching a counter or a TLB.  FALSE when there is no such process or its
 * tables are gone (it exited). */
gboolean vm_query_walk(vm_engine_t *e, uint32_t pid, uint64_t vaddr,
		       vm_q_walk_t *out);

/* ---- TLBs -------------------------------------------------------------- */

typedef struct {
	unsigned entries, ways, sets; /* geometry; ways == entries: fully assoc. */
	unsigned valid;           /* valid entries now */
	const char *policy;       /* tlb.policy */
} vm_q_tlb_info_t;

typedef struct {
	uint64_t vpn, pfn;
	uint32_t asid;            /* the pid that owns it */
	uint8_t perm;             /* VM_PROT_* */
	unsigned set, way;
	uint64_t stamp;           /* the policy's order (LRU: last use) */
	gboolean huge;            /* maps a 2 MiB page: @vpn is its first
				   * page, @pfn its first frame */
} vm_q_tlb_entry_t;

/* Several CPUs: each has its TLBs.  The TLB queries below read the
 * running CPU's (the one the latest record ran on; with one CPU, the only
 * one); their _cpu forms read CPU @cpu's (-1: the running one). */

typedef struct {
	unsigned cpu;
	uint32_t cur_pid;         /* the task it runs (0: idle) */
	uint32_t loaded_mm;       /* the process whose translations it serves */
	gboolean lazy;            /* idle with loaded_mm kept (lazy TLB) */
	uint64_t ipis_received, flush_full, flush_pages, busy_ns;
} vm_q_cpu_t;

/* CPUs of the machine (1 without cpus > 1). */
unsigned vm_query_nr_cpus(vm_engine_t *e);
/* CPU @cpu (-1: the running one); FALSE with one CPU or past the last. */
gboolean vm_query_cpu(vm_engine_t *e, int cpu, vm_q_cpu_t *out);

/* TLB levels present: 1 (L1 only) or 2. */
/* The pid whose address space @pid uses (its group leader's for a
 * thread; TLB entries carry it as their ASID). */
uint32_t vm_query_mm_of(vm_engine_t *e, uint32_t pid);
unsigned vm_query_tlb_levels(vm_engine_t *e);
/* Geometry of level @level (1, 2, or 3: the L1 of 2 MiB pages, once the
 * machine has mapped a huge page); FALSE when there is no such level. */
gboolean vm_query_tlb_info(vm_engine_t *e, unsigned level, vm_q_tlb_info_t *out);
gboolean vm_query_tlb_info_cpu(vm_engine_t *e, int cpu, unsigned level,
			       vm_q_tlb_info_t *out);
unsigned vm_query_tlb_entries_cpu(vm_engine_t *e, int cpu, unsigned level,
				  vm_q_tlb_entry_t *out, unsigned max);
/* The valid entries of level @level, most recently stamped first (for LRU:
 * most recently used first), at most @max of them into @out.  Returns how
 * many were written. */
unsigned vm_query_tlb_entries(vm_engine_t *e, unsigned level,
			      vm_q_tlb_entry_t *out, unsigned max);
/* Is (@vpn, @pid) cached at @level?  Does not tell the policy. */
gboolean vm_query_tlb_has(vm_engine_t *e, unsigned level, uint64_t vpn,
			  uint32_t pid);

/* ---- physical memory ------------------------------------------------------ */

typedef enum {
	VM_QF_FREE,
	VM_QF_ANON,               /* anonymous, mapped by at most one PTE */
	VM_QF_FILE_CLEAN,         /* page cache, clean, at most one mapper */
	VM_QF_FILE_DIRTY,         /* page cache, dirty, at most one mapper */
	VM_QF_PT,                 /* a page-table page */
	VM_QF_SHARED,             /* anon or file, mapped by several PTEs */
	VM_QF_NR
} vm_q_frame_state_t;

typedef struct {
	vm_q_frame_state_t state;
	uint32_t pfn;
	uint32_t owner;           /* ANON/PT: pid; FILE: file id */
	const char *file;         /* FILE: its name ("(shmem)" for shmem) */
	uint64_t index;           /* ANON: its anonymous index (its vpn, unless
				   * its mapping moved: models/mm.h); FILE:
				   * page index; PT: table id */
	uint32_t mapcount;
	gboolean dirty, locked, referenced, active, readahead;
} vm_q_frame_t;

uint32_t vm_query_nr_frames(vm_engine_t *e);
/* The state of frame @pfn (VM_QF_FREE when out of range): cheap, for maps. */
vm_q_frame_state_t vm_query_frame_state(vm_engine_t *e, uint32_t pfn);
/* Everything about frame @pfn; FALSE when out of range. */
gboolean vm_query_frame(vm_engine_t *e, uint32_t pfn, vm_q_frame_t *out);
/* Frames in each state (one pass over memory). */
void vm_query_frame_counts(vm_engine_t *e, uint64_t counts[VM_QF_NR]);
/* Fragmentation, with transparent huge pages on: the aligned blocks of a
 * huge page's size wholly free (*free) of all (*total), the size of one in
 * pages (*block), and the free frames outside such blocks (*scattered).
 * FALSE (nothing set) when thp.enabled=never. */
gboolean vm_query_huge_blocks(vm_engine_t *e, uint32_t *free, uint32_t *total,
			      uint32_t *block, uint64_t *scattered);
/* "free", "anon", "file", "dirty", "pt", "shared". */
const char *vm_query_frame_state_name(vm_q_frame_state_t s);

/* ---- files, the page cache and the disk ------------------------------------- */

typedef struct {
	uint32_t id;
	const char *name;         /* "(shmem)" for shared anonymous memory */
	uint64_t size;            /* bytes */
	uint64_t pages;           /* pages of size */
	uint64_t cached, dirty, disk_pages, lost_pages;
	uint32_t opens;           /* open fds */
	uint64_t maps;            /* VMAs of live processes mapping it */
	gboolean linked, shmem, dead;
} vm_q_file_t;

/* Files ever created, by id (dead ones included). */
unsigned vm_query_nr_files(vm_engine_t *e);
gboolean vm_query_file(vm_engine_t *e, unsigned id, vm_q_file_t *out);

typedef enum {
	VM_QP_ABSENT,             /* not in the page cache */
	VM_QP_CLEAN,
	VM_QP_DIRTY,
	VM_QP_LOCKED,             /* its read is still in flight */
} vm_q_page_state_t;

/* Page @idx of file @id in the page cache (*pfn: its frame, may be NULL). */
vm_q_page_state_t vm_query_file_page(vm_engine_t *e, unsigned id, uint64_t idx,
				     uint32_t *pfn);

typedef struct {
	const char *type;         /* disk.type */
	uint32_t depth;           /* queue slots */
	uint32_t busy;            /* slots busy now (serving or queued) */
	uint64_t idle_at;         /* when every submitted request is done */
	uint64_t reads, writes, pages_in, pages_out, busy_ns;
	uint64_t in_flight_pages; /* page-cache pages whose read is pending */
	gboolean have_last;       /* a request was ever submitted */
	uint64_t last_submit, last_start, last_done;
	uint32_t last_slot;
} vm_q_disk_t;

void vm_query_disk(vm_engine_t *e, vm_q_disk_t *out);
/* When slot @i of the disk queue is free again (<= now: idle). */
uint64_t vm_query_disk_slot(vm_engine_t *e, unsigned i);

/* ---- statistics --------------------------------------------------------- */

/* docs/statistics.md's global statistics, in sim/stats.c's order, with
 * values; then, when the trace made memory cgroups, every cgroup's
 * statistics (docs/statistics.md, Cgroup statistics), cgroup by cgroup. */
typedef struct {
	unsigned nr;
	uint64_t *v;              /* nr values */
	unsigned cap;             /* room in v: the globals and the most cgroups */
} vm_q_stats_t;

/* A snapshot of every global statistic (allocates once; reuse it). */
void vm_query_stats_init(vm_q_stats_t *s);
void vm_query_stats_clear(vm_q_stats_t *s);
void vm_query_stats_take(vm_engine_t *e, vm_q_stats_t *s);
/* The name of global statistic @i (NULL past them). */
const char *vm_query_stat_name(unsigned i);
/* The name of statistic @i of a snapshot of @e: a global's, or
 * cgroup.NAME.STAT for a cgroup's, in @buf of @n bytes. */
const char *vm_query_stat_label(vm_engine_t *e, unsigned i, char *buf, size_t n);
/* @after[i] - @before[i] as a signed change (free_pages can fall). */
int64_t vm_query_stat_delta(const vm_q_stats_t *before,
			    const vm_q_stats_t *after, unsigned i);

#endif
