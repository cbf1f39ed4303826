/*
 * vmscope record: a real program's memory accesses and memory system calls
 * as a trace.
 *
 *   vmscope record [-o FILE] [--no-instr] [--sample N] [--keep-logs DIR]
 *                  -- CMD [ARG...]
 *
 * The program runs under Valgrind's Lackey tool:
 *
 *   valgrind --tool=lackey --trace-mem=yes --trace-children=yes
 *            --trace-syscalls=yes --trace-sched=yes
 *            --log-file=TMPDIR/lk.%p.%n.log CMD ARG...
 *
 * --trace-mem prints every load, store, modify and instruction fetch;
 * --trace-syscalls prints every system call with its arguments and result
 * into the same log, in order with the accesses, so no second tracer
 * (strace) is needed; %p and %n give each process, and each program a
 * process execs, a log of its own, so forks can be followed; --trace-sched
 * prints which thread runs, so threads can be (traces/lackey.c).  Then the logs
 * are imported (traces/lackey.c says how) into FILE: .vmtb when its name
 * ends so, else .vmt (default: record.vmt).  The logs live in a temporary
 * directory that is removed, unless --keep-logs names where to keep them.
 *
 * The program's standard input, output and error are left alone; those
 * that are regular files (a shell's `< FILE`, `> FILE`) are in the trace,
 * opened on their fds before the first record (inherited_files), so that
 * the program's reads and writes of them are too.  Its exit status is
 * reported, and a trace is written even when it fails (a crash is worth
 * replaying too).  VMSCOPE_VALGRIND overrides the valgrind program.
 *
 * Nothing is left behind on an error or on SIGINT, SIGTERM or SIGHUP: the
 * handlers only note the signal; a signal while Valgrind runs is passed on
 * to it (Ctrl-C reaches it anyway, through the terminal's process group)
 * and waited for, one during the import stops it at its next block, and
 * then the logs' directory and the output's temporary file are removed and
 * vmscope dies of the same signal, as the shell expects.
 */
#include <config.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "sim/cli.h"
#include "traces/error.h"
#include "traces/lackey.h"
#include "traces/writer.h"

static char *opt_out;
static gboolean opt_no_instr;
static gint64 opt_sample;
static char *opt_keep;

static GOptionEntry entries[] = {
	{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
	  "the trace to write (default record.vmt; .vmtb: binary)", "FILE" },
	{ "no-instr", 0, 0, G_OPTION_ARG_NONE, &opt_no_instr,
	  "drop instruction fetches", NULL },
	{ "sample", 0, 0, G_OPTION_ARG_INT64, &opt_sample,
	  "keep one access in N", "N" },
	{ "keep-logs", 0, 0, G_OPTION_ARG_FILENAME, &opt_keep,
	  "keep Valgrind's logs in DIR (created)", "DIR" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static volatile sig_atomic_t got_signal;
static const int caught[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved[G_N_ELEMENTS(caught)];

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* Catch the signals that end a recording (no SA_RESTART: waitpid returns
 * EINTR, so the signal can be passed on). */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < G_N_ELEMENTS(caught); i++)
		sigaction(caught[i], &sa, &saved[i]);
}

static void
restore_signals(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(caught); i++)
		sigaction(caught[i], &saved[i], NULL);
}

/* After cleaning up: die of the signal that interrupted us. */
static void
die_of_signal(void)
{
	int sig = got_signal;

	fprintf(stderr, "vmscope record: interrupted (%s)\n", g_strsignal(sig));
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void
remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *ent;

	while (d != NULL && (ent = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, ent, NULL);

		g_unlink(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
}

/* Run valgrind on @cmd with its logs in @dir; the pid of the first
 * process (whose first log is lk.PID.1.log) in *pid, its wait status in
 * *wstatus.  FALSE with a message printed when it could not start. */
static gboolean
run_valgrind(const char *dir, char **cmd, int ncmd, pid_t *pid, int *wstatus)
{
	const char *vg = g_getenv("VMSCOPE_VALGRIND");
	GPtrArray *av = g_ptr_array_new_with_free_func(g_free);
	char *path;
	pid_t p;
	int fds[2];
	char errbyte;

	if (vg == NULL || *vg == '\0')
		vg = "valgrind";
	path = g_find_program_in_path(vg);
	if (path == NULL) {
		vm_cli_usage_error("record", "%s not found: record needs Valgrind "
				   "(scripts/setup.sh installs it)", vg);
		g_ptr_array_free(av, TRUE);
		return FALSE;
	}
	g_ptr_array_add(av, path);
	g_ptr_array_add(av, g_strdup("--tool=lackey"));
	g_ptr_array_add(av, g_strdup("--trace-mem=yes"));
	g_ptr_array_add(av, g_strdup("--trace-children=yes"));
	g_ptr_array_add(av, g_strdup("--trace-syscalls=yes"));
	/* the scheduler's lines say which thread runs (Valgrind runs one
	 * at a time): traces/lackey.c follows threads by them */
	g_ptr_array_add(av, g_strdup("--trace-sched=yes"));
	g_ptr_array_add(av, g_strdup_printf("--log-file=%s/lk.%%p.%%n.log", dir));
	for (int i = 0; i < ncmd; i++)
		g_ptr_array_add(av, g_strdup(cmd[i]));
	g_ptr_array_add(av, NULL);

	/* A pipe closed on exec tells whether the exec worked. */
	if (pipe2(fds, O_CLOEXEC) != 0) {
		vm_cli_usage_error("record", "pipe: %s", g_strerror(errno));
		g_ptr_array_free(av, TRUE);
		return FALSE;
	}
	fflush(NULL);
	p = fork();
	if (p < 0) {
		vm_cli_usage_error("record", "fork: %s", g_strerror(errno));
		g_ptr_array_free(av, TRUE);
		return FALSE;
	}
	if (p == 0) {
		char e;

		close(fds[0]);
		execv((char *)av->pdata[0], (char **)av->pdata);
		e = (char)errno;
		if (write(fds[1], &e, 1) < 0)
			_exit(127);
		_exit(127);
	}
	close(fds[1]);
	g_ptr_array_free(av, TRUE);
	if (read(fds[0], &errbyte, 1) == 1) {
		close(fds[0]);
		waitpid(p, wstatus, 0);
		vm_cli_usage_error("record", "cannot run %s: %s", vg,
				   g_strerror(errbyte));
		return FALSE;
	}
	close(fds[0]);
	while (waitpid(p, wstatus, 0) < 0 && errno == EINTR)
		if (got_signal)
			kill(p, got_signal);   /* and wait for it to end */
	*pid = p;
	return TRUE;
}

/*
 * Standard input, output and error, when they are regular files: the
 * program inherits them, so its reads and writes of fds 0 to 2 are of
 * those files.  The path is /proc/self/fd's link, when it still names the
 * same file (not one deleted or renamed since it was opened); the offset
 * is where the shell left it.  Fills @in (3 entries); how many.
 */
static unsigned
inherited_files(vm_lackey_fd_t *in, char **paths)
{
	unsigned n = 0;

	for (int fd = 0; fd <= 2; fd++) {
		struct stat st, named;
		char link[32];
		char *path;
		off_t off;

		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		g_snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		path = g_file_read_link(link, NULL);
		if (path == NULL || path[0] != '/' || stat(path, &named) != 0 ||
		    named.st_dev != st.st_dev || named.st_ino != st.st_ino) {
			g_free(path);
			continue;
		}
		off = lseek(fd, 0, SEEK_CUR);
		paths[n] = path;
		in[n].fd = fd;
		in[n].path = path;
		in[n].off = off > 0 ? (uint64_t)off : 0;
		n++;
	}
	return n;
}

int
vm_cmd_record(int argc, char **argv)
{
	int status = 0, wstatus = 0;
	const char *out;
	char *dir, *first;
	gboolean ok;
	pid_t pid;
	vm_writer_t *w;
	vm_lackey_opts_t o;
	vm_lackey_stats_t st;
	vm_lackey_fd_t in[3];
	char *in_paths[3] = { NULL, NULL, NULL };
	unsigned nr_in;
	GError *err = NULL;

	if (!vm_cli_parse_options("record", "-- CMD [ARG...]",
				  "Run CMD under Valgrind (lackey, with its system calls) and\n"
				  "write its memory accesses, mappings, files and forks as a trace.",
				  entries, FALSE, &argc, &argv, &status))
		return status;
	/* GOption leaves "--" in argv when it stops there. */
	if (argc >= 2 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc < 2)
		return vm_cli_usage_error("record", "expected -- CMD [ARG...] "
					  "(see 'vmscope record --help')");
	if (opt_sample < 0)
		return vm_cli_usage_error("record", "--sample %" G_GINT64_FORMAT
					  ": expected a positive number", opt_sample);
	out = opt_out != NULL ? opt_out : "record.vmt";

	catch_signals();
	if (opt_keep != NULL) {
		if (g_mkdir_with_parents(opt_keep, 0755) != 0)
			return vm_cli_usage_error("record", "%s: %s", opt_keep,
						  g_strerror(errno));
		dir = g_strdup(opt_keep);
	} else {
		dir = g_dir_make_tmp("vmscope-record-XXXXXX", &err);
		if (dir == NULL) {
			restore_signals();
			return vm_cli_report(err);
		}
	}
	/* before the program runs: it moves the offsets */
	nr_in = inherited_files(in, in_paths);
	if (!run_valgrind(dir, argv + 1, argc - 1, &pid, &wstatus)) {
		if (opt_keep == NULL)
			remove_dir(dir);
		for (unsigned i = 0; i < G_N_ELEMENTS(in_paths); i++)
			g_free(in_paths[i]);
		g_free(dir);
		if (got_signal)
			die_of_signal();
		restore_signals();
		return EXIT_USAGE;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
		fprintf(stderr, "vmscope record: %s exited with status %d\n",
			argv[1], WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		fprintf(stderr, "vmscope record: %s was killed by signal %d\n",
			argv[1], WTERMSIG(wstatus));

	first = g_strdup_printf("%s/lk.%d.1.log", dir, (int)pid);
	if (got_signal)
		goto out;
	if (!g_file_test(first, G_FILE_TEST_EXISTS)) {
		status = vm_cli_usage_error("record", "valgrind wrote no log (%s)",
					    first);
		goto out;
	}
	w = vm_writer_open(out, g_str_has_suffix(out, ".vmtb"), &err);
	if (w == NULL) {
		status = vm_cli_report(err);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.no_instr = opt_no_instr;
	o.sample = (uint64_t)opt_sample;
	o.log_dir = dir;
	o.cancel = &got_signal;
	o.inherited = in;
	o.nr_inherited = nr_in;
	ok = vm_lackey_convert(first, &o, w, &st, &err);
	if (!ok || got_signal) {
		vm_writer_abort(w);
		if (got_signal)
			g_clear_error(&err);  /* die_of_signal says why */
		else
			status = vm_cli_report(err);
		goto out;
	}
	if (!vm_writer_commit(w, &err)) {
		status = vm_cli_report(err);
		goto out;
	}
	char *thr = st.threads ? g_strdup_printf(", %u thread%s", st.threads,
							   st.threads == 1 ? "" : "s")
					  : g_strdup("");
	fprintf(stderr, "vmscope record: %s: %u process%s%s, %" G_GUINT64_FORMAT
		" accesses -> %" G_GUINT64_FORMAT " access records, %"
		G_GUINT64_FORMAT " call records, %u file%s\n", out, st.processes,
		st.processes == 1 ? "" : "es", thr, st.accesses_in, st.accesses_out,
		st.syscalls_out, st.files, st.files == 1 ? "" : "s");
	g_free(thr);
out:
	if (opt_keep == NULL)
		remove_dir(dir);
	for (unsigned i = 0; i < G_N_ELEMENTS(in_paths); i++)
		g_free(in_paths[i]);
	g_free(first);
	g_free(dir);
	if (got_signal)
		die_of_signal();
	restore_signals();
	return status;
}
