/*
 * A SATA solid-state disk: timed as NVMe is, a fixed latency plus size over
 * bandwidth with no position cost, and told apart by the profile's numbers
 * (a SATA SSD has more latency and about a quarter of an NVMe drive's
 * bandwidth: the 6 Gb/s link carries some 550 MB/s).  It is its own type so
 * that a student can give it what NVMe lacks: SATA NCQ's limit of 32
 * commands (set max_queue_depth), or a write cache that fills up.
 *
 *   request │── latency ──│── bytes / bandwidth ──│ done
 *
 * Left out: the AHCI command path, TRIM, and garbage collection stalls.
 */
#include "models/disk.h"

static uint64_t ssd_position(vm_disk_t *d, const vm_disk_req_t *req)
{
	(void)req;
	return d->latency;
}

const vm_disk_ops_t vm_disk_type_ssd = {
	.policy = {
		.name = "ssd",
		.why = "latency plus size over bandwidth",
		.help = "SATA flash: timed as nvme; the profile gives it "
			"more latency and less bandwidth",
	},
	.position = ssd_position,
};
