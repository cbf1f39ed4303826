/*
 * Trace writers (traces/writer.h).  The text writer formats accesses by
 * hand, because the Lackey importer writes millions of them a second and
 * vm_vmt_format's printf costs more than the rest of the import; every
 * other record goes through vm_vmt_format, the one spelling of a record.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "traces/writer.h"
#include "traces/error.h"
#include "traces/outfile.h"
#include "traces/units.h"
#include "traces/vmt.h"
#include "traces/vmtb.h"

struct vm_writer {
	char *path;             /* as given, for messages */
	vm_outfile_t *file;     /* where it goes (traces/outfile.h) */
	FILE *out;              /* its stream */
	char *iobuf;            /* stdio's buffer: large, fewer write(2)s */
	vm_vmtb_writer_t *bin;  /* NULL: text */
	GString *line;          /* text: the record being formatted */
	uint64_t nr;
	gboolean failed;        /* a write failed: commit must not rename */
};

static gboolean
io_fail(vm_writer_t *w, int err, const char *what, GError **error)
{
	g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: %s%s", w->path, what,
		    g_strerror(err));
	w->failed = TRUE;
	return FALSE;
}

vm_writer_t *
vm_writer_open(const char *path, gboolean binary, GError **error)
{
	vm_writer_t *w;

	g_return_val_if_fail(path != NULL, NULL);
	w = g_new0(vm_writer_t, 1);
	w->path = g_strdup(path);
	/* a regular OUT is replaced whole at commit; a device or FIFO is
	 * written in place; "-" is standard output (traces/outfile.h) */
	w->file = vm_outfile_open(path, VM_OUTFILE_DASH, error);
	if (w->file == NULL) {
		vm_writer_abort(w);
		return NULL;
	}
	w->out = vm_outfile_stream(w->file);
	if (w->out != stdout) {
		w->iobuf = g_malloc(1u << 20);
		setvbuf(w->out, w->iobuf, _IOFBF, 1u << 20);
	}
	w->line = g_string_sized_new(256);
	if (binary)
		w->bin = vm_vmtb_writer_new(w->out);
	else
		fputs("vmt 1\n", w->out);
	return w;
}

/* "PID r 0xADDR[ SIZE]\n" into @o; the end. */
static char *
format_access(const vm_record_t *rec, char *o)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[24];
	int n = 0;
	uint64_t v;

	v = rec->pid;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*o++ = tmp[--n];
	*o++ = ' ';
	*o++ = "rwx"[rec->acc];
	*o++ = ' ';
	*o++ = '0';
	*o++ = 'x';
	v = rec->addr;
	do
		tmp[n++] = hex[v & 15];
	while ((v >>= 4) != 0);
	while (n > 0)
		*o++ = tmp[--n];
	if (rec->len != 1) {
		if (rec->len < 1024) {
			*o++ = ' ';
			v = rec->len;
			do
				tmp[n++] = (char)('0' + v % 10);
			while ((v /= 10) != 0);
			while (n > 0)
				*o++ = tmp[--n];
		} else {
			char *s = vm_format_size(rec->len);
			size_t k = strlen(s);

			*o++ = ' ';
			memcpy(o, s, k);
			o += k;
			g_free(s);
		}
	}
	*o++ = '\n';
	return o;
}

gboolean
vm_writer_put(vm_writer_t *w, const vm_record_t *rec, GError **error)
{
	g_return_val_if_fail(w != NULL && rec != NULL, FALSE);

	w->nr++;
	if (w->bin != NULL) {
		if (!vm_vmtb_write(w->bin, rec, w->path, error)) {
			w->failed = TRUE;
			return FALSE;
		}
		return TRUE;
	}
	if (rec->kind == VM_REC_ACCESS) {
		char buf[96];
		char *e = format_access(rec, buf);

		if (fwrite(buf, 1, (size_t)(e - buf), w->out) != (size_t)(e - buf))
			return io_fail(w, errno, "write error: ", error);
		return TRUE;
	}
	g_string_truncate(w->line, 0);
	vm_vmt_format(rec, w->line);
	g_string_append_c(w->line, '\n');
	if (fwrite(w->line->str, 1, w->line->len, w->out) != w->line->len)
		return io_fail(w, errno, "write error: ", error);
	return TRUE;
}

uint64_t
vm_writer_count(const vm_writer_t *w)
{
	return w->nr;
}

static void
writer_free(vm_writer_t *w)
{
	if (w->line != NULL)
		g_string_free(w->line, TRUE);
	g_free(w->iobuf);
	g_free(w->path);
	g_free(w);
}

gboolean
vm_writer_commit(vm_writer_t *w, GError **error)
{
	gboolean ok;

	g_return_val_if_fail(w != NULL, FALSE);
	ok = !w->failed;
	if (ok && w->bin != NULL)
		ok = vm_vmtb_writer_finish(w->bin, w->path, error);
	else if (w->bin != NULL)
		vm_vmtb_writer_free(w->bin);
	w->bin = NULL;
	if (!ok) {
		vm_writer_abort(w);
		return FALSE;
	}
	/* flushes, checks, closes and renames; removes the temporary file
	 * when any of it fails */
	ok = vm_outfile_commit(w->file, error);
	w->file = NULL;
	w->out = NULL;
	writer_free(w);
	return ok;
}

void
vm_writer_abort(vm_writer_t *w)
{
	if (w == NULL)
		return;
	if (w->bin != NULL)
		vm_vmtb_writer_free(w->bin);
	vm_outfile_abort(w->file);
	writer_free(w);
}
