/*
 * No readahead: a read() miss reads the pages the read asked for (at most
 * readahead.max of them at a time, one with readahead.max=0: a longer read goes on with the next
 * window when it reaches it, so that a read larger than memory works), a
 * fault reads its one page, and MADV_WILLNEED (a hint) reads nothing.
 * Demand paging as in the textbooks, and what the `tiny` profile uses so
 * that a trace can be followed by hand.  (Linux with read_ahead_kb=0
 * reads one page at a time.)
 *
 *   read of 3 pages at 7:   . . . . . . . [7 8 9] . . .
 *   fault at 7:             . . . . . . . [7] . . . . .
 */
#include "models/readahead.h"

static vm_ra_window_t none_sync_read(const vm_ra_params_t *p,
				     vm_ra_state_t *ra,
				     const vm_ra_query_t *q, uint64_t index,
				     uint64_t req)
{
	(void)ra;
	(void)q;
	uint64_t cap = p->max ? p->max : 1;   /* readahead.max=0: a page */
	if (req > cap)
		req = cap;
	return vm_ra_window_plain(index, req, VM_RA_REQUEST);
}

static vm_ra_window_t none_mmap_fault_miss(const vm_ra_params_t *p,
					   vm_ra_state_t *ra,
					   const vm_ra_query_t *q,
					   uint64_t index, vm_madv_t advice)
{
	(void)p;
	(void)ra;
	(void)q;
	(void)advice;
	return vm_ra_window_plain(index, 1, VM_RA_REQUEST);
}

const vm_ra_ops_t vm_ra_policy_none = {
	.policy = {
		.name = "none",
		.why = "reads only what was asked for",
		.help = "demand paging as in textbooks: a miss reads only "
			"the pages asked for",
	},
	.sync_read = none_sync_read,
	.mmap_fault_miss = none_mmap_fault_miss,
};
