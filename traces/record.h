/*
 * One record of a trace: a header line or an event, as the .vmt reader (and
 * later the .vmtb and Lackey readers) produce it.
 *
 * Records are plain values so that the engine can keep a window of them while
 * processes wait for I/O.  Strings (file names, note text, set keys, expect
 * checks) point into the reader's buffers and are valid only until the next
 * call to the reader; vm_record_copy() makes an owned copy for the rare
 * record that must outlive that.  A caller that passes one record to every
 * read and leaves it alone in between may say so (vm_vmt_keep_record):
 * the reader then writes only the fields that changed.
 *
 * cols[] keeps the 1-based column of each token so that later, semantic
 * errors (a misaligned mmap, an unknown fd) can point at the token just as
 * the parser's errors do.  Token 0 is the PID (or the op of a global event
 * or header), token 1 the op, then the arguments in the order of docs/format.md.
 */
#ifndef VM_RECORD_H
#define VM_RECORD_H

#include <stdint.h>
#include <glib.h>
#include "models/types.h"

typedef enum {
	/* header records */
	VM_REC_SET,       /* name=KEY value=VALUE */
	VM_REC_FILE,      /* name, len=size, flags VM_FILE_* */
	/* events of a process */
	VM_REC_ACCESS,    /* acc, addr, len (SIZE, default 1) */
	VM_REC_SEQ,       /* acc, addr, len, stride (0: page size) */
	VM_REC_RAND,      /* acc, addr, len, count, seed (default 1) */
	VM_REC_MMAP,      /* addr, len, prot, flags VM_MAP_*, fd (-1 anon), off */
	VM_REC_MUNMAP,    /* addr, len */
	VM_REC_MPROTECT,  /* addr, len, prot */
	VM_REC_MADVISE,   /* addr, len, arg = vm_madv_t */
	VM_REC_MSYNC,     /* addr, len, arg = vm_msync_t */
	VM_REC_OPEN,      /* name, fd, flags VM_OPEN_* */
	VM_REC_CLOSE,     /* fd */
	VM_REC_READ,      /* fd, off, len */
	VM_REC_WRITE,     /* fd, off, len */
	VM_REC_FSYNC,     /* fd */
	VM_REC_FTRUNCATE, /* fd, len = new size */
	VM_REC_UNLINK,    /* name */
	VM_REC_FORK,      /* child */
	VM_REC_EXIT,      /* - */
	VM_REC_CATCH,     /* arg = vm_sig_t */
	VM_REC_SLEEP,     /* ns */
	VM_REC_NOTE,      /* name = the text after "note " (rest of the line, trimmed, comment removed) */
	VM_REC_EXPECT,    /* expect_pid, expect_file, checks */
	/* global events */
	VM_REC_CRASH,     /* pid 0 */
	/* vmscope extension, a header record: `profile NAME`, the built-in
	 * profile or .ini file the trace is meant for (-p overrides it) */
	VM_REC_PROFILE,   /* name */
	/* an event, after the header kinds so that .vmtb tags stay: `map`
	 * places a page at a given frame (exercises with a given layout) */
	VM_REC_MAP,       /* addr, count = frame, prot */
	/* an event: memory cgroups (models/memcg.h), `cgroup create NAME
	 * max=SIZE [high=SIZE] [swap.max=SIZE]` and `cgroup enter NAME` */
	VM_REC_CGROUP,    /* arg = vm_cgroup_cmd_t, name, len = max, seed =
			   * high, stride = swap.max, flags VM_CG_* say
			   * which of high= and swap.max= were given */
	/* events for several CPUs, after `map` so that .vmtb tags stay:
	 * `clone CHILD` makes a thread, `pin CPU` sets a task's affinity */
	VM_REC_CLONE,     /* child */
	VM_REC_PIN,       /* count = the CPU */
	/* an event, after `pin` so that .vmtb tags stay: `oom_score_adj
	 * ADJ`, the process's /proc/PID/oom_score_adj (models/oom.h) */
	VM_REC_OOM_ADJ,   /* arg = the adjustment, -1000 to 1000, as an int32_t */
	/* an event, after `oom_score_adj` so that .vmtb tags stay: `mremap
	 * ADDR OLD_LEN NEW_LEN [to=ADDR]` (models/mm.c) */
	VM_REC_MREMAP,    /* addr, len = the old length, count = the new one,
			   * stride = to= with flags VM_MREMAP_TO */
	VM_REC_NR,
	/* Made by the engine, never read or written, outside every table of
	 * the trace formats: a turn of kswapd on the CPU (a step of its own,
	 * so that explain, the TUI and the timeline show it). */
	VM_REC_KSWAPD = VM_REC_NR,
} vm_rec_kind_t;

typedef enum { VM_CMP_EQ, VM_CMP_LE, VM_CMP_GE } vm_cmp_t;

/* One KEY=VALUE, KEY<=VALUE or KEY>=VALUE of an expect line. */
typedef struct {
	const char *key;   /* e.g. "majflt", "outcome" */
	const char *value; /* raw text, e.g. "3", "major", "running" */
	vm_cmp_t cmp;
	uint32_t col;      /* column of the check's first character */
} vm_check_t;

#define VM_REC_MAX_COLS 8

typedef struct {
	vm_rec_kind_t kind;
	uint32_t pid;       /* 0 for global events and headers */
	uint64_t line;      /* 1-based line of the trace */
	vm_acc_t acc;       /* ACCESS, SEQ, RAND */
	uint64_t addr;      /* ADDR, or OFF for read/write */
	uint64_t len;       /* SIZE or LEN; file size; ftruncate size */
	uint64_t count;     /* RAND: count= */
	uint64_t seed;      /* RAND: seed= (default 1) */
	uint64_t stride;    /* SEQ: stride= (0: the page size) */
	uint64_t off;       /* MMAP: off= (default 0) */
	uint64_t ns;        /* SLEEP: the duration in nanoseconds */
	int32_t fd;         /* MMAP (-1 for anon), OPEN, CLOSE, READ, WRITE, FSYNC, FTRUNCATE */
	uint32_t child;     /* FORK, CLONE */
	uint32_t prot;      /* VM_PROT_* */
	uint32_t flags;     /* VM_MAP_*, VM_FILE_*, VM_OPEN_* */
	uint32_t arg;       /* vm_madv_t, vm_msync_t, vm_sig_t; OOM_ADJ: int32_t */
	const char *name;   /* FILE/OPEN/UNLINK name, NOTE text, SET key */
	const char *value;  /* SET value */
	int64_t expect_pid; /* EXPECT: pid=N, or -1 */
	const char *expect_file; /* EXPECT: file=NAME, or NULL */
	uint32_t nr_checks;
	const vm_check_t *checks;
	uint32_t cols[VM_REC_MAX_COLS]; /* column of token i, 0 when absent */
} vm_record_t;

/* Deep-copy @src into @dst (strings and checks g_malloc'ed). */
void vm_record_copy(vm_record_t *dst, const vm_record_t *src);
/* Free what vm_record_copy() allocated in @rec. */
void vm_record_clear(vm_record_t *rec);
/* The op word of a kind ("r" for ACCESS reads etc.: see vm_record_op_name). */
const char *vm_record_kind_name(vm_rec_kind_t kind);
/* The op word as written in a trace: "r", "w", "x", "seq", "mmap", ... */
const char *vm_record_op_name(const vm_record_t *rec);
/* The page accesses @rec makes with pages of @page_size bytes (0 for
 * anything but r/w/x, seq and rand). */
uint64_t vm_record_accesses(const vm_record_t *rec, uint64_t page_size);

/* The letter of an access in its short form, "PID r|w|x 0xADDR" (one
 * byte, a load, store or fetch), or 0 for any other record: the form of
 * nearly every record, which vm_vmt_format and explain write in one go. */
static inline char
vm_record_short_op(const vm_record_t *rec)
{
	if (rec->kind != VM_REC_ACCESS || rec->len != 1)
		return 0;
	return rec->acc == VM_ACC_R ? 'r' : rec->acc == VM_ACC_W ? 'w'
	       : rec->acc == VM_ACC_X ? 'x' : 0;
}

/*
 * Make @rec blank: every field 0 but the two whose "absent" is -1.
 *
 * Field by field rather than `*rec = (vm_record_t){ ... }`, because GCC
 * compiles that 184-byte fill into `rep stos`, whose start-up cost was more
 * than half of the time of parsing an access line.  A field added to
 * vm_record_t must be added here: the assertion below fails until it is.
 */
static inline void
vm_record_blank(vm_record_t *rec)
{
	rec->kind = VM_REC_ACCESS;
	rec->pid = 0;
	rec->line = 0;
	rec->acc = VM_ACC_R;
	rec->addr = 0;
	rec->len = 0;
	rec->count = 0;
	rec->seed = 0;
	rec->stride = 0;
	rec->off = 0;
	rec->ns = 0;
	rec->fd = -1;
	rec->child = 0;
	rec->prot = 0;
	rec->flags = 0;
	rec->arg = 0;
	rec->name = NULL;
	rec->value = NULL;
	rec->expect_pid = -1;
	rec->expect_file = NULL;
	rec->nr_checks = 0;
	rec->checks = NULL;
	for (unsigned i = 0; i < VM_REC_MAX_COLS; i++)
		rec->cols[i] = 0;
}
G_STATIC_ASSERT(sizeof(void *) != 8 || sizeof(vm_record_t) == 184);

#endif
