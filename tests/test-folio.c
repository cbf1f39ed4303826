/*
 * Tests of large page-cache folios (cache.folio_max; models/pagecache.c,
 * models/fault.c, models/ra-linux.c): folio sizes from write sizes,
 * readahead's folio orders growing window by window, one fault per folio,
 * reclaim of a folio as a unit, truncation splitting one, and the
 * invariant checker that holds folios whole.
 *
 * A folio is drawn as its pages' orders (file.h's forder[]):
 *
 *     page    0 1 2 3 4 5 6 7 8 ...
 *     order   0 1 1 2 2 2 2 3 ...     [1,2] one folio of 2, [4..7] of 4
 *
 * Traces run with the invariant checker on (vm_engine_opts.check), so
 * every step of them also checks that every folio is whole.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "sim/host.h"
#include "traces/error.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/vmscan.h"
#include "models/writeback.h"
#include "models/check.h"
#include "tests/testlib.h"

#define PS 4096u
#define MAX_EVENTS 100000

/* ---- harness -------------------------------------------------------------- */

/* Replay @text on the default profile, the invariant checker on, to the
 * end.  Every expect line must pass. */
static vm_engine_t *run(const char *text)
{
	return vt_replay_engine("default", NULL, text, MAX_EVENTS);
}

static vm_file_t *file(vm_engine_t *e, const char *name)
{
	vm_file_t *f = vm_file_lookup(vm_engine_machine(e), name);
	ck_assert_msg(f != NULL, "no file %s", name);
	return f;
}

/* A trace header that sets cache.folio_max to @fmax, then @body. */
static char *with_folios(const char *fmax, const char *body)
{
	return g_strdup_printf("vmt 1\nset cache.folio_max=%s\n"
			       "set readahead.max=8M\n%s", fmax, body);
}

/* A machine of the default profile with @sets, process 1 running. */
static vm_machine_t *mk(const char *const *sets)
{
	return vt_machine("default", sets, 1000);
}

/* ==========================================================================
 * a. Folio sizes from write sizes (generic_perform_write: the folio is as
 *    large as what is left of the write, no larger than the index's
 *    alignment or cache.folio_max allows)
 * ========================================================================== */

typedef struct {
	const char *fmax;        /* cache.folio_max */
	const char *writes;      /* the write lines (fd 3) */
	uint64_t page;           /* a page to look at ... */
	unsigned order;          /* ... the order of its folio */
	uint64_t head;           /* ... and its first page */
} wsize_t;

static const wsize_t wsizes[] = {
	/* 1 MiB at 0: one folio of 256 pages */
	{ "2M", "1 write 3 0 1M\n", 0, 8, 0 },
	{ "2M", "1 write 3 0 1M\n", 255, 8, 0 },
	/* 64 KiB: order 4 */
	{ "2M", "1 write 3 0 64K\n", 7, 4, 0 },
	/* 3 MiB at 0: 2 MiB (the cap), then 1 MiB */
	{ "2M", "1 write 3 0 3M\n", 100, 9, 0 },
	{ "2M", "1 write 3 0 3M\n", 600, 8, 512 },
	/* 1 MiB from page 1: the alignment of each index limits it:
	 *   page  1 | 2 3 | 4..7 | 8..15 | ... | 128..255 | 256
	 *   order 0 |  1  |  2   |   3   | ... |    7     |  0      */
	{ "2M", "1 write 3 4K 1M\n", 1, 0, 1 },
	{ "2M", "1 write 3 4K 1M\n", 3, 1, 2 },
	{ "2M", "1 write 3 4K 1M\n", 9, 3, 8 },
	{ "2M", "1 write 3 4K 1M\n", 200, 7, 128 },
	{ "2M", "1 write 3 4K 1M\n", 256, 0, 256 },
	/* the cap: 64 KiB folios for a 1 MiB write */
	{ "64K", "1 write 3 0 1M\n", 40, 4, 32 },
	/* off: single pages, whatever the write */
	{ "0", "1 write 3 0 1M\n", 40, 0, 40 },
	/* 4 KiB writes: single pages */
	{ "2M", "1 write 3 0 4K\n1 write 3 4K 4K\n", 1, 0, 1 },
	/* a write that starts inside a page: that page alone, the rest
	 * from the next page on */
	{ "2M", "1 write 3 100 64K\n", 0, 0, 0 },
	/* a page already cached stops a folio there */
	{ "2M", "1 write 3 8K 4K\n1 write 3 0 64K\n", 0, 1, 0 },
	{ "2M", "1 write 3 8K 4K\n1 write 3 0 64K\n", 2, 0, 2 },
};

START_TEST(test_write_sizes)
{
	const wsize_t *c = &wsizes[_i];
	g_autofree char *body = g_strdup_printf("1 open f fd=3 create\n%s",
						c->writes);
	g_autofree char *text = with_folios(c->fmax, body);
	vm_engine_t *e = run(text);
	vm_file_t *f = file(e, "f");
	ck_assert(vm_filemap_find(f, c->page) != VM_NIL);
	ck_assert_uint_eq(vm_file_folio_order(f, c->page), c->order);
	ck_assert_uint_eq(vm_file_folio_head(f, c->page), c->head);
	vm_engine_free(e);
}
END_TEST

/* ==========================================================================
 * b. Readahead: page_cache_ra_order lays each window out in folios of
 *    ra->order, which grows by 2 a window (mmap: read-around first, at
 *    order 0).  A cold 64 MiB scan, readahead.max 8 MiB (2048 pages):
 *
 *    window  [0,2048) [2048,4096) [4096,6144) [6144,8192) [8192,10240) ...
 *    order      0          2           4           6            8       9
 * ========================================================================== */

static const char cold_scan[] =
	"file data size=64M\n"
	"1 open data fd=3\n"
	"1 mmap 0x100000000 64M r shared fd=3\n"
	"1 seq r 0x100000000 64M\n";

typedef struct {
	const char *fmax;
	uint64_t page;
	unsigned order;
} rorder_t;

static const rorder_t rorders[] = {
	{ "2M", 0, 0 }, { "2M", 2047, 0 }, { "2M", 2048, 2 }, { "2M", 4100, 4 },
	{ "2M", 6144, 6 }, { "2M", 8192, 8 }, { "2M", 10240, 9 },
	{ "2M", 16383, 9 },
	/* capped: 64 KiB folios at most */
	{ "64K", 2048, 2 }, { "64K", 6144, 4 }, { "64K", 16383, 4 },
	/* off */
	{ "0", 10240, 0 },
};

START_TEST(test_readahead_orders)
{
	const rorder_t *c = &rorders[_i];
	g_autofree char *text = with_folios(c->fmax, cold_scan);
	vm_engine_t *e = run(text);
	vm_file_t *f = file(e, "data");
	ck_assert_uint_eq(f->nr_cached, 16384);
	ck_assert_uint_eq(vm_file_folio_order(f, c->page), c->order);
	vm_engine_free(e);
}
END_TEST

static gboolean nothing_cached(void *ctx, uint64_t index)
{
	(void)ctx;
	(void)index;
	return FALSE;
}

/* The policy hands page_cache_ra_order's order over with the window: the
 * async window after read-around asks for order 2, the next for 4. */
START_TEST(test_window_order)
{
	vm_ra_t r;
	vm_ra_params_t p;
	vm_ra_state_t ra;
	vm_ra_params_default(&p);
	p.max = 2048;
	vm_ra_init(&r, &vm_ra_policy_linux, &p);
	vm_ra_state_init(&ra);
	vm_ra_query_t q = { .cached = nothing_cached, .nr_pages = 16384 };
	vm_ra_window_t w = vm_ra_mmap_fault_miss(&r, &ra, &q, 0, VM_MADV_NORMAL);
	ck_assert_uint_eq(w.order, 0);
	ck_assert_uint_eq(w.marker, 1536);
	w = vm_ra_mmap_fault_hit(&r, &ra, &q, 1536, VM_MADV_NORMAL, TRUE);
	ck_assert_uint_eq(w.start, 2048);
	ck_assert_uint_eq(w.order, 2);
	/* the marker sits on the first folio of the window; a fault on the
	 * middle of a 4-page folio holding it is still the expected one */
	q.marker_folio = 4;
	w = vm_ra_mmap_fault_hit(&r, &ra, &q, 2048, VM_MADV_NORMAL, TRUE);
	ck_assert_uint_eq(w.start, 4096);
	ck_assert_uint_eq(w.order, 4);
}
END_TEST

/* ==========================================================================
 * c. One fault per folio
 * ========================================================================== */

typedef struct {
	const char *fmax;
	const char *text;       /* after the header */
	uint64_t minflt, majflt;
	uint64_t rss_file;
} fpf_t;

/* 16 MiB written in 1 MiB writes, then @map mapped and scanned */
#define WRITTEN_16M \
	"1 open f fd=3 create\n" \
	"1 write 3 0 1M\n1 write 3 1M 1M\n1 write 3 2M 1M\n1 write 3 3M 1M\n" \
	"1 write 3 4M 1M\n1 write 3 5M 1M\n1 write 3 6M 1M\n1 write 3 7M 1M\n" \
	"1 write 3 8M 1M\n1 write 3 9M 1M\n1 write 3 10M 1M\n1 write 3 11M 1M\n" \
	"1 write 3 12M 1M\n1 write 3 13M 1M\n1 write 3 14M 1M\n1 write 3 15M 1M\n" \
	"1 fsync 3\n"

static const fpf_t fpfs[] = {
	/* 15 folios, one fault each; the last ends at EOF: 16 faults */
	{ "2M", WRITTEN_16M "1 mmap 0x100000000 16M r shared fd=3\n"
		"1 seq r 0x100000000 16M\n", 31, 0, 4096 },
	/* the same with 4 KiB folios: one per fault-around window */
	{ "0", WRITTEN_16M "1 mmap 0x100000000 16M r shared fd=3\n"
		"1 seq r 0x100000000 16M\n", 256, 0, 4096 },
	/* one touch maps its whole folio */
	{ "2M", WRITTEN_16M "1 mmap 0x100000000 16M r shared fd=3\n"
		"1 r 0x100080000\n", 1, 0, 256 },
	/* a VMA that holds half a folio: only the 16-page window */
	{ "2M", WRITTEN_16M "1 mmap 0x100000000 512K r shared fd=3\n"
		"1 seq r 0x100000000 512K\n", 8, 0, 128 },
	/* the VMA starts 512 KiB past a 2 MiB boundary: the first folio
	 * lies in one page-table page (one fault), the second crosses into
	 * the next and is mapped window by window (16 faults) */
	{ "2M", WRITTEN_16M "1 mmap 0x100080000 2M r shared fd=3\n"
		"1 seq r 0x100080000 2M\n", 1 + 16, 0, 512 },
	/* a shared write fault maps its folio writable and dirty */
	{ "2M", WRITTEN_16M "1 mmap 0x100000000 1M rw shared fd=3\n"
		"1 seq w 0x100000000 1M\n"
		"1 expect file=f dirty_pages=256\n", 1, 0, 256 },
	/* ... but a write to a page mapped read-only enables that page */
	{ "2M", WRITTEN_16M "1 mmap 0x100000000 1M rw shared fd=3\n"
		"1 seq r 0x100000000 1M\n1 seq w 0x100000000 1M\n"
		"1 expect file=f dirty_pages=256\n", 1 + 256, 0, 256 },
	/* and a private write copies its one page */
	{ "2M", WRITTEN_16M "1 mmap 0x100000000 1M rw private fd=3\n"
		"1 seq w 0x100000000 1M\n", 256, 0, 0 },
	/* 2 MiB folios (one 16 MiB write): a folio as large as a page-table
	 * page is mapped whole even at EOF */
	{ "2M", "1 open f fd=3 create\n1 write 3 0 16M\n1 fsync 3\n"
		"1 mmap 0x100000000 16M r shared fd=3\n"
		"1 seq r 0x100000000 16M\n", 8, 0, 4096 },
};

START_TEST(test_fault_per_folio)
{
	const fpf_t *c = &fpfs[_i];
	g_autofree char *text = with_folios(c->fmax, c->text);
	vm_engine_t *e = run(text);
	vm_machine_t *m = vm_engine_machine(e);
	ck_assert_uint_eq(m->c.minflt, c->minflt);
	ck_assert_uint_eq(m->c.majflt, c->majflt);
	ck_assert_uint_eq(vm_proc_lookup(m, 1)->rss_file, c->rss_file);
	vm_engine_free(e);
}
END_TEST

/* The cold 64 MiB scan: 1 major and 435 minor faults with folios up to
 * 2 MiB, as measured on Linux 6.18 ext4; 1151 with 4 KiB folios, where
 * a fault that finds its neighbours still being read (the scan catches up
 * with the disk's 2 GB/s) maps only its own page (traces/scenarios/
 * cold-scan.vmt). */
START_TEST(test_cold_scan_counts)
{
	g_autofree char *on = with_folios("2M", cold_scan);
	g_autofree char *off = with_folios("0", cold_scan);
	vm_engine_t *e = run(on);
	ck_assert_uint_eq(vm_engine_machine(e)->c.majflt, 1);
	ck_assert_uint_eq(vm_engine_machine(e)->c.minflt, 435);
	vm_engine_free(e);
	e = run(off);
	ck_assert_uint_eq(vm_engine_machine(e)->c.majflt, 1);
	ck_assert_uint_eq(vm_engine_machine(e)->c.minflt, 1151);
	vm_engine_free(e);
}
END_TEST

/* ==========================================================================
 * d. Reclaim: a folio is evicted whole (shrink_folio_list), or not at all
 * ========================================================================== */

static const char *const rc_sets[] = {
	"memory=8M", "reclaim.watermark_min=0", "reclaim.kswapd=false",
	"readahead.policy=none", "cache.folio_max=2M", NULL,
};

typedef struct {
	gboolean dirty;          /* dirty the folio's page 7 first */
	gboolean busy;           /* page 200 still being read */
	gboolean isolated;       /* page 9 off the reclaim lists */
	gboolean evicted;
} evict_t;

static const evict_t evicts[] = {
	{ FALSE, FALSE, FALSE, TRUE },
	{ TRUE, FALSE, FALSE, TRUE },    /* written first, freed once written */
	{ FALSE, TRUE, FALSE, FALSE },
	{ FALSE, FALSE, TRUE, FALSE },
};

START_TEST(test_evict_folio)
{
	const evict_t *c = &evicts[_i];
	vm_machine_t *m = mk(rc_sets);
	vm_file_t *f = vm_file_new(m, "f", 2 * 256 * PS, FALSE, FALSE);
	uint32_t free0 = m->frames.nr_free;
	/* pages 0..255: one folio, as a 1 MiB write makes; 256: alone */
	uint32_t pfn = vm_filemap_grab_folio(m, f, 0, 256);
	ck_assert(pfn != VM_NIL);
	ck_assert(vm_filemap_grab(m, f, 256) != VM_NIL);
	ck_assert_uint_eq(vm_file_folio_order(f, 100), 8);
	ck_assert_uint_eq(f->nr_cached, 257);
	vt_check(m);
	if (c->dirty)
		vm_writeback_dirty(m, f, vm_file_pfn(f, 7));
	if (c->busy)
		m->frames.f[vm_file_pfn(f, 200)].io_done = m->now + 1;
	if (c->isolated)
		vm_reclaim_remove(m->reclaim, vm_file_pfn(f, 9));
	/* the victim, taken off the lists as shrink() does */
	uint32_t victim = vm_file_pfn(f, 5);
	vm_reclaim_remove(m->reclaim, victim);
	uint64_t ev0 = m->nr_evicted;
	vm_vmscan_rc_t rc = vm_filemap_evict(m, victim, FALSE);
	if (c->dirty) {
		/* pageout of the whole folio: one write, the folio kept (and
		 * unmapped) until it completes, then freed without a write */
		ck_assert_int_eq(rc, VM_VMSCAN_PAGEOUT);
		ck_assert_uint_eq(m->disk->stats.writes, 1);
		ck_assert_uint_eq(f->nr_cached, 257);
		ck_assert_int_eq(vm_filemap_evict(m, victim, FALSE), VM_VMSCAN_KEPT);
		m->now = m->frames.f[victim].io_done;
		vm_vmscan_pageout_done(m);
		rc = vm_filemap_evict(m, victim, FALSE);
		ck_assert_uint_eq(m->disk->stats.writes, 1);
	}
	ck_assert(rc == (c->evicted ? VM_VMSCAN_FREED : VM_VMSCAN_KEPT));
	if (c->evicted) {
		ck_assert_uint_eq(f->nr_cached, 1);
		ck_assert_uint_eq(m->nr_evicted - ev0, 255);
		ck_assert_uint_eq(m->frames.nr_free, free0 - 1);
		ck_assert_uint_eq(vm_file_folio_order(f, 100), 0);
		ck_assert(vm_filemap_find(f, 255) == VM_NIL);
		ck_assert(vm_filemap_find(f, 256) != VM_NIL);
		ck_assert_uint_eq(f->nr_dirty, 0);
		if (c->dirty)   /* the page got its disk write, done by now */
			ck_assert(vm_file_wb_done(f, 7) > 0 &&
				  vm_file_wb_done(f, 7) <= m->now);
	} else {
		ck_assert_uint_eq(f->nr_cached, 257);
		ck_assert_uint_eq(m->nr_evicted, ev0);
		ck_assert_uint_eq(vm_file_folio_order(f, 5), 8);
		vm_reclaim_add(m->reclaim, victim);
		if (c->isolated)
			vm_reclaim_add(m->reclaim, vm_file_pfn(f, 9));
		m->frames.f[vm_file_pfn(f, 200)].io_done = m->now;
	}
	vt_check(m);
	vm_machine_free(m);
}
END_TEST

/* Memory pressure: a 64 MiB cold scan in 24 MiB evicts folios as it
 * goes; the checker (on at every step) keeps them whole.  Reclaim costs
 * nothing here (cost.reclaim=0): with a cost, the operation's clock moves
 * on while its reclaim runs (vm_machine_op_now), and a read-ahead page
 * whose read completes within those microseconds may be taken before use,
 * a race this test is not about. */
START_TEST(test_pressure)
{
	static const char *const sets[] = { "memory=24M", "cost.reclaim=0", NULL };
	g_autofree char *text = with_folios("2M", cold_scan);
	vm_config_t cfg;
	GError *err = NULL;
	ck_assert(vm_config_load(&cfg, "default", &err));
	for (unsigned i = 0; sets[i]; i++)
		ck_assert(vm_config_set_assignment(&cfg, sets[i], &err));
	vm_engine_opts_t opts = { .check = TRUE };
	vm_engine_t *e = vm_engine_open_memory("t.vmt", text, &cfg, NULL, &opts, &err);
	ck_assert(e != NULL);
	int r = 1;
	for (unsigned i = 0; i < MAX_EVENTS && r > 0; i++)
		r = vm_engine_step(e, &err);
	ck_assert_msg(r == 0, "run: %s", err ? err->message : "did not finish");
	vm_machine_t *m = vm_engine_machine(e);
	vm_file_t *f = file(e, "data");
	ck_assert_uint_lt(f->nr_cached, 16384);
	ck_assert_uint_gt(m->nr_evicted, 0);
	/* pages still being read cannot be evicted (they are under I/O),
	 * so reclaim takes pages the scan has used and read-around never
	 * has to restart (4 majors when the disk moved data faster than its
	 * bandwidth allows); the last window is in large folios */
	ck_assert_uint_eq(m->c.majflt, 1);
	ck_assert_uint_gt(vm_file_folio_order(f, 16383), 0);
	vt_check(m);
	vm_engine_free(e);
}
END_TEST

/* ==========================================================================
 * e. Truncation splits the folio it cuts; the checker catches a broken one
 * ========================================================================== */

START_TEST(test_truncate_splits)
{
	g_autofree char *text = with_folios("2M",
		"1 open f fd=3 create\n1 write 3 0 1M\n1 write 3 1M 1M\n"
		"1 ftruncate 3 514K\n");
	vm_engine_t *e = run(text);
	vm_file_t *f = file(e, "f");
	/* pages 0..128 stay, in single pages; the second folio went whole */
	ck_assert_uint_eq(f->nr_cached, 129);
	ck_assert_uint_eq(vm_file_folio_order(f, 0), 0);
	ck_assert_uint_eq(vm_file_folio_order(f, 128), 0);
	ck_assert(vm_filemap_find(f, 129) == VM_NIL);
	vt_check(vm_engine_machine(e));
	vm_engine_free(e);
}
END_TEST

START_TEST(test_checker)
{
	g_autofree char *text = with_folios("2M",
		"1 open f fd=3 create\n1 write 3 0 64K\n1 write 3 64K 4K\n");
	vm_engine_t *e = run(text);
	vm_machine_t *m = vm_engine_machine(e);
	vm_file_t *f = file(e, "f");
	vt_check(m);
	/* a page outside the folio claiming to be in one */
	vm_file_chunk_get(f, 16)->forder[VM_FILE_SLOT(16)] = 1;
	char *bad = vm_check_machine(m);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, "folio") != NULL, "%s", bad);
	g_free(bad);
	/* a folio with a page missing */
	vm_file_chunk_get(f, 16)->forder[VM_FILE_SLOT(16)] = 0;
	vt_check(m);
	uint32_t pfn = vm_file_pfn(f, 3);
	vm_file_set_pfn(f, 3, VM_NIL);
	bad = vm_check_machine(m);
	ck_assert_ptr_nonnull(bad);
	g_free(bad);
	vm_file_set_pfn(f, 3, pfn);
	vt_check(m);
	vm_engine_free(e);
}
END_TEST

/* The profile key: 0 or a power of two from page_size to 2 MiB. */
typedef struct {
	const char *value;
	gboolean ok;
} fkey_t;

static const fkey_t keys[] = {
	{ "0", TRUE }, { "4K", TRUE }, { "64K", TRUE }, { "2M", TRUE },
	{ "4M", FALSE }, { "48K", FALSE }, { "2K", FALSE },
};

START_TEST(test_key)
{
	vm_config_t cfg;
	GError *err = NULL;
	g_autofree char *a = g_strdup_printf("cache.folio_max=%s", keys[_i].value);
	vm_config_default(&cfg);
	ck_assert(vm_config_set_assignment(&cfg, a, &err));
	gboolean ok = vm_config_validate(&cfg, &err);
	ck_assert_msg(ok == keys[_i].ok, "%s", a);
	if (!ok) {
		ck_assert(strstr(err->message, "cache.folio_max") != NULL);
		g_clear_error(&err);
	}
}
END_TEST

/* What the host profile sets: from 6.18 on, ext4 and xfs. */
typedef struct {
	const char *fs, *kernel;
	uint64_t folio_max;
} hostf_t;

static const hostf_t hostfs[] = {
	{ "ext4", "6.18.44-fc-v1272", 2 << 20 },
	{ "ext4", "6.17.9", 0 },          /* folios mapped 16 pages at a time */
	{ "ext4", "6.16.0", 0 },
	{ "xfs", "6.18.1", 2 << 20 },
	{ "ext4", "7.1.0", 2 << 20 },
	{ "btrfs", "6.18.1", 0 },
	{ "tmpfs", "6.18.1", 0 },
	{ "ext4", "garbage", 0 },
	{ "", "6.18.1", 0 },
};

START_TEST(test_host)
{
	const hostf_t *c = &hostfs[_i];
	ck_assert_uint_eq(vm_host_folio_max(c->fs, c->kernel, 4096), c->folio_max);
}
END_TEST

static Suite *folio_suite(void)
{
	Suite *s = suite_create("folio");
	TCase *tc = tcase_create("sizes");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_write_sizes, 0, G_N_ELEMENTS(wsizes));
	tcase_add_loop_test(tc, test_readahead_orders, 0, G_N_ELEMENTS(rorders));
	tcase_add_test(tc, test_window_order);
	tcase_add_loop_test(tc, test_key, 0, G_N_ELEMENTS(keys));
	tcase_add_loop_test(tc, test_host, 0, G_N_ELEMENTS(hostfs));
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_fault_per_folio, 0, G_N_ELEMENTS(fpfs));
	tcase_add_test(tc, test_cold_scan_counts);
	suite_add_tcase(s, tc);

	tc = tcase_create("reclaim");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_evict_folio, 0, G_N_ELEMENTS(evicts));
	tcase_add_test(tc, test_pressure);
	tcase_add_test(tc, test_truncate_splits);
	tcase_add_test(tc, test_checker);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(folio_suite());
}
