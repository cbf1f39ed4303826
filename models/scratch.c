/*
 * Scratch buffers; see scratch.h.  Growth at least doubles the size, so a
 * run of ever larger requests reallocates O(log n) times in all.
 */
#include <stdint.h>
#include "models/scratch.h"

void vm_scratch_reserve(vm_scratch_t *s, size_t size)
{
	if (size <= s->size)
		return;
	size_t n = MAX(size, s->size * 2);
	n = MAX(n, (size_t)256);
	/* the contents are dead: a fresh block, not a copying realloc */
	g_free(s->p);
	s->p = g_malloc(n);
	s->size = n;
	s->nr_grow++;
}

void vm_scratch_free(vm_scratch_t *s)
{
	g_free(s->p);
	s->p = NULL;
	s->size = 0;
	s->busy = FALSE;
}
