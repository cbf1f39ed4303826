/*
 * The .vmt text trace reader (docs/format.md), streaming: a trace is read in
 * large blocks and never held whole, so a billion-line trace replays in
 * bounded memory.
 *
 * The reader checks syntax only: the `vmt 1` first record, headers before
 * events, op names, argument counts and forms (NUMBER, SIZE, DURATION, PROT,
 * keywords, key=value options), numbers that overflow, trailing tokens.
 * What depends on the machine or on earlier events (page alignment, known
 * pids and fds, fork to a live pid) is checked by the engine, which has the
 * columns of every token in vm_record_t.cols.
 *
 * Errors: VM_ERROR_PARSE, message "FILE:LINE:COL: what is wrong: 'token'".
 */
#ifndef VM_VMT_H
#define VM_VMT_H

#include <stdio.h>
#include "traces/record.h"

typedef struct vm_vmt_reader vm_vmt_reader_t;

/* Open @path ("-" is standard input).  NULL with @error on failure.
 * The format is read from the content: a .vmtb (traces/vmtb.h) is decoded
 * through the same calls; Valgrind Lackey output is refused with a message
 * that points to `vmscope convert`. */
vm_vmt_reader_t *vm_vmt_open(const char *path, GError **error);
/* Read from memory (the built-in tour, tests).  @name is used in messages.
 * @text must outlive the reader. */
vm_vmt_reader_t *vm_vmt_open_memory(const char *name, const char *text,
				    size_t len);
/*
 * Next record into @rec.  TRUE: a record; FALSE and *error NULL: end of the
 * trace; FALSE and *error set: a syntax error.  The `vmt 1` line, comments and
 * blank lines yield no records.  An empty file (no `vmt 1`) is an error.
 */
gboolean vm_vmt_next(vm_vmt_reader_t *r, vm_record_t *rec, GError **error);
/*
 * The caller's promise that lets a reader write less: @rec (NULL: no
 * promise) is the record passed to every vm_vmt_next call from now on, and
 * between two calls nobody writes to it.  A .vmtb reader then fills a
 * one-page access that follows another of the same process by writing
 * only what differs (the kind of access, the address, the line: see
 * vm_vmtb_decode_again), where otherwise it writes every field of every
 * record.  A caller that must write to @rec after all (the engine lends
 * it a saved record) calls this again, which drops what the reader knew;
 * so does passing another record, or a rewind, a restore or a skim.
 * The records read are the same with the promise and without it
 * (tests/test-formats.c, the vmtb fuzz harness).
 */
void vm_vmt_keep_record(vm_vmt_reader_t *r, vm_record_t *rec);
/*
 * vm_vmt_next into the kept record @rec (vm_vmt_keep_record), saying what
 * a caller that runs a run of one-page accesses would otherwise test:
 * 2 when the record is an access of size 1 of the process of the record
 * before it, which was an access too (the records vm_vmt_set_skim leaves
 * out) and was read by this reader since the last rewind or restore;
 * 1 for any other record (one of those too, when the reader did not make
 * sure); 0 at the end or on an error, as vm_vmt_next's FALSE.
 */
int vm_vmt_next_kept(vm_vmt_reader_t *r, vm_record_t *rec, GError **error);
/*
 * After vm_vmt_next_kept returned a record into @rec, the run of records
 * that follows it of which each is an access of size 1 of the same
 * process, of a kind in @kinds (bit 1 << vm_acc_t), to page @page (its
 * address >> @shift): at most @max of them, read as that many calls of
 * vm_vmt_next_kept would read them (each would return 2), counted by kind
 * into @n (added), with the last one left in @rec.  Returns how many were
 * read; 0, having read nothing, when the next record is not one, or when
 * the reader cannot tell without the general path (the next
 * vm_vmt_next_kept reads it then).  For the engine's run of hits on one
 * page: a sequential walk reads 61 of every 64 accesses this way
 * (docs/speed.md, the seventh round).
 */
uint64_t vm_vmt_next_page_run(vm_vmt_reader_t *r, vm_record_t *rec,
			      uint64_t page, unsigned shift, unsigned kinds,
			      uint64_t max, uint64_t n[3]);
/*
 * A pass that only checks the records (sim/tracecheck.c) may be spared the
 * ones it cannot learn from: with @skim a reader leaves out one-page
 * accesses that follow an access of the same process, most of a recorded
 * trace: a .vmtb reader without decoding them (vm_vmtb_skim), a text reader
 * after checking that each is a valid line of the fast path's shape
 * (`PID r ADDR`, traces/vmt.c fast_access), without filling a record.
 * Line numbers still count them.  A rewind ends it.
 */
void vm_vmt_set_skim(vm_vmt_reader_t *r, gboolean skim);
/* Start again from the first line (for the check pass).  FALSE for stdin. */
gboolean vm_vmt_rewind(vm_vmt_reader_t *r, GError **error);
/*
 * A place between two records, to come back to (the TUI's snapshots): the
 * byte offset of the next unread line, its line number and the header state.
 * Take a mark only between vm_vmt_next calls; restore it on the same reader.
 */
typedef struct {
	uint64_t offset;
	uint64_t line;       /* .vmtb: records read */
	int state;
	uint64_t prev_addr[3]; /* .vmtb: the codec's delta state */
	uint32_t prev_pid;
} vm_vmt_mark_t;
void vm_vmt_mark(const vm_vmt_reader_t *r, vm_vmt_mark_t *m);
/* Go back (or forward) to @m.  FALSE for stdin. */
gboolean vm_vmt_restore(vm_vmt_reader_t *r, const vm_vmt_mark_t *m,
			GError **error);
/* The name used in messages (the path as given, "<stdin>" for "-"). */
const char *vm_vmt_name(const vm_vmt_reader_t *r);
/* TRUE when the reader can rewind (a regular file or memory). */
gboolean vm_vmt_seekable(const vm_vmt_reader_t *r);
void vm_vmt_close(vm_vmt_reader_t *r);

/* Write @rec as one .vmt line (no newline) into @out.  Used by convert,
 * the recorder and `explain`'s echo of the event. */
void vm_vmt_format(const vm_record_t *rec, GString *out);

#endif
