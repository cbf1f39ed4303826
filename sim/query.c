/*
 * The query API; see query.h.  Everything here reads the machine through
 * the engine and copies values out.  Nothing is on the replay's hot path:
 * these run when a screen is drawn, so plain loops over frames or entries
 * are fine (a 1 GiB machine has 262144 frames; one pass is well under a
 * millisecond).
 */
#include <string.h>
#include "models/memcg.h"
#include "sim/query.h"
#include "models/smp.h"
#include "models/huge_memory.h"
#include "sim/stats.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/file.h"
#include "models/filemap.h"

static vm_machine_t *mach(vm_engine_t *e)
{
	return vm_engine_machine(e);
}

/* ---- processes ----------------------------------------------------------- */

static void fill_proc(const vm_proc_t *p, vm_q_proc_t *out)
{
	static const char *const states[] = { "running", "exited", "killed" };
	static const char *const kills[] = { "none", "sigsegv", "sigbus", "oom", "crash" };
	*out = (vm_q_proc_t){
		.pid = p->pid,
		.state = p->state < G_N_ELEMENTS(states) ? states[p->state] : "?",
		.killed_by = p->killed_by < G_N_ELEMENTS(kills) ? kills[p->killed_by] : "?",
		.last_outcome = (vm_outcome_t)p->last_outcome,
		.nr_vma = p->nr_vma,
		.accesses = p->accesses, .minflt = p->minflt, .majflt = p->majflt,
		.cow_faults = p->cow_faults, .rss_anon = p->rss_anon,
		.rss_file = p->rss_file, .swap_pages = p->swap_pages,
		.pt_pages = p->pt_pages, .cpu_ns = p->cpu_ns, .wait_ns = p->wait_ns,
		.oom_score_adj = p->oom_score_adj,
	};
}

unsigned vm_query_nr_procs(vm_engine_t *e)
{
	g_return_val_if_fail(e != NULL, 0);
	return mach(e)->nr_procs;
}

gboolean vm_query_proc(vm_engine_t *e, unsigned i, vm_q_proc_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	if (i >= m->nr_procs)
		return FALSE;
	fill_proc(m->procs[i], out);
	return TRUE;
}

gboolean vm_query_proc_by_pid(vm_engine_t *e, uint32_t pid, vm_q_proc_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_proc_t *p = vm_proc_lookup(mach(e), pid);
	if (!p)
		return FALSE;
	fill_proc(p, out);
	return TRUE;
}

static const char *advice_name(uint32_t a)
{
	static const char *const names[] = { "normal", "random", "sequential",
					     "willneed", "dontneed", "hugepage",
					     "nohugepage" };
	return a < G_N_ELEMENTS(names) ? names[a] : "?";
}

typedef struct {
	uint64_t present, swapped;
	uint64_t huge_pages;   /* pages a PMD leaf maps */
	uint64_t start, end;
} count_ctx_t;

/* A PMD leaf maps its pages that lie in the VMA (a huge zero page too) */
static void count_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	count_ctx_t *c = vctx;
	uint64_t lo = MAX(vpn, c->start), hi = MIN(vpn + c->huge_pages, c->end);
	if (hi > lo && (*slot & VM_PTE_P))
		c->present += hi - lo;
}

static void count_pte(void *vctx, uint64_t vpn, uint64_t *slot)
{
	count_ctx_t *c = vctx;
	(void)vpn;
	if (*slot & VM_PTE_P)
		c->present++;
	else if (*slot & VM_PTE_SWAP)
		c->swapped++;
}

/* A live process whose page tables can be read. */
/* The running process of @pid, whose memory the queries read: a thread's
 * is its process's (the leader holds the mm). */
static vm_proc_t *live_proc(vm_machine_t *m, uint32_t pid)
{
	vm_proc_t *p = vm_proc_lookup(m, pid);
	if (p && p->state == VM_PROC_RUNNING)
		p = vm_proc_mm(p);
	return p && p->state == VM_PROC_RUNNING ? p : NULL;
}

gboolean vm_query_vma(vm_engine_t *e, uint32_t pid, unsigned i, vm_q_vma_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	vm_proc_t *p = vm_proc_lookup(m, pid);
	if (p)
		p = vm_proc_mm(p);   /* a thread's mappings are its process's */
	if (!p || i >= p->nr_vma)
		return FALSE;
	const vm_vma_t *v = &p->vma[i];
	unsigned sh = m->page_shift;
	*out = (vm_q_vma_t){
		.start = v->start << sh, .end = v->end << sh, .prot = v->prot,
		.shared = (v->flags & VM_MAP_SHARED) != 0,
		.anon = v->file < 0,
		.offset = v->pgoff << sh,
		.advice = advice_name(v->advice),
		.pages = v->end - v->start,
	};
	if (v->file >= 0) {
		const vm_file_t *f = vm_file_get(m, v->file);
		out->file = f->shmem ? "(shmem)" : f->linked ? f->name : "(deleted)";
		if (f->shmem)
			out->anon = TRUE;
	}
	if (p->state == VM_PROC_RUNNING) {
		/* vm_pt_for_each takes a mutable table for callers that edit
		 * entries; count_pte only reads */
		count_ctx_t c = { .start = v->start, .end = v->end,
				  .huge_pages = vm_huge_nr(m) };
		vm_pt_for_each_huge(&m->pt, p->root, v->start, v->end, count_pte,
				    m->thp_seen ? count_huge : NULL, &c);
		out->present = c.present;
		out->swapped = c.swapped;
	}
	return TRUE;
}

/* ---- the page table ---------------------------------------------------------- */

gboolean vm_query_walk(vm_engine_t *e, uint32_t pid, uint64_t vaddr,
		       vm_q_walk_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	const vm_pagetables_t *pt = &m->pt;
	memset(out, 0, sizeof *out);
	out->vaddr = vaddr;
	out->vpn = vaddr >> m->page_shift;
	out->levels = pt->levels;
	for (unsigned l = 0; l < pt->levels; l++) {
		out->level[l].bits = pt->bits[l];
		out->level[l].index = vm_pt_index(pt, out->vpn, l);
		out->level[l].table_frame = out->level[l].next_frame = VM_NIL;
	}
	vm_proc_t *p = live_proc(m, pid);
	if (!p || out->vpn >= pt->vpn_limit)
		return p != NULL;
	/* the same descent as vm_pt_walk, keeping every level's entry */
	uint32_t id = p->root;
	for (unsigned l = 0; l < pt->levels; l++) {
		vm_q_level_t *lv = &out->level[l];
		lv->table = id;
		lv->table_frame = pt->tables[id].frame;
		lv->entry = pt->tables[id].e[lv->index];
		lv->present = (lv->entry & VM_PTE_P) != 0;
		out->refs = l + 1;
		if (l + 1 < pt->levels && !(lv->entry & VM_PTE_HUGE)) {
			if (!lv->present)
				return TRUE;
			id = (uint32_t)VM_PTE_PFN(lv->entry);
			lv->next_table = id;
			lv->next_frame = pt->tables[id].frame;
			continue;
		}
		out->leaf = TRUE;
		uint64_t pte = lv->entry;
		out->present = lv->present;
		out->swapped = !lv->present && (pte & VM_PTE_SWAP);
		if (out->present || out->swapped)
			out->pfn = VM_PTE_PFN(pte);
		if (G_UNLIKELY(l + 1 < pt->levels)) {
			/* a PMD leaf: the page's frame within the huge page */
			out->huge = TRUE;
			if (out->pfn != VM_PFN_ZERO)
				out->pfn += out->vpn & (((uint64_t)1 << pt->bits[pt->levels - 1]) - 1);
		}
		out->zero_page = out->present && out->pfn == VM_PFN_ZERO;
		out->perm = (pte & VM_PTE_R ? VM_PROT_R : 0) |
			    (pte & VM_PTE_W ? VM_PROT_W : 0) |
			    (pte & VM_PTE_X ? VM_PROT_X : 0);
		out->accessed = (pte & VM_PTE_A) != 0;
		out->dirty = (pte & VM_PTE_D) != 0;
		break;
	}
	return TRUE;
}

/* ---- TLBs ---------------------------------------------------------------- */

/* The TLB of @level of CPU @cpu, or of the running CPU (the last one a
 * record ran on) when @cpu is -1 or there is one CPU.  Level 3 is the L1
 * of 2 MiB pages, there once the machine has mapped a huge page. */
static vm_tlb_t *tlb_of(vm_machine_t *m, int cpu, unsigned level)
{
	if (level == 3 && !m->thp_seen)
		return NULL;
	if (G_UNLIKELY(m->smp != NULL) && cpu >= 0 &&
	    (unsigned)cpu < m->smp->nr_cpus) {
		const vm_cpu_t *c = &m->smp->cpu[cpu];
		return level == 1 ? c->l1 : level == 2 ? c->l2 :
		       level == 3 ? c->l1_2m : NULL;
	}
	return level == 1 ? m->l1 : level == 2 ? m->l2 : level == 3 ? m->l1_2m : NULL;
}

static vm_tlb_t *tlb_level(vm_machine_t *m, unsigned level)
{
	return tlb_of(m, -1, level);
}

uint32_t vm_query_mm_of(vm_engine_t *e, uint32_t pid)
{
	g_return_val_if_fail(e != NULL, pid);
	vm_proc_t *p = vm_proc_lookup(mach(e), pid);
	return p && p->leader ? p->leader->pid : pid;
}

unsigned vm_query_nr_cpus(vm_engine_t *e)
{
	g_return_val_if_fail(e != NULL, 1);
	vm_machine_t *m = mach(e);
	return m->smp ? m->smp->nr_cpus : 1;
}

gboolean vm_query_cpu(vm_engine_t *e, int cpu, vm_q_cpu_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	if (!m->smp)
		return FALSE;
	if (cpu < 0)
		cpu = (int)m->smp->cur;
	if ((unsigned)cpu >= m->smp->nr_cpus)
		return FALSE;
	const vm_cpu_t *c = &m->smp->cpu[cpu];
	*out = (vm_q_cpu_t){
		.cpu = (unsigned)cpu, .cur_pid = c->cur_pid, .loaded_mm = c->loaded_mm,
		.lazy = c->lazy, .ipis_received = c->ipis_received,
		.flush_full = c->flush_full, .flush_pages = c->flush_pages,
		.busy_ns = c->busy_ns,
	};
	return TRUE;
}

unsigned vm_query_tlb_levels(vm_engine_t *e)
{
	g_return_val_if_fail(e != NULL, 0);
	return mach(e)->l2 ? 2 : 1;
}

gboolean vm_query_tlb_info(vm_engine_t *e, unsigned level, vm_q_tlb_info_t *out)
{
	return vm_query_tlb_info_cpu(e, -1, level, out);
}

gboolean vm_query_tlb_info_cpu(vm_engine_t *e, int cpu, unsigned level,
			       vm_q_tlb_info_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	vm_tlb_t *t = tlb_of(m, cpu, level);
	if (!t)
		return FALSE;
	*out = (vm_q_tlb_info_t){
		.entries = t->nr_sets * t->ways, .ways = t->ways, .sets = t->nr_sets,
		.valid = vm_tlb_nr_valid(t), .policy = m->cfg.tlb_policy,
	};
	return TRUE;
}

static int by_stamp_desc(const void *a, const void *b)
{
	const vm_q_tlb_entry_t *x = a, *y = b;
	if (x->stamp != y->stamp)
		return x->stamp < y->stamp ? 1 : -1;
	/* ties (FIFO fills in one instant, random): by position */
	if (x->set != y->set)
		return x->set < y->set ? -1 : 1;
	return x->way < y->way ? -1 : x->way > y->way;
}

unsigned vm_query_tlb_entries(vm_engine_t *e, unsigned level,
			      vm_q_tlb_entry_t *out, unsigned max)
{
	return vm_query_tlb_entries_cpu(e, -1, level, out, max);
}

unsigned vm_query_tlb_entries_cpu(vm_engine_t *e, int cpu, unsigned level,
				  vm_q_tlb_entry_t *out, unsigned max)
{
	g_return_val_if_fail(e != NULL && (out != NULL || max == 0), 0);
	vm_machine_t *m = mach(e);
	vm_tlb_t *t = tlb_of(m, cpu, level);
	if (!t || !max)
		return 0;
	unsigned total = t->nr_sets * t->ways, n = 0;
	vm_q_tlb_entry_t *all = g_new(vm_q_tlb_entry_t, total);
	for (unsigned i = 0; i < total; i++) {
		const vm_tlb_entry_t *te = &t->entries[i];
		if (!te->valid)
			continue;
		/* a 2 MiB entry (the 2 MiB L1's, or tagged in the L2) is
		 * keyed by its huge-page number: give its first page */
		gboolean huge = level == 3 || (te->vpn & VM_TLB_HUGE_TAG);
		uint64_t vpn = huge ? (te->vpn & ~VM_TLB_HUGE_TAG) << m->hpage_order
				    : te->vpn;
		all[n++] = (vm_q_tlb_entry_t){
			.vpn = vpn, .pfn = te->pfn, .asid = te->asid,
			.perm = te->perm, .set = i / t->ways, .way = i % t->ways,
			.stamp = te->stamp, .huge = huge,
		};
	}
	qsort(all, n, sizeof *all, by_stamp_desc);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *all);
	g_free(all);
	return n;
}

gboolean vm_query_tlb_has(vm_engine_t *e, unsigned level, uint64_t vpn,
			  uint32_t pid)
{
	g_return_val_if_fail(e != NULL, FALSE);
	vm_tlb_t *t = tlb_level(mach(e), level);
	return t && vm_tlb_peek(t, vpn, pid) != NULL;
}

/* ---- physical memory -------------------------------------------------------- */

uint32_t vm_query_nr_frames(vm_engine_t *e)
{
	g_return_val_if_fail(e != NULL, 0);
	return mach(e)->frames.nr;
}

static vm_q_frame_state_t frame_state(const vm_frame_t *f)
{
	switch (f->kind) {
	case VM_FRAME_FREE:
		return VM_QF_FREE;
	case VM_FRAME_PT:
		return VM_QF_PT;
	case VM_FRAME_ANON:
		return f->mapcount > 1 ? VM_QF_SHARED : VM_QF_ANON;
	default:
		if (f->mapcount > 1)
			return VM_QF_SHARED;
		return f->flags & VM_FRAME_DIRTY ? VM_QF_FILE_DIRTY : VM_QF_FILE_CLEAN;
	}
}

vm_q_frame_state_t vm_query_frame_state(vm_engine_t *e, uint32_t pfn)
{
	g_return_val_if_fail(e != NULL, VM_QF_FREE);
	vm_machine_t *m = mach(e);
	if (pfn >= m->frames.nr)
		return VM_QF_FREE;
	return frame_state(&m->frames.f[pfn]);
}

gboolean vm_query_frame(vm_engine_t *e, uint32_t pfn, vm_q_frame_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	if (pfn >= m->frames.nr)
		return FALSE;
	const vm_frame_t *f = &m->frames.f[pfn];
	*out = (vm_q_frame_t){
		.state = frame_state(f), .pfn = pfn,
		.owner = f->kind == VM_FRAME_FREE ? 0 : f->owner,
		.index = f->kind == VM_FRAME_FREE ? 0 : f->index,
		.mapcount = f->mapcount,
		.dirty = (f->flags & VM_FRAME_DIRTY) != 0,
		.locked = (f->flags & VM_FRAME_LOCKED) != 0 ||
			  (f->kind == VM_FRAME_FILE && vm_frame_read_done(f) > m->now),
		.referenced = (f->flags & VM_FRAME_REFERENCED) != 0,
		.active = (f->flags & VM_FRAME_ACTIVE) != 0,
		.readahead = (f->flags & VM_FRAME_READAHEAD) != 0,
	};
	if (f->kind == VM_FRAME_FILE && f->owner < m->files->len) {
		const vm_file_t *fl = vm_file_get(m, (int32_t)f->owner);
		out->file = fl->shmem ? "(shmem)" : fl->name;
	}
	return TRUE;
}

gboolean vm_query_huge_blocks(vm_engine_t *e, uint32_t *free, uint32_t *total,
			      uint32_t *block, uint64_t *scattered)
{
	g_return_val_if_fail(e != NULL, FALSE);
	const vm_frames_t *fr = &mach(e)->frames;
	if (!fr->block_free)
		return FALSE;
	*free = fr->nr_free_blocks;
	*total = fr->nr_blocks;
	*block = 1u << fr->block_order;
	*scattered = fr->nr_free - ((uint64_t)fr->nr_free_blocks << fr->block_order);
	return TRUE;
}

void vm_query_frame_counts(vm_engine_t *e, uint64_t counts[VM_QF_NR])
{
	g_return_if_fail(e != NULL);
	vm_machine_t *m = mach(e);
	memset(counts, 0, VM_QF_NR * sizeof counts[0]);
	for (uint32_t i = 0; i < m->frames.nr; i++)
		counts[frame_state(&m->frames.f[i])]++;
}

const char *vm_query_frame_state_name(vm_q_frame_state_t s)
{
	static const char *const names[VM_QF_NR] = {
		"free", "anon", "file", "dirty", "pt", "shared",
	};
	return s < VM_QF_NR ? names[s] : "?";
}

/* ---- files, page cache, disk ---------------------------------------------- */

unsigned vm_query_nr_files(vm_engine_t *e)
{
	g_return_val_if_fail(e != NULL, 0);
	return mach(e)->files->len;
}

gboolean vm_query_file(vm_engine_t *e, unsigned id, vm_q_file_t *out)
{
	g_return_val_if_fail(e != NULL && out != NULL, FALSE);
	vm_machine_t *m = mach(e);
	if (id >= m->files->len)
		return FALSE;
	const vm_file_t *f = vm_file_get(m, (int32_t)id);
	*out = (vm_q_file_t){
		.id = f->id, .name = f->shmem ? "(shmem)" : f->name,
		.size = f->size, .pages = vm_file_pages(f, m->page_shift),
		.cached = f->nr_cached, .dirty = f->nr_dirty,
		.disk_pages = f->nr_blocks, .lost_pages = f->lost_pages,
		.opens = f->opens, .maps = vm_file_count_maps(m, f),
		.linked = f->linked, .shmem = f->shmem, .dead = f->dead,
	};
	return TRUE;
}

vm_q_page_state_t vm_query_file_page(vm_engine_t *e, unsigned id, uint64_t idx,
				     uint32_t *pfn)
{
	g_return_val_if_fail(e != NULL, VM_QP_ABSENT);
	vm_machine_t *m = mach(e);
	if (pfn)
		*pfn = VM_NIL;
	if (id >= m->files->len)
		return VM_QP_ABSENT;
	const vm_file_t *f = vm_file_get(m, (int32_t)id);
	uint32_t p = vm_filemap_find(f, idx);
	if (p == VM_NIL)
		return VM_QP_ABSENT;
	if (pfn)
		*pfn = p;
	const vm_frame_t *fr = &m->frames.f[p];
	if ((fr->flags & VM_FRAME_LOCKED) || fr->io_done > m->now)
		return VM_QP_LOCKED;
	return fr->flags & VM_FRAME_DIRTY ? VM_QP_DIRTY : VM_QP_CLEAN;
}

void vm_query_disk(vm_engine_t *e, vm_q_disk_t *out)
{
	g_return_if_fail(e != NULL && out != NULL);
	vm_machine_t *m = mach(e);
	const vm_disk_t *d = m->disk;
	uint64_t now = vm_engine_now(e);
	*out = (vm_q_disk_t){
		.type = m->cfg.disk_type, .depth = d->queue_depth,
		.busy = vm_disk_nr_busy(d, now), .idle_at = vm_disk_idle_at(d),
		.reads = d->stats.reads, .writes = d->stats.writes,
		.pages_in = d->stats.pages_in, .pages_out = d->stats.pages_out,
		.busy_ns = vm_disk_busy_ns_at(d, now),
		.have_last = d->stats.reads + d->stats.writes > 0,
		.last_submit = d->last.submit_ns, .last_start = d->last.start_ns,
		.last_done = d->last.done_ns, .last_slot = d->last.slot,
	};
	for (uint32_t i = 0; i < m->frames.nr; i++) {
		const vm_frame_t *f = &m->frames.f[i];
		if (f->kind == VM_FRAME_FILE && vm_frame_read_done(f) > now)
			out->in_flight_pages++;
	}
}

uint64_t vm_query_disk_slot(vm_engine_t *e, unsigned i)
{
	g_return_val_if_fail(e != NULL, 0);
	const vm_disk_t *d = mach(e)->disk;
	return i < d->queue_depth ? d->slot_free[i] : 0;
}

/* ---- statistics ------------------------------------------------------------ */

void vm_query_stats_init(vm_q_stats_t *s)
{
	s->nr = vm_stats_nr_global();
	s->cap = s->nr + VM_MEMCG_MAX * vm_stats_nr_memcg();
	s->v = g_new0(uint64_t, s->cap);
}

void vm_query_stats_clear(vm_q_stats_t *s)
{
	g_free(s->v);
	s->v = NULL;
	s->nr = 0;
}

void vm_query_stats_take(vm_engine_t *e, vm_q_stats_t *s)
{
	g_return_if_fail(e != NULL && s != NULL && s->v != NULL);
	const vm_machine_t *m = mach(e);
	unsigned g = vm_stats_nr_global(), k = vm_stats_nr_memcg();
	s->nr = g + m->nr_memcg * k;
	vm_stats_global_all(e, s->v, g);
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		for (unsigned j = 0; j < k; j++)
			s->v[g + (id - 1) * k + j] = vm_stats_memcg(m, m->memcg[id], j);
}

const char *vm_query_stat_label(vm_engine_t *e, unsigned i, char *buf, size_t n)
{
	unsigned g = vm_stats_nr_global(), k = vm_stats_nr_memcg();
	if (i < g)
		return vm_stats_global_name(i);
	const vm_machine_t *m = mach(e);
	uint32_t id = 1 + (i - g) / k;
	if (id > m->nr_memcg)
		return NULL;
	g_snprintf(buf, n, "cgroup.%s.%s", m->memcg[id]->name,
		   vm_stats_memcg_name((i - g) % k));
	return buf;
}

const char *vm_query_stat_name(unsigned i)
{
	return i < vm_stats_nr_global() ? vm_stats_global_name(i) : NULL;
}

int64_t vm_query_stat_delta(const vm_q_stats_t *before,
			    const vm_q_stats_t *after, unsigned i)
{
	g_return_val_if_fail(before && after && i < after->nr, 0);
	if (i >= before->nr)   /* a cgroup made by the step */
		return (int64_t)after->v[i];
	return (int64_t)(after->v[i] - before->v[i]);
}
