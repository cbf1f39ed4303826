/*
 * Memory cgroups (memcg): groups of processes whose memory is counted and
 * limited together, as Linux's mm/memcontrol.c does for cgroup v2's memory
 * controller.  A trace makes one with `cgroup create NAME max=SIZE
 * [high=SIZE] [swap.max=SIZE]` and puts a process in it with `cgroup
 * enter NAME`; a fork's child starts in its parent's cgroup
 * (docs/format.md).
 *
 *   process ──memcg id──► vm_memcg_t ◄──memcg id── frame (charged page)
 *                          │ max, high, swap.max (pages)
 *                          │ lruvec: the cgroup's own instance of the
 *                          │         reclaim policy's lists
 *                          └ memory.stat / memory.events counters
 *
 * Charging (mem_cgroup_charge, try_charge_memcg): every frame allocated
 * for a process in a cgroup (anonymous, page cache, page tables; the
 * process the fault or system call runs for) is charged to that cgroup;
 * a page-cache page stays charged to the cgroup that first brought it in,
 * whoever maps it later, as Linux's.  A charge that would pass max
 * reclaims from the cgroup's own lists (try_to_free_mem_cgroup_pages,
 * SWAP_CLUSTER_MAX pages a call), retries MAX_RECLAIM_RETRIES times while
 * reclaim makes no progress, then runs the OOM killer over the cgroup's
 * processes only (mem_cgroup_out_of_memory).  Above high, the charge
 * reclaims back to high and may be throttled (mem_cgroup_handle_over_high).
 * Swap entries are charged to swap.max: a page of a cgroup at its swap
 * limit is not swapped out.  A frame's charge goes when the frame is freed
 * (frames.c keeps the counts, so every path that frees uncharges).
 *
 * Processes outside every cgroup are as before: their frames carry id 0,
 * live on the machine's lists (m->reclaim), and pay one predictable
 * branch.  Global reclaim (kswapd, direct reclaim at the watermarks)
 * takes its next victim from the largest of the machine's lists and the
 * cgroups' (shrink_node_memcgs visits every memcg, scanning each in
 * proportion to its size).
 *
 * Left out: the hierarchy (cgroups are flat, children of the root),
 * memory.low and memory.min protection, the per-cpu charge stock
 * (MEMCG_CHARGE_BATCH), moving charges when a process moves, kernel
 * memory other than page tables, socket memory, memory.oom.group, and the
 * throttling of a task until it returns to user space (the delay is added
 * to the operation that charged).
 *
 * Dirty pages: each cgroup counts the dirty page-cache pages charged to it
 * (memory.stat file_dirty).  With cgroup.version=2 (cgroup writeback: the
 * memory and io controllers on the v2 hierarchy) a writer in a cgroup is
 * also held to the cgroup's own dirty limits, ratios of what the cgroup
 * could hold (balance_dirty_pages' memcg domain, models/writeback.c);
 * with cgroup.version=1 only the machine's limits apply, as Linux's
 * cgroup v1 has no per-cgroup writeback.
 */
#ifndef VM_MEMCG_H
#define VM_MEMCG_H

#include "models/machine.h"

#define VM_MEMCG_MAX 255            /* cgroups a machine can have (ids 1..) */
#define VM_MEMCG_NONE UINT64_MAX    /* no limit ("max" in memory.max) */
#define VM_MEMCG_SHADOW_SHIFT 48    /* a shadow entry's memcg id (workingset.c) */
#define VM_MEMCG_MAX_RECLAIM_RETRIES 16  /* mm/memcontrol.c */
#define VM_MEMCG_RECLAIM_BATCH 32   /* SWAP_CLUSTER_MAX */

/* memory.stat and memory.events counters of one cgroup, by their names. */
typedef struct {
	uint64_t pgfault, pgmajfault;
	uint64_t workingset_refault_anon, workingset_refault_file;
	uint64_t workingset_activate_anon, workingset_activate_file;
	uint64_t ev_high, ev_max, ev_oom, oom_kill; /* memory.events high,
						    * max, oom, oom_kill */
	uint64_t throttle_ns;       /* over-high throttling delay, in total */
	uint64_t dirty_throttles;   /* writes of its processes made to wait at
				     * its own dirty limit (cgroup v2) */
	uint64_t peak;              /* memory.peak, pages */
} vm_memcg_stat_t;

typedef struct vm_memcg {
	char *name;
	uint16_t id;                /* frames[].memcg and vm_proc_t.memcg */
	uint64_t max, high, swap_max; /* pages; VM_MEMCG_NONE: no limit */
	uint64_t swap;              /* swap slots charged to it */
	uint64_t nr_dirty;          /* dirty page-cache pages charged to it
				     * (memory.stat file_dirty) */
	uint32_t nr_procs;          /* live processes in it */
	vm_reclaim_t *lruvec;       /* its own lists (NULL while the machine
				     * has no policy: opt before its oracle) */
	vm_memcg_stat_t st;
} vm_memcg_t;

/* The reclaim lists page @pfn lives on: its cgroup's, or the machine's
 * (id 0; also for VM_PFN_ZERO).  One predictable branch for a process
 * outside every cgroup. */
static inline vm_reclaim_t *vm_memcg_lruvec(const vm_machine_t *m, uint32_t pfn)
{
	if (G_LIKELY(pfn >= m->frames.nr || !m->frames.f[pfn].memcg))
		return m->reclaim;
	return m->memcg[m->frames.f[pfn].memcg]->lruvec;
}

/* An access to frame @pfn, told to the reclaim lists that hold it (its
 * cgroup's or the machine's).  A quiet frame (reclaim.h) is skipped before
 * its cgroup is looked up: that lookup reads the frame, the host cache
 * miss the quiet byte is there to save on a TLB hit. */
static inline void vm_memcg_access(const vm_machine_t *m, uint32_t pfn)
{
	if (G_UNLIKELY(pfn >= m->frames.nr) || m->frames.quiet[pfn])
		return;
	vm_reclaim_access(vm_memcg_lruvec(m, pfn), pfn);
}

/* @k accesses in a row to frame @pfn: @k calls of vm_memcg_access, since
 * a policy's hook may count each (lru restamps its head), until the frame
 * is quiet, after which the rest would do nothing. */
static inline void vm_memcg_access_n(const vm_machine_t *m, uint32_t pfn,
				     uint64_t k)
{
	for (; k; k--) {
		if (G_UNLIKELY(pfn >= m->frames.nr) || m->frames.quiet[pfn])
			return;
		vm_reclaim_access(vm_memcg_lruvec(m, pfn), pfn);
	}
}

/* read() or write() used frame @pfn (vm_reclaim_mark_accessed), told to
 * the lists that hold it. */
static inline void vm_memcg_mark_accessed(const vm_machine_t *m, uint32_t pfn)
{
	if (G_UNLIKELY(pfn >= m->frames.nr))
		return;
	vm_reclaim_mark_accessed(vm_memcg_lruvec(m, pfn), pfn);
}

/* Page-cache page @pfn became dirty (+1), or clean or freed while dirty
 * (-1): its cgroup's file_dirty follows (m->nr_dirty is the machine's).
 * Outside every cgroup, one predictable branch. */
static inline void vm_memcg_dirty(vm_machine_t *m, uint32_t pfn, int delta)
{
	uint16_t id = m->frames.f[pfn].memcg;
	if (G_UNLIKELY(id))
		m->memcg[id]->nr_dirty += (uint64_t)(int64_t)delta;
}

/* Cgroup @id (1..nr_memcg), or NULL. */
static inline vm_memcg_t *vm_memcg_get(const vm_machine_t *m, uint32_t id)
{
	return id && id <= m->nr_memcg ? m->memcg[id] : NULL;
}

/* Pages charged to @cg now (memory.current), and those of one kind. */
uint64_t vm_memcg_usage(const vm_machine_t *m, const vm_memcg_t *cg);
uint64_t vm_memcg_usage_kind(const vm_machine_t *m, const vm_memcg_t *cg,
			     vm_frame_kind_t kind);
/* The cgroup named @name, or NULL. */
vm_memcg_t *vm_memcg_find(const vm_machine_t *m, const char *name);

/* A new cgroup @name with limits in bytes (VM_MEMCG_NONE: none).  NULL
 * when the name exists or VM_MEMCG_MAX cgroups do. */
vm_memcg_t *vm_memcg_create(vm_machine_t *m, const char *name, uint64_t max,
			    uint64_t high, uint64_t swap_max);
/* Move @p into @cg (NULL: out of every cgroup).  Its pages stay charged
 * where they are, as Linux (without memory.move_charge_at_immigrate). */
void vm_memcg_enter(vm_machine_t *m, vm_proc_t *p, vm_memcg_t *cg);
/* @child, just forked from @parent, starts in its cgroup. */
void vm_memcg_fork(vm_machine_t *m, vm_proc_t *parent, vm_proc_t *child);
/* @p leaves its cgroup (exit, kill). */
void vm_memcg_exit(vm_machine_t *m, vm_proc_t *p);

/*
 * try_charge_memcg: make room for one page in cgroup @id before a frame of
 * @kind is allocated for it (reclaim, then the cgroup's OOM killer).
 * FALSE when the OOM killer took the faulting process itself (the
 * allocation fails, as for the machine's OOM killer).  A charge that finds
 * nobody to kill goes over the limit (try_charge's force).
 */
gboolean vm_memcg_try_charge(vm_machine_t *m, uint16_t id);
/* A large folio of @nr pages is about to be charged to the running
 * operation's cgroup with __GFP_NORETRY: TRUE when it fits, after at most
 * one round of reclaim (try_charge_memcg's nomem otherwise); TRUE
 * outside every cgroup. */
gboolean vm_memcg_charge_noretry(vm_machine_t *m, uint64_t nr);
/* The frame @pfn just allocated is charged to cgroup @id, and its high
 * limit enforced (mem_cgroup_handle_over_high). */
void vm_memcg_commit(vm_machine_t *m, uint32_t pfn, uint16_t id);
/* Can cgroup @id take one more swap entry (swap.max)? */
gboolean vm_memcg_swap_ok(const vm_machine_t *m, uint16_t id);
/* A swap slot is charged to / uncharged from cgroup @id (0: nothing). */
void vm_memcg_swap_charge(vm_machine_t *m, uint16_t id, int delta);

/* A fault of @p was counted (memory.stat pgfault, pgmajfault). */
static inline void vm_memcg_count_fault(vm_machine_t *m, const vm_proc_t *p,
					gboolean major);

/* pgscan and pgsteal of every list, the machine's and the cgroups'. */
uint64_t vm_memcg_pgscan(const vm_machine_t *m);
uint64_t vm_memcg_pgsteal(const vm_machine_t *m);
/* Pages on every list (the machine's and the cgroups'). */
uint32_t vm_memcg_nr_lru(const vm_machine_t *m);

/* Recreate each cgroup's lists with the machine's policy (after
 * vm_machine_set_reclaim; the lists must be empty). */
void vm_memcg_reset_lruvecs(vm_machine_t *m);
/* Free every cgroup (vm_machine_free). */
void vm_memcg_free_all(vm_machine_t *m);

#include "models/proc.h"

static inline void vm_memcg_count_fault(vm_machine_t *m, const vm_proc_t *p,
					gboolean major)
{
	if (G_LIKELY(!p->memcg))
		return;
	vm_memcg_t *cg = m->memcg[p->memcg];
	cg->st.pgfault++;
	cg->st.pgmajfault += major;
}

#endif
