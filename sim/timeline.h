/*
 * The timeline (docs/timeline.md, `--timeline FILE`): a Chrome trace-event JSON
 * file that ui.perfetto.dev and chrome://tracing open, written while a
 * replay runs.  What it shows, in simulated time (ts in microseconds, with
 * the nanoseconds as three decimals):
 *
 *   pid N          one track per process: faults as complete (X) slices
 *                  that cover the wait for the disk, read/write/fsync/
 *                  msync/sleep as slices, every other system call, fork,
 *                  exit, signals and notes as instants; OOM kills as
 *                  process-wide instants
 *   disk TYPE      one thread per queue slot, each request an X slice
 *                  from the moment it got a slot to its completion, and
 *                  flow arrows to it from the fault or call that waits
 *   memory         counters (C) of free, file, anon, dirty and swap pages,
 *                  sampled after every event that changed them
 *   (global)       crashes and a run's failure, as global instants
 *
 * The events are streamed, as the run makes them, into a temporary file
 * beside FILE (traces/outfile.h), renamed to FILE when the run ends, so
 * FILE is never partly written and the memory used does not grow with the
 * run.  A run that stops on an
 * error (out of memory with oom.policy=none, a bad line in a stream, an
 * invariant violated under --check) still gets its timeline, up to the
 * failure and ending with a "run failed" instant: that is when one wants
 * to see what led there.  A trace or profile that cannot be opened gets no
 * timeline at all (nothing was simulated).
 *
 * The writer hooks the engine's on_step/on_access/on_expect_fail callbacks,
 * calling whatever callbacks were there before (explain's narration), and
 * the disk's on_io observer.  Output depends only on the simulation, so it
 * is byte-identical for the same inputs.  It follows a straight run:
 * vm_engine_seek (the TUI's going back) replaces the machine and is not
 * followed.
 */
#ifndef VM_TIMELINE_H
#define VM_TIMELINE_H

#include <glib.h>
#include "sim/engine.h"

typedef struct vm_timeline vm_timeline_t;

/*
 * A timeline to be written to @path.  Nothing is created yet: call
 * vm_timeline_hook before opening the engine, vm_timeline_start once it is
 * open.
 */
vm_timeline_t *vm_timeline_new(const char *path);

/*
 * Put the timeline's callbacks into @opts, keeping the ones already there
 * (and their ctx) to call after its own.  Before vm_engine_open.
 */
void vm_timeline_hook(vm_timeline_t *tl, vm_engine_opts_t *opts);

/*
 * Open FILE (traces/outfile.h), write the header and the state at time 0, and attach the
 * disk observer to @e's machine.  FALSE with @error (VM_ERROR_IO, naming
 * the file) when it cannot be created; nothing is left behind then.
 */
gboolean vm_timeline_start(vm_timeline_t *tl, vm_engine_t *e, GError **error);

/*
 * End the timeline: @run_error is the run's error, or NULL when it
 * completed (failed expectations are a completed run).  Writes the closing
 * part and renames the temporary file to FILE.  FALSE with @error
 * (VM_ERROR_IO) when the file could not be written; the temporary file is
 * removed then.
 */
gboolean vm_timeline_finish(vm_timeline_t *tl, const GError *run_error,
			    GError **error);

/* Free @tl; a timeline started and not finished has its temporary file removed.
 * NULL is allowed.  Unless finished, the engine's disk still points at @tl:
 * free the engine too, without running it further. */
void vm_timeline_free(vm_timeline_t *tl);

/* Events written so far (metadata included). */
uint64_t vm_timeline_events(const vm_timeline_t *tl);

#endif
