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
 * and only then asks the policy for its victim: its victim hook, or, for a
 * policy whose victim is the oldest stamp (lru, fifo: victim_is_min_stamp),
 * the first way of the set's order (tlb.h), or on sets too large for one,
 * the same choice made in the lookup's own pass over the compact keys[] and
 * ages[] (test-tlb checks all give the same way).  The stamps of lru and
 * fifo are written here (VM_TLB_STAMP_*), not by hooks.  Invalidation only clears the
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

	/* a policy that has the core stamp has no hook for it too: the
	 * order's top after a stamp is known only without one */
	g_return_val_if_fail(!(ops->stamp & VM_TLB_STAMP_FILL) || !ops->fill,
			     NULL);
	g_return_val_if_fail(!(ops->stamp & VM_TLB_STAMP_HIT) || !ops->hit,
			     NULL);

	t = g_new0(vm_tlb_t, 1);
	t->entries = g_new0(vm_tlb_entry_t, entries);
	t->keys = g_new(uint64_t, entries);
	for (unsigned i = 0; i < entries; i++)
		t->keys[i] = VM_TLB_NO_KEY;
	t->nr_sets = entries / ways;
	t->ways = ways;
	/* nr_sets == 1 also gives 0, and vm_tlb_set masks every vpn to set 0. */
	t->set_mask = (t->nr_sets & (t->nr_sets - 1)) == 0 ? t->nr_sets - 1 : 0;
	t->modulo = (t->nr_sets & (t->nr_sets - 1)) != 0;
	t->top_shift = 4 * (ways - 1);
	t->clock = 0;
	t->ops = ops;
	t->stamp = ops->stamp;
	t->priv = ops->init ? ops->init(t->nr_sets, ways) : NULL;
	if (ops->victim_is_min_stamp && ways >= 2 && ways <= 16) {
		/* every way free: in the order of the ways */
		uint64_t o = 0;
		for (unsigned w = ways; w-- > 0;)
			o = o << 4 | w;
		t->order = g_new(uint64_t, t->nr_sets);
		for (unsigned s = 0; s < t->nr_sets; s++)
			t->order[s] = o;
	} else {
		t->ages = g_new0(uint64_t, entries);
	}
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
	g_free(t->keys);
	g_free(t->ages);
	g_free(t->order);
	g_free(t);
}

/* ---- the order of each set's ways (t->order, tlb.h) ---------------------- */

#define NIBBLES UINT64_C(0x1111111111111111)

/* The age of entry @e: its stamp + 1, or 0 when free (tlb.h). */
static inline uint64_t entry_age(const vm_tlb_entry_t *e)
{
	return e->valid ? e->stamp + 1 : 0;
}

/* Whether way @a of set @set comes before way @b: (age, way) ascending. */
static inline gboolean order_before(const vm_tlb_entry_t *set, unsigned a,
				    unsigned b)
{
	uint64_t x = entry_age(&set[a]), y = entry_age(&set[b]);
	return x < y || (x == y && a < b);
}

/* The slot of way @w in @o (which holds it). */
static inline unsigned order_pos(uint64_t o, unsigned w)
{
	/* the lowest zero nibble of o ^ w..w is exact (a borrow only flags
	 * nibbles above a true zero) */
	uint64_t x = o ^ (w * NIBBLES);
	uint64_t z = (x - NIBBLES) & ~x & (8 * NIBBLES);
	return (unsigned)__builtin_ctzll(z) / 4;
}

/* @o without slot @pos: the slots above it move down one. */
static inline uint64_t order_remove(uint64_t o, unsigned pos)
{
	uint64_t low = o & ((UINT64_C(1) << (4 * pos)) - 1);
	return low | ((o >> (4 * pos)) >> 4) << (4 * pos);
}

/* Set @s's order, from its entries: each way's rank is the ways before
 * it. */
static void order_rebuild(vm_tlb_t *t, size_t s)
{
	const vm_tlb_entry_t *set = t->entries + s * t->ways;
	uint64_t o = 0;
	for (unsigned w = 0; w < t->ways; w++) {
		unsigned rank = 0;
		for (unsigned v = 0; v < t->ways; v++)
			rank += order_before(set, v, w);
		o |= (uint64_t)w << (4 * rank);
	}
	t->order[s] = o;
}

/* Way @w, now in the top slot of @o, set @s's order: right if its age is
 * above the one below it (what a stamp with ++clock gives); else the set
 * is rebuilt.  For policies whose hooks stamp. */
static inline void order_set_top(vm_tlb_t *t, size_t s, uint64_t o, unsigned w)
{
	const vm_tlb_entry_t *set = t->entries + s * t->ways;
	unsigned below = (unsigned)(o >> (4 * (t->ways - 2))) & 15;
	t->order[s] = o;
	if (G_UNLIKELY(!order_before(set, below, w)))
		order_rebuild(t, s);
}

/* @o with way @w moved to the top slot. */
static inline uint64_t order_to_top(const vm_tlb_t *t, uint64_t o, unsigned w)
{
	return order_remove(o, order_pos(o, w)) | (uint64_t)w << t->top_shift;
}

void vm_tlb_order_newest(vm_tlb_t *t, size_t s, unsigned w)
{
	t->order[s] = order_to_top(t, t->order[s], w);
}

/* Way @w of set @s got a new age from a hook: its place in the order. */
static void order_touch(vm_tlb_t *t, size_t s, unsigned w)
{
	order_set_top(t, s, order_to_top(t, t->order[s], w), w);
}

void vm_tlb_hit_hook(vm_tlb_t *t, size_t s, unsigned w)
{
	size_t i = s * t->ways + w;
	t->ops->hit(t, &t->entries[i]);
	if (t->order)
		order_touch(t, s, w);
	else
		t->ages[i] = t->entries[i].stamp + 1;
}

/* Way @w of set @s was dropped (free now): after the free ways below it,
 * which begin the order. */
static void order_drop(vm_tlb_t *t, size_t s, unsigned w)
{
	const uint64_t *keys = t->keys + s * t->ways;
	uint64_t o = order_remove(t->order[s], order_pos(t->order[s], w));
	unsigned k = 0;
	while (k < t->ways - 1) {
		unsigned v = (unsigned)(o >> (4 * k)) & 15;
		if (keys[v] != VM_TLB_NO_KEY || v > w)
			break;
		k++;
	}
	uint64_t low = o & ((UINT64_C(1) << (4 * k)) - 1);
	uint64_t high = (o >> (4 * k)) << (4 * k);
	uint64_t mask = t->ways >= 16 ? UINT64_MAX
				      : (UINT64_C(1) << (4 * t->ways)) - 1;
	t->order[s] = (low | (uint64_t)w << (4 * k) | high << 4) & mask;
}

gboolean vm_tlb_order_ok(const vm_tlb_t *t)
{
	g_return_val_if_fail(t != NULL, FALSE);
	for (size_t i = 0; i < (size_t)t->nr_sets * t->ways; i++) {
		const vm_tlb_entry_t *e = &t->entries[i];
		if (t->keys[i] != (e->valid ? e->vpn : VM_TLB_NO_KEY) ||
		    (t->ages && t->ages[i] != entry_age(e)))
			return FALSE;
	}
	if (!t->order)
		return TRUE;
	for (size_t s = 0; s < t->nr_sets; s++) {
		const vm_tlb_entry_t *set = t->entries + s * t->ways;
		uint64_t o = t->order[s];
		unsigned seen = 0, prev = 0;
		if (t->ways < 16 && o >> (4 * t->ways))
			return FALSE;
		for (unsigned k = 0; k < t->ways; k++) {
			unsigned w = (unsigned)(o >> (4 * k)) & 15;
			if (w >= t->ways || (seen & (1u << w)) ||
			    (k && !order_before(set, prev, w)))
				return FALSE;
			seen |= 1u << w;
			prev = w;
		}
	}
	return TRUE;
}

/*
 * Make keys[] and ages[] agree with entries[] again, after someone wrote
 * the entries directly (a copy of a TLB, a test).
 */
void vm_tlb_sync(vm_tlb_t *t)
{
	g_return_if_fail(t != NULL);
	for (size_t i = 0; i < (size_t)t->nr_sets * t->ways; i++) {
		const vm_tlb_entry_t *e = &t->entries[i];
		t->keys[i] = e->valid ? e->vpn : VM_TLB_NO_KEY;
		if (t->ages)
			t->ages[i] = entry_age(e);
	}
	if (t->order)
		for (size_t s = 0; s < t->nr_sets; s++)
			order_rebuild(t, s);
}

/* The valid entry for (@vpn, @asid) in its set, or NULL. */
static vm_tlb_entry_t *find(vm_tlb_t *t, uint64_t vpn, uint32_t asid)
{
	size_t i = vm_tlb_set_index(t, vpn);
	size_t w;
	return vm_tlb_scan(t, i, vpn, asid, &w) ? &t->entries[i + w] : NULL;
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

static void drop(vm_tlb_t *t, vm_tlb_entry_t *e)
{
	size_t i = (size_t)(e - t->entries);
	memset(e, 0, sizeof(*e));
	t->keys[i] = VM_TLB_NO_KEY;
	if (t->ages)
		t->ages[i] = 0;
	if (t->order) {
		size_t s = i / t->ways;
		order_drop(t, s, (unsigned)(i - s * t->ways));
	}
}

/* Way @w of set @s now holds (@vpn, @asid) -> @pfn: stamped by the core or
 * the policy's fill hook, with its key, and its age or its place in the
 * set's order. */
static void set_entry(vm_tlb_t *t, size_t s, unsigned w, uint64_t vpn,
		      uint32_t asid, uint64_t pfn, uint8_t perm)
{
	size_t i = s * t->ways + w;
	vm_tlb_entry_t *e = &t->entries[i];
	e->vpn = vpn;
	e->asid = asid;
	e->pfn = pfn;
	e->perm = perm;
	e->valid = 1;
	if (t->stamp & VM_TLB_STAMP_FILL)
		e->stamp = ++t->clock;
	else if (t->ops->fill)
		t->ops->fill(t, e);
	t->keys[i] = vpn;
	if (t->ages)
		t->ages[i] = e->stamp + 1;
	else if (t->order && (t->stamp & VM_TLB_STAMP_FILL))
		vm_tlb_order_newest(t, s, w);
	else if (t->order)
		order_touch(t, s, w);
}

gboolean vm_tlb_fill(vm_tlb_t *t, uint64_t vpn, uint32_t asid, uint64_t pfn,
		     uint8_t perm, vm_tlb_entry_t *evicted)
{
	vm_tlb_entry_t *set;
	unsigned w = 0;
	gboolean found = FALSE, was_valid = FALSE;

	g_return_val_if_fail(t != NULL, FALSE);
	size_t s = vm_tlb_set_no(t, vpn), base = s * t->ways;
	const uint64_t *keys = t->keys + base;
	set = t->entries + base;
	if (t->order) {
		/* the entry itself, else the order's first way: the first
		 * free way, else the oldest stamp (lowest way on ties, as the
		 * policies' victim) */
		for (w = 0; w < t->ways; w++)
			if (keys[w] == vpn && set[w].asid == asid)
				break;
		found = w < t->ways;
		if (!found)
			w = (unsigned)t->order[s] & 15;
	} else if (t->ops->victim_is_min_stamp) {
		/* one pass over keys[] and ages[]: the same entry, else the
		 * first free way, else the oldest stamp (lowest way on ties,
		 * as the policies' victim).  A free way's age is 0 and a
		 * valid one's its stamp + 1, so both are the first smallest
		 * age, found without a branch: a branch on random stamps
		 * mispredicted on half the ways, and was most of the cost of
		 * a TLB miss. */
		const uint64_t *ages = t->ages + base;
		uint64_t min_key = UINT64_MAX;
		unsigned old_w = 0;
		for (w = 0; w < t->ways; w++) {
			if (keys[w] == vpn && set[w].asid == asid) {
				found = TRUE;
				break;
			}
			uint64_t key = ages[w];
			gboolean lt = key < min_key;
			min_key = lt ? key : min_key;
			old_w = lt ? w : old_w;
		}
		if (!found)
			w = old_w;
	} else {
		for (w = 0; w < t->ways; w++)
			if (keys[w] == vpn && set[w].asid == asid)
				break;
		found = w < t->ways;
		if (!found) {
			for (w = 0; w < t->ways; w++)
				if (keys[w] == VM_TLB_NO_KEY)
					break;
		}
		if (!found && w == t->ways) {
			w = t->ops->victim(t, set, t->ways);
			g_assert(w < t->ways);
		}
	}
	if (!found && set[w].valid) {
		was_valid = TRUE;
		if (evicted)
			*evicted = set[w];
	}
	set_entry(t, s, w, vpn, asid, pfn, perm);
	return was_valid;
}

gboolean vm_tlb_fill_absent_slow(vm_tlb_t *t, uint64_t vpn, uint32_t asid,
				 uint64_t pfn, uint8_t perm)
{
	g_return_val_if_fail(t != NULL, FALSE);
	if (!t->ops->victim_is_min_stamp)
		return vm_tlb_fill(t, vpn, asid, pfn, perm, NULL);
	/* vm_tlb_fill's pass without the search for the entry itself: the
	 * first smallest age is the first free way, else the oldest stamp */
	size_t s = vm_tlb_set_no(t, vpn);
	unsigned w = 0;
	if (t->order) {
		w = (unsigned)t->order[s] & 15;
	} else {
		const uint64_t *ages = t->ages + s * t->ways;
		uint64_t min_key = UINT64_MAX;
		for (unsigned v = 0; v < t->ways; v++) {
			gboolean lt = ages[v] < min_key;
			min_key = lt ? ages[v] : min_key;
			w = lt ? v : w;
		}
	}
	gboolean was_valid = t->entries[s * t->ways + w].valid;
	set_entry(t, s, w, vpn, asid, pfn, perm);
	return was_valid;
}

gboolean vm_tlb_invalidate(vm_tlb_t *t, uint64_t vpn, uint32_t asid)
{
	vm_tlb_entry_t *e;

	g_return_val_if_fail(t != NULL, FALSE);
	e = find(t, vpn, asid);
	if (!e)
		return FALSE;
	drop(t, e);
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
				drop(t, e);
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
			drop(t, e);
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
	vm_tlb_sync(t);
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
