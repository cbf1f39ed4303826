/*
 * fork(): a copy of the address space, modelled on Linux's dup_mmap and
 * copy_page_range (mm/memory.c).
 *
 *   parent PTE (anon, writable)          after fork, both processes:
 *   ┌──────────────┐                     ┌──────────────┐  ┌──────────────┐
 *   │ frame 7  RW  │        ──►          │ frame 7  R   │  │ frame 7  R   │
 *   └──────────────┘                     └──────────────┘  └──────────────┘
 *                                         mapcount(7) = 2: the first write
 *                                         in either copies (wp_page_copy),
 *                                         or reuses it once the other is gone
 *
 * VMAs are copied; PTEs only for VMAs that need them (vma_needs_copy: those
 * with anonymous pages, i.e. private anonymous memory and private file
 * mappings some of whose pages were written and so copied; the child faults
 * the rest in again).  Anonymous pages are write-protected in both
 * processes and their mapcount raised; the zero page is shared as it is.
 * The parent's TLB entries for the pages made read-only are flushed, as
 * Linux's flush_tlb_mm after copy_page_range.  Signal dispositions are
 * inherited (so is `catch`).
 *
 * Cost: one syscall, plus cost.page_copy per page-table page the child gets,
 * since copying a table is copying a page; Linux's fork time grows the same
 * way with the size of the page tables.
 *
 * Swap entries are duplicated (swap_duplicate).  Left out: VM_DONTCOPY and
 * VM_WIPEONFORK, which no trace can set.
 */
#include "models/memcg.h"
#include "models/fork.h"
#include "models/file.h"
#include "models/fs.h"
#include "models/fs.h"
#include "models/proc.h"
#include "models/mmu.h"
#include "models/mm.h"
#include "models/huge_memory.h"

typedef struct {
	vm_machine_t *m;
	vm_proc_t *parent, *child;
	gboolean oom;
	gboolean has_anon;
	uint64_t protected_pages;
} fork_ctx_t;

/* Does a private file VMA hold pages of its own (Linux: has an anon_vma)? */
static void find_anon(void *vctx, uint64_t vpn, uint64_t *slot)
{
	fork_ctx_t *f = vctx;
	(void)vpn;
	if ((*slot & VM_PTE_SWAP) ||
	    ((*slot & VM_PTE_P) && VM_PTE_PFN(*slot) != VM_PFN_ZERO &&
	     f->m->frames.f[VM_PTE_PFN(*slot)].kind == VM_FRAME_ANON))
		f->has_anon = TRUE;
}

static void copy_leaf(void *vctx, uint64_t vpn, uint64_t *slot)
{
	fork_ctx_t *f = vctx;
	if (f->oom || !*slot)
		return;
	if (f->child->state != VM_PROC_RUNNING) {
		f->oom = TRUE;   /* the OOM killer took the child */
		return;
	}
	unsigned nr_new = 0;
	uint64_t *cslot = vm_pt_ensure(&f->m->pt, f->child->root, vpn,
				       f->child->pid, &nr_new);
	vm_proc_count_tables(f->m, f->child, nr_new);
	if (!cslot) {
		f->oom = TRUE;
		return;
	}
	/* read after the allocation above, whose reclaim may have swapped
	 * the page out */
	uint64_t pte = *slot;
	uint64_t pfn = VM_PTE_PFN(pte);
	if (!pte)
		return;   /* ... or dropped it: a clean file page (nothing to copy) */
	if (pte & VM_PTE_SWAP) {
		f->m->swap_map[pfn]++;   /* copy_nonpresent_pte: swap_duplicate */
		f->child->swap_pages++;
	} else if (pfn != VM_PFN_ZERO) {
		vm_frame_t *fr = &f->m->frames.f[pfn];
		fr->mapcount++;
		if (fr->kind == VM_FRAME_ANON) {
			f->child->rss_anon++;
			if (pte & VM_PTE_W) {
				pte &= ~(uint64_t)VM_PTE_W;
				*slot = pte;   /* still present: no count change */
				f->protected_pages++;
			}
		} else {
			f->child->rss_file++;
		}
	}
	vm_pt_leaf_set(&f->m->pt, f->child->root, vpn, cslot, pte);
}

/* copy_huge_pmd: the PMD leaf as it is, write-protected in both */
static void copy_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	fork_ctx_t *f = vctx;
	if (f->oom)
		return;
	/* copy_huge_pmd: a file folio's PMD is not copied, the child
	 * faults it in again */
	if (VM_PTE_PFN(*slot) != VM_PFN_ZERO &&
	    f->m->frames.f[VM_PTE_PFN(*slot)].kind == VM_FRAME_FILE)
		return;
	gboolean wp = FALSE;
	if (!vm_huge_copy_pmd(f->m, f->parent, f->child, vpn, slot, &wp))
		f->oom = TRUE;
	if (wp)
		f->protected_pages++;
}

/* A PMD leaf in a private file VMA: a file folio's (read-only, not
 * anonymous), or an anonymous huge page's. */
static void find_anon_huge(void *vctx, uint64_t vpn, uint64_t *slot)
{
	fork_ctx_t *f = vctx;
	(void)vpn;
	if (VM_PTE_PFN(*slot) != VM_PFN_ZERO &&
	    f->m->frames.f[VM_PTE_PFN(*slot)].kind != VM_FRAME_FILE)
		f->has_anon = TRUE;
}

vm_proc_t *vm_fork_process(vm_machine_t *m, vm_proc_t *parent, uint32_t pid,
			   uint64_t *cost)
{
	*cost = 0;
	/* from the first allocation on (the child's top-level table), the
	 * parent is mid-fork: the OOM killer must spare it */
	m->oom_exempt = parent->pid;
	vm_proc_t *child = vm_proc_spawn(m, pid);
	if (!child) {
		m->oom_exempt = 0;
		return NULL;
	}
	child->catch_mask = parent->catch_mask;
	/* signal_struct's, which copy_signal copies */
	child->oom_score_adj = parent->oom_score_adj;
	child->anon_moved = parent->anon_moved;   /* the VMAs come along */
	vm_memcg_fork(m, parent, child);   /* the child starts in its cgroup */
	vm_fs_fork(parent, child);   /* the fd table: every file one more open */
	child->vma = g_new(vm_vma_t, parent->nr_vma ? parent->nr_vma : 1);
	child->cap_vma = parent->nr_vma ? parent->nr_vma : 1;
	child->nr_vma = parent->nr_vma;
	for (uint32_t i = 0; i < parent->nr_vma; i++)
		child->vma[i] = parent->vma[i];

	fork_ctx_t f = { .m = m, .parent = parent, .child = child };
	for (uint32_t i = 0; i < parent->nr_vma && !f.oom; i++) {
		const vm_vma_t *v = &parent->vma[i];
		/* vma_needs_copy: only private memory with pages of its own
		 * has PTEs that the child cannot fault in again */
		if (v->flags & VM_MAP_SHARED)
			continue;
		if (!(v->flags & VM_MAP_ANON)) {
			f.has_anon = FALSE;
			vm_pt_for_each_huge(&m->pt, parent->root, v->start, v->end,
					    find_anon, m->thp_seen ? find_anon_huge : NULL,
					    &f);
			if (!f.has_anon)
				continue;
		}
		vm_pt_for_each_huge(&m->pt, parent->root, v->start, v->end, copy_leaf,
				    m->thp_seen ? copy_huge : NULL, &f);
	}
	m->oom_exempt = 0;
	if (child->state != VM_PROC_RUNNING)
		return child;   /* the OOM killer chose the child: it exists, killed */
	if (f.oom) {
		/* no frame, and the OOM killer could free none (or may not:
		 * oom.policy=none): the fork fails, and so does the run */
		vm_proc_exit(m, child, VM_KILL_OOM);
		return NULL;
	}
	if (f.protected_pages)
		vm_mmu_tlb_flush_mm(m, parent);   /* dup_mmap's flush_tlb_mm */
	*cost = child->pt_pages * m->cfg.cost_page_copy;
	return child;
}
