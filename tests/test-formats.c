/*
 * Tests of the trace formats of issue 9: the .vmtb codec (traces/vmtb.c)
 * as vm_vmt_open reads it, the trace writers (traces/writer.c) and the
 * Lackey importer (traces/lackey.c).
 *
 *   - every record kind, and every optional field, goes .vmt -> .vmtb and
 *     back to the same record, with the columns of its line in the .vmt
 *     that convert writes, and the text writer spells every record as
 *     vm_vmt_format does;
 *   - a .vmtb cut at every length, and one with each byte changed, reads
 *     as an error naming the file (or, for a changed byte, as valid
 *     records), never a crash;
 *   - marks across the 1 MiB blocks of a 3 MiB .vmtb, and rewinding;
 *   - the check pass's skimming read leaves out only what a check cannot
 *     fail, and fails where a full read fails;
 *   - a record kept across the calls (vm_vmt_keep_record) reads as a
 *     fresh one;
 *   - Lackey: good lines give the expected trace (page deduplication,
 *     implicit mappings, system calls), malformed lines an error
 *     "FILE:LINE:COL: ... 'TOKEN'".
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <glib/gstdio.h>
#include "traces/error.h"
#include "traces/lackey.h"
#include "traces/vmt.h"
#include "traces/vmtb.h"
#include "traces/writer.h"
#include "tests/testlib.h"

/* One line of every record kind and option. */
static const char every_kind[] =
	"vmt 1\n"
	"set memory=64M\n"
	"set tlb.policy=\n"
	"profile tiny\n"
	"file data.bin size=64K\n"
	"file sparse.bin size=1G sparse cached\n"
	"file shm.bin size=8K tmpfs\n"
	"1 r 0x7f001000\n"
	"1 w 0x7f001008 8\n"
	"1 x 0x400000 4K\n"
	"7 r 0x10\n"
	"7 r 0x8\n"
	"2147483647 r 0xffffffffffffffff 4097\n"
	"1 seq r 0x1000 64K\n"
	"1 seq w 0x1000 64K stride=64\n"
	"1 rand r 0x1000 1M count=100\n"
	"1 rand w 0x1000 1M count=5 seed=99\n"
	"1 mmap 0x10000 64K rw private anon\n"
	"1 mmap 0x20000 8K r shared fd=3\n"
	"1 mmap 0x30000 8K rwx private fd=2147483647 off=4K\n"
	"1 mmap 0x40000 4K none shared anon\n"
	"1 munmap 0x10000 4K\n"
	"1 mprotect 0x10000 4K rx\n"
	"1 madvise 0x10000 4K normal\n"
	"1 madvise 0x10000 4K dontneed\n"
	"1 msync 0x10000 4K sync\n"
	"1 msync 0x10000 4K async\n"
	"1 open data.bin fd=3\n"
	"1 open new.bin fd=4 create trunc\n"
	"1 open shm2.bin fd=5 create trunc tmpfs\n"
	"1 read 3 0 4K\n"
	"1 write 3 8K 100\n"
	"1 fsync 3\n"
	"1 ftruncate 3 12K\n"
	"1 close 3\n"
	"1 unlink data.bin\n"
	"1 fork 2\n"
	"2 catch sigbus\n"
	"2 catch sigsegv\n"
	"2 oom_score_adj -1000\n"
	"2 oom_score_adj 999\n"
	"1 mremap 0x10000 4K 8K\n"
	"1 mremap 0x10000 8K 4K to=0x7f000000\n"
	"2 sleep 5ms\n"
	"2 note hello   world, with blanks\n"
	"2 exit\n"
	"1 expect majflt=3 minflt<=10 pgfault>=1\n"
	"1 expect pid=2 outcome=major\n"
	"1 expect file=data.bin cached_pages=0\n"
	"crash\n"
	"1 r 0x7f001000\n";

static char *
temp_path(const char *suffix)
{
	char *tmpl = g_strdup_printf("vmscope-test-XXXXXX%s", suffix);
	char *path = NULL;
	int fd = g_file_open_tmp(tmpl, &path, NULL);

	ck_assert_int_ge(fd, 0);
	close(fd);
	g_free(tmpl);
	return path;
}

static char *
write_temp(const char *data, size_t len)
{
	char *path = temp_path(".bin");
	FILE *f = fopen(path, "wb");

	/* Not g_file_set_contents: its fsync made this test slow. */
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}


/* Every record of @path (any format), as vm_vmt_format lines, and the
 * records' line numbers and columns as "LINE:c0,c1,..". */
static gboolean
read_all(const char *path, GString *lines, GString *cols, GError **error)
{
	vm_vmt_reader_t *r = vm_vmt_open(path, error);
	vm_record_t rec;

	if (r == NULL)
		return FALSE;
	while (vm_vmt_next(r, &rec, error)) {
		vm_vmt_format(&rec, lines);
		g_string_append_c(lines, '\n');
		if (cols != NULL) {
			g_string_append_printf(cols, "%" G_GUINT64_FORMAT ":",
					       rec.line);
			for (int i = 0; i < VM_REC_MAX_COLS; i++)
				g_string_append_printf(cols, "%u,", rec.cols[i]);
			for (uint32_t i = 0; i < rec.nr_checks; i++)
				g_string_append_printf(cols, "c%u,", rec.checks[i].col);
			g_string_append_c(cols, '\n');
		}
	}
	vm_vmt_close(r);
	return error == NULL || *error == NULL;
}

START_TEST(every_kind_round_trip)
{
	char *text = vt_trace_file(every_kind, FALSE);
	char *bin = vt_trace_file(every_kind, TRUE);
	char *norm = NULL, *back;
	GString *l1 = g_string_new(NULL), *c1 = g_string_new(NULL);
	GString *l2 = g_string_new(NULL), *c2 = g_string_new(NULL);
	GError *error = NULL;
	vm_vmt_reader_t *r;
	vm_record_t rec;
	int n = 0;

	/* The text writer spells each record as vm_vmt_format does. */
	ck_assert(g_file_get_contents(text, &norm, NULL, NULL));
	r = vm_vmt_open_memory("in.vmt", every_kind, strlen(every_kind));
	g_string_append(l1, "vmt 1\n");
	while (vm_vmt_next(r, &rec, &error)) {
		vm_vmt_format(&rec, l1);
		g_string_append_c(l1, '\n');
		n++;
	}
	vm_vmt_close(r);
	ck_assert_int_eq(n, 50);
	ck_assert_str_eq(norm, l1->str);
	g_string_truncate(l1, 0);

	/* The normalized text and the .vmtb give the same records, lines
	 * and columns. */
	ck_assert(read_all(text, l1, c1, &error));
	ck_assert_msg(read_all(bin, l2, c2, &error), "%s", error ? error->message : "");
	ck_assert_str_eq(l1->str, l2->str);
	ck_assert_str_eq(c1->str, c2->str);

	/* .vmtb -> .vmt is byte-identical with the normalized text. */
	back = g_strconcat("vmt 1\n", l2->str, NULL);
	ck_assert_str_eq(back, norm);

	/* The binary is smaller. */
	{
		GStatBuf a, b;

		ck_assert_int_eq(g_stat(text, &a), 0);
		ck_assert_int_eq(g_stat(bin, &b), 0);
		ck_assert_int_lt(b.st_size, a.st_size);
	}
	g_free(back);
	g_free(norm);
	g_unlink(text);
	g_unlink(bin);
	g_free(text);
	g_free(bin);
	g_string_free(l1, TRUE);
	g_string_free(l2, TRUE);
	g_string_free(c1, TRUE);
	g_string_free(c2, TRUE);
}
END_TEST

/* A .vmtb cut at every length is an error (never fewer records quietly),
 * and each message names the file. */
START_TEST(truncated_files)
{
	char *bin = vt_trace_file(every_kind, TRUE);
	char *data;
	gsize len;

	ck_assert(g_file_get_contents(bin, &data, &len, NULL));
	for (gsize cut = 0; cut < len; cut++) {
		char *p = write_temp(data, cut);
		GString *l = g_string_new(NULL);
		GError *error = NULL;

		ck_assert_msg(!read_all(p, l, NULL, &error), "cut at %zu read", cut);
		ck_assert_ptr_nonnull(error);
		ck_assert_msg(g_str_has_prefix(error->message, p),
			      "cut %zu: %s", cut, error->message);
		if (cut > VM_VMTB_MAGIC_LEN + 1)
			ck_assert_msg(strstr(error->message, "truncated") != NULL,
				      "cut %zu: %s", cut, error->message);
		g_clear_error(&error);
		g_string_free(l, TRUE);
		g_unlink(p);
		g_free(p);
	}
	g_unlink(bin);
	g_free(bin);
	g_free(data);
}
END_TEST

static GString *
read_lines(vm_vmt_reader_t *r, gboolean skim, GError **error)
{
	GString *out = g_string_new(NULL);
	vm_record_t rec;

	vm_vmt_set_skim(r, skim);
	while (vm_vmt_next(r, &rec, error)) {
		g_string_append_printf(out, "%" G_GUINT64_FORMAT ":%u,%u,%u,%u ",
				       rec.line, rec.cols[0], rec.cols[1],
				       rec.cols[2], rec.cols[3]);
		vm_vmt_format(&rec, out);
		g_string_append_c(out, '\n');
	}
	return out;
}

/* @s split at '\n', as g_strsplit(s, "\n", -1); by hand, since its
 * strstr is quadratic under ASan, whose interceptor measures the whole
 * haystack on every call. */
static char **
split_lines(const char *s)
{
	GPtrArray *a = g_ptr_array_new();
	const char *start = s;

	for (const char *p = s;; p++) {
		if (*p == '\n' || *p == '\0') {
			g_ptr_array_add(a, g_strndup(start, (gsize)(p - start)));
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* The lines of @full (read_lines) a skimming read keeps. */
static GString *
skimmed(const char *full)
{
	GString *out = g_string_new(NULL);
	char **lines = split_lines(full);
	char prev_pid[16] = "";
	gboolean prev_access = FALSE;

	for (char **l = lines; *l && **l; l++) {
		char pid[16] = "", op[8] = "", addr[32] = "", size[32] = "";
		int n = sscanf(strchr(*l, ' ') + 1, "%15s %7s %31s %31s", pid, op, addr, size);
		gboolean access = n >= 3 && strlen(op) == 1 && strchr("rwx", op[0]);

		if (!(access && n == 3 && prev_access && strcmp(pid, prev_pid) == 0)) {
			g_string_append(out, *l);
			g_string_append_c(out, '\n');
		}
		prev_access = access;
		g_strlcpy(prev_pid, pid, sizeof prev_pid);
	}
	g_strfreev(lines);
	return out;
}

/* @skim holds only lines of @full, and every line of @want: a corrupt
 * .vmtb can spell a one-page access in the long form, which the skim keeps
 * (and the check accepts). */
static gboolean
skim_within(const char *full, const char *skim, const char *want)
{
	GHashTable *in_full = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTable *in_skim = g_hash_table_new(g_str_hash, g_str_equal);
	char **f = split_lines(full), **k = split_lines(skim);
	char **w = split_lines(want);
	gboolean ok = TRUE;

	for (char **l = f; *l; l++)
		g_hash_table_add(in_full, *l);
	for (char **l = k; *l; l++) {
		g_hash_table_add(in_skim, *l);
		ok = ok && g_hash_table_contains(in_full, *l);
	}
	for (char **l = w; *l; l++)
		ok = ok && g_hash_table_contains(in_skim, *l);
	g_hash_table_destroy(in_full);
	g_hash_table_destroy(in_skim);
	g_strfreev(f);
	g_strfreev(k);
	g_strfreev(w);
	return ok;
}

/* Each byte changed (to six values): an error that names the file and a
 * line, or records that are valid (they print and parse back).  Never a
 * crash, which the test runner would report.  And the check pass's
 * skimming read fails exactly when the full read fails, with the same
 * message, leaving out only records it may (runs of accesses follow
 * every_kind here for it to skim). */
START_TEST(corrupt_files)
{
	static const uint8_t values[] = { 0x00, 0xff, 0x7f, 0x01, 0x02, 0x80 };
	GString *t = g_string_new(every_kind);

	for (unsigned i = 0; i < 40; i++)
		g_string_append_printf(t, "1 %c 0x%x\n", "rrw"[i % 3], 0x10000 + i * 0x440);
	g_string_append(t, "1 r 0x20000 8\n1 fork 2\n2 r 0x10000\n2 r 0x10040\n"
			"2 exit\n1 r 0x10040\n");
	char *bin = vt_trace_file(t->str, TRUE);
	char *data;
	gsize len;
	unsigned errors = 0;

	ck_assert(g_file_get_contents(bin, &data, &len, NULL));
	for (gsize at = 0; at < len; at++) {
		for (unsigned v = 0; v < G_N_ELEMENTS(values); v++) {
			char *copy = g_memdup2(data, len);
			vm_vmt_reader_t *r;
			vm_record_t rec;
			GString *l = g_string_new("vmt 1\n");
			GError *error = NULL;

			if ((uint8_t)copy[at] == values[v]) {
				g_free(copy);
				g_string_free(l, TRUE);
				continue;
			}
			copy[at] = (char)values[v];
			/* In memory: the same codec, without 2000 files. */
			r = vm_vmt_open_memory("c.vmtb", copy, len);
			while (vm_vmt_next(r, &rec, &error)) {
				vm_vmt_format(&rec, l);
				g_string_append_c(l, '\n');
			}
			vm_vmt_close(r);
			if (error != NULL) {
				ck_assert_msg(g_str_has_prefix(error->message, "c.vmtb:"),
					      "%s", error->message);
				errors++;
			} else {
				/* Valid records: their text parses. */
				r = vm_vmt_open_memory("t", l->str, l->len);
				while (vm_vmt_next(r, &rec, &error))
					;
				ck_assert_msg(error == NULL, "byte %zu=%u: %s",
					      at, values[v], error->message);
				vm_vmt_close(r);
			}
			g_clear_error(&error);

			GError *e1 = NULL, *e2 = NULL;
			r = vm_vmt_open_memory("c.vmtb", copy, len);
			GString *full = read_lines(r, FALSE, &e1);
			vm_vmt_close(r);
			r = vm_vmt_open_memory("c.vmtb", copy, len);
			GString *skim = read_lines(r, TRUE, &e2);
			vm_vmt_close(r);
			GString *want = skimmed(full->str);
			if ((e1 == NULL) != (e2 == NULL) ||
			    (e1 && strcmp(e1->message, e2->message) != 0) ||
			    !skim_within(full->str, skim->str, want->str))
				ck_abort_msg("byte %zu=%u: full '%s', skim '%s'", at, values[v],
					     e1 ? e1->message : "ok", e2 ? e2->message : "ok");
			g_clear_error(&e1);
			g_clear_error(&e2);
			g_string_free(full, TRUE);
			g_string_free(skim, TRUE);
			g_string_free(want, TRUE);
			g_string_free(l, TRUE);
			g_free(copy);
		}
	}
	ck_assert_uint_gt(errors, len);
	g_unlink(bin);
	g_free(bin);
	g_free(data);
	g_string_free(t, TRUE);
}
END_TEST

START_TEST(bad_header_and_messages)
{
	static const struct {
		const char *data;
		size_t len;
		const char *msg;
	} cases[] = {
		{ VM_VMTB_MAGIC "\x02", 9, ":1:1: unsupported .vmtb version" },
		{ VM_VMTB_MAGIC "\x01", 9, ":2:1: truncated .vmtb: no end record" },
		{ VM_VMTB_MAGIC "\x01\xff\x00", 11, NULL },  /* empty, valid */
		{ VM_VMTB_MAGIC "\x01\xff\x01", 11, ":2:1: the end record's count" },
		{ VM_VMTB_MAGIC "\x01\x03\x00\xff\x01", 13, ":2:1: bad record tag (byte offset 9)" },
		{ VM_VMTB_MAGIC "\x01\x08\x00\x00\xff\x01", 14, ":2:1: bad pid" },
		{ VM_VMTB_MAGIC "\x01\x0c\x01\x00\x00\xff\x01", 15, ":2:1: access of size 0" },
		{ VM_VMTB_MAGIC "\x01\x08\x01\x00\xff\x01\x00", 15, ":3:1: bytes after the end record" },
		/* an event, then a header */
		{ VM_VMTB_MAGIC "\x01\x08\x01\x00\x28\x01x\xff\x02", 17,
		  ":3:1: header record after the first event" },
		/* oom_score_adj: -1000 (zigzag 1999), then 1001 (2002) */
		{ VM_VMTB_MAGIC "\x01\x2d\x01\xcf\x0f\xff\x01", 15, NULL },
		{ VM_VMTB_MAGIC "\x01\x2d\x01\xd2\x0f\xff\x01", 15,
		  ":2:1: bad oom_score_adj" },
		/* open with a name holding a blank */
		{ VM_VMTB_MAGIC "\x01\x1a\x01\x03\x61\x20\x62\x04\x00\xff\x01", 19,
		  ":2:1: string is not a single token" },
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *p = write_temp(cases[i].data, cases[i].len);
		GString *l = g_string_new(NULL);
		GError *error = NULL;
		gboolean ok = read_all(p, l, NULL, &error);

		if (cases[i].msg == NULL) {
			ck_assert_msg(ok, "case %u: %s", i, error ? error->message : "");
		} else {
			char *want = g_strconcat(p, cases[i].msg, NULL);

			ck_assert_msg(!ok, "case %u read", i);
			ck_assert_msg(g_str_has_prefix(error->message, want),
				      "case %u: '%s', want '%s...'", i,
				      error->message, want);
			g_free(want);
		}
		g_clear_error(&error);
		g_string_free(l, TRUE);
		g_unlink(p);
		g_free(p);
	}
}
END_TEST

/*
 * Marks and rewinding in a .vmtb of more than 3 MiB (so that records
 * straddle the 1 MiB read blocks): mark before every 997th record, read to
 * the end, restore the marks in reverse order: the next record is the one
 * that followed the mark, with its line; a rewind starts again from the
 * first.
 */
START_TEST(vmtb_marks)
{
	GString *t = g_string_new("vmt 1\nfile a size=1M\n1 mmap 0x10000 1G rw private anon\n");
	GArray *want = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	GArray *marks = g_array_new(FALSE, FALSE, sizeof(vm_vmt_mark_t));
	GArray *at = g_array_new(FALSE, FALSE, sizeof(guint));
	uint64_t s = 42;
	char *bin;
	GError *error = NULL;
	vm_vmt_reader_t *r;
	vm_record_t rec;
	guint n = 0;
	GStatBuf st;

	g_array_append_val(want, (uint64_t){ 0 });
	g_array_append_val(want, (uint64_t){ 0x10000 });
	while (want->len < 1200000) {
		uint64_t a = 0x10000 + vm_splitmix64(&s) % (1u << 30);

		g_string_append_printf(t, "%u %c 0x%" G_GINT64_MODIFIER "x\n",
				       1 + (unsigned)(a >> 12) % 3, "rwx"[a % 3], a);
		g_array_append_val(want, a);
	}
	bin = vt_trace_file(t->str, TRUE);
	ck_assert_int_eq(g_stat(bin, &st), 0);
	ck_assert_int_gt(st.st_size, 3 << 20);
	r = vm_vmt_open(bin, &error);
	ck_assert_ptr_nonnull(r);
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		g_array_set_size(marks, 0);
		g_array_set_size(at, 0);
		for (;;) {
			if (n % 997 == 0) {
				vm_vmt_mark_t m;

				vm_vmt_mark(r, &m);
				g_array_append_val(marks, m);
				g_array_append_val(at, n);
			}
			if (!vm_vmt_next(r, &rec, &error))
				break;
			if (rec.line != n + 2)
				ck_abort_msg("record %u has line %" G_GUINT64_FORMAT,
					     n, rec.line);
			n++;
		}
		ck_assert_ptr_null(error);
		ck_assert_uint_eq(n, want->len);
		for (guint i = marks->len; i-- > 0;) {
			guint k = g_array_index(at, guint, i);

			ck_assert(vm_vmt_restore(r, &g_array_index(marks, vm_vmt_mark_t, i),
						 &error));
			ck_assert(vm_vmt_next(r, &rec, &error));
			ck_assert_uint_eq(rec.line, k + 2);
			if (k >= 2)
				ck_assert_uint_eq(rec.addr, g_array_index(want, uint64_t, k));
		}
		ck_assert(vm_vmt_rewind(r, &error));
	}
	vm_vmt_close(r);
	g_unlink(bin);
	g_free(bin);
	g_string_free(t, TRUE);
	g_array_free(want, TRUE);
	g_array_free(marks, TRUE);
	g_array_free(at, TRUE);
}
END_TEST

/*
 * The random trace of the reader tests below: runs of one-page accesses
 * (up to @run_max long, or up to 4) of @procs processes, loads, stores and
 * fetches, between munmaps, 8-byte stores and a third kind of record (an
 * 8 KiB load, or with @notes a note), until the text passes @size bytes;
 * then a fork of @child that touches two lines and exits.  A run's steps
 * are 0 to 384 bytes, or with @far_steps one in five up to 1 GiB (1 to 5
 * varint bytes in a .vmtb).
 */
typedef struct {
	uint64_t seed;
	size_t size;
	unsigned procs, run_max, child;
	gboolean notes, far_steps;
} runs_trace_t;

static GString *runs_trace(const runs_trace_t *o)
{
	GString *t = g_string_new("vmt 1\nfile a size=1M\n1 mmap 0x10000 1G rw private anon\n");
	uint64_t s = o->seed;

	while (t->len < o->size) {
		uint64_t x = vm_splitmix64(&s);
		uint64_t a = 0x10000 + x % (1u << 30);
		unsigned pid = 1 + (unsigned)(x >> 40) % o->procs;

		switch ((x >> 32) % 16) {
		case 0:
			g_string_append_printf(t, "1 munmap 0x%" G_GINT64_MODIFIER "x 4K\n",
					       a & ~(uint64_t)0xfff);
			break;
		case 1:
			g_string_append_printf(t, "%u w 0x%" G_GINT64_MODIFIER "x 8\n", pid, a);
			break;
		case 2:
			if (o->notes)
				g_string_append_printf(t, "%u note n%u\n", pid, (unsigned)x & 0xff);
			else
				g_string_append_printf(t, "%u r 0x%" G_GINT64_MODIFIER "x 8K\n",
						       pid, a);
			break;
		default:
			for (unsigned k = (unsigned)((x >> 48) % ((x & 1) ? o->run_max : 5)); k-- > 0;) {
				g_string_append_printf(t, "%u %c 0x%" G_GINT64_MODIFIER "x\n",
						       pid, "rwx"[k % 3], a);
				if (!o->far_steps)
					a += 64 * (k % 7);
				else
					a += (k % 5 == 0) ? (x >> (k % 31)) % (1u << 30)
							  : 64 * (k % 9);
			}
		}
	}
	g_string_append_printf(t, "1 r 0x10000\n1 fork %u\n%u r 0x10000\n%u r 0x10040\n"
			       "%u exit\n1 r 0x10040\n", o->child, o->child, o->child,
			       o->child);
	return t;
}

/*
 * Skimming (vm_vmt_set_skim, the check pass's reader): over a .vmtb it
 * leaves out exactly the one-page accesses that follow an access of the
 * same process, and nothing else; every record it returns is the one a
 * full read returns, with the same line and columns.  Over text it leaves
 * out nothing.  Checked on a .vmtb of more than 2 MiB (records straddle
 * the 1 MiB read blocks) with runs of every length between other records, pid changes,
 * sizes and an exit; corrupt_files checks it on damaged files.
 */
START_TEST(skim_leaves_out_only_what_a_check_cannot_fail)
{
	static const runs_trace_t shape = {
		.seed = 7, .size = 12u << 20, .procs = 2, .run_max = 2000,
		.child = 3,
	};
	GString *t = runs_trace(&shape);
	char *bin = vt_trace_file(t->str, TRUE), *txt = vt_trace_file(t->str, FALSE);
	GError *error = NULL;
	GStatBuf st;

	ck_assert_int_eq(g_stat(bin, &st), 0);
	ck_assert_int_gt(st.st_size, 2 << 20);   /* records straddle blocks */
	vm_vmt_reader_t *r = vm_vmt_open(bin, &error);

	ck_assert_ptr_nonnull(r);
	GString *full = read_lines(r, FALSE, &error);
	ck_assert_ptr_null(error);
	ck_assert(vm_vmt_rewind(r, &error));
	GString *skim = read_lines(r, TRUE, &error);
	ck_assert_ptr_null(error);
	GString *want = skimmed(full->str);
	ck_assert_uint_lt(want->len, full->len / 4);   /* it skims a lot */
	ck_assert_msg(g_string_equal(skim, want), "the skimming read differs");
	/* the rewind ends it: a full read again */
	ck_assert(vm_vmt_rewind(r, &error));
	GString *again = read_lines(r, FALSE, &error);
	ck_assert(g_string_equal(again, full));
	vm_vmt_close(r);
	/* text: the same lines left out (traces/vmt.c fast_access) */
	r = vm_vmt_open(txt, &error);
	ck_assert_ptr_nonnull(r);
	GString *text = read_lines(r, TRUE, &error);
	ck_assert_ptr_null(error);
	ck_assert_msg(g_string_equal(text, want), "the skimming text read differs");
	ck_assert(vm_vmt_rewind(r, &error));
	GString *text_full = read_lines(r, FALSE, &error);
	ck_assert(g_string_equal(text_full, full));
	g_string_free(text_full, TRUE);
	vm_vmt_close(r);
	g_unlink(bin);
	g_unlink(txt);
	g_free(bin);
	g_free(txt);
	g_string_free(t, TRUE);
	g_string_free(full, TRUE);
	g_string_free(skim, TRUE);
	g_string_free(want, TRUE);
	g_string_free(again, TRUE);
	g_string_free(text, TRUE);
}
END_TEST


/* Every field of @a and @b the same (strings and checks by content). */
static gboolean
same_record(const vm_record_t *a, const vm_record_t *b)
{
	if (a->kind != b->kind || a->pid != b->pid || a->line != b->line ||
	    a->acc != b->acc || a->addr != b->addr || a->len != b->len ||
	    a->count != b->count || a->seed != b->seed ||
	    a->stride != b->stride || a->off != b->off || a->ns != b->ns ||
	    a->fd != b->fd || a->child != b->child || a->prot != b->prot ||
	    a->flags != b->flags || a->arg != b->arg ||
	    g_strcmp0(a->name, b->name) != 0 ||
	    g_strcmp0(a->value, b->value) != 0 ||
	    a->expect_pid != b->expect_pid ||
	    g_strcmp0(a->expect_file, b->expect_file) != 0 ||
	    a->nr_checks != b->nr_checks ||
	    (a->checks == NULL) != (b->checks == NULL) ||
	    memcmp(a->cols, b->cols, sizeof a->cols) != 0)
		return FALSE;
	for (uint32_t i = 0; i < a->nr_checks; i++)
		if (g_strcmp0(a->checks[i].key, b->checks[i].key) != 0 ||
		    g_strcmp0(a->checks[i].value, b->checks[i].value) != 0 ||
		    a->checks[i].cmp != b->checks[i].cmp ||
		    a->checks[i].col != b->checks[i].col)
			return FALSE;
	return TRUE;
}

/* The trace of the tests of the engine's way of reading below (seed
 * @seed, @size bytes of text; runs of up to 3000 one-page accesses of 3
 * processes, steps of 1 to 5 varint bytes, notes between, a fork), as a
 * file, .vmtb when @binary: its path. */
static char *
engine_trace(uint64_t seed, size_t size, gboolean binary)
{
	const runs_trace_t shape = {
		.seed = seed, .size = size, .procs = 3, .run_max = 3000,
		.notes = TRUE, .far_steps = TRUE, .child = 4,
	};
	GString *t = runs_trace(&shape);
	char *path = vt_trace_file(t->str, binary);

	g_string_free(t, TRUE);
	return path;
}

/* @rec is what vm_vmt_next_kept's 2 says: an access of size 1 of the
 * process of @prev, an access too. */
static gboolean
again_holds(const vm_record_t *rec, const vm_record_t *prev)
{
	return rec->kind == VM_REC_ACCESS && rec->len == 1 &&
	       prev->kind == VM_REC_ACCESS && rec->pid == prev->pid;
}

/*
 * vm_vmt_keep_record (the engine's promise: one record, left alone between
 * calls, into which a .vmtb reader writes only what changed) and
 * vm_vmt_next_kept: the records read into a kept record are those read
 * into a fresh one, filled with garbage before every call, and every
 * record vm_vmt_next_kept calls a one-byte access of the process of the
 * access before is one; on a .vmtb of more than 2 MiB (runs of one-page
 * accesses straddling the 1 MiB blocks, steps of 1 to 5 varint bytes, pid
 * changes, sizes, other records, a fork) and on its .vmt, through marks
 * and restores, a skimming pass and a rewind, a record written by the
 * caller who then says so (as the engine does when it lends a saved
 * record), and another record passed in between.
 */
START_TEST(kept_record_same)
{
	char *bin = engine_trace(11, 10u << 20, _i == 0);
	GError *ek = NULL, *ef = NULL;
	vm_vmt_reader_t *rk = vm_vmt_open(bin, &ek), *rf = vm_vmt_open(bin, &ef);
	vm_record_t kept, fresh, other, prev;
	GArray *marks = g_array_new(FALSE, FALSE, sizeof(vm_vmt_mark_t));
	guint n = 0, bad = 0, wrong = 0, again = 0;

	ck_assert_ptr_nonnull(rk);
	ck_assert_ptr_nonnull(rf);
	memset(&kept, 0xa5, sizeof kept);
	vm_vmt_keep_record(rk, &kept);
	for (int pass = 0; pass < 3; pass++) {
		/* pass 1 skims first, as the check pass does, then rewinds */
		if (pass == 1) {
			vm_vmt_set_skim(rk, TRUE);
			while (vm_vmt_next(rk, &kept, &ek))
				;
			ck_assert_ptr_null(ek);
			ck_assert(vm_vmt_rewind(rk, &ek));
		}
		for (;;) {
			gboolean gk, gf;

			if (n % 100003 == 50000) {
				vm_vmt_mark_t m[2];

				vm_vmt_mark(rk, &m[0]);
				vm_vmt_mark(rf, &m[1]);
				g_array_append_vals(marks, m, 2);
			}
			if (n % 77777 == 1000) {
				/* the caller writes to the kept record, and says so */
				memset(&kept, 0x5a, sizeof kept);
				vm_vmt_keep_record(rk, &kept);
			}
			if (n % 65537 == 2000) {
				/* another record in between: written whole */
				memset(&other, 0x3c, sizeof other);
				gk = vm_vmt_next(rk, &other, &ek);
				gf = vm_vmt_next(rf, &fresh, &ef);
				if (gk != gf || (gk && !same_record(&other, &fresh)))
					bad++;
				prev = fresh;
				n++;
				if (!gk)
					break;
			}
			memset(&fresh, n & 1 ? 0xa5 : 0x5a, sizeof fresh);
			int got = vm_vmt_next_kept(rk, &kept, &ek);
			gk = got != 0;
			gf = vm_vmt_next(rf, &fresh, &ef);
			if (gk != gf || (gk && !same_record(&kept, &fresh)))
				bad++;
			if (got == 2 && (n == 0 || !again_holds(&fresh, &prev)))
				wrong++;
			again += got == 2;
			prev = fresh;
			if (!gk)
				break;
			n++;
		}
		ck_assert_ptr_null(ek);
		ck_assert_ptr_null(ef);
		ck_assert_msg(bad == 0, "pass %d: %u records differ", pass, bad);
		ck_assert_msg(wrong == 0, "pass %d: %u records wrongly said again",
			      pass, wrong);
		ck_assert_uint_gt(again, n / 2);   /* it says so for most */
		/* back to each mark, the last first, and on a little way */
		for (guint i = marks->len; i >= 2; i -= 2) {
			ck_assert(vm_vmt_restore(rk, &g_array_index(marks, vm_vmt_mark_t, i - 2), &ek));
			ck_assert(vm_vmt_restore(rf, &g_array_index(marks, vm_vmt_mark_t, i - 1), &ef));
			for (int k = 0; k < 5000; k++) {
				int got = vm_vmt_next_kept(rk, &kept, &ek);
				gboolean gf = vm_vmt_next(rf, &fresh, &ef);

				if ((got != 0) != gf || (got && !same_record(&kept, &fresh)))
					bad++;
				/* the record before the mark is not known */
				if (got == 2 && (k == 0 || !again_holds(&fresh, &prev)))
					wrong++;
				prev = fresh;
				if (!got)
					break;
			}
		}
		ck_assert_msg(bad == 0, "pass %d, after a restore: %u records differ",
			      pass, bad);
		ck_assert_msg(wrong == 0, "pass %d, after a restore: %u records "
			      "wrongly said again", pass, wrong);
		again = 0;
		g_array_set_size(marks, 0);
		ck_assert(vm_vmt_rewind(rk, &ek));
		ck_assert(vm_vmt_rewind(rf, &ef));
		n = 0;
	}
	vm_vmt_close(rk);
	vm_vmt_close(rf);
	g_unlink(bin);
	g_free(bin);
	g_array_free(marks, TRUE);
}
END_TEST

/*
 * vm_vmt_next_page_run (the engine's run of hits on one page, read whole)
 * reads the records that vm_vmt_next would read one by one, each a
 * one-byte access of the process of the record before, of a kind asked
 * for and to the page asked for, no more than asked, counted right by
 * kind, with the last one left in the kept record, after which reading
 * goes on where one by one would; asked after every record of a .vmtb of
 * more than 2 MiB and its .vmt (runs straddling the 1 MiB blocks, steps
 * of 1 to 5 varint bytes, pid changes, other records), for random kinds
 * and limits.  Most accesses are read in runs.
 */
START_TEST(page_run_same)
{
	char *path = engine_trace(13, 6u << 20, _i == 0);
	GError *ek = NULL, *ef = NULL;
	vm_vmt_reader_t *rk = vm_vmt_open(path, &ek), *rf = vm_vmt_open(path, &ef);
	vm_record_t kept, fresh;
	uint64_t x = 0x9e3779b97f4a7c15ull, records = 0, in_runs = 0;
	guint bad = 0;

	ck_assert_ptr_nonnull(rk);
	ck_assert_ptr_nonnull(rf);
	memset(&kept, 0xa5, sizeof kept);
	vm_vmt_keep_record(rk, &kept);
	for (;;) {
		int got = vm_vmt_next_kept(rk, &kept, &ek);
		gboolean gf = vm_vmt_next(rf, &fresh, &ef);

		if ((got != 0) != gf || (got && !same_record(&kept, &fresh)))
			bad++;
		if (!got || !gf)
			break;
		records++;
		vt_xorshift(&x);
		unsigned kinds = x & 1 ? 7 : 1 + (unsigned)(x >> 1) % 7;
		uint64_t max = (x >> 8) % 4 == 0 ? (x >> 16) % 8 : UINT64_MAX;
		uint64_t page = kept.addr >> 12, n[3] = { 0, 0, 0 }, m[3] = { 0, 0, 0 };
		uint32_t pid = kept.pid;
		gboolean access = kept.kind == VM_REC_ACCESS;
		uint64_t k = vm_vmt_next_page_run(rk, &kept, page, 12, kinds, max, n);

		if (k > max || n[0] + n[1] + n[2] != k || (k && !access))
			bad++;
		for (uint64_t i = 0; i < k; i++) {
			if (!vm_vmt_next(rf, &fresh, &ef) || fresh.kind != VM_REC_ACCESS ||
			    fresh.len != 1 || fresh.pid != pid ||
			    !(kinds >> fresh.acc & 1) || fresh.addr >> 12 != page) {
				bad++;
				break;
			}
			m[fresh.acc]++;
		}
		if (k && (memcmp(n, m, sizeof n) != 0 || !same_record(&kept, &fresh)))
			bad++;
		records += k;
		in_runs += k;
	}
	ck_assert_ptr_null(ek);
	ck_assert_ptr_null(ef);
	ck_assert_msg(bad == 0, "%u records differ", bad);
	ck_assert_uint_gt(in_runs, records / 2);
	vm_vmt_close(rk);
	vm_vmt_close(rf);
	g_unlink(path);
	g_free(path);
}
END_TEST

/* --- Lackey ----------------------------------------------------------------- */

/* Import @log (one process); the trace text, or NULL with *error. */
static char *
import(const char *log, const vm_lackey_opts_t *o, char **path_out, GError **error)
{
	char *in = write_temp(log, strlen(log));
	char *out = temp_path(".vmt");
	vm_writer_t *w = vm_writer_open(out, FALSE, error);
	vm_lackey_stats_t st;
	char *text = NULL;

	ck_assert_ptr_nonnull(w);
	if (vm_lackey_convert(in, o, w, &st, error)) {
		ck_assert(vm_writer_commit(w, error));
		ck_assert(g_file_get_contents(out, &text, NULL, NULL));
	} else {
		vm_writer_abort(w);
	}
	g_unlink(out);
	g_free(out);
	if (path_out != NULL)
		*path_out = in;
	else {
		g_unlink(in);
		g_free(in);
	}
	return text;
}

/* Import @log with the default options: the trace is @want. */
static void
assert_imports(const char *log, const char *want)
{
	vm_lackey_opts_t o = { .no_instr = FALSE };
	GError *error = NULL;
	char *got = import(log, &o, NULL, &error);

	ck_assert_msg(got != NULL, "%s", error ? error->message : "");
	ck_assert_str_eq(got, want);
	g_free(got);
}

/*
 * vm_vmtb_short_access16 (the hot decode's and the skim's short form,
 * without end tests) against vm_vmtb_short_access on 200,000 random
 * 16-byte strings whose bytes are biased to the tags and the varint
 * lengths that matter (1 to 10 bytes, continuation bits on and off): the
 * same bytes consumed, the same state after.
 */
START_TEST(short_access16_same)
{
	GRand *rng = g_rand_new_with_seed(17);

	for (int i = 0; i < 200000; i++) {
		uint8_t b[16];
		vm_vmtb_state_t a, w;

		memset(&a, 0, sizeof a);
		unsigned cont = (unsigned)g_rand_int_range(rng, 0, 11);

		for (unsigned k = 0; k < sizeof b; k++)
			b[k] = (uint8_t)g_rand_int(rng);
		b[0] = (uint8_t)g_rand_int_range(rng, 0, 5);
		for (unsigned k = 1; k < sizeof b; k++)
			b[k] = k <= cont ? b[k] | 0x80 : b[k] & 0x7f;
		a.prev_addr[0] = g_rand_int(rng);
		a.prev_addr[1] = (uint64_t)g_rand_int(rng) << 32;
		a.prev_addr[2] = UINT64_MAX - g_rand_int(rng);
		a.nr = (uint64_t)i;
		w = a;
		size_t n16 = vm_vmtb_short_access16(b, &a);
		size_t n = vm_vmtb_short_access(b, b + sizeof b, &w);
		ck_assert_uint_eq(n16, n);
		ck_assert(memcmp(&a, &w, sizeof a) == 0);
	}
	g_rand_free(rng);
}
END_TEST

START_TEST(lackey_good)
{
	static const char log[] =
		"==123== Lackey, an example Valgrind tool\n"
		"==123== Command: ./prog\n"
		"I  0400d7d4,8\n"            /* implicit map 0x4000000 64K */
		"I  0400d7dc,4\n"            /* same page, x: dropped */
		" L 04f6b868,8\n"            /* implicit map 0x4f60000 */
		" L 04f6b870,8\n"            /* dropped */
		" S 04f6b000,8\n"            /* store: kept */
		" L 04f6b010,8\n"            /* load after store: dropped */
		" M 04f6bffc,8\n"            /* crosses a page: kept with 8 */
		"I  0400d7e0,3\n"
		"SYSCALL[123,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x5000000) \n"
		" S 05000010,4\n"
		"SYSCALL[123,1](12) sys_brk ( 0x0 ) --> [pre-success] Success(0x6000000) \n"
		"SYSCALL[123,1](12) sys_brk ( 0x6021000 ) --> [pre-success] Success(0x6021000) \n"
		"SYSCALL[123,1](10) sys_mprotect ( 0x5000000, 4096, 1 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](28) sys_madvise ( 0x5000000, 8192, 4 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](28) sys_madvise ( 0x5000000, 8192, 8 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](11) sys_munmap ( 0x5000000, 8192 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](257) sys_openat ( 4294967196, 0x1(/nonexistent-vmscope/f), 578, 420 ) --> [async] ... \n"
		"SYSCALL[123,1](257) ... [async] --> Success(0x4) \n"
		"SYSCALL[123,1](1) sys_write ( 4, 0x10c0c0, 4096 ) --> [async] ... \n"
		"SYSCALL[123,1](1) ... [async] --> Success(0x1000) \n"
		"SYSCALL[123,1](1) sys_write ( 4, 0x10c0c0, 100 ) --> [async] ... \n"
		"SYSCALL[123,1](1) ... [async] --> Success(0x64) \n"
		"SYSCALL[123,1](1) sys_write ( 1, 0x10c0c0, 100 )[sync] --> Success(0x64) \n"
		"SYSCALL[123,1](9) sys_mmap ( 0x0, 4096, 1, 1, 4, 4096 ) --> [pre-success] Success(0x7000000) \n"
		"SYSCALL[123,1](17) sys_pread64 ( 4, 0x10c0c0, 4096, 0 ) --> [async] ... \n"
		"SYSCALL[123,1](17) ... [async] --> Success(0x1000) \n"
		"SYSCALL[123,1](8) sys_lseek ( 4, 0, 0 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](0) sys_read ( 4, 0x10c0c0, 4096 ) --> [async] ... \n"
		"SYSCALL[123,1](0) ... [async] --> Failure(0x4) \n"
		"SYSCALL[123,1](0) sys_read ( 4, 0x10c0c0, 4096 )[sync] --> Success(0x10) \n"
		"SYSCALL[123,1](77) sys_ftruncate ( 4, 32768 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](26) sys_msync ( 0x7000000, 4096, 0x1 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](3) sys_close ( 4 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](87) sys_unlink ( 0x1(/nonexistent-vmscope/f) ) --> [async] ... \n"
		"SYSCALL[123,1](87) ... [async] --> Success(0x0) \n"
		"SYSCALL[123,1](334) unimplemented (by the kernel) syscall: 334! (ni_syscall)\n"
		"SYSCALL[123,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n"
		"==123== \n";
	static const char want[] =
		"vmt 1\n"
		"1 mmap 0x4000000 64K rwx private anon\n"
		"1 x 0x400d7d4\n"
		"1 mmap 0x4f60000 64K rwx private anon\n"
		"1 r 0x4f6b868\n"
		"1 w 0x4f6b000\n"
		"1 w 0x4f6bffc 8\n"
		"1 x 0x400d7e0\n"
		"1 mmap 0x5000000 8K rw private anon\n"
		"1 w 0x5000010\n"
		"1 mmap 0x6000000 132K rw private anon\n"
		"1 mprotect 0x5000000 4K r\n"
		"1 madvise 0x5000000 8K dontneed\n"
		"1 munmap 0x5000000 8K\n"
		"1 open /nonexistent-vmscope/f fd=4 create trunc\n"
		"1 write 4 0 4K\n"
		"1 write 4 4K 100\n"
		"1 mmap 0x7000000 4K r shared fd=4 off=4K\n"
		"1 read 4 0 4K\n"
		"1 read 4 0 16\n"
		"1 ftruncate 4 32K\n"
		"1 msync 0x7000000 4K async\n"
		"1 close 4\n"
		"1 unlink /nonexistent-vmscope/f\n";
	vm_lackey_opts_t o = { .no_instr = FALSE };
	GError *error = NULL;
	char *got;

	assert_imports(log, want);
	/* --no-instr drops the fetches; --sample 2 keeps every other access. */
	o.no_instr = TRUE;
	got = import(log, &o, NULL, &error);
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_null(strstr(got, " x "));
	ck_assert_ptr_nonnull(strstr(got, "1 r 0x4f6b868\n"));
	g_free(got);
	o.no_instr = FALSE;
	o.sample = 2;
	got = import(log, &o, NULL, &error);
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_nonnull(strstr(got, "1 x 0x400d7d4\n"));
	ck_assert_ptr_null(strstr(got, "1 r 0x4f6b868\n"));
	ck_assert_ptr_nonnull(strstr(got, "1 w 0x4f6b000\n"));
	g_free(got);
}
END_TEST

/* mremap: in place (growing, shrinking) and moved (to= the result); an
 * implicit chunk after a range that grows in place is unmapped first, as
 * the kernel found those pages free; a duplicate (OLD_LEN 0) and an
 * overlapping move are dropped. */
START_TEST(lackey_mremap)
{
	static const char log[] =
		"==123== Lackey, an example Valgrind tool\n"
		"SYSCALL[123,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x5000000) \n"
		" S 05000010,4\n"
		"SYSCALL[123,1](25) sys_mremap ( 0x5000000, 8192, 16384, 0x1, 0x0 ) --> [pre-success] Success(0x5000000) \n"
		"SYSCALL[123,1](25) sys_mremap ( 0x5000000, 16384, 32768, 0x1, 0x0 ) --> [pre-success] Success(0x6000000) \n"
		"SYSCALL[123,1](25) sys_mremap ( 0x6000000, 32768, 4000, 0x1, 0x0 ) --> [pre-success] Success(0x6000000) \n"
		" S 06000010,4\n"
		"SYSCALL[123,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x7100000) \n"
		" L 07103000,4\n"              /* implicit chunk 0x7102000..0x7110000 */
		"SYSCALL[123,1](25) sys_mremap ( 0x7100000, 8192, 32768, 0x1, 0x0 ) --> [pre-success] Success(0x7100000) \n"
		"SYSCALL[123,1](25) sys_mremap ( 0x7100000, 0, 8192, 0x1, 0x0 ) --> [pre-success] Success(0x7200000) \n"
		"SYSCALL[123,1](25) sys_mremap ( 0x7100000, 8192, 8192, 0x3, 0x7101000 ) --> [pre-success] Success(0x7101000) \n"
		"SYSCALL[123,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n";
	static const char want[] =
		"vmt 1\n"
		"1 mmap 0x5000000 8K rw private anon\n"
		"1 w 0x5000010\n"
		"1 mremap 0x5000000 8K 16K\n"
		"1 mremap 0x5000000 16K 32K to=0x6000000\n"
		"1 mremap 0x6000000 32K 4K\n"
		"1 w 0x6000010\n"
		"1 mmap 0x7100000 8K rw private anon\n"
		"1 mmap 0x7102000 56K rwx private anon\n"
		"1 r 0x7103000\n"
		"1 munmap 0x7102000 24K\n"
		"1 mremap 0x7100000 8K 32K\n";
	assert_imports(log, want);
}
END_TEST

/* Files the kernel makes up at each read (procfs, sysfs) are not traced:
 * their opens, reads and closes are dropped and no `file` header names
 * them, also for a /proc/PID that is gone by the conversion; a regular
 * file beside them is kept. */
START_TEST(lackey_pseudo_files)
{
	static const char log[] =
		"==123== Lackey, an example Valgrind tool\n"
		"SYSCALL[123,1](257) sys_openat ( 4294967196, 0x1(/proc/self/status), 0 ) --> [async] ... \n"
		"SYSCALL[123,1](257) ... [async] --> Success(0x3) \n"
		"SYSCALL[123,1](0) sys_read ( 3, 0x10c0c0, 4096 )[sync] --> Success(0x592) \n"
		"SYSCALL[123,1](3) sys_close ( 3 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](2) sys_open ( 0x1(/proc/4294967294/status), 0 ) --> Success(0x3) \n"
		"SYSCALL[123,1](0) sys_read ( 3, 0x10c0c0, 4096 )[sync] --> Success(0x10) \n"
		"SYSCALL[123,1](3) sys_close ( 3 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](2) sys_open ( 0x1(/sys/devices/system/cpu/online), 0 ) --> Success(0x3) \n"
		"SYSCALL[123,1](0) sys_read ( 3, 0x10c0c0, 4096 )[sync] --> Success(0x4) \n"
		"SYSCALL[123,1](3) sys_close ( 3 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](2) sys_open ( 0x1(/nonexistent-vmscope/f), 66 ) --> Success(0x3) \n"
		"SYSCALL[123,1](3) sys_close ( 3 )[sync] --> Success(0x0) \n"
		"SYSCALL[123,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n";
	assert_imports(log, "vmt 1\n"
		       "1 open /nonexistent-vmscope/f fd=3 create\n"
		       "1 close 3\n");
}
END_TEST

/* A new directory holding the files a and b, of @a_text and @b_text, for
 * an import's paths; tmp_pair_free removes them. */
typedef struct {
	char *dir, *a, *b;
} tmp_pair_t;

static tmp_pair_t tmp_pair(const char *a_text, const char *b_text)
{
	tmp_pair_t t;
	t.dir = g_dir_make_tmp("vmscope-formats-XXXXXX", NULL);
	ck_assert_ptr_nonnull(t.dir);
	t.a = g_build_filename(t.dir, "a", NULL);
	t.b = g_build_filename(t.dir, "b", NULL);
	ck_assert(g_file_set_contents(t.a, a_text, -1, NULL));
	ck_assert(g_file_set_contents(t.b, b_text, -1, NULL));
	return t;
}

static void tmp_pair_free(tmp_pair_t *t)
{
	g_unlink(t->a);
	g_unlink(t->b);
	g_rmdir(t->dir);
	g_free(t->a);
	g_free(t->b);
	g_free(t->dir);
}

/* dup, dup2, dup3 and fcntl(F_DUPFD): the new fd opens the same name and
 * shares the offset (the read on fd 4 after 100 bytes on fd 3 is at 100);
 * dup2 onto a followed fd closes it first; a dup of an fd not followed,
 * or of a file unlinked since, is not followed either. */
START_TEST(lackey_dup)
{
	tmp_pair_t t = tmp_pair("0123456789", "x");
	const char *a = t.a, *b = t.b;
	char *log = g_strdup_printf(
		"==7== Lackey, an example Valgrind tool\n"
		"SYSCALL[7,1](2) sys_open ( 0x1(%s), 0 ) --> Success(0x3) \n"
		"SYSCALL[7,1](0) sys_read ( 3, 0x10c0c0, 100 )[sync] --> Success(0x64) \n"
		"SYSCALL[7,1](32) sys_dup ( 3 )[sync] --> Success(0x4) \n"
		"SYSCALL[7,1](0) sys_read ( 4, 0x10c0c0, 50 )[sync] --> Success(0x32) \n"
		"SYSCALL[7,1](0) sys_read ( 3, 0x10c0c0, 10 )[sync] --> Success(0xa) \n"
		"SYSCALL[7,1](2) sys_open ( 0x1(%s), 0 ) --> Success(0x5) \n"
		"SYSCALL[7,1](33) sys_dup2 ( 3, 5 )[sync] --> Success(0x5) \n"
		"SYSCALL[7,1](72) sys_fcntl ( 5, 1030, 10 )[sync] --> Success(0xa) \n"
		"SYSCALL[7,1](72) sys_fcntl ( 5, 1, 1 )[sync] --> Success(0x0) \n"
		"SYSCALL[7,1](32) sys_dup ( 9 )[sync] --> Success(0xb) \n"
		"SYSCALL[7,1](0) sys_read ( 11, 0x10c0c0, 10 )[sync] --> Success(0xa) \n"
		"SYSCALL[7,1](87) sys_unlink ( 0x1(%s) ) --> Success(0x0) \n"
		"SYSCALL[7,1](292) sys_dup3 ( 10, 12, 524288 )[sync] --> Success(0xc) \n"
		"SYSCALL[7,1](0) sys_read ( 12, 0x10c0c0, 10 )[sync] --> Success(0xa) \n"
		"SYSCALL[7,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n",
		a, b, a);
	char *want = g_strdup_printf(
		"vmt 1\n"
		"file %s size=10\n"
		"file %s size=1\n"
		"1 open %s fd=3\n"
		"1 read 3 0 100\n"
		"1 open %s fd=4\n"
		"1 read 4 100 50\n"
		"1 read 3 150 10\n"
		"1 open %s fd=5\n"
		"1 close 5\n"
		"1 open %s fd=5\n"
		"1 open %s fd=10\n"
		"1 unlink %s\n",
		a, b, a, a, b, a, a, a);
	assert_imports(log, want);
	g_free(want);
	g_free(log);
	tmp_pair_free(&t);
}
END_TEST

/* Files open before the first line (record's standard input, output and
 * error, when a shell redirected them to files): declared, opened on
 * their fds before the first record, at their offsets; reads and writes
 * of those fds follow, also copy_file_range's and sendfile's with no
 * offset pointer (a read and a write at the fds' offsets; with a pointer
 * the offset is not in the log: dropped).  A path that is not a regular
 * file is left out. */
START_TEST(lackey_inherited)
{
	tmp_pair_t t = tmp_pair("0123456789abcdef", "");
	const char *a = t.a, *b = t.b;
	vm_lackey_fd_t in[] = { { 0, a, 3 }, { 1, b, 0 }, { 2, t.dir, 0 } };
	vm_lackey_opts_t o = { .inherited = in, .nr_inherited = 3 };
	GError *error = NULL;
	char *got = import("==7== Lackey, an example Valgrind tool\n"
			   "SYSCALL[7,1](0) sys_read ( 0, 0x10c0c0, 100 )[sync] --> Success(0x7) \n"
			   "SYSCALL[7,1](0) sys_read ( 2, 0x10c0c0, 100 )[sync] --> Success(0x7) \n"
			   "SYSCALL[7,1](326) sys_copy_file_range (0, 0, 1, 0, 9223372035781033984, 0)[sync] --> Success(0x4) \n"
			   "SYSCALL[7,1](40) sys_sendfile ( 1, 0, 0x0, 100 )[sync] --> Success(0x2) \n"
			   "SYSCALL[7,1](40) sys_sendfile ( 1, 0, 0x1ffeff00, 100 )[sync] --> Success(0x2) \n"
			   "SYSCALL[7,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n",
			   &o, NULL, &error);
	ck_assert_msg(got != NULL, "%s", error ? error->message : "");
	char *want = g_strdup_printf("vmt 1\n"
				     "file %s size=16\n"
				     "file %s size=0\n"
				     "1 open %s fd=0\n"
				     "1 open %s fd=1\n"
				     "1 read 0 3 7\n"
				     "1 read 0 10 4\n"
				     "1 write 1 0 4\n"
				     "1 read 0 14 2\n"
				     "1 write 1 4 2\n", a, b, a, b);
	ck_assert_str_eq(got, want);
	g_free(want);
	g_free(got);
	tmp_pair_free(&t);
}
END_TEST

/* Files on tmpfs (/dev/shm here, when it is one): the header says
 * `tmpfs`, and so does the `create` of a file that is gone by the time
 * of the conversion (judged by its directory); a file elsewhere is a
 * disk file as before. */
START_TEST(lackey_tmpfs)
{
	struct statfs fs;
	if (statfs("/dev/shm", &fs) != 0 || fs.f_type != TMPFS_MAGIC)
		return;   /* no tmpfs to look at on this machine */
	char *dir = g_dir_make_tmp("vmscope-tmpfs-XXXXXX", NULL);
	char *disk = g_build_filename(dir, "d", NULL);
	char *shm = g_strdup_printf("/dev/shm/vmscope-test-%d", (int)getpid());
	char *gone = g_strdup_printf("/dev/shm/vmscope-gone-%d", (int)getpid());
	ck_assert(g_file_set_contents(shm, "0123", 4, NULL));
	ck_assert(g_file_set_contents(disk, "01", 2, NULL));
	char *log = g_strdup_printf(
		"==7== Lackey, an example Valgrind tool\n"
		"SYSCALL[7,1](2) sys_open ( 0x1(%s), 0 ) --> Success(0x3) \n"
		"SYSCALL[7,1](2) sys_open ( 0x1(%s), 66 ) --> Success(0x4) \n"
		"SYSCALL[7,1](2) sys_open ( 0x1(%s), 0 ) --> Success(0x5) \n"
		"SYSCALL[7,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n",
		shm, gone, disk);
	char *want = g_strdup_printf(
		"vmt 1\n"
		"file %s size=4 tmpfs\n"
		"file %s size=2\n"
		"1 open %s fd=3\n"
		"1 open %s fd=4 create tmpfs\n"
		"1 open %s fd=5\n",
		shm, disk, shm, gone, disk);
	assert_imports(log, want);
	g_unlink(shm);
	g_unlink(disk);
	g_rmdir(dir);
	g_free(want);
	g_free(log);
	g_free(gone);
	g_free(shm);
	g_free(disk);
	g_free(dir);
}
END_TEST

/* Threads (record runs Valgrind with --trace-sched=yes): a clone with
 * CLONE_THREAD (0x10000 in the flags Valgrind prints in hex) becomes
 * `clone`, the new thread gets the lowest free Valgrind thread id, each
 * "SCHED[N]: acquired lock" line switches the task the accesses belong to,
 * a thread's exit() is its `exit`.  The same clone line as Valgrind 3.19
 * prints it: the scheduler's next line glued to its end. */
START_TEST(lackey_threads)
{
	static const char log[] =
		"==9== Command: ./thr\n"
		"SYSCALL[9,1](9) sys_mmap ( 0x0, 65536, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x5000000) \n"
		" S 05000000,8\n"
		"SYSCALL[9,1](56) sys_clone ( 3d0f00, 0x562bf70, 0x562c990, 0x562c990, 0x562c6c0 ) --> [pre-success] Success(0x58fe) --9--   SCHED[1]: releasing lock (VG_(vg_yield)) -> VgTs_Yielding\n"
		"--9--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))\n"
		" S 05001000,8\n"
		"--9--   SCHED[1]:  acquired lock (VG_(vg_yield))\n"
		" L 05001000,8\n"
		"SYSCALL[9,1](56) sys_clone ( 3d0f00, 0x1, 0x2, 0x3, 0x4 ) --> [pre-success] Success(0x58ff) \n"
		"--9--   SCHED[3]:  acquired lock (thread_wrapper(starting new thread))\n"
		" S 05002000,8\n"
		"SYSCALL[9,3](60) exit( 0 ) --> [pre-success] Success(0x0) \n"
		"--9--   SCHED[2]:  acquired lock (VG_(client_syscall)[async])\n"
		" L 05000000,8\n"
		"SYSCALL[9,2](60) exit( 0 ) --> [pre-success] Success(0x0) \n"
		"--9--   SCHED[1]:  acquired lock (VG_(client_syscall)[async])\n"
		" L 05002000,8\n"
		"SYSCALL[9,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) \n";
	static const char want[] =
		"vmt 1\n"
		"1 mmap 0x5000000 64K rw private anon\n"
		"1 w 0x5000000\n"
		"1 clone 2\n"
		"2 w 0x5001000\n"
		"1 r 0x5001000\n"
		"1 clone 3\n"
		"3 w 0x5002000\n"
		"3 exit\n"
		"2 r 0x5000000\n"
		"2 exit\n"
		"1 r 0x5002000\n";
	assert_imports(log, want);
}
END_TEST

START_TEST(lackey_bad)
{
	static const struct {
		const char *log;
		const char *where;   /* ":LINE:COL: " */
		const char *token;
	} cases[] = {
		{ "I  0400d7d4,8\nI  04zz,8\n", ":2:4: bad address", "'04zz,8'" },
		{ " L 04f6b868\n", ":1:4: bad address", "'04f6b868'" },
		{ " S 04f6b868,\n", ":1:4: bad size", "'04f6b868,'" },
		{ " S 04f6b868,0\n", ":1:4: bad size", "'04f6b868,0'" },
		{ " M 04f6b868,8x\n", ":1:4: bad size", "'04f6b868,8x'" },
		{ " M 11112222333344445,8\n", ":1:4: bad address", "'11112222333344445,8'" },
		{ "==1== x\nhello world\n", ":2:1: not a Lackey line", "'hello'" },
		{ "I  0400d7d4,8\n X 0400d7d4,8\n", ":2:2: not a Lackey line", "'X'" },
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		vm_lackey_opts_t o = { .no_instr = FALSE };
		GError *error = NULL;
		char *path = NULL;
		char *got = import(cases[i].log, &o, &path, &error);
		char *want = g_strconcat(path, cases[i].where, NULL);

		ck_assert_msg(got == NULL, "case %u converted", i);
		ck_assert_msg(g_str_has_prefix(error->message, want),
			      "case %u: '%s', want '%s...'", i, error->message, want);
		ck_assert_msg(strstr(error->message, cases[i].token) != NULL,
			      "case %u: '%s' lacks %s", i, error->message,
			      cases[i].token);
		g_clear_error(&error);
		g_unlink(path);
		g_free(path);
		g_free(want);
	}
}
END_TEST

/* A signal while record imports (opts.cancel set by its handler) stops
 * the import at its next block with an error, writing nothing more. */
START_TEST(lackey_cancel)
{
	static volatile sig_atomic_t stop = 1;
	vm_lackey_opts_t o = { .cancel = &stop };
	GError *error = NULL;
	char *got = import("I  0400d7d4,8\n", &o, NULL, &error);

	ck_assert_ptr_null(got);
	ck_assert_msg(error != NULL && strstr(error->message, ": interrupted"),
		      "%s", error ? error->message : "no error");
	g_clear_error(&error);
	stop = 0;
	got = import("I  0400d7d4,8\n", &o, NULL, &error);
	ck_assert_msg(got != NULL, "%s", error ? error->message : "");
	g_free(got);
}
END_TEST

/* vm_vmt_open refuses Lackey output with a pointer to convert. */
START_TEST(lackey_not_replayed)
{
	char *p = write_temp("I  0400d7d4,8\n", 14);
	GError *error = NULL;

	ck_assert_ptr_null(vm_vmt_open(p, &error));
	ck_assert_ptr_nonnull(strstr(error->message, "vmscope convert"));
	g_clear_error(&error);
	g_unlink(p);
	g_free(p);
}
END_TEST

static Suite *
formats_suite(void)
{
	Suite *s = suite_create("formats");
	TCase *tc = tcase_create("vmtb");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_kind_round_trip);
	tcase_add_test(tc, truncated_files);
	tcase_add_test(tc, corrupt_files);
	tcase_add_test(tc, bad_header_and_messages);
	tcase_add_test(tc, vmtb_marks);
	tcase_add_test(tc, skim_leaves_out_only_what_a_check_cannot_fail);
	tcase_add_test(tc, short_access16_same);
	tcase_add_loop_test(tc, kept_record_same, 0, 2);   /* .vmtb, .vmt */
	tcase_add_loop_test(tc, page_run_same, 0, 2);   /* .vmtb, .vmt */
	suite_add_tcase(s, tc);
	tc = tcase_create("lackey");
	tcase_add_test(tc, lackey_good);
	tcase_add_test(tc, lackey_pseudo_files);
	tcase_add_test(tc, lackey_dup);
	tcase_add_test(tc, lackey_inherited);
	tcase_add_test(tc, lackey_tmpfs);
	tcase_add_test(tc, lackey_mremap);
	tcase_add_test(tc, lackey_threads);
	tcase_add_test(tc, lackey_bad);
	tcase_add_test(tc, lackey_cancel);
	tcase_add_test(tc, lackey_not_replayed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return vt_run_suite(formats_suite());
}
