/*
 * The machine's clock and event queue: the one place simulated time is
 * kept.  Everything that happens at a time of its own rather than inside
 * the event that caused it is an event here: a process waking from a
 * sleep or from its wait for the disk (the engine's), the end of a page's
 * writeback that reclaim started (vmscan.c), a tick of the flusher
 * (writeback.c), kswapd waking after waiting for writeback (kswapd.c).
 *
 * A binary min-heap keyed by (time, sequence number), in one array that
 * grows by doubling and is never shrunk, so that pushing and popping
 * allocates only while the queue reaches a new high-water mark.  The
 * sequence number makes ties deterministic: equal times pop in push order.
 */
#ifndef VM_EVENTS_H
#define VM_EVENTS_H

#include <stdint.h>
#include <glib.h>

typedef enum {
	VM_EV_WAKE,        /* a task's sleep or I/O wait ends: arg = pid (the
			    * engine's: it owns the tasks) */
	VM_EV_IO,          /* a pageout that reclaim started completes
			    * (vmscan.c) */
	VM_EV_FLUSH,       /* the flusher's periodic tick (writeback.c) */
	VM_EV_KSWAPD,      /* kswapd's wait for writeback ends (kswapd.c) */
	VM_EV_KHUGEPAGED,  /* khugepaged wakes to scan (khugepaged.c) */
	VM_EV_NR
} vm_ev_kind_t;

typedef struct {
	uint64_t time;     /* simulated ns */
	uint64_t seq;      /* push order, for ties */
	uint32_t kind;     /* vm_ev_kind_t */
	uint32_t arg;
	uint64_t arg2;
} vm_ev_t;

typedef struct {
	vm_ev_t *h;
	uint32_t n, cap;
	uint64_t next_seq;
} vm_events_t;

void vm_events_init(vm_events_t *q, uint32_t cap);
void vm_events_destroy(vm_events_t *q);
void vm_events_push(vm_events_t *q, uint64_t time, vm_ev_kind_t kind, uint32_t arg,
		 uint64_t arg2);
/* Pop the earliest event into @ev; FALSE when empty. */
gboolean vm_events_pop(vm_events_t *q, vm_ev_t *ev);
/* The earliest event, or NULL. */
static inline const vm_ev_t *vm_events_peek(const vm_events_t *q)
{
	return q->n ? &q->h[0] : NULL;
}

#endif
