/*
 * The command line (vmscope(1)): one function per command, a table from
 * command names to them, and GOptionContext for the options, as tmux keeps
 * an entry table per command.  Output files and stdout reports are built
 * whole in memory and written at the end, so an error never leaves half a
 * report behind.
 */
#include <config.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "sim/cli.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/explain.h"
#include "sim/stats.h"
#include "sim/timeline.h"
#include "sim/tour.h"
#include "traces/error.h"
#include "models/policy.h"

/* explain: the events run between two checks of standard output */
#define EXPLAIN_BURST 256


/* Options shared by the replaying commands. */
char *vm_cli_profile = NULL;
char **vm_cli_sets = NULL;
char *vm_cli_format = NULL;
char *vm_cli_timeline = NULL;
gboolean vm_cli_quiet = FALSE;
gboolean vm_cli_check = FALSE;

static GOptionEntry replay_entries[] = {
	{ "profile", 'p', 0, G_OPTION_ARG_STRING, &vm_cli_profile,
	  "Machine profile: a built-in name or a FILE.ini (default: default)", "NAME" },
	{ "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &vm_cli_sets,
	  "Override one profile key; repeatable (policies: 'vmscope profiles --policies')", "KEY=VALUE" },
	{ "format", 'f', 0, G_OPTION_ARG_STRING, &vm_cli_format,
	  "Statistics format: text, json or csv (default: text)", "FMT" },
	{ "timeline", 0, 0, G_OPTION_ARG_FILENAME, &vm_cli_timeline,
	  "Also write a Chrome/Perfetto trace-event timeline", "FILE" },
	{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &vm_cli_quiet,
	  "Print only errors and failed expectations", NULL },
	{ "check", 0, 0, G_OPTION_ARG_NONE, &vm_cli_check,
	  "Run the invariant checker after every event (slow)", NULL },
	{ NULL }
};

static int error_status(const GError *err)
{
	if (err->domain == VM_ERROR && err->code == VM_ERROR_INTERNAL)
		return EXIT_INTERNAL;
	return EXIT_USAGE;
}

int vm_cli_report(GError *err)
{
	int st = error_status(err);
	/* trace and profile errors already read FILE:LINE:COL: message */
	fprintf(stderr, "%s\n", err->message);
	g_error_free(err);
	return st;
}

int vm_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "vmscope %s: %s\n", cmd, msg);
	g_free(msg);
	return EXIT_USAGE;
}

gboolean vm_cli_parse_options(const char *cmd, const char *args,
			      const char *summary, GOptionEntry *extra,
			      gboolean replay, int *argc, char ***argv,
			      int *status)
{
	/* glib prints "Usage: PRGNAME [OPTION…] ARGS" */
	char *prg = g_strdup_printf("vmscope %s", cmd);
	g_set_prgname(prg);
	g_free(prg);
	GOptionContext *ctx = g_option_context_new(args);
	g_option_context_set_summary(ctx, summary);
	if (replay)
		g_option_context_add_main_entries(ctx, replay_entries, NULL);
	if (extra)
		g_option_context_add_main_entries(ctx, extra, NULL);
	GError *err = NULL;
	gboolean ok = g_option_context_parse(ctx, argc, argv, &err);
	g_option_context_free(ctx);
	if (!ok) {
		*status = vm_cli_usage_error(cmd, "%s (see 'vmscope %s --help')",
				      err->message, cmd);
		g_error_free(err);
	}
	return ok;
}


gboolean vm_cli_parse_format(vm_format_t *fmt, int *status, const char *cmd)
{
	const char *f = vm_cli_format ? vm_cli_format : "text";
	if (strcmp(f, "text") == 0)
		*fmt = VM_FMT_TEXT;
	else if (strcmp(f, "json") == 0)
		*fmt = VM_FMT_JSON;
	else if (strcmp(f, "csv") == 0)
		*fmt = VM_FMT_CSV;
	else {
		*status = vm_cli_usage_error(cmd, "unknown format '%s' (text, json or csv)", f);
		return FALSE;
	}
	return TRUE;
}

/* explain's printer while it narrates: its events go out in blocks */
static vm_explain_t *narrating;

static void print_expect_fail(void *ctx, const char *msg)
{
	(void)ctx;
	if (narrating) {
		/* the events before it first, as on a terminal */
		vm_explain_flush(narrating);
		fflush(stdout);
	}
	fprintf(stderr, "%s\n", msg);
}

/* A write to stdout failed: say so (vmscope(1): exit status 1). */
static int stdout_failed(const char *cmd, int err)
{
	fprintf(stderr, "vmscope %s: standard output: %s\n", cmd,
		err ? g_strerror(err) : "write error");
	return EXIT_USAGE;
}

/* Why writing stdout failed: flushing again says (glibc keeps the data
 * and fails again); 0 when it does not. */
static int stdout_errno(void)
{
	errno = 0;
	return fflush(stdout) != 0 ? errno : 0;
}

/*
 * Flush and close stdout after command @cmd returned @status, so that a
 * report lost to a full disk or a closed file is an error, never exit 0:
 * every command's output goes through here, also what vmscope batch and
 * validate print.  An earlier failure already said why, and keeps its
 * status.
 */
static gboolean stdout_closed;

static int close_stdout(const char *cmd, int status)
{
	int err = 0;
	gboolean failed = FALSE;

	stdout_closed = TRUE;
	errno = 0;
	if (fflush(stdout) != 0) {
		failed = TRUE;
		err = errno;
	}
	if (ferror(stdout))
		failed = TRUE;
	if (fclose(stdout) != 0 && !failed) {
		failed = TRUE;
		err = errno;
	}
	if (!failed || (status != EXIT_OK && status != EXIT_EXPECT))
		return status;
	return stdout_failed(cmd, err);
}

/* GOption prints --help and calls exit(0) itself: the same check, at exit. */
static void close_stdout_at_exit(void)
{
	if (!stdout_closed && close_stdout("help", EXIT_OK) != EXIT_OK)
		_exit(EXIT_USAGE);
}

static int finish_status(vm_engine_t *e)
{
	return vm_engine_expect_failed(e) ? EXIT_EXPECT : EXIT_OK;
}

static int replay(const char *cmd, const char *trace, const char *memory_text,
		  gboolean narrate)
{
	int status = EXIT_OK;
	vm_format_t fmt;
	if (!vm_cli_parse_format(&fmt, &status, cmd))
		return status;
	vm_config_t cfg;
	GError *err = NULL;
	/* no -p: the trace's `profile` header, else `default` */
	if (vm_cli_profile && !vm_config_load(&cfg, vm_cli_profile, &err))
		return vm_cli_report(err);
	const vm_config_t *base = vm_cli_profile ? &cfg : NULL;

	vm_engine_opts_t opts = {
		.check = vm_cli_check,
		.on_expect_fail = print_expect_fail,
	};
	/* explain's formats and filters (sim/explain.c) */
	vm_explain_t *x = NULL;
	if (narrate) {
		x = vm_explain_new(cmd, fmt, vm_cli_quiet, &status);
		if (!x)
			return status;
		vm_explain_hook(x, &opts);
		narrating = x;
	}
	/* "-" is standard output (traces/outfile.h), which the report uses
	 * unless -q */
	if (vm_cli_timeline && strcmp(vm_cli_timeline, "-") == 0 && !vm_cli_quiet)
		return vm_cli_usage_error(cmd, "--timeline -: standard output "
					  "carries the report; add -q, or give a file");
	/* the timeline chains to the narration's callbacks */
	vm_timeline_t *tl = vm_cli_timeline ? vm_timeline_new(vm_cli_timeline) : NULL;
	if (tl)
		vm_timeline_hook(tl, &opts);
	vm_engine_t *e = memory_text
		? vm_engine_open_memory(trace, memory_text, base, vm_cli_sets, &opts, &err)
		: vm_engine_open(trace, base, vm_cli_sets, &opts, &err);
	if (e && tl && !vm_timeline_start(tl, e, &err)) {
		vm_engine_free(e);
		e = NULL;
	}
	if (!e) {
		vm_timeline_free(tl);
		narrating = NULL;
		vm_explain_free(x);
		return vm_cli_report(err);
	}
	gboolean ran;
	if (narrate) {
		/* the narration streams: stop soon after the first write
		 * that fails (within EXPLAIN_BURST events), rather than
		 * narrate the rest of the trace to nobody */
		int r;
		while ((r = vm_engine_steps(e, EXPLAIN_BURST, &err)) > 0 &&
		       !ferror(stdout))
			;
		ran = r >= 0;
		if (ran && ferror(stdout)) {
			int why = stdout_errno();
			g_set_error(&err, VM_ERROR, VM_ERROR_IO,
				    "vmscope %s: standard output: %s", cmd,
				    why ? g_strerror(why) : "write error");
			ran = FALSE;
		}
	} else {
		ran = vm_engine_run(e, &err);
	}
	/* a failed run still gets its timeline, up to the failure */
	GError *tl_err = NULL;
	gboolean tl_ok = !tl || vm_timeline_finish(tl, ran ? NULL : err, &tl_err);
	vm_explain_flush(x);
	if (!ran) {
		fflush(stdout);
		status = vm_cli_report(err);
	} else {
		status = finish_status(e);
		if (!vm_cli_quiet) {
			GString *out = g_string_new(NULL);
			if (narrate) {
				vm_explain_summary(x, e, out);
			} else {
				vm_stats_write(e, fmt, out);
			}
			if (fputs(out->str, stdout) == EOF)
				status = stdout_failed(cmd, stdout_errno());
			g_string_free(out, TRUE);
		}
	}
	if (!tl_ok) {
		fflush(stdout);
		int st = vm_cli_report(tl_err);
		if (status == EXIT_OK || status == EXIT_EXPECT)
			status = st;
	}
	vm_timeline_free(tl);
	vm_engine_free(e);
	narrating = NULL;
	vm_explain_free(x);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	int status = 0;
	if (!vm_cli_parse_options("run", "TRACE", "Replay TRACE and print the statistics.",
			   NULL, TRUE, &argc, &argv, &status))
		return status;
	if (argc != 2)
		return vm_cli_usage_error("run", "expected one TRACE (see 'vmscope run --help')");
	return replay("run", argv[1], NULL, FALSE);
}

static int cmd_explain(int argc, char **argv)
{
	int status = 0;
	if (!vm_cli_parse_options("explain", "TRACE",
			   "Replay TRACE, narrating each event: what the TLB, page table,\n"
			   "fault handler and memory did, and why: as text, or with -f json\n"
			   "or -f csv as one JSON object or CSV row per event.",
			   vm_explain_entries, TRUE, &argc, &argv, &status))
		return status;
	if (argc != 2)
		return vm_cli_usage_error("explain", "expected one TRACE (see 'vmscope explain --help')");
	return replay("explain", argv[1], NULL, TRUE);
}

static int cmd_tour(int argc, char **argv)
{
	int status = 0;
	/* explain's options, and the terminal UI's --no-mouse */
	static gboolean no_mouse = FALSE;
	GArray *entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
	for (const GOptionEntry *o = vm_explain_entries; o->long_name; o++)
		g_array_append_vals(entries, o, 1);
	GOptionEntry nm = { "no-mouse", 0, 0, G_OPTION_ARG_NONE, &no_mouse,
			    "On a terminal: leave the mouse to the terminal", NULL };
	g_array_append_val(entries, nm);
	gboolean ok = vm_cli_parse_options("tour", "",
			   "The built-in guided scenario: the terminal UI on a terminal, the\n"
			   "narration of 'explain' otherwise.",
			   (GOptionEntry *)(void *)entries->data, TRUE, &argc, &argv, &status);
	g_array_free(entries, TRUE);
	if (!ok)
		return status;
	if (argc != 1)
		return vm_cli_usage_error("tour", "takes no arguments");
	/* on a terminal the tour is the TUI (vmscope(1)); -p and -s carry over */
	const char *term = g_getenv("TERM");
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
	    strcmp(term, "dumb") != 0)
		return vm_cmd_tui(no_mouse ? 3 : 2,
				  (char *[]){ "tui", "--tour", no_mouse ? "--no-mouse" : NULL, NULL });
	return replay("tour", "tour.vmt", vm_tour_text, TRUE);
}

/*
 * `vmscope profiles --policies`: every policy of each kind, read from the
 * registries (models/policy.h), one "KEY=NAME  help" line each, in
 * registry order, the `default` profile's choice marked.  tests/docs.sh
 * checks docs/profiles.md against it.
 */
static void print_policies(void)
{
	vm_config_t def;
	vm_config_default(&def);
	for (int k = 0; k < VM_POLICY_NR_KINDS; k++) {
		const char *key = vm_policy_kind_key((vm_policy_kind_t)k);
		g_autofree char *chosen = vm_config_format_value(&def,
						(unsigned)vm_config_key_lookup(key));
		const vm_policy_t *p;
		for (unsigned i = 0; (p = vm_policy_nth((vm_policy_kind_t)k, i)); i++) {
			g_autofree char *kv = g_strdup_printf("%s=%s", key, p->name);
			printf("%-24s %s%s\n", kv, p->help,
			       strcmp(p->name, chosen) == 0 ? " (default)" : "");
		}
	}
}

static int cmd_profiles(int argc, char **argv)
{
	int status = 0;
	static gboolean policies = FALSE;
	GOptionEntry entries[] = {
		{ "policies", 0, 0, G_OPTION_ARG_NONE, &policies,
		  "List the policies each policy key accepts", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	if (!vm_cli_parse_options("profiles", "[NAME]",
			   "List the built-in machine profiles, or print one as an .ini file;\n"
			   "with --policies, list the policies a profile can select.",
			   entries, FALSE, &argc, &argv, &status))
		return status;
	if (policies) {
		if (argc != 1)
			return vm_cli_usage_error("profiles", "--policies takes no NAME");
		print_policies();
		return EXIT_OK;
	}
	if (argc == 1) {
		for (const char *const *n = vm_config_builtin_names(); *n; n++)
			printf("%-10s %s\n", *n, vm_config_builtin_describe(*n));
		/* not a fixed table: read from this machine when asked for */
		printf("%-10s %s\n", "host", vm_config_builtin_describe("host"));
		return EXIT_OK;
	}
	if (argc != 2)
		return vm_cli_usage_error("profiles", "expected at most one NAME");
	vm_config_t cfg;
	GError *err = NULL;
	if (!vm_config_load(&cfg, argv[1], &err))
		return vm_cli_report(err);
	char *ini = vm_config_to_ini(&cfg);
	fputs(ini, stdout);
	g_free(ini);
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "replay TRACE and print the statistics" },
	{ "explain", cmd_explain, "replay TRACE, narrating every event and why" },
	{ "tui", vm_cmd_tui, "step through TRACE in the terminal UI" },
	{ "tour", cmd_tour, "the built-in guided scenario" },
	{ "batch", vm_cmd_batch, "run a policy-experiment grid" },
	{ "validate", vm_cmd_validate, "compare the simulator with this Linux host" },
	{ "record", vm_cmd_record, "record a program's memory accesses as a trace" },
	{ "convert", vm_cmd_convert, "convert between trace formats" },
	{ "profiles", cmd_profiles, "list the built-in profiles, or print one" },
};

static void print_help(FILE *f)
{
	fprintf(f, "Usage: vmscope [COMMAND] [OPTIONS] [ARGS]\n\n"
		   "A simulator of a Linux-like virtual-memory system.\n\nCommands:\n");
	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nWith no command, vmscope runs the tour.  'vmscope COMMAND --help'\n"
		   "(or 'vmscope help COMMAND') describes each command; 'man vmscope'\n"
		   "('man ./docs/vmscope.1' in a source tree) has the whole story, and\n"
		   "docs/format.md, docs/profiles.md and docs/statistics.md the reference\n"
		   "(installed in share/doc/vmscope).\n");
}

int main(int argc, char **argv)
{
	/* messages in the user's language, numbers always with a '.', so that
	 * output is the same everywhere */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	atexit(close_stdout_at_exit);
	if (argc < 2)
		return close_stdout("tour", cmd_tour(1, (char *[]){ "tour", NULL }));
	const char *cmd = argv[1];
	/* `vmscope help COMMAND` is `vmscope COMMAND --help`, as git does */
	char *help_argv[] = { argv[0], argv[argc - 1], "--help", NULL };
	if (strcmp(cmd, "help") == 0 && argc == 3) {
		cmd = argv[2];
		argv = help_argv;   /* argv + 1 below is { COMMAND, --help } */
	} else if (strcmp(cmd, "help") == 0 && argc > 3) {
		fprintf(stderr, "vmscope help: expected at most one COMMAND\n");
		return EXIT_USAGE;
	} else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
		   strcmp(cmd, "help") == 0) {
		print_help(stdout);
		return close_stdout("help", EXIT_OK);
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("vmscope %s\n", PACKAGE_VERSION);
		return close_stdout("--version", EXIT_OK);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(cmd, commands[i].name) == 0) {
			int st = commands[i].fn(argc - 1, argv + 1);
			g_free(vm_cli_profile);
			g_strfreev(vm_cli_sets);
			g_free(vm_cli_format);
			g_free(vm_cli_timeline);
			return close_stdout(commands[i].name, st);
		}
	fprintf(stderr, "vmscope: unknown command '%s'\n", cmd);
	print_help(stderr);
	return EXIT_USAGE;
}
