/*
 * Experiment grids for `vmscope batch` (docs/batch.md): the grid file, the
 * cells it spans, and the files a sweep leaves in its output directory.
 *
 * A grid names traces, a base profile, fixed overrides and, per profile
 * key, a list of values; every combination is a cell.  Cells are numbered
 * from 0 with the trace outermost and the last [vary] key fastest:
 *
 *   traces=a;b   [vary] x=1;2   y=p;q;r
 *   cell  0   1   2   3   4   5   6   7   8  ...
 *   trace a   a   a   a   a   a   b   b   b
 *   x     1   1   1   2   2   2   1   1   1
 *   y     p   q   r   p   q   r   p   q   r
 *
 * Output directory:
 *
 *   DIR/grid.ini          copy of the grid (what --merge reads), after
 *                         a first line "# copy of /abs/path/GRID.ini"
 *   DIR/cells/cell-K.csv  cell K's result: identity, header, one row
 *   DIR/cells/cell-K.err  cell K's error, when it failed
 *   DIR/cells/cell-K.log  what a crashed worker wrote on stderr
 *   DIR/results.csv       header + the rows of every finished cell, in order
 *   DIR/errors.txt        one line per failed cell (absent when none)
 *
 * Every file is written whole to a temporary name and renamed
 * (traces/outfile.h), so a sweep killed at any moment leaves each file old
 * or new, never half written; a cell file names the cell it belongs to
 * (its identity line), so a rerun after the grid changed does not take a
 * stale result for a new cell.  A cell file that names its cell but is not
 * what this program writes (edited, truncated by hand, another program's)
 * is *bad*: rerun by a sweep, an error for --merge, named either way.
 *
 * A row: the trace, the varied values, then how much of the trace ran
 * (ran, killed, stopped: a cell whose process was killed or whose machine
 * ran out of memory is a result, but not one to compare as it is), then
 * every global statistic.
 */
#ifndef VM_BATCH_H
#define VM_BATCH_H

#include <stdint.h>
#include <glib.h>

typedef struct {
	char *key;        /* dotted profile key */
	char **values;    /* as written, NULL-terminated */
	unsigned nr;      /* values */
} vm_grid_axis_t;

typedef struct {
	char *path;       /* the grid file as given */
	char *name;       /* what plots call it: the file's name, or for the
			   * copy in DIR/grid.ini the original's */
	char *dir;        /* its directory: relative paths start there */
	char *text;       /* its contents, copied to DIR/grid.ini */
	char **traces;    /* as written, NULL-terminated */
	unsigned nr_traces;
	char *profile;    /* as written; NULL: each trace's own */
	char *plot;       /* metric for --plot ("NAME" or "NAME/access");
			   * NULL: not given */
	char *plot_title, *plot_xlabel, *plot_ylabel;   /* [plot]; NULL: made */
	char **sets;      /* fixed overrides "KEY=VALUE", NULL-terminated */
	GArray *axes;     /* vm_grid_axis_t, in file order */
	unsigned nr_cells;
} vm_grid_t;

/* The most cells a grid may span, so that a typo cannot ask for billions. */
#define VM_GRID_MAX_CELLS 1000000u
/* The largest grid file (and cell file) read: a grid of a million cells
 * fits in a few kilobytes, and /dev/zero must not be read until memory
 * runs out. */
#define VM_GRID_MAX_BYTES (1u << 20)

/* Columns between the varied keys and the statistics. */
#define VM_BATCH_STATUS_COLUMNS "ran,killed,stopped"
#define VM_BATCH_NR_STATUS 3

/* How much of its trace a cell ran. */
typedef struct {
	double ran;          /* page accesses run / in the trace, 0..1 */
	uint64_t killed;     /* processes killed (OOM killer, SIGSEGV, SIGBUS) */
	gboolean oom_stop;   /* the run stopped out of memory (oom.policy=none) */
} vm_cell_status_t;

/*
 * Read and check grid file @path.  Errors read "FILE:LINE:COL: message"
 * with the offending token.  Profile keys and values, the profile and the
 * plot metric are checked here; traces are not opened (a missing or bad
 * trace fails its cells, not the grid).  @check_profile FALSE: do not load
 * the profile (--merge reads a copy of the grid, away from its files).
 */
vm_grid_t *vm_grid_load(const char *path, gboolean check_profile,
			GError **error);
/* Read @path whole, at most @max bytes (a larger file, or a device that
 * never ends, is an error naming it and the limit). */
gboolean vm_batch_read_file(const char *path, gsize max, char **text,
			    gsize *len, GError **error);
/* Is @metric a plot metric: a global statistic, or one followed by
 * "/access" (divided by the cell's accesses)? */
gboolean vm_batch_metric_valid(const char *metric);
/* The same for grid text already read; @name is used in messages. */
vm_grid_t *vm_grid_parse(const char *name, const char *text,
			 gboolean check_profile, GError **error);
void vm_grid_free(vm_grid_t *g);

/* Cell @k's trace index and value index per axis (@idx has 1 + axes slots:
 * idx[0] the trace, idx[1 + a] axis a). */
void vm_grid_cell_index(const vm_grid_t *g, unsigned k, unsigned *idx);
/* Cell @k's overrides, "KEY=VALUE" ([set] then [vary]), NULL-terminated. */
char **vm_grid_cell_overrides(const vm_grid_t *g, unsigned k);
/* Cell @k's trace path, resolved against the grid's directory. */
char *vm_grid_cell_trace(const vm_grid_t *g, unsigned k);
/* The profile to load, resolved like the traces when it is a file. */
char *vm_grid_profile_path(const vm_grid_t *g);
/* "trace=T key=value ..." for messages. */
char *vm_grid_cell_label(const vm_grid_t *g, unsigned k);
/* What makes cell @k's result valid: the program version, the profile, the
 * fixed overrides, the trace and the varied values, on one line. */
char *vm_grid_cell_identity(const vm_grid_t *g, unsigned k);

/* results.csv's header: trace, each varied key, every global statistic. */
char *vm_grid_header(const vm_grid_t *g);
/* Append @s to @out as one CSV field, quoted when it needs to be. */
void vm_csv_field(GString *out, const char *s);

/* Paths in output directory @dir. */
char *vm_batch_cell_path(const char *dir, unsigned k, const char *ext);

/*
 * Run cell @k in this process and return its results.csv row (no newline).
 * NULL with @error when the trace or the replay fails.  @check runs the
 * invariant checker.
 */
char *vm_batch_run_cell(const vm_grid_t *g, unsigned k, gboolean check,
			GError **error);

/* Write @text to @path whole or not at all, synced (traces/outfile.h);
 * @flags add VM_OUTFILE_EXEC for a script. */
gboolean vm_batch_write_file(const char *path, const char *text,
			     unsigned flags, GError **error);
/* Write cell @k's result file (row) or error file (message), atomically;
 * writing one removes the other. */
gboolean vm_batch_write_cell(const vm_grid_t *g, const char *dir, unsigned k,
			     const char *row, GError **error);
gboolean vm_batch_write_cell_error(const vm_grid_t *g, const char *dir,
				   unsigned k, const char *msg, GError **error);

/* Cell @k's row when DIR holds a finished result for exactly this cell;
 * NULL otherwise (missing, stale or bad).  A bad file (one that names
 * this cell but whose header, values or numbers are not what vmscope
 * writes) sets *@bad (may be NULL) to "FILE: why". */
char *vm_batch_read_cell(const vm_grid_t *g, const char *dir, unsigned k,
			 char **bad);
/* Cell @k's error message when DIR holds one for this cell, else NULL. */
char *vm_batch_read_cell_error(const vm_grid_t *g, const char *dir, unsigned k);

/*
 * Write DIR/results.csv from @rows (one per cell, NULL when the cell has no
 * result) and DIR/errors.txt from @errors (likewise; removed when there is
 * none), each atomically.
 */
gboolean vm_batch_write_results(const vm_grid_t *g, const char *dir,
				char **rows, char **errors, GError **error);

/* Make DIR and DIR/cells, and write DIR/grid.ini. */
gboolean vm_batch_prepare_dir(const vm_grid_t *g, const char *dir,
			      GError **error);

/* The value of global statistic column @stat in @row (a results.csv row);
 * FALSE when the row is too short. */
gboolean vm_batch_row_stat(const char *row, unsigned stat, double *value);
/* The value of plot metric @metric (vm_batch_metric_valid) in @row. */
gboolean vm_batch_row_metric(const char *row, const char *metric, double *value);
/* The ran, killed and stopped columns of @row, a row of grid @g. */
gboolean vm_batch_row_status(const vm_grid_t *g, const char *row,
			     vm_cell_status_t *st);
/* Did the cell of @st run its whole trace? */
#define VM_CELL_COMPLETE(st) ((st)->killed == 0 && !(st)->oom_stop)

#endif
