/*
 * What each op of a trace does in the simulator; see op.h.  One block per
 * op, in docs/format.md's order: its check before the replay (the trace
 * checker's state is tracecheck.c's), its execution (the system calls of
 * models/syscall.c; the engine charges the cost and blocks the task on
 * res->ready_at), and its narration, from the op's result record.
 *
 * Accesses, `note` and `expect` are the engine's own (engine.c runs them,
 * narrate.c tells of accesses); `crash` is a barrier the engine runs when
 * everything before it has completed.
 */
#include <string.h>
#include "sim/op.h"
#include "sim/narrate.h"
#include "sim/oracle.h"
#include "traces/error.h"
#include "traces/units.h"
#include "models/proc.h"
#include "models/fs.h"
#include "models/syscall.h"
#include "models/memcg.h"
#include "models/oom.h"

static void prot_word(GString *out, uint32_t prot)
{
	g_string_append_c(out, prot & VM_PROT_R ? 'r' : '-');
	g_string_append_c(out, prot & VM_PROT_W ? 'w' : '-');
	g_string_append_c(out, prot & VM_PROT_X ? 'x' : '-');
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* "; the process waits for the disk until t=X" when it does. */
static void wait_part(GString *out, const vm_step_t *st)
{
	if (!st->blocked)
		return;
	g_string_append(out, "; the process waits for the disk until t=");
	vm_narrate_time(out, st->wait_until);
}

/* ---- accesses: checks only (engine.c runs them) ---------------------------- */

static gboolean check_access(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error)
{
	(void)fds;
	unsigned lentok = rec->kind == VM_REC_ACCESS ? 3 : 4;
	if (rec->len == 0)
		return vm_tracecheck_fail(c, rec, lentok, error, "length 0");
	/* a range past the top of the 64-bit space has no meaning */
	if (rec->addr + (rec->len - 1) < rec->addr)
		return vm_tracecheck_fail(c, rec, lentok, error, "0x%" G_GINT64_MODIFIER
					  "x+%" G_GUINT64_FORMAT " runs past the end of "
					  "the 64-bit address space", rec->addr, rec->len);
	if (rec->kind == VM_REC_RAND &&
	    rec->len < vm_tracecheck_config(c)->page_size)
		return vm_tracecheck_fail(c, rec, 4, error, "rand range %" G_GUINT64_FORMAT
					  " is smaller than a page", rec->len);
	return TRUE;
}

/* ---- mmap, munmap, mprotect, madvise, msync -------------------------------- */

/* [@off, +@len) of a file (token @tok names the offset) lies within the
 * largest file size */
static gboolean check_file_span(vm_tracecheck_t *c, const vm_record_t *rec,
				uint64_t off, uint64_t len, unsigned tok,
				GError **error)
{
	if (off > VM_MAX_FILE_SIZE || len > VM_MAX_FILE_SIZE - off)
		return vm_tracecheck_fail(c, rec, tok, error, "offset %" G_GUINT64_FORMAT
					  " + length %" G_GUINT64_FORMAT " passes the largest "
					  "file offset, 2^63-1 bytes (as Linux's "
					  "MAX_LFS_FILESIZE)", off, len);
	return TRUE;
}

static gboolean check_mmap(vm_tracecheck_t *c, const vm_record_t *rec,
			   GHashTable *fds, GError **error)
{
	if (!(rec->flags & VM_MAP_ANON) && !vm_tracecheck_fd(c, rec, fds, 6, error))
		return FALSE;
	if (rec->off % vm_tracecheck_config(c)->page_size)
		return vm_tracecheck_fail(c, rec, 7, error, "offset %" G_GUINT64_FORMAT
					  " is not a multiple of the page size", rec->off);
	if (!(rec->flags & VM_MAP_ANON) &&
	    !check_file_span(c, rec, rec->off, rec->len, 7, error))
		return FALSE;
	return vm_tracecheck_range(c, rec, TRUE, error);
}

static gboolean check_range(vm_tracecheck_t *c, const vm_record_t *rec,
			    GHashTable *fds, GError **error)
{
	(void)fds;
	return vm_tracecheck_range(c, rec, FALSE, error);
}

static gboolean exec_mmap(vm_engine_t *e, task_t *t, const vm_record_t *r,
			  vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_mmap(e->m, t->p, r->addr, r->len, r->prot, r->flags, r->fd,
			r->off, res);
	return TRUE;
}

static void narrate_mmap(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	(void)e;
	g_string_append_printf(out, "new %s %s mapping of %" G_GUINT64_FORMAT
			       " pages, ", r->flags & VM_MAP_SHARED ? "shared" : "private",
			       r->flags & VM_MAP_ANON ? "anonymous" : "file",
			       st->last.pages);
	prot_word(out, r->prot);
	g_string_append(out, "; nothing is allocated until it is touched");
}

static gboolean exec_munmap(vm_engine_t *e, task_t *t, const vm_record_t *r,
			    vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_munmap(e->m, t->p, r->addr, r->len, res);
	return TRUE;
}

/* "; N page-table pages @how" when the call freed some
 * (mmu.free_tables). */
static void tables_part(GString *out, const vm_step_t *st, const char *how)
{
	uint32_t n = st->last.tables_freed;
	if (n)
		g_string_append_printf(out, "; %u page-table page%s %s", n,
				       plural(n), how);
}

static void narrate_munmap(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "%" G_GUINT64_FORMAT " page%s unmapped; their "
			       "pages are freed and their TLB entries invalidated",
			       st->last.pages, plural(st->last.pages));
	tables_part(out, st, "freed with them, as no other mapping uses them "
		    "(free_pgtables)");
}

static gboolean exec_mprotect(vm_engine_t *e, task_t *t, const vm_record_t *r,
			      vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_mprotect(e->m, t->p, r->addr, r->len, r->prot, res);
	return TRUE;
}

static void narrate_mprotect(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "protection of %" G_GUINT64_FORMAT " page%s now ",
			       st->last.pages, plural(st->last.pages));
	prot_word(out, st->rec->prot);
	g_string_append(out, "; PTEs changed and the range's TLB entries invalidated");
}

static gboolean exec_madvise(vm_engine_t *e, task_t *t, const vm_record_t *r,
			     vm_result_t *res, GError **error)
{
	vm_syscall_madvise(e->m, t->p, r->addr, r->len, (vm_madv_t)r->arg, res);
	return TRUE;
}

static void narrate_madvise(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	switch ((vm_madv_t)st->rec->arg) {
	case VM_MADV_DONTNEED:
		g_string_append_printf(out, "dropped %" G_GUINT64_FORMAT
				       " page%s; the next touch sees zeros",
				       st->last.pages, plural(st->last.pages));
		tables_part(out, st, "it emptied whole freed too (page-table "
			    "reclaim)");
		break;
	case VM_MADV_WILLNEED:
		g_string_append_printf(out, "read %" G_GUINT64_FORMAT " page%s of the "
				       "file ahead, without waiting", st->last.pages,
				       plural(st->last.pages));
		break;
	case VM_MADV_HUGEPAGE:
		g_string_append(out, "the range may have transparent huge pages "
				     "(VM_HUGEPAGE; with thp.enabled=madvise only such "
				     "ranges do)");
		break;
	case VM_MADV_NOHUGEPAGE:
		g_string_append(out, "the range gets no transparent huge pages "
				     "(VM_NOHUGEPAGE)");
		break;
	default:
		g_string_append(out, "advice recorded on the mapping");
		break;
	}
}

static gboolean exec_msync(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_msync(e->m, t->p, r->addr, r->len, (vm_msync_t)r->arg, res);
	return TRUE;
}

static void narrate_msync(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	if (st->last.why == VM_WHY_MS_ASYNC) {
		g_string_append(out, "nothing: MS_ASYNC does nothing on Linux");
		return;
	}
	g_string_append_printf(out, "wrote %" G_GUINT64_FORMAT " dirty shared "
			       "page%s of the range back", st->last.pages,
			       plural(st->last.pages));
	wait_part(out, st);
}

/* ---- files ----------------------------------------------------------------- */

static gboolean check_open(vm_tracecheck_t *c, const vm_record_t *rec,
			   GHashTable *fds, GError **error)
{
	if (vm_tracecheck_fd_is_open(fds, rec->fd))
		return vm_tracecheck_fail(c, rec, 3, error, "fd %d is already open in pid %u",
					  rec->fd, rec->pid);
	if ((rec->flags & VM_OPEN_TMPFS) && !(rec->flags & VM_OPEN_CREATE))
		return vm_tracecheck_fail(c, rec, 2, error, "'tmpfs' says where "
					  "'create' makes a new file: it goes with "
					  "'create' (a declared file is on tmpfs when "
					  "its 'file' header says so)");
	if (!vm_tracecheck_name_exists(c, rec->name)) {
		if (!(rec->flags & VM_OPEN_CREATE))
			return vm_tracecheck_fail(c, rec, 2, error, "no such file '%s' "
						  "(declare it with a 'file' header or "
						  "open it with 'create')", rec->name);
		vm_tracecheck_file(c, rec->name, (rec->flags & VM_OPEN_TMPFS) != 0);
	}
	vm_tracecheck_fd_set(fds, rec->fd, TRUE);
	return TRUE;
}

static gboolean exec_open(vm_engine_t *e, task_t *t, const vm_record_t *r,
			  vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_open(e->m, t->p, r->name, r->fd, r->flags, res);
	return TRUE;
}

static void narrate_open(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "fd %d now refers to '%s'", st->rec->fd,
			       st->rec->name);
}

static gboolean check_close(vm_tracecheck_t *c, const vm_record_t *rec,
			    GHashTable *fds, GError **error)
{
	if (!vm_tracecheck_fd(c, rec, fds, 2, error))
		return FALSE;
	vm_tracecheck_fd_set(fds, rec->fd, FALSE);
	return TRUE;
}

static gboolean check_fd(vm_tracecheck_t *c, const vm_record_t *rec,
			 GHashTable *fds, GError **error)
{
	return vm_tracecheck_fd(c, rec, fds, 2, error);
}

/* read, write: FD OFF LEN */
static gboolean check_rw(vm_tracecheck_t *c, const vm_record_t *rec,
			 GHashTable *fds, GError **error)
{
	return vm_tracecheck_fd(c, rec, fds, 2, error) &&
	       check_file_span(c, rec, rec->addr, rec->len, 3, error);
}

static gboolean check_ftruncate(vm_tracecheck_t *c, const vm_record_t *rec,
				GHashTable *fds, GError **error)
{
	if (!vm_tracecheck_fd(c, rec, fds, 2, error))
		return FALSE;
	if (rec->len > VM_MAX_FILE_SIZE)
		return vm_tracecheck_fail(c, rec, 3, error, "size %" G_GUINT64_FORMAT
					  " is larger than the largest file, 2^63-1 bytes "
					  "(as Linux's MAX_LFS_FILESIZE)", rec->len);
	return TRUE;
}

static gboolean check_sleep(vm_tracecheck_t *c, const vm_record_t *rec,
			    GHashTable *fds, GError **error)
{
	(void)fds;
	if (rec->ns > VM_MAX_TIME)
		return vm_tracecheck_fail(c, rec, 2, error, "a sleep of %" G_GUINT64_FORMAT
					  "ns is longer than the clock's range, 2^62 ns "
					  "(146 years)", rec->ns);
	return TRUE;
}

static gboolean exec_close(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_close(e->m, t->p, r->fd, res);
	return TRUE;
}

static void narrate_close(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "fd %d closed; its mappings, if any, live on",
			       st->rec->fd);
}

static gboolean exec_read(vm_engine_t *e, task_t *t, const vm_record_t *r,
			  vm_result_t *res, GError **error)
{
	(void)error;
	/* a read that waited half-way goes on where it stopped (t->cur_pos:
	 * the bytes it has copied; vm_filemap_read) */
	uint64_t done = t->cur_pos;
	uint64_t len = MIN(r->len, vm_max_rw_count(vm_engine_config(e)->page_size));
	vm_syscall_read(e->m, t->p, r->fd, r->addr + done, len - done, done > 0, res);
	if (G_UNLIKELY(e->oracle != NULL))
		vm_oracle_served_file(e->oracle, vm_fs_fd_file(t->p, r->fd),
				      r->addr + done, res->bytes);
	return TRUE;
}

/* Whether the fd of @st's record is a file on tmpfs (shmem: no disk). */
static gboolean on_tmpfs(vm_engine_t *e, const vm_step_t *st)
{
	vm_proc_t *p = vm_proc_lookup(vm_engine_machine(e), st->rec->pid);
	vm_file_t *f = p ? vm_fs_fd_file(p, st->rec->fd) : NULL;
	return f && f->shmem;
}

static void narrate_read(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_result_t *res = &st->last;
	if (res->why == VM_WHY_EOF) {
		g_string_append(out, "nothing: the offset is at or past the end of the file");
		return;
	}
	if (on_tmpfs(e, st)) {
		uint64_t holes = res->pages - res->cached - res->io_pages;
		g_string_append_printf(out, "copied %" G_GUINT64_FORMAT " bytes (%"
				       G_GUINT64_FORMAT " page%s) of a file on tmpfs: "
				       "%u in memory, %" G_GUINT64_FORMAT " hole%s read "
				       "as zeros without a page (shmem has no disk)",
				       res->bytes, res->pages, plural(res->pages),
				       res->cached + res->io_pages, holes, plural(holes));
		return;
	}
	g_string_append_printf(out, "copied %" G_GUINT64_FORMAT " bytes (%" G_GUINT64_FORMAT
			       " page%s) from the page cache: %u found there, %u read "
			       "from the disk", res->bytes, res->pages,
			       plural(res->pages), res->cached, res->io_pages);
	if (res->ra_pages)
		g_string_append_printf(out, " and %u more read ahead (%s, %s)",
				       res->ra_pages,
				       vm_engine_config(e)->readahead_policy,
				       vm_ra_reason_name((vm_ra_reason_t)res->ra_reason));
	if (res->why == VM_WHY_SHORT_READ)
		g_string_append(out, "; memory ran out: a short read");
	wait_part(out, st);
	if (res->more)
		g_string_append(out, ", then goes on with the rest of the read");
}

static gboolean exec_write(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_write(e->m, t->p, r->fd, r->addr, r->len, res);
	if (G_UNLIKELY(e->oracle != NULL))
		vm_oracle_served_file(e->oracle, vm_fs_fd_file(t->p, r->fd),
				      r->addr, res->bytes);
	return TRUE;
}

static void narrate_write(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_result_t *res = &st->last;
	if (on_tmpfs(e, st)) {
		g_string_append_printf(out, "copied %" G_GUINT64_FORMAT " bytes into "
				       "a file on tmpfs: %" G_GUINT64_FORMAT " page%s "
				       "(%u there already); no disk will hold them: "
				       "they stay in memory until the file goes",
				       res->bytes, res->pages, plural(res->pages),
				       res->cached);
		return;
	}
	g_string_append_printf(out, "copied %" G_GUINT64_FORMAT " bytes into the page "
			       "cache: %" G_GUINT64_FORMAT " page%s dirtied (%u already "
			       "cached", res->bytes, res->pages, plural(res->pages),
			       res->cached);
	if (res->io_pages)
		g_string_append_printf(out, ", %u read first: the write covers part "
				       "of a page with data on the disk", res->io_pages);
	g_string_append(out, "); the disk sees them at writeback");
	if (res->why == VM_WHY_THROTTLED && st->blocked) {
		g_string_append(out, "; dirty pages are above writeback.dirty_ratio: "
				     "the writer waits for writeback until t=");
		vm_narrate_time(out, st->wait_until);
	} else if (res->why == VM_WHY_THROTTLED_MEMCG && st->blocked) {
		g_string_append(out, "; its cgroup's dirty pages are above "
				     "writeback.dirty_ratio of what the cgroup could "
				     "hold (cgroup v2): the writer waits for the "
				     "cgroup's writeback until t=");
		vm_narrate_time(out, st->wait_until);
	} else {
		wait_part(out, st);
	}
}

static gboolean exec_fsync(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_fsync(e->m, t->p, r->fd, res);
	return TRUE;
}

static void narrate_fsync(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	if (on_tmpfs(e, st)) {
		g_string_append(out, "nothing: a file on tmpfs has no disk to write to");
		return;
	}
	g_string_append_printf(out, "wrote the file's %" G_GUINT64_FORMAT " dirty "
			       "page%s back", st->last.pages, plural(st->last.pages));
	wait_part(out, st);
}

static gboolean exec_ftruncate(vm_engine_t *e, task_t *t, const vm_record_t *r,
			       vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_ftruncate(e->m, t->p, r->fd, r->len, res);
	return TRUE;
}

static void narrate_ftruncate(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "new size; %" G_GUINT64_FORMAT " page%s past the "
			       "end unmapped and dropped, a grown file reads holes",
			       st->last.pages, plural(st->last.pages));
}

static gboolean check_unlink(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error)
{
	(void)fds;
	if (!vm_tracecheck_unlink(c, rec->name))
		return vm_tracecheck_fail(c, rec, 2, error, "no such file '%s'", rec->name);
	return TRUE;
}

static gboolean exec_unlink(vm_engine_t *e, task_t *t, const vm_record_t *r,
			    vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_unlink(e->m, t->p, r->name, res);
	return TRUE;
}

static void narrate_unlink(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "the name '%s' is gone; the file lives while it is "
			       "open or mapped", st->rec->name);
}

/* ---- processes --------------------------------------------------------------- */

static gboolean check_fork(vm_tracecheck_t *c, const vm_record_t *rec,
			   GHashTable *fds, GError **error)
{
	return vm_tracecheck_fork(c, rec, fds, error);
}

static gboolean exec_fork(vm_engine_t *e, task_t *t, const vm_record_t *r,
			  vm_result_t *res, GError **error)
{
	vm_proc_t *child = vm_syscall_fork(e->m, t->p, r->child, res);
	if (!child) {
		g_set_error(error, VM_ERROR, VM_ERROR_OOM,
			    "%s:%" G_GUINT64_FORMAT ": out of memory: no frames for the page tables of pid %u "
			    "and the OOM killer could free none (oom.policy=%s)",
			    e->name, r->line, r->child, e->cfg.oom_policy);
		return FALSE;
	}
	vm_sched_incarnate(e, vm_sched_task(e, r->child), child, t->cur_child_gen);
	e->last_task = t;
	return TRUE;
}

static void narrate_fork(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	vm_proc_t *c = vm_proc_lookup(vm_engine_machine(e), r->child);
	g_string_append_printf(out, "process %u created: mappings copied; %"
			       G_GUINT64_FORMAT " anonymous pages now shared copy-on-write "
			       "(write-protected in both), %" G_GUINT64_FORMAT
			       " page-table pages", r->child,
			       c ? c->rss_anon : 0, c ? c->pt_pages : 0);
}

static gboolean check_clone(vm_tracecheck_t *c, const vm_record_t *rec,
			    GHashTable *fds, GError **error)
{
	return vm_tracecheck_clone(c, rec, fds, error);
}

static gboolean exec_clone(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	vm_proc_t *th = vm_syscall_clone(e->m, t->thread ? t->thread : t->p,
					 r->child, res);
	if (!th) {
		g_set_error(error, VM_ERROR, VM_ERROR_INTERNAL,
			    "%s:%" G_GUINT64_FORMAT ": clone: pid %u is in use",
			    e->name, r->line, r->child);
		return FALSE;
	}
	vm_sched_incarnate(e, vm_sched_task(e, r->child), th, t->cur_child_gen);
	e->last_task = t;
	return TRUE;
}

static void narrate_clone(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	vm_proc_t *th = vm_proc_lookup(vm_engine_machine(e), r->child);
	vm_proc_t *l = th && th->leader ? th->leader : NULL;
	g_string_append_printf(out, "thread %u created in process %u: it shares the "
			       "address space, the mappings and the fds (%u threads now); "
			       "a PTE change is now flushed on every CPU the process runs on",
			       r->child, l ? l->pid : st->rec->pid,
			       l ? l->nr_threads : 2);
}

static gboolean check_pin(vm_tracecheck_t *c, const vm_record_t *rec,
			  GHashTable *fds, GError **error)
{
	(void)fds;
	const vm_config_t *cfg = vm_tracecheck_config(c);
	if (rec->count >= cfg->cpus)
		return vm_tracecheck_fail(c, rec, 2, error, "CPU %" G_GUINT64_FORMAT
					  " does not exist (cpus=%u: CPUs 0 to %u)",
					  rec->count, cfg->cpus, cfg->cpus - 1);
	return TRUE;
}

static gboolean exec_pin(vm_engine_t *e, task_t *t, const vm_record_t *r,
			 vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_pin(e->m, res);
	t->pin = (int)r->count;
	/* it moves at its next record (one CPU: nowhere to move) */
	if (e->m->smp && t->cpu >= 0 && t->cpu != t->pin)
		vm_engine_smp_unplace(e, t);
	return TRUE;
}

static void narrate_pin(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	g_string_append_printf(out, "pid %u may run on CPU %" G_GUINT64_FORMAT " only",
			       st->rec->pid, st->rec->count);
	if (!vm_engine_machine(e)->smp)
		g_string_append(out, " (the one CPU there is)");
}

static gboolean check_exit(vm_tracecheck_t *c, const vm_record_t *rec,
			   GHashTable *fds, GError **error)
{
	(void)fds;
	(void)error;
	vm_tracecheck_exit(c, rec->pid);
	return TRUE;
}

static gboolean exec_exit(vm_engine_t *e, task_t *t, const vm_record_t *r,
			  vm_result_t *res, GError **error)
{
	(void)r;
	(void)error;
	if (t->thread)
		vm_syscall_thread_exit(e->m, t->thread, res);
	else
		vm_syscall_exit(e->m, t->p, res);   /* exit_group: its threads too */
	return TRUE;
}

static void narrate_exit(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	vm_proc_t *th = vm_proc_lookup(vm_engine_machine(e), st->rec->pid);
	if (th && th->leader) {
		g_string_append_printf(out, "thread %u exits; its process %u and the "
				       "address space live on (%u thread%s left)",
				       th->pid, th->leader->pid, th->leader->nr_threads,
				       plural(th->leader->nr_threads));
		return;
	}
	g_string_append_printf(out, "process %u exits: its memory (%" G_GUINT64_FORMAT
			       " resident page%s) and page tables are freed",
			       st->rec->pid, st->last.pages, plural(st->last.pages));
}

static gboolean exec_catch(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_catch(e->m, t->p, (vm_sig_t)r->arg, res);
	return TRUE;
}

static void narrate_catch(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "process %u now catches %s", st->rec->pid,
			       st->rec->arg == VM_SIG_SIGSEGV ? "SIGSEGV" : "SIGBUS");
}

static gboolean check_mremap(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error)
{
	(void)fds;
	const vm_config_t *cfg = vm_tracecheck_config(c);
	if (rec->len == 0)
		return vm_tracecheck_fail(c, rec, 3, error, "OLD_LEN 0 (mremap's "
					  "duplicate of a shared mapping) is not "
					  "modelled");
	if (!vm_tracecheck_range(c, rec, FALSE, error))
		return FALSE;
	/* the new range: at to= (aligned, apart from the old range, as
	 * Linux's mremap_to wants it), or from the same address */
	vm_record_t to = *rec;
	to.len = rec->count;
	unsigned tok = 4;
	if (rec->flags & VM_MREMAP_TO) {
		to.addr = rec->stride;
		tok = 5;
		uint64_t old_end = rec->addr + rec->len, new_end = to.addr + to.len;
		if (to.addr < old_end && rec->addr < new_end)
			return vm_tracecheck_fail(c, rec, tok, error, "to=0x%" G_GINT64_MODIFIER
						  "x+%" G_GUINT64_FORMAT " overlaps the range it "
						  "moves (Linux refuses it: EINVAL)",
						  to.addr, to.len);
	}
	if (to.addr % cfg->page_size || !vm_tracecheck_range(c, &to, FALSE, NULL))
		return vm_tracecheck_fail(c, rec, tok, error, "new range 0x%"
					  G_GINT64_MODIFIER "x+%" G_GUINT64_FORMAT " is not "
					  "page-aligned or lies outside the %u-level address "
					  "space", to.addr, to.len, cfg->mmu_levels);
	/* Belady's oracle names an anonymous page by its address */
	if (strcmp(cfg->reclaim_policy, "opt") == 0)
		return vm_tracecheck_fail(c, rec, 1, error, "reclaim.policy=opt does "
					  "not follow mremap: its oracle names anonymous "
					  "pages by their address (docs/format.md)");
	return TRUE;
}

static gboolean exec_mremap(vm_engine_t *e, task_t *t, const vm_record_t *r,
			    vm_result_t *res, GError **error)
{
	uint64_t to = r->flags & VM_MREMAP_TO ? r->stride : r->addr;
	vm_mremap_rc_t rc = vm_syscall_mremap(e->m, t->p, r->addr, r->len, r->count,
					      to, res);
	(void)error;
	if (rc == VM_MREMAP_EFAULT)
		res->why = VM_WHY_EFAULT;
	else if (rc != VM_MREMAP_OK)
		res->why = VM_WHY_ENOMEM;
	return TRUE;
}

static void narrate_mremap(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	(void)e;
	if (st->last.why == VM_WHY_EFAULT) {
		g_string_append(out, "mremap fails (EFAULT): the range does not lie "
				"in one mapping; nothing changes");
		return;
	}
	if (st->last.why == VM_WHY_ENOMEM) {
		g_string_append(out, r->flags & VM_MREMAP_TO ?
				"mremap fails (ENOMEM): no frame for a page table; "
				"nothing moves" :
				"mremap fails (ENOMEM): it cannot grow in place (the "
				"range does not end its mapping, or what follows is "
				"mapped); nothing changes");
		return;
	}
	if (!(r->flags & VM_MREMAP_TO)) {
		char *sz = vm_format_size(r->count);
		g_string_append_printf(out, "the mapping %s in place to %s",
				       r->count < r->len ? "shrinks" :
				       r->count > r->len ? "grows" : "stays", sz);
		g_free(sz);
		if (r->count < r->len)
			g_string_append(out, "; the pages past the new end are unmapped");
		else if (r->count > r->len)
			g_string_append(out, "; the new pages are faulted in when touched");
		return;
	}
	g_string_append_printf(out, "the mapping moves: %" G_GUINT64_FORMAT " page-table "
			       "entr%s moved, no page copied or faulted (move_page_tables); "
			       "the old range's TLB entries invalidated",
			       st->last.pages, st->last.pages == 1 ? "y" : "ies");
	if (r->count > r->len)
		g_string_append(out, "; the pages it grew by are faulted in when touched");
	tables_part(out, st, "freed with the old range (free_pgtables)");
}

static gboolean exec_oom_adj(vm_engine_t *e, task_t *t, const vm_record_t *r,
			     vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_oom_score_adj(e->m, t->p, (int32_t)r->arg, res);
	return TRUE;
}

static void narrate_oom_adj(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	int adj = (int32_t)st->rec->arg;
	/* the machine's totalpages (no OOM is in progress between events; a
	 * cgroup's OOM weighs against its own) */
	uint64_t total = vm_oom_totalpages(vm_engine_machine(e));
	g_string_append_printf(out, "process %u sets its oom_score_adj to %d: ",
			       st->rec->pid, adj);
	if (adj == VM_OOM_SCORE_ADJ_MIN)
		g_string_append(out, "the OOM killer never chooses it");
	else if (adj == 0)
		g_string_append(out, "the OOM killer weighs it by its size alone");
	else
		g_string_append_printf(out, "the OOM killer weighs it by its size %s "
				       "%d thousandths of what it could use (%"
				       G_GUINT64_FORMAT " pages of the machine's %"
				       G_GUINT64_FORMAT " pages of memory and swap; "
				       "in a cgroup's OOM, of its limit and swap)",
				       adj < 0 ? "minus" : "plus", ABS(adj),
				       (uint64_t)ABS(adj) * (total / 1000), total);
}

static gboolean exec_sleep(vm_engine_t *e, task_t *t, const vm_record_t *r,
			   vm_result_t *res, GError **error)
{
	(void)error;
	vm_syscall_sleep(e->m, t->p, r->ns, res);
	return TRUE;
}

static void narrate_sleep(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append(out, "sleeps until t=");
	vm_narrate_time(out, st->end_ns + st->rec->ns);
}

/* ---- bookkeeping ------------------------------------------------------------- */

static gboolean check_expect(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error)
{
	(void)fds;
	return vm_tracecheck_expect(c, rec, error);
}

static void narrate_expect(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	if (st->expect_ok)
		g_string_append(out, "ok");
	else
		g_string_append_printf(out, "FAILED: %s",
				       st->expect_msg ? st->expect_msg : "");
}

/* ---- map: a page at a given frame (exercises) ------------------------------ */

static gboolean check_map(vm_tracecheck_t *c, const vm_record_t *rec,
			  GHashTable *fds, GError **error)
{
	(void)fds;
	const vm_config_t *cfg = vm_tracecheck_config(c);
	vm_record_t page = *rec;
	page.len = cfg->page_size;   /* one page: ADDR aligned, inside */
	if (!vm_tracecheck_range(c, &page, TRUE, error))
		return FALSE;
	uint64_t frames = cfg->memory / cfg->page_size;
	if (rec->count >= frames)
		return vm_tracecheck_fail(c, rec, 3, error, "frame %" G_GUINT64_FORMAT
					  " is past the last of memory=%" G_GUINT64_FORMAT
					  " bytes (%" G_GUINT64_FORMAT " frames)",
					  rec->count, cfg->memory, frames);
	return TRUE;
}

static gboolean exec_map(vm_engine_t *e, task_t *t, const vm_record_t *r,
			 vm_result_t *res, GError **error)
{
	static const char *const why[] = {
		[VM_MAPF_NO_VMA] = "is not in a private anonymous mapping",
		[VM_MAPF_PROT] = "asks more access than its mapping allows",
		[VM_MAPF_MAPPED] = "is present already",
		[VM_MAPF_BUSY] = "cannot go to that frame: it is not free",
		[VM_MAPF_NO_TABLE] = "has no frame left for its page-table pages",
	};
	vm_mapf_rc_t rc = vm_syscall_map(e->m, t->p, r->addr, (uint32_t)r->count,
					 r->prot, res);
	if (rc == VM_MAPF_OK)
		return TRUE;
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "%s:%" G_GUINT64_FORMAT ": map: page 0x%" G_GINT64_MODIFIER
		    "x of pid %u %s (frame %" G_GUINT64_FORMAT ")", e->name,
		    r->line, r->addr, t->p->pid, why[rc], r->count);
	return FALSE;
}

static void narrate_map(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	g_string_append_printf(out, "page 0x%" G_GINT64_MODIFIER "x placed at frame %"
			       G_GUINT64_FORMAT ", ", st->rec->addr, st->rec->count);
	prot_word(out, st->rec->prot);
	if (st->last.new_tables)
		g_string_append_printf(out, "; %u page-table page%s allocated",
				       st->last.new_tables, plural(st->last.new_tables));
}

/* ---- cgroup: memory cgroups (models/memcg.h) ------------------------------ */

static gboolean check_cgroup(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error)
{
	(void)fds;
	return vm_tracecheck_cgroup(c, rec, error);
}

static gboolean exec_cgroup(vm_engine_t *e, task_t *t, const vm_record_t *r,
			    vm_result_t *res, GError **error)
{
	(void)error;
	/* writing memory.max and cgroup.procs: a system call each */
	res->cost += e->m->cfg.cost_syscall;
	e->m->c.syscalls++;
	if (r->arg == VM_CGROUP_CREATE) {
		vm_memcg_t *cg = vm_memcg_create(e->m, r->name, r->len,
						 r->flags & VM_CG_HIGH ? r->seed : VM_MEMCG_NONE,
						 r->flags & VM_CG_SWAP_MAX ? r->stride : VM_MEMCG_NONE);
		/* the trace checker refused a second create of a name; a
		 * crash keeps the cgroups, as a restart of the same
		 * container set-up would make them again */
		g_assert(cg || vm_memcg_find(e->m, r->name));
	} else {
		vm_memcg_enter(e->m, t->p, vm_memcg_find(e->m, r->name));
	}
	return TRUE;
}

static void narrate_cgroup(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	vm_memcg_t *cg = vm_memcg_find(vm_engine_machine(e), r->name);
	if (r->arg == VM_CGROUP_ENTER) {
		g_string_append_printf(out, "process %u enters cgroup '%s': what it "
				       "allocates from now on is charged there, and "
				       "its children start there", r->pid, r->name);
		return;
	}
	g_string_append_printf(out, "cgroup '%s' made: at most %" G_GUINT64_FORMAT
			       " pages (memory.max)", r->name, cg ? cg->max : 0);
	if (cg && cg->high != VM_MEMCG_NONE)
		g_string_append_printf(out, ", reclaimed and throttled above %"
				       G_GUINT64_FORMAT " (memory.high)", cg->high);
	if (cg && cg->swap_max != VM_MEMCG_NONE)
		g_string_append_printf(out, ", %" G_GUINT64_FORMAT " swap entries "
				       "(memory.swap.max)", cg->swap_max);
}

#define OP(chk, name) { .check = chk, .exec = exec_##name, .narrate = narrate_##name }

const vm_sim_op_t vm_sim_ops[VM_REC_NR] = {
	[VM_REC_ACCESS] = { .check = check_access },
	[VM_REC_SEQ] = { .check = check_access },
	[VM_REC_RAND] = { .check = check_access },
	[VM_REC_MMAP] = OP(check_mmap, mmap),
	[VM_REC_MUNMAP] = OP(check_range, munmap),
	[VM_REC_MPROTECT] = OP(check_range, mprotect),
	[VM_REC_MADVISE] = OP(check_range, madvise),
	[VM_REC_MSYNC] = OP(check_range, msync),
	[VM_REC_OPEN] = OP(check_open, open),
	[VM_REC_CLOSE] = OP(check_close, close),
	[VM_REC_READ] = OP(check_rw, read),
	[VM_REC_WRITE] = OP(check_rw, write),
	[VM_REC_FSYNC] = OP(check_fd, fsync),
	[VM_REC_FTRUNCATE] = OP(check_ftruncate, ftruncate),
	[VM_REC_UNLINK] = OP(check_unlink, unlink),
	[VM_REC_FORK] = OP(check_fork, fork),
	[VM_REC_EXIT] = OP(check_exit, exit),
	[VM_REC_CATCH] = OP(NULL, catch),
	[VM_REC_SLEEP] = OP(check_sleep, sleep),
	[VM_REC_EXPECT] = { .check = check_expect, .narrate = narrate_expect },
	[VM_REC_MAP] = OP(check_map, map),
	[VM_REC_CGROUP] = OP(check_cgroup, cgroup),
	[VM_REC_CLONE] = OP(check_clone, clone),
	[VM_REC_PIN] = OP(check_pin, pin),
	[VM_REC_OOM_ADJ] = OP(NULL, oom_adj),
	[VM_REC_MREMAP] = OP(check_mremap, mremap),
};
