/*
 * The disk core: the registry of disk types, the queue's slots, the head,
 * the busy-time union and the counters; the types (disk-nvme.c,
 * disk-ssd.c, disk-hdd.c, disk-ram.c) only time one request.  Everything
 * is allocated in vm_disk_new; a submission takes the next slot round
 * robin (earliest_slot says why that is the earliest free) and allocates
 * nothing.
 *
 *   submit(now, req) ─► slot s = earliest free (lowest index on a tie)
 *                        start = max(now, slot_free[s])
 *                        xfer  = max(start + ops->position(d, req), chan_free)
 *                        done  = xfer + bytes / bandwidth
 *                        slot_free[s] = chan_free = done
 *                        head = req.start + req.nr
 *
 * Completions come in submission order: each transfer starts no earlier
 * than the channel frees from the one before.
 *
 * Why the busy union needs only one number: submissions come in time order
 * and each takes the earliest-free slot, so the smallest slot_free never
 * decreases and neither do service start times.  An interval starting at
 * or after busy_until opens a new stretch of busy time; one starting before
 * it adds only what sticks out past it.
 *
 *   [====== A ======)            busy_until: the end of A
 *        [=== B ===========)     busy_ns += end of B - end of A, not all
 *                                of B; busy_until: the end of B
 *
 * Left out: everything disk.h lists.  Modelled on the tag allocation of
 * Linux's blk-mq (block/blk-mq-tag.c), with time instead of waiting.
 */
#include <string.h>

#include "models/disk.h"

/*
 * The registry, the default (nvme) first: one line per policy, P(NAME) for
 * the ops table vm_disk_type_NAME of models/disk-NAME.c.  The line both
 * declares the table and lists it, so a new policy is its file and one
 * line here (docs/guide.md, "Add a reclaim policy"); config, narration and
 * the listings find it through models/policy.h.
 */
#define REGISTRY(P) \
	P(nvme) \
	P(ssd) \
	P(hdd) \
	P(ram)

#define DECLARE(name) extern const vm_disk_ops_t vm_disk_type_##name;
REGISTRY(DECLARE)
#define ENTRY(name) &vm_disk_type_##name,
const vm_disk_ops_t *const vm_disk_types[] = { REGISTRY(ENTRY) NULL };
#undef ENTRY
#undef DECLARE

/* The registered disk type called @name, or NULL when there is none. */
const vm_disk_ops_t *vm_disk_type_find(const char *name)
{
	g_return_val_if_fail(name != NULL, NULL);

	for (unsigned i = 0; vm_disk_types[i]; i++)
		if (strcmp(vm_disk_types[i]->policy.name, name) == 0)
			return vm_disk_types[i];
	return NULL;
}

vm_disk_t *vm_disk_new(const vm_config_t *cfg)
{
	const vm_disk_ops_t *ops;
	vm_disk_t *d;
	uint32_t qd;

	g_return_val_if_fail(cfg != NULL, NULL);
	ops = vm_disk_type_find(cfg->disk_type);
	g_return_val_if_fail(ops != NULL && ops->position != NULL, NULL);
	g_return_val_if_fail(cfg->disk_bandwidth > 0 &&
			     cfg->disk_bandwidth <= VM_DISK_NS_MAX, NULL);
	g_return_val_if_fail(cfg->disk_queue_depth > 0, NULL);
	g_return_val_if_fail(cfg->page_size > 0, NULL);

	qd = cfg->disk_queue_depth;
	if (ops->max_queue_depth && qd > ops->max_queue_depth)
		qd = ops->max_queue_depth;

	d = g_new0(vm_disk_t, 1);
	d->ops = ops;
	d->page_size = cfg->page_size;
	d->latency = cfg->disk_latency;
	d->seek = cfg->disk_seek;
	d->bandwidth = cfg->disk_bandwidth;
	d->queue_depth = qd;
	/* Pages larger than the limit still make one-block requests. */
	d->max_blocks = cfg->page_size >= VM_DISK_MAX_REQUEST_BYTES ? 1
		: (uint32_t)(VM_DISK_MAX_REQUEST_BYTES / cfg->page_size);
	d->slot_free = g_new0(uint64_t, qd);
	d->priv = ops->init ? ops->init(d) : NULL;
	return d;
}

void vm_disk_free(vm_disk_t *d)
{
	if (!d)
		return;
	if (d->ops->destroy)
		d->ops->destroy(d->priv);
	g_free(d->slot_free);
	g_free(d);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * ceil(@a * @m / @b) for @a < @b < 2^63, by binary long division over the
 * bits of @m, so that no product needs more than 64 bits: the remainder
 * stays below @b, and twice it, or it plus @a, below 2^64.
 */
static uint64_t mul_div_ceil(uint64_t a, uint64_t m, uint64_t b)
{
	uint64_t q = 0, rem = 0;

	for (int bit = 63; bit >= 0; bit--) {
		q <<= 1;
		rem <<= 1;
		if (rem >= b) {
			rem -= b;
			q++;
		}
		if (m >> bit & 1) {
			rem += a;
			if (rem >= b) {
				rem -= b;
				q++;
			}
		}
	}
	return q + (rem != 0);
}

/*
 * ceil(nr * page_size * 1e9 / bandwidth), as whole seconds plus a rounded
 * up fraction: bytes x 1e9 overflows 64 bits from 18 GB on, and C11 has no
 * wider integer.  The fraction is exact in 64 bits whenever the bandwidth
 * is under 18 GB/s; faster disks take the long division.
 */
uint64_t vm_disk_transfer_ns(const vm_disk_t *d, uint64_t nr)
{
	const uint64_t ns_per_s = 1000000000u;
	uint64_t bytes, secs, rem, frac;

	g_return_val_if_fail(d != NULL, 0);
	if (nr > UINT64_MAX / d->page_size)
		return VM_DISK_NS_MAX;
	bytes = nr * d->page_size;
	secs = bytes / d->bandwidth;
	rem = bytes % d->bandwidth;
	if (secs >= VM_DISK_NS_MAX / ns_per_s)
		return VM_DISK_NS_MAX;
	if (rem <= UINT64_MAX / ns_per_s) {
		uint64_t x = rem * ns_per_s;   /* x + bandwidth could wrap */

		frac = x / d->bandwidth + (x % d->bandwidth != 0);
	} else
		frac = mul_div_ceil(rem, ns_per_s, d->bandwidth);
	return secs * ns_per_s + frac;
}

/*
 * The slot that frees first; the lowest index wins a tie.  Every request
 * completes later than every one before it (its transfer waits for the
 * channel, which the one before held until its completion, and lasts at
 * least 1 ns), so the slots free in the order they were taken: round
 * robin from slot 0, since at time 0 all are free and the lowest wins.
 * That is next_slot, with no scan of queue_depth slots per request.  Only
 * a completion time saturated at UINT64_MAX could break the order; the
 * submission that sees one sets rr_unordered, and the scan takes over.
 */
static uint32_t earliest_slot(const vm_disk_t *d)
{
	if (G_LIKELY(!d->rr_unordered))
		return d->next_slot;

	uint32_t s = 0;

	for (uint32_t i = 1; i < d->queue_depth; i++)
		if (d->slot_free[i] < d->slot_free[s])
			s = i;
	return s;
}

/* Add [start, end) to the union of busy intervals; starts never decrease. */
static void add_busy(vm_disk_t *d, uint64_t start, uint64_t end)
{
	if (end <= d->busy_until)
		return;
	if (start > d->busy_until)       /* idle since: a new stretch */
		d->busy_from = start;
	d->stats.busy_ns += end - MAX(start, d->busy_until);
	d->busy_until = end;
}

static void count(vm_disk_t *d, const vm_disk_req_t *req)
{
	if (req->dir == VM_DISK_WRITE) {
		d->stats.writes++;
		d->stats.pages_out += req->nr;
	} else {
		d->stats.reads++;
		d->stats.pages_in += req->nr;
	}
}

uint64_t vm_disk_submit(vm_disk_t *d, uint64_t now_ns,
			const vm_disk_req_t *req)
{
	vm_disk_io_t *io;
	uint32_t s;
	uint64_t service;

	g_return_val_if_fail(d != NULL && req != NULL, 0);
	g_return_val_if_fail(req->nr > 0, 0);
	g_return_val_if_fail(req->dir == VM_DISK_READ ||
			     req->dir == VM_DISK_WRITE, 0);

	/* Served in submission order, so a request cannot arrive before the
	 * one already queued: this is what keeps start times monotonic. */
	if (G_UNLIKELY(now_ns < d->last_submit)) {
		d->stats.late++;
		now_ns = d->last_submit;
	}
	s = earliest_slot(d);
	io = &d->last;
	io->submit_ns = now_ns;
	io->start_ns = MAX(now_ns, d->slot_free[s]);
	io->seeked = req->start != d->head;
	uint64_t ready = add_sat(io->start_ns, d->ops->position(d, req));
	uint64_t xfer = MAX(ready, d->chan_free);
	if (xfer > ready) {
		d->stats.chan_waits++;
		d->stats.chan_ns += xfer - ready;
	}
	io->done_ns = add_sat(xfer, vm_disk_transfer_ns(d, req->nr));
	service = io->done_ns - io->start_ns;
	g_assert(service > 0);
	io->service_ns = service;
	io->slot = s;
	if (io->done_ns <= d->chan_free)
		d->rr_unordered = TRUE;
	d->next_slot = s + 1 == d->queue_depth ? 0 : s + 1;
	d->slot_free[s] = io->done_ns;
	d->chan_free = io->done_ns;
	d->head = req->start + req->nr;
	d->last_submit = now_ns;
	add_busy(d, io->start_ns, io->done_ns);
	if (io->seeked)
		d->stats.seeks++;
	if (io->start_ns > now_ns) {
		d->stats.queued++;
		d->stats.queue_ns += io->start_ns - now_ns;
	}
	count(d, req);
	if (G_UNLIKELY(d->on_io != NULL))
		d->on_io(d->on_io_ctx, d, req, io);
	return io->done_ns;
}

size_t vm_disk_merge_runs(const uint64_t *blocks, size_t nr_blocks,
			  uint32_t max_nr, vm_disk_dir_t dir, uint64_t tag,
			  vm_disk_req_t *out)
{
	size_t n = 0;

	g_return_val_if_fail(max_nr > 0, 0);
	if (nr_blocks == 0)
		return 0;
	g_return_val_if_fail(blocks != NULL && out != NULL, 0);

	/* Check first, so that a bad list writes nothing to @out. */
	for (size_t i = 1; i < nr_blocks; i++)
		g_return_val_if_fail(blocks[i] > blocks[i - 1], 0);

	out[0] = (vm_disk_req_t){ .start = blocks[0], .nr = 1, .dir = dir,
				  .tag = tag };
	for (size_t i = 1; i < nr_blocks; i++) {
		vm_disk_req_t *r = &out[n];

		if (blocks[i] == r->start + r->nr && r->nr < max_nr) {
			r->nr++;
			continue;
		}
		out[++n] = (vm_disk_req_t){ .start = blocks[i], .nr = 1,
					    .dir = dir, .tag = tag };
	}
	return n + 1;
}

uint64_t vm_disk_idle_at(const vm_disk_t *d)
{
	uint64_t t;

	g_return_val_if_fail(d != NULL, 0);
	t = d->last_submit;
	for (uint32_t i = 0; i < d->queue_depth; i++)
		t = MAX(t, d->slot_free[i]);
	return t;
}

/*
 * A slot whose last request ends after @now_ns is busy at @now_ns: that
 * request was submitted at or before @now_ns, and it either is in service
 * or waits for the one before it on the same slot.
 */
uint32_t vm_disk_nr_busy(const vm_disk_t *d, uint64_t now_ns)
{
	uint32_t n = 0;

	g_return_val_if_fail(d != NULL, 0);
	for (uint32_t i = 0; i < d->queue_depth; i++)
		if (d->slot_free[i] > now_ns)
			n++;
	return n;
}

/*
 * Earlier stretches all end before busy_from, so only the last one,
 * [busy_from, busy_until), can reach past @now_ns.  It began at some
 * request's submission (a request that waited joined a stretch already
 * running), hence at or before the last submission.
 */
uint64_t vm_disk_busy_ns_at(const vm_disk_t *d, uint64_t now_ns)
{
	g_return_val_if_fail(d != NULL, 0);
	if (d->busy_until <= now_ns)
		return d->stats.busy_ns;
	return d->stats.busy_ns - (d->busy_until - MAX(now_ns, d->busy_from));
}
