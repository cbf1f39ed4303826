/*
 * The TLB core: one flat array of nr_sets x ways translations, set-major,
 * allocated once in vm_tlb_new and never again.  The same core serves the L1
 * and the L2 TLB; the replacement policy (tlb-lru.c, tlb-fifo.c,
 * tlb-random.c) only orders the valid ways of one set, as a policy does under
 * DynamoRIO drcachesim's caching_device.
 *
 *   entries[] ─► │ set 0: way0 .. wayW-1 │ set 1: way0 .. wayW-1 │ ...
 *                   set = vpn & set_mask, or vpn % nr_sets when nr_sets is not
 *                   a power of two (Intel's 1536-entry 12-way STLB has 128
 *                   sets, but a 48-entry 4-way one has 12)
 *
 * A fill first reuses the (vpn, asid) entry if it is cached (a PTE that
 * changed, say after a write fault), then the first invalid way of the set,
 * and only then asks the policy for its victim (every policy's victim hook
 * runs here, on each miss of a full set).  Invalidation only clears the
 * valid bit; policies are not told, since an invalid way is always preferred
 * over any valid one.  Left out: page-size classes, the lookup's timing, and
 * any hardware detail of how real TLBs pick invalid ways (we take the lowest).
 */
#include <string.h>

#include "models/tlb.h"

/*
 * The registry, the default (lru) first: one line per policy, P(NAME) for
 * the ops table vm_tlb_policy_NAME of models/tlb-NAME.c.  The line both
 * declares the table and lists it, so a new policy is its file and one
 * line here (docs/guide.md, "Add a reclaim policy"); config, narration and
 * the listings find it through models/policy.h.
 */
#define REGISTRY(P) \
	P(lru) \
	P(fifo) \
	P(random)

#define DECLARE(name) extern const vm_tlb_policy_ops_t vm_tlb_policy_##name;
REGISTRY(DECLARE)
#define ENTRY(name) &vm_tlb_policy_##name,
const vm_tlb_policy_ops_t *const vm_tlb_policies[] = { REGISTRY(ENTRY) NULL };
#undef ENTRY
#undef DECLARE

/* The registered policy called @name, or NULL when there is none. */
const vm_tlb_policy_ops_t *vm_tlb_policy_find(const char *name)
{
	g_return_val_if_fail(name != NULL, NULL);

	for (unsigned i = 0; vm_tlb_policies[i]; i++)
		if (strcmp(vm_tlb_policies[i]->policy.name, name) == 0)
			return vm_tlb_policies[i];
	return NULL;
}

/*
 * A TLB of @entries translations in sets of @ways (0: one fully associative
 * set), replaced by @ops.  Returns NULL when @entries is 0 (no TLB at this
 * level), and on a programmer error (@entries not a multiple of @ways, or no
 * @ops).
 */
vm_tlb_t *vm_tlb_new(unsigned entries, unsigned ways,
		     const vm_tlb_policy_ops_t *ops)
{
	vm_tlb_t *t;

	if (entries == 0)
		return NULL;
	g_return_val_if_fail(ops != NULL && ops->victim != NULL, NULL);
	if (ways == 0)
		ways = entries;
	g_return_val_if_fail(ways <= entries && entries % ways == 0, NULL);

	t = g_new0(vm_tlb_t, 1);
	t->entries = g_new0(vm_tlb_entry_t, entries);
	t->nr_sets = entries / ways;
	t->ways = ways;
	/* nr_sets == 1 also gives 0, and vm_tlb_set masks every vpn to set 0. */
	t->set_mask = (t->nr_sets & (t->nr_sets - 1)) == 0 ? t->nr_sets - 1 : 0;
	t->clock = 0;
	t->ops = ops;
	t->priv = ops->init ? ops->init(t->nr_sets, ways) : NULL;
	return t;
}

/* Free @t and its policy state; NULL is allowed. */
void vm_tlb_free(vm_tlb_t *t)
{
	if (!t)
		return;
	if (t->ops->destroy)
		t->ops->destroy(t->priv);
	g_free(t->entries);
	g_free(t);
}

/* The valid entry for (@vpn, @asid) in its set, or NULL. */
static vm_tlb_entry_t *find(vm_tlb_t *t, uint64_t vpn, uint32_t asid)
{
	vm_tlb_entry_t *set = vm_tlb_set(t, vpn);

	for (unsigned w = 0; w < t->ways; w++)
		if (set[w].valid && set[w].vpn == vpn && set[w].asid == asid)
			return &set[w];
	return NULL;
}

/*
 * The valid entry for (@vpn, @asid), or NULL, without telling the policy:
 * for the UI, the invariant checker and tests, which must not perturb the
 * replacement order.
 */
const vm_tlb_entry_t *vm_tlb_peek(const vm_tlb_t *t, uint64_t vpn,
				  uint32_t asid)
{
	return find((vm_tlb_t *)t, vpn, asid);
}

static void drop(vm_tlb_entry_t *e)
{
	memset(e, 0, sizeof(*e));
}

gboolean vm_tlb_fill(vm_tlb_t *t, uint64_t vpn, uint32_t asid, uint64_t pfn,
		     uint8_t perm, vm_tlb_entry_t *evicted)
{
	vm_tlb_entry_t *set, *e = NULL;
	gboolean was_valid = FALSE;
	unsigned free_w;

	g_return_val_if_fail(t != NULL, FALSE);
	/* One pass finds the entry itself, else the first free way; only a
	 * full set asks the policy.  The free way is picked with a select,
	 * not a branch, as vm_tlb_oldest_way picks the victim of lru and
	 * fifo: a branch on the stamps, which lie in no order, mispredicted
	 * on half the ways and was most of the cost of a TLB miss. */
	set = vm_tlb_set(t, vpn);
	free_w = t->ways;
	for (unsigned w = 0; w < t->ways; w++) {
		const vm_tlb_entry_t *x = &set[w];
		if (x->valid && x->vpn == vpn && x->asid == asid) {
			e = &set[w];
			break;
		}
		gboolean first_free = !x->valid & (free_w == t->ways);
		free_w = first_free ? w : free_w;
	}
	if (!e && free_w < t->ways) {
		e = &set[free_w];
	} else if (!e) {
		unsigned v = t->ops->victim(t, set, t->ways);

		g_assert(v < t->ways);
		e = &set[v];
		was_valid = TRUE;
		if (evicted)
			*evicted = *e;
	}

	e->vpn = vpn;
	e->asid = asid;
	e->pfn = pfn;
	e->perm = perm;
	e->valid = 1;
	if (t->ops->fill)
		t->ops->fill(t, e);
	return was_valid;
}

gboolean vm_tlb_invalidate(vm_tlb_t *t, uint64_t vpn, uint32_t asid)
{
	vm_tlb_entry_t *e;

	g_return_val_if_fail(t != NULL, FALSE);
	e = find(t, vpn, asid);
	if (!e)
		return FALSE;
	drop(e);
	return TRUE;
}

unsigned vm_tlb_invalidate_range(vm_tlb_t *t, uint64_t vpn, uint64_t npages,
				 uint32_t asid)
{
	uint64_t total;
	unsigned n = 0;

	g_return_val_if_fail(t != NULL, 0);
	total = (uint64_t)t->nr_sets * t->ways;
	if (npages > total) {
		/* Cheaper to scan every entry once than to look up each page. */
		for (uint64_t i = 0; i < total; i++) {
			vm_tlb_entry_t *e = &t->entries[i];

			/* Unsigned difference: also right when vpn+npages wraps. */
			if (e->valid && e->asid == asid && e->vpn - vpn < npages) {
				drop(e);
				n++;
			}
		}
		return n;
	}
	for (uint64_t i = 0; i < npages; i++)
		if (vm_tlb_invalidate(t, vpn + i, asid))
			n++;
	return n;
}

unsigned vm_tlb_flush_asid(vm_tlb_t *t, uint32_t asid)
{
	uint64_t total;
	unsigned n = 0;

	g_return_val_if_fail(t != NULL, 0);
	total = (uint64_t)t->nr_sets * t->ways;
	for (uint64_t i = 0; i < total; i++) {
		vm_tlb_entry_t *e = &t->entries[i];

		if (e->valid && e->asid == asid) {
			drop(e);
			n++;
		}
	}
	return n;
}

unsigned vm_tlb_flush_all(vm_tlb_t *t)
{
	unsigned n;

	g_return_val_if_fail(t != NULL, 0);
	n = vm_tlb_nr_valid(t);
	memset(t->entries, 0,
	       (size_t)t->nr_sets * t->ways * sizeof(vm_tlb_entry_t));
	return n;
}

unsigned vm_tlb_nr_valid(const vm_tlb_t *t)
{
	uint64_t total;
	unsigned n = 0;

	g_return_val_if_fail(t != NULL, 0);
	total = (uint64_t)t->nr_sets * t->ways;
	for (uint64_t i = 0; i < total; i++)
		n += t->entries[i].valid;
	return n;
}
