/*
 * The ops of a trace, one table (op.c): for each record kind, its word,
 * whether it takes a PID, its arguments and options in the order the .vmt
 * grammar has them (docs/format.md), and its fields in a .vmtb record.
 * The .vmt reader parses, the .vmt writer formats and the .vmtb codec
 * encodes and decodes every op from this table; only the lines no table
 * can describe have code of their own (an access, the hot path; `note`'s
 * free text; `expect`'s checks; `set KEY=VALUE`; `vmt 1`).
 *
 * What an op does is the simulator's: sim/op.c has the same kinds, each
 * with its check, its execution and its narration.  A new op is a kind in
 * record.h, a line here, a block there, and the model function it calls.
 */
#ifndef VM_OP_H
#define VM_OP_H

#include "traces/record.h"

/* A positional argument: its type names the field it fills. */
typedef enum {
	VM_OPA_RW,         /* r|w: acc */
	VM_OPA_ADDR,       /* ADDR, a NUMBER: addr */
	VM_OPA_OFF,        /* OFF, a SIZE: addr (read/write's offset) */
	VM_OPA_LEN,        /* LEN or SIZE, a SIZE: len */
	VM_OPA_PROT,       /* PROT: prot */
	VM_OPA_FD,         /* FD: fd */
	VM_OPA_NAME,       /* NAME, UTF-8: name */
	VM_OPA_CHILD,      /* a PID: child */
	VM_OPA_DURATION,   /* DURATION: ns */
	VM_OPA_WORD,       /* one of words: its index into arg */
	VM_OPA_FLAG,       /* one of words: flags |= bits[index] */
	VM_OPA_ANON_FD,    /* anon (flags |= VM_MAP_ANON) or fd=FD */
	VM_OPA_FRAME,      /* FRAME, a frame number: count */
	VM_OPA_ADJ,        /* an integer from -1000 to 1000: arg (as int32_t) */
	VM_OPA_NEW_LEN,    /* a SIZE, not 0: count (mremap's new length) */
} vm_opa_type_t;

typedef struct {
	uint8_t type;              /* vm_opa_type_t */
	const char *label;         /* how errors and docs name it */
	const char *const *words;  /* WORD, FLAG: NULL-terminated */
	const uint32_t *bits;      /* FLAG: the bits of each word */
} vm_op_arg_t;

/* An option after the positional arguments, in any order, at most once. */
typedef enum {
	VM_OPO_STRIDE,     /* stride=SIZE, not 0: stride */
	VM_OPO_COUNT,      /* count=N, not 0: count */
	VM_OPO_SEED,       /* seed=N: seed (default 1) */
	VM_OPO_OFF,        /* off=SIZE: off; not with an anonymous mapping */
	VM_OPO_FD,         /* fd=FD: fd */
	VM_OPO_SIZE,       /* size=SIZE: len */
	VM_OPO_WORD,       /* the bare word key: flags |= bit */
	VM_OPO_CG_MAX,     /* max=SIZE: len (cgroup create only) */
	VM_OPO_CG_HIGH,    /* high=SIZE: seed, flags |= bit (cgroup create only) */
	VM_OPO_CG_SWAP,    /* swap.max=SIZE: stride, flags |= bit (cgroup create only) */
	VM_OPO_TO,         /* to=ADDR, a NUMBER: stride, flags |= bit */
} vm_opo_type_t;

typedef struct {
	uint8_t type;              /* vm_opo_type_t */
	const char *key;           /* "stride=", ..., or the bare word */
	uint32_t bit;              /* WORD */
	gboolean required;
	const char *label;         /* when missing: "count=N" */
} vm_op_opt_t;

typedef enum {
	VM_OP_EVENT,       /* PID OP ARGS...: a process's event */
	VM_OP_GLOBAL,      /* OP ARGS...: a global event (crash) */
	VM_OP_HEADER,      /* OP ARGS... before the first event */
} vm_op_scope_t;

#define VM_OP_MAX_ARGS 5
#define VM_OP_MAX_OPTS 4

typedef struct {
	const char *name;          /* the op word ("access" for r, w, x) */
	uint8_t scope;             /* vm_op_scope_t */
	gboolean custom;           /* parsed and formatted by code of its own */
	uint8_t nr_args, nr_opts;
	vm_op_arg_t args[VM_OP_MAX_ARGS];
	vm_op_opt_t opts[VM_OP_MAX_OPTS];
	/* The .vmtb fields after the tag (and the PID of an event), in order:
	 *   a acc   A addr   L len   C count   S seed   T stride   O off (only
	 *   when not anon)   N ns   F fd (fd+1)   K child   P prot   G flags
	 *   R arg   J arg as a zigzag varint of an oom_score_adj (-1000 to
	 *   1000)   n name   v value   E expect (pid+1, file, checks) */
	const char *codec;
} vm_op_t;

/* Every kind's op, indexed by vm_rec_kind_t. */
extern const vm_op_t vm_ops[VM_REC_NR];

/* The kind whose op word is @s (@n bytes), or -1.  Accesses (r, w, x)
 * are the caller's. */
int vm_op_lookup(const char *s, size_t n);

/* Words of the WORD arguments, for their users (the Lackey importer, the
 * narration): vm_madv_t, vm_msync_t, vm_sig_t order. */
extern const char *const vm_op_madv_words[];
extern const char *const vm_op_msync_words[];
extern const char *const vm_op_sig_words[];
extern const char *const vm_op_cgroup_words[];

#endif
