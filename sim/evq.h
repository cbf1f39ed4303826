/*
 * The event queue: a binary min-heap keyed by (time, sequence number), in
 * one array that grows by doubling and is never shrunk, so that pushing and
 * popping timed events (I/O completions, wake-ups, kswapd and flusher ticks)
 * allocates only while the queue reaches a new high-water mark.  The
 * sequence number makes ties deterministic: equal times pop in push order.
 */
#ifndef VM_EVQ_H
#define VM_EVQ_H

#include <stdint.h>
#include <glib.h>

typedef enum {
	VM_EV_WAKE,        /* a process's sleep or I/O wait ends: arg = pid */
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
} vm_evq_t;

void vm_evq_init(vm_evq_t *q, uint32_t cap);
void vm_evq_destroy(vm_evq_t *q);
void vm_evq_push(vm_evq_t *q, uint64_t time, vm_ev_kind_t kind, uint32_t arg,
		 uint64_t arg2);
/* Pop the earliest event into @ev; FALSE when empty. */
gboolean vm_evq_pop(vm_evq_t *q, vm_ev_t *ev);
/* The earliest event, or NULL. */
static inline const vm_ev_t *vm_evq_peek(const vm_evq_t *q)
{
	return q->n ? &q->h[0] : NULL;
}

#endif
