/*
 * The page-fault handler (fault.c), entered by the MMU when the TLBs and the
 * walk could not serve an access.
 */
#ifndef VM_FAULT_H
#define VM_FAULT_H

#include "models/machine.h"

/* Resolve a fault of @p on page @vpn for an access of @acc; fills @res
 * (outcome, reason, cost, the wait for I/O) and, when resolved, the TLBs. */
void vm_fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
		     vm_acc_t acc, vm_result_t *res);

#endif
