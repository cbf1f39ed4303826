/*
 * The Lackey importer (traces/lackey.h): Valgrind's memory trace and
 * syscall trace of a program, turned into a .vmt/.vmtb trace.
 *
 * Decisions (docs/formats.md repeats them for users):
 *
 *  - Accesses.  "I" is an instruction fetch (x), "L" a load (r), "S" a store
 *    (w), "M" a modify, a load and a store of the same bytes, written as w.
 *    Addresses are the program's own.  The trace is page-granular: an
 *    access within one page is written with size 1 (the simulator touches
 *    pages, not bytes), one that crosses a page boundary with its size, so
 *    that it touches both pages.  An access is dropped when the previous one
 *    written for the same process touched the same page(s) with the same
 *    kind, or was a store and this is a load: nothing the simulator counts
 *    (TLB, page table, faults, reclaim's referenced bits) can differ.  With
 *    --no-instr fetches are dropped; with --sample N one access in N (after
 *    deduplication) is kept.
 *
 *  - Mappings Valgrind made itself.  The program's executable, ld.so and
 *    the stack are mapped by Valgrind's loader, not by system calls the log
 *    shows.  The first access to a page no mapping covers therefore maps,
 *    just before it, `rwx private anon` memory around it: the 64 KiB-aligned
 *    chunk that holds the page, clipped to the gap between known mappings.
 *    mprotect, madvise and msync on such memory likewise map the exact gap
 *    first.  These are counted as implicit_maps.
 *
 *  - System calls, taken from --trace-syscalls=yes (arguments and results
 *    both print there, in order with the accesses; a blocking call prints
 *    its result on a later "[async]" line): mmap (anonymous, or of a file
 *    opened in the trace: `fd=`, `off=`), munmap, mprotect, madvise (normal,
 *    random, sequential, willneed, dontneed; others dropped), msync, brk
 *    (growing the heap maps `rw private anon` pages, shrinking unmaps),
 *    open/openat/creat of regular files (not directories or devices, nor
 *    the files of /proc, /sys and the other file systems whose contents
 *    the kernel makes up at each read: pseudo_fs),
 *    close, read/write/pread64/pwrite64 (offsets followed through lseek),
 *    fsync/fdatasync, ftruncate, unlink/unlinkat, mremap (do_mremap),
 *    clone/fork/vfork (`fork`,
 *    or `clone` for a thread, see below),
 *    execve (everything unmapped; the new program's log follows),
 *    dup/dup2/dup3/fcntl(F_DUPFD) (an `open` of the same name on the new
 *    fd, which shares the old one's offset, as fork's copies do),
 *    copy_file_range and sendfile at the fds' offsets (a read and a
 *    write).  Failed calls are dropped.
 *
 *  - Files.  Every path the program opens that is a regular file when the
 *    conversion runs is declared with a `file NAME size=SIZE` header of its
 *    size then; a file that no longer exists is opened with `create`.  On
 *    tmpfs, either says `tmpfs` (on_tmpfs).
 *    Names are the paths as the program passed them, blanks and '#'
 *    replaced by '_'.
 *
 *  - Threads.  A clone with CLONE_THREAD is a `clone` of the next pid.
 *    Lackey's access lines name no thread, but Valgrind runs one thread at
 *    a time, and with --trace-sched=yes (which record passes) its
 *    "SCHED[N]:  acquired lock" lines say when thread N takes over: the
 *    accesses and calls after one are that thread's.  A new thread's N is
 *    the lowest one free (VG_(alloc_ThreadState)); SYSCALL[pid,N] lines
 *    switch too, so a log without SCHED lines is followed at its system
 *    calls.  A thread's exit() is its `exit`.  The interleaving is
 *    Valgrind's serialisation, not the threads' real overlap.
 *
 *  - Processes.  The first process is pid 1; each fork gets the next pid.
 *    With one log per process (record), the child's whole log is inlined
 *    right after the parent's `fork`, then the child exits: as if the
 *    parent waited for it, as shells do.  Pid 1 never exits, so that the
 *    statistics show the program's memory as it ended.  From a single log
 *    (convert), children are not followed.
 *
 * Speed: access lines are cut with memchr from 1 MiB blocks and parsed with
 * a byte table; most of them are dropped by the page comparison, with no
 * call and no allocation.  System calls (a few thousand) may be slow.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>
#include "traces/lackey.h"
#include "traces/error.h"

#define LK_BLOCK (1u << 20)
#define LK_MAX_LINE (64u << 10)
#define LK_PAGE UINT64_C(4096)
#define LK_CHUNK (UINT64_C(64) << 10)
#define LK_NONE UINT64_MAX
#define LK_CLONE_THREAD UINT64_C(0x10000)   /* clone(2)'s CLONE_THREAD */
/* Forks followed inside one another (record): each holds its log open with
 * its block buffer, so the nesting is bounded. */
#define LK_MAX_DEPTH 64
/* The top of x86-64's user address space (47 bits; the default profile's
 * four-level MMU spans 48).  Lackey may show accesses above it (the
 * vsyscall page at 0xffffffffff600000), and nothing a program maps lies
 * there: such accesses and calls are dropped. */
#define LK_USER_TOP (UINT64_C(1) << 47)
/* Linux's largest file offset (MAX_LFS_FILESIZE): a read, write, mmap
 * offset or ftruncate past it fails with EINVAL, EFBIG or EOVERFLOW. */
#define LK_MAX_OFF UINT64_C(0x7fffffffffffffff)

/* [s, s + len) lies inside the user address space (and does not wrap). */
static inline gboolean
user_range(uint64_t s, uint64_t len)
{
	return s < LK_USER_TOP && len <= LK_USER_TOP - s;
}

/* --- Lines -------------------------------------------------------------- */

typedef struct {
	const char *name;
	int fd;
	char *buf;
	size_t cap, pos, end;
	gboolean eof;
	uint64_t line;
	const volatile sig_atomic_t *cancel; /* vm_lackey_opts_t.cancel */
} lr_t;

static gboolean
lr_open(lr_t *lr, const char *name, GError **error)
{
	memset(lr, 0, sizeof(*lr));
	lr->name = name;
	lr->fd = open(name, O_RDONLY | O_CLOEXEC);
	if (lr->fd < 0) {
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: %s", name,
			    g_strerror(errno));
		return FALSE;
	}
	lr->cap = LK_BLOCK + LK_MAX_LINE + 2;
	lr->buf = g_malloc(lr->cap);
	return TRUE;
}

static void
lr_close(lr_t *lr)
{
	if (lr->fd >= 0)
		close(lr->fd);
	g_free(lr->buf);
	lr->buf = NULL;
	lr->fd = -1;
}

/* The next line (without '\n', but followed by one) in *l, *n.  1: a line,
 * 0: the end, -1: an error. */
static inline int
lr_next(lr_t *lr, char **l, size_t *n, GError **error)
{
	for (;;) {
		char *p = lr->buf + lr->pos;
		size_t avail = lr->end - lr->pos;
		char *nl = memchr(p, '\n', avail);
		ssize_t got;

		if (G_LIKELY(nl != NULL)) {
			*l = p;
			*n = (size_t)(nl - p);
			lr->pos += *n + 1;
			lr->line++;
			return 1;
		}
		if (avail > LK_MAX_LINE) {
			g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
				    "%s:%" G_GUINT64_FORMAT ":1: line too long",
				    lr->name, lr->line + 1);
			return -1;
		}
		if (lr->eof) {
			if (avail == 0)
				return 0;
			lr->buf[lr->end++] = '\n';
			continue;
		}
		if (lr->cancel != NULL && *lr->cancel) {
			g_set_error(error, VM_ERROR, VM_ERROR_IO,
				    "%s: interrupted", lr->name);
			return -1;
		}
		memmove(lr->buf, p, avail);
		lr->pos = 0;
		lr->end = avail;
		do
			got = read(lr->fd, lr->buf + lr->end, LK_BLOCK);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: read error: %s",
				    lr->name, g_strerror(errno));
			return -1;
		}
		if (got == 0)
			lr->eof = TRUE;
		lr->end += (size_t)got;
	}
}

static gboolean G_GNUC_PRINTF(5, 6)
bad_line(GError **error, const lr_t *lr, const char *l, const char *at,
	 const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
		    "%s:%" G_GUINT64_FORMAT ":%u: %s", lr->name, lr->line,
		    (unsigned)(at - l) + 1, msg);
	g_free(msg);
	return FALSE;
}

/* --- Processes ---------------------------------------------------------- */

typedef struct {
	uint64_t s, e;            /* [s, e), page-aligned */
} ival_t;

/* An open file description (struct file): the fds dup() makes and the
 * ones fork() copies share one, and with it the offset. */
typedef struct {
	char *name;               /* the trace's name of the file */
	uint64_t off;             /* the file offset read() and write() use */
	unsigned ref;             /* fds that refer to it */
} fdinfo_t;

/* A pending syscall: printed without its result, which comes later. */
typedef struct sc sc_t;

typedef struct {
	uint32_t tpid;            /* the trace's pid of the task running now:
				   * the process's, or one of its threads' */
	uint32_t leader_tpid;     /* the process's trace pid */
	/* Threads (record runs Valgrind with --trace-sched=yes): Valgrind's
	 * thread ids (the tid of SYSCALL[pid,tid] and of its SCHED[tid]
	 * lines) to trace pids, of the live threads */
	GHashTable *vg_tids;      /* Valgrind tid -> trace pid */
	GArray *maps;             /* ival_t, sorted, disjoint, merged */
	uint64_t hit_s[3], hit_e[3]; /* per access kind, the last interval
				 * an access was in: code, stack and heap
				 * alternate, each stays in its own */
	GHashTable *fds;          /* real fd -> fdinfo_t */
	uint64_t brk_start, brk_cur;
	uint64_t last_first, last_last; /* pages of the last access written */
	int last_acc;
	uint64_t sample_n;
	sc_t *pending;
} proc_t;

typedef struct {
	const vm_lackey_opts_t *o;
	vm_writer_t *out;
	vm_lackey_stats_t *st;
	uint32_t next_tpid;
	GHashTable *names;        /* trace names of files that exist */
	GHashTable *paths;        /* pass 1: paths opened (set) */
	GHashTable *pids;         /* real pids whose logs were read (set of
				   * uint64_t): each is read once */
	unsigned depth;           /* forks being followed, one in another */
	GPtrArray *path_order;    /* the same, in the order first seen */
	vm_record_t rec;          /* other records */
	vm_record_t acc_rec;      /* accesses */
} conv_t;

static void
fdinfo_unref(gpointer p)
{
	fdinfo_t *f = p;

	if (--f->ref)
		return;
	g_free(f->name);
	g_free(f);
}

static proc_t *
proc_new(uint32_t tpid)
{
	proc_t *ps = g_new0(proc_t, 1);

	ps->tpid = ps->leader_tpid = tpid;
	ps->vg_tids = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_hash_table_insert(ps->vg_tids, GUINT_TO_POINTER(1), GUINT_TO_POINTER(tpid));
	ps->maps = g_array_new(FALSE, FALSE, sizeof(ival_t));
	ps->fds = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					fdinfo_unref);
	ps->last_first = ps->last_last = LK_NONE;
	return ps;
}

struct sc {
	char name[32];
	uint64_t a[6];
	int nargs;
	char *str;                /* the string argument (a path), or NULL */
	int str_arg;              /* which argument it was; -1: none */
	size_t str_off;           /* where it starts, from the call's name */
	gboolean done, ok;
	uint64_t ret;
	uint64_t child;           /* clone(fork): the child's pid, or 0 */
	uint64_t clone_flags;     /* clone: its flags, which Valgrind prints in
				   * hex without 0x */
};

static void
sc_free(sc_t *sc)
{
	if (sc != NULL) {
		g_free(sc->str);
		g_free(sc);
	}
}

static void
proc_free(proc_t *ps)
{
	g_array_free(ps->maps, TRUE);
	g_hash_table_destroy(ps->vg_tids);
	g_hash_table_destroy(ps->fds);
	sc_free(ps->pending);
	g_free(ps);
}

/* The child's copy of @ps at a fork. */
static proc_t *
proc_fork(const proc_t *ps, uint32_t tpid)
{
	proc_t *c = proc_new(tpid);
	GHashTableIter it;
	gpointer k, v;

	g_array_append_vals(c->maps, ps->maps->data, ps->maps->len);
	g_hash_table_iter_init(&it, ps->fds);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		/* the child's fds share the parent's open files */
		((fdinfo_t *)v)->ref++;
		g_hash_table_insert(c->fds, k, v);
	}
	c->brk_start = ps->brk_start;
	c->brk_cur = ps->brk_cur;
	return c;
}

/* Index of the first interval that ends after @a. */
static guint
map_find(const proc_t *ps, uint64_t a)
{
	guint lo = 0, hi = ps->maps->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;

		if (g_array_index(ps->maps, ival_t, mid).e <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
map_remove(proc_t *ps, uint64_t s, uint64_t e)
{
	guint i = map_find(ps, s);

	memset(ps->hit_s, 0, sizeof(ps->hit_s));
	memset(ps->hit_e, 0, sizeof(ps->hit_e));
	while (i < ps->maps->len) {
		ival_t *v = &g_array_index(ps->maps, ival_t, i);

		if (v->s >= e)
			break;
		if (v->s < s && v->e > e) {       /* split in two */
			ival_t tail = { e, v->e };

			v->e = s;
			g_array_insert_val(ps->maps, i + 1, tail);
			return;
		}
		if (v->s < s) {
			v->e = s;
			i++;
		} else if (v->e > e) {
			v->s = e;
			return;
		} else {
			g_array_remove_index(ps->maps, i);
		}
	}
}

static void
map_add(proc_t *ps, uint64_t s, uint64_t e)
{
	ival_t n = { s, e };
	guint i;

	map_remove(ps, s, e);
	i = map_find(ps, s);
	g_array_insert_val(ps->maps, i, n);
	/* Merge with the neighbours it touches. */
	if (i + 1 < ps->maps->len &&
	    g_array_index(ps->maps, ival_t, i + 1).s == e) {
		g_array_index(ps->maps, ival_t, i).e =
			g_array_index(ps->maps, ival_t, i + 1).e;
		g_array_remove_index(ps->maps, i + 1);
	}
	if (i > 0 && g_array_index(ps->maps, ival_t, i - 1).e == s) {
		g_array_index(ps->maps, ival_t, i - 1).e =
			g_array_index(ps->maps, ival_t, i).e;
		g_array_remove_index(ps->maps, i);
	}
}

/* --- Writing records ----------------------------------------------------- */

static void
rec_reset(conv_t *c, vm_rec_kind_t kind, uint32_t pid)
{
	memset(&c->rec, 0, sizeof(c->rec));
	c->rec.kind = kind;
	c->rec.pid = pid;
	c->rec.fd = -1;
	c->rec.expect_pid = -1;
}

static gboolean
put(conv_t *c, GError **error)
{
	if (c->rec.kind != VM_REC_ACCESS)
		c->st->syscalls_out++;
	return vm_writer_put(c->out, &c->rec, error);
}

static gboolean
put_range(conv_t *c, proc_t *ps, vm_rec_kind_t kind, uint64_t s, uint64_t len,
	  GError **error)
{
	rec_reset(c, kind, ps->tpid);
	c->rec.addr = s;
	c->rec.len = len;
	return put(c, error);
}

static gboolean
put_anon(conv_t *c, proc_t *ps, uint64_t s, uint64_t e, uint32_t prot,
	 GError **error)
{
	rec_reset(c, VM_REC_MMAP, ps->tpid);
	c->rec.addr = s;
	c->rec.len = e - s;
	c->rec.prot = prot;
	c->rec.flags = VM_MAP_ANON;
	map_add(ps, s, e);
	return put(c, error);
}

/*
 * Make sure [s, e) is mapped: map each gap with anonymous memory of @prot,
 * grown to @chunk alignment (within the gap) around it.
 */
static gboolean
cover(conv_t *c, proc_t *ps, uint64_t s, uint64_t e, uint64_t chunk,
      uint32_t prot, GError **error)
{
	uint64_t a = s & ~(LK_PAGE - 1);

	e = (e + LK_PAGE - 1) & ~(LK_PAGE - 1);
	if (e == 0)
		e = UINT64_MAX & ~(LK_PAGE - 1);   /* wrapped: the top page */
	while (a < e) {
		guint i = map_find(ps, a);
		uint64_t lo = i > 0 ? g_array_index(ps->maps, ival_t, i - 1).e : 0;
		uint64_t hi = i < ps->maps->len ?
			g_array_index(ps->maps, ival_t, i).s : UINT64_MAX & ~(LK_PAGE - 1);
		uint64_t ms, me;

		if (i < ps->maps->len && hi <= a) {        /* inside one */
			a = g_array_index(ps->maps, ival_t, i).e;
			continue;
		}
		ms = MAX(lo, a & ~(chunk - 1));
		me = (e + chunk - 1) & ~(chunk - 1);
		if (me < e)
			me = e;                            /* wrapped */
		me = MIN(hi, me);
		c->st->implicit_maps++;
		c->st->syscalls_out--;  /* put() counts it; it is no call */
		if (!put_anon(c, ps, ms, me, prot, error))
			return FALSE;
		a = me;
	}
	return TRUE;
}

/* --- Accesses ------------------------------------------------------------- */

static const uint8_t hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11,
	['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline gboolean
access_line(conv_t *c, proc_t *ps, const lr_t *lr, char *l, size_t n,
	    int acc, GError **error)
{
	const unsigned char *p = (const unsigned char *)l + 3;
	const unsigned char *e = (const unsigned char *)l + n;
	uint64_t addr = 0, size = 0, first, last;
	unsigned nd = 0;

	c->st->accesses_in++;
	while (p < e && *p == ' ')
		p++;
	{
		/* The line ends in '\n', whose hexval is 0: no bounds test. */
		const unsigned char *h = p;
		unsigned v;

		while ((v = hexval[*p]) != 0) {
			addr = addr << 4 | (v - 1);
			p++;
		}
		nd = (unsigned)(p - h);
	}
	if (G_UNLIKELY(nd == 0 || nd > 16 || p >= e || *p != ','))
		return bad_line(error, lr, l, l + 3, "bad address '%.*s'",
				(int)MIN(n - 3, 60), l + 3);
	p++;
	nd = 0;
	for (; p < e && (unsigned)(*p - '0') <= 9; p++, nd++)
		size = size * 10 + (uint64_t)(*p - '0');
	if (G_UNLIKELY(nd == 0 || nd > 6 || size == 0 ||
		       (p < e && *p != ' ' && *p != '\r')))
		return bad_line(error, lr, l, l + 3, "bad size in '%.*s'",
				(int)MIN(n - 3, 60), l + 3);
	if (acc == VM_ACC_X && c->o->no_instr)
		return TRUE;
	if (G_UNLIKELY(!user_range(addr, size))) {
		c->st->outside++;
		return TRUE;
	}
	first = addr / LK_PAGE;
	last = (addr + size - 1) / LK_PAGE;
	if (first == ps->last_first && last == ps->last_last &&
	    (acc == ps->last_acc || (acc == VM_ACC_R && ps->last_acc == VM_ACC_W)))
		return TRUE;
	ps->last_first = first;
	ps->last_last = last;
	ps->last_acc = acc;
	if (G_UNLIKELY(addr < ps->hit_s[acc] || addr + size > ps->hit_e[acc])) {
		guint i;

		if (!cover(c, ps, addr, last * LK_PAGE + LK_PAGE, LK_CHUNK,
			   VM_PROT_R | VM_PROT_W | VM_PROT_X, error))
			return FALSE;
		i = map_find(ps, addr);
		if (i < ps->maps->len) {
			ps->hit_s[acc] = g_array_index(ps->maps, ival_t, i).s;
			ps->hit_e[acc] = g_array_index(ps->maps, ival_t, i).e;
		}
	}
	if (c->o->sample > 1 && ps->sample_n++ % c->o->sample != 0)
		return TRUE;
	c->st->accesses_out++;
	/* A record kept blank but for these: no 184-byte reset per access. */
	c->acc_rec.pid = ps->tpid;
	c->acc_rec.acc = (vm_acc_t)acc;
	c->acc_rec.addr = addr;
	c->acc_rec.len = last != first ? size : 1;
	return vm_writer_put(c->out, &c->acc_rec, error);
}

/* --- System calls --------------------------------------------------------- */

/* A path as a trace name: one token. */
static char *
trace_name(const char *path)
{
	char *s = g_strdup(path);

	for (char *p = s; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' ||
		    *p == '\f' || *p == '#' || *p == '\n')
			*p = '_';
	return s;
}

static uint64_t
parse_num(const char **pp, const char *e, gboolean *ok)
{
	const char *p = *pp;
	uint64_t v = 0;
	int base = 10;
	unsigned nd = 0;

	if (e - p > 2 && p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	for (; p < e; p++, nd++) {
		unsigned d = hexval[(unsigned char)*p];

		if (d == 0 || d - 1 >= (unsigned)base)
			break;
		v = v * (uint64_t)base + (d - 1);
	}
	*ok = nd > 0;
	*pp = p;
	return v;
}

/* The result after "-->" in [p, e): done, ok and ret; FALSE when the line
 * says the result comes later ("[async] ..."). */
static gboolean
parse_result(sc_t *sc, const char *p, const char *e)
{
	const char *r = g_strstr_len(p, e - p, "-->");
	const char *s;
	gboolean ok;

	if (r == NULL)
		return FALSE;
	r += 3;
	if (g_strstr_len(r, e - r, "Success(") != NULL) {
		s = g_strstr_len(r, e - r, "Success(") + 8;
		sc->ret = parse_num(&s, e, &ok);
		sc->ok = ok;
		sc->done = TRUE;
		return TRUE;
	}
	if (g_strstr_len(r, e - r, "Failure(") != NULL) {
		sc->ok = FALSE;
		sc->done = TRUE;
		return TRUE;
	}
	return FALSE;
}

/* Parse "name ( a, b(str), c ) --> ..." from @p. */
static gboolean
parse_call(sc_t *sc, const char *p, const char *e)
{
	const char *p0 = p, *q = p;
	size_t n;
	gboolean ok;

	sc->str_arg = -1;

	while (q < e && *q != ' ' && *q != '(')
		q++;
	n = (size_t)(q - p);
	if (n >= 4 && memcmp(p, "sys_", 4) == 0) {
		p += 4;
		n -= 4;
	}
	if (n == 0 || n >= sizeof(sc->name))
		return FALSE;
	memcpy(sc->name, p, n);
	sc->name[n] = '\0';
	while (q < e && *q == ' ')
		q++;
	if (q >= e || *q != '(')
		return FALSE;
	q++;
	if (strcmp(sc->name, "clone") == 0) {
		const char *f = q;

		while (f < e && *f == ' ')
			f++;
		for (; f < e && hexval[(unsigned char)*f]; f++)
			sc->clone_flags = sc->clone_flags * 16 +
					  (hexval[(unsigned char)*f] - 1);
	}
	for (;;) {
		while (q < e && *q == ' ')
			q++;
		if (q >= e || *q == ')')
			break;
		if (sc->nargs < 6) {
			uint64_t v = parse_num(&q, e, &ok);

			if (!ok)
				return FALSE;
			sc->a[sc->nargs] = v;
			if (q < e && *q == '(') {
				/* A string: up to the ')' that ends the
				 * argument. */
				const char *s = ++q;

				while (q < e && !(*q == ')' && (q + 1 >= e ||
					q[1] == ',' || q[1] == ' ' || q[1] == ')')))
					q++;
				if (sc->str == NULL) {
					sc->str = g_strndup(s, (size_t)(q - s));
					sc->str_arg = sc->nargs;
					sc->str_off = (size_t)(s - p0);
				}
				if (q < e)
					q++;
			}
			sc->nargs++;
		}
		while (q < e && *q != ',' && *q != ')')
			q++;
		if (q < e && *q == ',')
			q++;
	}
	if (strcmp(sc->name, "clone") == 0 || strcmp(sc->name, "fork") == 0 ||
	    strcmp(sc->name, "vfork") == 0 || strcmp(sc->name, "clone3") == 0) {
		const char *k = g_strstr_len(q, e - q, "created child ");

		if (k != NULL) {
			k += 14;
			sc->child = parse_num(&k, e, &ok);
			if (!ok)
				sc->child = 0;
		}
	}
	if (!parse_result(sc, q, e))
		sc->done = FALSE;
	return TRUE;
}

/* The path of a call that names a file the trace follows (open, openat,
 * creat, unlink, unlinkat), or NULL: another call, or no path.  An empty
 * path is none: the kernel fails such a call (ENOENT), and a trace has no
 * empty names. */
static const char *
file_path(const sc_t *sc)
{
	const char *nm = sc->name;
	int arg = strcmp(nm, "openat") == 0 || strcmp(nm, "unlinkat") == 0 ? 1 :
		  strcmp(nm, "open") == 0 || strcmp(nm, "creat") == 0 ||
		  strcmp(nm, "unlink") == 0 ? 0 : -1;

	if (arg < 0 || sc->str_arg != arg || sc->str == NULL || sc->str[0] == '\0')
		return NULL;
	return sc->str;
}

static fdinfo_t *
fd_get(proc_t *ps, uint64_t fd)
{
	return fd > 0x7fffffff ? NULL :
	       g_hash_table_lookup(ps->fds, GINT_TO_POINTER((int)fd));
}

static gboolean run_process(conv_t *c, proc_t *ps, uint64_t real_pid,
			    GError **error);

/* Close @fd in the trace when it follows it (a dup2 onto it, an open that
 * returned it though its close was missed). */
static gboolean
close_followed(conv_t *c, proc_t *ps, uint64_t fd, GError **error)
{
	if (fd_get(ps, fd) == NULL)
		return TRUE;
	rec_reset(c, VM_REC_CLOSE, ps->tpid);
	c->rec.fd = (int32_t)fd;
	g_hash_table_remove(ps->fds, GINT_TO_POINTER((int)fd));
	return put(c, error);
}

/* The f_type of the file system @path lies on; a path that is gone by
 * now (the recorded process's /proc/PID, a file unlinked since) is judged
 * by its nearest ancestor that is there.  0 when none can be had. */
static unsigned long
fs_type(const char *path)
{
	struct statfs fs;
	char *p = g_strdup(path);
	int rc;

	while ((rc = statfs(p, &fs)) != 0 && strcmp(p, "/") != 0 &&
	       strcmp(p, ".") != 0) {
		char *up = g_path_get_dirname(p);

		g_free(p);
		p = up;
	}
	g_free(p);
	return rc == 0 ? (unsigned long)fs.f_type : 0;
}

/*
 * Whether @path lies on a file system whose files the kernel makes up at
 * each read (procfs, sysfs, cgroupfs, ...): reading them reaches neither
 * the page cache nor a disk, so a trace that read them as files would
 * wait for the disk where the program did not (glibc's sysconf reads
 * /sys/devices/system/cpu/online).
 */
static gboolean
pseudo_fs(const char *path)
{
	static const unsigned long magic[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC,
		SECURITYFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
		DEVPTS_SUPER_MAGIC, BPF_FS_MAGIC, PSTOREFS_MAGIC, EFIVARFS_MAGIC,
	};
	unsigned long t = fs_type(path);

	for (size_t k = 0; k < G_N_ELEMENTS(magic); k++)
		if (t == magic[k])
			return TRUE;
	return FALSE;
}

/* Whether @path lies on tmpfs (/dev/shm, often /tmp): its file is shmem,
 * `tmpfs` in the trace (docs/format.md), read from no disk. */
static gboolean
on_tmpfs(const char *path)
{
	return fs_type(path) == TMPFS_MAGIC;
}

static gboolean
do_open(conv_t *c, proc_t *ps, const sc_t *sc, uint64_t flags, GError **error)
{
	struct stat st;
	gboolean exists;
	fdinfo_t *f;
	char *name;

	if (sc->str == NULL || sc->ret > 0x7fffffff)
		return TRUE;
	exists = stat(sc->str, &st) == 0;
	if (exists && !S_ISREG(st.st_mode))
		return TRUE;            /* a directory, a device, ... */
	if (pseudo_fs(sc->str))
		return TRUE;            /* /proc/self/status, /sys/... */
	/* we missed its closing: close it first */
	if (!close_followed(c, ps, sc->ret, error))
		return FALSE;
	name = trace_name(sc->str);
	rec_reset(c, VM_REC_OPEN, ps->tpid);
	c->rec.name = name;
	c->rec.fd = (int32_t)sc->ret;
	if (!g_hash_table_contains(c->names, name)) {
		c->rec.flags |= VM_OPEN_CREATE;
		if (on_tmpfs(sc->str))
			c->rec.flags |= VM_OPEN_TMPFS;
		g_hash_table_add(c->names, g_strdup(name));
	}
	if (flags & 01000)              /* O_TRUNC */
		c->rec.flags |= VM_OPEN_TRUNC;
	f = g_new0(fdinfo_t, 1);
	f->name = name;
	f->ref = 1;
	g_hash_table_insert(ps->fds, GINT_TO_POINTER((int)sc->ret), f);
	return put(c, error);
}

/* A read() or write() of @n bytes at @fd's offset, which moves on; nothing
 * when the trace does not follow @fd. */
static gboolean
rw_at_offset(conv_t *c, proc_t *ps, vm_rec_kind_t kind, uint64_t fd,
	     uint64_t n, GError **error)
{
	fdinfo_t *f = fd_get(ps, fd);

	if (f == NULL || n == 0 || f->off > LK_MAX_OFF || n > LK_MAX_OFF - f->off)
		return TRUE;
	rec_reset(c, kind, ps->tpid);
	c->rec.fd = (int32_t)fd;
	c->rec.addr = f->off;
	c->rec.len = n;
	f->off += n;
	return put(c, error);
}

/*
 * copy_file_range and sendfile of @n bytes from @in's offset to @out's:
 * the kernel copies from one page cache to the other without the user's
 * buffer.  The trace says it as a read of @in and a write of @out, which
 * move the same pages through the page cache (and charge a copy to user
 * space that did not happen: docs/formats.md).
 */
static gboolean
do_copy(conv_t *c, proc_t *ps, uint64_t in, uint64_t out, uint64_t n,
	GError **error)
{
	return rw_at_offset(c, ps, VM_REC_READ, in, n, error) &&
	       rw_at_offset(c, ps, VM_REC_WRITE, out, n, error);
}

/*
 * dup, dup2, dup3, fcntl F_DUPFD(_CLOEXEC): @nw refers to @old's file
 * from now on, and shares its offset; dup2 onto an open @nw closes it
 * first.  The trace says it as an `open` of the same name on @nw (the
 * model's files keep no offset of an fd: reads and writes name theirs).
 * A file unlinked since it was opened has no name left to open: reads
 * through the new fd are then dropped, as before dup was followed.
 */
static gboolean
do_dup(conv_t *c, proc_t *ps, uint64_t old, uint64_t nw, GError **error)
{
	fdinfo_t *f = fd_get(ps, old);

	if (nw > 0x7fffffff || nw == old)
		return TRUE;
	if (!close_followed(c, ps, nw, error))
		return FALSE;
	if (f == NULL || !g_hash_table_contains(c->names, f->name))
		return TRUE;
	f->ref++;
	g_hash_table_insert(ps->fds, GINT_TO_POINTER((int)nw), f);
	rec_reset(c, VM_REC_OPEN, ps->tpid);
	c->rec.name = f->name;
	c->rec.fd = (int32_t)nw;
	return put(c, error);
}

/*
 * mremap of [@s, +@old) to @nw bytes at @ret (the call's result: @s when
 * it stayed).  The old range is covered first, as mprotect's is (memory
 * Valgrind mapped itself).  Growing in place, the kernel found the pages
 * after it free: whatever the trace maps there (an implicit chunk) is
 * unmapped first, so that the replay grows in place too.  A duplicate of
 * a shared mapping (OLD_LEN 0) is dropped (not modelled).
 */
static gboolean
do_mremap(conv_t *c, proc_t *ps, uint64_t s, uint64_t old, uint64_t nw,
	  uint64_t ret, GError **error)
{
	guint i;

	if (old == 0 || nw == 0 || s % LK_PAGE || ret % LK_PAGE ||
	    !user_range(s, old) || !user_range(ret, nw) ||
	    (ret != s && ret < s + old && s < ret + nw))
		return TRUE;
	if (!cover(c, ps, s, s + old, LK_PAGE, VM_PROT_R | VM_PROT_W, error))
		return FALSE;
	i = map_find(ps, s + old);
	if (ret == s && nw > old && i < ps->maps->len &&
	    g_array_index(ps->maps, ival_t, i).s < s + nw) {
		map_remove(ps, s + old, s + nw);
		if (!put_range(c, ps, VM_REC_MUNMAP, s + old, nw - old, error))
			return FALSE;
	}
	rec_reset(c, VM_REC_MREMAP, ps->tpid);
	c->rec.addr = s;
	c->rec.len = old;
	c->rec.count = nw;
	if (ret != s) {
		c->rec.flags = VM_MREMAP_TO;
		c->rec.stride = ret;
	}
	map_remove(ps, s, s + old);
	map_add(ps, ret, ret + nw);
	return put(c, error);
}

static gboolean
do_unmap_all(conv_t *c, proc_t *ps, GError **error)
{
	while (ps->maps->len > 0) {
		ival_t v = g_array_index(ps->maps, ival_t, 0);

		if (!put_range(c, ps, VM_REC_MUNMAP, v.s, v.e - v.s, error))
			return FALSE;
		map_remove(ps, v.s, v.e);
	}
	ps->brk_start = ps->brk_cur = 0;
	ps->last_first = ps->last_last = LK_NONE;
	return TRUE;
}

static uint64_t
page_up(uint64_t v)
{
	return (v + LK_PAGE - 1) & ~(LK_PAGE - 1);
}

/* One finished, successful system call of @ps. */
static gboolean
apply(conv_t *c, proc_t *ps, const sc_t *sc, GError **error)
{
	const char *nm = sc->name;
	const uint64_t *a = sc->a;
	fdinfo_t *f;

	/* The access after a call must not be merged with the one before:
	 * the call may have changed what the page is. */
	ps->last_first = ps->last_last = LK_NONE;
	if (strcmp(nm, "clone") == 0 && (sc->clone_flags & LK_CLONE_THREAD) && sc->ok) {
		/* a thread: `clone` in the same log; Valgrind's SCHED lines
		 * say when it runs (thread_line) */
		rec_reset(c, VM_REC_CLONE, ps->tpid);
		c->rec.child = ++c->next_tpid;
		/* Valgrind gives a new thread the lowest free thread id
		 * (VG_(alloc_ThreadState)), its SCHED lines use it */
		guint vt = 1;
		while (g_hash_table_contains(ps->vg_tids, GUINT_TO_POINTER(vt)))
			vt++;
		g_hash_table_insert(ps->vg_tids, GUINT_TO_POINTER(vt),
				    GUINT_TO_POINTER(c->rec.child));
		c->st->threads++;
		return put(c, error);
	}
	if (strcmp(nm, "exit") == 0 && ps->tpid != ps->leader_tpid) {
		/* a thread's exit (exit_group is the process's: pid 1 never
		 * exits, a child's exit is written after its log) */
		rec_reset(c, VM_REC_EXIT, ps->tpid);
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, ps->vg_tids);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (GPOINTER_TO_UINT(v) == ps->tpid)
				g_hash_table_iter_remove(&it);
		ps->tpid = ps->leader_tpid;
		return put(c, error);
	}
	if (sc->child != 0) {
		proc_t *child;
		gboolean ok;

		if (c->o->log_dir == NULL)
			return TRUE;    /* one log: the child is not there */
		rec_reset(c, VM_REC_FORK, ps->tpid);
		c->rec.child = ++c->next_tpid;
		if (!put(c, error))
			return FALSE;
		child = proc_fork(ps, c->rec.child);
		c->st->processes++;
		ok = run_process(c, child, sc->child, error);
		if (ok) {
			rec_reset(c, VM_REC_EXIT, child->leader_tpid);
			ok = put(c, error);
		}
		proc_free(child);
		return ok;
	}
	if (!sc->ok)
		return TRUE;
	if (strcmp(nm, "mmap") == 0 && sc->nargs == 6) {
		uint64_t len = page_up(a[1]);

		if (len == 0 || sc->ret % LK_PAGE || a[5] % LK_PAGE ||
		    !user_range(sc->ret, len) || a[5] > LK_MAX_OFF - len)
			return TRUE;
		rec_reset(c, VM_REC_MMAP, ps->tpid);
		c->rec.addr = sc->ret;
		c->rec.len = len;
		c->rec.prot = (uint32_t)(a[2] & 7);
		if (a[3] & 1)
			c->rec.flags |= VM_MAP_SHARED;
		f = (a[3] & 0x20) ? NULL : fd_get(ps, a[4]);
		if (f == NULL) {
			c->rec.flags |= VM_MAP_ANON;
		} else {
			c->rec.fd = (int32_t)a[4];
			c->rec.off = a[5];
		}
		map_add(ps, sc->ret, sc->ret + len);
		return put(c, error);
	}
	if ((strcmp(nm, "munmap") == 0 || strcmp(nm, "mprotect") == 0 ||
	     strcmp(nm, "madvise") == 0 || strcmp(nm, "msync") == 0) &&
	    sc->nargs >= 2) {
		uint64_t s = a[0], len = page_up(a[1]);

		if (len == 0 || s % LK_PAGE || !user_range(s, len))
			return TRUE;
		if (nm[1] == 'u') {             /* munmap */
			map_remove(ps, s, s + len);
			return put_range(c, ps, VM_REC_MUNMAP, s, len, error);
		}
		if (!cover(c, ps, s, s + len, LK_PAGE, VM_PROT_R | VM_PROT_W, error))
			return FALSE;
		if (nm[1] == 'p') {             /* mprotect */
			rec_reset(c, VM_REC_MPROTECT, ps->tpid);
			c->rec.prot = (uint32_t)(a[2] & 7);
		} else if (nm[1] == 'a') {      /* madvise */
			/* Linux's numbers 0-4, and MADV_[NO]HUGEPAGE 14, 15 */
			if (a[2] > 4 && a[2] != 14 && a[2] != 15)
				return TRUE;    /* MADV_FREE and friends */
			rec_reset(c, VM_REC_MADVISE, ps->tpid);
			c->rec.arg = a[2] == 14 ? VM_MADV_HUGEPAGE :
				     a[2] == 15 ? VM_MADV_NOHUGEPAGE : (uint32_t)a[2];
		} else {
			rec_reset(c, VM_REC_MSYNC, ps->tpid);
			c->rec.arg = (a[2] & 4) ? VM_MS_SYNC : VM_MS_ASYNC;
		}
		c->rec.addr = s;
		c->rec.len = len;
		return put(c, error);
	}
	if (strcmp(nm, "mremap") == 0 && sc->nargs >= 3)
		return do_mremap(c, ps, a[0], page_up(a[1]), page_up(a[2]),
				 sc->ret, error);
	if (strcmp(nm, "brk") == 0) {
		uint64_t old = page_up(ps->brk_cur), nw = page_up(sc->ret);

		if (sc->ret >= LK_USER_TOP)
			return TRUE;
		if (ps->brk_start == 0) {
			ps->brk_start = ps->brk_cur = sc->ret;
			return TRUE;
		}
		ps->brk_cur = sc->ret;
		if (nw > old)
			return put_anon(c, ps, old, nw, VM_PROT_R | VM_PROT_W, error);
		if (nw < old) {
			map_remove(ps, nw, old);
			return put_range(c, ps, VM_REC_MUNMAP, nw, old - nw, error);
		}
		return TRUE;
	}
	if (strcmp(nm, "openat") == 0 && file_path(sc) && sc->nargs >= 3)
		return do_open(c, ps, sc, a[2], error);
	if (strcmp(nm, "open") == 0 && file_path(sc) && sc->nargs >= 2)
		return do_open(c, ps, sc, a[1], error);
	if (strcmp(nm, "creat") == 0 && file_path(sc))
		return do_open(c, ps, sc, 01101, error);
	if (strcmp(nm, "close") == 0 && sc->nargs >= 1)
		return close_followed(c, ps, a[0], error);
	if ((strcmp(nm, "dup") == 0 && sc->nargs >= 1) ||
	    ((strcmp(nm, "dup2") == 0 || strcmp(nm, "dup3") == 0) &&
	     sc->nargs >= 2) ||
	    (strcmp(nm, "fcntl") == 0 && sc->nargs >= 2 &&
	     (a[1] == 0 /* F_DUPFD */ || a[1] == 1030 /* F_DUPFD_CLOEXEC */)))
		return do_dup(c, ps, a[0], sc->ret, error);
	if ((strcmp(nm, "read") == 0 || strcmp(nm, "write") == 0 ||
	     strcmp(nm, "pread64") == 0 || strcmp(nm, "pwrite64") == 0) &&
	    sc->nargs >= 3) {
		gboolean positional = nm[0] == 'p';

		uint64_t off;

		f = fd_get(ps, a[0]);
		if (f == NULL || sc->ret == 0)
			return TRUE;
		off = positional ? a[3] : f->off;
		if (off > LK_MAX_OFF || sc->ret > LK_MAX_OFF - off)
			return TRUE;
		rec_reset(c, strstr(nm, "read") ? VM_REC_READ : VM_REC_WRITE,
			  ps->tpid);
		c->rec.fd = (int32_t)a[0];
		c->rec.addr = off;
		c->rec.len = sc->ret;
		if (!positional)
			f->off += sc->ret;
		return put(c, error);
	}
	/* copy_file_range (fd_in, off_in, fd_out, off_out, len, flags)
	 * and sendfile (out_fd, in_fd, offset, count) with no offset
	 * pointer, which use and advance the fds' offsets */
	if (strcmp(nm, "copy_file_range") == 0 && sc->nargs >= 4 &&
	    a[1] == 0 && a[3] == 0)
		return do_copy(c, ps, a[0], a[2], sc->ret, error);
	if (strcmp(nm, "sendfile") == 0 && sc->nargs >= 3 && a[2] == 0)
		return do_copy(c, ps, a[1], a[0], sc->ret, error);
	if (strcmp(nm, "lseek") == 0 && sc->nargs >= 1) {
		f = fd_get(ps, a[0]);
		if (f != NULL)
			f->off = sc->ret;
		return TRUE;
	}
	if ((strcmp(nm, "fsync") == 0 || strcmp(nm, "fdatasync") == 0) &&
	    sc->nargs >= 1) {
		if (fd_get(ps, a[0]) == NULL)
			return TRUE;
		rec_reset(c, VM_REC_FSYNC, ps->tpid);
		c->rec.fd = (int32_t)a[0];
		return put(c, error);
	}
	if (strcmp(nm, "ftruncate") == 0 && sc->nargs >= 2) {
		if (fd_get(ps, a[0]) == NULL || a[1] > LK_MAX_OFF)
			return TRUE;
		rec_reset(c, VM_REC_FTRUNCATE, ps->tpid);
		c->rec.fd = (int32_t)a[0];
		c->rec.len = a[1];
		return put(c, error);
	}
	if (file_path(sc) != NULL &&
	    (strcmp(nm, "unlink") == 0 ||
	     (strcmp(nm, "unlinkat") == 0 && sc->nargs >= 3 &&
	      !(a[2] & 0x200 /* AT_REMOVEDIR */)))) {
		char *name = trace_name(sc->str);
		gboolean ok = TRUE;

		if (g_hash_table_remove(c->names, name)) {
			rec_reset(c, VM_REC_UNLINK, ps->tpid);
			c->rec.name = name;
			ok = put(c, error);
		}
		g_free(name);
		return ok;
	}
	return TRUE;
}

/*
 * May the fork on line @l, whose child is real pid @child, be followed
 * into the child's logs?  Not when that pid's logs were read already: a
 * log that forks its own pid, or an ancestor's, would be inlined into
 * itself for ever, and a pid named twice would be read twice (Valgrind's
 * lk.PID.N.log names cannot tell two processes of one pid apart).  Nor
 * past LK_MAX_DEPTH nested forks.
 */
static gboolean
fork_ok(conv_t *c, const lr_t *lr, const char *l, const char *p,
	const char *e, uint64_t child, GError **error)
{
	const char *at = g_strstr_len(p, e - p, "created child ");

	at = at != NULL ? at + 14 : p;
	if (g_hash_table_contains(c->pids, &child))
		return bad_line(error, lr, l, at, "fork of pid %" G_GUINT64_FORMAT
				", whose log was already read (a cycle, or a pid "
				"used twice)", child);
	if (c->depth >= LK_MAX_DEPTH)
		return bad_line(error, lr, l, at, "forks nested more than %u deep",
				LK_MAX_DEPTH);
	return TRUE;
}

/* The task that runs now is the one of Valgrind tid @vt, when known. */
static void
switch_thread(proc_t *ps, uint64_t vt)
{
	gpointer p = g_hash_table_lookup(ps->vg_tids, GUINT_TO_POINTER((guint)vt));

	if (p != NULL && GPOINTER_TO_UINT(p) != ps->tpid) {
		ps->tpid = GPOINTER_TO_UINT(p);
		ps->last_first = ps->last_last = LK_NONE;
	}
}

/* "--PID--   SCHED[N]:  acquired lock (...)": Valgrind's thread N runs
 * from here on (Valgrind runs one thread at a time); a new thread's first
 * ("starting new thread") is the one a clone made. */
static void
thread_line(proc_t *ps, const char *l, size_t n)
{
	const char *e = l + n, *p = g_strstr_len(l, (gssize)n, "SCHED[");
	gboolean ok;

	if (p == NULL || g_strstr_len(p, e - p, "acquired lock") == NULL)
		return;
	p += 6;
	uint64_t vt = parse_num(&p, e, &ok);
	if (!ok)
		return;
	switch_thread(ps, vt);
}

/* "SYSCALL[pid,tid]": the call is thread tid's (also without SCHED lines). */
static void
syscall_tid(proc_t *ps, const char *l, size_t n)
{
	const char *e = l + n, *p = memchr(l, ',', n);
	gboolean ok;

	if (p == NULL)
		return;
	p++;
	uint64_t vt = parse_num(&p, e, &ok);
	if (ok)
		switch_thread(ps, vt);
}

static gboolean
syscall_line(conv_t *c, proc_t *ps, const lr_t *lr, char *l, size_t n,
	     GError **error)
{
	const char *e = l + n, *p = memchr(l, ')', n);
	gboolean ok;

	/* "SYSCALL[pid,tid](nr) " */
	if (p == NULL || p + 2 > e)
		return bad_line(error, lr, l, l, "bad SYSCALL line '%.*s'",
				(int)MIN(n, 60), l);
	p += 2;
	if (e - p >= 3 && memcmp(p, "...", 3) == 0) {
		/* The result of the call printed before. */
		sc_t *sc = ps->pending;

		if (sc == NULL)
			return TRUE;
		ps->pending = NULL;
		parse_result(sc, p, e);
		ok = !sc->done || apply(c, ps, sc, error);
		sc_free(sc);
		return ok;
	}
	{
		sc_t *sc = g_new0(sc_t, 1);
		const char *path;

		if (!parse_call(sc, p, e)) {
			/* Valgrind's notes on calls it does not know
			 * ("unimplemented (by the kernel) syscall: 334!"):
			 * nothing that changes memory. */
			sc_free(sc);
			return TRUE;
		}
		/* A path becomes a trace name, which statistics print in
		 * JSON: it must be UTF-8 (docs/format.md). */
		path = file_path(sc);
		if (path != NULL && !g_utf8_validate(path, -1, NULL)) {
			char *shown = g_utf8_make_valid(path, -1);

			bad_line(error, lr, l, p + sc->str_off,
				 "file name is not UTF-8: '%s'", shown);
			g_free(shown);
			sc_free(sc);
			return FALSE;
		}
		if (sc->child != 0 && c->o->log_dir != NULL &&
		    !fork_ok(c, lr, l, p, e, sc->child, error)) {
			sc_free(sc);
			return FALSE;
		}
		if (sc->child == 0 && !sc->done) {
			sc_free(ps->pending);
			ps->pending = sc;
			return TRUE;
		}
		ok = apply(c, ps, sc, error);
		sc_free(sc);
		return ok;
	}
}

/* One log of one process. */
static gboolean
run_log(conv_t *c, proc_t *ps, const char *path, GError **error)
{
	lr_t lr;
	char *l;
	size_t n;
	int got;
	gboolean ok = TRUE;

	if (!lr_open(&lr, path, error))
		return FALSE;
	lr.cancel = c->o->cancel;
	while (ok && (got = lr_next(&lr, &l, &n, error)) > 0) {
		/* "I  ADDR,SIZE", " L ADDR,SIZE", " S ...", " M ..." */
		if (G_LIKELY(n >= 4 && l[2] == ' ')) {
			if (l[0] == 'I' && l[1] == ' ') {
				ok = access_line(c, ps, &lr, l, n, VM_ACC_X, error);
				continue;
			}
			if (l[0] == ' ') {
				switch (l[1]) {
				case 'L':
					ok = access_line(c, ps, &lr, l, n, VM_ACC_R, error);
					continue;
				case 'S':
				case 'M':
					ok = access_line(c, ps, &lr, l, n, VM_ACC_W, error);
					continue;
				}
			}
		}
		if (n >= 8 && memcmp(l, "SYSCALL[", 8) == 0) {
			syscall_tid(ps, l, n);
			ok = syscall_line(c, ps, &lr, l, n, error);
			continue;
		}
		if (n >= 2 && memcmp(l, "--", 2) == 0) {
			thread_line(ps, l, n);
			continue;
		}
		if (n >= 4 && memcmp(l, " -->", 4) == 0) {
			/* The result of a call printed before (a fork's
			 * child sees the clone's). */
			sc_t *sc = ps->pending;

			if (sc != NULL) {
				ps->pending = NULL;
				parse_result(sc, l, l + n);
				ok = !sc->done || apply(c, ps, sc, error);
				sc_free(sc);
			}
			continue;
		}
		if (n == 0 || (n >= 2 && (memcmp(l, "==", 2) == 0 ||
					  memcmp(l, "--", 2) == 0)) ||
		    (n == 1 && l[0] == '\r'))
			continue;
		{
			size_t b = 0, k;

			while (b < n && l[b] == ' ')
				b++;
			for (k = b; k < n && l[k] != ' '; k++)
				;
			ok = bad_line(error, &lr, l, l + b, "not a Lackey line: '%.*s'",
				      (int)MIN(k - b, 60), l + b);
		}
	}
	c->st->lines += lr.line;
	lr_close(&lr);
	return ok && got == 0;
}

/* The logs of process @pid in @dir, in the order they were written: the
 * log a fork's child starts with (its first line after the "==" header is
 * the clone's result) first, then the others by sequence number. */
static GPtrArray *
logs_of(const char *dir, uint64_t pid)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	int best = -1;

	/* Valgrind numbers a process's logs (the %n of --log-file) from
	 * where its parent's count was: a fork's child may start at 2. */
	for (unsigned seq = 1, missing = 0; seq < 1000 && missing < 16; seq++) {
		char *p = g_strdup_printf("%s/lk.%" G_GUINT64_FORMAT ".%u.log",
					  dir, pid, seq);

		if (!g_file_test(p, G_FILE_TEST_EXISTS)) {
			g_free(p);
			missing++;
			continue;
		}
		g_ptr_array_add(v, p);
	}
	for (guint i = 0; i < v->len && best < 0; i++) {
		FILE *fp = fopen(g_ptr_array_index(v, i), "r");
		char line[256];

		while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
			if (strncmp(line, "==", 2) == 0)
				continue;
			if (strncmp(line, " -->", 4) == 0)
				best = (int)i;
			break;
		}
		if (fp != NULL)
			fclose(fp);
	}
	if (best > 0) {
		gpointer p = v->pdata[best];

		memmove(&v->pdata[1], &v->pdata[0], (size_t)best * sizeof(gpointer));
		v->pdata[0] = p;
	}
	return v;
}

static gboolean
run_process(conv_t *c, proc_t *ps, uint64_t real_pid, GError **error)
{
	GPtrArray *logs = logs_of(c->o->log_dir, real_pid);
	gboolean ok = TRUE;

	g_hash_table_add(c->pids, g_memdup2(&real_pid, sizeof(real_pid)));
	c->depth++;
	for (guint i = 0; ok && i < logs->len; i++) {
		/* A later log is the program an execve started: a new
		 * address space. */
		if (i > 0)
			ok = do_unmap_all(c, ps, error);
		if (ok)
			ok = run_log(c, ps, g_ptr_array_index(logs, i), error);
	}
	c->depth--;
	g_ptr_array_free(logs, TRUE);
	return ok;
}

/* --- Pass 1: the files ------------------------------------------------------ */

/* One SYSCALL line of pass 1: remember the path an open names. */
/* A path the trace declares, if it is new (pass 1). */
static void
collect_path(conv_t *c, char *path)
{
	if (g_utf8_validate(path, -1, NULL) && !g_hash_table_contains(c->paths, path)) {
		g_hash_table_add(c->paths, path);
		g_ptr_array_add(c->path_order, path);
		return;
	}
	g_free(path);
}

static void
collect_line(conv_t *c, const char *l, size_t n)
{
	const char *p, *e = l + n;
	sc_t sc;

	p = memchr(l, ')', n);
	if (p == NULL || p + 2 > e)
		return;
	memset(&sc, 0, sizeof(sc));
	/* Not UTF-8: pass 2 stops on it. */
	if (parse_call(&sc, p + 2, e) && file_path(&sc) != NULL &&
	    (strcmp(sc.name, "openat") == 0 || strcmp(sc.name, "open") == 0)) {
		collect_path(c, sc.str);
		sc.str = NULL;
	}
	g_free(sc.str);
}

/* Pass 1 over a log: only its SYSCALL lines, found with memmem in whole
 * blocks rather than line by line (a tenth of the time of pass 2). */
static void
collect_paths(conv_t *c, const char *path)
{
	static const char key[] = "\nSYSCALL[";
	lr_t lr;
	ssize_t got;

	if (!lr_open(&lr, path, NULL))
		return;
	lr.buf[0] = '\n';              /* a log may start with one */
	lr.end = 1;
	for (;;) {
		char *p = lr.buf + lr.pos;
		size_t avail = lr.end - lr.pos;
		char *hit = memmem(p, avail, key, sizeof(key) - 1);
		char *nl = hit != NULL ?
			memchr(hit + 1, '\n', avail - (size_t)(hit + 1 - p)) : NULL;

		if (hit != NULL && nl != NULL) {
			collect_line(c, hit + 1, (size_t)(nl - hit - 1));
			lr.pos = (size_t)(nl - lr.buf);   /* keep the '\n' */
			continue;
		}
		if (lr.eof || (c->o->cancel != NULL && *c->o->cancel))
			break;          /* interrupted: pass 2 says so */
		/* Keep what may be the start of a SYSCALL line. */
		if (hit != NULL)
			lr.pos = (size_t)(hit - lr.buf);
		else if (avail > sizeof(key))
			lr.pos = lr.end - sizeof(key);
		avail = lr.end - lr.pos;
		if (avail > LK_MAX_LINE)
			break;          /* an overlong line: pass 2 reports it */
		memmove(lr.buf, lr.buf + lr.pos, avail);
		lr.pos = 0;
		lr.end = avail;
		do
			got = read(lr.fd, lr.buf + lr.end, LK_BLOCK);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			lr.eof = TRUE;
		else
			lr.end += (size_t)got;
	}
	lr_close(&lr);
}

static gboolean
put_headers(conv_t *c, GError **error)
{
	for (guint i = 0; i < c->path_order->len; i++) {
		const char *path = g_ptr_array_index(c->path_order, i);
		struct stat st;
		char *name;
		gboolean ok;

		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    pseudo_fs(path))
			continue;
		name = trace_name(path);
		if (g_hash_table_contains(c->names, name)) {
			g_free(name);
			continue;
		}
		rec_reset(c, VM_REC_FILE, 0);
		c->rec.name = name;
		c->rec.len = (uint64_t)st.st_size;
		if (on_tmpfs(path))
			c->rec.flags = VM_FILE_TMPFS;
		ok = vm_writer_put(c->out, &c->rec, error);
		g_hash_table_add(c->names, name);
		c->st->files++;
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* @fd, open before the first line on a regular file the headers
 * declared: an `open` on its fd, at its offset then. */
static gboolean
open_inherited(conv_t *c, proc_t *ps, const vm_lackey_fd_t *in, GError **error)
{
	char *name = trace_name(in->path);
	gboolean ok = TRUE;

	if (in->fd >= 0 && in->off <= LK_MAX_OFF &&
	    g_hash_table_contains(c->names, name) && fd_get(ps, (uint64_t)in->fd) == NULL) {
		fdinfo_t *f = g_new0(fdinfo_t, 1);

		f->name = name;
		f->off = in->off;
		f->ref = 1;
		g_hash_table_insert(ps->fds, GINT_TO_POINTER(in->fd), f);
		rec_reset(c, VM_REC_OPEN, ps->tpid);
		c->rec.name = name;
		c->rec.fd = in->fd;
		return put(c, error);
	}
	g_free(name);
	return ok;
}

gboolean
vm_lackey_convert(const char *path, const vm_lackey_opts_t *opts,
		  vm_writer_t *out, vm_lackey_stats_t *stats, GError **error)
{
	conv_t c;
	proc_t *root;
	gboolean ok;

	g_return_val_if_fail(path != NULL && opts != NULL && out != NULL, FALSE);

	memset(&c, 0, sizeof(c));
	memset(stats, 0, sizeof(*stats));
	c.o = opts;
	c.out = out;
	c.st = stats;
	c.next_tpid = 1;
	c.acc_rec.kind = VM_REC_ACCESS;
	c.acc_rec.fd = -1;
	c.acc_rec.expect_pid = -1;
	c.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c.paths = g_hash_table_new(g_str_hash, g_str_equal);
	c.pids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	c.path_order = g_ptr_array_new_with_free_func(g_free);

	/* Pass 1: the files open from the start and the files every log
	 * opens, for the headers. */
	for (unsigned i = 0; i < opts->nr_inherited; i++)
		collect_path(&c, g_strdup(opts->inherited[i].path));
	if (opts->log_dir != NULL) {
		GDir *d = g_dir_open(opts->log_dir, 0, NULL);
		const char *ent;
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

		while (d != NULL && (ent = g_dir_read_name(d)) != NULL)
			if (g_str_has_prefix(ent, "lk.") && g_str_has_suffix(ent, ".log"))
				g_ptr_array_add(names, g_build_filename(opts->log_dir, ent, NULL));
		if (d != NULL)
			g_dir_close(d);
		/* Directory order is the file system's: sort, for the same
		 * trace from the same logs. */
		g_ptr_array_sort(names, (GCompareFunc)(void (*)(void))g_strcmp0);
		for (guint i = 0; i < names->len; i++)
			collect_paths(&c, g_ptr_array_index(names, i));
		g_ptr_array_free(names, TRUE);
	} else {
		collect_paths(&c, path);
	}
	ok = put_headers(&c, error);

	root = proc_new(1);
	stats->processes = 1;
	for (unsigned i = 0; ok && i < opts->nr_inherited; i++)
		ok = open_inherited(&c, root, &opts->inherited[i], error);
	if (ok && opts->log_dir != NULL) {
		/* @path is the first log of the first process: lk.PID.1.log */
		const char *base = strrchr(path, '/');
		uint64_t pid;
		const char *q;
		gboolean nok;

		base = base != NULL ? base + 1 : path;
		q = base + 3;
		pid = strncmp(base, "lk.", 3) == 0 ? parse_num(&q, q + strlen(q), &nok) : 0;
		ok = run_process(&c, root, pid, error);
	} else if (ok) {
		ok = run_log(&c, root, path, error);
	}
	proc_free(root);
	g_hash_table_destroy(c.names);
	g_hash_table_destroy(c.paths);
	g_hash_table_destroy(c.pids);
	g_ptr_array_free(c.path_order, TRUE);
	return ok;
}

gboolean
vm_lackey_sniff(const char *buf, size_t n)
{
	return (n >= 2 && memcmp(buf, "==", 2) == 0) ||
	       (n >= 3 && (memcmp(buf, "I  ", 3) == 0 || memcmp(buf, " L ", 3) == 0 ||
			   memcmp(buf, " S ", 3) == 0 || memcmp(buf, " M ", 3) == 0)) ||
	       (n >= 8 && memcmp(buf, "SYSCALL[", 8) == 0);
}
