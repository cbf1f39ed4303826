/*
 * The timeline writer; see timeline.h for what it shows and why a failed
 * run still gets one.
 *
 * The file, in the trace-event format's object form (the Chrome "Trace
 * Event Format" document; Perfetto's JSON importer reads the same):
 *
 *   {"displayTimeUnit":"ns","traceEvents":[
 *   {"name":"process_name","ph":"M","ts":0,"pid":2147483648,...},
 *   ...one event per line, in the order the run made them...
 *   ],
 *   "metadata":{"vmscope":1,"trace":"...","status":"ok",...}}
 *
 * displayTimeUnit comes first because Perfetto only looks for it at the
 * start of the file; ts and dur are microseconds whatever it says (it only
 * sets chrome://tracing's display).
 *
 * Track ids.  Perfetto keys threads by tid alone, across processes, as
 * Linux tids are unique, so every track needs a tid of its own.  Trace pids
 * are 1..2^31-1 (traces/vmt.c), so the simulated processes keep their pid
 * as both pid and tid, and the machine's own tracks live above 2^31:
 *
 *   pid/tid N             process N (1 <= N < 2^31)
 *   pid/tid 2^31          "memory": the page counters
 *   pid 2^31+1            "disk TYPE", with one thread per queue slot,
 *   tid 2^31+256+slot     "slot K" (slots < 65536, sim/config.c)
 *
 * Nesting.  X slices on one thread must nest or follow each other.  They
 * do: a process runs one event at a time and a fault's slice ends when its
 * wait ends, which is when the process can run again; a disk slot serves
 * its requests one after another.  OOM kills, which strike a process from
 * outside (maybe while it waits in a fault), are process-scoped instants,
 * on a track of their own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "sim/timeline.h"
#include "models/smp.h"
#include "sim/narrate.h"
#include "traces/error.h"
#include "traces/outfile.h"
#include "traces/vmt.h"
#include "models/proc.h"
#include "models/memcg.h"

#define TL_PID_MEMORY 0x80000000u
#define TL_PID_DISK   0x80000001u
#define TL_TID_SLOT0  0x80000100u

enum { C_FREE, C_FILE, C_ANON, C_DIRTY, C_SWAP, C_NR };
static const char *const counter_names[C_NR] = {
	"free", "file", "anon", "dirty", "swap",
};

/* A memory cgroup's counters: its charged pages by kind (a stacked chart:
 * memory.current), and its refaults and OOM kills so far. */
enum { CG_ANON, CG_FILE, CG_PT, CG_REFAULT, CG_OOM_KILL, CG_NR };

/* A request just submitted: where its slice is, and when it completes. */
typedef struct {
	uint32_t tid;
	uint64_t start_ns, done_ns;
} vm_tl_io_t;

#define TL_RECENT_IO 64

struct vm_timeline {
	char *path;
	vm_outfile_t *out;        /* the file while started (traces/outfile.h) */
	FILE *f;                  /* its stream */
	int werrno;               /* the first write error, 0: none */
	gboolean finished;
	uint64_t nr_events;
	GString *ev;              /* the event being built */
	unsigned nargs;           /* args in it so far */
	GString *scratch;         /* narration, record text */
	vm_engine_opts_t next;    /* the callbacks we chain to */
	vm_engine_t *e;
	vm_machine_t *m;
	GHashTable *named;        /* pids whose track has its name */
	uint8_t *slot_named;      /* per disk slot: named yet */
	uint32_t nr_slots;
	uint8_t *oom_seen;        /* per m->procs index: OOM kill reported */
	uint32_t nr_oom_seen;
	vm_tl_io_t recent[TL_RECENT_IO]; /* requests since the last access or
				  * event, for the flow arrows */
	unsigned nr_recent;
	uint64_t nr_flows;
	uint64_t counter[C_NR];   /* the values last written */
	gboolean have_counters;
	/* per memory cgroup (models/memcg.h), the values last written:
	 * anon, file, pagetables, refaults, oom_kill; NULL until one exists */
	uint64_t (*cg_counter)[CG_NR];
	uint32_t nr_cg_written;   /* cgroups with values written */
};

/* ---- JSON ------------------------------------------------------------------ */

/* @s as a JSON string: quotes, backslashes and control characters escaped;
 * bytes that are not UTF-8 (a trace's note could hold them) replaced. */
static void json_str(GString *out, const char *s)
{
	char *fixed = NULL;
	if (!g_utf8_validate(s, -1, NULL))
		s = fixed = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
	g_free(fixed);
}

/* Nanoseconds as microseconds: "12", "12.5", "0.001" (exact, no float). */
static void json_us(GString *out, uint64_t ns)
{
	g_string_append_printf(out, "%" G_GUINT64_FORMAT, ns / 1000);
	unsigned frac = (unsigned)(ns % 1000);
	if (!frac)
		return;
	char buf[8];
	g_snprintf(buf, sizeof buf, ".%03u", frac);
	size_t n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	g_string_append(out, buf);
}

/* ---- events ---------------------------------------------------------------- */

/*
 * Start an event: {"name":...,"cat":...,"ph":...,"ts":...[,"dur":...],
 * "pid":...,"tid":...[,"s":...],"args":{  -- the args and the closing
 * braces follow (arg_*, ev_close).  @dur is used for "X" only, @scope for
 * "i" only (NULL: none).
 */
static void ev_open(vm_timeline_t *tl, const char *ph, const char *name,
		    const char *cat, uint64_t ts, uint64_t dur, uint32_t pid,
		    uint32_t tid, const char *scope)
{
	GString *b = tl->ev;
	g_string_truncate(b, 0);
	g_string_append(b, "{\"name\":");
	json_str(b, name);
	if (cat) {
		g_string_append(b, ",\"cat\":");
		json_str(b, cat);
	}
	g_string_append_printf(b, ",\"ph\":\"%s\",\"ts\":", ph);
	json_us(b, ts);
	if (ph[0] == 'X') {
		g_string_append(b, ",\"dur\":");
		json_us(b, dur);
	}
	g_string_append_printf(b, ",\"pid\":%u,\"tid\":%u", pid, tid);
	if (scope)
		g_string_append_printf(b, ",\"s\":\"%s\"", scope);
	g_string_append(b, ",\"args\":{");
	tl->nargs = 0;
}

static void arg_key(vm_timeline_t *tl, const char *key)
{
	if (tl->nargs++)
		g_string_append_c(tl->ev, ',');
	json_str(tl->ev, key);
	g_string_append_c(tl->ev, ':');
}

static void arg_str(vm_timeline_t *tl, const char *key, const char *v)
{
	arg_key(tl, key);
	json_str(tl->ev, v);
}

static void arg_u64(vm_timeline_t *tl, const char *key, uint64_t v)
{
	arg_key(tl, key);
	g_string_append_printf(tl->ev, "%" G_GUINT64_FORMAT, v);
}

static void arg_us(vm_timeline_t *tl, const char *key, uint64_t ns)
{
	arg_key(tl, key);
	json_us(tl->ev, ns);
}

static void arg_hex(vm_timeline_t *tl, const char *key, uint64_t v)
{
	arg_key(tl, key);
	g_string_append_printf(tl->ev, "\"0x%" G_GINT64_MODIFIER "x\"", v);
}

static void arg_bool(vm_timeline_t *tl, const char *key, gboolean v)
{
	arg_key(tl, key);
	g_string_append(tl->ev, v ? "true" : "false");
}

/* The trace line the event comes from, and its text. */
static void arg_record(vm_timeline_t *tl, const vm_record_t *rec)
{
	arg_u64(tl, "line", rec->line);
	g_string_truncate(tl->scratch, 0);
	vm_vmt_format(rec, tl->scratch);
	arg_str(tl, "record", tl->scratch->str);
}

/* Finish the event and write it, a comma before all but the first. */
static void ev_close(vm_timeline_t *tl)
{
	g_string_append(tl->ev, "}}");
	if (!tl->f || tl->werrno)
		return;
	if ((tl->nr_events && fputs(",\n", tl->f) == EOF) ||
	    fwrite(tl->ev->str, 1, tl->ev->len, tl->f) != tl->ev->len)
		tl->werrno = errno ? errno : EIO;
	tl->nr_events++;
}

/* One end of a flow arrow @id: "s" binds to the slice open at @ts on its
 * track, "f" (with "bp":"e") to the slice that starts there. */
static void ev_flow(vm_timeline_t *tl, const char *ph, uint64_t ts,
		    uint32_t pid, uint32_t tid, uint64_t id)
{
	GString *b = tl->ev;
	g_string_truncate(b, 0);
	g_string_append_printf(b, "{\"name\":\"waits for\",\"cat\":\"flow\","
			       "\"ph\":\"%s\",\"ts\":", ph);
	json_us(b, ts);
	g_string_append_printf(b, ",\"pid\":%u,\"tid\":%u,\"id\":%" G_GUINT64_FORMAT
			       "%s,\"args\":{", pid, tid, id,
			       ph[0] == 'f' ? ",\"bp\":\"e\"" : "");
	tl->nargs = 0;
	ev_close(tl);
}

/* A metadata event naming a process or a thread. */
static void ev_name(vm_timeline_t *tl, const char *what, uint32_t pid,
		    uint32_t tid, const char *name)
{
	ev_open(tl, "M", what, NULL, 0, 0, pid, tid, NULL);
	arg_str(tl, "name", name);
	ev_close(tl);
}

/* Name process @pid's track the first time it shows up. */
static void ensure_proc(vm_timeline_t *tl, uint32_t pid)
{
	if (g_hash_table_contains(tl->named, GUINT_TO_POINTER(pid)))
		return;
	g_hash_table_add(tl->named, GUINT_TO_POINTER(pid));
	char name[32];
	g_snprintf(name, sizeof name, "pid %u", pid);
	ev_name(tl, "process_name", pid, pid, name);
	ev_name(tl, "thread_name", pid, pid, name);
}

/* Counters after an event: only those that changed (all, the first time). */
static void sample_counters(vm_timeline_t *tl, uint64_t ts)
{
	vm_machine_t *m = tl->m;
	uint64_t v[C_NR] = {
		[C_FREE] = m->frames.nr_free,
		[C_FILE] = m->frames.nr_kind[VM_FRAME_FILE],
		[C_ANON] = m->frames.nr_kind[VM_FRAME_ANON],
		[C_DIRTY] = m->nr_dirty,
		[C_SWAP] = m->swap_used,
	};
	for (int i = 0; i < C_NR; i++) {
		if (tl->have_counters && v[i] == tl->counter[i])
			continue;
		ev_open(tl, "C", counter_names[i], "memory", ts, 0, TL_PID_MEMORY,
			TL_PID_MEMORY, NULL);
		arg_u64(tl, "pages", v[i]);
		ev_close(tl);
		tl->counter[i] = v[i];
	}
	tl->have_counters = TRUE;
	for (uint32_t id = 1; id <= m->nr_memcg; id++) {
		const vm_memcg_t *cg = m->memcg[id];
		uint64_t c[CG_NR] = {
			[CG_ANON] = vm_memcg_usage_kind(m, cg, VM_FRAME_ANON),
			[CG_FILE] = vm_memcg_usage_kind(m, cg, VM_FRAME_FILE),
			[CG_PT] = vm_memcg_usage_kind(m, cg, VM_FRAME_PT),
			[CG_REFAULT] = cg->st.workingset_refault_anon +
				       cg->st.workingset_refault_file,
			[CG_OOM_KILL] = cg->st.oom_kill,
		};
		if (!tl->cg_counter)
			tl->cg_counter = g_malloc0_n(VM_MEMCG_MAX + 1, sizeof *tl->cg_counter);
		gboolean fresh = id > tl->nr_cg_written;
		if (!fresh && memcmp(c, tl->cg_counter[id], sizeof c) == 0)
			continue;
		char name[300];
		g_snprintf(name, sizeof name, "cgroup %s", cg->name);
		if (fresh || memcmp(c, tl->cg_counter[id], 3 * sizeof *c) != 0) {
			ev_open(tl, "C", name, "memory", ts, 0, TL_PID_MEMORY,
				TL_PID_MEMORY, NULL);
			arg_u64(tl, "anon", c[CG_ANON]);
			arg_u64(tl, "file", c[CG_FILE]);
			arg_u64(tl, "pagetables", c[CG_PT]);
			ev_close(tl);
		}
		if (fresh || memcmp(c + CG_REFAULT, tl->cg_counter[id] + CG_REFAULT,
				    2 * sizeof *c) != 0) {
			g_strlcat(name, " events", sizeof name);
			ev_open(tl, "C", name, "memory", ts, 0, TL_PID_MEMORY,
				TL_PID_MEMORY, NULL);
			arg_u64(tl, "workingset_refault", c[CG_REFAULT]);
			arg_u64(tl, "oom_kill", c[CG_OOM_KILL]);
			ev_close(tl);
		}
		memcpy(tl->cg_counter[id], c, sizeof c);
		tl->nr_cg_written = MAX(tl->nr_cg_written, id);
	}
}

/*
 * An arrow from the slice open at @ts on process @pid's track to the disk
 * request it waits for: one submitted since the last access or event that
 * completes at @until.  Flow events, phases "s" and "f" (binding to the
 * enclosing slice); none when the wait is for an older request (a page
 * another read brought in, writeback already under way).
 */
static void flow_to_io(vm_timeline_t *tl, uint32_t pid, uint64_t ts,
		       uint64_t until)
{
	for (unsigned i = 0; i < tl->nr_recent; i++) {
		const vm_tl_io_t *io = &tl->recent[i];
		if (io->done_ns != until)
			continue;
		uint64_t id = ++tl->nr_flows;
		ev_flow(tl, "s", ts, pid, pid, id);
		ev_flow(tl, "f", io->start_ns, TL_PID_DISK, io->tid, id);
		return;
	}
}

/* ---- the callbacks ----------------------------------------------------------- */


static const char *acc_name(vm_acc_t acc)
{
	return acc == VM_ACC_W ? "w" : acc == VM_ACC_X ? "x" : "r";
}

/*
 * Every access: faults become slices from when the access started (its CPU
 * cost ago) to when the process can go on (the end of its wait for I/O,
 * when it has one); a signal adds an instant where it is delivered.
 */
static void tl_access(void *ctx, vm_engine_t *e, const vm_record_t *rec,
		      uint64_t vaddr, vm_acc_t acc, const vm_result_t *res)
{
	vm_timeline_t *tl = ctx;
	if (res->outcome >= VM_OUT_MINOR && res->outcome < VM_OUT_NR) {
		uint64_t now = vm_engine_now(e);
		uint64_t start = now - MIN(now, res->cost);
		uint64_t end = MAX(now, res->ready_at);
		vm_outcome_t o = (vm_outcome_t)res->outcome;
		char name[32];
		g_snprintf(name, sizeof name, "%s fault", vm_result_outcome_name(o));
		ensure_proc(tl, rec->pid);
		ev_open(tl, "X", name, "fault", start, end - start, rec->pid,
			rec->pid, NULL);
		arg_str(tl, "outcome", vm_result_outcome_name(o));
		arg_str(tl, "access", acc_name(acc));
		arg_hex(tl, "addr", vaddr);
		arg_str(tl, "reason", vm_result_why_name((vm_why_t)res->why));
		g_string_truncate(tl->scratch, 0);
		vm_narrate_access(tl->scratch, e, vaddr, acc, res);
		arg_str(tl, "why", tl->scratch->str);
		arg_us(tl, "cpu_us", res->cost);
		arg_us(tl, "wait_us", end - now);
		if (res->ra_pages)
			arg_u64(tl, "readahead_pages", res->ra_pages);
		if (res->around)
			arg_u64(tl, "fault_around_pages", res->around);
		/* the shared zero page is no frame of the model (its pfn is
		 * VM_NIL): say so rather than print 4294967295 */
		if (res->pfn == VM_NIL && o == VM_OUT_ZERO)
			arg_str(tl, "frame", "zero page");
		else if (res->pfn != VM_NIL && o != VM_OUT_SIGSEGV &&
			 o != VM_OUT_SIGBUS)
			arg_u64(tl, "pfn", res->pfn);
		arg_u64(tl, "line", rec->line);
		ev_close(tl);
		if (res->ready_at > now)
			flow_to_io(tl, rec->pid, start, res->ready_at);
		if (o == VM_OUT_SIGSEGV || o == VM_OUT_SIGBUS) {
			vm_sig_t sig = o == VM_OUT_SIGSEGV ? VM_SIG_SIGSEGV : VM_SIG_SIGBUS;
			vm_proc_t *p = vm_proc_lookup(tl->m, rec->pid);
			gboolean caught = p && (p->catch_mask & (1u << sig));
			ev_open(tl, "i", o == VM_OUT_SIGSEGV ? "SIGSEGV" : "SIGBUS",
				"signal", now, 0, rec->pid, rec->pid, "t");
			arg_hex(tl, "addr", vaddr);
			arg_str(tl, "action", caught ? "caught" : "killed");
			arg_u64(tl, "line", rec->line);
			ev_close(tl);
		}
	}
	tl->nr_recent = 0;
	if (tl->next.on_access)
		tl->next.on_access(tl->next.ctx, e, rec, vaddr, acc, res);
}

/* Processes the OOM killer took since the last look, as process-wide
 * instants at the end of the event during which it struck. */
static void report_oom_kills(vm_timeline_t *tl, const vm_step_t *st)
{
	vm_machine_t *m = tl->m;
	if (tl->nr_oom_seen < m->nr_procs) {
		tl->oom_seen = g_realloc(tl->oom_seen, m->nr_procs);
		memset(tl->oom_seen + tl->nr_oom_seen, 0, m->nr_procs - tl->nr_oom_seen);
		tl->nr_oom_seen = m->nr_procs;
	}
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		vm_proc_t *p = m->procs[i];
		if (tl->oom_seen[i] || p->state != VM_PROC_KILLED ||
		    p->killed_by != VM_KILL_OOM)
			continue;
		tl->oom_seen[i] = 1;
		ensure_proc(tl, p->pid);
		ev_open(tl, "i", "OOM kill", "oom", st->end_ns, 0, p->pid, p->pid, "p");
		arg_u64(tl, "victim", p->pid);
		if (st->rec->kind != VM_REC_CRASH)
			arg_u64(tl, "allocating_pid", st->rec->pid);
		if (m->last_oom.pid == p->pid) {
			arg_u64(tl, "rss_pages", m->last_oom.rss);
			arg_u64(tl, "swap_pages", m->last_oom.swap);
			arg_u64(tl, "pt_pages", m->last_oom.pt);
			arg_key(tl, "points");
			g_string_append_printf(tl->ev, "%" G_GINT64_FORMAT,
					       m->last_oom.points);
			if (m->last_oom.adj) {
				arg_key(tl, "oom_score_adj");
				g_string_append_printf(tl->ev, "%d",
						       (int)m->last_oom.adj);
			}
		}
		arg_u64(tl, "line", st->rec->line);
		ev_close(tl);
	}
}

static gboolean waits(vm_rec_kind_t k)
{
	return k == VM_REC_READ || k == VM_REC_WRITE || k == VM_REC_FSYNC ||
	       k == VM_REC_MSYNC || k == VM_REC_SLEEP;
}

static const char *const madv_names[] = {
	"normal", "random", "sequential", "willneed", "dontneed", "hugepage",
	"nohugepage",
};

/* What one event was, on its process's track. */
static void step_event(vm_timeline_t *tl, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	const char *op = vm_record_op_name(r);
	switch (r->kind) {
	case VM_REC_ACCESS:
	case VM_REC_SEQ:
	case VM_REC_RAND:
		return;   /* its faults are told access by access */
	case VM_REC_NOTE:
		ev_open(tl, "i", "note", "note", st->start_ns, 0, r->pid, r->pid, "t");
		arg_str(tl, "text", r->name ? r->name : "");
		arg_u64(tl, "line", r->line);
		ev_close(tl);
		return;
	case VM_REC_EXPECT:
		if (st->expect_ok)
			return;
		ev_open(tl, "i", "expect failed", "expect", st->start_ns, 0, r->pid,
			r->pid, "t");
		arg_str(tl, "message", st->expect_msg ? st->expect_msg : "");
		arg_u64(tl, "line", r->line);
		ev_close(tl);
		return;
	default:
		break;
	}
	if (waits(r->kind)) {
		/* the call and the wait it ends with, for the disk or a timer */
		uint64_t end = MAX(st->end_ns, st->wait_until);
		ev_open(tl, "X", op, "syscall", st->start_ns, end - st->start_ns,
			r->pid, r->pid, NULL);
		arg_us(tl, "cpu_us", st->end_ns - st->start_ns);
		arg_us(tl, "wait_us", end - st->end_ns);
		arg_record(tl, r);
		ev_close(tl);
		if (st->wait_until > st->end_ns)
			flow_to_io(tl, r->pid, st->start_ns, st->wait_until);
		return;
	}
	ev_open(tl, "i", op, "syscall", st->start_ns, 0, r->pid, r->pid, "t");
	switch (r->kind) {
	case VM_REC_MMAP:
	case VM_REC_MUNMAP:
	case VM_REC_MPROTECT:
	case VM_REC_MADVISE:
		arg_hex(tl, "addr", r->addr);
		arg_u64(tl, "len", r->len);
		arg_u64(tl, "pages", st->last.pages);
		if (r->kind == VM_REC_MADVISE && r->arg < G_N_ELEMENTS(madv_names))
			arg_str(tl, "advice", madv_names[r->arg]);
		if (st->last.tables_freed)
			arg_u64(tl, "tables_freed", st->last.tables_freed);
		break;
	case VM_REC_MREMAP:
		arg_hex(tl, "addr", r->addr);
		arg_u64(tl, "old_len", r->len);
		arg_u64(tl, "new_len", r->count);
		if (r->flags & VM_MREMAP_TO)
			arg_hex(tl, "to", r->stride);
		arg_u64(tl, "moved_entries", st->last.pages);
		if (st->last.tables_freed)
			arg_u64(tl, "tables_freed", st->last.tables_freed);
		if (st->last.why == VM_WHY_EFAULT || st->last.why == VM_WHY_ENOMEM)
			arg_str(tl, "error", st->last.why == VM_WHY_EFAULT ? "EFAULT"
								    : "ENOMEM");
		break;
	case VM_REC_FORK:
		arg_u64(tl, "child", r->child);
		break;
	default:
		break;
	}
	arg_record(tl, r);
	ev_close(tl);
	if (r->kind == VM_REC_FORK) {
		/* the child's track starts where fork returns */
		ensure_proc(tl, r->child);
		ev_open(tl, "i", "forked", "syscall", st->end_ns, 0, r->child,
			r->child, "t");
		arg_u64(tl, "parent", r->pid);
		arg_u64(tl, "line", r->line);
		ev_close(tl);
	}
}

/* Several CPUs: the step's TLB shootdown (the latest, when it made more
 * than one) as an instant on its task's track (docs/timeline.md). */
static void report_shootdown(vm_timeline_t *tl, const vm_step_t *st)
{
	const vm_shootdown_t *d = &tl->m->smp->last;
	ev_open(tl, "i", "TLB shootdown", "tlb", d->at, 0, st->rec->pid,
		st->rec->pid, "t");
	arg_u64(tl, "mm", d->mm);
	arg_u64(tl, "from_cpu", d->from_cpu);
	arg_u64(tl, "ipis", (uint64_t)__builtin_popcountll(d->ipi_mask));
	arg_hex(tl, "ipi_cpus", d->ipi_mask);
	arg_hex(tl, "lazy_cpus", d->lazy_mask);
	if (d->lazy_left_mask)
		arg_hex(tl, "lazy_cpus_left", d->lazy_left_mask);
	arg_hex(tl, "addr", d->vpn << tl->m->page_shift);
	arg_u64(tl, "pages", d->pages);
	arg_bool(tl, "full_flush", d->full);
	arg_u64(tl, "shootdowns_in_step", st->shootdowns);
	arg_u64(tl, "line", st->rec->line);
	ev_close(tl);
}

static void tl_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	vm_timeline_t *tl = ctx;
	const vm_record_t *r = st->rec;
	if (r->kind == VM_REC_CRASH) {
		ev_open(tl, "i", "crash", "crash", st->start_ns, 0, TL_PID_MEMORY,
			TL_PID_MEMORY, "g");
		arg_u64(tl, "lost_pages", st->lost);
		arg_u64(tl, "torn_pages", st->torn);
		arg_u64(tl, "line", r->line);
		ev_close(tl);
	} else {
		ensure_proc(tl, r->pid);
		if (!st->skipped)
			step_event(tl, st);
	}
	if (G_UNLIKELY(st->oom_kills))
		report_oom_kills(tl, st);
	if (G_UNLIKELY(st->shootdowns))
		report_shootdown(tl, st);
	sample_counters(tl, st->end_ns);
	tl->nr_recent = 0;
	if (tl->next.on_step)
		tl->next.on_step(tl->next.ctx, e, st);
}

static void tl_expect_fail(void *ctx, const char *msg)
{
	vm_timeline_t *tl = ctx;
	if (tl->next.on_expect_fail)
		tl->next.on_expect_fail(tl->next.ctx, msg);
}

/* Every disk request, on the track of the queue slot that serves it. */
static void tl_io(void *ctx, const vm_disk_t *d, const vm_disk_req_t *req,
		  const vm_disk_io_t *io)
{
	vm_timeline_t *tl = ctx;
	vm_machine_t *m = tl->m;
	uint32_t tid = TL_TID_SLOT0 + io->slot;
	if (io->slot < tl->nr_slots && !tl->slot_named[io->slot]) {
		char name[32];
		g_snprintf(name, sizeof name, "slot %u", io->slot);
		ev_name(tl, "thread_name", TL_PID_DISK, tid, name);
		tl->slot_named[io->slot] = 1;
	}
	gboolean swap = m->nr_swap_slots && req->start >= m->swap_base &&
			req->start < m->swap_base + m->nr_swap_slots;
	const char *name = swap ? (req->dir == VM_DISK_WRITE ? "swap-out" : "swap-in")
				: (req->dir == VM_DISK_WRITE ? "write" : "read");
	ev_open(tl, "X", name, "disk", io->start_ns, io->done_ns - io->start_ns,
		TL_PID_DISK, tid, NULL);
	arg_str(tl, "dir", req->dir == VM_DISK_WRITE ? "write" : "read");
	arg_str(tl, "area", swap ? "swap" : "file");
	arg_u64(tl, "block", req->start);
	arg_u64(tl, "blocks", req->nr);
	arg_u64(tl, "bytes", (uint64_t)req->nr * d->page_size);
	arg_us(tl, "submitted_us", io->submit_ns);
	arg_us(tl, "queued_us", io->start_ns - io->submit_ns);
	arg_bool(tl, "seek", io->seeked);
	ev_close(tl);
	if (tl->nr_recent < TL_RECENT_IO)
		tl->recent[tl->nr_recent++] = (vm_tl_io_t){ tid, io->start_ns,
							    io->done_ns };
}

/* ---- life cycle -------------------------------------------------------------- */

vm_timeline_t *vm_timeline_new(const char *path)
{
	g_return_val_if_fail(path != NULL, NULL);
	vm_timeline_t *tl = g_new0(vm_timeline_t, 1);
	tl->path = g_strdup(path);
	tl->ev = g_string_sized_new(512);
	tl->scratch = g_string_sized_new(256);
	tl->named = g_hash_table_new(g_direct_hash, g_direct_equal);
	return tl;
}

void vm_timeline_hook(vm_timeline_t *tl, vm_engine_opts_t *opts)
{
	g_return_if_fail(tl != NULL && opts != NULL);
	tl->next = *opts;
	opts->on_step = tl_step;
	opts->on_access = tl_access;
	opts->on_expect_fail = tl_expect_fail;
	opts->ctx = tl;
}

static void set_io_error(const vm_timeline_t *tl, int err, GError **error)
{
	g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: cannot write: %s",
		    tl->path, g_strerror(err));
}

gboolean vm_timeline_start(vm_timeline_t *tl, vm_engine_t *e, GError **error)
{
	g_return_val_if_fail(tl != NULL && e != NULL && !tl->f, FALSE);
	/* a regular FILE is written beside it and renamed at the end; a
	 * device or FIFO in place; "-" is standard output */
	tl->out = vm_outfile_open(tl->path, VM_OUTFILE_DASH, error);
	if (!tl->out)
		return FALSE;
	tl->f = vm_outfile_stream(tl->out);
	tl->e = e;
	tl->m = vm_engine_machine(e);
	vm_disk_t *d = tl->m->disk;
	tl->nr_slots = d->queue_depth;
	tl->slot_named = g_new0(uint8_t, tl->nr_slots);
	d->on_io = tl_io;
	d->on_io_ctx = tl;

	if (fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", tl->f) == EOF)
		tl->werrno = errno ? errno : EIO;
	ev_name(tl, "process_name", TL_PID_MEMORY, TL_PID_MEMORY, "memory");
	ev_name(tl, "thread_name", TL_PID_MEMORY, TL_PID_MEMORY, "memory");
	char name[64];
	g_snprintf(name, sizeof name, "disk %s", d->ops->policy.name);
	ev_name(tl, "process_name", TL_PID_DISK, TL_PID_DISK, name);
	ensure_proc(tl, 1);
	sample_counters(tl, 0);
	return TRUE;
}

/* Close and remove the temporary file: the run or the writing failed. */
static void discard(vm_timeline_t *tl)
{
	vm_outfile_abort(tl->out);
	tl->out = NULL;
	tl->f = NULL;
}

gboolean vm_timeline_finish(vm_timeline_t *tl, const GError *run_error,
			    GError **error)
{
	g_return_val_if_fail(tl != NULL && tl->f && !tl->finished, FALSE);
	uint64_t now = vm_engine_now(tl->e);
	/* a run stopped half-way through an event: its effect on memory */
	sample_counters(tl, now);
	if (run_error) {
		ev_open(tl, "i", "run failed", "error", now, 0, TL_PID_MEMORY,
			TL_PID_MEMORY, "g");
		arg_str(tl, "message", run_error->message);
		ev_close(tl);
	}
	tl->m->disk->on_io = NULL;
	const vm_config_t *cfg = vm_engine_config(tl->e);
	GString *b = tl->ev;
	g_string_assign(b, "\n],\n\"metadata\":{\"vmscope\":1,\"trace\":");
	json_str(b, vm_engine_trace_name(tl->e));
	g_string_append(b, ",\"profile\":");
	json_str(b, cfg->name);
	g_string_append_printf(b, ",\"page_size\":%" G_GUINT64_FORMAT
			       ",\"sim_time_ns\":%" G_GUINT64_FORMAT
			       ",\"events\":%" G_GUINT64_FORMAT ",\"status\":",
			       cfg->page_size, now, vm_engine_events(tl->e));
	json_str(b, run_error ? "failed" : "ok");
	if (run_error) {
		g_string_append(b, ",\"error\":");
		json_str(b, run_error->message);
	}
	g_string_append(b, "}}\n");
	if (!tl->werrno && fwrite(b->str, 1, b->len, tl->f) != b->len)
		tl->werrno = errno ? errno : EIO;
	if (!tl->werrno && fflush(tl->f) == EOF)
		tl->werrno = errno ? errno : EIO;
	if (tl->werrno) {
		set_io_error(tl, tl->werrno, error);
		discard(tl);
		return FALSE;
	}
	gboolean ok = vm_outfile_commit(tl->out, error);
	tl->out = NULL;
	tl->f = NULL;
	if (!ok)
		return FALSE;
	tl->finished = TRUE;
	return TRUE;
}

void vm_timeline_free(vm_timeline_t *tl)
{
	if (!tl)
		return;
	discard(tl);
	g_free(tl->path);
	g_string_free(tl->ev, TRUE);
	g_string_free(tl->scratch, TRUE);
	g_hash_table_destroy(tl->named);
	g_free(tl->slot_named);
	g_free(tl->oom_seen);
	g_free(tl->cg_counter);
	g_free(tl);
}

uint64_t vm_timeline_events(const vm_timeline_t *tl)
{
	return tl->nr_events;
}
