/*
 * kswapd (kswapd.c): background reclaim as a kernel thread that takes
 * turns on the CPU.  The page allocator wakes it when free memory falls
 * below the low watermark; the engine gives it the CPU between the
 * processes' events while it is runnable; each turn reclaims a batch and
 * costs CPU time; it sleeps again at the high watermark.
 */
#ifndef VM_KSWAPD_H
#define VM_KSWAPD_H

#include "models/machine.h"

/* SWAP_CLUSTER_MAX: the pages one turn reclaims at most. */
#define VM_KSWAPD_BATCH 32

/* wakeup_kswapd: free memory fell below the low watermark (a no-op with
 * reclaim.kswapd=false, while it runs or waits, and after it gave up). */
void vm_kswapd_wake(vm_machine_t *m);
/* One turn on the CPU (a round of balance_pgdat): reclaims up to
 * VM_KSWAPD_BATCH pages towards the high watermark and returns the CPU
 * time it took (cost.reclaim per page looked at).  Afterwards
 * m->kswapd_state says what it does next: runnable again, asleep (the
 * high watermark is reached, or a pass found nothing it can free), or
 * waiting for the oldest pageout in flight (a VM_EV_KSWAPD is queued). */
uint64_t vm_kswapd_run(vm_machine_t *m);
/* VM_EV_KSWAPD: the pageout it waited for completed; runnable again. */
void vm_kswapd_wait_done(vm_machine_t *m);
/* Direct reclaim freed pages: a kswapd that gave up may be woken again
 * (pgdat->kswapd_failures reset). */
void vm_kswapd_progress(vm_machine_t *m);

#endif
