/*
 * The readahead core: the policy registry, the entry points every caller
 * goes through, and the helpers the policies share (the window sizes of
 * Linux's get_init_ra_size and get_next_ra_size).  See readahead.h for the
 * picture of a window.
 *
 * The entry points clamp each window to the file, so no policy can read
 * past EOF, as do_page_cache_ra and page_cache_ra_order stop at the page
 * holding the last byte:
 *
 *            EOF (nr_pages)
 *   window   |
 *   [=====#==|.......)   ->   [=====#==)      marker kept
 *   [========|==#....)   ->   [========)      marker past EOF: dropped
 *
 * The file's state keeps the unclamped size, as ra->size does in Linux,
 * so the next window grows from it.
 */
#include <string.h>

#include "models/readahead.h"

/*
 * The registry, the default (linux) first: one line per policy, P(NAME)
 * for the ops table vm_ra_policy_NAME of models/ra-NAME.c.  The line both
 * declares the table and lists it, so a new policy is its file and one
 * line here (docs/guide.md, "Add a reclaim policy"); config, narration and
 * the listings find it through models/policy.h.
 */
#define REGISTRY(P) \
	P(linux) \
	P(fixed) \
	P(none)

#define DECLARE(name) extern const vm_ra_ops_t vm_ra_policy_##name;
REGISTRY(DECLARE)
#define ENTRY(name) &vm_ra_policy_##name,
const vm_ra_ops_t *const vm_ra_policies[] = { REGISTRY(ENTRY) NULL };
#undef ENTRY
#undef DECLARE

const vm_ra_ops_t *vm_ra_policy_find(const char *name)
{
	g_return_val_if_fail(name != NULL, NULL);

	for (unsigned i = 0; vm_ra_policies[i]; i++)
		if (strcmp(vm_ra_policies[i]->policy.name, name) == 0)
			return vm_ra_policies[i];
	return NULL;
}

void vm_ra_params_default(vm_ra_params_t *p)
{
	g_return_if_fail(p != NULL);

	p->max = VM_RA_DEFAULT_MAX;
	p->mmap_miss_limit = VM_RA_MMAP_LOTSAMISS;
	p->max_folio_order = VM_RA_DEFAULT_FOLIO_ORDER;
}

void vm_ra_init(vm_ra_t *r, const vm_ra_ops_t *ops,
		const vm_ra_params_t *params)
{
	g_return_if_fail(r != NULL && ops != NULL);

	r->ops = ops;
	if (params)
		r->params = *params;
	else
		vm_ra_params_default(&r->params);
}

void vm_ra_state_init(vm_ra_state_t *ra)
{
	g_return_if_fail(ra != NULL);

	memset(ra, 0, sizeof(*ra));
	ra->prev_index = VM_RA_NONE;
}

void vm_ra_read_done(vm_ra_state_t *ra, uint64_t end_pos,
		     uint32_t page_shift)
{
	g_return_if_fail(ra != NULL && page_shift < 64);

	ra->prev_index = end_pos >> page_shift;
}

vm_ra_window_t vm_ra_window_empty(vm_ra_reason_t reason)
{
	vm_ra_window_t w = {
		.start = 0, .nr = 0, .marker = VM_RA_NONE,
		.clear_marker = FALSE, .reason = reason, .order = 0,
	};
	return w;
}

vm_ra_window_t vm_ra_window_plain(uint64_t start, uint64_t nr,
				  vm_ra_reason_t reason)
{
	vm_ra_window_t w = vm_ra_window_empty(reason);

	w.start = start;
	w.nr = nr;
	return w;
}

vm_ra_window_t vm_ra_window_of(const vm_ra_state_t *ra,
			       vm_ra_reason_t reason)
{
	vm_ra_window_t w = vm_ra_window_plain(ra->start, ra->size, reason);

	g_assert(ra->async_size <= ra->size);
	/* async_size 0 means no lookahead: Linux compares the page number
	 * with nr - 0, which no page of the window has. */
	if (ra->async_size)
		w.marker = ra->start + ra->size - ra->async_size;
	w.order = ra->order;
	return w;
}

/* The smallest power of two >= @n (n >= 1), as roundup_pow_of_two. */
static uint64_t roundup_pow2(uint64_t n)
{
	if (n <= 1)
		return 1;
	return UINT64_C(1) << (64 - __builtin_clzll(n - 1));
}

/*
 * Small reads start with a window four times their size, medium ones twice,
 * large ones the limit, after rounding the request up to a power of two:
 * for max 32 pages (128 KiB), a 1-page read gets 4 pages, 2 pages get 4,
 * 3-4 get 8, 5-8 get 16 and anything larger 32.  A reader that asks for
 * little has not shown it is streaming, so the first bet is small.
 */
uint64_t vm_ra_init_size(uint64_t req, uint64_t max)
{
	uint64_t size = roundup_pow2(req);

	if (size <= max / 32)
		return size * 4;
	if (size <= max / 4)
		return size * 2;
	return max;
}

/* Ramp up fast while far from the limit, then double, then stay there. */
uint64_t vm_ra_next_size(uint64_t cur, uint64_t max)
{
	if (cur < max / 16)
		return cur * 4;
	if (cur <= max / 2)
		return cur * 2;
	return max;
}

const char *vm_ra_reason_name(vm_ra_reason_t reason)
{
	static const char *const names[VM_RA_NR_REASONS] = {
		[VM_RA_NOTHING] = "nothing",
		[VM_RA_REQUEST] = "request",
		[VM_RA_INITIAL] = "initial",
		[VM_RA_CONTEXT] = "context",
		[VM_RA_RAMP] = "ramp",
		[VM_RA_INTERLEAVED] = "interleaved",
		[VM_RA_READAROUND] = "read-around",
		[VM_RA_WILLNEED] = "willneed",
		[VM_RA_FIXED] = "fixed",
	};

	g_return_val_if_fail((unsigned)reason < VM_RA_NR_REASONS, "?");
	return names[reason];
}

/* Cut @w at EOF; a marker outside what is left goes. */
static vm_ra_window_t clamp(vm_ra_window_t w, const vm_ra_query_t *q)
{
	if (w.start >= q->nr_pages)
		w.nr = 0;
	else if (w.nr > q->nr_pages - w.start)
		w.nr = q->nr_pages - w.start;
	if (w.nr == 0 || w.marker < w.start || w.marker - w.start >= w.nr)
		w.marker = VM_RA_NONE;
	return w;
}

static gboolean args_ok(const vm_ra_t *r, const vm_ra_state_t *ra,
			const vm_ra_query_t *q)
{
	return r != NULL && r->ops != NULL && ra != NULL && q != NULL &&
	       q->cached != NULL;
}

vm_ra_window_t vm_ra_sync_read(const vm_ra_t *r, vm_ra_state_t *ra,
			       const vm_ra_query_t *q, uint64_t index,
			       uint64_t req)
{
	g_return_val_if_fail(args_ok(r, ra, q),
			     vm_ra_window_empty(VM_RA_NOTHING));

	if (!r->ops->sync_read)
		return vm_ra_window_empty(VM_RA_NOTHING);
	return clamp(r->ops->sync_read(&r->params, ra, q, index,
				       req ? req : 1), q);
}

vm_ra_window_t vm_ra_async_read(const vm_ra_t *r, vm_ra_state_t *ra,
				const vm_ra_query_t *q, uint64_t index,
				uint64_t req)
{
	g_return_val_if_fail(args_ok(r, ra, q),
			     vm_ra_window_empty(VM_RA_NOTHING));

	if (!r->ops->async_read)
		return vm_ra_window_empty(VM_RA_NOTHING);
	return clamp(r->ops->async_read(&r->params, ra, q, index,
					req ? req : 1), q);
}

vm_ra_window_t vm_ra_mmap_fault_miss(const vm_ra_t *r, vm_ra_state_t *ra,
				     const vm_ra_query_t *q, uint64_t index,
				     vm_madv_t advice)
{
	g_return_val_if_fail(args_ok(r, ra, q),
			     vm_ra_window_empty(VM_RA_NOTHING));

	if (!r->ops->mmap_fault_miss)
		return vm_ra_window_empty(VM_RA_NOTHING);
	return clamp(r->ops->mmap_fault_miss(&r->params, ra, q, index,
					     advice), q);
}

vm_ra_window_t vm_ra_mmap_fault_hit(const vm_ra_t *r, vm_ra_state_t *ra,
				    const vm_ra_query_t *q, uint64_t index,
				    vm_madv_t advice, gboolean marker)
{
	g_return_val_if_fail(args_ok(r, ra, q),
			     vm_ra_window_empty(VM_RA_NOTHING));

	if (!r->ops->mmap_fault_hit)
		return vm_ra_window_empty(VM_RA_NOTHING);
	return clamp(r->ops->mmap_fault_hit(&r->params, ra, q, index, advice,
					    marker), q);
}

vm_ra_window_t vm_ra_willneed(const vm_ra_t *r, vm_ra_state_t *ra,
			      const vm_ra_query_t *q, uint64_t index,
			      uint64_t nr)
{
	g_return_val_if_fail(args_ok(r, ra, q),
			     vm_ra_window_empty(VM_RA_NOTHING));

	if (!r->ops->willneed || nr == 0)
		return vm_ra_window_empty(VM_RA_NOTHING);
	return clamp(r->ops->willneed(&r->params, ra, q, index, nr), q);
}
