/*
 * The replay engine; see engine.h for the order rules it implements.
 *
 *   reader ──► (check pass over the whole file) ──► rewind
 *      │
 *      ▼ read ahead only while the oldest runnable record is not yet known
 *   per-process FIFOs of records, each stamped with its file position
 *      │
 *      ▼ pick: the oldest head among processes that are not waiting
 *   run it on the CPU: the clock advances by its cost; a wait (sleep) puts
 *   a wake-up on the event queue, and when nothing can run the clock jumps
 *   to the earliest queued event.
 *
 * The common case, one process or none waiting, never buffers: a record is
 * read, found runnable, and run straight from the reader's buffer.  In
 * vm_engine_run with nobody watching each event (no step or access hooks,
 * no checker, no snapshots), a one-page access by the process on the CPU
 * does not even fill the step record (fast_access), and one step reads on
 * until something else could run first; tests/regress.sh holds it to the
 * stepped replay's statistics.
 */
#include <string.h>
#include "sim/engine.h"
#include "sim/config.h"
#include "sim/stats.h"
#include "sim/tracecheck.h"
#include "sim/oracle.h"
#include "traces/vmt.h"
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

typedef struct {
	vm_record_t rec;      /* owned copy */
	uint64_t seq;         /* position among events in the file */
} qrec_t;

typedef struct {
	uint32_t pid;
	vm_proc_t *p;         /* the process, once a fork (or boot) made it */
	gboolean stillborn;   /* the fork that was to make it was skipped (its
			       * parent had died): its events run, skipped */
	gboolean blocked;     /* waiting for a wake-up event */
	gboolean io_wait;     /* the wait counts as wait_ns (disk I/O) */
	uint64_t blocked_at;
	qrec_t *q;            /* ring buffer of records read ahead */
	uint32_t qhead, qlen, qcap;
	gboolean busy;        /* cur is in progress (it waited half-way) */
	vm_record_t cur;      /* the in-progress record (owned when busy) */
	uint64_t cur_seq;
	uint64_t cur_pos;     /* next access of cur */
	uint64_t cur_rng;     /* RAND's splitmix64 state */
} task_t;

/* Where the replay stands: the scalars a snapshot keeps, as one. */
typedef struct {
	uint32_t cpu_pid;               /* the process the CPU last ran */
	uint32_t nr_blocked;            /* tasks waiting for a wake-up event */
	uint64_t kswapd_next;           /* kswapd may take the CPU from a
					 * process from then on (it had it
					 * for as long just before) */
	uint64_t next_seq;
	uint64_t buffered;
	uint64_t crash_seq;
	gboolean eof;
	uint64_t events;
	uint64_t passed, failed;
	uint64_t work;                  /* for snapshots (see engine.h) */
	uint64_t skipped_accesses;      /* vm_engine_skipped_accesses */
} replay_pos_t;

struct vm_engine {
	vm_engine_opts_t opts;
	vm_config_t cfg;
	gboolean explicit_profile;      /* the caller chose it: ignore `profile` */
	GPtrArray *file_headers;        /* `file` records, created with the machine */
	unsigned nr_sets;               /* `set` lines applied so far */
	vm_vmt_reader_t *rd;
	char *name;
	vm_tracecheck_t *stream_check;  /* checks as we go (streams only) */
	gboolean have_first;            /* first (stream) event is in `first` */
	gboolean first_lent;            /* `rec` borrows `first`'s strings */
	vm_record_t first;
	vm_machine_t *m;
	vm_oracle_t *oracle;            /* reclaim.policy=opt only */
	GHashTable *by_pid;             /* pid -> task_t* */
	GPtrArray *tasks;               /* every task, in creation order */
	task_t *last_task;
	gboolean batching;              /* in vm_engine_run with nobody watching
					 * each event: fast_access may run */
	replay_pos_t pos;
	gboolean crash_pending;         /* a crash read ahead: a barrier */
	vm_record_t crash;              /* its copy */
	vm_record_t kswapd_rec;         /* the record of kswapd's turns */
	vm_record_t rec;                /* scratch for the reader */
	vm_step_t st;
	GString *msg;
	/* what vm_engine_seek needs to open the trace again */
	char *path;                     /* NULL: a trace in memory */
	char *text;                     /* ... this one */
	vm_config_t base;
	gboolean have_base;
	char **overrides;
	/* snapshots (opts.snapshots), ordered by event number; NULL: none */
	GPtrArray *snaps;
	uint64_t snap_last;             /* work at the snapshot at or before
					 * the current position */
	guint snap_next;                /* first snapshot past the position */
	uint64_t snap_every;            /* work between two snapshots, at least */
	uint64_t snap_gap;              /* ... and with the latest one's size */
	uint64_t snap_bytes, snap_cap;
};

static void snap_init(vm_engine_t *e);
static void snaps_free(vm_engine_t *e);

/* ---- set-up -------------------------------------------------------------- */

static task_t *task_lookup(vm_engine_t *e, uint32_t pid);

/* The task of @pid, created on first use; inline for the last one, which
 * nearly every record of a trace names again. */
static inline task_t *task_get(vm_engine_t *e, uint32_t pid)
{
	if (G_LIKELY(e->last_task && e->last_task->pid == pid))
		return e->last_task;
	return task_lookup(e, pid);
}

static task_t *task_lookup(vm_engine_t *e, uint32_t pid)
{
	task_t *t = g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(pid));
	if (!t) {
		t = g_new0(task_t, 1);
		t->pid = pid;
		g_hash_table_insert(e->by_pid, GUINT_TO_POINTER(pid), t);
		g_ptr_array_add(e->tasks, t);
	}
	e->last_task = t;
	return t;
}

static void task_free(gpointer p)
{
	task_t *t = p;
	for (uint32_t i = 0; i < t->qlen; i++)
		vm_record_clear(&t->q[(t->qhead + i) % t->qcap].rec);
	g_free(t->q);
	if (t->busy)
		vm_record_clear(&t->cur);
	g_free(t);
}

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
		for (guint i = 0; i < e->file_headers->len; i++) {
			const vm_record_t *o = g_ptr_array_index(e->file_headers, i);
			if (strcmp(o->name, rec->name) == 0) {
				g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
					    "%s:%" G_GUINT64_FORMAT ":%u: file '%s' is declared twice",
					    e->name, rec->line, rec->cols[2] ? rec->cols[2] : 1,
					    rec->name);
				return FALSE;
			}
		}
		vm_record_t *copy = g_new0(vm_record_t, 1);
		vm_record_copy(copy, rec);
		g_ptr_array_add(e->file_headers, copy);
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
static gboolean engine_prepare(vm_engine_t *e, char **overrides, GError **error)
{
	gboolean got = FALSE;
	GError *err = NULL;
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
	if (e->cfg.cpus != 1) {
		g_set_error(error, VM_ERROR, VM_ERROR_UNSUPPORTED,
			    "cpus=%u: this version simulates one CPU only",
			    e->cfg.cpus);
		return FALSE;
	}

	gboolean opt = strcmp(e->cfg.reclaim_policy, "opt") == 0;
	if (opt && !vm_vmt_seekable(e->rd)) {
		g_set_error(error, VM_ERROR, VM_ERROR_UNSUPPORTED,
			    "%s: reclaim.policy=opt reads the trace's future, so it needs a trace file, not a stream",
			    e->name);
		return FALSE;
	}
	if (vm_vmt_seekable(e->rd)) {
		vm_tracecheck_t *c = vm_tracecheck_new(&e->cfg, e->name);
		for (guint i = 0; i < e->file_headers->len; i++)
			vm_tracecheck_file(c, ((vm_record_t *)g_ptr_array_index(e->file_headers, i))->name);
		gboolean ok = TRUE;
		if (opt)
			e->oracle = vm_oracle_new((unsigned)g_bit_nth_lsf(e->cfg.page_size, -1));
		else
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
		e->stream_check = vm_tracecheck_new(&e->cfg, e->name);
		for (guint i = 0; i < e->file_headers->len; i++)
			vm_tracecheck_file(e->stream_check,
					   ((vm_record_t *)g_ptr_array_index(e->file_headers, i))->name);
		if (got) {
			if (!vm_tracecheck_record(e->stream_check, &e->rec, error))
				return FALSE;
			vm_record_copy(&e->first, &e->rec);
			e->have_first = TRUE;
		}
	}

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
	e->pos.cpu_pid = 1;
	e->m->cur_asid = 1;
	vm_config_watermarks(&e->cfg, &e->m->wm_min, &e->m->wm_low, &e->m->wm_high);
	for (guint i = 0; i < e->file_headers->len; i++) {
		const vm_record_t *h = g_ptr_array_index(e->file_headers, i);
		vm_file_new(e->m, h->name, h->len, (h->flags & VM_FILE_SPARSE) != 0,
			    (h->flags & VM_FILE_CACHED) != 0);
	}
	task_get(e, 1)->p = vm_proc_lookup(e->m, 1);
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
	e->by_pid = g_hash_table_new(g_direct_hash, g_direct_equal);
	e->tasks = g_ptr_array_new_with_free_func(task_free);
	e->file_headers = g_ptr_array_new_with_free_func(free_header);
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
	snap_init(e);
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
	snap_init(e);
	return e;
}

void vm_engine_free(vm_engine_t *e)
{
	if (!e)
		return;
	snaps_free(e);
	if (e->rd)
		vm_vmt_close(e->rd);
	vm_tracecheck_free(e->stream_check);
	if (e->have_first || e->first_lent)
		vm_record_clear(&e->first);
	if (e->crash_pending)
		vm_record_clear(&e->crash);
	vm_machine_free(e->m);
	vm_oracle_free(e->oracle);
	g_hash_table_destroy(e->by_pid);
	g_ptr_array_free(e->tasks, TRUE);
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
uint64_t vm_engine_now(const vm_engine_t *e) { return e->m ? e->m->now : 0; }
uint64_t vm_engine_expect_passed(const vm_engine_t *e) { return e->pos.passed; }
uint64_t vm_engine_expect_failed(const vm_engine_t *e) { return e->pos.failed; }
uint64_t vm_engine_events(const vm_engine_t *e) { return e->pos.events; }

/* ---- expectations (docs/format.md (expect)) ------------------------------------------- */

static const char *cmp_word(vm_cmp_t c)
{
	return c == VM_CMP_LE ? "<= " : c == VM_CMP_GE ? ">= " : "";
}

static gboolean expect_fail(vm_engine_t *e, const vm_record_t *rec,
			    const vm_check_t *k, const char *actual)
{
	char *msg = g_strdup_printf("%s:%" G_GUINT64_FORMAT
				    ": expect failed: %s is %s, expected %s%s",
				    e->name, rec->line, k->key, actual,
				    cmp_word(k->cmp), k->value);
	if (e->opts.on_expect_fail)
		e->opts.on_expect_fail(e->opts.ctx, msg);
	if (!e->st.expect_msg) {
		g_string_assign(e->msg, msg);
		e->st.expect_msg = e->msg->str;
	}
	g_free(msg);
	return FALSE;
}

static gboolean check_number(vm_engine_t *e, const vm_record_t *rec,
			     const vm_check_t *k, uint64_t actual)
{
	uint64_t want = 0;
	vm_parse_number(k->value, &want);   /* checked before the replay */
	gboolean ok = k->cmp == VM_CMP_EQ ? actual == want :
		      k->cmp == VM_CMP_LE ? actual <= want : actual >= want;
	if (ok)
		return TRUE;
	char buf[32];
	g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, actual);
	return expect_fail(e, rec, k, buf);
}

/* One check against a process or file statistic, a word or a number. */
static gboolean check_value(vm_engine_t *e, const vm_record_t *rec,
			    const vm_check_t *k, vm_statval_t v)
{
	if (!v.is_word)
		return check_number(e, rec, k, v.num);
	return strcmp(v.word, k->value) == 0 || expect_fail(e, rec, k, v.word);
}

static void run_expect(vm_engine_t *e, const vm_record_t *rec)
{
	gboolean ok = TRUE;
	vm_proc_t *p = NULL;
	if (rec->expect_pid >= 0)
		p = vm_proc_lookup(e->m, (uint32_t)rec->expect_pid);
	const vm_file_t *f = rec->expect_file ? vm_stats_find_file(e->m, rec->expect_file)
					      : NULL;
	for (uint32_t i = 0; i < rec->nr_checks; i++) {
		const vm_check_t *k = &rec->checks[i];
		if (rec->expect_file) {
			if (!f) {
				ok = expect_fail(e, rec, k, "(no such file)") && ok;
				continue;
			}
			int idx = vm_stats_file_find(k->key);
			ok = check_value(e, rec, k, vm_stats_file(e->m, f, (unsigned)idx)) && ok;
			continue;
		}
		if (strcmp(k->key, "outcome") == 0) {
			/* docs/format.md (expect): the process named by pid=, else pid 1 */
			vm_proc_t *q = rec->expect_pid >= 0 ? p : vm_proc_lookup(e->m, 1);
			const char *got = q ? vm_result_outcome_name(q->last_outcome) : "none";
			if (strcmp(got, k->value) != 0)
				ok = expect_fail(e, rec, k, got) && ok;
			continue;
		}
		if (rec->expect_pid >= 0) {
			if (!p) {
				ok = expect_fail(e, rec, k, "(no such process yet)") && ok;
				continue;
			}
			int idx = vm_stats_proc_find(k->key);
			ok = check_value(e, rec, k, vm_stats_proc(p, (unsigned)idx)) && ok;
			continue;
		}
		int idx = vm_stats_global_find(k->key);
		ok = check_number(e, rec, k, vm_stats_global(e, (unsigned)idx)) && ok;
	}
	e->st.expect_ok = (uint8_t)ok;
	if (ok)
		e->pos.passed++;
	else
		e->pos.failed++;
}

/* ---- running records ------------------------------------------------------ */

/* The process of @t waits until @until: for the disk (@io) or a timer. */
static void block(vm_engine_t *e, task_t *t, uint64_t until, gboolean io)
{
	t->blocked = TRUE;
	e->pos.nr_blocked++;
	t->io_wait = io;
	t->blocked_at = e->m->now;
	vm_events_push(&e->m->ev, until, VM_EV_WAKE, t->pid, 0);
	e->st.blocked = 1;
	e->st.wait_until = until;
}

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
	unsigned sh = e->m->page_shift;
	switch (r->kind) {
	case VM_REC_ACCESS:
		return ((r->addr + r->len - 1) >> sh) - (r->addr >> sh) + 1;
	case VM_REC_SEQ: {
		uint64_t stride = r->stride ? r->stride : e->cfg.page_size;
		return (r->len + stride - 1) / stride;
	}
	case VM_REC_RAND:
		return r->count;
	default:
		return 0;
	}
}

/* What one access left its record to do (access_one). */
typedef enum {
	ACC_NEXT,       /* go on with the record's next page */
	ACC_STOP,       /* the process died (or was killed): the record ends */
	ACC_WAIT,       /* the process waits for the disk after this page */
	ACC_FAIL,       /* out of memory with nobody to kill: @error is set */
} acc_rc_t;

/*
 * Access @va, the @k-th page of @r, for task @t at the engine's clock: the
 * body of run_accesses, and the whole of the batched replay's fast path
 * (fast_access), which must do exactly what it does.
 */
static inline acc_rc_t access_one(vm_engine_t *e, task_t *t, vm_proc_t *p,
				  const vm_record_t *r, uint64_t va, uint64_t k,
				  GError **error)
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
		block(e, t, res->ready_at, TRUE);
		t->cur_pos = k + 1;
		return ACC_WAIT;
	}
	return ACC_NEXT;
}

/*
 * Run the accesses of @t's current record from cur_pos on.  Returns FALSE
 * with @error when the machine ran out of memory.
 */
static gboolean run_accesses(vm_engine_t *e, task_t *t, vm_proc_t *p,
			     const vm_record_t *r, GError **error)
{
	uint64_t n = access_count(e, r);
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
		acc_rc_t rc = access_one(e, t, p, r, va, k, error);
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

/*
 * The batched replay's fast path: most events of a recorded trace are
 * one-page accesses by the process already on the CPU, and the step record
 * exec_record fills for the watchers (the UI, explain, the timeline, the
 * snapshots) was most of their cost.  With nobody watching (e->batching)
 * such an access runs here, through the same access_one.  Returns 0 when
 * @r is not such an access (exec_record runs it), 1 when it ran, -1 on
 * error.
 */
static inline int fast_access(vm_engine_t *e, task_t *t, const vm_record_t *r,
			      GError **error)
{
	vm_proc_t *p = t->p;

	if (r->kind != VM_REC_ACCESS || access_count(e, r) != 1 || !p ||
	    p->state != VM_PROC_RUNNING || p->pid != e->pos.cpu_pid)
		return 0;
	/* one page: waiting after it or dying at it ends the record alike,
	 * and nothing is left to resume */
	if (access_one(e, t, p, r, r->addr, 0, error) == ACC_FAIL)
		return -1;
	e->pos.events++;
	return 1;
}

static gboolean is_access(vm_rec_kind_t k)
{
	return k == VM_REC_ACCESS || k == VM_REC_SEQ || k == VM_REC_RAND;
}

static gboolean is_bookkeeping(vm_rec_kind_t k)
{
	return k == VM_REC_NOTE || k == VM_REC_EXPECT;
}

/* Run (or resume) @r for task @t. */
static gboolean exec_record(vm_engine_t *e, task_t *t, const vm_record_t *r,
			    uint64_t index, GError **error)
{
	vm_machine_t *m = e->m;
	vm_proc_t *p = t->p;
	vm_step_t *st = &e->st;
	/* field by field: a memset of the whole step was a tenth of the
	 * replay time on access-only traces */
	st->rec = r;
	st->index = index;
	st->nr_access = 0;
	memset(st->outcomes, 0, sizeof st->outcomes);
	st->last.outcome = VM_OUT_NONE;
	st->last.why = VM_WHY_NONE;
	st->last_vaddr = 0;
	st->switched = st->flushed = st->skipped = st->killed = 0;
	st->caught = st->blocked = st->expect_ok = 0;
	st->wait_until = 0;
	st->resumed = t->cur_pos > 0;
	st->expect_msg = NULL;
	uint64_t evicted0 = m->nr_evicted, kills0 = m->c.oom_kills;
	uint64_t kswapd0 = m->c.kswapd_wakeups, pageout0 = m->nr_pageout;

	if (!p || p->state != VM_PROC_RUNNING) {
		if (!is_bookkeeping(r->kind)) {
			st->skipped = 1;
			e->pos.skipped_accesses += access_count(e, r) - t->cur_pos;
			t->cur_pos = access_count(e, r);   /* done: nothing to resume */
			if (r->kind == VM_REC_FORK) {
				/* no parent, no fork: the child's events are
				 * skipped as a dead process's are */
				task_t *c = task_get(e, r->child);
				if (!c->p)
					c->stillborn = TRUE;
			}
			goto done;
		}
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
	case VM_REC_MMAP:
		vm_syscall_mmap(m, p, r->addr, r->len, r->prot, r->flags, r->fd,
				r->off, res);
		break;
	case VM_REC_MUNMAP:
		vm_syscall_munmap(m, p, r->addr, r->len, res);
		break;
	case VM_REC_MPROTECT:
		vm_syscall_mprotect(m, p, r->addr, r->len, r->prot, res);
		break;
	case VM_REC_MADVISE:
		vm_syscall_madvise(m, p, r->addr, r->len, (vm_madv_t)r->arg, res);
		break;
	case VM_REC_MSYNC:
		vm_syscall_msync(m, p, r->addr, r->len, (vm_msync_t)r->arg, res);
		break;
	case VM_REC_OPEN:
		vm_syscall_open(m, p, r->name, r->fd, r->flags, res);
		break;
	case VM_REC_CLOSE:
		vm_syscall_close(m, p, r->fd, res);
		break;
	case VM_REC_READ:
		vm_syscall_read(m, p, r->fd, r->addr, r->len, res);
		if (G_UNLIKELY(e->oracle != NULL))
			vm_oracle_served_file(e->oracle, vm_fs_fd_file(p, r->fd),
					      r->addr, r->len);
		break;
	case VM_REC_WRITE:
		vm_syscall_write(m, p, r->fd, r->addr, r->len, res);
		if (G_UNLIKELY(e->oracle != NULL))
			vm_oracle_served_file(e->oracle, vm_fs_fd_file(p, r->fd),
					      r->addr, r->len);
		break;
	case VM_REC_FSYNC:
		vm_syscall_fsync(m, p, r->fd, res);
		break;
	case VM_REC_FTRUNCATE:
		vm_syscall_ftruncate(m, p, r->fd, r->len, res);
		break;
	case VM_REC_UNLINK:
		vm_syscall_unlink(m, p, r->name, res);
		break;
	case VM_REC_FORK: {
		vm_proc_t *child = vm_syscall_fork(m, p, r->child, res);
		if (!child) {
			g_set_error(error, VM_ERROR, VM_ERROR_OOM,
				    "%s:%" G_GUINT64_FORMAT ": out of memory: no frames for the page tables of pid %u "
				    "and the OOM killer could free none (oom.policy=%s)",
				    e->name, r->line, r->child, e->cfg.oom_policy);
			return FALSE;
		}
		task_get(e, r->child)->p = child;
		e->last_task = t;
		break;
	}
	case VM_REC_EXIT:
		vm_syscall_exit(m, p, res);
		break;
	case VM_REC_CATCH:
		vm_syscall_catch(m, p, (vm_sig_t)r->arg, res);
		break;
	case VM_REC_SLEEP:
		vm_syscall_sleep(m, p, r->ns, res);
		break;
	case VM_REC_NOTE:
		break;
	case VM_REC_EXPECT:
		run_expect(e, r);
		break;
	default:
		/* the check pass refuses every other kind before the replay */
		g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
			    "%s:%" G_GUINT64_FORMAT ": '%s' reached the replay unchecked",
			    e->name, r->line, vm_record_op_name(r));
		return FALSE;
	}
	if (sys) {
		e->m->now += res->cost;
		p->cpu_ns += res->cost;
		if (res->ready_at > e->m->now)
			block(e, t, res->ready_at, res->why != VM_WHY_SLEEP);
	}
done:
	st->end_ns = e->m->now;
	st->evicted = m->nr_evicted - evicted0;
	st->pageouts = m->nr_pageout - pageout0;
	st->oom_kills = m->c.oom_kills - kills0;
	st->kswapd = m->c.kswapd_wakeups - kswapd0;
	e->pos.events++;
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

/* ---- order ----------------------------------------------------------------- */

static void enqueue(task_t *t, const vm_record_t *rec, uint64_t seq)
{
	if (t->qlen == t->qcap) {
		uint32_t ncap = t->qcap ? t->qcap * 2 : 16;
		qrec_t *nq = g_new(qrec_t, ncap);
		for (uint32_t i = 0; i < t->qlen; i++)
			nq[i] = t->q[(t->qhead + i) % t->qcap];
		g_free(t->q);
		t->q = nq;
		t->qcap = ncap;
		t->qhead = 0;
	}
	qrec_t *q = &t->q[(t->qhead + t->qlen++) % t->qcap];
	vm_record_copy(&q->rec, rec);
	q->seq = seq;
}

/* A task can run when it is not waiting and its process exists (records of
 * a child wait for the fork that creates it). */
static gboolean runnable(vm_engine_t *e, task_t *t)
{
	return !t->blocked && (t->p != NULL || t->stillborn);
}

/* Event @ev is due: a task's wake-up is the engine's, the rest the
 * machine's. */
static void dispatch(vm_engine_t *e, const vm_ev_t *ev)
{
	if (ev->kind != VM_EV_WAKE) {
		vm_machine_event(e->m, ev);
		return;
	}
	task_t *t = g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(ev->arg));
	if (!t || !t->blocked)
		return;
	t->blocked = FALSE;
	e->pos.nr_blocked--;
	if (t->io_wait && t->p)
		t->p->wait_ns += e->m->now - t->blocked_at;
}

/* Read the next event record, from the stream's saved first one or the
 * reader; skips the header on a rewound file.  FALSE at the end or error. */
static gboolean read_event(vm_engine_t *e, GError **error)
{
	if (e->have_first) {
		/* `rec` holds the reader's record (borrowed strings, not to
		 * be freed); it borrows the copy's until the next read. */
		e->rec = e->first;
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

/* Every event before the crash has completed: nothing queued or waiting. */
static gboolean crash_ready(vm_engine_t *e)
{
	for (guint i = 0; i < e->tasks->len; i++) {
		task_t *t = g_ptr_array_index(e->tasks, i);
		if (t->busy || t->qlen || t->blocked)
			return FALSE;
	}
	return TRUE;
}

/* Power loss and reboot (docs/format.md `crash`). */
static gboolean run_crash(vm_engine_t *e, GError **error)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	memset(st, 0, sizeof *st);
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
	task_get(e, 1)->p = p1;
	e->pos.cpu_pid = 1;
	m->cur_asid = 1;
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

/* A wake-up is due: step_once must run it before reading on. */
static inline gboolean wake_due(vm_engine_t *e)
{
	const vm_ev_t *top = vm_events_peek(&e->m->ev);
	return top && top->time <= e->m->now;
}

/* A turn of kswapd (kswapd.c), as a step of its own. */
static gboolean run_kswapd(vm_engine_t *e, GError **error)
{
	vm_machine_t *m = e->m;
	vm_step_t *st = &e->st;
	memset(st, 0, sizeof *st);
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

static void snap_after_step(vm_engine_t *e);

static int step_once(vm_engine_t *e, GError **error)
{
	for (;;) {
		const vm_ev_t *top;
		while ((top = vm_events_peek(&e->m->ev)) && top->time <= e->m->now) {
			vm_ev_t ev;
			vm_events_pop(&e->m->ev, &ev);
			dispatch(e, &ev);
		}
		if (kswapd_due(e))
			return run_kswapd(e, error) ? 1 : -1;

		/* the oldest record among tasks that can run */
		task_t *best = NULL;
		uint64_t best_seq = UINT64_MAX;
		for (guint i = 0; i < e->tasks->len; i++) {
			task_t *t = g_ptr_array_index(e->tasks, i);
			if (!t->busy && !t->qlen)
				continue;
			if (!runnable(e, t))
				continue;
			uint64_t s = t->busy ? t->cur_seq : t->q[t->qhead].seq;
			if (s < best_seq) {
				best_seq = s;
				best = t;
			}
		}
		if (best) {
			if (!best->busy) {
				qrec_t *q = &best->q[best->qhead];
				best->qhead = (best->qhead + 1) % best->qcap;
				best->qlen--;
				e->pos.buffered--;
				best->cur = q->rec;   /* owned */
				best->cur_seq = q->seq;
				best->cur_pos = 0;
				best->busy = TRUE;
			}
			if (!exec_record(e, best, &best->cur, best->cur_seq + 1, error))
				return -1;
			if (best->cur_pos >= access_count(e, &best->cur)) {
				vm_record_clear(&best->cur);
				best->busy = FALSE;
			}
			return 1;
		}

		/* read ahead until a record can run */
		while (!e->pos.eof && !e->crash_pending && e->pos.buffered < VM_ENGINE_WINDOW) {
			GError *err = NULL;
			if (!read_event(e, &err)) {
				if (err) {
					g_propagate_error(error, err);
					return -1;
				}
				e->pos.eof = TRUE;
				break;
			}
			uint64_t seq = e->pos.next_seq++;
			if (e->rec.kind == VM_REC_CRASH) {
				/* a barrier: nothing after it starts before
				 * everything before it has completed */
				vm_record_copy(&e->crash, &e->rec);
				e->pos.crash_seq = seq;
				e->crash_pending = TRUE;
				break;
			}
			task_t *t = task_get(e, e->rec.pid);
			if (runnable(e, t) && !t->busy && !t->qlen) {
				if (e->batching) {
					int f = fast_access(e, t, &e->rec, error);
					if (f < 0)
						return -1;
					/* read on unless a wake-up is due: only
					 * one can make a waiting record runnable
					 * before the next one read */
					if (f > 0) {
						if (!wake_due(e) && !kswapd_due(e))
							continue;
						return 1;
					}
				}
				t->cur_pos = 0;
				t->cur_seq = seq;
				if (!exec_record(e, t, &e->rec, seq + 1, error))
					return -1;
				if (t->cur_pos < access_count(e, &e->rec)) {
					/* it waits half-way: keep a copy */
					vm_record_copy(&t->cur, &e->rec);
					t->busy = TRUE;
				}
				return 1;
			}
			enqueue(t, &e->rec, seq);
			e->pos.buffered++;
		}

		if (e->crash_pending && crash_ready(e)) {
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

int vm_engine_step(vm_engine_t *e, GError **error)
{
	int r = step_once(e, error);
	if (G_UNLIKELY(e->snaps != NULL) && r > 0)
		snap_after_step(e);
	return r;
}

gboolean vm_engine_run(vm_engine_t *e, GError **error)
{
	int r;
	/* many events a step when nothing looks at each one */
	e->batching = !e->opts.on_step && !e->opts.on_access && !e->opts.check &&
		      !e->snaps;
	while ((r = vm_engine_step(e, error)) > 0)
		;
	e->batching = FALSE;
	return r == 0;
}

/* ---- going back ------------------------------------------------------------ */

/*
 * A snapshot: everything a replay changes, deep-copied, so that restoring it
 * and running on gives what running on from that point first gave.
 *
 *   events:  0        20k       40k       60k     ...   n-1  n
 *   snaps:   [0]      [1]       [2]       [3]
 *                                          └── restore, replay to n-1
 *                                              quietly, then event n with
 *                                              the callbacks
 *
 * The machine is a vm_clone_save image (a clone without the frames never
 * used); the tasks are copied with their
 * read-ahead FIFOs and in-progress records (a task's process is kept as its
 * index in the machine's process list, since the copy has other pointers);
 * the reader comes back to its place with a vm_vmt_mark.  What never changes
 * after the open (profile, file headers, the oracle's pass over the trace)
 * is not copied; the oracle's progress is.
 */
typedef struct {
	replay_pos_t pos;         /* e->pos there: the state after pos.events */
	uint64_t bytes;           /* about what it holds */
	vm_clone_image_t *m;
	task_t **tasks;           /* copies, p NULL: see proc */
	uint32_t *proc;           /* each task's process: index in m->procs */
	guint nr_tasks;
	gboolean have_last;
	uint32_t last_pid;
	gboolean crash_pending;
	vm_record_t crash;
	vm_vmt_mark_t mark;
	vm_oracle_state_t *oracle;
} snap_t;

#define SNAP(e, i) ((snap_t *)g_ptr_array_index((e)->snaps, (i)))

static void snap_gap_set(vm_engine_t *e, const snap_t *s);

/* An owned copy of @t, its process left out (the caller maps it). */
static task_t *task_copy(const task_t *t)
{
	task_t *c = g_new(task_t, 1);
	*c = *t;
	c->p = NULL;
	c->qhead = 0;
	c->qcap = t->qlen ? t->qlen : 0;
	c->q = t->qlen ? g_new(qrec_t, t->qlen) : NULL;
	for (uint32_t i = 0; i < t->qlen; i++) {
		const qrec_t *q = &t->q[(t->qhead + i) % t->qcap];
		vm_record_copy(&c->q[i].rec, &q->rec);
		c->q[i].seq = q->seq;
	}
	if (t->busy)
		vm_record_copy(&c->cur, &t->cur);
	return c;
}

static void snap_free(gpointer p)
{
	snap_t *s = p;
	vm_clone_image_free(s->m);
	for (guint i = 0; i < s->nr_tasks; i++)
		task_free(s->tasks[i]);
	g_free(s->tasks);
	g_free(s->proc);
	if (s->crash_pending)
		vm_record_clear(&s->crash);
	vm_oracle_state_free(s->oracle);
	g_free(s);
}

static snap_t *snap_take(vm_engine_t *e)
{
	snap_t *s = g_new0(snap_t, 1);
	s->pos = e->pos;
	s->m = vm_clone_save(e->m);
	s->bytes = sizeof *s + vm_clone_image_size(s->m);
	/* processes by index: a pid may name several (exit, crash) */
	GHashTable *idx = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (uint32_t i = 0; i < e->m->nr_procs; i++)
		g_hash_table_insert(idx, e->m->procs[i], GUINT_TO_POINTER(i + 1));
	s->nr_tasks = e->tasks->len;
	s->tasks = g_new(task_t *, s->nr_tasks ? s->nr_tasks : 1);
	s->proc = g_new(uint32_t, s->nr_tasks ? s->nr_tasks : 1);
	for (guint i = 0; i < s->nr_tasks; i++) {
		const task_t *t = g_ptr_array_index(e->tasks, i);
		s->tasks[i] = task_copy(t);
		s->proc[i] = t->p ? GPOINTER_TO_UINT(g_hash_table_lookup(idx, t->p)) - 1
				  : VM_NIL;
		s->bytes += sizeof *t + t->qlen * (sizeof(qrec_t) + 64);
	}
	g_hash_table_destroy(idx);
	s->have_last = e->last_task != NULL;
	s->last_pid = e->last_task ? e->last_task->pid : 0;
	s->crash_pending = e->crash_pending;
	if (e->crash_pending)
		vm_record_copy(&s->crash, &e->crash);
	vm_vmt_mark(e->rd, &s->mark);
	if (e->oracle) {
		s->oracle = vm_oracle_save(e->oracle);
		s->bytes += vm_oracle_state_size(s->oracle);
	}
	return s;
}

static gboolean snap_restore(vm_engine_t *e, const snap_t *s, GError **error)
{
	if (!vm_vmt_restore(e->rd, &s->mark, error))
		return FALSE;
	e->m = vm_clone_load(s->m, e->m);
	if (e->oracle) {
		/* the clone's reclaim params still name this very oracle */
		vm_oracle_load(e->oracle, s->oracle);
		vm_oracle_bind(e->oracle, e->m);
	}
	g_hash_table_remove_all(e->by_pid);
	g_ptr_array_set_size(e->tasks, 0);
	for (guint i = 0; i < s->nr_tasks; i++) {
		task_t *t = task_copy(s->tasks[i]);
		t->p = s->proc[i] == VM_NIL ? NULL : e->m->procs[s->proc[i]];
		g_hash_table_insert(e->by_pid, GUINT_TO_POINTER(t->pid), t);
		g_ptr_array_add(e->tasks, t);
	}
	e->last_task = s->have_last
		? g_hash_table_lookup(e->by_pid, GUINT_TO_POINTER(s->last_pid)) : NULL;
	e->pos = s->pos;
	if (e->crash_pending)
		vm_record_clear(&e->crash);
	e->crash_pending = s->crash_pending;
	if (s->crash_pending)
		vm_record_copy(&e->crash, &s->crash);
	return TRUE;
}

static void snap_init(vm_engine_t *e)
{
	if (!e->opts.snapshots || !vm_vmt_seekable(e->rd) || e->stream_check)
		return;
	e->snap_cap = e->opts.snapshot_mem ? e->opts.snapshot_mem : VM_ENGINE_SNAP_MEM;
	snap_t *s = snap_take(e);
	/* a budget that holds fewer than four is not worth keeping: seek
	 * replays from the start instead */
	if (s->bytes > e->snap_cap / 4) {
		snap_free(s);
		return;
	}
	e->snaps = g_ptr_array_new_with_free_func(snap_free);
	e->snap_every = e->opts.snapshot_every ? e->opts.snapshot_every
					       : VM_ENGINE_SNAP_EVERY;
	snap_gap_set(e, s);
	g_ptr_array_add(e->snaps, s);
	e->snap_bytes = s->bytes;
	e->snap_next = 1;
	e->snap_last = 0;
}

static void snaps_free(vm_engine_t *e)
{
	if (e->snaps)
		g_ptr_array_free(e->snaps, TRUE);
	e->snaps = NULL;
}

/*
 * Work before the next snapshot: snap_every, or half a unit per byte of the
 * latest snapshot when that is more.  Copying a byte costs about what a
 * quarter of a unit of replay does (page faults included), so snapshots
 * never cost more than about a third of the replay they save, whatever
 * the machine's size; the replay between two stays short (a unit is a few
 * tens of nanoseconds).
 */
static void snap_gap_set(vm_engine_t *e, const snap_t *s)
{
	e->snap_gap = e->opts.snapshot_every ? e->snap_every
					     : MAX(e->snap_every, s->bytes / 2);
}

/* The position among the snapshots after a move or a thinning. */
static void snap_locate(vm_engine_t *e)
{
	guint i = 1;
	while (i < e->snaps->len && SNAP(e, i)->pos.events <= e->pos.events)
		i++;
	e->snap_next = i;
	e->snap_last = SNAP(e, i - 1)->pos.work;
}

/* Over budget: drop every other snapshot (the first stays), double the
 * spacing; the survivors stay evenly spread. */
static void snap_thin(vm_engine_t *e)
{
	while (e->snap_bytes > e->snap_cap && e->snaps->len > 1) {
		GPtrArray *keep = g_ptr_array_new_with_free_func(snap_free);
		e->snap_bytes = 0;
		for (guint i = 0; i < e->snaps->len; i++) {
			snap_t *s = g_ptr_array_index(e->snaps, i);
			if (i % 2 == 0) {
				g_ptr_array_add(keep, s);
				e->snap_bytes += s->bytes;
			} else {
				snap_free(s);
			}
		}
		g_ptr_array_set_free_func(e->snaps, NULL);
		g_ptr_array_free(e->snaps, TRUE);
		e->snaps = keep;
		e->snap_every *= 2;
	}
	snap_gap_set(e, g_ptr_array_index(e->snaps, e->snaps->len - 1));
	snap_locate(e);
}

/* After every event when snapshots are on: a few compares, and a snapshot
 * once enough work has run since the one before the position. */
static void snap_after_step(vm_engine_t *e)
{
	e->pos.work += 1 + e->st.nr_access;
	while (e->snap_next < e->snaps->len && SNAP(e, e->snap_next)->pos.events <= e->pos.events)
		e->snap_last = SNAP(e, e->snap_next++)->pos.work;
	if (e->pos.work - e->snap_last < e->snap_gap)
		return;
	/* not right before one we have (a replay after a restore) */
	if (e->snap_next < e->snaps->len &&
	    SNAP(e, e->snap_next)->pos.work - e->pos.work < e->snap_gap / 2)
		return;
	snap_t *s = snap_take(e);
	snap_gap_set(e, s);
	g_ptr_array_insert(e->snaps, (gint)e->snap_next, s);
	e->snap_next++;
	e->snap_last = s->pos.work;
	e->snap_bytes += s->bytes;
	if (e->snap_bytes > e->snap_cap)
		snap_thin(e);
}

void vm_engine_snapshot_info(const vm_engine_t *e, unsigned *nr,
			     uint64_t *bytes, uint64_t *every)
{
	*nr = e->snaps ? e->snaps->len : 0;
	*bytes = e->snaps ? e->snap_bytes : 0;
	*every = e->snaps ? e->snap_gap : 0;
}

/*
 * The state after @n events.  Going forward steps with the callbacks muted.
 * Going back, and forward past a snapshot, restores the latest snapshot
 * before event @n (strictly before, so that event @n itself runs with the
 * callbacks) and replays from there.  Without snapshots, going back opens
 * the trace again and replays from the start.  Both are exact because the
 * run is deterministic.
 */
gboolean vm_engine_seek(vm_engine_t *e, uint64_t n, GError **error)
{
	if (e->snaps) {
		uint64_t before = n ? n - 1 : 0;
		guint lo = 0, hi = e->snaps->len;   /* last with events <= before */
		while (hi - lo > 1) {
			guint mid = lo + (hi - lo) / 2;
			if (SNAP(e, mid)->pos.events <= before)
				lo = mid;
			else
				hi = mid;
		}
		const snap_t *s = SNAP(e, lo);
		if (n < e->pos.events || s->pos.events > e->pos.events) {
			if (!snap_restore(e, s, error))
				return FALSE;
			snap_locate(e);
		}
	} else if (n < e->pos.events) {
		vm_engine_opts_t quiet = e->opts;
		quiet.on_step = NULL;
		quiet.on_access = NULL;
		quiet.on_expect_fail = NULL;
		/* this trace or machine keeps none (a stream, too big): the
		 * new engine need not find that out again */
		quiet.snapshots = FALSE;
		vm_engine_t *f = e->path
			? vm_engine_open(e->path, e->have_base ? &e->base : NULL,
					 e->overrides, &quiet, error)
			: vm_engine_open_memory(e->name, e->text,
						e->have_base ? &e->base : NULL,
						e->overrides, &quiet, error);
		if (!f)
			return FALSE;
		f->opts = e->opts;
		/* nothing points into an engine from outside but the caller's
		 * handle, so swapping the contents keeps that handle valid */
		vm_engine_t tmp = *e;
		*e = *f;
		*f = tmp;
		vm_engine_free(f);
	}
	vm_engine_opts_t saved = e->opts;
	e->opts.on_step = NULL;
	e->opts.on_access = NULL;
	e->opts.on_expect_fail = NULL;
	while (e->pos.events + 1 < n) {
		int r = vm_engine_step(e, error);
		if (r <= 0) {
			e->opts = saved;
			return r == 0;
		}
	}
	e->opts = saved;
	if (e->pos.events < n && vm_engine_step(e, error) < 0)
		return FALSE;
	return TRUE;
}

uint64_t vm_engine_skipped_accesses(const vm_engine_t *e)
{
	return e->pos.skipped_accesses;
}
