/*
 * bench-seek: time vm_engine_seek on a trace, as the TUI's `b`, `g` and
 * search use it (`make bench-seek` runs it through tests/bench-seek.sh on a
 * 1,000,000-event trace from tests/gen-bench).
 *
 *   bench-seek [-r ROUNDS] [--no-snapshots] TRACE
 *
 * Opens TRACE with snapshots on (as the TUI does) and reports, in seconds
 * of wall time: the first seek to the end (a full replay that also takes
 * the snapshots), `b` from the end (seek to n-1), a jump to the middle,
 * then ROUNDS jumps to random events (fixed seed), with their median and
 * maximum, and the snapshots kept.  --no-snapshots measures the replay
 * from the start that seek did before snapshots, for comparison.
 * Exit status: 0, 1 on an error, 2 when a seek took longer than 0.25 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "sim/engine.h"

#define TARGET_S 0.25

static double worst;

static double timed_seek(vm_engine_t *e, uint64_t n)
{
	GError *err = NULL;
	gint64 t0 = g_get_monotonic_time();
	if (!vm_engine_seek(e, n, &err)) {
		fprintf(stderr, "bench-seek: seek %" G_GUINT64_FORMAT ": %s\n", n,
			err->message);
		exit(1);
	}
	double s = (double)(g_get_monotonic_time() - t0) / 1e6;
	if (s > worst)
		worst = s;
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	gboolean no_snap = FALSE;
	int rounds = 20;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-snapshots") == 0)
			no_snap = TRUE;
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else
			path = argv[i];
	}
	if (!path || rounds < 1) {
		fprintf(stderr, "usage: bench-seek [-r ROUNDS] [--no-snapshots] TRACE\n");
		return 1;
	}
	GError *err = NULL;
	vm_engine_opts_t opts = { .snapshots = !no_snap };
	gint64 t0 = g_get_monotonic_time();
	vm_engine_t *e = vm_engine_open(path, NULL, NULL, &opts, &err);
	if (!e) {
		fprintf(stderr, "bench-seek: %s\n", err->message);
		return 1;
	}
	double open_s = (double)(g_get_monotonic_time() - t0) / 1e6;

	double end_s = timed_seek(e, UINT64_MAX);
	uint64_t n = vm_engine_events(e);
	double back_s = timed_seek(e, n - 1);
	double back2_s = timed_seek(e, n - 2);
	double mid_s = timed_seek(e, n / 2);
	double end2_s = timed_seek(e, n);
	double *r = g_new(double, rounds);
	uint64_t seed = 42;
	for (int i = 0; i < rounds; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r[i] = timed_seek(e, (seed >> 11) % (n + 1));
	}
	qsort(r, (size_t)rounds, sizeof *r, cmp_double);
	unsigned nr;
	uint64_t bytes, every;
	vm_engine_snapshot_info(e, &nr, &bytes, &every);

	printf("bench-seek: %s, %" G_GUINT64_FORMAT " events, snapshots %s\n",
	       path, n, no_snap ? "off" : "on");
	printf("  %-34s %8.3f s\n", "open (check pass)", open_s);
	printf("  %-34s %8.3f s\n", "seek to the end (first time)", end_s);
	printf("  %-34s %8.3f s\n", "b from the end (seek n-1)", back_s);
	printf("  %-34s %8.3f s\n", "b again (seek n-2)", back2_s);
	printf("  %-34s %8.3f s\n", "jump to the middle", mid_s);
	printf("  %-34s %8.3f s\n", "jump back to the end", end2_s);
	printf("  %-34s %8.3f s median, %.3f s max\n", "random jumps", r[rounds / 2],
	       r[rounds - 1]);
	printf("  snapshots: %u kept, %.1f MiB, one every %" G_GUINT64_FORMAT
	       " work units\n", nr, (double)bytes / 1048576.0, every);
	printf("  slowest seek: %.3f s (target %.2f s): %s\n", worst, TARGET_S,
	       worst <= TARGET_S ? "ok" : "TOO SLOW");
	g_free(r);
	vm_engine_free(e);
	return worst <= TARGET_S ? 0 : 2;
}
