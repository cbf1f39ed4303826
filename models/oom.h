/*
 * The OOM killer (oom.c): when reclaim can free nothing more, a policy
 * chooses a process to kill, and its memory is freed.  Each policy is one
 * file (oom-badness.c, oom-none.c) behind an ops table, listed in the
 * registry below; oom.policy names one.  Modelled on mm/oom_kill.c
 * (select_bad_process, oom_kill_process).
 */
#ifndef VM_OOM_H
#define VM_OOM_H

#include "models/machine.h"
#include "models/policy.h"
#include "models/proc.h"

typedef struct {
	vm_policy_t policy;   /* name, narration, help, flags (policy.h) */
	/* The process to kill, its points in *points; NULL when the policy
	 * kills nobody (the allocation fails: an out-of-memory stop). */
	vm_proc_t *(*choose)(vm_machine_t *m, int64_t *points);
} vm_oom_ops_t;

/* The policy registry: NULL-terminated, the default (badness) first. */
extern const vm_oom_ops_t *const vm_oom_policies[];
const vm_oom_ops_t *vm_oom_policy_find(const char *name);

extern const vm_oom_ops_t vm_oom_policy_badness;
extern const vm_oom_ops_t vm_oom_policy_none;

/* Whether the OOM killer now in progress weighs @q: a running process,
 * not the one whose fork is copying page tables (m->oom_exempt), and in a
 * cgroup's OOM one of its members (mem_cgroup_scan_tasks). */
static inline gboolean vm_oom_eligible(const vm_machine_t *m, const vm_proc_t *q)
{
	return q->state == VM_PROC_RUNNING && q->pid != m->oom_exempt &&
	       (!m->oom_memcg || q->memcg == m->oom_memcg);
}

/* The points of a process the OOM killer never chooses (oom_badness's
 * LONG_MIN): oom_score_adj -1000. */
#define VM_OOM_UNKILLABLE INT64_MIN

/* oom_badness: rss + swap entries + page-table pages, plus oom_score_adj
 * x (@totalpages / 1000) (which may take it below 0); VM_OOM_UNKILLABLE
 * at oom_score_adj -1000.  The adjustment alone in *@adj_pages (may be
 * NULL). */
int64_t vm_oom_badness(const vm_proc_t *p, uint64_t totalpages,
		       int64_t *adj_pages);
/* What the OOM killer weighs oom_score_adj against (oom_control's
 * totalpages): the machine's memory and swap (constrained_alloc), or for
 * a cgroup's OOM its limit and the swap it may use (mem_cgroup_get_max);
 * at least 1. */
uint64_t vm_oom_totalpages(const vm_machine_t *m);
/* Kill the process the policy chooses.  FALSE when nobody can go. */
gboolean vm_oom_kill(vm_machine_t *m);

#endif
