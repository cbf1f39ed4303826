/*
 * kswapd, modelled on mm/vmscan.c's kswapd() and balance_pgdat(), as a
 * thread that competes with the processes for the one CPU:
 *
 *   alloc_frame: free < low ──► wake (kswapd_wakeups)
 *                                   │
 *        ┌──────────────────────────▼─────────────────────────────┐
 *        │ a turn: reclaim up to 32 pages towards the high mark    │
 *        │ (pgscan x cost.reclaim of CPU time, pageoutrun)         │
 *        └─┬───────────────┬───────────────────────┬───────────────┘
 *          │ free >= high  │ freed some, not there │ freed none
 *          ▼               ▼                       ├─ a pageout in flight:
 *        sleep          runnable: the engine       │  wait for it (VM_EV_KSWAPD)
 *                       gives a process a turn,    └─ nothing: give up and
 *                       then kswapd another         sleep until direct
 *                                                   reclaim makes progress
 *
 * Linux's kswapd is a kernel thread scheduled like any other; the engine
 * alternates it with the processes' events while it is runnable, a fair
 * share of one CPU.  Switching to it costs a context switch and flushes no
 * TLB (a kernel thread borrows the last process's address space: lazy
 * TLB).  Left out: zones and nodes (one pgdat), the order of the allocation
 * that woke it (always 0), kswapd's own higher priority passes
 * (sc->priority; each turn looks at what it needs), and the 16 failed
 * passes Linux makes before it gives up (MAX_RECLAIM_RETRIES: a pass over
 * pages that have not changed would find the same).
 */
#include "models/kswapd.h"
#include "models/vmscan.h"

void vm_kswapd_wake(vm_machine_t *m)
{
	if (!m->cfg.reclaim_kswapd || m->kswapd_state != VM_KSWAPD_SLEEPING ||
	    m->kswapd_failures)
		return;
	m->kswapd_state = VM_KSWAPD_RUNNABLE;
	m->c.kswapd_wakeups++;
}

uint64_t vm_kswapd_run(vm_machine_t *m)
{
	g_return_val_if_fail(m->kswapd_state == VM_KSWAPD_RUNNABLE, 0);
	m->alloc_wait = 0;
	m->reclaim_ns = 0;
	m->cache_add_ns = 0;
	m->c.pageoutrun++;
	uint64_t evicted = m->nr_evicted, pageouts = m->nr_pageout;
	uint64_t target = MIN(m->wm_high, (uint64_t)m->frames.nr_free + VM_KSWAPD_BATCH);
	vm_vmscan_shrink(m, target, FALSE, 0);
	uint64_t cost = m->reclaim_ns;
	m->c.kswapd_ns += cost;
	m->c.pgsteal_kswapd += m->nr_evicted - evicted;
	if (m->frames.nr_free >= m->wm_high) {
		m->kswapd_state = VM_KSWAPD_SLEEPING;   /* balanced */
	} else if (m->nr_evicted > evicted || m->nr_pageout > pageouts) {
		/* progress: another turn after the processes had theirs */
	} else {
		uint64_t next = vm_vmscan_pageout_next(m);
		if (next) {
			/* nothing can go until a write completes */
			m->kswapd_state = VM_KSWAPD_WAITING;
			vm_events_push(&m->ev, next, VM_EV_KSWAPD, 0, 0);
		} else {
			m->kswapd_state = VM_KSWAPD_SLEEPING;
			m->kswapd_failures++;   /* it gave up */
		}
	}
	return cost;
}

void vm_kswapd_wait_done(vm_machine_t *m)
{
	if (m->kswapd_state == VM_KSWAPD_WAITING)
		m->kswapd_state = VM_KSWAPD_RUNNABLE;
}

void vm_kswapd_progress(vm_machine_t *m)
{
	m->kswapd_failures = 0;
}
