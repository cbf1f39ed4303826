/*
 * The engine's insides, shared by the files that make it up (see
 * docs/design.md for the picture):
 *
 *   engine.c   opening a trace (header, profile, the check pass, the
 *              machine), the step loop (events, kswapd's turns, the next
 *              record, crash), running one record through the models
 *   sched.c    tasks: one per pid, the records read ahead for each, which
 *              can run, waits and wake-ups (the order rules of
 *              docs/format.md)
 *   expect.c   `expect` lines
 *   snap.c     snapshots and vm_engine_seek
 *
 * Nothing outside sim/engine*.c, sim/sched.c, sim/expect.c and sim/snap.c
 * includes this header: everyone else goes through engine.h.
 */
#ifndef VM_ENGINE_INT_H
#define VM_ENGINE_INT_H

#include "sim/engine.h"
#include "sim/tracecheck.h"
#include "sim/oracle.h"
#include "traces/vmt.h"
#include "models/proc.h"

typedef struct {
	vm_record_t rec;      /* owned copy */
	uint64_t seq;         /* position among events in the file */
	uint32_t gen;         /* the incarnation of its pid it belongs to */
	uint32_t child_gen;   /* a fork: the incarnation of the child it makes */
} qrec_t;

/* A task: the records of one pid, and where its process stands.
 *
 * A pid can be used again once its process has exited: each process that
 * bears it is an incarnation, numbered 1, 2, ... in the order of the forks
 * that make them (pid 1's first is the boot's), and each record read is
 * stamped with the incarnation it belongs to, the latest fork of its pid
 * read before it.  A record runs only in its own incarnation, and a fork
 * waits until every record of the earlier ones has run: in the file, the
 * earlier process's exit came first, even when that process is still
 * waiting for the disk when the fork's turn comes. */
typedef struct {
	uint32_t pid;
	vm_proc_t *p;         /* the process of incarnation gen, once a fork
			       * (or boot) made it */
	uint32_t gen;         /* the incarnation that runs (0: none yet) */
	uint32_t forks_read;  /* the latest incarnation a fork read made */
	uint32_t fork_wait;   /* its next record is a fork of this pid, whose
			       * earlier incarnation has records to run (0:
			       * none) */
	uint32_t fork_waiters;/* tasks whose fork_wait is this pid */
	gboolean stillborn;   /* the fork that was to make incarnation gen was
			       * skipped (its parent had died): its events
			       * run, skipped */
	gboolean blocked;     /* waiting for a wake-up event */
	gboolean io_wait;     /* the wait counts as wait_ns (disk I/O) */
	uint64_t blocked_at;
	qrec_t *q;            /* ring buffer of records read ahead */
	uint32_t qhead, qlen, qcap;
	gboolean busy;        /* cur is in progress (it waited half-way) */
	vm_record_t cur;      /* the in-progress record (owned when busy) */
	uint64_t cur_seq;
	uint32_t cur_gen, cur_child_gen;
	uint64_t cur_pos;     /* next access of cur */
	uint64_t cur_n;       /* accesses cur makes (0: not an access) */
	uint64_t cur_rng;     /* RAND's splitmix64 state */
	uint32_t heap_at;     /* its place in the ready heap, or NO_HEAP */
	uint32_t at;          /* its place in engine.tasks */
	vm_proc_t *thread;    /* a thread (`clone`): its own vm_proc_t, p
			       * being its leader's, which the models get */
	/* several CPUs (cpus > 1): */
	int cpu;              /* the CPU it is placed on, -1: none (it waits,
			       * or never ran) */
	int last_cpu;         /* the one it ran on last, -1: none */
	int pin;              /* `pin CPU`: the only CPU it may run on, -1 */
} task_t;

/* The task's process, and its thread if it is one, are alive. */
static inline gboolean vm_task_alive(const task_t *t)
{
	return t->p && t->p->state == VM_PROC_RUNNING &&
	       (!t->thread || t->thread->state == VM_PROC_RUNNING);
}

#define NO_HEAP UINT32_MAX

/* Where the replay stands: the scalars a snapshot keeps, as one. */
typedef struct {
	uint32_t cpu_pid;               /* the process the CPU last ran (0:
					 * kswapd) */
	uint32_t nr_blocked;            /* tasks waiting for a wake-up event */
	uint64_t kswapd_next;           /* kswapd may take the CPU from a
					 * process from then on (it had it
					 * for as long just before) */
	uint64_t next_seq;
	uint64_t buffered;
	uint64_t crash_seq;
	gboolean eof;
	uint64_t events;
	uint64_t passed, failed;
	uint64_t work;                  /* for snapshots (see engine.h) */
	uint64_t skipped_accesses;      /* vm_engine_skipped_accesses */
} replay_pos_t;

struct vm_engine {
	vm_engine_opts_t opts;
	vm_config_t cfg;
	gboolean explicit_profile;      /* the caller chose it: ignore `profile` */
	GPtrArray *file_headers;        /* `file` records, created with the machine */
	GHashTable *header_names;       /* their names (borrowed) */
	uint64_t header_bytes;          /* the disk they take */
	unsigned nr_sets;               /* `set` lines applied so far */
	vm_vmt_reader_t *rd;
	char *name;
	vm_tracecheck_t *stream_check;  /* checks as we go (streams only) */
	gboolean have_first;            /* first (stream) event is in `first` */
	gboolean first_lent;            /* `rec` borrows `first`'s strings */
	vm_record_t first;
	vm_machine_t *m;
	vm_oracle_t *oracle;            /* reclaim.policy=opt only */
	/* sched.c */
	GHashTable *by_pid;             /* pid -> task_t* */
	GPtrArray *tasks;               /* every task (task_t.at) */
	task_t *last_task;              /* the last one looked up */
	task_t **ready;                 /* min-heap by next record's position:
					 * the tasks that can run and have a
					 * record to run */
	uint32_t nr_ready, cap_ready;
	replay_pos_t pos;
	uint64_t whole_accesses;        /* accesses run_page_run took whole
					 * (tests/test-engine.c) */
	uint64_t other_accesses;        /* accesses run_other_again ran
					 * (tests/test-engine.c) */
	uint64_t burst_left;            /* watched one-page records a burst
					 * may still run (vm_engine_steps) */
	gboolean crash_pending;         /* a crash read ahead: a barrier */
	vm_record_t crash;              /* its copy */
	vm_record_t kswapd_rec;         /* the record of kswapd's turns */
	vm_record_t rec;                /* scratch for the reader */
	vm_step_t st;
	GString *msg;
	/* what vm_engine_seek needs to open the trace again */
	char *path;                     /* NULL: a trace in memory */
	char *text;                     /* ... this one */
	vm_config_t base;
	gboolean have_base;
	char **overrides;
	/* snap.c: snapshots (opts.snapshots), ordered by event number; NULL:
	 * none */
	GPtrArray *snaps;
	uint64_t snap_last;             /* work at the snapshot at or before
					 * the current position */
	guint snap_next;                /* first snapshot past the position */
	uint64_t snap_every;            /* work between two snapshots, at least */
	uint64_t snap_gap;              /* ... and with the latest one's size */
	uint64_t snap_bytes, snap_cap;
	/* several CPUs: the record running now started at smp_start on
	 * CPU smp_cpu; the clock goes back to smp_start after it, so that
	 * the next record, on another CPU, may start before it ended */
	gboolean smp_active;
	unsigned smp_cpu;
	uint64_t smp_start;
	uint64_t smp_serial;            /* shootdowns (smp last.serial) then */
};

/* Someone looks at each step (a callback, the checker, snapshots): the
 * step record is kept up to date.  Without, a step fills only what the
 * replay itself needs. */
static inline gboolean vm_engine_watched(const vm_engine_t *e)
{
	return e->opts.on_step || e->opts.on_access || e->opts.check ||
	       e->snaps;
}

/* ---- sched.c ------------------------------------------------------------- */

void vm_sched_init(vm_engine_t *e);
void vm_sched_destroy(vm_engine_t *e);
task_t *vm_sched_lookup(vm_engine_t *e, uint32_t pid);
/* The task of @pid, created on first use; inline for the last one, which
 * nearly every record of a trace names again. */
static inline task_t *vm_sched_task(vm_engine_t *e, uint32_t pid)
{
	if (G_LIKELY(e->last_task && e->last_task->pid == pid))
		return e->last_task;
	return vm_sched_lookup(e, pid);
}
/* A record of @t's, of incarnation @gen, can start now: @t is not
 * waiting, the record's process exists (records of a child wait for the
 * fork that creates it) or never will (stillborn), and a fork (@rec) finds
 * its child's earlier incarnation done.  Not for a record in progress. */
gboolean vm_sched_can_start(vm_engine_t *e, task_t *t, const vm_record_t *rec,
			    uint32_t gen, uint32_t child_gen);
/* The record just read for @t: its incarnation, and a fork's child's
 * (counts the fork as read). */
void vm_sched_stamp(vm_engine_t *e, task_t *t, const vm_record_t *rec,
		    uint32_t *gen, uint32_t *child_gen);
/* Keep @rec (copied) for @t, read ahead at position @seq. */
void vm_sched_enqueue(vm_engine_t *e, task_t *t, const vm_record_t *rec,
		      uint64_t seq, uint32_t gen, uint32_t child_gen);
/* Incarnation @gen of @t begins: with @p, or stillborn when NULL. */
void vm_sched_incarnate(vm_engine_t *e, task_t *t, vm_proc_t *p, uint32_t gen);
/* The task whose next record is the oldest among those that can run, or
 * NULL.  O(1). */
static inline task_t *vm_sched_next(const vm_engine_t *e)
{
	return e->nr_ready ? e->ready[0] : NULL;
}
/* @t is about to run its next record: the oldest read ahead becomes its
 * current one (nothing when it resumes one). */
void vm_sched_start(vm_engine_t *e, task_t *t);
/* @t's state changed (a record finished or waits, its process came to be
 * or was found never to come): its place among the runnable. O(log n). */
void vm_sched_update(vm_engine_t *e, task_t *t);
/* @t waits until @until: for the disk (@io: counted as wait_ns) or a
 * timer; a VM_EV_WAKE is queued. */
void vm_sched_block(vm_engine_t *e, task_t *t, uint64_t until, gboolean io);
/* VM_EV_WAKE for @pid. */
void vm_sched_wake(vm_engine_t *e, uint32_t pid);
/* No task has a record in progress, read ahead or waiting (a crash may
 * run). */
gboolean vm_sched_idle(const vm_engine_t *e);
/* Drop @t if nothing refers to it any more: its process ended, nothing
 * read ahead or waiting, no fork of its pid read but not run.  Memory then
 * follows the live processes, however many a trace creates (a pid that
 * comes back gets a new task, its incarnations numbered from 1 again). */
void vm_sched_forget(vm_engine_t *e, task_t *t);
/* Rebuild the ready heap from the tasks (after a snapshot's restore). */
void vm_sched_rebuild(vm_engine_t *e);
void vm_sched_task_free(gpointer p);
/* An owned copy of @t, its process left out (the caller maps it). */
task_t *vm_sched_task_copy(const task_t *t);

/* Several CPUs (engine.c): @t leaves its CPU (it waits, or ended); a CPU
 * left with no task goes idle, in lazy TLB mode. */
void vm_engine_smp_unplace(vm_engine_t *e, task_t *t);

/* ---- expect.c ------------------------------------------------------------ */

/* Evaluate the `expect` line @rec (docs/format.md): counts it passed or
 * failed, and reports every failed check through opts.on_expect_fail. */
void vm_expect_run(vm_engine_t *e, const vm_record_t *rec);

/* ---- snap.c -------------------------------------------------------------- */

void vm_snap_init(vm_engine_t *e);
void vm_snap_free_all(vm_engine_t *e);
/* After every step while snapshots are on. */
void vm_snap_after_step(vm_engine_t *e);
gboolean vm_snap_seek(vm_engine_t *e, uint64_t n, GError **error);

#endif
