/*
 * What each op of a trace does in the simulator (op.c), one entry per
 * record kind: its check before the replay (beyond the grammar, which
 * traces/op.c has), its execution on the machine, and its narration.
 * With traces/op.h's table this is the whole of an op outside the models:
 * a new op is a kind, a line in traces/op.c, an entry here, and the model
 * function its execution calls.
 */
#ifndef VM_SIM_OP_H
#define VM_SIM_OP_H

#include "sim/engine-int.h"
#include "sim/tracecheck.h"

typedef struct {
	/* The static check of @rec by process @pid's table of fds @fds
	 * (tracecheck.c's state), or NULL when the grammar says it all.
	 * FALSE with @error as FILE:LINE:COL naming the token. */
	gboolean (*check)(vm_tracecheck_t *c, const vm_record_t *rec,
			  GHashTable *fds, GError **error);
	/* Run @r for task @t, whose process runs (models/syscall.c for a
	 * system call), filling @res; FALSE with @error only for an
	 * out-of-memory stop or a `map` the machine cannot do.  NULL: the engine's own (accesses, note,
	 * expect). */
	gboolean (*exec)(vm_engine_t *e, task_t *t, const vm_record_t *r,
			 vm_result_t *res, GError **error);
	/* What step @st did, after "->" (the context switch, reclaim and
	 * the cost are the narrator's). */
	void (*narrate)(GString *out, vm_engine_t *e, const vm_step_t *st);
} vm_sim_op_t;

extern const vm_sim_op_t vm_sim_ops[VM_REC_NR];

#endif
