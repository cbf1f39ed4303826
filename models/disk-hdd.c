/*
 * A hard disk: one head over spinning platters.  A request that starts at
 * the block after the previous request's end finds the head already there
 * and pays only the latency (disk.latency: rotational delay and command
 * overhead) and the transfer; any other request first pays disk.seek.  The
 * single head serves one request at a time, so the queue depth is 1
 * whatever the profile says.
 *
 *   head after req 1 ─┐
 *   blocks  │ req 1 ██│ req 2 ██│     │ req 3 ██│
 *                       sequential:    random: seek + latency + transfer
 *                       latency + transfer
 *
 * With the seed-hdd profile (seek 5 ms, no latency, 204,800,000 B/s, so a
 * 4 KiB page moves in exactly 20 us) a random one-page read takes
 * 5,020,000 ns and the next page after it 20,000 ns: the 250-to-1 gap that
 * makes sequential access, readahead and clustered swap matter.
 *
 * Left out: seek time growing with distance, rotational position (a fixed
 * average stands in for it), elevator scheduling (requests are served in
 * the order they come), track buffers and zoned recording.
 */
#include "models/disk.h"

static uint64_t hdd_position(vm_disk_t *d, const vm_disk_req_t *req)
{
	uint64_t seek = req->start != d->head ? d->seek : 0;

	return seek + d->latency;
}

const vm_disk_ops_t vm_disk_type_hdd = {
	.rotational = TRUE,
	.policy = {
		.name = "hdd",
		.why = "a seek when not sequential, one request at a time",
		.help = "hard disk: disk.seek when a request does not start "
			"where the previous ended; one at a time",
	},
	.max_queue_depth = 1,   /* one head */
	.position = hdd_position,
};
