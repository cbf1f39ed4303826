/*
 * Fixed readahead, the textbook policy: every miss, by read() or by a page
 * fault, reads readahead.max pages starting at the missing page.  No
 * markers, no growth, no sequential detection, no mmap_miss, and madvise
 * hints are ignored; MADV_WILLNEED reads its range up to the limit, as
 * Linux's does.  A baseline to compare ra-linux against: it wins on streams
 * that are too short to ramp up and loses on random access, where most of
 * each window is wasted.
 *
 *   miss at 7, max 8:   . . . . . . . [7 8 9 10 11 12 13 14] . . .
 */
#include "models/readahead.h"

/* At least the missing page, even with readahead.max 0. */
static vm_ra_window_t fixed_window(const vm_ra_params_t *p, uint64_t index)
{
	return vm_ra_window_plain(index, MAX(p->max, 1), VM_RA_FIXED);
}

static vm_ra_window_t fixed_sync_read(const vm_ra_params_t *p,
				      vm_ra_state_t *ra,
				      const vm_ra_query_t *q, uint64_t index,
				      uint64_t req)
{
	(void)ra;
	(void)q;
	(void)req;
	return fixed_window(p, index);
}

static vm_ra_window_t fixed_mmap_fault_miss(const vm_ra_params_t *p,
					    vm_ra_state_t *ra,
					    const vm_ra_query_t *q,
					    uint64_t index, vm_madv_t advice)
{
	(void)ra;
	(void)q;
	(void)advice;
	return fixed_window(p, index);
}

static vm_ra_window_t fixed_willneed(const vm_ra_params_t *p,
				     vm_ra_state_t *ra,
				     const vm_ra_query_t *q, uint64_t index,
				     uint64_t nr)
{
	(void)ra;
	(void)q;
	return vm_ra_window_plain(index, MIN(nr, p->max), VM_RA_WILLNEED);
}

/* No markers are ever set, so async_read and mmap_fault_hit never fire. */
const vm_ra_ops_t vm_ra_policy_fixed = {
	.policy = {
		.name = "fixed",
		.why = "reads a fixed window",
		.help = "every miss reads readahead.max from the missing "
			"page on: no ramp-up, no marker",
	},
	.sync_read = fixed_sync_read,
	.mmap_fault_miss = fixed_mmap_fault_miss,
	.willneed = fixed_willneed,
};
