/*
 * The page-fault handler, modelled on Linux's mm/memory.c:
 *
 *   handle_mm_fault
 *     ├─ no VMA, or VMA forbids the access ──────────► SIGSEGV (bad_area)
 *     ├─ PTE not present, anonymous VMA
 *     │    ├─ read/exec: map the shared zero page ───► zero  (do_anonymous_page)
 *     │    └─ write: allocate and zero a page ───────► minor (do_anonymous_page)
 *     └─ PTE present but write-protected (do_wp_page)
 *          ├─ the zero page: new zeroed page ────────► minor (wp_page_copy)
 *          ├─ page mapped by others: copy it ────────► cow   (wp_page_copy)
 *          └─ page mapped by us alone: reuse it ─────► minor (wp_page_reuse)
 *
 * Every resolved fault fills the TLBs (SPEC.md §3) and charges
 * cost.minor_fault, plus cost.page_copy when it zeroes or copies a page.
 * Missing page-table levels are allocated on the way down (__pte_alloc);
 * with mmu.pt_frames they take frames too.
 *
 * A PTE holding a swap entry is swapped in (do_swap_page, swap.c's slots):
 * a major fault that waits for the disk.
 *
 * Left out for now: file and shared mappings (the page cache arrives with
 * it), the swap cache, userfaultfd, transparent huge pages.
 */
#include "models/machine.h"

static const uint8_t need_prot[3] = { VM_PROT_R, VM_PROT_W, VM_PROT_X };

static uint64_t prot_bits(uint32_t prot)
{
	uint64_t b = 0;
	if (prot & VM_PROT_R)
		b |= VM_PTE_R;
	if (prot & VM_PROT_W)
		b |= VM_PTE_W;
	if (prot & VM_PROT_X)
		b |= VM_PTE_X;
	return b;
}

static void account(vm_machine_t *m, vm_proc_t *p, vm_access_t *res,
		    vm_outcome_t out, vm_why_t why)
{
	res->outcome = (uint8_t)out;
	res->why = (uint8_t)why;
	switch (out) {
	case VM_OUT_MINOR:
		m->c.minflt++;
		p->minflt++;
		break;
	case VM_OUT_ZERO:
		m->c.minflt++;
		m->c.zero_maps++;
		p->minflt++;
		break;
	case VM_OUT_COW:
		m->c.minflt++;
		m->c.cow_faults++;
		p->minflt++;
		p->cow_faults++;
		break;
	case VM_OUT_MAJOR:
		m->c.majflt++;
		p->majflt++;
		break;
	case VM_OUT_SIGSEGV:
		m->c.sigsegv++;
		p->sigsegv++;
		break;
	case VM_OUT_SIGBUS:
		m->c.sigbus++;
		p->sigbus++;
		break;
	default:
		break;
	}
}

/*
 * A new anonymous page for @p at @vpn, mapped once, zeroed or copied (both
 * cost cost.page_copy).  Returns its PTE with @perm, or 0 when no frame is
 * free.
 */
static uint64_t new_anon_page(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			      uint64_t perm, vm_access_t *res)
{
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, p->pid, vpn);
	if (pfn == VM_NIL)
		return 0;
	m->frames.f[pfn].flags |= VM_FRAME_DIRTY;
	m->frames.f[pfn].mapcount = 1;
	p->rss_anon++;
	vm_reclaim_add(m->reclaim, pfn);
	res->cost += m->cfg.cost_page_copy;
	return VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | VM_PTE_D | perm);
}

/*
 * do_swap_page: the PTE holds a swap entry.  A new frame, a disk read of the
 * slot that the process waits for (a major fault), and the entry dropped.
 * Writable at once when this was the slot's last entry; otherwise other
 * processes still hold the slot and the page comes back read-only, so that a
 * write goes through do_wp_page (and reuses it: it is ours alone).
 */
static uint64_t swap_in(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			uint64_t pte, uint64_t perm, vm_access_t *res)
{
	uint32_t slot = (uint32_t)VM_PTE_PFN(pte);
	uint32_t pfn = vm_machine_alloc_frame(m, VM_FRAME_ANON, p->pid, vpn);
	if (pfn == VM_NIL)
		return 0;
	gboolean last = m->swap_map[slot] == 1;
	vm_disk_req_t req = { .start = m->swap_base + slot, .nr = 1,
			      .dir = VM_DISK_READ };
	res->ready_at = vm_disk_submit(m->disk, m->now + res->cost, &req);
	m->c.pswpin++;
	vm_swap_put(m, slot);
	p->swap_pages--;
	vm_frame_t *f = &m->frames.f[pfn];
	f->mapcount = 1;
	p->rss_anon++;
	vm_reclaim_add(m->reclaim, pfn);
	if (!last)
		perm &= ~(uint64_t)VM_PTE_W;
	else
		f->flags |= VM_FRAME_DIRTY;
	return VM_PTE_MAKE(pfn, VM_PTE_P | VM_PTE_A | perm |
			   (last ? VM_PTE_D : 0));
}

static void oom(vm_machine_t *m, vm_proc_t *p, vm_access_t *res)
{
	(void)m;
	(void)p;
	res->oom = 1;
	res->outcome = VM_OUT_NONE;
	res->why = VM_WHY_OOM;
}

void vm_fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		     vm_acc_t acc, vm_access_t *res)
{
	res->cost += m->cfg.cost_minor_fault;
	vm_vma_t *v = vm_proc_find_vma(p, vpn);
	if (!v) {
		account(m, p, res, VM_OUT_SIGSEGV, VM_WHY_NO_VMA);
		return;
	}
	if (!(v->prot & need_prot[acc])) {
		account(m, p, res, VM_OUT_SIGSEGV, VM_WHY_PROT);
		return;
	}
	g_assert((v->flags & VM_MAP_ANON) && !(v->flags & VM_MAP_SHARED));

	unsigned nr_new = 0;
	uint64_t *slot = vm_pt_ensure(&m->pt, p->root, vpn, p->pid, &nr_new);
	vm_machine_count_tables(m, p, nr_new);
	res->new_tables = (uint8_t)nr_new;
	if (!slot) {
		oom(m, p, res);
		return;
	}

	uint64_t pte = *slot;
	uint64_t perm = prot_bits(v->prot);
	uint64_t newpte;
	vm_outcome_t out;
	vm_why_t why;

	if (pte & VM_PTE_SWAP) {
		newpte = swap_in(m, p, vpn, pte, perm, res);
		out = VM_OUT_MAJOR;
		why = VM_WHY_SWAPIN;
	} else if (!(pte & VM_PTE_P)) {
		if (acc != VM_ACC_W) {
			/* do_anonymous_page: reads map the zero page,
			 * read-only so that the first write faults */
			newpte = VM_PTE_MAKE(VM_PFN_ZERO, VM_PTE_P | VM_PTE_A |
					     (perm & ~(uint64_t)VM_PTE_W));
			out = VM_OUT_ZERO;
			why = VM_WHY_ZERO_PAGE;
		} else {
			newpte = new_anon_page(m, p, vpn, perm, res);
			out = VM_OUT_MINOR;
			why = VM_WHY_ANON_NEW;
		}
	} else {
		/* present: only a write to a write-protected page gets here,
		 * since the PTE's other permissions follow the VMA's */
		g_assert(acc == VM_ACC_W && !(pte & VM_PTE_W));
		uint64_t old = VM_PTE_PFN(pte);
		if (old == VM_PFN_ZERO) {
			newpte = new_anon_page(m, p, vpn, perm, res);
			out = VM_OUT_MINOR;
			why = VM_WHY_ZERO_REPLACED;
		} else if (m->frames.f[old].mapcount > 1) {
			/* isolate the page being copied, so that the
			 * allocation's reclaim cannot evict it under us (Linux
			 * holds a reference to it) */
			gboolean listed = vm_reclaim_remove(m->reclaim, (uint32_t)old);
			newpte = new_anon_page(m, p, vpn, perm, res);
			if (listed)
				vm_reclaim_add(m->reclaim, (uint32_t)old);
			if (newpte) {
				/* the copy replaces our share of the old page */
				m->frames.f[old].mapcount--;
				p->rss_anon--;
			}
			out = VM_OUT_COW;
			why = VM_WHY_COW_COPY;
		} else {
			newpte = pte | VM_PTE_W | VM_PTE_A | VM_PTE_D;
			out = VM_OUT_MINOR;
			why = VM_WHY_COW_REUSE;
		}
	}
	if (!newpte) {
		oom(m, p, res);
		return;
	}
	vm_pt_leaf_set(&m->pt, p->root, vpn, slot, newpte);
	vm_machine_tlb_fill(m, p, vpn, newpte);
	res->pfn = (uint32_t)VM_PTE_PFN(newpte);
	account(m, p, res, out, why);
}
