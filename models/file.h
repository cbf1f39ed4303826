/*
 * Files and the page cache: what a file is on the simulated disk, and which
 * of its pages are in memory.
 *
 *   file "data" (size 5 pages)      page index:  0     1     2     3     4
 *   block (disk, contiguous;         ........   100   101   102   hole  104
 *          a hole has none)
 *   cache (the page cache: pfn       ........    7    NIL    9    12   NIL
 *          or VM_NIL)
 *
 * These per-page fields live in chunks of 64 pages, kept in a sparse radix
 * tree per file (models/xarray.h, as Linux keeps a file's pages in its
 * xarray): a lookup is a few array indexes, no global hash on the fault
 * path, and a page no trace has touched costs nothing, so a 1 TiB file or a
 * 64 TiB shared mapping is as cheap as a small one.  The blocks of a file
 * made contiguous by a `file` header are a rule (base_block + index), not
 * a table, until a page's chunk is made.
 *
 * A page-cache page is a frame of kind VM_FRAME_FILE owned by the file's id
 * at its page index, with the flags UPTODATE, LOCKED (a read is in flight
 * until frame.io_done), DIRTY, READAHEAD (the PG_readahead marker) and
 * RA_UNUSED (read ahead, not used yet).  Its mapcount counts the PTEs that
 * map it; being in the cache is not a mapping.
 *
 * Delayed allocation: a page written into a hole gets its disk block when it
 * is written back, from the end of the disk.  A file lives while it has a
 * name, an open fd or a mapping (close() and unlink() never end a mapping).
 * Shared anonymous memory is an unnamed file without disk blocks (shmem), a
 * file on tmpfs a named one: a fault on a hole allocates the one page, minor
 * (no readahead), read() of a hole copies zeros without a page, and the
 * pages are never written back; without a swap-backed shmem model they are
 * not reclaimed either.  A crash takes tmpfs files, names and all.
 *
 * Large folios (cache.folio_max): pages of a file grouped in naturally
 * aligned runs of 2^order pages, each still its own frame (vmscope has no
 * buddy allocator, so a folio's frames need not be contiguous).  A write
 * makes folios as large as itself, readahead as large as ra->order; a
 * fault maps a whole folio, reclaim evicts one whole, and dropping one of
 * its pages (truncate) splits it into single pages first:
 *
 *   page index   0   1   2   3   4   5   6   7   8
 *   forder[]     2   2   2   2   1   1   0   0   0
 *                [ folio 0..3  ][4..5 ] 6   7   8
 *
 * Left out: directories, metadata I/O, per-page block
 * allocation order, fallocate.
 */
#ifndef VM_FILE_H
#define VM_FILE_H

#include <stdint.h>
#include <glib.h>
#include "models/machine.h"
#include "models/mm.h"
#include "models/readahead.h"
#include "models/xarray.h"

#define VM_BLOCK_NONE UINT64_MAX

/* The state of 64 consecutive pages of a file: a leaf of its page index.
 * A page with no chunk has the defaults: no frame, never dirtied or written
 * back, a page alone, and the block of its file's contiguous extent (or
 * none). */
#define VM_FILE_CHUNK_SHIFT VM_XA_SHIFT
#define VM_FILE_CHUNK (1u << VM_FILE_CHUNK_SHIFT)
typedef struct vm_fchunk {
	uint64_t block[VM_FILE_CHUNK];   /* disk block, or VM_BLOCK_NONE */
	uint64_t dirtied[VM_FILE_CHUNK]; /* when it became dirty (the flusher's
					  * age test), 0 if never */
	uint64_t wb_done[VM_FILE_CHUNK]; /* when its latest write reaches the
					  * disk (a crash before that tears it) */
	uint64_t shadow[VM_FILE_CHUNK];  /* not cached: what its eviction left
					  * (workingset.h), 0 if nothing */
	uint32_t cache[VM_FILE_CHUNK];   /* pfn in the page cache, or VM_NIL */
	uint8_t forder[VM_FILE_CHUNK];   /* the order of the folio holding it
					  * (naturally aligned: its head is the
					  * index rounded down to 2^order); 0
					  * for a page alone */
} vm_fchunk_t;

typedef struct vm_file {
	uint32_t id;              /* index in machine.files */
	char *name;               /* NULL for shmem */
	uint64_t size;            /* bytes */
	vm_xa_t pages;            /* chunk of page idx at idx >> VM_FILE_CHUNK_SHIFT:
				   * only pages a trace touched have one, so a
				   * file's cost is not its size */
	uint64_t ckey;            /* the chunk looked up last (a fault asks for */
	struct vm_fchunk *cchunk; /* several fields of the same pages): key,
				   * or UINT64_MAX, and the chunk */
	uint64_t base_block;      /* pages [0, base_pages) without a chunk sit */
	uint64_t base_pages;      /* at base_block + idx (a `file` header) */
	gboolean linked;          /* has a name in the namespace */
	gboolean shmem;           /* shared anonymous memory: no disk */
	gboolean dead;            /* freed: no name, fd or mapping was left */
	uint32_t opens;           /* open fds */
	uint64_t nr_cached, nr_dirty, nr_blocks;
	uint64_t lost_pages;      /* dirty pages lost in crashes */
	vm_ra_state_t ra;         /* readahead state (file_ra_state) */
} vm_file_t;

static inline uint64_t vm_file_pages(const vm_file_t *f, unsigned page_shift)
{
	return (f->size + ((uint64_t)1 << page_shift) - 1) >> page_shift;
}

/* The chunk holding page @idx, or NULL (all defaults). */
static inline vm_fchunk_t *vm_file_chunk(const vm_file_t *f, uint64_t idx)
{
	uint64_t key = idx >> VM_FILE_CHUNK_SHIFT;
	if (G_LIKELY(key == f->ckey))
		return f->cchunk;
	vm_fchunk_t *c = vm_xa_load(&f->pages, key);
	if (c) {
		/* a cache of the lookup, not of the file's state: const */
		((vm_file_t *)f)->ckey = key;
		((vm_file_t *)f)->cchunk = c;
	}
	return c;
}
/* The chunk holding page @idx, made (with the defaults) when missing. */
vm_fchunk_t *vm_file_chunk_get(vm_file_t *f, uint64_t idx);
#define VM_FILE_SLOT(idx) ((idx) & (VM_FILE_CHUNK - 1))

/* Page @idx's frame in the page cache, or VM_NIL. */
static inline uint32_t vm_file_pfn(const vm_file_t *f, uint64_t idx)
{
	const vm_fchunk_t *c = vm_file_chunk(f, idx);
	return c ? c->cache[VM_FILE_SLOT(idx)] : VM_NIL;
}
static inline void vm_file_set_pfn(vm_file_t *f, uint64_t idx, uint32_t pfn)
{
	vm_fchunk_t *c = vm_file_chunk(f, idx);
	if (!c && pfn == VM_NIL)
		return;
	(c ? c : vm_file_chunk_get(f, idx))->cache[VM_FILE_SLOT(idx)] = pfn;
}
/* Page @idx's disk block, or VM_BLOCK_NONE (a hole). */
static inline uint64_t vm_file_block(const vm_file_t *f, uint64_t idx)
{
	const vm_fchunk_t *c = vm_file_chunk(f, idx);
	if (c)
		return c->block[VM_FILE_SLOT(idx)];
	return idx < f->base_pages ? f->base_block + idx : VM_BLOCK_NONE;
}
static inline void vm_file_set_block(vm_file_t *f, uint64_t idx, uint64_t block)
{
	vm_file_chunk_get(f, idx)->block[VM_FILE_SLOT(idx)] = block;
}
/* When page @idx became dirty (0: clean since the file began). */
static inline uint64_t vm_file_dirtied(const vm_file_t *f, uint64_t idx)
{
	const vm_fchunk_t *c = vm_file_chunk(f, idx);
	return c ? c->dirtied[VM_FILE_SLOT(idx)] : 0;
}
static inline void vm_file_set_dirtied(vm_file_t *f, uint64_t idx, uint64_t t)
{
	vm_file_chunk_get(f, idx)->dirtied[VM_FILE_SLOT(idx)] = t;
}
/* When page @idx's latest write reaches the disk (0: no write pending). */
static inline uint64_t vm_file_wb_done(const vm_file_t *f, uint64_t idx)
{
	const vm_fchunk_t *c = vm_file_chunk(f, idx);
	return c ? c->wb_done[VM_FILE_SLOT(idx)] : 0;
}
static inline void vm_file_set_wb_done(vm_file_t *f, uint64_t idx, uint64_t t)
{
	vm_fchunk_t *c = vm_file_chunk(f, idx);
	if (!c && t == 0)
		return;
	(c ? c : vm_file_chunk_get(f, idx))->wb_done[VM_FILE_SLOT(idx)] = t;
}

/* The order of the folio holding page @idx of @f: 0 for a page alone. */
static inline unsigned vm_file_folio_order(const vm_file_t *f, uint64_t idx)
{
	const vm_fchunk_t *c = vm_file_chunk(f, idx);
	return c ? c->forder[VM_FILE_SLOT(idx)] : 0;
}

/* The first page of the folio holding page @idx. */
static inline uint64_t vm_file_folio_head(const vm_file_t *f, uint64_t idx)
{
	return idx & ~(((uint64_t)1 << vm_file_folio_order(f, idx)) - 1);
}

/* The cached pages of @f at index >= @from, in order: for (idx = from;
 * vm_file_next_cached(f, &idx, &pfn); idx++).  Skips untouched ranges whole. */
gboolean vm_file_next_cached(const vm_file_t *f, uint64_t *idx, uint32_t *pfn);

/* A file @name of @size bytes that exists at time 0 (a `file` header):
 * contiguous on the disk unless @sparse; all its pages cached (clean) if
 * @cached, as far as memory goes. */
vm_file_t *vm_file_new(vm_machine_t *m, const char *name, uint64_t size,
		       gboolean sparse, gboolean cached);
/* A new shmem object of @npages pages (MAP_SHARED|MAP_ANONYMOUS). */
vm_file_t *vm_file_new_shmem(vm_machine_t *m, uint64_t npages);
/* A file @name on tmpfs (docs/format.md `file ... tmpfs`): shmem pages and
 * no disk blocks.  Unless @sparse, each of its pages is in memory from the
 * start, as written data on tmpfs is (those memory cannot hold are holes). */
vm_file_t *vm_file_new_tmpfs(vm_machine_t *m, const char *name, uint64_t size,
			     gboolean sparse);
/* The linked file called @name, or NULL. */
vm_file_t *vm_file_lookup(vm_machine_t *m, const char *name);
static inline vm_file_t *vm_file_get(vm_machine_t *m, int32_t id)
{
	return g_ptr_array_index(m->files, id);
}
/* VMAs of live processes that map @f. */
uint64_t vm_file_count_maps(vm_machine_t *m, const vm_file_t *f);
/* Free @f's pages once it has no name, fd or mapping left. */
void vm_file_maybe_free(vm_machine_t *m, vm_file_t *f);
/* unlink(): the name goes; the file lives while it is open or mapped. */
void vm_file_unlink(vm_machine_t *m, vm_file_t *f);
/* ftruncate() and growth by write(): shrinking unmaps and drops the pages
 * past the new end (unmap_mapping_range, truncate_inode_pages). */
void vm_file_resize(vm_machine_t *m, vm_file_t *f, uint64_t size);
/* Free @f's page index (its pages must have left the cache). */
void vm_file_free_index(vm_file_t *f);
/* Make [@head, +2^@order) one folio (the pages are cached). */
void vm_file_folio_set(vm_file_t *f, uint64_t head, unsigned order);
/* Drop page @idx (cached, unmapped) from the page cache and free its
 * frame, splitting its folio first. */
void vm_file_drop_page(vm_machine_t *m, vm_file_t *f, uint64_t idx);
/* The virtual page where VMA @v maps page @idx of its file, if any. */
gboolean vm_file_vma_vpn(const vm_vma_t *v, uint64_t idx, uint64_t *vpn);

#endif
