/*
 * The words every layer shares: how a page is accessed, the protection and
 * mapping flags, madvise and msync advice, the signals a trace can catch,
 * and the one generator of deterministic choices.  This is the bottom of
 * the tree: the models, the trace readers (traces/record.h) and the engine
 * all include it, and it includes nothing of theirs.
 */
#ifndef VM_TYPES_H
#define VM_TYPES_H

#include <stdint.h>
#include <string.h>
#include <glib.h>

/*
 * Zero the @n bytes at @p, 16 bytes a store.  GCC makes a memset (or a
 * zeroing initializer) of a struct of a few hundred bytes a rep stosq,
 * which is microcoded and slow to start: on the hot paths (explain's step
 * record, a fault's state) it cost several percent of the CPU time
 * (perf; docs/speed.md, the fifth round).  Unrolled whole (@n is a
 * constant at every caller), the loop is gone before GCC would turn it
 * back into that memset; an empty asm in the loop did the same at 5
 * instructions an access, a memory clobber on the hot path.
 */
static inline __attribute__((always_inline)) void vm_zero(void *p, size_t n)
{
#if defined(__GNUC__)
	typedef uint64_t words2 __attribute__((vector_size(16), aligned(8), may_alias));
	words2 *w = (words2 *)p;
#pragma GCC unroll 32
	for (size_t i = 0; i < n / 16; i++)   /* up to 512 bytes: 32 stores */
		w[i] = (words2){ 0, 0 };
	if (n % 16)
		memset((char *)p + n / 16 * 16, 0, n % 16);
#else
	memset(p, 0, n);
#endif
}

/* Copy the @n bytes at @s to @d, 16 bytes a load and a store, for the
 * same reason: a memcpy of a constant 96 bytes was a rep movs (explain's
 * words of an access, perf).  Neither needs to be aligned. */
static inline __attribute__((always_inline)) void vm_copy(void *d, const void *s,
							  size_t n)
{
#if defined(__GNUC__)
	typedef uint64_t words2u __attribute__((vector_size(16), aligned(1), may_alias));
	words2u *dw = (words2u *)d;
	const words2u *sw = (const words2u *)s;
#pragma GCC unroll 32
	for (size_t i = 0; i < n / 16; i++)
		dw[i] = sw[i];
	if (n % 16)
		memcpy((char *)d + n / 16 * 16, (const char *)s + n / 16 * 16, n % 16);
#else
	memcpy(d, s, n);
#endif
}

typedef enum { VM_ACC_R = 0, VM_ACC_W = 1, VM_ACC_X = 2 } vm_acc_t;

/*
 * Limits on what a trace may name, checked once when it is read
 * (sim/op.c), so that the models' arithmetic on sizes and offsets never
 * wraps (docs/format.md, limits):
 *   VM_MAX_FILE_SIZE  the largest file size and file offset, and the
 *                     simulated disk's size: Linux's MAX_LFS_FILESIZE on a
 *                     64-bit machine (loff_t is signed)
 *   VM_MAX_TIME       the clock's range, 2^62 ns (146 years): a sleep is
 *                     at most this long, and a run whose clock passes it
 *                     stops with an error
 */
#define VM_MAX_FILE_SIZE ((uint64_t)INT64_MAX)
#define VM_MAX_TIME ((uint64_t)1 << 62)

/* The most one read() or write() moves with pages of @page_size bytes:
 * MAX_RW_COUNT, INT_MAX rounded down to a page (rw_verify_area's callers
 * clamp the count to it: a longer call is a short one).  It also bounds
 * what one call costs the simulator. */
static inline uint64_t vm_max_rw_count(uint64_t page_size)
{
	uint64_t n = (uint64_t)INT32_MAX & ~(page_size - 1);
	return n ? n : page_size;
}

enum {                     /* PROT bits */
	VM_PROT_NONE = 0,
	VM_PROT_R = 1,
	VM_PROT_W = 2,
	VM_PROT_X = 4,
};

enum {                     /* mmap flags */
	VM_MAP_SHARED = 1,     /* else private */
	VM_MAP_ANON = 2,       /* else fd= */
};

enum {                     /* file header flags */
	VM_FILE_SPARSE = 1,
	VM_FILE_CACHED = 2,
	VM_FILE_TMPFS = 4,     /* on tmpfs: shmem pages, no disk */
};

enum {                     /* open flags */
	VM_OPEN_CREATE = 1,
	VM_OPEN_TRUNC = 2,
	VM_OPEN_TMPFS = 4,     /* with CREATE: the new file is on tmpfs */
};

typedef enum {
	VM_MADV_NORMAL, VM_MADV_RANDOM, VM_MADV_SEQUENTIAL,
	VM_MADV_WILLNEED, VM_MADV_DONTNEED,
	VM_MADV_HUGEPAGE, VM_MADV_NOHUGEPAGE,
} vm_madv_t;

typedef enum { VM_MS_SYNC, VM_MS_ASYNC } vm_msync_t;
typedef enum { VM_CGROUP_CREATE, VM_CGROUP_ENTER } vm_cgroup_cmd_t;

enum {                     /* cgroup flags: which options were given */
	VM_CG_HIGH = 1,        /* high= (else no high limit) */
	VM_CG_SWAP_MAX = 2,    /* swap.max= (else no swap limit) */
};
typedef enum { VM_SIG_SIGBUS, VM_SIG_SIGSEGV } vm_sig_t;

enum {                     /* mremap flags */
	VM_MREMAP_TO = 1,      /* to=ADDR: moved there (else in place) */
};

/* /proc/PID/oom_score_adj's range (OOM_SCORE_ADJ_MIN, _MAX): the lowest
 * makes a process one the OOM killer never chooses. */
#define VM_OOM_SCORE_ADJ_MIN (-1000)
#define VM_OOM_SCORE_ADJ_MAX 1000

/*
 * The generator of `rand` records (docs/format.md), and of every other
 * deterministic choice in vmscope (random TLB and page replacement):
 * splitmix64, advancing *s.
 */
static inline uint64_t vm_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

#endif
