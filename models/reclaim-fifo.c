/*
 * First-in first-out page replacement: pages leave in the order they came,
 * and accesses change nothing (docs/profiles.md, reclaim.policy=fifo).  The
 * textbook policy that shows Belady's anomaly: on 1 2 3 4 1 2 5 1 2 3 4 5 it
 * faults 9 times with 3 frames and 10 times with 4.  One list per type in
 * load order (reclaim.c's pair lists); the victim is the older of the wanted
 * tails, so the order is one global queue.  A page put back rejoins at the
 * head, as if just loaded.
 *
 *   anon: head [ 4  3  2 ] tail   victim: 2, the first loaded
 */
#include "models/reclaim.h"

const vm_reclaim_ops_t vm_reclaim_policy_fifo = {
	.policy = {
		.name = "fifo",
		.why = "the one loaded longest ago",
		.help = "first in, first out: accesses change nothing "
			"(Belady's anomaly)",
	},
	.init = vm_reclaim_pair_new,
	.destroy = vm_reclaim_pair_free,
	.clone = vm_reclaim_pair_clone,
	.add = vm_reclaim_pair_add_hook,
	.remove = vm_reclaim_pair_remove_hook,
	.rotate = vm_reclaim_pair_rotate_hook,
	.victim = vm_reclaim_pair_victim,
	/* no access hook: a referenced page's access changes nothing */
	.quiet_flags = VM_FRAME_REFERENCED,
};
