/*
 * tui-run: time the TUI's run to a breakpoint, for tests/bench.sh.
 *
 *   tui-run TRACE [NAME=VALUE...]
 *
 * Opens TRACE in the TUI drawn without a terminal (ui/headless.c), with the
 * profile settings NAME=VALUE as -s gives them, and types `r` (run to a
 * breakpoint or the end: none is set, so the end).  Prints one line:
 * "OPEN_S RUN_S EVENTS", the CPU seconds (user + system, getrusage) of
 * vm_tui_open (the silent index pass over the whole trace, then the
 * view's engine) and of the run alone, and the events run.  The run is
 * the figure issue 17 compares with `run` (docs/speed.md): the engine with
 * snapshots and the TUI's per-event callbacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "sim/engine.h"
#include "ui/tui.h"

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: tui-run TRACE [NAME=VALUE...]\n");
		return 2;
	}
	if (!vm_tui_headless_begin(40, 120)) {
		fprintf(stderr, "tui-run: cannot set up curses on /dev/null (TERM=screen)\n");
		return 1;
	}
	vm_tui_t *t = vm_tui_new();
	GError *err = NULL;
	double t0 = cpu_now();
	if (!vm_tui_open(t, argv[1], NULL, NULL, argv + 2, FALSE, &err)) {
		vm_tui_headless_end();
		fprintf(stderr, "tui-run: %s\n", err->message);
		return 1;
	}
	double t1 = cpu_now();
	vm_tui_key(t, 'r');
	double t2 = cpu_now();
	printf("%.6f %.6f %" G_GUINT64_FORMAT "\n", t1 - t0, t2 - t1, t->cur);
	vm_tui_free(t);
	vm_tui_headless_end();
	return 0;
}
