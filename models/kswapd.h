/* Background reclaim (kswapd.c). */
#ifndef VM_KSWAPD_H
#define VM_KSWAPD_H

#include "models/machine.h"

/* kswapd's work once woken (reclaim.kswapd): from below the low watermark
 * up to the high one (balance_pgdat); it never calls the OOM killer. */
void vm_kswapd_run(vm_machine_t *m);

#endif
