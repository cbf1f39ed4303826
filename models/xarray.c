/*
 * The sparse array of models/xarray.h: a radix tree of 64-way nodes.
 */
#include "models/xarray.h"

#define XA_MASK (VM_XA_FANOUT - 1)

/* Does @key fit under a tree of @height node levels? */
static gboolean fits(unsigned height, uint64_t key)
{
	return height * VM_XA_SHIFT >= 64 || (key >> (height * VM_XA_SHIFT)) == 0;
}

void vm_xa_store(vm_xa_t *xa, uint64_t key, void *entry)
{
	g_assert(entry != NULL);
	if (!xa->root) {
		/* an empty tree takes the height the key needs at once */
		xa->height = 0;
		while (!fits(xa->height, key))
			xa->height++;
	}
	while (!fits(xa->height, key)) {
		/* the old tree becomes slot 0 of a new root (xas_expand) */
		vm_xa_node_t *n = g_new0(vm_xa_node_t, 1);
		n->slot[0] = xa->root;
		n->used = 1;
		xa->root = n;
		xa->height++;
	}
	void **slot = &xa->root;
	for (unsigned h = xa->height; h > 0; h--) {
		if (!*slot)
			*slot = g_new0(vm_xa_node_t, 1);
		vm_xa_node_t *n = *slot;
		slot = &n->slot[(key >> ((h - 1) * VM_XA_SHIFT)) & XA_MASK];
		if (!*slot)
			n->used++;
	}
	if (!*slot)
		xa->count++;
	*slot = entry;
}

/* Erase @key below @node at @height; returns the entry; frees nodes it
 * leaves empty (their parent's slot is cleared by the caller). */
static void *erase_in(vm_xa_node_t *node, unsigned height, uint64_t key)
{
	unsigned i = (key >> ((height - 1) * VM_XA_SHIFT)) & XA_MASK;
	void *e;
	if (height == 1) {
		e = node->slot[i];
		if (e) {
			node->slot[i] = NULL;
			node->used--;
		}
		return e;
	}
	vm_xa_node_t *child = node->slot[i];
	if (!child)
		return NULL;
	e = erase_in(child, height - 1, key);
	if (child->used == 0) {
		g_free(child);
		node->slot[i] = NULL;
		node->used--;
	}
	return e;
}

void *vm_xa_erase(vm_xa_t *xa, uint64_t key)
{
	if (!xa->root || !fits(xa->height, key))
		return NULL;
	void *e;
	if (xa->height == 0) {
		e = xa->root;
		xa->root = NULL;
	} else {
		e = erase_in(xa->root, xa->height, key);
		if (((vm_xa_node_t *)xa->root)->used == 0) {
			g_free(xa->root);
			xa->root = NULL;
			xa->height = 0;
		}
	}
	if (e)
		xa->count--;
	return e;
}

/* The first entry at a key >= @key below @node (the subtree holding keys
 * with the bits above @height's levels equal to @key's). */
static void *find_in(const vm_xa_node_t *node, unsigned height, uint64_t key,
		     uint64_t *found)
{
	unsigned shift = (height - 1) * VM_XA_SHIFT;
	uint64_t base = shift + VM_XA_SHIFT >= 64 ? 0
			: key & ~((UINT64_C(1) << (shift + VM_XA_SHIFT)) - 1);
	for (unsigned i = (key >> shift) & XA_MASK; i < VM_XA_FANOUT; i++) {
		void *s = node->slot[i];
		uint64_t k = base | ((uint64_t)i << shift);
		if (!s)
			continue;
		if (height == 1) {
			*found = k;
			return s;
		}
		/* past the first slot the subtree is searched from its start */
		void *e = find_in(s, height - 1, k > key ? k : key, found);
		if (e)
			return e;
	}
	return NULL;
}

void *vm_xa_find(const vm_xa_t *xa, uint64_t *key)
{
	if (!xa->root || !fits(xa->height, *key))
		return NULL;
	if (xa->height == 0)
		return *key == 0 ? xa->root : NULL;
	return find_in(xa->root, xa->height, *key, key);
}

static void destroy_in(vm_xa_node_t *node, unsigned height, void (*free_entry)(void *))
{
	for (unsigned i = 0; i < VM_XA_FANOUT; i++) {
		if (!node->slot[i])
			continue;
		if (height > 1)
			destroy_in(node->slot[i], height - 1, free_entry);
		else if (free_entry)
			free_entry(node->slot[i]);
	}
	g_free(node);
}

void vm_xa_destroy(vm_xa_t *xa, void (*free_entry)(void *))
{
	if (xa->root) {
		if (xa->height == 0) {
			if (free_entry)
				free_entry(xa->root);
		} else {
			destroy_in(xa->root, xa->height, free_entry);
		}
	}
	xa->root = NULL;
	xa->height = 0;
	xa->count = 0;
}

static void *copy_in(const void *e, unsigned height, void *(*copy_entry)(const void *))
{
	if (height == 0)
		return copy_entry(e);
	const vm_xa_node_t *node = e;
	vm_xa_node_t *n = g_new(vm_xa_node_t, 1);
	n->used = node->used;
	for (unsigned i = 0; i < VM_XA_FANOUT; i++)
		n->slot[i] = node->slot[i] ? copy_in(node->slot[i], height - 1, copy_entry)
					   : NULL;
	return n;
}

void vm_xa_copy(vm_xa_t *dst, const vm_xa_t *src, void *(*copy_entry)(const void *))
{
	dst->height = src->height;
	dst->count = src->count;
	dst->root = src->root ? copy_in(src->root, src->height, copy_entry) : NULL;
}
