/*
 * The invariant checker (--check; see check.h): it walks the whole machine
 * and recounts what the models keep incrementally, so that a counter that
 * drifts or a reference that leaks is caught at the event that broke it.
 * It allocates and is slow (a walk of every page table and frame): it runs
 * only when asked for.
 */
#include "models/check.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/mm.h"
#include "models/memcg.h"
#include "models/smp.h"
#include "models/huge_memory.h"
typedef struct {
	vm_machine_t *m;
	vm_proc_t *p;
	uint32_t *maps;      /* PTEs seen per frame */
	uint32_t *swaps;     /* swap entries seen per slot */
	uint64_t anon, file, swap;
	uint64_t huge;       /* pages mapped by anonymous PMD leaves */
	uint64_t file_pmd, shmem_pmd; /* ... by file and shmem folios' */
	char *err;
} check_ctx_t;

/* A PMD leaf of a file (or shmem) folio: the VMA's file's folio of a huge
 * page's order, whole in the cache at the index the address gives, its
 * frames the aligned block the PMD names; a private mapping's read-only. */
static void check_file_pmd(check_ctx_t *c, const vm_vma_t *v, uint64_t vpn,
			   const uint64_t *slot)
{
	const vm_machine_t *m = c->m;
	uint64_t n = vm_huge_nr(m), pfn = VM_PTE_PFN(*slot);
	const vm_frame_t *fr = &m->frames.f[pfn];
	vm_file_t *f = v->file >= 0 ? vm_file_get((vm_machine_t *)m, v->file) : NULL;
	uint64_t idx = v->pgoff + (vpn - v->start);
	if (!f || fr->owner != f->id) {
		c->err = g_strdup_printf("pid %u: PMD leaf at page 0x%" G_GINT64_MODIFIER
					 "x maps a frame of another file", c->p->pid, vpn);
		return;
	}
	if (vm_file_folio_order(f, idx) != m->hpage_order || idx % n ||
	    !(v->flags & VM_MAP_SHARED ? TRUE : !(*slot & VM_PTE_W))) {
		c->err = g_strdup_printf("pid %u: PMD leaf at page 0x%" G_GINT64_MODIFIER
					 "x: file %u page %" G_GUINT64_FORMAT " is not the head "
					 "of a huge folio (order %u), or is writable in a "
					 "private mapping", c->p->pid, vpn, f->id, idx,
					 vm_file_folio_order(f, idx));
		return;
	}
	for (uint64_t i = 0; i < n && !c->err; i++) {
		if (vm_file_pfn(f, idx + i) != pfn + i)
			c->err = g_strdup_printf("pid %u: PMD leaf at page 0x%" G_GINT64_MODIFIER
						 "x: file %u page %" G_GUINT64_FORMAT
						 " is not cached in frame %" G_GUINT64_FORMAT,
						 c->p->pid, vpn, f->id, idx + i, pfn + i);
		c->maps[pfn + i]++;
	}
	c->file += n;
	if (f->shmem)
		c->shmem_pmd += n;
	else
		c->file_pmd += n;
}

/* A PMD leaf: the huge zero page read-only, or a huge page's aligned
 * block of anonymous frames, each mapped once more, inside one VMA. */
static void check_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	check_ctx_t *c = vctx;
	uint64_t n = vm_huge_nr(c->m), pfn = VM_PTE_PFN(*slot);
	if (c->err)
		return;
	vm_vma_t *v = vm_mm_find_vma(c->p, vpn);
	if (!n || !v || v->start > vpn || v->end < vpn + n) {
		c->err = g_strdup_printf("pid %u: PMD leaf at page 0x%" G_GINT64_MODIFIER
					 "x not inside one mapping", c->p->pid, vpn);
		return;
	}
	if (pfn == VM_PFN_ZERO) {
		if (*slot & VM_PTE_W)
			c->err = g_strdup_printf("pid %u: huge zero page mapped writable",
						 c->p->pid);
		return;
	}
	if (pfn % n || pfn + n > c->m->frames.nr) {
		c->err = g_strdup_printf("pid %u: PMD leaf maps unaligned frame %"
					 G_GUINT64_FORMAT, c->p->pid, pfn);
		return;
	}
	if (c->m->frames.f[pfn].kind == VM_FRAME_FILE) {
		check_file_pmd(c, v, vpn, slot);
		return;
	}
	for (uint64_t i = 0; i < n && !c->err; i++) {
		if (c->m->frames.f[pfn + i].kind != VM_FRAME_ANON)
			c->err = g_strdup_printf("pid %u: PMD leaf maps frame %" G_GUINT64_FORMAT
						 " that is not anonymous", c->p->pid, pfn + i);
		c->maps[pfn + i]++;
	}
	c->anon += n;
	c->huge += n;
}

static void check_leaf(void *vctx, uint64_t vpn, uint64_t *slot)
{
	check_ctx_t *c = vctx;
	if (c->err)
		return;
	if (*slot & VM_PTE_SWAP) {
		uint64_t s = VM_PTE_PFN(*slot);
		if (s >= c->m->swap_hwm)   /* past the slots ever handed out */
			c->err = g_strdup_printf("pid %u: swap entry past the swap area", c->p->pid);
		else {
			c->swaps[s]++;
			c->swap++;
		}
		return;
	}
	if (!(*slot & VM_PTE_P))
		return;
	if (!vm_mm_find_vma(c->p, vpn)) {
		c->err = g_strdup_printf("pid %u: PTE for page 0x%" G_GINT64_MODIFIER
					 "x outside every mapping", c->p->pid, vpn);
		return;
	}
	uint64_t pfn = VM_PTE_PFN(*slot);
	if (pfn == VM_PFN_ZERO) {
		if (*slot & VM_PTE_W)
			c->err = g_strdup_printf("pid %u: zero page mapped writable at page 0x%"
						 G_GINT64_MODIFIER "x", c->p->pid, vpn);
		return;
	}
	if (pfn >= c->m->frames.nr) {
		c->err = g_strdup_printf("pid %u: PTE points past memory", c->p->pid);
		return;
	}
	vm_frame_t *f = &c->m->frames.f[pfn];
	uint64_t want = f->kind == VM_FRAME_ANON ? vm_mm_anon_index(c->p, vpn) : 0;
	if (f->kind == VM_FRAME_ANON && f->index != want) {
		/* the reverse map of an anonymous page looks for it by its
		 * index in every process (vm_mm_anon_pte) */
		c->err = g_strdup_printf("pid %u: page 0x%" G_GINT64_MODIFIER "x (anonymous "
					 "index 0x%" G_GINT64_MODIFIER "x) maps anonymous frame %"
					 G_GUINT64_FORMAT " of index 0x%" G_GINT64_MODIFIER
					 "x: its reverse map would miss it",
					 c->p->pid, vpn, want, pfn, f->index);
		return;
	}
	if (f->kind == VM_FRAME_ANON)
		c->anon++;
	else if (f->kind == VM_FRAME_FILE)
		c->file++;
	else {
		c->err = g_strdup_printf("pid %u: page 0x%" G_GINT64_MODIFIER
					 "x maps frame %" G_GUINT64_FORMAT
					 " of kind %u", c->p->pid, vpn, pfn, f->kind);
		return;
	}
	c->maps[pfn]++;
}

/* A file's large folios are whole: naturally aligned runs of 2^order
 * cached pages that all carry the order, no larger than cache.folio_max
 * allows; an uncached page has order 0. */
static char *check_folios(const vm_machine_t *m, const vm_file_t *f)
{
	uint64_t key, next = 0;
	vm_fchunk_t *c;
	vm_xa_for_each_from(&f->pages, key, c, 0) {
		for (unsigned s = 0; s < VM_FILE_CHUNK; s++) {
			uint64_t i = (key << VM_FILE_CHUNK_SHIFT) | s;
			unsigned o = c->forder[s];
			uint64_t n = (uint64_t)1 << o;
			if (!o || i < next)
				continue;   /* a page alone, or inside a checked folio */
			/* shmem's huge folios are a huge page's order (shmem.c) */
			if (o > (f->shmem ? m->hpage_order : m->folio_order) || i % n)
				return g_strdup_printf("file %u: page %" G_GUINT64_FORMAT
						       " starts a folio of order %u (largest %u)",
						       f->id, i, o, m->folio_order);
			for (uint64_t k = i; k < i + n; k++)
				if (vm_file_folio_order(f, k) != o ||
				    vm_file_pfn(f, k) == VM_NIL)
					return g_strdup_printf("file %u: folio %" G_GUINT64_FORMAT
							       "+%" G_GUINT64_FORMAT " is not whole at "
							       "page %" G_GUINT64_FORMAT, f->id, i, n, k);
			next = i + n;
		}
	}
	return NULL;
}

/* Memory cgroups: each one's charged frames of each kind, the pages on its
 * lists (every listed frame on the lists of its own cgroup) and its swap
 * entries, recounted. */
static char *check_memcg(vm_machine_t *m)
{
	const vm_frames_t *fr = &m->frames;
	uint32_t n = m->nr_memcg + 1;
	uint32_t (*kinds)[VM_FRAME_NR_KINDS] = g_malloc0_n(n, sizeof *kinds);
	uint32_t *listed = g_new0(uint32_t, n);
	uint64_t *swap = g_new0(uint64_t, n);
	char *err = NULL;
	for (uint32_t pfn = 0; pfn < fr->nr; pfn++) {
		const vm_frame_t *f = &fr->f[pfn];
		if (f->memcg >= n) {
			err = g_strdup_printf("frame %u: charged to cgroup %u, which does "
					      "not exist", pfn, f->memcg);
			break;
		}
		if (f->kind == VM_FRAME_FREE && f->memcg) {
			err = g_strdup_printf("frame %u: free but charged", pfn);
			break;
		}
		kinds[f->memcg][f->kind]++;
		listed[f->memcg] += f->list != VM_RECLAIM_NONE &&
				    f->list != VM_RECLAIM_ASIDE;
	}
	for (uint32_t s = 0; !err && m->swap_memcg && s < m->swap_hwm; s++)
		swap[m->swap_memcg[s]]++;
	for (uint32_t id = 1; !err && id < n; id++) {
		const vm_memcg_t *cg = m->memcg[id];
		for (int k = VM_FRAME_ANON; !err && k < VM_FRAME_NR_KINDS; k++)
			if (kinds[id][k] != fr->cg_nr[id][k])
				err = g_strdup_printf("cgroup %s: %u frames of kind %d "
						      "charged, counted %u", cg->name,
						      kinds[id][k], k, fr->cg_nr[id][k]);
		if (!err && cg->lruvec && listed[id] != vm_reclaim_nr(cg->lruvec))
			err = g_strdup_printf("cgroup %s: %u of its frames listed, its "
					      "lists hold %u", cg->name, listed[id],
					      vm_reclaim_nr(cg->lruvec));
		if (!err && swap[id] != cg->swap)
			err = g_strdup_printf("cgroup %s: %" G_GUINT64_FORMAT " swap "
					      "entries charged, counted %" G_GUINT64_FORMAT,
					      cg->name, swap[id], cg->swap);
	}
	if (!err && m->reclaim && listed[0] != vm_reclaim_nr(m->reclaim))
		err = g_strdup_printf("%u uncharged frames listed, the machine's "
				      "lists hold %u", listed[0], vm_reclaim_nr(m->reclaim));
	g_free(kinds);
	g_free(listed);
	g_free(swap);
	return err;
}

/*
 * Several CPUs (smp.h): what the shootdown protocol promises.  A CPU whose
 * ASID for an mm is up to date with the mm's tlb_gen holds only entries
 * that agree with the page table (the frame, and no permission the PTE
 * lacks); one that is behind may hold stale ones, which its next switch to
 * the mm flushes.  No CPU holds an entry of an ended process, and a CPU
 * with an mm loaded has its bit in the mm's cpumask.
 */
static char *check_tlb_entries(vm_machine_t *m, unsigned c, const vm_tlb_t *t,
				gboolean huge_only)
{
	const vm_cpu_t *cpu = &m->smp->cpu[c];
	unsigned n = t->nr_sets * t->ways;
	for (unsigned i = 0; i < n; i++) {
		const vm_tlb_entry_t *e = &t->entries[i];
		if (!e->valid)
			continue;
		vm_proc_t *p = vm_proc_lookup(m, e->asid);
		if (!p || p->leader || p->state != VM_PROC_RUNNING)
			return g_strdup_printf("CPU %u: a TLB entry of pid %u, which has "
					       "no running mm", c, e->asid);
		const vm_asid_t *a = NULL;
		for (unsigned k = 0; k < VM_SMP_NR_ASIDS; k++)
			if (cpu->asid[k].mm == e->asid)
				a = &cpu->asid[k];
		if (!a)
			return g_strdup_printf("CPU %u: TLB entries of pid %u, whose ASID "
					       "slot was taken by another mm", c, e->asid);
		if (a->tlb_gen < p->tlb_gen)
			continue;   /* stale allowed: flushed at the next switch */
		/* a 2 MiB entry (the 2 MiB L1's, or tagged in the L2) must
		 * match a PMD leaf; a 4 KiB one a PTE */
		gboolean huge = huge_only || (e->vpn & VM_TLB_HUGE_TAG);
		uint64_t vpn = huge ? (e->vpn & ~VM_TLB_HUGE_TAG) << m->hpage_order
				    : e->vpn;
		uint64_t *slot = NULL;
		if (vpn < m->pt.vpn_limit) {
			slot = huge ? vm_pt_pmd_lookup(&m->pt, p->root, vpn)
				    : vm_pt_lookup(&m->pt, p->root, vpn);
			if (slot && huge && !(*slot & VM_PTE_HUGE))
				slot = NULL;
		}
		uint64_t pte = slot ? *slot : 0;
		uint8_t perm = (uint8_t)((pte & VM_PTE_PERM) >> 1);
		if (!(pte & VM_PTE_P) || VM_PTE_PFN(pte) != e->pfn ||
		    (e->perm & ~perm))
			return g_strdup_printf("CPU %u: a %s TLB entry of pid %u for page 0x%"
					       G_GINT64_MODIFIER "x (frame %" G_GUINT64_FORMAT
					       ") that the page table no longer has, and no "
					       "flush pending (a missed shootdown)", c,
					       huge ? "2 MiB" : "4 KiB", e->asid, vpn, e->pfn);
	}
	return NULL;
}

static char *check_smp(vm_machine_t *m)
{
	for (unsigned c = 0; c < m->smp->nr_cpus; c++) {
		const vm_cpu_t *cpu = &m->smp->cpu[c];
		if (cpu->loaded_mm) {
			vm_proc_t *p = vm_proc_lookup(m, cpu->loaded_mm);
			if (!p || !(p->cpumask & (1ull << c)))
				return g_strdup_printf("CPU %u has pid %u's mm loaded but is "
						       "not in its cpumask", c, cpu->loaded_mm);
		}
		char *bad = check_tlb_entries(m, c, cpu->l1, FALSE);
		if (!bad && cpu->l2)
			bad = check_tlb_entries(m, c, cpu->l2, FALSE);
		if (!bad && cpu->l1_2m)
			bad = check_tlb_entries(m, c, cpu->l1_2m, TRUE);
		if (bad)
			return bad;
	}
	return NULL;
}

char *vm_check_machine(vm_machine_t *m)
{
	vm_frames_t *fr = &m->frames;
	check_ctx_t c = { .m = m, .maps = g_new0(uint32_t, fr->nr),
			  .swaps = g_new0(uint32_t, m->swap_hwm + 1) };
	uint64_t tables = 0;
	for (uint32_t i = 0; i < m->nr_procs && !c.err; i++) {
		vm_proc_t *p = m->procs[i];
		if (p->state != VM_PROC_RUNNING)
			continue;
		c.p = p;
		c.anon = c.file = c.swap = c.huge = c.file_pmd = c.shmem_pmd = 0;
		vm_pt_for_each_huge(&m->pt, p->root, 0, UINT64_MAX, check_leaf,
				    check_huge, &c);
		if (c.err)
			break;
		if (c.huge != p->anon_huge)
			c.err = g_strdup_printf("pid %u: anon_huge=%" G_GUINT64_FORMAT
						" but PMD leaves map %" G_GUINT64_FORMAT " pages",
						p->pid, p->anon_huge, c.huge);
		if (!c.err && (c.file_pmd != p->file_pmd || c.shmem_pmd != p->shmem_pmd))
			c.err = g_strdup_printf("pid %u: file_pmd=%" G_GUINT64_FORMAT
						" shmem_pmd=%" G_GUINT64_FORMAT " but PMD leaves "
						"map %" G_GUINT64_FORMAT " file and %"
						G_GUINT64_FORMAT " shmem pages", p->pid,
						p->file_pmd, p->shmem_pmd, c.file_pmd, c.shmem_pmd);
		if (!c.err && (c.anon != p->rss_anon || c.file != p->rss_file))
			c.err = g_strdup_printf("pid %u: rss_anon=%" G_GUINT64_FORMAT
						" rss_file=%" G_GUINT64_FORMAT
						" but the page table maps %" G_GUINT64_FORMAT
						" anonymous and %" G_GUINT64_FORMAT " file pages",
						p->pid, p->rss_anon, p->rss_file, c.anon, c.file);
		if (!c.err && c.swap != p->swap_pages)
			c.err = g_strdup_printf("pid %u: swap_pages=%" G_GUINT64_FORMAT
						" but %" G_GUINT64_FORMAT " swap entries",
						p->pid, p->swap_pages, c.swap);
		unsigned n = vm_pt_count_tree(&m->pt, p->root);
		if (!c.err && n != p->pt_pages)
			c.err = g_strdup_printf("pid %u: pt_pages=%" G_GUINT64_FORMAT
						" but %u tables are reachable",
						p->pid, p->pt_pages, n);
		tables += n;
	}
	/* the walk's cache (pagetable.h, vm_pt_walk_cached) names the PMD
	 * table a full walk reaches, from a live top-level table */
	const vm_pagetables_t *pt = &m->pt;
	if (!c.err && pt->wc_root != VM_NIL &&
	    (pt->wc_root >= pt->nr_tables || !pt->tables[pt->wc_root].e ||
	     pt->tables[pt->wc_root].level != 0 ||
	     vm_pt_pmd_table(pt, pt->wc_root, pt->wc_tag << pt->wc_shift) !=
	     pt->wc_pmd))
		c.err = g_strdup_printf("the page-table walk's cache names table %u "
					"under root %u for vpn 0x%" G_GINT64_MODIFIER
					"x, which a walk does not reach", pt->wc_pmd,
					pt->wc_root, pt->wc_tag << pt->wc_shift);
	if (!c.err && tables != m->c.pt_pages)
		c.err = g_strdup_printf("pt_pages=%" G_GUINT64_FORMAT " but processes hold %"
					G_GUINT64_FORMAT " tables", m->c.pt_pages, tables);
	if (!c.err && m->cfg.mmu_pt_frames &&
	    fr->nr_kind[VM_FRAME_PT] != m->c.pt_pages)
		c.err = g_strdup_printf("%u page-table frames for %" G_GUINT64_FORMAT
					" page-table pages",
					fr->nr_kind[VM_FRAME_PT], m->c.pt_pages);
	uint32_t free_len = 0, sum = 0;
	for (uint32_t pfn = fr->free_head; !c.err && pfn != VM_NIL;
	     pfn = vm_frames_next(fr, pfn)) {
		if (fr->f[pfn].kind != VM_FRAME_FREE || ++free_len > fr->nr)
			c.err = g_strdup_printf("free list is corrupt at frame %u", pfn);
	}
	if (!c.err && free_len != fr->nr_free)
		c.err = g_strdup_printf("free list holds %u frames, nr_free is %u",
					free_len, fr->nr_free);
	for (int k = 0; k < VM_FRAME_NR_KINDS; k++)
		sum += fr->nr_kind[k];
	for (uint32_t b = 0, whole = 0; !c.err && fr->block_free && b <= fr->nr_blocks; b++) {
		if (b == fr->nr_blocks) {
			if (whole != fr->nr_free_blocks)
				c.err = g_strdup_printf("nr_free_blocks=%u but %u blocks are free",
							fr->nr_free_blocks, whole);
			break;
		}
		uint32_t n = 1u << fr->block_order, free = 0;
		for (uint32_t i = 0; i < n; i++)
			free += fr->f[(b << fr->block_order) + i].kind == VM_FRAME_FREE;
		whole += free == n;
		if (free != fr->block_free[b])
			c.err = g_strdup_printf("block %u: %u frames free, counted %u",
						b, free, fr->block_free[b]);
	}
	if (!c.err && (sum != fr->nr || fr->nr_kind[VM_FRAME_FREE] != fr->nr_free))
		c.err = g_strdup_printf("frame kinds add up to %u of %u frames",
					sum, fr->nr);
	for (uint32_t pfn = 0; !c.err && pfn < fr->nr; pfn++) {
		vm_frame_t *f = &fr->f[pfn];
		if ((f->kind == VM_FRAME_ANON || f->kind == VM_FRAME_FILE) &&
		    f->mapcount != c.maps[pfn])
			c.err = g_strdup_printf("frame %u: mapcount %u but %u PTEs map it",
						pfn, f->mapcount, c.maps[pfn]);
		if (!c.err && m->reclaim && !vm_reclaim_quiet_ok(m->reclaim, pfn))
			c.err = g_strdup_printf("frame %u is marked quiet (an access changes "
						"nothing) but its flags 0x%x say otherwise",
						pfn, f->flags);
		uint32_t slot = m->frame_slot[pfn];
		/* an anonymous page nobody maps is a leak, unless the swap
		 * cache keeps it for the entries that point at its slot (or
		 * it was read ahead for them) */
		if (!c.err && f->kind == VM_FRAME_ANON && f->mapcount == 0 &&
		    slot == VM_NIL)
			c.err = g_strdup_printf("frame %u: anonymous page mapped by nobody", pfn);
		if (!c.err && slot != VM_NIL &&
		    (f->kind != VM_FRAME_ANON || slot >= m->swap_hwm ||
		     m->swap_cache[slot] != pfn))
			c.err = g_strdup_printf("frame %u: swap-cache slot %u does not point back",
						pfn, slot);
		if (!c.err && slot != VM_NIL && (f->flags & VM_FRAME_DIRTY))
			c.err = g_strdup_printf("frame %u: dirty page in the swap cache", pfn);
		if (!c.err && slot != VM_NIL && f->mapcount == 0 && !m->swap_map[slot])
			c.err = g_strdup_printf("frame %u: cached for slot %u that nobody needs",
						pfn, slot);
	}
	uint32_t used = 0, cached = 0;
	/* slots past swap_hwm were never handed out: nothing to check */
	for (uint32_t s = 0; !c.err && s < m->swap_hwm; s++) {
		if (m->swap_map[s] != c.swaps[s])
			c.err = g_strdup_printf("swap slot %u: count %u but %u entries",
						s, m->swap_map[s], c.swaps[s]);
		uint32_t pfn = m->swap_cache[s];
		if (!c.err && pfn != VM_NIL &&
		    (pfn >= fr->nr || m->frame_slot[pfn] != s))
			c.err = g_strdup_printf("swap slot %u: cached frame %u does not point back",
						s, pfn);
		cached += pfn != VM_NIL;
		used += m->swap_map[s] != 0 || pfn != VM_NIL;
	}
	if (!c.err && cached != m->nr_swapcache)
		c.err = g_strdup_printf("nr_swapcache=%u but %u slots are cached",
					m->nr_swapcache, cached);
	if (!c.err && used != m->swap_used)
		c.err = g_strdup_printf("swap_used=%u but %u slots are in use",
					m->swap_used, used);
	/* the dirty page-cache pages, the machine's and each cgroup's
	 * (file_dirty), in one pass over the frames */
	uint64_t dirty = 0;
	uint64_t *cg_dirty = g_new0(uint64_t, m->nr_memcg + 1);
	for (uint32_t pfn = 0; pfn < fr->nr; pfn++)
		if (fr->f[pfn].kind == VM_FRAME_FILE &&
		    (fr->f[pfn].flags & VM_FRAME_DIRTY)) {
			dirty++;
			if (fr->f[pfn].memcg <= m->nr_memcg)
				cg_dirty[fr->f[pfn].memcg]++;
		}
	if (!c.err && dirty != m->nr_dirty)
		c.err = g_strdup_printf("%" G_GUINT64_FORMAT " dirty file pages, nr_dirty=%"
					G_GUINT64_FORMAT, dirty, m->nr_dirty);
	for (uint32_t id = 1; !c.err && id <= m->nr_memcg; id++)
		if (cg_dirty[id] != m->memcg[id]->nr_dirty)
			c.err = g_strdup_printf("cgroup %s: %" G_GUINT64_FORMAT
						" dirty file pages, nr_dirty=%" G_GUINT64_FORMAT,
						m->memcg[id]->name, cg_dirty[id],
						m->memcg[id]->nr_dirty);
	g_free(cg_dirty);
	for (uint32_t pfn = 0; !c.err && m->reclaim && pfn < fr->nr; pfn++)
		if (fr->f[pfn].kind == VM_FRAME_ANON &&
		    fr->f[pfn].list == VM_RECLAIM_NONE)
			c.err = g_strdup_printf("frame %u: anonymous page on no reclaim list", pfn);
	for (guint k = 0; !c.err && k < m->files->len; k++)
		c.err = check_folios(m, g_ptr_array_index(m->files, k));
	if (!c.err && m->nr_memcg)
		c.err = check_memcg(m);
	g_free(c.maps);
	g_free(c.swaps);
	if (!c.err && m->smp)
		c.err = check_smp(m);
	return c.err;
}
