/*
 * A deep copy of the whole simulated machine, for the engine's snapshots
 * (sim/engine.c, vm_engine_seek): the copy shares no memory with the
 * original and behaves exactly as it from here on, so replaying the same
 * events on either gives the same state, counter for counter.
 *
 * Most of the machine refers to itself by number (frames by pfn, tables by
 * id, swap slots, file ids), so those parts are flat arrays copied as they
 * are.  The few real pointers are remapped:
 *
 *   machine ─┬─ procs[i] ──────────► proc copy i      (by index)
 *            ├─ by_pid: pid ───────► proc copy        (old proc → index)
 *            │    proc.fds: fd ────► file copy        (by file id)
 *            ├─ files[id] ─────────► file copy id
 *            ├─ names: name ───────► file copy        (key: the copy's name)
 *            ├─ pt.ctx ────────────► the new machine
 *            └─ reclaim.fr ────────► the new machine's frames
 *
 * Policies keep their own state behind a void pointer; each ops table
 * (reclaim, TLB, disk) has a clone hook for it, which copies generator
 * states too.  Readahead keeps no state of its own: its per-file state is
 * a plain struct inside vm_file_t.  What is not copied, because it is not
 * the machine's: the reclaim oracle (params.oracle, owned by the engine,
 * which rebinds it) and the disk's on_io observer (copied as a pointer).
 *
 * vm_clone_digest hashes the state field by field (never padding or
 * pointers), so two machines that would behave alike digest alike; the
 * snapshot tests compare a restored machine with a fresh replay by it.
 */
#include "models/memcg.h"
#include <string.h>
#include "models/clone.h"
#include "models/smp.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/mm.h"

static void *dup_array(const void *p, size_t n, size_t size)
{
	if (!p)
		return NULL;
	void *c = g_malloc(n ? n * size : 1);
	if (n)
		memcpy(c, p, n * size);
	return c;
}

/* A copy of the per-slot array @p of @n elements of which only the first
 * @used were ever written (swap_hwm): the rest is left to the allocator's
 * zeroed pages, so a snapshot costs the swap the trace used, not the size
 * of the swap area. */
static void *dup_prefix(const void *p, size_t n, size_t used, size_t size)
{
	if (!p)
		return NULL;
	void *c = g_malloc0(n ? n * size : 1);
	if (used)
		memcpy(c, p, used * size);
	return c;
}

static vm_tlb_t *tlb_clone(const vm_tlb_t *t)
{
	if (!t)
		return NULL;
	vm_tlb_t *c = g_new(vm_tlb_t, 1);
	*c = *t;
	c->entries = dup_array(t->entries, (size_t)t->nr_sets * t->ways,
			       sizeof *t->entries);
	c->keys = dup_array(t->keys, (size_t)t->nr_sets * t->ways, sizeof *t->keys);
	c->ages = dup_array(t->ages, (size_t)t->nr_sets * t->ways, sizeof *t->ages);
	c->order = dup_array(t->order, t->nr_sets, sizeof *t->order);
	g_assert(!t->ops->init || t->ops->clone);
	c->priv = t->priv ? t->ops->clone(t->priv, t->nr_sets, t->ways) : NULL;
	return c;
}

static vm_disk_t *disk_clone(const vm_disk_t *d)
{
	vm_disk_t *c = g_new(vm_disk_t, 1);
	*c = *d;
	c->slot_free = dup_array(d->slot_free, d->queue_depth, sizeof *d->slot_free);
	g_assert(!d->ops->init || d->ops->clone);
	c->priv = d->priv ? d->ops->clone(c, d->priv) : NULL;
	return c;
}

static vm_reclaim_t *reclaim_clone(const vm_reclaim_t *rc, vm_frames_t *fr,
				   uint32_t nr_frames)
{
	if (!rc)
		return NULL;
	vm_reclaim_t *c = g_new(vm_reclaim_t, 1);
	*c = *rc;
	c->fr = fr;
	g_assert(!rc->ops->init || rc->ops->clone);
	c->priv = rc->priv ? rc->ops->clone(rc->priv, nr_frames) : NULL;
	return c;
}

/* The memory cgroups of @m (memcg.h), each with its own lists, into @n,
 * whose frames are the copy's. */
static void memcg_clone(vm_machine_t *n, const vm_machine_t *m, uint32_t slots,
			uint32_t alloc)
{
	if (!m->memcg)
		return;
	n->frames.cg_nr = dup_array(m->frames.cg_nr, m->frames.nr_cg,
				    sizeof *m->frames.cg_nr);
	n->swap_memcg = m->swap_memcg
		? dup_prefix(m->swap_memcg, slots, m->swap_hwm, sizeof *m->swap_memcg)
		: NULL;
	n->memcg = g_new0(vm_memcg_t *, VM_MEMCG_MAX + 1);
	for (uint32_t id = 1; id <= m->nr_memcg; id++) {
		vm_memcg_t *c = g_new(vm_memcg_t, 1);
		*c = *m->memcg[id];
		c->name = g_strdup(c->name);
		c->lruvec = reclaim_clone(c->lruvec, &n->frames, alloc);
		if (c->lruvec && c->lruvec->folio_ctx)
			c->lruvec->folio_ctx = n;
		n->memcg[id] = c;
	}
}

/* Frame @j as vm_frames_init left it: free, on the free list between its
 * neighbours, every other field zero, in no swap-cache slot. */
static gboolean frame_pristine(const vm_machine_t *m, uint32_t j)
{
	const vm_frame_t *f = &m->frames.f[j];
	return f->kind == VM_FRAME_FREE &&
	       vm_frames_next(&m->frames, j) == vm_frames_pristine_next(&m->frames, j) &&
	       vm_frames_prev(&m->frames, j) == vm_frames_pristine_prev(&m->frames, j) &&
	       !f->mapcount && !f->owner && !f->index && !f->stamp &&
	       !f->io_done && !f->flags && !f->pg && !f->list &&
	       m->frame_slot[j] == VM_NIL;
}

/* Frames [@from, @to) of @f and @slot as vm_frames_init and vm_swap_init
 * make them, for a machine of @nr frames. */
static void frames_fill_pristine(vm_frame_t *f, uint32_t *slot, uint32_t from,
				 uint32_t to, uint32_t nr)
{
	for (uint32_t j = from; j < to; j++) {
		f[j] = (vm_frame_t){ .next = j + 1 < nr ? j + 1 : VM_NIL,
				     .prev = j > 0 ? j - 1 : VM_NIL };
		slot[j] = VM_NIL;
	}
}

static void pt_clone(vm_pagetables_t *c, const vm_pagetables_t *pt,
		     vm_machine_t *ctx)
{
	*c = *pt;
	c->tables = dup_array(pt->tables, pt->cap, sizeof *pt->tables);
	for (uint32_t i = 0; i < pt->nr_tables; i++) {
		const vm_pt_table_t *t = &pt->tables[i];
		if (t->e)
			c->tables[i].e = dup_array(t->e, (size_t)1 << pt->bits[t->level],
						   sizeof *t->e);
	}
	c->ctx = ctx;
}

static void *chunk_dup(const void *c)
{
	return g_memdup2(c, sizeof(vm_fchunk_t));
}

static vm_file_t *file_clone(const vm_file_t *f)
{
	vm_file_t *c = g_new(vm_file_t, 1);
	*c = *f;
	c->name = g_strdup(f->name);
	vm_xa_copy(&c->pages, &f->pages, chunk_dup);
	c->ckey = UINT64_MAX;   /* the cached chunk is the original's */
	c->cchunk = NULL;
	return c;
}

/*
 * The copy, with the frames (and frame_slot) [0, @copy) copied from @m and
 * [@copy, @alloc) made pristine; frames.nr stays m->frames.nr.  @alloc is
 * m->frames.nr for a machine that runs, less for an image.  @reuse, when
 * not NULL, is a machine of as many frames whose frame arrays are taken
 * over (it is freed): only its frames below its high-water mark need
 * making pristine again, and big fresh arrays cost page faults.
 */
static vm_machine_t *clone_frames(const vm_machine_t *m, uint32_t copy,
				  uint32_t alloc, vm_machine_t *reuse)
{
	vm_machine_t *n = g_new(vm_machine_t, 1);
	*n = *m;
	n->l1_hit = NULL;   /* an entry of @m's TLB */

	uint32_t dirty = alloc;   /* [copy, dirty) must be made pristine */
	if (reuse && reuse->frames.nr == alloc) {
		n->frames.f = reuse->frames.f;
		n->frame_slot = reuse->frame_slot;
		reuse->frames.f = NULL;
		reuse->frame_slot = NULL;
		dirty = MIN(alloc, reuse->frames.hwm + 1);
	} else {
		n->frames.f = g_new(vm_frame_t, alloc ? alloc : 1);
		n->frame_slot = g_new(uint32_t, alloc ? alloc : 1);
	}
	vm_machine_free(reuse);
	/* "an access changes nothing" is a cache of the frames' state:
	 * starting it empty is always right */
	n->frames.quiet = g_new0(uint8_t, alloc ? alloc : 1);
	memcpy(n->frames.f, m->frames.f, (size_t)copy * sizeof *m->frames.f);
	memcpy(n->frame_slot, m->frame_slot, (size_t)copy * sizeof *m->frame_slot);
	if (copy < dirty)
		frames_fill_pristine(n->frames.f, n->frame_slot, copy, dirty,
				     m->frames.nr);
	/* frames past the copy are pristine, written or not (a reused
	 * array's beyond @dirty may be unwritten): their links are read as
	 * implied and written when first changed, as in @m past init_to */
	if (n->frames.init_to > copy)
		n->frames.init_to = copy;
	pt_clone(&n->pt, &m->pt, n);
	if (G_UNLIKELY(m->smp != NULL)) {
		/* m->l1 and m->l2 are the running CPU's, cloned with it */
		n->smp = vm_smp_clone(m->smp, n, tlb_clone);
		n->l1 = n->smp->cpu[m->smp->cur].l1;
		n->l2 = n->smp->cpu[m->smp->cur].l2;
		n->l1_2m = n->smp->cpu[m->smp->cur].l1_2m;
	} else {
		n->l1 = tlb_clone(m->l1);
		n->l2 = tlb_clone(m->l2);
		n->l1_2m = tlb_clone(m->l1_2m);
	}
	if (m->frames.block_free)
		n->frames.block_free = dup_array(m->frames.block_free,
						 m->frames.nr_blocks ? m->frames.nr_blocks : 1,
						 sizeof *m->frames.block_free);
	n->reclaim = reclaim_clone(m->reclaim, &n->frames, alloc);
	if (n->reclaim && n->reclaim->folio_ctx)
		n->reclaim->folio_ctx = n;   /* the copy answers for its own files */
	n->disk = disk_clone(m->disk);
	uint32_t slots = m->nr_swap_slots ? m->nr_swap_slots : 1;
	n->swap_map = dup_prefix(m->swap_map, slots, m->swap_hwm, sizeof *m->swap_map);
	n->swap_shadow = dup_prefix(m->swap_shadow, slots, m->swap_hwm,
				    sizeof *m->swap_shadow);
	n->pageouts = dup_array(m->pageouts, m->po_cap, sizeof *m->pageouts);
	n->swap_cache = dup_prefix(m->swap_cache, slots, m->swap_hwm,
				   sizeof *m->swap_cache);
	memcg_clone(n, m, slots, alloc);
	n->ev.h = dup_array(m->ev.h, m->ev.cap, sizeof *m->ev.h);
	/* scratch is no state: the clone gets buffers of its own, as large */
	n->scratch_read = n->scratch_bio = n->scratch_wb = (vm_scratch_t){ 0 };
	vm_scratch_reserve(&n->scratch_read, m->scratch_read.size);
	vm_scratch_reserve(&n->scratch_bio, m->scratch_bio.size);
	vm_scratch_reserve(&n->scratch_wb, m->scratch_wb.size);

	/* files first: the processes' fd tables point at them */
	n->files = g_ptr_array_sized_new(m->files->len);
	for (guint i = 0; i < m->files->len; i++)
		g_ptr_array_add(n->files, file_clone(g_ptr_array_index(m->files, i)));
	n->names = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, m->names);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		vm_file_t *f = g_ptr_array_index(n->files, ((vm_file_t *)v)->id);
		g_hash_table_insert(n->names, f->name, f);
	}

	GHashTable *proc_map = g_hash_table_new(g_direct_hash, g_direct_equal);
	n->procs = g_new(vm_proc_t *, m->cap_procs ? m->cap_procs : 1);
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		const vm_proc_t *p = m->procs[i];
		vm_proc_t *q = g_new(vm_proc_t, 1);
		*q = *p;
		q->vma = dup_array(p->vma, p->cap_vma, sizeof *p->vma);
		if (p->fds) {
			q->fds = g_hash_table_new(g_direct_hash, g_direct_equal);
			g_hash_table_iter_init(&it, p->fds);
			while (g_hash_table_iter_next(&it, &k, &v))
				g_hash_table_insert(q->fds, k,
						    g_ptr_array_index(n->files,
								      ((vm_file_t *)v)->id));
		}
		n->procs[i] = q;
		g_hash_table_insert(proc_map, (gpointer)p, q);
	}
	/* threads after the processes: each points at its leader */
	n->threads = m->cap_threads ? g_new(vm_proc_t *, m->cap_threads) : NULL;
	for (uint32_t i = 0; i < m->nr_threads; i++) {
		vm_proc_t *q = g_new(vm_proc_t, 1);
		*q = *m->threads[i];
		q->leader = g_hash_table_lookup(proc_map, m->threads[i]->leader);
		g_assert(q->leader);
		n->threads[i] = q;
		g_hash_table_insert(proc_map, m->threads[i], q);
	}
	n->cur_thread = NULL;
	n->by_pid = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_hash_table_iter_init(&it, m->by_pid);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		vm_proc_t *q = g_hash_table_lookup(proc_map, v);
		g_assert(q);
		g_hash_table_insert(n->by_pid, k, q);
	}
	g_hash_table_destroy(proc_map);
	return n;
}

vm_machine_t *vm_clone_machine(const vm_machine_t *m)
{
	g_return_val_if_fail(m != NULL, NULL);
	return clone_frames(m, m->frames.nr, m->frames.nr, NULL);
}

/*
 * An image keeps a machine whose frame arrays stop after the frames' high-
 * water mark (frames.hwm): a machine of 1 GiB that touched 64 MiB keeps 16k
 * frames, not 256k.  Frames are taken from the head of a free list built
 * in ascending order, so the never-used ones are the tail, untouched but
 * for the prev link of the first (which the image keeps).
 */
struct vm_clone_image {
	vm_machine_t *m;       /* frames.f, frame_slot: nr_stored entries */
	uint32_t nr_stored;
	size_t bytes;
};

vm_clone_image_t *vm_clone_save(const vm_machine_t *m)
{
	g_return_val_if_fail(m != NULL, NULL);
	/* frame hwm itself may have had its prev link changed */
	uint32_t t = m->frames.hwm < m->frames.nr ? m->frames.hwm + 1 : m->frames.nr;
	/* a cheap guard: an allocator that stopped taking the head first
	 * would break the high-water mark's promise here */
	for (uint32_t j = t; j < m->frames.nr && j < t + 8; j++)
		g_assert(frame_pristine(m, j));
	vm_clone_image_t *img = g_new(vm_clone_image_t, 1);
	img->m = clone_frames(m, t, t, NULL);
	img->nr_stored = t;
	img->bytes = sizeof *img + vm_clone_footprint(m) -
		     (size_t)(m->frames.nr - t) * (sizeof(vm_frame_t) + sizeof(uint32_t));
	return img;
}

vm_machine_t *vm_clone_load(const vm_clone_image_t *img,
			      vm_machine_t *reuse)
{
	return clone_frames(img->m, img->nr_stored, img->m->frames.nr, reuse);
}

size_t vm_clone_image_size(const vm_clone_image_t *img)
{
	return img->bytes;
}

void vm_clone_image_free(vm_clone_image_t *img)
{
	if (!img)
		return;
	vm_machine_free(img->m);
	g_free(img);
}

size_t vm_clone_footprint(const vm_machine_t *m)
{
	size_t b = sizeof *m;
	b += (size_t)m->frames.nr * (sizeof(vm_frame_t) + sizeof(uint32_t));
	b += (size_t)m->swap_hwm * (2 * sizeof(uint32_t) + sizeof(uint64_t));
	b += (size_t)m->pt.cap * sizeof(vm_pt_table_t);
	for (uint32_t i = 0; i < m->pt.nr_tables; i++)
		if (m->pt.tables[i].e)
			b += sizeof(uint64_t) << m->pt.bits[m->pt.tables[i].level];
	if (m->l1)
		b += sizeof(vm_tlb_t) + (size_t)m->l1->nr_sets * m->l1->ways * sizeof(vm_tlb_entry_t);
	if (m->l2)
		b += sizeof(vm_tlb_t) + (size_t)m->l2->nr_sets * m->l2->ways * sizeof(vm_tlb_entry_t);
	if (m->reclaim)
		b += (size_t)m->frames.nr * m->reclaim->ops->frame_bytes;
	b += (size_t)m->ev.cap * sizeof(vm_ev_t);
	for (uint32_t i = 0; i < m->nr_procs; i++)
		b += sizeof(vm_proc_t) + m->procs[i]->cap_vma * sizeof(vm_vma_t) +
		     (m->procs[i]->fds ? 64 + 32 * g_hash_table_size(m->procs[i]->fds) : 0);
	for (guint i = 0; i < m->files->len; i++) {
		const vm_file_t *f = g_ptr_array_index(m->files, i);
		/* a chunk, and about a slot of a node above it */
		b += sizeof *f + f->pages.count * (sizeof(vm_fchunk_t) + 2 * sizeof(void *));
	}
	return b;
}

/* ---- the digest ------------------------------------------------------------ */

/*
 * The digest's hash: two 64-bit lanes of a multiply-xorshift mix over the
 * words fed in order.  Not cryptographic, only fast (a machine of 1 GiB
 * feeds 3 million words) and sensitive to every bit and to order.
 */
typedef struct {
	uint64_t a, b;
} digest_t;

static void put(digest_t *ck, uint64_t v)
{
	ck->a = (ck->a ^ v) * UINT64_C(0x9E3779B97F4A7C15);
	ck->a ^= ck->a >> 29;
	ck->b = (ck->b + v) * UINT64_C(0xBF58476D1CE4E5B9);
	ck->b ^= ck->b >> 31;
}

static void put_str(digest_t *ck, const char *s)
{
	for (; *s; s++)
		put(ck, (unsigned char)*s);
	put(ck, 0x100);
}

static gint cmp_key(gconstpointer a, gconstpointer b)
{
	guint x = GPOINTER_TO_UINT(a), y = GPOINTER_TO_UINT(b);
	return (x > y) - (x < y);
}

static void put_tlb(digest_t *ck, const vm_tlb_t *t)
{
	if (!t) {
		put(ck, 0);
		return;
	}
	put(ck, t->nr_sets);
	put(ck, t->ways);
	put(ck, t->clock);
	for (size_t i = 0; i < (size_t)t->nr_sets * t->ways; i++) {
		const vm_tlb_entry_t *e = &t->entries[i];
		put(ck, e->valid);
		if (!e->valid)
			continue;
		put(ck, e->vpn);
		put(ck, e->pfn);
		put(ck, e->stamp);
		put(ck, e->asid);
		put(ck, e->perm);
	}
}

char *vm_clone_digest(const vm_machine_t *m)
{
	digest_t d0 = { UINT64_C(0x243F6A8885A308D3), UINT64_C(0x13198A2E03707344) };
	digest_t *ck = &d0;
	const vm_counters_t *c = &m->c;
	/* the counters are all uint64_t: a struct of them has no padding */
	G_STATIC_ASSERT(sizeof(vm_counters_t) % sizeof(uint64_t) == 0);
	const uint64_t *cw = (const uint64_t *)c;
	for (size_t i = 0; i < sizeof *c / sizeof(uint64_t); i++)
		put(ck, cw[i]);
	put(ck, m->now);
	/* the pending events, in the order they will pop (heap order is
	 * not state: two heaps may hold the same events differently) */
	{
		vm_events_t q = m->ev;
		q.h = dup_array(m->ev.h, m->ev.cap, sizeof *m->ev.h);
		vm_ev_t ev;
		put(ck, q.n);
		while (vm_events_pop(&q, &ev)) {
			put(ck, ev.time);
			put(ck, ev.kind);
			put(ck, ev.arg);
			put(ck, ev.arg2);
		}
		g_free(q.h);
	}
	put(ck, m->cur_asid);

	const vm_frames_t *fr = &m->frames;
	put(ck, fr->nr);
	put(ck, fr->nr_free);
	put(ck, fr->free_head);
	for (int k = 0; k < VM_FRAME_NR_KINDS; k++)
		put(ck, fr->nr_kind[k]);
	for (uint32_t i = 0; i < fr->nr; i++) {
		const vm_frame_t *f = &fr->f[i];
		/* as written or implied: the state an eager init gives */
		put(ck, vm_frames_next(fr, i));
		put(ck, vm_frames_prev(fr, i));
		put(ck, f->mapcount);
		put(ck, f->owner);
		put(ck, f->index);
		put(ck, f->stamp);
		put(ck, f->io_done);
		put(ck, f->kind);
		put(ck, f->flags);
		put(ck, f->pg);
		put(ck, f->list);
		put(ck, m->frame_slot[i]);
	}

	const vm_pagetables_t *pt = &m->pt;
	put(ck, pt->nr_tables);
	put(ck, pt->free_list);
	put(ck, pt->nr_live);
	for (uint32_t i = 0; i < pt->nr_tables; i++) {
		const vm_pt_table_t *t = &pt->tables[i];
		put(ck, t->frame);
		put(ck, t->next_free);
		put(ck, t->nr_present);
		put(ck, t->level);
		put(ck, t->e != NULL);
		if (t->e)
			for (size_t j = 0; j < (size_t)1 << pt->bits[t->level]; j++)
				put(ck, t->e[j]);
	}
	put_tlb(ck, m->l1);
	put_tlb(ck, m->l2);
	if (m->l1_2m)
		put_tlb(ck, m->l1_2m);

	put(ck, m->nr_procs);
	for (uint32_t i = 0; i < m->nr_procs; i++) {
		const vm_proc_t *p = m->procs[i];
		put(ck, p->pid);
		put(ck, p->root);
		put(ck, p->state);
		put(ck, p->killed_by);
		put(ck, p->catch_mask);
		put(ck, (uint16_t)p->oom_score_adj);
		put(ck, p->anon_moved);
		put(ck, p->last_outcome);
		put(ck, p->last_pfn);
		put(ck, p->nr_vma);
		/* not vma_hint: a lookup cache that readers (stats, the UI)
		 * move, and any value finds the same VMA */
		for (uint32_t j = 0; j < p->nr_vma; j++) {
			const vm_vma_t *v = &p->vma[j];
			put(ck, v->start);
			put(ck, v->end);
			put(ck, v->prot);
			put(ck, v->flags);
			put(ck, (uint64_t)(int64_t)v->file);
			put(ck, v->advice);
			put(ck, v->pgoff);
			put(ck, v->ra_vpn);
			put(ck, v->ra_win);
			put(ck, v->ra_hits);
		}
		const uint64_t st[] = { p->accesses, p->minflt, p->majflt, p->cow_faults,
					p->rss_anon, p->rss_file, p->swap_pages,
					p->pt_pages, p->cpu_ns, p->wait_ns, p->sigsegv,
					p->sigbus, p->anon_huge, p->file_pmd,
					p->shmem_pmd };
		for (size_t j = 0; j < G_N_ELEMENTS(st); j++)
			put(ck, st[j]);
		/* the fd table, in fd order (hash order is not state) */
		uint32_t nfd = p->fds ? g_hash_table_size(p->fds) : 0;
		put(ck, nfd);
		if (nfd) {
			GList *keys = g_list_sort(g_hash_table_get_keys(p->fds), cmp_key);
			for (GList *l = keys; l; l = l->next) {
				vm_file_t *f = g_hash_table_lookup(p->fds, l->data);
				put(ck, (uint64_t)GPOINTER_TO_UINT(l->data));
				put(ck, f->id);
			}
			g_list_free(keys);
		}
		vm_proc_t *cur = g_hash_table_lookup(m->by_pid, GUINT_TO_POINTER(p->pid));
		put(ck, cur == p);
	}
	put(ck, g_hash_table_size(m->by_pid));

	put(ck, m->files->len);
	for (guint i = 0; i < m->files->len; i++) {
		const vm_file_t *f = g_ptr_array_index(m->files, i);
		put(ck, f->id);
		if (f->name)
			put_str(ck, f->name);
		put(ck, f->size);
		put(ck, f->base_block);
		put(ck, f->base_pages);
		put(ck, f->linked);
		put(ck, f->shmem);
		put(ck, f->dead);
		put(ck, f->opens);
		put(ck, f->nr_cached);
		put(ck, f->nr_dirty);
		put(ck, f->nr_blocks);
		put(ck, f->lost_pages);
		put(ck, f->ra.start);
		put(ck, f->ra.size);
		put(ck, f->ra.async_size);
		put(ck, f->ra.prev_index);
		put(ck, f->ra.mmap_miss);
		put(ck, f->ra.order);
		/* the pages whose state is not the default, whichever
		 * chunks happen to exist */
		uint64_t key;
		vm_fchunk_t *ch;
		vm_xa_for_each_from(&f->pages, key, ch, 0) {
			for (unsigned s = 0; s < VM_FILE_CHUNK; s++) {
				uint64_t j = (key << VM_FILE_CHUNK_SHIFT) | s;
				uint64_t b = j < f->base_pages ? f->base_block + j
							       : VM_BLOCK_NONE;
				if (ch->block[s] == b && ch->cache[s] == VM_NIL &&
				    !ch->dirtied[s] && !ch->wb_done[s] && !ch->forder[s] &&
				    !ch->shadow[s])
					continue;
				put(ck, ch->shadow[s]);
				put(ck, j);
				put(ck, ch->block[s]);
				put(ck, ch->cache[s]);
				put(ck, ch->dirtied[s]);
				put(ck, ch->wb_done[s]);
				put(ck, ch->forder[s]);
			}
		}
		put(ck, f->linked && g_hash_table_lookup(m->names, f->name) == f);
	}
	put(ck, g_hash_table_size(m->names));

	put(ck, m->nr_swap_slots);
	put(ck, m->swap_used);
	put(ck, m->swap_cursor);
	put(ck, m->swap_hwm);
	put(ck, m->nr_swapcache);
	put(ck, m->swapin_readahead_hits);
	put(ck, m->swap_ra_prev_offset);
	put(ck, m->swap_ra_last_pages);
	put(ck, m->swap_vma_ra);
	for (uint32_t s = 0; s < m->swap_hwm; s++) {
		put(ck, m->swap_map[s]);
		put(ck, m->swap_cache[s]);
		put(ck, m->swap_shadow[s]);
	}

	const vm_disk_t *d = m->disk;
	const uint64_t dv[] = { d->head, d->last_submit, d->busy_from, d->busy_until,
				d->last.submit_ns, d->last.start_ns, d->last.service_ns,
				d->last.done_ns, d->last.slot, d->last.seeked,
				d->stats.reads, d->stats.writes, d->stats.pages_in,
				d->stats.pages_out, d->stats.busy_ns, d->stats.seeks,
				d->stats.queued, d->stats.queue_ns, d->stats.late,
				d->chan_free, d->stats.chan_waits, d->stats.chan_ns };
	for (size_t j = 0; j < G_N_ELEMENTS(dv); j++)
		put(ck, dv[j]);
	for (uint32_t s = 0; s < d->queue_depth; s++)
		put(ck, d->slot_free[s]);

	if (m->reclaim) {
		const vm_reclaim_t *rc = m->reclaim;
		const uint64_t rv[] = { rc->stats.pgscan, rc->stats.pgsteal,
					rc->stats.pgactivate, rc->stats.pgdeactivate,
					rc->stats.pgrefill, rc->stats.putback,
					rc->nr[0], rc->nr[1], rc->clock };
		for (size_t j = 0; j < G_N_ELEMENTS(rv); j++)
			put(ck, rv[j]);
	}

	const uint64_t mv[] = { m->next_block, m->nr_dirty, m->nr_shmem_huge,
				m->flush_next, m->flush_armed,
				m->kswapd_state, m->kswapd_failures, m->po_event,
				m->nr_pageout, m->alloc_wait, m->reclaim_ns,
				m->oom_exempt, m->nr_evicted,
				m->wm_min, m->wm_low, m->wm_high, m->swap_base,
				m->last_evict.pfn, m->last_evict.pid,
				m->last_evict.vpn, m->last_evict.slot,
				m->last_evict.mappers, m->last_evict.how,
				m->last_oom.pid, m->last_oom.rss, m->last_oom.swap,
				m->last_oom.pt, (uint64_t)m->last_oom.points,
				(uint64_t)m->last_oom.adj_pages,
				(uint64_t)(uint16_t)m->last_oom.adj, m->last_oom.adjusted,
				m->last_refault.pfn, m->last_refault.at,
				m->last_refault.distance, m->last_refault.size,
				m->last_refault.activated, m->last_refault.measured };
	for (size_t j = 0; j < G_N_ELEMENTS(mv); j++)
		put(ck, mv[j]);
	/* the pageouts in flight, oldest first */
	put(ck, m->po_len);
	for (uint32_t i = 0; i < m->po_len; i++) {
		const vm_pageout_t *po = &m->pageouts[(m->po_head + i) % m->po_cap];
		put(ck, po->pfn);
		put(ck, po->done);
	}

	return g_strdup_printf("%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x",
			       ck->a, ck->b);
}
