/*
 * .vmtb, the binary trace format: the same records as .vmt (docs/format.md),
 * smaller and faster to read.  Readers never open a .vmtb themselves:
 * vm_vmt_open() recognises the magic and decodes through this codec, so
 * every command reads both formats by content, not by name.
 *
 * This file is the codec only (bytes <-> vm_record_t); traces/vmt.c owns
 * the file I/O, the block buffer, marks and rewinding for both formats.
 *
 * Layout (all integers LEB128 varints, little end first):
 *
 *   header   89 'V' 'M' 'T' 'B' 0d 0a 1a   then varint VERSION (1)
 *   record   TAG [fields]
 *   end      ff varint NR_RECORDS
 *
 *   TAG 0x00..0x0b  an access: bits 0-1 the kind (0 r, 1 w, 2 x), bit 2:
 *                   a SIZE follows (else 1), bit 3: a PID follows (else the
 *                   previous record's pid); then ADDR as a zigzag varint of
 *                   its difference from the ADDR of the previous access
 *                   of the same kind (load, store, fetch): code, stack
 *                   and heap each move by small steps
 *   TAG 0x10+kind   any other record (kind = vm_rec_kind_t): the PID for
 *                   the events of a process, then the kind's fields in a
 *                   fixed order (see field_codes in vmtb.c); strings are a
 *                   varint length and the bytes, no NUL
 *
 * The end record makes a file cut at a record boundary an error rather than
 * a shorter trace.  Comments and blank lines of a .vmt are not kept.  The
 * n-th record of a .vmtb reports line n+1, the line it has in the .vmt that
 * `vmscope convert --to vmt` writes (line 1 is `vmt 1`), and its token
 * columns are those of that line.
 */
#ifndef VM_VMTB_H
#define VM_VMTB_H

#include <stdio.h>
#include "traces/record.h"

#define VM_VMTB_MAGIC "\x89VMTB\r\n\x1a"
#define VM_VMTB_MAGIC_LEN 8
#define VM_VMTB_VERSION 1
/* The largest encoded record: its strings come from one .vmt line of at
 * most 64 KiB, and the numbers add at most a few hundred bytes. */
#define VM_VMTB_MAX_REC ((64u << 10) + 4096)

/* TRUE when @buf (of @n bytes, @n >= VM_VMTB_MAGIC_LEN) starts a .vmtb. */
gboolean vm_vmtb_is_magic(const void *buf, size_t n);

/* What the decoder and the encoder carry from one record to the next. */
typedef struct {
	uint64_t prev_addr[3]; /* the last ADDR of a load, a store and a
				* fetch (vm_acc_t): each moves by small steps */
	uint32_t prev_pid;    /* the last process record's PID */
	uint64_t nr;          /* records so far */
	int events;           /* an event has been seen: no more headers */
	int done;             /* the end record has been read */
} vm_vmtb_state_t;

/* Where decoded strings go: an arena of at least VM_VMTB_MAX_REC + 64
 * bytes and room for the checks of an expect record. */
typedef struct {
	char *arena;
	vm_check_t *checks;
	uint32_t max_checks;
} vm_vmtb_store_t;

static inline int64_t
vm_vmtb_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* An access's columns: "PID r 0xADDR [SIZE]", without formatting. */
static inline void
vm_vmtb_access_cols(vm_record_t *rec)
{
	unsigned d = 1;
	unsigned h = rec->addr != 0 ?
		(unsigned)(67 - __builtin_clzll(rec->addr)) / 4 : 1;

	for (uint32_t v = rec->pid; v >= 10; v /= 10)
		d++;
	rec->cols[0] = 1;
	rec->cols[1] = d + 2;
	rec->cols[2] = d + 4;
	rec->cols[3] = rec->len != 1 ? d + 4 + 2 + h + 1 : 0;
}

/*
 * The varint of the short form of an access at @p (its tag, not looked
 * at, at @p[0] < @end): at most 9 continuation bytes, the address's
 * distance from the last one of its kind.  Its value in *@d and the
 * record's length, or 0 when it is cut by @end or too long.  The one
 * parser of the form's varint of any length (vm_vmtb_short_step4 reads
 * the common ones faster).
 */
static inline size_t
vm_vmtb_short_step(const uint8_t *p, const uint8_t *end, uint64_t *d)
{
	const uint8_t *q = p + 1;
	uint64_t v = 0;
	unsigned shift = 0;

	while (q < end && *q & 0x80 && shift < 63) {
		v |= (uint64_t)(*q++ & 0x7f) << shift;
		shift += 7;
	}
	if (q == end || shift >= 63)
		return 0;
	*d = v | (uint64_t)*q++ << shift;
	return (size_t)(q - p);
}

/* An access in the short form at @p, its distance @d, of @n bytes: the
 * address of its kind moved, and the record counted. */
static inline __attribute__((always_inline)) size_t
vm_vmtb_short_took(const uint8_t *p, uint64_t d, size_t n, vm_vmtb_state_t *st)
{
	st->prev_addr[*p] += (uint64_t)vm_vmtb_unzigzag(d);
	st->nr++;
	return n;
}

/*
 * The short form of an access at @p, before @end: a tag 0-2 (load, store,
 * fetch of one page by the previous process) and its varint
 * (vm_vmtb_short_step).  Moves that address (and the record count) and
 * returns the bytes read, or 0 when @p holds anything else or is cut by
 * @end.  For the hot decode and for the skim.
 */
static inline size_t
vm_vmtb_short_access(const uint8_t *p, const uint8_t *end, vm_vmtb_state_t *st)
{
	uint64_t d;
	size_t n;

	if (p >= end || *p > 2 || (n = vm_vmtb_short_step(p, end, &d)) == 0)
		return 0;
	return vm_vmtb_short_took(p, d, n, st);
}

/*
 * The varint of a short-form access at @p (its tag at @p[0], 5 bytes
 * readable), when it has at most 4 bytes (28 bits: the sequential and the
 * random accesses of a trace): its value in *@d and the record's length
 * (2 to 5), read byte by byte without a loop; 0 for a longer one.
 */
static inline __attribute__((always_inline)) size_t
vm_vmtb_short_step4(const uint8_t *p, uint64_t *d)
{
	uint64_t v = p[1];

	if (v < 0x80) {
		*d = v;
		return 2;
	}
	if (p[2] < 0x80) {
		*d = (v & 0x7f) | (uint64_t)p[2] << 7;
		return 3;
	}
	if (p[3] < 0x80) {
		*d = (v & 0x7f) | (uint64_t)(p[2] & 0x7f) << 7 |
		     (uint64_t)p[3] << 14;
		return 4;
	}
	if (p[4] < 0x80) {
		*d = (v & 0x7f) | (uint64_t)(p[2] & 0x7f) << 7 |
		     (uint64_t)(p[3] & 0x7f) << 14 | (uint64_t)p[4] << 21;
		return 5;
	}
	return 0;
}

/* vm_vmtb_short_step with 16 bytes readable at @p: steps of up to 4
 * varint bytes by vm_vmtb_short_step4, longer ones by vm_vmtb_short_step.
 * The same bytes, the same result. */
static inline __attribute__((always_inline)) size_t
vm_vmtb_short_step16(const uint8_t *p, uint64_t *d)
{
	size_t n = vm_vmtb_short_step4(p, d);

	return n ? n : vm_vmtb_short_step(p, p + 16, d);
}

/* vm_vmtb_short_access with 16 bytes readable at @p (so no test of the
 * end, and the common step read without a loop). */
static inline __attribute__((always_inline)) size_t
vm_vmtb_short_access16(const uint8_t *p, vm_vmtb_state_t *st)
{
	uint64_t d;
	size_t n;

	if (*p > 2 || (n = vm_vmtb_short_step16(p, &d)) == 0)
		return 0;
	return vm_vmtb_short_took(p, d, n, st);
}

/*
 * vm_vmtb_decode's hot path, inline for the reader's loop: a short-form
 * access (vm_vmtb_short_access) read from the 16 bytes at @p, after the
 * first process record and before the end record.  Returns the bytes
 * consumed, or 0 when the record is anything else (vm_vmtb_decode then
 * decodes or refuses it).
 */
static inline long
vm_vmtb_decode_hot(const uint8_t *p, vm_vmtb_state_t *st, vm_record_t *rec)
{
	size_t n;

	if (st->prev_pid == 0 || st->done ||
	    (n = vm_vmtb_short_access16(p, st)) == 0)
		return 0;
	vm_record_blank(rec);
	rec->acc = (vm_acc_t)*p;
	rec->pid = st->prev_pid;
	rec->addr = st->prev_addr[*p];
	rec->len = 1;
	st->events = 1;
	rec->line = st->nr + 1;
	vm_vmtb_access_cols(rec);
	return (long)n;
}

/*
 * vm_vmtb_decode_hot into a record that holds, in full, the short-form
 * access decoded before it (by vm_vmtb_decode_hot, and nothing written to
 * @rec or moved in @st since but by this function): the kind of access,
 * the address and the line are all that can differ, the rest (the pid,
 * which only a record in another form changes, the size, the columns,
 * the fields every access leaves blank) holds.  The same bytes, @st and
 * record as vm_vmtb_decode_hot; 0, having changed nothing, for anything
 * but a short-form access whose step has at most 4 bytes.
 */
static inline __attribute__((always_inline)) long
vm_vmtb_decode_again(const uint8_t *p, vm_vmtb_state_t *st, vm_record_t *rec)
{
	unsigned tag = *p;
	uint64_t d, a;
	size_t n;

	/* a step of more than 4 bytes is left to vm_vmtb_decode_hot: its
	 * loop would cost this function registers to save */
	if (tag > 2 || (n = vm_vmtb_short_step4(p, &d)) == 0)
		return 0;
	a = st->prev_addr[tag] + (uint64_t)vm_vmtb_unzigzag(d);
	st->prev_addr[tag] = a;
	rec->acc = (vm_acc_t)tag;
	rec->addr = a;
	rec->line = ++st->nr + 1;
	return (long)n;
}

/*
 * vm_vmtb_decode_again over a run: the short-form accesses from @p on
 * (each with 16 bytes readable; none starts after @last) while each is of
 * a kind in @kinds (bit 1 << vm_acc_t) and reaches page @page (its
 * address >> @shift); at most @max of them.  Adds their number by kind
 * to @n, moves @st as decoding them one by one would
 * and leaves the last one's kind, address and line in @rec (nothing when
 * none).  Returns the bytes consumed; *@count, the records.  The engine's
 * run of hits on one page takes them whole (vm_vmt_next_page_run).
 */
static inline size_t
vm_vmtb_page_run(const uint8_t *p, const uint8_t *last, vm_vmtb_state_t *st,
		 vm_record_t *rec, uint64_t page, unsigned shift,
		 unsigned kinds, uint64_t max, uint64_t n[3], uint64_t *count)
{
	/* the state in locals, so that the loop keeps it out of @st and @n,
	 * which it could not otherwise know it alone writes */
	uint64_t pa[3] = { st->prev_addr[0], st->prev_addr[1], st->prev_addr[2] };
	uint64_t c[3] = { 0, 0, 0 };
	const uint8_t *q = p;
	uint64_t k = 0, d;
	/* the page as a range: no shift by a count in the loop */
	uint64_t lo = page << shift, span = (uint64_t)1 << shift;
	unsigned t = 0;
	size_t len;

	while (k < max && q <= last) {
		unsigned u = *q;
		uint64_t next;

		if (u > 2 || !(kinds >> u & 1) ||
		    (len = vm_vmtb_short_step16(q, &d)) == 0)
			break;
		next = pa[u] + (uint64_t)vm_vmtb_unzigzag(d);
		if (next - lo >= span)
			break;
		pa[u] = next;
		c[u]++;
		k++;
		q += len;
		t = u;
	}
	*count = k;
	if (k) {
		for (unsigned i = 0; i < 3; i++) {
			st->prev_addr[i] = pa[i];
			n[i] += c[i];
		}
		st->nr += k;
		rec->acc = (vm_acc_t)t;
		rec->addr = pa[t];
		rec->line = st->nr + 1;
	}
	return (size_t)(q - p);
}

/*
 * Decode one record from @p[0, @avail).  Returns the bytes consumed (> 0)
 * with *rec filled; 0 when @avail does not hold a whole record (call again
 * with more, or report truncation at the end of the file); -1 when the bytes
 * are not a valid record, *why then says what is wrong.  The end record
 * returns its size with *is_end set, and *rec untouched.  Strings point into
 * @store.
 */
long vm_vmtb_decode(const uint8_t *p, size_t avail, vm_vmtb_state_t *st,
		    const vm_vmtb_store_t *store, vm_record_t *rec,
		    gboolean *is_end, const char **why);
/*
 * Skip the records at @p[0, @avail) that a check of the trace learns nothing
 * from: one-page accesses in the short form (tags 0-2: the previous
 * process record's pid, size 1).  The caller vouches that the record before
 * them was an access, so their pid is one the check has just accepted, and
 * an access of size 1 cannot fail it.  Returns the bytes skipped; @st moves
 * as vm_vmtb_decode would move it.  Stops at anything else, for
 * vm_vmtb_decode to decode or report, and at a record cut by @avail.
 */
size_t vm_vmtb_skim(const uint8_t *p, size_t avail, vm_vmtb_state_t *st);
/* Decode the header: bytes consumed, 0 for too few, -1 (*why set) if bad. */
long vm_vmtb_decode_header(const uint8_t *p, size_t avail, const char **why);

/* The writer: records to a stdio stream, with the header first. */
typedef struct vm_vmtb_writer vm_vmtb_writer_t;
vm_vmtb_writer_t *vm_vmtb_writer_new(FILE *out);
/* Append @rec.  FALSE when it cannot be encoded (a string too long) or
 * when writing failed (errno set); @error names @name. */
gboolean vm_vmtb_write(vm_vmtb_writer_t *w, const vm_record_t *rec,
		       const char *name, GError **error);
/* Write the end record and free @w (not the stream). */
gboolean vm_vmtb_writer_finish(vm_vmtb_writer_t *w, const char *name,
			       GError **error);
/* Free @w without writing the end record (on an error path). */
void vm_vmtb_writer_free(vm_vmtb_writer_t *w);

#endif
