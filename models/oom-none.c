/*
 * The `none` OOM policy: nobody is killed.  An allocation that reclaim
 * cannot satisfy fails, and the engine stops the run with an out-of-memory
 * error naming the process and the address (the setting of a course that
 * wants "memory ran out" to be an answer, not a kill).
 */
#include "models/oom.h"
#include "models/proc.h"

static vm_proc_t *choose(vm_machine_t *m, int64_t *points)
{
	(void)m;
	*points = 0;
	return NULL;
}

const vm_oom_ops_t vm_oom_policy_none = {
	.policy = {
		.name = "none",
		.why = "nobody: the run stops with an out-of-memory error",
		.help = "kill nobody: the run stops with an out-of-memory "
			"error naming the line",
	},
	.choose = choose,
};
