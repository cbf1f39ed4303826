/*
 * What every replaceable policy says about itself, whatever its kind, and
 * the one generic view of the five registries (policy.c).
 *
 * A policy is one file that exports one ops table (vm_tlb_policy_ops_t,
 * vm_disk_ops_t, vm_ra_ops_t, vm_reclaim_ops_t, vm_oom_ops_t), and every
 * ops table opens with a vm_policy_t: its name, the phrase narration uses,
 * a line of help and its flags.  Each kind keeps one registry array in its
 * core file (tlb.c, disk.c, readahead.c, reclaim.c, oom.c), the default
 * first.  Everything outside models/ that needs to know which policies
 * exist reads them from there through this header: the profile key's
 * accepted words and its error message (sim/config.c), the narration's
 * "choosing the least recently used" (sim/narrate.c), `vmscope profiles
 * --policies`, and through it the docs test that checks docs/profiles.md
 * names every one.  So a new policy is its file, one registry line and one
 * line of Makefile.am (docs/guide.md, "Add a reclaim policy"):
 *
 *   models/reclaim-mru.c            const vm_reclaim_ops_t vm_reclaim_policy_mru
 *        │                              = { .policy = { .name = "mru", ... },
 *        ▼                                  .add = ..., .victim = ... };
 *   models/reclaim.c  vm_reclaim_policies[] = { &lru2q, ..., &mru, NULL }
 *        │
 *        ├──► vm_policy_find(VM_POLICY_RECLAIM, "mru")   config, engine
 *        └──► vm_policy_nth(VM_POLICY_RECLAIM, i)        listings, docs test
 *
 * Like tmux's cmd_entry: the table that runs the thing also describes it.
 */
#ifndef VM_POLICY_H
#define VM_POLICY_H

#include <stdint.h>
#include <glib.h>

/* The kinds, in docs/profiles.md order of their keys. */
typedef enum {
	VM_POLICY_TLB,        /* tlb.policy: replacement within a TLB set */
	VM_POLICY_DISK,       /* disk.type: how a request is timed */
	VM_POLICY_READAHEAD,  /* readahead.policy: how much a miss reads */
	VM_POLICY_RECLAIM,    /* reclaim.policy: which page to evict */
	VM_POLICY_OOM,        /* oom.policy: which process to kill */
	VM_POLICY_SCHED,      /* sched.policy: which CPU a task goes to */
	VM_POLICY_NR_KINDS
} vm_policy_kind_t;

/* vm_policy_t.flags */
enum {
	/* Reads the trace's future (opt: Belady's MIN), so the engine must
	 * build the oracle, and the trace must be a file, not a stream. */
	VM_POLICY_NEEDS_FUTURE = 1u << 0,
	/* Draws from a seeded generator (splitmix64, models/types.h): the
	 * kind's seed key (reclaim.seed) changes its choices. */
	VM_POLICY_SEEDED = 1u << 1,
};

typedef struct {
	const char *name;   /* the word the kind's key takes: reclaim.policy=NAME */
	/* How it chooses, as a phrase narration puts after "choosing"
	 * ("the least recently used"); for disks and readahead, what it does. */
	const char *why;
	/* One line for `vmscope profiles --policies`: what a user should know
	 * to pick it.  docs/profiles.md says the rest. */
	const char *help;
	uint32_t flags;     /* VM_POLICY_* */
} vm_policy_t;

/* The profile key that selects a policy of @kind ("reclaim.policy"). */
const char *vm_policy_kind_key(vm_policy_kind_t kind);
/* The kind whose key is @key, or -1 when @key selects no policy. */
int vm_policy_kind_of_key(const char *key);

/*
 * Policy @i of @kind's registry (0: the default), or NULL past its end:
 *   for (i = 0; (p = vm_policy_nth(kind, i)); i++) ...
 */
const vm_policy_t *vm_policy_nth(vm_policy_kind_t kind, unsigned i);
/* The policy of @kind called @name, or NULL when none is registered. */
const vm_policy_t *vm_policy_find(vm_policy_kind_t kind, const char *name);

#endif
