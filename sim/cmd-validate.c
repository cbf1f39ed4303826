/*
 * vmscope validate (docs/validation.md): run the probe workloads on this host,
 * replay the traces they write with the `host` profile, and print measured
 * against simulated, row by row, with a verdict against each row's
 * tolerance.
 *
 *   probe list ─► for each workload:
 *     probe run W DIR DIR/W.vmt ─► rows (measured, SIMEXPR, tolerance)
 *                                  │
 *     vm_validate_replay(DIR/W.vmt, host profile) ─► simulated, verdict
 *
 * The measured column changes from run to run (it is a real machine); the
 * simulated column depends only on the traces and the profile, and the
 * profile's costs come from a calibration run, so only the time rows move
 * with it.  Replays use the host profile with memory capped at 1 GiB
 * (--set overrides it): the probes use less than 100 MiB, and a frame table
 * for tens of GiB costs a second per replay.
 *
 * A row is a time row when its tolerance is a factor (factor:N), a count
 * row otherwise.  The exit status is 3 when a row is off, as for a failed
 * expect line; --ignore-times leaves the time rows out of that verdict,
 * for callers (tests/validate.sh) on machines whose load moves the times.
 * -f markdown prints the host facts and the table as docs/validation.md
 * holds them (scripts/validation-doc.sh puts them there).
 *
 * The pressure-* workloads run each in a memory cgroup of its own
 * (sim/hostcg.c), as root on a host with a writable memory controller, and
 * are skipped with the reason elsewhere:
 *
 *   make cgroup ─► spawn probe ─► "ready limit=N" ─► limit, move the probe
 *   in, send 'g' ─► the probe measures, reads the cgroup's counters ─►
 *   exit ─► kill what is left in the cgroup, rmdir (also on SIGINT,
 *   SIGTERM, SIGHUP and after 300 s)
 *
 * Every probe, in a cgroup or not, runs under the same watch (run_probe):
 * on SIGINT, SIGTERM or SIGHUP the probe is killed and reaped, the probe
 * directory removed with what it holds (the probe's own temporary
 * files, which its death by SIGKILL leaves), and the signal raised again.
 */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "sim/cli.h"
#include "sim/config.h"
#include "sim/host.h"
#include "sim/hostcg.h"
#include "sim/validate.h"
#include "traces/error.h"

#define REPLAY_MEMORY_CAP (1ULL << 30)

static char *opt_dir, *opt_only, *opt_format;
static char **opt_sets;
static gboolean opt_keep, opt_list, opt_ignore_times;

static GOptionEntry entries[] = {
	{ "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
	  "Output format: text, json or markdown (default: text)", "FMT" },
	{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_dir,
	  "Make the probe files in a new directory under DIR (default: "
	  "$VMSCOPE_PROBE_DIR, $TMPDIR or /var/tmp)", "DIR" },
	{ "only", 'o', 0, G_OPTION_ARG_STRING, &opt_only,
	  "Run only these workloads (comma-separated)", "W1,W2" },
	{ "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt_sets,
	  "Override one key of the host profile for the replays; repeatable",
	  "KEY=VALUE" },
	{ "keep", 'k', 0, G_OPTION_ARG_NONE, &opt_keep,
	  "Keep the probe directory and its traces; print where it is", NULL },
	{ "list", 'l', 0, G_OPTION_ARG_NONE, &opt_list,
	  "List the workloads and exit", NULL },
	{ "ignore-times", 0, 0, G_OPTION_ARG_NONE, &opt_ignore_times,
	  "Time rows (tolerance factor:N) that are off do not make the exit "
	  "status 3; count rows still do", NULL },
	{ NULL }
};

typedef struct {
	char *workload;
	char *reason;
} skipped_t;

typedef enum { OUT_TEXT, OUT_JSON, OUT_MARKDOWN } out_format_t;

typedef struct {
	vm_host_t host;
	vm_hostcg_host_t memcg;    /* version 0: the pressure rows are skipped */
	gboolean memcg_checked;
	char reclaim_note[512];   /* what reclaim costs here, or why not known */
	vm_config_t cfg;          /* the replays' profile */
	char *probe;
	GArray *rows;             /* vm_vrow_t */
	GArray *skipped;          /* skipped_t */
	GPtrArray *facts;         /* "workload key value" */
	double seconds;
	char load_start[64];      /* /proc/loadavg's three averages, "" */
	char load_end[64];
	char *date;               /* when the run started, UTC */
} report_t;

/* The 1, 5 and 15 minute load averages, "0.61 0.52 0.40", or "". The time
 * rows move with the load, so a report says what it was. */
static void read_loadavg(char *out, size_t n)
{
	g_autofree char *text = NULL;
	out[0] = '\0';
	if (!g_file_get_contents("/proc/loadavg", &text, NULL, NULL))
		return;
	g_auto(GStrv) f = g_strsplit(g_strstrip(text), " ", 4);
	if (g_strv_length(f) >= 3)
		g_snprintf(out, n, "%s %s %s", f[0], f[1], f[2]);
}

/* A time row: its tolerance is a factor (see the file comment). */
static gboolean is_time_row(const vm_vrow_t *row)
{
	return g_str_has_prefix(row->tolerance, "factor:");
}

typedef struct {
	unsigned rows, ok, count_rows, count_off, time_rows, time_off;
} tally_t;

static tally_t tally(const report_t *r)
{
	tally_t t = { 0 };
	for (unsigned i = 0; i < r->rows->len; i++) {
		const vm_vrow_t *row = &g_array_index(r->rows, vm_vrow_t, i);
		gboolean time = is_time_row(row);
		t.rows++;
		t.ok += row->ok;
		t.count_rows += !time;
		t.time_rows += time;
		t.count_off += !time && !row->ok;
		t.time_off += time && !row->ok;
	}
	return t;
}

/* ---- pressure probes in a memory cgroup ------------------------------- */

#define PRESSURE_PREFIX "pressure-"
#define PRESSURE_TIMEOUT 300       /* seconds a pressure probe may take */

static volatile sig_atomic_t got_signal;
static volatile pid_t running_probe;

/* Async-signal-safe: end the probe; the main flow cleans up. */
static void on_signal(int sig)
{
	got_signal = sig;
	if (running_probe > 0)
		kill(running_probe, SIGKILL);
}

static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };

static void catch_signals(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < G_N_ELEMENTS(caught); i++)
		sigaction(caught[i], &sa, &old[i]);
}

static void restore_signals(const struct sigaction *old)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(caught); i++)
		sigaction(caught[i], &old[i], NULL);
}

/* After a SIGINT, SIGTERM or SIGHUP came (got_signal): the probe
 * directory @dir goes with what it holds (unless --keep), then the process
 * dies of the signal.  Nothing when none came. */
static void die_of_signal(const char *dir)
{
	int sig = got_signal;
	if (!sig || sig == SIGALRM)
		return;
	if (!opt_keep)
		vm_host_remove_dir(dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Read @fd to its end into @s; FALSE when a signal came first. */
static gboolean read_all(int fd, GString *s)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			g_string_append_len(s, buf, n);
		else if (n == 0)
			return TRUE;
		else if (errno != EINTR || got_signal)
			return FALSE;
	}
}

/* Read @fd until a full line is in @s; the line, without its newline, or
 * NULL at the end or on a signal. */
static char *read_line(int fd, GString *s)
{
	for (;;) {
		char *nl = memchr(s->str, '\n', s->len);
		if (nl) {
			char *line = g_strndup(s->str, (gsize)(nl - s->str));
			g_string_erase(s, 0, nl - s->str + 1);
			return line;
		}
		char buf[512];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			g_string_append_len(s, buf, n);
		else if (n == 0 || errno != EINTR || got_signal)
			return NULL;
	}
}

/*
 * Run the probe @argv, in a new memory cgroup when @memcg (see the file
 * comment).  The cgroup is gone and the probe reaped when this returns,
 * whatever happened; after a signal, the probe directory is removed too
 * and the signal raised again once that is done.
 */
static gboolean run_probe(report_t *r, char **argv, gboolean memcg, char **out,
			  GError **error)
{
	struct sigaction old[G_N_ELEMENTS(caught)];
	g_autofree char *cg = NULL, *first = NULL;
	g_auto(GStrv) env = NULL;
	gboolean ok = FALSE;
	GPid pid = 0;
	int in = -1, o = -1, e = -1;
	GString *got = g_string_new(NULL), *err = g_string_new(NULL);

	if (got_signal == SIGALRM)
		got_signal = 0;   /* the last pressure probe's timeout */
	catch_signals(old);
	if (memcg) {
		cg = vm_hostcg_create(&r->memcg, error);
		if (!cg)
			goto out;
		env = g_get_environ();
		env = g_environ_setenv(env, "VMPROBE_CGROUP", cg, TRUE);
		env = g_environ_setenv(env, "VMPROBE_CGROUP_VERSION",
				       r->memcg.version == 2 ? "2" : "1", TRUE);
	}
	if (!g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
				      NULL, NULL, &pid, &in, &o, &e, error))
		goto out;
	running_probe = pid;
	if (memcg)
		alarm(PRESSURE_TIMEOUT);
	/* a probe in a cgroup says when it is ready to be moved in */
	first = memcg ? read_line(o, got) : NULL;
	guint64 limit = 0;
	if (first && sscanf(first, "ready limit=%" G_GUINT64_FORMAT, &limit) == 1 &&
	    limit > 0) {
		if (vm_hostcg_limit(&r->memcg, cg, limit, error) &&
		    vm_hostcg_enter(cg, pid, error) &&
		    write(in, "g", 1) != 1)
			g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
				    "cannot start the probe: %s", g_strerror(errno));
	} else if (first) {
		/* no cgroup wanted after all (a skip line): keep the line */
		g_string_prepend_c(got, '\n');
		g_string_prepend(got, first);
	}
	close(in);
	in = -1;
	/* on a signal the probe is killed: reap it below either way */
	if (read_all(o, got))
		read_all(e, err);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	alarm(0);
	running_probe = 0;
	pid = 0;
	if (error && *error)
		goto out;
	if (got_signal == SIGALRM)
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "took more than %d s and was killed", PRESSURE_TIMEOUT);
	else if (got_signal)
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID, "interrupted");
	else if (!g_spawn_check_wait_status(status, NULL))
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID, "%s",
			    err->len ? g_strstrip(err->str) : "failed with no message");
	else {
		*out = g_strdup(got->str);
		ok = TRUE;
	}
out:
	if (in >= 0)
		close(in);
	if (pid > 0) {                /* spawned, not reaped: an error path */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		running_probe = 0;
	}
	if (o >= 0)
		close(o);
	if (e >= 0)
		close(e);
	if (cg && !vm_hostcg_remove(cg))
		g_printerr("vmscope validate: could not remove the memory cgroup %s\n", cg);
	g_string_free(got, TRUE);
	g_string_free(err, TRUE);
	restore_signals(old);
	die_of_signal(r->host.dir);
	return ok;
}

/* Parse a probe's output; rows go to @rows, a skip to *skip. */
static gboolean parse_probe(report_t *r, const char *w, const char *out,
			    GArray *rows, char **skip, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	unsigned ln = 0;

	for (char **l = lines; *l; l++) {
		ln++;
		if (!**l)
			continue;
		if (g_str_has_prefix(*l, "skip ")) {
			*skip = g_strdup(*l + 5);
			return TRUE;
		}
		g_auto(GStrv) t = g_strsplit(*l, " ", -1);
		unsigned n = g_strv_length(t);
		if (n >= 3 && strcmp(t[0], "fact") == 0) {
			g_autofree char *v = g_strjoinv(" ", t + 2);
			g_ptr_array_add(r->facts, g_strdup_printf("%s %s %s", w, t[1], v));
			continue;
		}
		char *end = NULL;
		double meas = n == 5 ? g_ascii_strtod(t[2], &end) : 0;
		if (n != 5 || strcmp(t[0], "row") != 0 || !end || *end ||
		    !vm_validate_tolerance_valid(t[4])) {
			g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
				    "probe %s:%u: cannot read '%s'", w, ln, *l);
			return FALSE;
		}
		vm_vrow_t row = {
			.workload = g_strdup(w), .metric = g_strdup(t[1]),
			.measured = meas, .expr = g_strdup(t[3]),
			.tolerance = g_strdup(t[4]),
		};
		g_array_append_val(rows, row);
	}
	return TRUE;
}

/*
 * What reclaim costs on this host (vmprobe reclaim-cost, in a memory
 * cgroup of its own): the host profile's cost.reclaim, cost.reclaim_mapped
 * and cost.page_cache_add for the replays, which the pressure rows depend
 * on (docs/validation.md).  Not measurable (no cgroup, the probe failed): the
 * profile's defaults, and a fact says why.
 */
static void measure_reclaim_cost(report_t *r)
{
	char *argv[] = { r->probe, "reclaim-cost", r->host.dir, NULL };
	g_autofree char *out = NULL;
	GError *err = NULL;
	double cost[3] = { 0, 0, 0 };
	unsigned found = 0;

	if (!run_probe(r, argv, TRUE, &out, &err)) {
		g_snprintf(r->reclaim_note, sizeof r->reclaim_note,
			   "not measured (%s): the default profile's", err->message);
		g_clear_error(&err);
		return;
	}
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) t = g_strsplit(*l, " ", -1);
		if (g_strv_length(t) >= 2 && strcmp(t[0], "skip") == 0) {
			g_snprintf(r->reclaim_note, sizeof r->reclaim_note,
				   "not measured (%s): the default profile's", *l + 5);
			return;
		}
		if (g_strv_length(t) != 3 || strcmp(t[0], "cost") != 0)
			continue;
		if (strcmp(t[1], "reclaim") == 0)
			cost[0] = g_ascii_strtod(t[2], NULL), found |= 1;
		else if (strcmp(t[1], "reclaim_mapped") == 0)
			cost[1] = g_ascii_strtod(t[2], NULL), found |= 2;
		else if (strcmp(t[1], "page_cache_add") == 0)
			cost[2] = g_ascii_strtod(t[2], NULL);
	}
	if (found != 3 || !(cost[0] > 0) || !(cost[1] >= 0)) {
		g_strlcpy(r->reclaim_note, "not measured (the probe printed no "
			  "costs): the default profile's", sizeof r->reclaim_note);
		return;
	}
	r->host.reclaim_ns = cost[0];
	r->host.reclaim_mapped_ns = cost[1];
	r->host.page_cache_add_ns = cost[2] > 0 ? cost[2] : 0;
	g_snprintf(r->reclaim_note, sizeof r->reclaim_note,
		   "%.0f ns a page, %.0f ns more for a mapped page (cost.reclaim, "
		   "cost.reclaim_mapped; measured in a memory cgroup); %.0f ns to "
		   "add a page read ahead to the cache (cost.page_cache_add)",
		   cost[0], cost[1], r->host.page_cache_add_ns);
}

static void skip_workload(report_t *r, const char *w, const char *why)
{
	skipped_t s = { g_strdup(w), g_strdup(why) };
	g_array_append_val(r->skipped, s);
}

static gboolean wanted(const char *w, char **only)
{
	if (!only)
		return TRUE;
	for (char **o = only; *o; o++)
		if (strcmp(*o, w) == 0)
			return TRUE;
	return FALSE;
}

static void run_workload(report_t *r, const char *w, GError **fatal)
{
	g_autofree char *trace = g_strdup_printf("%s/%s.vmt", r->host.dir, w);
	g_autofree char *out = NULL, *skip = NULL;
	GError *err = NULL;
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(vm_vrow_t));

	gboolean pressure = g_str_has_prefix(w, PRESSURE_PREFIX);
	char *argv[] = { r->probe, "run", (char *)w, r->host.dir, trace, NULL };
	if (pressure && !r->memcg.version) {
		skip_workload(r, w, r->memcg.why);
	} else if (!run_probe(r, argv, pressure, &out, &err)) {
		g_autofree char *why = g_strdup_printf("the probe failed: %s", err->message);
		skip_workload(r, w, why);
		g_clear_error(&err);
	} else if (!parse_probe(r, w, out, rows, &skip, fatal)) {
		/* a probe that writes what validate cannot read is a bug */
	} else if (skip) {
		skip_workload(r, w, skip);
	} else if (!vm_validate_replay(trace, &r->cfg, (vm_vrow_t *)(void *)rows->data,
				       rows->len, &err)) {
		g_propagate_prefixed_error(fatal, err, "replay of %s: ", w);
	} else {
		g_array_append_vals(r->rows, rows->data, rows->len);
		g_array_set_size(rows, 0);
	}
	for (unsigned i = 0; i < rows->len; i++)
		vm_vrow_clear(&g_array_index(rows, vm_vrow_t, i));
	g_array_free(rows, TRUE);
}

/* ---- output ------------------------------------------------------------- */

static void json_str(GString *s, const char *v)
{
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(s, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(s, "\\u%04x", *p);
		else
			g_string_append_c(s, (char)*p);
	}
	g_string_append_c(s, '"');
}

/* A number as JSON and the table print it: integers whole, others with
 * three significant decimals; NaN as null. */
static void num(GString *s, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	if (isnan(v) || isinf(v))
		g_string_append(s, "null");
	else if (v == floor(v) && fabs(v) < 1e15)
		g_string_append_printf(s, "%.0f", v);
	else
		g_string_append(s, g_ascii_formatd(buf, sizeof(buf), "%.4g", v));
}

/* Relative error, (sim - measured) / measured; NaN when measured is 0. */
static double rel_error(const vm_vrow_t *row)
{
	if (row->error_text || row->measured == 0)
		return NAN;
	return (row->simulated - row->measured) / row->measured;
}

/* What the zero-page fact says: measured by the calibration, or not. */
static const char *zero_page_text(const vm_host_t *h)
{
	if (!h->calibrated)
		return "not measured (costs not calibrated): zero_page=true, "
		       "the default";
	if (h->no_zero_page)
		return "not used by this kernel: anonymous read faults allocate "
		       "pages (the host profile sets zero_page=false)";
	return "mapped on read faults of untouched anonymous memory, as in "
	       "mainline Linux (zero_page=true)";
}

/* "102 rows: 100 ok, 2 off (98 % within tolerance); count rows 80 of 80
 * ok, time rows 20 of 22 ok; 0 workloads skipped; 3.4 s", no newline. */
static void summary(const report_t *r, GString *s)
{
	tally_t t = tally(r);
	g_string_append_printf(s, "%u rows: %u ok, %u off (%.0f %% within "
			       "tolerance); count rows %u of %u ok, time rows "
			       "%u of %u ok; %u workloads skipped; %.1f s",
			       t.rows, t.ok, t.rows - t.ok,
			       t.rows ? 100.0 * t.ok / t.rows : 0.0,
			       t.count_rows - t.count_off, t.count_rows,
			       t.time_rows - t.time_off, t.time_rows,
			       r->skipped->len, r->seconds);
}

/* The measured, simulated and error cells of @row, as the table prints
 * them. */
static void row_cells(const vm_vrow_t *row, GString *m, GString *v, GString *e)
{
	num(m, row->measured);
	if (row->error_text)
		g_string_append(v, "-");
	else
		num(v, row->simulated);
	double re = rel_error(row);
	if (row->error_text)
		g_string_append(e, "-");
	else if (isnan(re))
		g_string_append_printf(e, "%+.0f", row->simulated - row->measured);
	else
		g_string_append_printf(e, "%+.1f%%", re * 100);
}

static void write_json(const report_t *r, GString *s)
{
	const vm_host_t *h = &r->host;
	g_string_append(s, "{\"vmscope\": 1, \"host\": {\"kernel\": ");
	json_str(s, h->kernel);
	g_string_append(s, ", \"machine\": ");
	json_str(s, h->machine);
	g_string_append_printf(s, ", \"page_size\": %" G_GUINT64_FORMAT
			       ", \"memory\": %" G_GUINT64_FORMAT
			       ", \"swap\": %" G_GUINT64_FORMAT ", \"cpus\": %u",
			       h->page_size, h->memory, h->swap, h->cpus);
	g_string_append(s, ", \"probe_dir\": ");
	json_str(s, h->dir);
	g_string_append(s, ", \"filesystem\": ");
	json_str(s, h->fs);
	g_string_append(s, ", \"device\": ");
	json_str(s, h->device);
	g_string_append_printf(s, ", \"read_ahead_kb\": %" G_GUINT64_FORMAT
			       ", \"read_ahead_source\": \"%s\", \"thp\": ",
			       h->read_ahead_kb, h->read_ahead_known ? "sysfs" : "default");
	json_str(s, h->thp);
	g_string_append_printf(s, ", \"fault_around_bytes\": %" G_GUINT64_FORMAT
			       ", \"fault_around_source\": \"%s\"",
			       h->fault_around_bytes,
			       h->fault_around_known ? "debugfs" : "default");
	g_string_append_printf(s, ", \"zero_page\": %s",
			       !h->calibrated ? "null" : h->no_zero_page ? "false" : "true");
	g_string_append_printf(s, ", \"folio_max\": %" G_GUINT64_FORMAT, h->folio_max);
	g_string_append(s, ", \"lru_gen\": ");
	json_str(s, h->lru_gen);
	g_string_append_printf(s, ", \"memory_cgroup\": %d", r->memcg.version);
	g_string_append_printf(s, ", \"calibrated\": %s, \"costs_ns\": {",
			       h->calibrated ? "true" : "false");
	const struct { const char *n; double v; } c[] = {
		{ "syscall", h->syscall_ns }, { "zero_page_fault", h->zero_fault_ns },
		{ "anon_write_fault", h->anon_write_fault_ns },
		{ "cow_fault", h->cow_fault_ns }, { "pread_4k", h->pread_4k_ns },
		{ "file_minor_fault", h->file_minor_fault_ns },
		{ "major_fault", h->major_fault_ns }, { "access", h->access_ns },
		{ "tlb_miss", h->tlb_miss_ns }, { "reclaim", h->reclaim_ns },
		{ "reclaim_mapped", h->reclaim_mapped_ns },
		{ "page_cache_add", h->page_cache_add_ns },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(c); i++) {
		g_string_append_printf(s, "%s\"%s\": ", i ? ", " : "", c[i].n);
		num(s, round(c[i].v));
	}
	g_string_append(s, "}, \"disk_bandwidth\": ");
	num(s, round(h->disk_bandwidth));
	g_string_append_printf(s, ", \"replay_memory\": %" G_GUINT64_FORMAT,
			       r->cfg.memory);
	g_string_append(s, ", \"load_average\": {\"start\": ");
	json_str(s, r->load_start);
	g_string_append(s, ", \"end\": ");
	json_str(s, r->load_end);
	g_string_append(s, "}}");
	g_string_append(s, ",\n \"rows\": [");
	for (unsigned i = 0; i < r->rows->len; i++) {
		const vm_vrow_t *row = &g_array_index(r->rows, vm_vrow_t, i);
		g_string_append(s, i ? ",\n  {" : "\n  {");
		g_string_append(s, "\"workload\": ");
		json_str(s, row->workload);
		g_string_append(s, ", \"metric\": ");
		json_str(s, row->metric);
		g_string_append(s, ", \"measured\": ");
		num(s, row->measured);
		g_string_append(s, ", \"simulated\": ");
		num(s, row->error_text ? NAN : row->simulated);
		g_string_append(s, ", \"error\": ");
		num(s, rel_error(row));
		g_string_append(s, ", \"tolerance\": ");
		json_str(s, row->tolerance);
		g_string_append_printf(s, ", \"kind\": \"%s\", \"verdict\": \"%s\"",
				       is_time_row(row) ? "time" : "count",
				       row->ok ? "ok" : "off");
		if (row->error_text) {
			g_string_append(s, ", \"note\": ");
			json_str(s, row->error_text);
		}
		g_string_append_c(s, '}');
	}
	g_string_append(s, "],\n \"skipped\": [");
	for (unsigned i = 0; i < r->skipped->len; i++) {
		const skipped_t *k = &g_array_index(r->skipped, skipped_t, i);
		g_string_append(s, i ? ", {\"workload\": " : "{\"workload\": ");
		json_str(s, k->workload);
		g_string_append(s, ", \"reason\": ");
		json_str(s, k->reason);
		g_string_append_c(s, '}');
	}
	tally_t t = tally(r);
	g_string_append_printf(s, "],\n \"summary\": {\"rows\": %u, \"ok\": %u, "
			       "\"off\": %u, \"count_rows\": %u, \"count_off\": %u, "
			       "\"time_rows\": %u, \"time_off\": %u, \"seconds\": ",
			       t.rows, t.ok, t.rows - t.ok, t.count_rows,
			       t.count_off, t.time_rows, t.time_off);
	num(s, round(r->seconds * 10) / 10);
	g_string_append(s, "}}\n");
}

static void write_text(const report_t *r, GString *s)
{
	const vm_host_t *h = &r->host;
	g_string_append_printf(s, "host: Linux %s %s, %" G_GUINT64_FORMAT
			       " B pages, %" G_GUINT64_FORMAT " MiB memory, %"
			       G_GUINT64_FORMAT " MiB swap, %u CPUs, THP %s\n",
			       h->kernel, h->machine, h->page_size, h->memory >> 20,
			       h->swap >> 20, h->cpus, *h->thp ? h->thp : "unknown");
	g_string_append_printf(s, "probe files: %s (%s on %s), read_ahead_kb %"
			       G_GUINT64_FORMAT "%s, fault_around_bytes %"
			       G_GUINT64_FORMAT "%s\n", h->dir,
			       *h->fs ? h->fs : "unknown fs",
			       *h->device ? h->device : "?", h->read_ahead_kb,
			       h->read_ahead_known ? "" : " (default)",
			       h->fault_around_bytes,
			       h->fault_around_known ? "" : " (not readable: Linux's default)");
	g_string_append_printf(s, "zero page: %s\n", zero_page_text(h));
	g_string_append_printf(s, "multi-gen LRU: %s\n", *h->lru_gen
			       ? (h->lru_gen_on ? "on: reclaim.policy=mglru" : "off")
			       : "not in this kernel");
	if (r->memcg_checked)
		g_string_append_printf(s, "memory cgroups: %s\n", r->memcg.version == 2
				       ? "v2" : r->memcg.version == 1 ? "v1"
				       : r->memcg.why);
	if (*r->reclaim_note)
		g_string_append_printf(s, "reclaim: %s\n", r->reclaim_note);
	if (h->folio_max)
		g_string_append_printf(s, "page-cache folios: up to %" G_GUINT64_FORMAT
				       " KiB (cache.folio_max), from the kernel version "
				       "and the file system\n", h->folio_max >> 10);
	else
		g_string_append(s, "page-cache folios: one page each\n");
	if (h->calibrated)
		g_string_append_printf(s, "costs: syscall %.0f ns, pread 4K %.0f ns, "
				       "file minor fault %.0f ns, anon read fault "
				       "%.0f ns, anon write fault %.0f ns, COW fault "
				       "%.0f ns, major fault %.0f ns, access %.0f ns, TLB miss %.0f ns, disk %.0f MB/s\n",
				       h->syscall_ns, h->pread_4k_ns,
				       h->file_minor_fault_ns, h->zero_fault_ns,
				       h->anon_write_fault_ns, h->cow_fault_ns,
				       h->major_fault_ns, h->access_ns, h->tlb_miss_ns,
				       h->disk_bandwidth / 1e6);
	else
		g_string_append(s, "costs: not calibrated (the default profile's)\n");
	g_string_append_printf(s, "load average: %s at the start, %s at the end\n",
			       *r->load_start ? r->load_start : "unknown",
			       *r->load_end ? r->load_end : "unknown");
	g_string_append_printf(s, "replayed with -p host, memory %" G_GUINT64_FORMAT " MiB\n\n",
			       r->cfg.memory >> 20);
	g_string_append_printf(s, "%-22s %-20s %12s %12s %9s %-9s %s\n", "workload",
			       "metric", "measured", "simulated", "error",
			       "tolerance", "verdict");
	for (unsigned i = 0; i < r->rows->len; i++) {
		const vm_vrow_t *row = &g_array_index(r->rows, vm_vrow_t, i);
		GString *m = g_string_new(NULL), *v = g_string_new(NULL),
			*e = g_string_new(NULL);
		row_cells(row, m, v, e);
		g_string_append_printf(s, "%-22s %-20s %12s %12s %9s %-9s %s\n",
				       row->workload, row->metric, m->str, v->str,
				       e->str, row->tolerance, row->ok ? "ok" : "OFF");
		if (row->error_text)
			g_string_append_printf(s, "    (%s)\n", row->error_text);
		g_string_free(m, TRUE);
		g_string_free(v, TRUE);
		g_string_free(e, TRUE);
	}
	for (unsigned i = 0; i < r->skipped->len; i++) {
		const skipped_t *k = &g_array_index(r->skipped, skipped_t, i);
		g_string_append_printf(s, "%-22s skipped: %s\n", k->workload, k->reason);
	}
	for (unsigned i = 0; i < r->facts->len; i++)
		g_string_append_printf(s, "fact: %s\n",
				       (const char *)g_ptr_array_index(r->facts, i));
	g_string_append_c(s, '\n');
	summary(r, s);
	g_string_append_c(s, '\n');
}

/* @v in a Markdown table cell: '|' escaped, newlines as spaces. */
static void md_cell(GString *s, const char *v)
{
	for (; *v; v++) {
		if (*v == '|')
			g_string_append(s, "\\|");
		else if (*v == '\n' || *v == '\r')
			g_string_append_c(s, ' ');
		else
			g_string_append_c(s, *v);
	}
}

static void md_fact(GString *s, const char *fact, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

static void md_fact(GString *s, const char *fact, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_string_append_printf(s, "| %s | ", fact);
	md_cell(s, v);
	g_string_append(s, " |\n");
}

/*
 * The host facts and the table as docs/validation.md holds them, every
 * fact from this run: scripts/validation-doc.sh puts this between the
 * page's markers, so that no host fact in the page is written by hand.
 * Not the probe directory, whose name is random.
 */
static void write_markdown(const report_t *r, GString *s)
{
	const vm_host_t *h = &r->host;
	tally_t t = tally(r);

	g_string_append_printf(s, "Taken on %s by `vmscope validate -f markdown` "
			       "(vmscope %s).\n\n", r->date, PACKAGE_VERSION);
	g_string_append(s, "| host fact | value |\n|---|---|\n");
	md_fact(s, "kernel", "Linux %s %s", h->kernel, h->machine);
	md_fact(s, "CPUs", "%u", h->cpus);
	md_fact(s, "load average (1, 5, 15 min)", "%s at the start, %s at the end",
		*r->load_start ? r->load_start : "unknown",
		*r->load_end ? r->load_end : "unknown");
	md_fact(s, "memory, swap", "%" G_GUINT64_FORMAT " MiB, %" G_GUINT64_FORMAT
		" MiB", h->memory >> 20, h->swap >> 20);
	md_fact(s, "page size", "%" G_GUINT64_FORMAT " B", h->page_size);
	md_fact(s, "transparent huge pages", "%s", *h->thp ? h->thp : "unknown");
	md_fact(s, "probe files", "%s on device %s, read_ahead_kb %" G_GUINT64_FORMAT
		"%s", *h->fs ? h->fs : "unknown file system",
		*h->device ? h->device : "?", h->read_ahead_kb,
		h->read_ahead_known ? "" : " (not readable: Linux's default)");
	md_fact(s, "fault_around_bytes", "%" G_GUINT64_FORMAT "%s",
		h->fault_around_bytes,
		h->fault_around_known ? "" : " (not readable: Linux's default)");
	md_fact(s, "zero page", "%s", zero_page_text(h));
	md_fact(s, "multi-gen LRU", "%s", *h->lru_gen ? (h->lru_gen_on ?
		"on (/sys/kernel/mm/lru_gen/enabled): the host profile reclaims with mglru"
		: "off (/sys/kernel/mm/lru_gen/enabled): lru2q") :
		"not in this kernel (no /sys/kernel/mm/lru_gen): lru2q");
	if (r->memcg_checked)
		md_fact(s, "memory cgroups", "%s", r->memcg.version == 2
			? "cgroup v2" : r->memcg.version == 1 ? "cgroup v1"
			: r->memcg.why);
	if (*r->reclaim_note)
		md_fact(s, "reclaim costs", "%s", r->reclaim_note);
	if (h->folio_max)
		md_fact(s, "page-cache folios", "up to %" G_GUINT64_FORMAT " KiB "
			"(cache.folio_max), from the kernel version and the file "
			"system", h->folio_max >> 10);
	else
		md_fact(s, "page-cache folios", "one page each (cache.folio_max=0)");
	if (h->calibrated)
		md_fact(s, "calibrated costs", "syscall %.0f ns, pread 4K %.0f ns, "
			"file minor fault %.0f ns, anon read fault %.0f ns, anon "
			"write fault %.0f ns, COW fault %.0f ns, major fault %.0f ns, "
			"access %.0f ns, TLB miss %.0f ns, disk %.0f MB/s",
			h->syscall_ns, h->pread_4k_ns, h->file_minor_fault_ns,
			h->zero_fault_ns, h->anon_write_fault_ns, h->cow_fault_ns,
			h->major_fault_ns, h->access_ns, h->tlb_miss_ns,
			h->disk_bandwidth / 1e6);
	else
		md_fact(s, "calibrated costs", "none (%s): the default profile's",
			*h->calibration_note ? h->calibration_note : "the probe failed");
	md_fact(s, "replays", "-p host, memory %" G_GUINT64_FORMAT " MiB",
		r->cfg.memory >> 20);

	g_string_append(s, "\n**");
	summary(r, s);
	g_string_append(s, ".**\n\n");
	g_string_append(s, "| workload | metric | measured | simulated | error | "
			   "tolerance | verdict |\n|---|---|--:|--:|--:|---|---|\n");
	for (unsigned i = 0; i < r->rows->len; i++) {
		const vm_vrow_t *row = &g_array_index(r->rows, vm_vrow_t, i);
		g_autoptr(GString) m = g_string_new(NULL);
		g_autoptr(GString) v = g_string_new(NULL);
		g_autoptr(GString) e = g_string_new(NULL);
		row_cells(row, m, v, e);
		g_string_append(s, "| ");
		md_cell(s, row->workload);
		g_string_append(s, " | ");
		md_cell(s, row->metric);
		g_string_append_printf(s, " | %s | %s | %s | %s | %s |\n", m->str,
				       v->str, e->str, row->tolerance,
				       row->ok ? "ok" : "**OFF**");
	}
	if (t.rows - t.ok) {
		g_string_append(s, "\nOff in this run:");
		for (unsigned i = 0; i < r->rows->len; i++) {
			const vm_vrow_t *row = &g_array_index(r->rows, vm_vrow_t, i);
			if (row->ok)
				continue;
			g_string_append(s, " ");
			md_cell(s, row->workload);
			g_string_append_c(s, ' ');
			md_cell(s, row->metric);
			if (row->error_text) {
				g_string_append(s, " (");
				md_cell(s, row->error_text);
				g_string_append_c(s, ')');
			}
			g_string_append_c(s, ';');
		}
		g_string_truncate(s, s->len - 1);
		g_string_append(s, ".\n");
	}
	for (unsigned i = 0; i < r->skipped->len; i++) {
		const skipped_t *k = &g_array_index(r->skipped, skipped_t, i);
		g_string_append(s, i ? "; " : "\nSkipped: ");
		md_cell(s, k->workload);
		g_string_append(s, " (");
		md_cell(s, k->reason);
		g_string_append_c(s, ')');
		if (i + 1 == r->skipped->len)
			g_string_append(s, ".\n");
	}
	for (unsigned i = 0; i < r->facts->len; i++) {
		g_string_append(s, i ? "; " : "\nFacts the probes reported: ");
		md_cell(s, g_ptr_array_index(r->facts, i));
		if (i + 1 == r->facts->len)
			g_string_append(s, ".\n");
	}
}

/* ---- the command -------------------------------------------------------- */

static int validate(report_t *r, char **only, out_format_t fmt)
{
	GError *err = NULL;
	g_autofree char *list = NULL;
	char *argv[] = { r->probe, "list", NULL };
	int status = EXIT_OK;
	gint64 t0 = g_get_monotonic_time();

	if (!run_probe(r, argv, FALSE, &list, &err))
		return vm_cli_report(err);
	if (opt_list) {
		fputs(list, stdout);
		return EXIT_OK;
	}
	g_auto(GStrv) names = g_strsplit(g_strstrip(list), "\n", -1);
	for (char **o = only; o && *o; o++)
		if (!g_strv_contains((const char *const *)names, *o))
			return vm_cli_usage_error("validate", "no workload '%s' "
						  "(vmscope validate --list)", *o);

	read_loadavg(r->load_start, sizeof r->load_start);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	r->date = g_date_time_format(now, "%Y-%m-%d %H:%M UTC");
	if (opt_dir && !g_setenv("VMSCOPE_PROBE_DIR", opt_dir, TRUE))
		return vm_cli_usage_error("validate", "cannot use --dir %s", opt_dir);
	g_autofree char *dir = vm_host_make_dir(&err);
	if (!dir)
		return vm_cli_report(err);
	/* from here to the end a SIGINT, SIGTERM or SIGHUP takes the probe
	 * directory with it: run_probe acts on it at once, the rest at the
	 * next step (die_of_signal) */
	struct sigaction whole[G_N_ELEMENTS(caught)];
	got_signal = 0;
	catch_signals(whole);
	vm_host_read(&r->host, dir);
	gboolean calibrated = vm_host_calibrate(&r->host, r->probe, &err);
	die_of_signal(dir);
	if (!calibrated) {
		g_printerr("vmscope validate: costs not calibrated: %s\n", err->message);
		g_clear_error(&err);
	}
	/* the pressure rows need a memory cgroup, and their replays what
	 * reclaim costs here, measured in one */
	for (char **w = names; *w; w++)
		if (**w && wanted(*w, only) && g_str_has_prefix(*w, PRESSURE_PREFIX)) {
			r->memcg_checked = TRUE;
			if (vm_hostcg_detect(&r->memcg)) {
				vm_hostcg_reap(&r->memcg);
				measure_reclaim_cost(r);
			}
			break;
		}
	vm_host_to_config(&r->host, &r->cfg);
	if (r->cfg.memory > REPLAY_MEMORY_CAP) {
		g_autofree char *cap = g_strdup_printf("%lluK",
						       REPLAY_MEMORY_CAP >> 10);
		vm_config_set(&r->cfg, "memory", cap, NULL);
	}
	for (char **s = opt_sets; s && *s; s++)
		if (!vm_config_set_assignment(&r->cfg, *s, &err)) {
			status = vm_cli_report(err);
			goto out;
		}
	if (!vm_config_validate(&r->cfg, &err)) {
		status = vm_cli_report(err);
		goto out;
	}
	for (char **w = names; *w; w++) {
		if (!**w || !wanted(*w, only))
			continue;
		run_workload(r, *w, &err);
		die_of_signal(dir);
		if (err) {
			status = vm_cli_report(err);
			goto out;
		}
	}
	r->seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
	read_loadavg(r->load_end, sizeof r->load_end);
	GString *s = g_string_new(NULL);
	if (fmt == OUT_JSON)
		write_json(r, s);
	else if (fmt == OUT_MARKDOWN)
		write_markdown(r, s);
	else
		write_text(r, s);
	fputs(s->str, stdout);
	g_string_free(s, TRUE);
	/* as a failed expect line does: the run completed, a check failed */
	tally_t t = tally(r);
	unsigned off = t.count_off + (opt_ignore_times ? 0 : t.time_off);
	if (off) {
		g_printerr("vmscope validate: %u row%s off %s tolerance%s (exit "
			   "status 3)\n", off, off == 1 ? "" : "s",
			   off == 1 ? "its" : "their",
			   opt_ignore_times && t.time_off ? "; time rows ignored" : "");
		status = EXIT_EXPECT;
	}
out:
	restore_signals(whole);
	if (opt_keep)
		g_printerr("vmscope validate: the probe files and traces are in %s\n", dir);
	else
		vm_host_remove_dir(dir);
	die_of_signal(dir);
	return status;
}

int vm_cmd_validate(int argc, char **argv)
{
	int status = EXIT_OK;
	report_t r = { 0 };
	GError *err = NULL;
	char **only = NULL;

	if (!vm_cli_parse_options("validate", "",
			   "Run probe workloads on this Linux host, measure them, replay\n"
			   "the same workloads with the host profile, and compare.  The exit\n"
			   "status is 3 when a row is off its tolerance (docs/validation.md).",
			   entries, FALSE, &argc, &argv, &status))
		goto done;
	if (argc != 1) {
		status = vm_cli_usage_error("validate", "takes no arguments "
					    "(see 'vmscope validate --help')");
		goto done;
	}
	const char *f = opt_format ? opt_format : "text";
	out_format_t fmt;
	if (strcmp(f, "text") == 0)
		fmt = OUT_TEXT;
	else if (strcmp(f, "json") == 0)
		fmt = OUT_JSON;
	else if (strcmp(f, "markdown") == 0)
		fmt = OUT_MARKDOWN;
	else {
		status = vm_cli_usage_error("validate", "unknown format '%s' "
					    "(text, json or markdown)", f);
		goto done;
	}
	r.probe = vm_host_find_probe(&err);
	if (!r.probe) {
		status = vm_cli_report(err);
		goto done;
	}
	r.rows = g_array_new(FALSE, TRUE, sizeof(vm_vrow_t));
	r.skipped = g_array_new(FALSE, TRUE, sizeof(skipped_t));
	r.facts = g_ptr_array_new_with_free_func(g_free);
	only = opt_only ? g_strsplit(opt_only, ",", -1) : NULL;
	status = validate(&r, only, fmt);
	for (unsigned i = 0; i < r.rows->len; i++)
		vm_vrow_clear(&g_array_index(r.rows, vm_vrow_t, i));
	for (unsigned i = 0; i < r.skipped->len; i++) {
		g_free(g_array_index(r.skipped, skipped_t, i).workload);
		g_free(g_array_index(r.skipped, skipped_t, i).reason);
	}
	g_array_free(r.rows, TRUE);
	g_array_free(r.skipped, TRUE);
	g_ptr_array_free(r.facts, TRUE);
	g_free(r.probe);
	g_free(r.date);
done:
	g_strfreev(only);
	g_free(opt_dir);
	g_free(opt_only);
	g_free(opt_format);
	g_strfreev(opt_sets);
	return status;
}
