/*
 * Physical frames and the free list; see frames.h for the picture and what is
 * left out.  Modelled on nothing more than a LIFO free list: the simulator
 * counts pages, and the identity of a frame matters only for the UI's map of
 * memory and for determinism.
 */
#include "models/frames.h"

gboolean vm_frames_init(vm_frames_t *fr, uint32_t nr)
{
	g_return_val_if_fail(nr > 0 && nr < VM_NIL, FALSE);
	/* zeroed, never written: a large calloc is fresh pages, which cost
	 * nothing until touched; the links are written as frames are
	 * allocated (vm_frames_touch) */
	fr->f = g_new0(vm_frame_t, nr);
	fr->quiet = g_new0(uint8_t, nr);
	fr->nr = nr;
	fr->nr_free = nr;
	fr->init_to = 0;
	fr->free_head = 0;
	vm_frames_touch(fr, 0);
	fr->hwm = 0;
	fr->cg_nr = NULL;
	fr->nr_cg = 0;
	fr->block_free = NULL;   /* vm_frames_init_blocks, for huge pages */
	fr->nr_blocks = fr->nr_free_blocks = fr->block_order = 0;
	for (int k = 0; k < VM_FRAME_NR_KINDS; k++)
		fr->nr_kind[k] = 0;
	fr->nr_kind[VM_FRAME_FREE] = nr;
	return TRUE;
}

G_GNUC_NO_INLINE void vm_frames_touch_slow(vm_frames_t *fr, uint32_t pfn)
{
	for (uint32_t j = fr->init_to; j <= pfn; j++) {
		fr->f[j].next = vm_frames_pristine_next(fr, j);
		fr->f[j].prev = vm_frames_pristine_prev(fr, j);
	}
	fr->init_to = pfn + 1;
}

void vm_frames_destroy(vm_frames_t *fr)
{
	g_free(fr->block_free);
	fr->block_free = NULL;
	g_free(fr->f);
	g_free(fr->quiet);
	fr->f = NULL;
	fr->quiet = NULL;
	g_free(fr->cg_nr);
	fr->cg_nr = NULL;
	fr->nr_cg = 0;
	fr->nr = fr->nr_free = 0;
}

/* vm_frames_alloc when the new head is still unwritten. */
G_GNUC_NO_INLINE uint32_t vm_frames_alloc_fresh(vm_frames_t *fr, vm_frame_kind_t kind,
						uint32_t owner, uint64_t index)
{
	vm_frames_touch_slow(fr, fr->f[fr->free_head].next);
	return vm_frames_alloc(fr, kind, owner, index);
}

void vm_frames_alloc_at(vm_frames_t *fr, uint32_t pfn, vm_frame_kind_t kind,
			uint32_t owner, uint64_t index)
{
	g_assert(pfn < fr->nr && fr->f[pfn].kind == VM_FRAME_FREE);
	/* @pfn and its next are changed: written first, with those before */
	vm_frames_touch(fr, vm_frames_pristine_next(fr, pfn) == VM_NIL ? pfn : pfn + 1);
	if (pfn == fr->free_head) {
		vm_frames_alloc(fr, kind, owner, index);
		return;
	}
	vm_frame_t *f = &fr->f[pfn];
	/* unlink from the middle: the list is doubly linked for this */
	fr->f[f->prev].next = f->next;
	if (f->next != VM_NIL)
		fr->f[f->next].prev = f->prev;
	/* a mark past the frames between the old one and @pfn: they are
	 * free and pristine but for their links, which the list keeps */
	vm_frames_take(fr, pfn, kind, owner, index);
}

void vm_frames_init_blocks(vm_frames_t *fr, unsigned order)
{
	g_return_if_fail(order >= 1 && order < 16 && !fr->block_free);
	fr->block_order = order;
	fr->nr_blocks = fr->nr >> order;
	fr->block_free = g_new0(uint16_t, fr->nr_blocks ? fr->nr_blocks : 1);
	fr->nr_free_blocks = 0;
	for (uint32_t pfn = 0; pfn < fr->nr_blocks << order; pfn++)
		if (fr->f[pfn].kind == VM_FRAME_FREE)
			fr->block_free[pfn >> order]++;
	for (uint32_t b = 0; b < fr->nr_blocks; b++)
		fr->nr_free_blocks += fr->block_free[b] == 1u << order;
}

uint32_t vm_frames_alloc_block(vm_frames_t *fr, vm_frame_kind_t kind,
			       uint32_t owner, uint64_t index)
{
	if (!fr->block_free || !fr->nr_free_blocks)
		return VM_NIL;
	uint32_t n = 1u << fr->block_order, b = 0;
	while (fr->block_free[b] != n)
		b++;
	uint32_t base = b << fr->block_order;
	/* ascending, each unlinked where the list holds it (alloc_at) */
	for (uint32_t i = 0; i < n; i++)
		vm_frames_alloc_at(fr, base + i, kind, owner, index + i);
	return base;
}
