/* Power loss (crash.c). */
#ifndef VM_CRASH_H
#define VM_CRASH_H

#include "models/machine.h"

/* Power loss: every process dies, dirty pages are lost (*lost), pages whose
 * write was still in flight are torn (*torn), memory and the page cache are
 * emptied.  Files keep what had reached the disk.  The engine reboots. */
void vm_crash_machine(vm_machine_t *m, uint64_t *lost, uint64_t *torn);

#endif
