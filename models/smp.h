/*
 * Several CPUs (cpus=N > 1): each with its own L1/L2 TLBs and the mm it
 * has loaded, and the TLB shootdown protocol that keeps their TLBs honest
 * when a page-table entry changes.  Modelled on arch/x86/mm/tlb.c:
 *
 *   CPU 0 (initiator)              CPU 1 (runs the mm)    CPU 2 (lazy: idle,
 *   munmap → flush_tlb_mm_range     │                      still has the mm)
 *     inc_mm_tlb_gen(mm)            │                        │
 *     local: flush_tlb_func         │                        │ skipped: no IPI
 *     native_flush_tlb_multi ──IPI──► flush_tlb_func         │ (should_flush_tlb)
 *     wait for the ack ◄────────────┘ (range or full)        │
 *                                       later: switch_mm_irqs_off sees its
 *                                       ASID's tlb_gen < mm's: full flush
 *
 * - mm_cpumask: a bit per CPU that has switched to the mm and not away
 *   (a lazy CPU keeps its bit); an IPI goes to each CPU of the mask but
 *   the initiator whose loaded_mm is the mm and which is not lazy.
 * - A range of more than tlb.flush_ceiling pages (Linux's
 *   tlb_single_page_flush_ceiling, 33) is flushed whole (the mm's
 *   entries), else page by page (INVLPG).
 * - ASIDs (PCIDs): each CPU has VM_SMP_NR_ASIDS slots (TLB_NR_DYN_ASIDS),
 *   each remembering the mm it serves and the mm's tlb_gen it is up to
 *   date with; a switch to an mm whose slot is behind flushes the mm's
 *   entries (a full flush); a switch to an mm with no slot takes the next
 *   one round-robin and flushes what the slot's old mm left
 *   (choose_new_asid).  With tlb.asid=false a switch of mm flushes the
 *   whole TLB, as before.
 *
 * - When page tables were freed (mmu.free_tables: munmap's free_pgtables,
 *   MADV_DONTNEED's page-table reclaim), lazy CPUs get the IPI too: their
 *   paging-structure caches may still point into the freed tables, and a
 *   speculative walk would read garbage.  A lazy CPU's handler leaves the
 *   mm (switch_mm_irqs_off to init_mm) instead of flushing.
 *
 * Left out: the deferred batch of try_to_unmap_flush
 * (reclaim here flushes page by page), the 6.x once-a-second trimming of
 * mm_cpumask (a CPU leaves the mask when it switches to another mm),
 * INVLPGB broadcasts.  The costs: cost.ipi per IPI for the initiator (it
 * waits for every acknowledgement), cost.tlb_flush on each CPU an IPI
 * interrupts; local flushes cost nothing beyond the system call.
 *
 * With cpus=1 there is no vm_smp_t at all (m->smp is NULL) and nothing
 * here runs: the single-CPU machine is exactly what it was.
 */
#ifndef VM_SMP_H
#define VM_SMP_H

#include "models/machine.h"

#define VM_SMP_MAX_CPUS 64   /* mm_cpumask is one uint64_t */
#define VM_SMP_NR_ASIDS 6    /* arch/x86 TLB_NR_DYN_ASIDS */

typedef struct {
	uint32_t mm;             /* pid of the mm the slot serves (0: none) */
	uint64_t tlb_gen;        /* the mm's tlb_gen it is up to date with */
} vm_asid_t;

typedef struct {
	vm_tlb_t *l1, *l2;       /* its TLBs (l2 may be NULL) */
	vm_tlb_t *l1_2m;         /* its L1 TLB of 2 MiB pages (NULL if the
				  * machine has none: huge_memory.h) */
	uint32_t cur_pid;        /* the task it runs or ran last (0: idle, a
				  * kernel thread) */
	uint32_t loaded_mm;      /* cpu_tlbstate.loaded_mm: whose
				  * translations it serves (0: none) */
	gboolean lazy;           /* cpu_tlbstate_shared.is_lazy: a kernel
				  * thread (idle, kswapd) borrows loaded_mm */
	uint32_t nr_tasks;       /* tasks placed on it (the scheduler) */
	uint64_t busy_until;     /* the simulated time it is free from */
	uint64_t busy_ns;        /* time it ran tasks and IPI handlers */
	vm_asid_t asid[VM_SMP_NR_ASIDS];
	uint32_t next_asid;      /* the slot choose_new_asid takes next */
	uint64_t ipis_received, flush_full, flush_pages, context_switches;
} vm_cpu_t;

/* The latest shootdown, for narration and the timeline. */
typedef struct {
	uint64_t serial;         /* shootdowns so far (0: none) */
	uint32_t mm;             /* whose */
	uint32_t from_cpu;
	uint64_t vpn, pages;     /* the range (pages 0: the whole mm) */
	uint64_t ipi_mask;       /* CPUs that got an IPI */
	uint64_t lazy_mask;      /* lazy CPUs skipped */
	uint64_t lazy_left_mask; /* lazy CPUs the IPI made leave the mm:
				  * page tables were freed */
	gboolean full;           /* flushed whole (above the ceiling) */
	unsigned stride_shift;   /* 0: page by page; the huge-page order:
				  * a 2 MiB page at a time */
	uint64_t at;             /* m->now when it was sent */
} vm_shootdown_t;

typedef struct vm_sched_policy_ops vm_sched_policy_ops_t;

typedef struct vm_smp {
	unsigned nr_cpus;
	vm_cpu_t *cpu;
	unsigned cur;            /* the CPU running the current record */
	const vm_sched_policy_ops_t *sched;
	unsigned rr_next;        /* sched.policy=rr: the next CPU */
	uint64_t horizon;        /* the latest busy_until of any CPU */
	/* docs/statistics.md */
	uint64_t tlb_shootdowns, ipis_sent, tlb_flush_full, tlb_flush_pages;
	uint64_t lazy_skips;     /* IPIs not sent to lazy CPUs */
	vm_shootdown_t last;
	/* what the running operation did, for its result */
	uint64_t op_ipis, op_cost;
} vm_smp_t;

/*
 * Where a task goes when it becomes runnable (select_task_rq): a policy
 * of the sched.policy key.  @prev is the CPU it ran on last (-1: none).
 * Ties go to @prev, then to the lowest CPU number.  Pinned tasks (the
 * `pin` op, sched_setaffinity) do not ask.
 */
struct vm_sched_policy_ops {
	vm_policy_t policy;
	unsigned (*select_cpu)(vm_smp_t *s, int prev);
};

extern const vm_sched_policy_ops_t *const vm_sched_policies[];
const vm_sched_policy_ops_t *vm_sched_policy_find(const char *name);

/* The CPUs of a machine with cfg.cpus > 1; CPU 0 takes m->l1 and m->l2
 * (which always point at the running CPU's TLBs). */
vm_smp_t *vm_smp_new(vm_machine_t *m);
void vm_smp_free(vm_machine_t *m);
/* A deep copy for snapshots; the TLBs are copied with @tlb_clone. */
vm_smp_t *vm_smp_clone(const vm_smp_t *s, vm_machine_t *n,
		       vm_tlb_t *(*tlb_clone)(const vm_tlb_t *));

/* Make @cpu the one the next operation runs on: m->l1 and m->l2 become
 * its TLBs. */
void vm_smp_set_cpu(vm_machine_t *m, unsigned cpu);

/*
 * switch_mm_irqs_off: the running CPU now runs a task of mm @mm_pid.
 * Leaves lazy mode; a switch between mms moves the CPU's bit from the old
 * mm's cpumask to the new one's and picks an ASID slot; a slot behind the
 * mm's tlb_gen is flushed (counted in tlb_flush_full).  Returns TRUE when
 * the TLB was flushed in any way.
 */
gboolean vm_smp_switch_mm(vm_machine_t *m, uint32_t mm_pid);
/* enter_lazy_tlb: the running CPU goes idle or runs a kernel thread; it
 * keeps its loaded mm (and its cpumask bit) but IPIs skip it. */
void vm_smp_enter_lazy(vm_machine_t *m);

/*
 * flush_tlb_mm_range: the PTEs of [@vpn, +@pages) of mm @mm changed or
 * went (@pages 0: the whole mm, flush_tlb_mm).  Flushes the running CPU
 * if it has the mm loaded, and sends an IPI to every other CPU of the
 * mm's cpumask that runs it (not lazily); counts and charges it (the
 * initiator's cost in op_cost).
 *
 * @stride_shift is Linux's: 0 when 4 KiB entries changed (the range is
 * flushed page by page up to tlb.flush_ceiling pages), the huge-page
 * order when only PMD leaves did (flush_pmd_tlb_range: one INVLPG a
 * 2 MiB page, so a huge page counts once against the ceiling and in
 * tlb_flush_pages).  An INVLPG drops every size of entry that maps the
 * address, so either way the 2 MiB entries over the range go too.
 * @freed_tables: page tables of the range were freed, so the lazy CPUs of
 * the cpumask get the IPI too, and leave the mm.
 */
void vm_smp_flush_tlb_mm_range(vm_machine_t *m, vm_proc_t *mm, uint64_t vpn,
			       uint64_t pages, unsigned stride_shift,
			       gboolean freed_tables);
/* The mm of @mm_pid is gone (exit_mmap): every CPU forgets it, without
 * IPIs (no CPU runs it any more). */
void vm_smp_mm_gone(vm_machine_t *m, uint32_t mm_pid);

#endif
