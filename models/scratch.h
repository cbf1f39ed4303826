/*
 * Scratch buffers (scratch.c): memory that one call needs for as long as it
 * runs, owned by the machine so that the per-access path allocates nothing
 * (the hot-path rule), not even a fault that reads from the disk.  A buffer
 * is allocated with the machine, grown geometrically (at least doubled) when
 * a larger request needs more (a wider readahead window, a longer writeback
 * run), never shrunk, and its contents are dead between calls.  Calls that
 * can be running at the same time each have their own:
 *
 *   fill_window (filemap.c) ── allocates frames ─► direct reclaim ─► pageout
 *     m->scratch_read                               vm_writeback_range
 *        │                                            m->scratch_wb
 *        └────────► vm_filemap_submit_blocks ◄───────────┘
 *                     m->scratch_bio
 *
 * A user takes a buffer (get) and gives it back (put); taking a buffer
 * already taken is an assertion failure, so a call that came to nest in
 * itself would stop rather than overwrite its caller's data.
 */
#ifndef VM_SCRATCH_H
#define VM_SCRATCH_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef struct {
	void *p;                 /* size bytes, 16-byte aligned (g_malloc) */
	size_t size;
	gboolean busy;           /* taken by a call that has not put it back */
	uint32_t nr_grow;        /* times it was (re)allocated: the tests' and
				  * the benchmark's evidence that a fault
				  * does not allocate */
} vm_scratch_t;

/* Make @s at least @size bytes (its contents are not kept). */
void vm_scratch_reserve(vm_scratch_t *s, size_t size);
/* Free @s's memory; @s is empty and may be reserved again. */
void vm_scratch_free(vm_scratch_t *s);

/* Take @s, at least @size bytes of it: no allocation unless @s is smaller. */
static inline void *vm_scratch_get(vm_scratch_t *s, size_t size)
{
	g_assert(!s->busy);
	if (G_UNLIKELY(size > s->size))
		vm_scratch_reserve(s, size);
	s->busy = TRUE;
	return s->p;
}

/* Give @s back. */
static inline void vm_scratch_put(vm_scratch_t *s)
{
	s->busy = FALSE;
}

/* The byte offset after @n elements of @elem bytes from @off, rounded up to
 * 8 so that the next array of a buffer shared by several is aligned. */
static inline size_t vm_scratch_after(size_t off, size_t n, size_t elem)
{
	return (off + n * elem + 7) & ~(size_t)7;
}

#endif
