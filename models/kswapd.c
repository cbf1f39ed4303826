/*
 * kswapd: background reclaim between the low and the high watermark
 * (mm/vmscan.c kswapd, balance_pgdat).  Woken by the page allocator
 * (machine.c) when an allocation leaves free memory below the low
 * watermark; it reclaims up to the high one and never calls the OOM
 * killer.
 */
#include "models/kswapd.h"
#include "models/vmscan.h"
void vm_kswapd_run(vm_machine_t *m)
{
	/* balance_pgdat: from below the low watermark up to the high one;
	 * kswapd never calls the OOM killer */
	m->c.kswapd_wakeups++;
	vm_vmscan_shrink(m, m->wm_high, FALSE, 0);
}
