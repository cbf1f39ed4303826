/*
 * Experiment grids (docs/batch.md): reading the grid file, naming its cells,
 * running one cell, and the result files of an output directory.  The
 * scheduling of many cells (worker processes, progress, --emit, --plot)
 * lives in sim/cmd-batch.c; this file is what every worker, local or on
 * another machine, shares with it.
 *
 * The grid is an .ini file, but read by hand rather than with GKeyFile:
 * GKeyFile neither reports line numbers nor allows the "# comment" after a
 * value that docs/batch.md's example uses, and a bad grid must be reported as
 * FILE:LINE:COL with the token, as a bad trace is.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "sim/batch.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "models/proc.h"
#include "traces/error.h"
#include "traces/outfile.h"
#include "traces/vmt.h"

/* ---- reading the grid ------------------------------------------------- */

/* The first line of DIR/grid.ini, before the original's path. */
#define COPY_MARK "# copy of "

typedef struct {
	const char *name;         /* file name for messages */
	unsigned line;
	const char *start;        /* the line's first byte, for columns */
} where_t;

static void G_GNUC_PRINTF(4, 5)
grid_error(GError **error, const where_t *w, const char *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, VM_ERROR, VM_ERROR_PARSE, "%s:%u:%u: %s", w->name,
		    w->line, (unsigned)(at - w->start) + 1, msg);
}

/* Skip blanks; trim a token [*s, *e) of blanks on both sides. */
static const char *skip_blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/* A value list "a; b;c" of the line at @v..@end: the items, trimmed, with
 * their columns.  An empty item is an error at its place. */
static gboolean split_list(const where_t *w, const char *key, const char *v,
			   const char *end, GPtrArray *items, GPtrArray *cols,
			   GError **error)
{
	const char *p = v;
	for (;;) {
		const char *semi = memchr(p, ';', end - p);
		const char *ie = semi ? semi : end;
		const char *s = skip_blank(p, ie);
		const char *e = trim_end(s, ie);
		if (s == e) {
			grid_error(error, w, s, "empty value in the list of '%s'", key);
			return FALSE;
		}
		g_ptr_array_add(items, g_strndup(s, e - s));
		g_ptr_array_add(cols, (gpointer)s);
		if (!semi)
			return TRUE;
		p = semi + 1;
	}
}

static char **take_strv(GPtrArray *a)
{
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

enum { G_NONE, G_GRID, G_VARY, G_SET, G_PLOT };

typedef struct {
	vm_grid_t *g;
	gboolean check_profile;   /* load the profile to check it */
	where_t w;
	int group;
	unsigned grid_line;       /* where [grid] began, for "no traces=" */
	GHashTable *seen;         /* "group/key" already given */
	GPtrArray *sets;          /* "KEY=VALUE" */
	GHashTable *set_keys;     /* keys of [set] */
	GHashTable *vary_keys;    /* keys of [vary] */
} parser_t;

/* A profile key and one value for it: both must make sense alone (the
 * cross-key checks run per cell, where the whole profile is known). */
static gboolean check_assignment(parser_t *ps, const char *key, const char *kat,
				 const char *value, const char *vat,
				 GError **error)
{
	if (vm_config_key_lookup(key) < 0) {
		grid_error(error, &ps->w, kat, "unknown profile key '%s'", key);
		return FALSE;
	}
	vm_config_t scratch;
	vm_config_default(&scratch);
	GError *err = NULL;
	if (!vm_config_set(&scratch, key, value, &err)) {
		grid_error(error, &ps->w, vat, "%s", err->message);
		g_error_free(err);
		return FALSE;
	}
	return TRUE;
}

static gboolean grid_key(parser_t *ps, const char *key, const char *kat,
			 const char *v, const char *vend, GError **error)
{
	vm_grid_t *g = ps->g;
	const char *s = skip_blank(v, vend);
	const char *e = trim_end(s, vend);
	if (strcmp(key, "traces") == 0) {
		GPtrArray *items = g_ptr_array_new(), *cols = g_ptr_array_new();
		gboolean ok = split_list(&ps->w, key, v, vend, items, cols, error);
		g_ptr_array_free(cols, TRUE);
		g_ptr_array_set_free_func(items, g_free);
		if (!ok) {
			g_ptr_array_free(items, TRUE);
			return FALSE;
		}
		g_ptr_array_set_free_func(items, NULL);
		g->nr_traces = items->len;
		g->traces = take_strv(items);
		return TRUE;
	}
	if (s == e) {
		grid_error(error, &ps->w, s, "'%s' needs a value", key);
		return FALSE;
	}
	g_autofree char *val = g_strndup(s, e - s);
	if (strcmp(key, "profile") == 0) {
		g->profile = g_strdup(val);
		if (!ps->check_profile)
			return TRUE;
		g_autofree char *path = vm_grid_profile_path(g);
		vm_config_t cfg;
		GError *err = NULL;
		if (!vm_config_load(&cfg, path, &err)) {
			grid_error(error, &ps->w, s, "%s", err->message);
			g_error_free(err);
			return FALSE;
		}
		return TRUE;
	}
	if (strcmp(key, "plot") == 0) {
		if (!vm_batch_metric_valid(val)) {
			grid_error(error, &ps->w, s,
				   "unknown statistic '%s' for plot (see docs/statistics.md: "
				   "majflt, pgfault, sim_time_ns, ...; NAME/access divides "
				   "by the accesses)", val);
			return FALSE;
		}
		g->plot = g_strdup(val);
		return TRUE;
	}
	grid_error(error, &ps->w, kat,
		   "unknown key '%s' in [grid] (traces, profile or plot)", key);
	return FALSE;
}

static gboolean vary_key(parser_t *ps, const char *key, const char *kat,
			 const char *v, const char *vend, GError **error)
{
	if (vm_config_key_lookup(key) < 0) {
		grid_error(error, &ps->w, kat, "unknown profile key '%s'", key);
		return FALSE;
	}
	if (g_hash_table_contains(ps->set_keys, key)) {
		grid_error(error, &ps->w, kat, "'%s' is both in [set] and in [vary]", key);
		return FALSE;
	}
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *cols = g_ptr_array_new();
	gboolean ok = split_list(&ps->w, key, v, vend, items, cols, error);
	for (unsigned i = 0; ok && i < items->len; i++) {
		const char *val = items->pdata[i];
		ok = check_assignment(ps, key, kat, val, cols->pdata[i], error);
		for (unsigned j = 0; ok && j < i; j++)
			if (strcmp(items->pdata[j], val) == 0) {
				grid_error(error, &ps->w, cols->pdata[i],
					   "value '%s' of '%s' is listed twice", val, key);
				ok = FALSE;
			}
	}
	g_ptr_array_free(cols, TRUE);
	if (!ok) {
		g_ptr_array_free(items, TRUE);
		return FALSE;
	}
	g_ptr_array_set_free_func(items, NULL);
	vm_grid_axis_t ax = { .key = g_strdup(key), .nr = items->len };
	ax.values = take_strv(items);
	g_array_append_val(ps->g->axes, ax);
	g_hash_table_add(ps->vary_keys, g_strdup(key));
	return TRUE;
}

/* [plot]: the words on the plot, as given. */
static gboolean plot_key(parser_t *ps, const char *key, const char *kat,
			 const char *v, const char *vend, GError **error)
{
	const char *s = skip_blank(v, vend);
	const char *e = trim_end(s, vend);
	char **slot = strcmp(key, "title") == 0 ? &ps->g->plot_title
		      : strcmp(key, "xlabel") == 0 ? &ps->g->plot_xlabel
		      : strcmp(key, "ylabel") == 0 ? &ps->g->plot_ylabel : NULL;
	if (!slot) {
		grid_error(error, &ps->w, kat, "unknown key '%s' in [plot] (title, "
			   "xlabel or ylabel)", key);
		return FALSE;
	}
	if (s == e) {
		grid_error(error, &ps->w, s, "'%s' needs a value", key);
		return FALSE;
	}
	*slot = g_strndup(s, e - s);
	return TRUE;
}

static gboolean set_key(parser_t *ps, const char *key, const char *kat,
			const char *v, const char *vend, GError **error)
{
	const char *s = skip_blank(v, vend);
	const char *e = trim_end(s, vend);
	if (g_hash_table_contains(ps->vary_keys, key)) {
		grid_error(error, &ps->w, kat, "'%s' is both in [set] and in [vary]", key);
		return FALSE;
	}
	if (s == e) {
		grid_error(error, &ps->w, s, "'%s' needs a value", key);
		return FALSE;
	}
	g_autofree char *val = g_strndup(s, e - s);
	if (!check_assignment(ps, key, kat, val, s, error))
		return FALSE;
	g_ptr_array_add(ps->sets, g_strdup_printf("%s=%s", key, val));
	g_hash_table_add(ps->set_keys, g_strdup(key));
	return TRUE;
}

/* One line, without its newline. */
static gboolean parse_line(parser_t *ps, const char *line, size_t len,
			   GError **error)
{
	const char *end = line + len;
	ps->w.start = line;
	/* '#' starts a comment anywhere, as in a trace; ';' only at the start
	 * of a line, as in .ini files, since it separates values */
	const char *hash = memchr(line, '#', len);
	if (hash)
		end = hash;
	const char *s = skip_blank(line, end);
	end = trim_end(s, end);
	if (s == end || *s == ';')
		return TRUE;
	if (*s == '[') {
		const char *close = memchr(s, ']', end - s);
		if (!close || close + 1 != end) {
			grid_error(error, &ps->w, s, "bad group line '%.*s' (expected "
				   "[grid], [vary], [set] or [plot])", (int)(end - s), s);
			return FALSE;
		}
		g_autofree char *name = g_strndup(s + 1, close - s - 1);
		g_strstrip(name);
		if (strcmp(name, "grid") == 0) {
			ps->group = G_GRID;
			ps->grid_line = ps->w.line;
		} else if (strcmp(name, "vary") == 0) {
			ps->group = G_VARY;
		} else if (strcmp(name, "set") == 0) {
			ps->group = G_SET;
		} else if (strcmp(name, "plot") == 0) {
			ps->group = G_PLOT;
		} else {
			grid_error(error, &ps->w, s, "unknown group '[%s]' (expected "
				   "[grid], [vary], [set] or [plot])", name);
			return FALSE;
		}
		return TRUE;
	}
	const char *eq = memchr(s, '=', end - s);
	const char *ke = eq ? trim_end(s, eq) : NULL;
	if (!eq || ke == s) {
		grid_error(error, &ps->w, s, "expected KEY=VALUE or [GROUP], found '%.*s'",
			   (int)(end - s), s);
		return FALSE;
	}
	g_autofree char *key = g_strndup(s, ke - s);
	if (ps->group == G_NONE) {
		grid_error(error, &ps->w, s, "'%s' before any group (start with [grid])", key);
		return FALSE;
	}
	g_autofree char *id = g_strdup_printf("%d/%s", ps->group, key);
	if (g_hash_table_contains(ps->seen, id)) {
		grid_error(error, &ps->w, s, "'%s' is given twice", key);
		return FALSE;
	}
	g_hash_table_add(ps->seen, g_steal_pointer(&id));
	switch (ps->group) {
	case G_GRID: return grid_key(ps, key, s, eq + 1, end, error);
	case G_VARY: return vary_key(ps, key, s, eq + 1, end, error);
	case G_PLOT: return plot_key(ps, key, s, eq + 1, end, error);
	default: return set_key(ps, key, s, eq + 1, end, error);
	}
}

vm_grid_t *vm_grid_parse(const char *name, const char *text,
			 gboolean check_profile, GError **error)
{
	vm_grid_t *g = g_new0(vm_grid_t, 1);
	g->path = g_strdup(name);
	g->dir = g_path_get_dirname(name);
	g->name = g_path_get_basename(name);
	if (g_str_has_prefix(text, COPY_MARK)) {
		const char *o = text + strlen(COPY_MARK);
		g_autofree char *orig = g_strndup(o, strcspn(o, "\n"));
		g_free(g->name);
		g->name = g_path_get_basename(orig);
	}
	g->text = g_strdup(text);
	g->axes = g_array_new(FALSE, TRUE, sizeof(vm_grid_axis_t));
	parser_t ps = {
		.g = g, .check_profile = check_profile, .w = { .name = name },
		.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.set_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.vary_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.sets = g_ptr_array_new(),
	};
	gboolean ok = TRUE;
	const char *p = text;
	while (ok && *p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		ps.w.line++;
		size_t len = (size_t)(end - p);
		if (len && p[len - 1] == '\r')
			len--;
		ok = parse_line(&ps, p, len, error);
		p = nl ? nl + 1 : end;
	}
	g->sets = take_strv(ps.sets);
	if (ok && !g->traces) {
		g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
			    "%s:%u:1: no 'traces=' in [grid] (the traces to replay, "
			    "separated by ';')", name, ps.grid_line ? ps.grid_line : 1);
		ok = FALSE;
	}
	if (ok) {
		uint64_t n = g->nr_traces;
		for (unsigned a = 0; a < g->axes->len && n <= VM_GRID_MAX_CELLS; a++)
			n *= g_array_index(g->axes, vm_grid_axis_t, a).nr;
		if (n > VM_GRID_MAX_CELLS) {
			g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
				    "%s: the grid has more than %u cells", name,
				    VM_GRID_MAX_CELLS);
			ok = FALSE;
		}
		g->nr_cells = (unsigned)n;
	}
	g_hash_table_destroy(ps.seen);
	g_hash_table_destroy(ps.set_keys);
	g_hash_table_destroy(ps.vary_keys);
	if (!ok) {
		vm_grid_free(g);
		return NULL;
	}
	return g;
}

gboolean vm_batch_read_file(const char *path, gsize max, char **text,
			    gsize *len, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: cannot read: %s", path,
			    g_strerror(e));
		return FALSE;
	}
	/* read at most max + 1 bytes, whatever the file claims to be: a
	 * device or a FIFO has no size to check first */
	GString *b = g_string_sized_new(4096);
	char buf[65536];
	int e = 0;
	for (;;) {
		gsize want = MIN(sizeof buf, max + 1 - b->len);
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			break;
		}
		if (n == 0)
			break;
		g_string_append_len(b, buf, n);
		if (b->len > max)
			break;
	}
	close(fd);
	if (e || b->len > max) {
		if (e)
			g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: cannot read: %s",
				    path, g_strerror(e));
		else
			g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: larger than %"
				    G_GSIZE_FORMAT " bytes, the most a grid or cell "
				    "file may have", path, max);
		g_string_free(b, TRUE);
		return FALSE;
	}
	if (len)
		*len = b->len;
	*text = g_string_free(b, FALSE);
	return TRUE;
}

gboolean vm_batch_metric_valid(const char *metric)
{
	const char *slash = strchr(metric, '/');
	if (!slash)
		return vm_stats_global_find(metric) >= 0;
	g_autofree char *name = g_strndup(metric, slash - metric);
	return strcmp(slash, "/access") == 0 && vm_stats_global_find(name) >= 0;
}

vm_grid_t *vm_grid_load(const char *path, gboolean check_profile,
			GError **error)
{
	g_autofree char *text = NULL;
	gsize len;
	if (!vm_batch_read_file(path, VM_GRID_MAX_BYTES, &text, &len, error))
		return NULL;
	if (memchr(text, '\0', len) || !g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, VM_ERROR, VM_ERROR_PARSE, "%s: not UTF-8 text", path);
		return NULL;
	}
	return vm_grid_parse(path, text, check_profile, error);
}

void vm_grid_free(vm_grid_t *g)
{
	if (!g)
		return;
	for (unsigned a = 0; a < g->axes->len; a++) {
		vm_grid_axis_t *ax = &g_array_index(g->axes, vm_grid_axis_t, a);
		g_free(ax->key);
		g_strfreev(ax->values);
	}
	g_array_free(g->axes, TRUE);
	g_strfreev(g->traces);
	g_strfreev(g->sets);
	g_free(g->profile);
	g_free(g->plot);
	g_free(g->plot_title);
	g_free(g->plot_xlabel);
	g_free(g->plot_ylabel);
	g_free(g->text);
	g_free(g->dir);
	g_free(g->name);
	g_free(g->path);
	g_free(g);
}

/* ---- cells --------------------------------------------------------------- */

void vm_grid_cell_index(const vm_grid_t *g, unsigned k, unsigned *idx)
{
	g_return_if_fail(k < g->nr_cells);
	/* mixed radix, last axis fastest */
	for (unsigned a = g->axes->len; a-- > 0;) {
		unsigned nr = g_array_index(g->axes, vm_grid_axis_t, a).nr;
		idx[1 + a] = k % nr;
		k /= nr;
	}
	idx[0] = k;
}

static const vm_grid_axis_t *axis(const vm_grid_t *g, unsigned a)
{
	return &g_array_index(g->axes, vm_grid_axis_t, a);
}

char **vm_grid_cell_overrides(const vm_grid_t *g, unsigned k)
{
	unsigned idx[1 + g->axes->len];
	vm_grid_cell_index(g, k, idx);
	GPtrArray *o = g_ptr_array_new();
	for (char **s = g->sets; *s; s++)
		g_ptr_array_add(o, g_strdup(*s));
	for (unsigned a = 0; a < g->axes->len; a++)
		g_ptr_array_add(o, g_strdup_printf("%s=%s", axis(g, a)->key,
						   axis(g, a)->values[idx[1 + a]]));
	return take_strv(o);
}

/* A path from the grid, relative to the grid's directory. */
static char *resolve(const vm_grid_t *g, const char *p)
{
	if (g_path_is_absolute(p) || strcmp(g->dir, ".") == 0)
		return g_strdup(p);
	return g_build_filename(g->dir, p, NULL);
}

char *vm_grid_cell_trace(const vm_grid_t *g, unsigned k)
{
	unsigned idx[1 + g->axes->len];
	vm_grid_cell_index(g, k, idx);
	return resolve(g, g->traces[idx[0]]);
}

char *vm_grid_profile_path(const vm_grid_t *g)
{
	if (!g->profile)
		return NULL;
	/* a built-in name stays a name; a file is found next to the grid */
	if (strchr(g->profile, '/') || g_str_has_suffix(g->profile, ".ini"))
		return resolve(g, g->profile);
	return g_strdup(g->profile);
}

char *vm_grid_cell_label(const vm_grid_t *g, unsigned k)
{
	unsigned idx[1 + g->axes->len];
	vm_grid_cell_index(g, k, idx);
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "trace=%s", g->traces[idx[0]]);
	for (unsigned a = 0; a < g->axes->len; a++)
		g_string_append_printf(s, " %s=%s", axis(g, a)->key,
				       axis(g, a)->values[idx[1 + a]]);
	return g_string_free(s, FALSE);
}

char *vm_grid_cell_identity(const vm_grid_t *g, unsigned k)
{
	/* what the result depends on, besides the traces' and profile files'
	 * contents (see docs/batch.md: rerun with --force after editing them) */
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "vmscope %s cell %u: profile=%s",
			       PACKAGE_VERSION, k,
			       g->profile ? g->profile : "(the trace's)");
	for (char **o = g->sets; *o; o++)
		g_string_append_printf(s, " set %s", *o);
	g_autofree char *label = vm_grid_cell_label(g, k);
	g_string_append_printf(s, " %s", label);
	return g_string_free(s, FALSE);
}

void vm_csv_field(GString *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r") && s[0] != ' ' && *s &&
	    s[strlen(s) - 1] != ' ') {
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

char *vm_grid_header(const vm_grid_t *g)
{
	GString *s = g_string_new("trace");
	for (unsigned a = 0; a < g->axes->len; a++) {
		g_string_append_c(s, ',');
		vm_csv_field(s, axis(g, a)->key);
	}
	g_string_append(s, "," VM_BATCH_STATUS_COLUMNS);
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		g_string_append_printf(s, ",%s", vm_stats_global_name(i));
	return g_string_free(s, FALSE);
}

/* Page accesses in the trace at @path with page size @ps, counted as the
 * engine counts them (sim/engine.c access_count): only needed when a run
 * stopped before the end, to say how much of it ran. */
static uint64_t trace_accesses(const char *path, uint64_t ps)
{
	vm_vmt_reader_t *r = vm_vmt_open(path, NULL);
	if (!r)
		return 0;
	uint64_t n = 0;
	vm_record_t rec;
	while (vm_vmt_next(r, &rec, NULL))
		n += vm_record_accesses(&rec, ps);
	vm_vmt_close(r);
	return n;
}

char *vm_batch_run_cell(const vm_grid_t *g, unsigned k, gboolean check,
			GError **error)
{
	g_return_val_if_fail(k < g->nr_cells, NULL);
	vm_config_t cfg;
	g_autofree char *profile = vm_grid_profile_path(g);
	if (profile && !vm_config_load(&cfg, profile, error))
		return NULL;
	g_autofree char *trace = vm_grid_cell_trace(g, k);
	g_auto(GStrv) overrides = vm_grid_cell_overrides(g, k);
	/* expectations are counted (expect_passed, expect_failed), not printed:
	 * a grid replays a trace under settings its expect lines did not
	 * foresee */
	vm_engine_opts_t opts = { .check = check };
	vm_engine_t *e = vm_engine_open(trace, profile ? &cfg : NULL, overrides,
					&opts, error);
	if (!e)
		return NULL;
	GError *err = NULL;
	gboolean oom_stop = FALSE;
	if (!vm_engine_run(e, &err)) {
		/* out of memory with nobody to kill is what this machine does
		 * with this trace: a result (marked), not a failure */
		if (err->domain != VM_ERROR || err->code != VM_ERROR_OOM) {
			g_propagate_error(error, err);
			vm_engine_free(e);
			return NULL;
		}
		g_error_free(err);
		oom_stop = TRUE;
	}
	vm_machine_t *m = vm_engine_machine(e);
	uint64_t done = m->c.accesses;
	uint64_t total = done + vm_engine_skipped_accesses(e);
	if (oom_stop)
		total = MAX(total, trace_accesses(trace, vm_engine_config(e)->page_size));
	uint64_t killed = 0;
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		uint8_t why = m->procs[i]->killed_by;
		killed += why == VM_KILL_OOM || why == VM_KILL_SIGSEGV ||
			  why == VM_KILL_SIGBUS;
	}
	unsigned idx[1 + g->axes->len];
	vm_grid_cell_index(g, k, idx);
	GString *row = g_string_new(NULL);
	vm_csv_field(row, g->traces[idx[0]]);
	for (unsigned a = 0; a < g->axes->len; a++) {
		g_string_append_c(row, ',');
		vm_csv_field(row, axis(g, a)->values[idx[1 + a]]);
	}
	/* four decimals: 1.0000 only when (nearly) all of it ran, and the
	 * killed and stopped columns say whether it all did */
	double ran = total ? (double)done / (double)total : 1.0;
	if (done < total)
		ran = MIN(ran, 0.9999);
	g_string_append_printf(row, ",%.4f,%" G_GUINT64_FORMAT ",%s", ran, killed,
			       oom_stop ? "oom" : "no");
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		g_string_append_printf(row, ",%" G_GUINT64_FORMAT,
				       vm_stats_global(e, i));
	vm_engine_free(e);
	return g_string_free(row, FALSE);
}

/* ---- result files ---------------------------------------------------------- */

char *vm_batch_cell_path(const char *dir, unsigned k, const char *ext)
{
	g_autofree char *base = g_strdup_printf("cell-%u.%s", k, ext);
	return g_build_filename(dir, "cells", base, NULL);
}

/* Write @text to @path whole, or not at all (traces/outfile.h), synced
 * first, so that a power loss leaves the old or the new file, as a SIGKILL
 * does. */
gboolean vm_batch_write_file(const char *path, const char *text,
			     unsigned flags, GError **error)
{
	return vm_outfile_write(path, text, -1, flags | VM_OUTFILE_SYNC, error);
}

/* Cell @k's outcome: "# IDENTITY" and @body in its .@ext file, written
 * whole, and its file of the other outcome (.@other) removed. */
static gboolean write_cell_file(const vm_grid_t *g, const char *dir, unsigned k,
				const char *ext, const char *other,
				const char *body, GError **error)
{
	g_autofree char *id = vm_grid_cell_identity(g, k);
	g_autofree char *text = g_strdup_printf("# %s\n%s\n", id, body);
	g_autofree char *path = vm_batch_cell_path(dir, k, ext);
	g_autofree char *opath = vm_batch_cell_path(dir, k, other);
	if (!vm_batch_write_file(path, text, 0, error))
		return FALSE;
	g_unlink(opath);
	return TRUE;
}

gboolean vm_batch_write_cell(const vm_grid_t *g, const char *dir, unsigned k,
			     const char *row, GError **error)
{
	g_autofree char *hdr = vm_grid_header(g);
	g_autofree char *body = g_strdup_printf("%s\n%s", hdr, row);
	return write_cell_file(g, dir, k, "csv", "err", body, error);
}

gboolean vm_batch_write_cell_error(const vm_grid_t *g, const char *dir,
				   unsigned k, const char *msg, GError **error)
{
	/* one line, so that errors.txt keeps one line per cell */
	g_autofree char *flat = g_strdup(msg);
	g_strdelimit(flat, "\r\n", ' ');
	g_strchomp(flat);
	return write_cell_file(g, dir, k, "err", "csv", flat, error);
}

/* The lines of cell @k's .@ext file after its identity line (@want of
 * them), when the identity is cell @k's; NULL otherwise: no file, another
 * cell's or an older version's (stale: the cell runs again), or one that
 * names this cell but is not whole (bad: *@bad says why). */
static char **read_cell_file(const vm_grid_t *g, const char *dir, unsigned k,
			     const char *ext, unsigned want, char **bad)
{
	g_autofree char *path = vm_batch_cell_path(dir, k, ext);
	g_autofree char *text = NULL;
	gsize len;
	GError *err = NULL;
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL;
	if (!vm_batch_read_file(path, VM_GRID_MAX_BYTES, &text, &len, &err)) {
		if (bad)
			*bad = g_strdup(err->message);
		g_error_free(err);
		return NULL;
	}
	char **lines = g_strsplit(text, "\n", -1);
	g_autofree char *id = vm_grid_cell_identity(g, k);
	if (!lines[0] || !g_str_has_prefix(lines[0], "# ") ||
	    strcmp(lines[0] + 2, id) != 0) {
		g_strfreev(lines);
		return NULL;   /* stale */
	}
	const char *why = NULL;
	/* a whole file ends with its newline, after exactly @want lines */
	if (memchr(text, '\0', len) || text[len - 1] != '\n')
		why = "not whole (no newline at its end)";
	else if (g_strv_length(lines) != want + 2)
		why = want == 2 ? "not an identity line, a header and one row"
				: "not an identity line and one message";
	if (why) {
		if (bad)
			*bad = g_strdup_printf("%s: %s", path, why);
		g_strfreev(lines);
		return NULL;
	}
	g_free(lines[want + 1]);
	lines[want + 1] = NULL;
	return lines;
}

/* Split CSV @row into its fields, unquoted; FALSE when a quote is not
 * closed or a field does not end at a comma. */
static gboolean split_csv(const char *row, GPtrArray *fields)
{
	const char *p = row;
	for (;;) {
		GString *f = g_string_new(NULL);
		if (*p == '"') {
			for (p++;; p++) {
				if (!*p) {
					g_string_free(f, TRUE);
					return FALSE;
				}
				if (*p == '"' && p[1] == '"') {
					g_string_append_c(f, '"');
					p++;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					g_string_append_c(f, *p);
				}
			}
			if (*p && *p != ',') {
				g_string_free(f, TRUE);
				return FALSE;
			}
		} else {
			const char *c = strchr(p, ',');
			const char *end = c ? c : p + strlen(p);
			g_string_append_len(f, p, end - p);
			p = end;
		}
		g_ptr_array_add(fields, g_string_free(f, FALSE));
		if (!*p)
			return TRUE;
		p++;   /* the comma */
	}
}

/* A counter as vmscope writes it: decimal digits, no sign, fits 64 bits. */
static gboolean is_count(const char *s, uint64_t *v)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || (s[0] == '0' && s[1]))
		return FALSE;
	errno = 0;
	guint64 n = g_ascii_strtoull(s, NULL, 10);
	if (errno)
		return FALSE;
	if (v)
		*v = n;
	return TRUE;
}

/* Why row @row is not cell @k's row of grid @g, or NULL when it is. */
static const char *check_row(const vm_grid_t *g, unsigned k, const char *row)
{
	GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
	const char *why = NULL;
	unsigned nax = g->axes->len;
	unsigned idx[1 + nax];
	vm_grid_cell_index(g, k, idx);
	if (!split_csv(row, f))
		why = "its row is not CSV (a quote not closed)";
	else if (f->len != 1 + nax + VM_BATCH_NR_STATUS + vm_stats_nr_global())
		why = "its row does not have a field for each column";
	else if (strcmp(f->pdata[0], g->traces[idx[0]]) != 0)
		why = "its row names another trace than the cell's";
	for (unsigned a = 0; !why && a < nax; a++)
		if (strcmp(f->pdata[1 + a], axis(g, a)->values[idx[1 + a]]) != 0)
			why = "its row has other [vary] values than the cell's";
	if (!why) {
		const char *ran = f->pdata[1 + nax];
		const char *stopped = f->pdata[3 + nax];
		char *e;
		double r = g_ascii_strtod(ran, &e);
		if (!*ran || *e || !(r >= 0 && r <= 1))
			why = "its 'ran' is not a fraction from 0 to 1";
		else if (!is_count(f->pdata[2 + nax], NULL))
			why = "its 'killed' is not a count";
		else if (strcmp(stopped, "no") != 0 && strcmp(stopped, "oom") != 0)
			why = "its 'stopped' is neither 'no' nor 'oom'";
	}
	for (unsigned i = 0; !why && i < vm_stats_nr_global(); i++)
		if (!is_count(f->pdata[1 + nax + VM_BATCH_NR_STATUS + i], NULL))
			why = "a statistic in its row is not a count";
	g_ptr_array_free(f, TRUE);
	return why;
}

char *vm_batch_read_cell(const vm_grid_t *g, const char *dir, unsigned k,
			 char **bad)
{
	if (bad)
		*bad = NULL;
	char **lines = read_cell_file(g, dir, k, "csv", 2, bad);
	if (!lines)
		return NULL;
	g_autofree char *hdr = vm_grid_header(g);
	const char *why = strcmp(lines[1], hdr) != 0
		? "its header is not this grid's results.csv header"
		: check_row(g, k, lines[2]);
	char *row = NULL;
	if (why) {
		if (bad) {
			g_autofree char *path = vm_batch_cell_path(dir, k, "csv");
			*bad = g_strdup_printf("%s: %s", path, why);
		}
	} else {
		row = g_strdup(lines[2]);
	}
	g_strfreev(lines);
	return row;
}

char *vm_batch_read_cell_error(const vm_grid_t *g, const char *dir, unsigned k)
{
	char **lines = read_cell_file(g, dir, k, "err", 1, NULL);
	if (!lines)
		return NULL;
	char *msg = g_strdup(lines[1]);
	g_strfreev(lines);
	return msg;
}

gboolean vm_batch_write_results(const vm_grid_t *g, const char *dir,
				char **rows, char **errors, GError **error)
{
	g_autofree char *hdr = vm_grid_header(g);
	GString *csv = g_string_new(hdr);
	GString *errs = g_string_new(NULL);
	g_string_append_c(csv, '\n');
	for (unsigned k = 0; k < g->nr_cells; k++) {
		if (rows[k])
			g_string_append_printf(csv, "%s\n", rows[k]);
		if (errors && errors[k]) {
			g_autofree char *label = vm_grid_cell_label(g, k);
			g_string_append_printf(errs, "cell %u (%s): %s\n", k, label,
					       errors[k]);
		}
	}
	g_autofree char *rpath = g_build_filename(dir, "results.csv", NULL);
	g_autofree char *epath = g_build_filename(dir, "errors.txt", NULL);
	gboolean ok = vm_batch_write_file(rpath, csv->str, 0, error);
	if (ok && errs->len)
		ok = vm_batch_write_file(epath, errs->str, 0, error);
	else if (ok)
		g_unlink(epath);
	g_string_free(csv, TRUE);
	g_string_free(errs, TRUE);
	return ok;
}

gboolean vm_batch_prepare_dir(const vm_grid_t *g, const char *dir, GError **error)
{
	g_autofree char *cells = g_build_filename(dir, "cells", NULL);
	if (g_mkdir_with_parents(cells, 0755) != 0) {
		int e = errno;
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: cannot make the "
			    "directory: %s", cells, g_strerror(e));
		return FALSE;
	}
	g_autofree char *copy = g_build_filename(dir, "grid.ini", NULL);
	/* --merge reads this copy; only the cells' identities matter there,
	 * so the trace paths need not resolve from DIR */
	g_autofree char *orig = g_canonicalize_filename(g->path, NULL);
	g_autofree char *text = g_strdup_printf(COPY_MARK "%s\n%s", orig, g->text);
	g_autofree char *old = NULL;
	if (g_file_get_contents(copy, &old, NULL, NULL) && strcmp(old, text) == 0)
		return TRUE;
	return vm_batch_write_file(copy, text, 0, error);
}

gboolean vm_batch_row_stat(const char *row, unsigned stat, double *value)
{
	/* statistics are plain numbers at the end of the row: count fields
	 * from the end, so that quoted commas in a trace name do not matter */
	unsigned from_end = vm_stats_nr_global() - stat;   /* 1: last */
	const char *end = row + strlen(row);
	const char *p = end;
	for (unsigned f = 0; f < from_end; f++) {
		end = p;
		while (p > row && p[-1] != ',')
			p--;
		if (p == row)
			return FALSE;
		if (f + 1 < from_end)
			p--;
	}
	g_autofree char *num = g_strndup(p, end - p);
	char *e;
	if (!*num)
		return FALSE;
	*value = g_ascii_strtod(num, &e);
	return *e == '\0';
}

gboolean vm_batch_row_metric(const char *row, const char *metric, double *value)
{
	const char *slash = strchr(metric, '/');
	g_autofree char *name = slash ? g_strndup(metric, slash - metric)
				      : g_strdup(metric);
	int stat = vm_stats_global_find(name);
	if (stat < 0 || !vm_batch_row_stat(row, (unsigned)stat, value))
		return FALSE;
	if (!slash)
		return TRUE;
	double acc;
	if (!vm_batch_row_stat(row, (unsigned)vm_stats_global_find("accesses"), &acc) ||
	    acc <= 0)
		return FALSE;
	*value /= acc;
	return TRUE;
}

gboolean vm_batch_row_status(const vm_grid_t *g, const char *row,
			     vm_cell_status_t *st)
{
	GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
	unsigned at = 1 + g->axes->len;
	gboolean ok = split_csv(row, f) && f->len >= at + VM_BATCH_NR_STATUS;
	if (ok) {
		st->ran = g_ascii_strtod(f->pdata[at], NULL);
		st->killed = g_ascii_strtoull(f->pdata[at + 1], NULL, 10);
		st->oom_stop = strcmp(f->pdata[at + 2], "oom") == 0;
	}
	g_ptr_array_free(f, TRUE);
	return ok;
}
