/*
 * readers: time the trace readers alone, for tests/bench.sh (issue 17,
 * docs/speed.md): what reading a .vmt or a .vmtb costs with no simulation.
 *
 *   readers TRACE...
 *
 * Reads each TRACE as `vmscope run` reads it, through traces/vmt.h and
 * nothing else: first the check pass (vm_vmt_set_skim, as sim/engine.c's
 * engine_prepare sets it: the one-page accesses that follow an access of
 * the same process are passed over, not decoded), then a rewind and the
 * run pass, every record into one record kept across the calls
 * (vm_vmt_keep_record, as the engine keeps its own).  The engine's checks
 * of the records (sim/tracecheck.c) and the simulation are left out, so
 * the difference of the two formats' figures is what the binary format
 * saves a replay.  One line per TRACE:
 *
 *   TRACE check S run S records N
 *
 * S: CPU seconds (user + system, getrusage) of each pass; N: the records
 * the run pass read.  Exit status 0, 1 when a trace cannot be read, 2 on
 * bad usage.
 */
#include <stdio.h>
#include <sys/resource.h>
#include "traces/vmt.h"

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Read @r to its end; the records read, or -1 with @error. */
static int64_t read_all(vm_vmt_reader_t *r, GError **error)
{
	vm_record_t rec;
	int64_t n = 0;
	vm_vmt_keep_record(r, &rec);
	while (vm_vmt_next(r, &rec, error))
		n++;
	return *error ? -1 : n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: readers TRACE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		GError *err = NULL;
		vm_vmt_reader_t *r = vm_vmt_open(argv[i], &err);
		if (!r) {
			fprintf(stderr, "readers: %s\n", err->message);
			return 1;
		}
		double t0 = cpu_now();
		vm_vmt_set_skim(r, TRUE);
		int64_t nc = read_all(r, &err);
		double t1 = cpu_now();
		if (nc < 0 || !vm_vmt_rewind(r, &err)) {
			fprintf(stderr, "readers: %s\n", err->message);
			return 1;
		}
		double t2 = cpu_now();
		int64_t n = read_all(r, &err);
		double t3 = cpu_now();
		if (n < 0) {
			fprintf(stderr, "readers: %s\n", err->message);
			return 1;
		}
		printf("%s check %.6f run %.6f records %" G_GINT64_FORMAT "\n",
		       argv[i], t1 - t0, t3 - t2, n);
		vm_vmt_close(r);
	}
	return 0;
}
