/*
 * What the machine answers: the outcome of one page access (docs/format.md,
 * outcomes), the reason for it, and the compact record a fault fills in,
 * from which the engine's statistics, the narration (sim/narrate.c) and the
 * timeline are all made.  Nothing here formats text: a reason is a number
 * until someone asks for words.
 */
#ifndef VM_RESULT_H
#define VM_RESULT_H

#include <stdint.h>
#include <string.h>
#include <glib.h>
#include "models/types.h"

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
	/* system calls (models/syscall.c) */
	VM_WHY_SYSCALL,         /* a system call that did what it was asked */
	VM_WHY_EOF,             /* read(): the offset is at or past the end */
	VM_WHY_SHORT_READ,      /* read(): memory ran out part-way */
	VM_WHY_THROTTLED,       /* write(): dirty pages above dirty_ratio: the
				 * writer waits for writeback */
	VM_WHY_MS_ASYNC,        /* msync(MS_ASYNC): nothing, as on Linux */
	VM_WHY_SLEEP,           /* nanosleep(): the process waits for a timer */
	VM_WHY_THP_NEW,         /* first touch of an aligned 2 MiB range: a
				 * huge page, mapped by its PMD */
	VM_WHY_THP_ZERO,        /* ... a read: the huge zero page, by its PMD */
	VM_WHY_THROTTLED_MEMCG, /* write(): its cgroup's dirty pages above
				 * dirty_ratio of what the cgroup could hold
				 * (cgroup v2's memcg domain): it waits */
	VM_WHY_EFAULT,          /* mremap(): the range is not in one mapping:
				 * the call fails, nothing changes */
	VM_WHY_ENOMEM,          /* mremap(): cannot grow in place, or no frame
				 * for a page-table page: it fails */
	VM_WHY_NR
} vm_why_t;

/*
 * What one page access or one system call did: filled by vm_mmu_access
 * (and the fault handler behind it) and by the system calls of syscall.c,
 * and read by the engine (time, waits), the statistics, the narration and
 * the timeline alike.  Fields an operation does not use are 0.
 */
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
	uint8_t huge;            /* the access went through a PMD mapping */
	uint32_t pfn;            /* the frame the access reached */
	uint64_t cost;           /* CPU ns */
	uint64_t ready_at;       /* the process waits for I/O until then; 0: no wait */
	uint32_t ra_pages;       /* readahead: pages read beyond the one asked for */
	uint32_t around;         /* fault-around: neighbours mapped */
	uint8_t ra_reason;       /* vm_ra_reason_t of the window */
	uint8_t file_major;      /* the fault had to read (or zero-fill) the page */
	uint8_t refault;         /* it read back a page whose eviction left a
				  * shadow (workingset.c): 1 kept inactive,
				  * 2 activated, + 4 when distance and size
				  * below were measured (lru2q) */
	/* system calls */
	uint64_t pages;          /* pages the call affected: mapped, unmapped,
				  * dropped, read ahead, dirtied, written back */
	uint64_t bytes;          /* bytes read() or write() copied */
	uint32_t io_pages;       /* pages it read from the disk or wrote to it
				  * for the caller (readahead not counted) */
	uint32_t cached;         /* read(), write(): pages already cached */
	uint8_t more;            /* read(): the call waits (ready_at) and then
				  * goes on, @bytes further (vm_filemap_read) */
	uint32_t refault_distance, workingset_size; /* with refault & 4; saturated */
	uint32_t tables_freed;   /* munmap, mremap, madvise: page-table pages
				  * the call freed (mmu.free_tables);
				  * saturated.  In what was the struct's
				  * tail padding: no bigger to clear */
} vm_result_t;

/*
 * Zero *@r, every byte (vm_zero, models/types.h): the compound literal
 * `*r = (vm_result_t){ ... }` was a `rep stosq` of 11 words, whose
 * microcoded start-up cost more than the rest of a TLB hit
 * (docs/speed.md, the fifth round).  Then set the fields that differ.
 */
static inline void vm_result_clear(vm_result_t *r)
{
	vm_zero(r, sizeof *r);
}

/* Names for outcomes ("hit", "walk", ...), and parsing them back. */
const char *vm_result_outcome_name(vm_outcome_t o);
gboolean vm_result_outcome_parse(const char *s, vm_outcome_t *o);
/* Short names of vm_why_t, for machine-readable outputs (the timeline). */
const char *vm_result_why_name(vm_why_t w);

#endif
