/*
 * Semantic trace checks; see tracecheck.h.  The checker follows the life of
 * every pid statically (fork creates, exit ends, crash leaves only pid 1) and
 * of every fd (open, close, inherited by fork).  Deaths that only the
 * simulation can know of (SIGSEGV, the OOM killer) are not errors: the
 * engine skips a dead process's later events and says so.
 */
#include <string.h>
#include "sim/tracecheck.h"
#include "sim/op.h"
#include "traces/units.h"
#include "sim/stats.h"
#include "traces/error.h"
#include "models/memcg.h"

struct vm_tracecheck {
	vm_config_t cfg;
	char *name;
	GHashTable *pids;      /* live pid -> GHashTable of open fds (set) */
	GHashTable *seen;      /* every pid that ever existed */
	GHashTable *names;     /* file names that exist (static view) */
	GHashTable *cgroups;   /* memory cgroups made so far (names) */
	uint32_t last_pid;     /* one-entry cache of the pid lookup: */
	GHashTable *last_fds;  /* traces run long stretches of one pid */
	uint64_t vpn_limit;
};

static GHashTable *fdset_new(void)
{
	return g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void fdset_free(gpointer p)
{
	g_hash_table_unref(p);   /* threads share their process's */
}

static void reset(vm_tracecheck_t *c)
{
	c->last_fds = NULL;
	g_hash_table_remove_all(c->pids);
	g_hash_table_insert(c->pids, GUINT_TO_POINTER(1), fdset_new());
}

vm_tracecheck_t *vm_tracecheck_new(const vm_config_t *cfg, const char *name)
{
	vm_tracecheck_t *c = g_new0(vm_tracecheck_t, 1);
	c->cfg = *cfg;
	c->name = g_strdup(name);
	c->pids = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					fdset_free);
	unsigned bits = 0;
	for (unsigned i = 0; i < cfg->mmu_levels; i++)
		bits += cfg->mmu_bits[i];
	c->vpn_limit = bits >= 64 ? UINT64_MAX : (uint64_t)1 << bits;
	c->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	c->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c->cgroups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(c->seen, GUINT_TO_POINTER(1));
	if (cfg->cgroup_max)   /* made by the engine for the profile */
		g_hash_table_add(c->cgroups, g_strdup(VM_ENGINE_CGROUP));
	reset(c);
	return c;
}

void vm_tracecheck_free(vm_tracecheck_t *c)
{
	if (!c)
		return;
	g_hash_table_destroy(c->pids);
	g_hash_table_destroy(c->seen);
	g_hash_table_destroy(c->names);
	g_hash_table_destroy(c->cgroups);
	g_free(c->name);
	g_free(c);
}

gboolean vm_tracecheck_fail(vm_tracecheck_t *c, const vm_record_t *rec,
			    unsigned tok, GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	unsigned col = tok < VM_REC_MAX_COLS && rec->cols[tok] ? rec->cols[tok] : 1;
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID, "%s:%" G_GUINT64_FORMAT ":%u: %s",
		    c->name, rec->line, col, msg);
	g_free(msg);
	return FALSE;
}

const vm_config_t *vm_tracecheck_config(const vm_tracecheck_t *c)
{
	return &c->cfg;
}

gboolean vm_tracecheck_range(vm_tracecheck_t *c, const vm_record_t *rec,
			     gboolean len_aligned, GError **error)
{
	uint64_t ps = c->cfg.page_size;
	if (rec->addr % ps)
		return vm_tracecheck_fail(c, rec, 2, error, "address 0x%" G_GINT64_MODIFIER
			    "x is not aligned to the page size (%" G_GUINT64_FORMAT ")",
			    rec->addr, ps);
	if (rec->len == 0)
		return vm_tracecheck_fail(c, rec, 3, error, "length 0");
	if (len_aligned && rec->len % ps)
		return vm_tracecheck_fail(c, rec, 3, error, "length %" G_GUINT64_FORMAT
			    " is not a multiple of the page size (%" G_GUINT64_FORMAT ")",
			    rec->len, ps);
	uint64_t first = rec->addr / ps;
	uint64_t pages = (rec->len + ps - 1) / ps;
	if (first >= c->vpn_limit || pages > c->vpn_limit - first)
		return vm_tracecheck_fail(c, rec, 2, error, "range 0x%" G_GINT64_MODIFIER "x+%"
			    G_GUINT64_FORMAT " lies outside the %u-level address space",
			    rec->addr, rec->len, c->cfg.mmu_levels);
	return TRUE;
}

void vm_tracecheck_file(vm_tracecheck_t *c, const char *name, gboolean tmpfs)
{
	g_hash_table_insert(c->names, g_strdup(name), GINT_TO_POINTER(tmpfs));
}

static gboolean on_tmpfs(gpointer key, gpointer value, gpointer data)
{
	(void)key;
	(void)data;
	return GPOINTER_TO_INT(value) != 0;
}

#define FD_KEY(fd) GUINT_TO_POINTER((guint)(fd) + 1u)

gboolean vm_tracecheck_fd_is_open(GHashTable *fds, int32_t fd)
{
	return g_hash_table_contains(fds, FD_KEY(fd));
}

void vm_tracecheck_fd_set(GHashTable *fds, int32_t fd, gboolean open)
{
	if (open)
		g_hash_table_add(fds, FD_KEY(fd));
	else
		g_hash_table_remove(fds, FD_KEY(fd));
}

gboolean vm_tracecheck_name_exists(const vm_tracecheck_t *c, const char *name)
{
	return g_hash_table_contains(c->names, name);
}

gboolean vm_tracecheck_unlink(vm_tracecheck_t *c, const char *name)
{
	return g_hash_table_remove(c->names, name);
}

void vm_tracecheck_exit(vm_tracecheck_t *c, uint32_t pid)
{
	c->last_fds = NULL;
	g_hash_table_remove(c->pids, GUINT_TO_POINTER(pid));
}

gboolean vm_tracecheck_fork(vm_tracecheck_t *c, const vm_record_t *rec,
			    GHashTable *fds, GError **error)
{
	if (g_hash_table_contains(c->pids, GUINT_TO_POINTER(rec->child)))
		return vm_tracecheck_fail(c, rec, 2, error, "fork to pid %u, which exists",
					  rec->child);
	GHashTable *copy = fdset_new();
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, fds);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_hash_table_add(copy, k);
	c->last_fds = NULL;
	g_hash_table_insert(c->pids, GUINT_TO_POINTER(rec->child), copy);
	g_hash_table_add(c->seen, GUINT_TO_POINTER(rec->child));
	return TRUE;
}

gboolean vm_tracecheck_clone(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error)
{
	if (g_hash_table_contains(c->pids, GUINT_TO_POINTER(rec->child)))
		return vm_tracecheck_fail(c, rec, 2, error, "clone to pid %u, which exists",
					  rec->child);
	/* CLONE_FILES: one fd table for the whole thread group */
	c->last_fds = NULL;
	g_hash_table_insert(c->pids, GUINT_TO_POINTER(rec->child),
			    g_hash_table_ref(fds));
	g_hash_table_add(c->seen, GUINT_TO_POINTER(rec->child));
	return TRUE;
}

gboolean vm_tracecheck_fd(vm_tracecheck_t *c, const vm_record_t *rec,
			  GHashTable *fds, unsigned tok, GError **error)
{
	if (!vm_tracecheck_fd_is_open(fds, rec->fd))
		return vm_tracecheck_fail(c, rec, tok, error, "fd %d is not open in pid %u",
			    rec->fd, rec->pid);
	return TRUE;
}

gboolean vm_tracecheck_cgroup(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error)
{
	gboolean exists = g_hash_table_contains(c->cgroups, rec->name);
	if (rec->arg == VM_CGROUP_ENTER) {
		if (!exists)
			return vm_tracecheck_fail(c, rec, 3, error, "no cgroup '%s' "
						  "(made by an earlier 'cgroup create')",
						  rec->name);
		return TRUE;
	}
	if (exists)
		return vm_tracecheck_fail(c, rec, 3, error, "cgroup '%s' exists already",
					  rec->name);
	if (g_hash_table_size(c->cgroups) >= VM_MEMCG_MAX)
		return vm_tracecheck_fail(c, rec, 3, error, "too many cgroups (at most %u)",
					  VM_MEMCG_MAX);
	g_hash_table_add(c->cgroups, g_strdup(rec->name));
	return TRUE;
}

/* expect cgroup.NAME.STAT: NAME made above, STAT a cgroup statistic. */
static gboolean check_memcg_key(vm_tracecheck_t *c, const vm_record_t *rec,
				const vm_check_t *k, GError **error)
{
	char *name = NULL;
	int idx = -1;
	if (!vm_stats_memcg_key(k->key, &name, &idx) || idx < 0) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s:%" G_GUINT64_FORMAT ":%u: expect: unknown cgroup statistic '%s'",
			    c->name, rec->line, k->col, k->key);
		g_free(name);
		return FALSE;
	}
	gboolean known = g_hash_table_contains(c->cgroups, name);
	if (!known)
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s:%" G_GUINT64_FORMAT ":%u: expect: no cgroup '%s' "
			    "(made by an earlier 'cgroup create')",
			    c->name, rec->line, k->col, name);
	g_free(name);
	return known;
}

/* outcome= and frame= are a process's latest access's: not on a line
 * with file=. */
static gboolean no_file_key(const vm_tracecheck_t *c, const vm_record_t *rec,
			    const vm_check_t *k, GError **error)
{
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "%s:%" G_GUINT64_FORMAT ":%u: expect: a file has no %s "
		    "(check it on a line without file=)", c->name, rec->line,
		    k->col, k->key);
	return FALSE;
}

gboolean vm_tracecheck_expect(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error)
{
	/* a pid that ran and exited still has statistics; one that never
	 * existed has none */
	if (rec->expect_pid >= 0 &&
	    !g_hash_table_contains(c->seen, GUINT_TO_POINTER((guint)rec->expect_pid)))
		return vm_tracecheck_fail(c, rec, 2, error, "expect: pid %" G_GINT64_FORMAT
					  " never existed", rec->expect_pid);
	for (uint32_t i = 0; i < rec->nr_checks; i++) {
		const vm_check_t *k = &rec->checks[i];
		gboolean word = FALSE;
		int idx;
		if (strcmp(k->key, "frame") == 0) {
			uint64_t n;
			if (rec->expect_file)
				return no_file_key(c, rec, k, error);
			if (k->cmp != VM_CMP_EQ ||
			    (strcmp(k->value, "none") != 0 &&
			     !vm_parse_number(k->value, &n)))
				goto bad_word;
			continue;
		}
		if (strcmp(k->key, "outcome") == 0) {
			vm_outcome_t o;
			if (rec->expect_file)
				return no_file_key(c, rec, k, error);
			if (k->cmp != VM_CMP_EQ || !vm_result_outcome_parse(k->value, &o))
				goto bad_word;
			continue;
		}
		if (rec->expect_file) {
			idx = vm_stats_file_find(k->key);
			if (idx < 0)
				goto unknown;
			if (vm_stats_file_is_word((unsigned)idx)) {
				if (k->cmp != VM_CMP_EQ)
					goto bad_word;
				continue;
			}
		} else if (rec->expect_pid >= 0) {
			idx = vm_stats_proc_find(k->key);
			if (idx < 0)
				goto unknown;
			word = vm_stats_proc_is_word((unsigned)idx);
			if (word) {
				if (k->cmp != VM_CMP_EQ ||
				    !vm_stats_proc_word_valid((unsigned)idx, k->value))
					goto bad_word;
				continue;
			}
		} else if (strncmp(k->key, "cgroup.", 7) == 0) {
			if (!check_memcg_key(c, rec, k, error))
				return FALSE;
		} else {
			idx = vm_stats_global_find(k->key);
			if (idx < 0)
				goto unknown;
		}
		uint64_t v;
		if (!vm_parse_number(k->value, &v)) {
			g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
				    "%s:%" G_GUINT64_FORMAT ":%u: expect: '%s' is not a number",
				    c->name, rec->line, k->col, k->value);
			return FALSE;
		}
		continue;
unknown:
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s:%" G_GUINT64_FORMAT ":%u: expect: unknown %s statistic '%s'",
			    c->name, rec->line, k->col,
			    rec->expect_file ? "file" : rec->expect_pid >= 0 ? "process" : "global",
			    k->key);
		return FALSE;
bad_word:
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s:%" G_GUINT64_FORMAT ":%u: expect: bad check '%s%s%s'",
			    c->name, rec->line, k->col, k->key,
			    k->cmp == VM_CMP_EQ ? "=" : k->cmp == VM_CMP_LE ? "<=" : ">=",
			    k->value);
		return FALSE;
	}
	return TRUE;
}

gboolean vm_tracecheck_record(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error)
{
	if (rec->kind == VM_REC_CRASH) {
		reset(c);   /* after the reboot only pid 1 exists, no fd open */
		/* and tmpfs, in memory, is empty */
		g_hash_table_foreach_remove(c->names, on_tmpfs, NULL);
		return TRUE;
	}
	if (rec->kind == VM_REC_SET || rec->kind == VM_REC_FILE)
		return TRUE;   /* the engine's business */

	GHashTable *fds;
	if (c->last_fds && c->last_pid == rec->pid) {
		fds = c->last_fds;
	} else {
		fds = g_hash_table_lookup(c->pids, GUINT_TO_POINTER(rec->pid));
		c->last_pid = rec->pid;
		c->last_fds = fds;
	}
	/* note and expect do no process work: a pid that has exited may still
	 * carry them, so that a trace can check what its processes left */
	if (!fds && (rec->kind == VM_REC_NOTE || rec->kind == VM_REC_EXPECT) &&
	    g_hash_table_contains(c->seen, GUINT_TO_POINTER(rec->pid)))
		fds = c->seen;
	if (!fds)
		return vm_tracecheck_fail(c, rec, 0, error, "unknown pid %u (not created by a fork, or exited)",
			    rec->pid);

	const vm_sim_op_t *op = &vm_sim_ops[rec->kind];
	return op->check ? op->check(c, rec, fds, error) : TRUE;
}
