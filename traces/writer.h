/*
 * Writing a trace, .vmt or .vmtb, all or nothing, through traces/outfile.h:
 * records go to a temporary file next to a regular (or new) OUT, renamed
 * over it only when every record is written and flushed, so an error or
 * an interrupted run never leaves a partial trace where a whole one is
 * expected.  A device or FIFO is written in place (/dev/null stays a
 * device); "-" writes to standard output (as it comes; nothing to rename).
 */
#ifndef VM_WRITER_H
#define VM_WRITER_H

#include "traces/record.h"

typedef struct vm_writer vm_writer_t;

/* Start writing @path (.vmtb when @binary); the `vmt 1` line or the .vmtb
 * header is written first.  NULL with @error on failure. */
vm_writer_t *vm_writer_open(const char *path, gboolean binary, GError **error);
/* Append @rec. */
gboolean vm_writer_put(vm_writer_t *w, const vm_record_t *rec, GError **error);
/* Finish, flush, close and rename into place; frees @w.  On failure the
 * temporary file is removed. */
gboolean vm_writer_commit(vm_writer_t *w, GError **error);
/* Give up: remove the temporary file, free @w.  NULL is allowed. */
void vm_writer_abort(vm_writer_t *w);
/* Records written so far. */
uint64_t vm_writer_count(const vm_writer_t *w);

#endif
