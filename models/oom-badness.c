/*
 * The `badness` OOM policy: Linux's select_bad_process with oom_badness
 * (mm/oom_kill.c): the process with the most points, points being its
 * resident pages, its swap entries and its page-table pages (oom_score_adj
 * is not modelled, so it adds nothing).  The process whose page tables a
 * fork is copying (m->oom_exempt) is spared, as Linux cannot kill a task in
 * the middle of dup_mmap without unwinding it.
 */
#include "models/oom.h"
#include "models/proc.h"

static vm_proc_t *choose(vm_machine_t *m, uint64_t *points)
{
	vm_proc_t *victim = NULL;
	uint64_t best = 0;
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		vm_proc_t *q = m->procs[i];
		/* the first of equals wins, as the task list is walked in
		 * order of creation */
		/* a cgroup's OOM (m->oom_memcg) looks only at its
		 * members (mem_cgroup_scan_tasks) */
		if (q->state == VM_PROC_RUNNING && q->pid != m->oom_exempt &&
		    (!m->oom_memcg || q->memcg == m->oom_memcg) &&
		    vm_oom_badness(q) > best) {
			best = vm_oom_badness(q);
			victim = q;
		}
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
