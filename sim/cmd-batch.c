/*
 * vmscope batch (docs/batch.md): run every cell of an experiment grid, in
 * worker processes, into an output directory that survives interruption.
 *
 *   vmscope batch GRID ──► DIR/grid.ini, DIR/.lock
 *        │  for each cell without a result:  (at most --jobs at once)
 *        ├──► fork+exec  vmscope batch -q --cell K --out DIR GRID
 *        │                   └─► DIR/cells/cell-K.csv  or  cell-K.err
 *        └──► DIR/results.csv (+ errors.txt), rebuilt as cells finish
 *
 * Why fork+exec of this very binary rather than fork alone or threads: a
 * worker is then exactly the `--cell` entry point that GNU parallel and
 * Slurm run on other machines (--emit), so the local and the distributed
 * paths share one code path and one file protocol; a cell that crashes or
 * aborts takes only its own process down and is reported as failed; each
 * cell starts from a fresh address space, so a big trace's memory is given
 * back when its cell ends; and the engine needs no thread safety.  The cost,
 * one exec and one grid parse per cell, is a millisecond against cells that
 * replay whole traces.  Workers get PR_SET_PDEATHSIG, so that a sweep killed
 * with SIGKILL does not leave them running behind it.
 *
 * Nothing is lost: each cell's result is its own file, written to a
 * temporary name and renamed; results.csv is only ever rebuilt from those
 * rows, atomically too, at most once a second and at the end.  A rerun
 * reads the cell files, skips the finished cells (their identity line must
 * match, see sim/batch.h) and runs the others, failed ones included.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <glib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include "sim/batch.h"
#include "sim/cli.h"
#include "sim/config.h"
#include "sim/stats.h"
#include "traces/error.h"
#include "traces/outfile.h"

static int opt_jobs = 0;
static char *opt_out, *opt_emit, *opt_metric, *opt_command;
static gboolean opt_plot, opt_merge, opt_force, opt_quiet, opt_check;
/* --cell K; CELL_NONE when not given (a negative K is refused, not taken
 * for "no --cell": `--cell -5` once ran the whole sweep) */
#define CELL_NONE G_MININT
static int opt_cell = CELL_NONE;

static GOptionEntry entries[] = {
	{ "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs,
	  "Run N cells at once (default: the number of CPUs)", "N" },
	{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
	  "Output directory (default: GRID's name without .ini, plus -results, "
	  "in the current directory)", "DIR" },
	{ "plot", 0, 0, G_OPTION_ARG_NONE, &opt_plot,
	  "Draw the grid's plot metric against the first varied key with "
	  "gnuplot: DIR/plot-METRIC.png, .svg, .pdf, and the .gp script", NULL },
	{ "metric", 'm', 0, G_OPTION_ARG_STRING, &opt_metric,
	  "Plot this statistic instead of the grid's plot= (default: majflt); "
	  "NAME/access divides it by the accesses that ran", "NAME" },
	{ "emit", 0, 0, G_OPTION_ARG_STRING, &opt_emit,
	  "Do not run: write the unfinished cells as a GNU parallel job list "
	  "(DIR/jobs.txt) or a Slurm array script (DIR/slurm.sh)", "parallel|slurm" },
	{ "command", 0, 0, G_OPTION_ARG_STRING, &opt_command,
	  "With --emit: how the jobs call vmscope (default: this program's "
	  "absolute path)", "CMD" },
	{ "cell", 0, 0, G_OPTION_ARG_INT, &opt_cell,
	  "Run only cell K (0-based) into DIR/cells: what --emit's jobs run", "K" },
	{ "merge", 0, 0, G_OPTION_ARG_NONE, &opt_merge,
	  "Fold DIR's cell results into DIR/results.csv (after --emit's jobs)", NULL },
	{ "force", 0, 0, G_OPTION_ARG_NONE, &opt_force,
	  "Rerun cells that have a result already", NULL },
	{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
	  "Print only errors: no progress line, no summary", NULL },
	{ "check", 0, 0, G_OPTION_ARG_NONE, &opt_check,
	  "Run the invariant checker after every event (slow)", NULL },
	{ NULL }
};

#define SUMMARY \
	"Run a policy-experiment grid: every combination of the grid's traces\n" \
	"and [vary] values is a cell; each cell's global statistics become one\n" \
	"row of DIR/results.csv.  An interrupted sweep loses no finished cell,\n" \
	"and a rerun skips them.  Grid format and recipes: docs/batch.md.\n" \
	"\n" \
	"  vmscope batch GRID [-j N] [-o DIR] [--plot]    run the cells here\n" \
	"  vmscope batch GRID -o DIR --emit parallel|slurm  write jobs instead\n" \
	"  vmscope batch --cell K GRID DIR                run one cell (a job)\n" \
	"  vmscope batch --merge DIR [--plot]             fold the jobs' results\n" \
	"\n" \
	"Exit status: 0 every cell finished (a cell whose process was killed or\n" \
	"that ran out of memory is a result, counted in the summary); 1 bad\n" \
	"usage or grid, a cell failed on bad input (a bad trace), or --merge\n" \
	"found cells without a result or a bad cell file; 2 a cell crashed or\n" \
	"hit an internal error; 128+N interrupted by signal N (Ctrl-C: 130)."

static int status_of(const GError *err)
{
	return err->domain == VM_ERROR && err->code == VM_ERROR_INTERNAL
		? EXIT_INTERNAL : EXIT_USAGE;
}

static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* The directory for @grid when -o is not given: "x.ini" -> "x-results". */
static char *default_dir(const char *grid)
{
	g_autofree char *base = g_path_get_basename(grid);
	if (g_str_has_suffix(base, ".ini"))
		base[strlen(base) - 4] = '\0';
	return g_strdup_printf("%s-results", base);
}

/* This program, for the workers and the emitted jobs. */
static char *self_path(void)
{
	char *p = g_file_read_link("/proc/self/exe", NULL);
	if (p && !g_str_has_suffix(p, " (deleted)"))
		return p;
	g_free(p);
	p = g_find_program_in_path("vmscope");
	return p ? p : g_strdup("vmscope");
}

static char *absolute(const char *path)
{
	return g_canonicalize_filename(path, NULL);
}

/* ---- one cell: the worker's side ------------------------------------------ */

static int run_one_cell(vm_grid_t *g, const char *dir, unsigned k)
{
	GError *err = NULL;
	if (!vm_batch_prepare_dir(g, dir, &err))
		return vm_cli_report(err);
	if (!opt_force) {
		g_autofree char *bad = NULL;
		g_autofree char *row = vm_batch_read_cell(g, dir, k, &bad);
		if (row)
			return EXIT_OK;
		if (bad)
			fprintf(stderr, "vmscope batch: %s; the cell runs again\n", bad);
	}
	g_autofree char *row = vm_batch_run_cell(g, k, opt_check, &err);
	if (row) {
		if (!vm_batch_write_cell(g, dir, k, row, &err))
			return vm_cli_report(err);
		return EXIT_OK;
	}
	int st = status_of(err);
	GError *werr = NULL;
	if (!vm_batch_write_cell_error(g, dir, k, err->message, &werr)) {
		fprintf(stderr, "%s\n", werr->message);
		g_error_free(werr);
	}
	if (!opt_quiet)
		fprintf(stderr, "%s\n", err->message);
	g_error_free(err);
	return st;
}

/* ---- the local sweep ---------------------------------------------------- */

typedef struct {
	vm_grid_t *g;
	const char *dir;
	const char *grid_path;
	char *self;
	unsigned jobs;
	gboolean progress;       /* stderr is a terminal and not -q */
	gboolean log_lines;      /* stderr is not a terminal, and not -q */
	char **rows;             /* per cell: its results.csv row, or NULL */
	char **errors;           /* per cell: why it failed, or NULL */
	double *work;            /* per cell: its trace's size, its weight */
	gint64 *started;         /* per cell: when its worker started */
	GArray *pending;         /* cells to run, in order */
	unsigned next;           /* next in @pending to start */
	unsigned running, finished_now, earlier, failed, interrupted_cells;
	GHashTable *pids;        /* GPid -> cell + 1 */
	int status;
	int interrupted;         /* the signal that stopped the sweep */
	gboolean signalled;      /* the sweep itself got a signal */
	GMainLoop *loop;
	gint64 t0, last_write;
	gboolean dirty;          /* rows changed since results.csv was written */
	size_t progress_len;     /* length of the progress line on screen */
	double done_work;        /* work of the cells ended in this run */
	double done_secs;        /* and the seconds their workers took */
	double **val_work, **val_secs;   /* the same per [vary] axis and value */
	guint sig_src[3], tick_src;
} sweep_t;

typedef struct {
	sweep_t *s;
	unsigned k;
} child_t;

static void clear_progress(sweep_t *s)
{
	if (s->progress_len) {
		fprintf(stderr, "\r%*s\r", (int)s->progress_len, "");
		s->progress_len = 0;
	}
}

static void format_duration(GString *out, double sec)
{
	unsigned long t = (unsigned long)(sec + 0.5);
	if (t >= 3600)
		g_string_append_printf(out, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		g_string_append_printf(out, "%lu:%02lu", t / 60, t % 60);
}

/* The seconds cell @k should take at @rate seconds per unit of work:
 * its weight at that rate, times the slowest factor among its [vary]
 * values that finished cells have shown (reclaim.policy=opt cells took
 * 30 times as long as the others on the same trace: once one has ended,
 * the others are expected to as well). */
static double expected_secs(const sweep_t *s, unsigned k, double rate)
{
	const vm_grid_t *g = s->g;
	unsigned idx[1 + g->axes->len];
	vm_grid_cell_index(g, k, idx);
	double f = 0;
	for (unsigned a = 0; a < g->axes->len; a++) {
		unsigned v = idx[1 + a];
		if (s->val_work[a][v] > 0)
			f = MAX(f, s->val_secs[a][v] / s->val_work[a][v] / rate);
	}
	return s->work[k] * rate * (f > 0 ? f : 1);
}

/*
 * Seconds left, or -1 when nothing has ended yet to measure by.  Cells
 * are weighed by their trace's size, and the seconds per unit of weight
 * are those of the cells that ended in this run (expected_secs).  A
 * running cell already past what it was expected to take is expected to
 * run as long again as it has run so far, which is the best guess with
 * nothing else to go by; so the estimate never reads 0:00 while a cell
 * still runs.
 */
static double time_left(const sweep_t *s)
{
	if (s->done_work <= 0)
		return -1;
	double rate = s->done_secs / s->done_work;
	gint64 now = g_get_monotonic_time();
	double left = 0;
	unsigned to_start = s->pending->len - s->next;
	for (unsigned i = s->next; i < s->pending->len; i++)
		left += expected_secs(s, g_array_index(s->pending, unsigned, i), rate);
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, s->pids);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		unsigned k = GPOINTER_TO_UINT(v) - 1;
		double age = (now - s->started[k]) / 1e6;
		double expect = expected_secs(s, k, rate);
		left += expect > age ? expect - age : age;
	}
	unsigned lanes = MIN(s->jobs, s->running + to_start);
	return lanes ? left / lanes : 0;
}

/* "14/60 done (8 earlier), 2 running, 1 failed, about 0:42 left" */
static void progress_text(sweep_t *s, GString *l)
{
	unsigned done = s->earlier + s->finished_now;
	g_string_append_printf(l, "%u/%u done", done, s->g->nr_cells);
	if (s->earlier)
		g_string_append_printf(l, " (%u earlier)", s->earlier);
	g_string_append_printf(l, ", %u running, %u failed, ", s->running, s->failed);
	double left = time_left(s);
	if (s->running == 0 && s->next >= s->pending->len) {
		g_string_truncate(l, l->len - 2);   /* nothing left */
	} else if (left < 0) {
		g_string_append(l, "time left unknown");
	} else {
		g_string_append(l, "about ");
		format_duration(l, MAX(left, 1));
		g_string_append(l, " left");
	}
}

/* "batch: 14/60 done ..." on one line that redraws itself; padded over
 * the previous one rather than erased with an escape sequence, so that
 * any terminal shows it. */
static void draw_progress(sweep_t *s)
{
	if (!s->progress)
		return;
	GString *l = g_string_new("batch: ");
	progress_text(s, l);
	size_t len = l->len;
	if (len < s->progress_len)
		g_string_append_printf(l, "%*s", (int)(s->progress_len - len), "");
	fprintf(stderr, "\r%s", l->str);
	fflush(stderr);
	s->progress_len = len;
	g_string_free(l, TRUE);
}

/* Off a terminal (a log file, a pipe, make check), a line per finished
 * cell instead: "batch: cell 3 (trace=a.vmt memory=16K) done in 0:02;
 * 4/6 done, ..." */
static void log_cell(sweep_t *s, unsigned k, double secs)
{
	if (!s->log_lines)
		return;
	g_autofree char *label = vm_grid_cell_label(s->g, k);
	GString *l = g_string_new(NULL);
	g_string_append_printf(l, "batch: cell %u (%s) done in ", k, label);
	format_duration(l, secs);
	vm_cell_status_t st;
	if (s->rows[k] && vm_batch_row_status(s->g, s->rows[k], &st) &&
	    !VM_CELL_COMPLETE(&st))
		g_string_append_printf(l, ", ran %u%% of its trace (%s)",
				       (unsigned)(st.ran * 100),
				       st.oom_stop ? "out of memory"
						   : "a process was killed");
	g_string_append(l, "; ");
	progress_text(s, l);
	fprintf(stderr, "%s\n", l->str);
	g_string_free(l, TRUE);
}

static void write_results(sweep_t *s)
{
	GError *err = NULL;
	if (!vm_batch_write_results(s->g, s->dir, s->rows, s->errors, &err)) {
		clear_progress(s);
		s->status = worst(s->status, vm_cli_report(err));
	}
	s->dirty = FALSE;
	s->last_write = g_get_monotonic_time();
}

static void maybe_write_results(sweep_t *s)
{
	/* O(cells) per write: once a second is enough for a sweep of
	 * thousands of cells, and a killed sweep's cell files hold the rest */
	if (s->dirty && g_get_monotonic_time() - s->last_write >= G_USEC_PER_SEC)
		write_results(s);
}

typedef struct {
	pid_t parent;
	const char *log;          /* the worker's stderr goes here */
} setup_t;

/* In the worker, between fork and exec: only async-signal-safe calls. */
static void child_setup(gpointer data)
{
	const setup_t *su = data;
	/* what a crashing cell prints (an assertion, a sanitizer report) is
	 * kept for its error message instead of breaking the progress line */
	int fd = open(su->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
#ifdef __linux__
	/* die with the sweep, even when it is killed with SIGKILL */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != su->parent)
		_exit(EXIT_INTERNAL);
#endif
}

/* The last line a worker wrote on stderr, or NULL. */
static char *last_log_line(const char *log)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(log, &text, NULL, NULL))
		return NULL;
	g_strchomp(text);
	const char *nl = strrchr(text, '\n');
	const char *line = nl ? nl + 1 : text;
	if (!*line)
		return NULL;
	char *l = g_strndup(line, 300);
	g_strdelimit(l, "\r", ' ');
	return l;
}

static void on_child(GPid pid, gint wstatus, gpointer data);

static void start_cells(sweep_t *s)
{
	while (!s->interrupted && s->running < s->jobs && s->next < s->pending->len) {
		unsigned k = g_array_index(s->pending, unsigned, s->next++);
		char kbuf[16];
		g_snprintf(kbuf, sizeof kbuf, "%u", k);
		char *av[12];
		unsigned n = 0;
		av[n++] = s->self;
		av[n++] = "batch";
		av[n++] = "-q";       /* the sweep reports the cell's error itself */
		av[n++] = "--cell";
		av[n++] = kbuf;
		av[n++] = "--out";
		av[n++] = (char *)s->dir;
		if (opt_force)
			av[n++] = "--force";
		if (opt_check)
			av[n++] = "--check";
		av[n++] = (char *)s->grid_path;
		av[n] = NULL;
		g_autofree char *log = vm_batch_cell_path(s->dir, k, "log");
		setup_t su = { .parent = getpid(), .log = log };
		GPid pid;
		GError *err = NULL;
		if (!g_spawn_async(NULL, av, NULL,
				   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
				   child_setup, &su, &pid, &err)) {
			clear_progress(s);
			fprintf(stderr, "vmscope batch: cannot start %s: %s\n", s->self,
				err->message);
			g_error_free(err);
			s->status = worst(s->status, EXIT_INTERNAL);
			s->interrupted = -1;
			break;
		}
		child_t *c = g_new(child_t, 1);
		c->s = s;
		c->k = k;
		s->started[k] = g_get_monotonic_time();
		g_hash_table_insert(s->pids, GINT_TO_POINTER(pid), GUINT_TO_POINTER(k + 1));
		g_child_watch_add(pid, on_child, c);
		s->running++;
	}
	if (s->running == 0)
		g_main_loop_quit(s->loop);
}

static void cell_failed(sweep_t *s, unsigned k, const char *msg, int st)
{
	g_autofree char *label = vm_grid_cell_label(s->g, k);
	clear_progress(s);
	fprintf(stderr, "vmscope batch: cell %u (%s) failed: %s\n", k, label, msg);
	g_free(s->errors[k]);
	s->errors[k] = g_strdup(msg);
	s->failed++;
	s->status = worst(s->status, st);
	s->dirty = TRUE;
}

static void stop_children(sweep_t *s, int sig)
{
	GHashTableIter it;
	gpointer pid;
	g_hash_table_iter_init(&it, s->pids);
	while (g_hash_table_iter_next(&it, &pid, NULL))
		kill((pid_t)GPOINTER_TO_INT(pid), sig);
}

/* Signals that stop a worker without anything being wrong with its cell:
 * Ctrl-C reaches the whole process group, the workers included, maybe
 * before the sweep has seen it. */
static gboolean is_stop_signal(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

static void on_child(GPid pid, gint wstatus, gpointer data)
{
	child_t *c = data;
	sweep_t *s = c->s;
	unsigned k = c->k;
	g_free(c);
	g_hash_table_remove(s->pids, GINT_TO_POINTER(pid));
	g_spawn_close_pid(pid);
	s->running--;
	double secs = (g_get_monotonic_time() - s->started[k]) / 1e6;
	g_autofree char *log = vm_batch_cell_path(s->dir, k, "log");
	gboolean keep_log = FALSE, ended = TRUE;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		char *row = vm_batch_read_cell(s->g, s->dir, k, NULL);
		if (row) {
			s->rows[k] = row;
			g_clear_pointer(&s->errors[k], g_free);
			s->finished_now++;
			s->dirty = TRUE;
		} else {
			const char *msg = "the cell ended well but left no result "
					  "for this grid (was the grid file changed?)";
			vm_batch_write_cell_error(s->g, s->dir, k, msg, NULL);
			cell_failed(s, k, msg, EXIT_INTERNAL);
		}
	} else if (WIFSIGNALED(wstatus) &&
		   (s->interrupted || is_stop_signal(WTERMSIG(wstatus)))) {
		/* interrupted, by us or by Ctrl-C: neither finished nor
		 * failed, and the next run runs it */
		int sig = WTERMSIG(wstatus);
		ended = FALSE;
		s->interrupted_cells++;
		if (!s->interrupted) {
			/* Ctrl-C, seen from the worker's end first (or
			 * someone stopped this worker): the sweep stops too,
			 * and starts no other cell */
			s->interrupted = sig;
			stop_children(s, SIGTERM);
		}
	} else {
		g_autofree char *msg = vm_batch_read_cell_error(s->g, s->dir, k);
		int st = EXIT_INTERNAL;
		if (msg && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == EXIT_USAGE)
			st = EXIT_USAGE;
		if (!msg) {
			/* it died before it could say why: say it for it, with
			 * the last thing it printed */
			g_autofree char *last = last_log_line(log);
			g_autofree char *why = WIFSIGNALED(wstatus)
				? g_strdup_printf("killed by signal %d (%s)",
						  WTERMSIG(wstatus),
						  g_strsignal(WTERMSIG(wstatus)))
				: g_strdup_printf("exited with status %d and no message",
						  WEXITSTATUS(wstatus));
			msg = last ? g_strdup_printf("%s; its last words (all in %s): %s",
						     why, log, last)
				   : g_strdup(why);
			keep_log = last != NULL;
			vm_batch_write_cell_error(s->g, s->dir, k, msg, NULL);
		}
		cell_failed(s, k, msg, st);
	}
	if (!keep_log)
		g_unlink(log);
	if (ended) {
		/* what the estimate of the time left goes by */
		s->done_work += s->work[k];
		s->done_secs += secs;
		unsigned idx[1 + s->g->axes->len];
		vm_grid_cell_index(s->g, k, idx);
		for (unsigned a = 0; a < s->g->axes->len; a++) {
			s->val_work[a][idx[1 + a]] += s->work[k];
			s->val_secs[a][idx[1 + a]] += secs;
		}
	}
	maybe_write_results(s);
	start_cells(s);
	if (ended && s->rows[k])
		log_cell(s, k, secs);
	draw_progress(s);
}

static gboolean on_tick(gpointer data)
{
	sweep_t *s = data;
	maybe_write_results(s);
	draw_progress(s);
	return G_SOURCE_CONTINUE;
}


static gboolean on_signal(gpointer data, int sig)
{
	sweep_t *s = data;
	/* the first signal stops the sweep gently, a second one at once */
	stop_children(s, s->signalled ? SIGKILL : SIGTERM);
	s->signalled = TRUE;
	s->interrupted = sig;
	if (s->running == 0)
		g_main_loop_quit(s->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigint(gpointer d) { return on_signal(d, SIGINT); }
static gboolean on_sigterm(gpointer d) { return on_signal(d, SIGTERM); }
static gboolean on_sighup(gpointer d) { return on_signal(d, SIGHUP); }

/* Is @stem (a file name less its ".XXXXXX") one of the files a sweep
 * writes in DIR (@cells: in DIR/cells)? */
static gboolean is_output(const char *stem, gboolean cells)
{
	static const char *const names[] = {
		"results.csv", "errors.txt", "grid.ini", "jobs.txt", "slurm.sh",
	};
	if (cells)
		return g_str_has_prefix(stem, "cell-") &&
		       (g_str_has_suffix(stem, ".csv") || g_str_has_suffix(stem, ".err"));
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(stem, names[i]) == 0)
			return TRUE;
	return g_str_has_prefix(stem, "plot-");
}

/* Remove the temporary files of writes that a killed process left
 * (traces/outfile.h names them "NAME.XXXXXX"), and the stderr logs of
 * workers that did not fail.  Only the sweep that holds DIR's lock does
 * this, so no live writer can lose its file. */
static void remove_stale_temps(const char *dir)
{
	for (int pass = 0; pass < 2; pass++) {
		g_autofree char *d = pass ? g_build_filename(dir, "cells", NULL)
					  : g_strdup(dir);
		GDir *gd = g_dir_open(d, 0, NULL);
		if (!gd)
			continue;
		const char *n;
		while ((n = g_dir_read_name(gd))) {
			const char *dot = strrchr(n, '.');
			if (!dot || strlen(dot) != 7)
				continue;
			g_autofree char *stem = g_strndup(n, dot - n);
			if (is_output(stem, pass)) {
				g_autofree char *p = g_build_filename(d, n, NULL);
				g_unlink(p);
			}
		}
		g_dir_close(gd);
	}
	/* a worker's stderr is kept only next to its error file */
	g_autofree char *cells = g_build_filename(dir, "cells", NULL);
	GDir *gd = g_dir_open(cells, 0, NULL);
	const char *n;
	while (gd && (n = g_dir_read_name(gd))) {
		if (!g_str_has_prefix(n, "cell-") || !g_str_has_suffix(n, ".log"))
			continue;
		g_autofree char *p = g_build_filename(cells, n, NULL);
		g_autofree char *e = g_strdup(p);
		strcpy(e + strlen(e) - 3, "err");
		if (!g_file_test(e, G_FILE_TEST_EXISTS))
			g_unlink(p);
	}
	if (gd)
		g_dir_close(gd);
}

/* Hold DIR/.lock for the life of this process: two sweeps in one
 * directory would run the same cells twice. */
static gboolean lock_dir(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, ".lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "vmscope batch: %s: %s\n", path, g_strerror(e));
		return FALSE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "vmscope batch: %s is in use by another vmscope "
			"batch (%s is locked)\n", dir, path);
		close(fd);
		return FALSE;
	}
	return TRUE;   /* the descriptor stays open until exit */
}

/* Load the finished cells of DIR into @rows, failed ones into @errors
 * (either may be NULL); returns how many finished, and the unfinished in
 * @pending when given.  A bad cell file (sim/batch.h) is named on stderr:
 * @bad_is_error (--merge) counts it in *@nr_bad, or else the cell runs
 * again. */
static unsigned scan_cells(vm_grid_t *g, const char *dir, char **rows,
			   char **errors, GArray *pending, gboolean bad_is_error,
			   unsigned *nr_bad)
{
	unsigned n = 0;
	for (unsigned k = 0; k < g->nr_cells; k++) {
		g_autofree char *bad = NULL;
		char *row = opt_force ? NULL : vm_batch_read_cell(g, dir, k, &bad);
		if (bad) {
			fprintf(stderr, "vmscope batch: %s%s\n", bad, bad_is_error ? ""
				: "; the cell runs again");
			if (nr_bad)
				(*nr_bad)++;
		}
		if (row)
			n++;
		else if (errors && !bad)
			errors[k] = vm_batch_read_cell_error(g, dir, k);
		if (rows)
			rows[k] = row;
		else
			g_free(row);
		if (!row && pending)
			g_array_append_val(pending, k);
	}
	return n;
}

static int plot(vm_grid_t *g, const char *dir, char **rows);

/* " (2 incomplete: 1 with a process killed, 1 out of memory)" after the
 * count of finished cells, when some ran only part of their trace. */
static void append_incomplete(GString *o, const vm_grid_t *g, char **rows)
{
	unsigned killed = 0, oom = 0, incomplete = 0;
	for (unsigned k = 0; k < g->nr_cells; k++) {
		vm_cell_status_t st;
		if (!rows[k] || !vm_batch_row_status(g, rows[k], &st) ||
		    VM_CELL_COMPLETE(&st))
			continue;
		incomplete++;
		killed += st.killed > 0;
		oom += st.oom_stop;
	}
	if (!incomplete)
		return;
	g_string_append_printf(o, " (%u incomplete:", incomplete);
	if (killed)
		g_string_append_printf(o, " %u with a process killed%s", killed,
				       oom ? "," : "");
	if (oom)
		g_string_append_printf(o, " %u stopped out of memory", oom);
	g_string_append_c(o, ')');
}

static int sweep(vm_grid_t *g, const char *grid_path, const char *dir)
{
	GError *err = NULL;
	if (!vm_batch_prepare_dir(g, dir, &err))
		return vm_cli_report(err);
	if (!lock_dir(dir))
		return EXIT_USAGE;
	remove_stale_temps(dir);

	sweep_t s = {
		.g = g, .dir = dir, .grid_path = grid_path, .self = self_path(),
		.jobs = opt_jobs > 0 ? (unsigned)opt_jobs : g_get_num_processors(),
		.progress = !opt_quiet && isatty(STDERR_FILENO),
		.log_lines = !opt_quiet && !isatty(STDERR_FILENO),
		.rows = g_new0(char *, g->nr_cells),
		.errors = g_new0(char *, g->nr_cells),
		.work = g_new0(double, g->nr_cells),
		.started = g_new0(gint64, g->nr_cells),
		.pending = g_array_new(FALSE, FALSE, sizeof(unsigned)),
		.pids = g_hash_table_new(NULL, NULL),
		.loop = g_main_loop_new(NULL, FALSE),
		.t0 = g_get_monotonic_time(),
	};
	/* earlier failures are retried: forget them until they fail again */
	s.earlier = scan_cells(g, dir, s.rows, NULL, s.pending, FALSE, NULL);
	/* a cell weighs what its trace file does (a page's worth at least) */
	double *trace_size = g_new0(double, g->nr_traces);
	for (unsigned t = 0; t < g->nr_traces; t++) {
		unsigned k = t * (g->nr_cells / g->nr_traces);
		g_autofree char *path = vm_grid_cell_trace(g, k);
		GStatBuf sb;
		trace_size[t] = g_stat(path, &sb) == 0 ? MAX((double)sb.st_size, 4096.0)
						       : 4096.0;
	}
	for (unsigned k = 0; k < g->nr_cells; k++)
		s.work[k] = trace_size[k / (g->nr_cells / g->nr_traces)];
	g_free(trace_size);
	s.val_work = g_new0(double *, g->axes->len + 1);
	s.val_secs = g_new0(double *, g->axes->len + 1);
	for (unsigned a = 0; a < g->axes->len; a++) {
		unsigned nv = g_array_index(g->axes, vm_grid_axis_t, a).nr;
		s.val_work[a] = g_new0(double, nv);
		s.val_secs[a] = g_new0(double, nv);
	}
	if (s.pending->len) {
		s.sig_src[0] = g_unix_signal_add(SIGINT, on_sigint, &s);
		s.sig_src[1] = g_unix_signal_add(SIGTERM, on_sigterm, &s);
		s.sig_src[2] = g_unix_signal_add(SIGHUP, on_sighup, &s);
		s.tick_src = g_timeout_add(250, on_tick, &s);
		draw_progress(&s);
		start_cells(&s);
		if (s.running)
			g_main_loop_run(s.loop);
		for (unsigned i = 0; i < 3; i++)
			g_source_remove(s.sig_src[i]);
		g_source_remove(s.tick_src);
	}
	write_results(&s);
	clear_progress(&s);

	double el = (g_get_monotonic_time() - s.t0) / 1e6;
	unsigned done = s.earlier + s.finished_now;
	if (!opt_quiet) {
		GString *o = g_string_new(NULL);
		g_string_append_printf(o, "vmscope batch: %s: %u cells, %u finished "
				       "(%u now, %u from an earlier run)",
				       grid_path, g->nr_cells, done, s.finished_now,
				       s.earlier);
		append_incomplete(o, g, s.rows);
		g_string_append_printf(o, ", %u failed, ", s.failed);
		if (s.interrupted_cells)
			g_string_append_printf(o, "%u interrupted, ", s.interrupted_cells);
		g_string_append(o, "in ");
		format_duration(o, el);
		g_autofree char *res = g_build_filename(dir, "results.csv", NULL);
		g_string_append_printf(o, "\nresults: %s\n", res);
		fputs(o->str, stdout);
		g_string_free(o, TRUE);
	}
	if (s.failed) {
		g_autofree char *ep = g_build_filename(dir, "errors.txt", NULL);
		fprintf(stderr, "vmscope batch: %u of %u cells failed (listed in %s); "
			"a rerun retries them\n", s.failed, g->nr_cells, ep);
	}
	int status = s.status;
	if (s.interrupted > 0) {
		fflush(stdout);
		fprintf(stderr, "vmscope batch: interrupted; %u of %u cells finished, "
			"a rerun runs the rest\n", done, g->nr_cells);
		status = 128 + s.interrupted;
	} else if (opt_plot) {
		status = worst(status, plot(g, dir, s.rows));
	}

	for (unsigned k = 0; k < g->nr_cells; k++) {
		g_free(s.rows[k]);
		g_free(s.errors[k]);
	}
	g_free(s.rows);
	g_free(s.errors);
	g_free(s.work);
	g_free(s.started);
	for (unsigned a = 0; a < g->axes->len; a++) {
		g_free(s.val_work[a]);
		g_free(s.val_secs[a]);
	}
	g_free(s.val_work);
	g_free(s.val_secs);
	g_array_free(s.pending, TRUE);
	g_hash_table_destroy(s.pids);
	g_main_loop_unref(s.loop);
	g_free(s.self);
	return status;
}

/* ---- --merge ------------------------------------------------------------- */

static int merge(const char *dir)
{
	GError *err = NULL;
	g_autofree char *copy = g_build_filename(dir, "grid.ini", NULL);
	if (!g_file_test(copy, G_FILE_TEST_EXISTS))
		return vm_cli_usage_error("batch", "%s: no grid.ini: not a batch output "
				       "directory (made by 'vmscope batch' or --emit)", dir);
	vm_grid_t *g = vm_grid_load(copy, FALSE, &err);
	if (!g)
		return vm_cli_report(err);
	char **rows = g_new0(char *, g->nr_cells);
	char **errors = g_new0(char *, g->nr_cells);
	gboolean force = opt_force;
	opt_force = FALSE;
	unsigned nr_bad = 0;
	unsigned done = scan_cells(g, dir, rows, errors, NULL, TRUE, &nr_bad);
	opt_force = force;
	unsigned failed = 0;
	for (unsigned k = 0; k < g->nr_cells; k++)
		failed += errors[k] != NULL;
	unsigned missing = g->nr_cells - done - failed - nr_bad;
	int status = EXIT_OK;
	if (!vm_batch_write_results(g, dir, rows, errors, &err))
		status = vm_cli_report(err);
	if (!opt_quiet && status == EXIT_OK) {
		g_autofree char *res = g_build_filename(dir, "results.csv", NULL);
		GString *o = g_string_new(NULL);
		g_string_append_printf(o, "vmscope batch: merged %s: %u cells, %u "
				       "finished", dir, g->nr_cells, done);
		append_incomplete(o, g, rows);
		g_string_append_printf(o, ", %u failed, ", failed);
		if (nr_bad)
			g_string_append_printf(o, "%u bad, ", nr_bad);
		g_string_append_printf(o, "%u not run\nresults: %s\n", missing, res);
		fputs(o->str, stdout);
		g_string_free(o, TRUE);
	}
	if (failed || missing || nr_bad) {
		g_autofree char *ep = g_build_filename(dir, "errors.txt", NULL);
		fflush(stdout);
		fprintf(stderr, "vmscope batch: %s: %u of %u cells have no result "
			"(%u failed%s%s, ", dir, failed + missing + nr_bad,
			g->nr_cells, failed, failed ? ", see " : "", failed ? ep : "");
		if (nr_bad)
			fprintf(stderr, "%u with a bad cell file, named above; "
				"'vmscope batch GRID -o %s' reruns them, ", nr_bad, dir);
		fprintf(stderr, "%u not run)\n", missing);
		status = worst(status, EXIT_USAGE);
	}
	if (opt_plot && status != EXIT_INTERNAL)
		status = worst(status, plot(g, dir, rows));
	for (unsigned k = 0; k < g->nr_cells; k++) {
		g_free(rows[k]);
		g_free(errors[k]);
	}
	g_free(rows);
	g_free(errors);
	vm_grid_free(g);
	return status;
}

/* ---- --plot ------------------------------------------------------------ */

/* A string as a gnuplot single-quoted string ('' is a quote inside). */
static void gp_str(GString *out, const char *s)
{
	g_string_append_c(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			g_string_append_c(out, '\'');
		if (*s != '\n' && *s != '\r')
			g_string_append_c(out, *s);
	}
	g_string_append_c(out, '\'');
}

/* What the axis of a statistic reads, in words (docs/statistics.md says
 * the same at more length); a name not listed reads as itself. */
static const struct {
	const char *name, *words;
} stat_words[] = {
	{ "accesses", "page accesses" }, { "loads", "loads" },
	{ "stores", "stores" }, { "fetches", "instruction fetches" },
	{ "tlb_l1_hits", "L1 TLB hits" }, { "tlb_l1_misses", "L1 TLB misses" },
	{ "tlb_l2_hits", "L2 TLB hits" }, { "tlb_l2_misses", "L2 TLB misses" },
	{ "tlb_flushes", "TLB flushes" }, { "walks", "page-table walks" },
	{ "walk_refs", "page-table walk references" },
	{ "pt_pages", "page-table pages" }, { "pt_pages_peak", "page-table pages at the peak" },
	{ "minflt", "minor faults" }, { "majflt", "major faults" },
	{ "pgfault", "page faults" }, { "cow_faults", "copy-on-write faults" },
	{ "zero_maps", "zero-page maps" }, { "fault_around_maps", "fault-around maps" },
	{ "sigsegv", "SIGSEGVs" }, { "sigbus", "SIGBUSes" },
	{ "readahead_pages", "pages read ahead" }, { "readahead_hits", "readahead hits" },
	{ "disk_reads", "disk reads" }, { "disk_writes", "disk writes" },
	{ "pages_in", "pages read from disk" }, { "pages_out", "pages written to disk" },
	{ "disk_busy_ns", "disk busy time" }, { "pswpin", "pages swapped in" },
	{ "pswpout", "pages swapped out" }, { "pgscan", "pages scanned by reclaim" },
	{ "pgsteal", "pages reclaimed" }, { "kswapd_wakeups", "kswapd wake-ups" },
	{ "direct_reclaims", "direct reclaims" }, { "oom_kills", "OOM kills" },
	{ "lost_pages", "pages lost in crashes" }, { "syscalls", "system calls" },
	{ "copied_bytes", "bytes copied by read and write" },
	{ "context_switches", "context switches" }, { "free_pages", "free pages at the end" },
	{ "file_pages", "file pages at the end" }, { "dirty_pages", "dirty pages at the end" },
	{ "anon_pages", "anonymous pages at the end" }, { "swap_pages", "swap pages at the end" },
	{ "peak_used_pages", "pages in use at the peak" }, { "sim_time_ns", "simulated time" },
	{ "expect_passed", "expectations passed" }, { "expect_failed", "expectations failed" },
	{ "torn_pages", "torn pages" }, { "flusher_runs", "flusher runs" },
	{ "dirty_throttles", "dirty throttles" }, { "swap_ra", "pages of swap readahead" },
	{ "swap_ra_hits", "swap readahead hits" }, { "swapcache_hits", "swap cache hits" },
};

/* The y axis of @metric ("NAME" or "NAME/access") whose largest value is
 * @ymax: its label with the unit, and the factor that turns the values
 * into that unit (times in ns become us, ms or s; bytes MiB). */
static char *metric_label(const char *metric, double ymax, double *scale)
{
	const char *slash = strchr(metric, '/');
	g_autofree char *name = slash ? g_strndup(metric, slash - metric) : g_strdup(metric);
	const char *words = name;
	for (unsigned i = 0; i < G_N_ELEMENTS(stat_words); i++)
		if (strcmp(stat_words[i].name, name) == 0)
			words = stat_words[i].words;
	const char *unit = NULL;
	*scale = 1;
	if (g_str_has_suffix(name, "_ns")) {
		static const struct { double f; const char *u; } t[] = {
			{ 1e-9, "s" }, { 1e-6, "ms" }, { 1e-3, "us" }, { 1, "ns" },
		};
		for (unsigned i = 0; i < G_N_ELEMENTS(t); i++)
			if (ymax * t[i].f >= 1 || i + 1 == G_N_ELEMENTS(t)) {
				*scale = t[i].f;
				unit = t[i].u;
				break;
			}
	} else if (g_str_has_suffix(name, "_bytes")) {
		if (ymax >= 1 << 20) {
			*scale = 1.0 / (1 << 20);
			unit = "MiB";
		} else {
			unit = "bytes";
		}
	}
	GString *l = g_string_new(words);
	/* sentence case: the first letter up, unless it is an acronym */
	if (g_ascii_islower(l->str[0]))
		l->str[0] = g_ascii_toupper(l->str[0]);
	if (slash)
		g_string_append(l, " per access");
	if (unit)
		g_string_append_printf(l, " (%s)", unit);
	return g_string_free(l, FALSE);
}

/* The file name part of a metric: "majflt", "majflt-per-access". */
static char *metric_file_name(const char *metric)
{
	char *n = g_strdup(metric);
	char *slash = strchr(n, '/');
	if (slash) {
		*slash = '\0';
		char *r = g_strdup_printf("%s-per-access", n);
		g_free(n);
		n = r;
	}
	return n;
}

/*
 * The plot: the metric (y) against the first varied key (x; the trace
 * when nothing varies), one line per combination of the other dimensions.
 * A numeric key (memory) is placed by its value, on a log scale when its
 * values span more than a factor of 10, and labelled as the grid writes
 * it (16M); a word (reclaim.policy), and numbers with a 0 among others
 * that span more than 10x (readahead.max=0;16K;...;2M: no log scale has a
 * 0), are placed by their rank.  The y axis is logarithmic when the
 * values span more than 10x too.  Cells that ran only part of their
 * trace are circled in red: their numbers are not comparable.  The frame
 * sits at the same place on every plot, whatever the key and the labels,
 * so that plots of one paper line up.
 * Data in DIR/plot-METRIC.dat, one gnuplot data block per line; the script
 * DIR/plot-METRIC.gp draws the images and can be rerun by hand.
 */
static gboolean write_plot_files(vm_grid_t *g, const char *dir, char **rows,
				 const char *metric, char **script_name,
				 GError **error)
{
	unsigned nd = 1 + g->axes->len;
	unsigned xd = g->axes->len ? 1 : 0;        /* the x dimension */
	unsigned nr[nd];
	const char *dname[nd];
	nr[0] = g->nr_traces;
	dname[0] = "trace";
	for (unsigned a = 0; a < g->axes->len; a++) {
		vm_grid_axis_t *ax = &g_array_index(g->axes, vm_grid_axis_t, a);
		nr[1 + a] = ax->nr;
		dname[1 + a] = ax->key;
	}
	/* x positions */
	double xpos[nr[xd]];
	const char *const *xlabel = xd ? (const char *const *)
		g_array_index(g->axes, vm_grid_axis_t, 0).values
		: (const char *const *)g->traces;
	int key = xd ? vm_config_key_lookup(dname[xd]) : -1;
	gboolean numeric = key >= 0 && vm_config_key_is_number((unsigned)key) &&
			   !vm_config_key_is_bool((unsigned)key);
	double lo = 0, hi = 0, lo_pos = 0;
	for (unsigned i = 0; numeric && i < nr[xd]; i++) {
		vm_config_t c;
		vm_config_default(&c);
		numeric = vm_config_set(&c, dname[xd], xlabel[i], NULL);
		xpos[i] = (double)vm_config_number_value(&c, (unsigned)key);
		lo = i ? MIN(lo, xpos[i]) : xpos[i];
		hi = i ? MAX(hi, xpos[i]) : xpos[i];
		if (xpos[i] > 0)
			lo_pos = lo_pos > 0 ? MIN(lo_pos, xpos[i]) : xpos[i];
	}
	gboolean xlog = numeric && lo > 0 && hi / lo > 10;
	if (!numeric || (lo <= 0 && lo_pos > 0 && hi / lo_pos > 10) || lo < 0)
		for (unsigned i = 0; i < nr[xd]; i++)
			xpos[i] = i;
	unsigned nr_series = g->nr_cells / nr[xd];
	unsigned *series_cell = g_new0(unsigned, nr_series);
	double *val = g_new0(double, g->nr_cells);
	gboolean *valid = g_new0(gboolean, g->nr_cells);
	unsigned idx[nd];
	double ymax = 0, ymin_pos = 0;
	gboolean any_incomplete = FALSE, any_zero = FALSE;
	for (unsigned k = 0; k < g->nr_cells; k++) {
		if (!rows[k] || !vm_batch_row_metric(rows[k], metric, &val[k]))
			continue;
		valid[k] = TRUE;
		ymax = MAX(ymax, val[k]);
		if (val[k] > 0)
			ymin_pos = ymin_pos > 0 ? MIN(ymin_pos, val[k]) : val[k];
		else
			any_zero = TRUE;
	}
	double scale;
	g_autofree char *ylabel_made = metric_label(metric, ymax, &scale);
	gboolean ylog = !any_zero && ymin_pos > 0 && ymax / ymin_pos > 10;

	GString **data = g_new0(GString *, nr_series);
	for (unsigned k = 0; k < g->nr_cells; k++) {
		if (!valid[k])
			continue;
		vm_grid_cell_index(g, k, idx);
		unsigned sid = 0;
		for (unsigned d = 0; d < nd; d++)
			if (d != xd)
				sid = sid * nr[d] + idx[d];
		vm_cell_status_t st;
		gboolean complete = !vm_batch_row_status(g, rows[k], &st) ||
				    VM_CELL_COMPLETE(&st);
		any_incomplete |= !complete;
		if (!data[sid]) {
			data[sid] = g_string_new(NULL);
			series_cell[sid] = k;
		}
		g_string_append_printf(data[sid], "%.17g\t%.17g\t%s\t%d\n", xpos[idx[xd]],
				       val[k] * scale, xlabel[idx[xd]], complete);
	}

	g_autofree char *mfile = metric_file_name(metric);
	g_autofree char *base = g_strdup_printf("plot-%s", mfile);
	g_autofree char *dat_name = g_strdup_printf("%s.dat", base);
	GString *dat = g_string_new(NULL);
	GString *gp = g_string_new(NULL);
	/* the dimensions that tell the lines apart */
	unsigned nr_varying = 0;
	for (unsigned d = 0; d < nd; d++)
		nr_varying += d != xd && nr[d] > 1;
	/* [plot]'s title and y label are about the grid's own metric; the
	 * x label holds for any */
	gboolean own = !g->plot || strcmp(metric, g->plot) == 0;
	const char *xl = g->plot_xlabel ? g->plot_xlabel : dname[xd];
	const char *yl = own && g->plot_ylabel ? g->plot_ylabel : ylabel_made;
	g_autofree char *title_made = g_strdup_printf("%s against %s", ylabel_made,
						      dname[xd]);
	/* the unit in parentheses is the axis's business, not the title's */
	char *paren = strstr(title_made, " (");
	if (paren && strchr(paren, ')') && g_str_has_suffix(ylabel_made, ")")) {
		const char *rest = strchr(paren, ')') + 1;
		memmove(paren, rest, strlen(rest) + 1);
	}
	const char *title = own && g->plot_title ? g->plot_title : title_made;
	g_string_append_printf(gp,
		"# vmscope batch: %s against %s, from the grid %s.\n"
		"# Redraw with:  cd DIR && gnuplot %s.gp\n"
		"# Data: %s, one block per line: x, %s (in the y axis's unit), x as\n"
		"# the grid writes it, 1 if the cell ran its whole trace (else 0).\n"
		"if (!exists(\"out_png\")) out_png = '%s.png'\n"
		"if (!exists(\"out_svg\")) out_svg = '%s.svg'\n"
		"if (!exists(\"out_pdf\")) out_pdf = '%s.pdf'\n"
		"set datafile separator \"\\t\"\n"
		"set title ", metric, dname[xd], g->name, base, dat_name, metric,
		base, base, base);
	gp_str(gp, title);
	g_string_append(gp, "\nset xlabel ");
	gp_str(gp, xl);
	g_string_append(gp, "\nset ylabel ");
	gp_str(gp, yl);
	/* the key just right of the frame, its top at the frame's */
	g_string_append(gp, "\nset key at screen 0.70, screen 0.90 left top "
			"Left reverse");
	/* the key's title names the dimensions, the lines their values */
	if (nr_varying) {
		GString *kt = g_string_new(NULL);
		for (unsigned d = 0; d < nd; d++)
			if (d != xd && nr[d] > 1)
				g_string_append_printf(kt, "%s%s", kt->len ? ", " : "",
						       dname[d]);
		g_string_append(gp, " title ");
		gp_str(gp, kt->str);
		g_string_free(kt, TRUE);
	}
	/* the frame at the same place on every plot: the key and the tick
	 * labels do not move it */
	g_string_append(gp, "\nset lmargin at screen 0.10\n"
			"set rmargin at screen 0.68\n"
			"set tmargin at screen 0.90\n"
			"set bmargin at screen 0.14\n"
			"set grid\n");
	if (xlog)
		g_string_append(gp, "set logscale x\n");
	/* a log axis spans the data, not whole decades around it, with
	 * ticks at 1, 2 and 5 times the powers of ten in it */
	if (ylog) {
		g_string_append(gp, "set logscale y\nset autoscale yfix\nset ytics (");
		double lo_y = ymin_pos * scale, hi_y = ymax * scale;
		unsigned nt = 0;
		for (double p10 = pow(10, floor(log10(lo_y))); p10 <= hi_y; p10 *= 10)
			for (unsigned m = 0; m < 3; m++) {
				double t = p10 * (m == 0 ? 1 : m == 1 ? 2 : 5);
				if (t >= lo_y * 0.9 && t <= hi_y * 1.1)
					g_string_append_printf(gp, "%s%.17g", nt++ ? ", " : "", t);
			}
		g_string_append(gp, ")\n");
	} else {
		g_string_append(gp, "set yrange [0:*]\n");
	}
	/* 450k rather than 4.5e+05 */
	if (ymax * scale >= 1e5)
		g_string_append(gp, "set format y '%.0s%c'\n");
	g_string_append_printf(gp, "set offsets %s, graph %s\n",
			       xlog ? "0, 0" : "graph 0.05, graph 0.05",
			       ylog ? "0.05, graph 0.05" : "0.05, 0");
	g_string_append(gp, "set style data linespoints\n");
	/* the plot command, drawn on three terminals */
	GString *cmd = g_string_new("plot ");
	unsigned block = 0;
	for (unsigned sid = 0; sid < nr_series; sid++) {
		if (!data[sid])
			continue;
		if (block)
			g_string_append(dat, "\n\n");
		g_string_append(dat, data[sid]->str);
		/* the title: the values of the dimensions that take more than
		 * one, named in the key's title */
		vm_grid_cell_index(g, series_cell[sid], idx);
		GString *t = g_string_new(NULL);
		for (unsigned d = 0; d < nd; d++) {
			if (d == xd || nr[d] < 2)
				continue;
			const char *v = d ? g_array_index(g->axes, vm_grid_axis_t,
							  d - 1).values[idx[d]]
					  : g->traces[idx[d]];
			g_string_append_printf(t, "%s%s", t->len ? ", " : "", v);
		}
		if (!t->len)
			g_string_append(t, metric);
		g_string_append_printf(cmd, "%s'%s' index %u using 1:2:xtic(3) "
				       "linewidth 1.5 pointsize 1.2 title ", block ? ", \\\n     " : "",
				       dat_name, block);
		gp_str(cmd, t->str);
		g_string_free(t, TRUE);
		block++;
	}
	if (any_incomplete)
		g_string_append_printf(cmd, ", \\\n     '%s' using 1:($4 == 0 ? $2 : 1/0) "
				       "with points pointtype 6 pointsize 2.6 "
				       "linewidth 2 linecolor rgb '#d62728' "
				       "title 'ran only part of its trace'", dat_name);
	g_string_append_printf(gp,
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"\tset terminal pngcairo size 960,540 font 'sans,11' noenhanced\n"
		"} else {\n"
		"\tset terminal png size 960,540 noenhanced\n"
		"}\n"
		"set output out_png\n"
		"%s\n"
		"set terminal svg size 960,540 font 'sans,11' noenhanced\n"
		"set output out_svg\n"
		"replot\n"
		"if (strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0) {\n"
		"\tset terminal pdfcairo size 16cm,9cm font 'sans,9' noenhanced\n"
		"\tset output out_pdf\n"
		"\treplot\n"
		"}\n"
		"unset output\n", cmd->str);
	g_string_free(cmd, TRUE);
	for (unsigned sid = 0; sid < nr_series; sid++)
		if (data[sid])
			g_string_free(data[sid], TRUE);
	g_free(data);
	g_free(series_cell);
	g_free(val);
	g_free(valid);

	gboolean ok = TRUE;
	if (!block) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "no finished cell to plot");
		ok = FALSE;
	}
	g_autofree char *dat_path = g_build_filename(dir, dat_name, NULL);
	*script_name = g_strdup_printf("%s.gp", base);
	g_autofree char *gp_path = g_build_filename(dir, *script_name, NULL);
	if (ok)
		ok = vm_batch_write_file(dat_path, dat->str, 0, error) &&
		     vm_batch_write_file(gp_path, gp->str, 0, error);
	g_string_free(dat, TRUE);
	g_string_free(gp, TRUE);
	return ok;
}

static int plot(vm_grid_t *g, const char *dir, char **rows)
{
	const char *metric = opt_metric ? opt_metric : g->plot ? g->plot : "majflt";
	GError *err = NULL;
	g_autofree char *script = NULL;
	if (!write_plot_files(g, dir, rows, metric, &script, &err)) {
		fprintf(stderr, "vmscope batch: cannot plot: %s\n", err->message);
		g_error_free(err);
		return EXIT_USAGE;
	}
	g_autofree char *gnuplot = g_find_program_in_path("gnuplot");
	if (!gnuplot) {
		fprintf(stderr, "vmscope batch: cannot plot: gnuplot is not installed; "
			"%s/%s draws the plot where it is\n", dir, script);
		return EXIT_USAGE;
	}
	/* gnuplot draws into the output files' temporary names (or in place,
	 * for a device), which are renamed once it succeeded: the images go
	 * through the one output-file writer too (traces/outfile.h) */
	static const char *const exts[] = { "png", "svg", "pdf" };
	g_autofree char *mfile = metric_file_name(metric);
	vm_outfile_t *out[G_N_ELEMENTS(exts)] = { NULL };
	char *path[G_N_ELEMENTS(exts)] = { NULL };
	GString *vars = g_string_new(NULL);
	int status = EXIT_OK;
	for (unsigned i = 0; i < G_N_ELEMENTS(exts); i++) {
		g_autofree char *name = g_strdup_printf("plot-%s.%s", mfile, exts[i]);
		path[i] = g_build_filename(dir, name, NULL);
		out[i] = vm_outfile_open(path[i], 0, &err);
		if (!out[i]) {
			fprintf(stderr, "vmscope batch: cannot plot: %s\n", err->message);
			g_clear_error(&err);
			status = EXIT_USAGE;
			break;
		}
		g_autofree char *w = g_canonicalize_filename(vm_outfile_write_path(out[i]),
							     NULL);
		g_string_append_printf(vars, "out_%s=", exts[i]);
		gp_str(vars, w);
		g_string_append(vars, "; ");
	}
	g_autofree char *out_text = NULL, *errs = NULL;
	if (status == EXIT_OK) {
		char *argv[] = { gnuplot, "-e", vars->str, script, NULL };
		int wst;
		if (!g_spawn_sync(dir, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
				  &out_text, &errs, &wst, &err) ||
		    !g_spawn_check_wait_status(wst, &err)) {
			fprintf(stderr, "vmscope batch: gnuplot failed: %s\n%s",
				err->message, errs ? errs : "");
			g_clear_error(&err);
			status = EXIT_INTERNAL;
		}
	}
	GString *made = g_string_new(NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(exts); i++) {
		if (!out[i])
			continue;
		GStatBuf sb;
		const char *w = vm_outfile_write_path(out[i]);
		gboolean drawn = status == EXIT_OK && w && g_stat(w, &sb) == 0 &&
				 (sb.st_size > 0 || !S_ISREG(sb.st_mode));
		if (!drawn) {
			if (status == EXIT_OK) {
				fprintf(stderr, "vmscope batch: gnuplot did not draw %s%s\n%s",
					path[i], i == 2 ? " (it has no pdfcairo terminal)" : "",
					errs ? errs : "");
				status = EXIT_INTERNAL;
			}
			vm_outfile_abort(out[i]);
			continue;
		}
		if (!vm_outfile_commit(out[i], &err)) {
			fprintf(stderr, "vmscope batch: %s\n", err->message);
			g_clear_error(&err);
			status = worst(status, EXIT_USAGE);
			continue;
		}
		g_string_append_printf(made, "%s%s", made->len ? ", " : "", path[i]);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(exts); i++)
		g_free(path[i]);
	g_string_free(vars, TRUE);
	if (!opt_quiet && made->len) {
		g_autofree char *gp = g_build_filename(dir, script, NULL);
		printf("plot: %s (script %s)\n", made->str, gp);
	}
	g_string_free(made, TRUE);
	return status;
}

/* ---- --emit --------------------------------------------------------------- */

/* "0-3,5,7-9" for Slurm's --array. */
static char *array_spec(GArray *cells)
{
	GString *s = g_string_new(NULL);
	for (unsigned i = 0; i < cells->len;) {
		unsigned a = g_array_index(cells, unsigned, i), j = i;
		while (j + 1 < cells->len &&
		       g_array_index(cells, unsigned, j + 1) == g_array_index(cells, unsigned, j) + 1)
			j++;
		unsigned b = g_array_index(cells, unsigned, j);
		g_string_append_printf(s, "%s%u", s->len ? "," : "", a);
		if (b > a)
			g_string_append_printf(s, "-%u", b);
		i = j + 1;
	}
	return g_string_free(s, FALSE);
}

/* Does @s hold a byte that no quoting carries safely through a job line:
 * a newline ends GNU parallel's job and a shell command, a carriage
 * return or other control byte garbles what the user reads? */
static gboolean has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return TRUE;
	return FALSE;
}

/* Only characters that neither a shell, nor sbatch's #SBATCH parser
 * (quotes, backslashes, '#' comments), nor its filename patterns ('%')
 * treat specially. */
static gboolean is_plain(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789/._+-") == strlen(s);
}

/*
 * Write the jobs.  Every path in the emitted shell is absolute and
 * single-quoted (g_shell_quote: '...' with '\'' for a quote), so spaces,
 * quotes, $(...), backticks and globs in a name stay part of the name;
 * names with a newline or another control character, which one job line
 * cannot hold, are refused before anything is written.  --command is
 * shell by design (e.g. "srun vmscope") and is written as given, but it
 * too must be one line.
 */
static int emit(vm_grid_t *g, const char *grid_path, const char *dir)
{
	gboolean slurm;
	if (strcmp(opt_emit, "parallel") == 0)
		slurm = FALSE;
	else if (strcmp(opt_emit, "slurm") == 0)
		slurm = TRUE;
	else
		return vm_cli_usage_error("batch", "unknown --emit '%s' (parallel or slurm)",
				       opt_emit);
	/* the jobs may run anywhere: every path absolute */
	g_autofree char *self = opt_command ? g_strdup(opt_command) : self_path();
	g_autofree char *adir = absolute(dir);
	g_autofree char *agrid = absolute(grid_path);
	const char *const checked[][2] = {
		{ "the output directory", adir }, { "the grid file", agrid },
		{ opt_command ? "--command" : "this program's path", self },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(checked); i++)
		if (has_control(checked[i][1])) {
			g_autofree char *shown = g_strescape(checked[i][1], NULL);
			return vm_cli_usage_error("batch", "--emit: %s \"%s\" has a "
						  "newline or another control character, "
						  "which a job line cannot hold: rename it",
						  checked[i][0], shown);
		}
	GError *err = NULL;
	if (!vm_batch_prepare_dir(g, dir, &err))
		return vm_cli_report(err);
	GArray *pending = g_array_new(FALSE, FALSE, sizeof(unsigned));
	scan_cells(g, dir, NULL, NULL, pending, FALSE, NULL);
	g_autofree char *qself = opt_command ? g_strdup(opt_command) : g_shell_quote(self);
	g_autofree char *qdir = g_shell_quote(adir);
	g_autofree char *qgrid = g_shell_quote(agrid);
	const char *extra = opt_check ? " --check" : "";
	const char *force = opt_force ? " --force" : "";
	int status = EXIT_OK;
	if (!slurm) {
		GString *jobs = g_string_new(NULL);
		for (unsigned i = 0; i < pending->len; i++)
			g_string_append_printf(jobs, "%s batch --cell %u --out %s%s%s %s\n",
					       qself, g_array_index(pending, unsigned, i),
					       qdir, extra, force, qgrid);
		g_autofree char *path = g_build_filename(dir, "jobs.txt", NULL);
		g_autofree char *log = g_build_filename(adir, "parallel.log", NULL);
		g_autofree char *apath = g_build_filename(adir, "jobs.txt", NULL);
		g_autofree char *qpath = g_shell_quote(apath);
		g_autofree char *qlog = g_shell_quote(log);
		if (!vm_batch_write_file(path, jobs->str, 0, &err)) {
			status = vm_cli_report(err);
		} else if (!opt_quiet) {
			printf("vmscope batch: wrote %s: %u jobs, one per cell without a "
			       "result (of %u)\n"
			       "Run the jobs here and on other hosts over ssh (the same "
			       "paths on every host, e.g. a\nshared file system; ':' is "
			       "this machine):\n"
			       "  parallel --will-cite --sshlogin :,HOST1,HOST2 --joblog %s "
			       "< %s\n"
			       "then fold their results into %s/results.csv:\n"
			       "  %s batch --merge %s\n",
			       path, pending->len, g->nr_cells, qlog, qpath, adir,
			       qself, qdir);
		}
		g_string_free(jobs, TRUE);
	} else if (pending->len == 0) {
		if (!opt_quiet)
			printf("vmscope batch: every cell of %s has a result: no job to "
			       "submit; '%s batch --merge %s' writes results.csv\n",
			       grid_path, qself, qdir);
	} else {
		g_autofree char *logs = g_build_filename(adir, "logs", NULL);
		g_mkdir_with_parents(logs, 0755);
		g_autofree char *spec = array_spec(pending);
		/* the job's name is for squeue: the grid's name, tamed */
		g_autofree char *name = g_path_get_basename(grid_path);
		if (g_str_has_suffix(name, ".ini"))
			name[strlen(name) - 4] = '\0';
		g_strcanon(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789._-", '_');
		GString *sh = g_string_new(NULL);
		g_string_append_printf(sh,
			"#!/bin/sh\n"
			"# vmscope batch: %u cells of %s as a Slurm job array, one\n"
			"# array task per cell (the task id is the cell number).\n"
			"#   submit:  sbatch %s/slurm.sh\n"
			"#   then:    %s batch --merge %s\n"
			"# Site limits (MaxArraySize) may ask for fewer tasks at once:\n"
			"# sbatch --array=%s%%50 ... runs at most 50 at a time.\n"
			"#SBATCH --job-name=vmscope-%s\n"
			"#SBATCH --array=%s\n"
			"#SBATCH --ntasks=1\n"
			"#SBATCH --cpus-per-task=1\n",
			pending->len, agrid, qdir, qself, qdir, spec, name, spec);
		const char *redirect = "";
		g_autofree char *qlog = NULL;
		if (is_plain(logs)) {
			g_string_append_printf(sh, "#SBATCH --output=%s/cell-%%a.log\n", logs);
		} else {
			/* sbatch reads quotes, backslashes, '#' and '%' in its
			 * directives its own way: such a directory's log is
			 * named by the shell instead (Slurm's own messages,
			 * such as a time limit, are then not kept) */
			g_string_append(sh, "#SBATCH --output=/dev/null\n");
			qlog = g_shell_quote(logs);
			redirect = " >>\"$log\" 2>&1";
			g_string_append_printf(sh, "log=%s/cell-\"$SLURM_ARRAY_TASK_ID\".log\n",
					       qlog);
		}
		g_string_append_printf(sh, "exec %s batch --cell \"$SLURM_ARRAY_TASK_ID\" "
				       "--out %s%s%s %s%s\n", qself, qdir, extra, force,
				       qgrid, redirect);
		g_autofree char *path = g_build_filename(dir, "slurm.sh", NULL);
		g_autofree char *apath = g_build_filename(adir, "slurm.sh", NULL);
		g_autofree char *qpath = g_shell_quote(apath);
		if (!vm_batch_write_file(path, sh->str, VM_OUTFILE_EXEC, &err)) {
			status = vm_cli_report(err);
		} else if (!opt_quiet) {
			printf("vmscope batch: wrote %s: %u array tasks, one per cell "
			       "without a result (of %u): --array=%s\n"
			       "Submit it, and when every task has ended fold the "
			       "results into %s/results.csv:\n"
			       "  sbatch %s\n"
			       "  %s batch --merge %s\n",
			       path, pending->len, g->nr_cells, spec, adir,
			       qpath, qself, qdir);
		}
		g_string_free(sh, TRUE);
	}
	g_array_free(pending, TRUE);
	return status;
}

/* ---- the command ----------------------------------------------------------- */

/* The command after its options: one of the four forms of --help. */
static int batch_main(int argc, char **argv)
{
	if (opt_jobs < 0)
		return vm_cli_usage_error("batch", "--jobs must be 1 or more");
	if (opt_metric && !vm_batch_metric_valid(opt_metric))
		return vm_cli_usage_error("batch", "unknown statistic '%s' for "
					  "--metric (docs/statistics.md; NAME/access "
					  "divides by the accesses)", opt_metric);
	if (opt_merge) {
		if (opt_cell != CELL_NONE || opt_emit)
			return vm_cli_usage_error("batch", "--merge takes neither "
						  "--cell nor --emit");
		const char *dir = argc == 2 && !opt_out ? argv[1]
				  : argc == 1 && opt_out ? opt_out : NULL;
		if (!dir)
			return vm_cli_usage_error("batch", "--merge takes one DIR "
						  "(see 'vmscope batch --help')");
		return merge(dir);
	}
	/* GRID; with --cell the directory may come second */
	const char *dir_arg = opt_out;
	if (opt_cell != CELL_NONE && opt_cell < 0)
		return vm_cli_usage_error("batch", "--cell %d: expected a cell number, "
					  "0 or more", opt_cell);
	if (opt_cell != CELL_NONE && argc == 3 && !opt_out)
		dir_arg = argv[2];
	else if (argc != 2)
		return vm_cli_usage_error("batch", "expected one GRID file (see "
					  "'vmscope batch --help')");
	const char *grid_path = argv[1];
	GError *err = NULL;
	vm_grid_t *g = vm_grid_load(grid_path, TRUE, &err);
	if (!g)
		return vm_cli_report(err);
	char *dir = dir_arg ? g_strdup(dir_arg) : default_dir(grid_path);
	int status;
	if (opt_cell != CELL_NONE && (unsigned)opt_cell >= g->nr_cells)
		status = vm_cli_usage_error("batch", "%s has %u cells (0 to %u); there "
					    "is no cell %d", grid_path, g->nr_cells,
					    g->nr_cells - 1, opt_cell);
	else if (opt_cell != CELL_NONE)
		status = run_one_cell(g, dir, (unsigned)opt_cell);
	else if (opt_emit)
		status = emit(g, grid_path, dir);
	else
		status = sweep(g, grid_path, dir);
	g_free(dir);
	vm_grid_free(g);
	return status;
}

int vm_cmd_batch(int argc, char **argv)
{
	int status = EXIT_OK;
	if (vm_cli_parse_options("batch", "GRID.ini | --cell K GRID DIR | --merge DIR",
				 SUMMARY, entries, FALSE, &argc, &argv, &status))
		status = batch_main(argc, argv);
	g_free(opt_out);
	g_free(opt_emit);
	g_free(opt_metric);
	g_free(opt_command);
	return status;
}
