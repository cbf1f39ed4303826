/*
 * Workingset detection; see workingset.h, and reclaim-lru2q.c for the
 * refault distance Linux measures.  This file keeps the counters
 * (/proc/vmstat's workingset_refault_* and workingset_activate_*) and the
 * latest refault for narration; the policy (vm_reclaim_shadow and
 * vm_reclaim_refault) decides.
 */
#include "models/workingset.h"
#include "models/memcg.h"

/* vm_workingset_eviction (workingset.h) for a policy that keeps shadows. */
uint64_t vm_workingset_shadow(vm_machine_t *m, uint32_t pfn)
{
	uint64_t shadow = vm_reclaim_shadow(vm_memcg_lruvec(m, pfn), pfn);
	/* the shadow names the cgroup whose lists the page left, as Linux's
	 * packs the memcg id in (pack_shadow): the refault is measured
	 * against those lists */
	uint16_t id = m->frames.f[pfn].memcg;
	if (shadow && id)
		shadow |= (uint64_t)id << VM_MEMCG_SHADOW_SHIFT;
	return shadow;
}

void vm_workingset_note(const vm_machine_t *m, uint32_t pfn, vm_result_t *res)
{
	const vm_refault_info_t *r = &m->last_refault;
	/* the refault happened during this very fault: same frame, same
	 * instant (the clock moves on after every access) */
	if (r->at != m->now || r->pfn != pfn || pfn == VM_NIL)
		return;
	res->refault = (uint8_t)((r->activated ? 2 : 1) | (r->measured ? 4 : 0));
	res->refault_distance = (uint32_t)MIN(r->distance, UINT32_MAX);
	res->workingset_size = (uint32_t)MIN(r->size, UINT32_MAX);
}

void vm_workingset_refault(vm_machine_t *m, uint32_t pfn, uint64_t shadow)
{
	vm_reclaim_t *rc = m->reclaim;
	if (!rc || !shadow)
		return;
	/* the eviction's lists (unpack_shadow's memcg); a cgroup's page
	 * counts in its memory.stat, the cgroup it is charged to now */
	uint16_t evict_id = (uint16_t)(shadow >> VM_MEMCG_SHADOW_SHIFT);
	vm_memcg_t *evict_cg = vm_memcg_get(m, evict_id);
	if (evict_id) {
		shadow &= ((uint64_t)1 << VM_MEMCG_SHADOW_SHIFT) - 1;
		if (evict_cg && evict_cg->lruvec)
			rc = evict_cg->lruvec;
	}
	vm_memcg_t *cg = vm_memcg_get(m, m->frames.f[pfn].memcg);
	gboolean file = m->frames.f[pfn].kind == VM_FRAME_FILE;
	/* anonymous pages are part of the workingset only while swap can
	 * take them (mem_cgroup_get_nr_swap_pages) */
	rc->swap_free = m->nr_swap_slots - m->swap_used;
	rc->ws_measured = FALSE;
	rc->ws_activated = FALSE;
	uint64_t before = rc->stats.refault;
	vm_reclaim_refault(rc, pfn, shadow);
	if (rc->stats.refault == before)
		return;   /* a policy without refault detection */
	gboolean recent = rc->ws_activated;
	if (file) {
		m->c.workingset_refault_file++;
		m->c.workingset_activate_file += recent;
	} else {
		m->c.workingset_refault_anon++;
		m->c.workingset_activate_anon += recent;
	}
	if (G_UNLIKELY(cg)) {
		if (file) {
			cg->st.workingset_refault_file++;
			cg->st.workingset_activate_file += recent;
		} else {
			cg->st.workingset_refault_anon++;
			cg->st.workingset_activate_anon += recent;
		}
	}
	m->last_refault = (vm_refault_info_t){
		.pfn = pfn, .at = m->now, .distance = rc->ws_distance,
		.size = rc->ws_size, .activated = recent,
		.measured = rc->ws_measured };
}
