/* fork() (fork.c): a new process with a copy of an address space. */
#ifndef VM_FORK_H
#define VM_FORK_H

#include "models/machine.h"

/*
 * A new process @pid with a copy of @parent's address space.  Returns the
 * child, killed, when the OOM killer chose it while its page tables were
 * being copied; NULL when memory ran out and the OOM killer could free
 * nothing (or oom.policy=none forbids it), a failed fork.  *cost gets the
 * CPU time of copying the page tables.
 */
vm_proc_t *vm_fork_process(vm_machine_t *m, vm_proc_t *parent, uint32_t pid,
			   uint64_t *cost);

#endif
