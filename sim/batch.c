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
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "sim/batch.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "traces/error.h"

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

enum { G_NONE, G_GRID, G_VARY, G_SET };

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
		if (vm_stats_global_find(val) < 0) {
			grid_error(error, &ps->w, s,
				   "unknown statistic '%s' for plot (see docs/statistics.md: "
				   "majflt, pgfault, sim_time_ns, ...)", val);
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
				   "[grid], [vary] or [set])", (int)(end - s), s);
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
		} else {
			grid_error(error, &ps->w, s, "unknown group '[%s]' (expected "
				   "[grid], [vary] or [set])", name);
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

vm_grid_t *vm_grid_load(const char *path, gboolean check_profile,
			GError **error)
{
	g_autofree char *text = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s", err->message);
		g_error_free(err);
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
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
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		g_string_append_printf(s, ",%s", vm_stats_global_name(i));
	return g_string_free(s, FALSE);
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
	if (!vm_engine_run(e, error)) {
		vm_engine_free(e);
		return NULL;
	}
	unsigned idx[1 + g->axes->len];
	vm_grid_cell_index(g, k, idx);
	GString *row = g_string_new(NULL);
	vm_csv_field(row, g->traces[idx[0]]);
	for (unsigned a = 0; a < g->axes->len; a++) {
		g_string_append_c(row, ',');
		vm_csv_field(row, axis(g, a)->values[idx[1 + a]]);
	}
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

/* Write @text to @path whole, or not at all: a temporary file renamed over
 * it (GLib's consistent mode also syncs it first, so that a power loss
 * leaves the old or the new file, as a SIGKILL does). */
gboolean vm_batch_write_atomic(const char *path, const char *text, GError **error)
{
	GError *err = NULL;
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
				      0644, &err)) {
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s", err->message);
		g_error_free(err);
		return FALSE;
	}
	return TRUE;
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
	if (!vm_batch_write_atomic(path, text, error))
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

/* The lines of a cell file after its identity line, when the identity is
 * cell @k's; NULL otherwise. */
static char **read_cell_file(const vm_grid_t *g, const char *dir, unsigned k,
			     const char *ext, unsigned want)
{
	g_autofree char *path = vm_batch_cell_path(dir, k, ext);
	g_autofree char *text = NULL;
	gsize len;
	if (!g_file_get_contents(path, &text, &len, NULL))
		return NULL;
	/* a whole file ends with its newline */
	if (len == 0 || text[len - 1] != '\n')
		return NULL;
	text[len - 1] = '\0';
	char **lines = g_strsplit(text, "\n", -1);
	g_autofree char *id = vm_grid_cell_identity(g, k);
	if (g_strv_length(lines) != want + 1 || !g_str_has_prefix(lines[0], "# ") ||
	    strcmp(lines[0] + 2, id) != 0) {
		g_strfreev(lines);
		return NULL;
	}
	return lines;
}

char *vm_batch_read_cell(const vm_grid_t *g, const char *dir, unsigned k)
{
	char **lines = read_cell_file(g, dir, k, "csv", 2);
	if (!lines)
		return NULL;
	g_autofree char *hdr = vm_grid_header(g);
	char *row = NULL;
	double v;
	/* the header names this version's statistics; the row has them all */
	if (strcmp(lines[1], hdr) == 0 &&
	    vm_batch_row_stat(lines[2], 0, &v))
		row = g_strdup(lines[2]);
	g_strfreev(lines);
	return row;
}

char *vm_batch_read_cell_error(const vm_grid_t *g, const char *dir, unsigned k)
{
	char **lines = read_cell_file(g, dir, k, "err", 1);
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
	gboolean ok = vm_batch_write_atomic(rpath, csv->str, error);
	if (ok && errs->len)
		ok = vm_batch_write_atomic(epath, errs->str, error);
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
	return vm_batch_write_atomic(copy, text, error);
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
