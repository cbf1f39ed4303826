/*
 * The reclaim core: the policy registry, the calls every caller goes through
 * (which keep the per-type page counts and pgsteal, and check the list
 * states with assertions), and the helpers the policies share.  See
 * reclaim.h for the picture of the lists.  Modelled on the split of Linux's
 * mm/vmscan.c: the core isolates and counts, the lists decide the order.
 *
 * The "pair" helpers serve fifo, lru, clock and opt: one list per type, each
 * in stamp order, so the oldest page overall is the older of two tails:
 *
 *   anon: head [ 7@9  3@6  1@2 ] tail ──┐
 *                                      ├─ smaller stamp: 1 (stamp 2)
 *   file: head [ 5@8  2@4 ]      tail ──┘
 *
 * Stamps come from one 64-bit counter per reclaim state, which no trace can
 * wrap.
 */
#include <string.h>

#include "models/reclaim.h"

/*
 * The registry, the default (lru2q) first: one line per policy, P(NAME)
 * for the ops table vm_reclaim_policy_NAME of models/reclaim-NAME.c.  The
 * line both declares the table and lists it, so a new policy is its file
 * and one line here (docs/guide.md, "Add a reclaim policy"); config,
 * narration and the listings find it through models/policy.h.
 */
#define REGISTRY(P) \
	P(lru2q) \
	P(lru) \
	P(fifo) \
	P(clock) \
	P(random) \
	P(opt) \
	P(mglru) \
	P(mru)

#define DECLARE(name) extern const vm_reclaim_ops_t vm_reclaim_policy_##name;
REGISTRY(DECLARE)
#define ENTRY(name) &vm_reclaim_policy_##name,
const vm_reclaim_ops_t *const vm_reclaim_policies[] = { REGISTRY(ENTRY) NULL };
#undef ENTRY
#undef DECLARE

/* The registered policy called @name, or NULL when there is none. */
const vm_reclaim_ops_t *vm_reclaim_policy_find(const char *name)
{
	g_return_val_if_fail(name != NULL, NULL);

	for (unsigned i = 0; vm_reclaim_policies[i]; i++)
		if (strcmp(vm_reclaim_policies[i]->policy.name, name) == 0)
			return vm_reclaim_policies[i];
	return NULL;
}

vm_reclaim_t *vm_reclaim_new(vm_frames_t *fr, const vm_reclaim_ops_t *ops,
			     const vm_reclaim_params_t *params)
{
	static const vm_reclaim_params_t defaults = {
		.swappiness = 60, .page_shift = 12, .seed = 1,
	};
	vm_reclaim_t *rc;

	g_return_val_if_fail(fr != NULL && fr->f != NULL, NULL);
	g_return_val_if_fail(ops != NULL && ops->add && ops->remove &&
			     ops->victim, NULL);
	if (!params)
		params = &defaults;
	g_return_val_if_fail(!(ops->policy.flags & VM_POLICY_NEEDS_FUTURE) ||
			     params->next_use, NULL);

	rc = g_new0(vm_reclaim_t, 1);
	rc->fr = fr;
	rc->ops = ops;
	vm_reclaim_list_init(&rc->aside, VM_RECLAIM_ASIDE);
	rc->params = *params;
	if (rc->params.swappiness > 200)
		rc->params.swappiness = 200;
	if (rc->params.page_shift == 0)
		rc->params.page_shift = 12;
	rc->priv = ops->init ? ops->init(fr->nr, &rc->params) : NULL;
	return rc;
}

void vm_reclaim_free(vm_reclaim_t *rc)
{
	if (!rc)
		return;
	if (rc->ops->destroy)
		rc->ops->destroy(rc->priv);
	g_free(rc);
}

/* The bodies of vm_reclaim_pair_push and _del, inlined into the hooks
 * below: every page under pressure is added and taken once, and lru moves
 * one on every access (docs/speed.md). */
static inline void pair_push(vm_reclaim_t *rc, vm_reclaim_pair_t *p,
			     uint32_t pfn)
{
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_list_t *l = &p->l[vm_reclaim_type(f)];

	if (f->list != VM_RECLAIM_NONE) {
		g_assert(f->list == l->id);
		vm_reclaim_list_del(rc->fr, l, pfn);
	}
	f->stamp = ++rc->clock;
	vm_reclaim_list_add(rc->fr, l, pfn);
}

static inline void pair_del(vm_reclaim_t *rc, vm_reclaim_pair_t *p,
			    uint32_t pfn)
{
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_list_t *l = &p->l[vm_reclaim_type(f)];

	g_assert(f->list == l->id);
	vm_reclaim_list_del(rc->fr, l, pfn);
}

/* The body of vm_reclaim_pair_victim, inlined into vm_reclaim_victim. */
static inline uint32_t pair_victim(vm_reclaim_t *rc, gboolean want_anon,
				   gboolean want_file)
{
	const vm_reclaim_pair_t *p = rc->priv;
	uint32_t a = want_anon ? p->l[VM_RECLAIM_ANON].tail : VM_NIL;
	uint32_t fl = want_file ? p->l[VM_RECLAIM_FILE].tail : VM_NIL;
	uint32_t pfn = a == VM_NIL ? fl : fl == VM_NIL ? a :
		rc->fr->f[a].stamp < rc->fr->f[fl].stamp ? a : fl;

	if (pfn == VM_NIL)
		return VM_NIL;
	rc->stats.pgscan++;
	pair_del(rc, rc->priv, pfn);
	return pfn;
}

void vm_reclaim_add(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_frame_t *f;

	g_return_if_fail(pfn < rc->fr->nr);
	f = &rc->fr->f[pfn];
	g_return_if_fail(f->kind == VM_FRAME_ANON || f->kind == VM_FRAME_FILE);
	g_return_if_fail(f->list == VM_RECLAIM_NONE);
	/* fifo, lru, clock, mru and opt share this hook: called directly, it is
	 * inlined (Linux's INDIRECT_CALL_1; every page swapped in under
	 * pressure comes here, docs/speed.md) */
	if (rc->ops->add == vm_reclaim_pair_add_hook)
		pair_push(rc, rc->priv, pfn);
	else
		rc->ops->add(rc, pfn);
	g_assert(f->list != VM_RECLAIM_NONE);
	rc->nr[vm_reclaim_type(f)]++;
}

gboolean vm_reclaim_remove(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_frame_t *f;

	g_return_val_if_fail(pfn < rc->fr->nr, FALSE);
	f = &rc->fr->f[pfn];
	if (f->list == VM_RECLAIM_NONE)
		return FALSE;
	if (f->list == VM_RECLAIM_ASIDE) {
		/* freed in the middle of a scan (the OOM killer's victim) */
		vm_reclaim_list_del(rc->fr, &rc->aside, pfn);
		return FALSE;
	}
	rc->ops->remove(rc, pfn);
	g_assert(f->list == VM_RECLAIM_NONE);
	g_assert(rc->nr[vm_reclaim_type(f)] > 0);
	rc->nr[vm_reclaim_type(f)]--;
	return TRUE;
}

uint32_t vm_reclaim_victim(vm_reclaim_t *rc, gboolean want_anon,
			   gboolean want_file)
{
	uint32_t pfn;
	vm_frame_t *f;

	if (!(want_anon && rc->nr[VM_RECLAIM_ANON]) &&
	    !(want_file && rc->nr[VM_RECLAIM_FILE]))
		return VM_NIL;
	/* as vm_reclaim_add: fifo's and lru's victim inlined */
	if (rc->ops->victim == vm_reclaim_pair_victim)
		pfn = pair_victim(rc, want_anon, want_file);
	else
		pfn = rc->ops->victim(rc, want_anon, want_file);
	if (pfn == VM_NIL)
		return VM_NIL;
	f = &rc->fr->f[pfn];
	g_assert(f->list == VM_RECLAIM_NONE);
	g_assert(vm_reclaim_type(f) == VM_RECLAIM_ANON ? want_anon : want_file);
	g_assert(rc->nr[vm_reclaim_type(f)] > 0);
	rc->nr[vm_reclaim_type(f)]--;
	rc->stats.pgsteal++;
	return pfn;
}

void vm_reclaim_putback(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_frame_t *f;

	g_return_if_fail(pfn < rc->fr->nr);
	f = &rc->fr->f[pfn];
	g_return_if_fail(f->kind == VM_FRAME_ANON || f->kind == VM_FRAME_FILE);
	g_return_if_fail(f->list == VM_RECLAIM_NONE);
	if (rc->ops->putback)
		rc->ops->putback(rc, pfn);
	else
		rc->ops->add(rc, pfn);
	g_assert(f->list != VM_RECLAIM_NONE);
	rc->nr[vm_reclaim_type(f)]++;
	if (rc->stats.pgsteal)
		rc->stats.pgsteal--;
	rc->stats.putback++;
}

gboolean vm_reclaim_take(vm_reclaim_t *rc, uint32_t pfn)
{
	g_return_val_if_fail(pfn < rc->fr->nr, FALSE);
	if (rc->fr->f[pfn].list == VM_RECLAIM_ASIDE || !vm_reclaim_remove(rc, pfn))
		return FALSE;
	rc->stats.pgsteal++;
	return TRUE;
}

void vm_reclaim_set_aside(vm_reclaim_t *rc, uint32_t pfn)
{
	g_return_if_fail(pfn < rc->fr->nr && rc->fr->f[pfn].list == VM_RECLAIM_NONE);
	vm_reclaim_list_add(rc->fr, &rc->aside, pfn);
}

void vm_reclaim_putback_aside(vm_reclaim_t *rc)
{
	while (rc->aside.head != VM_NIL) {
		uint32_t pfn = rc->aside.head;
		vm_reclaim_list_del(rc->fr, &rc->aside, pfn);
		vm_reclaim_putback(rc, pfn);
	}
}

void vm_reclaim_rotate(vm_reclaim_t *rc, uint32_t pfn)
{
	g_return_if_fail(rc != NULL && pfn < rc->fr->nr);
	if (rc->fr->f[pfn].list == VM_RECLAIM_NONE || !rc->ops->rotate)
		return;
	rc->ops->rotate(rc, pfn);
}

uint64_t vm_reclaim_shadow(vm_reclaim_t *rc, uint32_t pfn)
{
	g_return_val_if_fail(pfn < rc->fr->nr, 0);
	if (!rc->ops->shadow)
		return 0;
	g_return_val_if_fail(rc->fr->f[pfn].list == VM_RECLAIM_NONE, 0);
	return rc->ops->shadow(rc, pfn);
}

gboolean vm_reclaim_refault(vm_reclaim_t *rc, uint32_t pfn, uint64_t shadow)
{
	gboolean recent;

	g_return_val_if_fail(pfn < rc->fr->nr, FALSE);
	if (!rc->ops->refault || shadow == 0)
		return FALSE;
	g_return_val_if_fail(rc->fr->f[pfn].list == VM_RECLAIM_NONE, FALSE);
	rc->stats.refault++;
	recent = rc->ops->refault(rc, pfn, shadow);
	rc->stats.refault_recent += recent;
	return recent;
}

/* ------------------------------------------------------------------ */
/* Helpers the policies share.                                         */
/* ------------------------------------------------------------------ */

void vm_reclaim_pair_init(vm_reclaim_pair_t *p)
{
	vm_reclaim_list_init(&p->l[VM_RECLAIM_ANON], VM_RECLAIM_ANON + 1);
	vm_reclaim_list_init(&p->l[VM_RECLAIM_FILE], VM_RECLAIM_FILE + 1);
}

void vm_reclaim_pair_push(vm_reclaim_t *rc, vm_reclaim_pair_t *p,
			  uint32_t pfn)
{
	pair_push(rc, p, pfn);
}

void vm_reclaim_pair_del(vm_reclaim_t *rc, vm_reclaim_pair_t *p,
			 uint32_t pfn)
{
	pair_del(rc, p, pfn);
}

uint32_t vm_reclaim_pair_oldest(const vm_reclaim_t *rc,
				const vm_reclaim_pair_t *p,
				gboolean want_anon, gboolean want_file)
{
	uint32_t a = want_anon ? p->l[VM_RECLAIM_ANON].tail : VM_NIL;
	uint32_t fl = want_file ? p->l[VM_RECLAIM_FILE].tail : VM_NIL;

	if (a == VM_NIL)
		return fl;
	if (fl == VM_NIL)
		return a;
	return rc->fr->f[a].stamp < rc->fr->f[fl].stamp ? a : fl;
}

void *vm_reclaim_pair_new(uint32_t nr_frames,
			  const vm_reclaim_params_t *params)
{
	vm_reclaim_pair_t *p = g_new(vm_reclaim_pair_t, 1);

	(void)nr_frames;
	(void)params;
	vm_reclaim_pair_init(p);
	return p;
}

void vm_reclaim_pair_free(void *priv)
{
	g_free(priv);
}

/* The pair holds list heads only: the links live in the frames. */
void *vm_reclaim_pair_clone(const void *priv, uint32_t nr_frames)
{
	(void)nr_frames;
	vm_reclaim_pair_t *p = g_new(vm_reclaim_pair_t, 1);

	*p = *(const vm_reclaim_pair_t *)priv;
	return p;
}

/* A new page is the newest: the head of its type's list. */
void vm_reclaim_pair_add_hook(vm_reclaim_t *rc, uint32_t pfn)
{
	pair_push(rc, rc->priv, pfn);
}

void vm_reclaim_pair_remove_hook(vm_reclaim_t *rc, uint32_t pfn)
{
	pair_del(rc, rc->priv, pfn);
}

void vm_reclaim_pair_rotate_hook(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_reclaim_pair_t *p = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_list_t *l = &p->l[vm_reclaim_type(f)];

	vm_reclaim_list_del(rc->fr, l, pfn);
	f->stamp = 0;
	vm_reclaim_list_add_tail(rc->fr, l, pfn);
}


uint32_t vm_reclaim_pair_victim(vm_reclaim_t *rc, gboolean want_anon,
				gboolean want_file)
{
	return pair_victim(rc, want_anon, want_file);
}
