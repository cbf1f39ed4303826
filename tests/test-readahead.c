/*
 * Tests for models/readahead.c and the ra-*.c policies.  A toy page cache
 * (a byte per page for "cached" and one for PG_readahead) stands in for the
 * real one; the drivers below call the policy the way filemap_read and
 * filemap_fault do, apply each window (read the uncached pages, mark the
 * marker if it was read now) and log every window that read something.
 * The expected windows are listed step by step, with the state drawn where
 * it helps: [a,b) is the window, m the page carrying the marker.
 */
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <glib.h>

#include "models/readahead.h"
#include "tests/testlib.h"

#define NO VM_RA_NONE

/* ---- a toy page cache ------------------------------------------------- */

typedef struct {
	guint8 *cached;
	guint8 *marker;
	uint64_t nr_pages;
	vm_ra_query_t q;
	vm_ra_t ra;
	vm_ra_state_t st;
	GArray *log;           /* vm_ra_window_t that read pages */
	uint64_t nr_sync;      /* read() misses / fault misses seen */
} cache_t;

static gboolean cache_cached(void *ctx, uint64_t index)
{
	cache_t *c = ctx;

	return index < c->nr_pages && c->cached[index];
}

static void cache_init(cache_t *c, const char *policy, uint64_t nr_pages,
		       uint64_t max, uint32_t folio_order)
{
	vm_ra_params_t p;

	memset(c, 0, sizeof(*c));
	c->cached = g_new0(guint8, nr_pages);
	c->marker = g_new0(guint8, nr_pages);
	c->nr_pages = nr_pages;
	c->q.cached = cache_cached;
	c->q.ctx = c;
	c->q.nr_pages = nr_pages;
	vm_ra_params_default(&p);
	p.max = max;
	p.max_folio_order = folio_order;
	vm_ra_init(&c->ra, vm_ra_policy_find(policy), &p);
	ck_assert_ptr_nonnull(c->ra.ops);
	vm_ra_state_init(&c->st);
	c->log = g_array_new(FALSE, FALSE, sizeof(vm_ra_window_t));
}

static void cache_fini(cache_t *c)
{
	g_free(c->cached);
	g_free(c->marker);
	g_array_free(c->log, TRUE);
}

static void cache_fill(cache_t *c, uint64_t start, uint64_t end)
{
	for (uint64_t i = start; i < end; i++)
		c->cached[i] = 1;
}

/* What the page cache does with a decision. */
static void apply(cache_t *c, vm_ra_window_t w)
{
	if (w.nr)
		ck_assert_uint_le(w.start + w.nr, c->nr_pages);
	for (uint64_t i = w.start; i < w.start + w.nr; i++) {
		if (c->cached[i])
			continue;
		c->cached[i] = 1;
		if (i == w.marker)
			c->marker[i] = 1;
	}
	if (w.nr)
		g_array_append_val(c->log, w);
}

/* pread() of @nr pages from @index, as filemap_read meets them. */
static void do_read(cache_t *c, uint64_t index, uint64_t nr)
{
	uint64_t end = MIN(index + nr, c->nr_pages);
	vm_ra_window_t w;

	for (uint64_t i = index; i < end; i++) {
		if (!c->cached[i]) {
			c->nr_sync++;
			apply(c, vm_ra_sync_read(&c->ra, &c->st, &c->q, i,
						 end - i));
			c->cached[i] = 1;    /* the demand read, if needed */
		}
		if (c->marker[i]) {
			w = vm_ra_async_read(&c->ra, &c->st, &c->q, i,
					     end - i);
			if (w.clear_marker)
				c->marker[i] = 0;
			apply(c, w);
		}
	}
	vm_ra_read_done(&c->st, end << 12, 12);
}

/* A page fault on @index, as filemap_fault meets it. */
static void do_fault(cache_t *c, uint64_t index, vm_madv_t advice)
{
	vm_ra_window_t w;

	if (!c->cached[index]) {
		c->nr_sync++;
		apply(c, vm_ra_mmap_fault_miss(&c->ra, &c->st, &c->q, index,
					       advice));
		c->cached[index] = 1;
		return;
	}
	w = vm_ra_mmap_fault_hit(&c->ra, &c->st, &c->q, index, advice,
				 c->marker[index]);
	if (w.clear_marker)
		c->marker[index] = 0;
	apply(c, w);
}

typedef struct {
	uint64_t start, nr, marker;
} win_t;

static void check_log(cache_t *c, const win_t *exp, unsigned nr_exp)
{
	for (unsigned i = 0; i < MIN(nr_exp, c->log->len); i++) {
		vm_ra_window_t w = g_array_index(c->log, vm_ra_window_t, i);

		ck_assert_msg(w.start == exp[i].start && w.nr == exp[i].nr &&
			      w.marker == exp[i].marker,
			      "window %u: got [%" G_GUINT64_FORMAT ",+%"
			      G_GUINT64_FORMAT ") m%" G_GINT64_FORMAT
			      ", want [%" G_GUINT64_FORMAT ",+%"
			      G_GUINT64_FORMAT ") m%" G_GINT64_FORMAT, i,
			      w.start, w.nr, (gint64)w.marker, exp[i].start,
			      exp[i].nr, (gint64)exp[i].marker);
	}
	if (g_getenv("RA_DEBUG"))
		for (unsigned i = 0; i < c->log->len; i++) {
			vm_ra_window_t w = g_array_index(c->log,
							 vm_ra_window_t, i);
			g_printerr("[%" G_GUINT64_FORMAT ",+%" G_GUINT64_FORMAT
				   ") m%" G_GINT64_FORMAT " %s\n", w.start,
				   w.nr, (gint64)w.marker,
				   vm_ra_reason_name(w.reason));
		}
	ck_assert_uint_eq(c->log->len, nr_exp);
}

/* ---- window size helpers ---------------------------------------------- */

static const struct { uint64_t req, max, want; } init_cases[] = {
	{ 1, 32, 4 }, { 2, 32, 4 }, { 3, 32, 8 }, { 4, 32, 8 },
	{ 5, 32, 16 }, { 8, 32, 16 }, { 9, 32, 32 }, { 100, 32, 32 },
	{ 1, 2048, 4 }, { 64, 2048, 256 }, { 65, 2048, 256 },
	{ 512, 2048, 1024 }, { 513, 2048, 2048 },
};

START_TEST(test_init_size)
{
	ck_assert_uint_eq(vm_ra_init_size(init_cases[_i].req,
					  init_cases[_i].max),
			  init_cases[_i].want);
}
END_TEST

static const struct { uint64_t cur, max, want; } next_cases[] = {
	{ 4, 2048, 16 }, { 127, 2048, 508 }, { 128, 2048, 256 },
	{ 1024, 2048, 2048 }, { 1025, 2048, 2048 }, { 2048, 2048, 2048 },
	{ 1, 32, 4 }, { 2, 32, 4 }, { 16, 32, 32 }, { 17, 32, 32 },
};

START_TEST(test_next_size)
{
	ck_assert_uint_eq(vm_ra_next_size(next_cases[_i].cur,
					  next_cases[_i].max),
			  next_cases[_i].want);
}
END_TEST

/* ---- sequential read() streams ---------------------------------------- */

/* 4 KiB preads of pages 0..99, max 32 (128 KiB), 4 KiB folios only.
 *   read 0 misses:  [0,4)    m1    initial: 1 page -> 4, async 3
 *   read 1, marker: [4,12)   m4    ramp 4 -> 8, all async
 *   read 4:         [12,28)  m12   8 -> 16
 *   read 12:        [28,60)  m28   16 -> 32 = max
 *   read 28, 60, 92: 32 each, the pipeline 32 pages ahead */
static const win_t seq_32[] = {
	{ 0, 4, 1 }, { 4, 8, 4 }, { 12, 16, 12 }, { 28, 32, 28 },
	{ 60, 32, 60 }, { 92, 32, 92 }, { 124, 32, 124 },
};

/* The same stream with large folios (max order 9): each async window
 * aims two folio orders higher and its end is rounded down to 2^order
 * pages (at most 32, the lowest set bit of max):
 *   [4,12)  order 2: end 12 on 4          -> 8
 *   [12,28) order 4: end 28 -> 16         -> [12,16) 4
 *   [16,24) order 4: 24 -> 16 = start, no trim -> 8
 *   [24,40) order 5: 40 -> 32             -> [24,32) 8
 *   [32,48) order 5: 48 -> 32 = start     -> 16
 *   [48,80) order 6 (align 32): 80 -> 64  -> [48,64) 16
 *   [64,96), [96,128), [128,160): 32 */
static const win_t seq_32_large[] = {
	{ 0, 4, 1 }, { 4, 8, 4 }, { 12, 4, 12 }, { 16, 8, 16 },
	{ 24, 8, 24 }, { 32, 16, 32 }, { 48, 16, 48 }, { 64, 32, 64 },
	{ 96, 32, 96 }, { 128, 32, 128 },
};

/* 4 KiB preads of pages 0..8191, max 2048 (read_ahead_kb=8M), large
 * folios: the measured 4, 16, 60, 240, 448 ... 2048.
 *   [0,4)      m1     initial
 *   [4,20)     m4     16, order 0+2: end 20 on 4, kept
 *   [20,84)    -> [20,80)    60: order 4, end rounded to 16
 *   [80,560)   -> [80,320)  240: next(60)=240, order 6, end 320 on 64 ok
 *   [320,800)  -> [320,768) 448: next(240)=480, order 8, end on 256
 *   [768,1664) -> [768,1024) 256: order 10, end on 1024
 *   [1024,1536) 512: order 10, end 1536 -> 1024 = start, no trim
 *   [1536,2560) -> [1536,2048) 512: order 11, end on 2048
 *   [2048,3072) 1024; [3072,5120) -> [3072,4096) 1024
 *   [4096,6144), [6144,8192), [8192,10240): 2048 */
static const win_t seq_2048_large[] = {
	{ 0, 4, 1 }, { 4, 16, 4 }, { 20, 60, 20 }, { 80, 240, 80 },
	{ 320, 448, 320 }, { 768, 256, 768 }, { 1024, 512, 1024 },
	{ 1536, 512, 1536 }, { 2048, 1024, 2048 }, { 3072, 1024, 3072 },
	{ 4096, 2048, 4096 }, { 6144, 2048, 6144 }, { 8192, 2048, 8192 },
};

/* The same without large folios: the classic x4, x4, x4, x2, x2, x2. */
static const win_t seq_2048_small[] = {
	{ 0, 4, 1 }, { 4, 16, 4 }, { 20, 64, 20 }, { 84, 256, 84 },
	{ 340, 512, 340 }, { 852, 1024, 852 }, { 1876, 2048, 1876 },
	{ 3924, 2048, 3924 }, { 5972, 2048, 5972 }, { 8020, 2048, 8020 },
	{ 10068, 2048, 10068 },
};

/* 16 KiB preads, max 32: init(4) = 8 with async 8-4 = 4:
 *   [0,8) m4; the read of 4..7 meets m4: [8,24) m8; read 8: [24,56) m24;
 *   read 24: [56,88) m56 */
static const win_t seq_32_req4[] = {
	{ 0, 8, 4 }, { 8, 16, 8 }, { 24, 32, 24 }, { 56, 32, 56 },
};

/* A 10-page file: [0,4) m1, then [4,12) cut to [4,10) (m4 kept), then the
 * window [12,28) lies past EOF and reads nothing. */
static const win_t seq_eof[] = {
	{ 0, 4, 1 }, { 4, 6, 4 },
};

static const struct {
	const char *name;
	uint64_t max;
	uint32_t order;
	uint64_t file_pages, req, nr_reads;
	const win_t *exp;
	unsigned nr_exp;
} seq_cases[] = {
	{ "32", 32, 0, 1024, 1, 100, seq_32, G_N_ELEMENTS(seq_32) },
	{ "32-large", 32, 9, 1024, 1, 100, seq_32_large,
	  G_N_ELEMENTS(seq_32_large) },
	{ "2048-large", 2048, 9, 16384, 1, 8192, seq_2048_large,
	  G_N_ELEMENTS(seq_2048_large) },
	{ "2048-small", 2048, 0, 16384, 1, 8192, seq_2048_small,
	  G_N_ELEMENTS(seq_2048_small) },
	{ "32-req4", 32, 0, 1024, 4, 10, seq_32_req4,
	  G_N_ELEMENTS(seq_32_req4) },
	{ "eof", 32, 0, 10, 1, 10, seq_eof, G_N_ELEMENTS(seq_eof) },
};

START_TEST(test_seq_stream)
{
	cache_t c;

	cache_init(&c, "linux", seq_cases[_i].file_pages, seq_cases[_i].max,
		   seq_cases[_i].order);
	for (uint64_t r = 0; r < seq_cases[_i].nr_reads; r++)
		do_read(&c, r * seq_cases[_i].req, seq_cases[_i].req);
	check_log(&c, seq_cases[_i].exp, seq_cases[_i].nr_exp);
	/* Only the first read ever waited for the disk. */
	ck_assert_uint_eq(c.nr_sync, 1);
	cache_fini(&c);
}
END_TEST

/* ---- single read() decisions ------------------------------------------ */

/* Small random reads read only what they ask and leave the state alone;
 * the next read right after one of them starts a stream. */
START_TEST(test_random_reads)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 1024, 32, 9);
	w = vm_ra_sync_read(&c.ra, &c.st, &c.q, 100, 1);
	ck_assert_int_eq(w.reason, VM_RA_REQUEST);
	ck_assert_uint_eq(w.start, 100);
	ck_assert_uint_eq(w.nr, 1);
	ck_assert_uint_eq(w.marker, NO);
	ck_assert_uint_eq(c.st.size, 0);
	vm_ra_read_done(&c.st, 101 << 12, 12);

	w = vm_ra_sync_read(&c.ra, &c.st, &c.q, 500, 2);   /* 500 - 101 > 1 */
	ck_assert_int_eq(w.reason, VM_RA_REQUEST);
	ck_assert_uint_eq(w.nr, 2);
	vm_ra_read_done(&c.st, 502 << 12, 12);

	/* prev_index 502: a read at 503 skipped page 502 and still counts
	 * as sequential (index - prev_index == 1). [503,507) m504 */
	w = vm_ra_sync_read(&c.ra, &c.st, &c.q, 503, 1);
	ck_assert_int_eq(w.reason, VM_RA_INITIAL);
	ck_assert_uint_eq(w.start, 503);
	ck_assert_uint_eq(w.nr, 4);
	ck_assert_uint_eq(w.marker, 504);
	ck_assert_uint_eq(c.st.async_size, 3);
	cache_fini(&c);
}
END_TEST

/* A read larger than the limit gets a window of max, half of it async:
 * [50,82) m66. */
START_TEST(test_oversize_read)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 1024, 32, 9);
	w = vm_ra_sync_read(&c.ra, &c.st, &c.q, 50, 100);
	ck_assert_int_eq(w.reason, VM_RA_INITIAL);
	ck_assert_uint_eq(w.start, 50);
	ck_assert_uint_eq(w.nr, 32);
	ck_assert_uint_eq(w.marker, 66);
	cache_fini(&c);
}
END_TEST

/* No usable state, but cached pages before the miss betray a stream. */
static const struct {
	uint64_t cached_from, cached_to, index, req;
	win_t want;
	vm_ra_reason_t reason;
} context_cases[] = {
	/* cached 0..19: from page 0, so 2 x 20 + 1 = 41 -> max 32, async 1 */
	{ 0, 20, 20, 1, { 20, 32, 51 }, VM_RA_CONTEXT },
	/* cached 50..59: 10 + 4 = 14 pages, marker on the last */
	{ 50, 60, 60, 4, { 60, 14, 73 }, VM_RA_CONTEXT },
	/* cached 58..59: 2 <= 4, a random read after all */
	{ 58, 60, 60, 4, { 60, 4, NO }, VM_RA_REQUEST },
};

START_TEST(test_context_read)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 1024, 32, 9);
	cache_fill(&c, context_cases[_i].cached_from,
		   context_cases[_i].cached_to);
	w = vm_ra_sync_read(&c.ra, &c.st, &c.q, context_cases[_i].index,
			    context_cases[_i].req);
	ck_assert_int_eq(w.reason, context_cases[_i].reason);
	ck_assert_uint_eq(w.start, context_cases[_i].want.start);
	ck_assert_uint_eq(w.nr, context_cases[_i].want.nr);
	ck_assert_uint_eq(w.marker, context_cases[_i].want.marker);
	cache_fini(&c);
}
END_TEST

/* The marker: reading page 1 after [0,4) m1 starts [4,12) at once and
 * clears the marker; the state moves to the new window. */
START_TEST(test_async_marker)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 1024, 32, 0);
	do_read(&c, 0, 1);
	ck_assert(c.marker[1]);
	ck_assert(!c.marker[0]);
	ck_assert(c.cached[3] && !c.cached[4]);
	w = vm_ra_async_read(&c.ra, &c.st, &c.q, 1, 1);
	ck_assert(w.clear_marker);
	ck_assert_int_eq(w.reason, VM_RA_RAMP);
	ck_assert_uint_eq(w.start, 4);
	ck_assert_uint_eq(w.nr, 8);
	ck_assert_uint_eq(w.marker, 4);
	ck_assert_uint_eq(c.st.start, 4);
	ck_assert_uint_eq(c.st.size, 8);
	ck_assert_uint_eq(c.st.async_size, 8);
	cache_fini(&c);
}
END_TEST

/* A marker the state does not expect (another stream moved it): the run
 * of cached pages after it stands for the old async part.
 *   cached [100,116), marker 100, state elsewhere:
 *   next hole 116; size next(16 + 1) = 32: [116,148) m116 */
START_TEST(test_async_interleaved)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 1024, 32, 0);
	cache_fill(&c, 100, 116);
	w = vm_ra_async_read(&c.ra, &c.st, &c.q, 100, 1);
	ck_assert_int_eq(w.reason, VM_RA_INTERLEAVED);
	ck_assert(w.clear_marker);
	ck_assert_uint_eq(w.start, 116);
	ck_assert_uint_eq(w.nr, 32);
	ck_assert_uint_eq(w.marker, 116);

	/* Everything for max pages after it cached: nothing to do, but the
	 * marker is still consumed. */
	cache_fill(&c, 116, 200);
	vm_ra_state_init(&c.st);
	w = vm_ra_async_read(&c.ra, &c.st, &c.q, 100, 1);
	ck_assert_uint_eq(w.nr, 0);
	ck_assert(w.clear_marker);
	cache_fini(&c);
}
END_TEST

/* ---- page faults -------------------------------------------------------- */

/* Read-around, max 2048 unless noted: [index - max/2, +max), marker at
 * 3/4 (async_size max/4), cut at 0 and at EOF. */
static const struct {
	uint64_t max, file_pages, index;
	win_t want;
} around_cases[] = {
	/* the measured touches of a cold 64 MiB file */
	{ 2048, 16384, 0, { 0, 2048, 1536 } },
	{ 2048, 16384, 8192, { 7168, 2048, 8704 } },
	/* 16000 - 1024 = 14976; EOF cuts at 16384; marker 16512 gone */
	{ 2048, 16384, 16000, { 14976, 1408, NO } },
	{ 2048, 16384, 1024, { 0, 2048, 1536 } },
	{ 2048, 16384, 1025, { 1, 2048, 1537 } },
	{ 32, 100, 5, { 0, 32, 24 } },
	{ 32, 100, 90, { 74, 26, 98 } },
	/* a file smaller than the window */
	{ 32, 3, 2, { 0, 3, NO } },
};

START_TEST(test_mmap_readaround)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", around_cases[_i].file_pages,
		   around_cases[_i].max, 9);
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, around_cases[_i].index,
				  VM_MADV_NORMAL);
	ck_assert_int_eq(w.reason, VM_RA_READAROUND);
	ck_assert_uint_eq(w.start, around_cases[_i].want.start);
	ck_assert_uint_eq(w.nr, around_cases[_i].want.nr);
	ck_assert_uint_eq(w.marker, around_cases[_i].want.marker);
	ck_assert_uint_eq(c.st.mmap_miss, 1);
	cache_fini(&c);
}
END_TEST

/* A cold sequential scan of 64 MiB through a mapping: one miss at page 0
 * reads [0,2048) m1536; the hit on 1536 reads [2048,4096) m2048; from
 * then on each marker, at the start of a window, reads the next 2048. */
START_TEST(test_mmap_scan)
{
	static const win_t want[] = {
		{ 0, 2048, 1536 }, { 2048, 2048, 2048 }, { 4096, 2048, 4096 },
		{ 6144, 2048, 6144 }, { 8192, 2048, 8192 },
		{ 10240, 2048, 10240 }, { 12288, 2048, 12288 },
		{ 14336, 2048, 14336 },
	};
	cache_t c;

	cache_init(&c, "linux", 16384, 2048, 9);
	for (uint64_t i = 0; i < 16384; i++)
		do_fault(&c, i, VM_MADV_NORMAL);
	ck_assert_uint_eq(c.nr_sync, 1);
	check_log(&c, want, G_N_ELEMENTS(want));
	ck_assert_uint_eq(c.st.mmap_miss, 0);
	cache_fini(&c);
}
END_TEST

/* MADV_RANDOM: no readahead, mmap_miss untouched, markers left alone.
 * MADV_SEQUENTIAL: read() logic for a request of max pages. */
START_TEST(test_mmap_advice)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 16384, 2048, 9);
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 100, VM_MADV_RANDOM);
	ck_assert_uint_eq(w.nr, 0);
	ck_assert_uint_eq(c.st.mmap_miss, 0);
	c.st.mmap_miss = 5;
	w = vm_ra_mmap_fault_hit(&c.ra, &c.st, &c.q, 100, VM_MADV_RANDOM,
				 TRUE);
	ck_assert_uint_eq(w.nr, 0);
	ck_assert(!w.clear_marker);
	ck_assert_uint_eq(c.st.mmap_miss, 5);

	/* at page 0: initial window of max, async max/2: [0,2048) m1024 */
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 0, VM_MADV_SEQUENTIAL);
	ck_assert_int_eq(w.reason, VM_RA_INITIAL);
	ck_assert_uint_eq(w.start, 0);
	ck_assert_uint_eq(w.nr, 2048);
	ck_assert_uint_eq(w.marker, 1024);
	ck_assert_uint_eq(c.st.mmap_miss, 5);

	/* elsewhere, with no read() history and nothing cached before it:
	 * the request as is, 2048 pages from the fault, no marker */
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 5000,
				  VM_MADV_SEQUENTIAL);
	ck_assert_int_eq(w.reason, VM_RA_REQUEST);
	ck_assert_uint_eq(w.start, 5000);
	ck_assert_uint_eq(w.nr, 2048);
	ck_assert_uint_eq(w.marker, NO);
	cache_fini(&c);
}
END_TEST

/* mmap_miss: each miss adds one, each hit takes one off; above the limit
 * read-around stops.  Misses far apart, nothing applied to the cache.
 *   misses 1..L: read-around (mmap_miss = L)
 *   miss L+1:    nothing      (L+1 > L)
 *   hit, hit:    mmap_miss L-1
 *   miss:        read-around  (L) */
static const uint32_t limit_cases[] = { 100, 3, 1 };

START_TEST(test_mmap_miss_limit)
{
	uint32_t limit = limit_cases[_i];
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 1u << 23, 32, 9);
	c.ra.params.mmap_miss_limit = limit;
	for (uint32_t i = 0; i < limit; i++) {
		w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 1000 * i,
					  VM_MADV_NORMAL);
		ck_assert_int_eq(w.reason, VM_RA_READAROUND);
	}
	ck_assert_uint_eq(c.st.mmap_miss, limit);
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 999999, VM_MADV_NORMAL);
	ck_assert_uint_eq(w.nr, 0);
	ck_assert_uint_eq(c.st.mmap_miss, limit + 1);
	for (int i = 0; i < 2; i++)
		vm_ra_mmap_fault_hit(&c.ra, &c.st, &c.q, 7, VM_MADV_NORMAL,
				     FALSE);
	ck_assert_uint_eq(c.st.mmap_miss, limit - 1);
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 5000000,
				  VM_MADV_NORMAL);
	ck_assert_int_eq(w.reason, VM_RA_READAROUND);

	/* the count saturates at 10 x limit */
	for (uint32_t i = 0; i < 30 * limit; i++)
		vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 1000 * i,
				      VM_MADV_NORMAL);
	ck_assert_uint_eq(c.st.mmap_miss, 10 * limit);
	cache_fini(&c);
}
END_TEST

/* ---- limits, other policies, registry ----------------------------------- */

/* readahead.max 0 with the linux policy: read() reads one page at a time,
 * faults and markers read nothing extra. */
START_TEST(test_linux_max_zero)
{
	cache_t c;
	vm_ra_window_t w;

	cache_init(&c, "linux", 100, 0, 9);
	w = vm_ra_sync_read(&c.ra, &c.st, &c.q, 0, 8);
	ck_assert_uint_eq(w.start, 0);
	ck_assert_uint_eq(w.nr, 1);
	ck_assert_uint_eq(w.marker, NO);
	w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q, 10, VM_MADV_NORMAL);
	ck_assert_uint_eq(w.nr, 0);
	w = vm_ra_async_read(&c.ra, &c.st, &c.q, 10, 1);
	ck_assert_uint_eq(w.nr, 0);
	ck_assert(!w.clear_marker);
	w = vm_ra_willneed(&c.ra, &c.st, &c.q, 10, 5);
	ck_assert_uint_eq(w.nr, 0);
	cache_fini(&c);
}
END_TEST

/* Each policy's answer to the same events; file of 100 pages, max 32. */
enum { EV_READ, EV_MISS, EV_HIT_MARKER, EV_WILLNEED };

static const struct {
	const char *policy;
	int event;
	uint64_t index, n;     /* n: read pages, or WILLNEED length */
	vm_madv_t advice;
	win_t want;
} policy_cases[] = {
	{ "fixed", EV_READ, 7, 1, VM_MADV_NORMAL, { 7, 32, NO } },
	{ "fixed", EV_READ, 7, 50, VM_MADV_NORMAL, { 7, 32, NO } },
	{ "fixed", EV_MISS, 7, 0, VM_MADV_RANDOM, { 7, 32, NO } },
	{ "fixed", EV_MISS, 90, 0, VM_MADV_NORMAL, { 90, 10, NO } },
	{ "fixed", EV_HIT_MARKER, 7, 0, VM_MADV_NORMAL, { 0, 0, NO } },
	{ "fixed", EV_WILLNEED, 10, 50, VM_MADV_NORMAL, { 10, 32, NO } },
	{ "none", EV_READ, 7, 3, VM_MADV_NORMAL, { 7, 3, NO } },
	{ "none", EV_READ, 98, 5, VM_MADV_NORMAL, { 98, 2, NO } },
	{ "none", EV_MISS, 7, 0, VM_MADV_SEQUENTIAL, { 7, 1, NO } },
	{ "none", EV_HIT_MARKER, 7, 0, VM_MADV_NORMAL, { 0, 0, NO } },
	{ "none", EV_WILLNEED, 10, 50, VM_MADV_NORMAL, { 0, 0, NO } },
	{ "linux", EV_WILLNEED, 10, 50, VM_MADV_NORMAL, { 10, 32, NO } },
	{ "linux", EV_WILLNEED, 90, 50, VM_MADV_NORMAL, { 90, 10, NO } },
	{ "linux", EV_READ, 0, 1, VM_MADV_NORMAL, { 0, 4, 1 } },
	{ "linux", EV_READ, 99, 1, VM_MADV_NORMAL, { 99, 1, NO } },
};

START_TEST(test_policies)
{
	cache_t c;
	vm_ra_window_t w = vm_ra_window_empty(VM_RA_NOTHING);

	cache_init(&c, policy_cases[_i].policy, 100, 32, 9);
	switch (policy_cases[_i].event) {
	case EV_READ:
		w = vm_ra_sync_read(&c.ra, &c.st, &c.q, policy_cases[_i].index,
				    policy_cases[_i].n);
		break;
	case EV_MISS:
		w = vm_ra_mmap_fault_miss(&c.ra, &c.st, &c.q,
					  policy_cases[_i].index,
					  policy_cases[_i].advice);
		break;
	case EV_HIT_MARKER:
		w = vm_ra_mmap_fault_hit(&c.ra, &c.st, &c.q,
					 policy_cases[_i].index,
					 policy_cases[_i].advice, TRUE);
		break;
	case EV_WILLNEED:
		w = vm_ra_willneed(&c.ra, &c.st, &c.q, policy_cases[_i].index,
				   policy_cases[_i].n);
		break;
	}
	ck_assert_uint_eq(w.nr, policy_cases[_i].want.nr);
	if (w.nr)
		ck_assert_uint_eq(w.start, policy_cases[_i].want.start);
	ck_assert_uint_eq(w.marker, policy_cases[_i].want.marker);
	cache_fini(&c);
}
END_TEST

/* A sequential stream under "fixed": a miss every 32 pages, no markers;
 * under "none": a miss every page. */
START_TEST(test_fixed_none_stream)
{
	static const struct { const char *name; uint64_t misses; } want[] = {
		{ "fixed", 1024 / 32 }, { "none", 1024 },
	};
	cache_t c;

	for (unsigned k = 0; k < G_N_ELEMENTS(want); k++) {
		cache_init(&c, want[k].name, 1024, 32, 9);
		for (uint64_t i = 0; i < 1024; i++)
			do_read(&c, i, 1);
		ck_assert_uint_eq(c.nr_sync, want[k].misses);
		for (uint64_t i = 0; i < 1024; i++)
			ck_assert(!c.marker[i]);
		cache_fini(&c);
	}
}
END_TEST

static const struct { const char *name; const vm_ra_ops_t *ops; }
find_cases[] = {
	{ "linux", &vm_ra_policy_linux }, { "fixed", &vm_ra_policy_fixed },
	{ "none", &vm_ra_policy_none }, { "Linux", NULL }, { "", NULL },
	{ "lru", NULL },
};

START_TEST(test_policy_find)
{
	ck_assert_ptr_eq(vm_ra_policy_find(find_cases[_i].name),
			 find_cases[_i].ops);
}
END_TEST

START_TEST(test_registry)
{
	unsigned n = 0;
	vm_ra_params_t p;

	while (vm_ra_policies[n])
		n++;
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_eq(vm_ra_policies[0], &vm_ra_policy_linux);
	vm_ra_params_default(&p);
	ck_assert_uint_eq(p.max, 32);
	ck_assert_uint_eq(p.mmap_miss_limit, 100);
	for (int r = 0; r < VM_RA_NR_REASONS; r++)
		ck_assert_str_ne(vm_ra_reason_name(r), "?");
	ck_assert_str_eq(vm_ra_reason_name(VM_RA_READAROUND), "read-around");
}
END_TEST

static Suite *readahead_suite(void)
{
	Suite *s = suite_create("readahead");
	TCase *tc;

	tc = tcase_create("sizes");
	tcase_add_loop_test(tc, test_init_size, 0, G_N_ELEMENTS(init_cases));
	tcase_add_loop_test(tc, test_next_size, 0, G_N_ELEMENTS(next_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_loop_test(tc, test_seq_stream, 0, G_N_ELEMENTS(seq_cases));
	tcase_add_test(tc, test_random_reads);
	tcase_add_test(tc, test_oversize_read);
	tcase_add_loop_test(tc, test_context_read, 0,
			    G_N_ELEMENTS(context_cases));
	tcase_add_test(tc, test_async_marker);
	tcase_add_test(tc, test_async_interleaved);
	suite_add_tcase(s, tc);

	tc = tcase_create("mmap");
	tcase_add_loop_test(tc, test_mmap_readaround, 0,
			    G_N_ELEMENTS(around_cases));
	tcase_add_test(tc, test_mmap_scan);
	tcase_add_test(tc, test_mmap_advice);
	tcase_add_loop_test(tc, test_mmap_miss_limit, 0,
			    G_N_ELEMENTS(limit_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("policies");
	tcase_add_test(tc, test_linux_max_zero);
	tcase_add_loop_test(tc, test_policies, 0, G_N_ELEMENTS(policy_cases));
	tcase_add_test(tc, test_fixed_none_stream);
	tcase_add_loop_test(tc, test_policy_find, 0, G_N_ELEMENTS(find_cases));
	tcase_add_test(tc, test_registry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(readahead_suite());
}
