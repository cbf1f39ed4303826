/*
 * The machine: construction and destruction, the reclaim policy's set-up,
 * and the page allocator's slow path (vm_machine_alloc_frame), which calls
 * direct reclaim, the OOM killer and kswapd.  See machine.h for who owns
 * the rest.
 */
#include <string.h>
#include "models/machine.h"
#include "models/smp.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/fs.h"
#include "models/swap.h"
#include "models/vmscan.h"
#include "models/kswapd.h"
#include "models/writeback.h"
#include "models/filemap.h"
#include "models/memcg.h"
#include "models/huge_memory.h"
#include "models/khugepaged.h"

/* After a frame was taken: kswapd below the low watermark, and the peak. */
static inline void allocated(vm_machine_t *m)
{
	if (m->reclaim && m->frames.nr_free < m->wm_low)
		vm_kswapd_wake(m);
	uint64_t used = m->frames.nr - m->frames.nr_free;
	if (used > m->c.peak_used_pages)
		m->c.peak_used_pages = used;
}

static G_GNUC_NO_INLINE uint32_t alloc_frame_slow(vm_machine_t *m,
						   vm_frame_kind_t kind,
						   uint32_t owner, uint64_t index);

uint32_t vm_machine_alloc_frame(vm_machine_t *m, vm_frame_kind_t kind,
				uint32_t owner, uint64_t index)
{
	/* the common case, above the min watermark and no cgroup to
	 * charge: what the slow path does then, without saving its
	 * registers (every swap-in allocates eight frames, docs/speed.md) */
	if (G_UNLIKELY(m->nr_memcg || m->frames.nr_free <= m->wm_min))
		return alloc_frame_slow(m, kind, owner, index);
	uint32_t pfn = vm_frames_alloc(&m->frames, kind, owner, index);
	if (pfn != VM_NIL)
		allocated(m);
	return pfn;
}

static uint32_t alloc_frame_slow(vm_machine_t *m, vm_frame_kind_t kind,
				 uint32_t owner, uint64_t index)
{
	/* who pays if the OOM killer strikes: the faulting process, else the
	 * owner of an anonymous or page-table frame (a file's owner is the
	 * file, not a process) */
	uint32_t who = m->cur_pid ? m->cur_pid : kind == VM_FRAME_FILE ? 0 : owner;
	/* a process in a memory cgroup charges it first (mem_cgroup_charge
	 * comes before the page allocator in Linux too): its own reclaim and
	 * OOM killer, memcg.c */
	uint16_t cg = G_UNLIKELY(m->nr_memcg) ? m->cur_memcg : 0;
	if (cg && (m->alloc_noretry ? !vm_memcg_charge_noretry(m, 1)
				    : !vm_memcg_try_charge(m, cg)))
		return VM_NIL;   /* no room for readahead, or its OOM killer
				  * chose the faulting process */
	if (m->frames.nr_free <= m->wm_min && m->reclaim &&
	    !vm_vmscan_direct(m, who))
		return VM_NIL;   /* the OOM killer chose the allocating process */
	uint32_t pfn = vm_frames_alloc(&m->frames, kind, owner, index);
	if (cg && pfn != VM_NIL)
		vm_memcg_commit(m, pfn, cg);
	if (pfn != VM_NIL)
		allocated(m);
	return pfn;
}

static uint32_t pt_alloc_frame(void *ctx, uint32_t owner, uint32_t id)
{
	return vm_machine_alloc_frame(ctx, VM_FRAME_PT, owner, id);
}

static void pt_free_frame(void *ctx, uint32_t pfn)
{
	vm_machine_t *m = ctx;
	vm_frames_free(&m->frames, pfn);
}

uint64_t vm_machine_host_bytes(const vm_config_t *cfg)
{
	uint64_t frames = cfg->memory / cfg->page_size;
	uint64_t slots = cfg->swap_size / cfg->page_size;
	/* a frame, its swap slot link and at most 2 reclaim links per list
	 * type (random's slot arrays); a swap slot's map count, cache and
	 * shadow entry */
	uint64_t per_frame = sizeof(vm_frame_t) + sizeof(uint32_t) +
			     VM_RECLAIM_NR_TYPES * sizeof(uint32_t);
	uint64_t a, b, sum;
	if (g_uint64_checked_mul(&a, frames, per_frame) &&
	    g_uint64_checked_mul(&b, slots, 2 * sizeof(uint32_t) + sizeof(uint64_t)) &&
	    g_uint64_checked_add(&sum, a, b))
		return sum;
	return UINT64_MAX;
}

vm_machine_t *vm_machine_new(const vm_config_t *cfg)
{
	vm_machine_t *m = g_new0(vm_machine_t, 1);
	m->cfg = *cfg;
	m->page_shift = (unsigned)g_bit_nth_lsf(cfg->page_size, -1);
	m->last_refault.pfn = VM_NIL;   /* no refault yet */
	vm_events_init(&m->ev, 64);
	vm_frames_init(&m->frames, (uint32_t)(cfg->memory / cfg->page_size));
	vm_pt_init(&m->pt, cfg->mmu_bits, cfg->mmu_levels);
	if (cfg->mmu_pt_frames) {
		m->pt.alloc_frame = pt_alloc_frame;
		m->pt.free_frame = pt_free_frame;
	}
	m->pt.ctx = m;
	m->free_tables = strcmp(cfg->mmu_free_tables, "pt_reclaim") == 0 ?
			 VM_FREE_TABLES_PT_RECLAIM :
			 strcmp(cfg->mmu_free_tables, "munmap") == 0 ?
			 VM_FREE_TABLES_MUNMAP : VM_FREE_TABLES_EXIT;
	const vm_tlb_policy_ops_t *ops = vm_tlb_policy_find(cfg->tlb_policy);
	g_assert(ops);
	m->l1 = vm_tlb_new(cfg->tlb_l1_entries, cfg->tlb_l1_ways, ops);
	m->l2 = vm_tlb_new(cfg->tlb_l2_entries, cfg->tlb_l2_ways, ops);
	vm_huge_init(m);
	/* the 2 MiB L1 TLB exists only where huge pages can be mapped */
	if (m->hpage_order && cfg->tlb_l1_2m_entries)
		m->l1_2m = vm_tlb_new(cfg->tlb_l1_2m_entries, cfg->tlb_l1_2m_ways, ops);
	m->by_pid = g_hash_table_new(g_direct_hash, g_direct_equal);
	m->cur_asid = 0;
	if (cfg->cpus > 1)
		m->smp = vm_smp_new(m);
	m->disk = vm_disk_new(cfg);
	vm_swap_init(m);
	m->files = g_ptr_array_new();
	m->names = g_hash_table_new(g_str_hash, g_str_equal);
	vm_ra_params_t rap;
	vm_ra_params_default(&rap);
	rap.max = cfg->readahead_max >> m->page_shift;
	rap.mmap_miss_limit = cfg->readahead_mmap_miss_limit;
	vm_ra_init(&m->ra, vm_ra_policy_find(cfg->readahead_policy), &rap);
	/* the scratch for the largest readahead window, so that no fault
	 * allocates (a larger request, madvise(WILLNEED) or fsync, grows it) */
	vm_filemap_scratch_init(m, rap.max);
	m->folio_order = 0;
	while (cfg->cache_folio_max >> m->page_shift >> m->folio_order > 1)
		m->folio_order++;
	vm_huge_init_file(m);
	const vm_reclaim_ops_t *rops = vm_reclaim_policy_find(cfg->reclaim_policy);
	g_assert(rops);
	if (!(rops->policy.flags & VM_POLICY_NEEDS_FUTURE))
		vm_machine_set_reclaim(m, NULL, NULL);
	return m;
}

gboolean vm_machine_set_reclaim(vm_machine_t *m,
				uint64_t (*next_use)(void *oracle, uint32_t pfn),
				void *oracle)
{
	vm_reclaim_params_t params = {
		.swappiness = m->cfg.reclaim_swappiness,
		.page_shift = m->page_shift,
		.seed = m->cfg.reclaim_seed,
		.next_use = next_use,
		.oracle = oracle,
	};
	vm_reclaim_free(m->reclaim);
	m->reclaim = vm_reclaim_new(&m->frames,
				    vm_reclaim_policy_find(m->cfg.reclaim_policy),
				    &params);
	if (m->reclaim && m->folio_order) {
		m->reclaim->folio_refs = vm_filemap_folio_refs;
		m->reclaim->folio_ctx = m;
	}
	vm_memcg_reset_lruvecs(m);
	return m->reclaim != NULL;
}

void vm_machine_free(vm_machine_t *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		g_free(m->procs[i]->vma);
		vm_fs_free(m->procs[i]);
		g_free(m->procs[i]);
	}
	for (guint i = 0; i < m->files->len; i++) {
		vm_file_t *f = g_ptr_array_index(m->files, i);
		g_free(f->name);
		vm_file_free_index(f);
		g_free(f);
	}
	g_ptr_array_free(m->files, TRUE);
	g_hash_table_destroy(m->names);
	g_free(m->procs);
	for (uint32_t i = 0; i < m->nr_threads; i++)
		g_free(m->threads[i]);
	g_free(m->threads);
	g_hash_table_destroy(m->by_pid);
	vm_smp_free(m);
	vm_tlb_free(m->l1);
	vm_tlb_free(m->l2);
	vm_tlb_free(m->l1_2m);
	vm_memcg_free_all(m);
	vm_reclaim_free(m->reclaim);
	vm_disk_free(m->disk);
	vm_swap_destroy(m);
	vm_pt_destroy(&m->pt);
	vm_frames_destroy(&m->frames);
	vm_events_destroy(&m->ev);
	g_free(m->pageouts);
	vm_scratch_free(&m->scratch_read);
	vm_scratch_free(&m->scratch_bio);
	vm_scratch_free(&m->scratch_wb);
	g_free(m);
}

void vm_machine_event(vm_machine_t *m, const vm_ev_t *ev)
{
	uint64_t now = m->now;
	m->now = ev->time;
	switch ((vm_ev_kind_t)ev->kind) {
	case VM_EV_FLUSH:
		vm_writeback_flush(m);
		break;
	case VM_EV_IO:
		vm_vmscan_pageout_done(m);
		break;
	case VM_EV_KSWAPD:
		vm_kswapd_wait_done(m);
		break;
	case VM_EV_KHUGEPAGED:
		vm_khugepaged_wake(m);
		break;
	default:
		g_warn_if_reached();
		break;
	}
	m->now = MAX(now, ev->time);
}
