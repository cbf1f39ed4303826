/*
 * The disk: when a block request submitted at a given simulated time
 * completes.  One core (disk.c) keeps the request queue's slots, the head
 * position and the counters; each disk type is an ops table in its own file
 * (disk-nvme.c, disk-ssd.c, disk-hdd.c, disk-ram.c) that only says how long
 * one request takes to serve.  Requests are counted in disk blocks of one
 * page each, so pages_in and pages_out (docs/statistics.md) are block counts.
 *
 * The queue has queue_depth slots, like the tags of a block-layer hardware
 * queue (Linux block/blk-mq-tag.c): a request takes the slot that frees
 * first (the lowest index on a tie), starts when both it has arrived and the
 * slot is free, and holds the slot until it completes.  Its service has two
 * parts.  The positioning part (ops->position: the device's latency, and an
 * hdd's seek) overlaps with other requests' service, as a device works on
 * several commands at once.  The transfer (bytes / disk.bandwidth) goes over
 * the one channel the requests share, first come first served, so requests
 * in service together never move data faster than disk.bandwidth:
 *
 *   queue_depth 2     r1  r2  r3 submitted at once
 *                     ▼   ▼   ▼
 *   slot 0            ├─ lat ─┼xfer1┤               r1
 *   slot 1            ├─ lat ─┼─────┼xfer2┤         r2 waits for the channel
 *   slot 0                          ├─ lat ─┼xfer3┤ r3 waits for slot 0
 *   channel                   ├xfer1┼xfer2┤ ├xfer3┤
 *   busy (union)      ├───────────────────────────┤ counted once
 *
 * First come first served rather than an equal share among the transfers
 * in flight: the aggregate is the same, and a request's completion time is
 * known when it is submitted and never moves, so that the page-cache and
 * swap code can stamp pages with it and completions come in submission
 * order.  A real device interleaves concurrent transfers; with equal
 * shares the first of several concurrent large requests would complete
 * later and the last at the same time as here.
 *
 * Service times (ops->position + the transfer; bytes = nr x page_size,
 * transfers rounded up to a whole nanosecond):
 *
 *   nvme, ssd   latency + bytes / bandwidth
 *   hdd         seek (when the request does not start at the block after
 *               the previous request's end) + latency + bytes / bandwidth;
 *               one head, so queue depth 1
 *   ram         bytes / bandwidth (a RAM disk: no per-request latency)
 *
 * The head starts at block 0 on every disk type, so an hdd's first request
 * pays a seek unless it starts at block 0.  Completion times are a pure
 * function of the requests and their submission times: no clock, no
 * randomness.
 *
 * Merging: vm_disk_merge_runs turns a sorted list of blocks into one
 * request per run of adjacent blocks, as the block layer's plug merges
 * contiguous bios (block/blk-merge.c), and splits runs longer than
 * VM_DISK_MAX_REQUEST_BYTES worth of blocks, the long-standing default of
 * Linux's max_sectors_kb (512 KiB; newer kernels allow up to 1280 KiB).
 * vm_disk_submit itself never splits: callers merge first.
 *
 * Left out: I/O schedulers and reordering (each
 * slot serves its requests in submission order), rotational latency as a
 * function of the angle, seek time as a function of distance, SSD garbage
 * collection, write caches and flushes, and errors.
 */
#ifndef VM_DISK_H
#define VM_DISK_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "models/params.h"
#include "models/policy.h"

/* Linux's max_sectors_kb default: longer runs become several requests. */
#define VM_DISK_MAX_REQUEST_BYTES (512u * 1024u)
/* Transfers saturate here (292 years), so that a type can add its
 * latencies (at most a second each) without overflowing. */
#define VM_DISK_NS_MAX ((uint64_t)INT64_MAX)

typedef enum {
	VM_DISK_READ = 0,
	VM_DISK_WRITE = 1,
} vm_disk_dir_t;

/* One request: @nr adjacent blocks from @start, read or written. */
typedef struct {
	uint64_t start;      /* first block */
	uint32_t nr;         /* blocks, at least 1 */
	vm_disk_dir_t dir;
	uint64_t tag;        /* the caller's, carried to its completion event */
} vm_disk_req_t;

/* The timing of one submitted request, kept for narration. */
typedef struct {
	uint64_t submit_ns;  /* when it was submitted (late ones: clamped) */
	uint64_t start_ns;   /* when it got a slot and began service */
	uint64_t service_ns; /* done_ns - start_ns: positioning, any wait for
			      * the channel, and the transfer */
	uint64_t done_ns;    /* start_ns + service_ns: its completion */
	uint32_t slot;       /* the queue slot it held */
	gboolean seeked;     /* it did not start at the head (hdd: paid seek) */
} vm_disk_io_t;

typedef struct {
	uint64_t reads;      /* read requests: docs/statistics.md disk_reads */
	uint64_t writes;     /* write requests: disk_writes */
	uint64_t pages_in;   /* blocks read */
	uint64_t pages_out;  /* blocks written */
	uint64_t busy_ns;    /* time with a request in service, overlaps once;
			      * runs ahead of the clock (see busy_ns_at) */
	uint64_t seeks;      /* requests not starting at the head (hdd: seek) */
	uint64_t queued;     /* requests that waited for a free slot */
	uint64_t queue_ns;   /* their total wait: queue saturation */
	uint64_t chan_waits; /* requests whose transfer waited for the channel */
	uint64_t chan_ns;    /* ... and how long, in all */
	uint64_t late;       /* submissions stamped before the previous one,
			      * taken as arriving with it: the caller's
			      * clocks disagree (0 in a consistent engine) */
} vm_disk_stats_t;

typedef struct vm_disk vm_disk_t;

/*
 * A disk type.  Optional hooks may be NULL.
 */
typedef struct {
	vm_policy_t policy;   /* name, narration, help, flags (policy.h) */
	/* Slots the device can have in service at once; 0: no limit beyond
	 * disk.queue_depth.  The hdd's single head makes it 1. */
	uint32_t max_queue_depth;
	/* The block layer's rotational flag (/sys/block/X/queue/rotational):
	 * swap on such a disk turns Linux's swap-in readahead from the
	 * VMA's to the swap area's (swap_use_vma_readahead, models/swap.c). */
	gboolean rotational;
	/* Private state for @d (all its parameters are set); NULL if none. */
	void *(*init)(const vm_disk_t *d);
	void (*destroy)(void *priv);
	/* A deep copy of @priv for the copy @d (snapshots, models/clone.c).
	 * Required when init is set; no type here keeps state of its own
	 * (the queue and the head are the core's), so all leave it NULL. */
	void *(*clone)(const vm_disk_t *d, const void *priv);
	/* Nanoseconds @req spends before its data moves (latency, seek).
	 * Called once per request, in submission order, before d->head moves
	 * past @req, so d->head is still the block after the previous
	 * request's end.  The core adds the transfer. */
	uint64_t (*position)(vm_disk_t *d, const vm_disk_req_t *req);
} vm_disk_ops_t;

struct vm_disk {
	const vm_disk_ops_t *ops;
	void *priv;              /* the type's state */
	uint64_t page_size;      /* bytes per block */
	uint64_t latency;        /* ns per request (ram ignores it) */
	uint64_t seek;           /* ns per non-sequential request (hdd) */
	uint64_t bandwidth;      /* bytes per second, > 0 */
	uint32_t queue_depth;    /* slots: disk.queue_depth, capped by type */
	uint32_t max_blocks;     /* VM_DISK_MAX_REQUEST_BYTES in blocks, >= 1 */
	uint64_t *slot_free;     /* queue_depth entries: when each slot's last
				  * request completes (0: never used) */
	uint32_t next_slot;      /* the slot that frees first (disk.c
				  * earliest_slot), unless rr_unordered */
	gboolean rr_unordered;   /* a completion was not later than the one
				  * before (saturated): scan the slots */
	uint64_t head;           /* the block after the previous request */
	uint64_t chan_free;      /* when the transfer channel is free */
	uint64_t last_submit;    /* the latest submission's (clamped) time */
	uint64_t busy_from;      /* start of the busy union's last stretch */
	uint64_t busy_until;     /* end of the busy intervals' union so far */
	vm_disk_io_t last;       /* the latest request's timing */
	vm_disk_stats_t stats;   /* read by the caller, never reset here */
	/* An observer told of every request as it is submitted, with its
	 * timing (the timeline, sim/timeline.c); NULL unless someone asked,
	 * so the replay pays one untaken branch per request. */
	void (*on_io)(void *ctx, const vm_disk_t *d, const vm_disk_req_t *req,
		      const vm_disk_io_t *io);
	void *on_io_ctx;
};

/* The type registry: NULL-terminated, the default (nvme) first. */
extern const vm_disk_ops_t *const vm_disk_types[];
const vm_disk_ops_t *vm_disk_type_find(const char *name);

extern const vm_disk_ops_t vm_disk_type_nvme;
extern const vm_disk_ops_t vm_disk_type_ssd;
extern const vm_disk_ops_t vm_disk_type_hdd;
extern const vm_disk_ops_t vm_disk_type_ram;

/*
 * The disk of @cfg: disk.type, disk.latency, disk.seek, disk.bandwidth,
 * disk.queue_depth (capped by the type's max_queue_depth) and page_size as
 * the block size.  Allocates everything it will ever need.  Returns NULL on
 * a programmer error (an unknown type, a zero bandwidth, queue depth or
 * page size: sim/config.c rejects them all).
 */
vm_disk_t *vm_disk_new(const vm_config_t *cfg);
/* Free @d and its type's state; NULL is allowed. */
void vm_disk_free(vm_disk_t *d);

/*
 * Submit @req at simulated time @now_ns.  Counts it and returns its
 * completion time (> @now_ns), for the caller to turn into an event;
 * d->last holds the details.  The queue is served in submission order: a
 * @now_ns earlier than the previous submission's is taken as that time (the
 * request queues behind it) and counted in stats.late, which keeps every
 * result deterministic and busy_ns exact.  Returns 0 on a programmer error
 * (no blocks, a bad direction).  O(queue_depth), no allocation.
 */
uint64_t vm_disk_submit(vm_disk_t *d, uint64_t now_ns,
			const vm_disk_req_t *req);

/*
 * Bytes over bandwidth for @nr blocks, rounded up to a whole nanosecond
 * (saturating at VM_DISK_NS_MAX): the transfer part of every type's service.
 */
uint64_t vm_disk_transfer_ns(const vm_disk_t *d, uint64_t nr);

/*
 * Cut the strictly increasing blocks @blocks[0..@nr_blocks) into requests of
 * adjacent blocks, each at most @max_nr long (callers pass d->max_blocks),
 * with direction @dir and tag @tag, written to @out, which must have room for
 * @nr_blocks requests.  Returns how many it wrote; 0 for no blocks and on a
 * programmer error (blocks not strictly increasing, @max_nr 0).
 *
 *   blocks 3 4 5 6 9 10 12     max_nr 3  ─►  [3+3] [6+1] [9+2] [12+1]
 */
size_t vm_disk_merge_runs(const uint64_t *blocks, size_t nr_blocks,
			  uint32_t max_nr, vm_disk_dir_t dir, uint64_t tag,
			  vm_disk_req_t *out);

/* When every request submitted so far has completed (the last submission's
 * time when idle): what an fsync or the end of a run waits for. */
uint64_t vm_disk_idle_at(const vm_disk_t *d);

/* Slots busy (serving, or holding a request that waits) at @now_ns, at
 * most d->queue_depth; exact from the last submission's time on. */
uint32_t vm_disk_nr_busy(const vm_disk_t *d, uint64_t now_ns);

/* disk_busy_ns as of @now_ns: stats.busy_ns without the part of the busy
 * union after @now_ns.  Exact from the start of the last busy stretch on
 * (so from the last submission's time on); before it, the whole last
 * stretch is left out and earlier ones counted in full. */
uint64_t vm_disk_busy_ns_at(const vm_disk_t *d, uint64_t now_ns);

#endif
