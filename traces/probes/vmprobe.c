/*
 * vmprobe: the host side of `vmscope validate` (docs/validation.md).
 *
 * Each workload does one thing to this Linux host's memory system, measures
 * it, and writes the same workload as a .vmt trace so that the simulator can
 * replay it.  Only libc: the program must build and run wherever vmscope's
 * tests do, and it must not pull glib's own page faults into the counts.
 *
 *   vmprobe list                       the workloads, one per line
 *   vmprobe run NAME DIR TRACE         run workload NAME with its files in
 *                                      DIR, write its trace to TRACE
 *   vmprobe calibrate DIR              measure the costs for the host profile
 *   vmprobe reclaim-cost DIR           (in a memory cgroup, as the pressure
 *                                      workloads are) measure what reclaiming
 *                                      a page costs, mapped and not
 *
 * Output, one record a line, blank-separated (validate parses it):
 *
 *   row METRIC MEASURED SIMEXPR TOLERANCE   a measurement and how to read
 *                                           the same quantity from the replay
 *   cost NAME NANOSECONDS                   (calibrate, reclaim-cost) a
 *                                           measured cost
 *   fact KEY VALUE                          something learnt on the way
 *   skip REASON...                          the workload cannot run here
 *
 * SIMEXPR is evaluated by validate left to right over terms and integers
 * joined by + - * /; a term is a statistic of docs/statistics.md, optionally
 * `pid=N:` or `file=NAME:` before it and `@MARK` after it (its value when the
 * replay reached the trace line `note @MARK`, else at the end).
 * TOLERANCE is `exact`, `abs:N`, `pct:N` or `factor:N`.
 *
 * How a measurement is made so that it means what the trace says:
 *  - getrusage() deltas are taken around exactly the measured loop, and the
 *    loop touches nothing but the mapping (the loop variables live in
 *    registers or on a stack page already touched);
 *  - files are written with 4 KiB write() calls, so that recent kernels
 *    cache them in 4 KiB folios (the *-1m workloads use 1 MiB writes, for
 *    large folios), and fsync()ed so they are clean; a "cold"
 *    file is then dropped with POSIX_FADV_DONTNEED and mincore() checks
 *    that no page stayed (on tmpfs nothing can be dropped: skipped);
 *  - mappings are placed 2 MiB-aligned, as the trace's addresses are, so
 *    that the 16-page fault-around windows fall on the same pages;
 *  - anonymous memory gets MADV_NOHUGEPAGE, so that its rows measure 4 KiB
 *    pages whatever the host's THP setting; thp-madvise advises
 *    MADV_HUGEPAGE and measures huge pages.
 *
 * The pressure-* workloads run in a memory cgroup that validate makes
 * for each (sim/hostcg.c): the probe sets up (its files written and
 * evicted outside the cgroup), prints `ready limit=BYTES`, and waits for
 * one byte `g` on its standard input, which validate sends once it has
 * made the cgroup with that limit (and no swap) and moved the probe into
 * it.  $VMPROBE_CGROUP names the cgroup's directory and
 * $VMPROBE_CGROUP_VERSION its version (1 or 2): the probe reads the
 * cgroup's counters there itself, before and after each measured part.
 * Its children die with it (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIB 1024UL
#define MIB (1024UL * 1024UL)
#define ALIGN (2 * MIB)
#define TRACE_BASE 0x100000000UL   /* where the traces map the first region */

static long page;                  /* the host's page size */
static const char *dir;            /* where the probe files live */
static FILE *trace;                /* the trace being written */
static char trace_tmp[4096];
static int trace_in_place;     /* trace_tmp is the output itself (not a
				 * regular file): never unlinked */

/* ---- small helpers ------------------------------------------------------ */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "vmprobe: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (trace && !trace_in_place)
		unlink(trace_tmp);
	exit(2);
}

/* A workload that cannot run here: say why and end successfully. */
static void skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("skip ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (trace && !trace_in_place)
		unlink(trace_tmp);
	exit(0);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

typedef struct {
	long minflt, majflt;
	uint64_t ns;
} snap_t;

static snap_t snap(void)
{
	struct rusage ru;
	snap_t s;
	getrusage(RUSAGE_SELF, &ru);
	s.minflt = ru.ru_minflt;
	s.majflt = ru.ru_majflt;
	s.ns = now_ns();
	return s;
}

/*
 * A snapshot into the local @name, whose stack page is written before the
 * counters are read: after a fork the stack is copy-on-write, and a first
 * write to the page holding the snapshot, made only when snap() returns,
 * would count its own fault in the measurement (one extra minor fault in
 * 1 run of 6, as ASLR places the stack: fork-cow's 1025 for 1024).
 */
#define SNAP(name) snap_t name; prime(&name, sizeof name); name = snap()

static void prime(void *p, size_t n)
{
	volatile char *c = p;
	c[0] = 0;
	c[n - 1] = 0;
}

/* Faults and time between two snapshots. */
typedef struct {
	long minflt, majflt;
	double ns;
} delta_t;

static delta_t since(snap_t a)
{
	snap_t b = snap();
	delta_t d = { b.minflt - a.minflt, b.majflt - a.majflt,
		      (double)(b.ns - a.ns) };
	return d;
}

/*
 * Touch what snap() and the loops touch (the vDSO's data pages, the stack,
 * `sink`), so that the first measurement does not count their faults.
 * After fork the child runs it too: its stack is copy-on-write.
 */
static volatile unsigned sink;

static void warm_up(void)
{
	for (int i = 0; i < 2; i++) {
		sink = 0;
		SNAP(a);
		delta_t d = since(a);
		(void)d;
	}
}

/* Wait until the readahead a fault started has finished: mincore() counts
 * only pages that are up to date. */
static long resident_settled(void *addr, size_t len);

static void row(const char *metric, double measured, const char *sim,
		const char *tol)
{
	if (measured == (double)(long long)measured)
		printf("row %s %lld %s %s\n", metric, (long long)measured, sim, tol);
	else
		printf("row %s %.1f %s %s\n", metric, measured, sim, tol);
}

static void tr(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(trace, fmt, ap);
	va_end(ap);
	fputc('\n', trace);
}

static char *path_of(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/*
 * Create @name of @size bytes with write() calls of @chunk bytes (4 KiB:
 * 4 KiB page-cache folios), fsync it, and return an open read-write fd.
 */
static int make_file(const char *name, size_t size, size_t chunk)
{
	char *p = path_of(name);
	unlink(p);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("%s: %s", p, strerror(errno));
	char *buf = malloc(chunk);
	if (!buf)
		die("out of memory");
	for (size_t off = 0; off < size; off += chunk) {
		memset(buf, 'a' + (int)((off / chunk) % 26), chunk);
		size_t n = size - off < chunk ? size - off : chunk;
		if (write(fd, buf, n) != (ssize_t)n)
			die("%s: write: %s", p, strerror(errno));
	}
	free(buf);
	if (fsync(fd) != 0)
		die("%s: fsync: %s", p, strerror(errno));
	return fd;
}

/* Pages of [addr, addr+len) resident in memory (page cache for files). */
static long resident(void *addr, size_t len)
{
	size_t n = (len + (size_t)page - 1) / (size_t)page;
	unsigned char *v = malloc(n);
	long r = 0;
	if (!v || mincore(addr, len, v) != 0)
		die("mincore: %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		r += v[i] & 1;
	free(v);
	return r;
}

/* A mapping at a 2 MiB-aligned address, as the traces place theirs. */
static char *map_aligned(size_t len, int prot, int flags, int fd, off_t off)
{
	char *r = mmap(NULL, len + ALIGN, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	uintptr_t a = ((uintptr_t)r + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	char *p = mmap((void *)a, len, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	/* give back the reservation's ends */
	if ((char *)a > r)
		munmap(r, (size_t)((char *)a - r));
	char *end = (char *)a + len, *rend = r + len + ALIGN;
	if (rend > end)
		munmap(end, (size_t)(rend - end));
	if (flags & MAP_ANONYMOUS)
		madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* Drop the clean pages of @fd's file; skip the workload if any stays. */
static void evict(int fd, size_t size)
{
	if (fsync(fd) != 0)
		die("fsync: %s", strerror(errno));
	char *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	long r = 0;
	for (int tries = 0; tries < 3; tries++) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		r = resident(m, size);
		if (r == 0)
			break;
		usleep(10000);
	}
	munmap(m, size);
	if (r != 0)
		skip("cannot evict the probe file: %ld pages stay cached "
		     "(POSIX_FADV_DONTNEED has no effect here; tmpfs?)", r);
}

/* A /proc/self/smaps field (in KiB) of the mapping that starts at @addr. */
/* The number after @prefix on the first line of @path that starts with
 * it ("VmPTE:", "write_bytes:", "pgfault "); -1 when the file or the line
 * is not there. */
static long long field_of(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t n = strlen(prefix);
	long long v = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, prefix, n) == 0) {
			v = atoll(line + n);
			break;
		}
	fclose(f);
	return v;
}

static long smaps_kb(void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	long v = -1;
	size_t fl = strlen(field);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = lo == (uintptr_t)addr;
			continue;
		}
		if (in && strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = atol(line + fl + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

static long smaps_pages(void *addr, const char *field)
{
	long kb = smaps_kb(addr, field);
	return kb < 0 ? -1 : kb * 1024 / page;
}

/* The dirty pages of the mapping at @addr, shared or private. */
static long dirty_pages(void *addr)
{
	return smaps_pages(addr, "Shared_Dirty") + smaps_pages(addr, "Private_Dirty");
}

/* Touch every @stride bytes of [p, p+len): a read. */
static unsigned touch_read(const volatile char *p, size_t len, size_t stride)
{
	unsigned s = 0;
	for (size_t o = 0; o < len; o += stride)
		s += (unsigned char)p[o];
	return s;
}

static void touch_write(volatile char *p, size_t len, size_t stride)
{
	for (size_t o = 0; o < len; o += stride)
		p[o] = 1;
}

static long resident_settled(void *addr, size_t len)
{
	long r = resident(addr, len);
	for (int i = 0; i < 100; i++) {
		usleep(10000);
		long n = resident(addr, len);
		if (n == r)
			break;
		r = n;
	}
	return r;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The trace's header: the host profile comes from validate (-p host). */
static void trace_header(const char *what)
{
	tr("vmt 1");
	tr("# %s", what);
	tr("# written by vmprobe: the workload it measured on the host");
}

/* ---- workloads ---------------------------------------------------------- */

#define SCAN (64 * MIB)

/* Touch every page of a cached 64 MiB file (4 KiB folios) through a shared
 * read mapping: one fault per 16-page fault-around window. */
static void w_cached_scan(void)
{
	int fd = make_file("data", SCAN, 4 * KIB);
	char *m = map_aligned(SCAN, PROT_READ, MAP_SHARED, fd, 0);
	SNAP(a);
	sink = touch_read(m, SCAN, (size_t)page);
	delta_t d = since(a);
	row("minflt", d.minflt, "minflt", "exact");
	row("majflt", d.majflt, "majflt", "exact");
	row("rss_pages", smaps_pages(m, "Rss"), "pid=1:rss_file", "exact");
	row("ns_per_page", d.ns / (SCAN / page), "sim_time_ns/16384", "factor:3");
	trace_header("a cached 64 MiB file, read through a shared mapping");
	tr("file data size=64M cached");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 64M r shared fd=3", TRACE_BASE);
	tr("1 seq r 0x%lx 64M", TRACE_BASE);
}

/* The same scan of a file written with 1 MiB write() calls: on a kernel
 * with large page-cache folios (ext4 since 6.16) each write makes one
 * 1 MiB folio and one fault maps a whole folio (6.18), so the scan costs
 * one fault per MiB.  The trace writes the file the same way, so that the
 * simulator's write path makes the same folios (cache.folio_max). */
static void w_cached_scan_1m(void)
{
	int fd = make_file("data", SCAN, 1 * MIB);
	char *m = map_aligned(SCAN, PROT_READ, MAP_SHARED, fd, 0);
	SNAP(a);
	sink = touch_read(m, SCAN, (size_t)page);
	delta_t d = since(a);
	row("minflt", d.minflt, "minflt-minflt@written", "exact");
	row("majflt", d.majflt, "majflt-majflt@written", "exact");
	row("rss_pages", smaps_pages(m, "Rss"), "pid=1:rss_file", "exact");
	row("ns_per_page", d.ns / (SCAN / page),
	    "sim_time_ns-sim_time_ns@written/16384", "factor:3");
	trace_header("a 64 MiB file written with 1 MiB write() calls, then read "
		     "through a shared mapping");
	tr("1 open data fd=3 create");
	for (size_t off = 0; off < SCAN; off += MIB)
		tr("1 write 3 %zu 1M", off);
	tr("1 fsync 3");
	tr("1 note @written");
	tr("1 mmap 0x%lx 64M r shared fd=3", TRACE_BASE);
	tr("1 seq r 0x%lx 64M", TRACE_BASE);
}

static void cold_touch(size_t off, const char *what)
{
	int fd = make_file("data", SCAN, 4 * KIB);
	evict(fd, SCAN);
	char *m = map_aligned(SCAN, PROT_READ, MAP_SHARED, fd, 0);
	SNAP(a);
	sink = (unsigned char)m[off];
	delta_t d = since(a);
	row("majflt", d.majflt, "majflt", "exact");
	row("minflt", d.minflt, "minflt", "exact");
	row("cached_pages", resident_settled(m, SCAN), "file=data:cached_pages", "exact");
	/* the first resident page tells where the read-around window began */
	size_t n = SCAN / (size_t)page;
	unsigned char *v = malloc(n);
	long first = -1;
	if (v && mincore(m, SCAN, v) == 0)
		for (size_t i = 0; i < n; i++)
			if (v[i] & 1) {
				first = (long)i;
				break;
			}
	free(v);
	printf("fact first_resident_page %ld\n", first);
	row("fault_us", d.ns / 1000.0, "sim_time_ns@touched/1000", "factor:3");
	trace_header(what);
	tr("file data size=64M");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 64M r shared fd=3", TRACE_BASE);
	tr("1 r 0x%lx", TRACE_BASE + off);
	tr("1 note @touched");
	tr("# the probe waits for the readahead to finish before mincore()");
	tr("1 sleep 1s");
}

static void w_cold_touch_start(void)
{
	cold_touch(0, "one touch of page 0 of a cold 64 MiB file");
}

static void w_cold_touch_middle(void)
{
	cold_touch(8192 * (size_t)page, "one touch of page 8192 of a cold 64 MiB file");
}

static void cold_scan(int advice, const char *adv_name, const char *what,
		      size_t chunk)
{
	int fd = make_file("data", SCAN, chunk);
	evict(fd, SCAN);
	char *m = map_aligned(SCAN, PROT_READ, MAP_SHARED, fd, 0);
	if (advice != MADV_NORMAL && madvise(m, SCAN, advice) != 0)
		skip("madvise(%s): %s", adv_name, strerror(errno));
	SNAP(a);
	sink = touch_read(m, SCAN, (size_t)page);
	delta_t d = since(a);
	if (advice == MADV_RANDOM) {
		row("majflt", d.majflt, "majflt", "exact");
		row("minflt", d.minflt, "minflt", "exact");
	} else {
		/* how many faults find their page still under readahead I/O
		 * depends on the disk's timing */
		row("majflt", d.majflt, "majflt", "abs:2");
		row("minflt", d.minflt, "minflt", "pct:10");
	}
	row("cached_pages", resident_settled(m, SCAN), "file=data:cached_pages", "exact");
	row("ns_per_page", d.ns / (SCAN / page), "sim_time_ns@scanned/16384", "factor:3");
	trace_header(what);
	tr("file data size=64M");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 64M r shared fd=3", TRACE_BASE);
	if (advice != MADV_NORMAL)
		tr("1 madvise 0x%lx 64M %s", TRACE_BASE, adv_name);
	tr("1 seq r 0x%lx 64M", TRACE_BASE);
	tr("1 note @scanned");
	tr("1 sleep 1s");
}

static void w_cold_scan(void)
{
	cold_scan(MADV_NORMAL, "normal", "a cold sequential scan of 64 MiB", 4 * KIB);
}

static void w_cold_scan_seq(void)
{
	cold_scan(MADV_SEQUENTIAL, "sequential",
		  "a cold sequential scan of 64 MiB with MADV_SEQUENTIAL", 4 * KIB);
}

static void w_cold_scan_random(void)
{
	cold_scan(MADV_RANDOM, "random",
		  "a cold sequential scan of 64 MiB with MADV_RANDOM", 4 * KIB);
}

/* A cold scan of a file written with 1 MiB writes: once evicted, how it
 * was written no longer matters; readahead's folios grow with ra->order
 * (page_cache_ra_order), as for cold-scan.  The row shows that. */
static void w_cold_scan_1m(void)
{
	cold_scan(MADV_NORMAL, "normal",
		  "a cold sequential scan of 64 MiB written with 1 MiB writes",
		  1 * MIB);
}

#define RAND_COUNT 1024

static void cold_random(int advice, const char *adv_name, const char *what)
{
	size_t pages = SCAN / (size_t)page;
	int fd = make_file("data", SCAN, 4 * KIB);
	evict(fd, SCAN);
	char *m = map_aligned(SCAN, PROT_READ, MAP_SHARED, fd, 0);
	if (advice != MADV_NORMAL && madvise(m, SCAN, advice) != 0)
		skip("madvise(%s): %s", adv_name, strerror(errno));
	uint64_t s = 1;
	SNAP(a);
	unsigned acc = 0;
	for (int k = 0; k < RAND_COUNT; k++)
		acc += (unsigned char)((volatile char *)m)[(splitmix64(&s) % pages) * (size_t)page];
	delta_t d = since(a);
	sink = acc;
	if (advice == MADV_RANDOM) {
		row("majflt", d.majflt, "majflt", "exact");
		row("minflt", d.minflt, "minflt", "exact");
		row("cached_pages", resident(m, SCAN), "file=data:cached_pages", "exact");
	} else {
		row("majflt", d.majflt, "majflt", "pct:10");
		row("minflt", d.minflt, "minflt", "pct:10");
		row("cached_pages", resident_settled(m, SCAN), "file=data:cached_pages", "pct:10");
	}
	row("us_per_access", d.ns / 1000.0 / RAND_COUNT, "sim_time_ns@read/1024000", "factor:3");
	trace_header(what);
	tr("file data size=64M");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 64M r shared fd=3", TRACE_BASE);
	if (advice != MADV_NORMAL)
		tr("1 madvise 0x%lx 64M %s", TRACE_BASE, adv_name);
	tr("1 rand r 0x%lx 64M count=%d seed=1", TRACE_BASE, RAND_COUNT);
	tr("1 note @read");
	tr("1 sleep 1s");
}

static void w_cold_random(void)
{
	cold_random(MADV_NORMAL, "normal", "1024 reads of random pages of a cold 64 MiB file");
}

static void w_cold_random_madv(void)
{
	cold_random(MADV_RANDOM, "random",
		    "1024 reads of random pages of a cold 64 MiB file, MADV_RANDOM");
}

#define SMALL (4 * MIB)

/* Writes through MAP_PRIVATE copy each page; the file is untouched. */
static void w_private_write(void)
{
	int fd = make_file("data", SMALL, 4 * KIB);
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SNAP(a);
	touch_write(m, SMALL, (size_t)page);
	delta_t d = since(a);
	row("minflt", d.minflt, "minflt", "exact");
	row("majflt", d.majflt, "majflt", "exact");
	row("anon_pages", smaps_pages(m, "Anonymous"), "pid=1:rss_anon", "exact");
	row("us_per_page", d.ns / 1000.0 / (SMALL / page), "sim_time_ns/1024000", "factor:3");
	char c = 0;
	if (pread(fd, &c, 1, 0) != 1 || c != 'a')
		die("MAP_PRIVATE write reached the file");
	trace_header("writes to every page of a cached 4 MiB file through MAP_PRIVATE");
	tr("file data size=4M cached");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 4M rw private fd=3", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* The same writes through MAP_SHARED to a file written with 1 MiB writes:
 * with large folios (6.18) one write fault maps its whole folio writable
 * and dirty, so 4 MiB cost 4 faults, not 1024. */
static void w_shared_write_1m(void)
{
	int fd = make_file("data", SMALL, 1 * MIB);
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SNAP(a);
	touch_write(m, SMALL, (size_t)page);
	delta_t d = since(a);
	long dirty = dirty_pages(m);
	row("write_minflt", d.minflt, "minflt-minflt@written", "exact");
	row("write_majflt", d.majflt, "majflt-majflt@written", "exact");
	row("dirty_pages", dirty, "file=data:dirty_pages", "exact");
	trace_header("a 4 MiB file written with 1 MiB write() calls, then every "
		     "page written through MAP_SHARED");
	tr("1 open data fd=3 create");
	for (size_t off = 0; off < SMALL; off += MIB)
		tr("1 write 3 %zu 1M", off);
	tr("1 fsync 3");
	tr("1 note @written");
	tr("1 mmap 0x%lx 4M rw shared fd=3", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* MAP_PRIVATE read first: fault-around maps the cached pages read-only,
 * then every write copies its page. */
static void w_private_read_write(void)
{
	int fd = make_file("data", SMALL, 4 * KIB);
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SNAP(a);
	sink = touch_read(m, SMALL, (size_t)page);
	delta_t d = since(a);
	row("read_minflt", d.minflt, "minflt@read", "exact");
	a = snap();
	touch_write(m, SMALL, (size_t)page);
	d = since(a);
	row("write_minflt", d.minflt, "minflt-minflt@read", "exact");
	row("anon_pages", smaps_pages(m, "Anonymous"), "pid=1:rss_anon", "exact");
	trace_header("reads, then writes, of every page of a cached 4 MiB file "
		     "through MAP_PRIVATE");
	tr("file data size=4M cached");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 4M rw private fd=3", TRACE_BASE);
	tr("1 seq r 0x%lx 4M", TRACE_BASE);
	tr("1 note @read");
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* read() readahead: after 1, 16 and 256 sequential 4 KiB preads of a cold
 * file, how much is cached (the windows of page_cache_sync_ra and
 * page_cache_async_ra). */
static void w_read_readahead(void)
{
	int fd = make_file("data", SCAN, 4 * KIB);
	evict(fd, SCAN);
	char *m = mmap(NULL, SCAN, PROT_READ, MAP_SHARED, fd, 0);
	char buf[4096];
	static const int upto[] = { 1, 16, 256 };
	int done = 0;
	trace_header("sequential 4 KiB preads of a cold 64 MiB file: the cached "
		     "pages after 1, 16 and 256 of them");
	tr("file data size=64M");
	tr("1 open data fd=3");
	for (unsigned i = 0; i < sizeof(upto) / sizeof(upto[0]); i++) {
		for (; done < upto[i]; done++) {
			if (pread(fd, buf, sizeof(buf), (off_t)done * 4096) != 4096)
				die("pread: %s", strerror(errno));
			tr("1 read 3 %d 4K", done * 4096);
		}
		char metric[32], sim[64];
		snprintf(metric, sizeof(metric), "cached_after_%d", upto[i]);
		snprintf(sim, sizeof(sim), "file=data:cached_pages@r%d", upto[i]);
		row(metric, resident_settled(m, SCAN), sim, "exact");
		tr("1 sleep 1s");
		tr("1 note @r%d", upto[i]);
	}
	munmap(m, SCAN);
}

/* Writes through MAP_SHARED dirty the page cache; msync writes them. */
static void w_shared_msync(void)
{
	int fd = make_file("data", SMALL, 4 * KIB);
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SNAP(a);
	touch_write(m, SMALL, (size_t)page);
	delta_t d = since(a);
	long dirty = dirty_pages(m);
	row("write_minflt", d.minflt, "minflt@written", "exact");
	row("write_majflt", d.majflt, "majflt@written", "exact");
	row("dirty_pages", dirty, "file=data:dirty_pages@written", "exact");
	a = snap();
	if (msync(m, SMALL, MS_SYNC) != 0)
		die("msync: %s", strerror(errno));
	d = since(a);
	dirty = dirty_pages(m);
	row("msync_us", d.ns / 1000.0, "sim_time_ns@synced-sim_time_ns@written/1000", "factor:5");
	row("dirty_after_msync", dirty, "file=data:dirty_pages@synced", "exact");
	/* the PTEs were write-protected by writeback: a write faults again */
	a = snap();
	touch_write(m, SMALL, (size_t)page);
	d = since(a);
	row("rewrite_minflt", d.minflt, "minflt-minflt@synced", "exact");
	trace_header("writes to every page of a cached 4 MiB file through MAP_SHARED, "
		     "msync(MS_SYNC), then the same writes again");
	tr("file data size=4M cached");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 4M rw shared fd=3", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
	tr("1 note @written");
	tr("1 msync 0x%lx 4M sync", TRACE_BASE);
	tr("1 note @synced");
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of [@m, +@len) onto @dst: the new
 * address; the workload is skipped when the kernel refuses it. */
static char *move_fixed(char *m, size_t len, char *dst)
{
	char *n = mremap(m, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (n == MAP_FAILED)
		skip("mremap(MREMAP_FIXED): %s", strerror(errno));
	return n;
}

/*
 * mremap: 16 MiB of anonymous memory written, moved (MREMAP_MAYMOVE |
 * MREMAP_FIXED onto a reservation) and read at its new address: no fault,
 * move_page_tables moves the entries, not the pages.  Then, the
 * reservation's tail given back, grown in place by 8 MiB and the new part
 * written: a minor fault a page.
 */
static void w_anon_mremap(void)
{
	size_t len = 16 * MIB, grow = 8 * MIB;
	char *m = map_aligned(len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = map_aligned(len + grow, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	touch_write(m, len, (size_t)page);
	SNAP(a);
	char *n = move_fixed(m, len, dst);
	sink = touch_read(n, len, (size_t)page);
	delta_t d = since(a);
	if (munmap(dst + len, grow) != 0)
		die("munmap: %s", strerror(errno));
	SNAP(b);
	char *g = mremap(n, len, len + grow, 0);
	if (g == MAP_FAILED)
		skip("mremap could not grow in place: %s", strerror(errno));
	touch_write(g + len, grow, (size_t)page);
	delta_t d2 = since(b);
	row("move_minflt", d.minflt, "minflt@read-minflt@written", "exact");
	row("move_majflt", d.majflt, "majflt@read-majflt@written", "exact");
	row("grow_minflt", d2.minflt, "minflt@grown-minflt@read", "exact");
	munmap(g, len + grow);
	trace_header("16 MiB of anonymous memory written, moved by mremap and "
		     "read, then grown in place by 8 MiB and the new part written");
	tr("1 mmap 0x%lx 16M rw private anon", TRACE_BASE);
	tr("1 seq w 0x%lx 16M", TRACE_BASE);
	tr("1 note @written");
	tr("1 mremap 0x%lx 16M 16M to=0x%lx", TRACE_BASE, TRACE_BASE + 64 * MIB);
	tr("1 seq r 0x%lx 16M", TRACE_BASE + 64 * MIB);
	tr("1 note @read");
	tr("1 mremap 0x%lx 16M 24M", TRACE_BASE + 64 * MIB);
	tr("1 seq w 0x%lx 8M", TRACE_BASE + 80 * MIB);
	tr("1 note @grown");
}

/* Anonymous memory: reads map the zero page, writes then replace it. */
static void w_anon_rw(void)
{
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SNAP(a);
	sink = touch_read(m, SMALL, (size_t)page);
	delta_t d = since(a);
	row("read_minflt", d.minflt, "minflt@read", "exact");
	row("read_rss_pages", smaps_pages(m, "Rss"), "pid=1:rss_anon@read", "exact");
	row("zero_fault_ns", d.ns / (SMALL / page), "sim_time_ns@read/1024", "factor:2");
	a = snap();
	touch_write(m, SMALL, (size_t)page);
	d = since(a);
	row("write_minflt", d.minflt, "minflt-minflt@read", "exact");
	row("write_rss_pages", smaps_pages(m, "Rss"), "pid=1:rss_anon", "exact");
	row("write_fault_ns", d.ns / (SMALL / page),
	    "sim_time_ns-sim_time_ns@read/1024", "factor:2");
	trace_header("reads of every page of 4 MiB of anonymous memory, then writes");
	tr("1 mmap 0x%lx 4M rw private anon", TRACE_BASE);
	tr("1 seq r 0x%lx 4M", TRACE_BASE);
	tr("1 note @read");
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* Read the four numbers the child sends through a pipe, and reap it. */
static void child_result(int rfd, pid_t pid, long v[4])
{
	ssize_t n = read(rfd, v, 4 * sizeof(long));
	int st;
	waitpid(pid, &st, 0);
	if (n != (ssize_t)(4 * sizeof(long)) || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		die("the child failed");
}

/* fork, then copy-on-write in the child; the parent's writes reuse. */
static void w_fork_cow(void)
{
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch_write(m, SMALL, (size_t)page);
	int p[2];
	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		warm_up();
		SNAP(a);
		touch_write(m, SMALL, (size_t)page);
		delta_t d = since(a);
		long v[4] = { d.minflt, d.majflt, (long)d.ns,
			      smaps_pages(m, "Anonymous") };
		if (write(p[1], v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(1);
		_exit(0);
	}
	long v[4];
	child_result(p[0], pid, v);
	row("child_minflt", v[0], "pid=2:minflt", "exact");
	row("child_anon_pages", v[3], "pid=2:rss_anon@child", "exact");
	row("cow_fault_ns", (double)v[2] / (SMALL / page), "pid=2:cpu_ns/1024", "factor:2");
	/* as the child did: the fork write-protected the parent's own stack
	 * and data too, and their first writes must not land in the count */
	warm_up();
	SNAP(a);
	touch_write(m, SMALL, (size_t)page);
	delta_t d = since(a);
	row("parent_minflt", d.minflt, "pid=1:minflt-pid=1:minflt@forked", "exact");
	trace_header("4 MiB of anonymous memory written, fork, the child writes "
		     "every page, exits, then the parent writes every page");
	tr("1 mmap 0x%lx 4M rw private anon", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
	tr("1 note @forked");
	tr("1 fork 2");
	tr("2 seq w 0x%lx 4M", TRACE_BASE);
	tr("2 note @child");
	tr("2 exit");
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* Transparent huge pages on this host (enabled always or madvise), else
 * skip: vmscope sets up no huge pages with thp.enabled=never. */
static void need_thp(void)
{
	char en[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(en, sizeof(en), f))
			en[0] = '\0';
		fclose(f);
	}
	if (!strstr(en, "[always]") && !strstr(en, "[madvise]"))
		skip("transparent huge pages are off on this host (%s)",
		     en[0] ? "never" : "no sysfs file");
}

/* @len of anonymous memory, 2 MiB-aligned, advised MADV_HUGEPAGE: the
 * workload is skipped when huge pages are off or the advice refused. */
static char *map_huge_anon(size_t len)
{
	need_thp();
	char *m = map_aligned(len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (madvise(m, len, MADV_HUGEPAGE) != 0)
		skip("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	return m;
}

/*
 * Transparent huge pages: 8 MiB of anonymous memory given MADV_HUGEPAGE,
 * written (one fault per 2 MiB); fork, the child writes one page (its PMD
 * is split and 4 KiB copied: do_huge_pmd_wp_page); the parent unmaps the
 * first 1 MiB of its second huge page (split: the rest stays, by PTEs).
 * AnonHugePages from smaps, per VMA.
 */
static void w_thp_madvise(void)
{
	size_t len = 8 * MIB;
	char *m = map_huge_anon(len);
	warm_up();
	SNAP(a);
	touch_write(m, len, (size_t)page);
	delta_t d = since(a);
	row("write_minflt", d.minflt, "minflt@written", "exact");
	row("anon_huge_pages", smaps_pages(m, "AnonHugePages"),
	    "pid=1:anon_huge_pages@written", "exact");
	int p[2];
	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		warm_up();
		a = snap();
		m[3 * page] = 2;
		d = since(a);
		long v[4] = { d.minflt, d.majflt, (long)d.ns,
			      smaps_pages(m, "AnonHugePages") };
		if (write(p[1], v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(1);
		_exit(0);
	}
	long v[4];
	child_result(p[0], pid, v);
	row("child_minflt", v[0], "pid=2:minflt", "exact");
	row("child_anon_huge_pages", v[3], "pid=2:anon_huge_pages@child", "exact");
	if (munmap(m + 2 * MIB, MIB) != 0)
		die("munmap: %s", strerror(errno));
	row("munmap_anon_huge_pages",
	    smaps_pages(m, "AnonHugePages") + smaps_pages(m + 3 * MIB, "AnonHugePages"),
	    "pid=1:anon_huge_pages", "exact");
	trace_header("8 MiB of anonymous memory advised MADV_HUGEPAGE and written, "
		     "fork, the child writes one page, the parent unmaps 1 MiB of "
		     "its second huge page");
	tr("1 mmap 0x%lx 8M rw private anon", TRACE_BASE);
	tr("1 madvise 0x%lx 8M hugepage", TRACE_BASE);
	tr("1 seq w 0x%lx 8M", TRACE_BASE);
	tr("1 note @written");
	tr("1 fork 2");
	tr("2 w 0x%lx", TRACE_BASE + 3 * 4096);
	tr("2 note @child");
	tr("2 exit");
	tr("1 munmap 0x%lx 1M", TRACE_BASE + 2 * MIB);
}

/*
 * mremap of huge pages: 4 MiB advised MADV_HUGEPAGE and written (two huge
 * pages), moved to a 2 MiB-aligned address: both stay huge pages
 * (move_huge_pmd), and reading them faults nothing; then moved again,
 * 4 KiB off 2 MiB: split into PTEs (AnonHugePages 0), still no fault.
 */
static void w_thp_mremap(void)
{
	size_t len = 4 * MIB;
	char *m = map_huge_anon(len);
	char *dst = map_aligned(len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst2 = map_aligned(len + 2 * MIB, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch_write(m, len, (size_t)page);
	warm_up();
	SNAP(a);
	char *n = mremap(m, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (n == MAP_FAILED)
		skip("mremap(MREMAP_FIXED): %s", strerror(errno));
	sink = touch_read(n, len, (size_t)page);
	delta_t d = since(a);
	long huge = smaps_pages(n, "AnonHugePages");
	SNAP(b);
	char *n2 = move_fixed(n, len, dst2 + page);
	sink = touch_read(n2, len, (size_t)page);
	delta_t d2 = since(b);
	long huge2 = smaps_pages(n2, "AnonHugePages");
	munmap(n2, len);
	munmap(dst2, page);
	munmap(dst2 + page + len, 2 * MIB - page);
	row("aligned_minflt", d.minflt, "minflt@read-minflt@written", "exact");
	row("aligned_anon_huge_pages", huge, "pid=1:anon_huge_pages@read", "exact");
	row("cut_minflt", d2.minflt, "minflt@cut-minflt@read", "exact");
	row("cut_anon_huge_pages", huge2, "pid=1:anon_huge_pages@cut", "exact");
	trace_header("4 MiB advised MADV_HUGEPAGE and written, moved by mremap to "
		     "a 2 MiB-aligned address and read, then moved 4 KiB off "
		     "2 MiB and read");
	tr("1 mmap 0x%lx 4M rw private anon", TRACE_BASE);
	tr("1 madvise 0x%lx 4M hugepage", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
	tr("1 note @written");
	tr("1 mremap 0x%lx 4M 4M to=0x%lx", TRACE_BASE, TRACE_BASE + 64 * MIB);
	tr("1 seq r 0x%lx 4M", TRACE_BASE + 64 * MIB);
	tr("1 note @read");
	tr("1 mremap 0x%lx 4M 4M to=0x%lx", TRACE_BASE + 64 * MIB,
	   TRACE_BASE + 128 * MIB + 4096);
	tr("1 seq r 0x%lx 4M", TRACE_BASE + 128 * MIB + 4096);
	tr("1 note @cut");
}

/* A /proc/vmstat counter, -1 if absent. */
static long vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[128];
	long v, r = -1;
	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld", name, &v) == 2)
		if (strcmp(name, key) == 0)
			r = v;
	fclose(f);
	return r;
}

/*
 * File huge mappings: 8 MiB written with 2 MiB write() calls, so that a
 * kernel with large folios (ext4, 6.16+) caches it in four 2 MiB folios;
 * mapped shared, MADV_HUGEPAGE, every page read: Linux 6.18 maps each
 * folio, aligned and whole, by one PMD (do_set_pmd from finish_fault or
 * filemap_map_pmd): 4 faults, FilePmdMapped 8 MiB (measured: the same
 * without MADV_HUGEPAGE; none, 4 faults, with MADV_NOHUGEPAGE).  Then a
 * private mapping of it, read, and one page written: the PMD is cleared
 * (do_huge_pmd_wp_page on a file VMA) and 4 KiB copied.
 */
static void w_thp_file(void)
{
	need_thp();
	size_t len = 8 * MIB;
	int fd = make_file("data", len, 2 * MIB);
	char *m = map_aligned(len, PROT_READ, MAP_SHARED, fd, 0);
	if (madvise(m, len, MADV_HUGEPAGE) != 0)
		skip("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	warm_up();
	SNAP(a);
	sink = touch_read(m, len, (size_t)page);
	delta_t d = since(a);
	long pmd = smaps_pages(m, "FilePmdMapped");
	if (pmd < 0)
		skip("no FilePmdMapped in /proc/self/smaps (kernel before 4.8?)");
	row("minflt", d.minflt, "minflt@read-minflt@written", "exact");
	row("majflt", d.majflt, "majflt@read-majflt@written", "exact");
	row("file_pmd_pages", pmd, "pid=1:file_pmd_mapped@read", "exact");
	munmap(m, len);
	m = map_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	madvise(m, len, MADV_HUGEPAGE);
	sink = touch_read(m, len, (size_t)page);
	warm_up();
	a = snap();
	m[3 * page] = 2;
	d = since(a);
	row("private_write_minflt", d.minflt, "minflt-minflt@private", "exact");
	row("private_file_pmd_pages", smaps_pages(m, "FilePmdMapped"),
	    "pid=1:file_pmd_mapped", "exact");
	trace_header("8 MiB written with 2 MiB write() calls, read through a "
		     "shared mapping advised MADV_HUGEPAGE, then through a "
		     "private one, one page of which is written");
	tr("1 open data fd=3 create");
	for (size_t off = 0; off < len; off += 2 * MIB)
		tr("1 write 3 %zu 2M", off);
	tr("1 fsync 3");
	tr("1 note @written");
	tr("1 mmap 0x%lx 8M r shared fd=3", TRACE_BASE);
	tr("1 madvise 0x%lx 8M hugepage", TRACE_BASE);
	tr("1 seq r 0x%lx 8M", TRACE_BASE);
	tr("1 note @read");
	tr("1 munmap 0x%lx 8M", TRACE_BASE);
	tr("1 mmap 0x%lx 8M rw private fd=3", TRACE_BASE + 16 * MIB);
	tr("1 madvise 0x%lx 8M hugepage", TRACE_BASE + 16 * MIB);
	tr("1 seq r 0x%lx 8M", TRACE_BASE + 16 * MIB);
	tr("1 note @private");
	tr("1 w 0x%lx", TRACE_BASE + 16 * MIB + 3 * 4096);
}

/*
 * The same file cold (dropped from the cache): a fault in a VM_HUGEPAGE
 * VMA reads two PMD-sized folios around it whatever the readahead
 * settings (do_sync_mmap_readahead, page_cache_ra_order at
 * HPAGE_PMD_ORDER), the marker on the second starts the next two:
 * 1 major fault and 3 minor ones, FilePmdMapped 8 MiB.
 */
static void w_thp_file_cold(void)
{
	need_thp();
	size_t len = 8 * MIB;
	int fd = make_file("data", len, 2 * MIB);
	evict(fd, len);
	char *m = map_aligned(len, PROT_READ, MAP_SHARED, fd, 0);
	if (madvise(m, len, MADV_HUGEPAGE) != 0)
		skip("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	warm_up();
	SNAP(a);
	sink = touch_read(m, len, (size_t)page);
	delta_t d = since(a);
	row("majflt", d.majflt, "majflt", "exact");
	row("minflt", d.minflt, "minflt", "exact");
	row("file_pmd_pages", smaps_pages(m, "FilePmdMapped"),
	    "pid=1:file_pmd_mapped", "exact");
	trace_header("a cold 8 MiB file read through a shared mapping advised "
		     "MADV_HUGEPAGE");
	tr("file data size=8M");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 8M r shared fd=3", TRACE_BASE);
	tr("1 madvise 0x%lx 8M hugepage", TRACE_BASE);
	tr("1 seq r 0x%lx 8M", TRACE_BASE);
}

/* thp-shmem's private tmpfs, unmounted however the probe ends */
static char shmem_mnt[4096];

static void shmem_umount(void)
{
	if (!shmem_mnt[0])
		return;
	char f[4200];
	snprintf(f, sizeof(f), "%s/f", shmem_mnt);
	unlink(f);
	umount2(shmem_mnt, MNT_DETACH);
	rmdir(shmem_mnt);
	shmem_mnt[0] = '\0';
}

static void shmem_signal(int sig)
{
	shmem_umount();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * shmem huge pages: as root, a private tmpfs mounted with huge=always in
 * the probe directory (and unmounted at the end, on an error or a
 * signal too); a 4 MiB file made with ftruncate, mapped shared, every
 * page written: shmem_fault allocates a 2 MiB folio on the first fault
 * of each aligned range (thp_file_alloc) and maps it by PMD: 2 faults,
 * ShmemPmdMapped 4 MiB.  The replay is vmscope's shmem (shared anonymous
 * memory: Linux's shm_mnt, the same shmem code) with shmem.huge=always.
 */
static void w_thp_shmem(void)
{
	need_thp();
	if (geteuid() != 0)
		skip("mounting a tmpfs with huge=always needs root");
	snprintf(shmem_mnt, sizeof(shmem_mnt), "%s", path_of("thp-shmem-mnt"));
	rmdir(shmem_mnt);
	if (mkdir(shmem_mnt, 0700) != 0) {
		shmem_mnt[0] = '\0';
		die("mkdir %s: %s", path_of("thp-shmem-mnt"), strerror(errno));
	}
	atexit(shmem_umount);
	signal(SIGINT, shmem_signal);
	signal(SIGTERM, shmem_signal);
	signal(SIGHUP, shmem_signal);
	if (mount("vmprobe", shmem_mnt, "tmpfs", MS_NOSUID | MS_NODEV,
		  "huge=always,size=16m,mode=0700") != 0) {
		int e = errno;
		rmdir(shmem_mnt);
		shmem_mnt[0] = '\0';
		skip("mount -t tmpfs -o huge=always: %s", strerror(e));
	}
	char f[4200];
	snprintf(f, sizeof(f), "%s/f", shmem_mnt);
	size_t len = 4 * MIB;
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		die("%s: %s", f, strerror(errno));
	char *m = map_aligned(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	long alloc0 = vmstat("thp_file_alloc");
	warm_up();
	SNAP(a);
	touch_write(m, len, (size_t)page);
	delta_t d = since(a);
	long alloc = vmstat("thp_file_alloc") - alloc0;
	row("minflt", d.minflt, "minflt", "exact");
	row("shmem_pmd_pages", smaps_pages(m, "ShmemPmdMapped"),
	    "pid=1:shmem_pmd_mapped", "exact");
	if (alloc0 >= 0)
		row("thp_file_alloc", alloc, "thp_file_alloc", "exact");
	munmap(m, len);
	close(fd);
	shmem_umount();
	trace_header("a 4 MiB file on a tmpfs mounted huge=always, made with "
		     "ftruncate and written through a shared mapping (replayed "
		     "as shared anonymous memory, shmem.huge=always)");
	tr("set shmem.huge=always");
	tr("1 mmap 0x%lx 4M rw shared anon", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
}

/* Shared anonymous memory across fork: the child sees the parent's pages. */
static void w_fork_shared(void)
{
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	touch_write(m, SMALL, (size_t)page);
	int p[2];
	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		warm_up();
		SNAP(a);
		sink = touch_read(m, SMALL, (size_t)page);
		delta_t r = since(a);
		a = snap();
		touch_write(m, SMALL, (size_t)page);
		delta_t w = since(a);
		long v[4] = { r.minflt, w.minflt, r.majflt + w.majflt,
			      smaps_pages(m, "Rss") };
		if (write(p[1], v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(1);
		_exit(0);
	}
	long v[4];
	child_result(p[0], pid, v);
	row("child_read_minflt", v[0], "pid=2:minflt@read", "exact");
	row("child_write_minflt", v[1], "pid=2:minflt-pid=2:minflt@read", "exact");
	row("child_rss_pages", v[3], "pid=2:rss_file", "exact");
	row("shmem_pages", SMALL / page, "file_pages", "exact");
	trace_header("4 MiB of shared anonymous memory written, fork, the child "
		     "reads then writes every page");
	tr("1 mmap 0x%lx 4M rw shared anon", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
	tr("1 fork 2");
	tr("2 seq r 0x%lx 4M", TRACE_BASE);
	tr("2 note @read");
	tr("2 seq w 0x%lx 4M", TRACE_BASE);
}

/*
 * Shared anonymous memory read before anything is in it: shmem_fault
 * allocates the one page asked for (no readahead: there is nothing to
 * read), and fault-around maps only pages that are there already, so a
 * scan faults on every page (where a cached file's faults a sixteenth as
 * often).
 */
static void w_shared_anon_read(void)
{
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SNAP(a);
	sink = touch_read(m, (size_t)page, (size_t)page);
	delta_t d = since(a);
	long first_rss = smaps_pages(m, "Rss");
	SNAP(b);
	sink = touch_read(m, SMALL, (size_t)page);
	delta_t d2 = since(b);
	row("first_read_minflt", d.minflt, "pid=1:minflt@first", "exact");
	row("first_read_rss", first_rss, "pid=1:rss_file@first", "exact");
	row("scan_minflt", d2.minflt, "pid=1:minflt-pid=1:minflt@first", "exact");
	row("scan_rss", smaps_pages(m, "Rss"), "pid=1:rss_file", "exact");
	trace_header("4 MiB of shared anonymous memory: its first page read, "
		     "then every page");
	tr("1 mmap 0x%lx 4M rw shared anon", TRACE_BASE);
	tr("1 r 0x%lx", TRACE_BASE);
	tr("1 note @first");
	tr("1 seq r 0x%lx 4M", TRACE_BASE);
}

/*
 * A file on tmpfs (/dev/shm): written with write(), fsync'd and dropped
 * with POSIX_FADV_DONTNEED, as the cold-* workloads make a disk file
 * cold, its pages stay (shmem has no disk to drop them to), and a scan
 * through a mapping has no major fault: one minor fault per fault-around
 * window.  The file is unlinked once mapped, so that a probe killed
 * later leaves nothing in /dev/shm.
 */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* /proc/self/io's write_bytes: what this process caused to be written to
 * storage; -1 without task I/O accounting. */
static long long io_write_bytes(void)
{
	return field_of("/proc/self/io", "write_bytes:");
}

static void w_tmpfs_file(void)
{
	struct statfs fs;
	if (statfs("/dev/shm", &fs) != 0 || fs.f_type != TMPFS_MAGIC)
		skip("/dev/shm is not a tmpfs here");
	char path[64];
	snprintf(path, sizeof path, "/dev/shm/vmscope-probe-%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		skip("%s: %s", path, strerror(errno));
	char *buf = malloc(4096);
	if (!buf) {
		unlink(path);
		die("out of memory");
	}
	memset(buf, 'a', 4096);
	long long io0 = io_write_bytes();
	for (size_t off = 0; off < SMALL; off += 4096)
		if (write(fd, buf, 4096) != 4096) {
			unlink(path);
			die("%s: write: %s", path, strerror(errno));
		}
	free(buf);
	fsync(fd);
	long long io1 = io_write_bytes();
	posix_fadvise(fd, 0, SMALL, POSIX_FADV_DONTNEED);
	char *m = map_aligned(SMALL, PROT_READ, MAP_SHARED, fd, 0);
	unlink(path);
	close(fd);
	long kept = resident(m, SMALL);
	SNAP(a);
	sink = touch_read(m, SMALL, (size_t)page);
	delta_t d = since(a);
	/* a disk file's fsync would have written its 1024 pages */
	if (io0 >= 0 && io1 >= 0)
		row("fsync_written_pages", (double)((io1 - io0) / page),
		    "disk_writes@dropped", "exact");
	row("resident_after_fadvise", kept, "file=shmdata:cached_pages@dropped", "exact");
	row("read_majflt", d.majflt, "majflt-majflt@dropped", "exact");
	row("read_minflt", d.minflt, "minflt-minflt@dropped", "exact");
	munmap(m, SMALL);
	trace_header("a 4 MiB file on tmpfs written with write(), fsync, "
		     "POSIX_FADV_DONTNEED (not in the trace: it drops nothing "
		     "there), then read through a shared mapping");
	tr("1 open shmdata fd=3 create tmpfs");
	for (size_t off = 0; off < SMALL; off += 64 * KIB)
		tr("1 write 3 %zu 64K", off);
	tr("1 fsync 3");
	tr("1 note @dropped");
	tr("1 mmap 0x%lx 4M r shared fd=3", TRACE_BASE);
	tr("1 unlink shmdata");
	tr("1 close 3");
	tr("1 seq r 0x%lx 4M", TRACE_BASE);
}

/* A sparse file's holes: zero-filled pages, major faults without I/O. */
static void w_sparse(void)
{
	char *p = path_of("data");
	unlink(p);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)SMALL) != 0)
		die("%s: %s", p, strerror(errno));
	struct stat st;
	fstat(fd, &st);
	if (st.st_blocks != 0)
		skip("this file system gives a truncated file blocks");
	char *m = map_aligned(SMALL, PROT_READ, MAP_SHARED, fd, 0);
	SNAP(a);
	sink = touch_read(m, SMALL, (size_t)page);
	delta_t d = since(a);
	row("majflt", d.majflt, "majflt", "exact");
	row("minflt", d.minflt, "minflt", "exact");
	row("cached_pages", resident(m, SMALL), "file=data:cached_pages", "exact");
	fstat(fd, &st);
	row("disk_pages", (double)st.st_blocks * 512 / page, "file=data:disk_pages", "exact");
	trace_header("reads of every page of a 4 MiB sparse file (all holes)");
	tr("file data size=4M sparse");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 4M r shared fd=3", TRACE_BASE);
	tr("1 seq r 0x%lx 4M", TRACE_BASE);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Read one byte; 1 when it raised SIGBUS. */
static int read_or_bus(const volatile char *a)
{
	if (sigsetjmp(bus_jmp, 1))
		return 1;
	sink = (unsigned char)*a;
	return 0;
}

/* Truncate a mapped file: the pages past EOF raise SIGBUS. */
static void w_truncate(void)
{
	int fd = make_file("data", 16 * KIB, 4 * KIB);
	char *m = map_aligned(16 * KIB, PROT_READ, MAP_SHARED, fd, 0);
	sink = touch_read(m, 16 * KIB, (size_t)page);
	struct sigaction sa = { .sa_handler = on_sigbus };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	if (ftruncate(fd, (off_t)page) != 0)
		die("ftruncate: %s", strerror(errno));
	int bus = read_or_bus(m) * 100;
	for (int i = 1; i < 4; i++)
		bus += read_or_bus(m + i * page);
	row("sigbus", bus, "sigbus@cut", "exact");
	if (ftruncate(fd, 16 * KIB) != 0)
		die("ftruncate: %s", strerror(errno));
	SNAP(a);
	int bus2 = read_or_bus(m + page);
	delta_t d = since(a);
	row("sigbus_after_grow", bus2, "sigbus-sigbus@cut", "exact");
	row("regrown_majflt", d.majflt, "majflt-majflt@cut", "exact");
	row("regrown_minflt", d.minflt, "minflt-minflt@cut", "exact");
	trace_header("a 16 KiB file mapped and read, truncated to 4 KiB, every "
		     "page read, grown back to 16 KiB, page 1 read");
	tr("file data size=16K cached");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 16K r shared fd=3", TRACE_BASE);
	tr("1 seq r 0x%lx 16K", TRACE_BASE);
	tr("1 catch sigbus");
	tr("1 ftruncate 3 4K");
	tr("1 seq r 0x%lx 16K", TRACE_BASE);
	tr("1 note @cut");
	tr("1 ftruncate 3 16K");
	tr("1 r 0x%lx", TRACE_BASE + (unsigned long)page);
}

/* close() and unlink() do not end a mapping. */
static void w_unlink(void)
{
	int fd = make_file("data", 64 * KIB, 4 * KIB);
	char *m = map_aligned(64 * KIB, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	unlink(path_of("data"));
	struct sigaction sa = { .sa_handler = on_sigbus };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	/* what the loop touches besides the mapping (read_or_bus's jump
	 * buffer, wherever the link put it; snap()'s pages) is touched
	 * before, so that it does not count */
	volatile char here = 0;
	read_or_bus(&here);
	warm_up();
	SNAP(a);
	int bus = 0;
	for (int i = 0; i < 16; i++)
		bus += read_or_bus(m + i * page);
	delta_t d = since(a);
	row("sigbus", bus, "sigbus", "exact");
	row("minflt", d.minflt, "minflt", "exact");
	row("majflt", d.majflt, "majflt", "exact");
	row("rss_pages", smaps_pages(m, "Rss"), "pid=1:rss_file", "exact");
	trace_header("a cached 64 KiB file mapped, closed and unlinked, then read");
	tr("file data size=64K cached");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 64K r shared fd=3", TRACE_BASE);
	tr("1 close 3");
	tr("1 unlink data");
	tr("1 catch sigbus");
	tr("1 seq r 0x%lx 64K", TRACE_BASE);
}

#define RVM (16 * MIB)

/* read() against mmap for the same cached 16 MiB. */
static void w_read_vs_mmap(void)
{
	int fd = make_file("data", RVM, 4 * KIB);
	char *buf = malloc(4 * KIB);
	memset(buf, 0, 4 * KIB);
	SNAP(a);
	for (size_t off = 0; off < RVM; off += 4 * KIB)
		if (pread(fd, buf, 4 * KIB, (off_t)off) != (ssize_t)(4 * KIB))
			die("pread: %s", strerror(errno));
	delta_t d = since(a);
	free(buf);
	row("read_minflt", d.minflt, "minflt@read", "exact");
	row("read_ns_per_call", d.ns / (RVM / (4 * KIB)), "sim_time_ns@read/4096", "factor:2");
	char *m = map_aligned(RVM, PROT_READ, MAP_SHARED, fd, 0);
	a = snap();
	sink = touch_read(m, RVM, (size_t)page);
	d = since(a);
	row("mmap_minflt", d.minflt, "minflt-minflt@read", "exact");
	row("mmap_ns_per_page", d.ns / (RVM / page),
	    "sim_time_ns-sim_time_ns@read/4096", "factor:3");
	trace_header("a cached 16 MiB file read with 4 KiB pread() calls, then "
		     "through a shared mapping");
	tr("file data size=16M cached");
	tr("1 open data fd=3");
	for (size_t off = 0; off < RVM; off += 4 * KIB)
		tr("1 read 3 %zu 4K", off);
	tr("1 note @read");
	tr("1 mmap 0x%lx 16M r shared fd=3", TRACE_BASE);
	tr("1 seq r 0x%lx 16M", TRACE_BASE);
}

#define SWEEP (8 * MIB)

/* Touch every k-th page of a cached file for k = 1..64: the fault count
 * stays at one per fault-around window until the stride passes it. */
static void w_stride(void)
{
	int fd = make_file("data", SWEEP, 4 * KIB);
	trace_header("every k-th page of a cached 8 MiB file, k = 1, 2, 4 ... 64, "
		     "each through a new shared mapping");
	tr("file data size=8M cached");
	tr("1 open data fd=3");
	char prev[32] = "";
	for (int k = 1; k <= 64; k *= 2) {
		char *m = map_aligned(SWEEP, PROT_READ, MAP_SHARED, fd, 0);
		SNAP(a);
		sink = touch_read(m, SWEEP, (size_t)k * (size_t)page);
		delta_t d = since(a);
		munmap(m, SWEEP);
		char metric[32], sim[96];
		snprintf(metric, sizeof(metric), "minflt_stride_%d", k);
		snprintf(sim, sizeof(sim), "minflt@s%d%s%s", k, prev[0] ? "-minflt@" : "", prev);
		row(metric, d.minflt, sim, "exact");
		tr("1 mmap 0x%lx 8M r shared fd=3", TRACE_BASE);
		tr("1 seq r 0x%lx 8M stride=%dK", TRACE_BASE, k * (int)(page / 1024));
		tr("1 munmap 0x%lx 8M", TRACE_BASE);
		tr("1 note @s%d", k);
		snprintf(prev, sizeof(prev), "s%d", k);
	}
}

#define WN (16 * MIB)

/* MADV_WILLNEED reads ahead; the scan after it waits for nothing. */
static void w_willneed(void)
{
	int fd = make_file("data", WN, 4 * KIB);
	evict(fd, WN);
	char *m = map_aligned(WN, PROT_READ, MAP_SHARED, fd, 0);
	SNAP(a);
	if (madvise(m, WN, MADV_WILLNEED) != 0)
		skip("madvise(MADV_WILLNEED): %s", strerror(errno));
	delta_t d = since(a);
	(void)d;
	/* let the reads it started finish, as the trace's sleep does */
	usleep(200000);
	row("cached_pages", resident_settled(m, WN), "file=data:cached_pages@advised", "exact");
	a = snap();
	sink = touch_read(m, WN, (size_t)page);
	d = since(a);
	row("majflt", d.majflt, "majflt-majflt@advised", "exact");
	row("minflt", d.minflt, "minflt-minflt@advised", "pct:10");
	trace_header("MADV_WILLNEED on a cold 16 MiB file, 200 ms, then a scan");
	tr("file data size=16M");
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 16M r shared fd=3", TRACE_BASE);
	tr("1 madvise 0x%lx 16M willneed", TRACE_BASE);
	tr("1 sleep 200ms");
	tr("1 note @advised");
	tr("1 seq r 0x%lx 16M", TRACE_BASE);
}

/* MADV_DONTNEED drops anonymous pages: the next reads find zeros. */
static void w_dontneed(void)
{
	char *m = map_aligned(SMALL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch_write(m, SMALL, (size_t)page);
	if (madvise(m, SMALL, MADV_DONTNEED) != 0)
		skip("madvise(MADV_DONTNEED): %s", strerror(errno));
	row("rss_after", smaps_pages(m, "Rss"), "pid=1:rss_anon@dropped", "exact");
	SNAP(a);
	sink = touch_read(m, SMALL, (size_t)page);
	delta_t d = since(a);
	if (sink != 0)
		die("MADV_DONTNEED left data behind");
	row("reread_minflt", d.minflt, "minflt-minflt@dropped", "exact");
	row("reread_rss", smaps_pages(m, "Rss"), "pid=1:rss_anon", "exact");
	trace_header("4 MiB of anonymous memory written, MADV_DONTNEED, read again");
	tr("1 mmap 0x%lx 4M rw private anon", TRACE_BASE);
	tr("1 seq w 0x%lx 4M", TRACE_BASE);
	tr("1 madvise 0x%lx 4M dontneed", TRACE_BASE);
	tr("1 note @dropped");
	tr("1 seq r 0x%lx 4M", TRACE_BASE);
}

/* ---- page tables freed before exit --------------------------------------- */

/* /proc/self/status's VmPTE in pages: every table below the top level
 * (mm_pgtables_bytes). */
static long pte_pages(void)
{
	long long kb = field_of("/proc/self/status", "VmPTE:");
	if (kb < 0)
		skip("no VmPTE in /proc/self/status");
	return (long)(kb * 1024 / page);
}

/* A private anonymous mapping exactly at @addr, without huge pages. */
static char *map_at(unsigned long addr, size_t len, int prot)
{
	char *p = mmap((void *)addr, len, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != (char *)addr)
		skip("mmap at 0x%lx: %s", addr, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/*
 * When page tables go before exit (mmu.free_tables).  At 32 TiB, where no
 * other mapping shares even the top-level entry, 64 MiB written takes a
 * PUD, a PMD and 32 leaf tables.  MADV_DONTNEED over all of it frees the
 * leaf tables it empties on a kernel with page-table reclaim (6.14,
 * CONFIG_PT_RECLAIM), none over 2 MiB that straddle two tables; munmap
 * frees them all (free_pgtables).  Then the floor and the ceiling: a
 * leaf table shared with the next mapping (or the one below) stays when
 * its neighbour goes, and goes with the last of them.
 */
#define PT_BASE 0x200000000000UL

static void w_page_tables(void)
{
	size_t len = 64 * MIB;
	long base = pte_pages();
	char *m = map_at(PT_BASE, len, PROT_READ | PROT_WRITE);
	touch_write(m, len, (size_t)page);
	row("written_tables", pte_pages() - base, "pt_pages@written-pt_pages@base", "exact");
	if (madvise(m, len, MADV_DONTNEED) != 0)
		skip("madvise(MADV_DONTNEED): %s", strerror(errno));
	row("dontneed_tables", pte_pages() - base, "pt_pages@dropped-pt_pages@base", "exact");
	touch_write(m, len, (size_t)page);
	madvise(m + MIB, 2 * MIB, MADV_DONTNEED);
	row("straddle_tables", pte_pages() - base,
	    "pt_pages@straddled-pt_pages@base", "exact");
	munmap(m, len);
	row("munmap_tables", pte_pages() - base, "pt_pages@unmapped-pt_pages@base", "exact");
	/* a ceiling: A's second leaf table also maps C */
	char *a = map_at(PT_BASE, 3 * MIB, PROT_READ | PROT_WRITE);
	char *c = map_at(PT_BASE + 3 * MIB, MIB, PROT_READ);
	touch_write(a, 3 * MIB, (size_t)page);
	sink = touch_read(c, MIB, (size_t)page);
	munmap(a, 3 * MIB);
	row("ceiling_kept", pte_pages() - base, "pt_pages@a_gone-pt_pages@base", "exact");
	munmap(c, MIB);
	row("ceiling_gone", pte_pages() - base, "pt_pages@c_gone-pt_pages@base", "exact");
	/* a floor: the part left below shares the first leaf table */
	a = map_at(PT_BASE, 4 * MIB, PROT_READ | PROT_WRITE);
	touch_write(a, 4 * MIB, (size_t)page);
	munmap(a + MIB, 3 * MIB);
	row("floor_kept", pte_pages() - base, "pt_pages@top_gone-pt_pages@base", "exact");
	munmap(a, MIB);
	trace_header("64 MiB written at 32 TiB, MADV_DONTNEED over all of it, written "
		     "again, MADV_DONTNEED of 2 MiB across two leaf tables, munmap; "
		     "then a mapping unmapped below a neighbour and above one");
	tr("1 note @base");
	tr("1 mmap 0x%lx 64M rw private anon", PT_BASE);
	tr("1 madvise 0x%lx 64M nohugepage", PT_BASE);
	tr("1 seq w 0x%lx 64M", PT_BASE);
	tr("1 note @written");
	tr("1 madvise 0x%lx 64M dontneed", PT_BASE);
	tr("1 note @dropped");
	tr("1 seq w 0x%lx 64M", PT_BASE);
	tr("1 madvise 0x%lx 2M dontneed", PT_BASE + MIB);
	tr("1 note @straddled");
	tr("1 munmap 0x%lx 64M", PT_BASE);
	tr("1 note @unmapped");
	tr("1 mmap 0x%lx 3M rw private anon", PT_BASE);
	tr("1 mmap 0x%lx 1M r private anon", PT_BASE + 3 * MIB);
	tr("1 madvise 0x%lx 4M nohugepage", PT_BASE);
	tr("1 seq w 0x%lx 3M", PT_BASE);
	tr("1 seq r 0x%lx 1M", PT_BASE + 3 * MIB);
	tr("1 munmap 0x%lx 3M", PT_BASE);
	tr("1 note @a_gone");
	tr("1 munmap 0x%lx 1M", PT_BASE + 3 * MIB);
	tr("1 note @c_gone");
	tr("1 mmap 0x%lx 4M rw private anon", PT_BASE);
	tr("1 madvise 0x%lx 4M nohugepage", PT_BASE);
	tr("1 seq w 0x%lx 4M", PT_BASE);
	tr("1 munmap 0x%lx 3M", PT_BASE + MIB);
	tr("1 note @top_gone");
}

/* ---- several CPUs: TLB shootdowns ---------------------------------------- */

/*
 * madvise(MADV_DONTNEED) of 16 written pages, SD_ROUNDS times, first by a
 * single-threaded process, then with a second thread spinning on CPU 1
 * (reading the region, so CPU 1 runs the mm): every call must then
 * interrupt CPU 1 to flush its TLB.  Measured: the time per madvise call
 * (the calls alone), and the TLB-shootdown interrupts /proc/interrupts
 * counts ("TLB:" row, every CPU) per call.  What is measurable here: the
 * extra latency an IPI adds to the call and how many IPIs go out.  What
 * is not: the flushes themselves, lazy-TLB skips and ASID generations
 * (no counter without CONFIG_DEBUG_TLBFLUSH and root), and on a host with
 * other load the TLB row also counts other processes' shootdowns (the
 * tolerance allows for it).  Needs 2 CPUs.
 */
#define SD_ROUNDS 200
#define SD_LEN (16 * 4096)

static volatile int sd_stop;
static volatile char *sd_buf;

/* The sum of the "TLB:" row of /proc/interrupts (x86), -1 without it. */
static long tlb_interrupts(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[8192];
	long sum = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "TLB:", 4) != 0)
			continue;
		p += 4;
		sum = 0;
		for (;;) {
			char *e;
			long v = strtol(p, &e, 10);
			if (e == p)
				break;
			sum += v;
			p = e;
		}
	}
	fclose(f);
	return sum;
}

static void pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		skip("sched_setaffinity(CPU %d): %s", cpu, strerror(errno));
}

static void *sd_spin(void *arg)
{
	(void)arg;
	pin_to(1);
	while (!sd_stop)
		sink += sd_buf[0];
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The median ns of a madvise over SD_ROUNDS calls, each after writing the
 * pages (the median: on a loaded host a call is now and then preempted,
 * and a mean would measure the other load). */
static double sd_rounds(char *m, long *tlb)
{
	static uint64_t ns[SD_ROUNDS];
	long t0 = tlb_interrupts();
	for (int r = 0; r < SD_ROUNDS; r++) {
		for (size_t o = 0; o < SD_LEN; o += (size_t)page)
			m[o] = 1;
		uint64_t a = now_ns();
		if (madvise(m, SD_LEN, MADV_DONTNEED) != 0)
			skip("madvise(MADV_DONTNEED): %s", strerror(errno));
		ns[r] = now_ns() - a;
	}
	*tlb = t0 < 0 ? -1 : tlb_interrupts() - t0;
	qsort(ns, SD_ROUNDS, sizeof ns[0], cmp_u64);
	return (double)ns[SD_ROUNDS / 2];
}

static void w_shootdown(void)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip("needs 2 CPUs: a shootdown interrupts another CPU");
	if (tlb_interrupts() < 0)
		skip("no TLB row in /proc/interrupts (not x86?)");
	char *m = map_aligned(2 * MIB, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pin_to(0);
	long tlb1, tlb2;
	double ns1 = sd_rounds(m, &tlb1);
	sd_buf = m + SD_LEN;   /* a page of the mapping, outside the range */
	pthread_t th;
	if (pthread_create(&th, NULL, sd_spin, NULL) != 0)
		skip("pthread_create failed");
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);   /* the spinner is running on CPU 1 */
	double ns2 = sd_rounds(m, &tlb2);
	sd_stop = 1;
	pthread_join(th, NULL);
	row("ipis_per_call_1thread", (double)tlb1 / SD_ROUNDS,
	    "ipis_sent@one/200", "abs:0.5");
	/* expressions run left to right: (a - b) / 200 */
	row("ipis_per_call_2threads", (double)tlb2 / SD_ROUNDS,
	    "ipis_sent-ipis_sent@one/200", "abs:0.5");
	/* the call alone has no statistic of its own in the replay (its
	 * rounds' writes fault): a fact, not a row */
	printf("fact madvise_ns_1thread %.0f\n", ns1);
	printf("fact madvise_ns_2threads %.0f\n", ns2);
	/* what one IPI adds to the call: the difference of the two phases
	 * (each the same writes and calls) */
	row("ipi_ns_per_call", ns2 - ns1,
	    "pid=1:cpu_ns-pid=1:cpu_ns@one-pid=1:cpu_ns@one/200", "factor:5");
	printf("fact tlb_interrupts_1thread %ld\n", tlb1);
	printf("fact tlb_interrupts_2threads %ld\n", tlb2);
	trace_header("madvise(DONTNEED) of 16 written pages, 200 times alone, "
		     "then 200 times with a second thread running on CPU 1");
	tr("set cpus=2");
	tr("1 mmap 0x%lx 2M rw private anon", TRACE_BASE);
	for (int r = 0; r < SD_ROUNDS; r++) {
		tr("1 seq w 0x%lx 64K", TRACE_BASE);
		tr("1 madvise 0x%lx 64K dontneed", TRACE_BASE);
	}
	tr("1 note @one");
	tr("1 clone 2");
	tr("2 pin 1");
	tr("2 r 0x%lx", TRACE_BASE + SD_LEN);
	for (int r = 0; r < SD_ROUNDS; r++) {
		tr("1 seq w 0x%lx 64K", TRACE_BASE);
		tr("1 madvise 0x%lx 64K dontneed", TRACE_BASE);
	}
}

/* ---- pressure: workloads in a memory cgroup ---------------------------- */

#define PLIMIT (32 * MIB)          /* every pressure workload's limit */

/*
 * The tolerances come from 5 runs on a 6.18 host (cgroup v1, docs/
 * validation.md): exact where those repeated exactly (MADV_RANDOM's first
 * pass, the OOM kills, the two processes' pages, no major faults while
 * writing); otherwise the spread seen, rounded up: readahead's few major
 * faults per pass (2..4: abs:2), the refaults per pass with readahead
 * (19 %), the pages at the kill (8144..8145), the MADV_RANDOM passes
 * (12280..12288).
 */

static const char *cg_dir;         /* $VMPROBE_CGROUP */
static int cg_version;             /* 1 or 2 */

/* A counter of the cgroup: "KEY N" in @file (memory.stat, memory.events,
 * memory.oom_control); -1 when the kernel has no such counter. */
static long cg_read(const char *file, const char *key)
{
	char path[4096], prefix[128];
	snprintf(path, sizeof(path), "%s/%s", cg_dir, file);
	snprintf(prefix, sizeof(prefix), "%s ", key);
	return (long)field_of(path, prefix);
}

typedef struct {
	long pgfault, pgmajfault, refault, activate, oom_kill;
} cgsnap_t;

static cgsnap_t cgsnap(void)
{
	cgsnap_t c;
	c.pgfault = cg_read("memory.stat", "pgfault");
	c.pgmajfault = cg_read("memory.stat", "pgmajfault");
	c.refault = cg_read("memory.stat", "workingset_refault_file");
	if (c.refault < 0)        /* before 5.9: one counter for both */
		c.refault = cg_read("memory.stat", "workingset_refault");
	c.activate = cg_read("memory.stat", "workingset_activate_file");
	if (c.activate < 0)
		c.activate = cg_read("memory.stat", "workingset_activate");
	c.oom_kill = cg_read(cg_version == 2 ? "memory.events" : "memory.oom_control",
			     "oom_kill");
	return c;
}

/*
 * The end of the set-up: ask validate for a cgroup of @limit bytes without
 * swap, and wait until the probe is in it.  What was touched so far stays
 * charged where it was (cgroup v1 and v2 do not move charges with a task).
 */
static void pressure_begin(size_t limit)
{
	printf("ready limit=%zu\n", limit);
	fflush(stdout);
	char c = 0;
	if (read(0, &c, 1) != 1 || c != 'g')
		skip("validate did not put the probe in a memory cgroup");
	warm_up();
}

/* Skip at once when not run by validate with a cgroup. */
static void pressure_check(void)
{
	const char *v = getenv("VMPROBE_CGROUP_VERSION");
	cg_dir = getenv("VMPROBE_CGROUP");
	if (!cg_dir || !*cg_dir || !v)
		skip("needs a memory cgroup: vmscope validate makes one when it "
		     "runs as root on a host with a writable memory controller");
	cg_version = atoi(v);
}

/*
 * The header every pressure trace shares: the machine keeps the host's
 * size, and the workload runs in a memory cgroup of the probe's limit
 * without swap (docs/format.md, Memory cgroups), made by pressure_enter
 * after the file headers, as validate makes the host's.
 */
static void pressure_header(const char *what)
{
	trace_header(what);
}

/* The probe enters its cgroup: the first events of a pressure trace.
 * What the probe set up before (its files, written and evicted) is
 * charged nowhere in the replay, as it stays charged outside on the host. */
static void pressure_enter(void)
{
	tr("1 cgroup create probe max=%zuM swap.max=0", (size_t)PLIMIT / MIB);
	tr("1 cgroup enter probe");
}

#define PLOOP (48 * MIB)
#define PASSES 4

/* A 48 MiB file read through a mapping, PASSES times, under 32 MiB: from the
 * second pass on, each pass finds the pages it needs evicted. */
static void file_loop(int advice, const char *adv_name, const char *what)
{
	pressure_check();
	int fd = make_file("data", PLOOP, 4 * KIB);
	evict(fd, PLOOP);
	char *m = map_aligned(PLOOP, PROT_READ, MAP_SHARED, fd, 0);
	if (advice != MADV_NORMAL && madvise(m, PLOOP, advice) != 0)
		skip("madvise(%s): %s", adv_name, strerror(errno));
	pressure_begin(PLIMIT);
	snap_t a[PASSES + 1];
	cgsnap_t c[PASSES + 1];
	c[0] = cgsnap();
	a[0] = snap();
	for (int p = 1; p <= PASSES; p++) {
		sink = touch_read(m, PLOOP, (size_t)page);
		a[p] = snap();
		c[p] = cgsnap();
	}
	double n = PASSES - 1;
	const char *tol = advice == MADV_RANDOM ? "pct:1" : "abs:2";
	row("first_majflt", a[1].majflt - a[0].majflt, "majflt@p1",
	    advice == MADV_RANDOM ? "exact" : "abs:2");
	row("first_minflt", a[1].minflt - a[0].minflt, "minflt@p1",
	    advice == MADV_RANDOM ? "exact" : "pct:40");
	row("majflt_per_pass", (a[PASSES].majflt - a[1].majflt) / n,
	    "majflt@p4-majflt@p1/3", tol);
	row("minflt_per_pass", (a[PASSES].minflt - a[1].minflt) / n,
	    "minflt@p4-minflt@p1/3", "pct:10");
	row("cg_pgmajfault_per_pass", (c[PASSES].pgmajfault - c[1].pgmajfault) / n,
	    "majflt@p4-majflt@p1/3", tol);
	/* pages read back whose eviction left a shadow entry, on both
	 * sides (memory.stat workingset_refault_file) */
	row("cg_refault_per_pass", (c[PASSES].refault - c[1].refault) / n,
	    "workingset_refault_file@p4-workingset_refault_file@p1/3",
	    advice == MADV_RANDOM ? "pct:1" : "pct:20");
	printf("fact cg_activate_per_pass %.1f\n",
	       (c[PASSES].activate - c[1].activate) / n);
	row("ms_per_pass", (a[PASSES].ns - a[1].ns) / n / 1e6,
	    "sim_time_ns@p4-sim_time_ns@p1/3000000", "factor:3");
	pressure_header(what);
	tr("file data size=48M");
	pressure_enter();
	tr("1 open data fd=3");
	tr("1 mmap 0x%lx 48M r shared fd=3", TRACE_BASE);
	if (advice != MADV_NORMAL)
		tr("1 madvise 0x%lx 48M %s", TRACE_BASE, adv_name);
	for (int p = 1; p <= PASSES; p++) {
		tr("1 seq r 0x%lx 48M", TRACE_BASE);
		tr("1 note @p%d", p);
	}
}

static void w_pressure_loop(void)
{
	file_loop(MADV_NORMAL, "normal", "a 48 MiB file read through a mapping "
		  "4 times in a 32 MiB memory cgroup");
}

static void w_pressure_loop_random(void)
{
	file_loop(MADV_RANDOM, "random", "a 48 MiB file read through a mapping "
		  "with MADV_RANDOM 4 times in a 32 MiB memory cgroup");
}

#define PWS (16 * MIB)
#define PSCAN (64 * MIB)

/* A 16 MiB working set read 3 times, a one-off 64 MiB scan, the working set
 * again: does it survive the scan? */
static void w_pressure_scan(void)
{
	pressure_check();
	int fa = make_file("hot", PWS, 4 * KIB);
	evict(fa, PWS);
	int fb = make_file("scan", PSCAN, 4 * KIB);
	evict(fb, PSCAN);
	char *ma = map_aligned(PWS, PROT_READ, MAP_SHARED, fa, 0);
	char *mb = map_aligned(PSCAN, PROT_READ, MAP_SHARED, fb, 0);
	pressure_begin(PLIMIT);
	for (int p = 0; p < 3; p++)
		sink = touch_read(ma, PWS, (size_t)page);
	SNAP(a0);
	cgsnap_t c0 = cgsnap();
	sink = touch_read(mb, PSCAN, (size_t)page);
	SNAP(a1);
	cgsnap_t c1 = cgsnap();
	sink = touch_read(ma, PWS, (size_t)page);
	SNAP(a2);
	cgsnap_t c2 = cgsnap();
	/* the host's own spread: 3 to 6 over 5 runs (docs/validation.md) */
	row("scan_majflt", a1.majflt - a0.majflt, "majflt@scanned-majflt@warm", "abs:3");
	row("hot_majflt_after", a2.majflt - a1.majflt, "majflt-majflt@scanned", "abs:2");
	row("hot_minflt_after", a2.minflt - a1.minflt, "minflt-minflt@scanned", "pct:2");
	/* the host has two modes here, 4,096 to 4,607 refaults or 6,536 to
	 * 6,588 (readahead beyond the working set evicted before use and
	 * read again), 2,492 apart over 10 runs (docs/validation.md) */
	row("cg_refault_after", c2.refault - c1.refault,
	    "workingset_refault_file-workingset_refault_file@scanned", "abs:2500");
	printf("fact cg_refault_during_scan %ld\n", c1.refault - c0.refault);
	pressure_header("a 16 MiB working set read 3 times through a mapping, a "
			"64 MiB file read once, the working set again, in a 32 MiB "
			"memory cgroup");
	tr("file hot size=16M");
	tr("file scan size=64M");
	pressure_enter();
	tr("1 open hot fd=3");
	tr("1 open scan fd=4");
	tr("1 mmap 0x%lx 16M r shared fd=3", TRACE_BASE);
	tr("1 mmap 0x%lx 64M r shared fd=4", TRACE_BASE + 64 * MIB);
	for (int p = 0; p < 3; p++)
		tr("1 seq r 0x%lx 16M", TRACE_BASE);
	tr("1 note @warm");
	tr("1 seq r 0x%lx 64M", TRACE_BASE + 64 * MIB);
	tr("1 note @scanned");
	tr("1 seq r 0x%lx 16M", TRACE_BASE);
}

/* A child that writes every page of @len of anonymous memory, counting
 * them in *@done; then, with @ack_fd >= 0, says so there and holds its
 * memory until a signal ends it.  Returns its pid; it dies with the probe. */
static pid_t anon_child(size_t len, volatile long *done, int ack_fd)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		_exit(1);
	madvise(m, len, MADV_NOHUGEPAGE);
	for (size_t o = 0; o < len; o += (size_t)page) {
		m[o] = 1;
		(*done)++;
	}
	if (ack_fd >= 0) {              /* hold the memory until a signal */
		if (write(ack_fd, "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	_exit(0);
}

/* The counters the children keep, in a shared page touched before the
 * probe enters the cgroup (so charged outside it). */
static volatile long *shared_counters(void)
{
	volatile long *c = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	c[0] = c[1] = 0;
	return c;
}

#define PANON (64 * MIB)

/* Anonymous memory past the limit, no swap: the OOM killer, and when. */
static void w_pressure_oom(void)
{
	pressure_check();
	volatile long *done = shared_counters();
	pressure_begin(PLIMIT);
	cgsnap_t c0 = cgsnap();
	pid_t pid = anon_child(PANON, &done[0], -1);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid: %s", strerror(errno));
	cgsnap_t c1 = cgsnap();
	int killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	printf("fact child %s\n", killed ? "killed (SIGKILL)" : "not killed");
	row("oom_kills", c1.oom_kill - c0.oom_kill, "oom_kills", "exact");
	row("pages_at_kill", done[0], "pid=2:minflt", "pct:1");
	pressure_header("a child writes 64 MiB of anonymous memory in a 32 MiB "
			"memory cgroup without swap");
	pressure_enter();
	tr("1 fork 2");
	tr("2 mmap 0x%lx 64M rw private anon", TRACE_BASE);
	tr("2 seq w 0x%lx 64M", TRACE_BASE);
}

#define PA (20 * MIB)
#define PB (24 * MIB)

/* Write @adj to /proc/self/oom_score_adj, which a child forked after
 * inherits.  Raising it, and lowering it back to 0, needs no privilege;
 * lowering it below takes CAP_SYS_RESOURCE, which a container's root may
 * lack. */
static void set_oom_score_adj(int adj)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%d", adj);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		skip("cannot set oom_score_adj to %d: %s", adj, strerror(errno));
	close(fd);
}

/*
 * Two processes: A writes 20 MiB and holds it, then B writes 24 MiB, with
 * oom_score_adj @adj (set in the probe around the fork of B, which
 * inherits it), in the 32 MiB cgroup without swap.  At the limit the OOM
 * killer takes A, the bigger, when @adj is 0, and B finishes; at 500 B
 * counts 500 x (8192 / 1000) = 4000 points more, about 7,000 against A's
 * 5,130, and B goes.
 */
static void pressure_two(int adj)
{
	pressure_check();
	volatile long *done = shared_counters();
	int ack[2];
	if (pipe(ack) != 0)
		die("pipe: %s", strerror(errno));
	pressure_begin(PLIMIT);
	cgsnap_t c0 = cgsnap();
	pid_t a = anon_child(PA, &done[0], ack[1]);
	char c;
	if (read(ack[0], &c, 1) != 1)
		die("process A failed before holding its memory");
	if (adj)
		set_oom_score_adj(adj);
	pid_t b = anon_child(PB, &done[1], -1);
	if (adj)
		set_oom_score_adj(0);
	int sa, sb;
	if (waitpid(b, &sb, 0) != b)
		die("waitpid: %s", strerror(errno));
	cgsnap_t c1 = cgsnap();
	kill(a, SIGTERM);               /* A's end, if the OOM killer spared it */
	if (waitpid(a, &sa, 0) != a)
		die("waitpid: %s", strerror(errno));
	int a_oom = WIFSIGNALED(sa) && WTERMSIG(sa) == SIGKILL;
	int b_oom = WIFSIGNALED(sb) && WTERMSIG(sb) == SIGKILL;
	printf("fact killed %s\n", a_oom && b_oom ? "A_and_B" : a_oom ? "A_(20_MiB,_the_bigger)"
	       : b_oom ? "B_(the_one_allocating)" : "none");
	row("oom_kills", c1.oom_kill - c0.oom_kill, "oom_kills", "exact");
	row("a_pages", done[0], "pid=2:minflt", "exact");
	if (!adj) {
		/* B writes every page only if the killer took A, not B */
		row("b_pages", done[1], "pid=3:minflt", "exact");
		pressure_header("process A writes 20 MiB of anonymous memory and holds it, "
				"then process B writes 24 MiB, in a 32 MiB memory cgroup "
				"without swap");
	} else {
		/* B's pages when it was killed: what the cgroup held beside
		 * A.  Each real child charges about 28 pages there that the
		 * replay's does not (its kernel stack and slab, the probe's
		 * pages its first writes copy: pressure-anon-oom's
		 * pages_at_kill is 28 over for one child), 57 for these two */
		row("b_pages", done[1], "pid=3:minflt", "abs:100");
		pressure_header("process A writes 20 MiB of anonymous memory and holds it, "
				"then process B writes 24 MiB with oom_score_adj 500, in a "
				"32 MiB memory cgroup without swap");
	}
	pressure_enter();
	tr("1 fork 2");
	tr("2 mmap 0x%lx 20M rw private anon", TRACE_BASE);
	tr("2 seq w 0x%lx 20M", TRACE_BASE);
	if (adj)
		tr("1 oom_score_adj %d", adj);
	tr("1 fork 3");
	if (adj)
		tr("1 oom_score_adj 0");
	tr("3 mmap 0x%lx 24M rw private anon", TRACE_BASE + 64 * MIB);
	tr("3 seq w 0x%lx 24M", TRACE_BASE + 64 * MIB);
}

static void w_pressure_two(void)
{
	pressure_two(0);
}

static void w_pressure_oom_adj(void)
{
	pressure_two(500);
}

#define PDIRTY (64 * MIB)

/* write() of 64 MiB to a new file under the limit: the dirty pages must
 * be written back before they can be reclaimed (writeback throttling). */
static void w_pressure_dirty(void)
{
	pressure_check();
	char *p = path_of("data");
	unlink(p);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("%s: %s", p, strerror(errno));
	char *buf = malloc(64 * KIB);
	if (!buf)
		die("out of memory");
	memset(buf, 'd', 64 * KIB);
	pressure_begin(PLIMIT);
	cgsnap_t c0 = cgsnap();
	SNAP(a0);
	for (size_t off = 0; off < PDIRTY; off += 64 * KIB)
		if (write(fd, buf, 64 * KIB) != (ssize_t)(64 * KIB))
			die("write: %s", strerror(errno));
	SNAP(a1);
	if (fsync(fd) != 0)
		die("fsync: %s", strerror(errno));
	SNAP(a2);
	cgsnap_t c1 = cgsnap();
	free(buf);
	row("write_majflt", a1.majflt - a0.majflt, "majflt@written", "exact");
	row("cg_pgmajfault", c1.pgmajfault - c0.pgmajfault, "majflt", "exact");
	row("write_us_per_mib", (a1.ns - a0.ns) / 1e3 / (PDIRTY / MIB),
	    "sim_time_ns@written/64000", "factor:3");
	row("fsync_ms", (a2.ns - a1.ns) / 1e6,
	    "sim_time_ns-sim_time_ns@written/1000000", "factor:5");
	pressure_header("64 MiB written to a new file with 64 KiB write() calls, "
			"then fsync, in a 32 MiB memory cgroup");
	pressure_enter();
	tr("1 open data fd=3 create");
	for (size_t off = 0; off < PDIRTY; off += 64 * KIB)
		tr("1 write 3 %zu 64K", off);
	tr("1 note @written");
	tr("1 fsync 3");
}

static const struct {
	const char *name;
	void (*fn)(void);
} workloads[] = {
	{ "cached-scan", w_cached_scan },
	{ "cached-scan-1m", w_cached_scan_1m },
	{ "cold-touch-start", w_cold_touch_start },
	{ "cold-touch-middle", w_cold_touch_middle },
	{ "cold-scan", w_cold_scan },
	{ "cold-scan-sequential", w_cold_scan_seq },
	{ "cold-scan-random", w_cold_scan_random },
	{ "cold-scan-1m", w_cold_scan_1m },
	{ "cold-random", w_cold_random },
	{ "cold-random-madv", w_cold_random_madv },
	{ "private-write", w_private_write },
	{ "private-read-write", w_private_read_write },
	{ "read-readahead", w_read_readahead },
	{ "shared-write-msync", w_shared_msync },
	{ "shared-write-1m", w_shared_write_1m },
	{ "anon-read-write", w_anon_rw },
	{ "anon-mremap", w_anon_mremap },
	{ "thp-mremap", w_thp_mremap },
	{ "fork-cow", w_fork_cow },
	{ "fork-shared-anon", w_fork_shared },
	{ "shared-anon-read", w_shared_anon_read },
	{ "tmpfs-file", w_tmpfs_file },
	{ "thp-madvise", w_thp_madvise },
	{ "thp-file", w_thp_file },
	{ "thp-file-cold", w_thp_file_cold },
	{ "thp-shmem", w_thp_shmem },
	{ "sparse-holes", w_sparse },
	{ "truncate-sigbus", w_truncate },
	{ "unlink-mmap", w_unlink },
	{ "read-vs-mmap", w_read_vs_mmap },
	{ "stride-sweep", w_stride },
	{ "madv-willneed", w_willneed },
	{ "madv-dontneed", w_dontneed },
	{ "page-tables", w_page_tables },
	{ "shootdown-threads", w_shootdown },
	/* in a memory cgroup (validate makes it): names start pressure- */
	{ "pressure-file-loop", w_pressure_loop },
	{ "pressure-file-loop-random", w_pressure_loop_random },
	{ "pressure-scan", w_pressure_scan },
	{ "pressure-anon-oom", w_pressure_oom },
	{ "pressure-two-procs", w_pressure_two },
	{ "pressure-oom-adj", w_pressure_oom_adj },
	{ "pressure-dirty-writer", w_pressure_dirty },
};

/* ---- calibration -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of 5 runs of @fn, so one preemption does not skew a cost. */
static double median5(double (*fn)(void))
{
	double v[5];
	for (int i = 0; i < 5; i++)
		v[i] = fn();
	qsort(v, 5, sizeof(v[0]), cmp_double);
	return v[2];
}

static double c_syscall(void)
{
	uint64_t t = now_ns();
	for (int i = 0; i < 20000; i++)
		syscall(SYS_getppid);
	return (double)(now_ns() - t) / 20000;
}

#define CAL (2 * MIB)

static double c_zero(void)
{
	char *m = map_aligned(CAL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t = now_ns();
	sink = touch_read(m, CAL, (size_t)page);
	double r = (double)(now_ns() - t) / (CAL / page);
	munmap(m, CAL);
	return r;
}

static double c_anon_write(void)
{
	char *m = map_aligned(CAL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t = now_ns();
	touch_write(m, CAL, (size_t)page);
	double r = (double)(now_ns() - t) / (CAL / page);
	munmap(m, CAL);
	return r;
}

static double c_cow(void)
{
	char *m = map_aligned(CAL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch_write(m, CAL, (size_t)page);
	int p[2];
	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t t = now_ns();
		touch_write(m, CAL, (size_t)page);
		double r = (double)(now_ns() - t) / (CAL / page);
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	double r = 0;
	if (read(p[0], &r, sizeof(r)) != sizeof(r))
		die("the child failed");
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	munmap(m, CAL);
	return r;
}

/* A TLB miss: one read per page of 64 MiB already mapped, far more pages
 * than any TLB holds, so each read walks the page table. */
/*
 * A TLB hit that misses the data caches: one touch per page of 4 MiB that
 * were just written (within the TLBs' reach, beyond the L2 cache).  The
 * simulator's cost.access is per page touched, and a trace touches each page
 * once where the probes do, so this, not an L1 hit, is what it stands for.
 */
static double c_access(void)
{
	size_t len = 4 * MIB;
	char *m = map_aligned(len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch_write(m, len, (size_t)page);
	uint64_t t = now_ns();
	touch_write(m, len, (size_t)page);
	double r = (double)(now_ns() - t) / (double)(len / (size_t)page);
	munmap(m, len);
	return r;
}

static double c_tlb_miss(void)
{
	size_t len = 64 * MIB;
	char *m = map_aligned(len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch_write(m, len, (size_t)page);
	uint64_t t = now_ns();
	sink = touch_read(m, len, (size_t)page);
	double r = (double)(now_ns() - t) / (double)(len / (size_t)page);
	munmap(m, len);
	return r;
}

static int cal_fd = -1;

static double c_pread(void)
{
	char buf[4096];
	uint64_t t = now_ns();
	for (int i = 0; i < 4096; i++)
		if (pread(cal_fd, buf, sizeof(buf), (off_t)(i % 512) * 4096) != 4096)
			die("pread: %s", strerror(errno));
	return (double)(now_ns() - t) / 4096;
}

/* A file minor fault: a cached page, one touch per fault-around window. */
static double c_file_minor(void)
{
	char *m = map_aligned(CAL, PROT_READ, MAP_SHARED, cal_fd, 0);
	uint64_t t = now_ns();
	sink = touch_read(m, CAL, 16 * (size_t)page);
	double r = (double)(now_ns() - t) / (CAL / page / 16);
	munmap(m, CAL);
	return r;
}

/* A major fault: MADV_RANDOM on a cold file, one page per fault. */
static double c_major(void)
{
	evict(cal_fd, CAL);
	char *m = map_aligned(CAL, PROT_READ, MAP_SHARED, cal_fd, 0);
	madvise(m, CAL, MADV_RANDOM);
	uint64_t t = now_ns();
	/* every 8th page: no two faults in one disk request */
	sink = touch_read(m, CAL, 8 * (size_t)page);
	double r = (double)(now_ns() - t) / (CAL / page / 8);
	munmap(m, CAL);
	return r;
}

/* Sequential disk bandwidth: a cold file read with 1 MiB O_DIRECT reads,
 * or plain reads after eviction where O_DIRECT is refused. */
static double bandwidth(void)
{
	size_t size = 32 * MIB;
	int fd = make_file("bw", size, 1 * MIB);
	evict(fd, size);
	int dfd = open(path_of("bw"), O_RDONLY | O_DIRECT);
	int use = dfd >= 0 ? dfd : fd;
	void *buf;
	if (posix_memalign(&buf, 4096, MIB) != 0)
		die("out of memory");
	uint64_t t = now_ns();
	for (size_t off = 0; off < size; off += MIB)
		if (pread(use, buf, MIB, (off_t)off) != (ssize_t)MIB)
			die("pread: %s", strerror(errno));
	double s = (double)(now_ns() - t) / 1e9;
	free(buf);
	if (dfd >= 0)
		close(dfd);
	close(fd);
	unlink(path_of("bw"));
	return (double)size / s;
}

/*
 * Does a read fault on untouched private anonymous memory map the shared
 * zero page (Rss stays 0) or allocate a page?  Linux maps the zero page, but
 * not every kernel does (this project's own CI host allocates), and the
 * models follow what the machine does.
 */
static int uses_zero_page(void)
{
	char *m = map_aligned(CAL, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(m, CAL, MADV_NOHUGEPAGE);
	sink = touch_read(m, CAL, (size_t)page);
	long rss = smaps_pages(m, "Rss");
	munmap(m, CAL);
	return rss < (long)(CAL / page / 2);
}

static void calibrate(void)
{
	printf("fact zero_page %d\n", uses_zero_page());
	cal_fd = make_file("cal", CAL, 4 * KIB);
	printf("cost syscall %.1f\n", median5(c_syscall));
	printf("cost zero_fault %.1f\n", median5(c_zero));
	printf("cost anon_write_fault %.1f\n", median5(c_anon_write));
	printf("cost cow_fault %.1f\n", median5(c_cow));
	printf("cost pread_4k %.1f\n", median5(c_pread));
	printf("cost file_minor_fault %.1f\n", median5(c_file_minor));
	printf("cost major_fault %.1f\n", median5(c_major));
	printf("cost access %.1f\n", median5(c_access));
	printf("cost tlb_miss %.1f\n", median5(c_tlb_miss));
	printf("cost disk_bandwidth %.0f\n", bandwidth());
	close(cal_fd);
	unlink(path_of("cal"));
}

/* ---- the cost of reclaim (in a memory cgroup) ------------------------------ */

#define RC_FILE (48 * MIB)
#define RC_HIGH (256 * MIB)   /* the cgroup's limit while the file is read */
#define RC_LOW (32 * MIB)     /* lowering it to this reclaims 16 MiB at once */

/* Write @value to the cgroup's limit (v1 memory.limit_in_bytes, v2
 * memory.max): lowering it reclaims down to the new limit before the
 * write returns (mem_cgroup_resize_max, memory_max_write). */
static void cg_set_limit(size_t value)
{
	char path[4096], v[32];
	snprintf(path, sizeof(path), "%s/%s", cg_dir,
		 cg_version == 2 ? "memory.max" : "memory.limit_in_bytes");
	int n = snprintf(v, sizeof(v), "%zu", value);
	int fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, v, (size_t)n) != n)
		skip("cannot set %s: %s", path, strerror(errno));
	close(fd);
}

static long cg_usage_pages(void)
{
	char path[4096];
	long v = -1;
	snprintf(path, sizeof(path), "%s/%s", cg_dir,
		 cg_version == 2 ? "memory.current" : "memory.usage_in_bytes");
	FILE *f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1)
		skip("cannot read %s", path);
	fclose(f);
	return v / page;
}

/*
 * Reclaim 16 MiB of the file's pages, charged to this cgroup, by lowering
 * the limit under them, and return the time per page reclaimed.  Mapped
 * (@mapped): the pages stay mapped, with their accessed bits cleared
 * (/proc/self/clear_refs) so that reclaim looks at each page once, as it
 * looks at a cold page; each is unmapped (the rmap walk, the PTE, the TLB
 * flush) before it is freed. Not mapped: read with read(), no PTE at all.
 */
static double rc_once(int fd, int mapped)
{
	static char buf[64 * KIB];
	char *m = NULL;
	evict(fd, RC_FILE);
	cg_set_limit(RC_HIGH);
	if (mapped) {
		m = map_aligned(RC_FILE, PROT_READ, MAP_SHARED, fd, 0);
		sink = touch_read(m, RC_FILE, (size_t)page);
		int c = open("/proc/self/clear_refs", O_WRONLY);
		if (c < 0 || write(c, "1", 1) != 1)
			skip("cannot clear the accessed bits: %s", strerror(errno));
		close(c);
	} else {
		for (off_t off = 0; off < (off_t)RC_FILE; off += (off_t)sizeof(buf))
			if (pread(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf))
				die("pread: %s", strerror(errno));
	}
	long before = cg_usage_pages();
	uint64_t t = now_ns();
	cg_set_limit(RC_LOW);
	double ns = (double)(now_ns() - t);
	long freed = before - cg_usage_pages();
	if (m)
		munmap(m, RC_FILE);
	if (freed < (long)(RC_FILE - RC_LOW) / page / 4)
		skip("lowering the cgroup's limit reclaimed only %ld pages", freed);
	return ns / (double)freed;
}

/* The median of 9 runs: a mapped page's reclaim waits for TLB flushes on
 * the other CPUs, which vary with what they run. */
static double median9(double (*fn)(void))
{
	double v[9];
	for (int i = 0; i < 9; i++)
		v[i] = fn();
	qsort(v, 9, sizeof(v[0]), cmp_double);
	return v[4];
}

static int rc_fd;
static double rc_mapped(void) { return rc_once(rc_fd, 1); }
static double rc_unmapped(void) { return rc_once(rc_fd, 0); }

/*
 * What putting one page read ahead into the page cache costs the process
 * that reads it: readahead(2) of the cold file, under the high limit (no
 * reclaim), returns once every page is allocated, charged, added to the
 * cache and its bio submitted (force_page_cache_ra: order-0 folios,
 * filemap_add_folio each, then read_pages), without waiting for the
 * reads.  It reads at most the device's readahead limit (max_pages), so
 * the pages it added are counted, once their reads are done (mincore
 * counts only pages up to date; nothing else reads the file meanwhile,
 * and the limit leaves them alone).
 * The time per page, for cost.page_cache_add.
 */
static double rc_add(void)
{
	evict(rc_fd, RC_FILE);
	cg_set_limit(RC_HIGH);
	uint64_t t = now_ns();
	if (readahead(rc_fd, 0, RC_FILE) != 0)
		skip("readahead: %s", strerror(errno));
	double ns = (double)(now_ns() - t);
	usleep(200000);
	char *m = mmap(NULL, RC_FILE, PROT_READ, MAP_SHARED, rc_fd, 0);
	if (m == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	long added = resident(m, RC_FILE);
	munmap(m, RC_FILE);
	if (added < 16)
		skip("readahead(2) added only %ld pages", added);
	return ns / (double)added;
}

/*
 * What the host profile's cost.reclaim (a page reclaim looks at) and
 * cost.reclaim_mapped (each PTE it removes) are on this host: the time
 * per page of a reclaim of clean, cold file pages, without and with a
 * mapping, the median of 5 each.
 */
static void reclaim_cost(void)
{
	pressure_check();
	rc_fd = make_file("rc", RC_FILE, 4 * KIB);
	evict(rc_fd, RC_FILE);
	pressure_begin(RC_HIGH);
	double u = median9(rc_unmapped), mp = median9(rc_mapped);
	double add = median9(rc_add);
	printf("cost reclaim %.1f\n", u);
	printf("cost reclaim_mapped %.1f\n", mp > u ? mp - u : 0.0);
	printf("fact reclaim_ns_per_mapped_page %.1f\n", mp);
	printf("cost page_cache_add %.1f\n", add);
	close(rc_fd);
	unlink(path_of("rc"));
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: vmprobe list | vmprobe run NAME DIR TRACE | "
			"vmprobe calibrate DIR | vmprobe reclaim-cost DIR\n");
	exit(1);
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
			printf("%s\n", workloads[i].name);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "calibrate") == 0) {
		dir = argv[2];
		calibrate();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "reclaim-cost") == 0) {
		dir = argv[2];
		warm_up();
		reclaim_cost();
		return 0;
	}
	if (argc != 5 || strcmp(argv[1], "run") != 0)
		usage();
	dir = argv[3];
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		if (strcmp(argv[2], workloads[i].name) != 0)
			continue;
		/* a regular file (or none) gets write-then-rename, so that a
		 * killed probe leaves no half trace; anything else (a device,
		 * a FIFO) is written in place, never replaced by a file */
		struct stat st;
		int in_place = lstat(argv[4], &st) == 0 && !S_ISREG(st.st_mode);
		trace_in_place = in_place;
		/* the temporary file is made new (mkstemp: O_EXCL), so that
		 * nothing already at its name, a link least of all, is
		 * written through */
		snprintf(trace_tmp, sizeof(trace_tmp), "%s%s", argv[4],
			 in_place ? "" : ".XXXXXX");
		if (in_place) {
			trace = fopen(trace_tmp, "w");
		} else {
			int fd = mkstemp(trace_tmp);
			trace = fd < 0 ? NULL : fdopen(fd, "w");
			if (!trace && fd >= 0) {
				int e = errno;
				close(fd);
				unlink(trace_tmp);
				errno = e;
			}
		}
		if (!trace)
			die("%s: %s", trace_tmp, strerror(errno));
		warm_up();
		if (page != 4096)
			skip("the page size is %ld; the workloads assume 4 KiB", page);
		workloads[i].fn();
		fflush(stdout);
		if (fclose(trace) != 0 ||
		    (!in_place && rename(trace_tmp, argv[4]) != 0)) {
			int e = errno;
			if (!in_place)
				unlink(trace_tmp);
			die("%s: %s", argv[4], strerror(e));
		}
		unlink(path_of("data"));
		unlink(path_of("hot"));
		unlink(path_of("scan"));
		return 0;
	}
	fprintf(stderr, "vmprobe: unknown workload '%s' (vmprobe list)\n", argv[2]);
	return 1;
}
