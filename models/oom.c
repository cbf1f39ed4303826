/*
 * The OOM killer; see oom.h.  The registry of policies, and the kill
 * itself (oom_kill_process): the victim's memory is freed at once, as the
 * OOM reaper would.  Left out: oom_score_adj, memory cgroups' own OOM
 * (memcg OOM), and the killing of other processes sharing the victim's mm.
 */
#include <string.h>
#include "models/oom.h"
#include "models/proc.h"

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
uint64_t vm_oom_badness(const vm_proc_t *p)
{
	return p->rss_anon + p->rss_file + p->swap_pages + p->pt_pages;
}

/* out_of_memory: the policy's choice, then oom_kill_process. */
gboolean vm_oom_kill(vm_machine_t *m)
{
	const vm_oom_ops_t *ops = vm_oom_policy_find(m->cfg.oom_policy);
	uint64_t best = 0;
	vm_proc_t *victim = ops->choose(m, &best);
	if (!victim)
		return FALSE;
	m->last_oom = (vm_oom_info_t){
		.pid = victim->pid, .rss = victim->rss_anon + victim->rss_file,
		.swap = victim->swap_pages, .pt = victim->pt_pages,
		.points = best, .memcg = m->oom_memcg,
	};
	m->c.oom_kills++;
	if (victim->pid == m->cur_pid)
		m->cur_killed = TRUE;
	vm_proc_exit(m, victim, VM_KILL_OOM);
	return TRUE;
}
