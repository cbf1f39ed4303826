/*
 * The engine owns time and order (docs/format.md): it reads a trace, checks it,
 * builds the machine, and replays the events one at a time on one simulated
 * CPU, advancing the clock by each event's cost and jumping it forward to the
 * next timed event when every process waits.
 *
 * Order: events start in file order, except that while a process waits
 * (sleep now, disk I/O later) the later events of other processes may start,
 * at most VM_ENGINE_WINDOW records ahead.  Records read ahead are kept in
 * per-process FIFOs stamped with their position in the file; the next event
 * to run is the oldest head among processes that can run, so a pick costs
 * O(processes), not O(window).  A `crash` is a barrier.
 *
 * Callers: `run` (sim/main.c), batch and validate call vm_engine_run;
 * `explain` calls vm_engine_steps (a burst of events, its output checked
 * between bursts); the TUI and the snapshots call vm_engine_step.
 * Narration goes through the on_step/on_access callbacks, built into text
 * by sim/narrate.c only when they are set.
 */
#ifndef VM_ENGINE_H
#define VM_ENGINE_H

#include <glib.h>
#include "models/machine.h"
#include "traces/record.h"

#define VM_ENGINE_WINDOW 65536

typedef struct vm_engine vm_engine_t;

/* What one event did, for narration and the UI. */
typedef struct {
	const vm_record_t *rec;   /* the record (valid during the callback) */
	uint64_t index;           /* event number, 1-based, in file order */
	uint64_t start_ns;        /* when it started running */
	uint64_t end_ns;          /* when its CPU work ended */
	uint64_t nr_access;       /* pages touched (ACCESS, SEQ, RAND) */
	uint64_t outcomes[VM_OUT_NR]; /* how many of each outcome */
	vm_result_t last;         /* the last access's result, or the system
				   * call's (models/result.h) */
	uint64_t last_vaddr;
	uint8_t switched;         /* a context switch preceded it */
	uint8_t flushed;          /* ... and flushed the TLBs (no ASIDs) */
	uint8_t skipped;          /* its process was dead: nothing done */
	uint8_t killed;           /* it killed its process (kill reason in proc) */
	uint8_t caught;           /* a signal was caught and the access skipped */
	uint8_t blocked;          /* it left its process waiting (sleep) */
	uint8_t expect_ok;        /* EXPECT: all checks held */
	uint8_t resumed;          /* the continuation of a record that waited */
	uint64_t wait_until;      /* blocked: when the wait ends (0: none) */
	const char *expect_msg;   /* EXPECT: the first failure, or NULL */
	uint64_t evicted;         /* pages reclaim evicted during it */
	uint64_t pageouts;        /* dirty pages whose write reclaim started */
	uint64_t oom_kills;       /* processes the OOM killer killed during it */
	uint64_t lost, torn;      /* CRASH: dirty pages lost, writes torn */
	uint64_t kswapd;          /* kswapd wake-ups during it */
	/* several CPUs (cpus > 1) */
	uint8_t smp;              /* it ran on CPU `cpu` */
	uint16_t cpu;
	uint32_t ipis;            /* TLB-shootdown IPIs it sent */
	uint32_t shootdowns;      /* flush_tlb_mm_range calls that reached
				   * another CPU (an IPI, or a lazy CPU
				   * skipped): models/smp.h last is the
				   * latest */
} vm_step_t;

typedef struct {
	gboolean check;           /* run the invariant checker after each event */
	/* Called after every event (also skipped ones). */
	void (*on_step)(void *ctx, vm_engine_t *e, const vm_step_t *st);
	/* Called for every page access when set (explain --each). */
	void (*on_access)(void *ctx, vm_engine_t *e, const vm_record_t *rec,
			  uint64_t vaddr, vm_acc_t acc, const vm_result_t *res);
	/* Called for every failed expect line, with the message of docs/format.md (expect). */
	void (*on_expect_fail)(void *ctx, const char *msg);
	void *ctx;
	/* Keep snapshots of the whole state while stepping, so that
	 * vm_engine_seek restores the nearest one at or before its target
	 * and replays only from there (the TUI).  Off for `run` and
	 * `explain`, which pay nothing for it.  Trace files and memory only:
	 * a stream cannot go back, and keeps the replay from the start. */
	gboolean snapshots;
	/* Memory the snapshots may take, bytes; 0: VM_ENGINE_SNAP_MEM. */
	uint64_t snapshot_mem;
	/* Work between two snapshots, exactly (tests); 0: the rule below. */
	uint64_t snapshot_every;
} vm_engine_opts_t;

/*
 * Snapshots: one at the start, then one whenever VM_ENGINE_SNAP_EVERY units
 * of work (an event is one unit plus one per page it touches), or half a
 * unit per byte of the latest snapshot if that is more, have run since the
 * previous one.  When they outgrow the memory budget, or number more than
 * VM_ENGINE_SNAP_MAX, every other one is dropped and the spacing doubles, so they stay evenly spread over
 * the part of the trace visited, in bounded memory.  A machine too large
 * for four snapshots to fit gets none (seek then replays from the start).
 */
#define VM_ENGINE_SNAP_EVERY 20000
#define VM_ENGINE_SNAP_MEM ((uint64_t)256 << 20)
/* ... and at most this many, thinned as when over the budget: their
 * memory then follows the machine (a snapshot is its used state), not the
 * trace's length (docs/snapshots.md). */
#define VM_ENGINE_SNAP_MAX 64

/*
 * Open the trace at @path ("-": standard input) and prepare a replay: read
 * its header (set lines go on top of @base, then @overrides "KEY=VALUE"
 * NULL-terminated).  @base NULL: the trace's `profile` header, or `default`;
 * a @base given explicitly (-p) wins over the trace's `profile`.  Then
 * validate the profile, check the whole trace when it is a
 * file, and build the machine.  NULL with @error on any problem; nothing has
 * been simulated then.
 */
vm_engine_t *vm_engine_open(const char *path, const vm_config_t *base,
			    char **overrides, const vm_engine_opts_t *opts,
			    GError **error);
/* The same for a trace held in memory (the built-in tour, tests). */
vm_engine_t *vm_engine_open_memory(const char *name, const char *text,
				   const vm_config_t *base, char **overrides,
				   const vm_engine_opts_t *opts,
				   GError **error);
void vm_engine_free(vm_engine_t *e);

/*
 * Run one event.  Returns 1 when an event ran, 0 at the end of the trace,
 * -1 with @error on an error (a bad line in a stream, out of memory with no
 * OOM policy, an invariant violation under opts.check).
 */
int vm_engine_step(vm_engine_t *e, GError **error);
/* Up to @max events (at least one) in one call, each told to the
 * callbacks as vm_engine_step tells it: for a caller that steps a watched
 * run and checks something every so often (explain: its output), without
 * a return and a call between two events.  Returns as vm_engine_step:
 * 1 when events ran and more may follow. */
int vm_engine_steps(vm_engine_t *e, uint64_t max, GError **error);
/* Run to the end.  FALSE with @error as vm_engine_step. */
gboolean vm_engine_run(vm_engine_t *e, GError **error);

/*
 * Go to the state after @n events (0: before the first), forward or back.
 * The callbacks run only for the n-th event, so a UI can narrate where it
 * lands.  Past the end it stops at the end (vm_engine_events tells where).
 * FALSE with @error as vm_engine_step.  The engine handle stays valid.
 */
gboolean vm_engine_seek(vm_engine_t *e, uint64_t n, GError **error);

/* The snapshots kept now: how many, their bytes (about) and the work
 * between two of them.  All 0 when the engine keeps none. */
void vm_engine_snapshot_info(const vm_engine_t *e, unsigned *nr,
			     uint64_t *bytes, uint64_t *every);

vm_machine_t *vm_engine_machine(vm_engine_t *e);
const vm_config_t *vm_engine_config(const vm_engine_t *e);
const char *vm_engine_trace_name(const vm_engine_t *e);
uint64_t vm_engine_now(const vm_engine_t *e);
uint64_t vm_engine_expect_passed(const vm_engine_t *e);
uint64_t vm_engine_expect_failed(const vm_engine_t *e);
/* Events run so far. */
uint64_t vm_engine_events(const vm_engine_t *e);
/* Page accesses of the trace that did not run because their process had
 * died (killed by the OOM killer or a signal, or exited) so far: with the
 * `accesses` statistic, how much of the trace ran (batch's `ran`). */
uint64_t vm_engine_skipped_accesses(const vm_engine_t *e);

/* The memory cgroup a profile's cgroup.max puts pid 1 in. */
#define VM_ENGINE_CGROUP "profile"

#endif
