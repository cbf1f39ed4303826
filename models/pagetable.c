/*
 * Radix page tables; see pagetable.h for the layout.  Modelled on the
 * pgd/p4d/pud/pmd/pte walk of Linux's mm/memory.c (__handle_mm_fault
 * allocating missing levels on the way down), generalised to any number of
 * levels and any index width.
 */
#include "models/pagetable.h"
#include "models/frames.h"

void vm_pt_init(vm_pagetables_t *pt, const uint32_t *bits, unsigned levels)
{
	g_return_if_fail(levels >= 1 && levels <= VM_MMU_MAX_LEVELS);
	*pt = (vm_pagetables_t){ .levels = levels, .free_list = VM_NIL,
				 .wc_root = VM_NIL };
	unsigned total = 0;
	for (unsigned l = 0; l < levels; l++) {
		pt->bits[l] = bits[l];
		total += bits[l];
	}
	unsigned s = total;
	for (unsigned l = 0; l < levels; l++) {
		s -= bits[l];
		pt->shift[l] = s;
	}
	pt->vpn_limit = total >= 64 ? UINT64_MAX : (uint64_t)1 << total;
	pt->wc_shift = levels >= 3 ? pt->shift[levels - 3] : 0;
}

void vm_pt_destroy(vm_pagetables_t *pt)
{
	for (uint32_t i = 0; i < pt->nr_tables; i++)
		g_free(pt->tables[i].e);
	g_free(pt->tables);
	pt->tables = NULL;
	pt->nr_tables = pt->cap = 0;
	pt->wc_root = VM_NIL;
}

static uint32_t table_new(vm_pagetables_t *pt, unsigned level, uint32_t owner)
{
	uint32_t id;
	if (pt->free_list != VM_NIL) {
		id = pt->free_list;
		pt->free_list = pt->tables[id].next_free;
	} else {
		if (pt->nr_tables == pt->cap) {
			pt->cap = pt->cap ? pt->cap * 2 : 64;
			pt->tables = g_renew(vm_pt_table_t, pt->tables, pt->cap);
		}
		id = pt->nr_tables++;
	}
	uint32_t frame = VM_NIL;
	if (pt->alloc_frame) {
		frame = pt->alloc_frame(pt->ctx, owner, id);
		if (frame == VM_NIL) {
			pt->tables[id] = (vm_pt_table_t){ .next_free = pt->free_list,
							  .frame = VM_NIL };
			pt->free_list = id;
			return VM_NIL;
		}
	}
	pt->tables[id] = (vm_pt_table_t){
		.e = g_new0(uint64_t, (size_t)1 << pt->bits[level]),
		.frame = frame, .next_free = VM_NIL, .level = (uint8_t)level,
		.deposit = VM_NIL,
	};
	pt->nr_live++;
	return id;
}

static void table_free(vm_pagetables_t *pt, uint32_t id)
{
	vm_pt_table_t *t = &pt->tables[id];
	/* the cached walk may pass through it, or its id come back as
	 * another process's table (vm_pt_walk_cached) */
	pt->wc_root = VM_NIL;
	if (t->frame != VM_NIL && pt->free_frame)
		pt->free_frame(pt->ctx, t->frame);
	g_free(t->e);
	*t = (vm_pt_table_t){ .next_free = pt->free_list, .frame = VM_NIL };
	pt->free_list = id;
	pt->nr_live--;
}

uint32_t vm_pt_new_root(vm_pagetables_t *pt, uint32_t owner)
{
	return table_new(pt, 0, owner);
}

/* vm_pt_walk_cached's full walk: remembers the PMD table it reached. */
uint64_t *vm_pt_walk_fill(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
			  unsigned *refs)
{
	uint32_t id = root;
	unsigned last = pt->levels - 1;
	for (unsigned l = 0; l < last; l++) {
		if (l + 2 == pt->levels && l > 0) {
			/* every entry above was present: @id is the PMD
			 * table of every vpn of this tag */
			pt->wc_root = root;
			pt->wc_pmd = id;
			pt->wc_tag = vpn >> pt->wc_shift;
		}
		uint64_t ent = pt->tables[id].e[vm_pt_index(pt, vpn, l)];
		if ((ent & (VM_PTE_P | VM_PTE_HUGE)) != VM_PTE_P) {
			*refs = l + 1;
			return NULL;
		}
		id = (uint32_t)VM_PTE_PFN(ent);
	}
	*refs = pt->levels;
	return &pt->tables[id].e[vm_pt_index(pt, vpn, last)];
}

/* The descent from @root to the table of @vpn's PMD entries, through
 * entries whose bits in @mask are VM_PTE_P alone (present; with
 * VM_PTE_HUGE in @mask, not a huge leaf): that table's id, or VM_NIL.
 * With fewer than 3 levels it is @root. */
static uint32_t pmd_descend(const vm_pagetables_t *pt, uint32_t root,
			    uint64_t vpn, uint64_t mask)
{
	uint32_t id = root;
	for (unsigned l = 0; l + 2 < pt->levels; l++) {
		uint64_t ent = pt->tables[id].e[vm_pt_index(pt, vpn, l)];
		if ((ent & mask) != VM_PTE_P)
			return VM_NIL;
		id = (uint32_t)VM_PTE_PFN(ent);
	}
	return id;
}

uint32_t vm_pt_pmd_table(const vm_pagetables_t *pt, uint32_t root,
			 uint64_t vpn)
{
	if (pt->levels < 3 || vpn >= pt->vpn_limit)
		return VM_NIL;
	return pmd_descend(pt, root, vpn, VM_PTE_P | VM_PTE_HUGE);
}

uint64_t *vm_pt_lookup(const vm_pagetables_t *pt, uint32_t root, uint64_t vpn)
{
	unsigned refs;
	return vm_pt_walk(pt, root, vpn, &refs);
}

uint64_t *vm_pt_ensure(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		       uint32_t owner, unsigned *nr_new)
{
	uint32_t id = root;
	*nr_new = 0;
	for (unsigned l = 0; l + 1 < pt->levels; l++) {
		unsigned i = vm_pt_index(pt, vpn, l);
		uint64_t ent = pt->tables[id].e[i];
		/* callers split a PMD leaf before they ask for its PTEs */
		g_assert(!(ent & VM_PTE_HUGE));
		if (!(ent & VM_PTE_P)) {
			uint32_t child = table_new(pt, l + 1, owner);
			if (child == VM_NIL)
				return NULL;
			(*nr_new)++;
			/* table_new may have moved pt->tables */
			pt->tables[id].e[i] = VM_PTE_MAKE(child, VM_PTE_P);
			pt->tables[id].nr_present++;
			ent = pt->tables[id].e[i];
		}
		id = (uint32_t)VM_PTE_PFN(ent);
	}
	return &pt->tables[id].e[vm_pt_index(pt, vpn, pt->levels - 1)];
}

void vm_pt_leaf_set(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		    uint64_t *slot, uint64_t value)
{
	if ((*slot != 0) != (value != 0)) {
		/* find the leaf table to keep its count of present entries */
		uint32_t id = root;
		for (unsigned l = 0; l + 1 < pt->levels; l++)
			id = (uint32_t)VM_PTE_PFN(
				pt->tables[id].e[vm_pt_index(pt, vpn, l)]);
		if (value)
			pt->tables[id].nr_present++;
		else
			pt->tables[id].nr_present--;
	}
	*slot = value;
}

static void for_each(vm_pagetables_t *pt, uint32_t id, unsigned level,
		     uint64_t base, uint64_t start, uint64_t end,
		     vm_pt_leaf_fn fn, vm_pt_leaf_fn huge, void *ctx)
{
	unsigned n = 1u << pt->bits[level];
	uint64_t span = (uint64_t)1 << pt->shift[level]; /* vpns per entry */
	for (unsigned i = 0; i < n; i++) {
		uint64_t lo = base + (uint64_t)i * span;
		if (lo >= end)
			break;
		if (lo + span <= start)
			continue;
		uint64_t *slot = &pt->tables[id].e[i];
		if (!*slot)
			continue;
		if (level + 1 == pt->levels) {
			fn(ctx, lo, slot);
			continue;
		}
		if (G_UNLIKELY(*slot & VM_PTE_HUGE)) {
			if (!huge)
				continue;
			huge(ctx, lo, slot);
			/* split: visit its new table; zapped: nothing */
			slot = &pt->tables[id].e[i];
			if (!(*slot & VM_PTE_P) || (*slot & VM_PTE_HUGE))
				continue;
		}
		/* no leaf function: the leaf tables are not even walked */
		if (!fn && level + 2 == pt->levels)
			continue;
		for_each(pt, (uint32_t)VM_PTE_PFN(*slot), level + 1, lo,
			 start, end, fn, huge, ctx);
	}
}

void vm_pt_for_each(vm_pagetables_t *pt, uint32_t root, uint64_t start,
		    uint64_t end, vm_pt_leaf_fn fn, void *ctx)
{
	if (end > pt->vpn_limit)
		end = pt->vpn_limit;
	if (start < end)
		for_each(pt, root, 0, 0, start, end, fn, NULL, ctx);
}

void vm_pt_for_each_huge(vm_pagetables_t *pt, uint32_t root, uint64_t start,
			 uint64_t end, vm_pt_leaf_fn fn, vm_pt_leaf_fn huge,
			 void *ctx)
{
	if (end > pt->vpn_limit)
		end = pt->vpn_limit;
	if (start < end)
		for_each(pt, root, 0, 0, start, end, fn, huge, ctx);
}

/* The PMD table holding @vpn's PMD entry (its levels must exist). */
static uint32_t pmd_table(const vm_pagetables_t *pt, uint32_t root,
			  uint64_t vpn)
{
	uint32_t id = root;
	for (unsigned l = 0; l + 2 < pt->levels; l++)
		id = (uint32_t)VM_PTE_PFN(pt->tables[id].e[vm_pt_index(pt, vpn, l)]);
	return id;
}

uint64_t *vm_pt_pmd_lookup(const vm_pagetables_t *pt, uint32_t root,
			   uint64_t vpn)
{
	if (pt->levels < 2 || vpn >= pt->vpn_limit)
		return NULL;
	/* (a huge entry above the PMD level is not modelled: present is
	 * all this descent asks) */
	uint32_t id = pmd_descend(pt, root, vpn, VM_PTE_P);
	if (id == VM_NIL)
		return NULL;
	return &pt->tables[id].e[vm_pt_index(pt, vpn, pt->levels - 2)];
}

uint64_t *vm_pt_pmd_ensure(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
			   uint32_t owner, unsigned *nr_new)
{
	*nr_new = 0;
	g_return_val_if_fail(pt->levels >= 2, NULL);
	uint32_t id = root;
	for (unsigned l = 0; l + 2 < pt->levels; l++) {
		unsigned i = vm_pt_index(pt, vpn, l);
		if (!(pt->tables[id].e[i] & VM_PTE_P)) {
			uint32_t child = table_new(pt, l + 1, owner);
			if (child == VM_NIL)
				return NULL;
			(*nr_new)++;
			pt->tables[id].e[i] = VM_PTE_MAKE(child, VM_PTE_P);
			pt->tables[id].nr_present++;
		}
		id = (uint32_t)VM_PTE_PFN(pt->tables[id].e[i]);
	}
	return &pt->tables[id].e[vm_pt_index(pt, vpn, pt->levels - 2)];
}

void vm_pt_pmd_set(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		   uint64_t *slot, uint64_t value)
{
	if ((*slot != 0) != (value != 0)) {
		uint32_t id = pmd_table(pt, root, vpn);
		if (value)
			pt->tables[id].nr_present++;
		else
			pt->tables[id].nr_present--;
	}
	*slot = value;
}

void vm_pt_deposit(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
		   uint32_t id)
{
	uint32_t pmd = pmd_table(pt, root, vpn);
	pt->tables[id].next_free = pt->tables[pmd].deposit;
	pt->tables[pmd].deposit = id;
}

gboolean vm_pt_deposit_new(vm_pagetables_t *pt, uint32_t root, uint64_t vpn,
			   uint32_t owner)
{
	uint32_t id = table_new(pt, pt->levels - 1, owner);
	if (id == VM_NIL)
		return FALSE;
	vm_pt_deposit(pt, root, vpn, id);
	return TRUE;
}

uint32_t vm_pt_withdraw(vm_pagetables_t *pt, uint32_t root, uint64_t vpn)
{
	uint32_t pmd = pmd_table(pt, root, vpn);
	uint32_t id = pt->tables[pmd].deposit;
	g_assert(id != VM_NIL);
	pt->tables[pmd].deposit = pt->tables[id].next_free;
	pt->tables[id].next_free = VM_NIL;
	return id;
}

void vm_pt_free_table(vm_pagetables_t *pt, uint32_t id)
{
	table_free(pt, id);
}

void vm_pt_pmd_link(vm_pagetables_t *pt, uint64_t *slot, uint32_t id,
		    unsigned nr_present)
{
	pt->tables[id].nr_present = nr_present;
	*slot = VM_PTE_MAKE(id, VM_PTE_P);   /* present before and after */
}

static unsigned free_tree(vm_pagetables_t *pt, uint32_t id)
{
	unsigned n = 1;
	vm_pt_table_t *t = &pt->tables[id];
	if (t->level + 1u < pt->levels) {
		unsigned nr = 1u << pt->bits[t->level];
		for (unsigned i = 0; i < nr; i++)
			if ((pt->tables[id].e[i] & (VM_PTE_P | VM_PTE_HUGE)) == VM_PTE_P)
				n += free_tree(pt, (uint32_t)VM_PTE_PFN(
							   pt->tables[id].e[i]));
		while (pt->tables[id].deposit != VM_NIL) {
			uint32_t d = pt->tables[id].deposit;
			pt->tables[id].deposit = pt->tables[d].next_free;
			table_free(pt, d);
			n++;
		}
	}
	table_free(pt, id);
	return n;
}

unsigned vm_pt_free_tree(vm_pagetables_t *pt, uint32_t root)
{
	return free_tree(pt, root);
}

/* The first and the last index of table @level, whose first vpn is
 * @base, that [addr, end) reaches (addr < end, both within the table). */
static void index_span(const vm_pagetables_t *pt, unsigned level,
		       uint64_t base, uint64_t addr, uint64_t end,
		       unsigned *first, unsigned *last)
{
	*first = (unsigned)((addr - base) >> pt->shift[level]);
	*last = (unsigned)((end - 1 - base) >> pt->shift[level]);
}

/* Which tables free_below frees: a child table whose whole span lies in
 * [floor, ceiling); with empty_leaves, only last-level ones that hold no
 * entry (page-table reclaim). */
typedef struct {
	uint64_t floor, ceiling;
	gboolean empty_leaves;
} free_rule_t;

/*
 * free_pgd_range's descent below table @id (at @level, first vpn @base)
 * over [addr, end), for any number of levels: the lower levels first,
 * then each child table @r lets go, with whatever is left under it.
 * Linux computes the same set with rounded bounds a level at a time
 * (free_pmd_range's "start &= PUD_MASK; if (start < floor) return", and
 * the ceiling's twin test); the tables it frees map nothing any more,
 * since no mapping lies between floor and ceiling but the ones just
 * unmapped.  Page-table reclaim walks the same way, freeing empty leaf
 * tables alone.
 */
static unsigned free_below(vm_pagetables_t *pt, uint32_t id, unsigned level,
			   uint64_t base, uint64_t addr, uint64_t end,
			   const free_rule_t *r)
{
	unsigned n = 0, first, last;
	uint64_t span = (uint64_t)1 << pt->shift[level];
	gboolean leaves = level + 2 >= pt->levels;   /* children are leaf tables */
	index_span(pt, level, base, addr, end, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t ent = pt->tables[id].e[i];
		if ((ent & (VM_PTE_P | VM_PTE_HUGE)) != VM_PTE_P)
			continue;
		uint32_t child = (uint32_t)VM_PTE_PFN(ent);
		uint64_t lo = base + (uint64_t)i * span, hi = lo + span;
		if (!leaves)
			n += free_below(pt, child, level + 1, lo, MAX(addr, lo),
					MIN(end, hi), r);
		if (lo < r->floor || hi > r->ceiling ||
		    (r->empty_leaves && (!leaves || pt->tables[child].nr_present)))
			continue;
		n += free_tree(pt, child);
		pt->tables[id].e[i] = 0;
		pt->tables[id].nr_present--;
	}
	return n;
}

unsigned vm_pt_free_range(vm_pagetables_t *pt, uint32_t root, uint64_t addr,
			  uint64_t end, uint64_t floor, uint64_t ceiling)
{
	end = MIN(end, pt->vpn_limit);
	if (pt->levels < 2 || addr >= end)
		return 0;
	free_rule_t r = { .floor = floor, .ceiling = ceiling };
	return free_below(pt, root, 0, 0, addr, end, &r);
}

unsigned vm_pt_reclaim_empty(vm_pagetables_t *pt, uint32_t root,
			     uint64_t start, uint64_t end)
{
	end = MIN(end, pt->vpn_limit);
	if (pt->levels < 2 || start >= end)
		return 0;
	free_rule_t r = { .floor = start, .ceiling = end, .empty_leaves = TRUE };
	return free_below(pt, root, 0, 0, start, end, &r);
}

unsigned vm_pt_count_tree(const vm_pagetables_t *pt, uint32_t root)
{
	const vm_pt_table_t *t = &pt->tables[root];
	unsigned n = 1;
	if (t->level + 1u < pt->levels) {
		unsigned nr = 1u << pt->bits[t->level];
		for (unsigned i = 0; i < nr; i++)
			if ((t->e[i] & (VM_PTE_P | VM_PTE_HUGE)) == VM_PTE_P)
				n += vm_pt_count_tree(pt, (uint32_t)VM_PTE_PFN(t->e[i]));
		for (uint32_t d = t->deposit; d != VM_NIL; d = pt->tables[d].next_free)
			n++;
	}
	return n;
}
