/*
 * Going back with snapshots (vm_engine_seek with opts.snapshots): after any
 * seek, forward or back, the state must be the one a fresh replay of the
 * same number of events reaches, to the last counter, and stepping on from
 * there must give what stepping on without snapshots gives.
 *
 * "The state" is everything observable: every global statistic of docs/statistics.md
 * (sim/stats.h), every process statistic of every process, the
 * expect counters, the clock, the event count, and a digest of the whole
 * machine (vm_clone_digest: frames, page tables, TLBs, processes, files,
 * swap, disk, reclaim counters).  Reference states come from one forward
 * replay without snapshots; the seeking engine snapshots every few events
 * (opts.snapshot_every) so that restores happen all the time, under the
 * invariant checker (opts.check), and in a second pass with a memory budget
 * so small that the snapshots are thinned again and again.
 *
 * Traces: every scenario in traces/scenarios and answer key in
 * traces/exercises, the built-in tour, and a
 * generated longer trace with fork, sleeps (so records wait in the
 * per-process FIFOs and records are resumed half-way), swap pressure, file
 * reads with readahead, writes and fsync, a caught and an uncaught SIGSEGV,
 * an OOM kill and a crash, replayed under every reclaim policy and with the
 * random TLB policy and an hdd.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "sim/tour.h"
#include "models/check.h"
#include "models/clone.h"
#include "tests/testlib.h"

static GPtrArray *files;

/* Everything observable after the events run so far, as text (so that a
 * difference shows where it is). */
static char *state_of(vm_engine_t *e)
{
	GString *s = g_string_new(NULL);
	vm_machine_t *m = vm_engine_machine(e);
	g_string_append_printf(s, "events=%" G_GUINT64_FORMAT " now=%" G_GUINT64_FORMAT
			       " passed=%" G_GUINT64_FORMAT " failed=%" G_GUINT64_FORMAT "\n",
			       vm_engine_events(e), vm_engine_now(e),
			       vm_engine_expect_passed(e), vm_engine_expect_failed(e));
	for (unsigned i = 0; i < vm_stats_nr_global(); i++)
		g_string_append_printf(s, "%s=%" G_GUINT64_FORMAT " ",
				       vm_stats_global_name(i), vm_stats_global(e, i));
	g_string_append_c(s, '\n');
	for (uint32_t k = 0; k < m->nr_procs; k++) {
		for (unsigned i = 0; i < vm_stats_nr_proc(); i++) {
			vm_statval_t v = vm_stats_proc(m->procs[k], i);
			if (v.is_word)
				g_string_append_printf(s, "%s=%s ", vm_stats_proc_name(i), v.word);
			else
				g_string_append_printf(s, "%s=%" G_GUINT64_FORMAT " ",
						       vm_stats_proc_name(i), v.num);
		}
		g_string_append_c(s, '\n');
	}
	char *d = vm_clone_digest(m);
	g_string_append_printf(s, "digest=%s\n", d);
	g_free(d);
	return g_string_free(s, FALSE);
}

typedef struct {
	const char *name;
	const char *path;        /* NULL: text */
	const char *text;
	char **overrides;
} trace_t;

static vm_engine_t *open_trace(const trace_t *t, const vm_engine_opts_t *opts)
{
	GError *err = NULL;
	vm_engine_t *e = t->path
		? vm_engine_open(t->path, NULL, t->overrides, opts, &err)
		: vm_engine_open_memory(t->name, t->text, NULL, t->overrides, opts, &err);
	ck_assert_msg(e != NULL, "%s: %s", t->name, err ? err->message : "?");
	return e;
}

/*
 * A plan: the seeks and steps one pass makes, drawn before it runs so that
 * the reference replay knows which states to keep (keeping every state of
 * a 25,600-event trace would digest the machine 25,600 times).
 */
typedef struct {
	GArray *ops;             /* int64_t: n >= 0 seek to n, -1 step, -2 run */
	GHashTable *want;        /* event numbers whose state the plan checks */
} plan_t;

static void plan_add(plan_t *p, int64_t op)
{
	g_array_append_val(p->ops, op);
}

/* Events in @t, by a plain run. */
static uint64_t count_events(const trace_t *t)
{
	vm_engine_opts_t opts = { 0 };
	vm_engine_t *e = open_trace(t, &opts);
	GError *err = NULL;
	while (vm_engine_step(e, &err) > 0)
		;
	g_clear_error(&err);   /* an out-of-memory end is an end too */
	uint64_t n = vm_engine_events(e);
	vm_engine_free(e);
	return n;
}

/* All the way, back one at a time (the TUI's b), random jumps forward and
 * back (past the end too) with a few steps after some, back to the start,
 * to the middle, and on to the end. */
static plan_t plan_new(uint64_t last, uint64_t seed)
{
	plan_t p = { g_array_new(FALSE, FALSE, sizeof(int64_t)),
		     g_hash_table_new(g_direct_hash, g_direct_equal) };
	plan_add(&p, (int64_t)last);
	for (uint64_t k = 1; k <= MIN(last, 12); k++)
		plan_add(&p, (int64_t)(last - k));
	for (int i = 0; i < 40; i++) {
		plan_add(&p, (int64_t)(vm_splitmix64(&seed) % (last + 2)));
		if (i % 5 == 0)
			for (int j = 0; j < 6; j++)
				plan_add(&p, -1);
	}
	plan_add(&p, 0);
	plan_add(&p, (int64_t)(last / 2));
	plan_add(&p, -2);
	/* where each op lands */
	uint64_t at = 0;
	for (guint i = 0; i < p.ops->len; i++) {
		int64_t op = g_array_index(p.ops, int64_t, i);
		at = op >= 0 ? MIN((uint64_t)op, last) : op == -1 ? MIN(at + 1, last) : last;
		g_hash_table_add(p.want, GSIZE_TO_POINTER((gsize)at));
	}
	return p;
}

static void plan_free(plan_t *p)
{
	g_array_free(p->ops, TRUE);
	g_hash_table_destroy(p->want);
}

/* The reference: the states the plan needs, by plain stepping without
 * snapshots.  Stops at the end or at an engine error (an out-of-memory
 * end is a legitimate end of a replay).  Index: event number. */
static GPtrArray *reference(const trace_t *t, uint64_t last, const plan_t *p)
{
	vm_engine_opts_t opts = { 0 };
	vm_engine_t *e = open_trace(t, &opts);
	GPtrArray *ref = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_set_size(ref, (guint)last + 1);
	for (;;) {
		uint64_t n = vm_engine_events(e);
		if (g_hash_table_contains(p->want, GSIZE_TO_POINTER((gsize)n)))
			ref->pdata[n] = state_of(e);
		GError *err = NULL;
		if (vm_engine_step(e, &err) <= 0) {
			g_clear_error(&err);
			break;
		}
	}
	ck_assert_uint_eq(vm_engine_events(e), last);
	vm_engine_free(e);
	return ref;
}

static void count_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	(void)st;
	(*(unsigned *)ctx)++;
}

static void check_at(vm_engine_t *e, GPtrArray *ref, const trace_t *t,
		     uint64_t n, const char *how)
{
	ck_assert_msg(vm_engine_events(e) == n, "%s: %s: at %" G_GUINT64_FORMAT
		      ", expected %" G_GUINT64_FORMAT, t->name, how,
		      vm_engine_events(e), n);
	const char *want = g_ptr_array_index(ref, n);
	ck_assert_msg(want != NULL, "%s: no reference state at %" G_GUINT64_FORMAT,
		      t->name, n);
	char *got = state_of(e);
	ck_assert_msg(strcmp(got, want) == 0,
		      "%s: %s to %" G_GUINT64_FORMAT ":\n got %s\nwant %s", t->name,
		      how, n, got, want);
	g_free(got);
}

static void seek_ok(vm_engine_t *e, uint64_t n, GPtrArray *ref,
		    const trace_t *t, unsigned *calls)
{
	GError *err = NULL;
	uint64_t last = ref->len - 1, from = vm_engine_events(e);
	*calls = 0;
	ck_assert_msg(vm_engine_seek(e, n, &err), "%s: seek %" G_GUINT64_FORMAT
		      ": %s", t->name, n, err ? err->message : "?");
	check_at(e, ref, t, MIN(n, last), "seek");
	/* the callbacks see only the event landed on */
	unsigned want = n == from || n == 0 || n > last ? 0 : 1;
	ck_assert_msg(*calls == want, "%s: seek %" G_GUINT64_FORMAT " from %"
		      G_GUINT64_FORMAT " ran on_step %u times", t->name, n, from,
		      *calls);
}

/*
 * Follow @p on @t with snapshots every @every units of work (0: the
 * default rule) and a budget of @mem bytes (0: the default), checking
 * every landing against @ref; the invariant checker runs after every event
 * of short traces.
 */
static void seek_around(const trace_t *t, GPtrArray *ref, const plan_t *p,
			uint64_t every, uint64_t mem)
{
	unsigned calls = 0;
	uint64_t last = ref->len - 1;
	vm_engine_opts_t opts = { .check = last <= 2000, .snapshots = TRUE,
				  .snapshot_every = every, .snapshot_mem = mem,
				  .on_step = count_step, .ctx = &calls };
	vm_engine_t *e = open_trace(t, &opts);
	unsigned nr;
	uint64_t bytes, gap;
	vm_engine_snapshot_info(e, &nr, &bytes, &gap);
	ck_assert_msg(nr == 1, "%s: %u snapshots at the start", t->name, nr);
	for (guint i = 0; i < p->ops->len; i++) {
		int64_t op = g_array_index(p->ops, int64_t, i);
		GError *err = NULL;
		if (op >= 0) {
			seek_ok(e, (uint64_t)op, ref, t, &calls);
		} else if (op == -1) {
			/* step on: the same states as without snapshots */
			if (vm_engine_events(e) < last) {
				ck_assert_msg(vm_engine_step(e, &err) == 1, "%s: %s",
					      t->name, err ? err->message : "?");
				check_at(e, ref, t, vm_engine_events(e), "step after a seek");
			}
		} else {
			while (vm_engine_step(e, &err) > 0)
				;
			g_clear_error(&err);
			check_at(e, ref, t, last, "run on after a seek");
		}
		if (i == 0) {
			vm_engine_snapshot_info(e, &nr, &bytes, &gap);
			if (every && !mem && last > 2 * every)
				ck_assert_msg(nr > 1, "%s: no snapshot taken in %"
					      G_GUINT64_FORMAT " events", t->name, last);
			ck_assert_msg(nr <= VM_ENGINE_SNAP_MAX, "%s: %u snapshots",
				      t->name, nr);
			if (mem)
				ck_assert_msg(bytes <= mem || nr == 1, "%s: %" G_GUINT64_FORMAT
					      " bytes of snapshots over a budget of %"
					      G_GUINT64_FORMAT, t->name, bytes, mem);
		}
	}
	vm_engine_free(e);
}

/* The bytes of the snapshot taken at the start. */
static uint64_t first_snapshot(const trace_t *t)
{
	vm_engine_opts_t opts = { .snapshots = TRUE };
	vm_engine_t *e = open_trace(t, &opts);
	unsigned nr;
	uint64_t bytes, gap;
	vm_engine_snapshot_info(e, &nr, &bytes, &gap);
	vm_engine_free(e);
	ck_assert_msg(nr == 1 && bytes > 0, "%s: no first snapshot", t->name);
	return bytes;
}

static void test_trace(const trace_t *t)
{
	uint64_t last = count_events(t);
	plan_t p = plan_new(last, 1);
	GPtrArray *ref = reference(t, last, &p);
	/* snapshots close together: a restore at nearly every seek */
	seek_around(t, ref, &p, MAX(3, last / 30), 0);
	/* a budget of a few snapshots: thinned over and over */
	seek_around(t, ref, &p, MAX(1, last / 60), first_snapshot(t) * 6);
	g_ptr_array_free(ref, TRUE);
	plan_free(&p);
}

START_TEST(test_scenario)
{
	const char *path = g_ptr_array_index(files, _i);
	trace_t t = { .name = path, .path = path };
	test_trace(&t);
}
END_TEST

START_TEST(test_tour)
{
	trace_t t = { .name = "tour.vmt", .text = vm_tour_text };
	test_trace(&t);
}
END_TEST

/* ---- the generated trace --------------------------------------------------- */

/*
 * Three processes doing a bit of everything over a 1 MiB machine with
 * 1 MiB of swap: anonymous writes (swap), a private file mapping read
 * sequentially (readahead, fault-around), read()/write()/fsync() (page
 * cache, writeback), MADV_DONTNEED, a shared anonymous mapping, sleeps;
 * then a fourth process that wants more than memory and swap (the OOM
 * killer), a caught and an uncaught SIGSEGV, and a crash with a reboot.
 */
static char *gen_trace(uint64_t seed, unsigned rounds)
{
	GString *s = g_string_new("vmt 1\n"
				  "set memory=1M\n"
				  "set swap.size=1M\n"
				  "file data size=512K\n"
				  "file log size=0\n"
				  "1 catch sigsegv\n"
				  "1 open data fd=3\n"
				  "1 open log fd=4\n"
				  "1 mmap 0x100000 192K rw private anon\n"
				  "1 mmap 0x400000 512K r private fd=3\n"
				  "1 mmap 0x800000 32K rw shared anon\n"
				  "1 w 0x100000 64K\n"
				  "1 fork 2\n"
				  "1 fork 3\n");
	for (unsigned i = 0; i < rounds; i++) {
		unsigned pid = 1 + (unsigned)(vm_splitmix64(&seed) % 3);
		uint64_t r = vm_splitmix64(&seed);
		uint64_t page = (r >> 8) % 48;
		switch (r % 11) {
		case 0:
			g_string_append_printf(s, "%u w 0x%" G_GINT64_MODIFIER "x\n",
					       pid, 0x100000 + page * 4096);
			break;
		case 1:
			g_string_append_printf(s, "%u rand w 0x100000 192K count=%u seed=%"
					       G_GUINT64_FORMAT "\n", pid,
					       (unsigned)(r >> 40) % 24 + 1, r >> 20);
			break;
		case 2:
			g_string_append_printf(s, "%u seq r 0x%" G_GINT64_MODIFIER "x 64K\n",
					       pid, 0x400000 + (page % 8) * 65536);
			break;
		case 3:
			g_string_append_printf(s, "%u read 3 %" G_GUINT64_FORMAT " 16K\n",
					       pid, page * 8192);
			break;
		case 4:
			g_string_append_printf(s, "%u write 4 %" G_GUINT64_FORMAT " 8K\n",
					       pid, page * 4096);
			break;
		case 5:
			g_string_append_printf(s, "%u sleep %uus\n", pid,
					       (unsigned)(r >> 30) % 3000 + 1);
			break;
		case 6:
			g_string_append_printf(s, "%u fsync 4\n", pid);
			break;
		case 7:
			g_string_append_printf(s, "%u madvise 0x%" G_GINT64_MODIFIER
					       "x 16K dontneed\n", pid,
					       0x100000 + (page % 12) * 16384);
			break;
		case 8:
			g_string_append_printf(s, "%u w 0x%" G_GINT64_MODIFIER "x\n",
					       pid, 0x800000 + (page % 8) * 4096);
			break;
		case 9:
			g_string_append_printf(s, "%u r 0x%" G_GINT64_MODIFIER "x 12K\n",
					       pid, 0x100000 + page * 4096);
			break;
		default:
			g_string_append_printf(s, "%u seq w 0x100000 192K stride=8K\n", pid);
			break;
		}
		if (i == rounds / 2)
			g_string_append(s, "1 r 0xf000000\n");   /* caught */
	}
	g_string_append(s, "3 r 0xf000000\n"              /* kills pid 3 */
			"2 fork 4\n"
			"4 mmap 0x1000000 2M rw private anon\n"
			"4 seq w 0x1000000 2M\n"            /* the OOM killer */
			"4 w 0x1000000\n"
			"1 w 0x100000\n"
			"2 exit\n"
			"crash\n"
			"1 open data fd=3\n"
			"1 mmap 0x400000 512K r shared fd=3\n"
			"1 seq r 0x400000 512K\n"
			"1 mmap 0x100000 64K rw private anon\n"
			"1 rand w 0x100000 64K count=40\n");
	return g_string_free(s, FALSE);
}

static char *gen_text;

static char *const gen_profiles[][4] = {
	{ NULL },
	{ "reclaim.policy=lru", NULL },
	{ "reclaim.policy=fifo", "tlb.policy=random", NULL },
	{ "reclaim.policy=clock", "readahead.policy=fixed", "disk.type=ssd", NULL },
	{ "reclaim.policy=random", "readahead.policy=none", NULL },
	{ "reclaim.policy=opt", NULL },
	{ "tlb.asid=false", "tlb.l2.entries=0", "disk.type=ram", NULL },
};

START_TEST(test_generated)
{
	char name[64];
	g_snprintf(name, sizeof name, "generated (profile %d)", _i);
	trace_t t = { .name = name, .text = gen_text,
		      .overrides = (char **)gen_profiles[_i] };
	uint64_t last = count_events(&t);
	ck_assert_msg(last > 300, "%s: only %" G_GUINT64_FORMAT " events ran",
		      name, last);
	/* the trace did reach what it is for */
	vm_engine_opts_t opts = { 0 };
	vm_engine_t *e = open_trace(&t, &opts);
	ck_assert(vm_engine_seek(e, last - 8, NULL));
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_msg(m->c.pswpout > 0, "%s: no swap-out", name);
	ck_assert_msg(m->c.oom_kills > 0, "%s: no OOM kill", name);
	vm_engine_free(e);
	plan_t p = plan_new(last, 3);
	GPtrArray *ref = reference(&t, last, &p);
	seek_around(&t, ref, &p, 37, 0);
	/* hundreds due: thinned to VM_ENGINE_SNAP_MAX over and over */
	seek_around(&t, ref, &p, 2, 0);
	seek_around(&t, ref, &p, 0, 0);
	seek_around(&t, ref, &p, 5, first_snapshot(&t) * 5);
	g_ptr_array_free(ref, TRUE);
	plan_free(&p);
}
END_TEST

/* ---- the clone itself -------------------------------------------------------- */

/* A clone and an image round trip digest as the original, pass the
 * invariant checker, and share nothing with it: freeing the original
 * leaves them whole (valgrind sees any sharing). */
START_TEST(test_clone)
{
	trace_t t = { .name = "generated", .text = gen_text,
		      .overrides = (char **)gen_profiles[_i % G_N_ELEMENTS(gen_profiles)] };
	vm_engine_opts_t opts = { .check = TRUE };
	vm_engine_t *e = open_trace(&t, &opts);
	for (int k = 0; k < 6; k++) {
		ck_assert(vm_engine_seek(e, vm_engine_events(e) + 60, NULL));
		vm_machine_t *m = vm_engine_machine(e);
		char *d0 = vm_clone_digest(m);
		vm_machine_t *c = vm_clone_machine(m);
		vm_clone_image_t *img = vm_clone_save(m);
		vm_machine_t *l = vm_clone_load(img, NULL);
		vm_machine_t *reuse = vm_clone_machine(m);
		vm_machine_t *l2 = vm_clone_load(img, reuse);
		char *dc = vm_clone_digest(c), *dl = vm_clone_digest(l);
		char *dl2 = vm_clone_digest(l2);
		ck_assert_str_eq(d0, dc);
		ck_assert_str_eq(d0, dl);
		ck_assert_str_eq(d0, dl2);
		char *bad = vm_check_machine(c);
		ck_assert_msg(bad == NULL, "clone: %s", bad);
		bad = vm_check_machine(l);
		ck_assert_msg(bad == NULL, "image: %s", bad);
		/* a change to the clone does not reach the original */
		c->c.accesses++;
		if (c->frames.nr)
			c->frames.f[0].stamp++;
		char *d1 = vm_clone_digest(m);
		ck_assert_str_eq(d0, d1);
		char *dc1 = vm_clone_digest(c);
		ck_assert_str_ne(d0, dc1);
		g_free(d0);
		g_free(d1);
		g_free(dc);
		g_free(dc1);
		g_free(dl);
		g_free(dl2);
		vm_machine_free(c);
		vm_machine_free(l);
		vm_machine_free(l2);
		vm_clone_image_free(img);
	}
	vm_engine_free(e);
}
END_TEST

/* A swap area far larger than what the trace swaps: only the slots handed
 * out are set up (swap_hwm, in whole chunks), a clone's estimated size
 * follows them and not the area (each slot array would be 16 Mi entries
 * here), and clones and images of the machine still digest as it does
 * and pass the invariant checker. */
START_TEST(test_clone_big_swap)
{
	static const char *const sets[] = { "memory=2M", "swap.size=64G", NULL };
	vm_engine_t *e = vt_replay_engine("default", sets,
					  "vmt 1\n"
					  "1 mmap 0x100000 8M rw private anon\n"
					  "1 w 0x100000 8M\n"
					  "1 r 0x100000 8M\n"
					  "1 expect pswpout>=2048\n",
					  100000);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(m->nr_swap_slots, (uint32_t)1 << 24);
	ck_assert_uint_gt(m->swap_hwm, VM_SWAP_CHUNK);  /* a second chunk */
	ck_assert_uint_eq(m->swap_hwm % VM_SWAP_CHUNK, 0);
	ck_assert_uint_le(m->swap_hwm, 8 * VM_SWAP_CHUNK);
	ck_assert_uint_lt(vm_clone_footprint(m), (size_t)16 << 20);
	char *d0 = vm_clone_digest(m);
	vm_machine_t *c = vm_clone_machine(m);
	vm_clone_image_t *img = vm_clone_save(m);
	vm_machine_t *l = vm_clone_load(img, NULL);
	char *dc = vm_clone_digest(c), *dl = vm_clone_digest(l);
	ck_assert_str_eq(d0, dc);
	ck_assert_str_eq(d0, dl);
	vt_check(c);
	vt_check(l);
	g_free(d0);
	g_free(dc);
	g_free(dl);
	vm_machine_free(c);
	vm_machine_free(l);
	vm_clone_image_free(img);
	vm_engine_free(e);
}
END_TEST

/* Snapshots cost nothing unless asked for, and streams keep none. */
START_TEST(test_off)
{
	trace_t t = { .name = "tour.vmt", .text = vm_tour_text };
	vm_engine_opts_t opts = { 0 };
	vm_engine_t *e = open_trace(&t, &opts);
	unsigned nr;
	uint64_t bytes, gap;
	ck_assert(vm_engine_seek(e, 30, NULL));
	vm_engine_snapshot_info(e, &nr, &bytes, &gap);
	ck_assert_uint_eq(nr, 0);
	ck_assert_uint_eq(bytes, 0);
	vm_engine_free(e);
	/* a machine too big for the budget keeps none, and still seeks */
	opts.snapshots = TRUE;
	opts.snapshot_mem = 1024;
	e = open_trace(&t, &opts);
	vm_engine_snapshot_info(e, &nr, &bytes, &gap);
	ck_assert_uint_eq(nr, 0);
	ck_assert(vm_engine_seek(e, 30, NULL));
	ck_assert(vm_engine_seek(e, 10, NULL));
	ck_assert_uint_eq(vm_engine_events(e), 10);
	vm_engine_free(e);
}
END_TEST

static gint by_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	files = g_ptr_array_new_with_free_func(g_free);
	/* the exercises too: `map` takes frames out of the free list's order,
	 * which snapshots must keep */
	static const char *const dirs[] = { "scenarios", "exercises" };
	for (unsigned k = 0; k < G_N_ELEMENTS(dirs); k++) {
		char *dir = g_build_filename(SRCDIR, "traces", dirs[k], NULL);
		GDir *d = g_dir_open(dir, 0, NULL);
		if (d) {
			const char *name;
			while ((name = g_dir_read_name(d)))
				if (g_str_has_suffix(name, ".key.vmt") ||
				    (k == 0 && g_str_has_suffix(name, ".vmt")))
					g_ptr_array_add(files, g_build_filename(dir, name, NULL));
			g_dir_close(d);
		}
		g_free(dir);
	}
	g_ptr_array_sort(files, by_name);
	gen_text = gen_trace(12345, 400);

	Suite *s = suite_create("seek");
	TCase *tc = tcase_create("scenarios");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_scenario, 0, (int)files->len);
	tcase_add_test(tc, test_tour);
	suite_add_tcase(s, tc);
	tc = tcase_create("generated");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_generated, 0, G_N_ELEMENTS(gen_profiles));
	tcase_add_loop_test(tc, test_clone, 0, 3);
	tcase_add_test(tc, test_clone_big_swap);
	tcase_add_test(tc, test_off);
	suite_add_tcase(s, tc);
	int rc = vt_run_suite(s);
	g_ptr_array_free(files, TRUE);
	g_free(gen_text);
	return rc;
}
