/*
 * Physical memory: an array of frames, each with a kind, flags, a mapping
 * count and intrusive list links, and a free list threaded through the same
 * links (as SQLite's pcache1 embeds its LRU links in the page header).
 *
 *   frames[]:  0     1     2     3     4   ...  nr-1
 *             ┌─────┬─────┬─────┬─────┬─────┬─────┐
 *             │ANON │FREE │ PT  │FREE │FILE │ ... │
 *             └─────┴──┬──┴─────┴──▲──┴─────┴─────┘
 *       free_head ─────┘  next ────┘   (doubly linked by frame number)
 *
 * Allocation takes the lowest-numbered free frame first at start (the free
 * list is built in ascending order and freed frames go to the head, so the
 * most recently freed frame is reused first, as the buddy allocator's
 * per-cpu lists do).  Deterministic: no addresses or clocks involved.
 *
 * The list's tail is written lazily: frames from init_to on are still the
 * zeroed memory vm_frames_init got (kind FREE, every field 0) and their
 * links are implied, frame j's next j + 1 and prev j - 1, as an eager
 * initialisation would have written them.  A frame is written before it is
 * first changed (vm_frames_touch), so a machine of 16 GiB that touches 64
 * MiB neither writes nor faults in the rest of its frame array
 * (docs/speed.md).  Whoever walks the free list reads the links with
 * vm_frames_next / vm_frames_prev.
 *
 * The shared zero page is not one of these frames: like the kernel's static
 * zero page it is not managed memory; it is VM_PFN_ZERO.
 *
 * Beside the list, the frames are counted in aligned blocks of 2^block_order
 * (a PMD's worth: 512 frames of 4 KiB), the one order huge pages need:
 * block_free[b] is how many frames of block b are free, so "is there a free
 * aligned 2 MiB block" (the buddy allocator's free_area[HPAGE_PMD_ORDER]
 * being non-empty) is answered by a count, and the lowest such block is
 * found by a scan of block_free[] only when a huge page is wanted.  An
 * order-0 allocation or free adds one counter update to its O(1) list
 * work, and takes frames exactly as before, whatever blocks it breaks:
 * with huge pages off, every frame goes where it always went.
 *
 *   block_free[]:  512   3   0   512   17  ...     nr_free_blocks = 2
 *                   └ free            └ free       (fragmentation: free
 *                                                   frames outside them)
 *
 * Left out: zones, the orders between 0 and a PMD's (the buddy pairs),
 * per-cpu lists, migration types; compaction is counted, not done
 * (huge_memory.c).
 */
#ifndef VM_FRAMES_H
#define VM_FRAMES_H

#include <stdint.h>
#include <glib.h>

#define VM_NIL UINT32_MAX         /* end of an intrusive list */
#define VM_PFN_ZERO UINT32_MAX    /* the shared zero page */

typedef enum {
	VM_FRAME_FREE = 0,
	VM_FRAME_ANON,    /* anonymous page (private or COW-shared) */
	VM_FRAME_FILE,    /* page-cache page of a file (or shmem) */
	VM_FRAME_PT,      /* a page-table page */
	VM_FRAME_NR_KINDS
} vm_frame_kind_t;

enum {                            /* vm_frame_t.flags */
	VM_FRAME_DIRTY = 1 << 0,
	VM_FRAME_REFERENCED = 1 << 1,
	VM_FRAME_ACTIVE = 1 << 2,
	VM_FRAME_LOCKED = 1 << 3,     /* under I/O */
	VM_FRAME_UPTODATE = 1 << 4,
	VM_FRAME_READAHEAD = 1 << 5,  /* PG_readahead marker */
	VM_FRAME_WRITEBACK = 1 << 6,  /* a pageout reclaim started is in flight
				       * (PG_writeback with PG_reclaim): io_done
				       * holds its completion, and the page is
				       * up to date all the same */
	VM_FRAME_RA_UNUSED = 1 << 7,  /* read ahead and not used yet (readahead_hits) */
};

enum {                            /* vm_frame_t.pg: page flags beside .flags */
	VM_PAGE_REFERENCED = 1 << 0,  /* PG_referenced, apart from the PTE
				       * accessed bit (VM_FRAME_REFERENCED):
				       * set by folio_mark_accessed (read(),
				       * write()) and by reclaim's first look
				       * at a young page; only lru2q uses it
				       * (reclaim-lru2q.c) */
};

typedef struct {
	uint32_t next, prev;  /* free list or reclaim list links */
	uint32_t mapcount;    /* PTEs that map this frame */
	uint32_t owner;       /* ANON/PT: pid that allocated it; FILE: file id */
	uint64_t index;       /* ANON: its mapping's anonymous index of it, the
			       * virtual page number unless the mapping moved
			       * (mm.h, vm_vma_anon_index); FILE: page index;
			       * PT: table id */
	uint64_t stamp;       /* reclaim policy's ordering key */
	uint64_t io_done;     /* when the I/O on it completes: the read filling
			       * it, or a pageout (VM_FRAME_WRITEBACK) */
	uint8_t kind;         /* vm_frame_kind_t */
	uint8_t flags;        /* VM_FRAME_* */
	uint16_t list;        /* which reclaim list holds it, policy-defined */
	uint16_t memcg;       /* the memory cgroup it is charged to (memcg.h),
			       * 0: none.  Fits in what was padding */
	uint8_t pg;           /* VM_PAGE_*; in what was padding too */
} vm_frame_t;

typedef struct {
	vm_frame_t *f;        /* nr frames */
	uint32_t nr;
	uint32_t nr_free;
	uint32_t free_head;
	uint32_t nr_kind[VM_FRAME_NR_KINDS]; /* frames of each kind */
	uint32_t (*cg_nr)[VM_FRAME_NR_KINDS]; /* per memory cgroup id: its
			       * frames of each kind (memory.current), NULL
			       * until a cgroup exists (memcg.c); freeing a
			       * frame uncharges it here */
	uint32_t nr_cg;       /* rows of cg_nr */
	uint32_t hwm;         /* frames from here on were never allocated, so
			       * (but for frame hwm's prev link) they are as
			       * vm_frames_init left them: snapshots skip them */
	uint16_t *block_free; /* per aligned block of 2^block_order frames: how
			       * many are free; NULL: blocks not counted */
	uint32_t nr_blocks;   /* whole blocks (a tail shorter than one is none) */
	uint32_t nr_free_blocks; /* blocks wholly free */
	uint32_t block_order;
	uint8_t *quiet;       /* nr bytes: 1 when an access to the frame
			       * changes nothing (vm_reclaim_access, which
			       * sets it; cleared wherever the frame is taken,
			       * freed or loses REFERENCED or ACTIVE): the
			       * MMU's hit then skips the frame itself, a host
			       * cache miss per random page (docs/speed.md) */
	uint32_t init_to;     /* frames from here on are unwritten: zero but
			       * for their implied links (above); > free_head
			       * and > hwm while either is a frame */
} vm_frames_t;

/* Frame @pfn's free-list links as an eager vm_frames_init wrote them. */
static inline uint32_t vm_frames_pristine_next(const vm_frames_t *fr, uint32_t pfn)
{
	return pfn + 1 < fr->nr ? pfn + 1 : VM_NIL;
}
static inline uint32_t vm_frames_pristine_prev(const vm_frames_t *fr, uint32_t pfn)
{
	(void)fr;
	return pfn > 0 ? pfn - 1 : VM_NIL;
}

/* Frame @pfn's links, written or implied. */
static inline uint32_t vm_frames_next(const vm_frames_t *fr, uint32_t pfn)
{
	return pfn < fr->init_to ? fr->f[pfn].next : vm_frames_pristine_next(fr, pfn);
}
static inline uint32_t vm_frames_prev(const vm_frames_t *fr, uint32_t pfn)
{
	return pfn < fr->init_to ? fr->f[pfn].prev : vm_frames_pristine_prev(fr, pfn);
}

void vm_frames_touch_slow(vm_frames_t *fr, uint32_t pfn);
/* Write the implied links of frames up to @pfn (VM_NIL: none), so that
 * frame @pfn can be changed.  Amortised O(1): allocation moves init_to up
 * by one frame at a time.  The writing is out of line: inline, its loop
 * made vm_frames_alloc save registers on every call. */
static inline void vm_frames_touch(vm_frames_t *fr, uint32_t pfn)
{
	if (G_UNLIKELY(pfn >= fr->init_to && pfn != VM_NIL))
		vm_frames_touch_slow(fr, pfn);
}

/* When the read filling @f completes (up to date from then on); a page
 * under pageout is up to date. */
static inline uint64_t vm_frame_read_done(const vm_frame_t *f)
{
	return f->flags & VM_FRAME_WRITEBACK ? 0 : f->io_done;
}

/* @nr frames, all free.  Returns FALSE if @nr is 0 or too large. */
gboolean vm_frames_init(vm_frames_t *fr, uint32_t nr);
void vm_frames_destroy(vm_frames_t *fr);

/* Frame @pfn, just unlinked from the free list, becomes @kind (frames.c
 * and vm_frames_alloc's inline body only). */
static inline void vm_frames_take(vm_frames_t *fr, uint32_t pfn,
				  vm_frame_kind_t kind, uint32_t owner,
				  uint64_t index)
{
	if (pfn >= fr->hwm)
		fr->hwm = pfn + 1;
	fr->nr_free--;
	if (fr->block_free && (pfn >> fr->block_order) < fr->nr_blocks &&
	    fr->block_free[pfn >> fr->block_order]-- == 1u << fr->block_order)
		fr->nr_free_blocks--;
	fr->nr_kind[VM_FRAME_FREE]--;
	fr->nr_kind[kind]++;
	/* frames[].quiet is 0 already: a frame is free from vm_frames_init
	 * (zeroed) or vm_frames_free (which clears it), and nothing marks a
	 * free frame */
	fr->f[pfn] = (vm_frame_t){
		.next = VM_NIL, .prev = VM_NIL, .owner = owner,
		.index = index, .kind = (uint8_t)kind,
		.flags = VM_FRAME_UPTODATE,
	};
}

uint32_t vm_frames_alloc_fresh(vm_frames_t *fr, vm_frame_kind_t kind,
			       uint32_t owner, uint64_t index);

/* Take a free frame and make it @kind, owned by @owner at @index, mapcount 0.
 * Returns its number, or VM_NIL when none is free.  Inline, as is
 * vm_frames_free: under pressure every page swapped in is allocated and
 * freed, most of them read ahead (docs/speed.md). */
static inline uint32_t vm_frames_alloc(vm_frames_t *fr, vm_frame_kind_t kind,
				       uint32_t owner, uint64_t index)
{
	uint32_t pfn = fr->free_head;
	if (pfn == VM_NIL)
		return VM_NIL;
	vm_frame_t *f = &fr->f[pfn];
	g_assert(f->kind == VM_FRAME_FREE);
	/* the new head must be written (init_to past it): out of line */
	if (G_UNLIKELY(f->next >= fr->init_to && f->next != VM_NIL))
		return vm_frames_alloc_fresh(fr, kind, owner, index);
	fr->free_head = f->next;
	if (f->next != VM_NIL)
		fr->f[f->next].prev = VM_NIL;
	vm_frames_take(fr, pfn, kind, owner, index);
	return pfn;
}
/* Take frame @pfn, which must be free, off the free list wherever it is and
 * make it as vm_frames_alloc would (a page placed at a given frame, for
 * exercises that give the physical layout: the trace op `map`). */
void vm_frames_alloc_at(vm_frames_t *fr, uint32_t pfn, vm_frame_kind_t kind,
			uint32_t owner, uint64_t index);
/* Charge frame @pfn (just allocated, charged to none) to cgroup @id. */
static inline void vm_frames_charge(vm_frames_t *fr, uint32_t pfn, uint16_t id)
{
	fr->f[pfn].memcg = id;
	fr->cg_nr[id][fr->f[pfn].kind]++;
}
/* Return frame @pfn to the free list, uncharging it.  It must be unmapped. */
static inline void vm_frames_free(vm_frames_t *fr, uint32_t pfn)
{
	g_assert(pfn < fr->nr);
	vm_frame_t *f = &fr->f[pfn];
	g_assert(f->kind != VM_FRAME_FREE);
	g_assert(f->mapcount == 0);
	fr->nr_kind[f->kind]--;
	fr->nr_kind[VM_FRAME_FREE]++;
	if (G_UNLIKELY(f->memcg))
		fr->cg_nr[f->memcg][f->kind]--;   /* mem_cgroup_uncharge */
	*f = (vm_frame_t){ .next = fr->free_head, .prev = VM_NIL,
			   .kind = VM_FRAME_FREE };
	fr->quiet[pfn] = 0;
	if (fr->free_head != VM_NIL)
		fr->f[fr->free_head].prev = pfn;
	fr->free_head = pfn;
	fr->nr_free++;
	if (fr->block_free && (pfn >> fr->block_order) < fr->nr_blocks &&
	    ++fr->block_free[pfn >> fr->block_order] == 1u << fr->block_order)
		fr->nr_free_blocks++;
}

/* Count free frames in aligned blocks of 2^@order (huge pages of that
 * order become possible); call once, after vm_frames_init. */
void vm_frames_init_blocks(vm_frames_t *fr, unsigned order);
/* The lowest wholly free block's 2^block_order frames, taken off the free
 * list and made @kind, owned by @owner, frame i at index @index + i: a
 * huge page.  Returns the first frame, or VM_NIL when no block is free. */
uint32_t vm_frames_alloc_block(vm_frames_t *fr, vm_frame_kind_t kind,
			       uint32_t owner, uint64_t index);

#endif
