/*
 * An NVMe solid-state disk: every request costs the device's fixed latency
 * (command submission, flash read or program, completion interrupt) plus
 * its size over the bandwidth, wherever it lies: flash has no head, so
 * random and sequential requests of one size take the same time.  Up to
 * disk.queue_depth requests are in service at once, each on its own slot,
 * as NVMe's deep submission queues allow (up to 64K commands per queue).
 *
 *   request │── latency ──│── bytes / bandwidth ──│ done
 *
 * The default profile's 80 us and 2 GB/s make a 4 KiB read 80 + 2 us:
 * latency dominates small requests, which is why readahead and merging pay
 * off even without a seek.  Left out: multiple submission queues, internal
 * parallelism across flash channels, and garbage collection.
 */
#include "models/disk.h"

static uint64_t nvme_position(vm_disk_t *d, const vm_disk_req_t *req)
{
	(void)req;
	return d->latency;
}

const vm_disk_ops_t vm_disk_type_nvme = {
	.policy = {
		.name = "nvme",
		.why = "latency plus size over bandwidth, deep queue",
		.help = "NVMe flash: disk.latency + size / disk.bandwidth "
			"per request, disk.queue_depth in service",
	},
	.position = nvme_position,
};
