/* Belady's oracle; see oracle.h for the picture. */
#include "sim/oracle.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/file.h"

/* Pass 1's view of a process: its file mappings, open files and the
 * private file pages it has written (from then on anonymous copies). */
typedef struct {
	uint64_t start, end;   /* vpns, [start, end) */
	uint64_t pgoff;
	uint32_t fid;          /* names' id of the file */
	gboolean shared;
} o_vma_t;

typedef struct {
	GArray *vmas;          /* o_vma_t */
	GHashTable *fds;       /* fd + 1 -> fid */
	GHashTable *written;   /* vpn + 1 of written private file pages */
} o_proc_t;

struct vm_oracle {
	unsigned page_shift;
	uint64_t page_size;
	GArray *keys;          /* pass 1: key of access i (freed by finish) */
	GArray *next;          /* next[i]: position of the next access to i's page */
	GHashTable *pending;   /* key -> position of its next access not yet served */
	GHashTable *names;     /* file name -> fid (1, 2, ...) */
	GArray *size;          /* pass 1: fid -> the file's size (what a read
				* reaches of it) */
	GHashTable *procs;     /* pid -> o_proc_t (pass 1 only) */
	uint32_t last_pid;     /* pass 1: the process of the latest access ... */
	o_proc_t *last_proc;   /* ... and its state (NULL: none), not to hash
				* its pid again for every access */
	const vm_machine_t *m;
	GArray *fid_of;        /* replay: machine file id -> fid + 1 (0: not
				* looked up yet), so that accesses do not
				* hash the file's name */
};

G_STATIC_ASSERT(sizeof(gpointer) >= sizeof(uint64_t));

/* (pid, vpn) in one word: 20 bits of pid and 44 of page number cover every
 * trace opt is meant for; others share keys (and the oracle is approximate). */
static inline uint64_t key_of(uint32_t pid, uint64_t vpn)
{
	return ((uint64_t)pid << 44) ^ vpn ^ ((uint64_t)1 << 63);
}

/* A page of a file, by name: the page cache is shared, so every process's
 * accesses to it, through mappings or read() and write(), are one key.
 * Bit 63 clear, where key_of sets it. */
static inline uint64_t file_key(uint32_t fid, uint64_t index)
{
	return ((uint64_t)fid << 44) ^ index;
}

static void o_proc_free(gpointer data)
{
	o_proc_t *op = data;
	g_array_free(op->vmas, TRUE);
	g_hash_table_destroy(op->fds);
	g_hash_table_destroy(op->written);
	g_free(op);
}

static o_proc_t *o_proc(vm_oracle_t *o, uint32_t pid)
{
	o_proc_t *op = g_hash_table_lookup(o->procs, GUINT_TO_POINTER(pid));
	if (!op) {
		op = g_new0(o_proc_t, 1);
		op->vmas = g_array_new(FALSE, FALSE, sizeof(o_vma_t));
		op->fds = g_hash_table_new(g_direct_hash, g_direct_equal);
		op->written = g_hash_table_new(g_direct_hash, g_direct_equal);
		g_hash_table_insert(o->procs, GUINT_TO_POINTER(pid), op);
	}
	return op;
}

static uint32_t name_id(vm_oracle_t *o, const char *name)
{
	if (!name)
		return 0;
	gpointer v = g_hash_table_lookup(o->names, name);
	if (!v) {
		v = GUINT_TO_POINTER(g_hash_table_size(o->names) + 1);
		g_hash_table_insert(o->names, g_strdup(name), v);
	}
	return GPOINTER_TO_UINT(v);
}

/* Unmap [start, end): munmap, or a new mmap over it (MAP_FIXED, as ld.so
 * maps a library's segments over its first mapping).  A mapping that
 * overlaps keeps its parts on either side, as the kernel splits a VMA. */
static void o_unmap(o_proc_t *op, uint64_t start, uint64_t end)
{
	for (guint i = op->vmas->len; i-- > 0;) {
		o_vma_t v = g_array_index(op->vmas, o_vma_t, i);
		if (!(v.start < end && start < v.end))
			continue;
		g_array_remove_index(op->vmas, i);
		if (v.start < start) {
			o_vma_t left = v;
			left.end = start;
			g_array_append_val(op->vmas, left);
		}
		if (end < v.end) {
			o_vma_t right = v;
			right.pgoff += end - v.start;
			right.start = end;
			g_array_append_val(op->vmas, right);
		}
	}
}

/* The key of an access of @pid to @vpn, as the replay will see its page:
 * a file page while it is in the page cache's hands, the process's own
 * (anonymous) page otherwise.  @acc: a write to a private file page makes
 * it a private copy from then on. */
static uint64_t access_key(vm_oracle_t *o, uint32_t pid, uint64_t vpn,
			   vm_acc_t acc)
{
	if (pid != o->last_pid || !o->last_proc) {
		o->last_pid = pid;
		o->last_proc = g_hash_table_lookup(o->procs, GUINT_TO_POINTER(pid));
	}
	o_proc_t *op = o->last_proc;
	if (op)
		for (guint i = 0; i < op->vmas->len; i++) {
			const o_vma_t *v = &g_array_index(op->vmas, o_vma_t, i);
			if (vpn < v->start || vpn >= v->end)
				continue;
			if (v->shared)
				return file_key(v->fid, v->pgoff + (vpn - v->start));
			gpointer w = GSIZE_TO_POINTER((gsize)vpn + 1);
			if (g_hash_table_contains(op->written, w))
				break;
			if (acc == VM_ACC_W) {
				g_hash_table_add(op->written, w);
				break;
			}
			return file_key(v->fid, v->pgoff + (vpn - v->start));
		}
	return key_of(pid, vpn);
}

vm_oracle_t *vm_oracle_new(unsigned page_shift)
{
	vm_oracle_t *o = g_new0(vm_oracle_t, 1);
	o->page_shift = page_shift;
	o->page_size = (uint64_t)1 << page_shift;
	o->keys = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	o->next = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	o->pending = g_hash_table_new(g_direct_hash, g_direct_equal);
	o->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	o->procs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					 o_proc_free);
	o->fid_of = g_array_new(FALSE, TRUE, sizeof(uint32_t));
	o->size = g_array_new(FALSE, TRUE, sizeof(uint64_t));
	return o;
}

void vm_oracle_free(vm_oracle_t *o)
{
	if (!o)
		return;
	if (o->keys)
		g_array_free(o->keys, TRUE);
	g_array_free(o->next, TRUE);
	g_hash_table_destroy(o->pending);
	g_hash_table_destroy(o->names);
	g_array_free(o->fid_of, TRUE);
	if (o->size)
		g_array_free(o->size, TRUE);
	if (o->procs)
		g_hash_table_destroy(o->procs);
	g_free(o);
}

static void add(vm_oracle_t *o, uint32_t pid, uint64_t vaddr, vm_acc_t acc)
{
	uint64_t k = access_key(o, pid, vaddr >> o->page_shift, acc);
	g_array_append_val(o->keys, k);
}

static uint64_t *size_of(vm_oracle_t *o, uint32_t fid)
{
	if (fid >= o->size->len)
		g_array_set_size(o->size, fid + 1);
	return &g_array_index(o->size, uint64_t, fid);
}

void vm_oracle_file(vm_oracle_t *o, const char *name, uint64_t size)
{
	*size_of(o, name_id(o, name)) = size;
}

/* A read() or write() (@write) of [@off, +@len): the pages it touches, as
 * vm_filemap_read and _write will (a call moves at most vm_max_rw_count,
 * a read stops at the end of the file), so that its cost is what the
 * replay's is. */
static void add_file(vm_oracle_t *o, uint32_t pid, int32_t fd, uint64_t off,
		     uint64_t len, gboolean write)
{
	o_proc_t *op = o_proc(o, pid);
	uint32_t fid = GPOINTER_TO_UINT(g_hash_table_lookup(op->fds,
					GUINT_TO_POINTER((guint)fd + 1u)));
	if (!fid)
		return;
	uint64_t *size = size_of(o, fid);
	len = MIN(len, vm_max_rw_count(o->page_size));
	if (write)
		*size = MAX(*size, off + len);
	else
		len = off < *size ? MIN(len, *size - off) : 0;
	if (!len)
		return;
	for (uint64_t i = off >> o->page_shift;
	     i <= (off + len - 1) >> o->page_shift; i++) {
		uint64_t k = file_key(fid, i);
		g_array_append_val(o->keys, k);
	}
}

/* The same expansion of an event into page accesses as the engine's. */
void vm_oracle_record(vm_oracle_t *o, const vm_record_t *r)
{
	uint64_t ps = o->page_size;
	switch (r->kind) {
	case VM_REC_ACCESS: {
		uint64_t first = r->addr >> o->page_shift;
		uint64_t last = (r->addr + r->len - 1) >> o->page_shift;
		for (uint64_t v = first; v <= last; v++)
			add(o, r->pid, v << o->page_shift, r->acc);
		break;
	}
	case VM_REC_SEQ: {
		uint64_t stride = r->stride ? r->stride : ps;
		for (uint64_t off = 0; off < r->len; off += stride)
			add(o, r->pid, r->addr + off, r->acc);
		break;
	}
	case VM_REC_RAND: {
		uint64_t s = r->seed, pages = r->len / ps;
		for (uint64_t k = 0; k < r->count; k++)
			add(o, r->pid, r->addr + (vm_splitmix64(&s) % pages) * ps,
			    r->acc);
		break;
	}
	case VM_REC_READ:
	case VM_REC_WRITE:
		add_file(o, r->pid, r->fd, r->addr, r->len, r->kind == VM_REC_WRITE);
		break;
	case VM_REC_FTRUNCATE: {
		uint32_t fid = GPOINTER_TO_UINT(g_hash_table_lookup(o_proc(o, r->pid)->fds,
						GUINT_TO_POINTER((guint)r->fd + 1u)));
		if (fid)
			*size_of(o, fid) = r->len;
		break;
	}
	case VM_REC_OPEN: {
		uint32_t fid = name_id(o, r->name);
		if (r->flags & VM_OPEN_TRUNC)
			*size_of(o, fid) = 0;
		g_hash_table_insert(o_proc(o, r->pid)->fds, GUINT_TO_POINTER((guint)r->fd + 1u),
				    GUINT_TO_POINTER(fid));
		break;
	}
	case VM_REC_CLOSE:
		g_hash_table_remove(o_proc(o, r->pid)->fds, GUINT_TO_POINTER((guint)r->fd + 1u));
		break;
	case VM_REC_MMAP: {
		o_proc_t *op = o_proc(o, r->pid);
		uint64_t start = r->addr >> o->page_shift;
		uint64_t end = (r->addr + r->len + ps - 1) >> o->page_shift;
		o_unmap(op, start, end);
		uint32_t fid = (r->flags & VM_MAP_ANON) ? 0
			: GPOINTER_TO_UINT(g_hash_table_lookup(op->fds,
					   GUINT_TO_POINTER((guint)r->fd + 1u)));
		if (fid) {
			o_vma_t v = { .start = start, .end = end,
				      .pgoff = r->off >> o->page_shift, .fid = fid,
				      .shared = (r->flags & VM_MAP_SHARED) != 0 };
			g_array_append_val(op->vmas, v);
		}
		break;
	}
	case VM_REC_MUNMAP:
		o_unmap(o_proc(o, r->pid), r->addr >> o->page_shift,
			(r->addr + r->len + ps - 1) >> o->page_shift);
		break;
	case VM_REC_FORK: {
		/* dup_mmap and the fd table: the child starts as a copy */
		o_proc_t *op = o_proc(o, r->pid), *c = o_proc(o, r->child);
		g_array_set_size(c->vmas, 0);
		g_array_append_vals(c->vmas, op->vmas->data, op->vmas->len);
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, op->fds);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(c->fds, k, v);
		g_hash_table_iter_init(&it, op->written);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_hash_table_add(c->written, k);
		break;
	}
	case VM_REC_EXIT:
		if (o->last_pid == r->pid)
			o->last_proc = NULL;
		g_hash_table_remove(o->procs, GUINT_TO_POINTER(r->pid));
		break;
	default:
		break;
	}
}

void vm_oracle_finish(vm_oracle_t *o)
{
	guint n = o->keys->len;
	g_array_set_size(o->next, n);
	const uint64_t *k = (const uint64_t *)o->keys->data;
	uint64_t *next = (uint64_t *)o->next->data;
	/* backwards: the table holds each key's next position, and at the
	 * end its first one, which is what "pending" starts from */
	for (guint i = n; i-- > 0;) {
		gpointer v;
		next[i] = g_hash_table_lookup_extended(o->pending, GSIZE_TO_POINTER(k[i]),
						       NULL, &v)
			? (uint64_t)GPOINTER_TO_SIZE(v) : UINT64_MAX;
		g_hash_table_insert(o->pending, GSIZE_TO_POINTER(k[i]),
				    GSIZE_TO_POINTER((gsize)i));
	}
	g_array_free(o->keys, TRUE);
	o->keys = NULL;
	g_hash_table_destroy(o->procs);
	o->procs = NULL;
	g_array_free(o->size, TRUE);
	o->size = NULL;
}

void vm_oracle_bind(vm_oracle_t *o, const vm_machine_t *m)
{
	o->m = m;
}

/* The file key of page @index of @f, or 0 when the trace never names it
 * (shmem, a file the pass did not see). */
static uint64_t machine_file_key(vm_oracle_t *o, const vm_file_t *f,
				 uint64_t index, gboolean *ok)
{
	uint32_t fid = 0;
	if (f) {
		if (f->id >= o->fid_of->len)
			g_array_set_size(o->fid_of, f->id + 1);
		uint32_t *c = &g_array_index(o->fid_of, uint32_t, f->id);
		if (!*c)
			*c = 1 + (f->name ? GPOINTER_TO_UINT(g_hash_table_lookup(o->names,
									     f->name)) : 0);
		fid = *c - 1;
	}
	*ok = fid != 0;
	return file_key(fid, index);
}

static void serve_key(vm_oracle_t *o, uint64_t k)
{
	gpointer key = GSIZE_TO_POINTER(k), v;
	if (!g_hash_table_lookup_extended(o->pending, key, NULL, &v))
		return;
	uint64_t i = GPOINTER_TO_SIZE(v);
	if (i == UINT64_MAX || i >= o->next->len)
		return;
	uint64_t nx = g_array_index(o->next, uint64_t, i);
	g_hash_table_insert(o->pending, key, GSIZE_TO_POINTER((gsize)nx));
}

void vm_oracle_served(vm_oracle_t *o, vm_proc_t *p, uint64_t vpn)
{
	/* the page as the access left it, keyed as pass 1 keyed it */
	vm_machine_t *m = (vm_machine_t *)o->m;
	const vm_vma_t *v = vm_mm_find_vma(p, vpn);
	if (v && v->file >= 0) {
		gboolean ok, anon = FALSE;
		uint64_t idx = v->pgoff + (vpn - v->start);
		uint64_t k = machine_file_key(o, vm_file_get(m, v->file), idx, &ok);
		if (ok && !(v->flags & VM_MAP_SHARED)) {
			const uint64_t *pte = vm_pt_lookup(&m->pt, p->root, vpn);
			anon = pte && ((*pte & VM_PTE_SWAP) ||
				       ((*pte & VM_PTE_P) &&
					VM_PTE_PFN(*pte) != VM_PFN_ZERO &&
					m->frames.f[VM_PTE_PFN(*pte)].kind == VM_FRAME_ANON));
		}
		if (ok && !anon) {
			serve_key(o, k);
			return;
		}
	}
	serve_key(o, key_of(p->pid, vpn));
}

void vm_oracle_served_file(vm_oracle_t *o, const vm_file_t *f, uint64_t off,
			   uint64_t len)
{
	gboolean ok;
	if (!f || !len)
		return;
	for (uint64_t i = off >> o->page_shift;
	     i <= (off + len - 1) >> o->page_shift; i++) {
		uint64_t k = machine_file_key(o, f, i, &ok);
		if (!ok)
			return;
		serve_key(o, k);
	}
}

uint64_t vm_oracle_next_use(void *oracle, uint32_t pfn)
{
	vm_oracle_t *o = oracle;
	vm_machine_t *m = (vm_machine_t *)o->m;
	const vm_frame_t *f = &m->frames.f[pfn];
	uint64_t k = key_of(f->owner, f->index);
	if (f->kind == VM_FRAME_FILE) {
		gboolean ok;
		uint64_t fk = machine_file_key(o, vm_file_get(m, (int32_t)f->owner),
					       f->index, &ok);
		if (ok)
			k = fk;
	}
	gpointer v;
	if (!g_hash_table_lookup_extended(o->pending, GSIZE_TO_POINTER(k),
					  NULL, &v))
		return UINT64_MAX;
	return GPOINTER_TO_SIZE(v);
}

/* The pending table is the only thing the replay changes; next[] is fixed
 * after pass 1. */
struct vm_oracle_state {
	GHashTable *pending;
};

static GHashTable *pending_copy(GHashTable *from)
{
	GHashTable *to = g_hash_table_new(g_direct_hash, g_direct_equal);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, from);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(to, k, v);
	return to;
}

vm_oracle_state_t *vm_oracle_save(const vm_oracle_t *o)
{
	vm_oracle_state_t *s = g_new(vm_oracle_state_t, 1);
	s->pending = pending_copy(o->pending);
	return s;
}

void vm_oracle_load(vm_oracle_t *o, const vm_oracle_state_t *s)
{
	g_hash_table_destroy(o->pending);
	o->pending = pending_copy(s->pending);
}

void vm_oracle_state_free(vm_oracle_state_t *s)
{
	if (!s)
		return;
	g_hash_table_destroy(s->pending);
	g_free(s);
}

size_t vm_oracle_state_size(const vm_oracle_state_t *s)
{
	/* GHashTable: hashes, keys and values, about 24 bytes an entry at
	 * its load factor */
	return 64 + 24 * (size_t)g_hash_table_size(s->pending);
}
