/*
 * CPUs, ASIDs and TLB shootdowns; see smp.h for the picture and what is
 * left out.  Function names follow arch/x86/mm/tlb.c.
 */
#include <string.h>
#include "models/smp.h"
#include "models/huge_memory.h"
#include "models/proc.h"

/* ---- placement policies ------------------------------------------------- */

/* The CPU with the fewest tasks placed on it (ties: @prev, then the
 * lowest number), as the load balancer's idlest-CPU search would find. */
static unsigned least_loaded(vm_smp_t *s, int prev)
{
	unsigned best = prev >= 0 ? (unsigned)prev : 0;
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (s->cpu[c].nr_tasks < s->cpu[best].nr_tasks)
			best = c;
	return best;
}

/* Each placement takes the next CPU in turn, whatever its load. */
static unsigned round_robin(vm_smp_t *s, int prev)
{
	(void)prev;
	unsigned c = s->rr_next;
	s->rr_next = (c + 1) % s->nr_cpus;
	return c;
}

static const vm_sched_policy_ops_t sched_least_loaded = {
	.policy = { .name = "least-loaded", .why = "the CPU with the fewest tasks",
		    .help = "a task that wakes goes to the CPU with the fewest tasks "
			    "(its previous one on a tie)" },
	.select_cpu = least_loaded,
};
static const vm_sched_policy_ops_t sched_rr = {
	.policy = { .name = "rr", .why = "the next CPU in turn",
		    .help = "each placement takes the next CPU in turn" },
	.select_cpu = round_robin,
};

const vm_sched_policy_ops_t *const vm_sched_policies[] = {
	&sched_least_loaded, &sched_rr, NULL,
};

const vm_sched_policy_ops_t *vm_sched_policy_find(const char *name)
{
	for (unsigned i = 0; vm_sched_policies[i]; i++)
		if (strcmp(vm_sched_policies[i]->policy.name, name) == 0)
			return vm_sched_policies[i];
	return NULL;
}

/* ---- CPUs ------------------------------------------------------------------ */

vm_smp_t *vm_smp_new(vm_machine_t *m)
{
	const vm_config_t *cfg = &m->cfg;
	vm_smp_t *s = g_new0(vm_smp_t, 1);
	s->nr_cpus = cfg->cpus;
	s->cpu = g_new0(vm_cpu_t, s->nr_cpus);
	s->sched = vm_sched_policy_find(cfg->sched_policy);
	if (!s->sched)
		s->sched = vm_sched_policies[0];
	const vm_tlb_policy_ops_t *ops = vm_tlb_policy_find(cfg->tlb_policy);
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		vm_cpu_t *cpu = &s->cpu[c];
		if (c == 0) {
			cpu->l1 = m->l1;
			cpu->l2 = m->l2;
			cpu->l1_2m = m->l1_2m;
		} else {
			cpu->l1 = vm_tlb_new(cfg->tlb_l1_entries, cfg->tlb_l1_ways, ops);
			cpu->l2 = vm_tlb_new(cfg->tlb_l2_entries, cfg->tlb_l2_ways, ops);
			/* as machine.c makes CPU 0's: only with huge pages */
			if (m->l1_2m)
				cpu->l1_2m = vm_tlb_new(cfg->tlb_l1_2m_entries,
							cfg->tlb_l1_2m_ways, ops);
		}
	}
	return s;
}

void vm_smp_free(vm_machine_t *m)
{
	vm_smp_t *s = m->smp;
	if (!s)
		return;
	/* the machine frees m->l1 and m->l2: make them CPU 0's again and
	 * free the others here */
	m->l1 = s->cpu[0].l1;
	m->l2 = s->cpu[0].l2;
	m->l1_2m = s->cpu[0].l1_2m;
	for (unsigned c = 1; c < s->nr_cpus; c++) {
		vm_tlb_free(s->cpu[c].l1);
		vm_tlb_free(s->cpu[c].l2);
		vm_tlb_free(s->cpu[c].l1_2m);
	}
	g_free(s->cpu);
	g_free(s);
	m->smp = NULL;
}

vm_smp_t *vm_smp_clone(const vm_smp_t *s, vm_machine_t *n,
		       vm_tlb_t *(*tlb_clone)(const vm_tlb_t *))
{
	(void)n;
	vm_smp_t *c = g_new(vm_smp_t, 1);
	*c = *s;
	c->cpu = g_new(vm_cpu_t, s->nr_cpus);
	for (unsigned i = 0; i < s->nr_cpus; i++) {
		c->cpu[i] = s->cpu[i];
		c->cpu[i].l1 = tlb_clone(s->cpu[i].l1);
		c->cpu[i].l2 = s->cpu[i].l2 ? tlb_clone(s->cpu[i].l2) : NULL;
		c->cpu[i].l1_2m = s->cpu[i].l1_2m ? tlb_clone(s->cpu[i].l1_2m) : NULL;
	}
	return c;
}

void vm_smp_set_cpu(vm_machine_t *m, unsigned cpu)
{
	vm_smp_t *s = m->smp;
	g_return_if_fail(cpu < s->nr_cpus);
	s->cur = cpu;
	m->l1 = s->cpu[cpu].l1;
	m->l2 = s->cpu[cpu].l2;
	m->l1_2m = s->cpu[cpu].l1_2m;
}

/* Drop every entry of @mm from @cpu's TLBs, of both page sizes. */
static void flush_mm_on(vm_cpu_t *cpu, uint32_t mm)
{
	vm_tlb_flush_asid(cpu->l1, mm);
	if (cpu->l2)
		vm_tlb_flush_asid(cpu->l2, mm);
	if (cpu->l1_2m)
		vm_tlb_flush_asid(cpu->l1_2m, mm);
}

/* A CR3 write without PCIDs: everything goes. */
static void flush_all_on(vm_cpu_t *cpu)
{
	vm_tlb_flush_all(cpu->l1);
	if (cpu->l2)
		vm_tlb_flush_all(cpu->l2);
	if (cpu->l1_2m)
		vm_tlb_flush_all(cpu->l1_2m);
}

/*
 * INVLPG over [@vpn, +@pages): the 4 KiB entries of the range and, once
 * the machine has mapped a huge page, the 2 MiB entries (in the 2 MiB L1
 * and tagged in the L2) of every huge page the range touches, as
 * vm_mmu_tlb_invalidate does with one CPU.
 */
static void invlpg_range(const vm_machine_t *m, vm_cpu_t *cpu, uint64_t vpn,
			 uint64_t pages, uint32_t asid)
{
	vm_tlb_invalidate_range(cpu->l1, vpn, pages, asid);
	if (cpu->l2)
		vm_tlb_invalidate_range(cpu->l2, vpn, pages, asid);
	if (!m->thp_seen || !pages)
		return;
	uint64_t lo = vpn >> m->hpage_order;
	uint64_t nh = ((vpn + pages - 1) >> m->hpage_order) - lo + 1;
	if (cpu->l1_2m)
		vm_tlb_invalidate_range(cpu->l1_2m, lo, nh, asid);
	if (cpu->l2)
		vm_tlb_invalidate_range(cpu->l2, lo | VM_TLB_HUGE_TAG, nh, asid);
}

static vm_asid_t *find_asid(vm_cpu_t *cpu, uint32_t mm)
{
	for (unsigned i = 0; i < VM_SMP_NR_ASIDS; i++)
		if (cpu->asid[i].mm == mm)
			return &cpu->asid[i];
	return NULL;
}

/* The INVLPGs a flush of @pages pages at @stride_shift takes (Linux's
 * (end - start) >> stride_shift); 0 for the whole mm. */
static uint64_t flush_strides(uint64_t pages, unsigned stride_shift)
{
	return (pages + ((uint64_t)1 << stride_shift) - 1) >> stride_shift;
}

/* flush_tlb_func: @cpu flushes [@vpn, +@pages) of @mm (0 pages, or more
 * strides than the ceiling: the whole mm) and catches its ASID up with
 * the mm. */
static void flush_tlb_func(vm_machine_t *m, vm_cpu_t *cpu, vm_proc_t *mm,
			   uint64_t vpn, uint64_t pages, unsigned stride_shift)
{
	vm_smp_t *s = m->smp;
	uint64_t n = flush_strides(pages, stride_shift);
	if (n == 0 || n > m->cfg.tlb_flush_ceiling) {
		flush_mm_on(cpu, mm->pid);
		cpu->flush_full++;
		s->tlb_flush_full++;
	} else {
		invlpg_range(m, cpu, vpn, pages, mm->pid);
		cpu->flush_pages += n;
		s->tlb_flush_pages += n;
	}
	vm_asid_t *a = find_asid(cpu, mm->pid);
	if (a)
		a->tlb_gen = mm->tlb_gen;
}

gboolean vm_smp_switch_mm(vm_machine_t *m, uint32_t mm_pid)
{
	vm_smp_t *s = m->smp;
	unsigned c = s->cur;
	vm_cpu_t *cpu = &s->cpu[c];
	vm_proc_t *mm = vm_proc_lookup(m, mm_pid);
	g_return_val_if_fail(mm != NULL, FALSE);
	gboolean flushed = FALSE;
	uint32_t prev = cpu->loaded_mm;
	cpu->lazy = FALSE;
	if (prev != mm_pid) {
		vm_proc_t *old = prev ? vm_proc_lookup(m, prev) : NULL;
		if (old)
			old->cpumask &= ~(1ull << c);
		if (!m->cfg.tlb_asid && prev) {
			/* no PCIDs: a CR3 write flushes everything */
			flush_all_on(cpu);
			m->c.tlb_flushes++;
			flushed = TRUE;
		}
		cpu->loaded_mm = mm_pid;
		mm->cpumask |= 1ull << c;
	}
	if (!m->cfg.tlb_asid) {
		/* one context, always caught up by the flush at the switch;
		 * a lazy CPU that comes back to its mm checks the generation */
		vm_asid_t *a = &cpu->asid[0];
		if (a->mm == mm_pid && a->tlb_gen < mm->tlb_gen && !flushed) {
			flush_mm_on(cpu, mm_pid);
			cpu->flush_full++;
			s->tlb_flush_full++;
			flushed = TRUE;
		}
		a->mm = mm_pid;
		a->tlb_gen = mm->tlb_gen;
		return flushed;
	}
	vm_asid_t *a = find_asid(cpu, mm_pid);
	if (!a) {
		/* choose_new_asid: the next slot; what its old mm left in
		 * the TLB is flushed with it (need_flush) */
		a = &cpu->asid[cpu->next_asid];
		cpu->next_asid = (cpu->next_asid + 1) % VM_SMP_NR_ASIDS;
		if (a->mm)
			flush_mm_on(cpu, a->mm);
		/* entries of this mm from before its slot was taken were
		 * flushed with that slot: none are left */
		a->mm = mm_pid;
		a->tlb_gen = mm->tlb_gen;
		return flushed;
	}
	if (a->tlb_gen < mm->tlb_gen) {
		/* switch_mm_irqs_off: the ASID is behind the mm (a flush
		 * skipped this CPU while it was lazy or away): flush it */
		flush_mm_on(cpu, mm_pid);
		cpu->flush_full++;
		s->tlb_flush_full++;
		a->tlb_gen = mm->tlb_gen;
		flushed = TRUE;
	}
	return flushed;
}

void vm_smp_enter_lazy(vm_machine_t *m)
{
	vm_cpu_t *cpu = &m->smp->cpu[m->smp->cur];
	cpu->cur_pid = 0;
	if (cpu->loaded_mm)
		cpu->lazy = TRUE;
}

void vm_smp_flush_tlb_mm_range(vm_machine_t *m, vm_proc_t *mm, uint64_t vpn,
			       uint64_t pages, unsigned stride_shift,
			       gboolean freed_tables)
{
	vm_smp_t *s = m->smp;
	unsigned self = s->cur;
	mm->tlb_gen++;   /* inc_mm_tlb_gen */
	vm_cpu_t *me = &s->cpu[self];
	if (me->loaded_mm == mm->pid && !me->lazy)
		flush_tlb_func(m, me, mm, vpn, pages, stride_shift);
	/* native_flush_tlb_multi: the other CPUs of the mask that run the
	 * mm now; lazy ones are skipped (should_flush_tlb) and catch up by
	 * the generation at their next switch_mm_irqs_off, unless page
	 * tables were freed (info->freed_tables: on_each_cpu_mask over the
	 * whole mask) */
	uint64_t ipis = 0, lazy = 0, left = 0;
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		vm_cpu_t *cpu = &s->cpu[c];
		if (c == self || !(mm->cpumask & (1ull << c)) ||
		    cpu->loaded_mm != mm->pid)
			continue;
		if (cpu->lazy && !freed_tables) {
			lazy |= 1ull << c;
			s->lazy_skips++;
			continue;
		}
		ipis |= 1ull << c;
		if (cpu->lazy) {
			/* flush_tlb_func on a lazy CPU: switch_mm_irqs_off to
			 * init_mm, which drops the paging-structure caches;
			 * its ASID keeps the mm's entries, behind the
			 * generation, so a switch back flushes them */
			left |= 1ull << c;
			cpu->lazy = FALSE;
			cpu->loaded_mm = 0;
			mm->cpumask &= ~(1ull << c);
		} else {
			flush_tlb_func(m, cpu, mm, vpn, pages, stride_shift);
		}
		cpu->ipis_received++;
		/* the handler's flush interrupts whatever that CPU runs */
		cpu->busy_until = MAX(cpu->busy_until, m->now) + m->cfg.cost_tlb_flush;
		cpu->busy_ns += m->cfg.cost_tlb_flush;
		if (cpu->busy_until > s->horizon)
			s->horizon = cpu->busy_until;
	}
	unsigned n = (unsigned)__builtin_popcountll(ipis);
	if (n) {
		s->tlb_shootdowns++;
		s->ipis_sent += n;
		s->op_ipis += n;
		s->op_cost += n * m->cfg.cost_ipi;
	}
	if (n || lazy) {
		s->last = (vm_shootdown_t){
			.serial = s->last.serial + 1, .mm = mm->pid,
			.from_cpu = self, .vpn = vpn, .pages = pages,
			.ipi_mask = ipis, .lazy_mask = lazy, .lazy_left_mask = left,
			.full = pages == 0 ||
				flush_strides(pages, stride_shift) >
				m->cfg.tlb_flush_ceiling,
			.stride_shift = stride_shift, .at = m->now,
		};
	}
}

void vm_smp_mm_gone(vm_machine_t *m, uint32_t mm_pid)
{
	vm_smp_t *s = m->smp;
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		vm_cpu_t *cpu = &s->cpu[c];
		flush_mm_on(cpu, mm_pid);
		vm_asid_t *a = find_asid(cpu, mm_pid);
		if (a)
			*a = (vm_asid_t){ 0 };
		if (cpu->loaded_mm == mm_pid) {
			/* switched to init_mm: nothing loaded */
			cpu->loaded_mm = 0;
			cpu->lazy = FALSE;
		}
	}
}
