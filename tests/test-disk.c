/*
 * Tests of the disk core (models/disk.c) and its types
 * (models/disk-{nvme,ssd,hdd,ram}.c).  The timing tests submit a table of
 * requests to one disk and check every completion time, worked out by hand
 * in the comment beside it, then the counters:
 *
 *   t=6,000,000  R 51+1  waits for the one slot until 11,020,000, starts at
 *                        the head (no seek): 11,020,000 + 20,000
 *   ^ submitted   ^ start block + blocks
 *
 * Transfers are ceil(blocks x 4096 x 1e9 / bandwidth) ns.  Numbers used
 * throughout (4 KiB pages):
 *   seed-hdd  204,800,000 B/s: 1 page 20,000 ns exactly; seek 5,000,000
 *   nvme      2 GiB/s = 2,147,483,648 B/s: 1 page 1907.35 -> 1,908 ns,
 *             32 pages 61,035.16 -> 61,036 ns; latency 80,000
 *   ssd       550,000,000 B/s: 1 page 7,447.27 -> 7,448 ns, 2 pages
 *             14,894.5 -> 14,895 ns; latency 100,000
 *   ram       1,000,000,000 B/s: 1 page 4,096 ns
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/disk.h"
#include "tests/testlib.h"
#include "models/types.h"   /* vm_splitmix64 */

#define R VM_DISK_READ
#define W VM_DISK_WRITE
#define PAGE 4096
#define GIB ((uint64_t)1 << 30)
#define MAX_STEPS 8

typedef struct {
	uint64_t now;       /* submission time */
	uint64_t start;     /* first block */
	uint32_t nr;
	vm_disk_dir_t dir;
	uint64_t done;      /* expected completion */
} step_t;

typedef struct {
	const char *what;
	const char *type;
	uint64_t latency, seek, bandwidth;
	uint32_t queue_depth;
	step_t steps[MAX_STEPS];
	unsigned nr_steps;
	vm_disk_stats_t stats; /* expected counters afterwards */
} scenario_t;

static vm_config_t disk_config(const char *type, uint64_t latency,
			       uint64_t seek, uint64_t bandwidth,
			       uint32_t queue_depth, uint64_t page_size)
{
	vm_config_t cfg;

	memset(&cfg, 0, sizeof(cfg));
	g_strlcpy(cfg.disk_type, type, sizeof(cfg.disk_type));
	cfg.disk_latency = latency;
	cfg.disk_seek = seek;
	cfg.disk_bandwidth = bandwidth;
	cfg.disk_queue_depth = queue_depth;
	cfg.page_size = page_size;
	return cfg;
}

/* ------------------------------------------------------------------ */
/* Completion times, request by request.                               */
/* ------------------------------------------------------------------ */

static const scenario_t scenarios[] = {
	{ "seed-hdd: random, sequential, queued", "hdd",
	  0, 5000000, 204800000, 1, {
		{       0, 100, 1, R,  5020000 },
		/* head 0, not 100: seek 5,000,000 + 1 page 20,000 */
		{ 5020000, 101, 1, R,  5040000 },
		/* starts at the head (101): 20,000 only */
		{ 5040000, 102, 8, R,  5200000 },
		/* sequential again, 8 pages: 160,000 */
		{ 6000000,  50, 1, W, 11020000 },
		/* idle since 5,200,000; head 110: seek + 20,000 */
		{ 6000000,  51, 1, R, 11040000 },
		/* waits for the one slot until 11,020,000, then sequential */
		{ 7000000,   0, 2, R, 16080000 },
		/* waits until 11,040,000; head 52: seek + 40,000 */
	  }, 6,
	  /* busy [0, 5,200,000) + [6,000,000, 16,080,000) = 15,280,000;
	   * waits 5,020,000 + 4,040,000 */
	  { .reads = 5, .writes = 1, .pages_in = 13, .pages_out = 1,
	    .busy_ns = 15280000, .seeks = 3, .queued = 2,
	    .queue_ns = 9060000 } },

	{ "hdd with latency, queue depth forced to 1", "hdd",
	  4000000, 8000000, 100000000, 32, {
		/* 100,000,000 B/s: 1 page 40,960 ns exactly */
		{        0,    0, 1, R,  4040960 },
		/* the head starts at block 0: no seek; latency 4,000,000 */
		{        0,    1, 1, R,  8081920 },
		/* depth 1 despite 32: waits until 4,040,960, then sequential */
		{ 10000000, 1000, 4, W, 22163840 },
		/* seek 8,000,000 + latency 4,000,000 + 163,840 */
	  }, 3,
	  /* busy 8,081,920 + 12,163,840 */
	  { .reads = 2, .writes = 1, .pages_in = 2, .pages_out = 4,
	    .busy_ns = 20245760, .seeks = 1, .queued = 1,
	    .queue_ns = 4040960 } },

	{ "nvme: no position cost, rounding up", "nvme",
	  80000, 5000000, 2 * GIB, 32, {
		{      0,    0,  1, R,  81908 },
		/* 80,000 + 1,908 */
		{      0, 1000,  1, R,  83816 },
		/* a second slot, far away (the seek parameter is not nvme's):
		 * its latency overlaps the first's, but its transfer waits
		 * for the channel until 81,908: + 1,908 */
		{ 100000,    5, 32, R, 241036 },
		/* 100,000 + 80,000 + 61,036 */
		{ 300000,    7,  1, W, 381908 },
	  }, 4,
	  /* busy 83,816 + 141,036 + 81,908; 3 requests not at the head */
	  { .reads = 3, .writes = 1, .pages_in = 34, .pages_out = 1,
	    .busy_ns = 306760, .seeks = 3 } },

	{ "ssd, queue depth 2: overlap counted once", "ssd",
	  100000, 0, 550000000, 2, {
		{     0,  0, 1, R, 107448 },
		/* slot 0: 100,000 + 7,448 */
		{ 10000, 10, 2, W, 124895 },
		/* slot 1: 10,000 + 100,000 + 14,895 */
		{ 20000, 20, 1, R, 214896 },
		/* slot 0 frees first, at 107,448: + 107,448 */
		{ 20000, 30, 1, R, 232343 },
		/* slot 1, at 124,895: + 107,448 */
	  }, 4,
	  /* intervals [0,107448) [10000,124895) [107448,214896)
	   * [124895,232343): union [0, 232,343), not their sum 437,239;
	   * waits 87,448 + 104,895 */
	  { .reads = 3, .writes = 1, .pages_in = 3, .pages_out = 2,
	    .busy_ns = 232343, .seeks = 3, .queued = 2,
	    .queue_ns = 192343 } },

	{ "ram: no latency", "ram",
	  80000, 5000000, 1000000000, 4, {
		{       0,   0,  1, R,    4096 },
		/* 4,096 only: latency and seek are ignored */
		{       0, 100, 16, W,   69632 },
		/* slot 1: 16 x 4,096 after the first's transfer */
		{ 1000000,   3,  1, R, 1004096 },
	  }, 3,
	  /* busy [0, 69,632) + [1,000,000, 1,004,096) */
	  { .reads = 2, .writes = 1, .pages_in = 2, .pages_out = 16,
	    .busy_ns = 73728, .seeks = 2 } },
};

START_TEST(test_scenario)
{
	const scenario_t *sc = &scenarios[_i];
	vm_config_t cfg = disk_config(sc->type, sc->latency, sc->seek,
				      sc->bandwidth, sc->queue_depth, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);

	ck_assert_ptr_nonnull(d);
	for (unsigned i = 0; i < sc->nr_steps; i++) {
		const step_t *st = &sc->steps[i];
		vm_disk_req_t req = { .start = st->start, .nr = st->nr,
				      .dir = st->dir, .tag = i };
		uint64_t done = vm_disk_submit(d, st->now, &req);

		ck_assert_msg(done == st->done,
			      "%s, step %u: done %" G_GUINT64_FORMAT
			      ", expected %" G_GUINT64_FORMAT,
			      sc->what, i, done, st->done);
		ck_assert_uint_eq(d->last.done_ns, done);
		ck_assert_uint_eq(d->last.submit_ns, st->now);
		ck_assert_uint_eq(d->last.start_ns + d->last.service_ns, done);
		ck_assert_uint_eq(d->head, st->start + st->nr);
	}
	ck_assert_uint_eq(d->stats.reads, sc->stats.reads);
	ck_assert_uint_eq(d->stats.writes, sc->stats.writes);
	ck_assert_uint_eq(d->stats.pages_in, sc->stats.pages_in);
	ck_assert_uint_eq(d->stats.pages_out, sc->stats.pages_out);
	ck_assert_uint_eq(d->stats.busy_ns, sc->stats.busy_ns);
	ck_assert_uint_eq(d->stats.seeks, sc->stats.seeks);
	ck_assert_uint_eq(d->stats.queued, sc->stats.queued);
	ck_assert_uint_eq(d->stats.queue_ns, sc->stats.queue_ns);
	vm_disk_free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Queue depth: n one-page requests at t=0 on nvme (80,000 of latency, */
/* overlapped, and 1,908 of transfer each, one after the other).      */
/* ------------------------------------------------------------------ */

static const struct {
	uint32_t queue_depth, nr;
	uint64_t last_done;   /* completion of the last request */
	uint32_t last_slot;
	uint64_t last_start;  /* when the last request got its slot */
	uint64_t idle_at, busy_ns;
	uint32_t busy_at_0;   /* vm_disk_nr_busy(d, 0) */
} depth_cases[] = {
	/* 32 fill the 32 slots; the k-th transfer ends at 80,000 + k x
	 * 1,908: the last at 141,056 */
	{ 32, 32, 141056, 31,      0, 141056, 141056, 32 },
	/* the 33rd waits for slot 0 (81,908), then its own 80,000, and the
	 * channel is free by then: 163,816 */
	{ 32, 33, 163816,  0,  81908, 163816, 163816, 32 },
	/* the 34th takes slot 1, free at 83,816: 83,816 + 81,908 */
	{ 32, 34, 165724,  1,  83816, 165724, 165724, 32 },
	/* depth 1: one after the other, 81,908 x 3 */
	{  1,  3, 245724,  0, 163816, 245724, 245724,  1 },
	/* depth 4, 9 requests: the first four end at 81,908 .. 87,632; the
	 * next four start as their slots free and transfer back to back
	 * from 161,908 (163,816 .. 169,540); the ninth takes slot 0 again
	 * at 163,816: 245,724 */
	{  4,  9, 245724,  0, 163816, 245724, 245724,  4 },
};

START_TEST(test_queue_depth)
{
	vm_config_t cfg = disk_config("nvme", 80000, 0, 2 * GIB,
				      depth_cases[_i].queue_depth, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);
	uint64_t done = 0, prev = 0;
	uint32_t nr = depth_cases[_i].nr, qd = depth_cases[_i].queue_depth;

	for (uint32_t i = 0; i < nr; i++) {
		vm_disk_req_t req = { .start = 10 * i, .nr = 1, .dir = R };

		done = vm_disk_submit(d, 0, &req);
		/* the first round starts at once, the rest waited */
		if (i < qd)
			ck_assert_uint_eq(d->last.start_ns, 0);
		else
			ck_assert_uint_gt(d->last.start_ns, 0);
		/* one channel: completions in submission order */
		ck_assert_uint_gt(done, prev);
		prev = done;
	}
	ck_assert_uint_eq(done, depth_cases[_i].last_done);
	ck_assert_uint_eq(d->last.slot, depth_cases[_i].last_slot);
	ck_assert_uint_eq(d->last.start_ns, depth_cases[_i].last_start);
	ck_assert_uint_eq(vm_disk_idle_at(d), depth_cases[_i].idle_at);
	ck_assert_uint_eq(d->stats.busy_ns, depth_cases[_i].busy_ns);
	ck_assert_uint_eq(d->stats.queued, nr > qd ? nr - qd : 0);
	ck_assert_uint_eq(vm_disk_nr_busy(d, 0), depth_cases[_i].busy_at_0);
	ck_assert_uint_eq(vm_disk_nr_busy(d, depth_cases[_i].idle_at), 0);
	vm_disk_free(d);
}
END_TEST

/* The slot taken is the earliest-free one, lowest index on a tie, as a scan
 * of every slot finds it (disk.c earliest_slot takes them round robin):
 * random sizes, gaps and depths, on a fast disk and on one so slow that
 * most requests queue. */
START_TEST(test_slot_choice)
{
	static const uint32_t depths[] = { 1, 2, 3, 7, 32 };
	for (unsigned k = 0; k < G_N_ELEMENTS(depths); k++) {
		for (int slow = 0; slow < 2; slow++) {
			vm_config_t cfg = disk_config("nvme", slow ? 5000000 : 80000,
						      0, 2 * GIB, depths[k], PAGE);
			vm_disk_t *d = vm_disk_new(&cfg);
			uint64_t s = 12345 + k, now = 0;
			for (unsigned i = 0; i < 500; i++) {
				uint64_t x = vm_splitmix64(&s);
				uint32_t want = 0;
				for (uint32_t j = 1; j < d->queue_depth; j++)
					if (d->slot_free[j] < d->slot_free[want])
						want = j;
				now += x % 300000;
				vm_disk_req_t req = { .start = x % 1000, .nr = 1 + (uint32_t)(x >> 40) % 64,
						      .dir = R };
				vm_disk_submit(d, now, &req);
				ck_assert_uint_eq(d->last.slot, want);
			}
			vm_disk_free(d);
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* The channel: parallel requests move data no faster than bandwidth.  */
/* ------------------------------------------------------------------ */

/* Two readahead-sized requests (128 pages, 512 KiB) at once on nvme:
 * 128 pages take ceil(524,288 x 1e9 / 2^31) = 244,141 ns.  The first is
 * done at 80,000 + 244,141 = 324,141; the second's latency overlapped the
 * first's, but its data follows the first's: 568,282.  1 MiB in 488,282
 * ns of transfer: disk.bandwidth, not twice it. */
START_TEST(test_channel)
{
	vm_config_t cfg = disk_config("nvme", 80000, 0, 2 * GIB, 32, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);
	vm_disk_req_t a = { .start = 0, .nr = 128, .dir = R };
	vm_disk_req_t b = { .start = 1000, .nr = 128, .dir = R };

	ck_assert_uint_eq(vm_disk_submit(d, 0, &a), 324141);
	ck_assert_uint_eq(d->stats.chan_waits, 0);
	ck_assert_uint_eq(vm_disk_submit(d, 0, &b), 568282);
	ck_assert_uint_eq(d->last.slot, 1);
	ck_assert_uint_eq(d->stats.chan_waits, 1);
	ck_assert_uint_eq(d->stats.chan_ns, 244141);
	/* the pages moved: 256 x 4 KiB in 568,282 - 80,000 ns of transfer
	 * time at most 2 GiB/s */
	ck_assert_uint_ge((568282 - 80000) * (2 * GIB) / 1000000000,
			  256 * PAGE - 2 * PAGE);
	vm_disk_free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Sequential against random on seed-hdd: 32 pages.                    */
/* ------------------------------------------------------------------ */

static const struct {
	const char *what;
	uint64_t stride;   /* block distance between successive pages */
	gboolean merge;    /* one merged request instead of 32 */
	uint64_t done;     /* when the last page is in, all submitted at 0 */
	uint64_t reads;
} hdd_cases[] = {
	/* 32 pages from block 1000, one request: seek + 32 x 20,000 */
	{ "merged run", 1, TRUE, 5640000, 1 },
	/* 32 one-page requests in a row: one seek, then 31 sequential */
	{ "sequential pages", 1, FALSE, 5640000, 32 },
	/* every other block: 32 x (5,000,000 + 20,000) */
	{ "strided pages", 2, FALSE, 160640000, 32 },
	/* merging a stride leaves 32 runs, and as slow */
	{ "strided, merged", 2, TRUE, 160640000, 32 },
};

START_TEST(test_hdd_sequential_random)
{
	vm_config_t cfg = disk_config("hdd", 0, 5000000, 204800000, 1, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);
	uint64_t blocks[32], done = 0;
	vm_disk_req_t reqs[32];
	size_t n;

	for (unsigned i = 0; i < 32; i++)
		blocks[i] = 1000 + i * hdd_cases[_i].stride;
	if (hdd_cases[_i].merge) {
		n = vm_disk_merge_runs(blocks, 32, d->max_blocks, R, 7, reqs);
	} else {
		for (unsigned i = 0; i < 32; i++)
			reqs[i] = (vm_disk_req_t){ .start = blocks[i],
						   .nr = 1, .dir = R };
		n = 32;
	}
	for (size_t i = 0; i < n; i++)
		done = vm_disk_submit(d, 0, &reqs[i]);
	ck_assert_uint_eq(done, hdd_cases[_i].done);
	ck_assert_uint_eq(d->stats.reads, hdd_cases[_i].reads);
	ck_assert_uint_eq(d->stats.pages_in, 32);
	ck_assert_uint_eq(d->stats.busy_ns, hdd_cases[_i].done);
	vm_disk_free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Transfer times: ceil(nr x page x 1e9 / bandwidth).                  */
/* ------------------------------------------------------------------ */

static const struct {
	uint64_t page, bandwidth, nr, ns;
} xfer_cases[] = {
	{ 4096, 204800000, 1, 20000 },        /* exact */
	{ 4096, 2 * GIB, 1, 1908 },           /* 1907.35 up */
	{ 4096, 2 * GIB, 32, 61036 },         /* 61035.16 up */
	{ 4096, 1000000000, 1, 4096 },
	{ 64, 3, 1, 21333333334 },            /* 21,333,333,333.3 up */
	{ 4096, (uint64_t)1 << 62, 1, 1 },    /* under a ns: still 1 */
	/* bandwidths over 18 GB/s: the fraction by long division */
	{ 4096, ((uint64_t)1 << 40) + 1, 1, 4 },
	{ 4096, 30000000007, 128, 17477 },
	/* 15 GiB x 1e9 fits 64 bits, but adding the bandwidth would not */
	{ GIB, 2349520656307317855u, 15, 7 },
	/* 4 GiB: bytes x 1e9 would overflow 64 bits */
	{ GIB, 1000000007, 4, 4294967266 },
	/* 2^32-1 pages of 1 GiB at 1 B/s: saturates, no overflow */
	{ GIB, 1, UINT32_MAX, VM_DISK_NS_MAX },
};

START_TEST(test_transfer)
{
	vm_config_t cfg = disk_config("ram", 0, 0, xfer_cases[_i].bandwidth,
				      1, xfer_cases[_i].page);
	vm_disk_t *d = vm_disk_new(&cfg);

	ck_assert_uint_eq(vm_disk_transfer_ns(d, xfer_cases[_i].nr),
			  xfer_cases[_i].ns);
	vm_disk_free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Busy time as of a moment, and the busy slots.                       */
/* ------------------------------------------------------------------ */

START_TEST(test_busy_at)
{
	/* ssd scenario's first two requests: [0,107448) [10000,124895) */
	vm_config_t cfg = disk_config("ssd", 100000, 0, 550000000, 2, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);
	vm_disk_req_t a = { .start = 0, .nr = 1, .dir = R };
	vm_disk_req_t b = { .start = 10, .nr = 2, .dir = W };

	ck_assert_uint_eq(vm_disk_idle_at(d), 0);
	ck_assert_uint_eq(vm_disk_submit(d, 0, &a), 107448);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 0), 0);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 5000), 5000);
	ck_assert_uint_eq(vm_disk_submit(d, 10000, &b), 124895);
	ck_assert_uint_eq(vm_disk_nr_busy(d, 10000), 2);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 10000), 10000);
	ck_assert_uint_eq(vm_disk_nr_busy(d, 110000), 1);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 110000), 110000);
	ck_assert_uint_eq(vm_disk_nr_busy(d, 124895), 0);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 124895), 124895);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 900000), 124895);
	ck_assert_uint_eq(vm_disk_idle_at(d), 124895);
	vm_disk_free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Merging adjacent blocks.  Blocks are given as up to 4 runs of       */
/* (first, count); the expected requests as (start, nr).               */
/* ------------------------------------------------------------------ */

typedef struct { uint64_t first, count; } span_t;

static const struct {
	const char *what;
	span_t in[4];
	uint32_t max_nr;
	span_t out[6];
	size_t nr_out;
} merge_cases[] = {
	{ "readahead 0..31", { { 0, 32 } }, 128, { { 0, 32 } }, 1 },
	{ "gaps", { { 3, 4 }, { 9, 2 }, { 12, 1 } }, 128,
	  { { 3, 4 }, { 9, 2 }, { 12, 1 } }, 3 },
	/* 3 4 5 6 9 10 12, at most 3: [3+3] [6+1] [9+2] [12+1] */
	{ "gaps, max 3", { { 3, 4 }, { 9, 2 }, { 12, 1 } }, 3,
	  { { 3, 3 }, { 6, 1 }, { 9, 2 }, { 12, 1 } }, 4 },
	/* 300 blocks, 512 KiB of 4 KiB pages = 128 a request */
	{ "split at 512 KiB", { { 0, 300 } }, 128,
	  { { 0, 128 }, { 128, 128 }, { 256, 44 } }, 3 },
	/* two input spans that touch are one run */
	{ "spans that touch", { { 5, 2 }, { 7, 3 } }, 128, { { 5, 5 } }, 1 },
	{ "one block", { { 7, 1 } }, 128, { { 7, 1 } }, 1 },
	{ "nothing", { { 0, 0 } }, 128, { { 0, 0 } }, 0 },
	{ "max 1", { { 0, 3 } }, 1, { { 0, 1 }, { 1, 1 }, { 2, 1 } }, 3 },
	/* a full run then the next starts a new request even if adjacent */
	{ "exact multiple", { { 100, 256 }, { 400, 1 } }, 128,
	  { { 100, 128 }, { 228, 128 }, { 400, 1 } }, 3 },
};

START_TEST(test_merge)
{
	uint64_t blocks[512];
	vm_disk_req_t out[512];
	size_t nr = 0, n;

	for (unsigned s = 0; s < 4; s++)
		for (uint64_t k = 0; k < merge_cases[_i].in[s].count; k++)
			blocks[nr++] = merge_cases[_i].in[s].first + k;
	n = vm_disk_merge_runs(blocks, nr, merge_cases[_i].max_nr, W, 42,
			       out);
	ck_assert_msg(n == merge_cases[_i].nr_out, "%s: %zu requests",
		      merge_cases[_i].what, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(out[i].start, merge_cases[_i].out[i].first);
		ck_assert_uint_eq(out[i].nr, merge_cases[_i].out[i].count);
		ck_assert_int_eq(out[i].dir, W);
		ck_assert_uint_eq(out[i].tag, 42);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Programmer errors: a critical, and nothing changes.                 */
/* ------------------------------------------------------------------ */

START_TEST(test_merge_errors)
{
	static const uint64_t unsorted[] = { 5, 4 };
	static const uint64_t duplicate[] = { 1, 2, 2 };
	vm_disk_req_t out[4] = { { .start = 99 } };
	GLogFunc old;

	vt_nr_criticals = 0;
	old = g_log_set_default_handler(vt_count_criticals, NULL);
	ck_assert_uint_eq(vm_disk_merge_runs(unsorted, 2, 128, R, 0, out), 0);
	ck_assert_uint_eq(vm_disk_merge_runs(duplicate, 3, 128, R, 0, out), 0);
	ck_assert_uint_eq(vm_disk_merge_runs(duplicate, 2, 0, R, 0, out), 0);
	g_log_set_default_handler(old, NULL);
	ck_assert_uint_eq(vt_nr_criticals, 3);
	ck_assert_uint_eq(out[0].start, 99);  /* untouched */
}
END_TEST

/*
 * Out-of-order stamps (a caller submitting at now + cost, then another at
 * now) are taken as arriving with the previous submission, one page each
 * on nvme, queue depth 1:
 *   t=1000  -> 1000 + 81,908 = 82,908
 *   t=500   -> late: taken as 1000, waits for the slot: 82,908 + 81,908
 *   t=0     -> late again: 164,816 + 81,908 = 246,724
 *   t=300,000 -> in order, idle: 381,908
 * busy: [1000, 246,724) + [300,000, 381,908) = 245,724 + 81,908
 */
START_TEST(test_late_submissions)
{
	vm_config_t cfg = disk_config("nvme", 80000, 0, 2 * GIB, 1, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);
	vm_disk_req_t req = { .start = 0, .nr = 1, .dir = R };

	ck_assert_uint_eq(vm_disk_submit(d, 1000, &req), 82908);
	ck_assert_uint_eq(vm_disk_submit(d, 500, &req), 164816);
	ck_assert_uint_eq(d->last.submit_ns, 1000);
	ck_assert_uint_eq(vm_disk_submit(d, 0, &req), 246724);
	ck_assert_uint_eq(d->stats.late, 2);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 100000), 99000);
	ck_assert_uint_eq(vm_disk_submit(d, 300000, &req), 381908);
	ck_assert_uint_eq(d->stats.late, 2);
	ck_assert_uint_eq(d->stats.busy_ns, 327632);
	/* before the last stretch: the first one in full */
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 250000), 245724);
	ck_assert_uint_eq(vm_disk_busy_ns_at(d, 340000), 285724);
	vm_disk_free(d);
}
END_TEST

START_TEST(test_submit_errors)
{
	vm_config_t cfg = disk_config("nvme", 80000, 0, 2 * GIB, 4, PAGE);
	vm_disk_t *d = vm_disk_new(&cfg);
	vm_disk_req_t ok = { .start = 0, .nr = 1, .dir = R };
	vm_disk_req_t empty = { .start = 0, .nr = 0, .dir = R };
	GLogFunc old;

	vm_disk_req_t sideways = { .start = 0, .nr = 1, .dir = 7 };

	ck_assert_uint_eq(vm_disk_submit(d, 1000, &ok), 82908);
	vt_nr_criticals = 0;
	old = g_log_set_default_handler(vt_count_criticals, NULL);
	ck_assert_uint_eq(vm_disk_submit(d, 2000, &empty), 0);
	ck_assert_uint_eq(vm_disk_submit(d, 2000, &sideways), 0);
	g_log_set_default_handler(old, NULL);
	ck_assert_uint_eq(vt_nr_criticals, 2);
	ck_assert_uint_eq(d->stats.reads, 1);
	ck_assert_uint_eq(d->stats.writes, 0);
	ck_assert_uint_eq(d->stats.busy_ns, 81908);
	ck_assert_uint_eq(d->last_submit, 1000);
	ck_assert_uint_eq(d->stats.late, 0);
	vm_disk_free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Construction and the registry.                                      */
/* ------------------------------------------------------------------ */

static const struct {
	const char *type;
	uint32_t queue_depth;     /* configured */
	uint64_t page_size;
	uint32_t want_depth, want_max_blocks;
} new_cases[] = {
	{ "nvme", 32, 4096, 32, 128 },
	{ "ssd", 64, 4096, 64, 128 },
	{ "hdd", 32, 4096, 1, 128 },      /* one head */
	{ "ram", 1, 65536, 1, 8 },
	{ "nvme", 8, 64, 8, 8192 },
	{ "nvme", 8, 1024 * 1024, 8, 1 }, /* a page over the limit: 1 */
};

START_TEST(test_new)
{
	vm_config_t cfg = disk_config(new_cases[_i].type, 1, 2, 3,
				      new_cases[_i].queue_depth,
				      new_cases[_i].page_size);
	vm_disk_t *d = vm_disk_new(&cfg);

	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->ops->policy.name, new_cases[_i].type);
	ck_assert_uint_eq(d->queue_depth, new_cases[_i].want_depth);
	ck_assert_uint_eq(d->max_blocks, new_cases[_i].want_max_blocks);
	ck_assert_uint_eq(d->latency, 1);
	ck_assert_uint_eq(d->seek, 2);
	ck_assert_uint_eq(d->bandwidth, 3);
	ck_assert_uint_eq(d->head, 0);
	ck_assert_uint_eq(vm_disk_nr_busy(d, 0), 0);
	vm_disk_free(d);
}
END_TEST

START_TEST(test_new_errors)
{
	vm_config_t bad[] = {
		disk_config("floppy", 0, 0, 1000, 1, PAGE),
		disk_config("nvme", 0, 0, 0, 1, PAGE),
		disk_config("nvme", 0, 0, UINT64_MAX, 1, PAGE),
		disk_config("nvme", 0, 0, 1000, 0, PAGE),
		disk_config("nvme", 0, 0, 1000, 1, 0),
	};
	GLogFunc old;

	vt_nr_criticals = 0;
	old = g_log_set_default_handler(vt_count_criticals, NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++)
		ck_assert_ptr_null(vm_disk_new(&bad[i]));
	ck_assert_ptr_null(vm_disk_new(NULL));
	g_log_set_default_handler(old, NULL);
	ck_assert_uint_eq(vt_nr_criticals, G_N_ELEMENTS(bad) + 1);
	vm_disk_free(NULL);
}
END_TEST

static const struct {
	const char *name;
	const vm_disk_ops_t *ops;
} find_cases[] = {
	{ "nvme", &vm_disk_type_nvme },
	{ "ssd", &vm_disk_type_ssd },
	{ "hdd", &vm_disk_type_hdd },
	{ "ram", &vm_disk_type_ram },
	{ "NVMe", NULL },
	{ "hd", NULL },
	{ "", NULL },
};

START_TEST(test_type_find)
{
	ck_assert_ptr_eq(vm_disk_type_find(find_cases[_i].name),
			 find_cases[_i].ops);
}
END_TEST

START_TEST(test_registry)
{
	unsigned n = 0;

	while (vm_disk_types[n]) {
		ck_assert(vm_disk_types[n]->position != NULL);
		n++;
	}
	ck_assert_uint_eq(n, 4);
	ck_assert_ptr_eq(vm_disk_types[0], &vm_disk_type_nvme);
}
END_TEST

static Suite *disk_suite(void)
{
	Suite *s = suite_create("disk");
	TCase *tc;

	tc = tcase_create("timing");
	tcase_add_loop_test(tc, test_scenario, 0, G_N_ELEMENTS(scenarios));
	tcase_add_loop_test(tc, test_queue_depth, 0,
			    G_N_ELEMENTS(depth_cases));
	tcase_add_test(tc, test_slot_choice);
	tcase_add_test(tc, test_channel);
	tcase_add_loop_test(tc, test_hdd_sequential_random, 0,
			    G_N_ELEMENTS(hdd_cases));
	tcase_add_loop_test(tc, test_transfer, 0, G_N_ELEMENTS(xfer_cases));
	tcase_add_test(tc, test_busy_at);
	tcase_add_test(tc, test_submit_errors);
	tcase_add_test(tc, test_late_submissions);
	suite_add_tcase(s, tc);

	tc = tcase_create("merge");
	tcase_add_loop_test(tc, test_merge, 0, G_N_ELEMENTS(merge_cases));
	tcase_add_test(tc, test_merge_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_add_loop_test(tc, test_new, 0, G_N_ELEMENTS(new_cases));
	tcase_add_test(tc, test_new_errors);
	tcase_add_loop_test(tc, test_type_find, 0, G_N_ELEMENTS(find_cases));
	tcase_add_test(tc, test_registry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(disk_suite());
}
