/*
 * Tests of the .vmt reader and writer (traces/vmt.c, docs/format.md) and of
 * traces/record.c.
 *
 * Most tests are tables run with tcase_add_loop_test:
 *   - good_lines: one line of every op and header, with every field of the
 *     record it must give, its token columns, and the line vm_vmt_format
 *     writes back (the "canonical" spelling);
 *   - bad_lines: a trace, the exact "NAME:LINE:COL:" prefix of its error and
 *     a piece of the message (the quoted token, or what is missing).
 * The rest exercise the streaming machinery through real files: a trace of
 * more than 3 MiB whose lines straddle the 1 MiB read blocks, overlong lines
 * (inside and across blocks), rewinding, and a record's strings outliving
 * the reader's buffers only through vm_record_copy().
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "traces/error.h"
#include "traces/units.h"
#include "traces/vmt.h"
#include "tests/testlib.h"

#define MIB ((size_t)1 << 20)

/* Fields a kind does not use: fd and expect_pid are -1, the rest 0. */
#define NOFD .fd = -1, .expect_pid = -1
#define FD(n) .fd = (n), .expect_pid = -1

static vm_vmt_reader_t *
mem_reader(const char *text)
{
	return vm_vmt_open_memory("t.vmt", text, strlen(text));
}

/* Compare every field of @got with @want; the columns too when @cols. */
static void
assert_same(const vm_record_t *got, const vm_record_t *want, gboolean cols,
	    const char *what)
{
#define SAME(f) ck_assert_msg(got->f == want->f, "%s: " #f " is %lld, want %lld", \
			      what, (long long)got->f, (long long)want->f)
#define SAME_STR(f) ck_assert_msg(g_strcmp0(got->f, want->f) == 0, \
				  "%s: " #f " is '%s', want '%s'", what, \
				  got->f ? got->f : "(null)", \
				  want->f ? want->f : "(null)")
	SAME(kind);
	SAME(pid);
	SAME(acc);
	SAME(addr);
	SAME(len);
	SAME(count);
	SAME(seed);
	SAME(stride);
	SAME(off);
	SAME(ns);
	SAME(fd);
	SAME(child);
	SAME(prot);
	SAME(flags);
	SAME(arg);
	SAME_STR(name);
	SAME_STR(value);
	SAME(expect_pid);
	SAME_STR(expect_file);
	SAME(nr_checks);
	if (want->nr_checks == 0)
		ck_assert_msg(got->checks == NULL, "%s: checks not NULL", what);
	for (uint32_t i = 0; i < want->nr_checks; i++) {
		SAME_STR(checks[i].key);
		SAME_STR(checks[i].value);
		SAME(checks[i].cmp);
		if (cols)
			SAME(checks[i].col);
	}
	if (cols)
		for (int i = 0; i < VM_REC_MAX_COLS; i++)
			SAME(cols[i]);
#undef SAME
#undef SAME_STR
}

/* --- Good lines ---------------------------------------------------------- */

typedef struct {
	const char *line;       /* the trace is "vmt 1\n" LINE "\n" */
	vm_record_t want;       /* .line is always 2 */
	const char *canon;      /* what vm_vmt_format writes */
} good_t;

static const vm_check_t checks_pid[] = {
	{ .key = "majflt", .value = "3", .cmp = VM_CMP_GE, .col = 16 },
	{ .key = "outcome", .value = "major", .cmp = VM_CMP_EQ, .col = 26 },
	{ .key = "rss_pages", .value = "10", .cmp = VM_CMP_LE, .col = 40 },
};
static const vm_check_t checks_file[] = {
	{ .key = "cached_pages", .value = "4", .cmp = VM_CMP_EQ, .col = 24 },
};
static const vm_check_t checks_cgroup[] = {
	{ .key = "cgroup.web-1.x.oom_kill", .value = "1", .cmp = VM_CMP_EQ, .col = 10 },
};
static const vm_check_t checks_global[] = {
	{ .key = "sigsegv", .value = "0", .cmp = VM_CMP_EQ, .col = 10 },
	{ .key = "state", .value = "running", .cmp = VM_CMP_EQ, .col = 20 },
};

static const good_t good_lines[] = {
	/* accesses */
	{ "1 r 0x7f001000",
	  { .kind = VM_REC_ACCESS, .pid = 1, .acc = VM_ACC_R, .addr = 0x7f001000,
	    .len = 1, NOFD, .cols = { 1, 3, 5 } },
	  "1 r 0x7f001000" },
	{ "1 w 4096 8",
	  { .kind = VM_REC_ACCESS, .pid = 1, .acc = VM_ACC_W, .addr = 4096,
	    .len = 8, NOFD, .cols = { 1, 3, 5, 10 } },
	  "1 w 0x1000 8" },
	{ "12 x 0x400000 4K",
	  { .kind = VM_REC_ACCESS, .pid = 12, .acc = VM_ACC_X, .addr = 0x400000,
	    .len = 4096, NOFD, .cols = { 1, 4, 6, 15 } },
	  "12 x 0x400000 4K" },
	{ "2147483647 r 0xffffffffffffffff 4097",
	  { .kind = VM_REC_ACCESS, .pid = 2147483647, .addr = UINT64_MAX,
	    .len = 4097, NOFD, .cols = { 1, 12, 14, 33 } },
	  "2147483647 r 0xffffffffffffffff 4097" },
	{ "\t1\tr\t0x10\t",
	  { .kind = VM_REC_ACCESS, .pid = 1, .addr = 0x10, .len = 1, NOFD,
	    .cols = { 2, 4, 6 } },
	  "1 r 0x10" },
	{ "1 r 0x10#comment, no blank before it",
	  { .kind = VM_REC_ACCESS, .pid = 1, .addr = 0x10, .len = 1, NOFD,
	    .cols = { 1, 3, 5 } },
	  "1 r 0x10" },
	{ "1 w 0x20 2\r",
	  { .kind = VM_REC_ACCESS, .pid = 1, .acc = VM_ACC_W, .addr = 0x20,
	    .len = 2, NOFD, .cols = { 1, 3, 5, 10 } },
	  "1 w 0x20 2" },
	/* seq, rand */
	{ "1 seq r 0x1000 64K",
	  { .kind = VM_REC_SEQ, .pid = 1, .addr = 0x1000, .len = 64 << 10, NOFD,
	    .cols = { 1, 3, 7, 9, 16 } },
	  "1 seq r 0x1000 64K" },
	{ "1 seq w 0x1000 1M stride=8K",
	  { .kind = VM_REC_SEQ, .pid = 1, .acc = VM_ACC_W, .addr = 0x1000,
	    .len = 1 << 20, .stride = 8192, NOFD, .cols = { 1, 3, 7, 9, 16, 19 } },
	  "1 seq w 0x1000 1M stride=8K" },
	{ "1 rand r 0x10000 1G count=100",
	  { .kind = VM_REC_RAND, .pid = 1, .addr = 0x10000, .len = 1 << 30,
	    .count = 100, .seed = 1, NOFD, .cols = { 1, 3, 8, 10, 18, 21 } },
	  "1 rand r 0x10000 1G count=100" },
	{ "1 rand w 0 4M seed=7 count=5",
	  { .kind = VM_REC_RAND, .pid = 1, .acc = VM_ACC_W, .addr = 0,
	    .len = 4 << 20, .count = 5, .seed = 7, NOFD,
	    .cols = { 1, 3, 8, 10, 12, 15, 22 } },
	  "1 rand w 0x0 4M count=5 seed=7" },
	{ "1 rand r 0x0 4K count=1 seed=0",
	  { .kind = VM_REC_RAND, .pid = 1, .len = 4096, .count = 1, .seed = 0,
	    NOFD },
	  "1 rand r 0x0 4K count=1 seed=0" },
	/* memory system calls */
	{ "1 mmap 0x10000 64K rw private anon",
	  { .kind = VM_REC_MMAP, .pid = 1, .addr = 0x10000, .len = 64 << 10,
	    .prot = VM_PROT_R | VM_PROT_W, .flags = VM_MAP_ANON, NOFD,
	    .cols = { 1, 3, 8, 16, 20, 23, 31 } },
	  "1 mmap 0x10000 64K rw private anon" },
	{ "1 mmap 0x20000 8K r shared fd=3 off=4K",
	  { .kind = VM_REC_MMAP, .pid = 1, .addr = 0x20000, .len = 8192,
	    .prot = VM_PROT_R, .flags = VM_MAP_SHARED, .off = 4096, FD(3),
	    .cols = { 1, 3, 8, 16, 19, 21, 28, 33 } },
	  "1 mmap 0x20000 8K r shared fd=3 off=4K" },
	{ "1 mmap 0x0 4K none private fd=0",
	  { .kind = VM_REC_MMAP, .pid = 1, .len = 4096, .prot = VM_PROT_NONE,
	    FD(0) },
	  "1 mmap 0x0 4K none private fd=0" },
	{ "1 mmap 0x1000 4K rwx shared anon",
	  { .kind = VM_REC_MMAP, .pid = 1, .addr = 0x1000, .len = 4096,
	    .prot = VM_PROT_R | VM_PROT_W | VM_PROT_X,
	    .flags = VM_MAP_SHARED | VM_MAP_ANON, NOFD },
	  "1 mmap 0x1000 4K rwx shared anon" },
	{ "1 mmap 0x1000 4K wx private anon",
	  { .kind = VM_REC_MMAP, .pid = 1, .addr = 0x1000, .len = 4096,
	    .prot = VM_PROT_W | VM_PROT_X, .flags = VM_MAP_ANON, NOFD },
	  "1 mmap 0x1000 4K wx private anon" },
	{ "1 munmap 0x10000 64K",
	  { .kind = VM_REC_MUNMAP, .pid = 1, .addr = 0x10000, .len = 64 << 10,
	    NOFD, .cols = { 1, 3, 10, 18 } },
	  "1 munmap 0x10000 64K" },
	{ "1 mprotect 0x10000 4K rx",
	  { .kind = VM_REC_MPROTECT, .pid = 1, .addr = 0x10000, .len = 4096,
	    .prot = VM_PROT_R | VM_PROT_X, NOFD, .cols = { 1, 3, 12, 20, 23 } },
	  "1 mprotect 0x10000 4K rx" },
	{ "1 mprotect 0x10000 4K none",
	  { .kind = VM_REC_MPROTECT, .pid = 1, .addr = 0x10000, .len = 4096,
	    .prot = VM_PROT_NONE, NOFD },
	  "1 mprotect 0x10000 4K none" },
	{ "1 madvise 0x10000 64K sequential",
	  { .kind = VM_REC_MADVISE, .pid = 1, .addr = 0x10000, .len = 64 << 10,
	    .arg = VM_MADV_SEQUENTIAL, NOFD },
	  "1 madvise 0x10000 64K sequential" },
	{ "1 madvise 0x0 4K dontneed",
	  { .kind = VM_REC_MADVISE, .pid = 1, .len = 4096,
	    .arg = VM_MADV_DONTNEED, NOFD },
	  "1 madvise 0x0 4K dontneed" },
	{ "1 madvise 0x0 4K willneed",
	  { .kind = VM_REC_MADVISE, .pid = 1, .len = 4096,
	    .arg = VM_MADV_WILLNEED, NOFD },
	  "1 madvise 0x0 4K willneed" },
	{ "1 madvise 0x0 4K normal",
	  { .kind = VM_REC_MADVISE, .pid = 1, .len = 4096,
	    .arg = VM_MADV_NORMAL, NOFD },
	  "1 madvise 0x0 4K normal" },
	{ "1 madvise 0x0 4K random",
	  { .kind = VM_REC_MADVISE, .pid = 1, .len = 4096,
	    .arg = VM_MADV_RANDOM, NOFD },
	  "1 madvise 0x0 4K random" },
	{ "1 msync 0x1000 4K async",
	  { .kind = VM_REC_MSYNC, .pid = 1, .addr = 0x1000, .len = 4096,
	    .arg = VM_MS_ASYNC, NOFD },
	  "1 msync 0x1000 4K async" },
	{ "1 msync 0x1000 4K sync",
	  { .kind = VM_REC_MSYNC, .pid = 1, .addr = 0x1000, .len = 4096,
	    .arg = VM_MS_SYNC, NOFD },
	  "1 msync 0x1000 4K sync" },
	/* files */
	{ "1 open data.bin fd=3 create trunc",
	  { .kind = VM_REC_OPEN, .pid = 1, .name = "data.bin",
	    .flags = VM_OPEN_CREATE | VM_OPEN_TRUNC, FD(3),
	    .cols = { 1, 3, 8, 17, 22, 29 } },
	  "1 open data.bin fd=3 create trunc" },
	{ "1 open /dev/shm/s tmpfs fd=6 create",
	  { .kind = VM_REC_OPEN, .pid = 1, .name = "/dev/shm/s",
	    .flags = VM_OPEN_CREATE | VM_OPEN_TMPFS, FD(6),
	    .cols = { 1, 3, 8, 19, 25, 30 } },
	  "1 open /dev/shm/s fd=6 create tmpfs" },
	{ "1 open f trunc fd=4",
	  { .kind = VM_REC_OPEN, .pid = 1, .name = "f", .flags = VM_OPEN_TRUNC,
	    FD(4) },
	  "1 open f fd=4 trunc" },
	{ "1 open f fd=5",
	  { .kind = VM_REC_OPEN, .pid = 1, .name = "f", FD(5) },
	  "1 open f fd=5" },
	{ "1 close 3",
	  { .kind = VM_REC_CLOSE, .pid = 1, FD(3), .cols = { 1, 3, 9 } },
	  "1 close 3" },
	{ "1 read 3 4K 8K",
	  { .kind = VM_REC_READ, .pid = 1, .addr = 4096, .len = 8192, FD(3),
	    .cols = { 1, 3, 8, 10, 13 } },
	  "1 read 3 4K 8K" },
	{ "1 write 3 0 1",
	  { .kind = VM_REC_WRITE, .pid = 1, .addr = 0, .len = 1, FD(3) },
	  "1 write 3 0 1" },
	{ "1 write 7 4097 0x2000",
	  { .kind = VM_REC_WRITE, .pid = 1, .addr = 4097, .len = 8192, FD(7) },
	  "1 write 7 4097 8K" },
	{ "1 fsync 3",
	  { .kind = VM_REC_FSYNC, .pid = 1, FD(3) },
	  "1 fsync 3" },
	{ "1 ftruncate 3 1M",
	  { .kind = VM_REC_FTRUNCATE, .pid = 1, .len = 1 << 20, FD(3),
	    .cols = { 1, 3, 13, 15 } },
	  "1 ftruncate 3 1M" },
	{ "1 unlink data.bin",
	  { .kind = VM_REC_UNLINK, .pid = 1, .name = "data.bin", NOFD,
	    .cols = { 1, 3, 10 } },
	  "1 unlink data.bin" },
	/* processes */
	{ "1 fork 2",
	  { .kind = VM_REC_FORK, .pid = 1, .child = 2, NOFD, .cols = { 1, 3, 8 } },
	  "1 fork 2" },
	{ "2 exit",
	  { .kind = VM_REC_EXIT, .pid = 2, NOFD, .cols = { 1, 3 } },
	  "2 exit" },
	{ "1 catch sigbus",
	  { .kind = VM_REC_CATCH, .pid = 1, .arg = VM_SIG_SIGBUS, NOFD },
	  "1 catch sigbus" },
	{ "1 catch sigsegv",
	  { .kind = VM_REC_CATCH, .pid = 1, .arg = VM_SIG_SIGSEGV, NOFD,
	    .cols = { 1, 3, 9 } },
	  "1 catch sigsegv" },
	{ "1 mremap 0x10000 8K 16K",
	  { .kind = VM_REC_MREMAP, .pid = 1, .addr = 0x10000, .len = 8192,
	    .count = 16384, NOFD, .cols = { 1, 3, 10, 18, 21 } },
	  "1 mremap 0x10000 8K 16K" },
	{ "1 mremap 0x10000 8K 4096 to=0x7f0000",
	  { .kind = VM_REC_MREMAP, .pid = 1, .addr = 0x10000, .len = 8192,
	    .count = 4096, .stride = 0x7f0000, .flags = VM_MREMAP_TO, NOFD,
	    .cols = { 1, 3, 10, 18, 21, 26 } },
	  "1 mremap 0x10000 8K 4K to=0x7f0000" },
	{ "1 oom_score_adj -1000",
	  { .kind = VM_REC_OOM_ADJ, .pid = 1, .arg = (uint32_t)-1000, NOFD,
	    .cols = { 1, 3, 17 } },
	  "1 oom_score_adj -1000" },
	{ "2 oom_score_adj +0500",
	  { .kind = VM_REC_OOM_ADJ, .pid = 2, .arg = 500, NOFD,
	    .cols = { 1, 3, 17 } },
	  "2 oom_score_adj 500" },
	{ "1 sleep 5ms",
	  { .kind = VM_REC_SLEEP, .pid = 1, .ns = 5000000, NOFD,
	    .cols = { 1, 3, 9 } },
	  "1 sleep 5ms" },
	{ "1 sleep 1500ns",
	  { .kind = VM_REC_SLEEP, .pid = 1, .ns = 1500, NOFD },
	  "1 sleep 1500ns" },
	{ "1 sleep 0x10us",
	  { .kind = VM_REC_SLEEP, .pid = 1, .ns = 16000, NOFD },
	  "1 sleep 16us" },
	{ "1 note hello   world  # comment",
	  { .kind = VM_REC_NOTE, .pid = 1, .name = "hello   world", NOFD,
	    .cols = { 1, 3, 8 } },
	  "1 note hello   world" },
	{ "3 note  the page cache: r=1, w=2 ",
	  { .kind = VM_REC_NOTE, .pid = 3, .name = "the page cache: r=1, w=2",
	    NOFD, .cols = { 1, 3, 9 } },
	  "3 note the page cache: r=1, w=2" },
	/* expectations */
	{ "1 expect pid=2 majflt>=3 outcome=major rss_pages<=10",
	  { .kind = VM_REC_EXPECT, .pid = 1, .fd = -1, .expect_pid = 2,
	    .nr_checks = 3, .checks = checks_pid,
	    .cols = { 1, 3, 10, 16, 26, 40 } },
	  "1 expect pid=2 majflt>=3 outcome=major rss_pages<=10" },
	{ "1 expect file=data.bin cached_pages=4",
	  { .kind = VM_REC_EXPECT, .pid = 1, .fd = -1, .expect_pid = -1,
	    .expect_file = "data.bin", .nr_checks = 1, .checks = checks_file,
	    .cols = { 1, 3, 10, 24 } },
	  "1 expect file=data.bin cached_pages=4" },
	{ "1 expect sigsegv=0 state=running",
	  { .kind = VM_REC_EXPECT, .pid = 1, .fd = -1, .expect_pid = -1,
	    .nr_checks = 2, .checks = checks_global, .cols = { 1, 3, 10, 20 } },
	  "1 expect sigsegv=0 state=running" },
	/* global event and headers: cols[0] == cols[1], the word */
	{ "crash",
	  { .kind = VM_REC_CRASH, .pid = 0, NOFD, .cols = { 1, 1 } },
	  "crash" },
	{ "  crash  # power cut",
	  { .kind = VM_REC_CRASH, .pid = 0, NOFD, .cols = { 3, 3 } },
	  "crash" },
	{ "profile tiny",
	  { .kind = VM_REC_PROFILE, .name = "tiny", NOFD, .cols = { 1, 1, 9 } },
	  "profile tiny" },
	{ "set memory=16K",
	  { .kind = VM_REC_SET, .name = "memory", .value = "16K", NOFD,
	    .cols = { 1, 1, 5 } },
	  "set memory=16K" },
	{ "set tlb.policy=fifo",
	  { .kind = VM_REC_SET, .name = "tlb.policy", .value = "fifo", NOFD },
	  "set tlb.policy=fifo" },
	{ "file data.bin size=1M sparse cached",
	  { .kind = VM_REC_FILE, .name = "data.bin", .len = 1 << 20,
	    .flags = VM_FILE_SPARSE | VM_FILE_CACHED, NOFD,
	    .cols = { 1, 1, 6, 15, 23, 30 } },
	  "file data.bin size=1M sparse cached" },
	{ "file /dev/shm/a tmpfs size=8K",
	  { .kind = VM_REC_FILE, .name = "/dev/shm/a", .len = 8192,
	    .flags = VM_FILE_TMPFS, NOFD, .cols = { 1, 1, 6, 17, 23 } },
	  "file /dev/shm/a size=8K tmpfs" },
	{ "file x cached size=0",
	  { .kind = VM_REC_FILE, .name = "x", .len = 0, .flags = VM_FILE_CACHED,
	    NOFD },
	  "file x size=0 cached" },
	{ "file y size=12345",
	  { .kind = VM_REC_FILE, .name = "y", .len = 12345, NOFD },
	  "file y size=12345" },
	/* memory cgroups: the limits in any order, printed in the table's */
	{ "1 cgroup create box swap.max=0 max=32M",
	  { .kind = VM_REC_CGROUP, .pid = 1, .arg = VM_CGROUP_CREATE,
	    .name = "box", .len = 32 << 20, .stride = 0,
	    .flags = VM_CG_SWAP_MAX, NOFD, .cols = { 1, 3, 10, 17, 21, 32 } },
	  "1 cgroup create box max=32M swap.max=0" },
	{ "1 cgroup create box max=64K high=0x8000",
	  { .kind = VM_REC_CGROUP, .pid = 1, .arg = VM_CGROUP_CREATE,
	    .name = "box", .len = 64 << 10, .seed = 0x8000,
	    .flags = VM_CG_HIGH, NOFD },
	  "1 cgroup create box max=64K high=32K" },
	{ "2 cgroup enter box",
	  { .kind = VM_REC_CGROUP, .pid = 2, .arg = VM_CGROUP_ENTER,
	    .name = "box", NOFD },
	  "2 cgroup enter box" },
	{ "1 expect cgroup.web-1.x.oom_kill=1",
	  { .kind = VM_REC_EXPECT, .pid = 1, .fd = -1, .expect_pid = -1,
	    .nr_checks = 1, .checks = checks_cgroup },
	  "1 expect cgroup.web-1.x.oom_kill=1" },
};

START_TEST(good_line)
{
	const good_t *g = &good_lines[_i];
	char *text = g_strconcat("vmt 1\n", g->line, "\n", NULL);
	vm_vmt_reader_t *r = mem_reader(text);
	GError *error = NULL;
	vm_record_t rec;

	ck_assert_msg(vm_vmt_next(r, &rec, &error), "'%s': %s", g->line,
		      error ? error->message : "end of trace");
	ck_assert_uint_eq(rec.line, 2);
	/* Columns are compared for the rows that list them. */
	assert_same(&rec, &g->want, g->want.cols[0] != 0, g->line);
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_null(error);
	vm_vmt_close(r);
	g_free(text);
}
END_TEST

/* parse -> format -> parse gives the same fields, and the canonical text. */
START_TEST(format_round_trip)
{
	const good_t *g = &good_lines[_i];
	char *text = g_strconcat("vmt 1\n", g->line, "\n", NULL);
	vm_vmt_reader_t *r = mem_reader(text), *r2;
	GString *out = g_string_new(NULL);
	GError *error = NULL;
	vm_record_t rec, copy, rec2;
	char *text2;

	ck_assert(vm_vmt_next(r, &rec, &error));
	vm_record_copy(&copy, &rec);
	vm_vmt_close(r);
	g_free(text);

	vm_vmt_format(&copy, out);
	ck_assert_str_eq(out->str, g->canon);

	text2 = g_strconcat("vmt 1\n", out->str, "\n", NULL);
	r2 = mem_reader(text2);
	ck_assert_msg(vm_vmt_next(r2, &rec2, &error), "'%s': %s", out->str,
		      error ? error->message : "end of trace");
	assert_same(&rec2, &copy, FALSE, out->str);
	vm_vmt_close(r2);
	g_free(text2);
	vm_record_clear(&copy);
	g_string_free(out, TRUE);
}
END_TEST

/* --- Bad lines --------------------------------------------------------------- */

typedef struct {
	const char *text;       /* a line after "vmt 1\n", or a whole trace */
	gboolean whole;         /* TRUE: text is the whole trace */
	const char *prefix;     /* "NAME:LINE:COL:" */
	const char *piece;      /* must appear in the message */
} bad_t;

static const bad_t bad_lines[] = {
	{ "1 rread 0x10", 0, "t.vmt:2:3:", "unknown op 'rread'" },
	{ "1 cgroup make box", 0, "t.vmt:2:10:", "expected create|enter" },
	{ "1 cgroup create box", 0, "t.vmt:2:20:", "cgroup needs max=SIZE" },
	{ "1 cgroup create box max=1k", 0, "t.vmt:2:25:", "bad size '1k'" },
	{ "1 cgroup create box max=1K max=2K", 0, "t.vmt:2:28:", "duplicate option 'max=2K'" },
	{ "1 cgroup enter box max=1K", 0, "t.vmt:2:20:", "unexpected token 'max=1K'" },
	{ "1 cgroup enter", 0, "t.vmt:2:15:", "cgroup needs NAME" },
	{ "1 expect cgroup.a<b=1", 0, "t.vmt:2:10:", "bad check" },
	{ "1 r 0x1g", 0, "t.vmt:2:5:", "bad number '0x1g'" },
	{ "1 r", 0, "t.vmt:2:4:", "missing argument: r needs ADDR" },
	{ "1 mmap 0x1000 4K", 0, "t.vmt:2:17:", "missing argument: mmap needs PROT" },
	{ "1 mmap 0x1000 4K   # no prot", 0, "t.vmt:2:17:", "mmap needs PROT" },
	{ "1 r 0x10 8 extra", 0, "t.vmt:2:12:", "unexpected token 'extra'" },
	{ "0 r 0x10", 0, "t.vmt:2:1:", "bad pid '0'" },
	{ "0x1 r 0x10", 0, "t.vmt:2:1:", "bad pid '0x1'" },
	{ "99999999999 r 0x10", 0, "t.vmt:2:1:", "bad pid '99999999999'" },
	{ "2147483648 r 0x10", 0, "t.vmt:2:1:", "bad pid '2147483648'" },
	{ "-1 r 0x10", 0, "t.vmt:2:1:", "bad pid '-1'" },
	{ "1", 0, "t.vmt:2:2:", "missing argument" },
	{ "1 r 0x10 0", 0, "t.vmt:2:10:", "bad size '0'" },
	{ "1 r 0x10 4k", 0, "t.vmt:2:10:", "bad size '4k'" },
	{ "1 r 18446744073709551616", 0, "t.vmt:2:5:", "bad number '18446744073709551616'" },
	{ "1 mmap 0x1000 4K rwx private anon off=4K", 0, "t.vmt:2:35:", "'off=4K'" },
	{ "1 mmap 0x1000 4K wr private anon", 0, "t.vmt:2:18:", "bad protection 'wr'" },
	{ "1 mmap 0x1000 4K rr private anon", 0, "t.vmt:2:18:", "bad protection 'rr'" },
	{ "1 mmap 0x1000 4K R private anon", 0, "t.vmt:2:18:", "bad protection 'R'" },
	{ "1 mprotect 0x1000 4K rwxr", 0, "t.vmt:2:22:", "bad protection 'rwxr'" },
	{ "1 mmap 0x1000 4K r public anon", 0, "t.vmt:2:20:", "'public'" },
	{ "1 mmap 0x1000 4K r shared file", 0, "t.vmt:2:27:", "'file'" },
	{ "1 mmap 0x1000 4K r shared fd=x", 0, "t.vmt:2:30:", "bad fd 'x'" },
	{ "1 mmap 0x1000 4K r private", 0, "t.vmt:2:27:", "mmap needs anon|fd=FD" },
	{ "1 mmap 0x1000 4K r private fd=3 off=1X", 0, "t.vmt:2:37:", "bad size '1X'" },
	{ "1 seq x 0x1000 4K", 0, "t.vmt:2:7:", "'x'" },
	{ "1 seq r 0x1000 4K stride=0", 0, "t.vmt:2:26:", "bad stride '0'" },
	{ "1 rand r 0x1000 4K", 0, "t.vmt:2:19:", "missing argument: rand needs count=N" },
	{ "1 rand r 0x1000 4K count=0", 0, "t.vmt:2:26:", "bad count '0'" },
	{ "1 rand r 0x1000 4K count=1 count=2", 0, "t.vmt:2:28:", "duplicate option 'count=2'" },
	{ "1 rand r 0x1000 4K count=5 stride=4K", 0, "t.vmt:2:28:", "unexpected token 'stride=4K'" },
	{ "1 madvise 0x1000 4K often", 0, "t.vmt:2:21:", "'often'" },
	{ "1 msync 0x1000 4K now", 0, "t.vmt:2:19:", "'now'" },
	{ "1 open f", 0, "t.vmt:2:9:", "missing argument: open needs fd=FD" },
	{ "1 open f fd=3 append", 0, "t.vmt:2:15:", "unexpected token 'append'" },
	{ "1 open f fd=3 create create", 0, "t.vmt:2:22:", "duplicate option 'create'" },
	{ "1 read 3 0", 0, "t.vmt:2:11:", "missing argument: read needs LEN" },
	{ "1 ftruncate 3 -1", 0, "t.vmt:2:15:", "bad size '-1'" },
	{ "1 fork 0", 0, "t.vmt:2:8:", "bad pid '0'" },
	{ "1 fork abc", 0, "t.vmt:2:8:", "bad pid 'abc'" },
	{ "1 sleep 5", 0, "t.vmt:2:9:", "bad duration '5'" },
	{ "1 sleep 5 ms", 0, "t.vmt:2:9:", "bad duration '5'" },
	{ "1 catch sigint", 0, "t.vmt:2:9:", "'sigint'" },
	{ "1 oom_score_adj", 0, "t.vmt:2:16:", "missing argument: oom_score_adj needs ADJ" },
	{ "1 mremap 0x1000 4K", 0, "t.vmt:2:19:", "missing argument: mremap needs NEW_LEN" },
	{ "1 mremap 0x1000 4K 0", 0, "t.vmt:2:20:", "bad length '0'" },
	{ "1 mremap 0x1000 4K 8K to=", 0, "t.vmt:2:26:", "bad number ''" },
	{ "1 mremap 0x1000 4K 8K to=x1", 0, "t.vmt:2:26:", "bad number 'x1'" },
	{ "1 mremap 0x1000 4K 8K to=0x2000 to=0x3000", 0, "t.vmt:2:33:", "duplicate option" },
	{ "1 mremap 0x1000 4K 8K maymove", 0, "t.vmt:2:23:", "unexpected token 'maymove'" },
	{ "1 oom_score_adj 1001", 0, "t.vmt:2:17:", "bad oom_score_adj '1001' (an integer from -1000 to 1000)" },
	{ "1 oom_score_adj -1001", 0, "t.vmt:2:17:", "bad oom_score_adj '-1001'" },
	{ "1 oom_score_adj 10000", 0, "t.vmt:2:17:", "bad oom_score_adj '10000'" },
	{ "1 oom_score_adj -", 0, "t.vmt:2:17:", "bad oom_score_adj '-'" },
	{ "1 oom_score_adj --5", 0, "t.vmt:2:17:", "bad oom_score_adj '--5'" },
	{ "1 oom_score_adj 0x10", 0, "t.vmt:2:17:", "bad oom_score_adj '0x10'" },
	{ "1 oom_score_adj 5 6", 0, "t.vmt:2:19:", "unexpected token '6'" },
	{ "1 note", 0, "t.vmt:2:7:", "missing argument: note needs TEXT" },
	{ "1 note   # only a comment", 0, "t.vmt:2:7:", "note needs TEXT" },
	{ "1 expect", 0, "t.vmt:2:9:", "missing argument: expect needs CHECK" },
	{ "1 expect pid=1", 0, "t.vmt:2:15:", "expect needs CHECK" },
	{ "1 expect pid=0 majflt=1", 0, "t.vmt:2:14:", "bad pid '0'" },
	{ "1 expect majflt", 0, "t.vmt:2:10:", "bad check 'majflt'" },
	{ "1 expect =3", 0, "t.vmt:2:10:", "bad check '=3'" },
	{ "1 expect majflt=", 0, "t.vmt:2:10:", "bad check 'majflt='" },
	{ "1 expect maj-flt=3", 0, "t.vmt:2:10:", "bad check 'maj-flt=3'" },
	{ "1 expect majflt<3", 0, "t.vmt:2:10:", "bad check 'majflt<3'" },
	{ "1 expect majflt=1 pid=2", 0, "t.vmt:2:19:", "'pid=2'" },
	{ "1 expect majflt=1 file=x", 0, "t.vmt:2:19:", "'file=x'" },
	{ "1 expect file= majflt=1", 0, "t.vmt:2:10:", "'file='" },
	{ "1 exit now", 0, "t.vmt:2:8:", "unexpected token 'now'" },
	{ "crash now", 0, "t.vmt:2:7:", "unexpected token 'now'" },
	{ "1 crash", 0, "t.vmt:2:3:", "'crash'" },
	{ "1 set a=b", 0, "t.vmt:2:3:", "'set'" },
	{ "r 0x1000", 0, "t.vmt:2:1:", "missing pid before 'r'" },
	{ "foo 1", 0, "t.vmt:2:1:", "unknown op 'foo'" },
	{ "  1 r 0x1000 4K 8K", 0, "t.vmt:2:17:", "unexpected token '8K'" },
	{ "1 r\t0x10\t\tzz", 0, "t.vmt:2:11:", "bad size 'zz'" },
	{ "1 r\t0x10\t8\tzz", 0, "t.vmt:2:12:", "unexpected token 'zz'" },
	{ "set novalue", 0, "t.vmt:2:5:", "'novalue'" },
	{ "set =x", 0, "t.vmt:2:5:", "'=x'" },
	{ "set", 0, "t.vmt:2:4:", "missing argument: set needs KEY=VALUE" },
	{ "file f sparse", 0, "t.vmt:2:14:", "missing argument: file needs size=SIZE" },
	{ "file f size=1Q", 0, "t.vmt:2:13:", "bad size '1Q'" },
	{ "file f size=1K bogus", 0, "t.vmt:2:16:", "unexpected token 'bogus'" },
	{ "profile", 0, "t.vmt:2:8:", "missing argument" },
	{ "profile tiny extra", 0, "t.vmt:2:14:", "unexpected token 'extra'" },
	{ "vmt 1\n1 r 0x10\nprofile tiny\n", 1, "t.vmt:3:1:",
	  "header record after the first event 'profile'" },
	/* whole traces: the first record, header order, later lines */
	{ "vmt 1\n1 r 0x10\nset a=b\n", 1, "t.vmt:3:1:",
	  "header record after the first event 'set'" },
	{ "vmt 1\ncrash\nfile f size=4K\n", 1, "t.vmt:3:1:",
	  "header record after the first event 'file'" },
	{ "1 r 0x10\n", 1, "t.vmt:1:1:", "expected 'vmt 1'" },
	{ "# a comment\n\n  set a=b\n", 1, "t.vmt:3:3:", "expected 'vmt 1'" },
	{ "vmt 2\n", 1, "t.vmt:1:5:", "unsupported trace version '2'" },
	{ "vmt\n", 1, "t.vmt:1:4:", "missing argument" },
	{ "vmt 1 1\n", 1, "t.vmt:1:7:", "unexpected token '1'" },
	{ "", 1, "t.vmt:1:1:", "expected 'vmt 1'" },
	{ "# comment only\n\n", 1, "t.vmt:3:1:", "expected 'vmt 1'" },
	{ "vmt 1\nvmt 1\n", 1, "t.vmt:2:1:", "'vmt'" },
	{ "vmt 1\n1 r 0x10\n1 w 0xZZ", 1, "t.vmt:3:5:", "bad number '0xZZ'" },
	{ "vmt 1\n1 w 0x1000 8 # comment\n\n1 mprotect 0x1000 4K rw extra # c\n",
	  1, "t.vmt:4:25:", "unexpected token 'extra'" },
};

START_TEST(bad_line)
{
	const bad_t *b = &bad_lines[_i];
	char *text = b->whole ? g_strdup(b->text)
			      : g_strconcat("vmt 1\n", b->text, "\n", NULL);
	vm_vmt_reader_t *r = mem_reader(text);
	GError *error = NULL;
	vm_record_t rec;
	int records = 0;

	while (vm_vmt_next(r, &rec, &error))
		records++;
	ck_assert_msg(error != NULL, "'%s': no error after %d records",
		      b->text, records);
	ck_assert(g_error_matches(error, VM_ERROR, VM_ERROR_PARSE));
	ck_assert_msg(g_str_has_prefix(error->message, b->prefix),
		      "'%s': '%s' does not start with '%s'", b->text,
		      error->message, b->prefix);
	ck_assert_msg(strstr(error->message, b->piece) != NULL,
		      "'%s': '%s' does not contain \"%s\"", b->text,
		      error->message, b->piece);
	g_error_free(error);
	vm_vmt_close(r);
	g_free(text);
}
END_TEST

/*
 * The access fast path (traces/vmt.c fast_access) against the general
 * parser: each line is read as written (the fast path's shape, or just
 * outside it) and with a trailing comment, which only the general path
 * reads.  Both must give the same record, columns included, or the same
 * error.  The edges: 9- and 10-digit pids, 16 and 17 hex digits, 19 and 20
 * decimal digits, a bare 0x, pid 0, upper-case hex.
 */
static const char *const fast_lines[] = {
	"1 r 0x10000040", "7 w 4096", "2 x 0X7F00ABCDEF", "123456789 r 0x1",
	"1234567890 r 0x1", "2147483648 r 0x1", "1 r 0xffffffffffffffff",
	"1 r 0x1ffffffffffffffff", "1 r 0x00000000000000001",
	"1 r 9999999999999999999", "1 r 18446744073709551615",
	"1 r 18446744073709551616", "1 r 0x", "1 r 0", "0 r 0x10", "1 q 0x10",
	"1 r  0x10", "1 r 0x10g", "1 r 12a", "01 w 0x1000", "1 r 0x10 8",
	"1 rw 0x10", "1 r", "1 r 0xAbCdEf",
	/* the SWAR digits (traces/vmt.c hex8): 1 to 16 digits, every hex
	 * letter in both cases, the characters next to them in ASCII, a
	 * trailing blank, a non-ASCII byte */
	"1 r 0x1", "1 r 0x12", "12 r 0x1", "1 r 0x123456789",
	"1 r 0x1234567890abcdef", "1 r 0xFEDCBA9876543210", "1 r 0x0123456789ABCDEF",
	"1 r 0x10000040", "1 r 0x1000004g", "1 r 0x1000004G", "1 r 0x1000004/",
	"1 r 0x1000004:", "1 r 0x1000004@", "1 r 0x1000004`", "1 r 0x10000040 ",
	"1 r 0x10000040\t", "1 r 0x1000\xc3\xa9", "1 r 0x123456789abcdef\x80",
	"1 r 0x1234567890abcdeff", "1 r 0x00000000000000000001",
};

START_TEST(fast_path_same_as_general)
{
	char *fast = g_strconcat("vmt 1\n1 mmap 0x0 4K rw private anon\n",
				 fast_lines[_i], "\n", NULL);
	char *slow = g_strconcat("vmt 1\n1 mmap 0x0 4K rw private anon\n",
				 fast_lines[_i], " # general path\n", NULL);
	vm_vmt_reader_t *rf = mem_reader(fast), *rs = mem_reader(slow);
	GError *ef = NULL, *es = NULL;
	vm_record_t a, b;

	for (int i = 0; i < 2; i++) {
		gboolean gf = vm_vmt_next(rf, &a, &ef);
		gboolean gs = vm_vmt_next(rs, &b, &es);
		ck_assert_int_eq(gf, gs);
		if (!gf)
			break;
		assert_same(&a, &b, TRUE, fast_lines[_i]);
	}
	ck_assert_int_eq(ef != NULL, es != NULL);
	if (ef) {
		ck_assert_msg(strcmp(ef->message, es->message) == 0,
			      "'%s' vs '%s'", ef->message, es->message);
		g_error_free(ef);
		g_error_free(es);
	}
	vm_vmt_close(rf);
	vm_vmt_close(rs);
	g_free(fast);
	g_free(slow);
}
END_TEST

/*
 * A file reader reads fast lines in place, out of its block buffer (traces/
 * vmt.c fast_line and, in a check pass, skim_lines): each line of the table
 * above, after an access of pid 1 or of pid 12 and before enough lines for
 * the in-place read to apply to it, must read as the memory reader (which
 * takes fast_access and the general path) reads the same text: the same
 * records, the same lines skimmed, the same error.  Both with and without
 * the skim.
 */
START_TEST(fast_line_file_same)
{
	GError *error = NULL;
	char *path;
	int fd = g_file_open_tmp("vmt-XXXXXX.vmt", &path, &error);

	ck_assert_int_ge(fd, 0);
	close(fd);
	for (int v = 0; v < 4; v++) {
		const char *before = v & 1 ? "12 r 0x10\n12 w 0x1000\n"
					   : "1 r 0x10\n1 w 0x1000\n";
		char *text = g_strconcat("vmt 1\n1 mmap 0x0 4K rw private anon\n",
					 before, fast_lines[_i], "\n",
					 "1 r 0x10000040\n12 r 0x10000040\n"
					 "1 r 0x10000040\n1 r 0x1\n", NULL);
		vm_vmt_reader_t *rf, *rm;
		GError *ef = NULL, *em = NULL;
		vm_record_t a, b;
		gboolean skim = v >= 2;

		ck_assert(g_file_set_contents(path, text, -1, &error));
		rf = vm_vmt_open(path, &error);
		rm = mem_reader(text);
		ck_assert_ptr_nonnull(rf);
		vm_vmt_set_skim(rf, skim);
		vm_vmt_set_skim(rm, skim);
		for (;;) {
			gboolean gf = vm_vmt_next(rf, &a, &ef);
			gboolean gm = vm_vmt_next(rm, &b, &em);

			ck_assert_msg(gf == gm, "%s (%d): %d vs %d", fast_lines[_i],
				      v, gf, gm);
			if (!gf)
				break;
			assert_same(&a, &b, TRUE, fast_lines[_i]);
			ck_assert_uint_eq(a.line, b.line);
		}
		ck_assert_int_eq(ef != NULL, em != NULL);
		if (ef) {
			ck_assert(g_str_has_prefix(ef->message, path));
			ck_assert_msg(strcmp(ef->message + strlen(path),
					     em->message + strlen("t.vmt")) == 0,
				      "'%s' vs '%s'", ef->message, em->message);
			g_error_free(ef);
			g_error_free(em);
		}
		vm_vmt_close(rf);
		vm_vmt_close(rm);
		g_free(text);
	}
	unlink(path);
	g_free(path);
}
END_TEST

/* 32 checks are fine; the 33rd is an error at its own column. */
START_TEST(expect_check_limit)
{
	GString *t = g_string_new("vmt 1\n1 expect");
	GError *error = NULL;
	vm_vmt_reader_t *r;
	vm_record_t rec;
	char *col;

	for (int i = 0; i < 32; i++)
		g_string_append_printf(t, " k%d<=%d", i, i * 10);
	g_string_append(t, "\n1 expect");
	for (int i = 0; i < 33; i++)
		g_string_append_printf(t, " k%d=1", i);
	g_string_append_c(t, '\n');

	r = mem_reader(t->str);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.nr_checks, 32);
	ck_assert_str_eq(rec.checks[31].key, "k31");
	ck_assert_str_eq(rec.checks[31].value, "310");
	ck_assert_int_eq(rec.checks[31].cmp, VM_CMP_LE);
	/* cols[] holds the first VM_REC_MAX_COLS tokens; checks keep theirs */
	ck_assert_uint_eq(rec.cols[2], 10);
	ck_assert_uint_eq(rec.cols[7], rec.checks[5].col);
	ck_assert_uint_eq(rec.checks[0].col, 10);

	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_nonnull(error);
	col = g_strdup_printf("t.vmt:3:%d:",
			      (int)(strstr(strchr(t->str + 6, '\n') + 1, " k32=")
				    - (strchr(t->str + 6, '\n') + 1)) + 2);
	ck_assert_msg(g_str_has_prefix(error->message, col), "'%s' vs '%s'",
		      error->message, col);
	ck_assert_ptr_nonnull(strstr(error->message, "too many checks"));
	ck_assert_ptr_nonnull(strstr(error->message, "'k32=1'"));
	g_free(col);
	g_error_free(error);
	vm_vmt_close(r);
	g_string_free(t, TRUE);
}
END_TEST

/* --- Whole traces ------------------------------------------------------------ */

/* Comments and blank lines anywhere yield nothing; line numbers count them. */
START_TEST(comments)
{
	static const char text[] =
		"# a trace\n"                   /* 1 */
		"\n"                            /* 2 */
		"   \t \n"                      /* 3 */
		"vmt 1   # the version\n"       /* 4 */
		"#vmt 2 is a comment\n"         /* 5 */
		"set memory=16K# no blank\n"    /* 6 */
		"1 r 0x1000 # load\n"           /* 7 */
		"  # indented comment\n"        /* 8 */
		"1 w 0x2000 4#store\n"          /* 9 */
		"1 note a # b # c\n"            /* 10 */
		"#\n";                          /* 11 */
	vm_vmt_reader_t *r = mem_reader(text);
	GError *error = NULL;
	vm_record_t rec;

	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_int_eq(rec.kind, VM_REC_SET);
	ck_assert_uint_eq(rec.line, 6);
	ck_assert_str_eq(rec.value, "16K");
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, 7);
	ck_assert_uint_eq(rec.addr, 0x1000);
	ck_assert_uint_eq(rec.len, 1);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, 9);
	ck_assert_uint_eq(rec.len, 4);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, 10);
	ck_assert_str_eq(rec.name, "a");
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_null(error);
	/* The end stays the end. */
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_null(error);
	vm_vmt_close(r);
}
END_TEST

/* Headers, then events; a crash is an event; `vmt 1` alone is empty. */
START_TEST(header_order)
{
	static const char text[] =
		"vmt 1\n"
		"set page_size=4K\n"
		"file a size=8K\n"
		"set memory=1G\n"
		"crash\n"
		"1 r 0x10\n"
		"crash\n"
		"1 exit\n";
	static const vm_rec_kind_t kinds[] = {
		VM_REC_SET, VM_REC_FILE, VM_REC_SET, VM_REC_CRASH,
		VM_REC_ACCESS, VM_REC_CRASH, VM_REC_EXIT,
	};
	vm_vmt_reader_t *r = mem_reader(text);
	GError *error = NULL;
	vm_record_t rec;
	size_t n = 0;

	while (vm_vmt_next(r, &rec, &error)) {
		ck_assert_uint_lt(n, G_N_ELEMENTS(kinds));
		ck_assert_int_eq(rec.kind, kinds[n]);
		ck_assert_uint_eq(rec.line, n + 2);
		n++;
	}
	ck_assert_ptr_null(error);
	ck_assert_uint_eq(n, G_N_ELEMENTS(kinds));
	vm_vmt_close(r);

	r = mem_reader("vmt 1\n");
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_null(error);
	vm_vmt_close(r);
}
END_TEST

/* A bad line is reported, and the next call goes on with the next line. */
START_TEST(continue_after_error)
{
	vm_vmt_reader_t *r = mem_reader("vmt 1\n1 r 0xZZ\n1 w 0x10\n");
	GError *error = NULL;
	vm_record_t rec;

	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_nonnull(error);
	g_clear_error(&error);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, 3);
	ck_assert_int_eq(rec.acc, VM_ACC_W);
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_null(error);
	vm_vmt_close(r);
}
END_TEST

/* Every field is written: nothing of the caller's garbage survives. */
START_TEST(fields_reset)
{
	vm_record_t want = { .kind = VM_REC_ACCESS, .pid = 1, .addr = 0x10,
			     .len = 1, .fd = -1, .expect_pid = -1,
			     .cols = { 1, 3, 5 } };
	vm_vmt_reader_t *r = mem_reader("vmt 1\n1 r 0x10\n1 exit\n");
	GError *error = NULL;
	vm_record_t rec;

	memset(&rec, 0xa5, sizeof rec);
	ck_assert(vm_vmt_next(r, &rec, &error));
	want.line = 2;
	assert_same(&rec, &want, TRUE, "1 r 0x10");
	ck_assert_uint_eq(rec.line, 2);
	memset(&rec, 0x5a, sizeof rec);
	ck_assert(vm_vmt_next(r, &rec, &error));
	want = (vm_record_t){ .kind = VM_REC_EXIT, .pid = 1, .fd = -1,
			      .expect_pid = -1, .cols = { 1, 3 } };
	assert_same(&rec, &want, TRUE, "1 exit");
	vm_vmt_close(r);
}
END_TEST

/* CRLF line ends, and a last line without '\n', in memory and in a file. */
START_TEST(line_ends)
{
	static const char text[] = "vmt 1\r\n1 r 0x10\r\n\r\n1 note hi \r\n1 w 0x20 8";
	GError *error = NULL;
	vm_record_t rec;
	char *path;
	int fd;

	fd = g_file_open_tmp("vmt-XXXXXX.vmt", &path, &error);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(g_file_set_contents(path, text, -1, &error));
	for (int pass = 0; pass < 2; pass++) {
		vm_vmt_reader_t *r = pass == 0 ? mem_reader(text)
					       : vm_vmt_open(path, &error);

		ck_assert_ptr_nonnull(r);
		ck_assert(vm_vmt_next(r, &rec, &error));
		ck_assert_uint_eq(rec.addr, 0x10);
		ck_assert_uint_eq(rec.len, 1);
		ck_assert(vm_vmt_next(r, &rec, &error));
		ck_assert_str_eq(rec.name, "hi");
		ck_assert(vm_vmt_next(r, &rec, &error));
		ck_assert_uint_eq(rec.line, 5);
		ck_assert_uint_eq(rec.addr, 0x20);
		ck_assert_uint_eq(rec.len, 8);
		ck_assert(!vm_vmt_next(r, &rec, &error));
		ck_assert_ptr_null(error);
		vm_vmt_close(r);
	}
	g_unlink(path);
	g_free(path);
}
END_TEST

/* Strings die at the next call; a copy keeps them; clear frees them. */
START_TEST(record_copy)
{
	vm_vmt_reader_t *r = mem_reader("vmt 1\n"
					"1 expect file=f.bin dirty_pages<=3 maps=1\n"
					"1 note something else entirely\n"
					"1 open other fd=9\n");
	GError *error = NULL;
	vm_record_t rec, copy;

	ck_assert(vm_vmt_next(r, &rec, &error));
	vm_record_copy(&copy, &rec);
	ck_assert_ptr_ne(copy.checks, rec.checks);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_str_eq(copy.expect_file, "f.bin");
	ck_assert_uint_eq(copy.nr_checks, 2);
	ck_assert_str_eq(copy.checks[0].key, "dirty_pages");
	ck_assert_str_eq(copy.checks[0].value, "3");
	ck_assert_int_eq(copy.checks[0].cmp, VM_CMP_LE);
	ck_assert_str_eq(copy.checks[1].key, "maps");
	ck_assert_str_eq(rec.name, "other");
	vm_record_clear(&copy);
	ck_assert_ptr_null(copy.checks);
	ck_assert_ptr_null(copy.expect_file);
	ck_assert_uint_eq(copy.nr_checks, 0);
	vm_vmt_close(r);
}
END_TEST

START_TEST(op_names)
{
	static const struct { vm_rec_kind_t kind; const char *name; } names[] = {
		{ VM_REC_SET, "set" }, { VM_REC_FILE, "file" },
		{ VM_REC_ACCESS, "access" }, { VM_REC_SEQ, "seq" },
		{ VM_REC_RAND, "rand" }, { VM_REC_MMAP, "mmap" },
		{ VM_REC_MUNMAP, "munmap" }, { VM_REC_MPROTECT, "mprotect" },
		{ VM_REC_MADVISE, "madvise" }, { VM_REC_MSYNC, "msync" },
		{ VM_REC_OPEN, "open" }, { VM_REC_CLOSE, "close" },
		{ VM_REC_READ, "read" }, { VM_REC_WRITE, "write" },
		{ VM_REC_FSYNC, "fsync" }, { VM_REC_FTRUNCATE, "ftruncate" },
		{ VM_REC_UNLINK, "unlink" }, { VM_REC_FORK, "fork" },
		{ VM_REC_EXIT, "exit" }, { VM_REC_CATCH, "catch" },
		{ VM_REC_SLEEP, "sleep" }, { VM_REC_NOTE, "note" },
		{ VM_REC_EXPECT, "expect" }, { VM_REC_CRASH, "crash" },
		{ VM_REC_PROFILE, "profile" }, { VM_REC_MAP, "map" },
		{ VM_REC_CGROUP, "cgroup" },
		{ VM_REC_CLONE, "clone" }, { VM_REC_PIN, "pin" },
		{ VM_REC_OOM_ADJ, "oom_score_adj" }, { VM_REC_MREMAP, "mremap" },
	};
	vm_record_t rec = { .kind = VM_REC_ACCESS };

	ck_assert_uint_eq(G_N_ELEMENTS(names), VM_REC_NR);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		ck_assert_str_eq(vm_record_kind_name(names[i].kind), names[i].name);
		rec.kind = names[i].kind;
		if (rec.kind != VM_REC_ACCESS)
			ck_assert_str_eq(vm_record_op_name(&rec), names[i].name);
	}
	/* the engine's own kind, outside the trace formats' tables */
	ck_assert_str_eq(vm_record_kind_name(VM_REC_KSWAPD), "kswapd");
	ck_assert_str_eq(vm_record_kind_name(VM_REC_KSWAPD + 1), "?");
	rec.kind = VM_REC_ACCESS;
	rec.acc = VM_ACC_R;
	ck_assert_str_eq(vm_record_op_name(&rec), "r");
	rec.acc = VM_ACC_W;
	ck_assert_str_eq(vm_record_op_name(&rec), "w");
	rec.acc = VM_ACC_X;
	ck_assert_str_eq(vm_record_op_name(&rec), "x");
}
END_TEST

/* --- Streaming through files ---------------------------------------------- */

static char *
write_temp(const char *text, size_t len)
{
	GError *error = NULL;
	char *path;
	int fd = g_file_open_tmp("vmt-XXXXXX.vmt", &path, &error);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(g_file_set_contents(path, text, (gssize)len, &error));
	return path;
}

/* A comment line that makes the text exactly @target bytes long. */
static void
pad_to(GString *s, size_t target)
{
	ck_assert_uint_ge(target, s->len + 2);
	g_string_append_c(s, '#');
	while (s->len < target - 1)
		g_string_append_c(s, '.');
	g_string_append_c(s, '\n');
}

typedef struct {
	GString *text;
	GArray *want;           /* vm_record_t, the expected accesses */
	uint64_t line;
} gen_t;

static void
gen_access(gen_t *g)
{
	static const char ops[] = "rwx";
	uint32_t i = g->want->len;
	vm_record_t rec = { .kind = VM_REC_ACCESS, .pid = 1 + i % 7,
			    .acc = (vm_acc_t)(i % 3),
			    .addr = 0x7f0000000000ULL + (uint64_t)i * 4096 + i % 13,
			    .len = i % 5 == 0 ? 1 + i % 100 : 1, .fd = -1,
			    .expect_pid = -1, .line = ++g->line };

	g_string_append_printf(g->text, "%u %c 0x%" G_GINT64_MODIFIER "x",
			       rec.pid, ops[rec.acc], rec.addr);
	if (rec.len != 1)
		g_string_append_printf(g->text, " %" G_GUINT64_FORMAT, rec.len);
	g_string_append_c(g->text, '\n');
	g_array_append_val(g->want, rec);
}

/* Accesses until the text is within @slack bytes of @target. */
static void
gen_until(gen_t *g, size_t target, size_t slack)
{
	while (g->text->len + slack < target)
		gen_access(g);
}

/*
 * More than 3 MiB of accesses, read in 1 MiB blocks:
 *
 *   offset 1 MiB      falls inside an access line (it straddles blocks 1, 2)
 *   offset 2 MiB - 1  is the '\n' of a line (a line ends a block exactly)
 *
 * Every record must come out, in order, with its line number.
 */
START_TEST(block_straddle)
{
	gen_t g = { g_string_new("vmt 1\n"), g_array_new(FALSE, FALSE,
							 sizeof(vm_record_t)), 1 };
	GError *error = NULL;
	vm_vmt_reader_t *r;
	vm_record_t rec;
	size_t n = 0;
	char *path;

	gen_until(&g, MIB, 64);
	pad_to(g.text, MIB - 7);
	g.line++;
	gen_access(&g);                 /* >= 20 bytes: across 1 MiB */
	gen_until(&g, 2 * MIB, 64);
	pad_to(g.text, 2 * MIB);
	g.line++;
	gen_until(&g, 3 * MIB + 5000, 0);
	ck_assert(g.text->str[MIB - 1] != '\n' && g.text->str[MIB] != '\n');
	ck_assert(g.text->str[2 * MIB - 1] == '\n');

	path = write_temp(g.text->str, g.text->len);
	r = vm_vmt_open(path, &error);
	ck_assert_ptr_nonnull(r);
	ck_assert(vm_vmt_seekable(r));
	ck_assert_str_eq(vm_vmt_name(r), path);
	while (vm_vmt_next(r, &rec, &error)) {
		const vm_record_t *w = &g_array_index(g.want, vm_record_t, n);
		char what[32];

		ck_assert_uint_lt(n, g.want->len);
		g_snprintf(what, sizeof what, "record %zu", n);
		assert_same(&rec, w, FALSE, what);
		ck_assert_uint_eq(rec.line, w->line);
		n++;
	}
	ck_assert_msg(error == NULL, "%s", error ? error->message : "");
	ck_assert_uint_eq(n, g.want->len);
	ck_assert_uint_gt(n, 100000);
	vm_vmt_close(r);
	g_unlink(path);
	g_free(path);
	g_array_free(g.want, TRUE);
	g_string_free(g.text, TRUE);
}
END_TEST

/*
 * Lines of exactly 64 KiB are fine; longer ones are errors on their own
 * line, and reading goes on after them.  In a file, the long lines straddle
 * block boundaries, and one is longer than a whole block.
 */
START_TEST(long_lines_file)
{
	GString *t = g_string_new("vmt 1\n");
	GError *error = NULL;
	vm_vmt_reader_t *r;
	vm_record_t rec;
	uint64_t line = 1, line_a, line_b, line_c;
	char *path, *prefix;

	while (t->len < MIB - 1000) {
		g_string_append(t, "1 r 0x1000\n");
		line++;
	}
	/* line A: 70000 bytes across offset 1 MiB: too long */
	line_a = ++line;
	g_string_append(t, "1 note ");
	for (int i = 0; i < 70000 - 7; i++)
		g_string_append_c(t, 'a');
	g_string_append(t, "\n1 w 0x2000\n");
	line++;
	while (t->len < 2 * MIB - 30000) {
		g_string_append(t, "1 r 0x1000\n");
		line++;
	}
	/* line B: exactly 64 KiB across offset 2 MiB: fine */
	line_b = ++line;
	g_string_append(t, "1 note ");
	for (int i = 0; i < 65536 - 7; i++)
		g_string_append_c(t, 'b');
	/* line C: 1.5 MiB, more than a block: too long */
	line_c = ++line;
	g_string_append(t, "\n1 note ");
	for (size_t i = 0; i < 3 * MIB / 2; i++)
		g_string_append_c(t, 'c');
	g_string_append(t, "\n1 x 0x3000");         /* no final newline */

	path = write_temp(t->str, t->len);
	r = vm_vmt_open(path, &error);
	ck_assert_ptr_nonnull(r);
	for (uint64_t i = 2; i < line_a; i++) {
		ck_assert(vm_vmt_next(r, &rec, &error));
		ck_assert_uint_eq(rec.line, i);
	}
	/* A */
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_nonnull(error);
	prefix = g_strdup_printf("%s:%" G_GUINT64_FORMAT ":1: line too long",
				 path, line_a);
	ck_assert_msg(g_str_has_prefix(error->message, prefix), "%s",
		      error->message);
	g_free(prefix);
	g_clear_error(&error);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, line_a + 1);
	ck_assert_uint_eq(rec.addr, 0x2000);
	for (uint64_t i = line_a + 2; i < line_b; i++) {
		ck_assert(vm_vmt_next(r, &rec, &error));
		ck_assert_uint_eq(rec.line, i);
		ck_assert_int_eq(rec.kind, VM_REC_ACCESS);
	}
	/* B */
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_int_eq(rec.kind, VM_REC_NOTE);
	ck_assert_uint_eq(rec.line, line_b);
	ck_assert_uint_eq(strlen(rec.name), 65536 - 7);
	/* C */
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_nonnull(error);
	prefix = g_strdup_printf("%s:%" G_GUINT64_FORMAT ":1: line too long",
				 path, line_c);
	ck_assert_msg(g_str_has_prefix(error->message, prefix), "%s",
		      error->message);
	g_free(prefix);
	g_clear_error(&error);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, line_c + 1);
	ck_assert_uint_eq(rec.addr, 0x3000);
	ck_assert_int_eq(rec.acc, VM_ACC_X);
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_null(error);
	vm_vmt_close(r);
	g_unlink(path);
	g_free(path);
	g_string_free(t, TRUE);
}
END_TEST

START_TEST(long_lines_memory)
{
	GString *t = g_string_new("vmt 1\n1 note ");
	GError *error = NULL;
	vm_vmt_reader_t *r;
	vm_record_t rec;

	for (int i = 0; i < 65536 - 7; i++)
		g_string_append_c(t, 'a');
	g_string_append(t, "\n1 note ");
	for (int i = 0; i < 65536 - 6; i++)
		g_string_append_c(t, 'b');
	g_string_append(t, "\n1 r 0x1\n");

	r = mem_reader(t->str);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(strlen(rec.name), 65536 - 7);
	ck_assert(!vm_vmt_next(r, &rec, &error));
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(g_str_has_prefix(error->message, "t.vmt:3:1: line too long"),
		      "%s", error->message);
	g_clear_error(&error);
	ck_assert(vm_vmt_next(r, &rec, &error));
	ck_assert_uint_eq(rec.line, 4);
	vm_vmt_close(r);
	g_string_free(t, TRUE);
}
END_TEST

/* Rewinding starts over: same records, line numbers from 1, `vmt 1` again. */
START_TEST(rewind_reader)
{
	static const char text[] = "# c\nvmt 1\nset a=b\n1 r 0x10\n1 exit\n";
	GError *error = NULL;
	char *path = write_temp(text, strlen(text));

	for (int pass = 0; pass < 2; pass++) {
		vm_vmt_reader_t *r = pass == 0 ? vm_vmt_open(path, &error)
					       : mem_reader(text);
		vm_record_t rec;

		ck_assert_ptr_nonnull(r);
		ck_assert(vm_vmt_seekable(r));
		for (int round = 0; round < 3; round++) {
			int n = 0;

			/* round 1 stops early, mid-trace */
			while ((round != 1 || n < 2) &&
			       vm_vmt_next(r, &rec, &error)) {
				ck_assert_uint_eq(rec.line, (uint64_t)n + 3);
				n++;
			}
			ck_assert_ptr_null(error);
			ck_assert_int_eq(n, round == 1 ? 2 : 3);
			ck_assert(vm_vmt_rewind(r, &error));
		}
		ck_assert(vm_vmt_next(r, &rec, &error));
		ck_assert_int_eq(rec.kind, VM_REC_SET);
		ck_assert_str_eq(rec.value, "b");
		vm_vmt_close(r);
	}
	g_unlink(path);
	g_free(path);
}
END_TEST


/*
 * Marks: note the place before every 997th record of a 3 MiB file (so marks
 * fall on both sides of block boundaries), read on to the end, then go back
 * to each mark in reverse order: the next record must be the one that
 * followed the mark, with its line number.  The memory reader, and a last
 * line without '\n', the same.
 */
START_TEST(mark_restore)
{
	gen_t g = { g_string_new("vmt 1\n"), g_array_new(FALSE, FALSE,
							 sizeof(vm_record_t)), 1 };
	GError *error = NULL;
	GArray *marks = g_array_new(FALSE, FALSE, sizeof(vm_vmt_mark_t));
	GArray *at = g_array_new(FALSE, FALSE, sizeof(size_t));
	char *path;

	gen_until(&g, 3 * MIB + 100, 0);
	g_string_truncate(g.text, g.text->len - 1);     /* no final '\n' */
	path = write_temp(g.text->str, g.text->len);
	for (int pass = 0; pass < 2; pass++) {
		vm_vmt_reader_t *r = pass == 0 ? vm_vmt_open(path, &error)
					       : mem_reader(g.text->str);
		vm_record_t rec;
		size_t n = 0;

		ck_assert_ptr_nonnull(r);
		g_array_set_size(marks, 0);
		g_array_set_size(at, 0);
		for (;;) {
			if (n % 997 == 0 || n + 1 == g.want->len) {
				vm_vmt_mark_t m;

				vm_vmt_mark(r, &m);
				g_array_append_val(marks, m);
				g_array_append_val(at, n);
			}
			if (!vm_vmt_next(r, &rec, &error))
				break;
			n++;
		}
		ck_assert_ptr_null(error);
		ck_assert_uint_eq(n, g.want->len);
		for (guint i = marks->len; i-- > 0;) {
			size_t k = g_array_index(at, size_t, i);
			const vm_record_t *w = &g_array_index(g.want,
							      vm_record_t, k);

			ck_assert(vm_vmt_restore(r, &g_array_index(marks,
						 vm_vmt_mark_t, i), &error));
			ck_assert(vm_vmt_next(r, &rec, &error));
			assert_same(&rec, w, FALSE, "after restore");
			ck_assert_uint_eq(rec.line, w->line);
		}
		vm_vmt_close(r);
	}
	g_unlink(path);
	g_free(path);
	g_array_free(marks, TRUE);
	g_array_free(at, TRUE);
	g_array_free(g.want, TRUE);
	g_string_free(g.text, TRUE);
}
END_TEST

START_TEST(stdin_and_open_errors)
{
	GError *error = NULL;
	vm_vmt_reader_t *r = vm_vmt_open("-", &error);
	char *dir;

	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(vm_vmt_name(r), "<stdin>");
	ck_assert(!vm_vmt_seekable(r));
	ck_assert(!vm_vmt_rewind(r, &error));
	ck_assert_ptr_nonnull(error);
	g_clear_error(&error);
	vm_vmt_close(r);

	ck_assert_ptr_null(vm_vmt_open("/nonexistent/x.vmt", &error));
	ck_assert(g_error_matches(error, VM_ERROR, VM_ERROR_IO));
	ck_assert(g_str_has_prefix(error->message, "/nonexistent/x.vmt: "));
	g_clear_error(&error);

	dir = g_dir_make_tmp("vmt-XXXXXX", &error);
	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_null(vm_vmt_open(dir, &error));
	ck_assert(g_error_matches(error, VM_ERROR, VM_ERROR_IO));
	g_clear_error(&error);
	g_rmdir(dir);
	g_free(dir);
}
END_TEST

static Suite *
vmt_suite(void)
{
	Suite *s = suite_create("vmt");
	TCase *tc;

	tc = tcase_create("lines");
	tcase_add_loop_test(tc, good_line, 0, G_N_ELEMENTS(good_lines));
	tcase_add_loop_test(tc, bad_line, 0, G_N_ELEMENTS(bad_lines));
	tcase_add_loop_test(tc, format_round_trip, 0, G_N_ELEMENTS(good_lines));
	tcase_add_loop_test(tc, fast_path_same_as_general, 0, G_N_ELEMENTS(fast_lines));
	tcase_add_loop_test(tc, fast_line_file_same, 0, G_N_ELEMENTS(fast_lines));
	tcase_add_test(tc, expect_check_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("traces");
	tcase_add_test(tc, comments);
	tcase_add_test(tc, header_order);
	tcase_add_test(tc, continue_after_error);
	tcase_add_test(tc, fields_reset);
	tcase_add_test(tc, line_ends);
	tcase_add_test(tc, record_copy);
	tcase_add_test(tc, op_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("streaming");
	tcase_set_timeout(tc, 60);      /* megabytes under the sanitizers */
	tcase_add_test(tc, block_straddle);
	tcase_add_test(tc, long_lines_file);
	tcase_add_test(tc, long_lines_memory);
	tcase_add_test(tc, rewind_reader);
	tcase_add_test(tc, mark_restore);
	tcase_add_test(tc, stdin_and_open_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return vt_run_suite(vmt_suite());
}
