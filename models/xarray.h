/*
 * A sparse array of pointers indexed by a 64-bit key: a radix tree of
 * 64-way nodes whose height grows with the largest key stored, as Linux's
 * xarray (lib/xarray.c) holds a file's page cache.  vmscope keeps the pages
 * of a file in it, 64 pages per leaf (models/file.h), so that a file's cost
 * grows with the pages a trace touches, never with the size it names: a
 * `file ... size=1024G` header or a 64 TiB shared mapping costs one root.
 *
 *   key 0x1043 at height 2:   root --[0x1043 >> 6 & 63 = 1]--> node
 *                                   node --[0x1043 & 63 = 3]--> entry
 *
 * A lookup is one index per level (at most 11 for a 64-bit key); walking
 * the present entries in key order skips absent subtrees whole.  Left out
 * of Linux's xarray: marks, multi-index entries, RCU.
 */
#ifndef VM_XARRAY_H
#define VM_XARRAY_H

#include <stdint.h>
#include <glib.h>

#define VM_XA_SHIFT 6
#define VM_XA_FANOUT (1u << VM_XA_SHIFT)

typedef struct vm_xa_node {
	void *slot[VM_XA_FANOUT];
	uint32_t used;            /* non-NULL slots: a node left empty is freed */
} vm_xa_node_t;

typedef struct vm_xa {
	void *root;               /* the entry (height 0) or a node */
	unsigned height;          /* node levels above the entries */
	uint64_t count;           /* entries stored */
} vm_xa_t;

/* The entry at @key, or NULL. */
static inline void *vm_xa_load(const vm_xa_t *xa, uint64_t key)
{
	unsigned h = xa->height;
	if (h * VM_XA_SHIFT < 64 && (key >> (h * VM_XA_SHIFT)) != 0)
		return NULL;
	void *e = xa->root;
	while (h-- > 0 && e)
		e = ((vm_xa_node_t *)e)->slot[(key >> (h * VM_XA_SHIFT)) &
					       (VM_XA_FANOUT - 1)];
	return e;
}

/* Store @entry (not NULL) at @key, replacing what was there. */
void vm_xa_store(vm_xa_t *xa, uint64_t key, void *entry);
/* Remove the entry at @key and return it (NULL when there was none). */
void *vm_xa_erase(vm_xa_t *xa, uint64_t key);
/* The first entry at a key >= *@key, with *@key set to its key; NULL when
 * there is none (xa_find). */
void *vm_xa_find(const vm_xa_t *xa, uint64_t *key);
/* Free every node, calling @free_entry on each entry first (when not NULL). */
void vm_xa_destroy(vm_xa_t *xa, void (*free_entry)(void *));
/* @dst (empty) holds @copy_entry of each entry of @src, same keys. */
void vm_xa_copy(vm_xa_t *dst, const vm_xa_t *src, void *(*copy_entry)(const void *));

/* for (e = first entry >= lo; e; e = next) with its key in @key. */
#define vm_xa_for_each_from(xa, key, e, lo)                                   \
	for ((key) = (lo), (e) = vm_xa_find((xa), &(key)); (e);              \
	     (e) = (key) == UINT64_MAX ? NULL                                  \
					: ((key)++, vm_xa_find((xa), &(key))))

#endif
