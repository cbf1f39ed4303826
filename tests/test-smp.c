/*
 * Several CPUs, threads and TLB shootdowns (models/smp.c, the engine's
 * placement, docs/format.md "Several CPUs and threads").  Each case is a
 * small trace and the counts worked out by hand from the protocol of
 * arch/x86/mm/tlb.c as models/smp.h states it:
 *
 *   flush_tlb_mm_range(mm, range of P present pages):
 *     the initiating CPU, if it runs the mm:   P <= 33: P page flushes
 *                                              P  > 33: 1 full flush
 *     each other CPU of the mm's cpumask
 *       running the mm (not lazy):             1 IPI, and the same flush
 *       lazy (idle, mm still loaded):          skipped (tlb_lazy_skips),
 *                                              1 full flush when it
 *                                              switches back
 *     tlb_shootdowns += 1 when any IPI went out
 *
 * Every case runs under the invariant checker, which also checks that no
 * CPU whose ASID is up to date holds an entry the page table contradicts.
 */
#include <check.h>
#include <glib.h>
#include <string.h>
#include "sim/engine.h"
#include "sim/stats.h"
#include "sim/config.h"
#include "models/machine.h"
#include "models/proc.h"
#include "models/smp.h"
#include "models/mmu.h"
#include "models/check.h"
#include "models/huge_memory.h"
#include "models/tlb.h"
#include "tests/testlib.h"

typedef struct {
	const char *name;
	const char *text;
	/* expected at the end; -1: not checked */
	int64_t shootdowns, ipis, full, pages, lazy, cswitch;
} smp_case_t;

/* Two threads on two CPUs, each caching a page the first then unmaps.
 *   CPU 0: thread 1 writes pages 0,1 (2 minor), clones 2
 *   CPU 1: thread 2 reads both (2 walks; switch from idle: 1 cswitch)
 *   munmap 1 page: CPU 0 flushes 1, IPI to CPU 1 which flushes 1 */
#define TWO_THREADS \
	"vmt 1\nset cpus=2\n" \
	"1 mmap 0x10000 256K rw private anon\n" \
	"1 seq w 0x10000 8K\n1 clone 2\n2 seq r 0x10000 8K\n"

/* The same with a huge page: the first write maps 2 MiB with one PMD. */
#define HUGE_TWO_THREADS \
	"vmt 1\nset cpus=2\nset thp.enabled=madvise\n" \
	"1 mmap 0x40000000 4M rw private anon\n" \
	"1 madvise 0x40000000 4M hugepage\n" \
	"1 w 0x40000000\n1 clone 2\n2 r 0x40001000\n"

/* Thread 2 reads, sleeps (CPU 1 lazy), then process 1 unmaps the first
 * mapping whole, with mmu.free_tables=@ft; thread 2 then reads the second
 * mapping, in another GiB. */
#define LAZY_FREED(ft) \
	"vmt 1\nset cpus=2\nset mmu.free_tables=" ft "\n" \
	"1 mmap 0x10000 256K rw private anon\n" \
	"1 mmap 0x40000000 4K rw private anon\n" \
	"1 seq w 0x10000 8K\n1 w 0x40000000\n1 clone 2\n2 seq r 0x10000 8K\n" \
	"2 sleep 1ms\n1 munmap 0x10000 256K\n2 r 0x40000000\n"

static const smp_case_t cases[] = {
	{ "munmap one page, one IPI", TWO_THREADS
	  "1 munmap 0x10000 4K\n", 1, 1, 0, 2, 0, 1 },
	{ "mprotect two pages, one IPI", TWO_THREADS
	  "1 mprotect 0x10000 8K r\n", 1, 1, 0, 4, 0, 1 },
	{ "madvise dontneed, one IPI", TWO_THREADS
	  "1 madvise 0x10000 8K dontneed\n", 1, 1, 0, 4, 0, 1 },
	{ "an unmap of nothing present sends nothing", TWO_THREADS
	  "1 munmap 0x20000 64K\n", 0, 0, 0, 0, 0, 1 },
	/* 33 present pages: at the ceiling, page by page on both: 66 */
	{ "33 pages: at the ceiling, page by page",
	  "vmt 1\nset cpus=2\n1 mmap 0x10000 256K rw private anon\n"
	  "1 seq w 0x10000 132K\n1 clone 2\n2 r 0x10000\n"
	  "1 munmap 0x10000 132K\n", 1, 1, 0, 66, 0, 1 },
	/* 34: above it, one full flush on each CPU */
	{ "34 pages: above the ceiling, full flushes",
	  "vmt 1\nset cpus=2\n1 mmap 0x10000 256K rw private anon\n"
	  "1 seq w 0x10000 136K\n1 clone 2\n2 r 0x10000\n"
	  "1 munmap 0x10000 136K\n", 1, 1, 2, 0, 0, 1 },
	/* tlb.flush_ceiling=0: even one page is a full flush */
	{ "tlb.flush_ceiling=0", TWO_THREADS "set tlb.flush_ceiling=0\n"
	  "1 munmap 0x10000 4K\n", -2, 0, 0, 0, 0, 0 },
	/* four threads on four CPUs: three IPIs in one shootdown */
	{ "four CPUs, three IPIs",
	  "vmt 1\nset cpus=4\n1 mmap 0x10000 64K rw private anon\n"
	  "1 w 0x10000\n1 clone 2\n1 clone 3\n1 clone 4\n"
	  "2 r 0x10000\n3 r 0x10000\n4 r 0x10000\n1 munmap 0x10000 4K\n",
	  1, 3, 0, 4, 0, 3 },
	/* the same with three CPUs for four threads: thread 4 shares a CPU
	 * (least-loaded: CPU 0, the lowest of the equally loaded, which
	 * runs the same mm): still 2 IPIs; cswitches: 2 from idle + 1 on
	 * CPU 0 to thread 4 + 1 back to thread 1 */
	{ "four threads on three CPUs",
	  "vmt 1\nset cpus=3\n1 mmap 0x10000 64K rw private anon\n"
	  "1 w 0x10000\n1 clone 2\n1 clone 3\n1 clone 4\n"
	  "2 r 0x10000\n3 r 0x10000\n4 r 0x10000\n1 munmap 0x10000 4K\n",
	  1, 2, 0, 3, 0, 4 },
	/* another process on CPU 1 is no business of process 1's flush */
	{ "another mm on the other CPU: no IPI",
	  "vmt 1\nset cpus=2\n1 mmap 0x10000 64K rw private anon\n"
	  "1 w 0x10000\n1 fork 2\n2 r 0x10000\n1 munmap 0x10000 4K\n",
	  0, 0, 1, 1, 0, 1 },
	/* lazy: thread 2 sleeps, CPU 1 idles with the mm; the munmap skips
	 * it; its wake-up switch flushes the mm whole (1 full) */
	{ "lazy TLB: skipped, flushed at the switch back", TWO_THREADS
	  "2 sleep 1ms\n1 munmap 0x10000 4K\n2 r 0x11000\n",
	  0, 0, 1, 1, 1, 2 },
	/* page tables freed (mmu.free_tables=munmap: the munmap of the only
	 * mapping of its PMD table's GiB frees the leaf and PMD tables): the
	 * lazy CPU gets the IPI too (freed_tables), and leaves the mm
	 * instead of flushing; CPU 0 flushes the unmapped range, 64 pages,
	 * whole (the freed tables widen the flush to it).  Thread 2's return
	 * to CPU 1 switches to the mm again, whose ASID is behind: a full
	 * flush.  With exit, the same trace skips the lazy CPU, and CPU 0
	 * flushes the 2 pages that were present, one by one. */
	{ "lazy TLB, page tables freed: an IPI all the same", LAZY_FREED("munmap"),
	  1, 1, 2, 0, 0, 2 },
	{ "lazy TLB, no table freed: skipped", LAZY_FREED("exit"),
	  0, 0, 1, 2, 1, 2 },
	/* a thread that exits leaves its CPU idle: lazy, no IPI */
	{ "thread exit: its CPU goes lazy", TWO_THREADS
	  "2 exit\n1 munmap 0x10000 4K\n", 0, 0, 0, 1, 1, 1 },
	/* fork in a threaded process: flush_tlb_mm, a full flush on CPU 0
	 * and by IPI on CPU 1.  The child goes to the least loaded CPU: a tie
	 * (one task each), so CPU 0, whose switch to mm 3 takes it out of
	 * mm 1's cpumask.  The child's COW flushes 1 page on CPU 0 (mm 3
	 * runs nowhere else), thread 2's COW 1 page on CPU 1 and no IPI: no
	 * other CPU runs mm 1 any more.  cswitches: idle to thread 2, thread
	 * 1 to pid 3 */
	{ "fork, COW in a threaded process", TWO_THREADS
	  "1 fork 3\n3 w 0x10000\n2 w 0x11000\n", 1, 1, 2, 2, 0, 2 },
	/* rr: each placement takes the next CPU in turn, from CPU 0 (pid 1
	 * was put there at boot, not by the policy): thread 2 gets CPU 0 and
	 * shares it with thread 1.  No IPI at all; 1 page flushed; a
	 * cswitch to thread 2 and one back for the munmap */
	{ "sched.policy=rr", TWO_THREADS "set sched.policy=rr\n"
	  "1 munmap 0x10000 4K\n", -2, 0, 0, 0, 0, 0 },
	/* Huge pages (thp.enabled=madvise, the range madvised): thread 1
	 * writes 0x40000000, a huge page mapped by one PMD, its 2 MiB entry
	 * in CPU 0's 2 MiB TLB; thread 2 reads it on CPU 1 (a walk that
	 * stops at the PMD: CPU 1's 2 MiB TLB).  Linux flushes a change of
	 * PMD leaves alone one INVLPG a huge page (flush_pmd_tlb_range,
	 * stride_shift = PMD_SHIFT): 1 against the ceiling, not 512 */
	{ "huge page unmapped whole: one INVLPG on each CPU", HUGE_TWO_THREADS
	  "1 munmap 0x40000000 2M\n", 1, 1, 0, 2, 0, 1 },
	{ "huge page mprotected whole: one INVLPG on each CPU", HUGE_TWO_THREADS
	  "1 mprotect 0x40000000 2M r\n", 1, 1, 0, 2, 0, 1 },
	/* a partial munmap splits first (pmdp_invalidate: 1 INVLPG each,
	 * 1 IPI), then zaps the one PTE (1 page each, 1 IPI) */
	{ "huge page split by a partial munmap: two shootdowns", HUGE_TWO_THREADS
	  "1 munmap 0x40000000 4K\n", 2, 2, 0, 4, 0, 1 },
	/* 34 huge pages (68 MiB) above the ceiling of 33 INVLPGs: full
	 * flushes; 33 would still go one by one (next case) */
	{ "34 huge pages: above the ceiling, full flushes",
	  "vmt 1\nset cpus=2\nset thp.enabled=always\n"
	  "1 mmap 0x40000000 68M rw private anon\n"
	  "1 seq w 0x40000000 68M stride=2M\n1 clone 2\n2 r 0x40000000\n"
	  "1 munmap 0x40000000 68M\n", 1, 1, 2, 0, 0, 1 },
	{ "33 huge pages: at the ceiling, one by one",
	  "vmt 1\nset cpus=2\nset thp.enabled=always\n"
	  "1 mmap 0x40000000 66M rw private anon\n"
	  "1 seq w 0x40000000 66M stride=2M\n1 clone 2\n2 r 0x40000000\n"
	  "1 munmap 0x40000000 66M\n", 1, 1, 0, 66, 0, 1 },
};

static vm_engine_t *open_text(const char *name, const char *text,
			      char **overrides, GError **err)
{
	vm_engine_opts_t opts = { .check = TRUE };
	return vm_engine_open_memory(name, text, NULL, overrides, &opts, err);
}

static uint64_t stat(vm_engine_t *e, const char *name)
{
	int i = vm_stats_global_find(name);
	ck_assert_msg(i >= 0, "no statistic %s", name);
	return vm_stats_global(e, (unsigned)i);
}

/* A `set` line after an event is an error, so the cases that set a key
 * late put it as an override instead. */
static void split_sets(const char *text, GString *trace, GPtrArray *over)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	gboolean event = FALSE;
	for (gchar **l = lines; *l; l++) {
		if (!**l)
			continue;
		if (g_str_has_prefix(*l, "set ") && event) {
			g_ptr_array_add(over, g_strdup(*l + 4));
			continue;
		}
		if (g_ascii_isdigit(**l))
			event = TRUE;
		g_string_append_printf(trace, "%s\n", *l);
	}
	g_strfreev(lines);
	g_ptr_array_add(over, NULL);
}

START_TEST(test_protocol)
{
	const smp_case_t *c = &cases[_i];
	GString *trace = g_string_new(NULL);
	GPtrArray *over = g_ptr_array_new_with_free_func(g_free);
	split_sets(c->text, trace, over);
	GError *err = NULL;
	vm_engine_t *e = open_text(c->name, trace->str, (char **)over->pdata, &err);
	ck_assert_msg(e != NULL, "%s: %s", c->name, err ? err->message : "?");
	ck_assert_msg(vm_engine_run(e, &err), "%s: %s", c->name,
		      err ? err->message : "?");
	if (c->shootdowns == -2) {
		/* the two special rows, checked by hand below */
		if (strstr(c->name, "ceiling")) {
			/* one page, ceiling 0: a full flush on CPU 0 and on
			 * CPU 1 by one IPI */
			ck_assert_uint_eq(stat(e, "tlb_shootdowns"), 1);
			ck_assert_uint_eq(stat(e, "ipis_sent"), 1);
			ck_assert_uint_eq(stat(e, "tlb_flush_full"), 2);
			ck_assert_uint_eq(stat(e, "tlb_flush_pages"), 0);
		} else {
			ck_assert_uint_eq(stat(e, "ipis_sent"), 0);
			ck_assert_uint_eq(stat(e, "tlb_flush_pages"), 1);
			ck_assert_uint_eq(stat(e, "context_switches"), 2);
		}
	} else {
		ck_assert_msg(stat(e, "tlb_shootdowns") == (uint64_t)c->shootdowns,
			      "%s: shootdowns %" G_GUINT64_FORMAT, c->name,
			      stat(e, "tlb_shootdowns"));
		ck_assert_msg(stat(e, "ipis_sent") == (uint64_t)c->ipis,
			      "%s: ipis %" G_GUINT64_FORMAT, c->name, stat(e, "ipis_sent"));
		ck_assert_msg(stat(e, "tlb_flush_full") == (uint64_t)c->full,
			      "%s: full %" G_GUINT64_FORMAT, c->name,
			      stat(e, "tlb_flush_full"));
		ck_assert_msg(stat(e, "tlb_flush_pages") == (uint64_t)c->pages,
			      "%s: pages %" G_GUINT64_FORMAT, c->name,
			      stat(e, "tlb_flush_pages"));
		ck_assert_msg(stat(e, "tlb_lazy_skips") == (uint64_t)c->lazy,
			      "%s: lazy %" G_GUINT64_FORMAT, c->name,
			      stat(e, "tlb_lazy_skips"));
		ck_assert_msg(stat(e, "context_switches") == (uint64_t)c->cswitch,
			      "%s: cswitch %" G_GUINT64_FORMAT, c->name,
			      stat(e, "context_switches"));
	}
	vm_engine_free(e);
	g_ptr_array_free(over, TRUE);
	g_string_free(trace, TRUE);
}
END_TEST

/* The costs: a munmap that sends 3 IPIs takes cost.syscall + 3 x cost.ipi
 * on its CPU, and each interrupted CPU is busy cost.tlb_flush longer. */
START_TEST(test_costs)
{
	const char *text =
		"vmt 1\nset cpus=4\nset cost.ipi=700ns\nset cost.tlb_flush=50ns\n"
		"1 mmap 0x10000 64K rw private anon\n"
		"1 w 0x10000\n1 clone 2\n1 clone 3\n1 clone 4\n"
		"2 r 0x10000\n3 r 0x10000\n4 r 0x10000\n1 munmap 0x10000 4K\n";
	GError *err = NULL;
	vm_engine_t *e = open_text("costs", text, NULL, &err);
	ck_assert(e);
	uint64_t cpu1_before = 0, cpu0_munmap = 0;
	int r;
	while ((r = vm_engine_step(e, &err)) > 0) {
		vm_machine_t *m = vm_engine_machine(e);
		if (vm_engine_events(e) == 8)
			cpu1_before = m->smp->cpu[1].busy_ns;
	}
	ck_assert_int_eq(r, 0);
	vm_machine_t *m = vm_engine_machine(e);
	/* the munmap: CPU 0's busy time grew by syscall + 3 IPIs */
	cpu0_munmap = 100 + 3 * 700;
	ck_assert_uint_eq(stat(e, "ipis_sent"), 3);
	ck_assert_uint_eq(m->smp->cpu[1].busy_ns - cpu1_before, 50);
	ck_assert_uint_eq(m->smp->cpu[1].ipis_received, 1);
	ck_assert_uint_eq(m->smp->cpu[2].ipis_received, 1);
	ck_assert_uint_eq(m->smp->cpu[3].ipis_received, 1);
	ck_assert_uint_eq(m->smp->cpu[0].ipis_received, 0);
	vm_proc_t *p1 = vm_proc_lookup(m, 1);
	/* pid 1's own records: mmap 100, w (a zero-page... a write: 1 walk
	 * of 1 ref + minor fault), clones 3 x 100, munmap: compare to the
	 * same run without IPI cost */
	uint64_t with = p1->cpu_ns;
	vm_engine_free(e);
	char *o[] = { "cost.ipi=0ns", NULL };
	char *t2 = g_strdup(text);
	e = open_text("costs0", t2, o, &err);
	ck_assert(vm_engine_run(e, &err));
	ck_assert_uint_eq(with - vm_proc_lookup(vm_engine_machine(e), 1)->cpu_ns,
			  cpu0_munmap - 100);
	vm_engine_free(e);
	g_free(t2);
}
END_TEST

/* Threads with one CPU: no shootdown machinery at all; the thread's own
 * counters (RUSAGE_THREAD) and the process's (RUSAGE_SELF, which include
 * the thread's); exit of a thread leaves the process, exit of the leader
 * ends the threads (exit_group). */
START_TEST(test_threads_one_cpu)
{
	const char *text =
		"vmt 1\n1 mmap 0x10000 64K rw private anon\n"
		"1 w 0x10000\n1 clone 2\n2 w 0x11000\n2 w 0x12000\n2 r 0x10000\n"
		"2 expect pid=2 minflt=2 accesses=3\n"
		"1 expect pid=1 minflt=3 accesses=4 rss_anon=3\n"
		"2 exit\n"
		"1 expect pid=2 state=exited\n1 expect pid=1 state=running rss_anon=3\n"
		"1 clone 3\n1 exit\n"
		"3 expect pid=3 state=exited\n3 expect pid=1 state=exited\n";
	GError *err = NULL;
	vm_engine_t *e = open_text("threads", text, NULL, &err);
	ck_assert_msg(e, "%s", err ? err->message : "");
	ck_assert(vm_engine_run(e, &err));
	ck_assert_uint_eq(vm_engine_expect_failed(e), 0);
	ck_assert_uint_eq(vm_engine_expect_passed(e), 6);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_ptr_null(m->smp);
	ck_assert_uint_eq(m->nr_threads, 2);
	ck_assert_uint_eq(m->nr_procs, 1);
	ck_assert_uint_eq(stat(e, "tlb_shootdowns"), 0);
	vm_engine_free(e);
}
END_TEST

/* Two threads, one page being read (item 4 of the issue): with one CPU
 * too, the second thread waits for the first's read and counts a minor
 * fault; the disk is read once. */
START_TEST(test_page_lock_one_cpu)
{
	const char *text =
		"vmt 1\nfile data size=1M\n1 open data fd=3\n"
		"1 mmap 0x100000000 1M r private fd=3\n1 clone 2\n"
		"1 r 0x100000000\n2 r 0x100000000\n"
		"2 expect pid=2 outcome=minor minflt=1 majflt=0\n"
		"2 expect pid=1 majflt=1 minflt=1\n2 expect disk_reads=1\n";
	GError *err = NULL;
	vm_engine_t *e = open_text("lock", text, NULL, &err);
	ck_assert_msg(e, "%s", err ? err->message : "");
	ck_assert(vm_engine_run(e, &err));
	ck_assert_uint_eq(vm_engine_expect_failed(e), 0);
	/* thread 2 waited for the read as long as thread 1 */
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_gt(vm_proc_lookup(m, 2)->wait_ns, 70000);
	vm_engine_free(e);
}
END_TEST

/* cpus=1 outputs list none of the new statistics or keys; cpus=2 does. */
START_TEST(test_outputs_hidden)
{
	const char *text = "vmt 1\n1 mmap 0x10000 4K rw private anon\n1 w 0x10000\n";
	for (int cpus = 1; cpus <= 2; cpus++) {
		char set[16];
		g_snprintf(set, sizeof set, "cpus=%d", cpus);
		char *o[] = { set, NULL };
		GError *err = NULL;
		vm_engine_t *e = open_text("hidden", text, o, &err);
		ck_assert(vm_engine_run(e, &err));
		GString *out = g_string_new(NULL);
		vm_stats_write(e, VM_FMT_JSON, out);
		gboolean has = strstr(out->str, "ipis_sent") != NULL;
		ck_assert_int_eq(has, cpus > 1);
		has = strstr(out->str, "cost.ipi") != NULL;
		ck_assert_int_eq(has, cpus > 1);
		has = strstr(out->str, "\"cpus\": [") != NULL;
		ck_assert_int_eq(has, cpus > 1);
		g_string_free(out, TRUE);
		vm_engine_free(e);
	}
}
END_TEST

/* Bad input: pin to a CPU that does not exist, clone to a live pid,
 * more than 64 CPUs. */
START_TEST(test_errors)
{
	GError *err = NULL;
	vm_engine_t *e = open_text("pin", "vmt 1\nset cpus=2\n1 pin 2\n", NULL, &err);
	ck_assert_ptr_null(e);
	ck_assert(strstr(err->message, "CPU 2 does not exist"));
	g_clear_error(&err);
	e = open_text("clone", "vmt 1\n1 clone 2\n1 clone 2\n", NULL, &err);
	ck_assert_ptr_null(e);
	ck_assert(strstr(err->message, "clone to pid 2, which exists"));
	g_clear_error(&err);
	e = open_text("cpus", "vmt 1\nset cpus=65\n1 r 0x0\n", NULL, &err);
	ck_assert_ptr_null(e);
	ck_assert(strstr(err->message, "at most 64"));
	g_clear_error(&err);
}
END_TEST

/* The invariant checker catches a missed shootdown: a PTE changed behind
 * the back of CPU 1, whose ASID is up to date. */
START_TEST(test_checker_catches_missed_flush)
{
	const char *text = TWO_THREADS;
	GError *err = NULL;
	vm_engine_t *e = open_text("missed", text, NULL, &err);
	ck_assert(vm_engine_run(e, &err));
	vm_machine_t *m = vm_engine_machine(e);
	char *bad = vm_check_machine(m);
	ck_assert_ptr_null(bad);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	uint64_t vpn = 0x10000 >> m->page_shift;
	uint64_t *slot = vm_pt_lookup(&m->pt, p->root, vpn);
	ck_assert(slot && (*slot & VM_PTE_P));
	uint64_t saved = *slot;
	*slot &= ~(uint64_t)VM_PTE_W;   /* mprotect without flush_tlb_mm_range */
	bad = vm_check_machine(m);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, "missed shootdown") != NULL, "%s", bad);
	g_free(bad);
	/* the same change with the flush is fine */
	vm_mmu_tlb_invalidate(m, p, vpn, 1);
	bad = vm_check_machine(m);
	ck_assert_ptr_null(bad);
	*slot = saved;
	bad = vm_check_machine(m);
	ck_assert_ptr_null(bad);
	vm_engine_free(e);
}
END_TEST

/* ... and a missed flush of a 2 MiB entry: the huge page's PMD made
 * read-only behind CPU 1's back, which holds it in its 2 MiB TLB. */
START_TEST(test_checker_catches_missed_huge_flush)
{
	GError *err = NULL;
	vm_engine_t *e = open_text("missed-huge", HUGE_TWO_THREADS, NULL, &err);
	ck_assert_msg(e != NULL, "%s", err ? err->message : "?");
	ck_assert(vm_engine_run(e, &err));
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_ptr_nonnull(m->smp->cpu[1].l1_2m);
	ck_assert_uint_eq(vm_tlb_nr_valid(m->smp->cpu[1].l1_2m), 1);
	char *bad = vm_check_machine(m);
	ck_assert_ptr_null(bad);
	vm_proc_t *p = vm_proc_lookup(m, 1);
	uint64_t vpn = 0x40000000 >> m->page_shift;
	uint64_t *pmd = vm_pt_pmd_lookup(&m->pt, p->root, vpn);
	ck_assert(pmd && (*pmd & VM_PTE_HUGE) && (*pmd & VM_PTE_W));
	*pmd &= ~(uint64_t)VM_PTE_W;
	bad = vm_check_machine(m);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, "2 MiB TLB entry") != NULL &&
		      strstr(bad, "missed shootdown") != NULL, "%s", bad);
	g_free(bad);
	/* flush_pmd_tlb_range: one INVLPG on each CPU, one IPI */
	uint64_t ipis = m->smp->ipis_sent;
	vm_mmu_flush_pmd_range(m, p, vpn, vm_huge_nr(m));
	ck_assert_uint_eq(m->smp->ipis_sent, ipis + 1);
	ck_assert_uint_eq(vm_tlb_nr_valid(m->smp->cpu[1].l1_2m), 0);
	bad = vm_check_machine(m);
	ck_assert_ptr_null(bad);
	vm_engine_free(e);
}
END_TEST

/* ASIDs: a CPU has VM_SMP_NR_ASIDS slots; a seventh mm takes the oldest
 * slot and its entries go.  With tlb.asid=false a switch of mm flushes.
 * Children 2..8 each touch the page and sleep: CPU 1, left idle, is the
 * least loaded for the next one, so all run there, one after another. */
START_TEST(test_asid_slots)
{
	GString *t = g_string_new("vmt 1\nset cpus=2\n1 mmap 0x10000 4K rw private anon\n"
				  "1 w 0x10000\n");
	for (int k = 2; k <= 8; k++)
		g_string_append_printf(t, "1 fork %d\n%d r 0x10000\n%d sleep 1ms\n", k, k, k);
	GError *err = NULL;
	vm_engine_t *e = open_text("asids", t->str, NULL, &err);
	ck_assert_msg(e, "%s", err ? err->message : "");
	ck_assert(vm_engine_run(e, &err));
	vm_machine_t *m = vm_engine_machine(e);
	/* CPU 1 served mms 2..8: slots hold 3..8 (2 was evicted by 8) */
	const vm_cpu_t *c1 = &m->smp->cpu[1];
	gboolean has2 = FALSE, has8 = FALSE;
	for (unsigned k = 0; k < VM_SMP_NR_ASIDS; k++) {
		has2 |= c1->asid[k].mm == 2;
		has8 |= c1->asid[k].mm == 8;
	}
	ck_assert(!has2 && has8);
	/* L2: 12 ways (L1 has 4, too few for 7 mms at one address) */
	ck_assert_ptr_null(vm_tlb_peek(c1->l2, 0x10, 2));
	ck_assert_ptr_nonnull(vm_tlb_peek(c1->l2, 0x10, 3));
	ck_assert_ptr_nonnull(vm_tlb_peek(c1->l2, 0x10, 8));
	ck_assert_uint_eq(m->smp->cpu[0].context_switches, 0);
	ck_assert_uint_eq(c1->context_switches, 7);
	ck_assert_uint_eq(stat(e, "tlb_flushes"), 0);
	vm_engine_free(e);
	char *o[] = { "tlb.asid=false", NULL };
	e = open_text("noasid", t->str, o, &err);
	ck_assert(vm_engine_run(e, &err));
	/* CPU 1 switched mm 6 times (2 to 3, ..., 7 to 8); the first
	 * switch, from nothing loaded, flushes nothing */
	ck_assert_uint_eq(stat(e, "tlb_flushes"), 6);
	vm_engine_free(e);
	g_string_free(t, TRUE);
}
END_TEST

static Suite *smp_suite(void)
{
	Suite *s = suite_create("smp");
	TCase *tc = tcase_create("smp");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_protocol, 0, G_N_ELEMENTS(cases));
	tcase_add_test(tc, test_costs);
	tcase_add_test(tc, test_threads_one_cpu);
	tcase_add_test(tc, test_page_lock_one_cpu);
	tcase_add_test(tc, test_outputs_hidden);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_checker_catches_missed_flush);
	tcase_add_test(tc, test_checker_catches_missed_huge_flush);
	tcase_add_test(tc, test_asid_slots);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(smp_suite());
}
