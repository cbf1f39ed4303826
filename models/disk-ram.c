/*
 * A RAM disk, as Linux's brd or zram without compression: a request is a
 * memory copy, so it costs only its size over disk.bandwidth, with no
 * per-request latency (disk.latency is ignored) and no position cost.  It
 * isolates what the rest of the machine does from what storage costs: with
 * a RAM disk, paging shows its fault and copy overheads alone.
 *
 *   request │── bytes / bandwidth ──│ done
 *
 * Left out: the CPU time of the copy (the simulated CPU is not charged) and
 * zram's compression.
 */
#include "models/disk.h"

static uint64_t ram_position(vm_disk_t *d, const vm_disk_req_t *req)
{
	(void)d;
	(void)req;
	return 0;
}

const vm_disk_ops_t vm_disk_type_ram = {
	.policy = {
		.name = "ram",
		.why = "size over bandwidth only",
		.help = "a RAM disk: size / disk.bandwidth, no latency or "
			"seek",
	},
	.position = ram_position,
};
