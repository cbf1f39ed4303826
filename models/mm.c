/*
 * Address spaces: the VMAs of a process and the memory system calls that
 * change them (mmap with MAP_FIXED, munmap, mprotect, madvise).
 *
 * A process's VMAs are a sorted array of non-overlapping [start, end) page
 * ranges.  Every call first splits VMAs at the range's two ends (as Linux's
 * split_vma), then works on whole VMAs, then merges neighbours that became
 * identical again (vma_merge), so the UI shows the same mappings Linux's
 * /proc/PID/maps would.  Lookups are a binary search with a one-entry hint,
 * because consecutive faults nearly always hit the same VMA.
 *
 * mremap moves page-table entries, as Linux's move_page_tables; an
 * anonymous page's index is its mapping's anonymous page offset, which a
 * move keeps (Linux's vm_pgoff), so the reverse map finds a moved page by
 * the mappings (vm_mm_anon_pte), in every process that shares it.
 *
 * Left out: guard gaps, stack growth, brk, VMA locking.
 */
#include "models/memcg.h"
#include <string.h>
#include "models/mm.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"
#include "models/swap.h"
#include "models/mmu.h"
#include "models/huge_memory.h"
#include "models/smp.h"
#include "models/khugepaged.h"

vm_vma_t *vm_mm_find_vma(vm_proc_t *p, uint64_t vpn)
{
	if (p->vma_hint < p->nr_vma) {
		vm_vma_t *v = &p->vma[p->vma_hint];
		if (vpn >= v->start && vpn < v->end)
			return v;
	}
	uint32_t lo = 0, hi = p->nr_vma;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		vm_vma_t *v = &p->vma[mid];
		if (vpn < v->start)
			hi = mid;
		else if (vpn >= v->end)
			lo = mid + 1;
		else {
			p->vma_hint = mid;
			return v;
		}
	}
	return NULL;
}

uint64_t vm_mm_anon_index(vm_proc_t *p, uint64_t vpn)
{
	if (G_LIKELY(!p->anon_moved))
		return vpn;
	const vm_vma_t *v = vm_mm_find_vma(p, vpn);
	return v ? vm_vma_anon_index(v, vpn) : vpn;
}

/* Where VMA @v would map the anonymous page of index @index, if its
 * anonymous range holds it. */
static gboolean anon_addr(const vm_vma_t *v, uint64_t index, uint64_t *a)
{
	if (index < v->anon_pgoff || index - v->anon_pgoff >= v->end - v->start)
		return FALSE;
	*a = v->start + (index - v->anon_pgoff);
	return TRUE;
}

uint64_t *vm_mm_anon_pte(vm_machine_t *m, vm_proc_t *q, uint64_t index,
			 uint32_t pfn, uint64_t *vpn)
{
	if (G_LIKELY(!q->anon_moved)) {
		if (index >= m->pt.vpn_limit)
			return NULL;
		uint64_t *pte = vm_pt_lookup(&m->pt, q->root, index);
		if (!pte || !(*pte & VM_PTE_P) || VM_PTE_PFN(*pte) != pfn)
			return NULL;
		*vpn = index;
		return pte;
	}
	/* the mappings whose anonymous range holds @index: after a move
	 * more than one may (the moved one, and one mapped since where it
	 * was), and the PTE tells which maps the page */
	for (uint32_t i = 0; i < q->nr_vma; i++) {
		uint64_t a;
		if (!anon_addr(&q->vma[i], index, &a))
			continue;
		uint64_t *pte = vm_pt_lookup(&m->pt, q->root, a);
		if (pte && (*pte & VM_PTE_P) && VM_PTE_PFN(*pte) == pfn) {
			*vpn = a;
			return pte;
		}
	}
	return NULL;
}

/* Whether the PMD of @q at @a is a leaf that maps frame @pfn. */
static gboolean pmd_maps(vm_machine_t *m, vm_proc_t *q, uint64_t a, uint32_t pfn)
{
	uint64_t n = vm_huge_nr(m);
	if (a >= m->pt.vpn_limit)
		return FALSE;
	uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, q->root, a);
	return pmd && (*pmd & VM_PTE_HUGE) && VM_PTE_PFN(*pmd) != VM_PFN_ZERO &&
	       pfn >= VM_PTE_PFN(*pmd) && pfn < VM_PTE_PFN(*pmd) + n;
}

gboolean vm_mm_anon_pmd(vm_machine_t *m, vm_proc_t *q, uint64_t index,
			uint32_t pfn, uint64_t *vpn)
{
	if (G_LIKELY(!q->anon_moved)) {
		*vpn = index;
		return pmd_maps(m, q, index, pfn);
	}
	for (uint32_t i = 0; i < q->nr_vma; i++) {
		uint64_t a;
		if (anon_addr(&q->vma[i], index, &a) && pmd_maps(m, q, a, pfn)) {
			*vpn = a;
			return TRUE;
		}
	}
	return FALSE;
}

/* Index of the first VMA whose end is above @vpn. */
static uint32_t first_above(const vm_proc_t *p, uint64_t vpn)
{
	uint32_t lo = 0, hi = p->nr_vma;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (p->vma[mid].end <= vpn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void vma_insert_at(vm_proc_t *p, uint32_t i, const vm_vma_t *v)
{
	if (p->nr_vma == p->cap_vma) {
		p->cap_vma = p->cap_vma ? p->cap_vma * 2 : 8;
		p->vma = g_renew(vm_vma_t, p->vma, p->cap_vma);
	}
	if (p->nr_vma > i)
		memmove(&p->vma[i + 1], &p->vma[i], (p->nr_vma - i) * sizeof *v);
	p->vma[i] = *v;
	p->nr_vma++;
}

static void vma_remove_range(vm_proc_t *p, uint32_t i, uint32_t n)
{
	if (n && p->nr_vma > i + n)   /* memmove with a NULL array is UB */
		memmove(&p->vma[i], &p->vma[i + n],
			(p->nr_vma - i - n) * sizeof(vm_vma_t));
	p->nr_vma -= n;
}

/* Split the VMA that strictly contains @vpn, if any, at @vpn. */
static void split_at(vm_proc_t *p, uint64_t vpn)
{
	uint32_t i = first_above(p, vpn);
	if (i == p->nr_vma)
		return;
	vm_vma_t *v = &p->vma[i];
	if (vpn <= v->start)
		return;
	vm_vma_t tail = *v;
	tail.start = vpn;
	if (tail.file >= 0)
		tail.pgoff += vpn - v->start;
	tail.anon_pgoff += vpn - v->start;
	v->end = vpn;
	vma_insert_at(p, i + 1, &tail);
}

/* Split at both ends; returns [*first, *last) the VMAs inside the range. */
static void carve(vm_proc_t *p, uint64_t start, uint64_t end, uint32_t *first,
		  uint32_t *last)
{
	split_at(p, start);
	split_at(p, end);
	*first = first_above(p, start);
	uint32_t i = *first;
	while (i < p->nr_vma && p->vma[i].start < end)
		i++;
	*last = i;
	p->vma_hint = 0;
}

static gboolean mergeable(const vm_vma_t *a, const vm_vma_t *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags && a->file == b->file &&
	       a->advice == b->advice &&
	       (a->file < 0 || a->pgoff + (a->end - a->start) == b->pgoff) &&
	       a->anon_pgoff + (a->end - a->start) == b->anon_pgoff;
}

static void merge_around(vm_proc_t *p, uint32_t from, uint32_t to)
{
	uint32_t i = from ? from - 1 : 0;
	uint32_t stop = to + 1 < p->nr_vma ? to + 1 : p->nr_vma;
	while (i + 1 < stop && i + 1 < p->nr_vma) {
		if (mergeable(&p->vma[i], &p->vma[i + 1])) {
			p->vma[i].end = p->vma[i + 1].end;
			vma_remove_range(p, i + 1, 1);
			stop--;
		} else {
			i++;
		}
	}
	p->vma_hint = 0;
}

typedef struct {
	vm_machine_t *m;
	vm_proc_t *p;
	uint32_t prot;
	uint64_t n;        /* pages zapped (a huge page counts 512) */
	gboolean any;      /* an entry was present: [lo, hi] is set */
	gboolean ptes, pmds;   /* the span has PTEs, PMD leaves (mmu_gather's
				* cleared_ptes/cleared_pmds) */
	uint64_t lo, hi;   /* the first and last page whose entry was present
			    * (mmu_gather's tlb->start and end) */
	uint64_t start, end;     /* the range (for PMD leaves it cuts) */
	unsigned tables;   /* page tables freed with it (tlb->freed_tables) */
} zap_ctx_t;

/* The walk goes up the addresses: the first span's start is the lowest. */
static inline void gather_span(zap_ctx_t *z, uint64_t lo, uint64_t hi)
{
	if (!z->any)
		z->lo = lo;
	z->any = TRUE;
	z->hi = hi;
}

static inline void gather(zap_ctx_t *z, uint64_t vpn)
{
	z->n++;
	z->ptes = TRUE;
	gather_span(z, vpn, vpn);
}

/* A PMD leaf at @vpn's huge page went or changed. */
static inline void gather_pmd(zap_ctx_t *z, uint64_t vpn)
{
	uint64_t nr = vm_huge_nr(z->m), hvpn = vpn & ~(nr - 1);
	z->pmds = TRUE;
	gather_span(z, hvpn, hvpn + nr - 1);
}

static void zap_leaf(void *vctx, uint64_t vpn, uint64_t *slot)
{
	zap_ctx_t *z = vctx;
	if (*slot & VM_PTE_P)
		gather(z, vpn);
	vm_mm_zap_pte(z->m, z->p, vpn, slot);
}

/*
 * The TLB flush after PTEs of [start, end) were cleared or changed.  With
 * one CPU, the whole range, as always.  With several, as tlb_finish_mmu
 * and change_protection do: only the span of the entries that were
 * present, and nothing when none was (no flush, no IPI); a span of PMD
 * leaves alone is flushed a huge page at a time (tlb_get_unmap_shift).
 */
static void flush_gathered(vm_machine_t *m, vm_proc_t *p, const zap_ctx_t *z,
			   uint64_t start, uint64_t end)
{
	if (G_LIKELY(m->smp == NULL))
		vm_mmu_tlb_invalidate(m, p, start, end - start);
	else if (z->tables)
		/* tables went too (tlb->freed_tables): the lazy CPUs are
		 * interrupted as well; the range is the call's, which the
		 * freed tables' addresses widen mmu_gather's to */
		vm_smp_flush_tlb_mm_range(m, p, start, end - start, 0, TRUE);
	else if (z->any && z->pmds && !z->ptes)
		vm_mmu_flush_pmd_range(m, p, z->lo, z->hi + 1 - z->lo);
	else if (z->any)
		vm_mmu_tlb_invalidate(m, p, z->lo, z->hi + 1 - z->lo);
}

/* A PMD leaf in the range: zap_huge_pmd when the range covers it, else
 * split it (the PTEs of the range are zapped next: __split_huge_pmd). */
static void zap_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	zap_ctx_t *z = vctx;
	if (!vm_huge_pmd_whole(z->m, z->p, vpn, slot, z->start, z->end))
		return;
	/* its span is gathered (the huge zero page's too: CPUs may hold
	 * its 2 MiB entry), and its pages count as zapped */
	gather_pmd(z, vpn);
	if (VM_PTE_PFN(*slot) != VM_PFN_ZERO)
		z->n += vm_huge_nr(z->m);
	vm_huge_zap_pmd(z->m, z->p, vpn, slot);
}

/* Clear the entries of [start, end) into @z (unmap_page_range), without
 * touching the VMAs or flushing. */
static void zap_gather(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		       uint64_t end, zap_ctx_t *z)
{
	*z = (zap_ctx_t){ .m = m, .p = p, .start = start, .end = end };
	vm_pt_for_each_huge(&m->pt, p->root, start, end, zap_leaf,
			    G_UNLIKELY(m->thp_seen) ? zap_huge : NULL, z);
}

/*
 * free_pgtables (mm/memory.c) for the VMAs [first, last) being unmapped,
 * when mmu.free_tables asks for it: the tables that map nothing else go.
 * The floor and the ceiling are the mappings left around them.  VMAs
 * within a PMD's span of each other go down in one call, as Linux gathers
 * them, whose ceiling is the next one's start: a table in a wider hole
 * between two of them is not looked at.
 */
static unsigned free_pgtables(vm_machine_t *m, vm_proc_t *p, uint32_t first,
			      uint32_t last)
{
	if (m->pt.levels < 2)
		return 0;   /* no table below the top one */
	uint64_t floor = first ? p->vma[first - 1].end : 0;
	uint64_t ceiling = last < p->nr_vma ? p->vma[last].start
					    : m->pt.vpn_limit;
	uint64_t pmd_span = vm_pt_pmd_span(&m->pt);
	unsigned n = 0;
	for (uint32_t i = first; i < last;) {
		uint32_t j = i;
		while (j + 1 < last &&
		       p->vma[j + 1].start <= p->vma[j].end + pmd_span)
			j++;
		uint64_t next = j + 1 < last ? p->vma[j + 1].start : ceiling;
		n += vm_pt_free_range(&m->pt, p->root, p->vma[i].start,
				      p->vma[j].end, floor, next);
		i = j + 1;
	}
	vm_proc_uncount_tables(m, p, n);
	return n;
}

void vm_mm_munmap(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		  uint64_t npages)
{
	uint64_t end = start + npages;
	uint32_t first, last;
	carve(p, start, end, &first, &last);
	if (first < last) {
		/* unmap_region: the entries, then the tables, then one flush
		 * (tlb_finish_mmu) */
		zap_ctx_t z;
		zap_gather(m, p, start, end, &z);
		if (m->free_tables != VM_FREE_TABLES_EXIT)
			z.tables = free_pgtables(m, p, first, last);
		flush_gathered(m, p, &z, start, end);
	}
	/* munmap does not write back; a file it was the last user of goes
	 * (every one: an exit unmaps all its VMAs at once) */
	int32_t buf[8], *files = buf;
	if (last - first > G_N_ELEMENTS(buf))
		files = g_new(int32_t, last - first);
	unsigned nf = 0;
	for (uint32_t i = first; i < last; i++)
		if (p->vma[i].file >= 0)
			files[nf++] = p->vma[i].file;
	vma_remove_range(p, first, last - first);
	for (unsigned i = 0; i < nf; i++)
		vm_file_maybe_free(m, vm_file_get(m, files[i]));
	if (files != buf)
		g_free(files);
}

void vm_mm_mmap(vm_machine_t *m, vm_proc_t *p, uint64_t start, uint64_t npages,
		uint32_t prot, uint32_t flags, int32_t file, uint64_t pgoff)
{
	vm_mm_munmap(m, p, start, npages);   /* MAP_FIXED */
	vm_vma_t v = {
		.start = start, .end = start + npages, .prot = prot,
		.flags = flags, .file = file, .pgoff = file >= 0 ? pgoff : 0,
		.advice = VM_MADV_NORMAL, .anon_pgoff = start,
	};
	uint32_t i = first_above(p, start);
	vma_insert_at(p, i, &v);
	merge_around(p, i, i + 1);
}

/* The PTE bits a page may have in a VMA of @prot: the zero page and pages
 * shared copy-on-write never get W, so that a write faults. */
static uint64_t pte_bits_for(vm_machine_t *m, uint64_t pte, uint32_t prot)
{
	uint64_t bits = 0;
	if (prot & VM_PROT_R)
		bits |= VM_PTE_R;
	if (prot & VM_PROT_W)
		bits |= VM_PTE_W;
	if (prot & VM_PROT_X)
		bits |= VM_PTE_X;
	uint64_t pfn = VM_PTE_PFN(pte);
	if (pfn == VM_PFN_ZERO || m->frames.f[pfn].mapcount > 1 ||
	    !(pte & VM_PTE_D))
		bits &= ~(uint64_t)VM_PTE_W;
	return bits;
}

static void protect_leaf(void *vctx, uint64_t vpn, uint64_t *slot)
{
	zap_ctx_t *z = vctx;
	if (!(*slot & VM_PTE_P))
		return;
	gather(z, vpn);
	uint64_t keep = *slot & ~(uint64_t)VM_PTE_PERM;
	*slot = keep | pte_bits_for(z->m, *slot, z->prot);
}

/* change_huge_pmd, or a split when the range cuts the PMD leaf */
static void protect_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	zap_ctx_t *z = vctx;
	if (vm_huge_pmd_whole(z->m, z->p, vpn, slot, z->start, z->end)) {
		vm_huge_change_pmd(z->m, slot, z->prot);
		gather_pmd(z, vpn);
	}
}

void vm_mm_mprotect(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		    uint64_t npages, uint32_t prot)
{
	uint64_t end = start + npages;
	uint32_t first, last;
	carve(p, start, end, &first, &last);
	zap_ctx_t z = { .m = m, .p = p, .prot = prot };
	for (uint32_t i = first; i < last; i++) {
		vm_vma_t *v = &p->vma[i];
		v->prot = prot;
		z.start = v->start;
		z.end = v->end;
		vm_pt_for_each_huge(&m->pt, p->root, v->start, v->end, protect_leaf,
				    G_UNLIKELY(m->thp_seen) ? protect_huge : NULL, &z);
	}
	/* Linux flushes the range after changing PTEs (change_protection). */
	flush_gathered(m, p, &z, start, end);
	merge_around(p, first, last);
}

static gboolean willneed_cached(void *ctx, uint64_t index)
{
	return vm_filemap_find(ctx, index) != VM_NIL;
}

uint64_t vm_mm_madvise(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		       uint64_t npages, vm_madv_t advice)
{
	uint64_t end = start + npages, dropped = 0;
	uint32_t first, last;
	/* a VMA boundary inside a PMD leaf splits it (vma_adjust_trans_huge) */
	vm_huge_split_at(m, p, start);
	vm_huge_split_at(m, p, end);
	carve(p, start, end, &first, &last);
	for (uint32_t i = first; i < last; i++) {
		vm_vma_t *v = &p->vma[i];
		switch (advice) {
		case VM_MADV_NORMAL:
		case VM_MADV_RANDOM:
		case VM_MADV_SEQUENTIAL:
			v->advice = advice;   /* VM_RAND_READ / VM_SEQ_READ */
			break;
		case VM_MADV_WILLNEED:
			/* madvise_willneed: read the file range ahead (through
			 * the readahead policy); anonymous memory has nothing
			 * to read (no swap-in readahead yet) */
			if (v->file >= 0) {
				vm_file_t *f = vm_file_get(m, v->file);
				vm_ra_query_t q = { .cached = willneed_cached, .ctx = f,
						    .nr_pages = vm_file_pages(f, m->page_shift) };
				vm_ra_window_t w = vm_ra_willneed(&m->ra, &f->ra, &q,
								  v->pgoff, v->end - v->start);
				if (w.nr && !f->shmem)
					dropped += vm_filemap_readahead(m, f, w.start, w.nr);
			}
			break;
		case VM_MADV_HUGEPAGE:
			/* hugepage_madvise: VM_HUGEPAGE (anonymous private
			 * memory; Linux takes it on any VMA and ignores it
			 * where no huge page can go) */
			v->flags = (v->flags & ~(uint32_t)VM_VMA_NOHUGEPAGE) |
				   VM_VMA_HUGEPAGE;
			if (!(v->flags & VM_MAP_SHARED) && v->file < 0)
				vm_khugepaged_enter(m);
			break;
		case VM_MADV_NOHUGEPAGE:
			v->flags = (v->flags & ~(uint32_t)VM_VMA_HUGEPAGE) |
				   VM_VMA_NOHUGEPAGE;
			break;
		case VM_MADV_DONTNEED:
			/* zap_page_range: private anonymous pages are gone,
			 * the next touch sees zeros again */
		{
			zap_ctx_t z;
			zap_gather(m, p, v->start, v->end, &z);
			dropped += z.n;
			/* and, since Linux 6.14 (CONFIG_PT_RECLAIM), the
			 * leaf tables the zap emptied whole
			 * (zap_pte_range's reclaim_pt), before the flush */
			if (m->free_tables == VM_FREE_TABLES_PT_RECLAIM) {
				z.tables = vm_pt_reclaim_empty(&m->pt, p->root,
							       v->start, v->end);
				vm_proc_uncount_tables(m, p, z.tables);
			}
			flush_gathered(m, p, &z, v->start, v->end);
			break;
		}
		}
	}
	merge_around(p, first, last);
	return dropped;
}

void vm_mm_zap_pte(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			uint64_t *slot)
{
	uint64_t pte = *slot;
	if (pte & VM_PTE_SWAP) {
		vm_swap_put(m, (uint32_t)VM_PTE_PFN(pte));
		p->swap_pages--;
	} else if (pte & VM_PTE_P) {
		uint64_t pfn = VM_PTE_PFN(pte);
		if (pfn != VM_PFN_ZERO) {
			vm_frame_t *f = &m->frames.f[pfn];
			g_assert(f->mapcount > 0);
			f->mapcount--;
			if (f->kind == VM_FRAME_ANON) {
				p->rss_anon--;
				if (f->mapcount == 0)
					vm_swap_unmapped(m, (uint32_t)pfn);
			} else {
				p->rss_file--;
			}
		}
	}
	vm_pt_leaf_set(&m->pt, p->root, vpn, slot, 0);
}

/*
 * msync(MS_SYNC) (mm/msync.c): write back the dirty pages of every shared
 * file mapping in [@start, +@npages) and wait for them (vfs_fsync_range
 * of each file's part); returns when the last write completes, m->now
 * when there was none, and the pages written in *written.
 */
uint64_t vm_mm_msync(vm_machine_t *m, vm_proc_t *p, uint64_t start,
		     uint64_t npages, uint64_t *written)
{
	uint64_t first = start, end = start + npages;
	uint64_t ready = m->now;
	uint64_t out0 = m->disk->stats.pages_out;
	for (uint32_t i = 0; i < p->nr_vma; i++) {
		vm_vma_t *v = &p->vma[i];
		if (v->file < 0 || !(v->flags & VM_MAP_SHARED) ||
		    v->end <= first || v->start >= end)
			continue;
		uint64_t lo = MAX(first, v->start), hi = MIN(end, v->end);
		/* not inside MAX(): it evaluates its arguments twice */
		uint64_t done = vm_writeback_range(m, vm_file_get(m, v->file),
						   v->pgoff + (lo - v->start),
						   v->pgoff + (hi - v->start));
		ready = MAX(ready, done);
	}
	*written = m->disk->stats.pages_out - out0;
	return ready;
}

/*
 * Not a Linux call: Linux never lets user space choose a frame.  It stands
 * for the page table an exercise hands out ("translate these addresses",
 * as OSTEP's paging-multilevel-translate.py): the frame is taken off the
 * free list wherever it is, and the tables above the PTE come as a fault
 * would allocate them (the lowest free frames first at start), so the
 * answers are fixed by the trace.
 */
vm_mapf_rc_t vm_mm_map_frame(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			     uint32_t pfn, uint32_t prot, vm_result_t *res)
{
	vm_vma_t *v = vm_mm_find_vma(p, vpn);
	if (!v || v->file >= 0 || (v->flags & VM_MAP_SHARED))
		return VM_MAPF_NO_VMA;
	if (prot & ~v->prot)
		return VM_MAPF_PROT;
	uint64_t *old = vm_pt_lookup(&m->pt, p->root, vpn);
	uint64_t *pmd = m->thp_seen ? vm_pt_pmd_lookup(&m->pt, p->root, vpn) : NULL;
	if ((old && *old) || (pmd && (*pmd & VM_PTE_HUGE)))
		return VM_MAPF_MAPPED;
	if (pfn >= m->frames.nr || m->frames.f[pfn].kind != VM_FRAME_FREE)
		return VM_MAPF_BUSY;
	/* the page first, so that a table cannot take its frame */
	vm_frames_alloc_at(&m->frames, pfn, VM_FRAME_ANON, p->pid,
			   vm_vma_anon_index(v, vpn));
	unsigned nr_new = 0;
	uint64_t *slot = vm_pt_ensure(&m->pt, p->root, vpn, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	res->new_tables = (uint8_t)nr_new;
	if (!slot) {
		vm_frames_free(&m->frames, pfn);
		return VM_MAPF_NO_TABLE;
	}
	vm_frame_t *f = &m->frames.f[pfn];
	f->flags |= VM_FRAME_DIRTY;   /* anonymous: no copy anywhere else */
	f->mapcount = 1;
	p->rss_anon++;
	vm_reclaim_add(vm_memcg_lruvec(m, pfn), pfn);
	uint64_t perm = (prot & VM_PROT_R ? VM_PTE_R : 0) |
			(prot & VM_PROT_W ? VM_PTE_W : 0) |
			(prot & VM_PROT_X ? VM_PTE_X : 0);
	vm_pt_leaf_set(&m->pt, p->root, vpn, slot, VM_PTE_MAKE(pfn, VM_PTE_P | perm));
	res->pfn = pfn;
	res->pages = 1;
	return VM_MAPF_OK;
}

/* ---- mremap (mm/mremap.c) ------------------------------------------------ */

/* A PMD leaf's first page, into the GArray @vctx. */
static void scan_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	(void)slot;
	g_array_append_val((GArray *)vctx, vpn);
}

/* Move the entry of page @from of @p to page @to, whose slot is @dst
 * (empty): move_ptes.  An anonymous page keeps its index (the mapping
 * keeps its anonymous offset), so that the reverse map finds it here and
 * in the processes that share it since a fork, where it stays. */
static void move_pte(vm_machine_t *m, vm_proc_t *p, uint64_t from,
		     uint64_t *src, uint64_t to, uint64_t *dst)
{
	uint64_t pte = *src;
	vm_pt_leaf_set(&m->pt, p->root, from, src, 0);
	vm_pt_leaf_set(&m->pt, p->root, to, dst, pte);
}

/* One move made, to undo it: a page's entry, a PMD leaf's, or a PMD
 * entry linking a leaf table (move_normal_pmd). */
enum { MOVE_PTE, MOVE_PMD_LEAF, MOVE_TABLE };
typedef struct {
	uint64_t at;           /* its offset in the range */
	uint8_t kind;          /* MOVE_* */
} mremap_move_t;

/* Whether the @span pages at @from + @i move as one PMD entry to @to + @i:
 * both aligned to @span, and the range of @n pages holds them all
 * (get_extent's PMD_SIZE extent). */
static gboolean extent_movable(uint64_t span, uint64_t from, uint64_t to,
			       uint64_t i, uint64_t n)
{
	return span && !((from + i) & (span - 1)) && !((to + i) & (span - 1)) &&
	       n - i >= span;
}

/* The PMD leaf at @from + @i moves whole to @to + @i (move_huge_pmd). */
static gboolean pmd_movable(const vm_machine_t *m, uint64_t from, uint64_t to,
			    uint64_t i, uint64_t n)
{
	return extent_movable(vm_huge_nr(m), from, to, i, n);
}

/* What move_page_tables will move: the offsets in the range of its
 * entries, a PMD leaf's (its first page) marked. */
typedef struct {
	GArray *at;            /* mremap_move_t, in address order */
	uint64_t from;
} mremap_plan_t;

static void plan_leaf(void *vctx, uint64_t vpn, uint64_t *slot)
{
	mremap_plan_t *pl = vctx;
	(void)slot;
	g_array_append_val(pl->at, ((mremap_move_t){ vpn - pl->from, MOVE_PTE }));
}

static void plan_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	mremap_plan_t *pl = vctx;
	(void)slot;
	g_array_append_val(pl->at, ((mremap_move_t){ vpn - pl->from, MOVE_PMD_LEAF }));
}

/* The entry of page @from + @i moves to @to + @i: FALSE when no table
 * could be had for it.  Counts in *@moved and logs in @done. */
static gboolean move_one(vm_machine_t *m, vm_proc_t *p, uint64_t from,
			 uint64_t to, uint64_t i, GArray *done,
			 vm_mremap_moves_t *moved)
{
	unsigned nr_new = 0;
	uint64_t *dst = vm_pt_ensure(&m->pt, p->root, to + i, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	if (!dst || p->state != VM_PROC_RUNNING)
		return FALSE;
	/* looked up again: the allocation may have reclaimed the page (a
	 * swap entry now) or dropped it, or made the table anew */
	uint64_t *src = vm_pt_lookup(&m->pt, p->root, from + i);
	if (src && *src) {
		move_pte(m, p, from + i, src, to + i, dst);
		g_array_append_val(done, ((mremap_move_t){ i, MOVE_PTE }));
		moved->entries++;
	}
	return TRUE;
}

/*
 * move_normal_pmd: the leaf table under the PMD entry of @from + @b moves
 * whole to @to + @b, both aligned to a PMD's span and the range holding
 * all of it: one PMD entry written, not one entry a page.  Only when the
 * destination's PMD entry is none (free_pgtables released it; with
 * mmu.free_tables=exit an old empty table may still be there, and the
 * entries then move one at a time).  FALSE, and nothing done, when it
 * cannot (*@no_table: a table above the PMD could not be had).
 */
static gboolean move_table(vm_machine_t *m, vm_proc_t *p, uint64_t from,
			   uint64_t to, uint64_t b, GArray *done,
			   vm_mremap_moves_t *moved, gboolean *no_table)
{
	unsigned nr_new = 0;
	uint64_t *dpmd = vm_pt_pmd_ensure(&m->pt, p->root, to + b, p->pid, &nr_new);
	vm_proc_count_tables(m, p, nr_new);
	if (!dpmd || p->state != VM_PROC_RUNNING) {
		*no_table = TRUE;
		return FALSE;
	}
	uint64_t *spmd = vm_pt_pmd_lookup(&m->pt, p->root, from + b);
	if (*dpmd || !spmd || (*spmd & (VM_PTE_P | VM_PTE_HUGE)) != VM_PTE_P)
		return FALSE;
	uint64_t ent = *spmd;
	uint32_t nr = m->pt.tables[VM_PTE_PFN(ent)].nr_present;
	vm_pt_pmd_set(&m->pt, p->root, from + b, spmd, 0);
	vm_pt_pmd_set(&m->pt, p->root, to + b, dpmd, ent);
	g_array_append_val(done, ((mremap_move_t){ b, MOVE_TABLE }));
	moved->entries += nr;
	moved->table_entries += nr;
	moved->tables++;
	return TRUE;
}

/*
 * move_page_tables: the entries of [@from, +@n) of @p to [@to, +@n), the
 * tables they need allocated; *@moved counts the pages.  Only the entries
 * there are visited (a walk that skips absent tables plans them first),
 * so a move costs what the range holds, not its size.  A PMD leaf moves
 * whole when the destination's PMD entry is none (move_huge_pmd; the
 * caller split those the range or the alignment cuts), and entry by
 * entry after a split otherwise; a leaf table whose 2 MiB the range holds,
 * aligned at both ends, moves whole too (move_normal_pmd).  FALSE when a table's frame could not be
 * had, or the OOM killer took @p meanwhile: what had moved is moved back
 * (Linux's move_vma does the same), unless @p is gone.
 */
static gboolean move_page_tables(vm_machine_t *m, vm_proc_t *p, uint64_t from,
				 uint64_t to, uint64_t n, vm_mremap_moves_t *moved)
{
	mremap_plan_t pl = { g_array_new(FALSE, FALSE, sizeof(mremap_move_t)), from };
	vm_pt_for_each_huge(&m->pt, p->root, from, from + n, plan_leaf,
			    G_UNLIKELY(m->thp_seen) ? plan_huge : NULL, &pl);
	GArray *done = g_array_new(FALSE, FALSE, sizeof(mremap_move_t));
	/* the pages one PMD entry maps (a leaf table's, or a huge page's) */
	uint64_t nr = vm_pt_pmd_span(&m->pt);
	uint64_t table_end = 0;   /* the plan's entries below it moved whole */
	gboolean ok = TRUE;
	for (guint k = 0; ok && k < pl.at->len; k++) {
		mremap_move_t mv = g_array_index(pl.at, mremap_move_t, k);
		if (mv.kind == MOVE_PTE && mv.at < table_end)
			continue;   /* its table moved */
		if (mv.kind == MOVE_PTE) {
			/* the first page of its PMD entry's span, when the
			 * range starts at or before it */
			uint64_t head = nr ? (from + mv.at) & ~(nr - 1) : 0;
			uint64_t b = head - from;
			gboolean no_table = FALSE;
			if (head >= from && extent_movable(nr, from, to, b, n) &&
			    move_table(m, p, from, to, b, done, moved, &no_table)) {
				table_end = b + nr;
				continue;
			}
			if (no_table) {
				ok = FALSE;
				break;
			}
			ok = move_one(m, p, from, to, mv.at, done, moved);
			continue;
		}
		unsigned nr_new = 0;
		uint64_t *dpmd = vm_pt_pmd_ensure(&m->pt, p->root, to + mv.at,
						  p->pid, &nr_new);
		vm_proc_count_tables(m, p, nr_new);
		if (!dpmd || p->state != VM_PROC_RUNNING) {
			ok = FALSE;
			break;
		}
		/* again: the allocation's reclaim may have split it */
		uint64_t *spmd = vm_pt_pmd_lookup(&m->pt, p->root, from + mv.at);
		if (spmd && (*spmd & VM_PTE_HUGE) && !*dpmd) {
			vm_huge_move_pmd(m, p, from + mv.at, to + mv.at);
			g_array_append_val(done, mv);
			moved->entries += nr;
			continue;
		}
		/* a table is there already (or it was split): entry by entry */
		if (spmd && (*spmd & VM_PTE_HUGE))
			vm_huge_split_pmd(m, p, from + mv.at, spmd);
		for (uint64_t j = 0; ok && j < nr; j++) {
			uint64_t *src = vm_pt_lookup(&m->pt, p->root, from + mv.at + j);
			if (src && *src)
				ok = move_one(m, p, from, to, mv.at + j, done, moved);
		}
	}
	g_array_free(pl.at, TRUE);
	if (p->state != VM_PROC_RUNNING) {
		g_array_free(done, TRUE);
		return FALSE;   /* killed: its tables are gone */
	}
	/* on failure, back, last first, into tables that are all there */
	for (guint k = done->len; !ok && k-- > 0;) {
		const mremap_move_t *mv = &g_array_index(done, mremap_move_t, k);
		if (mv->kind == MOVE_PMD_LEAF) {
			vm_huge_move_pmd(m, p, to + mv->at, from + mv->at);
			continue;
		}
		if (mv->kind == MOVE_TABLE) {
			/* the source's PMD table is still there: the source
			 * range is mapped, so nothing freed it */
			uint64_t *d = vm_pt_pmd_lookup(&m->pt, p->root, to + mv->at);
			uint64_t *s = vm_pt_pmd_lookup(&m->pt, p->root, from + mv->at);
			uint64_t ent = *d;
			vm_pt_pmd_set(&m->pt, p->root, to + mv->at, d, 0);
			vm_pt_pmd_set(&m->pt, p->root, from + mv->at, s, ent);
			continue;
		}
		uint64_t *src = vm_pt_lookup(&m->pt, p->root, to + mv->at);
		if (src && *src)
			move_pte(m, p, to + mv->at, src, from + mv->at,
				 vm_pt_lookup(&m->pt, p->root, from + mv->at));
	}
	if (!ok)
		*moved = (vm_mremap_moves_t){ 0 };
	g_array_free(done, TRUE);
	return ok;
}

vm_mremap_rc_t vm_mm_mremap(vm_machine_t *m, vm_proc_t *p, uint64_t start,
			    uint64_t old_n, uint64_t new_n, uint64_t to,
			    vm_mremap_moves_t *moved)
{
	*moved = (vm_mremap_moves_t){ 0 };
	if (to == start) {
		if (new_n <= old_n) {
			/* shrinking: the tail goes, whatever it holds */
			if (new_n < old_n)
				vm_mm_munmap(m, p, start + new_n, old_n - new_n);
			return VM_MREMAP_OK;
		}
		/* growing in place (vma_expandable): the range must end its
		 * mapping, and nothing be mapped after it */
		vm_vma_t *v = vm_mm_find_vma(p, start);
		if (!v || start + old_n > v->end)
			return VM_MREMAP_EFAULT;
		uint32_t i = (uint32_t)(v - p->vma);
		if (start + old_n != v->end ||
		    start + new_n > m->pt.vpn_limit ||
		    (i + 1 < p->nr_vma && p->vma[i + 1].start < start + new_n))
			return VM_MREMAP_ENOMEM;
		v->end = start + new_n;
		merge_around(p, i, i + 1);
		return VM_MREMAP_OK;
	}
	/* mremap_to: the destination is unmapped first, then the tail the
	 * move leaves behind, then the rest must lie in one mapping */
	vm_mm_munmap(m, p, to, new_n);
	if (old_n > new_n) {
		vm_mm_munmap(m, p, start + new_n, old_n - new_n);
		old_n = new_n;
	}
	vm_vma_t *v = vm_mm_find_vma(p, start);
	if (!v || start + old_n > v->end)
		return VM_MREMAP_EFAULT;
	/* a huge page the range or the alignment cuts is split into PTEs
	 * first; the others move whole (move_huge_pmd) */
	if (G_UNLIKELY(m->thp_seen)) {
		GArray *huge = g_array_new(FALSE, FALSE, sizeof(uint64_t));
		vm_pt_for_each_huge(&m->pt, p->root, start, start + old_n, NULL,
				    scan_huge, huge);
		for (guint k = 0; k < huge->len; k++) {
			uint64_t h = g_array_index(huge, uint64_t, k);
			uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, h);
			if (pmd && (*pmd & VM_PTE_HUGE) &&
			    (h < start || !pmd_movable(m, start, to, h - start, old_n)))
				vm_huge_split_pmd(m, p, h, pmd);
		}
		g_array_free(huge, TRUE);
	}
	/* copy_vma: the mapping at its new place (a file's at the same
	 * offset), then its entries, then the old range unmapped */
	uint32_t first, last;
	carve(p, start, start + old_n, &first, &last);
	vm_vma_t nv = p->vma[first];
	nv.start = to;
	nv.end = to + new_n;
	if (nv.ra_vpn >= start && nv.ra_vpn < start + old_n)
		nv.ra_vpn = nv.ra_vpn - start + to;
	uint32_t at = first_above(p, to);
	vma_insert_at(p, at, &nv);
	/* from the first entry moved on, its pages' index is not their
	 * address: the reverse map looks for them by the mappings */
	if (nv.anon_pgoff != nv.start)
		p->anon_moved = TRUE;
	if (!move_page_tables(m, p, start, to, old_n, moved)) {
		if (p->state != VM_PROC_RUNNING)
			return VM_MREMAP_OK;   /* killed: nothing left to do */
		/* the new mapping goes again; the old keeps its pages */
		vma_remove_range(p, first_above(p, to), 1);
		merge_around(p, first_above(p, start), first_above(p, start) + 1);
		return VM_MREMAP_NO_TABLE;
	}
	if (moved->entries || moved->tables)
		vm_mmu_tlb_invalidate(m, p, start, old_n);
	vm_mm_munmap(m, p, start, old_n);
	at = first_above(p, to);
	merge_around(p, at, at + 1);
	return VM_MREMAP_OK;
}
