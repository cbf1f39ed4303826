/*
 * Tests of the query API (sim/query.c), the TUI's only view of the machine.
 *
 * Each test replays a small trace on the `tiny` profile (4 KiB pages, 16
 * frames, mmu.bits 4,4: vpn = addr >> 12, top index = vpn >> 4, leaf index
 * = vpn & 15; a 4-entry fully associative LRU TLB, no L2) to a chosen
 * event and checks what the queries say against values computed by hand:
 *
 *   a. processes and VMAs (resident and swapped counts);
 *   b. the walk, level by level, before and after a fault, and that it
 *      changes no counter and no TLB order;
 *   c. the TLB's entries, newest first, and vm_query_tlb_has;
 *   d. frame states: anon, zero page (not a frame), page table frames,
 *      shared after fork, file clean and dirty;
 *   e. files, their pages in the cache, and the disk;
 *   f. statistics snapshots and deltas;
 *   g. the engine handle stays queryable across vm_engine_seek.
 */
#include <config.h>
#include <check.h>
#include <string.h>
#include "sim/engine.h"
#include "sim/config.h"
#include "sim/query.h"
#include "sim/stats.h"
#include "tests/testlib.h"

static vm_engine_t *open_trace(const char *text)
{
	vm_config_t cfg;
	GError *err = NULL;
	ck_assert(vm_config_load(&cfg, "tiny", &err));
	vm_engine_opts_t opts = { .check = TRUE };
	vm_engine_t *e = vm_engine_open_memory("q.vmt", text, &cfg, NULL, &opts, &err);
	if (!e)
		ck_abort_msg("open: %s", err->message);
	return e;
}

static void run_to(vm_engine_t *e, uint64_t n)
{
	GError *err = NULL;
	if (!vm_engine_seek(e, n, &err))
		ck_abort_msg("seek: %s", err->message);
	ck_assert_uint_eq(vm_engine_events(e), n);
}

static const char anon_trace[] =
	"vmt 1\n"
	"1 mmap 0x10000 32K rw private anon\n"   /* 1 */
	"1 r 0x10000\n"                          /* 2 zero */
	"1 w 0x11000\n"                          /* 3 minor: frame 0 */
	"1 w 0x12000\n"                          /* 4 minor: frame 1 */
	"1 r 0x11008\n";                         /* 5 hit */

/* ---- a. processes and VMAs ---------------------------------------------- */

START_TEST(test_procs_vmas)
{
	vm_engine_t *e = open_trace(anon_trace);
	ck_assert_uint_eq(vm_query_nr_procs(e), 1);
	vm_q_proc_t p;
	ck_assert(vm_query_proc_by_pid(e, 1, &p));
	ck_assert_str_eq(p.state, "running");
	ck_assert_uint_eq(p.nr_vma, 0);
	ck_assert(!vm_query_proc_by_pid(e, 2, &p));
	ck_assert(!vm_query_proc(e, 1, &p));

	run_to(e, 4);
	ck_assert(vm_query_proc(e, 0, &p));
	ck_assert_uint_eq(p.pid, 1);
	ck_assert_uint_eq(p.nr_vma, 1);
	ck_assert_uint_eq(p.rss_anon, 2);
	ck_assert_uint_eq(p.minflt, 3);      /* zero + 2 first writes */
	ck_assert_int_eq(p.last_outcome, VM_OUT_MINOR);
	vm_q_vma_t v;
	ck_assert(vm_query_vma(e, 1, 0, &v));
	ck_assert_uint_eq(v.start, 0x10000);
	ck_assert_uint_eq(v.end, 0x18000);
	ck_assert_uint_eq(v.prot, VM_PROT_R | VM_PROT_W);
	ck_assert(!v.shared);
	ck_assert(v.anon);
	ck_assert_ptr_null(v.file);
	ck_assert_uint_eq(v.pages, 8);
	ck_assert_uint_eq(v.present, 3);     /* the zero page counts: a present PTE */
	ck_assert_uint_eq(v.swapped, 0);
	ck_assert_str_eq(v.advice, "normal");
	ck_assert(!vm_query_vma(e, 1, 1, &v));
	vm_engine_free(e);
}
END_TEST

/* ---- b. the walk -------------------------------------------------------- */

START_TEST(test_walk)
{
	vm_engine_t *e = open_trace(anon_trace);
	run_to(e, 1);
	/* before any access: only the root exists; root[1] is empty, 1 ref */
	vm_q_walk_t w;
	ck_assert(vm_query_walk(e, 1, 0x11008, &w));
	ck_assert_uint_eq(w.levels, 2);
	ck_assert_uint_eq(w.vpn, 0x11);
	ck_assert_uint_eq(w.level[0].index, 1);
	ck_assert_uint_eq(w.level[1].index, 1);
	ck_assert_uint_eq(w.refs, 1);
	ck_assert(!w.level[0].present);
	ck_assert(!w.leaf);
	ck_assert(!w.present);

	run_to(e, 2);
	/* r 0x10000 made table root[1] and mapped the zero page read-only */
	ck_assert(vm_query_walk(e, 1, 0x10000, &w));
	ck_assert_uint_eq(w.refs, 2);
	ck_assert(w.level[0].present);
	ck_assert(w.leaf);
	ck_assert(w.present);
	ck_assert(w.zero_page);
	ck_assert_uint_eq(w.perm, VM_PROT_R);
	/* 0x11000 is in the same leaf table but not present yet */
	ck_assert(vm_query_walk(e, 1, 0x11000, &w));
	ck_assert_uint_eq(w.refs, 2);
	ck_assert(w.leaf);
	ck_assert(!w.present);

	run_to(e, 3);
	vm_q_stats_t a, b;
	vm_query_stats_init(&a);
	vm_query_stats_init(&b);
	vm_query_stats_take(e, &a);
	ck_assert(vm_query_walk(e, 1, 0x11000, &w));
	ck_assert(w.present && !w.zero_page);
	ck_assert_uint_eq(w.pfn, 0);             /* the first frame allocated */
	ck_assert_uint_eq(w.perm, VM_PROT_R | VM_PROT_W);
	ck_assert(w.dirty);
	ck_assert(w.accessed);
	ck_assert_uint_eq(w.level[1].table, w.level[0].entry >> VM_PTE_SHIFT);
	/* tiny has mmu.pt_frames=false: tables occupy no frame */
	ck_assert_uint_eq(w.level[0].next_table, w.level[1].table);
	ck_assert_uint_eq(w.level[0].next_frame, VM_NIL);
	ck_assert_uint_eq(w.level[0].table_frame, VM_NIL);
	/* querying changed nothing */
	vm_query_stats_take(e, &b);
	for (unsigned i = 0; i < a.nr; i++)
		ck_assert_int_eq(vm_query_stat_delta(&a, &b, i), 0);
	/* a pid that never existed */
	ck_assert(!vm_query_walk(e, 9, 0x11000, &w));
	vm_query_stats_clear(&a);
	vm_query_stats_clear(&b);
	vm_engine_free(e);
}
END_TEST

/* With mmu.pt_frames=true each table sits in a frame: the walk gives the
 * frame of the table below each directory entry, as a real PDE holds it. */
START_TEST(test_walk_frames)
{
	vm_config_t cfg;
	GError *err = NULL;
	ck_assert(vm_config_load(&cfg, "tiny", &err));
	char *sets[] = { "mmu.pt_frames=true", NULL };
	vm_engine_opts_t opts = { .check = TRUE };
	vm_engine_t *e = vm_engine_open_memory("q.vmt", anon_trace, &cfg, sets, &opts, &err);
	ck_assert_msg(e != NULL, "open: %s", err ? err->message : "?");
	run_to(e, 3);
	vm_q_walk_t w;
	ck_assert(vm_query_walk(e, 1, 0x11000, &w));
	ck_assert(w.level[0].present);
	uint32_t root = w.level[0].table_frame, leaf = w.level[0].next_frame;
	ck_assert_uint_ne(root, VM_NIL);
	ck_assert_uint_ne(leaf, VM_NIL);
	ck_assert_uint_ne(root, leaf);
	ck_assert_uint_eq(w.level[1].table_frame, leaf);
	vm_q_frame_t f;
	ck_assert(vm_query_frame(e, leaf, &f));
	ck_assert_int_eq(f.state, VM_QF_PT);
	ck_assert_uint_eq(f.index, w.level[0].next_table);
	ck_assert(vm_query_frame(e, root, &f));
	ck_assert_int_eq(f.state, VM_QF_PT);
	/* the leaf level has no table below */
	ck_assert_uint_eq(w.level[1].next_frame, VM_NIL);
	vm_engine_free(e);
}
END_TEST

/* ---- c. TLB ------------------------------------------------------------- */

START_TEST(test_tlb)
{
	vm_engine_t *e = open_trace(anon_trace);
	run_to(e, 5);
	ck_assert_uint_eq(vm_query_tlb_levels(e), 1);
	vm_q_tlb_info_t info;
	ck_assert(vm_query_tlb_info(e, 1, &info));
	ck_assert(!vm_query_tlb_info(e, 2, &info) || FALSE);
	ck_assert(vm_query_tlb_info(e, 1, &info));
	ck_assert_uint_eq(info.entries, 4);
	ck_assert_uint_eq(info.ways, 4);
	ck_assert_uint_eq(info.sets, 1);
	ck_assert_uint_eq(info.valid, 3);
	ck_assert_str_eq(info.policy, "lru");
	/* LRU after r 0x10000, w 0x11000, w 0x12000, r 0x11008 (hit):
	 * newest first 11, 12, 10 */
	vm_q_tlb_entry_t ent[4];
	unsigned n = vm_query_tlb_entries(e, 1, ent, 4);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(ent[0].vpn, 0x11);
	ck_assert_uint_eq(ent[1].vpn, 0x12);
	ck_assert_uint_eq(ent[2].vpn, 0x10);
	ck_assert_uint_eq(ent[2].pfn, VM_PFN_ZERO);
	ck_assert_uint_eq(ent[2].perm, VM_PROT_R);
	ck_assert_uint_eq(ent[0].asid, 1);
	ck_assert_uint_eq(ent[0].pfn, 0);
	ck_assert_uint_eq(vm_query_tlb_entries(e, 1, ent, 2), 2);
	ck_assert_uint_eq(vm_query_tlb_entries(e, 2, ent, 4), 0);
	/* peeking does not reorder: ask about the oldest, then list again */
	ck_assert(vm_query_tlb_has(e, 1, 0x10, 1));
	ck_assert(!vm_query_tlb_has(e, 1, 0x10, 2));
	ck_assert(!vm_query_tlb_has(e, 1, 0x13, 1));
	ck_assert_uint_eq(vm_query_tlb_entries(e, 1, ent, 4), 3);
	ck_assert_uint_eq(ent[2].vpn, 0x10);
	vm_engine_free(e);
}
END_TEST

/* ---- d. frames -------------------------------------------------------------- */

START_TEST(test_frames)
{
	vm_engine_t *e = open_trace(
		"vmt 1\n"
		"set mmu.pt_frames=true\n"
		"1 mmap 0x10000 16K rw private anon\n"   /* 1 */
		"1 w 0x10000\n"                          /* 2: table frame, page */
		"1 fork 2\n"                             /* 3: shared COW */
		"2 w 0x10000\n"                          /* 4: copy */
		"2 exit\n");                             /* 5 */
	ck_assert_uint_eq(vm_query_nr_frames(e), 16);
	uint64_t c[VM_QF_NR];
	vm_query_frame_counts(e, c);
	ck_assert_uint_eq(c[VM_QF_PT], 1);        /* pid 1's root */
	ck_assert_uint_eq(c[VM_QF_FREE], 15);

	run_to(e, 2);
	vm_query_frame_counts(e, c);
	ck_assert_uint_eq(c[VM_QF_PT], 2);
	ck_assert_uint_eq(c[VM_QF_ANON], 1);
	vm_q_walk_t w;
	ck_assert(vm_query_walk(e, 1, 0x10000, &w));
	uint32_t page = (uint32_t)w.pfn;
	vm_q_frame_t f;
	ck_assert(vm_query_frame(e, page, &f));
	ck_assert_int_eq(f.state, VM_QF_ANON);
	ck_assert_uint_eq(f.owner, 1);
	ck_assert_uint_eq(f.index, 0x10);
	ck_assert_uint_eq(f.mapcount, 1);
	ck_assert_ptr_null(f.file);
	ck_assert(!vm_query_frame(e, 16, &f));
	ck_assert_int_eq(vm_query_frame_state(e, 99), VM_QF_FREE);

	run_to(e, 3);
	ck_assert_int_eq(vm_query_frame_state(e, page), VM_QF_SHARED);
	ck_assert(vm_query_frame(e, page, &f));
	ck_assert_uint_eq(f.mapcount, 2);
	vm_query_frame_counts(e, c);
	ck_assert_uint_eq(c[VM_QF_PT], 4);        /* two tables per process */
	ck_assert_uint_eq(c[VM_QF_SHARED], 1);

	run_to(e, 4);
	ck_assert_int_eq(vm_query_frame_state(e, page), VM_QF_ANON);
	vm_query_frame_counts(e, c);
	ck_assert_uint_eq(c[VM_QF_ANON], 2);
	ck_assert_uint_eq(c[VM_QF_SHARED], 0);

	run_to(e, 5);
	vm_query_frame_counts(e, c);
	ck_assert_uint_eq(c[VM_QF_ANON], 1);
	ck_assert_uint_eq(c[VM_QF_PT], 2);
	/* pid 2 exited: it is still listed, without tables */
	vm_q_proc_t p;
	ck_assert(vm_query_proc_by_pid(e, 2, &p));
	ck_assert_str_eq(p.state, "exited");
	ck_assert(!vm_query_walk(e, 2, 0x10000, &w));
	vm_q_vma_t v;
	ck_assert(!vm_query_vma(e, 2, 0, &v));
	ck_assert_str_eq(vm_query_frame_state_name(VM_QF_FILE_DIRTY), "dirty");
	vm_engine_free(e);
}
END_TEST

/* ---- e. files, page cache, disk ------------------------------------------- */

START_TEST(test_files)
{
	vm_engine_t *e = open_trace(
		"vmt 1\n"
		"file data size=16K\n"
		"1 open data fd=3\n"                     /* 1 */
		"1 mmap 0x40000 16K rw shared fd=3\n"    /* 2 */
		"1 r 0x41000\n"                          /* 3: major, reads page 1 */
		"1 w 0x41000\n"                          /* 4: dirties it */
		"1 fsync 3\n");                          /* 5: writes it back */
	ck_assert_uint_eq(vm_query_nr_files(e), 1);
	vm_q_file_t f;
	ck_assert(vm_query_file(e, 0, &f));
	ck_assert_str_eq(f.name, "data");
	ck_assert_uint_eq(f.size, 16384);
	ck_assert_uint_eq(f.pages, 4);
	ck_assert_uint_eq(f.cached, 0);
	ck_assert_uint_eq(f.disk_pages, 4);
	ck_assert(f.linked && !f.shmem && !f.dead);
	ck_assert(!vm_query_file(e, 1, &f));
	vm_q_disk_t d;
	vm_query_disk(e, &d);
	ck_assert_str_eq(d.type, "hdd");          /* tiny uses seed-hdd's disk */
	ck_assert_uint_eq(d.reads, 0);
	ck_assert(!d.have_last);

	run_to(e, 3);
	ck_assert(vm_query_file(e, 0, &f));
	ck_assert_uint_eq(f.cached, 1);           /* tiny: no readahead */
	ck_assert_uint_eq(f.maps, 1);
	ck_assert_uint_eq(f.opens, 1);
	uint32_t pfn;
	vm_q_page_state_t ps = vm_query_file_page(e, 0, 1, &pfn);
	ck_assert(ps == VM_QP_CLEAN || ps == VM_QP_LOCKED);
	ck_assert_int_eq(vm_query_file_page(e, 0, 0, NULL), VM_QP_ABSENT);
	ck_assert_int_eq(vm_query_file_page(e, 5, 0, NULL), VM_QP_ABSENT);
	vm_q_frame_t fr;
	ck_assert(vm_query_frame(e, pfn, &fr));
	ck_assert_str_eq(fr.file, "data");
	ck_assert_uint_eq(fr.index, 1);
	vm_query_disk(e, &d);
	ck_assert_uint_eq(d.reads, 1);
	ck_assert_uint_eq(d.pages_in, 1);
	ck_assert(d.have_last);
	ck_assert_uint_eq(d.depth, 1);
	ck_assert_uint_eq(vm_query_disk_slot(e, 0), d.last_done);
	ck_assert_uint_eq(vm_query_disk_slot(e, 7), 0);
	vm_q_vma_t v;
	ck_assert(vm_query_vma(e, 1, 0, &v));
	ck_assert_str_eq(v.file, "data");
	ck_assert(v.shared && !v.anon);

	run_to(e, 4);
	ck_assert_int_eq(vm_query_file_page(e, 0, 1, NULL), VM_QP_DIRTY);
	ck_assert_int_eq(vm_query_frame_state(e, pfn), VM_QF_FILE_DIRTY);
	ck_assert(vm_query_file(e, 0, &f));
	ck_assert_uint_eq(f.dirty, 1);

	run_to(e, 5);
	ck_assert_int_eq(vm_query_file_page(e, 0, 1, NULL), VM_QP_CLEAN);
	ck_assert_int_eq(vm_query_frame_state(e, pfn), VM_QF_FILE_CLEAN);
	vm_query_disk(e, &d);
	ck_assert_uint_eq(d.writes, 1);
	ck_assert_uint_eq(d.pages_out, 1);
	vm_engine_free(e);
}
END_TEST

/* ---- f. statistics ------------------------------------------------------------ */

START_TEST(test_stats)
{
	vm_engine_t *e = open_trace(anon_trace);
	vm_q_stats_t a, b;
	vm_query_stats_init(&a);
	vm_query_stats_init(&b);
	ck_assert_uint_gt(a.nr, 40);
	int minflt = -1, free_pages = -1, accesses = -1;
	for (unsigned i = 0; i < a.nr; i++) {
		if (!strcmp(vm_query_stat_name(i), "minflt"))
			minflt = (int)i;
		if (!strcmp(vm_query_stat_name(i), "free_pages"))
			free_pages = (int)i;
		if (!strcmp(vm_query_stat_name(i), "accesses"))
			accesses = (int)i;
	}
	ck_assert_int_ge(minflt, 0);
	ck_assert_int_ge(free_pages, 0);
	ck_assert_ptr_null(vm_query_stat_name(a.nr));
	run_to(e, 2);
	vm_query_stats_take(e, &a);
	run_to(e, 3);                              /* w 0x11000: a new page */
	vm_query_stats_take(e, &b);
	ck_assert_int_eq(vm_query_stat_delta(&a, &b, (unsigned)minflt), 1);
	ck_assert_int_eq(vm_query_stat_delta(&a, &b, (unsigned)free_pages), -1);
	ck_assert_int_eq(vm_query_stat_delta(&a, &b, (unsigned)accesses), 1);
	ck_assert_uint_eq(b.v[free_pages], 15);
	/* the snapshot copies most counters without their getters
	 * (vm_stats_global_all): each value as vm_stats_global says it */
	for (unsigned i = 0; i < b.nr; i++)
		ck_assert_msg(b.v[i] == vm_stats_global(e, i), "%s: %" G_GUINT64_FORMAT
			      " taken, %" G_GUINT64_FORMAT " read", vm_query_stat_name(i),
			      b.v[i], vm_stats_global(e, i));
	vm_query_stats_clear(&a);
	vm_query_stats_clear(&b);
	ck_assert_ptr_null(a.v);
	vm_engine_free(e);
}
END_TEST

/* ---- g. across seek ---------------------------------------------------------- */

START_TEST(test_seek_back)
{
	vm_engine_t *e = open_trace(anon_trace);
	run_to(e, 4);
	vm_q_proc_t p;
	ck_assert(vm_query_proc_by_pid(e, 1, &p));
	ck_assert_uint_eq(p.rss_anon, 2);
	run_to(e, 2);   /* back: a new machine behind the same handle */
	ck_assert(vm_query_proc_by_pid(e, 1, &p));
	ck_assert_uint_eq(p.rss_anon, 0);
	vm_q_walk_t w;
	ck_assert(vm_query_walk(e, 1, 0x11000, &w));
	ck_assert(!w.present);
	uint64_t c[VM_QF_NR];
	vm_query_frame_counts(e, c);
	ck_assert_uint_eq(c[VM_QF_FREE], 16);
	vm_engine_free(e);
}
END_TEST

static Suite *query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("query");
	tcase_add_test(tc, test_procs_vmas);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_walk_frames);
	tcase_add_test(tc, test_tlb);
	tcase_add_test(tc, test_frames);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_seek_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(query_suite());
}
