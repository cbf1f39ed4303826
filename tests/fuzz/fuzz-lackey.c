/*
 * Fuzz harness: the Lackey importer (traces/lackey.c), as `vmscope
 * convert` runs it on one log and as `vmscope record` runs it on a
 * directory of per-process logs, then the trace it wrote (tests/fuzz/fuzz.h).
 *
 * Oracle (issue 15): what the importer writes always replays.  When the
 * import succeeds, its output must read to the end without an error and
 * the engine must accept it (the trace checks of `run`); when it fails, no
 * temporary file may be left.  Then the trace is replayed, checked.
 *
 * Input: a Lackey log.  Lines "==> NAME <==" (as `tail` heads files) split
 * it into several logs NAME in one directory, imported as record does from
 * the first one, following forks into the others.  The input's size picks
 * the options: odd sizes --no-instr, sizes divisible by 3 --sample 2,
 * sizes with bit 1 set a .vmtb output.
 */
#include <config.h>
#include <string.h>
#include <glib/gstdio.h>
#include "tests/fuzz/fuzz.h"
#include "traces/error.h"
#include "traces/lackey.h"
#include "traces/writer.h"

/* A log name from a "==> [DIR/]NAME <==" line (as `head` heads each
 * file it prints): NAME of [A-Za-z0-9._-], 4..64 bytes, starting "lk." (as
 * record's logs do, and unlike the output's name), else NULL. */
static char *log_name(const char *s, size_t n)
{
	const char *slash;

	if (n < 8 || memcmp(s, "==> ", 4) != 0 || memcmp(s + n - 4, " <==", 4) != 0)
		return NULL;
	s += 4;
	n -= 8;
	if ((slash = memrchr(s, '/', n)) != NULL) {
		n -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	if (n < 4 || n > 64 || memcmp(s, "lk.", 3) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return NULL;
	return g_strndup(s, n);
}

/* Split @data into logs in fz_dir(); the first log's path, or NULL when
 * the input has no "==> NAME <==" line (one log: lk.100.1.log). */
static char *split_logs(const uint8_t *data, size_t size, char **first)
{
	const char *p = (const char *)data, *e = p + size;
	char *name = NULL, *dir = NULL;
	const char *start = p;

	*first = NULL;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *end = nl ? nl : e;
		char *n = log_name(p, (size_t)(end - p));

		if (n) {
			if (name) {
				g_free(fz_write(name, start, (size_t)(p - start)));
			}
			g_free(name);
			name = n;
			if (*first == NULL)
				*first = g_build_filename(fz_dir(), n, NULL);
			dir = (char *)fz_dir();
			start = nl ? nl + 1 : e;
		}
		p = nl ? nl + 1 : e;
	}
	if (name)
		g_free(fz_write(name, start, (size_t)(e - start)));
	g_free(name);
	return dir;
}

/* No temporary file of the writer (OUT.XXXXXX) may be left. */
static void no_leftovers(const char *out)
{
	GDir *d = g_dir_open(fz_dir(), 0, NULL);
	const char *ent;
	const char *base = strrchr(out, '/') + 1;
	size_t n = strlen(base);

	while (d && (ent = g_dir_read_name(d)) != NULL)
		if (strncmp(ent, base, n) == 0 && ent[n] == '.')
			fz_fail("the import left %s behind", ent);
	if (d)
		g_dir_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vm_lackey_opts_t o = { .no_instr = size & 1, .sample = size % 3 == 0 ? 2 : 0 };
	vm_lackey_stats_t st;
	gboolean binary = (size & 2) != 0;
	char *first, *in, *out, *text = NULL;
	gsize len = 0;
	vm_writer_t *w;
	vm_vmt_reader_t *r;
	vm_record_t rec;
	fz_plan_t plan;
	GError *err = NULL;

	fz_init();
	if (size > FZ_MAX_INPUT)
		return 0;
	fz_clean();
	o.log_dir = split_logs(data, size, &first);
	in = first ? first : fz_write("lk.100.1.log", data, size);
	out = g_build_filename(fz_dir(), binary ? "out.vmtb" : "out.vmt", NULL);

	w = vm_writer_open(out, binary, &err);
	if (w == NULL)
		fz_fail("%s", err->message);
	if (!vm_lackey_convert(in, &o, w, &st, &err)) {
		vm_writer_abort(w);
		if (err == NULL || err->domain != VM_ERROR || err->code == VM_ERROR_INTERNAL)
			fz_fail("the import failed without a proper error: %s",
				err ? err->message : "(none)");
		no_leftovers(out);
		goto done;
	}
	if (!vm_writer_commit(w, &err))
		fz_fail("%s", err->message);
	no_leftovers(out);

	/* what convert wrote reads to its end */
	r = vm_vmt_open(out, &err);
	if (r == NULL)
		fz_fail("convert's output does not open: %s", err->message);
	while (vm_vmt_next(r, &rec, &err))
		;
	if (err)
		fz_fail("convert wrote a trace that does not parse: %s", err->message);
	vm_vmt_close(r);

	/* and run accepts it, and it replays */
	r = vm_vmt_open(out, &err);
	fz_plan(r, &plan);
	vm_vmt_close(r);
	if (plan.replay) {
		if (!binary && !g_file_get_contents(out, &text, &len, NULL))
			fz_fail("cannot read %s back", out);
		if (!fz_replay("out.vmt", binary ? out : NULL, text, &plan, &err))
			fz_fail("convert wrote a trace that run rejects: %s",
				err->message);
	}
	fz_plan_free(&plan);
done:
	g_clear_error(&err);
	g_free(text);
	g_free(out);
	g_free(in);
	fz_clean();
	return 0;
}
