/*
 * The `badness` OOM policy: Linux's select_bad_process with oom_badness
 * (mm/oom_kill.c): the process with the most points, points being its
 * resident pages, its swap entries and its page-table pages, plus its
 * oom_score_adj in thousandths of the memory it could use (totalpages);
 * never one at -1000 (oom.c, vm_oom_badness).  The process whose page
 * tables a fork is copying (m->oom_exempt) is spared, as Linux cannot kill
 * a task in the middle of dup_mmap without unwinding it.
 */
#include "models/oom.h"
#include "models/proc.h"

static vm_proc_t *choose(vm_machine_t *m, int64_t *points)
{
	vm_proc_t *victim = NULL;
	int64_t best = VM_OOM_UNKILLABLE;
	uint64_t total = vm_oom_totalpages(m);
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		vm_proc_t *q = m->procs[i];
		if (!vm_oom_eligible(m, q))
			continue;
		int64_t pts = vm_oom_badness(q, total, NULL);
		/* oom_evaluate_task: skipped when unkillable or below the
		 * best so far, so that of equals the last wins, the task
		 * list being walked in order of creation */
		if (pts == VM_OOM_UNKILLABLE || pts < best)
			continue;
		best = pts;
		victim = q;
	}
	*points = best;
	return victim;
}

const vm_oom_ops_t vm_oom_policy_badness = {
	.policy = {
		.name = "badness",
		.why = "the largest process (rss + swap + page tables, as "
			"oom_badness)",
		.help = "kill the process with the highest oom_badness: "
			"resident + swap + page-table pages (mm/oom_kill.c)",
	},
	.choose = choose,
};
