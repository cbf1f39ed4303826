/*
 * Memory cgroups; see memcg.h for what is modelled and what is left out.
 * Modelled on mm/memcontrol.c: try_charge_memcg (reclaim, retries, the
 * OOM killer, force), mem_cgroup_handle_over_high with
 * calculate_overage / calculate_high_delay, and memory.stat's and
 * memory.events' counters.  The reclaim itself is vmscan.c's
 * (vm_vmscan_shrink_memcg, try_to_free_mem_cgroup_pages).
 */
#include <string.h>
#include "models/memcg.h"
#include "models/proc.h"
#include "models/vmscan.h"
#include "models/oom.h"

uint64_t vm_memcg_usage_kind(const vm_machine_t *m, const vm_memcg_t *cg,
			     vm_frame_kind_t kind)
{
	return m->frames.cg_nr[cg->id][kind];
}

uint64_t vm_memcg_usage(const vm_machine_t *m, const vm_memcg_t *cg)
{
	const uint32_t *n = m->frames.cg_nr[cg->id];
	return (uint64_t)n[VM_FRAME_ANON] + n[VM_FRAME_FILE] + n[VM_FRAME_PT];
}

vm_memcg_t *vm_memcg_find(const vm_machine_t *m, const char *name)
{
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		if (strcmp(m->memcg[id]->name, name) == 0)
			return m->memcg[id];
	return NULL;
}

static vm_reclaim_t *new_lruvec(vm_machine_t *m)
{
	/* the machine's policy, with its parameters (and opt's oracle) */
	if (!m->reclaim)
		return NULL;
	vm_reclaim_t *rc = vm_reclaim_new(&m->frames, m->reclaim->ops,
					  &m->reclaim->params);
	if (rc) {
		rc->folio_refs = m->reclaim->folio_refs;
		rc->folio_ctx = m->reclaim->folio_ctx;
	}
	return rc;
}

static uint64_t to_pages(const vm_machine_t *m, uint64_t bytes)
{
	/* a limit that is not a whole number of pages allows the pages that
	 * fit, as page_counter_memparse rounds down */
	return bytes == VM_MEMCG_NONE ? VM_MEMCG_NONE : bytes >> m->page_shift;
}

vm_memcg_t *vm_memcg_create(vm_machine_t *m, const char *name, uint64_t max,
			    uint64_t high, uint64_t swap_max)
{
	g_return_val_if_fail(m && name, NULL);
	if (vm_memcg_find(m, name) || m->nr_memcg >= VM_MEMCG_MAX)
		return NULL;
	if (!m->memcg) {
		/* the first cgroup: the per-id tables, once and for all */
		m->memcg = g_new0(vm_memcg_t *, VM_MEMCG_MAX + 1);
		m->frames.cg_nr = g_malloc0_n(VM_MEMCG_MAX + 1, sizeof *m->frames.cg_nr);
		m->frames.nr_cg = VM_MEMCG_MAX + 1;
		if (m->nr_swap_slots)
			m->swap_memcg = g_new0(uint16_t, m->nr_swap_slots);
	}
	vm_memcg_t *cg = g_new0(vm_memcg_t, 1);
	cg->name = g_strdup(name);
	cg->id = (uint16_t)++m->nr_memcg;
	cg->max = to_pages(m, max);
	cg->high = to_pages(m, high);
	cg->swap_max = to_pages(m, swap_max);
	cg->lruvec = new_lruvec(m);
	m->memcg[cg->id] = cg;
	return cg;
}

void vm_memcg_enter(vm_machine_t *m, vm_proc_t *p, vm_memcg_t *cg)
{
	/* memory is charged by mm: a thread moves its whole process */
	p = vm_proc_mm(p);
	if (p->memcg)
		m->memcg[p->memcg]->nr_procs--;
	p->memcg = cg ? cg->id : 0;
	if (cg)
		cg->nr_procs++;
	if (m->memcg_pid == p->pid)
		m->cur_memcg = p->memcg;   /* from the next charge on */
}

void vm_memcg_fork(vm_machine_t *m, vm_proc_t *parent, vm_proc_t *child)
{
	if (G_LIKELY(!parent->memcg))
		return;
	child->memcg = parent->memcg;
	m->memcg[child->memcg]->nr_procs++;
}

void vm_memcg_exit(vm_machine_t *m, vm_proc_t *p)
{
	if (G_LIKELY(!p->memcg))
		return;
	/* it stays a member for its statistics' sake; only the count of
	 * live members goes down */
	m->memcg[p->memcg]->nr_procs--;
}

/* mem_cgroup_out_of_memory: the OOM killer over the cgroup's processes
 * only.  FALSE when it found nobody to kill. */
static gboolean memcg_oom(vm_machine_t *m, vm_memcg_t *cg)
{
	cg->st.ev_oom++;
	m->oom_memcg = cg->id;
	gboolean killed = vm_oom_kill(m);
	m->oom_memcg = 0;
	if (killed)
		cg->st.oom_kill++;
	return killed;
}

/* Is the process the charge is for gone (killed meanwhile)?  A dying task
 * charges by force (try_charge_memcg's task_is_dying). */
static gboolean charger_dying(vm_machine_t *m)
{
	if (!m->memcg_pid)
		return FALSE;
	vm_proc_t *p = vm_proc_lookup(m, m->memcg_pid);
	return !p || p->state != VM_PROC_RUNNING;
}

gboolean vm_memcg_try_charge(vm_machine_t *m, uint16_t id)
{
	vm_memcg_t *cg = m->memcg[id];
	unsigned retries = VM_MEMCG_MAX_RECLAIM_RETRIES;
	gboolean passed_oom = FALSE;

	while (vm_memcg_usage(m, cg) + 1 > cg->max) {
		if (m->cur_killed)
			return FALSE;      /* the fault's process was killed */
		if (charger_dying(m))
			return TRUE;       /* force */
		cg->st.ev_max++;
		uint64_t freed = vm_vmscan_shrink_memcg(m, cg, VM_MEMCG_RECLAIM_BATCH);
		if (vm_memcg_usage(m, cg) + 1 <= cg->max)
			break;
		/* reclaim made progress: retry before counting a retry */
		if (freed)
			continue;
		if (retries--)
			continue;
		if (passed_oom && charger_dying(m))
			return TRUE;
		if (!memcg_oom(m, cg))
			return TRUE;       /* nobody to kill: force the charge */
		passed_oom = TRUE;
		retries = VM_MEMCG_MAX_RECLAIM_RETRIES;
	}
	return !m->cur_killed;
}

gboolean vm_memcg_charge_noretry(vm_machine_t *m, uint64_t nr)
{
	vm_memcg_t *cg = vm_memcg_get(m, m->cur_memcg);
	if (!cg || vm_memcg_usage(m, cg) + nr <= cg->max)
		return TRUE;
	if (m->cur_killed || charger_dying(m))
		return FALSE;
	cg->st.ev_max++;
	vm_vmscan_shrink_memcg(m, cg, MAX(nr, VM_MEMCG_RECLAIM_BATCH));
	return vm_memcg_usage(m, cg) + nr <= cg->max;
}

/* calculate_overage: how far above high, in 2^-20 of high. */
static uint64_t overage(uint64_t usage, uint64_t high)
{
	if (usage <= high)
		return 0;
	high = MAX(high, 1);
	return ((usage - high) << 20) / high;
}

/*
 * mem_cgroup_handle_over_high, run at once rather than on the way back to
 * user space: reclaim the pages above high, then, if the cgroup is still
 * far enough above it, a penalty delay that grows with the square of the
 * overage (calculate_high_delay with nr_pages 1 of MEMCG_CHARGE_BATCH,
 * at most 2 s, none below 10 ms), added to what the operation waits.
 */
static void handle_over_high(vm_machine_t *m, vm_memcg_t *cg)
{
	uint64_t usage = vm_memcg_usage(m, cg);
	if (usage <= cg->high)
		return;
	cg->st.ev_high++;
	if (!m->cur_killed && !charger_dying(m))
		vm_vmscan_shrink_memcg(m, cg, MAX(usage - cg->high,
						  VM_MEMCG_RECLAIM_BATCH));
	uint64_t ov = overage(vm_memcg_usage(m, cg), cg->high);
	if (!ov)
		return;
	/* penalty_jiffies = ov^2 * HZ >> 20 >> 14, times 1/64 (one page of
	 * MEMCG_CHARGE_BATCH); in ns, with HZ jiffies a second */
	double pen = (double)ov * (double)ov * 1e9 / (double)(1ull << 34) / 64.0;
	if (pen > 2e9)
		pen = 2e9;
	if (pen <= 1e7)
		return;
	uint64_t ns = (uint64_t)pen;
	cg->st.throttle_ns += ns;
	m->alloc_wait = MAX(m->alloc_wait, m->now + ns);
}

void vm_memcg_commit(vm_machine_t *m, uint32_t pfn, uint16_t id)
{
	vm_memcg_t *cg = m->memcg[id];
	vm_frames_charge(&m->frames, pfn, id);
	uint64_t usage = vm_memcg_usage(m, cg);
	if (usage > cg->st.peak)
		cg->st.peak = usage;
	if (cg->high != VM_MEMCG_NONE)
		handle_over_high(m, cg);
}

gboolean vm_memcg_swap_ok(const vm_machine_t *m, uint16_t id)
{
	if (G_LIKELY(!id))
		return TRUE;
	const vm_memcg_t *cg = m->memcg[id];
	return cg->swap_max == VM_MEMCG_NONE || cg->swap < cg->swap_max;
}

void vm_memcg_swap_charge(vm_machine_t *m, uint16_t id, int delta)
{
	if (id)
		m->memcg[id]->swap += (uint64_t)(int64_t)delta;
}

uint64_t vm_memcg_pgscan(const vm_machine_t *m)
{
	uint64_t n = m->reclaim ? m->reclaim->stats.pgscan : 0;
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		if (m->memcg[id]->lruvec)
			n += m->memcg[id]->lruvec->stats.pgscan;
	return n;
}

uint64_t vm_memcg_pgsteal(const vm_machine_t *m)
{
	uint64_t n = m->reclaim ? m->reclaim->stats.pgsteal : 0;
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		if (m->memcg[id]->lruvec)
			n += m->memcg[id]->lruvec->stats.pgsteal;
	return n;
}

uint32_t vm_memcg_nr_lru(const vm_machine_t *m)
{
	uint32_t n = m->reclaim ? vm_reclaim_nr(m->reclaim) : 0;
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		if (m->memcg[id]->lruvec)
			n += vm_reclaim_nr(m->memcg[id]->lruvec);
	return n;
}

void vm_memcg_reset_lruvecs(vm_machine_t *m)
{
	for (uint32_t id = 1; id <= m->nr_memcg; id++) {
		vm_memcg_t *cg = m->memcg[id];
		g_assert(!cg->lruvec || !vm_reclaim_nr(cg->lruvec));
		vm_reclaim_free(cg->lruvec);
		cg->lruvec = new_lruvec(m);
	}
}

void vm_memcg_free_all(vm_machine_t *m)
{
	for (uint32_t id = 1; id <= m->nr_memcg; id++) {
		vm_reclaim_free(m->memcg[id]->lruvec);
		g_free(m->memcg[id]->name);
		g_free(m->memcg[id]);
	}
	g_free(m->memcg);
	g_free(m->swap_memcg);
	m->memcg = NULL;
	m->swap_memcg = NULL;
	m->nr_memcg = 0;
}
