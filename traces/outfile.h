/*
 * Output files: the one way vmscope writes a file that a user named
 * (convert and record's trace, --timeline, batch's results, cells, plots
 * and job files).  What OUT is decides how it is written:
 *
 *   OUT                          written
 *   ---------------------------  ------------------------------------------
 *   missing, or a regular file   to a temporary file beside it (OUT.XXXXXX),
 *                                renamed over OUT once every byte is out:
 *                                OUT is the old file or the new, never half
 *   a device, FIFO or socket     in place (open and write): /dev/null stays
 *                                a device, a FIFO's reader gets the bytes
 *   "-" (VM_OUTFILE_DASH)        standard output, in place
 *   a symbolic link              followed (as open(2) follows it, so the
 *                                kernel's protected_symlinks still applies);
 *                                its target is then written by the rules
 *                                above: a regular target is replaced whole
 *                                and the link stays a link; a link to
 *                                nothing is refused (creating a file
 *                                through it is how a symlink attack works)
 *   a directory                  refused
 *
 * Every write, the flush, the sync (VM_OUTFILE_SYNC) and the close are
 * checked; a failure is a VM_ERROR_IO naming OUT and the reason, and the
 * temporary file is removed, so a regular OUT keeps its old contents.  A
 * replaced regular file keeps its permission bits (and, for root, its
 * owner).  Temporary files are also removed when SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT or SIGPIPE kill the program while one is open, where nobody else
 * handles those signals (a GLib main loop that catches them lets the
 * writer finish or abort instead).
 */
#ifndef VM_OUTFILE_H
#define VM_OUTFILE_H

#include <stdio.h>
#include <glib.h>

typedef struct vm_outfile vm_outfile_t;

enum {
	VM_OUTFILE_SYNC = 1 << 0,   /* fsync before the rename (power loss) */
	VM_OUTFILE_EXEC = 1 << 1,   /* a new file is executable (a script) */
	VM_OUTFILE_DASH = 1 << 2,   /* "-" is standard output */
};

/* Start writing @path.  NULL with @error (VM_ERROR_IO, naming @path) when
 * it cannot be written; nothing is left behind then. */
vm_outfile_t *vm_outfile_open(const char *path, unsigned flags, GError **error);
/* The stream to write to (buffered; the writer checks it at commit). */
FILE *vm_outfile_stream(vm_outfile_t *o);
/* The name that receives the bytes: the temporary file, or OUT itself when
 * it is written in place.  For a program that writes it by name (gnuplot);
 * NULL for standard output. */
const char *vm_outfile_write_path(const vm_outfile_t *o);
/* Note that a write failed with @err (errno), when the caller wrote by
 * other means than the stream: commit then fails with it. */
void vm_outfile_fail(vm_outfile_t *o, int err);
/* Flush, check, close and rename into place; frees @o.  FALSE with @error
 * when anything failed: the temporary file is removed then. */
gboolean vm_outfile_commit(vm_outfile_t *o, GError **error);
/* Give up: close, remove the temporary file, free @o.  NULL is allowed. */
void vm_outfile_abort(vm_outfile_t *o);
/* Write @len bytes of @data (-1: a string) to @path whole, as above. */
gboolean vm_outfile_write(const char *path, const char *data, gssize len,
			  unsigned flags, GError **error);
#endif
