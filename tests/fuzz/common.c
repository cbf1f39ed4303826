/*
 * The fuzz harnesses' shared part (tests/fuzz/fuzz.h): the temporary
 * directory, the replay plan and its bounds, the checked replay and the
 * writers' round trip.
 */
#include <config.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "tests/fuzz/fuzz.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/narrate.h"
#include "sim/stats.h"
#include "traces/error.h"
#include "traces/vmtb.h"

static char *dir;
/* FUZZ_VERBOSE=1: say what each input did (which bound, which error) */
static gboolean verbose;

void fz_clean(void)
{
	GDir *d = dir ? g_dir_open(dir, 0, NULL) : NULL;
	const char *ent;

	while (d && (ent = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, ent, NULL);
		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
}

static void remove_dir(void)
{
	fz_clean();
	if (dir)
		g_rmdir(dir);
	g_free(dir);
	dir = NULL;
}

static void fatal_abort(const gchar *domain, GLogLevelFlags level,
			const gchar *msg, gpointer data)
{
	g_log_default_handler(domain, level, msg, data);
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
		abort();
}

void fz_init(void)
{
	static gboolean done;

	if (done)
		return;
	done = TRUE;
	verbose = g_getenv("FUZZ_VERBOSE") != NULL;
	setlocale(LC_ALL, "C");
	/* a glib critical is a caller's bug: a finding */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
	/* glib ends a fatal message with SIGTRAP, which libFuzzer does not
	 * catch: it then saved no artifact of a glib critical.  abort()
	 * instead, which it does. */
	g_log_set_default_handler(fatal_abort, NULL);
	/* never run the host probes (`profile host`): they are slow and read
	 * this machine; the harnesses skip that name, this is a second belt */
	g_setenv("VMSCOPE_PROBES", "/nonexistent/vmprobe", TRUE);
	dir = g_dir_make_tmp("vmscope-fuzz-XXXXXX", NULL);
	if (dir == NULL)
		fz_fail("cannot make a temporary directory");
	atexit(remove_dir);
}

const char *fz_dir(void)
{
	fz_init();
	return dir;
}

char *fz_write(const char *name, const void *data, size_t n)
{
	char *path = g_build_filename(fz_dir(), name, NULL);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		fz_fail("cannot write %s", path);
	return path;
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FUZZ FINDING: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the plan ------------------------------------------------------------ */

static void too_big(fz_plan_t *plan, const char *why)
{
	if (plan->replay) {
		plan->replay = FALSE;
		plan->why = why;
	}
}

void fz_plan(vm_vmt_reader_t *r, fz_plan_t *plan)
{
	vm_config_t cfg;
	vm_record_t rec;
	GError *err = NULL;
	GPtrArray *o = g_ptr_array_new();

	memset(plan, 0, sizeof(*plan));
	plan->replay = TRUE;
	vm_config_default(&cfg);
	while (vm_vmt_next(r, &rec, &err)) {
		switch (rec.kind) {
		case VM_REC_PROFILE:
			if (strcmp(rec.name, "host") == 0)
				too_big(plan, "profile host");
			else
				vm_config_load(&cfg, rec.name, NULL);
			break;
		case VM_REC_SET:
			vm_config_set(&cfg, rec.name, rec.value, NULL);
			break;
		case VM_REC_SEQ:
		case VM_REC_RAND:
			if (rec.len > FZ_MAX_RANGE || rec.stride > FZ_MAX_RANGE ||
			    rec.count > FZ_MAX_COUNT)
				too_big(plan, "seq/rand range");
			break;
		case VM_REC_MMAP:
		case VM_REC_MUNMAP:
		case VM_REC_MPROTECT:
		case VM_REC_MADVISE:
		case VM_REC_MSYNC:
			if (rec.len > FZ_MAX_MAP)
				too_big(plan, "mapping length");
			break;
		case VM_REC_READ:
		case VM_REC_WRITE:
			if (rec.len > FZ_MAX_RW)
				too_big(plan, "read/write length");
			break;
		default:
			break;
		}
	}
	g_clear_error(&err);

	/* a small machine: a few frames, a little swap */
	uint64_t ps = cfg.page_size ? cfg.page_size : 4096;
	if (cfg.memory / ps < FZ_MIN_FRAMES)
		g_ptr_array_add(o, g_strdup_printf("memory=%" G_GUINT64_FORMAT,
						   ps * FZ_MIN_FRAMES));
	else if (cfg.memory / ps > FZ_MAX_FRAMES)
		g_ptr_array_add(o, g_strdup_printf("memory=%" G_GUINT64_FORMAT,
						   ps * FZ_MAX_FRAMES));
	if (cfg.swap_size / ps > FZ_MAX_SWAP_PAGES)
		g_ptr_array_add(o, g_strdup_printf("swap.size=%" G_GUINT64_FORMAT,
						   ps * FZ_MAX_SWAP_PAGES));
	g_ptr_array_add(o, NULL);
	plan->overrides = (char **)g_ptr_array_free(o, FALSE);
	if (verbose && !plan->replay)
		fprintf(stderr, "  not replayed: %s\n", plan->why);
}

void fz_plan_free(fz_plan_t *plan)
{
	g_strfreev(plan->overrides);
	plan->overrides = NULL;
}

/* ---- the replay ----------------------------------------------------------- */

static GString *narration;

static void on_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	(void)ctx;
	g_string_truncate(narration, 0);
	vm_narrate_step(narration, e, st);
}

static void on_expect_fail(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static void check_error(const char *name, const GError *err)
{
	if (err && err->domain == VM_ERROR && err->code == VM_ERROR_INTERNAL)
		fz_fail("%s: internal error: %s", name, err->message);
}

gboolean fz_replay(const char *name, const char *path, const char *text,
		   const fz_plan_t *plan, GError **error)
{
	vm_engine_opts_t opts = {
		.check = TRUE,
		.on_step = on_step,
		.on_expect_fail = on_expect_fail,
	};
	vm_engine_t *e;
	GError *err = NULL;
	GString *out;
	int r = 1;

	if (narration == NULL)
		narration = g_string_new(NULL);
	e = path ? vm_engine_open(path, NULL, plan->overrides, &opts, &err)
		 : vm_engine_open_memory(name, text, NULL, plan->overrides,
					 &opts, &err);
	if (e == NULL) {
		if (verbose)
			fprintf(stderr, "  refused: %s\n", err->message);
		check_error(name, err);
		g_propagate_error(error, err);
		return FALSE;
	}
	for (unsigned i = 0; i < FZ_MAX_EVENTS && r > 0; i++)
		r = vm_engine_step(e, &err);
	if (verbose)
		fprintf(stderr, "  replayed %" G_GUINT64_FORMAT " events%s%s\n",
			vm_engine_events(e), err ? ": " : "", err ? err->message : "");
	check_error(name, err);
	g_clear_error(&err);

	/* the statistics in every format; JSON must be text */
	out = g_string_new(NULL);
	vm_stats_write(e, VM_FMT_TEXT, out);
	vm_stats_write(e, VM_FMT_CSV, out);
	g_string_truncate(out, 0);
	vm_stats_write(e, VM_FMT_JSON, out);
	if (!g_utf8_validate(out->str, (gssize)out->len, NULL))
		fz_fail("%s: -f json wrote bytes that are not UTF-8", name);
	g_string_free(out, TRUE);
	vm_engine_free(e);
	return TRUE;
}

/* ---- the writers' round trip ---------------------------------------------- */

/* Read @r to its end: its records as .vmt into @text (after "vmt 1") and,
 * when @bin is not NULL, as .vmtb into *bin.  FALSE with @error when a
 * record does not parse; FALSE without one when a record cannot be encoded
 * as .vmtb (a string too long): nothing to compare then. */
static gboolean collect(vm_vmt_reader_t *r, GString *text, char **bin,
			size_t *binlen, GError **error)
{
	FILE *f = NULL;
	vm_vmtb_writer_t *w = NULL;
	vm_record_t rec;
	gboolean ok = TRUE;

	if (bin) {
		f = open_memstream(bin, binlen);
		w = vm_vmtb_writer_new(f);
	}
	g_string_assign(text, "vmt 1\n");
	while (vm_vmt_next(r, &rec, error)) {
		vm_vmt_format(&rec, text);
		g_string_append_c(text, '\n');
		if (w && ok && !vm_vmtb_write(w, &rec, "roundtrip", NULL))
			ok = FALSE;
	}
	if (w) {
		if (ok)
			ok = vm_vmtb_writer_finish(w, "roundtrip", NULL);
		else
			vm_vmtb_writer_free(w);
		fclose(f);
	}
	return ok && (error == NULL || *error == NULL);
}

/* The first line where @a and @b differ, for the report. */
static void differ(const char *what, const GString *a, const GString *b)
{
	const char *p = a->str, *q = b->str;
	unsigned line = 1;

	while (*p && *p == *q) {
		if (*p == '\n')
			line++;
		p++;
		q++;
	}
	fz_fail("%s: line %u differs:\n  %.*s\n  %.*s", what, line,
		(int)strcspn(p, "\n"), p, (int)strcspn(q, "\n"), q);
}

/* @rec as a line of read_all's: its line, columns and the record. */
static void record_line(const vm_record_t *rec, GString *out)
{
	g_string_append_printf(out, "%" G_GUINT64_FORMAT ": ", rec->line);
	for (int i = 0; i < VM_REC_MAX_COLS; i++)
		g_string_append_printf(out, "%u,", rec->cols[i]);
	for (uint32_t i = 0; i < rec->nr_checks; i++)
		g_string_append_printf(out, "c%u,", rec->checks[i].col);
	g_string_append_c(out, ' ');
	vm_vmt_format(rec, out);
	g_string_append_c(out, '\n');
}

/* Every record @r reads, with its line and columns, and its error
 * without the reader's name (@name_len bytes at the start of the
 * message).  With @keep, into one record kept across the calls
 * (vm_vmt_keep_record, as the engine reads), else into one filled with
 * garbage before each call (every field is written). */
static void read_all(vm_vmt_reader_t *r, gboolean skim, gboolean keep,
		     size_t name_len, GString *out)
{
	vm_record_t rec;
	GError *err = NULL;
	vm_rec_kind_t prev_kind = VM_REC_NR;
	uint32_t prev_pid = 0;

	vm_vmt_set_skim(r, skim);
	g_string_truncate(out, 0);
	memset(&rec, 0xa5, sizeof rec);
	if (keep)
		vm_vmt_keep_record(r, &rec);
	for (;;) {
		int got;

		if (!keep)
			memset(&rec, 0x5a, sizeof rec);
		got = keep ? vm_vmt_next_kept(r, &rec, &err)
			   : vm_vmt_next(r, &rec, &err);
		if (!got)
			break;
		/* vm_vmt_next_kept's 2: a one-byte access of the process of
		 * the access before */
		if (got == 2 && !(rec.kind == VM_REC_ACCESS && rec.len == 1 &&
				  prev_kind == VM_REC_ACCESS && rec.pid == prev_pid))
			fz_fail("vm_vmt_next_kept said 2 for the record of line %"
				G_GUINT64_FORMAT, rec.line);
		prev_kind = rec.kind;
		prev_pid = rec.pid;
		record_line(&rec, out);
	}
	if (err) {
		g_string_append_printf(out, "error: %s\n",
				       strlen(err->message) >= name_len
				       ? err->message + name_len : err->message);
		g_error_free(err);
	}
}

static void page_runs_same(const char *name, const void *data, size_t n,
			   const char *path);

/*
 * A file reader reads @data as the memory reader does (@how 0), with the
 * check pass's skim (1), and into a record kept across the calls (2): the
 * file reader reads fast lines in place from its block buffer
 * (traces/vmt.c fast_line, skim_lines) and short .vmtb accesses into a
 * kept record by writing only what changed (vm_vmt_keep_record), ways the
 * memory reader never takes; with a kept record, also with the runs of
 * one page the engine takes whole (page_runs_same).
 */
static void file_same_as_memory_how(const char *name, const void *data,
				    size_t n, int how)
{
	char *path = NULL;
	int fd = g_file_open_tmp("fuzz-XXXXXX", &path, NULL);
	GString *a = g_string_new(NULL), *b = g_string_new(NULL);
	vm_vmt_reader_t *rm, *rf;

	if (fd < 0)
		goto out;
	if (write(fd, data, n) != (ssize_t)n) {
		close(fd);
		goto out;
	}
	close(fd);
	rm = vm_vmt_open_memory(name, data, n);
	rf = vm_vmt_open(path, NULL);
	if (rf != NULL) {
		read_all(rm, how == 1, FALSE, strlen(name), a);
		read_all(rf, how == 1, how == 2, strlen(path), b);
		vm_vmt_close(rf);
		if (how == 2)
			page_runs_same(name, data, n, path);
		if (!g_string_equal(a, b))
			differ(how == 1 ? "the file reader's skim" :
			       how == 2 ? "the file reader into a kept record" :
			       "the file reader", a, b);
	}
	vm_vmt_close(rm);
out:
	if (path)
		unlink(path);
	g_free(path);
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
}

/* @x and @y are the same record, line and columns (read_all's lines,
 * written into @a and @b), or a finding. */
static void same_lines(const char *what, const vm_record_t *x,
		       const vm_record_t *y, GString *a, GString *b)
{
	g_string_truncate(a, 0);
	g_string_truncate(b, 0);
	record_line(x, a);
	record_line(y, b);
	if (!g_string_equal(a, b))
		differ(what, a, b);
}

/*
 * The engine's way of reading (vm_vmt_next_kept into a kept record, and
 * after each record vm_vmt_next_page_run, for kinds, page and a limit
 * that vary) reads from the file at @path what the memory reader reads
 * one record at a time: each run's records are one-byte accesses of the
 * process of the record before, of a kind and to the page asked for, no
 * more than asked, counted right by kind, the last left in the kept
 * record; and the records between runs, and the error, are the same.
 */
static void page_runs_same(const char *name, const void *data, size_t n,
			   const char *path)
{
	vm_vmt_reader_t *rm = vm_vmt_open_memory(name, data, n);
	vm_vmt_reader_t *rf = vm_vmt_open(path, NULL);
	GString *a = g_string_new(NULL), *b = g_string_new(NULL);
	GError *ea = NULL, *eb = NULL;
	vm_record_t kept, one;
	uint64_t x = n * 0x9e3779b97f4a7c15ull + 1;

	if (rf == NULL)
		goto out;
	memset(&kept, 0xa5, sizeof kept);
	vm_vmt_keep_record(rf, &kept);
	for (;;) {
		int got = vm_vmt_next_kept(rf, &kept, &ea);
		gboolean gm = vm_vmt_next(rm, &one, &eb);

		if ((got != 0) != gm)
			fz_fail("page runs: one reader ended, the other not");
		if (!got)
			break;
		same_lines("page runs: the record read", &kept, &one, a, b);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned kinds = x & 8 ? 7 : (unsigned)(x & 7);
		uint64_t max = x & 16 ? (x >> 8) % 5 : UINT64_MAX;
		unsigned shift = x & 32 ? 12 : 21;
		uint64_t page = kept.addr >> shift, cnt[3] = { 0, 0, 0 }, m[3] = { 0, 0, 0 };
		uint32_t pid = kept.pid;
		gboolean access = kept.kind == VM_REC_ACCESS;
		uint64_t k = vm_vmt_next_page_run(rf, &kept, page, shift, kinds, max, cnt);

		if (k > max || cnt[0] + cnt[1] + cnt[2] != k || (k && !access))
			fz_fail("page runs: %" G_GUINT64_FORMAT " records read, "
				"counted %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
				"+%" G_GUINT64_FORMAT, k, cnt[0], cnt[1], cnt[2]);
		for (uint64_t i = 0; i < k; i++) {
			if (!vm_vmt_next(rm, &one, &eb) || one.kind != VM_REC_ACCESS ||
			    one.len != 1 || one.pid != pid ||
			    !(kinds >> one.acc & 1) || one.addr >> shift != page)
				fz_fail("page runs: record %" G_GUINT64_FORMAT " of a run"
					" of %" G_GUINT64_FORMAT " is not one", i, k);
			m[one.acc]++;
		}
		if (k) {
			if (memcmp(cnt, m, sizeof m) != 0)
				fz_fail("page runs: counted by kind wrong");
			same_lines("page runs: a run's last record", &kept, &one,
				   a, b);
		}
	}
	if ((ea != NULL) != (eb != NULL))
		fz_fail("page runs: one reader failed, the other not");
	if (ea && strcmp(ea->message + strlen(path), eb->message + strlen(name)) != 0)
		fz_fail("page runs: the errors differ:\n  %s\n  %s", ea->message,
			eb->message);
	vm_vmt_close(rf);
out:
	vm_vmt_close(rm);
	g_clear_error(&ea);
	g_clear_error(&eb);
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
}

static void file_same_as_memory(const char *name, const void *data, size_t n)
{
	file_same_as_memory_how(name, data, n, 0);
	file_same_as_memory_how(name, data, n, 1);
	if (n >= VM_VMTB_MAGIC_LEN && vm_vmtb_is_magic(data, n)) {
		/* The reader's hot path wants a whole record's room
		 * (VM_VMTB_MAX_REC bytes) unread: 0xff bytes after the input
		 * give it that, and stop the reading where the input ends (an
		 * end record with a count out of range, or bytes after the
		 * end record), for both readers alike. */
		size_t pad = VM_VMTB_MAX_REC + 64;
		uint8_t *p = g_malloc(n + pad);

		memcpy(p, data, n);
		memset(p + n, 0xff, pad);
		file_same_as_memory_how(name, p, n + pad, 2);
		g_free(p);
	} else {
		file_same_as_memory_how(name, data, n, 2);
	}
}

void fz_roundtrip(const char *name, const void *data, size_t n)
{
	file_same_as_memory(name, data, n);

	GString *t1 = g_string_new(NULL), *t2 = g_string_new(NULL);
	char *bin = NULL;
	size_t binlen = 0;
	GError *err = NULL;
	vm_vmt_reader_t *r = vm_vmt_open_memory(name, data, n);
	gboolean ok = collect(r, t1, &bin, &binlen, &err);

	vm_vmt_close(r);
	g_clear_error(&err);
	if (ok) {
		/* the text the writer wrote reads back as itself */
		r = vm_vmt_open_memory("roundtrip.vmt", t1->str, t1->len);
		if (!collect(r, t2, NULL, NULL, &err))
			fz_fail("%s: the formatted records do not read back: %s\n%s",
				name, err ? err->message : "?", t1->str);
		vm_vmt_close(r);
		if (!g_string_equal(t1, t2))
			differ(".vmt written and read again", t1, t2);
		/* the .vmtb the encoder wrote decodes to the same records */
		r = vm_vmt_open_memory("roundtrip.vmtb", bin, binlen);
		if (!collect(r, t2, NULL, NULL, &err))
			fz_fail("%s: the encoded records do not decode: %s", name,
				err ? err->message : "?");
		vm_vmt_close(r);
		if (!g_string_equal(t1, t2))
			differ(".vmtb written and read again", t1, t2);
	}
	free(bin);
	g_string_free(t1, TRUE);
	g_string_free(t2, TRUE);
}
