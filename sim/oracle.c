/* Belady's oracle; see oracle.h for the picture. */
#include "sim/oracle.h"

struct vm_oracle {
	unsigned page_shift;
	uint64_t page_size;
	GArray *keys;          /* pass 1: key of access i (freed by finish) */
	GArray *next;          /* next[i]: position of the next access to i's page */
	GHashTable *pending;   /* key -> position of its next access not yet served */
	const vm_frames_t *frames;
};

G_STATIC_ASSERT(sizeof(gpointer) >= sizeof(uint64_t));

/* (pid, vpn) in one word: 20 bits of pid and 44 of page number cover every
 * trace opt is meant for; others share keys (and the oracle is approximate). */
static inline uint64_t key_of(uint32_t pid, uint64_t vpn)
{
	return ((uint64_t)pid << 44) ^ vpn ^ ((uint64_t)1 << 63);
}

vm_oracle_t *vm_oracle_new(unsigned page_shift)
{
	vm_oracle_t *o = g_new0(vm_oracle_t, 1);
	o->page_shift = page_shift;
	o->page_size = (uint64_t)1 << page_shift;
	o->keys = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	o->next = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	o->pending = g_hash_table_new(g_direct_hash, g_direct_equal);
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
	g_free(o);
}

static void add(vm_oracle_t *o, uint32_t pid, uint64_t vaddr)
{
	uint64_t k = key_of(pid, vaddr >> o->page_shift);
	g_array_append_val(o->keys, k);
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
			add(o, r->pid, v << o->page_shift);
		break;
	}
	case VM_REC_SEQ: {
		uint64_t stride = r->stride ? r->stride : ps;
		for (uint64_t off = 0; off < r->len; off += stride)
			add(o, r->pid, r->addr + off);
		break;
	}
	case VM_REC_RAND: {
		uint64_t s = r->seed, pages = r->len / ps;
		for (uint64_t k = 0; k < r->count; k++)
			add(o, r->pid, r->addr + (vm_splitmix64(&s) % pages) * ps);
		break;
	}
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
}

void vm_oracle_bind(vm_oracle_t *o, const vm_frames_t *frames)
{
	o->frames = frames;
}

void vm_oracle_served(vm_oracle_t *o, uint32_t pid, uint64_t vpn)
{
	gpointer key = GSIZE_TO_POINTER(key_of(pid, vpn)), v;
	if (!g_hash_table_lookup_extended(o->pending, key, NULL, &v))
		return;
	uint64_t i = GPOINTER_TO_SIZE(v);
	if (i == UINT64_MAX || i >= o->next->len)
		return;
	uint64_t nx = g_array_index(o->next, uint64_t, i);
	g_hash_table_insert(o->pending, key, GSIZE_TO_POINTER((gsize)nx));
}

uint64_t vm_oracle_next_use(void *oracle, uint32_t pfn)
{
	vm_oracle_t *o = oracle;
	const vm_frame_t *f = &o->frames->f[pfn];
	gpointer v;
	if (!g_hash_table_lookup_extended(o->pending,
					  GSIZE_TO_POINTER(key_of(f->owner, f->index)),
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
