/*
 * The replay engine; see engine.h for the order rules it implements, and
 * engine-int.h for the files it is made of.
 *
 *   reader ──► (check pass over the whole file) ──► rewind
 *      │
 *      ▼ read ahead only while the oldest runnable record is not yet known
 *   per-task FIFOs of records, each stamped with its file position
 *   (sched.c), and the ready heap of the tasks that can run
 *      │
 *      ▼ a step: the machine's due events (wake-ups, I/O completions, the
 *      │ flusher); kswapd's turn if it is due; else the oldest record
 *      │ that can run
 *   exec_record: a context switch if another process had the CPU, then
 *   the accesses (the MMU and the fault handler) or the system call
 *   (models/syscall.c); the clock advances by the cost; a wait blocks
 *   the task until a VM_EV_WAKE.  When nothing can run the clock jumps
 *   to the next event.
 *
 * One path for every record.  The common case, one process or none
 * waiting, never buffers: a record is read, found runnable, and run
 * straight from the reader's buffer; and when nobody watches each step
 * (no callbacks, no checker, no snapshots) the step record is not filled,
 * so a TLB hit costs the reader, one dispatch and the MMU's inline lookup.
 */
#include <string.h>
#include <unistd.h>
#include "models/memcg.h"
#include "sim/engine-int.h"
#include "models/smp.h"
#include "sim/op.h"
#include "sim/config.h"
#include "sim/stats.h"
#include "sim/tracecheck.h"
#include "sim/oracle.h"
#include "traces/vmt.h"
#include "traces/units.h"
#include "traces/error.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/mmu.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"
#include "models/crash.h"
#include "models/check.h"
#include "models/clone.h"
#include "models/fork.h"
#include "models/kswapd.h"
#include "models/vmscan.h"
#include "models/fs.h"
#include "models/syscall.h"
#include "models/policy.h"

/* ---- set-up -------------------------------------------------------------- */

static gboolean apply_profile(vm_engine_t *e, const vm_record_t *rec,
			      GError **error)
{
	if (e->explicit_profile)
		return TRUE;   /* -p wins over the trace's own choice */
	if (e->nr_sets) {
		g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
			    "%s:%" G_GUINT64_FORMAT ":%u: 'profile' must come before the 'set' lines",
			    e->name, rec->line, rec->cols[0] ? rec->cols[0] : 1);
		return FALSE;
	}
	/* an .ini named by a trace is found beside the trace */
	char *path = NULL;
	if (g_str_has_suffix(rec->name, ".ini") && !g_path_is_absolute(rec->name)) {
		char *dir = g_path_get_dirname(e->name);
		path = g_build_filename(dir, rec->name, NULL);
		g_free(dir);
	}
	GError *err = NULL;
	gboolean ok = vm_config_load(&e->cfg, path ? path : rec->name, &err);
	g_free(path);
	if (!ok) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s:%" G_GUINT64_FORMAT ":%u: %s", e->name, rec->line,
			    rec->cols[2] ? rec->cols[2] : 1, err->message);
		g_error_free(err);
	}
	return ok;
}

static gboolean apply_header(vm_engine_t *e, const vm_record_t *rec,
			     GError **error)
{
	if (rec->kind == VM_REC_PROFILE)
		return apply_profile(e, rec, error);
	if (rec->kind == VM_REC_FILE) {
		unsigned col = rec->cols[2] ? rec->cols[2] : 1;
		if (g_hash_table_contains(e->header_names, rec->name)) {
			g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
				    "%s:%" G_GUINT64_FORMAT ":%u: file '%s' is declared twice",
				    e->name, rec->line, col, rec->name);
			return FALSE;
		}
		/* the disk holds VM_MAX_FILE_SIZE bytes, the files one after
		 * another (a sparse one takes none until written) */
		uint64_t room = VM_MAX_FILE_SIZE - e->header_bytes;
		uint64_t need = (rec->flags & (VM_FILE_SPARSE | VM_FILE_TMPFS)) ? 0 : rec->len;
		if (rec->len > VM_MAX_FILE_SIZE || need > room) {
			g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
				    "%s:%" G_GUINT64_FORMAT ":%u: size=%" G_GUINT64_FORMAT
				    " %s the simulated disk's 2^63-1 bytes (the largest "
				    "file, as Linux's MAX_LFS_FILESIZE)", e->name, rec->line,
				    rec->cols[3] ? rec->cols[3] : col, rec->len,
				    rec->len > VM_MAX_FILE_SIZE ? "is larger than"
				    : "with the files declared before it passes");
			return FALSE;
		}
		e->header_bytes += need;
		vm_record_t *copy = g_new0(vm_record_t, 1);
		vm_record_copy(copy, rec);
		g_ptr_array_add(e->file_headers, copy);
		g_hash_table_add(e->header_names, (gpointer)copy->name);
		return TRUE;
	}
	GError *err = NULL;
	if (!vm_config_set(&e->cfg, rec->name, rec->value, &err)) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s:%" G_GUINT64_FORMAT ":%u: %s", e->name, rec->line,
			    rec->cols[2] ? rec->cols[2] : rec->cols[1] ? rec->cols[1] : 1,
			    err->message);
		g_error_free(err);
		return FALSE;
	}
	e->nr_sets++;
	return TRUE;
}

static gboolean is_header(vm_rec_kind_t k)
{
	return k == VM_REC_SET || k == VM_REC_FILE || k == VM_REC_PROFILE;
}

/* Read the header, build the profile, check the trace, build the machine. */
/*
 * The frame table and the swap map are allocated up front, with the sizes
 * the profile names (memory=, swap.size=): refuse a machine this host
 * cannot hold, naming the keys (docs/profiles.md), rather than abort when
 * the allocation fails.  What a trace touches (files, mappings, page
 * tables) is sparse and needs no such bound.
 */
static gboolean host_can_back(const vm_config_t *cfg, GError **error)
{
	uint64_t need = vm_machine_host_bytes(cfg);
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || psz <= 0)
		return TRUE;   /* unknown: let the allocation decide */
	uint64_t have = (uint64_t)pages * (uint64_t)psz;
	if (need <= have / 2)
		return TRUE;
	g_autofree char *mem = vm_format_size(cfg->memory);
	g_autofree char *sw = vm_format_size(cfg->swap_size);
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "memory=%s and swap.size=%s need %.1f GiB of this host's "
		    "memory for the frame table and the swap map, more than "
		    "half of its %.1f GiB: use a smaller memory or swap.size, "
		    "or a larger page_size (docs/profiles.md)", mem, sw,
		    need / 1073741824.0, have / 1073741824.0);
	return FALSE;
}

/* The profile's cgroup.max (docs/profiles.md): pid 1 starts in the memory
 * cgroup `profile` with that limit, made the first time (the trace checker
 * knows the name). */
static void profile_cgroup(vm_engine_t *e)
{
	if (!e->cfg.cgroup_max)
		return;
	vm_memcg_t *cg = vm_memcg_find(e->m, VM_ENGINE_CGROUP);
	if (!cg)
		cg = vm_memcg_create(e->m, VM_ENGINE_CGROUP, e->cfg.cgroup_max,
				     VM_MEMCG_NONE, VM_MEMCG_NONE);
	vm_memcg_enter(e->m, vm_proc_lookup(e->m, 1), cg);
}

/* ---- several CPUs (cpus > 1; models/smp.h) ---------------------------------- */

static void dispatch(vm_engine_t *e, const vm_ev_t *ev);

/* Boot, or reboot after a crash: pid 1 runs on CPU 0, every other CPU is
 * idle with no mm loaded. */
static void smp_boot(vm_engine_t *e, task_t *t1)
{
	vm_machine_t *m = e->m;
	vm_smp_t *s = m->smp;
	for (guint i = 0; i < e->tasks->len; i++) {
		task_t *t = g_ptr_array_index(e->tasks, i);
		t->cpu = t->last_cpu = -1;
	}
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		vm_cpu_t *cpu = &s->cpu[c];
		cpu->cur_pid = cpu->loaded_mm = 0;
		cpu->lazy = FALSE;
		cpu->nr_tasks = 0;
		memset(cpu->asid, 0, sizeof cpu->asid);
		cpu->next_asid = 0;
	}
	vm_smp_set_cpu(m, 0);
	vm_smp_switch_mm(m, 1);
	s->cpu[0].cur_pid = 1;
	s->cpu[0].nr_tasks = 1;
	t1->cpu = 0;
}

/* select_task_rq: a CPU for @t, which has none. */
static void smp_place(vm_engine_t *e, task_t *t)
{
	vm_smp_t *s = e->m->smp;
	unsigned c = t->pin >= 0 ? (unsigned)t->pin
				 : s->sched->select_cpu(s, t->last_cpu);
	t->cpu = (int)c;
	s->cpu[c].nr_tasks++;
}

void vm_engine_smp_unplace(vm_engine_t *e, task_t *t)
{
	vm_machine_t *m = e->m;
	if (!m->smp || t->cpu < 0)
		return;
	vm_cpu_t *cpu = &m->smp->cpu[t->cpu];
	cpu->nr_tasks--;
	if (!cpu->nr_tasks && cpu->cur_pid == t->pid) {
		/* nothing else to run there: the idle task, a kernel
		 * thread, borrows the mm (enter_lazy_tlb) */
		unsigned was = m->smp->cur;
		vm_smp_set_cpu(m, (unsigned)t->cpu);
		vm_smp_enter_lazy(m);
		vm_smp_set_cpu(m, was);
	}
	t->last_cpu = t->cpu;
	t->cpu = -1;
}

/* A record of @t (process @p) starts: on its CPU, when that CPU is free
 * and not before the clock (the file order), switching to it if it ran
 * something else. */
static void smp_enter(vm_engine_t *e, task_t *t, vm_proc_t *p, vm_step_t *st)
{
	vm_machine_t *m = e->m;
	vm_smp_t *s = m->smp;
	if (t->cpu < 0)
		smp_place(e, t);
	unsigned c = (unsigned)t->cpu;
	vm_smp_set_cpu(m, c);
	vm_cpu_t *cpu = &s->cpu[c];
	uint64_t start = MAX(m->now, cpu->busy_until);
	if (start > m->now) {
		/* what happens before the CPU is free happens first */
		m->now = start;
		const vm_ev_t *top;
		while ((top = vm_events_peek(&m->ev)) && top->time <= m->now) {
			vm_ev_t ev;
			vm_events_pop(&m->ev, &ev);
			dispatch(e, &ev);
		}
		vm_smp_set_cpu(m, c);
	}
	e->smp_active = TRUE;
	e->smp_cpu = c;
	e->smp_start = start;
	s->op_cost = s->op_ipis = 0;
	e->smp_serial = s->last.serial;
	st->smp = 1;
	st->cpu = (uint16_t)c;
	if (cpu->cur_pid != t->pid) {
		/* __schedule → context_switch → switch_mm_irqs_off (a
		 * thread of the same mm keeps it loaded) */
		st->switched = 1;
		uint64_t flushes = m->c.tlb_flushes;
		st->flushed = vm_smp_switch_mm(m, p->pid) ||
			      m->c.tlb_flushes != flushes;
		cpu->cur_pid = t->pid;
		cpu->context_switches++;
		m->c.context_switches++;
		m->now += e->cfg.cost_context_switch;
	}
	e->pos.cpu_pid = p->pid;
}

/* The record ran: the CPU is busy until now; a task that waits or ended
 * leaves its CPU. */
static void smp_leave(vm_engine_t *e, task_t *t)
{
	vm_machine_t *m = e->m;
	vm_smp_t *s = m->smp;
	vm_cpu_t *cpu = &s->cpu[e->smp_cpu];
	cpu->busy_until = MAX(cpu->busy_until, m->now);
	cpu->busy_ns += m->now - e->smp_start;
	if (cpu->busy_until > s->horizon)
		s->horizon = cpu->busy_until;
	if (!vm_task_alive(t))
		vm_engine_smp_unplace(e, t);
}

/* The trace checker, knowing the files the headers declare. */
static vm_tracecheck_t *tracecheck_new(vm_engine_t *e)
{
	vm_tracecheck_t *c = vm_tracecheck_new(&e->cfg, e->name);
	for (guint i = 0; i < e->file_headers->len; i++) {
		const vm_record_t *h = g_ptr_array_index(e->file_headers, i);
		vm_tracecheck_file(c, h->name, (h->flags & VM_FILE_TMPFS) != 0);
	}
	return c;
}

static gboolean engine_prepare(vm_engine_t *e, char **overrides, GError **error)
{
	gboolean got = FALSE;
	GError *err = NULL;
	/* every read goes into e->rec, which only read_event writes besides
	 * (and says so): the reader may write only what changes */
	vm_vmt_keep_record(e->rd, &e->rec);
	while ((got = vm_vmt_next(e->rd, &e->rec, &err))) {
		if (!is_header(e->rec.kind))
			break;
		if (!apply_header(e, &e->rec, error))
			return FALSE;
	}
	if (err) {
		g_propagate_error(error, err);
		return FALSE;
	}
	for (char **o = overrides; o && *o; o++) {
		if (!vm_config_set_assignment(&e->cfg, *o, &err)) {
			g_set_error(error, VM_ERROR, VM_ERROR_INVALID, "-s %s: %s",
				    *o, err->message);
			g_error_free(err);
			return FALSE;
		}
	}
	if (!vm_config_validate(&e->cfg, error))
		return FALSE;
	if (e->cfg.cpus > VM_SMP_MAX_CPUS) {
		g_set_error(error, VM_ERROR, VM_ERROR_UNSUPPORTED,
			    "cpus=%u: this version simulates at most %u CPUs",
			    e->cfg.cpus, VM_SMP_MAX_CPUS);
		return FALSE;
	}

	/* a policy that reads the future (opt) gets the oracle, built from
	 * the whole file before the first record runs */
	const vm_policy_t *rp = vm_policy_find(VM_POLICY_RECLAIM, e->cfg.reclaim_policy);
	gboolean opt = rp && (rp->flags & VM_POLICY_NEEDS_FUTURE);
	if (opt && !vm_vmt_seekable(e->rd)) {
		g_set_error(error, VM_ERROR, VM_ERROR_UNSUPPORTED,
			    "%s: reclaim.policy=%s reads the trace's future, so it needs a trace file, not a stream",
			    e->name, rp->name);
		return FALSE;
	}
	if (vm_vmt_seekable(e->rd)) {
		vm_tracecheck_t *c = tracecheck_new(e);
		gboolean ok = TRUE;
		if (opt) {
			e->oracle = vm_oracle_new((unsigned)g_bit_nth_lsf(e->cfg.page_size, -1));
			for (guint i = 0; i < e->file_headers->len; i++) {
				const vm_record_t *h = g_ptr_array_index(e->file_headers, i);
				vm_oracle_file(e->oracle, h->name, h->len);
			}
		} else
			vm_vmt_set_skim(e->rd, TRUE);   /* the oracle needs every access */
		while (got) {
			if (is_header(e->rec.kind)) {
				g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
					    "%s:%" G_GUINT64_FORMAT ":1: header record after the first event",
					    e->name, e->rec.line);
				ok = FALSE;
				break;
			}
			if (!vm_tracecheck_record(c, &e->rec, error)) {
				ok = FALSE;
				break;
			}
			if (e->oracle)
				vm_oracle_record(e->oracle, &e->rec);
			got = vm_vmt_next(e->rd, &e->rec, &err);
		}
		vm_tracecheck_free(c);
		if (err) {
			g_propagate_error(error, err);
			return FALSE;
		}
		if (!ok || !vm_vmt_rewind(e->rd, error))
			return FALSE;
	} else {
		e->stream_check = tracecheck_new(e);
		if (got) {
			if (!vm_tracecheck_record(e->stream_check, &e->rec, error))
				return FALSE;
			vm_record_copy(&e->first, &e->rec);
			e->have_first = TRUE;
		}
	}

	if (!host_can_back(&e->cfg, error))
		return FALSE;
	e->m = vm_machine_new(&e->cfg);
	if (e->oracle) {
		vm_oracle_finish(e->oracle);
		vm_oracle_bind(e->oracle, e->m);
		vm_machine_set_reclaim(e->m, vm_oracle_next_use, e->oracle);
	}
	if (!vm_proc_spawn(e->m, 1)) {
		g_set_error(error, VM_ERROR, VM_ERROR_OOM,
			    "out of memory: no frame for process 1's page table");
		return FALSE;
	}
	profile_cgroup(e);
	e->pos.cpu_pid = 1;
	e->m->cur_asid = 1;
	vm_config_watermarks(&e->cfg, &e->m->wm_min, &e->m->wm_low, &e->m->wm_high);
	for (guint i = 0; i < e->file_headers->len; i++) {
		const vm_record_t *h = g_ptr_array_index(e->file_headers, i);
		if (h->flags & VM_FILE_TMPFS)
			vm_file_new_tmpfs(e->m, h->name, h->len,
					  (h->flags & VM_FILE_SPARSE) != 0);
		else
			vm_file_new(e->m, h->name, h->len, (h->flags & VM_FILE_SPARSE) != 0,
				    (h->flags & VM_FILE_CACHED) != 0);
	}
	task_t *t1 = vm_sched_task(e, 1);
	t1->forks_read = 1;   /* the boot made pid 1's first incarnation */
	vm_sched_incarnate(e, t1, vm_proc_lookup(e->m, 1), 1);
	if (e->m->smp)
		smp_boot(e, t1);
	return TRUE;
}

static void free_header(gpointer p)
{
	vm_record_clear(p);
	g_free(p);
}

static vm_engine_t *engine_new(const vm_config_t *base,
			       const vm_engine_opts_t *opts, char **overrides)
{
	vm_engine_t *e = g_new0(vm_engine_t, 1);
	if (opts)
		e->opts = *opts;
	e->overrides = g_strdupv(overrides);
	if (base) {
		e->cfg = *base;
		e->base = *base;
		e->have_base = TRUE;
		e->explicit_profile = TRUE;
	} else {
		vm_config_default(&e->cfg);
	}
	vm_sched_init(e);
	e->file_headers = g_ptr_array_new_with_free_func(free_header);
	e->header_names = g_hash_table_new(g_str_hash, g_str_equal);
	e->msg = g_string_new(NULL);
	vm_record_blank(&e->kswapd_rec);
	e->kswapd_rec.kind = VM_REC_KSWAPD;
	return e;
}

vm_engine_t *vm_engine_open(const char *path, const vm_config_t *base,
			    char **overrides, const vm_engine_opts_t *opts,
			    GError **error)
{
	vm_vmt_reader_t *rd = vm_vmt_open(path, error);
	if (!rd)
		return NULL;
	vm_engine_t *e = engine_new(base, opts, overrides);
	e->rd = rd;
	e->name = g_strdup(vm_vmt_name(rd));
	e->path = g_strdup(path);
	if (!engine_prepare(e, overrides, error)) {
		vm_engine_free(e);
		return NULL;
	}
	vm_snap_init(e);
	return e;
}

vm_engine_t *vm_engine_open_memory(const char *name, const char *text,
				   const vm_config_t *base, char **overrides,
				   const vm_engine_opts_t *opts,
				   GError **error)
{
	vm_engine_t *e = engine_new(base, opts, overrides);
	e->text = g_strdup(text);
	e->rd = vm_vmt_open_memory(name, e->text, strlen(e->text));
	e->name = g_strdup(name);
	if (!engine_prepare(e, overrides, error)) {
		vm_engine_free(e);
		return NULL;
	}
	vm_snap_init(e);
	return e;
}

void vm_engine_free(vm_engine_t *e)
{
	if (!e)
		return;
	vm_snap_free_all(e);
	if (e->rd)
		vm_vmt_close(e->rd);
	vm_tracecheck_free(e->stream_check);
	if (e->have_first || e->first_lent)
		vm_record_clear(&e->first);
	if (e->crash_pending)
		vm_record_clear(&e->crash);
	vm_machine_free(e->m);
	vm_oracle_free(e->oracle);
	vm_sched_destroy(e);
	g_hash_table_destroy(e->header_names);
	g_ptr_array_free(e->file_headers, TRUE);
	g_string_free(e->msg, TRUE);
	g_free(e->name);
	g_free(e->path);
	g_free(e->text);
	g_strfreev(e->overrides);
	g_free(e);
}

vm_machine_t *vm_engine_machine(vm_engine_t *e) { return e->m; }
const vm_config_t *vm_engine_config(const vm_engine_t *e) { return &e->cfg; }
const char *vm_engine_trace_name(const vm_engine_t *e) { return e->name; }
uint64_t vm_engine_now(const vm_engine_t *e)
{
	if (!e->m)
		return 0;
	/* several CPUs: the clock is the start of the latest record, and
	 * the time so far is when the busiest CPU is done */
	if (G_UNLIKELY(e->m->smp != NULL))
		return MAX(e->m->now, e->m->smp->horizon);
	return e->m->now;
}
uint64_t vm_engine_expect_passed(const vm_engine_t *e) { return e->pos.passed; }
uint64_t vm_engine_expect_failed(const vm_engine_t *e) { return e->pos.failed; }
uint64_t vm_engine_events(const vm_engine_t *e) { return e->pos.events; }

/* ---- running records ------------------------------------------------------ */

/* The process CPU pid of kswapd (no process has pid 0). */
#define KSWAPD_CPU 0

/* kswapd wants the CPU and has let the processes have theirs: it takes
 * turns with them, each as long as its last, a fair share of the CPU. */
static inline gboolean kswapd_due(vm_engine_t *e)
{
	return G_UNLIKELY(e->m->kswapd_state == VM_KSWAPD_RUNNABLE) &&
	       e->m->now >= e->pos.kswapd_next;
}

/* Number of accesses a record makes (pages for ACCESS). */
static uint64_t access_count(const vm_engine_t *e, const vm_record_t *r)
{
	if (G_LIKELY(r->kind == VM_REC_ACCESS)) {
		/* vm_record_accesses with shifts: most records are these */
		unsigned sh = e->m->page_shift;
		return ((r->addr + r->len - 1) >> sh) - (r->addr >> sh) + 1;
	}
	return vm_record_accesses(r, e->cfg.page_size);
}

/* What one access left its record to do (access_one). */
typedef enum {
	ACC_NEXT,       /* go on with the record's next page */
	ACC_STOP,       /* the process died (or was killed): the record ends */
	ACC_WAIT,       /* the process waits for the disk after this page */
	ACC_FAIL,       /* out of memory with nobody to kill: @error is set */
} acc_rc_t;

/* Access @va, the @k-th page of @r, for task @t at the machine's clock.
 * Inline in run_one_page (the run of one-page accesses): as a call, its
 * register saves and arguments were a fifth of a TLB hit's instructions
 * (docs/speed.md, the fifth round); access_one_call for the others. */
static inline __attribute__((always_inline)) acc_rc_t
access_one(vm_engine_t *e, task_t *t, vm_proc_t *p, const vm_record_t *r,
	   uint64_t va, uint64_t k, GError **error)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	/* straight into the step: a copy of it read back what the narrow
	 * stores had just written, a store-forwarding stall that cost more
	 * than the rest of a TLB hit */
	vm_result_t *res = &st->last;

	vm_mmu_access(m, p, va, r->acc, res);
	e->m->now += res->cost;
	p->cpu_ns += res->cost;
	if (G_UNLIKELY(t->thread != NULL)) {
		t->thread->accesses++;
		t->thread->cpu_ns += res->cost;
		t->thread->last_outcome = p->last_outcome;
		t->thread->last_pfn = p->last_pfn;
	}
	st->nr_access++;
	if (G_UNLIKELY(e->oracle != NULL))
		vm_oracle_served(e->oracle, p, va >> m->page_shift);
	if (G_UNLIKELY(res->oom)) {
		if (p->state != VM_PROC_RUNNING) {
			/* the OOM killer chose this very process */
			st->killed = 1;
			st->last_vaddr = va;
			return ACC_STOP;
		}
		g_set_error(error, VM_ERROR, VM_ERROR_OOM,
			    "%s:%" G_GUINT64_FORMAT ": out of memory: pid %u needs a frame for 0x%"
			    G_GINT64_MODIFIER "x; nothing can be reclaimed and the OOM killer "
			    "could free nothing (oom.policy=%s; %" G_GUINT64_FORMAT " pages of memory)",
			    e->name, r->line, p->pid, va, e->cfg.oom_policy,
			    (uint64_t)m->frames.nr);
		return ACC_FAIL;
	}
	st->outcomes[res->outcome]++;
	st->last_vaddr = va;
	if (G_UNLIKELY(e->opts.on_access != NULL))
		e->opts.on_access(e->opts.ctx, e, r, va, r->acc, res);
	if (G_UNLIKELY(res->outcome == VM_OUT_SIGSEGV ||
		       res->outcome == VM_OUT_SIGBUS)) {
		vm_sig_t sig = res->outcome == VM_OUT_SIGSEGV ? VM_SIG_SIGSEGV
							    : VM_SIG_SIGBUS;
		if (p->catch_mask & (1u << sig)) {
			st->caught = 1;
			return ACC_NEXT;   /* counted and skipped (docs/format.md) */
		}
		vm_proc_exit(m, p, sig == VM_SIG_SIGSEGV ? VM_KILL_SIGSEGV
							    : VM_KILL_SIGBUS);
		st->killed = 1;
		return ACC_STOP;
	}
	if (G_UNLIKELY(res->ready_at > e->m->now)) {
		/* the process waits for the disk; others may run */
		vm_sched_block(e, t, res->ready_at, TRUE);
		t->cur_pos = k + 1;
		return ACC_WAIT;
	}
	return ACC_NEXT;
}

/* access_one as a call (run_accesses). */
static __attribute__((noinline)) acc_rc_t
access_one_call(vm_engine_t *e, task_t *t, vm_proc_t *p, const vm_record_t *r,
		uint64_t va, uint64_t k, GError **error)
{
	return access_one(e, t, p, r, va, k, error);
}

/*
 * Run the accesses of @t's current record from cur_pos on.  Returns FALSE
 * with @error when the machine ran out of memory.
 */
static gboolean run_accesses(vm_engine_t *e, task_t *t, vm_proc_t *p,
			     const vm_record_t *r, GError **error)
{
	uint64_t n = t->cur_n;
	uint64_t ps = e->cfg.page_size;
	uint64_t stride = r->stride ? r->stride : ps;
	uint64_t pages = r->len / ps;
	unsigned sh = e->m->page_shift;
	for (uint64_t k = t->cur_pos; k < n; k++) {
		uint64_t va;
		if (r->kind == VM_REC_ACCESS)
			va = k ? ((r->addr >> sh) + k) << sh : r->addr;
		else if (r->kind == VM_REC_SEQ)
			va = r->addr + k * stride;
		else
			va = r->addr + (vm_splitmix64(&t->cur_rng) % pages) * ps;
		acc_rc_t rc = access_one_call(e, t, p, r, va, k, error);
		if (rc == ACC_FAIL)
			return FALSE;
		if (rc == ACC_WAIT)
			return TRUE;
		if (rc == ACC_STOP) {
			/* its process died: the rest of the record is lost */
			e->pos.skipped_accesses += n - k - 1;
			break;
		}
		if (G_UNLIKELY(kswapd_due(e)) && k + 1 < n) {
			/* kswapd takes its turn on the CPU; the record goes
			 * on after it, as a process is preempted */
			t->cur_pos = k + 1;
			return TRUE;
		}
	}
	t->cur_pos = n;
	return TRUE;
}

static gboolean is_access(vm_rec_kind_t k)
{
	return k == VM_REC_ACCESS || k == VM_REC_SEQ || k == VM_REC_RAND;
}

static gboolean is_bookkeeping(vm_rec_kind_t k)
{
	return k == VM_REC_NOTE || k == VM_REC_EXPECT;
}

/* The machine's counters a watched step reports as differences. */
typedef struct {
	uint64_t evicted, kills, kswapd, pageout;
} step_marks_t;

/* A watched record begins (explain, --timeline, the TUI, snapshots): the
 * step record reset as a whole for those who look at it, and the
 * counters it will report marked. */
static void watched_step_begin(vm_engine_t *e, const vm_record_t *r,
			       uint64_t index, step_marks_t *mk)
{
	const vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	vm_zero(st, sizeof *st);   /* not memset: models/types.h */
	st->rec = r;
	st->index = index;
	st->last.outcome = VM_OUT_NONE;
	st->start_ns = m->now;
	mk->evicted = m->nr_evicted;
	mk->kills = m->c.oom_kills;
	mk->kswapd = m->c.kswapd_wakeups;
	mk->pageout = m->nr_pageout;
}

/* It ended: the step record's end and counts, the invariant checker
 * (FALSE with @error when it finds something) and on_step. */
static gboolean watched_step_end(vm_engine_t *e, const vm_record_t *r,
				 const step_marks_t *mk, GError **error)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	st->end_ns = m->now;
	st->evicted = m->nr_evicted - mk->evicted;
	st->pageouts = m->nr_pageout - mk->pageout;
	st->oom_kills = m->c.oom_kills - mk->kills;
	st->kswapd = m->c.kswapd_wakeups - mk->kswapd;
	if (e->opts.check) {
		char *bad = vm_check_machine(m);
		if (bad) {
			g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
				    "%s:%" G_GUINT64_FORMAT ": invariant violated after this event: %s",
				    e->name, r->line, bad);
			g_free(bad);
			return FALSE;
		}
	}
	if (e->opts.on_step)
		e->opts.on_step(e->opts.ctx, e, st);
	return TRUE;
}

/* Run (or resume) @r for task @t. */
static gboolean exec_record_1(vm_engine_t *e, task_t *t, const vm_record_t *r,
			      uint64_t index, GError **error)
{
	vm_machine_t *m = e->m;
	vm_proc_t *p = t->p;
	vm_step_t *st = &e->st;
	gboolean watched = vm_engine_watched(e);
	step_marks_t marks;
	t->cur_n = access_count(e, r);
	if (G_UNLIKELY(watched)) {
		/* a replay nobody watches fills only what it needs of the
		 * step record (the result and the counts of run_accesses) */
		watched_step_begin(e, r, index, &marks);
		st->resumed = t->cur_pos > 0;
	}

	if (!p || p->state != VM_PROC_RUNNING ||
	    G_UNLIKELY(t->thread && t->thread->state != VM_PROC_RUNNING)) {
		if (G_UNLIKELY(m->smp != NULL))
			vm_engine_smp_unplace(e, t);
		if (!is_bookkeeping(r->kind)) {
			st->skipped = 1;
			/* (a read() that waited half-way has cur_pos, its
			 * bytes, beyond its cur_n of 0) */
			if (t->cur_n > t->cur_pos)
				e->pos.skipped_accesses += t->cur_n - t->cur_pos;
			t->cur_pos = t->cur_n;   /* done: nothing to resume */
			if (r->kind == VM_REC_FORK || r->kind == VM_REC_CLONE) {
				/* no parent, no fork: the child's events are
				 * skipped as a dead process's are */
				vm_sched_incarnate(e, vm_sched_task(e, r->child), NULL,
						   t->cur_child_gen);
				e->last_task = t;
			}
			goto done;
		}
	} else if (G_UNLIKELY(m->smp != NULL)) {
		if (!is_bookkeeping(r->kind))
			smp_enter(e, t, p, st);
	} else if (!is_bookkeeping(r->kind) && e->pos.cpu_pid != p->pid) {
		st->switched = 1;
		uint64_t flushes = m->c.tlb_flushes;
		vm_proc_switch_to(m, p);
		st->flushed = m->c.tlb_flushes != flushes;
		m->c.context_switches++;
		e->m->now += e->cfg.cost_context_switch;
		e->pos.cpu_pid = p->pid;
	}
	st->start_ns = e->m->now;

	/* a system call's result is the step's, as an access's is */
	vm_result_t *res = &st->last;
	gboolean sys = !is_access(r->kind) && !is_bookkeeping(r->kind);
	if (sys)
		*res = (vm_result_t){ .outcome = VM_OUT_NONE };

	switch (r->kind) {
	case VM_REC_ACCESS:
	case VM_REC_SEQ:
	case VM_REC_RAND:
		if (!t->cur_pos)
			t->cur_rng = r->seed;
		if (!run_accesses(e, t, p, r, error))
			return FALSE;
		break;
	case VM_REC_NOTE:
		break;
	case VM_REC_EXPECT:
		vm_expect_run(e, r);
		break;
	default:
		/* a system call: its op's execution (sim/op.c) */
		if (r->kind >= VM_REC_NR || !vm_sim_ops[r->kind].exec) {
			/* the check pass refuses every other kind */
			g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
				    "%s:%" G_GUINT64_FORMAT ": '%s' reached the replay unchecked",
				    e->name, r->line, vm_record_op_name(r));
			return FALSE;
		}
		if (!vm_sim_ops[r->kind].exec(e, t, r, res, error))
			return FALSE;
		break;
	}
	if (G_UNLIKELY(e->smp_active)) {
		/* the IPIs this record's flushes sent: it waited for each
		 * acknowledgement (cost.ipi) */
		vm_smp_t *s = m->smp;
		st->ipis = (uint32_t)s->op_ipis;
		st->shootdowns = (uint32_t)(s->last.serial - e->smp_serial);
		if (sys) {
			res->cost += s->op_cost;
		} else {
			m->now += s->op_cost;
			p->cpu_ns += s->op_cost;
			if (t->thread)
				t->thread->cpu_ns += s->op_cost;
		}
		s->op_cost = s->op_ipis = 0;
	}
	if (sys) {
		if (G_UNLIKELY(res->more)) {
			/* a read() that waits half-way: the record stays and
			 * runs again from here once the wait is over */
			t->cur_pos += res->bytes;
			t->cur_n = t->cur_pos + 1;
		}
		e->m->now += res->cost;
		p->cpu_ns += res->cost;
		if (G_UNLIKELY(t->thread != NULL))
			t->thread->cpu_ns += res->cost;
		if (res->ready_at > e->m->now)
			vm_sched_block(e, t, res->ready_at, res->why != VM_WHY_SLEEP);
	}
	if (G_UNLIKELY(e->smp_active))
		smp_leave(e, t);
done:
	e->pos.events++;
	if (G_LIKELY(!watched))
		return TRUE;
	return watched_step_end(e, r, &marks, error);
}

static gboolean exec_record(vm_engine_t *e, task_t *t, const vm_record_t *r,
			    uint64_t index, GError **error)
{
	vm_machine_t *m = e->m;
	m->cur_thread = t->thread;
	gboolean ok = exec_record_1(e, t, r, index, error);
	m->cur_thread = NULL;
	if (G_UNLIKELY(e->smp_active)) {
		/* CPUs run in parallel: the next record may start on another
		 * CPU before this one ended */
		e->smp_active = FALSE;
		if (ok)
			m->now = e->smp_start;
	}
	return ok;
}

/* ---- order ----------------------------------------------------------------- */

/* Event @ev is due: a task's wake-up is the engine's, the rest the
 * machine's. */
static void dispatch(vm_engine_t *e, const vm_ev_t *ev)
{
	if (ev->kind == VM_EV_WAKE)
		vm_sched_wake(e, ev->arg);
	else
		vm_machine_event(e->m, ev);
}

/* Read the next event record, from the stream's saved first one or the
 * reader; skips the header on a rewound file.  FALSE at the end or error. */
static gboolean read_event(vm_engine_t *e, GError **error)
{
	if (e->have_first) {
		/* `rec` holds the reader's record (borrowed strings, not to
		 * be freed); it borrows the copy's until the next read. */
		e->rec = e->first;
		vm_vmt_keep_record(e->rd, &e->rec);   /* written here */
		e->have_first = FALSE;
		e->first_lent = TRUE;
		return TRUE;
	}
	if (e->first_lent) {
		vm_record_clear(&e->first);
		e->first_lent = FALSE;
	}
	for (;;) {
		if (!vm_vmt_next(e->rd, &e->rec, error))
			return FALSE;
		if (is_header(e->rec.kind)) {
			if (e->stream_check) {
				g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
					    "%s:%" G_GUINT64_FORMAT ":1: header record after the first event",
					    e->name, e->rec.line);
				return FALSE;
			}
			continue;   /* applied before the replay */
		}
		if (e->stream_check &&
		    !vm_tracecheck_record(e->stream_check, &e->rec, error))
			return FALSE;
		return TRUE;
	}
}

/* Power loss and reboot (docs/format.md `crash`). */
static gboolean run_crash(vm_engine_t *e, GError **error)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	vm_zero(st, sizeof *st);   /* not memset: models/types.h */
	st->rec = &e->crash;
	st->index = e->pos.crash_seq + 1;
	st->start_ns = st->end_ns = e->m->now;
	st->last.outcome = VM_OUT_NONE;
	vm_crash_machine(m, &st->lost, &st->torn);
	vm_proc_t *p1 = vm_proc_spawn(m, 1);
	if (!p1) {
		g_set_error(error, VM_ERROR, VM_ERROR_OOM,
			    "%s:%" G_GUINT64_FORMAT ": no frame for pid 1 after the reboot",
			    e->name, e->crash.line);
		return FALSE;
	}
	profile_cgroup(e);   /* the rebooted pid 1 starts there again */
	/* pid 1's records after the crash belong to the rebooted one */
	task_t *t1 = vm_sched_task(e, 1);
	vm_sched_incarnate(e, t1, p1, t1->forks_read);
	e->pos.cpu_pid = 1;
	m->cur_asid = 1;
	if (m->smp)
		smp_boot(e, t1);
	e->pos.events++;
	e->crash_pending = FALSE;
	if (e->opts.check) {
		char *bad = vm_check_machine(m);
		if (bad) {
			g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
				    "%s:%" G_GUINT64_FORMAT ": invariant violated after the crash: %s",
				    e->name, e->crash.line, bad);
			g_free(bad);
			return FALSE;
		}
	}
	if (e->opts.on_step)
		e->opts.on_step(e->opts.ctx, e, st);
	vm_record_clear(&e->crash);
	return TRUE;
}

/* A turn of kswapd (kswapd.c), as a step of its own. */
static gboolean run_kswapd(vm_engine_t *e, GError **error)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	vm_zero(st, sizeof *st);   /* not memset: models/types.h */
	st->rec = &e->kswapd_rec;
	st->last.outcome = VM_OUT_NONE;
	if (e->pos.cpu_pid != KSWAPD_CPU) {
		/* a kernel thread borrows the last address space (lazy TLB):
		 * no flush, even without ASIDs */
		st->switched = 1;
		m->c.context_switches++;
		m->now += e->cfg.cost_context_switch;
		e->pos.cpu_pid = KSWAPD_CPU;
	}
	st->start_ns = m->now;
	uint64_t evicted0 = m->nr_evicted, pageout0 = m->nr_pageout;
	uint64_t scanned0 = m->reclaim->stats.pgscan;
	uint64_t cost = vm_kswapd_run(m);
	m->now += cost;
	e->pos.kswapd_next = m->now + cost;
	st->end_ns = m->now;
	st->evicted = m->nr_evicted - evicted0;
	st->pageouts = m->nr_pageout - pageout0;
	st->last.pages = m->reclaim->stats.pgscan - scanned0;
	if (m->kswapd_state == VM_KSWAPD_WAITING)
		st->wait_until = vm_vmscan_pageout_next(m);
	e->pos.events++;
	if (e->opts.check) {
		char *bad = vm_check_machine(m);
		if (bad) {
			g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
				    "%s: invariant violated after kswapd ran: %s",
				    e->name, bad);
			g_free(bad);
			return FALSE;
		}
	}
	if (e->opts.on_step)
		e->opts.on_step(e->opts.ctx, e, st);
	return TRUE;
}

/* A record has run for @t, from the reader (@from_reader: not yet
 * copied) or as its current one: keep a copy of one that stopped
 * half-way (it waits, or kswapd took the CPU), drop a finished one. */
static void record_ran(vm_engine_t *e, task_t *t, const vm_record_t *r,
		       gboolean from_reader)
{
	gboolean finished = t->cur_pos >= t->cur_n;
	if (from_reader) {
		if (finished) {
			if (G_UNLIKELY(t->p && !vm_task_alive(t)))
				vm_sched_forget(e, t);
			return;
		}
		vm_record_copy(&t->cur, r);
		t->busy = TRUE;
	} else if (finished) {
		vm_record_clear(&t->cur);
		t->busy = FALSE;
	}
	vm_sched_update(e, t);
	if (finished && G_UNLIKELY(t->p && !vm_task_alive(t)))
		vm_sched_forget(e, t);   /* frees @t when it is done with */
}

/*
 * Whether reading ahead cannot find a record that can run now: the trace
 * was checked whole before the run (so reading finds no error, sooner or
 * later), no process but the first has ever existed, it is the one task,
 * and it waits.  Every record after it is then its own, or of a process a
 * fork after it has yet to create, or a crash, which waits for everything
 * before it: none can start before the task wakes.  Reading them now would
 * only copy each through the task's queue: under memory pressure, where
 * the process waits for the disk at every major fault, that was every
 * record, 64 K of them (13 MB) in flight (docs/speed.md).
 */
static inline gboolean lone_task_waits(vm_engine_t *e)
{
	if (e->stream_check || e->m->nr_procs != 1 || e->tasks->len != 1)
		return FALSE;
	const task_t *t = g_ptr_array_index(e->tasks, 0);
	return t->blocked;
}

/*
 * The fast path of the common record (docs/speed.md, third round): a
 * one-page access, just read, of the process that has the CPU, with no
 * record of its own waiting before it, nobody watching the steps and one
 * CPU.  The general path (vm_sched_stamp, vm_sched_can_start, exec_record,
 * run_accesses, record_ran) would do the same and no more for it, through
 * about 250 instructions of checks that each hold here: the record's
 * incarnation is the task's (no fork of its pid was read since: gen =
 * forks_read = gen), it waits for no fork, it is not a thread, and its
 * process runs on the CPU already (no context switch).
 */
static inline gboolean one_page_ready(const vm_engine_t *e, const task_t *t,
				      const vm_record_t *r)
{
	const vm_proc_t *p = t->p;
	unsigned sh = e->m->page_shift;
	/* the tests of the whole run first: a stepped run (explain, the
	 * TUI) fails the first */
	return !vm_engine_watched(e) && !e->m->smp &&
	       p && !t->busy && !t->qlen && !t->blocked &&
	       t->forks_read == t->gen && !t->fork_wait && !t->thread &&
	       p->state == VM_PROC_RUNNING && e->pos.cpu_pid == p->pid &&
	       ((r->addr + r->len - 1) >> sh) == (r->addr >> sh);
}

/* @t starts @r, a one-page access admitted by one_page_ready() or
 * one_page_watched(), as exec_record's callers start a record: position 0
 * of one access, its sequence number, and the incarnation it was read in
 * (its task's: no fork of its pid was read since). */
static inline void begin_one_page(task_t *t, const vm_record_t *r,
				  uint64_t seq)
{
	t->cur_pos = 0;
	t->cur_seq = seq;
	t->cur_gen = t->gen;
	t->cur_child_gen = 0;
	t->cur_n = 1;
	t->cur_rng = r->seed;
}

/* Run @r, which one_page_ready() admitted, for @t, as exec_record and
 * record_ran would: 2 when the access went on (ACC_NEXT: @t still runs,
 * is not waiting, and the record is done), else 1, or -1 with @error (out
 * of memory).  Inline at both of step_once's calls: GCC left it a call,
 * which cost 19 instructions a record (docs/speed.md, fourth round). */
static inline __attribute__((always_inline)) int
run_one_page(vm_engine_t *e, task_t *t, const vm_record_t *r,
			uint64_t seq, GError **error)
{
	begin_one_page(t, r, seq);
	e->st.start_ns = e->m->now;
	acc_rc_t rc = access_one(e, t, t->p, r, r->addr, 0, error);
	if (G_UNLIKELY(rc == ACC_FAIL))
		return -1;
	if (G_LIKELY(rc != ACC_WAIT))
		t->cur_pos = 1;
	e->pos.events++;
	if (G_LIKELY(t->cur_pos)) {
		/* finished: record_ran's own test */
		if (G_UNLIKELY(!vm_task_alive(t))) {
			vm_sched_forget(e, t);
			return 1;
		}
		return rc == ACC_NEXT ? 2 : 1;
	}
	record_ran(e, t, r, TRUE);   /* it waits: keep a copy */
	return 1;
}

/* @r is an access to the page of the last access. */
static inline gboolean page_of_last(const vm_engine_t *e, const vm_record_t *r)
{
	unsigned sh = e->m->page_shift;
	return (r->addr >> sh) == (e->st.last_vaddr >> sh);
}

/*
 * Whether @r, read in a burst just after a one-page access of @t that went
 * on (one_page_again holds), is an access to the same page whose own
 * access can be vm_mmu_access_again: the last access was an L1 hit with
 * permission on vm_mmu_access's inline path (a hit, L1, not a huge page's
 * entry: the slow path's L1 hits are the 2 MiB TLB's), and nothing used
 * the TLB since (in a burst only the reader runs between two records).
 * No oracle (reclaim.policy=opt), which is told of every access.
 */
static inline gboolean last_l1_hit(const vm_engine_t *e)
{
	const vm_step_t *st = &e->st;
	return st->last.outcome == VM_OUT_HIT && st->last.tlb == 1 &&
	       !st->last.huge && e->m->l1_hit && !e->oracle;
}

static inline gboolean one_page_same(const vm_engine_t *e, const vm_record_t *r)
{
	return page_of_last(e, r) && last_l1_hit(e);
}

/* What run_one_page does after @k accesses in a row by @t that were L1
 * hits with the last access's result (st->last) but maybe its frame, the
 * last of them @r: the bookkeeping of accesses that went on, each a
 * record of its own (e->pos.next_seq on).  begin_one_page's other fields
 * are the last access's, of @t: position 1 of 1, the same incarnation;
 * the seed is the record's. */
static inline __attribute__((always_inline)) void
hits_again_ran(vm_engine_t *e, task_t *t, const vm_record_t *r, uint64_t k)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	uint64_t now = m->now, cost = st->last.cost;
	t->cur_seq = e->pos.next_seq + k - 1;
	e->pos.next_seq += k;
	t->cur_rng = r->seed;
	st->start_ns = now + (k - 1) * cost;
	m->now = now + k * cost;
	t->p->cpu_ns += k * cost;
	st->nr_access += k;
	st->outcomes[VM_OUT_HIT] += k;
	st->last_vaddr = r->addr;
	e->pos.events += k;
}

/* Run @r, which one_page_same() admitted, for @t, as run_one_page would
 * for a hit: TRUE, or FALSE with nothing done when vm_mmu_access_again
 * declines (run_one_page then).  An L1 hit neither waits, faults, fails
 * nor kills, so of access_one and run_one_page only their bookkeeping of
 * an access that went on is left: about 40 instructions where the lookup
 * and the checks took 150 (docs/speed.md, the sixth round). */
static inline __attribute__((always_inline)) gboolean
run_one_page_again(vm_engine_t *e, task_t *t, const vm_record_t *r)
{
	/* (st->last, an L1 hit of this page, is this access's result) */
	if (!vm_mmu_access_again(e->m, t->p, r->acc))
		return FALSE;
	hits_again_ran(e, t, r, 1);
	return TRUE;
}

/*
 * Run @r, an access of @t to page @page, whose L1 entry @other an L1 hit
 * of @t on the inline path found before the last access, which was such
 * a hit too (last_l1_hit), with nothing but such hits of @t since, as
 * run_one_page would: TRUE, or FALSE with nothing done when the entry
 * does not allow the access (run_one_page then).  The result is the last
 * one's (an L1 hit) but for its frame.  A recorded trace goes from a code
 * page to a data page and back: each access an L1 hit of the page before
 * the last (docs/speed.md, the seventh round).
 */
static inline __attribute__((always_inline)) gboolean
run_other_again(vm_engine_t *e, task_t *t, const vm_record_t *r,
		vm_tlb_entry_t *other, uint64_t page)
{
	if (!vm_mmu_access_known(e->m, t->p, page, r->acc, other))
		return FALSE;
	e->st.last.pfn = (uint32_t)other->pfn;
	hits_again_ran(e, t, r, 1);
	e->other_accesses++;
	return TRUE;
}

/*
 * After an access again of @t (run_one_page_again, or a run: the last one
 * an L1 hit on vm_mmu_access's inline path), in a burst: the accesses of @t that follow it
 * to the same page, read whole (vm_vmt_next_page_run), each run as
 * run_one_page_again would run it (vm_mmu_access_again_n: the same
 * counters, clocks and stamps).  As many as step_once's loop would run
 * before it stops: access i of the run starts at now + i * cost, and
 * runs only when no event and not kswapd is due by then (clock_due) and
 * the clock has not passed VM_MAX_TIME.  Returns how many ran (0: none,
 * nothing done).  A sequential walk is 61 of every 64 accesses of the
 * TLB-friendly trace (docs/speed.md, the seventh round).
 */
static inline uint64_t run_page_run(vm_engine_t *e, task_t *t)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	unsigned kinds = vm_mmu_again_kinds(m);
	if (!kinds)
		return 0;
	uint64_t now = m->now, cost = st->last.cost;
	uint64_t until = VM_MAX_TIME + 1;
	const vm_ev_t *top = vm_events_peek(&m->ev);
	if (top && top->time < until)
		until = top->time;
	if (m->kswapd_state == VM_KSWAPD_RUNNABLE && e->pos.kswapd_next < until)
		until = e->pos.kswapd_next;
	if (until <= now)
		return 0;
	/* (without the division when the clock is far from any bound: a
	 * run then stops after 2^32 - 1 accesses, and the next one goes on) */
	uint64_t b = until - now;
	uint64_t max = cost == 0 || b >> 32 >= cost ? UINT32_MAX : (b - 1) / cost + 1;
	uint64_t n[3] = { 0, 0, 0 };
	unsigned sh = m->page_shift;
	uint64_t k = vm_vmt_next_page_run(e->rd, &e->rec, st->last_vaddr >> sh,
					  sh, kinds, max, n);
	if (!k)
		return 0;
	vm_mmu_access_again_n(m, t->p, n);
	hits_again_ran(e, t, &e->rec, k);
	e->whole_accesses += k;
	return k;
}

/*
 * The same record watched (explain, --timeline, the TUI, snapshots): the
 * tests of one_page_ready but for the watchers, and then what the general
 * path (vm_sched_stamp, vm_sched_can_start, exec_record, record_ran) does
 * for it, without the checks that hold: the step record reset and filled
 * as exec_record_1 fills it, the invariant checker and on_step called as
 * there (docs/speed.md, the fourth round).
 */
static inline gboolean one_page_watched(const vm_engine_t *e, const task_t *t,
					const vm_record_t *r)
{
	const vm_proc_t *p = t->p;
	unsigned sh = e->m->page_shift;
	return !e->m->smp &&
	       p && !t->busy && !t->qlen && !t->blocked &&
	       t->forks_read == t->gen && !t->fork_wait && !t->thread &&
	       p->state == VM_PROC_RUNNING && e->pos.cpu_pid == p->pid &&
	       ((r->addr + r->len - 1) >> sh) == (r->addr >> sh);
}

/* Run @r, which one_page_watched() admitted, for @t: 1, or -1 with
 * @error (out of memory, an invariant violated).  A call of its own, with
 * the access inline in it: out of step_once, whose registers are the
 * unwatched run's. */
static __attribute__((noinline)) int
run_one_page_watched(vm_engine_t *e, task_t *t, const vm_record_t *r,
		     uint64_t seq, GError **error)
{
	step_marks_t marks;
	begin_one_page(t, r, seq);
	watched_step_begin(e, r, seq + 1, &marks);
	acc_rc_t rc = access_one(e, t, t->p, r, r->addr, 0, error);
	if (G_UNLIKELY(rc == ACC_FAIL))
		return -1;
	t->cur_pos = 1;   /* (ACC_WAIT set it so already) */
	e->pos.events++;
	if (!watched_step_end(e, r, &marks, error))
		return -1;
	record_ran(e, t, r, TRUE);
	return 1;
}

/*
 * An event is due, or kswapd's turn: of fast_run_goes_on's tests, the
 * ones an access again (run_one_page_again) can turn, since it moves the
 * clock and nothing else they read (no event queued, no task woken or
 * made, no record read but its own, kswapd's state untouched).
 */
static inline gboolean clock_due(vm_engine_t *e)
{
	const vm_ev_t *top = vm_events_peek(&e->m->ev);
	return (top && top->time <= e->m->now) || kswapd_due(e);
}

/*
 * After a one-page access of @t that went on (run_one_page's 2), in a
 * burst: whether step_once would go straight on to read the next record
 * with read_event's plain vm_vmt_next.  The tests step_once makes before
 * it reads (no event due, kswapd not due, no task ready, its read-ahead
 * loop's condition) and read_event's own (no saved first record, no
 * stream check), in one place.
 */
static inline gboolean fast_run_goes_on(vm_engine_t *e)
{
	return !clock_due(e) && !vm_sched_next(e) && !e->pos.eof && !e->crash_pending &&
	       e->pos.buffered < VM_ENGINE_WINDOW && !lone_task_waits(e) &&
	       !e->have_first && !e->first_lent && !e->stream_check;
}

/*
 * Whether @r, read just after a one-page access of @t that went on, is
 * another that one_page_ready() admits.  Of its tests only the record's
 * own are left: the rest are of @t and of the run, and hold still.  The
 * access ran to its end (ACC_NEXT), so @t neither waits nor was killed
 * (nor forgotten), and its process still has the CPU (no context switch
 * happens inside an access); nothing else ran in between
 * (fast_run_goes_on: no event, no kswapd, no other task), and only the
 * general path changes a task's queue, its forks and its busy record.
 * vm_sched_task is asked as step_once asks it, for the same @t.
 */
static inline gboolean one_page_again(vm_engine_t *e, task_t *t,
				      const vm_record_t *r)
{
	unsigned sh = e->m->page_shift;
	return r->kind == VM_REC_ACCESS && r->pid == t->pid &&
	       vm_sched_task(e, r->pid) == t &&
	       ((r->addr + r->len - 1) >> sh) == (r->addr >> sh);
}

/* One step; with @burst (vm_engine_run, no snapshots), fast one-page
 * records (one_page_ready) do not end the step: the loop goes on to the
 * next record, saving the return to the caller and its checks per record,
 * and the step ends at the first record that is not one (or at the end).
 * A run of them (one_page_again) skips step_once's loop and the record's
 * tests that cannot have changed since the last one: about 40
 * instructions a record (docs/speed.md, fourth round); and when the
 * reader says the record is a one-byte access of the process of the one
 * before (vm_vmt_next_kept's 2), one_page_again itself (fifth round). */
static int step_once(vm_engine_t *e, gboolean burst, GError **error)
{
	for (;;) {
	next:;
		const vm_ev_t *top;
		while ((top = vm_events_peek(&e->m->ev)) && top->time <= e->m->now) {
			vm_ev_t ev;
			vm_events_pop(&e->m->ev, &ev);
			dispatch(e, &ev);
		}
		if (kswapd_due(e))
			return run_kswapd(e, error) ? 1 : -1;

		/* the oldest record among tasks that can run */
		task_t *best = vm_sched_next(e);
		if (best) {
			vm_sched_start(e, best);
			if (!exec_record(e, best, &best->cur, best->cur_seq + 1, error))
				return -1;
			record_ran(e, best, &best->cur, FALSE);
			return 1;
		}

		/* read ahead until a record can run: the common case, one
		 * process, runs each record straight from the reader */
		while (!e->pos.eof && !e->crash_pending && e->pos.buffered < VM_ENGINE_WINDOW &&
		       !lone_task_waits(e)) {
			GError *err = NULL;
			if (!read_event(e, &err)) {
				if (err) {
					g_propagate_error(error, err);
					return -1;
				}
				e->pos.eof = TRUE;
				break;
			}
		record:;
			uint64_t seq = e->pos.next_seq++;
			if (e->rec.kind == VM_REC_CRASH) {
				/* a barrier: nothing after it starts before
				 * everything before it has completed */
				vm_record_copy(&e->crash, &e->rec);
				e->pos.crash_seq = seq;
				e->crash_pending = TRUE;
				break;
			}
			task_t *t = vm_sched_task(e, e->rec.pid);
			if (G_LIKELY(e->rec.kind == VM_REC_ACCESS) &&
			    one_page_ready(e, t, &e->rec)) {
				int rc = run_one_page(e, t, &e->rec, seq, error);
				if (rc < 0)
					return -1;
				/* (vm_engine_step checks the clock's range) */
				if (!burst || e->m->now > VM_MAX_TIME)
					return 1;
				/* the run of @t's one-page accesses that
				 * follows, as the loop above would take it;
				 * after an access again (@same), of the tests
				 * of fast_run_goes_on only those of the clock
				 * can have changed */
				gboolean same = FALSE, paged = FALSE;
				/* the L1 entry of @t's hit before the last,
				 * and its page, while every access of @t in
				 * this burst since has been an L1 hit on the
				 * inline path (run_other_again) */
				vm_tlb_entry_t *other = NULL;
				uint64_t other_page = 0;
				/* the last access of this burst was an L1
				 * hit on the inline path (and no oracle must
				 * be told of each access: @hits) */
				gboolean hits = !e->oracle, hit = FALSE;
				while (rc == 2 && (same ? !clock_due(e)
							: fast_run_goes_on(e))) {
					/* after an access again to the same
					 * page (@paged), the rest of the
					 * page's run whole; not again straight
					 * after one, which ended at a record
					 * that is not of it.  Not after any L1
					 * hit: in a recorded trace the next
					 * access is most often to another page
					 * (a fetch, then data), and the try
					 * would cost each record */
					if (paged && run_page_run(e, t)) {
						if (e->m->now > VM_MAX_TIME)
							return 1;
						paged = FALSE;
						continue;
					}
					int got = vm_vmt_next_kept(e->rd, &e->rec, &err);
					if (!got) {
						if (err) {
							g_propagate_error(error, err);
							return -1;
						}
						e->pos.eof = TRUE;
						break;
					}
					/* 2: a one-byte access of the process of
					 * the access before, @t's: one_page_again
					 * holds */
					if (got == 1 && is_header(e->rec.kind))
						continue;   /* as read_event */
					if (got == 1 && !one_page_again(e, t, &e->rec))
						goto record;
					/* after an access again, one_page_same's
					 * tests but the page's hold still */
					if ((same ? page_of_last(e, &e->rec)
						  : one_page_same(e, &e->rec)) &&
					    run_one_page_again(e, t, &e->rec)) {
						if (e->m->now > VM_MAX_TIME)
							return 1;
						same = paged = TRUE;
						hit = hits;
						continue;   /* (rc is 2 still) */
					}
					paged = FALSE;
					/* an access to the page of the hit
					 * before the last, after another hit:
					 * the two swap */
					unsigned sh = e->m->page_shift;
					vm_tlb_entry_t *last = e->m->l1_hit;
					uint64_t last_va = e->st.last_vaddr;
					if (other && e->rec.addr >> sh == other_page &&
					    run_other_again(e, t, &e->rec, other,
							    other_page)) {
						if (e->m->now > VM_MAX_TIME)
							return 1;
						other = last;
						other_page = last_va >> sh;
						same = TRUE;
						continue;
					}
					same = FALSE;
					rc = run_one_page(e, t, &e->rec,
							  e->pos.next_seq++, error);
					if (rc < 0)
						return -1;
					if (e->m->now > VM_MAX_TIME)
						return 1;
					/* a hit of another page after a hit:
					 * the one before becomes the other.
					 * Only the inline path's hit sets
					 * m->l1_hit, to the entry it found (a
					 * hit of the same entry was of the
					 * same page, which only a denied
					 * access again leaves to this path:
					 * no hit) */
					other = NULL;
					if (e->m->l1_hit != last) {
						if (hit) {
							other = last;
							other_page = last_va >> sh;
						}
						hit = hits;
					} else {
						hit = FALSE;
					}
				}
				goto next;
			}
			if (G_LIKELY(e->rec.kind == VM_REC_ACCESS) &&
			    one_page_watched(e, t, &e->rec)) {
				if (run_one_page_watched(e, t, &e->rec, seq, error) < 0)
					return -1;
				/* a watched burst (vm_engine_steps, or
				 * vm_engine_run with --timeline) goes on as
				 * the caller's next call would, from the top:
				 * the return and the call cost explain about
				 * 60 instructions an event (docs/speed.md,
				 * sixth round) */
				if (!burst || e->m->now > VM_MAX_TIME ||
				    --e->burst_left == 0)
					return 1;
				goto next;
			}
			uint32_t gen, child_gen;
			vm_sched_stamp(e, t, &e->rec, &gen, &child_gen);
			if (!t->busy && !t->qlen &&
			    vm_sched_can_start(e, t, &e->rec, gen, child_gen)) {
				t->cur_pos = 0;
				t->cur_seq = seq;
				t->cur_gen = gen;
				t->cur_child_gen = child_gen;
				if (!exec_record(e, t, &e->rec, seq + 1, error))
					return -1;
				record_ran(e, t, &e->rec, TRUE);
				return 1;
			}
			vm_sched_enqueue(e, t, &e->rec, seq, gen, child_gen);
		}

		if (e->crash_pending && vm_sched_idle(e)) {
			if (!run_crash(e, error))
				return -1;
			return 1;
		}
		/* nothing else can run: kswapd has the CPU to itself */
		if (e->m->kswapd_state == VM_KSWAPD_RUNNABLE)
			return run_kswapd(e, error) ? 1 : -1;
		/* nothing can run: time jumps to the next event, as long as
		 * someone waits for one (the flusher's ticks alone do not
		 * keep a finished run going) */
		vm_ev_t ev;
		if (!e->pos.nr_blocked || !vm_events_pop(&e->m->ev, &ev))
			break;
		if (ev.time > e->m->now)
			e->m->now = ev.time;   /* every process waits: idle */
		dispatch(e, &ev);
	}
	if (e->pos.buffered) {
		g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
			    "%s: %" G_GUINT64_FORMAT " events can never run (their process never came to exist)",
			    e->name, e->pos.buffered);
		return -1;
	}
	return 0;
}

static int engine_step(vm_engine_t *e, gboolean burst, GError **error)
{
	int r = step_once(e, burst, error);
	if (G_UNLIKELY(e->m->now > VM_MAX_TIME) && r > 0) {
		/* sleeps are at most VM_MAX_TIME each: many of them could
		 * wrap the clock, which every model compares */
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s: simulated time passed its range, 2^62 ns (146 years), "
			    "at event %" G_GUINT64_FORMAT, e->name, e->pos.events);
		return -1;
	}
	if (G_UNLIKELY(e->snaps != NULL) && r > 0)
		vm_snap_after_step(e);
	return r;
}

int vm_engine_step(vm_engine_t *e, GError **error)
{
	return engine_step(e, FALSE, error);
}

int vm_engine_steps(vm_engine_t *e, uint64_t max, GError **error)
{
	/* only watched one-page records go on within a call (step_once):
	 * unwatched, a burst of them would not stop at @max; a snapshot is
	 * taken between steps */
	gboolean burst = max > 1 && e->snaps == NULL && vm_engine_watched(e);
	e->burst_left = max;
	return engine_step(e, burst, error);
}

gboolean vm_engine_run(vm_engine_t *e, GError **error)
{
	int r;
	/* a snapshot is taken between steps: those runs step one by one */
	gboolean burst = e->snaps == NULL;
	e->burst_left = UINT64_MAX;   /* (no run reaches it) */
	while ((r = engine_step(e, burst, error)) > 0)
		;
	return r == 0;
}

void vm_engine_snapshot_info(const vm_engine_t *e, unsigned *nr,
			     uint64_t *bytes, uint64_t *every)
{
	*nr = e->snaps ? e->snaps->len : 0;
	*bytes = e->snaps ? e->snap_bytes : 0;
	*every = e->snaps ? e->snap_gap : 0;
}

gboolean vm_engine_seek(vm_engine_t *e, uint64_t n, GError **error)
{
	return vm_snap_seek(e, n, error);
}

uint64_t vm_engine_skipped_accesses(const vm_engine_t *e)
{
	return e->pos.skipped_accesses;
}
