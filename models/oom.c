/*
 * The OOM killer; see oom.h.  The registry of policies, and the kill
 * itself (oom_kill_process): the victim's memory is freed at once, as the
 * OOM reaper would.  Left out: the killing of other processes sharing
 * the victim's mm.
 */
#include <string.h>
#include "models/oom.h"
#include "models/proc.h"
#include "models/memcg.h"

/*
 * The registry, the default (badness) first: one line per policy, P(NAME)
 * for the ops table vm_oom_policy_NAME of models/oom-NAME.c.  The line
 * both declares the table and lists it, so a new policy is its file and
 * one line here (docs/guide.md, "Add a reclaim policy"); config, narration
 * and the listings find it through models/policy.h.
 */
#define REGISTRY(P) \
	P(badness) \
	P(none)

#define DECLARE(name) extern const vm_oom_ops_t vm_oom_policy_##name;
REGISTRY(DECLARE)
#define ENTRY(name) &vm_oom_policy_##name,
const vm_oom_ops_t *const vm_oom_policies[] = { REGISTRY(ENTRY) NULL };
#undef ENTRY
#undef DECLARE

const vm_oom_ops_t *vm_oom_policy_find(const char *name)
{
	for (unsigned i = 0; vm_oom_policies[i]; i++)
		if (strcmp(vm_oom_policies[i]->policy.name, name) == 0)
			return vm_oom_policies[i];
	return NULL;
}
int64_t vm_oom_badness(const vm_proc_t *p, uint64_t totalpages,
		       int64_t *adj_pages)
{
	if (p->oom_score_adj == VM_OOM_SCORE_ADJ_MIN)
		return VM_OOM_UNKILLABLE;
	/* "adj *= totalpages / 1000": the quotient first, so that below
	 * 1000 pages the adjustment is nothing */
	int64_t adj = (int64_t)p->oom_score_adj * (int64_t)(totalpages / 1000);
	if (adj_pages)
		*adj_pages = adj;
	return (int64_t)(p->rss_anon + p->rss_file + p->swap_pages + p->pt_pages) +
	       adj;
}

uint64_t vm_oom_totalpages(const vm_machine_t *m)
{
	uint64_t swap = m->nr_swap_slots;
	const vm_memcg_t *cg = vm_memcg_get(m, m->oom_memcg);
	if (!cg)
		return (uint64_t)m->frames.nr + swap;
	/* mem_cgroup_get_max: memory.max, and the swap the cgroup may use
	 * while it swaps at all */
	uint64_t max = cg->max;
	if (m->cfg.reclaim_swappiness)
		max += MIN(cg->swap_max, swap);
	return max ? max : 1;
}

/* out_of_memory: the policy's choice, then oom_kill_process. */
gboolean vm_oom_kill(vm_machine_t *m)
{
	const vm_oom_ops_t *ops = vm_oom_policy_find(m->cfg.oom_policy);
	int64_t best = 0, adj = 0;
	vm_proc_t *victim = ops->choose(m, &best);
	if (!victim)
		return FALSE;
	vm_oom_badness(victim, vm_oom_totalpages(m), &adj);
	gboolean adjusted = FALSE;
	for (uint32_t i = 0; i < m->nr_procs && !adjusted; i++)
		adjusted = vm_oom_eligible(m, m->procs[i]) &&
			   m->procs[i]->oom_score_adj != 0;
	m->last_oom = (vm_oom_info_t){
		.pid = victim->pid, .rss = victim->rss_anon + victim->rss_file,
		.swap = victim->swap_pages, .pt = victim->pt_pages,
		.points = best, .adj_pages = adj, .adj = victim->oom_score_adj,
		.adjusted = (uint8_t)adjusted, .memcg = m->oom_memcg,
	};
	m->c.oom_kills++;
	if (victim->pid == m->cur_pid)
		m->cur_killed = TRUE;
	vm_proc_exit(m, victim, VM_KILL_OOM);
	return TRUE;
}
