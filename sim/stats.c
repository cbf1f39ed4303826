/*
 * Statistics tables and writers; see stats.h.  Derived values (pgfault, the
 * page counts by kind, sim_time_ns) are computed here, never stored, so they
 * cannot drift from what they are derived from.
 */
#include <stddef.h>
#include <string.h>
#include "sim/stats.h"
#include "sim/config.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/memcg.h"
#include "models/smp.h"

/* @m is vm_engine_machine(@e), looked up once for all of them: the TUI
 * takes every global before each event it steps (vm_stats_global_all) */
typedef uint64_t (*global_fn)(vm_engine_t *e, const vm_machine_t *m);

/* The counters kept in m->c, each a statistic of its own name. */
#define VM_STATS_COUNTERS(C) \
	C(accesses) C(loads) C(stores) C(fetches) C(tlb_l1_hits) C(tlb_l1_misses) \
	C(tlb_l2_hits) C(tlb_l2_misses) C(tlb_flushes) C(walks) C(walk_refs) \
	C(pt_pages) C(pt_pages_peak) C(minflt) C(majflt) C(cow_faults) C(zero_maps) \
	C(fault_around_maps) C(sigsegv) C(sigbus) C(readahead_pages) \
	C(readahead_hits) C(pswpin) C(pswpout) C(kswapd_wakeups) \
	C(direct_reclaims) C(oom_kills) C(lost_pages) C(syscalls) C(copied_bytes) \
	C(context_switches) C(peak_used_pages) C(torn_pages) C(flusher_runs) \
	C(dirty_throttles) C(swap_ra) C(swap_ra_hits) C(swapcache_hits) \
	C(nr_vmscan_write) C(pgrotated) C(reclaim_waits) C(pageoutrun) C(kswapd_ns) \
	C(pgsteal_kswapd) C(workingset_refault_anon) C(workingset_refault_file) \
	C(workingset_activate_anon) C(workingset_activate_file) \
	C(thp_fault_alloc) C(thp_fault_fallback) C(thp_collapse_alloc) \
	C(thp_collapse_alloc_failed) C(thp_split_pmd) C(thp_zero_page_maps) \
	C(compact_stall) C(compact_fail) C(khugepaged_full_scans) C(khugepaged_ns) \
	C(tlb_l1_2m_hits) C(tlb_l2_2m_hits) C(thp_file_alloc) C(thp_file_fallback) \
	C(thp_file_mapped)

#define C(field) \
	static uint64_t g_##field(vm_engine_t *e, const vm_machine_t *m) \
	{ (void)e; return m->c.field; }
VM_STATS_COUNTERS(C)
#undef C

/* Each counter's getter and where it reads: vm_stats_global_all copies
 * those without a call (the TUI takes every statistic before each event
 * it steps, docs/speed.md). */
static const struct {
	global_fn get;
	size_t off;
} counter_fields[] = {
#define C(field) { g_##field, offsetof(vm_counters_t, field) },
	VM_STATS_COUNTERS(C)
#undef C
};

/* the disk and the reclaim policy keep their own counters */
#define D(name, field) \
	static uint64_t g_##name(vm_engine_t *e, const vm_machine_t *m) \
	{ (void)e; return m->disk->stats.field; }
D(disk_reads, reads) D(disk_writes, writes) D(pages_in, pages_in)
D(pages_out, pages_out)
#undef D
static uint64_t g_disk_busy_ns(vm_engine_t *e, const vm_machine_t *m)
{
	return vm_disk_busy_ns_at(m->disk, vm_engine_now(e));
}
static uint64_t g_pgscan(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return vm_memcg_pgscan(m);   /* every list's: the cgroups' too */
}
static uint64_t g_pgsteal(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return vm_memcg_pgsteal(m);
}

static uint64_t g_pgfault(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->c.minflt + m->c.majflt;
}
static uint64_t g_free_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->frames.nr_free;
}
static uint64_t g_file_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->frames.nr_kind[VM_FRAME_FILE];
}
static uint64_t g_dirty_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->nr_dirty;
}
static uint64_t g_anon_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->frames.nr_kind[VM_FRAME_ANON];
}
static uint64_t g_swap_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->swap_used;
}
static uint64_t g_sim_time_ns(vm_engine_t *e, const vm_machine_t *m)
{
	(void)m;
	return vm_engine_now(e);
}
static uint64_t g_expect_passed(vm_engine_t *e, const vm_machine_t *m)
{
	(void)m;
	return vm_engine_expect_passed(e);
}
static uint64_t g_expect_failed(vm_engine_t *e, const vm_machine_t *m)
{
	(void)m;
	return vm_engine_expect_failed(e);
}
/* /proc/meminfo AnonHugePages, in pages, every process */
static uint64_t g_anon_huge_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	uint64_t n = 0;
	for (uint32_t i = 0; i < m->nr_procs; i++)
		n += m->procs[i]->anon_huge;
	return n;
}
/* /proc/meminfo ShmemHugePages, in pages */
static uint64_t g_shmem_huge_pages(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->nr_shmem_huge;
}
/* /proc/meminfo FilePmdMapped and ShmemPmdMapped, in pages, every process
 * (Linux's are per folio, counted once however many map it) */
static uint64_t g_file_pmd_mapped(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	uint64_t n = 0;
	for (uint32_t i = 0; i < m->nr_procs; i++)
		n += m->procs[i]->file_pmd;
	return n;
}
static uint64_t g_shmem_pmd_mapped(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	uint64_t n = 0;
	for (uint32_t i = 0; i < m->nr_procs; i++)
		n += m->procs[i]->shmem_pmd;
	return n;
}
/* aligned blocks of a huge page's size wholly free (the buddy allocator's
 * free_area at HPAGE_PMD_ORDER); 0 with huge pages off */
static uint64_t g_free_huge_blocks(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->frames.nr_free_blocks;
}

/* several CPUs (models/smp.h): 0 with one */
#define S(field) \
	static uint64_t g_##field(vm_engine_t *e, const vm_machine_t *m) \
	{ (void)e; return m->smp ? m->smp->field : 0; }
S(tlb_shootdowns) S(ipis_sent) S(tlb_flush_full) S(tlb_flush_pages)
#undef S
static uint64_t g_tlb_lazy_skips(vm_engine_t *e, const vm_machine_t *m)
{
	(void)e;
	return m->smp ? m->smp->lazy_skips : 0;
}

static const struct {
	const char *name;
	global_fn get;
	gboolean smp;   /* listed by run only with cpus > 1 or threads */
	gboolean thpfile;   /* ... only where file or shmem folios may be
			     * mapped by PMD (vm_stats_thpfile_run) */
} globals[] = {
#define G(n) { #n, g_##n, FALSE, FALSE }
	G(accesses), G(loads), G(stores), G(fetches), G(tlb_l1_hits),
	G(tlb_l1_misses), G(tlb_l2_hits), G(tlb_l2_misses), G(tlb_flushes),
	G(walks), G(walk_refs), G(pt_pages), G(pt_pages_peak), G(minflt),
	G(majflt), G(pgfault), G(cow_faults), G(zero_maps),
	G(fault_around_maps), G(sigsegv), G(sigbus), G(readahead_pages),
	G(readahead_hits), G(disk_reads), G(disk_writes), G(pages_in),
	G(pages_out), G(disk_busy_ns), G(pswpin), G(pswpout), G(pgscan),
	G(pgsteal), G(kswapd_wakeups), G(direct_reclaims), G(oom_kills),
	G(lost_pages), G(syscalls), G(copied_bytes), G(context_switches),
	G(free_pages), G(file_pages), G(dirty_pages), G(anon_pages),
	G(swap_pages), G(peak_used_pages), G(sim_time_ns), G(expect_passed),
	G(expect_failed),
	/* vmscope extensions after docs/statistics.md's list */
	G(torn_pages), G(flusher_runs), G(dirty_throttles), G(swap_ra),
	G(swap_ra_hits), G(swapcache_hits), G(nr_vmscan_write), G(pgrotated),
	G(reclaim_waits), G(pageoutrun), G(kswapd_ns), G(pgsteal_kswapd),
	G(workingset_refault_anon), G(workingset_refault_file),
	G(workingset_activate_anon), G(workingset_activate_file),
	G(thp_fault_alloc), G(thp_fault_fallback), G(thp_collapse_alloc),
	G(thp_collapse_alloc_failed), G(thp_split_pmd), G(thp_zero_page_maps),
	G(compact_stall), G(compact_fail), G(khugepaged_full_scans),
	G(khugepaged_ns), G(tlb_l1_2m_hits), G(tlb_l2_2m_hits),
	G(anon_huge_pages), G(free_huge_blocks),
#undef G
	/* several CPUs and threads: after every other, so that the one-CPU
	 * outputs stay as they were (vm_stats_global_shown) */
#define GS(n) { #n, g_##n, TRUE, FALSE }
	GS(tlb_shootdowns), GS(ipis_sent), GS(tlb_flush_full), GS(tlb_flush_pages),
	GS(tlb_lazy_skips),
#undef GS
	/* file and shmem huge pages: likewise after every other */
#define GF(n) { #n, g_##n, FALSE, TRUE }
	GF(thp_file_alloc), GF(thp_file_fallback), GF(thp_file_mapped),
	GF(file_pmd_mapped), GF(shmem_pmd_mapped), GF(shmem_huge_pages),
#undef GF
};

gboolean vm_stats_thpfile_run(vm_engine_t *e)
{
	return vm_engine_machine(e)->thp_file;
}

gboolean vm_stats_smp_run(vm_engine_t *e)
{
	vm_machine_t *m = vm_engine_machine(e);
	return m->smp != NULL || m->nr_threads > 0;
}

gboolean vm_stats_global_shown(vm_engine_t *e, unsigned i)
{
	return (!globals[i].smp || vm_stats_smp_run(e)) &&
	       (!globals[i].thpfile || vm_stats_thpfile_run(e));
}

gboolean vm_stats_proc_shown(vm_engine_t *e, unsigned i)
{
	return i < VM_STATS_PROC_THPFILE || vm_stats_thpfile_run(e);
}

unsigned vm_stats_nr_global(void) { return G_N_ELEMENTS(globals); }
const char *vm_stats_global_name(unsigned i) { return globals[i].name; }
uint64_t vm_stats_global(vm_engine_t *e, unsigned i)
{
	return globals[i].get(e, vm_engine_machine(e));
}

void vm_stats_global_all(vm_engine_t *e, uint64_t *v, unsigned nr)
{
	/* per global: its offset in m->c plus 1, or 0 for a getter to call */
	static size_t plan[G_N_ELEMENTS(globals)];
	static gsize planned = 0;
	if (g_once_init_enter(&planned)) {
		for (unsigned i = 0; i < G_N_ELEMENTS(globals); i++)
			for (unsigned k = 0; k < G_N_ELEMENTS(counter_fields); k++)
				if (globals[i].get == counter_fields[k].get)
					plan[i] = counter_fields[k].off + 1;
		g_once_init_leave(&planned, 1);
	}
	const vm_machine_t *m = vm_engine_machine(e);
	const char *c = (const char *)&m->c;
	if (nr > G_N_ELEMENTS(globals))
		nr = G_N_ELEMENTS(globals);
	for (unsigned i = 0; i < nr; i++) {
		uint64_t x;
		if (plan[i])
			memcpy(&x, c + plan[i] - 1, sizeof x);
		else
			x = globals[i].get(e, m);
		v[i] = x;
	}
}

int vm_stats_global_find(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(globals); i++)
		if (strcmp(globals[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A memory cgroup's statistics (docs/statistics.md): memory.current and
 * memory.peak, memory.stat's and memory.events' counters by their names,
 * in pages where Linux says bytes. */
typedef uint64_t (*memcg_fn)(const vm_machine_t *m, const vm_memcg_t *cg);
#define S(field) \
	static uint64_t cg_##field(const vm_machine_t *m, const vm_memcg_t *cg) \
	{ (void)m; return cg->st.field; }
S(pgfault) S(pgmajfault) S(workingset_refault_anon) S(workingset_refault_file)
S(workingset_activate_anon) S(workingset_activate_file) S(oom_kill)
S(throttle_ns) S(peak) S(dirty_throttles)
#undef S
static uint64_t cg_current(const vm_machine_t *m, const vm_memcg_t *cg)
{ return vm_memcg_usage(m, cg); }
static uint64_t cg_anon(const vm_machine_t *m, const vm_memcg_t *cg)
{ return vm_memcg_usage_kind(m, cg, VM_FRAME_ANON); }
static uint64_t cg_file(const vm_machine_t *m, const vm_memcg_t *cg)
{ return vm_memcg_usage_kind(m, cg, VM_FRAME_FILE); }
static uint64_t cg_pagetables(const vm_machine_t *m, const vm_memcg_t *cg)
{ return vm_memcg_usage_kind(m, cg, VM_FRAME_PT); }
static uint64_t cg_swap(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->swap; }
static uint64_t cg_file_dirty(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->nr_dirty; }
static uint64_t cg_procs(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->nr_procs; }
static uint64_t cg_pgscan(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->lruvec ? cg->lruvec->stats.pgscan : 0; }
static uint64_t cg_pgsteal(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->lruvec ? cg->lruvec->stats.pgsteal : 0; }
static uint64_t cg_high(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->st.ev_high; }
static uint64_t cg_max(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->st.ev_max; }
static uint64_t cg_oom(const vm_machine_t *m, const vm_memcg_t *cg)
{ (void)m; return cg->st.ev_oom; }

static const struct {
	const char *name;
	memcg_fn get;
} memcgs[] = {
#define M(n, f) { n, cg_##f }
	M("current_pages", current), M("peak_pages", peak),
	M("anon_pages", anon), M("file_pages", file),
	M("pagetables_pages", pagetables), M("swap_pages", swap),
	M("file_dirty_pages", file_dirty),
	M("procs", procs), M("pgfault", pgfault), M("pgmajfault", pgmajfault),
	M("pgscan", pgscan), M("pgsteal", pgsteal),
	M("workingset_refault_anon", workingset_refault_anon),
	M("workingset_refault_file", workingset_refault_file),
	M("workingset_activate_anon", workingset_activate_anon),
	M("workingset_activate_file", workingset_activate_file),
	M("high", high), M("max", max), M("oom", oom), M("oom_kill", oom_kill),
	M("throttle_ns", throttle_ns), M("dirty_throttles", dirty_throttles),
#undef M
};

unsigned vm_stats_nr_memcg(void) { return G_N_ELEMENTS(memcgs); }
const char *vm_stats_memcg_name(unsigned i) { return memcgs[i].name; }
uint64_t vm_stats_memcg(const vm_machine_t *m, const vm_memcg_t *cg, unsigned i)
{
	return memcgs[i].get(m, cg);
}

int vm_stats_memcg_find(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(memcgs); i++)
		if (strcmp(memcgs[i].name, name) == 0)
			return (int)i;
	return -1;
}

gboolean vm_stats_memcg_key(const char *key, char **name, int *idx)
{
	if (strncmp(key, "cgroup.", 7) != 0)
		return FALSE;
	const char *dot = strrchr(key + 7, '.');
	if (!dot || dot == key + 7)
		return FALSE;
	*name = g_strndup(key + 7, (gsize)(dot - (key + 7)));
	*idx = vm_stats_memcg_find(dot + 1);
	return TRUE;
}

/* A limit in pages, "max" for none. */
static void limit_text(GString *out, uint64_t v)
{
	if (v == VM_MEMCG_NONE)
		g_string_append(out, "max");
	else
		g_string_append_printf(out, "%" G_GUINT64_FORMAT, v);
}

static const char *const proc_names[] = {
	"pid", "state", "killed_by", "accesses", "minflt", "majflt",
	"cow_faults", "rss_pages", "rss_anon", "rss_file", "swap_pages",
	"pt_pages", "cpu_ns", "wait_ns", "anon_huge_pages",
	/* from VM_STATS_PROC_THPFILE on: only where file or shmem folios may
	 * be mapped by PMD (vm_stats_proc_shown) */
	"file_pmd_mapped", "shmem_pmd_mapped",
};
static const char *const state_words[] = { "running", "exited", "killed", NULL };
static const char *const kill_words[] = { "none", "sigsegv", "sigbus", "oom",
					  "crash", NULL };

unsigned vm_stats_nr_proc(void) { return G_N_ELEMENTS(proc_names); }
const char *vm_stats_proc_name(unsigned i) { return proc_names[i]; }
gboolean vm_stats_proc_is_word(unsigned i) { return i == 1 || i == 2; }

int vm_stats_proc_find(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(proc_names); i++)
		if (strcmp(proc_names[i], name) == 0)
			return (int)i;
	return -1;
}

gboolean vm_stats_proc_word_valid(unsigned i, const char *word)
{
	const char *const *w = i == 1 ? state_words : i == 2 ? kill_words : NULL;
	for (; w && *w; w++)
		if (strcmp(*w, word) == 0)
			return TRUE;
	return FALSE;
}

vm_statval_t vm_stats_proc(const vm_proc_t *p, unsigned i)
{
	vm_statval_t v = { 0 };
	switch (i) {
	case 0: v.num = p->pid; break;
	case 1: v.is_word = TRUE; v.word = state_words[p->state]; break;
	case 2: v.is_word = TRUE; v.word = kill_words[p->killed_by]; break;
	case 3: v.num = p->accesses; break;
	case 4: v.num = p->minflt; break;
	case 5: v.num = p->majflt; break;
	case 6: v.num = p->cow_faults; break;
	case 7: v.num = p->rss_anon + p->rss_file; break;
	case 8: v.num = p->rss_anon; break;
	case 9: v.num = p->rss_file; break;
	case 10: v.num = p->swap_pages; break;
	case 11: v.num = p->pt_pages; break;
	case 12: v.num = p->cpu_ns; break;
	case 13: v.num = p->wait_ns; break;
	case 14: v.num = p->anon_huge; break;
	case 15: v.num = p->file_pmd; break;
	case 16: v.num = p->shmem_pmd; break;
	}
	return v;
}

/* A thread's own statistics (RUSAGE_THREAD): indices into proc_names;
 * the memory ones (rss, swap, page tables) are its process's. */
static const unsigned thread_stats[] = { 0, 1, 2, 3, 4, 5, 6, 12, 13 };

/* Per CPU (cpus > 1). */
static const char *const cpu_names[] = {
	"context_switches", "busy_ns", "ipis_received", "tlb_flush_full",
	"tlb_flush_pages", "tlb_entries",
};

static uint64_t cpu_stat(vm_machine_t *m, unsigned c, unsigned i)
{
	const vm_cpu_t *cpu = &m->smp->cpu[c];
	switch (i) {
	case 0: return cpu->context_switches;
	case 1: return cpu->busy_ns;
	case 2: return cpu->ipis_received;
	case 3: return cpu->flush_full;
	case 4: return cpu->flush_pages;
	case 5: return vm_tlb_nr_valid(cpu->l1) + (cpu->l2 ? vm_tlb_nr_valid(cpu->l2) : 0) +
		       (cpu->l1_2m ? vm_tlb_nr_valid(cpu->l1_2m) : 0);
	}
	return 0;
}

static const char *const file_names[] = {
	"name", "size", "disk_pages", "cached_pages", "dirty_pages",
	"lost_pages", "linked", "maps",
};

unsigned vm_stats_nr_file(void) { return G_N_ELEMENTS(file_names); }
const char *vm_stats_file_name(unsigned i) { return file_names[i]; }
gboolean vm_stats_file_is_word(unsigned i) { return i == 0; }

int vm_stats_file_find(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(file_names); i++)
		if (strcmp(file_names[i], name) == 0)
			return (int)i;
	return -1;
}

vm_statval_t vm_stats_file(vm_machine_t *m, const vm_file_t *f, unsigned i)
{
	vm_statval_t v = { 0 };
	switch (i) {
	case 0: v.is_word = TRUE; v.word = f->name ? f->name : "(shmem)"; break;
	case 1: v.num = f->size; break;
	case 2: v.num = f->nr_blocks; break;
	case 3: v.num = f->nr_cached; break;
	case 4: v.num = f->nr_dirty; break;
	case 5: v.num = f->lost_pages; break;
	case 6: v.num = f->linked; break;
	case 7: v.num = vm_file_count_maps(m, f); break;
	}
	return v;
}

const vm_file_t *vm_stats_find_file(vm_machine_t *m, const char *name)
{
	/* the newest file of that name: a name can be reused after unlink */
	for (guint i = m->files->len; i-- > 0;) {
		const vm_file_t *f = g_ptr_array_index(m->files, i);
		if (f->name && strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* ---- writers ------------------------------------------------------------- */

/* @s as a JSON string.  Trace names are UTF-8 (the readers refuse others),
 * but a profile's name is its path, cut to fit vm_config_t.name, so bytes
 * that are not UTF-8 are replaced: the output is valid JSON whatever the
 * name. */
static void json_string(GString *out, const char *s)
{
	g_autofree char *fixed = NULL;
	if (!g_utf8_validate(s, -1, NULL))
		s = fixed = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			g_string_append_printf(out, "\\%c", c);
		else if (c < 0x20)
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_c(out, (char)c);
	}
	g_string_append_c(out, '"');
}

static void write_json(vm_engine_t *e, GString *out)
{
	const vm_config_t *cfg = vm_engine_config(e);
	vm_machine_t *m = vm_engine_machine(e);
	g_string_append(out, "{\"vmscope\": 1, \"profile\": {\"name\": ");
	json_string(out, cfg->name);
	for (unsigned i = 0; i < vm_config_nr_keys(); i++) {
		/* keys of several CPUs only with them, cgroup.max only when set:
		 * runs without them report as before */
		if (!vm_config_key_shown(cfg, i) ||
		    (!cfg->cgroup_max && strcmp(vm_config_key_name(i), "cgroup.max") == 0))
			continue;
		g_string_append(out, ", ");
		json_string(out, vm_config_key_name(i));
		g_string_append(out, ": ");
		if (vm_config_key_is_bool(i)) {
			g_string_append(out, vm_config_number_value(cfg, i) ? "true" : "false");
		} else if (vm_config_key_is_number(i)) {
			g_string_append_printf(out, "%" G_GINT64_FORMAT,
					       vm_config_number_value(cfg, i));
		} else {
			char *v = vm_config_format_value(cfg, i);
			json_string(out, v);
			g_free(v);
		}
	}
	g_string_append(out, "},\n \"global\": {");
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		if (vm_stats_global_shown(e, i))
			g_string_append_printf(out, "%s\"%s\": %" G_GUINT64_FORMAT,
					       i ? ", " : "", globals[i].name,
					       globals[i].get(e, vm_engine_machine(e)));
	g_string_append(out, "},\n \"processes\": [");
	for (uint32_t k = 0; k < m->nr_procs; k++) {
		g_string_append(out, k ? ",\n  {" : "\n  {");
		for (unsigned i = 0; i < vm_stats_nr_proc(); i++) {
			if (!vm_stats_proc_shown(e, i))
				continue;
			vm_statval_t v = vm_stats_proc(m->procs[k], i);
			g_string_append_printf(out, "%s\"%s\": ", i ? ", " : "",
					       proc_names[i]);
			if (v.is_word)
				json_string(out, v.word);
			else
				g_string_append_printf(out, "%" G_GUINT64_FORMAT, v.num);
		}
		g_string_append_c(out, '}');
	}
	g_string_append(out, "]");
	if (m->nr_threads) {
		g_string_append(out, ",\n \"threads\": [");
		for (uint32_t k = 0; k < m->nr_threads; k++) {
			const vm_proc_t *t = m->threads[k];
			g_string_append_printf(out, "%s{\"tid\": %u, \"tgid\": %u",
					       k ? ",\n  " : "\n  ", t->pid, t->leader->pid);
			for (unsigned i = 1; i < G_N_ELEMENTS(thread_stats); i++) {
				vm_statval_t v = vm_stats_proc(t, thread_stats[i]);
				g_string_append_printf(out, ", \"%s\": ", proc_names[thread_stats[i]]);
				if (v.is_word)
					json_string(out, v.word);
				else
					g_string_append_printf(out, "%" G_GUINT64_FORMAT, v.num);
			}
			g_string_append_c(out, '}');
		}
		g_string_append(out, "]");
	}
	if (m->smp) {
		g_string_append(out, ",\n \"cpus\": [");
		for (unsigned c = 0; c < m->smp->nr_cpus; c++) {
			g_string_append_printf(out, "%s{\"cpu\": %u", c ? ",\n  " : "\n  ", c);
			for (unsigned i = 0; i < G_N_ELEMENTS(cpu_names); i++)
				g_string_append_printf(out, ", \"%s\": %" G_GUINT64_FORMAT,
						       cpu_names[i], cpu_stat(m, c, i));
			g_string_append_c(out, '}');
		}
		g_string_append(out, "]");
	}
	g_string_append(out, ",\n \"files\": [");
	gboolean first = TRUE;
	for (guint k = 0; k < m->files->len; k++) {
		const vm_file_t *f = g_ptr_array_index(m->files, k);
		if (!f->name)
			continue;   /* shmem objects have no name to report */
		g_string_append(out, first ? "\n  {" : ",\n  {");
		first = FALSE;
		for (unsigned i = 0; i < vm_stats_nr_file(); i++) {
			vm_statval_t v = vm_stats_file(m, f, i);
			g_string_append_printf(out, "%s\"%s\": ", i ? ", " : "", file_names[i]);
			if (v.is_word)
				json_string(out, v.word);
			else if (i == 6)
				g_string_append(out, v.num ? "true" : "false");
			else
				g_string_append_printf(out, "%" G_GUINT64_FORMAT, v.num);
		}
		g_string_append_c(out, '}');
	}
	g_string_append(out, "]");
	if (m->nr_memcg) {   /* only when the trace made cgroups */
		g_string_append(out, ",\n \"cgroups\": [");
		for (uint32_t id = 1; id <= m->nr_memcg; id++) {
			const vm_memcg_t *cg = m->memcg[id];
			g_string_append(out, id > 1 ? ",\n  {\"name\": " : "\n  {\"name\": ");
			json_string(out, cg->name);
			const uint64_t lim[] = { cg->max, cg->high, cg->swap_max };
			const char *const ln[] = { "max_pages", "high_pages", "swap_max_pages" };
			for (unsigned i = 0; i < 3; i++) {
				g_string_append_printf(out, ", \"%s\": ", ln[i]);
				if (lim[i] == VM_MEMCG_NONE)
					g_string_append(out, "null");
				else
					g_string_append_printf(out, "%" G_GUINT64_FORMAT, lim[i]);
			}
			for (unsigned i = 0; i < vm_stats_nr_memcg(); i++)
				g_string_append_printf(out, ", \"%s\": %" G_GUINT64_FORMAT,
						       memcgs[i].name, memcgs[i].get(m, cg));
			g_string_append_c(out, '}');
		}
		g_string_append(out, "]");
	}
	g_string_append(out, "}\n");
}

static void write_text_files(vm_machine_t *m, GString *out)
{
	for (guint k = 0; k < m->files->len; k++) {
		const vm_file_t *f = g_ptr_array_index(m->files, k);
		if (!f->name)
			continue;
		g_string_append_printf(out, "\nfile %s\n", f->name);
		for (unsigned i = 1; i < vm_stats_nr_file(); i++)
			g_string_append_printf(out, "  %-20s %" G_GUINT64_FORMAT "\n",
					       file_names[i], vm_stats_file(m, f, i).num);
	}
}

static void write_text(vm_engine_t *e, GString *out)
{
	const vm_config_t *cfg = vm_engine_config(e);
	vm_machine_t *m = vm_engine_machine(e);
	g_string_append_printf(out, "vmscope: %s, profile %s\n\nglobal\n",
			       vm_engine_trace_name(e), cfg->name);
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		if (vm_stats_global_shown(e, i))
			g_string_append_printf(out, "  %-20s %" G_GUINT64_FORMAT "\n",
					       globals[i].name, globals[i].get(e, vm_engine_machine(e)));
	for (uint32_t k = 0; k < m->nr_procs; k++) {
		const vm_proc_t *p = m->procs[k];
		g_string_append_printf(out, "\nprocess %u\n", p->pid);
		for (unsigned i = 1; i < vm_stats_nr_proc(); i++) {
			if (!vm_stats_proc_shown(e, i))
				continue;
			vm_statval_t v = vm_stats_proc(p, i);
			if (v.is_word)
				g_string_append_printf(out, "  %-20s %s\n",
						       proc_names[i], v.word);
			else
				g_string_append_printf(out, "  %-20s %" G_GUINT64_FORMAT "\n",
						       proc_names[i], v.num);
		}
	}
	for (uint32_t k = 0; k < m->nr_threads; k++) {
		const vm_proc_t *t = m->threads[k];
		g_string_append_printf(out, "\nthread %u of process %u\n", t->pid,
				       t->leader->pid);
		for (unsigned i = 1; i < G_N_ELEMENTS(thread_stats); i++) {
			vm_statval_t v = vm_stats_proc(t, thread_stats[i]);
			if (v.is_word)
				g_string_append_printf(out, "  %-20s %s\n",
						       proc_names[thread_stats[i]], v.word);
			else
				g_string_append_printf(out, "  %-20s %" G_GUINT64_FORMAT "\n",
						       proc_names[thread_stats[i]], v.num);
		}
	}
	for (unsigned c = 0; m->smp && c < m->smp->nr_cpus; c++) {
		g_string_append_printf(out, "\ncpu %u\n", c);
		for (unsigned i = 0; i < G_N_ELEMENTS(cpu_names); i++)
			g_string_append_printf(out, "  %-20s %" G_GUINT64_FORMAT "\n",
					       cpu_names[i], cpu_stat(m, c, i));
	}
	write_text_files(m, out);
	for (uint32_t id = 1; id <= m->nr_memcg; id++) {
		const vm_memcg_t *cg = m->memcg[id];
		g_string_append_printf(out, "\ncgroup %s (max ", cg->name);
		limit_text(out, cg->max);
		g_string_append(out, ", high ");
		limit_text(out, cg->high);
		g_string_append(out, ", swap.max ");
		limit_text(out, cg->swap_max);
		g_string_append(out, " pages)\n");
		for (unsigned i = 0; i < vm_stats_nr_memcg(); i++)
			g_string_append_printf(out, "  %-24s %" G_GUINT64_FORMAT "\n",
					       memcgs[i].name, memcgs[i].get(m, cg));
	}
}

/* One CSV field (RFC 4180): quoted, its quotes doubled, when it holds a
 * comma, a quote or a line break; a file may be named "a,b". */
static void csv_field(GString *out, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *s);
	}
	g_string_append_c(out, '"');
}

/* CSV in long form, one value per row, so that every scope fits one
 * header: scope,id,key,value. */
static void write_csv(vm_engine_t *e, GString *out)
{
	vm_machine_t *m = vm_engine_machine(e);
	g_string_append(out, "scope,id,key,value\n");
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		if (vm_stats_global_shown(e, i))
			g_string_append_printf(out, "global,,%s,%" G_GUINT64_FORMAT "\n",
					       globals[i].name, globals[i].get(e, vm_engine_machine(e)));
	for (uint32_t k = 0; k < m->nr_procs; k++)
		for (unsigned i = 1; i < vm_stats_nr_proc(); i++) {
			if (!vm_stats_proc_shown(e, i))
				continue;
			vm_statval_t v = vm_stats_proc(m->procs[k], i);
			if (v.is_word)
				g_string_append_printf(out, "process,%u,%s,%s\n",
						       m->procs[k]->pid,
						       proc_names[i], v.word);
			else
				g_string_append_printf(out, "process,%u,%s,%" G_GUINT64_FORMAT "\n",
						       m->procs[k]->pid,
						       proc_names[i], v.num);
		}
	for (uint32_t k = 0; k < m->nr_threads; k++)
		for (unsigned i = 1; i < G_N_ELEMENTS(thread_stats); i++) {
			vm_statval_t v = vm_stats_proc(m->threads[k], thread_stats[i]);
			g_string_append_printf(out, "thread,%u,%s,", m->threads[k]->pid,
					       proc_names[thread_stats[i]]);
			if (v.is_word)
				g_string_append_printf(out, "%s\n", v.word);
			else
				g_string_append_printf(out, "%" G_GUINT64_FORMAT "\n", v.num);
		}
	for (unsigned c = 0; m->smp && c < m->smp->nr_cpus; c++)
		for (unsigned i = 0; i < G_N_ELEMENTS(cpu_names); i++)
			g_string_append_printf(out, "cpu,%u,%s,%" G_GUINT64_FORMAT "\n",
					       c, cpu_names[i], cpu_stat(m, c, i));
	for (guint k = 0; k < m->files->len; k++) {
		const vm_file_t *f = g_ptr_array_index(m->files, k);
		if (!f->name)
			continue;
		for (unsigned i = 1; i < vm_stats_nr_file(); i++) {
			g_string_append(out, "file,");
			csv_field(out, f->name);
			g_string_append_printf(out, ",%s,%" G_GUINT64_FORMAT "\n",
					       file_names[i], vm_stats_file(m, f, i).num);
		}
	}
	for (uint32_t id = 1; id <= m->nr_memcg; id++)
		for (unsigned i = 0; i < vm_stats_nr_memcg(); i++) {
			g_string_append(out, "cgroup,");
			csv_field(out, m->memcg[id]->name);
			g_string_append_printf(out, ",%s,%" G_GUINT64_FORMAT "\n",
					       memcgs[i].name,
					       memcgs[i].get(m, m->memcg[id]));
		}
}

void vm_stats_write(vm_engine_t *e, vm_format_t fmt, GString *out)
{
	switch (fmt) {
	case VM_FMT_JSON: write_json(e, out); break;
	case VM_FMT_CSV: write_csv(e, out); break;
	default: write_text(e, out); break;
	}
}
